#include "ini_load.h"

#include <ctype.h>
#include <fcntl.h>
#include <ini.h>

struct reader {
        const char *file;
        const char *pos; /* next unread byte of the text */
        unsigned line;   /* number of the line last handed to inih */
        char section[128];
        ini_kv_fn fn;
        void *userdata;
        struct diag_list *diag;
        int error; /* first fatal error from fn or from diag */
};

static void check_line_syntax(struct reader *rd, const char *s)
{
        const char *eq, *colon;
        size_t n;

        if (*s == '\0' || *s == ';' || *s == '#')
                return;
        if (*s == '[') {
                const char *end = strchr(s, ']');

                n = end ? (size_t)(end - s - 1) : 0;
                if (!end || n == 0)
                        rd->error = rd->error
                                        ?: diag_add(rd->diag, rd->file, rd->line,
                                                    "malformed section header (expected '[name]')");
                else if (n >= sizeof(rd->section))
                        rd->error =
                            rd->error ?: diag_add(rd->diag, rd->file, rd->line, "section name too long");
                return;
        }
        /* inih splits at the first '=' or ':'; values such as "c 1:3 rwm" need '=' to come first. */
        eq = strchr(s, '=');
        colon = strchr(s, ':');
        if (!eq || (colon && colon < eq))
                rd->error = rd->error ?: diag_add(rd->diag, rd->file, rd->line, "expected 'key = value'");
        else if (eq == s)
                rd->error = rd->error ?: diag_add(rd->diag, rd->file, rd->line, "missing key before '='");
}

/* inih's line source: hands out one line at a time, without its indentation, counting lines. */
static char *reader_gets(char *buf, int size, void *stream)
{
        struct reader *rd = stream;
        const char *start, *end;
        size_t len;

        if (*rd->pos == '\0')
                return NULL;
        start = rd->pos;
        end = strchr(start, '\n');
        if (!end)
                end = start + strlen(start);
        rd->pos = *end ? end + 1 : end;
        rd->line++;
        while (start < end && (*start == ' ' || *start == '\t'))
                start++;
        len = (size_t)(end - start);
        if (len > 0 && start[len - 1] == '\r')
                len--;
        if (len + 2 > (size_t)size) {
                rd->error = rd->error
                                ?: diag_add(rd->diag, rd->file, rd->line,
                                            "line too long (more than %d characters)", size - 2);
                len = 0; /* hand inih an empty line so its line count stays ours */
        }
        memcpy(buf, start, len);
        buf[len] = '\0';
        check_line_syntax(rd, buf);
        if (buf[0] == '[' && strchr(buf, ']')) {
                size_t n = (size_t)(strchr(buf, ']') - buf - 1);

                if (n > 0 && n < sizeof(rd->section) && rd->error == 0) {
                        memcpy(rd->section, buf + 1, n);
                        rd->section[n] = '\0';
                        rd->error = rd->fn(rd->userdata, strstrip(rd->section), NULL, NULL, rd->line);
                }
        }
        return buf;
}

static int reader_handler(void *user, const char *section, const char *name, const char *value)
{
        struct reader *rd = user;

        if (rd->error)
                return 0;
        rd->error = rd->fn(rd->userdata, section, name, value, rd->line);
        return rd->error == 0;
}

int ini_load_string(const char *file, const char *text, ini_kv_fn fn, void *userdata, struct diag_list *diag)
{
        struct reader rd = {
                .file = file,
                .pos = text,
                .fn = fn,
                .userdata = userdata,
                .diag = diag,
        };

        /* inih's own return value (the first line it could not parse) is already reported by
         * check_line_syntax, with every other such line. */
        (void)ini_parse_stream(reader_gets, &rd, reader_handler, &rd);
        return rd.error;
}

int ini_load_file(const char *path, size_t max, ini_kv_fn fn, void *userdata, struct diag_list *diag)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        r = read_file_at(AT_FDCWD, path, max, &text, &len);
        if (r == -EFBIG)
                return diag_add(diag, path, 0, "file too large (more than %zu bytes)", max) ?: r;
        if (r < 0)
                return diag_add(diag, path, 0, "cannot read: %s", strerror(-r)) ?: r;
        if (memchr(text, '\0', len))
                return diag_add(diag, path, 0, "not a text file (contains a NUL byte)") ?: -EINVAL;
        return ini_load_string(path, text, fn, userdata, diag);
}
