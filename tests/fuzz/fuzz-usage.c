/* libFuzzer target: GET /v1/usage through the real route code of agent/routes-usage.c (query filters: times
 * as unix seconds or RFC 3339, limit, after_seq, names; JSON or CSV by format= or Accept) and the real
 * renderers of agent/ledger-render.c (JSON, CSV quoting, the command as a JSON array from argv), with the
 * ledger stubbed: it returns one record built from the input.
 *
 * Input: lines. 0-7: since, until, limit, after_seq, tenant, policy, format, Accept (an empty line: absent);
 * 8: the task name; 9 on: the command's arguments. Checked: the handler returns 0 with a status; a JSON
 * answer parses; a CSV answer has as many fields in each row as in its header; the command is a JSON array.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>

#include "agent.h"
#include "fuzz-common.h"
#include "ledger.h"
#include "routes.h"

#define MAX_LINES 64

static const char *query[8]; /* since until limit after_seq tenant policy format accept */
static const char *name;
static char *argv_in[MAX_LINES];

static int query_index(const char *key)
{
        static const char *const keys[] = { "since",  "until",  "limit", "after_seq",
                                            "tenant", "policy", "format" };

        for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
                if (streq(keys[i], key))
                        return (int)i;
        return -1;
}

const char *http_query(const struct http_request *req, const char *key)
{
        int i = query_index(key);

        return i < 0 ? NULL : query[i];
}

const char *http_header(const struct http_request *req, const char *key)
{
        return strcasecmp(key, "Accept") == 0 ? query[7] : NULL;
}

const char *ledger_errmsg(const struct ledger *l)
{
        return "stub";
}

int ledger_totals(struct ledger *l, int (*cb)(const struct ledger_totals *t, void *userdata), void *userdata)
{
        return 0;
}

/* One record from the input: names as the agent would have them (valid names), the command from argv. */
int ledger_query(struct ledger *l, const struct ledger_filter *f,
                 int (*cb)(const struct ledger_record *r, void *userdata), void *userdata)
{
        static struct ledger_record rec;
        struct json_object *cmd;
        int r;

        if ((f->tenant && !name_is_valid(f->tenant)) || (f->policy && !name_is_valid(f->policy)))
                abort(); /* the route must have refused them */
        ledger_record_init(&rec);
        snprintf(rec.id, sizeof(rec.id), "0123456789ab");
        snprintf(rec.name, sizeof(rec.name), "%s", name ? name : "");
        snprintf(rec.policy, sizeof(rec.policy), "%s", f->policy ? f->policy : "web");
        snprintf(rec.tenant, sizeof(rec.tenant), "%s", f->tenant ? f->tenant : "acme");
        r = ledger_command_from_argv(argv_in, rec.command, sizeof(rec.command));
        if (r < 0 || r > 1)
                abort();
        cmd = json_tokener_parse(rec.command);
        if (!cmd || !json_object_is_type(cmd, json_type_array))
                abort();
        json_object_put(cmd);
        rec.start_ns = f->since_ns;
        rec.end_ns = f->until_ns;
        rec.cpu_ns = rec.cpu_user_ns = f->after_seq;
        rec.memory_peak_bytes = UINT64_MAX;
        rec.exit_known = f->limit & 1;
        rec.exit_signal = (int)(f->limit % 65);
        rec.seq = f->after_seq + 1;
        return cb(&rec, userdata) < 0 ? -ENOMEM : 1;
}

/* Fields of one CSV row starting at *p (RFC 4180); *p moves past its CRLF. -1 if malformed. */
static int csv_row_fields(const char **p, const char *end)
{
        const char *s = *p;
        int n = 1;
        bool quoted = false;

        for (; s < end; s++) {
                if (quoted) {
                        if (*s == '"' && s + 1 < end && s[1] == '"')
                                s++;
                        else if (*s == '"')
                                quoted = false;
                } else if (*s == '"') {
                        quoted = true;
                } else if (*s == ',') {
                        n++;
                } else if (*s == '\r' && s + 1 < end && s[1] == '\n') {
                        *p = s + 2;
                        return n;
                }
        }
        return -1; /* every row, the last included, ends with CRLF */
}

static void check_answer(const struct http_response *resp)
{
        if (!resp->body || resp->status < 200 || resp->status > 599)
                abort();
        if (resp->content_type && strncmp(resp->content_type, "text/csv", 8) == 0) {
                const char *p = resp->body, *end = resp->body + resp->len;
                int header = csv_row_fields(&p, end);

                while (p < end)
                        if (csv_row_fields(&p, end) != header)
                                abort();
        } else {
                struct json_object *o = json_tokener_parse(resp->body);

                if (!o)
                        abort();
                json_object_put(o);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct agent agent; /* only its ledger pointer is read, and given to the stub */
        struct http_response resp = { 0 };
        struct http_request req = { .method = "GET", .path = "/v1/usage" };
        char *text = fuzz_strdup(data, size), *line = text;
        size_t n = 0, a = 0;

        memset(query, 0, sizeof(query));
        name = NULL;
        while (line && n < MAX_LINES + 9) {
                char *next = strchr(line, '\n');

                if (next)
                        *next++ = '\0';
                if (n < 8)
                        query[n] = *line ? line : NULL;
                else if (n == 8)
                        name = line;
                else if (a < MAX_LINES - 1)
                        argv_in[a++] = line;
                n++;
                line = next;
        }
        argv_in[a] = NULL;
        if (route_usage(&agent, &req, NULL, &resp) != 0)
                abort();
        check_answer(&resp);
        free(resp.body);
        free(text);
        return 0;
}
