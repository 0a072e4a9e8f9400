/* The policy engine: policies parsed from buffers against a fake host, every key read back, defaults, invalid
 * input with its exact "file:line: reason", and policy sets loaded from temporary directories. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>

#include "policy.h"

/* The fake host: two block devices, two character devices, a directory; CPUs 0-1 and node 0. */
static int fake_stat_device(void *userdata, const char *path, char *ret_type, uint32_t *ret_major,
                            uint32_t *ret_minor)
{
        static const struct {
                const char *path;
                char type;
                uint32_t major, minor;
        } devs[] = {
                { "/dev/vda", 'b', 254, 0 },
                { "/dev/sda", 'b', 8, 0 },
                { "/dev/null", 'c', 1, 3 },
                { "/dev/zero", 'c', 1, 5 },
        };

        if (streq(path, "/dev/dir"))
                return -ENODEV;
        for (size_t i = 0; i < ARRAY_SIZE(devs); i++)
                if (streq(path, devs[i].path)) {
                        *ret_type = devs[i].type;
                        *ret_major = devs[i].major;
                        *ret_minor = devs[i].minor;
                        return 0;
                }
        return -ENOENT;
}

/* 254:0 and 8:0..8:99 exist. */
static int fake_block_device_exists(void *userdata, uint32_t major, uint32_t minor)
{
        return (major == 254 && minor == 0) || (major == 8 && minor < 100) ? 0 : -ENOENT;
}

static struct policy_host fake_host = {
        .stat_device = fake_stat_device,
        .block_device_exists = fake_block_device_exists,
        .cpus_known = true,
        .mems_known = true,
        .cpus = { { 0x3 } },
        .mems = { { 0x1 } },
};

static struct policy *parse_ok_as(const char *file, const char *text)
{
        static struct policy p;
        struct diag_list diag = { 0 };
        int r = policy_parse_string(file, text, &fake_host, &p, &diag);

        if (r != 0 || diag.n != 0) {
                diag_print(&diag, stderr);
                fail_msg("policy_parse_string: %d, %zu messages", r, diag.n);
        }
        diag_clear(&diag);
        return &p;
}

static struct policy *parse_ok(const char *text)
{
        return parse_ok_as("web.ini", text);
}

/* Expect exactly the messages given (NULL-terminated), in this order, and *ret left untouched. */
static void parse_fails_as(const char *file, const char *text, ...)
{
        struct policy p;
        struct diag_list diag = { 0 };
        const char *want;
        size_t n = 0;
        va_list ap;

        memset(&p, 0x5a, sizeof(p));
        assert_int_equal(policy_parse_string(file, text, &fake_host, &p, &diag), -EINVAL);
        va_start(ap, text);
        while ((want = va_arg(ap, const char *))) {
                if (n >= diag.n)
                        fail_msg("missing message %zu: %s", n, want);
                assert_string_equal(diag.msgs[n], want);
                n++;
        }
        va_end(ap);
        if (n != diag.n)
                fail_msg("%zu more messages than expected, first: %s", diag.n - n, diag.msgs[n]);
        assert_int_equal(p.name[0], 0x5a);
        assert_int_equal(p.mem_limit, 0x5a5a5a5a5a5a5a5aull);
        diag_clear(&diag);
}

#define parse_fails(text, ...) parse_fails_as("web.ini", text, __VA_ARGS__, NULL)

static void test_defaults(void **state)
{
        struct policy *p = parse_ok("; nothing but a comment\n# and another\n\n");

        assert_string_equal(p->name, "web");
        assert_string_equal(p->file, "web.ini");
        assert_string_equal(p->description, "");
        assert_string_equal(p->tenant, "default");
        assert_false(p->tenant_override);
        assert_int_equal(p->scope, POLICY_SCOPE_TASK);
        assert_int_equal(p->namespaces, NS_MOUNT | NS_UTS | NS_IPC | NS_PID | NS_NET | NS_CGROUP);
        assert_string_equal(p->hostname, "");
        assert_true(p->init);
        assert_int_equal(p->n_uid_map, 0);
        assert_int_equal(p->n_gid_map, 0);
        assert_int_equal(p->uid, POLICY_UNSET);
        assert_int_equal(p->gid, POLICY_UNSET);
        assert_int_equal(p->output, POLICY_OUTPUT_LOG);
        assert_string_equal(p->hook, "");
        assert_int_equal(p->hook_timeout_us, 5000000);
        assert_int_equal(p->mem_limit, POLICY_UNSET);
        assert_int_equal(p->mem_swap_limit, POLICY_UNSET);
        assert_int_equal(p->mem_soft_limit, POLICY_UNSET);
        assert_int_equal(p->oom_kill_disable, -1);
        assert_int_equal(p->swappiness, POLICY_UNSET);
        assert_int_equal(p->cpu_quota_us, POLICY_UNSET);
        assert_int_equal(p->cpu_period_us, POLICY_UNSET);
        assert_int_equal(p->cpu_shares, POLICY_UNSET);
        assert_int_equal(p->cpu_weight, POLICY_UNSET);
        assert_int_equal(p->cpu_burst_us, POLICY_UNSET);
        assert_false(p->has_cpus);
        assert_false(p->has_mems);
        assert_int_equal(p->blkio_weight, POLICY_UNSET);
        assert_int_equal(p->n_throttles, 0);
        assert_int_equal(p->devices_default, -1);
        assert_int_equal(p->n_devrules, 0);
        assert_false(p->start_frozen);
        assert_false(p->has_classid);
        assert_int_equal(p->n_priomap, 0);
        assert_int_equal(p->n_perf_events, 0);
        assert_int_equal(p->pids_max, POLICY_UNSET);
        assert_int_equal(p->n_triggers, 0);
        assert_int_equal(p->oom_action, POLICY_ACTION_RECORD);
        assert_int_equal(p->restart_max, 3);
        assert_int_equal(p->restart_backoff_us, 1000000);

        /* without a pid namespace there is no init by default; an empty list means no namespace at all */
        p = parse_ok_as("/etc/cgmeter/policies.d/batch.ini", "[policy]\nnamespaces =\n");
        assert_string_equal(p->name, "batch");
        assert_string_equal(p->file, "/etc/cgmeter/policies.d/batch.ini");
        assert_int_equal(p->namespaces, 0);
        assert_false(p->init);
        /* a quota alone gets the default period */
        p = parse_ok("[cpu]\nquota = 2\n");
        assert_int_equal(p->cpu_quota_us, 200000);
        assert_int_equal(p->cpu_period_us, 100000);
        /* a file name without .ini is the name as it is */
        p = parse_ok_as("dir/web2", "");
        assert_string_equal(p->name, "web2");
}

