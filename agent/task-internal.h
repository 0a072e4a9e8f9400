/* Shared between task.c and task-state.c. */
#pragma once

#include "task.h"

struct task *task_alloc(void);
void task_free(struct task *t);
/* Watch the task's pidfd and cgroup.events in the loop. */
int task_watch(struct agent *a, struct task *t);
/* The cgroup is empty (and the main process reaped when it is ours): read final values, remove the cgroup. */
void task_finalize(struct agent *a, struct task *t);

/* Open the counters of the task's [perf_event] events (none: nothing to do). What the host lacks is logged,
 * never fatal: the task runs without those counters. A restarted agent counts from its re-adoption on. */
void task_perf_open(struct agent *a, struct task *t);

/* The task's start record in <state_dir>/tasks/<id>.json, written atomically at launch, removed at the end.
 */
int task_state_save(struct agent *a, const struct task *t);
int task_state_load(struct agent *a, const char *id, struct task *t);
void task_state_remove(struct agent *a, const struct task *t);
/* Start time of pid in clock ticks since boot (field 22 of /proc/PID/stat), for identity checks. */
