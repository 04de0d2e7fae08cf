//===- Int8.cpp - 8-bit integer contractions ------------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// A linear, matmul or convolution of 8-bit integers (uint8 activations times
// int8 weights, say) into an exact int32 accumulator. With a constant weight
// and static shapes the reduction is split into groups of four consecutive
// elements that both operands hold innermost ("dot4" form):
//
//   out[.., nb, ni] += sum_{k4, q} x[.., k4, q] * w[nb, k4, ni, q]      (linear)
//   out[n, mb, mi, o..] += sum_{c4, k.., q}
//        x[n, c4, o * s + k * d.., q] * w[mb, c4, k.., mi, q]            (conv)
//
// with q of extent 4, the weight packed at compile time in blocks of 16
// output channels (zeros past the last channel and past the last reduction
// element), the activation's reduction dim split (channels relaid out as
// [N, C/4, H, W, 4]). Four bytes of x and a 16 x 4 panel of w are what one
// AVX512-VNNI vpdpbusd multiplies into 16 int32 lanes; the CPU backend's
// kernel generator matches this form. On any target the generic is the
// same exact sum. Other 8-bit contractions widen both operands to int32
// first.
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "autoglm/Support/ConstantData.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {

constexpr int64_t kBlock = 16, kQuad = 4;

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

} // namespace

std::optional<std::vector<char>> lowering::int8Bytes(Value v) {
  Attribute attr;
  auto t = dyn_cast<RankedTensorType>(v.getType());
  if (!t || !t.getElementType().isInteger(8) || !t.hasStaticShape() ||
      !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr); dense && dense.isSplat())
    return std::vector<char>(t.getNumElements(), (char)dense.getSplatValue<APInt>().getZExtValue());
  std::optional<ArrayRef<char>> bytes = constantBytes(attr);
  if (!bytes || (int64_t)bytes->size() != t.getNumElements())
    return std::nullopt;
  return std::vector<char>(bytes->begin(), bytes->end());
}

