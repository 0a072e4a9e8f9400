#!/bin/bash
# A reload applies changed limits to running tasks (read back from the cgroup files), and a memory limit below a
# task's current usage is refused for that task, which keeps its previous limits.
. "$(dirname "$0")/lib.sh"
need_root
plan 12

write_config
pol() { # pol MEM QUOTA PIDS
        printf '[policy]\nnamespaces = pid mount\n[memory]\nlimit = %s\n[cpu]\nquota = %s\n[pids]\nmax = %s\n' "$@" \
                >"$T_TMP/policies.d/lim.ini"
}
pol 64M 0.5 100
start_agent || { echo "Bail out! agent did not start"; exit 1; }
id=$(cli run --policy lim -- /bin/sh -c 'x=$(head -c 30000000 /dev/zero | tr "\0" a); sleep 60')
mem=$(cg_dir memory "lim/$id"); cpu=$(cg_dir cpu "lim/$id"); pids=$(cg_dir pids "lim/$id")
is "$(cat "$mem/memory.limit_in_bytes")" 67108864 "memory.limit_in_bytes is 64M at launch"
is "$(cat "$cpu/cpu.cfs_quota_us") $(cat "$cpu/cpu.cfs_period_us")" "50000 100000" "cfs quota/period at launch"
is "$(cat "$pids/pids.max")" 100 "pids.max at launch"

pol 128M 1 200
out=$(cli reload 2>&1); ok $? "a reload with raised limits succeeds"
is "$(cat "$mem/memory.limit_in_bytes")" 134217728 "memory.limit_in_bytes is raised live"
is "$(cat "$cpu/cpu.cfs_quota_us")" 100000 "cfs quota is raised live"
is "$(cat "$pids/pids.max")" 200 "pids.max is raised live"

wait_for 10 '[ "$(cat "$mem/memory.usage_in_bytes")" -gt 25000000 ]' ; ok $? "the task holds about 30 MB"
pol 16M 0.25 50
out=$(cli reload 2>&1); rc=$?
is "$rc" 0 "the policy set is reloaded"
contains "$out" "below current usage" "the task that cannot take a 16M limit is reported"
is "$(cat "$mem/memory.limit_in_bytes")" 134217728 "its memory limit is unchanged"
is "$(cat "$cpu/cpu.cfs_quota_us") $(cat "$pids/pids.max")" "100000 200" "and nothing else was half-applied"
cli kill --all "$id" KILL
done_testing
