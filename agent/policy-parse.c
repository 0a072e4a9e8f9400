/* The value of every policy key: checked, converted and stored. Each handler sees one key at a time; checks
 * that need the whole file are in policy.c. */
#include "policy-internal.h"

#include <ctype.h>
#include <inttypes.h>
#include <sys/stat.h>

#define NS_ALL_NAMES "mount, uts, ipc, pid, net, user, cgroup or time"
#define PERF_NAMES                                                                                           \
        "task-clock, cpu-clock, context-switches, cpu-migrations, page-faults, minor-faults, major-faults, " \
        "cycles, instructions, cache-references, cache-misses, branches or branch-misses"

/* [policy] */

static int key_name(struct policy_parser *ps, const char *v)
{
        if (!name_is_valid(v))
                return policy_bad(
                    ps, "invalid name '%s' (expected 1 to 63 characters from A-Z a-z 0-9 _ . -)", v);
        snprintf(ps->p->name, sizeof(ps->p->name), "%s", v);
        return 0;
}

static int key_description(struct policy_parser *ps, const char *v)
{
        if (strlen(v) >= sizeof(ps->p->description))
                return policy_bad(ps, "too long (at most %zu characters)", sizeof(ps->p->description) - 1);
        snprintf(ps->p->description, sizeof(ps->p->description), "%s", v);
        return 0;
}

static int key_tenant(struct policy_parser *ps, const char *v)
{
        if (!name_is_valid(v))
                return policy_bad(
                    ps, "invalid tenant '%s' (expected 1 to 63 characters from A-Z a-z 0-9 _ . -)", v);
        snprintf(ps->p->tenant, sizeof(ps->p->tenant), "%s", v);
        return 0;
}

static int key_tenant_override(struct policy_parser *ps, const char *v)
{
        return policy_value_bool(ps, v, &ps->p->tenant_override);
}

static int key_scope(struct policy_parser *ps, const char *v)
{
        static const char *const names[] = { [POLICY_SCOPE_TASK] = "task", [POLICY_SCOPE_POLICY] = "policy" };
        int i = 0, r = policy_value_choice(ps, v, names, ARRAY_SIZE(names), "task or policy", &i);

        if (r == 0)
                ps->p->scope = (enum policy_scope)i;
        return r;
}

static int key_namespaces(struct policy_parser *ps, const char *v)
{
        char buf[256], *words[16];
        unsigned mask = 0;
        size_t n;

        snprintf(buf, sizeof(buf), "%s", v);
        n = policy_split_words(buf, words, ARRAY_SIZE(words));
        if (n > ARRAY_SIZE(words))
                return policy_bad(ps, "too many namespaces");
        for (size_t i = 0; i < n; i++) {
                size_t bit = 0;

                while (bit < ARRAY_SIZE(policy_ns_names) && !streq(words[i], policy_ns_names[bit]))
                        bit++;
                if (bit == ARRAY_SIZE(policy_ns_names))
                        return policy_bad(ps, "unknown namespace '%s' (expected " NS_ALL_NAMES ")", words[i]);
                if (mask & (1u << bit))
                        return policy_bad(ps, "namespace '%s' listed twice", words[i]);
                mask |= 1u << bit;
        }
        ps->p->namespaces = mask;
        return 0;
}

/* RFC 1123: dot-separated labels of letters, digits and '-', not starting or ending with '-'. */
static bool hostname_is_valid(const char *s)
{
        size_t label = 0, n = strlen(s);

        if (n == 0 || n > 64)
                return false;
        for (size_t i = 0; i <= n; i++) {
                char c = s[i];

                if (c == '.' || c == '\0') {
                        if (label == 0 || label > 63 || s[i - 1] == '-')
                                return false;
                        label = 0;
                } else if (isalnum((unsigned char)c) || (c == '-' && label > 0)) {
                        label++;
                } else {
                        return false;
                }
        }
        return true;
}

static int key_hostname(struct policy_parser *ps, const char *v)
{
        if (!hostname_is_valid(v))
                return policy_bad(
                    ps, "invalid hostname '%s' (expected letters, digits, '-' and '.', at most 64)", v);
        snprintf(ps->p->hostname, sizeof(ps->p->hostname), "%s", v);
        return 0;
}

