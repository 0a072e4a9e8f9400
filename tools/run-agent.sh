#!/bin/bash
# README's first command: install what is missing, build, and start the agent on its embedded defaults
# (no config file needed). It runs in the background; its log is /var/log/cgmeterd.log.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tools/deps.sh"
"$top/tools/build.sh"
pidfile=/run/cgmeterd.pid
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        echo "stopping the agent started before (pid $(cat "$pidfile"))"
        kill "$(cat "$pidfile")"
        for _ in $(seq 50); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.1; done
fi
nohup "$top/build/cgmeterd" "$@" >>/var/log/cgmeterd.log 2>&1 &
echo $! >"$pidfile"
for _ in $(seq 100); do
        curl -fsS http://127.0.0.1:9750/healthz >/dev/null 2>&1 && break
        kill -0 "$(cat "$pidfile")" 2>/dev/null || { tail -20 /var/log/cgmeterd.log; exit 1; }
        sleep 0.1
done
curl -fsS http://127.0.0.1:9750/healthz
# a demo task, so /metrics has something to show (a new run replaces the previous demo)
"$top/build/cgmeter" kill --all demo KILL >/dev/null 2>&1 || true
for _ in $(seq 50); do "$top/build/cgmeter" --json ps | grep -q '"name":"demo"' || break; sleep 0.1; done
"$top/build/cgmeter" run --name demo -- /bin/sh -c 'while :; do i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 1; done' >/dev/null
sleep 1
curl -fsS http://127.0.0.1:9750/metrics | grep 'container_cpu_usage_seconds_total{' || true
cat <<MSG
cgmeterd is running (pid $(cat "$pidfile"), log /var/log/cgmeterd.log).
  curl http://127.0.0.1:9750/metrics
  $top/build/cgmeter policies
  kill \$(cat $pidfile)     # stop it
MSG
