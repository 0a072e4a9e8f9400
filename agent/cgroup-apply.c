/* Applying a policy: the backend's check and plan, the files checked before any write, the usage refusal,
 * then the writes in order with the earlier ones restored when one fails. */
#include "cgroup-internal.h"

#include <fcntl.h>

#define SMALL_FILE_MAX (64 * 1024)

static const char *write_file_name(int fd, const struct cg_write *w)
{
        if (faccessat(fd, w->file, F_OK, 0) == 0)
                return w->file;
        if (w->alt && faccessat(fd, w->alt, F_OK, 0) == 0)
                return w->alt;
        return NULL;
}

static int check_list(const struct cg_host *h, const struct cg_node *n, const struct cg_write_list *l,
                      struct cg_error *err)
{
        for (size_t i = 0; i < l->n; i++) {
                const struct cg_write *w = &l->w[i];
                _cleanup_close_ int fd = cg_node_dirfd(h, n, w->ctrl);

                if (fd == -ENOENT)
                        return cg_error_set(err, w->file, fd, "the task's cgroup is gone");
                if (fd < 0)
                        return cg_error_set(err, w->file, -EOPNOTSUPP,
                                            "the %s controller is not available to the agent on this %s host",
                                            cg_controller_name(w->ctrl, h->mode == CG_MODE_V2),
                                            cg_mode_name(h->mode));
                if (!write_file_name(fd, w))
                        return cg_error_set(err, w->file, -EOPNOTSUPP, "not supported by this kernel");
        }
        return 0;
}

static int check_usage(const struct cg_host *h, const struct cg_node *n, const struct cg_ops *ops,
                       uint64_t limit, struct cg_error *err)
{
        _cleanup_free_ char *buf = NULL;
        char ls[32], us[32];
        uint64_t usage;
        _cleanup_close_ int fd = cg_node_dirfd(h, n, CG_MEMORY);
        int r;

        if (fd < 0)
                return 0; /* check_list() reports the missing controller */
        r = read_file_at(fd, ops->usage_file, SMALL_FILE_MAX, &buf, NULL);
        if (r < 0)
                return cg_error_set(err, ops->usage_file, r, "cannot read the memory usage: %s",
                                    strerror(-r));
        r = parse_u64(strstrip(buf), &usage);
        if (r < 0)
                return cg_error_set(err, ops->usage_file, -EIO, "unexpected content \"%s\"", buf);
        if (limit >= usage)
                return 0;
        (void)cg_format_size(limit, ls, sizeof(ls));
        (void)cg_format_size(usage, us, sizeof(us));
        return cg_error_set(err, ops->usage_file, -EBUSY, "memory.limit %s is below current usage %s", ls,
                            us);
}

static int do_write(const struct cg_host *h, const struct cg_node *n, const struct cg_write *w,
                    const char *value)
{
        _cleanup_close_ int fd = cg_node_dirfd(h, n, w->ctrl);
        _cleanup_free_ char *parent = NULL;
        _cleanup_close_ int pfd = -1;
        const char *file;
        int r;

        if (fd < 0)
                return fd;
        file = write_file_name(fd, w);
        if (!file)
                return -ENOENT;
        if (streq(value, CG_FROM_PARENT)) {
                pfd = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (pfd < 0)
                        return -errno;
                r = read_file_at(pfd, file, SMALL_FILE_MAX, &parent, NULL);
                if (r < 0)
                        return r;
                value = strstrip(parent);
        }
        return cg_write_file_at(fd, file, value);
}

/* Write l->w[0..upto) back to their restore values, last first. */
static void rollback(const struct cg_host *h, const struct cg_node *n, const struct cg_write_list *l,
                     size_t upto)
{
        while (upto-- > 0)
                if (l->w[upto].restore)
                        (void)do_write(h, n, &l->w[upto], l->w[upto].restore);
}

static int run_list(const struct cg_host *h, const struct cg_node *n, const struct cg_write_list *l,
                    struct cg_error *err, bool undo)
{
        for (size_t i = 0; i < l->n; i++) {
                int r = do_write(h, n, &l->w[i], l->w[i].value);

                if (r < 0) {
                        if (undo)
                                rollback(h, n, l, i);
                        return cg_error_set(err, l->w[i].file, r, "cannot write \"%s\": %s", l->w[i].value,
                                            strerror(-r));
                }
        }
        return 0;
}

static int run_plan(const struct cg_host *h, const struct cg_node *n, const struct cg_plan *plan,
                    struct cg_error *err)
{
        int r;

        r = run_list(h, n, &plan->writes, err, true);
        if (r < 0)
                return r;
        r = run_list(h, n, &plan->dev, err, false);
        if (r < 0) {
                (void)run_list(h, n, &plan->dev_undo, NULL, false);
                rollback(h, n, &plan->writes, plan->writes.n);
                return r;
        }
        if (plan->bpf) {
                r = cg_bpf_devices_set(n->unified_fd, plan->bpf_policy);
                if (r < 0) {
                        rollback(h, n, &plan->writes, plan->writes.n);
                        return cg_error_set(err, NULL, r, "cannot load the device control program: %s",
                                            strerror(-r));
                }
        }
        return 0;
}

int cg_update(struct cg_host *h, struct cg_node *n, const struct policy *old, const struct policy *new,
              struct cg_error *err)
{
        const struct cg_ops *ops = h->mode == CG_MODE_V2 ? &cg_ops_v2 : &cg_ops_v1;
        struct cg_plan plan = { .check_usage = POLICY_UNSET };
        int r;

        if (err)
                *err = (struct cg_error){ 0 };
        r = ops->check(h, new, err);
        if (r < 0)
                return r;
        r = ops->plan(h, old, new, &plan);
        if (r < 0) {
                cg_error_set(err, NULL, r, "cannot render the policy: %s", strerror(-r));
                goto out;
        }
        r = check_list(h, n, &plan.writes, err);
        if (r >= 0)
                r = check_list(h, n, &plan.dev, err);
        if (r >= 0 && plan.bpf && n->unified_fd < 0)
                r = cg_error_set(err, NULL, -EOPNOTSUPP, "device rules need a cgroup2 tree on this host");
        if (r >= 0 && plan.check_usage != POLICY_UNSET)
                r = check_usage(h, n, ops, plan.check_usage, err);
        if (r >= 0)
                r = run_plan(h, n, &plan, err);
out:
        cg_plan_done(&plan);
        return r;
}

int cg_apply(struct cg_host *h, struct cg_node *n, const struct policy *p, struct cg_error *err)
{
        return cg_update(h, n, NULL, p, err);
}
