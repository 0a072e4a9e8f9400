#!/bin/bash
# The TCP control listener with TLS (libmicrohttpd's HTTPS) and a bearer token; plain HTTP to it does not work.
. "$(dirname "$0")/lib.sh"
need_root
command -v openssl >/dev/null || skip_all "openssl not installed"
plan 6

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
        -keyout "$T_TMP/key.pem" -out "$T_TMP/cert.pem" 2>/dev/null
write_config
TCP_PORT=$(free_port)
head -c 32 /dev/urandom | base64 | tr -d '=+/' >"$T_TMP/token"
cat >>"$T_TMP/cgmeter.ini" <<INI
control_listen = 127.0.0.1:$TCP_PORT
token_file = $T_TMP/token
tls_cert = $T_TMP/cert.pem
tls_key = $T_TMP/key.pem
INI
start_agent || { echo "Bail out! agent did not start"; exit 1; }
grep -q "control (tcp) listener on 127.0.0.1:$TCP_PORT (TLS)" "$T_TMP/agent.log"; ok $? "the agent says the TCP listener uses TLS"
tls() { curl -sS -o /dev/null -w '%{http_code}' --cacert "$T_TMP/cert.pem" "$@" "https://127.0.0.1:$TCP_PORT/v1/policies"; }
is "$(tls -H "Authorization: Bearer $(cat "$T_TMP/token")")" 200 "HTTPS with the token -> 200"
is "$(tls)" 401 "HTTPS without the token -> 401"
out=$(curl -sS --cacert "$T_TMP/cert.pem" -H "Authorization: Bearer $(cat "$T_TMP/token")" \
        -X POST -d '{"command": ["/bin/true"], "name": "over-tls"}' "https://127.0.0.1:$TCP_PORT/v1/tasks")
is "$(echo "$out" | jq -r .name)" over-tls "a task can be started over HTTPS"
code=$(curl -sS -o /dev/null -w '%{http_code}' -m 5 "http://127.0.0.1:$TCP_PORT/v1/policies" 2>/dev/null)
[ "$code" != 200 ]; ok $? "plain HTTP to the TLS port gets no answer ($code)"
# a key that does not match is refused at start, with a clear message
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=x" -keyout "$T_TMP/other.pem" -out /dev/null 2>/dev/null
stop_agent
sed -i "s#^tls_key = .*#tls_key = $T_TMP/other.pem#" "$T_TMP/cgmeter.ini"
timeout 10 "$CGMETERD" -c "$T_TMP/cgmeter.ini" >"$T_TMP/bad.log" 2>&1; rc=$?
[ "$rc" = 1 ] && grep -q "cannot start the control (tcp) listener" "$T_TMP/bad.log"; ok $? "a key that does not match the certificate stops the start with a clear error"
done_testing
