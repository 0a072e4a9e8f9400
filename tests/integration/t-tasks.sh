#!/bin/bash
# Tasks on this host's real cgroups: launch into namespaces, limits enforced by the kernel, failure paths leave
# nothing behind, and a restarted agent re-adopts running tasks.
. "$(dirname "$0")/lib.sh"
need_root
plan 40

write_config
P=$T_TMP/policies.d
cat >"$P/plain.ini" <<'INI'
[policy]
namespaces = mount uts ipc pid net cgroup
hostname = box
INI
cat >"$P/mem.ini" <<'INI'
[memory]
limit = 32M
swap_limit = 32M
INI
cat >"$P/cpu.ini" <<'INI'
[cpu]
quota = 0.5
INI
cat >"$P/dev.ini" <<'INI'
[devices]
default = allow
deny = c 1:3 rwm
INI
cat >"$P/pids.ini" <<'INI'
[policy]
namespaces =
[pids]
max = 8
INI
cat >"$P/pin.ini" <<'INI'
[policy]
namespaces = pid mount
[cpuset]
cpus = 1
mems = 0
INI
cat >"$P/shared.ini" <<'INI'
[policy]
scope = policy
namespaces =
[pids]
max = 1
INI
start_agent || { echo "Bail out! agent did not start"; exit 1; }

