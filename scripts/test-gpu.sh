#!/usr/bin/env bash
#===- test-gpu.sh - the GPU tests (NVIDIA, --target cuda-sm90) -------------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
#   scripts/test-gpu.sh                 build, compile the GPU bundle and run it
#                                       (needs an NVIDIA GPU and its driver here)
#   scripts/test-gpu.sh --compile-only  build and write the bundle only
#                                       ($AUTOGLM_BUILD_DIR/gpu-bundle, default build/)
#   scripts/test-gpu.sh --run-only DIR  run a bundle on a GPU machine; needs only
#                                       python3 and the NVIDIA driver there
#
# The bundle holds autoglm-run and the shared libraries it needs, the
# bundled example compiled for cuda-sm90 with its test split, and every ONNX
# conformance case compiled for cuda-sm90 with its data sets (conformance.py
# --phase compile), and small matmuls of odd extents compiled with
# --precision bf16 (scripts/models/make_mma_cases.py, float64 references),
# and the test decoder with its KV cache in the runtime (enable_cache; the
# static GPU entry, docs/llm.md) in three geometries.
# Running it checks the example's accuracy and its logits against torch's,
# the matmuls by cosine similarity, runs the conformance cases against the ONNX reference
# outputs (held to the host's expectations less exceptions_cuda-sm90.txt),
# and times the example. Without a GPU the run says so by name and fails.
# Ends with one line: "N passed, N failed".
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AUTOGLM_BUILD_DIR:-$ROOT/build}"
TARGET=cuda-sm90
mode=all
bundle="$BUILD/gpu-bundle"
case "${1:-}" in
--compile-only) mode=compile ;;
--run-only)
  mode=run
  bundle="${2:?--run-only takes the bundle folder}"
  ;;
"") ;;
*)
  echo "usage: $0 [--compile-only | --run-only DIR]" >&2
  exit 2
  ;;
esac

