/* Fault injection through the cgroup layer's write seam (cg_write_file_at), as root against the real
 * cgroupfs: for each of EBUSY, EINVAL, ENOSPC, EACCES and for every position in a policy's write plan, a
 * failing write makes cg_apply() return that error, name the file and the value, and leave every file it
 * had written as it was before. A failing freezer write is returned as is. Subtree: "cgmeter-faults-<pid>".
 */
#include "cgroup-internal.h" /* first: autoconfig.h sets _GNU_SOURCE */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>

#define MAX_SEEN 64

static struct cg_host *host;
static struct cg_node *node;

/* The fake: counts writes, fails the fail_at-th one (1-based; 0: none) with fail_errno, and remembers what
 * each file held before its first write. */
static struct {
        unsigned calls, fail_at;
        int fail_errno;
        char failed_file[64];
        size_t n;
        struct {
                char dir[PATH_MAX]; /* the cgroup layer opens directories per write: keep the path */
                char path[64];
                char *before;
        } seen[MAX_SEEN];
} fake;

static void fake_reset(unsigned fail_at, int fail_errno)
{
        for (size_t i = 0; i < fake.n; i++)
                free(fake.seen[i].before);
        memset(&fake, 0, sizeof(fake));
        fake.fail_at = fail_at;
        fake.fail_errno = fail_errno;
}

static void remember(int dirfd, const char *path)
{
        char link[64], dir[PATH_MAX];
        char *buf = NULL;
        ssize_t n;

        snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
        n = readlink(link, dir, sizeof(dir) - 1);
        assert_true(n > 0);
        dir[n] = '\0';
        for (size_t i = 0; i < fake.n; i++)
                if (streq(fake.seen[i].dir, dir) && streq(fake.seen[i].path, path))
                        return;
        assert_true(fake.n < MAX_SEEN);
        if (read_file_at(dirfd, path, 1 << 16, &buf, NULL) < 0)
                return; /* write-only or missing: nothing to compare */
        snprintf(fake.seen[fake.n].dir, sizeof(fake.seen[fake.n].dir), "%s", dir);
        snprintf(fake.seen[fake.n].path, sizeof(fake.seen[fake.n].path), "%s", path);
        fake.seen[fake.n++].before = buf;
}

static int fake_write(int dirfd, const char *path, const char *value)
{
        remember(dirfd, path);
        if (++fake.calls == fake.fail_at) {
                snprintf(fake.failed_file, sizeof(fake.failed_file), "%s", path);
                return -fake.fail_errno;
        }
        return write_file_at(dirfd, path, value);
}

/* Every file written reads back what it held before. */
static void assert_all_restored(void)
{
        for (size_t i = 0; i < fake.n; i++) {
                _cleanup_free_ char *now = NULL;
                _cleanup_close_ int dirfd = open(fake.seen[i].dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                assert_true(dirfd >= 0);
                assert_int_equal(read_file_at(dirfd, fake.seen[i].path, 1 << 16, &now, NULL), 0);
                if (!streq(now, fake.seen[i].before))
                        fail_msg("%s not restored: was \"%s\", now \"%s\"", fake.seen[i].path,
                                 strstrip(fake.seen[i].before), strstrip(now));
        }
}

static void policy_sample(struct policy *p)
{
        policy_init(p, "p");
        p->mem_limit = 64 << 20;
        p->mem_soft_limit = 32 << 20;
        p->cpu_quota_us = 50000;
        p->cpu_period_us = 100000;
        p->cpu_shares = 512;
        p->pids_max = 100;
}

static int group_setup(void **state)
{
        char root[POLICY_NAME_MAX];

        if (geteuid() != 0)
                return 0; /* every test skips */
        snprintf(root, sizeof(root), "cgmeter-faults-%d", (int)getpid());
        if (cg_host_open(root, false, &host) < 0)
                host = NULL;
        return 0;
}

static int group_teardown(void **state)
{
        if (host) {
                (void)cg_host_remove(host);
                host = cg_host_free(host);
        }
        return 0;
}

static int test_setup(void **state)
{
        cg_write_file_at = write_file_at;
        if (!host)
                return 0;
        return cg_node_create(host, "p", "t1", &node) == 0 ? 0 : -1;
}

static int test_teardown(void **state)
{
        struct cg_node *pn = NULL;

        cg_write_file_at = write_file_at;
        fake_reset(0, 0);
        if (node) {
                (void)cg_node_freeze(host, node, false);
                (void)cg_node_remove(host, node);
                node = cg_node_free(node);
        }
        if (host && cg_node_open(host, "p", NULL, &pn) == 0) {
                (void)cg_node_remove(host, pn);
                cg_node_free(pn);
        }
        return 0;
}

static void test_apply_fails_and_rolls_back(void **state)
{
        static const int errs[] = { EBUSY, EINVAL, ENOSPC, EACCES };
        struct cg_error err;
        struct policy p;
        unsigned n_writes;

        if (!host)
                skip();
        policy_sample(&p);
        cg_write_file_at = fake_write;
        /* count the plan's writes with a run that succeeds, then undo it */
        fake_reset(0, 0);
        assert_int_equal(cg_apply(host, node, &p, &err), 0);
        n_writes = fake.calls;
        assert_true(n_writes >= 5);
        cg_write_file_at = write_file_at;
        assert_int_equal(cg_node_remove(host, node), 0);
        node = cg_node_free(node);
        assert_int_equal(cg_node_create(host, "p", "t1", &node), 0);
        cg_write_file_at = fake_write;

        for (size_t e = 0; e < ARRAY_SIZE(errs); e++)
                for (unsigned k = 1; k <= n_writes; k++) {
                        char want[256];

                        fake_reset(k, errs[e]);
                        memset(&err, 0, sizeof(err));
                        assert_int_equal(cg_apply(host, node, &p, &err), -errs[e]);
                        assert_string_equal(err.file, fake.failed_file);
                        assert_int_equal(err.err, -errs[e]);
                        snprintf(want, sizeof(want), ": %s", strerror(errs[e]));
                        assert_true(strncmp(err.msg, "cannot write \"", 14) == 0);
                        assert_string_equal(err.msg + strlen(err.msg) - strlen(want), want);
                        assert_all_restored();
                }
}

static int fail_freezer(int dirfd, const char *path, const char *value)
{
        if (streq(path, "cgroup.freeze") || streq(path, "freezer.state"))
                return -EBUSY;
        return write_file_at(dirfd, path, value);
}

static void test_freeze_fails(void **state)
{
        if (!host)
                skip();
        cg_write_file_at = fail_freezer;
        assert_int_equal(cg_node_freeze(host, node, true), -EBUSY);
        assert_int_equal(cg_node_frozen(host, node), 0);
        cg_write_file_at = write_file_at;
        assert_int_equal(cg_node_freeze(host, node, true), 0);
        assert_int_equal(cg_node_freeze(host, node, false), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_apply_fails_and_rolls_back, test_setup, test_teardown),
                cmocka_unit_test_setup_teardown(test_freeze_fails, test_setup, test_teardown),
        };

        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
