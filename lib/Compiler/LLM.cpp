//===- LLM.cpp - enable_cache: the decoder's KV cache to the runtime -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Checks the decoder options (the config's enable_cache, max_batch_size,
// dynamic_shape, kv_cache), runs autoglm-kv-cache and describes the result
// for the manifest's "llm" section: the cache geometry and bytes, and which
// input is which, so the runtime's generation API can drive the artifact.
// docs/llm.md.
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "autoglm/Compiler/Session.h"
#include "autoglm/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"

#include <fmt/format.h>

using namespace mlir;
using namespace mlir::autoglm;
using session::fail;

LogicalResult CompileSession::applyKVCache(ModuleOp module, const CompileOptions &o,
                                           bool staticEntry, nlohmann::ordered_json &report,
                                           std::string &section, std::string &error) {
  if (o.maxBatchSize < 1)
    return fail(error, fmt::format("max_batch_size (--max-batch-size) must be >= 1, got {}",
                                   o.maxBatchSize));
  if (o.minSeqLen < 1)
    return fail(error,
                fmt::format("dynamic_shape.min (--min-seq-len) must be >= 1, got {}", o.minSeqLen));
  if (o.maxSeqLen < o.minSeqLen)
    return fail(error, fmt::format("dynamic_shape.max (--max-seq-len, {}) is below "
                                   "dynamic_shape.min ({})",
                                   o.maxSeqLen, o.minSeqLen));
  if (o.optSeqLen != 0 && (o.optSeqLen < o.minSeqLen || o.optSeqLen > o.maxSeqLen))
    return fail(error, fmt::format("dynamic_shape.opt (--opt-seq-len, {}) is outside "
                                   "[dynamic_shape.min, dynamic_shape.max] = [{}, {}]",
                                   o.optSeqLen, o.minSeqLen, o.maxSeqLen));
  if (o.cacheBlockSize < 1 || o.cacheBlockSize > 4096)
    return fail(error, fmt::format("kv_cache.block_size (--cache-block-size) must be in "
                                   "[1, 4096], got {}",
                                   o.cacheBlockSize));
  if (o.prefillChunk < 1 || o.prefillChunk > o.maxSeqLen)
    return fail(error, fmt::format("kv_cache.prefill_chunk (--prefill-chunk) must be in "
                                   "[1, dynamic_shape.max = {}], got {}",
                                   o.maxSeqLen, o.prefillChunk));
  int64_t perSeq = (o.maxSeqLen + o.cacheBlockSize - 1) / o.cacheBlockSize;
  if (o.cacheBlocks != 0 && o.cacheBlocks < perSeq)
    return fail(error, fmt::format("kv_cache.blocks (--cache-blocks, {}) cannot hold one "
                                   "sequence of dynamic_shape.max = {} tokens ({} blocks of {})",
                                   o.cacheBlocks, o.maxSeqLen, perSeq, o.cacheBlockSize));

  PassManager pm(module.getContext());
  KVCacheOptions kv;
  kv.blockSize = o.cacheBlockSize;
  kv.maxSeqLen = o.maxSeqLen;
  kv.maxBatch = o.maxBatchSize;
  kv.maxTokens = o.prefillChunk;
  kv.cacheBlocks = o.cacheBlocks;
  pm.addPass(createKVCache(kv));
  if (failed(pm.run(module)))
    return failure();

  auto func = module.lookupSymbol<func::FuncOp>("main");
  auto geometry = func->getAttrOfType<DictionaryAttr>("autoglm.kv_cache");
  nlohmann::ordered_json llm;
  for (NamedAttribute a : geometry)
    llm[a.getName().str()] = cast<IntegerAttr>(a.getValue()).getInt();
  llm["min_seq_len"] = o.minSeqLen;
  llm["opt_seq_len"] = o.optSeqLen ? o.optSeqLen : o.maxSeqLen;

  // Which input is which: the generation loop fills them.
  nlohmann::ordered_json caches = nlohmann::ordered_json::array();
  int64_t cacheBytes = 0;
  std::string inputIds, positionIds;
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    auto name = func.getArgAttrOfType<StringAttr>(i, "autoglm.name");
    std::string n = name ? name.str() : "";
    auto t = cast<RankedTensorType>(func.getArgument(i).getType());
    if (n.rfind("cache.", 0) == 0) {
      caches.push_back(n);
      cacheBytes += t.getNumElements() * (t.getElementTypeBitWidth() / 8);
      continue;
    }
    if (n == "cache_position" || n == "block_table")
      continue;
    bool ids = t.getRank() == 2 && t.getElementType().isInteger(64);
    // Exporters' names: input_ids; position_ids, or another "pos..." input.
    if (n == "input_ids" && ids) {
      inputIds = n;
      if (!t.isDynamicDim(0) && t.getDimSize(0) < o.maxBatchSize)
        return fail(error, fmt::format("max_batch_size ({}) exceeds the decoder's fixed batch "
                                       "of {} (export input_ids with a dynamic batch axis, or "
                                       "set max_batch_size: {})",
                                       o.maxBatchSize, t.getDimSize(0), t.getDimSize(0)));
      // A static entry (GPU targets) has the bounds as its extents.
      bool fixedByUs = staticEntry && !t.isDynamicDim(0) && t.getDimSize(0) == o.maxBatchSize &&
                       !t.isDynamicDim(1) && t.getDimSize(1) == o.prefillChunk;
      if (!fixedByUs && !t.isDynamicDim(0) && t.getDimSize(0) != 1)
        return fail(error, fmt::format("enable_cache: input_ids has a fixed batch of {}; export "
                                       "it with a dynamic batch axis",
                                       t.getDimSize(0)));
      // A fixed sequence extent must be the decode step's single token
      // (prompts then go one token per call).
      if (!fixedByUs && !t.isDynamicDim(1) && t.getDimSize(1) != 1)
        return fail(error, fmt::format("enable_cache: input_ids has a fixed sequence extent of "
                                       "{}; export it with a dynamic sequence axis (or the "
                                       "decode step, 1 token)",
                                       t.getDimSize(1)));
      if (!t.isDynamicDim(1))
        llm["max_tokens"] = t.getDimSize(1);
    } else if (ids && positionIds.empty() && llvm::StringRef(n).contains("pos")) {
      positionIds = n;
    } else {
      return fail(error, "enable_cache: the decoder's input '" + n + "' (" +
                             std::to_string(t.getRank()) +
                             "-D) is neither input_ids [batch, seq] int64, position_ids "
                             "[batch, seq] int64 nor a KV cache input: the generation loop "
                             "cannot fill it");
    }
  }
  if (inputIds.empty())
    return fail(error, "enable_cache: the decoder has no input_ids input ([batch, seq] int64)");
  if (func.getNumResults() < 1)
    return fail(error, "enable_cache: the decoder has no logits output");
  auto logitsTy = cast<RankedTensorType>(func.getResultTypes()[0]);
  if (logitsTy.getRank() != 3 || !logitsTy.getElementType().isF32() || logitsTy.isDynamicDim(2))
    return fail(error, "enable_cache: output 0 must be the logits, [batch, seq, vocab] float32");
  auto logitsName = func.getResultAttrOfType<StringAttr>(0, "autoglm.name");
  llm["vocab"] = logitsTy.getDimSize(2);
  llm["cache_bytes"] = cacheBytes;
  llm["input_ids"] = inputIds;
  llm["position_ids"] = positionIds;
  llm["logits"] = logitsName ? logitsName.str() : "";
  llm["caches"] = caches;
  section = llm.dump();
  report["kv_cache"] = llm;
  return success();
}
