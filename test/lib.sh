# shellcheck shell=bash
# lib.sh: shell functions shared by test/run_tests.sh and test/demo.sh.
#
# Source it, do not run it. It knows how to install the dependencies, build and
# install the extension, start and stop a scratch PostgreSQL 15 cluster in a
# fresh temporary directory, and start and stop the HubSpot simulator
# (test/hubspot_sim.py). Everything it starts is recorded in the variables
# below so that hs_cleanup (meant for an EXIT trap) can stop it, and nothing
# else: it only ever kills the process ids it started itself.
#
# Variables it sets:
#   HS_REPO        the repository's top directory
#   HS_TEST_DIR    $HS_REPO/test
#   HS_TMP         the scratch directory (socket, data/, logs, extra.conf)
#   HS_PGDATA      $HS_TMP/data
#   HS_PGPORT      the cluster's port (Unix socket only, no TCP)
#   HS_SERVER_PATH_DIR  the test/ directory the server finds simctl in
#   HS_SIM_PID     the simulator's process id
#   HUBSPOT_SIM_URL (exported) the simulator's base URL

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_CONFIG=${PG_CONFIG:-$PG_BIN/pg_config}
# Debian's python3 (with python3-psycopg2), whatever python3 comes first in PATH
PYTHON=/usr/bin/python3

HS_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HS_TEST_DIR=$HS_REPO/test
HS_TMP=
HS_PGDATA=
HS_PGPORT=
HS_SERVER_PATH_DIR=$HS_TEST_DIR
HS_SIM_PID=
HS_CLUSTER_STARTED=
# shellcheck disable=SC2034
HS_KEEP=          # set it to leave everything running at exit

# shellcheck disable=SC2034  # used by the scripts that source this file
# The simulator's arguments, in one place. HUBSPOT_SIM_ARGS (a space separated
# string) replaces the whole list for the tests when set.
# For the general suites: a large account, rate limits raised well out of the
# way (the rate-limit suites lower them through the control API themselves).
HS_SIM_TEST_ARGS=(--seed 42 --users 25000 --rate-limit-per-10s 100000
	--search-per-second 1000 --quiet)
# shellcheck disable=SC2034
# For the demo: a small account, rate limits left at HubSpot's defaults.
HS_SIM_DEMO_ARGS=(--seed 42 --users 200 --quiet)

# How long to wait for the simulator to come up, in seconds
HS_SIM_START_TIMEOUT=${HS_SIM_START_TIMEOUT:-120}

# hs_log MESSAGE...: a progress line on stderr
hs_log() {
	printf '==> %s\n' "$*" >&2
}

# hs_die MESSAGE...: print an error and exit 1 (the EXIT trap cleans up)
hs_die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# hs_install_deps: install whatever is missing (see install_deps.sh)
hs_install_deps() {
	bash "$HS_TEST_DIR/install_deps.sh"
}

# hs_build_install: build with PGXS and install into PostgreSQL 15
hs_build_install() {
	[[ -f $HS_REPO/Makefile ]] || hs_die "no Makefile in $HS_REPO"
	hs_log "building"
	make -C "$HS_REPO" -j2 PG_CONFIG="$PG_CONFIG"
	hs_log "installing"
	make -C "$HS_REPO" install PG_CONFIG="$PG_CONFIG" >/dev/null
}

# hs_port_in_use PORT: true if something listens on PORT (TCP or a known socket)
hs_port_in_use() {
	local port=$1 dir
	for dir in /tmp /var/run/postgresql /run/postgresql; do
		[[ -e $dir/.s.PGSQL.$port || -e $dir/.s.PGSQL.$port.lock ]] && return 0
	done
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
	return 1
}

# hs_pick_port: print a port in 5400..5499 that is not in use
hs_pick_port() {
	local i port start=$((RANDOM % 100))
	for ((i = 0; i < 100; i++)); do
		port=$((5400 + (start + i) % 100))
		if ! hs_port_in_use "$port"; then
			echo "$port"
			return 0
		fi
	done
	hs_die "no free port in 5400..5499"
}

