//===- Quant.cpp - ONNX quantization ops to autoglm ----------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::onnx_import;

namespace {

/// A constant scale (node input `i`) must be positive and finite: a 0 would
/// divide by zero at run time, a negative one flip the data.
LogicalResult checkScale(NodeImporter &n, unsigned i) {
  if (!n.isConstInput(i))
    return success();
  auto values = n.constFloats(i);
  if (failed(values))
    return n.error("the values of the constant scale (input " + Twine(i) +
                   ") cannot be read (an f32 or f64 tensor is expected)");
  for (double v : *values)
    if (!(v > 0) || !std::isfinite(v))
      return n.error("scale (input " + Twine(i) + ") must be positive and finite, got " +
                     llvm::formatv("{0}", v));
  return success();
}

/// QuantizeLinear / DequantizeLinear: a missing zero point is 0 of the
/// quantized type (uint8 for QuantizeLinear).
LogicalResult importQDQ(NodeImporter &n, bool quantize) {
  if (failed(checkScale(n, 1)))
    return failure();
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

/// `v` (a scalar or a 1-D vector along `axis` of an operand of shape
/// `of`) shaped to broadcast against that operand: a vector of more than
/// one element becomes [1, .., n, .., 1], and must have the axis' extent.
FailureOr<Value> alongAxis(NodeImporter &n, Value v, int64_t axis, ArrayRef<int64_t> of) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getRank() == 0 || (t.getRank() == 1 && t.getDimSize(0) == 1))
    return v;
  if (t.getRank() != 1)
    return n.error("a scale or zero point must be a scalar or a 1-D tensor, got rank " +
                   Twine(t.getRank()));
  int64_t rank = of.size();
  if (axis >= rank || (!ShapedType::isDynamic(t.getDimSize(0)) &&
                       !ShapedType::isDynamic(of[axis]) && t.getDimSize(0) != of[axis]))
    return n.error("a scale or zero point of " + Twine(t.getDimSize(0)) +
                   " elements does not match the extent along its axis (" +
                   (axis < rank ? Twine(of[axis]) : Twine("none")) + ")");
  SmallVector<int64_t> shape(rank, 1);
  shape[axis] = t.getDimSize(0);
  return n.make<ReshapeOp>(RankedTensorType::get(shape, t.getElementType()), v, Value());
}

/// `x` widened to int32 minus its zero point `zp` (absent: 0), a scalar or a
/// vector along `axis`: the exact integer operand of MatMulInteger,
/// ConvInteger and the QLinear ops (products and sums stay in int32).
FailureOr<Value> centered(NodeImporter &n, Value x, Value zp, int64_t axis) {
  auto t = cast<RankedTensorType>(x.getType());
  Type i32 = n.builder().getI32Type();
  auto wide = n.make<CastOp>(RankedTensorType::get(t.getShape(), i32), x);
  if (failed(wide) || !zp)
    return wide;
  auto zt = cast<RankedTensorType>(zp.getType());
  auto z = n.make<CastOp>(RankedTensorType::get(zt.getShape(), i32), zp);
  if (failed(z))
    return failure();
  auto za = alongAxis(n, *z, axis, t.getShape());
  if (failed(za))
    return failure();
  return makeBinary(n, BinaryKind::Sub, *wide, *za);
}

/// The operand index of node input `i`, or null when the optional input is
/// absent.
Value optionalInput(NodeImporter &n, unsigned i) { return n.hasInput(i) ? n.input(i) : Value(); }

/// MatMulInteger: (A - a_zp) x (B - b_zp) in int32; a_zp per row of A, b_zp
/// per column of B.
LogicalResult importMatMulInteger(NodeImporter &n) {
  int64_t ra = n.inputType(0).getRank(), rb = n.inputType(1).getRank();
  auto a = centered(n, n.input(0), optionalInput(n, 2), std::max<int64_t>(0, ra - 2));
  auto b = centered(n, n.input(1), optionalInput(n, 3), rb - 1);
  if (failed(a) || failed(b))
    return failure();
  return done(n, n.make<MatMulOp>(n.outputType(0), *a, *b));
}

/// ConvInteger: conv(x - x_zp, w - w_zp) in int32; w_zp per output channel.
LogicalResult importConvInteger(NodeImporter &n) {
  auto x = centered(n, n.input(0), optionalInput(n, 2), 0);
  auto w = centered(n, n.input(1), optionalInput(n, 3), 0);
  if (failed(x) || failed(w))
    return failure();
  return done(n, makeConv(n, *x, *w, Value(), n.outputType(0)));
}

