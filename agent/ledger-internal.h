/* Shared by ledger.c (open, schema, writes) and ledger-query.c (reads). Not for other modules; tests use it
 * to reach the SQLite handle. */
#pragma once

#include <sqlite3.h>

#include "ledger.h"

/* The counter columns of tasks and checkpoints, in this order everywhere (SQL text and ledger_counters[]). */
#define LEDGER_COUNTER_COLUMNS                                                                               \
        "cpu_user_ns, cpu_system_ns, cpu_ns, memory_peak_bytes, memory_byte_seconds, io_read_bytes, "        \
        "io_write_bytes, net_rx_bytes, net_tx_bytes, oom_kills, frozen_ns"
#define LEDGER_N_COUNTERS 11
extern const size_t ledger_counters[LEDGER_N_COUNTERS]; /* offsets in struct ledger_record */

/* Forward migrations: entry v takes the schema from user_version v to v + 1. */
extern const char *const ledger_migrations[LEDGER_SCHEMA_VERSION];

enum ledger_stmt {
        LEDGER_STMT_BEGIN,
        LEDGER_STMT_COMMIT,
        LEDGER_STMT_ROLLBACK,
        LEDGER_STMT_SYNC_FULL,
        LEDGER_STMT_SYNC_NORMAL,
        LEDGER_STMT_INSERT_TASK,
        LEDGER_STMT_ADD_TOTALS,
        LEDGER_STMT_DELETE_CHECKPOINT,
        LEDGER_STMT_UPSERT_CHECKPOINT,
        LEDGER_STMT_HAS_RECORD,
        LEDGER_STMT_GET_CHECKPOINT,
        LEDGER_STMT_CHECKPOINTS,
        LEDGER_STMT_QUERY,
        LEDGER_STMT_TOTALS,
        _LEDGER_STMT_MAX,
};

struct ledger {
        sqlite3 *db;
        sqlite3_stmt *stmt[_LEDGER_STMT_MAX]; /* prepared on first use */
        char errmsg[256];
};

/* The statement, prepared and reset with no bindings. Returns 0 or a negative errno. */
int ledger_stmt(struct ledger *l, enum ledger_stmt which, sqlite3_stmt **ret);
/* Map an SQLite result code to a negative errno and keep SQLite's message in l->errmsg. */
int ledger_fail(struct ledger *l, int rc);
int ledger_errno(int rc);

/* SQLite integers are signed: larger counters saturate. */
static inline sqlite3_int64 ledger_i64(uint64_t v)
{
        return v > (uint64_t)INT64_MAX ? INT64_MAX : (sqlite3_int64)v;
}
static inline uint64_t ledger_u64(sqlite3_stmt *st, int col)
{
        sqlite3_int64 v = sqlite3_column_int64(st, col);

        return v < 0 ? 0 : (uint64_t)v;
}

/* Copy column col (text) into a fixed buffer; -EBADMSG when it does not fit (the ledger was edited by hand).
 */
int ledger_column_text(sqlite3_stmt *st, int col, char *buf, size_t n);
/* Read a row laid out as: seq, id, name, policy, tenant, command, start_ns, end_ns, counters, exit_code,
 * exit_signal, adopted, recorded_ns. */
int ledger_row_to_record(sqlite3_stmt *st, struct ledger_record *r);
/* Validation shared by writes: -EINVAL with a reason in l->errmsg. */
int ledger_record_validate(struct ledger *l, const struct ledger_record *r);
