//===- VectorizePools.cpp - pooling windows as vectors along the width -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// A pooling op (MaxPool, the sum of an AveragePool) is a linalg.generic
// whose input is read through a window, x[n, c, oh * sh + kh * dh, ow * sw +
// kw], and reduced over (kh, kw) with max or add. Left to LLVM it is a
// scalar chain per output (the reduction is innermost). Here each tile of
// up to `width` outputs along a row keeps one vector accumulator and takes,
// per window position, one vector of inputs: a plain read at stride 1, two
// reads and an even-lane shuffle at stride 2. Part of
// autoglm-cpu-vectorize-reductions.
//===----------------------------------------------------------------------===//

#include "VectorizePools.h"
#include "KernelSupport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace {

struct Pool {
  int64_t sh = 1, sw = 1, dh = 1; // strides, the window's row dilation
  vector::CombiningKind kind;
};

/// `e` as `d(a) * s + d(b) * m` (either term may be missing its factor).
bool splitWindowExpr(AffineExpr e, unsigned a, unsigned b, int64_t &s, int64_t &m) {
  s = m = 0;
  auto term = [&](AffineExpr t) {
    int64_t f = 1;
    if (auto mul = dyn_cast<AffineBinaryOpExpr>(t); mul && mul.getKind() == AffineExprKind::Mul) {
      auto c = dyn_cast<AffineConstantExpr>(mul.getRHS());
      if (!c)
        return false;
      f = c.getValue();
      t = mul.getLHS();
    }
    auto d = dyn_cast<AffineDimExpr>(t);
    if (!d || f <= 0)
      return false;
    if (d.getPosition() == a && !s)
      s = f;
    else if (d.getPosition() == b && !m)
      m = f;
    else
      return false;
    return true;
  };
  auto add = dyn_cast<AffineBinaryOpExpr>(e);
  if (!add || add.getKind() != AffineExprKind::Add)
    return false;
  return term(add.getLHS()) && term(add.getRHS()) && s && m;
}

std::optional<Pool> matchPool(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 || op.getNumLoops() != 6 ||
      op.getNumReductionLoops() != 2 || op.getNumDpsInputs() < 1)
    return std::nullopt;
  auto iters = op.getIteratorTypesArray();
  for (unsigned i = 0; i < 6; ++i)
    if ((iters[i] == utils::IteratorType::reduction) != (i >= 4))
      return std::nullopt;
  // Static, and no empty extent (a zero-lane vector does not exist).
  if (llvm::any_of(op.getStaticLoopRanges(),
                   [](int64_t r) { return ShapedType::isDynamic(r) || r < 1; }))
    return std::nullopt;
  auto outTy = cast<RankedTensorType>(op.getResult(0).getType());
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (!outTy.getElementType().isF32() || outMap.getNumResults() != 4)
    return std::nullopt;
  for (unsigned i = 0; i < 4; ++i)
    if (outMap.getResult(i) != getAffineDimExpr(i, op.getContext()))
      return std::nullopt;
  // Input 0: x[d0, d1, d2 * sh + d4 * dh, d3 * sw + d5]; other inputs (the
  // window's shape) are not read by the body.
  OpOperand *x = op.getDpsInputOperand(0);
  AffineMap m = op.getMatchingIndexingMap(x);
  if (!cast<RankedTensorType>(x->get().getType()).getElementType().isF32() ||
      m.getNumResults() != 4 || m.getResult(0) != getAffineDimExpr(0, op.getContext()) ||
      m.getResult(1) != getAffineDimExpr(1, op.getContext()))
    return std::nullopt;
  Pool p;
  int64_t dw;
  if (!splitWindowExpr(m.getResult(2), 2, 4, p.sh, p.dh) ||
      !splitWindowExpr(m.getResult(3), 3, 5, p.sw, dw) || dw != 1 || p.sw > 2)
    return std::nullopt;
  Block &body = op.getRegion().front();
  for (unsigned i = 1; i < op.getNumDpsInputs(); ++i)
    if (!body.getArgument(i).use_empty())
      return std::nullopt;
  if (!llvm::hasSingleElement(body.without_terminator()))
    return std::nullopt;
  Operation &comb = body.front();
  Value in = body.getArgument(0), out = body.getArgument(op.getNumDpsInputs());
  if (comb.getNumOperands() != 2 || !llvm::is_contained(comb.getOperands(), in) ||
      !llvm::is_contained(comb.getOperands(), out) ||
      body.getTerminator()->getOperand(0) != comb.getResult(0))
    return std::nullopt;
  if (isa<arith::MaximumFOp>(comb))
    p.kind = vector::CombiningKind::MAXIMUMF;
  else if (isa<arith::MinimumFOp>(comb))
    p.kind = vector::CombiningKind::MINIMUMF;
  else if (isa<arith::AddFOp>(comb))
    p.kind = vector::CombiningKind::ADD;
  else
    return std::nullopt;
  return p;
}