static const char full_policy[] = "; every section and key\n"
                                  "[policy]\n"
                                  "name = web-frontend\n"
                                  "description = Web tier, public traffic\n"
                                  "tenant = acme\n"
                                  "tenant_override = yes\n"
                                  "scope = policy\n"
                                  "namespaces = mount uts ipc pid net user cgroup time\n"
                                  "hostname = web-1.example\n"
                                  "init = no\n"
                                  "uid_map = 0 100000 65536\n"
                                  "uid_map = 65536 300000 10\n"
                                  "gid_map = 0 100000 65536\n"
                                  "user = 1000:1001\n"
                                  "output = null\n"
                                  "hook = /bin/sh\n"
                                  "hook_timeout = 10s\n"
                                  "\n"
                                  "[memory]\n"
                                  "limit = 512M\n"
                                  "swap_limit = 1G\n"
                                  "soft_limit = 256M\n"
                                  "oom_kill_disable = no\n"
                                  "swappiness = 10\n"
                                  "[cpu]\n"
                                  "quota = 1.5\n"
                                  "period_us = 50000 ; a period after the quota still counts\n"
                                  "weight = 200\n"
                                  "burst = 20ms\n"
                                  "[cpuset]\n"
                                  "cpus = 0-1\n"
                                  "mems = 0\n"
                                  "[blkio]\n"
                                  "weight = 500\n"
                                  "read_bps = /dev/vda 10M\n"
                                  "write_bps = 254:0 max\n"
                                  "read_iops = 8:0 1000\n"
                                  "write_iops = /dev/sda 500\n"
                                  "[devices]\n"
                                  "default = deny\n"
                                  "allow = c 1:3 rwm\n"
                                  "allow = c *:* m\n"
                                  "allow = /dev/zero rw\n"
                                  "deny = a\n"
                                  "allow = b 8:* wr\n"
                                  "deny = /dev/vda\n"
                                  "[freezer]\n"
                                  "state = frozen\n"
                                  "[net_cls]\n"
                                  "classid = 0x100001\n"
                                  "[net_prio]\n"
                                  "ifpriomap = lo 5\n"
                                  "ifpriomap = eth0 2\n"
                                  "[perf_event]\n"
                                  "events = task-clock context-switches instructions\n"
                                  "[pids]\n"
                                  "max = 256\n"
                                  "[pressure]\n"
                                  "memory = some 150ms 2s -> freeze\n"
                                  "cpu = full 500ms 1s\n"
                                  "  io = some 100ms 500ms->hook\n"
                                  "[oom]\n"
                                  "action = restart\n"
                                  "restart_max = 5\n"
                                  "restart_backoff = 500ms\n";

static void check_devrule(const struct policy_devrule *d, bool allow, char type, int64_t major, int64_t minor,
                          const char *access)
{
        assert_int_equal(d->allow, allow);
        assert_int_equal(d->type, type);
        assert_int_equal(d->major, major);
        assert_int_equal(d->minor, minor);
        assert_string_equal(d->access, access);
}

static void check_full_policy_section(const struct policy *p)
{
        assert_string_equal(p->name, "web-frontend");
        assert_string_equal(p->file, "web.ini");
        assert_string_equal(p->description, "Web tier, public traffic");
        assert_string_equal(p->tenant, "acme");
        assert_true(p->tenant_override);
        assert_int_equal(p->scope, POLICY_SCOPE_POLICY);
        assert_int_equal(p->namespaces, 0xff);
        assert_string_equal(p->hostname, "web-1.example");
        assert_false(p->init);
        assert_int_equal(p->n_uid_map, 2);
        assert_int_equal(p->uid_map[0].inside, 0);
        assert_int_equal(p->uid_map[0].outside, 100000);
        assert_int_equal(p->uid_map[0].count, 65536);
        assert_int_equal(p->uid_map[1].inside, 65536);
        assert_int_equal(p->uid_map[1].outside, 300000);
        assert_int_equal(p->uid_map[1].count, 10);
        assert_int_equal(p->n_gid_map, 1);
        assert_int_equal(p->gid_map[0].outside, 100000);
        assert_int_equal(p->uid, 1000);
        assert_int_equal(p->gid, 1001);
        assert_int_equal(p->output, POLICY_OUTPUT_NULL);
        assert_string_equal(p->hook, "/bin/sh");
        assert_int_equal(p->hook_timeout_us, 10000000);
}

static void test_full_policy(void **state)
{
        struct policy *p = parse_ok(full_policy);

        check_full_policy_section(p);
        assert_int_equal(p->mem_limit, 512ull << 20);
        assert_int_equal(p->mem_swap_limit, 1ull << 30);
        assert_int_equal(p->mem_soft_limit, 256ull << 20);
        assert_int_equal(p->oom_kill_disable, 0);
        assert_int_equal(p->swappiness, 10);
        assert_int_equal(p->cpu_quota_us, 75000); /* 1.5 CPUs of 50ms */
        assert_int_equal(p->cpu_period_us, 50000);
        assert_int_equal(p->cpu_shares, POLICY_UNSET);
        assert_int_equal(p->cpu_weight, 200);
        assert_int_equal(p->cpu_burst_us, 20000);
        assert_true(p->has_cpus);
        assert_int_equal(p->cpus.bits[0], 0x3);
        assert_true(p->has_mems);
        assert_int_equal(p->mems.bits[0], 0x1);
        assert_int_equal(p->blkio_weight, 500);
        assert_int_equal(p->n_throttles, 4);
        assert_int_equal(p->throttles[0].kind, THROTTLE_READ_BPS);
        assert_int_equal(p->throttles[0].major, 254);
        assert_int_equal(p->throttles[0].minor, 0);
        assert_int_equal(p->throttles[0].value, 10ull << 20);
        assert_int_equal(p->throttles[1].kind, THROTTLE_WRITE_BPS);
        assert_int_equal(p->throttles[1].value, POLICY_MAX);
        assert_int_equal(p->throttles[2].kind, THROTTLE_READ_IOPS);
        assert_int_equal(p->throttles[2].major, 8);
        assert_int_equal(p->throttles[2].value, 1000);
        assert_int_equal(p->throttles[3].kind, THROTTLE_WRITE_IOPS);
        assert_int_equal(p->throttles[3].major, 8);
        assert_int_equal(p->throttles[3].value, 500);
        assert_int_equal(p->devices_default, 0);
        assert_int_equal(p->n_devrules, 6);
        check_devrule(&p->devrules[0], true, 'c', 1, 3, "rwm");
        check_devrule(&p->devrules[1], true, 'c', -1, -1, "m");
        check_devrule(&p->devrules[2], true, 'c', 1, 5, "rw");
        check_devrule(&p->devrules[3], false, 'a', -1, -1, "rwm");
        check_devrule(&p->devrules[4], true, 'b', 8, -1, "rw");
        check_devrule(&p->devrules[5], false, 'b', 254, 0, "rwm");
        assert_true(p->start_frozen);
        assert_true(p->has_classid);
        assert_int_equal(p->classid, 0x100001);
        assert_int_equal(p->n_priomap, 2);
        assert_string_equal(p->priomap[0].ifname, "lo");
        assert_int_equal(p->priomap[0].prio, 5);
        assert_string_equal(p->priomap[1].ifname, "eth0");
        assert_int_equal(p->priomap[1].prio, 2);
        assert_int_equal(p->n_perf_events, 3);
        assert_string_equal(p->perf_events[0], "task-clock");
        assert_string_equal(p->perf_events[1], "context-switches");
        assert_string_equal(p->perf_events[2], "instructions");
        assert_int_equal(p->pids_max, 256);
        assert_int_equal(p->n_triggers, 3);
        assert_int_equal(p->triggers[0].resource, PSI_MEMORY);
        assert_false(p->triggers[0].full);
        assert_int_equal(p->triggers[0].stall_us, 150000);
        assert_int_equal(p->triggers[0].window_us, 2000000);
        assert_int_equal(p->triggers[0].action, POLICY_ACTION_FREEZE);
        assert_int_equal(p->triggers[0].line, 59);
        assert_int_equal(p->triggers[1].resource, PSI_CPU);
        assert_true(p->triggers[1].full);
        assert_int_equal(p->triggers[1].action, POLICY_ACTION_RECORD);
        assert_int_equal(p->triggers[1].line, 60);
        assert_int_equal(p->triggers[2].resource, PSI_IO);
        assert_int_equal(p->triggers[2].window_us, 500000);
        assert_int_equal(p->triggers[2].action, POLICY_ACTION_HOOK);
        assert_int_equal(p->oom_action, POLICY_ACTION_RESTART);
        assert_int_equal(p->restart_max, 5);
        assert_int_equal(p->restart_backoff_us, 500000);
}