static int key_init(struct policy_parser *ps, const char *v)
{
        return policy_value_bool(ps, v, &ps->p->init);
}

static bool ranges_overlap(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
        return a < b + bn && b < a + an;
}

static int parse_idmap(struct policy_parser *ps, const char *v, bool gid, struct policy_idmap *maps,
                       size_t *n)
{
        char buf[256], *w[3];
        uint64_t x[3];
        unsigned *lines = ps->idmap_line[gid];

        if (*n >= POLICY_MAX_IDMAPS)
                return policy_too_many(ps, ps->key, "mappings", POLICY_MAX_IDMAPS);
        snprintf(buf, sizeof(buf), "%s", v);
        if (policy_split_words(buf, w, 3) != 3)
                return policy_bad(ps, "invalid mapping '%s' (expected INSIDE OUTSIDE COUNT)", v);
        for (size_t i = 0; i < 3; i++)
                if (parse_u64_range(w[i], i == 2 ? 1 : 0, UINT32_MAX, &x[i]) < 0)
                        return policy_bad(ps, "invalid mapping '%s' (%s '%s' is not a number in %s)", v,
                                          i == 0   ? "INSIDE"
                                          : i == 1 ? "OUTSIDE"
                                                   : "COUNT",
                                          w[i], i == 2 ? "1..4294967295" : "0..4294967295");
        if (x[0] + x[2] > (1ull << 32) || x[1] + x[2] > (1ull << 32))
                return policy_bad(ps, "mapping '%s' goes past ID 4294967295", v);
        for (size_t i = 0; i < *n; i++)
                if (ranges_overlap(x[0], x[2], maps[i].inside, maps[i].count) ||
                    ranges_overlap(x[1], x[2], maps[i].outside, maps[i].count))
                        return policy_bad(ps, "mapping '%s' overlaps the one at line %u", v, lines[i]);
        lines[*n] = ps->line;
        maps[(*n)++] = (struct policy_idmap){ (uint32_t)x[0], (uint32_t)x[1], (uint32_t)x[2] };
        return 0;
}

static int key_uid_map(struct policy_parser *ps, const char *v)
{
        return parse_idmap(ps, v, false, ps->p->uid_map, &ps->p->n_uid_map);
}

static int key_gid_map(struct policy_parser *ps, const char *v)
{
        return parse_idmap(ps, v, true, ps->p->gid_map, &ps->p->n_gid_map);
}

static int key_user(struct policy_parser *ps, const char *v)
{
        char buf[64];
        char *colon;
        uint64_t uid, gid = POLICY_UNSET;

        if (strlen(v) >= sizeof(buf))
                return policy_bad(ps, "invalid user '%s' (expected UID or UID:GID, numeric)", v);
        snprintf(buf, sizeof(buf), "%s", v);
        colon = strchr(buf, ':');
        if (colon)
                *colon = '\0';
        /* 4294967295 is (uid_t)-1, "no change" to the kernel. */
        if (parse_u64_range(buf, 0, UINT32_MAX - 1, &uid) < 0 ||
            (colon && parse_u64_range(colon + 1, 0, UINT32_MAX - 1, &gid) < 0))
                return policy_bad(ps, "invalid user '%s' (expected UID or UID:GID, numeric)", v);
        ps->p->uid = uid;
        ps->p->gid = gid;
        return 0;
}

static int key_output(struct policy_parser *ps, const char *v)
{
        static const char *const names[] = { [POLICY_OUTPUT_LOG] = "log",
                                             [POLICY_OUTPUT_INHERIT] = "inherit",
                                             [POLICY_OUTPUT_NULL] = "null" };
        int i = 0, r = policy_value_choice(ps, v, names, ARRAY_SIZE(names), "log, inherit or null", &i);

        if (r == 0)
                ps->p->output = (enum policy_output)i;
        return r;
}

static int key_hook(struct policy_parser *ps, const char *v)
{
        struct stat st;

        if (v[0] != '/')
                return policy_bad(ps, "'%s' is not an absolute path", v);
        if (strlen(v) >= sizeof(ps->p->hook))
                return policy_bad(ps, "path too long");
        if (stat(v, &st) < 0)
                return policy_bad(ps, "%s: %s", v, strerror(errno));
        if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
                return policy_bad(ps, "%s is not an executable file", v);
        snprintf(ps->p->hook, sizeof(ps->p->hook), "%s", v);
        return 0;
}

