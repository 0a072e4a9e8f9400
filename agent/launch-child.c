/* The child side of launch_task(): between clone3 and exec, and the built-in init.
 *
 * This code runs in a copy of a possibly multi-threaded process whose other threads are gone, without the
 * fork handlers glibc runs after fork(). So only async-signal-safe calls are made, and the set*id calls are
 * raw syscalls: glibc's wrappers would try to broadcast the change to threads that do not exist here. */
#include "autoconfig.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <net/if.h>
#include <sched.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launch-internal.h"
#include "util.h"

static const int init_forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

static long sys_clone3(struct clone_args *args, size_t size)
{
        long r = syscall(SYS_clone3, args, size);

        return r < 0 ? -errno : r;
}

long (*launch_clone3_fn)(struct clone_args *args, size_t size) = sys_clone3;

long launch_clone(uint64_t flags, int cgroup_fd, int *ret_pidfd)
{
        struct clone_args args = {
                .flags = flags,
                .pidfd = (uint64_t)(uintptr_t)ret_pidfd,
                .exit_signal = SIGCHLD,
                .cgroup = cgroup_fd >= 0 ? (uint64_t)cgroup_fd : 0,
        };
        long r = launch_clone3_fn(&args, sizeof(args));

        if (r >= 0)
                return r;
        errno = (int)-r;
        /* clone() has no room for these; CLONE_NEWTIME's bit is part of the exit signal there. The caller
         * retries without them (launch.c), doing their work by other means. */
        if (errno != ENOSYS || (flags & (CLONE_INTO_CGROUP | CLONE_NEWTIME)))
                return -1;
        /* Kernels before 5.3, and valgrind, know only clone(); x86-64 argument order. */
        return syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, ret_pidfd, NULL, NULL);
}

static _Noreturn void child_fail(const struct launch_ctx *c, enum launch_step step, int err)
{
        struct launch_msg m = { .step = step, .err = err > 0 ? err : EIO };

        /* If even this fails, the parent sees EOF and then our exit status; nothing more can be done here. */
        (void)send(c->sock, &m, sizeof(m), MSG_NOSIGNAL);
        _exit(LAUNCH_EXIT_FAILED);
}

/* close_range(first, last, flags): close the fds, or with CLOSE_RANGE_CLOEXEC mark them close-on-exec; one by
 * one up to the open-file limit on kernels without it (before 5.9; 5.11 for CLOSE_RANGE_CLOEXEC). */
static int fd_range(unsigned first, unsigned last, unsigned flags)
{
        struct rlimit rl;

        if (first > last || close_range(first, last, flags) == 0)
                return 0;
        if (errno != EINVAL && errno != ENOSYS)
                return -errno;
        if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
                return -errno;
        for (rlim_t fd = first; fd <= last && fd < rl.rlim_cur && fd < INT_MAX; fd++)
                (void)(flags ? fcntl((int)fd, F_SETFD, FD_CLOEXEC) : close((int)fd));
        return 0;
}

/* First thing in the child: close every fd of the agent above stdio except the sync socket and the task's
 * stdio sources. Until exec the child holds copies of them all, and a copy of a listener outlives a killed
 * agent (its successor could not bind the address) or keeps the parent's end of the sync socket open. */
static void close_agent_fds(const struct launch_ctx *c)
{
        const struct launch_spec *s = c->spec;
        int keep[] = { c->sock, s->stdin_fd, s->stdout_fd, s->stderr_fd };
        unsigned next = 3;

        for (size_t i = 1; i < ARRAY_SIZE(keep); i++) /* insertion sort: four entries */
                for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
                        int t = keep[j];

                        keep[j] = keep[j - 1];
                        keep[j - 1] = t;
                }
        for (size_t i = 0; i < ARRAY_SIZE(keep); i++) {
                if (keep[i] < (int)next)
                        continue;
                (void)fd_range(next, (unsigned)keep[i] - 1, 0);
                next = (unsigned)keep[i] + 1;
        }
        (void)fd_range(next, ~0U, 0);
}

/* Wait for the parent's go (LAUNCH_GO or LAUNCH_GO_TIMENS), and return it; EOF means it gave up (or died),
 * and we leave quietly. */
static char wait_for_parent(const struct launch_ctx *c)
{
        char b;
        ssize_t n;

        do
                n = read(c->sock, &b, 1);
        while (n < 0 && errno == EINTR);
        if (n != 1 || (b != LAUNCH_GO && b != LAUNCH_GO_TIMENS))
                _exit(LAUNCH_EXIT_FAILED);
        return b;
}

/* The clone() fallback could not pass CLONE_NEWTIME: unshare() makes a time namespace for our children only,
 * and setns() into that (time_for_children) moves us in as well, before any offset is written and while we
 * are single-threaded, as setns needs. A failure is reported at the clone step, where clone3 would have
 * failed. */
