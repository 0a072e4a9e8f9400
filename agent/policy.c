/* One policy file: defaults, the INI callback (sections, unknown and duplicate keys), the checks that need
 * the whole file, and the entry points. The value of each key is handled in policy-parse.c. */
#include "policy-internal.h"

#include <inttypes.h>
#include <stdarg.h>

#include "ini_load.h"

const char *const policy_ns_names[8] = { "mount", "uts", "ipc", "pid", "net", "user", "cgroup", "time" };

static const char *const section_names[] = {
        "policy",  "memory",   "cpu",        "cpuset", "blkio",    "devices", "freezer",
        "net_cls", "net_prio", "perf_event", "pids",   "pressure", "oom",
};

const char *policy_action_name(enum policy_action a)
{
        static const char *const names[] = {
                [POLICY_ACTION_RECORD] = "record", [POLICY_ACTION_FREEZE] = "freeze",
                [POLICY_ACTION_KILL] = "kill",     [POLICY_ACTION_RESTART] = "restart",
                [POLICY_ACTION_HOOK] = "hook",
        };

        if ((size_t)a >= ARRAY_SIZE(names))
                return "unknown";
        return names[a];
}

void policy_init(struct policy *p, const char *name)
{
        *p = (struct policy){
                .tenant = "default",
                .scope = POLICY_SCOPE_TASK,
                .namespaces = NS_MOUNT | NS_UTS | NS_IPC | NS_PID | NS_NET | NS_CGROUP,
                .init = true,
                .uid = POLICY_UNSET,
                .gid = POLICY_UNSET,
                .output = POLICY_OUTPUT_LOG,
                .hook_timeout_us = 5000000,
                .mem_limit = POLICY_UNSET,
                .mem_swap_limit = POLICY_UNSET,
                .mem_soft_limit = POLICY_UNSET,
                .oom_kill_disable = -1,
                .swappiness = POLICY_UNSET,
                .cpu_quota_us = POLICY_UNSET,
                .cpu_period_us = POLICY_UNSET,
                .cpu_shares = POLICY_UNSET,
                .cpu_weight = POLICY_UNSET,
                .cpu_burst_us = POLICY_UNSET,
                .blkio_weight = POLICY_UNSET,
                .devices_default = -1,
                .pids_max = POLICY_UNSET,
                .oom_action = POLICY_ACTION_RECORD,
                .restart_max = 3,
                .restart_backoff_us = 1000000,
        };
        snprintf(p->name, sizeof(p->name), "%s", name ? name : "");
}

static int policy_vbad(struct policy_parser *ps, enum policy_key_id key, unsigned line, const char *fmt,
                       va_list ap)
{
        _cleanup_free_ char *reason = NULL;
        int r;

        if (vasprintf(&reason, fmt, ap) < 0)
                return -ENOMEM;
        r = diag_add(&ps->diag, ps->file, line, "%s.%s: %s", policy_keys[key].section, policy_keys[key].name,
                     reason);
        return r < 0 ? r : -EINVAL;
}

int policy_bad(struct policy_parser *ps, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = policy_vbad(ps, ps->key, ps->line, fmt, ap);
        va_end(ap);
        return r;
}

int policy_bad_at(struct policy_parser *ps, enum policy_key_id key, unsigned line, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = policy_vbad(ps, key, line, fmt, ap);
        va_end(ap);
        return r;
}

/* Value helpers for policy-parse.c (see policy-internal.h). */

size_t policy_split_words(char *buf, char **words, size_t max)
{
        size_t n = 0;
        char *save = NULL;

        for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
                if (n == max)
                        return max + 1;
                words[n++] = w;
        }
        return n;
}

int policy_value_size(struct policy_parser *ps, const char *v, bool allow_max, uint64_t *ret)
{
        uint64_t bytes;
        int r;

        if (allow_max && streq(v, "max")) {
                *ret = POLICY_MAX;
                return 0;
        }
        r = parse_size(v, &bytes);
        if (r == -ERANGE || (r == 0 && bytes >= POLICY_MAX)) /* the two values that mean unset and max */
                return policy_bad(ps, "size '%s' is too large", v);
        if (r < 0)
                return policy_bad(
                    ps, "invalid size '%s' (expected a number with an optional K, M, G or T suffix)", v);
        *ret = bytes;
        return 0;
}

