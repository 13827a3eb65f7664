--
-- permitted: who may view, edit, communicate with or delete each record
-- (issue 4): rows compared with the simulator's own permission data,
-- request counts, joins, max_requests, bad HCRN parts
--
\getenv sim_url HUBSPOT_SIM_URL
\! simctl reset
CREATE SERVER hs_perm FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'sim_url', search_per_second '100');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_perm OPTIONS (access_token 'sim-token');
CREATE FOREIGN TABLE p (
  object_type text, object_type_id text, object_id bigint,
  resource text, action text, user_id bigint
) SERVER hs_perm OPTIONS (object 'permitted_users');
CREATE FOREIGN TABLE hs_users (id bigint, hs_email text, hs_internal_user_id bigint)
  SERVER hs_perm OPTIONS (object 'users');
CREATE FOREIGN TABLE contacts (id bigint, email text, hubspot_owner_id text,
  lifecyclestage text, num_notes integer)
  SERVER hs_perm OPTIONS (object 'contacts');
-- the simulator's own data, to compare with
CREATE TEMP TABLE lp (object_type text, object_type_id text, object_id bigint,
  resource text, action text, user_id bigint);
COPY lp FROM PROGRAM 'simctl data permitted_users --csv --columns object_type,object_type_id,object_id,resource,action,user_id' (FORMAT csv, HEADER);
CREATE TEMP TABLE lu (id bigint, hs_email text, hs_internal_user_id bigint);
COPY lu FROM PROGRAM 'simctl data users --csv --columns id,hs_email,hs_internal_user_id' (FORMAT csv, HEADER);
CREATE TEMP TABLE lc (id bigint, hubspot_owner_id text, lifecyclestage text, num_notes integer);
COPY lc FROM PROGRAM 'simctl data contacts --csv --columns id,hubspot_owner_id,lifecyclestage,num_notes' (FORMAT csv, HEADER);
ANALYZE lp; ANALYZE lu; ANALYZE lc;
-- the data vary from record to record, and hold users with no user behind them
SELECT object_type, count(DISTINCT object_id) AS records, count(*) AS rows,
       count(DISTINCT user_id) AS users FROM lp GROUP BY 1 ORDER BY 1;
SELECT count(DISTINCT user_id) AS ids_without_a_live_user FROM lp
 WHERE user_id NOT IN (SELECT hs_internal_user_id FROM lu);
