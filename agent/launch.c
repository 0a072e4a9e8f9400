/* The parent side of launch_task(): validate, clone3, join cgroups and write id maps, then let the child go
 * and learn over the sync socket whether it reached exec. Kept short: it is on every task's start path. */
#include "autoconfig.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launch-internal.h"
#include "util.h"

#define LAUNCH_DEFAULT_PATH  "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define LAUNCH_HOST_NAME_MAX 64

static const char *const step_names[_LAUNCH_STEP_MAX] = {
        [LAUNCH_STEP_SPEC] = "spec",
        [LAUNCH_STEP_SOCKET] = "socketpair",
        [LAUNCH_STEP_CLONE] = "clone3",
        [LAUNCH_STEP_JOIN] = "join cgroup",
        [LAUNCH_STEP_UID_MAP] = "uid_map",
        [LAUNCH_STEP_GID_MAP] = "gid_map",
        [LAUNCH_STEP_SYNC] = "sync",
        [LAUNCH_STEP_SIGNALS] = "signals",
        [LAUNCH_STEP_CGROUPNS] = "cgroup namespace",
        [LAUNCH_STEP_HOSTNAME] = "sethostname",
        [LAUNCH_STEP_LOOPBACK] = "loopback up",
        [LAUNCH_STEP_MOUNT_ROOT] = "mount / rprivate",
        [LAUNCH_STEP_MOUNT_PROC] = "mount /proc",
        [LAUNCH_STEP_SETSID] = "setsid",
        [LAUNCH_STEP_SETGROUPS] = "setgroups",
        [LAUNCH_STEP_SETGID] = "setgid",
        [LAUNCH_STEP_SETUID] = "setuid",
        [LAUNCH_STEP_INIT_FORK] = "init fork",
        [LAUNCH_STEP_CHDIR] = "chdir",
        [LAUNCH_STEP_STDIO] = "stdio",
        [LAUNCH_STEP_CLOSE_FDS] = "close fds",
        [LAUNCH_STEP_RLIMIT] = "rlimit",
        [LAUNCH_STEP_EXEC] = "exec",
};

/* Namespaces entered by clone3 itself; NS_CGROUP is entered later by the child (see launch.h). */
static const struct {
        unsigned ns;
        uint64_t flag;
} clone_ns_flags[] = {
        { NS_MOUNT, CLONE_NEWNS },  { NS_UTS, CLONE_NEWUTS }, { NS_IPC, CLONE_NEWIPC },
        { NS_PID, CLONE_NEWPID },   { NS_NET, CLONE_NEWNET }, { NS_USER, CLONE_NEWUSER },
        { NS_TIME, CLONE_NEWTIME },
};

static char *const empty_env[] = { NULL };

const char *launch_step_name(enum launch_step step)
{
        if ((unsigned)step >= _LAUNCH_STEP_MAX)
                return "unknown";
        return step_names[step];
}

void launch_spec_init(struct launch_spec *s)
{
        *s = (struct launch_spec){ .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1, .cgroup_fd = -1 };
}

static int launch_fail(struct launch_error *err, enum launch_step step, int r)
{
        if (err)
                *err = (struct launch_error){ .step = launch_step_name(step), .err = -r };
        return r;
}

static int validate_spec(const struct launch_spec *s)
{
        const unsigned known = NS_MOUNT | NS_UTS | NS_IPC | NS_PID | NS_NET | NS_USER | NS_CGROUP | NS_TIME;

        if (!s->argv || !s->argv[0] || !s->argv[0][0])
                return -EINVAL;
        if (s->namespaces & ~known)
                return -EINVAL;
        if (s->init && !(s->namespaces & NS_PID))
                return -EINVAL;
        /* Never rename the host. */
        if (s->hostname && (!(s->namespaces & NS_UTS) || strlen(s->hostname) > LAUNCH_HOST_NAME_MAX))
                return -EINVAL;
        if ((s->n_uid_map || s->n_gid_map) && !(s->namespaces & NS_USER))
                return -EINVAL;
        if (s->n_uid_map > LAUNCH_MAX_IDMAPS || s->n_gid_map > LAUNCH_MAX_IDMAPS ||
            (s->n_uid_map && !s->uid_map) || (s->n_gid_map && !s->gid_map))
                return -EINVAL;
        if (s->n_join_fds > LAUNCH_MAX_JOIN || (s->n_join_fds && !s->join_fds))
                return -EINVAL;
        return 0;
}

