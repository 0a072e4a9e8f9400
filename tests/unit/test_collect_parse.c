/* Collector tests: the pure parsers on files recorded from a hybrid 6.18 host (data/cgroupfs/v1), on v2 files
 * written after Documentation/admin-guide/cgroup-v2.rst (data/cgroupfs/v2) and recorded in a pure v2 VM
 * (data/cgroupfs/v2-vm); a table of malformed inputs; the collectors on fake cgroup trees (v1 and v2
 * layouts); and, as root, on real cgroups created below this process's own cgroups with a busy child. */
#include "autoconfig.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgtest.h"
#include "collector.h"
#include "parse-cgroup.h"
#include "util.h"

#define ALL_COLLECTORS 0x1fu
/* A string literal and its length, embedded NULs included. */
#define S(lit) lit, sizeof(lit) - 1

static char data_dir[PATH_MAX];

/* snprintf that fails the test instead of truncating a path. */
_printf_(3, 4) static void pathf(char *buf, size_t n, const char *fmt, ...)
{
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vsnprintf(buf, n, fmt, ap);
        va_end(ap);
        assert_true(k > 0 && (size_t)k < n);
}

static void data_path(char *buf, size_t n, const char *rel)
{
        pathf(buf, n, "%s/cgroupfs/%s", data_dir, rel);
}

/* A recorded file in a heap buffer of exactly its length, not NUL-terminated, so ASan sees any overread. */
static char *load(const char *rel, size_t *ret_len)
{
        _cleanup_free_ char *text = NULL;
        char path[PATH_MAX], *exact;
        size_t len;

        data_path(path, sizeof(path), rel);
        assert_int_equal(read_file_at(AT_FDCWD, path, 1 << 20, &text, &len), 0);
        exact = malloc(len ? len : 1);
        assert_non_null(exact);
        memcpy(exact, text, len);
        *ret_len = len;
        return exact;
}

/* ---- single values and flat keyed files ---- */

