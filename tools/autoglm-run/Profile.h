//===- Profile.h - autoglm-run --profile: time per op -------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TOOLS_RUN_PROFILE_H
#define AUTOGLM_TOOLS_RUN_PROFILE_H

#include "autoglm/runtime.h"

#include <nlohmann/json.hpp>

#include <string>

namespace autoglm::run {

/// The context's per-region times (an artifact compiled with --profile) as
/// JSON: each region's ms per run in program order, and the totals per ONNX
/// op type. `print`: the slowest regions as a table on stdout; `htmlPath`:
/// also a self-contained page with charts. null and `error` set when the
/// artifact has no regions or the page cannot be written.
nlohmann::json profileReport(autoglm_model *model, autoglm_context *ctx, bool print,
                             const std::string &htmlPath, const std::string &title,
                             std::string &error);

} // namespace autoglm::run

#endif // AUTOGLM_TOOLS_RUN_PROFILE_H
