/* Shared by the libFuzzer targets: the input as a NUL-terminated string. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The parsers take C strings: an embedded NUL simply ends the text, as it would for a file read with
 * read_file_at (which refuses NULs) or a request body cut short. */
static inline char *fuzz_strdup(const uint8_t *data, size_t size)
{
        char *s = malloc(size + 1);

        if (!s)
                abort();
        memcpy(s, data, size);
        s[size] = '\0';
        return s;
}
