/* Policies: one INI file each, parsed with inih into a validated struct. The struct is plain data with
 * fixed-size arrays (no pointers), so a policy can be copied, compared and handed between modules by value.
 * The reference of every key is docs/policy.md. */
#pragma once

#include <limits.h>

#include "diag.h"
#include "parse.h"

#define POLICY_UNSET UINT64_MAX       /* key not given: the cgroup file is left as the kernel has it */
#define POLICY_MAX   (UINT64_MAX - 1) /* "max": explicitly unlimited */

#define POLICY_NAME_MAX      64 /* including NUL; names are [A-Za-z0-9_.-], see name_is_valid() */
#define POLICY_TEXT_MAX      256
#define POLICY_MAX_IDMAPS    8
#define POLICY_MAX_THROTTLES 64
#define POLICY_MAX_DEVRULES  128
#define POLICY_MAX_PRIOMAP   32
#define POLICY_MAX_PERF      16
#define POLICY_MAX_TRIGGERS  16
#define POLICY_FILE_MAX      (256 * 1024) /* a policy file larger than this is refused */
#define POLICY_DIR_MAX       1024         /* at most this many policy files */

enum policy_scope { POLICY_SCOPE_TASK, POLICY_SCOPE_POLICY };

/* Namespaces, as a bit mask. */
enum {
        NS_MOUNT = 1u << 0,
        NS_UTS = 1u << 1,
        NS_IPC = 1u << 2,
        NS_PID = 1u << 3,
        NS_NET = 1u << 4,
        NS_USER = 1u << 5,
        NS_CGROUP = 1u << 6,
        NS_TIME = 1u << 7,
};
/* The names used in "namespaces = ..." and in /proc/PID/ns/, indexed by bit number. */
extern const char *const policy_ns_names[8];

enum policy_output { POLICY_OUTPUT_LOG, POLICY_OUTPUT_INHERIT, POLICY_OUTPUT_NULL };

enum policy_action {
        POLICY_ACTION_RECORD, /* log and count only; always done */
        POLICY_ACTION_FREEZE,
        POLICY_ACTION_KILL,
        POLICY_ACTION_RESTART,
        POLICY_ACTION_HOOK, /* run [policy] hook with the event as JSON on stdin */
};
const char *policy_action_name(enum policy_action a);

struct policy_idmap {
        uint32_t inside, outside, count;
};

enum throttle_kind { THROTTLE_READ_BPS, THROTTLE_WRITE_BPS, THROTTLE_READ_IOPS, THROTTLE_WRITE_IOPS };
struct policy_throttle {
        enum throttle_kind kind;
        uint32_t major, minor;
        uint64_t value; /* bytes or ops per second; POLICY_MAX for "max" */
};

struct policy_devrule {
        bool allow;
        char type;      /* 'a', 'b' or 'c' */
        int64_t major;  /* -1 for '*' */
        int64_t minor;  /* -1 for '*' */
        char access[4]; /* subset of "rwm", in that order */
};

struct policy_priomap {
        char ifname[16]; /* IFNAMSIZ */
        uint32_t prio;
};

enum psi_resource { PSI_CPU, PSI_MEMORY, PSI_IO };
struct policy_trigger {
        enum psi_resource resource;
        bool full; /* "full" or "some" */
        uint64_t stall_us;
        uint64_t window_us;
        enum policy_action action;
        unsigned line; /* where it was written, for later messages */
};

struct policy {
        char name[POLICY_NAME_MAX];
        char file[PATH_MAX]; /* where it came from ("<builtin>" for the default policy) */

        /* [policy] */
        char description[POLICY_TEXT_MAX];
        char tenant[POLICY_NAME_MAX]; /* default "default" */
        bool tenant_override;         /* may a launch request name another tenant? default no */
        enum policy_scope scope;      /* default task */
        unsigned namespaces;          /* NS_* mask; default pid mount uts ipc net cgroup */
        char hostname[65];            /* empty: the task id */
        bool init;                    /* built-in init as PID 1 (needs pid ns); default yes with a pid ns */
        struct policy_idmap uid_map[POLICY_MAX_IDMAPS];
        size_t n_uid_map;
        struct policy_idmap gid_map[POLICY_MAX_IDMAPS];
        size_t n_gid_map;
        uint64_t uid, gid;         /* run as; POLICY_UNSET: the caller's request or 0 */
        enum policy_output output; /* default log: <state_dir>/logs/<task>.log */
        char hook[PATH_MAX];       /* command run by the "hook" action */
        uint64_t hook_timeout_us;  /* default 5s */

        /* [memory] */
        uint64_t mem_limit;      /* bytes; v1 memory.limit_in_bytes, v2 memory.max */
        uint64_t mem_swap_limit; /* memory+swap; v1 memsw.limit_in_bytes; v2 swap.max = this - limit */
        uint64_t mem_soft_limit; /* v1 memory.soft_limit_in_bytes, v2 memory.low */
        int oom_kill_disable;    /* -1 unset, 0/1; v1 only */
        uint64_t swappiness;     /* 0..100; v1 only */

