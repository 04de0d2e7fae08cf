//===- Contraction.cpp - matmul, linear, conv to linalg ------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Contractions become linalg.generic with reduction iterators; convolution
// exposes its groups as a dimension (input [N, G, C/G, ...], weight
// [G, M/G, C/G, ...]) so one generic covers plain, grouped and depthwise
// convolution in every rank. Transposed convolution becomes a convolution of
// the stride-dilated input with the flipped, transposed weight.
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "autoglm/Support/ConstantData.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

#include <cstring>

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {

AffineExpr dim(MLIRContext *ctx, unsigned i) { return getAffineDimExpr(i, ctx); }

/// acc + a * b, after casting both inputs to the accumulator's type.
Value macBody(OpBuilder &b, Location loc, ValueRange args, ElemInfo e) {
  // A weight-only int8 weight is widened in the body (the CPU kernels do it
  // in registers); the per-column scale comes after the reduction.
  Value w = args[1];
  if (e.isFloat && w.getType().isInteger(8))
    w = arith::SIToFPOp::create(b, loc, e.type, w);
  return emitAdd(b, loc, args[2], emitMul(b, loc, args[0], w, e), e);
}

/// The int4 weight-only step: args (x_k, x_k+1, packed byte, scale, acc);
/// acc + (x_k * (lo - 8) + x_k+1 * (hi - 8)) * scale, lo and hi the byte's
/// nibbles (p & 15 and p >> 4, logical), each the weight plus 8. The CPU
/// kernel generator matches exactly this body (matchInt4 in
/// targets/CPU/VectorizeContractions.cpp).
Value int4MacBody(OpBuilder &b, Location l, ValueRange args) {
  Type f32 = b.getF32Type(), i8 = b.getIntegerType(8);
  Value four = arith::ConstantOp::create(b, l, b.getIntegerAttr(i8, 4));
  Value mask = arith::ConstantOp::create(b, l, b.getIntegerAttr(i8, 15));
  Value eight = arith::ConstantOp::create(b, l, b.getF32FloatAttr(8.0f));
  auto weight = [&](Value nibble) {
    return arith::SubFOp::create(b, l, arith::UIToFPOp::create(b, l, f32, nibble), eight);
  };
  Value lo = weight(arith::AndIOp::create(b, l, args[2], mask));
  Value hi = weight(arith::ShRUIOp::create(b, l, args[2], four));
  Value sum = arith::AddFOp::create(b, l, arith::MulFOp::create(b, l, args[0], lo),
                                    arith::MulFOp::create(b, l, args[1], hi));
  return arith::AddFOp::create(b, l, args[4], arith::MulFOp::create(b, l, sum, args[3]));
}

/// A weight-only int8 weight: dequantize(q, scale, 0) of an int8 constant,
/// per column (`axis`), zero points 0. Returns (q, scale) as converted.
std::optional<std::pair<Value, Value>> weightOnlyInt8(ConversionPatternRewriter &rw, Value w,
                                                      int64_t axis) {
  auto dq = w.getDefiningOp<DequantizeOp>();
  if (!dq || dq.getAxis() != axis || !dq.getInput().getType().getElementType().isInteger(8) ||
      dq.getInput().getType().getRank() != 2 || !dq.getScale().getType().hasStaticShape() ||
      dq.getScale().getType().getRank() != 1 || !dq.getScale().getType().getElementType().isF32() ||
      dq.getScale().getType().getDimSize(0) != dq.getInput().getType().getDimSize(axis))
    return std::nullopt;
  Attribute zp;
  if (!matchPattern(dq.getZeroPoint(), m_Constant(&zp)))
    return std::nullopt;
  auto z = dyn_cast<DenseElementsAttr>(zp);
  if (!z || !z.isSplat() || !z.getSplatValue<APInt>().isZero())
    return std::nullopt;
  Value q = rw.getRemappedValue(dq.getInput()), scale = rw.getRemappedValue(dq.getScale());
  if (!q || !scale || !matchPattern(q, m_Constant()))
    return std::nullopt;
  return std::make_pair(q, scale);
}

/// A weight-only int4 weight of a linear ([N, K]): dequantize(q, scale, 0)
/// of an i4 constant, blocked along K (axis 1) in groups of block_size G
/// (scale [N, K/G]). Returns the 4-bit values (one int8 each, in [-8, 7]),
/// the converted scale and G.
struct Int4Weight {
  std::vector<int8_t> q;
  Value scale;
  int64_t group;
};
std::optional<Int4Weight> weightOnlyInt4(ConversionPatternRewriter &rw, Value w) {
  auto dq = w.getDefiningOp<DequantizeOp>();
  if (!dq || dq.getAxis() != 1 || dq.getBlockSize() <= 0 ||
      !dq.getInput().getType().getElementType().isInteger(4) ||
      dq.getInput().getType().getRank() != 2 || !dq.getInput().getType().hasStaticShape() ||
      !dq.getScale().getType().getElementType().isF32())
    return std::nullopt;
  Attribute zp, qAttr;
  if (!matchPattern(dq.getZeroPoint(), m_Constant(&zp)) ||
      !matchPattern(dq.getInput(), m_Constant(&qAttr)))
    return std::nullopt;
  auto z = dyn_cast<DenseElementsAttr>(zp);
  auto qd = dyn_cast<DenseElementsAttr>(qAttr);
  if (!z || !z.isSplat() || !z.getSplatValue<APInt>().isZero() || !qd)
    return std::nullopt;
  Int4Weight r;
  r.group = dq.getBlockSize();
  r.q.reserve(qd.getNumElements());
  for (const APInt &v : qd.getValues<APInt>())
    r.q.push_back((int8_t)v.getSExtValue());
  r.scale = rw.getRemappedValue(dq.getScale());
  if (!r.scale)
    return std::nullopt;
  return r;
}

/// acc [..., N/B, B] (a blocked contraction's result) times each column's
/// scale [N], plus its bias [N] when given: a weight-only int8 contraction's
/// result (the CPU kernels take it as their epilogue).
Value scaleColumns(OpBuilder &b, Location loc, Value acc, Value scale, Value bias, int64_t n,
                   int64_t block) {
  MLIRContext *ctx = b.getContext();
  auto ty = cast<RankedTensorType>(acc.getType());
  int64_t r = ty.getRank();
  auto colTy = RankedTensorType::get({n / block, block}, ty.getElementType());
  SmallVector<Value> ins = {acc};
  for (Value v : {scale, bias})
    if (v)
      ins.push_back(tensor::ExpandShapeOp::create(b, loc, colTy, v,
                                                  SmallVector<ReassociationIndices>{{0, 1}}));
  AffineMap id = AffineMap::getMultiDimIdentityMap(r, ctx);
  AffineMap col = AffineMap::get(r, 0, {dim(ctx, r - 2), dim(ctx, r - 1)}, ctx);
  SmallVector<AffineMap> maps = {id};
  maps.append(ins.size() - 1, col);
  maps.push_back(id);
  Value out = emptyForLoops(b, loc, ty, acc, {id}, id);
  return linalg::GenericOp::create(
             b, loc, ty, ins, ValueRange{out}, maps,
             SmallVector<utils::IteratorType>(r, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value v = arith::MulFOp::create(nb, l, args[0], args[1]);
               if (args.size() > 3)
                 v = arith::AddFOp::create(nb, l, v, args[2]);
               linalg::YieldOp::create(nb, l, v);
             })
      .getResult(0);
}

/// The op's fused activation, applied elementwise to its result.
template <typename Op>
Value applyEpilogue(OpBuilder &b, Op op, Value result) {
  auto kind = op.getActivation();
  if (!kind)
    return result;
  ElemInfo e = ElemInfo::of(op.getType());
  double alpha = op.getActAlpha() ? op.getActAlpha()->convertToDouble() : 0.0;
  double beta = op.getActBeta() ? op.getActBeta()->convertToDouble() : 0.0;
  return buildElementwise(b, op.getLoc(), cast<RankedTensorType>(result.getType()),
                          {result}, [&](OpBuilder &nb, Location l, ValueRange v) {
                            return emitUnary(nb, l, *kind, v[0], e, alpha, beta);
                          });
}

/// A constant weight, viewed with shape `view` (same element count), with
/// its dims permuted (result dim i is view dim perm[i]), the bytes moved at
/// compile time, or null if the weight is not a
/// plain constant. `suffix` names the new resource.
Value permutedConstantWeight(OpBuilder &b, Location loc, Value w, ArrayRef<int64_t> view,
                             ArrayRef<int64_t> perm, StringRef suffix) {
  Attribute attr;
  if (!matchPattern(w, m_Constant(&attr)))
    return {};
  auto type = cast<RankedTensorType>(w.getType());
  Type elem = type.getElementType();
  int64_t rank = view.size();
  if (elem.isInteger(1) || rank != (int64_t)perm.size() || !type.hasStaticShape() ||
      type.getNumElements() != ShapedType::getNumElements(view))
    return {};
  int64_t es = elem.getIntOrFloatBitWidth() / 8;
  std::optional<ArrayRef<char>> bytes = constantBytes(attr);
  if (!bytes)
    return {};
  ArrayRef<char> src = *bytes;
  std::string name = "weight";
  if (auto res = dyn_cast<DenseResourceElementsAttr>(attr))
    name = res.getRawHandle().getKey().str();
  if ((int64_t)src.size() != type.getNumElements() * es)
    return {};
  ArrayRef<int64_t> shape = view;
  SmallVector<int64_t> dstShape, srcStrides(rank, 1);
  for (int64_t i = rank - 2; i >= 0; --i)
    srcStrides[i] = srcStrides[i + 1] * shape[i + 1];
  for (int64_t p : perm)
    dstShape.push_back(shape[p]);
  // Walk the destination in order; `idx` is its multi-index.
  std::vector<char> dst(src.size());
  SmallVector<int64_t> idx(rank, 0);
  for (int64_t linear = 0, n = type.getNumElements(); linear < n; ++linear) {
    int64_t from = 0;
    for (int64_t i = 0; i < rank; ++i)
      from += idx[i] * srcStrides[perm[i]];
    std::memcpy(&dst[linear * es], &src[from * es], es);
    for (int64_t i = rank - 1; i >= 0 && ++idx[i] == dstShape[i]; --i)
      idx[i] = 0;
  }
  auto tType = RankedTensorType::get(dstShape, elem);
  auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(ArrayRef<char>(dst), 64);
  auto tAttr = DenseResourceElementsAttr::get(tType, (name + suffix).str(), std::move(blob));
  return arith::ConstantOp::create(b, loc, tType, tAttr);
}

/// `w` viewed as `view` (`viewAssoc` expands w's dims into it) with its dims
/// permuted: at compile time when it is a constant, else reshaped and
/// transposed at run time.
Value permutedWeight(OpBuilder &b, Location loc, Value w, ArrayRef<int64_t> view,
                     ArrayRef<ReassociationIndices> viewAssoc, ArrayRef<int64_t> perm,
                     StringRef suffix) {
  if (Value c = permutedConstantWeight(b, loc, w, view, perm, suffix))
    return c;
  Type elem = cast<RankedTensorType>(w.getType()).getElementType();
  Value v = tensor::ExpandShapeOp::create(b, loc, RankedTensorType::get(view, elem), w,
                                          viewAssoc);
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(view[p]);
  Value init = emptyTensor(b, loc, RankedTensorType::get(shape, elem));
  return linalg::TransposeOp::create(b, loc, v, init, perm).getResult()[0];
}

/// Output columns of a contraction with a constant weight are split into
/// blocks of this many (0: not blocked): the weight is packed at compile
/// time as [N/B, K, B], so a block's panel is contiguous and each k step
/// reads B consecutive floats (an unpacked [K, N] panel is read at a stride
/// of N floats, which for large N maps every k to the same L1 set).
int64_t columnBlock(int64_t n) {
  for (int64_t b : {32, 16, 8})
    if (n % b == 0 && n > b)
      return b;
  return 0;
}

/// Open extents of a matmul that must agree at run time: the reduction
/// extents of lhs [..., M, K] and rhs [..., K, N], and batch dims both
/// operands have where either is open (the lowering broadcasts only a
/// batch dim that is statically 1). A run where they differ is refused
/// (emitRuntimeCheck) instead of reading past an operand.
void checkOpenMatMulExtents(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  auto lt = cast<RankedTensorType>(lhs.getType()), rt = cast<RankedTensorType>(rhs.getType());
  int64_t lr = lt.getRank(), rr = rt.getRank();
  SmallVector<std::pair<int64_t, int64_t>> pairs = {{lr - 1, rr - 2}};
  for (int64_t i = 1; i <= std::min(lr, rr) - 2; ++i)
    pairs.push_back({lr - 2 - i, rr - 2 - i});
  Value ok;
  for (auto [l, r] : pairs) {
    if (!lt.isDynamicDim(l) && !rt.isDynamicDim(r))
      continue;
    if (l != lr - 1 && (lt.getDimSize(l) == 1 || rt.getDimSize(r) == 1))
      continue; // a static 1 broadcasts
    Value same = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                       tensor::DimOp::create(b, loc, lhs, l),
                                       tensor::DimOp::create(b, loc, rhs, r));
    ok = ok ? arith::AndIOp::create(b, loc, ok, same).getResult() : same;
  }
  if (ok)
    emitRuntimeCheck(b, loc, ok, "matmul operands whose reduction or batch extents differ");
}