-- a function that says whether a query over p gives exactly lp's rows
CREATE FUNCTION same_rows(remote text, local text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE n bigint; missing bigint; extra bigint;
BEGIN
  EXECUTE format('CREATE TEMP TABLE r_ AS %s', remote);
  EXECUTE format('CREATE TEMP TABLE l_ AS %s', local);
  SELECT count(*) INTO n FROM r_;
  SELECT count(*) INTO missing FROM (SELECT * FROM l_ EXCEPT ALL SELECT * FROM r_) s;
  SELECT count(*) INTO extra FROM (SELECT * FROM r_ EXCEPT ALL SELECT * FROM l_) s;
  DROP TABLE r_; DROP TABLE l_;
  RETURN format('%s rows, %s missing, %s extra', n, missing, extra);
END $$;

-- one record is one request (the account id is asked once per connection)
SELECT min(object_id) AS d1 FROM lp WHERE object_type = 'deals' \gset
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM p WHERE object_type = 'deals' AND object_id = :d1;
\! simctl clear-log
SELECT same_rows(format('SELECT * FROM p WHERE object_type = %L AND object_id = %s', 'deals', :d1),
                 format('SELECT * FROM lp WHERE object_type = %L AND object_id = %s', 'deals', :d1));
\! simctl log
\! simctl clear-log
SELECT action, count(*) FROM p WHERE object_type = 'deals' AND object_id = :d1 GROUP BY 1 ORDER BY 1;
\! simctl count

-- 45 records are 3 requests at a batch of 20
SELECT string_agg(object_id::text, ',' ORDER BY object_id) AS ids45
  FROM (SELECT DISTINCT object_id FROM lp WHERE object_type = 'contacts' ORDER BY 1 LIMIT 45) s \gset
\! simctl clear-log
SELECT same_rows(format('SELECT * FROM p WHERE object_type = %L AND object_id IN (%s)', 'contacts', :'ids45'),
                 format('SELECT * FROM lp WHERE object_type = %L AND object_id IN (%s)', 'contacts', :'ids45'));
\! simctl count --path permitted-users
-- the first look-up alone (HubSpot must take a batch of 20 first), then the
-- other two at once: the last one ahead of its turn
SELECT format('EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM p WHERE object_type = %L AND object_id IN (%s)',
              'contacts', :'ids45') AS explain45 \gset
:explain45;

-- HubSpot refusing a batch (here: more than 10 records) is a 400: the batch
-- is halved and sent again, and every row still comes back
\! simctl config '{"permitted_users_max_resources": 10}' >/dev/null
\! simctl clear-log
SELECT same_rows(format('SELECT * FROM p WHERE object_type = %L AND object_id IN (%s)', 'contacts', :'ids45'),
                 format('SELECT * FROM lp WHERE object_type = %L AND object_id IN (%s)', 'contacts', :'ids45'));
\! simctl log --path permitted-users | cut -c1-3 | sort | uniq -c
\! simctl config '{"permitted_users_max_resources": 20}' >/dev/null

-- every type, by type name and by type id; and all types at once (one request)
SELECT t, same_rows(format('SELECT * FROM p WHERE object_type = %L AND object_id = %s', t, id),
                 format('SELECT * FROM lp WHERE object_type = %L AND object_id = %s', t, id)) AS by_name,
       same_rows(format('SELECT * FROM p WHERE object_type_id = %L AND object_id = %s', ti, id),
                 format('SELECT * FROM lp WHERE object_type_id = %L AND object_id = %s', ti, id)) AS by_id
  FROM (SELECT object_type t, object_type_id ti, max(object_id) id FROM lp GROUP BY 1, 2) s ORDER BY t;
-- (record ids of different types overlap: each id is asked of all four types,
-- 10 ids = 40 records = 2 requests)
SELECT string_agg(object_id::text, ',') AS some_ids FROM
  (SELECT DISTINCT object_id FROM lp WHERE object_type = 'companies' ORDER BY object_id LIMIT 10) s \gset
SELECT object_type, count(DISTINCT object_id) FROM lp
 WHERE object_id IN (SELECT unnest(string_to_array(:'some_ids', ',')::bigint[])) GROUP BY 1 ORDER BY 1;
\! simctl clear-log
SELECT same_rows(format('SELECT * FROM p WHERE object_id IN (%s)', :'some_ids'),
                 format('SELECT * FROM lp WHERE object_id IN (%s)', :'some_ids'));
\! simctl count --path permitted-users
-- by resource, and a parameter
SELECT resource AS r1 FROM lp WHERE object_type = 'companies' ORDER BY object_id LIMIT 1 \gset
SELECT same_rows(format('SELECT * FROM p WHERE resource = %L', :'r1'),
                 format('SELECT * FROM lp WHERE resource = %L', :'r1'));
PREPARE perm_of(text, bigint[]) AS
  SELECT count(*) FROM p WHERE object_type = $1 AND object_id = ANY($2);
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE perm_of('deals', ARRAY[1, 2]);
SELECT string_agg(object_id::text, ',') AS dids FROM
  (SELECT DISTINCT object_id FROM lp WHERE object_type = 'deals' ORDER BY object_id LIMIT 5) s \gset
SELECT format('EXECUTE perm_of(%L, ''{%s}'')', 'deals', :'dids') \gexec
SELECT count(*) FROM lp WHERE object_type = 'deals' AND object_id IN (SELECT unnest(string_to_array(:'dids', ',')::bigint[]));

-- filtered by action and by user: Postgres filters, HubSpot is asked the same
EXPLAIN (VERBOSE, COSTS OFF)
  SELECT * FROM p WHERE object_type = 'contacts' AND object_id IN (1, 2) AND action = 'EDIT' AND user_id > 0;
\! simctl clear-log
SELECT same_rows(format('SELECT * FROM p WHERE object_type = %L AND object_id IN (%s) AND action = %L', 'contacts', :'ids45', 'EDIT'),
                 format('SELECT * FROM lp WHERE object_type = %L AND object_id IN (%s) AND action = %L', 'contacts', :'ids45', 'EDIT'));
\! simctl count --path permitted-users
-- a user's records, every type enumerated: the list cursor and batched look-ups
SELECT user_id AS manager FROM lp WHERE action = 'EDIT' AND user_id < 9000000
 GROUP BY user_id HAVING count(*) BETWEEN 20 AND 400 ORDER BY count(*) DESC, user_id LIMIT 1 \gset
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM p WHERE user_id = :manager;
\! simctl clear-log
SELECT same_rows(format('SELECT * FROM p WHERE user_id = %s', :manager),
                 format('SELECT * FROM lp WHERE user_id = %s', :manager));
SELECT (SELECT count(DISTINCT object_id) FROM lp) AS records_looked_up;
\! simctl count --path '/crm/v3/objects/[a-z]+$'
\! simctl count --path permitted-users
-- one type enumerated, filtered by action
SELECT same_rows('SELECT * FROM p WHERE object_type = ''tickets'' AND action = ''DELETE''',
                 'SELECT * FROM lp WHERE object_type = ''tickets'' AND action = ''DELETE''');
-- service accounts and a deleted user are returned as HubSpot reports them
SELECT user_id, count(*) FROM p WHERE object_type = 'deals' AND object_id IN (:dids)
   AND user_id NOT IN (SELECT hs_internal_user_id FROM lu) GROUP BY 1 ORDER BY 1;

-- join 1: who can edit this deal, with their emails
EXPLAIN (VERBOSE, COSTS OFF)
SELECT u.hs_email FROM p JOIN hs_users u ON u.hs_internal_user_id = p.user_id
 WHERE p.object_type = 'deals' AND p.object_id = :d1 AND p.action = 'EDIT';
\! simctl clear-log
SELECT u.hs_email FROM p JOIN hs_users u ON u.hs_internal_user_id = p.user_id
 WHERE p.object_type = 'deals' AND p.object_id = :d1 AND p.action = 'EDIT'
 ORDER BY 1;
\! simctl log
SELECT u.hs_email FROM lp p JOIN lu u ON u.hs_internal_user_id = p.user_id
 WHERE p.object_type = 'deals' AND p.object_id = :d1 AND p.action = 'EDIT'
 ORDER BY 1;

-- join 2: contacts owned by one owner, with everyone who can view them:
-- the search on contacts, then ceil(n/20) permission look-ups
SELECT hubspot_owner_id AS owner FROM lc WHERE hubspot_owner_id IS NOT NULL
 GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1 \gset
SELECT count(*) AS owned_contacts, ceil(count(*) / 20.0) AS lookups FROM lc WHERE hubspot_owner_id = :'owner';
EXPLAIN (VERBOSE, COSTS OFF)
SELECT c.id, p.user_id FROM contacts c JOIN p
  ON p.object_type = 'contacts' AND p.object_id = c.id AND p.action = 'VIEW'
 WHERE c.hubspot_owner_id = :'owner';
\! simctl clear-log
SELECT same_rows(format('SELECT c.id, p.user_id FROM contacts c JOIN p ON p.object_type = %L AND p.object_id = c.id AND p.action = %L WHERE c.hubspot_owner_id = %L', 'contacts', 'VIEW', :'owner'),
                 format('SELECT c.id, p.user_id FROM lc c JOIN lp p ON p.object_type = %L AND p.object_id = c.id AND p.action = %L WHERE c.hubspot_owner_id = %L', 'contacts', 'VIEW', :'owner'));
\! simctl count --path /search
\! simctl count --path permitted-users
\! simctl count

-- the same join over more contacts; lifecyclestage is rechecked (HubSpot
-- compares strings ignoring case) before the records are looked up
SELECT count(*) AS contacts, ceil(count(*) / 20.0) AS lookups FROM lc
 WHERE lifecyclestage = 'customer' AND num_notes BETWEEN 10 AND 14;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT c.id, p.user_id FROM contacts c JOIN p
  ON p.object_type = 'contacts' AND p.object_id = c.id AND p.action = 'VIEW'
 WHERE c.lifecyclestage = 'customer' AND c.num_notes BETWEEN 10 AND 14;
\! simctl clear-log
SELECT same_rows('SELECT c.id, p.user_id FROM contacts c JOIN p ON p.object_type = ''contacts'' AND p.object_id = c.id AND p.action = ''VIEW'' WHERE c.lifecyclestage = ''customer'' AND c.num_notes BETWEEN 10 AND 14',
                 'SELECT c.id, p.user_id FROM lc c JOIN lp p ON p.object_type = ''contacts'' AND p.object_id = c.id AND p.action = ''VIEW'' WHERE c.lifecyclestage = ''customer'' AND c.num_notes BETWEEN 10 AND 14');
\! simctl count --path /search
\! simctl count --path permitted-users
-- over more records the join gathers as many batches as may go at once
-- (after HubSpot has taken the first) and sends them together: the same
-- requests as one at a time, most of them ahead of their turn
SELECT count(*) AS contacts, ceil(count(*) / 20.0) AS lookups,
       (SELECT count(*) FROM lc c JOIN lp p ON p.object_type = 'contacts' AND p.object_id = c.id
         WHERE c.num_notes BETWEEN 10 AND 17) AS rows
  FROM lc WHERE num_notes BETWEEN 10 AND 17;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM contacts c JOIN p ON p.object_type = 'contacts' AND p.object_id = c.id
 WHERE c.num_notes BETWEEN 10 AND 17;

-- max_requests stops a scan that would exceed it, before the quota burns
SET hubspot_fdw.max_requests = 50;
\! simctl clear-log
SELECT count(*) FROM p WHERE user_id = 42;
\! simctl count --path permitted-users
RESET hubspot_fdw.max_requests;
-- the table's option: 45 records take 3 requests
ALTER FOREIGN TABLE p OPTIONS (ADD max_requests '3');
SELECT count(*) FROM p WHERE object_type = 'contacts' AND object_id IN (:ids45);
ALTER FOREIGN TABLE p OPTIONS (SET max_requests '2');
\! simctl clear-log
SELECT count(*) FROM p WHERE object_type = 'contacts' AND object_id IN (:ids45);
\! simctl count
ALTER FOREIGN TABLE p OPTIONS (DROP max_requests);
-- a NULL among the ids names no record
SELECT count(*) FROM p WHERE object_type = 'deals' AND object_id = ANY(ARRAY[:d1, NULL]);

-- bad HCRN parts: a clear error before any request
\! simctl clear-log
SELECT * FROM p WHERE object_type = 'users' AND object_id = 1;
SELECT * FROM p WHERE object_type_id = '0-115' AND object_id = 1;
SELECT * FROM p WHERE object_type = 'deals' AND object_id = -4;
SELECT * FROM p WHERE resource = 'hcrn:1:crm-object:0-1:abc';
SELECT * FROM p WHERE resource = 'not an hcrn';
\! simctl count

DROP FUNCTION same_rows(text, text);
DROP SERVER hs_perm CASCADE;
\! simctl reset
