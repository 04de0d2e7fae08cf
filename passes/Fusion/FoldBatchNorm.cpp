//===- FoldBatchNorm.cpp - autoglm-fold-batchnorm ------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "../Utils.h"
#include "autoglm/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::autoglm {
#define GEN_PASS_DEF_FOLDBATCHNORM
#include "autoglm/Transforms/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {

/// Per-channel factor s = scale / sqrt(var + eps) and shift
/// t = bias - mean * s, so that bn(y) = y * s + t.
struct BNParams {
  std::vector<float> s, t;
};

std::optional<BNParams> readBN(BatchNormOp bn) {
  auto scale = constantF32(bn.getScale()), bias = constantF32(bn.getBias()),
       mean = constantF32(bn.getMean()), var = constantF32(bn.getVariance());
  if (!scale || !bias || !mean || !var)
    return std::nullopt;
  double eps = bn.getEpsilon().convertToDouble();
  BNParams p;
  for (size_t c = 0; c < scale->size(); ++c) {
    double s = (*scale)[c] / std::sqrt((double)(*var)[c] + eps);
    p.s.push_back((float)s);
    p.t.push_back((float)((*bias)[c] - (*mean)[c] * s));
  }
  return p;
}

/// New weight with every row of the leading `channels` scaled, and the bias
/// b' = b * s + t (b = 0 when absent).
std::optional<std::pair<Value, Value>>
foldedWeights(PatternRewriter &rw, Location loc, Value weight, Value bias,
              const BNParams &p) {
  auto w = constantF32(weight);
  if (!w)
    return std::nullopt;
  auto wt = cast<RankedTensorType>(weight.getType());
  int64_t channels = wt.getDimSize(0);
  if ((int64_t)p.s.size() != channels)
    return std::nullopt;
  std::vector<float> b(channels, 0.0f);
  if (bias) {
    auto bv = constantF32(bias);
    if (!bv)
      return std::nullopt;
    b = *bv;
  }
  int64_t per = wt.getNumElements() / channels;
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t i = 0; i < per; ++i)
      (*w)[c * per + i] *= p.s[c];
    b[c] = b[c] * p.s[c] + p.t[c];
  }
  std::string name = constantName(weight, "weight");
  Value nw = makeF32Constant(rw, loc, wt.getShape(), *w, name + "_bn");
  Value nb = makeF32Constant(rw, loc, {channels}, b, name + "_bn_bias");
  return std::make_pair(nw, nb);
}

struct FoldIntoConv : CountingPattern<BatchNormOp> {
  using CountingPattern::CountingPattern;
  LogicalResult matchAndRewrite(BatchNormOp bn, PatternRewriter &rw) const override {
    auto conv = bn.getInput().getDefiningOp<ConvOp>();
    // An epilogue (residual, activation) sits between conv and BN: no fold.
    if (!conv || !conv->hasOneUse() || conv.getResidual() || conv.getActivation())
      return failure();
    auto p = readBN(bn);
    if (!p)
      return failure();
    rw.setInsertionPoint(conv);
    auto nw = foldedWeights(rw, conv.getLoc(), conv.getWeight(), conv.getBias(), *p);
    if (!nw)
      return failure();
    auto folded = ConvOp::create(
        rw, FusedLoc::get(rw.getContext(), {conv.getLoc(), bn.getLoc()}), bn.getType(),
        conv.getInput(), nw->first, nw->second, conv.getStrides(), conv.getDilations(),
        conv.getPads(), conv.getGroup());
    rw.replaceOp(bn, folded.getResult());
    rw.eraseOp(conv);
    ++count;
    return success();
  }
};

/// Transposed convolution: weight [C, M/group, k...], output channel
/// g * M/group + m scales weight[g * C/group + c, m, ...].
struct FoldIntoConvTranspose : CountingPattern<BatchNormOp> {
  using CountingPattern::CountingPattern;
  LogicalResult matchAndRewrite(BatchNormOp bn, PatternRewriter &rw) const override {
    auto ct = bn.getInput().getDefiningOp<ConvTransposeOp>();
    if (!ct || !ct->hasOneUse())
      return failure();
    auto p = readBN(bn);
    auto w = constantF32(ct.getWeight());
    if (!p || !w)
      return failure();
    auto wt = ct.getWeight().getType();
    int64_t C = wt.getDimSize(0), Mg = wt.getDimSize(1), G = ct.getGroup();
    int64_t M = Mg * G, Cg = C / G, k = wt.getNumElements() / (C * Mg);
    if ((int64_t)p->s.size() != M)
      return failure();
    std::vector<float> b(M, 0.0f);
    if (ct.getBias()) {
      auto bv = constantF32(ct.getBias());
      if (!bv)
        return failure();
      b = *bv;
    }
    for (int64_t c = 0; c < C; ++c)
      for (int64_t m = 0; m < Mg; ++m) {
        int64_t out = (c / Cg) * Mg + m;
        for (int64_t i = 0; i < k; ++i)
          (*w)[(c * Mg + m) * k + i] *= p->s[out];
      }
    for (int64_t o = 0; o < M; ++o)
      b[o] = b[o] * p->s[o] + p->t[o];
    rw.setInsertionPoint(ct);
    std::string name = constantName(ct.getWeight(), "weight");
    Value nw = makeF32Constant(rw, ct.getLoc(), wt.getShape(), *w, name + "_bn");
    Value nb = makeF32Constant(rw, ct.getLoc(), {M}, b, name + "_bn_bias");
    auto folded = ConvTransposeOp::create(
        rw, FusedLoc::get(rw.getContext(), {ct.getLoc(), bn.getLoc()}), bn.getType(),
        ct.getInput(), nw, nb, ct.getStrides(), ct.getDilations(), ct.getPads(),
        ct.getOutputPadding(), ct.getGroup());
    rw.replaceOp(bn, folded.getResult());
    rw.eraseOp(ct);
    ++count;
    return success();
  }
};

struct FoldIntoLinear : CountingPattern<BatchNormOp> {
  using CountingPattern::CountingPattern;
  LogicalResult matchAndRewrite(BatchNormOp bn, PatternRewriter &rw) const override {
    auto lin = bn.getInput().getDefiningOp<LinearOp>();
    // BN normalizes dim 1: the linear's features only for a 2-D output.
    if (!lin || !lin->hasOneUse() || lin.getType().getRank() != 2 ||
        lin.getActivation())
      return failure();
    auto p = readBN(bn);
    if (!p)
      return failure();
    rw.setInsertionPoint(lin);
    auto nw = foldedWeights(rw, lin.getLoc(), lin.getWeight(), lin.getBias(), *p);
    if (!nw)
      return failure();
    auto folded = LinearOp::create(
        rw, FusedLoc::get(rw.getContext(), {lin.getLoc(), bn.getLoc()}), bn.getType(),
        lin.getInput(), nw->first, nw->second);
    rw.replaceOp(bn, folded.getResult());
    rw.eraseOp(lin);
    ++count;
    return success();
  }
};

struct FoldBatchNormPass : autoglm::impl::FoldBatchNormBase<FoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    int64_t folded = 0;
    patterns.add<FoldIntoConv, FoldIntoConvTranspose, FoldIntoLinear>(&getContext(),
                                                                     folded);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    recordCount(getOperation(), "batch_norm folded", folded);
  }
};

} // namespace
