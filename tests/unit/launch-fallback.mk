# The launcher's clone() fallback (no clone3, or no CLONE_INTO_CGROUP), forced through launch_clone3_fn.
check_PROGRAMS += tests/unit/test_launch_fallback
TESTS += tests/unit/test_launch_fallback
tests_unit_test_launch_fallback_SOURCES = tests/unit/test_launch_fallback.c
tests_unit_test_launch_fallback_CFLAGS = $(CGM_UNIT_FLAGS)
tests_unit_test_launch_fallback_LDADD = $(CGM_UNIT_LIBS)
