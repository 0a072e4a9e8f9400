/* HTTP routes: the read-only endpoints and the control API (DESIGN.md, "Interfaces"). */
#include <microhttpd.h>

#include "agent.h"
#include "events.h"
#include "log.h"
#include "prometheus.h"
#include "routes.h"
#include "scrape.h"

struct route {
        const char *method;
        const char *path; /* exact path; a '*' matches one name segment ("/v1/tasks/<id>") */
        bool control;     /* only on the control listeners */
        route_fn fn;
};

static int route_healthz(struct agent *a, const struct http_request *req, const char *arg,
                         struct http_response *resp)
{
        struct json_object *o = json_object_new_object();

        if (!o)
                return -ENOMEM;
        json_object_object_add(o, "status", json_object_new_string("ok"));
        json_object_object_add(o, "version", json_object_new_string(PACKAGE_VERSION));
        json_object_object_add(o, "policies", json_object_new_int64((int64_t)a->policies.n));
        json_object_object_add(o, "uptime_seconds",
                               json_object_new_double((double)(now_realtime_ns() - a->started_ns) / 1e9));
        return http_reply_json(resp, 200, o);
}

static int route_metrics(struct agent *a, const struct http_request *req, const char *arg,
                         struct http_response *resp)
{
        return scrape_metrics(a, prom_wants_openmetrics(http_header(req, "Accept")), resp);
}

static struct json_object *policy_to_json(const struct policy *p)
{
        struct json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        json_object_object_add(o, "name", json_object_new_string(p->name));
        json_object_object_add(o, "file", json_object_new_string(p->file));
        json_object_object_add(o, "description", json_object_new_string(p->description));
        json_object_object_add(o, "tenant", json_object_new_string(p->tenant));
        json_object_object_add(o, "scope",
                               json_object_new_string(p->scope == POLICY_SCOPE_POLICY ? "policy" : "task"));
        return o;
}

static int route_policies(struct agent *a, const struct http_request *req, const char *arg,
                          struct http_response *resp)
{
        struct json_object *arr = json_object_new_array();

        if (!arr)
                return -ENOMEM;
        for (size_t i = 0; i < a->policies.n; i++)
                json_object_array_add(arr, policy_to_json(&a->policies.items[i]));
        return http_reply_json(resp, 200, arr);
}

static struct json_object *diag_to_json(const struct diag_list *d)
{
        struct json_object *arr = json_object_new_array();

        for (size_t i = 0; arr && i < d->n; i++)
                json_object_array_add(arr, json_object_new_string(d->msgs[i]));
        return arr;
}

static int route_reload(struct agent *a, const struct http_request *req, const char *arg,
                        struct http_response *resp)
{
        struct diag_list diag = { 0 }, warnings = { 0 };
        struct json_object *o;
        int r;

        r = agent_reload(a, &diag, &warnings);
        o = json_object_new_object();
        if (o && r < 0) {
                struct json_object *e = json_object_new_object();

                json_object_object_add(e, "status", json_object_new_int(422));
                json_object_object_add(
                    e, "message",
                    json_object_new_string("reload refused: the previous policies stay in force"));
                json_object_object_add(e, "errors", diag_to_json(&diag));
                json_object_object_add(o, "error", e);
        } else if (o) {
                json_object_object_add(o, "policies", json_object_new_int64((int64_t)a->policies.n));
                json_object_object_add(o, "warnings", diag_to_json(&warnings));
        }
        diag_clear(&diag);
        diag_clear(&warnings);
        return http_reply_json(resp, r < 0 ? 422 : 200, o);
}

static const struct route routes[] = {
        { "GET", "/healthz", false, route_healthz },
        { "GET", "/metrics", false, route_metrics },
        { "GET", "/v1/policies", true, route_policies },
        { "POST", "/v1/reload", true, route_reload },
        { "GET", "/v1/usage", true, route_usage },
        { "GET", "/v1/usage/totals", true, route_usage_totals },
        { "GET", "/v1/events", true, route_events },
        { "GET", "/v1/tasks", true, route_tasks_list },
        { "POST", "/v1/tasks", true, route_tasks_create },
        { "GET", "/v1/tasks/*", true, route_task_get },
        { "POST", "/v1/tasks/*/kill", true, route_task_kill },
        { "POST", "/v1/tasks/*/pause", true, route_task_pause },
        { "POST", "/v1/tasks/*/resume", true, route_task_resume },
        { "POST", "/v1/policies/*/pause", true, route_policy_pause },
        { "POST", "/v1/policies/*/resume", true, route_policy_resume },
};

/* Match path against a route pattern; *arg points to the name segment of a '*' pattern. */
static bool route_match(const char *pattern, const char *path, char *arg, size_t arg_len)
{
        const char *star = strchr(pattern, '*');
        size_t prefix;
        const char *rest;

        if (!star)
                return streq(pattern, path);
        prefix = (size_t)(star - pattern);
        if (strncmp(pattern, path, prefix) != 0)
                return false;
        rest = path + prefix;
        size_t seg = strcspn(rest, "/");
        if (seg == 0 || seg >= arg_len || !streq(rest + seg, star + 1))
                return false;
        memcpy(arg, rest, seg);
        arg[seg] = '\0';
        return true;
}

int routes_handle(void *userdata, const struct http_request *req, struct http_response *resp)
{
        struct agent *a = userdata;
        bool path_known = false;
        char arg[128];

        for (size_t i = 0; i < ARRAY_SIZE(routes); i++) {
                const struct route *rt = &routes[i];

                if (rt->control && req->listener == HTTP_READONLY)
                        continue;
                if (!route_match(rt->path, req->path, arg, sizeof(arg)))
                        continue;
                path_known = true;
                if (!streq(rt->method, req->method))
                        continue;
                return rt->fn(a, req, arg, resp);
        }
        if (path_known)
                return http_reply_error(resp, 405, "method %s not allowed on %s", req->method, req->path);
        return http_reply_error(resp, 404, "no such route: %s %s", req->method, req->path);
}
