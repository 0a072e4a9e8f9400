/* Host detection (mode by statfs; the layout parsing is in cgroup-convert.c), the agent's subtree, mounting
 * missing v1 hierarchies, and nodes: create, open, remove, populated, kill, join, list. */
#include "cgroup-internal.h"

#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <time.h>

#define DEFAULT_SYSFS_ROOT "/sys/fs/cgroup"
#define DEFAULT_MOUNT_DIR  "/run/cgmeter/cgroup"
#define SMALL_FILE_MAX     (64 * 1024)
#define PROCS_MAX          (4 * 1024 * 1024)

/* ---- detection ---- */

int (*cg_write_file_at)(int dirfd, const char *path, const char *value) = write_file_at;

int cg_detect_mode(const char *sysfs_root, enum cg_mode *ret)
{
        _cleanup_free_ char *unified = NULL;
        struct statfs fs;

        if (statfs(sysfs_root, &fs) < 0)
                return -errno;
        if ((unsigned long)fs.f_type == CGROUP2_SUPER_MAGIC) {
                *ret = CG_MODE_V2;
                return 0;
        }
        if ((unsigned long)fs.f_type != TMPFS_MAGIC)
                return -ENOMEDIUM;
        unified = strjoin(sysfs_root, "/unified", NULL);
        if (!unified)
                return -ENOMEM;
        *ret = statfs(unified, &fs) == 0 && (unsigned long)fs.f_type == CGROUP2_SUPER_MAGIC ? CG_MODE_HYBRID
                                                                                            : CG_MODE_V1;
        return 0;
}

/* ---- the subtree ---- */

static int open_dir(const char *mount, const char *own)
{
        _cleanup_free_ char *p = strjoin(mount, own, NULL);
        int fd;

        if (!p)
                return -ENOMEM;
        fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

/* A new v1 cpuset cgroup has no CPUs and no nodes, so nothing could join it: copy the parent's. */
static int cpuset_inherit(int parent_fd, const char *name)
{
        static const char *const files[2] = { "cpuset.cpus", "cpuset.mems" };
        _cleanup_close_ int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        for (int i = 0; i < 2; i++) {
                _cleanup_free_ char *mine = NULL, *theirs = NULL;
                int r = read_file_at(fd, files[i], SMALL_FILE_MAX, &mine, NULL);

                if (r < 0)
                        return r;
                if (strstrip(mine)[0] != '\0')
                        continue;
                r = read_file_at(parent_fd, files[i], SMALL_FILE_MAX, &theirs, NULL);
                if (r >= 0)
                        r = cg_write_file_at(fd, files[i], strstrip(theirs));
                if (r < 0)
                        return r;
        }
        return 0;
}

static int mkdir_open(int parent_fd, const char *name, bool cpuset, bool *ret_made)
{
        bool made = mkdirat(parent_fd, name, 0755) == 0;
        int fd, r;

        if (!made && errno != EEXIST)
                return -errno;
        if (cpuset && (r = cpuset_inherit(parent_fd, name)) < 0)
                goto fail;
        fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                r = -errno;
                goto fail;
        }
        if (ret_made)
                *ret_made = made;
        return fd;
fail:
        if (made)
                (void)unlinkat(parent_fd, name, AT_REMOVEDIR);
        return r;
}

static int open_v1_roots(struct cg_host *h)
{
        for (size_t i = 0; i < h->n_v1; i++) {
                _cleanup_close_ int own = open_dir(h->v1[i].mount, h->v1[i].own);

                if (own < 0)
                        return own;
                h->v1[i].root_fd = mkdir_open(own, h->root_name, h->v1[i].mask & CG_MASK(CG_CPUSET), NULL);
                if (h->v1[i].root_fd < 0)
                        return h->v1[i].root_fd;
        }
        return 0;
}