namespace {

std::string resourceName(Value v) {
  Attribute attr;
  if (matchPattern(v, m_Constant(&attr)))
    if (auto res = dyn_cast<DenseResourceElementsAttr>(attr))
      return res.getRawHandle().getKey().str();
  return "weight";
}

/// [M/16, K/4, (spatial...), 16, 4] of weight element at(m, c, s) (output
/// channel m, reduction channel c, spatial offset s), zero past M and K.
Value packDot4(OpBuilder &b, Location loc, int64_t M, int64_t C, ArrayRef<int64_t> kernel,
               llvm::function_ref<int8_t(int64_t, int64_t, int64_t)> at, StringRef name) {
  int64_t MB = ceilDiv(M, kBlock), C4 = ceilDiv(C, kQuad), S = 1;
  for (int64_t k : kernel)
    S *= k;
  std::vector<char> data(MB * C4 * S * kBlock * kQuad, 0);
  size_t i = 0;
  for (int64_t mb = 0; mb < MB; ++mb)
    for (int64_t c4 = 0; c4 < C4; ++c4)
      for (int64_t s = 0; s < S; ++s)
        for (int64_t mi = 0; mi < kBlock; ++mi)
          for (int64_t q = 0; q < kQuad; ++q, ++i) {
            int64_t m = mb * kBlock + mi, c = c4 * kQuad + q;
            if (m < M && c < C)
              data[i] = (char)at(m, c, s);
          }
  SmallVector<int64_t> shape = {MB, C4};
  shape.append(kernel.begin(), kernel.end());
  shape.append({kBlock, kQuad});
  auto type = RankedTensorType::get(shape, b.getIntegerType(8));
  auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(ArrayRef<char>(data), 64);
  return arith::ConstantOp::create(
      b, loc, type, DenseResourceElementsAttr::get(type, (name + "_dot4").str(), std::move(blob)));
}

/// The dot4 generic of `x4` and `packed` into a zeroed int32 tensor of
/// `shape`: acc + ext(x) * ext(w), each 8-bit operand extended by its
/// signedness; the last `reductions` loops reduce.
Value dot4Generic(OpBuilder &b, Location loc, Value x4, Value packed, ArrayRef<AffineMap> maps,
                  unsigned reductions, ArrayRef<int64_t> shape, ElemInfo xe, ElemInfo we) {
  Type i32 = b.getI32Type();
  auto outTy = RankedTensorType::get(shape, i32);
  SmallVector<utils::IteratorType> iters(maps[0].getNumDims() - reductions,
                                         utils::IteratorType::parallel);
  iters.append(reductions, utils::IteratorType::reduction);
  Value init = fillTensor(b, loc, outTy, scalarConst(b, loc, i32, 0));
  auto body = [&](OpBuilder &nb, Location l, ValueRange args) {
    auto ext = [&](Value v, ElemInfo e) -> Value {
      return e.isUnsigned ? (Value)arith::ExtUIOp::create(nb, l, i32, v)
                          : (Value)arith::ExtSIOp::create(nb, l, i32, v);
    };
    Value p = arith::MulIOp::create(nb, l, ext(args[0], xe), ext(args[1], we));
    linalg::YieldOp::create(nb, l, arith::AddIOp::create(nb, l, args[2], p).getResult());
  };
  return linalg::GenericOp::create(b, loc, outTy, ValueRange{x4, packed}, ValueRange{init}, maps,
                                   iters, body)
      .getResult(0);
}

/// `full` ([..., Mpad] along `axis`) cut to the result's M.
Value cropChannels(OpBuilder &b, Location loc, Value full, RankedTensorType resTy, int64_t axis) {
  auto ft = cast<RankedTensorType>(full.getType());
  if (ft.getDimSize(axis) == resTy.getDimSize(axis))
    return full;
  SmallVector<OpFoldResult> off(ft.getRank(), b.getIndexAttr(0)),
      ones(ft.getRank(), b.getIndexAttr(1)), sizes;
  for (int64_t d : resTy.getShape())
    sizes.push_back(b.getIndexAttr(d));
  return tensor::ExtractSliceOp::create(b, loc, resTy, full, off, sizes, ones);
}

AffineExpr dimE(MLIRContext *ctx, unsigned i) { return getAffineDimExpr(i, ctx); }

/// A depthwise convolution (group = C = M, one input channel per output
/// channel) of 8-bit operands, accumulated in f32: each product is an
/// integer below 2^15 in magnitude and a window of at most 514 of them sums
/// below 2^24, so every partial sum is exact in f32 and the result (made
/// int32 after) is the integer sum. The weight becomes an f32 constant of
/// its integer values and the activation stays 8-bit, widened in the body:
///
///   out[n, g, 0, o..] += tofp(x[n, g, 0, o * s + k * d..]) * wf[g, 0, 0, k..]
///
/// the f32 depthwise form (buildConv's [N, G, Mg, ...] with Mg = Cg = 1)
/// that the CPU backend's rows kernels read with 8-bit X rows, at a quarter
/// of the bytes of an f32 activation. Null where it does not apply.
Value buildInt8Depthwise(OpBuilder &b, Location loc, Value x, ElemInfo xe, ArrayRef<char> bytes,
                         ElemInfo we, RankedTensorType wt, ArrayRef<int64_t> strides,
                         ArrayRef<int64_t> dilations, ArrayRef<int64_t> pads, int64_t group,
                         RankedTensorType resTy, StringRef name) {
  auto xt = cast<RankedTensorType>(x.getType());
  int64_t nd = xt.getRank() - 2, N = xt.getDimSize(0), C = xt.getDimSize(1);
  if (nd < 1 || group != C || wt.getDimSize(0) != C || wt.getDimSize(1) != 1 ||
      resTy.getDimSize(1) != C)
    return {};
  SmallVector<int64_t> kernel(wt.getShape().drop_front(2));
  int64_t S = 1;
  for (int64_t k : kernel)
    S *= k;
  if (S > 514)
    return {};
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  std::vector<float> wf(bytes.size());
  for (size_t i = 0; i < bytes.size(); ++i)
    wf[i] = we.isUnsigned ? (float)(uint8_t)bytes[i] : (float)(int8_t)bytes[i];
  SmallVector<int64_t> ws = {C, 1, 1};
  ws.append(kernel);
  auto wTy = RankedTensorType::get(ws, f32);
  auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>((const char *)wf.data(), wf.size() * sizeof(float)), 64);
  Value wg = arith::ConstantOp::create(
      b, loc, wTy, DenseResourceElementsAttr::get(wTy, (name + "_f32").str(), std::move(blob)));
  SmallVector<int64_t> low(2, 0), high(2, 0);
  low.append(pads.begin(), pads.begin() + nd);
  high.append(pads.begin() + nd, pads.end());
  Value xp = padConstant(b, loc, x, low, high, scalarConst(b, loc, xe.type, 0));
  auto pt = cast<RankedTensorType>(xp.getType());
  // x [N, C, P...] -> [N, C, 1, P...]; loops n, g, mg, o..., cg, k...
  SmallVector<int64_t> xs = {N, C, 1}, os = {N, C, 1};
  SmallVector<ReassociationIndices> xr = {{0}, {1, 2}};
  for (int64_t i = 0; i < nd; ++i) {
    xs.push_back(pt.getDimSize(2 + i));
    os.push_back(resTy.getDimSize(2 + i));
    xr.push_back({3 + i});
  }
  Value xg = tensor::ExpandShapeOp::create(b, loc, RankedTensorType::get(xs, xe.type), xp, xr);
  unsigned po = 3, cgDim = po + nd, nLoops = cgDim + 1 + nd;
  SmallVector<AffineExpr> xEx = {dimE(ctx, 0), dimE(ctx, 1), dimE(ctx, cgDim)},
                          wEx = {dimE(ctx, 1), dimE(ctx, 2), dimE(ctx, cgDim)},
                          oEx = {dimE(ctx, 0), dimE(ctx, 1), dimE(ctx, 2)};
  for (int64_t i = 0; i < nd; ++i) {
    AffineExpr o = dimE(ctx, po + i), k = dimE(ctx, cgDim + 1 + i);
    xEx.push_back(o * strides[i] + k * dilations[i]);
    wEx.push_back(k);
    oEx.push_back(o);
  }
  SmallVector<AffineMap> maps = {AffineMap::get(nLoops, 0, xEx, ctx),
                                 AffineMap::get(nLoops, 0, wEx, ctx),
                                 AffineMap::get(nLoops, 0, oEx, ctx)};
  SmallVector<utils::IteratorType> iters(po + nd, utils::IteratorType::parallel);
  iters.append(1 + nd, utils::IteratorType::reduction);
  auto outTy = RankedTensorType::get(os, f32);
  Value init = fillTensor(b, loc, outTy, scalarConst(b, loc, f32, 0));
  Value acc =
      linalg::GenericOp::create(
          b, loc, outTy, ValueRange{xg, wg}, ValueRange{init}, maps, iters,
          [&](OpBuilder &nb, Location l, ValueRange args) {
            Value xf = xe.isUnsigned ? (Value)arith::UIToFPOp::create(nb, l, f32, args[0])
                                     : (Value)arith::SIToFPOp::create(nb, l, f32, args[0]);
            Value p = arith::MulFOp::create(nb, l, xf, args[1]);
            linalg::YieldOp::create(nb, l, arith::AddFOp::create(nb, l, args[2], p).getResult());
          })
          .getResult(0);
  SmallVector<ReassociationIndices> back = {{0}, {1, 2}};
  for (int64_t i = 0; i < nd; ++i)
    back.push_back({3 + i});
  Value flat = tensor::CollapseShapeOp::create(b, loc, RankedTensorType::get(resTy.getShape(), f32),
                                               acc, back);
  // The exact integer sum as the op's int32.
  return buildElementwise(b, loc, resTy, {flat}, [&](OpBuilder &nb, Location l, ValueRange a) {
    return (Value)arith::FPToSIOp::create(nb, l, resTy.getElementType(), a[0]);
  });
}

} // namespace

