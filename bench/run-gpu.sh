#!/usr/bin/env bash
#===- run-gpu.sh - the zoo on an NVIDIA GPU against PyTorch --------------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
#   bench/run-gpu.sh [--variant NAME=TUNING]... [MODEL...]
#                                               here, with an NVIDIA GPU and torch
#   bench/run-gpu.sh --compile-only [--variant NAME=TUNING]... [MODEL...]
#                                               here: write $BUILD/gpu-bench
#   bench/run-gpu.sh --run-only DIR             on the GPU machine (python3 with
#                                               torch + torchvision, the driver)
#
# Compiles the zoo models (scripts/models/export_zoo.py, opset 17, batch 1)
# for cuda-sm90; on the GPU each must match its torch reference outputs
# (rtol 1e-3, atol 1e-4), then bench/gpu_peer.py times it against torch
# eager, the eager forward as one CUDA graph, and torch.compile, fp32 and
# bf16, alternating rounds in one process (ours with its inputs and outputs
# on the device and runs back to back, as torch's are timed; also each run
# waited for, and with host buffers); medians and ratios go to
# DIR/results.jsonl and a table on stdout. An artifact of an earlier
# compiler placed at DIR/models/M/baseline is timed in the same rounds
# (baseline_fp32), for before/after figures; so is each --variant, the
# model compiled with --gpu-tuning TUNING, or with the autoglm-compile flags
# TUNING when it starts with '-' (e.g. bf16=--precision=bf16; several flags
# separated by ';', e.g. 'u4=--precision=bf16;--gpu-tuning=lower-reductions{mma-unroll=4 min-threads=8192}'); its weights
# are a link to the artifact's when equal. A variant is checked against torch
# like the artifact (rtol 1e-3, atol 1e-4), one compiled with a --precision
# other than fp32 by cosine similarity >= 0.999 per output. Default models: all six;
# GPU_BENCH_ROUNDS (5) and GPU_BENCH_ITERS (100) set the rounds and the
# inferences timed per round. GPU_BENCH_BATCH=B (at --compile-only) exports
# the models with B samples (into $BUILD/zoo-bB) instead of 1; their test
# data is not carried: on the GPU machine gpu_peer.py --write-reference makes
# the inputs and torch's fp32 outputs there, and the artifacts are checked
# against those.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AUTOGLM_BUILD_DIR:-$ROOT/build}"
ALL="resnet18 mobilenet_v2 vit_l4_h256_p8 bert_l4_h256_s128 gpt_l4_h256_s128_prefill gpt_l4_h256_s128_decode"
mode=all
dir="$BUILD/gpu-bench"
case "${1:-}" in
--compile-only) mode=compile; shift ;;
--run-only) mode=run; dir="${2:?--run-only takes the folder}"; shift 2 ;;
esac
variants=()
while [ "${1:-}" = "--variant" ]; do
  variants+=("${2:?--variant takes NAME=TUNING}")
  shift 2
done
models="${*:-$ALL}"

batch="${GPU_BENCH_BATCH:-1}"
zoo="$BUILD/zoo"
[ "$batch" = 1 ] || zoo="$BUILD/zoo-b$batch"

