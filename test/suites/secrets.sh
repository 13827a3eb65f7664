#!/usr/bin/env bash
# secrets.sh: the access token never shows, and access is as tight as
# postgres_fdw's (issue 6).  Run by test/run_tests.sh with its environment
# (PGHOST, PGPORT, PGUSER, PGDATABASE, HUBSPOT_SIM_URL, HUBSPOT_FDW_TMP,
# HUBSPOT_FDW_EXTRA_CONF).  Prints "ok: ..." or "FAIL: ..." a check and exits
# non-zero when any check failed.
#
#  - EXPLAIN (VERBOSE, ANALYZE), errors (401, 403, network, 5xx) with every
#    field, NOTICEs and DEBUG messages down to debug5 in the session, and the
#    server log at log_min_messages = debug5: none holds a token;
#  - a non-superuser sees no one else's token in pg_user_mappings, and a user
#    mapping without a token is refused when used;
#  - api_url must be https unless it names a loopback address;
#  - certificates are verified (a self-signed one fails), ca_file names the CA
#    to trust, and no option turns verification off.
set -uo pipefail

TEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TMP=$(mktemp -d "${HUBSPOT_FDW_TMP:-/tmp}/secrets.XXXXXX")
chmod 755 "$TMP"
LOG=${HUBSPOT_FDW_TMP:?}/server.log
EXTRA=${HUBSPOT_FDW_EXTRA_CONF:?}
GOOD=sim-token
BOGUS=sim-token-bogus-7f3a9c
FAILED=0
TLS_PID=

cleanup() {
	[[ -z $TLS_PID ]] || kill "$TLS_PID" 2>/dev/null
	sed -i '/# secrets.sh/d' "$EXTRA" 2>/dev/null
	psql -X -q -c 'SELECT pg_reload_conf()' >/dev/null 2>&1
	psql -X -q >/dev/null 2>&1 <<-'SQL'
		DROP SERVER IF EXISTS sec_srv, sec_bad, sec_noscope, sec_down, sec_tls, sec_tls_ca CASCADE;
		DROP OWNED BY sec_alice;
		DROP ROLE IF EXISTS sec_alice;
	SQL
	rm -rf "$TMP"
}
trap cleanup EXIT

ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; FAILED=1; }

# no_token NAME FILE: FILE holds neither token nor an Authorization header
no_token() {
	if grep -n -i -e "$GOOD" -e "$BOGUS" -e 'bearer' -e 'authorization' "$2"; then
		fail "$1 shows a token"
	else
		ok "$1 shows no token ($(wc -l <"$2") lines read)"
	fi
}

# expect NAME FILE PATTERN: FILE matches the extended regular expression
expect() {
	if grep -q -E -e "$3" "$2"; then ok "$1"; else fail "$1 (no /$3/ in:)"; sed 's/^/    /' "$2"; fi
}

# ---- set-up, at the usual log level ----
psql -X -q -v ON_ERROR_STOP=1 -v sim="$HUBSPOT_SIM_URL" -v good="$GOOD" -v bogus="$BOGUS" <<-'SQL' || exit 1
	CREATE EXTENSION IF NOT EXISTS hubspot_fdw;
	CREATE SERVER sec_srv FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url :'sim');
	CREATE USER MAPPING FOR CURRENT_USER SERVER sec_srv OPTIONS (access_token :'good');
	CREATE FOREIGN TABLE sec_users (id bigint, hs_email text) SERVER sec_srv OPTIONS (object 'users');
	CREATE SERVER sec_bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url :'sim');
	CREATE USER MAPPING FOR CURRENT_USER SERVER sec_bad OPTIONS (access_token :'bogus');
	CREATE FOREIGN TABLE sec_bad_users (id bigint) SERVER sec_bad OPTIONS (object 'users');
	CREATE SERVER sec_noscope FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url :'sim');
	CREATE USER MAPPING FOR CURRENT_USER SERVER sec_noscope OPTIONS (access_token 'sim-token-noscopes');
	CREATE FOREIGN TABLE sec_noscope_users (id bigint) SERVER sec_noscope OPTIONS (object 'users');
	CREATE SERVER sec_down FOREIGN DATA WRAPPER hubspot_fdw
	  OPTIONS (api_url 'http://127.0.0.1:9', max_retries '0', connect_timeout '1');
	CREATE USER MAPPING FOR CURRENT_USER SERVER sec_down OPTIONS (access_token :'good');
	CREATE FOREIGN TABLE sec_down_users (id bigint) SERVER sec_down OPTIONS (object 'users');
	CREATE ROLE sec_alice LOGIN;
	GRANT USAGE ON FOREIGN SERVER sec_srv TO sec_alice;
	GRANT SELECT ON sec_users TO sec_alice;
SQL

# ---- every message of a session, and the server log, at debug5 ----
offset=$(stat -c %s "$LOG")
echo "log_min_messages = debug5   # secrets.sh" >>"$EXTRA"
psql -X -q -c 'SELECT pg_reload_conf()' >/dev/null
sleep 1
simctl fault '{"path": "^/crm/v3/objects/users/1001$", "times": 1, "action": {"status": 500}}' >/dev/null
psql -X -v VERBOSITY=verbose >"$TMP/session.out" 2>&1 <<-'SQL'
	SET client_min_messages = debug5;
	\set VERBOSITY verbose
	EXPLAIN (VERBOSE, COSTS OFF) SELECT id, hs_email FROM sec_users WHERE id = 1005;
	EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF) SELECT id, hs_email FROM sec_users WHERE hs_email = 'x' LIMIT 3;
	SELECT count(*) FROM sec_users WHERE id IN (1001, 1005, 1007);
	SELECT count(*) FROM sec_bad_users;
	SELECT count(*) FROM sec_noscope_users;
	SELECT count(*) FROM sec_down_users;
	ALTER SERVER sec_srv OPTIONS (ADD max_retries '0');
	SELECT id FROM sec_users WHERE id = 1001;
	ALTER SERVER sec_srv OPTIONS (DROP max_retries);
	SELECT umuser::regrole, umoptions FROM pg_user_mappings WHERE srvname LIKE 'sec%' AND false;
