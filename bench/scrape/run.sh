#!/bin/bash
# /metrics scrape cost against the number of live task cgroups, with its floor and a peer, in one run.
#
#   bench/scrape/run.sh [-l "100 1000 5000"] [-s SCRAPES] [-o DIR] [-p] [-b] [-k]
#     -l LEVELS   live task counts to measure at (ascending); default "100 1000 5000"
#     -s SCRAPES  scrapes per measurement (median taken); default 30
#     -o DIR      keep the raw numbers (results.tsv) and the agent's log there
#     -p          also `perf record -g` the agent during the scrapes at the largest level (perf.data in -o DIR)
#     -b          also time the floor file by file at the largest level (which cgroup files cost what)
#     -k          the agent with [agent] scrape_keep_files = yes, and the floor keeping the files open too (pread)
#
# At each level: the agent's /metrics latency (curl time_total, median), its CPU time per scrape (all threads,
# exited ones included, from utime + stime in /proc/PID/stat), its peak RSS during the scrapes (VmHWM, reset
# before them) and open fds; the floor (bench/scrape/floor.c: the
# same cgroup files, read and nothing else, median of as many rounds); node_exporter serving its own metrics.
# Tasks are `sleep` in a policy with no namespaces (cheap to start). The agent's open-file limit (hard 20000 on
# the build machines) caps the live tasks: when a launch fails the level is cut to what runs, and said so.
# Needs root, a built tree (top_builddir, default: the current directory) with cgmeterd and cgmeter, cc,
# curl, jq, prometheus-node-exporter. Creates cgroups only below this process's own, removes them on exit.
set -euo pipefail

LEVELS="100 1000 5000"
SCRAPES=30
OUT=
PERF=0
BREAKDOWN=0
KEEP=0
while getopts "l:s:o:pbkh" opt; do
        case $opt in
        l) LEVELS=$OPTARG ;;
        s) SCRAPES=$OPTARG ;;
        o) OUT=$OPTARG ;;
        p) PERF=1 ;;
        b) BREAKDOWN=1 ;;
        k) KEEP=1 ;;
        h) sed -n '4,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) sed -n '4,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
        esac
done

