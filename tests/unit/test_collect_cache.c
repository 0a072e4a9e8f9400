/* Path targets and the per-cgroup file cache (collectors/collector.h): the recorded samples
 * (data/cgroupfs) read through directory targets, path targets and cached path targets give the same
 * cg_sample; a cache holds one fd per file present and opens nothing on later reads; it sees files change,
 * remembers absent files, honours its fd limit and closes everything when freed; and, as root, a real cgroup
 * removed under a cache reads as -ENOENT. */
#include "autoconfig.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgtest.h"

#include <bpf/bpf.h>

#include "collector.h"
#include "net.h"
#include "util.h"

#define ALL_COLLECTORS 0x1fu /* cpu memory io pids psi */
#define TASK           "pol/task"
#define V1_FILES       14 /* the files the v1 sample's collectors read (cgroup.procs and the plain blkio not) */
#define V2_FILES       11

static char data_dir[PATH_MAX];

_printf_(3, 4) static void pathf(char *buf, size_t n, const char *fmt, ...)
{
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vsnprintf(buf, n, fmt, ap);
        va_end(ap);
        assert_true(k > 0 && (size_t)k < n);
}

static unsigned count_fds(void)
{
        _cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        unsigned n = 0;

        assert_non_null(d);
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        n++;
        return n;
}

static void write_text(const char *path, const char *text)
{
        assert_int_equal(cgtest_write(path, text), 0);
}

/* ---- fake hierarchies: <tmp>/<source>/pol/task is a copy of the sample's <source> directory ---- */

struct fake {
        char dir[PATH_MAX];
        bool v2;
        struct collector_target roots; /* owns the hierarchies' root fds */
        struct collector_cache *cache;
};

static void fake_make(struct fake *f, bool v2)
{
        f->v2 = v2;
        collector_target_init(&f->roots);
        f->roots.v2 = v2;
        for (int src = 0; src < _COLLECTOR_SOURCE_MAX; src++) {
                const char *name = collector_source_to_string(src);
                char from[PATH_MAX], p[PATH_MAX];

                if (v2 && src != COLLECTOR_SOURCE_UNIFIED)
                        continue;
                if (v2)
                        pathf(from, sizeof(from), "%s/cgroupfs/v2", data_dir);
                else
                        pathf(from, sizeof(from), "%s/cgroupfs/v1/%s", data_dir, name);
                pathf(p, sizeof(p), "%s/%s", f->dir, name);
                assert_int_equal(mkdir(p, 0755), 0);
                pathf(p, sizeof(p), "%s/%s/pol", f->dir, name);
                assert_int_equal(mkdir(p, 0755), 0);
                pathf(p, sizeof(p), "%s/%s/" TASK, f->dir, name);
                assert_int_equal(cgtest_copy_tree(from, p, 0), 0);
                pathf(p, sizeof(p), "%s/%s", f->dir, name);
                assert_int_equal(collector_target_open(&f->roots, src, AT_FDCWD, p), 0);
        }
}

/* A file of the task's cgroup in the fake hierarchy of source src. */
static void fake_path(const struct fake *f, enum collector_source src, const char *name, char *buf, size_t n)
{
        pathf(buf, n, "%s/%s/" TASK "/%s", f->dir, collector_source_to_string(src), name);
}

static int fake_setup(void **state)
{
        struct fake *f = calloc(1, sizeof(*f));

        if (!f)
                return -1;
        collector_target_init(&f->roots);
        snprintf(f->dir, sizeof(f->dir), "/tmp/cgm-cache-XXXXXX");
        if (!mkdtemp(f->dir)) {
                free(f);
                return -1;
        }
        *state = f;
        return 0;
}

static int fake_teardown(void **state)
{
        struct fake *f = *state;

        collector_cache_free(f->cache);
        collector_target_close(&f->roots);
        cgtest_remove_tree(f->dir);
        free(f);
        return 0;
}