SQL
sed -i '/# secrets.sh/d' "$EXTRA"
psql -X -q -c 'SELECT pg_reload_conf()' >/dev/null
tail -c +"$((offset + 1))" "$LOG" >"$TMP/server.log"

expect "the session ran at debug5" "$TMP/session.out" '^DEBUG:'
expect "401 is an error" "$TMP/session.out" 'ERROR:  28000|401'
expect "403 names the missing scope" "$TMP/session.out" 'crm.objects.users.read'
expect "a network failure is an error" "$TMP/session.out" '127\.0\.0\.1:9|could not reach'
expect "a 5xx is an error" "$TMP/session.out" 'HTTP 500'
no_token "the session (EXPLAIN, errors, NOTICE and DEBUG messages)" "$TMP/session.out"
expect "the server log was written at debug5" "$TMP/server.log" 'DEBUG:'
no_token "the server log at debug5" "$TMP/server.log"

# ---- access: pg_user_mappings, a mapping without a token ----
psql -X -At >"$TMP/alice.out" 2>&1 <<-'SQL'
	SET ROLE sec_alice;
	SELECT 'visible options: ' || count(*) FROM pg_user_mappings
	 WHERE srvname = 'sec_srv' AND umoptions IS NOT NULL;
	CREATE USER MAPPING FOR sec_alice SERVER sec_srv;
	SELECT count(*) FROM sec_users;
SQL
expect "a non-superuser sees no one else's token" "$TMP/alice.out" '^visible options: 0$'
expect "a user mapping without a token is refused" "$TMP/alice.out" 'ERROR:.*access_token|ERROR:.*token'
no_token "a non-superuser's session" "$TMP/alice.out"

# ---- api_url must be https, except to a loopback address ----
psql -X >"$TMP/url.out" 2>&1 <<-'SQL'
	CREATE SERVER sec_url1 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'http://api.hubapi.com');
	CREATE SERVER sec_url2 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'http://localhost:8080');
	CREATE SERVER sec_url3 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'http://[::1]:8080');
	CREATE SERVER sec_url4 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'https://api.hubapi.com');
	SELECT 'servers made: ' || count(*) FROM pg_foreign_server WHERE srvname LIKE 'sec_url%';
	DROP SERVER IF EXISTS sec_url1, sec_url2, sec_url3, sec_url4;
SQL
expect "plain http to a remote host is refused" "$TMP/url.out" 'must use https'
expect "http to loopback and https are accepted" "$TMP/url.out" 'servers made: 3'

# ---- TLS: verification on, ca_file, no way to turn it off ----
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1" -keyout "$TMP/key.pem" -out "$TMP/cert.pem" \
	>/dev/null 2>&1 || fail "openssl could not make a certificate"
chmod 644 "$TMP/cert.pem" "$TMP/key.pem"
python3 "$TEST_DIR/hubspot_sim.py" --port 0 --port-file "$TMP/tls.port" --users 50 --quiet \
	--rate-limit-per-10s 100000 --search-per-second 1000 \
	--tls-cert "$TMP/cert.pem" --tls-key "$TMP/key.pem" >"$TMP/tls-sim.log" 2>&1 &
TLS_PID=$!
for _ in $(seq 50); do [[ -s $TMP/tls.port ]] && break; sleep 0.1; done
tls_url=https://127.0.0.1:$(cat "$TMP/tls.port" 2>/dev/null)
psql -X -v url="$tls_url" -v ca="$TMP/cert.pem" >"$TMP/tls.out" 2>&1 <<-'SQL'
	CREATE SERVER sec_tls FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url :'url', max_retries '0');
	CREATE USER MAPPING FOR CURRENT_USER SERVER sec_tls OPTIONS (access_token 'sim-token');
	CREATE FOREIGN TABLE sec_tls_users (id bigint) SERVER sec_tls OPTIONS (object 'users');
	SELECT count(*) FROM sec_tls_users;
	CREATE SERVER sec_tls_ca FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url :'url', ca_file :'ca');
	CREATE USER MAPPING FOR CURRENT_USER SERVER sec_tls_ca OPTIONS (access_token 'sim-token');
	CREATE FOREIGN TABLE sec_tls_ca_users (id bigint) SERVER sec_tls_ca OPTIONS (object 'users');
	SELECT 'rows over tls: ' || count(*) FROM sec_tls_ca_users;
	ALTER SERVER sec_tls OPTIONS (ADD ssl_verify 'false');
	ALTER SERVER sec_tls OPTIONS (ADD verify_peer 'off');
SQL
expect "a certificate no CA vouches for is refused" "$TMP/tls.out" 'ERROR:  could not verify the TLS certificate'
expect "ca_file names the CA to trust" "$TMP/tls.out" 'rows over tls: 50'
expect "no option turns verification off" "$TMP/tls.out" 'invalid option "ssl_verify"'
no_token "the TLS tests" "$TMP/tls.out"

exit "$FAILED"
