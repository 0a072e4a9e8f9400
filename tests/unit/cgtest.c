/* For the unit tests that use real cgroups (cgtest.h). */
#include "cgtest.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include "util.h"

int cgtest_own_cgroup(const char *controller, char *buf, size_t n)
{
        _cleanup_free_ char *text = NULL;
        char *line, *save = NULL;
        int r = read_file_at(AT_FDCWD, "/proc/self/cgroup", 1 << 16, &text, NULL);

        if (r < 0)
                return r;
        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *ctrls = strchr(line, ':'), *path, *tok, *s2 = NULL;
                bool hit = false;

                if (!ctrls || !(path = strchr(++ctrls, ':')))
                        continue;
                *path++ = '\0';
                if (!*controller)
                        hit = !*ctrls && strncmp(line, "0:", 2) == 0;
                for (tok = strtok_r(ctrls, ",", &s2); *controller && tok && !hit;
                     tok = strtok_r(NULL, ",", &s2))
                        hit = streq(tok, controller);
                if (hit)
                        return snprintf(buf, n, "%s", streq(path, "/") ? "" : path) < (int)n ? 0
                                                                                             : -ENAMETOOLONG;
        }
        return -ENOENT;
}

int cgtest_make(const char *mount, const char *controller, const char *name, char *ret_dir, char *ret_rel)
{
        char own[PATH_MAX / 2];
        struct stat st;

        ret_dir[0] = '\0';
        if (stat(mount, &st) < 0 || cgtest_own_cgroup(controller, own, sizeof(own)) < 0)
                return -ENOENT;
        snprintf(ret_rel, PATH_MAX, "%s/%s", own, name);
        snprintf(ret_dir, PATH_MAX, "%s%s", mount, ret_rel);
        if (mkdir(ret_dir, 0755) < 0) {
                ret_dir[0] = '\0';
                return -errno;
        }
        return 0;
}

void cgtest_remove(const char *dir)
{
        for (int i = 0; dir[0] && i < 100; i++) {
                if (rmdir(dir) == 0 || errno == ENOENT)
                        return;
                usleep(10000);
        }
        if (dir[0])
                fprintf(stderr, "could not remove %s: %s\n", dir, strerror(errno));
}
