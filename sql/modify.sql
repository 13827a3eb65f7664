--
-- modify: INSERT, UPDATE and DELETE (issue 5, writing).  CRM users by PATCH
-- and batch/update, read-only properties refused before anything is written;
-- settings users created, updated by PUT and deleted, with no role ever lost
-- silently; RETURNING from HubSpot's answers; what was applied when a
-- statement fails half-way.  Every write is checked in the simulator's log
-- and in its own data.
--
\getenv sim_url HUBSPOT_SIM_URL
\! simctl reset
CREATE SERVER hs_modify FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'sim_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_modify
  OPTIONS (access_token 'sim-token');
CREATE FOREIGN TABLE users (id bigint, hs_email text, hs_job_title text,
  hs_standard_time_zone text, hs_uncategorized_skills text[],
  updated_at timestamptz)
  SERVER hs_modify OPTIONS (object 'users');
CREATE FOREIGN TABLE su (id bigint, email text, first_name text, last_name text,
  role_id bigint, role_ids bigint[], primary_team_id bigint,
  secondary_team_ids bigint[], super_admin boolean, seat_names text[])
  SERVER hs_modify OPTIONS (object 'settings_users');
-- without role columns: the wrapper asks HubSpot for the roles before a PUT
CREATE FOREIGN TABLE su_names (id bigint, email text, first_name text)
  SERVER hs_modify OPTIONS (object 'settings_users');
CREATE FOREIGN TABLE roles (id bigint, name text)
  SERVER hs_modify OPTIONS (object 'roles');
CREATE FOREIGN TABLE owners (id bigint, email text)
  SERVER hs_modify OPTIONS (object 'owners');
-- the simulator's own data, read again after each write
CREATE TEMP TABLE sim_u (id bigint, hs_job_title text,
  hs_standard_time_zone text, hs_uncategorized_skills text);
CREATE TEMP TABLE sim_s (id bigint, email text, first_name text,
  last_name text, role_ids jsonb);
CREATE FUNCTION sim_users() RETURNS TABLE (id bigint, hs_job_title text,
  hs_standard_time_zone text, hs_uncategorized_skills text)
  LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE sim_u;
  COPY sim_u FROM PROGRAM 'simctl data users --csv --columns id,hs_job_title,hs_standard_time_zone,hs_uncategorized_skills' (FORMAT csv, HEADER);
  RETURN QUERY SELECT * FROM sim_u;
END $$;
CREATE FUNCTION sim_su() RETURNS TABLE (id bigint, email text, first_name text,
  last_name text, role_ids jsonb)
  LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE sim_s;
  COPY sim_s FROM PROGRAM 'simctl data settings_users --csv --columns id,email,first_name,last_name,role_ids' (FORMAT csv, HEADER);
  RETURN QUERY SELECT * FROM sim_s;
END $$;

-- an error's fields, with HubSpot's random correlation id masked
CREATE FUNCTION hs_error(q text) RETURNS TABLE (state text, message text, detail text, hint text, context text)
LANGUAGE plpgsql AS $$
DECLARE
  s text; m text; d text; h text; c text;
BEGIN
  EXECUTE q;
  state := 'no error';
  RETURN NEXT;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS s = RETURNED_SQLSTATE, m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL,
                          h = PG_EXCEPTION_HINT, c = PG_EXCEPTION_CONTEXT;
  state := s;
  message := m;
  detail := regexp_replace(d, 'Correlation id: [0-9a-zA-Z-]+', 'Correlation id: <id>');
  hint := h;
  context := nullif(split_part(c, E'\n', 1), '');
  IF context LIKE 'SQL statement%' OR context LIKE 'PL/pgSQL%' THEN context := NULL; END IF;
  RETURN NEXT;
END $$;

-- which tables take which commands
SELECT c.relname, pg_relation_is_updatable(c.oid, false) AS events
FROM pg_class c WHERE c.relname IN ('users', 'su', 'roles', 'owners')
ORDER BY 1;
UPDATE roles SET name = 'x';
DELETE FROM owners;
INSERT INTO users (hs_job_title) VALUES ('x');
DELETE FROM users WHERE id = 1;

-- ---------------------------------------------------------------------
-- CRM users
-- ---------------------------------------------------------------------
SELECT min(id) AS first_id FROM sim_users() \gset
SELECT id AS id230 FROM sim_users() ORDER BY id OFFSET 229 LIMIT 1 \gset

-- columns that are not properties: refused while planning, nothing sent
\! simctl clear-log
UPDATE users SET updated_at = now() WHERE id = :first_id;
UPDATE users SET id = 5 WHERE id = :first_id;
\! simctl count
-- read-only properties (the properties API says so): refused before any
-- write or scan; the one request is the property definitions
UPDATE users SET hs_email = 'someone@example.com' WHERE id = :first_id;
\! simctl log
\! simctl clear-log

