#!/bin/bash
# OOM-kill-to-event latency (bench/events/README.md): starts its own cgmeterd with a 32M policy and measures
# both paths, a kill that ends the task and a kill inside a task that lives on.
#
#   bench/events/run.sh [-n KILLS] [-o DIR]      (or: make bench-events)
#
# Needs root and a built tree (top_builddir, default: the current directory) with cgmeterd and cgmeter.
# Creates cgroups only below this process's own cgroup, and removes them and its temp dir on any exit.
set -euo pipefail
N=50
OUT=
while getopts "n:o:h" opt; do
        case $opt in
        n) N=$OPTARG ;;
        o) OUT=$OPTARG ;;
        *) sed -n '5,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
        esac
done
: "${top_builddir:=$PWD}"
here=$(cd "$(dirname "$0")" && pwd -P)
top_srcdir=$(cd "$here/../.." && pwd -P)
[ "$(id -u)" = 0 ] || { echo "run.sh: needs root" >&2; exit 1; }
# the integration library gives a private agent (config, start, cleanup of its cgroups and temp dir)
. "$top_srcdir/tests/integration/lib.sh"
write_config
printf '[policy]\nnamespaces = mount\n[memory]\nlimit = 32M\n[oom]\naction = record\n' >"$T_TMP/policies.d/hog.ini"
start_agent >/dev/null
echo "# $(uname -r), $(nproc) CPUs, cgroup mode: $(grep -o 'cgroup mode [a-z0-9]*' "$T_TMP/agent.log" | head -1)"
for mode in end survive; do
        python3 "$here/oom-latency.py" --socket "$T_SOCK" --cgmeter "$CGMETER" -n "$N" --mode "$mode" \
                ${OUT:+-o "$OUT/oom-latency-$mode.txt"}
done
