#!/bin/sh
# PID 1 of the test VM (busybox sh). Prepares a pure cgroup-v2 system, runs the test, reports its status
# behind a marker the host looks for, and powers off. PID 1 must never exit: the kernel would panic.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOME=/root
TMPDIR=/tmp
CGM_VM=1
export PATH HOME TMPDIR CGM_VM

# The initramfs root cannot be pivot_root'ed away from, which container-style launchers do; a real distribution
# boots into a mounted root. So first move everything to a tmpfs and restart there as PID 1.
if [ -z "${CGM_VM_ROOT:-}" ]; then
	CGM_VM_ROOT=tmpfs
	export CGM_VM_ROOT
	mkdir /newroot
	if mount -t tmpfs -o mode=0755 root /newroot; then
		for f in /*; do
			[ "$f" = /newroot ] || cp -a "$f" /newroot/
		done
		exec switch_root /newroot /init
	fi
	# Still usable without pivot_root: say so once the console output is being collected.
	CGM_VM_ROOT=initramfs
fi

# Setup problems are printed as TAP comments, so they pass through to the host without breaking the plan.
note() { echo "# run-vm init: $*"; }
must() { "$@" || note "failed: $*"; }

mount -t proc -o nosuid,nodev,noexec proc /proc || note "failed: mount proc"

# The host finds the test's output between two markers made unique per run, passed on the kernel command line
# (not in the initramfs, which stays reproducible).
token=
# shellcheck disable=SC2013 # words, not lines
for w in $(cat /proc/cmdline); do
	case "$w" in
	cgm.token=*) token=${w#cgm.token=} ;;
	esac
done
echo "CGM-VM-BEGIN-$token"
[ "$CGM_VM_ROOT" = tmpfs ] || note "failed: moving / to a tmpfs (pivot_root will not work)"

must mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
must mount -t devtmpfs -o nosuid,mode=0755 devtmpfs /dev
mkdir -p /dev/pts /dev/shm
must mount -t devpts -o nosuid,noexec,gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts
must mount -t tmpfs -o nosuid,nodev tmpfs /dev/shm
must mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /tmp
must mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs /run
# The same options systemd uses on current distributions.
must mount -t cgroup2 -o nosuid,nodev,noexec,nsdelegate,memory_recursiveprot cgroup2 /sys/fs/cgroup
must mount -t bpf -o nosuid,nodev,noexec,mode=0700 bpf /sys/fs/bpf
must hostname cgmeter-vm
must ip link set lo up

# Kernel modules the host resolved (--kmod), in dependency order.
if [ -s /test/kmods ]; then
	while read -r ko; do
		must insmod "$ko"
	done </test/kmods
fi

# Only emergencies (panics, oopses) interleave with the test's output from here on.
dmesg -n 3

# Written by run-vm.sh: the --env exports, then the test's command line.
# shellcheck source=/dev/null
. /test/env.sh
# shellcheck source=/dev/null
. /test/cmd.sh
status=$?
sync
# busybox stty applies settings with TCSADRAIN: this no-op setting waits until the serial line has sent
# everything, so neither the test's last lines nor the marker race the kernel's power-off messages.
stty onlcr 2>/dev/null
echo "CGM-VM-EXIT-$token status=$status"
stty onlcr 2>/dev/null
echo o >/proc/sysrq-trigger
sleep 10
poweroff -f
while :; do sleep 3600; done
