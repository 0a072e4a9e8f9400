/* cgmeter: the command-line client of cgmeterd's control API. */
#include <ctype.h>
#include <getopt.h>
#include <time.h>
#include <json-c/json.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "client.h"
#include "util.h"

/* Exit codes scripts can rely on. */
enum {
        EXIT_OK = 0,
        EXIT_REFUSED = 1,     /* the agent answered with an error */
        EXIT_USAGE = 2,       /* bad command line */
        EXIT_UNREACHABLE = 3, /* no agent on the socket, or no permission to use it */
};

struct cli {
        const char *socket;
        bool json;
};

static void usage(FILE *f)
{
        fprintf(
            f,
            "Usage: cgmeter [--socket PATH] [--json] COMMAND [ARGS]\n\n"
            "Commands:\n"
            "  run [--policy P] [--name N] [--tenant T] [--env K=V]... [--cwd DIR] [--wait] -- CMD [ARG]...\n"
            "                           start a task; prints its id (with --wait: waits and exits with the\n"
            "                           task's status, 128+N for signal N)\n"
            "  ps [-a|--all]            list running tasks (--all: ended ones too, while retained)\n"
            "  kill [--all] ID [SIGNAL] signal a task's main process (--all: every process), default TERM\n"
            "  pause ID | --policy P    freeze a task (or every running task of a policy)\n"
            "  resume ID | --policy P   thaw it again\n"
            "  policies                 list the policies in force\n"
            "  reload                   reload the policy directory (all-or-nothing)\n"
            "  events [--follow] [--since SEQ]\n"
            "                           OOM and pressure events (--follow: keep printing new ones;\n"
            "                           --since: only those after event number SEQ)\n"
            "  health                   ask the agent whether it is up\n\n"
            "Options:\n"
            "  -s, --socket PATH  control socket (default: $CGMETER_SOCKET, else /run/cgmeter/control.sock)\n"
            "  -j, --json         print the agent's JSON instead of a table\n\n"
            "Exit status: 0 done, 1 the agent refused (the message says why), 2 usage error,\n"
            "3 the agent cannot be reached.\n");
}

/* Do one request; print transport errors and JSON errors. Returns an exit code, and the parsed body on 2xx.
 */
static int call(const struct cli *c, const char *method, const char *path, const char *body,
                struct json_object **ret)
{
        _cleanup_free_ char *out = NULL;
        const char *sock = client_socket_path(c->socket);
        struct json_object *o, *err, *msg;
        unsigned status;
        size_t len;
        int r;

        r = client_request(sock, method, path, body, NULL, &status, &out, &len);
        if (r == -ENOENT || r == -ECONNREFUSED) {
                fprintf(stderr, "cgmeter: no agent is listening on %s (is cgmeterd running?)\n", sock);
                return EXIT_UNREACHABLE;
        }
        if (r == -EACCES || r == -EPERM) {
                fprintf(stderr, "cgmeter: permission denied on %s (the control socket is root's)\n", sock);
                return EXIT_UNREACHABLE;
        }
        if (r < 0) {
                fprintf(stderr, "cgmeter: request to %s failed: %s\n", sock, strerror(-r));
                return EXIT_UNREACHABLE;
        }
        o = json_tokener_parse(out);
        if (status >= 300) {
                if (c->json)
                        fputs(out, stdout);
                else if (o && json_object_object_get_ex(o, "error", &err) &&
                         json_object_object_get_ex(err, "message", &msg)) {
                        struct json_object *errs;

                        fprintf(stderr, "cgmeter: %s\n", json_object_get_string(msg));
                        if (json_object_object_get_ex(err, "errors", &errs))
                                for (size_t i = 0; i < json_object_array_length(errs); i++)
                                        fprintf(stderr, "  %s\n",
                                                json_object_get_string(json_object_array_get_idx(errs, i)));
                } else
                        fprintf(stderr, "cgmeter: the agent answered %u: %s\n", status, out);
                json_object_put(o);
                return EXIT_REFUSED;
        }
        if (!o) {
                fprintf(stderr, "cgmeter: the agent's answer is not JSON\n");
                return EXIT_REFUSED;
        }
        if (c->json)
                fputs(out, stdout);
        *ret = o;
        return EXIT_OK;
}

