#include "http.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "log.h"
#include "util.h"

#define HTTP_TOKEN_MAX 4096

struct http_listener_state {
        struct http_server *server;
        enum http_listener kind;
        struct MHD_Daemon *daemon;
        struct loop_source *source;
        /* token bucket for the control listeners */
        double tokens;
        uint64_t last_refill_ns;
};

struct http_server {
        struct loop *loop;
        http_handler_fn handler;
        void *userdata;
        size_t max_body;
        uint64_t rate_limit;
        char token[HTTP_TOKEN_MAX];
        size_t token_len;
        char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
        char *tls_cert, *tls_key;
        struct http_listener_state listeners[3];
        struct http_stream_conn *streams;
        size_t n_streams;
        bool stopping; /* http_server_free() runs: a stream made now ends at once */
};

/* A connection answering with a stream: suspended while the stream has nothing to say. */
struct http_stream_conn {
        struct http_server *server;
        struct MHD_Connection *conn;
        struct http_stream st;
        bool suspended, closing;
        struct http_stream_conn *next;
};

/* Per-request state: the body being received. */
struct http_upload {
        char *buf;
        size_t len;
        bool too_large;
};

static const char *const listener_names[] = {
        [HTTP_READONLY] = "read-only",
        [HTTP_CONTROL_UNIX] = "control (unix)",
        [HTTP_CONTROL_TCP] = "control (tcp)",
};

const char *http_query(const struct http_request *req, const char *key)
{
        return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *http_header(const struct http_request *req, const char *key)
{
        return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, key);
}

/* A suspended connection does not notice its client going: look at the socket before each read. */
static bool http_peer_gone(struct MHD_Connection *conn)
{
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        char b;
        ssize_t n;

        if (!ci)
                return false;
        n = recv(ci->connect_fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

static ssize_t http_stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
        struct http_stream_conn *sc = cls;
        ssize_t n;

        if (sc->closing || http_peer_gone(sc->conn))
                return MHD_CONTENT_READER_END_OF_STREAM;
        n = sc->st.read(sc->st.cls, buf, max);
        if (n < 0)
                return MHD_CONTENT_READER_END_OF_STREAM;
        if (n == 0) {
                /* nothing to send: sleep until http_server_wake() rather than be asked again at once */
                MHD_suspend_connection(sc->conn);
                sc->suspended = true;
        }
        return n;
}

static void http_stream_free(void *cls)
{
        struct http_stream_conn *sc = cls;
        struct http_server *s = sc->server;

        for (struct http_stream_conn **pp = &s->streams; *pp; pp = &(*pp)->next)
                if (*pp == sc) {
                        *pp = sc->next;
                        s->n_streams--;
                        break;
                }
        if (sc->st.free)
                sc->st.free(sc->st.cls);
        free(sc);
}

static enum MHD_Result http_send_stream(struct http_server *s, struct MHD_Connection *conn,
                                        struct http_response *resp)
{
        struct http_stream_conn *sc = calloc(1, sizeof(*sc));
        struct MHD_Response *r;
        enum MHD_Result ret;

        if (!sc) {
                if (resp->stream.free)
                        resp->stream.free(resp->stream.cls);
                return MHD_NO;
        }
        *sc = (struct http_stream_conn){
                .server = s, .conn = conn, .st = resp->stream, .closing = s->stopping
        };
        resp->stream = (struct http_stream){ 0 };
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, sc->st.finite ? 64 * 1024 : 4096,
                                              http_stream_reader, sc, http_stream_free);
        if (!r) {
                if (sc->st.free)
                        sc->st.free(sc->st.cls);
                free(sc);
                return MHD_NO;
        }
        sc->next = s->streams;
        s->streams = sc;
        s->n_streams++;
        if (resp->content_type)
                MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
        /* a feed lasts as long as its client wants: it is checked on each wake instead of timing out */
        if (!sc->st.finite)
                MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned int)0);
        ret = MHD_queue_response(conn, resp->status, r);
        MHD_destroy_response(r);
        return ret;
}

void http_server_wake(struct http_server *s)
{
        for (struct http_stream_conn *sc = s->streams; sc; sc = sc->next)
                if (sc->suspended) {
                        sc->suspended = false;
                        MHD_resume_connection(sc->conn);
                }
}

size_t http_server_streams(const struct http_server *s)
{
        return s->n_streams;
}

