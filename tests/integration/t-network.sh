#!/bin/bash
# Network bytes and packets per task from the cgroup_skb programs: a task sends 10 MB over loopback to a
# listener outside the agent's subtree; /metrics and the task's ledger record show it; an agent restart finds
# the attached programs again (no second pair) and keeps counting into the same map.
. "$(dirname "$0")/lib.sh"
need_root
command -v python3 >/dev/null || skip_all "python3 not installed"
[ -n "$(awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo)" ] || skip_all "no unified (v2) tree: no cgroup-BPF"
plan 12

MB10=$((10 * 1024 * 1024))
metric() { # metric NAME TASK-ID -> the value of that task's series
        http_ro /metrics | awk -v n="$1" -v id="/$T_ROOT/net/$2" \
                'index($0, n "{id=\"" id "\"") == 1 {print $NF}'
}
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 >= b + 0) }'; }
our_programs() { bpftool cgroup show "$(cg_dir unified '')" 2>/dev/null | grep -c "cgm_net_$1"; }

write_config
# pid and mount only: the task shares the host's network namespace, so it reaches the listener on lo
cat >"$T_TMP/policies.d/net.ini" <<'INI'
[policy]
tenant = acme
namespaces = pid mount
INI
start_agent || { echo "Bail out! agent did not start"; exit 1; }
contains "$(http_ro /metrics)" 'cgmeter_collector_up{collector="net"} 1' "the net collector is up on this host"

# the listener: outside the agent's subtree, so its own traffic is not counted; it writes what it received
port=$(free_port)
python3 - "$port" "$T_TMP/received" <<'PY' &
import socket, sys
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", int(sys.argv[1]))); l.listen(1); l.settimeout(60)
open(sys.argv[2] + ".ready", "w").close()
c, _ = l.accept(); n = 0
while True:
    b = c.recv(1 << 20)
    if not b: break
    n += len(b)
open(sys.argv[2], "w").write(str(n))
PY
lpid=$!
on_exit "kill $lpid"
wait_for 10 "[ -e $T_TMP/received.ready ]" || diag "the listener did not start"

id=$(cli run --policy net --name sender -- /bin/bash -c \
        "dd if=/dev/zero bs=1M count=10 2>/dev/null >/dev/tcp/127.0.0.1/$port; while [ ! -e $T_TMP/go ]; do sleep 0.05; done")
ok $? "a task that sends 10 MB over loopback starts ($id)"
wait_for 20 "[ -s $T_TMP/received ]"; ok $? "the listener received it"
is "$(cat "$T_TMP/received" 2>/dev/null)" "$MB10" "the listener got exactly 10 MiB"

tx=$(metric container_network_transmit_bytes_total "$id")
ge "$tx" "$MB10"; ok $? "container_network_transmit_bytes_total >= 10 MiB while the task runs ($tx)"
awk -v v="$tx" -v b="$MB10" 'BEGIN { exit !(v < b * 1.1) }'; ok $? "and not more than 10 % above it (headers, handshake)"
rxp=$(metric container_network_receive_packets_total "$id")
ge "$rxp" 1; ok $? "the task received packets (the listener's ACKs: $rxp)"
contains "$(http_ro /metrics)" "container_network_transmit_packets_total{id=\"/$T_ROOT/net/$id\",name=\"sender\",task=\"$id\",policy=\"net\",tenant=\"acme\",interface=\"all\"}" \
        "packet counters with the task's labels and interface=\"all\""

# a restarted agent re-finds the programs and their map: no second pair, counts kept
stop_agent
start_agent || { echo "Bail out! agent did not restart"; exit 1; }
if command -v bpftool >/dev/null; then
        is "$(our_programs in) $(our_programs out)" "1 1" "after a restart one ingress and one egress program are attached"
else
        pass "after a restart one ingress and one egress program are attached # SKIP bpftool not installed"
fi
tx2=$(metric container_network_transmit_bytes_total "$id")
ge "$tx2" "$tx"; ok $? "the re-adopted task's counter did not go back ($tx2 >= $tx)"

touch "$T_TMP/go"
wait_for 20 "[ \"\$(task_field $id .state)\" = ended ]"; ok $? "the task ended"
rec=$(cli --json usage --policy net | jq -r --arg id "$id" '.records[] | select(.id == $id) | .net_tx_bytes')
ge "$rec" "$MB10"; ok $? "its ledger record has net_tx_bytes >= 10 MiB ($rec)"
done_testing