: "${top_builddir:=$PWD}"
HERE=$(cd "$(dirname "$0")" && pwd)
CGMETERD=$top_builddir/cgmeterd
CGMETER=$top_builddir/cgmeter
die() { echo "run.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root"
for f in "$CGMETERD" "$CGMETER"; do [ -x "$f" ] || die "$f is missing: make cgmeterd cgmeter, or set top_builddir"; done
for c in cc curl jq prometheus-node-exporter; do command -v "$c" >/dev/null || die "$c is missing"; done

TMP=$(mktemp -d /tmp/cgmeter-scrape.XXXXXX)
ROOT=cgmeter-bench-scrape-$$
AGENT_PID=
NE_PID=
PERF_PID=
export CGMETER_SOCKET=$TMP/control.sock

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# <mount><own cgroup>/<ROOT> in every hierarchy this process is in
our_roots() {
        local id ctrls path mp
        while IFS=: read -r id ctrls path; do
                if [ -z "$ctrls" ]; then
                        mp=$(awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo)
                else
                        mp=$(awk -v c="${ctrls%%,*}" '{ for (i = 1; i <= NF; i++) if ($i == "-") break;
                                if ($(i+1) != "cgroup") next; n = split($(i+3), o, ",");
                                for (k = 1; k <= n; k++) if (o[k] == c) { print $5; exit } }' /proc/self/mountinfo)
                fi
                [ -n "$mp" ] && [ -d "$mp${path%/}/$ROOT" ] && echo "$mp${path%/}/$ROOT"
        done </proc/self/cgroup
        return 0
}
root_of() { # root_of CONTROLLER ("" for the unified tree)
        local id ctrls path mp
        while IFS=: read -r id ctrls path; do
                if [ -z "$1" ] && [ -z "$ctrls" ]; then
                        mp=$(awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo)
                elif [ -n "$1" ] && [[ ",$ctrls," == *",$1,"* ]]; then
                        mp=$(awk -v c="$1" '{ for (i = 1; i <= NF; i++) if ($i == "-") break;
                                if ($(i+1) != "cgroup") next; n = split($(i+3), o, ",");
                                for (k = 1; k <= n; k++) if (o[k] == c) { print $5; exit } }' /proc/self/mountinfo)
                else
                        continue
                fi
                echo "$mp${path%/}/$ROOT"; return 0
        done </proc/self/cgroup
        return 1
}

cleanup() {
        set +e
        [ -n "$PERF_PID" ] && kill -INT "$PERF_PID" 2>/dev/null && wait "$PERF_PID" 2>/dev/null
        [ -n "$NE_PID" ] && kill "$NE_PID" 2>/dev/null && wait "$NE_PID" 2>/dev/null
        local d f pid
        for d in $(our_roots); do
                for f in $(find "$d" -name cgroup.procs 2>/dev/null); do
                        for pid in $(cat "$f" 2>/dev/null); do [ "$pid" != "$AGENT_PID" ] && kill -KILL "$pid" 2>/dev/null; done
                done
        done
        if [ -n "$AGENT_PID" ]; then
                kill -TERM "$AGENT_PID" 2>/dev/null
                for _ in $(seq 100); do kill -0 "$AGENT_PID" 2>/dev/null || break; sleep 0.1; done
                kill -KILL "$AGENT_PID" 2>/dev/null; wait "$AGENT_PID" 2>/dev/null
        fi
        sleep 0.5
        for d in $(our_roots); do find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null; done
        [ -n "$OUT" ] && cp "$TMP/agent.log" "$OUT/" 2>/dev/null
        rm -rf "$TMP"
}
trap cleanup EXIT

cc -O2 -o "$TMP/floor" "$HERE/floor.c" || die "cannot build the floor program"
mkdir -p "$TMP/policies.d" "$TMP/state" ${OUT:+"$OUT"}
PORT=$(free_port)
cat >"$TMP/cgmeter.ini" <<INI
[agent]
policy_dir = $TMP/policies.d
state_dir = $TMP/state
cgroup_root = $ROOT
max_tasks = 10000
log_level = warning
scrape_keep_files = $([ "$KEEP" = 1 ] && echo yes || echo no)
[http]
listen = 127.0.0.1:$PORT
control_socket = $TMP/control.sock
INI
printf '[policy]\nnamespaces =\n' >"$TMP/policies.d/sleepy.ini"
"$CGMETERD" -c "$TMP/cgmeter.ini" >>"$TMP/agent.log" 2>&1 &
AGENT_PID=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null || die "the agent did not start: $(tail -5 "$TMP/agent.log")"
NE_PORT=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$NE_PORT" >"$TMP/ne.log" 2>&1 &
NE_PID=$!

# utime + stime of the whole process, exited threads included (the agent's scrape workers come and go)
HZ=$(getconf CLK_TCK)
cpu_ns() { awk -v hz="$HZ" '{ sub(/^.*\) /, ""); printf "%.0f", ($12 + $13) * 1e9 / hz }' /proc/"$1"/stat; }
hwm_kib() { awk '$1 == "VmHWM:" {print $2}' /proc/"$1"/status; }
# measure URL PID -> "median_ms cpu_ms_per_scrape bytes"
measure() {
        local url=$1 pid=$2 c0 c1 i
        for i in 1 2 3; do curl -fsS -o /dev/null "$url"; done
        c0=$(cpu_ns "$pid")
        for ((i = 0; i < SCRAPES; i++)); do curl -fsS -o /dev/null -w '%{time_total}\n' "$url"; done >"$TMP/lat"
        c1=$(cpu_ns "$pid")
        printf '%s %s %s\n' "$(sort -n "$TMP/lat" | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f", m * 1000 }')" \
                "$(awk -v a="$c0" -v b="$c1" -v n="$SCRAPES" 'BEGIN { printf "%.2f", (b - a) / n / 1e6 }')" \
                "$(curl -fsS "$url" | wc -c)"
}
running() { "$CGMETER" --json ps | jq length; }
# Start tasks until N run; prints how many run (fewer when launches fail, e.g. out of fds).
grow_to() {
        local want=$1 have fails=0
        have=$(running)
        while [ "$have" -lt "$want" ]; do
                seq $((want - have < 50 ? want - have : 50)) |
                        xargs -P 4 -I{} "$CGMETER" run --policy sleepy -- sleep 1000000 >/dev/null 2>>"$TMP/launch.err" || true
                local now; now=$(running)
                if [ "$now" -lt $((have + 1)) ]; then fails=$((fails + 1)); [ $fails -ge 2 ] && break; fi
                have=$now
        done
        echo "$have"
}
# The files the collectors read per task on this host (strace of a scrape, bench/scrape/README.md).
floor_list() {
        local id
        if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
                for id in $("$CGMETER" --json ps | jq -r '.[].id'); do
                        echo "$(root_of "")/sleepy/$id cpu.stat memory.current memory.stat memory.peak memory.swap.current memory.events io.stat pids.current cpu.pressure memory.pressure io.pressure"
                done
                return
        fi
        local cpu cpuacct memory blkio pids uni
        cpu=$(root_of cpu); cpuacct=$(root_of cpuacct); memory=$(root_of memory); blkio=$(root_of blkio)
        pids=$(root_of pids); uni=$(root_of "")
        for id in $("$CGMETER" --json ps | jq -r '.[].id'); do
                echo "$cpuacct/sleepy/$id cpuacct.usage cpuacct.stat"
                echo "$cpu/sleepy/$id cpu.stat"
                echo "$memory/sleepy/$id memory.usage_in_bytes memory.stat memory.max_usage_in_bytes memory.failcnt memory.oom_control"
                echo "$blkio/sleepy/$id blkio.throttle.io_service_bytes_recursive blkio.throttle.io_serviced_recursive"
                echo "$pids/sleepy/$id pids.current"
                echo "$uni/sleepy/$id cpu.pressure memory.pressure io.pressure"
        done
}

