#!/bin/bash
# The fleet files (issue 8) against real tools and a real agent: the Prometheus config, rules and rule unit tests
# pass promtool; the systemd unit passes systemd-analyze; the man pages render without a warning and document
# every key the parsers accept and every client command; every metric the Grafana dashboard and the rules query
# exists in a real scrape, and every query of the dashboard and the rules runs on a real Prometheus.
. "$(dirname "$0")/lib.sh"
need_root
command -v promtool >/dev/null && command -v prometheus >/dev/null || skip_all "prometheus not installed (apt-get install prometheus)"
plan 28

conf=$top_srcdir/conf
prom=$conf/prometheus
mandir=$top_srcdir/man

# --- Prometheus files
mkdir -p "$T_TMP/promconf/targets"
cp "$prom"/*.yml "$T_TMP/promconf/"
cp "$prom/targets/nodes.yml.example" "$T_TMP/promconf/targets/nodes.yml"
echo '[]' >"$T_TMP/promconf/targets/nodes.json" # prometheus.yml also reads JSON target files
out=$(promtool check config "$T_TMP/promconf/prometheus.yml" 2>&1); r=$?
ok $r "promtool check config prometheus.yml"
is "$(grep -c 'WARNING\|FAILED' <<<"$out")" 0 "no warning (with the example target file in place)"
out=$(promtool check config "$T_TMP/promconf/remote-write.example.yml" 2>&1)
ok $? "promtool check config remote-write.example.yml"
out=$(promtool check rules "$prom/cgmeter-rules.yml" "$prom/cgmeter-alerts.yml" 2>&1); r=$?
ok $r "promtool check rules"
contains "$out" "SUCCESS: 16 rules found" "16 recording rules"
contains "$out" "SUCCESS: 9 rules found" "9 alert rules"
alerts=$(grep -o 'alert: [A-Za-z]*' "$prom/cgmeter-alerts.yml" | cut -d' ' -f2 | sort | tr '\n' ' ')
is "$alerts" "CgmeterAgentDown CgmeterCPUPressure CgmeterIOPressure CgmeterMemoryPressure CgmeterNoAgents CgmeterOOMKill CgmeterReloadFailed CgmeterTaskFrozenTooLong CgmeterTaskOOMKillLoop " \
        "alerts for agent down, OOM kills, sustained pressure and tasks frozen too long"
out=$(cd "$prom" && promtool test rules cgmeter-rules.test.yml 2>&1); r=$?
ok $r "promtool test rules cgmeter-rules.test.yml"
[ $r = 0 ] || sed 's/^/#   /' <<<"$out" | head -30
# every alert has a unit test, every recording rule too
untested=$(for n in $(grep -o 'alert: [A-Za-z]*' "$prom/cgmeter-alerts.yml" | cut -d' ' -f2) \
                    $(grep -o 'record: [a-z_:0-9]*' "$prom/cgmeter-rules.yml" | cut -d' ' -f2); do
        grep -q "alertname: $n\$\|expr: $n\b" "$prom/cgmeter-rules.test.yml" || echo "$n"; done)
is "$untested" "" "every alert and recording rule has a unit test"

# --- systemd unit
if command -v systemd-analyze >/dev/null; then
        sed "s|^ExecStart=/usr/sbin/cgmeterd|ExecStart=$CGMETERD|" "$conf/cgmeterd.service" >"$T_TMP/cgmeterd.service"
        out=$(systemd-analyze verify --man=no "$T_TMP/cgmeterd.service" 2>&1); r=$?
        ok $r "systemd-analyze verify cgmeterd.service"
        [ -z "$out" ] || sed 's/^/#   /' <<<"$out" | head -10
else
        echo "ok $((T_NUM += 1)) # SKIP systemd-analyze not installed (apt-get install systemd)"
fi
unit=$(grep -v '^#' "$conf/cgmeterd.service")
want='Type=simple ExecStart=/usr/sbin/cgmeterd ExecReload=/bin/kill -HUP $MAINPID Delegate=yes KillMode=process Restart=on-failure'
got=$(for k in Type ExecStart ExecReload Delegate KillMode Restart; do grep "^$k=" <<<"$unit"; done | tr '\n' ' ')
is "$got" "$want " "the unit delegates, keeps tasks on stop, restarts on failure, reloads with SIGHUP"

# --- man pages
for p in cgmeterd.8 cgmeter.1 cgmeter.ini.5 cgmeter-policy.5; do
        if ! command -v man >/dev/null; then
                echo "ok $((T_NUM += 1)) # SKIP man not installed (apt-get install man-db groff-base)"
                continue
        fi
        out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$mandir/$p" 2>&1 >/dev/null); r=$?
        [ $r = 0 ] && [ -z "$out" ]; ok $? "man --warnings renders $p without a warning"
        [ -z "$out" ] || sed 's/^/#   /' <<<"$out" | head -10
done
# the keys a parser accepts, each in its section of the page: "missing SECTION.KEY" for each one that is not
keys_missing() { # keys_missing PAGE < "section key" lines
        local s k
        while read -r s k; do
                awk -v s="[$s]" -v k="$k" '/^\.SH / { in_s = ($2 == s) } in_s && /^\.B/ {
                        gsub(/\\f[BIRP]/, ""); for (i = 2; i <= NF; i++) { w = $i; gsub(/[",]/, "", w); if (w == k) f = 1 } }
                        END { exit !f }' "$1" || echo "missing $s.$k"
        done
}
pkeys=$(sed -n 's/^ *\[K_[A-Z_]*\] = { "\([a-z_]*\)", "\([a-z_]*\)",.*/\1 \2/p' "$top_srcdir/agent/policy-parse.c")
is "$(wc -l <<<"$pkeys")" 46 "the policy parser's key table read (46 keys)"
is "$(keys_missing "$mandir/cgmeter-policy.5" <<<"$pkeys")" "" "cgmeter-policy(5) documents every policy key in its section"
ckeys=$(sed -n 's/^ *KEY_[A-Z]*("\([a-z]*\)", "\([a-z_]*\)",.*/\1 \2/p' "$top_srcdir/agent/config.c")
is "$(wc -l <<<"$ckeys")" 20 "the config parser's key table read (20 keys)"
is "$(keys_missing "$mandir/cgmeter.ini.5" <<<"$ckeys")" "" "cgmeter.ini(5) documents every configuration key in its section"
cmds=$(grep -o '{ "[a-z]*", cmd_[a-z]* }' "$top_srcdir/agent/cgmeter.c" | cut -d'"' -f2)
missing=$(for c in $cmds; do grep -q "^\\\\fB$c\\\\fR\|^\.B $c\$" "$mandir/cgmeter.1" || echo "$c"; done)
is "$missing" "" "cgmeter(1) documents every client command ($(echo $cmds))"

