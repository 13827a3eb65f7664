--
-- recipes: the README's recipes (issue 8), each checked against the
-- simulator's own data and its request log: a dashboard materialized view
-- refreshed concurrently, an incremental sync into a local table, and an
-- access review of who can edit the deals of a pipeline
--
\getenv sim_url HUBSPOT_SIM_URL
\! simctl reset
CREATE SERVER hs_recipes FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'sim_url', search_per_second '100');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_recipes OPTIONS (access_token 'sim-token');
-- the tables, as the README's quick start makes them: two properties requests
CREATE SCHEMA hs;
\! simctl clear-log
IMPORT FOREIGN SCHEMA hubspot
  LIMIT TO (users, deals, settings_users, roles, teams, permitted_users)
  FROM SERVER hs_recipes INTO hs;
\! simctl log
-- records are changed through HubSpot's own API, as a HubSpot user would
-- change them: $HS_API is curl with the token, printing the HTTP status
\setenv HS_API 'curl -s -o /dev/null -w %{http_code}\\n --oauth2-bearer sim-token -H Content-Type:application/json'
-- a function that says whether two queries give the same rows (as multisets)
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
-- the simulator's own settings users, roles and teams (reloaded after changes)
CREATE TEMP TABLE sim_su (id bigint, role_ids jsonb, primary_team_id bigint);
CREATE TEMP TABLE sim_roles (id bigint, name text);
CREATE TEMP TABLE sim_teams (id bigint, name text);
CREATE FUNCTION load_sim_settings() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE sim_su, sim_roles, sim_teams;
  COPY sim_su FROM PROGRAM 'simctl data settings_users --csv --columns id,role_ids,primary_team_id' (FORMAT csv, HEADER);
  COPY sim_roles FROM PROGRAM 'simctl data roles --csv --columns id,name' (FORMAT csv, HEADER);
  COPY sim_teams FROM PROGRAM 'simctl data teams --csv --columns id,name' (FORMAT csv, HEADER);
END $$;
SELECT load_sim_settings();
-- the dashboard's numbers, computed from the simulator's data
CREATE TEMP VIEW sim_team_roles AS
SELECT coalesce(t.name, '(no team)') AS team, coalesce(r.name, '(no role)') AS role,
       count(*) AS users
  FROM sim_su u
  LEFT JOIN sim_teams t ON t.id = u.primary_team_id
  LEFT JOIN LATERAL jsonb_array_elements_text(u.role_ids) AS ur(role_id) ON true
  LEFT JOIN sim_roles r ON r.id = ur.role_id::bigint
 GROUP BY 1, 2;

--
-- Recipe 1: a dashboard. Users per team and role, as a materialized view
-- with a unique index, so that REFRESH ... CONCURRENTLY can replace its rows
-- while dashboards go on reading it. One refresh is one list of the settings
-- users (100 a page) plus one request each for roles and teams.
--
\! simctl clear-log
CREATE MATERIALIZED VIEW team_roles AS
SELECT coalesce(t.name, '(no team)') AS team, coalesce(r.name, '(no role)') AS role,
       count(*) AS users
  FROM hs.settings_users u
  LEFT JOIN hs.teams t ON t.id = u.primary_team_id
  LEFT JOIN LATERAL unnest(u.role_ids) AS ur(role_id) ON true
  LEFT JOIN hs.roles r ON r.id = ur.role_id
 GROUP BY 1, 2;
CREATE UNIQUE INDEX ON team_roles (team, role);
SELECT count(*) AS settings_users, ceil(count(*) / 100.0) + 2 AS requests FROM sim_su;
\! simctl count
\! simctl count --path '^/settings/v3/users/(roles|teams)$'
SELECT * FROM team_roles ORDER BY team, role;
SELECT same_rows('SELECT * FROM team_roles', 'SELECT * FROM sim_team_roles');

-- changes in HubSpot: a user moves from EMEA Sales (Sales User) to US Sales
-- as a Sales Manager, a user with no team and no role is deleted, and a new
-- user joins Marketing with the role Ops
SELECT (SELECT id FROM sim_roles WHERE name = 'Sales Manager') AS manager_role,
       (SELECT id FROM sim_roles WHERE name = 'Ops') AS ops_role,
       (SELECT id FROM sim_teams WHERE name = 'US Sales') AS us_team,
       (SELECT id FROM sim_teams WHERE name = 'Marketing') AS marketing_team \gset