static enum MHD_Result http_send(struct MHD_Connection *conn, struct http_response *resp)
{
        struct MHD_Response *r;
        enum MHD_Result ret;

        if (!resp->body && http_reply_error(resp, 500, "out of memory") < 0)
                return MHD_NO;
        r = MHD_create_response_from_buffer(resp->len, resp->body, MHD_RESPMEM_MUST_FREE);
        if (!r) {
                free(resp->body);
                return MHD_NO;
        }
        resp->body = NULL;
        if (resp->content_type)
                MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
        ret = MHD_queue_response(conn, resp->status, r);
        MHD_destroy_response(r);
        return ret;
}

static bool token_matches(const struct http_server *s, const char *auth)
{
        const char *given;
        size_t n;
        unsigned char diff = 0;

        if (!auth || strncmp(auth, "Bearer ", 7) != 0)
                return false;
        given = auth + 7;
        n = strlen(given);
        /* constant time in the token's length: every byte is compared whatever matched before */
        diff |= (unsigned char)(n != s->token_len);
        for (size_t i = 0; i < s->token_len; i++)
                diff |= (unsigned char)(s->token[i] ^ (i < n ? given[i] : 0));
        return diff == 0 && s->token_len > 0;
}

static bool rate_allows(struct http_listener_state *ls)
{
        uint64_t now = now_monotonic_ns();
        double rate = (double)ls->server->rate_limit;

        if (ls->last_refill_ns == 0) {
                ls->tokens = rate;
        } else {
                ls->tokens += rate * (double)(now - ls->last_refill_ns) / 1e9;
                if (ls->tokens > rate)
                        ls->tokens = rate;
        }
        ls->last_refill_ns = now;
        if (ls->tokens < 1.0)
                return false;
        ls->tokens -= 1.0;
        return true;
}

/* What the server decides before the handler sees a request: auth, rate, size, listener scope. */
static bool http_gate(struct http_listener_state *ls, struct MHD_Connection *conn, const char *url,
                      struct http_upload *up, struct http_response *resp)
{
        if (ls->kind == HTTP_CONTROL_TCP &&
            !token_matches(ls->server, MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization"))) {
                http_reply_error(resp, 401, "missing or wrong bearer token");
                return false;
        }
        if (ls->kind != HTTP_READONLY && !rate_allows(ls)) {
                http_reply_error(resp, 429, "too many requests (limit %llu per second)",
                                 (unsigned long long)ls->server->rate_limit);
                return false;
        }
        if (up->too_large) {
                http_reply_error(resp, 413, "request body larger than %zu bytes", ls->server->max_body);
                return false;
        }
        if (ls->kind == HTTP_READONLY && !streq(url, "/metrics") && !streq(url, "/healthz")) {
                http_reply_error(resp, 404, "not found: %s (this listener serves /metrics and /healthz)",
                                 url);
                return false;
        }
        return true;
}

static enum MHD_Result http_access(void *cls, struct MHD_Connection *conn, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_data_size, void **con_cls)
{
        struct http_listener_state *ls = cls;
        struct http_upload *up = *con_cls;
        struct http_response resp = { 0 };
        int r;

        if (!up) {
                up = calloc(1, sizeof(*up));
                if (!up)
                        return MHD_NO;
                *con_cls = up;
                return MHD_YES;
        }
        if (*upload_data_size > 0) {
                if (!up->too_large && up->len + *upload_data_size <= ls->server->max_body) {
                        char *b = realloc(up->buf, up->len + *upload_data_size + 1);

                        if (!b)
                                return MHD_NO;
                        memcpy(b + up->len, upload_data, *upload_data_size);
                        up->buf = b;
                        up->len += *upload_data_size;
                        up->buf[up->len] = '\0';
                } else {
                        up->too_large = true;
                }
                *upload_data_size = 0;
                return MHD_YES;
        }
        if (http_gate(ls, conn, url, up, &resp)) {
                struct http_request req = {
                        .listener = ls->kind,
                        .method = method,
                        .path = url,
                        .body = up->buf ? up->buf : "",
                        .body_len = up->len,
                        .conn = conn,
                };

                r = ls->server->handler(ls->server->userdata, &req, &resp);
                if (r < 0)
                        http_reply_error(&resp, 500, "internal error: %s", strerror(-r));
                else if (resp.stream.read)
                        return http_send_stream(ls->server, conn, &resp);
        }
        return http_send(conn, &resp);
}

static void http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                           enum MHD_RequestTerminationCode toe)
{
        struct http_upload *up = *con_cls;

        if (up) {
                free(up->buf);
                free(up);
                *con_cls = NULL;
        }
}