static int key_hook_timeout(struct policy_parser *ps, const char *v)
{
        return policy_value_duration(ps, v, 100000, 300000000, "100ms..5m", &ps->p->hook_timeout_us);
}

/* [memory] */

static int key_mem_limit(struct policy_parser *ps, const char *v)
{
        return policy_value_size(ps, v, true, &ps->p->mem_limit);
}

static int key_mem_swap_limit(struct policy_parser *ps, const char *v)
{
        return policy_value_size(ps, v, true, &ps->p->mem_swap_limit);
}

static int key_mem_soft_limit(struct policy_parser *ps, const char *v)
{
        return policy_value_size(ps, v, true, &ps->p->mem_soft_limit);
}

static int key_oom_kill_disable(struct policy_parser *ps, const char *v)
{
        bool b;
        int r = policy_value_bool(ps, v, &b);

        if (r == 0)
                ps->p->oom_kill_disable = b;
        return r;
}

static int key_swappiness(struct policy_parser *ps, const char *v)
{
        return policy_value_range(ps, v, 0, 100, false, &ps->p->swappiness);
}

/* [cpu] */

static int key_cpu_quota(struct policy_parser *ps, const char *v)
{
        int r = policy_conflict(ps, K_CPU_QUOTA_US);

        if (r < 0)
                return r;
        if (streq(v, "max")) {
                ps->p->cpu_quota_us = POLICY_MAX;
                return 0;
        }
        r = parse_cpu_millis(v, &ps->quota_millis);
        if (r == -ERANGE)
                return policy_bad(ps, "CPU count '%s' is out of range (expected more than 0)", v);
        if (r < 0)
                return policy_bad(
                    ps, "invalid CPU count '%s' (expected a number of CPUs like 0.5 or 2, or max)", v);
        return 0;
}

static int key_cpu_quota_us(struct policy_parser *ps, const char *v)
{
        return policy_conflict(ps, K_CPU_QUOTA)
                   ?: policy_value_range(ps, v, 1000, 1ull << 40, true, &ps->p->cpu_quota_us);
}

static int key_cpu_period_us(struct policy_parser *ps, const char *v)
{
        return policy_value_range(ps, v, 1000, 1000000, false, &ps->p->cpu_period_us);
}

static int key_cpu_shares(struct policy_parser *ps, const char *v)
{
        return policy_conflict(ps, K_CPU_WEIGHT)
                   ?: policy_value_range(ps, v, 2, 262144, false, &ps->p->cpu_shares);
}

static int key_cpu_weight(struct policy_parser *ps, const char *v)
{
        return policy_conflict(ps, K_CPU_SHARES)
                   ?: policy_value_range(ps, v, 1, 10000, false, &ps->p->cpu_weight);
}

static int key_cpu_burst(struct policy_parser *ps, const char *v)
{
        return policy_value_duration(ps, v, 0, 1ull << 40, "0us..1099511627776us", &ps->p->cpu_burst_us);
}

/* [cpuset] */

static int cpuset_value(struct policy_parser *ps, const char *v, bool mems, struct cpu_bitmap *ret)
{
        const struct cpu_bitmap *allowed = mems ? &ps->host->mems : &ps->host->cpus;
        struct cpu_bitmap b, extra;
        char have[4096], want[4096];
        bool plural;
        int r = parse_cpu_list(v, &b);

        if (r == -ERANGE)
                return policy_bad(ps, "list '%s' is out of range (ids 0..%d)", v, CGM_MAX_CPUS - 1);
        if (r < 0)
                return policy_bad(ps, "invalid list '%s' (expected ids and ranges like 0-3,6)", v);
        if (mems ? ps->host->mems_known : ps->host->cpus_known) {
                for (size_t i = 0; i < ARRAY_SIZE(b.bits); i++)
                        extra.bits[i] = b.bits[i] & ~allowed->bits[i];
                if (!cpu_bitmap_is_empty(&extra)) {
                        (void)cpu_list_format(&extra, want, sizeof(want));
                        (void)cpu_list_format(allowed, have, sizeof(have));
                        plural = strpbrk(want, ",-");
                        return policy_bad(ps, "%s %s %s not available (allowed: %s)",
                                          mems ? (plural ? "memory nodes" : "memory node")
                                               : (plural ? "CPUs" : "CPU"),
                                          want, plural ? "are" : "is", have[0] ? have : "none");
                }
        }
        *ret = b;
        return 0;
}