bool lowering::isInt8Contraction(Type x, Type w) {
  auto elem = [](Type t) { return cast<ShapedType>(t).getElementType(); };
  return elem(x).isInteger(8) && elem(w).isInteger(8);
}

Value lowering::widenInt8(OpBuilder &b, Location loc, Value v, ElemInfo from) {
  auto t = cast<RankedTensorType>(v.getType());
  if (!t.getElementType().isInteger(8))
    return v;
  ElemInfo to = ElemInfo::of(b.getI32Type());
  return buildElementwise(
      b, loc, RankedTensorType::get(t.getShape(), to.type), {v},
      [&](OpBuilder &nb, Location l, ValueRange a) { return castScalar(nb, l, a[0], from, to); });
}

Value lowering::buildInt8Linear(OpBuilder &b, Location loc, Value x, ElemInfo xe, Value w,
                                ElemInfo we, bool wIsKN, RankedTensorType resTy) {
  auto xt = cast<RankedTensorType>(x.getType());
  auto wt = cast<RankedTensorType>(w.getType());
  std::optional<std::vector<char>> bytes = int8Bytes(w);
  if (!bytes || !xt.hasStaticShape() || !resTy.hasStaticShape() || wt.getRank() != 2 ||
      xt.getRank() < 1)
    return {};
  MLIRContext *ctx = b.getContext();
  int64_t K = xt.getShape().back(), N = wIsKN ? wt.getDimSize(1) : wt.getDimSize(0);
  if ((wIsKN ? wt.getDimSize(0) : wt.getDimSize(1)) != K)
    return {};
  const char *data = bytes->data();
  Value packed = packDot4(
      b, loc, N, K, {},
      [&](int64_t n, int64_t k, int64_t) { return (int8_t)data[wIsKN ? k * N + n : n * K + k]; },
      resourceName(w));
  int64_t r = xt.getRank(), K4 = ceilDiv(K, kQuad), NB = ceilDiv(N, kBlock);
  // x [..., K] -> [..., K/4, 4] (zeros past K).
  SmallVector<int64_t> low(r, 0), high(r, 0);
  high.back() = K4 * kQuad - K;
  Value xp = padConstant(b, loc, x, low, high, scalarConst(b, loc, xe.type, 0));
  SmallVector<int64_t> xs(xt.getShape().drop_back());
  xs.append({K4, kQuad});
  SmallVector<ReassociationIndices> split;
  for (int64_t i = 0; i < r - 1; ++i)
    split.push_back({i});
  split.push_back({r - 1, r});
  Value x4 = tensor::ExpandShapeOp::create(b, loc, RankedTensorType::get(xs, xe.type), xp, split);
  // Loops: batch... (r - 1), nb, ni, k4, q.
  unsigned nLoops = r - 1 + 4;
  SmallVector<AffineExpr> xEx, oEx;
  for (int64_t i = 0; i < r - 1; ++i) {
    xEx.push_back(dimE(ctx, i));
    oEx.push_back(dimE(ctx, i));
  }
  unsigned nb = r - 1, ni = r, k4 = r + 1, q = r + 2;
  xEx.append({dimE(ctx, k4), dimE(ctx, q)});
  oEx.append({dimE(ctx, nb), dimE(ctx, ni)});
  SmallVector<AffineMap> maps = {
      AffineMap::get(nLoops, 0, xEx, ctx),
      AffineMap::get(nLoops, 0, {dimE(ctx, nb), dimE(ctx, k4), dimE(ctx, ni), dimE(ctx, q)}, ctx),
      AffineMap::get(nLoops, 0, oEx, ctx)};
  SmallVector<int64_t> os(xt.getShape().drop_back());
  os.append({NB, kBlock});
  Type i32 = b.getI32Type();
  Value acc = dot4Generic(b, loc, x4, packed, maps, 2, os, xe, we);
  SmallVector<int64_t> full(xt.getShape().drop_back());
  full.push_back(NB * kBlock);
  Value collapsed =
      tensor::CollapseShapeOp::create(b, loc, RankedTensorType::get(full, i32), acc, split);
  return cropChannels(b, loc, collapsed, resTy, r - 1);
}

