//===- QuantWeights.cpp - autoglm-quant-weights ---------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Weight-only int8: the constant weight of every f32 linear and 2-D matmul
// becomes int8, symmetric per output channel, read through an
// autoglm.dequantize; activations stay f32, so no calibration is needed.
// With bits=4 a linear's weight becomes int4 per group of K elements (a
// blocked dequantize of an i4 constant), read at half a byte per weight.
// The CPU kernels read the int8 weight, widen it in registers and scale the
// accumulators per column after the reduction: a quarter of the weight
// bytes per output, where a decoder's step is bound by reading them.
//===----------------------------------------------------------------------===//

#include "../Utils.h"
#include "QuantUtils.h"
#include "autoglm/Transforms/Passes.h"

#include <algorithm>
#include <cmath>

namespace mlir::autoglm {
#define GEN_PASS_DEF_QUANTWEIGHTS
#include "autoglm/Transforms/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {

struct QuantWeightsPass : autoglm::impl::QuantWeightsBase<QuantWeightsPass> {
  using QuantWeightsBase::QuantWeightsBase;

  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<LinearOp, MatMulOp>(op) && quantWeightAxis(op) >= 0 &&
          cast<RankedTensorType>(op->getOperand(1).getType()).getRank() == 2 &&
          !fromNodeIn(op, exclude))
        ops.push_back(op);
    });
    if (bits != 8 && bits != 4) {
      getOperation()->emitError() << "weight quantization takes 8 or 4 bits, got " << bits;
      return signalPassFailure();
    }
    if (bits == 4 && (groupSize < 2 || groupSize % 2 != 0)) {
      getOperation()->emitError() << "the int4 group size must be even and at least 2, got "
                                  << groupSize;
      return signalPassFailure();
    }
    SmallVector<Attribute> report;
    for (Operation *op : ops)
      if (failed(rewrite(op, report)))
        return signalPassFailure();
    if (!report.empty())
      getOperation()->setAttr("autoglm.weight_quant_report", ArrayAttr::get(&getContext(), report));
    recordCount(getOperation(), "quantized_weight_int8", int8Count);
    if (bits == 4)
      recordCount(getOperation(), "quantized_weight_int4", int4Count);
  }

  int64_t int8Count = 0, int4Count = 0;

  /// Whether `op`'s weight goes int4: a linear ([N, K]) whose N the blocked
  /// kernels take (a multiple of 8 above 8: the lowering's column blocks)
  /// and whose K is whole groups.
  bool takesInt4(Operation *op, ArrayRef<int64_t> ws) const {
    return bits == 4 && (!op || isa<LinearOp>(op)) && ws[0] % 8 == 0 && ws[0] > 8 &&
           ws[1] % groupSize == 0;
  }

  /// Int4, symmetric per (output channel, group of `groupSize` along K):
  /// scale = max |w| / 7 (1 for an all-zero group). `w` is [N, K].
  LogicalResult rewriteInt4(Operation *op, ArrayRef<int64_t> ws, ArrayRef<float> w,
                            SmallVector<Attribute> &report) {
    int64_t n = ws[0], k = ws[1], groups = k / groupSize;
    std::vector<int8_t> q(w.size());
    std::vector<float> scale(n * groups, 1.0f);
    double signal = 0, noise = 0;
    for (int64_t c = 0; c < n; ++c)
      for (int64_t g = 0; g < groups; ++g) {
        const float *src = &w[c * k + g * groupSize];
        double absMax = 0;
        for (int64_t i = 0; i < groupSize; ++i)
          absMax = std::max(absMax, (double)std::fabs(src[i]));
        float s = absMax > 0 ? (float)(absMax / 7.0) : 1.0f;
        scale[c * groups + g] = s;
        for (int64_t i = 0; i < groupSize; ++i) {
          double v = std::clamp((double)std::nearbyint(src[i] / s), -8.0, 7.0);
          q[c * k + g * groupSize + i] = (int8_t)v;
          signal += (double)src[i] * src[i];
          noise += (src[i] - v * s) * (src[i] - v * s);
        }
      }
    OpBuilder b(op);
    Location loc = op->getLoc();
    // One byte per element holds an i4 (MLIR's storage for 4-bit elements);
    // the lowering packs two per byte.
    auto qTy = RankedTensorType::get(ws, b.getIntegerType(4));
    auto qAttr =
        DenseElementsAttr::getFromRawBuffer(qTy, ArrayRef<char>((const char *)q.data(), q.size()));
    Value qc = ConstantOp::create(b, loc, qAttr);
    auto sTy = RankedTensorType::get({n, groups}, b.getF32Type());
    Value sc = ConstantOp::create(b, loc, DenseElementsAttr::get(sTy, ArrayRef<float>(scale)));
    auto zpTy = RankedTensorType::get({n, groups}, b.getIntegerType(4));
    Value zp = ConstantOp::create(
        b, loc, DenseElementsAttr::get(zpTy, b.getIntegerAttr(b.getIntegerType(4), 0)));
    Value dq = DequantizeOp::create(b, loc, RankedTensorType::get(ws, b.getF32Type()), qc, sc, zp,
                                    /*axis=*/1,
                                    /*block_size=*/groupSize);
    op->setOperand(1, dq);
    ++int4Count;
    report.push_back(b.getDictionaryAttr(
        {b.getNamedAttr("node", b.getStringAttr(nodeName(op))),
         b.getNamedAttr("weights", b.getI64IntegerAttr(w.size())),
         b.getNamedAttr("bits", b.getI64IntegerAttr(4)),
         b.getNamedAttr("group_size", b.getI64IntegerAttr(groupSize)),
         b.getNamedAttr("sqnr_db",
                        b.getF64FloatAttr(noise > 0 ? 10 * std::log10(signal / noise) : 999.0))}));
    return success();
  }

  LogicalResult rewrite(Operation *op, SmallVector<Attribute> &report) {
    int64_t axis = quantWeightAxis(op);
    auto wConst = op->getOperand(1).getDefiningOp<ConstantOp>();
    std::optional<std::vector<float>> w = constantF32(wConst);
    if (!w)
      return op->emitError("the weight's data is not readable");
    ArrayRef<int64_t> ws = wConst.getType().getShape();
    if (takesInt4(op, ws))
      return rewriteInt4(op, ws, *w, report);
    // A matmul by a [K, N] weight is a linear by its transpose (no bias):
    // the int4 kernels take linears.
    auto mm = dyn_cast<MatMulOp>(op);
    SmallVector<int64_t> nk = {ws[1], ws[0]};
    // (A linear's K must be static; a matmul's may be open.)
    auto lhsTy = mm ? mm.getLhs().getType() : RankedTensorType();
    if (bits == 4 && mm && lhsTy.getRank() >= 2 && !lhsTy.isDynamicDim(lhsTy.getRank() - 1) &&
        takesInt4(nullptr, nk)) {
      std::vector<float> t(w->size());
      for (int64_t kk = 0; kk < ws[0]; ++kk)
        for (int64_t nn = 0; nn < ws[1]; ++nn)
          t[nn * ws[0] + kk] = (*w)[kk * ws[1] + nn];
      OpBuilder b(op);
      auto lin =
          LinearOp::create(b, op->getLoc(), mm.getType(), mm.getLhs(), wConst.getResult(), Value(),
                           mm.getActivationAttr(), mm.getActAlphaAttr(), mm.getActBetaAttr());
      mm.replaceAllUsesWith(lin.getResult());
      mm.erase();
      return rewriteInt4(lin, nk, t, report);
    }
    int64_t channels = ws[axis];
    PerChannelInt8 pc = quantizePerChannel(*w, ws, axis);
    OpBuilder b(op);
    Location loc = op->getLoc();
    Value qc = makeI8Constant(b, loc, ws, pc.q, constantName(wConst, "weight") + ".wint8");
    auto vecTy = RankedTensorType::get({channels}, b.getF32Type());
    Value sc = ConstantOp::create(b, loc, DenseElementsAttr::get(vecTy, ArrayRef<float>(pc.scale)));
    auto zpTy = RankedTensorType::get({channels}, b.getIntegerType(8));
    Value zp = ConstantOp::create(b, loc, DenseElementsAttr::get(zpTy, b.getI8IntegerAttr(0)));
    Value dq = DequantizeOp::create(b, loc, wConst.getType(), qc, sc, zp, axis);
    op->setOperand(1, dq);
    ++int8Count;
    report.push_back(
        b.getDictionaryAttr({b.getNamedAttr("node", b.getStringAttr(nodeName(op))),
                             b.getNamedAttr("weights", b.getI64IntegerAttr(w->size())),
                             b.getNamedAttr("bits", b.getI64IntegerAttr(8)),
                             b.getNamedAttr("sqnr_db", b.getF64FloatAttr(pc.sqnrDb(999.0)))}));
    return success();
  }
};

} // namespace
