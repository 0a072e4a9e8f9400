/* For the unit tests that use real cgroups (cgtest.h). */
#include "cgtest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

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

int cgtest_write(const char *path, const char *text)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        size_t len = strlen(text);

        if (fd < 0)
                return -errno;
        return write(fd, text, len) == (ssize_t)len ? 0 : -EIO;
}

int cgtest_copy_tree(const char *from, const char *to, int depth)
{
        _cleanup_closedir_ DIR *d = opendir(from);
        struct dirent *de;

        if (!d || mkdir(to, 0755) < 0)
                return -errno;
        while ((de = readdir(d))) {
                _cleanup_free_ char *buf = NULL;
                char f[PATH_MAX], t[PATH_MAX];
                int r;

                if (de->d_name[0] == '.')
                        continue;
                if ((size_t)snprintf(f, sizeof(f), "%s/%s", from, de->d_name) >= sizeof(f) ||
                    (size_t)snprintf(t, sizeof(t), "%s/%s", to, de->d_name) >= sizeof(t))
                        return -ENAMETOOLONG;
                if (de->d_type == DT_DIR)
                        r = depth > 0 ? cgtest_copy_tree(f, t, depth - 1) : 0;
                else if ((r = read_file_at(AT_FDCWD, f, 1 << 20, &buf, NULL)) >= 0)
                        r = cgtest_write(t, buf);
                if (r < 0)
                        return r;
        }
        return 0;
}

void cgtest_remove_tree(const char *dir)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                char p[PATH_MAX];

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >= sizeof(p))
                        continue;
                if (de->d_type == DT_DIR)
                        cgtest_remove_tree(p);
                else
                        unlink(p);
        }
        rmdir(dir);
}
