--
-- faults: every way HubSpot or the network can fail a read (issue 6).
-- Each query returns exactly the right rows or fails with a clear error;
-- retries, throttling and dropped repeats show in EXPLAIN ANALYZE.
--
\getenv sim_url HUBSPOT_SIM_URL
\! simctl reset
CREATE SERVER hs_faults FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'sim_url', max_retries '2', request_timeout '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_faults OPTIONS (access_token 'sim-token');
CREATE FOREIGN TABLE hs_users (id bigint, hs_email text, hs_createdate timestamptz)
  SERVER hs_faults OPTIONS (object 'users');

-- what HubSpot holds, to compare with
CREATE TEMP TABLE sim_users (id bigint, hs_email text);
COPY sim_users FROM PROGRAM 'simctl data users --csv --columns id,hs_email' (FORMAT csv, HEADER);

-- the rows a query put in "got" against the first n users in id order
CREATE TEMP TABLE got (id bigint, hs_email text);
-- against the first n users in id order
CREATE FUNCTION hs_verdict(n int, OUT rows bigint, OUT distinct_ids bigint,
                           OUT missing bigint, OUT extra bigint)
LANGUAGE sql AS $$
  WITH want AS (SELECT id, hs_email FROM sim_users ORDER BY id LIMIT n)
  SELECT (SELECT count(*) FROM got), (SELECT count(DISTINCT id) FROM got),
         (SELECT count(*) FROM (SELECT * FROM want EXCEPT ALL SELECT * FROM got) d),
         (SELECT count(*) FROM (SELECT * FROM got EXCEPT ALL SELECT * FROM want) d)
$$;

-- an error's fields, with HubSpot's random correlation id and byte counts masked
CREATE FUNCTION hs_error(q text) RETURNS TABLE (state text, message text, detail text, hint text)
LANGUAGE plpgsql AS $$
DECLARE
  s text; m text; d text; h text;
BEGIN
  EXECUTE q;
  state := 'no error';
  RETURN NEXT;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS s = RETURNED_SQLSTATE, m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL,
                          h = PG_EXCEPTION_HINT;
  state := s;
  message := m;
  detail := regexp_replace(regexp_replace(d, 'Correlation id: [0-9a-zA-Z-]+', 'Correlation id: <id>'),
                           '[0-9]+ (out of [0-9]+ )?bytes', 'N bytes');
  hint := h;
  RETURN NEXT;
END $$;

-- the query every fault below hits: three pages of the list (100, 100, 50);
-- each line of statuses is what the simulator answered, in order
\set scan 'INSERT INTO got SELECT id, hs_email FROM hs_users LIMIT 250'
\set explain 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)'
\set check 'SELECT * FROM hs_verdict(250); TRUNCATE got;'

-- no fault: three requests
\! simctl clear-log
:explain :scan;
:check
\! simctl log --path '^/crm/v3/objects/users$' | cut -d' ' -f1 | tr '\n' ' '; echo

----------------------------------------------------------------------
-- 429: HubSpot's rate limits
----------------------------------------------------------------------

-- the ten-secondly limit without Retry-After: wait the whole window
-- (10 s, from X-HubSpot-RateLimit-Interval-Milliseconds), then go on
\! simctl clear-log
\! simctl fault '{"path": "^/crm/v3/objects/users$", "skip": 1, "times": 1, "action": {"status": 429}}'
:explain :scan;
:check
\! simctl log --path '^/crm/v3/objects/users$' | cut -d' ' -f1 | tr '\n' ' '; echo

-- with Retry-After: wait as long as it says (1 s)
\! simctl clear-log
\! simctl fault '{"path": "^/crm/v3/objects/users$", "skip": 1, "times": 1, "action": {"status": 429, "retry_after": 1, "policy": "TEN_SECONDLY_ROLLING"}}'
:explain :scan;
:check
\! simctl log --path '^/crm/v3/objects/users$' | cut -d' ' -f1 | tr '\n' ' '; echo

