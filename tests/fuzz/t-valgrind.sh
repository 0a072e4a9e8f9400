#!/bin/bash
# The agent under valgrind (memcheck) through one short scenario: launch, ps, pause, resume, kill, reload,
# usage, metrics, a task that ends by itself, then SIGTERM. Passes when valgrind reports no error and
# "definitely lost: 0 bytes". Run by tests/hardening.sh (top_builddir must point at a normal, non-ASan build).
. "$(dirname "$0")/../integration/lib.sh"
need_root
command -v valgrind >/dev/null || skip_all "valgrind not installed (apt-get install valgrind)"
plan 15

write_config
printf '[policy]\nnamespaces = pid mount\n[memory]\nlimit = 64M\n[pids]\nmax = 32\n' >"$T_TMP/policies.d/work.ini"
VG_LOG=$T_TMP/valgrind.log
# valgrind 3.19 does not know clone3: the launcher falls back to clone() and writes the task's pid into its
# unified cgroup itself (agent/launch.h)
valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 --track-fds=no \
        --suppressions="$top_srcdir/tests/fuzz/valgrind.supp" \
        --log-file="$VG_LOG" "$CGMETERD" -c "$T_TMP/cgmeter.ini" >>"$T_TMP/agent.log" 2>&1 &
T_AGENT_PID=$!
up=1
for _ in $(seq 600); do # valgrind starts slowly: up to 60 s
        curl -fsS "http://127.0.0.1:$T_PORT/healthz" >/dev/null 2>&1 && { up=0; break; }
        kill -0 "$T_AGENT_PID" 2>/dev/null || break
        sleep 0.1
done
ok $up "cgmeterd starts under valgrind"
[ $up = 0 ] || { sed 's/^/#   /' "$T_TMP/agent.log" "$VG_LOG" | tail -30; exit 1; }

id=$(cli run --policy work --name vg -- /bin/sh -c 'while :; do sleep 0.1; done' 2>"$T_TMP/run.err")
ok $? "run (valgrind has no clone3: the launcher's clone() fallback joins the unified cgroup itself)"
[ -s "$T_TMP/run.err" ] && sed 's/^/#   /' "$T_TMP/run.err"
short=$(cli run --policy work -- /bin/true); ok $? "run a task that ends by itself"
out=$(cli ps); contains "$out" "$id" "ps lists the task"
cg=$(cg_dir unified "work/$id")
[ -n "$id" ] && [ -d "$cg" ] && grep -qx "[0-9][0-9]*" "$cg/cgroup.procs"
ok $? "the task is in its unified cgroup"
cli pause "$id" >/dev/null; ok $? "pause"
cli resume "$id" >/dev/null; ok $? "resume"
cli reload >/dev/null; ok $? "reload"
m=$(http_ro /metrics); contains "$m" "cgmeter_build_info" "metrics"
cli kill --all "$id" KILL >/dev/null; ok $? "kill"
wait_for 60 '[ "$(task_field "$id" .state)" = ended ] && [ "$(task_field "$short" .state)" = ended ]'
ok $? "both tasks end"
u=$(http_ctl GET /v1/usage); contains "$u" "\"$short\"" "usage has the short task's record"

# SIGTERM: valgrind writes its summary when the agent exits
kill -TERM "$T_AGENT_PID"
rc=0
for _ in $(seq 300); do kill -0 "$T_AGENT_PID" 2>/dev/null || break; sleep 0.1; done
wait "$T_AGENT_PID" || rc=$?
T_AGENT_PID=
is "$rc" 0 "the agent exits 0 on SIGTERM under valgrind (99 = valgrind found errors)"
# no leak at all: valgrind prints "All heap blocks were freed" and no "definitely lost" line
dl=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$VG_LOG" | tr -d , | head -1)
is "${dl:-0}" 0 "definitely lost: 0 bytes"
errs=$(grep -c 'Invalid \(read\|write\)\|uninitialised\|Invalid free\|Mismatched free\|Conditional jump' "$VG_LOG")
is "$errs" 0 "no invalid access or use of uninitialised memory"
cp "$VG_LOG" "$top_builddir/valgrind-agent.log" 2>/dev/null
[ "$rc" = 0 ] && [ "$errs" = 0 ] && [ "${dl:-0}" = 0 ] || sed 's/^/#   /' "$VG_LOG" | head -80
done_testing
