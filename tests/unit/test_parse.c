/* The value parsers: valid input, boundaries, overflow and junk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "parse.h"
#include "util.h"

#define SENTINEL UINT64_C(0xdeadbeef)

/* Parse s with fn; expect r, and the value only when r == 0 (else *ret untouched). */
#define CHECK_U64(fn, s, want_r, want)                                                                       \
        do {                                                                                                 \
                uint64_t _v = SENTINEL;                                                                      \
                assert_int_equal(fn(s, &_v), (want_r));                                                      \
                assert_int_equal(_v, (want_r) == 0 ? (uint64_t)(want) : SENTINEL);                           \
        } while (0)

static int u64_0_100(const char *s, uint64_t *ret)
{
        return parse_u64_range(s, 0, 100, ret);
}

static int u64_2_262144(const char *s, uint64_t *ret)
{
        return parse_u64_range(s, 2, 262144, ret);
}

static void test_u64(void **state)
{
        CHECK_U64(parse_u64, "0", 0, 0);
        CHECK_U64(parse_u64, "42", 0, 42);
        CHECK_U64(parse_u64, "007", 0, 7);
        CHECK_U64(parse_u64, "18446744073709551615", 0, UINT64_MAX);
        CHECK_U64(parse_u64, "18446744073709551616", -ERANGE, 0);
        CHECK_U64(parse_u64, "99999999999999999999999", -ERANGE, 0);
        CHECK_U64(parse_u64, "", -EINVAL, 0);
        CHECK_U64(parse_u64, "-1", -EINVAL, 0);
        CHECK_U64(parse_u64, "+1", -EINVAL, 0);
        CHECK_U64(parse_u64, " 1", -EINVAL, 0);
        CHECK_U64(parse_u64, "1 ", -EINVAL, 0);
        CHECK_U64(parse_u64, "1x", -EINVAL, 0);
        CHECK_U64(parse_u64, "0x10", -EINVAL, 0);
        CHECK_U64(parse_u64, "1.0", -EINVAL, 0);
        CHECK_U64(parse_u64, "99999999999999999999x", -EINVAL, 0);
}

static void test_u64_range(void **state)
{
        CHECK_U64(u64_0_100, "0", 0, 0);
        CHECK_U64(u64_0_100, "100", 0, 100);
        CHECK_U64(u64_0_100, "101", -ERANGE, 0);
        CHECK_U64(u64_0_100, "abc", -EINVAL, 0);
        CHECK_U64(u64_2_262144, "1", -ERANGE, 0);
        CHECK_U64(u64_2_262144, "2", 0, 2);
        CHECK_U64(u64_2_262144, "262144", 0, 262144);
        CHECK_U64(u64_2_262144, "262145", -ERANGE, 0);
        CHECK_U64(u64_2_262144, "18446744073709551616", -ERANGE, 0);
}

static void check_u32(const char *s, int want_r, uint32_t want)
{
        uint32_t v = 0xdeadbeef;

        assert_int_equal(parse_u32_hex_or_dec(s, &v), want_r);
        assert_int_equal(v, want_r == 0 ? want : 0xdeadbeef);
}

static void test_u32_hex_or_dec(void **state)
{
        check_u32("0x100001", 0, 0x100001);
        check_u32("0X10aBcD", 0, 0x10abcd);
        check_u32("0xffffffff", 0, UINT32_MAX);
        check_u32("0x00000000ffffffff", 0, UINT32_MAX);
        check_u32("0x100000000", -ERANGE, 0);
        check_u32("4294967295", 0, UINT32_MAX);
        check_u32("4294967296", -ERANGE, 0);
        check_u32("1048577", 0, 1048577);
        check_u32("0", 0, 0);
        check_u32("0x", -EINVAL, 0);
        check_u32("0xg", -EINVAL, 0);
        check_u32("0x1000000000000000000g", -EINVAL, 0);
        check_u32("x10", -EINVAL, 0);
        check_u32("", -EINVAL, 0);
        check_u32("-1", -EINVAL, 0);
        check_u32("0x 1", -EINVAL, 0);
}

static void check_bool(const char *s, int want_r, bool want)
{
        bool v = !want;

        assert_int_equal(parse_bool(s, &v), want_r);
        if (want_r == 0)
                assert_int_equal(v, want);
}

