/* Ledger tests: schema and migrations, exactly-once records and totals, checkpoints, queries, rendering, a
 * full disk, and a crash test that SIGKILLs a writer (tests/unit/ledger-crash) many times. Each test works in
 * its own temporary state directory, removed in teardown also when the test fails. */
#include "autoconfig.h"

#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

#include "ledger-internal.h"

struct fixture {
        char dir[64];
        char path[128];
        struct ledger *l;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        snprintf(f->dir, sizeof(f->dir), "/tmp/test_ledger.XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->path, sizeof(f->path), "%s/ledger.db", f->dir);
        umask(022);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        ledger_close(f->l);
        nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(f);
        return 0;
}

static struct ledger *open_ok(struct fixture *f)
{
        char err[512] = "";
        int r;

        ledger_close(f->l);
        f->l = NULL;
        r = ledger_open(f->dir, &f->l, err, sizeof(err));
        if (r < 0)
                fail_msg("ledger_open: %d %s", r, err);
        return f->l;
}

/* A raw SQLite handle on the ledger file, for what the API does not show. */
static sqlite3 *raw_open(const char *path)
{
        sqlite3 *db = NULL;

        assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                         SQLITE_OK);
        return db;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
        char *msg = NULL;

        if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
                fail_msg("%s: %s", sql, msg);
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
        sqlite3_stmt *st = NULL;
        int64_t v;

        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
                fail_msg("%s: %s", sql, sqlite3_errmsg(db));
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return v;
}

