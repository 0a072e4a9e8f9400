/* The billing ledger: opening, schema migrations and the writes (final records, totals, checkpoints).
 * Queries are in ledger-query.c, rendering in ledger-render.c. */
#include "ledger-internal.h"

#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "log.h"

const size_t ledger_counters[LEDGER_N_COUNTERS] = {
        offsetof(struct ledger_record, cpu_user_ns),
        offsetof(struct ledger_record, cpu_system_ns),
        offsetof(struct ledger_record, cpu_ns),
        offsetof(struct ledger_record, memory_peak_bytes),
        offsetof(struct ledger_record, memory_byte_seconds),
        offsetof(struct ledger_record, io_read_bytes),
        offsetof(struct ledger_record, io_write_bytes),
        offsetof(struct ledger_record, net_rx_bytes),
        offsetof(struct ledger_record, net_tx_bytes),
        offsetof(struct ledger_record, oom_kills),
        offsetof(struct ledger_record, frozen_ns),
};

/* The SQL is laid out by hand, one clause per line, so it reads as SQL. */
/* clang-format off */
#define COUNTER(c) c " INTEGER NOT NULL CHECK (" c " >= 0),\n"
#define COUNTER_DEFS                                                                                       \
        COUNTER("cpu_user_ns") COUNTER("cpu_system_ns") COUNTER("cpu_ns")                                  \
        COUNTER("memory_peak_bytes") COUNTER("memory_byte_seconds")                                        \
        COUNTER("io_read_bytes") COUNTER("io_write_bytes")                                                 \
        COUNTER("net_rx_bytes") COUNTER("net_tx_bytes")                                                    \
        COUNTER("oom_kills") COUNTER("frozen_ns")

/* Forward migrations: entry v takes the schema from user_version v to v + 1. Never edit a released entry;
 * append a new one and bump LEDGER_SCHEMA_VERSION. */
const char *const ledger_migrations[LEDGER_SCHEMA_VERSION] = {
        /* 1: the tables */
        "CREATE TABLE tasks (\n"
        "  seq INTEGER PRIMARY KEY AUTOINCREMENT,\n"
        "  id TEXT NOT NULL UNIQUE,\n"
        "  name TEXT NOT NULL, policy TEXT NOT NULL, tenant TEXT NOT NULL, command TEXT NOT NULL,\n"
        "  start_ns INTEGER NOT NULL CHECK (start_ns >= 0),\n"
        "  end_ns INTEGER NOT NULL CHECK (end_ns >= start_ns),\n"
        COUNTER_DEFS
        "  exit_code INTEGER,\n"
        "  exit_signal INTEGER CHECK (exit_signal IS NULL OR (exit_signal > 0 AND exit_code IS NULL)),\n"
        "  adopted INTEGER NOT NULL CHECK (adopted IN (0, 1)),\n"
        "  recorded_ns INTEGER NOT NULL);\n"
        "CREATE TABLE checkpoints (\n"
        "  id TEXT PRIMARY KEY NOT NULL,\n"
        "  name TEXT NOT NULL, policy TEXT NOT NULL, tenant TEXT NOT NULL, command TEXT NOT NULL,\n"
        "  start_ns INTEGER NOT NULL, sample_ns INTEGER NOT NULL,\n"
        COUNTER_DEFS
        "  adopted INTEGER NOT NULL CHECK (adopted IN (0, 1)),\n"
        "  updated_ns INTEGER NOT NULL);\n"
        "CREATE TABLE totals (\n"
        "  tenant TEXT NOT NULL, policy TEXT NOT NULL,\n"
        "  tasks INTEGER NOT NULL CHECK (tasks >= 0),\n"
        "  wall_ns INTEGER NOT NULL CHECK (wall_ns >= 0),\n"
        COUNTER_DEFS
        "  PRIMARY KEY (tenant, policy));\n",

        /* 2: indexes for the usage filters, and a view in seconds for people with the sqlite3 shell */
        "CREATE INDEX tasks_end_ns ON tasks (end_ns);\n"
        "CREATE INDEX tasks_tenant_policy ON tasks (tenant, policy);\n"
        "CREATE VIEW task_usage AS SELECT seq, id, name, policy, tenant, command, start_ns, end_ns,\n"
        "  (end_ns - start_ns) / 1e9 AS wall_seconds, cpu_user_ns / 1e9 AS cpu_user_seconds,\n"
        "  cpu_system_ns / 1e9 AS cpu_system_seconds, cpu_ns / 1e9 AS cpu_seconds, memory_peak_bytes,\n"
        "  memory_byte_seconds, io_read_bytes, io_write_bytes, net_rx_bytes, net_tx_bytes, oom_kills,\n"
        "  frozen_ns / 1e9 AS frozen_seconds, exit_code, exit_signal, adopted FROM tasks;\n",
};