# --- a real scrape of an agent running a task: every metric the dashboard and the rules query exists in it
jq -e '.panels | length > 10' "$conf/grafana/cgmeter.json" >/dev/null; ok $? "the dashboard is valid JSON with its panels"
# the expressions: panel targets and template variable queries
jq -r '.. | objects | (select(has("expr")) | .expr), (select(has("query")) | .query | objects | .query)' \
        "$conf/grafana/cgmeter.json" >"$T_TMP/dash.exprs"
grep -h '^ *expr:' "$prom/cgmeter-rules.yml" "$prom/cgmeter-alerts.yml" | sed 's/^ *expr: *//' >"$T_TMP/rules.exprs"
names() { grep -o '\b\(container\|cgmeter\)_[a-z0-9_]*' "$1" | sort -u; }
diag "dashboard queries $(names "$T_TMP/dash.exprs" | wc -l) metrics, the rules $(names "$T_TMP/rules.exprs" | wc -l)"

write_config
printf '[policy]\ntenant = acme\nnamespaces = pid mount\n[memory]\nlimit = 64M\n[cpu]\nquota = 0.5\n' >"$T_TMP/policies.d/web.ini"
start_agent || { echo "Bail out! agent did not start"; exit 1; }
id=$(cli run --policy web -- /bin/sh -c "dd if=/dev/zero of=$T_TMP/io bs=1M count=8 oflag=direct 2>/dev/null; cat $T_TMP/io >/dev/null; i=0; while [ \$i -lt 20000 ]; do i=\$((i+1)); done; sleep 60")
wait_for 10 'http_ro /metrics | grep -q "^container_fs_writes_bytes_total{[^}]*task=\"$id\"[^}]*} [1-9]"'
http_ro /metrics >"$T_TMP/scrape"
missing=$(names "$T_TMP/dash.exprs" | while read -r n; do grep -q "^$n[{ ]" "$T_TMP/scrape" || echo "$n"; done)
is "$missing" "" "every metric the dashboard queries is in the scrape"
missing=$(names "$T_TMP/rules.exprs" | while read -r n; do grep -q "^$n[{ ]" "$T_TMP/scrape" || echo "$n"; done)
is "$missing" "" "every metric the rules query is in the scrape"
grep -q 'container_network_' "$T_TMP/dash.exprs" && grep -q 'cgmeter_usage_net_' "$T_TMP/dash.exprs" &&
        grep -q 'cgmeter_usage_net_' "$T_TMP/rules.exprs"
