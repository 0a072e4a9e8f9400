/* PSI: cumulative stall time of cpu, memory and io from the unified cgroup, on pure v2 and on hybrid hosts.
 */
#include "parse-cgroup.h"

static const char *const files[_CG_PSI_MAX] = {
        [CG_PSI_CPU] = "cpu.pressure",
        [CG_PSI_MEMORY] = "memory.pressure",
        [CG_PSI_IO] = "io.pressure",
};

static int probe(const struct collector_target *ex, char *why, size_t n)
{
        _cleanup_free_ char *buf = NULL;
        int r;

        if (ex->fd[COLLECTOR_SOURCE_UNIFIED] < 0) {
                snprintf(why, n, "no unified (v2) hierarchy");
                return 0;
        }
        r = collector_read(ex, COLLECTOR_SOURCE_UNIFIED, "cpu.pressure", &buf, NULL);
        if (r == -ENOENT) {
                snprintf(why, n, "no cpu.pressure (kernel without CONFIG_PSI, or booted with psi=0)");
                return 0;
        }
        if (r == -EOPNOTSUPP) {
                snprintf(why, n, "PSI disabled for this cgroup (cgroup.pressure = 0)");
                return 0;
        }
        return r < 0 ? r : 1;
}

static int parse_cpu(const char *buf, size_t len, struct cg_sample *s)
{
        return cg_parse_pressure(buf, len, CG_PSI_CPU, s);
}

static int parse_memory(const char *buf, size_t len, struct cg_sample *s)
{
        return cg_parse_pressure(buf, len, CG_PSI_MEMORY, s);
}

static int parse_io(const char *buf, size_t len, struct cg_sample *s)
{
        return cg_parse_pressure(buf, len, CG_PSI_IO, s);
}

static int collect(const struct collector_target *t, struct cg_sample *s)
{
        static int (*const parsers[_CG_PSI_MAX])(const char *, size_t, struct cg_sample *) = {
                [CG_PSI_CPU] = parse_cpu,
                [CG_PSI_MEMORY] = parse_memory,
                [CG_PSI_IO] = parse_io,
        };
        if (t->fd[COLLECTOR_SOURCE_UNIFIED] < 0)
                return 0;
        for (size_t i = 0; i < _CG_PSI_MAX; i++) {
                /* Optional: a cgroup can switch PSI off (cgroup.pressure = 0), then reads fail EOPNOTSUPP. */
                int r = collector_read_parse(t, COLLECTOR_SOURCE_UNIFIED, files[i], parsers[i], s);

                if (r < 0)
                        return r;
        }
        return 0;
}

const struct collector collector_psi = {
        .name = "psi",
        .probe = probe,
        .collect = collect,
};
