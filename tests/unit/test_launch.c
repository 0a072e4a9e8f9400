/* Launcher tests: real clone3, namespaces and cgroups, so they run as root (skipped otherwise).
 * The test binary doubles as the command under test: "test_launch --helper WHAT" reports what it sees from
 * inside the task, so nothing depends on tools the host may lack. Cgroups are created only below this
 * process's own cgroups and removed in teardown, also when a test fails. */
#include "autoconfig.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <grp.h>
#include <linux/sched.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgtest.h"
#include "launch-test.h"
#include "launch.h"
#include "util.h"

#define NS_SIX (NS_MOUNT | NS_UTS | NS_IPC | NS_PID | NS_NET | NS_CGROUP)
#define NS_ALL (NS_SIX | NS_USER | NS_TIME)

#define REQUIRE_ROOT()                                                                                       \
        do {                                                                                                 \
                if (geteuid() != 0) {                                                                        \
                        print_message("needs root\n");                                                       \
                        skip();                                                                              \
                }                                                                                            \
        } while (0)

/* ---- helper mode: runs inside the task ---- */

static int helper_ifflags(void)
{
        struct ifreq ifr = { .ifr_name = "lo" };
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                return 2;
        printf("lo %s\n", (ifr.ifr_flags & IFF_UP) ? "UP" : "DOWN");
        return 0;
}

static int helper_proc(void)
{
        char link[64] = "";
        int n = 0;
        DIR *d = opendir("/proc");
        struct dirent *de;

        if (!d || readlink("/proc/self", link, sizeof(link) - 1) < 0)
                return 2;
        while ((de = readdir(d)))
                if (de->d_name[0] >= '1' && de->d_name[0] <= '9')
                        n++;
        closedir(d);
        printf("pid %d self %s procs %d\n", (int)getpid(), link, n);
        return 0;
}

static int helper_fds(void)
{
        char target[PATH_MAX] = "";
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;

        if (!d)
                return 2;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.' && atoi(de->d_name) != dirfd(d))
                        printf("%s ", de->d_name);
        closedir(d);
        if (readlink("/proc/self/fd/0", target, sizeof(target) - 1) < 0)
                return 2;
        printf("stdin=%s\n", target);
        return 0;
}

/* An orphan: our child forks a grandchild and exits, so the grandchild's parent becomes PID 1 (the init). */
static int helper_orphan(void)
{
        int p[2];
        pid_t mid, orphan = 0;
        char path[64];

        if (pipe(p) < 0)
                return 2;
        mid = fork();
        if (mid == 0) {
                pid_t g = fork();
                if (g == 0)
                        _exit(0);
                (void)!write(p[1], &g, sizeof(g));
                _exit(0);
        }
        if (read(p[0], &orphan, sizeof(orphan)) != sizeof(orphan) || waitpid(mid, NULL, 0) != mid)
                return 2;
        snprintf(path, sizeof(path), "/proc/%d", (int)orphan);
        for (int i = 0; i < 500 && access(path, F_OK) == 0; i++)
                usleep(10000);
        printf("pid %d orphan %s\n", (int)getpid(), access(path, F_OK) == 0 ? "zombie" : "reaped");
        return 0;
}

static void on_term(int sig)
{
        static const char msg[] = "got TERM\n";

        (void)!write(STDOUT_FILENO, msg, sizeof(msg) - 1);
        _exit(42);
}

static int helper_main(const char *what)
{
        if (streq(what, "ifflags"))
                return helper_ifflags();
        if (streq(what, "proc"))
                return helper_proc();
        if (streq(what, "fds"))
                return helper_fds();
        if (streq(what, "orphan"))
                return helper_orphan();
        if (streq(what, "ids")) {
                printf("uid %d gid %d groups %d\n", (int)getuid(), (int)getgid(), getgroups(0, NULL));
                return 0;
        }
        if (streq(what, "env")) {
                printf("FOO=%s PATH=%s\n", getenv("FOO") ?: "(null)", getenv("PATH") ?: "(null)");
                return 0;
        }
        if (streq(what, "term"))
                signal(SIGTERM, on_term);
        if (streq(what, "term") || streq(what, "wait")) {
                printf("ready\n");
                fflush(stdout);
                for (;;)
                        pause();
        }
        return 3;
}

/* ---- test side ---- */

