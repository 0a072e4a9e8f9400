/* CPU: usage, user/system split and CFS throttling. v1 reads cpuacct (usage) and cpu (throttling); v2 reads
 * the one cpu.stat. */
#include "parse-cgroup.h"

static int probe(const struct collector_target *ex, char *why, size_t n)
{
        int r;

        if (!ex->v2 && ex->fd[COLLECTOR_SOURCE_CPUACCT] >= 0)
                return 1;
        if (ex->fd[COLLECTOR_SOURCE_UNIFIED] >= 0) {
                /* cpu.stat is a core v2 file: usage is there even without the cpu controller. */
                r = collector_has_file(ex, COLLECTOR_SOURCE_UNIFIED, "cpu.stat");
                if (r != 0)
                        return r;
        }
        snprintf(why, n, "%s",
                 ex->v2 ? "no cpu.stat in the cgroup" : "no cpuacct hierarchy and no unified cpu.stat");
        return 0;
}

static int parse_cpuacct_stat(const char *buf, size_t len, struct cg_sample *s)
{
        /* cpuacct.stat counts USER_HZ ticks. */
        return cg_parse_cpuacct_stat(buf, len, sysconf(_SC_CLK_TCK), s);
}

static int collect_v1(const struct collector_target *t, struct cg_sample *s)
{
        int r;

        if (t->fd[COLLECTOR_SOURCE_CPUACCT] >= 0) {
                r = collector_read_parse(t, COLLECTOR_SOURCE_CPUACCT, "cpuacct.usage", cg_parse_cpuacct_usage,
                                         s);
                if (r < 0)
                        return r;
                r = collector_read_parse(t, COLLECTOR_SOURCE_CPUACCT, "cpuacct.stat", parse_cpuacct_stat, s);
                if (r < 0)
                        return r;
        } else if (t->fd[COLLECTOR_SOURCE_UNIFIED] >= 0) {
                r = collector_read_parse(t, COLLECTOR_SOURCE_UNIFIED, "cpu.stat", cg_parse_cpu_stat_v2, s);
                if (r < 0)
                        return r;
        }
        if (t->fd[COLLECTOR_SOURCE_CPU] >= 0) {
                r = collector_read_parse(t, COLLECTOR_SOURCE_CPU, "cpu.stat", cg_parse_cpu_stat_v1, s);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int collect(const struct collector_target *t, struct cg_sample *s)
{
        int r;

        if (!t->v2)
                return collect_v1(t, s);
        r = collector_read_parse(t, COLLECTOR_SOURCE_UNIFIED, "cpu.stat", cg_parse_cpu_stat_v2, s);
        return r < 0 ? r : 0;
}

const struct collector collector_cpu = {
        .name = "cpu",
        .probe = probe,
        .collect = collect,
};
