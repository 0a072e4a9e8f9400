#include "client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "config.h"
#include "util.h"

#define CLIENT_MAX_RESPONSE (256u << 20)

const char *client_socket_path(const char *arg)
{
        const char *env;

        if (arg)
                return arg;
        env = getenv("CGMETER_SOCKET");
        if (env && *env)
                return env;
        return "/run/cgmeter/control.sock";
}

static int write_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, buf, len);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

/* Undo chunked transfer encoding in place; returns the new length or -EPROTO. */
static ssize_t dechunk(char *body, size_t len)
{
        char *in = body, *out = body, *end = body + len;

        for (;;) {
                char *eol;
                unsigned long n;

                eol = memmem(in, (size_t)(end - in), "\r\n", 2);
                if (!eol)
                        return -EPROTO;
                n = strtoul(in, NULL, 16);
                in = eol + 2;
                if (n == 0)
                        break;
                if ((size_t)(end - in) < n)
                        return -EPROTO;
                memmove(out, in, n);
                out += n;
                in += n + 2;
                if (in > end)
                        return -EPROTO;
        }
        *out = '\0';
        return out - body;
}

static int parse_response(char *raw, size_t len, unsigned *ret_status, char **ret_body, size_t *ret_len)
{
        char *hdr_end = memmem(raw, len, "\r\n\r\n", 4);
        unsigned status;
        bool chunked;
        char *body;
        size_t blen;

        if (!hdr_end || sscanf(raw, "HTTP/1.%*d %u", &status) != 1)
                return -EPROTO;
        *hdr_end = '\0';
        chunked = strcasestr(raw, "\r\ntransfer-encoding: chunked") != NULL;
        blen = len - (size_t)(hdr_end + 4 - raw);
        body = malloc(blen + 1);
        if (!body)
                return -ENOMEM;
        memcpy(body, hdr_end + 4, blen);
        body[blen] = '\0';
        if (chunked) {
                ssize_t n = dechunk(body, blen);

                if (n < 0) {
                        free(body);
                        return (int)n;
                }
                blen = (size_t)n;
        }
        *ret_status = status;
        *ret_body = body;
        *ret_len = blen;
        return 0;
}

int client_request(const char *socket_path, const char *method, const char *path, const char *body,
                   const char *accept, unsigned *ret_status, char **ret_body, size_t *ret_len)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *req = NULL, *raw = NULL;
        size_t raw_len = 0, blen = body ? strlen(body) : 0;
        int r, n;

        if (strlen(socket_path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, socket_path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return -errno;
        n = asprintf(&req,
                     "%s %s HTTP/1.1\r\nHost: cgmeterd\r\nConnection: close\r\nAccept: %s\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                     method, path, accept ? accept : "application/json", blen);
        if (n < 0)
                return -ENOMEM;
        r = write_all(fd, req, (size_t)n);
        if (r == 0 && blen > 0)
                r = write_all(fd, body, blen);
        if (r < 0)
                return r;
        r = read_fd_all(fd, CLIENT_MAX_RESPONSE, &raw, &raw_len);
        if (r < 0)
                return r;
        return parse_response(raw, raw_len, ret_status, ret_body, ret_len);
}
