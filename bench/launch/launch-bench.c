/* launch-bench: time cgmeter's launch of /bin/true against peers, interleaved, in one process.
 *
 *   launch-bench once --root NAME --task ID [--no-init]
 *       one full launch as a separate process (host detection, cgroups, limits, launch, wait, removal)
 *   launch-bench compare --root NAME [-n 200] [--warmup 5] [--no-init] [--socket PATH]
 *                        [--peer 'LABEL=CMD [;; CMD]...']... [--ref LABEL] [--raw FILE] [--summary FILE]
 *                        [--log FILE]
 *       round-robin: each iteration runs every entry once, starting one entry later each time
 *   launch-bench cleanup --root NAME
 *       remove what a crashed run left below the own cgroup
 *
 * The method, and what each number means, is bench/launch/README.md. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "util.h"

static void usage(FILE *f)
{
        fprintf(f, "Usage: launch-bench once --root NAME --task ID [--no-init]\n"
                   "       launch-bench compare --root NAME [-n N] [--warmup N] [--no-init] [--socket PATH]\n"
                   "                            [--peer 'LABEL=CMD [;; CMD]...']... [--ref LABEL]\n"
                   "                            [--raw FILE] [--summary FILE] [--log FILE]\n"
                   "       launch-bench cleanup --root NAME\n"
                   "In CMD, {i} is the iteration number; a CMD starting with ! is run but not timed.\n");
}

static struct bench_entry *entry_add(struct bench_opts *o, const char *label, enum bench_kind kind)
{
        struct bench_entry *e;

        if (o->n_entries == BENCH_MAX_ENTRIES)
                return NULL;
        e = &o->entries[o->n_entries++];
        *e = (struct bench_entry){ .kind = kind };
        snprintf(e->label, sizeof(e->label), "%s", label);
        return e;
}

/* "LABEL=CMD ;; CMD": the steps point into arg (argv memory, which lives as long as main). */
static int peer_add(struct bench_opts *o, char *arg)
{
        char *eq = strchr(arg, '='), *cmd, *sep;
        struct bench_entry *e;

        if (!eq || eq == arg)
                return -EINVAL;
        *eq = '\0';
        e = entry_add(o, arg, BENCH_CMD);
        if (!e)
                return -E2BIG;
        for (cmd = eq + 1; cmd; cmd = sep) {
                sep = strstr(cmd, " ;; ");
                if (sep) {
                        *sep = '\0';
                        sep += 4;
                }
                cmd = strstrip(cmd);
                if (!*cmd || e->n_steps == BENCH_MAX_STEPS)
                        return -EINVAL;
                e->steps[e->n_steps++] = (struct bench_step){ .tmpl = cmd, .timed = cmd[0] != '!' };
        }
        return 0;
}

static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *ret)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v < min || v > max)
                return -EINVAL;
        *ret = (unsigned)v;
        return 0;
}

/* One option: 0, 1 for --help, or -EINVAL after saying what is wrong. */
static int parse_opt(int c, char *arg, struct bench_opts *o)
{
        const char **str = c == 'r'   ? &o->root
                           : c == 't' ? &o->task
                           : c == 's' ? &o->socket
                           : c == 'R' ? &o->ref
                           : c == 'W' ? &o->raw
                           : c == 'S' ? &o->summary
                           : c == 'l' ? &o->log
                                      : NULL;
        int r;

        if (str) {
                *str = arg;
                return 0;
        }
        switch (c) {
        case 'n':
                r = parse_uint(arg, 1, 100000, &o->n);
                break;
        case 'w':
                r = parse_uint(arg, 0, 1000, &o->warmup);
                break;
        case 'p':
                r = peer_add(o, arg);
                break;
        case 'I':
                o->no_init = true;
                return 0;
        case 'h':
                usage(stdout);
                return 1;
        default:
                return -EINVAL;
        }
        if (r < 0)
                fprintf(stderr, "launch-bench: bad value for --%s: %s\n",
                        c == 'n'   ? "n"
                        : c == 'w' ? "warmup"
                                   : "peer",
                        arg);
        return r < 0 ? -EINVAL : 0;
}