static void test_other_forms(void **state)
{
        struct policy *p = parse_ok("[memory]\nlimit = max\nswap_limit = max\nsoft_limit = 1.5G\n"
                                    "oom_kill_disable = true\n"
                                    "[cpu]\nquota_us = 250000\nshares = 2\nburst = 250ms\n"
                                    "[blkio]\nread_iops = 254:0 max\n"
                                    "[pids]\nmax = max\n"
                                    "[policy]\nuser = 0\noutput = inherit\nscope = task\n"
                                    "[net_cls]\nclassid = 1048577\n"
                                    "[perf_event]\nevents =\n"
                                    "[oom]\naction = hook\n[policy]\nhook = /bin/sh\n");

        assert_int_equal(p->mem_limit, POLICY_MAX);
        assert_int_equal(p->mem_swap_limit, POLICY_MAX);
        assert_int_equal(p->mem_soft_limit, 3ull << 29);
        assert_int_equal(p->oom_kill_disable, 1);
        assert_int_equal(p->cpu_quota_us, 250000);
        assert_int_equal(p->cpu_period_us, 100000);
        assert_int_equal(p->cpu_shares, 2);
        assert_int_equal(p->cpu_weight, POLICY_UNSET);
        assert_int_equal(p->cpu_burst_us, 250000);
        assert_int_equal(p->throttles[0].value, POLICY_MAX);
        assert_int_equal(p->pids_max, POLICY_MAX);
        assert_int_equal(p->uid, 0);
        assert_int_equal(p->gid, POLICY_UNSET);
        assert_int_equal(p->output, POLICY_OUTPUT_INHERIT);
        assert_int_equal(p->classid, 0x100001);
        assert_int_equal(p->n_perf_events, 0);
        assert_int_equal(p->oom_action, POLICY_ACTION_HOOK);

        p = parse_ok("[cpu]\nquota = max\n[devices]\ndefault = allow\ndeny = /dev/null w\n"
                     "[policy]\nnamespaces = user pid\ninit = yes\nuid_map = 0 1000 1\n");
        assert_int_equal(p->cpu_quota_us, POLICY_MAX);
        assert_int_equal(p->cpu_period_us, 100000);
        assert_int_equal(p->devices_default, 1);
        check_devrule(&p->devrules[0], false, 'c', 1, 3, "w");
        assert_int_equal(p->namespaces, NS_USER | NS_PID);
        assert_true(p->init);

        /* the biggest quota the kernel takes */
        p = parse_ok("[cpu]\nquota = 1099511.627\nperiod_us = 1000000\n");
        assert_int_equal(p->cpu_quota_us, 1099511627000ull);
        assert_string_equal(policy_action_name(POLICY_ACTION_KILL), "kill");
        assert_string_equal(policy_action_name(POLICY_ACTION_HOOK), "hook");
        assert_string_equal(policy_ns_names[5], "user");
}

/* The messages the spec names, one each. */
static void test_errors_spec_examples(void **state)
{
        parse_fails(
            "[policy]\n[memroy]\nlimit = 1G\nfoo = bar\n[memory]\nlimit = 12X\n",
            "web.ini:2: unknown section [memroy]",
            "web.ini:6: memory.limit: invalid size '12X' (expected a number with an optional K, M, G or T "
            "suffix)");
        parse_fails("[memory]\nlimt = 1G\n", "web.ini:2: unknown key 'limt' in [memory]");
        parse_fails("[memory]\nlimit = 1G\nlimit = 2G\n",
                    "web.ini:3: memory.limit: duplicate key (first set at line 2)");
        parse_fails("[cpu]\nshares = 512\nweight = 100\n",
                    "web.ini:3: cpu.weight: conflicts with cpu.shares (line 2): set one of them");
        parse_fails("[cpu]\nweight = 100\nshares = 512\n",
                    "web.ini:3: cpu.shares: conflicts with cpu.weight (line 2): set one of them");
        parse_fails("[cpu]\nquota_us = 10000\nquota = 1\n",
                    "web.ini:3: cpu.quota: conflicts with cpu.quota_us (line 2): set one of them");
        parse_fails("[blkio]\nread_bps = /dev/nosuch 1M\n",
                    "web.ini:2: blkio.read_bps: device /dev/nosuch: no such device");
        parse_fails("[cpuset]\ncpus = 4-7\n",
                    "web.ini:2: cpuset.cpus: CPUs 4-7 are not available (allowed: 0-1)");
}

