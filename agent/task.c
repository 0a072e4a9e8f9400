#include "task.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "agent.h"
#include "events.h"
#include "launch.h"
#include "log.h"
#include "perf.h"
#include "scrape.h"
#include "task-internal.h"

const char *task_state_name(enum task_state s)
{
        return s == TASK_RUNNING ? "running" : "ended";
}

struct task *task_find(struct agent *a, const char *id_or_name)
{
        for (struct task *t = a->tasks; t; t = t->next)
                if (streq(t->id, id_or_name))
                        return t;
        for (struct task *t = a->tasks; t; t = t->next)
                if (streq(t->name, id_or_name))
                        return t;
        return NULL;
}

static int task_new_id(char ret[TASK_ID_LEN])
{
        uint8_t b[6];

        if (getrandom(b, sizeof(b), 0) != sizeof(b))
                return -errno;
        snprintf(ret, TASK_ID_LEN, "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
        return 0;
}

struct task *task_alloc(void)
{
        struct task *t = calloc(1, sizeof(*t));

        if (!t)
                return NULL;
        t->pidfd = -1;
        t->events_wd = -1;
        return t;
}

void task_free(struct task *t)
{
        if (!t)
                return;
        if (t->pid_src) {
                loop_source_remove(t->pid_src); /* owns and closes the pidfd */
                t->pidfd = -1;
        }
        if (t->events_wd >= 0 && t->agent && t->agent->cgevents_src)
                inotify_rm_watch(t->agent->cgevents_fd, t->events_wd);
        loop_source_remove(t->poll_src);
        if (t->pidfd >= 0)
                close(t->pidfd);
        cg_node_free(t->node);
        if (t->agent)
                scrape_task_free(t->agent, t);
        perf_counters_unref(t->perf);
        policy_unref(t->policy);
        if (t->argv)
                for (char **p = t->argv; *p; p++)
                        free(*p);
        free(t->argv);
        if (t->envp)
                for (char **p = t->envp; *p; p++)
                        free(*p);
        free(t->envp);
        free(t->cwd);
        free(t);
}

static char **strv_copy(char *const *v, size_t max)
{
        size_t n = 0;
        char **r;

        while (v[n]) {
                if (++n > max)
                        return NULL;
        }
        r = calloc(n + 1, sizeof(*r));
        if (!r)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                r[i] = strdup(v[i]);
                if (!r[i]) {
                        while (i > 0)
                                free(r[--i]);
                        free(r);
                        return NULL;
                }
        }
        return r;
}

/* The policy node, created (and, for scope = policy, limited) on first use. */
static int policy_node_get(struct agent *a, const struct policy *p, struct policy_node **ret,
                           struct cg_error *err)
{
        struct policy_node *pn;
        int r;

        for (pn = a->policy_nodes; pn; pn = pn->next)
                if (streq(pn->name, p->name)) {
                        *ret = pn;
                        return 0;
                }
        pn = calloc(1, sizeof(*pn));
        if (!pn)
                return -ENOMEM;
        strcpy(pn->name, p->name);
        r = cg_node_create(a->cg, p->name, NULL, &pn->node);
        if (r < 0) {
                snprintf(err->msg, sizeof(err->msg), "cannot create the cgroup of policy %s: %s", p->name,
                         strerror(-r));
                free(pn);
                return r;
        }
        if (p->scope == POLICY_SCOPE_POLICY) {
                r = cg_apply(a->cg, pn->node, p, err);
                if (r < 0) {
                        cg_node_remove(a->cg, pn->node);
                        cg_node_free(pn->node);
                        free(pn);
                        return r;
                }
                pn->applied = *p;
                pn->limits = true;
        }
        pn->next = a->policy_nodes;
        a->policy_nodes = pn;
        *ret = pn;
        return 0;
}

/* net_cls, net_prio and perf_event are often not mounted: mount them when a policy needs them (or say how).
 */
static int task_require_controllers(struct agent *a, const struct policy *p, char *errbuf, size_t n)
{
        struct cg_report rep = { 0 };
        unsigned need = 0;
        int r;

        if (p->has_classid)
                need |= CG_MASK(CG_NET_CLS);
        if (p->n_priomap > 0)
                need |= CG_MASK(CG_NET_PRIO);
        if (p->n_perf_events > 0)
                need |= CG_MASK(CG_PERF_EVENT);
        if (!need)
                return 0;
        r = cg_host_require(a->cg, need, &rep);
        if (r < 0) {
                snprintf(errbuf, n, "policy %s: %s", p->name, rep.msg[0] ? rep.msg : strerror(-r));
                return r;
        }
        if (r > 0)
                log_info("policy %s: %s", p->name, rep.msg);
        return 0;
}

