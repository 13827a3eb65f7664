--
-- errors: validator messages, and every way HubSpot can fail (issue 2)
--
\getenv sim_url HUBSPOT_SIM_URL
\! simctl reset

-- show an error's fields, with HubSpot's random correlation id masked
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
\pset format unaligned
\pset fieldsep ' | '

-- the validator
CREATE SERVER hs_bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'ftp://example.com');
CREATE SERVER hs_bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'http://example.com');
CREATE SERVER hs_bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'https://');
CREATE SERVER hs_bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (request_timeout '0');
CREATE SERVER hs_bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (connect_timeout 'soon');
CREATE SERVER hs_bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (max_retries '-1');
CREATE SERVER hs_bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (access_token 'x');
CREATE SERVER hs_bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (ssl_verify 'off');
CREATE SERVER hs_errors FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'sim_url', max_retries '1', request_timeout '2');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_errors OPTIONS (api_url 'https://x');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_errors OPTIONS (access_token '');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_errors OPTIONS (access_token 'sim-token');
CREATE FOREIGN TABLE t_noobject (id bigint) SERVER hs_errors;
CREATE FOREIGN TABLE t_badobject (id bigint) SERVER hs_errors OPTIONS (object 'widgets');
CREATE FOREIGN TABLE hs_users (id bigint, hs_email text, hs_job_title text)
  SERVER hs_errors OPTIONS (object 'users');
ALTER FOREIGN TABLE hs_users OPTIONS (DROP object);
ALTER FOREIGN TABLE hs_users ALTER COLUMN hs_email OPTIONS (prop 'x');
-- the token belongs to the user mapping only
ALTER FOREIGN TABLE hs_users OPTIONS (ADD access_token 'x');

-- a working query first
SELECT count(*) > 0 AS works FROM (SELECT id FROM hs_users LIMIT 3) s;

-- 401: a token HubSpot does not know
CREATE SERVER hs_err401 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url :'sim_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_err401 OPTIONS (access_token 'pat-na1-wrong');
CREATE FOREIGN TABLE u401 (id bigint) SERVER hs_err401 OPTIONS (object 'users');
SELECT * FROM hs_error('SELECT * FROM u401');

-- 403: a token without the scope, naming what is missing
CREATE SERVER hs_err403 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url :'sim_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_err403 OPTIONS (access_token 'sim-token-noscopes');
CREATE FOREIGN TABLE u403 (id bigint) SERVER hs_err403 OPTIONS (object 'users');
SELECT * FROM hs_error('SELECT * FROM u403');

-- 404: an object type HubSpot does not have
CREATE FOREIGN TABLE u404 (id bigint) SERVER hs_errors OPTIONS (object '2-999999');
SELECT * FROM hs_error('SELECT * FROM u404');

-- 5xx that outlasts the retries (max_retries 1: two requests)
\! simctl clear-log
\! simctl fault '{"path": "^/crm/v3/objects/users$", "times": 2, "action": {"status": 503}}'
SELECT * FROM hs_error('SELECT * FROM hs_users');
\! simctl count --path '^/crm/v3/objects/users$'
-- one 500 is retried and the query succeeds
\! simctl clear-faults
\! simctl fault '{"path": "^/crm/v3/objects/users$", "times": 1, "action": {"status": 500}}'
SELECT count(*) FROM (SELECT id FROM hs_users LIMIT 150) s;

-- a body that is not JSON
\! simctl clear-faults
\! simctl fault '{"path": "^/crm/v3/objects/users$", "times": 1, "action": {"html": true}}'
SELECT * FROM hs_error('SELECT * FROM hs_users');

-- JSON of the wrong shape
\! simctl clear-faults
\! simctl fault '{"path": "^/crm/v3/objects/users$", "times": 1, "action": {"wrong_shape": true}}'
SELECT * FROM hs_error('SELECT * FROM hs_users');

-- a cursor that does not move is an error, not the end
\! simctl clear-faults
\! simctl fault '{"path": "^/crm/v3/objects/users$", "skip": 1, "times": 1, "action": {"repeat_cursor": true}}'
SELECT * FROM hs_error('SELECT * FROM hs_users');

-- a page slower than request_timeout (2 s) is retried once, then fails
\! simctl clear-faults
\! simctl fault '{"path": "^/crm/v3/objects/users$", "times": 2, "action": {"delay_ms": 3000}}'
SELECT * FROM hs_error('SELECT * FROM hs_users');
\! simctl clear-faults

-- a user mapping without a token
CREATE SERVER hs_notoken FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url :'sim_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_notoken;
CREATE FOREIGN TABLE unotoken (id bigint) SERVER hs_notoken OPTIONS (object 'users');
SELECT * FROM hs_error('SELECT * FROM unotoken');

-- after all that the connection still works
SELECT count(*) AS rows FROM (SELECT id FROM hs_users LIMIT 250) s;

-- clean up
\pset format aligned
DROP FUNCTION hs_error(text);
DROP SERVER hs_errors, hs_err401, hs_err403, hs_notoken CASCADE;
