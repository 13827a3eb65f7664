--
-- pushdown: WHERE, ORDER BY and LIMIT become HubSpot requests; ids become
-- look-ups and batch reads; request counts and EXPLAIN (issue 3)
--
\getenv sim_url HUBSPOT_SIM_URL
\! simctl reset
CREATE SERVER hs_push FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'sim_url', search_per_second '100');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_push OPTIONS (access_token 'sim-token');
CREATE FOREIGN TABLE u (
  id bigint, hs_email text, hs_job_title text, hs_deactivated boolean,
  hs_createdate timestamptz, hs_internal_user_id bigint,
  hs_standard_time_zone text, hs_uncategorized_skills text[],
  created_at timestamptz, updated_at timestamptz, archived boolean
) SERVER hs_push OPTIONS (object 'users');
-- the simulator's own copy, to compare with
CREATE TEMP TABLE lu (id bigint, hs_email text, hs_job_title text, hs_deactivated boolean,
  hs_createdate timestamptz, hs_internal_user_id bigint, hs_standard_time_zone text);
COPY lu FROM PROGRAM 'simctl data users --csv --columns id,hs_email,hs_job_title,hs_deactivated,hs_createdate,hs_internal_user_id,hs_standard_time_zone' (FORMAT csv, HEADER);
ANALYZE lu;

-- id = c is one GET; a missing id is no row
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, hs_email FROM u WHERE id = 5;
\! simctl clear-log
SELECT id, hs_email FROM u WHERE id = 5;
SELECT id, hs_email FROM u WHERE id = 1005;
\! simctl log

-- 250 ids in IN are 3 batch reads
\! simctl clear-log
SELECT format('SELECT count(*) AS found, min(id), max(id) FROM u WHERE id IN (%s)',
              string_agg(id::text, ',' ORDER BY id))
  FROM (SELECT id FROM lu ORDER BY id LIMIT 250) s \gexec
\! simctl count --path '/batch/read$'
\! simctl count
-- they go at once: the two after the first are sent ahead of their turn;
-- with concurrent_requests 1 one at a time, none ahead, the same 3
SELECT format('EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM u WHERE id IN (%s)',
              string_agg(id::text, ',' ORDER BY id))
  AS explain_in FROM (SELECT id FROM lu ORDER BY id LIMIT 250) s \gset
:explain_in;
ALTER FOREIGN TABLE u OPTIONS (ADD concurrent_requests '1');
:explain_in;
ALTER FOREIGN TABLE u OPTIONS (DROP concurrent_requests);

-- = ANY($1) from a parameter is a batch read too
PREPARE byids(bigint[]) AS SELECT id, hs_email FROM u WHERE id = ANY($1) ORDER BY id;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE byids('{1001,1005,1007,5}');
\! simctl clear-log
EXECUTE byids('{1001,1005,1007,5}');
\! simctl log

-- a search matching 450 rows is 3 requests of 200
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM u WHERE id BETWEEN 3578 AND 4698;
\! simctl clear-log
SELECT count(*) FROM u WHERE id BETWEEN 3578 AND 4698;
\! simctl count

-- LIMIT 7 asks for 7
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM u LIMIT 7;
\! simctl clear-log
SELECT count(*) FROM (SELECT id FROM u LIMIT 7) s;
\! simctl log
-- with ORDER BY on a pushable column: a sort, records without a value apart
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, hs_createdate FROM u ORDER BY hs_createdate DESC LIMIT 7;
\! simctl clear-log
SELECT id, hs_createdate FROM u ORDER BY hs_createdate DESC LIMIT 7;
\! simctl log
SELECT id, hs_createdate FROM lu ORDER BY hs_createdate DESC LIMIT 7;
-- OFFSET: the page holds LIMIT + OFFSET
\! simctl clear-log
SELECT id FROM u ORDER BY id LIMIT 3 OFFSET 4;
\! simctl log

-- a filtered search matching all 25,000 rows returns them all, past
-- HubSpot's 10,000 cap: id-ordered pages, restarted above the last id
\! simctl clear-log
SELECT count(*), count(DISTINCT id) FROM u WHERE hs_createdate > '2019-01-01';
\! simctl count
\! simctl count --status 400

-- text equality is pushed (HubSpot compares case-insensitively) and rechecked
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM u WHERE hs_job_title = 'sales rep';
SELECT count(*) FROM u WHERE hs_job_title = 'sales rep';
SELECT count(*) FROM lu WHERE hs_job_title = 'sales rep';
-- IN sends lower-case values; Postgres rechecks
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM u WHERE hs_job_title IN ('CTO', 'Sales Rep');
SELECT count(*) FROM u WHERE hs_job_title IN ('CTO', 'Sales Rep');
SELECT count(*) FROM lu WHERE hs_job_title IN ('CTO', 'Sales Rep');
-- OR across groups, IS NULL, booleans, NOT IN, <>
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM u
  WHERE (hs_deactivated AND hs_job_title IS NULL) OR hs_internal_user_id < 2600100;