int policy_value_duration(struct policy_parser *ps, const char *v, uint64_t min, uint64_t max,
                          const char *range, uint64_t *ret)
{
        uint64_t us;
        int r = parse_duration_us(v, &us);

        if (r == -EINVAL)
                return policy_bad(
                    ps, "invalid duration '%s' (expected a number with a unit: us, ms, s, m or h)", v);
        if (r < 0 || us < min || us > max)
                return policy_bad(ps, "duration '%s' is out of range (%s)", v, range);
        *ret = us;
        return 0;
}

int policy_value_range(struct policy_parser *ps, const char *v, uint64_t min, uint64_t max, bool allow_max,
                       uint64_t *ret)
{
        int r;

        if (allow_max && streq(v, "max")) {
                *ret = POLICY_MAX;
                return 0;
        }
        r = parse_u64_range(v, min, max, ret);
        if (r == -ERANGE)
                return policy_bad(ps, "%s is out of range (%" PRIu64 "..%" PRIu64 "%s)", v, min, max,
                                  allow_max ? " or max" : "");
        if (r < 0)
                return policy_bad(ps, "invalid number '%s'%s", v,
                                  allow_max ? " (expected a number or max)" : "");
        return 0;
}

int policy_value_bool(struct policy_parser *ps, const char *v, bool *ret)
{
        if (parse_bool(v, ret) < 0)
                return policy_bad(ps, "invalid boolean '%s' (expected yes or no)", v);
        return 0;
}

int policy_value_choice(struct policy_parser *ps, const char *v, const char *const *names, size_t n,
                        const char *expected, int *ret)
{
        for (size_t i = 0; i < n; i++)
                if (names[i] && streq(v, names[i])) {
                        *ret = (int)i;
                        return 0;
                }
        return policy_bad(ps, "invalid value '%s' (expected %s)", v, expected);
}

int policy_value_action(struct policy_parser *ps, const char *v, enum policy_action *ret)
{
        static const char *const names[] = { "record", "freeze", "kill", "restart", "hook" };
        int i = 0, r = policy_value_choice(ps, v, names, ARRAY_SIZE(names),
                                           "record, freeze, kill, restart or hook", &i);

        if (r == 0)
                *ret = (enum policy_action)i;
        return r;
}

int policy_conflict(struct policy_parser *ps, enum policy_key_id other)
{
        if (ps->first[other] == 0)
                return 0;
        return policy_bad(ps, "conflicts with %s.%s (line %u): set one of them", policy_keys[other].section,
                          policy_keys[other].name, ps->first[other]);
}

/* Later entries past a limit are dropped silently: one message says it. */
int policy_too_many(struct policy_parser *ps, enum policy_key_id group, const char *what, size_t max)
{
        if (ps->limit_reported[group])
                return -EINVAL;
        ps->limit_reported[group] = true;
        return policy_bad(ps, "too many %s (at most %zu)", what, max);
}

static int on_section(struct policy_parser *ps, const char *section, unsigned line)
{
        for (size_t i = 0; i < ARRAY_SIZE(section_names); i++)
                if (streq(section, section_names[i])) {
                        ps->section = section_names[i];
                        ps->section_unknown = false;
                        return 0;
                }
        ps->section = NULL;
        ps->section_unknown = true;
        return diag_add(&ps->diag, ps->file, line, "unknown section [%s]", section);
}

static int on_key(void *userdata, const char *section, const char *key, const char *value, unsigned line)
{
        struct policy_parser *ps = userdata;
        size_t k;
        int r;

        if (!key)
                return on_section(ps, section, line);
        if (ps->section_unknown)
                return 0;
        if (!ps->section)
                return diag_add(&ps->diag, ps->file, line, "key '%s' is outside any section", key);
        for (k = 0; k < K__MAX; k++)
                if (streq(policy_keys[k].section, ps->section) && streq(policy_keys[k].name, key))
                        break;
        if (k == K__MAX)
                return diag_add(&ps->diag, ps->file, line, "unknown key '%s' in [%s]", key, ps->section);
        ps->key = (enum policy_key_id)k;
        ps->line = line;
        if (ps->first[k] && !policy_keys[k].repeatable) {
                r = policy_bad(ps, "duplicate key (first set at line %u)", ps->first[k]);
                return r == -EINVAL ? 0 : r;
        }
        if (!ps->first[k])
                ps->first[k] = line;
        r = policy_keys[k].parse(ps, value);
        return r == -EINVAL ? 0 : r;
}

