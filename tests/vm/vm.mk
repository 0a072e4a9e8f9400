# The pure cgroup-v2 VM harness (TESTBEDS.md §2): tests/vm/run-vm.sh boots Debian's kernel with a busybox
# initramfs under TCG and runs one script in it. A boot costs seconds, so VM tests are not in `make check`:
# `make check-vm` (and tests/run-all.sh) run them. A VM test is a host-side script that calls run-vm.sh (with
# the binaries it needs from $top_builddir) and prints TAP, exit 77 = skipped: list it in VM_TESTS and what it
# needs built in VM_DEPS.
dist_noinst_SCRIPTS += tests/vm/run-vm.sh tests/vm/init.sh tests/vm/smoke.sh tests/vm/vm-smoke.sh \
	tests/vm/agent-v2.sh tests/vm/vm-agent.sh tests/vm/events-v2.sh tests/vm/vm-events.sh
VM_TESTS = tests/vm/vm-smoke.sh tests/vm/vm-agent.sh tests/vm/vm-events.sh
VM_DEPS = cgmeterd cgmeter tests/unit/test_cgroup_apply tests/unit/test_launch tests/unit/test_collect_parse \
	tests/unit/test_events

# Not through the TAP driver: it counts exit status 77 (qemu missing) as an error, not as a skip.
check-vm: $(VM_DEPS)
	@pass=0; fail=0; skip=0; \
	for t in $(VM_TESTS); do \
	  echo "== $$t"; \
	  $(AM_TESTS_ENVIRONMENT) $(SHELL) $(top_srcdir)/$$t; rc=$$?; \
	  case $$rc in 0) pass=$$((pass + 1));; 77) skip=$$((skip + 1));; *) fail=$$((fail + 1));; esac; \
	done; \
	echo "== VM tests: $$pass passed, $$fail failed, $$skip skipped"; \
	test $$fail -eq 0
.PHONY: check-vm
