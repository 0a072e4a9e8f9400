/* Cgroups: what this host has (v1, hybrid or v2, the controllers and where they are mounted, the agent's own
 * cgroup), the agent's subtree <own>/<root>/<policy>/<task> in every hierarchy used, and the limits of a
 * policy written to the files of this host's cgroup version.
 *
 * Layout: below the agent's own cgroup in each hierarchy, "<root>/<policy>/<task>". On pure v2 the agent
 * moves itself into "<root>/agent" (no internal processes), so "agent" is not a valid policy name there.
 * Library code: nothing is logged above debug. Errors are negative errno values; cg_apply()/cg_update() also
 * fill a struct cg_error naming the file and the reason for the caller to log. */
#pragma once

#include <limits.h>
#include <sys/types.h>

#include "policy.h"

enum cg_mode {
        CG_MODE_V1,     /* v1 hierarchies only: no PSI, no cgroup.events, no cgroup-BPF */
        CG_MODE_HYBRID, /* v1 hierarchies for limits + cgroup2 (usually /sys/fs/cgroup/unified) for events */
        CG_MODE_V2,     /* cgroup2 only */
};
/* "v1", "hybrid", "v2": for logs and the metric label. */
const char *cg_mode_name(enum cg_mode m);

/* Controllers, as bits of a mask. On v2, CG_CPU covers cpuacct and CG_BLKIO is "io". */
enum cg_controller {
        CG_CPU,
        CG_CPUACCT,
        CG_CPUSET,
        CG_MEMORY,
        CG_DEVICES,
        CG_FREEZER,
        CG_BLKIO,
        CG_PIDS,
        CG_NET_CLS,
        CG_NET_PRIO,
        CG_PERF_EVENT,
        CG_HUGETLB,
        CG_RDMA,
        CG_MISC,
        CG_CONTROLLER_MAX,
};
#define CG_MASK(c) (1u << (c))
/* v1 name ("blkio") or, with v2, the cgroup2 name ("io"); NULL for v2-less controllers asked with v2. */
const char *cg_controller_name(enum cg_controller c, bool v2);

#define CG_MAX_HIER 16 /* v1 hierarchies kept (the kernel has at most 16 controllers) */

/* One mounted hierarchy: a v1 hierarchy (one or more co-mounted controllers) or the unified one. */
struct cg_hier {
        unsigned mask;        /* controllers of this v1 hierarchy; 0 for the unified one */
        char mount[PATH_MAX]; /* where it is mounted */
        char own[PATH_MAX];   /* the agent's cgroup in it, relative to the mount, "/" or "/a/b" */
        int root_fd;          /* O_DIRECTORY fd of <mount><own>/<root name>, -1 until opened */
};

/* Where host detection looks; tests point these at recorded files. NULL members mean the system default. */
struct cg_host_paths {
        const char *sysfs_root;  /* /sys/fs/cgroup */
        const char *proc_cgroup; /* /proc/self/cgroup */
        const char *mountinfo;   /* /proc/self/mountinfo */
        const char *mount_dir;   /* /run/cgmeter/cgroup: where missing v1 hierarchies get mounted */
};

/* The host, read-only for other modules after cg_host_open(). */
struct cg_host {
        enum cg_mode mode;
        char root_name[POLICY_NAME_MAX]; /* "cgmeter" */
        char mount_dir[PATH_MAX];
        struct cg_hier v1[CG_MAX_HIER]; /* empty on pure v2 */
        size_t n_v1;
        struct cg_hier unified; /* mount[0] == '\0' on pure v1 */
        unsigned v1_mask;       /* controllers that have a v1 hierarchy */
        unsigned v2_mask;       /* controllers in the own cgroup's cgroup.controllers */
        unsigned v2_enabled;    /* what the agent enabled down its subtree (pure v2) */
        unsigned own_enabled;   /* what the agent itself added to <own>/cgroup.subtree_control */
        bool moved_self;        /* pure v2: the agent moved itself into <root>/agent */
        bool bpf_devices;       /* device rules can be enforced with cgroup-BPF (a unified tree exists) */
        bool mount_missing;     /* cg_host_require() may mount missing v1 hierarchies */
        unsigned mounted;       /* controllers whose hierarchy cg_host_require() mounted */
};

/* What cg_host_require() did or what to do instead, for the caller to log. */
struct cg_report {
        char msg[1024];
};

/* Detect the host and open (creating as needed) <own>/<root_name> in every hierarchy. On pure v2 the calling
 * process moves itself into <own>/<root_name>/agent and enables the available controllers down the subtree.
 * mount_missing: cg_host_require() may mount missing v1 hierarchies. paths may be NULL (system paths).
 * What was found and done is in the host (mode, v1[], unified, moved_self, v2_enabled, own_enabled) for the
 * caller to log. -ENOMEDIUM: /sys/fs/cgroup is neither tmpfs nor cgroup2. */
int cg_host_open(const char *root_name, bool mount_missing, struct cg_host **ret);
int cg_host_open_at(const struct cg_host_paths *paths, const char *root_name, bool mount_missing,
                    struct cg_host **ret);
/* Ensure the controllers in mask have a hierarchy: on v1/hybrid a missing net_cls,net_prio or perf_event
 * hierarchy is mounted below mount_dir when allowed (what was done is in report), else -ENOENT with a message
 * saying what to do. On v2 net_cls/net_prio are -EOPNOTSUPP; perf_event needs nothing there.
 * Returns 1 when something was mounted, 0 when nothing was needed. */