ok $? "the dashboard and the rules cover the network (per task and per tenant)"

# --- the same agent scraped by a real Prometheus running the shipped config and rules (1 s intervals)
pport=$(free_port)
printf -- '- targets: ["127.0.0.1:%s"]\n' "$T_PORT" >"$T_TMP/promconf/targets/nodes.yml"
sed -i 's/^\(  scrape_interval:\).*/\1 1s/; s/^\(  evaluation_interval:\).*/\1 1s/; s/^\(  scrape_timeout:\).*/\1 1s/' \
        "$T_TMP/promconf/prometheus.yml"
prometheus --config.file="$T_TMP/promconf/prometheus.yml" --storage.tsdb.path="$T_TMP/tsdb" \
        --web.listen-address="127.0.0.1:$pport" >"$T_TMP/prometheus.log" 2>&1 &
ppid=$!
on_exit "kill $ppid; wait $ppid"
pq() { curl -sS --get "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1"; }
wait_for 30 '[ "$(pq "count(cgmeter_task_running{task=\"$id\"} offset 3s)" | jq -r ".data.result[0].value[1]")" = 1 ]'
ok $? "Prometheus scrapes the agent through the shipped file_sd config"
# each query as Grafana sends it: variables set to "all", ranges to a few seconds
bad=$(cat "$T_TMP/dash.exprs" "$T_TMP/rules.exprs" | sed 's/\$__rate_interval/5s/g; s/\$__range/10s/g; s/\$[a-z]*/.*/g' |
        grep -v '^label_values(' | while IFS= read -r q; do
                [ "$(pq "$q" | jq -r .status)" = success ] || echo "$q"; done)
is "$bad" "" "every dashboard and rule expression is valid PromQL on a real Prometheus"
wait_for 30 '[ "$(pq "tenant:cgmeter_usage_cpu_cores:rate5m{tenant=\"acme\"}" | jq -r ".data.result | length")" = 1 ]'
ok $? "the recording rules produce per-tenant series"
health=$(curl -sS "http://127.0.0.1:$pport/api/v1/rules" | jq -r '[.data.groups[].rules[] | .health] | group_by(.) | map("\(.[0])=\(length)") | join(" ")')
wait_for 10 '[ "$(curl -sS "http://127.0.0.1:$pport/api/v1/rules" | jq -r "[.data.groups[].rules[] | select(.health != \"ok\")] | length")" = 0 ]'
ok $? "all 25 rules evaluate without error ($health)"
cli kill "$id" KILL >/dev/null
done_testing
