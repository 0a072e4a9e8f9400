/* Test-only LD_PRELOAD shim: make write() fail with a chosen errno on files whose path matches a pattern,
 * to inject the errors a kernel gives on cgroup files (EBUSY, EINVAL, ENOSPC, EACCES) into a real cgmeterd.
 *
 * The rules are read from the file named by $CGM_FAULT_FILE on every write, so a test switches faults on and
 * off while the agent runs: one rule per line, "GLOB ERRNO" (fnmatch against the fd's path as
 * /proc/self/fd shows it, ERRNO a number or one of EBUSY EINVAL ENOSPC EACCES EIO EPERM). No file, or an
 * empty one: every write goes through. Built by tests/integration/t-faults.sh:
 *   cc -shared -fPIC -o fault-write.so tests/fuzz/fault-write.c
 * Only write() is wrapped (the cgroup layer's write_file_at and the launcher's cgroup.procs write); stdio,
 * send() and SQLite's pwrite() are not affected. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

ssize_t write(int fd, const void *buf, size_t count);

static int errno_by_name(const char *s)
{
        static const struct {
                const char *name;
                int value;
        } names[] = { { "EBUSY", EBUSY },   { "EINVAL", EINVAL }, { "ENOSPC", ENOSPC },
                      { "EACCES", EACCES }, { "EIO", EIO },       { "EPERM", EPERM } };

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (strcmp(s, names[i].name) == 0)
                        return names[i].value;
        return atoi(s) > 0 ? atoi(s) : 0;
}

/* The errno to fail this fd's write with, or 0. Uses raw syscalls only: no stdio, no allocation, so it is
 * safe between clone and exec too. */
static int fault_for(int fd)
{
        const char *rules = getenv("CGM_FAULT_FILE");
        char link[64], path[4096], text[4096];
        ssize_t n, m;
        int rfd;

        if (!rules || !*rules)
                return 0;
        rfd = (int)syscall(SYS_openat, AT_FDCWD, rules, O_RDONLY | O_CLOEXEC);
        if (rfd < 0)
                return 0;
        m = syscall(SYS_read, rfd, text, sizeof(text) - 1);
        syscall(SYS_close, rfd);
        if (m <= 0)
                return 0;
        text[m] = '\0';
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = syscall(SYS_readlinkat, AT_FDCWD, link, path, sizeof(path) - 1);
        if (n <= 0)
                return 0;
        path[n] = '\0';
        for (char *line = text, *next; line && *line; line = next) {
                char *sp;

                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                sp = strrchr(line, ' ');
                if (!sp)
                        continue;
                *sp = '\0';
                if (fnmatch(line, path, 0) == 0)
                        return errno_by_name(sp + 1);
        }
        return 0;
}

ssize_t write(int fd, const void *buf, size_t count)
{
        int e = fault_for(fd);

        if (e) {
                errno = e;
                return -1;
        }
        return syscall(SYS_write, fd, buf, count);
}
