#!/usr/bin/env bash
#===- test.sh - build and run every test ----------------------------------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# GoogleTest units, the lit suite (check-autoglm), the ONNX import sweep and
# the ONNX conformance run (compile + run + compare, libonnx-testdata), and
# the same with every input extent open (--open-inputs), and on the
# aarch64-linux and armv7-linux targets under qemu-user (their runtime and
# autoglm-run are cross-built first by scripts/build-cross.sh; lit uses them
# too), and compiled for the GPU targets (cuda-sm90: they run on a GPU
# machine with scripts/test-gpu.sh, which this machine need not have;
# hygon-dcu: compiled and validated), and a fixed share of it on each
# emulated target: half on aarch64-linux / armv7-linux (qemu-user), a
# quarter on cortex-m4 / cortex-m55 (each case's image under
# qemu-system-arm) and riscv64-linux (qemu-riscv64, scalar and RVV); the
# whole suite there: scripts/test-qemu.sh. Each step's header says when it started (seconds
# since the start). Ends with one line: "N passed, N failed".
#
#   scripts/test.sh --sanitize   the same code built with ASan and UBSan
#                                (build-asan/, AUTOGLM_SANITIZE; any report
#                                fails its test): units, lit, the import sweep
#                                and the host conformance run
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sanitize=0
if [ "${1:-}" = --sanitize ]; then
  sanitize=1
  export AUTOGLM_BUILD_DIR="${AUTOGLM_BUILD_DIR:-$ROOT/build-asan}"
  export AUTOGLM_BUILD_TYPE=RelWithDebInfo
  export AUTOGLM_CMAKE_ARGS="-DAUTOGLM_SANITIZE=address,undefined"
  # Leaks are reported too; UBSan's reports are fatal (-fno-sanitize-recover)
  # and show their stack. LLVM's headers poison and unpoison allocator
  # memory when built with ASan, Debian's (uninstrumented) LLVM libraries
  # do not: user poisoning is off, or their inline copies disagree (false
  # use-after-poison reports inside MLIRContext).
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allow_user_poisoning=0}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
elif [ -n "${1:-}" ]; then
  echo "usage: scripts/test.sh [--sanitize]" >&2
  exit 2
fi
BUILD="${AUTOGLM_BUILD_DIR:-$ROOT/build}"
JOBS="${AUTOGLM_TEST_JOBS:-$(nproc)}"

"$ROOT/scripts/build.sh" || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
# The cross targets' runtime and autoglm-run (lit runs them under qemu-user).
for t in aarch64-linux armv7-linux; do
  "$ROOT/scripts/build-cross.sh" "$t" ||
    { echo "cross build failed ($t)"; echo "0 passed, 1 failed"; exit 1; }
done

passed=0
failed=0
# step TITLE: a step's header, with the seconds since the start.
step() { echo "== $* [${SECONDS}s]"; }
log="$BUILD/test-logs"
mkdir -p "$log"

# add_counts RC PASSED FAILED: a step that failed without counting a failure
# still counts as one.
add_counts() {
  local rc=$1 p=${2:-0} f=${3:-0}
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f))
}

step "unit tests (GoogleTest)"
"$BUILD/bin/AutoGLMUnitTests" --gtest_brief=1 | tee "$log/unit.txt"
rc=${PIPESTATUS[0]}
add_counts "$rc" "$(grep -oP '\[  PASSED  \] \K[0-9]+' "$log/unit.txt" || echo 0)" \
  "$(grep -oP '\[  FAILED  \] \K[0-9]+(?= test)' "$log/unit.txt" | head -1 || echo 0)"

step "lit (check-autoglm)"
/usr/lib/llvm-22/bin/lit -sv -j "$JOBS" "$BUILD/test" | tee "$log/lit.txt"
rc=${PIPESTATUS[0]}
add_counts "$rc" "$(grep -oP '^\s*Passed\s*:\s*\K[0-9]+' "$log/lit.txt" || echo 0)" \
  "$(grep -oP '^\s*Failed\s*:\s*\K[0-9]+' "$log/lit.txt" || echo 0)"

if [ $sanitize = 0 ]; then
# The fuzz targets' CI runs (test/fuzz, scripts/fuzz.sh): 30 structural
# mutants of every seed model through the importer and the pipeline, and
# 20,000 libFuzzer inputs into the artifact loader, the tensor binding and
# the build-config reader. (Left out, saying so, where clang has no
# libFuzzer: ctest then finds no fuzz tests.)
step "fuzz sweeps and smoke runs (ctest fuzz-)"
ctest --test-dir "$BUILD" -R '^fuzz-' --output-on-failure | tee "$log/fuzz.txt"
rc=${PIPESTATUS[0]}
fuzz_total="$(grep -oP 'tests passed, [0-9]+ tests failed out of \K[0-9]+' "$log/fuzz.txt" || echo 0)"
fuzz_failed="$(grep -oP 'tests passed, \K[0-9]+(?= tests failed)' "$log/fuzz.txt" || echo 0)"
if [ "$fuzz_total" -eq 0 ]; then
  echo "fuzz: no fuzz targets in this build (clang without libFuzzer: libclang-rt-22-dev)"
