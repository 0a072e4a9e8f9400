#!/bin/bash
# Soak: SOAK_SECONDS (600) of tasks launching and ending (one every 0.5 s, each living 0.1-3 s), a scrape of
# /metrics every second, a policy reload every 10 s, pause/resume of a long task every 5 s. The agent's RSS and
# open fds are sampled every 5 s (CSV in OUT_DIR/samples.csv); at the end: RSS and fds flat, no task cgroup
# left over, every launched task in the ledger exactly once, every scrape answered.
#   bench/soak/run.sh [BUILD_DIR] [OUT_DIR]     (as root; not part of CI: it takes SOAK_SECONDS)
# Prints a summary and exits 0 when every check holds.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
export top_srcdir=$top top_builddir=$(cd "${1:-$top/build}" && pwd)
OUT=${2:-$top_builddir/soak}
secs=${SOAK_SECONDS:-600}
mkdir -p "$OUT"
. "$top/tests/integration/lib.sh" # the agent, the client, cleanup of cgroups and processes on exit
[ "$(id -u)" = 0 ] || { echo "soak: needs root" >&2; exit 1; }

write_config
sed -i 's/^log_level = debug/log_level = info/' "$T_TMP/cgmeter.ini"
printf '[agent]\nretention = 10s\n' >>"$T_TMP/cgmeter.ini"
pol() { printf '[policy]\nnamespaces = pid mount\ndescription = soak %s\n[memory]\nlimit = 64M\n[pids]\nmax = 64\n' "$1" \
        >"$T_TMP/policies.d/soak.ini"; }
pol 0
start_agent || { echo "soak: the agent did not start" >&2; exit 1; }
pid=$T_AGENT_PID
sample() { # elapsed rss_kb fds
        echo "$1,$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status"),$(ls "/proc/$pid/fd" | wc -l)"
}
# warm-up: the policy's own cgroup (opened on first use, kept) and the ledger exist before the baseline
cli run --policy soak --wait -- true >/dev/null
wait_for 10 '[ -z "$(leftover_task_cgroups soak)" ]'
echo "seconds,rss_kb,fds" >"$OUT/samples.csv"
sample 0 >>"$OUT/samples.csv"
ls -l "/proc/$pid/fd" >"$OUT/fds-start.txt"
: >"$OUT/launched"
long=$(cli run --policy soak --name soak-long -- sleep $((secs + 60)))
echo "$long" >>"$OUT/launched"
scrapes=0 scrape_fail=0 launch_fail=0 reloads=0 reload_fail=0 pauses=0 pause_fail=0 frozen=no
start=$(date +%s)
tick=0
while :; do
        now=$(date +%s); el=$((now - start))
        [ "$el" -ge "$secs" ] && break
        # two launches per second
        for _ in 1 2; do
                d=$(awk -v r=$RANDOM 'BEGIN { printf "%.1f", 0.1 + (r % 30) / 10 }')
                if id=$(cli run --policy soak -- sleep "$d" 2>>"$OUT/errors"); then echo "$id" >>"$OUT/launched"
                else launch_fail=$((launch_fail + 1)); fi
                sleep 0.4
        done
        scrapes=$((scrapes + 1))
        curl -fsS -o /dev/null "http://127.0.0.1:$T_PORT/metrics" || scrape_fail=$((scrape_fail + 1))
        if [ $((tick % 10)) = 9 ]; then
                pol "$tick"; reloads=$((reloads + 1))
                cli reload >/dev/null 2>>"$OUT/errors" || reload_fail=$((reload_fail + 1))
        fi
        if [ $((tick % 5)) = 4 ]; then
                pauses=$((pauses + 1))
                if [ $frozen = no ]; then cli pause "$long" >/dev/null 2>>"$OUT/errors" && frozen=yes || pause_fail=$((pause_fail + 1))
                else cli resume "$long" >/dev/null 2>>"$OUT/errors" && frozen=no || pause_fail=$((pause_fail + 1)); fi
        fi
        [ $((tick % 5)) = 0 ] && sample "$el" >>"$OUT/samples.csv"
        tick=$((tick + 1))