SELECT count(*) FROM u WHERE (hs_deactivated AND hs_job_title IS NULL) OR hs_internal_user_id < 2600100;
SELECT count(*) FROM lu WHERE (hs_deactivated AND hs_job_title IS NULL) OR hs_internal_user_id < 2600100;
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM u
  WHERE hs_standard_time_zone NOT IN ('UTC', 'Asia/Tokyo') AND hs_job_title <> 'CTO';
SELECT count(*) FROM u WHERE hs_standard_time_zone NOT IN ('UTC', 'Asia/Tokyo') AND hs_job_title <> 'CTO';
SELECT count(*) FROM lu WHERE hs_standard_time_zone NOT IN ('UTC', 'Asia/Tokyo') AND hs_job_title <> 'CTO';
-- equalities ORed on one property become one IN, so seven arms fit in
-- HubSpot's five filter groups
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM u WHERE
  hs_internal_user_id IN (2600010, 2600020) OR id = 1001 OR id = 1005 OR id = 1007
  OR id = 1009 OR id = 1011 OR hs_job_title = 'CTO';
SELECT count(*) FROM u WHERE
  hs_internal_user_id IN (2600010, 2600020) OR id = 1001 OR id = 1005 OR id = 1007
  OR id = 1009 OR id = 1011 OR hs_job_title = 'CTO';
SELECT count(*) FROM lu WHERE
  hs_internal_user_id IN (2600010, 2600020) OR id = 1001 OR id = 1005 OR id = 1007
  OR id = 1009 OR id = 1011 OR hs_job_title = 'CTO';
-- an OR of six properties does not fit; pushing part of an OR would lose
-- rows, so the OR stays local and the rest goes
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM u WHERE id < 3000 AND
  (hs_job_title = 'CTO' OR hs_email = 'x@y.test' OR hs_deactivated OR hs_internal_user_id = 2600010
   OR hs_standard_time_zone = 'UTC' OR hs_createdate < '2019-06-01');
SELECT count(*) FROM u WHERE id < 3000 AND
  (hs_job_title = 'CTO' OR hs_email = 'x@y.test' OR hs_deactivated OR hs_internal_user_id = 2600010
   OR hs_standard_time_zone = 'UTC' OR hs_createdate < '2019-06-01');
SELECT count(*) FROM lu WHERE id < 3000 AND
  (hs_job_title = 'CTO' OR hs_email = 'x@y.test' OR hs_deactivated OR hs_internal_user_id = 2600010
   OR hs_standard_time_zone = 'UTC' OR hs_createdate < '2019-06-01');
-- ANDed conditions past 6 filters: the first ones go, the rest stay local
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM u WHERE
  hs_internal_user_id > 2600000 AND hs_internal_user_id < 2700000 AND id > 1000 AND id < 40000
  AND hs_createdate > '2020-01-01' AND hs_createdate < '2022-01-01' AND hs_deactivated = false
  AND hs_job_title IS NOT NULL;
SELECT count(*) FROM u WHERE
  hs_internal_user_id > 2600000 AND hs_internal_user_id < 2700000 AND id > 1000 AND id < 40000
  AND hs_createdate > '2020-01-01' AND hs_createdate < '2022-01-01' AND hs_deactivated = false
  AND hs_job_title IS NOT NULL;
SELECT count(*) FROM lu WHERE
  hs_internal_user_id > 2600000 AND hs_internal_user_id < 2700000 AND id > 1000 AND id < 40000
  AND hs_createdate > '2020-01-01' AND hs_createdate < '2022-01-01' AND hs_deactivated = false
  AND hs_job_title IS NOT NULL;
