# Events: OOM and pressure watchers, actions, the event log, GET /v1/events.
noinst_LIBRARIES += libcgm_events.a
libcgm_events_a_SOURCES = agent/events.h agent/events-internal.h agent/events-log.c agent/events.c \
	agent/events-action.c agent/routes-events.c

check_PROGRAMS += tests/unit/test_events
TESTS += tests/unit/test_events
tests_unit_test_events_SOURCES = tests/unit/test_events.c
tests_unit_test_events_CFLAGS = $(CGM_UNIT_FLAGS)
tests_unit_test_events_LDADD = $(CGM_UNIT_LIBS)

TESTS += tests/integration/t-events.sh
dist_noinst_SCRIPTS += tests/integration/t-events.sh
