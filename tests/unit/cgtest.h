/* For the unit tests that use real cgroups (as root): where this process is, and a test cgroup below it; and
 * for those that read recorded cgroup trees: copies of them to change, removed afterwards. */
#pragma once

#include <stddef.h>

/* This process's cgroup in the hierarchy of controller ("" for the unified one), from /proc/self/cgroup,
 * relative to the hierarchy's mount: "" for its root, else "/a/b" (so mount + path + "/name" is a path). */
int cgtest_own_cgroup(const char *controller, char *buf, size_t n);
/* mkdir <mount><own cgroup>/<name>: ret_dir gets the directory, ret_rel its path as /proc/PID/cgroup shows it
 * (both PATH_MAX). -ENOENT when mount or the hierarchy is missing; ret_dir is "" on failure. */
int cgtest_make(const char *mount, const char *controller, const char *name, char *ret_dir, char *ret_rel);
/* rmdir dir, retrying for a second (a cgroup whose last process just died goes a moment later); "" is fine.
 */
void cgtest_remove(const char *dir);

/* Write text to path, created or truncated: 0 or -errno. */
int cgtest_write(const char *path, const char *text);
/* Copy the regular files of directory from into a new directory to, and its subdirectories depth levels
 * down: 0 or -errno. */
int cgtest_copy_tree(const char *from, const char *to, int depth);
/* Remove dir and everything below it (a plain directory tree, not cgroups); a missing dir is fine. */
void cgtest_remove_tree(const char *dir);
