//===- Generate.cpp - autoglm-run --generate: the decoding loop ----------===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Drives an artifact compiled with enable_cache through the runtime's
// generator: every prompt gets a slot (more prompts than slots wait for one
// to free: continuous batching), each step decodes one token for every
// active slot in one call, tokens are greedy or sampled (top-k / top-p,
// seeded). Reports time to first token, tokens/s per sequence and in
// aggregate, and peak memory; with --reference, compares the tokens with a
// reference file and fails on the first difference. docs/llm.md.
//===----------------------------------------------------------------------===//

#include "Generate.h"

#include "autoglm/runtime.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <fstream>
#include <iostream>
#include <stdexcept>

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

std::vector<int64_t> parseIds(const std::string &text) {
  std::vector<int64_t> ids;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string part =
        text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (part.empty() || part.size() > 18 ||
        part.find_first_not_of("0123456789") != std::string::npos)
      throw std::runtime_error("--prompt-ids takes comma-separated token ids, got '" + text + "'");
    ids.push_back(std::stoll(part));
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  return ids;
}

struct Sequence {
  std::vector<int64_t> prompt, tokens;
  size_t slot = 0;
  double ttftMs = 0, decodeMs = 0;
  Clock::time_point decodeStart;
};

void check(int rc) {
  if (rc)
    throw std::runtime_error(autoglm_last_error());
}

} // namespace

