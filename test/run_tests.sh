#!/usr/bin/env bash
# run_tests.sh: the one command that tests hubspot_fdw.
#
# It installs what is missing (test/install_deps.sh), builds and installs the
# extension, starts the HubSpot simulator (test/hubspot_sim.py) and a scratch
# PostgreSQL 15 cluster in a temporary directory, then runs every suite:
#   1. pg_regress: `make installcheck` (the Makefile's REGRESS list), each test
#      counted from pg_regress's "test NAME ... ok|FAILED" lines;
#   2. every test/test_*.py with unittest, counted from "Ran N tests" and
#      "FAILED (failures=a, errors=b)";
#   3. every executable test/suites/*.sh: exit 0 is 1 passed, else 1 failed.
# It stops what it started whatever happens, prints a summary per suite, and
# ends with the line "N passed, N failed". It exits 0 only if nothing failed
# and at least one test ran.
#
# Usage: bash test/run_tests.sh [--keep] [--only NAME]
#   --keep       leave the cluster and the simulator running, print how to connect
#   --only NAME  run only that pg_regress test, test/NAME.py, or test/suites/NAME.sh
# Environment:
#   HUBSPOT_SIM_ARGS   replaces the simulator's arguments (see HS_SIM_TEST_ARGS in lib.sh)
#   HS_TEST_BUDGET     seconds the suites may take in all (default 780)
#   HS_SKIP_DEPS=1     do not run install_deps.sh
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ONLY=
CHILD_PID=
TAIL_PID=
CURRENT_SUITE=
TOTAL_PASSED=0
TOTAL_FAILED=0
SUMMARY=()
STAGE=
SETUP_DONE=
RUN_START=$SECONDS
BUDGET=${HS_TEST_BUDGET:-780}
TEST_DB=hubspot_test

# Per-suite time limits, in seconds (each also bounded by what is left of BUDGET)
REGRESS_TIMEOUT=600
PYFILE_TIMEOUT=420
SUITE_TIMEOUT=300

usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

parse_args() {
	while [[ $# -gt 0 ]]; do
		case $1 in
		--keep) HS_KEEP=1 ;;
		--only)
			[[ $# -ge 2 ]] || { usage >&2; exit 2; }
			ONLY=$2
			shift
			;;
		--only=*) ONLY=${1#--only=} ;;
		-h | --help) usage; exit 0 ;;
		*) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
		esac
		shift
	done
}

# record SUITE PASSED FAILED [NOTE]: add one suite's counts to the totals
record() {
	local suite=$1 p=$2 f=$3 note=${4:-}
	TOTAL_PASSED=$((TOTAL_PASSED + p))
	TOTAL_FAILED=$((TOTAL_FAILED + f))
	SUMMARY+=("$(printf '%-32s %4d passed, %4d failed%s' "$suite" "$p" "$f" "${note:+  ($note)}")")
}

# time_left DEFAULT: print the time limit for the next suite (0: none left)
time_left() {
	local left=$((BUDGET - (SECONDS - RUN_START)))
	if ((left < 10)); then
		echo 0
	elif ((left < $1)); then
		echo "$left"
	else
		echo "$1"
	fi
}

# run_logged NAME OUT SECONDS CMD...: run suite NAME's CMD (stdin /dev/null)
# with a time limit, its output shown as it comes and kept in OUT; return its
# exit status (124 on timeout). CMD and the tail that shows it run in the
# background and the shell waits with `wait`, so that INT and TERM reach the
# traps at once (timeout puts CMD in its own process group).
run_logged() {
	local rc=0
	CURRENT_SUITE=$1
	local out=$2 t=$3
	shift 3
	: >"$out"   # exists before tail opens it
	timeout "$t" "$@" </dev/null >>"$out" 2>&1 &
	CHILD_PID=$!
	tail -n +1 --pid="$CHILD_PID" -f "$out" 2>/dev/null &
	TAIL_PID=$!
	wait "$CHILD_PID" || rc=$?
	CHILD_PID=
	wait "$TAIL_PID" || true   # it ends once it has shown the rest
	TAIL_PID=
	CURRENT_SUITE=
	return "$rc"
}

