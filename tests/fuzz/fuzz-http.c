/* libFuzzer target: the control API's request bodies, through the real route code of agent/routes-tasks.c
 * (route_parse_body and the field checks of POST /v1/tasks and POST /v1/tasks/{id}/kill) with the agent's
 * side stubbed: nothing is launched or signalled.
 *
 * Input: the first byte picks the route (even: create, odd: kill), the rest is the body. Checked: the handler
 * returns 0, answers with a status, and the answer is one JSON value (error messages quote user input). */
#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>

#include "agent.h"
#include "fuzz-common.h"
#include "json-task.h"
#include "routes.h"
#include "task.h"

static struct task fuzz_task = { .id = "t1", .name = "t1", .state = TASK_RUNNING };

/* --- stubs of what the routes call on the agent's side --- */

/* What task_launch checks before it creates anything, and reading every string it was given. */
int task_launch(struct agent *a, const struct task_request *req, struct task **ret, char *errbuf, size_t n)
{
        size_t i;

        (void)a;
        (void)ret;
        if (!req->argv || !req->argv[0]) {
                snprintf(errbuf, n, "no command given");
                return -EINVAL;
        }
        for (i = 0; req->argv[i]; i++)
                if (i >= TASK_MAX_ARGS || strlen(req->argv[i]) > (1u << 24))
                        abort();
        for (i = 0; req->envp && req->envp[i]; i++)
                if (i >= TASK_MAX_ENV)
                        abort();
        if (req->name && !name_is_valid(req->name)) {
                snprintf(errbuf, n, "invalid task name '%s'", req->name);
                return -EINVAL;
        }
        snprintf(errbuf, n, "unknown policy '%s' (tenant %s, cwd %s)", req->policy ? req->policy : "",
                 req->tenant ? req->tenant : "", req->cwd ? req->cwd : "");
        return -ENOENT;
}

struct task *task_find(struct agent *a, const char *id_or_name)
{
        (void)a;
        return streq(id_or_name, fuzz_task.id) ? &fuzz_task : NULL;
}

int task_signal(struct agent *a, struct task *t, int sig, bool all)
{
        (void)a;
        (void)t;
        (void)all;
        if (sig <= 0 || sig >= NSIG)
                abort(); /* the route must have refused it */
        return -ESRCH;
}

int task_freeze(struct agent *a, struct task *t, bool frozen)
{
        (void)a;
        (void)t;
        (void)frozen;
        return -ESRCH;
}

int task_sample(struct agent *a, struct task *t, struct cg_sample *ret)
{
        (void)a;
        (void)t;
        (void)ret;
        return -ENOENT;
}

const char *task_state_name(enum task_state s)
{
        (void)s;
        return "running";
}

const struct policy *policy_set_find(const struct policy_set *set, const char *name)
{
        (void)set;
        (void)name;
        return NULL;
}

struct json_object *json_task(const struct task *t, const struct cg_sample *sample)
{
        struct json_object *o = json_object_new_object();

        (void)sample;
        json_object_object_add(o, "id", json_object_new_string(t->id));
        return o;
}

const char *http_query(const struct http_request *req, const char *key)
{
        (void)req;
        (void)key;
        return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct http_response resp = { 0 };
        struct http_request req = { .method = "POST" };
        struct json_object *answer;
        char *body;
        int r;

        if (size == 0)
                return 0;
        body = fuzz_strdup(data + 1, size - 1);
        req.body = body;
        req.body_len = size - 1; /* an embedded NUL is malformed JSON, as from the network */
        if (data[0] & 1) {
                req.path = "/v1/tasks/t1/kill";
                r = route_task_kill(NULL, &req, "t1", &resp);
        } else {
                req.path = "/v1/tasks";
                r = route_tasks_create(NULL, &req, NULL, &resp);
        }
        if (r != 0 || !resp.body || resp.status < 200 || resp.status > 599)
                abort();
        answer = json_tokener_parse(resp.body);
        if (!answer)
                abort();
        json_object_put(answer);
        free(resp.body);
        free(body);
        return 0;
}
