/* Network: bytes and packets per task, received and sent, counted by two cgroup_skb programs (ingress and
 * egress) that the probe attaches with BPF_F_ALLOW_MULTI to the agent's subtree root in the unified tree, so
 * they run for every socket of every task below it. They add each packet to a map keyed by the task's cgroup
 * id and always allow it. The collector reads the map entry of the task's cgroup id (fstat of its unified
 * directory).
 *
 * The programs are generated at run time (as the device program is, agent/cgroup-bpf.c): no clang at build
 * time, no BTF or CO-RE at run time, and the instructions are few and verified by the kernel at load.
 *
 * Lifetime: attached the classic way (not as a bpf_link), the programs and their map stay with the cgroup
 * when the agent exits, so traffic is still counted while it is down; a restarted agent finds them by name on
 * the subtree root and reads the same map. They go when the subtree root is removed. A task's entry is
 * deleted by collector_net_forget() once its final values are recorded; the map is an LRU map so an entry
 * that a late packet (TCP TIME_WAIT) recreates after that ages out instead of filling it.
 *
 * Only AF_INET/AF_INET6 sockets pass the cgroup_skb hooks (unix sockets do not). On hybrid hosts with kernels
 * before 5.15, mounting net_cls or net_prio turns the unified tree's socket matching off; 5.15 fixed that. */
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <bpf/bpf.h>

#include "net.h"

/* Set by the probe (at agent start), read by collect from any thread: accessed atomically. */
static int net_map_fd = -1;

