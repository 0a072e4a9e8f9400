#!/bin/bash
# OOM and pressure events against the real cgroupfs: one event per kernel OOM kill, a CPU pressure trigger that
# freezes its task and runs a hook, /v1/events (since=, follow=1), cgmeter events, and the idle cost of 500
# tasks with watchers.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_root
command -v jq >/dev/null || skip_all "needs jq"
[ -e /sys/fs/cgroup/unified/cgroup.procs ] || [ -e /sys/fs/cgroup/cgroup.procs ] ||
        skip_all "needs a unified cgroup tree for PSI triggers"
plan 34

write_config
cat >"$T_TMP/policies.d/hog.ini" <<'INI'
[policy]
namespaces = pid mount
[memory]
limit = 32M
[oom]
action = record
INI
cat >"$T_TMP/hook.sh" <<SH
#!/bin/sh
cat >>"$T_TMP/hook.out"
SH
chmod +x "$T_TMP/hook.sh"
cat >"$T_TMP/policies.d/cpuhog.ini" <<INI
[policy]
namespaces = pid mount
hook = $T_TMP/hook.sh
hook_timeout = 2s
[cpu]
quota = 0.2
[pressure]
cpu = some 100ms 2s -> freeze
cpu = some 100ms 2s -> hook
INI
start_agent || { fail "agent starts"; done_testing; }
pass "agent starts with OOM and pressure policies"

events_json() { http_ctl GET "/v1/events$1" | sed '$d'; }
n_events() { # n_events TASK KIND
        events_json "" | jq --arg t "$1" --arg k "$2" '[.[] | select(.task == $t and .kind == $k)] | length'
}

# --- OOM: three kills inside one task that lives on; each is one event, and the kernel counted three ---
HOG='dd if=/dev/zero of=/dev/null bs=100M count=1'
id=$(cli run --policy hog -- sh -c "for i in 1 2 3; do $HOG; done; exec sleep 60")
ok $? "a task running three memory hogs under a 32M limit starts"
wait_for 20 '[ "$(cat "$(cg_dir memory "hog/$id")/memory.oom_control" | awk "/^oom_kill /{print \$2}")" = 3 ]'
ok $? "the kernel killed three hogs (memory.oom_control oom_kill = 3)"
kernel=$(awk '/^oom_kill /{print $2}' "$(cg_dir memory "hog/$id")/memory.oom_control")
wait_for 5 '[ "$(n_events "$id" oom_kill)" -ge "$kernel" ]'
sleep 0.5 # a late or spurious wake-up would add an event here
is "$(n_events "$id" oom_kill)" "$kernel" "exactly one oom_kill event per kernel kill ($kernel)"
is "$(n_events "$id" oom)" 0 "no 'oom' events: each OOM led to a kill"
is "$(events_json "" | jq -r --arg t "$id" '[.[] | select(.task == $t)][0] | "\(.policy) \(.resource) \(.action) \(.name)"')" \
        "hog memory record $id" "the event names the task, its policy, the resource and the action"
metrics=$(http_ro /metrics)
contains "$metrics" "cgmeter_oom_events_total{kind=\"oom_kill\"} 3" "cgmeter_oom_events_total counts the kills"
contains "$metrics" "container_oom_events_total{id=\"/$T_ROOT/hog/$id\"" "container_oom_events_total has the task"
is "$(echo "$metrics" | awk -v id="/$T_ROOT/hog/$id" 'index($0, "container_oom_events_total{id=\"" id "\"") == 1 {print $NF}')" \
        3 "container_oom_events_total equals the kernel's counter"
cli kill --all "$id" KILL >/dev/null

# --- a task whose main process is the hog: the kill ends it, the event must still be there exactly once ---
id2=$(cli --json run --policy hog --wait -- $HOG | jq -r .id)
wait_for 5 '[ "$(task_field "$id2" .state)" = ended ]'
sleep 0.5
is "$(n_events "$id2" oom_kill)" 1 "a task ended by its OOM kill has exactly one oom_kill event"
is "$(task_field "$id2" .usage.oom_kills)" 1 "its final usage says one OOM kill, as the event log"

# --- actions: kill ends the whole task; restart starts the same request again, restart_max times in a row ---
cat >"$T_TMP/policies.d/killer.ini" <<'INI'
[policy]
namespaces = pid mount
[memory]
limit = 32M
[oom]
action = kill
INI
cat >"$T_TMP/policies.d/again.ini" <<'INI'
[policy]
namespaces = pid mount
[memory]
limit = 32M
[oom]
action = restart
restart_max = 2
restart_backoff = 100ms
INI
cli reload >/dev/null
kid=$(cli run --policy killer -- sh -c "$HOG; exec sleep 60")
wait_for 5 '[ "$(task_field "$kid" .state)" = ended ]'
ok $? "the kill action ends a task whose shell outlived the OOM kill"
cli run --policy again --name phoenix --env MARK=kept -- sh -c "echo \$MARK; $HOG" >/dev/null
wait_for 10 '[ "$(cli --json ps --all | jq "[.[] | select(.name == \"phoenix\")] | length")" = 3 ]'
sleep 1.5 # a fourth start would come after 400 ms
is "$(cli --json ps --all | jq '[.[] | select(.name == "phoenix")] | length')" 3 \
        "restart: the task ran three times (restart_max = 2), then stayed ended"
is "$(events_json "" | jq '[.[] | select(.name == "phoenix" and .kind == "oom_kill" and .action == "restart")] | length')" 3 \
        "each of the three OOM kills is one event with action restart"
