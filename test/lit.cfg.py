# -*- Python -*-
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "AUTOGLM"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".onnxtxt", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs",
                   "unit", "conformance"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.autoglm_obj_root, "test")
config.substitutions.append(("%autoglm_src", config.autoglm_src_dir))
config.substitutions.append(("%autoglm_obj", config.autoglm_obj_root))
config.substitutions.append(("%testdata", "/usr/share/libonnx-testdata/data"))
# Debian's Python, with python3-numpy and python3-onnx (scripts/install-deps.sh):
# checks that read ONNX files with the onnx package.
config.substitutions.append(("%python", "/usr/bin/python3"))
# A sanitized build (scripts/test.sh --sanitize): programs the tests link
# with its runtime library need the same sanitizers.
sanitize = getattr(config, "autoglm_sanitize", "")
config.substitutions.append(("%{sanitize}", "-fsanitize=" + sanitize if sanitize else ""))
if sanitize:
    config.available_features.add("sanitized")
# Refusals that must keep to bounded memory run under a 1 GiB address space
# ("%{ulimit-1g}exec TOOL ..." inside sh -c); ASan reserves terabytes of
# shadow address space, so a sanitized build runs them without the limit
# (the error texts are still checked).
config.substitutions.append(("%{ulimit-1g}", "" if sanitize else "ulimit -v 1048576; "))

llvm_config.with_system_environment(["HOME", "TMPDIR"])
llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(["autoglm-opt", "autoglm-compile", "autoglm-run"], [config.autoglm_tools_dir])

# The NVIDIA driver loads here: GPU artifacts can run (cuda-gpu.test), and the
# no-driver path cannot be seen (cuda-no-driver.test).
try:
    __import__("ctypes").CDLL("libcuda.so.1")
    config.available_features.add("cuda-driver")
except OSError:
    pass
# Likewise a HIP runtime (hip-no-runtime.test).
for lib in ("libamdhip64.so", "libamdhip64.so.6", "libamdhip64.so.5"):
    try:
        __import__("ctypes").CDLL(lib)
        config.available_features.add("hip-runtime")
        break
    except OSError:
        pass

# The host's architecture (tests of x86 CPU features need x86_64).
config.available_features.add(__import__("platform").machine())

# The host CPU has AVX512-VNNI: int8 artifacts built for it use the vpdpbusd
# kernels (int8-kernels.test runs them).
try:
    with open("/proc/cpuinfo") as f:
        if " avx512_vnni" in f.read():
            config.available_features.add("x86-avx512vnni")
except OSError:
    pass

# Cross CPU targets: the runtime and autoglm-run cross-built by
# scripts/build-cross.sh (test.sh runs it first), run under qemu-user.
for target, qemu, sysroot in [("aarch64-linux", "qemu-aarch64", "/usr/aarch64-linux-gnu"),
                               ("armv7-linux", "qemu-arm", "/usr/arm-linux-gnueabihf")]:
    run = os.path.join(config.autoglm_obj_root, "cross", target, "bin", "autoglm-run")
    config.substitutions.append(
        ("%run-" + target, "%s -L %s %s" % (qemu, sysroot, run)))
