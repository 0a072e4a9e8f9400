/* The cgroup v1 backend (pure v1 and hybrid hosts): policy keys to v1 files. */
#include "cgroup-internal.h"

#include <inttypes.h>

#define NO_POLICY_FIELD(old, field) ((old) ? (old)->field : POLICY_UNSET)

static int v1_check(const struct cg_host *h, const struct policy *p, struct cg_error *err)
{
        if (p->mem_swap_limit != POLICY_UNSET && p->mem_swap_limit != POLICY_MAX &&
            (p->mem_limit == POLICY_UNSET || p->mem_limit == POLICY_MAX || p->mem_swap_limit < p->mem_limit))
                return cg_error_set(err, "memory.memsw.limit_in_bytes", -EINVAL,
                                    "memory.swap_limit must be at least memory.limit, which must be set");
        if ((p->has_classid) && !(h->v1_mask & CG_MASK(CG_NET_CLS)))
                return cg_error_set(
                    err, "net_cls.classid", -ENOENT,
                    "the net_cls hierarchy is not mounted: enable [agent] mount_controllers or "
                    "mount it (mount -t cgroup -o net_cls,net_prio cgroup DIR)");
        if (p->n_priomap > 0 && !(h->v1_mask & CG_MASK(CG_NET_PRIO)))
                return cg_error_set(
                    err, "net_prio.ifpriomap", -ENOENT,
                    "the net_prio hierarchy is not mounted: enable [agent] mount_controllers or "
                    "mount it (mount -t cgroup -o net_cls,net_prio cgroup DIR)");
        if (p->n_perf_events > 0 && !(h->v1_mask & CG_MASK(CG_PERF_EVENT)))
                return cg_error_set(
                    err, NULL, -ENOENT,
                    "the perf_event hierarchy is not mounted: enable [agent] mount_controllers "
                    "or mount it (mount -t cgroup -o perf_event cgroup DIR)");
        if (p->devices_default >= 0 && !(h->v1_mask & CG_MASK(CG_DEVICES)) && !h->bpf_devices)
                return cg_error_set(
                    err, "devices.allow", -EOPNOTSUPP,
                    "device rules need the devices hierarchy or a cgroup2 tree for cgroup-BPF, "
                    "and this host has neither");
        return 0;
}

static uint64_t v1_shares(const struct policy *p)
{
        if (!p)
                return POLICY_UNSET;
        if (p->cpu_shares != POLICY_UNSET)
                return p->cpu_shares;
        if (p->cpu_weight != POLICY_UNSET)
                return cg_weight_to_shares(p->cpu_weight);
        return POLICY_UNSET;
}

/* memsw must stay >= limit at every step: raise memsw first unless the new memsw is below the current limit.
 */
static int v1_plan_memory(const struct policy *old, const struct policy *new, struct cg_write_list *l)
{
        uint64_t cur_limit = NO_POLICY_FIELD(old, mem_limit);
        uint64_t ol = NO_POLICY_FIELD(old, mem_limit), os = NO_POLICY_FIELD(old, mem_swap_limit);
        bool limit_first =
            new->mem_swap_limit != POLICY_UNSET &&new->mem_swap_limit != POLICY_MAX &&
            (cur_limit == POLICY_UNSET || cur_limit == POLICY_MAX || new->mem_swap_limit < cur_limit);
        int r;

        for (int pass = 0; pass < 2; pass++) {
                if (pass == (limit_first ? 0 : 1))
                        r = cg_plan_scalar(l, CG_MEMORY, "memory.limit_in_bytes", NULL, ol, new->mem_limit,
                                           cg_render_v1_u64, "-1");
                else
                        r = cg_plan_scalar(l, CG_MEMORY, "memory.memsw.limit_in_bytes", NULL, os,
                                           new->mem_swap_limit, cg_render_v1_u64, "-1");
                if (r < 0)
                        return r;
        }
        r = cg_plan_scalar(l, CG_MEMORY, "memory.soft_limit_in_bytes", NULL,
                           NO_POLICY_FIELD(old, mem_soft_limit), new->mem_soft_limit, cg_render_v1_u64, "-1");
        if (r < 0)
                return r;
        r = cg_plan_scalar(l, CG_MEMORY, "memory.swappiness", NULL, NO_POLICY_FIELD(old, swappiness),
                           new->swappiness, cg_render_u64, "60");
        if (r < 0)
                return r;
        int oo = old ? old->oom_kill_disable : -1;
        if (oo != new->oom_kill_disable)
                return cg_write_add(l, CG_MEMORY, "memory.oom_control", NULL,
                                    new->oom_kill_disable > 0 ? "1" : "0", oo > 0 ? "1" : "0");
        return 0;
}