/* Enable each controller of mask in dir's cgroup.subtree_control; returns the mask that got enabled. */
static unsigned enable_controllers(int dirfd, unsigned mask)
{
        unsigned done = 0;

        for (int c = 0; c < CG_CONTROLLER_MAX; c++) {
                const char *name = cg_controller_name(c, true);
                char buf[40];

                if (!(mask & CG_MASK(c)) || !name)
                        continue;
                snprintf(buf, sizeof(buf), "+%s", name);
                if (cg_write_file_at(dirfd, "cgroup.subtree_control", buf) >= 0)
                        done |= CG_MASK(c);
        }
        return done;
}

static unsigned subtree_mask(int dirfd)
{
        _cleanup_free_ char *buf = NULL;

        if (read_file_at(dirfd, "cgroup.subtree_control", SMALL_FILE_MAX, &buf, NULL) < 0)
                return 0;
        return cg_parse_controllers(buf);
}

/* Pure v2: move into <root>/agent so <own> and <root> hold no processes, then enable controllers downwards.
 */
static int setup_v2(struct cg_host *h)
{
        _cleanup_close_ int own = open_dir(h->unified.mount, h->unified.own), leaf = -1;
        unsigned had;
        int r;

        if (own < 0)
                return own;
        h->unified.root_fd = mkdir_open(own, h->root_name, false, NULL);
        if (h->unified.root_fd < 0)
                return h->unified.root_fd;
        leaf = mkdir_open(h->unified.root_fd, CG_AGENT_LEAF, false, NULL);
        if (leaf < 0)
                return leaf;
        r = cg_write_file_at(leaf, "cgroup.procs", "0");
        if (r < 0)
                return r;
        h->moved_self = true;
        had = subtree_mask(own);
        h->own_enabled = enable_controllers(own, h->v2_mask & ~had);
        h->v2_enabled = enable_controllers(h->unified.root_fd, h->v2_mask & (had | h->own_enabled));
        return 0;
}

static int read_text(const char *path, size_t max, char **ret)
{
        return read_file_at(AT_FDCWD, path, max, ret, NULL);
}

static int host_detect(struct cg_host *h, const struct cg_host_paths *paths)
{
        const char *sysfs = paths && paths->sysfs_root ? paths->sysfs_root : DEFAULT_SYSFS_ROOT;
        _cleanup_free_ char *pc = NULL, *mi = NULL, *ctl = NULL;
        enum cg_mode mode;
        int r;

        r = cg_detect_mode(sysfs, &mode);
        if (r < 0)
                return r;
        r = read_text(paths && paths->proc_cgroup ? paths->proc_cgroup : "/proc/self/cgroup",
                      CG_PROC_CGROUP_MAX, &pc);
        if (r >= 0)
                r = read_text(paths && paths->mountinfo ? paths->mountinfo : "/proc/self/mountinfo",
                              CG_MOUNTINFO_MAX, &mi);
        if (r >= 0)
                r = cg_layout_parse(h, mode, pc, mi);
        if (r < 0 || !h->unified.mount[0])
                return r;
        _cleanup_free_ char *p = strjoin(h->unified.mount, h->unified.own, "/cgroup.controllers");
        if (!p)
                return -ENOMEM;
        if (read_text(p, SMALL_FILE_MAX, &ctl) >= 0)
                h->v2_mask = cg_parse_controllers(ctl);
        h->bpf_devices = true;
        return 0;
}

int cg_host_open_at(const struct cg_host_paths *paths, const char *root_name, bool mount_missing,
                    struct cg_host **ret)
{
        struct cg_host *h;
        int r;

        if (!name_is_valid(root_name))
                return -EINVAL;
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        snprintf(h->root_name, sizeof(h->root_name), "%s", root_name);
        snprintf(h->mount_dir, sizeof(h->mount_dir), "%s",
                 paths && paths->mount_dir ? paths->mount_dir : DEFAULT_MOUNT_DIR);
        h->unified.root_fd = -1;
        for (size_t i = 0; i < CG_MAX_HIER; i++)
                h->v1[i].root_fd = -1;
        h->mount_missing = mount_missing;
        r = host_detect(h, paths);
        if (r >= 0)
                r = open_v1_roots(h);
        if (r >= 0 && h->mode == CG_MODE_V2)
                r = setup_v2(h);
        else if (r >= 0 && h->mode == CG_MODE_HYBRID) {
                _cleanup_close_ int own = open_dir(h->unified.mount, h->unified.own);

                r = own < 0 ? own : (h->unified.root_fd = mkdir_open(own, h->root_name, false, NULL));
        }
        if (r < 0) {
                cg_host_free(h);
                return r;
        }
        *ret = h;
        return 0;
}

