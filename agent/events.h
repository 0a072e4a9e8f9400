/* Events: OOM kills and resource pressure, watched in the event loop, acted on per policy, and kept in a
 * bounded log for /v1/events. The task lifecycle calls these hooks; everything runs on the loop's thread. */
#pragma once

struct agent;
struct task;

/* A task is running in its cgroup: start its watchers (OOM, pressure) as its policy says. */
int events_task_started(struct agent *a, struct task *t);
/* A task was re-adopted after a restart: the same, without counting what happened before as new. */
int events_task_adopted(struct agent *a, struct task *t);
/* A task's cgroup is about to be removed: stop its watchers (its final counts are in its record already). */
void events_task_ended(struct agent *a, struct task *t);
