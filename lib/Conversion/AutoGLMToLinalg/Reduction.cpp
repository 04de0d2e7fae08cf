//===- Reduction.cpp - reductions, pooling, norms, softmax to linalg -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {

/// Map from a rank-`rank` loop nest to a tensor holding the dims not in
/// `dropped` (a reduced statistic broadcast back over the full tensor).
AffineMap keptDimsMap(MLIRContext *ctx, int64_t rank, ArrayRef<int64_t> dropped) {
  SmallVector<AffineExpr> ex;
  for (int64_t i = 0; i < rank; ++i)
    if (!llvm::is_contained(dropped, i))
      ex.push_back(getAffineDimExpr(i, ctx));
  return AffineMap::get(rank, 0, ex, ctx);
}

/// linalg.generic over the full shape of `resTy`, reading `inputs` through
/// `maps` (one per input).
Value mapGeneric(OpBuilder &b, Location loc, RankedTensorType resTy,
                 ValueRange inputs, ArrayRef<AffineMap> maps, ScalarBody body) {
  SmallVector<AffineMap> all(maps);
  all.push_back(AffineMap::getMultiDimIdentityMap(resTy.getRank(), b.getContext()));
  SmallVector<utils::IteratorType> iters(resTy.getRank(), utils::IteratorType::parallel);
  Value init = emptyForLoops(b, loc, resTy, inputs, maps, all.back());
  if (!init)
    return {};
  return linalg::GenericOp::create(
             b, loc, resTy, inputs, ValueRange{init}, all, iters,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl, body(nb, nl, args.drop_back()));
             })
      .getResult(0);
}

/// Elements over `axes`, or kDynamic when one is open (its extent, kDynamic,
/// is not multiplied: the callers count those at run time).
int64_t countOf(RankedTensorType t, ArrayRef<int64_t> axes) {
  int64_t n = 1;
  for (int64_t a : axes) {
    if (t.isDynamicDim(a))
      return ShapedType::kDynamic;
    n *= t.getDimSize(a);
  }
  return n;
}

Value divByCount(OpBuilder &b, Location loc, Value v, int64_t count, ElemInfo e) {
  Value c = scalarConst(b, loc, e.type, (double)count);
  return e.isFloat ? (Value)arith::DivFOp::create(b, loc, v, c)
         : e.isUnsigned ? (Value)arith::DivUIOp::create(b, loc, v, c)
                        : (Value)arith::DivSIOp::create(b, loc, v, c);
}

/// mean and variance of `x` over `axes`, both without those dims.
std::pair<Value, Value> meanVar(OpBuilder &b, Location loc, Value x,
                                ArrayRef<int64_t> axes, ElemInfo e) {
  auto t = cast<RankedTensorType>(x.getType());
  int64_t n = countOf(t, axes);
  // Open reduced dims: the element count as a float computed at run time.
  Value runCount;
  if (n == ShapedType::kDynamic) {
    Value c = arith::ConstantIndexOp::create(b, loc, 1);
    for (int64_t a : axes)
      c = arith::MulIOp::create(b, loc, c, tensor::DimOp::create(b, loc, x, a));
    c = arith::IndexCastOp::create(b, loc, b.getI64Type(), c);
    runCount = e.isFloat ? (Value)arith::SIToFPOp::create(b, loc, e.type, c)
                         : castScalar(b, loc, c, ElemInfo::of(b.getI64Type()), e);
  }
  auto divide = [&](OpBuilder &nb, Location nl, Value v) -> Value {
    if (!runCount)
      return divByCount(nb, nl, v, n, e);
    return e.isFloat      ? (Value)arith::DivFOp::create(nb, nl, v, runCount)
           : e.isUnsigned ? (Value)arith::DivUIOp::create(nb, nl, v, runCount)
                          : (Value)arith::DivSIOp::create(nb, nl, v, runCount);
  };
  Value zero = scalarConst(b, loc, e.type, 0);
  Value sum = buildReduction(b, loc, x, axes, zero,
                             [&](OpBuilder &nb, Location nl, Value v, Value acc) {
                               return emitAdd(nb, nl, acc, v, e);
                             });
  auto sTy = cast<RankedTensorType>(sum.getType());
  Value mean = mapGeneric(b, loc, sTy, {sum},
                          {AffineMap::getMultiDimIdentityMap(sTy.getRank(), b.getContext())},
                          [&](OpBuilder &nb, Location nl, ValueRange a) {
                            return divide(nb, nl, a[0]);
                          });
  // Second pass over centered values: numerically sound for large means.
  MLIRContext *ctx = b.getContext();
  SmallVector<utils::IteratorType> iters;
  for (int64_t i = 0; i < t.getRank(); ++i)
    iters.push_back(llvm::is_contained(axes, i) ? utils::IteratorType::reduction
                                                : utils::IteratorType::parallel);
  AffineMap kept = keptDimsMap(ctx, t.getRank(), axes);
  Value acc = fillInto(
      b, loc,
      emptyForLoops(b, loc, sTy, x, AffineMap::getMultiDimIdentityMap(t.getRank(), ctx), kept),
      zero);
  Value sq = linalg::GenericOp::create(
                 b, loc, sTy, ValueRange{x, mean}, ValueRange{acc},
                 ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(t.getRank(), ctx),
                                     kept, kept},
                 iters,
                 [&](OpBuilder &nb, Location nl, ValueRange a) {
                   Value d = arith::SubFOp::create(nb, nl, a[0], a[1]);
                   Value r = arith::AddFOp::create(
                       nb, nl, a[2], arith::MulFOp::create(nb, nl, d, d));
                   linalg::YieldOp::create(nb, nl, r);
                 })
                 .getResult(0);
  Value var = mapGeneric(b, loc, sTy, {sq},
                         {AffineMap::getMultiDimIdentityMap(sTy.getRank(), ctx)},
                         [&](OpBuilder &nb, Location nl, ValueRange a) {
                           return divide(nb, nl, a[0]);
                         });
  return {mean, var};
}

