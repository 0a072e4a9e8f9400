/* Network collector tests: the generated cgroup_skb program (shape, as pure data), cgroup ids and levels, the
 * collector without a map; as root, the kernel's verifier on both programs, counting per ancestor cgroup
 * through BPF_PROG_TEST_RUN, and the probe attaching to (and re-finding on) a real unified cgroup with real
 * loopback TCP traffic from a child in a task cgroup below it. Cgroups are made below this process's own
 * unified cgroup and removed in teardown. */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <cmocka.h>

#include "collector.h"
#include "net.h"
#include "util.h"

#define FAKE_MAP_FD 7

static size_t gen(int level, bool egress, struct bpf_insn *insns, size_t max)
{
        size_t n = 0;

        assert_int_equal(net_program(FAKE_MAP_FD, level, egress, insns, max, &n), 0);
        return n;
}

/* Index of the first instruction with this code (and imm, when imm >= 0), or -1. */
static int find_insn(const struct bpf_insn *insns, size_t n, uint8_t code, int imm)
{
        for (size_t i = 0; i < n; i++)
                if (insns[i].code == code && (imm < 0 || insns[i].imm == imm))
                        return (int)i;
        return -1;
}

static void test_program_shape(void **state)
{
        struct bpf_insn in[NET_PROG_MAX_INSNS], out[NET_PROG_MAX_INSNS], leaf[NET_PROG_MAX_INSNS];
        size_t n_in = gen(2, false, in, ARRAY_SIZE(in)), n_out = gen(2, true, out, ARRAY_SIZE(out));
        size_t n_leaf = gen(-1, false, leaf, ARRAY_SIZE(leaf));
        const uint8_t atomic = BPF_STX | BPF_DW | BPF_ATOMIC, call = BPF_JMP | BPF_CALL;
        int i;

        assert_int_equal(n_in, 36);
        assert_int_equal(n_out, 36);
        assert_int_equal(n_leaf, 35); /* no level argument */
        /* ends "r0 = 1; exit": every packet is allowed */
        assert_int_equal(in[n_in - 1].code, BPF_JMP | BPF_EXIT);
        assert_int_equal(in[n_in - 2].code, BPF_ALU64 | BPF_MOV | BPF_K);
        assert_int_equal(in[n_in - 2].dst_reg, 0);
        assert_int_equal(in[n_in - 2].imm, 1);
        /* the level, then the ancestor's id */
        i = find_insn(in, n_in, call, BPF_FUNC_skb_ancestor_cgroup_id);
        assert_int_equal(i, 3);
        assert_int_equal(in[i - 1].imm, 2);
        assert_int_equal(find_insn(leaf, n_leaf, call, BPF_FUNC_skb_ancestor_cgroup_id), -1);
        assert_int_equal(find_insn(leaf, n_leaf, call, BPF_FUNC_skb_cgroup_id), 2);
        /* the map by fd, three times (lookup, insert, lookup) */
        for (size_t k = 0, seen = 0; k < n_in; k++) {
                if (in[k].code == (BPF_LD | BPF_DW | BPF_IMM)) {
                        assert_int_equal(in[k].src_reg, BPF_PSEUDO_MAP_FD);
                        assert_int_equal(in[k].imm, FAKE_MAP_FD);
                        seen++;
                }
                if (k == n_in - 1)
                        assert_int_equal(seen, 3);
        }
        /* ingress adds to rx_*, egress to tx_*; bytes come from skb->len in r7 */
        i = find_insn(in, n_in, atomic, -1);
        assert_int_equal(in[i].off, offsetof(struct net_counters, rx_bytes));
        assert_int_equal(in[i].src_reg, 7);
        assert_int_equal(in[i + 2].off, offsetof(struct net_counters, rx_packets));
        i = find_insn(out, n_out, atomic, -1);
        assert_int_equal(out[i].off, offsetof(struct net_counters, tx_bytes));
        assert_int_equal(out[i + 2].off, offsetof(struct net_counters, tx_packets));
        assert_int_equal(in[1].off, offsetof(struct __sk_buff, len));
        /* every jump lands inside the program */
        for (size_t k = 0; k < n_in; k++)
                if (BPF_CLASS(in[k].code) == BPF_JMP && BPF_OP(in[k].code) != BPF_CALL &&
                    BPF_OP(in[k].code) != BPF_EXIT)
                        assert_true(k + 1 + in[k].off < n_in && in[k].off > 0);
}

