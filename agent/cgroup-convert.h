/* Pure conversions between v1 and v2 values and the rendering of cgroup file contents. No I/O, so every
 * mapping is unit-tested. The mappings are those of docs/policy.md. */
#pragma once

#include "policy.h"

#define CG_VALUE_MAX 128 /* a rendered single value or one line of a keyed file */

/* v1 cpu.shares (2..262144) <-> v2 cpu.weight (1..10000); inputs are clamped to the valid range. */
uint64_t cg_shares_to_weight(uint64_t shares);
uint64_t cg_weight_to_shares(uint64_t weight);
/* v1 blkio.weight (10..1000) -> v2 io.weight (1..10000); clamped. */
uint64_t cg_blkio_weight_to_io_weight(uint64_t weight);
/* v2 memory.swap.max from the v1 memory+swap limit: swap_limit - limit. POLICY_MAX when swap_limit is
 * POLICY_MAX; -EINVAL when swap_limit < limit or limit is not a finite value. */
int cg_swap_max(uint64_t limit, uint64_t swap_limit, uint64_t *ret);

/* A number as v1 wants it: POLICY_MAX is "-1" (memory limits, cfs_quota_us). */
int cg_render_v1_u64(uint64_t v, char *buf, size_t n);
/* A number as v2 (and v1 pids.max) wants it: POLICY_MAX is "max". */
int cg_render_max(uint64_t v, char *buf, size_t n);
/* v2 cpu.max: "QUOTA PERIOD" or "max PERIOD" (quota POLICY_MAX or POLICY_UNSET). */
int cg_render_cpu_max(uint64_t quota_us, uint64_t period_us, char *buf, size_t n);
/* v1 blkio.throttle.*_device: "MAJ:MIN VALUE", POLICY_MAX is 0 (no limit). */
int cg_render_v1_throttle(uint32_t major, uint32_t minor, uint64_t value, char *buf, size_t n);
/* v2 io.max: "MAJ:MIN rbps=.. wbps=.. riops=.. wiops=.." with "max" for POLICY_MAX and POLICY_UNSET.
 * limits is indexed by enum throttle_kind. */
int cg_render_io_max(uint32_t major, uint32_t minor, const uint64_t limits[4], char *buf, size_t n);
/* A v1 device rule line: "c 1:3 rwm", "b 8:* r", "a *:* rwm". */
int cg_render_devrule(const struct policy_devrule *r, char *buf, size_t n);
/* A byte count for messages: "32M", "2G", "50.1M" (rounded up to one decimal when not exact), "512". */
int cg_format_size(uint64_t bytes, char *buf, size_t n);

/* v2 cgroup.controllers / cgroup.subtree_control contents ("cpuset cpu io memory pids") as a CG_MASK() set;
 * unknown names are ignored. */
unsigned cg_parse_controllers(const char *text);
/* A v1 controller name ("cpu", "net_prio") or a v2 one when v2 ("io"); -1 when unknown. */
int cg_controller_from_name(const char *name, bool v2);
