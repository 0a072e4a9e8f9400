/* The pure parts of the events module: counter parsing and deltas, PSI trigger strings and window rounding,
 * the event JSON, the ring buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "events.h"
#include "util.h"

static void test_parse_oom_control(void **state)
{
        struct oom_counts c = { 0 };

        assert_int_equal(events_parse_oom_control("oom_kill_disable 0\nunder_oom 1\noom_kill 7\n", &c), 0);
        assert_true(c.under_oom);
        assert_int_equal(c.kill, 7);
        assert_int_equal(c.oom, 0);
        /* kernels before 4.13 have no oom_kill line */
        assert_int_equal(events_parse_oom_control("oom_kill_disable 0\nunder_oom 0\n", &c), 0);
        assert_false(c.under_oom);
        assert_int_equal(c.kill, 0);
        assert_int_equal(events_parse_oom_control("oom_kill_disable 0\n", &c), -ENOENT);
        assert_int_equal(events_parse_oom_control("under_oom x\n", &c), -EINVAL);
        /* a key that only starts like another is not it */
        assert_int_equal(events_parse_oom_control("under_oom 0\noom_kill_disable 1\n", &c), 0);
        assert_int_equal(c.kill, 0);
}

static void test_parse_memory_events(void **state)
{
        struct oom_counts c = { 0 };

        assert_int_equal(
            events_parse_memory_events("low 0\nhigh 3\nmax 12\noom 2\noom_kill 2\noom_group_kill 0\n", &c),
            0);
        assert_int_equal(c.oom, 2);
        assert_int_equal(c.kill, 2);
        assert_int_equal(events_parse_memory_events("low 0\nhigh 0\nmax 0\noom 1\n", &c), -ENOENT);
        assert_int_equal(events_parse_memory_events("oom 18446744073709551616\noom_kill 0\n", &c), -EINVAL);
}

static void test_oom_kills(void **state)
{
        struct oom_counts z = { 0 }, k1 = { .kill = 1 }, k3 = { .kill = 3, .oom = 3 };
        struct oom_counts huge = { .kill = UINT64_C(1) << 40 };

        /* spurious wake-ups: registration, rmdir, an ancestor's OOM change nothing */
        assert_int_equal(events_oom_kills(&z, &z), 0);
        assert_int_equal(events_oom_kills(&k3, &k3), 0);
        /* one event per increment */
        assert_int_equal(events_oom_kills(&z, &k1), 1);
        assert_int_equal(events_oom_kills(&k1, &k3), 2);
        /* backwards: a new baseline, no events */
        assert_int_equal(events_oom_kills(&k3, &k1), 0);
        /* bounded per wake-up */
        assert_int_equal(events_oom_kills(&z, &huge), 10000);
}

static void test_oom_unkilled_v1(void **state)
{
        struct oom_counts z = { 0 }, under = { .under_oom = true },
                          under_k1 = { .kill = 1, .under_oom = true };
        struct oom_counts k1 = { .kill = 1 };

        /* under_oom with no kill since the settled reading (oom_kill_disable): one "oom" */
        assert_int_equal(events_oom_unkilled(&z, &under, true), 1);
        /* the same episode, already reported */
        assert_int_equal(events_oom_unkilled(&under, &under, true), 0);
        /* an OOM that ended in a kill is not an "oom" event, even if under_oom was still read as 1 */
        assert_int_equal(events_oom_unkilled(&z, &under_k1, true), 0);
        assert_int_equal(events_oom_unkilled(&z, &k1, true), 0);
        assert_int_equal(events_oom_unkilled(&z, &z, true), 0);
}

static void test_oom_unkilled_v2(void **state)
{
        struct oom_counts z = { 0 }, oom1 = { .oom = 1 }, both1 = { .oom = 1, .kill = 1 };
        struct oom_counts a = { .oom = 1, .kill = 1 }, b = { .oom = 4, .kill = 2 };

        /* the kernel counts "oom" before it kills: settled, oom = oom_kill is no event */
        assert_int_equal(events_oom_unkilled(&z, &both1, false), 0);
        /* settled with an oom and no kill: one */
        assert_int_equal(events_oom_unkilled(&z, &oom1, false), 1);
        assert_int_equal(events_oom_unkilled(&a, &b, false), 2);
        assert_int_equal(events_oom_unkilled(&b, &a, false), 0);
        assert_int_equal(events_oom_unkilled(&b, &b, false), 0);
}

static void test_psi_window(void **state)
{
        assert_int_equal(events_psi_window(2000000, false), 2000000);
        assert_int_equal(events_psi_window(1000000, false), 2000000);
        assert_int_equal(events_psi_window(500000, false), 2000000);
        assert_int_equal(events_psi_window(3000000, false), 4000000);
        assert_int_equal(events_psi_window(4000001, false), 6000000);
        assert_int_equal(events_psi_window(10000000, false), 10000000);
        assert_int_equal(events_psi_window(1000000, true), 1000000);
        assert_int_equal(events_psi_window(3000000, true), 3000000);
}

