#!/bin/bash
# Fault injection: cgroup writes failing with EBUSY, EINVAL, ENOSPC and EACCES (tests/fuzz/fault-write.c, an
# LD_PRELOAD shim that fails write() on paths matching a pattern, switched on and off while the agent runs);
# a full disk under the ledger (state_dir on a small tmpfs in a mount namespace of the agent's own); the policy
# directory disappearing; the control socket's directory removed. Each must give a clear error, the agent
# keeps serving, and no task or usage record is lost.
. "$(dirname "$0")/lib.sh"
need_root
command -v cc >/dev/null || skip_all "no C compiler for the fault shim"
plan 48

SHIM=$T_TMP/fault-write.so
cc -shared -fPIC -o "$SHIM" "$top_srcdir/tests/fuzz/fault-write.c" || { echo "Bail out! cannot build the shim"; exit 1; }
FAULTS=$T_TMP/faults
: >"$FAULTS"
fault() { printf '%s\n' "$@" >"$FAULTS"; } # fault "GLOB ERRNO"...; fault (no argument): none
healthy() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$T_PORT/healthz")" = 200 ]; }

write_config
sed -i "s|^control_socket = .*|control_socket = $T_TMP/run/control.sock|" "$T_TMP/cgmeter.ini"
T_SOCK=$T_TMP/run/control.sock
printf '[policy]\nnamespaces = pid mount\n[memory]\nlimit = 64M\n' >"$T_TMP/policies.d/lim.ini"
# an ASan build wants its runtime first in the library list: the shim does not touch ASan's interceptors
T_AGENT_WRAP="env LD_PRELOAD=$SHIM CGM_FAULT_FILE=$FAULTS ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
start_agent || { echo "Bail out! agent did not start"; exit 1; }

# ---- 1. cgroup writes failing: a launch is refused with the file and the kernel's reason, nothing is left
declare -A text=([EBUSY]="Device or resource busy" [EINVAL]="Invalid argument" [ENOSPC]="No space left on device"
        [EACCES]="Permission denied")
for e in EBUSY EINVAL ENOSPC EACCES; do
        fault "*/memory.limit_in_bytes $e" "*/memory.max $e"
        out=$(cli run --policy lim -- sleep 30 2>&1); rc=$?
        is "$rc" 1 "$e on memory.limit_in_bytes: the launch is refused (exit 1)"
        contains "$out" "${text[$e]}" "$e: the error names the kernel's reason"
        is "$(leftover_task_cgroups lim | wc -l)" 0 "$e: no task cgroup is left behind"
done
# the launcher's join of the task cgroup (the pid written to cgroup.procs between clone and exec)
fault "*/cgroup.procs EACCES"
out=$(cli run --policy lim -- sleep 30 2>&1); rc=$?
is "$rc" 1 "EACCES on cgroup.procs: the launch is refused (exit 1)"
contains "$out" "Permission denied" "EACCES: the error names the kernel's reason"
wait_for 5 '[ "$(leftover_task_cgroups lim | wc -l)" = 0 ]'; ok $? "EACCES on cgroup.procs: nothing is left behind"
fault
healthy; ok $? "the agent keeps serving after the failed launches"
id=$(cli run --policy lim -- sleep 300); ok $? "with the fault gone the same launch works"
lim=$(cat "$(cg_dir memory "lim/$id")/memory.limit_in_bytes")
is "$lim" 67108864 "and the limit is in place"

# pause and resume with the freezer failing: refused, the task keeps running, later calls work
fault "*/cgroup.freeze EBUSY" "*/freezer.state EBUSY"
out=$(cli pause "$id" 2>&1); rc=$?
[ $rc != 0 ]; ok $? "pause with the freezer failing is refused"
contains "$out" "Device or resource busy" "and says why"
is "$(task_field "$id" .frozen)" false "the task is not reported frozen"
fault
cli pause "$id" >/dev/null && cli resume "$id" >/dev/null; ok $? "pause and resume work again"

# a live update whose write fails: the reload reports it, the task keeps its limit
fault "*/memory.limit_in_bytes EBUSY" "*/memory.max EBUSY"
printf '[policy]\nnamespaces = pid mount\n[memory]\nlimit = 96M\n' >"$T_TMP/policies.d/lim.ini"
out=$(cli reload 2>&1)
contains "$out" "keeps its previous limits: memory.limit_in_bytes: cannot write \"100663296\": Device or resource busy" \
        "a live update that fails is reported by reload, with the kernel's reason"
