//===- FuseAttention.cpp - autoglm-fuse-attention ------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// matmul(softmax(scale * q·kᵀ (+ mask)), v) -> autoglm.attention. The
// pattern is rooted at the second matmul and walks up; kᵀ can be any value
// (torch fuses the head split into the transpose), k is rebuilt as its
// last-two-dims transpose, which pruning then composes with the producer.
//===----------------------------------------------------------------------===//

#include "../Utils.h"
#include "autoglm/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::autoglm {
#define GEN_PASS_DEF_FUSEATTENTION
#include "autoglm/Transforms/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {

bool singleUse(Value v) { return v && v.hasOneUse(); }

bool isNegInf(Value v) {
  auto c = constantScalar(v);
  return c && std::isinf(*c) && *c < 0;
}

/// A constant boolean [Sq, Sk] (or with leading unit dims) that is exactly
/// the causal "key after query" mask j > i + (Sk - Sq).
bool isCausalMasked(Value cond, int64_t sq, int64_t sk) {
  auto c = cond.getDefiningOp<ConstantOp>();
  if (!c)
    return false;
  auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
  auto t = c.getType();
  if (!dense || !t.getElementType().isInteger(1) || t.getRank() < 2 ||
      t.getDimSize(t.getRank() - 2) != sq || t.getDimSize(t.getRank() - 1) != sk ||
      t.getNumElements() != sq * sk)
    return false;
  auto vals = llvm::to_vector(dense.getValues<bool>());
  for (int64_t i = 0; i < sq; ++i)
    for (int64_t j = 0; j < sk; ++j)
      if (vals[i * sk + j] != (j > i + (sk - sq)))
        return false;
  return true;
}

struct FuseAttentionPattern : CountingPattern<MatMulOp> {
  using CountingPattern::CountingPattern;

  LogicalResult matchAndRewrite(MatMulOp out, PatternRewriter &rw) const override {
    auto sm = out.getLhs().getDefiningOp<SoftmaxOp>();
    Value v = out.getRhs();
    auto vt = cast<RankedTensorType>(v.getType());
    int64_t r = vt.getRank();
    if (!sm || sm.getLog() || !singleUse(sm.getResult()) || r < 2 ||
        (int64_t)sm.getAxis() != r - 1 || sm.getType().getRank() != r)
      return failure();
    Value s = sm.getInput();
    Value mask, maskedWhere;
    bool causal = false;
    // Optional mask: additive, or select(cond, -inf, s).
    if (auto add = s.getDefiningOp<BinaryOp>();
        add && add.getKind() == BinaryKind::Add && singleUse(s)) {
      for (auto [a, b] : {std::pair{add.getLhs(), add.getRhs()}, {add.getRhs(), add.getLhs()}})
        if (a.getDefiningOp<MatMulOp>() || a.getDefiningOp<BinaryOp>()) {
          s = a;
          mask = b;
          break;
        }
      if (!mask)
        return failure();
    } else if (auto sel = s.getDefiningOp<SelectOp>(); sel && singleUse(s)) {
      if (!isNegInf(sel.getLhs()))
        return failure();
      s = sel.getRhs();
      auto st = cast<RankedTensorType>(s.getType());
      int64_t sq = st.getDimSize(r - 2), sk = st.getDimSize(r - 1);
      if (isCausalMasked(sel.getCondition(), sq, sk))
        causal = true;
      else
        maskedWhere = sel.getCondition(); // keep where it is false
    }
    // Optional scale: * c or / c.
    double scale = 1.0;
    if (auto b = s.getDefiningOp<BinaryOp>(); b && singleUse(s)) {
      if (b.getKind() == BinaryKind::Div) {
        auto c = constantScalar(b.getRhs());
        if (!c || *c == 0)
          return failure();
        scale = 1.0 / *c;
        s = b.getLhs();
      } else if (b.getKind() == BinaryKind::Mul) {
        auto c = constantScalar(b.getRhs());
        Value x = b.getLhs();
        if (!c) {
          c = constantScalar(b.getLhs());
          x = b.getRhs();
        }
        if (!c)
          return failure();
        scale = *c;
        s = x;
      }
    }
    auto qk = s.getDefiningOp<MatMulOp>();
    if (!qk || !singleUse(s))
      return failure();
    Value q = qk.getLhs(), kT = qk.getRhs();
    auto qt = cast<RankedTensorType>(q.getType());
    auto kTt = cast<RankedTensorType>(kT.getType());
    auto st = sm.getType();
    if (qt.getRank() != r || kTt.getRank() != r)
      return failure();
    // The attention op's batch dims must agree (broadcasting matmuls are
    // left alone) and the mask must broadcast onto the scores.
    for (int64_t i = 0; i < r - 2; ++i)
      if (qt.getDimSize(i) != kTt.getDimSize(i) || qt.getDimSize(i) != vt.getDimSize(i))
        return failure();
    Value m = mask ? mask : maskedWhere;
    if (m) {
      auto mt = cast<RankedTensorType>(m.getType());
      auto b = broadcastShapes(st.getShape(), mt.getShape());
      if (mt.getRank() > r || failed(b) || ArrayRef<int64_t>(*b) != st.getShape())
        return failure();
    }
    SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, r));
    std::swap(perm[r - 1], perm[r - 2]);
    rw.setInsertionPoint(out);
    Value k = TransposeOp::create(rw, qk.getLoc(), kT, perm);
    if (maskedWhere)
      mask = UnaryOp::create(rw, out.getLoc(), UnaryKind::Not, maskedWhere, FloatAttr(),
                             FloatAttr());
    auto att = AttentionOp::create(
        rw, FusedLoc::get(rw.getContext(), {qk.getLoc(), sm.getLoc(), out.getLoc()}),
        out.getType(), q, k, v, mask, rw.getF64FloatAttr(scale),
        rw.getBoolAttr(causal));
    rw.replaceOp(out, att.getResult());
    ++count;
    return success();
  }
};

