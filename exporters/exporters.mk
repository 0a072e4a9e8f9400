# Exporters: Prometheus/OpenMetrics and JSON rendering.
noinst_LIBRARIES += libcgm_export.a
libcgm_export_a_SOURCES = \
	exporters/json-task.c exporters/json-task.h \
	exporters/prometheus.c exporters/prometheus.h

check_PROGRAMS += tests/unit/test_prometheus
TESTS += tests/unit/test_prometheus
tests_unit_test_prometheus_SOURCES = tests/unit/test_prometheus.c
tests_unit_test_prometheus_CFLAGS = $(CGM_UNIT_FLAGS)
tests_unit_test_prometheus_LDADD = $(CGM_UNIT_LIBS)
