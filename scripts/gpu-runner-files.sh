#!/usr/bin/env bash
#===- gpu-runner-files.sh - autoglm-run and its libraries, for a GPU machine ===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Usage: scripts/gpu-runner-files.sh BUILD DEST
# Copies BUILD/bin/autoglm-run to DEST/bin and the shared libraries it needs
# that a GPU machine's system may lack (the runtime, ONNX's protobuf
# classes, protobuf, fmt, libcrypto) to DEST/lib; run it there with
# LD_LIBRARY_PATH=DEST/lib. Used by scripts/test-gpu.sh and bench/run-gpu.sh.
set -euo pipefail
BUILD="$1"
DEST="$2"
mkdir -p "$DEST/bin" "$DEST/lib"
cp "$BUILD/bin/autoglm-run" "$DEST/bin/"
ldd "$BUILD/bin/autoglm-run" | awk '/=> \// {print $3}' |
  grep -E 'libautoglm_runtime|libonnx_proto|libprotobuf|libfmt|libcrypto' |
  while read -r so; do cp -L "$so" "$DEST/lib/"; done
