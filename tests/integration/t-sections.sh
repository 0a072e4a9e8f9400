#!/bin/bash
# A scrape taken while tasks of every policy section run passes `promtool check metrics`, every one of those
# tasks has its series, and the OpenMetrics answer is complete. One policy per section, with values that work on
# any host of the test beds; the agent mounts net_cls, net_prio and perf_event where they are missing, in a mount
# namespace of its own.
. "$(dirname "$0")/lib.sh"
need_root
command -v promtool >/dev/null || skip_all "promtool not installed (apt-get install prometheus)"
plan 6

use_private_mounts
# a block device of this host for [blkio] (the disk that holds /, or the first one listed)
blk=$(lsblk -ndo MAJ:MIN "$(findmnt -no SOURCE / 2>/dev/null | sed 's/\[.*//')" 2>/dev/null | tr -d ' ' | head -1)
[ -n "$blk" ] || blk=$(awk 'NR > 2 && $4 !~ /^(loop|ram)/ { print $1 ":" $2; exit }' /proc/partitions)

write_config
p=$T_TMP/policies.d
printf '[policy]\ntenant = t-policy\nnamespaces = pid mount uts ipc net cgroup\nhostname = sections\n' >"$p/s-policy.ini"
printf '[memory]\nlimit = 64M\nsoft_limit = 32M\nswappiness = 10\n' >"$p/s-memory.ini"
printf '[cpu]\nquota = 0.5\nshares = 512\n' >"$p/s-cpu.ini"
printf '[cpuset]\ncpus = 0\nmems = 0\n' >"$p/s-cpuset.ini"
printf '[blkio]\nweight = 500\nread_bps = %s 100M\n' "$blk" >"$p/s-blkio.ini"
printf '[devices]\ndefault = deny\nallow = c 1:3 rwm\nallow = c 1:5 rwm\n' >"$p/s-devices.ini"
printf '[freezer]\nstate = thawed\n' >"$p/s-freezer.ini"
printf '[net_cls]\nclassid = 0x100001\n' >"$p/s-net_cls.ini"
printf '[net_prio]\nifpriomap = lo 5\n' >"$p/s-net_prio.ini"
printf '[perf_event]\nevents = task-clock context-switches\n' >"$p/s-perf_event.ini"
printf '[pids]\nmax = 64\n' >"$p/s-pids.ini"
printf '[pressure]\nmemory = some 200ms 2s -> record\ncpu = some 200ms 2s\n' >"$p/s-pressure.ini"
printf '[oom]\naction = record\n' >"$p/s-oom.ini"
sections="policy memory cpu cpuset blkio devices freezer net_cls net_prio perf_event pids pressure oom"
start_agent || { echo "Bail out! agent did not start"; exit 1; }

failed=
for s in $sections; do
        cli run --policy "s-$s" --name "task-$s" -- sleep 60 >/dev/null 2>>"$T_TMP/run.err" || failed="$failed $s"
done
is "$failed" "" "a task of every section's policy runs"
[ -z "$failed" ] || sed 's/^/# /' "$T_TMP/run.err"

m=$(http_ro /metrics)
echo "$m" | promtool check metrics 2>&1 | sed 's/^/# /'
echo "$m" | promtool check metrics >/dev/null 2>&1; ok $? "promtool check metrics passes with tasks of every section running"
missing=
for s in $sections; do
        echo "$m" | grep -q "^container_cpu_usage_seconds_total{id=\"/$T_ROOT/s-$s/[0-9a-f]*\",name=\"task-$s\"" ||
                missing="$missing $s"
done
is "$missing" "" "every section's task has its series"
contains "$m" "container_spec_cpu_quota{id=\"/$T_ROOT/s-cpu/" "the cpu section's limit is exported"
echo "$m" | grep -q "^cgmeter_perf_events_total{id=\"/$T_ROOT/s-perf_event/.*,event=\"task-clock\"}"
ok $? "the perf_event section's counters are exported"
om=$(curl -sS -H 'Accept: application/openmetrics-text;version=1.0.0' "http://127.0.0.1:$T_PORT/metrics")
is "$(echo "$om" | tail -n 1)" "# EOF" "the OpenMetrics answer is complete with every section"
for s in $sections; do
        id=$(cli --json ps | jq -r --arg n "task-$s" '.[] | select(.name == $n and .state == "running") | .id')
        [ -n "$id" ] && cli kill --all "$id" KILL
done
done_testing
