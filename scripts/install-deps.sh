#!/usr/bin/env bash
#===- install-deps.sh - install the Debian packages the build needs -------===#
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Idempotent: asks apt only for what is missing, and runs `apt-get update` only
# when something is missing. Extra package names on the command line are added
# to the list (scripts that need Python/torch pass theirs). `--cross` adds what
# the cross CPU targets need (docs/targets.md): qemu-user, Debian's cross libc
# and C++ library, and the arm64 multiarch libraries the cross runtime and
# autoglm-run link (the arm64 architecture is added to dpkg for them), and
# for the Cortex-M targets picolibc, arm-none-eabi libgcc and
# qemu-system-arm, and riscv64's cross libc (no multiarch libraries:
# Debian 12 has no riscv64 port).
set -euo pipefail

cross=0
args=()
for a in "$@"; do
  if [ "$a" = "--cross" ]; then cross=1; else args+=("$a"); fi
done
set -- ${args[@]+"${args[@]}"}

PKGS=(
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools lld-22 clang-22 libclang-rt-22-dev
  libonnx-dev libprotobuf-dev protobuf-compiler libcli11-dev libfmt-dev
  nlohmann-json3-dev libgtest-dev libgmock-dev cmake ninja-build ccache
  libonnx-testdata libssl-dev bc python3 python3-numpy python3-onnx libomp-22-dev
  rocm-device-libs
)
PKGS+=("$@")
if [ $cross -eq 1 ]; then
  # The Cortex-M targets' test images: picolibc, libgcc of the Arm embedded
  # GCC (the EABI helpers) and qemu's MPS2 / MPS3 boards.
  PKGS+=(qemu-user qemu-system-arm picolibc-arm-none-eabi gcc-arm-none-eabi
         libc6-dev-riscv64-cross libgcc-12-dev-riscv64-cross)
  for deb in arm64 armhf; do
    PKGS+=("libc6-dev-$deb-cross" "libgcc-12-dev-$deb-cross" "libstdc++-12-dev-$deb-cross"
           "libssl-dev:$deb" "libprotobuf-dev:$deb" "libfmt-dev:$deb")
    if ! dpkg --print-foreign-architectures | grep -qx "$deb"; then
      SUDO_=""; if [ "$(id -u)" -ne 0 ]; then SUDO_=sudo; fi
      $SUDO_ dpkg --add-architecture "$deb"
    fi
  done
fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
# Only refresh the lists when apt cannot find a candidate for something we need.
need_update=0
for p in "${missing[@]}"; do
  cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
  if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then need_update=1; break; fi
done
if [ $need_update -eq 1 ]; then
  $SUDO apt-get update -qq
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