SELECT min(u.id) AS moved FROM sim_su u
 WHERE u.role_ids = (SELECT jsonb_build_array(id) FROM sim_roles WHERE name = 'Sales User')
   AND u.primary_team_id = (SELECT id FROM sim_teams WHERE name = 'EMEA Sales') \gset
SELECT min(id) AS deleted FROM sim_su WHERE role_ids = '[]' AND primary_team_id IS NULL \gset
CREATE TEMP TABLE before AS SELECT * FROM team_roles;
SELECT json_build_object('roleId', :'manager_role', 'primaryTeamId', :'us_team') AS body \gset
\setenv BODY :body
\setenv ID :moved
\! $HS_API -X PUT -d "$BODY" "$HUBSPOT_SIM_URL/settings/v3/users/$ID"
\setenv ID :deleted
\! $HS_API -X DELETE "$HUBSPOT_SIM_URL/settings/v3/users/$ID"
SELECT json_build_object('email', 'new.dashboard.user@example.com', 'roleId', :'ops_role',
                         'primaryTeamId', :'marketing_team') AS body \gset
\setenv BODY :body
\! $HS_API -X POST -d "$BODY" "$HUBSPOT_SIM_URL/settings/v3/users/"
-- until refreshed, the view keeps its rows
SELECT count(*) AS changed_rows FROM (SELECT * FROM team_roles EXCEPT SELECT * FROM before) s;
\! simctl clear-log
REFRESH MATERIALIZED VIEW CONCURRENTLY team_roles;
\! simctl count
-- the refresh picked up the three changes, and only them
SELECT team, role, b.users AS before, a.users AS after
  FROM before b FULL JOIN team_roles a USING (team, role)
 WHERE a.users IS DISTINCT FROM b.users ORDER BY team, role;
SELECT load_sim_settings();
SELECT same_rows('SELECT * FROM team_roles', 'SELECT * FROM sim_team_roles');

--
-- Recipe 2: an incremental sync into a local table. Only the records
-- modified since the newest one already copied are fetched, and upserted.
-- The filter is on the property hs_lastmodifieddate; a filter on the
-- record's updated_at goes to HubSpot as the same search filter (and
-- Postgres checks it again), as the two EXPLAINs show.
--
CREATE TABLE users_copy (
  id bigint PRIMARY KEY, hs_email text, hs_internal_user_id bigint,
  hs_job_title text, hs_availability_status text, hubspot_team_id text,
  hs_deactivated boolean, hs_lastmodifieddate timestamptz);
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM hs.users WHERE updated_at > '2026-01-01 00:00:00+00';
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM hs.users WHERE hs_lastmodifieddate > '2026-01-01 00:00:00+00';
-- the first copy: every user, 100 a request
\! simctl clear-log
INSERT INTO users_copy
SELECT id, hs_email, hs_internal_user_id, hs_job_title, hs_availability_status,
       hubspot_team_id, hs_deactivated, hs_lastmodifieddate
  FROM hs.users;
\! simctl count
-- the sync: one search for what changed since the newest copied record
EXPLAIN (VERBOSE, COSTS OFF)
INSERT INTO users_copy AS c
SELECT id, hs_email, hs_internal_user_id, hs_job_title, hs_availability_status,
       hubspot_team_id, hs_deactivated, hs_lastmodifieddate
  FROM hs.users
 WHERE hs_lastmodifieddate > (SELECT max(hs_lastmodifieddate) FROM users_copy)
ON CONFLICT (id) DO UPDATE SET
  hs_email = EXCLUDED.hs_email, hs_internal_user_id = EXCLUDED.hs_internal_user_id,
  hs_job_title = EXCLUDED.hs_job_title,
  hs_availability_status = EXCLUDED.hs_availability_status,
  hubspot_team_id = EXCLUDED.hubspot_team_id, hs_deactivated = EXCLUDED.hs_deactivated,
  hs_lastmodifieddate = EXCLUDED.hs_lastmodifieddate;
-- the same statement as a function, run as often as wanted
CREATE FUNCTION sync_users() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  INSERT INTO users_copy AS c
  SELECT id, hs_email, hs_internal_user_id, hs_job_title, hs_availability_status,
         hubspot_team_id, hs_deactivated, hs_lastmodifieddate
    FROM hs.users
   WHERE hs_lastmodifieddate > (SELECT max(hs_lastmodifieddate) FROM users_copy)
  ON CONFLICT (id) DO UPDATE SET
    hs_email = EXCLUDED.hs_email, hs_internal_user_id = EXCLUDED.hs_internal_user_id,
    hs_job_title = EXCLUDED.hs_job_title,
    hs_availability_status = EXCLUDED.hs_availability_status,
    hubspot_team_id = EXCLUDED.hubspot_team_id, hs_deactivated = EXCLUDED.hs_deactivated,
    hs_lastmodifieddate = EXCLUDED.hs_lastmodifieddate;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
