/* Conversions, value rendering, write plans (order and restore values) and the device BPF program. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "cgroup-internal.h"

#define G (1024ull * 1024 * 1024)
#define M (1024ull * 1024)

static void blank(struct policy *p)
{
        memset(p, 0, sizeof(*p));
        snprintf(p->name, sizeof(p->name), "t");
        p->mem_limit = p->mem_swap_limit = p->mem_soft_limit = p->swappiness = POLICY_UNSET;
        p->cpu_quota_us = p->cpu_period_us = p->cpu_shares = p->cpu_weight = p->cpu_burst_us = POLICY_UNSET;
        p->blkio_weight = p->pids_max = p->uid = p->gid = POLICY_UNSET;
        p->oom_kill_disable = -1;
        p->devices_default = -1;
}

static void test_shares_weight(void **state)
{
        assert_int_equal(cg_shares_to_weight(2), 1);
        assert_int_equal(cg_shares_to_weight(512), 20);
        assert_int_equal(cg_shares_to_weight(1024), 39);
        assert_int_equal(cg_shares_to_weight(262144), 10000);
        assert_int_equal(cg_shares_to_weight(0), 1);           /* clamped */
        assert_int_equal(cg_shares_to_weight(1000000), 10000); /* clamped */
        assert_int_equal(cg_weight_to_shares(1), 2);
        assert_int_equal(cg_weight_to_shares(39), 998);
        assert_int_equal(cg_weight_to_shares(100), 2597);
        assert_int_equal(cg_weight_to_shares(10000), 262144);
        assert_int_equal(cg_weight_to_shares(0), 2);
        assert_int_equal(cg_weight_to_shares(20000), 262144);
}

static void test_blkio_weight(void **state)
{
        assert_int_equal(cg_blkio_weight_to_io_weight(10), 1);
        assert_int_equal(cg_blkio_weight_to_io_weight(100), 910);
        assert_int_equal(cg_blkio_weight_to_io_weight(500), 4950);
        assert_int_equal(cg_blkio_weight_to_io_weight(1000), 10000);
        assert_int_equal(cg_blkio_weight_to_io_weight(1), 1);
        assert_int_equal(cg_blkio_weight_to_io_weight(5000), 10000);
}

