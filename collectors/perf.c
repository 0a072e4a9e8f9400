/* perf_event counters per task (collectors/perf.h).
 *
 * Cgroup events exist only per CPU (the kernel refuses cpu = -1 with PERF_FLAG_PID_CGROUP), so a task holds
 * one counter per event and online CPU and a read sums over CPUs. A cgroup event counts the tasks of the
 * cgroup and of its descendants while they run on that CPU; it keeps its value after the cgroup is removed,
 * so the final values can be read after the task's cgroup is gone.
 *
 * Groups: software events share one group per CPU, hardware events get their own. Were they in one group, a
 * PMU that cannot schedule the hardware members would stop the software ones with them (a group runs all or
 * nothing), and an unsupported hardware event would fail the whole group. A hardware event the PMU cannot
 * add to the current group (EINVAL: the group could never fit its counters) starts another one. The layout
 * is decided on the first online CPU and repeated on the others.
 *
 * Not handled: a CPU that comes online after the counters are opened is not counted (its events would be
 * missed); one that goes offline keeps its counters' last values. */
#include <fcntl.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>

#include "parse.h"
#include "perf.h"

_Static_assert(PERF_MAX_CPUS == CGM_MAX_CPUS, "the online list is parsed with parse_cpu_list");
_Static_assert(PERF_MAX_EVENTS <= sizeof(((struct cg_sample *)0)->perf.count) / sizeof(uint64_t),
               "cg_sample.perf holds every event");
_Static_assert(PERF_MAX_EVENTS <= 32, "bit masks are uint32_t");

#define PERF_ONLINE_PATH "/sys/devices/system/cpu/online"
#define PERF_READ_FORMAT (PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING)