/// The tiled op `t` ([1, 1, 1, w, KH, KW]) as its vector loop: the
/// accumulator starts from `start` (the fill the pool's output had, which
/// the tile then never reads) or else from the output tile, and takes one
/// vector per window position.
void emitTile(RewriterBase &rw, linalg::GenericOp t, const Pool &p, Value start) {
  SmallVector<int64_t> r = t.getStaticLoopRanges();
  int64_t w = r[3], kh = r[4], kw = r[5];
  Location loc = t.getLoc();
  rw.setInsertionPoint(t);
  Type f32 = rw.getF32Type();
  auto vecTy = VectorType::get({w}, f32);
  Value x = t.getDpsInputOperand(0)->get(), init = t.getDpsInitOperand(0)->get();
  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(rw, loc, v).getResult(); };
  Value c0 = idx(0);
  Value pad = arith::ConstantOp::create(rw, loc, rw.getF32FloatAttr(0.0f));
  Value acc = start
                  ? vector::BroadcastOp::create(rw, loc, vecTy, start).getResult()
                  : vector::TransferReadOp::create(rw, loc, vecTy, init, ValueRange{c0, c0, c0, c0},
                                                   pad, ArrayRef<bool>{true})
                        .getResult();
  SmallVector<int64_t> even;
  for (int64_t i = 0; i < w; ++i)
    even.push_back(2 * i);
  for (int64_t i = 0; i < kh; ++i)
    for (int64_t j = 0; j < kw; ++j) {
      SmallVector<Value> at = {c0, c0, idx(i * p.dh), idx(j)};
      Value v;
      if (p.sw == 1) {
        v = vector::TransferReadOp::create(rw, loc, vecTy, x, at, pad, ArrayRef<bool>{true});
      } else {
        // A read of w and one of w after it, then the even lanes of the
        // two. The last even lane is 2w - 2: the second read's last lane
        // may be past the tile's 2w - 2 + KW columns, so that read is
        // masked (a width of w - 1 was no legal vector: LLVM assembled it
        // from 8, 4, 2 and 1-lane pieces).
        Value a = vector::TransferReadOp::create(rw, loc, vecTy, x, at, pad, ArrayRef<bool>{true});
        Value b = a;
        if (w > 1) {
          at[3] = idx(j + w);
          b = vector::TransferReadOp::create(rw, loc, vecTy, x, at, pad, ArrayRef<bool>{false});
        }
        v = vector::ShuffleOp::create(rw, loc, a, b, even);
      }
      acc = vector::makeArithReduction(rw, loc, p.kind, acc, v);
    }
  Value res = vector::TransferWriteOp::create(rw, loc, acc, init, ValueRange{c0, c0, c0, c0},
                                              ArrayRef<bool>{true})
                  .getResult();
  rw.replaceOp(t, res);
}

} // namespace

void mlir::autoglm::cpu::vectorizePools(RewriterBase &rw, Operation *root, int64_t width,
                                        bool parallel, int64_t minParallelWork) {
  SmallVector<linalg::GenericOp> ops;
  root->walk([&](linalg::GenericOp op) {
    SmallVector<int64_t> r = op.getStaticLoopRanges();
    // Windows of at most 64 positions (each one unrolled read).
    if (matchPool(op) && r[4] * r[5] <= 64)
      ops.push_back(op);
  });
  for (linalg::GenericOp op : ops) {
    Pool p = *matchPool(op);
    // The output's fill (the reduction's identity) is where the tiles'
    // accumulators start; its own pass over the output goes (as loops,
    // LLVM made it scatters: a fifth of a [64, 55, 55] MaxPool's time).
    Value start;
    OpOperand *initOperand = op.getDpsInitOperand(0);
    if (auto fill = initOperand->get().getDefiningOp<linalg::FillOp>();
        fill && initOperand->get().hasOneUse() && fill.getInputs()[0].getType().isF32()) {
      start = fill.getInputs()[0];
      rw.modifyOpInPlace(op, [&] { initOperand->set(fill.getOutputs()[0]); });
      rw.eraseOp(fill);
    }
    // A part left as it is fills its output again.
    auto refill = [&](linalg::GenericOp g) {
      if (!start)
        return;
      rw.setInsertionPoint(g);
      OpOperand *init = g.getDpsInitOperand(0);
      auto f = linalg::FillOp::create(rw, g.getLoc(), start, init->get());
      rw.modifyOpInPlace(g, [&] { init->set(f.getResult(0)); });
    };
    int64_t work = staticWork(op), ow = op.getStaticLoopRanges()[3];
    // Whole vectors along the output row, then one narrower one.
    SmallVector<std::pair<linalg::GenericOp, int64_t>> parts;
    if (ow > width && ow % width) {
      rw.setInsertionPoint(op);
      auto [head, tail] = linalg::splitOp(rw, cast<TilingInterface>(op.getOperation()), 3,
                                          rw.getIndexAttr(ow / width * width));
      if (!head || !tail) {
        refill(op);
        continue;
      }
      parts.push_back({cast<linalg::GenericOp>(head.getOperation()), width});
      parts.push_back({cast<linalg::GenericOp>(tail.getOperation()), ow % width});
    } else {
      parts.push_back({op, std::min(ow, width)});
    }
    for (auto [part, w] : parts) {
      auto tiled = tileOp(rw, cast<TilingInterface>(part.getOperation()), {1, 1, 1, w, 0, 0},
                          parallel && work >= minParallelWork);
      if (failed(tiled)) {
        refill(part);
        continue;
      }
      for (Operation *t : *tiled)
        emitTile(rw, cast<linalg::GenericOp>(t), p, start);
    }
  }
}
