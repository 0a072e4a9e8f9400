/* libFuzzer target: one policy file's text through policy_parse_string (ini_load, parse.c, every section). */
#include <errno.h>

#include "fuzz-common.h"
#include "policy.h"
#include "util.h"

/* A fixed host, so a run does not depend on the machine's /dev or cpuset: /dev/null, /dev/zero, /dev/vda
 * exist; block devices 254:0 and 8:0..8:15 exist; CPUs 0-1, node 0. */
static int fake_stat_device(void *userdata, const char *path, char *ret_type, uint32_t *ret_major,
                            uint32_t *ret_minor)
{
        static const struct {
                const char *path;
                char type;
                uint32_t major, minor;
        } devs[] = { { "/dev/null", 'c', 1, 3 }, { "/dev/zero", 'c', 1, 5 }, { "/dev/vda", 'b', 254, 0 } };

        (void)userdata;
        for (size_t i = 0; i < ARRAY_SIZE(devs); i++)
                if (streq(path, devs[i].path)) {
                        *ret_type = devs[i].type;
                        *ret_major = devs[i].major;
                        *ret_minor = devs[i].minor;
                        return 0;
                }
        return -ENOENT;
}

static int fake_block_device_exists(void *userdata, uint32_t major, uint32_t minor)
{
        (void)userdata;
        return (major == 254 && minor == 0) || (major == 8 && minor < 16) ? 0 : -ENOENT;
}

static const struct policy_host fuzz_host = {
        .stat_device = fake_stat_device,
        .block_device_exists = fake_block_device_exists,
        .cpus_known = true,
        .mems_known = true,
        .cpus = { { 0x3 } },
        .mems = { { 0x1 } },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct policy p; /* large: keep it off the stack */
        struct diag_list diag = { 0 };
        char *text = fuzz_strdup(data, size);
        int r;

        r = policy_parse_string("fuzz.ini", text, &fuzz_host, &p, &diag);
        /* the contract: -EINVAL comes with at least one message, success with none */
        if ((r == -EINVAL && diag.n == 0) || (r == 0 && diag.n != 0))
                abort();
        diag_clear(&diag);
        free(text);
        return 0;
}
