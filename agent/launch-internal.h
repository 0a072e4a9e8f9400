/* Private to the launcher: what the parent hands the child, and the steps a failure is reported at. */
#pragma once

#include <stdint.h>

#include "launch.h"

enum launch_step {
        LAUNCH_STEP_SPEC,
        LAUNCH_STEP_SOCKET,
        LAUNCH_STEP_CLONE,
        LAUNCH_STEP_JOIN,
        LAUNCH_STEP_UID_MAP,
        LAUNCH_STEP_GID_MAP,
        LAUNCH_STEP_SYNC,
        LAUNCH_STEP_SIGNALS,
        LAUNCH_STEP_CGROUPNS,
        LAUNCH_STEP_HOSTNAME,
        LAUNCH_STEP_LOOPBACK,
        LAUNCH_STEP_MOUNT_ROOT,
        LAUNCH_STEP_MOUNT_PROC,
        LAUNCH_STEP_SETSID,
        LAUNCH_STEP_SETGROUPS,
        LAUNCH_STEP_SETGID,
        LAUNCH_STEP_SETUID,
        LAUNCH_STEP_INIT_FORK,
        LAUNCH_STEP_CHDIR,
        LAUNCH_STEP_STDIO,
        LAUNCH_STEP_CLOSE_FDS,
        LAUNCH_STEP_RLIMIT,
        LAUNCH_STEP_EXEC,
        _LAUNCH_STEP_MAX,
};

const char *launch_step_name(enum launch_step step);

/* What the child reports on the sync socket when a step fails; nothing (EOF at exec) on success. */
struct launch_msg {
        int32_t step;
        int32_t err;
};

/* Everything the child needs, prepared by the parent before clone3 so that the child does no allocation. */
struct launch_ctx {
        const struct launch_spec *spec;
        char *const *envp; /* never NULL */
        const char *path;  /* PATH for the command lookup */
        uint32_t uid, gid; /* ids to switch to (inside the user namespace) */
        int sock;          /* the child's end of the sync socket (CLOEXEC) */
};

/* clone3 (clone() where clone3 is missing: old kernels, valgrind) with exit signal SIGCHLD and no new stack:
 * returns like fork(), or -1 with errno. cgroup_fd < 0: none; ret_pidfd: with CLONE_PIDFD. */
long launch_clone(uint64_t flags, int cgroup_fd, int *ret_pidfd);

/* Runs in the child right after clone3 returned 0. Never returns. */
_Noreturn void launch_child(const struct launch_ctx *c);
