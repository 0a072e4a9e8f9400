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

/* "{id=...,tenant=\"...\"": the task's labels, escaped, without the closing brace */
static void task_label_set(struct strbuf *out, const struct prom_task *t)
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
}

int prom_tasks_prepare(struct prom_task *tasks, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                struct strbuf sb;

                strbuf_init(&sb, 4096);
                task_label_set(&sb, &tasks[i]);
                /* a copy of its length: the buffer grew in steps, thousands of them would add up */
                tasks[i].labels = sb.err ? NULL : strndup(sb.buf, sb.len);
                strbuf_free(&sb);
                if (!tasks[i].labels)
                        return -ENOMEM; /* the ones made are freed by prom_tasks_release() */
        }
        return 0;
}

void prom_tasks_release(struct prom_task *tasks, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(tasks[i].labels);
                tasks[i].labels = NULL;
        }
}

static void task_labels(struct strbuf *out, const struct prom_task *t, const char *extra)
{
        /* every family repeats them: escaped once per scrape when prepared */
        if (t->labels)
                strbuf_puts(out, t->labels);
        else
                task_label_set(out, t);
        if (extra) {
                strbuf_puts(out, ",");
                strbuf_puts(out, extra);
        }
        strbuf_puts(out, "}");
}

static void value(struct strbuf *out, double v)
{
        /* most samples are whole numbers (bytes, counts): digits by hand, printf is a hot spot per series */
        if (v == floor(v) && fabs(v) < 9007199254740992.0) {
                char buf[24], *p = buf + sizeof(buf);
                uint64_t u = (uint64_t)fabs(v);

                *--p = '\n';
                do
                        *--p = (char)('0' + u % 10);
                while ((u /= 10) > 0);
                if (v < 0)
                        *--p = '-';
                *--p = ' ';
                strbuf_append(out, p, (size_t)(buf + sizeof(buf) - p));
        } else
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

/* Every part renders one family (sub selects which of its section); see prom_render_part(). */
#define PART_ARGS                                                                                            \
        struct strbuf *out, const struct prom_agent *ag, const struct prom_task *tasks, size_t n, bool om,   \
            size_t sub

static void render_task_family(PART_ARGS)
{
        const struct prom_family *fam = &task_families[sub];
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

static const struct {
        const char *name, *help;
        size_t offset;
} io_families[] = {
        { "container_fs_reads_bytes_total", "Cumulative count of bytes read.",
          offsetof(struct cg_io_device, rbytes) },
        { "container_fs_writes_bytes_total", "Cumulative count of bytes written.",
          offsetof(struct cg_io_device, wbytes) },
        { "container_fs_reads_total", "Cumulative count of reads completed.",
          offsetof(struct cg_io_device, rios) },
        { "container_fs_writes_total", "Cumulative count of writes completed.",
          offsetof(struct cg_io_device, wios) },
};

static void render_io(PART_ARGS)
{
        bool header = false;

        for (size_t i = 0; i < n; i++) {
                const struct cg_sample *s = tasks[i].s;

                if (!s || !(s->have & CG_HAVE_IO))
                        continue;
                for (unsigned d = 0; d < s->io.n_devices; d++) {
                        char dev[64];
                        uint64_t raw;

                        if (!header) {
                                family_header(out, io_families[sub].name, io_families[sub].help, PROM_COUNTER,
                                              om);
                                header = true;
                        }
                        snprintf(dev, sizeof(dev), "device=\"%u:%u\"", s->io.devices[d].major,
                                 s->io.devices[d].minor);
                        memcpy(&raw, (const char *)&s->io.devices[d] + io_families[sub].offset, sizeof(raw));
                        sample_line(out, io_families[sub].name, &tasks[i], dev, (double)raw);
                        if (om)
                                created_line(out, io_families[sub].name, &tasks[i], dev);
                }
        }
}

/* sub: resource * 2 + full */
static void render_psi(PART_ARGS)
{
        static const char *const res[_CG_PSI_MAX] = { "cpu", "memory", "io" };
        int r = (int)(sub / 2), full = (int)(sub % 2);
        uint64_t bit = full ? CG_HAVE_PSI_FULL(r) : CG_HAVE_PSI_SOME(r);
        char name[96], help[160];
        bool header = false;

        snprintf(name, sizeof(name), "container_pressure_%s_%s_seconds_total", res[r],
                 full ? "stalled" : "waiting");
        snprintf(help, sizeof(help), "Total time duration %s tasks %s on %s (PSI %s).",
                 full ? "all non-idle" : "at least one of the", full ? "were stalled" : "waited", res[r],
                 full ? "full" : "some");
        for (size_t i = 0; i < n; i++) {
                const struct cg_sample *s = tasks[i].s;

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

/* The limits in force, as cAdvisor's container_spec_*; unset and "max" limits are not exposed. */
static const struct {
        const char *name, *help;
        size_t offset;
} spec_families[] = {
        { "container_spec_memory_limit_bytes", "Memory limit for the task.",
          offsetof(struct policy, mem_limit) },
        { "container_spec_memory_swap_limit_bytes", "Memory and swap limit for the task.",
          offsetof(struct policy, mem_swap_limit) },
        { "container_spec_memory_reservation_limit_bytes", "Memory reservation (soft limit) for the task.",
          offsetof(struct policy, mem_soft_limit) },
        { "container_spec_cpu_quota", "CPU quota of the task, in microseconds per period.",
          offsetof(struct policy, cpu_quota_us) },
        { "container_spec_cpu_period", "CPU period of the task, in microseconds.",
          offsetof(struct policy, cpu_period_us) },
        { "container_spec_cpu_shares", "CPU shares of the task.", offsetof(struct policy, cpu_shares) },
        { "cgmeter_spec_pids_max", "Process limit of the task.", offsetof(struct policy, pids_max) },
};

static void render_spec(PART_ARGS)
{
        bool header = false;

        for (size_t i = 0; i < n; i++) {
                uint64_t v;

                if (!tasks[i].spec || !tasks[i].running)
                        continue;
                memcpy(&v, (const char *)tasks[i].spec + spec_families[sub].offset, sizeof(v));
                if (v == POLICY_UNSET || v == POLICY_MAX)
                        continue;
                if (!header) {
                        family_header(out, spec_families[sub].name, spec_families[sub].help, PROM_GAUGE, om);
                        header = true;
                }
                sample_line(out, spec_families[sub].name, &tasks[i], NULL, (double)v);
        }
}

static void render_task_info(PART_ARGS)
{
        static const struct {
                const char *name, *help;
                enum prom_type type;
        } fams[] = {
                { "container_start_time_seconds", "Start time of the task since unix epoch in seconds.",
                  PROM_GAUGE },
                { "cgmeter_task_running", "1 while the task's cgroup holds processes, 0 once it ended.",
                  PROM_GAUGE },
                { "cgmeter_task_frozen", "1 while the task is paused (frozen).", PROM_GAUGE },
                { "cgmeter_task_frozen_seconds_total", "Time the task has spent frozen.", PROM_COUNTER },
        };

        if (n == 0)
                return;
        family_header(out, fams[sub].name, fams[sub].help, fams[sub].type, om);
        for (size_t i = 0; i < n; i++) {
                const double v[] = { tasks[i].start_time, tasks[i].running ? 1 : 0, tasks[i].frozen ? 1 : 0,
                                     tasks[i].frozen_seconds };

                sample_line(out, fams[sub].name, &tasks[i], NULL, v[sub]);
                if (om && fams[sub].type == PROM_COUNTER)
                        created_line(out, fams[sub].name, &tasks[i], NULL);
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

static void render_usage(PART_ARGS)
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

static void render_agent(PART_ARGS)
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
        family_header(out, "cgmeter_scrape_reads_total",
                      "Reads of every task's cgroups for /metrics (this one included); scrapes that arrive "
                      "during a read share it.",
                      PROM_COUNTER, om);
        strbuf_printf(out, "cgmeter_scrape_reads_total %llu\n", (unsigned long long)ag->scrape_reads);
        family_header(out, "cgmeter_scrapes_total", "Requests of /metrics answered by this read and before.",
                      PROM_COUNTER, om);
        strbuf_printf(out, "cgmeter_scrapes_total %llu\n", (unsigned long long)ag->scrapes);
}

/* [perf_event] counters: one series per event the task's policy names and the host counts. */
static void render_perf(PART_ARGS)
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

static void render_eof(PART_ARGS)
{
        if (om)
                strbuf_puts(out, "# EOF\n");
}

static const struct {
        void (*render)(PART_ARGS);
        size_t n; /* families in the section: sub = 0..n-1 */
} sections[] = {
        { render_task_family, ARRAY_SIZE(task_families) },
        { render_io, ARRAY_SIZE(io_families) },
        { render_psi, 2 * _CG_PSI_MAX },
        { render_spec, ARRAY_SIZE(spec_families) },
        { render_task_info, 4 },
        { render_perf, 1 },
        { render_usage, 1 },
        { render_agent, 1 },
        { render_eof, 1 },
};

bool prom_render_part(const struct prom_agent *ag, const struct prom_task *tasks, size_t n, bool om,
                      size_t part, struct strbuf *out)
{
        for (size_t i = 0; i < ARRAY_SIZE(sections); i++) {
                if (part < sections[i].n) {
                        sections[i].render(out, ag, tasks, n, om, part);
                        return true;
                }
                part -= sections[i].n;
        }
        return false;
}

void prom_render(const struct prom_agent *ag, const struct prom_task *tasks, size_t n, bool om,
                 struct strbuf *out)
{
        for (size_t part = 0; prom_render_part(ag, tasks, n, om, part, out); part++)
                ;
}