static const struct policy *task_pick_policy(struct agent *a, const char *name)
{
        if (name)
                return policy_set_find(&a->policies, name);
        if (policy_set_find(&a->policies, "default"))
                return policy_set_find(&a->policies, "default");
        return a->policies.n == 1 ? &a->policies.items[0] : NULL;
}

static int task_check_request(struct agent *a, const struct task_request *req, const struct policy **ret_p,
                              char *errbuf, size_t n)
{
        const struct policy *p;

        if (!req->argv || !req->argv[0] || !req->argv[0][0]) {
                snprintf(errbuf, n, "no command given");
                return -EINVAL;
        }
        p = task_pick_policy(a, req->policy);
        if (!p) {
                snprintf(errbuf, n, req->policy ? "unknown policy '%s'" : "no policy named: give one (%s)",
                         req->policy ? req->policy : "the agent has several");
                return -ENOENT;
        }
        if (req->name && !name_is_valid(req->name)) {
                snprintf(errbuf, n, "invalid task name '%s' (use 1-63 of A-Z a-z 0-9 _ . -)", req->name);
                return -EINVAL;
        }
        if (req->name && task_find(a, req->name) && task_find(a, req->name)->state == TASK_RUNNING) {
                snprintf(errbuf, n, "a running task is already named '%s'", req->name);
                return -EEXIST;
        }
        if (req->tenant && !streq(req->tenant, p->tenant)) {
                if (!p->tenant_override) {
                        snprintf(errbuf, n,
                                 "policy %s does not allow choosing the tenant (tenant_override = no)",
                                 p->name);
                        return -EPERM;
                }
                if (!name_is_valid(req->tenant)) {
                        snprintf(errbuf, n, "invalid tenant '%s'", req->tenant);
                        return -EINVAL;
                }
        }
        if (req->cwd && req->cwd[0] != '/') {
                snprintf(errbuf, n, "cwd '%s' is not an absolute path", req->cwd);
                return -EINVAL;
        }
        if (a->fd_task_cap && a->n_running >= a->fd_task_cap) {
                snprintf(
                    errbuf, n,
                    "too many running tasks for the agent's open-file limit (about %llu): raise LimitNOFILE",
                    (unsigned long long)a->fd_task_cap);
                return -EAGAIN;
        }
        if (a->n_running >= a->cfg.max_tasks) {
                snprintf(errbuf, n, "too many running tasks (max_tasks = %llu)",
                         (unsigned long long)a->cfg.max_tasks);
                return -EAGAIN;
        }
        *ret_p = p;
        return 0;
}