-- search's secondly limit without Retry-After: one second
\! simctl clear-log
\! simctl fault '{"path": "/search$", "skip": 1, "times": 1, "action": {"status": 429, "policy": "SECONDLY"}}'
:explain INSERT INTO got SELECT id, hs_email FROM hs_users WHERE id > 0 LIMIT 250;
:check
\! simctl log --path '/search$' | cut -d' ' -f1 | tr '\n' ' '; echo

-- the daily limit: no retry, an error saying when the quota comes back
\! simctl clear-log
\! simctl fault '{"path": "^/crm/v3/objects/users$", "skip": 1, "times": 1, "action": {"status": 429, "policy": "DAILY"}}'
SELECT * FROM hs_error(:'scan');
\! simctl log --path '^/crm/v3/objects/users$' | cut -d' ' -f1 | tr '\n' ' '; echo
TRUNCATE got;

-- a rate limit that outlasts max_retries (2): three requests, then an error
\! simctl clear-log
\! simctl fault '{"path": "^/crm/v3/objects/users$", "times": 3, "action": {"status": 429, "retry_after": 0}}'
SELECT * FROM hs_error(:'scan');
\! simctl log --path '^/crm/v3/objects/users$' | cut -d' ' -f1 | tr '\n' ' '; echo

-- Retry-After beyond 15 minutes is not waited for
\! simctl clear-log
\! simctl clear-faults
\! simctl fault '{"path": "^/crm/v3/objects/users$", "times": 1, "action": {"status": 429, "retry_after": 3600}}'
SELECT * FROM hs_error(:'scan');
\! simctl log --path '^/crm/v3/objects/users$' | cut -d' ' -f1 | tr '\n' ' '; echo
\! simctl clear-faults

----------------------------------------------------------------------
-- 5xx, 423 (locked), 477 (migrating): retried with backoff and jitter
----------------------------------------------------------------------
\! simctl clear-log
\! simctl fault '{"path": "^/crm/v3/objects/users$", "skip": 1, "times": 1, "action": {"status": 500}}'
:explain :scan;
:check
\! simctl log --path '^/crm/v3/objects/users$' | cut -d' ' -f1 | tr '\n' ' '; echo

\! simctl clear-log
\! simctl fault '{"path": "^/crm/v3/objects/users$", "skip": 1, "times": 1, "action": {"status": 502, "body": "<html><body>Bad Gateway</body></html>"}}'
:explain :scan;
:check
\! simctl log --path '^/crm/v3/objects/users$' | cut -d' ' -f1 | tr '\n' ' '; echo

\! simctl clear-log
\! simctl fault '{"path": "^/crm/v3/objects/users$", "skip": 1, "times": 1, "action": {"status": 503}}'
:explain :scan;
:check
\! simctl log --path '^/crm/v3/objects/users$' | cut -d' ' -f1 | tr '\n' ' '; echo

\! simctl clear-log
\! simctl fault '{"path": "^/crm/v3/objects/users$", "skip": 1, "times": 1, "action": {"status": 504}}'
:explain :scan;
:check
\! simctl log --path '^/crm/v3/objects/users$' | cut -d' ' -f1 | tr '\n' ' '; echo

-- 423: HubSpot asks for 2 s
\! simctl clear-log
\! simctl fault '{"path": "^/crm/v3/objects/users$", "skip": 1, "times": 1, "action": {"status": 423, "message": "Locked", "category": "LOCKED"}}'
:explain :scan;
:check
\! simctl log --path '^/crm/v3/objects/users$' | cut -d' ' -f1 | tr '\n' ' '; echo

-- 477 comes with Retry-After
\! simctl clear-log
\! simctl fault '{"path": "^/crm/v3/objects/users$", "skip": 1, "times": 1, "action": {"status": 477, "retry_after": 1, "message": "Migration in progress", "category": "MIGRATION_IN_PROGRESS"}}'
:explain :scan;
:check
\! simctl log --path '^/crm/v3/objects/users$' | cut -d' ' -f1 | tr '\n' ' '; echo

-- a 504 on every try: three requests, then an error saying so
\! simctl clear-log
\! simctl fault '{"path": "^/crm/v3/objects/users$", "skip": 1, "times": 3, "action": {"status": 504}}'
SELECT * FROM hs_error(:'scan');
\! simctl log --path '^/crm/v3/objects/users$' | cut -d' ' -f1 | tr '\n' ' '; echo
TRUNCATE got;

