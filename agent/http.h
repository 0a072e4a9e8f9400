/* HTTP listeners on libmicrohttpd, driven by the agent's event loop (no extra threads):
 * the read-only listener (GET /metrics, /healthz) and the control API (unix socket; TCP only with a token).
 */
#pragma once

#include <json-c/json.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "loop.h"

struct MHD_Connection;

enum http_listener { HTTP_READONLY, HTTP_CONTROL_UNIX, HTTP_CONTROL_TCP };

struct http_request {
        enum http_listener listener;
        const char *method;
        const char *path;
        const char *body; /* NUL-terminated; body_len bytes */
        size_t body_len;
        struct MHD_Connection *conn;
};

/* A streaming body of unknown length (chunked on HTTP/1.1, closed at the end on HTTP/1.0). read() copies up
 * to max bytes into buf and returns how many; 0 when it has nothing now (the connection then sleeps until
 * http_server_wake()); -1 to end the stream. free() releases cls once the connection is done. */
struct http_stream {
        ssize_t (*read)(void *cls, char *buf, size_t max);
        void (*free)(void *cls);
        void *cls;
        /* A body that ends by itself (a large answer sent as it is made, not a feed): read in 64 KiB blocks,
         * and the listener's idle timeout applies. Otherwise 4 KiB blocks and no timeout (the client
         * decides). */
        bool finite;
};

struct http_response {
        unsigned status;
        const char *content_type;
        char *body; /* owned; freed by the server */
        size_t len;
        struct http_stream stream; /* stream.read set: a streaming response (body unused) */
};

/* Fill resp; return 0 (resp holds the answer) or a negative errno (500 with a JSON error). */
typedef int (*http_handler_fn)(void *userdata, const struct http_request *req, struct http_response *resp);

struct http_server;

/* Start the listeners the config enables; errors are logged with what to do. */
int http_server_new(struct loop *l, const struct config *c, http_handler_fn handler, void *userdata,
                    struct http_server **ret);
void http_server_free(struct http_server *s);
/* If the control socket was removed (with its directory, say), make it again: 1 when it did, 0 if nothing was
 * to do, < 0 (logged) when it could not. Called on SIGHUP and on the agent's tick. */
int http_server_restore_socket(struct http_server *s, const struct config *c);

/* Let every sleeping stream read again (new data, or a check whether its client has gone). */
void http_server_wake(struct http_server *s);
/* Streams open now. */
size_t http_server_streams(const struct http_server *s);

/* A request's query argument, or NULL. */
const char *http_query(const struct http_request *req, const char *key);
/* A request header, or NULL. */
const char *http_header(const struct http_request *req, const char *key);

/* Set resp to a JSON body (takes a reference of obj and releases it). */
int http_reply_json(struct http_response *resp, unsigned status, struct json_object *obj);
/* Set resp to {"error": {"status": N, "message": "..."}}. */
int http_reply_error(struct http_response *resp, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Set resp to a text body (copied). */
int http_reply_text(struct http_response *resp, unsigned status, const char *content_type, const char *text,
                    size_t len);
