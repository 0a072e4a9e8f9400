#!/bin/bash
# Boot a throwaway pure cgroup-v2 VM (Debian 12 kernel, busybox initramfs, TCG, no network device), run one
# test in it as root on the root cgroup, copy its output (TAP) to stdout and exit with its status.
# See usage() and the "VM tests" section of README.md.
set -euo pipefail

prog=run-vm
umask 022 # the image's modes must not depend on the caller's umask
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

# Exit status for failures of the harness itself (automake's "hard error"), distinct from the test's own.
EX_HARNESS=99

usage() {
	cat <<EOF
usage: $0 [options] -- SCRIPT [ARGS...]

Runs SCRIPT (a busybox sh script, or an ELF program) with ARGS as PID 1's child in a VM whose only cgroup
hierarchy is cgroup2 on /sys/fs/cgroup, and exits with its status. The script's output goes to stdout.

  --bin FILE         install FILE as /usr/local/bin/NAME (first in PATH) with the shared libraries ldd lists
  --file SRC:DEST    copy SRC (file or directory) to the absolute path DEST (DEST/ keeps SRC's name)
  --kmod NAME        load kernel module NAME (and its dependencies) from the VM kernel before the test
  --env NAME=VALUE   set an environment variable for the test
  --timeout SEC      kill the VM after SEC seconds (default: 300)
  --mem MB           VM memory (default: 512)
  --smp N            virtual CPUs (default: 2)
  --append ARGS      extra kernel command line arguments
  --keep             keep the work directory (initramfs, console log) and print its path
  -h, --help         this text

Environment: CGM_VM_CACHE (kernel cache, default tests/vm/cache), CGM_VM_WORK (default tests/vm/work),
CGM_VM_KERNEL (use this vmlinuz instead of Debian's package; --kmod is then unavailable),
QEMU (default qemu-system-x86_64), BUSYBOX (default: busybox-static's /bin/busybox).
Exit status: the test's status, or $EX_HARNESS when the harness or the VM failed (timeout, kernel panic,
no status reported), with a message on stderr.
EOF
}

die() {
	echo "$prog: $*" >&2
	exit $EX_HARNESS
}

timeout=300 mem=512 smp=2 keep=0 append=
bins=() files=() kmods=() envs=()
while [ $# -gt 0 ]; do
	case "$1" in
	--bin) bins+=("${2?--bin needs FILE}"); shift 2 ;;
	--file) files+=("${2?--file needs SRC:DEST}"); shift 2 ;;
	--kmod) kmods+=("${2?--kmod needs NAME}"); shift 2 ;;
	--env) envs+=("${2?--env needs NAME=VALUE}"); shift 2 ;;
	--timeout) timeout=${2?--timeout needs SEC}; shift 2 ;;
	--mem) mem=${2?--mem needs MB}; shift 2 ;;
	--smp) smp=${2?--smp needs N}; shift 2 ;;
	--append) append=${2?--append needs ARGS}; shift 2 ;;
	--keep) keep=1; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	*) usage >&2; die "unknown argument: $1" ;;
	esac