static int key_cpuset_cpus(struct policy_parser *ps, const char *v)
{
        int r = cpuset_value(ps, v, false, &ps->p->cpus);

        ps->p->has_cpus = r == 0;
        return r;
}

static int key_cpuset_mems(struct policy_parser *ps, const char *v)
{
        int r = cpuset_value(ps, v, true, &ps->p->mems);

        ps->p->has_mems = r == 0;
        return r;
}

/* [blkio] and [devices]: device references */

/* A block device as /dev/PATH or MAJ:MIN, checked against the host. */
static int block_device(struct policy_parser *ps, const char *dev, uint32_t *ret_major, uint32_t *ret_minor)
{
        int64_t major, minor;
        char type;
        int r;

        if (dev[0] == '/') {
                r = ps->host->stat_device(ps->host->userdata, dev, &type, ret_major, ret_minor);
                if (r == -ENOENT)
                        return policy_bad(ps, "device %s: no such device", dev);
                if (r == -ENODEV || (r == 0 && type != 'b'))
                        return policy_bad(ps, "device %s: not a block device", dev);
                if (r < 0)
                        return policy_bad(ps, "device %s: %s", dev, strerror(-r));
                return 0;
        }
        r = parse_devnum(dev, false, &major, &minor);
        if (r < 0)
                return policy_bad(ps, "invalid device '%s' (expected /dev/PATH or MAJ:MIN)", dev);
        r = ps->host->block_device_exists(ps->host->userdata, (uint32_t)major, (uint32_t)minor);
        if (r == -ENOENT)
                return policy_bad(ps, "device %s: no such device", dev);
        if (r < 0)
                return policy_bad(ps, "device %s: %s", dev, strerror(-r));
        *ret_major = (uint32_t)major;
        *ret_minor = (uint32_t)minor;
        return 0;
}

static int key_blkio_weight(struct policy_parser *ps, const char *v)
{
        return policy_value_range(ps, v, 10, 1000, false, &ps->p->blkio_weight);
}

static int throttle_value(struct policy_parser *ps, const char *v, bool bytes, uint64_t *ret)
{
        int r = bytes ? policy_value_size(ps, v, true, ret)
                      : policy_value_range(ps, v, 0, UINT64_MAX - 2, true, ret);

        if (r == 0 && *ret == 0)
                return policy_bad(ps, "0 is not a limit (use max for no limit)");
        return r;
}

static int key_throttle(struct policy_parser *ps, const char *v, enum throttle_kind kind)
{
        struct policy *p = ps->p;
        bool bytes = kind == THROTTLE_READ_BPS || kind == THROTTLE_WRITE_BPS;
        char buf[256], *w[2];
        struct policy_throttle t = { .kind = kind };
        int r;

        if (p->n_throttles >= POLICY_MAX_THROTTLES)
                return policy_too_many(ps, K_BLKIO_READ_BPS, "throttles in [blkio]", POLICY_MAX_THROTTLES);
        snprintf(buf, sizeof(buf), "%s", v);
        if (policy_split_words(buf, w, 2) != 2)
                return policy_bad(ps, "invalid value '%s' (expected DEVICE %s, e.g. /dev/vda %s)", v,
                                  bytes ? "BYTES" : "IOPS", bytes ? "10M" : "1000");
        r = block_device(ps, w[0], &t.major, &t.minor);
        if (r < 0)
                return r;
        r = throttle_value(ps, w[1], bytes, &t.value);
        if (r < 0)
                return r;
        for (size_t i = 0; i < p->n_throttles; i++)
                if (p->throttles[i].kind == kind && p->throttles[i].major == t.major &&
                    p->throttles[i].minor == t.minor)
                        return policy_bad(ps, "device %" PRIu32 ":%" PRIu32 " already set at line %u",
                                          t.major, t.minor, ps->throttle_line[i]);
        ps->throttle_line[p->n_throttles] = ps->line;
        p->throttles[p->n_throttles++] = t;
        return 0;
}