static const char *env_path(char *const *envp)
{
        for (; envp && *envp; envp++)
                if (strncmp(*envp, "PATH=", 5) == 0)
                        return *envp + 5;
        return LAUNCH_DEFAULT_PATH;
}

static void prepare_ctx(const struct launch_spec *s, struct launch_ctx *c)
{
        bool default_map = (s->namespaces & NS_USER) && s->n_uid_map == 0;

        *c = (struct launch_ctx){
                .spec = s,
                .envp = s->envp ? s->envp : empty_env,
                .path = env_path(s->envp),
                /* With the default map "0 <uid> 1" the task is root in its namespace. */
                .uid = default_map ? 0 : s->uid,
                .gid = (s->namespaces & NS_USER) && s->n_gid_map == 0 ? 0 : s->gid,
        };
}

/* One write(2) per file: cgroup.procs and the id maps take their content in a single write. */
static int write_all_once(int fd, const char *buf, size_t len)
{
        ssize_t n = write(fd, buf, len);

        if (n < 0)
                return -errno;
        return (size_t)n == len ? 0 : -EIO;
}

static int format_pid(char *buf, size_t size, pid_t pid)
{
        return snprintf(buf, size, "%d\n", (int)pid);
}

static int join_cgroups(const struct launch_spec *s, pid_t pid)
{
        char buf[32];
        int len = format_pid(buf, sizeof(buf), pid);

        for (size_t i = 0; i < s->n_join_fds; i++) {
                int r = write_all_once(s->join_fds[i], buf, (size_t)len);

                if (r < 0)
                        return r;
        }
        return 0;
}

/* What CLONE_INTO_CGROUP would have done, for the clone() fallback. cgroup_fd may be O_PATH: openat works. */
static int join_unified(int cgroup_fd, pid_t pid)
{
        char buf[32];
        int len = format_pid(buf, sizeof(buf), pid);
        _cleanup_close_ int fd = openat(cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        return write_all_once(fd, buf, (size_t)len);
}

static int write_id_map(pid_t pid, const char *file, const struct policy_idmap *map, size_t n,
                        uint32_t default_outside)
{
        const struct policy_idmap def = { .inside = 0, .outside = default_outside, .count = 1 };
        char path[64], buf[LAUNCH_MAX_IDMAPS * 36 + 1];
        size_t len = 0;
        _cleanup_close_ int fd = -1;

        if (n == 0)
                map = &def, n = 1;
        for (size_t i = 0; i < n; i++)
                len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", map[i].inside,
                                        map[i].outside, map[i].count);
        snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return write_all_once(fd, buf, len);
}

/* Everything the child waits for before it may run: cgroup membership and ids. */
static int parent_setup(const struct launch_spec *s, pid_t pid, bool fallback, enum launch_step *ret_step)
{
        int r = 0;

        *ret_step = LAUNCH_STEP_JOIN;
        if (fallback && s->cgroup_fd >= 0)
                r = join_unified(s->cgroup_fd, pid);
        if (r >= 0)
                r = join_cgroups(s, pid);
        if (r < 0 || !(s->namespaces & NS_USER))
                return r;
        *ret_step = LAUNCH_STEP_UID_MAP;
        r = write_id_map(pid, "uid_map", s->uid_map, s->n_uid_map, s->uid);
        if (r < 0)
                return r;
        *ret_step = LAUNCH_STEP_GID_MAP;
        return write_id_map(pid, "gid_map", s->gid_map, s->n_gid_map, s->gid);
}

static void reap(int pidfd)
{
        siginfo_t si;

        while (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0 && errno == EINTR)
                ;
}

/* The child is not reaped yet, so its pid cannot have been reused: kill() is a safe fallback (valgrind). */
static void kill_and_reap(pid_t pid, int pidfd)
{
        if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0)
                (void)kill(pid, SIGKILL);
        reap(pidfd);
}

/* clone3 failed for want of something the fallback does by other means (see launch.h). */
static bool clone3_lacks(int err, uint64_t flags)
{
        return err == ENOSYS ||
               ((err == E2BIG || err == EINVAL) && (flags & (CLONE_INTO_CGROUP | CLONE_NEWTIME)));
}