static void test_bool(void **state)
{
        check_bool("yes", 0, true);
        check_bool("YES", 0, true);
        check_bool("True", 0, true);
        check_bool("on", 0, true);
        check_bool("1", 0, true);
        check_bool("no", 0, false);
        check_bool("false", 0, false);
        check_bool("OFF", 0, false);
        check_bool("0", 0, false);
        check_bool("", -EINVAL, false);
        check_bool("y", -EINVAL, false);
        check_bool("yess", -EINVAL, false);
        check_bool("2", -EINVAL, false);
        check_bool(" yes", -EINVAL, false);
}

static void test_size(void **state)
{
        CHECK_U64(parse_size, "0", 0, 0);
        CHECK_U64(parse_size, "1048576", 0, 1048576);
        CHECK_U64(parse_size, "512K", 0, 512 * 1024);
        CHECK_U64(parse_size, "512k", 0, 512 * 1024);
        CHECK_U64(parse_size, "512M", 0, 512ull << 20);
        CHECK_U64(parse_size, "2G", 0, 2ull << 30);
        CHECK_U64(parse_size, "1T", 0, 1ull << 40);
        CHECK_U64(parse_size, "512MiB", 0, 512ull << 20);
        CHECK_U64(parse_size, "512MB", 0, 512ull << 20);
        CHECK_U64(parse_size, "100B", 0, 100);
        CHECK_U64(parse_size, "1.5G", 0, 3ull << 29);
        CHECK_U64(parse_size, "0.5K", 0, 512);
        CHECK_U64(parse_size, "1.1K", 0, 1126); /* 1126.4: rounded down */
        CHECK_U64(parse_size, "0.000000001T", 0, 1099);
        CHECK_U64(parse_size, "16777215T", 0, 16777215ull << 40);
        CHECK_U64(parse_size, "16777216T", -ERANGE, 0); /* 2^64 */
        CHECK_U64(parse_size, "18446744073709551615", 0, UINT64_MAX);
        CHECK_U64(parse_size, "18446744073709551616", -ERANGE, 0);
        CHECK_U64(parse_size, "99999999999999999999999G", -ERANGE, 0);
        CHECK_U64(parse_size, "12X", -EINVAL, 0);
        CHECK_U64(parse_size, "", -EINVAL, 0);
        CHECK_U64(parse_size, "M", -EINVAL, 0);
        CHECK_U64(parse_size, "1.5", -EINVAL, 0); /* a fraction of a byte */
        CHECK_U64(parse_size, "1.G", -EINVAL, 0);
        CHECK_U64(parse_size, ".5G", -EINVAL, 0);
        CHECK_U64(parse_size, "1.0000000001G", -EINVAL, 0); /* more than 9 decimals */
        CHECK_U64(parse_size, "-1M", -EINVAL, 0);
        CHECK_U64(parse_size, "1 M", -EINVAL, 0);
        CHECK_U64(parse_size, "1MM", -EINVAL, 0);
        CHECK_U64(parse_size, "1iB", -EINVAL, 0);
        CHECK_U64(parse_size, "1Mi", -EINVAL, 0);
        CHECK_U64(parse_size, "1Mb", -EINVAL, 0);
        CHECK_U64(parse_size, "1MBB", -EINVAL, 0);
        CHECK_U64(parse_size, "max", -EINVAL, 0);
}

static void test_duration(void **state)
{
        CHECK_U64(parse_duration_us, "0s", 0, 0);
        CHECK_U64(parse_duration_us, "500us", 0, 500);
        CHECK_U64(parse_duration_us, "150ms", 0, 150000);
        CHECK_U64(parse_duration_us, "2s", 0, 2000000);
        CHECK_U64(parse_duration_us, "1.5s", 0, 1500000);
        CHECK_U64(parse_duration_us, "1m", 0, 60000000);
        CHECK_U64(parse_duration_us, "5min", 0, 300000000);
        CHECK_U64(parse_duration_us, "2h", 0, 7200000000ull);
        CHECK_U64(parse_duration_us, "0.000001s", 0, 1);
        CHECK_U64(parse_duration_us, "0.5us", 0, 0); /* below a microsecond: rounded down */
        CHECK_U64(parse_duration_us, "18446744073709551615us", 0, UINT64_MAX);
        CHECK_U64(parse_duration_us, "18446744073709551616us", -ERANGE, 0);
        CHECK_U64(parse_duration_us, "18446744073709552s", -ERANGE, 0);
        CHECK_U64(parse_duration_us, "5124095576031h", -ERANGE, 0);
        CHECK_U64(parse_duration_us, "100", -EINVAL, 0); /* a unit is required */
        CHECK_U64(parse_duration_us, "", -EINVAL, 0);
        CHECK_U64(parse_duration_us, "s", -EINVAL, 0);
        CHECK_U64(parse_duration_us, "1 s", -EINVAL, 0);
        CHECK_U64(parse_duration_us, "1sec", -EINVAL, 0);
        CHECK_U64(parse_duration_us, "1S", -EINVAL, 0);
        CHECK_U64(parse_duration_us, "1.1234567s", -EINVAL, 0);
        CHECK_U64(parse_duration_us, "-1s", -EINVAL, 0);
        CHECK_U64(parse_duration_us, "1m30s", -EINVAL, 0);
}

