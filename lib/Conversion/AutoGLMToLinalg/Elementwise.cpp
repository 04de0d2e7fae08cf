//===- Elementwise.cpp - elementwise autoglm ops to linalg.generic -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// constant, unary, binary, compare, select, cast, expand, quantize,
// dequantize.
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {

struct ConstantLowering : StaticLowering<ConstantOp> {
  using StaticLowering::StaticLowering;
  LogicalResult lower(ConstantOp op, Adaptor,
                      ConversionPatternRewriter &rw) const override {
    RankedTensorType type = resultType(op);
    ElementsAttr value = op.getValue();
    if (value.getType() != type) {
      // Unsigned elements become signless: same bits, new type.
      if (auto dense = dyn_cast<DenseElementsAttr>(value))
        value = dense.bitcast(type.getElementType());
      else if (auto res = dyn_cast<DenseResourceElementsAttr>(value))
        value = DenseResourceElementsAttr::get(type, res.getRawHandle());
      else
        return rw.notifyMatchFailure(op, "unsupported constant attribute");
    }
    rw.replaceOpWithNewOp<arith::ConstantOp>(op, type, cast<TypedAttr>(value));
    return success();
  }
};

struct UnaryLowering : StaticLowering<UnaryOp> {
  using StaticLowering::StaticLowering;
  bool dynamicExtents(UnaryOp) const override { return true; }
  LogicalResult lower(UnaryOp op, Adaptor a,
                      ConversionPatternRewriter &rw) const override {
    ElemInfo e = ElemInfo::of(op.getInput().getType());
    double alpha = op.getAlpha() ? op.getAlpha()->convertToDouble() : 0.0;
    double beta = op.getBeta() ? op.getBeta()->convertToDouble() : 0.0;
    Value r = buildElementwise(
        rw, op.getLoc(), resultType(op), {a.getInput()},
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return emitUnary(b, loc, op.getKind(), args[0], e, alpha, beta);
        });
    return replaceOrFail(op, r, rw);
  }
};

struct BinaryLowering : StaticLowering<BinaryOp> {
  using StaticLowering::StaticLowering;
  bool dynamicExtents(BinaryOp) const override { return true; }
  LogicalResult lower(BinaryOp op, Adaptor a,
                      ConversionPatternRewriter &rw) const override {
    ElemInfo e = ElemInfo::of(op.getLhs().getType());
    Value r = buildElementwise(
        rw, op.getLoc(), resultType(op), {a.getLhs(), a.getRhs()},
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return emitBinary(b, loc, op.getKind(), args[0], args[1], e);
        });
    return replaceOrFail(op, r, rw);
  }
};

struct CompareLowering : StaticLowering<CompareOp> {
  using StaticLowering::StaticLowering;
  bool dynamicExtents(CompareOp) const override { return true; }
  LogicalResult lower(CompareOp op, Adaptor a,
                      ConversionPatternRewriter &rw) const override {
    ElemInfo e = ElemInfo::of(op.getLhs().getType());
    CompareKind kind = op.getKind();
    Value r = buildElementwise(
        rw, op.getLoc(), resultType(op), {a.getLhs(), a.getRhs()},
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          if (e.isFloat) {
            arith::CmpFPredicate p;
            switch (kind) {
            case CompareKind::EQ: p = arith::CmpFPredicate::OEQ; break;
            case CompareKind::NE: p = arith::CmpFPredicate::UNE; break;
            case CompareKind::LT: p = arith::CmpFPredicate::OLT; break;
            case CompareKind::LE: p = arith::CmpFPredicate::OLE; break;
            case CompareKind::GT: p = arith::CmpFPredicate::OGT; break;
            case CompareKind::GE: p = arith::CmpFPredicate::OGE; break;
            }
            return arith::CmpFOp::create(b, loc, p, args[0], args[1]);
          }
          bool u = e.isUnsigned;
          arith::CmpIPredicate p;
          switch (kind) {
          case CompareKind::EQ: p = arith::CmpIPredicate::eq; break;
          case CompareKind::NE: p = arith::CmpIPredicate::ne; break;
          case CompareKind::LT: p = u ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt; break;
          case CompareKind::LE: p = u ? arith::CmpIPredicate::ule : arith::CmpIPredicate::sle; break;
          case CompareKind::GT: p = u ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt; break;
          case CompareKind::GE: p = u ? arith::CmpIPredicate::uge : arith::CmpIPredicate::sge; break;
          }
          return arith::CmpIOp::create(b, loc, p, args[0], args[1]);
        });
    return replaceOrFail(op, r, rw);
  }
};

struct SelectLowering : StaticLowering<SelectOp> {
  using StaticLowering::StaticLowering;
  bool dynamicExtents(SelectOp) const override { return true; }
  LogicalResult lower(SelectOp op, Adaptor a,
                      ConversionPatternRewriter &rw) const override {
    Value r = buildElementwise(
        rw, op.getLoc(), resultType(op),
        {a.getCondition(), a.getLhs(), a.getRhs()},
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          return arith::SelectOp::create(b, loc, args[0], args[1], args[2]);
        });
    return replaceOrFail(op, r, rw);
  }
};