int cg_host_open(const char *root_name, bool mount_missing, struct cg_host **ret)
{
        return cg_host_open_at(NULL, root_name, mount_missing, ret);
}

struct cg_host *cg_host_free(struct cg_host *h)
{
        if (!h)
                return NULL;
        for (size_t i = 0; i < h->n_v1; i++)
                closep(&h->v1[i].root_fd);
        closep(&h->unified.root_fd);
        free(h);
        return NULL;
}

static int mkdir_p(const char *path)
{
        _cleanup_free_ char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        return mkdir(p, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

/* Mount a v1 hierarchy for the controllers in mask (its options are their names) and open its subtree. */
static int mount_v1(struct cg_host *h, unsigned mask, struct cg_report *report)
{
        char opts[64] = "", dir[PATH_MAX];
        _cleanup_free_ char *pc = NULL;
        struct cg_hier *hier;
        int r;

        for (int c = 0; c < CG_CONTROLLER_MAX; c++)
                if (mask & CG_MASK(c))
                        snprintf(opts + strlen(opts), sizeof(opts) - strlen(opts), "%s%s", opts[0] ? "," : "",
                                 cg_controller_name(c, false));
        if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", h->mount_dir, opts) >= sizeof(dir))
                return -ENAMETOOLONG;
        if (!h->mount_missing) {
                snprintf(report->msg, sizeof(report->msg),
                         "the %s hierarchy is not mounted: set mount_controllers = yes in [agent] or run "
                         "'mkdir -p %.200s && mount -t cgroup -o %s cgroup %.200s'",
                         opts, dir, opts, dir);
                return -ENOENT;
        }
        if (h->n_v1 >= CG_MAX_HIER)
                return -E2BIG;
        r = mkdir_p(dir);
        if (r >= 0 && mount("cgroup", dir, "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
                r = -errno;
        if (r < 0) {
                snprintf(report->msg, sizeof(report->msg), "mounting the %s hierarchy at %.200s failed: %s",
                         opts, dir, strerror(-r));
                return r;
        }
        hier = &h->v1[h->n_v1];
        r = read_text("/proc/self/cgroup", CG_PROC_CGROUP_MAX, &pc);
        if (r >= 0)
                r = cg_hier_init(hier, dir, "/", pc, mask);
        if (r >= 0) {
                _cleanup_close_ int own = open_dir(hier->mount, hier->own);

                r = own < 0 ? own : (hier->root_fd = mkdir_open(own, h->root_name, false, NULL));
        }
        if (r < 0) {
                snprintf(report->msg, sizeof(report->msg),
                         "mounted the %s hierarchy at %.200s but cannot use it: %s", opts, dir, strerror(-r));
                return r;
        }
        h->n_v1++;
        h->v1_mask |= mask;
        h->mounted |= mask;
        /* one report for everything cg_host_require() mounted */
        snprintf(report->msg + strlen(report->msg), sizeof(report->msg) - strlen(report->msg),
                 "%smounted the %s hierarchy at %.200s", report->msg[0] ? "; " : "", opts, dir);
        return 1;
}

int cg_host_require(struct cg_host *h, unsigned mask, struct cg_report *report)
{
        static const unsigned groups[] = { CG_MASK(CG_NET_CLS) | CG_MASK(CG_NET_PRIO),
                                           CG_MASK(CG_PERF_EVENT) };
        int r, done = 0;

        report->msg[0] = '\0';
        if (h->mode == CG_MODE_V2) {
                if (!(mask & (CG_MASK(CG_NET_CLS) | CG_MASK(CG_NET_PRIO))))
                        return 0; /* perf_event works on every cgroup2 cgroup */
                snprintf(
                    report->msg, sizeof(report->msg),
                    "net_cls and net_prio do not exist on cgroup v2: remove [net_cls]/[net_prio] from the "
                    "policy (match the task's cgroup in nftables with 'socket cgroupv2' instead)");
                return -EOPNOTSUPP;
        }
        for (size_t i = 0; i < ARRAY_SIZE(groups); i++) {
                unsigned missing = groups[i] & ~h->v1_mask;

                if (!(mask & groups[i]) || !(mask & missing))
                        continue;
                r = mount_v1(h, missing, report);
                if (r < 0)
                        return r;
                done = 1;
        }
        return done;
}

static int rmdir_at(int dirfd, const char *name)
{
        if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

/* Pure v2: back into the own cgroup, which may need the controllers the agent enabled there switched off. */
static int leave_v2(struct cg_host *h, int own)
{
        int r = cg_write_file_at(own, "cgroup.procs", "0");

        if (r == -EBUSY && h->own_enabled) {
                for (int c = 0; c < CG_CONTROLLER_MAX; c++) {
                        char buf[40];

                        if (!(h->own_enabled & CG_MASK(c)))
                                continue;
                        snprintf(buf, sizeof(buf), "-%s", cg_controller_name(c, true));
                        (void)cg_write_file_at(own, "cgroup.subtree_control", buf);
                }
                r = cg_write_file_at(own, "cgroup.procs", "0");
        }
        if (r >= 0)
                h->moved_self = false;
        return r;
}

int cg_host_remove(struct cg_host *h)
{
        int r = 0, k;

        for (size_t i = 0; i < h->n_v1; i++) {
                _cleanup_close_ int own = open_dir(h->v1[i].mount, h->v1[i].own);

                k = own < 0 ? own : rmdir_at(own, h->root_name);
                if (k < 0 && r == 0)
                        r = k;
        }
        if (h->unified.root_fd >= 0) {
                _cleanup_close_ int own = open_dir(h->unified.mount, h->unified.own);

                k = own < 0 ? own : 0;
                if (k >= 0 && h->moved_self)
                        k = leave_v2(h, own);
                if (k >= 0 && h->mode == CG_MODE_V2)
                        k = rmdir_at(h->unified.root_fd, CG_AGENT_LEAF);
                if (k >= 0)
                        k = rmdir_at(own, h->root_name);
                if (k < 0 && r == 0)
                        r = k;
        }
        return r;
}

/* ---- nodes ---- */

static void node_init(struct cg_node *n)
{
        n->unified_fd = -1;
}

struct cg_node *cg_node_free(struct cg_node *n)
{
        if (!n)
                return NULL;
        closep(&n->unified_fd);
        free(n);
        return NULL;
}

/* Create or open <root>/<policy>[/<task>] in one hierarchy. made[0]/made[1]: what this call created. */
static int node_dir(const struct cg_host *h, int root_fd, struct cg_node *n, bool create, bool cpuset,
                    bool v2_tree, bool made[2])
{
        _cleanup_close_ int pfd = -1;
        int fd;

        if (!create) {
                fd = openat(root_fd, n->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                return fd < 0 ? -errno : fd;
        }
        pfd = mkdir_open(root_fd, n->policy, cpuset, &made[0]);
        if (pfd < 0)
                return pfd;
        /* Tasks go below the policy, so its children need the controllers. */
        if (v2_tree && (enable_controllers(pfd, h->v2_enabled) & h->v2_enabled) != h->v2_enabled)
                return -EIO;
        if (!n->task[0])
                return TAKE_FD(pfd);
        if (mkdirat(pfd, n->task, 0755) < 0)
                return -errno; /* EEXIST too: a task's cgroup is always new */
        made[1] = true;
        if (cpuset) {
                int r = cpuset_inherit(pfd, n->task);

                if (r < 0)
                        return r;
        }
        fd = openat(pfd, n->task, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

static void node_undo(int root_fd, const struct cg_node *n, const bool made[2])
{
        if (made[1])
                (void)unlinkat(root_fd, n->path, AT_REMOVEDIR);
        if (made[0])
                (void)unlinkat(root_fd, n->policy, AT_REMOVEDIR);
}

static int node_new(struct cg_host *h, const char *policy, const char *task, bool create,
                    struct cg_node **ret)
{
        bool made[CG_MAX_HIER + 1][2] = { { false } };
        struct cg_node *n;
        int r = 0;

        if (!name_is_valid(policy) || (task && !name_is_valid(task)) ||
            (h->mode == CG_MODE_V2 && streq(policy, CG_AGENT_LEAF)))
                return -EINVAL;
        n = calloc(1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        node_init(n);
        snprintf(n->policy, sizeof(n->policy), "%s", policy);
        snprintf(n->task, sizeof(n->task), "%s", task ? task : "");
        snprintf(n->path, sizeof(n->path), "%s%s%s", policy, task ? "/" : "", task ? task : "");
        for (size_t i = 0; r >= 0 && i < h->n_v1; i++) {
                r = node_dir(h, h->v1[i].root_fd, n, create, h->v1[i].mask & CG_MASK(CG_CPUSET), false,
                             made[i]);
                if (r >= 0)
                        close(r);
        }
        if (r >= 0 && h->unified.root_fd >= 0) {
                r = node_dir(h, h->unified.root_fd, n, create, false, h->mode == CG_MODE_V2,
                             made[CG_MAX_HIER]);
                if (r >= 0) {
                        struct stat st;

                        n->unified_fd = r;
                        if (fstat(r, &st) == 0)
                                n->unified_id = (uint64_t)st.st_ino;
                }
        }
        if (r < 0) {
                for (size_t i = 0; i < h->n_v1; i++)
                        node_undo(h->v1[i].root_fd, n, made[i]);
                if (h->unified.root_fd >= 0)
                        node_undo(h->unified.root_fd, n, made[CG_MAX_HIER]);
                cg_node_free(n);
                return r;
        }
        *ret = n;
        return 0;
}

int cg_node_create(struct cg_host *h, const char *policy, const char *task, struct cg_node **ret)
{
        return node_new(h, policy, task, true, ret);
}

int cg_node_open(struct cg_host *h, const char *policy, const char *task, struct cg_node **ret)
{
        return node_new(h, policy, task, false, ret);
}

int cg_node_remove(struct cg_host *h, struct cg_node *n)
{
        int r = 0, k;

        for (size_t i = 0; i < h->n_v1; i++) {
                k = rmdir_at(h->v1[i].root_fd, n->path);
                if (k < 0 && (r == 0 || k == -EBUSY))
                        r = k;
        }
        if (h->unified.root_fd >= 0) {
                k = rmdir_at(h->unified.root_fd, n->path);
                if (k < 0 && (r == 0 || k == -EBUSY))
                        r = k;
        }
        return r;
}

/* v2: does the node's unified dir hold controller c's files? */
static bool v2_has(const struct cg_host *h, const struct cg_node *n, enum cg_controller c)
{
        /* On v2 these are part of every cgroup (cpu.stat, cgroup.freeze, perf, BPF), not controllers to
         * enable. */
        const unsigned core =
            CG_MASK(CG_CPUACCT) | CG_MASK(CG_FREEZER) | CG_MASK(CG_PERF_EVENT) | CG_MASK(CG_DEVICES);

        return ((h->v2_enabled | core) & CG_MASK(c)) && n->unified_fd >= 0;
}

int cg_node_dirfd(const struct cg_host *h, const struct cg_node *n, enum cg_controller c)
{
        int fd;

        if (h->mode == CG_MODE_V2) {
                if (!v2_has(h, n, c))
                        return -EOPNOTSUPP;
                fd = fcntl(n->unified_fd, F_DUPFD_CLOEXEC, 3);
                return fd < 0 ? -errno : fd;
        }
        for (size_t i = 0; i < h->n_v1; i++)
                if (h->v1[i].mask & CG_MASK(c)) {
                        fd = openat(h->v1[i].root_fd, n->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        return fd < 0 ? -errno : fd;
                }
        return -EOPNOTSUPP;
}

/* <root of hierarchy i>/<node>/name */
static int node_openat(const struct cg_host *h, const struct cg_node *n, size_t i, const char *name,
                       int flags)
{
        char path[sizeof(n->path) + NAME_MAX + 2];
        int fd;

        if ((size_t)snprintf(path, sizeof(path), "%s/%s", n->path, name) >= sizeof(path))
                return -ENAMETOOLONG;
        fd = openat(h->v1[i].root_fd, path, flags | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

int cg_node_open_file(const struct cg_host *h, const struct cg_node *n, enum cg_controller c,
                      const char *name, int flags)
{
        int fd;

        if (h->mode == CG_MODE_V2) {
                if (!v2_has(h, n, c))
                        return -EOPNOTSUPP;
                fd = openat(n->unified_fd, name, flags | O_CLOEXEC);
                return fd < 0 ? -errno : fd;
        }
        for (size_t i = 0; i < h->n_v1; i++)
                if (h->v1[i].mask & CG_MASK(c))
                        return node_openat(h, n, i, name, flags);
        return -EOPNOTSUPP;
}

/* Calls fn for each pid in cgroup.procs of dirfd and of its children down to depth. */
static int for_each_pid(int dirfd, int depth, int (*fn)(pid_t pid, void *ud), void *ud)
{
        _cleanup_free_ char *buf = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r, fd;

        r = read_file_at(dirfd, "cgroup.procs", PROCS_MAX, &buf, NULL);
        if (r < 0)
                return r == -ENOENT || r == -ENODEV ? 0 : r;
        for (char *p = buf, *end; *p; p = end) {
                long pid = strtol(p, &end, 10);

                if (end == p)
                        break;
                if (pid > 0 && (r = fn((pid_t)pid, ud)) != 0)
                        return r;
                end += strspn(end, "\n");
        }
        if (depth == 0)
                return 0;
        fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        while ((de = readdir(d))) {
                _cleanup_close_ int child = -1;

                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                child = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (child < 0)
                        continue; /* removed meanwhile */
                r = for_each_pid(child, depth - 1, fn, ud);
                if (r != 0)
                        return r;
        }
        return 0;
}

static int found_pid(pid_t pid, void *ud)
{
        return 1;
}

int cg_node_populated(const struct cg_host *h, const struct cg_node *n)
{
        _cleanup_free_ char *buf = NULL;
        _cleanup_close_ int fd = -1;
        int r;

        if (n->unified_fd >= 0) {
                const char *p;

                r = read_file_at(n->unified_fd, "cgroup.events", SMALL_FILE_MAX, &buf, NULL);
                if (r < 0)
                        return r;
                p = strstr(buf, "populated ");
                if (!p)
                        return -EIO;
                return p[10] == '1';
        }
        if (h->n_v1 == 0)
                return -ENOENT;
        fd = openat(h->v1[0].root_fd, n->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return for_each_pid(fd, 2, found_pid, NULL); /* pure v1: no cgroup.events */
}

int cg_node_freeze(const struct cg_host *h, const struct cg_node *n, bool frozen)
{
        _cleanup_close_ int fd = -1;

        if (n->unified_fd >= 0 && faccessat(n->unified_fd, "cgroup.freeze", F_OK, 0) == 0)
                return cg_write_file_at(n->unified_fd, "cgroup.freeze", frozen ? "1" : "0");
        fd = cg_node_dirfd(h, n, CG_FREEZER);
        if (fd < 0)
                return fd;
        return cg_write_file_at(fd, "freezer.state", frozen ? "FROZEN" : "THAWED");
}

int cg_node_frozen(const struct cg_host *h, const struct cg_node *n)
{
        _cleanup_free_ char *buf = NULL;
        _cleanup_close_ int fd = -1;
        const char *p;
        int r;

        if (n->unified_fd >= 0 && faccessat(n->unified_fd, "cgroup.freeze", F_OK, 0) == 0) {
                r = read_file_at(n->unified_fd, "cgroup.events", SMALL_FILE_MAX, &buf, NULL);
                if (r < 0)
                        return r;
                p = strstr(buf, "frozen ");
                return p ? p[7] == '1' : -EIO;
        }
        fd = cg_node_dirfd(h, n, CG_FREEZER);
        if (fd < 0)
                return fd;
        r = read_file_at(fd, "freezer.state", SMALL_FILE_MAX, &buf, NULL);
        if (r < 0)
                return r;
        return streq(strstrip(buf), "FROZEN");
}

static int kill_pid(pid_t pid, void *ud)
{
        if (kill(pid, SIGKILL) < 0 && errno != ESRCH)
                return -errno;
        (*(unsigned *)ud)++;
        return 0;
}

int cg_node_kill(const struct cg_host *h, const struct cg_node *n)
{
        const struct timespec pause = { .tv_nsec = 1000000 };
        _cleanup_close_ int v1 = -1;
        int fd = n->unified_fd, r;

        if (n->unified_fd >= 0) {
                r = cg_write_file_at(n->unified_fd, "cgroup.kill", "1");
                if (r < 0 && r != -ENOENT)
                        return r;
                if (r >= 0 && h->mode == CG_MODE_V2)
                        return 0;
        }
        /* Without cgroup.kill (or on hybrid, for anything outside the unified node) processes may fork while
         * we kill: repeat until a pass finds nobody. */
        if (h->n_v1) {
                fd = v1 = openat(h->v1[0].root_fd, n->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return errno == ENOENT ? 0 : -errno;
        }
        for (int pass = 0; pass < 1000; pass++) {
                unsigned seen = 0;

                r = for_each_pid(fd, 2, kill_pid, &seen);
                if (r < 0 || seen == 0)
                        return r;
                nanosleep(&pause, NULL);
        }
        return -EBUSY;
}

int cg_node_join_fds(const struct cg_host *h, const struct cg_node *n, struct cg_join *ret)
{
        struct cg_join j = { .unified_fd = -1 };

        if (n->unified_fd >= 0) {
                j.unified_fd = openat(n->unified_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (j.unified_fd < 0)
                        return -errno;
        }
        for (size_t i = 0; i < h->n_v1; i++) {
                j.procs_fd[i] = node_openat(h, n, i, "cgroup.procs", O_WRONLY);
                if (j.procs_fd[i] < 0) {
                        int r = j.procs_fd[i];

                        j.n_procs = i;
                        cg_join_close(&j);
                        return r;
                }
        }
        j.n_procs = h->n_v1;
        *ret = j;
        return 0;
}

int cg_join_write_pid(const struct cg_join *j, pid_t pid)
{
        char buf[32];
        int len = snprintf(buf, sizeof(buf), "%d", (int)pid);

        for (size_t i = 0; i < j->n_procs; i++) {
                ssize_t k = write(j->procs_fd[i], buf, (size_t)len);

                if (k < 0)
                        return -errno;
                if (k != len)
                        return -EIO;
        }
        return 0;
}

void cg_join_close(struct cg_join *j)
{
        closep(&j->unified_fd);
        j->unified_fd = -1;
        for (size_t i = 0; i < j->n_procs; i++)
                closep(&j->procs_fd[i]);
        j->n_procs = 0;
}

static DIR *opendir_at(int dirfd, const char *name)
{
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d;

        if (fd < 0)
                return NULL;
        d = fdopendir(fd);
        if (!d)
                closep(&fd);
        return d;
}

int cg_list_nodes(const struct cg_host *h, cg_node_fn fn, void *userdata)
{
        int root = h->unified.root_fd >= 0 ? h->unified.root_fd : h->n_v1 ? h->v1[0].root_fd : -1;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r;

        if (root < 0)
                return -EBADF;
        d = opendir_at(root, ".");
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                _cleanup_closedir_ DIR *td = NULL;
                struct dirent *te;

                if (de->d_type != DT_DIR || !name_is_valid(de->d_name) ||
                    (h->mode == CG_MODE_V2 && streq(de->d_name, CG_AGENT_LEAF)))
                        continue;
                r = fn(userdata, de->d_name, NULL);
                if (r < 0)
                        return r;
                td = opendir_at(root, de->d_name);
                while (td && (te = readdir(td)))
                        if (te->d_type == DT_DIR && name_is_valid(te->d_name) &&
                            (r = fn(userdata, de->d_name, te->d_name)) < 0)
                                return r;
        }
        return 0;
}
