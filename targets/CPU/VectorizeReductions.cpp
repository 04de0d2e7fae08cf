//===- VectorizeReductions.cpp - innermost-dim reductions as vectors -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// A reduction over the innermost dim of its inputs (softmax's max and sum,
// layer norm's mean and variance, ReduceSum over the last axis) is a scalar
// loop after lowering: LLVM does not reassociate a float sum to vectorize
// it. Here each output point gets a vector accumulator of `width` lanes: the
// loop over the reduced dim steps `width` at a time, applies the op's
// elementwise part to vectors and combines lane-wise; one horizontal
// reduction (vector.reduction) and the combine with the initial value end it.
// The sum is reassociated (width partial sums), as every vectorized
// reduction is. Several trailing reduced dims that every operand reads in
// order (a global average pool's H and W) are collapsed into one first.
//===----------------------------------------------------------------------===//

#include "KernelSupport.h"
#include "VectorizePools.h"
#include "autoglm/Target/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_CPUVECTORIZEREDUCTIONS
#include "autoglm/Target/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {

/// The combining op of a reduction body, `out <op> f(ins)`, and its kind.
struct Combiner {
  Operation *op;
  vector::CombiningKind kind;
  unsigned other; // operand index of f(ins)
};

/// The loop position of `op`'s one reduction dim.
unsigned reductionDim(linalg::GenericOp op) {
  auto iters = op.getIteratorTypesArray();
  for (unsigned i = 0; i < iters.size(); ++i)
    if (iters[i] == utils::IteratorType::reduction)
      return i;
  return 0;
}

std::optional<Combiner> matchReduction(linalg::GenericOp op, int64_t width) {
  if (op.getNumDpsInits() != 1 || op.getNumReductionLoops() != 1 ||
      !op.hasPureTensorSemantics() || op.getNumDpsInputs() == 0)
    return std::nullopt;
  auto outTy = dyn_cast<RankedTensorType>(op.getResult(0).getType());
  if (!outTy || !outTy.getElementType().isF32())
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic))
    return std::nullopt;
  unsigned r = reductionDim(op);
  if (ranges[r] < width)
    return std::nullopt;
  // Inputs: projected permutations whose last dim is r when they read it;
  // f32 (vectors of i1 are bit-packed in memory, our buffers are not).
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap m = op.getMatchingIndexingMap(in);
    auto t = dyn_cast<RankedTensorType>(in->get().getType());
    if (!t || !t.getElementType().isF32() || !m.isProjectedPermutation())
      return std::nullopt;
    if (m.isFunctionOfDim(r) &&
        cast<AffineDimExpr>(m.getResult(m.getNumResults() - 1)).getPosition() != r)
      return std::nullopt;
  }
  if (!op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isProjectedPermutation())
    return std::nullopt;
  // Body: elementwise arith/math, yielding out <add|max|min> f(ins), where
  // the out argument is used by the combiner only.
  Block &body = op.getRegion().front();
  Value out = body.getArgument(op.getNumDpsInputs());
  if (!out.hasOneUse())
    return std::nullopt;
  Operation *comb = *out.getUsers().begin();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  if (yield.getOperand(0).getDefiningOp() != comb || comb->getNumOperands() != 2)
    return std::nullopt;
  std::optional<vector::CombiningKind> kind;
  if (isa<arith::AddFOp>(comb))
    kind = vector::CombiningKind::ADD;
  else if (isa<arith::MaximumFOp>(comb))
    kind = vector::CombiningKind::MAXIMUMF;
  else if (isa<arith::MinimumFOp>(comb))
    kind = vector::CombiningKind::MINIMUMF;
  if (!kind)
    return std::nullopt;
  for (Operation &o : body.without_terminator()) {
    if (!autoglm::cpu::isVectorizableBodyOp(o))
      return std::nullopt;
    for (Type t : o.getResultTypes())
      if (!t.isF32() && !t.isInteger(1))
        return std::nullopt;
  }
  return Combiner{comb, *kind, comb->getOperand(0) == out ? 1u : 0u};
}

/// The identity of `kind` on f32.
Attribute identity(Builder &b, vector::CombiningKind kind) {
  float v = kind == vector::CombiningKind::ADD        ? 0.0f
            : kind == vector::CombiningKind::MAXIMUMF ? -INFINITY
                                                      : INFINITY;
  return b.getF32FloatAttr(v);
}