static const char *jstr(struct json_object *o, const char *key)
{
        struct json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !v)
                return "";
        return json_object_get_string(v);
}

static int cmd_policies(const struct cli *c, int argc, char **argv)
{
        struct json_object *o = NULL;
        int r = call(c, "GET", "/v1/policies", NULL, &o);

        if (r != EXIT_OK || c->json) {
                json_object_put(o);
                return r;
        }
        printf("%-20s %-8s %-16s %s\n", "POLICY", "SCOPE", "TENANT", "FILE");
        for (size_t i = 0; i < json_object_array_length(o); i++) {
                struct json_object *p = json_object_array_get_idx(o, i);

                printf("%-20s %-8s %-16s %s\n", jstr(p, "name"), jstr(p, "scope"), jstr(p, "tenant"),
                       jstr(p, "file"));
        }
        json_object_put(o);
        return EXIT_OK;
}

static int cmd_reload(const struct cli *c, int argc, char **argv)
{
        struct json_object *o = NULL;
        int r = call(c, "POST", "/v1/reload", "{}", &o);

        if (r == EXIT_OK && !c->json) {
                struct json_object *w;

                printf("reloaded: %s policies in force\n", jstr(o, "policies"));
                if (json_object_object_get_ex(o, "warnings", &w))
                        for (size_t i = 0; i < json_object_array_length(w); i++)
                                fprintf(stderr, "warning: %s\n",
                                        json_object_get_string(json_object_array_get_idx(w, i)));
        }
        json_object_put(o);
        return r;
}

static int cmd_health(const struct cli *c, int argc, char **argv)
{
        struct json_object *o = NULL;
        int r = call(c, "GET", "/healthz", NULL, &o);

        if (r == EXIT_OK && !c->json)
                printf("%s (cgmeterd %s, %s policies)\n", jstr(o, "status"), jstr(o, "version"),
                       jstr(o, "policies"));
        json_object_put(o);
        return r;
}

static int add_json_strings(struct json_object *o, const char *key, char **v, int n)
{
        struct json_object *arr = json_object_new_array();

        if (!arr)
                return -ENOMEM;
        for (int i = 0; i < n; i++)
                json_object_array_add(arr, json_object_new_string(v[i]));
        json_object_object_add(o, key, arr);
        return 0;
}

/* The task's exit as a shell would report it: code, or 128 + signal. */
static int task_exit_code(struct json_object *t)
{
        struct json_object *e, *v;

        if (!json_object_object_get_ex(t, "exit", &e) || !e)
                return EXIT_REFUSED;
        if (json_object_object_get_ex(e, "code", &v))
                return json_object_get_int(v);
        if (json_object_object_get_ex(e, "signal", &v))
                return 128 + json_object_get_int(v);
        return EXIT_REFUSED;
}

static int wait_task(const struct cli *c, const char *id)
{
        char path[128];

        snprintf(path, sizeof(path), "/v1/tasks/%s", id);
        for (;;) {
                struct cli quiet = *c;
                struct json_object *t = NULL;
                int r, code;

                quiet.json = false;
                r = call(&quiet, "GET", path, NULL, &t);
                if (r != EXIT_OK)
                        return r;
                if (streq(jstr(t, "state"), "ended")) {
                        code = task_exit_code(t);
                        if (c->json)
                                printf("%s\n", json_object_to_json_string_ext(t, JSON_C_TO_STRING_PLAIN));
                        json_object_put(t);
                        return code;
                }
                json_object_put(t);
                usleep(100000);
        }
}