-- one row: one PATCH; NULL clears the property (an empty string)
UPDATE users SET hs_job_title = 'Chief of Staff', hs_uncategorized_skills = '{french,german}'
  WHERE id = :first_id;
UPDATE users SET hs_standard_time_zone = NULL WHERE id = :first_id;
\! simctl log --method PATCH
SELECT hs_job_title, hs_standard_time_zone, hs_uncategorized_skills
FROM sim_users() WHERE id = :first_id;

-- 230 rows: 3 batch updates (100 + 100 + 30), no PATCH
\! simctl clear-log
UPDATE users SET hs_job_title = 'Platform Steward', hs_standard_time_zone = 'Europe/Berlin'
  WHERE id <= :id230;
\! simctl count --path '/batch/update$'
\! simctl count --method PATCH
\! simctl log --path '/batch/update$' | cut -c1-90
SELECT count(*) FILTER (WHERE id <= :id230) AS updated,
       count(*) FILTER (WHERE id > :id230) AS beyond
FROM sim_users() WHERE hs_job_title = 'Platform Steward' AND hs_standard_time_zone = 'Europe/Berlin';

-- RETURNING: one PATCH a row, HubSpot's answer returned
\! simctl clear-log
UPDATE users SET hs_job_title = 'Team Lead'
  WHERE id = :first_id
  RETURNING id, hs_email, hs_job_title, hs_uncategorized_skills,
            updated_at > now() - interval '5 minutes' AS just_modified;
\! simctl log --method PATCH

-- EXPLAIN shows the writes
EXPLAIN (VERBOSE, COSTS OFF) UPDATE users SET hs_job_title = 'x' WHERE id <= :id230;
EXPLAIN (VERBOSE, COSTS OFF) UPDATE users SET hs_job_title = 'x' WHERE id = :first_id RETURNING id;

-- a statement that fails half-way says what HubSpot already applied: the
-- second batch is refused
\! simctl fault '{"path": "/batch/update$", "skip": 1, "times": 1, "action": {"status": 400, "message": "Simulated refusal"}}'
\x on
SELECT * FROM hs_error(format('UPDATE users SET hs_job_title = %L WHERE id <= %s', 'Analyst', :id230));
\x off
\! simctl clear-faults
SELECT count(*) AS applied FROM sim_users() WHERE hs_job_title = 'Analyst';

-- ids HubSpot cannot find (207): the error names them
\! simctl clear-log
\! simctl fault '{"path": "/batch/update$", "times": 1, "action": {"status": 207, "body": {"status": "COMPLETE", "results": [], "numErrors": 1, "errors": [{"status": "error", "category": "OBJECT_NOT_FOUND", "message": "Could not get some users objects, they may be deleted or not exist.", "context": {"ids": ["1", "2"]}}]}}}'
UPDATE users SET hs_job_title = 'Gone' WHERE id IN (:first_id, :id230);
\! simctl clear-faults

-- ---------------------------------------------------------------------
-- Settings users
-- ---------------------------------------------------------------------
SELECT id AS multi_id, role_id AS multi_role FROM su
  WHERE cardinality(role_ids) = 2 ORDER BY id LIMIT 1 \gset
SELECT id AS multi3_id FROM su
  WHERE cardinality(role_ids) = 3 ORDER BY id LIMIT 1 \gset
SELECT id AS single_id FROM su
  WHERE cardinality(role_ids) = 1 ORDER BY id LIMIT 1 \gset
SELECT id AS single2_id FROM su
  WHERE cardinality(role_ids) = 1 ORDER BY id OFFSET 1 LIMIT 1 \gset
SELECT id, role_id, role_ids FROM su
  WHERE id IN (:multi_id, :multi3_id, :single_id, :single2_id) ORDER BY id;

-- an update that would drop a role is refused, and no PUT is sent
\! simctl clear-log
\x on
SELECT * FROM hs_error(format('UPDATE su SET first_name = %L WHERE id = %s', 'Renamed', :multi_id));
\x off
\! simctl count --method PUT
-- in a statement of several users, none is sent when one would lose roles
UPDATE su SET first_name = 'Renamed' WHERE id IN (:single_id, :multi_id, :multi3_id);
\! simctl count --method PUT
-- so is one through a table without role columns (HubSpot is asked)
\! simctl clear-log
UPDATE su_names SET first_name = 'Renamed' WHERE id = :multi_id;
\! simctl log
\! simctl count --method PUT
SELECT first_name <> 'Renamed' AS unchanged, role_ids FROM sim_su() WHERE id = :multi_id;

-- a user with one role: PUT with that roleId, HubSpot's answer returned
\! simctl clear-log
UPDATE su SET first_name = 'Solo', last_name = NULL WHERE id = :single_id
  RETURNING id, first_name, last_name, role_id, role_ids;
