/* Collectors: one per source of cgroup statistics (cpu, memory, io, pids, psi), all behind one struct
 * collector in one registry. A collector reads the files of one cgroup (struct collector_target: its
 * directories, or a path below the hierarchies' roots, optionally through a cache of open files) and fills
 * its part of a struct cg_sample; the exporters and the ledger only ever see cg_sample.
 *
 * Sources by host mode:
 * - pure v2 (target.v2 = true): everything from fd[COLLECTOR_SOURCE_UNIFIED]: cpu.stat, memory.*, io.stat,
 *   pids.*, *.pressure.
 * - hybrid and pure v1 (target.v2 = false): cpu usage from cpuacct (cpuacct.usage, cpuacct.stat), throttling
 *   from cpu (cpu.stat), memory from memory, io from blkio (blkio.throttle.*_recursive), pids from pids, PSI
 *   from the unified fd when there is one. Without a cpuacct fd, cpu usage comes from the unified cpu.stat.
 *
 * Block IO on v1: kernel 6.18 counts IO in blkio.throttle.* only for a cgroup that has a throttle rule
 * (without one the files read "Total 0"). The cgroup backend must give every task cgroup a rule that never
 * throttles, e.g. "MAJ:MIN 4611686018427387904" in blkio.throttle.write_bps_device per disk (measured: then
 * reads and writes both count exactly).
 *
 * Errors: a cgroup that vanished while being read (ENOENT, ENODEV) is -ENOENT, for the caller to skip. A file
 * the kernel does not provide here (memory.peak before 5.19, swap without swap accounting, PSI off, io.stat
 * when the parent does not enable io) leaves its have-bit clear; it is not an error. A file we cannot parse
 * is -EINVAL for its collector only (collector_collect_all). */
#pragma once

#include "util.h"

/* Bits of cg_sample.have: which groups of fields hold values read this time. A clear bit means "not available
 * here", never zero. */
#define CG_HAVE_CPU_USAGE       (UINT64_C(1) << 0)  /* cpu.usage_ns */
#define CG_HAVE_CPU_USER_SYSTEM (UINT64_C(1) << 1)  /* cpu.user_ns, cpu.system_ns */
#define CG_HAVE_CPU_THROTTLE    (UINT64_C(1) << 2)  /* cpu.nr_periods, nr_throttled, throttled_ns */
#define CG_HAVE_MEM_USAGE       (UINT64_C(1) << 3)  /* memory.usage, working_set, rss, cache */
#define CG_HAVE_MEM_SWAP        (UINT64_C(1) << 4)  /* memory.swap */
#define CG_HAVE_MEM_MAX_USAGE   (UINT64_C(1) << 5)  /* memory.max_usage */
#define CG_HAVE_MEM_FAILCNT     (UINT64_C(1) << 6)  /* memory.failcnt (v1) */
#define CG_HAVE_MEM_OOM_KILL    (UINT64_C(1) << 7)  /* memory.oom_kill (v1 and v2) */
#define CG_HAVE_MEM_EVENTS      (UINT64_C(1) << 8)  /* memory.oom, high, max (v2 memory.events) */
#define CG_HAVE_MEM_GROUP_KILL  (UINT64_C(1) << 9)  /* memory.oom_group_kill (v2, kernel >= 5.17) */
#define CG_HAVE_IO              (UINT64_C(1) << 10) /* io.* */
#define CG_HAVE_PIDS            (UINT64_C(1) << 11) /* pids.current */
/* bit 12: free (pids.max; the limit in force is the policy's, cgmeter_spec_pids_max) */
/* PSI: bit 13 + 2 * resource for "some", the next one for "full". */
#define CG_HAVE_PSI_SOME(r) (UINT64_C(1) << (13 + 2 * (unsigned)(r)))
#define CG_HAVE_PSI_FULL(r) (UINT64_C(1) << (14 + 2 * (unsigned)(r)))
#define CG_HAVE_NET         (UINT64_C(1) << 19) /* net.* (cgroup_skb counters, unified tree) */
#define CG_HAVE_PERF        (UINT64_C(1) << 20) /* perf.* (perf_event counters, collectors/perf.h) */

