#!/usr/bin/env bash
#===- check-zoo.sh - every zoo model: import, compile, match torch --------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Exports the benchmark zoo (scripts/models/export_zoo.py; needs Debian's
# python3-torch, installed here) into $BUILD/zoo if missing, compiles every
# model (opset 13 and 17) for this CPU at -O0 and -O2 and checks every output
# of both against the torch reference: |got - ref| <= atol + rtol*|ref| per
# element, rtol 1e-4, atol 1e-5. Prints compile time, the worst error and
# what the -O2 graph optimizations did.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AUTOGLM_BUILD_DIR:-$ROOT/build}"
ZOO="${ZOO:-$BUILD/zoo}"
"$ROOT/scripts/models/ensure-zoo.sh" "$ZOO"
fail=0
mkdir -p "$BUILD/zoo-artifacts"
for d in "$ZOO"/*/; do
  name=$(basename "$d")
  for level in 0 2; do
    art="$BUILD/zoo-artifacts/$name-O$level"
    start=$(date +%s.%N)
    if ! summary=$("$BUILD/bin/autoglm-compile" "$d/model.onnx" -o "$art" -O$level \
                     --report "$art.report.json" 2> "$art.err"); then
      printf "%-32s -O%d FAIL compile: %s\n" "$name" $level "$(head -1 "$art.err")"
      fail=1
      continue
    fi
    secs=$(echo "$(date +%s.%N) - $start" | bc)
    if out=$("$BUILD/bin/autoglm-run" "$art" --test-data "$d/test_data_set_0" \
               --rtol 1e-4 --atol 1e-5 2>&1); then
      worst=$(echo "$out" | grep -oP 'max abs error \K[0-9.e+-]+' | sort -g | tail -1)
      printf "%-32s -O%d %6.2f s  ok: %d outputs, worst abs error %s\n" "$name" $level \
        "$secs" "$(echo "$out" | grep -c ': ok')" "$worst"
      [ $level -eq 2 ] && echo "    ${summary#autoglm-compile: }"
    else
      printf "%-32s -O%d %6.2f s  FAIL\n%s\n" "$name" $level "$secs" "$out"
      fail=1
    fi
  done
done
# Open batch: the CNNs with dim 0 of their inputs and outputs made the
# dim_param N (scripts/models/open_batch.py), compiled once for batches up to
# 4 (--max-dim N=4) and run at batch 1 against the same torch reference.
for name in resnet18_op13 resnet18_op17 mobilenet_v2_op13 mobilenet_v2_op17; do
  d="$ZOO/$name"
  [ -f "$d/model.onnx" ] || continue
  art="$BUILD/zoo-artifacts/$name-open-batch"
  /usr/bin/python3 "$ROOT/scripts/models/open_batch.py" "$d/model.onnx" "$art.onnx"
  if ! "$BUILD/bin/autoglm-compile" "$art.onnx" -o "$art" --max-dim N=4 2> "$art.err"; then
    printf "%-32s open batch FAIL compile: %s\n" "$name" "$(head -1 "$art.err")"
    fail=1
    continue
  fi
  if out=$("$BUILD/bin/autoglm-run" "$art" --test-data "$d/test_data_set_0" \
             --rtol 1e-4 --atol 1e-5 2>&1); then
    worst=$(echo "$out" | grep -oP 'max abs error \K[0-9.e+-]+' | sort -g | tail -1)
    printf "%-32s open batch (N <= 4) ok: worst abs error %s\n" "$name" "$worst"
  else
    printf "%-32s open batch FAIL\n%s\n" "$name" "$out"
    fail=1
  fi
done
exit $fail