static void http_log(void *cls, const char *fmt, va_list ap)
{
        char buf[512];

        vsnprintf(buf, sizeof(buf), fmt, ap);
        buf[strcspn(buf, "\n")] = '\0';
        log_debug("http: %s", buf);
}

static int http_on_ready(struct loop_source *src, int fd, uint32_t events, void *userdata)
{
        struct http_listener_state *ls = userdata;

        return MHD_run(ls->daemon) == MHD_YES ? 0 : -EIO;
}

static int http_prepare(void *userdata)
{
        struct http_server *s = userdata;
        int timeout = -1;

        for (size_t i = 0; i < ARRAY_SIZE(s->listeners); i++) {
                struct http_listener_state *ls = &s->listeners[i];
                MHD_UNSIGNED_LONG_LONG t;

                if (!ls->daemon)
                        continue;
                MHD_run(ls->daemon);
                if (MHD_get_timeout(ls->daemon, &t) == MHD_YES && (timeout < 0 || (long long)t < timeout))
                        timeout = t > 60000 ? 60000 : (int)t;
        }
        return timeout;
}

/* A SIGKILLed agent's listeners can outlive it for a moment in a task it was starting: the child closes the
 * agent's fds first thing, but the window after clone is not zero. A successor waits that long for a TCP
 * address, and takes over a control socket whose listener's creator is gone. */
#define HTTP_BIND_WAIT_MS  5000
#define HTTP_BIND_RETRY_MS 100

/* Whether the process that listens on the socket fd is connected to is still alive (SO_PEERCRED gives the
 * pid of the process that called listen); a zombie, not yet reaped, is not. */
static bool http_peer_alive(int fd, pid_t *ret_pid)
{
        struct ucred uc;
        socklen_t len = sizeof(uc);
        char state;
        int r;

        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0 || uc.pid <= 0)
                return true; /* unknown: assume it is */
        *ret_pid = uc.pid;
        r = proc_stat(uc.pid, &state, NULL);
        if (r == -ENOENT)
                return false;
        return r < 0 || state != 'Z'; /* unknown: assume it is */
}

