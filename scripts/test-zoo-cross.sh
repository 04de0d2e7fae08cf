#!/usr/bin/env bash
#===- test-zoo-cross.sh - the model zoo on the cross targets, under qemu --===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
#   scripts/test-zoo-cross.sh [TARGET...]
#
# Long (tens of minutes: full-size models under emulation), so not in CI.
# Exports the zoo as torch.onnx.export writes it (scripts/models/export_zoo.py,
# needs torch: scripts/models/install-deps.sh) when $BUILD/zoo is missing,
# then compiles every zoo model for each TARGET (default: aarch64-linux
# armv7-linux riscv64-linux riscv64-linux+v cortex-m4 cortex-m55) and runs
# its test_data_set_0 against torch's outputs (rtol 1e-3, atol 1e-4):
# aarch64 / armv7 with their cross-built autoglm-run under qemu-user,
# riscv64 with scripts/qemu-run.py (riscv64-linux+v: RVV at VLEN 256).
# The zoo's weights (6 to 47 MB) do not fit the emulated microcontroller
# boards' flash, so cortex-m* targets compile them and report code, rodata
# and arena bytes. ONLY=REGEX picks zoo models. Ends with "N passed, N failed".
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AUTOGLM_BUILD_DIR:-$ROOT/build}"
ZOO="$BUILD/zoo"
targets=("$@")
[ ${#targets[@]} -eq 0 ] &&
  targets=(aarch64-linux armv7-linux riscv64-linux riscv64-linux+v cortex-m4 cortex-m55)

"$ROOT/scripts/build.sh" || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
if [ ! -d "$ZOO" ]; then
  "$ROOT/scripts/models/install-deps.sh" &&
    /usr/bin/python3 "$ROOT/scripts/models/export_zoo.py" --out "$ZOO" ||
    { echo "zoo export failed"; echo "0 passed, 1 failed"; exit 1; }
fi

passed=0
failed=0
for t in "${targets[@]}"; do
  target="${t%+v}"
  flags=()
  run=()
  export AUTOGLM_QEMU_CPU=""
  case "$t" in
  aarch64-linux | armv7-linux)
    "$ROOT/scripts/build-cross.sh" "$t" > /dev/null || { echo "cross build failed ($t)"; exit 1; }
    read -r -a emulator <<< "$("$BUILD/bin/autoglm-compile" --list-targets |
      awk -v t="$t" '$1 == t' | grep -oP 'qemu-\S+ -L \S+$')"
    run=("${emulator[@]}" "$BUILD/cross/$t/bin/autoglm-run") ;;
  riscv64-linux+v)
    flags=(--target-features +a,+c,+d,+f,+m,+zicsr,+zifencei,+v)
    AUTOGLM_QEMU_CPU=rv64,v=true,vlen=256
    run=(/usr/bin/python3 "$ROOT/scripts/qemu-run.py") ;;
  riscv64-linux) run=(/usr/bin/python3 "$ROOT/scripts/qemu-run.py") ;;
  cortex-m*) ;;
  *) echo "test-zoo-cross: unknown target $t" >&2; exit 2 ;;
  esac
  echo "== zoo on $t"
  mkdir -p "$BUILD/zoo-cross/$t"
  for dir in "$ZOO"/*/; do
    name="$(basename "$dir")"
    [[ -n "${ONLY:-}" && ! "$name" =~ ${ONLY} ]] && continue
    art="$BUILD/zoo-cross/$t/$name"
    start=$(date +%s)
    if ! "$BUILD/bin/autoglm-compile" "$dir/model.onnx" --target "$target" "${flags[@]}" \
      -o "$art" > "$art.log" 2>&1; then
      echo "$t $name: FAIL compile: $(grep -m1 error "$art.log")"
      failed=$((failed + 1))
      continue
    fi
    if [[ "$t" == cortex-m* ]]; then
      sizes="$(/usr/bin/python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
c = j["code_size"]
print("text %d, rodata %d, arena %d bytes" % (c["text"], c["rodata"], j["memory"]["arena_bytes"]))' \
        "$art/manifest.json")"
      echo "$t $name: builds ($sizes)"
      passed=$((passed + 1))
      continue
    fi
    data="$dir/test_data_set_0"
    inputs=()
    for f in $(ls "$data"/input_*.pb | sort -V); do inputs+=(--input "$f"); done
    if out="$("${run[@]}" "$art" "${inputs[@]}" --expect "$data" --rtol 1e-3 --atol 1e-4 2>&1)"; then
      echo "$t $name: ok ($(($(date +%s) - start)) s)"
      passed=$((passed + 1))
    else
      echo "$t $name: FAIL $(echo "$out" | grep -m2 -iE 'fail|error' | tr '\n' ' ')"
      failed=$((failed + 1))
    fi
  done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
