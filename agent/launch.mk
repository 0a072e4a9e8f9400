# The launcher: clone3 into namespaces and cgroups.
noinst_LIBRARIES += libcgm_launch.a
libcgm_launch_a_SOURCES = \
	agent/launch.c agent/launch.h agent/launch-internal.h \
	agent/launch-child.c

check_PROGRAMS += tests/unit/test_launch
TESTS += tests/unit/test_launch
tests_unit_test_launch_SOURCES = tests/unit/test_launch.c
tests_unit_test_launch_CFLAGS = $(CGM_UNIT_FLAGS)
tests_unit_test_launch_LDADD = $(CGM_UNIT_LIBS)
