/* The JSON and text replies every route builds: no libmicrohttpd here, so that the fuzz targets
 * (tests/fuzz/fuzz-http.c, fuzz-usage.c) run the same code as the agent. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "util.h"

int http_reply_text(struct http_response *resp, unsigned status, const char *content_type, const char *text,
                    size_t len)
{
        char *b = malloc(len + 1);

        if (!b)
                return -ENOMEM;
        memcpy(b, text, len);
        b[len] = '\0';
        free(resp->body);
        *resp =
            (struct http_response){ .status = status, .content_type = content_type, .body = b, .len = len };
        return 0;
}

int http_reply_json(struct http_response *resp, unsigned status, struct json_object *obj)
{
        size_t len;
        const char *s;
        int r;

        if (!obj)
                return -ENOMEM;
        s = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
                                              &len);
        r = s ? http_reply_text(resp, status, "application/json", s, len) : -ENOMEM;
        if (r == 0) {
                /* end with a newline, for people reading curl output */
                char *b = realloc(resp->body, resp->len + 2);

                if (b) {
                        b[resp->len++] = '\n';
                        b[resp->len] = '\0';
                        resp->body = b;
                }
        }
        json_object_put(obj);
        return r;
}

int http_reply_error(struct http_response *resp, unsigned status, const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL;
        struct json_object *o, *e;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        o = json_object_new_object();
        e = json_object_new_object();
        if (!o || !e) {
                json_object_put(o);
                json_object_put(e);
                return -ENOMEM;
        }
        json_object_object_add(e, "status", json_object_new_int((int)status));
        json_object_object_add(e, "message", json_object_new_string(msg));
        json_object_object_add(o, "error", e);
        return http_reply_json(resp, status, o);
}
