#include "config.h"

#include <arpa/inet.h>
#include <fcntl.h>

#include "ini_load.h"
#include "log.h"
#include "parse.h"

enum config_type {
        CT_PATH,
        CT_STRING,
        CT_BOOL,
        CT_DURATION,
        CT_SIZE,
        CT_COUNT,
        CT_LOGLEVEL,
        CT_NAME,
        CT_LISTEN
};

struct config_key {
        const char *section;
        const char *key;
        enum config_type type;
        size_t offset;
        size_t size;       /* for strings: the buffer size */
        uint64_t min, max; /* for numbers */
};

#define KEY_STR(sec, k, t, field)                                                                            \
        {                                                                                                    \
                sec, k, t, offsetof(struct config, field), sizeof(((struct config *)0)->field), 0, 0         \
        }
#define KEY_NUM(sec, k, t, field, lo, hi)                                                                    \
        {                                                                                                    \
                sec, k, t, offsetof(struct config, field), 0, lo, hi                                         \
        }

static const struct config_key config_keys[] = {
        KEY_STR("agent", "policy_dir", CT_PATH, policy_dir),
        KEY_STR("agent", "state_dir", CT_PATH, state_dir),
        KEY_STR("agent", "cgroup_root", CT_NAME, cgroup_root),
        KEY_NUM("agent", "log_level", CT_LOGLEVEL, log_level, 0, 0),
        KEY_NUM("agent", "mount_controllers", CT_BOOL, mount_controllers, 0, 0),
        KEY_NUM("agent", "kill_tasks_on_stop", CT_BOOL, kill_tasks_on_stop, 0, 0),
        KEY_NUM("agent", "retention", CT_DURATION, retention_us, 0, 7ull * 24 * 3600 * 1000000),
        KEY_NUM("agent", "sample_interval", CT_DURATION, sample_interval_us, 100000, 60000000),
        KEY_NUM("agent", "checkpoint_interval", CT_DURATION, checkpoint_interval_us, 1000000, 3600000000ull),
        KEY_NUM("agent", "max_tasks", CT_COUNT, max_tasks, 1, 100000),
        KEY_NUM("agent", "scrape_keep_files", CT_BOOL, scrape_keep_files, 0, 0),
        KEY_STR("http", "listen", CT_LISTEN, listen),
        KEY_STR("http", "control_socket", CT_PATH, control_socket),
        KEY_STR("http", "control_listen", CT_LISTEN, control_listen),
        KEY_STR("http", "token_file", CT_PATH, token_file),
        KEY_STR("http", "tls_cert", CT_PATH, tls_cert),
        KEY_STR("http", "tls_key", CT_PATH, tls_key),
        KEY_NUM("http", "max_body", CT_SIZE, max_body, 1024, 64ull << 20),
        KEY_NUM("http", "max_connections", CT_COUNT, max_connections, 1, 10000),
        KEY_NUM("http", "rate_limit", CT_COUNT, rate_limit, 1, 1000000),
};

void config_init(struct config *c)
{
        *c = (struct config){
                .log_level = LOG_LEVEL_INFO,
                .mount_controllers = true,
                .kill_tasks_on_stop = false,
                .retention_us = 5ull * 60 * 1000000,
                .sample_interval_us = 1000000,
                .checkpoint_interval_us = 30ull * 1000000,
                .max_tasks = 10000,
                .max_body = 1 << 20,
                .max_connections = 256,
                .rate_limit = 200,
        };
        strcpy(c->policy_dir, "/etc/cgmeter/policies.d");
        strcpy(c->state_dir, "/var/lib/cgmeter");
        strcpy(c->cgroup_root, "cgmeter");
        strcpy(c->listen, "127.0.0.1:9750");
        strcpy(c->control_socket, "/run/cgmeter/control.sock");
}

