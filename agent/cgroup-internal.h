/* Private to the cgroup module (and its unit tests): layout parsing, the write plan, the v1/v2 backends and
 * the cgroup-BPF device program. */
#pragma once

#include <linux/bpf.h>

#include "cgroup-convert.h"
#include "cgroup.h"

#define CG_AGENT_LEAF      "agent" /* pure v2: the agent's own leaf below <root> */
#define CG_PROC_CGROUP_MAX (64 * 1024)
#define CG_MOUNTINFO_MAX   (4 * 1024 * 1024)

/* Mode by statfs magic: cgroup2 at sysfs_root is v2; tmpfs with cgroup2 at sysfs_root/unified is hybrid;
 * tmpfs without it is v1. -ENOMEDIUM when sysfs_root is neither. */
int cg_detect_mode(const char *sysfs_root, enum cg_mode *ret);
/* Fill h->v1, h->n_v1, h->v1_mask and h->unified (mount and own path; fds left -1) from the contents of
 * /proc/self/cgroup and /proc/self/mountinfo. Named hierarchies (name=systemd) are ignored; on v2 v1 mounts
 * are ignored; on v1 the cgroup2 mount is ignored. -ENOENT when a needed hierarchy is missing. */
int cg_layout_parse(struct cg_host *h, enum cg_mode mode, const char *proc_cgroup, const char *mountinfo);
/* Fill hier for a mount of a v1 hierarchy (mask) or the unified one (mask 0): the own path from proc_cgroup
 * made relative to the mount's root. -ENOENT when the own cgroup is not visible through that mount. */
int cg_hier_init(struct cg_hier *hier, const char *point, const char *root, const char *proc_cgroup,
                 unsigned mask);
/* Undo mountinfo's octal escapes ("\040") in place. */
void cg_unescape_mount(char *s);

/* Every write of a cgroup file goes through this pointer (write_file_at by default), so a test can make
 * chosen writes fail (EBUSY, EINVAL, ENOSPC, EACCES) without a kernel that produces them. The daemon never
 * changes it. Not used for the pid write of cg_join_write_pid, which runs in the launched child. */
extern int (*cg_write_file_at)(int dirfd, const char *path, const char *value);

/* One file write of a plan. restore is what to write back if a later write fails. */
struct cg_write {
        enum cg_controller ctrl;
        const char *file; /* static string */
        const char *alt;  /* used instead when file does not exist (blkio.bfq.weight); may be NULL */
        char *value;
        char *restore;
};

struct cg_write_list {
        struct cg_write *w;
        size_t n, cap;
};

/* The writes turning one policy into another, in kernel order; device rules last. */
struct cg_plan {
        struct cg_write_list writes;     /* every limit but devices */
        struct cg_write_list dev;        /* v1 device rules (new) */
        struct cg_write_list dev_undo;   /* v1 device rules (old), replayed if the new ones fail */
        bool bpf;                        /* devices through cgroup-BPF */
        const struct policy *bpf_policy; /* the rules to load; NULL (or default unset) detaches */
        uint64_t check_usage; /* a memory limit to compare with the usage first; POLICY_UNSET: none */
};

int cg_write_add(struct cg_write_list *l, enum cg_controller ctrl, const char *file, const char *alt,
                 const char *value, const char *restore);
void cg_plan_done(struct cg_plan *plan);

struct cg_ops {
        const char *name;
        const char *usage_file; /* memory usage, for the "below current usage" refusal */
        /* Refuse what this host cannot enforce, before any write. */
        int (*check)(const struct cg_host *h, const struct policy *p, struct cg_error *err);
        /* The writes turning old (NULL: a fresh cgroup, kernel defaults) into new. */
        int (*plan)(const struct cg_host *h, const struct policy *old, const struct policy *new,
                    struct cg_plan *plan);
};
extern const struct cg_ops cg_ops_v1;
extern const struct cg_ops cg_ops_v2;

/* Fill err (file may be NULL) and return r. */
int cg_error_set(struct cg_error *err, const char *file, int r, const char *fmt, ...) _printf_(4, 5);
/* Device rules of two policies differ (default or any rule). */
bool cg_devices_differ(const struct policy *a, const struct policy *b);

/* The BPF_PROG_TYPE_CGROUP_DEVICE program for p's device rules: the last matching rule decides, else the
 * default. Returns the instruction count in *ret_n, -ENOBUFS when max is too small. */
int cg_bpf_devices_program(const struct policy *p, struct bpf_insn *insns, size_t max, size_t *ret_n);
#define CG_BPF_MAX_INSNS (POLICY_MAX_DEVRULES * 14 + 16)
/* Load p's program and attach it to the cgroup (BPF_F_ALLOW_MULTI), then detach every other device program
 * there, so the switch has no gap. p NULL or p->devices_default < 0 only detaches. */
int cg_bpf_devices_set(int cgroup_fd, const struct policy *p);
/* Number of device programs attached to the cgroup. */
int cg_bpf_devices_count(int cgroup_fd);

typedef int (*cg_render_fn)(uint64_t v, char *buf, size_t n);
int cg_render_u64(uint64_t v, char *buf, size_t n);
/* Add a write of file when old and new differ: new rendered with fn, or reset when new is POLICY_UNSET; the
 * restore value is old rendered, or reset when old is POLICY_UNSET. */
int cg_plan_scalar(struct cg_write_list *l, enum cg_controller c, const char *file, const char *alt,
                   uint64_t old, uint64_t new, cg_render_fn fn, const char *reset);
/* The throttle of kind for a device in p (NULL p: none): its value or POLICY_UNSET. */
uint64_t cg_throttle_find(const struct policy *p, enum throttle_kind kind, uint32_t major, uint32_t minor);
/* The devices throttled in old or new, without repeats, into ret[max]. */
int cg_throttle_devices(const struct policy *old, const struct policy *new, uint32_t (*ret)[2], size_t max,
                        size_t *ret_n);
/* The value of a cpuset field that means "as the parent has it": the executor copies the parent's file. */
#define CG_FROM_PARENT "@parent"
/* cpuset.cpus and cpuset.mems (same names on v1 and v2; a dropped key resets to the parent's set). */
int cg_plan_cpuset(const struct policy *old, const struct policy *new, struct cg_write_list *l, bool v2);
