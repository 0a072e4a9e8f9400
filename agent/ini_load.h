/* The INI reader used for the agent config and for policies: inih does the parsing, this layer adds what an
 * operator needs: exact line numbers, syntax errors reported (not skipped), overlong lines refused, and
 * indentation ignored (inih would take an indented line as the continuation of the previous value). */
#pragma once

#include "diag.h"

/* Called at each section header (key == NULL, value == NULL) and for each key. Return 0 to go on (a
 * validation error is added to diag by the callee and is not fatal) or a negative errno to stop (-ENOMEM,
 * say). */
typedef int (*ini_kv_fn)(void *userdata, const char *section, const char *key, const char *value,
                         unsigned line);

/* Parse text; file names it in diagnostics. Syntax errors go to diag. Returns 0, or the callback's error. */
int ini_load_string(const char *file, const char *text, ini_kv_fn fn, void *userdata, struct diag_list *diag);
/* Read path (at most max bytes) and parse it as above. A file that cannot be read is a diag entry too; the
 * return value is then the negative errno. */
int ini_load_file(const char *path, size_t max, ini_kv_fn fn, void *userdata, struct diag_list *diag);
