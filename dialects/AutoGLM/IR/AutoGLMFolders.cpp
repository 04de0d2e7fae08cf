//===- AutoGLMFolders.cpp - constant evaluation of core ops -------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Folders evaluate ops whose operands are small dense constants: the integer
// shape arithmetic torch and ONNX function bodies emit (Shape -> Slice ->
// Concat -> Reshape) collapses to constants at import, and canonicalization
// removes identities (x + 0, x * 1, single-input concat, same-type cast).
// Anything larger than kMaxFoldElements is left for autoglm-fold-constants,
// which has a size option.
//===----------------------------------------------------------------------===//

#include "autoglm/Dialect/AutoGLM/IR/AutoGLM.h"
#include "autoglm/Support/ConstantData.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/APSInt.h"

#include <cstring>

using namespace mlir;
using namespace mlir::autoglm;

namespace {
constexpr int64_t kMaxFoldElements = 1 << 16;

DenseElementsAttr smallDense(Attribute a) {
  auto d = dyn_cast_or_null<DenseElementsAttr>(a);
  if (!d || d.getNumElements() > kMaxFoldElements)
    return {};
  return d;
}

bool foldableResult(Type t) {
  auto r = dyn_cast<RankedTensorType>(t);
  return r && r.hasStaticShape() && r.getNumElements() <= kMaxFoldElements;
}

SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> s(shape.size(), 1);
  for (int64_t i = (int64_t)shape.size() - 2; i >= 0; --i)
    s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/// Linear index into an operand broadcast (numpy rules) to `resShape`.
int64_t broadcastIndex(int64_t linear, ArrayRef<int64_t> resShape,
                       ArrayRef<int64_t> resStrides, ArrayRef<int64_t> opShape) {
  if (opShape.empty())
    return 0;
  SmallVector<int64_t> opStrides = stridesOf(opShape);
  int64_t off = resShape.size() - opShape.size(), idx = 0;
  for (size_t i = 0; i < resShape.size(); ++i) {
    int64_t c = (linear / resStrides[i]) % resShape[i];
    if ((int64_t)i >= off && opShape[i - off] != 1)
      idx += c * opStrides[i - off];
  }
  return idx;
}

bool isUnsigned(Type t) { return t.isUnsignedInteger(); }

std::optional<APInt> intBinary(BinaryKind kind, const APInt &a, const APInt &b,
                               bool uns) {
  switch (kind) {
  case BinaryKind::Add:
    return a + b;
  case BinaryKind::Sub:
    return a - b;
  case BinaryKind::Mul:
    return a * b;
  case BinaryKind::Div:
    if (b.isZero())
      return std::nullopt;
    return uns ? a.udiv(b) : a.sdiv(b);
  case BinaryKind::Max:
    return uns ? llvm::APIntOps::umax(a, b) : llvm::APIntOps::smax(a, b);
  case BinaryKind::Min:
    return uns ? llvm::APIntOps::umin(a, b) : llvm::APIntOps::smin(a, b);
  case BinaryKind::And:
  case BinaryKind::BitAnd:
    return a & b;
  case BinaryKind::Or:
  case BinaryKind::BitOr:
    return a | b;
  case BinaryKind::Xor:
  case BinaryKind::BitXor:
    return a ^ b;
  default:
    return std::nullopt;
  }
}

std::optional<APFloat> floatBinary(BinaryKind kind, APFloat a, const APFloat &b) {
  switch (kind) {
  case BinaryKind::Add:
    a.add(b, APFloat::rmNearestTiesToEven);
    return a;
  case BinaryKind::Sub:
    a.subtract(b, APFloat::rmNearestTiesToEven);
    return a;
  case BinaryKind::Mul:
    a.multiply(b, APFloat::rmNearestTiesToEven);
    return a;
  case BinaryKind::Div:
    a.divide(b, APFloat::rmNearestTiesToEven);
    return a;
  case BinaryKind::Max:
    return maximum(a, b);
  case BinaryKind::Min:
    return minimum(a, b);
  default:
    return std::nullopt;
  }
}

std::optional<bool> compare(CompareKind kind, int cmp) {
  switch (kind) {
  case CompareKind::EQ:
    return cmp == 0;
  case CompareKind::NE:
    return cmp != 0;
  case CompareKind::LT:
    return cmp < 0;
  case CompareKind::LE:
    return cmp <= 0;
  case CompareKind::GT:
    return cmp > 0;
  case CompareKind::GE:
    return cmp >= 0;
  }
  return std::nullopt;
}

/// Evaluates `fn(lhsIndex, rhsIndex)` over the broadcast result.
template <typename Fn>
bool forEachBroadcast(RankedTensorType res, ShapedType l, ShapedType r, Fn fn) {
  SmallVector<int64_t> rs = stridesOf(res.getShape());
  for (int64_t i = 0, e = res.getNumElements(); i < e; ++i)
    if (!fn(broadcastIndex(i, res.getShape(), rs, l.getShape()),
            broadcastIndex(i, res.getShape(), rs, r.getShape())))
      return false;
  return true;
}
} // namespace