static int key_read_bps(struct policy_parser *ps, const char *v)
{
        return key_throttle(ps, v, THROTTLE_READ_BPS);
}

static int key_write_bps(struct policy_parser *ps, const char *v)
{
        return key_throttle(ps, v, THROTTLE_WRITE_BPS);
}

static int key_read_iops(struct policy_parser *ps, const char *v)
{
        return key_throttle(ps, v, THROTTLE_READ_IOPS);
}

static int key_write_iops(struct policy_parser *ps, const char *v)
{
        return key_throttle(ps, v, THROTTLE_WRITE_IOPS);
}

static int key_devices_default(struct policy_parser *ps, const char *v)
{
        static const char *const names[] = { "deny", "allow" };

        return policy_value_choice(ps, v, names, ARRAY_SIZE(names), "allow or deny", &ps->p->devices_default);
}

/* A non-empty subset of "rwm", stored in that order. */
static int access_value(struct policy_parser *ps, const char *s, char ret[4])
{
        static const char order[] = "rwm";
        bool seen[3] = { false, false, false };
        size_t n = 0;

        for (const char *c = s; *c; c++) {
                const char *o = strchr(order, *c);

                if (!o || seen[o - order])
                        return policy_bad(ps, "invalid access '%s' (expected a non-empty subset of rwm)", s);
                seen[o - order] = true;
        }
        if (!*s)
                return policy_bad(ps, "invalid access '' (expected a non-empty subset of rwm)");
        for (size_t i = 0; i < 3; i++)
                if (seen[i])
                        ret[n++] = order[i];
        ret[n] = '\0';
        return 0;
}

static int devrule_path(struct policy_parser *ps, const char *path, struct policy_devrule *rule)
{
        uint32_t major, minor;
        int r = ps->host->stat_device(ps->host->userdata, path, &rule->type, &major, &minor);

        if (r == -ENOENT)
                return policy_bad(ps, "device %s: no such device", path);
        if (r == -ENODEV)
                return policy_bad(ps, "device %s: not a device node", path);
        if (r < 0)
                return policy_bad(ps, "device %s: %s", path, strerror(-r));
        rule->major = major;
        rule->minor = minor;
        return 0;
}

static int devrule_parse(struct policy_parser *ps, const char *v, struct policy_devrule *rule)
{
        char buf[256], *w[3];
        size_t n;
        int r;

        snprintf(buf, sizeof(buf), "%s", v);
        n = policy_split_words(buf, w, 3);
        if (n >= 1 && w[0][0] == '/' && n <= 2) {
                r = devrule_path(ps, w[0], rule);
                return r ?: access_value(ps, n == 2 ? w[1] : "rwm", rule->access);
        }
        if (n == 1 && streq(w[0], "a")) {
                *rule = (struct policy_devrule){
                        .allow = rule->allow, .type = 'a', .major = -1, .minor = -1, .access = "rwm"
                };
                return 0;
        }
        if (n != 3 || strlen(w[0]) != 1 || !strchr("abc", w[0][0]))
                return policy_bad(
                    ps, "invalid rule '%s' (expected TYPE MAJ:MIN ACCESS, a, or /dev/PATH [ACCESS])", v);
        rule->type = w[0][0];
        if (parse_devnum(w[1], true, &rule->major, &rule->minor) < 0)
                return policy_bad(ps, "invalid device number '%s' (expected MAJ:MIN, each a number or *)",
                                  w[1]);
        if (rule->type == 'a' && (rule->major != -1 || rule->minor != -1))
                return policy_bad(ps, "type a matches every device (expected 'a *:* ACCESS')");
        return access_value(ps, w[2], rule->access);
}