/* s with every padding byte zero, for memcmp. */
static void canon(struct cg_sample *out, const struct cg_sample *s)
{
        memset(out, 0, sizeof(*out));
        out->have = s->have;
        out->cpu = s->cpu;
        out->memory = s->memory;
        out->io.rbytes = s->io.rbytes;
        out->io.wbytes = s->io.wbytes;
        out->io.rios = s->io.rios;
        out->io.wios = s->io.wios;
        out->io.n_devices = s->io.n_devices;
        out->io.truncated = s->io.truncated;
        _Static_assert(sizeof(struct cg_io_device) == 40, "cg_io_device has no padding");
        memcpy(out->io.devices, s->io.devices, sizeof(out->io.devices));
        out->pids = s->pids;
        memcpy(out->psi, s->psi, sizeof(out->psi));
        out->net = s->net;
        memcpy(out->perf.count, s->perf.count, sizeof(out->perf.count));
        out->perf.counted = s->perf.counted;
}

static void collect(const struct collector_target *t, struct cg_sample *ret)
{
        struct cg_sample s;
        uint32_t failed = 99;

        assert_int_equal(collector_collect_all(t, ALL_COLLECTORS, &s, &failed), 0);
        assert_int_equal(failed, 0);
        canon(ret, &s);
}

static void assert_same(const struct cg_sample *a, const struct cg_sample *b)
{
        assert_memory_equal(a, b, sizeof(*a));
}

static const uint64_t have_v1 = CG_HAVE_CPU_USAGE | CG_HAVE_CPU_USER_SYSTEM | CG_HAVE_CPU_THROTTLE |
                                CG_HAVE_MEM_USAGE | CG_HAVE_MEM_SWAP | CG_HAVE_MEM_MAX_USAGE |
                                CG_HAVE_MEM_FAILCNT | CG_HAVE_MEM_OOM_KILL | CG_HAVE_IO | CG_HAVE_PIDS |
                                (UINT64_C(0x3f) << 13);

/* ---- the three kinds of target ---- */

static void three_ways(struct fake *f, unsigned n_files, struct cg_sample *ret)
{
        struct collector_target dt, pt, ct;
        struct cg_sample a, b, c, c2;
        unsigned base;

        assert_int_equal(collector_target_open_below(&f->roots, TASK, &dt), 0);
        assert_null(dt.path);
        collect(&dt, &a);
        collector_target_close(&dt);

        base = count_fds();
        collector_target_below(&f->roots, TASK, &pt);
        assert_string_equal(pt.path, TASK);
        assert_int_equal(pt.v2, f->v2);
        assert_null(pt.cache);
        assert_null(pt.perf);
        collect(&pt, &b);
        assert_int_equal(count_fds(), base); /* nothing kept */

        f->cache = collector_cache_new();
        assert_non_null(f->cache);
        assert_int_equal(collector_cache_nfds(f->cache), 0);
        ct = pt;
        ct.cache = f->cache;
        collect(&ct, &c);
        assert_int_equal(collector_cache_nfds(f->cache), n_files);
        assert_int_equal(count_fds(), base + n_files);
        collect(&ct, &c2);
        assert_int_equal(collector_cache_nfds(f->cache), n_files);
        assert_int_equal(count_fds(), base + n_files);

        assert_same(&a, &b);
        assert_same(&a, &c);
        assert_same(&a, &c2);
        /* closing a path target forgets the borrowed roots and closes none of them */
        collector_target_close(&pt);
        assert_int_equal(pt.fd[COLLECTOR_SOURCE_UNIFIED], -1);
        assert_null(pt.path);
        assert_int_equal(count_fds(), base + n_files);
        assert_true(fcntl(f->roots.fd[COLLECTOR_SOURCE_UNIFIED], F_GETFD) >= 0);
        collector_cache_free(f->cache);
        f->cache = NULL;
        assert_int_equal(count_fds(), base);
        *ret = a;
}

static void test_three_ways_v1(void **state)
{
        uint64_t tick_ns = UINT64_C(1000000000) / (uint64_t)sysconf(_SC_CLK_TCK);
        struct fake *f = *state;
        struct cg_sample s;

        fake_make(f, false);
        three_ways(f, V1_FILES, &s);
        assert_int_equal(s.have, have_v1);
        assert_int_equal(s.cpu.usage_ns, 903398695);
        assert_int_equal(s.cpu.user_ns, 27 * tick_ns);
        assert_int_equal(s.cpu.nr_throttled, 18);
        assert_int_equal(s.memory.usage, 675840);
        assert_int_equal(s.memory.working_set, 638976);
        assert_int_equal(s.memory.max_usage, 4378624);
        assert_int_equal(s.io.wbytes, 9392128);
        assert_int_equal(s.io.rios, 18);
        assert_int_equal(s.psi[CG_PSI_IO].full_us, 6358);
}

