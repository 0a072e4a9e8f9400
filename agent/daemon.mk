# The daemon's own parts: event loop, HTTP listeners and routes, task table.
noinst_LIBRARIES += libcgm_daemon.a
libcgm_daemon_a_SOURCES = \
	agent/agent.h agent/agent.c \
	agent/task.c agent/task.h agent/task-internal.h agent/task-state.c \
	agent/loop.c agent/loop.h \
	agent/http.c agent/http.h agent/http-reply.c \
	agent/routes.c agent/routes.h agent/routes-tasks.c agent/routes-usage.c \
	agent/scrape.c agent/scrape.h \
	agent/client.c agent/client.h