compile() {
  "$ROOT/scripts/models/ensure-zoo.sh" "$BUILD/zoo" || return 1
  if [ "$batch" != 1 ]; then
    for m in $models; do
      [ -f "$zoo/${m}_op17/model.onnx" ] ||
        /usr/bin/python3 "$ROOT/scripts/models/export_zoo.py" --out "$zoo" --only "$m" \
          --batch "$batch" --opset 17 || return 1
    done
  fi
  rm -rf "$dir"
  mkdir -p "$dir/models"
  "$ROOT/scripts/gpu-runner-files.sh" "$BUILD" "$dir" || return 1
  cp "$ROOT/scripts/models/export_zoo.py" "$ROOT/bench/gpu_peer.py" "$dir/"
  for m in $models; do
    echo "== compile $m for cuda-sm90"
    "$BUILD/bin/autoglm-compile" "$zoo/${m}_op17/model.onnx" --target cuda-sm90 -O2 \
      -o "$dir/models/$m/artifact" || return 1
    # The same weights as a model before it (the GPT prefill and decode
    # steps): a link, so that the folder carries them once.
    for other in "$dir/models"/*/artifact/weights.bin; do
      [ "$other" != "$dir/models/$m/artifact/weights.bin" ] && [ ! -L "$other" ] &&
        cmp -s "$other" "$dir/models/$m/artifact/weights.bin" &&
        ln -sf "../../${other#"$dir/models/"}" "$dir/models/$m/artifact/weights.bin" && break
    done
    echo "$batch" >"$dir/models/$m/batch"
    [ "$batch" != 1 ] || cp -r "$zoo/${m}_op17/test_data_set_0" "$dir/models/$m/"
    for v in ${variants[@]+"${variants[@]}"}; do
      local vd="$dir/models/$m/variants/${v%%=*}"
      local how=(--gpu-tuning "${v#*=}")
      # shellcheck disable=SC2206
      case "${v#*=}" in -*) IFS=';' read -ra how <<<"${v#*=}" ;; esac
      echo "== compile $m, variant ${v%%=*}: ${how[*]}"
      "$BUILD/bin/autoglm-compile" "$zoo/${m}_op17/model.onnx" --target cuda-sm90 -O2 \
        "${how[@]}" -o "$vd" || return 1
      if cmp -s "$vd/weights.bin" "$dir/models/$m/artifact/weights.bin"; then
        ln -sf ../../artifact/weights.bin "$vd/weights.bin"
      fi
    done
  done
  echo "run-gpu: $dir ($(du -sh "$dir" | cut -f1))"
}

run() {
  export LD_LIBRARY_PATH="$dir/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  local fail=0
  : >"$dir/results.jsonl"
  for md in "$dir/models"/*; do
    local m b=1
    m="$(basename "$md")" data="$dir/models/$m/test_data_set_0"
    [ -f "$dir/models/$m/batch" ] && b="$(cat "$dir/models/$m/batch")"
    if [ ! -d "$data" ]; then
      # Batch B: the inputs and torch's outputs made here.
      data="$dir/models/$m/reference"
      mkdir -p "$data"
      echo "== $m, batch $b: torch fp32 reference"
      python3 "$dir/gpu_peer.py" --zoo-script "$dir/export_zoo.py" --model "$m" --art - \
        --run - --batch "$b" --write-reference "$data" || { fail=1; continue; }
    fi
    echo "== $m, batch $b: outputs vs torch (rtol 1e-3, atol 1e-4)"
    if ! "$dir/bin/autoglm-run" "$dir/models/$m/artifact" --test-data "$data" \
      --rtol 1e-3 --atol 1e-4; then
      fail=1
      continue
    fi
    echo "== $m: latency against torch"
    # An artifact of an earlier compiler beside it is timed in the same rounds.
    local baseline="" extra=()
    [ -d "$dir/models/$m/baseline" ] && baseline="$dir/models/$m/baseline"
    for vd in "$dir/models/$m"/variants/*; do
      [ -d "$vd" ] || continue
      local check=(--rtol 1e-3 --atol 1e-4)
      grep -q '"precision"' "$vd/manifest.json" && check=(--min-cosine 0.999)
      echo "== $m, variant $(basename "$vd"): outputs vs torch (${check[*]})"
      if ! "$dir/bin/autoglm-run" "$vd" --test-data "$data" "${check[@]}"; then
        fail=1
        continue
      fi
      extra+=(--variant "$(basename "$vd")=$vd")
    done
    python3 "$dir/gpu_peer.py" --zoo-script "$dir/export_zoo.py" --model "$m" \
      --art "$dir/models/$m/artifact" --run "$dir/bin/autoglm-run" --batch "$b" \
      ${baseline:+--baseline "$baseline"} ${extra[@]+"${extra[@]}"} \
      --rounds "${GPU_BENCH_ROUNDS:-5}" --iters "${GPU_BENCH_ITERS:-100}" | tee -a "$dir/results.jsonl" ||
      fail=1
  done
  python3 - "$dir/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
if any("baseline_fp32" in r.get("ms", {}) for r in rows):
    print("| model | baseline fp32 ms | ours fp32 ms | baseline / ours |")
    print("|---|---|---|---|")
    for r in rows:
        t = r.get("ms", {})
        if "baseline_fp32" in t:
            print(f"| {r['model']} | {t['baseline_fp32']:.3f} | {t['ours_fp32']:.3f} | {t['baseline_fp32'] / t['ours_fp32']:.2f} |")
named = sorted({k for r in rows for k in r.get("ms", {}) if k.startswith("variant:")})
if named:
    print("Variants: ms (ours fp32 / it; it / best torch fp32; it / best torch bf16)")
    print("| model | ours fp32 ms | " + " | ".join(f"{k[8:]}" for k in named) + " |")
    print("|---|---|" + "---|" * len(named))
    for r in rows:
        t = r.get("ms", {})
        vr = r.get("variant_over_best_torch", {})
        if "ours_fp32" in t:
            cells = [f"{t[k]:.3f} ({t['ours_fp32'] / t[k]:.2f}; {vr[k[8:]]['fp32']:.2f}; "
                     f"{vr[k[8:]]['bf16']:.2f})" if k in t and k[8:] in vr else "-" for k in named]
            print(f"| {r['model']} | {t['ours_fp32']:.3f} | " + " | ".join(cells) + " |")
print("ours: device-resident inputs and outputs, runs back to back (as torch is timed); "
      "waited: each run waited for; host I/O: host buffers, copies in and out")
print("| model | batch | ours fp32 ms | waited | host I/O | eager fp32 | graph fp32 | compile fp32 | graph bf16 | compile bf16 | ours / best fp32 | ours / best bf16 |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    if "ms" not in r:
        print(f"| {r['model']} | error: {r.get('error', '')[:80]} |")
        continue
    t = r["ms"]
    print(f"| {r['model']} | {r.get('batch', 1)} | {t['ours_fp32']:.3f} | {t['ours_fp32_sync']:.3f} | "
          f"{t['ours_fp32_host_io']:.3f} | {t['eager_fp32']:.3f} | {t['cuda_graph_fp32']:.3f} | "
          f"{t['compile_fp32']:.3f} | {t['cuda_graph_bf16']:.3f} | {t['compile_bf16']:.3f} | "
          f"{r['ours_over_best_torch_fp32']:.2f} | {r['ours_over_best_torch_bf16']:.2f} |")
PY
  return $fail
}

case $mode in
compile) compile ;;
run) run ;;
all) compile && run ;;
esac
