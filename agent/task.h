/* Tasks: launch into a per-task cgroup tree, watch until the cgroup is empty, finalize, re-adopt after a
 * restart. Everything runs on the event loop's thread. */
#pragma once

#include <sys/types.h>

#include "cgroup.h"
#include "collector.h"
#include "loop.h"
#include "ledger.h"
#include "policy.h"

struct agent;
struct events_task;

#define TASK_ID_LEN   13 /* 12 hex digits + NUL */
#define TASK_MAX_ARGS 4096
#define TASK_MAX_ENV  4096

enum task_state {
        TASK_RUNNING, /* processes are in its cgroup */
        TASK_ENDED,   /* cgroup empty: final values read, cgroup removed */
};
const char *task_state_name(enum task_state s);

struct task {
        char id[TASK_ID_LEN];
        char name[POLICY_NAME_MAX];
        char tenant[POLICY_NAME_MAX];
        const struct policy
            *policy; /* in force for this task (a shared copy: policy_ref; live reloads swap it) */
        char **argv; /* owned, NULL-terminated */
        char **envp; /* the launch request's environment (owned; NULL when adopted), for restarts */
        char *cwd;   /* the launch request's cwd (owned; NULL: none given) */
        enum task_state state;
        bool adopted;           /* found in the subtree by a restarted agent */
        pid_t pid;              /* the main process (0 once it is gone or unknown) */
        uint64_t pid_starttime; /* its start time in clock ticks since boot (/proc/PID/stat), for identity */
        int pidfd;
        bool exited;               /* the main process has ended */
        bool exit_known;           /* we reaped it (adopted tasks are not our children) */
        int exit_status;           /* wait status */
        uint64_t start_ns, end_ns; /* realtime */
        struct cg_node *node;
        struct loop_source *pid_src, *poll_src;
        int events_wd; /* inotify watch of its cgroup.events (the agent's one inotify fd); -1: none */
        bool frozen;
        uint64_t frozen_since_ns; /* realtime, while frozen */
        uint64_t frozen_total_ns; /* completed frozen periods */
        double mem_byte_seconds;  /* integral of memory usage over time (sampled every sample_interval) */
        uint64_t mem_last_usage;  /* bytes at the last sample */
        uint64_t mem_last_ns;     /* monotonic time of the last sample, 0 before the first */
        bool ledger_pending;      /* ended, but its usage record is not written yet: cgroup kept, retried */
        struct cg_sample final;   /* last values read, kept after the end */
        bool have_final;
        struct agent *agent;
        struct events_task *events; /* the events module's watchers (events.c) */
        struct perf_counters *perf; /* [perf_event] counters while running (perf.h); NULL: none */
        struct collector_cache
            *cache;                /* its stats files kept open (scrape_keep_files): scrape workers only */
        uint32_t perf_unsupported; /* bit i: the policy's perf_events[i] cannot be counted on this host */
        struct task *next;
};

struct task_request {
        const char *policy; /* NULL: "default" if it exists, else the only policy */
        const char *name;   /* NULL: the id */
        const char *tenant; /* NULL: the policy's */
        char *const *argv;
        char *const *envp;
        const char *cwd;
};

/* Launch. On failure returns a negative errno and a message in errbuf (what failed, and why); nothing is left
 * behind. -ENOENT: unknown policy; -EINVAL: bad request; -EPERM: tenant override refused; -EEXIST: name in
 * use; -EAGAIN: too many tasks; other: the launch itself failed. */
int task_launch(struct agent *a, const struct task_request *req, struct task **ret, char *errbuf, size_t n);
/* By id or by name (the newest with that name). */
struct task *task_find(struct agent *a, const char *id_or_name);
/* Signal the task: its main process, or with all=true every process of its cgroup. */
int task_signal(struct agent *a, struct task *t, int sig, bool all);
/* Pause (frozen = true) or resume: returns when the kernel reports every process frozen (or thawed), or
 * -ETIMEDOUT after thawing again if freezing did not complete. Idempotent; -ESRCH once the task ended. */
int task_freeze(struct agent *a, struct task *t, bool frozen);
/* Seconds spent frozen so far (the current period included). */
double task_frozen_seconds(const struct task *t);
/* Read the task's cgroup now (running) or its final values (ended). */
int task_sample(struct agent *a, struct task *t, struct cg_sample *ret);
/* Re-adopt every task found in the subtree at start; finalize those that ended meanwhile. */
int task_adopt_all(struct agent *a);
/* Apply a new policy set to running tasks (live update). Failures are logged and added to diag; the task
 * keeps its previous limits. */
void task_update_policies(struct agent *a, struct diag_list *diag);
/* The periodic tick: integrate memory byte-seconds, write checkpoints when due, retry pending usage records,
 * notice the end of tasks without cgroup.events (pure v1), drop ended tasks older than the retention time. */
void task_tick(struct agent *a);
/* A task's usage as a ledger record (its final values once ended). */
void task_record(struct agent *a, const struct task *t, const struct cg_sample *s, struct ledger_record *ret);
/* Kill every running task and finalize it (kill_tasks_on_stop). */
void task_kill_all(struct agent *a);
void task_free_all(struct agent *a);
/* A reference to the shared copy of p (an item of the set in force, or any policy): NULL when out of memory.
 */
const struct policy *task_policy_share(struct agent *a, const struct policy *p);
/* Stop watching the tasks' cgroup.events (agent stop). */
void task_watch_close(struct agent *a);
/* Drop the agent's shared copies of the policies in force (before the set is replaced or freed); tasks keep
 * theirs. */
void task_policies_unshare(struct agent *a);