static void test_swap_max(void **state)
{
        uint64_t v = 7;

        assert_int_equal(cg_swap_max(1 * G, 2 * G, &v), 0);
        assert_int_equal(v, 1 * G);
        assert_int_equal(cg_swap_max(1 * G, 1 * G, &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(cg_swap_max(1 * G, POLICY_MAX, &v), 0);
        assert_true(v == POLICY_MAX);
        v = 7;
        assert_int_equal(cg_swap_max(2 * G, 1 * G, &v), -EINVAL);
        assert_int_equal(cg_swap_max(POLICY_MAX, 2 * G, &v), -EINVAL);
        assert_int_equal(cg_swap_max(POLICY_UNSET, 2 * G, &v), -EINVAL);
        assert_int_equal(v, 7);
}

static void test_render_values(void **state)
{
        char b[CG_VALUE_MAX], tiny[4];

        assert_int_equal(cg_render_v1_u64(POLICY_MAX, b, sizeof(b)), 0);
        assert_string_equal(b, "-1");
        assert_int_equal(cg_render_v1_u64(0, b, sizeof(b)), 0);
        assert_string_equal(b, "0");
        assert_int_equal(cg_render_v1_u64(UINT64_MAX - 2, b, sizeof(b)), 0);
        assert_string_equal(b, "18446744073709551613");
        assert_int_equal(cg_render_max(POLICY_MAX, b, sizeof(b)), 0);
        assert_string_equal(b, "max");
        assert_int_equal(cg_render_max(POLICY_UNSET, b, sizeof(b)), 0);
        assert_string_equal(b, "max");
        assert_int_equal(cg_render_max(33554432, b, sizeof(b)), 0);
        assert_string_equal(b, "33554432");
        assert_int_equal(cg_render_max(123456, tiny, sizeof(tiny)), -ENOBUFS);
}

static void test_render_cpu_max(void **state)
{
        char b[CG_VALUE_MAX];

        assert_int_equal(cg_render_cpu_max(150000, 100000, b, sizeof(b)), 0);
        assert_string_equal(b, "150000 100000");
        assert_int_equal(cg_render_cpu_max(POLICY_MAX, 100000, b, sizeof(b)), 0);
        assert_string_equal(b, "max 100000");
        assert_int_equal(cg_render_cpu_max(POLICY_UNSET, 1000, b, sizeof(b)), 0);
        assert_string_equal(b, "max 1000");
        assert_int_equal(cg_render_cpu_max(1000, 1000000, b, sizeof(b)), 0);
        assert_string_equal(b, "1000 1000000");
        assert_int_equal(cg_render_cpu_max(1000, POLICY_UNSET, b, sizeof(b)), -EINVAL);
        assert_int_equal(cg_render_cpu_max(150000, 100000, b, 10), -ENOBUFS);
}

static void test_render_throttles(void **state)
{
        char b[CG_VALUE_MAX];
        uint64_t lim[4] = { [THROTTLE_READ_BPS] = 1048576,
                            [THROTTLE_WRITE_BPS] = POLICY_MAX,
                            [THROTTLE_READ_IOPS] = POLICY_UNSET,
                            [THROTTLE_WRITE_IOPS] = 100 };
        uint64_t none[4] = { POLICY_UNSET, POLICY_UNSET, POLICY_UNSET, POLICY_UNSET };

        assert_int_equal(cg_render_v1_throttle(254, 0, 1048576, b, sizeof(b)), 0);
        assert_string_equal(b, "254:0 1048576");
        assert_int_equal(cg_render_v1_throttle(8, 16, POLICY_MAX, b, sizeof(b)), 0);
        assert_string_equal(b, "8:16 0");
        assert_int_equal(cg_render_io_max(254, 0, lim, b, sizeof(b)), 0);
        assert_string_equal(b, "254:0 rbps=1048576 wbps=max riops=max wiops=100");
        assert_int_equal(cg_render_io_max(8, 0, none, b, sizeof(b)), 0);
        assert_string_equal(b, "8:0 rbps=max wbps=max riops=max wiops=max");
}

static void test_render_devrule(void **state)
{
        char b[CG_VALUE_MAX];
        struct policy_devrule null = { .allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm" };
        struct policy_devrule all = {
                .allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm"
        };
        struct policy_devrule blk = { .allow = true, .type = 'b', .major = 8, .minor = -1, .access = "r" };
        struct policy_devrule bad = { .allow = true, .type = 'x', .major = 1, .minor = 1, .access = "r" };
        struct policy_devrule noacc = { .allow = true, .type = 'c', .major = 1, .minor = 1, .access = "" };

        assert_int_equal(cg_render_devrule(&null, b, sizeof(b)), 0);
        assert_string_equal(b, "c 1:3 rwm");
        assert_int_equal(cg_render_devrule(&all, b, sizeof(b)), 0);
        assert_string_equal(b, "a *:* rwm");
        assert_int_equal(cg_render_devrule(&blk, b, sizeof(b)), 0);
        assert_string_equal(b, "b 8:* r");
        assert_int_equal(cg_render_devrule(&bad, b, sizeof(b)), -EINVAL);
        assert_int_equal(cg_render_devrule(&noacc, b, sizeof(b)), -EINVAL);
}

static void test_format_size(void **state)
{
        static const struct {
                uint64_t v;
                const char *s;
        } cases[] = {
                { 0, "0" },         { 1023, "1023" },      { 1024, "1K" },          { 1536, "1.5K" },
                { 32 * M, "32M" },  { 50 * M, "50M" },     { 50 * M + 1, "50.1M" }, { 2 * G, "2G" },
                { 1024 * G, "1T" }, { 52531200, "50.1M" }, { UINT64_MAX, "16.0E" }, { 1025, "1.1K" },
        };
        char b[32];

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                assert_int_equal(cg_format_size(cases[i].v, b, sizeof(b)), 0);
                assert_string_equal(b, cases[i].s);
        }
}

static void test_controllers(void **state)
{
        unsigned m = cg_parse_controllers("cpuset cpu io memory hugetlb pids rdma misc\n");

        assert_int_equal(m, CG_MASK(CG_CPUSET) | CG_MASK(CG_CPU) | CG_MASK(CG_BLKIO) | CG_MASK(CG_MEMORY) |
                                CG_MASK(CG_HUGETLB) | CG_MASK(CG_PIDS) | CG_MASK(CG_RDMA) | CG_MASK(CG_MISC));
        assert_int_equal(cg_parse_controllers(""), 0);
        assert_int_equal(cg_parse_controllers("blkio frobnicate"), 0); /* v1 names are not v2 names */
        assert_string_equal(cg_controller_name(CG_BLKIO, true), "io");
        assert_string_equal(cg_controller_name(CG_BLKIO, false), "blkio");
        assert_null(cg_controller_name(CG_DEVICES, true));
        assert_int_equal(cg_controller_from_name("net_prio", false), CG_NET_PRIO);
        assert_int_equal(cg_controller_from_name("io", false), -1);
        assert_string_equal(cg_mode_name(CG_MODE_HYBRID), "hybrid");
        assert_string_equal(cg_mode_name(CG_MODE_V1), "v1");
        assert_string_equal(cg_mode_name(CG_MODE_V2), "v2");
}

/* ---- plans ---- */

static struct cg_host host_v1 = { .mode = CG_MODE_HYBRID, .bpf_devices = true };
static struct cg_host host_v1_nodev = { .mode = CG_MODE_HYBRID, .bpf_devices = true };
static struct cg_host host_v2 = { .mode = CG_MODE_V2, .bpf_devices = true };

static int plan_setup(void **state)
{
        host_v1.v1_mask = CG_MASK(CG_MEMORY) | CG_MASK(CG_CPU) | CG_MASK(CG_DEVICES) | CG_MASK(CG_BLKIO);
        host_v1_nodev.v1_mask = CG_MASK(CG_MEMORY);
        return 0;
}

/* The plan's writes as "file=value<restore" joined by "; ". */
static const char *plan_str(const struct cg_write_list *l)
{
        static char buf[4096];
        size_t n = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < l->n; i++)
                n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s=%s<%s", i ? "; " : "", l->w[i].file,
                                      l->w[i].value, l->w[i].restore ? l->w[i].restore : "");
        return buf;
}