# shellcheck disable=SC2317  # called from on_exit (a trap)
# stop_child: stop the suite running in the background, if any, and its tail
stop_child() {
	if [[ -n ${CHILD_PID:-} ]]; then
		kill -TERM "$CHILD_PID" 2>/dev/null || true
		wait "$CHILD_PID" 2>/dev/null || true
		CHILD_PID=
	fi
	if [[ -n ${TAIL_PID:-} ]]; then
		kill -TERM "$TAIL_PID" 2>/dev/null || true
		wait "$TAIL_PID" 2>/dev/null || true
		TAIL_PID=
	fi
}

# banner TEXT: a heading in the output
banner() {
	printf '\n======== %s ========\n' "$*"
}

# regress_list: print the Makefile's REGRESS tests, one a line
regress_list() {
	make -s --no-print-directory -C "$HS_REPO" PG_CONFIG="$PG_CONFIG" \
		-f Makefile -f - hs-print-regress <<'EOF' | tr -s ' \t' '\n' | sed '/^$/d'
hs-print-regress:
	@echo $(REGRESS)
EOF
}

# parse_regress FILE: print "PASSED FAILED IGNORED" from pg_regress's output
parse_regress() {
	local line p=0 f=0 ig=0
	local re_old='^(test[[:space:]]+|[[:space:]]+)?[^[:space:]]+[[:space:]]+\.\.\.[[:space:]]+(ok|FAILED|failed \(ignored\))'
	local re_tap='^(ok|not ok)[[:space:]]+[0-9]+[[:space:]]+[-+][[:space:]]+[^[:space:]]+'
	while IFS= read -r line; do
		if [[ $line =~ $re_old ]]; then
			case ${BASH_REMATCH[2]} in
			ok) p=$((p + 1)) ;;
			FAILED) f=$((f + 1)) ;;
			*) p=$((p + 1)); ig=$((ig + 1)) ;;
			esac
		elif [[ $line =~ $re_tap ]]; then
			if [[ ${BASH_REMATCH[1]} == ok ]]; then p=$((p + 1)); else f=$((f + 1)); fi
		fi
	done <"$1"
	echo "$p $f $ig"
}

