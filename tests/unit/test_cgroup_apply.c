/* As root against the real cgroupfs (hybrid here, pure v2 in the VM): create a node below the own cgroup,
 * apply every key this host supports and read every file back, update live, refuse what cannot be done,
 * enforce device rules and cpusets on a child, and remove everything. The subtree is "cgmeter-test-<pid>". */
#include "cgroup-internal.h" /* first: autoconfig.h sets _GNU_SOURCE for sched.h */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>

#define M (1024ull * 1024)

static struct cg_host *host;
static char root_name[POLICY_NAME_MAX];
static struct cg_node *node;
static pid_t child = -1;

static void blank(struct policy *p)
{
        memset(p, 0, sizeof(*p));
        snprintf(p->name, sizeof(p->name), "p");
        p->mem_limit = p->mem_swap_limit = p->mem_soft_limit = p->swappiness = POLICY_UNSET;
        p->cpu_quota_us = p->cpu_period_us = p->cpu_shares = p->cpu_weight = p->cpu_burst_us = POLICY_UNSET;
        p->blkio_weight = p->pids_max = p->uid = p->gid = POLICY_UNSET;
        p->oom_kill_disable = -1;
        p->devices_default = -1;
}

static bool v2(void)
{
        return host->mode == CG_MODE_V2;
}

/* Does the node have this file (for keys that depend on kernel options)? */
static bool has(enum cg_controller c, const char *file)
{
        _cleanup_close_ int fd = cg_node_dirfd(host, node, c);

        return fd >= 0 && faccessat(fd, file, F_OK, 0) == 0;
}

/* The first line of a node file. */
static const char *rd(enum cg_controller c, const char *file)
{
        static char line[4096];
        _cleanup_free_ char *buf = NULL;
        _cleanup_close_ int fd = cg_node_dirfd(host, node, c);

        assert_true(fd >= 0);
        assert_int_equal(read_file_at(fd, file, 1 << 20, &buf, NULL), 0);
        buf[strcspn(buf, "\n")] = '\0';
        snprintf(line, sizeof(line), "%s", buf);
        return line;
}

/* A whole disk for throttles ("254:0"), or false when the host has none (the VM's initramfs). */
static bool block_device(uint32_t *ret_major, uint32_t *ret_minor)
{
        _cleanup_closedir_ DIR *d = opendir("/sys/block");
        struct dirent *de;

        while (d && (de = readdir(d))) {
                _cleanup_free_ char *buf = NULL;
                char path[300];

                if (de->d_name[0] == '.' || !strncmp(de->d_name, "loop", 4) ||
                    !strncmp(de->d_name, "ram", 3) || !strncmp(de->d_name, "zram", 4))
                        continue;
                snprintf(path, sizeof(path), "/sys/block/%s/dev", de->d_name);
                if (read_file_at(AT_FDCWD, path, 64, &buf, NULL) == 0 &&
                    sscanf(buf, "%" SCNu32 ":%" SCNu32, ret_major, ret_minor) == 2)
                        return true;
        }
        return false;
}

static int group_setup(void **state)
{
        int r;

        if (geteuid() != 0)
                return 0; /* every test skips */
        snprintf(root_name, sizeof(root_name), "cgmeter-test-%d", (int)getpid());
        r = cg_host_open(root_name, false, &host);
        if (r < 0) {
                fprintf(stderr, "# cg_host_open: %s\n", strerror(-r));
                return r == -ENOMEDIUM ? 0 : -1;
        }
        fprintf(stderr, "# cgroup mode: %s\n", cg_mode_name(host->mode));
        return 0;
}

static int test_setup(void **state)
{
        if (!host)
                return 0;
        return cg_node_create(host, "p", "t1", &node) == 0 ? 0 : -1;
}