compile_bundle() {
  "$ROOT/scripts/build.sh" || { echo "build failed"; return 1; }
  rm -rf "$bundle"
  mkdir -p "$bundle/digits"
  "$ROOT/scripts/gpu-runner-files.sh" "$BUILD" "$bundle" || return 1
  cp "$ROOT/test/conformance/conformance.py" "$ROOT/test/conformance/expected_pass.txt" \
    "$ROOT/test/conformance/exceptions_$TARGET.txt" "$bundle/"
  echo "== compile the example for $TARGET"
  "$BUILD/bin/autoglm-compile" "$ROOT/examples/digits/model.onnx" --target "$TARGET" \
    -o "$bundle/digits/artifact" || return 1
  cp "$ROOT/examples/digits/test_split/"*.pb "$bundle/digits/"
  echo "== compile the tensor-core matmul cases (--precision bf16, odd extents)"
  /usr/bin/python3 "$ROOT/scripts/models/make_mma_cases.py" "$bundle/mma" || return 1
  for c in "$bundle"/mma/*/; do
    "$BUILD/bin/autoglm-compile" "$c/model.onnx" --target "$TARGET" --precision bf16 \
      -o "$c/artifact" >/dev/null || return 1
  done
  echo "== compile the test decoder (enable_cache) for $TARGET"
  local llm="$ROOT/test/Runtime/Inputs/llm"
  mkdir -p "$bundle/llm"
  cp "$llm/reference.json" "$bundle/llm/"
  "$BUILD/bin/autoglm-compile" --config "$llm/llm.yaml" --target "$TARGET" \
    -o "$bundle/llm/slots4" || return 1
  "$BUILD/bin/autoglm-compile" --config "$llm/llm.yaml" --target "$TARGET" \
    --prefill-chunk 4 --max-batch-size 2 -o "$bundle/llm/chunk4" || return 1
  "$BUILD/bin/autoglm-compile" --config "$llm/llm.yaml" --target "$TARGET" \
    --prefill-chunk 1 -o "$bundle/llm/token1" || return 1
  echo "== compile the conformance cases for $TARGET"
  python3 "$ROOT/test/conformance/conformance.py" --compile "$BUILD/bin/autoglm-compile" \
    --target "$TARGET" --cache "$BUILD/conformance-cache-$TARGET" --phase compile \
    --bundle "$bundle/conformance" || return 1
  echo "test-gpu: bundle written to $bundle ($(du -sh "$bundle" | cut -f1))"
}

run_bundle() {
  local passed=0 failed=0
  if ! ldconfig -p 2>/dev/null | grep -q 'libcuda.so.1' &&
    ! [ -e /usr/lib/x86_64-linux-gnu/libcuda.so.1 ]; then
    echo "test-gpu: no NVIDIA driver here (libcuda.so.1 not found): the GPU tests did not run"
    echo "0 passed, 1 failed"
    return 1
  fi
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  export LD_LIBRARY_PATH="$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  local run="$bundle/bin/autoglm-run" d="$bundle/digits"

  echo "== the example on the GPU: accuracy (356/360 on the CPU, examples/digits/accuracy.json)"
  out=$("$run" "$d/artifact" --dataset "$d/inputs.pb" --labels "$d/labels.pb" 2>&1)
  echo "$out"
  if grep -q 'accuracy: 356/360' <<<"$out"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

  echo "== the example on the GPU: logits vs torch's (rtol 1e-3, atol 1e-4)"
  out=$("$run" "$d/artifact" --dataset "$d/inputs.pb" --labels "$d/labels.pb" \
    --dataset-expect "$d/logits.pb" --rtol 1e-3 --atol 1e-4 2>&1)
  echo "$out"
  if grep -q 'logits.pb: ok' <<<"$out"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

  echo "== tensor-core matmuls (bf16, odd extents) vs float64 numpy: cosine >= 0.999"
  for c in "$bundle"/mma/*/; do
    if "$run" "$c/artifact" --test-data "$c/test_data_set_0" --min-cosine 0.999; then
      passed=$((passed + 1))
    else
      echo "FAIL: $(basename "$c")"
      failed=$((failed + 1))
    fi
  done

  echo "== the test decoder on the GPU: torch's 32 greedy tokens for 4 prompts"
  for a in slots4 chunk4 token1; do
    for how in "" --sequential; do
      echo "-- $a ${how:-together}"
      # shellcheck disable=SC2086
      out=$("$run" "$bundle/llm/$a" --generate --reference "$bundle/llm/reference.json" $how 2>&1)
      echo "$out" | tail -4
      if [ "$(grep -c '(matches the reference)' <<<"$out")" = 4 ]; then
        passed=$((passed + 1))
      else
        echo "FAIL: llm $a ${how:-together}"
        failed=$((failed + 1))
      fi
    done
  done

  echo "== the example on the GPU: latency (batch 1)"
  "$run" "$d/artifact" --random --bench 200 --warmup 20 || failed=$((failed + 1))

  echo "== ONNX conformance on the GPU ($TARGET)"
  python3 "$bundle/conformance.py" --phase run --bundle "$bundle/conformance" \
    --run "$run" --target "$TARGET" --expected "$bundle/expected_pass.txt" \
    --jobs "${AUTOGLM_TEST_JOBS:-8}" --report "$bundle/conformance-report.json" |
    tee "$bundle/conformance.txt"
  local rc=${PIPESTATUS[0]}
  local p f
  p=$(grep -oP ': \K[0-9]+(?= passed, [0-9]+ failed \(of the)' "$bundle/conformance.txt" || echo 0)
  f=$(grep -oP ' passed, \K[0-9]+(?= failed \(of the)' "$bundle/conformance.txt" || echo 1)
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p))
  failed=$((failed + f))
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

case $mode in
compile) compile_bundle ;;
run) run_bundle ;;
all) compile_bundle && run_bundle ;;
esac
