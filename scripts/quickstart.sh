#!/usr/bin/env bash
#===- quickstart.sh - build, compile the example model, run it ------------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Builds Open-AutoGLM, compiles the bundled example (a digits CNN,
# examples/digits) for this CPU, runs it over its committed test split and
# prints what the toolchain did, with the compressed variants (int8, pruned)
# beside fp32 and the same model compiled for the GPU targets.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AUTOGLM_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/build.sh"

EX="$ROOT/examples/digits"
OUT="$BUILD/quickstart"
ART="$OUT/digits"
mkdir -p "$OUT"
echo
echo "== 1. Import: $EX/model.onnx"
"$BUILD/bin/autoglm-opt" "$EX/model.onnx" --print-op-stats -o "$OUT/digits.mlir" \
  2> "$OUT/op-stats.txt"
echo "autoglm ops after import:"
grep -E '^\s+autoglm\.' "$OUT/op-stats.txt" | sed 's/^\s*/    /'

echo
echo "== 2. Compile for this CPU (-O2): $ART"
start=$(date +%s.%N)
"$BUILD/bin/autoglm-compile" "$EX/model.onnx" -o "$ART" -O2
end=$(date +%s.%N)
printf "compiled in %.2f s; target %s\n" "$(echo "$end - $start" | bc)" \
  "$(grep -oP '"cpu": "\K[^"]+' "$ART/manifest.json")"
printf "model.onnx %d bytes -> model.so %d bytes (weights %s bytes)\n" \
  "$(stat -c %s "$EX/model.onnx")" "$(stat -c %s "$ART/model.so")" \
  "$(grep -oP '"weights_bytes": \K[0-9]+' "$ART/manifest.json")"

echo
echo "== 3. Run over the test split (360 digits, one call each)"
"$BUILD/bin/autoglm-run" "$ART" --dataset "$EX/test_split/inputs.pb" \
  --labels "$EX/test_split/labels.pb" --bench 200 --warmup 20
echo "recorded fp32 accuracy (torch): $(grep -oP '"fp32_accuracy": \K[0-9.]+' "$EX/accuracy.json" | cut -c1-6)"

echo
echo "== 4. Compress: static int8 (calibrated on 128 training samples, examples/digits/calib_split),"
echo "      pruning (50% of the weights by magnitude; 50% of the channels, the model shrinks;"
echo "      per-group ratios measured on the calibration samples for half the FLOPs)"
"$BUILD/bin/autoglm-compile" "$EX/model.onnx" -o "$OUT/digits-int8" -O2 --quantize int8 \
  --calib "$EX/calib_split/inputs.pb" --report "$OUT/int8-report.json" \
  --report-html "$OUT/int8-report.html" 2> "$OUT/calibration.log" \
  > /dev/null || { cat "$OUT/calibration.log"; exit 1; }
tail -1 "$OUT/calibration.log"
"$BUILD/bin/autoglm-compile" "$EX/model.onnx" -o "$OUT/digits-u50" -O2 --prune unstructured:0.5 \
  2> "$OUT/prune.log" > /dev/null || { cat "$OUT/prune.log"; exit 1; }
grep -o 'pruned .*' "$OUT/prune.log"
"$BUILD/bin/autoglm-compile" "$EX/model.onnx" -o "$OUT/digits-s50" -O2 --prune structured:0.5 \
  --report "$OUT/prune-report.json" --report-html "$OUT/prune-report.html" \
  2> "$OUT/prune.log" > /dev/null || { cat "$OUT/prune.log"; exit 1; }
grep -o 'pruned .*' "$OUT/prune.log"
"$BUILD/bin/autoglm-compile" "$EX/model.onnx" -o "$OUT/digits-auto" -O2 --prune structured:auto \
  --prune-target flops=0.5 --prune-criterion act --calib "$EX/calib_split/inputs.pb" \
  --report-html "$OUT/prune-auto-report.html" \
  2> "$OUT/prune.log" > /dev/null || { cat "$OUT/prune.log"; exit 1; }
grep -o 'pruning allocation: [0-9].*' "$OUT/prune.log"
row() { # name artifact
  local out
  out="$("$BUILD/bin/autoglm-run" "$2" --dataset "$EX/test_split/inputs.pb" \
    --labels "$EX/test_split/labels.pb" --bench 200 --warmup 20)"
  printf "%-22s %12s %16s %20s\n" "$1" "$(stat -c %s "$2/model.so")" \
    "$(echo "$out" | grep -oP 'accuracy: \K[0-9/]+')" \
    "$(echo "$out" | grep -oP 'over 200 runs: median \K[0-9.]+ ms')"
}
printf "%-22s %12s %16s %20s\n" "" "model.so B" "test accuracy" "latency (median)"
row fp32 "$ART"
row int8 "$OUT/digits-int8"
row "unstructured:0.5" "$OUT/digits-u50"
row "structured:0.5" "$OUT/digits-s50"
row "structured:auto" "$OUT/digits-auto"
echo "per-layer scales, zero points and weight SQNR: $OUT/int8-report.html (.json)"
echo "per-layer weights and FLOPs before / after pruning: $OUT/prune-report.html (.json)"
echo "structured:auto: per-group ratios for half the FLOPs, channels ranked by their measured"
echo " activations (--prune-criterion act), sensitivity curves: $OUT/prune-auto-report.html"
echo "(structured:0.5 loses accuracy until fine-tuned: --emit pruned-onnx, then"
echo " examples/digits/finetune.py distills it from the fp32 model; docs/pruning.md: 355/360)"
if grep -q avx512_vnni /proc/cpuinfo; then
  echo "(int8 convs and linears run as AVX512-VNNI vpdpbusd register kernels on this CPU)"
else
  echo "(this CPU has no AVX512-VNNI: int8 contractions run as int32 loops, smaller but not faster)"
fi

echo
echo "== 5. The same model for the GPU targets (docs/gpu.md; they run elsewhere)"
for t in cuda-sm90 hygon-dcu; do
  "$BUILD/bin/autoglm-compile" "$EX/model.onnx" -o "$OUT/digits-$t" -O2 --target "$t" ||
    exit 1
  lib=$(grep -oP '"library": "\K[^"]+' "$OUT/digits-$t/manifest.json")
  python3 - "$OUT/digits-$t/manifest.json" "$t" "$lib" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
g = m["gpu"]
line = (f"{sys.argv[2]:10} {sys.argv[3]}: {len(g['kernels'])} kernels, {len(g['launches'])} "
        f"launches, weights {g['weights_bytes']} bytes, arena {g['arena_bytes']} bytes")
if "validation" in g:
    k = g["validation"]["kernels"]
    line += (f"; code object read back: wavefront 64, <= {max(x['vgpr'] for x in k)} VGPRs, "
             f"<= {max(x['sgpr'] for x in k)} SGPRs")
print(line)
PY
done
echo "(cuda-sm90 runs on an NVIDIA GPU: scripts/test-gpu.sh; hygon-dcu is compiled and validated)"
