/* The collector registry, the target's fds and the read helpers every collector uses. */
#include <fcntl.h>
#include <sys/stat.h>

#include "collector.h"

const struct collector *const collector_registry[] = {
        &collector_cpu, &collector_memory, &collector_io,   &collector_pids,
        &collector_psi, &collector_net,    &collector_perf, NULL,
};

static const char *const source_names[_COLLECTOR_SOURCE_MAX] = {
        [COLLECTOR_SOURCE_CPU] = "cpu",       [COLLECTOR_SOURCE_CPUACCT] = "cpuacct",
        [COLLECTOR_SOURCE_MEMORY] = "memory", [COLLECTOR_SOURCE_BLKIO] = "blkio",
        [COLLECTOR_SOURCE_PIDS] = "pids",     [COLLECTOR_SOURCE_UNIFIED] = "unified",
};

const char *collector_source_to_string(enum collector_source s)
{
        return (unsigned)s < _COLLECTOR_SOURCE_MAX ? source_names[s] : NULL;
}

const struct collector *collector_find(const char *name)
{
        for (size_t i = 0; collector_registry[i]; i++)
                if (streq(collector_registry[i]->name, name))
                        return collector_registry[i];
        return NULL;
}

uint32_t collector_bit(const struct collector *c)
{
        for (size_t i = 0; collector_registry[i] && i < 32; i++)
                if (collector_registry[i] == c)
                        return UINT32_C(1) << i;
        return 0;
}

int collector_collect_all(const struct collector_target *t, uint32_t enabled, struct cg_sample *ret,
                          uint32_t *ret_failed)
{
        struct cg_sample s = { 0 };
        uint32_t failed = 0;

        if (!t || !ret)
                return -EINVAL;
        for (size_t i = 0; collector_registry[i] && i < 32; i++) {
                struct cg_sample part;
                int r;

                if (!(enabled & (UINT32_C(1) << i)))
                        continue;
                /* Work on a copy so a collector that fails half-way leaves no half-set fields behind. */
                part = s;
                r = collector_registry[i]->collect(t, &part);
                if (r == -ENOENT)
                        return -ENOENT;
                if (r < 0)
                        failed |= UINT32_C(1) << i;
                else
                        s = part;
        }
        *ret = s;
        if (ret_failed)
                *ret_failed = failed;
        return 0;
}

void collector_target_init(struct collector_target *t)
{
        for (size_t i = 0; i < _COLLECTOR_SOURCE_MAX; i++)
                t->fd[i] = -1;
        t->v2 = false;
        t->perf = NULL;
}

int collector_target_open(struct collector_target *t, enum collector_source src, int dirfd, const char *path)
{
        int fd;

        if ((unsigned)src >= _COLLECTOR_SOURCE_MAX)
                return -EINVAL;
        fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (t->fd[src] >= 0)
                close(t->fd[src]);
        t->fd[src] = fd;
        return 0;
}

void collector_target_close(struct collector_target *t)
{
        for (size_t i = 0; i < _COLLECTOR_SOURCE_MAX; i++)
                if (t->fd[i] >= 0) {
                        close(t->fd[i]);
                        t->fd[i] = -1;
                }
}

int collector_target_open_below(const struct collector_target *roots, const char *path,
                                struct collector_target *ret)
{
        struct collector_target t;

        collector_target_init(&t);
        t.v2 = roots->v2;
        for (size_t i = 0; i < _COLLECTOR_SOURCE_MAX; i++) {
                int r;

                if (roots->fd[i] < 0)
                        continue;
                /* sources sharing one hierarchy (cpu,cpuacct co-mounted) share the directory too */
                for (size_t j = 0; j < i; j++)
                        if (roots->fd[j] == roots->fd[i] && t.fd[j] >= 0) {
                                t.fd[i] = fcntl(t.fd[j], F_DUPFD_CLOEXEC, 3);
                                break;
                        }
                if (t.fd[i] >= 0)
                        continue;
                r = collector_target_open(&t, i, roots->fd[i], path);
                if (r < 0) {
                        collector_target_close(&t);
                        return r == -ENODEV ? -ENOENT : r;
                }
        }
        *ret = t;
        return 0;
}

int collector_read(int dirfd, const char *name, char **ret_buf, size_t *ret_len)
{
        int r;

        if (dirfd < 0)
                return -EBADF;
        r = read_file_at(dirfd, name, COLLECTOR_FILE_MAX, ret_buf, ret_len);
        /* A file of a cgroup removed since it was opened reads as ENODEV. */
        return r == -ENODEV ? -ENOENT : r;
}

int collector_has_file(int dirfd, const char *name)
{
        if (faccessat(dirfd, name, F_OK, 0) == 0)
                return 1;
        return errno == ENOENT ? 0 : -errno;
}

int collector_read_optional(int dirfd, const char *name, char **ret_buf, size_t *ret_len)
{
        int r = collector_read(dirfd, name, ret_buf, ret_len);

        if (r == 0)
                return 1;
        if (r == -EOPNOTSUPP)
                return 0;
        if (r != -ENOENT)
                return r;
        /* Every live cgroup has cgroup.procs; without it the cgroup is gone, not merely the file. */
        r = collector_has_file(dirfd, "cgroup.procs");
        if (r < 0)
                return r;
        return r ? 0 : -ENOENT;
}

int collector_read_parse(int dirfd, const char *name,
                         int (*parse)(const char *buf, size_t len, struct cg_sample *s), struct cg_sample *s)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = collector_read_optional(dirfd, name, &buf, &len);

        if (r <= 0)
                return r;
        r = parse(buf, len, s);
        return r < 0 ? r : 1;
}

int collector_v2_has_controller(int dirfd, const char *controller)
{
        _cleanup_free_ char *buf = NULL;
        char *p, *tok, *save = NULL;
        int r = collector_read(dirfd, "cgroup.controllers", &buf, NULL);

        if (r < 0)
                return r;
        p = buf;
        while ((tok = strtok_r(p, " \n", &save))) {
                p = NULL;
                if (streq(tok, controller))
                        return 1;
        }
        return 0;
}