static void test_cpu_millis(void **state)
{
        CHECK_U64(parse_cpu_millis, "0.5", 0, 500);
        CHECK_U64(parse_cpu_millis, "1.5", 0, 1500);
        CHECK_U64(parse_cpu_millis, "2", 0, 2000);
        CHECK_U64(parse_cpu_millis, "0.001", 0, 1);
        CHECK_U64(parse_cpu_millis, "0.25", 0, 250);
        CHECK_U64(parse_cpu_millis, "64.125", 0, 64125);
        CHECK_U64(parse_cpu_millis, "0", -ERANGE, 0);
        CHECK_U64(parse_cpu_millis, "0.000", -ERANGE, 0);
        CHECK_U64(parse_cpu_millis, "18446744073709551", 0, 18446744073709551000ull);
        CHECK_U64(parse_cpu_millis, "18446744073709552", -ERANGE, 0);
        CHECK_U64(parse_cpu_millis, "99999999999999999999", -ERANGE, 0);
        CHECK_U64(parse_cpu_millis, "0.0001", -EINVAL, 0);
        CHECK_U64(parse_cpu_millis, "", -EINVAL, 0);
        CHECK_U64(parse_cpu_millis, ".5", -EINVAL, 0);
        CHECK_U64(parse_cpu_millis, "1.", -EINVAL, 0);
        CHECK_U64(parse_cpu_millis, "1,5", -EINVAL, 0);
        CHECK_U64(parse_cpu_millis, "-1", -EINVAL, 0);
        CHECK_U64(parse_cpu_millis, "2 ", -EINVAL, 0);
        CHECK_U64(parse_cpu_millis, "max", -EINVAL, 0);
}

/* Parse a list and render it back. */
static void check_list(const char *s, int want_r, const char *want)
{
        struct cpu_bitmap b;
        char buf[256];

        memset(&b, 0xaa, sizeof(b));
        assert_int_equal(parse_cpu_list(s, &b), want_r);
        if (want_r != 0) {
                assert_int_equal(b.bits[0], 0xaaaaaaaaaaaaaaaaull); /* untouched */
                return;
        }
        assert_int_equal(cpu_list_format(&b, buf, sizeof(buf)), 0);
        assert_string_equal(buf, want);
}

static void test_cpu_list(void **state)
{
        check_list("0", 0, "0");
        check_list("0-3", 0, "0-3");
        check_list("0-3,6,8-9", 0, "0-3,6,8-9");
        check_list("3,2,1,0", 0, "0-3");
        check_list("0-1,1-2", 0, "0-2");
        check_list("5-5", 0, "5");
        check_list("63-65", 0, "63-65");
        check_list("1023", 0, "1023");
        check_list("0-1023", 0, "0-1023");
        check_list("1024", -ERANGE, NULL);
        check_list("0-1024", -ERANGE, NULL);
        check_list("99999999999999999999999", -ERANGE, NULL);
        check_list("", -EINVAL, NULL);
        check_list("3-1", -EINVAL, NULL);
        check_list("0,", -EINVAL, NULL);
        check_list(",0", -EINVAL, NULL);
        check_list("0-", -EINVAL, NULL);
        check_list("-1", -EINVAL, NULL);
        check_list("0 1", -EINVAL, NULL);
        check_list("0--1", -EINVAL, NULL);
        check_list("a", -EINVAL, NULL);
        check_list("0-3\n", -EINVAL, NULL);
}

