//===- internal.h - what the runtime's files share -----------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_RUNTIME_INTERNAL_H
#define AUTOGLM_RUNTIME_INTERNAL_H

#include "autoglm/runtime.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace autoglm::rt {

/// Sets this thread's autoglm_last_error() and returns 1.
int fail(std::string msg);
/// The manifest's "llm" section (null when the artifact has none).
const nlohmann::json &llmSection(const autoglm_model *model);
/// Those of an artifact's required LLVM target features (manifest
/// target.requires) this CPU lacks, of the ones the runtime can detect
/// (cpu.cpp).
std::vector<std::string> missingCpuFeatures(const std::vector<std::string> &required);
/// Whether `bytes` are a whole shared object for this machine: its ELF class
/// and machine, and every program header and loadable segment within the
/// file (elf.cpp); else false with the reason.
bool checkElfLibrary(const std::string &bytes, std::string &why);

} // namespace autoglm::rt

#endif // AUTOGLM_RUNTIME_INTERNAL_H