#define INSN(c, d, s, o, i)                                                                                  \
        ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV64_REG(dst, src)    INSN(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV64_IMM(dst, imm)    INSN(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define ADD64_IMM(dst, imm)    INSN(BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, imm)
#define LDX_W(dst, src, off)   INSN(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0)
#define STX_DW(dst, src, off)  INSN(BPF_STX | BPF_DW | BPF_MEM, dst, src, off, 0)
#define ATOMIC_ADD_DW(d, s, o) INSN(BPF_STX | BPF_DW | BPF_ATOMIC, d, s, o, BPF_ADD)
#define JEQ_IMM(dst, imm)      INSN(BPF_JMP | BPF_JEQ | BPF_K, dst, 0, 0, imm) /* off patched later */
#define JNE_IMM(dst, imm)      INSN(BPF_JMP | BPF_JNE | BPF_K, dst, 0, 0, imm)
#define CALL(fn)               INSN(BPF_JMP | BPF_CALL, 0, 0, 0, fn)
#define EXIT_INSN()            INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

enum { R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10 };

enum { KEY_OFF = -8, VALUE_OFF = -8 - (int)sizeof(struct net_counters) };

struct emitter {
        struct bpf_insn *insns;
        size_t n, max;
};

static size_t emit(struct emitter *e, struct bpf_insn insn)
{
        if (e->n < e->max)
                e->insns[e->n] = insn;
        return e->n++;
}

/* r1 = the map (a 16-byte load the kernel resolves from the fd). */
static void emit_map(struct emitter *e, int map_fd)
{
        emit(e, INSN(BPF_LD | BPF_DW | BPF_IMM, R1, BPF_PSEUDO_MAP_FD, 0, map_fd));
        emit(e, INSN(0, 0, 0, 0, 0));
}

/* r0 = lookup(map, &key on the stack) */
static void emit_lookup(struct emitter *e, int map_fd)
{
        emit_map(e, map_fd);
        emit(e, MOV64_REG(R2, R10));
        emit(e, ADD64_IMM(R2, KEY_OFF));
        emit(e, CALL(BPF_FUNC_map_lookup_elem));
}

static void patch_jump(struct emitter *e, size_t at, size_t target)
{
        if (at < e->max)
                e->insns[at].off = (int16_t)(target - at - 1);
}

int net_program(int map_fd, int level, bool egress, struct bpf_insn *insns, size_t max, size_t *ret_n)
{
        struct emitter e = { insns, 0, max };
        int bytes =
            egress ? offsetof(struct net_counters, tx_bytes) : offsetof(struct net_counters, rx_bytes);
        int packets =
            egress ? offsetof(struct net_counters, tx_packets) : offsetof(struct net_counters, rx_packets);
        size_t no_id, found, gone;

        if (map_fd < 0 || !insns)
                return -EINVAL;
        emit(&e, MOV64_REG(R6, R1));
        emit(&e, LDX_W(R7, R6, offsetof(struct __sk_buff, len)));
        if (level >= 0) {
                emit(&e, MOV64_IMM(R2, level));
                emit(&e, CALL(BPF_FUNC_skb_ancestor_cgroup_id));
        } else
                emit(&e, CALL(BPF_FUNC_skb_cgroup_id));
        /* 0: the socket's cgroup is above the tasks' level (the agent's own), or no socket */
        no_id = emit(&e, JEQ_IMM(R0, 0));
        emit(&e, STX_DW(R10, R0, KEY_OFF));
        emit_lookup(&e, map_fd);
        found = emit(&e, JNE_IMM(R0, 0));
        /* First packet of this cgroup: insert zeros unless another CPU just did, then look up again. */
        emit(&e, MOV64_IMM(R1, 0));
        for (int off = 0; off < (int)sizeof(struct net_counters); off += 8)
                emit(&e, STX_DW(R10, R1, VALUE_OFF + off));
        emit_map(&e, map_fd);
        emit(&e, MOV64_REG(R2, R10));
        emit(&e, ADD64_IMM(R2, KEY_OFF));
        emit(&e, MOV64_REG(R3, R10));
        emit(&e, ADD64_IMM(R3, VALUE_OFF));
        emit(&e, MOV64_IMM(R4, BPF_NOEXIST));
        emit(&e, CALL(BPF_FUNC_map_update_elem));
        emit_lookup(&e, map_fd);
        gone = emit(&e, JEQ_IMM(R0, 0)); /* map full and nothing to evict: the packet is not counted */
        patch_jump(&e, found, e.n);
        emit(&e, ATOMIC_ADD_DW(R0, R7, bytes));
        emit(&e, MOV64_IMM(R1, 1));
        emit(&e, ATOMIC_ADD_DW(R0, R1, packets));
        patch_jump(&e, no_id, e.n);
        patch_jump(&e, gone, e.n);
        emit(&e, MOV64_IMM(R0, 1)); /* allow */
        emit(&e, EXIT_INSN());
        if (e.n > max)
                return -ENOBUFS;
        *ret_n = e.n;
        return 0;
}

int net_map_create(void)
{
        int fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "cgm_net", sizeof(uint64_t),
                                sizeof(struct net_counters), NET_MAP_ENTRIES, NULL);

        return fd < 0 ? -errno : fd;
}

int net_program_load(int map_fd, int level, bool egress)
{
        struct bpf_insn insns[NET_PROG_MAX_INSNS];
        size_t n;
        int r, fd;

        r = net_program(map_fd, level, egress, insns, ARRAY_SIZE(insns), &n);
        if (r < 0)
                return r;
        fd = bpf_prog_load(BPF_PROG_TYPE_CGROUP_SKB, egress ? NET_PROG_NAME_OUT : NET_PROG_NAME_IN, "GPL",
                           insns, n, NULL);
        return fd < 0 ? -errno : fd;
}

int net_cgroup_id(int dirfd, uint64_t *ret)
{
        struct stat st;

        /* On 64-bit hosts a cgroup's id (kernfs node id) is the inode number of its directory. */
        if (fstat(dirfd, &st) < 0)
                return -errno;
        *ret = (uint64_t)st.st_ino;
        return 0;
}

int net_cgroup_level(int dirfd)
{
        _cleanup_close_ int cur = -1;
        struct statfs fs;
        struct stat st, up;
        int level = 0;

        if (fstatfs(dirfd, &fs) < 0 || fstat(dirfd, &st) < 0)
                return -errno;
        if (fs.f_type != CGROUP2_SUPER_MAGIC)
                return -EMEDIUMTYPE;
        cur = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cur < 0)
                return -errno;
        for (;;) {
                _cleanup_close_ int parent = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                if (parent < 0)
                        return -errno;
                if (fstat(parent, &up) < 0)
                        return -errno;
                if (up.st_dev != st.st_dev)
                        break;
                if (++level > 1024) /* a loop: not a cgroup tree */
                        return -ELOOP;
                closep(&cur);
                cur = TAKE_FD(parent);
        }
        /* cur is the mount's root: the hierarchy's root has id 1, anything else is a subtree mounted here */
        if (fstat(cur, &up) < 0)
                return -errno;
        return up.st_ino == 1 ? level : -EXDEV;
}