OpFoldResult BinaryOp::fold(FoldAdaptor adaptor) {
  auto resTy = getType();
  auto l = smallDense(adaptor.getLhs()), r = smallDense(adaptor.getRhs());
  if (l && r && foldableResult(resTy)) {
    Type elem = resTy.getElementType();
    if (isa<FloatType>(elem)) {
      auto lv = llvm::to_vector(l.getValues<APFloat>());
      auto rv = llvm::to_vector(r.getValues<APFloat>());
      SmallVector<APFloat> out;
      if (forEachBroadcast(resTy, l.getType(), r.getType(), [&](int64_t a, int64_t b) {
            auto v = floatBinary(getKind(), lv[a], rv[b]);
            if (v)
              out.push_back(*v);
            return v.has_value();
          }))
        return DenseElementsAttr::get(resTy, out);
    } else if (isa<IntegerType>(elem)) {
      auto lv = llvm::to_vector(l.getValues<APInt>());
      auto rv = llvm::to_vector(r.getValues<APInt>());
      SmallVector<APInt> out;
      if (forEachBroadcast(resTy, l.getType(), r.getType(), [&](int64_t a, int64_t b) {
            auto v = intBinary(getKind(), lv[a], rv[b], isUnsigned(elem));
            if (v)
              out.push_back(*v);
            return v.has_value();
          }))
        return DenseElementsAttr::get(resTy, out);
    }
  }
  // x op identity -> x when that keeps x's type.
  if (getLhs().getType() != resTy)
    return {};
  auto rhs = dyn_cast_or_null<SplatElementsAttr>(adaptor.getRhs());
  if (!rhs)
    return {};
  double v;
  if (auto f = dyn_cast<FloatAttr>(rhs.getSplatValue<Attribute>()))
    v = f.getValueAsDouble();
  else if (auto i = dyn_cast<IntegerAttr>(rhs.getSplatValue<Attribute>()))
    v = (double)i.getValue().getSExtValue();
  else
    return {};
  switch (getKind()) {
  case BinaryKind::Add:
  case BinaryKind::Sub:
    return v == 0.0 ? getLhs() : OpFoldResult();
  case BinaryKind::Mul:
  case BinaryKind::Div:
  case BinaryKind::Pow:
    return v == 1.0 ? getLhs() : OpFoldResult();
  default:
    return {};
  }
}

OpFoldResult CompareOp::fold(FoldAdaptor adaptor) {
  auto resTy = getType();
  auto l = smallDense(adaptor.getLhs()), r = smallDense(adaptor.getRhs());
  if (!l || !r || !foldableResult(resTy))
    return {};
  Type elem = l.getElementType();
  SmallVector<bool> out;
  bool ok;
  if (isa<FloatType>(elem)) {
    auto lv = llvm::to_vector(l.getValues<APFloat>());
    auto rv = llvm::to_vector(r.getValues<APFloat>());
    ok = forEachBroadcast(resTy, l.getType(), r.getType(), [&](int64_t a, int64_t b) {
      APFloat::cmpResult c = lv[a].compare(rv[b]);
      if (c == APFloat::cmpUnordered) {
        out.push_back(getKind() == CompareKind::NE);
        return true;
      }
      out.push_back(*compare(getKind(), c == APFloat::cmpLessThan      ? -1
                                        : c == APFloat::cmpGreaterThan ? 1
                                                                       : 0));
      return true;
    });
  } else {
    auto lv = llvm::to_vector(l.getValues<APInt>());
    auto rv = llvm::to_vector(r.getValues<APInt>());
    bool uns = isUnsigned(elem) || elem.isInteger(1);
    ok = forEachBroadcast(resTy, l.getType(), r.getType(), [&](int64_t a, int64_t b) {
      int c = lv[a] == rv[b] ? 0
              : (uns ? lv[a].ult(rv[b]) : lv[a].slt(rv[b])) ? -1
                                                             : 1;
      out.push_back(*compare(getKind(), c));
      return true;
    });
  }
  if (!ok)
    return {};
  return DenseElementsAttr::get(resTy, ArrayRef<bool>(out));
}