/* Period before quota; the burst must never exceed the quota, so it goes first when the quota drops below it.
 */
static int v1_plan_cpu(const struct policy *old, const struct policy *new, struct cg_write_list *l)
{
        uint64_t ob = NO_POLICY_FIELD(old, cpu_burst_us), nb = new->cpu_burst_us;
        uint64_t nq = new->cpu_quota_us;
        bool burst_first = ob != POLICY_UNSET && nq != POLICY_UNSET && nq != POLICY_MAX && nq < ob;
        int r;

        r = cg_plan_scalar(l, CG_CPU, "cpu.cfs_period_us", NULL, NO_POLICY_FIELD(old, cpu_period_us),
                           new->cpu_period_us, cg_render_u64, "100000");
        for (int pass = 0; r >= 0 && pass < 2; pass++) {
                if (pass == (burst_first ? 0 : 1))
                        r = cg_plan_scalar(l, CG_CPU, "cpu.cfs_burst_us", NULL, ob, nb, cg_render_u64, "0");
                else
                        r = cg_plan_scalar(l, CG_CPU, "cpu.cfs_quota_us", NULL,
                                           NO_POLICY_FIELD(old, cpu_quota_us), nq, cg_render_v1_u64, "-1");
        }
        if (r < 0)
                return r;
        return cg_plan_scalar(l, CG_CPU, "cpu.shares", NULL, v1_shares(old), v1_shares(new), cg_render_u64,
                              "1024");
}

static const char *const v1_throttle_files[4] = {
        [THROTTLE_READ_BPS] = "blkio.throttle.read_bps_device",
        [THROTTLE_WRITE_BPS] = "blkio.throttle.write_bps_device",
        [THROTTLE_READ_IOPS] = "blkio.throttle.read_iops_device",
        [THROTTLE_WRITE_IOPS] = "blkio.throttle.write_iops_device",
};

static int v1_plan_blkio(const struct policy *old, const struct policy *new, struct cg_write_list *l)
{
        uint32_t devs[2 * POLICY_MAX_THROTTLES][2];
        size_t n;
        int r;

        r = cg_plan_scalar(l, CG_BLKIO, "blkio.weight", "blkio.bfq.weight",
                           NO_POLICY_FIELD(old, blkio_weight), new->blkio_weight, cg_render_u64, "100");
        if (r < 0)
                return r;
        r = cg_throttle_devices(old, new, devs, ARRAY_SIZE(devs), &n);
        if (r < 0)
                return r;
        for (int k = 0; k < 4; k++)
                for (size_t i = 0; i < n; i++) {
                        uint64_t ov = cg_throttle_find(old, k, devs[i][0], devs[i][1]);
                        uint64_t nv = cg_throttle_find(new, k, devs[i][0], devs[i][1]);
                        char v[CG_VALUE_MAX], o[CG_VALUE_MAX];

                        if (ov == nv)
                                continue;
                        (void)cg_render_v1_throttle(devs[i][0], devs[i][1], nv, v, sizeof(v));
                        (void)cg_render_v1_throttle(devs[i][0], devs[i][1], ov, o, sizeof(o));
                        r = cg_write_add(l, CG_BLKIO, v1_throttle_files[k], NULL, v, o);
                        if (r < 0)
                                return r;
                }
        return 0;
}

/* The whole rule sequence: the default first ("a" to devices.deny or devices.allow), then each rule. */
static int v1_device_sequence(const struct policy *p, struct cg_write_list *l)
{
        int r;

        if (!p || p->devices_default < 0)
                return cg_write_add(l, CG_DEVICES, "devices.allow", NULL, "a", NULL);
        r = cg_write_add(l, CG_DEVICES, p->devices_default ? "devices.allow" : "devices.deny", NULL, "a",
                         NULL);
        for (size_t i = 0; r >= 0 && i < p->n_devrules; i++) {
                char line[CG_VALUE_MAX];

                r = cg_render_devrule(&p->devrules[i], line, sizeof(line));
                if (r >= 0)
                        r = cg_write_add(l, CG_DEVICES,
                                         p->devrules[i].allow ? "devices.allow" : "devices.deny", NULL, line,
                                         NULL);
        }
        return r;
}

