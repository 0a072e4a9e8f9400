#include "strbuf.h"

#include <stdarg.h>

void strbuf_init(struct strbuf *sb, size_t max)
{
        *sb = (struct strbuf){ .max = max };
}

static bool strbuf_reserve(struct strbuf *sb, size_t n)
{
        size_t want;
        char *nb;

        if (sb->err)
                return false;
        if (sb->len + n + 1 > sb->max) {
                sb->err = -EFBIG;
                return false;
        }
        if (sb->len + n + 1 <= sb->cap)
                return true;
        want = sb->cap ? sb->cap : 4096;
        while (want < sb->len + n + 1)
                want *= 2;
        nb = realloc(sb->buf, want);
        if (!nb) {
                sb->err = -ENOMEM;
                return false;
        }
        sb->buf = nb;
        sb->cap = want;
        return true;
}

void strbuf_append(struct strbuf *sb, const char *s, size_t n)
{
        if (!strbuf_reserve(sb, n))
                return;
        memcpy(sb->buf + sb->len, s, n);
        sb->len += n;
        sb->buf[sb->len] = '\0';
}

void strbuf_puts(struct strbuf *sb, const char *s)
{
        strbuf_append(sb, s, strlen(s));
}

void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (sb->err)
                return;
        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0 || !strbuf_reserve(sb, (size_t)n))
                return;
        va_start(ap, fmt);
        vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
        sb->len += (size_t)n;
}

int strbuf_take(struct strbuf *sb, char **ret, size_t *ret_len)
{
        if (sb->err) {
                strbuf_free(sb);
                return sb->err;
        }
        if (!strbuf_reserve(sb, 0))
                return sb->err;
        *ret = TAKE_PTR(sb->buf);
        *ret_len = sb->len;
        *sb = (struct strbuf){ .max = sb->max };
        return 0;
}

void strbuf_free(struct strbuf *sb)
{
        free(sb->buf);
        sb->buf = NULL;
        sb->len = sb->cap = 0;
}
