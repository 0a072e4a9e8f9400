#!/bin/bash
# /metrics: cAdvisor names per task, values equal to the kernel's counters, Prometheus text and OpenMetrics by
# content negotiation, promtool-clean.
. "$(dirname "$0")/lib.sh"
need_root
command -v promtool >/dev/null || skip_all "promtool not installed (apt-get install prometheus)"
plan 13

write_config
cat >"$T_TMP/policies.d/web.ini" <<'INI'
[policy]
tenant = acme
[memory]
limit = 64M
[cpu]
quota = 0.5
[pids]
max = 32
INI
cat >"$T_TMP/policies.d/batch.ini" <<'INI'
[policy]
scope = policy
tenant = initech
namespaces = pid mount
INI
start_agent || { echo "Bail out! agent did not start"; exit 1; }
busy=$(cli run --policy web --name busy.one -- /bin/sh -c 'while :; do :; done' 2>&1)
idle=$(cli run --policy batch --name idle -- sleep 60)
cli run --policy batch --name short --wait -- /bin/true
sleep 1

m=$(http_ro /metrics)
echo "$m" | promtool check metrics; ok $? "promtool check metrics passes on a scrape with tasks of two policies"
ct=$(curl -sS -o /dev/null -w '%{content_type}' "http://127.0.0.1:$T_PORT/metrics")
is "$ct" "text/plain; version=0.0.4; charset=utf-8" "Prometheus text 0.0.4 by default"
ct=$(curl -sS -o /dev/null -w '%{content_type}' -H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;q=0.5' "http://127.0.0.1:$T_PORT/metrics")
is "$ct" "application/openmetrics-text; version=1.0.0; charset=utf-8" "OpenMetrics when the Accept header asks"
om=$(curl -sS -H 'Accept: application/openmetrics-text;version=1.0.0' "http://127.0.0.1:$T_PORT/metrics")
is "$(echo "$om" | tail -n 1)" "# EOF" "OpenMetrics ends with # EOF"
contains "$om" "# TYPE container_cpu_usage_seconds counter" "OpenMetrics names the counter family without _total"
contains "$om" "container_cpu_usage_seconds_created{" "OpenMetrics counters carry _created"

contains "$m" "container_cpu_usage_seconds_total{id=\"/$T_ROOT/web/$busy\",name=\"busy.one\",task=\"$busy\",policy=\"web\",tenant=\"acme\",cpu=\"total\"}" "a task's CPU series carries id, name, task, policy, tenant"
contains "$m" "container_spec_memory_limit_bytes{id=\"/$T_ROOT/web/$busy\"" "the limits in force are exported"
echo "$m" | grep -q "container_spec_memory_limit_bytes{id=\"/$T_ROOT/web/$busy\".* 67108864$"; ok $? "container_spec_memory_limit_bytes is the policy's 64M"
contains "$m" "cgmeter_task_running{id=\"/$T_ROOT/batch/" "ended tasks stay visible (retention)"

# values are the kernel's, read at scrape time
k=$(cat "$(cg_dir cpuacct "web/$busy")/cpuacct.usage")
v=$(http_ro /metrics | awk -v id="/$T_ROOT/web/$busy" 'index($0, "container_cpu_usage_seconds_total{id=\"" id "\"") == 1 {print $NF}')
k2=$(cat "$(cg_dir cpuacct "web/$busy")/cpuacct.usage")
awk -v a="$k" -v v="$v" -v b="$k2" 'BEGIN { exit !(v * 1e9 >= a - 1e6 && v * 1e9 <= b + 1e6) }'
ok $? "container_cpu_usage_seconds_total is cpuacct.usage read at scrape time ($k <= ${v}s <= $k2)"
ws=$(http_ro /metrics | awk -v id="/$T_ROOT/batch/$idle" 'index($0, "container_memory_working_set_bytes{id=\"" id "\"") == 1 {print $NF}')
mdir=$(cg_dir memory "batch/$idle")
usage=$(cat "$mdir/memory.usage_in_bytes"); inactive=$(awk '$1 == "total_inactive_file" {print $2}' "$mdir/memory.stat")
is "$ws" "$((usage - inactive))" "working set is usage - inactive_file"
contains "$m" 'cgmeter_build_info{version=' "build info with the cgroup mode"
cli kill --all "$busy" KILL; cli kill --all "$idle" KILL
done_testing
