# Collectors: one file per source, one registry.
noinst_LIBRARIES += libcgm_collect.a
libcgm_collect_a_SOURCES = \
	collectors/collector.h collectors/registry.c \
	collectors/parse-cgroup.c collectors/parse-cgroup.h \
	collectors/cpu.c collectors/memory.c collectors/io.c collectors/pids.c collectors/psi.c

check_PROGRAMS += tests/unit/test_collect_parse
TESTS += tests/unit/test_collect_parse
tests_unit_test_collect_parse_SOURCES = tests/unit/test_collect_parse.c
tests_unit_test_collect_parse_CPPFLAGS = $(AM_CPPFLAGS) -DCGM_TEST_DATA_DIR='"$(abs_top_srcdir)/tests/unit/data"'
tests_unit_test_collect_parse_CFLAGS = $(CGM_UNIT_FLAGS)
tests_unit_test_collect_parse_LDADD = $(CGM_UNIT_LIBS)
EXTRA_DIST += tests/unit/data/cgroupfs