struct ReduceLowering : StaticLowering<ReduceOp> {
  using StaticLowering::StaticLowering;
  /// Open extents anywhere (a mean over open dims divides by a count taken
  /// at run time; an arg-reduction's outputs are sized from the input).
  bool dynamicExtents(ReduceOp) const override { return true; }
  LogicalResult lower(ReduceOp op, OpAdaptor a,
                      ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto resTy = resultType(op);
    ElemInfo e = ElemInfo::of(op.getInput().getType());
    Value x = a.getInput();
    auto xt = cast<RankedTensorType>(x.getType());
    ArrayRef<int64_t> axes = op.getAxes();
    ReduceKind kind = op.getKind();
    Value r;
    auto reduce = [&](Value in, Value init,
                      function_ref<Value(OpBuilder &, Location, Value, Value)> f) {
      return buildReduction(rw, loc, in, axes, init, f);
    };
    auto sumOf = [&](Value in) {
      return reduce(in, scalarConst(rw, loc, e.type, 0),
                    [&](OpBuilder &b, Location l, Value v, Value acc) {
                      return emitAdd(b, l, acc, v, e);
                    });
    };
    auto mapped = [&](ScalarBody f) {
      return buildElementwise(rw, loc, xt, {x}, f);
    };
    auto post = [&](Value in, ScalarBody f) {
      auto t = cast<RankedTensorType>(in.getType());
      return buildElementwise(rw, loc, t, {in}, f);
    };
    bool needFloat = kind == ReduceKind::L2 || kind == ReduceKind::LogSum ||
                     kind == ReduceKind::LogSumExp;
    if (needFloat && !e.isFloat)
      return op.emitError("reduce ") << stringifyReduceKind(kind)
                                     << " on integers is not lowered";
    switch (kind) {
    case ReduceKind::Sum:
      r = sumOf(x);
      break;
    case ReduceKind::Mean: {
      int64_t n = countOf(xt, axes);
      // Open reduced dims: the count at run time.
      Value count;
      if (llvm::any_of(axes, [&](int64_t a) { return xt.isDynamicDim(a); })) {
        Value c = arith::ConstantIndexOp::create(rw, loc, 1);
        for (int64_t a : axes)
          c = arith::MulIOp::create(rw, loc, c, tensor::DimOp::create(rw, loc, x, a));
        c = arith::IndexCastOp::create(rw, loc, rw.getI64Type(), c);
        count = e.isFloat ? (Value)arith::SIToFPOp::create(rw, loc, e.type, c)
                          : castScalar(rw, loc, c, ElemInfo::of(rw.getI64Type()), e);
      }
      r = post(sumOf(x), [&](OpBuilder &b, Location l, ValueRange v) -> Value {
        if (!count)
          return divByCount(b, l, v[0], n, e);
        return e.isFloat ? (Value)arith::DivFOp::create(b, l, v[0], count)
               : e.isUnsigned ? (Value)arith::DivUIOp::create(b, l, v[0], count)
                              : (Value)arith::DivSIOp::create(b, l, v[0], count);
      });
      break;
    }
    case ReduceKind::Max:
    case ReduceKind::Min: {
      bool isMax = kind == ReduceKind::Max;
      r = reduce(x, extremeConst(rw, loc, e, !isMax),
                 [&](OpBuilder &b, Location l, Value v, Value acc) {
                   return isMax ? emitMax(b, l, acc, v, e) : emitMin(b, l, acc, v, e);
                 });
      break;
    }
    case ReduceKind::Prod:
      r = reduce(x, scalarConst(rw, loc, e.type, 1),
                 [&](OpBuilder &b, Location l, Value v, Value acc) {
                   return emitMul(b, l, acc, v, e);
                 });
      break;
    case ReduceKind::L1:
      r = sumOf(mapped([&](OpBuilder &b, Location l, ValueRange v) {
        return emitUnary(b, l, UnaryKind::Abs, v[0], e, 0, 0);
      }));
      break;
    case ReduceKind::SumSquare:
    case ReduceKind::L2: {
      r = sumOf(mapped([&](OpBuilder &b, Location l, ValueRange v) {
        return emitMul(b, l, v[0], v[0], e);
      }));
      if (kind == ReduceKind::L2)
        r = post(r, [&](OpBuilder &b, Location l, ValueRange v) -> Value {
          return math::SqrtOp::create(b, l, v[0]);
        });
      break;
    }
    case ReduceKind::LogSum:
      r = post(sumOf(x), [&](OpBuilder &b, Location l, ValueRange v) -> Value {
        return math::LogOp::create(b, l, v[0]);
      });
      break;
    case ReduceKind::LogSumExp: {
      // log(sum(exp(x - m))) + m with m = max(x) (0 where m is infinite).
      Value m = reduce(x, extremeConst(rw, loc, e, false),
                       [&](OpBuilder &b, Location l, Value v, Value acc) {
                         return emitMax(b, l, acc, v, e);
                       });
      auto mt = cast<RankedTensorType>(m.getType());
      m = post(m, [&](OpBuilder &b, Location l, ValueRange v) -> Value {
        Value isInf = emitUnary(b, l, UnaryKind::IsInf, v[0], e, 0, 0);
        return arith::SelectOp::create(b, l, isInf, scalarConst(b, l, e.type, 0), v[0]);
      });
      MLIRContext *ctx = rw.getContext();
      Value ex = mapGeneric(
          rw, loc, xt, {x, m},
          {AffineMap::getMultiDimIdentityMap(xt.getRank(), ctx),
           keptDimsMap(ctx, xt.getRank(), axes)},
          [&](OpBuilder &b, Location l, ValueRange v) -> Value {
            return math::ExpOp::create(b, l, arith::SubFOp::create(b, l, v[0], v[1]));
          });
      Value s = sumOf(ex);
      r = mapGeneric(rw, loc, mt, {s, m},
                     {AffineMap::getMultiDimIdentityMap(mt.getRank(), ctx),
                      AffineMap::getMultiDimIdentityMap(mt.getRank(), ctx)},
                     [&](OpBuilder &b, Location l, ValueRange v) -> Value {
                       return arith::AddFOp::create(
                           b, l, math::LogOp::create(b, l, v[0]), v[1]);
                     });
      break;
    }
    case ReduceKind::ArgMax:
    case ReduceKind::ArgMin: {
      r = buildArgReduce(rw, loc, x, axes[0], kind == ReduceKind::ArgMax,
                         op.getSelectLastIndex(), e);
      break;
    }
    }
    return replaceOrFail(op, r ? reshapeStatic(rw, loc, r, resTy) : Value(), rw);
  }

