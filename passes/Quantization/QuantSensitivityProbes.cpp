//===- QuantSensitivityProbes.cpp - autoglm-quant-sensitivity-probes -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The sensitivity model of static int8: next to every op with a calibrated
// range, a copy that sees what the int8 rewrite (autoglm-quant-int8) would
// give it, its input quantized to uint8 and back with the same parameters
// and its weight quantized per output channel and back, the rest of the
// model in f32. Both results become model outputs, so the session measures
// each layer's error when it alone is quantized (SQNR, cosine) on the
// calibration samples.
//===----------------------------------------------------------------------===//

#include "../Utils.h"
#include "QuantUtils.h"
#include "autoglm/Support/ModelFunction.h"
#include "autoglm/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <map>

namespace mlir::autoglm {
#define GEN_PASS_DEF_QUANTSENSITIVITYPROBES
#include "autoglm/Transforms/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {

struct QuantSensitivityProbesPass
    : autoglm::impl::QuantSensitivityProbesBase<QuantSensitivityProbesPass> {
  void runOnOperation() override {
    func::FuncOp func = lookupModelFunction(getOperation(), "main");
    if (!func)
      return signalPassFailure();
    std::map<int64_t, Operation *> ops;
    func.walk([&](Operation *op) {
      if (auto id = op->getAttrOfType<IntegerAttr>(kQuantId))
        if (op->hasAttr(kActRange))
          ops[id.getInt()] = op;
    });
    auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
    MLIRContext *ctx = &getContext();
    for (auto &[id, op] : ops) {
      auto range = op->getAttrOfType<DenseF64ArrayAttr>(kActRange);
      int64_t axis = quantWeightAxis(op);
      auto wConst = op->getOperand(1).getDefiningOp<ConstantOp>();
      std::optional<std::vector<float>> w = wConst ? constantF32(wConst) : std::nullopt;
      if (axis < 0 || range.size() != 2 || !w) {
        op->emitError("sensitivity probe: not a quantizable op with a calibrated range");
        return signalPassFailure();
      }
      OpBuilder b(op);
      Location loc = op->getLoc();
      Type f32 = b.getF32Type();
      Type u8 = IntegerType::get(ctx, 8, IntegerType::Unsigned);
      auto [xs, xz] = activationParams(range[0], range[1]);
      Value x = op->getOperand(0);
      auto xTy = cast<RankedTensorType>(x.getType());
      Value xq =
          QuantizeOp::create(b, loc, RankedTensorType::get(xTy.getShape(), u8), x,
                             scalarConstant(b, loc, f32, xs), scalarConstant(b, loc, u8, xz), 0);
      Value xd = DequantizeOp::create(b, loc, xTy, xq, scalarConstant(b, loc, f32, xs),
                                      scalarConstant(b, loc, u8, xz), 0);
      ArrayRef<int64_t> ws = wConst.getType().getShape();
      PerChannelInt8 pc = quantizePerChannel(*w, ws, axis);
      std::vector<float> wd(pc.q.size());
      for (size_t i = 0; i < wd.size(); ++i)
        wd[i] = pc.q[i] * pc.scale[pc.channelOf(i)];
      Value wdc = makeF32Constant(b, loc, ws, wd, constantName(wConst, "weight") + ".fakeq");
      b.setInsertionPointAfter(op);
      Operation *probe = b.clone(*op);
      probe->setOperand(0, xd);
      probe->setOperand(1, wdc);
      probe->removeAttr(kQuantId);
      probe->removeAttr(kActRange);
      for (auto [suffix, value] :
           {std::pair<const char *, Value>{"ref", op->getResult(0)}, {"q", probe->getResult(0)}}) {
        unsigned index = func.getNumResults();
        std::string name = "autoglm.sens." + std::to_string(id) + "." + suffix;
        if (failed(func.insertResult(
                index, value.getType(),
                b.getDictionaryAttr(b.getNamedAttr("autoglm.name", b.getStringAttr(name))))))
          return signalPassFailure();
        ret->insertOperands(ret->getNumOperands(), value);
      }
    }
  }
};

} // namespace