/* Remove what a test made, also when it failed halfway. */
static int test_teardown(void **state)
{
        struct cg_node *pn = NULL;

        if (child > 0) {
                kill(child, SIGKILL);
                waitpid(child, NULL, 0);
                child = -1;
        }
        if (node) {
                (void)cg_node_kill(host, node);
                (void)cg_node_remove(host, node);
                node = cg_node_free(node);
        }
        if (host && cg_node_open(host, "p", NULL, &pn) == 0) {
                (void)cg_node_remove(host, pn);
                cg_node_free(pn);
        }
        return 0;
}

static bool left_behind(void)
{
        char path[2 * PATH_MAX + POLICY_NAME_MAX + 2];

        for (size_t i = 0; i < host->n_v1; i++) {
                snprintf(path, sizeof(path), "%s%s/%s", host->v1[i].mount, host->v1[i].own, root_name);
                if (access(path, F_OK) == 0)
                        return true;
        }
        snprintf(path, sizeof(path), "%s%s/%s", host->unified.mount, host->unified.own, root_name);
        return host->unified.mount[0] && access(path, F_OK) == 0;
}

static int group_teardown(void **state)
{
        int r = 0;

        if (host) {
                r = cg_host_remove(host);
                if (r < 0 || left_behind())
                        fprintf(stderr, "# could not remove the test subtree %s: %s\n", root_name,
                                strerror(-r));
                host = cg_host_free(host);
        }
        return r < 0 ? -1 : 0;
}

#define REQUIRE_HOST()                                                                                       \
        do {                                                                                                 \
                if (!host)                                                                                   \
                        skip();                                                                              \
        } while (0)

/* ---- children in the node ---- */

static int go_pipe[2] = { -1, -1 }, ready_pipe[2] = { -1, -1 };

static void put_in_node(pid_t pid)
{
        struct cg_join j;
        char buf[32];

        assert_int_equal(cg_node_join_fds(host, node, &j), 0);
        assert_int_equal(cg_join_write_pid(&j, pid), 0);
        cg_join_close(&j);
        if (node->unified_fd >= 0) {
                snprintf(buf, sizeof(buf), "%d", (int)pid);
                assert_int_equal(write_file_at(node->unified_fd, "cgroup.procs", buf), 0);
        }
}

/* Fork a child that waits until it is in the node, runs fn, reports fn's result on ready_pipe, then sleeps.
 */
static void spawn(int (*fn)(void))
{
        char c = 0;

        assert_int_equal(pipe2(go_pipe, O_CLOEXEC), 0);
        assert_int_equal(pipe2(ready_pipe, O_CLOEXEC), 0);
        child = fork();
        assert_true(child >= 0);
        if (child == 0) {
                int res;

                if (read(go_pipe[0], &c, 1) != 1)
                        _exit(1);
                res = fn();
                if (write(ready_pipe[1], &res, sizeof(res)) != sizeof(res))
                        _exit(1);
                pause();
                _exit(0);
        }
        put_in_node(child);
        assert_int_equal(write(go_pipe[1], &c, 1), 1);
}

static int child_result(void)
{
        int res = -1;

        assert_int_equal(read(ready_pipe[0], &res, sizeof(res)), sizeof(res));
        for (int i = 0; i < 2; i++) {
                closep(&go_pipe[i]);
                closep(&ready_pipe[i]);
        }
        return res;
}

static void reap(void)
{
        int status;

        assert_int_equal(cg_node_kill(host, node), 0);
        assert_int_equal(waitpid(child, &status, 0), child);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        child = -1;
}

static int touch_40m(void)
{
        size_t len = 40 * M;
        char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

        if (p == MAP_FAILED)
                return errno;
        memset(p, 1, len);
        return 0;
}

static int open_null(void)
{
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return errno;
        close(fd);
        return 0;
}

static int affinity(void)
{
        cpu_set_t set;

        if (sched_getaffinity(0, sizeof(set), &set) < 0)
                return -errno;
        return CPU_COUNT(&set) == 1 && CPU_ISSET(0, &set) ? 1 : 2;
}

/* ---- tests ---- */