static int key_devrule(struct policy_parser *ps, const char *v, bool allow)
{
        struct policy_devrule rule = { .allow = allow };
        int r;

        if (ps->p->n_devrules >= POLICY_MAX_DEVRULES)
                return policy_too_many(ps, K_DEVICES_ALLOW, "device rules", POLICY_MAX_DEVRULES);
        r = devrule_parse(ps, v, &rule);
        if (r < 0)
                return r;
        ps->p->devrules[ps->p->n_devrules++] = rule;
        return 0;
}

static int key_devices_allow(struct policy_parser *ps, const char *v)
{
        return key_devrule(ps, v, true);
}

static int key_devices_deny(struct policy_parser *ps, const char *v)
{
        return key_devrule(ps, v, false);
}

/* [freezer], [net_cls], [net_prio], [perf_event], [pids] */

static int key_freezer_state(struct policy_parser *ps, const char *v)
{
        static const char *const names[] = { "thawed", "frozen" };
        int i = 0, r = policy_value_choice(ps, v, names, ARRAY_SIZE(names), "thawed or frozen", &i);

        if (r == 0)
                ps->p->start_frozen = i == 1;
        return r;
}

static int key_classid(struct policy_parser *ps, const char *v)
{
        uint32_t id;
        int r = parse_u32_hex_or_dec(v, &id);

        if (r == -ERANGE)
                return policy_bad(ps, "class id '%s' is out of range (at most 0xffffffff)", v);
        if (r < 0)
                return policy_bad(ps, "invalid class id '%s' (expected 0xMMMMmmmm or a decimal number)", v);
        if (id == 0)
                return policy_bad(ps, "class id 0 means no class (expected 0xMMMMmmmm, e.g. 0x100001)");
        ps->p->has_classid = true;
        ps->p->classid = id;
        return 0;
}

/* As the kernel's dev_valid_name(). */
static bool ifname_is_valid(const char *s)
{
        size_t n = strlen(s);

        return n > 0 && n < 16 && !streq(s, ".") && !streq(s, "..") && !strpbrk(s, "/: \t");
}

static int key_ifpriomap(struct policy_parser *ps, const char *v)
{
        struct policy *p = ps->p;
        char buf[256], *w[2];
        uint64_t prio;

        if (p->n_priomap >= POLICY_MAX_PRIOMAP)
                return policy_too_many(ps, ps->key, "interfaces", POLICY_MAX_PRIOMAP);
        snprintf(buf, sizeof(buf), "%s", v);
        if (policy_split_words(buf, w, 2) != 2)
                return policy_bad(ps, "invalid value '%s' (expected IFNAME PRIORITY, e.g. eth0 5)", v);
        if (!ifname_is_valid(w[0]))
                return policy_bad(
                    ps, "invalid interface name '%s' (1 to 15 characters, no '/', ':' or blanks)", w[0]);
        if (parse_u64_range(w[1], 0, UINT32_MAX, &prio) < 0)
                return policy_bad(ps, "invalid priority '%s' (expected 0..4294967295)", w[1]);
        for (size_t i = 0; i < p->n_priomap; i++)
                if (streq(p->priomap[i].ifname, w[0]))
                        return policy_bad(ps, "interface %s already set at line %u", w[0],
                                          ps->priomap_line[i]);
        ps->priomap_line[p->n_priomap] = ps->line;
        snprintf(p->priomap[p->n_priomap].ifname, sizeof(p->priomap[0].ifname), "%s", w[0]);
        p->priomap[p->n_priomap++].prio = (uint32_t)prio;
        return 0;
}

static const char *const perf_event_names[] = {
        "task-clock",   "cpu-clock",    "context-switches", "cpu-migrations", "page-faults",
        "minor-faults", "major-faults", "cycles",           "instructions",   "cache-references",
        "cache-misses", "branches",     "branch-misses",
};