done
[ $# -ge 1 ] || { usage >&2; die "no SCRIPT given"; }
script=$1
shift
for n in "$timeout" "$mem" "$smp"; do
	[[ "$n" =~ ^[1-9][0-9]{0,5}$ ]] || die "not a positive number: $n"
done
[ -f "$script" ] || die "no such script: $script"

qemu=${QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null || die "$qemu not found (apt-get install qemu-system-x86)"
command -v cpio >/dev/null || die "cpio not found (apt-get install cpio)"

# tests/vm/{cache,work} unless the source tree is read-only (make distcheck): then a per-user cache.
pick_dir() { # ENV_VALUE DEFAULT NAME
	local d=${1:-$2}
	if mkdir -p "$d" 2>/dev/null && [ -w "$d" ]; then
		echo "$d"
		return
	fi
	[ -z "$1" ] || die "cannot write $d"
	d=${XDG_CACHE_HOME:-$HOME/.cache}/cgmeter-vm/$3
	mkdir -p "$d" || die "cannot create $d"
	echo "$d"
}
cache=$(pick_dir "${CGM_VM_CACHE:-}" "$here/cache" cache)
workbase=$(pick_dir "${CGM_VM_WORK:-}" "$here/work" work)

# Work directories of runs that were SIGKILLed; a day is far beyond any --timeout in use.
find "$workbase" -maxdepth 1 -name 'run.*' -mmin +1440 -exec rm -rf {} + 2>/dev/null || true
work=$(mktemp -d "$workbase/run.XXXXXX")
qpid=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
		kill -KILL "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
	fi
	if [ "$keep" = 1 ]; then
		echo "$prog: work directory kept: $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

is_elf() { [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }

# --- kernel: Debian's linux-image package, downloaded once and unpacked (no boot hooks run) ------------------

# Names the package linux-image-amd64 depends on now. apt-cache takes over a second where apt keeps no binary
# cache (Debian's container images), so the answer is remembered until the package lists change.
kernel_package() {
	local stamp saved pkg
	stamp=$(stat -c '%n %s %Y' /var/lib/apt/lists/*Packages* 2>/dev/null | cksum | cut -d' ' -f1)
	saved=$(cat "$cache/kernel-package" 2>/dev/null) || true
	if [ -n "$saved" ] && [ "${saved%% *}" = "$stamp" ]; then
		echo "${saved#* }"
		return
	fi
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }') || true
	if [ -n "$pkg" ]; then
		echo "$stamp $pkg" >"$cache/kernel-package.$$"
		mv "$cache/kernel-package.$$" "$cache/kernel-package"
	fi
	echo "$pkg"
}

# Prints the unpacked package root. Keeps only the package apt names now, so the cache does not grow.
kernel_fetch() {
	local pkg tmp deb kver
	pkg=$(kernel_package)
	if [ -z "$pkg" ]; then
		# apt unavailable or without lists: any kernel fetched earlier will do.
		pkg=
		for d in "$cache"/linux-image-*/boot; do
			[ -d "$d" ] && pkg=$(basename "$(dirname "$d")")
		done
		[ -n "$pkg" ] || die "cannot name the kernel package: 'apt-cache depends linux-image-amd64' failed" \
			"(run apt-get update) and nothing is cached in $cache"
		echo "$cache/$pkg"
		return
	fi
	if [ ! -d "$cache/$pkg/boot" ]; then
		echo "$prog: fetching $pkg into $cache (once)" >&2
		tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
		# apt warns when its _apt user cannot write here; only show apt's output when it fails.
		(cd "$tmp" && apt-get download "$pkg") >"$tmp/apt.log" 2>&1 || {
			cat "$tmp/apt.log" >&2
			rm -rf "$tmp"
			die "apt-get download $pkg failed (run apt-get update?)"
		}
		deb=$(echo "$tmp"/"$pkg"_*.deb)
		dpkg-deb -x "$deb" "$tmp/root" || { rm -rf "$tmp"; die "dpkg-deb -x $deb failed"; }
		kver=${pkg#linux-image-}
		if command -v depmod >/dev/null; then
			depmod -b "$tmp/root" "$kver" 2>/dev/null || echo "$prog: depmod failed; --kmod unavailable" >&2
		fi
		rm -f "$deb"
		# Atomic publish, so a concurrent run sees a complete tree or none; a racing duplicate is dropped.
		mv -T "$tmp/root" "$cache/$pkg" 2>/dev/null || rm -rf "$tmp/root"
		rm -rf "$tmp"
		for old in "$cache"/linux-image-*; do
			[ "$old" = "$cache/$pkg" ] || rm -rf "$old"
		done
	fi
	echo "$cache/$pkg"
}

# The bzImage decompresses itself at boot, which takes ~5 s under TCG; a kernel built with CONFIG_PVH boots
# from its uncompressed ELF image directly, so unpack that once. Prints the image to boot.
kernel_image() { # KROOT
	local bz off tmp
	bz=$(echo "$1"/boot/vmlinuz-*)
	[ -f "$bz" ] || die "no vmlinuz in $1/boot (remove $1 and retry)"
	if [ -f "$1/vmlinux" ]; then
		echo "$1/vmlinux"
		return
	fi
	if grep -qx 'CONFIG_PVH=y' "$1"/boot/config-* 2>/dev/null && command -v xz >/dev/null; then
		tmp=$(mktemp "$1/.vmlinux.XXXXXX")
		# shellcheck disable=SC2013 # one offset per line
		for off in $(LC_ALL=C grep -abo $'\xfd7zXZ' "$bz" | cut -d: -f1); do
			xz -dc --single-stream < <(tail -c +$((off + 1)) "$bz") >"$tmp" 2>/dev/null || continue
			if is_elf "$tmp"; then
				chmod 0644 "$tmp"
				mv "$tmp" "$1/vmlinux"
				echo "$1/vmlinux"
				return
			fi
		done
		rm -f "$tmp"
	fi
	echo "$bz"
}

kroot=
if [ -n "${CGM_VM_KERNEL:-}" ]; then
	kernel=$CGM_VM_KERNEL
	[ -f "$kernel" ] || die "CGM_VM_KERNEL: no such file: $kernel"
	[ ${#kmods[@]} -eq 0 ] || die "--kmod needs Debian's kernel package (unset CGM_VM_KERNEL)"
else
	kroot=$(kernel_fetch)
	kernel=$(kernel_image "$kroot")
fi

# --- initramfs -----------------------------------------------------------------------------------------------

t_build=$(date +%s%N)
root=$work/root
mkdir -p "$root"/{usr/bin,usr/sbin,usr/lib,usr/lib64,usr/local/bin,usr/local/sbin,etc,proc,sys,dev,tmp,run,root,mnt,var,test}
# Merged /usr, as on the host, so every path ldd prints resolves the same way inside.
ln -s usr/bin "$root/bin"
ln -s usr/sbin "$root/sbin"
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"

# Copies the shared libraries FILE needs (and the dynamic loader) to the same paths inside the image.
add_libs() {
	local f=$1 out lib
	is_elf "$f" || return 0
	out=$(LC_ALL=C ldd "$f" 2>&1) || true
	if grep -q 'not found' <<<"$out"; then
		die "$f: missing shared libraries:
$(grep 'not found' <<<"$out")"
	fi
	while read -r lib; do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib" || die "cannot copy $lib"
	done < <(awk '$2 == "=>" && $3 ~ /^\// { print $3; next } $1 ~ /^\// { print $1 }' <<<"$out")
}

busybox=${BUSYBOX:-/bin/busybox}
[ -x "$busybox" ] || die "$busybox not found (apt-get install busybox-static)"
cp -L "$busybox" "$root/usr/bin/busybox"
add_libs "$busybox"
# ~270 links: one perl process instead of one ln each (half a second); merged /usr may list a name twice.
(cd "$root" && "$busybox" --list-full | grep -vx 'bin/busybox' |
	perl -nle 'chomp; -l $_ or symlink("/usr/bin/busybox", $_) or die "$_: $!\n"') ||
	die "cannot create the busybox applet links"
[ -e "$root/bin/sh" ] || die "$busybox has no sh applet"

for b in "${bins[@]}"; do
	if [ ! -f "$b" ] || [ ! -x "$b" ]; then die "--bin $b: not an executable file"; fi
	cp -L "$b" "$root/usr/local/bin/$(basename "$b")"
	add_libs "$b"
done

for spec in "${files[@]}"; do
	src=${spec%%:*} dest=${spec#*:}
	if [ "$src" = "$spec" ] || [ -z "$src" ]; then die "--file $spec: expected SRC:DEST"; fi
	[ -e "$src" ] || die "--file $spec: no such file: $src"
	case "$dest" in
	/*) ;;
	*) die "--file $spec: DEST must be an absolute path" ;;
	esac
	case "$dest" in
	/proc | /proc/* | /sys | /sys/* | /dev | /dev/* | /tmp | /tmp/* | /run | /run/*)
		die "--file $spec: $dest is hidden by a mount made at boot; pick another path (e.g. /test, /etc, /opt)" ;;
	esac
	case "$dest" in
	*/) dest=$dest$(basename "$src") ;;
	esac
	mkdir -p "$root$(dirname "$dest")"
	cp -RL "$src" "$root$dest" || die "--file $spec: copy failed"
	if [ -f "$src" ]; then add_libs "$src"; fi
done

if [ ${#kmods[@]} -gt 0 ]; then
	command -v modprobe >/dev/null || die "--kmod needs modprobe (apt-get install kmod)"
	kver=$(basename "$kroot")
	kver=${kver#linux-image-}
	for m in "${kmods[@]}"; do
		deps=$(modprobe -d "$kroot" -S "$kver" --show-depends "$m" 2>&1) || die "--kmod $m: $deps"
		while read -r verb ko _; do
			[ "$verb" = insmod ] || continue # "builtin NAME": nothing to load
			rel=${ko#"$kroot"}
			grep -qxF "$rel" "$root/test/kmods" 2>/dev/null && continue
			mkdir -p "$root$(dirname "$rel")"
			cp "$ko" "$root$rel"
			echo "$rel" >>"$root/test/kmods"
		done <<<"$deps"
	done
fi

cp "$here/init.sh" "$root/init"
chmod 0755 "$root/init"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n' >"$root/etc/group"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$root/etc/hosts"
printf 'passwd: files\ngroup: files\nhosts: files\n' >"$root/etc/nsswitch.conf"

# Single-quote for sh: every ' becomes '\''.
shquote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

name=$(basename "$script")
cp -L "$script" "$root/test/$name"
chmod 0755 "$root/test/$name"
: >"$root/test/env.sh"
for e in "${envs[@]}"; do
	[[ "$e" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "--env $e: expected NAME=VALUE"
	echo "export ${e%%=*}=$(shquote "${e#*=}")" >>"$root/test/env.sh"
done
{
	echo "cd /test"
	printf 'set --'
	for a in "$@"; do printf ' %s' "$(shquote "$a")"; done
	echo
	if is_elf "$script"; then
		add_libs "$script"
		echo "$(shquote "/test/$name") \"\$@\" </dev/null"
	else
		echo "/bin/sh $(shquote "/test/$name") \"\$@\" </dev/null"
	fi
} >"$root/test/cmd.sh"

# Reproducible: sorted names, fixed times and owners, renumbered inodes, no name or time in the gzip header.
find "$root" -exec touch -h -d "@${SOURCE_DATE_EPOCH:-0}" {} +
(cd "$root" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
	cpio --null --create --format=newc --reproducible --owner=0:0 --quiet) | gzip -n -1 >"$work/initrd.gz" ||
	die "building the initramfs failed"

# --- boot ----------------------------------------------------------------------------------------------------

token=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
log=$work/console.log
mkfifo "$work/console"
# Between the markers, without kernel messages (timestamped lines) and serial carriage returns. tee -p keeps
# the log complete when the reader of our stdout goes away early (| head).
tee -p "$log" <"$work/console" | awk -v begin="CGM-VM-BEGIN-$token" -v end="CGM-VM-EXIT-$token " '
	{ gsub(/\r/, "") }
	state == 1 && (p = index($0, end)) {
		# A last line without a newline shares its line with the marker.
		if (p > 1) print substr($0, 1, p - 1)
		fflush()
		state = 2
	}
	state == 1 && !/^\[ *[0-9]+\.[0-9]+\] / { print; fflush() }
	state == 0 && index($0, begin) { state = 1 }
' &
fpid=$!

t_boot=$(date +%s%N)
start=$SECONDS
"$qemu" -accel tcg -m "$mem" -smp "$smp" -nographic -no-reboot -nic none \
	-kernel "$kernel" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 quiet panic=-1 cgm.token=$token${append:+ $append}" \
	</dev/null >"$work/console" 2>"$work/qemu.err" &
qpid=$!

timed_out=0
while kill -0 "$qpid" 2>/dev/null; do
	if [ $((SECONDS - start)) -ge "$timeout" ]; then
		timed_out=1
		kill -KILL "$qpid" 2>/dev/null || true
		break
	fi
	sleep 0.2
done
qrc=0
wait "$qpid" 2>/dev/null || qrc=$? # no "Killed" job notice after a timeout
qpid=
wait "$fpid" || true
elapsed=$((SECONDS - start))
t_end=$(date +%s%N)

# The reason also goes to stdout as a TAP "Bail out!", so a TAP log shows why the test's output stops there.
fail() {
	echo "Bail out! $prog: $*"
	echo "$prog: $*" >&2
	echo "$prog: last console lines:" >&2
	tr -d '\r' <"$log" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g; s/^/    /' | tail -n 40 >&2
	if [ -s "$work/qemu.err" ]; then
		echo "$prog: qemu said:" >&2
		sed 's/^/    /' "$work/qemu.err" >&2
	fi
	exit $EX_HARNESS
}

if grep -aq 'Kernel panic - not syncing' "$log"; then
	fail "kernel panic after ${elapsed}s: $(grep -a -m 1 'Kernel panic - not syncing' "$log" | tr -d '\r')"
fi
[ "$timed_out" = 0 ] || fail "timeout: the VM did not finish within ${timeout}s (use --timeout)"
status=$(tr -d '\r' <"$log" | sed -n "s/^.*CGM-VM-EXIT-$token status=\([0-9][0-9]*\).*\$/\1/p" | tail -n 1)
[ -n "$status" ] || fail "the VM stopped after ${elapsed}s (qemu status $qrc) without reporting the test's status"
# An oops that did not panic lets the test finish, but nobody should miss it.
if grep -aqE '^\[ *[0-9]+\.[0-9]+\] (BUG:|Oops|general protection fault)' "$log"; then
	echo "$prog: the kernel reported a bug during the test:" >&2
	grep -aE '^\[ *[0-9]+\.[0-9]+\] (BUG:|Oops|general protection fault)' "$log" | tr -d '\r' | sed 's/^/    /' >&2
fi
if [ "${CGM_VM_VERBOSE:-0}" != 0 ]; then
	ms() { local d=$((($2 - $1) / 1000000)); printf '%d.%03d' $((d / 1000)) $((d % 1000)); }
	echo "$prog: initramfs $(ms "$t_build" "$t_boot")s, boot+run $(ms "$t_boot" "$t_end")s, status $status" >&2
fi
exit "$status"