/* Bind the control socket: refuse when another agent answers on it, replace a stale one, mode 0600. */
static int http_unix_socket(struct http_server *s, const char *path, int *ret_fd)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *dir = NULL;
        char *slash;
        struct stat st;

        if (strlen(path) >= sizeof(sa.sun_path))
                return log_error_errno(-ENAMETOOLONG, "control socket path %s", path);
        strcpy(sa.sun_path, path);
        dir = strdup(path);
        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = '\0';
                if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                        return log_error_errno(-errno, "cannot create %s for the control socket", dir);
        }
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (lstat(path, &st) == 0) {
                if (!S_ISSOCK(st.st_mode))
                        return log_error_errno(-EEXIST, "%s exists and is not a socket", path);
                if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
                        pid_t pid = 0;

                        if (http_peer_alive(fd, &pid))
                                return log_error_errno(-EADDRINUSE, "another cgmeterd (pid %d) is serving %s",
                                                       (int)pid, path);
                        log_warning(
                            "%s was left by agent pid %d, which is gone (a task it was starting still "
                            "holds the socket): replacing it",
                            path, (int)pid);
                }
                close(fd);
                fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (fd < 0)
                        return -errno;
                if (unlink(path) < 0 && errno != ENOENT)
                        return log_error_errno(-errno, "cannot remove stale socket %s", path);
        }
        /* bind creates the node with umask applied: make it 0600 from the start */
        mode_t old = umask(0177);
        int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
        umask(old);
        if (r < 0)
                return log_error_errno(-errno, "cannot bind control socket %s", path);
        if (listen(fd, SOMAXCONN) < 0)
                return log_error_errno(-errno, "cannot listen on %s", path);
        strcpy(s->socket_path, path);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int http_tcp_addr(const char *listen, struct sockaddr_storage *ss, bool *ret_v6)
{
        char host[64];
        uint16_t port;

        if (config_split_listen(listen, host, sizeof(host), &port) < 0)
                return -EINVAL;
        memset(ss, 0, sizeof(*ss));
        if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
                ((struct sockaddr_in *)ss)->sin_family = AF_INET;
                ((struct sockaddr_in *)ss)->sin_port = htons(port);
                *ret_v6 = false;
                return 0;
        }
        if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
                ((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
                ((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
                *ret_v6 = true;
                return 0;
        }
        return -EINVAL;
}

/* Bind a TCP listener ourselves (MHD would report no errno): SO_REUSEADDR, IPv6 only for an IPv6 address,
 * and a bounded wait while the address is in use (see HTTP_BIND_WAIT_MS). */
static int http_tcp_socket(const char *addr, int *ret_fd)
{
        struct sockaddr_storage ss;
        socklen_t len;
        bool v6 = false;
        int one = 1;
        _cleanup_close_ int fd = -1;

        if (http_tcp_addr(addr, &ss, &v6) < 0)
                return log_error_errno(-EINVAL, "invalid listen address %s", addr);
        len = v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
        fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return log_error_errno(-errno, "cannot create a socket for %s", addr);
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            (v6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0))
                return log_error_errno(-errno, "cannot set the socket options for %s", addr);
        for (int waited = 0; bind(fd, (struct sockaddr *)&ss, len) < 0; waited += HTTP_BIND_RETRY_MS) {
                if (errno != EADDRINUSE || waited >= HTTP_BIND_WAIT_MS)
                        return log_error_errno(-errno, "cannot bind %s", addr);
                if (waited == 0)
                        log_warning("%s is in use; trying again for up to %d s (a task a killed agent was "
                                    "starting may still hold it)",
                                    addr, HTTP_BIND_WAIT_MS / 1000);
                (void)nanosleep(&(struct timespec){ .tv_nsec = HTTP_BIND_RETRY_MS * 1000000L }, NULL);
        }
        if (listen(fd, SOMAXCONN) < 0)
                return log_error_errno(-errno, "cannot listen on %s", addr);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int http_start(struct http_server *s, enum http_listener kind, const char *listen, int listen_fd,
                      const struct config *c)
{
        struct http_listener_state *ls = &s->listeners[kind];
        unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
        bool tls = kind == HTTP_CONTROL_TCP && s->tls_cert;
        struct MHD_OptionItem opts[12];
        size_t n = 0;
        int epfd, r;

        *ls = (struct http_listener_state){ .server = s, .kind = kind };
        if (listen_fd < 0) {
                r = http_tcp_socket(listen, &listen_fd);
                if (r < 0)
                        return r;
        }
        opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_LISTEN_SOCKET, listen_fd, NULL };
        if (tls) {
                flags |= MHD_USE_TLS;
                opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert };
                opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key };
        }
        opts[n++] =
            (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, (intptr_t)c->max_connections, NULL };
        opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL };
        /* bounds header size: a request whose headers do not fit gets 431 from libmicrohttpd */
        opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024, NULL };
        opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)http_completed, NULL };
        opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)http_log, NULL };
        opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };

        ls->daemon =
            MHD_start_daemon(flags, 0, NULL, NULL, http_access, ls, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
        if (!ls->daemon) {
                if (listen_fd >= 0)
                        close(listen_fd);
                log_error("cannot start the %s listener on %s (libmicrohttpd's message is above)",
                          listener_names[kind], listen);
                return -EIO;
        }
        epfd = MHD_get_daemon_info(ls->daemon, MHD_DAEMON_INFO_EPOLL_FD)->epoll_fd;
        r = loop_add_fd(s->loop, epfd, EPOLLIN, false, http_on_ready, ls, &ls->source);
        if (r < 0)
                return log_error_errno(r, "cannot watch the %s listener", listener_names[kind]);
        log_info("%s listener on %s%s", listener_names[kind], listen, tls ? " (TLS)" : "");
        return 0;
}

static int http_read_secret(const char *path, size_t max, char **ret)
{
        int r = read_file_at(AT_FDCWD, path, max, ret, NULL);

        if (r < 0)
                return log_error_errno(r, "cannot read %s", path);
        return 0;
}

static int http_load_token(struct http_server *s, const char *path)
{
        _cleanup_free_ char *t = NULL;
        char *tok;
        int r = http_read_secret(path, HTTP_TOKEN_MAX - 1, &t);

        if (r < 0)
                return r;
        tok = strstrip(t);
        if (strlen(tok) < 16)
                return log_error_errno(-EINVAL, "token in %s is shorter than 16 characters", path);
        s->token_len = strlen(tok);
        memcpy(s->token, tok, s->token_len);
        return 0;
}

