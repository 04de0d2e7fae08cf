//===- QuantWeights.cpp - autoglm-quant-weights ---------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Weight-only int8: the constant weight of every f32 linear and 2-D matmul
// becomes int8, symmetric per output channel, read through an
// autoglm.dequantize; activations stay f32, so no calibration is needed.
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
    SmallVector<Attribute> report;
    for (Operation *op : ops)
      if (failed(rewrite(op, report)))
        return signalPassFailure();
    if (!report.empty())
      getOperation()->setAttr("autoglm.weight_quant_report", ArrayAttr::get(&getContext(), report));
    recordCount(getOperation(), "quantized_weight_int8", (int64_t)ops.size());
  }

  LogicalResult rewrite(Operation *op, SmallVector<Attribute> &report) {
    int64_t axis = quantWeightAxis(op);
    auto wConst = op->getOperand(1).getDefiningOp<ConstantOp>();
    std::optional<std::vector<float>> w = constantF32(wConst);
    if (!w)
      return op->emitError("the weight's data is not readable");
    ArrayRef<int64_t> ws = wConst.getType().getShape();
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
    report.push_back(
        b.getDictionaryAttr({b.getNamedAttr("node", b.getStringAttr(nodeName(op))),
                             b.getNamedAttr("weights", b.getI64IntegerAttr(w->size())),
                             b.getNamedAttr("sqnr_db", b.getF64FloatAttr(pc.sqnrDb(999.0)))}));
    return success();
  }
};

} // namespace