OpFoldResult SelectOp::fold(FoldAdaptor adaptor) {
  auto resTy = getType();
  auto c = smallDense(adaptor.getCondition()), l = smallDense(adaptor.getLhs()),
       r = smallDense(adaptor.getRhs());
  if (!c || !l || !r || !foldableResult(resTy) || !c.getElementType().isInteger(1))
    return {};
  auto cv = llvm::to_vector(c.getValues<bool>());
  auto lv = llvm::to_vector(l.getValues<Attribute>());
  auto rv = llvm::to_vector(r.getValues<Attribute>());
  ArrayRef<int64_t> shape = resTy.getShape();
  SmallVector<int64_t> strides = stridesOf(shape);
  SmallVector<Attribute> out;
  for (int64_t i = 0, n = resTy.getNumElements(); i < n; ++i) {
    bool take = cv[broadcastIndex(i, shape, strides, c.getType().getShape())];
    out.push_back(take ? lv[broadcastIndex(i, shape, strides, l.getType().getShape())]
                       : rv[broadcastIndex(i, shape, strides, r.getType().getShape())]);
  }
  return DenseElementsAttr::get(resTy, out);
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  auto in = smallDense(adaptor.getInput());
  auto resTy = getType();
  if (!in || !foldableResult(resTy))
    return {};
  Type from = in.getElementType(), to = resTy.getElementType();
  bool fromUns = from.isUnsignedInteger() || from.isInteger(1);
  if (isa<IntegerType>(from) && isa<IntegerType>(to)) {
    unsigned w = to.getIntOrFloatBitWidth();
    SmallVector<APInt> out;
    for (APInt v : in.getValues<APInt>())
      out.push_back(w == 1 ? APInt(1, !v.isZero())
                           : (fromUns ? v.zextOrTrunc(w) : v.sextOrTrunc(w)));
    return DenseElementsAttr::get(resTy, out);
  }
  if (isa<IntegerType>(from) && isa<FloatType>(to)) {
    SmallVector<APFloat> out;
    for (APInt v : in.getValues<APInt>()) {
      APFloat f(cast<FloatType>(to).getFloatSemantics());
      f.convertFromAPInt(v, !fromUns, APFloat::rmNearestTiesToEven);
      out.push_back(f);
    }
    return DenseElementsAttr::get(resTy, out);
  }
  if (isa<FloatType>(from) && isa<FloatType>(to)) {
    SmallVector<APFloat> out;
    for (APFloat v : in.getValues<APFloat>()) {
      bool lost;
      v.convert(cast<FloatType>(to).getFloatSemantics(),
                APFloat::rmNearestTiesToEven, &lost);
      out.push_back(v);
    }
    return DenseElementsAttr::get(resTy, out);
  }
  if (isa<FloatType>(from) && isa<IntegerType>(to)) {
    unsigned w = to.getIntOrFloatBitWidth();
    SmallVector<APInt> out;
    for (APFloat v : in.getValues<APFloat>()) {
      if (w == 1) {
        out.push_back(APInt(1, !v.isZero()));
        continue;
      }
      APSInt i(w, to.isUnsignedInteger());
      bool exact;
      if (v.convertToInteger(i, APFloat::rmTowardZero, &exact) != APFloat::opOK &&
          !exact && (v.isNaN() || v.isInfinity()))
        return {};
      out.push_back(i);
    }
    return DenseElementsAttr::get(resTy, out);
  }
  return {};
}