static void test_errors_policy(void **state)
{
        parse_fails("[policy]\nname = a/b\n", "web.ini:2: policy.name: invalid name 'a/b' (expected 1 to 63 "
                                              "characters from A-Z a-z 0-9 _ . -)");
        parse_fails("[policy]\ntenant = ..\n",
                    "web.ini:2: policy.tenant: invalid tenant '..' (expected 1 to 63 "
                    "characters from A-Z a-z 0-9 _ . -)");
        parse_fails("[policy]\ntenant_override = maybe\n",
                    "web.ini:2: policy.tenant_override: invalid boolean 'maybe' (expected yes or no)");
        parse_fails("[policy]\nscope = node\n",
                    "web.ini:2: policy.scope: invalid value 'node' (expected task or policy)");
        parse_fails("[policy]\nnamespaces = pid foo\n", "web.ini:2: policy.namespaces: unknown namespace "
                                                        "'foo' (expected mount, uts, ipc, pid, net, user, "
                                                        "cgroup or time)");
        parse_fails("[policy]\nnamespaces = pid net pid\n",
                    "web.ini:2: policy.namespaces: namespace 'pid' listed twice");
        parse_fails("[policy]\nnamespaces = pid\nhostname = web\n",
                    "web.ini:3: policy.hostname: needs the uts namespace (add uts to policy.namespaces)");
        parse_fails("[policy]\nhostname = -bad\n",
                    "web.ini:2: policy.hostname: invalid hostname '-bad' (expected "
                    "letters, digits, '-' and '.', at most 64)");
        parse_fails("[policy]\nhostname = a..b\n",
                    "web.ini:2: policy.hostname: invalid hostname 'a..b' (expected "
                    "letters, digits, '-' and '.', at most 64)");
        parse_fails(
            "[policy]\ninit = yes\nnamespaces = mount\n",
            "web.ini:2: policy.init: needs the pid namespace (add pid to policy.namespaces, or set init = "
            "no)");
        parse_fails("[policy]\nuid_map = 0 1000 1\ngid_map = 0 1000 1\n",
                    "web.ini:2: policy.uid_map: needs the user namespace (add user to policy.namespaces)",
                    "web.ini:3: policy.gid_map: needs the user namespace (add user to policy.namespaces)");
        parse_fails("[policy]\nnamespaces = user\nuid_map = 0 100000\n",
                    "web.ini:3: policy.uid_map: invalid mapping '0 100000' (expected INSIDE OUTSIDE COUNT)");
        parse_fails("[policy]\nnamespaces = user\nuid_map = 0 1 0\n",
                    "web.ini:3: policy.uid_map: invalid mapping '0 1 0' (COUNT '0' is not a number in "
                    "1..4294967295)");
        parse_fails("[policy]\nnamespaces = user\ngid_map = 4294967295 0 2\n",
                    "web.ini:3: policy.gid_map: mapping '4294967295 0 2' goes past ID 4294967295");
        parse_fails("[policy]\nnamespaces = user\nuid_map = 0 1000 10\nuid_map = 5 5000 10\n",
                    "web.ini:4: policy.uid_map: mapping '5 5000 10' overlaps the one at line 3");
        parse_fails("[policy]\nuser = www\n",
                    "web.ini:2: policy.user: invalid user 'www' (expected UID or UID:GID, numeric)");
        parse_fails("[policy]\nuser = 1:4294967295\n",
                    "web.ini:2: policy.user: invalid user '1:4294967295' (expected UID or UID:GID, numeric)");
        parse_fails("[policy]\noutput = file\n",
                    "web.ini:2: policy.output: invalid value 'file' (expected log, inherit or null)");
        parse_fails("[policy]\nhook = bin/sh\n", "web.ini:2: policy.hook: 'bin/sh' is not an absolute path");
        parse_fails("[policy]\nhook = /nonexistent/hook\n",
                    "web.ini:2: policy.hook: /nonexistent/hook: No such file or directory");
        parse_fails("[policy]\nhook = /etc/passwd\n",
                    "web.ini:2: policy.hook: /etc/passwd is not an executable file");
        parse_fails("[policy]\nhook_timeout = 50ms\n",
                    "web.ini:2: policy.hook_timeout: duration '50ms' is out of range (100ms..5m)");
        parse_fails("[policy]\nhook_timeout = 5\n",
                    "web.ini:2: policy.hook_timeout: invalid duration '5' (expected "
                    "a number with a unit: us, ms, s, m or h)");
        parse_fails_as(
            "conf/my policy.ini", "",
            "conf/my policy.ini: 'my policy' is not a valid policy name (rename the file or set [policy] "
            "name)",
            NULL);
}

static void test_errors_too_many_idmaps(void **state)
{
        char text[1024] = "[policy]\nnamespaces = user\n";

        for (int i = 0; i < 10; i++)
                snprintf(text + strlen(text), sizeof(text) - strlen(text), "uid_map = %d %d 1\n", i,
                         1000 + i);
        /* reported once, at the first one too many */
        parse_fails(text, "web.ini:11: policy.uid_map: too many mappings (at most 8)");
}

static void test_errors_memory_cpu(void **state)
{
        parse_fails("[memory]\nlimit =\n",
                    "web.ini:2: memory.limit: invalid size '' (expected a number with an "
                    "optional K, M, G or T suffix)");
        parse_fails("[memory]\nlimit = 99999999T\n",
                    "web.ini:2: memory.limit: size '99999999T' is too large");
        parse_fails("[memory]\nswappiness = 101\n",
                    "web.ini:2: memory.swappiness: 101 is out of range (0..100)");
        parse_fails("[memory]\nswap_limit = 1G\n", "web.ini:2: memory.swap_limit: needs memory.limit");
        parse_fails("[memory]\nlimit = 2G\nswap_limit = 1G\n",
                    "web.ini:3: memory.swap_limit: must be at least memory.limit (line 2): it counts memory "
                    "plus swap");
        parse_fails("[memory]\nswap_limit = 1G\nlimit = max\n",
                    "web.ini:2: memory.swap_limit: must be at least memory.limit (line 3): it counts memory "
                    "plus swap");
        parse_fails("[memory]\noom_kill_disable = 2\n",
                    "web.ini:2: memory.oom_kill_disable: invalid boolean '2' (expected yes or no)");
        parse_fails("[cpu]\nquota = 1.5x\n",
                    "web.ini:2: cpu.quota: invalid CPU count '1.5x' (expected a number of "
                    "CPUs like 0.5 or 2, or max)");
        parse_fails("[cpu]\nquota = 0\n",
                    "web.ini:2: cpu.quota: CPU count '0' is out of range (expected more than 0)");
        parse_fails("[cpu]\nquota = 0.001\n", "web.ini:2: cpu.quota: 0.001 CPUs of a 100000us period is out "
                                              "of range (1000us..1099511627776us)");
        parse_fails("[cpu]\nquota_us = 999\n",
                    "web.ini:2: cpu.quota_us: 999 is out of range (1000..1099511627776 or max)");
        parse_fails("[cpu]\nquota_us = lots\n",
                    "web.ini:2: cpu.quota_us: invalid number 'lots' (expected a number or max)");
        parse_fails("[cpu]\nperiod_us = 1000001\n",
                    "web.ini:2: cpu.period_us: 1000001 is out of range (1000..1000000)");
        parse_fails("[cpu]\nshares = 1\n", "web.ini:2: cpu.shares: 1 is out of range (2..262144)");
        parse_fails("[cpu]\nweight = 10001\n", "web.ini:2: cpu.weight: 10001 is out of range (1..10000)");
        parse_fails("[cpu]\nburst = 10ms\n",
                    "web.ini:2: cpu.burst: needs a quota (cpu.quota or cpu.quota_us)");
        parse_fails("[cpu]\nburst = 10ms\nquota = max\n",
                    "web.ini:2: cpu.burst: needs a quota (cpu.quota or cpu.quota_us)");
        parse_fails("[cpu]\nquota_us = 10000\nburst = 20ms\n",
                    "web.ini:3: cpu.burst: 20000us is more than the quota (10000us per period)");
        parse_fails("[cpu]\nburst = 1x\n",
                    "web.ini:2: cpu.burst: invalid duration '1x' (expected a number with a "
                    "unit: us, ms, s, m or h)");
}