-- nothing changed yet: one search, no rows
\! simctl clear-log
SELECT sync_users() AS synced;
\! simctl log | cut -d' ' -f1-3
SELECT max(hs_lastmodifieddate) AS last_sync FROM users_copy \gset
-- changes in HubSpot: two users edited (one batch update), one moved to
-- another team (settings API, role kept), one new user, one user deleted
CREATE TEMP TABLE sim_users (id bigint, hs_email text, hs_internal_user_id bigint,
  hs_job_title text, hs_availability_status text, hubspot_team_id text,
  hs_deactivated boolean, hs_lastmodifieddate timestamptz);
COPY sim_users FROM PROGRAM 'simctl data users --csv --columns id,hs_email,hs_internal_user_id,hs_job_title,hs_availability_status,hubspot_team_id,hs_deactivated,hs_lastmodifieddate' (FORMAT csv, HEADER);
SELECT min(id) AS titled FROM sim_users WHERE hs_job_title = 'Engineer' \gset
SELECT min(id) AS away FROM sim_users WHERE hs_availability_status = 'available' AND id > :titled \gset
SELECT json_build_object('inputs', json_build_array(
         json_build_object('id', :'titled', 'properties', json_build_object('hs_job_title', 'Head of Sync')),
         json_build_object('id', :'away', 'properties', json_build_object('hs_availability_status', 'away')))) AS body \gset
\setenv BODY :body
\! $HS_API -X POST -d "$BODY" "$HUBSPOT_SIM_URL/crm/v3/objects/users/batch/update"
SELECT u.id AS mover, u.hs_internal_user_id AS mover_user, su.role_ids ->> 0 AS mover_role
  FROM sim_su su JOIN sim_users u ON u.hs_internal_user_id = su.id
 WHERE su.primary_team_id = :us_team AND jsonb_array_length(su.role_ids) = 1
 ORDER BY u.id LIMIT 1 \gset
SELECT json_build_object('roleId', :'mover_role', 'primaryTeamId', :'marketing_team') AS body \gset
\setenv BODY :body
\setenv ID :mover_user
\! $HS_API -X PUT -d "$BODY" "$HUBSPOT_SIM_URL/settings/v3/users/$ID"
SELECT json_build_object('email', 'new.sync.user@example.com') AS body \gset
\setenv BODY :body
\! $HS_API -X POST -d "$BODY" "$HUBSPOT_SIM_URL/settings/v3/users/"
SELECT id AS gone, hs_internal_user_id AS gone_user FROM sim_users
 WHERE hs_job_title = 'Intern' ORDER BY id LIMIT 1 \gset
\setenv ID :gone_user
\! $HS_API -X DELETE "$HUBSPOT_SIM_URL/settings/v3/users/$ID"
-- the sync fetches the four changed users in one search, and only them
CREATE TEMP TABLE stats_before AS SELECT * FROM hubspot_fdw_stats WHERE server = 'hs_recipes';
\! simctl clear-log
SELECT sync_users() AS synced;
\! simctl log | cut -d' ' -f1-3
SELECT s.requests - b.requests AS requests, s.rows - b.rows AS rows
  FROM hubspot_fdw_stats s, stats_before b WHERE s.server = b.server;
SELECT id, hs_email, hs_job_title, hs_availability_status, hubspot_team_id
  FROM users_copy WHERE hs_lastmodifieddate > :'last_sync' ORDER BY id;
-- a deleted (archived) user matches no search: the copy keeps it until a
-- full pass, one list of every user, removes what HubSpot no longer has
SELECT count(*) AS gone_still_copied FROM users_copy WHERE id = :gone;
\! simctl clear-log
DELETE FROM users_copy WHERE id NOT IN (SELECT id FROM hs.users);
\! simctl count
SELECT count(*) AS gone_still_copied FROM users_copy WHERE id = :gone;
-- the copy now matches the foreign table, and the simulator's own data
\! simctl clear-log
SELECT same_rows('SELECT id, hs_email, hs_internal_user_id, hs_job_title, hs_availability_status,
                         hubspot_team_id, hs_deactivated, hs_lastmodifieddate FROM hs.users',
                 'SELECT * FROM users_copy');