/* A key of a set that needs another key or namespace: reported at the key's first line. */
static int need(struct policy_parser *ps, enum policy_key_id key, bool ok, const char *what)
{
        if (!ps->first[key] || ok)
                return 0;
        return policy_bad_at(ps, key, ps->first[key], "needs %s", what);
}

/* Validation errors are reported and done with; only a failure to report (-ENOMEM) stops. */
static int fatal(int r)
{
        return r == -EINVAL ? 0 : r;
}

static int finish_policy(struct policy_parser *ps)
{
        struct policy *p = ps->p;
        const char *user_ns = "the user namespace (add user to policy.namespaces)";
        int r;

        if (!ps->first[K_POLICY_INIT])
                p->init = p->namespaces & NS_PID;
        r = fatal(need(ps, K_POLICY_HOSTNAME, p->namespaces & NS_UTS,
                       "the uts namespace (add uts to policy.namespaces)")) ?:
            fatal(need(ps, K_POLICY_INIT, !p->init || (p->namespaces & NS_PID),
                       "the pid namespace (add pid to policy.namespaces, or set init = no)")) ?:
            fatal(need(ps, K_POLICY_UID_MAP, p->namespaces & NS_USER, user_ns)) ?:
            fatal(need(ps, K_POLICY_GID_MAP, p->namespaces & NS_USER, user_ns)) ?:
            fatal(need(ps, K_OOM_ACTION, p->oom_action != POLICY_ACTION_HOOK || p->hook[0],
                       "policy.hook for the hook action"));
        for (size_t i = 0; r == 0 && i < p->n_triggers; i++)
                if (p->triggers[i].action == POLICY_ACTION_HOOK && !p->hook[0])
                        r = fatal(policy_bad_at(ps, K_PRESSURE_CPU + p->triggers[i].resource,
                                                p->triggers[i].line,
                                                "needs policy.hook for the hook action"));
        return r;
}

static int finish_memory(struct policy_parser *ps)
{
        struct policy *p = ps->p;
        int r = fatal(need(ps, K_MEMORY_SWAP_LIMIT, ps->first[K_MEMORY_LIMIT], "memory.limit"));

        if (r == 0 && ps->first[K_MEMORY_LIMIT] && p->mem_swap_limit != POLICY_UNSET &&
            p->mem_limit != POLICY_UNSET && p->mem_swap_limit < p->mem_limit)
                r = policy_bad_at(ps, K_MEMORY_SWAP_LIMIT, ps->first[K_MEMORY_SWAP_LIMIT],
                                  "must be at least memory.limit (line %u): it counts memory plus swap",
                                  ps->first[K_MEMORY_LIMIT]);
        return fatal(r);
}

static int finish_cpu(struct policy_parser *ps)
{
        struct policy *p = ps->p;
        bool quota = ps->first[K_CPU_QUOTA] || ps->first[K_CPU_QUOTA_US];
        int r = 0;

        if (ps->quota_millis) {
                uint64_t period = p->cpu_period_us != POLICY_UNSET ? p->cpu_period_us : 100000;
                uint64_t us = ps->quota_millis * period / 1000; /* may wrap: checked below */

                if (ps->quota_millis > UINT64_MAX / 1000000 || us < 1000 || us > (1ull << 40))
                        r = fatal(policy_bad_at(ps, K_CPU_QUOTA, ps->first[K_CPU_QUOTA],
                                                "%" PRIu64 ".%03" PRIu64 " CPUs of a %" PRIu64
                                                "us period is out of range (1000us..1099511627776us)",
                                                ps->quota_millis / 1000, ps->quota_millis % 1000, period));
                else
                        p->cpu_quota_us = us;
        }
        if (p->cpu_quota_us != POLICY_UNSET && p->cpu_period_us == POLICY_UNSET)
                p->cpu_period_us = 100000;
        if (r == 0 && p->cpu_burst_us != POLICY_UNSET) {
                if (!quota || p->cpu_quota_us == POLICY_MAX)
                        r = policy_bad_at(ps, K_CPU_BURST, ps->first[K_CPU_BURST],
                                          "needs a quota (cpu.quota or cpu.quota_us)");
                else if (p->cpu_quota_us != POLICY_UNSET && p->cpu_burst_us > p->cpu_quota_us)
                        r = policy_bad_at(ps, K_CPU_BURST, ps->first[K_CPU_BURST],
                                          "%" PRIu64 "us is more than the quota (%" PRIu64 "us per period)",
                                          p->cpu_burst_us, p->cpu_quota_us);
        }
        return fatal(r);
}