/* Totals never overflow into SQLite's REAL: they saturate at INT64_MAX. */
#define SAT(c) c " = CASE WHEN " c " > 9223372036854775807 - excluded." c                                  \
                 " THEN 9223372036854775807 ELSE " c " + excluded." c " END"
#define SET(c) c " = excluded." c

#define RECORD_COLUMNS "id, name, policy, tenant, command, start_ns, "
#define PARAMS_18      "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18"

static const char *const stmt_sql[_LEDGER_STMT_MAX] = {
        [LEDGER_STMT_BEGIN] = "BEGIN IMMEDIATE",
        [LEDGER_STMT_COMMIT] = "COMMIT",
        [LEDGER_STMT_ROLLBACK] = "ROLLBACK",
        [LEDGER_STMT_SYNC_FULL] = "PRAGMA synchronous = FULL",
        [LEDGER_STMT_SYNC_NORMAL] = "PRAGMA synchronous = NORMAL",
        [LEDGER_STMT_INSERT_TASK] =
                "INSERT INTO tasks (" RECORD_COLUMNS "end_ns, " LEDGER_COUNTER_COLUMNS ", "
                "  exit_code, exit_signal, adopted, recorded_ns) "
                "VALUES (" PARAMS_18 ", ?19, ?20, ?21, ?22) "
                "ON CONFLICT (id) DO NOTHING",
        [LEDGER_STMT_ADD_TOTALS] =
                "INSERT INTO totals (tenant, policy, tasks, wall_ns, " LEDGER_COUNTER_COLUMNS ") "
                "VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
                "ON CONFLICT (tenant, policy) DO UPDATE SET "
                SAT("tasks") ", "
                SAT("wall_ns") ", "
                SAT("cpu_user_ns") ", "
                SAT("cpu_system_ns") ", "
                SAT("cpu_ns") ", "
                "memory_peak_bytes = MAX(memory_peak_bytes, excluded.memory_peak_bytes), "
                SAT("memory_byte_seconds") ", "
                SAT("io_read_bytes") ", "
                SAT("io_write_bytes") ", "
                SAT("net_rx_bytes") ", "
                SAT("net_tx_bytes") ", "
                SAT("oom_kills") ", "
                SAT("frozen_ns"),
        [LEDGER_STMT_DELETE_CHECKPOINT] = "DELETE FROM checkpoints WHERE id = ?1",
        /* a checkpoint that arrives after the final record must not bring the task back */
        [LEDGER_STMT_UPSERT_CHECKPOINT] =
                "INSERT INTO checkpoints (" RECORD_COLUMNS "sample_ns, " LEDGER_COUNTER_COLUMNS ", "
                "  adopted, updated_ns) "
                "SELECT " PARAMS_18 ", ?19, ?20 "
                "WHERE NOT EXISTS (SELECT 1 FROM tasks WHERE id = ?1) "
                "ON CONFLICT (id) DO UPDATE SET "
                SET("name") ", " SET("policy") ", " SET("tenant") ", " SET("command") ", "
                SET("start_ns") ", " SET("sample_ns") ", "
                SET("cpu_user_ns") ", " SET("cpu_system_ns") ", " SET("cpu_ns") ", "
                SET("memory_peak_bytes") ", " SET("memory_byte_seconds") ", "
                SET("io_read_bytes") ", " SET("io_write_bytes") ", "
                SET("net_rx_bytes") ", " SET("net_tx_bytes") ", "
                SET("oom_kills") ", " SET("frozen_ns") ", "
                SET("adopted") ", " SET("updated_ns"),
        [LEDGER_STMT_HAS_RECORD] = "SELECT 1 FROM tasks WHERE id = ?1",
        /* the same row layout as QUERY (ledger_row_to_record) */
        [LEDGER_STMT_GET_CHECKPOINT] =
                "SELECT 0, " RECORD_COLUMNS "sample_ns, " LEDGER_COUNTER_COLUMNS ", "
                "  NULL, NULL, adopted, updated_ns "
                "FROM checkpoints WHERE id = ?1",
        [LEDGER_STMT_CHECKPOINTS] =
                "SELECT 0, " RECORD_COLUMNS "sample_ns, " LEDGER_COUNTER_COLUMNS ", "
                "  NULL, NULL, adopted, updated_ns "
                "FROM checkpoints ORDER BY id",
        [LEDGER_STMT_QUERY] =
                "SELECT seq, " RECORD_COLUMNS "end_ns, " LEDGER_COUNTER_COLUMNS ", "
                "  exit_code, exit_signal, adopted, recorded_ns "
                "FROM tasks "
                "WHERE seq > ?1 AND end_ns >= ?2 AND (?3 IS NULL OR end_ns < ?3) "
                "  AND (?4 IS NULL OR tenant = ?4) AND (?5 IS NULL OR policy = ?5) "
                "ORDER BY seq LIMIT ?6",
        [LEDGER_STMT_TOTALS] =
                "SELECT tenant, policy, tasks, wall_ns, " LEDGER_COUNTER_COLUMNS " "
                "FROM totals ORDER BY tenant, policy",
};
/* clang-format on */

