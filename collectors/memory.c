/* Memory: usage, working set, rss/cache, swap, peak, failures and OOM events. */
#include "parse-cgroup.h"

static int dirfd_of(const struct collector_target *t)
{
        return t->fd[t->v2 ? COLLECTOR_SOURCE_UNIFIED : COLLECTOR_SOURCE_MEMORY];
}

static int probe(const struct collector_target *ex, char *why, size_t n)
{
        int fd = dirfd_of(ex), r;

        if (fd < 0) {
                snprintf(why, n, "%s", ex->v2 ? "no unified cgroup" : "memory hierarchy not mounted");
                return 0;
        }
        if (!ex->v2)
                return 1;
        r = collector_v2_has_controller(fd, "memory");
        if (r == 0)
                snprintf(why, n, "memory controller not available in cgroup.controllers");
        return r;
}

/* A single-value file: 1 read, 0 absent, <0 error. */
static int read_u64(int fd, const char *name, uint64_t *ret)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = collector_read_optional(fd, name, &buf, &len);

        if (r <= 0)
                return r;
        r = cg_parse_u64_value(buf, len, ret);
        return r < 0 ? r : 1;
}

/* usage and memory.stat, which need each other for the working set. */
static int read_usage(int fd, bool v2, struct cg_sample *s)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        uint64_t usage;
        int r = read_u64(fd, v2 ? "memory.current" : "memory.usage_in_bytes", &usage);

        if (r <= 0)
                return r;
        r = collector_read_optional(fd, "memory.stat", &buf, &len);
        if (r <= 0)
                return r;
        return cg_parse_memory_stat(buf, len, v2, usage, s);
}

static int collect_v2(int fd, struct cg_sample *s)
{
        uint64_t v;
        int r = collector_read_parse(fd, "memory.events", cg_parse_memory_events, s);

        if (r < 0)
                return r;
        /* No swap file without swap accounting; memory.peak since 5.19. */
        r = read_u64(fd, "memory.swap.current", &v);
        if (r < 0)
                return r;
        if (r > 0) {
                s->memory.swap = v;
                s->have |= CG_HAVE_MEM_SWAP;
        }
        r = read_u64(fd, "memory.peak", &v);
        if (r < 0)
                return r;
        if (r > 0) {
                s->memory.max_usage = v;
                s->have |= CG_HAVE_MEM_MAX_USAGE;
        }
        return 0;
}

static int collect_v1(int fd, struct cg_sample *s)
{
        uint64_t v;
        int r = read_u64(fd, "memory.max_usage_in_bytes", &v);

        if (r < 0)
                return r;
        if (r > 0) {
                s->memory.max_usage = v;
                s->have |= CG_HAVE_MEM_MAX_USAGE;
        }
        /* memsw counts memory + swap; absent without swap accounting (swapaccount=0). */
        r = read_u64(fd, "memory.memsw.usage_in_bytes", &v);
        if (r < 0)
                return r;
        if (r > 0) {
                s->memory.swap = v > s->memory.usage ? v - s->memory.usage : 0;
                s->have |= CG_HAVE_MEM_SWAP;
        }
        r = read_u64(fd, "memory.failcnt", &v);
        if (r < 0)
                return r;
        if (r > 0) {
                s->memory.failcnt = v;
                s->have |= CG_HAVE_MEM_FAILCNT;
        }
        r = collector_read_parse(fd, "memory.oom_control", cg_parse_oom_control, s);
        return r < 0 ? r : 0;
}

static int collect(const struct collector_target *t, struct cg_sample *s)
{
        int fd = dirfd_of(t), r;

        if (fd < 0)
                return 0;
        r = read_usage(fd, t->v2, s);
        if (r < 0)
                return r;
        return t->v2 ? collect_v2(fd, s) : collect_v1(fd, s);
}

const struct collector collector_memory = {
        .name = "memory",
        .probe = probe,
        .collect = collect,
};
