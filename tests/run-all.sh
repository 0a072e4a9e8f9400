#!/bin/bash
# README's second command: install what is missing, build, and run the whole test suite:
# unit and integration tests (make check, as root on this host's real cgroups), the pure cgroup-v2 VM tests,
# the format check and make distcheck. Ends with one line: "N passed, N failed, N skipped".
#   tests/run-all.sh [--quick]   (--quick: skip the VM and distcheck)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
quick=no
[ "${1:-}" = "--quick" ] && quick=yes
cd "$top"

passed=0 failed=0 skipped=0
failures=()
step() { # step NAME CMD...: one pass/fail entry for a whole command
        local name=$1; shift
        echo "=== $name"
        if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$name"); fi
}
# Count every TAP test case automake recorded (one :test-result: line each).
count_trs() {
        local dir=$1 p f s e
        p=$(cat "$dir"/tests/*/*.trs 2>/dev/null | grep -c '^:test-result: PASS\|^:test-result: XFAIL')
        f=$(cat "$dir"/tests/*/*.trs 2>/dev/null | grep -c '^:test-result: FAIL\|^:test-result: XPASS\|^:test-result: ERROR')
        s=$(cat "$dir"/tests/*/*.trs 2>/dev/null | grep -c '^:test-result: SKIP')
        passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
        if [ "$f" -gt 0 ]; then
                failures+=("make check:")
                while read -r t; do failures+=("  $t"); done < <(grep -l '^:test-result: \(FAIL\|ERROR\|XPASS\)' "$dir"/tests/*/*.trs)
        fi
}
count_tap() { # count_tap FILE NAME: count ok / not ok lines of a TAP stream
        local p f s
        p=$(grep -E '^ok [0-9]+' "$1" | grep -vc '# SKIP')
        s=$(grep -Ec '^ok [0-9]+.*# SKIP|^1\.\.0 # SKIP' "$1")
        f=$(grep -Ec '^not ok [0-9]+' "$1")
        passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
        [ "$f" -gt 0 ] && failures+=("$2")
        if ! grep -qE '^1\.\.' "$1"; then failed=$((failed + 1)); failures+=("$2: no TAP plan (did it run?)"); fi
}

echo "=== dependencies"
"$top/tools/deps.sh" --test || { echo "0 passed, 1 failed"; exit 1; }

echo "=== build"
if ! "$top/tools/build.sh"; then echo "0 passed, 1 failed"; exit 1; fi
build=$top/build

echo "=== make check (unit and integration tests)"
rm -f "$build"/tests/*/*.trs "$build"/tests/*/*.log
make -C "$build" -j2 check >"$build/check.out" 2>&1
grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP):' "$build/check.out" | grep -v '^PASS' | head -50
for log in $(grep -l '^:test-result: \(FAIL\|ERROR\)' "$build"/tests/*/*.trs 2>/dev/null); do
        echo "--- ${log%.trs}.log"; grep -Ev "^(ok [0-9]+|PASS: )" "${log%.trs}.log" | tail -120
done
count_trs "$build"

step "make format-check" make -C "$build" -s format-check

# Hardening (sanitizer build, valgrind, short fuzzing runs): a script of its own, TAP on stdout.
if [ -x "$top/tests/hardening.sh" ]; then
        echo "=== hardening"
        "$top/tests/hardening.sh" "$build" >"$build/hardening.tap" 2>"$build/hardening.err"
        rc=$?
        grep -v '^ok ' "$build/hardening.tap" | head -40
        [ $rc -ne 0 ] && tail -20 "$build/hardening.err"
        count_tap "$build/hardening.tap" "hardening"
        [ $rc -ne 0 ] && ! grep -q '^not ok' "$build/hardening.tap" && { failed=$((failed + 1)); failures+=("hardening: exit $rc"); }
fi

if [ "$quick" = no ]; then
        for vm in "$top"/tests/vm/vm-*.sh; do
                [ -x "$vm" ] || continue
                name="vm: $(basename "$vm")"
                echo "=== $name"
                "$vm" "$build" >"$build/$(basename "$vm").tap" 2>"$build/$(basename "$vm").err"
                rc=$?
                cat "$build/$(basename "$vm").tap"
                [ $rc -ne 0 ] && { tail -20 "$build/$(basename "$vm").err"; }
                count_tap "$build/$(basename "$vm").tap" "$name"
                [ $rc -ne 0 ] && ! grep -q '^not ok' "$build/$(basename "$vm").tap" && { failed=$((failed + 1)); failures+=("$name: exit $rc"); }
        done
        step "make distcheck" bash -c "make -C '$build' -s distcheck >'$build/distcheck.out' 2>&1 || { tail -40 '$build/distcheck.out'; exit 1; }"
fi

echo
if [ ${#failures[@]} -gt 0 ]; then echo "failed:"; printf '  %s\n' "${failures[@]}"; fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
