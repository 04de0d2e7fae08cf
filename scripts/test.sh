#!/usr/bin/env bash
#===- test.sh - build and run every test ----------------------------------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# GoogleTest units, the lit suite (check-autoglm) and the ONNX conformance
# sweeps. Ends with one line: "N passed, N failed".
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AUTOGLM_BUILD_DIR:-$ROOT/build}"
JOBS="${AUTOGLM_TEST_JOBS:-$(nproc)}"

"$ROOT/scripts/build.sh" || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
log="$BUILD/test-logs"
mkdir -p "$log"

echo "== unit tests (GoogleTest)"
"$BUILD/bin/AutoGLMUnitTests" --gtest_brief=1 | tee "$log/unit.txt"
p=$(grep -oP '\[  PASSED  \] \K[0-9]+' "$log/unit.txt" || echo 0)
f=$(grep -oP '\[  FAILED  \] \K[0-9]+(?= test)' "$log/unit.txt" | head -1 || true)
[ "${PIPESTATUS[0]:-0}" -ne 0 ] && [ -z "$f" ] && f=1
passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))

echo "== lit (check-autoglm)"
/usr/lib/llvm-22/bin/lit -sv -j "$JOBS" "$BUILD/test" | tee "$log/lit.txt"
lit_rc=${PIPESTATUS[0]}
p=$(grep -oP '^\s*Passed\s*:\s*\K[0-9]+' "$log/lit.txt" || echo 0)
f=$(grep -oP '^\s*Failed\s*:\s*\K[0-9]+' "$log/lit.txt" || echo 0)
[ "$lit_rc" -ne 0 ] && [ "${f:-0}" -eq 0 ] && f=1
passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))

echo "== ONNX import sweep (libonnx-testdata)"
python3 "$ROOT/test/conformance/import_sweep.py" --opt "$BUILD/bin/autoglm-opt" \
  --jobs "$JOBS" | tee "$log/import-sweep.txt"
sweep_rc=${PIPESTATUS[0]}
p=$(grep -oP '^import: \K[0-9]+(?= passed)' "$log/import-sweep.txt" || echo 0)
f=$(grep -oP '^import: [0-9]+ passed, \K[0-9]+(?= failed)' "$log/import-sweep.txt" || echo 0)
[ "$sweep_rc" -ne 0 ] && [ "${f:-0}" -eq 0 ] && f=1
passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
