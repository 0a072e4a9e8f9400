# TAP helpers for the integration tests, and an agent each test starts for itself.
# Usage: . "$top_srcdir/tests/integration/lib.sh"; plan N; ok/is/...; the EXIT trap cleans up.
set -u
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
CGMETERD=$top_builddir/cgmeterd
T_AGENT_WRAP= # e.g. "unshare -m --propagation private": runs the agent in its own mount namespace
CGMETER=$top_builddir/cgmeter
T_NUM=0
T_FAILED=0
T_TMP=$(mktemp -d /tmp/cgmeter-it.XXXXXX)
T_AGENT_PID=
T_CLEANUPS=()

# T_VALGRIND=1 (tests/fuzz/t-valgrind-suite.sh): the agent runs under valgrind memcheck. Each agent run logs to
# $T_TMP/valgrind.<pid>.log; stop_agent checks that log once the agent has exited on SIGTERM and adds a TAP
# line (no error, "definitely lost: 0 bytes"), t_cleanup checks the runs a test ended with SIGKILL itself (no
# leak summary there: errors only). The plan goes last (how many agent runs there are is not known up front).
# Agent start and wait_for get T_SLOW (T_VG_SLOW, 5) times longer, the agent's exit up to 120 s. T_VG_KEEP=DIR
# keeps the logs there.
T_VALGRIND=${T_VALGRIND:-}
[ "$T_VALGRIND" != 0 ] || T_VALGRIND=
T_SLOW=1
T_VG_CMD=()
if [ -n "$T_VALGRIND" ]; then
        T_SLOW=${T_VG_SLOW:-5}
        T_VG_CMD=(valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 --track-fds=no
                --num-callers=30 --suppressions="$top_srcdir/tests/fuzz/valgrind.supp"
                --log-file="$T_TMP/valgrind.%p.log")
fi
T_VG_PIDS=()   # agent runs, in start order
T_VG_CHECKED=" "
T_VG_FAILED=0
T_PLAN=

plan() { if [ -n "$T_VALGRIND" ]; then T_PLAN=$1; else echo "1..$1"; fi; }
skip_all() { echo "1..0 # SKIP $*"; T_PLAN=; exit 0; }
ok() { # ok COND_EXIT_STATUS DESCRIPTION
        T_NUM=$((T_NUM + 1))
        if [ "$1" -eq 0 ]; then echo "ok $T_NUM - $2"; else echo "not ok $T_NUM - $2"; T_FAILED=$((T_FAILED + 1)); fi
}
pass() { ok 0 "$1"; }
fail() { ok 1 "$1"; }
is() { # is ACTUAL EXPECTED DESCRIPTION
        if [ "$1" = "$2" ]; then ok 0 "$3"; else
                ok 1 "$3"; printf '#   expected: %s\n#   actual:   %s\n' "$2" "$1" | head -40; fi
}
contains() { # contains HAYSTACK NEEDLE DESCRIPTION
        case "$1" in *"$2"*) ok 0 "$3" ;; *) ok 1 "$3"; printf '#   wanted: %s\n#   in:     %.600s\n' "$2" "$1" | head -12 ;; esac
}
diag() { echo "# $*"; }
on_exit() { T_CLEANUPS+=("$*"); }

