#include "parse-cgroup.h"

#define NSEC_PER_USEC UINT64_C(1000)
#define NSEC_PER_SEC  UINT64_C(1000000000)

/* A piece of the input buffer; never NUL-terminated. */
struct span {
        const char *p;
        size_t n;
};

static bool span_eq(struct span s, const char *lit)
{
        size_t n = strlen(lit);

        return s.n == n && memcmp(s.p, lit, n) == 0;
}

/* Unsigned decimal, digits only, no sign or spaces; overflow is malformed. */
static int span_to_u64(struct span s, uint64_t *ret)
{
        uint64_t v = 0;

        if (s.n == 0)
                return -EINVAL;
        for (size_t i = 0; i < s.n; i++) {
                unsigned d = (unsigned char)s.p[i] - '0';

                if (d > 9)
                        return -EINVAL;
                if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, d, &v))
                        return -EINVAL;
        }
        *ret = v;
        return 0;
}

/* The kernel writes text; a NUL inside means the buffer is not what we think it is. */
static int check_buf(const char *buf, size_t len)
{
        if (!buf && len > 0)
                return -EINVAL;
        if (len > 0 && memchr(buf, '\0', len))
                return -EINVAL;
        return 0;
}

/* Next non-empty line of [*pos, end), without its '\n'. */
static bool next_line(const char **pos, const char *end, struct span *ret)
{
        while (*pos < end) {
                const char *nl = memchr(*pos, '\n', (size_t)(end - *pos));
                const char *stop = nl ? nl : end;
                struct span l = { *pos, (size_t)(stop - *pos) };

                *pos = nl ? nl + 1 : end;
                if (l.n > 0) {
                        *ret = l;
                        return true;
                }
        }
        return false;
}

/* Split the next space-separated token off the front of *line; an empty token means the line is used up. */
static struct span next_token(struct span *line)
{
        struct span t;
        size_t i = 0;

        while (i < line->n && line->p[i] == ' ')
                i++;
        t.p = line->p + i;
        while (i < line->n && line->p[i] != ' ')
                i++;
        t.n = (size_t)(line->p + i - t.p);
        line->p += i;
        line->n -= i;
        return t;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
        uint64_t r;

