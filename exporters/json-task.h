/* JSON rendering of tasks for the control API. */
#pragma once

#include <json-c/json.h>

#include "task.h"

/* A task with its usage (sample may be NULL when it could not be read). */
struct json_object *json_task(const struct task *t, const struct cg_sample *sample);
