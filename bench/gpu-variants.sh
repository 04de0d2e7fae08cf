#!/usr/bin/env bash
#===- bench/gpu-variants.sh - our GPU variants only, checked and timed ----===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
#   bench/gpu-variants.sh DIR [ROUNDS]    on the GPU machine
#
# DIR is a bundle of `bench/run-gpu.sh --compile-only --variant ...`. For
# each model: torch's fp32 outputs made there (gpu_peer.py
# --write-reference), every variant checked against them (cosine >= 0.999,
# the lowest printed), then ROUNDS (3) alternating rounds of every variant
# (autoglm-run --device-io --bench 30 --warmup 10: the back-to-back
# latency, ms). No torch timings: for a short device lease, when only our
# variants are compared (bench/run-gpu.sh times torch too).
set -u
dir="$1"; rounds="${2:-3}"
export LD_LIBRARY_PATH="$dir/lib"
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv,noheader
for md in "$dir"/models/*; do
  m=$(basename "$md"); b=$(cat "$md/batch")
  data="$md/reference"; mkdir -p "$data"
  python3 "$dir/gpu_peer.py" --zoo-script "$dir/export_zoo.py" --model "$m" --art - --run - --batch "$b" --write-reference "$data" >/dev/null 2>&1 || { echo "$m: no reference"; continue; }
  for vd in "$md"/variants/*; do
    v=$(basename "$vd")
    r=$("$dir/bin/autoglm-run" "$vd" --test-data "$data" --min-cosine 0.999 2>&1 | grep -o "cosine [0-9.]*" | sort -k2 -n | head -1)
    echo "$m b$b $v check: ${r:-FAILED}"
  done
  for i in $(seq "$rounds"); do
    line="$m b$b round $i:"
    for vd in "$md"/variants/*; do
      t=$("$dir/bin/autoglm-run" "$vd" --random --bench 30 --warmup 10 --device-io --json 2>/dev/null | python3 -c "import json,sys; print('%.3f' % json.load(sys.stdin)['device_io']['pipelined_ms'])" 2>/dev/null)
      line="$line $(basename "$vd")=${t:-ERR}"
    done
    echo "$line"
  done
done
