#include "prometheus.h"

#include <math.h>

enum prom_type { PROM_COUNTER, PROM_GAUGE };

/* A per-task family read straight from a sample field. */
struct prom_family {
        const char *name; /* as exposed in 0.0.4 (counters end in _total) */
        const char *help;
        enum prom_type type;
        uint64_t have;            /* CG_HAVE_* bits the value needs */
        size_t offset;            /* of a uint64_t in struct cg_sample */
        double scale;             /* multiply the raw value (ns -> s) */
        const char *extra_labels; /* e.g. cpu="total" */
};

#define SAMPLE_FIELD(f) offsetof(struct cg_sample, f)

static const struct prom_family task_families[] = {
        { "container_cpu_usage_seconds_total", "Cumulative CPU time consumed.", PROM_COUNTER,
          CG_HAVE_CPU_USAGE, SAMPLE_FIELD(cpu.usage_ns), 1e-9, "cpu=\"total\"" },
        { "container_cpu_user_seconds_total", "Cumulative user CPU time consumed.", PROM_COUNTER,
          CG_HAVE_CPU_USER_SYSTEM, SAMPLE_FIELD(cpu.user_ns), 1e-9, NULL },
        { "container_cpu_system_seconds_total", "Cumulative system CPU time consumed.", PROM_COUNTER,
          CG_HAVE_CPU_USER_SYSTEM, SAMPLE_FIELD(cpu.system_ns), 1e-9, NULL },
        { "container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals.", PROM_COUNTER,
          CG_HAVE_CPU_THROTTLE, SAMPLE_FIELD(cpu.nr_periods), 1, NULL },
        { "container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals.", PROM_COUNTER,
          CG_HAVE_CPU_THROTTLE, SAMPLE_FIELD(cpu.nr_throttled), 1, NULL },
        { "container_cpu_cfs_throttled_seconds_total", "Total time duration the task has been throttled.",
          PROM_COUNTER, CG_HAVE_CPU_THROTTLE, SAMPLE_FIELD(cpu.throttled_ns), 1e-9, NULL },
        { "container_memory_usage_bytes", "Current memory usage in bytes, including all memory.", PROM_GAUGE,
          CG_HAVE_MEM_USAGE, SAMPLE_FIELD(memory.usage), 1, NULL },
        { "container_memory_working_set_bytes", "Current working set in bytes (usage - inactive_file).",
          PROM_GAUGE, CG_HAVE_MEM_USAGE, SAMPLE_FIELD(memory.working_set), 1, NULL },
        { "container_memory_rss", "Size of RSS in bytes.", PROM_GAUGE, CG_HAVE_MEM_USAGE,
          SAMPLE_FIELD(memory.rss), 1, NULL },
        { "container_memory_cache", "Number of bytes of page cache memory.", PROM_GAUGE, CG_HAVE_MEM_USAGE,
          SAMPLE_FIELD(memory.cache), 1, NULL },
        { "container_memory_swap", "Task swap usage in bytes.", PROM_GAUGE, CG_HAVE_MEM_SWAP,
          SAMPLE_FIELD(memory.swap), 1, NULL },
        { "container_memory_max_usage_bytes", "Maximum memory usage recorded in bytes.", PROM_GAUGE,
          CG_HAVE_MEM_MAX_USAGE, SAMPLE_FIELD(memory.max_usage), 1, NULL },
        { "cgmeter_memory_failcnt_total", "Number of times memory usage hit the limit (v1 failcnt).",
          PROM_COUNTER, CG_HAVE_MEM_FAILCNT, SAMPLE_FIELD(memory.failcnt), 1, NULL },
        { "container_oom_events_total", "Count of out of memory kills in the task.", PROM_COUNTER,
          CG_HAVE_MEM_OOM_KILL, SAMPLE_FIELD(memory.oom_kill), 1, NULL },
        { "container_processes", "Number of processes running inside the task.", PROM_GAUGE, CG_HAVE_PIDS,
          SAMPLE_FIELD(pids.current), 1, NULL },
        /* cAdvisor labels these by interface; ours are per socket, so one series for all interfaces */
        { "container_network_receive_bytes_total", "Cumulative count of bytes received (IP layer).",
          PROM_COUNTER, CG_HAVE_NET, SAMPLE_FIELD(net.rx_bytes), 1, "interface=\"all\"" },
        { "container_network_transmit_bytes_total", "Cumulative count of bytes transmitted (IP layer).",
          PROM_COUNTER, CG_HAVE_NET, SAMPLE_FIELD(net.tx_bytes), 1, "interface=\"all\"" },
        { "container_network_receive_packets_total", "Cumulative count of packets received.", PROM_COUNTER,
          CG_HAVE_NET, SAMPLE_FIELD(net.rx_packets), 1, "interface=\"all\"" },
        { "container_network_transmit_packets_total", "Cumulative count of packets transmitted.",
          PROM_COUNTER, CG_HAVE_NET, SAMPLE_FIELD(net.tx_packets), 1, "interface=\"all\"" },
};

