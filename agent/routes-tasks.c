/* /v1/tasks: list, create, get, kill. */
#include <signal.h>
#include <string.h>

#include "json-task.h"
#include "log.h"
#include "routes.h"

struct json_object *route_parse_body(const struct http_request *req, const char *const *allowed,
                                     struct http_response *resp)
{
        struct json_tokener *tok = json_tokener_new_ex(32);
        struct json_object *o;

        if (!tok)
                return NULL;
        if (req->body_len == 0) {
                json_tokener_free(tok);
                return json_object_new_object(); /* no body: no fields */
        }
        o = json_tokener_parse_ex(tok, req->body, (int)req->body_len);
        if (!o || json_tokener_get_error(tok) != json_tokener_success ||
            tok->char_offset != (int)req->body_len) {
                http_reply_error(resp, 400, "malformed JSON body: %s",
                                 json_tokener_error_desc(json_tokener_get_error(tok)));
                json_object_put(o);
                json_tokener_free(tok);
                return NULL;
        }
        json_tokener_free(tok);
        if (!json_object_is_type(o, json_type_object)) {
                http_reply_error(resp, 400, "the body must be a JSON object");
                json_object_put(o);
                return NULL;
        }
        json_object_object_foreach (o, key, val) {
                bool known = false;

                (void)val;
                for (const char *const *k = allowed; *k; k++)
                        known = known || streq(*k, key);
                if (!known) {
                        http_reply_error(resp, 400, "unknown field '%s'", key);
                        json_object_put(o);
                        return NULL;
                }
        }
        return o;
}

/* An optional string field: 0 (absent: *ret NULL), 1 (set), or -1 after setting a 400 response. */
static int body_string(struct json_object *o, const char *key, const char **ret, struct http_response *resp)
{
        struct json_object *v;

        *ret = NULL;
        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
                return 0;
        if (!json_object_is_type(v, json_type_string)) {
                http_reply_error(resp, 400, "field '%s' must be a string", key);
                return -1;
        }
        *ret = json_object_get_string(v);
        return 1;
}

/* An array of strings into a NULL-terminated vector borrowing the strings of o. */
static int body_strv(struct json_object *o, const char *key, bool required, size_t max, const char ***ret,
                     struct http_response *resp)
{
        struct json_object *v;
        const char **vec;
        size_t n;

        *ret = NULL;
        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
                if (required)
                        http_reply_error(resp, 400, "field '%s' is required", key);
                return required ? -1 : 0;
        }
        if (!json_object_is_type(v, json_type_array)) {
                http_reply_error(resp, 400, "field '%s' must be an array of strings", key);
                return -1;
        }
        n = json_object_array_length(v);
        if (n > max) {
                http_reply_error(resp, 400, "field '%s' has more than %zu entries", key, max);
                return -1;
        }
        vec = calloc(n + 1, sizeof(*vec));
        if (!vec)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                struct json_object *e = json_object_array_get_idx(v, i);

                if (!json_object_is_type(e, json_type_string)) {
                        free(vec);
                        http_reply_error(resp, 400, "field '%s' must be an array of strings", key);
                        return -1;
                }
                vec[i] = json_object_get_string(e);
        }
        *ret = vec;
        return 1;
}

static unsigned launch_error_status(int r)
{
        switch (r) {
        case -ENOENT:
                return 404;
        case -EINVAL:
                return 400;
        case -EPERM:
                return 403;
        case -EEXIST:
                return 409;
        case -EAGAIN:
                return 503;
        default:
                return 500;
        }
}

int route_tasks_create(struct agent *a, const struct http_request *req, const char *arg,
                       struct http_response *resp)
{
        static const char *const allowed[] = { "command", "policy", "name", "tenant", "env", "cwd", NULL };
        _cleanup_free_ const char **argv = NULL, **env = NULL;
        struct task_request tr = { 0 };
        struct json_object *o;
        struct task *t;
        char err[512];
        int r;

        o = route_parse_body(req, allowed, resp);
        if (!o)
                return resp->body ? 0 : -ENOMEM;
        if (body_strv(o, "command", true, TASK_MAX_ARGS, &argv, resp) < 0 ||
            body_strv(o, "env", false, TASK_MAX_ENV, &env, resp) < 0 ||
            body_string(o, "policy", &tr.policy, resp) < 0 || body_string(o, "name", &tr.name, resp) < 0 ||
            body_string(o, "tenant", &tr.tenant, resp) < 0 || body_string(o, "cwd", &tr.cwd, resp) < 0) {
                json_object_put(o);
                return resp->body ? 0 : -ENOMEM;
        }
        tr.argv = (char *const *)argv;
        tr.envp = (char *const *)env;
        r = task_launch(a, &tr, &t, err, sizeof(err));
        json_object_put(o);
        if (r < 0) {
                if (launch_error_status(r) >= 500)
                        log_error("launch refused: %s", err);
                return http_reply_error(resp, launch_error_status(r), "%s", err);
        }
        return http_reply_json(resp, 201, json_task(t, NULL));
}

int route_tasks_list(struct agent *a, const struct http_request *req, const char *arg,
                     struct http_response *resp)
{
        struct json_object *arr = json_object_new_array();
        const char *policy = http_query(req, "policy"), *state = http_query(req, "state");