static void test_single_values(void **state)
{
        uint64_t v = 7;

        assert_int_equal(cg_parse_u64_value(S("903398695\n"), &v), 0);
        assert_int_equal(v, 903398695);
        assert_int_equal(cg_parse_u64_value(S("0"), &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(cg_parse_u64_value(S("18446744073709551615\n"), &v), 0);
        assert_true(v == UINT64_MAX);
        /* Only len bytes count: "123" of "123456". */
        assert_int_equal(cg_parse_u64_value("123456", 3, &v), 0);
        assert_int_equal(v, 123);

        v = 42;
        assert_int_equal(cg_parse_u64_value(S("18446744073709551616\n"), &v), -EINVAL);
        assert_int_equal(cg_parse_u64_value(S(""), &v), -EINVAL);
        assert_int_equal(cg_parse_u64_value(S("\n"), &v), -EINVAL);
        assert_int_equal(cg_parse_u64_value(S("12a\n"), &v), -EINVAL);
        assert_int_equal(cg_parse_u64_value(S(" 12\n"), &v), -EINVAL);
        assert_int_equal(cg_parse_u64_value(S("-1\n"), &v), -EINVAL);
        assert_int_equal(cg_parse_u64_value(S("+5\n"), &v), -EINVAL);
        assert_int_equal(cg_parse_u64_value(S("12\n\n"), &v), -EINVAL);
        assert_int_equal(cg_parse_u64_value(S("1\0002\n"), &v), -EINVAL);
        assert_int_equal(v, 42);
}

static void test_flat_keyed(void **state)
{
        uint64_t a = 1, b = 2, c = 3, found = 0;
        const struct cg_key keys[] = { { "alpha", &a }, { "beta", &b }, { "gamma", &c } };
        const char *ok = "zeta 9\nalpha 10\nnew_key_from_a_later_kernel 1.5\n\nbeta 20";

        assert_int_equal(cg_parse_flat_keyed(ok, strlen(ok), keys, 3, &found), 0);
        assert_int_equal(found, 0x3);
        assert_int_equal(a, 10);
        assert_int_equal(b, 20);
        assert_int_equal(c, 3);
        assert_int_equal(cg_parse_flat_keyed(S(""), keys, 3, &found), 0);
        assert_int_equal(found, 0);

        /* Failures leave every output alone. */
        found = 99;
        assert_int_equal(cg_parse_flat_keyed(S("alpha 1\nalpha 2\n"), keys, 3, &found), -EINVAL);
        assert_int_equal(cg_parse_flat_keyed(S("alpha 1\nbeta\n"), keys, 3, &found), -EINVAL);
        assert_int_equal(cg_parse_flat_keyed(S("alpha 1 2\n"), keys, 3, &found), -EINVAL);
        assert_int_equal(cg_parse_flat_keyed(S("alpha 5\nbeta 0x10\n"), keys, 3, &found), -EINVAL);
        assert_int_equal(found, 99);
        assert_int_equal(a, 10);
}

/* ---- recorded and documented files ---- */

static void test_cpu_files(void **state)
{
        struct cg_sample s = { 0 };
        _cleanup_free_ char *b1 = NULL, *b2 = NULL, *b3 = NULL, *b4 = NULL, *b5 = NULL;
        size_t l1, l2, l3, l4, l5;

        b1 = load("v1/cpu/cpu.stat", &l1);
        assert_int_equal(cg_parse_cpu_stat_v1(b1, l1, &s), 0);
        assert_int_equal(s.have, CG_HAVE_CPU_THROTTLE);
        assert_int_equal(s.cpu.nr_periods, 20);
        assert_int_equal(s.cpu.nr_throttled, 18);
        assert_int_equal(s.cpu.throttled_ns, 861793578);

        b2 = load("v1/cpuacct/cpuacct.usage", &l2);
        assert_int_equal(cg_parse_cpuacct_usage(b2, l2, &s), 0);
        assert_int_equal(s.cpu.usage_ns, 903398695);
        b3 = load("v1/cpuacct/cpuacct.stat", &l3);
        assert_int_equal(cg_parse_cpuacct_stat(b3, l3, 100, &s), 0);
        assert_int_equal(s.cpu.user_ns, 270000000);
        assert_int_equal(s.cpu.system_ns, 620000000);
        assert_int_equal(s.have, CG_HAVE_CPU_THROTTLE | CG_HAVE_CPU_USAGE | CG_HAVE_CPU_USER_SYSTEM);
        /* A tick rate that does not divide a second: 10 ticks at 3 Hz. */
        assert_int_equal(cg_parse_cpuacct_stat(S("user 10\nsystem 0\n"), 3, &s), 0);
        assert_int_equal(s.cpu.user_ns, 3333333333);

        /* The unified cpu.stat of a hybrid host: usage only, no cpu controller. */
        memset(&s, 0, sizeof(s));
        b4 = load("v1/unified/cpu.stat", &l4);
        assert_int_equal(cg_parse_cpu_stat_v2(b4, l4, &s), 0);
        assert_int_equal(s.have, CG_HAVE_CPU_USAGE | CG_HAVE_CPU_USER_SYSTEM);
        assert_int_equal(s.cpu.usage_ns, 903398000);
        assert_int_equal(s.cpu.user_ns, 274807000);
        assert_int_equal(s.cpu.system_ns, 628591000);

        memset(&s, 0, sizeof(s));
        b5 = load("v2/cpu.stat", &l5);
        assert_int_equal(cg_parse_cpu_stat_v2(b5, l5, &s), 0);
        assert_int_equal(s.have, CG_HAVE_CPU_USAGE | CG_HAVE_CPU_USER_SYSTEM | CG_HAVE_CPU_THROTTLE);
        assert_int_equal(s.cpu.usage_ns, 2519340000);
        assert_int_equal(s.cpu.nr_periods, 412);
        assert_int_equal(s.cpu.nr_throttled, 37);
        assert_int_equal(s.cpu.throttled_ns, 1523467000);
}

static void test_memory_files(void **state)
{
        struct cg_sample s = { 0 };
        _cleanup_free_ char *b1 = NULL, *b2 = NULL, *b3 = NULL, *b4 = NULL;
        size_t l1, l2, l3, l4;

        b1 = load("v1/memory/memory.stat", &l1);
        assert_int_equal(cg_parse_memory_stat(b1, l1, false, 675840, &s), 0);
        assert_int_equal(s.have, CG_HAVE_MEM_USAGE | CG_HAVE_MEM_SWAP); /* total_swap 0 */
        assert_int_equal(s.memory.swap, 0);
        assert_int_equal(s.memory.usage, 675840);
        assert_int_equal(s.memory.rss, 0);
        assert_int_equal(s.memory.cache, 262144);
        assert_int_equal(s.memory.working_set, 675840 - 36864);
        /* More inactive file pages than usage (read at another instant): the working set stops at 0. */
        assert_int_equal(cg_parse_memory_stat(b1, l1, false, 4096, &s), 0);
        assert_int_equal(s.memory.working_set, 0);
        /* total_swap is the hierarchy's swap (not swap, this cgroup's own); absent without swap accounting.
         */
        memset(&s, 0, sizeof(s));
        assert_int_equal(cg_parse_memory_stat(S("swap 1\ntotal_rss 0\ntotal_cache 0\ntotal_inactive_file 0\n"
                                                "total_swap 8192\n"),
                                              false, 0, &s),
                         0);
        assert_int_equal(s.have, CG_HAVE_MEM_USAGE | CG_HAVE_MEM_SWAP);
        assert_int_equal(s.memory.swap, 8192);
        memset(&s, 0, sizeof(s));
        assert_int_equal(
            cg_parse_memory_stat(S("total_rss 0\ntotal_cache 0\ntotal_inactive_file 0\n"), false, 0, &s), 0);
        assert_int_equal(s.have, CG_HAVE_MEM_USAGE);
        assert_int_equal(s.memory.swap, 0);

        b2 = load("v1/memory/memory.oom_control", &l2);
        assert_int_equal(cg_parse_oom_control(b2, l2, &s), 0);
        assert_int_equal(s.memory.oom_kill, 0);
        assert_int_equal(s.have, CG_HAVE_MEM_USAGE | CG_HAVE_MEM_OOM_KILL);
        memset(&s, 0, sizeof(s));
        /* Before 4.13 there was no oom_kill line. */
        assert_int_equal(cg_parse_oom_control(S("oom_kill_disable 0\nunder_oom 1\n"), &s), 0);
        assert_int_equal(s.have, 0);

        b3 = load("v2/memory.stat", &l3);
        assert_int_equal(cg_parse_memory_stat(b3, l3, true, 52428800, &s), 0);
        assert_int_equal(s.memory.rss, 31457280);
        assert_int_equal(s.memory.cache, 18874368);
        assert_int_equal(s.memory.working_set, 52428800 - 12582912);
        /* A v1 file is not a v2 file. */
        assert_int_equal(cg_parse_memory_stat(b1, l1, true, 1, &s), -EINVAL);

        b4 = load("v2/memory.events", &l4);
        assert_int_equal(cg_parse_memory_events(b4, l4, &s), 0);
        assert_int_equal(s.have, CG_HAVE_MEM_USAGE | CG_HAVE_MEM_EVENTS | CG_HAVE_MEM_OOM_KILL |
                                     CG_HAVE_MEM_GROUP_KILL);
        assert_int_equal(s.memory.high, 12);
        assert_int_equal(s.memory.max, 57);
        assert_int_equal(s.memory.oom, 3);
        assert_int_equal(s.memory.oom_kill, 2);
        assert_int_equal(s.memory.oom_group_kill, 1);
        memset(&s, 0, sizeof(s));
        /* Before 5.17: no oom_group_kill. */
        assert_int_equal(cg_parse_memory_events(S("low 0\nhigh 1\nmax 2\noom 3\noom_kill 4\n"), &s), 0);
        assert_int_equal(s.have, CG_HAVE_MEM_EVENTS | CG_HAVE_MEM_OOM_KILL);
}

static void test_io_files(void **state)
{
        struct cg_sample s = { 0 };
        _cleanup_free_ char *b1 = NULL, *b2 = NULL, *b3 = NULL, *many = NULL;
        size_t l1, l2, l3, n = 0;

        b1 = load("v1/blkio/blkio.throttle.io_service_bytes_recursive", &l1);
        b2 = load("v1/blkio/blkio.throttle.io_serviced_recursive", &l2);
        assert_int_equal(cg_parse_blkio_v1(b1, l1, true, &s), 0);
        assert_int_equal(cg_parse_blkio_v1(b2, l2, false, &s), 0);
        assert_int_equal(s.have, CG_HAVE_IO);
        assert_int_equal(s.io.n_devices, 1);
        assert_false(s.io.truncated);
        assert_int_equal(s.io.devices[0].major, 254);
        assert_int_equal(s.io.devices[0].minor, 0);
        assert_int_equal(s.io.devices[0].rbytes, 8429568);
        assert_int_equal(s.io.devices[0].wbytes, 9392128);
        assert_int_equal(s.io.devices[0].rios, 18);
        assert_int_equal(s.io.devices[0].wios, 262);
        assert_int_equal(s.io.rbytes, 8429568);
        assert_int_equal(s.io.wios, 262);
        memset(&s, 0, sizeof(s));
        assert_int_equal(cg_parse_blkio_v1(S("Total 0\n"), true, &s), 0);
        assert_int_equal(s.io.n_devices, 0);
        assert_int_equal(s.have, CG_HAVE_IO);

        b3 = load("v2/io.stat", &l3);
        assert_int_equal(cg_parse_io_stat(b3, l3, &s), 0);
        assert_int_equal(s.io.n_devices, 2);
        assert_int_equal(s.io.devices[1].major, 8);
        assert_int_equal(s.io.devices[1].minor, 16);
        assert_int_equal(s.io.devices[1].wbytes, 314773504);
        assert_int_equal(s.io.devices[1].wios, 353);
        assert_int_equal(s.io.rbytes, 8429568 + 1459200);
        assert_int_equal(s.io.wbytes, 9392128 + 314773504);
        assert_int_equal(s.io.rios, 18 + 192);
        assert_int_equal(s.io.wios, 262 + 353);
        /* iocost and io.latency add keys whose values are not integers. */
        assert_int_equal(
            cg_parse_io_stat(S("8:0 rbytes=1 wbytes=2 rios=3 wios=4 cost.vrate=100.00 avg_lat=0.5\n"), &s),
            0);
        assert_int_equal(s.io.n_devices, 1);
        assert_int_equal(s.io.wios, 4);
        assert_int_equal(cg_parse_io_stat(S(""), &s), 0);
        assert_int_equal(s.io.n_devices, 0);

        /* Past CG_IO_MAX_DEVICES devices the rest count in the totals only. */
        many = malloc(64 * 20);
        assert_non_null(many);
        for (unsigned i = 0; i < 20; i++)
                n += (size_t)sprintf(many + n, "8:%u rbytes=%u wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n", i,
                                     i);
        assert_int_equal(cg_parse_io_stat(many, n, &s), 0);
        assert_int_equal(s.io.n_devices, CG_IO_MAX_DEVICES);
        assert_true(s.io.truncated);
        assert_int_equal(s.io.devices[15].minor, 15);
        assert_int_equal(s.io.rbytes, 190);
        assert_int_equal(s.io.rios, 20);
}

static void test_pressure_files(void **state)
{
        struct cg_sample s = { 0 };
        _cleanup_free_ char *b1 = NULL, *b2 = NULL;
        size_t l1, l2;

        b1 = load("v1/unified/cpu.pressure", &l1);
        assert_int_equal(cg_parse_pressure(b1, l1, CG_PSI_CPU, &s), 0);
        assert_int_equal(s.psi[CG_PSI_CPU].some_us, 475260);
        assert_int_equal(s.psi[CG_PSI_CPU].full_us, 453378);
        b2 = load("v2/io.pressure", &l2);
        assert_int_equal(cg_parse_pressure(b2, l2, CG_PSI_IO, &s), 0);
        assert_int_equal(s.psi[CG_PSI_IO].some_us, 6368336);
        assert_int_equal(s.psi[CG_PSI_IO].full_us, 5928765);
        assert_int_equal(s.have, CG_HAVE_PSI_SOME(CG_PSI_CPU) | CG_HAVE_PSI_FULL(CG_PSI_CPU) |
                                     CG_HAVE_PSI_SOME(CG_PSI_IO) | CG_HAVE_PSI_FULL(CG_PSI_IO));
        /* cpu.pressure before 5.13 had no "full" line. */
        memset(&s, 0, sizeof(s));
        assert_int_equal(
            cg_parse_pressure(S("some avg10=0.00 avg60=0.00 avg300=0.00 total=77\n"), CG_PSI_MEMORY, &s), 0);
        assert_int_equal(s.psi[CG_PSI_MEMORY].some_us, 77);
        assert_int_equal(s.have, CG_HAVE_PSI_SOME(CG_PSI_MEMORY));
        assert_int_equal(cg_parse_pressure(S("some total=1\n"), _CG_PSI_MAX, &s), -EINVAL);
}

/* ---- malformed input: every parser, exact error, outputs untouched ---- */

enum which { U64, CPU1, CPU2, ACCT, ACCTSTAT, MEM1, MEM2, EVENTS, OOMCTL, IOSTAT, BLKIO, PSI };

static int run(enum which w, const char *buf, size_t len, struct cg_sample *s)
{
        switch (w) {
        case U64:
                return cg_parse_u64_value(buf, len, &s->pids.current);
        case CPU1:
                return cg_parse_cpu_stat_v1(buf, len, s);
        case CPU2:
                return cg_parse_cpu_stat_v2(buf, len, s);
        case ACCT:
                return cg_parse_cpuacct_usage(buf, len, s);
        case ACCTSTAT:
                return cg_parse_cpuacct_stat(buf, len, 100, s);
        case MEM1:
                return cg_parse_memory_stat(buf, len, false, 1000, s);
        case MEM2:
                return cg_parse_memory_stat(buf, len, true, 1000, s);
        case EVENTS:
                return cg_parse_memory_events(buf, len, s);
        case OOMCTL:
                return cg_parse_oom_control(buf, len, s);
        case IOSTAT:
                return cg_parse_io_stat(buf, len, s);
        case BLKIO:
                return cg_parse_blkio_v1(buf, len, true, s);
        case PSI:
                return cg_parse_pressure(buf, len, CG_PSI_MEMORY, s);
        }
        return -ENOSYS;
}

static void test_malformed(void **state)
{
        static const struct {
                enum which w;
                const char *in;
                size_t len;
        } cases[] = {
                { U64, S("99999999999999999999\n") },                          /* overflow */
                { CPU1, S("nr_periods 20\nnr_throttled 18\n") },               /* missing throttled_time */
                { CPU1, S("nr_periods 20\nnr_throttled 18\nthrottled_time") }, /* truncated line */
                { CPU1, S("nr_periods 2O\nnr_throttled 18\nthrottled_time 1\n") }, /* letter O */
                { CPU2, S("usage_usec 1\nuser_usec 1\n") },                        /* missing system_usec */
                { CPU2, S("usage_usec 18446744073709552\nuser_usec 0\nsystem_usec 0\n") }, /* ns overflow */
                { CPU2, S("usage_usec 3\nuser_usec 2\nsystem_usec 1\nnr_periods 5\n") }, /* half the throttle
                                                                                            keys */
                { ACCT, S("12 34\n") },                                                  /* two values */
                { ACCTSTAT, S("user 18446744073709551615\nsystem 0\n") },                /* ns overflow */
                { ACCTSTAT, S("user 5\n") },                                             /* missing system */
                { ACCTSTAT, S("user -1\nsystem 0\n") },                                  /* negative */
                { MEM1, S("total_rss 1\ntotal_cache 2\n") },               /* missing total_inactive_file */
                { MEM2, S("anon 1\nfile 2\ninactive_file 3.5\n") },        /* fraction */
                { MEM2, S("anon 1\nfile 2\ninactive_file 3\nanon 4\n") },  /* duplicate key */
                { EVENTS, S("high 0\nmax 0\noom 0\n") },                   /* missing oom_kill */
                { EVENTS, S("high 0\nmax 0\noom 0\noom_kill 1\toops\n") }, /* tab junk */
                { OOMCTL, S("oom_kill_disable 0\nunder_oom\n") },          /* value missing */
                { IOSTAT, S("254:0\n") },                                  /* device only */
                { IOSTAT, S("254:0 rbytes=1 wbytes=2 rios=3\n") },         /* missing wios */
                { IOSTAT, S("254 rbytes=1 wbytes=2 rios=3 wios=4\n") },    /* no minor */
                { IOSTAT, S("4294967296:0 rbytes=1 wbytes=2 rios=3 wios=4\n") }, /* major > 32 bits */
                { IOSTAT, S("8:0 rbytes=18446744073709551616 wbytes=2 rios=3 wios=4\n") }, /* overflow */
                { IOSTAT, S("8:0 rbytes=1 wbytes=2 rios=3 wios=x\n") },                    /* junk number */
                { IOSTAT, S("8:0 rbytes=1 wbytes=2 rios=3 wios=4 =5\n") },                 /* empty key */
                { IOSTAT, S("8:0 rbytes=1 wbytes=2 rios=3 wios=4 junk\n") }, /* token without '=' */
                { IOSTAT, S("8:0 rbytes=1 wbytes=2 rios=3 wios=4\n8:0 rbytes=1 wbytes=2 rios=3 wios=4\n") },
                { IOSTAT, S("8:0 rbytes=1 rbytes=2 wbytes=2 rios=3 wios=4\n") }, /* duplicate key */
                { BLKIO, S("254:0 Read\n") },                                    /* truncated */
                { BLKIO, S("254:0 Read 12 13\n") },                              /* extra field */
                { BLKIO, S("254:0 Write 1e3\n") },                               /* junk number */
                { BLKIO, S("254:x Read 1\n") },                                  /* junk minor */
                { BLKIO, S("Total x\n") },                                       /* junk total */
                { BLKIO, S("Totals 5\n") },                                      /* not a device, not Total */
                { PSI, S("full avg10=0.00 avg60=0.00 avg300=0.00 total=5\n") },  /* no "some" */
                { PSI, S("some avg10=0.00 avg60=0.00 avg300=0.00\n") },          /* no total */
                { PSI, S("some avg10=0.00 avg60=0.00 avg300=0.00 total=12abc\n") },
                { PSI, S("some total=1\nsome total=2\n") }, /* twice */
                { PSI, S("some avg10 total=1\n") },         /* token without '=' */
                { PSI, S("some total=1\0\n") },             /* embedded NUL */
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct cg_sample s, before;
                _cleanup_free_ char *buf = malloc(cases[i].len);
                int r;

                assert_non_null(buf);
                memcpy(buf, cases[i].in, cases[i].len);
                memset(&s, 0xab, sizeof(s));
                before = s;
                r = run(cases[i].w, buf, cases[i].len, &s);
                if (r != -EINVAL)
                        fail_msg("case %zu (%s): got %d, want -EINVAL", i, cases[i].in, r);
                if (memcmp(&s, &before, sizeof(s)) != 0)
                        fail_msg("case %zu (%s): output changed on failure", i, cases[i].in);
        }
}

/* ---- collectors on fake trees ---- */

static const uint64_t have_psi_all = CG_HAVE_PSI_SOME(CG_PSI_CPU) | CG_HAVE_PSI_FULL(CG_PSI_CPU) |
                                     CG_HAVE_PSI_SOME(CG_PSI_MEMORY) | CG_HAVE_PSI_FULL(CG_PSI_MEMORY) |
                                     CG_HAVE_PSI_SOME(CG_PSI_IO) | CG_HAVE_PSI_FULL(CG_PSI_IO);

/* The v1 layout: one directory per source below base, named like the source. */
static void open_v1(struct collector_target *t, const char *base)
{
        collector_target_init(t);
        for (int src = 0; src < _COLLECTOR_SOURCE_MAX; src++) {
                char p[PATH_MAX];

                pathf(p, sizeof(p), "%s/%s", base, collector_source_to_string(src));
                assert_int_equal(collector_target_open(t, src, AT_FDCWD, p), 0);
        }
}

static void open_v2(struct collector_target *t, const char *dir)
{
        collector_target_init(t);
        t->v2 = true;
        assert_int_equal(collector_target_open(t, COLLECTOR_SOURCE_UNIFIED, AT_FDCWD, dir), 0);
}

static void test_collect_v1_tree(void **state)
{
        uint64_t tick_ns = UINT64_C(1000000000) / (uint64_t)sysconf(_SC_CLK_TCK);
        struct collector_target t;
        struct cg_sample s;
        uint32_t failed = 99;
        char base[PATH_MAX];

        data_path(base, sizeof(base), "v1");
        open_v1(&t, base);
        assert_int_equal(collector_collect_all(&t, ALL_COLLECTORS, &s, &failed), 0);
        collector_target_close(&t);
        assert_int_equal(failed, 0);
        assert_int_equal(s.have, CG_HAVE_CPU_USAGE | CG_HAVE_CPU_USER_SYSTEM | CG_HAVE_CPU_THROTTLE |
                                     CG_HAVE_MEM_USAGE | CG_HAVE_MEM_SWAP | CG_HAVE_MEM_MAX_USAGE |
                                     CG_HAVE_MEM_FAILCNT | CG_HAVE_MEM_OOM_KILL | CG_HAVE_IO | CG_HAVE_PIDS |
                                     have_psi_all);
        assert_int_equal(s.cpu.usage_ns, 903398695);
        assert_int_equal(s.cpu.user_ns, 27 * tick_ns);
        assert_int_equal(s.cpu.system_ns, 62 * tick_ns);
        assert_int_equal(s.cpu.nr_throttled, 18);
        assert_int_equal(s.memory.usage, 675840);
        assert_int_equal(s.memory.working_set, 638976);
        assert_int_equal(s.memory.cache, 262144);
        assert_int_equal(s.memory.swap, 0);
        assert_int_equal(s.memory.max_usage, 4378624);
        assert_int_equal(s.memory.failcnt, 0);
        assert_int_equal(s.io.n_devices, 1);
        assert_int_equal(s.io.wbytes, 9392128);
        assert_int_equal(s.io.rios, 18);
        assert_int_equal(s.pids.current, 2);
        assert_int_equal(s.psi[CG_PSI_CPU].some_us, 475260);
        assert_int_equal(s.psi[CG_PSI_IO].full_us, 6358);
}

static void test_collect_v2_tree(void **state)
{
        struct collector_target t;
        struct cg_sample s;
        uint32_t failed = 99;
        char dir[PATH_MAX];

        data_path(dir, sizeof(dir), "v2");
        open_v2(&t, dir);
        assert_int_equal(collector_collect_all(&t, ALL_COLLECTORS, &s, &failed), 0);
        collector_target_close(&t);
        assert_int_equal(failed, 0);
        assert_int_equal(s.have, CG_HAVE_CPU_USAGE | CG_HAVE_CPU_USER_SYSTEM | CG_HAVE_CPU_THROTTLE |
                                     CG_HAVE_MEM_USAGE | CG_HAVE_MEM_SWAP | CG_HAVE_MEM_MAX_USAGE |
                                     CG_HAVE_MEM_OOM_KILL | CG_HAVE_MEM_EVENTS | CG_HAVE_MEM_GROUP_KILL |
                                     CG_HAVE_IO | CG_HAVE_PIDS | have_psi_all);
        assert_int_equal(s.cpu.system_ns, 670133000);
        assert_int_equal(s.cpu.throttled_ns, 1523467000);
        assert_int_equal(s.memory.usage, 52428800);
        assert_int_equal(s.memory.working_set, 39845888);
        assert_int_equal(s.memory.rss, 31457280);
        assert_int_equal(s.memory.swap, 1048576);
        assert_int_equal(s.memory.max_usage, 73400320);
        assert_int_equal(s.memory.oom_kill, 2);
        assert_int_equal(s.io.n_devices, 2);
        assert_int_equal(s.io.wbytes, 9392128 + 314773504);
        assert_int_equal(s.pids.current, 7);
        assert_int_equal(s.psi[CG_PSI_MEMORY].some_us, 120033);
        assert_int_equal(s.psi[CG_PSI_MEMORY].full_us, 99871);
}

/* Recorded in a pure v2 VM (Debian kernel 6.1, tests/unit/data/cgroupfs/README). */
static void test_collect_v2_recorded(void **state)
{
        struct collector_target t;
        struct cg_sample s;
        uint32_t failed = 99;
        char dir[PATH_MAX];

        data_path(dir, sizeof(dir), "v2-vm");
        open_v2(&t, dir);
        assert_int_equal(collector_collect_all(&t, ALL_COLLECTORS, &s, &failed), 0);
        collector_target_close(&t);
        assert_int_equal(failed, 0);
        assert_int_equal(s.have, 0x7efbf); /* everything but the v1-only failcnt (and bit 12, free) */
        assert_int_equal(s.cpu.usage_ns, 3736823000);
        assert_int_equal(s.cpu.user_ns, 3417560000);
        assert_int_equal(s.cpu.system_ns, 319262000);
        assert_int_equal(s.cpu.nr_periods, 78);
        assert_int_equal(s.cpu.nr_throttled, 72);
        assert_int_equal(s.cpu.throttled_ns, 3902891000);
        assert_int_equal(s.memory.usage, 69632);
        assert_int_equal(s.memory.working_set, 69632);
        assert_int_equal(s.memory.max_usage, 1310720);
        assert_int_equal(s.memory.oom_group_kill, 0);
        assert_int_equal(s.io.n_devices, 1);
        assert_int_equal(s.io.devices[0].major, 1);
        assert_int_equal(s.io.devices[0].rbytes, 8388608);
        assert_int_equal(s.io.wios, 8);
        assert_int_equal(s.pids.current, 1);
        assert_int_equal(s.psi[CG_PSI_CPU].some_us, 4009049);
        assert_int_equal(s.psi[CG_PSI_CPU].full_us, 3979921);
}

static void assert_probe(const struct collector_target *t, const char *name, int want, const char *why)
{
        const struct collector *c = collector_find(name);
        char buf[128] = "";

        assert_non_null(c);
        assert_int_equal(c->probe(t, buf, sizeof(buf)), want);
        assert_string_equal(buf, why);
}

static void test_probe(void **state)
{
        static const char *const names[] = { "cpu", "memory", "io", "pids", "psi" };
        struct collector_target t;
        char base[PATH_MAX], p[PATH_MAX];

        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
                assert_string_equal(collector_registry[i]->name, names[i]);
        /* net (cgroup_skb programs) needs a real unified cgroup: tests/unit/test_net.c */
        assert_string_equal(collector_registry[ARRAY_SIZE(names)]->name, "net");
        /* perf_event counters are opened per task and handed over in the target: tests/unit/test_perf.c */
        assert_string_equal(collector_registry[ARRAY_SIZE(names) + 1]->name, "perf_event");
        assert_ptr_equal(collector_find("perf_event"), &collector_perf);
        assert_null(collector_registry[ARRAY_SIZE(names) + 2]);
        assert_null(collector_find("perf"));

        data_path(base, sizeof(base), "v1");
        open_v1(&t, base);
        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
                assert_probe(&t, names[i], 1, "");
        collector_target_close(&t);

        /* A v1 host with only the memory hierarchy mounted. */
        collector_target_init(&t);
        pathf(p, sizeof(p), "%s/memory", base);
        assert_int_equal(collector_target_open(&t, COLLECTOR_SOURCE_MEMORY, AT_FDCWD, p), 0);
        assert_probe(&t, "memory", 1, "");
        assert_probe(&t, "cpu", 0, "no cpuacct hierarchy and no unified cpu.stat");
        assert_probe(&t, "io", 0, "blkio hierarchy not mounted");
        assert_probe(&t, "pids", 0, "pids hierarchy not mounted");
        assert_probe(&t, "psi", 0, "no unified (v2) hierarchy");
        collector_target_close(&t);

        data_path(p, sizeof(p), "v2");
        open_v2(&t, p);
        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
                assert_probe(&t, names[i], 1, "");
        collector_target_close(&t);
        /* The unified cgroup of the hybrid sample: cpu.stat and PSI, and no cgroup.controllers to ask. */
        data_path(p, sizeof(p), "v1/unified");
        open_v2(&t, p);
        assert_probe(&t, "cpu", 1, "");
        assert_probe(&t, "psi", 1, "");
        assert_int_equal(collector_io.probe(&t, p, sizeof(p)), -ENOENT); /* no cgroup.controllers at all */
        collector_target_close(&t);
}

/* ---- collectors on changed copies of the trees ---- */

struct tmp {
        char dir[PATH_MAX];
};

static int tmp_setup(void **state)
{
        struct tmp *t = calloc(1, sizeof(*t));
        char from[PATH_MAX], to[PATH_MAX];

        if (!t)
                return -1;
        pathf(t->dir, sizeof(t->dir), "/tmp/cgm-collect-XXXXXX");
        if (!mkdtemp(t->dir)) {
                free(t);
                return -1;
        }
        *state = t;
        data_path(from, sizeof(from), "v1");
        pathf(to, sizeof(to), "%s/v1", t->dir);
        if (cgtest_copy_tree(from, to, 1) < 0)
                return -1;
        data_path(from, sizeof(from), "v2");
        pathf(to, sizeof(to), "%s/v2", t->dir);
        return cgtest_copy_tree(from, to, 0) < 0 ? -1 : 0;
}

static int tmp_teardown(void **state)
{
        struct tmp *t = *state;

        cgtest_remove_tree(t->dir);
        free(t);
        return 0;
}

static void tmp_unlink(struct tmp *t, const char *rel)
{
        char p[PATH_MAX];

        pathf(p, sizeof(p), "%s/%s", t->dir, rel);
        assert_int_equal(unlink(p), 0);
}

static void tmp_write(struct tmp *t, const char *rel, const char *text)
{
        char p[PATH_MAX];

        pathf(p, sizeof(p), "%s/%s", t->dir, rel);
        assert_int_equal(cgtest_write(p, text), 0);
}

static void test_collect_missing_and_broken(void **state)
{
        struct tmp *tmp = *state;
        struct collector_target t;
        struct cg_sample s;
        uint32_t failed = 99;
        char p[PATH_MAX];

        /* Files a kernel may not have: no swap accounting, no peak, no _recursive blkio (falls back), PSI
         * off. */
        tmp_write(tmp, "v1/memory/memory.stat", /* without swap accounting: no swap, no total_swap */
                  "cache 262144\nrss 0\ntotal_cache 262144\ntotal_rss 0\ntotal_inactive_file 36864\n");
        tmp_unlink(tmp, "v1/memory/memory.max_usage_in_bytes");
        tmp_unlink(tmp, "v1/memory/memory.failcnt");
        tmp_unlink(tmp, "v1/blkio/blkio.throttle.io_service_bytes_recursive");
        tmp_unlink(tmp, "v1/blkio/blkio.throttle.io_serviced_recursive");
        tmp_unlink(tmp, "v1/unified/memory.pressure");
        pathf(p, sizeof(p), "%s/v1", tmp->dir);
        open_v1(&t, p);
        assert_int_equal(collector_collect_all(&t, ALL_COLLECTORS, &s, &failed), 0);
        collector_target_close(&t);
        assert_int_equal(failed, 0);
        assert_int_equal(s.have & (CG_HAVE_MEM_SWAP | CG_HAVE_MEM_MAX_USAGE | CG_HAVE_MEM_FAILCNT), 0);
        assert_int_equal(s.have & (CG_HAVE_MEM_USAGE | CG_HAVE_MEM_OOM_KILL | CG_HAVE_IO),
                         CG_HAVE_MEM_USAGE | CG_HAVE_MEM_OOM_KILL | CG_HAVE_IO);
        assert_int_equal(s.have & have_psi_all,
                         have_psi_all & ~(CG_HAVE_PSI_SOME(CG_PSI_MEMORY) | CG_HAVE_PSI_FULL(CG_PSI_MEMORY)));
        assert_int_equal(s.io.devices[0].rbytes, 8429568);
        assert_int_equal(s.io.wios, 262);

        /* A broken memory.events fails the memory collector alone; io.stat absent (io not enabled) is no
         * error. */
        tmp_write(tmp, "v2/memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill x\n");
        tmp_unlink(tmp, "v2/io.stat");
        tmp_write(tmp, "v2/cgroup.controllers", "cpu memory pids\n");
        pathf(p, sizeof(p), "%s/v2", tmp->dir);
        open_v2(&t, p);
        assert_int_equal(collector_collect_all(&t, ALL_COLLECTORS, &s, &failed), 0);
        assert_int_equal(failed, 1u << 1);
        assert_int_equal(s.have & (CG_HAVE_MEM_USAGE | CG_HAVE_MEM_EVENTS | CG_HAVE_IO), 0);
        assert_int_equal(s.have & CG_HAVE_CPU_THROTTLE, CG_HAVE_CPU_THROTTLE);
        assert_int_equal(s.memory.usage, 0);
        assert_int_equal(collector_memory.collect(&t, &s), -EINVAL);
        assert_probe(&t, "io", 0, "io controller not available in cgroup.controllers");
        assert_probe(&t, "memory", 1, "");
        /* Only what is enabled runs. */
        assert_int_equal(collector_collect_all(&t, 1u << 3, &s, &failed), 0);
        assert_int_equal(failed, 0);
        assert_int_equal(s.have, CG_HAVE_PIDS);
        tmp_unlink(tmp, "v2/cpu.pressure");
        assert_probe(&t, "psi", 0, "no cpu.pressure (kernel without CONFIG_PSI, or booted with psi=0)");
        collector_target_close(&t);
}

static void test_collect_vanished(void **state)
{
        struct tmp *tmp = *state;
        struct collector_target t, t1;
        struct cg_sample s = { 0 };
        uint32_t failed = 99;
        char p[PATH_MAX];

        pathf(p, sizeof(p), "%s/v2", tmp->dir);
        open_v2(&t, p);
        pathf(p, sizeof(p), "%s/v1", tmp->dir);
        open_v1(&t1, p);
        pathf(p, sizeof(p), "%s/v2", tmp->dir);
        cgtest_remove_tree(p);
        pathf(p, sizeof(p), "%s/v1/memory", tmp->dir);
        cgtest_remove_tree(p);
        s.have = 5;
        assert_int_equal(collector_collect_all(&t, ALL_COLLECTORS, &s, &failed), -ENOENT);
        assert_int_equal(s.have, 5);
        assert_int_equal(failed, 99);
        /* net's counters live in a BPF map and perf's in the task's perf fds, not in the cgroup: they stay
         * readable after it is gone */
        for (size_t i = 0; collector_registry[i]; i++)
                if (collector_registry[i] != &collector_net && collector_registry[i] != &collector_perf)
                        assert_int_equal(collector_registry[i]->collect(&t, &s), -ENOENT);
        assert_int_equal(collector_memory.collect(&t1, &s), -ENOENT);
        assert_int_equal(collector_cpu.collect(&t1, &s), 0);
        collector_target_close(&t);
        collector_target_close(&t1);
}

/* ---- real cgroups (root, hybrid host) ---- */

static const char *const real_mounts[_COLLECTOR_SOURCE_MAX] = { "cpu",   "cpuacct", "memory",
                                                                "blkio", "pids",    "unified" };

struct real {
        char path[_COLLECTOR_SOURCE_MAX][PATH_MAX];
        bool made[_COLLECTOR_SOURCE_MAX];
        pid_t child;
        struct collector_target t;
};

static int real_setup(void **state)
{
        struct real *rs = calloc(1, sizeof(*rs));

        if (!rs)
                return -1;
        collector_target_init(&rs->t);
        *state = rs;
        return 0;
}

static int real_teardown(void **state)
{
        struct real *rs = *state;

        if (rs->child > 0) {
                kill(rs->child, SIGKILL);
                waitpid(rs->child, NULL, 0);
        }
        collector_target_close(&rs->t);
        for (int i = 0; i < _COLLECTOR_SOURCE_MAX; i++)
                /* A reaped task leaves its cgroups asynchronously: retry EBUSY for a while. */
                for (int tries = 0; rs->made[i] && tries < 200; tries++) {
                        if (rmdir(rs->path[i]) == 0 || errno != EBUSY)
                                break;
                        usleep(10000);
                }
        free(rs);
        return 0;
}

static void real_make(struct real *rs)
{
        for (int i = 0; i < _COLLECTOR_SOURCE_MAX; i++) {
                char own[PATH_MAX];

                assert_int_equal(
                    cgtest_own_cgroup(i == COLLECTOR_SOURCE_UNIFIED ? "" : real_mounts[i], own, sizeof(own)),
                    0);
                pathf(rs->path[i], sizeof(rs->path[i]), "/sys/fs/cgroup/%s%s%scgmeter-test-%d",
                      real_mounts[i], own, streq(own, "/") ? "" : "/", (int)getpid());
                /* cpu and cpuacct may be one hierarchy (cpu,cpuacct) reached through two symlinks. */
                if (i == COLLECTOR_SOURCE_CPUACCT && access(rs->path[i], F_OK) == 0) {
                        assert_int_equal(collector_target_open(&rs->t, i, AT_FDCWD, rs->path[i]), 0);
                        continue;
                }
                assert_int_equal(mkdir(rs->path[i], 0755), 0);
                rs->made[i] = true;
                assert_int_equal(collector_target_open(&rs->t, i, AT_FDCWD, rs->path[i]), 0);
        }
}

static void test_collect_real_cgroup(void **state)
{
        struct real *rs = *state;
        struct cg_sample s1, s2;
        uint32_t failed = 99;
        char pid[32], why[128];
        int go[2];

        if (geteuid() != 0 || access("/sys/fs/cgroup/cpuacct/cpuacct.usage", F_OK) < 0 ||
            access("/sys/fs/cgroup/unified/cgroup.procs", F_OK) < 0) {
                print_message("needs root on a hybrid cgroup host\n");
                skip();
        }
        real_make(rs);
        assert_int_equal(pipe2(go, O_CLOEXEC), 0);
        rs->child = fork();
        assert_true(rs->child >= 0);
        if (rs->child == 0) {
                char c;

                alarm(30); /* never outlive a crashed test */
                close(go[1]);
                if (read(go[0], &c, 1) < 0)
                        _exit(1);
                /* Fault in memory now, inside the memory cgroup: v1 does not move earlier charges along. */
                volatile char *mem = malloc(4 << 20);

                for (size_t off = 0; mem && off < 4 << 20; off += 4096)
                        mem[off] = 1;
                for (volatile uint64_t spin = 0;; spin++)
                        ;
        }
        close(go[0]);
        pathf(pid, sizeof(pid), "%d", (int)rs->child);
        for (int i = 0; i < _COLLECTOR_SOURCE_MAX; i++)
                assert_int_equal(write_file_at(rs->t.fd[i], "cgroup.procs", pid), 0);
        close(go[1]); /* start spinning */
        for (size_t i = 0; collector_registry[i]; i++)
                if (collector_registry[i]->probe(&rs->t, why, sizeof(why)) != 1)
                        fail_msg("probe %s: %s", collector_registry[i]->name, why);
        usleep(200000);
        assert_int_equal(collector_collect_all(&rs->t, ALL_COLLECTORS, &s1, &failed), 0);
        assert_int_equal(failed, 0);
        usleep(300000);
        assert_int_equal(collector_collect_all(&rs->t, ALL_COLLECTORS, &s2, &failed), 0);
        assert_int_equal(failed, 0);
        assert_true(
            (s2.have & (CG_HAVE_CPU_USAGE | CG_HAVE_CPU_USER_SYSTEM | CG_HAVE_CPU_THROTTLE |
                        CG_HAVE_MEM_USAGE | CG_HAVE_IO | CG_HAVE_PIDS | CG_HAVE_PSI_SOME(CG_PSI_CPU))) ==
            (CG_HAVE_CPU_USAGE | CG_HAVE_CPU_USER_SYSTEM | CG_HAVE_CPU_THROTTLE | CG_HAVE_MEM_USAGE |
             CG_HAVE_IO | CG_HAVE_PIDS | CG_HAVE_PSI_SOME(CG_PSI_CPU)));
        assert_true(s2.cpu.usage_ns > s1.cpu.usage_ns);
        assert_true(s2.cpu.usage_ns >=
                    50000000); /* 0.5 s of spinning on a busy 2-CPU host: at least 0.05 s */
        assert_true(s2.cpu.user_ns + s2.cpu.system_ns > 0);
        assert_int_equal(s2.pids.current, 1);
        if (s2.memory.usage < 4 << 20)
                fail_msg("memory usage %" PRIu64, s2.memory.usage);
        assert_int_equal(s2.cpu.nr_throttled, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_single_values),
                cmocka_unit_test(test_flat_keyed),
                cmocka_unit_test(test_cpu_files),
                cmocka_unit_test(test_memory_files),
                cmocka_unit_test(test_io_files),
                cmocka_unit_test(test_pressure_files),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_collect_v1_tree),
                cmocka_unit_test(test_collect_v2_tree),
                cmocka_unit_test(test_collect_v2_recorded),
                cmocka_unit_test(test_probe),
                cmocka_unit_test_setup_teardown(test_collect_missing_and_broken, tmp_setup, tmp_teardown),
                cmocka_unit_test_setup_teardown(test_collect_vanished, tmp_setup, tmp_teardown),
                cmocka_unit_test_setup_teardown(test_collect_real_cgroup, real_setup, real_teardown),
        };
        const char *top = getenv("top_srcdir");

        /* make check exports top_srcdir; run by hand, the source tree configure saw. */
        if (top)
                pathf(data_dir, sizeof(data_dir), "%s/tests/unit/data", top);
        else
                pathf(data_dir, sizeof(data_dir), "%s", CGM_TEST_DATA_DIR);
        alarm(120);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
