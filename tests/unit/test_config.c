/* The agent config parser and the INI layer under it, fed from buffers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "config.h"
#include "ini_load.h"
#include "log.h"

static void test_defaults(void **state)
{
        struct config c;

        config_init(&c);
        assert_string_equal(c.policy_dir, "/etc/cgmeter/policies.d");
        assert_string_equal(c.state_dir, "/var/lib/cgmeter");
        assert_string_equal(c.cgroup_root, "cgmeter");
        assert_string_equal(c.listen, "127.0.0.1:9750");
        assert_string_equal(c.control_socket, "/run/cgmeter/control.sock");
        assert_string_equal(c.control_listen, "");
        assert_true(c.mount_controllers);
        assert_false(c.kill_tasks_on_stop);
        assert_int_equal(c.retention_us, 300000000);
        assert_int_equal(c.max_body, 1 << 20);
        assert_int_equal(c.log_level, LOG_LEVEL_INFO);
}

static void test_full(void **state)
{
        struct diag_list d = { 0 };
        struct config c;

        config_init(&c);
        assert_int_equal(
            config_parse_string("c.ini",
                                "# comment\n[agent]\n  policy_dir = /p ; inline\nstate_dir=/s\n"
                                "cgroup_root = cg-1\nlog_level = debug\nmount_controllers = no\n"
                                "kill_tasks_on_stop = yes\nretention = 10m\nsample_interval = 500ms\n"
                                "checkpoint_interval = 1m\nmax_tasks = 50\n[http]\n"
                                "listen = [::1]:9000\ncontrol_socket = /run/x.sock\n"
                                "control_listen = 127.0.0.1:9751\ntoken_file = /etc/t\n"
                                "tls_cert = /c\ntls_key = /k\nmax_body = 64K\nmax_connections = 10\n"
                                "rate_limit = 5\n",
                                &c, &d),
            0);
        assert_int_equal(diag_count(&d), 0);
        assert_string_equal(c.policy_dir, "/p");
        assert_string_equal(c.state_dir, "/s");
        assert_string_equal(c.cgroup_root, "cg-1");
        assert_int_equal(c.log_level, LOG_LEVEL_DEBUG);
        assert_false(c.mount_controllers);
        assert_true(c.kill_tasks_on_stop);
        assert_int_equal(c.retention_us, 600000000);
        assert_int_equal(c.sample_interval_us, 500000);
        assert_int_equal(c.checkpoint_interval_us, 60000000);
        assert_int_equal(c.max_tasks, 50);
        assert_string_equal(c.listen, "[::1]:9000");
        assert_string_equal(c.control_listen, "127.0.0.1:9751");
        assert_int_equal(c.max_body, 65536);
        assert_int_equal(c.rate_limit, 5);
}

static const struct {
        const char *text;
        const char *msg;
} bad[] = {
        { "[agent]\nlog_level = loud\n",
          "c.ini:2: agent.log_level: invalid level 'loud' (use error, warning, info or debug)" },
        { "[agnet]\npolicy_dir = /x\n", "c.ini:1: unknown section [agnet] (expected [agent] or [http])" },
        { "[agent]\npolicydir = /x\n", "c.ini:2: unknown key 'policydir' in [agent]" },
        { "[agent]\npolicy_dir = relative\n",
          "c.ini:2: agent.policy_dir: 'relative' is not an absolute path" },
        { "[agent]\ncgroup_root = ../x\n",
          "c.ini:2: agent.cgroup_root: invalid name '../x' (use 1-63 of A-Z a-z 0-9 _ . -)" },
        { "[agent]\nmount_controllers = maybe\n",
          "c.ini:2: agent.mount_controllers: invalid boolean 'maybe' (use yes or no)" },
        { "[agent]\nretention = 5\n",
          "c.ini:2: agent.retention: invalid duration '5' (expected a number with a unit: us, ms, s, m)" },
        { "[agent]\nsample_interval = 1us\n", "c.ini:2: agent.sample_interval: '1us' is out of range" },
        { "[agent]\nmax_tasks = 0\n", "c.ini:2: agent.max_tasks: '0' is out of range" },
        { "[agent]\nmax_tasks = -3\n", "c.ini:2: agent.max_tasks: invalid number '-3'" },
        { "[http]\nlisten = 127.0.0.1\n", "c.ini:2: http.listen: invalid address '127.0.0.1' (expected "
                                          "IP:PORT, [IPv6]:PORT or empty for off)" },
        { "[http]\nlisten = ::1:80\n",
          "c.ini:2: http.listen: invalid address '::1:80' (expected IP:PORT, [IPv6]:PORT or empty for off)" },
        { "[http]\nlisten = 127.0.0.1:70000\n", "c.ini:2: http.listen: invalid address '127.0.0.1:70000' "
                                                "(expected IP:PORT, [IPv6]:PORT or empty for off)" },
        { "[http]\nlisten = localhost:80\n", "c.ini:2: http.listen: invalid address 'localhost:80' (expected "
                                             "IP:PORT, [IPv6]:PORT or empty for off)" },
        { "[http]\nmax_body = 12X\n", "c.ini:2: http.max_body: invalid size '12X' (expected a number with an "
                                      "optional K, M, G or T suffix)" },
        { "[http]\nmax_body = 1\n", "c.ini:2: http.max_body: '1' is out of range" },
        { "[agent]\nstate_dir = /a\nstate_dir = /b\n",
          "c.ini:3: agent.state_dir: duplicate key (first set at line 2)" },
        { "[http]\ncontrol_listen = 127.0.0.1:1\n",
          "c.ini: http.control_listen: the TCP control listener needs http.token_file" },
        { "[http]\ntls_cert = /c\n", "c.ini: http.tls_cert and http.tls_key must be set together" },
        { "[http]\ncontrol_socket =\n",
          "c.ini: http.control_socket: empty, and no control_listen: nothing could control the agent" },
        { "[agent]\njust words\n", "c.ini:2: expected 'key = value'" },
        { "[agent]\n= value\n", "c.ini:2: missing key before '='" },
        { "[agent\n", "c.ini:1: malformed section header (expected '[name]')" },
        { "[agent]\npolicy_dir: /x\n", "c.ini:2: expected 'key = value'" },
};

static void test_invalid(void **state)
{
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct diag_list d = { 0 };
                struct config c, before;

                config_init(&c);
                before = c;
                assert_int_equal(config_parse_string("c.ini", bad[i].text, &c, &d), -EINVAL);
                assert_true(diag_count(&d) >= 1);
                if (strcmp(d.msgs[0], bad[i].msg) != 0)
                        fail_msg("case %zu: got \"%s\", want \"%s\"", i, d.msgs[0], bad[i].msg);
                (void)before;
                diag_clear(&d);
        }
}

static void test_all_errors_reported(void **state)
{
        struct diag_list d = { 0 };
        struct config c;

        config_init(&c);
        assert_int_equal(
            config_parse_string("c.ini", "[agent]\nlog_level = x\nmax_tasks = y\n[nope]\nk = v\n", &c, &d),
            -EINVAL);
        assert_int_equal(diag_count(&d), 3);
        assert_string_equal(d.msgs[1], "c.ini:3: agent.max_tasks: invalid number 'y'");
        assert_string_equal(d.msgs[2], "c.ini:4: unknown section [nope] (expected [agent] or [http])");
        diag_clear(&d);
}

static void test_long_line(void **state)
{
        struct diag_list d = { 0 };
        struct config c;
        char text[1200];

        memset(text, 'a', sizeof(text));
        memcpy(text, "[agent]\npolicy_dir = /", 22);
        strcpy(text + 1000, "\nstate_dir = relative\n");
        config_init(&c);
        assert_int_equal(config_parse_string("c.ini", text, &c, &d), -EINVAL);
        assert_int_equal(diag_count(&d), 2);
        assert_non_null(strstr(d.msgs[0], "c.ini:2: line too long (more than"));
        /* the line count stays right after an overlong line */
        assert_string_equal(d.msgs[1], "c.ini:3: agent.state_dir: 'relative' is not an absolute path");
        diag_clear(&d);
}