static void test_plan_v1_memory_order(void **state)
{
        struct policy a, b, c;
        struct cg_plan plan = { .check_usage = POLICY_UNSET };

        blank(&a);
        a.mem_limit = 1 * G;
        a.mem_swap_limit = 2 * G;
        /* Fresh cgroup: limit and memsw are unlimited, so the limit must drop first. */
        assert_int_equal(cg_ops_v1.plan(&host_v1, NULL, &a, &plan), 0);
        assert_string_equal(plan_str(&plan.writes),
                            "memory.limit_in_bytes=1073741824<-1; memory.memsw.limit_in_bytes=2147483648<-1");
        assert_true(plan.check_usage == 1 * G);
        cg_plan_done(&plan);

        /* Raising both: memsw first. */
        b = a;
        b.mem_limit = 3 * G;
        b.mem_swap_limit = 4 * G;
        plan = (struct cg_plan){ .check_usage = POLICY_UNSET };
        assert_int_equal(cg_ops_v1.plan(&host_v1, &a, &b, &plan), 0);
        assert_string_equal(plan_str(&plan.writes), "memory.memsw.limit_in_bytes=4294967296<2147483648; "
                                                    "memory.limit_in_bytes=3221225472<1073741824");
        cg_plan_done(&plan);

        /* Lowering both: limit first; no usage check when the limit does not change. */
        plan = (struct cg_plan){ .check_usage = POLICY_UNSET };
        assert_int_equal(cg_ops_v1.plan(&host_v1, &b, &a, &plan), 0);
        assert_string_equal(plan_str(&plan.writes), "memory.limit_in_bytes=1073741824<3221225472; "
                                                    "memory.memsw.limit_in_bytes=2147483648<4294967296");
        cg_plan_done(&plan);

        /* Dropping the keys resets them; an unchanged policy plans nothing. */
        blank(&c);
        plan = (struct cg_plan){ .check_usage = POLICY_UNSET };
        assert_int_equal(cg_ops_v1.plan(&host_v1, &a, &c, &plan), 0);
        assert_string_equal(plan_str(&plan.writes), "memory.memsw.limit_in_bytes=-1<2147483648; "
                                                    "memory.limit_in_bytes=-1<1073741824");
        assert_true(plan.check_usage == POLICY_UNSET);
        cg_plan_done(&plan);
        plan = (struct cg_plan){ .check_usage = POLICY_UNSET };
        assert_int_equal(cg_ops_v1.plan(&host_v1, &a, &a, &plan), 0);
        assert_int_equal(plan.writes.n, 0);
        assert_true(plan.check_usage == POLICY_UNSET);
        cg_plan_done(&plan);
}

