#!/bin/bash
# A fleet of two: two agents, each in its own network namespace and mount namespace (own cgroup_root and
# state_dir), each running tasks of two tenants, scraped by one real Prometheus in a third network namespace that
# a veth pair connects to each agent's. Prometheus runs the shipped prometheus.yml (file_sd) and recording rules;
# a per-tenant PromQL sum across both nodes must equal the sum of the two agents' ledgers (GET /v1/usage/totals).
. "$(dirname "$0")/lib.sh"
need_root
command -v prometheus >/dev/null || skip_all "prometheus not installed (apt-get install prometheus)"
command -v ip >/dev/null && command -v nsenter >/dev/null || skip_all "needs ip (iproute2) and nsenter (util-linux)"
ip netns add "cgmfleet-probe-$$" 2>/dev/null || skip_all "cannot create network namespaces here"
ip netns del "cgmfleet-probe-$$"
plan 14

# --- network: nsP (Prometheus) -- veth -- ns1 (agent 1), nsP -- veth -- ns2 (agent 2); addresses only in these
net=10.$((200 + RANDOM % 50)).$((RANDOM % 250))
nsP=cgmfleet-$$-p
for n in "$nsP" "cgmfleet-$$-1" "cgmfleet-$$-2"; do ip netns add "$n" && on_exit "ip netns del $n"; done
ip -n "$nsP" link set lo up
for i in 1 2; do
        ns=cgmfleet-$$-$i
        ip link add "cgf$$p$i" netns "$nsP" type veth peer name "cgf$$a$i" netns "$ns"
        ip -n "$nsP" addr add "$net.$((i * 4 + 1))/30" dev "cgf$$p$i"
        ip -n "$ns" addr add "$net.$((i * 4 + 2))/30" dev "cgf$$a$i"
        ip -n "$nsP" link set "cgf$$p$i" up
        ip -n "$ns" link set "cgf$$a$i" up
        ip -n "$ns" link set lo up
done
inP() { nsenter --net="/run/netns/$nsP" -- "$@"; }
is "$(ip -n "$nsP" -o -4 addr show | grep -c "cgf$$p[12] .*inet $net\.")" 2 "two veth pairs join the Prometheus namespace to the agents'"

# --- two agents: own netns (listening on its veth address), own mount namespace, cgroup root, state, policies
AG_PIDS=()
base_root=$T_ROOT
start_node() { # start_node N
        local n=$1 d=$T_TMP/node$1 root=$T_ROOT-n$1
        mkdir -p "$d/policies.d" "$d/state"
        cat >"$d/cgmeter.ini" <<INI
[agent]
policy_dir = $d/policies.d
state_dir = $d/state
cgroup_root = $root
sample_interval = 200ms
checkpoint_interval = 1s
[http]
listen = $net.$((n * 4 + 2)):9750
control_socket = $d/control.sock
INI
        printf '[policy]\ntenant = acme\nnamespaces = pid mount\n' >"$d/policies.d/acme-web.ini"
        printf '[policy]\ntenant = globex\nnamespaces = pid mount\n[memory]\nlimit = 64M\n' >"$d/policies.d/globex-batch.ini"
        on_exit "T_ROOT=$root cleanup_test_cgroups"
        # nsenter and unshare exec what follows: $! is the agent (or valgrind running it, with T_VALGRIND=1)
        nsenter --net="/run/netns/cgmfleet-$$-$n" -- unshare --mount --propagation private -- \
                "${T_VG_CMD[@]}" "$CGMETERD" -c "$d/cgmeter.ini" >>"$d/agent.log" 2>&1 &
        AG_PIDS[$n]=$!
        [ -z "$T_VALGRIND" ] || T_VG_PIDS+=("${AG_PIDS[$n]}")
        on_exit "kill -TERM ${AG_PIDS[$n]}; sleep 0.5; kill -KILL ${AG_PIDS[$n]}; wait ${AG_PIDS[$n]}"
        wait_for 10 "inP curl -fsS http://$net.$((n * 4 + 2)):9750/healthz"
}
node_cli() { local n=$1; shift; CGMETER_SOCKET=$T_TMP/node$n/control.sock "$CGMETER" "$@"; }
node_ctl() { curl -sS --unix-socket "$T_TMP/node$1/control.sock" "http://cgmeterd$2"; }
start_node 1; ok $? "agent 1 answers on $net.6:9750 inside its own namespaces"
start_node 2; ok $? "agent 2 answers on $net.10:9750 inside its own namespaces"
for n in 1 2; do [ "$(readlink "/proc/${AG_PIDS[$n]}/ns/net")" != "$(readlink /proc/self/ns/net)" ] &&
        [ "$(readlink "/proc/${AG_PIDS[$n]}/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] || echo "node $n"; done >"$T_TMP/ns"
