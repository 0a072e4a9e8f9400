/* The billing ledger: reads (usage records, checkpoints, totals). */
#include "ledger-internal.h"

#define STRINGIFY_(x) #x
#define STRINGIFY(x)  STRINGIFY_(x)

int ledger_column_text(sqlite3_stmt *st, int col, char *buf, size_t n)
{
        const unsigned char *s = sqlite3_column_text(st, col);
        int len = sqlite3_column_bytes(st, col);

        if (!s)
                return sqlite3_column_type(st, col) == SQLITE_NULL ? -EBADMSG : -ENOMEM;
        if ((size_t)len >= n || memchr(s, '\0', (size_t)len))
                return -EBADMSG;
        memcpy(buf, s, (size_t)len);
        buf[len] = '\0';
        return 0;
}

int ledger_row_to_record(sqlite3_stmt *st, struct ledger_record *r)
{
        int col = LEDGER_N_COUNTERS + 8, k;

        /* filled in place: a caller that gets an error ignores the whole record */
        memset(r, 0, sizeof(*r));
        r->seq = ledger_u64(st, 0);
        if ((k = ledger_column_text(st, 1, r->id, sizeof(r->id))) < 0 ||
            (k = ledger_column_text(st, 2, r->name, sizeof(r->name))) < 0 ||
            (k = ledger_column_text(st, 3, r->policy, sizeof(r->policy))) < 0 ||
            (k = ledger_column_text(st, 4, r->tenant, sizeof(r->tenant))) < 0 ||
            (k = ledger_column_text(st, 5, r->command, sizeof(r->command))) < 0)
                return k;
        r->start_ns = ledger_u64(st, 6);
        r->end_ns = ledger_u64(st, 7);
        for (size_t i = 0; i < LEDGER_N_COUNTERS; i++)
                *(uint64_t *)((char *)r + ledger_counters[i]) = ledger_u64(st, 8 + (int)i);
        if (sqlite3_column_type(st, col) != SQLITE_NULL) {
                r->exit_known = true;
                r->exit_code = sqlite3_column_int(st, col);
        }
        if (sqlite3_column_type(st, col + 1) != SQLITE_NULL) {
                r->exit_known = true;
                r->exit_signal = sqlite3_column_int(st, col + 1);
        }
        r->adopted = sqlite3_column_int(st, col + 2) != 0;
        r->recorded_ns = ledger_u64(st, col + 3);
        return 0;
}

/* Step through st, handing each row to take (< 0: fail, > 0: stop after this row). Returns the number of rows
 * taken or < 0; st is reset either way. */
static int each_row(struct ledger *l, sqlite3_stmt *st, int (*take)(sqlite3_stmt *st, void *ctx), void *ctx)
{
        int count = 0, rc, k = 0;

        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                k = take(st, ctx);
                if (k < 0)
                        break;
                count++;
                if (k > 0)
                        break;
        }
        if (k >= 0 && rc != SQLITE_ROW && rc != SQLITE_DONE)
                k = ledger_fail(l, rc);
        sqlite3_reset(st);
        return k < 0 ? k : count;
}

struct record_take {
        struct ledger_record *rec;
        int (*cb)(const struct ledger_record *r, void *userdata);
        void *userdata;
};

static int take_record(sqlite3_stmt *st, void *ctx)
{
        struct record_take *t = ctx;
        int k = ledger_row_to_record(st, t->rec);

        return k < 0 ? k : t->cb(t->rec, t->userdata);
}

/* Step through st, handing each row to cb as a record. Returns the number handed over or < 0. */
static int each_record(struct ledger *l, sqlite3_stmt *st,
                       int (*cb)(const struct ledger_record *r, void *userdata), void *userdata)
{
        _cleanup_free_ struct ledger_record *rec = malloc(sizeof(*rec)); /* 4 KiB+: not on the stack */
        struct record_take t = { rec, cb, userdata };

        if (!rec)
                return -ENOMEM;
        return each_row(l, st, take_record, &t);
}

static bool filter_name_ok(const char *s)
{
        return !s || s[0] == '\0' || name_is_valid(s);
}

/* A bad filter comes from a user (an HTTP query string): say what is wrong, for a 400 response. */
static int filter_check(struct ledger *l, const struct ledger_filter *f)
{
        const char *why = NULL;

        if (f->limit > LEDGER_QUERY_LIMIT_MAX)
                why = "limit above " STRINGIFY(LEDGER_QUERY_LIMIT_MAX);
        else if (!filter_name_ok(f->tenant))
                why = "bad tenant name";
        else if (!filter_name_ok(f->policy))
                why = "bad policy name";
        else if (f->until_ns != 0 && f->since_ns > f->until_ns)
                why = "since after until";
        if (!why)
                return 0;
        snprintf(l->errmsg, sizeof(l->errmsg), "invalid filter: %s", why);
        return -EINVAL;
}