static void test_cpu_list_format(void **state)
{
        struct cpu_bitmap b = { { 0 } }, all;
        char buf[8], big[8192];

        assert_int_equal(cpu_list_format(&b, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "");
        assert_true(cpu_bitmap_is_empty(&b));
        assert_int_equal(parse_cpu_list("0-2,4", &b), 0);
        assert_false(cpu_bitmap_is_empty(&b));
        assert_int_equal(cpu_list_format(&b, buf, 6), 0);
        assert_string_equal(buf, "0-2,4");
        assert_int_equal(cpu_list_format(&b, buf, 5), -ENOBUFS);
        assert_string_equal(buf, "");
        assert_int_equal(cpu_list_format(&b, buf, 0), -ENOBUFS);
        /* every even CPU: the longest rendering */
        memset(&all, 0x55, sizeof(all));
        assert_int_equal(cpu_list_format(&all, big, sizeof(big)), 0);
        assert_int_equal(strncmp(big, "0,2,4,6,8,10,", 13), 0);
        assert_string_equal(big + strlen(big) - 5, ",1022");
}

static void test_cpu_bitmap_subset(void **state)
{
        struct cpu_bitmap a, b, empty = { { 0 } };

        assert_int_equal(parse_cpu_list("0-1", &a), 0);
        assert_int_equal(parse_cpu_list("0-3", &b), 0);
        assert_true(cpu_bitmap_is_subset(&a, &b));
        assert_false(cpu_bitmap_is_subset(&b, &a));
        assert_true(cpu_bitmap_is_subset(&a, &a));
        assert_true(cpu_bitmap_is_subset(&empty, &a));
        assert_false(cpu_bitmap_is_subset(&a, &empty));
        assert_int_equal(parse_cpu_list("1000", &a), 0);
        assert_false(cpu_bitmap_is_subset(&a, &b));
}

static void check_devnum(const char *s, bool wildcard, int want_r, int64_t want_major, int64_t want_minor)
{
        int64_t major = 77, minor = 77;

        assert_int_equal(parse_devnum(s, wildcard, &major, &minor), want_r);
        assert_int_equal(major, want_r == 0 ? want_major : 77);
        assert_int_equal(minor, want_r == 0 ? want_minor : 77);
}

static void test_devnum(void **state)
{
        check_devnum("8:0", false, 0, 8, 0);
        check_devnum("254:16", false, 0, 254, 16);
        check_devnum("4294967295:4294967295", false, 0, UINT32_MAX, UINT32_MAX);
        check_devnum("4294967296:0", false, -ERANGE, 0, 0);
        check_devnum("0:4294967296", false, -ERANGE, 0, 0);
        check_devnum("*:*", true, 0, -1, -1);
        check_devnum("1:*", true, 0, 1, -1);
        check_devnum("*:3", true, 0, -1, 3);
        check_devnum("*:*", false, -EINVAL, 0, 0);
        check_devnum("8", false, -EINVAL, 0, 0);
        check_devnum("8:", false, -EINVAL, 0, 0);
        check_devnum(":0", false, -EINVAL, 0, 0);
        check_devnum("8:0:1", false, -EINVAL, 0, 0);
        check_devnum("a:b", false, -EINVAL, 0, 0);
        check_devnum("-1:0", false, -EINVAL, 0, 0);
        check_devnum("8 :0", false, -EINVAL, 0, 0);
        check_devnum("**:1", true, -EINVAL, 0, 0);
        check_devnum("", false, -EINVAL, 0, 0);
}

/* /proc/PID/stat: our own state and start time; a child's 'Z' until reaped; a process that is gone. */
static void test_proc_stat(void **state)
{
        uint64_t start = 0, again = 0;
        char st = 0;
        pid_t child;

        assert_int_equal(proc_stat(getpid(), &st, &start), 0);
        assert_int_equal(st, 'R');
        assert_true(start > 0);
        assert_int_equal(proc_stat(getpid(), NULL, &again), 0);
        assert_true(again == start);
        child = fork();
        assert_true(child >= 0);
        if (child == 0)
                _exit(0);
        for (int i = 0; i < 200 && proc_stat(child, &st, NULL) == 0 && st != 'Z'; i++)
                usleep(10000);
        assert_int_equal(st, 'Z');
        assert_int_equal(waitpid(child, NULL, 0), child);
        assert_int_equal(proc_stat(child, &st, NULL), -ENOENT);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_u64),
                cmocka_unit_test(test_proc_stat),
                cmocka_unit_test(test_u64_range),
                cmocka_unit_test(test_u32_hex_or_dec),
                cmocka_unit_test(test_bool),
                cmocka_unit_test(test_size),
                cmocka_unit_test(test_duration),
                cmocka_unit_test(test_cpu_millis),
                cmocka_unit_test(test_cpu_list),
                cmocka_unit_test(test_cpu_list_format),
                cmocka_unit_test(test_cpu_bitmap_subset),
                cmocka_unit_test(test_devnum),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
