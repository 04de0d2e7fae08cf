#!/usr/bin/env bash
#===- mcu-image.sh - link a program with a model for a Cortex-M board ----===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
#   scripts/mcu-image.sh TARGET ARTIFACT_DIR OUT.elf SOURCE.c [CFLAGS...]
#   scripts/mcu-image.sh --run TARGET IMAGE.elf
#
# Builds a bare-metal image for a cortex-m* target: SOURCE.c (which includes
# the artifact's model.h and calls autoglm_model_run) compiled by clang-22,
# linked by ld.lld-22 with the artifact's model.a, picolibc's semihosting
# crt0 and C library (Debian picolibc-arm-none-eabi), libgcc (Debian
# gcc-arm-none-eabi) and examples/mcu/board.ld.in for the board qemu models.
# Prints the image's section sizes. `--run` runs an image under
# qemu-system-arm with semihosting: its output (on stdout) is the
# program's, its exit status the program's. Nothing here is downloaded.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# target -> clang CPU flags, picolibc multilib, qemu machine, flash and RAM.
board() {
  case "$1" in
  cortex-m4)
    FLAGS="--target=thumbv7em-unknown-none-eabihf -mcpu=cortex-m4 -mfpu=fpv4-sp-d16"
    MULTILIB=thumb/v7e-m+fp/hard MACHINE=mps2-an386
    FLASH=0x00000000:0x400000 RAM=0x20000000:0x400000 ;;
  cortex-m7)
    FLAGS="--target=thumbv7em-unknown-none-eabihf -mcpu=cortex-m7 -mfpu=fpv5-d16"
    MULTILIB=thumb/v7e-m+dp/hard MACHINE=mps2-an500
    FLASH=0x00000000:0x400000 RAM=0x20000000:0x400000 ;;
  cortex-m33)
    FLAGS="--target=thumbv8m.main-unknown-none-eabihf -mcpu=cortex-m33 -mfpu=fpv5-sp-d16"
    MULTILIB=thumb/v8-m.main+fp/hard MACHINE=mps2-an505
    FLASH=0x10000000:0x200000 RAM=0x38000000:0x200000 ;;
  cortex-m55)
    # picolibc's v8.1-m.main+mve multilib is integer MVE: its crt0 leaves
    # the FPU off. The Armv8-M Mainline FP one (M55 runs its code) turns it on.
    FLAGS="--target=thumbv8.1m.main-unknown-none-eabihf -mcpu=cortex-m55"
    MULTILIB=thumb/v8-m.main+fp/hard MACHINE=mps3-an547
    FLASH=0x10000000:0x80000 RAM=0x31000000:0x400000 ;;
  *)
    echo "mcu-image: unknown target '$1' (cortex-m4, cortex-m7, cortex-m33, cortex-m55)" >&2
    exit 2 ;;
  esac
}

if [ "${1:-}" = "--run" ]; then
  board "${2:?--run TARGET IMAGE}"
  # qemu writes the program's semihosting output to its stderr: onto stdout.
  exec timeout 600 qemu-system-arm -M "$MACHINE" -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -kernel "${3:?--run TARGET IMAGE}" 2>&1
fi

TARGET="${1:?usage: $0 TARGET ARTIFACT_DIR OUT.elf SOURCE.c [CFLAGS...]}"
ARTIFACT="${2:?}" OUT="${3:?}" SOURCE="${4:?}"
shift 4
board "$TARGET"
PICO=/usr/lib/picolibc/arm-none-eabi
LIBGCC="$(ls -d /usr/lib/gcc/arm-none-eabi/*/"$MULTILIB" 2>/dev/null | head -1)"
for need in "$PICO/lib/$MULTILIB/libc.a" "$LIBGCC/libgcc.a"; do
  [ -e "$need" ] || { echo "mcu-image: $need is missing (Debian: picolibc-arm-none-eabi)" >&2; exit 1; }
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sed -e "s/@FLASH_ORIGIN@/${FLASH%%:*}/; s/@FLASH_LENGTH@/${FLASH##*:}/" \
  -e "s/@RAM_ORIGIN@/${RAM%%:*}/; s/@RAM_LENGTH@/${RAM##*:}/" \
  "$ROOT/examples/mcu/board.ld.in" > "$work/board.ld"
# shellcheck disable=SC2086
clang-22 $FLAGS -mfloat-abi=hard -O2 -ffunction-sections -fdata-sections -ffreestanding \
  -nostdlibinc -isystem "$PICO/include" -I "$ARTIFACT" "$@" -c "$SOURCE" -o "$work/main.o"
ld.lld-22 -T "$work/board.ld" --gc-sections -o "$OUT" "$PICO/lib/$MULTILIB/crt0-semihost.o" \
  "$work/main.o" "$ARTIFACT/model.a" -L "$PICO/lib/$MULTILIB" -L "$LIBGCC" \
  --start-group -lc -lsemihost -lm -lgcc --end-group
llvm-size-22 -A "$OUT" | awk '$1 ~ /^\.(init|text|rodata|data|tdata|bss|tbss)$/ {print}'