t_cleanup() {
        local i
        stop_agent
        for ((i = ${#T_CLEANUPS[@]} - 1; i >= 0; i--)); do eval "${T_CLEANUPS[$i]}" >/dev/null 2>&1 || true; done
        [ -z "$T_VALGRIND" ] || vg_finish
        # a failed test shows what its agents logged (CI keeps only the test's log)
        if [ "$T_FAILED" -gt 0 ] && [ -s "$T_TMP/agent.log" ]; then
                diag "the agent's log (last 60 lines):"; tail -60 "$T_TMP/agent.log" | sed 's/^/#   /'
        fi
        rm -rf "$T_TMP"
        # valgrind mode: a valgrind finding fails the test even after done_testing's exit status
        [ "$T_VG_FAILED" = 0 ] || exit 1
}
trap t_cleanup EXIT

need_root() { [ "$(id -u)" = 0 ] || skip_all "needs root"; }

# A free TCP port on loopback.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Write an agent config for this test into $T_TMP/cgmeter.ini (extra lines appended from stdin if any).
T_ROOT=cgmeter-test-$$
write_config() {
        T_PORT=$(free_port)
        T_SOCK=$T_TMP/control.sock
        mkdir -p "$T_TMP/policies.d" "$T_TMP/state"
        cat >"$T_TMP/cgmeter.ini" <<INI
[agent]
policy_dir = $T_TMP/policies.d
state_dir = $T_TMP/state
cgroup_root = $T_ROOT
log_level = debug
[http]
listen = 127.0.0.1:$T_PORT
control_socket = $T_SOCK
INI
}

# Start cgmeterd with the test config; waits until /healthz answers. Extra args go to cgmeterd.
start_agent() {
        [ -f "$T_TMP/cgmeter.ini" ] || write_config
        ${T_AGENT_WRAP:-} "${T_VG_CMD[@]}" "$CGMETERD" -c "$T_TMP/cgmeter.ini" "$@" >>"$T_TMP/agent.log" 2>&1 &
        T_AGENT_PID=$!
        [ -z "$T_VALGRIND" ] || T_VG_PIDS+=("$T_AGENT_PID")
        local i
        for i in $(seq $((100 * T_SLOW))); do
                curl -fsS "http://127.0.0.1:$T_PORT/healthz" >/dev/null 2>&1 && return 0
                kill -0 "$T_AGENT_PID" 2>/dev/null || break
                sleep 0.1
        done
        diag "agent did not start; its log:"; sed 's/^/#   /' "$T_TMP/agent.log" | tail -20
        return 1
}

stop_agent() {
        [ -n "$T_AGENT_PID" ] || return 0
        [ -z "$T_VALGRIND" ] || { vg_stop_agent; return 0; }
        kill -TERM "$T_AGENT_PID" 2>/dev/null || true
        local i
        for i in $(seq 50); do kill -0 "$T_AGENT_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$T_AGENT_PID" 2>/dev/null || true
        wait "$T_AGENT_PID" 2>/dev/null || true
        T_AGENT_PID=
}

# valgrind mode: SIGTERM, then up to 120 s for the agent's shutdown and valgrind's leak check.
vg_stop_agent() {
        local i pid=$T_AGENT_PID rc=0 how=SIGTERM
        kill -TERM "$pid" 2>/dev/null || true
        for i in $(seq 1200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
                how="SIGTERM, then SIGKILL after 120 s"
                kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || rc=$?
        T_AGENT_PID=
        vg_check_run "$pid" "$how" "$rc"
}

# One TAP line for one agent run's valgrind log: no error at all; after SIGTERM also a leak summary with
# nothing definitely lost. Logs of the agent's children (between clone and exec) are checked with it.
vg_check_run() { # vg_check_run PID HOW EXIT_STATUS
        local pid=$1 how=$2 rc=$3 n log logs errs=0 summary=no lost= f
        for n in "${!T_VG_PIDS[@]}"; do [ "${T_VG_PIDS[$n]}" = "$pid" ] && break; done
        n=$((n + 1))
        T_VG_CHECKED+="$pid "
        log=$T_TMP/valgrind.$pid.log
        logs=$(grep -l "^==[0-9]*== Parent PID: $pid\$" "$T_TMP"/valgrind.*.log 2>/dev/null | grep -vx "$log")
        for f in "$log" $logs; do
                [ -f "$f" ] || continue
                errs=$((errs + $(grep -cE '^==[0-9]+== (Invalid (read|write|free)|Mismatched free|Conditional jump|Use of uninitialised|Syscall param|Source and destination overlap|Argument .* fishy|Jump to the invalid|Process terminating with default action|Warning: invalid file descriptor)' "$f")))
        done
        if [ -f "$log" ] && grep -q '== ERROR SUMMARY: ' "$log"; then
                summary=yes
                grep -q '== ERROR SUMMARY: 0 errors' "$log" || errs=$((errs + 1))
                if grep -q 'All heap blocks were freed -- no leaks are possible' "$log"; then
                        lost=0
                else
                        lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tr -d , | head -1)
                fi
        fi
        if [ ! -f "$log" ]; then
                fail "valgrind: agent run $n ($how): no valgrind log"
        elif [[ $how == SIGTERM ]]; then
                [ "$errs" = 0 ] && [ "$summary" = yes ] && [ "$lost" = 0 ] && [ "$rc" != 99 ]
                ok $? "valgrind: agent run $n ($how, exit $rc): no errors, definitely lost: ${lost:-?} bytes"
        elif [[ $how == SIGKILL* ]]; then
                [ "$errs" = 0 ]
                ok $? "valgrind: agent run $n ($how, no leak summary): no errors"
        else
                fail "valgrind: agent run $n ($how): the agent did not exit"
                errs=$((errs + 1))
        fi
        [ "${T_VG_KEEP:-}" ] && mkdir -p "$T_VG_KEEP" &&
                cp "$log" $logs "$T_VG_KEEP/" 2>/dev/null
        if [ "$errs" != 0 ] || [[ $how == SIGTERM && ( $summary != yes || $lost != 0 ) ]]; then
                T_VG_FAILED=$((T_VG_FAILED + 1))
                for f in "$log" $logs; do [ -f "$f" ] && sed 's/^/#   /' "$f" | grep -v '^#   --' | head -60; done
        fi
        return 0
}

# At exit: check the runs nobody stopped through stop_agent (the test SIGKILLed them), then print the plan.
vg_finish() {
        local pid
        for pid in "${T_VG_PIDS[@]}"; do
                [[ $T_VG_CHECKED == *" $pid "* ]] || vg_check_run "$pid" "SIGKILL by the test" "?"
        done
        [ -z "$T_PLAN" ] || echo "1..$((T_PLAN + ${#T_VG_PIDS[@]}))"
}

cli() { CGMETER_SOCKET=$T_SOCK "$CGMETER" "$@"; }
http_ro() { curl -sS "http://127.0.0.1:$T_PORT$1"; }
http_ctl() { # http_ctl METHOD PATH [BODY] -> prints "STATUS BODY"
        curl -sS --unix-socket "$T_SOCK" -X "$1" ${3:+-d "$3"} -H 'Content-Type: application/json' \
                -w '\n%{http_code}' "http://cgmeterd$2"
}

done_testing() { exit $((T_FAILED > 0)); }

# The directories of <own cgroup>/$T_ROOT in every mounted hierarchy (v1 and unified).
test_cgroup_dirs() {
        local line id ctrls path mp
        while IFS= read -r line; do
                id=${line%%:*}; line=${line#*:}; ctrls=${line%%:*}; path=${line#*:}
                if [ -z "$ctrls" ]; then
                        mp=$(awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo)
                else
                        mp=$(awk -v c="$ctrls" '{
                                for (i = 1; i <= NF; i++) if ($i == "-") break;
                                if ($(i+1) != "cgroup") next;
                                n = split($(i+3), o, ","); m = split(c, w, ","); hit = 0;
                                for (j = 1; j <= m; j++) for (k = 1; k <= n; k++) if (o[k] == w[j]) hit++;
                                if (hit == m) { print $5; exit } }' /proc/self/mountinfo)
                fi
                [ -n "$mp" ] && [ -d "$mp${path%/}/$T_ROOT" ] && echo "$mp${path%/}/$T_ROOT"
        done </proc/self/cgroup
        # hierarchies the agent mounted itself
        for mp in /run/cgmeter/cgroup/*; do [ -d "$mp/$T_ROOT" ] && echo "$mp/$T_ROOT"; done
        return 0
}

# Kill what is left in the test's cgroups (only processes this test started live there) and remove them.
cleanup_test_cgroups() {
        local d f pid i
        # processes that were just killed leave their cgroups a moment later: retry for a few seconds
        for i in $(seq 50); do
                for d in $(test_cgroup_dirs); do
                        for f in $(find "$d" -name cgroup.procs 2>/dev/null); do
                                for pid in $(cat "$f" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
                        done
                        for f in $(find "$d" -name cgroup.freeze 2>/dev/null); do echo 0 >"$f" 2>/dev/null; done
                        find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
                done
                [ -z "$(test_cgroup_dirs)" ] && break
                sleep 0.1
        done
        return 0
}
on_exit cleanup_test_cgroups

# The directory of <own cgroup>/$T_ROOT/REL in the hierarchy of controller CTRL ("unified" for cgroup2).
cg_dir() { # cg_dir CTRL REL
        local ctrl=$1 rel=$2 line ctrls path mp
        while IFS= read -r line; do
                line=${line#*:}; ctrls=${line%%:*}; path=${line#*:}
                if [ "$ctrl" = unified ] && [ -z "$ctrls" ]; then
                        mp=$(awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo)
                elif [ "$ctrl" != unified ] && [[ ",$ctrls," == *",$ctrl,"* ]]; then
                        mp=$(awk -v c="$ctrl" '{ for (i = 1; i <= NF; i++) if ($i == "-") break;
                                if ($(i+1) != "cgroup") next; n = split($(i+3), o, ",");
                                for (k = 1; k <= n; k++) if (o[k] == c) { print $5; exit } }' /proc/self/mountinfo)
                else
                        continue
                fi
                echo "$mp${path%/}/$T_ROOT/$rel"
                return 0
        done </proc/self/cgroup
        return 1
}

# Task ids of a policy still present as cgroups in any hierarchy (nothing should be left after a failure).
leftover_task_cgroups() { # leftover_task_cgroups POLICY
        local d
        for d in $(test_cgroup_dirs); do
                [ -d "$d/$1" ] && find "$d/$1" -mindepth 1 -maxdepth 1 -type d -printf '%f\n'
        done | sort -u
        return 0
}

# Wait until the shell condition (a string, evaluated each time) holds, at most SECONDS.
wait_for() { # wait_for SECONDS 'CONDITION'
        local deadline=$(( $(date +%s%N) + ${1%.*} * T_SLOW * 1000000000 )); shift
        while ! eval "$*" >/dev/null 2>&1; do
                [ "$(date +%s%N)" -gt "$deadline" ] && return 1
                sleep 0.05
        done
}

task_field() { # task_field ID JQ-EXPR
        cli --json ps --all | jq -r --arg id "$1" ".[] | select(.id == \$id) | $2"
}

# The agent in a mount namespace of its own: the v1 hierarchies it mounts (net_cls,net_prio, perf_event under
# /run/cgmeter/cgroup) stay invisible to everything else on the host. Its cgroups there must go before its
# namespace does (a v1 hierarchy that still holds cgroups outlives its last mount, hidden), and the kernel must
# have released them (only the root cgroup left) before the last mount goes: registered to run at exit.
use_private_mounts() {
        T_AGENT_WRAP="unshare -m --propagation private"
        on_exit remove_agent_cgroups
        # the EXIT trap runs the registered cleanups last-first, and stop_agent first of all: remove before that
        trap 'remove_agent_cgroups; t_cleanup' EXIT
}
agent_mounts() { echo "/proc/$T_AGENT_PID/root/run/cgmeter/cgroup"; }
remove_agent_cgroups() {
        [ -n "$T_AGENT_PID" ] || return 0
        local m i
        cleanup_test_cgroups
        for m in "$(agent_mounts)"/*; do
                [ -d "$m/$T_ROOT" ] && find "$m/$T_ROOT" -depth -type d -exec rmdir {} \; 2>/dev/null
        done
        for i in $(seq 100); do
                awk '$1 == "net_cls" || $1 == "perf_event" { if ($2 != 0 && $3 != 1) busy = 1 } END { exit busy }' \
                        /proc/cgroups && break
                sleep 0.05
        done
        return 0
}
