# Cross-compiles the runtime and autoglm-run for 32-bit Arm Linux (hard
# float) with clang-22 / lld-22 against Debian's cross libc
# (libc6-dev-armhf-cross, libstdc++-12-dev-armhf-cross) and the armhf
# multiarch libraries (libssl-dev:armhf, libprotobuf-dev:armhf,
# libfmt-dev:armhf); scripts/install-deps.sh --cross installs them. Programs
# run under qemu-arm.
set(AUTOGLM_CROSS_TRIPLE arm-linux-gnueabihf)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
