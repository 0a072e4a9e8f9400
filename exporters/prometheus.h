/* Prometheus text 0.0.4 and OpenMetrics 1.0 rendering of a snapshot. Only renders: the caller reads the
 * cgroups. Names follow cAdvisor where one exists (container_*), everything else is cgmeter_*. */
#pragma once

#include "collector.h"
#include "policy.h"
#include "strbuf.h"

#define PROM_CONTENT_TYPE_TEXT        "text/plain; version=0.0.4; charset=utf-8"
#define PROM_CONTENT_TYPE_OPENMETRICS "application/openmetrics-text; version=1.0.0; charset=utf-8"

/* One task (a cgroup) in the snapshot. */
struct prom_task {
        const char *id;   /* label id: the cgroup path below the agent's subtree, "/cgmeter/web/1a2b" */
        const char *name; /* the task's name */
        const char *task; /* the task id */
        const char *policy;
        const char *tenant;
        bool running;
        bool frozen;
        double frozen_seconds;
        double memory_byte_seconds;
        double start_time;         /* unix seconds */
        const struct cg_sample *s; /* NULL: nothing could be read */
        const struct policy *spec; /* the limits in force */
        char *labels; /* prom_tasks_prepare(): the label set escaped once; NULL: made per series */
};

/* Usage per (tenant, policy): ended tasks (from the ledger) plus running ones, so it never goes backwards. */
struct prom_usage {
        char tenant[64], policy[64];
        uint64_t tasks_ended;
        double cpu_seconds, cpu_user_seconds, cpu_system_seconds;
        double memory_byte_seconds;
        uint64_t io_read_bytes, io_write_bytes;
        uint64_t net_rx_bytes, net_tx_bytes;
        uint64_t oom_kills;
        double frozen_seconds;
};

struct prom_collector_state {
        const char *name;
        bool up;
};

struct prom_agent {
        const char *version;
        const char *cgroup_mode;
        size_t policies;
        uint64_t reloads_ok, reloads_failed;
        const struct prom_collector_state *collectors;
        size_t n_collectors;
        size_t tasks_running, tasks_retained;
        double scrape_seconds; /* how long reading the cgroups took */
        uint64_t scrape_reads; /* reads so far, this one included */
        uint64_t scrapes;      /* /metrics requests so far that waited for this read or an earlier one */
        const struct prom_usage *usage;
        size_t n_usage;
        uint64_t pressure_events[3][2]; /* [cpu, memory, io][some, full] since the agent started */
        uint64_t oom_events[2];         /* [oom, oom_kill] since the agent started */
};

/* Escape each task's labels once for a rendering (every family repeats them); prom_tasks_release() frees
 * them. -ENOMEM leaves the rest unprepared (they are then escaped per series). */
int prom_tasks_prepare(struct prom_task *tasks, size_t n);
void prom_tasks_release(struct prom_task *tasks, size_t n);
/* Does the Accept header ask for OpenMetrics? */
bool prom_wants_openmetrics(const char *accept);
/* The exposition in parts, one metric family each (a few small ones together), so that it can be sent while
 * it is rendered: append part number part (0, 1, ...) to out; false when there is no such part (the end).
 * Errors are in out->err. */
bool prom_render_part(const struct prom_agent *ag, const struct prom_task *tasks, size_t n, bool om,
                      size_t part, struct strbuf *out);
/* Render everything into out. Errors are in out->err. */
void prom_render(const struct prom_agent *ag, const struct prom_task *tasks, size_t n, bool openmetrics,
                 struct strbuf *out);
/* Append value escaped for a label (backslash, double quote, newline). */
void prom_escape_label(struct strbuf *out, const char *value);
