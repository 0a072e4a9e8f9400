/* What an event makes the agent do, per policy: freeze, kill, restart (same request, backoff, a limit) or run
 * the policy's hook with the event as JSON on stdin. Nothing here blocks the loop for long: a hook is a child
 * whose pidfd and timeout are loop sources, a restart waits on a one-shot timerfd. */
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include "events-internal.h"
#include "log.h"

struct events_hook {
        struct agent *agent;
        pid_t pid;
        uint64_t seq;
        char policy[POLICY_NAME_MAX];
        struct loop_source *pid_src, *timer_src;
        bool timed_out;
        struct events_hook *next;
};

struct events_restart {
        struct agent *agent;
        char policy[POLICY_NAME_MAX], name[POLICY_NAME_MAX], tenant[POLICY_NAME_MAX];
        char **argv, **envp;
        char *cwd;
        unsigned restarts; /* this one included */
        struct loop_source *timer_src;
        struct events_restart *next;
};

static int oneshot_timer(struct agent *a, uint64_t after_us, loop_fd_fn fn, void *userdata,
                         struct loop_source **ret)
{
        struct itimerspec its = { .it_value = { .tv_sec = (time_t)(after_us / 1000000),
                                                .tv_nsec = (long)(after_us % 1000000) * 1000 } };
        _cleanup_close_ int fd = -1;
        int r;

        if (after_us == 0)
                its.it_value.tv_nsec = 1;
        fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (timerfd_settime(fd, 0, &its, NULL) < 0)
                return -errno;
        r = loop_add_fd(a->loop, fd, EPOLLIN, true, fn, userdata, ret);
        if (r < 0)
                return r;
        TAKE_FD(fd);
        return 0;
}

/* ---- hooks ---- */

static void hook_free(struct events_hook *h)
{
        struct events *ev = h->agent->events;

        for (struct events_hook **pp = &ev->hooks; *pp; pp = &(*pp)->next)
                if (*pp == h) {
                        *pp = h->next;
                        ev->n_hooks--;
                        break;
                }
        loop_source_remove(h->pid_src);
        loop_source_remove(h->timer_src);
        free(h);
}

static int on_hook_exit(struct loop_source *s, int fd, uint32_t events, void *userdata)
{
        struct events_hook *h = userdata;
        siginfo_t si = { 0 };

        if (waitid(P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
                return 0;
        if (h->timed_out)
                log_warning("event %llu: hook of policy %s killed after its timeout",
                            (unsigned long long)h->seq, h->policy);
        else if (si.si_code == CLD_EXITED && si.si_status == 0)
                log_info("event %llu: hook of policy %s done", (unsigned long long)h->seq, h->policy);
        else if (si.si_code == CLD_EXITED)
                log_warning("event %llu: hook of policy %s failed: exit status %d",
                            (unsigned long long)h->seq, h->policy, si.si_status);
        else
                log_warning("event %llu: hook of policy %s killed by signal %d", (unsigned long long)h->seq,
                            h->policy, si.si_status);
        hook_free(h);
        return 0;
}

static int on_hook_timeout(struct loop_source *s, int fd, uint32_t events, void *userdata)
{
        struct events_hook *h = userdata;

        /* its own process group: whatever it started goes too */
        kill(-h->pid, SIGKILL);
        kill(h->pid, SIGKILL); /* not reaped yet, so the pid is still the hook's */
        h->timed_out = true;
        loop_source_remove(h->timer_src);
        h->timer_src = NULL;
        return 0;
}

_Noreturn static void hook_child(const char *path, int in_fd)
{
        sigset_t none;

        /* the agent blocks the signals its signalfd reads: the hook must not inherit that */
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        setpgid(0, 0);
        if (dup2(in_fd, STDIN_FILENO) < 0)
                _exit(127);
        execl(path, path, (char *)NULL);
        _exit(127);
}

static int hook_spawn(struct agent *a, const struct policy *p, const struct event *e)
{
        char line[2048];
        _cleanup_close_ int rfd = -1, wfd = -1, pidfd = -1;
        struct events_hook *h;
        int fds[2], len, r;
        pid_t pid;

        len = event_to_line(e, line, sizeof(line));
        if (len < 0)
                return len;
        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        rfd = fds[0];
        wfd = fds[1];
        /* far below the pipe's capacity: written before the fork, so nothing waits on the hook */
        if (write(wfd, line, (size_t)len) != len)
                return -EIO;
        close(TAKE_FD(wfd));
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0)
                hook_child(p->hook, rfd);
        pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0) {
                r = -errno;
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                return r;
        }
        h = calloc(1, sizeof(*h));
        if (!h) {
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                return -ENOMEM;
        }
        *h = (struct events_hook){ .agent = a, .pid = pid, .seq = e->seq };
        snprintf(h->policy, sizeof(h->policy), "%s", p->name);
        r = loop_add_fd(a->loop, pidfd, EPOLLIN, true, on_hook_exit, h, &h->pid_src);
        if (r == 0)
                TAKE_FD(pidfd);
        if (r == 0)
                r = oneshot_timer(a, p->hook_timeout_us, on_hook_timeout, h, &h->timer_src);
        h->next = a->events->hooks;
        a->events->hooks = h;
        a->events->n_hooks++;
        if (r < 0) {
                kill(-pid, SIGKILL);
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                hook_free(h);
                return r;
        }
        log_info("event %llu: hook %s started (pid %d)", (unsigned long long)e->seq, p->hook, (int)pid);
        return 0;
}

/* ---- restarts ---- */

static void strv_free(char **v)
{
        if (!v)
                return;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}