/// Rows with several open extents ([B, S, K] with both open: a decoder's
/// batch and tokens) against a 2-D weight: `build` computes the op on the
/// rows collapsed to one open extent [B*S, K], which the register kernels
/// tile (they take one open row dim), and the result is expanded back to
/// [B, S, N] with the input's extents. Null when the rows have fewer than
/// two open extents.
Value onCollapsedRows(OpBuilder &b, Location loc, Value x, int64_t n,
                      function_ref<Value(Value, RankedTensorType)> build) {
  auto xt = cast<RankedTensorType>(x.getType());
  int64_t r = xt.getRank();
  if (r < 3 || llvm::count_if(xt.getShape().drop_back(), ShapedType::isDynamic) < 2)
    return {};
  ReassociationIndices rows;
  for (int64_t i = 0; i < r - 1; ++i)
    rows.push_back(i);
  SmallVector<ReassociationIndices> re = {rows, {r - 1}};
  Value flat = tensor::CollapseShapeOp::create(b, loc, x, re);
  Value y = build(flat, RankedTensorType::get({ShapedType::kDynamic, n}, xt.getElementType()));
  SmallVector<OpFoldResult> sizes;
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < r - 1; ++i) {
    sizes.push_back(tensor::getMixedSize(b, loc, x, i));
    shape.push_back(xt.getDimSize(i));
  }
  sizes.push_back(b.getIndexAttr(n));
  shape.push_back(n);
  // Not an expand_shape: MLIR 22's expand-strided-metadata crashes on one
  // with several open extents in a group (Boundary.cpp says the same). A
  // reshape from the extents, then a whole slice the bound analysis sees.
  auto t = RankedTensorType::get(shape, xt.getElementType());
  SmallVector<Value> dims;
  for (OpFoldResult v : sizes)
    dims.push_back(getValueOrCreateConstantIndexOp(b, loc, v));
  Value view =
      tensor::ReshapeOp::create(b, loc, t, y, tensor::FromElementsOp::create(b, loc, dims));
  SmallVector<OpFoldResult> zeros(r, b.getIndexAttr(0)), ones(r, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, t, view, zeros, sizes, ones);
}

