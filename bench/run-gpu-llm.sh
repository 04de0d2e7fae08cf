#!/usr/bin/env bash
#===- run-gpu-llm.sh - decoder generation on an NVIDIA GPU vs torch -------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
#   bench/run-gpu-llm.sh                 here, with an NVIDIA GPU and torch
#   bench/run-gpu-llm.sh --compile-only  here: write $BUILD/gpu-llm-bench
#   bench/run-gpu-llm.sh --run-only DIR  on the GPU machine (python3 with
#                                        torch, the NVIDIA driver)
#
# Compiles the decoders of scripts/models/export_llm.py (SIZES, default
# "test mini") for cuda-sm90 with enable_cache, twice: `chunk16` (a static
# entry of BATCH rows x 16 tokens: prompts go in chunks of 16, each decode
# step runs 16 token rows per slot) and `token1` (BATCH rows x 1 token:
# decode runs no padding tokens, prompts go one token per call). Then
# bench/gpu_llm.py times them against torch eager fp32 on the same model and
# weights (docs/llm.md, "On the GPU"), alternating rounds, and writes
# DIR/results.{md,json}.
#
# The device lease carries at most 64 MiB a call, so weights.bin files past
# 40 MiB are split into DIR/parts-*/ (one per call: carry DIR/common first,
# then each parts-* folder; --run-only joins them and the runtime checks
# the sha256 against the manifest). Options: SIZES, BATCH (4), ROUNDS (5),
# NEW_TOKENS (64).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AUTOGLM_BUILD_DIR:-$ROOT/build}"
SIZES="${SIZES:-test mini}"
BATCH="${BATCH:-4}"
mode=all
dir="$BUILD/gpu-llm-bench"
case "${1:-}" in
--compile-only) mode=compile ;;
--run-only) mode=run dir="${2:?--run-only takes the folder}" ;;
"") ;;
*)
  echo "usage: $0 [--compile-only | --run-only DIR]" >&2
  exit 2
  ;;
esac

compile() {
  "$ROOT/scripts/build.sh" || return 1
  rm -rf "$dir"
  mkdir -p "$dir/common/models"
  "$ROOT/scripts/gpu-runner-files.sh" "$BUILD" "$dir/common" || return 1
  cp "$ROOT/scripts/models/export_llm.py" "$ROOT/bench/gpu_llm.py" "$ROOT/bench/benchlib.py" \
    "$dir/common/"
  for size in $SIZES; do
    local src="$BUILD/llm/$size"
    [ -f "$src/reference.json" ] ||
      /usr/bin/python3 "$ROOT/scripts/models/export_llm.py" --size "$size" --out "$src" \
        --steps 8 || return 1
    local m="$dir/common/models/$size"
    mkdir -p "$m"
    cp "$src/reference.json" "$m/"
    for form in chunk16:16 token1:1; do
      echo "== compile $size ($form) for cuda-sm90"
      "$BUILD/bin/autoglm-compile" "$src/model.onnx" --target cuda-sm90 -O2 --enable-cache \
        --max-batch-size "$BATCH" --max-seq-len 512 --prefill-chunk "${form#*:}" \
        -o "$m/${form%%:*}" || return 1
    done
    # Both forms hold the same weights: one copy, split for the lease.
    cmp -s "$m/chunk16/weights.bin" "$m/token1/weights.bin" || {
      echo "the two forms' weights differ"
      return 1
    }
    rm "$m/token1/weights.bin"
    if [ "$(stat -c %s "$m/chunk16/weights.bin")" -gt $((40 << 20)) ]; then
      split -b 40M -d "$m/chunk16/weights.bin" "$dir/weights-$size.part"
      rm "$m/chunk16/weights.bin"
      for p in "$dir/weights-$size.part"*; do
        mkdir -p "$dir/parts-$size-${p##*.part}"
        mv "$p" "$dir/parts-$size-${p##*.part}/"
      done
    fi
  done
  echo "run-gpu-llm: $dir: carry common first, then each parts-* folder"
  du -sh "$dir"/* | sed 's/^/  /'
}

run() {
  export LD_LIBRARY_PATH="$dir/common/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  for m in "$dir"/common/models/*/; do
    local size
    size=$(basename "$m")
    if [ ! -f "$m/chunk16/weights.bin" ]; then
      # shellcheck disable=SC2046
      cat $(ls "$dir"/parts-"$size"-*/weights-"$size".part* | sort) >"$m/chunk16/weights.bin" ||
        return 1
    fi
    ln -sf ../chunk16/weights.bin "$m/token1/weights.bin"
  done
  python3 "$dir/common/gpu_llm.py" --dir "$dir/common" --run "$dir/common/bin/autoglm-run" \
    --rounds "${ROUNDS:-5}" --new-tokens "${NEW_TOKENS:-64}" --batch "$BATCH"
}

case $mode in
compile) compile ;;
run) run ;;
all) compile && run ;;
esac
