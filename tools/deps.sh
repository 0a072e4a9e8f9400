#!/bin/bash
# Install what cgmeter needs to build, run and test, from Debian's archive. Idempotent; quiet when all is there.
#   tools/deps.sh          build + run dependencies
#   tools/deps.sh --test   also the test peers (prometheus, qemu, stress-ng, ...)
set -euo pipefail

build=(autoconf automake libtool pkg-config make gcc clang llvm bpftool
       libmicrohttpd-dev libinih-dev libbpf-dev libsqlite3-dev libjson-c-dev libcmocka-dev
       curl jq iproute2 procps)
test=(clang-format prometheus qemu-system-x86 busybox-static cpio stress-ng valgrind
      runc bubblewrap cgroup-tools hyperfine wrk libclang-rt-14-dev sqlite3 python3 openssl man-db groff-base systemd)

want=("${build[@]}")
[ "${1:-}" = "--test" ] && want+=("${test[@]}")

missing=()
for p in "${want[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
        echo "deps: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
