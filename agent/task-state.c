/* What survives an agent restart: a small start record per running task, and re-adoption from the subtree. */
#include <fcntl.h>
#include <json-c/json.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "agent.h"
#include "events.h"
#include "log.h"
#include "task-internal.h"

#define TASK_STATE_MAX (1 << 20)

static int task_state_path(struct agent *a, const char *id, char **ret)
{
        return asprintf(ret, "%s/tasks/%s.json", a->cfg.state_dir, id) < 0 ? -ENOMEM : 0;
}

static int mkdir_state(struct agent *a)
{
        _cleanup_free_ char *dir = NULL;

        if (mkdir(a->cfg.state_dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        if (asprintf(&dir, "%s/tasks", a->cfg.state_dir) < 0)
                return -ENOMEM;
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

/* write to a temporary file, fsync, rename: a crash leaves the old record or the new one, never half */
static int write_atomic(const char *path, const char *text)
{
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -1;
        size_t len = strlen(text);

        if (asprintf(&tmp, "%s.tmp", path) < 0)
                return -ENOMEM;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        if (write(fd, text, len) != (ssize_t)len || fsync(fd) < 0) {
                int r = errno ? -errno : -EIO;

                unlink(tmp);
                return r;
        }
        if (rename(tmp, path) < 0) {
                int r = -errno;

                unlink(tmp);
                return r;
        }
        return 0;
}

int task_state_save(struct agent *a, const struct task *t)
{
        _cleanup_free_ char *path = NULL;
        struct json_object *o, *argv;
        int r;

        r = mkdir_state(a);
        if (r < 0)
                return r;
        r = task_state_path(a, t->id, &path);
        if (r < 0)
                return r;
        o = json_object_new_object();
        argv = json_object_new_array();
        if (!o || !argv) {
                json_object_put(o);
                json_object_put(argv);
                return -ENOMEM;
        }
        for (char **p = t->argv; *p; p++)
                json_object_array_add(argv, json_object_new_string(*p));
        json_object_object_add(o, "id", json_object_new_string(t->id));
        json_object_object_add(o, "name", json_object_new_string(t->name));
        json_object_object_add(o, "policy", json_object_new_string(t->policy->name));
        json_object_object_add(o, "tenant", json_object_new_string(t->tenant));
        json_object_object_add(o, "argv", argv);
        json_object_object_add(o, "pid", json_object_new_int64(t->pid));
        json_object_object_add(o, "pid_starttime", json_object_new_uint64(t->pid_starttime));
        json_object_object_add(o, "start_ns", json_object_new_uint64(t->start_ns));
        json_object_object_add(o, "frozen", json_object_new_boolean(t->frozen));
        json_object_object_add(o, "frozen_since_ns", json_object_new_uint64(t->frozen_since_ns));
        json_object_object_add(o, "frozen_total_ns", json_object_new_uint64(t->frozen_total_ns));
        r = write_atomic(path, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        json_object_put(o);
        return r;
}

static const char *jget_str(struct json_object *o, const char *key)
{
        struct json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static int task_state_parse(struct json_object *o, struct task *t)
{
        struct json_object *v, *argv;
        const char *name = jget_str(o, "name"), *tenant = jget_str(o, "tenant");
        size_t n;

        if (name && name_is_valid(name))
                strcpy(t->name, name);
        if (tenant && name_is_valid(tenant))
                strcpy(t->tenant, tenant);
        if (json_object_object_get_ex(o, "pid", &v))
                t->pid = (pid_t)json_object_get_int64(v);
        if (json_object_object_get_ex(o, "pid_starttime", &v))
                t->pid_starttime = json_object_get_uint64(v);
        if (json_object_object_get_ex(o, "start_ns", &v))
                t->start_ns = json_object_get_uint64(v);
        if (json_object_object_get_ex(o, "frozen_since_ns", &v))
                t->frozen_since_ns = json_object_get_uint64(v);
        if (json_object_object_get_ex(o, "frozen_total_ns", &v))
                t->frozen_total_ns = json_object_get_uint64(v);
        if (!json_object_object_get_ex(o, "argv", &argv) || !json_object_is_type(argv, json_type_array))
                return -EINVAL;
        n = json_object_array_length(argv);
        if (n == 0 || n > TASK_MAX_ARGS)
                return -EINVAL;
        t->argv = calloc(n + 1, sizeof(char *));
        if (!t->argv)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                t->argv[i] = strdup(json_object_get_string(json_object_array_get_idx(argv, i)) ?: "");
                if (!t->argv[i])
                        return -ENOMEM;
        }
        return 0;
}

int task_state_load(struct agent *a, const char *id, struct task *t)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        struct json_object *o;
        int r;

        r = task_state_path(a, id, &path);
        if (r < 0)
                return r;
        r = read_file_at(AT_FDCWD, path, TASK_STATE_MAX, &text, NULL);
        if (r < 0)
                return r;
        o = json_tokener_parse(text);
        if (!o)
                return -EINVAL;
        r = task_state_parse(o, t);
        json_object_put(o);
        return r;
}

void task_state_remove(struct agent *a, const struct task *t)
{
        _cleanup_free_ char *path = NULL;

        if (task_state_path(a, t->id, &path) == 0 && unlink(path) < 0 && errno != ENOENT)
                log_warning("task %s: cannot remove %s: %s", t->id, path, strerror(errno));
}

static int adopt_policy_node(struct agent *a, const char *policy)
{
        const struct policy *p = policy_set_find(&a->policies, policy);
        struct policy_node *pn = calloc(1, sizeof(*pn));
        int r;

        if (!pn)
                return -ENOMEM;
        strcpy(pn->name, policy);
        r = cg_node_open(a->cg, policy, NULL, &pn->node);
        if (r < 0) {
                free(pn);
                return log_warning_errno(r, "cannot open the cgroup of policy %s", policy);
        }
        /* its limits were written by the agent before; they stay, and live updates start from them */
        if (p && p->scope == POLICY_SCOPE_POLICY) {
                pn->applied = *p;
                pn->limits = true;
        }
        pn->next = a->policy_nodes;
        a->policy_nodes = pn;
        return 0;
}

/* The start record's pid is the task's main process only if it is the same process (pid and start time). */
static void adopt_identity(struct task *t)
{
        uint64_t st;
        int fd;

        if (t->pid <= 0 || proc_stat(t->pid, NULL, &st) < 0 || st != t->pid_starttime) {
                t->pid = 0;
                return;
        }
        fd = (int)syscall(SYS_pidfd_open, t->pid, 0);
        if (fd < 0) {
                t->pid = 0;
                return;
        }
        t->pidfd = fd;
}

/* Byte-seconds integrated before the restart come from the last checkpoint; the gap since then is counted at
 * the usage seen now (the best estimate there is: nothing sampled the task meanwhile). */
static void adopt_usage(struct agent *a, struct task *t)
{
        struct ledger_record cp;
        struct collector_target ct;
        struct cg_sample s = { 0 };
        uint64_t now = now_realtime_ns(), mono = now_monotonic_ns(), since;

        if (ledger_get_checkpoint(a->ledger, t->id, &cp) <= 0) /* 0: no checkpoint, cp is not filled */
                return;
        t->mem_byte_seconds = (double)cp.memory_byte_seconds;
        since = cp.end_ns > t->start_ns ? cp.end_ns : t->start_ns;
        collector_target_below(&a->collector_roots, t->node->path, &ct);
        if (now > since && collector_memory.collect(&ct, &s) == 0 && (s.have & CG_HAVE_MEM_USAGE) &&
            now - since < mono) {
                t->mem_last_usage = s.memory.usage;
                t->mem_last_ns = mono - (now - since);
        }
}

static int adopt_task(struct agent *a, const char *policy, const char *id)
{
        const struct policy *p = policy_set_find(&a->policies, policy);
        struct task *t;
        int r;

        if (strlen(id) != TASK_ID_LEN - 1)
                return 0; /* not a task cgroup of ours */
        t = task_alloc();
        if (!t)
                return -ENOMEM;
        strcpy(t->id, id);
        t->adopted = true;
        if (p)
                t->policy = task_policy_share(a, p);
        else {
                struct policy gone;

                policy_init(&gone, policy);
                t->policy = policy_share(&gone);
                log_warning("task %s: policy %s no longer exists; the limits in its cgroup stay", id, policy);
        }
        if (!t->policy) {
                task_free(t);
                return -ENOMEM;
        }
        strcpy(t->name, id);
        strcpy(t->tenant, t->policy->tenant);
        r = task_state_load(a, id, t);
        if (r < 0) {
                log_warning_errno(r, "task %s: no usable start record", id);
                if (!t->argv && !(t->argv = calloc(2, sizeof(char *))))
                        goto fail;
                if (!t->argv[0] && !(t->argv[0] = strdup("?")))
                        goto fail;
        }
        r = cg_node_open(a->cg, policy, id, &t->node);
        if (r < 0) {
                log_warning_errno(r, "task %s: cannot open its cgroup", id);
                task_free(t);
                return 0;
        }
        adopt_identity(t);
        adopt_usage(a, t);
        /* the kernel's word, not the record's: frozen before the restart is still frozen */
        t->frozen = cg_node_frozen(a->cg, t->node) == 1;
        if (t->frozen && t->frozen_since_ns == 0)
                t->frozen_since_ns = now_realtime_ns();
        t->agent = a;
        t->next = a->tasks;
        a->tasks = t;
        a->n_running++;
        if (cg_node_populated(a->cg, t->node) == 0) {
                t->exited = true;
                log_info("task %s (%s) ended while the agent was down: finalizing", t->id, t->name);
                task_finalize(a, t);
                return 0;
        }
        task_perf_open(a, t);
        r = task_watch(a, t);
        if (r < 0)
                return log_error_errno(r, "task %s: cannot watch it", id);
        /* it may have emptied between the check above and the watch */
        if (cg_node_populated(a->cg, t->node) == 0) {
                t->exited = true;
                task_finalize(a, t);
                return 0;
        }
        r = events_task_adopted(a, t);
        if (r < 0)
                log_warning_errno(r, "task %s: cannot watch its OOM and pressure events", id);
        log_info("task %s (%s) re-adopted: policy %s, pid %d", t->id, t->name, policy, (int)t->pid);
        return 0;
fail:
        task_free(t);
        return -ENOMEM;
}

static int adopt_one(void *userdata, const char *policy, const char *task)
{
        struct agent *a = userdata;

        return task ? adopt_task(a, policy, task) : adopt_policy_node(a, policy);
}

int task_adopt_all(struct agent *a)
{
        return cg_list_nodes(a->cg, adopt_one, a);
}

static bool policy_limits_equal(const struct policy *x, const struct policy *y)
{
        return memcmp(x, y, sizeof(*x)) == 0;
}

/* true when next's limits were written (then next is the policy in force for node) */
static bool update_node(struct agent *a, struct cg_node *node, const struct policy *applied,
                        const struct policy *next, const char *what, struct diag_list *diag)
{
        struct cg_error err = { 0 };
        int r;

        if (policy_limits_equal(applied, next))
                return false;
        if (applied->scope != next->scope) {
                diag_add(diag, next->file, 0, "%s: scope changed: applies to tasks started from now on",
                         what);
                return false;
        }
        r = cg_update(a->cg, node, applied, next, &err);
        if (r < 0) {
                diag_add(diag, next->file, 0, "%s keeps its previous limits: %s%s%s", what, err.file,
                         err.file[0] ? ": " : "", err.msg[0] ? err.msg : strerror(-r));
                return false;
        }
        log_info("%s: limits of policy %s updated live", what, next->name);
        return true;
}

/* Swap t's policy for (a shared copy of) p; on allocation failure it keeps the one it has. */
static void task_policy_swap(struct agent *a, struct task *t, const struct policy *p)
{
        const struct policy *next = task_policy_share(a, p);

        if (!next) {
                log_warning("task %s: out of memory: the policy in force stays", t->id);
                return;
        }
        policy_unref(t->policy);
        t->policy = next;
}

void task_update_policies(struct agent *a, struct diag_list *diag)
{
        char what[160];

        for (struct policy_node *pn = a->policy_nodes; pn; pn = pn->next) {
                const struct policy *p = policy_set_find(&a->policies, pn->name);

                if (p && pn->limits) {
                        snprintf(what, sizeof(what), "policy %s", pn->name);
                        if (update_node(a, pn->node, &pn->applied, p, what, diag))
                                pn->applied = *p;
                }
        }
        for (struct task *t = a->tasks; t; t = t->next) {
                const struct policy *p;

                if (t->state != TASK_RUNNING)
                        continue;
                p = policy_set_find(&a->policies, t->policy->name);
                if (!p) {
                        log_warning("task %s: policy %s was removed; the task keeps its limits", t->id,
                                    t->policy->name);
                        continue;
                }
                if (t->policy->scope == POLICY_SCOPE_POLICY || p->scope == POLICY_SCOPE_POLICY) {
                        task_policy_swap(a, t, p);
                        continue;
                }
                snprintf(what, sizeof(what), "task %s", t->id);
                if (update_node(a, t->node, t->policy, p, what, diag))
                        task_policy_swap(a, t, p);
        }
}