/* Every key this host supports, read back exactly. */
static void test_apply_readback(void **state)
{
        struct policy p;
        struct cg_error err;
        uint32_t maj, min;
        bool disk, memsw, burst, weight;
        char dev[64];

        REQUIRE_HOST();
        blank(&p);
        memsw = has(CG_MEMORY, v2() ? "memory.swap.max" : "memory.memsw.limit_in_bytes");
        burst = has(CG_CPU, v2() ? "cpu.max.burst" : "cpu.cfs_burst_us");
        disk = block_device(&maj, &min) && has(CG_BLKIO, v2() ? "io.max" : "blkio.throttle.read_bps_device");
        weight = has(CG_BLKIO, v2() ? "io.weight" : "blkio.weight");
        if (weight)
                p.blkio_weight = 500;
        p.mem_limit = 64 * M;
        if (memsw)
                p.mem_swap_limit = 128 * M;
        p.mem_soft_limit = 32 * M;
        if (!v2()) {
                p.oom_kill_disable = 1;
                p.swappiness = 10;
        }
        p.cpu_quota_us = 50000;
        p.cpu_period_us = 100000;
        if (burst)
                p.cpu_burst_us = 10000;
        p.cpu_shares = 512;
        p.has_cpus = p.has_mems = true;
        p.cpus.bits[0] = p.mems.bits[0] = 1;
        if (disk) {
                p.throttles[0] = (struct policy_throttle){ THROTTLE_READ_BPS, maj, min, 1048576 };
                p.throttles[1] = (struct policy_throttle){ THROTTLE_WRITE_IOPS, maj, min, 300 };
                p.n_throttles = 2;
        }
        p.pids_max = 64;
        p.devices_default = 0;
        p.devrules[0] = (struct policy_devrule){ true, 'c', 1, 3, "rwm" };
        p.n_devrules = 1;

        assert_int_equal(cg_apply(host, node, &p, &err), 0);

        assert_string_equal(rd(CG_CPUSET, "cpuset.cpus"), "0");
        assert_string_equal(rd(CG_CPUSET, "cpuset.mems"), "0");
        assert_string_equal(rd(CG_PIDS, "pids.max"), "64");
        if (v2()) {
                assert_string_equal(rd(CG_MEMORY, "memory.max"), "67108864");
                if (memsw)
                        assert_string_equal(rd(CG_MEMORY, "memory.swap.max"), "67108864");
                assert_string_equal(rd(CG_MEMORY, "memory.low"), "33554432");
                assert_string_equal(rd(CG_CPU, "cpu.max"), "50000 100000");
                if (burst)
                        assert_string_equal(rd(CG_CPU, "cpu.max.burst"), "10000");
                assert_string_equal(rd(CG_CPU, "cpu.weight"), "20");
                if (weight)
                        assert_string_equal(rd(CG_BLKIO, "io.weight"), "default 4950");
                if (disk) {
                        snprintf(dev, sizeof(dev), "%u:%u rbps=1048576 wbps=max riops=max wiops=300", maj,
                                 min);
                        assert_string_equal(rd(CG_BLKIO, "io.max"), dev);
                }
                assert_int_equal(cg_bpf_devices_count(node->unified_fd), 1);
        } else {
                assert_string_equal(rd(CG_MEMORY, "memory.limit_in_bytes"), "67108864");
                if (memsw)
                        assert_string_equal(rd(CG_MEMORY, "memory.memsw.limit_in_bytes"), "134217728");
                assert_string_equal(rd(CG_MEMORY, "memory.soft_limit_in_bytes"), "33554432");
                assert_string_equal(rd(CG_MEMORY, "memory.oom_control"), "oom_kill_disable 1");
                assert_string_equal(rd(CG_MEMORY, "memory.swappiness"), "10");
                assert_string_equal(rd(CG_CPU, "cpu.cfs_period_us"), "100000");
                assert_string_equal(rd(CG_CPU, "cpu.cfs_quota_us"), "50000");
                if (burst)
                        assert_string_equal(rd(CG_CPU, "cpu.cfs_burst_us"), "10000");
                assert_string_equal(rd(CG_CPU, "cpu.shares"), "512");
                if (weight)
                        assert_string_equal(rd(CG_BLKIO, "blkio.weight"), "500");
                if (disk) {
                        snprintf(dev, sizeof(dev), "%u:%u 1048576", maj, min);
                        assert_string_equal(rd(CG_BLKIO, "blkio.throttle.read_bps_device"), dev);
                        snprintf(dev, sizeof(dev), "%u:%u 300", maj, min);
                        assert_string_equal(rd(CG_BLKIO, "blkio.throttle.write_iops_device"), dev);
                }
                assert_string_equal(rd(CG_DEVICES, "devices.list"), "c 1:3 rwm");
        }
        fprintf(stderr, "# checked: swap %s, burst %s, io weight %s, throttles %s\n",
                memsw ? "yes" : "no (no file)", burst ? "yes" : "no (no file)",
                weight ? "yes" : "no (no file)", disk ? "yes" : "no (no disk)");
}