static void test_three_ways_v2(void **state)
{
        struct fake *f = *state;
        struct cg_sample s;

        fake_make(f, true);
        three_ways(f, V2_FILES, &s);
        assert_int_equal(s.have, CG_HAVE_CPU_USAGE | CG_HAVE_CPU_USER_SYSTEM | CG_HAVE_CPU_THROTTLE |
                                     CG_HAVE_MEM_USAGE | CG_HAVE_MEM_SWAP | CG_HAVE_MEM_MAX_USAGE |
                                     CG_HAVE_MEM_OOM_KILL | CG_HAVE_MEM_EVENTS | CG_HAVE_MEM_GROUP_KILL |
                                     CG_HAVE_IO | CG_HAVE_PIDS | (UINT64_C(0x3f) << 13));
        assert_int_equal(s.cpu.system_ns, 670133000);
        assert_int_equal(s.memory.usage, 52428800);
        assert_int_equal(s.memory.swap, 1048576);
        assert_int_equal(s.io.wbytes, 9392128 + 314773504);
        assert_int_equal(s.psi[CG_PSI_MEMORY].full_us, 99871);
}

/* A cache works on a directory target too, and so do the read helpers on both kinds. */
static void test_helpers_both_kinds(void **state)
{
        struct fake *f = *state;
        struct collector_target dt, pt;
        _cleanup_free_ char *b1 = NULL, *b2 = NULL;
        size_t l1 = 0, l2 = 0;
        struct cg_sample s;

        fake_make(f, false);
        assert_int_equal(collector_target_open_below(&f->roots, TASK, &dt), 0);
        collector_target_below(&f->roots, TASK, &pt);
        assert_int_equal(collector_read(&dt, COLLECTOR_SOURCE_PIDS, "pids.max", &b1, &l1), 0);
        assert_int_equal(collector_read(&pt, COLLECTOR_SOURCE_PIDS, "pids.max", &b2, &l2), 0);
        assert_string_equal(b1, "4\n");
        assert_string_equal(b2, "4\n");
        assert_int_equal(l2, 2);
        assert_int_equal(collector_read(&pt, COLLECTOR_SOURCE_PIDS, "pids.nope", &b2, &l2), -ENOENT);
        assert_int_equal(collector_read_optional(&pt, COLLECTOR_SOURCE_PIDS, "pids.nope", &b2, &l2), 0);
        assert_int_equal(collector_has_file(&pt, COLLECTOR_SOURCE_MEMORY, "memory.stat"), 1);
        assert_int_equal(collector_has_file(&pt, COLLECTOR_SOURCE_MEMORY, "memory.nope"), 0);
        assert_int_equal(collector_has_file(&pt, COLLECTOR_SOURCE_MEMORY, "memory.nope"), 0);
        assert_int_equal(collector_v2_has_controller(&pt, "memory"), -ENOENT); /* no cgroup.controllers */
        /* a path target's fds are borrowed: opening a directory into one is refused */
        assert_int_equal(collector_target_open(&pt, COLLECTOR_SOURCE_CPU, AT_FDCWD, "/"), -EINVAL);
        /* its own directory, for what needs one */
        {
                _cleanup_close_ int fd = collector_target_open_dir(&pt, COLLECTOR_SOURCE_PIDS);
                struct stat a, b;

                assert_true(fd >= 0);
                assert_int_equal(fstat(fd, &a), 0);
                assert_int_equal(fstat(dt.fd[COLLECTOR_SOURCE_PIDS], &b), 0);
                assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
        }
        f->cache = collector_cache_new();
        dt.cache = f->cache;
        collect(&dt, &s);
        assert_int_equal(s.have, have_v1);
        assert_int_equal(collector_cache_nfds(f->cache), V1_FILES);
        collector_target_close(&dt);
        assert_ptr_equal(dt.cache, f->cache); /* borrowed: still the owner's */
}