static int count_fds(void)
{
        DIR *d = opendir("/proc/self/fd");
        int n = 0;

        assert_non_null(d);
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

static void test_exit_status(void **state)
{
        char *t_argv[] = { (char *)"/bin/true", NULL }, *f_argv[] = { (char *)"false", NULL };
        struct launch_spec s;
        char out[64];
        int fds;

        REQUIRE_ROOT();
        fds = count_fds();
        launch_spec_init(&s);
        s.argv = t_argv;
        assert_int_equal(run_capture(&s, out, sizeof(out)), 0);
        s.argv = f_argv; /* through the default PATH */
        assert_int_equal(run_capture(&s, out, sizeof(out)), 1);
        s.namespaces = NS_SIX;
        assert_int_equal(run_capture(&s, out, sizeof(out)), 1);
        assert_no_children();
        assert_int_equal(count_fds(), fds); /* the parent leaks nothing either */
}

static void test_missing_command(void **state)
{
        char *abs_argv[] = { (char *)"/nonexistent/cgm-cmd", NULL };
        char *path_argv[] = { (char *)"cgm-no-such-command", NULL };
        char *noexec_argv[] = { (char *)"/etc/passwd", NULL };
        struct launch_spec s;

        REQUIRE_ROOT();
        launch_spec_init(&s);
        s.argv = abs_argv;
        expect_failure(&s, ENOENT, "exec");
        s.argv = path_argv;
        expect_failure(&s, ENOENT, "exec");
        s.argv = noexec_argv;
        expect_failure(&s, EACCES, "exec");
        /* The same through the built-in init: the command reports, init and command are both gone. */
        s.argv = path_argv;
        s.namespaces = NS_PID | NS_MOUNT;
        s.init = true;
        expect_failure(&s, ENOENT, "exec");
}

/* Failures of the parent's own steps: the child is killed and reaped before launch_task returns. */
static void test_parent_steps(void **state)
{
        char *argv[] = { (char *)"/bin/true", NULL };
        const struct policy_idmap bad = { 0, 0, 0 };
        struct launch_spec s;
        _cleanup_close_ int ro = open("/dev/null", O_RDONLY | O_CLOEXEC);

        REQUIRE_ROOT();
        assert_true(ro >= 0);
        launch_spec_init(&s);
        s.argv = argv;
        s.join_fds = &ro;
        s.n_join_fds = 1;
        expect_failure(&s, EBADF, "join cgroup");
        s.n_join_fds = 0;
        s.namespaces = NS_USER;
        s.uid_map = &bad;
        s.n_uid_map = 1;
        expect_failure(&s, EINVAL, "uid_map");
}

static void test_bad_cwd(void **state)
{
        char *argv[] = { (char *)"/bin/true", NULL };
        struct launch_spec s;

        REQUIRE_ROOT();
        launch_spec_init(&s);
        s.argv = argv;
        s.cwd = "/nonexistent-cgm-dir";
        expect_failure(&s, ENOENT, "chdir");
}

static void test_bad_spec(void **state)
{
        char *argv[] = { (char *)"/bin/true", NULL }, *empty[] = { NULL };
        const struct policy_idmap map = { 0, 0, 1 };
        struct launch_spec s;
        struct launch_error e;

        launch_spec_init(&s);
        s.argv = empty;
        assert_int_equal(launch_task(&s, &(pid_t){ 0 }, &(int){ 0 }, &e), -EINVAL);
        assert_string_equal(e.step, "spec");
        s.argv = argv;
        s.init = true; /* init without a pid namespace */
        assert_int_equal(launch_task(&s, &(pid_t){ 0 }, &(int){ 0 }, &e), -EINVAL);
        s.init = false;
        s.hostname = "h"; /* would rename the host */
        assert_int_equal(launch_task(&s, &(pid_t){ 0 }, &(int){ 0 }, &e), -EINVAL);
        s.hostname = NULL;
        s.uid_map = &map; /* maps without a user namespace */
        s.n_uid_map = 1;
        assert_int_equal(launch_task(&s, &(pid_t){ 0 }, &(int){ 0 }, &e), -EINVAL);
        assert_string_equal(e.step, "spec");
        assert_int_equal(e.err, EINVAL);
}

/* clone3 is what CLONE_NEWTIME and CLONE_INTO_CGROUP need; valgrind 3.19 does not know it. */
static bool have_clone3(void)
{
        return syscall(SYS_clone3, NULL, 0) < 0 && errno != ENOSYS;
}

static void test_namespaces(void **state)
{
        REQUIRE_ROOT();
        check_namespaces(NS_SIX); /* user and time stay shared */
        check_namespaces(NS_USER | NS_PID);
        check_namespaces(0);
        if (!have_clone3()) {
                print_message("no clone3: time namespace not tested\n");
                skip();
        }
        check_namespaces(NS_ALL);
        check_namespaces(NS_NET | NS_TIME);
}

static void test_hostname(void **state)
{
        char *argv[] = { (char *)"/bin/cat", (char *)"/proc/sys/kernel/hostname", NULL };
        struct launch_spec s;
        char out[128], host[128];

        REQUIRE_ROOT();
        assert_int_equal(gethostname(host, sizeof(host)), 0);
        launch_spec_init(&s);
        s.argv = argv;
        s.namespaces = NS_UTS;
        s.hostname = "cgm-task-1";
        assert_int_equal(run_capture(&s, out, sizeof(out)), 0);
        assert_string_equal(out, "cgm-task-1\n");
        assert_int_equal(gethostname(out, sizeof(out)), 0);
        assert_string_equal(out, host);
}

static void test_loopback(void **state)
{
        char *argv[4];
        struct launch_spec s;
        char out[64];

        REQUIRE_ROOT();
        spec_helper(&s, argv, "ifflags");
        s.namespaces = NS_NET;
        assert_int_equal(run_capture(&s, out, sizeof(out)), 0);
        assert_string_equal(out, "lo UP\n");
}

static void test_proc_pid1(void **state)
{
        char *argv[4];
        struct launch_spec s;
        char out[128];

        REQUIRE_ROOT();
        spec_helper(&s, argv, "proc");
        s.namespaces = NS_PID | NS_MOUNT;
        assert_int_equal(run_capture(&s, out, sizeof(out)), 0);
        assert_string_equal(out, "pid 1 self 1 procs 1\n");
        /* With init, the command is PID 2 and init is the other process. */
        s.init = true;
        assert_int_equal(run_capture(&s, out, sizeof(out)), 0);
        assert_string_equal(out, "pid 2 self 2 procs 2\n");
}

static void test_user_ns(void **state)
{
        char *argv[] = { (char *)"/bin/cat", (char *)"/proc/self/uid_map", (char *)"/proc/self/gid_map",
                         NULL };
        char *ids[4];
        const struct policy_idmap umap[] = { { 0, 100000, 1000 }, { 1000, 2000, 1 } };
        const struct policy_idmap gmap[] = { { 0, 200000, 65536 } };
        struct launch_spec s;
        char out[256];

        REQUIRE_ROOT();
        launch_spec_init(&s);
        s.argv = argv;
        s.namespaces = NS_USER;
        s.uid_map = umap;
        s.n_uid_map = ARRAY_SIZE(umap);
        s.gid_map = gmap;
        s.n_gid_map = ARRAY_SIZE(gmap);
        assert_int_equal(run_capture(&s, out, sizeof(out)), 0);
        assert_string_equal(out, "         0     100000       1000\n"
                                 "      1000       2000          1\n"
                                 "         0     200000      65536\n");
        /* uid/gid are inside ids when maps are given. */
        spec_helper(&s, ids, "ids");
        s.namespaces = NS_USER | NS_PID | NS_MOUNT;
        s.uid_map = umap;
        s.n_uid_map = ARRAY_SIZE(umap);
        s.gid_map = gmap;
        s.n_gid_map = ARRAY_SIZE(gmap);
        s.uid = 1000;
        s.gid = 5;
        assert_int_equal(run_capture(&s, out, sizeof(out)), 0);
        assert_string_equal(out, "uid 1000 gid 5 groups 0\n");
        /* No maps: "0 <uid> 1", root inside. */
        s.argv = argv;
        s.n_uid_map = s.n_gid_map = 0;
        s.uid = 1234;
        s.gid = 4321;
        assert_int_equal(run_capture(&s, out, sizeof(out)), 0);
        assert_string_equal(out, "         0       1234          1\n"
                                 "         0       4321          1\n");
}

static void test_credentials_env_fds(void **state)
{
        char *argv[4];
        char *env[] = { (char *)"FOO=bar", (char *)"PATH=/cgm-nowhere:/bin", NULL };
        char *by_path[] = { (char *)"true", NULL };
        struct launch_spec s;
        const gid_t extra[] = { 4, 7 };
        gid_t saved[64];
        char out[256];
        int leak, n_saved, r;

        REQUIRE_ROOT();
        /* Supplementary groups of the agent must be dropped, not inherited. */
        n_saved = getgroups((int)ARRAY_SIZE(saved), saved);
        assert_true(n_saved >= 0);
        assert_int_equal(setgroups(ARRAY_SIZE(extra), extra), 0);
        spec_helper(&s, argv, "ids");
        s.uid = 65534;
        s.gid = 65534;
        r = run_capture(&s, out, sizeof(out));
        assert_int_equal(setgroups((size_t)n_saved, saved), 0);
        assert_int_equal(r, 0);
        assert_string_equal(out, "uid 65534 gid 65534 groups 0\n");

        spec_helper(&s, argv, "env");
        assert_int_equal(run_capture(&s, out, sizeof(out)), 0);
        assert_string_equal(out, "FOO=(null) PATH=(null)\n");
        s.envp = env;
        assert_int_equal(run_capture(&s, out, sizeof(out)), 0);
        assert_string_equal(out, "FOO=bar PATH=/cgm-nowhere:/bin\n");
        s.argv = by_path; /* found in the task's PATH, after a miss */
        assert_int_equal(run_capture(&s, out, sizeof(out)), 0);

        /* An fd the "daemon" left inheritable must not reach the task. */
        leak = open("/dev/zero", O_RDONLY);
        assert_true(leak > 2);
        spec_helper(&s, argv, "fds");
        s.namespaces = NS_SIX;
        assert_int_equal(run_capture(&s, out, sizeof(out)), 0);
        close(leak);
        assert_string_equal(out, "0 1 2 stdin=/dev/null\n");
}

static void test_init_reaps_and_forwards(void **state)
{
        char *argv[4];
        struct launch_spec s;
        struct task t;
        char out[128];

        REQUIRE_ROOT();
        spec_helper(&s, argv, "orphan");
        s.namespaces = NS_PID | NS_MOUNT;
        s.init = true;
        assert_int_equal(run_capture(&s, out, sizeof(out)), 0);
        assert_string_equal(out, "pid 2 orphan reaped\n");

        /* SIGTERM to init (from outside) reaches the command; init exits with the command's code. */
        spec_helper(&s, argv, "term");
        s.namespaces = NS_PID | NS_MOUNT;
        s.init = true;
        assert_int_equal(start(&s, &t, NULL), 0);
        read_out(&t, out, sizeof(out), true);
        assert_string_equal(out, "ready\n");
        assert_int_equal(kill(t.pid, SIGTERM), 0);
        read_out(&t, out, sizeof(out), false);
        assert_string_equal(out, "got TERM\n");
        assert_int_equal(finish(&t), 42);

        /* A command killed by the forwarded signal: 128 + signal. */
        spec_helper(&s, argv, "wait");
        s.namespaces = NS_PID | NS_MOUNT;
        s.init = true;
        assert_int_equal(start(&s, &t, NULL), 0);
        read_out(&t, out, sizeof(out), true);
        assert_int_equal(kill(t.pid, SIGUSR1), 0);
        assert_int_equal(finish(&t), 128 + SIGUSR1);
        assert_no_children();
}

/* ---- cgroups: created below our own cgroup, removed in teardown ---- */

struct cg_state {
        char unified[PATH_MAX]; /* "" when not created */
        char pids[PATH_MAX];
        char unified_rel[PATH_MAX]; /* as /proc/self/cgroup shows it */
        char pids_rel[PATH_MAX];
};

static int cg_setup(void **state)
{
        struct cg_state *cg = calloc(1, sizeof(*cg));

        if (!cg)
                return -1;
        if (geteuid() == 0) {
                char name[64];

                snprintf(name, sizeof(name), "cgmeter-test-%d", (int)getpid());
                (void)cgtest_make("/sys/fs/cgroup/unified", "", name, cg->unified, cg->unified_rel);
                (void)cgtest_make("/sys/fs/cgroup/pids", "pids", name, cg->pids, cg->pids_rel);
        }
        *state = cg;
        return 0;
}

static int cg_teardown(void **state)
{
        struct cg_state *cg = *state;

        cgtest_remove(cg->unified);
        cgtest_remove(cg->pids);
        free(cg);
        return 0;
}

static void test_cgroups(void **state)
{
        struct cg_state *cg = *state;
        char *argv[] = { (char *)"/bin/cat", (char *)"/proc/self/cgroup", NULL };
        struct launch_spec s;
        char out[1024], line[PATH_MAX + 16];
        _cleanup_close_ int dfd = -1, procs = -1;

        REQUIRE_ROOT();
        if (!have_clone3()) {
                print_message("no clone3, so no CLONE_INTO_CGROUP\n");
                skip();
        }
        if (!cg->unified[0] || !cg->pids[0]) {
                print_message("no unified or pids cgroup to create below our own\n");
                skip();
        }
        dfd = open(cg->unified, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        snprintf(line, sizeof(line), "%s/cgroup.procs", cg->pids);
        procs = open(line, O_WRONLY | O_CLOEXEC);
        assert_true(procs >= 0);

        launch_spec_init(&s);
        s.argv = argv;
        s.cgroup_fd = dfd;
        s.join_fds = &procs;
        s.n_join_fds = 1;
        assert_int_equal(run_capture(&s, out, sizeof(out)), 0);
        snprintf(line, sizeof(line), "0::%s\n", cg->unified_rel);
        assert_has_line(out, line);
        snprintf(line, sizeof(line), ":pids:%s\n", cg->pids_rel);
        assert_has_line(out, line);

        /* In a cgroup namespace both are the task's root: it was entered after the v1 join. */
        s.namespaces = NS_CGROUP | NS_USER;
        assert_int_equal(run_capture(&s, out, sizeof(out)), 0);
        assert_has_line(out, "0::/\n");
        assert_has_line(out, ":pids:/\n");
        assert_no_children();
}

/* ---- the child holds none of the agent's fds while it waits for the go ---- */

static int planted[4];       /* fds of this "agent" the child must not keep */
static bool planted_dropped; /* all of them gone from the child before the go */

static bool child_holds_any(pid_t pid)
{
        char path[64];

        for (size_t i = 0; i < ARRAY_SIZE(planted); i++) {
                snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, planted[i]);
                if (access(path, F_OK) == 0)
                        return true;
        }
        return false;
}

/* The real clone3; in the parent, watch the child's fd table until the planted fds are gone (the child
 * waits for the go, which the parent sends only after this returns). */
static long watching_clone3(struct clone_args *args, size_t size)
{
        long r = syscall(SYS_clone3, args, size);

        if (r < 0)
                return -errno;
        if (r > 0)
                for (int i = 0; i < 200 && !(planted_dropped = !child_holds_any((pid_t)r)); i++)
                        usleep(10000);
        return r;
}

/* A killed agent's listeners must not live on in a task that has not exec'd yet (its successor could not bind
 * them): the child closes every fd but the sync socket and the stdio sources first thing, CLOEXEC or not. */
static void test_child_drops_agent_fds(void **state)
{
        char *argv[] = { (char *)"/bin/true", NULL };
        long (*saved)(struct clone_args *, size_t) = launch_clone3_fn;
        struct launch_spec s;
        char out[64];
        int r;

        REQUIRE_ROOT();
        assert_int_equal(pipe(planted), 0); /* inheritable, as a careless library's would be */
        assert_int_equal(pipe2(planted + 2, O_CLOEXEC), 0); /* closed at exec, but held until then */
        planted_dropped = false;
        launch_spec_init(&s);
        s.argv = argv;
        launch_clone3_fn = watching_clone3;
        r = run_capture(&s, out, sizeof(out));
        launch_clone3_fn = saved;
        for (size_t i = 0; i < ARRAY_SIZE(planted); i++)
                close(planted[i]);
        assert_int_equal(r, 0);
        assert_true(planted_dropped);
        assert_no_children();
}

int main(int argc, char **argv)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_bad_spec),
                cmocka_unit_test(test_exit_status),
                cmocka_unit_test(test_missing_command),
                cmocka_unit_test(test_bad_cwd),
                cmocka_unit_test(test_parent_steps),
                cmocka_unit_test(test_namespaces),
                cmocka_unit_test(test_hostname),
                cmocka_unit_test(test_loopback),
                cmocka_unit_test(test_proc_pid1),
                cmocka_unit_test(test_user_ns),
                cmocka_unit_test(test_credentials_env_fds),
                cmocka_unit_test(test_init_reaps_and_forwards),
                cmocka_unit_test(test_child_drops_agent_fds),
                cmocka_unit_test_setup_teardown(test_cgroups, cg_setup, cg_teardown),
        };

        if (argc == 3 && streq(argv[1], "--helper"))
                return helper_main(argv[2]);
        if (launch_test_init() < 0)
                return 1;
        alarm(300); /* a hung launch fails the run instead of stalling it */
        return cmocka_run_group_tests(tests, NULL, NULL);
}
