/* The agent's life: start (cgroups, collectors, adoption, tick), reload, stop. */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#include "agent.h"
#include "events.h"
#include "log.h"
#include "scrape.h"

int agent_reload(struct agent *a, struct diag_list *diag, struct diag_list *warnings)
{
        struct policy_set next = { 0 };
        struct diag_list w = { 0 };
        int r;

        r = policy_set_load(a->cfg.policy_dir, policy_host_system(), &next, diag);
        if (r < 0) {
                a->reloads_failed++;
                for (size_t i = 0; i < diag->n; i++)
                        log_error("%s", diag->msgs[i]);
                log_error("reload refused: the previous %zu policies stay in force", a->policies.n);
                return r;
        }
        task_policies_unshare(a);
        policy_set_free(&a->policies);
        a->policies = next;
        a->policies_builtin = next.n == 1 && streq(next.items[0].file, "<builtin>");
        a->reloads_ok++;
        if (a->cg)
                task_update_policies(a, &w);
        for (size_t i = 0; i < w.n; i++)
                log_warning("%s", w.msgs[i]);
        log_info("reload done: %zu policies in force", a->policies.n);
        if (warnings)
                diag_merge(warnings, &w);
        diag_clear(&w);
        return 0;
}

static void probe_collectors(struct agent *a)
{
        struct collector_target ex;
        const struct cg_host *h = a->cg;

        /* the agent's own subtree root has the files every cgroup of this host has */
        collector_target_init(&ex);
        ex.v2 = h->mode == CG_MODE_V2;
        for (size_t i = 0; i < h->n_v1 && !ex.v2; i++) {
                unsigned m = h->v1[i].mask;

                if (m & CG_MASK(CG_CPU))
                        ex.fd[COLLECTOR_SOURCE_CPU] = h->v1[i].root_fd;
                if (m & CG_MASK(CG_CPUACCT))
                        ex.fd[COLLECTOR_SOURCE_CPUACCT] = h->v1[i].root_fd;
                if (m & CG_MASK(CG_MEMORY))
                        ex.fd[COLLECTOR_SOURCE_MEMORY] = h->v1[i].root_fd;
                if (m & CG_MASK(CG_BLKIO))
                        ex.fd[COLLECTOR_SOURCE_BLKIO] = h->v1[i].root_fd;
                if (m & CG_MASK(CG_PIDS))
                        ex.fd[COLLECTOR_SOURCE_PIDS] = h->v1[i].root_fd;
        }
        ex.fd[COLLECTOR_SOURCE_UNIFIED] = h->unified.root_fd;
        a->collector_roots = ex;
        a->collectors_enabled = 0;
        for (size_t i = 0; collector_registry[i]; i++) {
                char why[256] = "";
                int r = collector_registry[i]->probe(&ex, why, sizeof(why));

                if (r > 0)
                        a->collectors_enabled |= UINT32_C(1) << i;
                else if (r == 0)
                        log_warning("collector %s: not available on this host: %s",
                                    collector_registry[i]->name, why);
                else
                        log_warning_errno(r, "collector %s: probe failed", collector_registry[i]->name);
        }
}

static int on_tick(struct loop_source *s, int fd, uint32_t events, void *userdata)
{
        struct agent *a = userdata;

        task_tick(a);
        if (a->http)
                http_server_restore_socket(a->http, &a->cfg);
        return 0;
}

/* Hold as many tasks as the hard open-file limit allows; tasks get the limit the agent was started with. */
static void raise_nofile(struct agent *a)
{
        struct rlimit r;

        if (getrlimit(RLIMIT_NOFILE, &a->nofile_orig) < 0)
                return;
        r = a->nofile_orig;
        if (r.rlim_cur < r.rlim_max) {
                r.rlim_cur = r.rlim_max;
                if (setrlimit(RLIMIT_NOFILE, &r) < 0)
                        r = a->nofile_orig;
        }
        a->nofile_limit = r.rlim_cur;
        a->fd_task_cap =
            r.rlim_cur > FDS_RESERVED + FDS_PER_TASK ? (r.rlim_cur - FDS_RESERVED) / FDS_PER_TASK : 1;
        if (a->fd_task_cap < a->cfg.max_tasks)
                log_warning("the open-file limit (%llu) allows about %llu running tasks, fewer than "
                            "max_tasks = %llu: "
                            "raise LimitNOFILE (systemd) or ulimit -n",
                            (unsigned long long)r.rlim_cur, (unsigned long long)a->fd_task_cap,
                            (unsigned long long)a->cfg.max_tasks);
}

