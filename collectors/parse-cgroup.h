/* Pure parsers for cgroup statistics files, fed from buffers so tests run without cgroupfs.
 *
 * Every parser takes (buf, len), never reads past buf + len (no NUL needed), returns 0 or -EINVAL on
 * malformed input (junk or overflowing numbers, truncated lines, missing required keys, an embedded NUL) and
 * changes its output only on success. Keys the kernel may add are ignored, and so are their values; the
 * values of the keys we use must be plain unsigned decimals. A final line without '\n' is accepted; empty
 * lines are skipped. */
#pragma once

#include "collector.h"

/* A single-value file: "N\n". */
int cg_parse_u64_value(const char *buf, size_t len, uint64_t *ret);

/* A flat keyed file ("key value" per line). Sets *keys[i].ret for each key found and bit i of *ret_found
 * (at most 64 keys). A key that appears twice is -EINVAL. */
struct cg_key {
        const char *key;
        uint64_t *ret;
};
int cg_parse_flat_keyed(const char *buf, size_t len, const struct cg_key *keys, size_t n_keys,
                        uint64_t *ret_found);

/* v1 cpu.stat (nr_periods, nr_throttled, throttled_time in ns): CG_HAVE_CPU_THROTTLE. */
int cg_parse_cpu_stat_v1(const char *buf, size_t len, struct cg_sample *s);
/* v2 cpu.stat: usage_usec, user_usec, system_usec (always), and nr_periods, nr_throttled, throttled_usec when
 * the cpu controller is enabled (then all three). Microseconds become nanoseconds. */
int cg_parse_cpu_stat_v2(const char *buf, size_t len, struct cg_sample *s);
/* cpuacct.usage (ns): CG_HAVE_CPU_USAGE. */
int cg_parse_cpuacct_usage(const char *buf, size_t len, struct cg_sample *s);
/* cpuacct.stat "user N\nsystem N\n" in USER_HZ ticks (clk_tck = sysconf(_SC_CLK_TCK)):
 * CG_HAVE_CPU_USER_SYSTEM. */
int cg_parse_cpuacct_stat(const char *buf, size_t len, long clk_tck, struct cg_sample *s);

/* memory.stat with the usage read just before (v1 memory.usage_in_bytes, v2 memory.current): usage,
 * working_set, rss, cache and CG_HAVE_MEM_USAGE. v1 needs total_rss, total_cache, total_inactive_file (and
 * takes swap and CG_HAVE_MEM_SWAP from total_swap when present); v2 anon, file, inactive_file. */
int cg_parse_memory_stat(const char *buf, size_t len, bool v2, uint64_t usage, struct cg_sample *s);
/* v2 memory.events: high, max, oom, oom_kill required (CG_HAVE_MEM_EVENTS, CG_HAVE_MEM_OOM_KILL),
 * oom_group_kill when present (CG_HAVE_MEM_GROUP_KILL). */
int cg_parse_memory_events(const char *buf, size_t len, struct cg_sample *s);
/* v1 memory.oom_control: oom_kill_disable and under_oom required; oom_kill (kernel >= 4.13) sets
 * CG_HAVE_MEM_OOM_KILL. */
int cg_parse_oom_control(const char *buf, size_t len, struct cg_sample *s);

/* v2 io.stat ("MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N ..." per device): replaces s->io and
 * sets CG_HAVE_IO. The four counters we use are required on each line. */
int cg_parse_io_stat(const char *buf, size_t len, struct cg_sample *s);
/* v1 blkio.throttle.io_service_bytes[_recursive] (bytes = true: Read/Write into rbytes/wbytes) or io_serviced
 * (bytes = false: into rios/wios), "MAJ:MIN Op N" lines and a final "Total N". Merges into s->io (call once
 * per file, both after clearing s->io) and sets CG_HAVE_IO. */
int cg_parse_blkio_v1(const char *buf, size_t len, bool bytes, struct cg_sample *s);

/* cpu.pressure, memory.pressure, io.pressure: the "total=" of "some" (required) and "full" (when present),
 * in microseconds, into s->psi[r] with CG_HAVE_PSI_SOME(r) / CG_HAVE_PSI_FULL(r). */
int cg_parse_pressure(const char *buf, size_t len, enum cg_psi_resource r, struct cg_sample *s);
