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

plan() { echo "1..$1"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
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
        rm -rf "$T_TMP"
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
        ${T_AGENT_WRAP:-} "$CGMETERD" -c "$T_TMP/cgmeter.ini" "$@" >>"$T_TMP/agent.log" 2>&1 &
        T_AGENT_PID=$!
        local i
        for i in $(seq 100); do
                curl -fsS "http://127.0.0.1:$T_PORT/healthz" >/dev/null 2>&1 && return 0
                kill -0 "$T_AGENT_PID" 2>/dev/null || break
                sleep 0.1
        done
        diag "agent did not start; its log:"; sed 's/^/#   /' "$T_TMP/agent.log" | tail -20
        return 1
}

stop_agent() {
        [ -n "$T_AGENT_PID" ] || return 0
        kill -TERM "$T_AGENT_PID" 2>/dev/null || true
        local i
        for i in $(seq 50); do kill -0 "$T_AGENT_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$T_AGENT_PID" 2>/dev/null || true
        wait "$T_AGENT_PID" 2>/dev/null || true
        T_AGENT_PID=
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
        local deadline=$(( $(date +%s%N) + ${1%.*} * 1000000000 )); shift
        while ! eval "$*" >/dev/null 2>&1; do
                [ "$(date +%s%N)" -gt "$deadline" ] && return 1
                sleep 0.05
        done
}

task_field() { # task_field ID JQ-EXPR
        cli --json ps --all | jq -r --arg id "$1" ".[] | select(.id == \$id) | $2"
}