static int parse_args(int argc, char **argv, struct bench_opts *o)
{
        static const struct option longopts[] = {
                { "root", required_argument, NULL, 'r' },    { "task", required_argument, NULL, 't' },
                { "warmup", required_argument, NULL, 'w' },  { "no-init", no_argument, NULL, 'I' },
                { "socket", required_argument, NULL, 's' },  { "peer", required_argument, NULL, 'p' },
                { "ref", required_argument, NULL, 'R' },     { "raw", required_argument, NULL, 'W' },
                { "summary", required_argument, NULL, 'S' }, { "log", required_argument, NULL, 'l' },
                { "help", no_argument, NULL, 'h' },          {},
        };
        int c, r;

        o->n = 200;
        o->warmup = 5;
        while ((c = getopt_long(argc, argv, "n:h", longopts, NULL)) >= 0) {
                r = parse_opt(c, optarg, o);
                if (r != 0)
                        return r;
        }
        if (optind < argc) {
                fprintf(stderr, "launch-bench: unexpected argument '%s'\n", argv[optind]);
                return -EINVAL;
        }
        if (!o->root || !name_is_valid(o->root)) {
                fprintf(stderr, "launch-bench: --root NAME is required ([A-Za-z0-9_.-], 1..63 chars)\n");
                return -EINVAL;
        }
        return 0;
}

static int cmd_once(struct bench_opts *o)
{
        struct cg_host *host = NULL;
        struct cgm_stamps s;
        struct policy p;
        char err[BENCH_MAX_ERRMSG];
        int r;

        if (!o->task || !name_is_valid(o->task)) {
                fprintf(stderr, "launch-bench once: --task ID is required\n");
                return 2;
        }
        cgm_policy(&p, o->no_init);
        r = cg_host_open(o->root, false, &host);
        if (r < 0) {
                fprintf(stderr, "launch-bench once: cannot open the cgroup hierarchies: %s\n", strerror(-r));
                return 1;
        }
        r = cgm_cycle(host, &p, o->task, &s, err, sizeof(err));
        cg_host_free(host);
        if (r < 0) {
                fprintf(stderr, "launch-bench once: %s\n", err);
                return 1;
        }
        return 0;
}

/* Remove <root>/bench and <root>: what compare and every "once" left. */
static int remove_root(struct cg_host *host)
{
        struct cg_node *node = NULL;
        int r;

        r = cg_node_open(host, BENCH_POLICY, NULL, &node);
        if (r >= 0) {
                r = cg_node_remove(host, node);
                cg_node_free(node);
                if (r < 0)
                        return r;
        }
        return cg_host_remove(host);
}

static int cmd_cleanup(struct bench_opts *o)
{
        struct cg_host *host = NULL;
        int r;

        r = cg_host_open(o->root, false, &host);
        if (r >= 0) {
                r = remove_root(host);
                cg_host_free(host);
        }
        if (r < 0) {
                fprintf(stderr, "launch-bench cleanup: %s: %s\n", o->root, strerror(-r));
                return 1;
        }
        return 0;
}

static int run_entry(struct bench_opts *o, struct bench_entry *e, struct cg_host *host,
                     const struct policy *p, unsigned it, bool record, int log_fd)
{
        uint64_t v[M_MAX] = { 0 };
        char task[32];
        int r = 0;

        switch (e->kind) {
        case BENCH_CGMETER: {
                struct cgm_stamps s;

                snprintf(task, sizeof(task), "t%u", it);
                r = cgm_cycle(host, p, task, &s, e->last_error, sizeof(e->last_error));
                v[M_EXEC] = s.exec - s.start;
                v[M_EXIT] = s.exit - s.start;
                v[M_CYCLE] = s.removed - s.start;
                v[P_CREATE] = s.created - s.start;
                v[P_APPLY] = s.applied - s.created;
                v[P_LAUNCH] = s.exec - s.applied;
                v[P_WAIT] = s.exit - s.exec;
                v[P_REMOVE] = s.removed - s.exit;
                break;
        }
        case BENCH_API: {
                uint64_t t0 = now_monotonic_ns();
                unsigned status = 0;

                r = bench_http_post(o->socket, "/v1/tasks",
                                    "{\"command\":[\"/bin/true\"],\"policy\":\"bench\"}", &status);
                v[M_EXEC] = now_monotonic_ns() - t0;
                if (r < 0)
                        snprintf(e->last_error, sizeof(e->last_error), "POST /v1/tasks: %s", strerror(-r));
                else if (status != 201) {
                        snprintf(e->last_error, sizeof(e->last_error), "POST /v1/tasks: HTTP %u", status);
                        r = -EIO;
                }
                break;
        }
        case BENCH_CMD:
                r = bench_run_steps(e->steps, e->n_steps, it, log_fd, &v[M_EXEC], e->last_error,
                                    sizeof(e->last_error));
                break;
        }
        if (r < 0) {
                e->errors++;
                return r;
        }
        if (record) {
                for (int m = 0; m < M_MAX; m++)
                        if (e->samples[m])
                                e->samples[m][e->n] = v[m];
                e->n++;
        }
        return 0;
}

