--
-- basic: the CRM users table end to end (issue 2)
--
\getenv sim_url HUBSPOT_SIM_URL
\! simctl reset
CREATE SERVER hs_basic FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'sim_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_basic
  OPTIONS (access_token 'sim-token');
CREATE FOREIGN TABLE hs_users (
  id bigint, hs_email text, hs_job_title text, hs_deactivated boolean,
  hs_createdate timestamptz, created_at timestamptz, updated_at timestamptz,
  archived boolean, properties jsonb
) SERVER hs_basic OPTIONS (object 'users');

-- a full count follows the list cursor at 100 a page: 25,000 users, 250 requests
\! simctl clear-log
SELECT count(*) FROM hs_users;
\! simctl count --path '^/crm/v3/objects/users$'
-- and asks for one small property only, not HubSpot's defaults
\! simctl log --path '^/crm/v3/objects/users$' --limit 2

-- only the referenced properties are requested
\! simctl clear-log
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, hs_email FROM hs_users;
SELECT count(hs_email), count(DISTINCT id) FROM (SELECT id, hs_email FROM hs_users) s;
\! simctl log --path '^/crm/v3/objects/users$' --limit 2

-- EXPLAIN ANALYZE counts requests, pages, rows
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT id FROM hs_users;

-- rows match the simulator's own data exactly, every column
CREATE TEMP TABLE sim_users (id bigint, hs_email text, hs_job_title text,
  hs_deactivated boolean, hs_createdate timestamptz, "createdAt" timestamptz,
  "updatedAt" timestamptz, archived boolean);
COPY sim_users FROM PROGRAM 'simctl data users --csv --columns id,hs_email,hs_job_title,hs_deactivated,hs_createdate,createdAt,updatedAt,archived' (FORMAT csv, HEADER);
SELECT count(*) FROM sim_users;
SELECT count(*) AS missing_or_different FROM (
  SELECT id, hs_email, hs_job_title, hs_deactivated, hs_createdate, "createdAt", "updatedAt", archived FROM sim_users
  EXCEPT ALL
  SELECT id, hs_email, hs_job_title, hs_deactivated, hs_createdate, created_at, updated_at, archived FROM hs_users) d;
SELECT count(*) AS extra FROM (
  SELECT id, hs_email, hs_job_title, hs_deactivated, hs_createdate, created_at, updated_at, archived FROM hs_users
  EXCEPT ALL
  SELECT id, hs_email, hs_job_title, hs_deactivated, hs_createdate, "createdAt", "updatedAt", archived FROM sim_users) d;

-- the properties column holds every property fetched
SELECT id, properties ? 'hs_email' AS has_email, properties ? 'hs_job_title' AS has_title,
       properties->>'hs_email' = hs_email AS same
  FROM hs_users ORDER BY id LIMIT 3;

-- the same connection serves the next query (keep-alive); counters per server,
-- in the view hubspot_fdw_stats (this backend's traffic)
SELECT requests AS before_requests, pages AS before_pages, bytes AS before_bytes
  FROM hubspot_fdw_stats WHERE server = 'hs_basic' \gset
SELECT count(*) FROM hs_users WHERE id > 0;
SELECT server, requests - :before_requests AS requests, pages - :before_pages AS pages,
       retries, throttled, bytes > :before_bytes AS bytes_counted
  FROM hubspot_fdw_stats WHERE server = 'hs_basic';
SELECT hubspot_fdw_version() ~ '^[0-9]+[.][0-9]+' AS has_version;

-- clean up
DROP SERVER hs_basic CASCADE;
