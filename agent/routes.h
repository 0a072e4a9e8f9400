/* Route handlers, shared by routes.c (the table) and the files that implement them. */
#pragma once

#include "agent.h"

typedef int (*route_fn)(struct agent *a, const struct http_request *req, const char *arg,
                        struct http_response *resp);

int route_tasks_list(struct agent *a, const struct http_request *req, const char *arg,
                     struct http_response *resp);
int route_tasks_create(struct agent *a, const struct http_request *req, const char *arg,
                       struct http_response *resp);
int route_task_get(struct agent *a, const struct http_request *req, const char *arg,
                   struct http_response *resp);
int route_task_kill(struct agent *a, const struct http_request *req, const char *arg,
                    struct http_response *resp);

int route_task_pause(struct agent *a, const struct http_request *req, const char *arg,
                     struct http_response *resp);
int route_task_resume(struct agent *a, const struct http_request *req, const char *arg,
                      struct http_response *resp);
int route_policy_pause(struct agent *a, const struct http_request *req, const char *arg,
                       struct http_response *resp);
int route_policy_resume(struct agent *a, const struct http_request *req, const char *arg,
                        struct http_response *resp);

int route_usage(struct agent *a, const struct http_request *req, const char *arg, struct http_response *resp);
int route_usage_totals(struct agent *a, const struct http_request *req, const char *arg,
                       struct http_response *resp);

/* Parse the request body as a JSON object whose keys are all in allowed (NULL-terminated). On error the
 * response is set (400) and NULL returned. */
struct json_object *route_parse_body(const struct http_request *req, const char *const *allowed,
                                     struct http_response *resp);