/* The second read opens nothing: with the task's directories moved away, only cached fds can read it. */
static void test_cache_opens_nothing_twice(void **state)
{
        struct fake *f = *state;
        struct collector_target pt, ct;
        struct cg_sample a, b, s;
        char from[PATH_MAX], to[PATH_MAX];
        uint32_t failed = 0;

        fake_make(f, false);
        collector_target_below(&f->roots, TASK, &pt);
        f->cache = collector_cache_new();
        ct = pt;
        ct.cache = f->cache;
        collect(&ct, &a);
        for (int src = 0; src < _COLLECTOR_SOURCE_MAX; src++) {
                pathf(from, sizeof(from), "%s/%s/" TASK, f->dir, collector_source_to_string(src));
                pathf(to, sizeof(to), "%s/%s/pol/moved", f->dir, collector_source_to_string(src));
                assert_int_equal(rename(from, to), 0);
        }
        assert_int_equal(collector_collect_all(&pt, ALL_COLLECTORS, &s, &failed), -ENOENT);
        collect(&ct, &b);
        assert_same(&a, &b);
        assert_int_equal(collector_cache_nfds(f->cache), V1_FILES);
}

/* pread at offset 0 sees a file rewritten in place, longer and shorter. */
static void test_cache_sees_changes(void **state)
{
        struct fake *f = *state;
        struct collector_target ct;
        struct cg_sample s;
        char p[PATH_MAX];

        fake_make(f, false);
        collector_target_below(&f->roots, TASK, &ct);
        f->cache = collector_cache_new();
        ct.cache = f->cache;
        collect(&ct, &s);
        assert_int_equal(s.memory.usage, 675840);
        assert_int_equal(s.pids.current, 2);
        fake_path(f, COLLECTOR_SOURCE_MEMORY, "memory.usage_in_bytes", p, sizeof(p));
        write_text(p, "123456789012\n");
        fake_path(f, COLLECTOR_SOURCE_PIDS, "pids.current", p, sizeof(p));
        write_text(p, "7\n");
        collect(&ct, &s);
        assert_int_equal(s.memory.usage, 123456789012);
        assert_int_equal(s.pids.current, 7);
        fake_path(f, COLLECTOR_SOURCE_MEMORY, "memory.usage_in_bytes", p, sizeof(p));
        write_text(p, "5\n"); /* shorter: nothing of the old text may remain */
        collect(&ct, &s);
        assert_int_equal(s.memory.usage, 5);
        assert_int_equal(s.memory.working_set, 0);
        fake_path(f, COLLECTOR_SOURCE_PIDS, "pids.current", p, sizeof(p));
        write_text(p, "x\n");
        {
                uint32_t failed = 0;

                assert_int_equal(collector_collect_all(&ct, ALL_COLLECTORS, &s, &failed), 0);
                assert_int_equal(failed, collector_bit(&collector_pids));
        }
        assert_int_equal(collector_cache_nfds(f->cache), V1_FILES);
}

