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
# Then the wider zoo (scripts/models/export_wide_zoo.py: one model per family
# users bring, exported with torch.onnx.export's defaults) into
# $BUILD/zoo-wide, each compiled at the default -O2 and checked the same way.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AUTOGLM_BUILD_DIR:-$ROOT/build}"
ZOO="${ZOO:-$BUILD/zoo}"
WIDE="${WIDE_ZOO:-$BUILD/zoo-wide}"
"$ROOT/scripts/models/ensure-zoo.sh" "$ZOO" "$WIDE"
fail=0
mkdir -p "$BUILD/zoo-artifacts"
# check LABEL MODEL DATA ART [COMPILE FLAGS...]: compiles MODEL into ART,
# runs it on DATA against torch's outputs, prints one line (and what the
# graph optimizations did, unless -O0); sets fail=1 on any failure.
check() {
  local label=$1 model=$2 data=$3 art=$4 start secs summary out worst
  shift 4
  start=$(date +%s.%N)
  if ! summary=$("$BUILD/bin/autoglm-compile" "$model" -o "$art" "$@" 2> "$art.err"); then
    printf "%-40s FAIL compile: %s\n" "$label" "$(grep -m1 error "$art.err" || head -1 "$art.err")"
    fail=1
    return
  fi
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  if out=$("$BUILD/bin/autoglm-run" "$art" --test-data "$data" --rtol 1e-4 --atol 1e-5 2>&1); then
    worst=$(echo "$out" | grep -oP 'max abs error \K[0-9.e+-]+' | sort -g | tail -1)
    printf "%-40s %6.2f s  ok: %d outputs, worst abs error %s\n" "$label" "$secs" \
      "$(echo "$out" | grep -c ': ok')" "$worst"
    [ -n "$summary" ] && [[ " $* " != *" -O0 "* ]] && echo "    ${summary#autoglm-compile: }"
  else
    printf "%-40s %6.2f s  FAIL\n%s\n" "$label" "$secs" "$out"
    fail=1
  fi
  return 0
}
for d in "$ZOO"/*/; do
  name=$(basename "$d")
  for level in 0 2; do
    art="$BUILD/zoo-artifacts/$name-O$level"
    check "$name -O$level" "$d/model.onnx" "$d/test_data_set_0" "$art" -O$level \
      --report "$art.report.json"
  done
done
for d in "$WIDE"/*/; do
  name=$(basename "$d")
  check "wide: $name" "$d/model.onnx" "$d/test_data_set_0" \
    "$BUILD/zoo-artifacts/wide-$name" --report "$BUILD/zoo-artifacts/wide-$name.report.json"
done
# Open batch: the CNNs with dim 0 of their inputs and outputs made the
# dim_param N (scripts/models/open_batch.py), compiled once for batches up to
# 4 (--max-dim N=4) and run at batch 1 against the same torch reference.
for name in resnet18_op13 resnet18_op17 mobilenet_v2_op13 mobilenet_v2_op17; do
  d="$ZOO/$name"
  [ -f "$d/model.onnx" ] || continue
  art="$BUILD/zoo-artifacts/$name-open-batch"
  /usr/bin/python3 "$ROOT/scripts/models/open_batch.py" "$d/model.onnx" "$art.onnx"
  check "$name open batch (N <= 4)" "$art.onnx" "$d/test_data_set_0" "$art" --max-dim N=4
done
exit $fail