static void test_plan_v1_cpu(void **state)
{
        struct policy a, b;
        struct cg_plan plan = { .check_usage = POLICY_UNSET };

        blank(&a);
        a.cpu_quota_us = 150000;
        a.cpu_period_us = 100000;
        a.cpu_burst_us = 50000;
        a.cpu_weight = 100;
        a.oom_kill_disable = 1;
        a.swappiness = 10;
        a.pids_max = POLICY_MAX;
        assert_int_equal(cg_ops_v1.plan(&host_v1, NULL, &a, &plan), 0);
        assert_string_equal(
            plan_str(&plan.writes),
            "memory.swappiness=10<60; memory.oom_control=1<0; cpu.cfs_period_us=100000<100000; "
            "cpu.cfs_quota_us=150000<-1; cpu.cfs_burst_us=50000<0; cpu.shares=2597<1024; "
            "pids.max=max<max");
        cg_plan_done(&plan);

        /* A quota below the current burst: burst goes first. */
        b = a;
        b.cpu_quota_us = 20000;
        b.cpu_burst_us = 10000;
        plan = (struct cg_plan){ .check_usage = POLICY_UNSET };
        assert_int_equal(cg_ops_v1.plan(&host_v1, &a, &b, &plan), 0);
        assert_string_equal(plan_str(&plan.writes),
                            "cpu.cfs_burst_us=10000<50000; cpu.cfs_quota_us=20000<150000");
        cg_plan_done(&plan);
}

static void test_plan_v1_blkio_devices(void **state)
{
        struct policy a, b;
        struct cg_plan plan = { .check_usage = POLICY_UNSET };

        blank(&a);
        a.throttles[0] = (struct policy_throttle){ THROTTLE_READ_BPS, 254, 0, 1048576 };
        a.throttles[1] = (struct policy_throttle){ THROTTLE_WRITE_IOPS, 254, 0, POLICY_MAX };
        a.n_throttles = 2;
        a.devices_default = 0;
        a.devrules[0] = (struct policy_devrule){ true, 'c', 1, 3, "rwm" };
        a.devrules[1] = (struct policy_devrule){ false, 'c', 1, -1, "w" };
        a.n_devrules = 2;
        assert_int_equal(cg_ops_v1.plan(&host_v1, NULL, &a, &plan), 0);
        assert_string_equal(plan_str(&plan.writes), "blkio.throttle.read_bps_device=254:0 1048576<254:0 0; "
                                                    "blkio.throttle.write_iops_device=254:0 0<254:0 0");
        assert_string_equal(plan_str(&plan.dev),
                            "devices.deny=a<; devices.allow=c 1:3 rwm<; devices.deny=c 1:* w<");
        assert_string_equal(plan_str(&plan.dev_undo), "devices.allow=a<");
        assert_false(plan.bpf);
        cg_plan_done(&plan);

        /* A throttle dropped goes back to 0; same device rules plan nothing for devices. */
        b = a;
        b.n_throttles = 1;
        b.throttles[0].value = 2097152;
        plan = (struct cg_plan){ .check_usage = POLICY_UNSET };
        assert_int_equal(cg_ops_v1.plan(&host_v1, &a, &b, &plan), 0);
        assert_string_equal(plan_str(&plan.writes),
                            "blkio.throttle.read_bps_device=254:0 2097152<254:0 1048576; "
                            "blkio.throttle.write_iops_device=254:0 0<254:0 0");
        assert_int_equal(plan.dev.n, 0);
        cg_plan_done(&plan);

        /* No devices hierarchy: the rules go to cgroup-BPF. */
        plan = (struct cg_plan){ .check_usage = POLICY_UNSET };
        assert_int_equal(cg_ops_v1.plan(&host_v1_nodev, NULL, &a, &plan), 0);
        assert_true(plan.bpf);
        assert_ptr_equal(plan.bpf_policy, &a);
        assert_int_equal(plan.dev.n, 0);
        cg_plan_done(&plan);
}