        if (!arr)
                return -ENOMEM;
        for (struct task *t = a->tasks; t; t = t->next) {
                struct cg_sample s;

                if ((policy && !streq(policy, t->policy->name)) ||
                    (state && !streq(state, task_state_name(t->state))))
                        continue;
                json_object_array_add(arr, json_task(t, task_sample(a, t, &s) == 0 ? &s : NULL));
        }
        return http_reply_json(resp, 200, arr);
}

static struct task *find_or_404(struct agent *a, const char *id, struct http_response *resp)
{
        struct task *t = task_find(a, id);

        if (!t)
                http_reply_error(resp, 404, "no task '%s'", id);
        return t;
}

int route_task_get(struct agent *a, const struct http_request *req, const char *arg,
                   struct http_response *resp)
{
        struct task *t = find_or_404(a, arg, resp);
        struct cg_sample s;

        if (!t)
                return 0;
        return http_reply_json(resp, 200, json_task(t, task_sample(a, t, &s) == 0 ? &s : NULL));
}

/* "TERM", "SIGTERM", "15" */
static int parse_signal(const char *s)
{
        char *end;
        long n;

        if (strncmp(s, "SIG", 3) == 0)
                s += 3;
        n = strtol(s, &end, 10);
        if (end != s && *end == '\0')
                return n > 0 && n < NSIG ? (int)n : -EINVAL;
        for (int i = 1; i < NSIG; i++) {
                const char *abbrev = sigabbrev_np(i);

                if (abbrev && strcasecmp(abbrev, s) == 0)
                        return i;
        }
        return -EINVAL;
}

int route_task_kill(struct agent *a, const struct http_request *req, const char *arg,
                    struct http_response *resp)
{
        static const char *const allowed[] = { "signal", "all", NULL };
        struct json_object *o, *v;
        struct task *t = find_or_404(a, arg, resp);
        int sig = SIGTERM, r;
        bool all = false;

        if (!t)
                return 0;
        o = route_parse_body(req, allowed, resp);
        if (!o)
                return resp->body ? 0 : -ENOMEM;
        if (json_object_object_get_ex(o, "signal", &v)) {
                if (json_object_is_type(v, json_type_int))
                        sig = json_object_get_int(v) > 0 && json_object_get_int(v) < NSIG
                                  ? json_object_get_int(v)
                                  : -EINVAL;
                else if (json_object_is_type(v, json_type_string))
                        sig = parse_signal(json_object_get_string(v));
                else
                        sig = -EINVAL;
        }
        if (json_object_object_get_ex(o, "all", &v)) {
                if (!json_object_is_type(v, json_type_boolean)) {
                        json_object_put(o);
                        return http_reply_error(resp, 400, "field 'all' must be true or false");
                }
                all = json_object_get_boolean(v);
        }
        json_object_put(o);
        if (sig < 0)
                return http_reply_error(resp, 400, "invalid signal (use a name such as TERM or a number)");
        r = task_signal(a, t, sig, all);
        if (r == -ESRCH)
                return http_reply_error(resp, 409, "task %s has ended", t->id);
        if (r < 0)
                return http_reply_error(resp, 500, "cannot signal task %s: %s", t->id, strerror(-r));
        return http_reply_json(resp, 202, json_task(t, NULL));
}

static int freeze_error(struct task *t, int r, bool frozen, struct http_response *resp)
{
        if (r == -ESRCH)
                return http_reply_error(resp, 409, "task %s has ended", t->id);
        if (r == -ETIMEDOUT)
                return http_reply_error(resp, 503, "task %s did not freeze within 2 s: thawed again", t->id);
        return http_reply_error(resp, 500, "cannot %s task %s: %s", frozen ? "pause" : "resume", t->id,
                                strerror(-r));
}

static int route_task_freeze(struct agent *a, const char *arg, bool frozen, struct http_response *resp)
{
        struct task *t = find_or_404(a, arg, resp);
        int r;

        if (!t)
                return 0;
        r = task_freeze(a, t, frozen);
        if (r < 0)
                return freeze_error(t, r, frozen, resp);
        return http_reply_json(resp, 200, json_task(t, NULL));
}

int route_task_pause(struct agent *a, const struct http_request *req, const char *arg,
                     struct http_response *resp)
{
        return route_task_freeze(a, arg, true, resp);
}

int route_task_resume(struct agent *a, const struct http_request *req, const char *arg,
                      struct http_response *resp)
{
        return route_task_freeze(a, arg, false, resp);
}

/* Every running task of a policy: one request pauses or resumes them all (scope = policy or not). */
static int route_policy_freeze(struct agent *a, const char *arg, bool frozen, struct http_response *resp)
{
        struct json_object *arr;

        if (!policy_set_find(&a->policies, arg))
                return http_reply_error(resp, 404, "no policy '%s'", arg);
        arr = json_object_new_array();
        if (!arr)
                return -ENOMEM;
        for (struct task *t = a->tasks; t; t = t->next) {
                int r;

                if (t->state != TASK_RUNNING || !streq(t->policy->name, arg))
                        continue;
                r = task_freeze(a, t, frozen);
                if (r < 0) {
                        json_object_put(arr);
                        return freeze_error(t, r, frozen, resp);
                }
                json_object_array_add(arr, json_task(t, NULL));
        }
        return http_reply_json(resp, 200, arr);
}

int route_policy_pause(struct agent *a, const struct http_request *req, const char *arg,
                       struct http_response *resp)
{
        return route_policy_freeze(a, arg, true, resp);
}

int route_policy_resume(struct agent *a, const struct http_request *req, const char *arg,
                        struct http_response *resp)
{
        return route_policy_freeze(a, arg, false, resp);
}
