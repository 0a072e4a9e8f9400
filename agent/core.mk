# Core: helpers, logging, diagnostics, the INI layer, value parsers, policies, agent config.
noinst_LIBRARIES += libcgm_core.a
libcgm_core_a_SOURCES = \
	agent/util.c agent/util.h \
	agent/log.c agent/log.h \
	agent/diag.c agent/diag.h \
	agent/ini_load.c agent/ini_load.h \
	agent/config.c agent/config.h \
	agent/strbuf.c agent/strbuf.h

check_PROGRAMS += tests/unit/test_config
TESTS += tests/unit/test_config
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CFLAGS = $(CGM_UNIT_FLAGS)
tests_unit_test_config_LDADD = $(CGM_UNIT_LIBS)