is "$(cat "$T_TMP/ns")" "" "each agent runs in a network and a mount namespace of its own"
[ "$(readlink "/proc/${AG_PIDS[1]}/ns/mnt")" != "$(readlink "/proc/${AG_PIDS[2]}/ns/mnt")" ]
ok $? "the two agents' mount namespaces differ"

# --- Prometheus with the shipped config and rules: file_sd lists both nodes; 1 s intervals for the test
pc=$T_TMP/prom
mkdir -p "$pc/targets"
cp "$top_srcdir/conf/prometheus/prometheus.yml" "$top_srcdir/conf/prometheus/cgmeter-rules.yml" \
        "$top_srcdir/conf/prometheus/cgmeter-alerts.yml" "$pc/"
sed -i 's/^\(  scrape_interval:\).*/\1 1s/; s/^\(  evaluation_interval:\).*/\1 1s/; s/^\(  scrape_timeout:\).*/\1 1s/' "$pc/prometheus.yml"
printf -- '- targets: ["%s:9750", "%s:9750"]\n  labels:\n    datacenter: test\n' "$net.6" "$net.10" >"$pc/targets/fleet.yml"
# nsenter execs prometheus: $! is Prometheus itself (a shell function here would leave it behind)
nsenter --net="/run/netns/$nsP" -- prometheus --config.file="$pc/prometheus.yml" --storage.tsdb.path="$T_TMP/tsdb" \
        --web.listen-address=127.0.0.1:9090 >"$T_TMP/prometheus.log" 2>&1 &
ppid=$!
on_exit "kill $ppid; wait $ppid"
papi() { inP curl -sS --get "http://127.0.0.1:9090/api/v1/$1" ${2:+--data-urlencode "query=$2"}; }
pq() { papi query "$1" | jq -r "${2:-.data.result[0].value[1]}"; }
wait_for 60 '[ "$(pq "count(up{job=\"cgmeter\"} == 1)")" = 2 ]'
ok $? "Prometheus discovers both agents through file_sd and scrapes them"

# --- tasks of two tenants on each node: CPU, memory, IO; all end
burn='i=0; while [ $i -lt 40000 ]; do i=$((i+1)); done'
launched=0
for n in 1 2; do
        for k in 1 2 3; do
                node_cli "$n" run --policy acme-web -- /bin/sh -c "$burn; sleep 0.$k" >/dev/null && launched=$((launched + 1))
                node_cli "$n" run --policy globex-batch -- /bin/sh -c \
                        "dd if=/dev/zero of=$T_TMP/node$n/io$k bs=1M count=$((2 * k)) oflag=direct 2>/dev/null; $burn" \
                        >/dev/null && launched=$((launched + 1))
        done
done
is "$launched" 12 "12 tasks launched (3 per tenant per node)"
wait_for 60 '[ "$(node_cli 1 --json ps | jq length)$(node_cli 2 --json ps | jq length)" = 00 ]'
ok $? "all tasks ended on both nodes"
t_end=$(date +%s.%N)