static void test_split_listen(void **state)
{
        char host[64];
        uint16_t port;

        assert_int_equal(config_split_listen("127.0.0.1:9750", host, sizeof(host), &port), 0);
        assert_string_equal(host, "127.0.0.1");
        assert_int_equal(port, 9750);
        assert_int_equal(config_split_listen("[::1]:1", host, sizeof(host), &port), 0);
        assert_string_equal(host, "::1");
        assert_int_equal(config_split_listen(":80", host, sizeof(host), &port), 0);
        assert_string_equal(host, "0.0.0.0");
        assert_int_equal(config_split_listen("[::1]80", host, sizeof(host), &port), -EINVAL);
        assert_int_equal(config_split_listen("1.2.3.4:0", host, sizeof(host), &port), -EINVAL);
        assert_int_equal(config_split_listen("1.2.3.4:", host, sizeof(host), &port), -EINVAL);
}

static void test_load_missing(void **state)
{
        struct diag_list d = { 0 };
        struct config c;

        assert_int_equal(config_load("/nonexistent/cgmeter.ini", &c, &d), -ENOENT);
        assert_string_equal(d.msgs[0], "/nonexistent/cgmeter.ini: cannot read: No such file or directory");
        diag_clear(&d);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),     cmocka_unit_test(test_full),
                cmocka_unit_test(test_invalid),      cmocka_unit_test(test_all_errors_reported),
                cmocka_unit_test(test_long_line),    cmocka_unit_test(test_split_listen),
                cmocka_unit_test(test_load_missing),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
