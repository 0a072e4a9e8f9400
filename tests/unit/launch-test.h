/* For the launcher tests (test_launch, test_launch_fallback): a launched task with its stdout on a pipe, its
 * exit through the pidfd, and the namespaces it is in. The test binary doubles as the command under test:
 * "BINARY --helper WHAT" runs one of its helper modes (each test's own; "wait" prints "ready" and waits). */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "launch.h"

extern char launch_test_exe[]; /* this test binary, set by launch_test_init() */

/* Find this test binary (from main()): 0, or -errno. */
int launch_test_init(void);

struct task {
        pid_t pid;
        int pidfd;
        int out; /* read end of the task's stdout, or -1 */
};

/* Launch with stdout to a pipe we read; the spec's other fields as given. */
int start(struct launch_spec *s, struct task *t, struct launch_error *e);
/* Read until EOF (the task and all it started closed stdout), or with line one line; fails after 20 s. */
void read_out(struct task *t, char *buf, size_t size, bool line);
/* Reap through the pidfd; returns the exit code, or 128 + signal. */
int finish(struct task *t);
/* Launch, read all of stdout, reap: the exit code (the test fails if the launch does). */
int run_capture(struct launch_spec *s, char *out, size_t size);
void assert_no_children(void);
/* A spec running this binary's helper mode what (argv has room for 4). */
void spec_helper(struct launch_spec *s, char **argv, const char *what);
/* The launch fails with err at step, and leaves no pid, pidfd or child behind. */
void expect_failure(struct launch_spec *s, int err, const char *step);
ino_t ns_inode(const char *pid, const char *ns);
/* A waiting task launched with namespaces mask is in exactly those new namespaces (and its time namespace is
 * the one its children get). */
void check_namespaces(unsigned mask);
void assert_has_line(const char *out, const char *line);