/// The int32 accumulator of a QLinear op to its quantized output: as float
/// times the input scales (`sa` along `axisA`, `sb` along `axisB`), then
/// requantized with (y_scale, y_zero_point) = node inputs (ys, yz).
LogicalResult requantize(NodeImporter &n, Value acc, unsigned sa, int64_t axisA, unsigned sb,
                         int64_t axisB, unsigned ys, unsigned yz) {
  for (unsigned i : {sa, sb, ys})
    if (failed(checkScale(n, i)))
      return failure();
  auto t = cast<RankedTensorType>(acc.getType());
  Type f32 = n.inputType(sa).getElementType();
  auto f = n.make<CastOp>(RankedTensorType::get(t.getShape(), f32), acc);
  auto a = alongAxis(n, n.input(sa), axisA, t.getShape());
  auto b = alongAxis(n, n.input(sb), axisB, t.getShape());
  if (failed(f) || failed(a) || failed(b))
    return failure();
  auto fa = makeBinary(n, BinaryKind::Mul, *f, *a);
  if (failed(fa))
    return failure();
  auto real = makeBinary(n, BinaryKind::Mul, *fa, *b);
  if (failed(real))
    return failure();
  if (n.inputType(ys).getNumElements() != 1)
    return n.error("y_scale must be a scalar (per-tensor output quantization)");
  auto out = n.outputType(0);
  return done(n, n.make<QuantizeOp>(RankedTensorType::get(t.getShape(), out.getElementType()),
                                    *real, n.input(ys), n.input(yz), (int64_t)0));
}

/// QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp).
LogicalResult importQLinearMatMul(NodeImporter &n) {
  int64_t ra = n.inputType(0).getRank(), rb = n.inputType(3).getRank();
  auto a = centered(n, n.input(0), n.input(2), std::max<int64_t>(0, ra - 2));
  auto b = centered(n, n.input(3), n.input(5), rb - 1);
  if (failed(a) || failed(b))
    return failure();
  auto acc = n.make<MatMulOp>(Type(), *a, *b);
  if (failed(acc))
    return failure();
  int64_t r = cast<RankedTensorType>(acc->getType()).getRank();
  return requantize(n, *acc, 1, std::max<int64_t>(0, r - 2), 4, r - 1, 6, 7);
}

/// QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B): the
/// int32 bias (scale x_scale * w_scale) joins the int32 accumulator.
LogicalResult importQLinearConv(NodeImporter &n) {
  for (unsigned i : {1u, 2u})
    if (n.inputType(i).getRank() > 1 ||
        (n.inputType(i).hasStaticShape() && n.inputType(i).getNumElements() != 1))
      return n.error(Twine(i == 1 ? "x_scale" : "x_zero_point") +
                     " must be a scalar (per-tensor input quantization)");
  auto x = centered(n, n.input(0), n.input(2), 0);
  auto w = centered(n, n.input(3), n.input(5), 0);
  if (failed(x) || failed(w))
    return failure();
  auto acc = makeConv(n, *x, *w, optionalInput(n, 8));
  if (failed(acc))
    return failure();
  return requantize(n, *acc, 1, 1, 4, 1, 6, 7);
}

/// DynamicQuantizeLinear: uint8 with a scale and zero point from the data's
/// range widened to hold 0: scale = (max(x, 0) - min(x, 0)) / 255,
/// zero point = saturate(round(-min(x, 0) / scale)).
LogicalResult importDynamicQuantizeLinear(NodeImporter &n) {
  auto xt = n.inputType(0);
  if (!xt || !xt.getElementType().isF32())
    return n.error("input 0 must be a float32 tensor");
  Type f32 = xt.getElementType(), u8 = n.builder().getIntegerType(8, false);
  SmallVector<int64_t> all = llvm::to_vector(llvm::seq<int64_t>(0, xt.getRank()));
  auto scalar = RankedTensorType::get({}, f32);
  auto mn = n.make<ReduceOp>(scalar, ReduceKind::Min, n.input(0), all, false, false);
  auto mx = n.make<ReduceOp>(scalar, ReduceKind::Max, n.input(0), all, false, false);
  if (failed(mn) || failed(mx))
    return failure();
  Value zero = n.splat(f32, 0.0);
  auto lo = makeBinary(n, BinaryKind::Min, *mn, zero);
  auto hi = makeBinary(n, BinaryKind::Max, *mx, zero);
  if (failed(lo) || failed(hi))
    return failure();
  auto range = makeBinary(n, BinaryKind::Sub, *hi, *lo);
  if (failed(range))
    return failure();
  auto scale = makeBinary(n, BinaryKind::Div, *range, n.splat(f32, 255.0));
  auto negLo = makeUnary(n, UnaryKind::Neg, *lo);
  if (failed(scale) || failed(negLo))
    return failure();
  auto zp = n.make<QuantizeOp>(RankedTensorType::get({}, u8), *negLo, *scale, n.splat(u8, 0.0),
                               (int64_t)0);
  if (failed(zp))
    return failure();
  auto y = n.make<QuantizeOp>(RankedTensorType::get(xt.getShape(), u8), n.input(0), *scale, *zp,
                              (int64_t)0);
  if (failed(y))
    return failure();
  n.setOutput(0, *y);
  n.setOutput(1, *scale);
  n.setOutput(2, *zp);
  return success();
}

} // namespace

void onnx_import::registerQuantRules(RuleTable &t) {
  t["QuantizeLinear"] = [](NodeImporter &n) { return importQDQ(n, true); };
  t["DequantizeLinear"] = [](NodeImporter &n) { return importQDQ(n, false); };
  t["MatMulInteger"] = importMatMulInteger;
  t["ConvInteger"] = importConvInteger;
  t["QLinearMatMul"] = importQLinearMatMul;
  t["QLinearConv"] = importQLinearConv;
  t["DynamicQuantizeLinear"] = importDynamicQuantizeLinear;
}
