//===- Quant.cpp - ONNX quantization ops to autoglm ----------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::onnx_import;

namespace {

/// QuantizeLinear / DequantizeLinear: a missing zero point is 0 of the
/// quantized type (uint8 for QuantizeLinear).
LogicalResult importQDQ(NodeImporter &n, bool quantize) {
  auto x = n.inputType(0), scale = n.inputType(1);
  int64_t rank = x.getRank();
  int64_t axis = n.attrInt("axis", 1);
  if (scale.getRank() == 1 && scale.getDimSize(0) != 1) {
    auto a = n.normAxis(axis, rank);
    if (failed(a))
      return failure();
    axis = *a;
  } else {
    axis = 0;
  }
  Value zp = n.input(2);
  Type qType = quantize ? (zp ? n.inputType(2).getElementType()
                              : n.builder().getIntegerType(8, false))
                        : x.getElementType();
  if (!zp)
    zp = n.splat(qType, 0.0, scale.getShape());
  Type resultElem = quantize ? qType : scale.getElementType();
  auto type = RankedTensorType::get(x.getShape(), resultElem);
  FailureOr<Value> r =
      quantize ? n.make<QuantizeOp>(type, n.input(0), n.input(1), zp, axis)
               : n.make<DequantizeOp>(type, n.input(0), n.input(1), zp, axis);
  if (failed(r))
    return failure();
  n.setOutput(0, *r);
  return success();
}

} // namespace

void onnx_import::registerQuantRules(RuleTable &t) {
  t["QuantizeLinear"] = [](NodeImporter &n) { return importQDQ(n, true); };
  t["DequantizeLinear"] = [](NodeImporter &n) { return importQDQ(n, false); };
}
