/* For the launcher tests (launch-test.h). */
#include "autoconfig.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "launch-test.h"
#include "util.h"

char launch_test_exe[PATH_MAX];

int launch_test_init(void)
{
        ssize_t n = readlink("/proc/self/exe", launch_test_exe, sizeof(launch_test_exe) - 1);

        if (n < 0)
                return -errno;
        launch_test_exe[n] = '\0';
        return 0;
}

int start(struct launch_spec *s, struct task *t, struct launch_error *e)
{
        int p[2], r;

        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        s->stdout_fd = p[1];
        r = launch_task(s, &t->pid, &t->pidfd, e);
        close(p[1]);
        s->stdout_fd = -1;
        t->out = p[0];
        if (r < 0) {
                close(p[0]);
                t->out = -1;
        }
        return r;
}

void read_out(struct task *t, char *buf, size_t size, bool line)
{
        size_t len = 0;

        while (len < size - 1) {
                struct pollfd pfd = { .fd = t->out, .events = POLLIN };
                ssize_t n;

                assert_int_equal(poll(&pfd, 1, 20000), 1);
                n = read(t->out, buf + len, line ? 1 : size - 1 - len);
                assert_true(n >= 0);
                if (n == 0)
                        break;
                len += (size_t)n;
                if (line && buf[len - 1] == '\n')
                        break;
        }
        assert_true(len < size - 1 || line);
        buf[len] = '\0';
}

int finish(struct task *t)
{
        siginfo_t si = { 0 };

        assert_int_equal(waitid(P_PIDFD, (id_t)t->pidfd, &si, WEXITED), 0);
        assert_int_equal(si.si_pid, t->pid);
        close(t->pidfd);
        if (t->out >= 0)
                close(t->out);
        return si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
}

int run_capture(struct launch_spec *s, char *out, size_t size)
{
        struct task t;
        struct launch_error e = { 0 };

        if (start(s, &t, &e) < 0)
                fail_msg("launch failed at %s: %s", e.step, strerror(e.err));
        read_out(&t, out, size, false);
        return finish(&t);
}

void assert_no_children(void)
{
        siginfo_t si = { 0 };

        assert_int_equal(waitid(P_ALL, 0, &si, WEXITED | WNOHANG), -1);
        assert_int_equal(errno, ECHILD);
}

void spec_helper(struct launch_spec *s, char **argv, const char *what)
{
        launch_spec_init(s);
        argv[0] = launch_test_exe;
        argv[1] = (char *)"--helper";
        argv[2] = (char *)what;
        argv[3] = NULL;
        s->argv = argv;
}

void expect_failure(struct launch_spec *s, int err, const char *step)
{
        struct task t = { .pid = -1, .pidfd = -1 };
        struct launch_error e = { 0 };

        assert_int_equal(start(s, &t, &e), -err);
        assert_string_equal(e.step, step);
        assert_int_equal(e.err, err);
        assert_int_equal(t.pid, -1);
        assert_int_equal(t.pidfd, -1);
        assert_no_children();
}

ino_t ns_inode(const char *pid, const char *ns)
{
        char path[128];
        struct stat st;

        snprintf(path, sizeof(path), "/proc/%s/ns/%s", pid, ns);
        assert_int_equal(stat(path, &st), 0);
        return st.st_ino;
}

void check_namespaces(unsigned mask)
{
        static const struct {
                unsigned ns;
                const char *name;
        } table[] = {
                { NS_MOUNT, "mnt" }, { NS_UTS, "uts" },   { NS_IPC, "ipc" },       { NS_PID, "pid" },
                { NS_NET, "net" },   { NS_USER, "user" }, { NS_CGROUP, "cgroup" }, { NS_TIME, "time" },
        };
        char *argv[4], pid[16], line[64];
        const char *wrong = NULL;
        bool wrong_is_new = false, tfc_differs;
        struct launch_spec s;
        struct task t;
        int code;

        spec_helper(&s, argv, "wait");
        s.namespaces = mask;
        assert_int_equal(start(&s, &t, NULL), 0);
        read_out(&t, line, sizeof(line), true);
        assert_string_equal(line, "ready\n");
        snprintf(pid, sizeof(pid), "%d", (int)t.pid);
        for (size_t i = 0; i < ARRAY_SIZE(table) && !wrong; i++) {
                bool differs = ns_inode("self", table[i].name) != ns_inode(pid, table[i].name);

                if (differs != !!(mask & table[i].ns))
                        wrong = table[i].name, wrong_is_new = differs;
        }
        /* the task is in the namespace its children get, not only they */
        tfc_differs = ns_inode(pid, "time") != ns_inode(pid, "time_for_children");
        /* kill and reap first, so that a failure leaves no task behind for the next test */
        assert_int_equal(kill(t.pid, SIGKILL), 0);
        code = finish(&t);
        if (wrong)
                fail_msg("mask %#x: namespace %s: %s", mask, wrong,
                         wrong_is_new ? "new, not requested" : "shared, but requested");
        assert_false(tfc_differs);
        assert_int_equal(code, 128 + SIGKILL);
}

void assert_has_line(const char *out, const char *line)
{
        if (!strstr(out, line))
                fail_msg("no line \"%s\" in:\n%s", line, out);
}
