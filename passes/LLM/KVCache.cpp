//===- KVCache.cpp - the decoder's KV cache becomes the runtime's --*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// A decoder exported with its cache as graph inputs and outputs (HF's legacy
// form: present = Concat(past, new) along the sequence, attention over
// present, possibly through grouped-query attention's repeat) is rewritten
// so the runtime owns the cache: each attention over a cache becomes an
// autoglm.cached_attention that writes the new keys and values into paged
// cache buffers in place and attends over each row's own length; the past
// inputs, the present outputs and whatever only they fed (the mask built
// from the past length) go away. docs/llm.md.
//===----------------------------------------------------------------------===//

#include "../Utils.h"
#include "autoglm/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/MapVector.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_KVCACHE
#include "autoglm/Transforms/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {

/// `v` without grouped-query attention's repeat of the kv heads:
/// reshape [B, Hkv*r, T, D] <- expand [B, Hkv, r, T, D] <- reshape
/// [B, Hkv, 1, T, D] <- x [B, Hkv, T, D]. Returns x (or v itself).
Value stripRepeat(Value v) {
  auto outer = v.getDefiningOp<ReshapeOp>();
  if (!outer)
    return v;
  auto expand = outer.getInput().getDefiningOp<ExpandOp>();
  if (!expand)
    return v;
  auto inner = expand.getInput().getDefiningOp<ReshapeOp>();
  if (!inner)
    return v;
  auto x = inner.getInput();
  auto xt = cast<RankedTensorType>(x.getType());
  auto it = inner.getType(), et = expand.getType(), ot = outer.getType();
  if (xt.getRank() != 4 || it.getRank() != 5 || et.getRank() != 5 || ot.getRank() != 4 ||
      it.getDimSize(2) != 1 || xt.isDynamicDim(1) || et.isDynamicDim(2) ||
      it.getDimSize(1) != xt.getDimSize(1) || et.getDimSize(1) != xt.getDimSize(1) ||
      ot.isDynamicDim(1) || ot.getDimSize(1) != xt.getDimSize(1) * et.getDimSize(2))
    return v;
  return x;
}

/// The cache concat a key or value operand reads: Concat(past, new) along
/// axis 2 with `past` an argument of `func`.
ConcatOp cacheConcat(Value v, func::FuncOp func) {
  auto c = stripRepeat(v).getDefiningOp<ConcatOp>();
  if (!c || c->getNumOperands() != 2 || c.getType().getRank() != 4 || c.getAxis() != 2)
    return {};
  auto past = dyn_cast<BlockArgument>(c->getOperand(0));
  if (!past || past.getOwner() != &func.getBody().front())
    return {};
  return c;
}

std::string argName(func::FuncOp func, unsigned i) {
  if (auto n = func.getArgAttrOfType<StringAttr>(i, "autoglm.name"))
    return n.str();
  return "input" + std::to_string(i);
}

struct KVCachePass : autoglm::impl::KVCacheBase<KVCachePass> {
  using KVCacheBase::KVCacheBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    func::FuncOp func = module.lookupSymbol<func::FuncOp>("main");
    if (!func) {
      module.emitError("autoglm-kv-cache: no main function");
      return signalPassFailure();
    }
    if (blockSize < 1 || maxSeqLen < 1 || maxBatch < 1) {
      module.emitError("autoglm-kv-cache: block-size, max-seq-len and max-batch must be >= 1");
      return signalPassFailure();
    }
    SmallVector<AttentionOp> attentions;
    func.walk([&](AttentionOp a) {
      if (cacheConcat(a.getKey(), func) && cacheConcat(a.getValue(), func))
        attentions.push_back(a);
    });
    if (attentions.empty()) {
      func.emitError("enable_cache: no attention reads a KV cache input (a graph input "
                     "concatenated with the new keys along the sequence axis and returned as "
                     "an output); is this a decoder exported with its past keys and values?");
      return signalPassFailure();
    }