  static Value buildArgReduce(OpBuilder &b, Location loc, Value x, int64_t axis,
                              bool isMax, bool last, ElemInfo e) {
    MLIRContext *ctx = b.getContext();
    auto xt = cast<RankedTensorType>(x.getType());
    SmallVector<int64_t> outShape;
    SmallVector<utils::IteratorType> iters;
    for (int64_t i = 0; i < xt.getRank(); ++i) {
      iters.push_back(i == axis ? utils::IteratorType::reduction
                                : utils::IteratorType::parallel);
      if (i != axis)
        outShape.push_back(xt.getDimSize(i));
    }
    auto valTy = RankedTensorType::get(outShape, e.type);
    auto idxTy = RankedTensorType::get(outShape, b.getI64Type());
    AffineMap kept = keptDimsMap(ctx, xt.getRank(), {axis});
    AffineMap all = AffineMap::getMultiDimIdentityMap(xt.getRank(), ctx);
    Value vals = emptyForLoops(b, loc, valTy, x, all, kept);
    Value idxs = emptyForLoops(b, loc, idxTy, x, all, kept);
    if (!vals || !idxs)
      return {};
    vals = fillInto(b, loc, vals, extremeConst(b, loc, e, !isMax));
    idxs = fillInto(b, loc, idxs, scalarConst(b, loc, b.getI64Type(), 0));
    auto g = linalg::GenericOp::create(
        b, loc, TypeRange{valTy, idxTy}, ValueRange{x}, ValueRange{vals, idxs},
        ArrayRef<AffineMap>{all, kept, kept}, iters,
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value v = args[0], best = args[1], bestIdx = args[2];
          Value idx = arith::IndexCastOp::create(
              nb, nl, nb.getI64Type(), linalg::IndexOp::create(nb, nl, axis));
          Value better;
          if (e.isFloat) {
            auto p = isMax ? (last ? arith::CmpFPredicate::OGE : arith::CmpFPredicate::OGT)
                           : (last ? arith::CmpFPredicate::OLE : arith::CmpFPredicate::OLT);
            better = arith::CmpFOp::create(nb, nl, p, v, best);
          } else {
            bool u = e.isUnsigned;
            auto p = isMax ? (last ? (u ? arith::CmpIPredicate::uge : arith::CmpIPredicate::sge)
                                   : (u ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt))
                           : (last ? (u ? arith::CmpIPredicate::ule : arith::CmpIPredicate::sle)
                                   : (u ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt));
            better = arith::CmpIOp::create(nb, nl, p, v, best);
          }
          // The first element always wins so that an all-NaN / all-extreme
          // row still reports index 0 instead of nothing.
          Value first = arith::CmpIOp::create(
              nb, nl, arith::CmpIPredicate::eq, idx,
              scalarConst(nb, nl, nb.getI64Type(), 0));
          better = arith::OrIOp::create(nb, nl, better, first);
          linalg::YieldOp::create(
              nb, nl,
              ValueRange{arith::SelectOp::create(nb, nl, better, v, best),
                         arith::SelectOp::create(nb, nl, better, idx, bestIdx)});
        });
    return g.getResult(1);
  }
};