/* Absent files are remembered as absent and cost no fd; a new cache sees them once they exist. */
static void test_cache_absent(void **state)
{
        static const struct {
                enum collector_source src;
                const char *name;
                uint64_t bit;
        } gone[] = {
                { COLLECTOR_SOURCE_MEMORY, "memory.max_usage_in_bytes", CG_HAVE_MEM_MAX_USAGE },
                { COLLECTOR_SOURCE_MEMORY, "memory.failcnt", CG_HAVE_MEM_FAILCNT },
                { COLLECTOR_SOURCE_UNIFIED, "io.pressure",
                  CG_HAVE_PSI_SOME(CG_PSI_IO) | CG_HAVE_PSI_FULL(CG_PSI_IO) },
        };
        struct fake *f = *state;
        struct collector_target ct;
        struct collector_cache *fresh;
        struct cg_sample s;
        uint64_t missing = 0;
        unsigned base;
        char p[PATH_MAX];

        fake_make(f, false);
        for (size_t i = 0; i < ARRAY_SIZE(gone); i++) {
                fake_path(f, gone[i].src, gone[i].name, p, sizeof(p));
                assert_int_equal(unlink(p), 0);
                missing |= gone[i].bit;
        }
        base = count_fds();
        collector_target_below(&f->roots, TASK, &ct);
        f->cache = collector_cache_new();
        ct.cache = f->cache;
        collect(&ct, &s);
        assert_int_equal(s.have, have_v1 & ~missing);
        assert_int_equal(collector_cache_nfds(f->cache), V1_FILES - ARRAY_SIZE(gone));
        assert_int_equal(count_fds(), base + V1_FILES - ARRAY_SIZE(gone));
        for (size_t i = 0; i < ARRAY_SIZE(gone); i++) {
                fake_path(f, gone[i].src, gone[i].name, p, sizeof(p));
                write_text(p, gone[i].src == COLLECTOR_SOURCE_UNIFIED ? "some avg10=0.00 avg60=0.00 "
                                                                        "avg300=0.00 total=7\n"
                                                                      : "9\n");
        }
        /* remembered: not even the cgroup.procs check (which would now say "cgroup gone") runs again */
        fake_path(f, COLLECTOR_SOURCE_MEMORY, "cgroup.procs", p, sizeof(p));
        assert_int_equal(unlink(p), 0);
        fake_path(f, COLLECTOR_SOURCE_UNIFIED, "cgroup.procs", p, sizeof(p));
        assert_int_equal(unlink(p), 0);
        collect(&ct, &s);
        assert_int_equal(s.have, have_v1 & ~missing);
        assert_int_equal(collector_cache_nfds(f->cache), V1_FILES - ARRAY_SIZE(gone));
        assert_int_equal(count_fds(), base + V1_FILES - ARRAY_SIZE(gone));
        fake_path(f, COLLECTOR_SOURCE_MEMORY, "cgroup.procs", p, sizeof(p));
        write_text(p, "");
        fake_path(f, COLLECTOR_SOURCE_UNIFIED, "cgroup.procs", p, sizeof(p));
        write_text(p, "");

        fresh = collector_cache_new();
        ct.cache = fresh;
        collect(&ct, &s);
        assert_int_equal(s.have, have_v1 & ~CG_HAVE_PSI_FULL(CG_PSI_IO));
        assert_int_equal(s.memory.failcnt, 9);
        assert_int_equal(s.psi[CG_PSI_IO].some_us, 7);
        assert_int_equal(collector_cache_nfds(fresh), V1_FILES);
        collector_cache_free(fresh);
        assert_int_equal(count_fds(), base + V1_FILES - ARRAY_SIZE(gone));
}

/* A cgroup that is not there leaves nothing in the cache (no file is remembered absent for it). */
static void test_cache_missing_cgroup(void **state)
{
        struct fake *f = *state;
        struct collector_target ct;
        struct cg_sample s = { .have = 5 };
        uint32_t failed = 99;

        fake_make(f, false);
        collector_target_below(&f->roots, "pol/none", &ct);
        f->cache = collector_cache_new();
        ct.cache = f->cache;
        assert_int_equal(collector_collect_all(&ct, ALL_COLLECTORS, &s, &failed), -ENOENT);
        assert_int_equal(s.have, 5);
        assert_int_equal(collector_cache_nfds(f->cache), 0);
        /* ... so the same cache reads it once it exists */
        ct.path = TASK;
        collect(&ct, &s);
        assert_int_equal(s.have, have_v1);
        assert_int_equal(collector_cache_nfds(f->cache), V1_FILES);
}

static void test_cache_limit(void **state)
{
        struct fake *f = *state;
        struct collector_target pt, ct;
        struct cg_sample a, b;
        unsigned base;

        fake_make(f, false);
        base = count_fds();
        collector_target_below(&f->roots, TASK, &pt);
        collect(&pt, &a);
        f->cache = collector_cache_new();
        assert_int_equal(collector_cache_set_limit(f->cache, 5), 0);
        ct = pt;
        ct.cache = f->cache;
        collect(&ct, &b);
        assert_same(&a, &b);
        assert_int_equal(collector_cache_nfds(f->cache), 5);
        assert_int_equal(count_fds(), base + 5);
        collect(&ct, &b);
        assert_same(&a, &b);
        assert_int_equal(count_fds(), base + 5);
        /* lowered below what it holds: closes the rest now */
        assert_int_equal(collector_cache_set_limit(f->cache, 2), 0);
        assert_int_equal(collector_cache_nfds(f->cache), 2);
        assert_int_equal(count_fds(), base + 2);
        collect(&ct, &b);
        assert_same(&a, &b);
        assert_int_equal(count_fds(), base + 2);
        assert_int_equal(collector_cache_set_limit(f->cache, 0), 0);
        assert_int_equal(count_fds(), base);
        collect(&ct, &b);
        assert_same(&a, &b);
        assert_int_equal(collector_cache_nfds(f->cache), 0);
        assert_int_equal(count_fds(), base);
        /* raised again: the files read without the cache so far are cached from now on */
        assert_int_equal(collector_cache_set_limit(f->cache, 100), 0);
        collect(&ct, &b);
        assert_int_equal(collector_cache_nfds(f->cache), V1_FILES);
        assert_int_equal(count_fds(), base + V1_FILES);
        collector_cache_free(f->cache);
        f->cache = NULL;
        assert_int_equal(count_fds(), base);
        collector_cache_free(NULL);
        assert_int_equal(collector_cache_nfds(NULL), 0);
        assert_int_equal(collector_cache_set_limit(NULL, 1), -EINVAL);
}