struct MatMulLowering : StaticLowering<MatMulOp> {
  MatMulLowering(TypeConverter &tc, MLIRContext *ctx) : StaticLowering(tc, ctx) {
    // Rows with several open extents lower through a 2-D matmul.
    setHasBoundedRewriteRecursion();
  }
  /// Open extents anywhere but in 1-D operands (a constant rhs, packed,
  /// is static anyway).
  bool dynamicExtents(MatMulOp op) const override {
    return op.getLhs().getType().getRank() >= 2 && op.getRhs().getType().getRank() >= 2;
  }
  LogicalResult lower(MatMulOp op, OpAdaptor a,
                      ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    ElemInfo e = ElemInfo::of(op.getType());
    auto resTy = resultType(op);
    Value lhs = a.getLhs(), rhs = a.getRhs();
    if (isInt8Contraction(op.getLhs().getType(), op.getRhs().getType())) {
      ElemInfo le = ElemInfo::of(op.getLhs().getType()), re = ElemInfo::of(op.getRhs().getType());
      if (Value r = buildInt8Linear(rw, loc, lhs, le, rhs, re, /*wIsKN=*/true, resTy)) {
        rw.replaceOp(op, applyEpilogue(rw, op, r));
        return success();
      }
      lhs = widenInt8(rw, loc, lhs, le);
      rhs = widenInt8(rw, loc, rhs, re);
    }
    auto lt = cast<RankedTensorType>(lhs.getType());
    auto rt = cast<RankedTensorType>(rhs.getType());
    // 1-D operands are promoted to matrices and the unit dim dropped after.
    if (lt.getRank() == 1) {
      lt = RankedTensorType::get({1, lt.getDimSize(0)}, lt.getElementType());
      lhs = reshapeStatic(rw, loc, lhs, lt);
    }
    if (rt.getRank() == 1) {
      rt = RankedTensorType::get({rt.getDimSize(0), 1}, rt.getElementType());
      rhs = reshapeStatic(rw, loc, rhs, rt);
    }
    if (e.isFloat && rt.getRank() == 2 && rt.hasStaticShape() && lt.getElementType() == e.type &&
        rt.getElementType() == e.type)
      if (Value y = onCollapsedRows(rw, loc, lhs, rt.getDimSize(1),
                                    [&](Value flat, RankedTensorType t) -> Value {
                                      return MatMulOp::create(rw, loc, t, flat, op.getRhs());
                                    })) {
        rw.replaceOp(op, reshapeStatic(rw, loc, applyEpilogue(rw, op, y), resTy));
        return success();
      }
    auto batch = *broadcastShapes(lt.getShape().drop_back(2), rt.getShape().drop_back(2));
    int64_t nb = batch.size();
    checkOpenMatMulExtents(rw, loc, lhs, rhs);
    int64_t M = lt.getDimSize(lt.getRank() - 2), K = lt.getShape().back(),
            N = rt.getShape().back();
    SmallVector<int64_t> full(batch);
    full.append({M, N});
    auto fullTy = RankedTensorType::get(full, resTy.getElementType());
    // Loops: batch..., m, n, k.
    auto operandMap = [&](RankedTensorType t, AffineExpr r, AffineExpr c) {
      SmallVector<AffineExpr> ex;
      int64_t tb = t.getRank() - 2, off = nb - tb;
      for (int64_t i = 0; i < tb; ++i)
        ex.push_back(t.getDimSize(i) == 1 && batch[off + i] != 1
                         ? getAffineConstantExpr(0, ctx)
                         : dim(ctx, off + i));
      ex.push_back(r);
      ex.push_back(c);
      return AffineMap::get(nb + 3, 0, ex, ctx);
    };
    SmallVector<AffineExpr> outEx;
    for (int64_t i = 0; i < nb + 2; ++i)
      outEx.push_back(dim(ctx, i));
    SmallVector<AffineMap> maps = {
        operandMap(lt, dim(ctx, nb), dim(ctx, nb + 2)),
        operandMap(rt, dim(ctx, nb + 2), dim(ctx, nb + 1)),
        AffineMap::get(nb + 3, 0, outEx, ctx)};
    SmallVector<utils::IteratorType> iters(nb + 2, utils::IteratorType::parallel);
    iters.push_back(utils::IteratorType::reduction);
    // A constant [K, N] rhs is packed [N/B, K, B]; the result is computed as
    // [batch..., M, N/B, B] (loops batch..., m, nb, ni, k) and collapsed.
    auto int8w = weightOnlyInt8(rw, op.getRhs(), 1);
    if (int64_t B = columnBlock(N); B && a.getRhs().getType() == rt && rt.getRank() == 2) {
      SmallVector<ReassociationIndices> vr = {{0}, {1, 2}};
      if (Value packed = permutedConstantWeight(rw, loc, int8w ? int8w->first : rhs, {K, N / B, B},
                                                {1, 0, 2}, "_blocked")) {
        SmallVector<int64_t> blocked(batch);
        blocked.append({M, N / B, B});
        auto blockedTy = RankedTensorType::get(blocked, resTy.getElementType());
        SmallVector<AffineExpr> lEx, oEx;
        for (int64_t i = 0; i < nb + 3; ++i)
          oEx.push_back(dim(ctx, i));
        AffineMap lhsMap = operandMap(lt, dim(ctx, nb), dim(ctx, nb + 3));
        SmallVector<AffineExpr> lhsEx(lhsMap.getResults());
        SmallVector<AffineMap> bmaps = {
            AffineMap::get(nb + 4, 0, lhsEx, ctx),
            AffineMap::get(nb + 4, 0, {dim(ctx, nb + 1), dim(ctx, nb + 3), dim(ctx, nb + 2)},
                           ctx),
            AffineMap::get(nb + 4, 0, oEx, ctx)};
        SmallVector<utils::IteratorType> biters(nb + 3, utils::IteratorType::parallel);
        biters.push_back(utils::IteratorType::reduction);
        Value init = emptyForLoops(rw, loc, blockedTy, lhs, bmaps[0], bmaps[2]);
        if (!init)
          return replaceOrFail(op, Value(), rw);
        auto g = linalg::GenericOp::create(
            rw, loc, blockedTy, ValueRange{lhs, packed},
            ValueRange{fillInto(rw, loc, init, scalarConst(rw, loc, e.type, 0))}, bmaps, biters,
            [&](OpBuilder &b, Location l, ValueRange args) {
              linalg::YieldOp::create(b, l, macBody(b, l, args, e));
            });
        Value acc = g.getResult(0);
        if (int8w)
          acc = scaleColumns(rw, loc, acc, int8w->second, Value(), N, B);
        SmallVector<ReassociationIndices> back;
        for (int64_t i = 0; i < nb + 1; ++i)
          back.push_back({i});
        back.push_back({nb + 1, nb + 2});
        Value full =
            tensor::CollapseShapeOp::create(rw, loc, fullTy, applyEpilogue(rw, op, acc), back);
        rw.replaceOp(op, reshapeStatic(rw, loc, full, resTy));
        return success();
      }
    }
    (void)K;
    Value init = emptyForLoops(rw, loc, fullTy, {lhs, rhs}, ArrayRef(maps).take_front(2),
                               maps[2]);
    if (!init)
      return replaceOrFail(op, Value(), rw);
    Value zeroed = fillInto(rw, loc, init, scalarConst(rw, loc, e.type, 0));
    // Float operands of one type, no batch broadcasting: the named ops
    // (linalg.matmul, linalg.batch_matmul; the CPU backend generalizes them
    // to this same generic first). Others, and mixed or integer types,
    // whose casts the named ops spell differently, stay generic.
    bool sameFloat = e.isFloat && lt.getElementType() == e.type && rt.getElementType() == e.type;
    bool plainBatch = llvm::all_of(maps[0].getResults().drop_back(2),
                                   [](AffineExpr x) { return isa<AffineDimExpr>(x); }) &&
                      llvm::all_of(maps[1].getResults().drop_back(2),
                                   [](AffineExpr x) { return isa<AffineDimExpr>(x); });
    Value result;
    if (sameFloat && nb == 0 && lt.getRank() == 2 && rt.getRank() == 2)
      result = linalg::MatmulOp::create(rw, loc, TypeRange{fullTy}, ValueRange{lhs, rhs},
                                        ValueRange{zeroed})
                   .getResult(0);
    else if (sameFloat && nb == 1 && lt.getRank() == 3 && rt.getRank() == 3 && plainBatch)
      result = linalg::BatchMatmulOp::create(rw, loc, TypeRange{fullTy}, ValueRange{lhs, rhs},
                                             ValueRange{zeroed})
                   .getResult(0);
    else
      result = linalg::GenericOp::create(
                   rw, loc, fullTy, ValueRange{lhs, rhs}, ValueRange{zeroed}, maps, iters,
                   [&](OpBuilder &b, Location l, ValueRange args) {
                     linalg::YieldOp::create(b, l, macBody(b, l, args, e));
                   })
                   .getResult(0);
    rw.replaceOp(op, reshapeStatic(rw, loc, applyEpilogue(rw, op, result), resTy));
    return success();
  }
};

