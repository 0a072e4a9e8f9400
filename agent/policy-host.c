/* The real host a policy is checked against: device nodes, block devices, and the CPUs and memory nodes the
 * agent's own cpuset allows. */
#include "policy.h"

#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static int system_stat_device(void *userdata, const char *path, char *ret_type, uint32_t *ret_major,
                              uint32_t *ret_minor)
{
        struct stat st;

        if (stat(path, &st) < 0)
                return -errno;
        if (!S_ISBLK(st.st_mode) && !S_ISCHR(st.st_mode))
                return -ENODEV;
        *ret_type = S_ISBLK(st.st_mode) ? 'b' : 'c';
        *ret_major = major(st.st_rdev);
        *ret_minor = minor(st.st_rdev);
        return 0;
}

static int system_block_device_exists(void *userdata, uint32_t major, uint32_t minor)
{
        char path[64];

        snprintf(path, sizeof(path), "/sys/dev/block/%" PRIu32 ":%" PRIu32, major, minor);
        if (faccessat(AT_FDCWD, path, F_OK, AT_EACCESS) < 0)
                return errno == ENOENT ? -ENOENT : -errno;
        return 0;
}

/* The agent's own cgroup in the v1 hierarchy that has controller, or (controller NULL) in the unified one. */
static int own_cgroup(const char *controller, char *buf, size_t n)
{
        _cleanup_free_ char *text = NULL;
        char *save = NULL;
        int r = read_file_at(AT_FDCWD, "/proc/self/cgroup", 64 * 1024, &text, NULL);

        if (r < 0)
                return r;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *ctrls = strchr(line, ':'), *path, *save2 = NULL;

                if (!ctrls || !(path = strchr(ctrls + 1, ':')))
                        continue;
                *path++ = '\0';
                ctrls++;
                if (!controller && streq(line, "0") && *ctrls == '\0') {
                        snprintf(buf, n, "%s", path);
                        return 0;
                }
                for (char *c = strtok_r(ctrls, ",", &save2); controller && c; c = strtok_r(NULL, ",", &save2))
                        if (streq(c, controller)) {
                                snprintf(buf, n, "%s", path);
                                return 0;
                        }
        }
        return -ENOENT;
}

static int read_list(const char *path, struct cpu_bitmap *ret)
{
        _cleanup_free_ char *text = NULL;
        int r = read_file_at(AT_FDCWD, path, 64 * 1024, &text, NULL);

        if (r < 0)
                return r;
        return parse_cpu_list(strstrip(text), ret);
}

/* From the cpuset of the cgroup the agent runs in (v1, then v2): what its tasks may use. */
static int cpuset_file(const char *v1_file, const char *v2_file, struct cpu_bitmap *ret)
{
        char cg[PATH_MAX / 2], path[PATH_MAX];

        if (own_cgroup("cpuset", cg, sizeof(cg)) == 0) {
                snprintf(path, sizeof(path), "/sys/fs/cgroup/cpuset%s/%s", cg, v1_file);
                if (read_list(path, ret) == 0)
                        return 0;
        }
        if (own_cgroup(NULL, cg, sizeof(cg)) == 0) {
                snprintf(path, sizeof(path), "/sys/fs/cgroup%s/%s", cg, v2_file);
                if (read_list(path, ret) == 0)
                        return 0;
        }
        return -ENOENT;
}

static int affinity_cpus(struct cpu_bitmap *ret)
{
        cpu_set_t set;
        struct cpu_bitmap b = { { 0 } };

        if (sched_getaffinity(0, sizeof(set), &set) < 0)
                return -errno;
        for (unsigned i = 0; i < CGM_MAX_CPUS && i < CPU_SETSIZE; i++)
                if (CPU_ISSET(i, &set))
                        b.bits[i / 64] |= 1ull << (i % 64);
        *ret = b;
        return 0;
}

const struct policy_host *policy_host_system(void)
{
        /* Read again on each call, so a reload sees a cpuset changed since the last one. Called from the
         * event loop only. */
        static struct policy_host host = {
                .stat_device = system_stat_device,
                .block_device_exists = system_block_device_exists,
        };

        host.cpus_known = cpuset_file("cpuset.effective_cpus", "cpuset.cpus.effective", &host.cpus) == 0 ||
                          affinity_cpus(&host.cpus) == 0;
        host.mems_known = cpuset_file("cpuset.effective_mems", "cpuset.mems.effective", &host.mems) == 0 ||
                          read_list("/sys/devices/system/node/online", &host.mems) == 0;
        return &host;
}
