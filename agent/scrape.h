/* /metrics: every running task's cgroup is read at scrape time by worker threads, so the loop keeps serving
 * the API and the events while a read of thousands of cgroups runs. A scrape that arrives while a read runs
 * waits for it and shares its values (and its rendering): concurrent scrapes cost one read. Nothing is cached
 * past the read: the next scrape reads again. */
#pragma once

#include <stdbool.h>

#include "http.h"

struct agent;
struct task;

/* Answer GET /metrics: a stream that waits for the read in progress (or starts one) and then sends the
 * rendering in Prometheus text 0.0.4 or, with openmetrics, OpenMetrics 1.0. */
int scrape_metrics(struct agent *a, bool openmetrics, struct http_response *resp);
/* A read is running: it points at the tasks it reads, which must not be freed meanwhile. */
bool scrape_busy(const struct agent *a);
/* [agent] scrape_keep_files: make sure the kept-open files leave room for `tasks` running tasks (before a
 * launch); a task that ended or goes lets its files go. */
void scrape_make_room(struct agent *a, size_t tasks);
void scrape_task_ended(struct agent *a, struct task *t);
void scrape_task_free(struct agent *a, struct task *t);
/* Wait for a read in progress, end its waiting streams, and free the module (agent stop). */
void scrape_free(struct agent *a);