static void test_errors_cpuset_blkio(void **state)
{
        parse_fails("[cpuset]\ncpus = 1-2\n",
                    "web.ini:2: cpuset.cpus: CPU 2 is not available (allowed: 0-1)");
        parse_fails("[cpuset]\nmems = 1,3\n",
                    "web.ini:2: cpuset.mems: memory nodes 1,3 are not available (allowed: 0)");
        parse_fails("[cpuset]\ncpus = 0-\n",
                    "web.ini:2: cpuset.cpus: invalid list '0-' (expected ids and ranges like 0-3,6)");
        parse_fails("[cpuset]\ncpus = 2000\n",
                    "web.ini:2: cpuset.cpus: list '2000' is out of range (ids 0..1023)");
        parse_fails("[blkio]\nread_bps = /dev/null 1M\n",
                    "web.ini:2: blkio.read_bps: device /dev/null: not a block device");
        parse_fails("[blkio]\nwrite_bps = /dev/dir 1M\n",
                    "web.ini:2: blkio.write_bps: device /dev/dir: not a block device");
        parse_fails("[blkio]\nread_iops = 8:100 10\n",
                    "web.ini:2: blkio.read_iops: device 8:100: no such device");
        parse_fails("[blkio]\nread_iops = sda 10\n",
                    "web.ini:2: blkio.read_iops: invalid device 'sda' (expected /dev/PATH or MAJ:MIN)");
        parse_fails("[blkio]\nread_bps = /dev/vda 1M\nread_bps = 254:0 2M\nwrite_bps = 254:0 2M\n",
                    "web.ini:3: blkio.read_bps: device 254:0 already set at line 2");
        parse_fails("[blkio]\nwrite_iops = /dev/vda\n",
                    "web.ini:2: blkio.write_iops: invalid value '/dev/vda' "
                    "(expected DEVICE IOPS, e.g. /dev/vda 1000)");
        parse_fails("[blkio]\nwrite_bps = /dev/vda 0\n",
                    "web.ini:2: blkio.write_bps: 0 is not a limit (use max for no limit)");
        parse_fails("[blkio]\nwrite_bps = /dev/vda 1Q\n",
                    "web.ini:2: blkio.write_bps: invalid size '1Q' (expected a "
                    "number with an optional K, M, G or T suffix)");
        parse_fails("[blkio]\nweight = 5\n", "web.ini:2: blkio.weight: 5 is out of range (10..1000)");
}

static void test_errors_too_many_throttles(void **state)
{
        char text[4096] = "[blkio]\n";

        for (int i = 0; i < 66; i++)
                snprintf(text + strlen(text), sizeof(text) - strlen(text), "read_bps = 8:%d 1M\n", i);
        parse_fails(text, "web.ini:66: blkio.read_bps: too many throttles in [blkio] (at most 64)");
}

static void test_errors_devices(void **state)
{
        parse_fails("[devices]\nallow = c 1:3 rwm\ndeny = a\n",
                    "web.ini:2: devices.allow: needs devices.default (allow or deny)");
        parse_fails("[devices]\ndeny = a\nallow = c 1:3 rwm\n",
                    "web.ini:2: devices.deny: needs devices.default (allow or deny)");
        parse_fails("[devices]\ndefault = maybe\n",
                    "web.ini:2: devices.default: invalid value 'maybe' (expected allow or deny)");
        parse_fails("[devices]\ndefault = deny\nallow = x 1:3 rwm\n",
                    "web.ini:3: devices.allow: invalid rule 'x 1:3 rwm' (expected TYPE MAJ:MIN ACCESS, a, or "
                    "/dev/PATH [ACCESS])");
        parse_fails(
            "[devices]\ndefault = deny\nallow = c 1:3\n",
            "web.ini:3: devices.allow: invalid rule 'c 1:3' (expected TYPE MAJ:MIN ACCESS, a, or /dev/PATH "
            "[ACCESS])");
        parse_fails("[devices]\ndefault = deny\nallow = c 1:3 rwx\n",
                    "web.ini:3: devices.allow: invalid access 'rwx' (expected a non-empty subset of rwm)");
        parse_fails("[devices]\ndefault = deny\nallow = /dev/null rr\n",
                    "web.ini:3: devices.allow: invalid access 'rr' (expected a non-empty subset of rwm)");
        parse_fails(
            "[devices]\ndefault = deny\ndeny = c 1-3 r\n",
            "web.ini:3: devices.deny: invalid device number '1-3' (expected MAJ:MIN, each a number or *)");
        parse_fails("[devices]\ndefault = deny\nallow = a 1:3 r\n",
                    "web.ini:3: devices.allow: type a matches every device (expected 'a *:* ACCESS')");
        parse_fails("[devices]\ndefault = deny\nallow = /dev/dir\n",
                    "web.ini:3: devices.allow: device /dev/dir: not a device node");
        parse_fails("[devices]\ndefault = deny\nallow = /dev/nosuch rw\n",
                    "web.ini:3: devices.allow: device /dev/nosuch: no such device");
}

static void test_errors_too_many_devrules(void **state)
{
        _cleanup_free_ char *text = malloc(8192);

        assert_non_null(text);
        strcpy(text, "[devices]\ndefault = deny\n");
        for (int i = 0; i < 130; i++)
                strcat(text, i % 2 ? "allow = c 1:3 r\n" : "deny = b 8:0 w\n");
        parse_fails(text, "web.ini:131: devices.deny: too many device rules (at most 128)");
}

