#!/bin/bash
# Restarts and second agents. A killed agent's listeners can live on for a moment in a task it was starting
# (between clone and exec): its successor takes the control socket over at once and waits, bounded, for the
# TCP address. A second agent on the same state directory or control socket is refused at once, naming the
# running one's pid; a start that cannot have its addresses touches nothing, not even with
# kill_tasks_on_stop, and running tasks wait for the next agent.
. "$(dirname "$0")/lib.sh"
need_root
plan 16

write_config
sed -i 's/^\[agent\]$/[agent]\nkill_tasks_on_stop = yes/' "$T_TMP/cgmeter.ini"
printf '[policy]\nnamespaces = pid mount\n' >"$T_TMP/policies.d/p.ini"

# hold SECONDS UNIX_PATH|- PORT: a stand-in for an agent that listened on these and is gone: it binds them,
# hands them to a child that keeps them for SECONDS (as a task between clone and exec would) and exits.
# Prints the child's pid.
hold() {
        python3 - "$@" <<'EOF'
import os, socket, sys, time
secs, path, port = float(sys.argv[1]), sys.argv[2], int(sys.argv[3])
socks = []
if path != "-":
    u = socket.socket(socket.AF_UNIX)
    u.bind(path)
    u.listen(4)
    socks.append(u)
t = socket.socket()
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", port))
t.listen(4)
socks.append(t)
pid = os.fork()
if pid == 0:
    os.close(1)
    time.sleep(secs)
    os._exit(0)
print(pid, flush=True)
EOF
}

# --- a dead agent's child still holds both listeners, and lets go once the new agent waits for the port
holder=$(hold 600 "$T_SOCK" "$T_PORT"); on_exit "kill $holder"
(wait_for 60 'grep -q "is in use; trying again" "$T_TMP/agent.log"'; kill "$holder") &
watcher=$!
start_agent; ok $? "the agent starts while a dead agent's child still holds its listeners"
wait "$watcher"
grep -q "$T_SOCK was left by agent pid [0-9]*, which is gone" "$T_TMP/agent.log"
ok $? "the control socket of a dead agent is taken over, and logged"
grep -q "127.0.0.1:$T_PORT is in use; trying again for up to 5 s" "$T_TMP/agent.log"
ok $? "the TCP address is waited for, and logged"
id=$(cli run --policy p -- sleep 300); ok $? "the control socket is the new agent's"
tpid=$(cli --json ps | jq -r ".[] | select(.id == \"$id\") | .pid")
is "$(http_ro /healthz | jq -r .status)" ok "the read-only listener is the new agent's"

# --- a second agent: same state directory; then another state directory but the same control socket
cp "$T_TMP/cgmeter.ini" "$T_TMP/b.ini"
sed -i "s|^listen = .*|listen = 127.0.0.1:$(free_port)|" "$T_TMP/b.ini"
out=$(timeout 20 "$CGMETERD" -c "$T_TMP/b.ini" 2>&1); rc=$?
is "$rc" 1 "a second agent on the same state directory exits 1"
contains "$out" "another cgmeterd (pid $T_AGENT_PID) is running with the state directory $T_TMP/state" \
        "... naming the running agent's pid"
mkdir -p "$T_TMP/state-c"
sed "s|^state_dir = .*|state_dir = $T_TMP/state-c|" "$T_TMP/b.ini" >"$T_TMP/c.ini"
out=$(timeout 20 "$CGMETERD" -c "$T_TMP/c.ini" 2>&1); rc=$?
is "$rc" 1 "a second agent on the same control socket exits 1"
contains "$out" "another cgmeterd (pid $T_AGENT_PID) is serving $T_SOCK" "... naming the running agent's pid"
cli ps >/dev/null; ok $? "the running agent still answers on its control socket"

# --- the agent is killed, and its TCP address is held for good: the restart fails and touches nothing
kill -KILL "$T_AGENT_PID"; wait "$T_AGENT_PID" 2>/dev/null; T_AGENT_PID=
squatter=$(hold 600 - "$T_PORT"); on_exit "kill $squatter"
out=$(timeout 60 "$CGMETERD" -c "$T_TMP/cgmeter.ini" 2>&1); rc=$?
is "$rc" 1 "a restart whose TCP address stays taken exits 1"
contains "$out" "cannot bind 127.0.0.1:$T_PORT: Address already in use" "... with the address and the reason"
kill -0 "$tpid"; ok $? "the running task was not killed by the failed start (kill_tasks_on_stop = yes)"
kill "$squatter"
start_agent; ok $? "once the address is free the agent starts"
is "$(cli --json ps | jq -r ".[] | select(.id == \"$id\") | .state")" running "... and re-adopts the task"
stop_agent
wait_for 10 "! kill -0 $tpid"; ok $? "a requested stop kills it (kill_tasks_on_stop = yes)"
done_testing