static void enter_time_ns(const struct launch_ctx *c)
{
        int fd;

        if (unshare(CLONE_NEWTIME) < 0)
                child_fail(c, LAUNCH_STEP_CLONE, errno);
        fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                child_fail(c, LAUNCH_STEP_CLONE, errno);
        if (setns(fd, CLONE_NEWTIME) < 0)
                child_fail(c, LAUNCH_STEP_CLONE, errno);
        close(fd);
}

/* Dispositions the agent set (an ignored SIGCHLD or SIGPIPE, say) must not leak into the task; the mask,
 * which the parent filled before clone3, stays full until exec. */
static int reset_signal_dispositions(void)
{
        struct sigaction sa = { .sa_handler = SIG_DFL };

        for (int sig = 1; sig < _NSIG; sig++) {
                if (sig == SIGKILL || sig == SIGSTOP)
                        continue;
                /* Signals glibc reserves for itself are refused with EINVAL: nothing to reset there. */
                if (sigaction(sig, &sa, NULL) < 0 && errno != EINVAL)
                        return -errno;
        }
        return 0;
}

static int loopback_up(void)
{
        struct ifreq ifr = { .ifr_name = "lo" };
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return -errno;
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                return -errno;
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
                return -errno;
        return 0;
}

/* Namespace work that needs the privileges the child still has. */
static void setup_namespaces(const struct launch_ctx *c)
{
        const struct launch_spec *s = c->spec;
        int r;

        /* Entered here, not by clone3, so that the v1 cgroups joined by the parent are the task's root too.
         */
        if ((s->namespaces & NS_CGROUP) && unshare(CLONE_NEWCGROUP) < 0)
                child_fail(c, LAUNCH_STEP_CGROUPNS, errno);
        if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
                child_fail(c, LAUNCH_STEP_HOSTNAME, errno);
        if (s->namespaces & NS_NET) {
                r = loopback_up();
                if (r < 0)
                        child_fail(c, LAUNCH_STEP_LOOPBACK, -r);
        }
        if (!(s->namespaces & NS_MOUNT))
                return;
        /* Keep our mounts from propagating back to the host, and the host's from reaching in. */
        if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
                child_fail(c, LAUNCH_STEP_MOUNT_ROOT, errno);
        if ((s->namespaces & NS_PID) &&
            mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                child_fail(c, LAUNCH_STEP_MOUNT_PROC, errno);
}

static void set_credentials(const struct launch_ctx *c)
{
        if (syscall(SYS_setgroups, 0, NULL) < 0)
                child_fail(c, LAUNCH_STEP_SETGROUPS, errno);
        if (syscall(SYS_setresgid, c->gid, c->gid, c->gid) < 0)
                child_fail(c, LAUNCH_STEP_SETGID, errno);
        if (syscall(SYS_setresuid, c->uid, c->uid, c->uid) < 0)
                child_fail(c, LAUNCH_STEP_SETUID, errno);
}

/* A copy of fd at 3 or above, so that filling 0..2 cannot clobber a source that sits there. */
static int dup_high(int fd)
{
        int r = fcntl(fd, F_DUPFD_CLOEXEC, 3);

        return r < 0 ? -errno : r;
}

static int setup_stdio(const struct launch_spec *s)
{
        const int src[3] = { s->stdin_fd, s->stdout_fd, s->stderr_fd };
        int tmp[3], null_fd = -1;

        for (int i = 0; i < 3; i++) {
                if (src[i] >= 0) {
                        tmp[i] = dup_high(src[i]);
                        if (tmp[i] < 0)
                                return tmp[i];
                        continue;
                }
                if (null_fd < 0) {
                        int fd = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);

                        if (fd < 0)
                                return -errno;
                        null_fd = fd < 3 ? dup_high(fd) : fd;
                        if (null_fd < 0)
                                return null_fd;
                }
                tmp[i] = null_fd;
        }
        /* The copies are CLOEXEC and go away at exec; dup2 gives 0..2 without the flag. */
        for (int i = 0; i < 3; i++)
                if (dup2(tmp[i], i) < 0)
                        return -errno;
        return 0;
}

/* Every fd above stdio closes at exec; the sync socket is already CLOEXEC and reports exec failures. */
static int close_other_fds(void)
{
        return fd_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
}

static bool exec_errno_continues(int err)
{
        return err == ENOENT || err == ENOTDIR || err == ESTALE || err == ELOOP || err == ENAMETOOLONG ||
               err == ENODEV || err == ETIMEDOUT || err == EACCES;
}

/* execvpe(3) semantics on the task's PATH, with the path built on the stack (no allocation). Returns the
 * errno to report: EACCES if some candidate was found but not executable, else ENOENT, or the first hard
 * error. */
