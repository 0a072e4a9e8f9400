#!/bin/bash
# Load: wrk with 100 connections for 30 s on /metrics while 20 tasks launch and end through the API:
# no errors, no crash, every task accounted in the ledger.
. "$(dirname "$0")/lib.sh"
need_root
command -v wrk >/dev/null || skip_all "wrk not installed"
plan 6

write_config
printf '[policy]\nnamespaces = pid mount\n' >"$T_TMP/policies.d/load.ini"
start_agent || { echo "Bail out! agent did not start"; exit 1; }
wrk -t 2 -c 100 -d 30s --timeout 10s "http://127.0.0.1:$T_PORT/metrics" >"$T_TMP/wrk.out" 2>&1 &
wrk_pid=$!
ids=()
for i in $(seq 20); do
        ids+=("$(cli run --policy load -- /bin/sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done')")
        sleep 1
done
wait "$wrk_pid"
sed 's/^/# /' "$T_TMP/wrk.out"
reqs=$(awk '/requests in/ {print $1}' "$T_TMP/wrk.out")
[ "${reqs:-0}" -gt 1000 ]; ok $? "wrk completed $reqs requests on /metrics in 30 s"
grep -q "Socket errors\|Non-2xx" "$T_TMP/wrk.out"; is "$?" 1 "no socket errors and no non-2xx answers"
kill -0 "$T_AGENT_PID"; ok $? "the agent is alive"
is "$(printf '%s\n' "${ids[@]}" | grep -c '^[0-9a-f]\{12\}$')" 20 "20 tasks launched through the API under load"
wait_for 30 '[ "$(cli --json ps | jq length)" = 0 ]'
n=$(cli --json usage --policy load | jq '.records | length'); is "$n" 20 "every task has its usage record"
is "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$T_PORT/healthz")" 200 "and /healthz still answers"
done_testing