fi
add_counts "$rc" "$((fuzz_total - fuzz_failed))" "$fuzz_failed"
fi

step "ONNX import sweep (libonnx-testdata)"
python3 "$ROOT/test/conformance/import_sweep.py" --opt "$BUILD/bin/autoglm-opt" \
  --jobs "$JOBS" | tee "$log/import-sweep.txt"
rc=${PIPESTATUS[0]}
add_counts "$rc" "$(grep -oP '^import: \K[0-9]+(?= passed)' "$log/import-sweep.txt" || echo 0)" \
  "$(grep -oP '^import: [0-9]+ passed, \K[0-9]+(?= failed)' "$log/import-sweep.txt" || echo 0)"

# Every input and output is bound flush against an inaccessible page
# (autoglm-run --guard-pages): a kernel that reads or writes past a buffer
# faults and fails its case (results are computed in the caller's buffers).
step "ONNX conformance (compile, run, compare; host CPU)"
python3 "$ROOT/test/conformance/conformance.py" --run-arg=--guard-pages \
  --compile "$BUILD/bin/autoglm-compile" --run "$BUILD/bin/autoglm-run" \
  --opt "$BUILD/bin/autoglm-opt" --cache "$BUILD/conformance-cache" \
  --report "$log/conformance.json" --jobs "$JOBS" | tee "$log/conformance.txt"
rc=${PIPESTATUS[0]}
add_counts "$rc" "$(grep -oP '^conformance: \K[0-9]+(?= passed)' "$log/conformance.txt" || echo 0)" \
  "$(grep -oP '^conformance: [0-9]+ passed, \K[0-9]+(?= failed)' "$log/conformance.txt" || echo 0)"

if [ $sanitize = 1 ]; then
  # The cross, GPU and microcontroller runs execute code the sanitizers do
  # not see (generated libraries, emulators): the normal run covers them.
  echo "$passed passed, $failed failed (sanitized: ASan + UBSan)"
  [ "$failed" -eq 0 ]
  exit
fi

step "ONNX conformance with every input extent open (--open-inputs)"
python3 "$ROOT/test/conformance/conformance.py" --open-inputs --run-arg=--guard-pages \
  --compile "$BUILD/bin/autoglm-compile" --run "$BUILD/bin/autoglm-run" \
  --opt "$BUILD/bin/autoglm-opt" --cache "$BUILD/conformance-cache" \
  --report "$log/conformance-open.json" --jobs "$JOBS" | tee "$log/conformance-open.txt"
rc=${PIPESTATUS[0]}
add_counts "$rc" \
  "$(grep -oP '^conformance \(open inputs\): \K[0-9]+(?= passed)' "$log/conformance-open.txt" || echo 0)" \
  "$(grep -oP '^conformance \(open inputs\): [0-9]+ passed, \K[0-9]+(?= failed)' "$log/conformance-open.txt" || echo 0)"

# The GPU targets: every case the host passes (less the target's exceptions
# file) must compile here; cuda-sm90's run on an NVIDIA GPU with
# scripts/test-gpu.sh, hygon-dcu's code objects are validated as they are
# written (no DCU anywhere: docs/gpu.md).
for t in cuda-sm90 hygon-dcu; do
  step "ONNX conformance compiled for $t (compile and validate only; no GPU here)"
  python3 "$ROOT/test/conformance/conformance.py" --target "$t" --phase compile \
    --bundle "$BUILD/conformance-bundle-$t" \
    --compile "$BUILD/bin/autoglm-compile" --cache "$BUILD/conformance-cache-$t" \
    --jobs "$JOBS" | tee "$log/conformance-$t.txt"
  rc=${PIPESTATUS[0]}
  add_counts "$rc" \
    "$(grep -oP "^conformance \($t\): \K[0-9]+(?= compiled)" "$log/conformance-$t.txt" || echo 0)" \
    "$(grep -oP "^conformance \($t\): [0-9]+ compiled, \K[0-9]+(?= failed)" "$log/conformance-$t.txt" || echo 0)"
done

# The emulated targets, each held to the host's expectations less its
# exceptions file: aarch64-linux and armv7-linux (the cross-built
# autoglm-run under qemu-user) and the targets with no runtime of their own
# (cortex-m4, cortex-m55, riscv64-linux scalar and RVV: each case linked
# into a program and run under qemu). Here a fixed share of the suite on
# each: every case runs on one of the two Arm Linux targets and on one of
# the four others (scripts/test-qemu.sh: the whole suite on every one,
# ~1.5 hours on 2 cores).
step "ONNX conformance on the emulated targets (scripts/test-qemu.sh --ci)"
"$ROOT/scripts/test-qemu.sh" --ci | tee "$log/qemu.txt"
rc=${PIPESTATUS[0]}
add_counts "$rc" "$(grep -oP '^\K[0-9]+(?= passed, [0-9]+ failed$)' "$log/qemu.txt" || echo 0)" \
  "$(grep -oP '^[0-9]+ passed, \K[0-9]+(?= failed$)' "$log/qemu.txt" || echo 0)"

echo "test.sh: ${SECONDS}s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
