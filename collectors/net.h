/* Network collector internals, for net.c and its unit tests: the counters map and the cgroup_skb program
 * generated at run time (no BPF object to build or ship, no BTF needed). */
#pragma once

#include <linux/bpf.h>

#include "collector.h"

/* Value of the counters map, keyed by a task's cgroup id (u64, the inode of its unified cgroup directory).
 * Counted at the IP layer: network headers included, link-layer headers not. */
struct net_counters {
        uint64_t rx_bytes, rx_packets; /* BPF_CGROUP_INET_INGRESS */
        uint64_t tx_bytes, tx_packets; /* BPF_CGROUP_INET_EGRESS */
};

#define NET_MAP_ENTRIES    16384 /* an LRU map: entries orphaned by late packets of ended tasks age out */
#define NET_PROG_MAX_INSNS 64
#define NET_PROG_NAME_IN   "cgm_net_in"
#define NET_PROG_NAME_OUT  "cgm_net_out"

/* Generate the program for one direction. level >= 0 counts a packet to the socket's ancestor cgroup at that
 * level of the hierarchy (the task's cgroup, also for cgroups the task makes below it) and ignores sockets
 * of shallower cgroups; level < 0 counts to the socket's own cgroup. Every packet is allowed (returns 1). */
int net_program(int map_fd, int level, bool egress, struct bpf_insn *insns, size_t max, size_t *ret_n);
/* Create the counters map. Returns its fd or a negative errno. */
int net_map_create(void);
/* Load the program of one direction. Returns its fd or a negative errno. */
int net_program_load(int map_fd, int level, bool egress);
/* The cgroup id of the cgroup directory dirfd. */
int net_cgroup_id(int dirfd, uint64_t *ret);
/* The level of cgroup directory dirfd in its hierarchy (the root is 0), counted up to the mount point; -EXDEV
 * when the mount point is not the hierarchy's root (a cgroup namespace or a bind mount: levels unknown),
 * -EMEDIUMTYPE when dirfd is not on cgroup2. */
int net_cgroup_level(int dirfd);
/* Read the counters of cgroup id from map_fd; a cgroup without traffic yet reads as zeros. */
int net_counters_read(int map_fd, uint64_t id, struct net_counters *ret);
/* Use map_fd from now on (the probe's, or a test's); -1 turns the collector off. Does not take ownership. */
void net_collector_use_map(int map_fd);
