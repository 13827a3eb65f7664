#!/usr/bin/env bash
# ratelimit.sh: 1,000 requests through a simulator that allows 100 every
# 10 seconds (HubSpot's lowest tier), and no 429 reaches the user (issue 6).
#
# The library is put in shared_preload_libraries (and the cluster restarted),
# so that the limiter lives in shared memory: two sessions scan at once, 500
# requests each, and are paced together as one app.  The simulator counts
# every answer: none may be a 429, and every scan must return every row.
# Afterwards the cluster is restarted without the preload.
#
# Takes about 100 seconds: 1,000 requests at 10 a second cannot go faster.
# Run by test/run_tests.sh with its environment (see secrets.sh).
set -uo pipefail

TEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TMP=$(mktemp -d "${HUBSPOT_FDW_TMP:?}/ratelimit.XXXXXX")
chmod 755 "$TMP"
EXTRA=${HUBSPOT_FDW_EXTRA_CONF:?}
PGDATA_=${HUBSPOT_FDW_PGDATA:?}
USERS=12500          # 125 pages of 100: 4 scans a session = 500 requests
FAILED=0
SIM_PID=

as_postgres() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
restart_cluster() {
	as_postgres pg_ctl -D "$PGDATA_" -w -t 60 -m fast restart -l "$HUBSPOT_FDW_TMP/server.log" >/dev/null
}
cleanup() {
	[[ -z $SIM_PID ]] || kill "$SIM_PID" 2>/dev/null
	psql -X -q -c 'DROP SERVER IF EXISTS rl_srv CASCADE' >/dev/null 2>&1
	if grep -q '# ratelimit.sh' "$EXTRA" 2>/dev/null; then
		sed -i '/# ratelimit.sh/d' "$EXTRA"
		restart_cluster
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
ok() { echo "ok: $*"; }
step() { echo "[$(date -u +%H:%M:%S)] $*"; }
fail() { echo "FAIL: $*"; FAILED=1; }

# a simulator of its own, at HubSpot's lowest limits
step "starting a simulator at 100 requests a 10 s"
python3 "$TEST_DIR/hubspot_sim.py" --port 0 --port-file "$TMP/sim.port" --seed 7 \
	--users "$USERS" --contacts 10 --companies 10 --deals 10 --tickets 10 --custom 10 \
	--rate-limit-per-10s 100 --search-per-second 5 --quiet >"$TMP/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 100); do [[ -s $TMP/sim.port ]] && break; sleep 0.1; done
SIM=http://127.0.0.1:$(cat "$TMP/sim.port")

step "restarting the cluster with the library preloaded"
echo "shared_preload_libraries = 'hubspot_fdw'   # ratelimit.sh" >>"$EXTRA"
restart_cluster || { fail "the cluster did not restart with the preload"; exit 1; }
psql -X -q -v ON_ERROR_STOP=1 -v sim="$SIM" <<-'SQL' || exit 1
	CREATE EXTENSION IF NOT EXISTS hubspot_fdw;
	CREATE SERVER rl_srv FOREIGN DATA WRAPPER hubspot_fdw
	  OPTIONS (api_url :'sim', max_retries '0');
	CREATE USER MAPPING FOR CURRENT_USER SERVER rl_srv OPTIONS (access_token 'sim-token');
	CREATE FOREIGN TABLE rl_users (id bigint) SERVER rl_srv OPTIONS (object 'users');
SQL
# (max_retries 0: a 429 would reach the user as an error at once)

step "two sessions, 500 requests each"
start=$SECONDS
PIDS=()
for s in 1 2; do
	timeout 200 psql -X -At >"$TMP/session$s.out" 2>&1 <<-'SQL' &
		SELECT count(*) FROM rl_users;
		SELECT count(*) FROM rl_users;
		SELECT count(*) FROM rl_users;
		SELECT count(*) FROM rl_users;
	SQL
	PIDS+=($!)
done
wait "${PIDS[@]}"   # not the simulator
took=$((SECONDS - start))
step "sessions done"

HUBSPOT_SIM_URL=$SIM simctl log >"$TMP/requests.log"
total=$(grep -c ' /crm/v3/objects/users' "$TMP/requests.log")
throttled=$(grep -c '^429 ' "$TMP/requests.log")
rows_ok=$(cat "$TMP/session1.out" "$TMP/session2.out" | grep -c "^$USERS\$")
echo "requests: $total, 429s: $throttled, in ${took}s; scans with every row: $rows_ok of 8"
[[ $total -ge 1000 ]] && ok "1,000 requests went through" || fail "only $total requests"
[[ $throttled -eq 0 ]] && ok "no 429 from HubSpot" || fail "$throttled answers were 429"
[[ $rows_ok -eq 8 ]] && ok "every scan returned all $USERS rows" ||
	{ fail "a scan came back short or failed:"; cat "$TMP"/session*.out; }
# 100 a 10 s: 1,000 requests cannot take less than 90 s
[[ $took -ge 90 ]] && ok "paced at HubSpot's limit (${took}s)" || fail "too fast for the limit: ${took}s"

exit "$FAILED"