struct LinearLowering : StaticLowering<LinearOp> {
  LinearLowering(TypeConverter &tc, MLIRContext *ctx, SparseOptions sparse)
      : StaticLowering(tc, ctx), sparse(std::move(sparse)) {
    setHasBoundedRewriteRecursion();
  }
  SparseOptions sparse;
  /// Open leading extents of the input, or (through matmul) any open
  /// extent.
  bool dynamicExtents(LinearOp) const override { return true; }
  /// The weight, K and bias static: the kernels below take it.
  static bool staticWeight(LinearOp op) {
    auto t = op.getInput().getType();
    return !t.isDynamicDim(t.getRank() - 1) && op.getWeight().getType().hasStaticShape() &&
           (!op.getBias() || op.getBias().getType().hasStaticShape());
  }
  LogicalResult lower(LinearOp op, OpAdaptor a,
                      ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    if (!staticWeight(op)) {
      // A weight with open extents (a graph input): x · transpose(W) as a
      // matmul, which takes open extents anywhere, then the bias and the
      // activation as their own ops.
      Value y = MatMulOp::create(rw, loc, op.getInput(),
                                 TransposeOp::create(rw, loc, op.getWeight(), {1, 0}));
      if (Value bias = op.getBias())
        y = BinaryOp::create(rw, loc, BinaryKind::Add, y, bias);
      if (auto kind = op.getActivation())
        y = UnaryOp::create(rw, loc, *kind, y, op.getActAlphaAttr(), op.getActBetaAttr());
      if (y.getType() != op.getType())
        y = ReshapeOp::create(rw, loc, op.getType(), y, Value());
      rw.replaceOp(op, y);
      return success();
    }
    ElemInfo e = ElemInfo::of(op.getType());
    auto resTy = resultType(op);
    int64_t r = resTy.getRank();
    // Loops: batch..., n, k.
    SmallVector<AffineExpr> xEx, outEx;
    for (int64_t i = 0; i < r - 1; ++i) {
      xEx.push_back(dim(ctx, i));
      outEx.push_back(dim(ctx, i));
    }
    xEx.push_back(dim(ctx, r));
    outEx.push_back(dim(ctx, r - 1));
    Value input = a.getInput(), weight = a.getWeight();
    if (sparse.density > 0)
      if (Value y = buildSparseLinear(rw, loc, op, input, weight, a.getBias(), resTy,
                                      sparse.density, sparse.parallel)) {
        rw.replaceOp(op, applyEpilogue(rw, op, y));
        return success();
      }
    if (isInt8Contraction(op.getInput().getType(), op.getWeight().getType())) {
      ElemInfo xe = ElemInfo::of(op.getInput().getType()),
               we = ElemInfo::of(op.getWeight().getType());
      if (!a.getBias()) {
        Value r;
        if (sparse.density > 0 && sparse.int8Dot == "avx512-vnni")
          r = buildSparseInt8Linear(rw, loc, op, input, xe, weight, we, resTy, sparse.density,
                                    sparse.parallel);
        if (!r)
          r = buildInt8Linear(rw, loc, input, xe, weight, we, /*wIsKN=*/false, resTy);
        if (r) {
          rw.replaceOp(op, applyEpilogue(rw, op, r));
          return success();
        }
      }
      input = widenInt8(rw, loc, input, xe);
      weight = widenInt8(rw, loc, weight, we);
    }
    auto wt = cast<RankedTensorType>(weight.getType());
    int64_t N = wt.getDimSize(0), K = wt.getDimSize(1);
    if (e.isFloat)
      if (Value y =
              onCollapsedRows(rw, loc, input, N, [&](Value flat, RankedTensorType t) -> Value {
                return LinearOp::create(rw, loc, t, flat, op.getWeight(), op.getBias());
              })) {
        rw.replaceOp(op, applyEpilogue(rw, op, y));
        return success();
      }
    // A weight-only int4 weight (blocked along K in groups of G): packed
    // two per byte as [N/B, K/G, G/2, B] (the low nibble holds k, the high
    // one k + 1, each as q + 8 in [0, 15]), its scales [N/B, K/G, B]; loops
    // batch..., nb, ni, g, k2,
    // the x of k and k + 1 read as two inputs, each weight dequantized in
    // the reduction (the CPU kernels do it in registers).
    if (auto int4w = weightOnlyInt4(rw, op.getWeight())) {
      int64_t B = columnBlock(N), G = int4w->group;
      if (!B || G % 2 != 0 || K % G != 0)
        return rw.notifyMatchFailure(op, "an int4 weight the blocked form does not take");
      int64_t groups = K / G;
      std::vector<char> packed(N * K / 2);
      for (int64_t n = 0; n < N; ++n)
        for (int64_t k = 0; k < K; k += 2) {
          int64_t nb = n / B, ni = n % B, g = k / G, k2 = (k % G) / 2;
          uint8_t lo = (uint8_t)(int4w->q[n * K + k] + 8) & 0xF,
                  hi = (uint8_t)(int4w->q[n * K + k + 1] + 8) & 0xF;
          packed[((nb * groups + g) * (G / 2) + k2) * B + ni] = (char)(lo | (hi << 4));
        }
      auto pTy = RankedTensorType::get({N / B, groups, G / 2, B}, rw.getIntegerType(8));
      auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(ArrayRef<char>(packed), 64);
      std::string name = "weight";
      if (auto c = op.getWeight().getDefiningOp<DequantizeOp>().getInput().getDefiningOp())
        if (auto n = dyn_cast<NameLoc>(c->getLoc()))
          name = n.getName().str();
      Value pw = arith::ConstantOp::create(
          rw, loc, pTy, DenseResourceElementsAttr::get(pTy, name + "_int4", std::move(blob)));
      Value scales = permutedWeight(rw, loc, int4w->scale, {N / B, B, groups}, {{0, 1}, {2}},
                                    {0, 2, 1}, "_blocked");
      SmallVector<int64_t> blocked(resTy.getShape().drop_back());
      blocked.append({N / B, B});
      auto blockedTy = RankedTensorType::get(blocked, resTy.getElementType());
      // dims: batch 0..r-2, nb r-1, ni r, g r+1, k2 r+2.
      SmallVector<AffineExpr> x0, x1, out;
      for (int64_t i = 0; i < r - 1; ++i) {
        x0.push_back(dim(ctx, i));
        out.push_back(dim(ctx, i));
      }
      x1 = x0;
      AffineExpr kx = dim(ctx, r + 1) * G + dim(ctx, r + 2) * 2;
      x0.push_back(kx);
      x1.push_back(kx + 1);
      out.append({dim(ctx, r - 1), dim(ctx, r)});
      SmallVector<AffineMap> maps = {
          AffineMap::get(r + 3, 0, x0, ctx), AffineMap::get(r + 3, 0, x1, ctx),
          AffineMap::get(r + 3, 0, {dim(ctx, r - 1), dim(ctx, r + 1), dim(ctx, r + 2), dim(ctx, r)},
                         ctx),
          AffineMap::get(r + 3, 0, {dim(ctx, r - 1), dim(ctx, r + 1), dim(ctx, r)}, ctx),
          AffineMap::get(r + 3, 0, out, ctx)};
      SmallVector<utils::IteratorType> iters(r + 1, utils::IteratorType::parallel);
      iters.append(2, utils::IteratorType::reduction);
      Value init = emptyForLoops(rw, loc, blockedTy, input, maps[0], maps[4]);
      if (!init)
        return replaceOrFail(op, Value(), rw);
      if (a.getBias()) {
        Value bias = tensor::ExpandShapeOp::create(
            rw, loc, RankedTensorType::get({N / B, B}, resTy.getElementType()), a.getBias(),
            ArrayRef<ReassociationIndices>{{0, 1}});
        init = buildElementwise(
            rw, loc, blockedTy, {bias}, [](OpBuilder &, Location, ValueRange v) { return v[0]; },
            init);
      } else {
        init = fillInto(rw, loc, init, scalarConst(rw, loc, e.type, 0));
      }
      auto g = linalg::GenericOp::create(rw, loc, blockedTy, ValueRange{input, input, pw, scales},
                                         ValueRange{init}, maps, iters,
                                         [&](OpBuilder &b, Location l, ValueRange args) {
                                           linalg::YieldOp::create(b, l, int4MacBody(b, l, args));
                                         });
      SmallVector<ReassociationIndices> split;
      for (int64_t i = 0; i < r - 1; ++i)
        split.push_back({i});
      split.push_back({r - 1, r});
      rw.replaceOp(op, tensor::CollapseShapeOp::create(
                           rw, loc, resTy, applyEpilogue(rw, op, g.getResult(0)), split));
      return success();
    }
    // A constant weight is packed [N/B, K, B]; the result is computed as
    // [batch..., N/B, B] (loops batch..., nb, ni, k) and collapsed.
    auto int8w = weightOnlyInt8(rw, op.getWeight(), 0);
    if (int64_t B = columnBlock(N)) {
      if (Value packed = permutedConstantWeight(rw, loc, int8w ? int8w->first : weight,
                                                {N / B, B, K}, {0, 2, 1}, "_blocked")) {
        SmallVector<int64_t> blocked(resTy.getShape().drop_back());
        blocked.append({N / B, B});
        auto blockedTy = RankedTensorType::get(blocked, resTy.getElementType());
        SmallVector<AffineExpr> bx, bo;
        for (int64_t i = 0; i < r - 1; ++i) {
          bx.push_back(dim(ctx, i));
          bo.push_back(dim(ctx, i));
        }
        bx.push_back(dim(ctx, r + 1));
        bo.append({dim(ctx, r - 1), dim(ctx, r)});
        SmallVector<AffineMap> bmaps = {
            AffineMap::get(r + 2, 0, bx, ctx),
            AffineMap::get(r + 2, 0, {dim(ctx, r - 1), dim(ctx, r + 1), dim(ctx, r)}, ctx),
            AffineMap::get(r + 2, 0, bo, ctx)};
        SmallVector<utils::IteratorType> biters(r + 1, utils::IteratorType::parallel);
        biters.push_back(utils::IteratorType::reduction);
        SmallVector<ReassociationIndices> split;
        for (int64_t i = 0; i < r - 1; ++i)
          split.push_back({i});
        split.push_back({r - 1, r});
        Value init = emptyForLoops(rw, loc, blockedTy, input, bmaps[0], bmaps[2]);
        if (!init)
          return replaceOrFail(op, Value(), rw);
        if (a.getBias() && !int8w) {
          Value bias = tensor::ExpandShapeOp::create(
              rw, loc, RankedTensorType::get({N / B, B}, resTy.getElementType()), a.getBias(),
              ArrayRef<ReassociationIndices>{{0, 1}});
          init = buildElementwise(
              rw, loc, blockedTy, {bias},
              [](OpBuilder &, Location, ValueRange v) { return v[0]; }, init);
        } else {
          init = fillInto(rw, loc, init, scalarConst(rw, loc, e.type, 0));
        }
        auto g = linalg::GenericOp::create(rw, loc, blockedTy, ValueRange{input, packed},
                                           ValueRange{init}, bmaps, biters,
                                           [&](OpBuilder &b, Location l, ValueRange args) {
                                             linalg::YieldOp::create(b, l, macBody(b, l, args, e));
                                           });
        Value acc = g.getResult(0);
        // Weight-only int8: the scale, then the bias, after the reduction.
        if (int8w)
          acc = scaleColumns(rw, loc, acc, int8w->second, a.getBias(), N, B);
        Value res =
            tensor::CollapseShapeOp::create(rw, loc, resTy, applyEpilogue(rw, op, acc), split);
        rw.replaceOp(op, res);
        return success();
      }
    }
    // Otherwise a constant weight is stored [K, N] so the output dim n walks
    // it with unit stride (the loop-order pass makes n innermost).
    AffineMap wMap = AffineMap::get(r + 1, 0, {dim(ctx, r - 1), dim(ctx, r)}, ctx);
    if (Value t = permutedConstantWeight(
            rw, loc, weight, cast<RankedTensorType>(weight.getType()).getShape(), {1, 0}, "_kn")) {
      weight = t;
      wMap = AffineMap::get(r + 1, 0, {dim(ctx, r), dim(ctx, r - 1)}, ctx);
    }
    SmallVector<AffineMap> maps = {AffineMap::get(r + 1, 0, xEx, ctx), wMap,
                                   AffineMap::get(r + 1, 0, outEx, ctx)};
    SmallVector<utils::IteratorType> iters(r, utils::IteratorType::parallel);
    iters.push_back(utils::IteratorType::reduction);
    // The bias initializes the accumulator.
    Value init = emptyForLoops(rw, loc, resTy, input, maps[0], maps[2]);
    if (!init)
      return replaceOrFail(op, Value(), rw);
    init = a.getBias() ? buildElementwise(
                             rw, loc, resTy, {a.getBias()},
                             [](OpBuilder &, Location, ValueRange v) { return v[0]; }, init)
                       : fillInto(rw, loc, init, scalarConst(rw, loc, e.type, 0));
    auto g = linalg::GenericOp::create(rw, loc, resTy, ValueRange{input, weight}, ValueRange{init},
                                       maps, iters, [&](OpBuilder &b, Location l, ValueRange args) {
                                         linalg::YieldOp::create(b, l, macBody(b, l, args, e));
                                       });
    rw.replaceOp(op, applyEpilogue(rw, op, g.getResult(0)));
    return success();
  }
};