/* Raise and lower the memory limit, change quota and period, drop keys. */
static void test_update_live(void **state)
{
        const char *limit = v2() ? "memory.max" : "memory.limit_in_bytes";
        struct policy a, b, c;
        struct cg_error err;

        REQUIRE_HOST();
        blank(&a);
        a.mem_limit = 64 * M;
        a.cpu_quota_us = 50000;
        a.cpu_period_us = 100000;
        a.pids_max = 100;
        assert_int_equal(cg_apply(host, node, &a, &err), 0);
        b = a;
        b.mem_limit = 256 * M;
        b.cpu_quota_us = 20000;
        b.cpu_period_us = 50000;
        assert_int_equal(cg_update(host, node, &a, &b, &err), 0);
        assert_string_equal(rd(CG_MEMORY, limit), "268435456");
        assert_string_equal(rd(CG_CPU, v2() ? "cpu.max" : "cpu.cfs_quota_us"),
                            v2() ? "20000 50000" : "20000");
        if (!v2())
                assert_string_equal(rd(CG_CPU, "cpu.cfs_period_us"), "50000");
        c = b;
        c.mem_limit = 32 * M;
        assert_int_equal(cg_update(host, node, &b, &c, &err), 0);
        assert_string_equal(rd(CG_MEMORY, limit), "33554432");
        /* Dropped keys go back to unlimited. */
        blank(&a);
        assert_int_equal(cg_update(host, node, &c, &a, &err), 0);
        assert_string_equal(rd(CG_MEMORY, limit), v2() ? "max" : "9223372036854771712");
        assert_string_equal(rd(CG_CPU, v2() ? "cpu.max" : "cpu.cfs_quota_us"), v2() ? "max 100000" : "-1");
        assert_string_equal(rd(CG_PIDS, "pids.max"), "max");
}

/* A limit below what the task uses is refused with nothing written; populated and kill work. */
static void test_below_usage(void **state)
{
        const char *limit = v2() ? "memory.max" : "memory.limit_in_bytes";
        const char *prefix = "memory.limit 16M is below current usage ";
        struct policy a, b;
        struct cg_error err;

        REQUIRE_HOST();
        blank(&a);
        a.mem_limit = 128 * M;
        a.pids_max = 100;
        assert_int_equal(cg_apply(host, node, &a, &err), 0);
        assert_int_equal(cg_node_populated(host, node), 0);
        spawn(touch_40m);
        assert_int_equal(child_result(), 0);
        assert_int_equal(cg_node_populated(host, node), 1);
        b = a;
        b.mem_limit = 16 * M;
        b.pids_max = 50;
        assert_int_equal(cg_update(host, node, &a, &b, &err), -EBUSY);
        assert_int_equal(err.err, -EBUSY);
        assert_string_equal(err.file, v2() ? "memory.current" : "memory.usage_in_bytes");
        assert_memory_equal(err.msg, prefix, strlen(prefix));
        fprintf(stderr, "# refused: %s\n", err.msg);
        assert_string_equal(rd(CG_MEMORY, limit), "134217728");
        assert_string_equal(rd(CG_PIDS, "pids.max"), "100");
        reap();
        assert_int_equal(cg_node_populated(host, node), 0);
        assert_int_equal(cg_node_remove(host, node), 0);
}