#define CG_IO_MAX_DEVICES 16

enum cg_psi_resource { CG_PSI_CPU, CG_PSI_MEMORY, CG_PSI_IO, _CG_PSI_MAX };

struct cg_io_device {
        uint32_t major, minor;
        uint64_t rbytes, wbytes, rios, wios;
};

/* Everything one read of one cgroup yields. All counters are cumulative since the cgroup was created. */
struct cg_sample {
        uint64_t have; /* CG_HAVE_* */
        struct {
                uint64_t usage_ns, user_ns, system_ns;
                uint64_t nr_periods, nr_throttled, throttled_ns;
        } cpu;
        struct {
                uint64_t usage;       /* v1 memory.usage_in_bytes, v2 memory.current */
                uint64_t working_set; /* usage - inactive_file, never below 0 (what cAdvisor reports) */
                uint64_t rss;         /* v1 total_rss, v2 anon */
                uint64_t cache;       /* v1 total_cache, v2 file */
                uint64_t swap;        /* v1 memory.stat total_swap, v2 memory.swap.current */
                uint64_t max_usage;   /* v1 memory.max_usage_in_bytes, v2 memory.peak */
                uint64_t failcnt;     /* v1 memory.failcnt */
                uint64_t oom_kill;    /* v1 memory.oom_control oom_kill, v2 memory.events oom_kill */
                uint64_t oom, oom_group_kill, max, high; /* v2 memory.events */
        } memory;
        struct {
                uint64_t rbytes, wbytes, rios, wios; /* totals over every device, also those not listed */
                unsigned n_devices;
                bool truncated; /* more than CG_IO_MAX_DEVICES devices: the rest only in the totals */
                struct cg_io_device devices[CG_IO_MAX_DEVICES];
        } io;
        struct {
                uint64_t current;
        } pids;
        struct {
                uint64_t some_us, full_us; /* the "total=" stall times, in microseconds */
        } psi[_CG_PSI_MAX];
        struct {
                /* IP-layer bytes (network headers included) and packets of the task's sockets, all
                 * interfaces, since the task started or the agent's programs were first attached */
                uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets;
        } net;
        struct {
                uint64_t count[16]; /* events[i] of the task's policy, summed over CPUs, scaled */
                uint32_t counted;   /* bit i: events[i] is counted (supported here) */
        } perf;
};

enum collector_source {
        COLLECTOR_SOURCE_CPU,
        COLLECTOR_SOURCE_CPUACCT,
        COLLECTOR_SOURCE_MEMORY,
        COLLECTOR_SOURCE_BLKIO,
        COLLECTOR_SOURCE_PIDS,
        COLLECTOR_SOURCE_UNIFIED,
        _COLLECTOR_SOURCE_MAX,
};

/* One cgroup, in one of two forms. A directory target (path NULL) holds the cgroup's own directories in fd[],
 * one per source (-1 when absent), and owns them (collector_target_open, _open_below, _close). A path target
 * (path set, collector_target_below) holds the hierarchies' ROOT directories in fd[] and finds the cgroup's
 * files at "<path>/<name>" below them, one openat each and no directory fd; it owns nothing (root fds and
 * path are borrowed and must outlive it). On a pure v2 host only the unified fd is set and v2 is true. Either
 * form may carry a cache of open files (collector_cache_new), borrowed too. */