echo "# $(uname -r), $(nproc) CPUs, open-file limit $(ulimit -n)/$(ulimit -Hn), $SCRAPES scrapes per point" >&2
fd0=$(ls /proc/$AGENT_PID/fd | wc -l)
printf 'tasks\tagent_ms\tagent_cpu_ms\tagent_hwm_kib\tagent_fds\tbytes\tfloor_ms\tfloor_cpu_ms\tratio\tne_ms\tne_cpu_ms\tne_hwm_kib\tne_bytes\tagent_hwm_all_kib\n' >"$TMP/results.tsv"
last=${LEVELS##* }
for n in $LEVELS; do
        got=$(grow_to "$n")
        [ "$got" -lt "$n" ] && echo "# asked for $n live tasks, $got run: $(sort "$TMP/launch.err" | uniq -c | sort -rn | head -2 | tr '\n' ' ')" >&2
        sleep 1
        if [ "$PERF" = 1 ] && [ "$n" = "$last" ] && command -v perf >/dev/null; then
                perf record -g -p "$AGENT_PID" -o "${OUT:-$TMP}/perf.data" >/dev/null 2>&1 & PERF_PID=$!
                sleep 0.5
        fi
        # the peak RSS of the scrapes alone (launching and `cgmeter ps`, which lists every task with its usage
        # as JSON, have their own peaks): VmHWM is reset to the current RSS first
        ahwm_all=$(hwm_kib "$AGENT_PID")
        echo 5 >/proc/"$AGENT_PID"/clear_refs
        read -r ams acpu abytes <<<"$(measure "http://127.0.0.1:$PORT/metrics" "$AGENT_PID")"
        ahwm=$(hwm_kib "$AGENT_PID")
        fds=$(ls /proc/$AGENT_PID/fd | wc -l) # after the scrapes: with -k the kept files are open by then
        if [ -n "$PERF_PID" ]; then kill -INT "$PERF_PID"; wait "$PERF_PID" || true; PERF_PID=; fi
        floor_list >"$TMP/list"
        read -r _ files fms fcpu _ <<<"$("$TMP/floor" $([ "$KEEP" = 1 ] && echo -k) "$SCRAPES" <"$TMP/list")"
        read -r nms ncpu nbytes <<<"$(measure "http://127.0.0.1:$NE_PORT/metrics" "$NE_PID")"
        ratio=$(awk -v a="$ams" -v f="$fms" 'BEGIN { printf "%.2f", a / f }')
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$got" "$ams" "$acpu" "$ahwm" "$fds" "$abytes" \
                "$fms" "$fcpu" "$ratio" "$nms" "$ncpu" "$(hwm_kib "$NE_PID")" "$nbytes" "$ahwm_all" >>"$TMP/results.tsv"
        echo "# $got tasks: agent $ams ms ($acpu ms CPU), floor $fms ms ($files files), node_exporter $nms ms; agent fds $fds (idle agent: $fd0)" >&2
        [ "$got" -lt "$n" ] && break
done
if [ "$BREAKDOWN" = 1 ]; then
        echo "# floor by file at $got tasks (median of $SCRAPES rounds): file, ms per round, us per file" >&2
        for f in $(awk '{ for (i = 2; i <= NF; i++) print $i }' "$TMP/list" | sort -u); do
                awk -v f="$f" '{ for (i = 2; i <= NF; i++) if ($i == f) print $1, f }' "$TMP/list" >"$TMP/list1"
                read -r dirs _ ms _ <<<"$("$TMP/floor" "$SCRAPES" <"$TMP/list1")"
                awk -v f="$f" -v ms="$ms" -v d="$dirs" 'BEGIN { printf "#   %-45s %8.2f ms %6.1f us\n", f, ms, ms * 1000 / d }' >&2
        done
fi
[ -n "$OUT" ] && cp "$TMP/results.tsv" "$OUT/"
echo
echo "| live tasks | /metrics median | agent CPU / scrape | agent peak RSS (scrapes) | agent peak RSS (all) | agent fds | body | floor median | floor CPU | agent / floor | node_exporter median | node_exporter CPU / scrape | node_exporter peak RSS |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
tail -n +2 "$TMP/results.tsv" | awk -F'\t' '{ printf "| %d | %s ms | %s ms | %.1f MiB | %.1f MiB | %d | %.0f KiB | %s ms | %s ms | %sx | %s ms | %s ms | %.1f MiB |\n",
        $1, $2, $3, $4 / 1024, $14 / 1024, $5, $6 / 1024, $7, $8, $9, $10, $11, $12 / 1024 }'
