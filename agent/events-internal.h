/* Shared between the files of the events module (watchers, actions, routes). */
#pragma once

#include "agent.h"
#include "events.h"

#define EVENTS_MAX_HOOKS 32 /* hooks running at once; more are skipped (and logged) */
#define EVENTS_RESTART_RESET_NS                                                                              \
        (60 * 1000000000ull) /* a task that ran this long starts a new restart count */

enum events_watch_kind {
        WATCH_OOM_V1,   /* eventfd on memory.oom_control through cgroup.event_control */
        WATCH_OOM_V2,   /* memory.events, POLLPRI */
        WATCH_PSI,      /* a trigger written to <resource>.pressure, POLLPRI */
        WATCH_LEVEL_V1, /* eventfd on memory.pressure_level (pure v1) */
};

struct events_task;
struct events_pnode;

struct events_watch {
        struct agent *agent;
        struct events_task *et;  /* the task watched, or NULL ... */
        struct events_pnode *pn; /* ... the policy's cgroup (scope = policy) */
        enum events_watch_kind kind;
        struct loop_source *src;   /* owns the watched fd */
        struct cg_node *node;      /* the cgroup watched (the task's or the policy's; outlives the watch) */
        struct oom_counts last;    /* at the last reading: kills are counted from here */
        struct oom_counts settled; /* at the last settled reading: OOMs without a kill are judged from here */
        struct policy_trigger trig;      /* pressure watchers */
        uint64_t last_fired_ns;          /* monotonic; v1 levels are limited to one event per window */
        struct loop_source *recheck_src; /* v1 OOM: the counter is read again a few times after a wake-up */
        unsigned rechecks;               /* done since the last wake-up */
        struct events_watch *next;
};

struct events_task {
        struct task *t;
        struct events_watch *watches;
        unsigned restarts;   /* restarts in a row that led to this task */
        bool restart_wanted; /* a restart action killed it: start it again when it ended */
};

struct events_pnode {
        char policy[POLICY_NAME_MAX];
        struct events_watch *watches;
        struct events_pnode *next;
};

struct events_hook;
struct events_restart;

struct events {
        struct event_ring ring;
        uint64_t pressure[3][2];
        uint64_t oom[2];
        bool cap_sys_resource;
        struct events_pnode *pnodes;
        char (*rounded_logged)[POLICY_NAME_MAX]; /* policies whose window rounding was logged */
        size_t n_rounded_logged;
        struct events_hook *hooks;
        size_t n_hooks;
        struct events_restart *restarts;
        size_t n_followers;
        struct loop_source *follow_timer;
};

/* Record an event (ring, counters, log line, followers) and carry out its action on task t, or on every
 * running task of the policy when t is NULL. */
void events_emit(struct agent *a, struct task *t, const char *policy, struct event *e);
/* events-action.c */
void events_act(struct agent *a, struct task *t, const struct event *e);
void events_schedule_restart(struct agent *a, struct task *t, unsigned restarts);
void events_actions_free(struct agent *a);
