/* Device control on cgroup2: a BPF_PROG_TYPE_CGROUP_DEVICE program generated from the policy's rules. */
#include "cgroup-internal.h"

#include <bpf/bpf.h>

/* The few instruction encodings the program needs (the kernel's filter.h macros are not uapi). */
#define INSN(c, d, s, o, i)                                                                                  \
        ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(dst, src, off)     INSN(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0)
#define MOV64_REG(dst, src)      INSN(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV64_IMM(dst, imm)      INSN(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define ALU32_IMM(op, dst, imm)  INSN(BPF_ALU | (op) | BPF_K, dst, 0, 0, imm)
#define JMP_IMM(op, dst, imm, o) INSN(BPF_JMP | (op) | BPF_K, dst, 0, o, imm)
#define EXIT_INSN()              INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* Registers: r2 device type, r3 requested access, r4 major, r5 minor, r1 scratch after the loads. */
enum { R0, R1, R2, R3, R4, R5 };

static int access_bits(const char *access)
{
        int bits = 0;

        for (const char *a = access; *a; a++)
                bits |= *a == 'r'   ? BPF_DEVCG_ACC_READ
                        : *a == 'w' ? BPF_DEVCG_ACC_WRITE
                        : *a == 'm' ? BPF_DEVCG_ACC_MKNOD
                                    : 0;
        return bits;
}

/* One rule: every check jumps past the block when it does not match. */
static size_t emit_rule(const struct policy_devrule *rule, struct bpf_insn *out)
{
        struct bpf_insn checks[3];
        size_t nc = 0, n = 0, len;
        int acc = access_bits(rule->access);

        if (rule->type != 'a')
                checks[nc++] =
                    JMP_IMM(BPF_JNE, R2, rule->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0);
        if (rule->major >= 0)
                checks[nc++] = JMP_IMM(BPF_JNE, R4, (int32_t)rule->major, 0);
        if (rule->minor >= 0)
                checks[nc++] = JMP_IMM(BPF_JNE, R5, (int32_t)rule->minor, 0);
        len = nc + 5;
        for (size_t i = 0; i < nc; i++) {
                out[n] = checks[i];
                out[n].off = (int16_t)(len - n - 1);
                n++;
        }
        /* An allow rule matches when every requested access is allowed; a deny rule when any is denied. */
        out[n++] = MOV64_REG(R1, R3);
        out[n++] = ALU32_IMM(BPF_AND, R1, rule->allow ? (~acc & 7) : acc);
        out[n] = JMP_IMM(rule->allow ? BPF_JNE : BPF_JEQ, R1, 0, 0);
        out[n].off = (int16_t)(len - n - 1);
        n++;
        out[n++] = MOV64_IMM(R0, rule->allow ? 1 : 0);
        out[n++] = EXIT_INSN();
        return n;
}

int cg_bpf_devices_program(const struct policy *p, struct bpf_insn *insns, size_t max, size_t *ret_n)
{
        size_t n = 0;

        if (p->devices_default < 0 || p->n_devrules > POLICY_MAX_DEVRULES)
                return -EINVAL;
        if (max < 8 + p->n_devrules * 8)
                return -ENOBUFS;
        insns[n++] = LDX_W(R2, R1, 0); /* access_type: access << 16 | type */
        insns[n++] = ALU32_IMM(BPF_AND, R2, 0xffff);
        insns[n++] = LDX_W(R3, R1, 0);
        insns[n++] = ALU32_IMM(BPF_RSH, R3, 16);
        insns[n++] = LDX_W(R4, R1, 4);
        insns[n++] = LDX_W(R5, R1, 8);
        /* Later rules override earlier ones, as successive writes do on v1: test them last to first. */
        for (size_t i = p->n_devrules; i-- > 0;)
                n += emit_rule(&p->devrules[i], insns + n);
        insns[n++] = MOV64_IMM(R0, p->devices_default ? 1 : 0);
        insns[n++] = EXIT_INSN();
        *ret_n = n;
        return 0;
}

static int prog_id(int prog_fd, uint32_t *ret)
{
        struct bpf_prog_info info = { 0 };
        uint32_t len = sizeof(info);
        int r;

        r = bpf_obj_get_info_by_fd(prog_fd, &info, &len);
        if (r < 0)
                return r;
        *ret = info.id;
        return 0;
}

/* Detach every device program attached to the cgroup itself, except keep_id. */
static int detach_others(int cgroup_fd, uint32_t keep_id)
{
        uint32_t ids[64], cnt = ARRAY_SIZE(ids), flags = 0;
        int r;

        r = bpf_prog_query(cgroup_fd, BPF_CGROUP_DEVICE, 0, &flags, ids, &cnt);
        if (r < 0)
                return r;
        for (uint32_t i = 0; i < cnt; i++) {
                _cleanup_close_ int fd = -1;

                if (ids[i] == keep_id)
                        continue;
                fd = bpf_prog_get_fd_by_id(ids[i]);
                if (fd == -ENOENT)
                        continue; /* detached meanwhile */
                if (fd < 0)
                        return fd;
                r = bpf_prog_detach2(fd, cgroup_fd, BPF_CGROUP_DEVICE);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        return 0;
}

int cg_bpf_devices_set(int cgroup_fd, const struct policy *p)
{
        _cleanup_free_ struct bpf_insn *insns = NULL;
        _cleanup_close_ int prog = -1;
        uint32_t id;
        size_t n;
        int r;

        if (!p || p->devices_default < 0)
                return detach_others(cgroup_fd, 0);
        insns = calloc(CG_BPF_MAX_INSNS, sizeof(*insns));
        if (!insns)
                return -ENOMEM;
        r = cg_bpf_devices_program(p, insns, CG_BPF_MAX_INSNS, &n);
        if (r < 0)
                return r;
        prog = bpf_prog_load(BPF_PROG_TYPE_CGROUP_DEVICE, "cgm_devices", "GPL", insns, n, NULL);
        if (prog < 0)
                return prog;
        r = bpf_prog_attach(prog, cgroup_fd, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI);
        if (r < 0)
                return r;
        r = prog_id(prog, &id);
        if (r < 0) {
                (void)bpf_prog_detach2(prog, cgroup_fd, BPF_CGROUP_DEVICE);
                return r;
        }
        /* The cgroup holds the attached program; our fd may close. */
        return detach_others(cgroup_fd, id);
}

int cg_bpf_devices_count(int cgroup_fd)
{
        uint32_t ids[64], cnt = ARRAY_SIZE(ids), flags = 0;
        int r;

        r = bpf_prog_query(cgroup_fd, BPF_CGROUP_DEVICE, 0, &flags, ids, &cnt);
        if (r < 0)
                return r;
        return (int)cnt;
}