int cg_host_require(struct cg_host *host, unsigned mask, struct cg_report *report);
/* Close every fd; NULL is fine. The subtree stays (tasks keep running). */
struct cg_host *cg_host_free(struct cg_host *host);
/* Tear the subtree down (tests, uninstall): on pure v2 move the agent back to its own cgroup, then rmdir
 * <root>/agent and <root> everywhere. -EBUSY if policies or tasks are left. */
int cg_host_remove(struct cg_host *host);

/* One policy's or one task's cgroup across the hierarchies. */
struct cg_node {
        char policy[POLICY_NAME_MAX];
        char task[POLICY_NAME_MAX];     /* "" for a policy node */
        char path[2 * POLICY_NAME_MAX]; /* "policy" or "policy/task", relative to <own>/<root> */
        /* v1 directories are opened when used (cg_node_dirfd), not held: an agent with thousands of tasks
         * would otherwise hold one fd per hierarchy and task, and run out of open files (hard limit 20000
         * without CAP_SYS_RESOURCE), for directories it reaches in one openat from the hierarchy's root fd */
        int unified_fd;      /* -1 without a unified tree */
        uint64_t unified_id; /* the unified cgroup's id (its directory's inode number); 0 without */
};

/* mkdir <policy>[/<task>] in every hierarchy (the policy level may exist). On failure nothing new is left. */
int cg_node_create(struct cg_host *host, const char *policy, const char *task, struct cg_node **ret);
/* Open an existing node (re-adoption): -ENOENT when it is missing in a hierarchy the host uses. */
int cg_node_open(struct cg_host *host, const char *policy, const char *task, struct cg_node **ret);
/* rmdir everywhere; a directory already gone is fine, -EBUSY (processes or children left) is returned after
 * trying every hierarchy. The node stays allocated: call cg_node_free(). */
int cg_node_remove(struct cg_host *host, struct cg_node *node);
struct cg_node *cg_node_free(struct cg_node *node);
/* A new O_DIRECTORY fd (the caller closes it) of the directory holding controller c's files for this node:
 * its v1 hierarchy, or on v2 the unified dir when c is enabled or part of every cgroup2 cgroup (cpuacct,
 * freezer, perf_event, devices). -EOPNOTSUPP if this host has no such directory, -ENOENT if it is gone. */
int cg_node_dirfd(const struct cg_host *host, const struct cg_node *node, enum cg_controller c);
/* Open file name of controller c for this node in one openat from the hierarchy's root fd (no directory fd
 * needed); flags get O_CLOEXEC. Errors as cg_node_dirfd(). */
int cg_node_open_file(const struct cg_host *host, const struct cg_node *node, enum cg_controller c,
                      const char *name, int flags);

/* 1 if processes are in the node or below, 0 if not: cgroup.events where a unified tree exists (on hybrid the
 * launcher must put tasks into the unified node as well: cg_join.unified_fd), else v1 cgroup.procs. */
int cg_node_populated(const struct cg_host *host, const struct cg_node *node);
/* Freeze or thaw: cgroup.freeze where a unified tree exists (hybrid too), else v1 freezer.state. Freezing
 * completes asynchronously: cg_node_frozen() is 1 once every process is frozen ("frozen 1" in cgroup.events,
 * watch cgroup.events (inotify IN_MODIFY, or POLLPRI on an open fd); FROZEN in v1 freezer.state), 0 before.
 */
int cg_node_freeze(const struct cg_host *host, const struct cg_node *node, bool frozen);
int cg_node_frozen(const struct cg_host *host, const struct cg_node *node);
/* SIGKILL everything: cgroup.kill where present, else kill each pid of cgroup.procs until empty. */
int cg_node_kill(const struct cg_host *host, const struct cg_node *node);

/* What the launcher needs to put a child into the node. */
struct cg_join {
        int unified_fd;            /* O_PATH|O_DIRECTORY for clone3 CLONE_INTO_CGROUP, -1 without */
        int procs_fd[CG_MAX_HIER]; /* v1 cgroup.procs, O_WRONLY */
        size_t n_procs;
};
int cg_node_join_fds(const struct cg_host *host, const struct cg_node *node, struct cg_join *ret);
/* Write pid into every v1 cgroup.procs of join (before the child execs). */
int cg_join_write_pid(const struct cg_join *join, pid_t pid);
void cg_join_close(struct cg_join *join);

/* Walk <root>/<policy>[/<task>]: fn is called for each policy (task == NULL) and then for each of its tasks.
 * Names that are not valid are skipped; fn returning < 0 stops the walk and is returned. */
typedef int (*cg_node_fn)(void *userdata, const char *policy, const char *task);
int cg_list_nodes(const struct cg_host *host, cg_node_fn fn, void *userdata);

/* Which file failed and why. */
struct cg_error {
        char file[64];
        int err;
        char msg[256];
};

/* Write every limit p sets into node, in the files of this host's version. Anything this host cannot enforce
 * is an error before any write. On a failed write the values already written are restored. */
int cg_apply(struct cg_host *host, struct cg_node *node, const struct policy *p, struct cg_error *err);
/* Live update: only what differs between old and new (a key dropped goes back to the kernel's default), in
 * the order the kernel needs. A memory limit below current usage is -EBUSY with nothing written. */
int cg_update(struct cg_host *host, struct cg_node *node, const struct policy *old, const struct policy *new,
              struct cg_error *err);