/// The entries of `v` = autoglm.shape(x) at `picks` when x's extents there
/// are static (x may have open extents elsewhere): a Gather or Slice of a
/// shape that reads only known extents folds, so exporters' shape arithmetic
/// on a static head dim does not wait for the open batch.
static DenseElementsAttr staticShapeEntries(Value v, ArrayRef<int64_t> picks, Type resTy) {
  auto shape = v.getDefiningOp<ShapeOp>();
  if (!shape || !foldableResult(resTy))
    return {};
  auto in = shape.getInput().getType();
  SmallVector<int64_t> out;
  for (int64_t k : picks) {
    if (k < 0)
      k += in.getRank();
    if (k < 0 || k >= in.getRank() || in.isDynamicDim(k))
      return {};
    out.push_back(in.getDimSize(k));
  }
  auto t = cast<RankedTensorType>(resTy);
  if (t.getNumElements() != (int64_t)out.size() || !t.getElementType().isInteger(64))
    return {};
  return DenseElementsAttr::get(t, ArrayRef<int64_t>(out));
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  auto inTy = getInput().getType();
  // (Open dims with ends cut at run time: not the input.)
  if (inTy == getType() && !getEnds() &&
      llvm::all_of(getStarts(), [](int64_t s) { return s == 0; }) &&
      llvm::all_of(getSteps(), [](int64_t s) { return s == 1; }))
    return getInput();
  auto in = smallDense(adaptor.getInput());
  auto resTy = getType();
  if (!in && inTy.getRank() == 1 && resTy.hasStaticShape()) {
    SmallVector<int64_t> picks;
    for (int64_t i = 0; i < resTy.getDimSize(0); ++i)
      picks.push_back(getStarts()[0] + i * getSteps()[0]);
    return staticShapeEntries(getInput(), picks, resTy);
  }
  // A slice of a large or resource-held constant (a recurrent op's [2, 4H,
  // H] weight cut per direction): a copy of its bytes, whatever the size,
  // so the consumer sees a constant (the linear kernels pack constant
  // weights at compile time).
  if (!in && adaptor.getInput() && inTy.hasStaticShape() && resTy.hasStaticShape() &&
      inTy.getElementType().isIntOrFloat() && inTy.getElementTypeBitWidth() % 8 == 0)
    if (std::optional<ArrayRef<char>> raw = constantBytes(adaptor.getInput())) {
      int64_t es = inTy.getElementTypeBitWidth() / 8;
      if ((int64_t)raw->size() != inTy.getNumElements() * es)
        return {};
      SmallVector<int64_t> inStrides = stridesOf(inTy.getShape());
      SmallVector<int64_t> resStrides = stridesOf(resTy.getShape());
      std::vector<char> out(resTy.getNumElements() * es);
      for (int64_t i = 0, e = resTy.getNumElements(); i < e; ++i) {
        int64_t src = 0;
        for (int64_t d = 0; d < resTy.getRank(); ++d) {
          int64_t c = (i / resStrides[d]) % resTy.getDimSize(d);
          src += (getStarts()[d] + c * getSteps()[d]) * inStrides[d];
        }
        std::memcpy(out.data() + i * es, raw->data() + src * es, es);
      }
      return DenseElementsAttr::getFromRawBuffer(resTy, out);
    }
  if (!in || !inTy.hasStaticShape() || !foldableResult(resTy))
    return {};
  auto values = llvm::to_vector(in.getValues<Attribute>());
  SmallVector<int64_t> inStrides = stridesOf(inTy.getShape());
  SmallVector<int64_t> resStrides = stridesOf(resTy.getShape());
  SmallVector<Attribute> out;
  for (int64_t i = 0, e = resTy.getNumElements(); i < e; ++i) {
    int64_t src = 0;
    for (int64_t d = 0; d < resTy.getRank(); ++d) {
      int64_t c = (i / resStrides[d]) % resTy.getDimSize(d);
      src += (getStarts()[d] + c * getSteps()[d]) * inStrides[d];
    }
    out.push_back(values[src]);
  }
  return DenseElementsAttr::get(resTy, out);
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  if (getInputs().size() == 1 && getInputs()[0].getType() == getType())
    return getInputs()[0];
  auto resTy = getType();
  if (!foldableResult(resTy))
    return {};
  SmallVector<DenseElementsAttr> parts;
  for (Attribute a : adaptor.getInputs()) {
    auto d = smallDense(a);
    if (!d)
      return {};
    parts.push_back(d);
  }
  int64_t axis = getAxis();
  int64_t outer = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= resTy.getDimSize(i);
  SmallVector<SmallVector<Attribute>> vals;
  SmallVector<int64_t> chunk;
  for (DenseElementsAttr d : parts) {
    vals.push_back(llvm::to_vector(d.getValues<Attribute>()));
    chunk.push_back(outer ? d.getNumElements() / outer : 0);
  }
  SmallVector<Attribute> out;
  for (int64_t o = 0; o < outer; ++o)
    for (size_t p = 0; p < parts.size(); ++p)
      for (int64_t k = 0; k < chunk[p]; ++k)
        out.push_back(vals[p][o * chunk[p] + k]);
  return DenseElementsAttr::get(resTy, out);
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  auto data = smallDense(adaptor.getData()),
       idx = smallDense(adaptor.getIndices());
  auto resTy = getType();
  if (!data && idx && getAxis() == 0 && getData().getType().getRank() == 1)
    return staticShapeEntries(
        getData(),
        llvm::map_to_vector(idx.getValues<APInt>(), [](APInt v) { return v.getSExtValue(); }),
        resTy);
  if (!data || !idx || !foldableResult(resTy))
    return {};
  auto dTy = cast<RankedTensorType>(data.getType());
  int64_t axis = getAxis(), n = dTy.getDimSize(axis);
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= dTy.getDimSize(i);
  for (int64_t i = axis + 1; i < dTy.getRank(); ++i)
    inner *= dTy.getDimSize(i);
  auto values = llvm::to_vector(data.getValues<Attribute>());
  SmallVector<int64_t> indices;
  for (APInt v : idx.getValues<APInt>()) {
    int64_t k = v.getSExtValue();
    if (k < 0)
      k += n;
    if (k < 0 || k >= n)
      return {};
    indices.push_back(k);
  }
  SmallVector<Attribute> out;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k : indices)
      for (int64_t i = 0; i < inner; ++i)
        out.push_back(values[(o * n + k) * inner + i]);
  return DenseElementsAttr::get(resTy, out);
}