static const struct {
        const char *name;
        uint32_t type;
        uint64_t config;
} perf_event_table[] = {
        { "task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
        { "cpu-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK },
        { "context-switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES },
        { "cpu-migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS },
        { "page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
        { "minor-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN },
        { "major-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ },
        { "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
        { "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
        { "cache-references", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES },
        { "cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES },
        { "branches", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS },
        { "branch-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES },
};

/* Events read together through their leader (event[0]); values come back in the order they were added. */
struct perf_group {
        uint8_t n;
        uint8_t event[PERF_MAX_EVENTS]; /* indexes into the policy's events */
};

struct perf_counters {
        unsigned n_ref;
        uint32_t counted; /* bit i: events[i] has a counter on every CPU */
        size_t n_events;  /* the policy's events, counted or not */
        size_t n_cpus;
        size_t n_groups; /* per CPU, the same on every CPU */
        struct perf_group groups[PERF_MAX_EVENTS];
        int fds[]; /* [cpu * n_events + i]: events[i] on the cpu-th online CPU, -1 when not counted */
};

int perf_event_lookup(const char *name, uint32_t *ret_type, uint64_t *ret_config)
{
        if (!name)
                return -EINVAL;
        for (size_t i = 0; i < ARRAY_SIZE(perf_event_table); i++)
                if (streq(name, perf_event_table[i].name)) {
                        if (ret_type)
                                *ret_type = perf_event_table[i].type;
                        if (ret_config)
                                *ret_config = perf_event_table[i].config;
                        return 0;
                }
        return -EINVAL;
}

int perf_parse_cpu_online(const char *buf, unsigned *ret_cpus, size_t max, size_t *ret_n)
{
        _cleanup_free_ char *s = NULL;
        struct cpu_bitmap b;
        size_t n = 0;
        int r;

        if (!buf || !ret_cpus || !ret_n)
                return -EINVAL;
        s = strdup(buf);
        if (!s)
                return -ENOMEM;
        r = parse_cpu_list(strstrip(s), &b);
        if (r < 0)
                return r;
        for (unsigned cpu = 0; cpu < PERF_MAX_CPUS; cpu++) {
                if (!(b.bits[cpu / 64] & (UINT64_C(1) << (cpu % 64))))
                        continue;
                if (n == max)
                        return -ENOBUFS;
                ret_cpus[n++] = cpu;
        }
        *ret_n = n;
        return 0;
}

static int perf_online_cpus(unsigned *ret_cpus, size_t max, size_t *ret_n)
{
        _cleanup_free_ char *buf = NULL;
        int r;

        r = read_file_at(AT_FDCWD, PERF_ONLINE_PATH, 64 * 1024, &buf, NULL);
        if (r < 0)
                return r;
        return perf_parse_cpu_online(buf, ret_cpus, max, ret_n);
}

static bool perf_is_hardware(const struct perf_event_attr *attr)
{
        return attr->type != PERF_TYPE_SOFTWARE;
}

static int perf_open(const struct perf_event_attr *attr, int cgroup_fd, unsigned cpu, int group_fd)
{
        struct perf_event_attr a = *attr; /* the kernel writes size back on E2BIG */
        long fd;

        fd = syscall(SYS_perf_event_open, &a, cgroup_fd, (int)cpu, group_fd,
                     PERF_FLAG_PID_CGROUP | PERF_FLAG_FD_CLOEXEC);
        return fd < 0 ? -errno : (int)fd;
}

/* The errors of a hardware event the host lacks: no PMU (ENOENT, typical in VMs), the PMU does not have it
 * (EOPNOTSUPP, ENODEV), or refuses this configuration (EINVAL). */
static bool perf_errno_unsupported(int r)
{
        return r == -ENOENT || r == -EOPNOTSUPP || r == -ENODEV || r == -EINVAL;
}

static int perf_attrs(const char (*events)[32], size_t n, struct perf_event_attr *ret_attrs)
{
        for (size_t i = 0; i < n; i++) {
                struct perf_event_attr *a = &ret_attrs[i];
                uint64_t config;
                int r;

                if (!memchr(events[i], '\0', sizeof(events[i])))
                        return -EINVAL;
                memset(a, 0, sizeof(*a));
                a->size = sizeof(*a);
                a->read_format = PERF_READ_FORMAT;
                r = perf_event_lookup(events[i], &a->type, &config);
                if (r < 0)
                        return r;
                a->config = config; /* __u64 is unsigned long long, uint64_t unsigned long */
                for (size_t j = 0; j < i; j++)
                        if (streq(events[i], events[j]))
                                return -EINVAL; /* one counter per name: the policy parser refuses twice */
        }
        return 0;
}

static void perf_group_add(struct perf_counters *pc, size_t g, size_t event, int fd)
{
        pc->groups[g].event[pc->groups[g].n++] = (uint8_t)event;
        pc->fds[event] = fd; /* the first CPU's row */
        pc->counted |= UINT32_C(1) << event;
}

/* Open the events on the first online CPU, deciding which are counted and how they are grouped. */
static int perf_layout(struct perf_counters *pc, int cgroup_fd, unsigned cpu,
                       const struct perf_event_attr *attrs, uint32_t *ret_unsupported)
{
        int cur[2] = { -1, -1 }; /* the group new events join: software, hardware */
        uint32_t unsupported = 0;

        for (size_t i = 0; i < pc->n_events; i++) {
                bool hw = perf_is_hardware(&attrs[i]);
                int fd;

                if (cur[hw] >= 0) {
                        fd = perf_open(&attrs[i], cgroup_fd, cpu, pc->fds[pc->groups[cur[hw]].event[0]]);
                        if (fd >= 0) {
                                perf_group_add(pc, (size_t)cur[hw], i, fd);
                                continue;
                        }
                        if (!hw || fd != -EINVAL)
                                return fd;
                }
                /* a group of its own: the first of its kind, or the current group is full */
                fd = perf_open(&attrs[i], cgroup_fd, cpu, -1);
                if (fd < 0 && hw && perf_errno_unsupported(fd)) {
                        unsupported |= UINT32_C(1) << i;
                        continue;
                }
                if (fd < 0)
                        return fd;
                cur[hw] = (int)pc->n_groups++;
                perf_group_add(pc, (size_t)cur[hw], i, fd);
        }
        *ret_unsupported = unsupported;
        return 0;
}

/* Repeat the first CPU's groups on the cpu-th online CPU (row c). */
static int perf_open_row(struct perf_counters *pc, int cgroup_fd, size_t c, unsigned cpu,
                         const struct perf_event_attr *attrs)
{
        int *row = &pc->fds[c * pc->n_events];

        for (size_t g = 0; g < pc->n_groups; g++) {
                const struct perf_group *grp = &pc->groups[g];

                for (size_t k = 0; k < grp->n; k++) {
                        size_t i = grp->event[k];
                        int fd = perf_open(&attrs[i], cgroup_fd, cpu, k == 0 ? -1 : row[grp->event[0]]);

                        if (fd < 0)
                                return fd;
                        row[i] = fd;
                }
        }
        return 0;
}

/* Nothing counted: tell a cgroup that is unusable (removed, no perf_event on its hierarchy, not a cgroup)
 * from a host without the events, with the one event every kernel has. */
static int perf_check_cgroup(int cgroup_fd, unsigned cpu)
{
        const struct perf_event_attr a = {
                .size = sizeof(a),
                .type = PERF_TYPE_SOFTWARE,
                .config = PERF_COUNT_SW_TASK_CLOCK,
        };
        int fd = perf_open(&a, cgroup_fd, cpu, -1);

        if (fd < 0)
                return fd;
        close(fd);
        return 0;
}

int perf_counters_open(int cgroup_fd, const char (*events)[32], size_t n, struct perf_counters **ret,
                       uint32_t *ret_unsupported)
{
        _cleanup_perf_counters_ struct perf_counters *pc = NULL;
        struct perf_event_attr attrs[PERF_MAX_EVENTS];
        unsigned cpus[PERF_MAX_CPUS];
        uint32_t unsupported = 0;
        size_t n_cpus;
        int r;

        if (!events || !ret || n == 0 || n > PERF_MAX_EVENTS)
                return -EINVAL;
        if (cgroup_fd < 0)
                return -EBADF;
        r = perf_attrs(events, n, attrs);
        if (r < 0)
                return r;
        r = perf_online_cpus(cpus, ARRAY_SIZE(cpus), &n_cpus);
        if (r < 0)
                return r;
        pc = calloc(1, sizeof(*pc) + n_cpus * n * sizeof(int));
        if (!pc)
                return -ENOMEM;
        pc->n_ref = 1;
        pc->n_events = n;
        pc->n_cpus = n_cpus;
        for (size_t k = 0; k < n_cpus * n; k++)
                pc->fds[k] = -1;

        r = perf_layout(pc, cgroup_fd, cpus[0], attrs, &unsupported);
        if (r < 0)
                return r;
        if (pc->counted == 0) {
                r = perf_check_cgroup(cgroup_fd, cpus[0]);
                if (r < 0)
                        return r;
                if (ret_unsupported)
                        *ret_unsupported = unsupported;
                return -EOPNOTSUPP;
        }
        for (size_t c = 1; c < n_cpus; c++) {
                r = perf_open_row(pc, cgroup_fd, c, cpus[c], attrs);
                if (r < 0)
                        return r;
        }
        if (ret_unsupported)
                *ret_unsupported = unsupported;
        *ret = TAKE_PTR(pc);
        return 0;
}

/* Scale a multiplexed counter to the whole time it was enabled; one that never ran counted nothing. */
uint64_t perf_scale(uint64_t value, uint64_t enabled, uint64_t running)
{
        if (running == 0)
                return 0;
        if (running >= enabled)
                return value;
#ifdef __SIZEOF_INT128__
        unsigned __int128 v = (unsigned __int128)value * enabled / running;

        return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
#else
        long double v = (long double)value * (long double)enabled / (long double)running;

        return v >= (long double)UINT64_MAX ? UINT64_MAX : (uint64_t)v;
#endif
}

static int perf_read_group(int leader, const struct perf_group *g, uint64_t *sum)
{
        uint64_t buf[3 + PERF_MAX_EVENTS]; /* nr, time_enabled, time_running, values in group order */
        ssize_t k;

        k = read(leader, buf, sizeof(buf));
        if (k < 0)
                return -errno;
        if ((size_t)k != (3 + (size_t)g->n) * sizeof(uint64_t) || buf[0] != g->n)
                return -EIO;
        for (size_t i = 0; i < g->n; i++)
                sum[g->event[i]] += perf_scale(buf[3 + i], buf[1], buf[2]);
        return 0;
}

int perf_counters_read(const struct perf_counters *pc, struct cg_sample *s)
{
        uint64_t sum[PERF_MAX_EVENTS] = { 0 };

        if (!pc || !s)
                return -EINVAL;
        for (size_t c = 0; c < pc->n_cpus; c++) {
                const int *row = &pc->fds[c * pc->n_events];

                for (size_t g = 0; g < pc->n_groups; g++) {
                        int r = perf_read_group(row[pc->groups[g].event[0]], &pc->groups[g], sum);

                        if (r < 0)
                                return r;
                }
        }
        memset(&s->perf, 0, sizeof(s->perf));
        memcpy(s->perf.count, sum, pc->n_events * sizeof(uint64_t));
        s->perf.counted = pc->counted;
        s->have |= CG_HAVE_PERF;
        return 0;
}

struct perf_counters *perf_counters_ref(struct perf_counters *pc)
{
        if (pc)
                pc->n_ref++;
        return pc;
}

struct perf_counters *perf_counters_unref(struct perf_counters *pc)
{
        if (!pc || --pc->n_ref > 0)
                return NULL;
        for (size_t k = 0; k < pc->n_cpus * pc->n_events; k++)
                if (pc->fds[k] >= 0)
                        close(pc->fds[k]);
        free(pc);
        return NULL;
}

size_t perf_counters_nfds(const struct perf_counters *pc)
{
        size_t n = 0;

        if (!pc)
                return 0;
        for (size_t k = 0; k < pc->n_cpus * pc->n_events; k++)
                n += pc->fds[k] >= 0;
        return n;
}

static void perf_why_paranoid(char *why, size_t n, int r)
{
        _cleanup_free_ char *level = NULL;

        if (read_file_at(AT_FDCWD, "/proc/sys/kernel/perf_event_paranoid", 64, &level, NULL) < 0)
                level = NULL;
        snprintf(why, n,
                 "perf_event_open is not permitted (%s; kernel.perf_event_paranoid = %s): cgroup events need "
                 "CAP_PERFMON or CAP_SYS_ADMIN, or perf_event_paranoid <= 0",
                 strerror(-r), level ? strstrip(level) : "?");
}

int perf_probe(int cgroup_fd, char *why, size_t n)
{
        unsigned cpus[PERF_MAX_CPUS];
        char dummy[1];
        size_t n_cpus;
        int r;

        if (!why || n == 0) {
                why = dummy;
                n = sizeof(dummy);
        }
        why[0] = '\0';
        r = perf_online_cpus(cpus, ARRAY_SIZE(cpus), &n_cpus);
        if (r < 0)
                return r;
        r = perf_check_cgroup(cgroup_fd, cpus[0]);
        switch (r) {
        case 0:
                return 1;
        case -EACCES:
        case -EPERM:
                perf_why_paranoid(why, n, r);
                return 0;
        case -ENOSYS:
                snprintf(why, n, "the kernel has no perf_event_open (built without CONFIG_PERF_EVENTS)");
                return 0;
        case -ENOENT:
                snprintf(
                    why, n,
                    "no perf_event cgroup for this directory: the perf_event controller is not on its "
                    "hierarchy (when perf_event is mounted as v1, use that hierarchy, else the unified one)");
                return 0;
        case -EINVAL:
                snprintf(why, n, "the kernel does not support perf events on cgroups (CONFIG_CGROUP_PERF)");
                return 0;
        default:
                return r; /* -EBADF: not a cgroup directory */
        }
}

/* The registry's view: the counters are opened per task (task.c) and handed over in the target. Up when
 * perf_event_open works on the agent's unified cgroup, or at least for a task of its own (on a hybrid host
 * with perf_event mounted as v1, cgroup2 directories are refused, and tasks use their v1 directory). */
static int collector_perf_probe(const struct collector_target *ex, char *why, size_t n)
{
        struct perf_event_attr attr = {
                .type = PERF_TYPE_SOFTWARE,
                .size = sizeof(attr),
                .config = PERF_COUNT_SW_TASK_CLOCK,
                .disabled = 1,
        };
        int r =
            ex->fd[COLLECTOR_SOURCE_UNIFIED] >= 0 ? perf_probe(ex->fd[COLLECTOR_SOURCE_UNIFIED], why, n) : 0;
        int fd;

        if (r != 0)
                return r;
        fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
        if (fd < 0) {
                r = -errno;
                if (r == -EACCES || r == -EPERM)
                        perf_why_paranoid(why, n, r);
                else if (!why[0])
                        snprintf(why, n, "perf_event_open: %s", strerror(-r));
                return 0;
        }
        close(fd);
        why[0] = '\0';
        return 1;
}

static int collector_perf_collect(const struct collector_target *t, struct cg_sample *s)
{
        return t->perf ? perf_counters_read(t->perf, s) : 0;
}

const struct collector collector_perf = {
        .name = "perf_event",
        .probe = collector_perf_probe,
        .collect = collector_perf_collect,
};
