/* The events module's state and its watchers: OOM (v1 eventfd on memory.oom_control, v2 memory.events),
 * pressure (PSI triggers on the unified tree, v1 memory.pressure_level). Every watcher is one fd in the
 * agent's loop; a wake-up reads the kernel's counter and emits one event per increment. */
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>

#include "events-internal.h"
#include "http.h"
#include "log.h"

static struct events *ev_of(const struct agent *a)
{
        return a->events;
}

int events_new(struct agent *a)
{
        _cleanup_free_ char *status = NULL;
        struct events *ev = calloc(1, sizeof(*ev));
        int r;

        if (!ev)
                return -ENOMEM;
        r = event_ring_init(&ev->ring, EVENTS_RING_DEFAULT);
        if (r < 0) {
                free(ev);
                return r;
        }
        /* PSI windows that are not a multiple of 2 s need CAP_SYS_RESOURCE */
        if (read_file_at(AT_FDCWD, "/proc/self/status", 1 << 16, &status, NULL) == 0)
                ev->cap_sys_resource = events_status_has_cap_sys_resource(status);
        a->events = ev;
        return 0;
}

static void watch_free(struct events_watch *w)
{
        if (!w)
                return;
        loop_source_remove(w->recheck_src);
        loop_source_remove(w->src);
        free(w);
}

/* The directory of the node's memory files (unified dir on v2), opened when needed: a watch holds no
 * directory fd (thousands of tasks would otherwise hold one each). -EOPNOTSUPP without a memory controller.
 */
static int memory_dirfd(struct agent *a, const struct cg_node *node)
{
        return cg_node_dirfd(a->cg, node, CG_MEMORY);
}

static void watches_free(struct events_watch **list)
{
        while (*list) {
                struct events_watch *w = *list;

                *list = w->next;
                watch_free(w);
        }
}

void events_free(struct agent *a)
{
        struct events *ev = ev_of(a);

        if (!ev)
                return;
        for (struct task *t = a->tasks; t; t = t->next)
                if (t->events) {
                        watches_free(&t->events->watches);
                        free(t->events);
                        t->events = NULL;
                }
        while (ev->pnodes) {
                struct events_pnode *pn = ev->pnodes;

                ev->pnodes = pn->next;
                watches_free(&pn->watches);
                free(pn);
        }
        events_actions_free(a);
        loop_source_remove(ev->follow_timer);
        free(ev->rounded_logged);
        event_ring_free(&ev->ring);
        free(ev);
        a->events = NULL;
}

void events_counters(const struct agent *a, uint64_t ret_pressure[3][2], uint64_t ret_oom[2])
{
        const struct events *ev = ev_of(a);

        memset(ret_pressure, 0, sizeof(uint64_t[3][2]));
        memset(ret_oom, 0, sizeof(uint64_t[2]));
        if (!ev)
                return;
        memcpy(ret_pressure, ev->pressure, sizeof(ev->pressure));
        memcpy(ret_oom, ev->oom, sizeof(ev->oom));
}

const struct event_ring *events_ring(const struct agent *a)
{
        return a->events ? &a->events->ring : NULL;
}

void events_emit(struct agent *a, struct task *t, const char *policy, struct event *e)
{
        struct events *ev = ev_of(a);
        const struct policy *p = t ? t->policy : policy_set_find(&a->policies, policy);
        const struct event *stored;

        e->time_ns = now_realtime_ns();
        if (t) {
                snprintf(e->task, sizeof(e->task), "%s", t->id);
                snprintf(e->name, sizeof(e->name), "%s", t->name);
                snprintf(e->tenant, sizeof(e->tenant), "%s", t->tenant);
        } else if (p)
                snprintf(e->tenant, sizeof(e->tenant), "%s", p->tenant);
        snprintf(e->policy, sizeof(e->policy), "%s", policy);
        if (e->kind == EVENT_PRESSURE)
                ev->pressure[e->resource][e->full]++;
        else
                ev->oom[e->kind == EVENT_OOM_KILL]++;
        stored = event_ring_push(&ev->ring, e);
        log_warning("event %llu: %s%s%s%s policy %s: %s %s%s%s -> %s: %s", (unsigned long long)stored->seq,
                    t ? "task " : "", t ? t->id : "", t ? " " : "", t ? t->name : "", policy,
                    event_kind_name(e->kind), psi_resource_name(e->resource),
                    e->kind == EVENT_PRESSURE ? " " : "",
                    e->kind == EVENT_PRESSURE ? (e->full ? "full" : "some") : "",
                    policy_action_name(e->action), e->detail);
        if (a->http)
                http_server_wake(a->http);
        events_act(a, t, stored);
}

