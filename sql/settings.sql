--
-- settings: settings users, roles, teams and owners (issue 5, reading):
-- every column compared with the simulator's own data, look-ups by id and
-- email, owners' archived and email parameters, request counts, EXPLAIN,
-- and joins between them
--
\getenv sim_url HUBSPOT_SIM_URL
\! simctl reset
CREATE SERVER hs_settings FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'sim_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_settings
  OPTIONS (access_token 'sim-token');
CREATE FOREIGN TABLE su (id bigint, email text, first_name text, last_name text,
  role_id bigint, role_ids bigint[], primary_team_id bigint,
  secondary_team_ids bigint[], super_admin boolean, seat_names text[])
  SERVER hs_settings OPTIONS (object 'settings_users');
CREATE FOREIGN TABLE roles (id bigint, name text, requires_billing_write boolean)
  SERVER hs_settings OPTIONS (object 'roles');
CREATE FOREIGN TABLE teams (id bigint, name text, user_ids bigint[],
  secondary_user_ids bigint[])
  SERVER hs_settings OPTIONS (object 'teams');
CREATE FOREIGN TABLE owners (id bigint, type text, email text, first_name text,
  last_name text, user_id bigint, user_id_including_inactive bigint, teams jsonb,
  archived boolean, created_at timestamptz, updated_at timestamptz)
  SERVER hs_settings OPTIONS (object 'owners');
-- the simulator's own data (lists come as JSON text)
CREATE TEMP TABLE lsu_raw (id bigint, email text, first_name text, last_name text,
  role_id bigint, role_ids jsonb, primary_team_id bigint, secondary_team_ids jsonb,
  super_admin boolean, seat_names jsonb);
COPY lsu_raw FROM PROGRAM 'simctl data settings_users --csv --columns id,email,first_name,last_name,role_id,role_ids,primary_team_id,secondary_team_ids,super_admin,seat_names' (FORMAT csv, HEADER);
CREATE TEMP TABLE lr (id bigint, name text, requires_billing_write boolean);
COPY lr FROM PROGRAM 'simctl data roles --csv --columns id,name,requires_billing_write' (FORMAT csv, HEADER);
CREATE TEMP TABLE lt_raw (id bigint, name text, user_ids jsonb, secondary_user_ids jsonb);
COPY lt_raw FROM PROGRAM 'simctl data teams --csv --columns id,name,user_ids,secondary_user_ids' (FORMAT csv, HEADER);
CREATE TEMP TABLE lo (id bigint, type text, email text, first_name text,
  last_name text, user_id bigint, user_id_including_inactive bigint, teams jsonb,
  archived boolean, created_at timestamptz, updated_at timestamptz);
COPY lo FROM PROGRAM 'simctl data owners --csv --columns id,type,email,first_name,last_name,user_id,user_id_including_inactive,teams,archived,created_at,updated_at' (FORMAT csv, HEADER);
CREATE FUNCTION ints(j jsonb) RETURNS bigint[] LANGUAGE sql IMMUTABLE
  AS $$ SELECT ARRAY(SELECT x::bigint FROM jsonb_array_elements_text(j) WITH ORDINALITY AS t(x, n) ORDER BY n) $$;
CREATE FUNCTION texts(j jsonb) RETURNS text[] LANGUAGE sql IMMUTABLE
  AS $$ SELECT ARRAY(SELECT x FROM jsonb_array_elements_text(j) WITH ORDINALITY AS t(x, n) ORDER BY n) $$;
CREATE TEMP TABLE lsu AS SELECT id, email, first_name, last_name, role_id,
  ints(role_ids) AS role_ids, primary_team_id, ints(secondary_team_ids) AS secondary_team_ids,
  super_admin, texts(seat_names) AS seat_names FROM lsu_raw;
CREATE TEMP TABLE lt AS SELECT id, name, ints(user_ids) AS user_ids,
  ints(secondary_user_ids) AS secondary_user_ids FROM lt_raw;
ANALYZE lsu; ANALYZE lr; ANALYZE lt; ANALYZE lo;
-- the data hold users with several roles, none, super admins, deactivated
-- users' owners (active with no userId, or archived) and queues
SELECT count(*) AS users, count(*) FILTER (WHERE cardinality(role_ids) > 1) AS several_roles,
       count(*) FILTER (WHERE cardinality(role_ids) = 0) AS no_role,
       count(*) FILTER (WHERE super_admin) AS super_admins FROM lsu;
