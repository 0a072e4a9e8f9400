#!/bin/bash
# /metrics with many tasks: concurrent scrapes share one read (and its rendering), every running task is read,
# and a running task costs the agent three fds (its unified directory, its pidfd, its OOM eventfd).
. "$(dirname "$0")/lib.sh"
need_root
plan 11

N=150
write_config
printf '[policy]\nnamespaces =\n' >"$T_TMP/policies.d/many.ini"
start_agent || { echo "Bail out! agent did not start"; exit 1; }
fds0=$(ls /proc/"$T_AGENT_PID"/fd | wc -l)
seq "$N" | xargs -P 4 -I{} env CGMETER_SOCKET="$T_SOCK" "$CGMETER" run --policy many -- sleep 600 >/dev/null 2>"$T_TMP/run.err"
running=$(cli --json ps | jq '[.[] | select(.state == "running")] | length')
is "$running" "$N" "$N tasks run"
fds=$(ls /proc/"$T_AGENT_PID"/fd | wc -l)
per=$(awk -v a="$fds" -v b="$fds0" -v n="$N" 'BEGIN { printf "%.2f", (a - b) / n }')
awk -v p="$per" 'BEGIN { exit !(p >= 2.9 && p <= 3.1) }'
ok $? "a running task holds 3 fds in the agent ($fds0 idle, $fds with $N tasks: $per each)"

m=$(http_ro /metrics)
is "$(echo "$m" | grep -c "^container_cpu_usage_seconds_total{id=\"/$T_ROOT/many/")" "$N" \
        "every running task is read: one CPU series each"
is "$(echo "$m" | grep -c "^container_memory_usage_bytes{id=\"/$T_ROOT/many/")" "$N" "and one memory series each"

# Eight scrapes at once, a few times: those answered by the same read (cgmeter_scrape_reads_total) must be
# byte for byte the same (one read, one rendering), and at least once several share a read.
shared=0 same=0 rounds=0
for round in 1 2 3 4 5 6 7 8 9 10; do
        rounds=$round
        rm -f "$T_TMP"/scrape.*
        seq 8 | xargs -P 8 -I{} curl -sS -o "$T_TMP/scrape.{}" "http://127.0.0.1:$T_PORT/metrics"
        declare -A first=()
        for f in "$T_TMP"/scrape.*; do
                r=$(awk '$1 == "cgmeter_scrape_reads_total" {print $2}' "$f")
                if [ -n "${first[$r]:-}" ]; then
                        shared=1
                        cmp -s "$f" "${first[$r]}" || same=1
                else
                        first[$r]=$f
                fi
        done
        unset first
        [ $shared = 1 ] && break
done
ok $((1 - shared)) "concurrent scrapes share a read (seen in round $rounds of 10)"
ok $same "scrapes sharing a read get the same body"
m=$(http_ro /metrics)
reads=$(echo "$m" | awk '$1 == "cgmeter_scrape_reads_total" {print $2}')
scrapes=$(echo "$m" | awk '$1 == "cgmeter_scrapes_total" {print $2}')
awk -v r="$reads" -v s="$scrapes" 'BEGIN { exit !(r + 0 > 0 && r < s) }'
ok $? "fewer reads than scrapes ($reads reads for $scrapes scrapes)"

# The loop keeps serving while workers read: the control API answers during a stream of scrapes.
(for _ in $(seq 20); do curl -sS -o /dev/null "http://127.0.0.1:$T_PORT/metrics"; done) &
loader=$!
on_exit "kill $loader 2>/dev/null"
cli --json ps >/dev/null; ok $? "the control API answers while scrapes run"
wait "$loader"

# [agent] scrape_keep_files = yes: a restarted agent re-adopts the tasks; after a scrape each task's files stay
# open (14 on a hybrid host, 11 on v2), the values are the same kind, and the files go when the tasks end.
before=$(http_ro /metrics | grep -c '^container_memory_usage_bytes{')
stop_agent
sed -i 's/^\[agent\]$/[agent]\nscrape_keep_files = yes/' "$T_TMP/cgmeter.ini"
start_agent || { echo "Bail out! agent did not restart"; exit 1; }
idle=$(ls /proc/"$T_AGENT_PID"/fd | wc -l)
m=$(http_ro /metrics)
kept=$(ls /proc/"$T_AGENT_PID"/fd | wc -l)
per=$(awk -v a="$kept" -v b="$idle" -v n="$N" 'BEGIN { printf "%.2f", (a - b) / n }')
awk -v p="$per" 'BEGIN { exit !(p >= 10.5 && p <= 14.05) }'
ok $? "with scrape_keep_files each task's stats files stay open after a scrape ($per fds each)"
is "$(echo "$m" | grep -c '^container_memory_usage_bytes{')" "$before" "and every task is still read"
for id in $(cli --json ps | jq -r '.[] | select(.state == "running") | .id'); do cli kill --all "$id" KILL; done
wait_for 20 '[ "$(cli --json ps | jq "[.[] | select(.state == \"running\")] | length")" = 0 ]'
http_ro /metrics >/dev/null
left=$(ls /proc/"$T_AGENT_PID"/fd | wc -l)
awk -v l="$left" -v f="$fds0" 'BEGIN { exit !(l <= f + 10) }'
ok $? "the kept files go when the tasks end ($left fds left; $fds0 for an agent without tasks)"
done_testing
