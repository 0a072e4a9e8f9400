/* Host detection from recorded /proc/self/cgroup and /proc/self/mountinfo: hybrid, pure v1 and pure v2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "cgroup-internal.h"

/* Recorded on a build machine (Debian 12 userland, kernel 6.18): hybrid. */
static const char hybrid_cgroup[] = "9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n"
                                    "4:memory:/process_api/413e550a0a035ef9b542b24776346213\n3:cpuset:/\n"
                                    "2:cpuacct:/\n1:cpu:/\n0::/\n";
static const char hybrid_mountinfo[] =
    "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
    "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
    "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

/* An older enterprise layout: co-mounted cpu,cpuacct and net_cls,net_prio, optional fields, a second mount of
 * the memory hierarchy, and no cgroup2. */
static const char v1_cgroup[] =
    "11:cpuset:/\n10:net_prio,net_cls:/\n9:perf_event:/\n8:memory:/system.slice/job\n"
    "7:cpuacct,cpu:/system.slice/job\n6:devices:/system.slice/job\n5:freezer:/\n"
    "4:blkio:/system.slice/job\n3:pids:/system.slice/job\n2:hugetlb:/\n"
    "1:name=systemd:/system.slice/job\n";
static const char v1_mountinfo[] =
    "24 18 0:20 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:6 - tmpfs tmpfs ro,mode=755\n"
    "25 24 0:21 / /sys/fs/cgroup/systemd rw,nosuid shared:7 - cgroup cgroup rw,xattr,name=systemd\n"
    "27 24 0:23 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:8 - cgroup cgroup rw,cpu,cpuacct\n"
    "28 24 0:24 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid shared:9 - cgroup cgroup rw,net_cls,net_prio\n"
    "29 24 0:25 / /sys/fs/cgroup/memory rw,nosuid shared:10 - cgroup cgroup rw,memory\n"
    "30 24 0:26 / /sys/fs/cgroup/cpuset rw,nosuid shared:11 - cgroup cgroup rw,cpuset\n"
    "31 24 0:27 / /sys/fs/cgroup/devices rw,nosuid shared:12 - cgroup cgroup rw,devices\n"
    "32 24 0:28 / /sys/fs/cgroup/freezer rw,nosuid shared:13 - cgroup cgroup rw,freezer\n"
    "33 24 0:29 / /sys/fs/cgroup/blkio rw,nosuid shared:14 - cgroup cgroup rw,blkio\n"
    "34 24 0:30 / /sys/fs/cgroup/pids rw,nosuid shared:15 - cgroup cgroup rw,pids\n"
    "35 24 0:31 / /sys/fs/cgroup/perf_event rw,nosuid shared:16 - cgroup cgroup rw,perf_event\n"
    "36 24 0:32 / /sys/fs/cgroup/hugetlb rw,nosuid shared:17 - cgroup cgroup rw,hugetlb\n"
    "90 60 0:25 / /var/lib/other/memory rw,relatime - cgroup cgroup rw,memory\n";

/* A current distribution: cgroup2 only; a restarted agent finds itself in <own>/cgmeter/agent. */
static const char v2_cgroup[] = "0::/system.slice/cgmeter.service/cgmeter/agent\n";
static const char v2_mountinfo[] =
    "24 18 0:20 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n"
    "70 24 0:40 / /run/x/net_cls rw,relatime - cgroup cgroup rw,net_cls\n";

static struct cg_host *host_new(void)
{
        struct cg_host *h = calloc(1, sizeof(*h));

        assert_non_null(h);
        snprintf(h->root_name, sizeof(h->root_name), "cgmeter");
        h->unified.root_fd = -1;
        return h;
}

static const struct cg_hier *find(const struct cg_host *h, enum cg_controller c)
{
        for (size_t i = 0; i < h->n_v1; i++)
                if (h->v1[i].mask & CG_MASK(c))
                        return &h->v1[i];
        return NULL;
}

static void test_hybrid(void **state)
{
        struct cg_host *h = host_new();

        assert_int_equal(cg_layout_parse(h, CG_MODE_HYBRID, hybrid_cgroup, hybrid_mountinfo), 0);
        assert_int_equal(h->mode, CG_MODE_HYBRID);
        assert_int_equal(h->n_v1, 8); /* name=systemd is not a controller hierarchy */
        assert_int_equal(h->v1_mask, CG_MASK(CG_CPU) | CG_MASK(CG_CPUACCT) | CG_MASK(CG_CPUSET) |
                                         CG_MASK(CG_MEMORY) | CG_MASK(CG_DEVICES) | CG_MASK(CG_FREEZER) |
                                         CG_MASK(CG_BLKIO) | CG_MASK(CG_PIDS));
        assert_string_equal(find(h, CG_MEMORY)->mount, "/sys/fs/cgroup/memory");
        assert_string_equal(find(h, CG_MEMORY)->own, "/process_api/413e550a0a035ef9b542b24776346213");
        assert_int_equal(find(h, CG_MEMORY)->mask, CG_MASK(CG_MEMORY));
        assert_string_equal(find(h, CG_CPU)->mount, "/sys/fs/cgroup/cpu");
        assert_string_equal(find(h, CG_CPU)->own, "/");
        assert_ptr_not_equal(find(h, CG_CPU), find(h, CG_CPUACCT));
        assert_null(find(h, CG_NET_CLS));
        assert_null(find(h, CG_PERF_EVENT));
        assert_string_equal(h->unified.mount, "/sys/fs/cgroup/unified");
        assert_string_equal(h->unified.own, "/");
        assert_int_equal(h->unified.mask, 0);
        free(h);
}