static int task_open_output(struct agent *a, const struct task *t, int *ret_fd)
{
        _cleanup_free_ char *dir = NULL, *path = NULL;
        int fd;

        *ret_fd = -1;
        if (t->policy->output != POLICY_OUTPUT_LOG)
                return 0;
        if (asprintf(&dir, "%s/logs", a->cfg.state_dir) < 0 || asprintf(&path, "%s/%s.log", dir, t->id) < 0)
                return -ENOMEM;
        if (mkdir(a->cfg.state_dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        if (mkdir(dir, 0750) < 0 && errno != EEXIST)
                return -errno;
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);
        if (fd < 0)
                return -errno;
        *ret_fd = fd;
        return 0;
}

#define TASK_DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The task's environment: a default PATH, CGMETER_TASK_ID, then the request's (which may override PATH). */
static char **task_env(const struct task *t, char *const *req_env, char *errbuf, size_t n)
{
        size_t count = 0, i = 0;
        char **env;

        for (char *const *e = req_env; e && *e; e++) {
                const char *eq = strchr(*e, '=');

                if (!eq || eq == *e || ++count > TASK_MAX_ENV) {
                        snprintf(errbuf, n, "invalid environment entry '%.64s' (expected NAME=VALUE)", *e);
                        return NULL;
                }
        }
        env = calloc(count + 3, sizeof(*env));
        if (!env)
                return NULL;
        env[i++] = strdup(TASK_DEFAULT_PATH);
        if (asprintf(&env[i++], "CGMETER_TASK_ID=%s", t->id) < 0)
                env[i - 1] = NULL;
        for (char *const *e = req_env; e && *e; e++)
                env[i++] = strdup(*e);
        for (size_t k = 0; k < i; k++)
                if (!env[k]) {
                        for (size_t j = 0; j < i; j++)
                                free(env[j]);
                        free(env);
                        snprintf(errbuf, n, "out of memory");
                        return NULL;
                }
        /* a request's PATH replaces the default: drop ours when one follows */
        for (size_t k = 2; k < i; k++)
                if (strncmp(env[k], "PATH=", 5) == 0) {
                        free(env[0]);
                        memmove(env, env + 1, (i - 1) * sizeof(*env));
                        env[--i] = NULL;
                        break;
                }
        return env;
}

static void strv_free(char **v)
{
        if (!v)
                return;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}

static int task_start_process(struct agent *a, struct task *t, char **env, const char *cwd, char *errbuf,
                              size_t n)
{
        struct cg_join join = { .unified_fd = -1 };
        struct launch_spec spec;
        struct launch_error lerr = { 0 };
        _cleanup_close_ int out = -1, null_fd = -1;
        int r;

        /* opened here, before the child joins the task's devices cgroup, which may deny /dev/null */
        null_fd = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (null_fd < 0) {
                snprintf(errbuf, n, "cannot open /dev/null: %s", strerror(errno));
                return -errno;
        }
        r = cg_node_join_fds(a->cg, t->node, &join);
        if (r < 0) {
                snprintf(errbuf, n, "cannot open the task's cgroup: %s", strerror(-r));
                return r;
        }
        r = task_open_output(a, t, &out);
        if (r < 0) {
                cg_join_close(&join);
                snprintf(errbuf, n, "cannot open the task's log in %s/logs: %s", a->cfg.state_dir,
                         strerror(-r));
                return r;
        }
        launch_spec_init(&spec);
        spec.argv = t->argv;
        spec.envp = env;
        spec.cwd = cwd;
        spec.uid = t->policy->uid == POLICY_UNSET ? 0 : (uint32_t)t->policy->uid;
        spec.gid = t->policy->gid == POLICY_UNSET ? 0 : (uint32_t)t->policy->gid;
        spec.namespaces = t->policy->namespaces;
        if (t->policy->namespaces & NS_UTS)
                spec.hostname = t->policy->hostname[0] ? t->policy->hostname : t->id;
        spec.uid_map = t->policy->uid_map;
        spec.n_uid_map = t->policy->n_uid_map;
        spec.gid_map = t->policy->gid_map;
        spec.n_gid_map = t->policy->n_gid_map;
        spec.init = t->policy->init;
        spec.stdin_fd = null_fd;
        spec.stdout_fd = spec.stderr_fd = t->policy->output == POLICY_OUTPUT_INHERIT ? STDERR_FILENO
                                          : out >= 0                                 ? out
                                                                                     : null_fd;
        spec.nofile = a->nofile_orig;
        spec.cgroup_fd = join.unified_fd;
        spec.join_fds = join.procs_fd;
        spec.n_join_fds = join.n_procs;
        r = launch_task(&spec, &t->pid, &t->pidfd, &lerr);
        cg_join_close(&join);
        if (r < 0) {
                snprintf(errbuf, n, "launch failed at %s: %s", lerr.step ? lerr.step : "?",
                         strerror(lerr.err ? lerr.err : -r));
                return r;
        }
        if (proc_stat(t->pid, NULL, &t->pid_starttime) < 0)
                t->pid_starttime = 0; /* already gone: identity no longer matters */
        return 0;
}

/* Undo a launch that failed after its cgroup was made: nothing may be left behind. */
static void task_abort(struct agent *a, struct task *t)
{
        if (t->pidfd >= 0) {
                siginfo_t si;

                /* without pidfd_send_signal (valgrind 3.19) the pid: our child, not reaped yet, is still ours
                 */
                if (syscall(SYS_pidfd_send_signal, t->pidfd, SIGKILL, NULL, 0) < 0)
                        (void)kill(t->pid, SIGKILL);
                waitid(P_PIDFD, (id_t)t->pidfd, &si, WEXITED);
        }
        if (t->node) {
                cg_node_kill(a->cg, t->node);
                cg_node_remove(a->cg, t->node);
        }
        task_state_remove(a, t);
        task_free(t);
}

int task_launch(struct agent *a, const struct task_request *req, struct task **ret, char *errbuf, size_t n)
{
        const struct policy *p;
        struct policy_node *pn;
        struct cg_error cerr = { 0 };
        struct task *t;
        char **env = NULL;
        int r;

        r = task_check_request(a, req, &p, errbuf, n);
        if (r < 0)
                return r;
        scrape_make_room(a, a->n_running + 1); /* stats files kept open must leave room for its fds */
        t = task_alloc();
        if (!t)
                return -ENOMEM;
        t->policy = task_policy_share(a, p);
        if (!t->policy) {
                task_free(t);
                return -ENOMEM;
        }
        r = task_new_id(t->id);
        if (r < 0)
                goto fail_msg;
        strcpy(t->name, req->name ? req->name : t->id);
        strcpy(t->tenant, req->tenant ? req->tenant : p->tenant);
        t->argv = strv_copy(req->argv, TASK_MAX_ARGS);
        if (!t->argv) {
                snprintf(errbuf, n, "too many arguments or out of memory");
                r = -EINVAL;
                goto fail;
        }
        env = task_env(t, req->envp, errbuf, n);
        /* the request is kept for a restart action (events.c): same command, environment and cwd */
        if (env &&
            ((t->envp = strv_copy(req->envp ? req->envp : (char *const[]){ NULL }, TASK_MAX_ENV)) == NULL ||
             (req->cwd && !(t->cwd = strdup(req->cwd))))) {
                strv_free(env);
                env = NULL;
                snprintf(errbuf, n, "out of memory");
        }
        if (!env) {
                r = -EINVAL;
                goto fail;
        }
        r = task_require_controllers(a, p, errbuf, n);
        if (r < 0)
                goto fail;
        r = policy_node_get(a, p, &pn, &cerr);
        if (r < 0) {
                snprintf(errbuf, n, "policy %s: %s", p->name, cerr.msg[0] ? cerr.msg : strerror(-r));
                goto fail;
        }
        r = cg_node_create(a->cg, p->name, t->id, &t->node);
        if (r < 0) {
                snprintf(errbuf, n, "cannot create the task's cgroup: %s", strerror(-r));
                goto fail;
        }
        if (p->scope == POLICY_SCOPE_TASK && (r = cg_apply(a->cg, t->node, p, &cerr)) < 0) {
                snprintf(errbuf, n, "cannot apply policy %s: %s%s%s", p->name, cerr.file,
                         cerr.file[0] ? ": " : "", cerr.msg[0] ? cerr.msg : strerror(-r));
                goto fail;
        }
        task_perf_open(a, t); /* before the process starts: counted from its first instruction */
        t->start_ns = now_realtime_ns();
        /* integrate memory from the launch on (usage 0 then), so even a short task has byte-seconds */
        t->mem_last_ns = now_monotonic_ns();
        r = task_start_process(a, t, env, req->cwd, errbuf, n);
        if (r < 0)
                goto fail;
        r = task_state_save(a, t);
        if (r < 0) {
                snprintf(errbuf, n, "cannot record the task in %s/tasks: %s", a->cfg.state_dir, strerror(-r));
                goto fail;
        }
        /* [freezer] state = frozen: frozen right after exec (a child cannot report its exec from a frozen
         * cgroup, so this cannot happen before) */
        if (p->start_frozen && (r = task_freeze(a, t, true)) < 0) {
                snprintf(errbuf, n, "cannot freeze the task at start: %s", strerror(-r));
                goto fail;
        }
        r = task_watch(a, t);
        if (r < 0)
                goto fail_msg;
        r = events_task_started(a, t);
        if (r < 0) {
                snprintf(errbuf, n, "cannot watch the task's OOM and pressure events: %s", strerror(-r));
                goto fail;
        }
        strv_free(env);
        t->next = a->tasks;
        a->tasks = t;
        a->n_running++;
        log_info("task %s (%s) started: policy %s, tenant %s, pid %d, %s", t->id, t->name, p->name, t->tenant,
                 (int)t->pid, t->argv[0]);
        *ret = t;
        return 0;
fail_msg:
        snprintf(errbuf, n, "%s", strerror(-r));
fail:
        strv_free(env);
        task_abort(a, t);
        return r;
}

static void task_try_end(struct agent *a, struct task *t)
{
        int populated;

        if (t->state != TASK_RUNNING)
                return;
        /* our own child is reaped first, so its exit status is known before the end */
        if (t->pidfd >= 0 && !t->exited)
                return;
        populated = cg_node_populated(a->cg, t->node);
        if (populated > 0)
                return;
        task_finalize(a, t);
}

static int on_task_pidfd(struct loop_source *s, int fd, uint32_t events, void *userdata)
{
        struct task *t = userdata;
        struct agent *a = t->agent;
        siginfo_t si = { 0 };

        if (waitid(P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG) == 0) {
                if (si.si_pid == 0)
                        return 0; /* not yet */
                t->exit_known = true;
                t->exit_status = si.si_code == CLD_EXITED ? W_EXITCODE(si.si_status, 0) : si.si_status & 0x7f;
        }
        t->exited = true;
        loop_source_remove(t->pid_src);
        t->pid_src = NULL;
        t->pidfd = -1; /* closed by the source */
        task_try_end(a, t);
        return 0;
}

static struct task *task_by_wd(struct agent *a, int wd)
{
        for (struct task *t = a->tasks; t; t = t->next)
                if (t->events_wd == wd)
                        return t;
        return NULL;
}

/* cgroup.events changed (populated, frozen): one inotify fd watches every task's, as a kernfs file reports
 * its changes as IN_MODIFY; an fd per task (EPOLLPRI) would cost one open file per task. */
static int on_cgroup_events(struct loop_source *s, int fd, uint32_t events, void *userdata)
{
        struct agent *a = userdata;
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));

                if (n <= 0)
                        return n < 0 && errno != EAGAIN ? -errno : 0;
                for (char *p = buf; p < buf + n;) {
                        const struct inotify_event *ev = (const struct inotify_event *)p;
                        struct task *t = ev->wd >= 0 ? task_by_wd(a, ev->wd) : NULL;

                        p += sizeof(*ev) + ev->len;
                        if (ev->mask & IN_Q_OVERFLOW) {
                                /* events were dropped: look at every running task's cgroup */
                                for (struct task *it = a->tasks; it; it = it->next)
                                        if (it->state == TASK_RUNNING &&
                                            cg_node_populated(a->cg, it->node) == 0)
                                                task_try_end(a, it);
                                continue;
                        }
                        if (!t)
                                continue;
                        if (ev->mask & IN_IGNORED)
                                t->events_wd = -1; /* the cgroup is gone: the end check decides */
                        else if (cg_node_populated(a->cg, t->node) != 0 && t->events_wd >= 0)
                                continue; /* still running: a freeze or thaw, say */
                        task_try_end(a, t);
                }
        }
}

