# Billing ledger (SQLite, WAL): final records, checkpoints and totals; JSON and CSV rendering.
noinst_LIBRARIES += libcgm_ledger.a
libcgm_ledger_a_SOURCES = agent/ledger.h agent/ledger-internal.h agent/ledger.c agent/ledger-query.c \
	agent/ledger-render.c

check_PROGRAMS += tests/unit/test_ledger
TESTS += tests/unit/test_ledger
tests_unit_test_ledger_SOURCES = tests/unit/test_ledger.c
tests_unit_test_ledger_CFLAGS = $(CGM_UNIT_FLAGS)
tests_unit_test_ledger_LDADD = $(CGM_UNIT_LIBS)

# Not a test: test_ledger runs it and SIGKILLs it while it writes (the crash test).
check_PROGRAMS += tests/unit/ledger-crash
tests_unit_ledger_crash_SOURCES = tests/unit/ledger-crash.c
tests_unit_ledger_crash_CFLAGS = $(CGM_UNIT_FLAGS)
tests_unit_ledger_crash_LDADD = $(CGM_UNIT_LIBS)