struct PoolLowering : StaticLowering<PoolOp> {
  using StaticLowering::StaticLowering;
  /// Open batch and spatial extents (average pooling then counts each
  /// position's taps at run time).
  bool dynamicExtents(PoolOp) const override { return true; }

  /// The result: static, or sized from the padded input, each spatial
  /// extent (in - d * (k - 1) - 1) floordiv s + 1. In ceil mode (`ceil`,
  /// the end padded by stride - 1 for an open extent) also at most
  /// (x + low - 1) floordiv s + 1: no window starts past the input and the
  /// begin padding.
  static Value emptyResult(OpBuilder &b, Location loc, RankedTensorType resTy, Value xp,
                           Value x, ArrayRef<int64_t> k, ArrayRef<int64_t> s,
                           ArrayRef<int64_t> d, ArrayRef<int64_t> low, bool ceil) {
    if (resTy.hasStaticShape())
      return emptyTensor(b, loc, resTy);
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, xp);
    SmallVector<OpFoldResult> in = tensor::getMixedSizes(b, loc, x);
    AffineExpr s0 = b.getAffineSymbolExpr(0), s1 = b.getAffineSymbolExpr(1);
    for (size_t i = 0; i < k.size(); ++i) {
      AffineExpr windows = (s0 - d[i] * (k[i] - 1) - 1).floorDiv(s[i]) + 1;
      if (!ceil || !resTy.isDynamicDim(2 + i)) {
        sizes[2 + i] = affine::makeComposedFoldedAffineApply(b, loc, windows, {sizes[2 + i]});
        continue;
      }
      sizes[2 + i] = affine::makeComposedFoldedAffineMin(
          b, loc,
          AffineMap::get(0, 2, {windows, (s1 + low[2 + i] - 1).floorDiv(s[i]) + 1},
                         b.getContext()),
          {sizes[2 + i], in[2 + i]});
    }
    return tensor::EmptyOp::create(b, loc, sizes, resTy.getElementType());
  }
  LogicalResult lower(PoolOp op, OpAdaptor a,
                      ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    auto resTy = resultType(op);
    ElemInfo e = ElemInfo::of(op.getType());
    PoolKind kind = op.getKind();
    if (kind != PoolKind::Max && !e.isFloat)
      return op.emitError("average/Lp pooling of integers is not lowered");
    Value x = a.getInput();
    auto xt = cast<RankedTensorType>(x.getType());
    int64_t nd = xt.getRank() - 2;
    ArrayRef<int64_t> k = op.getKernel(), s = op.getStrides(), d = op.getDilations(),
                      pads = op.getPads(), extra = op.getExtraPads();
    SmallVector<int64_t> low(2, 0), high(2, 0);
    for (int64_t i = 0; i < nd; ++i) {
      low.push_back(pads[i] + (extra.empty() ? 0 : extra[i]));
      high.push_back(pads[nd + i] + (extra.empty() ? 0 : extra[nd + i]));
    }
    Value padVal = kind == PoolKind::Max ? extremeConst(rw, loc, e, false)
                                         : scalarConst(rw, loc, e.type, 0);
    Value xp = padConstant(rw, loc, x, low, high, padVal);
    Value window = tensor::EmptyOp::create(rw, loc, k, e.type);

    int64_t nLoops = 2 + 2 * nd;
    SmallVector<AffineExpr> xEx = {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx)},
                            wEx, oEx = {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx)};
    for (int64_t i = 0; i < nd; ++i) {
      AffineExpr o = getAffineDimExpr(2 + i, ctx), kk = getAffineDimExpr(2 + nd + i, ctx);
      xEx.push_back(o * s[i] + kk * d[i]);
      wEx.push_back(kk);
      oEx.push_back(o);
    }
    SmallVector<utils::IteratorType> iters(2 + nd, utils::IteratorType::parallel);
    iters.append(nd, utils::IteratorType::reduction);
    int64_t p = op.getP();
    Value init = kind == PoolKind::Max ? extremeConst(rw, loc, e, false)
                                       : scalarConst(rw, loc, e.type, 0);
    Value acc = fillInto(rw, loc, emptyResult(rw, loc, resTy, xp, x, k, s, d, low, !extra.empty()),
                         init);
    Value pooled =
        linalg::GenericOp::create(
            rw, loc, resTy, ValueRange{xp, window}, ValueRange{acc},
            ArrayRef<AffineMap>{AffineMap::get(nLoops, 0, xEx, ctx),
                                AffineMap::get(nLoops, 0, wEx, ctx),
                                AffineMap::get(nLoops, 0, oEx, ctx)},
            iters,
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value v = args[0], r;
              if (kind == PoolKind::Max) {
                r = emitMax(b, l, args[2], v, e);
              } else if (kind == PoolKind::Avg) {
                r = arith::AddFOp::create(b, l, args[2], v);
              } else {
                Value t = p == 1   ? (Value)math::AbsFOp::create(b, l, v)
                          : p == 2 ? (Value)arith::MulFOp::create(b, l, v, v)
                                   : (Value)math::PowFOp::create(
                                         b, l, math::AbsFOp::create(b, l, v),
                                         scalarConst(b, l, e.type, (double)p));
                r = arith::AddFOp::create(b, l, args[2], t);
              }
              linalg::YieldOp::create(b, l, r);
            })
            .getResult(0);
    if (kind == PoolKind::Lp && p != 1) {
      pooled = buildElementwise(rw, loc, resTy, {pooled},
                                [&](OpBuilder &b, Location l, ValueRange v) -> Value {
                                  if (p == 2)
                                    return math::SqrtOp::create(b, l, v[0]);
                                  return math::PowFOp::create(
                                      b, l, v[0], scalarConst(b, l, e.type, 1.0 / p));
                                });
    } else if (kind == PoolKind::Avg && !resTy.hasStaticShape()) {
      // Open extents: the same divisor, counted per position at run time.
      SmallVector<Value> in;
      for (int64_t i = 0; i < nd; ++i)
        in.push_back(tensor::DimOp::create(rw, loc, x, 2 + i));
      AffineMap id = AffineMap::getMultiDimIdentityMap(resTy.getRank(), ctx);
      Value dest = emptyForLoops(rw, loc, resTy, pooled, id, id);
      SmallVector<utils::IteratorType> par(resTy.getRank(), utils::IteratorType::parallel);
      pooled = linalg::GenericOp::create(
                   rw, loc, resTy, ValueRange{pooled}, ValueRange{dest},
                   ArrayRef<AffineMap>{id, id}, par,
                   [&](OpBuilder &b, Location l, ValueRange args) {
                     auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, l, v); };
                     Value cnt = c(1);
                     for (int64_t i = 0; i < nd; ++i) {
                       Value o = linalg::IndexOp::create(b, l, 2 + i);
                       Value lo = c(op.getCountIncludePad() ? -pads[i] : 0);
                       Value hi = op.getCountIncludePad()
                                      ? arith::AddIOp::create(b, l, in[i], c(pads[nd + i]))
                                      : in[i];
                       Value taps = c(0);
                       for (int64_t kk = 0; kk < k[i]; ++kk) {
                         Value pos = arith::AddIOp::create(
                             b, l, arith::MulIOp::create(b, l, o, c(s[i])),
                             c(kk * d[i] - low[2 + i]));
                         Value inside = arith::AndIOp::create(
                             b, l,
                             arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, pos, lo),
                             arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, pos, hi));
                         taps = arith::AddIOp::create(
                             b, l, taps, arith::SelectOp::create(b, l, inside, c(1), c(0)));
                       }
                       cnt = arith::MulIOp::create(b, l, cnt, taps);
                     }
                     cnt = arith::MaxSIOp::create(b, l, cnt, c(1));
                     Value f = arith::SIToFPOp::create(
                         b, l, e.type, arith::IndexCastOp::create(b, l, b.getI64Type(), cnt));
                     linalg::YieldOp::create(b, l, arith::DivFOp::create(b, l, args[0], f).getResult());
                   })
                   .getResult(0);
    } else if (kind == PoolKind::Avg) {
      // Divisor per output position: taps inside the input (plus the user's
      // pads with count_include_pad); ceil-mode padding never counts.
      SmallVector<int64_t> oShape(resTy.getShape().drop_front(2));
      int64_t total = 1;
      for (int64_t v : oShape)
        total *= v;
      SmallVector<float> counts(total);
      for (int64_t idx = 0; idx < total; ++idx) {
        int64_t rem = idx, cnt = 1;
        for (int64_t i = nd - 1; i >= 0; --i) {
          int64_t o = rem % oShape[i];
          rem /= oShape[i];
          int64_t in = xt.getDimSize(2 + i);
          int64_t lo = op.getCountIncludePad() ? -pads[i] : 0;
          int64_t hi = op.getCountIncludePad() ? in + pads[nd + i] : in;
          int64_t c = 0;
          for (int64_t kk = 0; kk < k[i]; ++kk) {
            int64_t pos = o * s[i] + kk * d[i] - low[2 + i];
            c += pos >= lo && pos < hi;
          }
          cnt *= c;
        }
        counts[idx] = (float)std::max<int64_t>(cnt, 1);
      }
      SmallVector<int64_t> cShape(2, 1);
      cShape.append(oShape);
      auto cTy = RankedTensorType::get(cShape, rw.getF32Type());
      Value cnt = arith::ConstantOp::create(
          rw, loc, cTy, DenseElementsAttr::get(cTy, ArrayRef<float>(counts)));
      ElemInfo f32 = ElemInfo::of(rw.getF32Type());
      pooled = buildElementwise(rw, loc, resTy, {pooled, cnt},
                                [&](OpBuilder &b, Location l, ValueRange v) -> Value {
                                  return arith::DivFOp::create(
                                      b, l, v[0], castScalar(b, l, v[1], f32, e));
                                });
    }
    rw.replaceOp(op, pooled);
    return success();
  }
};

