/* The billing ledger: one durable record per task, checkpoints of running tasks, and per-(tenant, policy)
 * totals, in SQLite (WAL) at <state_dir>/ledger.db (mode 0600).
 *
 * How the task lifecycle uses it (on the event loop's thread, with the handle from ledger_open):
 * - Periodically, for each running task: fill a struct ledger_record (ledger_record_init, the task's
 *   identity, ledger_record_set_sample with the latest cg_sample, the task's own memory byte-seconds and
 *   frozen time, end_ns = now) and call ledger_checkpoint().
 * - At the end, after the final cg_sample is read and BEFORE the cgroup is removed: fill the record the
 *   same way plus end_ns and ledger_record_set_exit(), then call ledger_record_task(). Only when it returns
 *   >= 0 may the cgroup be removed. On < 0 (-ENOSPC, -EIO, -EBUSY, ...) nothing was written: keep the
 *   cgroup (its counters are the source of truth) and retry later, e.g. on the next tick.
 * - After a restart: ledger_has_record() tells whether an adopted task was already finalized (then only
 *   remove its cgroup); ledger_get_checkpoint() gives back the byte-seconds and frozen time accumulated
 *   before the restart. Finalizing twice is harmless: the second ledger_record_task() returns 0.
 * The HTTP thread must not use the event loop's handle: it opens its own with ledger_open_reader() (WAL
 * lets it read while the loop writes). A struct ledger is used by one thread at a time.
 *
 * Callbacks (cb) return 0 to go on, > 0 to stop (the call then returns the count so far), < 0 to fail
 * with that value. Errors are negative errno values; ledger_errmsg() holds the reason for the last
 * failure, for the caller to log or to put in a 400 response. Nothing here logs above debug. */
#pragma once

#include <json-c/json.h>

#include "collector.h"
#include "strbuf.h"
#include "util.h"

#define LEDGER_FILE            "ledger.db"
#define LEDGER_SCHEMA_VERSION  2
#define LEDGER_APPLICATION_ID  0x63676d6c /* "cgml": PRAGMA application_id, so a foreign file is refused */
#define LEDGER_BUSY_TIMEOUT_MS 1000       /* the event loop waits at most this long for a lock */

#define LEDGER_ID_MAX      64   /* including NUL; id, policy and tenant are name_is_valid() names */
#define LEDGER_NAME_MAX    64   /* including NUL */
#define LEDGER_COMMAND_MAX 4096 /* including NUL: the command as a JSON array of strings */

#define LEDGER_QUERY_LIMIT_DEFAULT 10000
#define LEDGER_QUERY_LIMIT_MAX     1000000

struct ledger;

/* Plain data. Counters are raw integers (ns, bytes); values above INT64_MAX are stored as INT64_MAX. */
struct ledger_record {
        char id[LEDGER_ID_MAX];
        char name[LEDGER_NAME_MAX];
        char policy[LEDGER_NAME_MAX];
        char tenant[LEDGER_NAME_MAX];
        char command[LEDGER_COMMAND_MAX]; /* JSON array of strings, see ledger_command_from_argv() */
        uint64_t start_ns, end_ns;        /* realtime; for a checkpoint end_ns is the time of the sample */
        uint64_t cpu_user_ns, cpu_system_ns;
        uint64_t cpu_ns; /* total usage (cpuacct.usage / usage_usec): not always user + system */
        uint64_t memory_peak_bytes;
        uint64_t memory_byte_seconds; /* integral of memory usage over time, kept by the task */
        uint64_t io_read_bytes, io_write_bytes;
        uint64_t net_rx_bytes, net_tx_bytes;
        uint64_t oom_kills;
        uint64_t frozen_ns;
        bool exit_known; /* false: exit_code and exit_signal are NULL (adopted tasks) */
        int exit_code;   /* when exit_known and exit_signal == 0 */
        int exit_signal; /* when exit_known: the signal that killed the main process, 0 if it exited */
        bool adopted;
        uint64_t seq; /* read back only: the record's position in the ledger (1, 2, ...), for paging */
        uint64_t recorded_ns; /* read back only: when it was written (for a checkpoint: last update) */
};

/* Sums over the final records of one (tenant, policy); they never go backwards. */
struct ledger_totals {
        char tenant[LEDGER_NAME_MAX];
        char policy[LEDGER_NAME_MAX];
        uint64_t tasks;
        uint64_t wall_ns;
        uint64_t cpu_user_ns, cpu_system_ns, cpu_ns;
        uint64_t memory_peak_bytes; /* the largest peak of any task, not a sum */
        uint64_t memory_byte_seconds;
        uint64_t io_read_bytes, io_write_bytes;
        uint64_t net_rx_bytes, net_tx_bytes;
        uint64_t oom_kills;
        uint64_t frozen_ns;
};

