#include "cgroup-convert.h"
#include "cgroup-internal.h"

#include <inttypes.h>
#include <stdarg.h>

static const char *const v1_names[CG_CONTROLLER_MAX] = {
        [CG_CPU] = "cpu",
        [CG_CPUACCT] = "cpuacct",
        [CG_CPUSET] = "cpuset",
        [CG_MEMORY] = "memory",
        [CG_DEVICES] = "devices",
        [CG_FREEZER] = "freezer",
        [CG_BLKIO] = "blkio",
        [CG_PIDS] = "pids",
        [CG_NET_CLS] = "net_cls",
        [CG_NET_PRIO] = "net_prio",
        [CG_PERF_EVENT] = "perf_event",
        [CG_HUGETLB] = "hugetlb",
        [CG_RDMA] = "rdma",
        [CG_MISC] = "misc",
};

/* cgroup2 names; controllers without a v2 counterpart (their function is built in or gone) are NULL. */
static const char *const v2_names[CG_CONTROLLER_MAX] = {
        [CG_CPU] = "cpu",   [CG_CPUSET] = "cpuset",   [CG_MEMORY] = "memory", [CG_BLKIO] = "io",
        [CG_PIDS] = "pids", [CG_HUGETLB] = "hugetlb", [CG_RDMA] = "rdma",     [CG_MISC] = "misc",
};

const char *cg_controller_name(enum cg_controller c, bool v2)
{
        if ((unsigned)c >= CG_CONTROLLER_MAX)
                return NULL;
        return v2 ? v2_names[c] : v1_names[c];
}

int cg_controller_from_name(const char *name, bool v2)
{
        const char *const *names = v2 ? v2_names : v1_names;

        for (int i = 0; i < CG_CONTROLLER_MAX; i++)
                if (names[i] && streq(names[i], name))
                        return i;
        return -1;
}

const char *cg_mode_name(enum cg_mode m)
{
        switch (m) {
        case CG_MODE_V1:
                return "v1";
        case CG_MODE_HYBRID:
                return "hybrid";
        case CG_MODE_V2:
                return "v2";
        }
        return "unknown";
}

static uint64_t clamp_u64(uint64_t v, uint64_t lo, uint64_t hi)
{
        return v < lo ? lo : v > hi ? hi : v;
}

