/* perf_event counters: event names (every one docs/policy.md lists), the online CPU list parser, scaling,
 * argument errors; as root, real cgroup counters: a child that spins then sleeps in a test cgroup below this
 * process's own unified cgroup, task-clock against the cgroup's cpu.stat, hardware events either counted or
 * reported unsupported, final values after the cgroup is removed, reference counting and fd hygiene, and the
 * errors of a removed cgroup and of fds that are no cgroup. Cgroups are removed in teardown. */
#include "autoconfig.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <linux/magic.h>
#include <linux/perf_event.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "perf.h"
#include "util.h"

#ifndef CGM_DOCS_DIR
#error "CGM_DOCS_DIR must name the docs directory"
#endif

static const struct {
        const char *name;
        uint32_t type;
        uint64_t config;
} known[] = {
        { "task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
        { "cpu-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK },
        { "context-switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES },
        { "cpu-migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS },
        { "page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
        { "minor-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN },
        { "major-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ },
        { "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
        { "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
        { "cache-references", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES },
        { "cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES },
        { "branches", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS },
        { "branch-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES },
};

static void test_lookup_known(void **state)
{
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
                uint32_t type = 99;
                uint64_t config = 99;

                assert_int_equal(perf_event_lookup(known[i].name, &type, &config), 0);
                assert_int_equal(type, known[i].type);
                assert_int_equal(config, known[i].config);
        }
        assert_int_equal(perf_event_lookup("cycles", NULL, NULL), 0); /* outputs are optional */
}

static void test_lookup_unknown(void **state)
{
        uint32_t type = 7;
        uint64_t config = 7;

        (void)state;
        assert_int_equal(perf_event_lookup(NULL, &type, &config), -EINVAL);
        assert_int_equal(perf_event_lookup("", &type, &config), -EINVAL);
        assert_int_equal(perf_event_lookup("Task-Clock", &type, &config), -EINVAL);
        assert_int_equal(perf_event_lookup("task-clock ", &type, &config), -EINVAL);
        assert_int_equal(perf_event_lookup("L1-dcache-loads", &type, &config), -EINVAL);
        assert_int_equal(perf_event_lookup("bus-cycles", &type, &config), -EINVAL);
        assert_int_equal(type, 7); /* untouched on failure */
        assert_int_equal(config, 7);
}

/* Every name in the [perf_event] table of docs/policy.md is known, with the kind the table gives; and the
 * docs list exactly the names above. */
static void test_lookup_matches_docs(void **state)
{
        _cleanup_free_ char *doc = NULL;
        char *p, *end;
        size_t rows = 0;

        (void)state;
        assert_int_equal(read_file_at(AT_FDCWD, CGM_DOCS_DIR "/policy.md", 1 << 20, &doc, NULL), 0);
        p = strstr(doc, "\n## [perf_event]");
        assert_non_null(p);
        end = strstr(p + 1, "\n## ");
        assert_non_null(end);
        *end = '\0';
        while ((p = strstr(p, "\n| `")) != NULL) {
                char name[64], kind[16];
                uint32_t type;

                p += 4;
                if (sscanf(p, "%63[^`]` | %15[a-z] |", name, kind) != 2 ||
                    (!streq(kind, "software") && !streq(kind, "hardware")))
                        continue; /* the key table's row (`events`) */
                assert_int_equal(perf_event_lookup(name, &type, NULL), 0);
                assert_int_equal(type, streq(kind, "software") ? PERF_TYPE_SOFTWARE : PERF_TYPE_HARDWARE);
                rows++;
        }
        assert_int_equal(rows, ARRAY_SIZE(known));
}

static void check_cpus(const char *in, const unsigned *want, size_t n_want)
{
        unsigned cpus[8];
        size_t n = 99;

        assert_int_equal(perf_parse_cpu_online(in, cpus, ARRAY_SIZE(cpus), &n), 0);
        assert_int_equal(n, n_want);
        for (size_t i = 0; i < n; i++)
                assert_int_equal(cpus[i], want[i]);
}

static void test_cpu_online_parser(void **state)
{
        unsigned cpus[4];
        size_t n = 99;

        (void)state;
        check_cpus("0", (const unsigned[]){ 0 }, 1);
        check_cpus("0\n", (const unsigned[]){ 0 }, 1);
        check_cpus("0-3\n", (const unsigned[]){ 0, 1, 2, 3 }, 4);
        check_cpus("0,2-3", (const unsigned[]){ 0, 2, 3 }, 3);
        check_cpus("1,3,5-7\n", (const unsigned[]){ 1, 3, 5, 6, 7 }, 5);
        check_cpus("5,1", (const unsigned[]){ 1, 5 }, 2); /* ascending whatever the order */
        const char *bad[] = { "", "\n", "-1", "0-", "-", "a", "0,,1", "0,", "3-1", "0 1", "0-3x", "1:2" };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
                assert_int_equal(perf_parse_cpu_online(bad[i], cpus, ARRAY_SIZE(cpus), &n), -EINVAL);
        assert_int_equal(perf_parse_cpu_online("1024", cpus, ARRAY_SIZE(cpus), &n), -ERANGE);
        assert_int_equal(perf_parse_cpu_online("0-4", cpus, 4, &n), -ENOBUFS);
        assert_int_equal(perf_parse_cpu_online(NULL, cpus, 4, &n), -EINVAL);
        assert_int_equal(n, 99); /* untouched on failure */
        assert_int_equal(perf_parse_cpu_online("1023", cpus, 4, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(cpus[0], 1023);
}

static void test_scale(void **state)
{
        (void)state;
        assert_int_equal(perf_scale(1000, 50, 50), 1000);  /* ran all the time */
        assert_int_equal(perf_scale(1000, 100, 25), 4000); /* a quarter of the time */
        assert_int_equal(perf_scale(1000, 100, 0), 0);     /* never ran */
        assert_int_equal(perf_scale(7, 3, 2), 10);         /* rounds down */
        assert_int_equal(perf_scale(UINT64_C(1) << 62, 8, 1), UINT64_MAX);
        assert_int_equal(perf_scale(UINT64_C(1) << 40, UINT64_C(3) << 40, UINT64_C(1) << 40), UINT64_C(3)
                                                                                                  << 40);
}

static size_t count_fds(void)
{
        _cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        size_t n = 0;

        assert_non_null(d);
        while ((de = readdir(d)))
                n += de->d_name[0] != '.';
        return n;
}

/* Bad arguments are refused before any fd is opened. */
static void test_open_bad_arguments(void **state)
{
        const char ev[17][32] = { "task-clock", "context-switches", "task-clock" };
        const char unknown[2][32] = { "task-clock", "nope" };
        struct perf_counters *pc = NULL;
        uint32_t unsupported = 42;
        size_t before = count_fds();

        (void)state;
        assert_int_equal(perf_counters_open(0, ev, 0, &pc, &unsupported), -EINVAL);
        assert_int_equal(perf_counters_open(0, ev, 17, &pc, &unsupported), -EINVAL);
        assert_int_equal(perf_counters_open(0, NULL, 1, &pc, &unsupported), -EINVAL);
        assert_int_equal(perf_counters_open(0, ev, 1, NULL, &unsupported), -EINVAL);
        assert_int_equal(perf_counters_open(0, unknown, 2, &pc, &unsupported), -EINVAL);
        assert_int_equal(perf_counters_open(0, ev, 3, &pc, &unsupported), -EINVAL); /* task-clock twice */
        assert_int_equal(perf_counters_open(-1, ev, 1, &pc, &unsupported), -EBADF);
        char unterminated[1][32];
        memset(unterminated, 'a', sizeof(unterminated));
        assert_int_equal(perf_counters_open(0, (const char(*)[32])unterminated, 1, &pc, &unsupported),
                         -EINVAL);
        assert_null(pc);
        assert_int_equal(unsupported, 42);
        assert_int_equal(count_fds(), before);
        assert_null(perf_counters_unref(NULL));
        assert_null(perf_counters_ref(NULL));
        assert_int_equal(perf_counters_nfds(NULL), 0);
        assert_int_equal(perf_counters_read(NULL, &(struct cg_sample){ 0 }), -EINVAL);
}

/* ---- as root, on a real cgroup ---- */

struct fixture {
        char own[PATH_MAX];           /* this process's unified cgroup */
        char test[PATH_MAX];          /* <own>/cgm-test-perf-<pid> */
        unsigned cpus[PERF_MAX_CPUS]; /* online */
        size_t n_cpus;
        bool usable; /* root, a unified tree, and perf_probe says yes on own */
        char why[256];
};

static bool fits(int k, size_t n)
{
        return k > 0 && (size_t)k < n;
}

static int unified_mount(char *buf, size_t n)
{
        struct statfs fs;

        if (statfs("/sys/fs/cgroup/unified", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
                return fits(snprintf(buf, n, "/sys/fs/cgroup/unified"), n) ? 0 : -EINVAL;
        if (statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
                return fits(snprintf(buf, n, "/sys/fs/cgroup"), n) ? 0 : -EINVAL;
        return -ENOENT;
}

/* The path of this process's cgroup2 cgroup: the "0::" line of /proc/self/cgroup. */
static int own_unified(const char *mnt, char *buf, size_t n)
{
        _cleanup_free_ char *self = NULL;
        char *line;

        if (read_file_at(AT_FDCWD, "/proc/self/cgroup", 1 << 16, &self, NULL) < 0)
                return -EIO;
        line = strncmp(self, "0::", 3) == 0 ? self : strstr(self, "\n0::");
        if (!line)
                return -ENOENT;
        line += line == self ? 3 : 4;
        line[strcspn(line, "\n")] = '\0';
        return fits(snprintf(buf, n, "%s%s", mnt, streq(line, "/") ? "" : line), n) ? 0 : -EINVAL;
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        _cleanup_free_ char *online = NULL;
        _cleanup_close_ int fd = -1;
        char mnt[PATH_MAX];

        if (!f)
                return -1;
        *state = f;
        if (geteuid() != 0) {
                snprintf(f->why, sizeof(f->why), "needs root");
                return 0;
        }
        if (unified_mount(mnt, sizeof(mnt)) < 0 || own_unified(mnt, f->own, sizeof(f->own)) < 0) {
                snprintf(f->why, sizeof(f->why), "no cgroup2 tree");
                return 0;
        }
        if (!fits(snprintf(f->test, sizeof(f->test), "%s/cgm-test-perf-%d", f->own, (int)getpid()),
                  sizeof(f->test)))
                return -1;
        if (read_file_at(AT_FDCWD, "/sys/devices/system/cpu/online", 4096, &online, NULL) < 0 ||
            perf_parse_cpu_online(online, f->cpus, ARRAY_SIZE(f->cpus), &f->n_cpus) < 0)
                return -1;
        fd = open(f->own, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        /* 0 when perf_event is mounted as v1 somewhere (another test may have done it) or not permitted */
        f->usable = perf_probe(fd, f->why, sizeof(f->why)) == 1;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        if (f->test[0])
                (void)rmdir(f->test);
        free(f);
        return 0;
}

static int need_cgroup(struct fixture *f)
{
        int fd;

        if (!f->usable) {
                print_message("# skip: %s\n", f->why);
                skip();
        }
        assert_int_equal(mkdir(f->test, 0755), 0);
        fd = open(f->test, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        return fd;
}

static uint64_t usage_ns(const char *dir)
{
        _cleanup_free_ char *buf = NULL;
        char path[PATH_MAX + 16];
        unsigned long long us;

        snprintf(path, sizeof(path), "%s/cpu.stat", dir);
        assert_int_equal(read_file_at(AT_FDCWD, path, 4096, &buf, NULL), 0);
        assert_int_equal(sscanf(buf, "usage_usec %llu", &us), 1);
        return (uint64_t)us * 1000;
}

static uint64_t cpu_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* A child joins dir, spins 0.3 s of CPU time spread over every online CPU in turn (so each CPU's counters
 * count a share), then sleeps 2 ms 20 times (each a context switch) and exits. */
static void run_child(const struct fixture *f, const char *dir)
{
        int status = 0;
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0) {
                char p[PATH_MAX + 16];
                uint64_t end;

                snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
                if (write_file_at(AT_FDCWD, p, "0") < 0)
                        _exit(100);
                for (size_t c = 0; c < f->n_cpus; c++) {
                        cpu_set_t set;

                        CPU_ZERO(&set);
                        CPU_SET(f->cpus[c], &set);
                        if (sched_setaffinity(0, sizeof(set), &set) < 0)
                                _exit(101);
                        end = cpu_ns() + 300000000 / f->n_cpus;
                        while (cpu_ns() < end)
                                ;
                }
                for (int i = 0; i < 20; i++)
                        nanosleep(&(struct timespec){ .tv_nsec = 2000000 }, NULL);
                _exit(0);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_probe(void **state)
{
        struct fixture *f = *state;
        _cleanup_close_ int own = -1, tmp = -1, v1 = -1, gone = -1;
        char why[512] = "x";

        if (!f->usable) {
                print_message("# skip: %s\n", f->why);
                skip();
        }
        own = open(f->own, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_int_equal(perf_probe(own, why, sizeof(why)), 1);
        assert_string_equal(why, "");
        assert_int_equal(perf_probe(own, NULL, 0), 1);
        tmp = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_int_equal(perf_probe(tmp, why, sizeof(why)), -EBADF);
        gone = need_cgroup(f);
        assert_int_equal(rmdir(f->test), 0);
        assert_int_equal(perf_probe(gone, why, sizeof(why)), 0);
        assert_string_equal(
            why, "no perf_event cgroup for this directory: the perf_event controller is not on its "
                 "hierarchy (when perf_event is mounted as v1, use that hierarchy, else the "
                 "unified one)");
        /* a v1 hierarchy of another controller: same answer */
        v1 = open("/sys/fs/cgroup/cpu", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (v1 >= 0) {
                assert_int_equal(perf_probe(v1, why, sizeof(why)), 0);
                assert_non_null(strstr(why, "no perf_event cgroup for this directory"));
        }
}

/* The real thing: software events count the child's CPU time, switches and faults; cycles is counted or
 * reported unsupported, never both; the values stay after the child exits and the cgroup is removed. */
static void test_counts(void **state)
{
        struct fixture *f = *state;
        const char ev[7][32] = { "task-clock", "context-switches", "cycles",        "page-faults",
                                 "cpu-clock",  "instructions",     "cpu-migrations" };
        _cleanup_close_ int cg = need_cgroup(f);
        _cleanup_perf_counters_ struct perf_counters *pc = NULL;
        struct cg_sample s = { .have = CG_HAVE_CPU_USAGE }, again = { 0 };
        uint32_t unsupported = 0xdead;
        uint64_t usage;
        size_t counted;

        assert_int_equal(perf_counters_open(cg, ev, ARRAY_SIZE(ev), &pc, &unsupported), 0);
        assert_int_equal(unsupported & ~UINT32_C(0x24), 0); /* only cycles and instructions may be missing */
        counted = ARRAY_SIZE(ev) - (size_t)__builtin_popcount(unsupported);
        assert_int_equal(perf_counters_nfds(pc), counted * f->n_cpus);
        run_child(f, f->test);
        usage = usage_ns(f->test);

        assert_int_equal(perf_counters_read(pc, &s), 0);
        assert_int_equal(s.have, CG_HAVE_CPU_USAGE | CG_HAVE_PERF);
        assert_int_equal(s.perf.counted, 0x7f & ~unsupported);
        print_message(
            "# usage %llu ns, task-clock %llu, cpu-clock %llu, cs %llu, faults %llu, migrations %llu, "
            "cycles %llu (%s)\n",
            (unsigned long long)usage, (unsigned long long)s.perf.count[0],
            (unsigned long long)s.perf.count[4], (unsigned long long)s.perf.count[1],
            (unsigned long long)s.perf.count[3], (unsigned long long)s.perf.count[6],
            (unsigned long long)s.perf.count[2], unsupported & 4 ? "unsupported" : "counted");
        assert_true(usage >= 300000000);
        assert_true(s.perf.count[0] >= usage * 8 / 10 && s.perf.count[0] <= usage * 12 / 10);
        assert_true(s.perf.count[4] >= usage * 8 / 10 && s.perf.count[4] <= usage * 12 / 10);
        assert_true(s.perf.count[1] >= 20);
        assert_true(s.perf.count[3] > 0);
        assert_true(s.perf.count[6] >= f->n_cpus - 1); /* moved to every CPU in turn */
        for (int i = 2; i < 6; i += 3) /* a hardware event: unsupported XOR counted, and 0 when not counted */
                if (unsupported & (1u << i))
                        assert_int_equal(s.perf.count[i], 0);
                else
                        assert_true(s.perf.count[i] > 0);
        assert_int_equal(s.perf.count[7], 0);

        /* nothing runs there any more: the same values, also once the cgroup is gone */
        assert_int_equal(rmdir(f->test), 0);
        assert_int_equal(perf_counters_read(pc, &again), 0);
        assert_memory_equal(&again.perf, &s.perf, sizeof(s.perf));
}

/* Only hardware events: counted where there is a PMU, else -EOPNOTSUPP with every bit set and no fd left. */
static void test_only_hardware(void **state)
{
        struct fixture *f = *state;
        const char ev[2][32] = { "cycles", "instructions" };
        _cleanup_close_ int cg = need_cgroup(f);
        _cleanup_perf_counters_ struct perf_counters *pc = NULL;
        uint32_t unsupported = 0xdead;
        size_t before = count_fds();
        int r;

        r = perf_counters_open(cg, ev, ARRAY_SIZE(ev), &pc, &unsupported);
        print_message("# cycles, instructions: %s\n", r == 0 ? "counted" : strerror(-r));
        if (r == 0) {
                assert_int_equal(unsupported, 0);
                assert_int_equal(perf_counters_nfds(pc), 2 * f->n_cpus);
        } else {
                assert_int_equal(r, -EOPNOTSUPP);
                assert_int_equal(unsupported, 3);
                assert_null(pc);
                assert_int_equal(count_fds(), before);
        }
}

/* Every event docs/policy.md names at once: the software ones in one group per CPU, the hardware ones counted
 * or reported, and one read gives each its own value. */
static void test_all_events(void **state)
{
        struct fixture *f = *state;
        char ev[ARRAY_SIZE(known)][32];
        _cleanup_close_ int cg = need_cgroup(f);
        _cleanup_perf_counters_ struct perf_counters *pc = NULL;
        struct cg_sample s = { 0 };
        uint32_t unsupported = 0, hw = 0;

        for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
                snprintf(ev[i], sizeof(ev[i]), "%s", known[i].name);
                hw |= known[i].type == PERF_TYPE_HARDWARE ? 1u << i : 0;
        }
        assert_int_equal(perf_counters_open(cg, (const char(*)[32])ev, ARRAY_SIZE(ev), &pc, &unsupported), 0);
        assert_int_equal(unsupported & ~hw, 0);
        assert_int_equal(perf_counters_nfds(pc),
                         (ARRAY_SIZE(ev) - (size_t)__builtin_popcount(unsupported)) * f->n_cpus);
        run_child(f, f->test);
        assert_int_equal(perf_counters_read(pc, &s), 0);
        assert_int_equal(s.perf.counted, ((1u << ARRAY_SIZE(ev)) - 1) & ~unsupported);
        assert_true(s.perf.count[0] >= 300000000);     /* task-clock */
        assert_true(s.perf.count[1] >= 300000000);     /* cpu-clock */
        assert_true(s.perf.count[2] >= 20);            /* context-switches */
        assert_true(s.perf.count[3] >= f->n_cpus - 1); /* cpu-migrations */
        assert_true(s.perf.count[4] > 0);
        /* every fault, retried ones each time; minor and major are counted once it is handled */
        assert_true(s.perf.count[4] >= s.perf.count[5] + s.perf.count[6]);
}

/* A reference keeps every fd open; the last unref closes all of them. */
static void test_refcount_closes_fds(void **state)
{
        struct fixture *f = *state;
        const char ev[3][32] = { "task-clock", "cycles", "minor-faults" };
        _cleanup_close_ int cg = need_cgroup(f);
        struct perf_counters *pc = NULL, *ref;
        struct cg_sample s = { 0 };
        uint32_t unsupported = 0;
        size_t before = count_fds(), nfds;

        assert_int_equal(perf_counters_open(cg, ev, ARRAY_SIZE(ev), &pc, &unsupported), 0);
        nfds = perf_counters_nfds(pc);
        assert_int_equal(nfds, (unsupported & 2 ? 2 : 3) * f->n_cpus);
        assert_int_equal(count_fds(), before + nfds);
        ref = perf_counters_ref(pc);
        assert_ptr_equal(ref, pc);
        assert_null(perf_counters_unref(pc));
        assert_int_equal(count_fds(), before + nfds); /* the snapshot's reference holds them */
        assert_int_equal(perf_counters_read(ref, &s), 0);
        assert_int_equal(s.perf.counted, unsupported & 2 ? 5 : 7);
        assert_null(perf_counters_unref(ref));
        assert_int_equal(count_fds(), before);
}

/* A removed cgroup and fds that are no cgroup directory: an error, and no fd left behind. */
static void test_open_errors(void **state)
{
        struct fixture *f = *state;
        const char sw[2][32] = { "task-clock", "page-faults" };
        const char hw_first[2][32] = { "cycles", "task-clock" };
        const char hw_only[1][32] = { "branches" };
        _cleanup_close_ int cg = need_cgroup(f), tmp = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct perf_counters *pc = NULL;
        uint32_t unsupported = 42;
        size_t before;

        assert_int_equal(rmdir(f->test), 0);
        before = count_fds();
        assert_int_equal(perf_counters_open(cg, sw, 2, &pc, &unsupported), -ENOENT);
        assert_int_equal(perf_counters_open(cg, hw_first, 2, &pc, &unsupported), -ENOENT);
        assert_int_equal(perf_counters_open(cg, hw_only, 1, &pc, &unsupported), -ENOENT);
        assert_int_equal(perf_counters_open(tmp, sw, 2, &pc, &unsupported), -EBADF);
        assert_int_equal(perf_counters_open(tmp, hw_only, 1, &pc, &unsupported), -EBADF);
        assert_int_equal(perf_counters_open(INT_MAX - 1, sw, 2, &pc, &unsupported), -EBADF);
        assert_null(pc);
        assert_int_equal(unsupported, 42);
        assert_int_equal(count_fds(), before);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_lookup_known),
                cmocka_unit_test(test_lookup_unknown),
                cmocka_unit_test(test_lookup_matches_docs),
                cmocka_unit_test(test_cpu_online_parser),
                cmocka_unit_test(test_scale),
                cmocka_unit_test(test_open_bad_arguments),
                cmocka_unit_test_setup_teardown(test_probe, setup, teardown),
                cmocka_unit_test_setup_teardown(test_counts, setup, teardown),
                cmocka_unit_test_setup_teardown(test_only_hardware, setup, teardown),
                cmocka_unit_test_setup_teardown(test_all_events, setup, teardown),
                cmocka_unit_test_setup_teardown(test_refcount_closes_fds, setup, teardown),
                cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
