/* Private to the policy engine: the parser state shared by the key table (policy-parse.c) and the file-level
 * logic (policy.c). */
#pragma once

#include "policy.h"

/* Every key, so a key's first line can be remembered and cross-key checks can name it. */
enum policy_key_id {
        K_POLICY_NAME,
        K_POLICY_DESCRIPTION,
        K_POLICY_TENANT,
        K_POLICY_TENANT_OVERRIDE,
        K_POLICY_SCOPE,
        K_POLICY_NAMESPACES,
        K_POLICY_HOSTNAME,
        K_POLICY_INIT,
        K_POLICY_UID_MAP,
        K_POLICY_GID_MAP,
        K_POLICY_USER,
        K_POLICY_OUTPUT,
        K_POLICY_HOOK,
        K_POLICY_HOOK_TIMEOUT,
        K_MEMORY_LIMIT,
        K_MEMORY_SWAP_LIMIT,
        K_MEMORY_SOFT_LIMIT,
        K_MEMORY_OOM_KILL_DISABLE,
        K_MEMORY_SWAPPINESS,
        K_CPU_QUOTA,
        K_CPU_QUOTA_US,
        K_CPU_PERIOD_US,
        K_CPU_SHARES,
        K_CPU_WEIGHT,
        K_CPU_BURST,
        K_CPUSET_CPUS,
        K_CPUSET_MEMS,
        K_BLKIO_WEIGHT,
        K_BLKIO_READ_BPS,
        K_BLKIO_WRITE_BPS,
        K_BLKIO_READ_IOPS,
        K_BLKIO_WRITE_IOPS,
        K_DEVICES_DEFAULT,
        K_DEVICES_ALLOW,
        K_DEVICES_DENY,
        K_FREEZER_STATE,
        K_NET_CLS_CLASSID,
        K_NET_PRIO_IFPRIOMAP,
        K_PERF_EVENT_EVENTS,
        K_PIDS_MAX,
        K_PRESSURE_CPU,
        K_PRESSURE_MEMORY,
        K_PRESSURE_IO,
        K_OOM_ACTION,
        K_OOM_RESTART_MAX,
        K_OOM_RESTART_BACKOFF,
        K__MAX,
};

struct policy_parser;

struct policy_key_def {
        const char *section;
        const char *name;
        /* 0, -EINVAL when the value was wrong (already reported), or another negative errno to stop. */
        int (*parse)(struct policy_parser *ps, const char *value);
        bool repeatable;
};

/* Indexed by enum policy_key_id. */
extern const struct policy_key_def policy_keys[K__MAX];

struct policy_parser {
        const char *file;
        const struct policy_host *host;
        struct policy *p;
        struct diag_list diag;  /* this file's errors; sorted by line before they are handed out */
        const char *section;    /* the current section if known, NULL before any or in an unknown one */
        bool section_unknown;   /* keys of an unknown section are ignored (the header was reported) */
        enum policy_key_id key; /* the key being parsed */
        unsigned line;          /* its line */
        unsigned first[K__MAX]; /* line where each key was first set, 0 if not set */
        uint64_t quota_millis;  /* [cpu] quota in CPUs, turned into quota_us once the period is known */
        unsigned throttle_line[POLICY_MAX_THROTTLES];
        unsigned priomap_line[POLICY_MAX_PRIOMAP];
        unsigned idmap_line[2][POLICY_MAX_IDMAPS];
        bool limit_reported[K__MAX]; /* "too many" said once per key */
};

/* Add "<file>:<line>: <section>.<key>: <reason>" for the current key; returns -EINVAL (or -ENOMEM). */
int policy_bad(struct policy_parser *ps, const char *fmt, ...) _printf_(2, 3);
/* The same for any key at any line (cross-key checks at the end of a file). */
int policy_bad_at(struct policy_parser *ps, enum policy_key_id key, unsigned line, const char *fmt, ...)
    _printf_(4, 5);

/* Value helpers: each stores into *ret only on success and reports its own error for the current key
 * (returning -EINVAL). */
/* Split buf in place at blanks; the number of words, or max + 1 when there are more. */
size_t policy_split_words(char *buf, char **words, size_t max);
/* A size (parse_size); "max" gives POLICY_MAX when allow_max. */
int policy_value_size(struct policy_parser *ps, const char *v, bool allow_max, uint64_t *ret);
/* A duration within min..max microseconds; range is how the message names the bounds ("100ms..5m"). */
int policy_value_duration(struct policy_parser *ps, const char *v, uint64_t min, uint64_t max,
                          const char *range, uint64_t *ret);
int policy_value_range(struct policy_parser *ps, const char *v, uint64_t min, uint64_t max, bool allow_max,
                       uint64_t *ret);
int policy_value_bool(struct policy_parser *ps, const char *v, bool *ret);
/* The index of v in names (NULL entries never match); expected lists them as the message shows them. */
int policy_value_choice(struct policy_parser *ps, const char *v, const char *const *names, size_t n,
                        const char *expected, int *ret);
int policy_value_action(struct policy_parser *ps, const char *v, enum policy_action *ret);
/* An error if the key other was set already: two ways to say one thing. */
int policy_conflict(struct policy_parser *ps, enum policy_key_id other);
/* "too many WHAT (at most MAX)", once per limit: group is the first key of those that share it. */
int policy_too_many(struct policy_parser *ps, enum policy_key_id group, const char *what, size_t max);