struct CastLowering : StaticLowering<CastOp> {
  using StaticLowering::StaticLowering;
  bool dynamicExtents(CastOp) const override { return true; }
  LogicalResult lower(CastOp op, Adaptor a,
                      ConversionPatternRewriter &rw) const override {
    // Strings are String.cpp's (which refuses open extents, naming the op;
    // a fuzzed uint32 -> string cast of [3, N] then reached this one).
    if (isa<StringType>(op.getInput().getType().getElementType()) ||
        isa<StringType>(op.getType().getElementType()))
      return failure();
    ElemInfo from = ElemInfo::of(op.getInput().getType());
    ElemInfo to = ElemInfo::of(op.getType());
    Value r = buildElementwise(rw, op.getLoc(), resultType(op), {a.getInput()},
                               [&](OpBuilder &b, Location loc, ValueRange args) {
                                 return castScalar(b, loc, args[0], from, to);
                               });
    return replaceOrFail(op, r, rw);
  }
};

struct ExpandLowering : StaticLowering<ExpandOp> {
  using StaticLowering::StaticLowering;
  /// Open extents the input keeps (not broadcast from 1).
  bool dynamicExtents(ExpandOp) const override { return true; }
  LogicalResult lower(ExpandOp op, Adaptor a,
                      ConversionPatternRewriter &rw) const override {
    Value r = buildElementwise(rw, op.getLoc(), resultType(op), {a.getInput()},
                               [&](OpBuilder &, Location, ValueRange args) {
                                 return args[0];
                               });
    return replaceOrFail(op, r, rw);
  }
};

/// Map of a per-tensor ([] or [1]), per-axis ([C]) or blocked (the data's
/// rank, `axis` in blocks of `blockSize`) quantization parameter.
AffineMap paramMap(MLIRContext *ctx, int64_t rank, int64_t axis, RankedTensorType param,
                   int64_t blockSize) {
  if (blockSize > 0) {
    SmallVector<AffineExpr> e;
    for (int64_t d = 0; d < rank; ++d)
      e.push_back(d == axis ? getAffineDimExpr(d, ctx).floorDiv(blockSize)
                            : getAffineDimExpr(d, ctx));
    return AffineMap::get(rank, 0, e, ctx);
  }
  if (param.getRank() == 0)
    return AffineMap::get(rank, 0, {}, ctx);
  if (param.getDimSize(0) == 1)
    return AffineMap::get(rank, 0, {getAffineConstantExpr(0, ctx)}, ctx);
  return AffineMap::get(rank, 0, {getAffineDimExpr(axis, ctx)}, ctx);
}

template <typename Op, bool quantize>
struct QDQLowering : StaticLowering<Op> {
  using StaticLowering<Op>::StaticLowering;
  using Adaptor = typename Op::Adaptor;
  /// Open extents of the tensor (the parameters' are static).
  bool dynamicExtents(Op op) const override {
    return cast<RankedTensorType>(op.getScale().getType()).hasStaticShape();
  }
  LogicalResult lower(Op op, Adaptor a,
                      ConversionPatternRewriter &rw) const override {
    MLIRContext *ctx = rw.getContext();
    RankedTensorType resTy = this->resultType(op);
    int64_t rank = resTy.getRank();
    auto scaleTy = cast<RankedTensorType>(op.getScale().getType());
    ElemInfo q = ElemInfo::of(quantize ? op.getType() : op.getInput().getType());
    ElemInfo f = ElemInfo::of(scaleTy);
    SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, ctx),
                                   paramMap(ctx, rank, op.getAxis(), scaleTy, op.getBlockSize()),
                                   paramMap(ctx, rank, op.getAxis(), scaleTy, op.getBlockSize()),
                                   AffineMap::getMultiDimIdentityMap(rank, ctx)};
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    Location loc = op.getLoc();
    auto g = linalg::GenericOp::create(
        rw, loc, resTy, ValueRange{a.getInput(), a.getScale(), a.getZeroPoint()},
        ValueRange{emptyForLoops(rw, loc, resTy, a.getInput(), maps[0], maps[3])}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value zp = castScalar(b, l, args[2], q, f);
          Value r;
          if (quantize) {
            ElemInfo in = ElemInfo::of(op.getInput().getType());
            Value x = castScalar(b, l, args[0], in, f);
            Value v = math::RoundEvenOp::create(
                b, l, arith::DivFOp::create(b, l, x, args[1]));
            v = arith::AddFOp::create(b, l, v, zp);
            unsigned w = q.type.getIntOrFloatBitWidth();
            double lo = q.isUnsigned ? 0.0 : -std::ldexp(1.0, w - 1);
            double hi = q.isUnsigned ? std::ldexp(1.0, w) - 1
                                     : std::ldexp(1.0, w - 1) - 1;
            // maxnum / minnum: a NaN saturates to the low end (the cast
            // of a NaN would be poison), and against a constant each is
            // one vmaxps / vminps (maximumf's NaN propagation costs a
            // compare and a blend more in every kernel epilogue).
            v = arith::MaxNumFOp::create(b, l, v, scalarConst(b, l, f.type, lo));
            v = arith::MinNumFOp::create(b, l, v, scalarConst(b, l, f.type, hi));
            r = castScalar(b, l, v, f, q);
          } else {
            Value x = castScalar(b, l, args[0], q, f);
            r = arith::MulFOp::create(b, l, arith::SubFOp::create(b, l, x, zp),
                                      args[1]);
            r = castScalar(b, l, r, f, ElemInfo::of(op.getType()));
          }
          linalg::YieldOp::create(b, l, r);
        });
    rw.replaceOp(op, g.getResult(0));
    return success();
  }
};

} // namespace

void lowering::populateElementwisePatterns(TypeConverter &tc,
                                           RewritePatternSet &p) {
  p.add<ConstantLowering, UnaryLowering, BinaryLowering, CompareLowering,
        SelectLowering, CastLowering, ExpandLowering,
        QDQLowering<QuantizeOp, true>, QDQLowering<DequantizeOp, false>>(
      tc, p.getContext());
}
