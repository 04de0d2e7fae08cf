//===- Generate.h - autoglm-run --generate ---------------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TOOLS_RUN_GENERATE_H
#define AUTOGLM_TOOLS_RUN_GENERATE_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

struct GenerateOptions {
  std::string artifact, reference;
  /// One sequence each: comma-separated token ids.
  std::vector<std::string> prompts;
  size_t maxNewTokens = 32;
  /// Whether --max-new-tokens was left out (a reference's "steps" applies).
  bool maxNewTokensDefault = true;
  float temperature = 0, topP = 1;
  size_t topK = 0, maxCacheBytes = 0;
  uint64_t seed = 0;
  int threads = 0;
  /// One slot: the sequences one after another (batch 1).
  bool sequential = false, json = false;
};

/// Generates from every prompt; returns the exit code (1: tokens differ
/// from the reference). Throws std::runtime_error on a runtime failure.
int runGenerate(const GenerateOptions &options);

#endif // AUTOGLM_TOOLS_RUN_GENERATE_H
