/* perf_event counters per task: perf_event_open(2) with PERF_FLAG_PID_CGROUP on the task's cgroup, one
 * counter per event and online CPU, read as groups (PERF_FORMAT_GROUP) so one read(2) per group and CPU
 * yields all of its events. Not a registry collector: counters are opened once per task (they count from that
 * moment on), held by the task and read when scraped; the events are the task's policy's ([perf_event]
 * events).
 *
 * The cgroup is a directory fd of the perf_event v1 hierarchy, or of the unified tree. On a hybrid host where
 * perf_event is not mounted as v1 the controller sits on the unified tree and a cgroup2 directory works; once
 * perf_event is mounted as v1 (anywhere on the host, any mount namespace) a cgroup2 directory is refused with
 * ENOENT and the v1 directory must be used (counters opened before keep counting: measured on 6.18). */
#pragma once

#include "collector.h" /* struct cg_sample */

#define PERF_MAX_EVENTS 16 /* == POLICY_MAX_PERF */
#define PERF_MAX_CPUS   1024

/* One task's counters: per online CPU one group per kind (software events in one, hardware events in one, or
 * more when the PMU cannot hold them all at once), each a leader and members. */
struct perf_counters;

/* Event name -> (type, config), NULL-safe: 0 known, -EINVAL unknown. Names: those of docs/policy.md
 * [perf_event]. */
int perf_event_lookup(const char *name, uint32_t *ret_type, uint64_t *ret_config);

/* Open counters for the events on the cgroup whose directory fd is cgroup_fd (a perf_event v1 dir or a
 * cgroup2 dir), on every online CPU, with perf_event_open(..., pid = cgroup_fd, cpu, group,
 * PERF_FLAG_PID_CGROUP | PERF_FLAG_FD_CLOEXEC). A hardware event the host does not support (ENOENT,
 * EOPNOTSUPP, ENODEV or EINVAL, e.g. "cycles" in a VM) is left out and its bit set in *ret_unsupported (bit
 * i = events[i]); the others are counted. Returns 0 with *ret when at least one event is counted; -EOPNOTSUPP
 * when none is (*ret_unsupported is set then too, so the caller can say which); -EINVAL for an unknown name
 * or n outside 1..PERF_MAX_EVENTS; another negative errno on error (-EACCES from perf_event_paranoid,
 * -EMFILE, -ENOENT for a removed cgroup or one of a hierarchy without perf_event, -EBADF for a fd that is no
 * cgroup directory). Never leaves an fd open on failure. ret_unsupported may be NULL. */
int perf_counters_open(int cgroup_fd, const char (*events)[32], size_t n, struct perf_counters **ret,
                       uint32_t *ret_unsupported);
/* Sum over CPUs, scaled by time_enabled/time_running when a counter was multiplexed. Fills s->perf (count[i]
 * of an event not counted is 0) and sets CG_HAVE_PERF. Works after the cgroup is removed (final values).
 * Thread-safe for concurrent reads (only read(2) on the fds). */
int perf_counters_read(const struct perf_counters *pc, struct cg_sample *s);
/* Reference counting (done on one thread only, the agent's loop): the scrape snapshot holds a reference while
 * a worker thread reads. New objects start at 1. */
struct perf_counters *perf_counters_ref(struct perf_counters *pc);
struct perf_counters *perf_counters_unref(struct perf_counters *pc); /* returns NULL; frees and closes at 0 */
size_t perf_counters_nfds(const struct perf_counters *pc);           /* fds held, for logs/benchmarks */
static inline void perf_counters_unrefp(struct perf_counters **pc)
{
        perf_counters_unref(*pc);
}
#define _cleanup_perf_counters_ _cleanup_(perf_counters_unrefp)

/* 1 when perf_event_open works for a cgroup software event here (probe with the agent's own cgroup dir fd), 0
 * when not (why says: perf_event_paranoid, ENOSYS, no perf_event cgroup...), <0 on error. */
int perf_probe(int cgroup_fd, char *why, size_t n);

/* value * enabled / running: a counter that ran only part of the time it was enabled (multiplexed on the PMU)
 * extrapolated to the whole time; 0 when it never ran. For tests. */
uint64_t perf_scale(uint64_t value, uint64_t enabled, uint64_t running);
/* Parse the online CPU list (/sys/devices/system/cpu/online: "0-3,6\n") into ascending CPU numbers. At most
 * max of them (-ENOBUFS past that); -EINVAL when malformed or empty, -ERANGE for a CPU >= PERF_MAX_CPUS. */
int perf_parse_cpu_online(const char *buf, unsigned *ret_cpus, size_t max, size_t *ret_n);