/* What the host cannot do is refused before any write; a failing write rolls back the ones before it. */
static void test_refusal_and_rollback(void **state)
{
        const char *limit = v2() ? "memory.max" : "memory.limit_in_bytes";
        struct policy a, b;
        struct cg_error err;

        REQUIRE_HOST();
        blank(&a);
        a.mem_limit = 64 * M;
        a.cpu_period_us = 100000;
        a.cpu_quota_us = 100000;
        assert_int_equal(cg_apply(host, node, &a, &err), 0);

        b = a;
        b.pids_max = 32;
        if (v2()) {
                b.oom_kill_disable = 1;
                assert_int_equal(cg_update(host, node, &a, &b, &err), -EOPNOTSUPP);
                assert_string_equal(
                    err.msg,
                    "memory.oom_kill_disable has no cgroup v2 equivalent: remove it from the policy");
        } else if (!has(CG_BLKIO, "blkio.weight") && !has(CG_BLKIO, "blkio.bfq.weight")) {
                b.blkio_weight = 500;
                assert_int_equal(cg_update(host, node, &a, &b, &err), -EOPNOTSUPP);
                assert_string_equal(err.file, "blkio.weight");
                assert_string_equal(err.msg, "not supported by this kernel");
        }
        assert_string_equal(rd(CG_PIDS, "pids.max"), "max");

        /* The quota (1000us minimum) fails after the memory limit and the period were written. */
        b = a;
        b.mem_limit = 48 * M;
        b.cpu_period_us = 200000;
        b.cpu_quota_us = 500;
        assert_int_equal(cg_update(host, node, &a, &b, &err), -EINVAL);
        assert_string_equal(err.file, v2() ? "cpu.max" : "cpu.cfs_quota_us");
        assert_string_equal(err.msg, v2() ? "cannot write \"500 200000\": Invalid argument"
                                          : "cannot write \"500\": Invalid argument");
        assert_string_equal(rd(CG_MEMORY, limit), "67108864");
        assert_string_equal(rd(CG_CPU, v2() ? "cpu.max" : "cpu.cfs_period_us"),
                            v2() ? "100000 100000" : "100000");
}

/* Default deny: a child in the node cannot open /dev/null; back to allow, it can. */
static void test_devices(void **state)
{
        struct policy a, b;
        struct cg_error err;

        REQUIRE_HOST();
        blank(&a);
        a.devices_default = 0;
        a.devrules[0] = (struct policy_devrule){ true, 'c', 1, 5, "rwm" }; /* /dev/zero only */
        a.n_devrules = 1;
        assert_int_equal(cg_apply(host, node, &a, &err), 0);
        spawn(open_null);
        assert_int_equal(child_result(), EPERM);
        reap();

        blank(&b);
        b.devices_default = 1;
        assert_int_equal(cg_update(host, node, &a, &b, &err), 0);
        spawn(open_null);
        assert_int_equal(child_result(), 0);
        reap();
}

