//===- generate.cpp - decoder LLMs: the runtime's paged KV cache -----------===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// A generator drives an artifact compiled with enable_cache (its manifest's
// "llm" section): it owns the cache buffers (bound once to its context, and
// written in place by the compiled code), the pool of cache blocks and each
// slot's block table, and fills the inputs the compiler added
// (cache_position, block_table) beside input_ids and position_ids. Every
// check happens before the run, so a refused call changes no slot.
// A GPU artifact's cache lives in device memory, and its entry is static
// (max_batch rows of max_tokens tokens): a call's rows and tokens are
// padded, padding rows with no cache blocks (-1 in the table: the compiled
// code writes nothing for them). docs/llm.md.
//===----------------------------------------------------------------------===//

#include "internal.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

using autoglm::rt::fail;

namespace {

struct Slot {
  size_t length = 0;
  std::vector<int32_t> blocks;
};

} // namespace

struct autoglm_generator {
  const autoglm_model *model = nullptr;
  autoglm_context *ctx = nullptr;
  size_t blockSize = 0, numBlocks = 0, maxBlocks = 0, maxBatch = 0, maxSeqLen = 0, maxTokens = 0,
         vocab = 0, cacheBytes = 0;
  int64_t idsIdx = -1, posIdsIdx = -1, cachePosIdx = -1, tableIdx = -1, logitsIdx = -1;
  std::vector<std::unique_ptr<char, void (*)(void *)>> caches;
  std::vector<uint64_t> deviceCaches; // GPU artifacts: the cache in device memory
  // A static entry (GPU): every call runs padRows x padTokens.
  bool padded = false;
  size_t padRows = 0, padTokens = 0;
  std::vector<int32_t> freeBlocks; // a stack: the last freed is reused first
  std::vector<Slot> slots;
  std::vector<float> logits; // the bound of the logits output
  std::vector<int64_t> ids, posIds, cachePos;
  std::vector<int32_t> table;
  ~autoglm_generator() {
    if (ctx)
      autoglm_context_release(ctx);
    for (uint64_t p : deviceCaches)
      autoglm_model_device_free(model, p);
  }

  /// Runs `rows` (slot, first id) with `seq` tokens each; `out` gets the
  /// last token's logits of each row (vocab floats per row) when not null.
  int run(const std::vector<std::pair<size_t, const int64_t *>> &rows, size_t seq, float *out);
};

namespace {

size_t field(const nlohmann::json &j, const char *key) {
  return j.contains(key) && j[key].is_number_unsigned() ? j[key].get<size_t>() : 0;
}

} // namespace

