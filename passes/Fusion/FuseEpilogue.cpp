//===- FuseEpilogue.cpp - autoglm-fuse-epilogue --------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "../Utils.h"
#include "autoglm/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_FUSEEPILOGUE
#include "autoglm/Transforms/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {

bool isActivation(UnaryKind k) {
  switch (k) {
  case UnaryKind::Relu:
  case UnaryKind::Clip:
  case UnaryKind::Sigmoid:
  case UnaryKind::Silu:
  case UnaryKind::Gelu:
  case UnaryKind::GeluTanh:
  case UnaryKind::HardSwish:
  case UnaryKind::Tanh:
  case UnaryKind::LeakyRelu:
  case UnaryKind::HardSigmoid:
    return true;
  default:
    return false;
  }
}

/// activation(contraction(...)) -> contraction(...) {activation}.
template <typename Op>
struct FuseActivation : CountingPattern<UnaryOp> {
  using CountingPattern::CountingPattern;
  LogicalResult matchAndRewrite(UnaryOp act, PatternRewriter &rw) const override {
    auto op = act.getInput().template getDefiningOp<Op>();
    if (!op || !op->hasOneUse() || op.getActivation() || !isActivation(act.getKind()) ||
        !isa<FloatType>(act.getType().getElementType()) ||
        op->getResult(0).getType() != act.getType())
      return failure();
    rw.modifyOpInPlace(op, [&] {
      op.setActivationAttr(UnaryKindAttr::get(rw.getContext(), act.getKind()));
      if (act.getAlphaAttr())
        op.setActAlphaAttr(act.getAlphaAttr());
      if (act.getBetaAttr())
        op.setActBetaAttr(act.getBetaAttr());
      op->setLoc(FusedLoc::get(rw.getContext(), {op->getLoc(), act.getLoc()}));
    });
    rw.replaceOp(act, op->getResult(0));
    ++count;
    return success();
  }
};

/// conv (no bias) + constant per-channel tensor [C] / [1, C, 1, ...] -> bias.
struct FuseConvBias : CountingPattern<BinaryOp> {
  using CountingPattern::CountingPattern;
  LogicalResult matchAndRewrite(BinaryOp add, PatternRewriter &rw) const override {
    if (add.getKind() != BinaryKind::Add)
      return failure();
    for (auto [x, b] : {std::pair{add.getLhs(), add.getRhs()}, {add.getRhs(), add.getLhs()}}) {
      auto conv = x.getDefiningOp<ConvOp>();
      if (!conv || conv.getBias() || conv.getActivation() || !conv->hasOneUse() ||
          add.getType() != conv.getType())
        continue;
      // Only [1, C, 1, ...] is per channel (a [C] tensor would broadcast
      // onto the last spatial dim).
      auto values = constantF32(b);
      auto bt = cast<RankedTensorType>(b.getType());
      auto ct = conv.getType();
      int64_t c = ct.getDimSize(1);
      bool perChannel = bt.getRank() == ct.getRank() && bt.getNumElements() == c;
      for (int64_t i = 0; perChannel && i < bt.getRank(); ++i)
        perChannel = bt.getDimSize(i) == (i == 1 ? c : 1);
      if (!values || !perChannel)
        continue;
      rw.setInsertionPoint(conv);
      Value bias = makeF32Constant(rw, b.getLoc(), {c}, *values,
                                   constantName(b, "bias"));
      rw.modifyOpInPlace(conv, [&] { conv.getBiasMutable().assign(bias); });
      rw.replaceOp(add, conv.getResult());
      ++count;
      return success();
    }
    return failure();
  }
};

/// conv + a tensor of its own type -> conv {residual}: the skip connection
/// of residual networks, added before the activation.
struct FuseConvResidual : CountingPattern<BinaryOp> {
  using CountingPattern::CountingPattern;
  LogicalResult matchAndRewrite(BinaryOp add, PatternRewriter &rw) const override {
    if (add.getKind() != BinaryKind::Add)
      return failure();
    for (auto [x, r] : {std::pair{add.getLhs(), add.getRhs()}, {add.getRhs(), add.getLhs()}}) {
      auto conv = x.getDefiningOp<ConvOp>();
      if (!conv || conv.getResidual() || conv.getActivation() || !conv->hasOneUse() ||
          r.getType() != conv.getType() || add.getType() != conv.getType() ||
          r.getDefiningOp<ConstantOp>())
        continue;
      // The residual must exist before the conv runs.
      Operation *def = r.getDefiningOp();
      if (def && def->getBlock() == conv->getBlock() && !def->isBeforeInBlock(conv))
        continue;
      Value residual = r; // a structured binding cannot be captured in C++17
      rw.modifyOpInPlace(conv, [&] {
        conv.getResidualMutable().assign(residual);
        conv->setLoc(FusedLoc::get(rw.getContext(), {conv->getLoc(), add.getLoc()}));
      });
      rw.replaceOp(add, conv.getResult());
      ++count;
      return success();
    }
    return failure();
  }
};

struct FuseEpiloguePass : autoglm::impl::FuseEpilogueBase<FuseEpiloguePass> {
  void runOnOperation() override {
    int64_t acts = 0, biases = 0, residuals = 0;
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseActivation<ConvOp>, FuseActivation<LinearOp>,
                 FuseActivation<MatMulOp>>(&getContext(), acts);
    patterns.add<FuseConvBias>(&getContext(), biases);
    patterns.add<FuseConvResidual>(&getContext(), residuals);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    recordCount(getOperation(), "activation fused into conv/matmul/linear", acts);
    recordCount(getOperation(), "bias add fused into conv", biases);
    recordCount(getOperation(), "residual add fused into conv", residuals);
  }
};

} // namespace