/* ---- OOM ---- */

static int oom_read(struct events_watch *w, struct oom_counts *ret)
{
        _cleanup_free_ char *buf = NULL;
        _cleanup_close_ int dirfd = memory_dirfd(w->agent, w->node);
        bool v1 = w->kind == WATCH_OOM_V1;
        int r;

        if (dirfd < 0)
                return dirfd;
        r = read_file_at(dirfd, v1 ? "memory.oom_control" : "memory.events", 4096, &buf, NULL);
        if (r < 0)
                return r;
        return v1 ? events_parse_oom_control(buf, ret) : events_parse_memory_events(buf, ret);
}

static const char *watch_policy(const struct events_watch *w)
{
        return w->et ? w->et->t->policy->name : w->pn->policy;
}

static void oom_emit(struct agent *a, struct events_watch *w, enum event_kind kind, uint64_t counter)
{
        struct task *t = w->et ? w->et->t : NULL;
        const char *policy = watch_policy(w);
        const struct policy *p = t ? t->policy : policy_set_find(&a->policies, policy);
        struct event e = { .kind = kind, .resource = PSI_MEMORY };

        e.action = p ? p->oom_action : POLICY_ACTION_RECORD;
        snprintf(e.detail, sizeof(e.detail), "%s %llu in %s", kind == EVENT_OOM_KILL ? "oom_kill" : "oom",
                 (unsigned long long)counter,
                 w->kind == WATCH_OOM_V1 ? "memory.oom_control" : "memory.events");
        events_emit(a, t, policy, &e);
}

/* Read the counters and emit what changed: kills at once, OOMs without a kill only when settled (no re-read
 * is due any more, or the task ends). Returns < 0 when the cgroup is gone. */
static int oom_check(struct agent *a, struct events_watch *w, bool settle)
{
        struct task *t = w->et ? w->et->t : NULL;
        bool v1 = w->kind == WATCH_OOM_V1;
        struct oom_counts now;
        unsigned kills, ooms = 0;
        int r;

        r = oom_read(w, &now);
        if (r < 0)
                return r;
        kills = events_oom_kills(&w->last, &now);
        if (settle) {
                ooms = events_oom_unkilled(&w->settled, &now, v1);
                w->settled = now;
        }
        w->last = now;
        /* a policy's cgroup reports only OOMs without a kill: kills are counted in the task they hit */
        for (unsigned i = 0; t && i < kills; i++) {
                oom_emit(a, w, EVENT_OOM_KILL, now.kill - kills + 1 + i);
                /* the action may have ended the task (and freed this watcher) */
                if (!t->events)
                        return 0;
        }
        for (unsigned i = 0; i < ooms; i++) {
                oom_emit(a, w, EVENT_OOM, v1 ? 1 : now.oom - ooms + 1 + i);
                if (t && !t->events)
                        return 0;
        }
        return 0;
}

static void watch_unlink(struct events_watch *w)
{
        struct events_watch **pp = w->et ? &w->et->watches : &w->pn->watches;

        for (; *pp; pp = &(*pp)->next)
                if (*pp == w) {
                        *pp = w->next;
                        break;
                }
        watch_free(w);
}

static void policy_recheck_tasks(struct agent *a, const char *policy)
{
        for (struct task *t = a->tasks; t; t = t->next) {
                if (t->state != TASK_RUNNING || !t->events || !streq(t->policy->name, policy))
                        continue;
                for (struct events_watch *w = t->events->watches; w; w = w->next)
                        if (w->kind == WATCH_OOM_V1 || w->kind == WATCH_OOM_V2) {
                                oom_check(a, w, false);
                                break;
                        }
        }
}

/* v1 signals the eventfd when the cgroup enters OOM, before the victim is chosen: oom_kill is often still the
 * old value then. The counter is read again 10, 30, 70, ... 2550 ms after (delays doubling from 10 ms); a
 * timerfd exists only while such re-reads are due. */
#define OOM_RECHECKS        8
#define OOM_RECHECK_BASE_US 10000ull

static int on_oom_recheck(struct loop_source *s, int fd, uint32_t events, void *userdata);