int autoglm_generator_create(const autoglm_model *model, int num_threads, size_t max_cache_bytes,
                             autoglm_generator **gen) {
  if (!model || !gen)
    return fail("autoglm_generator_create: null argument");
  *gen = nullptr;
  const nlohmann::json &llm = autoglm::rt::llmSection(model);
  if (!llm.is_object())
    return fail("this artifact has no KV cache (its manifest has no \"llm\" section): compile "
                "the decoder with enable_cache: true (--enable-cache)");
  auto g = std::make_unique<autoglm_generator>();
  g->model = model;
  g->blockSize = field(llm, "block_size");
  g->numBlocks = field(llm, "num_blocks");
  g->maxBlocks = field(llm, "max_blocks");
  g->maxBatch = field(llm, "max_batch");
  g->maxSeqLen = field(llm, "max_seq_len");
  g->maxTokens = field(llm, "max_tokens");
  g->vocab = field(llm, "vocab");
  if (!g->blockSize || !g->numBlocks || !g->maxBlocks || !g->maxBatch || !g->maxSeqLen ||
      !g->maxTokens || !g->vocab || g->maxBlocks * g->blockSize < g->maxSeqLen ||
      g->numBlocks > (size_t)INT32_MAX)
    return fail("manifest.json: the \"llm\" section lacks or has inconsistent block_size, "
                "num_blocks, max_blocks, max_batch, max_seq_len, max_tokens or vocab");
  auto index = [&](const char *key, bool required, int64_t &out) {
    std::string name =
        llm.contains(key) && llm[key].is_string() ? llm[key].get<std::string>() : std::string(key);
    out = name.empty() ? -1 : autoglm_model_input_index(model, name.c_str());
    return out >= 0 || !required;
  };
  if (!index("input_ids", true, g->idsIdx) || !index("cache_position", true, g->cachePosIdx) ||
      !index("block_table", true, g->tableIdx))
    return fail("manifest.json: the decoder lacks input_ids, cache_position or block_table");
  index("position_ids", false, g->posIdsIdx);
  std::string logitsName = llm.value("logits", std::string("logits"));
  g->logitsIdx = autoglm_model_output_index(model, logitsName.c_str());
  if (g->logitsIdx < 0)
    return fail("manifest.json: the decoder has no output '" + logitsName + "'");
  const int64_t *lmax = autoglm_model_output_max_shape(model, g->logitsIdx);
  if (autoglm_model_output_rank(model, g->logitsIdx) != 3 || (size_t)lmax[2] != g->vocab ||
      (size_t)lmax[0] < g->maxBatch || (size_t)lmax[1] < g->maxTokens)
    return fail("manifest.json: the logits output is not [max_batch, max_tokens, vocab]");

  // The cache: every input the section lists, sized by the manifest.
  if (!llm.contains("caches") || !llm["caches"].is_array() || llm["caches"].empty())
    return fail("manifest.json: the \"llm\" section lists no cache inputs");
  std::vector<std::pair<int64_t, size_t>> cacheInputs;
  for (const auto &c : llm["caches"]) {
    int64_t i = c.is_string() ? autoglm_model_input_index(model, c.get<std::string>().c_str()) : -1;
    if (i < 0 || autoglm_model_input_dtype(model, i) != AUTOGLM_FLOAT32)
      return fail("manifest.json: a cache input of the \"llm\" section is not a float32 input");
    size_t bytes = autoglm_model_input_bytes(model, i);
    cacheInputs.push_back({i, bytes});
    g->cacheBytes += bytes;
  }
  if (max_cache_bytes && g->cacheBytes > max_cache_bytes)
    return fail("the KV cache takes " + std::to_string(g->cacheBytes) +
                " bytes, over the limit of " + std::to_string(max_cache_bytes) +
                " (compile with fewer kv_cache.blocks, a smaller max_batch_size or "
                "dynamic_shape.max)");
  const int64_t *idsShape = autoglm_model_input_shape(model, g->idsIdx);
  if (idsShape[0] >= 0 && idsShape[1] >= 0) {
    g->padded = true;
    g->padRows = (size_t)idsShape[0];
    g->padTokens = (size_t)idsShape[1];
    if (g->padRows < g->maxBatch || g->padTokens < g->maxTokens)
      return fail("manifest.json: input_ids is smaller than max_batch x max_tokens");
  }
  if (autoglm_context_create(model, num_threads, &g->ctx))
    return 1;
  bool onDevice = std::strcmp(autoglm_model_device(model), "cpu") != 0;
  for (auto [i, bytes] : cacheInputs) {
    size_t rank = autoglm_model_input_rank(model, i);
    const int64_t *shape = autoglm_model_input_shape(model, i);
    if (onDevice) {
      uint64_t p = 0;
      if (autoglm_model_device_alloc(model, bytes, &p))
        return 1;
      g->deviceCaches.push_back(p);
      std::vector<char> zeros(bytes);
      if (autoglm_model_copy_to_device(model, p, zeros.data(), bytes) ||
          autoglm_context_set_input_device(g->ctx, i, AUTOGLM_FLOAT32, rank, shape, p, bytes))
        return 1;
      continue;
    }
    void *p = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!p)
      return fail("cannot allocate the KV cache (" + std::to_string(g->cacheBytes) + " bytes)");
    std::memset(p, 0, bytes);
    g->caches.emplace_back(static_cast<char *>(p), std::free);
    if (autoglm_context_set_input(g->ctx, i, AUTOGLM_FLOAT32, rank, shape, p, bytes))
      return 1;
  }
  g->freeBlocks.resize(g->numBlocks);
  // Block 0 on top: the first sequence takes blocks in order.
  std::iota(g->freeBlocks.rbegin(), g->freeBlocks.rend(), 0);
  g->slots.resize(g->maxBatch);
  g->logits.resize(std::max(g->maxBatch * g->maxTokens * g->vocab,
                            autoglm_model_output_bytes(model, g->logitsIdx) / sizeof(float)));
  // One token through slot 0 and back: the first run's costs (its
  // temporaries' first page faults, the threads' start) fall here, not on
  // the first request's time to first token.
  int64_t warm = 0;
  if (autoglm_generator_prefill(g.get(), 0, &warm, 1, nullptr) ||
      autoglm_generator_free(g.get(), 0))
    return 1;
  *gen = g.release();
  return 0;
}