struct perf_counters;
struct collector_cache;
struct collector_target {
        int fd[_COLLECTOR_SOURCE_MAX];
        bool v2;
        const char *path;                 /* NULL: fd[] are the cgroup's directories; else relative to fd[] */
        const struct perf_counters *perf; /* the task's perf_event counters (perf.h), borrowed; NULL: none */
        struct collector_cache *cache;    /* borrowed; NULL: every read opens and closes its file */
        uint64_t cgroup_id;               /* the unified cgroup's id when known; 0: looked up from fd/path */
};

struct collector {
        const char *name;
        /* 1: supported on this host, 0: not here (reason in why), <0: error. example is a cgroup of the same
         * host mode, e.g. the agent's own. */
        int (*probe)(const struct collector_target *example, char *why, size_t n);
        /* Fill this collector's fields of s and set their have-bits. -ENOENT: the cgroup vanished. On failure
         * its fields of s are unspecified (collector_collect_all discards them). */
        int (*collect)(const struct collector_target *t, struct cg_sample *s);
};

extern const struct collector collector_cpu;
extern const struct collector collector_memory;
extern const struct collector collector_io;
extern const struct collector collector_pids;
extern const struct collector collector_psi;
extern const struct collector collector_net;
extern const struct collector collector_perf;
/* Every collector, NULL-terminated. Index i is bit i of the enabled/failed masks below. */
extern const struct collector *const collector_registry[];

const struct collector *collector_find(const char *name);
/* c's bit in the enabled/failed masks (its index in the registry); 0 if c is not in it. */
uint32_t collector_bit(const struct collector *c);
/* Run every collector whose bit is set in enabled (as probe found them) on t. A collector that fails with
 * anything but -ENOENT leaves its fields unset and its bit in *ret_failed; the others still run. Returns 0,
 * -ENOENT when the cgroup vanished (no sample), or another negative errno only for bad arguments. */
int collector_collect_all(const struct collector_target *t, uint32_t enabled, struct cg_sample *ret,
                          uint32_t *ret_failed);

/* Drop the network counters of a task whose final values are recorded (before its target's fds close; with a
 * directory target its cgroup may already be removed, a path target needs it to exist: -ENOENT otherwise).
 * Without it an ended task's entry stays until the LRU map evicts it. */
int collector_net_forget(const struct collector_target *t);

const char *collector_source_to_string(enum collector_source s);
void collector_target_init(struct collector_target *t);
/* Open path (relative to dirfd, or absolute) as the directory of source src, replacing any fd held there.
 * -EINVAL on a path target (its fds are borrowed). */
int collector_target_open(struct collector_target *t, enum collector_source src, int dirfd, const char *path);
/* Close a directory target's fds; a path target's are borrowed and only forgotten. Either way fd[] are -1
 * and path is NULL after; v2, perf and cache stay (collector_cache_free is for the cache's owner). */
void collector_target_close(struct collector_target *t);
/* Open the cgroup at path (relative, "policy/task") below each directory of roots (a target of the
 * hierarchies' root fds, borrowed) as a target of its own: ret owns its fds. A source missing in roots stays
 * -1. -ENOENT when the cgroup is gone. Safe on any thread. */
int collector_target_open_below(const struct collector_target *roots, const char *path,
                                struct collector_target *ret);
/* The path target of the cgroup at path (relative, "policy/task"; "" is the roots themselves) below roots'
 * directories: no syscall, nothing opened. roots' fds and path are borrowed: keep them open and unchanged
 * while ret is used. ret gets roots' v2 and no perf counters and no cache. */
void collector_target_below(const struct collector_target *roots, const char *path,
                            struct collector_target *ret);
/* A new fd of the cgroup's directory of source src, for what needs the directory itself (BPF attach,
 * perf_event_open); the caller closes it. -EBADF when src is absent, -ENOENT when the cgroup is gone. */
int collector_target_open_dir(const struct collector_target *t, enum collector_source src);