/* Files larger than the stack buffer (8 KiB) are read whole; above COLLECTOR_FILE_MAX they are -EFBIG. */
static void test_large_files(void **state)
{
        struct fake *f = *state;
        struct collector_target pt, ct;
        struct cg_sample a, b;
        uint32_t failed = 0;
        size_t len = 0, cap = 128 * 1024;
        _cleanup_free_ char *text = malloc(cap);
        char p[PATH_MAX];
        unsigned devs;

        assert_non_null(text);
        fake_make(f, false);
        /* 300 devices, ~27 KiB: the totals count all of them */
        for (devs = 0; devs < 300; devs++)
                len += (size_t)snprintf(text + len, cap - len, "8:%u Read 1000\n8:%u Write 10\n8:%u Sync 0\n",
                                        devs, devs, devs);
        len += (size_t)snprintf(text + len, cap - len, "Total 0\n");
        assert_true(len > 8192 && len < COLLECTOR_FILE_MAX);
        fake_path(f, COLLECTOR_SOURCE_BLKIO, "blkio.throttle.io_service_bytes_recursive", p, sizeof(p));
        write_text(p, text);
        collector_target_below(&f->roots, TASK, &pt);
        collect(&pt, &a);
        assert_int_equal(a.io.rbytes, 300 * 1000);
        assert_int_equal(a.io.wbytes, 300 * 10);
        assert_true(a.io.truncated);
        f->cache = collector_cache_new();
        ct = pt;
        ct.cache = f->cache;
        collect(&ct, &b);
        assert_same(&a, &b);
        collect(&ct, &b);
        assert_same(&a, &b);
        /* past the limit: the io collector fails alone, through the cache and without */
        while (len <= COLLECTOR_FILE_MAX)
                len += (size_t)snprintf(text + len, cap - len, "8:%u Read 1\n", devs++);
        write_text(p, text);
        assert_int_equal(collector_collect_all(&ct, ALL_COLLECTORS, &b, &failed), 0);
        assert_int_equal(failed, collector_bit(&collector_io));
        failed = 0;
        assert_int_equal(collector_collect_all(&pt, ALL_COLLECTORS, &b, &failed), 0);
        assert_int_equal(failed, collector_bit(&collector_io));
        {
                _cleanup_free_ char *buf = NULL;

                assert_int_equal(collector_read(&pt, COLLECTOR_SOURCE_BLKIO,
                                                "blkio.throttle.io_service_bytes_recursive", &buf, NULL),
                                 -EFBIG);
        }
}

/* The net collector finds the cgroup id (the unified directory's inode) on both kinds of target, and a path
 * target of a cgroup that is gone is -ENOENT. Needs BPF (root) for the map; the cgroup may be any directory.
 */