\! simctl log --method PUT
-- setting role_id of a user with one role replaces it, as asked
UPDATE su SET role_id = (SELECT min(id) FROM roles WHERE id <> :multi_role)
  WHERE id = :single2_id RETURNING id, role_id, role_ids;
-- role_ids, email, super_admin cannot be written through HubSpot's PUT
UPDATE su SET role_ids = '{1,2}' WHERE id = :single_id;
UPDATE su SET email = 'x@example.com' WHERE id = :single_id;

-- with allow_role_loss: the update proceeds, each lost role is a WARNING
ALTER FOREIGN TABLE su OPTIONS (ADD allow_role_loss 'true');
\! simctl clear-log
UPDATE su SET first_name = 'Renamed' WHERE id IN (:multi_id, :multi3_id);
\! simctl log --method PUT
SELECT id, first_name, role_ids FROM sim_su() WHERE id IN (:multi_id, :multi3_id) ORDER BY id;
-- the answer's roles differ from the ones sent: reported
\! simctl fault '{"path": "^/settings/v3/users/", "method": "PUT", "times": 1, "action": {"wrong_shape": true}}'
UPDATE su SET first_name = 'Again' WHERE id = :multi_id;
\! simctl clear-faults
ALTER FOREIGN TABLE su OPTIONS (DROP allow_role_loss);
EXPLAIN (VERBOSE, COSTS OFF) UPDATE su SET first_name = 'x' WHERE id = :multi_id;

-- INSERT: a create (no welcome email unless send_welcome_email), RETURNING
-- HubSpot's answer
\! simctl clear-log
INSERT INTO su (email, first_name, last_name, role_id, secondary_team_ids)
  VALUES ('new.hire@acme.test', 'New', 'Hire', :multi_role, '{}')
  RETURNING email, first_name, last_name, role_id = :multi_role AS role_kept,
            role_ids = ARRAY[:multi_role]::bigint[] AS roles_kept, super_admin;
\! simctl log --method POST | sed -e 's/"roleId":"[0-9]*"/"roleId":"…"/'
SELECT email, first_name, last_name FROM sim_su() WHERE email = 'new.hire@acme.test';
-- columns HubSpot does not take on a create, and a duplicate address
INSERT INTO su (id, email) VALUES (1, 'other@acme.test');
INSERT INTO su (email, super_admin) VALUES ('other@acme.test', true);
\x on
SELECT * FROM hs_error($$INSERT INTO su (email) VALUES ('NEW.HIRE@acme.test')$$);
\x off
ALTER FOREIGN TABLE su OPTIONS (ADD send_welcome_email 'true');
\! simctl clear-log
INSERT INTO su (email) VALUES ('welcomed@acme.test');
\! simctl log --method POST
ALTER FOREIGN TABLE su OPTIONS (DROP send_welcome_email);
-- COPY into the table creates each user in turn
\! simctl clear-log
COPY su (email, first_name, last_name) FROM STDIN (FORMAT csv);
copied.one@acme.test,Copied,One
copied.two@acme.test,Copied,Two
\.
\! simctl log --method POST
SELECT email, first_name, last_name FROM sim_su() WHERE email LIKE 'copied.%' ORDER BY 1;
DELETE FROM su WHERE email IN ('copied.one@acme.test', 'copied.two@acme.test');

-- DELETE: one DELETE a user; RETURNING the row as it was read
\! simctl clear-log
DELETE FROM su WHERE email IN ('new.hire@acme.test', 'welcomed@acme.test')
  RETURNING email, first_name;
\! simctl log --method DELETE | sed -e 's/[0-9]\{5,\}/N/'
SELECT count(*) AS left_over FROM sim_su()
  WHERE email IN ('new.hire@acme.test', 'welcomed@acme.test');
EXPLAIN (VERBOSE, COSTS OFF) DELETE FROM su WHERE id = :single_id;

-- the option updatable, on the table and on the server
ALTER FOREIGN TABLE su OPTIONS (ADD updatable 'false');
DELETE FROM su WHERE id = :single_id;
ALTER FOREIGN TABLE su OPTIONS (DROP updatable);
ALTER SERVER hs_modify OPTIONS (ADD updatable 'false');
UPDATE users SET hs_job_title = 'x' WHERE id = :first_id;
ALTER FOREIGN TABLE users OPTIONS (ADD updatable 'true');
SELECT pg_relation_is_updatable('users'::regclass, false) AS users,
       pg_relation_is_updatable('su'::regclass, false) AS su;
ALTER SERVER hs_modify OPTIONS (DROP updatable);

-- the writes count in the backend's statistics
SELECT requests > 0 AS counted FROM hubspot_fdw_stats WHERE server = 'hs_modify';

DROP SERVER hs_modify CASCADE;