struct BatchNormLowering : StaticLowering<BatchNormOp> {
  using StaticLowering::StaticLowering;
  bool dynamicExtents(BatchNormOp) const override { return true; }
  LogicalResult lower(BatchNormOp op, OpAdaptor a,
                      ConversionPatternRewriter &rw) const override {
    auto resTy = resultType(op);
    MLIRContext *ctx = rw.getContext();
    int64_t r = resTy.getRank();
    AffineMap ch = AffineMap::get(r, 0, {getAffineDimExpr(1, ctx)}, ctx);
    double eps = op.getEpsilon().convertToDouble();
    Value y = mapGeneric(
        rw, op.getLoc(), resTy,
        {a.getInput(), a.getScale(), a.getBias(), a.getMean(), a.getVariance()},
        {AffineMap::getMultiDimIdentityMap(r, ctx), ch, ch, ch, ch},
        [&](OpBuilder &b, Location l, ValueRange v) -> Value {
          Value inv = math::RsqrtOp::create(
              b, l, arith::AddFOp::create(b, l, v[4], scalarConst(b, l, resTy.getElementType(), eps)));
          Value n = arith::MulFOp::create(b, l, arith::SubFOp::create(b, l, v[0], v[3]), inv);
          return arith::AddFOp::create(b, l, arith::MulFOp::create(b, l, n, v[1]), v[2]);
        });
    return replaceOrFail(op, y, rw);
  }
};