/// Winograd F(2x2, 3x3) (Lavin & Gray): each 2x2 output tile is
/// A^T [(G g G^T) . (B^T d B)] A of its 4x4 input patch d, 16 multiplies
/// per channel pair instead of 36. The transform matrices:
constexpr float kWinoBt[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
constexpr float kWinoAt[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};
constexpr double kWinoG[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};

/// A 3x3, stride 1 convolution of one image as Winograd F(2x2, 3x3), when it
/// pays (static shapes, group 1, a constant weight whose output channels
/// round up to 32k with at most a quarter added, at least 4x4 tiles), else
/// null. Three linalg.generic ops, each a plain
/// contraction (what they compute is their semantics on any target; the CPU
/// backend recognizes the two transforms by their `autoglm.winograd`
/// attribute and emits vector kernels for them):
///   V[4, 4, C, TH, TW] = sum_{i,j} Bt[a, i] Bt[b, j] xp[c, 2th + i, 2tw + j]
///   M[16, T, M/32, 32] = biasW + sum_c V[b, c, t] U[b, m/32, c, m%32]
///   Y[M, TH, 2, TW, 2] = sum_{a,b} At[p, a] At[q, b] M[a, b, th, tw, m]
/// with xp the input zero-padded to 2TH + 2 by 2TW + 2, U = G g G^T packed
/// at compile time [16, M/32, C, 32] (the layout of the register kernels'
/// blocked weights), and the bias added to the (1, 1) component, which
/// A^T . A spreads to all four outputs. Y is cropped to the output and the
/// residual added after.
Value buildWinogradConv(OpBuilder &b, Location loc, Value x, Value w, Value bias,
                        Value residual, ArrayRef<int64_t> strides,
                        ArrayRef<int64_t> dilations, ArrayRef<int64_t> pads, int64_t group,
                        RankedTensorType resTy, ElemInfo e) {
  MLIRContext *ctx = b.getContext();
  auto xt = cast<RankedTensorType>(x.getType());
  auto wt = cast<RankedTensorType>(w.getType());
  if (xt.getRank() != 4 || !xt.hasStaticShape() || !wt.hasStaticShape() ||
      !resTy.hasStaticShape() || !e.type.isF32() || group != 1 || xt.getDimSize(0) != 1 ||
      wt.getDimSize(2) != 3 || wt.getDimSize(3) != 3 ||
      llvm::any_of(strides, [](int64_t v) { return v != 1; }) ||
      llvm::any_of(dilations, [](int64_t v) { return v != 1; }))
    return {};
  int64_t C = xt.getDimSize(1), M = wt.getDimSize(0);
  int64_t OH = resTy.getDimSize(2), OW = resTy.getDimSize(3);
  int64_t TH = (OH + 1) / 2, TW = (OW + 1) / 2, T = TH * TW;
  // M pads to whole 32-channel blocks with zero weights (cropped at the
  // end) where that wastes at most a quarter: channel pruning leaves
  // counts such as 56 or 104, whose direct convolution does 2.25x the
  // multiplies.
  int64_t Mp = (M + 31) / 32 * 32;
  if (4 * Mp > 5 * M || TH < 4 || TW < 4 || C < 8)
    return {};
  std::vector<float> g = constantFloats(w);
  std::vector<float> bv = bias ? constantFloats(bias) : std::vector<float>(M, 0.0f);
  if (g.empty() || bv.empty())
    return {};
  // U = G g G^T per (m, c), packed [4, 4, Mp/32, C, 32]; the bias at (1, 1).
  int64_t MB = Mp / 32;
  std::vector<float> u(16 * Mp * C, 0.0f), bw(16 * Mp, 0.0f);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t c = 0; c < C; ++c) {
      const float *k = &g[(m * C + c) * 9];
      for (int a = 0; a < 4; ++a)
        for (int bb = 0; bb < 4; ++bb) {
          double sum = 0;
          for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 3; ++j)
              sum += kWinoG[a][i] * k[i * 3 + j] * kWinoG[bb][j];
          u[(((a * 4 + bb) * MB + m / 32) * C + c) * 32 + m % 32] = (float)sum;
        }
    }
  for (int64_t m = 0; m < M; ++m)
    bw[5 * Mp + m] = bv[m];
  Type f32 = b.getF32Type();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  using IT = utils::IteratorType;
  auto mac3 = [&](OpBuilder &nb, Location nl, ValueRange a) {
    Value p = arith::MulFOp::create(nb, nl, arith::MulFOp::create(nb, nl, a[0], a[1]), a[2]);
    linalg::YieldOp::create(nb, nl, arith::AddFOp::create(nb, nl, a[3], p).getResult());
  };
  Value zero = scalarConst(b, loc, f32, 0);

  // Input transform.
  int64_t pt = pads[0], pl = pads[1];
  Value xp = padConstant(b, loc, x, {0, 0, pt, pl},
                         {0, 0, 2 * TH + 2 - xt.getDimSize(2) - pt,
                          2 * TW + 2 - xt.getDimSize(3) - pl},
                         zero);
  std::vector<float> btData(&kWinoBt[0][0], &kWinoBt[0][0] + 16);
  Value bt = floatConstant(b, loc, {4, 4}, btData, "winograd_bt");
  auto vTy = RankedTensorType::get({4, 4, C, TH, TW}, f32);
  // Loops (a, b, c, th, tw, i, j).
  auto vOp = linalg::GenericOp::create(
      b, loc, vTy, ValueRange{bt, bt, xp}, ValueRange{fillTensor(b, loc, vTy, zero)},
      SmallVector<AffineMap>{AffineMap::get(7, 0, {d(0), d(5)}, ctx),
                             AffineMap::get(7, 0, {d(1), d(6)}, ctx),
                             AffineMap::get(7, 0,
                                            {getAffineConstantExpr(0, ctx), d(2),
                                             d(3) * 2 + d(5), d(4) * 2 + d(6)},
                                            ctx),
                             AffineMap::get(7, 0, {d(0), d(1), d(2), d(3), d(4)}, ctx)},
      SmallVector<IT>{IT::parallel, IT::parallel, IT::parallel, IT::parallel, IT::parallel,
                      IT::reduction, IT::reduction},
      mac3);
  vOp->setAttr("autoglm.winograd", b.getStringAttr("input"));
  Value v = tensor::CollapseShapeOp::create(b, loc, RankedTensorType::get({16, C, T}, f32),
                                            vOp.getResult(0),
                                            SmallVector<ReassociationIndices>{{0, 1}, {2}, {3, 4}});

  // The batched GEMM, in the blocked form of the register kernels: loops
  // (b, t, mb, mi, c), U read as vectors along mi, V as scalars along t (U
  // first: the kernels take the first operand that fits as the vector side).
  Value uc = floatConstant(b, loc, {16, MB, C, 32}, u, "winograd_weight");
  Value bwc = floatConstant(b, loc, {16, MB, 32}, bw, "winograd_bias");
  auto mTy = RankedTensorType::get({16, T, MB, 32}, f32);
  Value mInit =
      linalg::GenericOp::create(
          b, loc, mTy, ValueRange{bwc}, ValueRange{emptyTensor(b, loc, mTy)},
          SmallVector<AffineMap>{AffineMap::get(4, 0, {d(0), d(2), d(3)}, ctx),
                                 AffineMap::getMultiDimIdentityMap(4, ctx)},
          SmallVector<IT>(4, IT::parallel),
          [&](OpBuilder &nb, Location nl, ValueRange a) { linalg::YieldOp::create(nb, nl, a[0]); })
          .getResult(0);
  Value mm =
      linalg::GenericOp::create(
          b, loc, mTy, ValueRange{uc, v}, ValueRange{mInit},
          SmallVector<AffineMap>{AffineMap::get(5, 0, {d(0), d(2), d(4), d(3)}, ctx),
                                 AffineMap::get(5, 0, {d(0), d(4), d(1)}, ctx),
                                 AffineMap::get(5, 0, {d(0), d(1), d(2), d(3)}, ctx)},
          SmallVector<IT>{IT::parallel, IT::parallel, IT::parallel, IT::parallel, IT::reduction},
          [&](OpBuilder &nb, Location nl, ValueRange a) {
            linalg::YieldOp::create(nb, nl, macBody(nb, nl, a, e));
          })
          .getResult(0);
  Value m5 = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({4, 4, TH, TW, Mp}, f32),
      tensor::CollapseShapeOp::create(b, loc, RankedTensorType::get({16, T, Mp}, f32), mm,
                                      SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}}),
      SmallVector<ReassociationIndices>{{0, 1}, {2, 3}, {4}});

  // Output transform. Loops (m, th, p, tw, q, a, b).
  std::vector<float> atData(&kWinoAt[0][0], &kWinoAt[0][0] + 8);
  Value at = floatConstant(b, loc, {2, 4}, atData, "winograd_at");
  auto yTy = RankedTensorType::get({Mp, TH, 2, TW, 2}, f32);
  auto yOp = linalg::GenericOp::create(
      b, loc, yTy, ValueRange{at, at, m5}, ValueRange{fillTensor(b, loc, yTy, zero)},
      SmallVector<AffineMap>{AffineMap::get(7, 0, {d(2), d(5)}, ctx),
                             AffineMap::get(7, 0, {d(4), d(6)}, ctx),
                             AffineMap::get(7, 0, {d(5), d(6), d(1), d(3), d(0)}, ctx),
                             AffineMap::get(7, 0, {d(0), d(1), d(2), d(3), d(4)}, ctx)},
      SmallVector<IT>{IT::parallel, IT::parallel, IT::parallel, IT::parallel, IT::parallel,
                      IT::reduction, IT::reduction},
      mac3);
  yOp->setAttr("autoglm.winograd", b.getStringAttr("output"));
  Value y = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get({Mp, 2 * TH, 2 * TW}, f32), yOp.getResult(0),
      SmallVector<ReassociationIndices>{{0}, {1, 2}, {3, 4}});
  if (2 * TH != OH || 2 * TW != OW || Mp != M)
    y = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get({M, OH, OW}, f32), y, ValueRange{}, ValueRange{},
        ValueRange{}, b.getDenseI64ArrayAttr({0, 0, 0}), b.getDenseI64ArrayAttr({M, OH, OW}),
        b.getDenseI64ArrayAttr({1, 1, 1}));
  y = tensor::ExpandShapeOp::create(b, loc, resTy, y,
                                    SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
  if (residual)
    y = buildElementwise(b, loc, resTy, {y, residual},
                         [&](OpBuilder &nb, Location nl, ValueRange a) {
                           return emitAdd(nb, nl, a[0], a[1], e);
                         });
  return y;
}

