/* Checked value parsers shared by the agent config and the policy engine. Each returns 0, -EINVAL for
 * malformed input or -ERANGE for a value out of range, and sets *ret only on success. No locale, no atoi. */
#pragma once

#include "util.h"

#define CGM_MAX_CPUS 1024

/* A set of CPUs or memory nodes. */
struct cpu_bitmap {
        uint64_t bits[CGM_MAX_CPUS / 64];
};

/* Unsigned decimal integer, no sign, no spaces, no trailing junk. */
int parse_u64(const char *s, uint64_t *ret);
/* Like parse_u64, then -ERANGE unless min <= value <= max. */
int parse_u64_range(const char *s, uint64_t min, uint64_t max, uint64_t *ret);
/* Decimal or 0x-prefixed hexadecimal 32-bit value (net_cls classid). */
int parse_u32_hex_or_dec(const char *s, uint32_t *ret);
/* yes/no, true/false, on/off, 1/0 (case-insensitive). */
int parse_bool(const char *s, bool *ret);
/* Bytes: "1048576", "512K", "512M", "2G", "1T" (binary: K = 1024), optional trailing "B" or "iB" ("512MiB"),
 * a decimal fraction with a suffix ("1.5G"). Overflow is -ERANGE. */
int parse_size(const char *s, uint64_t *ret);
/* A duration in microseconds: "500us", "150ms", "2s", "1m"; a unit is required. Overflow is -ERANGE. */
int parse_duration_us(const char *s, uint64_t *ret);
/* A number of CPUs as a decimal fraction ("0.5", "1.5", "2") in thousandths of a CPU (500, 1500, 2000).
 * At most three decimals; 0 is -ERANGE. */
int parse_cpu_millis(const char *s, uint64_t *ret);
/* A list like "0-3,6,8-9" into a bitmap; ids must be < CGM_MAX_CPUS, ranges ascending. Empty is -EINVAL. */
int parse_cpu_list(const char *s, struct cpu_bitmap *ret);
/* Render a bitmap as a canonical list ("0-3,6"); buf of size n. Returns 0 or -ENOBUFS. */
int cpu_list_format(const struct cpu_bitmap *b, char *buf, size_t n);
bool cpu_bitmap_is_subset(const struct cpu_bitmap *a, const struct cpu_bitmap *b);
bool cpu_bitmap_is_empty(const struct cpu_bitmap *b);
/* "MAJ:MIN" (decimal). With allow_wildcard, either part may be "*" and is returned as -1. */
int parse_devnum(const char *s, bool allow_wildcard, int64_t *ret_major, int64_t *ret_minor);
