# perf_event counters per task (collectors/perf.c): the unit test. It mounts nothing, but while perf_event is
# mounted as v1 anywhere (test_cgroup_apply, t-netcls.sh, t-perf.sh do, in mount namespaces of their own),
# cgroup2 directories cannot take perf events: it runs after them, t-perf.sh after it.
# (a variable, so that automake adds the prerequisite instead of seeing a rule that overrides its own)
test_perf_log = tests/unit/test_perf.log
$(test_perf_log): tests/integration/t-netcls.log
check_PROGRAMS += tests/unit/test_perf
TESTS += tests/unit/test_perf
tests_unit_test_perf_SOURCES = tests/unit/test_perf.c
tests_unit_test_perf_CPPFLAGS = $(AM_CPPFLAGS) -DCGM_DOCS_DIR='"$(abs_top_srcdir)/docs"'
tests_unit_test_perf_CFLAGS = $(CGM_UNIT_FLAGS)
tests_unit_test_perf_LDADD = $(CGM_UNIT_LIBS)
