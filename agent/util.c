#include "util.h"

#include <ctype.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

char *strjoin(const char *a, const char *b, const char *c)
{
        size_t la = strlen(a), lb = b ? strlen(b) : 0, lc = c ? strlen(c) : 0;
        char *r = malloc(la + lb + lc + 1);

        if (!r)
                return NULL;
        memcpy(r, a, la);
        if (b)
                memcpy(r + la, b, lb);
        if (c)
                memcpy(r + la + lb, c, lc);
        r[la + lb + lc] = '\0';
        return r;
}

char *strstrip(char *s)
{
        char *e;

        while (isspace((unsigned char)*s))
                s++;
        e = s + strlen(s);
        while (e > s && isspace((unsigned char)e[-1]))
                e--;
        *e = '\0';
        return s;
}

int read_fd_all(int fd, size_t max, char **ret_buf, size_t *ret_len)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 4096;

        buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n;

                if (len + 1 >= cap) {
                        char *nb;

                        if (cap > max)
                                return -EFBIG;
                        cap *= 2;
                        nb = realloc(buf, cap);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                }
                n = read(fd, buf + len, cap - len - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len > max)
                        return -EFBIG;
        }
        buf[len] = '\0';
        if (ret_len)
                *ret_len = len;
        *ret_buf = TAKE_PTR(buf);
        return 0;
}

int read_file_at(int dirfd, const char *path, size_t max, char **ret_buf, size_t *ret_len)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd < 0)
                return -errno;
        return read_fd_all(fd, max, ret_buf, ret_len);
}

int proc_stat(pid_t pid, char *ret_state, uint64_t *ret_starttime)
{
        _cleanup_free_ char *buf = NULL;
        char path[64];
        const char *p;
        int r;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        r = read_file_at(AT_FDCWD, path, 4096, &buf, NULL);
        if (r < 0)
                return r;
        /* the command name may hold spaces and parentheses: fields start after the last ')' */
        p = strrchr(buf, ')');
        if (!p || p[1] != ' ' || !p[2])
                return -EINVAL;
        if (ret_state)
                *ret_state = p[2];
        p++;
        for (int field = 2; field < 22; field++) {
                p = strchr(p + 1, ' ');
                if (!p)
                        return -EINVAL;
        }
        if (ret_starttime)
                *ret_starttime = strtoull(p + 1, NULL, 10);
        return 0;
}

int write_file_at(int dirfd, const char *path, const char *value)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        size_t len = strlen(value);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = write(fd, value, len);
        if (n < 0)
                return -errno;
        if ((size_t)n != len)
                return -EIO;
        return 0;
}

bool name_is_valid(const char *name)
{
        size_t n = strlen(name);

        if (n == 0 || n > 63 || streq(name, ".") || streq(name, ".."))
                return false;
        for (const char *p = name; *p; p++)
                if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
                        return false;
        return true;
}

static uint64_t now_ns(clockid_t clk)
{
        struct timespec ts;

        clock_gettime(clk, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t now_monotonic_ns(void)
{
        return now_ns(CLOCK_MONOTONIC);
}

uint64_t now_realtime_ns(void)
{
        return now_ns(CLOCK_REALTIME);
}