/// (x - mean) * rsqrt(var + eps) over the dims `axes` of x.
Value normalize(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> axes,
                double eps, ElemInfo e) {
  auto [mean, var] = meanVar(b, loc, x, axes, e);
  auto xt = cast<RankedTensorType>(x.getType());
  MLIRContext *ctx = b.getContext();
  AffineMap kept = keptDimsMap(ctx, xt.getRank(), axes);
  return mapGeneric(b, loc, xt, {x, mean, var},
                    {AffineMap::getMultiDimIdentityMap(xt.getRank(), ctx), kept, kept},
                    [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
                      Value inv = math::RsqrtOp::create(
                          nb, l, arith::AddFOp::create(nb, l, v[2],
                                                       scalarConst(nb, l, e.type, eps)));
                      return arith::MulFOp::create(
                          nb, l, arith::SubFOp::create(nb, l, v[0], v[1]), inv);
                    });
}

struct LayerNormLowering : StaticLowering<LayerNormOp> {
  using StaticLowering::StaticLowering;
  /// Open extents outside the normalized dims.
  bool dynamicExtents(LayerNormOp op) const override {
    auto t = op.getInput().getType();
    for (int64_t d = op.getAxis(); d < t.getRank(); ++d)
      if (t.isDynamicDim(d))
        return false;
    return true;
  }
  LogicalResult lower(LayerNormOp op, OpAdaptor a,
                      ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto resTy = resultType(op);
    ElemInfo e = ElemInfo::of(op.getType());
    auto axes = llvm::to_vector(llvm::seq<int64_t>(op.getAxis(), resTy.getRank()));
    Value n = normalize(rw, loc, a.getInput(), axes, op.getEpsilon().convertToDouble(), e);
    SmallVector<Value> ins = {n, a.getScale()};
    if (a.getBias())
      ins.push_back(a.getBias());
    Value y = buildElementwise(rw, loc, resTy, ins,
                               [&](OpBuilder &b, Location l, ValueRange v) -> Value {
                                 Value r = arith::MulFOp::create(b, l, v[0], v[1]);
                                 return v.size() > 2 ? arith::AddFOp::create(b, l, r, v[2])
                                                     : r;
                               });
    return replaceOrFail(op, y, rw);
  }
};