static void test_net_both_kinds(void **state)
{
        struct fake *f = *state;
        struct net_counters c = { .rx_bytes = 1500, .rx_packets = 1, .tx_bytes = 60, .tx_packets = 2 };
        struct collector_target dt, pt;
        struct cg_sample a = { 0 }, b = { 0 };
        _cleanup_close_ int map = -1;
        struct stat st;
        uint64_t id;

        map = net_map_create();
        if (map < 0) {
                print_message("needs BPF maps: %s\n", strerror(-map));
                skip();
        }
        fake_make(f, true);
        assert_int_equal(collector_target_open_below(&f->roots, TASK, &dt), 0);
        collector_target_below(&f->roots, TASK, &pt);
        assert_int_equal(fstat(dt.fd[COLLECTOR_SOURCE_UNIFIED], &st), 0);
        id = (uint64_t)st.st_ino;
        assert_int_equal(bpf_map_update_elem(map, &id, &c, BPF_ANY), 0);
        net_collector_use_map(map);
        assert_int_equal(collector_net.collect(&dt, &a), 0);
        assert_int_equal(collector_net.collect(&pt, &b), 0);
        assert_int_equal(a.have, CG_HAVE_NET);
        assert_int_equal(b.have, CG_HAVE_NET);
        assert_int_equal(b.net.rx_bytes, 1500);
        assert_int_equal(b.net.tx_packets, 2);
        assert_memory_equal(&a.net, &b.net, sizeof(a.net));
        assert_int_equal(collector_net_forget(&pt), 0);
        b = (struct cg_sample){ 0 };
        assert_int_equal(collector_net.collect(&dt, &b), 0);
        assert_int_equal(b.net.rx_bytes, 0);
        pt.path = "pol/none";
        assert_int_equal(collector_net.collect(&pt, &b), -ENOENT);
        assert_int_equal(collector_net_forget(&pt), -ENOENT);
        net_collector_use_map(-1);
        collector_target_close(&dt);
}

/* ---- a real cgroup (root, hybrid host) ---- */

static const char *const real_mounts[_COLLECTOR_SOURCE_MAX] = { "cpu",   "cpuacct", "memory",
                                                                "blkio", "pids",    "unified" };

struct real {
        char name[64];
        char dir[_COLLECTOR_SOURCE_MAX][PATH_MAX];
        bool made[_COLLECTOR_SOURCE_MAX];
        struct collector_target roots;
        struct collector_cache *cache;
};

static int real_setup(void **state)
{
        struct real *rs = calloc(1, sizeof(*rs));

        if (!rs)
                return -1;
        collector_target_init(&rs->roots);
        snprintf(rs->name, sizeof(rs->name), "cgmeter-cache-test-%d", (int)getpid());
        *state = rs;
        return 0;
}

static int real_teardown(void **state)
{
        struct real *rs = *state;

        collector_cache_free(rs->cache);
        collector_target_close(&rs->roots);
        for (int i = 0; i < _COLLECTOR_SOURCE_MAX; i++)
                if (rs->made[i])
                        rmdir(rs->dir[i]);
        free(rs);
        return 0;
}

/* The roots: this process's own cgroup in each hierarchy; the task: rs->name below each. */
static void real_make(struct real *rs)
{
        for (int i = 0; i < _COLLECTOR_SOURCE_MAX; i++) {
                char own[PATH_MAX], root[PATH_MAX];

                assert_int_equal(
                    cgtest_own_cgroup(i == COLLECTOR_SOURCE_UNIFIED ? "" : real_mounts[i], own, sizeof(own)),
                    0);
                pathf(root, sizeof(root), "/sys/fs/cgroup/%s%s", real_mounts[i], own);
                assert_int_equal(collector_target_open(&rs->roots, i, AT_FDCWD, root), 0);
                pathf(rs->dir[i], sizeof(rs->dir[i]), "%s/%s", root, rs->name);
                /* cpu and cpuacct may be one hierarchy (cpu,cpuacct) reached through two symlinks */
                if (access(rs->dir[i], F_OK) == 0)
                        continue;
                assert_int_equal(mkdir(rs->dir[i], 0755), 0);
                rs->made[i] = true;
        }
}

