/* cgmeter's side of the benchmark: the per-task work of the agent's task_launch(), without the daemon around
 * it (no HTTP, no task table, no ledger), so what is timed is the cgroup and launcher code itself. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "bench.h"
#include "launch.h"
#include "util.h"

void cgm_policy(struct policy *p, bool no_init)
{
        policy_init(p, BENCH_POLICY);
        p->namespaces = NS_MOUNT | NS_UTS | NS_IPC | NS_PID | NS_NET | NS_CGROUP;
        p->mem_limit = 256ULL << 20;
        p->cpu_quota_us = 100000;
        p->cpu_period_us = 100000;
        p->pids_max = 256;
        p->init = !no_init;
}

/* A v1 cgroup can stay busy for a moment after its last task was reaped (the css is released
 * asynchronously); the agent meets the same and retries, so do the same here, briefly. */
static int remove_node(struct cg_host *host, struct cg_node *node)
{
        static const struct timespec pause = { .tv_nsec = 200 * 1000 };
        int r = 0;

        for (int i = 0; i < 500; i++) {
                r = cg_node_remove(host, node);
                if (r != -EBUSY)
                        return r;
                nanosleep(&pause, NULL);
        }
        return r;
}

static int start_task(struct cg_host *host, struct cg_node *node, const struct policy *p, const char *task,
                      int *ret_pidfd, char *errbuf, size_t n)
{
        static char *const argv[] = { "/bin/true", NULL };
        struct cg_join join = { .unified_fd = -1 };
        struct launch_error lerr = { 0 };
        struct launch_spec spec;
        pid_t pid;
        int r;

        r = cg_node_join_fds(host, node, &join);
        if (r < 0) {
                snprintf(errbuf, n, "cannot open the task's cgroup: %s", strerror(-r));
                return r;
        }
        launch_spec_init(&spec);
        spec.argv = argv;
        spec.namespaces = p->namespaces;
        spec.hostname = task;
        spec.init = p->init;
        spec.cgroup_fd = join.unified_fd;
        spec.join_fds = join.procs_fd;
        spec.n_join_fds = join.n_procs;
        r = launch_task(&spec, &pid, ret_pidfd, &lerr);
        cg_join_close(&join);
        if (r < 0)
                snprintf(errbuf, n, "launch failed at %s: %s", lerr.step ? lerr.step : "?",
                         strerror(lerr.err ? lerr.err : -r));
        return r;
}

static int wait_exit(int pidfd, char *errbuf, size_t n)
{
        siginfo_t si = { 0 };

        while (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0)
                if (errno != EINTR) {
                        snprintf(errbuf, n, "waitid: %s", strerror(errno));
                        return -errno;
                }
        if (si.si_code != CLD_EXITED || si.si_status != 0) {
                snprintf(errbuf, n, "/bin/true ended with %s %d",
                         si.si_code == CLD_EXITED ? "status" : "signal", si.si_status);
                return -EIO;
        }
        return 0;
}

int cgm_cycle(struct cg_host *host, const struct policy *p, const char *task, struct cgm_stamps *ret,
              char *errbuf, size_t n)
{
        struct cg_node *node = NULL;
        struct cg_error cerr = { 0 };
        struct cgm_stamps s = { .start = now_monotonic_ns() };
        _cleanup_close_ int pidfd = -1;
        int r, k;

        r = cg_node_create(host, p->name, task, &node);
        if (r < 0) {
                snprintf(errbuf, n, "cannot create the task's cgroup: %s", strerror(-r));
                return r;
        }
        s.created = now_monotonic_ns();
        r = cg_apply(host, node, p, &cerr);
        if (r < 0) {
                snprintf(errbuf, n, "cannot apply the limits: %s: %s", cerr.file,
                         cerr.msg[0] ? cerr.msg : strerror(-r));
                goto out;
        }
        s.applied = now_monotonic_ns();
        r = start_task(host, node, p, task, &pidfd, errbuf, n);
        if (r < 0)
                goto out;
        s.exec = now_monotonic_ns();
        r = wait_exit(pidfd, errbuf, n);
        if (r < 0) {
                syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
                (void)waitid(P_PIDFD, (id_t)pidfd, NULL, WEXITED);
                goto out;
        }
        s.exit = now_monotonic_ns();
out:
        k = remove_node(host, node);

        cg_node_free(node);
        if (r == 0 && k < 0) {
                snprintf(errbuf, n, "cannot remove the task's cgroup: %s", strerror(-k));
                r = k;
        }
        if (r < 0)
                return r;
        s.removed = now_monotonic_ns();
        *ret = s;
        return 0;
}
