#!/bin/bash
# A real Prometheus server (Debian's) scrapes an agent every second. PromQL for a task's CPU and working set
# agrees with the kernel's own counters (the task is paused first, so both sides are read at rest), and
# rate() over a task held to half a CPU by its quota is 0.5, and the kernel's own rate over the same window
# (when the shared machine is so loaded that the task gets less than its quota, the 0.5 check says SKIP).
. "$(dirname "$0")/lib.sh"
need_root
command -v prometheus >/dev/null || skip_all "prometheus not installed (apt-get install prometheus)"
plan 10

write_config
cat >"$T_TMP/policies.d/half.ini" <<'INI'
[policy]
tenant = acme
namespaces = pid mount
[cpu]
quota = 0.5
INI
start_agent || { echo "Bail out! agent did not start"; exit 1; }

pport=$(free_port)
cat >"$T_TMP/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: cgmeter
    static_configs:
      - targets: ['127.0.0.1:$T_PORT']
YML
prometheus --config.file="$T_TMP/prometheus.yml" --storage.tsdb.path="$T_TMP/prom" \
        --web.listen-address="127.0.0.1:$pport" --log.level=warn >"$T_TMP/prometheus.log" 2>&1 &
ppid=$!
on_exit "kill $ppid; wait $ppid"
wait_for 30 "curl -fsS http://127.0.0.1:$pport/-/ready"; ok $? "prometheus is ready on 127.0.0.1:$pport"

promql() { # promql EXPR [TIME] -> "TIMESTAMP VALUE" of the first series, empty if none
        curl -fsS -G "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1" ${2:+--data-urlencode "time=$2"} |
                jq -r '.data.result[0].value // empty | "\(.[0]) \(.[1])"'
}
within() { # within A B PERCENT: |A - B| <= PERCENT % of B
        awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && b > 0 && d <= b * p / 100) }'
}

# busy at the quota, holding ~20 MB of bash string so the working set is large enough to compare
id=$(cli run --policy half --name spin -- /bin/bash -c 'x=$(head -c 20000000 /dev/zero | tr "\0" a); while :; do :; done')
ok $? "a task held to half a CPU starts ($id)"
wait_for 15 "[ \"\$(promql 'up{job=\"cgmeter\"}' | cut -d' ' -f2)\" = 1 ]"; ok $? "prometheus scrapes the agent (up == 1)"
# the kernel's own rate over the same 10 s: on an overloaded machine the task may get less than its quota
acct=$(cg_dir cpuacct "half/$id"); mem=$(cg_dir memory "half/$id")
sleep 4 # the 20 MB are in place after ~1 s
k0=$(cat "$acct/cpuacct.usage"); t0=$(date +%s.%N)
sleep 10
k1=$(cat "$acct/cpuacct.usage"); t1=$(date +%s.%N)
sleep 1.5 # the scrape that ends the window has landed
krate=$(awk -v a="$k0" -v b="$k1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 / (e - s) }')
r=$(promql "rate(container_cpu_usage_seconds_total{task=\"$id\"}[10s])" "$t1" | cut -d' ' -f2)
awk -v r="$r" -v k="$krate" 'BEGIN { d = r - k; exit !(r != "" && d <= 0.05 && d >= -0.05) }'
ok $? "rate(container_cpu_usage_seconds_total[10s]) is the kernel's rate over the same window +- 0.05 ($r vs $krate)"
if awk -v k="$krate" 'BEGIN { exit !(k >= 0.45 && k <= 0.55) }'; then
        awk -v r="$r" 'BEGIN { exit !(r != "" && r >= 0.45 && r <= 0.55) }'
        ok $? "rate() of the half-CPU task is 0.5 +- 0.05 ($r)"
else
        pass "rate() of the half-CPU task is 0.5 +- 0.05 # SKIP the host is overloaded: the task got $krate CPU"
fi

# paused, the task's counters stand still; let a few scrapes land after the freeze
cli pause "$id" >/dev/null; ok $? "the task is paused"
sleep 3
kcpu=$(awk '{ printf "%.9f", $1 / 1e9 }' "$acct/cpuacct.usage")
kws=$(( $(cat "$mem/memory.usage_in_bytes") - $(awk '$1 == "total_inactive_file" {print $2}' "$mem/memory.stat") ))
read -r ts pcpu <<<"$(promql "container_cpu_usage_seconds_total{task=\"$id\"}")"
within "$pcpu" "$kcpu" 2; ok $? "PromQL container_cpu_usage_seconds_total equals cpuacct.usage within 2 % ($pcpu vs $kcpu s, sample at $ts)"
read -r ts pws <<<"$(promql "container_memory_working_set_bytes{task=\"$id\"}")"
within "$pws" "$kws" 2; ok $? "PromQL container_memory_working_set_bytes equals usage - total_inactive_file within 2 % ($pws vs $kws)"
ge20=$(awk -v v="$pws" 'BEGIN { exit !(v >= 20000000) }'; echo $?)
is "$ge20" 0 "the working set holds the task's 20 MB ($pws)"
n=$(curl -fsS -G "http://127.0.0.1:$pport/api/v1/query" --data-urlencode 'query=count(container_cpu_usage_seconds_total)' | jq -r '.data.result[0].value[1]')
is "$n" 1 "one CPU series for the one task"
cli resume "$id" >/dev/null; cli kill --all "$id" KILL >/dev/null
grep -i "level=error" "$T_TMP/prometheus.log" | head -5 | sed 's/^/# /'
done_testing
