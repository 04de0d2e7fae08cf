//===- Bounded.cpp - lowering of ops with data-dependent result sizes -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// autoglm.nonzero, autoglm.unique, autoglm.non_max_suppression and
// autoglm.top_k as scalar scf loops over tensors (tensor.extract /
// tensor.insert, bufferized in place). The first three write a buffer of its result's bound
// (autoglm::resultBound) and returns the slice of the entries it produced; the count is clamped by
// an affine.min, so later ops and the function boundary see a bounded
// extent (docs/architecture.md, "Bounded results").
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {

/// Scalar builders for one lowering.
struct Scalars {
  OpBuilder &b;
  Location loc;
  Scalars(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value i64(int64_t v) { return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v); }
  Value flag(bool v) { return arith::ConstantIntOp::create(b, loc, b.getI1Type(), v); }
  Value toI64(Value index) { return arith::IndexCastOp::create(b, loc, b.getI64Type(), index); }
  Value toIndex(Value i) { return arith::IndexCastOp::create(b, loc, b.getIndexType(), i); }
  Value at(Value t, ValueRange ix) { return tensor::ExtractOp::create(b, loc, t, ix); }
  Value put(Value v, Value t, ValueRange ix) { return tensor::InsertOp::create(b, loc, v, t, ix); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value andI(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value orI(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value notI(Value x) { return arith::XOrIOp::create(b, loc, x, flag(true)); }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  Value select(Value c, Value x, Value y) { return arith::SelectOp::create(b, loc, c, x, y); }
  /// x != y and x < y for elements of `e` (floats ordered; NaN is unequal
  /// to everything).
  Value ne(Value x, Value y, ElemInfo e) {
    return e.isFloat ? arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, x, y).getResult()
                     : cmp(arith::CmpIPredicate::ne, x, y);
  }
  Value lt(Value x, Value y, ElemInfo e) {
    if (e.isFloat)
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, y);
    return cmp(e.isUnsigned ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt, x, y);
  }
  Value toF32(Value v) {
    Type f32 = b.getF32Type();
    if (v.getType() == f32)
      return v;
    if (v.getType().getIntOrFloatBitWidth() < 32)
      return arith::ExtFOp::create(b, loc, f32, v);
    return arith::TruncFOp::create(b, loc, f32, v);
  }
  Value fmin(Value x, Value y) { return arith::MinimumFOp::create(b, loc, x, y); }
  Value fmax(Value x, Value y) { return arith::MaximumFOp::create(b, loc, x, y); }
  Value fsub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value fadd(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value fmul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value fcmp(arith::CmpFPredicate p, Value x, Value y) {
    return arith::CmpFOp::create(b, loc, p, x, y);
  }

  /// for i in [lo, hi) with `init` carried; `body` returns the next values.
  ValueRange loop(Value lo, Value hi, ValueRange init,
                  llvm::function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    auto f = scf::ForOp::create(b, loc, lo, hi, idx(1), init,
                                [&](OpBuilder &, Location, Value i, ValueRange it) {
                                  scf::YieldOp::create(b, loc, body(i, it));
                                });
    return f.getResults();
  }
  /// `then` when `c`, else `init` unchanged.
  ValueRange when(Value c, ValueRange init, llvm::function_ref<SmallVector<Value>()> then) {
    auto f = scf::IfOp::create(
        b, loc, c, [&](OpBuilder &, Location) { scf::YieldOp::create(b, loc, then()); },
        [&](OpBuilder &, Location) { scf::YieldOp::create(b, loc, init); });
    return f.getResults();
  }
  /// min(count, bound): the extent later ops and the boundary can bound.
  Value clamp(Value count, int64_t bound) {
    AffineMap m = AffineMap::get(1, 0, {b.getAffineDimExpr(0), b.getAffineConstantExpr(bound)},
                                 b.getContext());
    return affine::AffineMinOp::create(b, loc, m, ValueRange{count});
  }
  /// The first `sizes` of `t` (static where given as attributes).
  Value head(Value t, ArrayRef<OpFoldResult> sizes, RankedTensorType type) {
    SmallVector<OpFoldResult> offsets(sizes.size(), b.getIndexAttr(0)),
        strides(sizes.size(), b.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(b, loc, type, t, offsets, sizes, strides);
  }
};

RankedTensorType tensorOf(ArrayRef<int64_t> shape, Type elem) {
  return RankedTensorType::get(shape, elem);
}

struct LowerNonZero : StaticLowering<NonZeroOp> {
  using StaticLowering::StaticLowering;
  bool dynamicExtents(NonZeroOp) const override { return true; }
  LogicalResult lower(NonZeroOp op, Adaptor a, ConversionPatternRewriter &rw) const override {
    auto inT = cast<RankedTensorType>(a.getInput().getType());
    if (!inT.hasStaticShape())
      return op.emitError() << "NonZero of an input with open extents is not lowered";
    Scalars s(rw, op.getLoc());
    ElemInfo e = ElemInfo::of(op.getInput().getType());
    SmallVector<int64_t> bound = *resultBound(op.getResult());
    int64_t r = inT.getRank();
    Value buf = fillTensor(rw, op.getLoc(), tensorOf(bound, rw.getI64Type()), s.i64(0));
    Value zero = scalarConst(rw, op.getLoc(), e.type, 0.0);
    ValueRange res = s.loop(s.idx(0), s.idx(inT.getNumElements()), {buf, s.idx(0)},
                            [&](Value i, ValueRange it) -> SmallVector<Value> {
                              SmallVector<Value> ix(r);
                              Value rest = i;
                              for (int64_t d = r - 1; d >= 0; --d) {
                                Value ext = s.idx(inT.getDimSize(d));
                                ix[d] = arith::RemUIOp::create(rw, op.getLoc(), rest, ext);
                                rest = arith::DivUIOp::create(rw, op.getLoc(), rest, ext);
                              }
                              Value nz = s.ne(s.at(a.getInput(), ix), zero, e);
                              ValueRange next = s.when(nz, it, [&]() -> SmallVector<Value> {
                                Value t = it[0];
                                for (int64_t d = 0; d < r; ++d)
                                  t = s.put(s.toI64(ix[d]), t, {s.idx(d), it[1]});
                                return {t, s.add(it[1], s.idx(1))};
                              });
                              return {next[0], next[1]};
                            });
    Value count = s.clamp(res[1], bound[1]);
    rw.replaceOp(op, s.head(res[0], {rw.getIndexAttr(r), count}, resultType(op)));
    return success();
  }
};

struct LowerUnique : StaticLowering<UniqueOp> {
  using StaticLowering::StaticLowering;
  bool dynamicExtents(UniqueOp) const override { return true; }
  LogicalResult lower(UniqueOp op, Adaptor a, ConversionPatternRewriter &rw) const override {
    auto inT = cast<RankedTensorType>(a.getInput().getType());
    if (!inT.hasStaticShape())
      return op.emitError() << "Unique of an input with open extents is not lowered";
    Location loc = op.getLoc();
    Scalars s(rw, loc);
    ElemInfo e = ElemInfo::of(op.getInput().getType());
    Type i64 = rw.getI64Type();
    int64_t n = inT.getDimSize(0), width = inT.getDimSize(1);
    int64_t bound = (*resultBound(op.getIndices()))[0];
    Value x = a.getInput(), c0 = s.idx(0), c1 = s.idx(1), w = s.idx(width);
    auto zeros = [&](ArrayRef<int64_t> shape, Type t) {
      return fillTensor(rw, loc, tensorOf(shape, t), scalarConst(rw, loc, t, 0.0));
    };
    // Row `i` of `p` equals row `j` of `q` / orders before it.
    auto rowEq = [&](Value p, Value i, Value q, Value j) {
      return s.loop(c0, w, {s.flag(true)}, [&](Value c, ValueRange it) -> SmallVector<Value> {
        return {s.andI(it[0], s.notI(s.ne(s.at(p, {i, c}), s.at(q, {j, c}), e)))};
      })[0];
    };
    auto rowLess = [&](Value p, Value i, Value j) {
      return s.loop(c0, w, {s.flag(false), s.flag(false)},
                    [&](Value c, ValueRange it) -> SmallVector<Value> {
                      Value u = s.at(p, {i, c}), v = s.at(p, {j, c});
                      Value differ = s.andI(s.notI(it[0]), s.ne(u, v, e));
                      return {s.orI(it[0], differ), s.select(differ, s.lt(u, v, e), it[1])};
                    })[1];
    };
    auto copyRow = [&](Value from, Value i, Value to, Value j) {
      return s.loop(c0, w, {to}, [&](Value c, ValueRange it) -> SmallVector<Value> {
        return {s.put(s.at(from, {i, c}), it[0], {j, c})};
      })[0];
    };

    // Distinct rows in order of first occurrence.
    Value vals = zeros({bound, width}, e.type), idxs = zeros({bound}, i64),
          cnts = zeros({bound}, i64), inv = zeros({n}, i64);
    ValueRange first =
        s.loop(c0, s.idx(n), {vals, idxs, cnts, inv, c0}, [&](Value i, ValueRange it) {
          Value u = it[4];
          // The row of `vals` equal to row i, or u.
          Value pos = s.loop(c0, u, {u}, [&](Value j, ValueRange p) -> SmallVector<Value> {
            Value hit = s.andI(s.cmp(arith::CmpIPredicate::eq, p[0], u), rowEq(it[0], j, x, i));
            return {s.select(hit, j, p[0])};
          })[0];
          Value isNew = s.cmp(arith::CmpIPredicate::eq, pos, u);
          auto f = scf::IfOp::create(
              rw, loc, isNew,
              [&](OpBuilder &, Location) {
                scf::YieldOp::create(rw, loc,
                                     ValueRange{copyRow(x, i, it[0], u),
                                                s.put(s.toI64(i), it[1], {u}),
                                                s.put(s.i64(1), it[2], {u}),
                                                s.put(s.toI64(u), it[3], {i}), s.add(u, c1)});
              },
              [&](OpBuilder &, Location) {
                Value more = arith::AddIOp::create(rw, loc, s.at(it[2], {pos}), s.i64(1));
                scf::YieldOp::create(rw, loc,
                                     ValueRange{it[0], it[1], s.put(more, it[2], {pos}),
                                                s.put(s.toI64(pos), it[3], {i}), u});
              });
          return SmallVector<Value>(f.getResults());
        });
    vals = first[0], idxs = first[1], cnts = first[2], inv = first[3];
    Value u = first[4];
    if (op.getSorted()) {
      // Each distinct row's rank (how many order before it), then
      // everything moved to its rank.
      Value rank = s.loop(c0, u, {zeros({bound}, i64)}, [&](Value j, ValueRange it) {
        Value below = s.loop(c0, u, {s.i64(0)}, [&](Value k, ValueRange c) -> SmallVector<Value> {
          Value less = arith::ExtUIOp::create(rw, loc, i64, rowLess(vals, k, j));
          return {arith::AddIOp::create(rw, loc, c[0], less)};
        })[0];
        return SmallVector<Value>{s.put(below, it[0], {j})};
      })[0];
      ValueRange moved =
          s.loop(c0, u, {zeros({bound, width}, e.type), zeros({bound}, i64), zeros({bound}, i64)},
                 [&](Value j, ValueRange it) -> SmallVector<Value> {
                   Value r = s.toIndex(s.at(rank, {j}));
                   return {copyRow(vals, j, it[0], r), s.put(s.at(idxs, {j}), it[1], {r}),
                           s.put(s.at(cnts, {j}), it[2], {r})};
                 });
      vals = moved[0], idxs = moved[1], cnts = moved[2];
      inv = s.loop(c0, s.idx(n), {inv}, [&](Value i, ValueRange it) -> SmallVector<Value> {
        return {s.put(s.at(rank, {s.toIndex(s.at(it[0], {i}))}), it[0], {i})};
      })[0];
    }
    Value count = s.clamp(u, bound);
    rw.replaceOp(
        op, {s.head(vals, {count, rw.getIndexAttr(width)}, converted(op.getValues().getType())),
             s.head(idxs, {count}, converted(op.getIndices().getType())), inv,
             s.head(cnts, {count}, converted(op.getCounts().getType()))});
    return success();
  }
};

/// TopK as scalar loops: per slice along the axis, the k best so far kept
/// sorted in the results; an entry that beats the k-th (or arrives while
/// fewer than k are kept) goes to its place, the entries after it move one
/// down. O(n) compares plus O(k) per entry that enters: about k (1 +
/// ln(n / k)) of them on data in no particular order, instead of the k
/// passes over the slice of a selection.
struct LowerTopK : StaticLowering<TopKOp> {
  using StaticLowering::StaticLowering;
  bool dynamicExtents(TopKOp) const override { return true; }
  LogicalResult lower(TopKOp op, Adaptor a, ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    Scalars s(rw, loc);
    Value x = a.getInput();
    auto inT = cast<RankedTensorType>(x.getType());
    ElemInfo e = ElemInfo::of(op.getInput().getType());
    int64_t rank = inT.getRank(), axis = op.getAxis(), k = op.getK();
    bool largest = op.getLargest();
    SmallVector<Value> ext;
    for (int64_t d = 0; d < rank; ++d)
      ext.push_back(tensor::DimOp::create(rw, loc, x, d));
    Value n = ext[axis], ck = s.idx(k);
    if (inT.isDynamicDim(axis))
      emitRuntimeCheck(rw, loc, s.cmp(arith::CmpIPredicate::uge, n, ck),
                       "TopK: the axis' extent is below k");
    auto emptyOf = [&](RankedTensorType t) {
      SmallVector<Value> dyn;
      for (int64_t d = 0; d < rank; ++d)
        if (t.isDynamicDim(d))
          dyn.push_back(ext[d]);
      Value zero = t.getElementType() == e.type ? scalarConst(rw, loc, e.type, 0.0) : s.i64(0);
      return linalg::FillOp::create(rw, loc, zero,
                                    tensor::EmptyOp::create(rw, loc, t, dyn).getResult())
          .getResult(0);
    };
    auto valT = converted(op.getValues().getType()), idxT = converted(op.getIndices().getType());
    // The verifier allows an open result extent where the input's is
    // known; make both take the input's.
    SmallVector<int64_t> shape(inT.getShape());
    shape[axis] = k;
    auto vT = tensorOf(shape, valT.getElementType()), iT = tensorOf(shape, idxT.getElementType());
    // better(p, q): p ranks before q (NaN never before a number).
    auto better = [&](Value p, Value q) -> Value {
      if (!e.isFloat)
        return s.cmp(largest
                         ? (e.isUnsigned ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt)
                         : (e.isUnsigned ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt),
                     p, q);
      using P = arith::CmpFPredicate;
      Value strict = s.fcmp(largest ? P::OGT : P::OLT, p, q);
      return s.orI(strict, s.andI(s.fcmp(P::UNO, q, q), s.fcmp(P::ORD, p, p)));
    };
    Value c0 = s.idx(0), c1 = s.idx(1);
    // Nested loops over every dim but the axis, then the slice.
    std::function<SmallVector<Value>(int64_t, SmallVector<Value> &, ValueRange)> nest =
        [&](int64_t d, SmallVector<Value> &ix, ValueRange res) -> SmallVector<Value> {
      if (d == axis)
        return nest(d + 1, ix, res);
      if (d < rank)
        return SmallVector<Value>(s.loop(c0, ext[d], res, [&](Value i, ValueRange it) {
          ix[d] = i;
          return nest(d + 1, ix, it);
        }));
      auto at = [&](Value p) {
        SmallVector<Value> j(ix);
        j[axis] = p;
        return j;
      };
      ValueRange r =
          s.loop(c0, n, {res[0], res[1], c0}, [&](Value j, ValueRange it) -> SmallVector<Value> {
            Value v = s.at(x, at(j));
            Value cnt = it[2];
            Value full = s.cmp(arith::CmpIPredicate::eq, cnt, ck);
            Value last = s.at(it[0], at(s.idx(k - 1)));
            Value enter = s.orI(s.notI(full), better(v, last));
            return SmallVector<Value>(s.when(enter, it, [&]() -> SmallVector<Value> {
              // The entries that stay: all kept, or the first k - 1.
              Value m = s.select(full, s.idx(k - 1), cnt);
              Value pos = s.loop(c0, m, {c0}, [&](Value t, ValueRange p) -> SmallVector<Value> {
                Value stays = s.notI(better(v, s.at(it[0], at(t))));
                return {s.select(stays, s.add(p[0], c1), p[0])};
              })[0];
              Value moves = arith::SubIOp::create(rw, loc, m, pos);
              ValueRange sh = s.loop(c0, moves, {it[0], it[1]},
                                     [&](Value t, ValueRange q) -> SmallVector<Value> {
                                       Value dst = arith::SubIOp::create(rw, loc, m, t);
                                       Value src = arith::SubIOp::create(rw, loc, dst, c1);
                                       return {s.put(s.at(q[0], at(src)), q[0], at(dst)),
                                               s.put(s.at(q[1], at(src)), q[1], at(dst))};
                                     });
              Value vals = s.put(v, sh[0], at(pos));
              Value idxs = s.put(s.toI64(j), sh[1], at(pos));
              Value next = s.select(full, cnt, s.add(cnt, c1));
              return {vals, idxs, next};
            }));
          });
      return {r[0], r[1]};
    };
    SmallVector<Value> ix(rank, c0);
    SmallVector<Value> res = nest(0, ix, {emptyOf(vT), emptyOf(iT)});
    Value vals = res[0], idxs = res[1];
    if (vals.getType() != valT)
      vals = tensor::CastOp::create(rw, loc, valT, vals);
    if (idxs.getType() != idxT)
      idxs = tensor::CastOp::create(rw, loc, idxT, idxs);
    rw.replaceOp(op, {vals, idxs});
    return success();
  }
};

struct LowerNonMaxSuppression : StaticLowering<NonMaxSuppressionOp> {
  using StaticLowering::StaticLowering;
  bool dynamicExtents(NonMaxSuppressionOp) const override { return true; }
  LogicalResult lower(NonMaxSuppressionOp op, Adaptor a,
                      ConversionPatternRewriter &rw) const override {
    auto boxT = cast<RankedTensorType>(a.getBoxes().getType());
    auto scoreT = cast<RankedTensorType>(a.getScores().getType());
    if (!boxT.hasStaticShape() || !scoreT.hasStaticShape())
      return op.emitError() << "NonMaxSuppression with open extents is not lowered";
    Location loc = op.getLoc();
    Scalars s(rw, loc);
    Type i64 = rw.getI64Type(), f32 = rw.getF32Type();
    int64_t batches = scoreT.getDimSize(0), classes = scoreT.getDimSize(1),
            spatial = scoreT.getDimSize(2), perClass = op.getPerClassBound();
    int64_t bound = (*resultBound(op.getResult()))[0];
    bool center = op.getCenterPointBox();
    Value c0 = s.idx(0), c1 = s.idx(1), none = s.idx(spatial);
    auto first = [&](Value t) {
      auto tt = cast<RankedTensorType>(t.getType());
      return s.at(t, SmallVector<Value>(tt.getRank(), c0));
    };
    Value maxOut = first(a.getMaxPerClass());
    maxOut = arith::MaxSIOp::create(
        rw, loc, arith::MinSIOp::create(rw, loc, maxOut, s.i64(perClass)), s.i64(0));
    Value limit = s.toIndex(maxOut);
    Value iouThr = s.toF32(first(a.getIouThreshold()));
    Value scoreThr = s.toF32(first(a.getScoreThreshold()));
    Value fzero = arith::ConstantOp::create(rw, loc, rw.getF32FloatAttr(0));
    Value fhalf = arith::ConstantOp::create(rw, loc, rw.getF32FloatAttr(0.5));

    // The box's [xmin, ymin, xmax, ymax] and area.
    auto corners = [&](Value b, Value i) {
      SmallVector<Value> v;
      for (int64_t k = 0; k < 4; ++k)
        v.push_back(s.toF32(s.at(a.getBoxes(), {b, i, s.idx(k)})));
      SmallVector<Value> c;
      if (center) {
        Value hw = s.fmul(v[2], fhalf), hh = s.fmul(v[3], fhalf);
        c = {s.fsub(v[0], hw), s.fsub(v[1], hh), s.fadd(v[0], hw), s.fadd(v[1], hh)};
      } else {
        c = {s.fmin(v[1], v[3]), s.fmin(v[0], v[2]), s.fmax(v[1], v[3]), s.fmax(v[0], v[2])};
      }
      c.push_back(s.fmul(s.fsub(c[2], c[0]), s.fsub(c[3], c[1])));
      return c;
    };
    // IoU(p, q) > threshold, as ONNX Runtime computes it.
    auto suppresses = [&](ArrayRef<Value> p, ArrayRef<Value> q) {
      Value iw = s.fsub(s.fmin(p[2], q[2]), s.fmax(p[0], q[0]));
      Value ih = s.fsub(s.fmin(p[3], q[3]), s.fmax(p[1], q[1]));
      Value inter = s.fmul(s.fmax(iw, fzero), s.fmax(ih, fzero));
      Value uni = s.fsub(s.fadd(p[4], q[4]), inter);
      using P = arith::CmpFPredicate;
      Value valid = s.andI(s.andI(s.fcmp(P::OGT, inter, fzero), s.fcmp(P::OGT, p[4], fzero)),
                           s.andI(s.fcmp(P::OGT, q[4], fzero), s.fcmp(P::OGT, uni, fzero)));
      Value one = arith::ConstantOp::create(rw, loc, rw.getF32FloatAttr(1));
      Value iou = arith::DivFOp::create(rw, loc, inter, s.select(valid, uni, one));
      return s.andI(valid, s.fcmp(P::OGT, iou, iouThr));
    };

    // Per batch and class: the boxes over the score threshold in selection
    // order (descending score, the lower index first on ties: an insertion
    // sort whose places a binary search finds), then one pass over them,
    // each tested against the corners and areas of the ones selected so
    // far (kept together, [selected, 5]) until one suppresses it.
    int64_t steps = llvm::Log2_64_Ceil(spatial + 1);
    Value out = fillTensor(rw, loc, tensorOf({bound, 3}, i64), s.i64(0));
    Value order = fillTensor(rw, loc, tensorOf({spatial}, rw.getIndexType()), c0);
    Value kept = fillTensor(rw, loc, tensorOf({std::max<int64_t>(perClass, 1), 5}, f32), fzero);
    Value c2 = s.idx(2);
    ValueRange done =
        s.loop(c0, s.idx(batches), {out, order, kept, c0}, [&](Value b, ValueRange bi) {
          return SmallVector<Value>(
              s.loop(c0, s.idx(classes), bi, [&](Value c, ValueRange ci) -> SmallVector<Value> {
                auto score = [&](Value i) { return s.toF32(s.at(a.getScores(), {b, c, i})); };
                ValueRange sorted = s.loop(
                    c0, none, {ci[1], c0}, [&](Value i, ValueRange it) -> SmallVector<Value> {
                      Value sc = score(i);
                      Value over = s.fcmp(arith::CmpFPredicate::OGT, sc, scoreThr);
                      return SmallVector<Value>(s.when(over, it, [&]() -> SmallVector<Value> {
                        Value m = it[1];
                        // The first place whose box scores below sc.
                        ValueRange lh = s.loop(
                            c0, s.idx(steps), {c0, m},
                            [&](Value, ValueRange r) -> SmallVector<Value> {
                              Value open = s.cmp(arith::CmpIPredicate::ult, r[0], r[1]);
                              Value mid = arith::DivUIOp::create(rw, loc, s.add(r[0], r[1]), c2);
                              Value midC = s.select(open, mid, c0);
                              Value other = score(s.at(it[0], {midC}));
                              Value before = s.notI(s.fcmp(arith::CmpFPredicate::OGT, sc, other));
                              Value goRight = s.andI(open, before);
                              Value goLeft = s.andI(open, s.notI(before));
                              return {s.select(goRight, s.add(mid, c1), r[0]),
                                      s.select(goLeft, mid, r[1])};
                            });
                        Value pos = lh[0];
                        Value moves = arith::SubIOp::create(rw, loc, m, pos);
                        Value o = s.loop(c0, moves, {it[0]},
                                         [&](Value t, ValueRange q) -> SmallVector<Value> {
                                           Value dst = arith::SubIOp::create(rw, loc, m, t);
                                           Value src = arith::SubIOp::create(rw, loc, dst, c1);
                                           return {s.put(s.at(q[0], {src}), q[0], {dst})};
                                         })[0];
                        return {s.put(i, o, {pos}), s.add(m, c1)};
                      }));
                    });
                ValueRange r = s.loop(
                    c0, sorted[1], {ci[0], ci[2], c0, ci[3]},
                    [&](Value t, ValueRange it) -> SmallVector<Value> {
                      Value more = s.cmp(arith::CmpIPredicate::ult, it[2], limit);
                      return SmallVector<Value>(s.when(more, it, [&]() -> SmallVector<Value> {
                        Value k = s.at(sorted[0], {t});
                        SmallVector<Value> p = corners(b, k);
                        Value hit = s.loop(c0, it[2], {s.flag(false)},
                                           [&](Value j, ValueRange h) -> SmallVector<Value> {
                                             return SmallVector<Value>(s.when(
                                                 s.notI(h[0]), h, [&]() -> SmallVector<Value> {
                                                   SmallVector<Value> q;
                                                   for (int64_t f = 0; f < 5; ++f)
                                                     q.push_back(s.at(it[1], {j, s.idx(f)}));
                                                   return {suppresses(p, q)};
                                                 }));
                                           })[0];
                        return SmallVector<Value>(
                            s.when(s.notI(hit), it, [&]() -> SmallVector<Value> {
                              Value o = it[0], row = it[3], sel = it[1];
                              o = s.put(s.toI64(b), o, {row, s.idx(0)});
                              o = s.put(s.toI64(c), o, {row, s.idx(1)});
                              o = s.put(s.toI64(k), o, {row, s.idx(2)});
                              for (int64_t f = 0; f < 5; ++f)
                                sel = s.put(p[f], sel, {it[2], s.idx(f)});
                              return {o, sel, s.add(it[2], c1), s.add(row, c1)};
                            }));
                      }));
                    });
                return {r[0], sorted[0], r[1], r[3]};
              }));
        });
    Value count = s.clamp(done[3], bound);
    rw.replaceOp(op, s.head(done[0], {count, rw.getIndexAttr(3)}, resultType(op)));
    return success();
  }
};

} // namespace

void lowering::populateBoundedPatterns(TypeConverter &tc, RewritePatternSet &p) {
  p.add<LowerNonZero, LowerUnique, LowerNonMaxSuppression, LowerTopK>(tc, p.getContext());
}
