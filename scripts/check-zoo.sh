#!/usr/bin/env bash
#===- check-zoo.sh - every zoo model: import, compile, match torch --------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Exports the benchmark zoo (scripts/models/export_zoo.py; needs Debian's
# python3-torch, installed here) into $BUILD/zoo if missing, compiles every
# model (opset 13 and 17) for this CPU and checks every output against the
# torch reference: |got - ref| <= atol + rtol*|ref| per element with
# rtol 1e-4, atol 1e-5. Prints compile time and errors per model.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AUTOGLM_BUILD_DIR:-$ROOT/build}"
ZOO="${ZOO:-$BUILD/zoo}"
"$ROOT/scripts/build.sh"
if [ ! -f "$ZOO/resnet18_op17/model.onnx" ]; then
  "$ROOT/scripts/models/install-deps.sh"
  /usr/bin/python3 "$ROOT/scripts/models/export_zoo.py" --out "$ZOO"
fi
fail=0
printf "%-32s %10s  %s\n" model compile_s result
for d in "$ZOO"/*/; do
  name=$(basename "$d")
  art="$BUILD/zoo-artifacts/$name"
  start=$(date +%s.%N)
  if ! "$BUILD/bin/autoglm-compile" "$d/model.onnx" -o "$art" -O2 2> "$BUILD/zoo-$name.err"; then
    printf "%-32s %10s  FAIL compile: %s\n" "$name" - "$(head -1 "$BUILD/zoo-$name.err")"
    fail=1
    continue
  fi
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  if out=$("$BUILD/bin/autoglm-run" "$art" --test-data "$d/test_data_set_0" \
             --rtol 1e-4 --atol 1e-5 2>&1); then
    worst=$(echo "$out" | grep -oP 'max abs error \K[0-9.e+-]+' | sort -g | tail -1)
    printf "%-32s %10.2f  ok (%d outputs, worst max abs error %s)\n" "$name" "$secs" \
      "$(echo "$out" | grep -c ': ok')" "$worst"
  else
    printf "%-32s %10.2f  FAIL\n%s\n" "$name" "$secs" "$out"
    fail=1
  fi
done
exit $fail