-- <> on a number goes as NEQ; on text it stays local (HubSpot's NEQ ignores case)
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM u WHERE hs_internal_user_id <> 2600010 AND id < 1100;
-- LIKE stays local: HubSpot has no operator with its meaning
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM u WHERE hs_email LIKE 'eve%' AND id < 1100;
SELECT count(*) FROM u WHERE hs_email LIKE 'eve%' AND id < 2000;
SELECT count(*) FROM lu WHERE hs_email LIKE 'eve%' AND id < 2000;

-- parameters: values known at execution
PREPARE bytitle(text, timestamptz) AS
  SELECT count(*) FROM u WHERE hs_job_title = $1 AND hs_createdate >= $2;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE bytitle('Intern', '2021-06-01');
EXECUTE bytitle('Intern', '2021-06-01');
SELECT count(*) FROM lu WHERE hs_job_title = 'Intern' AND hs_createdate >= '2021-06-01';
RESET plan_cache_mode;

-- a nested loop with a parameterized path: one GET per outer row
CREATE TEMP TABLE wanted (uid bigint);
INSERT INTO wanted VALUES (1001), (1005), (1007);
ANALYZE wanted;
EXPLAIN (VERBOSE, COSTS OFF) SELECT w.uid, u.hs_email FROM wanted w JOIN u ON u.id = w.uid;
\! simctl clear-log
SELECT w.uid, u.hs_email FROM wanted w JOIN u ON u.id = w.uid ORDER BY 1;
\! simctl log

-- EXPLAIN ANALYZE counts requests, pages and rows
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT id FROM u WHERE id BETWEEN 3578 AND 4698;

-- search is paced at search_per_second: HubSpot allows 5 a second
\! simctl config '{"search_per_second": 5}'
ALTER SERVER hs_push OPTIONS (SET search_per_second '5');
-- (a changed server option means a new connection, which has not seen the
-- searches of the last second: let them age first)
SELECT pg_sleep(1.1);
\! simctl clear-log
SELECT count(*) FROM u WHERE id BETWEEN 1000 AND 12000;
\! simctl count --path '/search$'
\! simctl count --status 429
ALTER SERVER hs_push OPTIONS (SET search_per_second '100');

-- use_remote_estimate: HubSpot's total is the row estimate
CREATE FUNCTION plan_rows(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE j json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO j;
  RETURN (j->0->'Plan'->>'Plan Rows')::bigint;
END $$;
ALTER FOREIGN TABLE u OPTIONS (ADD use_remote_estimate 'true');
\! simctl clear-log
SELECT plan_rows('SELECT id FROM u WHERE id BETWEEN 3578 AND 4698') AS estimated;
\! simctl log
ALTER FOREIGN TABLE u OPTIONS (DROP use_remote_estimate);
DROP FUNCTION plan_rows(text);

-- every CRM object through the same code
CREATE FOREIGN TABLE deals (id bigint, dealname text, amount numeric, dealstage text,
  closedate timestamptz, hubspot_owner_id text) SERVER hs_push OPTIONS (object 'deals');
CREATE FOREIGN TABLE contacts (id bigint, email text, lifecyclestage text, num_notes integer,
  birthdate date, hubspot_owner_id text) SERVER hs_push OPTIONS (object '0-1');
CREATE FOREIGN TABLE projects (id bigint, project_name text, budget numeric, due date)
  SERVER hs_push OPTIONS (object '2-1234567');
CREATE TEMP TABLE ld (id bigint, dealname text, amount numeric, dealstage text,
  closedate timestamptz, hubspot_owner_id text);
COPY ld FROM PROGRAM 'simctl data deals --csv --columns id,dealname,amount,dealstage,closedate,hubspot_owner_id' (FORMAT csv, HEADER);
SELECT count(*) FROM deals;
SELECT count(*) FROM ld;
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM deals WHERE amount >= 100000 AND dealstage = 'closedwon';
SELECT count(*), sum(amount) FROM deals WHERE amount >= 100000 AND dealstage = 'closedwon';
SELECT count(*), sum(amount) FROM ld WHERE amount >= 100000 AND dealstage = 'closedwon';
SELECT count(*) FROM contacts WHERE birthdate < '1960-01-01' AND num_notes > 10;
SELECT count(*) FROM projects WHERE due BETWEEN '2025-01-01' AND '2025-12-31';

-- a parameter that comes to no value (NULL, an empty array) leaves its
-- filter out of the search, and Postgres answers: no rows, no HubSpot 400
SET plan_cache_mode = force_generic_plan;
PREPARE p_null(text) AS SELECT count(*) FROM u WHERE hs_job_title = $1 AND id < 1100;
EXECUTE p_null(NULL);
EXECUTE p_null('Engineer');
PREPARE p_empty(bigint[]) AS SELECT count(*) FROM u WHERE id = ANY ($1) AND hs_job_title = 'Engineer';
EXECUTE p_empty('{}');
RESET plan_cache_mode;
-- booleans have no order at HubSpot: ranges on them stay local
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM u WHERE hs_deactivated < true;

-- the inner side of a nested loop, rescanned with values it has seen:
-- answered from the rows it kept (Memoize off, so that the wrapper's own
-- cache is what is shown), one request per distinct value
CREATE TEMP TABLE outer_ids AS
  SELECT id FROM (SELECT id FROM lu ORDER BY id LIMIT 7) s, generate_series(1, 6);
ANALYZE outer_ids;
SET enable_hashjoin = off; SET enable_mergejoin = off; SET enable_memoize = off;
\! simctl clear-log
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM outer_ids o JOIN u ON u.id = o.id;
SELECT count(*), count(DISTINCT u.id) FROM outer_ids o JOIN u ON u.id = o.id;
RESET enable_hashjoin; RESET enable_mergejoin; RESET enable_memoize;

-- clean up
DROP SERVER hs_push CASCADE;