int config_split_listen(const char *listen, char *host, size_t host_len, uint16_t *port)
{
        const char *colon;
        uint64_t p;
        size_t hl;

        if (listen[0] == '[') {
                const char *end = strchr(listen, ']');

                if (!end || end[1] != ':')
                        return -EINVAL;
                hl = (size_t)(end - listen - 1);
                listen++;
                colon = end + 1;
        } else {
                colon = strrchr(listen, ':');
                if (!colon)
                        return -EINVAL;
                hl = (size_t)(colon - listen);
                if (memchr(listen, ':', hl))
                        return -EINVAL; /* a bare IPv6 address needs brackets */
        }
        if (hl >= host_len)
                return -EINVAL;
        if (parse_u64_range(colon + 1, 1, 65535, &p) < 0)
                return -EINVAL;
        memcpy(host, listen, hl);
        host[hl] = '\0';
        if (hl == 0)
                strcpy(host, "0.0.0.0");
        *port = (uint16_t)p;
        return 0;
}

static int check_listen(const char *value)
{
        char host[64];
        unsigned char addr[16];
        uint16_t port;

        if (config_split_listen(value, host, sizeof(host), &port) < 0)
                return -EINVAL;
        if (inet_pton(AF_INET, host, addr) != 1 && inet_pton(AF_INET6, host, addr) != 1)
                return -EINVAL;
        return 0;
}

struct config_parse {
        const char *file;
        struct config *c;
        struct diag_list *diag;
        unsigned seen[ARRAY_SIZE(config_keys)];
        bool section_known;
};

static int config_set_string(struct config_parse *cp, const struct config_key *k, const char *value,
                             unsigned line)
{
        char *dst = (char *)cp->c + k->offset;

        if (strlen(value) >= k->size)
                return diag_add(cp->diag, cp->file, line, "%s.%s: value too long (at most %zu characters)",
                                k->section, k->key, k->size - 1);
        if (k->type == CT_PATH && value[0] != '\0' && value[0] != '/')
                return diag_add(cp->diag, cp->file, line, "%s.%s: '%s' is not an absolute path", k->section,
                                k->key, value);
        if (k->type == CT_NAME && !name_is_valid(value))
                return diag_add(cp->diag, cp->file, line,
                                "%s.%s: invalid name '%s' (use 1-63 of A-Z a-z 0-9 _ . -)", k->section,
                                k->key, value);
        if (k->type == CT_LISTEN && value[0] != '\0' && check_listen(value) < 0)
                return diag_add(
                    cp->diag, cp->file, line,
                    "%s.%s: invalid address '%s' (expected IP:PORT, [IPv6]:PORT or empty for off)",
                    k->section, k->key, value);
        strcpy(dst, value);
        return 0;
}

static int config_set_number(struct config_parse *cp, const struct config_key *k, const char *value,
                             unsigned line)
{
        void *dst = (char *)cp->c + k->offset;
        uint64_t v;
        bool b;
        enum log_level lvl;
        int r;

        switch (k->type) {
        case CT_BOOL:
                if (parse_bool(value, &b) < 0)
                        return diag_add(cp->diag, cp->file, line,
                                        "%s.%s: invalid boolean '%s' (use yes or no)", k->section, k->key,
                                        value);
                *(bool *)dst = b;
                return 0;
        case CT_LOGLEVEL:
                if (log_level_from_string(value, &lvl) < 0)
                        return diag_add(cp->diag, cp->file, line,
                                        "%s.%s: invalid level '%s' (use error, warning, info or debug)",
                                        k->section, k->key, value);
                *(int *)dst = (int)lvl;
                return 0;
        case CT_DURATION:
                r = parse_duration_us(value, &v);
                if (r == -EINVAL)
                        return diag_add(
                            cp->diag, cp->file, line,
                            "%s.%s: invalid duration '%s' (expected a number with a unit: us, ms, s, m)",
                            k->section, k->key, value);
                break;
        case CT_SIZE:
                r = parse_size(value, &v);
                if (r == -EINVAL)
                        return diag_add(
                            cp->diag, cp->file, line,
                            "%s.%s: invalid size '%s' (expected a number with an optional K, M, G or "
                            "T suffix)",
                            k->section, k->key, value);
                break;
        default:
                r = parse_u64(value, &v);
                if (r == -EINVAL)
                        return diag_add(cp->diag, cp->file, line, "%s.%s: invalid number '%s'", k->section,
                                        k->key, value);
                break;
        }
        if (r < 0 || v < k->min || v > k->max)
                return diag_add(cp->diag, cp->file, line, "%s.%s: '%s' is out of range", k->section, k->key,
                                value);
        *(uint64_t *)dst = v;
        return 0;
}

