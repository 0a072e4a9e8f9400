#!/bin/bash
# Build the libFuzzer targets with clang, outside automake's normal build (the fuzzer runtime provides main).
#   tests/fuzz/build.sh BUILD_DIR [OUT_DIR]
# BUILD_DIR is a configured build tree (for autoconfig.h); OUT_DIR defaults to BUILD_DIR/tests/fuzz.
# Targets: fuzz-policy, fuzz-config, fuzz-http, fuzz-usage, fuzz-cgroup. Needs clang (and libclang-rt-14-dev).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: build.sh BUILD_DIR [OUT_DIR]}" && pwd)
out=${2:-$build/tests/fuzz}
CC=${FUZZ_CC:-clang}
mkdir -p "$out"

flags=(-std=gnu11 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
        -fno-sanitize-recover=undefined -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare
        -include "$build/autoconfig.h" -I"$src/agent" -I"$src/collectors" -I"$src/exporters"
        $(pkg-config --cflags inih json-c))
core=(agent/util.c agent/log.c agent/diag.c agent/ini_load.c agent/parse.c agent/strbuf.c)
policy=(agent/policy.c agent/policy-parse.c agent/policy-set.c agent/policy-host.c)

target() { # target NAME SOURCES... -- LIBS...
        local name=$1 srcs=() libs=()
        shift
        while [ $# -gt 0 ] && [ "$1" != -- ]; do srcs+=("$src/$1"); shift; done
        [ $# -gt 0 ] && shift
        libs=("$@")
        echo "  FUZZ     $name" >&2
        "$CC" "${flags[@]}" -o "$out/$name" "${srcs[@]}" "${libs[@]}" -lm
}

target fuzz-policy tests/fuzz/fuzz-policy.c "${core[@]}" "${policy[@]}" -- $(pkg-config --libs inih)
target fuzz-config tests/fuzz/fuzz-config.c "${core[@]}" agent/config.c -- $(pkg-config --libs inih)
target fuzz-cgroup tests/fuzz/fuzz-cgroup.c collectors/parse-cgroup.c "${core[@]}" -- $(pkg-config --libs inih)
target fuzz-http tests/fuzz/fuzz-http.c agent/routes-tasks.c agent/http-reply.c "${core[@]}" -- $(pkg-config --libs inih json-c)
target fuzz-usage tests/fuzz/fuzz-usage.c agent/routes-usage.c agent/ledger-render.c agent/http-reply.c \
        "${core[@]}" -- $(pkg-config --libs inih json-c)