        return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

int cg_parse_u64_value(const char *buf, size_t len, uint64_t *ret)
{
        int r = check_buf(buf, len);

        if (r < 0)
                return r;
        if (len > 0 && buf[len - 1] == '\n')
                len--;
        return span_to_u64((struct span){ buf, len }, ret);
}

int cg_parse_flat_keyed(const char *buf, size_t len, const struct cg_key *keys, size_t n_keys,
                        uint64_t *ret_found)
{
        const char *pos = buf, *end = buf + len;
        uint64_t vals[64], found = 0;
        struct span line;
        int r;

        if (n_keys > ARRAY_SIZE(vals))
                return -EINVAL;
        r = check_buf(buf, len);
        if (r < 0)
                return r;
        while (next_line(&pos, end, &line)) {
                struct span key = next_token(&line), val = next_token(&line);
                size_t i;

                if (key.n == 0 || val.n == 0 || next_token(&line).n != 0)
                        return -EINVAL;
                for (i = 0; i < n_keys && !span_eq(key, keys[i].key); i++)
                        ;
                if (i == n_keys)
                        continue;
                if (found & (UINT64_C(1) << i))
                        return -EINVAL;
                r = span_to_u64(val, &vals[i]);
                if (r < 0)
                        return r;
                found |= UINT64_C(1) << i;
        }
        for (size_t i = 0; i < n_keys; i++)
                if (found & (UINT64_C(1) << i))
                        *keys[i].ret = vals[i];
        *ret_found = found;
        return 0;
}

/* Parse a flat keyed file in which the first n_required keys must all be present. */
static int parse_keyed_required(const char *buf, size_t len, const struct cg_key *keys, size_t n_keys,
                                size_t n_required, uint64_t *ret_found)
{
        uint64_t found, need = (UINT64_C(1) << n_required) - 1;
        int r = cg_parse_flat_keyed(buf, len, keys, n_keys, &found);

        if (r < 0)
                return r;
        if ((found & need) != need)
                return -EINVAL;
        *ret_found = found;
        return 0;
}

static int us_to_ns(uint64_t us, uint64_t *ret)
{
        return __builtin_mul_overflow(us, NSEC_PER_USEC, ret) ? -EINVAL : 0;
}

int cg_parse_cpu_stat_v1(const char *buf, size_t len, struct cg_sample *s)
{
        struct cg_sample t = *s;
        const struct cg_key keys[] = {
                { "nr_periods", &t.cpu.nr_periods },
                { "nr_throttled", &t.cpu.nr_throttled },
                { "throttled_time", &t.cpu.throttled_ns },
        };
        uint64_t found;
        int r = parse_keyed_required(buf, len, keys, ARRAY_SIZE(keys), ARRAY_SIZE(keys), &found);

        if (r < 0)
                return r;
        t.have |= CG_HAVE_CPU_THROTTLE;
        *s = t;
        return 0;
}

int cg_parse_cpu_stat_v2(const char *buf, size_t len, struct cg_sample *s)
{
        struct cg_sample t = *s;
        uint64_t usage, user, sys, throttled_us = 0, found;
        const struct cg_key keys[] = {
                { "usage_usec", &usage },
                { "user_usec", &user },
                { "system_usec", &sys },
                { "nr_periods", &t.cpu.nr_periods },
                { "nr_throttled", &t.cpu.nr_throttled },
                { "throttled_usec", &throttled_us },
        };
        int r = parse_keyed_required(buf, len, keys, ARRAY_SIZE(keys), 3, &found);

        if (r < 0)
                return r;
        if (us_to_ns(usage, &t.cpu.usage_ns) < 0 || us_to_ns(user, &t.cpu.user_ns) < 0 ||
            us_to_ns(sys, &t.cpu.system_ns) < 0)
                return -EINVAL;
        t.have |= CG_HAVE_CPU_USAGE | CG_HAVE_CPU_USER_SYSTEM;
        /* The throttling keys come with the cpu controller, all three together. */
        found >>= 3;
        if (found != 0 && found != 7)
                return -EINVAL;
        if (found == 7) {
                if (us_to_ns(throttled_us, &t.cpu.throttled_ns) < 0)
                        return -EINVAL;
                t.have |= CG_HAVE_CPU_THROTTLE;
        }
        *s = t;
        return 0;
}

int cg_parse_cpuacct_usage(const char *buf, size_t len, struct cg_sample *s)
{
        uint64_t v;
        int r = cg_parse_u64_value(buf, len, &v);

        if (r < 0)
                return r;
        s->cpu.usage_ns = v;
        s->have |= CG_HAVE_CPU_USAGE;
        return 0;
}

/* ticks * 1e9 / hz without overflowing the intermediate product where the result fits. */
static int ticks_to_ns(uint64_t ticks, uint64_t hz, uint64_t *ret)
{
        uint64_t whole;

        if (__builtin_mul_overflow(ticks / hz, NSEC_PER_SEC, &whole))
                return -EINVAL;
        if (__builtin_add_overflow(whole, (ticks % hz) * NSEC_PER_SEC / hz, ret))
                return -EINVAL;
        return 0;
}

int cg_parse_cpuacct_stat(const char *buf, size_t len, long clk_tck, struct cg_sample *s)
{
        uint64_t user, sys, found, user_ns, sys_ns;
        const struct cg_key keys[] = { { "user", &user }, { "system", &sys } };
        int r;

        if (clk_tck <= 0)
                return -EINVAL;
        r = parse_keyed_required(buf, len, keys, ARRAY_SIZE(keys), ARRAY_SIZE(keys), &found);
        if (r < 0)
                return r;
        if (ticks_to_ns(user, (uint64_t)clk_tck, &user_ns) < 0 ||
            ticks_to_ns(sys, (uint64_t)clk_tck, &sys_ns) < 0)
                return -EINVAL;
        s->cpu.user_ns = user_ns;
        s->cpu.system_ns = sys_ns;
        s->have |= CG_HAVE_CPU_USER_SYSTEM;
        return 0;
}

int cg_parse_memory_stat(const char *buf, size_t len, bool v2, uint64_t usage, struct cg_sample *s)
{
        uint64_t rss, cache, inactive_file, swap = 0, found;
        const struct cg_key keys_v1[] = {
                { "total_rss", &rss },
                { "total_cache", &cache },
                { "total_inactive_file", &inactive_file },
                { "total_swap", &swap }, /* only with swap accounting */
        };
        const struct cg_key keys_v2[] = {
                { "anon", &rss },
                { "file", &cache },
                { "inactive_file", &inactive_file },
        };
        int r = v2 ? parse_keyed_required(buf, len, keys_v2, ARRAY_SIZE(keys_v2), 3, &found)
                   : parse_keyed_required(buf, len, keys_v1, ARRAY_SIZE(keys_v1), 3, &found);

        if (r < 0)
                return r;
        if (found & (UINT64_C(1) << 3)) {
                s->memory.swap = swap;
                s->have |= CG_HAVE_MEM_SWAP;
        }
        s->memory.usage = usage;
        s->memory.working_set = usage > inactive_file ? usage - inactive_file : 0;
        s->memory.rss = rss;
        s->memory.cache = cache;
        s->have |= CG_HAVE_MEM_USAGE;
        return 0;
}

int cg_parse_memory_events(const char *buf, size_t len, struct cg_sample *s)
{
        struct cg_sample t = *s;
        const struct cg_key keys[] = {
                { "high", &t.memory.high },
                { "max", &t.memory.max },
                { "oom", &t.memory.oom },
                { "oom_kill", &t.memory.oom_kill },
                { "oom_group_kill", &t.memory.oom_group_kill },
        };
        uint64_t found;
        int r = parse_keyed_required(buf, len, keys, ARRAY_SIZE(keys), 4, &found);

        if (r < 0)
                return r;
        t.have |= CG_HAVE_MEM_EVENTS | CG_HAVE_MEM_OOM_KILL;
        if (found & (UINT64_C(1) << 4))
                t.have |= CG_HAVE_MEM_GROUP_KILL;
        *s = t;
        return 0;
}

int cg_parse_oom_control(const char *buf, size_t len, struct cg_sample *s)
{
        uint64_t disable, under, kills, found;
        const struct cg_key keys[] = {
                { "oom_kill_disable", &disable },
                { "under_oom", &under },
                { "oom_kill", &kills },
        };
        int r = parse_keyed_required(buf, len, keys, ARRAY_SIZE(keys), 2, &found);

        if (r < 0)
                return r;
        if (found & (UINT64_C(1) << 2)) {
                s->memory.oom_kill = kills;
                s->have |= CG_HAVE_MEM_OOM_KILL;
        }
        return 0;
}

/* "MAJ:MIN", each part a decimal that fits 32 bits. */
static int parse_devnum_span(struct span s, uint32_t *ret_major, uint32_t *ret_minor)
{
        const char *colon = memchr(s.p, ':', s.n);
        uint64_t maj, min;

        if (!colon)
                return -EINVAL;
        if (span_to_u64((struct span){ s.p, (size_t)(colon - s.p) }, &maj) < 0 ||
            span_to_u64((struct span){ colon + 1, s.n - (size_t)(colon + 1 - s.p) }, &min) < 0)
                return -EINVAL;
        if (maj > UINT32_MAX || min > UINT32_MAX)
                return -EINVAL;
        *ret_major = (uint32_t)maj;
        *ret_minor = (uint32_t)min;
        return 0;
}

/* The listed entry for a device, added if there is room; NULL when the list is full (the device then only
 * counts in the totals). */
static struct cg_io_device *io_device(struct cg_sample *s, uint32_t major, uint32_t minor, bool *ret_new)
{
        struct cg_io_device *d;

