#!/bin/sh
# Runs INSIDE the VM (busybox sh, as root on the root cgroup): proves the pure cgroup-v2 host the agent's v2
# backend is tested on really is one. TAP on stdout; exits 1 if any test failed.
cg=/sys/fs/cgroup
child=$cg/cgm-smoke
n=0
failed=0
pid=

ok() { # DESCRIPTION (the test passed)
	n=$((n + 1))
	echo "ok $n - $1"
}
not_ok() { # DESCRIPTION WHY...
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	for why in "$@"; do echo "#   $why"; done
}
# check DESCRIPTION EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: '$2'" "got:      '$3'"; fi
}
# write_read FILE VALUE EXPECTED: write VALUE to FILE, read it back. The echo runs in a subshell so the
# kernel's refusal (EINVAL, EBUSY...) is captured as the reason.
# shellcheck disable=SC2116
write_read() {
	if ! err=$(echo "$2" 2>&1 >"$1"); then
		not_ok "write '$2' to ${1#"$cg"/}" "write failed: $err"
		return
	fi
	check "${1#"$cg"/} = '$2' reads back '$3'" "$3" "$(cat "$1" 2>&1)"
}

cleanup() {
	if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null; fi
	if [ -d "$child" ]; then rmdir "$child" 2>/dev/null; fi
}
trap cleanup EXIT

echo "1..17"

# statfs magic CGROUP2_SUPER_MAGIC (busybox stat has no name for it)
check "/sys/fs/cgroup is cgroup2" "63677270" "$(stat -f -c %t $cg 2>&1)"
check "cgroup2 is the only cgroup mount" "cgroup2 $cg" "$(awk '$3 ~ /^cgroup/ { print $3, $2 }' /proc/mounts)"
check "we run in the root cgroup" "0::/" "$(cat /proc/self/cgroup)"
# Field 5 of mountinfo is the mount point; after " - " come the type and the source.
check "/ is a tmpfs mount (pivot_root works)" "tmpfs" "$(awk '$5 == "/" { for (i = 6; $i != "-"; i++); print $(i + 1) }' /proc/self/mountinfo)"

controllers=$(cat $cg/cgroup.controllers 2>&1)
missing=
for c in cpu memory io pids cpuset; do
	case " $controllers " in
	*" $c "*) ;;
	*) missing="$missing $c" ;;
	esac
done
if [ -z "$missing" ]; then
	ok "cgroup.controllers lists cpu memory io pids cpuset"
else
	not_ok "cgroup.controllers lists cpu memory io pids cpuset" "missing:$missing" "cgroup.controllers: $controllers"
fi

# shellcheck disable=SC2116
if err=$(echo "+cpu +memory +pids" 2>&1 >$cg/cgroup.subtree_control); then
	ok "enable +cpu +memory +pids in the root's subtree_control"
else
	not_ok "enable +cpu +memory +pids in the root's subtree_control" "$err"
fi
enabled=$(tr ' ' '\n' <$cg/cgroup.subtree_control | grep -E '^(cpu|memory|pids)$' | sort | tr '\n' ' ')
check "subtree_control has cpu memory pids" "cpu memory pids " "$enabled"

if err=$(mkdir $child 2>&1); then ok "create a child cgroup"; else not_ok "create a child cgroup" "$err"; fi
check "the child has cpu memory pids" "cpu memory pids" "$(cat $child/cgroup.controllers 2>&1)"

write_read $child/cpu.max "50000 100000" "50000 100000"
write_read $child/memory.max "64M" "67108864"
write_read $child/pids.max "32" "32"

sleep 600 &
pid=$!
# shellcheck disable=SC2116
if err=$(echo $pid 2>&1 >$child/cgroup.procs); then
	ok "move a process into the child"
else
	not_ok "move a process into the child" "$err"
fi
check "the process is in /cgm-smoke" "0::/cgm-smoke" "$(cat /proc/$pid/cgroup 2>&1)"
check "the child is populated" "populated 1" "$(grep populated $child/cgroup.events 2>&1)"

kill -KILL $pid
wait $pid 2>/dev/null
pid=
# The kernel updates cgroup.events right after the exit; give it a moment under emulation.
i=0
while grep -q 'populated 1' $child/cgroup.events && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "the child is empty after the process ended" "populated 0" "$(grep populated $child/cgroup.events 2>&1)"

if err=$(rmdir $child 2>&1) && [ ! -e $child ]; then
	ok "remove the child"
else
	not_ok "remove the child" "${err:-still there}"
fi

[ $failed -eq 0 ]