void prom_escape_label(struct strbuf *out, const char *v)
{
        /* plain runs in one append: every series repeats the task's labels (a hot spot when profiled) */
        for (;;) {
                size_t plain = strcspn(v, "\\\"\n");

                strbuf_append(out, v, plain);
                v += plain;
                if (!*v)
                        return;
                strbuf_append(out, *v == '\\' ? "\\\\" : *v == '"' ? "\\\"" : "\\n", 2);
                v++;
        }
}

bool prom_wants_openmetrics(const char *accept)
{
        return accept && strstr(accept, "application/openmetrics-text") != NULL;
}

/* "# HELP" and "# TYPE"; OpenMetrics names a counter family without its _total suffix. */
static void family_header(struct strbuf *out, const char *name, const char *help, enum prom_type type,
                          bool om)
{
        size_t n = strlen(name);

        if (om && type == PROM_COUNTER && n > 6 && streq(name + n - 6, "_total"))
                n -= 6;
        strbuf_puts(out, "# HELP ");
        strbuf_append(out, name, n);
        strbuf_printf(out, " %s\n# TYPE ", help);
        strbuf_append(out, name, n);
        strbuf_puts(out, type == PROM_COUNTER ? " counter\n" : " gauge\n");
}

static void task_labels(struct strbuf *out, const struct prom_task *t, const char *extra)
{
        strbuf_puts(out, "{id=\"");
        prom_escape_label(out, t->id);
        strbuf_puts(out, "\",name=\"");
        prom_escape_label(out, t->name);
        strbuf_puts(out, "\",task=\"");
        prom_escape_label(out, t->task);
        strbuf_puts(out, "\",policy=\"");
        prom_escape_label(out, t->policy);
        strbuf_puts(out, "\",tenant=\"");
        prom_escape_label(out, t->tenant);
        strbuf_puts(out, "\"");
        if (extra) {
                strbuf_puts(out, ",");
                strbuf_puts(out, extra);
        }
        strbuf_puts(out, "}");
}

static void value(struct strbuf *out, double v)
{
        if (v == floor(v) && fabs(v) < 9007199254740992.0)
                strbuf_printf(out, " %.0f\n", v);
        else
                strbuf_printf(out, " %.9g\n", v);
}

static void sample_line(struct strbuf *out, const char *name, const struct prom_task *t, const char *extra,
                        double v)
{
        strbuf_puts(out, name);
        task_labels(out, t, extra);
        value(out, v);
}

/* OpenMetrics: a counter's _created sample, the task's start. */
static void created_line(struct strbuf *out, const char *name, const struct prom_task *t, const char *extra)
{
        size_t n = strlen(name);

        strbuf_append(out, name, n > 6 && streq(name + n - 6, "_total") ? n - 6 : n);
        strbuf_puts(out, "_created");
        task_labels(out, t, extra);
        value(out, t->start_time);
}

