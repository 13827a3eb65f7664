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

-- CRM objects the users are joined to
CREATE FOREIGN TABLE deals (
	id bigint,
	dealname text,
	amount numeric,
	dealstage text,
	closedate timestamptz,
	hubspot_owner_id text
) SERVER hubspot OPTIONS (object 'deals');

-- Example queries
\echo
\echo '-- How many users?'
SELECT count(*) AS users FROM hs_users;

\echo '-- The five newest active users (a HubSpot search, sorted and limited there)'
SELECT id, hs_email, hs_job_title, hs_createdate
FROM hs_users
WHERE NOT hs_deactivated
ORDER BY hs_createdate DESC
LIMIT 5;

\echo '-- What the wrapper sends to HubSpot for it'
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id, hs_email, hs_job_title, hs_createdate
FROM hs_users
WHERE NOT hs_deactivated
ORDER BY hs_createdate DESC
LIMIT 5;

\echo '-- Won deals over 100,000 by stage (amount and stage filtered by HubSpot)'
SELECT dealstage, count(*) AS deals, sum(amount) AS total
FROM deals
WHERE amount >= 100000 AND dealstage IN ('closedwon', 'contractsent')
GROUP BY dealstage
ORDER BY dealstage;