        /* [cpu] */
        uint64_t cpu_quota_us;  /* from quota (CPUs x period) or quota_us; POLICY_MAX = no quota */
        uint64_t cpu_period_us; /* 1000..1000000; default 100000 when a quota is set */
        uint64_t cpu_shares;    /* 2..262144 (v1); converted for v2 */
        uint64_t cpu_weight;    /* 1..10000 (v2); converted for v1 */
        uint64_t cpu_burst_us;

        /* [cpuset] */
        bool has_cpus, has_mems;
        struct cpu_bitmap cpus, mems;

        /* [blkio] */
        uint64_t blkio_weight; /* 10..1000 (v1); v2 io.weight 1..10000 converted */
        struct policy_throttle throttles[POLICY_MAX_THROTTLES];
        size_t n_throttles;

        /* [devices] */
        int devices_default; /* -1 unset (no device control), 0 deny, 1 allow */
        struct policy_devrule devrules[POLICY_MAX_DEVRULES];
        size_t n_devrules;

        /* [freezer] */
        bool start_frozen;

        /* [net_cls] / [net_prio] */
        bool has_classid;
        uint32_t classid;
        struct policy_priomap priomap[POLICY_MAX_PRIOMAP];
        size_t n_priomap;

        /* [perf_event] */
        char perf_events[POLICY_MAX_PERF][32];
        size_t n_perf_events;

        /* [pids] */
        uint64_t pids_max;

        /* [pressure] */
        struct policy_trigger triggers[POLICY_MAX_TRIGGERS];
        size_t n_triggers;

        /* [oom] */
        enum policy_action oom_action; /* record, kill, freeze, restart or hook; default record */
        uint64_t restart_max;          /* restarts allowed in a row; default 3 */
        uint64_t restart_backoff_us;   /* first delay, doubled each time; default 1s */
};

/* What a policy is checked against on the host: devices, CPUs and memory nodes. Tests pass their own. */
struct policy_host {
        /* Resolve a device node path: 0 and its type ('b' or 'c') and numbers, -ENOENT, or -ENODEV if not a
         * device node. */
        int (*stat_device)(void *userdata, const char *path, char *ret_type, uint32_t *ret_major,
                           uint32_t *ret_minor);
        /* 0 if the block device MAJ:MIN exists on this host, -ENOENT if not. */
        int (*block_device_exists)(void *userdata, uint32_t major, uint32_t minor);
        bool cpus_known, mems_known;
        struct cpu_bitmap cpus, mems; /* what a policy's cpuset may use */
        void *userdata;
};

/* The host this process runs on: devices from /dev and /sys/dev/block, CPUs and nodes the agent may use.
 * CPUs and nodes are read again on each call (a reload sees a changed cpuset), into one static struct: call
 * it from the event loop only. */
const struct policy_host *policy_host_system(void);

/* Defaults for every field; name becomes the policy name. */
void policy_init(struct policy *p, const char *name);

/* Parse one policy from text. file names the source in diagnostics; the default policy name is the file's
 * base name without ".ini". Every error is added to diag as "file:line: reason", in line order. A NULL host
 * means policy_host_system().
 * Returns 0 (valid), -EINVAL (errors were added to diag) or another negative errno. */
int policy_parse_string(const char *file, const char *text, const struct policy_host *host,
                        struct policy *ret, struct diag_list *diag);
int policy_parse_file(const char *path, const struct policy_host *host, struct policy *ret,
                      struct diag_list *diag);

/* The set of policies in force. */
struct policy_set {
        struct policy *items;
        size_t n;
};

/* Load every "*.ini" in dir (sorted by name; other files and hidden files ignored). When dir holds no policy,
 * the set is the built-in "default" policy. A dir that does not exist is -ENOENT with a diag entry (the
 * caller decides: the daemon starts on the built-in default, a reload keeps what it has). All errors of all
 * files, and duplicate names, go to diag; on any error nothing is returned (-EINVAL), so the caller keeps the
 * set it has (all-or-nothing reload). */
int policy_set_load(const char *dir, const struct policy_host *host, struct policy_set *ret,
                    struct diag_list *diag);
/* The set of one built-in "default" policy (file "<builtin>"), used when the directory holds none. */
int policy_set_builtin(struct policy_set *ret);
const struct policy *policy_set_find(const struct policy_set *set, const char *name);
void policy_set_free(struct policy_set *set);

/* A read-only copy of a policy, shared by reference: every task holds its policy this way (a policy is about
 * 17 KB, and one copy per task would be most of the agent's memory with thousands of tasks). Counting is not
 * atomic: one thread only (the agent's loop). policy_share() copies p and starts at one reference; NULL when
 * out of memory. */
const struct policy *policy_share(const struct policy *p);
const struct policy *policy_ref(const struct policy *p);
/* Drop a reference; the copy is freed with the last one. NULL is fine. Returns NULL. */
const struct policy *policy_unref(const struct policy *p);