int net_counters_read(int map_fd, uint64_t id, struct net_counters *ret)
{
        struct net_counters c = { 0 };

        if (bpf_map_lookup_elem(map_fd, &id, &c) < 0) {
                if (errno != ENOENT)
                        return -errno;
                c = (struct net_counters){ 0 };
        }
        *ret = c;
        return 0;
}

void net_collector_use_map(int map_fd)
{
        __atomic_store_n(&net_map_fd, map_fd, __ATOMIC_RELEASE);
}

/* The id of our program of this direction attached to cgroup cg, and the id of its map: 1 found, 0 not. */
static int find_attached(int cg, enum bpf_attach_type type, const char *name, uint32_t *ret_prog,
                         uint32_t *ret_map)
{
        uint32_t ids[64], cnt = ARRAY_SIZE(ids), flags = 0;
        int r;

        r = bpf_prog_query(cg, type, 0, &flags, ids, &cnt);
        if (r < 0)
                return -errno;
        for (uint32_t i = 0; i < cnt; i++) {
                struct bpf_prog_info info = { 0 };
                uint32_t len = sizeof(info),
                         map_ids[4] = { 0 }; /* filled by the kernel (valgrind cannot tell) */
                _cleanup_close_ int fd = bpf_prog_get_fd_by_id(ids[i]);

                if (fd < 0)
                        continue; /* detached meanwhile */
                info.nr_map_ids = ARRAY_SIZE(map_ids);
                info.map_ids = (uint64_t)(uintptr_t)map_ids;
                if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
                        return -errno;
                if (!streq(info.name, name) || info.nr_map_ids != 1)
                        continue;
                *ret_prog = ids[i];
                *ret_map = map_ids[0];
                return 1;
        }
        return 0;
}

static int detach_id(int cg, enum bpf_attach_type type, uint32_t id)
{
        _cleanup_close_ int fd = bpf_prog_get_fd_by_id(id);

        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        return bpf_prog_detach2(fd, cg, type) < 0 && errno != ENOENT ? -errno : 0;
}

/* The map of a previous agent's programs, when both directions are attached and share a map of our shape. */
static int reuse_map(int cg, uint32_t in_map, uint32_t out_map)
{
        struct bpf_map_info info = { 0 };
        uint32_t len = sizeof(info);
        _cleanup_close_ int fd = -1;

        if (in_map != out_map)
                return -ESTALE;
        fd = bpf_map_get_fd_by_id(in_map);
        if (fd < 0)
                return -errno;
        if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
                return -errno;
        if (info.type != BPF_MAP_TYPE_LRU_HASH || info.key_size != sizeof(uint64_t) ||
            info.value_size != sizeof(struct net_counters))
                return -ESTALE;
        return TAKE_FD(fd);
}

static int attach_new(int cg, int level)
{
        _cleanup_close_ int map = -1, in = -1, out = -1;

        map = net_map_create();
        if (map < 0)
                return map;
        in = net_program_load(map, level, false);
        if (in < 0)
                return in;
        out = net_program_load(map, level, true);
        if (out < 0)
                return out;
        if (bpf_prog_attach(in, cg, BPF_CGROUP_INET_INGRESS, BPF_F_ALLOW_MULTI) < 0)
                return -errno;
        if (bpf_prog_attach(out, cg, BPF_CGROUP_INET_EGRESS, BPF_F_ALLOW_MULTI) < 0) {
                int r = -errno;

                (void)bpf_prog_detach2(in, cg, BPF_CGROUP_INET_INGRESS);
                return r;
        }
        /* the cgroup holds the programs, the programs hold the map */
        return TAKE_FD(map);
}

