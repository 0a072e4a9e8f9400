# Policy engine and value parsers (sources appended to libcgm_core.a) and their unit tests.
libcgm_core_a_SOURCES += agent/parse.h agent/policy.h
libcgm_core_a_SOURCES += agent/parse.c agent/policy.c agent/policy-internal.h agent/policy-parse.c \
	agent/policy-set.c agent/policy-host.c

check_PROGRAMS += tests/unit/test_parse
TESTS += tests/unit/test_parse
tests_unit_test_parse_SOURCES = tests/unit/test_parse.c
tests_unit_test_parse_CFLAGS = $(CGM_UNIT_FLAGS)
tests_unit_test_parse_LDADD = $(CGM_UNIT_LIBS)

check_PROGRAMS += tests/unit/test_policy
TESTS += tests/unit/test_policy
tests_unit_test_policy_SOURCES = tests/unit/test_policy.c
tests_unit_test_policy_CFLAGS = $(CGM_UNIT_FLAGS)
tests_unit_test_policy_LDADD = $(CGM_UNIT_LIBS)