    Block &body = func.getBody().front();
    OpBuilder b(func.getContext());
    int64_t maxBlocks = (maxSeqLen + blockSize - 1) / blockSize;
    int64_t numBlocks = cacheBlocks > 0 ? (int64_t)cacheBlocks : maxBatch * maxBlocks;
    Type i64 = b.getI64Type(), i32 = b.getI32Type();

    // Batch extent of the positions and the block table: the past's.
    auto firstPast = cast<BlockArgument>(cacheConcat(attentions[0].getKey(), func)->getOperand(0));
    auto pastTy = cast<RankedTensorType>(firstPast.getType());
    int64_t batch = pastTy.getDimSize(0);
    Attribute batchParam;
    if (auto params =
            func.getArgAttrOfType<ArrayAttr>(firstPast.getArgNumber(), "autoglm.dim_params"))
      batchParam = params[0];
    auto withParams = [&](ArrayRef<Attribute> params, StringRef name) {
      SmallVector<NamedAttribute> attrs{b.getNamedAttr("autoglm.name", b.getStringAttr(name))};
      if (batchParam)
        attrs.push_back(b.getNamedAttr("autoglm.dim_params", b.getArrayAttr(params)));
      return b.getDictionaryAttr(attrs);
    };
    Attribute none = b.getStringAttr("");
    unsigned nargs = func.getNumArguments();
    Location loc = func.getLoc();
    if (failed(func.insertArgument(nargs, RankedTensorType::get({batch}, i64),
                                   withParams({batchParam}, "cache_position"), loc)) ||
        failed(func.insertArgument(nargs + 1, RankedTensorType::get({batch, maxBlocks}, i32),
                                   withParams({batchParam, none}, "block_table"), loc))) {
      func.emitError("enable_cache: cannot add the cache inputs");
      return signalPassFailure();
    }
    Value positions = body.getArgument(nargs), table = body.getArgument(nargs + 1);

    // One cache argument per past input, in the order of the layers.
    llvm::MapVector<Value, Value> caches;
    auto cacheFor = [&](ConcatOp c) -> FailureOr<Value> {
      Value past = c->getOperand(0);
      if (Value have = caches.lookup(past))
        return have;
      auto t = cast<RankedTensorType>(past.getType());
      if (t.isDynamicDim(1) || t.isDynamicDim(3)) {
        c.emitError("enable_cache: the KV cache input '")
            << argName(func, cast<BlockArgument>(past).getArgNumber())
            << "' needs static kv heads and head dim, has " << t;
        return failure();
      }
      auto ct = RankedTensorType::get({numBlocks, t.getDimSize(1), blockSize, t.getDimSize(3)},
                                      t.getElementType());
      unsigned at = func.getNumArguments();
      std::string name = "cache." + argName(func, cast<BlockArgument>(past).getArgNumber());
      if (failed(func.insertArgument(
              at, ct, b.getDictionaryAttr({b.getNamedAttr("autoglm.name", b.getStringAttr(name))}),
              loc)))
        return failure();
      caches[past] = body.getArgument(at);
      return body.getArgument(at);
    };

    for (AttentionOp a : attentions) {
      ConcatOp kc = cacheConcat(a.getKey(), func), vc = cacheConcat(a.getValue(), func);
      auto q = cast<RankedTensorType>(a.getQuery().getType());
      if (q.getRank() != 4 || a.getType().getRank() != 4) {
        a.emitError("enable_cache: the attention over the cache must be 4-D [B, H, S, D]");
        return signalPassFailure();
      }
      auto kCache = cacheFor(kc), vCache = cacheFor(vc);
      if (failed(kCache) || failed(vCache))
        return signalPassFailure();
      b.setInsertionPoint(a);
      auto cached = CachedAttentionOp::create(b, a.getLoc(), a.getType(), a.getQuery(),
                                              kc->getOperand(1), vc->getOperand(1), *kCache,
                                              *vCache, positions, table, a.getScaleAttr());
      if (failed(mlir::verify(cached))) {
        cached.erase();
        return signalPassFailure();
      }
      a.replaceAllUsesWith(cached.getResult());
      a.erase();
    }