SELECT type, archived, user_id IS NULL AS no_user_id, count(*) FROM lo GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
-- a function that says whether two queries give the same rows (as multisets)
CREATE FUNCTION same_rows(remote text, local text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE n bigint; missing bigint; extra bigint;
BEGIN
  EXECUTE format('CREATE TEMP TABLE r_ AS %s', remote);
  EXECUTE format('CREATE TEMP TABLE l_ AS %s', local);
  SELECT count(*) INTO n FROM r_;
  SELECT count(*) INTO missing FROM (SELECT * FROM l_ EXCEPT ALL SELECT * FROM r_) x;
  SELECT count(*) INTO extra FROM (SELECT * FROM r_ EXCEPT ALL SELECT * FROM l_) x;
  DROP TABLE r_; DROP TABLE l_;
  RETURN format('%s rows, %s missing, %s extra', n, missing, extra);
END $$;

-- every column of every table
\! simctl clear-log
SELECT same_rows('SELECT * FROM su', 'SELECT * FROM lsu');
\! simctl count --path '^/settings/v3/users/$'
SELECT same_rows('SELECT * FROM roles', 'SELECT * FROM lr');
SELECT same_rows('SELECT * FROM teams', 'SELECT * FROM lt');
-- owners without a qual on archived: the active ones, as HubSpot lists them
\! simctl clear-log
SELECT same_rows('SELECT * FROM owners', 'SELECT * FROM lo WHERE NOT archived');
\! simctl count --path '^/crm/v3/owners$'
SELECT same_rows('SELECT * FROM owners WHERE archived', 'SELECT * FROM lo WHERE archived');
SELECT same_rows('SELECT * FROM owners WHERE archived = false', 'SELECT * FROM lo WHERE NOT archived');
-- deactivated users' owners: no userId, the user id still there
SELECT count(*) AS active_owners_without_user_id,
       count(*) FILTER (WHERE user_id_including_inactive IS NOT NULL) AS with_inactive_id
  FROM owners WHERE type = 'PERSON' AND user_id IS NULL;
SELECT id, user_id, user_id_including_inactive, archived FROM owners
 WHERE archived AND id < 30000050 ORDER BY id;

-- a user with several roles, by id and by email
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM su WHERE id = 2600043;
SELECT * FROM su WHERE id = 2600043;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM su WHERE id = 2600043;
SELECT * FROM su WHERE id = 1;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, role_ids FROM su WHERE email = 'jürgen.jones7@example.com';
SELECT id, role_ids FROM su WHERE email = 'jürgen.jones7@example.com';
-- HubSpot finds the user whatever the case; Postgres's = does not match
\! simctl clear-log
SELECT id FROM su WHERE email = 'JÜRGEN.JONES7@example.com';
\! simctl count --path '^/settings/v3/users/'
-- (ü written in lower case: the test cluster's C locale folds ASCII only)
SELECT id FROM su WHERE lower(email) = lower('JüRGEN.JONES7@example.com');
-- id and email: the id is sent, the email checked here
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM su WHERE id = 2600043 AND email = 'nobody@example.com';
SELECT id FROM su WHERE id = 2600043 AND email = 'nobody@example.com';
-- a NULL id matches nothing and sends nothing
\! simctl clear-log
SELECT id FROM su WHERE id = (SELECT NULL::bigint);
\! simctl count --path '^/settings'

-- a list of ids: one GET each (several at once), repeats and NULLs asked
-- for nothing, an unknown id (404) no row; compared with the local copy
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM su WHERE id IN (2600043, 2600001, 2600076);
\! simctl clear-log
SELECT same_rows('SELECT * FROM su WHERE id IN (2600043, 2600001, 2600076, 2600043, NULL, 1)',
                 'SELECT * FROM lsu WHERE id IN (2600043, 2600001, 2600076)');
\! simctl log --path '^/settings/v3/users/' | cut -d' ' -f1-3 | sort
PREPARE su_ids(bigint[]) AS SELECT id, email FROM su WHERE id = ANY ($1) ORDER BY id;
\! simctl clear-log
EXECUTE su_ids('{2600010,2600082}');
EXECUTE su_ids('{}');
\! simctl count --path '^/settings/v3/users/'
SET plan_cache_mode = force_generic_plan;
EXECUTE su_ids('{2600010,NULL}');
EXECUTE su_ids('{}');
\! simctl count --path '^/settings/v3/users/'
RESET plan_cache_mode;
DEALLOCATE su_ids;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM su WHERE id IN (NULL::bigint);
SELECT count(*) FROM su WHERE id = ANY ('{}'::bigint[]);

-- owners by id, email and archived
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, email FROM owners WHERE id = 30000003;
SELECT id, email, user_id FROM owners WHERE id = 30000003;
-- an archived owner is found with archived = true only
SELECT id, archived FROM owners WHERE id = 30000004;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, archived FROM owners WHERE id = 30000004 AND archived;
SELECT id, archived FROM owners WHERE id = 30000004 AND archived;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM owners WHERE email = 'eve.王0@globex.test' AND NOT archived;
SELECT id FROM owners WHERE email = 'Eve.王0@globex.test';
SELECT id FROM owners WHERE email = 'eve.王0@globex.test';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT id FROM owners WHERE email = 'Eve.王0@globex.test';
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM owners WHERE archived IS TRUE;
SELECT count(*) FROM owners WHERE archived IS TRUE;
-- an owner by its user: a GET with idProperty=userId, checked again here
-- (a deactivated user's owner has user_id NULL: HubSpot may still find it)
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, user_id FROM owners WHERE user_id = 2600001;
\! simctl clear-log
SELECT id, user_id, email FROM owners WHERE user_id = 2600001;
\! simctl log --path '^/crm/v3/owners' | cut -d' ' -f1-3
-- a user whose owner is archived: none among the active owners
SELECT count(*) FROM owners WHERE user_id = 2600043;
SELECT id, user_id, user_id_including_inactive FROM owners WHERE user_id = 2600043 AND archived;
-- a deactivated user whose owner is active with user_id NULL
SELECT lo.user_id_including_inactive AS deactivated_user FROM lo
 WHERE NOT lo.archived AND lo.user_id IS NULL AND lo.type = 'PERSON'
 ORDER BY 1 LIMIT 1 \gset
\! simctl clear-log
SELECT count(*) FROM owners WHERE user_id = :deactivated_user;
\! simctl log --path '^/crm/v3/owners' | cut -d' ' -f1 | sed -e 's/^/HubSpot answered /'
SELECT same_rows(format('SELECT * FROM owners WHERE user_id = ANY (ARRAY[%s, %s, %s])', 2600001, 2600043, :deactivated_user),
                 format('SELECT * FROM lo WHERE NOT archived AND user_id IN (%s, %s, %s)', 2600001, 2600043, :deactivated_user));
-- archived known at execution only: still HubSpot's parameter
SET plan_cache_mode = force_generic_plan;
PREPARE arch(boolean) AS SELECT count(*) FROM owners WHERE archived = $1 AND id < 30001000;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE arch(true);
EXECUTE arch(true);
SELECT count(*) FROM lo WHERE archived AND id < 30001000;
EXECUTE arch(NULL);
DEALLOCATE arch;
RESET plan_cache_mode;
-- other quals are checked here
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM owners WHERE type = 'QUEUE';
SELECT id, type, email, first_name, last_name, user_id, teams FROM owners WHERE type = 'QUEUE';

-- which users hold a given role
SELECT same_rows($$SELECT r.name, su.id FROM su JOIN roles r ON r.id = ANY (su.role_ids)$$,
                 $$SELECT r.name, lsu.id FROM lsu JOIN lr r ON r.id = ANY (lsu.role_ids)$$);
SELECT r.name, count(*) AS users FROM su JOIN roles r ON r.id = ANY (su.role_ids)
 WHERE r.requires_billing_write GROUP BY r.name;
-- which owner id belongs to which user (deactivated users included)
SELECT same_rows($$SELECT su.id AS user_id, o.id AS owner_id FROM su
                   JOIN owners o ON o.user_id_including_inactive = su.id$$,
                 $$SELECT lsu.id AS user_id, lo.id AS owner_id FROM lsu
                   JOIN lo ON lo.user_id_including_inactive = lsu.id AND NOT lo.archived$$);
-- which team each permitted user is in (users looked up by id, one GET each)
CREATE FOREIGN TABLE pu (object_type text, object_type_id text, object_id bigint,
  resource text, action text, user_id bigint)
  SERVER hs_settings OPTIONS (object 'permitted_users');
CREATE TEMP TABLE lp (object_type text, object_id bigint, action text, user_id bigint);
COPY lp FROM PROGRAM 'simctl data permitted_users --csv --columns object_type,object_id,action,user_id' (FORMAT csv, HEADER);
SELECT count(*) AS permitted, count(lsu.id) AS with_a_settings_user
  FROM lp LEFT JOIN lsu ON lsu.id = lp.user_id
 WHERE lp.object_type = 'deals' AND lp.object_id = 9002 AND lp.action = 'EDIT';
EXPLAIN (VERBOSE, COSTS OFF)
SELECT p.user_id, su.email, t.name FROM pu p JOIN su ON su.id = p.user_id
  LEFT JOIN teams t ON t.id = su.primary_team_id
 WHERE p.object_type = 'deals' AND p.object_id = 9002 AND p.action = 'EDIT';
\! simctl clear-log
SELECT same_rows($$SELECT p.user_id, su.email, t.name FROM pu p JOIN su ON su.id = p.user_id
                   LEFT JOIN teams t ON t.id = su.primary_team_id
                  WHERE p.object_type = 'deals' AND p.object_id = 9002 AND p.action = 'EDIT'$$,
                 $$SELECT p.user_id, lsu.email, t.name FROM lp p JOIN lsu ON lsu.id = p.user_id
                   LEFT JOIN lt t ON t.id = lsu.primary_team_id
                  WHERE p.object_type = 'deals' AND p.object_id = 9002 AND p.action = 'EDIT'$$);
-- one permitted-users look-up, a GET per permitted user, the teams once
\! simctl count --path '^/resource-permissions/'
\! simctl count --path '^/settings/v3/users/[0-9]+$'
\! simctl count --path '^/settings/v3/users/teams$'
-- users looked up one by one from outer values: one GET each
CREATE TEMP TABLE wanted (id bigint);
INSERT INTO wanted VALUES (2600043), (2600001), (1);
ANALYZE wanted;
SET enable_hashjoin = off; SET enable_mergejoin = off;
EXPLAIN (VERBOSE, COSTS OFF) SELECT w.id, su.role_ids FROM wanted w JOIN su ON su.id = w.id;
\! simctl clear-log
SELECT w.id, su.role_ids FROM wanted w JOIN su ON su.id = w.id ORDER BY 1;
\! simctl count --path '^/settings/v3/users/'
RESET enable_hashjoin; RESET enable_mergejoin;

-- errors: SQLSTATE, message and hint
CREATE FUNCTION show_error(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; m text; h text;
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, m = MESSAGE_TEXT, h = PG_EXCEPTION_HINT;
  RETURN st || ' | ' || m || ' | ' || h;
END $$;
-- a cursor that does not move is an error, not the end
\! simctl fault '{"path": "^/crm/v3/owners$", "skip": 1, "times": 1, "action": {"repeat_cursor": true}}'
SELECT show_error('SELECT count(*) FROM owners');
\! simctl clear-faults
\! simctl fault '{"path": "^/settings/v3/users/$", "skip": 2, "times": 1, "action": {"repeat_cursor": true}}'
SELECT show_error('SELECT count(*) FROM su');
\! simctl clear-faults
-- scopes
ALTER USER MAPPING FOR CURRENT_USER SERVER hs_settings OPTIONS (SET access_token 'sim-token-noscopes');
SELECT show_error('SELECT count(*) FROM owners');
SELECT show_error('SELECT count(*) FROM teams');
SELECT show_error('SELECT count(*) FROM su WHERE id = 2600043');

-- clean up
DROP FUNCTION same_rows(text, text), show_error(text), ints(jsonb), texts(jsonb);
DROP SERVER hs_settings CASCADE;
