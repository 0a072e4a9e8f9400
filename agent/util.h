/* Small helpers shared by every module: cleanup attributes, ownership hand-off, string and fd helpers. */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* The struct of type holding member at ptr (const is dropped: for objects the caller owns). */
#define container_of(ptr, type, member) ((type *)(void *)((char *)(uintptr_t)(ptr)-offsetof(type, member)))

static inline void freep(void *p)
{
        free(*(void **)p);
}
static inline void closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}
static inline void fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}
static inline void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

#define _cleanup_(f)       __attribute__((cleanup(f)))
#define _cleanup_free_     _cleanup_(freep)
#define _cleanup_close_    _cleanup_(closep)
#define _cleanup_fclose_   _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)
#define _printf_(a, b)     __attribute__((format(printf, a, b)))
#define _unused_           __attribute__((unused))

/* Hand ownership out of a cleanup-managed variable. */
#define TAKE_PTR(p)                                                                                          \
        ({                                                                                                   \
                __typeof__(p) _tp = (p);                                                                     \
                (p) = NULL;                                                                                  \
                _tp;                                                                                         \
        })
#define TAKE_FD(fd)                                                                                          \
        ({                                                                                                   \
                int _tfd = (fd);                                                                             \
                (fd) = -1;                                                                                   \
                _tfd;                                                                                        \
        })

static inline bool streq(const char *a, const char *b)
{
        return strcmp(a, b) == 0;
}

/* strdup that aborts on OOM is not used: callers get NULL and return -ENOMEM. */
char *strjoin(const char *a, const char *b, const char *c);
/* Trim leading and trailing ASCII whitespace in place; returns s. */
char *strstrip(char *s);

/* Read fd to its end into a NUL-terminated buffer, at most max bytes (-EFBIG past that). */
int read_fd_all(int fd, size_t max, char **ret_buf, size_t *ret_len);
/* Read a whole (small) file relative to dirfd into a NUL-terminated buffer, at most max bytes.
 * Returns 0 or a negative errno (-EFBIG when larger than max). */
int read_file_at(int dirfd, const char *path, size_t max, char **ret_buf, size_t *ret_len);
/* From /proc/PID/stat: the state letter (R, S, Z, ...) and the start time (clock ticks after boot); either
 * may be NULL. -ENOENT: no such process. */
int proc_stat(pid_t pid, char *ret_state, uint64_t *ret_starttime);
/* Write a string to a file relative to dirfd in one write(2), as cgroupfs wants. */
int write_file_at(int dirfd, const char *path, const char *value);

/* A valid name for a policy, task or tenant: [A-Za-z0-9_.-], 1..63 chars, not "." or "..". */
bool name_is_valid(const char *name);

/* Monotonic and real time in nanoseconds. */
uint64_t now_monotonic_ns(void);
uint64_t now_realtime_ns(void);