/* A POSIX record lock, not flock(): it belongs to the process, so no child inherits it (not even one between
 * clone and exec) and it goes the moment the agent dies, however it dies: a restart is never refused by a
 * dead agent's lock. The fd stays open for the agent's life (closing any fd of the file would drop it). */
int agent_lock(struct agent *a)
{
        struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
        char path[PATH_MAX];
        _cleanup_close_ int fd = -1;

        if ((size_t)snprintf(path, sizeof(path), "%s/cgmeterd.lock", a->cfg.state_dir) >= sizeof(path))
                return log_error_errno(-ENAMETOOLONG, "state directory %s", a->cfg.state_dir);
        if (mkdir(a->cfg.state_dir, 0755) < 0 && errno != EEXIST)
                return log_error_errno(-errno, "cannot create the state directory %s", a->cfg.state_dir);
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return log_error_errno(-errno, "cannot open %s", path);
        if (fcntl(fd, F_SETLK, &fl) < 0) {
                if (errno != EACCES && errno != EAGAIN)
                        return log_error_errno(-errno, "cannot lock %s", path);
                fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET };
                if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
                        log_error("another cgmeterd (pid %d) is running with the state directory %s",
                                  (int)fl.l_pid, a->cfg.state_dir);
                else
                        log_error("another cgmeterd is running with the state directory %s",
                                  a->cfg.state_dir);
                return -EBUSY;
        }
        a->lock_fd = TAKE_FD(fd);
        return 0;
}

int agent_start(struct agent *a)
{
        char err[512] = "";
        int r;

        raise_nofile(a);
        r = ledger_open(a->cfg.state_dir, &a->ledger, err, sizeof(err));
        if (r < 0) {
                log_error("cannot open the usage ledger in %s: %s", a->cfg.state_dir,
                          err[0] ? err : strerror(-r));
                return r;
        }

        r = cg_host_open(a->cfg.cgroup_root, a->cfg.mount_controllers, &a->cg);
        if (r < 0)
                return log_error_errno(r,
                                       "cannot set up the cgroup subtree '%s' below the agent's own cgroup",
                                       a->cfg.cgroup_root);
        log_info("cgroup mode %s%s%s", cg_mode_name(a->cg->mode),
                 a->cg->unified.mount[0] ? ", unified tree at " : "", a->cg->unified.mount);
        for (size_t i = 0; i < a->cg->n_v1; i++) {
                char names[128] = "";

                for (int c = 0; c < CG_CONTROLLER_MAX; c++)
                        if (a->cg->v1[i].mask & CG_MASK(c))
                                snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
                                         names[0] ? "," : "",
                                         cg_controller_name((enum cg_controller)c, false));
                log_info("cgroup v1 %s at %s, agent in %s", names, a->cg->v1[i].mount, a->cg->v1[i].own);
        }
        if (a->cg->unified.mount[0])
                log_info("cgroup2 at %s, agent in %s", a->cg->unified.mount, a->cg->unified.own);
        probe_collectors(a);
        r = events_new(a);
        if (r < 0)
                return log_error_errno(r, "cannot start the events module");
        r = task_adopt_all(a);
        if (r < 0)
                log_warning_errno(r, "re-adopting tasks stopped early");
        r = loop_add_timer(a->loop, a->cfg.sample_interval_us, on_tick, a, &a->tick);
        if (r < 0)
                return log_error_errno(r, "cannot start the agent's timer");
        a->started = true;
        return 0;
}

void agent_stop(struct agent *a)
{
        /* A start that failed half-way is not a stop: the re-adopted tasks stay for the next agent. */
        if (a->cfg.kill_tasks_on_stop && a->cg && a->started) {
                task_kill_all(a);
        } else if (a->n_running > 0) {
                log_info("%zu task(s) keep running; a restarted agent re-adopts them", a->n_running);
        }
        scrape_free(a); /* its workers read the tasks' cgroups: before they go */
        loop_source_remove(a->tick);
        a->tick = NULL;
        events_free(a);
        task_watch_close(a);
        task_free_all(a);
        a->cg = cg_host_free(a->cg);
        ledger_close(a->ledger);
        a->ledger = NULL;
        if (a->lock_fd >= 0)
                close(a->lock_fd);
        a->lock_fd = -1;
}