static void oom_arm_recheck(struct events_watch *w)
{
        uint64_t us = OOM_RECHECK_BASE_US << w->rechecks;
        struct itimerspec its = { .it_value = { .tv_sec = (time_t)(us / 1000000),
                                                .tv_nsec = (long)(us % 1000000) * 1000 } };
        int fd;

        if (!w->recheck_src) {
                fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
                if (fd < 0)
                        return;
                if (loop_add_fd(w->agent->loop, fd, EPOLLIN, true, on_oom_recheck, w, &w->recheck_src) < 0) {
                        close(fd);
                        return;
                }
        }
        timerfd_settime(loop_source_fd(w->recheck_src), 0, &its, NULL);
}

static int on_oom_recheck(struct loop_source *s, int fd, uint32_t events, void *userdata)
{
        struct events_watch *w = userdata;
        uint64_t v;

        if (read(fd, &v, sizeof(v)) < 0 && errno == EAGAIN)
                return 0;
        if (++w->rechecks < OOM_RECHECKS) {
                oom_arm_recheck(w);
        } else {
                loop_source_remove(w->recheck_src);
                w->recheck_src = NULL;
        }
        if (oom_check(w->agent, w, w->rechecks >= OOM_RECHECKS) < 0) {
                watch_unlink(w);
                return 0;
        }
        if (!w->et)
                policy_recheck_tasks(w->agent, w->pn->policy);
        return 0;
}

static int on_oom(struct loop_source *s, int fd, uint32_t events, void *userdata)
{
        struct events_watch *w = userdata;
        struct agent *a = w->agent;
        uint64_t v;
        int r;

        if (w->kind == WATCH_OOM_V1 && read(fd, &v, sizeof(v)) < 0 && errno == EAGAIN)
                return 0;
        /* a sequence already running goes on: frequent wake-ups (v2 "max" and "high") must not defer settling
         */
        if (!w->recheck_src) {
                w->rechecks = 0;
                oom_arm_recheck(w);
        }
        r = oom_check(a, w, false);
        if (r < 0) {
                /* the cgroup is gone (rmdir also wakes the eventfd): stop watching it, no spin */
                log_debug("events: %s: counters unreadable (%s): watcher dropped", watch_policy(w),
                          strerror(-r));
                watch_unlink(w);
                return 0;
        }
        if (!w->et)
                policy_recheck_tasks(a, w->pn->policy);
        return 0;
}

static int register_v1_event(int dirfd, const char *file, const char *args, int *ret_efd)
{
        _cleanup_close_ int efd = -1, cfd = -1;
        char line[128];

        efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (efd < 0)
                return -errno;
        cfd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
        if (cfd < 0)
                return -errno;
        snprintf(line, sizeof(line), "%d %d%s%s", efd, cfd, args ? " " : "", args ? args : "");
        /* the kernel keeps its own reference: cfd can be closed once registered */
        int r = write_file_at(dirfd, "cgroup.event_control", line);
        if (r < 0)
                return r;
        *ret_efd = TAKE_FD(efd);
        return 0;
}

static struct events_watch *watch_new(struct agent *a, struct events_task *et, struct events_pnode *pn,
                                      enum events_watch_kind kind, struct cg_node *node)
{
        struct events_watch *w = calloc(1, sizeof(*w));

        if (!w)
                return NULL;
        *w = (struct events_watch){ .agent = a, .et = et, .pn = pn, .kind = kind, .node = node };
        return w;
}

static void watch_link(struct events_watch *w)
{
        struct events_watch **list = w->et ? &w->et->watches : &w->pn->watches;

        w->next = *list;
        *list = w;
}

/* baseline: count from zero (a new cgroup) or from what the counters say now (adopted: not new). */
static int oom_watch(struct agent *a, struct events_task *et, struct events_pnode *pn, struct cg_node *node,
                     bool baseline_now)
{
        bool v2 = a->cg->mode == CG_MODE_V2;
        _cleanup_close_ int dirfd = memory_dirfd(a, node), fd = -1;
        struct events_watch *w;
        int r;

        if (dirfd == -EOPNOTSUPP)
                return 0; /* no memory controller here: nothing to watch */
        if (dirfd < 0)
                return dirfd;
        w = watch_new(a, et, pn, v2 ? WATCH_OOM_V2 : WATCH_OOM_V1, node);
        if (!w)
                return -ENOMEM;
        if (v2) {
                fd = openat(dirfd, "memory.events", O_RDONLY | O_CLOEXEC);
                r = fd < 0 ? (errno == ENOENT ? 0 : -errno) : 1;
        } else {
                r = register_v1_event(dirfd, "memory.oom_control", NULL, &fd);
                r = r < 0 ? r : 1;
        }
        if (r <= 0) { /* 0: no memory.events here, nothing to watch */
                watch_free(w);
                return r;
        }
        if (baseline_now && oom_read(w, &w->last) == 0)
                w->settled = w->last;
        r = loop_add_fd(a->loop, fd, v2 ? EPOLLPRI : EPOLLIN, true, on_oom, w, &w->src);
        if (r < 0) {
                watch_free(w);
                return r;
        }
        TAKE_FD(fd);
        watch_link(w);
        /* a kill between the launch and now is in the counter already */
        if (!baseline_now)
                oom_check(a, w, false);
        return 0;
}