static int cgevents_open(struct agent *a)
{
        int fd, r;

        if (a->cgevents_src)
                return 0;
        fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = loop_add_fd(a->loop, fd, EPOLLIN, true, on_cgroup_events, a, &a->cgevents_src);
        if (r < 0) {
                close(fd);
                return r;
        }
        a->cgevents_fd = fd;
        return 0;
}

void task_watch_close(struct agent *a)
{
        for (struct task *t = a->tasks; t; t = t->next)
                t->events_wd = -1;
        loop_source_remove(a->cgevents_src);
        a->cgevents_src = NULL;
        a->cgevents_fd = -1;
}

int task_watch(struct agent *a, struct task *t)
{
        char path[64];
        int r;

        t->agent = a;
        if (t->pidfd >= 0) {
                r = loop_add_fd(a->loop, t->pidfd, EPOLLIN, true, on_task_pidfd, t, &t->pid_src);
                if (r < 0)
                        return r;
        }
        /* without cgroup.events (pure v1) the agent's tick checks cgroup.procs */
        if (t->node->unified_fd < 0)
                return 0;
        r = cgevents_open(a);
        if (r < 0)
                return r;
        snprintf(path, sizeof(path), "/proc/self/fd/%d/cgroup.events", t->node->unified_fd);
        t->events_wd = inotify_add_watch(a->cgevents_fd, path, IN_MODIFY);
        return t->events_wd < 0 ? -errno : 0;
}