void autoglm_generator_release(autoglm_generator *gen) { delete gen; }

size_t autoglm_generator_slots(const autoglm_generator *g) { return g ? g->maxBatch : 0; }
size_t autoglm_generator_vocab(const autoglm_generator *g) { return g ? g->vocab : 0; }
size_t autoglm_generator_max_seq_len(const autoglm_generator *g) { return g ? g->maxSeqLen : 0; }
size_t autoglm_generator_cache_bytes(const autoglm_generator *g) { return g ? g->cacheBytes : 0; }
size_t autoglm_generator_blocks(const autoglm_generator *g) { return g ? g->numBlocks : 0; }
size_t autoglm_generator_free_blocks(const autoglm_generator *g) {
  return g ? g->freeBlocks.size() : 0;
}
size_t autoglm_generator_length(const autoglm_generator *g, size_t slot) {
  return g && slot < g->slots.size() ? g->slots[slot].length : 0;
}

int autoglm_generator::run(const std::vector<std::pair<size_t, const int64_t *>> &rows, size_t seq,
                           float *out) {
  size_t batch = rows.size();
  // Blocks for the new positions; given back if anything fails.
  std::vector<std::pair<size_t, size_t>> taken; // (slot, blocks it had)
  auto giveBack = [&] {
    for (auto [s, had] : taken) {
      auto &b = slots[s].blocks;
      for (size_t i = had; i < b.size(); ++i)
        freeBlocks.push_back(b[i]);
      b.resize(had);
    }
  };
  size_t need = 0;
  for (auto [s, _] : rows) {
    size_t want = (slots[s].length + seq + blockSize - 1) / blockSize;
    need += want > slots[s].blocks.size() ? want - slots[s].blocks.size() : 0;
  }
  if (need > freeBlocks.size())
    return fail("out of KV cache blocks: this call needs " + std::to_string(need) + ", " +
                std::to_string(freeBlocks.size()) + " of " + std::to_string(numBlocks) +
                " are free (free finished slots, or compile with more kv_cache.blocks)");
  for (auto [s, _] : rows) {
    size_t want = (slots[s].length + seq + blockSize - 1) / blockSize;
    taken.push_back({s, slots[s].blocks.size()});
    while (slots[s].blocks.size() < want) {
      slots[s].blocks.push_back(freeBlocks.back());
      freeBlocks.pop_back();
    }
  }
  // A static entry runs padRows x padTokens: padding tokens follow a row's
  // own (causal: no real token sees them) and their keys land in the row's
  // own blocks past its length or nowhere; padding rows have no blocks.
  size_t rowsRun = padded ? padRows : batch, seqRun = padded ? padTokens : seq;
  ids.assign(rowsRun * seqRun, 0);
  posIds.assign(rowsRun * seqRun, 0);
  cachePos.assign(rowsRun, 0);
  table.assign(rowsRun * maxBlocks, -1);
  for (size_t r = 0; r < batch; ++r) {
    const Slot &s = slots[rows[r].first];
    std::copy(rows[r].second, rows[r].second + seq, ids.begin() + r * seqRun);
    for (size_t t = 0; t < seq; ++t)
      posIds[r * seqRun + t] = (int64_t)(s.length + t);
    cachePos[r] = (int64_t)s.length;
    std::copy(s.blocks.begin(), s.blocks.end(), table.begin() + r * maxBlocks);
  }
  int64_t tokShape[2] = {(int64_t)rowsRun, (int64_t)seqRun};
  int64_t rowShape[1] = {(int64_t)rowsRun};
  int64_t tableShape[2] = {(int64_t)rowsRun, (int64_t)maxBlocks};
  const int64_t *lshape = autoglm_model_output_max_shape(model, logitsIdx);
  int rc = autoglm_context_set_input(ctx, idsIdx, AUTOGLM_INT64, 2, tokShape, ids.data(),
                                     ids.size() * sizeof(int64_t));
  if (!rc && posIdsIdx >= 0)
    rc = autoglm_context_set_input(ctx, posIdsIdx, AUTOGLM_INT64, 2, tokShape, posIds.data(),
                                   posIds.size() * sizeof(int64_t));
  if (!rc)
    rc = autoglm_context_set_input(ctx, cachePosIdx, AUTOGLM_INT64, 1, rowShape, cachePos.data(),
                                   cachePos.size() * sizeof(int64_t));
  if (!rc)
    rc = autoglm_context_set_input(ctx, tableIdx, AUTOGLM_INT32, 2, tableShape, table.data(),
                                   table.size() * sizeof(int32_t));
  if (!rc)
    rc = autoglm_context_set_output(ctx, logitsIdx, AUTOGLM_FLOAT32, 3, lshape, logits.data(),
                                    logits.size() * sizeof(float));
  if (!rc)
    rc = autoglm_context_run(ctx);
  if (rc) {
    giveBack();
    return rc;
  }
  for (size_t r = 0; r < batch; ++r) {
    slots[rows[r].first].length += seq;
    // The output is dense [rows run, tokens run, vocab] at the buffer's start.
    if (out)
      std::memcpy(out + r * vocab, logits.data() + (r * seqRun + seq - 1) * vocab,
                  vocab * sizeof(float));
  }
  return 0;
}