static void test_trigger_string(void **state)
{
        struct policy_trigger tr = {
                .resource = PSI_CPU, .full = false, .stall_us = 150000, .window_us = 1000000
        };
        char buf[64];

        assert_int_equal(events_psi_trigger_string(&tr, 2000000, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "some 150000 2000000");
        tr.full = true;
        tr.stall_us = 1000000;
        assert_int_equal(events_psi_trigger_string(&tr, 1000000, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "full 1000000 1000000");
        assert_int_equal(events_psi_trigger_string(&tr, 999999, buf, sizeof(buf)), -EINVAL);
        tr.stall_us = 0;
        assert_int_equal(events_psi_trigger_string(&tr, 1000000, buf, sizeof(buf)), -EINVAL);
        tr.stall_us = 100;
        assert_int_equal(events_psi_trigger_string(&tr, 1000000, buf, 8), -ENOBUFS);
        assert_string_equal(events_pressure_level(false), "medium");
        assert_string_equal(events_pressure_level(true), "critical");
}

static void test_cap_sys_resource(void **state)
{
        assert_true(events_status_has_cap_sys_resource("Name:\tx\nCapInh:\t0\nCapEff:\t000001ffffffffff\n"));
        /* everything but bit 24 */
        assert_false(events_status_has_cap_sys_resource("Name:\tx\nCapEff:\t000001fffeffffff\nCapBnd:\t0\n"));
        assert_false(events_status_has_cap_sys_resource("Name:\tx\nCapInh:\t0\n"));
        assert_true(events_status_has_cap_sys_resource("Name:\tx\nCapEff:\t0000000001000000\n"));
}

static struct event sample_event(void)
{
        struct event e = { .time_ns = 1700000000500000000ull,
                           .kind = EVENT_PRESSURE,
                           .resource = PSI_CPU,
                           .full = false,
                           .action = POLICY_ACTION_FREEZE };

        strcpy(e.task, "0123456789ab");
        strcpy(e.name, "web-1");
        strcpy(e.policy, "web");
        strcpy(e.tenant, "acme");
        strcpy(e.detail, "cpu stall \"100000\" us");
        return e;
}

static void test_event_json(void **state)
{
        struct event e = sample_event();
        char line[1024];
        int n;

        e.seq = 42;
        n = event_to_line(&e, line, sizeof(line));
        assert_int_equal(n, (int)strlen(line));
        assert_string_equal(
            line, "{\"seq\":42,\"time\":1700000000.5,\"task\":\"0123456789ab\",\"name\":\"web-1\","
                  "\"policy\":\"web\",\"tenant\":\"acme\",\"kind\":\"pressure\",\"resource\":\"cpu\","
                  "\"level\":\"some\",\"action\":\"freeze\",\"detail\":\"cpu stall \\\"100000\\\" us\"}\n");
        /* a policy-wide OOM: no task, no level */
        e.task[0] = e.name[0] = '\0';
        e.kind = EVENT_OOM_KILL;
        e.resource = PSI_MEMORY;
        e.action = POLICY_ACTION_RESTART;
        strcpy(e.detail, "oom_kill 1 in memory.events");
        n = event_to_line(&e, line, sizeof(line));
        assert_true(n > 0);
        assert_string_equal(
            line, "{\"seq\":42,\"time\":1700000000.5,\"task\":null,\"name\":null,\"policy\":\"web\","
                  "\"tenant\":\"acme\",\"kind\":\"oom_kill\",\"resource\":\"memory\",\"level\":null,"
                  "\"action\":\"restart\",\"detail\":\"oom_kill 1 in memory.events\"}\n");
        assert_int_equal(event_to_line(&e, line, 20), -ENOBUFS);
        assert_string_equal(event_kind_name(EVENT_OOM), "oom");
        assert_string_equal(psi_resource_name(PSI_IO), "io");
}

static void test_ring(void **state)
{
        struct event_ring r;
        struct event e = sample_event();
        const struct event *p;

        assert_int_equal(event_ring_init(&r, 0), -EINVAL);
        assert_int_equal(event_ring_init(&r, 3), 0);
        assert_null(event_ring_next(&r, 0));
        p = event_ring_push(&r, &e);
        assert_int_equal(p->seq, 1);
        assert_string_equal(p->name, "web-1");
        assert_int_equal(event_ring_next(&r, 0)->seq, 1);
        assert_null(event_ring_next(&r, 1));
        for (int i = 0; i < 4; i++) {
                snprintf(e.detail, sizeof(e.detail), "n%d", i + 2);
                event_ring_push(&r, &e);
        }
        /* 5 pushed into 3 slots: 3, 4, 5 are kept */
        assert_int_equal(r.n, 3);
        p = event_ring_next(&r, 0);
        assert_int_equal(p->seq, 3);
        assert_string_equal(p->detail, "n3");
        assert_int_equal(event_ring_next(&r, 2)->seq, 3);
        assert_int_equal(event_ring_next(&r, 3)->seq, 4);
        p = event_ring_next(&r, 4);
        assert_int_equal(p->seq, 5);
        assert_string_equal(p->detail, "n5");
        assert_null(event_ring_next(&r, 5));
        assert_null(event_ring_next(&r, 1000));
        event_ring_free(&r);
        assert_null(r.items);
}

static void test_ring_wraps_many(void **state)
{
        struct event_ring r;
        struct event e = sample_event();
        uint64_t seq = 0, count = 0;

        assert_int_equal(event_ring_init(&r, EVENTS_RING_DEFAULT), 0);
        for (int i = 0; i < 25000; i++)
                event_ring_push(&r, &e);
        for (const struct event *p = event_ring_next(&r, 0); p; p = event_ring_next(&r, p->seq)) {
                if (seq)
                        assert_int_equal(p->seq, seq + 1);
                seq = p->seq;
                count++;
        }
        assert_int_equal(count, EVENTS_RING_DEFAULT);
        assert_int_equal(seq, 25000);
        event_ring_free(&r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_oom_control), cmocka_unit_test(test_parse_memory_events),
                cmocka_unit_test(test_oom_kills),         cmocka_unit_test(test_oom_unkilled_v1),
                cmocka_unit_test(test_oom_unkilled_v2),   cmocka_unit_test(test_psi_window),
                cmocka_unit_test(test_trigger_string),    cmocka_unit_test(test_cap_sys_resource),
                cmocka_unit_test(test_event_json),        cmocka_unit_test(test_ring),
                cmocka_unit_test(test_ring_wraps_many),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