static char **strv_dup(char *const *v)
{
        size_t n = 0;
        char **r;

        while (v && v[n])
                n++;
        r = calloc(n + 1, sizeof(*r));
        for (size_t i = 0; r && i < n; i++)
                if (!(r[i] = strdup(v[i]))) {
                        strv_free(r);
                        return NULL;
                }
        return r;
}

static void restart_free(struct events_restart *rs)
{
        struct events *ev = rs->agent->events;

        for (struct events_restart **pp = &ev->restarts; *pp; pp = &(*pp)->next)
                if (*pp == rs) {
                        *pp = rs->next;
                        break;
                }
        loop_source_remove(rs->timer_src);
        strv_free(rs->argv);
        strv_free(rs->envp);
        free(rs->cwd);
        free(rs);
}

static int on_restart_due(struct loop_source *s, int fd, uint32_t events, void *userdata)
{
        struct events_restart *rs = userdata;
        struct agent *a = rs->agent;
        struct task_request req = { .policy = rs->policy,
                                    .name = rs->name,
                                    .tenant = rs->tenant,
                                    .argv = rs->argv,
                                    .envp = rs->envp,
                                    .cwd = rs->cwd };
        struct task *t = NULL;
        char err[512] = "";
        int r;

        r = task_launch(a, &req, &t, err, sizeof(err));
        if (r < 0)
                log_error("task %s: restart %u of policy %s failed: %s", rs->name, rs->restarts, rs->policy,
                          err);
        else {
                log_info("task %s (%s): restarted as %s (restart %u in a row)", rs->name, rs->policy, t->id,
                         rs->restarts);
                if (t->events)
                        t->events->restarts = rs->restarts;
        }
        restart_free(rs);
        return 0;
}

void events_schedule_restart(struct agent *a, struct task *t, unsigned restarts)
{
        const struct policy *p = t->policy;
        struct events_restart *rs;
        uint64_t delay;
        int r;

        /* a task that ran for a while before it needed restarting starts a new count */
        if (now_realtime_ns() - t->start_ns > EVENTS_RESTART_RESET_NS)
                restarts = 0;
        if (restarts >= p->restart_max) {
                log_warning("task %s (%s): not restarted: %u restarts in a row reached restart_max = %llu",
                            t->id, t->name, restarts, (unsigned long long)p->restart_max);
                return;
        }
        delay = p->restart_backoff_us << (restarts < 20 ? restarts : 20);
        rs = calloc(1, sizeof(*rs));
        if (!rs)
                return;
        *rs = (struct events_restart){ .agent = a, .restarts = restarts + 1 };
        snprintf(rs->policy, sizeof(rs->policy), "%s", p->name);
        snprintf(rs->name, sizeof(rs->name), "%s", t->name);
        snprintf(rs->tenant, sizeof(rs->tenant), "%s", t->tenant);
        rs->argv = strv_dup(t->argv);
        rs->envp = strv_dup(t->envp);
        rs->cwd = t->cwd ? strdup(t->cwd) : NULL;
        rs->next = a->events->restarts;
        a->events->restarts = rs;
        if (!rs->argv || !rs->envp || (t->cwd && !rs->cwd) ||
            (r = oneshot_timer(a, delay, on_restart_due, rs, &rs->timer_src)) < 0) {
                log_error("task %s (%s): cannot schedule its restart", t->id, t->name);
                restart_free(rs);
                return;
        }
        log_info("task %s (%s): restart %u of %llu in %llu ms", t->id, t->name, restarts + 1,
                 (unsigned long long)p->restart_max, (unsigned long long)delay / 1000);
}

/* ---- dispatch ---- */

static void act_on_task(struct agent *a, struct task *t, const struct event *e)
{
        int r = 0;

        if (t->state != TASK_RUNNING)
                return;
        switch (e->action) {
        case POLICY_ACTION_FREEZE:
                if (!t->frozen)
                        r = task_freeze(a, t, true);
                break;
        case POLICY_ACTION_RESTART:
                if (t->events)
                        t->events->restart_wanted = true;
                r = task_signal(a, t, SIGKILL, true);
                break;
        case POLICY_ACTION_KILL:
                r = task_signal(a, t, SIGKILL, true);
                break;
        default:
                break;
        }
        if (r < 0)
                log_warning("event %llu: task %s: %s failed: %s", (unsigned long long)e->seq, t->id,
                            policy_action_name(e->action), strerror(-r));
}

void events_act(struct agent *a, struct task *t, const struct event *e)
{
        const struct policy *p = t ? t->policy : policy_set_find(&a->policies, e->policy);
        int r;

        if (e->action == POLICY_ACTION_RECORD || !p)
                return;
        if (e->action == POLICY_ACTION_HOOK) {
                if (!p->hook[0])
                        return;
                if (a->events->n_hooks >= EVENTS_MAX_HOOKS) {
                        log_warning("event %llu: hook not run: %d hooks are running already",
                                    (unsigned long long)e->seq, EVENTS_MAX_HOOKS);
                        return;
                }
                r = hook_spawn(a, p, e);
                if (r < 0)
                        log_warning("event %llu: cannot run hook %s: %s", (unsigned long long)e->seq, p->hook,
                                    strerror(-r));
                return;
        }
        if (t) {
                act_on_task(a, t, e);
                return;
        }
        /* an event of a policy's cgroup (scope = policy) acts on each of its tasks */
        for (struct task *it = a->tasks; it; it = it->next)
                if (it->state == TASK_RUNNING && streq(it->policy->name, e->policy))
                        act_on_task(a, it, e);
}

void events_actions_free(struct agent *a)
{
        struct events *ev = a->events;

        /* a running hook is not waited for: it finishes on its own */
        while (ev->hooks)
                hook_free(ev->hooks);
        while (ev->restarts)
                restart_free(ev->restarts);
}
