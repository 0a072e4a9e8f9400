/* HTTP routes: the read-only endpoints and the control API (DESIGN.md, "Interfaces"). */
#include <microhttpd.h>

#include "agent.h"
#include "events.h"
#include "log.h"
#include "prometheus.h"
#include "routes.h"

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

#define METRICS_MAX_BYTES (256u << 20)

struct metrics_snapshot {
        struct prom_task *tasks;
        struct cg_sample *samples;
        char (*ids)[160];
        size_t n;
};

static void snapshot_free(struct metrics_snapshot *m)
{
        free(m->tasks);
        free(m->samples);
        free(m->ids);
}

/* Read every task's cgroup now (values are never cached), ended ones from their final values. */
static int snapshot_take(struct agent *a, struct metrics_snapshot *m)
{
        size_t n = 0, i = 0;

        for (struct task *t = a->tasks; t; t = t->next)
                n++;
        *m = (struct metrics_snapshot){ 0 };
        m->tasks = calloc(n ? n : 1, sizeof(*m->tasks));
        m->samples = calloc(n ? n : 1, sizeof(*m->samples));
        m->ids = calloc(n ? n : 1, sizeof(*m->ids));
        if (!m->tasks || !m->samples || !m->ids) {
                snapshot_free(m);
                return -ENOMEM;
        }
        for (struct task *t = a->tasks; t; t = t->next) {
                struct prom_task *pt = &m->tasks[i];

                snprintf(m->ids[i], sizeof(m->ids[i]), "/%s/%s/%s", a->cfg.cgroup_root, t->policy.name,
                         t->id);
                *pt = (struct prom_task){
                        .id = m->ids[i],
                        .name = t->name,
                        .task = t->id,
                        .policy = t->policy.name,
                        .tenant = t->tenant,
                        .running = t->state == TASK_RUNNING,
                        .frozen = t->frozen,
                        .frozen_seconds = task_frozen_seconds(t),
                        .memory_byte_seconds = t->mem_byte_seconds,
                        .start_time = (double)t->start_ns / 1e9,
                        .spec = &t->policy,
                };
                if (task_sample(a, t, &m->samples[i]) == 0)
                        pt->s = &m->samples[i];
                i++;
        }
        m->n = i;
        return 0;
}

struct usage_list {
        struct prom_usage *items;
        size_t n, cap;
};

static struct prom_usage *usage_slot(struct usage_list *l, const char *tenant, const char *policy)
{
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->items[i].tenant, tenant) && streq(l->items[i].policy, policy))
                        return &l->items[i];
        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 16;
                struct prom_usage *p = realloc(l->items, cap * sizeof(*p));

                if (!p)
                        return NULL;
                l->items = p;
                l->cap = cap;
        }
        l->items[l->n] = (struct prom_usage){ 0 };
        snprintf(l->items[l->n].tenant, sizeof(l->items[l->n].tenant), "%s", tenant);
        snprintf(l->items[l->n].policy, sizeof(l->items[l->n].policy), "%s", policy);
        return &l->items[l->n++];
}

static int usage_from_ledger(const struct ledger_totals *t, void *userdata)
{
        struct prom_usage *u = usage_slot(userdata, t->tenant, t->policy);

        if (!u)
                return -ENOMEM;
        u->tasks_ended = t->tasks;
        u->cpu_seconds = (double)t->cpu_ns / 1e9;
        u->cpu_user_seconds = (double)t->cpu_user_ns / 1e9;
        u->cpu_system_seconds = (double)t->cpu_system_ns / 1e9;
        u->memory_byte_seconds = (double)t->memory_byte_seconds;
        u->io_read_bytes = t->io_read_bytes;
        u->io_write_bytes = t->io_write_bytes;
        u->net_rx_bytes = t->net_rx_bytes;
        u->net_tx_bytes = t->net_tx_bytes;
        u->oom_kills = t->oom_kills;
        u->frozen_seconds = (double)t->frozen_ns / 1e9;
        return 0;
}

/* Ended tasks from the ledger's totals, plus running tasks as read now: a task's final record is at least
 * what was last read while it ran, so the sum never goes backwards, and the ledger keeps it across restarts.
 */
static int usage_collect(struct agent *a, const struct metrics_snapshot *m, struct usage_list *l)
{
        int r = ledger_totals(a->ledger, usage_from_ledger, l);
        size_t i = 0;

        if (r < 0)
                return r;
        for (struct task *t = a->tasks; t; t = t->next, i++) {
                const struct cg_sample *s = m->tasks[i].s;
                struct prom_usage *u;

                if (t->state != TASK_RUNNING)
                        continue;
                u = usage_slot(l, t->tenant, t->policy.name);
                if (!u)
                        return -ENOMEM;
                u->memory_byte_seconds += t->mem_byte_seconds;
                u->frozen_seconds += task_frozen_seconds(t);
                if (!s)
                        continue;
                u->cpu_seconds += (double)s->cpu.usage_ns / 1e9;
                u->cpu_user_seconds += (double)s->cpu.user_ns / 1e9;
                u->cpu_system_seconds += (double)s->cpu.system_ns / 1e9;
                u->io_read_bytes += s->io.rbytes;
                u->io_write_bytes += s->io.wbytes;
                if (s->have & CG_HAVE_NET) {
                        u->net_rx_bytes += s->net.rx_bytes;
                        u->net_tx_bytes += s->net.tx_bytes;
                }
                u->oom_kills += s->memory.oom_kill;
        }
        return 0;
}

static int route_metrics(struct agent *a, const struct http_request *req, const char *arg,
                         struct http_response *resp)
{
        struct prom_collector_state cs[32];
        struct metrics_snapshot m;
        struct usage_list usage = { 0 };
        struct prom_agent ag = {
                .version = PACKAGE_VERSION,
                .cgroup_mode = cg_mode_name(a->cg->mode),
                .policies = a->policies.n,
                .reloads_ok = a->reloads_ok,
                .reloads_failed = a->reloads_failed,
                .collectors = cs,
                .tasks_running = a->n_running,
        };
        bool om = prom_wants_openmetrics(http_header(req, "Accept"));
        uint64_t t0 = now_monotonic_ns();
        struct strbuf out;
        int r;

        for (size_t i = 0; collector_registry[i] && i < ARRAY_SIZE(cs); i++) {
                cs[i] = (struct prom_collector_state){ collector_registry[i]->name,
                                                       a->collectors_enabled & (UINT32_C(1) << i) };
                ag.n_collectors++;
        }
        r = snapshot_take(a, &m);
        if (r < 0)
                return r;
        ag.tasks_retained = m.n - a->n_running;
        r = usage_collect(a, &m, &usage);
        if (r < 0)
                log_warning("metrics: per-tenant usage left out: %s", ledger_errmsg(a->ledger));
        ag.usage = usage.items;
        ag.n_usage = r < 0 ? 0 : usage.n;
        events_counters(a, ag.pressure_events, ag.oom_events);
        ag.scrape_seconds = (double)(now_monotonic_ns() - t0) / 1e9;
        strbuf_init(&out, METRICS_MAX_BYTES);
        prom_render(&ag, m.tasks, m.n, om, &out);
        snapshot_free(&m);
        free(usage.items);
        free(resp->body);
        r = strbuf_take(&out, &resp->body, &resp->len);
        if (r < 0)
                return r;
        resp->status = 200;
        resp->content_type = om ? PROM_CONTENT_TYPE_OPENMETRICS : PROM_CONTENT_TYPE_TEXT;
        return 0;
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
