/* cgmeterd: the per-node agent. */
#include <getopt.h>
#include <signal.h>
#include <sys/signalfd.h>

#include "agent.h"
#include "log.h"

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: cgmeterd [OPTIONS]\n"
                "Launch, limit, watch and meter workloads in cgroups; export usage over HTTP.\n\n"
                "  -c, --config FILE      agent configuration (default %s; embedded defaults if absent)\n"
                "  -p, --policy-dir DIR   policy directory (overrides [agent] policy_dir)\n"
                "      --check            validate the configuration and every policy, print each error as\n"
                "                         file:line: reason, and exit (0 if all valid, 1 otherwise)\n"
                "  -l, --log-level LEVEL  error, warning, info or debug (overrides [agent] log_level)\n"
                "      --version          print the version and exit\n"
                "  -h, --help             print this help and exit\n\n"
                "Signals: SIGHUP reloads the policies (all-or-nothing); SIGTERM and SIGINT stop the agent,\n"
                "tasks keep running unless [agent] kill_tasks_on_stop = yes.\n",
                CONFIG_DEFAULT_PATH);
}

struct options {
        bool check;
        const char *log_level;
};

static int parse_args(int argc, char **argv, struct agent *a, struct options *o)
{
        enum { OPT_CHECK = 0x100, OPT_VERSION };
        static const struct option longopts[] = {
                { "config", required_argument, NULL, 'c' },
                { "policy-dir", required_argument, NULL, 'p' },
                { "check", no_argument, NULL, OPT_CHECK },
                { "log-level", required_argument, NULL, 'l' },
                { "version", no_argument, NULL, OPT_VERSION },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "c:p:l:h", longopts, NULL)) >= 0) {
                switch (c) {
                case 'c':
                        a->config_arg = optarg;
                        break;
                case 'p':
                        a->policy_dir_arg = optarg;
                        break;
                case 'l':
                        o->log_level = optarg;
                        break;
                case OPT_CHECK:
                        o->check = true;
                        break;
                case OPT_VERSION:
                        printf("cgmeterd %s\n", PACKAGE_VERSION);
                        return 1;
                case 'h':
                        usage(stdout);
                        return 1;
                default:
                        usage(stderr);
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "cgmeterd: unexpected argument '%s'\n", argv[optind]);
                return -EINVAL;
        }
        return 0;
}

static int load_config(struct agent *a, const struct options *o, struct diag_list *diag)
{
        enum log_level lvl;
        int r;

        r = config_load(a->config_arg, &a->cfg, diag);
        if (r < 0)
                return r;
        if (a->policy_dir_arg) {
                if (strlen(a->policy_dir_arg) >= sizeof(a->cfg.policy_dir))
                        return diag_add(diag, a->policy_dir_arg, 0, "path too long") ?: -EINVAL;
                strcpy(a->cfg.policy_dir, a->policy_dir_arg);
        }
        log_set_level((enum log_level)a->cfg.log_level);
        if (o->log_level) {
                if (log_level_from_string(o->log_level, &lvl) < 0)
                        return diag_add(diag, "--log-level", 0, "invalid level '%s'", o->log_level)
                                   ?: -EINVAL;
                log_set_level(lvl);
        }
        return 0;
}

/* Policies at start: a missing directory means the built-in default; a broken one stops the start. */
static int load_policies_at_start(struct agent *a)
{
        struct diag_list diag = { 0 };
        int r = policy_set_load(a->cfg.policy_dir, policy_host_system(), &a->policies, &diag);

        if (r == -ENOENT) {
                log_warning("policy directory %s does not exist: using the built-in default policy",
                            a->cfg.policy_dir);
                a->policies_builtin = true;
                r = policy_set_builtin(&a->policies);
        } else if (r == 0) {
                a->policies_builtin = streq(a->policies.items[0].file, "<builtin>");
        } else {
                for (size_t i = 0; i < diag.n; i++)
                        log_error("%s", diag.msgs[i]);
                log_error("%zu error(s) in the policies: not starting (check with cgmeterd --check)", diag.n);
        }
        diag_clear(&diag);
        return r;
}