----------------------------------------------------------------------
-- the network: dropped connections, truncated bodies, slow pages
----------------------------------------------------------------------

-- a connection reset halfway through the body: retried
\! simctl clear-log
\! simctl fault '{"path": "^/crm/v3/objects/users$", "skip": 1, "times": 1, "action": {"reset": true}}'
:explain :scan;
:check
\! simctl log --path '^/crm/v3/objects/users$' | cut -d' ' -f1 | tr '\n' ' '; echo

-- a body cut short (the connection closes before Content-Length): retried
\! simctl clear-log
\! simctl fault '{"path": "^/crm/v3/objects/users$", "skip": 1, "times": 1, "action": {"truncate": true}}'
:explain :scan;
:check
\! simctl log --path '^/crm/v3/objects/users$' | cut -d' ' -f1 | tr '\n' ' '; echo

-- cut short on every try: an error, never a short result
\! simctl clear-log
\! simctl fault '{"path": "^/crm/v3/objects/users$", "skip": 1, "times": 3, "action": {"truncate": true}}'
SELECT * FROM hs_error(:'scan');
\! simctl log --path '^/crm/v3/objects/users$' | cut -d' ' -f1 | tr '\n' ' '; echo
TRUNCATE got;

-- a page slower than request_timeout (1 s): retried
\! simctl clear-log
\! simctl fault '{"path": "^/crm/v3/objects/users$", "skip": 1, "times": 1, "action": {"delay_ms": 1500}}'
:explain :scan;
:check
-- (the late answer to the request given up on, 499, may be logged by now)
\! simctl log --path '^/crm/v3/objects/users$' | cut -d' ' -f1 | grep -vx 499 | tr '\n' ' '; echo

-- slow on every try: an error (the late answer above is logged first)
\! sleep 1; simctl clear-log
\! simctl fault '{"path": "^/crm/v3/objects/users$", "times": 3, "action": {"delay_ms": 1500}}'
SELECT * FROM hs_error(:'scan');
\! sleep 0.7; simctl log --path '^/crm/v3/objects/users$' | cut -d' ' -f1 | tr '\n' ' '; echo
TRUNCATE got;

----------------------------------------------------------------------
-- answers that are not what they should be: clear errors
----------------------------------------------------------------------

-- an HTML page with status 200 (a proxy, an outage page)
\! simctl fault '{"path": "^/crm/v3/objects/users$", "skip": 1, "times": 1, "action": {"html": true}}'
SELECT * FROM hs_error(:'scan');
TRUNCATE got;

-- valid JSON of the wrong shape
\! simctl fault '{"path": "^/crm/v3/objects/users$", "skip": 1, "times": 1, "action": {"wrong_shape": true}}'
SELECT * FROM hs_error(:'scan');
TRUNCATE got;

-- a cursor that repeats: an error, neither the end nor a loop
\! simctl fault '{"path": "^/crm/v3/objects/users$", "skip": 1, "times": 1, "action": {"repeat_cursor": true}}'
SELECT * FROM hs_error(:'scan');
TRUNCATE got;

----------------------------------------------------------------------
-- records sent twice: dropped, and counted as repeats
----------------------------------------------------------------------

-- the list repeats a record of the page at its end
\! simctl fault '{"path": "^/crm/v3/objects/users$", "skip": 1, "times": 1, "action": {"duplicate": true}}'
:explain :scan;
:check

-- records added ahead of a search's offset while it pages would shift the
-- next page (here by 3): a search in id order pages by id instead ("GT" the
-- last id, no offset), so nothing repeats and nothing goes missing
\! simctl clear-log
\! simctl fault '{"path": "/search$", "skip": 1, "times": 2, "action": {"shift": 3}}'
:explain INSERT INTO got SELECT id, hs_email FROM hs_users WHERE id > 0 LIMIT 250;
:check
\! simctl log --path '/search$' | grep -o '"operator":"GT","value":"[0-9]*"' | sort | uniq -c
\! simctl clear-faults

-- a search page that sends a record twice
\! simctl fault '{"path": "/search$", "skip": 1, "times": 1, "action": {"duplicate": true}}'
:explain INSERT INTO got SELECT id, hs_email FROM hs_users WHERE id > 0 LIMIT 250;
:check