done
[ $frozen = yes ] && cli resume "$long" >/dev/null
cli kill --all "$long" KILL >/dev/null
# the last tasks end (at most 3.1 s), their records are written, cgroups removed, and after the retention time
# (10 s) the agent forgets them: then it should hold what it held at the start
wait_for 20 '[ -z "$(leftover_task_cgroups soak)" ]'
sleep 12
sample "$(( $(date +%s) - start ))" >>"$OUT/samples.csv"
ls -l "/proc/$pid/fd" >"$OUT/fds-end.txt"

# ---- checks
fails=0
check() { if [ "$1" = 0 ]; then echo "PASS $2"; else echo "FAIL $2"; fails=$((fails + 1)); fi; }
n_launched=$(wc -l <"$OUT/launched")
: >"$OUT/ledger"
after=0
while :; do # page through the ledger
        page=$(curl -sS --unix-socket "$T_SOCK" "http://cgmeterd/v1/usage?limit=1000&after_seq=$after")
        c=$(jq '.count' <<<"$page"); jq -r '.records[].id' <<<"$page" >>"$OUT/ledger"
        [ "${c:-0}" -lt 1000 ] && break
        after=$(jq '.last_seq' <<<"$page")
done
missing=$(sort -u "$OUT/launched" | comm -23 - <(sort -u "$OUT/ledger") | wc -l)
dups=$(sort "$OUT/ledger" | uniq -d | wc -l)
left=$(leftover_task_cgroups soak | wc -l)
# flat: the mean of the second minute (after warm-up) against the mean of the last minute
read -r rss1 fd1 rss2 fd2 < <(awk -F, -v end="$secs" 'NR > 1 && $1 >= 60 && $1 < 120 { r1 += $2; f1 += $3; n1++ }
        NR > 1 && $1 >= end - 60 && $1 < end { r2 += $2; f2 += $3; n2++ }
        END { printf "%d %d %d %d\n", n1 ? r1 / n1 : 0, n1 ? f1 / n1 : 0, n2 ? r2 / n2 : 0, n2 ? f2 / n2 : 0 }' \
        "$OUT/samples.csv")
rss_min=$(awk -F, 'NR > 1 {print $2}' "$OUT/samples.csv" | sort -n | head -1)
rss_max=$(awk -F, 'NR > 1 {print $2}' "$OUT/samples.csv" | sort -n | tail -1)
fd_min=$(awk -F, 'NR > 1 {print $3}' "$OUT/samples.csv" | sort -n | head -1)
fd_max=$(awk -F, 'NR > 1 {print $3}' "$OUT/samples.csv" | sort -n | tail -1)
fd_end=$(tail -1 "$OUT/samples.csv" | cut -d, -f3)
fd_start=$(sed -n 2p "$OUT/samples.csv" | cut -d, -f3)

echo "soak: ${secs}s, $n_launched tasks launched ($launch_fail refused), $scrapes scrapes ($scrape_fail failed),"
echo "      $reloads reloads ($reload_fail failed), $pauses pause/resume ($pause_fail failed)"
echo "      RSS kB: 2nd minute mean $rss1, last minute mean $rss2, min $rss_min, max $rss_max"
echo "      open fds: start $fd_start, 2nd minute mean $fd1, last minute mean $fd2, end $fd_end (min $fd_min, max $fd_max)"
check "$launch_fail" "every launch accepted"
check "$scrape_fail" "every scrape answered"
check "$reload_fail" "every reload applied"
check "$pause_fail" "every pause/resume done"
[ "$secs" -lt 180 ] || [ "$rss2" -le $((rss1 + rss1 / 10 + 1024)) ]; check $? "RSS flat (last minute within 10% + 1 MiB of the second)"
[ "$fd_end" -le $((fd_start + 2)) ]; check $? "open fds back to where they started (+2)"
check "$missing" "every task in the ledger ($missing missing)"
check "$dups" "no task in the ledger twice ($dups)"
check "$left" "no task cgroup left over ($left)"
cp "$T_TMP/agent.log" "$OUT/agent.log" 2>/dev/null
echo "samples: $OUT/samples.csv; agent log: $OUT/agent.log"
exit $((fails > 0))