static void test_program_errors(void **state)
{
        struct bpf_insn insns[NET_PROG_MAX_INSNS];
        size_t n = 99;

        assert_int_equal(net_program(-1, 2, false, insns, ARRAY_SIZE(insns), &n), -EINVAL);
        assert_int_equal(net_program(FAKE_MAP_FD, 2, false, NULL, 0, &n), -EINVAL);
        assert_int_equal(net_program(FAKE_MAP_FD, 2, false, insns, 35, &n), -ENOBUFS);
        assert_int_equal(n, 99);
        assert_int_equal(net_program(FAKE_MAP_FD, 2, false, insns, 36, &n), 0);
        assert_int_equal(n, 36);
}

static void test_cgroup_id_and_level(void **state)
{
        char dir[] = "/tmp/test_net.XXXXXX";
        _cleanup_close_ int fd = -1;
        struct statfs fs;
        struct stat st;
        uint64_t id = 0;

        assert_non_null(mkdtemp(dir));
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(fstat(fd, &st), 0);
        assert_int_equal(net_cgroup_id(fd, &id), 0);
        assert_int_equal(id, (uint64_t)st.st_ino);
        assert_int_equal(rmdir(dir), 0);
        assert_int_equal(net_cgroup_id(-1, &id), -EBADF);

        if (statfs("/sys/fs/cgroup/unified", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC) {
                _cleanup_close_ int root = open("/sys/fs/cgroup/unified", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                assert_int_equal(net_cgroup_level(root), 0);
                assert_int_equal(net_cgroup_id(root, &id), 0);
                assert_int_equal(id, 1); /* the root cgroup's id */
        }
}

static void test_collect_without_map(void **state)
{
        struct collector_target t;
        struct cg_sample s = { 0 };
        char why[128] = "";

        collector_target_init(&t);
        assert_int_equal(collector_net.probe(&t, why, sizeof(why)), 0);
        assert_string_equal(why, "no unified (v2) hierarchy to attach cgroup_skb programs to");
        net_collector_use_map(-1);
        assert_int_equal(collector_target_open(&t, COLLECTOR_SOURCE_UNIFIED, AT_FDCWD, "/"), 0);
        assert_int_equal(collector_net.collect(&t, &s), 0);
        assert_int_equal(s.have & CG_HAVE_NET, 0);
        assert_int_equal(collector_net_forget(&t), 0);
        collector_target_close(&t);
        assert_ptr_equal(collector_find("net"), &collector_net);
}

/* Where the collector cannot work the probe says why and returns 0, never an error. */
static void test_probe_not_cgroup2(void **state)
{
        char dir[] = "/tmp/test_net.XXXXXX", why[256] = "";
        struct collector_target t;

        assert_non_null(mkdtemp(dir));
        collector_target_init(&t);
        assert_int_equal(collector_target_open(&t, COLLECTOR_SOURCE_UNIFIED, AT_FDCWD, dir), 0);
        net_collector_use_map(-1);
        assert_int_equal(collector_net.probe(&t, why, sizeof(why)), 0);
        assert_string_equal(why, "the unified directory is not on a cgroup2 file system");
        assert_int_equal(net_cgroup_level(t.fd[COLLECTOR_SOURCE_UNIFIED]), -EMEDIUMTYPE);
        collector_target_close(&t);
        assert_int_equal(rmdir(dir), 0);
}

/* ---- as root, with BPF ---- */

struct fixture {
        char own[PATH_MAX];    /* this process's unified cgroup */
        char top[PATH_MAX];    /* <own>/cgm-test-net-<pid>: the subtree root */
        char task[PATH_MAX];   /* <top>/p/t */
        char nested[PATH_MAX]; /* <task>/inner */
        int map;
};

static bool fits(int k, size_t n)
{
        return k > 0 && (size_t)k < n;
}

static int unified_mount(char *buf, size_t n)
{
        struct statfs fs;

        if (statfs("/sys/fs/cgroup/unified", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
                return snprintf(buf, n, "/sys/fs/cgroup/unified") > 0 ? 0 : -EINVAL;
        if (statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
                return snprintf(buf, n, "/sys/fs/cgroup") > 0 ? 0 : -EINVAL;
        return -ENOENT;
}

static int setup(void **state)
{
        _cleanup_free_ char *self = NULL;
        struct fixture *f = calloc(1, sizeof(*f));
        char mnt[PATH_MAX], *line;

        if (!f)
                return -1;
        f->map = -1;
        *state = f;
        if (geteuid() != 0 || unified_mount(mnt, sizeof(mnt)) < 0)
                return 0;
        if (read_file_at(AT_FDCWD, "/proc/self/cgroup", 1 << 16, &self, NULL) < 0)
                return -1;
        line = strstr(self, "0::");
        if (!line)
                return 0;
        line[strcspn(line, "\n")] = 0;
        if (!fits(snprintf(f->own, sizeof(f->own), "%s%s", mnt, streq(line + 3, "/") ? "" : line + 3),
                  sizeof(f->own)) ||
            !fits(snprintf(f->top, sizeof(f->top), "%s/cgm-test-net-%d", f->own, (int)getpid()),
                  sizeof(f->top)) ||
            !fits(snprintf(f->task, sizeof(f->task), "%s/p/t", f->top), sizeof(f->task)) ||
            !fits(snprintf(f->nested, sizeof(f->nested), "%s/inner", f->task), sizeof(f->nested)))
                return -1;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        char p[PATH_MAX + 8];

        if (f->top[0]) {
                (void)rmdir(f->nested);
                (void)rmdir(f->task);
                snprintf(p, sizeof(p), "%s/p", f->top);
                (void)rmdir(p);
                (void)rmdir(f->top);
        }
        if (f->map >= 0)
                close(f->map);
        net_collector_use_map(-1);
        free(f);
        return 0;
}

/* Skip unless we may load BPF programs and make cgroups; then make top/p/t/inner. */
static void need_bpf(struct fixture *f)
{
        char p[PATH_MAX + 8];
        int fd;

        if (!f->top[0])
                skip();
        fd = net_map_create();
        if (fd == -EPERM) {
                print_message("# skip: no permission to create BPF maps\n");
                skip();
        }
        assert_true(fd >= 0);
        f->map = fd;
        assert_int_equal(mkdir(f->top, 0755), 0);
        snprintf(p, sizeof(p), "%s/p", f->top);
        assert_int_equal(mkdir(p, 0755), 0);
        assert_int_equal(mkdir(f->task, 0755), 0);
        assert_int_equal(mkdir(f->nested, 0755), 0);
}

/* Fork a child that joins cgroup dir and runs fn there; assert it exits 0. */
static void in_cgroup(const char *dir, int (*fn)(const void *arg), const void *arg)
{
        int status = 0;
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0) {
                char p[PATH_MAX + 16];

                snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
                _exit(write_file_at(AT_FDCWD, p, "0") < 0 ? 100 : fn(arg) < 0 ? 101 : 0);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

static int run_program(const void *arg)
{
        const int *prog = arg;
        char pkt[114] = { 0 };
        LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt), .repeat = 3);

        pkt[12] = 0x08; /* ethertype IPv4 */
        if (bpf_prog_test_run_opts(*prog, &opts) < 0)
                return -errno;
        return opts.retval == 1 ? 0 : -EPROTO;
}

static uint64_t id_of(const char *dir)
{
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        uint64_t id = 0;

        assert_true(fd >= 0);
        assert_int_equal(net_cgroup_id(fd, &id), 0);
        return id;
}

static int level_of(const char *dir)
{
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        assert_true(fd >= 0);
        return net_cgroup_level(fd);
}

/* The verifier accepts both programs; a packet counts to the ancestor at the task level, also from a nested
 * cgroup; a socket above that level is not counted. BPF_PROG_TEST_RUN's socket is in the caller's cgroup. */
static void test_bpf_counts_per_ancestor(void **state)
{
        struct fixture *f = *state;
        _cleanup_close_ int in = -1, out = -1;
        struct net_counters c;
        int level;

        need_bpf(f);
        level = level_of(f->task);
        assert_int_equal(level, level_of(f->top) + 2);
        in = net_program_load(f->map, level, false);
        out = net_program_load(f->map, level, true);
        assert_true(in >= 0);
        assert_true(out >= 0);
        in_cgroup(f->task, run_program, &in);
        in_cgroup(f->nested, run_program, &out);
        in_cgroup(f->top, run_program, &out); /* above the level: allowed, not counted */
        assert_int_equal(net_counters_read(f->map, id_of(f->task), &c), 0);
        /* 114 bytes less the 14-byte Ethernet header the test run strips, 3 runs each */
        assert_int_equal(c.rx_bytes, 300);
        assert_int_equal(c.rx_packets, 3);
        assert_int_equal(c.tx_bytes, 300);
        assert_int_equal(c.tx_packets, 3);
        assert_int_equal(net_counters_read(f->map, id_of(f->nested), &c), 0);
        assert_int_equal(c.rx_bytes + c.tx_bytes + c.rx_packets + c.tx_packets, 0);
        assert_int_equal(net_counters_read(f->map, id_of(f->top), &c), 0);
        assert_int_equal(c.tx_packets, 0);
}

static int tcp_roundtrip(const void *arg)
{
        const size_t *len = arg;
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t alen = sizeof(a);
        _cleanup_close_ int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), c = -1, s = -1;
        _cleanup_free_ char *buf = calloc(1, *len);
        size_t got = 0;

        if (l < 0 || !buf || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0 ||
            getsockname(l, (struct sockaddr *)&a, &alen) < 0)
                return -errno;
        c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
                return -errno;
        s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
        if (s < 0 || write(c, buf, *len) != (ssize_t)*len)
                return -EIO;
        while (got < *len) {
                ssize_t k = read(s, buf, *len - got);

                if (k <= 0)
                        return -EIO;
                got += (size_t)k;
        }
        return 0;
}

static void open_target(struct collector_target *t, const char *dir)
{
        collector_target_init(t);
        assert_int_equal(collector_target_open(t, COLLECTOR_SOURCE_UNIFIED, AT_FDCWD, dir), 0);
}

static uint32_t attached(const char *dir, enum bpf_attach_type type)
{
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        uint32_t ids[8], cnt = ARRAY_SIZE(ids), flags = 0;

        assert_int_equal(bpf_prog_query(fd, type, 0, &flags, ids, &cnt), 0);
        return cnt;
}

/* A path target (as the scrape uses) finds the cgroup's id by its path; one that carries the id (the scrape
 * passes the id its tasks' nodes know) reads the counters without that lookup, even by a path that is gone.
 */
static void path_and_id_targets(const struct fixture *f, const struct collector_target *root, size_t len)
{
        size_t n = strlen(f->top);
        struct collector_target pt;
        struct cg_sample p = { 0 };
        struct stat st;

        assert_int_equal(strncmp(f->task, f->top, n), 0);
        collector_target_below(root, f->task + n + 1, &pt);
        assert_int_equal(collector_net.collect(&pt, &p), 0);
        assert_true(p.net.tx_bytes >= len);
        collector_target_below(root, "no-such-cgroup", &pt);
        assert_int_equal(collector_net.collect(&pt, &p), -ENOENT);
        assert_int_equal(stat(f->task, &st), 0);
        pt.cgroup_id = (uint64_t)st.st_ino;
        memset(&p, 0, sizeof(p));
        assert_int_equal(collector_net.collect(&pt, &p), 0);
        assert_int_equal(p.have, CG_HAVE_NET);
        assert_true(p.net.tx_bytes >= len);
}

/* The probe attaches both programs to the subtree root, a second probe (a restarted agent) finds them and
 * reads the same map; loopback TCP from a task counts both ways; forget drops the entry. */
static void test_probe_attach_and_count(void **state)
{
        struct fixture *f = *state;
        struct collector_target root, task;
        struct cg_sample s = { 0 };
        size_t len = 100000;
        char why[256] = "";

        need_bpf(f);
        open_target(&root, f->top);
        open_target(&task, f->task);
        assert_int_equal(collector_net.probe(&root, why, sizeof(why)), 1);
        assert_string_equal(why, "");
        assert_int_equal(attached(f->top, BPF_CGROUP_INET_INGRESS), 1);
        assert_int_equal(attached(f->top, BPF_CGROUP_INET_EGRESS), 1);
        in_cgroup(f->task, tcp_roundtrip, &len);
        assert_int_equal(collector_net.probe(&root, why, sizeof(why)), 1);
        assert_int_equal(attached(f->top, BPF_CGROUP_INET_INGRESS), 1);
        assert_int_equal(attached(f->top, BPF_CGROUP_INET_EGRESS), 1);
        assert_int_equal(collector_net.collect(&task, &s), 0);
        assert_int_equal(s.have, CG_HAVE_NET);
        /* both ends are in the task: the payload once each way, plus headers, handshake and ACKs */
        print_message("# tx %llu bytes %llu packets, rx %llu bytes %llu packets\n",
                      (unsigned long long)s.net.tx_bytes, (unsigned long long)s.net.tx_packets,
                      (unsigned long long)s.net.rx_bytes, (unsigned long long)s.net.rx_packets);
        assert_true(s.net.tx_bytes >= len && s.net.tx_bytes < len + 20000);
        assert_true(s.net.rx_bytes >= len && s.net.rx_bytes < len + 20000);
        assert_true(s.net.tx_packets >= 3 && s.net.rx_packets >= 3);
        path_and_id_targets(f, &root, len);
        assert_int_equal(collector_net_forget(&task), 0);
        assert_int_equal(collector_net.collect(&task, &s), 0);
        assert_int_equal(s.net.tx_bytes, 0);
        assert_int_equal(collector_net_forget(&task), 0); /* already gone: fine */
        collector_target_close(&task);
        collector_target_close(&root);
}

/* Attaching fails (another program holds the hook exclusively): the probe says so and returns 0, and the
 * collector stays off. */
static void test_probe_attach_fails(void **state)
{
        struct fixture *f = *state;
        const struct bpf_insn allow[] = {
                { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 1 },
                { .code = BPF_JMP | BPF_EXIT },
        };
        _cleanup_close_ int prog = -1, cg = -1;
        struct collector_target root;
        char why[256] = "";

        need_bpf(f);
        prog = bpf_prog_load(BPF_PROG_TYPE_CGROUP_SKB, "test_excl", "GPL", allow, ARRAY_SIZE(allow), NULL);
        assert_true(prog >= 0);
        cg = open(f->top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_int_equal(bpf_prog_attach(prog, cg, BPF_CGROUP_INET_INGRESS, 0), 0);
        open_target(&root, f->top);
        net_collector_use_map(-1);
        assert_int_equal(collector_net.probe(&root, why, sizeof(why)), 0);
        assert_string_equal(why,
                            "cannot load or attach cgroup_skb programs on the subtree root: Operation not "
                            "permitted");
        assert_int_equal(attached(f->top, BPF_CGROUP_INET_EGRESS), 0); /* nothing half-attached */
        collector_target_close(&root);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_program_shape),
                cmocka_unit_test(test_program_errors),
                cmocka_unit_test(test_cgroup_id_and_level),
                cmocka_unit_test(test_collect_without_map),
                cmocka_unit_test(test_probe_not_cgroup2),
                cmocka_unit_test_setup_teardown(test_bpf_counts_per_ancestor, setup, teardown),
                cmocka_unit_test_setup_teardown(test_probe_attach_and_count, setup, teardown),
                cmocka_unit_test_setup_teardown(test_probe_attach_fails, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
