# Cgroup host detection and the v1/v2 backends.
noinst_LIBRARIES += libcgm_cgroup.a
libcgm_cgroup_a_SOURCES = \
	agent/cgroup.c agent/cgroup.h agent/cgroup-internal.h \
	agent/cgroup-apply.c agent/cgroup-v1.c agent/cgroup-v2.c agent/cgroup-bpf.c \
	agent/cgroup-convert.c agent/cgroup-convert.h

check_PROGRAMS += tests/unit/test_cgroup_convert tests/unit/test_cgroup_host tests/unit/test_cgroup_apply
TESTS += tests/unit/test_cgroup_convert tests/unit/test_cgroup_host tests/unit/test_cgroup_apply
tests_unit_test_cgroup_convert_SOURCES = tests/unit/test_cgroup_convert.c
tests_unit_test_cgroup_convert_CFLAGS = $(CGM_UNIT_FLAGS)
tests_unit_test_cgroup_convert_LDADD = $(CGM_UNIT_LIBS)
tests_unit_test_cgroup_host_SOURCES = tests/unit/test_cgroup_host.c
tests_unit_test_cgroup_host_CFLAGS = $(CGM_UNIT_FLAGS)
tests_unit_test_cgroup_host_LDADD = $(CGM_UNIT_LIBS)
tests_unit_test_cgroup_apply_SOURCES = tests/unit/test_cgroup_apply.c
tests_unit_test_cgroup_apply_CFLAGS = $(CGM_UNIT_FLAGS)
tests_unit_test_cgroup_apply_LDADD = $(CGM_UNIT_LIBS)
