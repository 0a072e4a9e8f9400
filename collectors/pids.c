/* Pids: the number of tasks (pids.current), same file on v1 (pids hierarchy) and v2. The limit is not read:
 * it is the one the agent wrote, from the policy (cgmeter_spec_pids_max). */
#include "parse-cgroup.h"

static enum collector_source source_of(const struct collector_target *t)
{
        return t->v2 ? COLLECTOR_SOURCE_UNIFIED : COLLECTOR_SOURCE_PIDS;
}

static int probe(const struct collector_target *ex, char *why, size_t n)
{
        int r;

        if (ex->fd[source_of(ex)] < 0) {
                snprintf(why, n, "%s", ex->v2 ? "no unified cgroup" : "pids hierarchy not mounted");
                return 0;
        }
        if (!ex->v2)
                return 1;
        r = collector_v2_has_controller(ex, "pids");
        if (r == 0)
                snprintf(why, n, "pids controller not available in cgroup.controllers");
        return r;
}

static int parse_current(const char *buf, size_t len, struct cg_sample *s)
{
        uint64_t v;
        int r = cg_parse_u64_value(buf, len, &v);

        if (r < 0)
                return r;
        s->pids.current = v;
        s->have |= CG_HAVE_PIDS;
        return 0;
}

static int collect(const struct collector_target *t, struct cg_sample *s)
{
        enum collector_source src = source_of(t);
        int r;

        if (t->fd[src] < 0)
                return 0;
        r = collector_read_parse(t, src, "pids.current", parse_current, s);
        return r < 0 ? r : 0;
}

const struct collector collector_pids = {
        .name = "pids",
        .probe = probe,
        .collect = collect,
};
