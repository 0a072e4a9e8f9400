/* The daemon's state, shared by its modules (all on the event loop's thread). */
#pragma once

#include <sys/resource.h>

#include "config.h"
#include "diag.h"
#include "http.h"
#include "ledger.h"
#include "loop.h"
#include "policy.h"
#include "task.h"

struct events;
struct scrape;

/* Each running task holds this many fds: its unified cgroup directory, its pidfd, its OOM eventfd (v1
 * directories are opened when used, every cgroup.events is watched through one inotify fd). [perf_event]
 * counters (events x CPUs) and pressure triggers (one each) come on top for the policies that have them: a
 * launch beyond the limit then fails with "Too many open files". */
#define FDS_PER_TASK 3
#define FDS_RESERVED 512 /* listeners, connections, the ledger, scrape workers' files, launches under way */

struct agent {
        struct config cfg;
        const char *config_arg;     /* -c FILE, or NULL for the default path */
        const char *policy_dir_arg; /* --policy-dir DIR, overrides the config */
        struct policy_set policies;
        bool policies_builtin;                 /* the built-in default, because the directory holds none */
        const struct policy **policies_shared; /* per item of policies: the copy its tasks share (lazily) */
        uint64_t reloads_ok, reloads_failed;
        uint64_t started_ns; /* realtime */
        struct loop *loop;
        struct http_server *http;
        struct cg_host *cg;
        uint32_t collectors_enabled; /* registry bits that probed as supported */
        struct collector_target
            collector_roots; /* the hierarchies' root fds (borrowed from cg), per source */
        struct task *tasks;  /* newest first */
        size_t n_running;
        struct policy_node *policy_nodes;
        struct loop_source *tick;
        struct ledger *ledger;
        struct rlimit nofile_orig;   /* the open-file limit the agent was started with: tasks get this one */
        uint64_t fd_task_cap;        /* tasks the open-file limit allows (about FDS_PER_TASK each) */
        uint64_t nofile_limit;       /* the agent's own open-file limit (raised to the hard one) */
        size_t n_caches;             /* tasks with their stats files kept open ([agent] scrape_keep_files) */
        uint64_t last_checkpoint_ns; /* monotonic */
        struct events *events;       /* OOM and pressure watchers, the event log (events.c) */
        struct scrape *scrape;       /* the /metrics read in progress (scrape.c) */
        int cgevents_fd;             /* inotify: every running task's cgroup.events (one fd for all) */
        struct loop_source *cgevents_src;
        int lock_fd;  /* <state_dir>/cgmeterd.lock, locked while the agent lives (agent_lock); -1: none */
        bool started; /* agent_start() completed: only then may a stop kill tasks (kill_tasks_on_stop) */
};

/* The cgroup of one policy: limits live here when the policy's scope is "policy". */
struct policy_node {
        char name[POLICY_NAME_MAX];
        struct cg_node *node;
        struct policy applied; /* what was written (scope = policy), for live updates */
        bool limits;
        struct policy_node *next;
};

/* Open the cgroup subtree, probe the collectors, re-adopt tasks, start the periodic tick. */
int agent_start(struct agent *a);
/* One agent per state directory: lock <state_dir>/cgmeterd.lock (creating the directory), or fail with
 * -EBUSY and an error naming the other agent's pid. Call before anything else is touched. */
int agent_lock(struct agent *a);
/* Stop: tasks keep running unless kill_tasks_on_stop and the agent had started; free what agent_start made,
 * and the lock. */
void agent_stop(struct agent *a);
/* Reload the policy directory: all-or-nothing. Errors go to diag (and are logged); the set in force is kept
 * on any error. A new set is applied live to running tasks; what could not be is added to warnings (may be
 * NULL). */
int agent_reload(struct agent *a, struct diag_list *diag, struct diag_list *warnings);

/* The HTTP routes (routes.c). */
int routes_handle(void *userdata, const struct http_request *req, struct http_response *resp);