int ledger_errno(int rc)
{
        switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_ROW:
        case SQLITE_DONE:
                return 0;
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_FULL:
                return -ENOSPC;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        case SQLITE_READONLY:
                return -EROFS;
        case SQLITE_PERM:
        case SQLITE_AUTH:
                return -EACCES;
        case SQLITE_CANTOPEN:
                return -ENOENT;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
                return -EBADMSG;
        case SQLITE_CONSTRAINT:
        case SQLITE_MISMATCH:
        case SQLITE_RANGE:
                return -EINVAL;
        case SQLITE_TOOBIG:
                return -E2BIG;
        default:
                return -EIO;
        }
}

int ledger_fail(struct ledger *l, int rc)
{
        snprintf(l->errmsg, sizeof(l->errmsg), "%s", sqlite3_errmsg(l->db));
        log_debug("ledger: %s (%d)", l->errmsg, rc);
        return ledger_errno(rc) ?: -EIO;
}

const char *ledger_errmsg(const struct ledger *l)
{
        return l->errmsg;
}

int ledger_stmt(struct ledger *l, enum ledger_stmt which, sqlite3_stmt **ret)
{
        sqlite3_stmt *st = l->stmt[which];
        int rc;

        if (!st) {
                rc = sqlite3_prepare_v3(l->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
                if (rc != SQLITE_OK)
                        return ledger_fail(l, rc);
                l->stmt[which] = st;
        }
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        *ret = st;
        return 0;
}

/* Run a statement that returns no rows. */
static int stmt_run(struct ledger *l, sqlite3_stmt *st)
{
        int rc = sqlite3_step(st);

        sqlite3_reset(st);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
                return ledger_fail(l, rc);
        return 0;
}

static int run_simple(struct ledger *l, enum ledger_stmt which)
{
        sqlite3_stmt *st;
        int r = ledger_stmt(l, which, &st);

        return r < 0 ? r : stmt_run(l, st);
}

static void rollback(struct ledger *l)
{
        /* SQLite rolls back by itself after some errors (SQLITE_FULL, SQLITE_IOERR): then there is no
         * transaction left to end. */
        if (!sqlite3_get_autocommit(l->db))
                (void)run_simple(l, LEDGER_STMT_ROLLBACK);
}

static bool str_terminated(const char *s, size_t n)
{
        return memchr(s, '\0', n) != NULL;
}

static bool command_is_valid(const char *s)
{
        struct json_object *o = json_tokener_parse(s);
        bool ok = o && json_object_is_type(o, json_type_array);

        for (size_t i = 0; ok && i < json_object_array_length(o); i++)
                ok = json_object_is_type(json_object_array_get_idx(o, i), json_type_string);
        json_object_put(o);
        return ok;
}

static int invalid(struct ledger *l, const char *why)
{
        snprintf(l->errmsg, sizeof(l->errmsg), "invalid record: %s", why);
        return -EINVAL;
}

int ledger_record_validate(struct ledger *l, const struct ledger_record *r)
{
        if (!str_terminated(r->id, sizeof(r->id)) || !name_is_valid(r->id))
                return invalid(l, "bad id");
        if (!str_terminated(r->policy, sizeof(r->policy)) || !name_is_valid(r->policy))
                return invalid(l, "bad policy name");
        if (!str_terminated(r->tenant, sizeof(r->tenant)) || !name_is_valid(r->tenant))
                return invalid(l, "bad tenant name");
        if (!str_terminated(r->name, sizeof(r->name)) || r->name[0] == '\0')
                return invalid(l, "bad task name");
        for (const char *p = r->name; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        return invalid(l, "control character in task name");
        if (!str_terminated(r->command, sizeof(r->command)) || !command_is_valid(r->command))
                return invalid(l, "command is not a JSON array of strings");
        if (r->end_ns < r->start_ns)
                return invalid(l, "end before start");
        if (r->exit_known && r->exit_signal < 0)
                return invalid(l, "negative signal");
        return 0;
}

/* id .. start_ns, the time column, then the counters: parameters 1..18. */
static void bind_common(sqlite3_stmt *st, const struct ledger_record *r, uint64_t time_ns)
{
        sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, r->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, r->policy, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, r->tenant, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, r->command, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, ledger_i64(r->start_ns));
        sqlite3_bind_int64(st, 7, ledger_i64(time_ns));
        for (size_t i = 0; i < LEDGER_N_COUNTERS; i++)
                sqlite3_bind_int64(st, 8 + (int)i,
                                   ledger_i64(*(const uint64_t *)((const char *)r + ledger_counters[i])));
}

static int insert_task(struct ledger *l, const struct ledger_record *r)
{
        sqlite3_stmt *st;
        int k = ledger_stmt(l, LEDGER_STMT_INSERT_TASK, &st);

        if (k < 0)
                return k;
        bind_common(st, r, r->end_ns);
        if (r->exit_known && r->exit_signal == 0)
                sqlite3_bind_int(st, 19, r->exit_code);
        if (r->exit_known && r->exit_signal > 0)
                sqlite3_bind_int(st, 20, r->exit_signal);
        sqlite3_bind_int(st, 21, r->adopted);
        sqlite3_bind_int64(st, 22, ledger_i64(now_realtime_ns()));
        k = stmt_run(l, st);
        if (k < 0)
                return k;
        return sqlite3_changes(l->db) > 0;
}

static int add_totals(struct ledger *l, const struct ledger_record *r)
{
        sqlite3_stmt *st;
        int k = ledger_stmt(l, LEDGER_STMT_ADD_TOTALS, &st);

        if (k < 0)
                return k;
        sqlite3_bind_text(st, 1, r->tenant, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, r->policy, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, ledger_i64(r->end_ns - r->start_ns));
        for (size_t i = 0; i < LEDGER_N_COUNTERS; i++)
                sqlite3_bind_int64(st, 4 + (int)i,
                                   ledger_i64(*(const uint64_t *)((const char *)r + ledger_counters[i])));
        return stmt_run(l, st);
}

static int delete_checkpoint(struct ledger *l, const char *id)
{
        sqlite3_stmt *st;
        int r = ledger_stmt(l, LEDGER_STMT_DELETE_CHECKPOINT, &st);

        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        return stmt_run(l, st);
}

int ledger_record_task(struct ledger *l, const struct ledger_record *r)
{
        int inserted, k;

        l->errmsg[0] = '\0';
        k = ledger_record_validate(l, r);
        if (k < 0)
                return k;
        /* a final record must reach the disk before the cgroup holding the counters is removed */
        k = run_simple(l, LEDGER_STMT_SYNC_FULL);
        if (k < 0)
                return k;
        k = run_simple(l, LEDGER_STMT_BEGIN);
        if (k < 0)
                return k;
        inserted = insert_task(l, r);
        if (inserted < 0) {
                k = inserted;
                goto fail;
        }
        /* only a new row counts: finalizing again after a restart must not add twice */
        if (inserted) {
                k = add_totals(l, r);
                if (k < 0)
                        goto fail;
        }
        k = delete_checkpoint(l, r->id);
        if (k < 0)
                goto fail;
        k = run_simple(l, LEDGER_STMT_COMMIT);
        if (k < 0)
                goto fail;
        return inserted;
fail:
        rollback(l);
        return k;
}

int ledger_checkpoint(struct ledger *l, const struct ledger_record *r)
{
        sqlite3_stmt *st;
        int k;

        l->errmsg[0] = '\0';
        k = ledger_record_validate(l, r);
        if (k < 0)
                return k;
        /* no fsync per checkpoint: WAL with NORMAL keeps the file consistent, the next record syncs it */
        k = run_simple(l, LEDGER_STMT_SYNC_NORMAL);
        if (k < 0)
                return k;
        k = ledger_stmt(l, LEDGER_STMT_UPSERT_CHECKPOINT, &st);
        if (k < 0)
                return k;
        bind_common(st, r, r->end_ns);
        sqlite3_bind_int(st, 19, r->adopted);
        sqlite3_bind_int64(st, 20, ledger_i64(now_realtime_ns()));
        k = stmt_run(l, st);
        if (k < 0)
                return k;
        return sqlite3_changes(l->db) > 0;
}

/* ---- opening ---- */

static int set_err(char *err, size_t n, int r, const char *fmt, ...) _printf_(4, 5);
static int set_err(char *err, size_t n, int r, const char *fmt, ...)
{
        va_list ap;

        if (err && n > 0) {
                va_start(ap, fmt);
                vsnprintf(err, n, fmt, ap);
                va_end(ap);
        }
        return r;
}

static int pragma_int(sqlite3 *db, const char *sql, int64_t *ret)
{
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

        if (rc == SQLITE_OK) {
                rc = sqlite3_step(st);
                if (rc == SQLITE_ROW) {
                        *ret = sqlite3_column_int64(st, 0);
                        rc = SQLITE_OK;
                }
        }
        sqlite3_finalize(st);
        return rc;
}

/* Create the file ourselves so it is 0600 from the start (SQLite gives -wal and -shm the same mode), and
 * repair the mode of a file an older version or a person left more open. */
static int prepare_file(const char *state_dir, const char *path, bool create)
{
        int flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK;
        _cleanup_close_ int fd = -1;
        bool created = false;
        struct stat st;

        if (create) {
                fd = open(path, flags | O_CREAT | O_EXCL, 0600);
                created = fd >= 0;
        }
        if (fd < 0)
                fd = open(path, flags);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        if ((st.st_mode & 07777) != 0600 && fchmod(fd, 0600) < 0)
                return -errno;
        if (created) {
                /* the new name must survive a power loss too, or the first records go with it */
                _cleanup_close_ int dfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                if (dfd < 0 || fsync(dfd) < 0)
                        return -errno;
        }
        return 0;
}

/* Our schema version, or an error for a file that is not ours or is newer. Checked before anything is changed
 * (a foreign file is left as it was), and again inside the migration transaction. */
static int check_identity(sqlite3 *db, const char *path, int64_t *ret_version, char *err, size_t n)
{
        int64_t app = 0, version = 0, objects = 0;
        int rc;

        rc = pragma_int(db, "PRAGMA application_id", &app);
        if (rc == SQLITE_OK)
                rc = pragma_int(db, "PRAGMA user_version", &version);
        if (rc == SQLITE_OK)
                rc = pragma_int(db, "SELECT count(*) FROM sqlite_master", &objects);
        if (rc == SQLITE_NOTADB)
                return set_err(err, n, -EBADMSG, "%s: not a cgmeter ledger (not a database)", path);
        if (rc != SQLITE_OK)
                return set_err(err, n, ledger_errno(rc) ?: -EIO, "%s: %s", path, sqlite3_errmsg(db));
        if ((app != 0 && app != LEDGER_APPLICATION_ID) || (app == 0 && (version != 0 || objects != 0)))
                return set_err(err, n, -EBADMSG, "%s: not a cgmeter ledger (application_id %#llx)", path,
                               (unsigned long long)app);
        if (version > LEDGER_SCHEMA_VERSION)
                return set_err(
                    err, n, -EPROTONOSUPPORT,
                    "%s: schema version %lld is newer than this cgmeter supports (%d); refusing to "
                    "open it (was cgmeter downgraded?)",
                    path, (long long)version, LEDGER_SCHEMA_VERSION);
        if (version < 0)
                return set_err(err, n, -EBADMSG, "%s: bad schema version %lld", path, (long long)version);
        *ret_version = version;
        return 0;
}

static int exec_err(sqlite3 *db, const char *sql, const char *path, const char *what, char *err, size_t n)
{
        int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

        if (rc != SQLITE_OK)
                return set_err(err, n, ledger_errno(rc) ?: -EIO, "%s: %s: %s", path, what,
                               sqlite3_errmsg(db));
        return 0;
}

/* All pending migrations in one transaction: a failure leaves the file as it was. */
static int migrate(sqlite3 *db, const char *path, char *err, size_t n)
{
        char sql[128];
        int64_t version;
        int r;

        r = exec_err(db, "BEGIN IMMEDIATE", path, "cannot lock", err, n);
        if (r < 0)
                return r;
        r = check_identity(db, path, &version, err, n);
        if (r < 0)
                goto fail;
        for (int64_t v = version; v < LEDGER_SCHEMA_VERSION; v++) {
                char what[64];

                snprintf(what, sizeof(what), "migration to schema version %lld failed", (long long)v + 1);
                r = exec_err(db, ledger_migrations[v], path, what, err, n);
                if (r < 0)
                        goto fail;
        }
        /* pragmas take no parameters; these are our own constants */
        snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; PRAGMA application_id = %d",
                 LEDGER_SCHEMA_VERSION, LEDGER_APPLICATION_ID);
        r = exec_err(db, sql, path, "cannot set the schema version", err, n);
        if (r < 0)
                goto fail;
        r = exec_err(db, "COMMIT", path, "cannot commit the schema", err, n);
        if (r < 0)
                goto fail;
        return 0;
fail:
        if (!sqlite3_get_autocommit(db))
                sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return r;
}