# --- launch, exit status, namespaces
out=$(cli run --policy plain --wait -- /bin/sh -c 'exit 3'); is "$?" 3 "run --wait exits with the task's status"
id=$(cli run --policy plain --name sleeper -- sleep 30); ok $? "run prints a task id"
wait_for 5 '[ "$(task_field "$id" .pid)" != null ]' 
pid=$(task_field "$id" .pid)
diffs=0; for ns in mnt uts ipc pid net cgroup; do
        [ "$(readlink /proc/$pid/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ] || { diffs=1; diag "ns $ns shared"; }
done
ok $diffs "the six requested namespaces differ from the agent's"
[ "$(readlink /proc/$pid/ns/user)" = "$(readlink /proc/self/ns/user)" ] && [ "$(readlink /proc/$pid/ns/time)" = "$(readlink /proc/self/ns/time)" ]
ok $? "user and time namespaces, not requested, are shared"
is "$(nsenter -t "$pid" -u hostname)" box "the hostname is set in the new uts namespace"
contains "$(nsenter -t "$pid" -n ip -o link show lo)" "UP" "loopback is up in the new net namespace"
is "$(cat "$(cg_dir pids "plain/$id")/cgroup.procs" | wc -l)" 2 "init and the command are in the task's pids cgroup"
grep -qx "$pid" "$(cg_dir memory "plain/$id")/cgroup.procs"; ok $? "the task is in its memory cgroup (below the agent's own)"
grep -qx "$pid" "$(cg_dir unified "plain/$id")/cgroup.procs"; ok $? "the task is in its unified cgroup"
out=$(cli ps); contains "$out" "sleeper" "ps lists the running task by name"
cli kill sleeper KILL; ok $? "kill by name"
wait_for 5 '[ "$(task_field "$id" .state)" = ended ]' ; ok $? "the task ends after kill"
is "$(task_field "$id" .exit.signal)" 9 "the exit is reported as signal 9"
[ ! -d "$(cg_dir pids "plain/$id")" ] && [ ! -d "$(cg_dir unified "plain/$id")" ]; ok $? "an ended task's cgroups are removed"

# --- enforcement: memory
cli run --policy mem --wait -- dd if=/dev/zero of=/dev/null bs=100M count=1 >/dev/null 2>&1; rc=$?
is "$rc" 137 "a task allocating 100M under a 32M limit is OOM-killed"

# --- enforcement: cpu quota 0.5
id=$(cli run --policy cpu -- /bin/sh -c 'while :; do :; done')
f=$(cg_dir cpuacct "cpu/$id")/cpuacct.usage
is "$(cat "$(cg_dir cpu "cpu/$id")/cpu.cfs_quota_us")" 50000 "quota 0.5 is cpu.cfs_quota_us 50000"
sleep 0.5; u0=$(cat "$f"); t0=$(date +%s%N); sleep 2; u1=$(cat "$f"); t1=$(date +%s%N)
ratio=$(awk -v u=$((u1 - u0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.3f", u / t }')
diag "cpu used over 2 s: $ratio CPUs"
awk -v r="$ratio" 'BEGIN { exit !(r <= 0.55 && r > 0.3) }'; ok $? "a CPU-bound task with quota 0.5 gets at most 0.55 CPU ($ratio)"
cli kill "$id" KILL >/dev/null

# --- enforcement: devices
cli run --policy dev --wait -- /bin/sh -c 'echo x > /dev/null' >/dev/null 2>&1; rc=$?
is "$rc" 2 "a denied device (/dev/null) cannot be opened"
cli run --policy dev --wait -- /bin/sh -c 'echo x > /dev/zero'; is "$?" 0 "an allowed device can"

# --- enforcement: pids
id=$(cli run --policy pids -- /bin/sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do sleep 3 & done; wait')
sleep 1
cur=$(cat "$(cg_dir pids "pids/$id")/pids.current")
[ "$cur" -le 8 ]; ok $? "pids.max 8 caps a fork loop (pids.current $cur)"
ev=$(awk '$1 == "max" {print $2}' "$(cg_dir pids "pids/$id")/pids.events")
[ "${ev:-0}" -gt 0 ]; ok $? "pids.events counts refused forks ($ev)"
cli kill --all "$id" KILL >/dev/null

# --- enforcement: cpuset
id=$(cli run --policy pin --wait -- /bin/sh -c 'grep Cpus_allowed_list /proc/self/status'); rc=$?
log=$(cat "$T_TMP"/state/logs/*.log)
contains "$log" "Cpus_allowed_list:	1" "cpuset cpus = 1 pins the task to CPU 1"

# --- failure paths: nothing left behind
out=$(cli run --policy plain -- /nonexistent/cmd 2>&1); rc=$?
is "$rc" 1 "a missing command is refused (exit 1)"
contains "$out" "launch failed at exec: No such file or directory" "the error names the step and errno"
is "$(leftover_task_cgroups plain)" "" "a failed launch leaves no cgroup"
out=$(cli run --policy nosuch -- true 2>&1); contains "$out" "unknown policy 'nosuch'" "an unknown policy is refused"
out=$(cli run --policy plain --name ../../x -- true 2>&1); contains "$out" "invalid task name" "a name with a path is refused"
# a policy naming a device that does not exist is refused at reload, with file:line, and changes nothing
printf '[blkio]\nread_bps = /dev/nosuchdisk 10M\n' >"$P/nodev.ini"
out=$(cli reload 2>&1); rc=$?
is "$rc" 1 "a policy with an unknown device is refused at reload"
contains "$out" "nodev.ini:2: blkio.read_bps: device /dev/nosuchdisk" "the error names file:line and the device"
rm "$P/nodev.ini"
# the block IO weight: blkio.weight does not exist with mq-deadline, BFQ's blkio.bfq.weight is used then
printf '[policy]\nnamespaces = pid mount\n[blkio]\nweight = 500\n' >"$P/weight.ini"
cli reload >/dev/null
id=$(cli run --policy weight -- sleep 5); ok $? "a policy with a block IO weight starts"
w=$(cat "$(cg_dir blkio "weight/$id")/blkio.bfq.weight" 2>/dev/null || cat "$(cg_dir blkio "weight/$id")/blkio.weight")
is "$(echo "$w" | awk '{print $NF}')" 500 "the weight is in force (blkio.bfq.weight or blkio.weight)"
cli kill --all "$id" KILL >/dev/null
wait_for 5 '[ "$(leftover_task_cgroups weight)" = "" ]'; ok $? "and its cgroup is removed when it ends"
# scope = policy with pids.max 1: the first task fills the policy, the next cannot fork its command
id1=$(cli run --policy shared -- sleep 30)
cli run --policy shared --wait -- /bin/sh -c '/bin/true; /bin/true' >/dev/null 2>&1; rc=$?
[ "$rc" -ne 0 ]; ok $? "a task in an exhausted pids policy fails ($rc)"
wait_for 5 '[ "$(leftover_task_cgroups shared | wc -l)" = 1 ]' ; ok $? "and leaves no cgroup behind"
cli kill "$id1" KILL >/dev/null

# --- the agent dies, tasks live on, a new agent re-adopts them
id=$(cli run --policy plain --name survivor -- /bin/sh -c 'while :; do :; done')
sleep 0.5
kill -KILL "$T_AGENT_PID"; wait "$T_AGENT_PID" 2>/dev/null; T_AGENT_PID=
[ -d "$(cg_dir pids "plain/$id")" ] && [ -n "$(cat "$(cg_dir pids "plain/$id")/cgroup.procs")" ]
ok $? "after SIGKILL of the agent the task keeps running"
start_agent; ok $? "a new agent starts"
is "$(task_field "$id" .name)" survivor "the new agent lists the task by its name"
is "$(task_field "$id" .adopted)" true "and marks it adopted"
c0=$(task_field "$id" .usage.cpu_seconds); sleep 1; c1=$(task_field "$id" .usage.cpu_seconds)
awk -v a="$c0" -v b="$c1" 'BEGIN { exit !(b > a) }'; ok $? "its usage keeps counting ($c0 -> $c1 s)"
cli kill --all "$id" KILL >/dev/null
wait_for 5 '[ "$(task_field "$id" .state)" = ended ]' ; ok $? "an adopted task's end is detected"
done_testing
