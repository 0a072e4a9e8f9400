#!/bin/bash
# Configure and build out of tree in ./build (or $CGMETER_BUILD). Extra arguments go to configure.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${CGMETER_BUILD:-$top/build}
cd "$top"
[ -x configure ] && [ configure -nt configure.ac ] || ./autogen.sh >/dev/null 2>&1 || ./autogen.sh
mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ] || [ "$#" -gt 0 ]; then
        "$top/configure" -q "$@"
fi
make -j"$(nproc)" >/dev/null
echo "built: $build/cgmeterd $build/cgmeter"