# run_regress: suite 1, pg_regress through `make installcheck`
run_regress() {
	local -a tests extra=()
	local out=$HS_TMP/regress.out rc=0 t p f ig note=
	if [[ -n $ONLY ]]; then
		tests=("$ONLY")
		extra=("REGRESS=$ONLY")
	else
		mapfile -t tests < <(regress_list)
	fi
	if [[ ${#tests[@]} -eq 0 ]]; then
		banner "pg_regress: the Makefile lists no REGRESS tests"
		return 0
	fi
	banner "pg_regress: ${tests[*]}"
	t=$(time_left "$REGRESS_TIMEOUT")
	if ((t == 0)); then
		record pg_regress 0 1 "not run: time budget spent"
		return 0
	fi
	rm -f "$HS_REPO/regression.diffs" "$HS_REPO/regression.out"
	run_logged pg_regress "$out" "$t" make --no-print-directory -C "$HS_REPO" installcheck \
		PG_CONFIG="$PG_CONFIG" PGHOST="$HS_TMP" PGPORT="$HS_PGPORT" PGUSER=postgres \
		"${extra[@]}" || rc=$?
	read -r p f ig < <(parse_regress "$out")
	((ig == 0)) || note="$ig failed (ignored)"
	if ((rc != 0 && f == 0)); then
		f=1
		note="make installcheck exited $rc${note:+; $note}"
	fi
	((rc != 124)) || note="timed out after ${t}s"
	if ((f > 0)) && [[ -s $HS_REPO/regression.diffs ]]; then
		banner "regression.diffs (first 200 lines)"
		head -n 200 "$HS_REPO/regression.diffs"
	fi
	record pg_regress "$p" "$f" "$note"
}

# parse_unittest FILE RC: print "PASSED FAILED SKIPPED NOTE" from unittest's output
parse_unittest() {
	local file=$1 rc=$2 line ran=-1 failures=0 errors=0 skipped=0 unexpected=0 status=
	local re_ran='^Ran ([0-9]+) tests? in' re_status='^(OK|FAILED)( \((.*)\))?$'
	local item key val
	local -a items
	while IFS= read -r line; do
		if [[ $line =~ $re_ran ]]; then
			ran=${BASH_REMATCH[1]}
		elif [[ $ran -ge 0 && $line =~ $re_status ]]; then
			status=${BASH_REMATCH[1]}
			IFS=',' read -ra items <<<"${BASH_REMATCH[3]}"
			for item in "${items[@]}"; do
				key=${item%%=*}; key=${key# }; val=${item##*=}
				case $key in
				failures) failures=$val ;;
				errors) errors=$val ;;
				skipped) skipped=$val ;;
				"unexpected successes") unexpected=$val ;;
				esac
			done
		fi
	done <"$file"
	if ((ran < 0)) || [[ -z $status ]]; then
		if ((rc == 124)); then echo "0 1 0 timed out"; else echo "0 1 0 no unittest result (exit $rc)"; fi
		return 0
	fi
	if ((ran == 0)); then
		echo "0 1 0 ran no test"
		return 0
	fi
	local f=$((failures + errors + unexpected))
	local p=$((ran - f - skipped))
	if ((f == 0 && rc != 0)); then
		echo "$p 1 $skipped exited $rc after OK"
	else
		echo "$p $f $skipped"
	fi
}

# run_pyfile FILE: suite 2, one test/test_*.py file
run_pyfile() {
	local file=$1 base out rc=0 t p f s note
	base=$(basename "$file")
	out=$HS_TMP/${base%.py}.out
	banner "python: $base"
	t=$(time_left "$PYFILE_TIMEOUT")
	if ((t == 0)); then
		record "$base" 0 1 "not run: time budget spent"
		return 0
	fi
	run_logged "$base" "$out" "$t" env PYTHONDONTWRITEBYTECODE=1 \
		"$PYTHON" -m unittest discover -v -s "$HS_TEST_DIR" -t "$HS_TEST_DIR" -p "$base" || rc=$?
	read -r p f s note < <(parse_unittest "$out" "$rc")
	((s == 0)) || note="$s skipped${note:+; $note}"
	record "$base" "$p" "$f" "$note"
}

# run_suite FILE: suite 3, one executable test/suites/*.sh
run_suite() {
	local file=$1 base out rc=0 t
	base=suites/$(basename "$file")
	out=$HS_TMP/suite_$(basename "$file").out
	banner "$base"
	t=$(time_left "$SUITE_TIMEOUT")
	if ((t == 0)); then
		record "$base" 0 1 "not run: time budget spent"
		return 0
	fi
	run_logged "$base" "$out" "$t" "$file" || rc=$?
	if ((rc == 0)); then
		record "$base" 1 0
	elif ((rc == 124)); then
		record "$base" 0 1 "timed out after ${t}s"
	else
		record "$base" 0 1 "exit $rc"
	fi
}