/* Memory byte-seconds by the trapezoid rule between samples. */
static void task_integrate_memory(struct task *t, uint64_t usage, uint64_t now_mono)
{
        if (t->mem_last_ns)
                t->mem_byte_seconds += ((double)t->mem_last_usage + (double)usage) / 2.0 *
                                       (double)(now_mono - t->mem_last_ns) / 1e9;
        t->mem_last_usage = usage;
        t->mem_last_ns = now_mono;
}

void task_record(struct agent *a, const struct task *t, const struct cg_sample *s, struct ledger_record *r)
{
        ledger_record_init(r);
        snprintf(r->id, sizeof(r->id), "%s", t->id);
        snprintf(r->name, sizeof(r->name), "%s", t->name);
        snprintf(r->policy, sizeof(r->policy), "%s", t->policy->name);
        snprintf(r->tenant, sizeof(r->tenant), "%s", t->tenant);
        ledger_command_from_argv(t->argv, r->command, sizeof(r->command));
        r->start_ns = t->start_ns;
        r->end_ns = t->end_ns ? t->end_ns : now_realtime_ns();
        if (r->end_ns < r->start_ns)
                r->end_ns = r->start_ns;
        if (s)
                ledger_record_set_sample(r, s);
        r->memory_byte_seconds = (uint64_t)t->mem_byte_seconds;
        r->frozen_ns = (uint64_t)(task_frozen_seconds(t) * 1e9);
        ledger_record_set_exit(r, t->exit_known, t->exit_status);
        r->adopted = t->adopted;
}