/// attention(q / c, k, v, scale s) -> attention(q, k, v, s / c) (and q * c,
/// and the same on k): torch's MultiheadAttention scales q by 1/sqrt(d)
/// before its product with k (the ViT's encoder), and
/// scaled_dot_product_attention scales both by d^-1/4; the scores are scaled
/// either way, and each such scaling was an elementwise pass (a kernel
/// launch on the GPU) over q or k.
struct FoldAttentionScale : CountingPattern<AttentionOp> {
  using CountingPattern::CountingPattern;

  LogicalResult matchAndRewrite(AttentionOp att, PatternRewriter &rw) const override {
    for (unsigned i : {0u, 1u}) {
      Value operand = att->getOperand(i);
      auto b = operand.getDefiningOp<BinaryOp>();
      if (!b || !singleUse(operand) ||
          (b.getKind() != BinaryKind::Div && b.getKind() != BinaryKind::Mul))
        continue;
      Value x = b.getLhs();
      std::optional<double> c = constantScalar(b.getRhs());
      if (!c && b.getKind() == BinaryKind::Mul) {
        c = constantScalar(b.getLhs());
        x = b.getRhs();
      }
      if (!c || *c == 0 || !std::isfinite(*c) || x.getType() != operand.getType())
        continue;
      double scale = att.getScale().convertToDouble();
      scale = b.getKind() == BinaryKind::Div ? scale / *c : scale * *c;
      rw.modifyOpInPlace(att, [&] {
        att->setOperand(i, x);
        att.setScaleAttr(rw.getF64FloatAttr(scale));
      });
      rw.eraseOp(b);
      ++count;
      return success();
    }
    return failure();
  }
};

struct FuseAttentionPass : autoglm::impl::FuseAttentionBase<FuseAttentionPass> {
  void runOnOperation() override {
    int64_t fused = 0, scales = 0;
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseAttentionPattern>(&getContext(), fused);
    patterns.add<FoldAttentionScale>(&getContext(), scales);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    recordCount(getOperation(), "attention fused", fused);
    recordCount(getOperation(), "attention operand scales folded", scales);
  }
};

} // namespace