static int cmd_run(const struct cli *c, int argc, char **argv)
{
        static const struct option opts[] = {
                { "policy", required_argument, NULL, 'p' },
                { "name", required_argument, NULL, 'n' },
                { "tenant", required_argument, NULL, 't' },
                { "env", required_argument, NULL, 'e' },
                { "cwd", required_argument, NULL, 'C' },
                { "wait", no_argument, NULL, 'w' },
                {},
        };
        _cleanup_free_ char **env = calloc((size_t)argc + 1, sizeof(char *));
        struct json_object *req = json_object_new_object(), *t = NULL;
        bool wait = false;
        int n_env = 0, opt, r;
        struct cli quiet = *c;

        if (!env || !req)
                return EXIT_REFUSED;
        optind = 1;
        while ((opt = getopt_long(argc, argv, "+p:n:t:e:C:w", opts, NULL)) >= 0) {
                const char *key = opt == 'p' ? "policy" : opt == 'n' ? "name" : opt == 't' ? "tenant" : "cwd";

                if (opt == 'w')
                        wait = true;
                else if (opt == 'e')
                        env[n_env++] = optarg;
                else if (strchr("pntC", opt))
                        json_object_object_add(req, key, json_object_new_string(optarg));
                else {
                        json_object_put(req);
                        return EXIT_USAGE;
                }
        }
        if (optind >= argc) {
                fprintf(
                    stderr,
                    "cgmeter run: no command (cgmeter run [--policy P] [--name N] [--wait] -- CMD ...)\n");
                json_object_put(req);
                return EXIT_USAGE;
        }
        add_json_strings(req, "command", argv + optind, argc - optind);
        if (n_env)
                add_json_strings(req, "env", env, n_env);
        quiet.json = c->json && !wait;
        r = call(&quiet, "POST", "/v1/tasks", json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN),
                 &t);
        json_object_put(req);
        if (r != EXIT_OK)
                return r;
        if (!c->json && !wait)
                printf("%s\n", jstr(t, "id"));
        if (wait) {
                _cleanup_free_ char *id = strdup(jstr(t, "id"));

                json_object_put(t);
                return id ? wait_task(c, id) : EXIT_REFUSED;
        }
        json_object_put(t);
        return EXIT_OK;
}

static double usage_num(struct json_object *t, const char *key)
{
        struct json_object *u, *v;

        if (json_object_object_get_ex(t, "usage", &u) && u && json_object_object_get_ex(u, key, &v))
                return json_object_get_double(v);
        return -1;
}

static int cmd_ps(const struct cli *c, int argc, char **argv)
{
        struct json_object *o = NULL;
        bool all = argc > 1 && (streq(argv[1], "-a") || streq(argv[1], "--all"));
        int r = call(c, "GET", all ? "/v1/tasks" : "/v1/tasks?state=running", NULL, &o);

        if (r != EXIT_OK || c->json) {
                json_object_put(o);
                return r;
        }
        printf("%-12s %-16s %-12s %-12s %-8s %8s %10s %10s  %s\n", "ID", "NAME", "POLICY", "TENANT", "STATE",
               "PID", "CPU(s)", "MEM(MiB)", "COMMAND");
        for (size_t i = 0; i < json_object_array_length(o); i++) {
                struct json_object *t = json_object_array_get_idx(o, i), *cmd;
                double cpu = usage_num(t, "cpu_seconds"), mem = usage_num(t, "memory_bytes");

                json_object_object_get_ex(t, "command", &cmd);
                printf("%-12s %-16.16s %-12.12s %-12.12s %-8s %8s %10.2f %10.1f  %s\n", jstr(t, "id"),
                       jstr(t, "name"), jstr(t, "policy"), jstr(t, "tenant"),
                       streq(jstr(t, "frozen"), "true") ? "frozen" : jstr(t, "state"), jstr(t, "pid"),
                       cpu < 0 ? 0 : cpu, mem < 0 ? 0 : mem / 1048576.0,
                       json_object_get_string(json_object_array_get_idx(cmd, 0)));
        }
        json_object_put(o);
        return EXIT_OK;
}

static int cmd_kill(const struct cli *c, int argc, char **argv)
{
        struct json_object *req, *o = NULL;
        char path[192];
        int r, i = 1;
        bool all = false;

        if (argc > i && streq(argv[i], "--all")) {
                all = true;
                i++;
        }
        if (argc <= i || argc > i + 2) {
                fprintf(stderr, "Usage: cgmeter kill [--all] ID [SIGNAL]\n");
                return EXIT_USAGE;
        }
        if (strlen(argv[i]) > 64) {
                fprintf(stderr, "cgmeter kill: task id too long\n");
                return EXIT_USAGE;
        }
        req = json_object_new_object();
        if (argc > i + 1)
                json_object_object_add(req, "signal", json_object_new_string(argv[i + 1]));
        if (all)
                json_object_object_add(req, "all", json_object_new_boolean(true));
        snprintf(path, sizeof(path), "/v1/tasks/%s/kill", argv[i]);
        r = call(c, "POST", path, json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN), &o);
        json_object_put(req);
        json_object_put(o);
        return r;
}

