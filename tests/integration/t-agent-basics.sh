#!/bin/bash
# The agent starts on embedded defaults, answers /healthz, validates config and policies with --check,
# reloads all-or-nothing, and its client reports errors with clear exit codes.
. "$(dirname "$0")/lib.sh"
need_root
plan 22

out=$("$CGMETERD" --version); contains "$out" "cgmeterd " "--version prints the version"
"$CGMETERD" --help | grep -q -- "--policy-dir"; ok $? "--help documents --policy-dir"
"$CGMETERD" --bogus >/dev/null 2>&1; is "$?" 2 "an unknown option exits 2"

# --check on the shipped examples
out=$("$CGMETERD" --check -c "$top_srcdir/conf/cgmeter.ini" --policy-dir "$top_srcdir/conf/policies" 2>&1)
ok $? "--check passes on conf/ (cgmeter.ini and every example policy)"
contains "$out" "policy web" "--check lists the web policy"

# --check on broken policies: every error as file:line: reason, exit 1
mkdir -p "$T_TMP/bad"
printf '[memory]\nlimit = 12X\n[cpu]\nshares = 100\nweight = 50\n' >"$T_TMP/bad/a.ini"
printf '[memroy]\nlimit = 1G\n' >"$T_TMP/bad/b.ini"
out=$("$CGMETERD" --check --policy-dir "$T_TMP/bad" 2>&1); rc=$?
is "$rc" 1 "--check exits 1 on broken policies"
contains "$out" "$T_TMP/bad/a.ini:2: memory.limit: invalid size '12X'" "bad size reported as file:line"
contains "$out" "$T_TMP/bad/a.ini:5: cpu.weight: conflicts with cpu.shares (line 4)" "conflicting keys reported at the second key"
contains "$out" "$T_TMP/bad/b.ini:1: unknown section [memroy]" "unknown section reported, in another file too"

# --check on a broken agent config
printf '[agent]\nlog_level = loud\n[http]\nlisten = nowhere\nmax_body = 1\n' >"$T_TMP/bad.ini"
out=$("$CGMETERD" --check -c "$T_TMP/bad.ini" 2>&1); rc=$?
is "$rc" 1 "--check exits 1 on a broken config"
contains "$out" "$T_TMP/bad.ini:2: agent.log_level: invalid level 'loud'" "bad log level at its line"
contains "$out" "$T_TMP/bad.ini:4: http.listen: invalid address 'nowhere'" "bad listen address at its line"
contains "$out" "$T_TMP/bad.ini:5: http.max_body: '1' is out of range" "out-of-range size at its line"

# a running agent
write_config
cp "$top_srcdir/conf/policies/web.ini" "$T_TMP/policies.d/"
start_agent; ok $? "the agent starts with a config and a policy directory"
out=$(http_ro /healthz); contains "$out" '"status":"ok"' "GET /healthz answers ok"
mode=$(stat -c %a "$T_SOCK"); is "$mode" 600 "the control socket is mode 0600"
out=$(cli policies); contains "$out" "web" "cgmeter policies lists the web policy"

# reload: a bad file changes nothing, a good one is taken
printf '[pids]\nmax = lots\n' >"$T_TMP/policies.d/broken.ini"
out=$(cli reload 2>&1); rc=$?
is "$rc" 1 "a reload with a broken file is refused (exit 1)"
contains "$out" "broken.ini:2: pids.max" "the refusal names file:line"
out=$(cli --json policies); is "$(echo "$out" | jq -r '[.[].name]|join(",")')" "web" "the previous policy set stays in force"
rm "$T_TMP/policies.d/broken.ini"; printf '[pids]\nmax = 64\n' >"$T_TMP/policies.d/small.ini"
kill -HUP "$T_AGENT_PID"; sleep 0.5
out=$(cli --json policies); is "$(echo "$out" | jq -r '[.[].name]|join(",")')" "small,web" "SIGHUP takes a good set"

CGMETER_SOCKET=$T_TMP/nosuch.sock "$CGMETER" policies >/dev/null 2>&1
is "$?" 3 "the client exits 3 when no agent listens"
done_testing