/* A cache of one cgroup's open files, so that each scrape costs one pread per file instead of an
 * open+read+close (kernfs regenerates a file's text on a read at offset 0, so values are never stale). The
 * first read of (source, name) through a target whose cache is c opens the file and keeps its fd; later reads
 * pread it from offset 0; a cached file of a removed cgroup reads ENODEV, -ENOENT as without a cache. A file
 * found absent in a live cgroup is remembered as absent (no open is retried until the cache is freed: a file
 * that may appear later, e.g. io.stat once the parent enables io, needs a new cache). Use a cache with the
 * targets of one cgroup only (keyed by source and file name, not by path). Not thread-safe: one thread at a
 * time (the agent's scrape workers each take whole tasks, so a task's cache is never read by two threads at
 * once). At most COLLECTOR_CACHE_FILES files are remembered; beyond that, or beyond the fd limit, a file is
 * opened and closed per read as without a cache. */
#define COLLECTOR_CACHE_FILES 32
struct collector_cache *collector_cache_new(void);
/* Closes every fd; NULL is fine. */
void collector_cache_free(struct collector_cache *c);
/* The fds c holds now. */
unsigned collector_cache_nfds(const struct collector_cache *c);
/* Keep at most max_fds fds open (default COLLECTOR_CACHE_FILES); fds above a lowered limit are closed now. */
int collector_cache_set_limit(struct collector_cache *c, unsigned max_fds);

/* For collector implementations. Each read helper names the file by target, source and name: "name" in the
 * directory fd[src] of a directory target, "<path>/<name>" below the root fd[src] of a path target, through
 * the target's cache when it has one. name is a file name (no '/'). Reads copy the file into a buffer of
 * their own: 8 KiB on the stack (every cgroup file we read is smaller), or a malloc'ed one up to
 * COLLECTOR_FILE_MAX for a larger file, so a read costs no malloc and needs no big stack. */
#define COLLECTOR_FILE_MAX (64 * 1024) /* v1 memory.stat is ~1.5 KiB; blkio with many disks a few KiB */
/* Read a cgroup file into a new NUL-terminated buffer (the caller frees it). -EBADF when src is absent;
 * ENODEV (file of a removed cgroup) is reported as -ENOENT; -EFBIG above COLLECTOR_FILE_MAX. */
int collector_read(const struct collector_target *t, enum collector_source src, const char *name,
                   char **ret_buf, size_t *ret_len);
/* Read a file that may legitimately be absent: 1 read, 0 absent (no such file in a live cgroup, or the kernel
 * refuses it with EOPNOTSUPP, as *.pressure with PSI off), -ENOENT when the cgroup itself is gone. */
int collector_read_optional(const struct collector_target *t, enum collector_source src, const char *name,
                            char **ret_buf, size_t *ret_len);
/* Read name like collector_read_optional and hand its contents to fn (buf NUL-terminated, valid only
 * during the call). Returns 1 when fn returned >= 0, 0 when the file is absent, else fn's or the read's
 * error. */
int collector_read_with(const struct collector_target *t, enum collector_source src, const char *name,
                        int (*fn)(const char *buf, size_t len, void *userdata), void *userdata);
/* Read name with collector_read_with and hand it to parse. Returns 1 when parsed, 0 when the file is
 * absent, <0 otherwise (-EINVAL: the kernel wrote something we do not understand). Collectors read every file
 * this way: which files exist depends on the kernel version and, on v2, on the controllers the parent
 * enables, and one missing file must not hide the rest of the sample. */
int collector_read_parse(const struct collector_target *t, enum collector_source src, const char *name,
                         int (*parse)(const char *buf, size_t len, struct cg_sample *s), struct cg_sample *s);
/* 1 if the cgroup has file name in source src, 0 if not, <0 on error (-EBADF: src absent). Never cached. */
int collector_has_file(const struct collector_target *t, enum collector_source src, const char *name);
/* 1 if controller is listed in the cgroup.controllers of t's unified cgroup, 0 if not, <0 on error. */
int collector_v2_has_controller(const struct collector_target *t, const char *controller);
