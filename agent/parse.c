#include "parse.h"

#include <ctype.h>
#include <strings.h>

/* Digits of s into *ret; stops at the first non-digit and returns where. NULL when there is no digit. */
static const char *scan_u64(const char *s, uint64_t *ret, bool *ret_overflow)
{
        uint64_t v = 0;
        bool overflow = false;
        const char *p = s;

        for (; *p >= '0' && *p <= '9'; p++) {
                unsigned d = (unsigned)(*p - '0');

                if (v > (UINT64_MAX - d) / 10)
                        overflow = true;
                else
                        v = v * 10 + d;
        }
        if (p == s)
                return NULL;
        *ret = v;
        *ret_overflow = overflow;
        return p;
}

int parse_u64(const char *s, uint64_t *ret)
{
        uint64_t v;
        bool overflow;
        const char *end = scan_u64(s, &v, &overflow);

        if (!end || *end != '\0')
                return -EINVAL;
        if (overflow)
                return -ERANGE;
        *ret = v;
        return 0;
}

int parse_u64_range(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
        uint64_t v;
        int r = parse_u64(s, &v);

        if (r < 0)
                return r;
        if (v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

int parse_u32_hex_or_dec(const char *s, uint32_t *ret)
{
        uint64_t v = 0;

        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
                const char *p = s + 2;

                if (*p == '\0')
                        return -EINVAL;
                for (; *p; p++) {
                        if (!isxdigit((unsigned char)*p))
                                return -EINVAL;
                        if (v > UINT32_MAX)
                                continue; /* keep scanning: junk later is -EINVAL, not -ERANGE */
                        v = v * 16 + (uint64_t)(isdigit((unsigned char)*p)
                                                    ? *p - '0'
                                                    : tolower((unsigned char)*p) - 'a' + 10);
                }
        } else {
                int r = parse_u64(s, &v);

                if (r < 0)
                        return r;
        }
        if (v > UINT32_MAX)
                return -ERANGE;
        *ret = (uint32_t)v;
        return 0;
}

int parse_bool(const char *s, bool *ret)
{
        static const char *const yes[] = { "yes", "true", "on", "1" };
        static const char *const no[] = { "no", "false", "off", "0" };

        for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
                if (strcasecmp(s, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
                if (strcasecmp(s, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        }
        return -EINVAL;
}

/* "INT[.FRAC]" with at most max_frac fractional digits: the integer part, the fraction as an integer and its
 * number of digits. Returns the end of the number or NULL. */
static const char *scan_decimal(const char *s, unsigned max_frac, uint64_t *ret_int, uint64_t *ret_frac,
                                unsigned *ret_ndigits, bool *ret_overflow)
{
        uint64_t frac = 0;
        unsigned n = 0;
        const char *p = scan_u64(s, ret_int, ret_overflow);

        if (!p)
                return NULL;
        if (*p == '.') {
                p++;
                for (; *p >= '0' && *p <= '9'; p++, n++) {
                        if (n >= max_frac)
                                return NULL;
                        frac = frac * 10 + (uint64_t)(*p - '0');
                }
                if (n == 0)
                        return NULL;
        }
        *ret_frac = frac;
        *ret_ndigits = n;
        return p;
}

static uint64_t pow10_u64(unsigned n)
{
        uint64_t v = 1;

        while (n--)
                v *= 10;
        return v;
}

/* int.frac (n fractional digits) times mult, rounded down; -ERANGE on overflow. */
static int scale(uint64_t integer, uint64_t frac, unsigned n, uint64_t mult, uint64_t *ret)
{
        unsigned __int128 v = (unsigned __int128)integer * mult;

        v += (unsigned __int128)frac * mult / pow10_u64(n);
        if (v > UINT64_MAX)
                return -ERANGE;
        *ret = (uint64_t)v;
        return 0;
}

int parse_size(const char *s, uint64_t *ret)
{
        static const char units[] = "KMGT";
        uint64_t integer, frac, mult = 1;
        unsigned n;
        bool overflow;
        const char *p = scan_decimal(s, 9, &integer, &frac, &n, &overflow);
        const char *u;

        if (!p)
                return -EINVAL;
        if (*p && (u = strchr(units, toupper((unsigned char)*p)))) {
                mult = 1ull << (10 * (u - units + 1));
                p++;
                if (p[0] == 'i' && p[1] == 'B')
                        p++;
        }
        if (*p == 'B')
                p++;
        if (*p != '\0')
                return -EINVAL;
        if (n > 0 && mult == 1) /* a fraction of a byte */
                return -EINVAL;
        if (overflow)
                return -ERANGE;
        return scale(integer, frac, n, mult, ret);
}

int parse_duration_us(const char *s, uint64_t *ret)
{
        static const struct {
                const char *suffix;
                uint64_t us;
        } units[] = {
                { "us", 1 },         { "ms", 1000 },    { "s", 1000000 },
                { "min", 60000000 }, { "m", 60000000 }, { "h", 3600000000ull },
        };
        uint64_t integer, frac;
        unsigned n;
        bool overflow;
        const char *p = scan_decimal(s, 6, &integer, &frac, &n, &overflow);

        if (!p)
                return -EINVAL;
        for (size_t i = 0; i < ARRAY_SIZE(units); i++)
                if (streq(p, units[i].suffix)) {
                        if (overflow)
                                return -ERANGE;
                        return scale(integer, frac, n, units[i].us, ret);
                }
        return -EINVAL;
}

int parse_cpu_millis(const char *s, uint64_t *ret)
{
        uint64_t integer, frac, v;
        unsigned n;
        bool overflow;
        const char *p = scan_decimal(s, 3, &integer, &frac, &n, &overflow);
        int r;

        if (!p || *p != '\0')
                return -EINVAL;
        if (overflow)
                return -ERANGE;
        r = scale(integer, frac, n, 1000, &v);
        if (r < 0)
                return r;
        if (v == 0)
                return -ERANGE;
        *ret = v;
        return 0;
}

static void bitmap_set(struct cpu_bitmap *b, unsigned i)
{
        b->bits[i / 64] |= 1ull << (i % 64);
}

static bool bitmap_test(const struct cpu_bitmap *b, unsigned i)
{
        return b->bits[i / 64] & (1ull << (i % 64));
}

/* One CPU id: digits only, below CGM_MAX_CPUS. */
static const char *scan_cpu(const char *s, unsigned *ret, int *ret_err)
{
        uint64_t v;
        bool overflow;
        const char *p = scan_u64(s, &v, &overflow);

        if (!p) {
                *ret_err = -EINVAL;
                return NULL;
        }
        if (overflow || v >= CGM_MAX_CPUS) {
                *ret_err = -ERANGE;
                return NULL;
        }
        *ret = (unsigned)v;
        return p;
}

int parse_cpu_list(const char *s, struct cpu_bitmap *ret)
{
        struct cpu_bitmap b = { { 0 } };
        const char *p = s;
        int err = 0;

        if (*p == '\0')
                return -EINVAL;
        for (;;) {
                unsigned lo, hi;

                p = scan_cpu(p, &lo, &err);
                if (!p)
                        return err;
                hi = lo;
                if (*p == '-') {
                        p = scan_cpu(p + 1, &hi, &err);
                        if (!p)
                                return err;
                        if (hi < lo)
                                return -EINVAL;
                }
                for (unsigned i = lo; i <= hi; i++)
                        bitmap_set(&b, i);
                if (*p == '\0')
                        break;
                if (*p != ',')
                        return -EINVAL;
                p++;
        }
        *ret = b;
        return 0;
}

int cpu_list_format(const struct cpu_bitmap *b, char *buf, size_t n)
{
        size_t len = 0;

        if (n == 0)
                return -ENOBUFS;
        buf[0] = '\0';
        for (unsigned i = 0; i < CGM_MAX_CPUS; i++) {
                unsigned j = i;
                int k;

                if (!bitmap_test(b, i))
                        continue;
                while (j + 1 < CGM_MAX_CPUS && bitmap_test(b, j + 1))
                        j++;
                if (j == i)
                        k = snprintf(buf + len, n - len, "%s%u", len ? "," : "", i);
                else
                        k = snprintf(buf + len, n - len, "%s%u-%u", len ? "," : "", i, j);
                if (k < 0 || (size_t)k >= n - len) {
                        buf[0] = '\0';
                        return -ENOBUFS;
                }
                len += (size_t)k;
                i = j;
        }
        return 0;
}

bool cpu_bitmap_is_subset(const struct cpu_bitmap *a, const struct cpu_bitmap *b)
{
        for (size_t i = 0; i < ARRAY_SIZE(a->bits); i++)
                if (a->bits[i] & ~b->bits[i])
                        return false;
        return true;
}

bool cpu_bitmap_is_empty(const struct cpu_bitmap *b)
{
        for (size_t i = 0; i < ARRAY_SIZE(b->bits); i++)
                if (b->bits[i])
                        return false;
        return true;
}

static int parse_devnum_part(const char *s, size_t len, bool allow_wildcard, int64_t *ret)
{
        char buf[16];
        uint64_t v;
        int r;

        if (len == 0 || len >= sizeof(buf))
                return len == 0 ? -EINVAL : -ERANGE;
        memcpy(buf, s, len);
        buf[len] = '\0';
        if (streq(buf, "*")) {
                if (!allow_wildcard)
                        return -EINVAL;
                *ret = -1;
                return 0;
        }
        r = parse_u64(buf, &v);
        if (r < 0)
                return r;
        if (v > UINT32_MAX)
                return -ERANGE;
        *ret = (int64_t)v;
        return 0;
}

int parse_devnum(const char *s, bool allow_wildcard, int64_t *ret_major, int64_t *ret_minor)
{
        const char *colon = strchr(s, ':');
        int64_t major, minor;
        int r;

        if (!colon)
                return -EINVAL;
        r = parse_devnum_part(s, (size_t)(colon - s), allow_wildcard, &major);
        if (r < 0)
                return r;
        r = parse_devnum_part(colon + 1, strlen(colon + 1), allow_wildcard, &minor);
        if (r < 0)
                return r;
        *ret_major = major;
        *ret_minor = minor;
        return 0;
}