static int exec_command(const struct launch_ctx *c)
{
        char *const *argv = c->spec->argv;
        const char *file = argv[0];
        size_t flen = strlen(file);
        char buf[PATH_MAX];
        bool seen_eacces = false;

        if (strchr(file, '/')) {
                execve(file, argv, c->envp);
                return errno;
        }
        for (const char *p = c->path;;) {
                const char *end = strchrnul(p, ':');
                size_t dlen = (size_t)(end - p);

                if (dlen == 0) /* an empty entry is the working directory */
                        p = ".", dlen = 1;
                if (dlen + 1 + flen + 1 <= sizeof(buf)) {
                        memcpy(buf, p, dlen);
                        buf[dlen] = '/';
                        memcpy(buf + dlen + 1, file, flen + 1);
                        execve(buf, argv, c->envp);
                        if (!exec_errno_continues(errno))
                                return errno;
                        if (errno == EACCES)
                                seen_eacces = true;
                }
                if (*end == '\0')
                        break;
                p = end + 1;
        }
        return seen_eacces ? EACCES : ENOENT;
}

/* The task proper: working directory, stdio, fds, signal mask, exec. */
static _Noreturn void finish_and_exec(const struct launch_ctx *c)
{
        sigset_t none;
        int r;

        if (chdir(c->spec->cwd ? c->spec->cwd : "/") < 0)
                child_fail(c, LAUNCH_STEP_CHDIR, errno);
        r = setup_stdio(c->spec);
        if (r < 0)
                child_fail(c, LAUNCH_STEP_STDIO, -r);
        r = close_other_fds();
        if (r < 0)
                child_fail(c, LAUNCH_STEP_CLOSE_FDS, -r);
        if (c->spec->nofile.rlim_cur > 0 && setrlimit(RLIMIT_NOFILE, &c->spec->nofile) < 0)
                child_fail(c, LAUNCH_STEP_RLIMIT, errno);
        sigemptyset(&none);
        if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
                child_fail(c, LAUNCH_STEP_SIGNALS, errno);
        child_fail(c, LAUNCH_STEP_EXEC, exec_command(c));
}

static int status_to_exit_code(const siginfo_t *si)
{
        if (si->si_code == CLD_EXITED)
                return si->si_status;
        return 128 + si->si_status;
}

/* Reap everything that has ended; returns true once the command itself has, with its exit code. */
static bool init_reap(pid_t cmd, int *ret_code)
{
        bool done = false;

        for (;;) {
                siginfo_t si = { 0 };

                if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
                        return done;
                if (si.si_pid == cmd) {
                        *ret_code = status_to_exit_code(&si);
                        done = true;
                }
        }
}

/* PID 1 of the task's pid namespace. All signals are still blocked (the parent filled the mask before
 * clone3), so the forwarded ones and SIGCHLD queue up for sigwaitinfo(); a blocked signal is delivered to a
 * namespace init even without a handler. */
static _Noreturn void run_init(const struct launch_ctx *c)
{
        sigset_t wait_set;
        long pid;
        int code = LAUNCH_EXIT_FAILED;

        sigemptyset(&wait_set);
        sigaddset(&wait_set, SIGCHLD);
        for (size_t i = 0; i < ARRAY_SIZE(init_forwarded); i++)
                sigaddset(&wait_set, init_forwarded[i]);

        /* A raw clone, not fork(): glibc's fork takes locks that vanished threads of the agent may hold. */
        pid = launch_clone(0, -1, NULL);
        if (pid < 0)
                child_fail(c, LAUNCH_STEP_INIT_FORK, errno);
        if (pid == 0) {
                if (setsid() < 0)
                        child_fail(c, LAUNCH_STEP_SETSID, errno);
                finish_and_exec(c);
        }

        /* Init holds nothing: no stdio, not the sync socket (the command reports its own exec failure). */
        if (close_range(0, ~0U, 0) < 0)
                for (int fd = 0; fd < 1024; fd++)
                        close(fd);

        for (;;) {
                siginfo_t si;
                int sig = sigwaitinfo(&wait_set, &si);

                if (sig < 0)
                        continue;
                if (sig != SIGCHLD) {
                        (void)kill((pid_t)pid, sig);
                        continue;
                }
                if (init_reap((pid_t)pid, &code))
                        _exit(code);
        }
}

_Noreturn void launch_child(const struct launch_ctx *c)
{
        int r;

        close_agent_fds(c);
        if (wait_for_parent(c) == LAUNCH_GO_TIMENS)
                enter_time_ns(c);
        r = reset_signal_dispositions();
        if (r < 0)
                child_fail(c, LAUNCH_STEP_SIGNALS, -r);
        setup_namespaces(c);
        if (setsid() < 0)
                child_fail(c, LAUNCH_STEP_SETSID, errno);
        set_credentials(c);
        if (c->spec->init)
                run_init(c);
        finish_and_exec(c);
}
