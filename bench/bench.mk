# Benchmarks (bench/launch/README.md). Not part of `make` or `make check`: `make bench` builds the driver,
# `make bench-launch` runs the launch-latency comparison and prints its table (as root, peers installed by
# tools/deps.sh --test). Options for run.sh go in BENCH_ARGS, e.g. make bench-launch BENCH_ARGS="-n 50 -r 1".
EXTRA_PROGRAMS = bench/launch-bench
bench_launch_bench_SOURCES = \
	bench/launch/launch-bench.c bench/launch/bench.h \
	bench/launch/cgm-side.c bench/launch/spawn.c bench/launch/report.c
bench_launch_bench_LDADD = $(CGM_LIBS) $(LIBS_ALL)
EXTRA_DIST += bench/launch/README.md bench/launch/run.sh

bench: bench/launch-bench$(EXEEXT)
bench-launch: bench cgmeterd$(EXEEXT) cgmeter$(EXEEXT)
	top_builddir='$(abs_top_builddir)' $(SHELL) $(top_srcdir)/bench/launch/run.sh $(BENCH_ARGS)
.PHONY: bench bench-launch

EXTRA_DIST += bench/events/README.md bench/events/run.sh bench/events/oom-latency.py
bench-events: cgmeterd$(EXEEXT) cgmeter$(EXEEXT)
	top_builddir='$(abs_top_builddir)' $(SHELL) $(top_srcdir)/bench/events/run.sh $(BENCH_ARGS)
.PHONY: bench-events