int autoglm_generator_prefill(autoglm_generator *g, size_t slot, const int64_t *ids, size_t n,
                              float *logits) {
  if (!g || (!ids && n))
    return fail("autoglm_generator_prefill: null argument");
  if (slot >= g->slots.size())
    return fail("slot " + std::to_string(slot) + " is out of range: the artifact has " +
                std::to_string(g->slots.size()) + " slots (max_batch_size)");
  if (n == 0)
    return fail("autoglm_generator_prefill: no tokens");
  size_t have = g->slots[slot].length;
  if (have + n > g->maxSeqLen)
    return fail("slot " + std::to_string(slot) + ": " + std::to_string(n) + " tokens after " +
                std::to_string(have) + " exceed the cache's max_seq_len of " +
                std::to_string(g->maxSeqLen) + " (dynamic_shape.max)");
  for (size_t i = 0; i < n; ++i)
    if (ids[i] < 0 || (size_t)ids[i] >= g->vocab)
      return fail("token " + std::to_string(ids[i]) + " at " + std::to_string(i) +
                  " is outside the vocabulary [0, " + std::to_string(g->vocab) + ")");
  // Chunks of the artifact's bound; a failed chunk leaves the earlier ones
  // in place, so the slot is rolled back to where it was.
  for (size_t at = 0; at < n;) {
    size_t seq = std::min(g->maxTokens, n - at);
    if (int rc = g->run({{slot, ids + at}}, seq, at + seq == n ? logits : nullptr)) {
      Slot &s = g->slots[slot];
      s.length = have;
      size_t keep = (have + g->blockSize - 1) / g->blockSize;
      for (size_t i = keep; i < s.blocks.size(); ++i)
        g->freeBlocks.push_back(s.blocks[i]);
      s.blocks.resize(keep);
      return rc;
    }
    at += seq;
  }
  return 0;
}

