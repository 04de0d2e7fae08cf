# Cross-compiles the runtime and autoglm-run for 64-bit Arm Linux with
# clang-22 / lld-22 against Debian's cross libc (libc6-dev-arm64-cross,
# libstdc++-12-dev-arm64-cross) and the arm64 multiarch libraries it links
# (libssl-dev:arm64, libprotobuf-dev:arm64, libfmt-dev:arm64);
# scripts/install-deps.sh --cross installs them. Programs run under
# qemu-aarch64 (CMAKE_CROSSCOMPILING_EMULATOR).
set(AUTOGLM_CROSS_TRIPLE aarch64-linux-gnu)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