/* The files the hybrid collectors read that this kernel has. */
static unsigned real_files(const struct real *rs)
{
        static const struct {
                enum collector_source src;
                const char *name;
        } files[] = {
                { COLLECTOR_SOURCE_CPUACCT, "cpuacct.usage" },
                { COLLECTOR_SOURCE_CPUACCT, "cpuacct.stat" },
                { COLLECTOR_SOURCE_CPU, "cpu.stat" },
                { COLLECTOR_SOURCE_MEMORY, "memory.usage_in_bytes" },
                { COLLECTOR_SOURCE_MEMORY, "memory.stat" },
                { COLLECTOR_SOURCE_MEMORY, "memory.max_usage_in_bytes" },
                { COLLECTOR_SOURCE_MEMORY, "memory.failcnt" },
                { COLLECTOR_SOURCE_MEMORY, "memory.oom_control" },
                { COLLECTOR_SOURCE_BLKIO, "blkio.throttle.io_service_bytes_recursive" },
                { COLLECTOR_SOURCE_BLKIO, "blkio.throttle.io_serviced_recursive" },
                { COLLECTOR_SOURCE_PIDS, "pids.current" },
                { COLLECTOR_SOURCE_UNIFIED, "cpu.pressure" },
                { COLLECTOR_SOURCE_UNIFIED, "memory.pressure" },
                { COLLECTOR_SOURCE_UNIFIED, "io.pressure" },
        };
        unsigned n = 0;

        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                char p[PATH_MAX];

                pathf(p, sizeof(p), "%s/%s", rs->dir[files[i].src], files[i].name);
                n += access(p, F_OK) == 0;
        }
        return n;
}

static void test_real_cgroup_removed(void **state)
{
        struct real *rs = *state;
        struct collector_target pt, ct;
        struct cg_sample a, b;
        uint32_t failed = 99;
        unsigned base, n;

        if (geteuid() != 0 || access("/sys/fs/cgroup/memory/memory.stat", F_OK) < 0 ||
            access("/sys/fs/cgroup/cpuacct/cpuacct.usage", F_OK) < 0 ||
            access("/sys/fs/cgroup/unified/cgroup.procs", F_OK) < 0) {
                print_message("needs root on a hybrid cgroup host\n");
                skip();
        }
        real_make(rs);
        n = real_files(rs);
        assert_true(n >= 11);
        collector_target_below(&rs->roots, rs->name, &pt);
        base = count_fds();
        rs->cache = collector_cache_new();
        ct = pt;
        ct.cache = rs->cache;
        collect(&ct, &a);
        assert_int_equal(a.have & (CG_HAVE_CPU_USAGE | CG_HAVE_MEM_USAGE | CG_HAVE_IO | CG_HAVE_PIDS),
                         CG_HAVE_CPU_USAGE | CG_HAVE_MEM_USAGE | CG_HAVE_IO | CG_HAVE_PIDS);
        assert_int_equal(a.pids.current, 0);
        assert_int_equal(collector_cache_nfds(rs->cache), n);
        assert_int_equal(count_fds(), base + n);
        collect(&ct, &b);
        assert_int_equal(b.have, a.have);
        assert_int_equal(count_fds(), base + n);
        collect(&pt, &b);
        assert_int_equal(b.have, a.have);

        for (int i = 0; i < _COLLECTOR_SOURCE_MAX; i++)
                if (rs->made[i]) {
                        assert_int_equal(rmdir(rs->dir[i]), 0);
                        rs->made[i] = false;
                }
        /* the cached fds read ENODEV now; without a cache the path is gone */
        assert_int_equal(collector_collect_all(&ct, ALL_COLLECTORS, &b, &failed), -ENOENT);
        assert_int_equal(failed, 99);
        assert_int_equal(collector_memory.collect(&ct, &b), -ENOENT);
        assert_int_equal(collector_psi.collect(&ct, &b), -ENOENT);
        assert_int_equal(collector_collect_all(&pt, ALL_COLLECTORS, &b, &failed), -ENOENT);
        assert_int_equal(collector_cache_nfds(rs->cache), n);
        collector_cache_free(rs->cache);
        rs->cache = NULL;
        assert_int_equal(count_fds(), base);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_three_ways_v1, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_three_ways_v2, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_helpers_both_kinds, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_cache_opens_nothing_twice, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_cache_sees_changes, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_cache_absent, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_cache_missing_cgroup, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_cache_limit, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_large_files, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_net_both_kinds, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_real_cgroup_removed, real_setup, real_teardown),
        };
        const char *top = getenv("top_srcdir");

        /* make check exports top_srcdir; run by hand, the source tree configure saw. */
        if (top)
                pathf(data_dir, sizeof(data_dir), "%s/tests/unit/data", top);
        else
                pathf(data_dir, sizeof(data_dir), "%s", CGM_TEST_DATA_DIR);
        alarm(60);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