int autoglm_generator_decode(autoglm_generator *g, size_t n, const size_t *slots,
                             const int64_t *ids, float *logits) {
  if (!g || !slots || !ids)
    return fail("autoglm_generator_decode: null argument");
  if (n == 0 || n > g->maxBatch)
    return fail("autoglm_generator_decode: " + std::to_string(n) +
                " slots, the artifact takes 1 to " + std::to_string(g->maxBatch) +
                " (max_batch_size)");
  std::vector<std::pair<size_t, const int64_t *>> rows;
  std::vector<bool> seen(g->slots.size());
  for (size_t i = 0; i < n; ++i) {
    size_t s = slots[i];
    if (s >= g->slots.size())
      return fail("slot " + std::to_string(s) + " is out of range: the artifact has " +
                  std::to_string(g->slots.size()) + " slots (max_batch_size)");
    if (seen[s])
      return fail("slot " + std::to_string(s) + " appears twice in one decode");
    seen[s] = true;
    if (g->slots[s].length == 0)
      return fail("slot " + std::to_string(s) + " holds no sequence: prefill it first");
    if (g->slots[s].length + 1 > g->maxSeqLen)
      return fail("slot " + std::to_string(s) + " is full: " + std::to_string(g->maxSeqLen) +
                  " tokens, the cache's max_seq_len (dynamic_shape.max)");
    if (ids[i] < 0 || (size_t)ids[i] >= g->vocab)
      return fail("token " + std::to_string(ids[i]) + " for slot " + std::to_string(s) +
                  " is outside the vocabulary [0, " + std::to_string(g->vocab) + ")");
    rows.push_back({s, ids + i});
  }
  return g->run(rows, 1, logits);
}

int autoglm_generator_free(autoglm_generator *g, size_t slot) {
  if (!g)
    return fail("autoglm_generator_free: null argument");
  if (slot >= g->slots.size())
    return fail("slot " + std::to_string(slot) + " is out of range: the artifact has " +
                std::to_string(g->slots.size()) + " slots (max_batch_size)");
  Slot &s = g->slots[slot];
  for (auto it = s.blocks.rbegin(); it != s.blocks.rend(); ++it)
    g->freeBlocks.push_back(*it);
  s.blocks.clear();
  s.length = 0;
  return 0;
}

int64_t autoglm_sample(const float *logits, size_t vocab, float temperature, size_t top_k,
                       float top_p, uint64_t *state) {
  if (!logits || vocab == 0)
    return -1;
  if (temperature <= 0 || !state)
    return std::max_element(logits, logits + vocab) - logits;
  std::vector<size_t> order(vocab);
  std::iota(order.begin(), order.end(), 0);
  size_t k = top_k && top_k < vocab ? top_k : vocab;
  std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](size_t a, size_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  order.resize(k);
  std::vector<double> p(k);
  double top = logits[order[0]], sum = 0;
  for (size_t i = 0; i < k; ++i)
    sum += p[i] = std::exp((logits[order[i]] - top) / temperature);
  // Nucleus: the most likely tokens until their mass reaches top_p.
  size_t keep = k;
  if (top_p > 0 && top_p < 1) {
    double mass = 0;
    for (size_t i = 0; i < k; ++i) {
      mass += p[i] / sum;
      if (mass >= top_p) {
        keep = i + 1;
        break;
      }
    }
  }
  double total = 0;
  for (size_t i = 0; i < keep; ++i)
    total += p[i];
  // splitmix64: the same seed gives the same tokens everywhere.
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  double u = (double)(z >> 11) / 9007199254740992.0 * total;
  for (size_t i = 0; i < keep; ++i) {
    if (u < p[i])
      return (int64_t)order[i];
    u -= p[i];
  }
  return (int64_t)order[keep - 1];
}
