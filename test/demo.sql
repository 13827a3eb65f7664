-- demo.sql: what test/demo.sh runs in its scratch database.
--
-- It creates the extension, a server `hubspot`, the current user's mapping and
-- the foreign tables, then runs a few example queries. It reads two psql
-- variables from the environment: HUBSPOT_API_URL (the simulator's URL or
-- https://api.hubapi.com) and HUBSPOT_ACCESS_TOKEN (the token; never printed).
-- Add new foreign tables and example queries here.

\set ON_ERROR_STOP on
\getenv api_url HUBSPOT_API_URL
\getenv token HUBSPOT_ACCESS_TOKEN

CREATE EXTENSION IF NOT EXISTS hubspot_fdw;

CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw
	OPTIONS (api_url :'api_url');

CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot
	OPTIONS (access_token :'token');
\unset token

-- HubSpot users (CRM object 0-115)
CREATE FOREIGN TABLE hs_users (
	id bigint,
	hs_email text,
	hs_job_title text,
	hs_deactivated boolean,
	hs_createdate timestamptz,
	created_at timestamptz,
	updated_at timestamptz,
	archived boolean,
	properties jsonb
) SERVER hubspot OPTIONS (object 'users');

-- Example queries
\echo
\echo '-- How many users?'
SELECT count(*) AS users FROM hs_users;

\echo '-- The first 5 users by email'
SELECT id, hs_email, hs_job_title, hs_deactivated
FROM hs_users
ORDER BY hs_email
LIMIT 5;

\echo '-- What the wrapper sends to HubSpot for a filtered query'
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id, hs_email
FROM hs_users
WHERE hs_email LIKE 'a%' AND NOT archived
ORDER BY hs_email
LIMIT 10;