static void raw_text(sqlite3 *db, const char *sql, char *buf, size_t n)
{
        sqlite3_stmt *st = NULL;

        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
                fail_msg("%s: %s", sql, sqlite3_errmsg(db));
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        snprintf(buf, n, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
}

static void make(struct ledger_record *r, const char *id, const char *tenant, const char *policy,
                 uint64_t end_ns, uint64_t base)
{
        ledger_record_init(r);
        snprintf(r->id, sizeof(r->id), "%s", id);
        snprintf(r->name, sizeof(r->name), "name-%s", id);
        snprintf(r->tenant, sizeof(r->tenant), "%s", tenant);
        snprintf(r->policy, sizeof(r->policy), "%s", policy);
        snprintf(r->command, sizeof(r->command), "[\"run\",\"%s\"]", id);
        r->start_ns = end_ns - 10;
        r->end_ns = end_ns;
        r->cpu_user_ns = base + 1;
        r->cpu_system_ns = base + 2;
        r->cpu_ns = base + 3;
        r->memory_peak_bytes = base + 4;
        r->memory_byte_seconds = base + 5;
        r->io_read_bytes = base + 6;
        r->io_write_bytes = base + 7;
        r->net_rx_bytes = base + 8;
        r->net_tx_bytes = base + 9;
        r->oom_kills = base + 10;
        r->frozen_ns = base + 11;
        r->exit_known = true;
        r->exit_code = 0;
}

/* The same records as ledger-crash.c writes. */
static void ledger_crash_record(unsigned i, struct ledger_record *r)
{
        static const char *const tenants[] = { "acme", "beta", "gamma" };
        static const char *const policies[] = { "web", "batch" };

        ledger_record_init(r);
        snprintf(r->id, sizeof(r->id), "crash%06u", i);
        snprintf(r->name, sizeof(r->name), "job-%u", i);
        snprintf(r->policy, sizeof(r->policy), "%s", policies[i % 2]);
        snprintf(r->tenant, sizeof(r->tenant), "%s", tenants[i % 3]);
        snprintf(r->command, sizeof(r->command), "[\"work\",\"%u\"]", i);
        r->start_ns = 1000000000ull * i;
        r->end_ns = r->start_ns + 1000ull * i + 7;
        r->cpu_user_ns = 3ull * i + 1;
        r->cpu_system_ns = 5ull * i + 2;
        r->cpu_ns = r->cpu_user_ns + r->cpu_system_ns;
        r->memory_peak_bytes = 4096ull * i;
        r->memory_byte_seconds = 11ull * i;
        r->io_read_bytes = 13ull * i;
        r->io_write_bytes = 17ull * i;
        r->net_rx_bytes = 19ull * i;
        r->net_tx_bytes = 23ull * i;
        r->oom_kills = i % 2;
        r->frozen_ns = 29ull * i;
        r->exit_known = true;
        r->exit_code = (int)(i % 256);
        r->adopted = i % 5 == 0;
}

/* Compare everything the caller sets (not seq and recorded_ns, which the ledger assigns). */
static void assert_record_equal(const struct ledger_record *a, const struct ledger_record *b)
{
        assert_string_equal(a->id, b->id);
        assert_string_equal(a->name, b->name);
        assert_string_equal(a->policy, b->policy);
        assert_string_equal(a->tenant, b->tenant);
        assert_string_equal(a->command, b->command);
        assert_int_equal(a->start_ns, b->start_ns);
        assert_int_equal(a->end_ns, b->end_ns);
        for (size_t i = 0; i < LEDGER_N_COUNTERS; i++)
                assert_int_equal(*(const uint64_t *)((const char *)a + ledger_counters[i]),
                                 *(const uint64_t *)((const char *)b + ledger_counters[i]));
        assert_int_equal(a->exit_known, b->exit_known);
        assert_int_equal(a->exit_code, b->exit_code);
        assert_int_equal(a->exit_signal, b->exit_signal);
        assert_int_equal(a->adopted, b->adopted);
}

/* Collects ids as "a,b,c" and the records themselves. */
struct collect {
        char ids[4096];
        struct ledger_record last;
        int n, stop_after, fail_with;
};

static int collect_cb(const struct ledger_record *r, void *userdata)
{
        struct collect *c = userdata;
        size_t len = strlen(c->ids);

        snprintf(c->ids + len, sizeof(c->ids) - len, "%s%s", len ? "," : "", r->id);
        c->last = *r;
        c->n++;
        if (c->fail_with)
                return c->fail_with;
        return c->stop_after && c->n >= c->stop_after;
}

static int query_ids(struct ledger *l, const struct ledger_filter *flt, struct collect *c)
{
        memset(c, 0, sizeof(*c));
        return ledger_query(l, flt, collect_cb, c);
}

struct totals_list {
        struct ledger_totals t[8];
        int n;
};

static int totals_cb(const struct ledger_totals *t, void *userdata)
{
        struct totals_list *tl = userdata;

        assert_true(tl->n < 8);
        tl->t[tl->n++] = *t;
        return 0;
}

/* ---- schema ---- */

static void test_open_creates_schema(void **state)
{
        struct fixture *f = *state;
        char mode[16];
        sqlite3 *db;

        open_ok(f);
        open_ok(f); /* reopen: nothing to migrate */
        db = raw_open(f->path);
        assert_int_equal(raw_int(db, "PRAGMA user_version"), LEDGER_SCHEMA_VERSION);
        assert_int_equal(raw_int(db, "PRAGMA application_id"), LEDGER_APPLICATION_ID);
        raw_text(db, "PRAGMA journal_mode", mode, sizeof(mode));
        assert_string_equal(mode, "wal");
        assert_int_equal(raw_int(db,
                                 "SELECT count(*) FROM sqlite_master WHERE name IN ('tasks', 'checkpoints', "
                                 "'totals', 'task_usage', 'tasks_end_ns', 'tasks_tenant_policy')"),
                         6);
        sqlite3_close(db);
}

static void assert_mode_0600(const char *path)
{
        struct stat st;

        if (stat(path, &st) < 0)
                fail_msg("%s: %s", path, strerror(errno));
        assert_int_equal(st.st_mode & 07777, 0600);
}

static void test_file_mode(void **state)
{
        struct fixture *f = *state;
        char p[160];
        int fd;

        /* a file left more open (an older version, a person) is repaired */
        fd = open(f->path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        close(fd);
        open_ok(f);
        assert_mode_0600(f->path);
        snprintf(p, sizeof(p), "%s-wal", f->path);
        assert_mode_0600(p);
        snprintf(p, sizeof(p), "%s-shm", f->path);
        assert_mode_0600(p);
}

static void test_not_regular_file(void **state)
{
        struct fixture *f = *state;
        char err[512], want[512];
        int r;

        assert_int_equal(mkdir(f->path, 0700), 0);
        r = ledger_open(f->dir, &f->l, err, sizeof(err));
        assert_int_equal(r, -EISDIR);
        assert_null(f->l);
        snprintf(want, sizeof(want), "%s: Is a directory", f->path);
        assert_string_equal(err, want);
        unlink(f->path);
        rmdir(f->path);
        assert_int_equal(mkfifo(f->path, 0600), 0);
        r = ledger_open(f->dir, &f->l, err, sizeof(err));
        assert_int_equal(r, -EINVAL);
        snprintf(want, sizeof(want), "%s: not a regular file", f->path);
        assert_string_equal(err, want);
}

/* A ledger as schema version 1 left it, with one record and its totals. */
static void make_v1(struct fixture *f, const char *extra_sql)
{
        sqlite3 *db = raw_open(f->path);

        raw_exec(db, ledger_migrations[0]);
        raw_exec(db, "PRAGMA user_version = 1; PRAGMA application_id = 1667722604");
        raw_exec(
            db,
            "INSERT INTO tasks (id, name, policy, tenant, command, start_ns, end_ns, " LEDGER_COUNTER_COLUMNS
            ", exit_code, exit_signal, adopted, recorded_ns) VALUES ('old1', 'old', 'web', 'acme', "
            "'[\"x\"]', 1000000000, 3000000000, 1, 2, 1500000000, 4, 5, 6, 7, 8, 9, 0, 11, 3, NULL, 0, 99)");
        raw_exec(db, "INSERT INTO totals (tenant, policy, tasks, wall_ns, " LEDGER_COUNTER_COLUMNS
                     ") VALUES ('acme', 'web', 1, 2000000000, 1, 2, 1500000000, 4, 5, 6, 7, 8, 9, 0, 11)");
        if (extra_sql)
                raw_exec(db, extra_sql);
        sqlite3_close(db);
}

static void test_migrate_from_v1(void **state)
{
        struct fixture *f = *state;
        struct collect c;
        double secs;
        sqlite3 *db;
        sqlite3_stmt *st;

        assert_int_equal(LEDGER_APPLICATION_ID, 1667722604);
        make_v1(f, NULL);
        open_ok(f);
        assert_int_equal(query_ids(f->l, NULL, &c), 1);
        assert_string_equal(c.ids, "old1");
        assert_int_equal(c.last.cpu_ns, 1500000000);
        assert_int_equal(c.last.exit_code, 3);
        assert_true(c.last.exit_known);
        db = raw_open(f->path);
        assert_int_equal(raw_int(db, "PRAGMA user_version"), 2);
        assert_int_equal(
            sqlite3_prepare_v2(db, "SELECT cpu_seconds, wall_seconds FROM task_usage", -1, &st, NULL),
            SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        secs = sqlite3_column_double(st, 0);
        assert_true(secs == 1.5);
        secs = sqlite3_column_double(st, 1);
        assert_true(secs == 2.0);
        sqlite3_finalize(st);
        sqlite3_close(db);
}

static void test_migration_failure_rolls_back(void **state)
{
        struct fixture *f = *state;
        char err[512], want[512];
        sqlite3 *db;

        /* an object in the way of migration 2: it must fail as a whole */
        make_v1(f, "CREATE TABLE task_usage (x)");
        assert_int_equal(ledger_open(f->dir, &f->l, err, sizeof(err)), -EIO);
        assert_null(f->l);
        snprintf(want, sizeof(want),
                 "%s: migration to schema version 2 failed: table task_usage already exists", f->path);
        assert_string_equal(err, want);
        db = raw_open(f->path);
        assert_int_equal(raw_int(db, "PRAGMA user_version"), 1);
        assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'tasks_end_ns'"), 0);
        assert_int_equal(raw_int(db, "SELECT count(*) FROM tasks"), 1);
        sqlite3_close(db);
}

static void test_refuse_newer(void **state)
{
        struct fixture *f = *state;
        char err[512], want[512];
        sqlite3 *db = raw_open(f->path);

        raw_exec(db, "PRAGMA user_version = 3; PRAGMA application_id = 1667722604");
        sqlite3_close(db);
        assert_int_equal(ledger_open(f->dir, &f->l, err, sizeof(err)), -EPROTONOSUPPORT);
        assert_null(f->l);
        snprintf(
            want, sizeof(want),
            "%s: schema version 3 is newer than this cgmeter supports (2); refusing to open it (was cgmeter "
            "downgraded?)",
            f->path);
        assert_string_equal(err, want);
        db = raw_open(f->path);
        assert_int_equal(raw_int(db, "PRAGMA user_version"), 3);
        sqlite3_close(db);
}

static void test_refuse_foreign(void **state)
{
        struct fixture *f = *state;
        char err[512], want[512];
        sqlite3 *db = raw_open(f->path);
        int fd;

        raw_exec(db, "PRAGMA application_id = 305419896");
        sqlite3_close(db);
        assert_int_equal(ledger_open(f->dir, &f->l, err, sizeof(err)), -EBADMSG);
        snprintf(want, sizeof(want), "%s: not a cgmeter ledger (application_id 0x12345678)", f->path);
        assert_string_equal(err, want);
        /* and left as it was: not switched to WAL */
        db = raw_open(f->path);
        raw_text(db, "PRAGMA journal_mode", want, sizeof(want));
        assert_string_equal(want, "delete");
        sqlite3_close(db);

        /* someone else's database without an application id */
        unlink(f->path);
        db = raw_open(f->path);
        raw_exec(db, "CREATE TABLE theirs (x)");
        sqlite3_close(db);
        assert_int_equal(ledger_open(f->dir, &f->l, err, sizeof(err)), -EBADMSG);
        snprintf(want, sizeof(want), "%s: not a cgmeter ledger (application_id 0)", f->path);
        assert_string_equal(err, want);

        /* not a database at all */
        unlink(f->path);
        fd = open(f->path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        for (int i = 0; i < 64; i++)
                assert_int_equal(write(fd, "this is not an SQLite database, just text for the test...\n", 59),
                                 59);
        close(fd);
        assert_int_equal(ledger_open(f->dir, &f->l, err, sizeof(err)), -EBADMSG);
        snprintf(want, sizeof(want), "%s: not a cgmeter ledger (not a database)", f->path);
        assert_string_equal(err, want);
        assert_null(f->l);
}

static void test_reader(void **state)
{
        struct fixture *f = *state;
        struct ledger *rd = NULL;
        struct ledger_record r;
        struct collect c;
        char err[512], want[512];

        assert_int_equal(ledger_open_reader(f->dir, &rd, err, sizeof(err)), -ENOENT);
        snprintf(want, sizeof(want), "%s: No such file or directory", f->path);
        assert_string_equal(err, want);
        open_ok(f);
        make(&r, "t1", "acme", "web", 100, 0);
        assert_int_equal(ledger_record_task(f->l, &r), 1);
        assert_int_equal(ledger_open_reader(f->dir, &rd, err, sizeof(err)), 0);
        assert_int_equal(query_ids(rd, NULL, &c), 1);
        /* the reader never writes */
        make(&r, "t2", "acme", "web", 200, 0);
        assert_int_equal(ledger_record_task(rd, &r), -EROFS);
        assert_string_equal(ledger_errmsg(rd), "attempt to write a readonly database");
        assert_int_equal(ledger_checkpoint(rd, &r), -EROFS);
        /* and sees what the writer commits */
        assert_int_equal(ledger_record_task(f->l, &r), 1);
        assert_int_equal(query_ids(rd, NULL, &c), 2);
        assert_string_equal(c.ids, "t1,t2");
        assert_int_equal(ledger_has_record(rd, "t2"), 1);
        ledger_close(rd);
}

/* ---- records, totals, checkpoints ---- */

static void test_record_and_totals(void **state)
{
        struct fixture *f = *state;
        struct totals_list tl = { 0 };
        struct ledger_record r;

        open_ok(f);
        make(&r, "t1", "acme", "web", 1000, 100);
        r.memory_peak_bytes = 5000;
        assert_int_equal(ledger_record_task(f->l, &r), 1);
        make(&r, "t2", "acme", "web", 2000, 200);
        r.memory_peak_bytes = 3000;
        assert_int_equal(ledger_record_task(f->l, &r), 1);
        make(&r, "t3", "beta", "web", 3000, 300);
        assert_int_equal(ledger_record_task(f->l, &r), 1);
        assert_int_equal(ledger_has_record(f->l, "t1"), 1);
        assert_int_equal(ledger_has_record(f->l, "t4"), 0);
        assert_int_equal(ledger_has_record(f->l, "../x"), -EINVAL);

        assert_int_equal(ledger_totals(f->l, totals_cb, &tl), 2);
        assert_string_equal(tl.t[0].tenant, "acme");
        assert_string_equal(tl.t[0].policy, "web");
        assert_int_equal(tl.t[0].tasks, 2);
        assert_int_equal(tl.t[0].wall_ns, 20);
        assert_int_equal(tl.t[0].cpu_user_ns, 101 + 201);
        assert_int_equal(tl.t[0].cpu_system_ns, 102 + 202);
        assert_int_equal(tl.t[0].cpu_ns, 103 + 203);
        assert_int_equal(tl.t[0].memory_peak_bytes, 5000); /* the largest, not a sum */
        assert_int_equal(tl.t[0].memory_byte_seconds, 105 + 205);
        assert_int_equal(tl.t[0].io_read_bytes, 106 + 206);
        assert_int_equal(tl.t[0].io_write_bytes, 107 + 207);
        assert_int_equal(tl.t[0].net_rx_bytes, 108 + 208);
        assert_int_equal(tl.t[0].net_tx_bytes, 109 + 209);
        assert_int_equal(tl.t[0].oom_kills, 110 + 210);
        assert_int_equal(tl.t[0].frozen_ns, 111 + 211);
        assert_string_equal(tl.t[1].tenant, "beta");
        assert_int_equal(tl.t[1].tasks, 1);
        assert_int_equal(tl.t[1].cpu_ns, 303);
        assert_int_equal(tl.t[1].memory_peak_bytes, 304);
}

static void test_exactly_once(void **state)
{
        struct fixture *f = *state;
        struct totals_list tl = { 0 };
        struct ledger_record r;
        struct collect c;

        open_ok(f);
        make(&r, "t1", "acme", "web", 1000, 100);
        assert_int_equal(ledger_record_task(f->l, &r), 1);
        /* a restarted agent finalizes the same task again, with later counters */
        make(&r, "t1", "acme", "web", 5000, 900);
        assert_int_equal(ledger_record_task(f->l, &r), 0);
        open_ok(f);
        assert_int_equal(ledger_record_task(f->l, &r), 0);
        assert_int_equal(ledger_totals(f->l, totals_cb, &tl), 1);
        assert_int_equal(tl.t[0].tasks, 1);
        assert_int_equal(tl.t[0].cpu_ns, 103);
        assert_int_equal(query_ids(f->l, NULL, &c), 1);
        assert_int_equal(c.last.end_ns, 1000);
        assert_int_equal(c.last.cpu_ns, 103);
}

static int count_cb(const struct ledger_record *r, void *userdata)
{
        (*(int *)userdata)++;
        return 0;
}

static void test_checkpoints(void **state)
{
        struct fixture *f = *state;
        struct ledger_record r, got;
        int n = 0;

        open_ok(f);
        assert_int_equal(ledger_get_checkpoint(f->l, "a", &got), 0);
        make(&r, "a", "acme", "web", 1000, 1);
        r.exit_known = false;
        assert_int_equal(ledger_checkpoint(f->l, &r), 1);
        make(&r, "a", "acme", "web", 2000, 50); /* the next sample replaces it */
        r.exit_known = false;
        assert_int_equal(ledger_checkpoint(f->l, &r), 1);
        memset(&got, 0, sizeof(got));
        assert_int_equal(ledger_get_checkpoint(f->l, "a", &got), 1);
        assert_record_equal(&got, &r);
        assert_int_equal(got.seq, 0);
        make(&r, "b", "beta", "web", 1500, 7);
        assert_int_equal(ledger_checkpoint(f->l, &r), 1);
        assert_int_equal(ledger_checkpoints(f->l, count_cb, &n), 2);
        assert_int_equal(n, 2);

        /* the final record removes the checkpoint in the same transaction */
        make(&r, "a", "acme", "web", 3000, 60);
        assert_int_equal(ledger_record_task(f->l, &r), 1);
        assert_int_equal(ledger_get_checkpoint(f->l, "a", &got), 0);
        n = 0;
        assert_int_equal(ledger_checkpoints(f->l, count_cb, &n), 1);
        /* a late checkpoint of an ended task is ignored */
        assert_int_equal(ledger_checkpoint(f->l, &r), 0);
        assert_int_equal(ledger_get_checkpoint(f->l, "a", &got), 0);
        assert_int_equal(ledger_get_checkpoint(f->l, "b", &got), 1);
        assert_string_equal(got.tenant, "beta");
        assert_false(got.exit_known);
}

static void test_survives_reopen(void **state)
{
        struct fixture *f = *state;
        struct ledger_record r;
        struct collect c;
        uint64_t before, after;

        open_ok(f);
        make(&r, "abcdef012345", "acme", "batch", 1700000001500000000ull, 1000);
        snprintf(r.name, sizeof(r.name), "nightly report, v2");
        snprintf(r.command, sizeof(r.command), "[\"sh\",\"-c\",\"echo \\\"a,b\\\"\\nls\"]");
        r.exit_signal = 9;
        r.exit_code = 0;
        r.adopted = true;
        before = now_realtime_ns();
        assert_int_equal(ledger_record_task(f->l, &r), 1);
        after = now_realtime_ns();
        ledger_close(f->l);
        f->l = NULL;
        open_ok(f);
        assert_int_equal(query_ids(f->l, NULL, &c), 1);
        assert_record_equal(&c.last, &r);
        assert_int_equal(c.last.seq, 1);
        assert_in_range(c.last.recorded_ns, before, after);
}

static void test_saturation(void **state)
{
        struct fixture *f = *state;
        struct totals_list tl = { 0 };
        struct ledger_record r;
        struct collect c;
        sqlite3 *db;

        open_ok(f);
        for (int i = 0; i < 2; i++) {
                make(&r, i ? "s2" : "s1", "acme", "web", 1000, 0);
                r.cpu_ns = UINT64_MAX;
                r.io_read_bytes = (uint64_t)INT64_MAX - 1;
                assert_int_equal(ledger_record_task(f->l, &r), 1);
        }
        assert_int_equal(query_ids(f->l, NULL, &c), 2);
        assert_int_equal(c.last.cpu_ns, INT64_MAX);
        assert_int_equal(ledger_totals(f->l, totals_cb, &tl), 1);
        assert_int_equal(tl.t[0].cpu_ns, INT64_MAX);
        assert_int_equal(tl.t[0].io_read_bytes, INT64_MAX);
        assert_int_equal(tl.t[0].tasks, 2);
        db = raw_open(f->path);
        assert_int_equal(raw_int(db,
                                 "SELECT typeof(cpu_ns) = 'integer' AND typeof(io_read_bytes) = 'integer' "
                                 "FROM totals"),
                         1);
        sqlite3_close(db);
}

static void expect_invalid(struct ledger *l, const struct ledger_record *r, const char *msg)
{
        assert_int_equal(ledger_record_task(l, r), -EINVAL);
        assert_string_equal(ledger_errmsg(l), msg);
        assert_int_equal(ledger_checkpoint(l, r), -EINVAL);
}

static void test_invalid_records(void **state)
{
        struct fixture *f = *state;
        struct ledger_record r;
        struct collect c;

        open_ok(f);
        make(&r, "../etc", "acme", "web", 100, 0);
        expect_invalid(f->l, &r, "invalid record: bad id");
        make(&r, "t1", "acme corp", "web", 100, 0);
        expect_invalid(f->l, &r, "invalid record: bad tenant name");
        make(&r, "t1", "acme", "", 100, 0);
        expect_invalid(f->l, &r, "invalid record: bad policy name");
        make(&r, "t1", "acme", "web", 100, 0);
        r.name[0] = '\0';
        expect_invalid(f->l, &r, "invalid record: bad task name");
        make(&r, "t1", "acme", "web", 100, 0);
        snprintf(r.name, sizeof(r.name), "two\nlines");
        expect_invalid(f->l, &r, "invalid record: control character in task name");
        make(&r, "t1", "acme", "web", 100, 0);
        memset(r.name, 'x', sizeof(r.name)); /* not terminated */
        expect_invalid(f->l, &r, "invalid record: bad task name");
        make(&r, "t1", "acme", "web", 100, 0);
        snprintf(r.command, sizeof(r.command), "rm -rf /");
        expect_invalid(f->l, &r, "invalid record: command is not a JSON array of strings");
        snprintf(r.command, sizeof(r.command), "[\"a\",1]");
        expect_invalid(f->l, &r, "invalid record: command is not a JSON array of strings");
        make(&r, "t1", "acme", "web", 100, 0);
        r.start_ns = 101;
        expect_invalid(f->l, &r, "invalid record: end before start");
        assert_int_equal(query_ids(f->l, NULL, &c), 0);
}

/* A full disk (max_page_count) must fail cleanly: no row, no totals, the checkpoint kept, and a retry works.
 */
static void test_disk_full(void **state)
{
        struct fixture *f = *state;
        struct totals_list tl = { 0 };
        struct ledger_record r, got;
        struct collect c;
        char sql[64];

        open_ok(f);
        make(&r, "t1", "acme", "web", 1000, 0);
        assert_int_equal(ledger_record_task(f->l, &r), 1);
        make(&r, "big", "beta", "batch", 2000, 0);
        assert_int_equal(ledger_checkpoint(f->l, &r), 1);
        /* a command that needs new pages */
        memset(r.command, 0, sizeof(r.command));
        r.command[0] = '[';
        for (int i = 0; i < 400; i++)
                strcat(r.command, i ? ",\"arg-arg\"" : "\"arg-arg\"");
        strcat(r.command, "]");
        snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld",
                 (long long)raw_int(f->l->db, "PRAGMA page_count"));
        raw_exec(f->l->db, sql);

        assert_int_equal(ledger_record_task(f->l, &r), -ENOSPC);
        assert_string_equal(ledger_errmsg(f->l), "database or disk is full");
        assert_true(sqlite3_get_autocommit(f->l->db)); /* no transaction left open */
        assert_int_equal(ledger_has_record(f->l, "big"), 0);
        assert_int_equal(ledger_get_checkpoint(f->l, "big", &got), 1);
        assert_int_equal(ledger_totals(f->l, totals_cb, &tl), 1);
        assert_string_equal(tl.t[0].tenant, "acme");

        raw_exec(f->l->db, "PRAGMA max_page_count = 1000000");
        assert_int_equal(ledger_record_task(f->l, &r), 1);
        assert_int_equal(ledger_get_checkpoint(f->l, "big", &got), 0);
        assert_int_equal(query_ids(f->l, NULL, &c), 2);
        assert_string_equal(c.ids, "t1,big");
        assert_string_equal(c.last.command, r.command);
}

/* ---- queries ---- */

static void add_five(struct fixture *f)
{
        static const struct {
                const char *id, *tenant, *policy;
                uint64_t end;
        } rows[] = {
                { "t1", "acme", "web", 100 },   { "t2", "acme", "batch", 200 }, { "t3", "beta", "web", 300 },
                { "t4", "beta", "batch", 400 }, { "t5", "acme", "web", 500 },
        };
        struct ledger_record r;

        open_ok(f);
        for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
                make(&r, rows[i].id, rows[i].tenant, rows[i].policy, rows[i].end, i);
                assert_int_equal(ledger_record_task(f->l, &r), 1);
        }
}

static void expect_query(struct ledger *l, struct ledger_filter flt, int n, const char *ids)
{
        struct collect c;

        assert_int_equal(query_ids(l, &flt, &c), n);
        assert_string_equal(c.ids, ids);
}

static void test_query_filters(void **state)
{
        struct fixture *f = *state;

        add_five(f);
        expect_query(f->l, (struct ledger_filter){ 0 }, 5, "t1,t2,t3,t4,t5");
        expect_query(f->l, (struct ledger_filter){ .since_ns = 200 }, 4, "t2,t3,t4,t5");
        expect_query(f->l, (struct ledger_filter){ .since_ns = 201 }, 3, "t3,t4,t5");
        expect_query(f->l, (struct ledger_filter){ .until_ns = 300 }, 2, "t1,t2");
        expect_query(f->l, (struct ledger_filter){ .since_ns = 200, .until_ns = 400 }, 2, "t2,t3");
        expect_query(f->l, (struct ledger_filter){ .since_ns = 300, .until_ns = 300 }, 0, "");
        expect_query(f->l, (struct ledger_filter){ .tenant = "acme" }, 3, "t1,t2,t5");
        expect_query(f->l, (struct ledger_filter){ .tenant = "" }, 5, "t1,t2,t3,t4,t5");
        expect_query(f->l, (struct ledger_filter){ .policy = "web" }, 3, "t1,t3,t5");
        expect_query(f->l, (struct ledger_filter){ .tenant = "acme", .policy = "web" }, 2, "t1,t5");
        expect_query(f->l, (struct ledger_filter){ .tenant = "nobody" }, 0, "");
        expect_query(f->l, (struct ledger_filter){ .limit = 2 }, 2, "t1,t2");
        expect_query(f->l, (struct ledger_filter){ .after_seq = 2, .limit = 2 }, 2, "t3,t4");
        expect_query(f->l, (struct ledger_filter){ .after_seq = 5 }, 0, "");
        expect_query(f->l, (struct ledger_filter){ .tenant = "beta", .since_ns = 350, .limit = 1 }, 1, "t4");
        expect_query(f->l, (struct ledger_filter){ .limit = LEDGER_QUERY_LIMIT_MAX }, 5, "t1,t2,t3,t4,t5");
}

static void expect_bad_filter(struct ledger *l, struct ledger_filter flt, const char *msg)
{
        struct collect c;

        assert_int_equal(query_ids(l, &flt, &c), -EINVAL);
        assert_string_equal(ledger_errmsg(l), msg);
        assert_int_equal(c.n, 0);
}

static void test_query_limits(void **state)
{
        struct fixture *f = *state;
        struct collect c;

        add_five(f);
        expect_bad_filter(f->l, (struct ledger_filter){ .limit = LEDGER_QUERY_LIMIT_MAX + 1 },
                          "invalid filter: limit above 1000000");
        expect_bad_filter(f->l, (struct ledger_filter){ .tenant = "a'; DROP TABLE tasks; --" },
                          "invalid filter: bad tenant name");
        expect_bad_filter(f->l, (struct ledger_filter){ .policy = "../web" },
                          "invalid filter: bad policy name");
        expect_bad_filter(f->l, (struct ledger_filter){ .since_ns = 5, .until_ns = 4 },
                          "invalid filter: since after until");

        /* callbacks stop early or fail */
        memset(&c, 0, sizeof(c));
        c.stop_after = 2;
        assert_int_equal(ledger_query(f->l, NULL, collect_cb, &c), 2);
        assert_string_equal(c.ids, "t1,t2");
        memset(&c, 0, sizeof(c));
        c.fail_with = -ECANCELED;
        assert_int_equal(ledger_query(f->l, NULL, collect_cb, &c), -ECANCELED);
        assert_int_equal(c.n, 1);

        /* the default limit, over 10005 records (inserted by hand, in one go) */
        raw_exec(
            f->l->db,
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) "
            "INSERT INTO tasks (id, name, policy, tenant, command, start_ns, end_ns, " LEDGER_COUNTER_COLUMNS
            ", adopted, recorded_ns) SELECT 'bulk' || i, 'b', 'web', 'acme', '[]', 0, 1000 + i, "
            "0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM n");
        assert_int_equal(query_ids(f->l, NULL, &c), LEDGER_QUERY_LIMIT_DEFAULT);
        assert_string_equal(c.last.id, "bulk9995");
        assert_int_equal(query_ids(f->l, &(struct ledger_filter){ .limit = 20000 }, &c), 10005);
}

/* ---- rendering ---- */

static void render_record(struct ledger_record *r)
{
        char *const argv[] = { "sh", "-c", "echo \"a,b\"\nls", NULL };

        ledger_record_init(r);
        strcpy(r->id, "a1b2c3d4e5f6");
        strcpy(r->name, "web-1");
        strcpy(r->policy, "web");
        strcpy(r->tenant, "acme");
        assert_int_equal(ledger_command_from_argv(argv, r->command, sizeof(r->command)), 0);
        r->start_ns = 1700000000000000000ull;
        r->end_ns = 1700000001500000000ull;
        r->cpu_user_ns = 1234567891;
        r->cpu_system_ns = 5;
        r->cpu_ns = 1234567896;
        r->memory_peak_bytes = 1048576;
        r->memory_byte_seconds = 42;
        r->io_read_bytes = 1;
        r->io_write_bytes = 2;
        r->net_rx_bytes = 3;
        r->net_tx_bytes = 4;
        r->oom_kills = 1;
        r->frozen_ns = 250000000;
        ledger_record_set_exit(r, true, SIGKILL);
}

static void test_json(void **state)
{
        struct ledger_record r;
        struct json_object *o = NULL;

        render_record(&r);
        assert_string_equal(r.command, "[\"sh\",\"-c\",\"echo \\\"a,b\\\"\\nls\"]");
        assert_int_equal(ledger_record_to_json(&r, &o), 0);
        assert_string_equal(
            json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
            "{\"seq\":0,\"id\":\"a1b2c3d4e5f6\",\"name\":\"web-1\",\"policy\":\"web\",\"tenant\":\"acme\","
            "\"command\":[\"sh\",\"-c\",\"echo \\\"a,b\\\"\\nls\"],\"start_ns\":1700000000000000000,"
            "\"end_ns\":1700000001500000000,\"wall_seconds\":1.500000000,\"cpu_user_seconds\":1.234567891,"
            "\"cpu_system_seconds\":0.000000005,\"cpu_seconds\":1.234567896,\"memory_peak_bytes\":1048576,"
            "\"memory_byte_seconds\":42,\"io_read_bytes\":1,\"io_write_bytes\":2,\"net_rx_bytes\":3,"
            "\"net_tx_bytes\":4,\"oom_kills\":1,\"frozen_seconds\":0.250000000,\"exit_code\":null,"
            "\"exit_signal\":9,\"adopted\":false}");
        json_object_put(o);

        ledger_record_set_exit(&r, true, W_EXITCODE(3, 0));
        r.adopted = true;
        assert_int_equal(ledger_record_to_json(&r, &o), 0);
        assert_int_equal(json_object_get_int(json_object_object_get(o, "exit_code")), 3);
        assert_true(json_object_object_get_ex(o, "exit_signal", NULL));
        assert_null(json_object_object_get(o, "exit_signal"));
        assert_true(json_object_get_boolean(json_object_object_get(o, "adopted")));
        json_object_put(o);
}

static void test_totals_json(void **state)
{
        struct ledger_totals t = { .tenant = "acme",
                                   .policy = "web",
                                   .tasks = 2,
                                   .wall_ns = 3000000001,
                                   .cpu_ns = 7,
                                   .memory_peak_bytes = 9,
                                   .oom_kills = 1 };
        struct json_object *o = NULL;

        assert_int_equal(ledger_totals_to_json(&t, &o), 0);
        assert_string_equal(
            json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
            "{\"tenant\":\"acme\",\"policy\":\"web\",\"tasks\":2,\"wall_seconds\":3.000000001,"
            "\"cpu_user_seconds\":0.000000000,\"cpu_system_seconds\":0.000000000,"
            "\"cpu_seconds\":0.000000007,\"memory_peak_bytes\":9,\"memory_byte_seconds\":0,"
            "\"io_read_bytes\":0,\"io_write_bytes\":0,\"net_rx_bytes\":0,\"net_tx_bytes\":0,"
            "\"oom_kills\":1,\"frozen_seconds\":0.000000000}");
        json_object_put(o);
}

static void test_csv(void **state)
{
        struct ledger_record r;
        struct strbuf sb;
        char *out = NULL;
        size_t len = 0;

        strbuf_init(&sb, 1 << 20);
        render_record(&r);
        ledger_csv_header(&sb);
        ledger_csv_record(&sb, &r);
        /* a name with a comma, and one with a line break (the renderer quotes what it gets) */
        strcpy(r.name, "x,y");
        ledger_record_set_exit(&r, true, W_EXITCODE(0, 0));
        r.adopted = true;
        ledger_csv_record(&sb, &r);
        strcpy(r.name, "l1\r\nl2 \"q\"");
        ledger_record_set_exit(&r, false, 0);
        ledger_csv_record(&sb, &r);
        assert_int_equal(strbuf_take(&sb, &out, &len), 0);
        assert_string_equal(
            out,
            "seq,id,name,policy,tenant,command,start_ns,end_ns,wall_seconds,cpu_user_seconds,"
            "cpu_system_seconds,cpu_seconds,memory_peak_bytes,memory_byte_seconds,io_read_bytes,io_write_"
            "bytes,"
            "net_rx_bytes,net_tx_bytes,oom_kills,frozen_seconds,exit_code,exit_signal,adopted\r\n"
            "0,a1b2c3d4e5f6,web-1,web,acme,\"[\"\"sh\"\",\"\"-c\"\",\"\"echo \\\"\"a,b\\\"\"\\nls\"\"]\","
            "1700000000000000000,1700000001500000000,1.500000000,1.234567891,0.000000005,1.234567896,1048576,"
            "42,1,2,3,4,1,0.250000000,,9,0\r\n"
            "0,a1b2c3d4e5f6,\"x,y\",web,acme,\"[\"\"sh\"\",\"\"-c\"\",\"\"echo \\\"\"a,b\\\"\"\\nls\"\"]\","
            "1700000000000000000,1700000001500000000,1.500000000,1.234567891,0.000000005,1.234567896,1048576,"
            "42,1,2,3,4,1,0.250000000,0,,1\r\n"
            "0,a1b2c3d4e5f6,\"l1\r\nl2 \"\"q\"\"\",web,acme,\"[\"\"sh\"\",\"\"-c\"\",\"\"echo "
            "\\\"\"a,b\\\"\"\\nls\"\"]\","
            "1700000000000000000,1700000001500000000,1.500000000,1.234567891,0.000000005,1.234567896,1048576,"
            "42,1,2,3,4,1,0.250000000,,,1\r\n");
        assert_int_equal(len, strlen(out));
        free(out);

        /* the cap of the buffer is honoured */
        strbuf_init(&sb, 64);
        ledger_csv_record(&sb, &r);
        assert_int_equal(sb.err, -EFBIG);
        strbuf_free(&sb);
}

static void test_command_from_argv(void **state)
{
        char *const argv[] = { "a", "b c", "\"q\"", "back\\slash", "/x", "tab\there", NULL };
        char *const four[] = { "aaaa", "bbbb", "cccc", "dddd", NULL };
        char buf[LEDGER_COMMAND_MAX];

        assert_int_equal(ledger_command_from_argv(argv, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "[\"a\",\"b c\",\"\\\"q\\\"\",\"back\\\\slash\",\"/x\",\"tab\\there\"]");
        assert_int_equal(ledger_command_from_argv(NULL, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "[]");
        assert_int_equal(ledger_command_from_argv(four, buf, 20), 1);
        assert_string_equal(buf, "[\"aaaa\",\"...\"]");
        assert_int_equal(ledger_command_from_argv(four, buf, 8), 1);
        assert_string_equal(buf, "[\"...\"]");
        assert_int_equal(ledger_command_from_argv(four, buf, 7), -EINVAL);
        /* exactly enough for all of them, and one byte less */
        assert_int_equal(ledger_command_from_argv(four, buf, 30), 0);
        assert_string_equal(buf, "[\"aaaa\",\"bbbb\",\"cccc\",\"dddd\"]");
        assert_int_equal(ledger_command_from_argv(four, buf, 29), 1);
        assert_string_equal(buf, "[\"aaaa\",\"bbbb\",\"cccc\",\"...\"]");
}

static void test_fill_helpers(void **state)
{
        struct cg_sample s = { 0 };
        struct ledger_record r;

        ledger_record_init(&r);
        assert_string_equal(r.command, "[]");
        s.have = CG_HAVE_CPU_USAGE | CG_HAVE_CPU_USER_SYSTEM | CG_HAVE_MEM_USAGE | CG_HAVE_MEM_OOM_KILL |
                 CG_HAVE_IO;
        s.cpu.usage_ns = 30;
        s.cpu.user_ns = 10;
        s.cpu.system_ns = 15;
        s.memory.usage = 4096;
        s.memory.max_usage = 1 << 20; /* ignored: no CG_HAVE_MEM_MAX_USAGE */
        s.memory.oom_kill = 2;
        s.io.rbytes = 100;
        s.io.wbytes = 200;
        ledger_record_set_sample(&r, &s);
        assert_int_equal(r.cpu_ns, 30);
        assert_int_equal(r.cpu_user_ns, 10);
        assert_int_equal(r.cpu_system_ns, 15);
        assert_int_equal(r.memory_peak_bytes, 4096);
        assert_int_equal(r.oom_kills, 2);
        assert_int_equal(r.io_read_bytes, 100);
        assert_int_equal(r.io_write_bytes, 200);
        /* the peak never goes down; fields without a have-bit are left alone */
        s.have = CG_HAVE_MEM_USAGE | CG_HAVE_MEM_MAX_USAGE;
        s.memory.usage = 1024;
        s.memory.max_usage = 2048;
        s.cpu.usage_ns = 99;
        ledger_record_set_sample(&r, &s);
        assert_int_equal(r.memory_peak_bytes, 4096);
        assert_int_equal(r.cpu_ns, 30);
        s.memory.max_usage = 8192;
        ledger_record_set_sample(&r, &s);
        assert_int_equal(r.memory_peak_bytes, 8192);

        ledger_record_set_exit(&r, true, W_EXITCODE(7, 0));
        assert_true(r.exit_known);
        assert_int_equal(r.exit_code, 7);
        assert_int_equal(r.exit_signal, 0);
        ledger_record_set_exit(&r, true, SIGSEGV | 0x80); /* core dumped */
        assert_int_equal(r.exit_code, 0);
        assert_int_equal(r.exit_signal, SIGSEGV);
        ledger_record_set_exit(&r, false, 0);
        assert_false(r.exit_known);
        assert_int_equal(r.exit_signal, 0);
}

/* ---- crash test ---- */

static void helper_path(char *buf, size_t n)
{
        char self[PATH_MAX];
        ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
        char *slash;

        assert_true(len > 0);
        self[len] = '\0';
        slash = strrchr(self, '/');
        assert_non_null(slash);
        *slash = '\0';
        snprintf(buf, n, "%s/ledger-crash", self);
}

/* Run the helper from record first on, kill it once it has acknowledged at least min_acks records (plus a
 * random delay), and return the last acknowledged record (or first - 1 when none). */
static long crash_round(const char *helper, const char *dir, unsigned first, unsigned min_acks)
{
        char firstbuf[16], buf[4096], *line = buf;
        long last = (long)first - 1;
        unsigned acks = 0;
        size_t have = 0;
        bool killed = false;
        int p[2], status;
        pid_t pid;

        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        snprintf(firstbuf, sizeof(firstbuf), "%u", first);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                dup2(p[1], STDOUT_FILENO);
                execl(helper, helper, dir, firstbuf, "100000000", (char *)NULL);
                _exit(127);
        }
        close(p[1]);
        for (;;) {
                ssize_t n = read(p[0], buf + have, sizeof(buf) - 1 - have);
                char *nl;

                if (n <= 0)
                        break;
                have += (size_t)n;
                buf[have] = '\0';
                line = buf;
                /* everything printed was committed, also what arrives after the kill */
                while ((nl = strchr(line, '\n'))) {
                        *nl = '\0';
                        last = strtol(line, NULL, 10);
                        acks++;
                        line = nl + 1;
                }
                have = strlen(line);
                memmove(buf, line, have + 1);
                if (!killed && acks >= min_acks) {
                        usleep((useconds_t)(random() % 20000));
                        kill(pid, SIGKILL);
                        killed = true;
                }
        }
        close(p[0]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
                fail_msg("ledger-crash did not die by SIGKILL (status %#x, %u acks)", status, acks);
        return last;
}

static int crash_check_cb(const struct ledger_record *r, void *userdata)
{
        struct ledger_record want;
        unsigned i;

        assert_int_equal(sscanf(r->id, "crash%u", &i), 1);
        ledger_crash_record(i, &want);
        assert_record_equal(r, &want);
        (*(unsigned *)userdata)++;
        return 0;
}

/* Per (tenant, policy): the sums of the records, and the totals table, in the same column order. */
#define SUMS                                                                                                 \
        "tenant, policy, count(*), sum(end_ns - start_ns), sum(cpu_user_ns), sum(cpu_system_ns), "           \
        "sum(cpu_ns), "                                                                                      \
        "max(memory_peak_bytes), sum(memory_byte_seconds), sum(io_read_bytes), sum(io_write_bytes), "        \
        "sum(net_rx_bytes), sum(net_tx_bytes), sum(oom_kills), sum(frozen_ns) FROM tasks GROUP BY tenant, "  \
        "policy"
#define TOTALS "tenant, policy, tasks, wall_ns, " LEDGER_COUNTER_COLUMNS " FROM totals"

static void test_crash(void **state)
{
        struct fixture *f = *state;
        char helper[PATH_MAX + 16], text[64];
        unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid(), rows = 0;
        long last = -1;
        sqlite3 *db;
        int n;

        helper_path(helper, sizeof(helper));
        if (access(helper, X_OK) < 0)
                fail_msg("%s: %s (build it with make check)", helper, strerror(errno));
        print_message("crash test seed %u\n", seed);
        srandom(seed);
        for (int round = 0; round < 8; round++) {
                /* start again at the last acknowledged record: finalizing it twice must not count twice */
                unsigned first = last < 0 ? 0 : (unsigned)last;
                long l = crash_round(helper, f->dir, first, 1 + (unsigned)(random() % 40));

                assert_true(l >= last);
                last = l;
        }
        assert_true(last >= 8);

        open_ok(f); /* recovery after the last kill */
        for (long i = 0; i <= last; i++) {
                char id[32];

                snprintf(id, sizeof(id), "crash%06ld", i);
                assert_int_equal(ledger_has_record(f->l, id), 1);
        }
        n = ledger_query(f->l, &(struct ledger_filter){ .limit = LEDGER_QUERY_LIMIT_MAX }, crash_check_cb,
                         &rows);
        assert_int_equal(n, rows);
        assert_true(rows >= (unsigned)last + 1);
        print_message("crash test: %u records after 8 SIGKILLs, last acknowledged %ld\n", rows, last);

        db = raw_open(f->path);
        raw_text(db, "PRAGMA integrity_check", text, sizeof(text));
        assert_string_equal(text, "ok");
        assert_int_equal(raw_int(db, "SELECT count(*) FROM tasks"), rows);
        assert_int_equal(
            raw_int(db, "SELECT count(*) FROM tasks WHERE id IS NULL OR name IS NULL OR policy IS "
                        "NULL OR tenant IS NULL OR command IS NULL OR start_ns IS NULL OR end_ns IS "
                        "NULL OR cpu_user_ns IS NULL OR cpu_system_ns IS NULL OR cpu_ns IS NULL OR "
                        "memory_peak_bytes IS NULL OR memory_byte_seconds IS NULL OR io_read_bytes "
                        "IS NULL OR io_write_bytes IS NULL OR net_rx_bytes IS NULL OR net_tx_bytes IS "
                        "NULL OR oom_kills IS NULL OR frozen_ns IS NULL OR adopted IS NULL OR "
                        "recorded_ns IS NULL OR exit_code IS NULL"),
            0);
        /* the totals are exactly the sums of the records, in both directions */
        assert_int_equal(raw_int(db, "SELECT count(*) FROM (SELECT " SUMS " EXCEPT SELECT " TOTALS ")"), 0);
        assert_int_equal(raw_int(db, "SELECT count(*) FROM (SELECT " TOTALS " EXCEPT SELECT " SUMS ")"), 0);
        assert_int_equal(raw_int(db, "SELECT sum(tasks) FROM totals"), rows);
        /* a final record always took its checkpoint with it */
        assert_int_equal(raw_int(db, "SELECT count(*) FROM checkpoints WHERE id IN (SELECT id FROM tasks)"),
                         0);
        /* what is left: the next one or two tasks the writer had started, not yet recorded */
        assert_true(raw_int(db, "SELECT count(*) FROM checkpoints") <= 2);
        assert_int_equal(
            raw_int(db, "SELECT count(*) FROM checkpoints WHERE id <= (SELECT max(id) FROM tasks)"), 0);
        sqlite3_close(db);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_open_creates_schema, setup, teardown),
                cmocka_unit_test_setup_teardown(test_file_mode, setup, teardown),
                cmocka_unit_test_setup_teardown(test_not_regular_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_migrate_from_v1, setup, teardown),
                cmocka_unit_test_setup_teardown(test_migration_failure_rolls_back, setup, teardown),
                cmocka_unit_test_setup_teardown(test_refuse_newer, setup, teardown),
                cmocka_unit_test_setup_teardown(test_refuse_foreign, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reader, setup, teardown),
                cmocka_unit_test_setup_teardown(test_record_and_totals, setup, teardown),
                cmocka_unit_test_setup_teardown(test_exactly_once, setup, teardown),
                cmocka_unit_test_setup_teardown(test_checkpoints, setup, teardown),
                cmocka_unit_test_setup_teardown(test_survives_reopen, setup, teardown),
                cmocka_unit_test_setup_teardown(test_saturation, setup, teardown),
                cmocka_unit_test_setup_teardown(test_invalid_records, setup, teardown),
                cmocka_unit_test_setup_teardown(test_disk_full, setup, teardown),
                cmocka_unit_test_setup_teardown(test_query_filters, setup, teardown),
                cmocka_unit_test_setup_teardown(test_query_limits, setup, teardown),
                cmocka_unit_test(test_json),
                cmocka_unit_test(test_totals_json),
                cmocka_unit_test(test_csv),
                cmocka_unit_test(test_command_from_argv),
                cmocka_unit_test(test_fill_helpers),
                cmocka_unit_test_setup_teardown(test_crash, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
