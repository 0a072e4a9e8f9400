#!/bin/bash
# Pause and resume through the freezer: a frozen task makes no CPU progress, resumes, the state survives an agent
# restart, calls are idempotent, frozen time is counted, a policy pauses as a whole.
. "$(dirname "$0")/lib.sh"
need_root
plan 20

write_config
printf '[policy]\nnamespaces = pid mount\n' >"$T_TMP/policies.d/work.ini"
printf '[policy]\nnamespaces = pid mount\nscope = policy\n[freezer]\nstate = frozen\n' >"$T_TMP/policies.d/cold.ini"
start_agent || { echo "Bail out! agent did not start"; exit 1; }
usage() { cat "$(cg_dir cpuacct "$1")/cpuacct.usage"; }

id=$(cli run --policy work --name spin -- /bin/sh -c 'while :; do :; done')
sleep 0.3
out=$(cli pause spin); ok $? "cgmeter pause succeeds"
is "$(task_field "$id" .frozen)" true "the task is reported frozen"
is "$(awk '$1 == "frozen" {print $2}' "$(cg_dir unified "work/$id")/cgroup.events")" 1 "the kernel says frozen (cgroup.events)"
u0=$(usage "work/$id"); sleep 1; u1=$(usage "work/$id")
is "$u1" "$u0" "a frozen CPU-bound task makes no CPU progress over 1 s"
cli pause spin >/dev/null; ok $? "pausing again is fine (idempotent)"
cli resume spin >/dev/null; ok $? "cgmeter resume succeeds"
is "$(task_field "$id" .frozen)" false "the task is reported running"
sleep 0.5; u2=$(usage "work/$id")
[ "$u2" -gt "$u1" ]; ok $? "it makes progress again after resume"
fs=$(task_field "$id" .frozen_seconds)
awk -v f="$fs" 'BEGIN { exit !(f >= 0.9 && f < 5) }'; ok $? "frozen time is counted ($fs s)"
cli resume spin >/dev/null; ok $? "resuming again is fine (idempotent)"

# many pause/resume calls at once on one task: served one by one, the last word wins, nothing breaks
jobs_=()
for i in $(seq 20); do
        if [ $((i % 2)) = 0 ]; then cli pause "$id" >/dev/null 2>&1 & else cli resume "$id" >/dev/null 2>&1 & fi
        jobs_+=($!)
done
wait "${jobs_[@]}" # not a bare wait: the agent is a background job of this shell too
cli resume "$id" >/dev/null; is "$(task_field "$id" .frozen)" false "concurrent pause/resume calls leave a consistent state"
is "$(awk '$1 == "frozen" {print $2}' "$(cg_dir unified "work/$id")/cgroup.events")" 0 "and the kernel agrees"

# frozen before a restart is still frozen after it
cli pause "$id" >/dev/null
kill -KILL "$T_AGENT_PID"; wait "$T_AGENT_PID" 2>/dev/null; T_AGENT_PID=
start_agent
is "$(task_field "$id" .frozen)" true "a task frozen before an agent restart is reported frozen after it"
cli resume "$id" >/dev/null; ok $? "and can be resumed by the new agent"

# a policy as a whole; a policy that starts its tasks frozen
a=$(cli run --policy cold -- sleep 60); b=$(cli run --policy cold -- sleep 60)
is "$(task_field "$a" .frozen) $(task_field "$b" .frozen)" "true true" "[freezer] state = frozen starts tasks frozen"
out=$(cli resume --policy cold); contains "$out" "2 task(s) of policy cold thawed" "resume --policy thaws every task of the policy"
is "$(task_field "$a" .frozen) $(task_field "$b" .frozen)" "false false" "both are running"

cli kill --all "$id" KILL >/dev/null
wait_for 5 '[ "$(task_field "$id" .state)" = ended ]'
r=$(curl -sS --unix-socket "$T_SOCK" -X POST -w '%{http_code}' -o /dev/null "http://cgmeterd/v1/tasks/$id/pause")
is "$r" 409 "pausing an ended task is refused (409)"
m=$(http_ro /metrics)
contains "$m" "cgmeter_task_frozen{id=\"/$T_ROOT/cold/$a\"" "the frozen flag is a metric"
contains "$m" "cgmeter_task_frozen_seconds_total{id=\"/$T_ROOT/work/$id\"" "frozen time is a metric"
cli kill --all "$a" KILL >/dev/null; cli kill --all "$b" KILL >/dev/null
done_testing