/* On hybrid the unified tree takes cgroup-BPF too: the same rules as a program, and detached again. */
static void test_devices_bpf(void **state)
{
        struct policy a;

        REQUIRE_HOST();
        if (node->unified_fd < 0)
                skip();
        blank(&a);
        a.devices_default = 0;
        a.devrules[0] = (struct policy_devrule){ true, 'c', 1, 5, "rwm" };
        a.n_devrules = 1;
        assert_int_equal(cg_bpf_devices_set(node->unified_fd, &a), 0);
        assert_int_equal(cg_bpf_devices_set(node->unified_fd, &a), 0); /* replaced, not stacked */
        assert_int_equal(cg_bpf_devices_count(node->unified_fd), 1);
        spawn(open_null);
        assert_int_equal(child_result(), EPERM);
        reap();
        assert_int_equal(cg_bpf_devices_set(node->unified_fd, NULL), 0);
        assert_int_equal(cg_bpf_devices_count(node->unified_fd), 0);
        spawn(open_null);
        assert_int_equal(child_result(), 0);
        reap();
}

static void test_cpuset(void **state)
{
        struct policy a;
        struct cg_error err;

        REQUIRE_HOST();
        blank(&a);
        a.has_cpus = true;
        a.cpus.bits[0] = 1;
        assert_int_equal(cg_apply(host, node, &a, &err), 0);
        spawn(affinity);
        assert_int_equal(child_result(), 1);
        reap();
}

static int nothing(void)
{
        return 0;
}

static int frozen_within_2s(int want)
{
        int r = -1;

        for (int i = 0; i < 200; i++) {
                r = cg_node_frozen(host, node);
                if (r == want)
                        break;
                usleep(10000);
        }
        return r;
}

static void test_freeze(void **state)
{
        REQUIRE_HOST();
        spawn(nothing);
        assert_int_equal(child_result(), 0);
        assert_int_equal(cg_node_frozen(host, node), 0);
        assert_int_equal(cg_node_freeze(host, node, true), 0);
        assert_int_equal(frozen_within_2s(1), 1);
        assert_int_equal(cg_node_freeze(host, node, false), 0);
        assert_int_equal(frozen_within_2s(0), 0);
        reap();
}

struct seen {
        char items[8][2 * POLICY_NAME_MAX];
        size_t n;
};

static int collect(void *userdata, const char *policy, const char *task)
{
        struct seen *s = userdata;

        if (s->n < ARRAY_SIZE(s->items))
                snprintf(s->items[s->n++], sizeof(s->items[0]), "%s/%s", policy, task ? task : "-");
        return 0;
}

static void test_nodes(void **state)
{
        struct cg_node *n = NULL;
        struct seen s = { .n = 0 };

        REQUIRE_HOST();
        assert_int_equal(cg_list_nodes(host, collect, &s), 0);
        assert_int_equal(s.n, 2);
        assert_string_equal(s.items[0], "p/-");
        assert_string_equal(s.items[1], "p/t1");
        assert_int_equal(cg_node_create(host, "p", "t1", &n), -EEXIST);
        assert_int_equal(cg_node_create(host, "..", "t2", &n), -EINVAL);
        assert_int_equal(cg_node_create(host, "p", "a/b", &n), -EINVAL);
        assert_int_equal(cg_node_open(host, "p", "t9", &n), -ENOENT);
        assert_null(n);
        assert_int_equal(cg_node_open(host, "p", "t1", &n), 0);
        assert_string_equal(n->path, "p/t1");
        assert_int_equal(cg_node_remove(host, n), 0);
        assert_int_equal(cg_node_remove(host, n), 0); /* already gone is fine */
        cg_node_free(n);
        assert_int_equal(cg_node_open(host, "p", "t1", &n), -ENOENT);
}

/* In a child of our own with a private mount namespace, so the mounts vanish with it. Returns the failing
 * line. */
