#include "diag.h"

#include <stdarg.h>

static int diag_push(struct diag_list *d, char *msg)
{
        if (d->n == d->cap) {
                size_t cap = d->cap ? d->cap * 2 : 8;
                char **m = realloc(d->msgs, cap * sizeof(*m));

                if (!m) {
                        free(msg);
                        return -ENOMEM;
                }
                d->msgs = m;
                d->cap = cap;
        }
        d->msgs[d->n++] = msg;
        return 0;
}

int diag_add(struct diag_list *d, const char *file, unsigned line, const char *fmt, ...)
{
        _cleanup_free_ char *reason = NULL;
        char *msg = NULL;
        va_list ap;
        int r;

        if (d->truncated)
                return 0;
        if (d->n >= DIAG_MAX) {
                d->truncated = true;
                msg = strdup("too many errors, the rest are not shown");
                return msg ? diag_push(d, msg) : -ENOMEM;
        }
        va_start(ap, fmt);
        r = vasprintf(&reason, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        if (line > 0)
                r = asprintf(&msg, "%s:%u: %s", file, line, reason);
        else
                r = asprintf(&msg, "%s: %s", file, reason);
        if (r < 0)
                return -ENOMEM;
        return diag_push(d, msg);
}

int diag_merge(struct diag_list *dst, struct diag_list *src)
{
        int r = 0;

        for (size_t i = 0; i < src->n; i++) {
                if (r == 0)
                        r = diag_push(dst, src->msgs[i]);
                else
                        free(src->msgs[i]);
        }
        dst->truncated = dst->truncated || src->truncated;
        free(src->msgs);
        *src = (struct diag_list){ 0 };
        return r;
}

void diag_print(const struct diag_list *d, FILE *f)
{
        for (size_t i = 0; i < d->n; i++)
                fprintf(f, "%s\n", d->msgs[i]);
}

void diag_clear(struct diag_list *d)
{
        for (size_t i = 0; i < d->n; i++)
                free(d->msgs[i]);
        free(d->msgs);
        *d = (struct diag_list){ 0 };
}
