#!/bin/bash
# The integration tests (tests/integration/t-*.sh) once each with the agent under valgrind memcheck
# (T_VALGRIND=1 in tests/integration/lib.sh: --leak-check=full --errors-for-leak-kinds=definite
# --error-exitcode=99, suppressions in tests/fuzz/valgrind.supp). TAP, one line per test script: ok when every
# agent run of the script was clean (no memcheck error; after SIGTERM a leak summary with "definitely lost:
# 0 bytes"). The scripts' own assertions run as well; under valgrind the agent is 10-50 times slower, so their
# failures are shown as "#" lines with the script's line, not taken as its verdict.
#   top_srcdir=SRC top_builddir=BUILD tests/fuzz/t-valgrind-suite.sh [t-NAME.sh ...]
# Needs root and valgrind; BUILD must hold a normal build (not ASan). Logs and each script's TAP output are kept
# in BUILD/valgrind-suite/. Run by tests/hardening.sh; about 10 minutes on 2 vCPUs.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
export top_srcdir top_builddir

# Excluded, each for a reason valgrind cannot change (prefer a longer timeout in lib.sh to an exclusion): none.
# t-load.sh runs: under valgrind the agent still answers about 110 /metrics requests a second, above the test's
# bar; t-fleet.sh runs its two agents (in network namespaces of their own) under valgrind too.
declare -A EXCLUDE=()

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 0; }
command -v valgrind >/dev/null || { echo "1..0 # SKIP valgrind not installed (apt-get install valgrind)"; exit 0; }
[ -x "$top_builddir/cgmeterd" ] || { echo "1..0 # SKIP no cgmeterd in $top_builddir"; exit 0; }

if [ $# -gt 0 ]; then tests=("$@"); else
        tests=()
        for t in "$top_srcdir"/tests/integration/t-*.sh; do tests+=("$(basename "$t")"); done
fi
out=$top_builddir/valgrind-suite
rm -rf "$out"
mkdir -p "$out"
echo "1..${#tests[@]}"
n=0 failed=0 t0=$(date +%s)
for t in "${tests[@]}"; do
        n=$((n + 1))
        if [ -n "${EXCLUDE[$t]:-}" ]; then
                echo "ok $n - $t # SKIP excluded: ${EXCLUDE[$t]}"
                continue
        fi
        s0=$(date +%s)
        # a hung script must not eat the CI budget: TERM runs its EXIT trap (agent stop, cgroup cleanup)
        (cd "$top_builddir" && T_VALGRIND=1 T_VG_KEEP="$out/${t%.sh}" \
                timeout --kill-after=60 900 bash "$top_srcdir/tests/integration/$t") >"$out/${t%.sh}.tap" 2>&1
        rc=$?
        secs=$(($(date +%s) - s0))
        tap=$out/${t%.sh}.tap
        if grep -q '^1\.\.0 # SKIP' "$tap"; then
                echo "ok $n - $t # SKIP $(sed -n 's/^1\.\.0 # SKIP //p' "$tap" | head -1)"
                continue
        fi
        vg_ok=$(grep -c '^ok [0-9]* - valgrind: ' "$tap")
        vg_bad=$(grep -c '^not ok [0-9]* - valgrind: ' "$tap")
        t_ok=$(grep '^ok [0-9]' "$tap" | grep -vc ' - valgrind: ')
        t_bad=$(grep '^not ok [0-9]' "$tap" | grep -vc ' - valgrind: ')
        what="$((vg_ok + vg_bad)) agent runs, $vg_bad with valgrind findings; the script's own checks: $t_ok passed, $t_bad failed; exit $rc; $secs s"
        [ $rc = 124 ] && what="$what (timed out)"
        if [ "$vg_bad" = 0 ] && [ "$vg_ok" -gt 0 ]; then
                echo "ok $n - $t: valgrind clean ($what)"
        else
                failed=$((failed + 1))
                echo "not ok $n - $t: valgrind ($what)"
                grep -A60 '^not ok [0-9]* - valgrind: ' "$tap" | grep '^#   ==' | head -60
        fi
        grep '^not ok [0-9]' "$tap" | grep -v ' - valgrind: ' | sed "s/^/# $t under valgrind: /"
        grep '^Bail out!' "$tap" | sed "s/^/# $t: /"
done
echo "# valgrind suite: $(($(date +%s) - t0)) s in all, logs in $out"
exit $((failed > 0))
