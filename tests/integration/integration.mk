# Integration tests: shell scripts speaking TAP, run as root against the real cgroupfs and a real agent.
INTEGRATION_TESTS = \
	tests/integration/t-agent-basics.sh \
	tests/integration/t-tasks.sh \
	tests/integration/t-metrics.sh \
	tests/integration/t-live-update.sh \
	tests/integration/t-api.sh \
	tests/integration/t-freeze.sh \
	tests/integration/t-netcls.sh \
	tests/integration/t-perf.sh \
	tests/integration/t-scrape.sh \
	tests/integration/t-sections.sh \
	tests/integration/t-ledger.sh \
	tests/integration/t-restart.sh \
	tests/integration/t-tls.sh \
	tests/integration/t-load.sh
TESTS += $(INTEGRATION_TESTS)
dist_noinst_SCRIPTS += $(INTEGRATION_TESTS)
EXTRA_DIST += tests/integration/lib.sh
# Both mount the net_cls/net_prio and perf_event hierarchies (each in a mount namespace of its own): not at once.
tests/integration/t-netcls.log: tests/unit/test_cgroup_apply.log
tests/integration/t-perf.log: tests/unit/test_perf.log
tests/integration/t-sections.log: tests/integration/t-perf.log