int ledger_query(struct ledger *l, const struct ledger_filter *f,
                 int (*cb)(const struct ledger_record *r, void *userdata), void *userdata)
{
        static const struct ledger_filter none = { 0 };
        sqlite3_stmt *st;
        int k;

        if (!f)
                f = &none;
        k = filter_check(l, f);
        if (k < 0)
                return k;
        k = ledger_stmt(l, LEDGER_STMT_QUERY, &st);
        if (k < 0)
                return k;
        sqlite3_bind_int64(st, 1, ledger_i64(f->after_seq));
        sqlite3_bind_int64(st, 2, ledger_i64(f->since_ns));
        if (f->until_ns != 0)
                sqlite3_bind_int64(st, 3, ledger_i64(f->until_ns));
        if (f->tenant && f->tenant[0])
                sqlite3_bind_text(st, 4, f->tenant, -1, SQLITE_STATIC);
        if (f->policy && f->policy[0])
                sqlite3_bind_text(st, 5, f->policy, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 6, f->limit ? (int)f->limit : LEDGER_QUERY_LIMIT_DEFAULT);
        return each_record(l, st, cb, userdata);
}

int ledger_has_record(struct ledger *l, const char *id)
{
        sqlite3_stmt *st;
        int k, rc;

        if (!id || !name_is_valid(id))
                return -EINVAL;
        k = ledger_stmt(l, LEDGER_STMT_HAS_RECORD, &st);
        if (k < 0)
                return k;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc == SQLITE_ROW)
                return 1;
        if (rc == SQLITE_DONE)
                return 0;
        return ledger_fail(l, rc);
}

static int copy_one(const struct ledger_record *r, void *userdata)
{
        memcpy(userdata, r, sizeof(*r));
        return 1;
}

int ledger_get_checkpoint(struct ledger *l, const char *id, struct ledger_record *ret)
{
        _cleanup_free_ struct ledger_record *rec = malloc(sizeof(*rec));
        sqlite3_stmt *st;
        int k;

        if (!id || !name_is_valid(id))
                return -EINVAL;
        if (!rec)
                return -ENOMEM;
        k = ledger_stmt(l, LEDGER_STMT_GET_CHECKPOINT, &st);
        if (k < 0)
                return k;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        k = each_record(l, st, copy_one, rec);
        if (k > 0)
                memcpy(ret, rec, sizeof(*rec));
        return k;
}

int ledger_checkpoints(struct ledger *l, int (*cb)(const struct ledger_record *r, void *userdata),
                       void *userdata)
{
        sqlite3_stmt *st;
        int k = ledger_stmt(l, LEDGER_STMT_CHECKPOINTS, &st);

        return k < 0 ? k : each_record(l, st, cb, userdata);
}

static int row_to_totals(sqlite3_stmt *st, struct ledger_totals *t)
{
        uint64_t *counters[LEDGER_N_COUNTERS] = {
                &t->cpu_user_ns,         &t->cpu_system_ns, &t->cpu_ns,         &t->memory_peak_bytes,
                &t->memory_byte_seconds, &t->io_read_bytes, &t->io_write_bytes, &t->net_rx_bytes,
                &t->net_tx_bytes,        &t->oom_kills,     &t->frozen_ns,
        };
        int k;

        memset(t, 0, sizeof(*t));
        if ((k = ledger_column_text(st, 0, t->tenant, sizeof(t->tenant))) < 0 ||
            (k = ledger_column_text(st, 1, t->policy, sizeof(t->policy))) < 0)
                return k;
        t->tasks = ledger_u64(st, 2);
        t->wall_ns = ledger_u64(st, 3);
        for (size_t i = 0; i < LEDGER_N_COUNTERS; i++)
                *counters[i] = ledger_u64(st, 4 + (int)i);
        return 0;
}

struct totals_take {
        int (*cb)(const struct ledger_totals *t, void *userdata);
        void *userdata;
};

static int take_totals(sqlite3_stmt *st, void *ctx)
{
        struct totals_take *tt = ctx;
        struct ledger_totals t;
        int k = row_to_totals(st, &t);

        return k < 0 ? k : tt->cb(&t, tt->userdata);
}

int ledger_totals(struct ledger *l, int (*cb)(const struct ledger_totals *t, void *userdata), void *userdata)
{
        struct totals_take tt = { cb, userdata };
        sqlite3_stmt *st;
        int k = ledger_stmt(l, LEDGER_STMT_TOTALS, &st);

        return k < 0 ? k : each_row(l, st, take_totals, &tt);
}
