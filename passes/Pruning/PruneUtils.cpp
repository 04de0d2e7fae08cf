//===- PruneUtils.cpp - what the pruning passes share --------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "PruneUtils.h"
#include "../Quantization/QuantUtils.h"
#include "../Utils.h"
#include "autoglm/Transforms/Passes.h"

#include "llvm/Support/Format.h"

#include <cmath>

using namespace mlir;
using namespace mlir::autoglm;

static void append(Operation *module, StringRef key, DictionaryAttr entry) {
  SmallVector<Attribute> entries;
  if (auto a = module->getAttrOfType<ArrayAttr>(key))
    entries.assign(a.begin(), a.end());
  entries.push_back(entry);
  module->setAttr(key, ArrayAttr::get(module->getContext(), entries));
}

void mlir::autoglm::appendPruneReport(Operation *module, DictionaryAttr entry) {
  append(module, kPruneReport, entry);
}

void mlir::autoglm::appendPruneEdit(Operation *module, DictionaryAttr edit) {
  append(module, kPruneEdits, edit);
}

std::optional<WeightView> mlir::autoglm::prunableWeight(Operation *op) {
  if (!isa<ConvOp, LinearOp, MatMulOp>(op) || op->getNumOperands() < 2)
    return std::nullopt;
  auto w = op->getOperand(1).getDefiningOp<ConstantOp>();
  if (!w || !w.getType().getElementType().isF32() || !w.getType().hasStaticShape())
    return std::nullopt;
  ArrayRef<int64_t> shape = w.getType().getShape();
  WeightView v;
  if (isa<MatMulOp>(op)) {
    if (shape.size() != 2)
      return std::nullopt;
    // rhs [K, N]: row n is column n of the data.
    v.rows = shape[1];
    v.cols = shape[0];
    v.rowStride = 1;
    v.colStride = shape[1];
    return v;
  }
  if (shape.size() < 2)
    return std::nullopt;
  v.rows = shape[0];
  v.cols = w.getType().getNumElements() / std::max<int64_t>(shape[0], 1);
  v.rowStride = v.cols;
  v.colStride = 1;
  return v;
}

std::string mlir::autoglm::formatRatio(double v) {
  std::string s;
  llvm::raw_string_ostream(s) << llvm::format("%g", v);
  return s;
}

Value mlir::autoglm::replacementConstant(OpBuilder &b, Value old, ArrayRef<int64_t> shape,
                                         ArrayRef<float> values, StringRef suffix) {
  auto c = old.getDefiningOp<ConstantOp>();
  if (c && isa<DenseElementsAttr>(c.getValue()))
    return ConstantOp::create(
        b, old.getLoc(),
        DenseElementsAttr::get(RankedTensorType::get(shape, b.getF32Type()), values));
  return makeF32Constant(b, old.getLoc(), shape, values,
                         constantName(old, "weight") + suffix.str());
}

std::string mlir::autoglm::layerName(Operation *op) {
  std::string name = nodeName(op);
  return name.empty() ? op->getName().getStringRef().str() : name;
}

int64_t mlir::autoglm::contractionFlops(Operation *op) {
  if (!isa<ConvOp, LinearOp, MatMulOp>(op) || op->getNumOperands() < 2 || op->getNumResults() < 1)
    return -1;
  auto w = op->getOperand(1).getDefiningOp<ConstantOp>();
  auto result = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  auto input = dyn_cast<RankedTensorType>(op->getOperand(0).getType());
  if (!w || !w.getType().hasStaticShape() || !result || !result.hasStaticShape() || !input ||
      !input.hasStaticShape() || input.getRank() == 0)
    return -1;
  int64_t reduction = isa<ConvOp>(op) ? w.getType().getNumElements() /
                                            std::max<int64_t>(1, w.getType().getDimSize(0))
                                      : input.getShape().back();
  return 2 * result.getNumElements() * reduction;
}

int64_t mlir::autoglm::keptChannels(int64_t channels, double ratio, int64_t align) {
  int64_t k = (int64_t)std::ceil((1.0 - ratio) * (double)channels / (double)align - 1e-9) * align;
  return std::min(channels, std::max<int64_t>(k, std::min<int64_t>(align, channels)));
}
