#!/bin/bash
# perf_event counters per task: a policy with [perf_event] events gets cgmeter_perf_events_total series, one per
# event the host counts, with values that match the task's CPU time; a hardware event the host lacks (cycles in
# a VM) is either counted or logged as unsupported, never both; an ended task's final values stay visible and
# the agent holds no perf fd for it any more.
# On a hybrid host the agent mounts perf_event as v1 under /run/cgmeter; it runs in a mount namespace of its own
# (use_private_mounts) and its cgroups there are removed before that namespace goes.
. "$(dirname "$0")/lib.sh"
need_root
command -v promtool >/dev/null || skip_all "promtool not installed (apt-get install prometheus)"
command -v python3 >/dev/null || skip_all "python3 not installed"
plan 16

use_private_mounts

# Value of the task's series for one event in a scrape, empty when there is none.
perf_value() { # perf_value SCRAPE TASK EVENT
        echo "$1" | awk -v t="task=\"$2\"" -v e="event=\"$3\"" '
                index($0, "cgmeter_perf_events_total{") == 1 && index($0, t) &&
                (index($0, "{" e ",") || index($0, "," e ",") || index($0, "," e "}")) { print $NF; exit }'
}
gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 > b + 0) }'; }
perf_fds() { # what `ls -l /proc/PID/fd | grep -c perf_event` counts: fds that are anon_inode:[perf_event]
        local f
        for f in "/proc/$T_AGENT_PID/fd/"*; do readlink "$f"; done 2>/dev/null | grep -c 'anon_inode:\[perf_event\]'
}
n_cpus() { # the online CPU list, counted
        tr ',' '\n' </sys/devices/system/cpu/online | awk -F- '{ n += (NF == 2 ? $2 - $1 + 1 : 1) } END { print n }'
}
hybrid_unmounted=no
if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] &&
        awk '$1 == "perf_event" { exit !($2 == 0) }' /proc/cgroups; then
        hybrid_unmounted=yes
fi

write_config
printf '[perf_event]\nevents = task-clock context-switches page-faults cycles\n' >"$T_TMP/policies.d/perfpol.ini"
start_agent || { echo "Bail out! agent did not start"; exit 1; }
# about 1 s of CPU time (process time, so a busy machine does not shorten it), then sleeps in a loop
id=$(cli run --policy perfpol --name perf.burn -- python3 -c '
import time
end = time.process_time() + 1.0
while time.process_time() < end:
    pass
while True:
    time.sleep(0.05)
'); ok $? "a task of a policy with [perf_event] events starts"

if [ "$hybrid_unmounted" = yes ]; then
        grep -q "mounted the perf_event hierarchy at /run/cgmeter/cgroup/perf_event" "$T_TMP/agent.log"
        ok $? "on a hybrid host without perf_event mounted, the agent mounts it and says so"
else
        pass "perf_event needs no mount here # SKIP not a hybrid host with perf_event unmounted"
fi

# until the burn is over and the task sleeps (context switches of its own, not only preemption)
tc_over() { gt "$(perf_value "$(http_ro /metrics)" "$id" task-clock)" 9.5e8; }
wait_for 30 tc_over
sleep 0.3
m=$(http_ro /metrics)
tc=$(perf_value "$m" "$id" task-clock)
contains "$m" "cgmeter_perf_events_total{id=\"/$T_ROOT/perfpol/$id\",name=\"perf.burn\",task=\"$id\",policy=\"perfpol\",tenant=\"default\",event=\"task-clock\"} " \
        "a perf series carries id, name, task, policy, tenant and event"
gt "$tc" 5e8; ok $? "task-clock counts the task's CPU time in nanoseconds (${tc:-none} > 0.5e9)"
cpu=$(echo "$m" | awk -v id="/$T_ROOT/perfpol/$id" 'index($0, "container_cpu_usage_seconds_total{id=\"" id "\"") == 1 {print $NF}')
awk -v t="$tc" -v c="$cpu" 'BEGIN { exit !(c > 0 && t >= c * 1e9 * 0.8 && t <= c * 1e9 * 1.2) }'
ok $? "task-clock is within 20% of container_cpu_usage_seconds_total (${tc:-none} ns vs ${cpu:-none} s)"
cs=$(perf_value "$m" "$id" context-switches)
gt "$cs" 0; ok $? "context-switches > 0 (${cs:-none})"
pf=$(perf_value "$m" "$id" page-faults)
gt "$pf" 0; ok $? "page-faults > 0 (${pf:-none})"

cycles=$(perf_value "$m" "$id" cycles)
unsup=$(grep 'perf_event' "$T_TMP/agent.log" | grep 'cycles' | grep 'unsupported' | grep -c -- "$id")
if [ -n "$cycles" ]; then
        is "$unsup" 0 "cycles is counted here (${cycles}), and not logged as unsupported"
        counted=4
else
        is "$unsup" 1 "cycles is not counted here: the agent logs it as unsupported, once for the task"
        counted=3
fi
[ "$unsup" = 1 ] && diag "$(grep 'perf_event' "$T_TMP/agent.log" | grep 'cycles' | grep 'unsupported' | head -1)"
# the task's details say the same: counters by event, and what this host cannot count
j=$(cli --json ps | jq -c --arg id "$id" '.[] | select(.id == $id) | .perf')
if [ -n "$cycles" ]; then want='[]'; else want='["cycles"]'; fi
is "$(echo "$j" | jq -c '.unsupported')" "$want" "the task's details list the events this host cannot count"
is "$(echo "$j" | jq -r '.counters | has("task-clock") and has("context-switches") and has("page-faults")')" true \
        "the task's details carry the counters by event"

family=$(echo "$m" | grep -E '^(# (HELP|TYPE) cgmeter_perf_events_total |cgmeter_perf_events_total\{)')
contains "$family" "# TYPE cgmeter_perf_events_total counter" "cgmeter_perf_events_total is typed as a counter"
out=$(echo "$family" | promtool check metrics 2>&1) && [ -n "$family" ]
ok $? "promtool check metrics passes on cgmeter_perf_events_total"
[ -n "$out" ] && diag "$out"

is "$(perf_fds)" "$((counted * $(n_cpus)))" "the agent holds one perf fd per counted event and online CPU"

last=$(perf_value "$(http_ro /metrics)" "$id" task-clock)
cli kill --all "$id" KILL >/dev/null
wait_for 10 '[ "$(task_field "$id" .state)" = ended ]'
is "$(task_field "$id" .state)" ended "the task ends"
final=$(perf_value "$(http_ro /metrics)" "$id" task-clock)
awk -v f="$final" -v l="$last" 'BEGIN { exit !(f != "" && f + 0 >= l + 0 && f + 0 > 5e8) }'
ok $? "an ended task's final task-clock stays in /metrics (${final:-none} >= ${last:-none})"
wait_for 5 '[ "$(perf_fds)" = 0 ]'
is "$(perf_fds)" 0 "no perf fd is left in the agent once the task has ended"
done_testing
