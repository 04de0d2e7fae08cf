# Shared part of the Linux cross toolchain files: AUTOGLM_CROSS_TRIPLE is the
# Debian multiarch triple (aarch64-linux-gnu, arm-linux-gnueabihf,
# riscv64-linux-gnu).
set(CMAKE_SYSTEM_NAME Linux)
string(REGEX MATCH "^[^-]+" CMAKE_SYSTEM_PROCESSOR ${AUTOGLM_CROSS_TRIPLE})
set(CMAKE_C_COMPILER clang-22)
set(CMAKE_CXX_COMPILER clang++-22)
set(CMAKE_C_COMPILER_TARGET ${AUTOGLM_CROSS_TRIPLE})
set(CMAKE_CXX_COMPILER_TARGET ${AUTOGLM_CROSS_TRIPLE})
# Debian's cross layout is found through the gcc toolchain (no --sysroot).
set(CMAKE_C_FLAGS_INIT "--gcc-toolchain=/usr")
set(CMAKE_CXX_FLAGS_INIT "--gcc-toolchain=/usr")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-fuse-ld=lld")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-fuse-ld=lld")
set(CMAKE_LIBRARY_ARCHITECTURE ${AUTOGLM_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH /usr/${AUTOGLM_CROSS_TRIPLE} /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-${CMAKE_SYSTEM_PROCESSOR} -L /usr/${AUTOGLM_CROSS_TRIPLE})
# pkg-config (FindOpenSSL uses it) must read the target's .pc files.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${AUTOGLM_CROSS_TRIPLE}/pkgconfig:/usr/share/pkgconfig)
