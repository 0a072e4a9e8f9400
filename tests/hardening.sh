#!/bin/bash
# Hardening checks, TAP on stdout (tests/run-all.sh runs this and counts the lines):
#  1. the libFuzzer targets (tests/fuzz/build.sh), each run FUZZ_SECONDS (60) on its corpus, two at a time;
#  2. an ASan+UBSan build (--enable-sanitizers) in BUILD_DIR-san, whose `make check` (unit and integration
#     tests) must pass with halt_on_error and leak detection; one TAP line per test program;
#  3. the agent under valgrind through a short scenario (tests/fuzz/t-valgrind.sh), then through every
#     integration test (tests/fuzz/t-valgrind-suite.sh): no error, no definite leak.
#   tests/hardening.sh BUILD_DIR     (BUILD_DIR: a configured, built tree, as tools/build.sh makes)
# Environment: FUZZ_SECONDS (default 60), HARDENING_SKIP="fuzz san valgrind valgrind-suite" to leave parts out.
# About 22 minutes on 2 cores. Logs: BUILD_DIR/tests/fuzz/*.log, BUILD_DIR-san/check.out.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: tests/hardening.sh BUILD_DIR}" && pwd)
san=${build%/}-san
secs=${FUZZ_SECONDS:-60}
skip=" ${HARDENING_SKIP:-} "
n=0

tap() { # tap STATUS DESCRIPTION
        n=$((n + 1))
        if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
tap_skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
targets=(fuzz-policy fuzz-config fuzz-http fuzz-usage fuzz-cgroup)

# ---- 1. fuzzing
fuzz_one() { # fuzz_one TARGET: a run on a scratch copy of the corpus; crashes go to the log dir
        local t=$1 out=$build/tests/fuzz work
        work=$(mktemp -d /tmp/cgmeter-fuzz.XXXXXX)
        "$out/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
                -dict="$top/tests/fuzz/${t#fuzz-}.dict" -artifact_prefix="$out/$t-" \
                "$work" "$top/tests/fuzz/corpus/$t" >"$out/$t.log" 2>&1
        echo $? >"$out/$t.rc"
        rm -rf "$work"
}
if [[ $skip == *" fuzz "* ]]; then
        for t in "${targets[@]}"; do tap_skip "$t: HARDENING_SKIP"; done
elif ! command -v clang >/dev/null; then
        for t in "${targets[@]}"; do tap_skip "$t: clang not installed"; done
elif ! "$top/tests/fuzz/build.sh" "$build" >"$build/fuzz-build.log" 2>&1; then
        sed 's/^/# /' "$build/fuzz-build.log" | tail -20
        for t in "${targets[@]}"; do tap 1 "$t builds"; done
else
        for ((i = 0; i < ${#targets[@]}; i += 2)); do
                fuzz_one "${targets[$i]}" &
                [ $((i + 1)) -lt ${#targets[@]} ] && fuzz_one "${targets[$((i + 1))]}" &
                wait
        done
        for t in "${targets[@]}"; do
                log=$build/tests/fuzz/$t.log
                execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
                cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
                rc=$(cat "$build/tests/fuzz/$t.rc")
                [ "$rc" = 0 ] || grep -E 'ERROR|runtime error|SUMMARY|Test unit written' "$log" | head -5 | sed 's/^/# /'
                tap "$rc" "$t: ${secs}s, ${execs:-0} runs, ${cov:-cov: ?}, no crash, leak or timeout"
        done
fi

# ---- 2. sanitizers
if [[ $skip == *" san "* ]]; then
        tap_skip "ASan+UBSan build: HARDENING_SKIP"
else
        mkdir -p "$san"
        ( cd "$san" && { [ -f Makefile ] || "$top/configure" -q --enable-sanitizers; } && make -j2 >build.out 2>&1 )
        rc=$?
        tap $rc "ASan+UBSan build (--enable-sanitizers) in $san"
        if [ $rc = 0 ]; then
                rm -rf "$san"/tests/*/*.trs "$san"/tests/*/*.log "$san/sanitizer-logs"
                mkdir -p "$san/sanitizer-logs"
                # Halt on the first error; leaks are reported by gcc's LeakSanitizer at exit. Reports go to
                # files (one per process), so a daemon's report at its exit, which no test looks at, counts.
                ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:log_path=$san/sanitizer-logs/asan \
                        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$san/sanitizer-logs/ubsan \
                        make -C "$san" -j2 check >"$san/check.out" 2>&1
                for trs in "$san"/tests/*/*.trs; do
                        [ -f "$trs" ] || continue
                        name=${trs#"$san"/}; name=${name%.trs}
                        p=$(grep -c '^:test-result: PASS' "$trs"); s=$(grep -c '^:test-result: SKIP' "$trs")
                        f=$(grep -c '^:test-result: \(FAIL\|ERROR\|XPASS\)' "$trs")
                        if [ "$f" -gt 0 ]; then
                                grep -E 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error|SUMMARY' \
                                        "${trs%.trs}.log" | head -5 | sed 's/^/# /'
                                tap 1 "sanitizers: $name ($f of $((p + f + s)) failed)"
                        elif [ "$p" = 0 ] && [ "$s" -gt 0 ]; then
                                tap_skip "sanitizers: $name (all $s skipped)"
                        else
                                tap 0 "sanitizers: $name ($p passed, $s skipped)"
                        fi
                done
                reports=$(find "$san/sanitizer-logs" -type f | wc -l)
                if [ "$reports" -gt 0 ]; then
                        for f in $(find "$san/sanitizer-logs" -type f | head -5); do
                                grep -m3 -E 'ERROR|runtime error|SUMMARY|#[0-4] ' "$f" | sed "s|^|# $(basename "$f"): |"
                        done
                fi
                tap $((reports > 0)) "no sanitizer report from any process, agents included ($reports in $san/sanitizer-logs)"
        fi
fi

# ---- 3. valgrind
vg_forward() { # vg_forward PREFIX <<<TAP: each ok / not ok / skip line as one of ours, "#" lines as they are
        local line st d
        while IFS= read -r line; do
                case $line in
                "ok "* | "not ok "*)
                        st=0; [[ $line == not* ]] && st=1
                        d=$(sed -E 's/^(not )?ok [0-9]+ ?-? ?//' <<<"$line")
                        if [[ $d == "# SKIP"* ]]; then tap_skip "$1: ${d#\# SKIP }"
                        elif [[ $d == *" # SKIP"* ]]; then tap_skip "$1: ${d%% # SKIP*}: ${d#* # SKIP }"
                        else tap $st "$1: $d"; fi
                        ;;
                "1..0"*) tap_skip "$1: ${line#*SKIP }" ;;
                "#"*) echo "$line" ;;
                esac
        done
}
if [[ $skip == *" valgrind "* ]]; then
        tap_skip "valgrind scenario: HARDENING_SKIP"
else
        out=$(top_srcdir=$top top_builddir=$build "$top/tests/fuzz/t-valgrind.sh" 2>"$build/valgrind-scenario.err")
        vg_forward valgrind <<<"$out"
fi
# every integration test once with the agent under valgrind (about 10 minutes): HARDENING_SKIP=valgrind-suite
if [[ $skip == *" valgrind "* || $skip == *" valgrind-suite "* ]]; then
        tap_skip "valgrind suite: HARDENING_SKIP"
else
        out=$(top_srcdir=$top top_builddir=$build "$top/tests/fuzz/t-valgrind-suite.sh" 2>"$build/valgrind-suite.err")
        vg_forward "valgrind suite" <<<"$out"
fi

echo "1..$n"
