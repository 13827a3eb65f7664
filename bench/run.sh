#!/usr/bin/env bash
# run.sh: hubspot_fdw's benchmark (issue 7), one command.
#
# It installs what is missing (the build and test dependencies through
# test/install_deps.sh, Node.js and npm through apt, the Node client and pg
# into bench/node_modules with `npm ci`), builds the extension and installs it
# into a private relocated copy of PostgreSQL 15 (never into the system's),
# starts a scratch cluster in a temporary directory, and runs bench/bench.py,
# which starts the HubSpot simulator, measures, prints the tables and writes
# them to bench/results/latest.md. Whatever it started is stopped at exit.
#
# It is not part of test/run_tests.sh: it takes minutes and wants the machine
# to itself.
#
# Usage: bash bench/run.sh [--quick] [bench.py options]
#   --quick   skip the 1,000,000-row scan, one sample instead of three
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH_DIR")
SYS_PG_BIN=/usr/lib/postgresql/15/bin
PYTHON=/usr/bin/python3
TMP=
CLUSTER_STARTED=
PG_BIN=

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

cleanup() {
	local pid
	# simulators bench.py started, should it have died before stopping them
	if [[ -n $TMP && -f $TMP/pids ]]; then
		while read -r pid; do
			if [[ -r /proc/$pid/cmdline ]] && grep -qa hubspot_sim.py "/proc/$pid/cmdline"; then
				kill "$pid" 2>/dev/null || true
			fi
		done <"$TMP/pids"
	fi
	if [[ -n $CLUSTER_STARTED ]]; then
		(cd "$TMP" && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$TMP/data" -m fast -w -t 30 stop \
			>/dev/null 2>&1) || true
	fi
	if [[ -n $TMP && -d $TMP ]]; then
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

as_root() {
	if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

install_deps() {
	bash "$REPO/test/install_deps.sh" >&2
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		log "installing nodejs and npm"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends nodejs npm >/dev/null
	fi
	# the Node client, pg and pg-copy-streams, as package-lock.json pins them
	if [[ ! -f $BENCH_DIR/node_modules/.package-lock.json ||
		$BENCH_DIR/package-lock.json -nt $BENCH_DIR/node_modules/.package-lock.json ]]; then
		log "npm ci in bench/"
		(cd "$BENCH_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2)
	fi
}

# port_free PORT: nothing has a socket or listens on PORT
port_free() {
	local port=$1 dir
	for dir in /tmp /var/run/postgresql /run/postgresql; do
		[[ -e $dir/.s.PGSQL.$port || -e $dir/.s.PGSQL.$port.lock ]] && return 1
	done
	! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

main() {
	[[ $(id -u) -eq 0 ]] || die "run as root (PostgreSQL runs as the postgres user through runuser)"
	install_deps

	TMP=$(mktemp -d /tmp/hubspot_fdw_bench.XXXXXX)
	chmod 0755 "$TMP"
	# a private relocated PostgreSQL (it finds share/ and lib/ from its binaries)
	local R=$TMP/pg
	mkdir -p "$R/usr/lib/postgresql" "$R/usr/share/postgresql"
	cp -a /usr/lib/postgresql/15 "$R/usr/lib/postgresql/"
	cp -a /usr/share/postgresql/15 "$R/usr/share/postgresql/"
	PG_BIN=$R/usr/lib/postgresql/15/bin
	log "building hubspot_fdw and installing it into $R"
	make -C "$REPO" -j"$(nproc)" PG_CONFIG="$SYS_PG_BIN/pg_config" >"$TMP/build.log" 2>&1 ||
		{ tail -n 40 "$TMP/build.log" >&2; die "build failed"; }
	make -C "$REPO" install DESTDIR="$R" PG_CONFIG="$SYS_PG_BIN/pg_config" >>"$TMP/build.log" 2>&1 ||
		{ tail -n 40 "$TMP/build.log" >&2; die "install failed"; }
	chown -R postgres: "$TMP"

	local port=""
	local i
	for ((i = 0; i < 100; i++)); do
		port=$((5500 + (RANDOM % 100)))
		port_free "$port" && break
		port=""
	done
	[[ -n $port ]] || die "no free port in 5500..5599"
	log "scratch cluster in $TMP/data, socket $TMP, port $port"
	(cd "$TMP" && runuser -u postgres -- "$PG_BIN/initdb" -D "$TMP/data" -A trust -U postgres \
		--no-sync --no-locale -E UTF8 >"$TMP/initdb.log" 2>&1) ||
		{ cat "$TMP/initdb.log" >&2; die "initdb failed"; }
	cat >>"$TMP/data/postgresql.conf" <<EOF

# scratch cluster for bench/run.sh
listen_addresses = ''
unix_socket_directories = '$TMP'
port = $port
fsync = off
synchronous_commit = off
jit = off
log_min_messages = warning
EOF
	CLUSTER_STARTED=1
	(cd "$TMP" && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$TMP/data" -w -t 60 \
		-l "$TMP/server.log" start >/dev/null) ||
		{ tail -n 40 "$TMP/server.log" >&2; die "PostgreSQL did not start"; }

	PGHOST=$TMP PGPORT=$port PGUSER=postgres PGDATABASE=postgres PG_BIN=$PG_BIN \
		BENCH_PIDFILE=$TMP/pids BENCH_TMP=$TMP "$PYTHON" "$BENCH_DIR/bench.py" "$@"
}

main "$@"