struct GroupNormLowering : StaticLowering<GroupNormOp> {
  using StaticLowering::StaticLowering;
  /// Open batch and spatial extents (channels static).
  bool dynamicExtents(GroupNormOp op) const override {
    return !op.getInput().getType().isDynamicDim(1);
  }
  LogicalResult lower(GroupNormOp op, OpAdaptor a,
                      ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    auto resTy = resultType(op);
    ElemInfo e = ElemInfo::of(op.getType());
    int64_t N = resTy.getDimSize(0), G = op.getNumGroups();
    Value n;
    if (resTy.hasStaticShape()) {
      auto grouped = RankedTensorType::get({N, G, resTy.getNumElements() / (N * G)},
                                           e.type);
      Value xg = reshapeStatic(rw, loc, a.getInput(), grouped);
      n = normalize(rw, loc, xg, {2}, op.getEpsilon().convertToDouble(), e);
      n = reshapeStatic(rw, loc, n, resTy);
    } else {
      // Open extents: channels split into [G, C/G] (an expand with one open
      // extent per group at most), normalized over everything after G.
      SmallVector<int64_t> shape = {N, G, resTy.getDimSize(1) / G};
      SmallVector<ReassociationIndices> re = {{0}, {1, 2}};
      SmallVector<int64_t> axes = {2};
      for (int64_t d = 2; d < resTy.getRank(); ++d) {
        shape.push_back(resTy.getDimSize(d));
        re.push_back({d + 1});
        axes.push_back(d + 1);
      }
      Value xg = tensor::ExpandShapeOp::create(rw, loc, RankedTensorType::get(shape, e.type),
                                               a.getInput(), re);
      // The counts of the mean and variance are static only when the
      // normalized dims are; open ones are counted at run time.
      n = normalize(rw, loc, xg, axes, op.getEpsilon().convertToDouble(), e);
      n = tensor::CollapseShapeOp::create(rw, loc, resTy, n, re);
    }
    int64_t r = resTy.getRank();
    AffineMap ch = AffineMap::get(r, 0, {getAffineDimExpr(1, ctx)}, ctx);
    Value y = mapGeneric(rw, loc, resTy, {n, a.getScale(), a.getBias()},
                         {AffineMap::getMultiDimIdentityMap(r, ctx), ch, ch},
                         [&](OpBuilder &b, Location l, ValueRange v) -> Value {
                           return arith::AddFOp::create(
                               b, l, arith::MulFOp::create(b, l, v[0], v[1]), v[2]);
                         });
    rw.replaceOp(op, y);
    return success();
  }
};