/// out[n, m, o...] = bias[m] + sum_{c,k} x[n, g*Cg + c, o*s + k*d - pad] *
/// w[m, c, k] for static shapes; `resTy` is the converted result type.
Value buildConv(OpBuilder &b, Location loc, Value x, Value w, Value bias,
                Value residual, ArrayRef<int64_t> strides,
                ArrayRef<int64_t> dilations, ArrayRef<int64_t> pads, int64_t group,
                RankedTensorType resTy, ElemInfo e,
                llvm::function_ref<Value(Value)> epilogue = nullptr, bool winograd = false) {
  MLIRContext *ctx = b.getContext();
  auto xt = cast<RankedTensorType>(x.getType());
  auto wt = cast<RankedTensorType>(w.getType());
  int64_t nd = xt.getRank() - 2;
  if (winograd)
    if (Value y = buildWinogradConv(b, loc, x, w, bias, residual, strides, dilations, pads,
                                    group, resTy, e))
      return epilogue ? epilogue(y) : y;
  SmallVector<int64_t> low(2, 0), high(2, 0);
  low.append(pads.begin(), pads.begin() + nd);
  high.append(pads.begin() + nd, pads.end());
  x = padConstant(b, loc, x, low, high, scalarConst(b, loc, e.type, 0));
  xt = cast<RankedTensorType>(x.getType());

  // A pointwise conv (every kernel extent 1, stride 1) is a batched matmul
  // over the flattened spatial dims: x [N, C, P], w [M, Cg], out [N, M, P].
  // In that form the CPU backend's register-tiled matmul kernels apply.
  // Only when the flattened extent is a multiple of 32 (whole vector tiles
  // along it); otherwise the conv stays spatial with blocked weights, where
  // the vector tiles run along the output channels instead (a 7x7 map has
  // 49 positions: 32 + a 17-wide remainder, against 7 rows of 32 channels).
  bool pointwise = nd >= 1;
  // Open batch or spatial extents: the spatial form, output extents computed
  // (below).
  bool open = !xt.hasStaticShape();
  int64_t positions = 1;
  for (int64_t i = 0; i < nd; ++i) {
    pointwise &= wt.getDimSize(2 + i) == 1 && strides[i] == 1;
    // (An open extent is kDynamic, INT64_MIN: not multiplied.)
    if (!open)
      positions *= xt.getDimSize(2 + i);
  }
  pointwise &= !open && positions % 32 == 0;
  RankedTensorType finalTy = resTy;
  SmallVector<ReassociationIndices> spatial = {{0}, {1}, {}};
  for (int64_t i = 0; i < nd; ++i)
    spatial.back().push_back(2 + i);
  if (pointwise) {
    int64_t P = 1;
    for (int64_t i = 0; i < nd; ++i)
      P *= xt.getDimSize(2 + i);
    x = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({xt.getDimSize(0), xt.getDimSize(1), P}, e.type),
        x, spatial);
    SmallVector<ReassociationIndices> wre = {{0}, {1}};
    for (int64_t i = 0; i < nd; ++i)
      wre.back().push_back(2 + i);
    w = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({wt.getDimSize(0), wt.getDimSize(1)}, e.type), w,
        wre);
    resTy = RankedTensorType::get({resTy.getDimSize(0), resTy.getDimSize(1), P}, e.type);
    if (residual)
      residual = tensor::CollapseShapeOp::create(b, loc, resTy, residual, spatial);
    xt = cast<RankedTensorType>(x.getType());
    wt = cast<RankedTensorType>(w.getType());
    nd = 1;
  }
  // Kernel loops (none for a pointwise conv).
  int64_t nk = pointwise ? 0 : nd;

  int64_t N = xt.getDimSize(0), C = xt.getDimSize(1), M = wt.getDimSize(0);
  int64_t G = group, Cg = C / G, Mg = M / G;
  // A spatial conv with several output channels per group splits them into
  // blocks of B and reads its weight as [G, Mg/B, Cg, K..., B] (packed at
  // compile time when constant): a block's channels are contiguous for every
  // (c, k), the vector dim of the CPU conv kernels, and each block's weight
  // panel is one piece of memory. Pointwise and depthwise convs keep
  // [G, Mg, Cg, K...].
  bool blocked = nk > 0 && Mg > 1;
  int64_t B = Mg;
  if (blocked)
    for (int64_t c : {32, 16, 8})
      if (Mg % c == 0) {
        B = c;
        break;
      }
  int64_t MB = Mg / B;
  // Loops: n, g, (mb, mi | mg), o_1..o_nd, cg, k_1..k_nk.
  int64_t po = blocked ? 4 : 3;
  int64_t nLoops = po + nd + 1 + nk;
  int64_t cgDim = po + nd;

  // Expose the groups: x [N, G, Cg, P...].
  SmallVector<int64_t> xs = {N, G, Cg}, os = {N, G};
  SmallVector<ReassociationIndices> xr = {{0}, {1, 2}}, orr = {{0}};
  if (blocked) {
    os.append({MB, B});
    orr.push_back({1, 2, 3});
  } else {
    os.push_back(Mg);
    orr.push_back({1, 2});
  }
  for (int64_t i = 0; i < nd; ++i) {
    xs.push_back(xt.getDimSize(2 + i));
    os.push_back(resTy.getDimSize(2 + i));
    xr.push_back({3 + i});
    orr.push_back({po + i});
  }
  SmallVector<int64_t> kernel;
  for (int64_t i = 0; i < nk; ++i)
    kernel.push_back(wt.getDimSize(2 + i));
  Value wg;
  if (blocked) {
    // [M, Cg, K...] viewed as [G*MB, B, Cg, K...] -> [G*MB, Cg, K..., B].
    SmallVector<int64_t> view = {G * MB, B, Cg}, perm = {0};
    view.append(kernel);
    for (int64_t i = 0; i < nk + 1; ++i)
      perm.push_back(2 + i);
    perm.push_back(1);
    SmallVector<ReassociationIndices> vr = {{0, 1}};
    for (int64_t i = 0; i < nk + 1; ++i)
      vr.push_back({2 + i});
    Value packed = permutedWeight(b, loc, w, view, vr, perm, "_blocked");
    SmallVector<int64_t> ws = {G, MB, Cg};
    ws.append(kernel);
    ws.push_back(B);
    SmallVector<ReassociationIndices> wr = {{0, 1}};
    for (int64_t i = 0; i < nk + 2; ++i)
      wr.push_back({2 + i});
    wg = tensor::ExpandShapeOp::create(b, loc, RankedTensorType::get(ws, e.type), packed, wr);
  } else {
    SmallVector<int64_t> ws = {G, Mg, Cg};
    ws.append(kernel);
    SmallVector<ReassociationIndices> wr = {{0, 1}, {2}};
    for (int64_t i = 0; i < nk; ++i)
      wr.push_back({3 + i});
    wg = tensor::ExpandShapeOp::create(b, loc, RankedTensorType::get(ws, e.type), w, wr);
  }
  Value xg = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(xs, e.type), x, xr);
  auto outTy = RankedTensorType::get(os, e.type);
  // The accumulator's tensor: static, or with the batch of x and each
  // spatial extent (in - d (k - 1) - 1) floordiv s + 1 of the padded input.
  auto outEmpty = [&]() -> Value {
    if (outTy.hasStaticShape())
      return emptyTensor(b, loc, outTy);
    SmallVector<OpFoldResult> sizes;
    AffineExpr s0 = b.getAffineSymbolExpr(0);
    for (int64_t i = 0; i < outTy.getRank(); ++i) {
      if (!outTy.isDynamicDim(i))
        sizes.push_back(b.getIndexAttr(outTy.getDimSize(i)));
      else if (i == 0)
        sizes.push_back(tensor::getMixedSize(b, loc, xg, 0));
      else {
        int64_t sp = i - po, kk = kernel[sp];
        sizes.push_back(affine::makeComposedFoldedAffineApply(
            b, loc, (s0 - dilations[sp] * (kk - 1) - 1).floorDiv(strides[sp]) + 1,
            {tensor::getMixedSize(b, loc, xg, 3 + sp)}));
      }
    }
    return tensor::EmptyOp::create(b, loc, sizes, e.type);
  };

  SmallVector<AffineExpr> xEx = {dim(ctx, 0), dim(ctx, 1), dim(ctx, cgDim)};
  SmallVector<AffineExpr> wEx = {dim(ctx, 1), dim(ctx, 2), dim(ctx, cgDim)};
  SmallVector<AffineExpr> oEx;
  for (int64_t i = 0; i < po; ++i)
    oEx.push_back(dim(ctx, i));
  for (int64_t i = 0; i < nd; ++i) {
    AffineExpr o = dim(ctx, po + i);
    if (pointwise) {
      xEx.push_back(o);
    } else {
      AffineExpr k = dim(ctx, cgDim + 1 + i);
      xEx.push_back(o * strides[i] + k * dilations[i]);
      wEx.push_back(k);
    }
    oEx.push_back(o);
  }
  if (blocked)
    wEx.push_back(dim(ctx, 3));
  SmallVector<AffineMap> maps = {AffineMap::get(nLoops, 0, xEx, ctx),
                                 AffineMap::get(nLoops, 0, wEx, ctx),
                                 AffineMap::get(nLoops, 0, oEx, ctx)};
  SmallVector<utils::IteratorType> iters(po + nd, utils::IteratorType::parallel);
  iters.append(1 + nk, utils::IteratorType::reduction);

  // The accumulator starts at bias (+ residual) when there are any.
  Value init;
  Value rg = residual ? tensor::ExpandShapeOp::create(b, loc, outTy, residual, orr)
                      : Value();
  if (bias) {
    SmallVector<int64_t> bs = {G};
    SmallVector<AffineExpr> bEx = {dim(ctx, 1), dim(ctx, 2)};
    if (blocked) {
      bs.append({MB, B});
      bEx.push_back(dim(ctx, 3));
    } else {
      bs.push_back(Mg);
    }
    ReassociationIndices all;
    for (size_t i = 0; i < bs.size(); ++i)
      all.push_back(i);
    Value bg = tensor::ExpandShapeOp::create(b, loc, RankedTensorType::get(bs, e.type), bias,
                                             ArrayRef<ReassociationIndices>{all});
    SmallVector<utils::IteratorType> par(outTy.getRank(), utils::IteratorType::parallel);
    SmallVector<Value> ins = {bg};
    SmallVector<AffineMap> maps = {AffineMap::get(outTy.getRank(), 0, bEx, ctx)};
    if (rg) {
      ins.push_back(rg);
      maps.push_back(AffineMap::getMultiDimIdentityMap(outTy.getRank(), ctx));
    }
    maps.push_back(AffineMap::getMultiDimIdentityMap(outTy.getRank(), ctx));
    init = linalg::GenericOp::create(
               b, loc, outTy, ins, ValueRange{outEmpty()}, maps, par,
               [&](OpBuilder &nb, Location nl, ValueRange args) {
                 Value v = args[0];
                 if (args.size() > 2)
                   v = emitAdd(nb, nl, v, args[1], e);
                 linalg::YieldOp::create(nb, nl, v);
               })
               .getResult(0);
  } else if (rg) {
    init = rg;
  } else {
    init = fillInto(b, loc, outEmpty(), scalarConst(b, loc, e.type, 0));
  }
  auto g = linalg::GenericOp::create(
      b, loc, outTy, ValueRange{xg, wg}, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, macBody(nb, nl, args, e));
      });
  // The epilogue (elementwise) runs on the contraction's own result, before
  // the reshapes, so the CPU kernels can apply it in registers.
  Value acc = epilogue ? epilogue(g.getResult(0)) : g.getResult(0);
  Value r = tensor::CollapseShapeOp::create(b, loc, resTy, acc, orr);
  if (pointwise)
    r = tensor::ExpandShapeOp::create(b, loc, finalTy, r, spatial);
  return r;
}

