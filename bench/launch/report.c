/* Medians, p99 and ratios of a finished run: a markdown table on stdout, raw samples and a summary as TSV. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "util.h"

const char *const bench_metric_names[M_MAX] = {
        [M_EXEC] = "launch -> exec",
        [M_EXIT] = "launch -> exit",
        [M_CYCLE] = "launch -> exit + cgroups removed",
        [P_CREATE] = "mkdir in every hierarchy",
        [P_APPLY] = "write the limits",
        [P_LAUNCH] = "launch_task() to exec",
        [P_WAIT] = "exec to reaped",
        [P_REMOVE] = "rmdir in every hierarchy",
};

struct stat_row {
        uint64_t median, p99;
};

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return x < y ? -1 : x > y;
}

/* Median (mean of the two middle values for even n) and p99 by nearest rank: the ceil(0.99 n)-th value. */
static int stats(const uint64_t *v, size_t n, struct stat_row *ret)
{
        _cleanup_free_ uint64_t *s = NULL;

        if (n == 0)
                return -ENODATA;
        s = malloc(n * sizeof(*s));
        if (!s)
                return -ENOMEM;
        memcpy(s, v, n * sizeof(*s));
        qsort(s, n, sizeof(*s), cmp_u64);
        ret->median = (s[(n - 1) / 2] + s[n / 2]) / 2;
        ret->p99 = s[(99 * n + 99) / 100 - 1];
        return 0;
}

static const char *what_is_timed(const struct bench_entry *e, int m)
{
        if (e->kind == BENCH_CGMETER)
                return bench_metric_names[m];
        if (e->kind == BENCH_API)
                return "request -> 201 answer (task exec'd)";
        return e->n_steps > 1 ? "process start -> exit, every timed step" : "process start -> exit";
}

/* The reference medians: cgmeter in-process launch -> exit, and the --ref entry (its first metric). */
static void ref_medians(const struct bench_opts *o, uint64_t *ret_cgm, uint64_t *ret_ref)
{
        struct stat_row st;

        *ret_cgm = *ret_ref = 0;
        for (size_t i = 0; i < o->n_entries; i++) {
                const struct bench_entry *e = &o->entries[i];

                if (e->kind == BENCH_CGMETER && stats(e->samples[M_EXIT], e->n, &st) == 0)
                        *ret_cgm = st.median;
                if (o->ref && streq(o->ref, e->label) && stats(e->samples[0], e->n, &st) == 0)
                        *ret_ref = st.median;
        }
}

static void ratio(char *buf, size_t n, uint64_t v, uint64_t ref)
{
        if (ref == 0)
                snprintf(buf, n, "-");
        else
                snprintf(buf, n, "%.2f", (double)v / (double)ref);
}

/* Where cgmeter's in-process time goes: the median of each phase (medians do not add up exactly). */
static void print_phases(const struct bench_opts *o)
{
        const struct bench_entry *e = &o->entries[0];
        struct stat_row st;

        if (o->n_entries == 0 || e->kind != BENCH_CGMETER || e->n == 0)
                return;
        printf("\ncgmeter in-process, median of each phase (ms):");
        for (int m = M_N_METRICS; m < M_MAX; m++)
                if (stats(e->samples[m], e->n, &st) == 0)
                        printf("%s %s %.2f", m == M_N_METRICS ? "" : ",", bench_metric_names[m],
                               (double)st.median / 1e6);
        printf("\n");
}

static void print_table(const struct bench_opts *o, FILE *summary)
{
        uint64_t cgm, ref;

        ref_medians(o, &cgm, &ref);
        printf("| launcher | timed | n | median ms | p99 ms | ÷ cgmeter launch->exit |%s%s%s errors |\n",
               o->ref ? " ÷ " : "", o->ref ? o->ref : "", o->ref ? " |" : "");
        printf("| --- | --- | ---: | ---: | ---: | ---: |%s ---: |\n", o->ref ? " ---: |" : "");
        for (size_t i = 0; i < o->n_entries; i++) {
                const struct bench_entry *e = &o->entries[i];

                for (int m = 0; m < M_N_METRICS && e->samples[m]; m++) {
                        struct stat_row st = { 0 };
                        char r1[32], r2[32];

                        if (stats(e->samples[m], e->n, &st) < 0) {
                                printf("| %s | %s | 0 | - | - | - |%s %u |\n", e->label, what_is_timed(e, m),
                                       o->ref ? " - |" : "", e->errors);
                                continue;
                        }
                        ratio(r1, sizeof(r1), st.median, cgm);
                        ratio(r2, sizeof(r2), st.median, ref);
                        printf("| %s | %s | %zu | %.2f | %.2f | %s |%s%s%s %u |\n", e->label,
                               what_is_timed(e, m), e->n, (double)st.median / 1e6, (double)st.p99 / 1e6, r1,
                               o->ref ? " " : "", o->ref ? r2 : "", o->ref ? " |" : "", e->errors);
                        if (summary)
                                fprintf(summary, "%s\t%s\t%zu\t%llu\t%llu\t%u\n", e->label,
                                        what_is_timed(e, m), e->n, (unsigned long long)st.median,
                                        (unsigned long long)st.p99, e->errors);
                }
        }
        print_phases(o);
        for (size_t i = 0; i < o->n_entries; i++)
                if (o->entries[i].errors)
                        printf("\n%s: %u failed launches (not counted), the last: %s\n", o->entries[i].label,
                               o->entries[i].errors, o->entries[i].last_error);
}

static int write_raw(const struct bench_opts *o)
{
        _cleanup_fclose_ FILE *f = fopen(o->raw, "we");

        if (!f)
                return -errno;
        fprintf(f, "launcher\tmetric\tsample\tns\n");
        for (size_t i = 0; i < o->n_entries; i++) {
                const struct bench_entry *e = &o->entries[i];

                for (int m = 0; m < M_MAX && e->samples[m]; m++)
                        for (size_t k = 0; k < e->n; k++)
                                fprintf(f, "%s\t%s\t%zu\t%llu\n", e->label, what_is_timed(e, m), k,
                                        (unsigned long long)e->samples[m][k]);
        }
        return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
}

int bench_report(const struct bench_opts *o)
{
        _cleanup_fclose_ FILE *summary = NULL;
        int r;

        if (o->summary) {
                summary = fopen(o->summary, "we");
                if (!summary) {
                        r = -errno;
                        fprintf(stderr, "launch-bench: %s: %s\n", o->summary, strerror(-r));
                        return r;
                }
                fprintf(summary, "launcher\tmetric\tn\tmedian_ns\tp99_ns\terrors\n");
        }
        print_table(o, summary);
        if (o->raw && (r = write_raw(o)) < 0) {
                fprintf(stderr, "launch-bench: %s: %s\n", o->raw, strerror(-r));
                return r;
        }
        return 0;
}
