//===- Utils.cpp - helpers shared by the autoglm transform passes --*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "Utils.h"
#include "autoglm/Support/ConstantData.h"

#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;
using namespace mlir::autoglm;

std::optional<std::vector<float>> mlir::autoglm::constantF32(Value v) {
  auto c = v ? v.getDefiningOp<ConstantOp>() : ConstantOp();
  if (!c || !c.getType().getElementType().isF32() || !c.getType().hasStaticShape())
    return std::nullopt;
  int64_t n = c.getType().getNumElements();
  ElementsAttr attr = c.getValue();
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    auto vals = dense.getValues<float>();
    return std::vector<float>(vals.begin(), vals.end());
  }
  std::optional<ArrayRef<char>> raw = constantBytes(attr);
  if (!raw || (int64_t)raw->size() != n * 4)
    return std::nullopt;
  std::vector<float> out(n);
  std::memcpy(out.data(), raw->data(), n * 4);
  return out;
}

std::optional<double> mlir::autoglm::constantScalar(Value v) {
  auto c = v ? v.getDefiningOp<ConstantOp>() : ConstantOp();
  if (!c)
    return std::nullopt;
  auto splat = dyn_cast<SplatElementsAttr>(c.getValue());
  if (!splat)
    return std::nullopt;
  Attribute a = splat.getSplatValue<Attribute>();
  if (auto f = dyn_cast<FloatAttr>(a))
    return f.getValueAsDouble();
  if (auto i = dyn_cast<IntegerAttr>(a))
    return (double)i.getValue().getSExtValue();
  return std::nullopt;
}

Value mlir::autoglm::makeF32Constant(OpBuilder &b, Location loc,
                                     ArrayRef<int64_t> shape, ArrayRef<float> values,
                                     StringRef name) {
  auto type = RankedTensorType::get(shape, b.getF32Type());
  ElementsAttr attr;
  if (values.size() <= 8) {
    attr = DenseElementsAttr::get(type, values);
  } else {
    auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
        ArrayRef<char>((const char *)values.data(), values.size() * 4), 64);
    attr = DenseResourceElementsAttr::get(type, name, std::move(blob));
  }
  return ConstantOp::create(b, loc, attr);
}

std::string mlir::autoglm::constantName(Value v, StringRef fallback) {
  if (auto c = v ? v.getDefiningOp<ConstantOp>() : ConstantOp())
    if (auto res = dyn_cast<DenseResourceElementsAttr>(c.getValue()))
      return res.getRawHandle().getKey().str();
  return fallback.str();
}

void mlir::autoglm::recordCount(Operation *module, StringRef key, int64_t n) {
  MLIRContext *ctx = module->getContext();
  auto dict = module->getAttrOfType<DictionaryAttr>("autoglm.counts");
  NamedAttrList entries(dict ? dict : DictionaryAttr::get(ctx, {}));
  int64_t prev = 0;
  if (auto a = entries.get(key))
    prev = cast<IntegerAttr>(a).getInt();
  entries.set(key, IntegerAttr::get(IntegerType::get(ctx, 64), prev + n));
  module->setAttr("autoglm.counts", entries.getDictionary(ctx));
}
