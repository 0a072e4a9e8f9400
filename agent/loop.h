/* The agent's one event loop: epoll over signalfd, pidfds, eventfds, PSI fds, timerfds and the HTTP daemons.
 * Everything that changes cgroups, tasks or the ledger runs from here, on one thread. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

struct loop;
struct loop_source;

/* Called with the epoll events of fd. A negative return is logged by the loop and the source stays. */
typedef int (*loop_fd_fn)(struct loop_source *s, int fd, uint32_t events, void *userdata);
/* Called before each wait; returns the longest the loop may sleep in ms (-1: no limit). */
typedef int (*loop_prepare_fn)(void *userdata);

int loop_new(struct loop **ret);
void loop_free(struct loop *l);
/* Watch fd (the caller keeps owning it unless owns_fd). */
int loop_add_fd(struct loop *l, int fd, uint32_t events, bool owns_fd, loop_fd_fn fn, void *userdata,
                struct loop_source **ret);
int loop_source_set_events(struct loop_source *s, uint32_t events);
/* Stop watching; safe from inside the source's own callback (freed after dispatch). Closes fd if owned. */
void loop_source_remove(struct loop_source *s);
int loop_source_fd(const struct loop_source *s);
/* A periodic timer (timerfd, CLOCK_MONOTONIC); the callback gets fd and must not read it (the loop does). */
int loop_add_timer(struct loop *l, uint64_t interval_us, loop_fd_fn fn, void *userdata,
                   struct loop_source **ret);
int loop_add_prepare(struct loop *l, loop_prepare_fn fn, void *userdata);
/* Run until loop_quit(); returns the code given to it. */
int loop_run(struct loop *l);
void loop_quit(struct loop *l, int code);