        *ret_new = false;
        for (unsigned i = 0; i < s->io.n_devices; i++)
                if (s->io.devices[i].major == major && s->io.devices[i].minor == minor)
                        return &s->io.devices[i];
        if (s->io.n_devices == CG_IO_MAX_DEVICES) {
                s->io.truncated = true;
                return NULL;
        }
        d = &s->io.devices[s->io.n_devices++];
        *d = (struct cg_io_device){ .major = major, .minor = minor };
        *ret_new = true;
        return d;
}

/* One io.stat line after the device: key=value tokens; the four counters we use are required. */
static int io_stat_counters(struct span line, uint64_t ret[4])
{
        static const char *const names[4] = { "rbytes", "wbytes", "rios", "wios" };
        unsigned found = 0;

        for (struct span tok = next_token(&line); tok.n > 0; tok = next_token(&line)) {
                const char *eq = memchr(tok.p, '=', tok.n);
                struct span key, val;
                unsigned i;

                if (!eq || eq == tok.p)
                        return -EINVAL;
                key = (struct span){ tok.p, (size_t)(eq - tok.p) };
                val = (struct span){ eq + 1, tok.n - key.n - 1 };
                for (i = 0; i < 4 && !span_eq(key, names[i]); i++)
                        ;
                if (i == 4)
                        continue; /* dbytes, dios, cost.*, io.latency's depth/avg_lat/...: not ours */
                if ((found & (1u << i)) || span_to_u64(val, &ret[i]) < 0)
                        return -EINVAL;
                found |= 1u << i;
        }
        return found == 0xf ? 0 : -EINVAL;
}

int cg_parse_io_stat(const char *buf, size_t len, struct cg_sample *s)
{
        const char *pos = buf, *end = buf + len;
        struct cg_sample t = *s;
        struct span line;
        int r = check_buf(buf, len);

        if (r < 0)
                return r;
        memset(&t.io, 0, sizeof(t.io));
        while (next_line(&pos, end, &line)) {
                struct span dev = next_token(&line);
                struct cg_io_device *d;
                uint32_t major, minor;
                uint64_t c[4];
                bool added;

                if (parse_devnum_span(dev, &major, &minor) < 0 || io_stat_counters(line, c) < 0)
                        return -EINVAL;
                d = io_device(&t, major, minor, &added);
                if (d && !added)
                        return -EINVAL; /* the same device twice */
                if (d)
                        *d = (struct cg_io_device){ major, minor, c[0], c[1], c[2], c[3] };
                t.io.rbytes = add_sat(t.io.rbytes, c[0]);
                t.io.wbytes = add_sat(t.io.wbytes, c[1]);
                t.io.rios = add_sat(t.io.rios, c[2]);
                t.io.wios = add_sat(t.io.wios, c[3]);
        }
        t.have |= CG_HAVE_IO;
        *s = t;
        return 0;
}

/* One "MAJ:MIN Op N" line of a v1 blkio file. */
static int blkio_line(struct cg_sample *t, struct span dev, struct span op, struct span val, bool bytes)
{
        bool is_read = span_eq(op, "Read"), is_write = span_eq(op, "Write"), added;
        struct cg_io_device *d;
        uint32_t major, minor;
        uint64_t v;

        if (parse_devnum_span(dev, &major, &minor) < 0 || val.n == 0)
                return -EINVAL;
        if (!is_read && !is_write)
                return 0; /* Sync, Async, Discard, Total: derived or not exported */
        if (span_to_u64(val, &v) < 0)
                return -EINVAL;
        d = io_device(t, major, minor, &added);
        if (bytes && is_read) {
                t->io.rbytes = add_sat(t->io.rbytes, v);
                if (d)
                        d->rbytes = v;
        } else if (bytes) {
                t->io.wbytes = add_sat(t->io.wbytes, v);
                if (d)
                        d->wbytes = v;
        } else if (is_read) {
                t->io.rios = add_sat(t->io.rios, v);
                if (d)
                        d->rios = v;
        } else {
                t->io.wios = add_sat(t->io.wios, v);
                if (d)
                        d->wios = v;
        }
        return 0;
}

int cg_parse_blkio_v1(const char *buf, size_t len, bool bytes, struct cg_sample *s)
{
        const char *pos = buf, *end = buf + len;
        struct cg_sample t = *s;
        struct span line;
        int r = check_buf(buf, len);

        if (r < 0)
                return r;
        while (next_line(&pos, end, &line)) {
                struct span a = next_token(&line), b = next_token(&line), c = next_token(&line);
                uint64_t total;

                if (next_token(&line).n != 0 || b.n == 0)
                        return -EINVAL;
                if (c.n == 0) {
                        /* The closing "Total N" over all devices. */
                        if (!span_eq(a, "Total") || span_to_u64(b, &total) < 0)
                                return -EINVAL;
                        continue;
                }
                r = blkio_line(&t, a, b, c, bytes);
                if (r < 0)
                        return r;
        }
        t.have |= CG_HAVE_IO;
        *s = t;
        return 0;
}

/* The total= of one "some"/"full" line; the avg fields are not ours (rates are computed from totals). */
static int pressure_total(struct span line, uint64_t *ret)
{
        bool found = false;

        for (struct span tok = next_token(&line); tok.n > 0; tok = next_token(&line)) {
                const char *eq = memchr(tok.p, '=', tok.n);
                struct span key;

                if (!eq || eq == tok.p)
                        return -EINVAL;
                key = (struct span){ tok.p, (size_t)(eq - tok.p) };
                if (!span_eq(key, "total"))
                        continue;
                if (found || span_to_u64((struct span){ eq + 1, tok.n - key.n - 1 }, ret) < 0)
                        return -EINVAL;
                found = true;
        }
        return found ? 0 : -EINVAL;
}

int cg_parse_pressure(const char *buf, size_t len, enum cg_psi_resource res, struct cg_sample *s)
{
        const char *pos = buf, *end = buf + len;
        uint64_t some = 0, full = 0;
        bool have_some = false, have_full = false;
        struct span line;
        int r = check_buf(buf, len);

        if (r < 0)
                return r;
        if ((unsigned)res >= _CG_PSI_MAX)
                return -EINVAL;
        while (next_line(&pos, end, &line)) {
                struct span kind = next_token(&line);
                bool is_some = span_eq(kind, "some");

                if (!is_some && !span_eq(kind, "full"))
                        continue;
                if (is_some ? have_some : have_full)
                        return -EINVAL;
                r = pressure_total(line, is_some ? &some : &full);
                if (r < 0)
                        return r;
                *(is_some ? &have_some : &have_full) = true;
        }
        if (!have_some)
                return -EINVAL;
        s->psi[res].some_us = some;
        s->have |= CG_HAVE_PSI_SOME(res);
        if (have_full) {
                s->psi[res].full_us = full;
                s->have |= CG_HAVE_PSI_FULL(res);
        }
        return 0;
}
