//===- internal.h - what the runtime's files share -----------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_RUNTIME_INTERNAL_H
#define AUTOGLM_RUNTIME_INTERNAL_H

#include "autoglm/runtime.h"

#include <nlohmann/json.hpp>

#include <string>

namespace autoglm::rt {

/// Sets this thread's autoglm_last_error() and returns 1.
int fail(std::string msg);
/// The manifest's "llm" section (null when the artifact has none).
const nlohmann::json &llmSection(const autoglm_model *model);

} // namespace autoglm::rt

#endif // AUTOGLM_RUNTIME_INTERNAL_H
