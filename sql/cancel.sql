--
-- cancel: statement_timeout and pg_cancel_backend stop a request in flight
-- within a second (issue 2)
--
\getenv sim_url HUBSPOT_SIM_URL
\! simctl reset
CREATE SERVER hs_cancel FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'sim_url', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_cancel OPTIONS (access_token 'sim-token');
CREATE FOREIGN TABLE hs_users (id bigint, hs_email text) SERVER hs_cancel OPTIONS (object 'users');

-- statement_timeout: the simulator holds the answer for 4 s
\! simctl fault '{"path": "^/crm/v3/objects/users$", "times": 1, "action": {"delay_ms": 4000}}'
CREATE TEMP TABLE t0 AS SELECT clock_timestamp() AS t;
SET statement_timeout = '500ms';
SELECT count(*) FROM hs_users;
RESET statement_timeout;
SELECT clock_timestamp() - t < interval '1.5 s' AS stopped_within_a_second FROM t0;

-- the next query on the same connection works
\! simctl clear-faults
SELECT count(*) FROM (SELECT id FROM hs_users LIMIT 5) s;

-- pg_cancel_backend from another session
\! simctl fault '{"path": "^/crm/v3/objects/users$", "times": 1, "action": {"delay_ms": 4000}}'
\! (sleep 1; psql -X -q -At -d contrib_regression -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT count(*) FROM hs_users /* cancel me */%'" >/dev/null) &
TRUNCATE t0;
INSERT INTO t0 SELECT clock_timestamp();
SELECT count(*) FROM hs_users /* cancel me */;
SELECT clock_timestamp() - t < interval '2.5 s' AS cancelled_within_a_second_of_the_signal FROM t0;
\! simctl clear-faults
SELECT count(*) FROM (SELECT id FROM hs_users LIMIT 5) s;

-- requests in flight ahead of their turn (batch reads sent several at
-- once) when the statement is stopped: abandoned, nothing leaks, and the
-- next query on the same connection has its transfer slots again
\! simctl fault '{"path": "/batch/read$", "action": {"delay_ms": 2000}}'
TRUNCATE t0;
INSERT INTO t0 SELECT clock_timestamp();
SET statement_timeout = '500ms';
SELECT count(*) FROM hs_users WHERE id = ANY (ARRAY(SELECT generate_series(1001, 6000)::bigint));
RESET statement_timeout;
SELECT clock_timestamp() - t < interval '1.5 s' AS stopped_within_a_second FROM t0;
\! simctl clear-faults
-- (the abandoned requests are logged, as 499, when their 2 s are over)
\! sleep 2; simctl clear-log
SELECT count(*) FROM hs_users WHERE id = ANY (ARRAY(SELECT generate_series(1001, 6000)::bigint));
\! simctl count --path '/batch/read$'

-- clean up; the answers held back are over (and logged, as 499) before the
-- next suite counts requests
\! sleep 4
DROP SERVER hs_cancel CASCADE;