static int v1_plan_net(const struct policy *old, const struct policy *new, struct cg_write_list *l)
{
        uint64_t oc = old && old->has_classid ? old->classid : POLICY_UNSET;
        uint64_t nc = new->has_classid ? new->classid : POLICY_UNSET;
        int r;

        r = cg_plan_scalar(l, CG_NET_CLS, "net_cls.classid", NULL, oc, nc, cg_render_u64, "0");
        for (size_t i = 0; r >= 0 && i < new->n_priomap; i++) {
                const struct policy_priomap *m = &new->priomap[i];
                char v[CG_VALUE_MAX], o[CG_VALUE_MAX];
                uint32_t op = 0;
                bool same = false;

                for (size_t j = 0; old && j < old->n_priomap; j++)
                        if (streq(old->priomap[j].ifname, m->ifname)) {
                                op = old->priomap[j].prio;
                                same = op == m->prio;
                        }
                if (same)
                        continue;
                snprintf(v, sizeof(v), "%s %" PRIu32, m->ifname, m->prio);
                snprintf(o, sizeof(o), "%s %" PRIu32, m->ifname, op);
                r = cg_write_add(l, CG_NET_PRIO, "net_prio.ifpriomap", NULL, v, o);
        }
        /* Interfaces dropped from the map go back to priority 0. */
        for (size_t j = 0; r >= 0 && old && j < old->n_priomap; j++) {
                bool kept = false;
                char v[CG_VALUE_MAX], o[CG_VALUE_MAX];

                for (size_t i = 0; i < new->n_priomap && !kept; i++)
                        kept = streq(old->priomap[j].ifname, new->priomap[i].ifname);
                if (kept)
                        continue;
                snprintf(v, sizeof(v), "%s 0", old->priomap[j].ifname);
                snprintf(o, sizeof(o), "%s %" PRIu32, old->priomap[j].ifname, old->priomap[j].prio);
                r = cg_write_add(l, CG_NET_PRIO, "net_prio.ifpriomap", NULL, v, o);
        }
        return r;
}

int cg_plan_cpuset(const struct policy *old, const struct policy *new, struct cg_write_list *l, bool v2)
{
        static const char *const files[2] = { "cpuset.cpus", "cpuset.mems" };
        const char *reset = v2 ? "\n" : CG_FROM_PARENT;

        for (int k = 0; k < 2; k++) {
                bool oh = old && (k ? old->has_mems : old->has_cpus), nh = k ? new->has_mems : new->has_cpus;
                const struct cpu_bitmap *ob = old ? (k ? &old->mems : &old->cpus) : NULL;
                const struct cpu_bitmap *nb = k ? &new->mems : &new->cpus;
                _cleanup_free_ char *v = malloc(CGM_MAX_CPUS * 5), *o = malloc(CGM_MAX_CPUS * 5);
                int r;

                if (!v || !o)
                        return -ENOMEM;
                if (oh == nh && (!nh || memcmp(ob, nb, sizeof(*nb)) == 0))
                        continue;
                if (!nh)
                        snprintf(v, CGM_MAX_CPUS * 5, "%s", reset);
                else if ((r = cpu_list_format(nb, v, CGM_MAX_CPUS * 5)) < 0)
                        return r;
                if (!oh)
                        snprintf(o, CGM_MAX_CPUS * 5, "%s", reset);
                else if ((r = cpu_list_format(ob, o, CGM_MAX_CPUS * 5)) < 0)
                        return r;
                r = cg_write_add(l, CG_CPUSET, files[k], NULL, v, o);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int v1_plan(const struct cg_host *h, const struct policy *old, const struct policy *new,
                   struct cg_plan *plan)
{
        struct cg_write_list *l = &plan->writes;
        int r;

        r = v1_plan_memory(old, new, l);
        if (r >= 0)
                r = v1_plan_cpu(old, new, l);
        if (r >= 0)
                r = cg_plan_cpuset(old, new, l, false);
        if (r >= 0)
                r = v1_plan_blkio(old, new, l);
        if (r >= 0)
                r = cg_plan_scalar(l, CG_PIDS, "pids.max", NULL, NO_POLICY_FIELD(old, pids_max),
                                   new->pids_max, cg_render_max, "max");
        if (r >= 0)
                r = v1_plan_net(old, new, l);
        if (r < 0)
                return r;
        if (new->mem_limit != POLICY_UNSET &&new->mem_limit != POLICY_MAX &&new->mem_limit !=
            NO_POLICY_FIELD(old, mem_limit))
                plan->check_usage = new->mem_limit;
        if ((old && cg_devices_differ(old, new)) || (!old && new->devices_default >= 0)) {
                if (h->v1_mask & CG_MASK(CG_DEVICES)) {
                        r = v1_device_sequence(new, &plan->dev);
                        if (r >= 0)
                                r = v1_device_sequence(old, &plan->dev_undo);
                } else {
                        plan->bpf = true;
                        plan->bpf_policy = new;
                }
        }
        return r;
}

const struct cg_ops cg_ops_v1 = {
        .name = "v1",
        .usage_file = "memory.usage_in_bytes",
        .check = v1_check,
        .plan = v1_plan,
};