static int key_perf_events(struct policy_parser *ps, const char *v)
{
        struct policy *p = ps->p;
        char buf[256], *w[POLICY_MAX_PERF];
        size_t n;

        snprintf(buf, sizeof(buf), "%s", v);
        n = policy_split_words(buf, w, POLICY_MAX_PERF);
        if (n > POLICY_MAX_PERF)
                return policy_bad(ps, "too many events (at most %d)", POLICY_MAX_PERF);
        for (size_t i = 0; i < n; i++) {
                size_t k = 0;

                while (k < ARRAY_SIZE(perf_event_names) && !streq(w[i], perf_event_names[k]))
                        k++;
                if (k == ARRAY_SIZE(perf_event_names))
                        return policy_bad(ps, "unknown event '%s' (expected " PERF_NAMES ")", w[i]);
                for (size_t j = 0; j < i; j++)
                        if (streq(w[i], w[j]))
                                return policy_bad(ps, "event '%s' listed twice", w[i]);
        }
        for (size_t i = 0; i < n; i++)
                snprintf(p->perf_events[i], sizeof(p->perf_events[i]), "%s", w[i]);
        p->n_perf_events = n;
        return 0;
}

static int key_pids_max(struct policy_parser *ps, const char *v)
{
        return policy_value_range(ps, v, 1, 4194304, true, &ps->p->pids_max);
}

/* [pressure] */

static int trigger_parse(struct policy_parser *ps, const char *v, struct policy_trigger *t)
{
        char buf[256], *w[3], *arrow, *action = NULL;
        const char *expected = "expected some|full STALL WINDOW [-> ACTION]";

        snprintf(buf, sizeof(buf), "%s", v);
        arrow = strstr(buf, "->");
        if (arrow) {
                *arrow = '\0';
                action = strstrip(arrow + 2);
        }
        if (policy_split_words(buf, w, 3) != 3 || (action && (!*action || strpbrk(action, " \t"))))
                return policy_bad(ps, "invalid trigger '%s' (%s)", v, expected);
        if (!streq(w[0], "some") && !streq(w[0], "full"))
                return policy_bad(ps, "invalid trigger '%s' (%s)", v, expected);
        t->full = streq(w[0], "full");
        if (parse_duration_us(w[1], &t->stall_us) < 0 || parse_duration_us(w[2], &t->window_us) < 0)
                return policy_bad(
                    ps, "invalid trigger '%s' (STALL and WINDOW are durations like 150ms or 2s)", v);
        if (t->window_us < 500000 || t->window_us > 10000000)
                return policy_bad(ps, "window %s is out of range (500ms..10s)", w[2]);
        if (t->stall_us == 0 || t->stall_us > t->window_us)
                return policy_bad(ps, "stall %s is out of range (more than 0, at most the window %s)", w[1],
                                  w[2]);
        return action ? policy_value_action(ps, action, &t->action) : 0;
}

static int key_trigger(struct policy_parser *ps, const char *v, enum psi_resource res)
{
        struct policy_trigger t = { .resource = res, .action = POLICY_ACTION_RECORD, .line = ps->line };
        int r;

        if (ps->p->n_triggers >= POLICY_MAX_TRIGGERS)
                return policy_too_many(ps, K_PRESSURE_CPU, "triggers in [pressure]", POLICY_MAX_TRIGGERS);
        r = trigger_parse(ps, v, &t);
        if (r < 0)
                return r;
        ps->p->triggers[ps->p->n_triggers++] = t;
        return 0;
}

static int key_pressure_cpu(struct policy_parser *ps, const char *v)
{
        return key_trigger(ps, v, PSI_CPU);
}

static int key_pressure_memory(struct policy_parser *ps, const char *v)
{
        return key_trigger(ps, v, PSI_MEMORY);
}

static int key_pressure_io(struct policy_parser *ps, const char *v)
{
        return key_trigger(ps, v, PSI_IO);
}

/* [oom] */

static int key_oom_action(struct policy_parser *ps, const char *v)
{
        return policy_value_action(ps, v, &ps->p->oom_action);
}

static int key_restart_max(struct policy_parser *ps, const char *v)
{
        return policy_value_range(ps, v, 0, 100, false, &ps->p->restart_max);
}

static int key_restart_backoff(struct policy_parser *ps, const char *v)
{
        return policy_value_duration(ps, v, 10000, 600000000, "10ms..10m", &ps->p->restart_backoff_us);
}