    // The present outputs go: the runtime holds them.
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    llvm::BitVector dropResults(func.getNumResults());
    SmallVector<Value> kept;
    for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
      auto c = v.getDefiningOp<ConcatOp>();
      if (c && c->getNumOperands() == 2 && caches.count(c->getOperand(0)))
        dropResults.set(i);
      else
        kept.push_back(v);
    }
    b.setInsertionPoint(ret);
    func::ReturnOp::create(b, ret.getLoc(), kept);
    ret.erase();
    if (failed(func.eraseResults(dropResults))) {
      func.emitError("enable_cache: cannot drop the present outputs");
      return signalPassFailure();
    }

    // Dead code: the concats, the mask built from the past length.
    bool changed = true;
    while (changed) {
      changed = false;
      SmallVector<Operation *> ops;
      for (Operation &op : body.without_terminator())
        ops.push_back(&op);
      for (Operation *op : llvm::reverse(ops))
        if (op->use_empty() && isPure(op)) {
          op->erase();
          changed = true;
        }
    }

    llvm::BitVector dropArgs(func.getNumArguments());
    for (auto &[past, cache] : caches) {
      auto arg = cast<BlockArgument>(past);
      if (!arg.use_empty()) {
        InFlightDiagnostic d = arg.getUsers().begin()->emitError()
                               << "enable_cache: the past input '"
                               << argName(func, arg.getArgNumber())
                               << "' is still read here after its attention moved to the "
                                  "runtime's cache (the cache form takes positions from "
                                  "inputs, not from the past tensors' shapes)";
        return signalPassFailure();
      }
      dropArgs.set(arg.getArgNumber());
    }
    // Inputs only the cache's mask read (an attention_mask) go too.
    for (unsigned i = 0; i < nargs; ++i)
      if (body.getArgument(i).use_empty() && !dropArgs.test(i)) {
        emitRemark(func.getLoc()) << "enable_cache: input '" << argName(func, i)
                                  << "' is unused with the runtime's cache and is dropped";
        dropArgs.set(i);
      }
    if (failed(func.eraseArguments(dropArgs))) {
      func.emitError("enable_cache: cannot drop the past inputs");
      return signalPassFailure();
    }

    // Bounds of the open extents left: the batch (cache slots) and the
    // tokens of one call (a prefill chunk; decode steps take one).
    NamedAttrList bounds;
    if (auto have = module->getAttrOfType<DictionaryAttr>("autoglm.dim_bounds"))
      bounds.append(have.getValue());
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      if (auto params = func.getArgAttrOfType<ArrayAttr>(i, "autoglm.dim_params"))
        for (auto [d, p] : llvm::enumerate(params)) {
          auto name = cast<StringAttr>(p);
          auto t = cast<RankedTensorType>(func.getArgument(i).getType());
          if (name.getValue().empty() || !t.isDynamicDim(d) || bounds.get(name))
            continue;
          bounds.append(name, b.getI64IntegerAttr(name == batchParam ? maxBatch : maxTokens));
        }
    module->setAttr("autoglm.dim_bounds", bounds.getDictionary(b.getContext()));

    func->setAttr("autoglm.kv_cache",
                  b.getDictionaryAttr({
                      b.getNamedAttr("block_size", b.getI64IntegerAttr(blockSize)),
                      b.getNamedAttr("num_blocks", b.getI64IntegerAttr(numBlocks)),
                      b.getNamedAttr("max_blocks", b.getI64IntegerAttr(maxBlocks)),
                      b.getNamedAttr("max_batch", b.getI64IntegerAttr(maxBatch)),
                      b.getNamedAttr("max_tokens", b.getI64IntegerAttr(maxTokens)),
                      b.getNamedAttr("max_seq_len", b.getI64IntegerAttr(maxSeqLen)),
                      b.getNamedAttr("layers", b.getI64IntegerAttr(attentions.size())),
                  }));
  }
};

} // namespace