static void test_errors_misc_sections(void **state)
{
        parse_fails("[freezer]\nstate = paused\n",
                    "web.ini:2: freezer.state: invalid value 'paused' (expected thawed or frozen)");
        parse_fails(
            "[net_cls]\nclassid = 0\n",
            "web.ini:2: net_cls.classid: class id 0 means no class (expected 0xMMMMmmmm, e.g. 0x100001)");
        parse_fails("[net_cls]\nclassid = 0xzz\n",
                    "web.ini:2: net_cls.classid: invalid class id '0xzz' (expected "
                    "0xMMMMmmmm or a decimal number)");
        parse_fails(
            "[net_cls]\nclassid = 0x100000000\n",
            "web.ini:2: net_cls.classid: class id '0x100000000' is out of range (at most 0xffffffff)");
        parse_fails("[net_prio]\nifpriomap = a/b 5\n",
                    "web.ini:2: net_prio.ifpriomap: invalid interface name 'a/b' "
                    "(1 to 15 characters, no '/', ':' or blanks)");
        parse_fails(
            "[net_prio]\nifpriomap = abcdefghijklmnop 5\n",
            "web.ini:2: net_prio.ifpriomap: invalid interface name 'abcdefghijklmnop' (1 to 15 characters, "
            "no '/', ':' or blanks)");
        parse_fails("[net_prio]\nifpriomap = lo high\n",
                    "web.ini:2: net_prio.ifpriomap: invalid priority 'high' (expected 0..4294967295)");
        parse_fails(
            "[net_prio]\nifpriomap = lo\n",
            "web.ini:2: net_prio.ifpriomap: invalid value 'lo' (expected IFNAME PRIORITY, e.g. eth0 5)");
        parse_fails("[net_prio]\nifpriomap = lo 1\nifpriomap = lo 2\n",
                    "web.ini:3: net_prio.ifpriomap: interface lo already set at line 2");
        parse_fails("[perf_event]\nevents = cycles bogus\n",
                    "web.ini:2: perf_event.events: unknown event 'bogus' (expected task-clock, cpu-clock, "
                    "context-switches, cpu-migrations, page-faults, minor-faults, major-faults, cycles, "
                    "instructions, cache-references, cache-misses, branches or branch-misses)");
        parse_fails("[perf_event]\nevents = cycles cycles\n",
                    "web.ini:2: perf_event.events: event 'cycles' listed twice");
        parse_fails("[perf_event]\nevents = a b c d e f g h i j k l m n o p q\n",
                    "web.ini:2: perf_event.events: too many events (at most 16)");
        parse_fails("[pids]\nmax = 0\n", "web.ini:2: pids.max: 0 is out of range (1..4194304 or max)");
        parse_fails("[pids]\nmax = 4194305\n",
                    "web.ini:2: pids.max: 4194305 is out of range (1..4194304 or max)");
        parse_fails("[pids]\nmax = -1\n",
                    "web.ini:2: pids.max: invalid number '-1' (expected a number or max)");
}

static void test_errors_pressure_oom(void **state)
{
        parse_fails(
            "[pressure]\nmemory = sometimes 150ms 2s\n",
            "web.ini:2: pressure.memory: invalid trigger 'sometimes 150ms 2s' (expected some|full STALL "
            "WINDOW [-> ACTION])");
        parse_fails("[pressure]\nmemory = some 150ms\n",
                    "web.ini:2: pressure.memory: invalid trigger 'some 150ms' "
                    "(expected some|full STALL WINDOW [-> ACTION])");
        parse_fails("[pressure]\ncpu = some 150ms 2s ->\n",
                    "web.ini:2: pressure.cpu: invalid trigger 'some 150ms 2s "
                    "->' (expected some|full STALL WINDOW [-> ACTION])");
        parse_fails("[pressure]\ncpu = some 150 2s\n",
                    "web.ini:2: pressure.cpu: invalid trigger 'some 150 2s' "
                    "(STALL and WINDOW are durations like 150ms or 2s)");
        parse_fails("[pressure]\nio = some 150ms 20s\n",
                    "web.ini:2: pressure.io: window 20s is out of range (500ms..10s)");
        parse_fails("[pressure]\nio = some 150ms 499ms\n",
                    "web.ini:2: pressure.io: window 499ms is out of range (500ms..10s)");
        parse_fails("[pressure]\nio = full 3s 2s\n",
                    "web.ini:2: pressure.io: stall 3s is out of range (more than 0, at most the window 2s)");
        parse_fails("[pressure]\nio = full 0ms 2s\n",
                    "web.ini:2: pressure.io: stall 0ms is out of range (more than 0, at most the window 2s)");
        parse_fails(
            "[pressure]\nmemory = some 1s 2s -> explode\n",
            "web.ini:2: pressure.memory: invalid value 'explode' (expected record, freeze, kill, restart or "
            "hook)");
        parse_fails("[pressure]\nmemory = some 1s 2s -> kill\nio = some 1s 2s -> hook\n",
                    "web.ini:3: pressure.io: needs policy.hook for the hook action");
        parse_fails("[oom]\naction = hook\n", "web.ini:2: oom.action: needs policy.hook for the hook action");
        parse_fails(
            "[oom]\naction = panic\n",
            "web.ini:2: oom.action: invalid value 'panic' (expected record, freeze, kill, restart or hook)");
        parse_fails("[oom]\nrestart_max = 101\n", "web.ini:2: oom.restart_max: 101 is out of range (0..100)");
        parse_fails("[oom]\nrestart_backoff = 5ms\n",
                    "web.ini:2: oom.restart_backoff: duration '5ms' is out of range (10ms..10m)");
        parse_fails("[oom]\nrestart_backoff = 11m\n",
                    "web.ini:2: oom.restart_backoff: duration '11m' is out of range (10ms..10m)");
}

static void test_errors_too_many_triggers(void **state)
{
        char text[2048] = "[pressure]\n";

        for (int i = 0; i < 17; i++)
                strcat(text, i % 2 ? "memory = some 100ms 1s\n" : "cpu = full 1s 2s -> kill\n");
        parse_fails(text, "web.ini:18: pressure.cpu: too many triggers in [pressure] (at most 16)");
}

static void test_errors_syntax(void **state)
{
        parse_fails("limit = 1G\n[memory]\n", "web.ini:1: key 'limit' is outside any section");
        parse_fails("[memory]\nlimit 1G\n", "web.ini:2: expected 'key = value'");
        /* inih stays outside any section after a broken header, so its keys are reported too */
        parse_fails("[memory\nlimit = 1G\n", "web.ini:1: malformed section header (expected '[name]')",
                    "web.ini:2: key 'limit' is outside any section");
}

/* Every error of a file, in line order, cross-key checks included; the rest of the file is still read. */
static void test_errors_all_in_order(void **state)
{
        parse_fails("[policy]\n"                  /* 1 */
                    "hostname = web\n"            /* 2: needs uts, known only at line 3 */
                    "namespaces = pid\n"          /* 3 */
                    "[memroy]\n"                  /* 4 */
                    "limit = 1G\n"                /* 5: ignored */
                    "[memory]\n"                  /* 6 */
                    "swap_limit = 1G\n"           /* 7: needs limit */
                    "swappiness = 200\n"          /* 8 */
                    "swappiness = 300\n"          /* 9 */
                    "[cpu]\n"                     /* 10 */
                    "shares = 100\n"              /* 11 */
                    "weight = 100\n"              /* 12 */
                    "[blkio]\n"                   /* 13 */
                    "read_bps = /dev/nosuch 1M\n" /* 14 */
                    "bogus = 1\n"                 /* 15 */
                    "[cpuset]\n"                  /* 16 */
                    "cpus = 4-7\n",               /* 17 */
                    "web.ini:2: policy.hostname: needs the uts namespace (add uts to policy.namespaces)",
                    "web.ini:4: unknown section [memroy]", "web.ini:7: memory.swap_limit: needs memory.limit",
                    "web.ini:8: memory.swappiness: 200 is out of range (0..100)",
                    "web.ini:9: memory.swappiness: duplicate key (first set at line 8)",
                    "web.ini:12: cpu.weight: conflicts with cpu.shares (line 11): set one of them",
                    "web.ini:14: blkio.read_bps: device /dev/nosuch: no such device",
                    "web.ini:15: unknown key 'bogus' in [blkio]",
                    "web.ini:17: cpuset.cpus: CPUs 4-7 are not available (allowed: 0-1)");
}