/* ---- Pressure ---- */

static void pressure_emit(struct events_watch *w)
{
        struct event e = { .kind = EVENT_PRESSURE,
                           .resource = w->trig.resource,
                           .full = w->trig.full,
                           .action = w->trig.action };

        if (w->kind == WATCH_LEVEL_V1)
                snprintf(e.detail, sizeof(e.detail), "memory.pressure_level %s",
                         events_pressure_level(w->trig.full));
        else
                snprintf(e.detail, sizeof(e.detail), "%s stall %llu us within %llu us (policy line %u)",
                         psi_resource_name(w->trig.resource), (unsigned long long)w->trig.stall_us,
                         (unsigned long long)w->trig.window_us, w->trig.line);
        events_emit(w->agent, w->et ? w->et->t : NULL, watch_policy(w), &e);
}

static int on_pressure(struct loop_source *s, int fd, uint32_t events, void *userdata)
{
        struct events_watch *w = userdata;

        if (w->kind == WATCH_LEVEL_V1) {
                uint64_t v, now = now_monotonic_ns();

                if (read(fd, &v, sizeof(v)) < 0)
                        return errno == EAGAIN ? 0 : -errno;
                _cleanup_close_ int dirfd = memory_dirfd(w->agent, w->node);

                if (dirfd < 0 || faccessat(dirfd, "memory.pressure_level", F_OK, 0) < 0) {
                        watch_unlink(w);
                        return 0;
                }
                /* the kernel's levels come in bursts: one event per window, as PSI triggers do */
                if (w->last_fired_ns && now - w->last_fired_ns < w->trig.window_us * 1000)
                        return 0;
                w->last_fired_ns = now;
                pressure_emit(w);
                return 0;
        }
        /* a PSI fd says POLLERR once its cgroup is gone, and keeps saying it: drop the watcher */
        if (events & (EPOLLERR | EPOLLHUP)) {
                log_debug("events: %s: pressure watcher's cgroup is gone: dropped", watch_policy(w));
                watch_unlink(w);
                return 0;
        }
        if (events & EPOLLPRI)
                pressure_emit(w);
        return 0;
}

static void log_rounding_once(struct events *ev, const struct policy *p, const struct policy_trigger *tr,
                              uint64_t window)
{
        char(*n)[POLICY_NAME_MAX];

        for (size_t i = 0; i < ev->n_rounded_logged; i++)
                if (streq(ev->rounded_logged[i], p->name))
                        return;
        n = realloc(ev->rounded_logged, (ev->n_rounded_logged + 1) * sizeof(*n));
        if (n) {
                ev->rounded_logged = n;
                snprintf(n[ev->n_rounded_logged++], POLICY_NAME_MAX, "%s", p->name);
        }
        log_warning(
            "policy %s (%s:%u): the agent lacks CAP_SYS_RESOURCE, so the kernel only accepts PSI windows "
            "that are a multiple of 2 s: window %llu ms rounded up to %llu ms",
            p->name, p->file, tr->line, (unsigned long long)tr->window_us / 1000,
            (unsigned long long)window / 1000);
}

