#!/bin/bash
# The billing ledger: every task gets exactly one record, billed CPU adds up to the kernel's own counter of the
# policy's cgroup, OOM kills and signals are recorded, the agent can be SIGKILLed at any moment without losing or
# doubling anything, and usage comes out filtered, as JSON and CSV, with totals that never go backwards.
. "$(dirname "$0")/lib.sh"
need_root
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
plan 22

write_config
sed -i 's/^\[agent\]$/[agent]\nsample_interval = 200ms\ncheckpoint_interval = 1s/' "$T_TMP/cgmeter.ini"
printf '[policy]\nnamespaces = pid mount\ntenant = acme\n[memory]\nlimit = 48M\nswap_limit = 48M\n' >"$T_TMP/policies.d/bill.ini"
printf '[policy]\nnamespaces = pid mount\ntenant = globex\n' >"$T_TMP/policies.d/crash.ini"
start_agent || { echo "Bail out! agent did not start"; exit 1; }
DB=$T_TMP/state/ledger.db
q() { sqlite3 -batch -noheader "$DB" "$1"; }
burn='i=0; while [ $i -lt 25000 ]; do i=$((i+1)); done' # about 50 ms of CPU

# --- 200 short tasks: most burn CPU, every 20th is OOM-killed, every 20th (+10) is killed by a signal
ids=() oom=() sig=()
for n in $(seq 200); do
        if [ $((n % 20)) = 0 ]; then
                id=$(cli run --policy bill -- dd if=/dev/zero of=/dev/null bs=100M count=1) && oom+=("$id")
        elif [ $((n % 20)) = 10 ]; then
                id=$(cli run --policy bill -- /bin/sh -c "$burn; sleep 30") && sig+=("$id")
        else
                id=$(cli run --policy bill -- /bin/sh -c "$burn")
        fi
        ids+=("$id")
done
is "${#ids[@]}" 200 "200 tasks launched"
sleep 1
for id in "${sig[@]}"; do cli kill "$id" KILL >/dev/null; done
wait_for 120 '[ "$(cli --json ps | jq length)" = 0 ]'; ok $? "all of them ended"
is "$(q "SELECT COUNT(*) FROM tasks WHERE policy = 'bill'")" 200 "200 records"
is "$(q "SELECT COUNT(DISTINCT id) FROM tasks WHERE policy = 'bill'")" 200 "one per task"
missing=0; for id in "${ids[@]}"; do [ "$(q "SELECT COUNT(*) FROM tasks WHERE id = '$id'")" = 1 ] || missing=$((missing + 1)); done
is "$missing" 0 "every launched id has exactly one record"
billed=$(q "SELECT SUM(cpu_ns) FROM tasks WHERE policy = 'bill'")
kernel=$(cat "$(cg_dir cpuacct bill)/cpuacct.usage")
diag "billed $billed ns, kernel $kernel ns"
awk -v b="$billed" -v k="$kernel" 'BEGIN { d = (b - k) / k; if (d < 0) d = -d; exit !(d <= 0.005) }'
ok $? "billed CPU equals the policy cgroup's cpuacct.usage within 0.5% ($billed vs $kernel)"
n_oom=$(for id in "${oom[@]}"; do q "SELECT oom_kills > 0 FROM tasks WHERE id = '$id'"; done | grep -c 1)
is "$n_oom" "${#oom[@]}" "every OOM-killed task records its OOM kill"
n_sig=$(for id in "${sig[@]}"; do q "SELECT exit_signal FROM tasks WHERE id = '$id'"; done | grep -c '^9$')
is "$n_sig" "${#sig[@]}" "every task killed by a signal records the signal"
is "$(q "SELECT COUNT(*) FROM tasks WHERE policy = 'bill' AND (end_ns < start_ns OR cpu_ns = 0 OR memory_peak_bytes = 0)")" 0 "no record is incomplete"

# --- usage out
n=$(cli --json usage --policy bill --limit 1000 | jq '.records | length'); is "$n" 200 "usage filtered by policy"
is "$(cli --json usage --tenant nobody | jq '.records | length')" 0 "usage filtered by tenant"
is "$(cli --json usage --since 2000000000 | jq '.records | length')" 0 "usage filtered by time"
ct=$(curl -sS --unix-socket "$T_SOCK" -H 'Accept: text/csv' -o "$T_TMP/u.csv" -w '%{content_type}' "http://cgmeterd/v1/usage?policy=bill&limit=1000")
contains "$ct" "text/csv" "CSV when asked"
is "$(($(wc -l <"$T_TMP/u.csv") - 1))" 200 "the CSV has a header and 200 rows"
m=$(http_ro /metrics | awk '$1 ~ /^cgmeter_usage_cpu_seconds_total\{tenant="acme",policy="bill"\}/ {print $2}')
awk -v m="$m" -v b="$billed" 'BEGIN { exit !(m * 1e9 >= b - 1e3 && m * 1e9 <= b + 1e6) }'
ok $? "cgmeter_usage_cpu_seconds_total for the tenant is the ledger's sum ($m s)"

# --- SIGKILL the agent five times while tasks launch and end
(
        while [ ! -e "$T_TMP/stop" ]; do
                CGMETER_SOCKET=$T_SOCK "$CGMETER" run --policy crash -- /bin/sh -c "$burn" >>"$T_TMP/crash-ids" 2>/dev/null
                sleep 0.05
        done
) &
loader=$!
for round in 1 2 3 4 5; do
        sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.3 + (r % 120) / 100 }')"
        kill -KILL "$T_AGENT_PID"; wait "$T_AGENT_PID" 2>/dev/null; T_AGENT_PID=
        start_agent >/dev/null || break
done
touch "$T_TMP/stop"; wait "$loader"
wait_for 60 '[ "$(cli --json ps | jq length)" = 0 ]'; ok $? "after five SIGKILLs every task still ends and is finalized"
launched=$(sort -u "$T_TMP/crash-ids" | grep -c .)
diag "$launched launches acknowledged across the kills"
missing=0; for id in $(sort -u "$T_TMP/crash-ids"); do [ "$(q "SELECT COUNT(*) FROM tasks WHERE id = '$id'")" = 1 ] || missing=$((missing + 1)); done
is "$missing" 0 "every acknowledged task has exactly one record"
cgs=$(find "$(cg_dir pids crash)" -mindepth 1 -maxdepth 1 -type d | wc -l)
is "$cgs" 0 "no task cgroup is left over"
billed=$(q "SELECT SUM(cpu_ns) FROM tasks WHERE policy = 'crash'")
kernel=$(cat "$(cg_dir cpuacct crash)/cpuacct.usage")
awk -v b="$billed" -v k="$kernel" 'BEGIN { d = (b - k) / k; if (d < 0) d = -d; exit !(d <= 0.005) }'
ok $? "billed CPU still equals the kernel's counter within 0.5% ($billed vs $kernel)"
is "$(q 'PRAGMA integrity_check')" ok "the ledger passes integrity_check"
is "$(q "SELECT COUNT(*) FROM checkpoints")" 0 "no checkpoint is left for an ended task"
m2=$(http_ro /metrics | awk '$1 ~ /^cgmeter_usage_cpu_seconds_total\{tenant="acme",policy="bill"\}/ {print $2}')
awk -v a="$m" -v b="$m2" 'BEGIN { exit !(b >= a) }'; ok $? "tenant totals did not go backwards across restarts ($m -> $m2)"
done_testing