static void test_unknown_host_sets(void **state)
{
        struct policy_host h = fake_host;
        struct policy p;
        struct diag_list diag = { 0 };

        h.cpus_known = h.mems_known = false;
        assert_int_equal(policy_parse_string("x.ini", "[cpuset]\ncpus = 4-7\nmems = 3\n", &h, &p, &diag), 0);
        assert_int_equal(diag.n, 0);
        assert_int_equal(p.cpus.bits[0], 0xf0);
        assert_int_equal(p.mems.bits[0], 0x8);
        assert_int_equal(policy_parse_string("x.ini", NULL, &h, &p, &diag), -EINVAL);
}

/* Temporary policy directories. */
static char tmpdir[64];

static int make_tmpdir(void **state)
{
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_policy.XXXXXX");
        return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
        _cleanup_closedir_ DIR *d = opendir(tmpdir);
        struct dirent *de;

        if (!d)
                return -1;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        (void)unlinkat(dirfd(d), de->d_name, de->d_type == DT_DIR ? AT_REMOVEDIR : 0);
        return rmdir(tmpdir);
}

static void put_file(const char *name, const char *text)
{
        char path[128];
        _cleanup_close_ int fd = -1;

        snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
}

static void test_set_good(void **state)
{
        struct policy_set set = { 0 };
        struct diag_list diag = { 0 };
        char path[128];

        put_file("web.ini", "[memory]\nlimit = 1G\n");
        put_file("batch.ini", "[policy]\nname = batch-jobs\n[cpu]\nquota = 4\n");
        put_file(".hidden.ini", "this is not even INI");
        put_file("README", "not a policy");
        put_file("old.ini.bak", "[nosuch]\n");
        snprintf(path, sizeof(path), "%s/sub.ini", tmpdir);
        assert_int_equal(mkdir(path, 0755), 0);
        assert_int_equal(policy_set_load(tmpdir, &fake_host, &set, &diag), 0);
        assert_int_equal(diag.n, 0);
        assert_int_equal(set.n, 2);
        assert_string_equal(set.items[0].name, "batch-jobs"); /* sorted by file name */
        snprintf(path, sizeof(path), "%s/batch.ini", tmpdir);
        assert_string_equal(set.items[0].file, path);
        assert_int_equal(set.items[0].cpu_quota_us, 400000);
        assert_string_equal(set.items[1].name, "web");
        assert_int_equal(set.items[1].mem_limit, 1ull << 30);
        assert_ptr_equal(policy_set_find(&set, "web"), &set.items[1]);
        assert_ptr_equal(policy_set_find(&set, "batch-jobs"), &set.items[0]);
        assert_null(policy_set_find(&set, "batch"));
        assert_null(policy_set_find(&set, "default"));
        policy_set_free(&set);
        assert_null(set.items);
        assert_int_equal(set.n, 0);
        policy_set_free(&set);
        policy_set_free(NULL);
}

static void test_set_bad_file(void **state)
{
        struct policy_set set = { .items = (struct policy *)&set, .n = 77 };
        struct diag_list diag = { 0 };
        char want[256];

        put_file("a.ini", "[memory]\nlimit = 1G\n");
        put_file("b.ini", "[memory]\nlimit = 1Q\n\n[cpu]\nshares = 1\n");
        put_file("c.ini", "[pids]\nmax = 0\n");
        assert_int_equal(policy_set_load(tmpdir, &fake_host, &set, &diag), -EINVAL);
        assert_ptr_equal(set.items, &set); /* untouched */
        assert_int_equal(set.n, 77);
        assert_int_equal(diag.n, 3);
        snprintf(
            want, sizeof(want),
            "%s/b.ini:2: memory.limit: invalid size '1Q' (expected a number with an optional K, M, G or T "
            "suffix)",
            tmpdir);
        assert_string_equal(diag.msgs[0], want);
        snprintf(want, sizeof(want), "%s/b.ini:5: cpu.shares: 1 is out of range (2..262144)", tmpdir);
        assert_string_equal(diag.msgs[1], want);
        snprintf(want, sizeof(want), "%s/c.ini:2: pids.max: 0 is out of range (1..4194304 or max)", tmpdir);
        assert_string_equal(diag.msgs[2], want);
        diag_clear(&diag);
}

static void test_set_duplicate_names(void **state)
{
        struct policy_set set = { 0 };
        struct diag_list diag = { 0 };
        char want[256];

        put_file("a.ini", "[policy]\nname = web\n");
        put_file("b.ini", "[policy]\ndescription = also web\nname = web\n");
        put_file("web.ini", "");
        assert_int_equal(policy_set_load(tmpdir, &fake_host, &set, &diag), -EINVAL);
        assert_null(set.items);
        assert_int_equal(diag.n, 2);
        snprintf(want, sizeof(want), "%s/b.ini: policy name 'web' already defined in %s/a.ini", tmpdir,
                 tmpdir);
        assert_string_equal(diag.msgs[0], want);
        snprintf(want, sizeof(want), "%s/web.ini: policy name 'web' already defined in %s/a.ini", tmpdir,
                 tmpdir);
        assert_string_equal(diag.msgs[1], want);
        diag_clear(&diag);
}

static void test_set_empty_dir(void **state)
{
        struct policy_set set = { 0 };
        struct diag_list diag = { 0 };

        put_file("notes.txt", "no policies here");
        assert_int_equal(policy_set_load(tmpdir, &fake_host, &set, &diag), 0);
        assert_int_equal(diag.n, 0);
        assert_int_equal(set.n, 1);
        assert_string_equal(set.items[0].name, "default");
        assert_string_equal(set.items[0].file, "<builtin>");
        assert_string_equal(set.items[0].tenant, "default");
        assert_int_equal(set.items[0].mem_limit, POLICY_UNSET);
        assert_true(set.items[0].init);
        assert_ptr_equal(policy_set_find(&set, "default"), &set.items[0]);
        policy_set_free(&set);
}