static int check_only(struct agent *a, const struct options *o)
{
        struct diag_list diag = { 0 };
        int r;

        r = load_config(a, o, &diag);
        if (r == 0) {
                r = policy_set_load(a->cfg.policy_dir, policy_host_system(), &a->policies, &diag);
                if (r == -ENOENT) {
                        fprintf(stderr, "%s: no such directory; the built-in default policy would be used\n",
                                a->cfg.policy_dir);
                        diag_clear(&diag);
                        r = 0;
                }
        }
        diag_print(&diag, stderr);
        if (r < 0 || diag_count(&diag) > 0) {
                fprintf(stderr, "cgmeterd: %zu error%s\n", diag_count(&diag),
                        diag_count(&diag) == 1 ? "" : "s");
                diag_clear(&diag);
                return 1;
        }
        printf("configuration %s: ok\n", a->cfg.path[0] ? a->cfg.path : "(embedded defaults)");
        for (size_t i = 0; i < a->policies.n; i++)
                printf("policy %s (%s): ok\n", a->policies.items[i].name, a->policies.items[i].file);
        policy_set_free(&a->policies);
        return 0;
}

static int on_signal(struct loop_source *src, int fd, uint32_t events, void *userdata)
{
        struct agent *a = userdata;
        struct signalfd_siginfo si;
        struct diag_list diag = { 0 };

        if (read(fd, &si, sizeof(si)) != sizeof(si))
                return -errno;
        switch (si.ssi_signo) {
        case SIGHUP:
                log_info("SIGHUP: reloading policies from %s", a->cfg.policy_dir);
                agent_reload(a, &diag, NULL);
                diag_clear(&diag);
                http_server_restore_socket(a->http, &a->cfg);
                return 0;
        case SIGTERM:
        case SIGINT:
                log_info("%s: stopping", strsignal((int)si.ssi_signo));
                loop_quit(a->loop, 0);
                return 0;
        default:
                return 0;
        }
}

static int setup_signals(struct agent *a)
{
        sigset_t mask;
        int fd, r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        /* a client that goes away mid-response must not kill the agent */
        signal(SIGPIPE, SIG_IGN);
        fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (fd < 0)
                return -errno;
        r = loop_add_fd(a->loop, fd, EPOLLIN, true, on_signal, a, NULL);
        if (r < 0)
                close(fd);
        return r;
}

static int run(struct agent *a)
{
        int r;

        r = loop_new(&a->loop);
        if (r < 0)
                return log_error_errno(r, "cannot create the event loop");
        r = setup_signals(a);
        if (r < 0)
                return log_error_errno(r, "cannot set up signal handling");
        r = agent_lock(a);
        if (r < 0)
                return r;
        /* The listeners first: an address that cannot be had stops the start before a task is touched. No
         * request is served before loop_run. */
        r = http_server_new(a->loop, &a->cfg, routes_handle, a, &a->http);
        if (r < 0)
                return r;
        r = agent_start(a);
        if (r < 0)
                return r;
        log_info("cgmeterd %s running: config %s, %zu polic%s from %s", PACKAGE_VERSION,
                 a->cfg.path[0] ? a->cfg.path : "(embedded defaults)", a->policies.n,
                 a->policies.n == 1 ? "y" : "ies", a->policies_builtin ? "<builtin>" : a->cfg.policy_dir);
        return loop_run(a->loop);
}

int main(int argc, char **argv)
{
        struct agent a = { .started_ns = now_realtime_ns(), .lock_fd = -1 };
        struct options o = { 0 };
        struct diag_list diag = { 0 };
        int r;

        r = parse_args(argc, argv, &a, &o);
        if (r != 0)
                return r > 0 ? 0 : 2;
        if (o.check)
                return check_only(&a, &o);
        r = load_config(&a, &o, &diag);
        if (r < 0) {
                for (size_t i = 0; i < diag.n; i++)
                        log_error("%s", diag.msgs[i]);
                diag_clear(&diag);
                log_error("invalid configuration: not starting");
                return 1;
        }
        if (load_policies_at_start(&a) < 0)
                return 1;
        r = run(&a);
        http_server_free(a.http);
        a.http = NULL; /* agent_stop() must not wake streams of a server that is gone */
        agent_stop(&a);
        loop_free(a.loop);
        policy_set_free(&a.policies);
        log_info("stopped");
        return r < 0 ? 1 : 0;
}
