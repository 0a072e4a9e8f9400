# Path targets and the per-cgroup file cache of the collector API (collectors/registry.c): the unit test.
check_PROGRAMS += tests/unit/test_collect_cache
TESTS += tests/unit/test_collect_cache
tests_unit_test_collect_cache_SOURCES = tests/unit/test_collect_cache.c
tests_unit_test_collect_cache_CPPFLAGS = $(AM_CPPFLAGS) -DCGM_TEST_DATA_DIR='"$(abs_top_srcdir)/tests/unit/data"'
tests_unit_test_collect_cache_CFLAGS = $(CGM_UNIT_FLAGS)
tests_unit_test_collect_cache_LDADD = $(CGM_UNIT_LIBS)
