/* The cgroup v2 backend (pure v2 hosts): the same policy keys in cgroup2 files; devices through cgroup-BPF.
 */
#include "cgroup-internal.h"

#define FIELD(p, field) ((p) ? (p)->field : POLICY_UNSET)

static int v2_refuse(struct cg_error *err, const char *key, const char *file)
{
        return cg_error_set(err, file, -EOPNOTSUPP,
                            "%s has no cgroup v2 equivalent: remove it from the policy", key);
}

static int v2_check(const struct cg_host *h, const struct policy *p, struct cg_error *err)
{
        uint64_t swap;

        if (p->oom_kill_disable >= 0)
                return v2_refuse(err, "memory.oom_kill_disable", "memory.oom_control");
        if (p->swappiness != POLICY_UNSET)
                return v2_refuse(err, "memory.swappiness", "memory.swappiness");
        if (p->has_classid)
                return cg_error_set(
                    err, "net_cls.classid", -EOPNOTSUPP,
                    "net_cls.classid has no cgroup v2 equivalent (match the cgroup in nftables "
                    "with 'socket cgroupv2' instead): remove it from the policy");
        if (p->n_priomap > 0)
                return v2_refuse(err, "net_prio.ifpriomap", "net_prio.ifpriomap");
        if (p->mem_swap_limit != POLICY_UNSET && cg_swap_max(p->mem_limit, p->mem_swap_limit, &swap) < 0)
                return cg_error_set(err, "memory.swap.max", -EINVAL,
                                    "memory.swap_limit must be at least memory.limit, which must be set");
        if (p->devices_default >= 0 && !h->bpf_devices)
                return cg_error_set(err, NULL, -EOPNOTSUPP,
                                    "device rules need cgroup-BPF, not available here");
        return 0;
}

static uint64_t v2_weight(const struct policy *p)
{
        if (!p)
                return POLICY_UNSET;
        if (p->cpu_weight != POLICY_UNSET)
                return p->cpu_weight;
        if (p->cpu_shares != POLICY_UNSET)
                return cg_shares_to_weight(p->cpu_shares);
        return POLICY_UNSET;
}

static uint64_t v2_swap(const struct policy *p)
{
        uint64_t swap;

        if (!p || p->mem_swap_limit == POLICY_UNSET ||
            cg_swap_max(p->mem_limit, p->mem_swap_limit, &swap) < 0)
                return POLICY_UNSET;
        return swap;
}

static uint64_t v2_io_weight(const struct policy *p)
{
        return p && p->blkio_weight != POLICY_UNSET ? cg_blkio_weight_to_io_weight(p->blkio_weight)
                                                    : POLICY_UNSET;
}

static int render_io_weight(uint64_t v, char *buf, size_t n)
{
        return snprintf(buf, n, "default %llu", (unsigned long long)v) < (int)n ? 0 : -ENOBUFS;
}

/* cpu.max holds quota and period together: one write when either changes. */
static int v2_plan_cpu(const struct policy *old, const struct policy *new, struct cg_write_list *l)
{
        char v[CG_VALUE_MAX], o[CG_VALUE_MAX];
        uint64_t oq = FIELD(old, cpu_quota_us), op = FIELD(old, cpu_period_us);
        uint64_t nq = new->cpu_quota_us, np = new->cpu_period_us;
        uint64_t ob = FIELD(old, cpu_burst_us);
        bool burst_first = ob != POLICY_UNSET && nq != POLICY_UNSET && nq != POLICY_MAX && nq < ob;
        int r = 0;

        for (int pass = 0; r >= 0 && pass < 2; pass++) {
                if (pass == (burst_first ? 0 : 1)) {
                        r = cg_plan_scalar(l, CG_CPU, "cpu.max.burst", NULL, ob, new->cpu_burst_us,
                                           cg_render_u64, "0");
                        continue;
                }
                if (oq == nq && op == np)
                        continue;
                r = cg_render_cpu_max(nq, np == POLICY_UNSET ? 100000 : np, v, sizeof(v));
                if (r >= 0)
                        r = cg_render_cpu_max(oq, op == POLICY_UNSET ? 100000 : op, o, sizeof(o));
                if (r >= 0)
                        r = cg_write_add(l, CG_CPU, "cpu.max", NULL, v, o);
        }
        if (r < 0)
                return r;
        return cg_plan_scalar(l, CG_CPU, "cpu.weight", NULL, v2_weight(old), v2_weight(new), cg_render_u64,
                              "100");
}

static int v2_plan_io(const struct policy *old, const struct policy *new, struct cg_write_list *l)
{
        uint32_t devs[2 * POLICY_MAX_THROTTLES][2];
        size_t n;
        int r;

        r = cg_plan_scalar(l, CG_BLKIO, "io.weight", "io.bfq.weight", v2_io_weight(old), v2_io_weight(new),
                           render_io_weight, "default 100");
        if (r >= 0)
                r = cg_throttle_devices(old, new, devs, ARRAY_SIZE(devs), &n);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                uint64_t ov[4], nv[4];
                char v[CG_VALUE_MAX], o[CG_VALUE_MAX];

                for (int k = 0; k < 4; k++) {
                        ov[k] = cg_throttle_find(old, k, devs[i][0], devs[i][1]);
                        nv[k] = cg_throttle_find(new, k, devs[i][0], devs[i][1]);
                }
                if (memcmp(ov, nv, sizeof(ov)) == 0)
                        continue;
                r = cg_render_io_max(devs[i][0], devs[i][1], nv, v, sizeof(v));
                if (r >= 0)
                        r = cg_render_io_max(devs[i][0], devs[i][1], ov, o, sizeof(o));
                if (r >= 0)
                        r = cg_write_add(l, CG_BLKIO, "io.max", NULL, v, o);
        }
        return r;
}

static int v2_plan(const struct cg_host *h, const struct policy *old, const struct policy *new,
                   struct cg_plan *plan)
{
        struct cg_write_list *l = &plan->writes;
        int r;

        /* No ordering constraint between memory.max and memory.swap.max on v2. */
        r = cg_plan_scalar(l, CG_MEMORY, "memory.max", NULL, FIELD(old, mem_limit), new->mem_limit,
                           cg_render_max, "max");
        if (r >= 0)
                r = cg_plan_scalar(l, CG_MEMORY, "memory.swap.max", NULL, v2_swap(old), v2_swap(new),
                                   cg_render_max, "max");
        if (r >= 0)
                r = cg_plan_scalar(l, CG_MEMORY, "memory.low", NULL, FIELD(old, mem_soft_limit),
                                   new->mem_soft_limit, cg_render_max, "0");
        if (r >= 0)
                r = v2_plan_cpu(old, new, l);
        if (r >= 0)
                r = cg_plan_cpuset(old, new, l, true);
        if (r >= 0)
                r = v2_plan_io(old, new, l);
        if (r >= 0)
                r = cg_plan_scalar(l, CG_PIDS, "pids.max", NULL, FIELD(old, pids_max), new->pids_max,
                                   cg_render_max, "max");
        if (r < 0)
                return r;
        if (new->mem_limit != POLICY_UNSET &&new->mem_limit != POLICY_MAX &&new->mem_limit !=
            FIELD(old, mem_limit))
                plan->check_usage = new->mem_limit;
        if ((old && cg_devices_differ(old, new)) || (!old && new->devices_default >= 0)) {
                plan->bpf = true;
                plan->bpf_policy = new;
        }
        return 0;
}

const struct cg_ops cg_ops_v2 = {
        .name = "v2",
        .usage_file = "memory.current",
        .check = v2_check,
        .plan = v2_plan,
};