Value lowering::buildInt8Conv(OpBuilder &b, Location loc, Value x, ElemInfo xe, Value w,
                              ElemInfo we, ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                              ArrayRef<int64_t> pads, int64_t group, RankedTensorType resTy) {
  auto xt = cast<RankedTensorType>(x.getType());
  auto wt = cast<RankedTensorType>(w.getType());
  std::optional<std::vector<char>> bytes = int8Bytes(w);
  if (!bytes || !xt.hasStaticShape() || !resTy.hasStaticShape())
    return {};
  if (group != 1)
    return buildInt8Depthwise(b, loc, x, xe, *bytes, we, wt, strides, dilations, pads, group, resTy,
                              resourceName(w));
  MLIRContext *ctx = b.getContext();
  int64_t nd = xt.getRank() - 2, N = xt.getDimSize(0), C = xt.getDimSize(1), M = wt.getDimSize(0);
  SmallVector<int64_t> kernel(wt.getShape().drop_front(2));
  int64_t S = 1;
  for (int64_t k : kernel)
    S *= k;
  const char *data = bytes->data();
  Value packed = packDot4(
      b, loc, M, C, kernel,
      [&](int64_t m, int64_t c, int64_t s) { return (int8_t)data[(m * C + c) * S + s]; },
      resourceName(w));
  int64_t C4 = ceilDiv(C, kQuad), MB = ceilDiv(M, kBlock);
  // The spatial padding: the conv's own (zeros), or, where it has none, that
  // of a constant pad producing x (a quantized model's Pad in front of each
  // padded conv, its value the zero point), which is then done here.
  SmallVector<int64_t> low(pads.begin(), pads.begin() + nd), high(pads.begin() + nd, pads.end());
  Value padValue = scalarConst(b, loc, xe.type, 0);
  auto none = [](ArrayRef<int64_t> v) { return llvm::all_of(v, [](int64_t i) { return i == 0; }); };
  if (auto p = x.getDefiningOp<tensor::PadOp>(); p && none(low) && none(high)) {
    Value v = p.getConstantPaddingValue();
    ArrayRef<int64_t> lo = p.getStaticLow(), hi = p.getStaticHigh();
    if (v && !llvm::any_of(llvm::concat<const int64_t>(lo, hi), ShapedType::isDynamic) &&
        none(lo.take_front(2)) && none(hi.take_front(2)) &&
        cast<RankedTensorType>(p.getSource().getType()).hasStaticShape()) {
      x = p.getSource();
      low.assign(lo.begin() + 2, lo.end());
      high.assign(hi.begin() + 2, hi.end());
      padValue = v;
    }
  }
  // Channels to a multiple of 4 (any value: the packed weight is zero
  // there).
  if (C4 * kQuad != C) {
    SmallVector<int64_t> zeros(nd + 2, 0), more(nd + 2, 0);
    more[1] = C4 * kQuad - C;
    x = padConstant(b, loc, x, zeros, more, scalarConst(b, loc, xe.type, 0));
  }
  auto pt = cast<RankedTensorType>(x.getType());
  // x [N, C4 * 4, spatial...] -> [N, C4, 4, spatial...] -> relaid out as
  // [N, C4, spatial..., 4] into the interior of the spatially padded
  // tensor, whose border alone is filled: the bytes are written once, by a
  // generic copy (not linalg.transpose) into which the quantize that
  // produces x fuses.
  SmallVector<int64_t> split5 = {N, C4, kQuad}, perm = {0, 1}, x4Shape = {N, C4};
  SmallVector<ReassociationIndices> sr = {{0}, {1, 2}};
  SmallVector<int64_t> low4 = {0, 0}, high4 = {0, 0};
  for (int64_t i = 0; i < nd; ++i) {
    split5.push_back(pt.getDimSize(2 + i));
    x4Shape.push_back(pt.getDimSize(2 + i));
    sr.push_back({3 + i});
    perm.push_back(3 + i);
    low4.push_back(low[i]);
    high4.push_back(high[i]);
  }
  perm.push_back(2);
  x4Shape.push_back(kQuad);
  low4.push_back(0);
  high4.push_back(0);
  Value xs = tensor::ExpandShapeOp::create(b, loc, RankedTensorType::get(split5, xe.type), x, sr);
  SmallVector<AffineExpr> readEx;
  SmallVector<int64_t> inv(perm.size());
  for (auto [i, p] : llvm::enumerate(perm))
    inv[p] = i;
  for (int64_t p : inv)
    readEx.push_back(dimE(ctx, p));
  SmallVector<AffineMap> copyMaps = {AffineMap::get(x4Shape.size(), 0, readEx, ctx),
                                     AffineMap::getMultiDimIdentityMap(x4Shape.size(), ctx)};
  SmallVector<OpFoldResult> x4Sizes;
  for (int64_t e : x4Shape)
    x4Sizes.push_back(b.getIndexAttr(e));
  Value x4 = padAround(
      b, loc, x4Sizes, xe.type, low4, high4, padValue,
      [&](OpBuilder &nb, Location l, Value interior) -> Value {
        return linalg::GenericOp::create(
                   nb, l, interior.getType(), ValueRange{xs}, ValueRange{interior}, copyMaps,
                   SmallVector<utils::IteratorType>(x4Shape.size(), utils::IteratorType::parallel),
                   [](OpBuilder &bb, Location ll, ValueRange a) {
                     linalg::YieldOp::create(bb, ll, a[0]);
                   })
            .getResult(0);
      });
  // Loops: n, mb, mi, o_1..o_nd, c4, k_1..k_nd, q.
  unsigned po = 3, c4d = po + nd, qd = c4d + 1 + nd, nLoops = qd + 1;
  SmallVector<AffineExpr> xEx = {dimE(ctx, 0), dimE(ctx, c4d)},
                          wEx = {dimE(ctx, 1), dimE(ctx, c4d)},
                          oEx = {dimE(ctx, 0), dimE(ctx, 1), dimE(ctx, 2)};
  SmallVector<int64_t> os = {N, MB, kBlock};
  for (int64_t i = 0; i < nd; ++i) {
    AffineExpr o = dimE(ctx, po + i), k = dimE(ctx, c4d + 1 + i);
    xEx.push_back(o * strides[i] + k * dilations[i]);
    wEx.push_back(k);
    oEx.push_back(o);
    os.push_back(resTy.getDimSize(2 + i));
  }
  xEx.push_back(dimE(ctx, qd));
  wEx.append({dimE(ctx, 2), dimE(ctx, qd)});
  SmallVector<AffineMap> maps = {AffineMap::get(nLoops, 0, xEx, ctx),
                                 AffineMap::get(nLoops, 0, wEx, ctx),
                                 AffineMap::get(nLoops, 0, oEx, ctx)};
  Type i32 = b.getI32Type();
  Value acc = dot4Generic(b, loc, x4, packed, maps, nd + 2, os, xe, we);
  SmallVector<int64_t> full = {N, MB * kBlock};
  SmallVector<ReassociationIndices> back = {{0}, {1, 2}};
  for (int64_t i = 0; i < nd; ++i) {
    full.push_back(resTy.getDimSize(2 + i));
    back.push_back({3 + i});
  }
  Value collapsed =
      tensor::CollapseShapeOp::create(b, loc, RankedTensorType::get(full, i32), acc, back);
  return cropChannels(b, loc, collapsed, resTy, 1);
}