void task_finalize(struct agent *a, struct task *t)
{
        struct ledger_record rec;
        bool have;
        int r;

        have = task_sample(a, t, &t->final) == 0;
        t->have_final = t->have_final || have;
        if (have && (t->final.have & CG_HAVE_MEM_USAGE))
                task_integrate_memory(t, t->final.memory.usage, now_monotonic_ns());
        t->end_ns = now_realtime_ns();
        /* the record is written, durably, before the cgroup (and its counters) goes away */
        task_record(a, t, t->have_final ? &t->final : NULL, &rec);
        r = ledger_record_task(a->ledger, &rec);
        if (r < 0) {
                if (!t->ledger_pending)
                        log_error(
                            "task %s: cannot write its usage record (%s): its cgroup is kept and the write "
                            "retried every %llu ms",
                            t->id, ledger_errmsg(a->ledger),
                            (unsigned long long)a->cfg.sample_interval_us / 1000);
                t->ledger_pending = true;
                t->end_ns = 0;
                return;
        }
        if (t->ledger_pending)
                log_info("task %s: usage record written after all", t->id);
        t->ledger_pending = false;
        events_task_ended(a, t);
        if (t->events_wd >= 0) {
                inotify_rm_watch(a->cgevents_fd, t->events_wd);
                t->events_wd = -1;
        }
        if (t->pid_src) {
                loop_source_remove(t->pid_src);
                t->pid_src = NULL;
                t->pidfd = -1;
        }
        r = cg_node_remove(a->cg, t->node);
        if (r < 0 && r != -ENOENT)
                log_warning_errno(r, "task %s: cannot remove its cgroup %s", t->id, t->node->path);
        /* its network counters live in a BPF map keyed by the cgroup: drop the entry, t->final has the values
         */
        {
                struct collector_target ct;

                collector_target_init(&ct);
                ct.v2 = a->collector_roots.v2;
                ct.fd[COLLECTOR_SOURCE_UNIFIED] = t->node->unified_fd;
                (void)collector_net_forget(&ct);
        }
        /* an ended task is kept for a while (metrics retention), its cgroup's fds and counters are not */
        t->node = cg_node_free(t->node);
        t->perf = perf_counters_unref(t->perf);
        scrape_task_ended(a, t);
        task_state_remove(a, t);
        t->state = TASK_ENDED;
        if (t->frozen) {
                t->frozen_total_ns += t->end_ns - t->frozen_since_ns;
                t->frozen = false;
        }
        a->n_running--;
        if (t->exit_known && WIFSIGNALED(t->exit_status))
                log_info("task %s (%s) ended: killed by signal %d", t->id, t->name, WTERMSIG(t->exit_status));
        else if (t->exit_known)
                log_info("task %s (%s) ended: exit status %d", t->id, t->name, WEXITSTATUS(t->exit_status));
        else
                log_info("task %s (%s) ended (exit status unknown: not started by this agent)", t->id,
                         t->name);
}

