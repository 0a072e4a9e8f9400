#!/bin/sh
# Host side: OOM and pressure events in the pure cgroup-v2 VM (events-v2.sh). Usage: vm-events.sh [BUILD_DIR]
here=$(cd "$(dirname "$0")" && pwd -P)
build=${1:-${top_builddir:-$here/../../build}}
qemu=${QEMU:-qemu-system-x86_64}
if ! command -v "$qemu" >/dev/null 2>&1; then
	echo "1..0 # SKIP $qemu not installed (apt-get install qemu-system-x86)"
	exit 77
fi
for b in cgmeterd cgmeter tests/unit/test_events; do
	[ -x "$build/$b" ] || { echo "Bail out! $build/$b is not built"; exit 99; }
done
exec bash "$here/run-vm.sh" --timeout "${CGM_VM_TIMEOUT:-600}" --mem 768 \
	--bin "$build/cgmeterd" --bin "$build/cgmeter" --bin "$(command -v jq)" \
	--bin "$build/tests/unit/test_events" \
	-- "$here/events-v2.sh"
