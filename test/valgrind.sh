#!/usr/bin/env bash
# valgrind.sh: regression suites with the PostgreSQL server under Valgrind
# (`make valgrind-check`).  It builds and installs the extension, starts the
# simulator and a scratch cluster whose postmaster runs under
# `valgrind --trace-children=yes` (so every backend is checked; the simctl and
# shell children of COPY FROM PROGRAM are skipped), runs the suites with
# pg_regress, stops the cluster (so that each backend's leak check runs), and
# reads the Valgrind logs: any invalid read or write, use of uninitialised
# memory, or definite leak with a frame in hubspot_fdw.so fails the run.
# PostgreSQL's own reports are counted and shown, not failed on (a stock
# server is not built for Valgrind).  Differences in the suites' output are
# expected under Valgrind (time-outs); they are reported but do not fail it.
#
# Usage: bash test/valgrind.sh [SUITE...]   (default: types errors pushdown permitted faults)
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SUITES=("$@")
[[ ${#SUITES[@]} -gt 0 ]] || SUITES=(types errors pushdown permitted faults)
VG_PID=

finish() {
	hs_cluster_stop || true
	[[ -z $VG_PID ]] || wait "$VG_PID" 2>/dev/null || true
	hs_cleanup
}
trap finish EXIT

[[ -n ${HS_SKIP_DEPS:-} ]] || hs_install_deps
if ! command -v valgrind >/dev/null 2>&1; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q valgrind >/dev/null
fi
hs_build_install
hs_make_tmp
hs_sim_start "${HS_SIM_TEST_ARGS[@]}"

# initdb and settings as usual, then the postmaster under Valgrind
hs_cluster_start
hs_cluster_stop
HS_CLUSTER_STARTED=1
hs_log "starting PostgreSQL under Valgrind (slow)"
mkdir -p "$HS_TMP/vg" && chown postgres: "$HS_TMP/vg"
(cd "$HS_TMP" && runuser -u postgres -- env "HUBSPOT_SIM_URL=$HUBSPOT_SIM_URL" \
	"PATH=$HS_SERVER_PATH_DIR:$PG_BIN:/usr/bin:/bin" \
	valgrind --quiet --trace-children=yes \
	--trace-children-skip='*/python*,*/sh,*/bash,*/env,*simctl*' \
	--leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
	--num-callers=30 --suppressions="$HS_TEST_DIR/valgrind.supp" \
	--log-file="$HS_TMP/vg/vg.%p.log" \
	"$PG_BIN/postgres" -D "$HS_PGDATA" >"$HS_TMP/server.log" 2>&1) &
VG_PID=$!
for _ in $(seq 240); do
	"$PG_BIN/pg_isready" -q -h "$HS_TMP" -p "$HS_PGPORT" && break
	sleep 0.5
done
"$PG_BIN/pg_isready" -q -h "$HS_TMP" -p "$HS_PGPORT" || hs_die "PostgreSQL did not start under Valgrind"
export PGHOST=$HS_TMP PGPORT=$HS_PGPORT PGUSER=postgres
export PATH=$HS_TEST_DIR:$PG_BIN:$PATH

hs_log "running: ${SUITES[*]}"
make -C "$HS_REPO" installcheck PG_CONFIG="$PG_CONFIG" REGRESS="${SUITES[*]}" \
	>"$HS_TMP/regress.out" 2>&1 || true
grep -E '^(test|ok|not ok| All| [0-9]+ of)' "$HS_TMP/regress.out" || true

hs_log "stopping the cluster (leak checks run as backends exit)"
hs_cluster_stop
wait "$VG_PID" 2>/dev/null || true
VG_PID=

# one Valgrind report a block; ours when a frame is in hubspot_fdw.so
python3 - "$HS_TMP/vg" <<'PY'
import collections, glob, re, sys
ours, theirs = [], collections.Counter()
for path in sorted(glob.glob(sys.argv[1] + "/vg.*.log")):
    block = []
    for line in open(path, errors="replace").read().splitlines() + [""]:
        body = re.sub(r"^==\d+== ?", "", line)
        if body.strip():
            block.append(body)
            continue
        if block and re.match(r"(Invalid|Conditional|Use of uninit|Syscall param|Mismatched|.*definitely lost)", block[0]):
            if any("hubspot_fdw" in b for b in block):
                ours.append((path, block))
            else:
                frames = [re.sub(r"^\s*(at|by) 0x[0-9A-F]+: ", "", b) for b in block[1:]
                          if re.search(r"(at|by) 0x", b)]
                frames = [f.split(" (")[0] for f in frames
                          if not re.match(r"(malloc|calloc|realloc|strdup|operator new)\b", f)]
                kind = re.sub(r"[0-9,]+ (\(.*\) )?bytes in [0-9,]+ blocks", "N bytes", block[0])
                kind = re.sub(r" in loss record .*", "", kind)
                theirs[kind[:50] + " <- " + " <- ".join(frames[:3])] += 1
        block = []
print("valgrind: %d reports in the wrapper's code, %d in PostgreSQL's own (not failed on), %d logs"
      % (len(ours), sum(theirs.values()), len(glob.glob(sys.argv[1] + "/vg.*.log"))))
for what, n in theirs.most_common(8):
    print("  %4d x %s" % (n, what))
for path, block in ours[:20]:
    print("---", path)
    print("\n".join(block))
sys.exit(1 if ours else 0)
PY
