/* launch-bench: launch-to-exec latency of cgmeter against runc, bubblewrap and unshare + cgexec.
 * The method is bench/launch/README.md. Private to the benchmark; nothing here is part of the agent. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"
#include "policy.h"

#define BENCH_POLICY      "bench"
#define BENCH_MAX_STEPS   8
#define BENCH_MAX_WORDS   64
#define BENCH_MAX_ERRMSG  512
#define BENCH_MAX_ENTRIES 16

/* One launch done the way the agent does it, as monotonic time stamps (ns). */
struct cgm_stamps {
        uint64_t start;   /* before the task's cgroups are made */
        uint64_t created; /* mkdir done in every hierarchy */
        uint64_t applied; /* limits written */
        uint64_t exec;    /* launch_task() returned: the command has exec'd */
        uint64_t exit;    /* the command was reaped */
        uint64_t removed; /* the task's cgroups are gone */
};

/* The bench policy: six namespaces, memory 256M, 1 CPU (100000/100000 us), pids 256; init as the agent's
 * default (init = yes with a pid namespace) unless no_init. */
void cgm_policy(struct policy *p, bool no_init);

/* One task: create <root>/bench/<task> everywhere, write the limits, launch /bin/true, wait, remove.
 * On failure errbuf says which step and nothing is left (no process, no task cgroup). */
int cgm_cycle(struct cg_host *host, const struct policy *p, const char *task, struct cgm_stamps *ret,
              char *errbuf, size_t n);

/* A command line with "{i}" standing for the iteration number, split at spaces (no quoting). A step whose
 * template starts with '!' runs but is not timed (setup or teardown of a peer). */
struct bench_step {
        const char *tmpl;
        bool timed;
};

/* Run the steps in order with stdin and stdout on /dev/null and stderr to log_fd; *ret_ns is the time of the
 * timed steps. A step that does not exit 0 stops the sequence: -EIO with errbuf naming it. */
int bench_run_steps(const struct bench_step *steps, size_t n_steps, unsigned iteration, int log_fd,
                    uint64_t *ret_ns, char *errbuf, size_t n);

/* POST body to path over the unix socket sock (HTTP/1.1, Connection: close), reading the whole answer.
 * Returns 0 and the status code, or a negative errno. */
int bench_http_post(const char *sock, const char *path, const char *body, unsigned *ret_status);

enum bench_kind { BENCH_CGMETER, BENCH_API, BENCH_CMD };

/* The in-process cgmeter entry yields three metrics and five phases (where its time goes); the others one
 * metric. */
enum {
        M_EXEC,
        M_EXIT,
        M_CYCLE,
        M_N_METRICS,
        P_CREATE = M_N_METRICS,
        P_APPLY,
        P_LAUNCH,
        P_WAIT,
        P_REMOVE,
        M_MAX
};
extern const char *const bench_metric_names[M_MAX];

/* One launcher: cgmeter in-process, the agent's API, or a command sequence; n samples per metric. */
struct bench_entry {
        char label[64];
        enum bench_kind kind;
        struct bench_step steps[BENCH_MAX_STEPS];
        size_t n_steps;
        uint64_t *samples[M_MAX];
        size_t n;
        unsigned errors;
        char last_error[BENCH_MAX_ERRMSG];
};

/* The command line of launch-bench and its results. */
struct bench_opts {
        const char *root, *task, *socket, *ref, *raw, *summary, *log;
        unsigned n, warmup;
        bool no_init;
        struct bench_entry entries[BENCH_MAX_ENTRIES];
        size_t n_entries;
};

/* Print the table (markdown) to stdout and write --raw and --summary; -errno if a file cannot be written. */
int bench_report(const struct bench_opts *o);
