/* Events: OOM kills and resource pressure, watched in the event loop, acted on per policy, and kept in a
 * bounded log for /v1/events. The task lifecycle calls these hooks; everything runs on the loop's thread.
 *
 * Counts come from the kernel's counters (oom_kill in memory.oom_control or memory.events), read on each
 * wake-up and compared with the last value: one event per increment, none for a wake-up that changed nothing
 * (at registration, on rmdir, on an ancestor's OOM). */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy.h"

struct agent;
struct task;
struct http_request;
struct http_response;

/* A task is running in its cgroup: start its watchers (OOM, pressure) as its policy says. A pressure trigger
 * this host cannot watch (cpu/io on pure v1) is logged and -EOPNOTSUPP returned. */
int events_task_started(struct agent *a, struct task *t);
/* A task was re-adopted after a restart: the same, without counting what happened before as new. */
int events_task_adopted(struct agent *a, struct task *t);
/* A task's cgroup is about to be removed: read its counters a last time (an OOM kill is often seen here
 * first), stop its watchers, and start it again when a restart action asked for it. */
void events_task_ended(struct agent *a, struct task *t);

/* The module's state in struct agent: made before tasks are re-adopted, freed after they are. */
int events_new(struct agent *a);
void events_free(struct agent *a);

/* ---- The event log (events-log.c: pure, no cgroup access, unit tested) ---- */

#define EVENTS_RING_DEFAULT 10000
#define EVENTS_DETAIL_MAX   192

enum event_kind {
        EVENT_OOM,      /* the cgroup hit its limit and reclaim failed, nothing killed (oom_kill_disable) */
        EVENT_OOM_KILL, /* the kernel killed a process of the cgroup */
        EVENT_PRESSURE, /* a [pressure] trigger fired */
        EVENT_KIND_MAX,
};
const char *event_kind_name(enum event_kind k);
const char *psi_resource_name(enum psi_resource r);

struct event {
        uint64_t seq;     /* 1, 2, ... in the order the agent saw them */
        uint64_t time_ns; /* realtime */
        char task[16];    /* "" for an event of a policy's cgroup (scope = policy) */
        char name[POLICY_NAME_MAX];
        char policy[POLICY_NAME_MAX];
        char tenant[POLICY_NAME_MAX];
        enum event_kind kind;
        enum psi_resource resource; /* memory for OOM events */
        bool full;                  /* pressure: "full" trigger (else "some") */
        enum policy_action action;
        char detail[EVENTS_DETAIL_MAX];
};

/* The most recent events, oldest dropped first. */
struct event_ring {
        struct event *items;
        size_t cap, start, n;
        uint64_t next_seq;
};
int event_ring_init(struct event_ring *r, size_t cap);
void event_ring_free(struct event_ring *r);
/* Copy e in, give it the next seq; returns the stored event. */
const struct event *event_ring_push(struct event_ring *r, const struct event *e);
/* The oldest event with seq > after (the oldest kept if after fell out of the ring), or NULL. */
const struct event *event_ring_next(const struct event_ring *r, uint64_t after);

struct json_object *event_to_json(const struct event *e);
/* The event as one line of JSON ending in '\n'; returns its length, or -ENOBUFS if n is too small. */
int event_to_line(const struct event *e, char *buf, size_t n);

/* Counters of memory.oom_control (v1: under_oom, oom_kill) or memory.events (v2: oom, oom_kill). */
struct oom_counts {
        uint64_t oom, kill;
        bool under_oom;
};
int events_parse_oom_control(const char *text, struct oom_counts *ret);
int events_parse_memory_events(const char *text, struct oom_counts *ret);
/* Kills between two readings: one oom_kill event each. A counter that went backwards (a new cgroup of the
 * same name) is a new baseline: nothing. */
unsigned events_oom_kills(const struct oom_counts *old, const struct oom_counts *now);
/* OOMs without a kill since the last settled reading. The kernel counts an OOM (v2 "oom", v1 under_oom)
 * before it picks a victim, so this is only asked once things settled: v2, more oom than oom_kill increments;
 * v1, under_oom still set with no kill since (once per episode: settled->under_oom says it was reported). */
unsigned events_oom_unkilled(const struct oom_counts *settled, const struct oom_counts *now, bool v1);

/* The PSI window the kernel accepts: without CAP_SYS_RESOURCE a multiple of 2 s (rounded up). */
uint64_t events_psi_window(uint64_t window_us, bool cap_sys_resource);
/* "some 150000 2000000" for a trigger and the window to use. */
int events_psi_trigger_string(const struct policy_trigger *tr, uint64_t window_us, char *buf, size_t n);
/* Is CAP_SYS_RESOURCE (bit 24) in the CapEff line of a /proc/PID/status text? */
bool events_status_has_cap_sys_resource(const char *status_text);
/* v1 memory.pressure_level: some -> "medium", full -> "critical". */
const char *events_pressure_level(bool full);

/* ---- For the routes and metrics ---- */

/* Counters since the agent started: pressure[resource][full], oom[kind] (EVENT_OOM, EVENT_OOM_KILL). */
void events_counters(const struct agent *a, uint64_t ret_pressure[3][2], uint64_t ret_oom[2]);
const struct event_ring *events_ring(const struct agent *a);
/* GET /v1/events: ?since=SEQ, ?follow=1 (one JSON object per line until the client goes). */
int route_events(struct agent *a, const struct http_request *req, const char *arg,
                 struct http_response *resp);