int http_server_new(struct loop *l, const struct config *c, http_handler_fn handler, void *userdata,
                    struct http_server **ret)
{
        struct http_server *s = calloc(1, sizeof(*s));
        int fd, r;

        if (!s)
                return -ENOMEM;
        *s = (struct http_server){ .loop = l,
                                   .handler = handler,
                                   .userdata = userdata,
                                   .max_body = c->max_body,
                                   .rate_limit = c->rate_limit };
        /* The control socket first: a live agent on it is refused at once, with its pid. */
        if (c->control_socket[0]) {
                r = http_unix_socket(s, c->control_socket, &fd);
                if (r < 0 || (r = http_start(s, HTTP_CONTROL_UNIX, c->control_socket, fd, c)) < 0)
                        goto fail;
        }
        if (c->listen[0] && (r = http_start(s, HTTP_READONLY, c->listen, -1, c)) < 0)
                goto fail;
        if (c->control_listen[0]) {
                if ((r = http_load_token(s, c->token_file)) < 0)
                        goto fail;
                if (c->tls_cert[0] && ((r = http_read_secret(c->tls_cert, 1 << 20, &s->tls_cert)) < 0 ||
                                       (r = http_read_secret(c->tls_key, 1 << 20, &s->tls_key)) < 0))
                        goto fail;
                if ((r = http_start(s, HTTP_CONTROL_TCP, c->control_listen, -1, c)) < 0)
                        goto fail;
        }
        r = loop_add_prepare(l, http_prepare, s);
        if (r < 0)
                goto fail;
        *ret = s;
        return 0;
fail:
        http_server_free(s);
        return r;
}

int http_server_restore_socket(struct http_server *s, const struct config *c)
{
        struct http_listener_state *ls = &s->listeners[HTTP_CONTROL_UNIX];
        struct stat st;
        int fd, r;

        if (!s->socket_path[0] || !ls->daemon || lstat(s->socket_path, &st) == 0 || errno != ENOENT)
                return 0;
        /* the socket (or its directory) was removed: serve a new one at the same path. libmicrohttpd must not
         * be stopped with suspended connections, so the streams end first (their clients reconnect). */
        for (struct http_stream_conn *sc = s->streams; sc; sc = sc->next)
                sc->closing = true;
        http_server_wake(s);
        for (size_t i = 0; i < ARRAY_SIZE(s->listeners); i++)
                if (s->listeners[i].daemon)
                        MHD_run(s->listeners[i].daemon);
        loop_source_remove(ls->source);
        ls->source = NULL;
        MHD_stop_daemon(ls->daemon);
        ls->daemon = NULL;
        r = http_unix_socket(s, c->control_socket, &fd);
        if (r >= 0)
                r = http_start(s, HTTP_CONTROL_UNIX, c->control_socket, fd, c);
        if (r < 0)
                return log_error_errno(r, "the control socket %s was removed and cannot be made again",
                                       c->control_socket);
        log_warning("the control socket %s had been removed: serving it again", c->control_socket);
        return 1;
}

void http_server_free(struct http_server *s)
{
        if (!s)
                return;
        /* libmicrohttpd must not be stopped with suspended connections (it aborts): end every stream first,
         * also one whose request arrives meanwhile (a scrape, say), until none is left suspended */
        s->stopping = true;
        for (int round = 0; round < 50; round++) {
                bool suspended = false;

                for (struct http_stream_conn *sc = s->streams; sc; sc = sc->next) {
                        sc->closing = true;
                        suspended = suspended || sc->suspended;
                }
                if (round > 0 && !suspended)
                        break;
                http_server_wake(s);
                for (size_t i = 0; i < ARRAY_SIZE(s->listeners); i++)
                        if (s->listeners[i].daemon)
                                MHD_run(s->listeners[i].daemon);
        }
        for (size_t i = 0; i < ARRAY_SIZE(s->listeners); i++) {
                loop_source_remove(s->listeners[i].source);
                if (s->listeners[i].daemon)
                        MHD_stop_daemon(s->listeners[i].daemon);
        }
        if (s->socket_path[0])
                unlink(s->socket_path);
        explicit_bzero(s->token, sizeof(s->token));
        free(s->tls_cert);
        if (s->tls_key)
                explicit_bzero(s->tls_key, strlen(s->tls_key));
        free(s->tls_key);
        free(s);
}