int runGenerate(const GenerateOptions &o) {
  std::vector<Sequence> seqs;
  nlohmann::json reference;
  if (!o.reference.empty()) {
    std::ifstream f(o.reference);
    reference = nlohmann::json::parse(f, nullptr, /*allow_exceptions=*/false);
    if (!f || reference.is_discarded() || !reference.contains("prompts") ||
        !reference.contains("tokens"))
      throw std::runtime_error("--reference " + o.reference +
                               ": not a JSON file with prompts and tokens");
    for (const auto &p : reference["prompts"])
      seqs.push_back({p.get<std::vector<int64_t>>(), {}});
  }
  for (const std::string &p : o.prompts)
    seqs.push_back({parseIds(p), {}});
  if (seqs.empty())
    throw std::runtime_error("--generate needs --prompt-ids (or --reference)");
  size_t maxNew = o.maxNewTokens;
  if (!reference.is_null() && o.maxNewTokensDefault)
    maxNew = reference.value("steps", maxNew);
  if (maxNew < 1)
    throw std::runtime_error("--max-new-tokens must be >= 1");

  autoglm_model *model = nullptr;
  check(autoglm_model_load(o.artifact.c_str(), &model));
  std::unique_ptr<autoglm_model, void (*)(autoglm_model *)> modelGuard(model,
                                                                       autoglm_model_release);
  autoglm_generator *gen = nullptr;
  check(autoglm_generator_create(model, o.threads, o.maxCacheBytes, &gen));
  std::unique_ptr<autoglm_generator, void (*)(autoglm_generator *)> genGuard(
      gen, autoglm_generator_release);
  size_t vocab = autoglm_generator_vocab(gen);
  size_t slots = o.sequential ? 1 : autoglm_generator_slots(gen);
  uint64_t rng = o.seed;
  std::vector<float> logits(autoglm_generator_slots(gen) * vocab);
  auto pick = [&](const float *row) {
    return autoglm_sample(row, vocab, o.temperature, o.topK, o.topP, &rng);
  };

  // Continuous batching: admit waiting prompts into free slots between steps.
  std::deque<size_t> waiting;
  for (size_t i = 0; i < seqs.size(); ++i)
    waiting.push_back(i);
  std::vector<size_t> active; // sequence indices
  std::vector<bool> slotBusy(slots);
  size_t steps = 0, generated = 0;
  double decodeWallMs = 0;
  std::vector<double> stepMs;
  auto t0 = Clock::now();
  while (!waiting.empty() || !active.empty()) {
    while (!waiting.empty() && active.size() < slots) {
      size_t s = std::find(slotBusy.begin(), slotBusy.end(), false) - slotBusy.begin();
      Sequence &q = seqs[waiting.front()];
      q.slot = s;
      auto tp = Clock::now();
      check(autoglm_generator_prefill(gen, s, q.prompt.data(), q.prompt.size(), logits.data()));
      q.tokens.push_back(pick(logits.data()));
      q.ttftMs = msSince(tp);
      q.decodeStart = Clock::now();
      ++generated;
      slotBusy[s] = true;
      active.push_back(waiting.front());
      waiting.pop_front();
    }
    // Finished sequences leave; their slots free for the next prompts.
    for (size_t i = 0; i < active.size();) {
      Sequence &q = seqs[active[i]];
      if (q.tokens.size() >= maxNew) {
        q.decodeMs =
            std::chrono::duration<double, std::milli>(Clock::now() - q.decodeStart).count();
        check(autoglm_generator_free(gen, q.slot));
        slotBusy[q.slot] = false;
        active.erase(active.begin() + i);
      } else {
        ++i;
      }
    }
    if (active.empty())
      continue;
    std::vector<size_t> slotIds;
    std::vector<int64_t> ids;
    for (size_t a : active) {
      slotIds.push_back(seqs[a].slot);
      ids.push_back(seqs[a].tokens.back());
    }
    auto ts = Clock::now();
    check(autoglm_generator_decode(gen, slotIds.size(), slotIds.data(), ids.data(), logits.data()));
    for (size_t i = 0; i < active.size(); ++i)
      seqs[active[i]].tokens.push_back(pick(logits.data() + i * vocab));
    stepMs.push_back(msSince(ts));
    decodeWallMs += stepMs.back();
    generated += active.size();
    ++steps;
  }
  double totalMs = msSince(t0);

  // Report.
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  nlohmann::ordered_json report;
  report["artifact"] = o.artifact;
  report["slots"] = slots;
  report["cache_bytes"] = autoglm_generator_cache_bytes(gen);
  report["cache_blocks"] = autoglm_generator_blocks(gen);
  report["decode_steps"] = steps;
  report["tokens"] = generated;
  report["total_ms"] = totalMs;
  double decodeTokens = 0;
  for (const Sequence &q : seqs)
    decodeTokens += q.tokens.size() - 1;
  report["aggregate_tokens_per_s"] = totalMs > 0 ? generated * 1000.0 / totalMs : 0;
  report["decode_tokens_per_s"] = decodeWallMs > 0 ? decodeTokens * 1000.0 / decodeWallMs : 0;
  report["peak_rss_mb"] = ru.ru_maxrss / 1024.0;
  // Each decode call (every active slot one token), in order.
  report["decode_step_ms"] = stepMs;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  int rc = 0;
  std::string mismatch;
  for (size_t i = 0; i < seqs.size(); ++i) {
    const Sequence &q = seqs[i];
    double tps = q.decodeMs > 0 ? (q.tokens.size() - 1) * 1000.0 / q.decodeMs : 0;
    nlohmann::ordered_json e = {{"prompt_tokens", q.prompt.size()},
                                {"ttft_ms", q.ttftMs},
                                {"decode_tokens_per_s", tps},
                                {"tokens", q.tokens}};
    if (!reference.is_null() && i < reference["tokens"].size()) {
      auto want = reference["tokens"][i].get<std::vector<int64_t>>();
      bool same = want.size() >= q.tokens.size() &&
                  std::equal(q.tokens.begin(), q.tokens.end(), want.begin());
      e["matches_reference"] = same;
      if (!same && mismatch.empty()) {
        size_t at = 0;
        while (at < q.tokens.size() && at < want.size() && q.tokens[at] == want[at])
          ++at;
        mismatch = fmt::format("sequence {}: token {} is {}, the reference has {}", i, at,
                               at < q.tokens.size() ? std::to_string(q.tokens[at]) : "none",
                               at < want.size() ? std::to_string(want[at]) : "none");
        rc = 1;
      }
    }
    list.push_back(e);
  }
  report["sequences"] = list;
  if (o.json) {
    std::cout << report.dump(2) << "\n";
  } else {
    for (size_t i = 0; i < seqs.size(); ++i) {
      const auto &e = list[i];
      std::string toks;
      for (int64_t t : seqs[i].tokens)
        toks += (toks.empty() ? "" : ",") + std::to_string(t);
      fmt::print("sequence {}: {} prompt tokens, time to first token {:.2f} ms, {:.1f} tokens/s: "
                 "{}{}\n",
                 i, seqs[i].prompt.size(), e["ttft_ms"].get<double>(),
                 e["decode_tokens_per_s"].get<double>(), toks,
                 e.contains("matches_reference")
                     ? (e["matches_reference"].get<bool>() ? " (matches the reference)"
                                                           : " (DIFFERS from the reference)")
                     : "");
    }
    fmt::print("{} sequences in {} slots: {} tokens in {:.1f} ms, {} decode steps; aggregate "
               "{:.1f} tokens/s (decode {:.1f}); KV cache {:.2f} MB in {} blocks; peak RSS "
               "{:.1f} MB\n",
               seqs.size(), slots, generated, totalMs, steps,
               report["aggregate_tokens_per_s"].get<double>(),
               report["decode_tokens_per_s"].get<double>(),
               autoglm_generator_cache_bytes(gen) / 1048576.0, autoglm_generator_blocks(gen),
               ru.ru_maxrss / 1024.0);
  }
  if (!mismatch.empty())
    std::cerr << "autoglm-run: error: the generated tokens differ from " << o.reference << ": "
              << mismatch << "\n";
  return rc;
}
