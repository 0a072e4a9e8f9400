/* The launcher's clone() fallback, forced through the launch_clone3_fn seam: clone3 "missing" (ENOSYS, as
 * under valgrind or before Linux 5.3) or refusing CLONE_INTO_CGROUP (E2BIG/EINVAL, before 5.7). Real
 * namespaces and cgroups, so root only (skipped otherwise). The binary doubles as the task ("--helper WHAT").
 * Cgroups are made below this process's own ones and removed in teardown, also when a test fails. */
#include "autoconfig.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgtest.h"
#include "launch-test.h"
#include "launch.h"
#include "util.h"

#define NS_ALL (NS_MOUNT | NS_UTS | NS_IPC | NS_PID | NS_NET | NS_USER | NS_CGROUP | NS_TIME)

#define REQUIRE_ROOT()                                                                                       \
        do {                                                                                                 \
                if (geteuid() != 0) {                                                                        \
                        print_message("needs root\n");                                                       \
                        skip();                                                                              \
                }                                                                                            \
        } while (0)

/* ---- the seam: what clone3 does in this test, and the flags of each call the parent made ---- */

static int clone3_error;        /* returned as -clone3_error */
static bool clone3_only_cgroup; /* fail only calls with CLONE_INTO_CGROUP; others are real */
static uint64_t clone3_flags[8];
static size_t n_clone3;

static long fake_clone3(struct clone_args *args, size_t size)
{
        if (n_clone3 < ARRAY_SIZE(clone3_flags))
                clone3_flags[n_clone3] = args->flags;
        n_clone3++;
        if (clone3_only_cgroup && !(args->flags & CLONE_INTO_CGROUP)) {
                long r = syscall(SYS_clone3, args, size);

                return r < 0 ? -errno : r;
        }
        return -clone3_error;
}

static int seam_setup(void **state)
{
        (void)state;
        launch_clone3_fn = fake_clone3;
        clone3_error = ENOSYS;
        clone3_only_cgroup = false;
        n_clone3 = 0;
        return 0;
}

/* ---- helper mode: runs inside the task ---- */

static int helper_main(const char *what)
{
        char t[64] = "", tfc[64] = "";

        if (streq(what, "timens")) {
                if (readlink("/proc/self/ns/time", t, sizeof(t) - 1) < 0 ||
                    readlink("/proc/self/ns/time_for_children", tfc, sizeof(tfc) - 1) < 0)
                        return 2;
                printf("pid %d %s %s\n", (int)getpid(), t, tfc);
                return 0;
        }
        if (streq(what, "wait")) {
                printf("ready\n");
                fflush(stdout);
                for (;;)
                        pause();
        }
        return 3;
}

/* ---- test side ---- */

/* ---- namespaces ---- */

static void test_enosys_namespaces(void **state)
{
        (void)state;
        REQUIRE_ROOT();
        check_namespaces(NS_ALL);
        assert_int_equal(n_clone3, 2);
        assert_true(clone3_flags[0] & CLONE_NEWTIME);
        assert_false(clone3_flags[1] & CLONE_NEWTIME);
        check_namespaces(NS_TIME);
        check_namespaces(NS_NET | NS_TIME);
        check_namespaces(NS_USER | NS_PID);
        check_namespaces(0);
        assert_no_children();
}

/* Built-in init (forked by clone() too) and the command share the new time namespace; the command is pid 2.
 */
static void test_enosys_init_timens(void **state)
{
        char *argv[4], out[256], self[64] = "", t[64] = "", tfc[64] = "";
        struct launch_spec s;
        int pid = 0;

        (void)state;
        REQUIRE_ROOT();
        assert_true(readlink("/proc/self/ns/time", self, sizeof(self) - 1) > 0);
        spec_helper(&s, argv, "timens");
        s.namespaces = NS_PID | NS_MOUNT | NS_TIME;
        s.init = true;
        assert_int_equal(run_capture(&s, out, sizeof(out)), 0);
        assert_int_equal(sscanf(out, "pid %d %63s %63s", &pid, t, tfc), 3);
        assert_int_equal(pid, 2);
        assert_string_equal(t, tfc);
        assert_string_not_equal(t, self);
        assert_int_equal(strncmp(t, "time:[", 6), 0);
        assert_no_children();
}