/* Records of tasks that ended in [since_ns, until_ns), in ledger order (seq). */
struct ledger_filter {
        uint64_t since_ns;  /* 0: no lower bound */
        uint64_t until_ns;  /* 0: no upper bound */
        const char *tenant; /* NULL or "": any */
        const char *policy; /* NULL or "": any */
        uint64_t after_seq; /* only records with seq > after_seq: page on from the last one seen */
        unsigned limit;     /* 0: LEDGER_QUERY_LIMIT_DEFAULT; above LEDGER_QUERY_LIMIT_MAX: -EINVAL */
};

/* Open (create) <state_dir>/ledger.db for writing, creating state_dir if needed, and migrate its schema in
 * one transaction. On failure err holds the reason. -EPROTONOSUPPORT: the file's schema is newer than this
 * code; -EBADMSG: not a cgmeter ledger (another application id or not a database). */
int ledger_open(const char *state_dir, struct ledger **ret, char *err, size_t n);
/* Open an existing ledger for queries only (another thread's handle). -EPROTONOSUPPORT when its schema is
 * not LEDGER_SCHEMA_VERSION (the writer migrates). */
int ledger_open_reader(const char *state_dir, struct ledger **ret, char *err, size_t n);
/* NULL is fine. */
void ledger_close(struct ledger *l);
/* Why the last call on this handle failed: SQLite's text, or what is invalid in a record or filter. */
const char *ledger_errmsg(const struct ledger *l);

/* The final record, durably (fsync), in one transaction with the totals and the removal of the checkpoint.
 * Returns 1 when written, 0 when the id already had a record (nothing changed), < 0 on error (nothing
 * changed either; -EINVAL: the record is invalid). */
int ledger_record_task(struct ledger *l, const struct ledger_record *r);
/* Upsert the latest usage of a running task (not fsynced: the last second may be lost on power failure).
 * Returns 1 when written, 0 when ignored because the task already has a final record. */
int ledger_checkpoint(struct ledger *l, const struct ledger_record *r);
/* 1 (and *ret filled, exit_known false) when id has a checkpoint, 0 when not, < 0 on error. */
int ledger_get_checkpoint(struct ledger *l, const char *id, struct ledger_record *ret);
/* Every checkpoint (running or lost tasks), e.g. to find tasks that vanished while the agent was down. */
int ledger_checkpoints(struct ledger *l, int (*cb)(const struct ledger_record *r, void *userdata),
                       void *userdata);
/* 1 when id has a final record, 0 when not, < 0 on error. */
int ledger_has_record(struct ledger *l, const char *id);

/* Returns the number of records passed to cb, or < 0 (-EINVAL: a bad filter). */
int ledger_query(struct ledger *l, const struct ledger_filter *f,
                 int (*cb)(const struct ledger_record *r, void *userdata), void *userdata);
/* Every (tenant, policy), sorted. Returns the number passed to cb, or < 0. */
int ledger_totals(struct ledger *l, int (*cb)(const struct ledger_totals *t, void *userdata), void *userdata);

/* Helpers to fill a record. */
void ledger_record_init(struct ledger_record *r);
/* The fields the sample has (its have-bits); others are left as they are. Memory peak only ever grows. */
void ledger_record_set_sample(struct ledger_record *r, const struct cg_sample *s);
/* From a wait status (struct task's exit_status), or unknown (adopted tasks). */
void ledger_record_set_exit(struct ledger_record *r, bool known, int wait_status);
/* Render argv as a JSON array into buf (n bytes). Arguments that do not fit are dropped and a last element
 * "..." says so: returns 1 then, 0 when complete, -EINVAL when n is too small for even "[\"...\"]". */
int ledger_command_from_argv(char *const *argv, char *buf, size_t n);

/* Rendering for the API. Seconds are exact decimals of the stored nanoseconds (9 digits). */
int ledger_record_to_json(const struct ledger_record *r, struct json_object **ret);
int ledger_totals_to_json(const struct ledger_totals *t, struct json_object **ret);
/* CSV (RFC 4180: CRLF line ends, fields with , " CR LF quoted, quotes doubled). The header names the same
 * columns as the JSON keys, in the same order. Errors are left in sb->err. */
void ledger_csv_header(struct strbuf *sb);
void ledger_csv_record(struct strbuf *sb, const struct ledger_record *r);
