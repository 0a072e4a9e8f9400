/* Block IO: bytes and operations per device and in total. v2 reads io.stat; v1 the blkio.throttle files,
 * which (unlike the CFQ-only blkio.io_service_bytes) exist with every IO scheduler. Note: kernels >= 6.x
 * count IO in the v1 throttle files only on devices that have a throttle rule in the cgroup (measured
 * on 6.18: "Total 0" without one, exact counts with a rule far above the device's speed). */
#include "parse-cgroup.h"

static int probe(const struct collector_target *ex, char *why, size_t n)
{
        int r;

        if (!ex->v2) {
                if (ex->fd[COLLECTOR_SOURCE_BLKIO] >= 0)
                        return 1;
                snprintf(why, n, "blkio hierarchy not mounted");
                return 0;
        }
        if (ex->fd[COLLECTOR_SOURCE_UNIFIED] < 0) {
                snprintf(why, n, "no unified cgroup");
                return 0;
        }
        r = collector_v2_has_controller(ex, "io");
        if (r == 0)
                snprintf(why, n, "io controller not available in cgroup.controllers");
        return r;
}

static int parse_bytes(const char *buf, size_t len, struct cg_sample *s)
{
        return cg_parse_blkio_v1(buf, len, true, s);
}

static int parse_ios(const char *buf, size_t len, struct cg_sample *s)
{
        return cg_parse_blkio_v1(buf, len, false, s);
}

/* The _recursive files include child cgroups, as v2 io.stat and the other v1 counters do; old kernels only
 * have the plain ones. */
static int read_blkio(const struct collector_target *t, const char *recursive, const char *plain,
                      int (*parse)(const char *, size_t, struct cg_sample *), struct cg_sample *s)
{
        int r = collector_read_parse(t, COLLECTOR_SOURCE_BLKIO, recursive, parse, s);

        if (r != 0)
                return r;
        return collector_read_parse(t, COLLECTOR_SOURCE_BLKIO, plain, parse, s);
}

static int collect(const struct collector_target *t, struct cg_sample *s)
{
        int r;

        if (t->v2) {
                if (t->fd[COLLECTOR_SOURCE_UNIFIED] < 0)
                        return 0;
                r = collector_read_parse(t, COLLECTOR_SOURCE_UNIFIED, "io.stat", cg_parse_io_stat, s);
                return r < 0 ? r : 0;
        }
        if (t->fd[COLLECTOR_SOURCE_BLKIO] < 0)
                return 0;
        memset(&s->io, 0, sizeof(s->io));
        r = read_blkio(t, "blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_service_bytes",
                       parse_bytes, s);
        if (r < 0)
                return r;
        r = read_blkio(t, "blkio.throttle.io_serviced_recursive", "blkio.throttle.io_serviced", parse_ios, s);
        return r < 0 ? r : 0;
}

const struct collector collector_io = {
        .name = "io",
        .probe = probe,
        .collect = collect,
};