static void test_plan_v2(void **state)
{
        struct policy a, b;
        struct cg_plan plan = { .check_usage = POLICY_UNSET };

        blank(&a);
        a.mem_limit = 1 * G;
        a.mem_swap_limit = 3 * G;
        a.mem_soft_limit = 512 * M;
        a.cpu_quota_us = 50000;
        a.cpu_period_us = 100000;
        a.cpu_shares = 1024;
        a.blkio_weight = 500;
        a.throttles[0] = (struct policy_throttle){ THROTTLE_WRITE_BPS, 254, 0, 1048576 };
        a.throttles[1] = (struct policy_throttle){ THROTTLE_READ_IOPS, 254, 0, 300 };
        a.n_throttles = 2;
        a.pids_max = 64;
        a.devices_default = 1;
        assert_int_equal(cg_ops_v2.plan(&host_v2, NULL, &a, &plan), 0);
        assert_string_equal(
            plan_str(&plan.writes),
            "memory.max=1073741824<max; memory.swap.max=2147483648<max; memory.low=536870912<0; "
            "cpu.max=50000 100000<max 100000; cpu.weight=39<100; io.weight=default 4950<default 100; "
            "io.max=254:0 rbps=max wbps=1048576 riops=300 wiops=max<254:0 rbps=max wbps=max "
            "riops=max wiops=max; pids.max=64<max");
        assert_true(plan.bpf);
        cg_plan_done(&plan);

        b = a;
        b.cpu_quota_us = POLICY_MAX;
        b.mem_limit = 512 * M;
        plan = (struct cg_plan){ .check_usage = POLICY_UNSET };
        assert_int_equal(cg_ops_v2.plan(&host_v2, &a, &b, &plan), 0);
        assert_string_equal(plan_str(&plan.writes), "memory.max=536870912<1073741824; "
                                                    "memory.swap.max=2684354560<2147483648; "
                                                    "cpu.max=max 100000<50000 100000");
        assert_true(plan.check_usage == 512 * M);
        assert_false(plan.bpf);
        cg_plan_done(&plan);
}

static void test_check_v2_refuses(void **state)
{
        struct policy p;
        struct cg_error err = { 0 };

        blank(&p);
        p.oom_kill_disable = 1;
        assert_int_equal(cg_ops_v2.check(&host_v2, &p, &err), -EOPNOTSUPP);
        assert_string_equal(err.msg,
                            "memory.oom_kill_disable has no cgroup v2 equivalent: remove it from the policy");
        blank(&p);
        p.swappiness = 10;
        assert_int_equal(cg_ops_v2.check(&host_v2, &p, &err), -EOPNOTSUPP);
        assert_string_equal(err.file, "memory.swappiness");
        blank(&p);
        p.has_classid = true;
        p.classid = 0x100001;
        assert_int_equal(cg_ops_v2.check(&host_v2, &p, &err), -EOPNOTSUPP);
        assert_string_equal(err.file, "net_cls.classid");
        blank(&p);
        p.mem_swap_limit = 1 * G;
        assert_int_equal(cg_ops_v2.check(&host_v2, &p, &err), -EINVAL);
        blank(&p);
        p.has_classid = true;
        assert_int_equal(cg_ops_v1.check(&host_v1, &p, &err), -ENOENT);
        assert_string_equal(err.msg,
                            "the net_cls hierarchy is not mounted: enable [agent] mount_controllers or "
                            "mount it (mount -t cgroup -o net_cls,net_prio cgroup DIR)");
        blank(&p);
        p.devices_default = 0;
        host_v1_nodev.bpf_devices = false;
        assert_int_equal(cg_ops_v1.check(&host_v1_nodev, &p, &err), -EOPNOTSUPP);
        host_v1_nodev.bpf_devices = true;
        assert_int_equal(cg_ops_v1.check(&host_v1_nodev, &p, &err), 0);
}

/* ---- the BPF program, run by a small interpreter of the instructions it uses ---- */

