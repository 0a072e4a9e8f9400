#!/bin/sh
# Runs INSIDE the pure cgroup-v2 VM (busybox sh, full root with CAP_SYS_RESOURCE, on the root cgroup): OOM kills
# seen through memory.events (one event per kill, equal to the kernel's oom_kill), a CPU pressure trigger on
# cpu.pressure with a 1 s window (kept as written: the agent has CAP_SYS_RESOURCE here) that freezes its task
# and runs a hook, and /v1/events followed by `cgmeter events --follow`.
n=0
plan() { echo "1..$1"; }
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
is() { if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   expected: $2"; echo "#   actual:   $1"; fi; }
wait_until() { # wait_until TENTHS CONDITION
        i=0; while ! eval "$2" >/dev/null 2>&1; do i=$((i + 1)); [ $i -gt "$1" ] && return 1; sleep 0.1; done
}
plan 15

out=$(CMOCKA_MESSAGE_OUTPUT=TAP test_events 2>&1); rc=$?
echo "$out" | sed 's/^/#   /' | grep -v '^#   ok ' | head -40
ok $rc "test_events passes in the VM ($(echo "$out" | grep -c '^ok ') cases)"

mkdir -p /etc/cgmeter/policies.d /var/lib/cgmeter
cat >/etc/cgmeter/cgmeter.ini <<'INI'
[agent]
log_level = debug
[http]
listen = 127.0.0.1:9750
INI
P=/etc/cgmeter/policies.d
printf '[policy]\nnamespaces = pid mount\n[memory]\nlimit = 32M\n[oom]\naction = record\n' >$P/hog.ini
printf '#!/bin/sh\ncat >>/tmp/hook.out\n' >/tmp/hook.sh
chmod +x /tmp/hook.sh
printf '[policy]\nnamespaces = pid mount\nhook = /tmp/hook.sh\n[cpu]\nquota = 0.2\n[pressure]\ncpu = some 100ms 1s -> freeze\ncpu = some 100ms 1s -> hook\n' >$P/cpuhog.ini
cgmeterd >/tmp/agent.log 2>&1 &
agent=$!
wait_until 100 'wget -qO /dev/null http://127.0.0.1:9750/healthz'
ok $? "cgmeterd starts on the pure v2 host"
count() { cgmeter --json events | jq --arg t "$1" --arg k "$2" '[.[] | select(.task == $t and .kind == $k)] | length'; }

HOG='dd if=/dev/zero of=/dev/null bs=100M count=1'
id=$(cgmeter run --policy hog -- sh -c "for i in 1 2 3; do $HOG; done; exec sleep 60")
d=/sys/fs/cgroup/cgmeter/hog/$id
wait_until 300 "[ \"\$(awk '/^oom_kill /{print \$2}' $d/memory.events)\" = 3 ]"
ok $? "the kernel killed three hogs (memory.events oom_kill = 3)"
wait_until 50 "[ \"\$(count $id oom_kill)\" -ge 3 ]"
sleep 0.5
is "$(count "$id" oom_kill)" 3 "exactly one oom_kill event per kill, from memory.events"
is "$(count "$id" oom)" 0 "no 'oom' event without a kill"
wget -qO - http://127.0.0.1:9750/metrics >/tmp/metrics
grep -q '^cgmeter_oom_events_total{kind="oom_kill"} 3$' /tmp/metrics; ok $? "cgmeter_oom_events_total{kind=oom_kill} is 3"
is "$(awk -v id="/cgmeter/hog/$id" 'index($0, "container_oom_events_total{id=\"" id "\"") == 1 {print $NF}' /tmp/metrics)" 3 \
        "container_oom_events_total equals the kernel's counter"
cgmeter kill --all "$id" KILL >/dev/null

cgmeter --json events --follow >/tmp/follow.out 2>&1 &
follower=$!
sleep 0.5
id2=$(cgmeter --json run --policy hog --wait -- $HOG | jq -r .id)
wait_until 50 '[ -s /tmp/follow.out ]'
is "$(head -1 /tmp/follow.out | jq -r '"\(.task) \(.kind)"')" "$id2 oom_kill" "cgmeter events --follow streams the next kill"
kill $follower 2>/dev/null
is "$(count "$id2" oom_kill)" 1 "a task ended by its OOM kill has exactly one event"

t0=$(date +%s)
cid=$(cgmeter run --policy cpuhog -- sh -c 'while :; do :; done')
wait_until 20 "[ \"\$(count $cid pressure)\" -ge 1 ]"
ok $? "a cpu pressure event arrives within one window (1 s) + 1 s"
is "$(cgmeter --json events | jq -r --arg t "$cid" '[.[] | select(.task == $t)][0] | "\(.resource) \(.level)"')" "cpu some" \
        "the event says cpu, some"
wait_until 50 "[ \"\$(cgmeter --json ps | jq -r --arg t $cid '.[] | select(.id == \$t) | .frozen')\" = true ]"
ok $? "the freeze action leaves the task frozen"
is "$(grep frozen /sys/fs/cgroup/cgmeter/cpuhog/$cid/cgroup.events)" "frozen 1" "cgroup.events says frozen 1"
wait_until 50 '[ -s /tmp/hook.out ]'
head -1 /tmp/hook.out | jq -e --arg t "$cid" '.task == $t and .kind == "pressure"' >/dev/null
ok $? "the hook received the event as valid JSON"
grep -q "rounded up" /tmp/agent.log
[ $? -ne 0 ]; ok $? "with CAP_SYS_RESOURCE the 1 s window is used as written"
cgmeter resume "$cid" >/dev/null
cgmeter kill --all "$cid" KILL >/dev/null
kill $agent; wait $agent
if [ $n -ne 15 ]; then echo "# ran $n tests"; fi
grep -E 'error|warning' /tmp/agent.log | sed 's/^/# agent: /' | head -20