/* clone3 with every signal blocked, so that no handler of the agent runs in the child before it has reset
 * them; the child unblocks just before exec. *ret_fallback: made without CLONE_INTO_CGROUP and CLONE_NEWTIME
 * (the parent and the child do their work). Returns the pid (0 in the child) or -errno. */
static pid_t clone_child(const struct launch_spec *s, int *ret_pidfd, bool *ret_fallback)
{
        uint64_t flags = CLONE_PIDFD;
        bool fallback = false;
        sigset_t all, old;
        long pid;
        int saved;

        for (size_t i = 0; i < ARRAY_SIZE(clone_ns_flags); i++)
                if (s->namespaces & clone_ns_flags[i].ns)
                        flags |= clone_ns_flags[i].flag;
        if (s->cgroup_fd >= 0)
                flags |= CLONE_INTO_CGROUP;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        pid = launch_clone(flags, s->cgroup_fd, ret_pidfd);
        if (pid < 0 && clone3_lacks(errno, flags)) {
                fallback = true;
                pid = launch_clone(flags & ~(uint64_t)(CLONE_INTO_CGROUP | CLONE_NEWTIME), -1, ret_pidfd);
        }
        if (pid == 0)
                return 0;
        saved = errno;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (pid < 0)
                return -saved;
        /* clone() before Linux 5.2 ignores CLONE_PIDFD; the child waits for us: its pid is still its own. */
        if (*ret_pidfd < 0) {
                int fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);

                if (fd < 0) {
                        saved = errno;
                        (void)kill((pid_t)pid, SIGKILL);
                        (void)waitpid((pid_t)pid, NULL, __WALL);
                        return -saved;
                }
                *ret_pidfd = fd;
        }
        *ret_fallback = fallback;
        return (pid_t)pid;
}

/* Let the child go, and wait until it has exec'd (EOF: its end closed on exec) or reported a failed step. */
static int release_child(int sock, char go, enum launch_step *ret_step)
{
        struct launch_msg m;
        ssize_t n;

        *ret_step = LAUNCH_STEP_SYNC;
        if (send(sock, &go, 1, MSG_NOSIGNAL) < 0)
                return -errno;
        do
                n = recv(sock, &m, sizeof(m), MSG_WAITALL);
        while (n < 0 && errno == EINTR);
        if (n == 0)
                return 0;
        if (n < 0)
                return -errno;
        if ((size_t)n != sizeof(m) || m.step < 0 || m.step >= _LAUNCH_STEP_MAX || m.err <= 0)
                return -EIO;
        *ret_step = (enum launch_step)m.step;
        return -m.err;
}

int launch_task(const struct launch_spec *s, pid_t *ret_pid, int *ret_pidfd, struct launch_error *err)
{
        struct launch_ctx c;
        enum launch_step step;
        int sv[2], r;
        _cleanup_close_ int sock = -1, pidfd = -1;
        pid_t pid;
        bool fallback = false;

        r = validate_spec(s);
        if (r < 0)
                return launch_fail(err, LAUNCH_STEP_SPEC, r);
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return launch_fail(err, LAUNCH_STEP_SOCKET, -errno);
        sock = sv[0];
        prepare_ctx(s, &c);
        c.sock = sv[1];

        pid = clone_child(s, &pidfd, &fallback);
        if (pid == 0)
                launch_child(&c);
        close(sv[1]);
        if (pid < 0)
                return launch_fail(err, LAUNCH_STEP_CLONE, pid);

        r = parent_setup(s, pid, fallback, &step);
        if (r < 0) {
                kill_and_reap(pid, pidfd);
                return launch_fail(err, step, r);
        }
        r = release_child(sock, fallback && (s->namespaces & NS_TIME) ? LAUNCH_GO_TIMENS : LAUNCH_GO, &step);
        if (r < 0) {
                /* The child exits by itself after a report; the kill covers a broken sync. */
                if (step == LAUNCH_STEP_SYNC)
                        kill_and_reap(pid, pidfd);
                else
                        reap(pidfd);
                return launch_fail(err, step, r);
        }
        *ret_pid = pid;
        *ret_pidfd = TAKE_FD(pidfd);
        return 0;
}
