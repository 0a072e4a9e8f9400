/* The billing ledger: filling records from samples, and rendering them as JSON and CSV. One table of columns
 * drives both renderings, so the CSV header and the JSON keys cannot drift apart. */
#include "ledger.h"

#include <inttypes.h>
#include <sys/wait.h>

enum column_kind {
        COL_U64,
        COL_STRING,
        COL_COMMAND,
        COL_SECONDS, /* a uint64 nanosecond field, shown in seconds */
        COL_WALL,    /* end_ns - start_ns, in seconds */
        COL_EXIT_CODE,
        COL_EXIT_SIGNAL,
        COL_ADOPTED,
};

struct column {
        const char *name;
        enum column_kind kind;
        size_t off;
};

#define OFF(f) offsetof(struct ledger_record, f)

static const struct column columns[] = {
        { "seq", COL_U64, OFF(seq) },
        { "id", COL_STRING, OFF(id) },
        { "name", COL_STRING, OFF(name) },
        { "policy", COL_STRING, OFF(policy) },
        { "tenant", COL_STRING, OFF(tenant) },
        { "command", COL_COMMAND, OFF(command) },
        { "start_ns", COL_U64, OFF(start_ns) },
        { "end_ns", COL_U64, OFF(end_ns) },
        { "wall_seconds", COL_WALL, 0 },
        { "cpu_user_seconds", COL_SECONDS, OFF(cpu_user_ns) },
        { "cpu_system_seconds", COL_SECONDS, OFF(cpu_system_ns) },
        { "cpu_seconds", COL_SECONDS, OFF(cpu_ns) },
        { "memory_peak_bytes", COL_U64, OFF(memory_peak_bytes) },
        { "memory_byte_seconds", COL_U64, OFF(memory_byte_seconds) },
        { "io_read_bytes", COL_U64, OFF(io_read_bytes) },
        { "io_write_bytes", COL_U64, OFF(io_write_bytes) },
        { "net_rx_bytes", COL_U64, OFF(net_rx_bytes) },
        { "net_tx_bytes", COL_U64, OFF(net_tx_bytes) },
        { "oom_kills", COL_U64, OFF(oom_kills) },
        { "frozen_seconds", COL_SECONDS, OFF(frozen_ns) },
        { "exit_code", COL_EXIT_CODE, 0 },
        { "exit_signal", COL_EXIT_SIGNAL, 0 },
        { "adopted", COL_ADOPTED, 0 },
};

void ledger_record_init(struct ledger_record *r)
{
        memset(r, 0, sizeof(*r));
        strcpy(r->command, "[]");
}

void ledger_record_set_sample(struct ledger_record *r, const struct cg_sample *s)
{
        if (s->have & CG_HAVE_CPU_USAGE)
                r->cpu_ns = s->cpu.usage_ns;
        if (s->have & CG_HAVE_CPU_USER_SYSTEM) {
                r->cpu_user_ns = s->cpu.user_ns;
                r->cpu_system_ns = s->cpu.system_ns;
        }
        /* without a kernel peak the largest usage seen is the best lower bound */
        if ((s->have & CG_HAVE_MEM_MAX_USAGE) && s->memory.max_usage > r->memory_peak_bytes)
                r->memory_peak_bytes = s->memory.max_usage;
        if ((s->have & CG_HAVE_MEM_USAGE) && s->memory.usage > r->memory_peak_bytes)
                r->memory_peak_bytes = s->memory.usage;
        if (s->have & CG_HAVE_MEM_OOM_KILL)
                r->oom_kills = s->memory.oom_kill;
        if (s->have & CG_HAVE_IO) {
                r->io_read_bytes = s->io.rbytes;
                r->io_write_bytes = s->io.wbytes;
        }
        if (s->have & CG_HAVE_NET) {
                r->net_rx_bytes = s->net.rx_bytes;
                r->net_tx_bytes = s->net.tx_bytes;
        }
}

void ledger_record_set_exit(struct ledger_record *r, bool known, int wait_status)
{
        r->exit_known = known;
        r->exit_code = 0;
        r->exit_signal = 0;
        if (!known)
                return;
        if (WIFSIGNALED(wait_status))
                r->exit_signal = WTERMSIG(wait_status);
        else
                r->exit_code = WEXITSTATUS(wait_status);
}

