//===- config_fuzzer.cpp - libFuzzer target for the build-config reader ---===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// autoglm-fuzz-config: the input is a build config (YAML or JSON, the file
// `autoglm-compile --config` reads), given to applyBuildConfig as a file.
// It must fill the options or fail with an error; a crash, a sanitizer
// report or an uncaught exception is a bug. Seeds: the configs of
// examples/ and test/ (scripts/fuzz.sh collects them).
//===----------------------------------------------------------------------===//

#include "autoglm/Compiler/Session.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <unistd.h>

namespace {

const std::string &configPath() {
  static const std::string path = [] {
    char tmpl[] = "/tmp/autoglm-fuzz-config-XXXXXX";
    if (!mkdtemp(tmpl)) {
      std::perror("mkdtemp");
      std::exit(2);
    }
    return std::string(tmpl) + "/build.yaml";
  }();
  return path;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  {
    std::ofstream f(configPath(), std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char *>(data), (std::streamsize)size);
  }
  mlir::autoglm::CompileOptions options;
  std::string error;
  // Every other call: as if the command line had given every flag (the
  // config then only fills what is left).
  bool allGiven = size && (data[0] & 1);
  if (failed(mlir::autoglm::applyBuildConfig(
          configPath(), [&](llvm::StringRef) { return allGiven; }, options, error)) &&
      error.empty())
    __builtin_trap(); // a refused config says why
  return 0;
}