static void render_task_families(struct strbuf *out, const struct prom_task *tasks, size_t n, bool om)
{
        for (size_t f = 0; f < ARRAY_SIZE(task_families); f++) {
                const struct prom_family *fam = &task_families[f];
                bool header = false;

                for (size_t i = 0; i < n; i++) {
                        const struct cg_sample *s = tasks[i].s;
                        uint64_t raw;

                        if (!s || (s->have & fam->have) != fam->have)
                                continue;
                        if (!header) {
                                family_header(out, fam->name, fam->help, fam->type, om);
                                header = true;
                        }
                        memcpy(&raw, (const char *)s + fam->offset, sizeof(raw));
                        sample_line(out, fam->name, &tasks[i], fam->extra_labels, (double)raw * fam->scale);
                        if (om && fam->type == PROM_COUNTER)
                                created_line(out, fam->name, &tasks[i], fam->extra_labels);
                }
        }
}

static void render_io(struct strbuf *out, const struct prom_task *tasks, size_t n, bool om)
{
        static const struct {
                const char *name, *help;
                size_t offset;
        } io[] = {
                { "container_fs_reads_bytes_total", "Cumulative count of bytes read.",
                  offsetof(struct cg_io_device, rbytes) },
                { "container_fs_writes_bytes_total", "Cumulative count of bytes written.",
                  offsetof(struct cg_io_device, wbytes) },
                { "container_fs_reads_total", "Cumulative count of reads completed.",
                  offsetof(struct cg_io_device, rios) },
                { "container_fs_writes_total", "Cumulative count of writes completed.",
                  offsetof(struct cg_io_device, wios) },
        };

        for (size_t f = 0; f < ARRAY_SIZE(io); f++) {
                bool header = false;

                for (size_t i = 0; i < n; i++) {
                        const struct cg_sample *s = tasks[i].s;

                        if (!s || !(s->have & CG_HAVE_IO))
                                continue;
                        for (unsigned d = 0; d < s->io.n_devices; d++) {
                                char dev[64];
                                uint64_t raw;

                                if (!header) {
                                        family_header(out, io[f].name, io[f].help, PROM_COUNTER, om);
                                        header = true;
                                }
                                snprintf(dev, sizeof(dev), "device=\"%u:%u\"", s->io.devices[d].major,
                                         s->io.devices[d].minor);
                                memcpy(&raw, (const char *)&s->io.devices[d] + io[f].offset, sizeof(raw));
                                sample_line(out, io[f].name, &tasks[i], dev, (double)raw);
                                if (om)
                                        created_line(out, io[f].name, &tasks[i], dev);
                        }
                }
        }
}

static void render_psi(struct strbuf *out, const struct prom_task *tasks, size_t n, bool om)
{
        static const char *const res[_CG_PSI_MAX] = { "cpu", "memory", "io" };
        char name[96], help[160];

        for (int r = 0; r < _CG_PSI_MAX; r++)
                for (int full = 0; full <= 1; full++) {
                        bool header = false;

                        snprintf(name, sizeof(name), "container_pressure_%s_%s_seconds_total", res[r],
                                 full ? "stalled" : "waiting");
                        snprintf(help, sizeof(help), "Total time duration %s tasks %s on %s (PSI %s).",
                                 full ? "all non-idle" : "at least one of the",
                                 full ? "were stalled" : "waited", res[r], full ? "full" : "some");
                        for (size_t i = 0; i < n; i++) {
                                const struct cg_sample *s = tasks[i].s;
                                uint64_t bit = full ? CG_HAVE_PSI_FULL(r) : CG_HAVE_PSI_SOME(r);

                                if (!s || !(s->have & bit))
                                        continue;
                                if (!header) {
                                        family_header(out, name, help, PROM_COUNTER, om);
                                        header = true;
                                }
                                sample_line(out, name, &tasks[i], NULL,
                                            (double)(full ? s->psi[r].full_us : s->psi[r].some_us) / 1e6);
                                if (om)
                                        created_line(out, name, &tasks[i], NULL);
                        }
                }
}

