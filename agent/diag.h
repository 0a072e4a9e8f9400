/* Diagnostics collected while parsing config and policies: every error of a run, each as "file:line: reason".
 */
#pragma once

#include "util.h"

#define DIAG_MAX 1000 /* past this, one last "too many errors" entry is kept */

struct diag_list {
        char **msgs;
        size_t n;
        size_t cap;
        bool truncated;
};

/* Add "file:line: reason" (line 0 omits the line: "file: reason"). Returns 0 or -ENOMEM. */
int diag_add(struct diag_list *d, const char *file, unsigned line, const char *fmt, ...) _printf_(4, 5);
/* Move every message of src to the end of dst; src is left empty. */
int diag_merge(struct diag_list *dst, struct diag_list *src);
void diag_print(const struct diag_list *d, FILE *f);
void diag_clear(struct diag_list *d);
static inline size_t diag_count(const struct diag_list *d)
{
        return d->n;
}
