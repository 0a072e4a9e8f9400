/* Memory: usage, working set, rss/cache, swap, peak, failures and OOM events. */
#include "parse-cgroup.h"

static enum collector_source source_of(const struct collector_target *t)
{
        return t->v2 ? COLLECTOR_SOURCE_UNIFIED : COLLECTOR_SOURCE_MEMORY;
}

static int probe(const struct collector_target *ex, char *why, size_t n)
{
        int r;

        if (ex->fd[source_of(ex)] < 0) {
                snprintf(why, n, "%s", ex->v2 ? "no unified cgroup" : "memory hierarchy not mounted");
                return 0;
        }
        if (!ex->v2)
                return 1;
        r = collector_v2_has_controller(ex, "memory");
        if (r == 0)
                snprintf(why, n, "memory controller not available in cgroup.controllers");
        return r;
}

static int parse_u64(const char *buf, size_t len, void *userdata)
{
        return cg_parse_u64_value(buf, len, userdata);
}

/* A single-value file: 1 read, 0 absent, <0 error. */
static int read_u64(const struct collector_target *t, const char *name, uint64_t *ret)
{
        return collector_read_with(t, source_of(t), name, parse_u64, ret);
}

struct stat_call {
        bool v2;
        uint64_t usage;
        struct cg_sample *s;
};

static int parse_stat(const char *buf, size_t len, void *userdata)
{
        const struct stat_call *c = userdata;

        return cg_parse_memory_stat(buf, len, c->v2, c->usage, c->s);
}

/* usage and memory.stat, which need each other for the working set. */
static int read_usage(const struct collector_target *t, struct cg_sample *s)
{
        struct stat_call c = { .v2 = t->v2, .s = s };
        int r = read_u64(t, t->v2 ? "memory.current" : "memory.usage_in_bytes", &c.usage);

        if (r <= 0)
                return r;
        return collector_read_with(t, source_of(t), "memory.stat", parse_stat, &c);
}

static int collect_v2(const struct collector_target *t, struct cg_sample *s)
{
        uint64_t v;
        int r = collector_read_parse(t, COLLECTOR_SOURCE_UNIFIED, "memory.events", cg_parse_memory_events, s);

        if (r < 0)
                return r;
        /* No swap file without swap accounting; memory.peak since 5.19. */
        r = read_u64(t, "memory.swap.current", &v);
        if (r < 0)
                return r;
        if (r > 0) {
                s->memory.swap = v;
                s->have |= CG_HAVE_MEM_SWAP;
        }
        r = read_u64(t, "memory.peak", &v);
        if (r < 0)
                return r;
        if (r > 0) {
                s->memory.max_usage = v;
                s->have |= CG_HAVE_MEM_MAX_USAGE;
        }
        return 0;
}

static int collect_v1(const struct collector_target *t, struct cg_sample *s)
{
        uint64_t v;
        int r = read_u64(t, "memory.max_usage_in_bytes", &v);

        if (r < 0)
                return r;
        if (r > 0) {
                s->memory.max_usage = v;
                s->have |= CG_HAVE_MEM_MAX_USAGE;
        }
        /* Swap: memory.stat's total_swap (cg_parse_memory_stat), present with swap accounting only. */
        r = read_u64(t, "memory.failcnt", &v);
        if (r < 0)
                return r;
        if (r > 0) {
                s->memory.failcnt = v;
                s->have |= CG_HAVE_MEM_FAILCNT;
        }
        r = collector_read_parse(t, COLLECTOR_SOURCE_MEMORY, "memory.oom_control", cg_parse_oom_control, s);
        return r < 0 ? r : 0;
}

static int collect(const struct collector_target *t, struct cg_sample *s)
{
        int r;

        if (t->fd[source_of(t)] < 0)
                return 0;
        r = read_usage(t, s);
        if (r < 0)
                return r;
        return t->v2 ? collect_v2(t, s) : collect_v1(t, s);
}

const struct collector collector_memory = {
        .name = "memory",
        .probe = probe,
        .collect = collect,
};