const struct policy_key_def policy_keys[K__MAX] = {
        [K_POLICY_NAME] = { "policy", "name", key_name, false },
        [K_POLICY_DESCRIPTION] = { "policy", "description", key_description, false },
        [K_POLICY_TENANT] = { "policy", "tenant", key_tenant, false },
        [K_POLICY_TENANT_OVERRIDE] = { "policy", "tenant_override", key_tenant_override, false },
        [K_POLICY_SCOPE] = { "policy", "scope", key_scope, false },
        [K_POLICY_NAMESPACES] = { "policy", "namespaces", key_namespaces, false },
        [K_POLICY_HOSTNAME] = { "policy", "hostname", key_hostname, false },
        [K_POLICY_INIT] = { "policy", "init", key_init, false },
        [K_POLICY_UID_MAP] = { "policy", "uid_map", key_uid_map, true },
        [K_POLICY_GID_MAP] = { "policy", "gid_map", key_gid_map, true },
        [K_POLICY_USER] = { "policy", "user", key_user, false },
        [K_POLICY_OUTPUT] = { "policy", "output", key_output, false },
        [K_POLICY_HOOK] = { "policy", "hook", key_hook, false },
        [K_POLICY_HOOK_TIMEOUT] = { "policy", "hook_timeout", key_hook_timeout, false },
        [K_MEMORY_LIMIT] = { "memory", "limit", key_mem_limit, false },
        [K_MEMORY_SWAP_LIMIT] = { "memory", "swap_limit", key_mem_swap_limit, false },
        [K_MEMORY_SOFT_LIMIT] = { "memory", "soft_limit", key_mem_soft_limit, false },
        [K_MEMORY_OOM_KILL_DISABLE] = { "memory", "oom_kill_disable", key_oom_kill_disable, false },
        [K_MEMORY_SWAPPINESS] = { "memory", "swappiness", key_swappiness, false },
        [K_CPU_QUOTA] = { "cpu", "quota", key_cpu_quota, false },
        [K_CPU_QUOTA_US] = { "cpu", "quota_us", key_cpu_quota_us, false },
        [K_CPU_PERIOD_US] = { "cpu", "period_us", key_cpu_period_us, false },
        [K_CPU_SHARES] = { "cpu", "shares", key_cpu_shares, false },
        [K_CPU_WEIGHT] = { "cpu", "weight", key_cpu_weight, false },
        [K_CPU_BURST] = { "cpu", "burst", key_cpu_burst, false },
        [K_CPUSET_CPUS] = { "cpuset", "cpus", key_cpuset_cpus, false },
        [K_CPUSET_MEMS] = { "cpuset", "mems", key_cpuset_mems, false },
        [K_BLKIO_WEIGHT] = { "blkio", "weight", key_blkio_weight, false },
        [K_BLKIO_READ_BPS] = { "blkio", "read_bps", key_read_bps, true },
        [K_BLKIO_WRITE_BPS] = { "blkio", "write_bps", key_write_bps, true },
        [K_BLKIO_READ_IOPS] = { "blkio", "read_iops", key_read_iops, true },
        [K_BLKIO_WRITE_IOPS] = { "blkio", "write_iops", key_write_iops, true },
        [K_DEVICES_DEFAULT] = { "devices", "default", key_devices_default, false },
        [K_DEVICES_ALLOW] = { "devices", "allow", key_devices_allow, true },
        [K_DEVICES_DENY] = { "devices", "deny", key_devices_deny, true },
        [K_FREEZER_STATE] = { "freezer", "state", key_freezer_state, false },
        [K_NET_CLS_CLASSID] = { "net_cls", "classid", key_classid, false },
        [K_NET_PRIO_IFPRIOMAP] = { "net_prio", "ifpriomap", key_ifpriomap, true },
        [K_PERF_EVENT_EVENTS] = { "perf_event", "events", key_perf_events, false },
        [K_PIDS_MAX] = { "pids", "max", key_pids_max, false },
        [K_PRESSURE_CPU] = { "pressure", "cpu", key_pressure_cpu, true },
        [K_PRESSURE_MEMORY] = { "pressure", "memory", key_pressure_memory, true },
        [K_PRESSURE_IO] = { "pressure", "io", key_pressure_io, true },
        [K_OOM_ACTION] = { "oom", "action", key_oom_action, false },
        [K_OOM_RESTART_MAX] = { "oom", "restart_max", key_restart_max, false },
        [K_OOM_RESTART_BACKOFF] = { "oom", "restart_backoff", key_restart_backoff, false },
};