int task_signal(struct agent *a, struct task *t, int sig, bool all)
{
        if (t->state != TASK_RUNNING)
                return -ESRCH;
        if (all && sig == SIGKILL) {
                int r = cg_node_kill(a->cg, t->node);

                /* the v1 freezer holds even SIGKILLed processes: let them die */
                if (t->frozen && a->cg->mode == CG_MODE_V1)
                        task_freeze(a, t, false);
                return r;
        }
        if (!all && t->pidfd >= 0) {
                if (syscall(SYS_pidfd_send_signal, t->pidfd, sig, NULL, 0) == 0)
                        return 0;
                if (errno != ENOSYS) /* without pidfd_send_signal (valgrind 3.19): the pid below */
                        return -errno;
        }
        if (!all && t->pid > 0)
                return kill(t->pid, sig) < 0 ? -errno : 0;
        /* every process of the cgroup */
        {
                _cleanup_close_ int pfd = cg_node_dirfd(a->cg, t->node, CG_PIDS);
                _cleanup_free_ char *buf = NULL;
                char *save = NULL;
                int r;

                r = read_file_at(pfd >= 0 ? pfd : t->node->unified_fd, "cgroup.procs", 16 << 20, &buf, NULL);
                if (r < 0)
                        return r;
                for (char *tok = strtok_r(buf, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save))
                        kill((pid_t)strtol(tok, NULL, 10), sig);
                return 0;
        }
}

#define FREEZE_TIMEOUT_NS (2 * 1000000000ull)

/* Freezing is asynchronous in the kernel: wait until cgroup.events (v2) or freezer.state (v1) says so. */
static int freeze_wait(struct agent *a, struct task *t, bool frozen)
{
        uint64_t deadline = now_monotonic_ns() + FREEZE_TIMEOUT_NS;

        for (;;) {
                int r = cg_node_frozen(a->cg, t->node);

                if (r < 0)
                        return r;
                if (r == frozen)
                        return 0;
                if (now_monotonic_ns() > deadline)
                        return -ETIMEDOUT;
                /* v1 may need the write repeated while tasks are in uninterruptible sleep */
                if (frozen && a->cg->mode == CG_MODE_V1)
                        cg_node_freeze(a->cg, t->node, true);
                usleep(1000);
        }
}

int task_freeze(struct agent *a, struct task *t, bool frozen)
{
        int r;

        if (t->state != TASK_RUNNING)
                return -ESRCH;
        r = cg_node_freeze(a->cg, t->node, frozen);
        if (r < 0)
                return r;
        r = freeze_wait(a, t, frozen);
        if (r < 0 && frozen) {
                /* never leave a task half-frozen */
                cg_node_freeze(a->cg, t->node, false);
                freeze_wait(a, t, false);
                return r;
        }
        if (r < 0)
                return r;
        if (frozen && !t->frozen)
                t->frozen_since_ns = now_realtime_ns();
        if (!frozen && t->frozen)
                t->frozen_total_ns += now_realtime_ns() - t->frozen_since_ns;
        t->frozen = frozen;
        r = task_state_save(a, t);
        if (r < 0)
                log_warning_errno(r, "task %s: cannot update its start record", t->id);
        log_info("task %s (%s) %s", t->id, t->name, frozen ? "paused (frozen)" : "resumed (thawed)");
        return 0;
}

double task_frozen_seconds(const struct task *t)
{
        uint64_t ns = t->frozen_total_ns;

        if (t->frozen)
                ns += (t->end_ns ? t->end_ns : now_realtime_ns()) - t->frozen_since_ns;
        return (double)ns / 1e9;
}

int task_sample(struct agent *a, struct task *t, struct cg_sample *ret)
{
        struct collector_target ct;
        uint32_t failed = 0;

        if (t->state == TASK_ENDED) {
                if (!t->have_final)
                        return -ENODATA;
                *ret = t->final;
                return 0;
        }
        /* not the task's cache: scrape workers may be using it */
        collector_target_below(&a->collector_roots, t->node->path, &ct);
        ct.perf = t->perf;
        ct.cgroup_id = t->node->unified_id;
        return collector_collect_all(&ct, a->collectors_enabled, ret, &failed);
}

/* One small read per task and tick: the usage counter only (memory.stat and the rest wait for a scrape). */
static void task_sample_memory(struct agent *a, struct task *t, uint64_t now_mono)
{
        bool v2 = a->cg->mode == CG_MODE_V2;
        char buf[32];
        ssize_t n;
        int rfd;

        rfd = cg_node_open_file(a->cg, t->node, CG_MEMORY, v2 ? "memory.current" : "memory.usage_in_bytes",
                                O_RDONLY);
        if (rfd < 0)
                return;
        n = read(rfd, buf, sizeof(buf) - 1);
        close(rfd);
        if (n <= 0)
                return;
        buf[n] = '\0';
        task_integrate_memory(t, strtoull(buf, NULL, 10), now_mono);
}