/* The limits in force, as cAdvisor's container_spec_*; unset and "max" limits are not exposed. */
static void render_spec(struct strbuf *out, const struct prom_task *tasks, size_t n, bool om)
{
        static const struct {
                const char *name, *help;
                size_t offset;
        } spec[] = {
                { "container_spec_memory_limit_bytes", "Memory limit for the task.",
                  offsetof(struct policy, mem_limit) },
                { "container_spec_memory_swap_limit_bytes", "Memory and swap limit for the task.",
                  offsetof(struct policy, mem_swap_limit) },
                { "container_spec_memory_reservation_limit_bytes",
                  "Memory reservation (soft limit) for the task.", offsetof(struct policy, mem_soft_limit) },
                { "container_spec_cpu_quota", "CPU quota of the task, in microseconds per period.",
                  offsetof(struct policy, cpu_quota_us) },
                { "container_spec_cpu_period", "CPU period of the task, in microseconds.",
                  offsetof(struct policy, cpu_period_us) },
                { "container_spec_cpu_shares", "CPU shares of the task.",
                  offsetof(struct policy, cpu_shares) },
                { "cgmeter_spec_pids_max", "Process limit of the task.", offsetof(struct policy, pids_max) },
        };

        for (size_t f = 0; f < ARRAY_SIZE(spec); f++) {
                bool header = false;

                for (size_t i = 0; i < n; i++) {
                        uint64_t v;

                        if (!tasks[i].spec || !tasks[i].running)
                                continue;
                        memcpy(&v, (const char *)tasks[i].spec + spec[f].offset, sizeof(v));
                        if (v == POLICY_UNSET || v == POLICY_MAX)
                                continue;
                        if (!header) {
                                family_header(out, spec[f].name, spec[f].help, PROM_GAUGE, om);
                                header = true;
                        }
                        sample_line(out, spec[f].name, &tasks[i], NULL, (double)v);
                }
        }
}

static void render_task_info(struct strbuf *out, const struct prom_task *tasks, size_t n, bool om)
{
        if (n == 0)
                return;
        family_header(out, "container_start_time_seconds",
                      "Start time of the task since unix epoch in seconds.", PROM_GAUGE, om);
        for (size_t i = 0; i < n; i++)
                sample_line(out, "container_start_time_seconds", &tasks[i], NULL, tasks[i].start_time);
        family_header(out, "cgmeter_task_running",
                      "1 while the task's cgroup holds processes, 0 once it ended.", PROM_GAUGE, om);
        for (size_t i = 0; i < n; i++)
                sample_line(out, "cgmeter_task_running", &tasks[i], NULL, tasks[i].running ? 1 : 0);
        family_header(out, "cgmeter_task_frozen", "1 while the task is paused (frozen).", PROM_GAUGE, om);
        for (size_t i = 0; i < n; i++)
                sample_line(out, "cgmeter_task_frozen", &tasks[i], NULL, tasks[i].frozen ? 1 : 0);
        family_header(out, "cgmeter_task_frozen_seconds_total", "Time the task has spent frozen.",
                      PROM_COUNTER, om);
        for (size_t i = 0; i < n; i++) {
                sample_line(out, "cgmeter_task_frozen_seconds_total", &tasks[i], NULL,
                            tasks[i].frozen_seconds);
                if (om)
                        created_line(out, "cgmeter_task_frozen_seconds_total", &tasks[i], NULL);
        }
}

static void usage_labels(struct strbuf *out, const struct prom_usage *u)
{
        strbuf_puts(out, "{tenant=\"");
        prom_escape_label(out, u->tenant);
        strbuf_puts(out, "\",policy=\"");
        prom_escape_label(out, u->policy);
        strbuf_puts(out, "\"}");
}