uint64_t cg_shares_to_weight(uint64_t shares)
{
        shares = clamp_u64(shares, 2, 262144);
        return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t cg_weight_to_shares(uint64_t weight)
{
        weight = clamp_u64(weight, 1, 10000);
        return 2 + ((weight - 1) * 262142) / 9999;
}

uint64_t cg_blkio_weight_to_io_weight(uint64_t weight)
{
        weight = clamp_u64(weight, 10, 1000);
        return 1 + ((weight - 10) * 9999) / 990;
}

int cg_swap_max(uint64_t limit, uint64_t swap_limit, uint64_t *ret)
{
        if (swap_limit == POLICY_MAX) {
                *ret = POLICY_MAX;
                return 0;
        }
        if (limit == POLICY_MAX || limit == POLICY_UNSET || swap_limit == POLICY_UNSET || swap_limit < limit)
                return -EINVAL;
        *ret = swap_limit - limit;
        return 0;
}

/* snprintf that reports truncation as -ENOBUFS. */
static int render(char *buf, size_t n, const char *fmt, ...) _printf_(3, 4);
static int render(char *buf, size_t n, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vsnprintf(buf, n, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -EINVAL;
        return (size_t)r < n ? 0 : -ENOBUFS;
}

int cg_render_v1_u64(uint64_t v, char *buf, size_t n)
{
        if (v == POLICY_MAX)
                return render(buf, n, "-1");
        return render(buf, n, "%" PRIu64, v);
}

int cg_render_max(uint64_t v, char *buf, size_t n)
{
        if (v == POLICY_MAX || v == POLICY_UNSET)
                return render(buf, n, "max");
        return render(buf, n, "%" PRIu64, v);
}

int cg_render_cpu_max(uint64_t quota_us, uint64_t period_us, char *buf, size_t n)
{
        char q[32];
        int r;

        if (period_us == POLICY_UNSET || period_us == POLICY_MAX)
                return -EINVAL;
        r = cg_render_max(quota_us, q, sizeof(q));
        if (r < 0)
                return r;
        return render(buf, n, "%s %" PRIu64, q, period_us);
}

int cg_render_v1_throttle(uint32_t major, uint32_t minor, uint64_t value, char *buf, size_t n)
{
        if (value == POLICY_MAX || value == POLICY_UNSET)
                value = 0;
        return render(buf, n, "%" PRIu32 ":%" PRIu32 " %" PRIu64, major, minor, value);
}

int cg_render_io_max(uint32_t major, uint32_t minor, const uint64_t limits[4], char *buf, size_t n)
{
        char v[4][32];

        for (int i = 0; i < 4; i++)
                (void)cg_render_max(limits[i], v[i], sizeof(v[i]));
        return render(buf, n, "%" PRIu32 ":%" PRIu32 " rbps=%s wbps=%s riops=%s wiops=%s", major, minor,
                      v[THROTTLE_READ_BPS], v[THROTTLE_WRITE_BPS], v[THROTTLE_READ_IOPS],
                      v[THROTTLE_WRITE_IOPS]);
}

static void render_devnum(int64_t v, char *buf, size_t n)
{
        if (v < 0)
                snprintf(buf, n, "*");
        else
                snprintf(buf, n, "%" PRId64, v);
}

int cg_render_devrule(const struct policy_devrule *r, char *buf, size_t n)
{
        char maj[24], min[24];

        if (r->type != 'a' && r->type != 'b' && r->type != 'c')
                return -EINVAL;
        if (r->access[0] == '\0')
                return -EINVAL;
        render_devnum(r->major, maj, sizeof(maj));
        render_devnum(r->minor, min, sizeof(min));
        return render(buf, n, "%c %s:%s %s", r->type, maj, min, r->access);
}

int cg_format_size(uint64_t bytes, char *buf, size_t n)
{
        static const char units[] = "KMGTPE";
        uint64_t unit = 1024, whole, tenth;
        int i = 0;

        if (bytes < 1024)
                return render(buf, n, "%" PRIu64, bytes);
        while (i < 5 && bytes / unit >= 1024) {
                unit <<= 10;
                i++;
        }
        whole = bytes / unit;
        if (bytes % unit == 0)
                return render(buf, n, "%" PRIu64 "%c", whole, units[i]);
        /* Rounded up, so a usage shown in a refusal is never below the limit it refused. */
        tenth = ((bytes % unit) * 10 + unit - 1) / unit;
        if (tenth == 10) {
                whole++;
                tenth = 0;
        }
        return render(buf, n, "%" PRIu64 ".%" PRIu64 "%c", whole, tenth, units[i]);
}

unsigned cg_parse_controllers(const char *text)
{
        unsigned mask = 0;
        const char *p = text;

        while (*p) {
                char name[32];
                size_t len;
                int c;

                p += strspn(p, " \t\n");
                len = strcspn(p, " \t\n");
                if (len == 0)
                        break;
                if (len < sizeof(name)) {
                        memcpy(name, p, len);
                        name[len] = '\0';
                        c = cg_controller_from_name(name, true);
                        if (c >= 0)
                                mask |= CG_MASK(c);
                }
                p += len;
        }
        return mask;
}

int cg_write_add(struct cg_write_list *l, enum cg_controller ctrl, const char *file, const char *alt,
                 const char *value, const char *restore)
{
        struct cg_write *w;

        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 16;
                struct cg_write *nw = realloc(l->w, cap * sizeof(*nw));

                if (!nw)
                        return -ENOMEM;
                l->w = nw;
                l->cap = cap;
        }
        w = &l->w[l->n];
        *w = (struct cg_write){ .ctrl = ctrl, .file = file, .alt = alt };
        w->value = strdup(value);
        w->restore = restore ? strdup(restore) : NULL;
        if (!w->value || (restore && !w->restore)) {
                free(w->value);
                free(w->restore);
                return -ENOMEM;
        }
        l->n++;
        return 0;
}

static void write_list_done(struct cg_write_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->w[i].value);
                free(l->w[i].restore);
        }
        free(l->w);
        *l = (struct cg_write_list){ 0 };
}

void cg_plan_done(struct cg_plan *plan)
{
        write_list_done(&plan->writes);
        write_list_done(&plan->dev);
        write_list_done(&plan->dev_undo);
}

int cg_error_set(struct cg_error *err, const char *file, int r, const char *fmt, ...)
{
        va_list ap;

        if (!err)
                return r;
        snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
        err->err = r;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
        return r;
}