# hs_as_postgres CMD...: run a command as the postgres OS user, from $HS_TMP
# (so that a cwd postgres cannot read, e.g. under /root, does not matter)
hs_as_postgres() {
	(cd "$HS_TMP" && runuser -u postgres -- "$@")
}

# hs_make_tmp: create the scratch directory, owned by postgres
hs_make_tmp() {
	id postgres >/dev/null 2>&1 || hs_die "no 'postgres' OS user (install postgresql-15)"
	HS_TMP=$(mktemp -d /tmp/hubspot_fdw.XXXXXX)
	chown postgres: "$HS_TMP"
	chmod 0755 "$HS_TMP"
	HS_PGDATA=$HS_TMP/data
}

# hs_server_path_dir: make sure the server (user postgres) can run test/simctl;
# if the checkout is not readable by postgres, copy test/ into $HS_TMP
hs_server_path_dir() {
	if runuser -u postgres -- test -r "$HS_TEST_DIR/simctl" -a -x "$HS_TEST_DIR/simctl" \
		2>/dev/null && (cd /tmp && runuser -u postgres -- ls "$HS_TEST_DIR" >/dev/null 2>&1); then
		HS_SERVER_PATH_DIR=$HS_TEST_DIR
		return 0
	fi
	hs_log "postgres cannot read $HS_TEST_DIR: copying test/ to $HS_TMP/test"
	mkdir -p "$HS_TMP/test"
	tar -C "$HS_TEST_DIR" --exclude=__pycache__ -cf - . | tar -C "$HS_TMP/test" -xf -
	chown -R postgres: "$HS_TMP/test"
	chmod -R u+rwX,go+rX "$HS_TMP/test"
	HS_SERVER_PATH_DIR=$HS_TMP/test
}

# hs_write_conf: append the scratch settings to postgresql.conf
hs_write_conf() {
	cat >>"$HS_PGDATA/postgresql.conf" <<EOF

# scratch cluster for hubspot_fdw tests (test/lib.sh)
listen_addresses = ''
unix_socket_directories = '$HS_TMP'
port = $HS_PGPORT
fsync = off
log_min_messages = warning
max_connections = 30
shared_buffers = 64MB
include_if_exists = '$HS_TMP/extra.conf'
EOF
}

# hs_cluster_start: initdb a scratch cluster in $HS_TMP/data and start it with
# HUBSPOT_SIM_URL and PATH (test/ first) in the server's environment
hs_cluster_start() {
	[[ -n $HS_TMP ]] || hs_make_tmp
	HS_PGPORT=$(hs_pick_port)
	hs_log "initdb in $HS_PGDATA"
	hs_as_postgres "$PG_BIN/initdb" -D "$HS_PGDATA" -A trust -U postgres --no-sync \
		--no-locale -E UTF8 >"$HS_TMP/initdb.log" 2>&1 ||
		{ cat "$HS_TMP/initdb.log" >&2; hs_die "initdb failed"; }
	hs_write_conf
	hs_server_path_dir
	hs_log "starting PostgreSQL on socket $HS_TMP, port $HS_PGPORT"
	HS_CLUSTER_STARTED=1
	if ! hs_as_postgres env "HUBSPOT_SIM_URL=${HUBSPOT_SIM_URL:-}" \
		"PATH=$HS_SERVER_PATH_DIR:$PG_BIN:/usr/bin:/bin:$PATH" \
		"$PG_BIN/pg_ctl" -D "$HS_PGDATA" -w -t 60 -l "$HS_TMP/server.log" start >/dev/null; then
		tail -n 50 "$HS_TMP/server.log" >&2 || true
		hs_die "PostgreSQL did not start"
	fi
	export PGHOST=$HS_TMP PGPORT=$HS_PGPORT PGUSER=postgres
}