static int config_handler(void *userdata, const char *section, const char *key, const char *value,
                          unsigned line)
{
        struct config_parse *cp = userdata;

        if (!key) {
                cp->section_known = streq(section, "agent") || streq(section, "http");
                if (!cp->section_known)
                        return diag_add(cp->diag, cp->file, line,
                                        "unknown section [%s] (expected [agent] or [http])", section);
                return 0;
        }
        if (!cp->section_known)
                return 0;
        for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++) {
                const struct config_key *k = &config_keys[i];

                if (!streq(k->section, section) || !streq(k->key, key))
                        continue;
                if (cp->seen[i])
                        return diag_add(cp->diag, cp->file, line,
                                        "%s.%s: duplicate key (first set at line %u)", section, key,
                                        cp->seen[i]);
                cp->seen[i] = line;
                if (k->size > 0)
                        return config_set_string(cp, k, value, line);
                return config_set_number(cp, k, value, line);
        }
        return diag_add(cp->diag, cp->file, line, "unknown key '%s' in [%s]", key, section);
}

static int config_check(struct config_parse *cp)
{
        const struct config *c = cp->c;

        if (c->control_listen[0] && !c->token_file[0])
                return diag_add(cp->diag, cp->file, 0,
                                "http.control_listen: the TCP control listener needs http.token_file");
        if (!!c->tls_cert[0] != !!c->tls_key[0])
                return diag_add(cp->diag, cp->file, 0, "http.tls_cert and http.tls_key must be set together");
        if (c->control_socket[0] == '\0' && c->control_listen[0] == '\0')
                return diag_add(
                    cp->diag, cp->file, 0,
                    "http.control_socket: empty, and no control_listen: nothing could control the agent");
        return 0;
}

int config_parse_string(const char *file, const char *text, struct config *c, struct diag_list *diag)
{
        struct config_parse cp = { .file = file, .c = c, .diag = diag };
        size_t before = diag_count(diag);
        int r;

        r = ini_load_string(file, text, config_handler, &cp, diag);
        if (r < 0)
                return r;
        r = config_check(&cp);
        if (r < 0)
                return r;
        return diag_count(diag) > before ? -EINVAL : 0;
}

int config_load(const char *path, struct config *ret, struct diag_list *diag)
{
        _cleanup_free_ char *text = NULL;
        const char *p = path ?: CONFIG_DEFAULT_PATH;
        struct config c;
        int r;

        config_init(&c);
        r = read_file_at(AT_FDCWD, p, CONFIG_FILE_MAX, &text, NULL);
        if (r == -ENOENT && !path) {
                *ret = c;
                return 0;
        }
        if (r == -EFBIG)
                return diag_add(diag, p, 0, "file too large (more than %d bytes)", CONFIG_FILE_MAX)
                           ?: -EINVAL;
        if (r < 0)
                return diag_add(diag, p, 0, "cannot read: %s", strerror(-r)) ?: r;
        if (strlen(p) >= sizeof(c.path))
                return diag_add(diag, p, 0, "path too long") ?: -EINVAL;
        strcpy(c.path, p);
        r = config_parse_string(p, text, &c, diag);
        if (r < 0)
                return r;
        *ret = c;
        return 0;
}