bool cg_devices_differ(const struct policy *a, const struct policy *b)
{
        if (a->devices_default != b->devices_default || a->n_devrules != b->n_devrules)
                return true;
        for (size_t i = 0; i < a->n_devrules; i++) {
                const struct policy_devrule *x = &a->devrules[i], *y = &b->devrules[i];

                if (x->allow != y->allow || x->type != y->type || x->major != y->major ||
                    x->minor != y->minor || !streq(x->access, y->access))
                        return true;
        }
        return false;
}

int cg_render_u64(uint64_t v, char *buf, size_t n)
{
        return render(buf, n, "%" PRIu64, v);
}

int cg_plan_scalar(struct cg_write_list *l, enum cg_controller c, const char *file, const char *alt,
                   uint64_t old, uint64_t new, cg_render_fn fn, const char *reset)
{
        char v[CG_VALUE_MAX], o[CG_VALUE_MAX];
        int r;

        if (old == new)
                return 0;
        if (new == POLICY_UNSET)
                snprintf(v, sizeof(v), "%s", reset);
        else if ((r = fn(new, v, sizeof(v))) < 0)
                return r;
        if (old == POLICY_UNSET)
                snprintf(o, sizeof(o), "%s", reset);
        else if ((r = fn(old, o, sizeof(o))) < 0)
                return r;
        return cg_write_add(l, c, file, alt, v, o);
}

uint64_t cg_throttle_find(const struct policy *p, enum throttle_kind kind, uint32_t major, uint32_t minor)
{
        if (!p)
                return POLICY_UNSET;
        for (size_t i = 0; i < p->n_throttles; i++) {
                const struct policy_throttle *t = &p->throttles[i];

                if (t->kind == kind && t->major == major && t->minor == minor)
                        return t->value;
        }
        return POLICY_UNSET;
}

int cg_throttle_devices(const struct policy *old, const struct policy *new, uint32_t (*ret)[2], size_t max,
                        size_t *ret_n)
{
        const struct policy *ps[2] = { old, new };
        size_t n = 0;

        for (int k = 0; k < 2; k++) {
                if (!ps[k])
                        continue;
                for (size_t i = 0; i < ps[k]->n_throttles; i++) {
                        const struct policy_throttle *t = &ps[k]->throttles[i];
                        bool seen = false;

                        for (size_t j = 0; j < n && !seen; j++)
                                seen = ret[j][0] == t->major && ret[j][1] == t->minor;
                        if (seen)
                                continue;
                        if (n == max)
                                return -E2BIG;
                        ret[n][0] = t->major;
                        ret[n][1] = t->minor;
                        n++;
                }
        }
        *ret_n = n;
        return 0;
}

/* ---- layout: /proc/self/cgroup and /proc/self/mountinfo ---- */

void cg_unescape_mount(char *s)
{
        char *w = s;

        for (char *p = s; *p; p++) {
                if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' &&
                    p[3] <= '7') {
                        *w++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
                        p += 3;
                } else
                        *w++ = *p;
        }
        *w = '\0';
}

static unsigned v1_mask_of(const char *list)
{
        _cleanup_free_ char *copy = strdup(list);
        unsigned mask = 0;
        char *save = NULL;

        if (!copy)
                return 0;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                int c = cg_controller_from_name(t, false);

                if (c >= 0)
                        mask |= CG_MASK(c);
        }
        return mask;
}

/* The own path for a v1 mask (mask 0: the unified "0::" line) from /proc/self/cgroup. */
static int own_path(const char *proc_cgroup, unsigned mask, char *buf, size_t n)
{
        for (const char *line = proc_cgroup; line && *line;) {
                const char *end = strchrnul(line, '\n');
                _cleanup_free_ char *l = strndup(line, (size_t)(end - line));
                char *c1, *c2;

                line = *end ? end + 1 : NULL;
                if (!l)
                        return -ENOMEM;
                c1 = strchr(l, ':');
                c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c2)
                        continue;
                *c2 = '\0';
                if (mask == 0 ? !streq(l, "0:") : v1_mask_of(c1 + 1) != mask)
                        continue;
                if ((size_t)snprintf(buf, n, "%s", c2 + 1) >= n)
                        return -ENAMETOOLONG;
                return 0;
        }
        return -ENOENT;
}

