# Hardening (issue 9): libFuzzer targets, fault injection, the valgrind scenario, tests/hardening.sh.
# The fuzz targets need clang's -fsanitize=fuzzer, so they are built outside the normal build: `make fuzz`
# (tests/fuzz/build.sh) puts fuzz-policy, fuzz-config, fuzz-http, fuzz-usage and fuzz-cgroup into tests/fuzz/.
fuzz:
	$(top_srcdir)/tests/fuzz/build.sh $(abs_top_builddir)
.PHONY: fuzz

# The cgroup layer's write seam: every errno at every position of a write plan, rolled back.
check_PROGRAMS += tests/fuzz/test_cgroup_faults
TESTS += tests/fuzz/test_cgroup_faults
tests_fuzz_test_cgroup_faults_SOURCES = tests/fuzz/test_cgroup_faults.c
tests_fuzz_test_cgroup_faults_CFLAGS = $(CGM_UNIT_FLAGS)
tests_fuzz_test_cgroup_faults_LDADD = $(CGM_UNIT_LIBS)
# Cgroup write faults through an LD_PRELOAD shim, a full ledger disk, the policy dir and control socket gone.
TESTS += tests/integration/t-faults.sh
dist_noinst_SCRIPTS += tests/integration/t-faults.sh tests/hardening.sh tests/fuzz/build.sh \
	tests/fuzz/t-valgrind.sh
EXTRA_DIST += tests/fuzz/fuzz-common.h tests/fuzz/fuzz-policy.c tests/fuzz/fuzz-config.c \
	tests/fuzz/fuzz-http.c tests/fuzz/fuzz-usage.c tests/fuzz/fuzz-cgroup.c tests/fuzz/fault-write.c \
	tests/fuzz/policy.dict tests/fuzz/config.dict tests/fuzz/http.dict tests/fuzz/usage.dict \
	tests/fuzz/cgroup.dict tests/fuzz/corpus tests/fuzz/README.md tests/fuzz/valgrind.supp
