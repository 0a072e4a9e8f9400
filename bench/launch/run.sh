#!/bin/bash
# Launch-latency benchmark: /bin/true with six namespaces and a memory+cpu+pids limited cgroup, by cgmeter
# (in-process, one-shot, agent API, CLI) and by runc, bubblewrap and unshare + cgexec, interleaved in one run.
# The method is bench/launch/README.md.
#
#   bench/launch/run.sh [-n LAUNCHES] [-r RUNS] [-o DIR] [-t TMPDIR]     (or: make bench-launch)
#     -o DIR     keep the raw samples and the summaries (TSV) there
#     -t TMPDIR  where the temp dir (bundles, the agent's state_dir) lives; default /tmp
#
# Needs root, a built tree (top_builddir, default: the current directory) with bench/launch-bench, cgmeterd
# and cgmeter (make bench cgmeterd cgmeter), and the peers from tools/deps.sh --test.
# Creates cgroups only below this process's own cgroup, and removes them and its temp dir on any exit.
set -euo pipefail

N=200
RUNS=2
OUT=
TMPBASE=/tmp
while getopts "n:r:o:t:h" opt; do
        case $opt in
        n) N=$OPTARG ;;
        r) RUNS=$OPTARG ;;
        o) OUT=$OPTARG ;;
        t) TMPBASE=$OPTARG ;;
        h) sed -n '5,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) sed -n '5,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
        esac
done

: "${top_builddir:=$PWD}"
BENCH=$top_builddir/bench/launch-bench
CGMETERD=$top_builddir/cgmeterd
CGMETER=$top_builddir/cgmeter

die() { echo "run.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (cgroups, namespaces, runc)"
for f in "$BENCH" "$CGMETERD" "$CGMETER"; do
        [ -x "$f" ] || die "$f is missing: build it (make bench cgmeterd cgmeter) or set top_builddir"
done
for c in runc bwrap unshare cgcreate cgset cgexec cgdelete jq curl; do
        command -v "$c" >/dev/null || die "$c is missing: install the peers with tools/deps.sh --test"
done

TMP=$(mktemp -d "$TMPBASE/cgmeter-bench.XXXXXX")
ROOT=cgmeter-bench-$$
AGENT_PID=
BENCH_PID=

# Our cgroup in the hierarchy of controller $1 ("" for the unified one), from /proc/self/cgroup.
own_cgroup() {
        awk -F: -v c="$1" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) { print $3; exit }
                             if (c == "" && $2 == "") { print $3; exit } }' /proc/self/cgroup
}

# Every directory this script's launchers may create: <mount><own>/<ROOT>* in each mounted hierarchy.
our_cgroup_dirs() {
        local line mnt type opts own ctrl
        while read -r _ mnt type opts _; do
                case $type in
                cgroup2) own=$(own_cgroup "") ;;
                cgroup)
                        own=
                        for ctrl in ${opts//,/ }; do
                                case $ctrl in rw | ro | nosuid | nodev | noexec | relatime | clone_children | xattr) continue ;; esac
                                own=$(own_cgroup "$ctrl")
                                [ -n "$own" ] && break
                        done ;;
                *) continue ;;
                esac
                [ -n "$own" ] || continue
                for line in "$mnt${own%/}/$ROOT"*; do
                        if [ -d "$line" ]; then echo "$line"; fi
                done
        done </proc/self/mounts
}

