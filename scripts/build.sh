#!/usr/bin/env bash
#===- build.sh - configure and build Open-AutoGLM -------------------------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Installs missing Debian packages, configures (once) and builds into
# ${AUTOGLM_BUILD_DIR:-build} (AUTOGLM_CMAKE_ARGS: more cmake arguments for
# the first configure). Used by test.sh and quickstart.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AUTOGLM_BUILD_DIR:-$ROOT/build}"
# ccache keys on paths relative to the checkout, so a clone elsewhere (CI)
# reuses what an earlier build compiled.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}"

"$ROOT/scripts/install-deps.sh"

if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja \
    -DCMAKE_BUILD_TYPE="${AUTOGLM_BUILD_TYPE:-Release}" \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit ${AUTOGLM_CMAKE_ARGS:-}
fi
cmake --build "$BUILD"
