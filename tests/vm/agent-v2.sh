#!/bin/sh
# Runs INSIDE the pure cgroup-v2 VM (busybox sh, full root on the root cgroup): the cgroup and launcher test
# programs, then a real cgmeterd: limits read back from the v2 files after launch and after a live update,
# enforcement by the kernel (OOM, cpu.max, BPF device deny, pids.max, cpuset), pause/resume through cgroup.freeze,
# failure paths that leave nothing behind, and re-adoption after SIGKILL of the agent.
n=0
plan() { echo "1..$1"; }
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
is() { if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   expected: $2"; echo "#   actual:   $1"; fi; }
plan 33

# the module tests, each as one line here (their own TAP goes to the log as comments)
for t in test_cgroup_apply test_launch test_collect_parse; do
        out=$(CMOCKA_MESSAGE_OUTPUT=TAP top_srcdir=/test "$t" 2>&1); rc=$?
        echo "$out" | sed 's/^/#   /' | grep -v '^#   ok ' | head -40
        ok $rc "$t passes on pure cgroup v2 ($(echo "$out" | grep -c '^ok ') cases)"
done

mkdir -p /etc/cgmeter/policies.d /var/lib/cgmeter
cat >/etc/cgmeter/cgmeter.ini <<'INI'
[agent]
log_level = debug
[http]
listen = 127.0.0.1:9750
INI
P=/etc/cgmeter/policies.d
printf '[policy]\nnamespaces = mount uts ipc pid net cgroup\n[memory]\nlimit = 64M\nswap_limit = 96M\nsoft_limit = 16M\n[cpu]\nquota = 0.5\nweight = 200\n[cpuset]\ncpus = 0\nmems = 0\n[pids]\nmax = 100\n[devices]\ndefault = allow\ndeny = c 1:3 rwm\n' >$P/lim.ini
printf '[policy]\nnamespaces = pid mount\n[memory]\nlimit = 32M\n' >$P/small.ini
printf '[policy]\nnamespaces =\n[pids]\nmax = 8\n' >$P/forks.ini
cgmeterd >/tmp/agent.log 2>&1 &
agent=$!
i=0; while ! wget -qO /dev/null http://127.0.0.1:9750/healthz 2>/dev/null; do i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.1; done
ok $? "cgmeterd starts on the pure v2 host"
grep -q "cgroup mode v2" /tmp/agent.log; ok $? "it detects the pure v2 mode"
is "$(cat /sys/fs/cgroup/cgmeter/agent/cgroup.procs)" "$agent" "it moved itself into <own>/cgmeter/agent"
field() { cgmeter --json ps --all | jq -r --arg id "$1" ".[] | select(.id == \$id) | $2"; }

id=$(cgmeter run --policy lim -- sleep 60)
d=/sys/fs/cgroup/cgmeter/lim/$id
is "$(cat $d/memory.max)" 67108864 "memory.max is the policy's limit"
is "$(cat $d/memory.swap.max)" 33554432 "memory.swap.max is swap_limit - limit"
is "$(cat $d/memory.low)" 16777216 "memory.low is the soft limit"
is "$(cat $d/cpu.max)" "50000 100000" "cpu.max is quota 0.5"
is "$(cat $d/cpu.weight)" 200 "cpu.weight"
is "$(cat $d/cpuset.cpus)" 0 "cpuset.cpus"
is "$(cat $d/pids.max)" 100 "pids.max"
grep -qx "$(field "$id" .pid)" $d/cgroup.procs; ok $? "the task was cloned into its cgroup (CLONE_INTO_CGROUP)"
sed -i 's/^limit = 64M/limit = 128M/; s/swap_limit = 96M/swap_limit = 160M/; s/quota = 0.5/quota = 1/' $P/lim.ini
cgmeter reload >/dev/null; ok $? "a live update is accepted"
is "$(cat $d/memory.max) $(cat $d/memory.swap.max) $(cat $d/cpu.max)" "134217728 33554432 100000 100000" "the new limits are in the v2 files"

cgmeter pause "$id" >/dev/null && is "$(grep frozen $d/cgroup.events)" "frozen 1" "pause freezes the cgroup (cgroup.events frozen 1)"
u0=$(awk '$1 == "usage_usec" {print $2}' $d/cpu.stat); sleep 1; u1=$(awk '$1 == "usage_usec" {print $2}' $d/cpu.stat)
is "$u1" "$u0" "nothing runs while frozen"
cgmeter resume "$id" >/dev/null && is "$(grep frozen $d/cgroup.events)" "frozen 0" "resume thaws it"
cgmeter kill --all "$id" KILL

cgmeter run --policy small --wait -- dd if=/dev/zero of=/dev/null bs=100M count=1 >/dev/null 2>&1
is "$?" 137 "a task allocating 100M under a 32M memory.max is OOM-killed"
cgmeter run --policy lim --wait -- /bin/sh -c 'echo x > /dev/null' >/dev/null 2>&1
[ "$?" -ne 0 ] && grep -q "/dev/null: Operation not permitted" /var/lib/cgmeter/logs/*.log
ok $? "the BPF device program denies /dev/null (EPERM)"
cgmeter run --policy lim --wait -- /bin/sh -c 'echo x > /dev/zero' >/dev/null 2>&1
is "$?" 0 "and allows /dev/zero"
cgmeter run --policy lim --wait -- /bin/sh -c 'grep Cpus_allowed_list /proc/self/status' >/dev/null
grep -q "Cpus_allowed_list:	0$" /var/lib/cgmeter/logs/*.log; ok $? "cpuset pins the task to CPU 0"
id=$(cgmeter run --policy lim -- /bin/sh -c 'while :; do :; done')
u0=$(awk '$1 == "usage_usec" {print $2}' /sys/fs/cgroup/cgmeter/lim/$id/cpu.stat); sleep 2
u1=$(awk '$1 == "usage_usec" {print $2}' /sys/fs/cgroup/cgmeter/lim/$id/cpu.stat)
echo "# cpu over 2 s with quota 1: $(( (u1 - u0) / 2000 )) ms/s"
[ $((u1 - u0)) -le 2200000 ]; ok $? "cpu.max caps a CPU-bound task (quota 1: $((u1 - u0)) us in 2 s)"
cgmeter kill --all "$id" KILL
id=$(cgmeter run --policy forks -- /bin/sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 3 & done; wait')
sleep 1
[ "$(cat /sys/fs/cgroup/cgmeter/forks/$id/pids.current)" -le 8 ]; ok $? "pids.max caps a fork loop"
cgmeter kill --all "$id" KILL

out=$(cgmeter run --policy lim -- /nonexistent 2>&1)
case "$out" in *"launch failed at exec: No such file or directory"*) ok 0 "a missing command names the step and errno" ;; *) ok 1 "a missing command names the step and errno"; echo "# $out" ;; esac
sleep 0.5
left=$(find /sys/fs/cgroup/cgmeter/lim -mindepth 1 -maxdepth 1 -type d | wc -l)
is "$left" 0 "no task cgroup is left after the failures and kills"

id=$(cgmeter run --policy lim --name survivor -- sleep 60)
kill -KILL $agent; wait $agent 2>/dev/null
[ -n "$(cat /sys/fs/cgroup/cgmeter/lim/$id/cgroup.procs)" ]; ok $? "the task outlives a SIGKILLed agent"
cgmeterd >>/tmp/agent.log 2>&1 &
agent=$!
i=0; while ! wget -qO /dev/null http://127.0.0.1:9750/healthz 2>/dev/null; do i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.1; done
is "$(field "$id" .name) $(field "$id" .adopted)" "survivor true" "a new agent re-adopts it by name"
cgmeter kill --all "$id" KILL
i=0; while [ "$(field "$id" .state)" != ended ] && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
is "$(field "$id" .state)" ended "its end is detected"
[ ! -d /sys/fs/cgroup/cgmeter/lim/$id ]; ok $? "and its cgroup removed"
wget -qO - http://127.0.0.1:9750/metrics | grep -q '^cgmeter_build_info{version=".*",cgroup_mode="v2"} 1'; ok $? "/metrics reports cgroup_mode v2"
wget -qO - http://127.0.0.1:9750/metrics | grep -q '^container_pressure_cpu_waiting_seconds_total{'; ok $? "PSI series are exported from the v2 files"
kill $agent; wait $agent
if [ $n -ne 33 ]; then echo "# ran $n tests"; fi
grep -E 'error|warning' /tmp/agent.log | sed 's/^/# agent: /' | head -20