# Wait until both agents were scraped after the last task ended (their counters are final then) and the
# recording rules were evaluated on those samples.
wait_for 60 '[ "$(pq "count(timestamp(up{job=\"cgmeter\"}) > $t_end + 1)")" = 2 ]'
ok $? "both agents scraped after the tasks ended"

# --- the ledgers: sum of GET /v1/usage/totals over both nodes, per tenant
for n in 1 2; do node_ctl "$n" /v1/usage/totals; done | jq -s 'add' >"$T_TMP/totals.json"
ledger() { # ledger TENANT FIELD
        jq -r --arg t "$1" --arg f "$2" '[.[] | select(.tenant == $t) | .[$f] | tonumber] | add' "$T_TMP/totals.json"
}
prom_sum() { # prom_sum METRIC TENANT
        pq "sum by (tenant) ($1{job=\"cgmeter\",tenant=\"$2\"})"
}
close() { # close A B: both numbers (a missing series is "null"), equal within 1 ppm
        awk -v a="$1" -v b="$2" 'BEGIN { if (a !~ /^[0-9.e+-]+$/ || b !~ /^[0-9.e+-]+$/) exit 1
                d = a - b; if (d < 0) d = -d; exit !(d <= 1e-6 * (a < 0 ? -a : a) + 1e-9) }'
}
for t in acme globex; do
        diag "$t: ledger $(jq -c --arg t "$t" '[.[] | select(.tenant == $t)]' "$T_TMP/totals.json")"
done
is "$(ledger acme tasks) $(ledger globex tasks)" "6 6" "the ledgers hold 6 records per tenant"
res=""
for t in acme globex; do
        for pair in cgmeter_usage_cpu_seconds_total:cpu_seconds cgmeter_usage_memory_byte_seconds_total:memory_byte_seconds \
                cgmeter_usage_io_read_bytes_total:io_read_bytes cgmeter_usage_io_write_bytes_total:io_write_bytes \
                cgmeter_usage_tasks_ended_total:tasks; do
                p=$(prom_sum "${pair%%:*}" "$t") l=$(ledger "$t" "${pair#*:}")
                close "$p" "$l" || res+="$t ${pair%%:*}: PromQL $p, ledgers $l; "
        done
done
is "$res" "" "per tenant, sum over both nodes in PromQL = sum of both ledgers (CPU, memory byte-seconds, IO, tasks)"
p=$(prom_sum cgmeter_usage_cpu_seconds_total acme); l1=$(node_ctl 1 /v1/usage/totals | jq '[.[] | select(.tenant == "acme") | .cpu_seconds | tonumber] | add')
awk -v p="$p" -v l="$l1" 'BEGIN { exit !(p > l * 1.01) }'; ok $? "the fleet sum counts both nodes (acme CPU $p s > node 1 alone $l1 s)"
w=$(ledger globex io_write_bytes)
awk -v w="$w" 'BEGIN { exit !(w >= 12 * 1048576) }'; ok $? "globex's direct writes are metered on both nodes ($w bytes >= 12 MiB)"
# the shipped recording rules give the same fleet totals in core-hours and GiB-hours (once evaluated on the
# final samples: rules run every second, so wait for that rather than sleep)
rules_match() {
        local t
        for t in acme globex; do
                close "$(pq "tenant:cgmeter_usage_cpu_core_hours:sum{tenant=\"$t\"} * 3600")" "$(ledger "$t" cpu_seconds)" || return 1
                close "$(pq "tenant:cgmeter_usage_memory_gib_hours:sum{tenant=\"$t\"} * 1073741824 * 3600")" \
                        "$(ledger "$t" memory_byte_seconds)" || return 1
        done
}
wait_for 20 rules_match
ok $? "the recording rules' per-tenant core-hours and GiB-hours match the ledgers"
# under valgrind: stop both agents with SIGTERM here, so that their leak summaries are checked (TAP lines)
if [ -n "$T_VALGRIND" ]; then
        for n in 1 2; do T_AGENT_PID=${AG_PIDS[$n]} vg_stop_agent; done
fi
done_testing