static int open_db(const char *path, sqlite3 **ret, char *err, size_t n)
{
        sqlite3 *db = NULL;
        int rc;

        rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
                             NULL);
        if (rc != SQLITE_OK) {
                int r = set_err(err, n, ledger_errno(rc) ?: -EIO, "%s: %s", path,
                                db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
                sqlite3_close(db);
                return r;
        }
        sqlite3_busy_timeout(db, LEDGER_BUSY_TIMEOUT_MS);
        /* no writes to the schema from SQL text, no functions run from the schema */
        sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
        sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
        *ret = db;
        return 0;
}

static int set_wal(sqlite3 *db, const char *path, char *err, size_t n)
{
        sqlite3_stmt *st = NULL;
        bool wal = false;
        int rc;

        rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
        if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                const char *mode = (const char *)sqlite3_column_text(st, 0);

                wal = mode && streq(mode, "wal");
                rc = SQLITE_OK;
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_OK)
                return set_err(err, n, ledger_errno(rc) ?: -EIO, "%s: %s", path, sqlite3_errmsg(db));
        if (!wal)
                return set_err(err, n, -EIO, "%s: cannot switch to WAL mode", path);
        return exec_err(db, "PRAGMA synchronous = FULL", path, "cannot set synchronous", err, n);
}

