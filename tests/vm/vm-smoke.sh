#!/bin/sh
# Host side of the VM smoke test: boots the pure cgroup-v2 VM with smoke.sh and passes its TAP through.
# Skips (77) only when qemu is missing; anything else that breaks is a failure.
here=$(cd "$(dirname "$0")" && pwd -P)
qemu=${QEMU:-qemu-system-x86_64}
if ! command -v "$qemu" >/dev/null 2>&1; then
	echo "1..0 # SKIP $qemu not installed (apt-get install qemu-system-x86)"
	exit 77
fi
exec bash "$here/run-vm.sh" --timeout "${CGM_VM_TIMEOUT:-300}" -- "$here/smoke.sh"