cleanup() {
        local rc=$? d
        trap - EXIT INT TERM
        set +e
        if [ -n "$BENCH_PID" ]; then
                kill -TERM "$BENCH_PID" 2>/dev/null
                wait "$BENCH_PID" 2>/dev/null
        fi
        if [ -n "$AGENT_PID" ]; then
                kill -TERM "$AGENT_PID" 2>/dev/null || true
                wait "$AGENT_PID" 2>/dev/null || true
        fi
        "$BENCH" cleanup --root "$ROOT" 2>/dev/null || true
        "$BENCH" cleanup --root "$ROOT-agent" 2>/dev/null || true
        # what a peer left (runc and cgcreate keep parents; a failed launch may keep a leaf): deepest first
        # a launch cut short may leave a process for a moment: try again briefly
        for _ in 1 2 3 4 5; do
                for d in $(our_cgroup_dirs); do
                        find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
                done
                [ -z "$(our_cgroup_dirs)" ] && break
                sleep 0.2
        done
        left=$(our_cgroup_dirs)
        [ -z "$left" ] || echo "run.sh: could not remove: $left" >&2
        rm -rf "$TMP"
        exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- runc: a bundle per launch (unique cgroup below ours), one shared rootfs holding /bin/true and its libs.
ROOTFS=$TMP/rootfs
mkdir -p "$ROOTFS/bin"
cp /bin/true "$ROOTFS/bin/"
for lib in $(ldd /bin/true | grep -o '/[^ ]*'); do
        mkdir -p "$ROOTFS$(dirname "$lib")"
        cp "$lib" "$ROOTFS$lib"
done
(cd "$TMP" && runc spec)
jq --arg rootfs "$ROOTFS" --arg cg "$ROOT-runc/@ID@" '
        .root = { path: $rootfs, readonly: true }
        | .process.args = ["/bin/true"] | .process.terminal = false
        | .linux.namespaces = [ { type: "pid" }, { type: "network" }, { type: "ipc" }, { type: "uts" },
                                { type: "mount" }, { type: "cgroup" } ]
        | .linux.cgroupsPath = $cg
        | .linux.resources.memory = { limit: 268435456 }
        | .linux.resources.cpu = { quota: 100000, period: 100000 }
        | .linux.resources.pids = { limit: 256 }' "$TMP/config.json" >"$TMP/config.tmpl"
make_bundles() { # RUN: one bundle dir per launch, the id in the cgroup path
        local i
        for ((i = 0; i < N + 5; i++)); do
                mkdir -p "$TMP/runc/r$1/b$i"
                sed "s|@ID@|r$1-c$i|" "$TMP/config.tmpl" >"$TMP/runc/r$1/b$i/config.json"
        done
}

# --- unshare + cgexec: the same limits, written by cgset, in a cgroup below ours in each hierarchy.
MEM_OWN=$(own_cgroup memory); CPU_OWN=$(own_cgroup cpu); PIDS_OWN=$(own_cgroup pids)
if [ -z "$MEM_OWN" ] || [ -z "$CPU_OWN" ] || [ -z "$PIDS_OWN" ]; then
        die "unshare + cgexec needs v1 memory, cpu and pids hierarchies (this is a hybrid-host benchmark)"
fi
cgx_steps() { # RUN LEAF PREFIX: cgcreate, cgset, cgexec + unshare, cgdelete; PREFIX "!" untimes setup/teardown
        local m=memory:${MEM_OWN%/}/$ROOT-cgx/$2 c=cpu:${CPU_OWN%/}/$ROOT-cgx/$2 p=pids:${PIDS_OWN%/}/$ROOT-cgx/$2
        echo "$3cgcreate -g $m -g $c -g $p ;; $3cgset -r memory.limit_in_bytes=268435456 ${m#memory:}" \
                ";; $3cgset -r cpu.cfs_period_us=100000 -r cpu.cfs_quota_us=100000 ${c#cpu:}" \
                ";; $3cgset -r pids.max=256 ${p#pids:}" \
                ";; cgexec -g $m -g $c -g $p unshare -mupinC --fork --mount-proc /bin/true" \
                ";; $3cgdelete -g $m -g $c -g $p"
}

# --- the agent: its own subtree, a bench policy with the same limits, a private socket and port.
mkdir -p "$TMP/policies.d" "$TMP/state"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SOCK=$TMP/control.sock
cat >"$TMP/cgmeter.ini" <<INI
[agent]
policy_dir = $TMP/policies.d
state_dir = $TMP/state
cgroup_root = $ROOT-agent
log_level = warning
[http]
listen = 127.0.0.1:$PORT
control_socket = $SOCK
INI
cat >"$TMP/policies.d/bench.ini" <<INI
[policy]
namespaces = mount uts ipc pid net cgroup
[memory]
limit = 256M
[cpu]
quota_us = 100000
period_us = 100000
[pids]
max = 256
INI
"$CGMETERD" -c "$TMP/cgmeter.ini" >>"$TMP/agent.log" 2>&1 &
AGENT_PID=$!
for _ in $(seq 100); do
        curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
        kill -0 "$AGENT_PID" 2>/dev/null || { cat "$TMP/agent.log" >&2; die "cgmeterd did not start"; }
        sleep 0.1
done
API_BODY='{"command":["/bin/true"],"policy":"bench"}'

echo "# launch latency of /bin/true, $N launches per launcher per run, $RUNS runs; $(uname -r), $(nproc) CPUs"
echo "# runc $(runc --version | awk 'NR==1{print $3}'), bubblewrap $(bwrap --version | awk '{print $2}')," \
        "$(unshare --version | awk '{print $NF}') util-linux, cgroup-tools $(dpkg-query -W -f='${Version}' cgroup-tools 2>/dev/null || echo '?')"
for ((run = 1; run <= RUNS; run++)); do
        make_bundles "$run"
        echo
        echo "## run $run"
        echo
        # in the background, so that a signal to this script is handled at once (bash defers traps while a
        # foreground child runs)
        "$BENCH" compare --root "$ROOT" -n "$N" --socket "$SOCK" --log "$TMP/peers.log" \
                --raw "$TMP/raw-$run.tsv" --summary "$TMP/summary-$run.tsv" --ref "cgmeter one-shot" \
                --peer "cgmeter one-shot=$BENCH once --root $ROOT --task r$run-o{i}" \
                --peer "cgmeter API via curl=curl -sSf --unix-socket $SOCK -o /dev/null -X POST -d $API_BODY http://localhost/v1/tasks" \
                --peer "cgmeter run (CLI)=$CGMETER --socket $SOCK run --policy bench -- /bin/true" \
                --peer "runc run=runc --root $TMP/runc-state run --bundle $TMP/runc/r$run/b{i} r$run-{i}" \
                --peer "bwrap --unshare-all (no cgroup)=bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev /bin/true" \
                --peer "unshare + cgexec, cgroup made and removed=$(cgx_steps "$run" "r$run-c{i}" "")" \
                --peer "unshare + cgexec, cgroup pre-made=$(cgx_steps "$run" "r$run-p{i}" "!")" &
        BENCH_PID=$!
        wait "$BENCH_PID"
        BENCH_PID=
        rm -rf "$TMP/runc/r$run"
        # the targets of the issue: a median below bwrap's, and runc at least 5x cgmeter's
        awk -F'\t' -v run="$run" '
                $1 == "cgmeter in-process" && $2 == "launch -> exit" { cgm = $4 }
                $1 == "cgmeter agent API, raw POST" { api = $4 }
                $1 == "cgmeter one-shot" { one = $4 }
                $1 ~ /^bwrap/ { bw = $4 } $1 == "runc run" { rc = $4 }
                function verdict(name, v) {
                        if (!v || !bw || !rc) return
                        below = v < bw ? "yes" : "NO"; fast = rc >= 5 * v ? "yes (>= 5x)" : "NO (< 5x)"
                        printf("- %s: %.2f ms; below bwrap (%.2f ms): %s; runc (%.2f ms) is %.1fx: %s\n", name,
                               v / 1e6, bw / 1e6, below, rc / 1e6, rc / v, fast)
                }
                END {
                        print "\nTargets, run " run " (medians):"
                        verdict("cgmeter in-process, launch -> exit", cgm)
                        verdict("cgmeter agent API, request -> task exec'\''d", api)
                        verdict("cgmeter one-shot process, start -> exit", one)
                }' "$TMP/summary-$run.tsv"
        if [ -n "$OUT" ]; then
                mkdir -p "$OUT"
                cp "$TMP/raw-$run.tsv" "$TMP/summary-$run.tsv" "$OUT/"
        fi
done
if [ -s "$TMP/peers.log" ]; then
        echo; echo "peers' stderr (last lines):"; tail -5 "$TMP/peers.log"
fi
