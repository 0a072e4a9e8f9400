# Collectors: one file per source, one registry.
noinst_LIBRARIES += libcgm_collect.a
libcgm_collect_a_SOURCES = \
	collectors/collector.h collectors/registry.c \
	collectors/parse-cgroup.c collectors/parse-cgroup.h \
	collectors/cpu.c collectors/memory.c collectors/io.c collectors/pids.c collectors/psi.c \
	collectors/net.c collectors/net.h collectors/perf.c collectors/perf.h

check_PROGRAMS += tests/unit/test_collect_parse
TESTS += tests/unit/test_collect_parse
tests_unit_test_collect_parse_SOURCES = tests/unit/test_collect_parse.c
tests_unit_test_collect_parse_CPPFLAGS = $(AM_CPPFLAGS) -DCGM_TEST_DATA_DIR='"$(abs_top_srcdir)/tests/unit/data"'
tests_unit_test_collect_parse_CFLAGS = $(CGM_UNIT_FLAGS)
tests_unit_test_collect_parse_LDADD = $(CGM_UNIT_LIBS)
EXTRA_DIST += tests/unit/data/cgroupfs

# Network collector: the generated cgroup_skb programs (verifier, counting via BPF_PROG_TEST_RUN) and helpers.
check_PROGRAMS += tests/unit/test_net
TESTS += tests/unit/test_net
tests_unit_test_net_SOURCES = tests/unit/test_net.c
tests_unit_test_net_CFLAGS = $(CGM_UNIT_FLAGS)
tests_unit_test_net_LDADD = $(CGM_UNIT_LIBS)

# Root integration tests: network counters over loopback; a real Prometheus server scraping an agent.
TESTS += tests/integration/t-network.sh tests/integration/t-prometheus.sh
dist_noinst_SCRIPTS += tests/integration/t-network.sh tests/integration/t-prometheus.sh

# The scrape benchmark (run by hand: bench/scrape/README.md).
EXTRA_DIST += bench/scrape/README.md bench/scrape/run.sh bench/scrape/floor.c
