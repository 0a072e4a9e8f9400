/* The collector registry, targets, the file cache and the read helpers every collector uses. */
#include <fcntl.h>
#include <limits.h>
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
        t->path = NULL;
        t->perf = NULL;
        t->cache = NULL;
        t->cgroup_id = 0;
}

int collector_target_open(struct collector_target *t, enum collector_source src, int dirfd, const char *path)
{
        int fd;

        if ((unsigned)src >= _COLLECTOR_SOURCE_MAX || t->path)
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
        for (size_t i = 0; i < _COLLECTOR_SOURCE_MAX; i++) {
                if (t->fd[i] >= 0 && !t->path)
                        close(t->fd[i]);
                t->fd[i] = -1;
        }
        t->path = NULL;
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

void collector_target_below(const struct collector_target *roots, const char *path,
                            struct collector_target *ret)
{
        struct collector_target t;

        collector_target_init(&t);
        memcpy(t.fd, roots->fd, sizeof(t.fd));
        t.v2 = roots->v2;
        t.path = path;
        *ret = t;
}

/* What to hand openat(t->fd[src], ...) for name: name itself on a directory target, "<path>/<name>" in buf
 * on a path target. NULL when that does not fit in buf. */
static const char *file_path(const struct collector_target *t, const char *name, char *buf, size_t n)
{
        int k;

        if (!t->path || !t->path[0])
                return name;
        k = snprintf(buf, n, "%s/%s", t->path, name);
        return k < 0 || (size_t)k >= n ? NULL : buf;
}

int collector_target_open_dir(const struct collector_target *t, enum collector_source src)
{
        const char *p = t->path && t->path[0] ? t->path : ".";
        int fd;

        if ((unsigned)src >= _COLLECTOR_SOURCE_MAX || t->fd[src] < 0)
                return -EBADF;
        fd = openat(t->fd[src], p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENODEV ? -ENOENT : -errno;
        return fd;
}

static int open_file(const struct collector_target *t, enum collector_source src, const char *name)
{
        char buf[PATH_MAX];
        const char *p;
        int fd;

        if ((unsigned)src >= _COLLECTOR_SOURCE_MAX || t->fd[src] < 0)
                return -EBADF;
        p = file_path(t, name, buf, sizeof(buf));
        if (!p)
                return -ENAMETOOLONG;
        fd = openat(t->fd[src], p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        return fd < 0 ? -errno : fd;
}

int collector_has_file(const struct collector_target *t, enum collector_source src, const char *name)
{
        char buf[PATH_MAX];
        const char *p;

        if ((unsigned)src >= _COLLECTOR_SOURCE_MAX || t->fd[src] < 0)
                return -EBADF;
        p = file_path(t, name, buf, sizeof(buf));
        if (!p)
                return -ENAMETOOLONG;
        if (faccessat(t->fd[src], p, F_OK, 0) == 0)
                return 1;
        /* on a path target ENOTDIR means the cgroup's directory is something else now: not this cgroup */
        return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
}

/* ---- the cache ---- */

struct cache_entry {
        int fd; /* -1: the file is absent */
        enum collector_source src;
        char name[48]; /* the longest we read, blkio.throttle.io_service_bytes_recursive, is 41 */
};

struct collector_cache {
        unsigned n, nfds, max_fds;
        struct cache_entry e[COLLECTOR_CACHE_FILES];
};

struct collector_cache *collector_cache_new(void)
{
        struct collector_cache *c = calloc(1, sizeof(*c));

        if (c)
                c->max_fds = COLLECTOR_CACHE_FILES;
        return c;
}

void collector_cache_free(struct collector_cache *c)
{
        if (!c)
                return;
        for (unsigned i = 0; i < c->n; i++)
                if (c->e[i].fd >= 0)
                        close(c->e[i].fd);
        free(c);
}

unsigned collector_cache_nfds(const struct collector_cache *c)
{
        return c ? c->nfds : 0;
}

int collector_cache_set_limit(struct collector_cache *c, unsigned max_fds)
{
        if (!c)
                return -EINVAL;
        c->max_fds = max_fds;
        /* forget the newest open files first; their entries go, so they are read without the cache */
        for (unsigned i = c->n; i-- > 0 && c->nfds > max_fds;) {
                if (c->e[i].fd < 0)
                        continue;
                close(c->e[i].fd);
                c->nfds--;
                memmove(&c->e[i], &c->e[i + 1], (c->n - i - 1) * sizeof(c->e[0]));
                c->n--;
        }
        return 0;
}

static struct cache_entry *cache_find(struct collector_cache *c, enum collector_source src, const char *name)
{
        for (unsigned i = 0; i < c->n; i++)
                if (c->e[i].src == src && streq(c->e[i].name, name))
                        return &c->e[i];
        return NULL;
}

/* A free entry for (src, name), or NULL when the cache is full or the name too long to keep. */
static struct cache_entry *cache_add(struct collector_cache *c, enum collector_source src, const char *name)
{
        struct cache_entry *e;

        if (c->n >= COLLECTOR_CACHE_FILES || strlen(name) >= sizeof(e->name))
                return NULL;
        e = &c->e[c->n++];
        e->fd = -1;
        e->src = src;
        snprintf(e->name, sizeof(e->name), "%s", name);
        return e;
}

static void cache_remember_absent(struct collector_cache *c, enum collector_source src, const char *name)
{
        if (c && !cache_find(c, src, name))
                (void)cache_add(c, src, name);
}

/* The fd to read name from: the cache's (*ret_owned false) or one opened for this read (*ret_owned true).
 * -ENOENT with *ret_known set when the cache remembers the file as absent. */
static int file_fd(const struct collector_target *t, enum collector_source src, const char *name,
                   bool *ret_owned, bool *ret_known)
{
        struct collector_cache *c = t->cache;
        struct cache_entry *e;
        int fd;

        *ret_known = false;
        e = c ? cache_find(c, src, name) : NULL;
        if (e) {
                *ret_known = e->fd < 0;
                *ret_owned = false;
                return e->fd >= 0 ? e->fd : -ENOENT;
        }
        fd = open_file(t, src, name);
        if (fd < 0)
                return fd;
        *ret_owned = true;
        if (c && c->nfds < c->max_fds && (e = cache_add(c, src, name))) {
                e->fd = fd;
                c->nfds++;
                *ret_owned = false;
        }
        return fd;
}

/* ---- reading ---- */

/* A file's text, NUL-terminated: in small, or in heap for a file that does not fit there. */
struct read_buf {
        char *heap;
        const char *data;
        size_t len;
        bool known_absent; /* the cache remembers the file as absent */
        char small[8192];
};

/* Not "= { 0 }": that would clear the 8 KiB buffer on every read of every file (measured: 3 % of a scrape's
 * CPU with kept-open files); the header is all that needs a value. */
static void read_buf_init(struct read_buf *b)
{
        b->heap = NULL;
        b->data = NULL;
        b->len = 0;
        b->known_absent = false;
}

static void read_buf_done(struct read_buf *b)
{
        free(b->heap);
        b->heap = NULL;
}

/* The whole file from offset 0 into buf (size bytes, a NUL included), by pread so that a cached fd reads the
 * current text: kernfs regenerates it on every read at offset 0. A short read is the end, which saves the
 * read that would return 0: a cgroup file is a seq_file, and a seq_file read returns all of the text when
 * the buffer has room for it (so does a regular file). -EFBIG when the text needs more than size - 1 bytes.
 */
static int pread_all(int fd, char *buf, size_t size, size_t *ret_len)
{
        ssize_t n;

        do
                n = pread(fd, buf, size, 0);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        if ((size_t)n >= size)
                return -EFBIG;
        buf[n] = '\0';
        *ret_len = (size_t)n;
        return 0;
}

static int read_fd(int fd, struct read_buf *b)
{
        int r = pread_all(fd, b->small, sizeof(b->small), &b->len);

        if (r == -EFBIG) {
                /* rare (blkio with many disks): read it all again into a buffer of the full size */
                b->heap = malloc(COLLECTOR_FILE_MAX + 1);
                if (!b->heap)
                        return -ENOMEM;
                r = pread_all(fd, b->heap, COLLECTOR_FILE_MAX + 1, &b->len);
                b->data = b->heap;
        } else
                b->data = b->small;
        return r;
}

/* 0: b holds the text; -ENOENT: no such file (b->known_absent: remembered so) or the cgroup is gone. */
static int read_file(const struct collector_target *t, enum collector_source src, const char *name,
                     struct read_buf *b)
{
        bool owned, known;
        int fd, r;

        fd = file_fd(t, src, name, &owned, &known);
        b->known_absent = known;
        if (fd < 0)
                return fd == -ENODEV ? -ENOENT : fd;
        r = read_fd(fd, b);
        if (owned)
                close(fd);
        /* A file of a cgroup removed since it was opened reads as ENODEV. */
        return r == -ENODEV ? -ENOENT : r;
}

/* 1: b holds the text, 0: absent in a live cgroup, -ENOENT: the cgroup is gone, or another error. */
static int read_optional(const struct collector_target *t, enum collector_source src, const char *name,
                         struct read_buf *b)
{
        int r = read_file(t, src, name, b);

        if (r == 0)
                return 1;
        if (r == -EOPNOTSUPP)
                return 0;
        if (r != -ENOENT)
                return r;
        if (b->known_absent)
                return 0;
        /* Every live cgroup has cgroup.procs; without it the cgroup is gone, not merely the file. */
        r = collector_has_file(t, src, "cgroup.procs");
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOENT;
        cache_remember_absent(t->cache, src, name);
        return 0;
}

static int copy_out(const struct read_buf *b, char **ret_buf, size_t *ret_len)
{
        char *p = malloc(b->len + 1);

        if (!p)
                return -ENOMEM;
        memcpy(p, b->data, b->len + 1);
        *ret_buf = p;
        if (ret_len)
                *ret_len = b->len;
        return 0;
}

int collector_read(const struct collector_target *t, enum collector_source src, const char *name,
                   char **ret_buf, size_t *ret_len)
{
        _cleanup_(read_buf_done) struct read_buf b;
        int r;

        read_buf_init(&b);
        r = read_file(t, src, name, &b);

        return r < 0 ? r : copy_out(&b, ret_buf, ret_len);
}

int collector_read_optional(const struct collector_target *t, enum collector_source src, const char *name,
                            char **ret_buf, size_t *ret_len)
{
        _cleanup_(read_buf_done) struct read_buf b;
        int r;

        read_buf_init(&b);
        r = read_optional(t, src, name, &b);

        if (r <= 0)
                return r;
        r = copy_out(&b, ret_buf, ret_len);
        return r < 0 ? r : 1;
}

int collector_read_with(const struct collector_target *t, enum collector_source src, const char *name,
                        int (*fn)(const char *buf, size_t len, void *userdata), void *userdata)
{
        _cleanup_(read_buf_done) struct read_buf b;
        int r;

        read_buf_init(&b);
        r = read_optional(t, src, name, &b);

        if (r <= 0)
                return r;
        r = fn(b.data, b.len, userdata);
        return r < 0 ? r : 1;
}

struct parse_call {
        int (*parse)(const char *buf, size_t len, struct cg_sample *s);
        struct cg_sample *s;
};

static int call_parse(const char *buf, size_t len, void *userdata)
{
        const struct parse_call *p = userdata;

        return p->parse(buf, len, p->s);
}

int collector_read_parse(const struct collector_target *t, enum collector_source src, const char *name,
                         int (*parse)(const char *buf, size_t len, struct cg_sample *s), struct cg_sample *s)
{
        struct parse_call p = { parse, s };

        return collector_read_with(t, src, name, call_parse, &p);
}

struct controller_query {
        const char *name;
        bool found;
};

static int find_word(const char *buf, size_t len, void *userdata)
{
        struct controller_query *q = userdata;
        size_t n = strlen(q->name);

        for (size_t i = 0; i < len;) {
                size_t j = i;

                while (j < len && buf[j] != ' ' && buf[j] != '\n')
                        j++;
                if (j - i == n && memcmp(buf + i, q->name, n) == 0) {
                        q->found = true;
                        break;
                }
                i = j + 1;
        }
        return 0;
}

int collector_v2_has_controller(const struct collector_target *t, const char *controller)
{
        struct controller_query q = { controller, false };
        _cleanup_(read_buf_done) struct read_buf b;
        int r;

        read_buf_init(&b);
        r = read_file(t, COLLECTOR_SOURCE_UNIFIED, "cgroup.controllers", &b);

        if (r < 0)
                return r;
        (void)find_word(b.data, b.len, &q);
        return q.found;
}