is "$(cat "$T_TMP"/state/logs/*.log | grep -c '^kept$')" 3 "the restarted tasks got the same environment"

# --- since= ---
last=$(events_json "" | jq '.[-1].seq')
is "$(events_json "?since=$last" | jq length)" 0 "since=<last seq> returns nothing"
is "$(events_json "?since=$((last - 1))" | jq '.[0].seq')" "$last" "since=<seq> returns the newer events"
is "$(http_ctl GET '/v1/events?since=x' | tail -1)" 400 "since=x is refused with 400"
is "$(cli events --since "$((last - 1))" | awk 'NR == 2 {print $1, $6}')" "$last oom_kill" \
        "cgmeter events --since prints the table"

# --- follow=1: a client gets new events as they happen, one JSON object per line ---
curl -sS -N --max-time 15 --unix-socket "$T_SOCK" 'http://cgmeterd/v1/events?follow=1' >"$T_TMP/follow.out" &
curl_pid=$!
on_exit "kill $curl_pid"
CGMETER_SOCKET=$T_SOCK timeout 15 "$CGMETER" --json events --follow >"$T_TMP/follow-cli.out" &
cli_pid=$!
on_exit "kill $cli_pid"
sleep 0.5
id3=$(cli --json run --policy hog --wait -- $HOG | jq -r .id)
wait_for 5 '[ -s "$T_TMP/follow.out" ]'
ok $? "a follow=1 client receives the new event"
is "$(head -1 "$T_TMP/follow.out" | jq -r '"\(.task) \(.kind) \(.seq)"')" "$id3 oom_kill $((last + 1))" \
        "the streamed line is the event as JSON"
wait_for 5 '[ -s "$T_TMP/follow-cli.out" ]'
is "$(head -1 "$T_TMP/follow-cli.out" | jq -r .task)" "$id3" "cgmeter events --follow prints it as it happens"
kill "$curl_pid" "$cli_pid" 2>/dev/null
wait "$curl_pid" "$cli_pid" 2>/dev/null
is "$(http_ctl GET /healthz | tail -1)" 200 "the agent serves on after its followers went"

# --- CPU pressure: a hog at 0.2 CPU stalls itself; the trigger fires within one window + 1 s ---
t0=$(date +%s.%N)
cid=$(cli run --policy cpuhog -- sh -c 'while :; do :; done')
ok $? "a CPU hog under quota 0.2 with a cpu pressure trigger starts"
wait_for 3 '[ "$(n_events "$cid" pressure)" -ge 1 ]'
ok $? "a cpu pressure event arrives within the window (2 s) + 1 s"
ev=$(events_json "" | jq -c --arg t "$cid" '[.[] | select(.task == $t)][0]')
is "$(echo "$ev" | jq -r '"\(.resource) \(.level)"')" "cpu some" "the event says cpu, some"
awk -v t0="$t0" -v t="$(echo "$ev" | jq .time)" 'BEGIN { exit !(t - t0 <= 3.0) }'
ok $? "its time is within 3 s of the launch"
wait_for 5 '[ "$(task_field "$cid" .frozen)" = true ]'
ok $? "the freeze action leaves the task frozen"
wait_for 5 '[ -s "$T_TMP/hook.out" ]'
head -1 "$T_TMP/hook.out" | jq -e --arg t "$cid" '.task == $t and .kind == "pressure" and .action == "hook"' >/dev/null
ok $? "the hook received the event as valid JSON on stdin"
contains "$(http_ro /metrics)" 'cgmeter_pressure_events_total{resource="cpu",kind="some"}' \
        "cgmeter_pressure_events_total is exported"
cli resume "$cid" >/dev/null
cli kill --all "$cid" KILL >/dev/null

# --- 500 tasks, each with an OOM watcher and a pressure trigger: the idle agent stays under 1 % of a core ---
cat >"$T_TMP/policies.d/idle.ini" <<'INI'
[policy]
namespaces = mount
[memory]
limit = 64M
[pressure]
memory = some 150ms 1s
INI
cli reload >/dev/null
for i in $(seq 500); do cli run --policy idle -- sleep 600 >/dev/null || break; done
is "$(cli --json ps | jq '[.[] | select(.policy == "idle")] | length')" 500 "500 idle tasks with watchers run"
# without CAP_SYS_RESOURCE the kernel wants windows in multiples of 2 s: rounded, and said once for the policy
if (( 0x$(awk '/^CapEff:/ {print $2}' /proc/self/status) & (1 << 24) )); then want=0; else want=1; fi
is "$(grep -c 'policy idle (.*window 1000 ms rounded up to 2000 ms' "$T_TMP/agent.log")" "$want" \
        "a 1 s PSI window is rounded up to 2 s only without CAP_SYS_RESOURCE, logged once for 500 tasks"
# Measured on a restarted agent that re-adopted them (watchers registered again, past counts not new), with
# the default settings (the 1 s memory sampling and the 30 s checkpoints included).
stop_agent
start_agent
is "$(cli --json ps | jq '[.[] | select(.policy == "idle" and .adopted)] | length')" 500 \
        "a restarted agent re-adopts the 500 tasks"
sleep 2
ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$T_AGENT_PID/stat"; }
before=$(ticks)
sleep 10
used=$(( $(ticks) - before ))
hz=$(getconf CLK_TCK)
diag "agent CPU over 10 s with 500 idle tasks: $used ticks at $hz Hz"
[ "$used" -lt $((hz * 10 / 100)) ]
ok $? "the idle agent used under 1% of a core over 10 s ($used of $((hz * 10)) ticks)"
done_testing