static int entries_alloc(struct bench_opts *o)
{
        for (size_t i = 0; i < o->n_entries; i++) {
                struct bench_entry *e = &o->entries[i];

                for (int m = 0; m < (e->kind == BENCH_CGMETER ? M_MAX : 1); m++) {
                        e->samples[m] = calloc(o->n, sizeof(uint64_t));
                        if (!e->samples[m])
                                return -ENOMEM;
                }
        }
        return 0;
}

static int cmd_compare(struct bench_opts *o)
{
        struct cg_host *host = NULL;
        struct cg_node *policy_node = NULL;
        _cleanup_close_ int log_fd = -1;
        struct policy p;
        unsigned total = o->warmup + o->n;
        int r;

        if (o->n_entries + 1 + !!o->socket > BENCH_MAX_ENTRIES) {
                fprintf(stderr, "launch-bench: at most %d peers\n", BENCH_MAX_ENTRIES - 2);
                return 2;
        }
        /* the in-process entry first, so that the agent and the peers read in order in the table */
        memmove(&o->entries[1 + !!o->socket], &o->entries[0], o->n_entries * sizeof(o->entries[0]));
        o->n_entries += 1 + !!o->socket;
        o->entries[0] = (struct bench_entry){ .label = "cgmeter in-process", .kind = BENCH_CGMETER };
        if (o->socket)
                o->entries[1] =
                    (struct bench_entry){ .label = "cgmeter agent API, raw POST", .kind = BENCH_API };
        if (entries_alloc(o) < 0) {
                fprintf(stderr, "launch-bench: out of memory\n");
                return 1;
        }
        if (o->log) {
                log_fd = open(o->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
                if (log_fd < 0) {
                        fprintf(stderr, "launch-bench: %s: %s\n", o->log, strerror(errno));
                        return 1;
                }
        }
        cgm_policy(&p, o->no_init);
        r = cg_host_open(o->root, false, &host);
        if (r < 0) {
                fprintf(stderr, "launch-bench: cannot open the cgroup hierarchies: %s\n", strerror(-r));
                return 1;
        }
        /* the agent makes the policy's node on first use and keeps it; so does this run */
        r = cg_node_create(host, BENCH_POLICY, NULL, &policy_node);
        if (r < 0) {
                fprintf(stderr, "launch-bench: cannot create the policy's cgroup: %s\n", strerror(-r));
                cg_host_free(host);
                return 1;
        }
        cg_node_free(policy_node);
        for (unsigned it = 0; it < total; it++) {
                for (size_t k = 0; k < o->n_entries; k++) {
                        struct bench_entry *e = &o->entries[(it + k) % o->n_entries];

                        (void)run_entry(o, e, host, &p, it, it >= o->warmup, log_fd);
                }
                if ((it + 1) % 50 == 0)
                        fprintf(stderr, "launch-bench: %u/%u rounds\n", it + 1, total);
        }
        r = remove_root(host);
        if (r < 0)
                fprintf(stderr, "launch-bench: cannot remove %s: %s\n", o->root, strerror(-r));
        cg_host_free(host);
        return bench_report(o) < 0 || r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
        struct bench_opts o = { 0 };
        const char *cmd = argc > 1 ? argv[1] : "";
        int r;

        if (streq(cmd, "-h") || streq(cmd, "--help")) {
                usage(stdout);
                return 0;
        }
        if (!streq(cmd, "once") && !streq(cmd, "compare") && !streq(cmd, "cleanup")) {
                usage(stderr);
                return 2;
        }
        r = parse_args(argc - 1, argv + 1, &o);
        if (r != 0)
                return r > 0 ? 0 : 2;
        if (streq(cmd, "once"))
                return cmd_once(&o);
        if (streq(cmd, "cleanup"))
                return cmd_cleanup(&o);
        return cmd_compare(&o);
}