\! simctl count
TRUNCATE sim_users;
COPY sim_users FROM PROGRAM 'simctl data users --csv --columns id,hs_email,hs_internal_user_id,hs_job_title,hs_availability_status,hubspot_team_id,hs_deactivated,hs_lastmodifieddate' (FORMAT csv, HEADER);
SELECT same_rows('SELECT * FROM users_copy', 'SELECT * FROM sim_users');
-- a second sync right away finds nothing new
\! simctl clear-log
SELECT sync_users() AS synced;
\! simctl count

--
-- Recipe 3: an access review. Every user who can edit any deal of the
-- enterprise pipeline, with the number of those deals: one scan of the join
-- of deals and permitted_users (the deals' search, then one permissions
-- look-up per 20 deals), and the emails from the local copy of recipe 2
-- (a join to hs.users on hs_internal_user_id would be one search for each
-- row of permissions).
--
CREATE TEMP TABLE sim_deals (id bigint, pipeline text);
COPY sim_deals FROM PROGRAM 'simctl data deals --csv --columns id,pipeline' (FORMAT csv, HEADER);
CREATE TEMP TABLE sim_perm (object_type text, object_id bigint, action text, user_id bigint);
COPY sim_perm FROM PROGRAM 'simctl data permitted_users --csv --columns object_type,object_id,action,user_id' (FORMAT csv, HEADER);
ANALYZE users_copy;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT p.user_id, u.hs_email, u.hs_deactivated, count(*) AS deals
  FROM hs.deals d
  JOIN hs.permitted_users p
    ON p.object_type = 'deals' AND p.object_id = d.id AND p.action = 'EDIT'
  LEFT JOIN users_copy u ON u.hs_internal_user_id = p.user_id
 WHERE d.pipeline = 'enterprise'
 GROUP BY p.user_id, u.hs_email, u.hs_deactivated
 ORDER BY deals DESC, p.user_id;
\! simctl clear-log
CREATE TEMP TABLE review AS
SELECT p.user_id, u.hs_email, u.hs_deactivated, count(*) AS deals
  FROM hs.deals d
  JOIN hs.permitted_users p
    ON p.object_type = 'deals' AND p.object_id = d.id AND p.action = 'EDIT'
  LEFT JOIN users_copy u ON u.hs_internal_user_id = p.user_id
 WHERE d.pipeline = 'enterprise'
 GROUP BY p.user_id, u.hs_email, u.hs_deactivated
 ORDER BY deals DESC, p.user_id;
-- the deals' search pages (200 a page), one look-up per 20 deals, and the
-- account id (asked once per connection)
SELECT count(*) AS enterprise_deals, ceil(count(*) / 200.0) AS search_pages,
       ceil(count(*) / 20.0) AS lookups
  FROM sim_deals WHERE pipeline = 'enterprise';
\! simctl count --path /search
\! simctl count --path permitted-users
\! simctl count
-- who can edit the most: super admins, the service account that edits
-- every deal, sales managers of the deals' teams; and users with no user
-- behind them, or deactivated, who can still edit
SELECT * FROM review ORDER BY deals DESC, user_id LIMIT 12;
SELECT count(*) AS users, count(*) FILTER (WHERE hs_email IS NULL) AS no_user_behind,
       count(*) FILTER (WHERE hs_deactivated) AS deactivated,
       count(*) FILTER (WHERE deals = 1) AS one_deal
  FROM review;
SELECT * FROM review WHERE hs_email IS NULL OR hs_deactivated ORDER BY deals DESC, user_id LIMIT 12;
-- the same from the simulator's own data
SELECT same_rows('SELECT * FROM review',
  'SELECT p.user_id, u.hs_email, u.hs_deactivated, count(*) AS deals
     FROM sim_deals d
     JOIN sim_perm p ON p.object_type = ''deals'' AND p.object_id = d.id AND p.action = ''EDIT''
     LEFT JOIN sim_users u ON u.hs_internal_user_id = p.user_id
    WHERE d.pipeline = ''enterprise''
    GROUP BY p.user_id, u.hs_email, u.hs_deactivated');

-- clean up
DROP MATERIALIZED VIEW team_roles;
DROP FUNCTION sync_users();
DROP TABLE users_copy;
DROP FUNCTION same_rows(text, text), load_sim_settings();
DROP SCHEMA hs CASCADE;
DROP SERVER hs_recipes CASCADE;
\! simctl reset
