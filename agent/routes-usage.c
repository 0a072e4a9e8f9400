/* /v1/usage: the billing ledger out, as JSON or CSV, with filters; /v1/usage/totals per tenant and policy. */
#include <time.h>

#include "log.h"
#include "parse.h"
#include "routes.h"

#define USAGE_MAX_BYTES (512u << 20)

/* "1700000000", "1700000000.5" (unix seconds) or "2026-11-29T12:00:00Z" (RFC 3339, UTC). */
static int parse_time_ns(const char *s, uint64_t *ret)
{
        struct tm tm = { 0 };
        const char *end;
        char *e;
        double d;

        if (strchr(s, 'T')) {
                end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
                if (!end || (strcmp(end, "Z") != 0 && strcmp(end, "+00:00") != 0))
                        return -EINVAL;
                {
                        time_t t = timegm(&tm);

                        if (t < 0 || t > 10000000000LL)
                                return -EINVAL;
                        *ret = (uint64_t)t * 1000000000ull;
                }
                return 0;
        }
        errno = 0;
        d = strtod(s, &e);
        if (errno || e == s || *e || !(d >= 0 && d <= 1e10)) /* written so that NaN fails too */
                return -EINVAL;
        *ret = (uint64_t)(d * 1e9);
        return 0;
}

struct usage_out {
        struct strbuf sb;
        struct json_object *arr;
        bool csv;
        uint64_t last_seq;
        size_t n;
};

static int usage_cb(const struct ledger_record *r, void *userdata)
{
        struct usage_out *u = userdata;
        struct json_object *o;

        u->last_seq = r->seq;
        u->n++;
        if (u->csv) {
                ledger_csv_record(&u->sb, r);
                return u->sb.err;
        }
        if (ledger_record_to_json(r, &o) < 0)
                return -ENOMEM;
        json_object_array_add(u->arr, o);
        return 0;
}

static int usage_filter(const struct http_request *req, struct ledger_filter *f, struct http_response *resp)
{
        const char *since = http_query(req, "since"), *until = http_query(req, "until");
        const char *limit = http_query(req, "limit"), *after = http_query(req, "after_seq");
        uint64_t v;

        *f = (struct ledger_filter){ .tenant = http_query(req, "tenant"),
                                     .policy = http_query(req, "policy") };
        if (since && parse_time_ns(since, &f->since_ns) < 0)
                return http_reply_error(resp, 400, "since: '%s' is not a time (unix seconds or RFC 3339 UTC)",
                                        since)
                           ?: -1;
        if (until && parse_time_ns(until, &f->until_ns) < 0)
                return http_reply_error(resp, 400, "until: '%s' is not a time (unix seconds or RFC 3339 UTC)",
                                        until)
                           ?: -1;
        if (limit) {
                if (parse_u64_range(limit, 1, LEDGER_QUERY_LIMIT_MAX, &v) < 0)
                        return http_reply_error(resp, 400, "limit: must be 1..%u", LEDGER_QUERY_LIMIT_MAX)
                                   ?: -1;
                f->limit = (unsigned)v;
        }
        if (after && parse_u64(after, &f->after_seq) < 0)
                return http_reply_error(resp, 400, "after_seq: '%s' is not a number", after) ?: -1;
        if ((f->tenant && !name_is_valid(f->tenant)) || (f->policy && !name_is_valid(f->policy)))
                return http_reply_error(resp, 400, "tenant and policy must be valid names") ?: -1;
        return 0;
}

int route_usage(struct agent *a, const struct http_request *req, const char *arg, struct http_response *resp)
{
        const char *accept = http_header(req, "Accept"), *fmt = http_query(req, "format");
        struct usage_out u = { .csv = (fmt && streq(fmt, "csv")) || (accept && strstr(accept, "text/csv")) };
        struct ledger_filter f;
        struct json_object *o;
        int r;

        if (usage_filter(req, &f, resp) != 0)
                return 0;
        strbuf_init(&u.sb, USAGE_MAX_BYTES);
        if (u.csv)
                ledger_csv_header(&u.sb);
        else if (!(u.arr = json_object_new_array()))
                return -ENOMEM;
        r = ledger_query(a->ledger, &f, usage_cb, &u);
        if (r < 0) {
                json_object_put(u.arr);
                strbuf_free(&u.sb);
                if (r == -EINVAL)
                        return http_reply_error(resp, 400, "%s", ledger_errmsg(a->ledger));
                if (r == -EFBIG)
                        return http_reply_error(resp, 413,
                                                "the answer would exceed %u MiB: use limit and after_seq",
                                                USAGE_MAX_BYTES >> 20);
                return http_reply_error(resp, 500, "reading the ledger failed: %s", ledger_errmsg(a->ledger));
        }
        if (u.csv) {
                free(resp->body);
                r = strbuf_take(&u.sb, &resp->body, &resp->len);
                if (r < 0)
                        return r;
                resp->status = 200;
                resp->content_type = "text/csv; charset=utf-8; header=present";
                return 0;
        }
        o = json_object_new_object();
        if (!o) {
                json_object_put(u.arr);
                return -ENOMEM;
        }
        json_object_object_add(o, "records", u.arr);
        json_object_object_add(o, "count", json_object_new_int64((int64_t)u.n));
        /* page on with after_seq=<this> while count == the limit */
        json_object_object_add(o, "last_seq", json_object_new_uint64(u.last_seq));
        return http_reply_json(resp, 200, o);
}

static int totals_cb(const struct ledger_totals *t, void *userdata)
{
        struct json_object *o;

        if (ledger_totals_to_json(t, &o) < 0)
                return -ENOMEM;
        json_object_array_add(userdata, o);
        return 0;
}

int route_usage_totals(struct agent *a, const struct http_request *req, const char *arg,
                       struct http_response *resp)
{
        struct json_object *arr = json_object_new_array();
        int r;

        if (!arr)
                return -ENOMEM;
        r = ledger_totals(a->ledger, totals_cb, arr);
        if (r < 0) {
                json_object_put(arr);
                return http_reply_error(resp, 500, "reading the ledger failed: %s", ledger_errmsg(a->ledger));
        }
        return http_reply_json(resp, 200, arr);
}
