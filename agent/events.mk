# Events: OOM and pressure watchers, actions, the event log.
noinst_LIBRARIES += libcgm_events.a
libcgm_events_a_SOURCES = agent/events.h agent/events-stub.c
