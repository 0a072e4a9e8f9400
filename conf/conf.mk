# Example configuration and policies (each key commented), and the operator reference. Shipped in the tarball;
# make install puts the configuration and the example policies in place (below).
dist_noinst_DATA += \
	conf/cgmeter.ini \
	conf/policies/web.ini \
	conf/policies/batch.ini \
	conf/policies/everything.ini \
	docs/policy.md \
	docs/config.md

# --- Running a fleet: systemd unit, Prometheus files, Grafana dashboard (issue 8).
# The agent reads /etc/cgmeter (compiled in): configure packages with --sysconfdir=/etc.
#   $(sysconfdir)/cgmeter/cgmeter.ini        the commented defaults; an existing file is never overwritten
#   $(sysconfdir)/cgmeter/policies.d/        created empty: the agent then runs the built-in default policy
#   $(pkgdatadir)/cgmeter.ini                the shipped file, to compare with a locally changed one
#   $(pkgdatadir)/policies/*.ini             example policies (host-specific devices: review, then copy)
#   $(pkgdatadir)/prometheus/, grafana/      scrape config, rules, rule tests, remote_write example, dashboard
#   $(systemdsystemunitdir)/cgmeterd.service ExecStart rewritten to $(sbindir)
systemdsystemunitdir ?= $(prefix)/lib/systemd/system
cgmeterpolicydir = $(pkgdatadir)/policies
dist_cgmeterpolicy_DATA = conf/policies/web.ini conf/policies/batch.ini conf/policies/everything.ini
cgmeterconfdir = $(pkgdatadir)
dist_cgmeterconf_DATA = conf/cgmeter.ini
cgmeterpromdir = $(pkgdatadir)/prometheus
dist_cgmeterprom_DATA = \
	conf/prometheus/prometheus.yml \
	conf/prometheus/remote-write.example.yml \
	conf/prometheus/cgmeter-rules.yml \
	conf/prometheus/cgmeter-alerts.yml \
	conf/prometheus/cgmeter-rules.test.yml
cgmeterpromtargetsdir = $(pkgdatadir)/prometheus/targets
dist_cgmeterpromtargets_DATA = conf/prometheus/targets/nodes.yml.example
cgmetergrafanadir = $(pkgdatadir)/grafana
dist_cgmetergrafana_DATA = conf/grafana/cgmeter.json
EXTRA_DIST += conf/cgmeterd.service

install-data-local: install-cgmeter-conf
uninstall-local: uninstall-cgmeter-conf
install-cgmeter-conf:
	$(MKDIR_P) '$(DESTDIR)$(sysconfdir)/cgmeter/policies.d' '$(DESTDIR)$(systemdsystemunitdir)'
	@if test -e '$(DESTDIR)$(sysconfdir)/cgmeter/cgmeter.ini'; then \
	  echo "keeping $(DESTDIR)$(sysconfdir)/cgmeter/cgmeter.ini (the shipped one is $(pkgdatadir)/cgmeter.ini)"; \
	else \
	  echo " $(INSTALL_DATA) conf/cgmeter.ini '$(DESTDIR)$(sysconfdir)/cgmeter/cgmeter.ini'"; \
	  $(INSTALL_DATA) '$(srcdir)/conf/cgmeter.ini' '$(DESTDIR)$(sysconfdir)/cgmeter/cgmeter.ini'; \
	fi
	sed 's|^ExecStart=/usr/sbin/cgmeterd|ExecStart=$(sbindir)/cgmeterd|' '$(srcdir)/conf/cgmeterd.service' \
	  >cgmeterd.service.tmp && \
	  $(INSTALL_DATA) cgmeterd.service.tmp '$(DESTDIR)$(systemdsystemunitdir)/cgmeterd.service'; \
	  r=$$?; rm -f cgmeterd.service.tmp; exit $$r
# The configuration goes only if it is still the shipped one: an operator's edits survive an uninstall.
uninstall-cgmeter-conf:
	rm -f '$(DESTDIR)$(systemdsystemunitdir)/cgmeterd.service'
	@f='$(DESTDIR)$(sysconfdir)/cgmeter/cgmeter.ini'; \
	if test -f "$$f" && cmp -s "$$f" '$(srcdir)/conf/cgmeter.ini'; then echo " rm -f $$f"; rm -f "$$f"; \
	elif test -f "$$f"; then echo "keeping $$f (changed locally)"; fi
	rmdir '$(DESTDIR)$(sysconfdir)/cgmeter/policies.d' '$(DESTDIR)$(sysconfdir)/cgmeter' 2>/dev/null || :
.PHONY: install-cgmeter-conf uninstall-cgmeter-conf

# Checks of these files against a real agent and real tools (promtool, systemd-analyze, man), and the fleet
# test: two agents in two network namespaces scraped by one real Prometheus.
FLEET_TESTS = tests/integration/t-conf.sh tests/integration/t-fleet.sh
TESTS += $(FLEET_TESTS)
dist_noinst_SCRIPTS += $(FLEET_TESTS)
