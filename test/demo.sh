#!/usr/bin/env bash
# demo.sh: try hubspot_fdw by hand in one command.
#
# It installs what is missing, builds and installs the extension, starts a
# scratch PostgreSQL 15 cluster, and points it either at the HubSpot simulator
# (the default: a small account, HubSpot's default rate limits) or, given a
# token, at the real HubSpot (https://api.hubapi.com). It runs test/demo.sql
# (extension, server `hubspot`, user mapping, foreign tables, a few example
# queries), prints how to connect, and waits until Ctrl-C; then it stops
# everything it started. The token is never printed.
#
# Usage: bash test/demo.sh [--token TOKEN] [--no-wait]
#   --token TOKEN  use the real HubSpot with this private app token
#                  (or set HUBSPOT_ACCESS_TOKEN in the environment)
#   --no-wait      exit after the examples instead of waiting (the default when CI=true)
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REAL_API_URL=https://api.hubapi.com
SIM_TOKEN='sim-token'
TOKEN=${HUBSPOT_ACCESS_TOKEN:-}
unset HUBSPOT_ACCESS_TOKEN   # kept out of the server's environment
API_URL=
NO_WAIT=
SLEEP_PID=
[[ ${CI:-} != true ]] || NO_WAIT=1

usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

parse_args() {
	while [[ $# -gt 0 ]]; do
		case $1 in
		--token)
			[[ $# -ge 2 ]] || { usage >&2; exit 2; }
			TOKEN=$2
			shift
			;;
		--token=*) TOKEN=${1#--token=} ;;
		--no-wait) NO_WAIT=1 ;;
		-h | --help) usage; exit 0 ;;
		*) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
		esac
		shift
	done
}

# shellcheck disable=SC2317  # a trap
# on_exit: stop what was started
on_exit() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	[[ -z $SLEEP_PID ]] || kill "$SLEEP_PID" 2>/dev/null
	hs_log "stopping"
	hs_cleanup
	exit "$rc"
}

# start_backend: the simulator, or nothing for the real HubSpot; sets API_URL
# and, for the simulator, TOKEN
start_backend() {
	if [[ -n $TOKEN ]]; then
		hs_log "using the real HubSpot at $REAL_API_URL"
		API_URL=$REAL_API_URL
	else
		hs_sim_start "${HS_SIM_DEMO_ARGS[@]}"
		API_URL=$HUBSPOT_SIM_URL
		TOKEN=$SIM_TOKEN
	fi
}

# run_demo_sql: set up the foreign tables and run the examples; the token goes
# to psql alone, through its environment (not its command line)
run_demo_sql() {
	hs_log "running test/demo.sql"
	HUBSPOT_API_URL=$API_URL HUBSPOT_ACCESS_TOKEN=$TOKEN \
		"$PG_BIN/psql" -X -d postgres -v ON_ERROR_STOP=1 -f "$HS_TEST_DIR/demo.sql" </dev/null
}

# wait_for_ctrl_c: stay up until interrupted
wait_for_ctrl_c() {
	echo
	echo "Connect with:  psql -h $HS_TMP -p $HS_PGPORT -U postgres"
	[[ -z ${HUBSPOT_SIM_URL:-} ]] || echo "Simulator:     $HUBSPOT_SIM_URL (simctl: HUBSPOT_SIM_URL=$HUBSPOT_SIM_URL $HS_TEST_DIR/simctl)"
	if [[ -n $NO_WAIT ]]; then
		return 0
	fi
	echo "Press Ctrl-C to stop the cluster and the simulator."
	sleep infinity &
	SLEEP_PID=$!
	wait "$SLEEP_PID" || true
}

main() {
	parse_args "$@"
	[[ $(id -u) -eq 0 ]] || { echo "demo.sh: run as root (it uses runuser and make install)" >&2; exit 2; }
	trap on_exit EXIT
	trap 'exit 0' INT            # Ctrl-C is the normal way to stop the demo
	trap 'exit 143' TERM
	hs_install_deps
	hs_build_install
	hs_make_tmp
	start_backend
	hs_cluster_start
	run_demo_sql
	wait_for_ctrl_c
}

main "$@"