/* Make own relative to the mount's root (a mount of a subtree shows only what is below its root). */
static int own_below_root(const char *root, char *own)
{
        size_t rl = strlen(root);

        if (streq(root, "/"))
                return 0;
        if (strncmp(own, root, rl) != 0 || (own[rl] != '\0' && own[rl] != '/'))
                return -ENOENT;
        memmove(own, own + rl, strlen(own + rl) + 1);
        if (own[0] == '\0')
                strcpy(own, "/");
        return 0;
}

/* One mountinfo line: the root, mount point, fs type and super options. */
static int mountinfo_fields(char *line, char **root, char **point, char **type, char **opts)
{
        char *f[6], *save = NULL, *t;
        int i = 0;

        for (t = strtok_r(line, " ", &save); t && i < 6; t = strtok_r(NULL, " ", &save))
                f[i++] = t;
        if (i < 6)
                return -EINVAL;
        while (t && !streq(t, "-"))
                t = strtok_r(NULL, " ", &save);
        *type = t ? strtok_r(NULL, " ", &save) : NULL;
        if (!*type || !strtok_r(NULL, " ", &save) || !(*opts = strtok_r(NULL, " ", &save)))
                return -EINVAL;
        *root = f[3];
        *point = f[4];
        cg_unescape_mount(*root);
        cg_unescape_mount(*point);
        return 0;
}

int cg_hier_init(struct cg_hier *hier, const char *point, const char *root, const char *proc_cgroup,
                 unsigned mask)
{
        int r = own_path(proc_cgroup, mask, hier->own, sizeof(hier->own));

        if (r < 0)
                return r;
        r = own_below_root(root, hier->own);
        if (r < 0)
                return r;
        if ((size_t)snprintf(hier->mount, sizeof(hier->mount), "%s", point) >= sizeof(hier->mount))
                return -ENAMETOOLONG;
        hier->mask = mask;
        hier->root_fd = -1;
        return 0;
}

/* A restarted agent on v2 finds itself in <own>/<root>/agent: its own cgroup is two levels up. */
static void strip_agent_leaf(struct cg_host *h)
{
        char suffix[POLICY_NAME_MAX + 16];
        size_t ol = strlen(h->unified.own), sl;

        snprintf(suffix, sizeof(suffix), "/%s/%s", h->root_name, CG_AGENT_LEAF);
        sl = strlen(suffix);
        if (ol >= sl && streq(h->unified.own + ol - sl, suffix)) {
                h->unified.own[ol - sl] = '\0';
                if (h->unified.own[0] == '\0')
                        strcpy(h->unified.own, "/");
        }
}

static int layout_line(struct cg_host *h, enum cg_mode mode, char *line, const char *proc_cgroup)
{
        char *root, *point, *type, *opts;
        unsigned mask;

        if (mountinfo_fields(line, &root, &point, &type, &opts) < 0)
                return 0;
        if (streq(type, "cgroup2")) {
                if (mode == CG_MODE_V1 || h->unified.mount[0])
                        return 0;
                return cg_hier_init(&h->unified, point, root, proc_cgroup, 0) == -ENOMEM ? -ENOMEM : 0;
        }
        if (!streq(type, "cgroup") || mode == CG_MODE_V2)
                return 0;
        mask = v1_mask_of(opts);
        if (mask == 0 || (h->v1_mask & mask) || h->n_v1 >= CG_MAX_HIER)
                return 0; /* a named hierarchy, or one already seen through another mount */
        if (cg_hier_init(&h->v1[h->n_v1], point, root, proc_cgroup, mask) < 0)
                return 0;
        h->n_v1++;
        h->v1_mask |= mask;
        return 0;
}

int cg_layout_parse(struct cg_host *h, enum cg_mode mode, const char *proc_cgroup, const char *mountinfo)
{
        h->mode = mode;
        for (const char *line = mountinfo; line && *line;) {
                const char *end = strchrnul(line, '\n');
                _cleanup_free_ char *l = strndup(line, (size_t)(end - line));
                int r;

                line = *end ? end + 1 : NULL;
                if (!l)
                        return -ENOMEM;
                r = layout_line(h, mode, l, proc_cgroup);
                if (r < 0)
                        return r;
        }
        if (mode != CG_MODE_V1 && !h->unified.mount[0])
                return -ENOENT;
        if (mode != CG_MODE_V2 && h->n_v1 == 0)
                return -ENOENT;
        if (mode == CG_MODE_V2)
                strip_agent_leaf(h);
        return 0;
}