/* ---- cgroups: created below our own, removed in teardown ---- */

struct cg_state {
        char unified[PATH_MAX]; /* "" when not created */
        char pids[PATH_MAX];
        char unified_rel[PATH_MAX]; /* as /proc/self/cgroup shows it */
        char pids_rel[PATH_MAX];
        int unified_fd; /* O_PATH|O_DIRECTORY */
        int pids_procs; /* O_WRONLY cgroup.procs */
};

static int cg_setup(void **state)
{
        struct cg_state *cg = calloc(1, sizeof(*cg));
        char path[PATH_MAX + 16];

        if (!cg)
                return -1;
        cg->unified_fd = cg->pids_procs = -1;
        if (geteuid() == 0) {
                char name[64];

                snprintf(name, sizeof(name), "cgmeter-test-fallback-%d", (int)getpid());
                (void)cgtest_make("/sys/fs/cgroup/unified", "", name, cg->unified, cg->unified_rel);
                (void)cgtest_make("/sys/fs/cgroup/pids", "pids", name, cg->pids, cg->pids_rel);
        }
        if (cg->unified[0])
                cg->unified_fd = open(cg->unified, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (cg->pids[0]) {
                snprintf(path, sizeof(path), "%s/cgroup.procs", cg->pids);
                cg->pids_procs = open(path, O_WRONLY | O_CLOEXEC);
        }
        *state = cg;
        return seam_setup(NULL);
}

static int cg_teardown(void **state)
{
        struct cg_state *cg = *state;

        closep(&cg->unified_fd);
        closep(&cg->pids_procs);
        cgtest_remove(cg->unified);
        cgtest_remove(cg->pids);
        free(cg);
        return 0;
}

static void require_cgroups(const struct cg_state *cg)
{
        REQUIRE_ROOT();
        if (cg->unified_fd < 0 || cg->pids_procs < 0) {
                print_message("no unified or pids cgroup to create below our own\n");
                skip();
        }
}

/* The task reads its own /proc/self/cgroup: it is in the unified and the v1 test cgroup. */
static void launch_into_cgroups(const struct cg_state *cg, unsigned namespaces)
{
        char *argv[] = { (char *)"/bin/cat", (char *)"/proc/self/cgroup", NULL };
        struct launch_spec s;
        char out[1024], line[PATH_MAX + 16];

        launch_spec_init(&s);
        s.argv = argv;
        s.cgroup_fd = cg->unified_fd;
        s.join_fds = &cg->pids_procs;
        s.n_join_fds = 1;
        s.namespaces = namespaces;
        assert_int_equal(run_capture(&s, out, sizeof(out)), 0);
        if (namespaces & NS_CGROUP) {
                /* The cgroup namespace's root is where the child was when it entered it, before exec:
                 * so it was in both cgroups by then. */
                assert_has_line(out, "0::/\n");
                assert_has_line(out, ":pids:/\n");
                return;
        }
        snprintf(line, sizeof(line), "0::%s\n", cg->unified_rel);
        assert_has_line(out, line);
        snprintf(line, sizeof(line), ":pids:%s\n", cg->pids_rel);
        assert_has_line(out, line);
}

static void test_enosys_cgroups(void **state)
{
        struct cg_state *cg = *state;

        require_cgroups(cg);
        launch_into_cgroups(cg, 0);
        /* the first try asked for CLONE_INTO_CGROUP, the fallback did not */
        assert_int_equal(n_clone3, 2);
        assert_true(clone3_flags[0] & CLONE_INTO_CGROUP);
        assert_false(clone3_flags[1] & CLONE_INTO_CGROUP);
        launch_into_cgroups(cg, NS_CGROUP | NS_USER);
        launch_into_cgroups(cg, NS_ALL);
        assert_no_children();
}

/* Kernels 5.3 to 5.6: clone3 exists but refuses CLONE_INTO_CGROUP; the retry is clone3 without it. */
static void test_old_clone3_cgroups(void **state)
{
        static const int errs[] = { EINVAL, E2BIG };
        struct cg_state *cg = *state;

        require_cgroups(cg);
        clone3_only_cgroup = true;
        for (size_t i = 0; i < ARRAY_SIZE(errs); i++) {
                clone3_error = errs[i];
                n_clone3 = 0;
                launch_into_cgroups(cg, NS_PID | NS_TIME);
                assert_int_equal(n_clone3, 2);
                assert_true(clone3_flags[0] & CLONE_INTO_CGROUP);
                assert_int_equal(clone3_flags[1] & (CLONE_INTO_CGROUP | CLONE_NEWTIME), 0);
                assert_true(clone3_flags[1] & CLONE_NEWPID);
        }
        assert_no_children();
}

/* Only a missing clone3 or missing clone3 features are retried. */
static void test_other_errors_not_retried(void **state)
{
        struct cg_state *cg = *state;
        char *argv[] = { (char *)"/bin/true", NULL };
        struct launch_spec s;

        REQUIRE_ROOT();
        launch_spec_init(&s);
        s.argv = argv;
        s.cgroup_fd = cg->unified_fd;
        clone3_error = EPERM;
        expect_failure(&s, EPERM, "clone3");
        assert_int_equal(n_clone3, 1);
        /* EINVAL is a clone3 feature missing only when CLONE_INTO_CGROUP or CLONE_NEWTIME was asked */
        s.cgroup_fd = -1;
        s.namespaces = NS_PID;
        clone3_error = EINVAL;
        n_clone3 = 0;
        expect_failure(&s, EINVAL, "clone3");
        assert_int_equal(n_clone3, 1);
}

/* A failed join in the fallback: reported at "join cgroup", the child killed and reaped, nothing left in the
 * cgroups (they can be removed). */
static void test_enosys_failures_leave_nothing(void **state)
{
        struct cg_state *cg = *state;
        char *argv[] = { (char *)"/bin/true", NULL }, gone[PATH_MAX + 8];
        _cleanup_close_ int gone_fd = -1, rdonly = -1;
        struct launch_spec s;

        require_cgroups(cg);
        launch_spec_init(&s);
        s.argv = argv;
        s.namespaces = NS_ALL;

        /* a unified cgroup removed under us */
        snprintf(gone, sizeof(gone), "%s/gone", cg->unified);
        assert_int_equal(mkdir(gone, 0755), 0);
        gone_fd = open(gone, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(gone_fd >= 0);
        assert_int_equal(rmdir(gone), 0);
        s.cgroup_fd = gone_fd;
        expect_failure(&s, ENOENT, "join cgroup");

        /* the unified join works, a v1 one does not: the child leaves the unified cgroup by dying */
        rdonly = open("/dev/null", O_RDONLY | O_CLOEXEC);
        assert_true(rdonly >= 0);
        s.cgroup_fd = cg->unified_fd;
        s.join_fds = &rdonly;
        s.n_join_fds = 1;
        expect_failure(&s, EBADF, "join cgroup");

        /* a failure in the child after the time namespace was entered */
        argv[0] = (char *)"/nonexistent/command";
        s.join_fds = &cg->pids_procs;
        expect_failure(&s, ENOENT, "exec");
        assert_int_equal(n_clone3, 6);
        closep(&cg->unified_fd);
        cgtest_remove(cg->unified);
        assert_int_equal(access(cg->unified, F_OK), -1);
        cg->unified[0] = '\0';
}

int main(int argc, char **argv)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup(test_enosys_namespaces, seam_setup),
                cmocka_unit_test_setup(test_enosys_init_timens, seam_setup),
                cmocka_unit_test_setup_teardown(test_enosys_cgroups, cg_setup, cg_teardown),
                cmocka_unit_test_setup_teardown(test_old_clone3_cgroups, cg_setup, cg_teardown),
                cmocka_unit_test_setup_teardown(test_other_errors_not_retried, cg_setup, cg_teardown),
                cmocka_unit_test_setup_teardown(test_enosys_failures_leave_nothing, cg_setup, cg_teardown),
        };

        if (argc == 3 && streq(argv[1], "--helper"))
                return helper_main(argv[2]);
        if (launch_test_init() < 0)
                return 1;
        alarm(300); /* a hung launch fails the run instead of stalling it */
        return cmocka_run_group_tests(tests, NULL, NULL);
}