static int cmd_freeze(const struct cli *c, int argc, char **argv, bool frozen)
{
        struct json_object *o = NULL;
        char path[192];
        bool policy = argc == 3 && streq(argv[1], "--policy");
        const char *name = policy ? argv[2] : argv[1];
        int r;

        if (!(argc == 2 || policy) || strlen(name) > 64) {
                fprintf(stderr, "Usage: cgmeter %s ID | --policy POLICY\n", argv[0]);
                return EXIT_USAGE;
        }
        snprintf(path, sizeof(path), "/v1/%s/%s/%s", policy ? "policies" : "tasks", name,
                 frozen ? "pause" : "resume");
        r = call(c, "POST", path, "{}", &o);
        if (r == EXIT_OK && !c->json) {
                if (policy)
                        printf("%zu task(s) of policy %s %s\n", json_object_array_length(o), name,
                               frozen ? "frozen" : "thawed");
                else
                        printf("%s %s\n", jstr(o, "id"), frozen ? "frozen" : "thawed");
        }
        json_object_put(o);
        return r;
}

static int cmd_pause(const struct cli *c, int argc, char **argv)
{
        return cmd_freeze(c, argc, argv, true);
}

static int cmd_resume(const struct cli *c, int argc, char **argv)
{
        return cmd_freeze(c, argc, argv, false);
}

/* Append "&key=value" (URL-encoded) to a query string. */
static void query_add(char *q, size_t n, const char *key, const char *value)
{
        size_t len = strlen(q);

        len += (size_t)snprintf(q + len, n > len ? n - len : 0, "%s%s=", len ? "&" : "?", key);
        for (const unsigned char *p = (const unsigned char *)value; *p && len + 4 < n; p++) {
                if (isalnum(*p) || strchr("-._~:", *p))
                        q[len++] = (char)*p;
                else
                        len += (size_t)snprintf(q + len, n - len, "%%%02X", *p);
        }
        q[len] = '\0';
}