static void test_set_missing_dir(void **state)
{
        struct policy_set set = { 0 };
        struct diag_list diag = { 0 };
        char dir[128], want[256];

        snprintf(dir, sizeof(dir), "%s/nope", tmpdir);
        assert_int_equal(policy_set_load(dir, &fake_host, &set, &diag), -ENOENT);
        assert_null(set.items);
        assert_int_equal(diag.n, 1);
        snprintf(want, sizeof(want), "%s: cannot open policy directory: No such file or directory", dir);
        assert_string_equal(diag.msgs[0], want);
        diag_clear(&diag);

        /* and a single file that is not there */
        snprintf(dir, sizeof(dir), "%s/nope.ini", tmpdir);
        {
                struct policy p;

                assert_int_equal(policy_parse_file(dir, &fake_host, &p, &diag), -ENOENT);
                snprintf(want, sizeof(want), "%s: cannot read: No such file or directory", dir);
                assert_int_equal(diag.n, 1);
                assert_string_equal(diag.msgs[0], want);
                diag_clear(&diag);
        }
}

static void test_set_limits(void **state)
{
        struct policy_set set = { 0 };
        struct diag_list diag = { 0 };
        char name[32], want[256], dir[80];
        _cleanup_free_ char *big = malloc(POLICY_FILE_MAX + 2);

        /* a file larger than POLICY_FILE_MAX; a trailing '/' on the directory changes no name */
        assert_non_null(big);
        memset(big, ';', POLICY_FILE_MAX + 1);
        big[POLICY_FILE_MAX + 1] = '\0';
        put_file("big.ini", big);
        put_file("ok.ini", "");
        snprintf(dir, sizeof(dir), "%s/", tmpdir);
        assert_int_equal(policy_set_load(dir, &fake_host, &set, &diag), -EINVAL);
        assert_null(set.items);
        assert_int_equal(diag.n, 1);
        snprintf(want, sizeof(want), "%s/big.ini: file too large (more than 262144 bytes)", tmpdir);
        assert_string_equal(diag.msgs[0], want);
        diag_clear(&diag);

        /* more files than POLICY_DIR_MAX */
        for (int i = 0; i < POLICY_DIR_MAX; i++) {
                snprintf(name, sizeof(name), "p%04d.ini", i);
                put_file(name, "");
        }
        assert_int_equal(policy_set_load(tmpdir, &fake_host, &set, &diag), -EINVAL);
        assert_null(set.items);
        assert_int_equal(diag.n, 1);
        snprintf(want, sizeof(want), "%s: too many policy files (at most 1024)", tmpdir);
        assert_string_equal(diag.msgs[0], want);
        diag_clear(&diag);
}

/* The shipped examples (conf/policies) load: /dev/vda as on the build machines, other nodes from the real
 * /dev. */
static int conf_stat_device(void *userdata, const char *path, char *ret_type, uint32_t *ret_major,
                            uint32_t *ret_minor)
{
        const struct policy_host *sys = policy_host_system();

        if (streq(path, "/dev/vda"))
                return fake_stat_device(userdata, path, ret_type, ret_major, ret_minor);
        return sys->stat_device(sys->userdata, path, ret_type, ret_major, ret_minor);
}

static void test_conf_examples(void **state)
{
        struct policy_host h = fake_host;
        struct policy_set set = { 0 };
        struct diag_list diag = { 0 };
        const char *top = getenv("top_srcdir");
        char dir[PATH_MAX];

        if (!top) {
                print_message("top_srcdir is not set (run through make check): skipped\n");
                skip();
        }
        h.stat_device = conf_stat_device;
        snprintf(dir, sizeof(dir), "%s/conf/policies", top);
        assert_int_equal(policy_set_load(dir, &h, &set, &diag), 0);
        assert_int_equal(diag.n, 0);
        assert_int_equal(set.n, 3);
        assert_string_equal(set.items[0].name, "batch");
        assert_string_equal(set.items[1].name, "everything");
        assert_string_equal(set.items[2].name, "web");
        assert_string_equal(set.items[1].hook, "/usr/bin/true");
        assert_int_equal(set.items[1].n_throttles, 4);
        policy_set_free(&set);
}

static void test_host_system(void **state)
{
        const struct policy_host *h = policy_host_system();
        char type = 0;
        uint32_t major = 0, minor = 0;
        struct stat st;

        assert_int_equal(h->stat_device(h->userdata, "/dev/null", &type, &major, &minor), 0);
        assert_int_equal(type, 'c');
        assert_int_equal(major, 1);
        assert_int_equal(minor, 3);
        assert_int_equal(h->stat_device(h->userdata, "/dev", &type, &major, &minor), -ENODEV);
        assert_int_equal(h->stat_device(h->userdata, "/dev/nosuch-cgmeter", &type, &major, &minor), -ENOENT);
        assert_int_equal(h->block_device_exists(h->userdata, 4095, 1048575), -ENOENT);
        assert_true(h->cpus_known);
        assert_false(cpu_bitmap_is_empty(&h->cpus));
        if (stat("/sys/dev/block/254:0", &st) == 0)
                assert_int_equal(h->block_device_exists(h->userdata, 254, 0), 0);
        if (stat("/sys/devices/system/node/online", &st) == 0 || stat("/sys/fs/cgroup/cpuset", &st) == 0) {
                assert_true(h->mems_known);
                assert_false(cpu_bitmap_is_empty(&h->mems));
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_full_policy),
                cmocka_unit_test(test_other_forms),
                cmocka_unit_test(test_errors_spec_examples),
                cmocka_unit_test(test_errors_policy),
                cmocka_unit_test(test_errors_too_many_idmaps),
                cmocka_unit_test(test_errors_memory_cpu),
                cmocka_unit_test(test_errors_cpuset_blkio),
                cmocka_unit_test(test_errors_too_many_throttles),
                cmocka_unit_test(test_errors_devices),
                cmocka_unit_test(test_errors_too_many_devrules),
                cmocka_unit_test(test_errors_misc_sections),
                cmocka_unit_test(test_errors_pressure_oom),
                cmocka_unit_test(test_errors_too_many_triggers),
                cmocka_unit_test(test_errors_syntax),
                cmocka_unit_test(test_errors_all_in_order),
                cmocka_unit_test(test_unknown_host_sets),
                cmocka_unit_test_setup_teardown(test_set_good, make_tmpdir, remove_tmpdir),
                cmocka_unit_test_setup_teardown(test_set_bad_file, make_tmpdir, remove_tmpdir),
                cmocka_unit_test_setup_teardown(test_set_duplicate_names, make_tmpdir, remove_tmpdir),
                cmocka_unit_test_setup_teardown(test_set_empty_dir, make_tmpdir, remove_tmpdir),
                cmocka_unit_test_setup_teardown(test_set_missing_dir, make_tmpdir, remove_tmpdir),
                cmocka_unit_test_setup_teardown(test_set_limits, make_tmpdir, remove_tmpdir),
                cmocka_unit_test(test_conf_examples),
                cmocka_unit_test(test_host_system),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