struct SoftmaxLowering : StaticLowering<SoftmaxOp> {
  using StaticLowering::StaticLowering;
  bool dynamicExtents(SoftmaxOp) const override { return true; }
  LogicalResult lower(SoftmaxOp op, OpAdaptor a,
                      ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    auto resTy = resultType(op);
    ElemInfo e = ElemInfo::of(op.getType());
    int64_t axis = op.getAxis(), r = resTy.getRank();
    Value x = a.getInput();
    Value m = buildReduction(rw, loc, x, {axis}, extremeConst(rw, loc, e, false),
                             [&](OpBuilder &b, Location l, Value v, Value acc) {
                               return emitMax(b, l, acc, v, e);
                             });
    AffineMap id = AffineMap::getMultiDimIdentityMap(r, ctx);
    AffineMap kept = keptDimsMap(ctx, r, {axis});
    // exp(x - m); a row of -inf keeps m finite so it yields NaN like ONNX.
    Value ex = mapGeneric(rw, loc, resTy, {x, m}, {id, kept},
                          [&](OpBuilder &b, Location l, ValueRange v) -> Value {
                            return math::ExpOp::create(
                                b, l, arith::SubFOp::create(b, l, v[0], v[1]));
                          });
    Value s = buildReduction(rw, loc, ex, {axis}, scalarConst(rw, loc, e.type, 0),
                             [&](OpBuilder &b, Location l, Value v, Value acc) {
                               return arith::AddFOp::create(b, l, acc, v);
                             });
    Value y;
    if (op.getLog())
      y = mapGeneric(rw, loc, resTy, {x, m, s}, {id, kept, kept},
                     [&](OpBuilder &b, Location l, ValueRange v) -> Value {
                       return arith::SubFOp::create(
                           b, l, arith::SubFOp::create(b, l, v[0], v[1]),
                           math::LogOp::create(b, l, v[2]));
                     });
    else
      y = mapGeneric(rw, loc, resTy, {ex, s}, {id, kept},
                     [&](OpBuilder &b, Location l, ValueRange v) -> Value {
                       return arith::DivFOp::create(b, l, v[0], v[1]);
                     });
    rw.replaceOp(op, y);
    return success();
  }
};

} // namespace

void lowering::populateReductionPatterns(TypeConverter &tc, RewritePatternSet &p) {
  p.add<ReduceLowering, PoolLowering, BatchNormLowering, LayerNormLowering,
        GroupNormLowering, SoftmaxLowering>(tc, p.getContext());
}