static int cmd_usage(const struct cli *c, int argc, char **argv)
{
        static const struct option opts[] = {
                { "since", required_argument, NULL, 's' },  { "until", required_argument, NULL, 'u' },
                { "tenant", required_argument, NULL, 't' }, { "policy", required_argument, NULL, 'p' },
                { "limit", required_argument, NULL, 'l' },  { "csv", no_argument, NULL, 'c' },
                { "totals", no_argument, NULL, 'T' },       {},
        };
        char path[1024] = "", q[900] = "";
        bool csv = false, totals = false;
        struct json_object *o = NULL, *recs;
        int opt, r;

        optind = 1;
        while ((opt = getopt_long(argc, argv, "s:u:t:p:l:cT", opts, NULL)) >= 0) {
                switch (opt) {
                case 'c':
                        csv = true;
                        break;
                case 'T':
                        totals = true;
                        break;
                case 's':
                case 'u':
                case 't':
                case 'p':
                case 'l':
                        query_add(q, sizeof(q),
                                  opt == 's'   ? "since"
                                  : opt == 'u' ? "until"
                                  : opt == 't' ? "tenant"
                                  : opt == 'p' ? "policy"
                                               : "limit",
                                  optarg);
                        break;
                default:
                        return EXIT_USAGE;
                }
        }
        if (totals) {
                r = call(c, "GET", "/v1/usage/totals", NULL, &o);
                if (r == EXIT_OK && !c->json) {
                        printf("%-16s %-16s %8s %14s %18s %14s %14s\n", "TENANT", "POLICY", "TASKS", "CPU(s)",
                               "MEM(GiB*h)", "IO-READ(MiB)", "IO-WRITE(MiB)");
                        for (size_t i = 0; i < json_object_array_length(o); i++) {
                                struct json_object *t = json_object_array_get_idx(o, i);

                                printf("%-16s %-16s %8s %14.3f %18.6f %14.1f %14.1f\n", jstr(t, "tenant"),
                                       jstr(t, "policy"), jstr(t, "tasks"), atof(jstr(t, "cpu_seconds")),
                                       atof(jstr(t, "memory_byte_seconds")) / 1073741824.0 / 3600.0,
                                       atof(jstr(t, "io_read_bytes")) / 1048576.0,
                                       atof(jstr(t, "io_write_bytes")) / 1048576.0);
                        }
                }
                json_object_put(o);
                return r;
        }
        snprintf(path, sizeof(path), "/v1/usage%s", q);
        if (csv) {
                _cleanup_free_ char *body = NULL;
                unsigned status;
                size_t len;

                r = client_request(client_socket_path(c->socket), "GET", path, NULL, "text/csv", &status,
                                   &body, &len);
                if (r < 0 || status >= 300)
                        return call(c, "GET", path, NULL, &o); /* the same request, for its error message */
                fwrite(body, 1, len, stdout);
                return EXIT_OK;
        }
        r = call(c, "GET", path, NULL, &o);
        if (r == EXIT_OK && !c->json && json_object_object_get_ex(o, "records", &recs)) {
                printf("%-12s %-16s %-12s %-12s %10s %10s %12s %6s  %s\n", "ID", "NAME", "POLICY", "TENANT",
                       "WALL(s)", "CPU(s)", "PEAK(MiB)", "EXIT", "END");
                for (size_t i = 0; i < json_object_array_length(recs); i++) {
                        struct json_object *t = json_object_array_get_idx(recs, i);
                        char exit_s[16], end_s[32];
                        time_t end = (time_t)(strtoull(jstr(t, "end_ns"), NULL, 10) / 1000000000ull);
                        struct tm tm;

                        strftime(end_s, sizeof(end_s), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&end, &tm));
                        if (*jstr(t, "exit_signal"))
                                snprintf(exit_s, sizeof(exit_s), "sig%s", jstr(t, "exit_signal"));
                        else
                                snprintf(exit_s, sizeof(exit_s), "%s",
                                         *jstr(t, "exit_code") ? jstr(t, "exit_code") : "?");
                        printf("%-12s %-16.16s %-12.12s %-12.12s %10.3f %10.3f %12.1f %6s  %s\n",
                               jstr(t, "id"), jstr(t, "name"), jstr(t, "policy"), jstr(t, "tenant"),
                               atof(jstr(t, "wall_seconds")), atof(jstr(t, "cpu_seconds")),
                               atof(jstr(t, "memory_peak_bytes")) / 1048576.0, exit_s, end_s);
                }
        }
        json_object_put(o);
        return r;
}

static void print_event(struct json_object *e)
{
        struct json_object *t;
        char when[32] = "-";
        time_t secs;
        struct tm tm;

        if (json_object_object_get_ex(e, "time", &t)) {
                secs = (time_t)json_object_get_double(t);
                if (gmtime_r(&secs, &tm))
                        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
        }
        printf("%-6s %-20s %-12s %-16.16s %-12.12s %-9s %-7s %-5s %-8s %s\n", jstr(e, "seq"), when,
               jstr(e, "task"), jstr(e, "name"), jstr(e, "policy"), jstr(e, "kind"), jstr(e, "resource"),
               jstr(e, "level"), jstr(e, "action"), jstr(e, "detail"));
}

static void print_event_header(void)
{
        printf("%-6s %-20s %-12s %-16s %-12s %-9s %-7s %-5s %-8s %s\n", "SEQ", "TIME", "TASK", "NAME",
               "POLICY", "KIND", "RESOURCE", "LEVEL", "ACTION", "DETAIL");
}

/* One line of the stream: printed as it came (--json) or as a table row. */
static void follow_line(const struct cli *c, char *line)
{
        struct json_object *e;

        if (!*line)
                return;
        if (c->json) {
                puts(line);
                fflush(stdout);
                return;
        }
        e = json_tokener_parse(line);
        if (e)
                print_event(e);
        json_object_put(e);
        fflush(stdout);
}

