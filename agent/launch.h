/* The launcher: start one task in fresh namespaces and cgroups with clone3(2).
 *
 * Sequence: the parent clone3()s the child with CLONE_PIDFD, CLONE_INTO_CGROUP (when a unified cgroup is
 * given) and the CLONE_NEW* flags of the mask. The child blocks on a sync pipe while the parent writes its
 * pid into every v1 cgroup.procs fd and, with a user namespace, its uid_map and gid_map; so the task is in
 * every hierarchy and has its ids before any of its code runs. The child then sets the namespaces up
 * (new cgroup ns, hostname, lo up, / rprivate, fresh /proc), optionally forks the built-in init, switches
 * credentials, stdio, fds and signals, and execs. Any failure before exec comes back to the parent as
 * {step, errno} over a CLOEXEC pipe; the parent then reaps the child, so no process is left behind.
 *
 * Namespaces:
 * - NS_CGROUP is entered by unshare() in the child after the parent has joined it to the v1 hierarchies, so
 *   the task sees its own cgroup as "/" in every hierarchy, not only in the unified one.
 * - NS_TIME uses clone3(CLONE_NEWTIME) (Linux >= 5.8): the task itself is in the new time namespace. No
 *   clock offsets are set (they can only be written before a process enters the namespace). In the clone()
 *   fallback (below) the child enters it itself, first thing after the parent's go: unshare(CLONE_NEWTIME)
 *   creates it for the caller's children only (/proc/self/ns/time_for_children; the caller stays where it
 *   was), so the child then setns()es into its own time_for_children, which a single-threaded process with
 *   CAP_SYS_ADMIN (in its new user namespace, too) may do. The task keeps its pid: no extra fork, and
 *   built-in init and the command are both in the new namespace, as with clone3. A failure there is
 *   reported at step "clone3", where clone3 itself would have failed.
 * - NS_PID without NS_MOUNT leaves /proc as it is (mounting it would change the host's).
 * - NS_USER: the maps come from the spec, and uid/gid are ids inside the namespace. With no map given, the
 *   map is "0 <uid> 1" (and "0 <gid> 1") and the task runs as 0 inside: root in its namespace, the spec's
 *   uid/gid outside. setgroups is left "allow" (the parent is privileged) so that the child can drop the
 *   agent's supplementary groups with setgroups(0, NULL); with "deny" they would stay, mapped or not.
 *
 * Built-in init (spec.init, needs NS_PID): PID 1 forks the command, forwards SIGTERM, SIGINT, SIGHUP,
 * SIGQUIT, SIGUSR1 and SIGUSR2 to it, reaps every process that ends in the namespace, and exits with the
 * command's exit code, or 128 + signal when the command was killed by a signal (PID 1 of a pid namespace
 * cannot kill itself with a signal it does not handle, so the signal is not re-raised). Init runs with the
 * task's credentials and no fds at all.
 *
 * The command is looked up like execvpe(3) does, in PATH of the task's environment (envp), or in
 * "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" when envp has no PATH; no /bin/sh fallback
 * for ENOEXEC.
 *
 * Kernel: clone3 with CLONE_INTO_CGROUP needs Linux >= 5.7, CLONE_NEWTIME >= 5.8. The clone() fallback: when
 * clone3 fails with ENOSYS (kernels before 5.3, valgrind), or with E2BIG/EINVAL while CLONE_INTO_CGROUP or
 * CLONE_NEWTIME is asked (kernels before 5.7/5.8), the child is made again without those two flags (clone3
 * where it exists, else clone(), both with CLONE_PIDFD; pidfd_open() if no pidfd came back), and the parent
 * writes its pid into the unified cgroup's cgroup.procs (opened relative to cgroup_fd) before the v1 joins,
 * like them while the child still waits; so the task is never outside its cgroups either way. Every other
 * namespace flag is a clone() flag. Other errors are not retried. close_range(CLOSE_RANGE_CLOEXEC) needs 5.11
 * (a loop otherwise).
 *
 * Thread safety: launch_task() may be called from any thread of a multi-threaded daemon; the child only uses
 * async-signal-safe calls (raw syscalls for set*id and fork) between clone3 and exec. Concurrent launches are
 * safe; one may wait for another's exec, since each child holds the others' CLOEXEC fds until its exec. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "policy.h"

struct launch_spec {
        char *const *argv;    /* argv[0] is the command; non-empty */
        char *const *envp;    /* NULL: an empty environment (the agent's own is never passed on) */
        const char *cwd;      /* NULL: "/" */
        uint32_t uid, gid;    /* run as (inside the user namespace when NS_USER is set) */
        unsigned namespaces;  /* NS_* from policy.h */
        const char *hostname; /* needs NS_UTS; NULL: keep the inherited name */
        const struct policy_idmap *uid_map, *gid_map; /* NS_USER only; n == 0: "0 <uid|gid> 1" */
        size_t n_uid_map, n_gid_map;                  /* at most LAUNCH_MAX_IDMAPS each */
        bool init;                                    /* built-in init as PID 1; needs NS_PID */
        int stdin_fd, stdout_fd, stderr_fd;           /* -1: /dev/null; the caller keeps its fds */
        int cgroup_fd; /* O_PATH/O_DIRECTORY fd of a cgroup2 directory for CLONE_INTO_CGROUP; -1: none */
        const int *join_fds; /* O_WRONLY fds of v1 cgroup.procs files the task joins before it runs */
        size_t n_join_fds;
        /* The open-file limit the task gets (the agent raises its own to hold every task's cgroup fds; the
         * task should not inherit that); rlim_cur == 0: inherit the agent's. */
        struct rlimit nofile;
};

#define LAUNCH_MAX_IDMAPS  POLICY_MAX_IDMAPS
#define LAUNCH_MAX_JOIN    64
#define LAUNCH_STEP_MAX    32
#define LAUNCH_EXIT_FAILED 127 /* exit code of a child whose setup failed (the parent has the reason) */

/* Where a launch failed, for the caller's one log line: "launch failed at <step>: <strerror(err)>". */
struct launch_error {
        const char *step; /* static string: "spec", "clone3", "join cgroup", "uid_map", "exec", ... */
        int err;          /* positive errno */
};

/* Start the task described by s. On success returns 0 and sets *ret_pid (in the caller's pid namespace) and
 * *ret_pidfd (a CLOEXEC pidfd the caller owns; the child's exit_signal is SIGCHLD). On failure returns a
 * negative errno, fills *err (when not NULL) and leaves no process behind; -EINVAL with step "spec" for a
 * spec that cannot work (empty argv, init without NS_PID, hostname without NS_UTS, too many maps). */
int launch_task(const struct launch_spec *s, pid_t *ret_pid, int *ret_pidfd, struct launch_error *err);

/* Initialize a spec to: no namespaces, uid/gid 0, cwd "/", stdio /dev/null, no cgroups. */
void launch_spec_init(struct launch_spec *s);

/* Launcher internals shared by launch.c and launch-child.c: the byte that lets the child go, and whether it
 * must enter the time namespace itself (the clone() fallback with NS_TIME). */
#define LAUNCH_GO        'g'
#define LAUNCH_GO_TIMENS 't'

/* Test seam: clone3(2) with exit signal and flags as given, returning the pid, 0 in the child, or -errno.
 * Tests point it at a function returning -ENOSYS (or -E2BIG/-EINVAL) to run the clone() fallback. */
struct clone_args;
extern long (*launch_clone3_fn)(struct clone_args *args, size_t size);
