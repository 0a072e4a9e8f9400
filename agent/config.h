/* The agent's own configuration, /etc/cgmeter/cgmeter.ini. Every key has an embedded default, so the agent
 * starts with no file at all. The reference of every key is docs/config.md and conf/cgmeter.ini. */
#pragma once

#include <limits.h>

#include "diag.h"

#define CONFIG_DEFAULT_PATH "/etc/cgmeter/cgmeter.ini"
#define CONFIG_FILE_MAX     (64 * 1024)

struct config {
        char path[PATH_MAX]; /* the file read, or "" for embedded defaults */

        /* [agent] */
        char policy_dir[PATH_MAX]; /* /etc/cgmeter/policies.d */
        char state_dir[PATH_MAX];  /* /var/lib/cgmeter */
        char cgroup_root[64];      /* cgmeter: the subtree below the agent's own cgroup */
        int log_level;             /* enum log_level; info */
        bool mount_controllers;    /* mount net_cls/net_prio/perf_event v1 hierarchies a policy needs; yes */
        bool kill_tasks_on_stop;   /* SIGTERM also kills running tasks; no */
        uint64_t retention_us;     /* how long an ended task's final values stay in /metrics; 5m */
        uint64_t sample_interval_us;     /* memory byte-seconds integration and checkpoints; 1s */
        uint64_t checkpoint_interval_us; /* ledger checkpoints of running tasks; 30s */
        uint64_t max_tasks;              /* live tasks at once; 10000 */
        bool scrape_keep_files;          /* keep the tasks' stats files open between scrapes (pread); no */

        /* [http] */
        char listen[128];              /* read-only listener (/metrics, /healthz); 127.0.0.1:9750; "" = off */
        char control_socket[PATH_MAX]; /* /run/cgmeter/control.sock */
        char control_listen[128];      /* TCP control listener; "" = off (needs token_file) */
        char token_file[PATH_MAX];
        char tls_cert[PATH_MAX];
        char tls_key[PATH_MAX];
        uint64_t max_body;        /* request body bytes; 1M */
        uint64_t max_connections; /* per listener; 256 */
        uint64_t rate_limit;      /* control requests per second per listener; 200 */
};

/* Embedded defaults. */
void config_init(struct config *c);
/* Parse text over the defaults already in *c; errors go to diag as "file:line: reason". Returns 0 or -EINVAL.
 */
int config_parse_string(const char *file, const char *text, struct config *c, struct diag_list *diag);
/* Load path over defaults. When path is NULL, CONFIG_DEFAULT_PATH is read if it exists, else the defaults are
 * used (c->path stays ""). An explicit path that does not exist is an error. */
int config_load(const char *path, struct config *ret, struct diag_list *diag);
/* Split "host:port" / "[v6]:port" / ":port"; returns 0 or -EINVAL. */
int config_split_listen(const char *listen, char *host, size_t host_len, uint16_t *port);