/* HTTP/1.0, so the agent sends the stream as it is (no chunks) and closes it at the end. */
static int follow_events(const struct cli *c, const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        const char *sock = client_socket_path(c->socket);
        _cleanup_close_ int fd = -1;
        char buf[8192];
        size_t len = 0;
        bool body = false;
        unsigned status = 0;

        if (strlen(sock) >= sizeof(sa.sun_path))
                return EXIT_USAGE;
        strcpy(sa.sun_path, sock);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                fprintf(stderr, "cgmeter: no agent is listening on %s (is cgmeterd running?)\n", sock);
                return EXIT_UNREACHABLE;
        }
        dprintf(fd, "GET %s HTTP/1.0\r\nHost: cgmeterd\r\nAccept: application/x-ndjson\r\n\r\n", path);
        if (!c->json)
                print_event_header();
        for (;;) {
                ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
                char *nl;

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
                buf[len] = '\0';
                if (!body) {
                        char *end = strstr(buf, "\r\n\r\n");

                        if (!end)
                                continue;
                        if (sscanf(buf, "HTTP/1.%*d %u", &status) != 1 || status != 200) {
                                fprintf(stderr, "cgmeter: the agent answered: %s\n", end + 4);
                                return EXIT_REFUSED;
                        }
                        body = true;
                        len -= (size_t)(end + 4 - buf);
                        memmove(buf, end + 4, len + 1);
                }
                while ((nl = strchr(buf, '\n'))) {
                        *nl = '\0';
                        follow_line(c, buf);
                        len -= (size_t)(nl + 1 - buf);
                        memmove(buf, nl + 1, len + 1);
                }
                if (len == sizeof(buf) - 1)
                        len = 0; /* a line longer than any event: drop it */
        }
        return body ? EXIT_OK : EXIT_UNREACHABLE;
}

static int cmd_events(const struct cli *c, int argc, char **argv)
{
        static const struct option opts[] = {
                { "follow", no_argument, NULL, 'f' },
                { "since", required_argument, NULL, 's' },
                {},
        };
        struct json_object *o = NULL;
        const char *since = NULL;
        bool follow = false;
        char path[128];
        int opt, r;

        optind = 1;
        while ((opt = getopt_long(argc, argv, "fs:", opts, NULL)) >= 0) {
                if (opt == 'f')
                        follow = true;
                else if (opt == 's' && optarg[strspn(optarg, "0123456789")] == '\0' && *optarg)
                        since = optarg;
                else {
                        fprintf(stderr, "cgmeter events: usage: events [--follow] [--since SEQ]\n");
                        return EXIT_USAGE;
                }
        }
        snprintf(path, sizeof(path), "/v1/events?follow=%d%s%s", follow, since ? "&since=" : "",
                 since ? since : "");
        if (follow)
                return follow_events(c, path);
        r = call(c, "GET", path, NULL, &o);
        if (r != EXIT_OK || c->json) {
                json_object_put(o);
                return r;
        }
        print_event_header();
        for (size_t i = 0; i < json_object_array_length(o); i++)
                print_event(json_object_array_get_idx(o, i));
        json_object_put(o);
        return EXIT_OK;
}

static const struct command {
        const char *name;
        int (*fn)(const struct cli *c, int argc, char **argv);
} commands[] = {
        { "run", cmd_run },       { "ps", cmd_ps },         { "kill", cmd_kill },
        { "pause", cmd_pause },   { "resume", cmd_resume }, { "policies", cmd_policies },
        { "usage", cmd_usage },   { "events", cmd_events }, { "reload", cmd_reload },
        { "health", cmd_health },
};

int main(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "socket", required_argument, NULL, 's' },
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {},
        };
        struct cli c = { 0 };
        int opt;

        /* stop at the command: its own options follow it */
        while ((opt = getopt_long(argc, argv, "+s:jh", longopts, NULL)) >= 0) {
                switch (opt) {
                case 's':
                        c.socket = optarg;
                        break;
                case 'j':
                        c.json = true;
                        break;
                case 'h':
                        usage(stdout);
                        return EXIT_OK;
                case 'V':
                        printf("cgmeter %s\n", PACKAGE_VERSION);
                        return EXIT_OK;
                default:
                        usage(stderr);
                        return EXIT_USAGE;
                }
        }
        if (optind >= argc) {
                usage(stderr);
                return EXIT_USAGE;
        }
        for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
                if (streq(commands[i].name, argv[optind]))
                        return commands[i].fn(&c, argc - optind, argv + optind);
        fprintf(stderr, "cgmeter: unknown command '%s' (see cgmeter --help)\n", argv[optind]);
        return EXIT_USAGE;
}
