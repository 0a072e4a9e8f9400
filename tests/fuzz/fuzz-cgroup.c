/* libFuzzer target: every cgroup file parser of collectors/parse-cgroup.h on the same input.
 *
 * The input is copied into a buffer of exactly its size (no NUL after it), so AddressSanitizer reports any
 * read past len. Each parser must also keep its promise to change its output only on success. */
#include <errno.h>
#include <stdbool.h>

#include "fuzz-common.h"
#include "parse-cgroup.h"

/* A sample with every byte set, so a parser that writes on failure is seen. */
static void sample_fill(struct cg_sample *s)
{
        memset(s, 0xa5, sizeof(*s));
        s->io.n_devices = 3;
}

static void check(int r, const struct cg_sample *before, const struct cg_sample *after)
{
        if (r != 0 && r != -EINVAL)
                abort();
        if (r != 0 && memcmp(before, after, sizeof(*before)) != 0)
                abort(); /* output changed on failure */
        if (r == 0 && after->io.n_devices > CG_IO_MAX_DEVICES)
                abort();
}

static void run_sample_parsers(const char *buf, size_t len)
{
        static struct cg_sample before, s;
        int r;

        sample_fill(&before);
#define RUN(call)                                                                                            \
        do {                                                                                                 \
                memcpy(&s, &before, sizeof(s));                                                              \
                r = (call);                                                                                  \
                check(r, &before, &s);                                                                       \
        } while (0)
        RUN(cg_parse_cpu_stat_v1(buf, len, &s));
        RUN(cg_parse_cpu_stat_v2(buf, len, &s));
        RUN(cg_parse_cpuacct_usage(buf, len, &s));
        RUN(cg_parse_cpuacct_stat(buf, len, 100, &s));
        RUN(cg_parse_memory_stat(buf, len, false, 1u << 30, &s));
        RUN(cg_parse_memory_stat(buf, len, true, 1u << 30, &s));
        RUN(cg_parse_memory_events(buf, len, &s));
        RUN(cg_parse_oom_control(buf, len, &s));
        RUN(cg_parse_io_stat(buf, len, &s));
        RUN(cg_parse_blkio_v1(buf, len, true, &s));
        RUN(cg_parse_blkio_v1(buf, len, false, &s));
        for (int res = 0; res < _CG_PSI_MAX; res++)
                RUN(cg_parse_pressure(buf, len, (enum cg_psi_resource)res, &s));
#undef RUN
}

static void run_value_parsers(const char *buf, size_t len)
{
        uint64_t a = 7, found = 0;
        uint64_t k1 = 0, k2 = 0;
        const struct cg_key keys[] = { { "total_rss", &k1 }, { "nr_periods", &k2 } };
        int r;

        r = cg_parse_u64_value(buf, len, &a);
        if ((r != 0 && r != -EINVAL) || (r != 0 && a != 7))
                abort();
        r = cg_parse_flat_keyed(buf, len, keys, ARRAY_SIZE(keys), &found);
        if ((r != 0 && r != -EINVAL) || (r == 0 && (found & ~UINT64_C(3))))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *buf = malloc(size ? size : 1);

        if (!buf)
                abort();
        memcpy(buf, data, size);
        run_value_parsers(buf, size);
        run_sample_parsers(buf, size);
        free(buf);
        return 0;
}
