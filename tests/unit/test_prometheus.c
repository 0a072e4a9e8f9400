/* The exposition: label escaping, family headers, OpenMetrics specifics, what is left out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "prometheus.h"

static char *render(const struct prom_task *t, size_t n, bool om)
{
        struct prom_agent ag = { .version = "1.2.3", .cgroup_mode = "hybrid", .policies = 2 };
        struct strbuf sb;
        char *out;
        size_t len;

        strbuf_init(&sb, 1 << 20);
        prom_render(&ag, t, n, om, &sb);
        assert_int_equal(strbuf_take(&sb, &out, &len), 0);
        assert_int_equal(strlen(out), len);
        return out;
}

static void test_escape(void **state)
{
        struct strbuf sb;
        char *out;
        size_t len;

        strbuf_init(&sb, 1024);
        prom_escape_label(&sb, "a\"b\\c\nd");
        assert_int_equal(strbuf_take(&sb, &out, &len), 0);
        assert_string_equal(out, "a\\\"b\\\\c\\nd");
        free(out);
}

static void test_negotiation(void **state)
{
        assert_false(prom_wants_openmetrics(NULL));
        assert_false(prom_wants_openmetrics("text/plain"));
        assert_false(prom_wants_openmetrics("*/*"));
        assert_true(prom_wants_openmetrics("application/openmetrics-text;version=1.0.0,text/plain;q=0.5"));
}

static void test_task_series(void **state)
{
        struct cg_sample s = { .have = CG_HAVE_CPU_USAGE | CG_HAVE_MEM_USAGE };
        struct policy p;
        struct prom_task t = { .id = "/cgmeter/web/abc",
                               .name = "n\"x",
                               .task = "abc",
                               .policy = "web",
                               .tenant = "acme",
                               .running = true,
                               .start_time = 1700000000,
                               .s = &s,
                               .spec = &p };
        char *out;

        policy_init(&p, "web");
        p.mem_limit = 64 << 20;
        s.cpu.usage_ns = 1500000000;
        s.memory.usage = 4096;
        s.memory.working_set = 1024;
        out = render(&t, 1, false);
        assert_non_null(strstr(out, "# TYPE container_cpu_usage_seconds_total counter\n"));
        assert_non_null(strstr(out,
                               "container_cpu_usage_seconds_total{id=\"/cgmeter/web/abc\",name=\"n\\\"x\","
                               "task=\"abc\",policy=\"web\",tenant=\"acme\",cpu=\"total\"} 1.5\n"));
        assert_non_null(strstr(out,
                               "container_memory_working_set_bytes{id=\"/cgmeter/web/abc\",name=\"n\\\"x\","
                               "task=\"abc\",policy=\"web\",tenant=\"acme\"} 1024\n"));
        assert_non_null(strstr(out, "container_spec_memory_limit_bytes{id=\"/cgmeter/web/abc\""));
        /* what was not read is left out, never reported as 0 */
        assert_null(strstr(out, "container_cpu_user_seconds_total"));
        assert_null(strstr(out, "container_memory_swap"));
        /* unset limits are not exported */
        assert_null(strstr(out, "container_spec_cpu_quota"));
        assert_null(strstr(out, "# EOF"));
        assert_null(strstr(out, "_created"));
        assert_non_null(strstr(out, "cgmeter_build_info{version=\"1.2.3\",cgroup_mode=\"hybrid\"} 1\n"));
        /* labels escaped once (prom_tasks_prepare) render byte for byte the same, in both formats */
        for (int om = 0; om < 2; om++) {
                char *plain = render(&t, 1, om), *prepared;

                assert_int_equal(prom_tasks_prepare(&t, 1), 0);
                assert_string_equal(
                    t.labels,
                    "{id=\"/cgmeter/web/abc\",name=\"n\\\"x\",task=\"abc\",policy=\"web\",tenant=\"acme\"");
                prepared = render(&t, 1, om);
                assert_string_equal(prepared, plain);
                prom_tasks_release(&t, 1);
                assert_null(t.labels);
                free(plain);
                free(prepared);
        }
        free(out);
}

static void test_openmetrics(void **state)
{
        struct cg_sample s = { .have = CG_HAVE_CPU_USAGE };
        struct prom_task t = { .id = "/i",
                               .name = "n",
                               .task = "t",
                               .policy = "p",
                               .tenant = "x",
                               .running = false,
                               .start_time = 12.5,
                               .s = &s };
        char *out;
        size_t len;

        s.cpu.usage_ns = 2000000000;
        out = render(&t, 1, true);
        len = strlen(out);
        assert_true(len > 6);
        assert_string_equal(out + len - 6, "# EOF\n");
        assert_non_null(strstr(out, "# TYPE container_cpu_usage_seconds counter\n"));
        assert_non_null(
            strstr(out, "container_cpu_usage_seconds_total{id=\"/i\",name=\"n\",task=\"t\",policy=\"p\","
                        "tenant=\"x\",cpu=\"total\"} 2\n"));
        assert_non_null(
            strstr(out, "container_cpu_usage_seconds_created{id=\"/i\",name=\"n\",task=\"t\",policy=\"p\","
                        "tenant=\"x\",cpu=\"total\"} 12.5\n"));
        free(out);
}

static void test_size_bound(void **state)
{
        struct prom_agent ag = { .version = "1", .cgroup_mode = "v2" };
        struct strbuf sb;
        char *out;
        size_t len;

        strbuf_init(&sb, 64);
        prom_render(&ag, NULL, 0, false, &sb);
        assert_int_equal(strbuf_take(&sb, &out, &len), -EFBIG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_escape),      cmocka_unit_test(test_negotiation),
                cmocka_unit_test(test_task_series), cmocka_unit_test(test_openmetrics),
                cmocka_unit_test(test_size_bound),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
