#!/bin/bash
# net_cls, net_prio and perf_event are not mounted on this host: a policy that needs them makes the agent mount
# them (and say so), and its values are in force; with mount_controllers = no the launch is refused with what to do.
# The agent runs in a mount namespace of its own, so its mounts stay invisible to every other agent on the host.
. "$(dirname "$0")/lib.sh"
need_root
plan 8

use_private_mounts

write_config
printf '[policy]\nnamespaces = pid mount net\n[net_cls]\nclassid = 0x100001\n[net_prio]\nifpriomap = lo 5\n[perf_event]\nevents = task-clock\n' >"$T_TMP/policies.d/net.ini"
sed -i 's/^\[agent\]$/[agent]\nmount_controllers = no/' "$T_TMP/cgmeter.ini"
start_agent || { echo "Bail out! agent did not start"; exit 1; }
out=$(cli run --policy net -- sleep 30 2>&1); rc=$?
is "$rc" 1 "with mount_controllers = no a policy needing net_cls is refused"
contains "$out" "is not mounted: set mount_controllers = yes in [agent] or run 'mkdir -p" "and the message says what to do"
is "$(leftover_task_cgroups net)" "" "nothing is left behind"
remove_agent_cgroups
stop_agent

sed -i '/^mount_controllers = no$/d' "$T_TMP/cgmeter.ini"
start_agent || { echo "Bail out! agent did not start"; exit 1; }
id=$(cli run --policy net -- sleep 30); ok $? "with the default (mount_controllers = yes) the task starts"
grep -q "mounted the net_cls,net_prio hierarchy at /run/cgmeter/cgroup/net_cls,net_prio" "$T_TMP/agent.log"
ok $? "the agent logs that it mounted net_cls,net_prio"
d=$(agent_mounts)/net_cls,net_prio/$T_ROOT/net/$id
is "$(cat "$d/net_cls.classid")" 1048577 "net_cls.classid is 0x100001"
grep -qx "lo 5" "$d/net_prio.ifpriomap"; ok $? "net_prio.ifpriomap has lo 5"
grep -q . "$(agent_mounts)/perf_event/$T_ROOT/net/$id/cgroup.procs"; ok $? "the task is a member of the perf_event hierarchy"
cli kill --all "$id" KILL >/dev/null
wait_for 5 '[ "$(task_field "$id" .state)" = ended ]'
done_testing