static int psi_open(struct agent *a, const struct policy *p, const struct policy_trigger *tr, int dirfd,
                    int *ret_fd)
{
        static const char *const files[] = {
                [PSI_CPU] = "cpu.pressure", [PSI_MEMORY] = "memory.pressure", [PSI_IO] = "io.pressure"
        };
        uint64_t window = events_psi_window(tr->window_us, a->events->cap_sys_resource);
        _cleanup_close_ int fd = -1;
        char line[64];
        int r;

        if (window != tr->window_us)
                log_rounding_once(a->events, p, tr, window);
        r = events_psi_trigger_string(tr, window, line, sizeof(line));
        if (r < 0)
                return r;
        fd = openat(dirfd, files[tr->resource], O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* one write with the terminating NUL, as Documentation/accounting/psi.rst does */
        if (write(fd, line, strlen(line) + 1) < 0)
                return -errno;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int pressure_watch(struct agent *a, struct events_task *et, struct events_pnode *pn,
                          const struct policy *p, struct cg_node *node)
{
        for (size_t i = 0; i < p->n_triggers; i++) {
                const struct policy_trigger *tr = &p->triggers[i];
                bool v1 = node->unified_fd < 0;
                _cleanup_close_ int v1dir = -1;
                struct events_watch *w;
                int dirfd, fd = -1, r;

                if (v1 && tr->resource != PSI_MEMORY) {
                        log_error("policy %s (%s:%u): %s pressure cannot be watched on a pure cgroup v1 host "
                                  "(no PSI; only memory has memory.pressure_level)",
                                  p->name, p->file, tr->line, psi_resource_name(tr->resource));
                        return -EOPNOTSUPP;
                }
                dirfd = v1 ? (v1dir = memory_dirfd(a, node)) : node->unified_fd;
                if (dirfd < 0)
                        return dirfd;
                w = watch_new(a, et, pn, v1 ? WATCH_LEVEL_V1 : WATCH_PSI, node);
                if (!w)
                        return -ENOMEM;
                r = v1 ? register_v1_event(dirfd, "memory.pressure_level", events_pressure_level(tr->full),
                                           &fd)
                       : psi_open(a, p, tr, dirfd, &fd);
                if (r < 0) {
                        log_error("policy %s (%s:%u): cannot set the %s pressure trigger: %s", p->name,
                                  p->file, tr->line, psi_resource_name(tr->resource), strerror(-r));
                        watch_free(w);
                        return r;
                }
                w->trig = *tr;
                r = loop_add_fd(a->loop, fd, v1 ? EPOLLIN : EPOLLPRI, true, on_pressure, w, &w->src);
                if (r < 0) {
                        close(fd);
                        watch_free(w);
                        return r;
                }
                watch_link(w);
        }
        return 0;
}

/* scope = policy: the policy's cgroup is watched once, when its first task starts. */
static int policy_watch(struct agent *a, const struct policy *p, bool adopted)
{
        struct events *ev = ev_of(a);
        struct policy_node *node;
        struct events_pnode *pn;
        int r;

        for (pn = ev->pnodes; pn; pn = pn->next)
                if (streq(pn->policy, p->name))
                        return 0;
        for (node = a->policy_nodes; node; node = node->next)
                if (streq(node->name, p->name))
                        break;
        if (!node)
                return 0;
        pn = calloc(1, sizeof(*pn));
        if (!pn)
                return -ENOMEM;
        snprintf(pn->policy, sizeof(pn->policy), "%s", p->name);
        pn->next = ev->pnodes;
        ev->pnodes = pn;
        r = oom_watch(a, NULL, pn, node->node, true);
        if (r < 0)
                return r;
        (void)adopted;
        return pressure_watch(a, NULL, pn, p, node->node);
}

static int task_watch_all(struct agent *a, struct task *t, bool adopted)
{
        struct events_task *et;
        int r;

        if (!a->events || t->events || !t->node)
                return 0;
        et = calloc(1, sizeof(*et));
        if (!et)
                return -ENOMEM;
        et->t = t;
        t->events = et;
        r = oom_watch(a, et, NULL, t->node, adopted);
        if (r < 0)
                goto fail;
        if (t->policy->scope == POLICY_SCOPE_POLICY)
                r = policy_watch(a, t->policy, adopted);
        else
                r = pressure_watch(a, et, NULL, t->policy, t->node);
        if (r < 0)
                goto fail;
        return 0;
fail:
        watches_free(&et->watches);
        free(et);
        t->events = NULL;
        return r;
}

int events_task_started(struct agent *a, struct task *t)
{
        return task_watch_all(a, t, false);
}

int events_task_adopted(struct agent *a, struct task *t)
{
        return task_watch_all(a, t, true);
}

void events_task_ended(struct agent *a, struct task *t)
{
        struct events_task *et = t->events;

        if (!et)
                return;
        /* the eventfd often comes ~0.1 s after the kill, later than the end of the task: read the counters
         * now */
        for (struct events_watch *w = et->watches; w && t->events; w = w->next)
                if (w->kind == WATCH_OOM_V1 || w->kind == WATCH_OOM_V2) {
                        oom_check(a, w, true);
                        break;
                }
        et = t->events;
        if (!et)
                return;
        t->events = NULL;
        watches_free(&et->watches);
        if (et->restart_wanted)
                events_schedule_restart(a, t, et->restarts);
        free(et);
}