static void test_v1(void **state)
{
        struct cg_host *h = host_new();
        const struct cg_hier *cpu;

        assert_int_equal(cg_layout_parse(h, CG_MODE_V1, v1_cgroup, v1_mountinfo), 0);
        assert_int_equal(h->n_v1, 10);
        cpu = find(h, CG_CPU);
        assert_non_null(cpu);
        assert_ptr_equal(cpu, find(h, CG_CPUACCT)); /* co-mounted: one hierarchy */
        assert_int_equal(cpu->mask, CG_MASK(CG_CPU) | CG_MASK(CG_CPUACCT));
        assert_string_equal(cpu->mount, "/sys/fs/cgroup/cpu,cpuacct");
        assert_string_equal(cpu->own, "/system.slice/job"); /* "cpuacct,cpu" in /proc/self/cgroup */
        assert_ptr_equal(find(h, CG_NET_CLS), find(h, CG_NET_PRIO));
        assert_string_equal(find(h, CG_NET_PRIO)->own, "/");
        /* The first mount of a hierarchy wins. */
        assert_string_equal(find(h, CG_MEMORY)->mount, "/sys/fs/cgroup/memory");
        assert_string_equal(find(h, CG_MEMORY)->own, "/system.slice/job");
        assert_string_equal(find(h, CG_PERF_EVENT)->mount, "/sys/fs/cgroup/perf_event");
        assert_string_equal(h->unified.mount, "");
        free(h);

        /* The same host taken as hybrid lacks its cgroup2 tree. */
        h = host_new();
        assert_int_equal(cg_layout_parse(h, CG_MODE_HYBRID, v1_cgroup, v1_mountinfo), -ENOENT);
        free(h);
}

static void test_v2(void **state)
{
        struct cg_host *h = host_new();

        assert_int_equal(cg_layout_parse(h, CG_MODE_V2, v2_cgroup, v2_mountinfo), 0);
        assert_int_equal(h->mode, CG_MODE_V2);
        assert_int_equal(h->n_v1, 0); /* a v1 mount on a v2 host is not used */
        assert_int_equal(h->v1_mask, 0);
        assert_string_equal(h->unified.mount, "/sys/fs/cgroup");
        assert_string_equal(h->unified.own, "/system.slice/cgmeter.service");
        free(h);

        /* Another root name: the agent leaf is not ours, the path stays. */
        h = host_new();
        snprintf(h->root_name, sizeof(h->root_name), "other");
        assert_int_equal(cg_layout_parse(h, CG_MODE_V2, v2_cgroup, v2_mountinfo), 0);
        assert_string_equal(h->unified.own, "/system.slice/cgmeter.service/cgmeter/agent");
        free(h);

        /* Agent at the root cgroup (the VM test bed). */
        h = host_new();
        assert_int_equal(cg_layout_parse(h, CG_MODE_V2, "0::/cgmeter/agent\n", v2_mountinfo), 0);
        assert_string_equal(h->unified.own, "/");
        free(h);

        h = host_new();
        assert_int_equal(cg_layout_parse(h, CG_MODE_V2, v2_cgroup, hybrid_mountinfo + 0), 0);
        assert_string_equal(h->unified.mount, "/sys/fs/cgroup/unified");
        free(h);

        h = host_new();
        assert_int_equal(cg_layout_parse(h, CG_MODE_V2, v2_cgroup, v1_mountinfo), -ENOENT);
        free(h);
}

static void test_mount_root_and_escapes(void **state)
{
        static const char mi[] =
            "35 31 0:32 /docker/abc /sys/fs/cgroup/my\\040memory rw - cgroup cgroup rw,memory\n"
            "36 31 0:33 /other /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n";
        static const char pc[] = "4:memory:/docker/abc/sub\n3:pids:/docker/abc\n";
        struct cg_host *h = host_new();
        char s[] = "a\\040b\\011c\\134d\\08";

        cg_unescape_mount(s);
        assert_string_equal(s, "a b\tc\\d\\08");

        assert_int_equal(cg_layout_parse(h, CG_MODE_V1, pc, mi), 0);
        assert_int_equal(h->n_v1, 1); /* pids: our cgroup is not below that mount's root */
        assert_string_equal(h->v1[0].mount, "/sys/fs/cgroup/my memory");
        assert_string_equal(h->v1[0].own, "/sub");
        free(h);

        h = host_new();
        assert_int_equal(cg_layout_parse(h, CG_MODE_V1, "3:pids:/docker/abc\n", mi), -ENOENT);
        free(h);

        /* Garbage lines are skipped, not fatal. */
        h = host_new();
        assert_int_equal(cg_layout_parse(h, CG_MODE_HYBRID, hybrid_cgroup, "junk\n\n1 2 3\n"), -ENOENT);
        free(h);
}

static void test_detect_mode(void **state)
{
        enum cg_mode m = (enum cg_mode)99;

        assert_int_equal(cg_detect_mode("/proc", &m), -ENOMEDIUM);
        assert_int_equal(cg_detect_mode("/nonexistent-cgmeter", &m), -ENOENT);
        assert_int_equal(m, 99);
        if (cg_detect_mode("/sys/fs/cgroup", &m) < 0)
                skip();
        /* The build machines are hybrid, the VM is pure v2. */
        assert_true(m == CG_MODE_HYBRID || m == CG_MODE_V2 || m == CG_MODE_V1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_hybrid),      cmocka_unit_test(test_v1),
                cmocka_unit_test(test_v2),          cmocka_unit_test(test_mount_root_and_escapes),
                cmocka_unit_test(test_detect_mode),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
