#include "json-task.h"

#include <signal.h>
#include <sys/wait.h>

static struct json_object *json_usage(const struct cg_sample *s)
{
        struct json_object *u = json_object_new_object();

        if (!u || !s)
                return u;
        if (s->have & CG_HAVE_CPU_USAGE)
                json_object_object_add(u, "cpu_seconds",
                                       json_object_new_double((double)s->cpu.usage_ns / 1e9));
        if (s->have & CG_HAVE_CPU_USER_SYSTEM) {
                json_object_object_add(u, "cpu_user_seconds",
                                       json_object_new_double((double)s->cpu.user_ns / 1e9));
                json_object_object_add(u, "cpu_system_seconds",
                                       json_object_new_double((double)s->cpu.system_ns / 1e9));
        }
        if (s->have & CG_HAVE_MEM_USAGE) {
                json_object_object_add(u, "memory_bytes", json_object_new_uint64(s->memory.usage));
                json_object_object_add(u, "memory_working_set_bytes",
                                       json_object_new_uint64(s->memory.working_set));
        }
        if (s->have & CG_HAVE_MEM_MAX_USAGE)
                json_object_object_add(u, "memory_peak_bytes", json_object_new_uint64(s->memory.max_usage));
        if (s->have & CG_HAVE_MEM_OOM_KILL)
                json_object_object_add(u, "oom_kills", json_object_new_uint64(s->memory.oom_kill));
        if (s->have & CG_HAVE_IO) {
                json_object_object_add(u, "io_read_bytes", json_object_new_uint64(s->io.rbytes));
                json_object_object_add(u, "io_write_bytes", json_object_new_uint64(s->io.wbytes));
        }
        if (s->have & CG_HAVE_PIDS)
                json_object_object_add(u, "processes", json_object_new_uint64(s->pids.current));
        return u;
}

/* [perf_event]: the counters read (by event name) and the events this host cannot count. */
static struct json_object *json_perf(const struct task *t, const struct cg_sample *s)
{
        const struct policy *p = t->policy;
        struct json_object *o, *counts, *unsupported;

        if (p->n_perf_events == 0)
                return NULL;
        o = json_object_new_object();
        counts = json_object_new_object();
        unsupported = json_object_new_array();
        if (!o || !counts || !unsupported) {
                json_object_put(o);
                json_object_put(counts);
                json_object_put(unsupported);
                return NULL;
        }
        for (size_t i = 0; i < p->n_perf_events && i < ARRAY_SIZE(s->perf.count); i++) {
                if (t->perf_unsupported & (UINT32_C(1) << i))
                        json_object_array_add(unsupported, json_object_new_string(p->perf_events[i]));
                else if (s && (s->have & CG_HAVE_PERF) && (s->perf.counted & (UINT32_C(1) << i)))
                        json_object_object_add(counts, p->perf_events[i],
                                               json_object_new_uint64(s->perf.count[i]));
        }
        json_object_object_add(o, "counters", counts);
        json_object_object_add(o, "unsupported", unsupported);
        return o;
}

static struct json_object *json_exit(const struct task *t)
{
        struct json_object *e;

        if (!t->exit_known)
                return NULL;
        e = json_object_new_object();
        if (!e)
                return NULL;
        if (WIFSIGNALED(t->exit_status)) {
                json_object_object_add(e, "signal", json_object_new_int(WTERMSIG(t->exit_status)));
                json_object_object_add(e, "signal_name",
                                       json_object_new_string(sigabbrev_np(WTERMSIG(t->exit_status)) ?: "?"));
        } else {
                json_object_object_add(e, "code", json_object_new_int(WEXITSTATUS(t->exit_status)));
        }
        return e;
}

struct json_object *json_task(const struct task *t, const struct cg_sample *sample)
{
        struct json_object *o = json_object_new_object(), *argv = json_object_new_array();

        if (!o || !argv) {
                json_object_put(o);
                json_object_put(argv);
                return NULL;
        }
        for (char **p = t->argv; p && *p; p++)
                json_object_array_add(argv, json_object_new_string(*p));
        json_object_object_add(o, "id", json_object_new_string(t->id));
        json_object_object_add(o, "name", json_object_new_string(t->name));
        json_object_object_add(o, "policy", json_object_new_string(t->policy->name));
        json_object_object_add(o, "tenant", json_object_new_string(t->tenant));
        json_object_object_add(o, "state", json_object_new_string(task_state_name(t->state)));
        json_object_object_add(o, "command", argv);
        json_object_object_add(o, "pid", t->pid > 0 ? json_object_new_int(t->pid) : NULL);
        json_object_object_add(o, "adopted", json_object_new_boolean(t->adopted));
        json_object_object_add(o, "frozen", json_object_new_boolean(t->frozen));
        json_object_object_add(o, "frozen_seconds", json_object_new_double(task_frozen_seconds(t)));
        {
                char path[2 * POLICY_NAME_MAX + 2];

                snprintf(path, sizeof(path), "%s/%s", t->policy->name, t->id);
                json_object_object_add(o, "cgroup", json_object_new_string(path));
        }
        json_object_object_add(o, "start_time", json_object_new_double((double)t->start_ns / 1e9));
        json_object_object_add(o, "end_time",
                               t->end_ns ? json_object_new_double((double)t->end_ns / 1e9) : NULL);
        json_object_object_add(o, "exit", json_exit(t));
        json_object_object_add(o, "usage", json_usage(sample));
        if (t->policy->n_perf_events > 0)
                json_object_object_add(o, "perf", json_perf(t, sample));
        return o;
}