static int ledger_open_full(const char *state_dir, bool writer, struct ledger **ret, char *err, size_t n)
{
        _cleanup_free_ char *path = NULL;
        struct ledger *l;
        sqlite3 *db = NULL;
        int r;

        if (!state_dir || state_dir[0] == '\0')
                return set_err(err, n, -EINVAL, "no state directory");
        path = strjoin(state_dir, "/", LEDGER_FILE);
        if (!path)
                return set_err(err, n, -ENOMEM, "out of memory");
        if (writer && mkdir(state_dir, 0755) < 0 && errno != EEXIST)
                return set_err(err, n, -errno, "cannot create %s: %s", state_dir, strerror(errno));
        r = prepare_file(state_dir, path, writer);
        if (r < 0)
                return set_err(err, n, r, "%s: %s", path, r == -EINVAL ? "not a regular file" : strerror(-r));
        r = open_db(path, &db, err, n);
        if (r < 0)
                return r;
        if (writer) {
                int64_t version = 0;

                r = check_identity(db, path, &version, err, n);
                if (r >= 0)
                        r = set_wal(db, path, err, n);
                if (r >= 0)
                        r = migrate(db, path, err, n);
        } else {
                int64_t version = 0;

                r = exec_err(db, "PRAGMA query_only = 1", path, "cannot make the handle read-only", err, n);
                if (r >= 0)
                        r = check_identity(db, path, &version, err, n);
                if (r >= 0 && version != LEDGER_SCHEMA_VERSION)
                        r = set_err(err, n, -EPROTONOSUPPORT, "%s: schema version %lld, expected %d", path,
                                    (long long)version, LEDGER_SCHEMA_VERSION);
        }
        if (r < 0) {
                sqlite3_close(db);
                return r;
        }
        l = calloc(1, sizeof(*l));
        if (!l) {
                sqlite3_close(db);
                return set_err(err, n, -ENOMEM, "out of memory");
        }
        l->db = db;
        *ret = l;
        return 0;
}

int ledger_open(const char *state_dir, struct ledger **ret, char *err, size_t n)
{
        return ledger_open_full(state_dir, true, ret, err, n);
}

int ledger_open_reader(const char *state_dir, struct ledger **ret, char *err, size_t n)
{
        return ledger_open_full(state_dir, false, ret, err, n);
}

void ledger_close(struct ledger *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < _LEDGER_STMT_MAX; i++)
                sqlite3_finalize(l->stmt[i]);
        sqlite3_close(l->db);
        free(l);
}