/// A convolution whose weight or channel counts are open (a weight that is
/// a graph input): one generic over loops n, g, mg, o..., cg, k..., every
/// extent read from the operands at run time (the kernels above need the
/// channels and a constant weight). `resTy` is the converted result type.
Value buildOpenConv(OpBuilder &b, Location loc, Value x, Value w, Value bias, Value residual,
                    ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations, ArrayRef<int64_t> pads,
                    int64_t G, RankedTensorType resTy, ElemInfo e) {
  MLIRContext *ctx = b.getContext();
  int64_t nd = cast<RankedTensorType>(x.getType()).getRank() - 2;
  SmallVector<int64_t> low(2, 0), high(2, 0);
  low.append(pads.begin(), pads.begin() + nd);
  high.append(pads.begin() + nd, pads.end());
  x = padConstant(b, loc, x, low, high, scalarConst(b, loc, e.type, 0));
  auto xt = cast<RankedTensorType>(x.getType());
  auto wt = cast<RankedTensorType>(w.getType());
  auto split = [&](int64_t d) { // An extent divided by the groups.
    return ShapedType::isDynamic(d) ? d : d / G;
  };
  // x [N, G, Cg, S...], w [G, Mg, Cg, K...].
  SmallVector<int64_t> xs = {xt.getDimSize(0), G, split(xt.getDimSize(1))};
  SmallVector<int64_t> ws = {G, split(wt.getDimSize(0)), wt.getDimSize(1)};
  SmallVector<ReassociationIndices> xr = {{0}, {1, 2}}, wr = {{0, 1}, {2}};
  for (int64_t i = 0; i < nd; ++i) {
    xs.push_back(xt.getDimSize(2 + i));
    ws.push_back(wt.getDimSize(2 + i));
    xr.push_back({3 + i});
    wr.push_back({3 + i});
  }
  Value xg = tensor::ExpandShapeOp::create(b, loc, RankedTensorType::get(xs, e.type), x, xr);
  Value wg = tensor::ExpandShapeOp::create(b, loc, RankedTensorType::get(ws, e.type), w, wr);
  // Out [N, G, Mg, O...], O = (in - d (k - 1) - 1) floordiv s + 1.
  SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(b, loc, xg, 0), b.getIndexAttr(G),
                                     tensor::getMixedSize(b, loc, wg, 1)};
  AffineExpr s0 = b.getAffineSymbolExpr(0), s1 = b.getAffineSymbolExpr(1);
  for (int64_t i = 0; i < nd; ++i)
    sizes.push_back(affine::makeComposedFoldedAffineApply(
        b, loc, (s0 - (s1 - 1) * dilations[i] - 1).floorDiv(strides[i]) + 1,
        {tensor::getMixedSize(b, loc, xg, 3 + i), tensor::getMixedSize(b, loc, wg, 3 + i)}));
  Value out = fillInto(b, loc, tensor::EmptyOp::create(b, loc, sizes, e.type),
                       scalarConst(b, loc, e.type, 0));
  int64_t nLoops = 3 + nd + 1 + nd, cg = 3 + nd;
  SmallVector<AffineExpr> xEx = {dim(ctx, 0), dim(ctx, 1), dim(ctx, cg)};
  SmallVector<AffineExpr> wEx = {dim(ctx, 1), dim(ctx, 2), dim(ctx, cg)};
  SmallVector<AffineExpr> oEx = {dim(ctx, 0), dim(ctx, 1), dim(ctx, 2)};
  for (int64_t i = 0; i < nd; ++i) {
    AffineExpr o = dim(ctx, 3 + i), k = dim(ctx, cg + 1 + i);
    xEx.push_back(o * strides[i] + k * dilations[i]);
    wEx.push_back(k);
    oEx.push_back(o);
  }
  SmallVector<utils::IteratorType> iters(3 + nd, utils::IteratorType::parallel);
  iters.append(1 + nd, utils::IteratorType::reduction);
  Value acc = linalg::GenericOp::create(b, loc, out.getType(), ValueRange{xg, wg}, ValueRange{out},
                                        SmallVector<AffineMap>{AffineMap::get(nLoops, 0, xEx, ctx),
                                                               AffineMap::get(nLoops, 0, wEx, ctx),
                                                               AffineMap::get(nLoops, 0, oEx, ctx)},
                                        iters,
                                        [&](OpBuilder &nb, Location nl, ValueRange args) {
                                          linalg::YieldOp::create(nb, nl, macBody(nb, nl, args, e));
                                        })
                  .getResult(0);
  SmallVector<ReassociationIndices> orr = {{0}, {1, 2}};
  for (int64_t i = 0; i < nd; ++i)
    orr.push_back({3 + i});
  Value y = tensor::CollapseShapeOp::create(b, loc, acc, orr);
  auto yt = cast<RankedTensorType>(y.getType());
  int64_t r = yt.getRank();
  if (bias) { // bias[m] along dim 1.
    AffineMap id = AffineMap::getMultiDimIdentityMap(r, ctx);
    y = linalg::GenericOp::create(
            b, loc, yt, ValueRange{bias}, ValueRange{y},
            SmallVector<AffineMap>{AffineMap::get(r, 0, {dim(ctx, 1)}, ctx), id},
            SmallVector<utils::IteratorType>(r, utils::IteratorType::parallel),
            [&](OpBuilder &nb, Location nl, ValueRange args) {
              linalg::YieldOp::create(nb, nl, emitAdd(nb, nl, args[1], args[0], e));
            })
            .getResult(0);
  }
  if (residual)
    y = buildElementwise(b, loc, yt, {y, residual}, [&](OpBuilder &nb, Location nl, ValueRange a) {
      return emitAdd(nb, nl, a[0], a[1], e);
    });
  return y.getType() == resTy ? y : tensor::CastOp::create(b, loc, resTy, y).getResult();
}

struct ConvLowering : StaticLowering<ConvOp> {
  ConvLowering(TypeConverter &tc, MLIRContext *ctx, bool winograd)
      : StaticLowering(tc, ctx), winograd(winograd) {}
  bool winograd;
  /// Open extents anywhere: batch and spatial ones in the kernels' form,
  /// open channels or weights (a weight that is a graph input) in
  /// buildOpenConv's.
  bool dynamicExtents(ConvOp) const override { return true; }
  static bool staticWeight(ConvOp op) {
    return !op.getInput().getType().isDynamicDim(1) && op.getWeight().getType().hasStaticShape() &&
           (!op.getBias() || op.getBias().getType().hasStaticShape());
  }
  LogicalResult lower(ConvOp op, OpAdaptor a,
                      ConversionPatternRewriter &rw) const override {
    auto resTy = resultType(op);
    Value input = a.getInput(), weight = a.getWeight();
    if (!staticWeight(op)) {
      ElemInfo xe = ElemInfo::of(op.getInput().getType()),
               we = ElemInfo::of(op.getWeight().getType());
      if (isInt8Contraction(op.getInput().getType(), op.getWeight().getType())) {
        input = widenInt8(rw, op.getLoc(), input, xe);
        weight = widenInt8(rw, op.getLoc(), weight, we);
      }
      Value r = buildOpenConv(rw, op.getLoc(), input, weight, a.getBias(), a.getResidual(),
                              op.getStrides(), op.getDilations(), op.getPads(), op.getGroup(),
                              resTy, ElemInfo::of(op.getType()));
      rw.replaceOp(op, applyEpilogue(rw, op, r));
      return success();
    }
    if (isInt8Contraction(op.getInput().getType(), op.getWeight().getType())) {
      ElemInfo xe = ElemInfo::of(op.getInput().getType()),
               we = ElemInfo::of(op.getWeight().getType());
      if (!a.getBias() && !a.getResidual())
        if (Value r = buildInt8Conv(rw, op.getLoc(), input, xe, weight, we, op.getStrides(),
                                    op.getDilations(), op.getPads(), op.getGroup(), resTy)) {
          rw.replaceOp(op, applyEpilogue(rw, op, r));
          return success();
        }
      input = widenInt8(rw, op.getLoc(), input, xe);
      weight = widenInt8(rw, op.getLoc(), weight, we);
    }
    Value r = buildConv(
        rw, op.getLoc(), input, weight, a.getBias(), a.getResidual(), op.getStrides(),
        op.getDilations(), op.getPads(), op.getGroup(), resTy, ElemInfo::of(op.getType()),
        [&](Value v) { return applyEpilogue(rw, op, v); }, winograd);
    rw.replaceOp(op, r);
    return success();
  }
};