-- a batch read that answers one id twice
\! simctl fault '{"path": "/batch/read$", "times": 1, "action": {"duplicate": true}}'
:explain INSERT INTO got SELECT id, hs_email FROM hs_users WHERE id IN (1001, 1005, 1007);
SELECT count(*) AS rows, count(DISTINCT id) AS distinct_ids FROM got;
TRUNCATE got;

-- a search sorted by HubSpot pages by offset (one sort key is all HubSpot
-- takes); records added ahead while it pages (5, for the rest of the scan)
-- repeat the end of the page before: they are dropped
:explain CREATE TEMP TABLE sorted1 AS SELECT id, hs_email FROM hs_users ORDER BY hs_createdate LIMIT 250;
\! simctl fault '{"path": "/search$", "skip": 1, "times": 2, "action": {"shift": 5}}'
:explain CREATE TEMP TABLE sorted2 AS SELECT id, hs_email FROM hs_users ORDER BY hs_createdate LIMIT 250;
\! simctl clear-faults
SELECT (SELECT count(*) FROM sorted2) AS rows, (SELECT count(DISTINCT id) FROM sorted2) AS distinct_ids,
       (SELECT count(*) FROM (SELECT * FROM sorted1 EXCEPT SELECT * FROM sorted2) d) AS different;

----------------------------------------------------------------------
-- long and unicode values: 65,536 characters, kept whole
----------------------------------------------------------------------
\! simctl fault '{"path": "^/crm/v3/objects/users$", "times": 1, "action": {"long_values": true}}'
CREATE TEMP TABLE long AS SELECT id, hs_email FROM hs_users LIMIT 5;
SELECT count(*) AS rows, min(length(hs_email)) AS chars, min(octet_length(hs_email)) AS bytes,
       bool_and(hs_email = repeat('éxxxxxxxxx日本', 5461) || 'zzzz') AS exact
  FROM long;
SELECT count(*) AS matched_ids FROM long JOIN (SELECT id FROM sim_users ORDER BY id LIMIT 5) s USING (id);
\! simctl fault '{"path": "^/crm/v3/objects/users$", "times": 1, "action": {"long_values": true, "length": 100000}}'
SELECT length(hs_email) AS chars FROM hs_users LIMIT 1;

-- after all that, the same connection still works
\! simctl clear-faults
:explain :scan;
:check

-- 1,000 failing queries in one session leave no memory or handle behind
-- (100 first, so that caches are warm before measuring)
\! simctl fault '{"path": "^/crm/v3/objects/users$", "action": {"status": 400, "message": "Something was wrong"}}'
CREATE FUNCTION fail_many(n int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE failed int := 0;
BEGIN
  FOR i IN 1..n LOOP
    BEGIN
      PERFORM count(*) FROM hs_users;
    EXCEPTION WHEN OTHERS THEN
      failed := failed + 1;
    END;
  END LOOP;
  RETURN failed;
END $$;
CREATE FUNCTION backend_use(OUT mem bigint, OUT rss_kb bigint, OUT fds bigint) LANGUAGE sql AS $$
  SELECT (SELECT sum(total_bytes) FROM pg_backend_memory_contexts)::bigint,
         substring(pg_read_file('/proc/' || pg_backend_pid() || '/status') FROM 'VmRSS:\s+([0-9]+) kB')::bigint,
         (SELECT count(*) FROM pg_ls_dir('/proc/' || pg_backend_pid() || '/fd'))
$$;
SELECT fail_many(100);
SELECT * FROM backend_use() \gset before_
SELECT fail_many(1000);
SELECT a.mem - :before_mem < 256 * 1024 AS contexts_flat,
       a.rss_kb - :before_rss_kb < 2048 AS rss_flat,
       a.fds - :before_fds AS new_handles
  FROM backend_use() a;
\! simctl clear-faults

-- clean up
DROP FUNCTION fail_many(int);
DROP FUNCTION backend_use();
DROP FUNCTION hs_verdict(int);
DROP FUNCTION hs_error(text);
DROP SERVER hs_faults CASCADE;
