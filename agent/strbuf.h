/* A growable text buffer with a hard cap, for rendering responses. */
#pragma once

#include "util.h"

struct strbuf {
        char *buf;
        size_t len, cap, max;
        int err; /* first error (-ENOMEM, -EFBIG): later appends are dropped and the caller reports it once */
};

void strbuf_init(struct strbuf *sb, size_t max);
void strbuf_append(struct strbuf *sb, const char *s, size_t n);
void strbuf_puts(struct strbuf *sb, const char *s);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...) _printf_(2, 3);
/* Hand the text out (NUL-terminated); returns sb->err if any. */
int strbuf_take(struct strbuf *sb, char **ret, size_t *ret_len);
void strbuf_free(struct strbuf *sb);