/// Replaces the tiled op `t` (every parallel dim 1) by the vector loop; a
/// tile that no longer matches stays a (correct) scalar generic.
void emit(IRRewriter &rw, linalg::GenericOp t, int64_t width) {
  // The combiner of the tile's own body (a clone of the op's).
  std::optional<Combiner> matched = matchReduction(t, width);
  if (!matched)
    return;
  const Combiner &c = *matched;
  Location loc = t.getLoc();
  rw.setInsertionPoint(t);
  SmallVector<int64_t> ranges = t.getStaticLoopRanges();
  unsigned r = reductionDim(t);
  Type f32 = rw.getF32Type();
  auto vecTy = VectorType::get({width}, f32);
  Value c0 = arith::ConstantIndexOp::create(rw, loc, 0);
  Value pad = arith::ConstantOp::create(rw, loc, rw.getF32FloatAttr(0.0f));
  Value init = arith::ConstantOp::create(
      rw, loc, vecTy, SplatElementsAttr::get(vecTy, identity(rw, c.kind)));
  Value ub = arith::ConstantIndexOp::create(rw, loc, ranges[r]);
  Value step = arith::ConstantIndexOp::create(rw, loc, width);
  Block &body = t.getRegion().front();
  auto loop = scf::ForOp::create(
      rw, loc, c0, ub, step, ValueRange{init},
      [&](OpBuilder &b, Location l, Value k, ValueRange args) {
        IRMapping map;
        for (OpOperand *in : t.getDpsInputOperands()) {
          AffineMap m = t.getMatchingIndexingMap(in);
          SmallVector<Value> idx;
          for (AffineExpr e : m.getResults())
            idx.push_back(cast<AffineDimExpr>(e).getPosition() == r ? k : c0);
          Value v = m.isFunctionOfDim(r)
                        ? vector::TransferReadOp::create(b, l, vecTy, in->get(), idx, pad,
                                                         ArrayRef<bool>{true})
                              .getResult()
                        : vector::BroadcastOp::create(
                              b, l, vecTy, tensor::ExtractOp::create(b, l, in->get(), idx))
                              .getResult();
          map.map(body.getArgument(in->getOperandNumber()), v);
        }
        auto vecOf = [&](Type s) { return VectorType::get({width}, s); };
        autoglm::cpu::cloneOnVectors(b, l, body, map, vecOf, c.op);
        Value xv = autoglm::cpu::vectorOf(b, l, c.op->getOperand(c.other), map, vecOf);
        Value acc = vector::makeArithReduction(b, l, c.kind, args[0], xv);
        scf::YieldOp::create(b, l, acc);
      });
  Value lanes = loop.getResult(0);
  // Combine with the initial value at this output point.
  Value cIn = t.getDpsInitOperand(0)->get();
  auto cTy = cast<RankedTensorType>(cIn.getType());
  SmallVector<Value> zeros(cTy.getRank(), c0);
  Value start = tensor::ExtractOp::create(rw, loc, cIn, zeros);
  Value total = vector::ReductionOp::create(rw, loc, c.kind, lanes, start);
  rw.replaceOp(t, tensor::InsertOp::create(rw, loc, total, cIn, zeros).getResult());
}

struct CPUVectorizeReductionsPass
    : autoglm::impl::CPUVectorizeReductionsBase<CPUVectorizeReductionsPass> {
  using CPUVectorizeReductionsBase::CPUVectorizeReductionsBase;

  /// Reductions over several trailing dims (GlobalAveragePool's H x W,
  /// with the SiLU before it fused in) as one reduced dim when every
  /// operand reads them in order; they were left scalar (efficientnet_b0:
  /// 13% of its time in such pools, an exp per element).
  void collapseTrailingReductions(IRRewriter &rw) {
    SmallVector<linalg::GenericOp> ops;
    getOperation().walk([&](linalg::GenericOp op) {
      // Projected permutations only: a pooling window's map (oh * s + kh)
      // is no sequence of dims to collapse.
      if (op.getNumReductionLoops() > 1 && op.hasPureTensorSemantics() &&
          op.getNumDpsInits() == 1 &&
          !llvm::any_of(op.getStaticLoopRanges(), ShapedType::isDynamic) &&
          llvm::all_of(op.getIndexingMapsArray(),
                       [](AffineMap m) { return m.isProjectedPermutation(); }))
        ops.push_back(op);
    });
    for (linalg::GenericOp op : ops) {
      auto iters = op.getIteratorTypesArray();
      unsigned n = iters.size(), first = n;
      while (first > 0 && iters[first - 1] == utils::IteratorType::reduction)
        --first;
      if (n - first == op.getNumReductionLoops())
        (void)autoglm::cpu::collapseTrailingLoops(rw, op, first);
    }
  }

  void runOnOperation() override {
    IRRewriter rw(&getContext());
    autoglm::cpu::vectorizePools(rw, getOperation(), width, parallel, minParallelWork);
    collapseTrailingReductions(rw);
    SmallVector<linalg::GenericOp> ops;
    getOperation().walk([&](linalg::GenericOp op) {
      if (matchReduction(op, width))
        ops.push_back(op);
    });
    for (linalg::GenericOp op : ops) {
      // A reduced extent no multiple of `width`: the whole vectors here, the
      // rest (fewer than `width`) a scalar op that continues from them.
      unsigned r = reductionDim(op);
      int64_t extent = op.getStaticLoopRanges()[r];
      if (extent % width) {
        rw.setInsertionPoint(op);
        auto [head, tail] = linalg::splitOp(rw, cast<TilingInterface>(op.getOperation()), r,
                                            rw.getIndexAttr(extent / width * width));
        if (!head || !tail)
          continue;
        op = cast<linalg::GenericOp>(head.getOperation());
      }
      // Every output point one tile; the reduced dim whole.
      auto iters = op.getIteratorTypesArray();
      SmallVector<int64_t> sizes;
      for (auto it : iters)
        sizes.push_back(it == utils::IteratorType::parallel ? 1 : 0);
      auto tiled = autoglm::cpu::tileOp(
          rw, cast<TilingInterface>(op.getOperation()), sizes,
          parallel && autoglm::cpu::staticWork(op) >= minParallelWork);
      if (failed(tiled))
        continue;
      for (Operation *t : *tiled)
        emit(rw, cast<linalg::GenericOp>(t), width);
    }
  }
};

} // namespace