static void task_checkpoint(struct agent *a, struct task *t)
{
        struct ledger_record rec;
        struct cg_sample s;

        if (task_sample(a, t, &s) < 0)
                return;
        task_record(a, t, &s, &rec);
        if (ledger_checkpoint(a->ledger, &rec) < 0)
                log_warning("task %s: checkpoint not written: %s", t->id, ledger_errmsg(a->ledger));
}

void task_tick(struct agent *a)
{
        uint64_t now = now_realtime_ns(), mono = now_monotonic_ns();
        bool checkpoint = mono - a->last_checkpoint_ns >= a->cfg.checkpoint_interval_us * 1000;
        struct task **pp = &a->tasks;

        if (checkpoint)
                a->last_checkpoint_ns = mono;
        while (*pp) {
                struct task *t = *pp;

                if (t->state == TASK_RUNNING) {
                        task_sample_memory(a, t, mono);
                        if (checkpoint && !t->ledger_pending)
                                task_checkpoint(a, t);
                        /* pure v1 has no populated notification; a pending record is retried here */
                        if (t->events_wd < 0 || t->ledger_pending)
                                task_try_end(a, t);
                }
                /* a /metrics read in progress points at the tasks: they go at a later tick */
                if (t->state == TASK_ENDED && now - t->end_ns > a->cfg.retention_us * 1000 &&
                    !scrape_busy(a)) {
                        *pp = t->next;
                        task_free(t);
                        continue;
                }
                pp = &t->next;
        }
}

void task_kill_all(struct agent *a)
{
        for (struct task *t = a->tasks; t; t = t->next) {
                if (t->state != TASK_RUNNING)
                        continue;
                task_signal(a, t, SIGKILL, true);
                /* give the kernel a moment to empty the cgroup, so final values are read and it is removed */
                for (int i = 0; i < 50 && cg_node_populated(a->cg, t->node) > 0; i++)
                        usleep(20000);
                if (t->pidfd >= 0) {
                        siginfo_t si = { 0 };

                        if (waitid(P_PIDFD, (id_t)t->pidfd, &si, WEXITED | WNOHANG) == 0 && si.si_pid != 0)
                                t->exit_status = W_EXITCODE(0, SIGKILL);
                }
                t->exited = true;
                task_finalize(a, t);
        }
}

void task_perf_open(struct agent *a, struct task *t)
{
        const struct policy *p = t->policy;
        _cleanup_close_ int dfd = -1;
        uint32_t unsupported = 0;
        int r;

        if (p->n_perf_events == 0 || !(a->collectors_enabled & collector_bit(&collector_perf)))
                return;
        dfd = cg_node_dirfd(a->cg, t->node, CG_PERF_EVENT);
        r = dfd < 0 ? dfd : perf_counters_open(dfd, p->perf_events, p->n_perf_events, &t->perf, &unsupported);
        t->perf_unsupported = unsupported;
        for (size_t i = 0; i < p->n_perf_events; i++)
                if (unsupported & (UINT32_C(1) << i))
                        log_warning("task %s: perf_event: %s unsupported on this host", t->id,
                                    p->perf_events[i]);
        if (r < 0 && r != -EOPNOTSUPP)
                log_warning("task %s: perf_event: cannot open its counters: %s", t->id, strerror(-r));
}

const struct policy *task_policy_share(struct agent *a, const struct policy *p)
{
        size_t i = (size_t)(p - a->policies.items);

        /* p is an item of the set in force: tasks of one policy share one copy until the next reload */
        if (p < a->policies.items || i >= a->policies.n)
                return policy_share(p);
        if (!a->policies_shared && !(a->policies_shared = calloc(a->policies.n, sizeof(*a->policies_shared))))
                return NULL;
        if (!a->policies_shared[i] && !(a->policies_shared[i] = policy_share(p)))
                return NULL;
        return policy_ref(a->policies_shared[i]);
}

void task_policies_unshare(struct agent *a)
{
        if (!a->policies_shared)
                return;
        for (size_t i = 0; i < a->policies.n; i++)
                policy_unref(a->policies_shared[i]);
        free(a->policies_shared);
        a->policies_shared = NULL;
}

void task_free_all(struct agent *a)
{
        task_policies_unshare(a);
        while (a->tasks) {
                struct task *t = a->tasks;

                a->tasks = t->next;
                task_free(t);
        }
        while (a->policy_nodes) {
                struct policy_node *pn = a->policy_nodes;

                a->policy_nodes = pn->next;
                cg_node_free(pn->node);
                free(pn);
        }
}