case $out in *memory.limit_in_bytes* | *memory.max*) pass "and names the file" ;; *) fail "and names the file" ;; esac
is "$(cat "$(cg_dir memory "lim/$id")/memory.limit_in_bytes")" 67108864 "the task keeps its previous limit"
fault
cli reload >/dev/null
is "$(cat "$(cg_dir memory "lim/$id")/memory.limit_in_bytes")" 100663296 "the next reload applies it"

# ---- 2. the policy directory disappears: reload and SIGHUP refuse, the previous set stays
mv "$T_TMP/policies.d" "$T_TMP/policies.gone"
out=$(cli reload 2>&1); rc=$?
is "$rc" 1 "reload with the policy directory gone is refused (exit 1)"
contains "$out" "$T_TMP/policies.d" "and names the directory"
kill -HUP "$T_AGENT_PID"; sleep 0.3
healthy; ok $? "SIGHUP with the directory gone: the agent keeps serving"
out=$(cli policies); contains "$out" "lim" "the previous policies stay in force"
id2=$(cli run --policy lim -- sleep 300); ok $? "and launches still work"
mv "$T_TMP/policies.gone" "$T_TMP/policies.d"

# ---- 3. the control socket's directory removed
rm -rf "$T_TMP/run"
out=$(cli ps 2>&1); rc=$?
is "$rc" 3 "the client reports the agent unreachable (exit 3)"
contains "$out" "$T_SOCK" "and names the socket"
healthy; ok $? "the read-only listener keeps serving"
contains "$(http_ro /metrics)" "container_memory_usage_bytes{" "metrics still include the tasks"
kill -HUP "$T_AGENT_PID"
wait_for 5 '[ -S "$T_SOCK" ]'; r=$?
ok $r "after SIGHUP the control socket is back"
[ -S "$T_SOCK" ] && { cli kill --all "$id" KILL >/dev/null; cli kill --all "$id2" KILL >/dev/null; }
kill -KILL $(cat "$(cg_dir memory "lim/$id")/cgroup.procs" "$(cg_dir memory "lim/$id2")/cgroup.procs" 2>/dev/null) 2>/dev/null
stop_agent
: >"$T_TMP/agent.log"

# ---- 4. a full disk under the ledger: state_dir on a 4 MiB tmpfs in the agent's own mount namespace
rm -rf "$T_TMP/run" "$T_TMP/state"; mkdir -p "$T_TMP/run" "$T_TMP/state"
printf '#!/bin/sh\nmount -t tmpfs -o size=4M cgmeter-faults "$1" || exit 1\nshift\nexec "$@"\n' >"$T_TMP/wrap.sh"
chmod +x "$T_TMP/wrap.sh"
T_AGENT_WRAP="unshare -m --propagation private $T_TMP/wrap.sh $T_TMP/state"
start_agent || { echo "Bail out! agent did not start in its mount namespace"; exit 1; }
in_ns() { nsenter -t "$T_AGENT_PID" -m "$@"; }
a=$(cli run --policy lim --name before-full -- sleep 1); ok $? "a task starts while the disk has room"
b=$(cli run --policy lim -- sleep 2); ok $? "and a second one"
in_ns sh -c "dd if=/dev/zero of=$T_TMP/state/fill bs=64k >/dev/null 2>&1; sync"
free=$(in_ns df --output=avail "$T_TMP/state" | tail -1 | tr -d ' ')
is "$free" 0 "the state directory's filesystem is full"
wait_for 10 'grep -q "cannot write its usage record" "$T_TMP/agent.log"'; ok $? "the ledger write fails with a clear error"
grep "cannot write its usage record" "$T_TMP/agent.log" | head -2 | sed 's/^/#   /'
healthy; ok $? "the agent keeps serving on a full disk"
out=$(cli run --policy lim -- sleep 1 2>&1); rc=$?
is "$rc" 1 "a launch on a full disk is refused (its state cannot be recorded)"
contains "$out" "No space left on device" "with ENOSPC in the message"
wait_for 10 '[ "$(leftover_task_cgroups lim | wc -l)" = 2 ]'; ok $? "and leaves no cgroup (only the two pending tasks' remain)"
in_ns rm -f "$T_TMP/state/fill"
wait_for 15 'http_ctl GET /v1/usage | grep -q "\"$a\""'; ok $? "with room again the pending record is written"
wait_for 15 'http_ctl GET /v1/usage | grep -q "\"$b\""'; ok $? "and the second task's record too"
wait_for 10 '[ -z "$(leftover_task_cgroups lim)" ]'; ok $? "then the task cgroups are removed"
n=$(http_ctl GET /v1/usage | head -1 | jq --arg a "$a" --arg b "$b" '[.records[] | select(.id == $a or .id == $b)] | length')
is "$n" 2 "exactly one record for each task (nothing counted twice)"
done_testing