# pick_suites: set PYFILES and SUITES (and whether to run pg_regress) from --only
pick_suites() {
	local f
	PYFILES=()
	SUITES=()
	DO_REGRESS=1
	for f in "$HS_TEST_DIR"/test_*.py; do
		[[ -f $f ]] && PYFILES+=("$f")
	done
	for f in "$HS_TEST_DIR"/suites/*.sh; do
		[[ -f $f && -x $f ]] && SUITES+=("$f")
	done
	[[ -n $ONLY ]] || return 0
	local name=${ONLY##*/}
	name=${name%.py}
	name=${name%.sh}
	if [[ -f $HS_TEST_DIR/$name.py && $name == test_* ]]; then
		PYFILES=("$HS_TEST_DIR/$name.py")
		SUITES=()
		DO_REGRESS=
	elif [[ -x $HS_TEST_DIR/suites/$name.sh ]]; then
		SUITES=("$HS_TEST_DIR/suites/$name.sh")
		PYFILES=()
		DO_REGRESS=
	elif [[ -f $HS_REPO/sql/$name.sql ]]; then
		ONLY=$name
		PYFILES=()
		SUITES=()
	else
		hs_die "--only $ONLY: no sql/$name.sql, test/$name.py or test/suites/$name.sh"
	fi
}

# create_test_db: the database the python tests and suites get as PGDATABASE
create_test_db() {
	"$PG_BIN/psql" -X -q -d postgres -v ON_ERROR_STOP=1 \
		-c "CREATE DATABASE $TEST_DB" >/dev/null
	export PGDATABASE=$TEST_DB
}

# export_test_env: what every suite may use
export_test_env() {
	export PGHOST=$HS_TMP PGPORT=$HS_PGPORT PGUSER=postgres
	export HUBSPOT_SIM_URL PG_CONFIG PG_BIN
	export HUBSPOT_FDW_TMP=$HS_TMP                     # scratch directory
	export HUBSPOT_FDW_PGDATA=$HS_PGDATA               # the cluster's data dir
	export HUBSPOT_FDW_EXTRA_CONF=$HS_TMP/extra.conf   # settings suites may add (then reload)
	export PATH=$HS_TEST_DIR:$PG_BIN:/usr/bin:/bin:$PATH  # simctl, psql 15, Debian's python3
}

# setup: everything before the first suite
setup() {
	local -a sim_args=("${HS_SIM_TEST_ARGS[@]}")
	if [[ -n ${HUBSPOT_SIM_ARGS:-} ]]; then
		read -ra sim_args <<<"$HUBSPOT_SIM_ARGS"
	fi
	STAGE="choosing suites"
	pick_suites
	STAGE="installing dependencies"
	[[ -n ${HS_SKIP_DEPS:-} ]] || hs_install_deps
	STAGE=build
	hs_build_install
	STAGE="simulator start"
	hs_make_tmp
	hs_sim_start "${sim_args[@]}"
	STAGE="cluster start"
	hs_cluster_start
	export_test_env
	create_test_db
	SETUP_DONE=1
	STAGE=
}

# shellcheck disable=SC2317  # a trap
# on_exit: stop everything, print the summary; the last line is the count
on_exit() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	stop_child
	if [[ -z $SETUP_DONE && -n $STAGE ]]; then
		record "setup" 0 1 "failed during: $STAGE"
	fi
	if [[ -n $CURRENT_SUITE ]]; then
		record "$CURRENT_SUITE" 0 1 "interrupted (exit $rc)"
	elif ((rc != 0 && TOTAL_FAILED == 0)); then
		record "run" 0 1 "ended with exit status $rc"
	fi
	hs_cleanup
	banner summary
	local line
	for line in "${SUMMARY[@]}"; do
		echo "$line"
	done
	if ((TOTAL_FAILED == 0 && TOTAL_PASSED > 0 && rc == 0)); then
		rc=0
	elif ((rc == 0)); then
		rc=1
	fi
	echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
	exit "$rc"
}

main() {
	parse_args "$@"
	[[ $(id -u) -eq 0 ]] || { echo "run_tests.sh: run as root (it uses runuser and make install)" >&2; exit 2; }
	trap on_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	setup
	local f
	[[ -z $DO_REGRESS ]] || run_regress
	for f in "${PYFILES[@]}"; do
		run_pyfile "$f"
	done
	for f in "${SUITES[@]}"; do
		run_suite "$f"
	done
	if ((TOTAL_PASSED + TOTAL_FAILED == 0)); then
		hs_log "no test ran"
	fi
	exit 0
}

main "$@"