static int finish_devices(struct policy_parser *ps)
{
        unsigned a = ps->first[K_DEVICES_ALLOW], d = ps->first[K_DEVICES_DENY];
        enum policy_key_id first = (a && (!d || a < d)) ? K_DEVICES_ALLOW : K_DEVICES_DENY;

        if (ps->first[K_DEVICES_DEFAULT] || (!a && !d))
                return 0;
        return fatal(policy_bad_at(ps, first, ps->first[first], "needs devices.default (allow or deny)"));
}

/* The line of "file:line: ..." (0 for "file: ..."), to sort a file's messages. */
static unsigned diag_line(const char *file, const char *msg)
{
        size_t n = strlen(file);
        unsigned line = 0;

        if (strncmp(msg, file, n) != 0 || msg[n] != ':')
                return 0;
        for (const char *c = msg + n + 1; *c >= '0' && *c <= '9'; c++)
                line = line * 10 + (unsigned)(*c - '0');
        return line;
}

/* Stable insertion sort: messages in line order, as an operator reads the file; few per file. */
static void diag_sort(struct diag_list *d, const char *file)
{
        for (size_t i = 1; i < d->n; i++) {
                char *m = d->msgs[i];
                unsigned l = diag_line(file, m);
                size_t j = i;

                for (; j > 0 && diag_line(file, d->msgs[j - 1]) > l; j--)
                        d->msgs[j] = d->msgs[j - 1];
                d->msgs[j] = m;
        }
}

/* "dir/web.ini" -> "web" */
static void default_name(const char *file, char *buf, size_t n)
{
        const char *base = strrchr(file, '/');
        size_t len;

        base = base ? base + 1 : file;
        len = strlen(base);
        if (len > 4 && streq(base + len - 4, ".ini"))
                len -= 4;
        snprintf(buf, n, "%.*s", (int)len, base);
}

static int finish(struct policy_parser *ps)
{
        int r = finish_policy(ps);

        r = r ?: finish_memory(ps);
        r = r ?: finish_cpu(ps);
        r = r ?: finish_devices(ps);
        if (r == 0 && !ps->first[K_POLICY_NAME] && !name_is_valid(ps->p->name))
                r = diag_add(&ps->diag, ps->file, 0,
                             "'%s' is not a valid policy name (rename the file or set [policy] name)",
                             ps->p->name);
        return r;
}

/* text NULL: read file. */
static int parse(const char *file, const char *text, const struct policy_host *host, struct policy *ret,
                 struct diag_list *diag)
{
        _cleanup_free_ struct policy *p = malloc(sizeof(*p));
        _cleanup_free_ struct policy_parser *ps = calloc(1, sizeof(*ps));
        char name[POLICY_NAME_MAX + 8];
        int r, r2;

        if (!p || !ps)
                return -ENOMEM;
        if (strlen(file) >= sizeof(p->file))
                return diag_add(diag, file, 0, "path too long") ?: -ENAMETOOLONG;
        default_name(file, name, sizeof(name));
        policy_init(p, name);
        snprintf(p->file, sizeof(p->file), "%s", file);
        *ps = (struct policy_parser){ .file = file, .host = host ?: policy_host_system(), .p = p };
        if (text)
                r = ini_load_string(file, text, on_key, ps, &ps->diag);
        else
                r = ini_load_file(file, POLICY_FILE_MAX, on_key, ps, &ps->diag);
        if (r == 0)
                r = finish(ps);
        diag_sort(&ps->diag, file);
        if (r == 0 && ps->diag.n > 0)
                r = -EINVAL;
        r2 = diag_merge(diag, &ps->diag);
        if (r == 0 && r2 < 0)
                r = r2;
        if (r < 0)
                return r;
        *ret = *p;
        return 0;
}

int policy_parse_string(const char *file, const char *text, const struct policy_host *host,
                        struct policy *ret, struct diag_list *diag)
{
        if (!text)
                return -EINVAL;
        return parse(file, text, host, ret, diag);
}

int policy_parse_file(const char *path, const struct policy_host *host, struct policy *ret,
                      struct diag_list *diag)
{
        return parse(path, NULL, host, ret, diag);
}