/// A 2-D transposed convolution whose stride equals its kernel (k2 s2, the
/// usual upsampling of segmentation decoders; no pads, output padding,
/// dilation or groups, static shapes, constant weight) as a 1x1
/// convolution to Cout*kh*kw channels and a depth-to-space: the windows do
/// not overlap, so y[m, kh*i + a, kw*j + b] = sum_c x[c, i, j] w[c, m, a, b]
/// + bias[m]. The zero-inserted general form does kh*kw times the work
/// (ConvTranspose2d(128, 64, 2, stride=2) on 32x32: 2.7 -> 0.6 ms). Null
/// when it does not apply.
Value buildStrideKernelConvTranspose(OpBuilder &b, Location loc, ConvTransposeOp op, Value x,
                                     Value w, Value bias, RankedTensorType resTy, ElemInfo e) {
  auto xt = cast<RankedTensorType>(x.getType());
  auto wt = cast<RankedTensorType>(w.getType());
  if (xt.getRank() != 4 || !xt.hasStaticShape() || !wt.hasStaticShape() ||
      !resTy.hasStaticShape() || !e.type.isF32() || op.getGroup() != 1)
    return {};
  int64_t C = wt.getDimSize(0), M = wt.getDimSize(1), KH = wt.getDimSize(2), KW = wt.getDimSize(3);
  int64_t N = xt.getDimSize(0), H = xt.getDimSize(2), W = xt.getDimSize(3);
  if (op.getStrides() != ArrayRef<int64_t>{KH, KW} ||
      llvm::any_of(op.getDilations(), [](int64_t v) { return v != 1; }) ||
      llvm::any_of(op.getPads(), [](int64_t v) { return v != 0; }) ||
      llvm::any_of(op.getOutputPadding(), [](int64_t v) { return v != 0; }) ||
      resTy.getShape() != ArrayRef<int64_t>{N, M, H * KH, W * KW})
    return {};
  std::vector<float> wv = constantFloats(w);
  std::vector<float> bv = bias ? constantFloats(bias) : std::vector<float>(M, 0.0f);
  if (wv.size() != (size_t)(C * M * KH * KW) || bv.size() != (size_t)M)
    return {};
  // W'[(m, a, b), c] = w[c, m, a, b]; bias'[(m, a, b)] = bias[m].
  int64_t MK = M * KH * KW;
  std::vector<float> w2(MK * C), b2(MK);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t k = 0; k < KH * KW; ++k) {
      b2[m * KH * KW + k] = bv[m];
      for (int64_t c = 0; c < C; ++c)
        w2[(m * KH * KW + k) * C + c] = wv[(c * M + m) * KH * KW + k];
    }
  Value wc = floatConstant(b, loc, {MK, C, 1, 1}, w2, "convt_weight");
  Value bc = floatConstant(b, loc, {MK}, b2, "convt_bias");
  auto zTy = RankedTensorType::get({N, MK, H, W}, e.type);
  SmallVector<int64_t> ones = {1, 1}, noPads = {0, 0, 0, 0};
  Value z = buildConv(b, loc, x, wc, bc, Value(), ones, ones, noPads, 1, zTy, e);
  // [N, M, KH, KW, H, W] -> [N, M, H, KH, W, KW] -> [N, M, H*KH, W*KW].
  MLIRContext *ctx = b.getContext();
  auto z6Ty = RankedTensorType::get({N, M, KH, KW, H, W}, e.type);
  Value z6 = tensor::ExpandShapeOp::create(
      b, loc, z6Ty, z, SmallVector<ReassociationIndices>{{0}, {1, 2, 3}, {4}, {5}});
  auto yTy = RankedTensorType::get({N, M, H, KH, W, KW}, e.type);
  SmallVector<AffineExpr> in = {dim(ctx, 0), dim(ctx, 1), dim(ctx, 3),
                                dim(ctx, 5), dim(ctx, 2), dim(ctx, 4)};
  SmallVector<utils::IteratorType> par(6, utils::IteratorType::parallel);
  Value y6 =
      linalg::GenericOp::create(b, loc, yTy, ValueRange{z6}, ValueRange{emptyTensor(b, loc, yTy)},
                                ArrayRef<AffineMap>{AffineMap::get(6, 0, in, ctx),
                                                    AffineMap::getMultiDimIdentityMap(6, ctx)},
                                par,
                                [](OpBuilder &nb, Location nl, ValueRange args) {
                                  linalg::YieldOp::create(nb, nl, args[0]);
                                })
          .getResult(0);
  return tensor::CollapseShapeOp::create(
      b, loc, resTy, y6, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4, 5}});
}

struct ConvTransposeLowering : StaticLowering<ConvTransposeOp> {
  using StaticLowering::StaticLowering;
  /// Open batch and spatial extents (channels and weights static).
  bool dynamicExtents(ConvTransposeOp op) const override {
    return !op.getInput().getType().isDynamicDim(1) &&
           op.getWeight().getType().hasStaticShape();
  }
  LogicalResult lower(ConvTransposeOp op, OpAdaptor a,
                      ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    ElemInfo e = ElemInfo::of(op.getType());
    auto resTy = resultType(op);
    Value x = a.getInput(), w = a.getWeight();
    if (Value y = buildStrideKernelConvTranspose(rw, loc, op, x, w, a.getBias(), resTy, e)) {
      rw.replaceOp(op, y);
      return success();
    }
    auto xt = cast<RankedTensorType>(x.getType());
    auto wt = cast<RankedTensorType>(w.getType());
    int64_t nd = xt.getRank() - 2, G = op.getGroup();
    ArrayRef<int64_t> s = op.getStrides(), d = op.getDilations(), p = op.getPads(),
                      op_ = op.getOutputPadding();
    Value zero = scalarConst(rw, loc, e.type, 0);

    // 1. Insert stride-1 zeros between input elements ((in - 1) s + 1 per
    //    spatial dim; open extents computed).
    SmallVector<OpFoldResult> offs(xt.getRank(), rw.getIndexAttr(0)), strides,
        sizes = tensor::getMixedSizes(rw, loc, x), dilSizes;
    AffineExpr s0 = rw.getAffineSymbolExpr(0);
    for (int64_t i = 0; i < xt.getRank(); ++i) {
      strides.push_back(rw.getIndexAttr(i < 2 ? 1 : s[i - 2]));
      dilSizes.push_back(i < 2 ? sizes[i]
                               : affine::makeComposedFoldedAffineApply(
                                     rw, loc, (s0 - 1) * s[i - 2] + 1, {sizes[i]}));
    }
    Value xd = fillInto(rw, loc, tensor::EmptyOp::create(rw, loc, dilSizes, e.type), zero);
    xd = tensor::InsertSliceOp::create(rw, loc, x, xd, offs, sizes, strides);

    // 2. Pad by dil*(k-1) - pad (+ output_padding at the end); crop where
    //    that is negative.
    SmallVector<int64_t> low(2, 0), high(2, 0), cropLo(2, 0), cropHi(2, 0);
    for (int64_t i = 0; i < nd; ++i) {
      int64_t k = wt.getDimSize(2 + i);
      int64_t lo = d[i] * (k - 1) - p[i], hi = d[i] * (k - 1) - p[nd + i] + op_[i];
      low.push_back(std::max<int64_t>(lo, 0));
      high.push_back(std::max<int64_t>(hi, 0));
      cropLo.push_back(std::max<int64_t>(-lo, 0));
      cropHi.push_back(std::max<int64_t>(-hi, 0));
    }
    Value xp = padConstant(rw, loc, xd, low, high, zero);
    if (llvm::any_of(cropLo, [](int64_t v) { return v; }) ||
        llvm::any_of(cropHi, [](int64_t v) { return v; })) {
      auto pt = cast<RankedTensorType>(xp.getType());
      SmallVector<OpFoldResult> o, sz, st;
      for (int64_t i = 0; i < pt.getRank(); ++i) {
        o.push_back(rw.getIndexAttr(cropLo[i]));
        sz.push_back(affine::makeComposedFoldedAffineApply(
            rw, loc, s0 - (cropLo[i] + cropHi[i]), {tensor::getMixedSize(rw, loc, xp, i)}));
        st.push_back(rw.getIndexAttr(1));
      }
      xp = tensor::ExtractSliceOp::create(rw, loc, xp, o, sz, st);
    }

    // 3. Weight [G*Cg, Mg, K...] -> [G*Mg, Cg, K...] flipped spatially.
    int64_t C = wt.getDimSize(0), Mg = wt.getDimSize(1), Cg = C / G;
    SmallVector<int64_t> inShape = {G, Cg, Mg}, outShape = {G, Mg, Cg};
    SmallVector<ReassociationIndices> re = {{0, 1}, {2}};
    SmallVector<AffineExpr> inEx = {dim(ctx, 0), dim(ctx, 2), dim(ctx, 1)};
    for (int64_t i = 0; i < nd; ++i) {
      int64_t k = wt.getDimSize(2 + i);
      inShape.push_back(k);
      outShape.push_back(k);
      re.push_back({3 + i});
      inEx.push_back(getAffineConstantExpr(k - 1, ctx) - dim(ctx, 3 + i));
    }
    Value wg = tensor::ExpandShapeOp::create(
        rw, loc, RankedTensorType::get(inShape, e.type), w, re);
    auto wfTy = RankedTensorType::get(outShape, e.type);
    SmallVector<utils::IteratorType> par(wfTy.getRank(), utils::IteratorType::parallel);
    Value wf = linalg::GenericOp::create(
                   rw, loc, wfTy, ValueRange{wg}, ValueRange{emptyTensor(rw, loc, wfTy)},
                   ArrayRef<AffineMap>{AffineMap::get(wfTy.getRank(), 0, inEx, ctx),
                                       AffineMap::getMultiDimIdentityMap(wfTy.getRank(), ctx)},
                   par,
                   [](OpBuilder &nb, Location nl, ValueRange args) {
                     linalg::YieldOp::create(nb, nl, args[0]);
                   })
                   .getResult(0);
    SmallVector<int64_t> wcShape = {G * Mg, Cg};
    for (int64_t i = 0; i < nd; ++i)
      wcShape.push_back(wt.getDimSize(2 + i));
    Value wc = tensor::CollapseShapeOp::create(
        rw, loc, RankedTensorType::get(wcShape, e.type), wf, re);

    SmallVector<int64_t> ones(nd, 1), noPads(2 * nd, 0);
    rw.replaceOp(op, buildConv(rw, loc, xp, wc, a.getBias(), Value(), ones, d, noPads,
                               G, resTy, e));
    return success();
  }
};

} // namespace

void lowering::populateContractionPatterns(TypeConverter &tc, RewritePatternSet &p, bool winograd,
                                           const SparseOptions &sparse) {
  p.add<MatMulLowering, ConvTransposeLowering>(tc, p.getContext());
  p.add<LinearLowering>(tc, p.getContext(), sparse);
  p.add<ConvLowering>(tc, p.getContext(), winograd);
}