static void render_usage(struct strbuf *out, const struct prom_agent *ag, bool om)
{
        static const struct {
                const char *name, *help;
                size_t offset;
                bool is_double;
        } fams[] = {
                { "cgmeter_usage_cpu_seconds_total", "CPU time of every task, ended and running.",
                  offsetof(struct prom_usage, cpu_seconds), true },
                { "cgmeter_usage_cpu_user_seconds_total", "User CPU time of every task.",
                  offsetof(struct prom_usage, cpu_user_seconds), true },
                { "cgmeter_usage_cpu_system_seconds_total", "System CPU time of every task.",
                  offsetof(struct prom_usage, cpu_system_seconds), true },
                { "cgmeter_usage_memory_byte_seconds_total",
                  "Memory usage integrated over time (byte-seconds).",
                  offsetof(struct prom_usage, memory_byte_seconds), true },
                { "cgmeter_usage_io_read_bytes_total", "Bytes read by every task.",
                  offsetof(struct prom_usage, io_read_bytes), false },
                { "cgmeter_usage_io_write_bytes_total", "Bytes written by every task.",
                  offsetof(struct prom_usage, io_write_bytes), false },
                { "cgmeter_usage_net_rx_bytes_total", "Network bytes received by every task.",
                  offsetof(struct prom_usage, net_rx_bytes), false },
                { "cgmeter_usage_net_tx_bytes_total", "Network bytes sent by every task.",
                  offsetof(struct prom_usage, net_tx_bytes), false },
                { "cgmeter_usage_oom_kills_total", "OOM kills in every task.",
                  offsetof(struct prom_usage, oom_kills), false },
                { "cgmeter_usage_frozen_seconds_total", "Time tasks spent paused.",
                  offsetof(struct prom_usage, frozen_seconds), true },
                { "cgmeter_usage_tasks_ended_total", "Tasks that ended and have a usage record.",
                  offsetof(struct prom_usage, tasks_ended), false },
        };

        if (ag->n_usage == 0)
                return;
        for (size_t f = 0; f < ARRAY_SIZE(fams); f++) {
                family_header(out, fams[f].name, fams[f].help, PROM_COUNTER, om);
                for (size_t i = 0; i < ag->n_usage; i++) {
                        const char *p = (const char *)&ag->usage[i] + fams[f].offset;
                        double v;

                        if (fams[f].is_double)
                                memcpy(&v, p, sizeof(v));
                        else {
                                uint64_t u;

                                memcpy(&u, p, sizeof(u));
                                v = (double)u;
                        }
                        strbuf_puts(out, fams[f].name);
                        usage_labels(out, &ag->usage[i]);
                        value(out, v);
                }
        }
}

static void render_event_counters(struct strbuf *out, const struct prom_agent *ag, bool om)
{
        static const char *const res[] = { "cpu", "memory", "io" }, *const kinds[] = { "some", "full" };

        family_header(out, "cgmeter_pressure_events_total",
                      "Pressure triggers that fired, by resource and kind.", PROM_COUNTER, om);
        for (size_t r = 0; r < 3; r++)
                for (size_t k = 0; k < 2; k++)
                        strbuf_printf(out,
                                      "cgmeter_pressure_events_total{resource=\"%s\",kind=\"%s\"} %llu\n",
                                      res[r], kinds[k], (unsigned long long)ag->pressure_events[r][k]);
        family_header(out, "cgmeter_oom_events_total",
                      "OOM events seen by the agent: oom (limit hit, nothing killed) and oom_kill.",
                      PROM_COUNTER, om);
        strbuf_printf(
            out,
            "cgmeter_oom_events_total{kind=\"oom\"} %llu\ncgmeter_oom_events_total{kind=\"oom_kill\"} "
            "%llu\n",
            (unsigned long long)ag->oom_events[0], (unsigned long long)ag->oom_events[1]);
}