/* Returns the map fd: a previous agent's, or that of programs attached now. */
static int attach_or_reuse(int cg, int level)
{
        uint32_t in_prog = 0, in_map = 0, out_prog = 0, out_map = 0;
        int in, out, r;

        in = find_attached(cg, BPF_CGROUP_INET_INGRESS, NET_PROG_NAME_IN, &in_prog, &in_map);
        if (in < 0)
                return in;
        out = find_attached(cg, BPF_CGROUP_INET_EGRESS, NET_PROG_NAME_OUT, &out_prog, &out_map);
        if (out < 0)
                return out;
        if (in && out) {
                r = reuse_map(cg, in_map, out_map);
                if (r >= 0 || r != -ESTALE)
                        return r;
        }
        /* half a pair or another layout (an older agent): replace it */
        if (in && (r = detach_id(cg, BPF_CGROUP_INET_INGRESS, in_prog)) < 0)
                return r;
        if (out && (r = detach_id(cg, BPF_CGROUP_INET_EGRESS, out_prog)) < 0)
                return r;
        return attach_new(cg, level);
}

static int probe(const struct collector_target *ex, char *why, size_t n)
{
        _cleanup_close_ int root = -1;
        int level, map, old;

        if (ex->fd[COLLECTOR_SOURCE_UNIFIED] < 0) {
                snprintf(why, n, "no unified (v2) hierarchy to attach cgroup_skb programs to");
                return 0;
        }
        /* the example's own directory: on a path target fd[] are the hierarchy's root */
        root = collector_target_open_dir(ex, COLLECTOR_SOURCE_UNIFIED);
        if (root < 0)
                return root;
        /* Tasks are <subtree root>/<policy>/<task>: count at that level, so cgroups a task makes below its
         * own count to it. Where levels cannot be known, count to the socket's own cgroup. */
        level = net_cgroup_level(root);
        if (level == -EXDEV)
                level = -1;
        else if (level == -EMEDIUMTYPE) {
                snprintf(why, n, "the unified directory is not on a cgroup2 file system");
                return 0;
        } else if (level < 0) {
                snprintf(why, n, "cannot find the subtree root's level in the unified tree: %s",
                         strerror(-level));
                return 0;
        } else
                level += 2;
        map = attach_or_reuse(root, level);
        if (map < 0) {
                snprintf(why, n, "cannot load or attach cgroup_skb programs on the subtree root: %s",
                         strerror(-map));
                return 0;
        }
        old = __atomic_exchange_n(&net_map_fd, map, __ATOMIC_ACQ_REL);
        if (old >= 0)
                close(old);
        return 1;
}

/* The cgroup id of t's unified cgroup: the one the target carries, else of its directory fd, or (path target)
 * of its path, without an fd (a path walk: the scrape passes the id its tasks' nodes know). */
static int target_cgroup_id(const struct collector_target *t, uint64_t *ret)
{
        int fd = t->fd[COLLECTOR_SOURCE_UNIFIED];
        struct stat st;

        if (t->cgroup_id) {
                *ret = t->cgroup_id;
                return 0;
        }
        if (!t->path)
                return net_cgroup_id(fd, ret);
        if (fstatat(fd, t->path[0] ? t->path : ".", &st, 0) < 0)
                return errno == ENOTDIR || errno == ENODEV ? -ENOENT : -errno;
        /* as net_cgroup_id: the kernfs node id is the directory's inode number */
        *ret = (uint64_t)st.st_ino;
        return 0;
}

static int collect(const struct collector_target *t, struct cg_sample *s)
{
        int fd = t->fd[COLLECTOR_SOURCE_UNIFIED], map = __atomic_load_n(&net_map_fd, __ATOMIC_ACQUIRE), r;
        struct net_counters c = { 0 };
        uint64_t id = 0;

        if (map < 0 || fd < 0)
                return 0;
        r = target_cgroup_id(t, &id);
        if (r < 0)
                return r;
        r = net_counters_read(map, id, &c);
        if (r < 0)
                return r;
        s->net.rx_bytes = c.rx_bytes;
        s->net.rx_packets = c.rx_packets;
        s->net.tx_bytes = c.tx_bytes;
        s->net.tx_packets = c.tx_packets;
        s->have |= CG_HAVE_NET;
        return 0;
}

int collector_net_forget(const struct collector_target *t)
{
        int fd = t->fd[COLLECTOR_SOURCE_UNIFIED], map = __atomic_load_n(&net_map_fd, __ATOMIC_ACQUIRE), r;
        uint64_t id = 0;

        if (map < 0 || fd < 0)
                return 0;
        r = target_cgroup_id(t, &id);
        if (r < 0)
                return r;
        if (bpf_map_delete_elem(map, &id) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

const struct collector collector_net = {
        .name = "net",
        .probe = probe,
        .collect = collect,
};