/* One argument as a JSON string (json-c does the escaping). */
static const char *json_quote(struct json_object **holder, const char *arg)
{
        json_object_put(*holder);
        *holder = json_object_new_string(arg);
        if (!*holder)
                return NULL;
        return json_object_to_json_string_ext(*holder,
                                              JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

int ledger_command_from_argv(char *const *argv, char *buf, size_t n)
{
        static const char more[] = "\"...\"";
        struct json_object *holder = NULL;
        size_t len = 1;
        bool truncated = false;

        /* room for the "..." element at any point: [ , "..." ] */
        if (n < sizeof(more) + 2)
                return -EINVAL;
        buf[0] = '[';
        for (size_t i = 0; argv && argv[i]; i++) {
                const char *q = json_quote(&holder, argv[i]);
                size_t ql, need;

                if (!q) {
                        json_object_put(holder);
                        return -ENOMEM;
                }
                ql = strlen(q);
                /* this argument, its comma, "]" and the NUL, and unless it is the last one still room for
                 * ,"..." in case the next one does not fit */
                need = (i > 0) + ql + 2 + (argv[i + 1] ? sizeof(more) : 0);
                if (len + need > n) {
                        truncated = true;
                        break;
                }
                if (i > 0)
                        buf[len++] = ',';
                memcpy(buf + len, q, ql);
                len += ql;
        }
        json_object_put(holder);
        if (truncated) {
                if (len > 1)
                        buf[len++] = ',';
                memcpy(buf + len, more, sizeof(more) - 1);
                len += sizeof(more) - 1;
        }
        buf[len++] = ']';
        buf[len] = '\0';
        return truncated;
}

static uint64_t field_u64(const struct ledger_record *r, size_t off)
{
        return *(const uint64_t *)((const char *)r + off);
}

static void format_seconds(char *buf, size_t n, uint64_t ns)
{
        snprintf(buf, n, "%" PRIu64 ".%09" PRIu64, ns / 1000000000u, ns % 1000000000u);
}

static struct json_object *seconds_to_json(uint64_t ns)
{
        char secs[32];

        /* the text keeps every digit (json-c copies it); the double is only for json-c's own use */
        format_seconds(secs, sizeof(secs), ns);
        return json_object_new_double_s((double)ns / 1e9, secs);
}

static struct json_object *column_to_json(const struct ledger_record *r, const struct column *c)
{
        switch (c->kind) {
        case COL_U64:
                return json_object_new_uint64(field_u64(r, c->off));
        case COL_STRING:
                return json_object_new_string((const char *)r + c->off);
        case COL_COMMAND: {
                struct json_object *o = json_tokener_parse(r->command);

                if (o && json_object_is_type(o, json_type_array))
                        return o;
                json_object_put(o);
                return json_object_new_string(r->command);
        }
        case COL_SECONDS:
                return seconds_to_json(field_u64(r, c->off));
        case COL_WALL:
                return seconds_to_json(r->end_ns - r->start_ns);
        case COL_EXIT_CODE:
                return r->exit_known && r->exit_signal == 0 ? json_object_new_int(r->exit_code) : NULL;
        case COL_EXIT_SIGNAL:
                return r->exit_known && r->exit_signal > 0 ? json_object_new_int(r->exit_signal) : NULL;
        case COL_ADOPTED:
                return json_object_new_boolean(r->adopted);
        }
        return NULL;
}

static bool column_nullable(const struct ledger_record *r, const struct column *c)
{
        return (c->kind == COL_EXIT_CODE && !(r->exit_known && r->exit_signal == 0)) ||
               (c->kind == COL_EXIT_SIGNAL && !(r->exit_known && r->exit_signal > 0));
}

int ledger_record_to_json(const struct ledger_record *r, struct json_object **ret)
{
        struct json_object *o = json_object_new_object();

        if (!o)
                return -ENOMEM;
        for (size_t i = 0; i < ARRAY_SIZE(columns); i++) {
                struct json_object *v = column_to_json(r, &columns[i]);

                if ((!v && !column_nullable(r, &columns[i])) ||
                    json_object_object_add(o, columns[i].name, v) < 0) {
                        json_object_put(v);
                        json_object_put(o);
                        return -ENOMEM;
                }
        }
        *ret = o;
        return 0;
}

static int add_member(struct json_object *o, const char *key, struct json_object *v)
{
        if (!v || json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

int ledger_totals_to_json(const struct ledger_totals *t, struct json_object **ret)
{
        const struct {
                const char *name;
                uint64_t v;
                bool secs;
        } f[] = {
                { "tasks", t->tasks, false },
                { "wall_seconds", t->wall_ns, true },
                { "cpu_user_seconds", t->cpu_user_ns, true },
                { "cpu_system_seconds", t->cpu_system_ns, true },
                { "cpu_seconds", t->cpu_ns, true },
                { "memory_peak_bytes", t->memory_peak_bytes, false },
                { "memory_byte_seconds", t->memory_byte_seconds, false },
                { "io_read_bytes", t->io_read_bytes, false },
                { "io_write_bytes", t->io_write_bytes, false },
                { "net_rx_bytes", t->net_rx_bytes, false },
                { "net_tx_bytes", t->net_tx_bytes, false },
                { "oom_kills", t->oom_kills, false },
                { "frozen_seconds", t->frozen_ns, true },
        };
        struct json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        r = add_member(o, "tenant", json_object_new_string(t->tenant));
        if (r >= 0)
                r = add_member(o, "policy", json_object_new_string(t->policy));
        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(f); i++)
                r = add_member(o, f[i].name,
                               f[i].secs ? seconds_to_json(f[i].v) : json_object_new_uint64(f[i].v));
        if (r < 0) {
                json_object_put(o);
                return r;
        }
        *ret = o;
        return 0;
}

/* RFC 4180: quote a field that holds a separator, a quote or a line break, doubling the quotes. */
static void csv_field(struct strbuf *sb, const char *s)
{
        if (!strpbrk(s, ",\"\r\n")) {
                strbuf_puts(sb, s);
                return;
        }
        strbuf_append(sb, "\"", 1);
        for (const char *p = s; *p; p++) {
                if (*p == '"')
                        strbuf_append(sb, "\"", 1);
                strbuf_append(sb, p, 1);
        }
        strbuf_append(sb, "\"", 1);
}

void ledger_csv_header(struct strbuf *sb)
{
        for (size_t i = 0; i < ARRAY_SIZE(columns); i++) {
                if (i > 0)
                        strbuf_append(sb, ",", 1);
                strbuf_puts(sb, columns[i].name);
        }
        strbuf_append(sb, "\r\n", 2);
}

static void csv_column(struct strbuf *sb, const struct ledger_record *r, const struct column *c)
{
        char secs[32];

        switch (c->kind) {
        case COL_U64:
                strbuf_printf(sb, "%" PRIu64, field_u64(r, c->off));
                break;
        case COL_STRING:
        case COL_COMMAND:
                csv_field(sb, (const char *)r + c->off);
                break;
        case COL_SECONDS:
        case COL_WALL:
                format_seconds(secs, sizeof(secs),
                               c->kind == COL_WALL ? r->end_ns - r->start_ns : field_u64(r, c->off));
                strbuf_puts(sb, secs);
                break;
        case COL_EXIT_CODE:
                if (r->exit_known && r->exit_signal == 0)
                        strbuf_printf(sb, "%d", r->exit_code);
                break; /* empty field: unknown */
        case COL_EXIT_SIGNAL:
                if (r->exit_known && r->exit_signal > 0)
                        strbuf_printf(sb, "%d", r->exit_signal);
                break;
        case COL_ADOPTED:
                strbuf_puts(sb, r->adopted ? "1" : "0");
                break;
        }
}

void ledger_csv_record(struct strbuf *sb, const struct ledger_record *r)
{
        for (size_t i = 0; i < ARRAY_SIZE(columns); i++) {
                if (i > 0)
                        strbuf_append(sb, ",", 1);
                csv_column(sb, r, &columns[i]);
        }
        strbuf_append(sb, "\r\n", 2);
}