# hs_cluster_stop: stop the scratch cluster if we started it
hs_cluster_stop() {
	[[ -n $HS_CLUSTER_STARTED && -n $HS_PGDATA ]] || return 0
	if [[ -f $HS_PGDATA/postmaster.pid ]]; then
		hs_as_postgres "$PG_BIN/pg_ctl" -D "$HS_PGDATA" -m fast -w -t 30 stop \
			>/dev/null 2>&1 ||
			hs_as_postgres "$PG_BIN/pg_ctl" -D "$HS_PGDATA" -m immediate -w stop \
				>/dev/null 2>&1 || true
	fi
	HS_CLUSTER_STARTED=
}

# hs_sim_start ARGS...: start test/hubspot_sim.py on a free loopback port with
# ARGS, wait until it answers, export HUBSPOT_SIM_URL
hs_sim_start() {
	local sim=$HS_TEST_DIR/hubspot_sim.py portfile port="" i
	[[ -f $sim ]] || hs_die "no simulator at $sim"
	[[ -n $HS_TMP ]] || hs_make_tmp
	portfile=$HS_TMP/sim.port
	hs_log "starting the simulator: hubspot_sim.py $*"
	"$PYTHON" "$sim" --host 127.0.0.1 --port 0 --port-file "$portfile" "$@" \
		</dev/null >"$HS_TMP/sim.log" 2>&1 &
	HS_SIM_PID=$!
	for ((i = 0; i < HS_SIM_START_TIMEOUT * 10; i++)); do
		[[ -s $portfile ]] && port=$(tr -dc '0-9' <"$portfile")
		[[ -n $port ]] && break
		if ! kill -0 "$HS_SIM_PID" 2>/dev/null; then
			tail -n 30 "$HS_TMP/sim.log" >&2 || true
			HS_SIM_PID=
			hs_die "the simulator exited before writing its port"
		fi
		sleep 0.1
	done
	[[ -n $port ]] || { tail -n 30 "$HS_TMP/sim.log" >&2; hs_die "the simulator wrote no port file"; }
	export HUBSPOT_SIM_URL=http://127.0.0.1:$port
	if ! timeout --foreground "$HS_SIM_START_TIMEOUT" "$HS_TEST_DIR/simctl" wait >/dev/null; then
		tail -n 30 "$HS_TMP/sim.log" >&2 || true
		hs_die "the simulator at $HUBSPOT_SIM_URL did not become ready"
	fi
	hs_log "simulator ready at $HUBSPOT_SIM_URL (pid $HS_SIM_PID)"
}

# hs_sim_stop: stop the simulator if we started it
hs_sim_stop() {
	[[ -n $HS_SIM_PID ]] || return 0
	local i
	if kill -0 "$HS_SIM_PID" 2>/dev/null; then
		kill -TERM "$HS_SIM_PID" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			kill -0 "$HS_SIM_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$HS_SIM_PID" 2>/dev/null || true
	fi
	wait "$HS_SIM_PID" 2>/dev/null || true
	HS_SIM_PID=
}

# hs_connect_help: print how to reach what was left running (--keep)
hs_connect_help() {
	cat <<EOF
Left running for debugging:
  connect:   psql -h $HS_TMP -p $HS_PGPORT -U postgres
  or export: HUBSPOT_SIM_URL=${HUBSPOT_SIM_URL:-} PGHOST=$HS_TMP PGPORT=$HS_PGPORT PGUSER=postgres
  simulator: HUBSPOT_SIM_URL=${HUBSPOT_SIM_URL:-} (pid ${HS_SIM_PID:-none}, log $HS_TMP/sim.log)
  server log: $HS_TMP/server.log
  stop with: kill ${HS_SIM_PID:-} ; runuser -u postgres -- $PG_BIN/pg_ctl -D $HS_PGDATA stop ; rm -rf $HS_TMP
EOF
}

# hs_cleanup: stop what we started and remove the scratch directory, unless
# HS_KEEP is set (then print how to connect instead). Meant for an EXIT trap.
hs_cleanup() {
	if [[ -n $HS_KEEP && -n $HS_TMP ]]; then
		hs_connect_help >&2
		return 0
	fi
	hs_sim_stop
	hs_cluster_stop
	if [[ -n $HS_TMP && -d $HS_TMP ]]; then
		rm -rf "$HS_TMP"
	fi
	HS_TMP=
}
