/* libFuzzer target: the agent configuration's text through config_parse_string. */
#include <errno.h>

#include "config.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct config c;
        struct diag_list diag = { 0 };
        char *text = fuzz_strdup(data, size);
        int r;

        config_init(&c);
        r = config_parse_string("cgmeter.ini", text, &c, &diag);
        if ((r == -EINVAL && diag.n == 0) || (r == 0 && diag.n != 0))
                abort();
        /* every string field must still be terminated within its array */
        if (!memchr(c.policy_dir, 0, sizeof(c.policy_dir)) || !memchr(c.state_dir, 0, sizeof(c.state_dir)) ||
            !memchr(c.cgroup_root, 0, sizeof(c.cgroup_root)) || !memchr(c.listen, 0, sizeof(c.listen)) ||
            !memchr(c.control_socket, 0, sizeof(c.control_socket)) ||
            !memchr(c.control_listen, 0, sizeof(c.control_listen)))
                abort();
        if (r == 0 && c.listen[0]) {
                char host[128];
                uint16_t port;

                (void)config_split_listen(c.listen, host, sizeof(host), &port);
        }
        diag_clear(&diag);
        free(text);
        return 0;
}
