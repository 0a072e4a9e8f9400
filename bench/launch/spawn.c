/* The peers' side: run a command sequence and time it; and one HTTP request over a unix socket. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "bench.h"
#include "util.h"

extern char **environ;

/* The template with every "{i}" replaced by the iteration number, then split at spaces into argv (which
 * points into *ret_buf). */
static int expand(const char *tmpl, unsigned iteration, char **ret_buf, char **argv, size_t max)
{
        char num[16], *buf, *save = NULL, *w;
        size_t len = 0, cap, k = 0;

        snprintf(num, sizeof(num), "%u", iteration);
        cap = strlen(tmpl) * (strlen(num) + 1) + 1;
        buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        for (const char *s = tmpl; *s;)
                if (strncmp(s, "{i}", 3) == 0) {
                        len += (size_t)snprintf(buf + len, cap - len, "%s", num);
                        s += 3;
                } else
                        buf[len++] = *s++;
        buf[len] = '\0';
        for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
                if (k + 1 >= max) {
                        free(buf);
                        return -E2BIG;
                }
                argv[k++] = w;
        }
        argv[k] = NULL;
        if (k == 0) {
                free(buf);
                return -EINVAL;
        }
        *ret_buf = buf;
        return 0;
}

static int spawn_wait(char **argv, int null_fd, int log_fd, int *ret_status)
{
        posix_spawn_file_actions_t fa;
        pid_t pid;
        int r, status;

        r = posix_spawn_file_actions_init(&fa);
        if (r != 0)
                return -r;
        (void)posix_spawn_file_actions_adddup2(&fa, null_fd, STDIN_FILENO);
        (void)posix_spawn_file_actions_adddup2(&fa, null_fd, STDOUT_FILENO);
        (void)posix_spawn_file_actions_adddup2(&fa, log_fd >= 0 ? log_fd : null_fd, STDERR_FILENO);
        r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (r != 0)
                return -r;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        *ret_status = status;
        return 0;
}

static int run_step(const struct bench_step *st, unsigned iteration, int null_fd, int log_fd, char *errbuf,
                    size_t n)
{
        _cleanup_free_ char *buf = NULL;
        char *argv[BENCH_MAX_WORDS];
        int r, status;

        r = expand(st->tmpl + (st->tmpl[0] == '!'), iteration, &buf, argv, ARRAY_SIZE(argv));
        if (r < 0) {
                snprintf(errbuf, n, "bad command '%s': %s", st->tmpl, strerror(-r));
                return r;
        }
        r = spawn_wait(argv, null_fd, log_fd, &status);
        if (r < 0) {
                snprintf(errbuf, n, "cannot run %s: %s", argv[0], strerror(-r));
                return r;
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                snprintf(errbuf, n, "%s (iteration %u) ended with %s %d", argv[0], iteration,
                         WIFEXITED(status) ? "status" : "signal",
                         WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
                return -EIO;
        }
        return 0;
}

int bench_run_steps(const struct bench_step *steps, size_t n_steps, unsigned iteration, int log_fd,
                    uint64_t *ret_ns, char *errbuf, size_t n)
{
        _cleanup_close_ int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
        uint64_t total = 0;
        int r = 0;

        if (null_fd < 0)
                return -errno;
        for (size_t i = 0; i < n_steps; i++) {
                uint64_t t0 = now_monotonic_ns();

                r = run_step(&steps[i], iteration, null_fd, log_fd, errbuf, n);
                if (steps[i].timed)
                        total += now_monotonic_ns() - t0;
                /* a failed setup step ends the sequence; a failed timed step still runs the teardown */
                if (r < 0 && !steps[i].timed)
                        return r;
                if (r < 0) {
                        char ignored[BENCH_MAX_ERRMSG];

                        for (size_t j = i + 1; j < n_steps; j++)
                                if (!steps[j].timed)
                                        (void)run_step(&steps[j], iteration, null_fd, log_fd, ignored,
                                                       sizeof(ignored));
                        return r;
                }
        }
        *ret_ns = total;
        return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
        while (len > 0) {
                ssize_t k = send(fd, p, len, MSG_NOSIGNAL);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                p += k;
                len -= (size_t)k;
        }
        return 0;
}

int bench_http_post(const char *sock, const char *path, const char *body, unsigned *ret_status)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *req = NULL;
        char answer[16384];
        size_t got = 0;
        unsigned status;
        int r, len;

        if (strlen(sock) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, sock);
        len = asprintf(&req,
                       "POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                       "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                       path, strlen(body), body);
        if (len < 0)
                return -ENOMEM;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return -errno;
        r = write_all(fd, req, (size_t)len);
        if (r < 0)
                return r;
        /* The agent answers after launch_task() returned, and closes: read to EOF; only the status line is
         * kept, the rest of a long answer is read and dropped. */
        for (;;) {
                ssize_t k = recv(fd, answer + got, sizeof(answer) - 1 - got, 0);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                got += (size_t)k;
                if (got > 64 && got == sizeof(answer) - 1)
                        got = 64;
        }
        answer[got] = '\0';
        if (sscanf(answer, "HTTP/1.%*1[01] %3u", &status) != 1)
                return -EPROTO;
        *ret_status = status;
        return 0;
}