static int run_prog(const struct bpf_insn *insn, size_t n, char type, uint32_t major, uint32_t minor,
                    const char *access)
{
        uint32_t ctx[3];
        uint64_t r[11] = { 0 };
        unsigned acc = 0;

        for (const char *a = access; *a; a++)
                acc |= *a == 'r' ? BPF_DEVCG_ACC_READ : *a == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
        ctx[0] = acc << 16 | (type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
        ctx[1] = major;
        ctx[2] = minor;
        for (size_t pc = 0; pc < n; pc++) {
                const struct bpf_insn *i = &insn[pc];

                switch (i->code) {
                case BPF_LDX | BPF_W | BPF_MEM:
                        assert_int_equal(i->src_reg, 1);
                        r[i->dst_reg] = ctx[i->off / 4];
                        break;
                case BPF_ALU | BPF_AND | BPF_K:
                        r[i->dst_reg] = (uint32_t)(r[i->dst_reg] & (uint32_t)i->imm);
                        break;
                case BPF_ALU | BPF_RSH | BPF_K:
                        r[i->dst_reg] = (uint32_t)r[i->dst_reg] >> i->imm;
                        break;
                case BPF_ALU64 | BPF_MOV | BPF_X:
                        r[i->dst_reg] = r[i->src_reg];
                        break;
                case BPF_ALU64 | BPF_MOV | BPF_K:
                        r[i->dst_reg] = (uint64_t)(int64_t)i->imm;
                        break;
                case BPF_JMP | BPF_JNE | BPF_K:
                        if (r[i->dst_reg] != (uint64_t)(int64_t)i->imm)
                                pc += (size_t)i->off;
                        break;
                case BPF_JMP | BPF_JEQ | BPF_K:
                        if (r[i->dst_reg] == (uint64_t)(int64_t)i->imm)
                                pc += (size_t)i->off;
                        break;
                case BPF_JMP | BPF_EXIT:
                        return (int)r[0];
                default:
                        fail_msg("unexpected opcode 0x%x at %zu", i->code, pc);
                }
        }
        fail_msg("fell off the end");
        return -1;
}

static void test_bpf_program(void **state)
{
        struct bpf_insn insns[CG_BPF_MAX_INSNS];
        struct policy p;
        size_t n = 0;

        blank(&p);
        p.devices_default = 0;
        p.devrules[0] = (struct policy_devrule){ true, 'c', 1, -1, "rw" };    /* c 1:* rw */
        p.devrules[1] = (struct policy_devrule){ false, 'c', 1, 5, "w" };     /* but /dev/zero not writable */
        p.devrules[2] = (struct policy_devrule){ true, 'b', -1, -1, "m" };    /* mknod any block device */
        p.devrules[3] = (struct policy_devrule){ true, 'a', 136, -1, "rwm" }; /* ptys, char or block */
        p.n_devrules = 4;
        assert_int_equal(cg_bpf_devices_program(&p, insns, ARRAY_SIZE(insns), &n), 0);
        assert_int_equal(n, 6 + (2 + 5) + (3 + 5) + (1 + 5) + (1 + 5) + 2);
        assert_int_equal(run_prog(insns, n, 'c', 1, 3, "rw"), 1);
        assert_int_equal(run_prog(insns, n, 'c', 1, 3, "m"), 0);   /* m not allowed */
        assert_int_equal(run_prog(insns, n, 'c', 1, 3, "rwm"), 0); /* not a subset */
        assert_int_equal(run_prog(insns, n, 'c', 1, 5, "r"), 1);
        assert_int_equal(run_prog(insns, n, 'c', 1, 5, "rw"), 0); /* later deny wins */
        assert_int_equal(run_prog(insns, n, 'c', 2, 0, "r"), 0);  /* default deny */
        assert_int_equal(run_prog(insns, n, 'b', 8, 0, "m"), 1);
        assert_int_equal(run_prog(insns, n, 'b', 8, 0, "r"), 0);
        assert_int_equal(run_prog(insns, n, 'b', 136, 2, "rw"), 1);
        assert_int_equal(run_prog(insns, n, 'c', 136, 2, "w"), 1);

        p.devices_default = 1;
        p.n_devrules = 2;
        assert_int_equal(cg_bpf_devices_program(&p, insns, ARRAY_SIZE(insns), &n), 0);
        assert_int_equal(run_prog(insns, n, 'c', 4, 1, "rwm"), 1);
        assert_int_equal(run_prog(insns, n, 'c', 1, 5, "w"), 0);
        assert_int_equal(cg_bpf_devices_program(&p, insns, 10, &n), -ENOBUFS);
        p.devices_default = -1;
        assert_int_equal(cg_bpf_devices_program(&p, insns, ARRAY_SIZE(insns), &n), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_shares_weight),  cmocka_unit_test(test_blkio_weight),
                cmocka_unit_test(test_swap_max),       cmocka_unit_test(test_render_values),
                cmocka_unit_test(test_render_cpu_max), cmocka_unit_test(test_render_throttles),
                cmocka_unit_test(test_render_devrule), cmocka_unit_test(test_format_size),
                cmocka_unit_test(test_controllers),    cmocka_unit_test(test_plan_v1_memory_order),
                cmocka_unit_test(test_plan_v1_cpu),    cmocka_unit_test(test_plan_v1_blkio_devices),
                cmocka_unit_test(test_plan_v2),        cmocka_unit_test(test_check_v2_refuses),
                cmocka_unit_test(test_bpf_program),
        };

        return cmocka_run_group_tests(tests, plan_setup, NULL);
}
