# Exporters: Prometheus/OpenMetrics and JSON rendering.
noinst_LIBRARIES += libcgm_export.a
libcgm_export_a_SOURCES = \
	exporters/json-task.c exporters/json-task.h \
	exporters/prometheus.c exporters/prometheus.h
