#!/usr/bin/env bash
#===- build-cross.sh - cross-build the runtime and autoglm-run ------------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# ./scripts/build-cross.sh TARGET   (aarch64-linux, armv7-linux)
# Builds the runtime (libautoglm_runtime.so) and autoglm-run for a Linux
# cross target into ${AUTOGLM_BUILD_DIR:-build}/cross/TARGET with its toolchain
# file (cmake/toolchains/TARGET.cmake); they run under qemu-user
# (docs/targets.md). Installs the cross packages first if missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AUTOGLM_BUILD_DIR:-$ROOT/build}"
# ccache keys on paths relative to the checkout, so a clone elsewhere (CI)
# reuses what an earlier build compiled.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}"
target="${1:?usage: build-cross.sh TARGET (aarch64-linux, armv7-linux)}"
toolchain="$ROOT/cmake/toolchains/$target.cmake"
[ -f "$toolchain" ] || { echo "build-cross.sh: no toolchain file for '$target' ($toolchain)" >&2; exit 2; }

"$ROOT/scripts/install-deps.sh" --cross
mkdir -p "$BUILD/cross"
out="$BUILD/cross/$target"
if [ ! -f "$out/build.ninja" ]; then
  cmake -S "$ROOT/runtime" -B "$out" -G Ninja --toolchain "$toolchain" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER_LAUNCHER=ccache > "$out.configure.log" 2>&1 ||
    { cat "$out.configure.log"; exit 1; }
fi
cmake --build "$out"