static void render_agent(struct strbuf *out, const struct prom_agent *ag, bool om)
{
        family_header(out, "cgmeter_build_info", "The running agent: version and cgroup mode of the host.",
                      PROM_GAUGE, om);
        strbuf_puts(out, "cgmeter_build_info{version=\"");
        prom_escape_label(out, ag->version);
        strbuf_puts(out, "\",cgroup_mode=\"");
        prom_escape_label(out, ag->cgroup_mode);
        strbuf_puts(out, "\"} 1\n");
        family_header(out, "cgmeter_policies", "Policies in force.", PROM_GAUGE, om);
        strbuf_printf(out, "cgmeter_policies %zu\n", ag->policies);
        family_header(out, "cgmeter_tasks", "Tasks known to the agent, running or ended and retained.",
                      PROM_GAUGE, om);
        strbuf_printf(out, "cgmeter_tasks{state=\"running\"} %zu\ncgmeter_tasks{state=\"ended\"} %zu\n",
                      ag->tasks_running, ag->tasks_retained);
        family_header(out, "cgmeter_reloads_total", "Policy reloads by result.", PROM_COUNTER, om);
        strbuf_printf(
            out, "cgmeter_reloads_total{result=\"ok\"} %llu\ncgmeter_reloads_total{result=\"failed\"} %llu\n",
            (unsigned long long)ag->reloads_ok, (unsigned long long)ag->reloads_failed);
        family_header(out, "cgmeter_collector_up", "1 if the collector works on this host, 0 if not.",
                      PROM_GAUGE, om);
        for (size_t i = 0; i < ag->n_collectors; i++) {
                strbuf_puts(out, "cgmeter_collector_up{collector=\"");
                prom_escape_label(out, ag->collectors[i].name);
                strbuf_printf(out, "\"} %d\n", ag->collectors[i].up ? 1 : 0);
        }
        render_event_counters(out, ag, om);
        family_header(out, "cgmeter_scrape_duration_seconds",
                      "Time spent reading the cgroups for this scrape.", PROM_GAUGE, om);
        strbuf_printf(out, "cgmeter_scrape_duration_seconds %.6f\n", ag->scrape_seconds);
}

/* [perf_event] counters: one series per event the task's policy names and the host counts. */
static void render_perf(struct strbuf *out, const struct prom_task *tasks, size_t n, bool om)
{
        static const char name[] = "cgmeter_perf_events_total";
        bool header = false;

        for (size_t i = 0; i < n; i++) {
                const struct cg_sample *s = tasks[i].s;

                if (!s || !(s->have & CG_HAVE_PERF) || !tasks[i].spec)
                        continue;
                for (size_t e = 0; e < tasks[i].spec->n_perf_events && e < ARRAY_SIZE(s->perf.count); e++) {
                        char extra[64];

                        if (!(s->perf.counted & (UINT32_C(1) << e)))
                                continue;
                        if (!header) {
                                family_header(out, name,
                                              "perf_event counters of the task (task-clock and cpu-clock in "
                                              "nanoseconds), summed over CPUs.",
                                              PROM_COUNTER, om);
                                header = true;
                        }
                        snprintf(extra, sizeof(extra), "event=\"%s\"", tasks[i].spec->perf_events[e]);
                        sample_line(out, name, &tasks[i], extra, (double)s->perf.count[e]);
                        if (om)
                                created_line(out, name, &tasks[i], extra);
                }
        }
}

void prom_render(const struct prom_agent *ag, const struct prom_task *tasks, size_t n, bool om,
                 struct strbuf *out)
{
        render_task_families(out, tasks, n, om);
        render_io(out, tasks, n, om);
        render_psi(out, tasks, n, om);
        render_spec(out, tasks, n, om);
        render_task_info(out, tasks, n, om);
        render_perf(out, tasks, n, om);
        render_usage(out, ag, om);
        render_agent(out, ag, om);
        if (om)
                strbuf_puts(out, "# EOF\n");
}