#define CHECK(cond)                                                                                          \
        do {                                                                                                 \
                if (!(cond)) {                                                                               \
                        fprintf(stderr, "# %s:%d: %s failed\n", __FILE__, __LINE__, #cond);                  \
                        return __LINE__;                                                                     \
                }                                                                                            \
        } while (0)

/* A v1 hierarchy is destroyed at umount only when its root has no children left, also dying ones: wait for
 * the removed cgroups to be released, or the (unmounted) hierarchy would stay on the host. */
static bool released(const char *subsys)
{
        for (int i = 0; i < 500; i++) {
                _cleanup_free_ char *buf = NULL;
                char key[32];
                const char *l;
                unsigned hier, num;

                snprintf(key, sizeof(key), "\n%s\t", subsys);
                if (read_file_at(AT_FDCWD, "/proc/cgroups", 65536, &buf, NULL) < 0 ||
                    !(l = strstr(buf, key)) || sscanf(l + strlen(key), "%u %u", &hier, &num) != 2)
                        return false;
                if (num == 1)
                        return true;
                usleep(10000);
        }
        return false;
}

static int require_steps(const char *dir, const char *name, struct cg_host **hp)
{
        char path[256];
        struct cg_host_paths paths = { .mount_dir = dir };
        struct cg_report rep;
        struct cg_host *h = NULL;
        struct cg_node *n = NULL, *pn = NULL;
        struct cg_error err;
        struct policy p;
        _cleanup_free_ char *prio = NULL;
        int fd = -1;

        CHECK(cg_host_open_at(&paths, name, true, &h) == 0);
        *hp = h;
        /* another process may have mounted them on the host since the parent looked: nothing to test then */
        if (cg_host_require(h, CG_MASK(CG_NET_CLS) | CG_MASK(CG_NET_PRIO) | CG_MASK(CG_PERF_EVENT), &rep) ==
            0) {
                return 77;
        }
        snprintf(path, sizeof(path),
                 "mounted the net_cls,net_prio hierarchy at %s/net_cls,net_prio; mounted the perf_event "
                 "hierarchy at "
                 "%s/perf_event",
                 dir, dir);
        CHECK(streq(rep.msg, path));
        CHECK(h->mounted == (CG_MASK(CG_NET_CLS) | CG_MASK(CG_NET_PRIO) | CG_MASK(CG_PERF_EVENT)));
        CHECK(cg_host_require(h, CG_MASK(CG_NET_CLS), &rep) == 0); /* already there */
        CHECK(cg_node_create(h, "p", "t1", &n) == 0);
        blank(&p);
        p.has_classid = true;
        p.classid = 0x100001;
        p.priomap[0] = (struct policy_priomap){ "lo", 5 };
        p.n_priomap = 1;
        CHECK(cg_apply(h, n, &p, &err) == 0);
        fd = cg_node_dirfd(h, n, CG_NET_PRIO);
        CHECK(fd >= 0 && read_file_at(fd, "net_prio.ifpriomap", 65536, &prio, NULL) == 0);
        closep(&fd);
        CHECK(strstr(prio, "lo 5\n") != NULL);
        free(prio);
        prio = NULL;
        fd = cg_node_dirfd(h, n, CG_NET_CLS);
        CHECK(fd >= 0 && read_file_at(fd, "net_cls.classid", 64, &prio, NULL) == 0);
        closep(&fd);
        CHECK(streq(prio, "1048577\n"));
        CHECK(cg_node_remove(h, n) == 0);
        cg_node_free(n);
        CHECK(cg_node_open(h, "p", NULL, &pn) == 0);
        CHECK(cg_node_remove(h, pn) == 0);
        cg_node_free(pn);
        CHECK(cg_host_remove(h) == 0);
        /* best effort: if another process holds cgroups in these hierarchies too, they outlive this unmount
         * until that process is done with them; nothing of this test's is left in them either way */
        (void)(released("net_cls") && released("perf_event"));
        return 0;
}

/* In a mount namespace of its own; whatever happened, nothing is left: the test's cgroups in every hierarchy,
 * its mounts (a v1 hierarchy holding cgroups would outlive them, hidden) and its directory. */
static int require_in_namespace(void)
{
        static const char *const hier[] = { "net_cls,net_prio", "perf_event" };
        char dir[64], name[POLICY_NAME_MAX], path[256];
        struct cg_host *h = NULL;
        struct cg_node *n = NULL;
        int r;

        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return __LINE__;
        snprintf(dir, sizeof(dir), "/tmp/cgmeter-req-%d", (int)getpid());
        snprintf(name, sizeof(name), "cgmeter-req-%d", (int)getpid());
        r = require_steps(dir, name, &h);
        if (h) {
                if (cg_node_open(h, "p", "t1", &n) == 0) {
                        cg_node_remove(h, n);
                        cg_node_free(n);
                }
                if (cg_node_open(h, "p", NULL, &n) == 0) {
                        cg_node_remove(h, n);
                        cg_node_free(n);
                }
                cg_host_remove(h);
                cg_host_free(h);
        }
        for (size_t i = 0; i < ARRAY_SIZE(hier); i++) {
                snprintf(path, sizeof(path), "%s/%s", dir, hier[i]);
                if (umount(path) < 0 && errno != EINVAL && errno != ENOENT && r == 0)
                        r = __LINE__;
                rmdir(path);
        }
        if (rmdir(dir) < 0 && errno != ENOENT && r == 0)
                r = __LINE__;
        return r;
}

/* Missing v1 hierarchies: refused with what to do, or mounted when allowed; on v2 net_cls is refused. */
static void test_require(void **state)
{
        struct cg_report rep;
        pid_t pid;
        int status;

        REQUIRE_HOST();
        if (v2()) {
                assert_int_equal(cg_host_require(host, CG_MASK(CG_PERF_EVENT), &rep), 0);
                assert_int_equal(cg_host_require(host, CG_MASK(CG_NET_PRIO), &rep), -EOPNOTSUPP);
                assert_string_equal(rep.msg,
                                    "net_cls and net_prio do not exist on cgroup v2: remove "
                                    "[net_cls]/[net_prio] from the policy (match the task's cgroup in "
                                    "nftables with 'socket cgroupv2' instead)");
                return;
        }
        if ((host->v1_mask & CG_MASK(CG_NET_CLS)) && (host->v1_mask & CG_MASK(CG_PERF_EVENT))) {
                assert_int_equal(cg_host_require(host, CG_MASK(CG_NET_CLS) | CG_MASK(CG_PERF_EVENT), &rep),
                                 0);
                skip(); /* both mounted already: nothing to mount */
        }
        if (!(host->v1_mask & CG_MASK(CG_NET_CLS))) {
                assert_int_equal(cg_host_require(host, CG_MASK(CG_NET_CLS), &rep), -ENOENT);
                assert_string_equal(rep.msg,
                                    "the net_cls,net_prio hierarchy is not mounted: set mount_controllers "
                                    "= yes in [agent] or run 'mkdir -p /run/cgmeter/cgroup/net_cls,net_prio "
                                    "&& mount -t cgroup -o net_cls,net_prio cgroup "
                                    "/run/cgmeter/cgroup/net_cls,net_prio'");
        }
        if ((host->v1_mask & CG_MASK(CG_NET_CLS)) || (host->v1_mask & CG_MASK(CG_PERF_EVENT)))
                skip(); /* the namespace test below expects both missing */
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                _exit(require_in_namespace());
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        if (WEXITSTATUS(status) == 77)
                skip();
        assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_apply_readback, test_setup, test_teardown),
                cmocka_unit_test_setup_teardown(test_update_live, test_setup, test_teardown),
                cmocka_unit_test_setup_teardown(test_below_usage, test_setup, test_teardown),
                cmocka_unit_test_setup_teardown(test_refusal_and_rollback, test_setup, test_teardown),
                cmocka_unit_test_setup_teardown(test_devices, test_setup, test_teardown),
                cmocka_unit_test_setup_teardown(test_devices_bpf, test_setup, test_teardown),
                cmocka_unit_test_setup_teardown(test_cpuset, test_setup, test_teardown),
                cmocka_unit_test_setup_teardown(test_freeze, test_setup, test_teardown),
                cmocka_unit_test_setup_teardown(test_nodes, test_setup, test_teardown),
                cmocka_unit_test(test_require),
        };

        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
