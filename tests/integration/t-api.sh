#!/bin/bash
# The control API refuses bad input with a JSON error and the right status, and changes nothing; TCP needs the
# bearer token; the read-only listener serves only /metrics and /healthz.
. "$(dirname "$0")/lib.sh"
need_root
plan 30

write_config
TCP_PORT=$(free_port)
head -c 32 /dev/urandom | base64 | tr -d '=+/' >"$T_TMP/token"
cat >>"$T_TMP/cgmeter.ini" <<INI
control_listen = 127.0.0.1:$TCP_PORT
token_file = $T_TMP/token
max_body = 4K
INI
printf '[policy]\nnamespaces = pid mount\ntenant = acme\n' >"$T_TMP/policies.d/web.ini"
start_agent || { echo "Bail out! agent did not start"; exit 1; }

# call METHOD PATH [BODY]: prints "<status> <body>" over the unix socket
call() {
        local out
        out=$(curl -sS --unix-socket "$T_SOCK" -X "$1" ${3+--data-binary "$3"} -H 'Content-Type: application/json' \
                -w '\n%{http_code}' "http://cgmeterd$2")
        echo "$(echo "$out" | tail -n1) $(echo "$out" | sed '$d')"
}
status() { echo "${1%% *}"; }
body() { echo "${1#* }"; }
is_error() { # is_error RESPONSE STATUS WHAT
        local s; s=$(status "$1")
        if [ "$s" = "$2" ] && [ "$(body "$1" | jq -r '.error.status')" = "$2" ] && [ -n "$(body "$1" | jq -r '.error.message')" ]; then
                ok 0 "$3 -> $2 with a JSON error"
        else
                ok 1 "$3 -> $2 with a JSON error"; diag "got: $1"
        fi
}
count_tasks() { call GET /v1/tasks | cut -d' ' -f2- | jq length; }

before=$(count_tasks)
is_error "$(call POST /v1/tasks '{"command": ["true"')" 400 "malformed JSON"
is_error "$(call POST /v1/tasks '{"command": "true"}')" 400 "command of the wrong type"
is_error "$(call POST /v1/tasks '{"command": [1, 2]}')" 400 "command with non-string items"
is_error "$(call POST /v1/tasks '{"command": []}')" 400 "an empty command"
is_error "$(call POST /v1/tasks '{"command": ["true"], "colour": "red"}')" 400 "an unknown field"
is_error "$(call POST /v1/tasks '[1, 2]')" 400 "a body that is not an object"
is_error "$(call POST /v1/tasks '{"command": ["true"]} trailing')" 400 "trailing garbage after the object"
is_error "$(call POST /v1/tasks '{"command": ["true"], "policy": 5}')" 400 "policy of the wrong type"
is_error "$(call POST /v1/tasks '{"command": ["true"], "name": "../../x"}')" 400 "a name with a path"
is_error "$(call POST /v1/tasks '{"command": ["true"], "policy": "../etc"}')" 404 "a policy with a path"
is_error "$(call POST /v1/tasks '{"command": ["true"], "tenant": "other"}')" 403 "a tenant the policy does not allow"
is_error "$(call POST /v1/tasks '{"command": ["true"], "env": ["NOEQUALS"]}')" 400 "an environment entry without ="
is_error "$(call POST /v1/tasks '{"command": ["true"], "cwd": "relative"}')" 400 "a relative cwd"
big=$(printf '{"command": ["%s"]}' "$(head -c 8000 /dev/zero | tr '\0' a)")
is_error "$(call POST /v1/tasks "$big")" 413 "a body over max_body"
hdr=$(curl -sS --unix-socket "$T_SOCK" -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 100000 /dev/zero | tr '\0' a)" http://cgmeterd/v1/tasks)
[ "$hdr" -ge 400 ] && [ "$hdr" -lt 500 ]; ok $? "headers over the limit are refused ($hdr)"
is "$(count_tasks)" "$before" "none of these started a task"

is_error "$(call GET /v1/tasks/nosuch)" 404 "an unknown task"
is_error "$(call POST /v1/tasks/nosuch/kill '{}')" 404 "kill of an unknown task"
is_error "$(call DELETE /v1/tasks)" 405 "a method the route does not have"
is_error "$(call GET /v1/nothing)" 404 "an unknown route"
r=$(call POST /v1/tasks '{"command": ["true"], "policy": "web", "name": "quick"}'); is "$(status "$r")" 201 "a good request creates a task (201)"
id=$(body "$r" | jq -r .id)
wait_for 5 '[ "$(call GET /v1/tasks/$id | cut -d" " -f2- | jq -r .state)" = ended ]'
is_error "$(call POST /v1/tasks/$id/kill '{"signal": "TERM"}')" 409 "kill of an ended task"
is_error "$(call POST /v1/tasks/$id/kill '{"signal": "NOPE"}')" 400 "an unknown signal name"

# TCP: only with the token
tcp() { curl -sS -o /dev/null -w '%{http_code}' "$@" "http://127.0.0.1:$TCP_PORT/v1/tasks"; }
is "$(tcp)" 401 "TCP without a token -> 401"
is "$(tcp -H 'Authorization: Bearer wrong-token-wrong-token')" 401 "TCP with a wrong token -> 401"
n0=$(count_tasks)
is "$(tcp -X POST -H 'Authorization: Bearer nope' -d '{"command": ["true"]}')" 401 "a POST with a wrong token -> 401"
is "$(count_tasks)" "$n0" "and does nothing"
is "$(tcp -H "Authorization: Bearer $(cat "$T_TMP/token")")" 200 "TCP with the token -> 200"

# the read-only listener
is "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$T_PORT/v1/tasks")" 404 "the read-only listener does not serve the control API"
is "$(curl -sS -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$T_PORT/v1/reload")" 404 "nor reload"
done_testing
