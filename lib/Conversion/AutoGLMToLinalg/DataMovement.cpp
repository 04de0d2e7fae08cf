//===- DataMovement.cpp - data-movement autoglm ops to tensor/linalg -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// reshape, transpose, slice, concat, split, gather, gather_elements,
// scatter_elements, pad, tile, shape. Index arithmetic on runtime data
// (gather indices, reflect padding) clamps into range so that bad indices
// can never read outside a buffer.
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "mlir/Dialect/Math/IR/Math.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {

Value idx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// The extent of `v`'s dim `d`: a constant, or read at run time.
Value extentOf(OpBuilder &b, Location loc, Value v, int64_t d) {
  auto t = cast<RankedTensorType>(v.getType());
  if (!t.isDynamicDim(d))
    return idx(b, loc, t.getDimSize(d));
  return tensor::DimOp::create(b, loc, v, d);
}

/// An integer index value from the data, wrapped if negative and clamped
/// into [0, dim) (out-of-range indices also fail checkIndices' run-time
/// check when the model has a status buffer). `dim` is an index value.
Value normalizeIndex(OpBuilder &b, Location loc, Value v, Value dim) {
  Value i = arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
  Value zero = idx(b, loc, 0);
  Value neg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, i, zero);
  i = arith::SelectOp::create(b, loc, neg, arith::AddIOp::create(b, loc, i, dim), i);
  i = arith::MaxSIOp::create(b, loc, i, zero);
  Value last =
      arith::MaxSIOp::create(b, loc, arith::SubIOp::create(b, loc, dim, idx(b, loc, 1)), zero);
  return arith::MinSIOp::create(b, loc, i, last);
}

/// Indices from the data (not a constant) must lie in [-dim, dim): one pass
/// over them and-reduces the test into a flag for emitRuntimeCheck (the
/// lowering still clamps, so nothing is read outside the data even before
/// the runtime refuses the run).
void checkIndices(OpBuilder &b, Location loc, Value indices, Value dim) {
  if (matchPattern(indices, m_Constant()))
    return;
  auto it = cast<RankedTensorType>(indices.getType());
  Type i1 = b.getI1Type();
  auto flagTy = RankedTensorType::get({}, i1);
  Value init = fillTensor(b, loc, flagTy, arith::ConstantIntOp::create(b, loc, i1, 1));
  Value low = arith::SubIOp::create(b, loc, idx(b, loc, 0), dim);
  int64_t r = it.getRank();
  auto all = linalg::GenericOp::create(
      b, loc, flagTy, ValueRange{indices}, ValueRange{init},
      SmallVector<AffineMap>{AffineMap::getMultiDimIdentityMap(r, b.getContext()),
                             AffineMap::get(r, 0, {}, b.getContext())},
      SmallVector<utils::IteratorType>(r, utils::IteratorType::reduction),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value v = arith::IndexCastOp::create(nb, nl, nb.getIndexType(), args[0]);
        Value in = arith::AndIOp::create(
            nb, nl, arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sge, v, low),
            arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt, v, dim));
        linalg::YieldOp::create(nb, nl, arith::AndIOp::create(nb, nl, args[1], in).getResult());
      });
  Value ok = tensor::ExtractOp::create(b, loc, all.getResult(0), ValueRange{});
  emitRuntimeCheck(b, loc, ok, "indices out of range");
}

/// linalg.generic over `resTy` whose body computes each element from the
/// loop indices (and optional inputs read through `maps`), into `dest` when
/// given (open extents) or a new static tensor.
Value indexGeneric(OpBuilder &b, Location loc, RankedTensorType resTy,
                   ValueRange inputs, ArrayRef<AffineMap> maps,
                   function_ref<Value(OpBuilder &, Location, ValueRange /*ivs*/,
                                      ValueRange /*inputs*/)>
                       body,
                   Value dest = {}) {
  SmallVector<AffineMap> all(maps);
  all.push_back(AffineMap::getMultiDimIdentityMap(resTy.getRank(), b.getContext()));
  SmallVector<utils::IteratorType> iters(resTy.getRank(), utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, resTy, inputs, ValueRange{dest ? dest : emptyTensor(b, loc, resTy)}, all,
             iters,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               SmallVector<Value> ivs;
               for (int64_t i = 0; i < resTy.getRank(); ++i)
                 ivs.push_back(linalg::IndexOp::create(nb, nl, i));
               linalg::YieldOp::create(nb, nl, body(nb, nl, ivs, args.drop_back()));
             })
      .getResult(0);
}

/// The groups of a reshape whose run-time shape is the products of
/// consecutive extents of its own input (what Flatten imports to with
/// several open extents: concat of reduce-prod of slices of shape(x), or
/// [1] for an empty group), or nothing. Such a reshape is a collapse.
std::optional<SmallVector<ReassociationIndices>> collapseGroups(ReshapeOp op) {
  auto concat = op.getShape() ? op.getShape().getDefiningOp<ConcatOp>() : ConcatOp();
  if (!concat)
    return std::nullopt;
  int64_t next = 0, rank = op.getInput().getType().getRank();
  SmallVector<ReassociationIndices> groups;
  for (Value part : concat.getInputs()) {
    ReassociationIndices g;
    if (auto red = part.getDefiningOp<ReduceOp>()) {
      // A slice of the shape, or the whole shape (the slice folded away).
      auto slice = red.getInput().getDefiningOp<SliceOp>();
      auto shape = (slice ? slice.getInput() : red.getInput()).getDefiningOp<ShapeOp>();
      int64_t start = slice ? slice.getStarts()[0] : 0;
      int64_t size = slice ? slice.getSizes()[0] : rank;
      if (red.getKind() != ReduceKind::Prod || !shape || shape.getInput() != op.getInput() ||
          start != next || (slice && slice.getSteps()[0] != 1))
        return std::nullopt;
      for (int64_t i = 0; i < size; ++i)
        g.push_back(next++);
    } else if (!matchPattern(part, m_Constant())) {
      return std::nullopt;
    }
    groups.push_back(g);
  }
  if (next != rank)
    return std::nullopt;
  return groups;
}

/// The collapse of `x` into `groups` (consecutive input dims each; an empty
/// group is a unit dim of the result), as `resTy`.
Value collapseInto(OpBuilder &b, Location loc, Value x, ArrayRef<ReassociationIndices> groups,
                   RankedTensorType resTy) {
  SmallVector<ReassociationIndices> nonEmpty;
  SmallVector<int64_t> shape;
  for (auto [i, g] : llvm::enumerate(groups))
    if (!g.empty()) {
      nonEmpty.push_back(g);
      shape.push_back(resTy.getDimSize(i));
    }
  if (nonEmpty.empty()) // All unit dims: a rank-0 view expanded.
    return tensor::ExpandShapeOp::create(
        b, loc, resTy, tensor::CollapseShapeOp::create(b, loc, x, ArrayRef<ReassociationIndices>{}),
        ArrayRef<ReassociationIndices>{});
  Value c = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(shape, resTy.getElementType()), x, nonEmpty);
  if (nonEmpty.size() == groups.size())
    return c;
  // Each unit dim joins the next kept dim's group (the last one's, at the
  // end).
  SmallVector<ReassociationIndices> expand(nonEmpty.size());
  int64_t kept = 0;
  for (auto [i, g] : llvm::enumerate(groups)) {
    expand[std::min<int64_t>(kept, expand.size() - 1)].push_back(i);
    if (!g.empty())
      ++kept;
  }
  return tensor::ExpandShapeOp::create(b, loc, resTy, c, expand);
}

struct ReshapeLowering : StaticLowering<ReshapeOp> {
  using StaticLowering::StaticLowering;
  /// Open extents: a direct collapse or expand, or a reshape to the
  /// extents its shape operand holds at run time.
  bool dynamicExtents(ReshapeOp) const override { return true; }
  LogicalResult lower(ReshapeOp op, Adaptor a,
                      ConversionPatternRewriter &rw) const override {
    auto resTy = converted(op.getType());
    auto inTy = cast<RankedTensorType>(a.getInput().getType());
    if (a.getShape() && (!resTy.hasStaticShape() || !inTy.hasStaticShape())) {
      if (auto groups = collapseGroups(op)) {
        rw.replaceOp(op, collapseInto(rw, op.getLoc(), a.getInput(), *groups, resTy));
        return success();
      }
      Value shape = a.getShape();
      auto st = cast<RankedTensorType>(shape.getType());
      // The shape's length is the result's rank (the verifier checks it).
      if (!st.hasStaticShape())
        shape = tensor::CastOp::create(
            rw, op.getLoc(), RankedTensorType::get({resTy.getRank()}, st.getElementType()),
            shape);
      rw.replaceOp(op, tensor::ReshapeOp::create(rw, op.getLoc(), resTy, a.getInput(), shape));
      return success();
    }
    // Open extents into a static shape: the elements in order, whatever
    // the open extents were (a collapse/expand would have to guess which
    // extents correspond).
    if (resTy.hasStaticShape() && !inTy.hasStaticShape()) {
      auto shapeTy = RankedTensorType::get({resTy.getRank()}, rw.getI64Type());
      Value shape = arith::ConstantOp::create(
          rw, op.getLoc(), shapeTy, DenseElementsAttr::get(shapeTy, resTy.getShape()));
      rw.replaceOp(op, tensor::ReshapeOp::create(rw, op.getLoc(), resTy, a.getInput(), shape));
      return success();
    }
    Value r = reshapeStatic(rw, op.getLoc(), a.getInput(), resTy);
    if (!r)
      return op.emitError() << "reshape from " << inTy << " to " << resTy
                            << " is neither a collapse nor an expand of the open extents "
                               "(the target shape fixes extents the open input does not "
                               "have)";
    rw.replaceOp(op, r);
    return success();
  }
};

struct TransposeLowering : StaticLowering<TransposeOp> {
  using StaticLowering::StaticLowering;
  bool dynamicExtents(TransposeOp) const override { return true; }
  LogicalResult lower(TransposeOp op, Adaptor a,
                      ConversionPatternRewriter &rw) const override {
    auto resTy = converted(op.getType());
    // Output dim i is input dim perm[i]: loops over the output.
    AffineMap inMap = AffineMap::getPermutationMap(
        invertPermutationVector(op.getPerm()), rw.getContext());
    Value init = emptyForLoops(rw, op.getLoc(), resTy, a.getInput(), inMap,
                               AffineMap::getMultiDimIdentityMap(resTy.getRank(), rw.getContext()));
    if (!init)
      return replaceOrFail(op, Value(), rw);
    rw.replaceOp(op, linalg::TransposeOp::create(rw, op.getLoc(), a.getInput(), init,
                                                 op.getPerm())
                         ->getResult(0));
    return success();
  }
};

struct SliceLowering : StaticLowering<SliceOp> {
  using StaticLowering::StaticLowering;
  /// Open dims taken whole (size open, start 0, step 1), or cut by ONNX's
  /// start / end (`ends`) and a step, clamped at run time.
  bool dynamicExtents(SliceOp op) const override {
    for (auto [start, size, step] : llvm::zip(op.getStarts(), op.getSizes(), op.getSteps()))
      if (ShapedType::isDynamic(size) && !op.getEnds() && (start != 0 || step != 1))
        return false;
    return true;
  }

  /// ONNX's [start, end) by `step` on an extent `ext` known at run time:
  /// the first index and the count. A negative start or end counts from the
  /// end; forwards both clamp into [0, n], backwards into [-1, n - 1]; the
  /// count is ceil((end - start) / step), at least 0 and (for the bound
  /// analysis, which takes upper bounds from affine.min only) at most
  /// ceil(n / |step|).
  static std::pair<OpFoldResult, OpFoldResult> cut(OpBuilder &b, Location loc,
                                                   OpFoldResult ext, int64_t start,
                                                   int64_t end, int64_t step) {
    MLIRContext *ctx = b.getContext();
    AffineExpr n = b.getAffineSymbolExpr(0), s1 = b.getAffineSymbolExpr(1);
    auto c = [&](int64_t v) { return b.getAffineConstantExpr(v); };
    auto clampInto = [&](int64_t v) -> OpFoldResult {
      if (v >= 0)
        return affine::makeComposedFoldedAffineMin(
            b, loc, AffineMap::get(0, 1, {step > 0 ? n : n - 1, c(v)}, ctx), {ext});
      return affine::makeComposedFoldedAffineMax(
          b, loc, AffineMap::get(0, 1, {n + v, c(step > 0 ? 0 : -1)}, ctx), {ext});
    };
    OpFoldResult first = clampInto(start), last = clampInto(end);
    AffineExpr span = step > 0 ? s1 - n : n - s1;
    OpFoldResult len = affine::makeComposedFoldedAffineMax(
        b, loc, AffineMap::get(0, 2, {span.ceilDiv(std::abs(step)), c(0)}, ctx), {first, last});
    len = affine::makeComposedFoldedAffineMin(
        b, loc, AffineMap::get(0, 2, {n.ceilDiv(std::abs(step)), s1}, ctx), {ext, len});
    return {first, len};
  }

  LogicalResult lower(SliceOp op, Adaptor a,
                      ConversionPatternRewriter &rw) const override {
    auto resTy = converted(op.getType());
    Location loc = op.getLoc();
    std::optional<ArrayRef<int64_t>> ends = op.getEnds();
    // Per dim: the first index read and the count.
    SmallVector<OpFoldResult> o, sz;
    for (auto [d, start, size, step] :
         llvm::enumerate(op.getStarts(), op.getSizes(), op.getSteps())) {
      if (ShapedType::isDynamic(size) && ends) {
        auto [first, len] =
            cut(rw, loc, tensor::getMixedSize(rw, loc, a.getInput(), d), start, (*ends)[d], step);
        o.push_back(first);
        sz.push_back(len);
        continue;
      }
      o.push_back(rw.getIndexAttr(size ? start : 0));
      sz.push_back(ShapedType::isDynamic(size) ? tensor::getMixedSize(rw, loc, a.getInput(), d)
                                               : OpFoldResult(rw.getIndexAttr(size)));
    }
    if (llvm::all_of(op.getSteps(), [](int64_t s) { return s > 0; })) {
      SmallVector<OpFoldResult> st;
      for (int64_t step : op.getSteps())
        st.push_back(rw.getIndexAttr(step));
      rw.replaceOp(op, tensor::ExtractSliceOp::create(rw, loc, resTy, a.getInput(), o, sz, st));
      return success();
    }
    // Negative steps: element i of a dim reads first + i * step; an affine
    // read when every first index is static.
    if (llvm::all_of(o, [](OpFoldResult f) { return getConstantIntValue(f).has_value(); }) &&
        resTy.hasStaticShape()) {
      MLIRContext *ctx = rw.getContext();
      SmallVector<AffineExpr> ex;
      for (auto [i, first, step] : llvm::enumerate(o, op.getSteps()))
        ex.push_back(getAffineDimExpr(i, ctx) * step + *getConstantIntValue(first));
      AffineMap in = AffineMap::get(resTy.getRank(), 0, ex, ctx);
      SmallVector<utils::IteratorType> iters(resTy.getRank(), utils::IteratorType::parallel);
      rw.replaceOp(op, linalg::GenericOp::create(
                           rw, loc, resTy, ValueRange{a.getInput()},
                           ValueRange{emptyTensor(rw, loc, resTy)},
                           ArrayRef<AffineMap>{in, AffineMap::getMultiDimIdentityMap(
                                                       resTy.getRank(), ctx)},
                           iters,
                           [](OpBuilder &b, Location l, ValueRange args) {
                             linalg::YieldOp::create(b, l, args[0]);
                           })
                           .getResult(0));
      return success();
    }
    SmallVector<Value> dynSizes;
    for (auto [d, s] : llvm::enumerate(sz))
      if (resTy.isDynamicDim(d))
        dynSizes.push_back(getValueOrCreateConstantIndexOp(rw, loc, s));
    Value dest = tensor::EmptyOp::create(rw, loc, resTy, dynSizes);
    SmallVector<Value> firsts;
    for (OpFoldResult f : o)
      firsts.push_back(getValueOrCreateConstantIndexOp(rw, loc, f));
    Value input = a.getInput();
    rw.replaceOp(op, indexGeneric(
                         rw, loc, resTy, {}, {},
                         [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) -> Value {
                           SmallVector<Value> at;
                           for (auto [d, step] : llvm::enumerate(op.getSteps()))
                             at.push_back(arith::AddIOp::create(
                                 b, l, firsts[d],
                                 arith::MulIOp::create(b, l, ivs[d], idx(b, l, step))));
                           return tensor::ExtractOp::create(b, l, input, at);
                         },
                         dest));
    return success();
  }
};

struct ConcatLowering : StaticLowering<ConcatOp> {
  using StaticLowering::StaticLowering;
  /// Open extents anywhere: the other dims are the first input's, the
  /// axis the sum of the inputs'.
  bool dynamicExtents(ConcatOp) const override { return true; }
  LogicalResult lower(ConcatOp op, Adaptor a,
                      ConversionPatternRewriter &rw) const override {
    auto resTy = converted(op.getType());
    Location loc = op.getLoc();
    int64_t axis = op.getAxis();
    AffineExpr s0, s1;
    bindSymbols(rw.getContext(), s0, s1);
    auto add = [&](OpFoldResult x, OpFoldResult y) {
      return affine::makeComposedFoldedAffineApply(rw, loc, s0 + s1, {x, y});
    };
    OpFoldResult total = rw.getIndexAttr(0);
    for (Value in : a.getInputs())
      total = add(total, tensor::getMixedSize(rw, loc, in, axis));
    SmallVector<OpFoldResult> outSizes = tensor::getMixedSizes(rw, loc, a.getInputs()[0]);
    outSizes[axis] = total;
    Value out = tensor::EmptyOp::create(rw, loc, outSizes, resTy.getElementType());
    if (out.getType() != resTy)
      out = tensor::CastOp::create(rw, loc, resTy, out);
    OpFoldResult offset = rw.getIndexAttr(0);
    for (Value in : a.getInputs()) {
      auto t = cast<RankedTensorType>(in.getType());
      SmallVector<OpFoldResult> o(t.getRank(), rw.getIndexAttr(0)),
          st(t.getRank(), rw.getIndexAttr(1));
      SmallVector<OpFoldResult> sz = tensor::getMixedSizes(rw, loc, in);
      o[axis] = offset;
      offset = add(offset, sz[axis]);
      out = tensor::InsertSliceOp::create(rw, loc, in, out, o, sz, st);
    }
    rw.replaceOp(op, out);
    return success();
  }
};

struct SplitLowering : StaticLowering<SplitOp> {
  using StaticLowering::StaticLowering;
  /// Open extents outside the split axis (they are the input's).
  bool dynamicExtents(SplitOp op) const override {
    return !op.getInput().getType().isDynamicDim(op.getAxis());
  }
  LogicalResult lower(SplitOp op, Adaptor a,
                      ConversionPatternRewriter &rw) const override {
    SmallVector<Value> results;
    int64_t offset = 0, axis = op.getAxis();
    for (auto [i, r] : llvm::enumerate(op.getResults())) {
      auto t = converted(r.getType());
      if (t.hasStaticShape() && t.getNumElements() == 0) {
        results.push_back(emptyTensor(rw, op.getLoc(), t));
        continue;
      }
      SmallVector<OpFoldResult> o(t.getRank(), rw.getIndexAttr(0)), sz, st;
      for (int64_t d = 0; d < t.getRank(); ++d) {
        sz.push_back(d != axis ? tensor::getMixedSize(rw, op.getLoc(), a.getInput(), d)
                               : rw.getIndexAttr(t.getDimSize(d)));
        st.push_back(rw.getIndexAttr(1));
      }
      o[axis] = rw.getIndexAttr(offset);
      offset += t.getDimSize(axis);
      results.push_back(
          tensor::ExtractSliceOp::create(rw, op.getLoc(), t, a.getInput(), o, sz, st));
    }
    rw.replaceOp(op, results);
    return success();
  }
};

struct GatherLowering : StaticLowering<GatherOp> {
  using StaticLowering::StaticLowering;
  /// Open extents anywhere (the axis' extent is read at run time).
  bool dynamicExtents(GatherOp) const override { return true; }
  LogicalResult lower(GatherOp op, Adaptor a,
                      ConversionPatternRewriter &rw) const override {
    auto resTy = converted(op.getType());
    MLIRContext *ctx = rw.getContext();
    auto dt = cast<RankedTensorType>(a.getData().getType());
    auto it = cast<RankedTensorType>(a.getIndices().getType());
    int64_t axis = op.getAxis(), ir = it.getRank();
    SmallVector<AffineExpr> iEx;
    for (int64_t i = 0; i < ir; ++i)
      iEx.push_back(getAffineDimExpr(axis + i, ctx));
    Value data = a.getData();
    // Result dims: data's before the axis, the indices', data's after it.
    SmallVector<AffineExpr> dEx;
    for (int64_t i = 0; i < dt.getRank(); ++i)
      dEx.push_back(i < axis    ? getAffineDimExpr(i, ctx)
                    : i == axis ? getAffineConstantExpr(0, ctx)
                                : getAffineDimExpr(i - 1 + ir, ctx));
    AffineMap iMap = AffineMap::get(resTy.getRank(), 0, iEx, ctx);
    Value dest = emptyForLoops(rw, op.getLoc(), resTy, {a.getIndices(), data},
                               {iMap, AffineMap::get(resTy.getRank(), 0, dEx, ctx)},
                               AffineMap::getMultiDimIdentityMap(resTy.getRank(), ctx));
    if (!dest)
      return replaceOrFail(op, Value(), rw);
    Value extent = extentOf(rw, op.getLoc(), data, axis);
    checkIndices(rw, op.getLoc(), a.getIndices(), extent);
    Value r = indexGeneric(
        rw, op.getLoc(), resTy, {a.getIndices()}, {iMap},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange in) -> Value {
          SmallVector<Value> at(ivs.take_front(axis));
          at.push_back(normalizeIndex(b, l, in[0], extent));
          at.append(ivs.begin() + axis + ir, ivs.end());
          return tensor::ExtractOp::create(b, l, data, at);
        },
        dest);
    rw.replaceOp(op, r);
    return success();
  }
};

struct GatherElementsLowering : StaticLowering<GatherElementsOp> {
  using StaticLowering::StaticLowering;
  /// Open extents anywhere (the indices' are the result's; the data
  /// axis' extent is read at run time).
  bool dynamicExtents(GatherElementsOp) const override { return true; }
  LogicalResult lower(GatherElementsOp op, Adaptor a,
                      ConversionPatternRewriter &rw) const override {
    auto resTy = converted(op.getType());
    int64_t axis = op.getAxis();
    Value data = a.getData();
    AffineMap id = AffineMap::getMultiDimIdentityMap(resTy.getRank(), rw.getContext());
    Value dest = emptyForLoops(rw, op.getLoc(), resTy, a.getIndices(), id, id);
    if (!dest)
      return replaceOrFail(op, Value(), rw);
    Value extent = extentOf(rw, op.getLoc(), data, axis);
    checkIndices(rw, op.getLoc(), a.getIndices(), extent);
    Value r = indexGeneric(
        rw, op.getLoc(), resTy, {a.getIndices()}, {id},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange in) -> Value {
          SmallVector<Value> at(ivs);
          at[axis] = normalizeIndex(b, l, in[0], extent);
          return tensor::ExtractOp::create(b, l, data, at);
        },
        dest);
    rw.replaceOp(op, r);
    return success();
  }
};

struct ScatterElementsLowering : StaticLowering<ScatterElementsOp> {
  using StaticLowering::StaticLowering;
  /// Open extents anywhere (the data axis' extent, which wraps the
  /// indices, is read at run time).
  bool dynamicExtents(ScatterElementsOp) const override { return true; }
  LogicalResult lower(ScatterElementsOp op, Adaptor a,
                      ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto it = cast<RankedTensorType>(a.getIndices().getType());
    ElemInfo e = ElemInfo::of(op.getType());
    int64_t axis = op.getAxis();
    ScatterReduction red = op.getReduction();
    SmallVector<Value> lbs, ubs, steps;
    for (int64_t i = 0; i < it.getRank(); ++i) {
      lbs.push_back(idx(rw, loc, 0));
      ubs.push_back(it.isDynamicDim(i)
                        ? (Value)tensor::DimOp::create(rw, loc, a.getIndices(), i)
                        : idx(rw, loc, it.getDimSize(i)));
      steps.push_back(idx(rw, loc, 1));
    }
    Value indices = a.getIndices(), updates = a.getUpdates();
    Value extent = extentOf(rw, loc, a.getData(), axis);
    checkIndices(rw, loc, indices, extent);
    // Updates apply in order; later ones win (as in ONNX's reference).
    auto nest = scf::buildLoopNest(
        rw, loc, lbs, ubs, steps, ValueRange{a.getData()},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange iter) {
          Value i = tensor::ExtractOp::create(b, l, indices, ivs);
          Value u = tensor::ExtractOp::create(b, l, updates, ivs);
          SmallVector<Value> at(ivs);
          at[axis] = normalizeIndex(b, l, i, extent);
          Value v = u;
          if (red != ScatterReduction::None) {
            Value old = tensor::ExtractOp::create(b, l, iter[0], at);
            v = red == ScatterReduction::Add ? emitAdd(b, l, old, u, e)
                                             : emitMul(b, l, old, u, e);
          }
          return SmallVector<Value>{tensor::InsertOp::create(b, l, v, iter[0], at)};
        });
    rw.replaceOp(op, nest.results.empty() ? a.getData() : nest.results[0]);
    return success();
  }
};

struct PadLowering : StaticLowering<PadOp> {
  using StaticLowering::StaticLowering;
  /// Open extents in every mode (the padded extent is the open one plus
  /// the pads).
  bool dynamicExtents(PadOp) const override { return true; }
  LogicalResult lower(PadOp op, Adaptor a,
                      ConversionPatternRewriter &rw) const override {
    auto resTy = converted(op.getType());
    Location loc = op.getLoc();
    auto xt = cast<RankedTensorType>(a.getInput().getType());
    ElemInfo e = ElemInfo::of(op.getType());
    int64_t r = xt.getRank();
    ArrayRef<int64_t> pads = op.getPads();
    Value padVal = scalarConst(rw, loc, e.type, op.getValue().convertToDouble());
    bool nonNegative = llvm::all_of(pads, [](int64_t p) { return p >= 0; });
    if (op.getMode() == PadMode::Constant && nonNegative) {
      rw.replaceOp(op, padConstant(rw, loc, a.getInput(), pads.take_front(r),
                                   pads.drop_front(r), padVal));
      return success();
    }
    Value x = a.getInput();
    PadMode mode = op.getMode();
    // Open extents: read at run time, and the result sized from them.
    SmallVector<Value> open(r);
    Value dest;
    if (!xt.hasStaticShape()) {
      SmallVector<OpFoldResult> sizes;
      AffineExpr s0 = rw.getAffineSymbolExpr(0);
      for (int64_t d = 0; d < r; ++d) {
        OpFoldResult in = tensor::getMixedSize(rw, loc, x, d);
        if (xt.isDynamicDim(d))
          open[d] = getValueOrCreateConstantIndexOp(rw, loc, in);
        sizes.push_back(affine::makeComposedFoldedAffineApply(
            rw, loc, s0 + (pads[d] + pads[r + d]), {in}));
      }
      dest = tensor::EmptyOp::create(rw, loc, sizes, resTy.getElementType());
    }
    Value res = indexGeneric(
        rw, loc, resTy, {}, {},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) -> Value {
          SmallVector<Value> at;
          Value inside = arith::ConstantIntOp::create(b, l, 1, 1);
          // Mirror without repeating the edge: |i|, then 2 last - i.
          auto reflect = [&](Value i, Value zero, Value last,
                             function_ref<Value()> twoLast) -> Value {
            Value neg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, i, zero);
            i = arith::SelectOp::create(b, l, neg, arith::SubIOp::create(b, l, zero, i), i);
            Value over = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt, i, last);
            Value mirrored = arith::SubIOp::create(b, l, twoLast(), i);
            return arith::SelectOp::create(b, l, over, mirrored, i);
          };
          auto within = [&](Value i, Value zero, Value last) -> Value {
            Value ge = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, i, zero);
            Value le = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sle, i, last);
            return arith::AndIOp::create(b, l, inside, arith::AndIOp::create(b, l, ge, le));
          };
          for (int64_t d = 0; d < r; ++d) {
            int64_t n = xt.getDimSize(d);
            Value i = arith::SubIOp::create(b, l, ivs[d], idx(b, l, pads[d]));
            Value zero = idx(b, l, 0);
            if (open[d]) {
              // The extent at run time; reflect only when it is above 1.
              Value last = arith::SubIOp::create(b, l, open[d], idx(b, l, 1));
              if (mode == PadMode::Reflect) {
                Value m = reflect(i, zero, last,
                                  [&] { return arith::AddIOp::create(b, l, last, last); });
                Value many = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt, open[d],
                                                   idx(b, l, 1));
                i = arith::SelectOp::create(b, l, many, m, i);
              } else if (mode == PadMode::Constant) {
                inside = within(i, zero, last);
              }
              i = arith::MaxSIOp::create(b, l, i, zero);
              i = arith::MinSIOp::create(b, l, i, arith::MaxSIOp::create(b, l, last, zero));
            } else {
              Value last = idx(b, l, n - 1);
              if (mode == PadMode::Reflect && n > 1)
                i = reflect(i, zero, last, [&] { return idx(b, l, 2 * (n - 1)); });
              else if (mode == PadMode::Constant)
                inside = within(i, zero, last);
              // Edge mode, and a final guard for every mode: clamp.
              i = arith::MaxSIOp::create(b, l, i, zero);
              i = arith::MinSIOp::create(b, l, i, idx(b, l, std::max<int64_t>(n - 1, 0)));
            }
            at.push_back(i);
          }
          if (xt.hasStaticShape() && xt.getNumElements() == 0)
            return padVal;
          Value v;
          if (dest) {
            // An open extent may be 0 at run time: nothing to read then.
            Value nonEmpty = arith::ConstantIntOp::create(b, l, 1, 1);
            for (Value n : open)
              if (n)
                nonEmpty = arith::AndIOp::create(
                    b, l, nonEmpty,
                    arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt, n, idx(b, l, 0)));
            auto read = scf::IfOp::create(
                b, l, nonEmpty,
                [&](OpBuilder &ib, Location il) {
                  scf::YieldOp::create(ib, il, ValueRange{tensor::ExtractOp::create(ib, il, x, at)});
                },
                [&](OpBuilder &ib, Location il) { scf::YieldOp::create(ib, il, padVal); });
            v = read.getResult(0);
          } else {
            v = tensor::ExtractOp::create(b, l, x, at);
          }
          return mode == PadMode::Constant
                     ? (Value)arith::SelectOp::create(b, l, inside, v, padVal)
                     : v;
        },
        dest);
    rw.replaceOp(op, res);
    return success();
  }
};

struct TileLowering : StaticLowering<TileOp> {
  using StaticLowering::StaticLowering;
  /// Open extents: the result's are the input's times the repeats.
  bool dynamicExtents(TileOp) const override { return true; }
  LogicalResult lower(TileOp op, Adaptor a,
                      ConversionPatternRewriter &rw) const override {
    auto resTy = converted(op.getType());
    auto xt = cast<RankedTensorType>(a.getInput().getType());
    Value x = a.getInput();
    Location loc = op.getLoc();
    if (resTy.hasStaticShape() && resTy.getNumElements() == 0) {
      rw.replaceOp(op, emptyTensor(rw, loc, resTy));
      return success();
    }
    Value dest;
    SmallVector<Value> extents;
    if (!xt.hasStaticShape()) {
      SmallVector<OpFoldResult> sizes;
      AffineExpr s0 = rw.getAffineSymbolExpr(0);
      for (int64_t d = 0; d < xt.getRank(); ++d) {
        OpFoldResult in = tensor::getMixedSize(rw, loc, x, d);
        extents.push_back(getValueOrCreateConstantIndexOp(rw, loc, in));
        sizes.push_back(affine::makeComposedFoldedAffineApply(
            rw, loc, s0 * op.getRepeats()[d], {in}));
      }
      dest = tensor::EmptyOp::create(rw, loc, sizes, resTy.getElementType());
    }
    Value r = indexGeneric(
        rw, loc, resTy, {}, {},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) -> Value {
          SmallVector<Value> at;
          for (int64_t d = 0; d < xt.getRank(); ++d)
            at.push_back(arith::RemUIOp::create(
                b, l, ivs[d], extents.empty() ? idx(b, l, xt.getDimSize(d)) : extents[d]));
          return tensor::ExtractOp::create(b, l, x, at);
        },
        dest);
    rw.replaceOp(op, r);
    return success();
  }
};

/// Range with run-time scalars: max(0, ceil((limit - start) / delta))
/// elements, each start + i * delta.
struct RangeLowering : StaticLowering<RangeOp> {
  using StaticLowering::StaticLowering;
  bool dynamicExtents(RangeOp) const override { return true; }
  LogicalResult lower(RangeOp op, Adaptor a, ConversionPatternRewriter &rw) const override {
    auto resTy = converted(op.getType());
    Type elem = resTy.getElementType();
    Location loc = op.getLoc();
    auto scalar = [&](Value v) { return tensor::ExtractOp::create(rw, loc, v, ValueRange{}); };
    Value start = scalar(a.getStart()), limit = scalar(a.getLimit()), delta = scalar(a.getDelta());
    Value count;
    if (isa<FloatType>(elem)) {
      Value q = arith::DivFOp::create(rw, loc, arith::SubFOp::create(rw, loc, limit, start), delta);
      Value c = math::CeilOp::create(rw, loc, q);
      c = arith::MaximumFOp::create(rw, loc, c,
                                    arith::ConstantOp::create(rw, loc, rw.getFloatAttr(elem, 0)));
      count = arith::FPToSIOp::create(rw, loc, rw.getI64Type(), c);
      count = arith::IndexCastOp::create(rw, loc, rw.getIndexType(), count);
    } else {
      Value c =
          arith::CeilDivSIOp::create(rw, loc, arith::SubIOp::create(rw, loc, limit, start), delta);
      c = arith::MaxSIOp::create(rw, loc, c,
                                 arith::ConstantOp::create(rw, loc, rw.getIntegerAttr(elem, 0)));
      count = arith::IndexCastOp::create(rw, loc, rw.getIndexType(), c);
    }
    Value init = tensor::EmptyOp::create(rw, loc, resTy, ValueRange{count});
    auto map = rw.getMultiDimIdentityMap(1);
    auto gen = linalg::GenericOp::create(
        rw, loc, resTy, ValueRange{}, ValueRange{init}, ArrayRef<AffineMap>{map},
        ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
        [&](OpBuilder &b, Location l, ValueRange) {
          Value i = linalg::IndexOp::create(b, l, 0);
          Value v;
          if (isa<FloatType>(elem)) {
            Value f = arith::SIToFPOp::create(b, l, elem,
                                              arith::IndexCastOp::create(b, l, b.getI64Type(), i));
            v = arith::AddFOp::create(b, l, start, arith::MulFOp::create(b, l, f, delta));
          } else {
            Value k = arith::IndexCastOp::create(b, l, elem, i);
            v = arith::AddIOp::create(b, l, start, arith::MulIOp::create(b, l, k, delta));
          }
          linalg::YieldOp::create(b, l, v);
        });
    rw.replaceOp(op, gen.getResult(0));
    return success();
  }
};

struct ShapeLowering : StaticLowering<ShapeOp> {
  using StaticLowering::StaticLowering;
  /// Open extents are read at run time.
  bool dynamicExtents(ShapeOp op) const override { return op.getType().hasStaticShape(); }
  LogicalResult lower(ShapeOp op, Adaptor a,
                      ConversionPatternRewriter &rw) const override {
    auto resTy = converted(op.getType());
    auto inTy = op.getInput().getType();
    if (inTy.hasStaticShape()) {
      auto attr = DenseElementsAttr::get(resTy, inTy.getShape());
      rw.replaceOpWithNewOp<arith::ConstantOp>(op, resTy, attr);
      return success();
    }
    Location loc = op.getLoc();
    SmallVector<Value> dims;
    for (int64_t d = 0; d < inTy.getRank(); ++d)
      dims.push_back(arith::IndexCastOp::create(
          rw, loc, resTy.getElementType(),
          getValueOrCreateConstantIndexOp(rw, loc,
                                          tensor::getMixedSize(rw, loc, a.getInput(), d))));
    rw.replaceOpWithNewOp<tensor::FromElementsOp>(op, resTy, dims);
    return success();
  }
};

/// Resize: each output element reads the taps its coordinate maps to (one
/// for nearest, 2 per resized dim for linear, 4 for cubic; indices clamped,
/// as ONNX pads with the edge) and sums them with their weights, in f64 like
/// the ONNX reference.
struct ResizeLowering : StaticLowering<ResizeOp> {
  using StaticLowering::StaticLowering;
  /// Open extents: a dim it does not resize (scale 1: batch, channels), or
  /// one resized by an integer scale or 1/2^k, whose output extent n * k or
  /// n floordiv 2^k is affine.
  bool dynamicExtents(ResizeOp op) const override {
    auto t = op.getInput().getType();
    for (int64_t d = 0; d < t.getRank(); ++d)
      if ((t.isDynamicDim(d) || op.getType().isDynamicDim(d)) &&
          (!t.isDynamicDim(d) || !op.getType().isDynamicDim(d) ||
           !isExactOpenResizeScale(op.getScales()[d])))
        return false;
    return true;
  }

  /// The output extent of an open dim resized by `s` (integer or 1/2^k).
  static OpFoldResult openExtent(OpBuilder &b, Location loc, OpFoldResult in, double s) {
    AffineExpr n = b.getAffineSymbolExpr(0);
    AffineExpr out = s >= 1 ? n * (int64_t)s : n.floorDiv((int64_t)std::lround(1 / s));
    return affine::makeComposedFoldedAffineApply(b, loc, out, {in});
  }
  LogicalResult lower(ResizeOp op, Adaptor a,
                      ConversionPatternRewriter &rw) const override {
    auto resTy = converted(op.getType());
    auto inTy = cast<RankedTensorType>(a.getInput().getType());
    Type elem = resTy.getElementType();
    ResizeMode mode = op.getMode();
    if (mode != ResizeMode::Nearest && !isa<FloatType>(elem))
      return rw.notifyMatchFailure(op, "linear and cubic resize need floats");
    StringRef ctm = op.getCoordinateTransformationMode();
    StringRef nearest = op.getNearestMode();
    double cubicA = op.getCubicCoeffA().convertToDouble();
    bool excludeOutside = op.getExcludeOutside();
    ArrayRef<double> scales = op.getScales();
    Value data = a.getInput();
    Type f64 = rw.getF64Type();
    Value dest;
    // Open dims: the input and output extents as run-time values.
    SmallVector<Value> openIn(resTy.getRank()), openOut(resTy.getRank());
    if (!resTy.hasStaticShape()) {
      SmallVector<OpFoldResult> sizes;
      for (int64_t d = 0; d < resTy.getRank(); ++d) {
        if (!resTy.isDynamicDim(d)) {
          sizes.push_back(rw.getIndexAttr(resTy.getDimSize(d)));
          continue;
        }
        OpFoldResult in = tensor::getMixedSize(rw, op.getLoc(), data, d);
        OpFoldResult out = scales[d] == 1.0 ? in : openExtent(rw, op.getLoc(), in, scales[d]);
        openIn[d] = getValueOrCreateConstantIndexOp(rw, op.getLoc(), in);
        openOut[d] = getValueOrCreateConstantIndexOp(rw, op.getLoc(), out);
        sizes.push_back(out);
      }
      dest = tensor::EmptyOp::create(rw, op.getLoc(), sizes, elem);
    }
    // The taps of dim `d` at output coordinate `coord`: (input index,
    // weight in f64) pairs; one tap without a weight where the dim is not
    // resized or the mode is nearest.
    auto dimTaps = [&](OpBuilder &b, Location l, int64_t d,
                       Value coord) -> SmallVector<std::pair<Value, Value>> {
      auto cst = [&](double v) -> Value {
        return arith::ConstantOp::create(b, l, b.getF64FloatAttr(v));
      };
      // Per dim: the input extent as an index (for clamping) and as a
      // double, the output extent as a double: constants, or the
      // run-time extents of an open dim.
      Value inIdx, inF, outF;
      auto toIndex = [&](Value f, int64_t) -> Value {
        Value i = arith::FPToSIOp::create(b, l, b.getI64Type(), f);
        i = arith::IndexCastOp::create(b, l, b.getIndexType(), i);
        i = arith::MaxSIOp::create(b, l, i, idx(b, l, 0));
        return arith::MinSIOp::create(b, l, i, arith::SubIOp::create(b, l, inIdx, idx(b, l, 1)));
      };
      auto toF64 = [&](Value i) -> Value {
        return arith::SIToFPOp::create(b, l, f64,
                                       arith::IndexCastOp::create(b, l, b.getI64Type(), i));
      };
      int64_t in = inTy.getDimSize(d), out = resTy.getDimSize(d);
      double s = scales[d];
      if (s == 1.0 && (in == out || openIn[d]))
        return {{coord, Value()}};
      bool open = (bool)openIn[d];
      inIdx = open ? openIn[d] : idx(b, l, in);
      inF = open ? toF64(openIn[d]) : cst(double(in));
      outF = open ? toF64(openOut[d]) : cst(double(out));
      Value xo = arith::IndexCastOp::create(b, l, b.getI64Type(), coord);
      xo = arith::SIToFPOp::create(b, l, f64, xo);
      Value x;
      if (ctm == "asymmetric") {
        x = arith::DivFOp::create(b, l, xo, cst(s));
      } else if (ctm == "align_corners" && !open) {
        // ONNX divides by the unrounded output length, scale * in.
        double len = s * double(in);
        x = len == 1.0 ? cst(0) : arith::MulFOp::create(b, l, xo, cst(double(in - 1) / (len - 1)));
      } else if (ctm == "align_corners") {
        Value len = arith::MulFOp::create(b, l, inF, cst(s));
        Value ratio = arith::DivFOp::create(b, l, arith::SubFOp::create(b, l, inF, cst(1)),
                                            arith::SubFOp::create(b, l, len, cst(1)));
        Value one = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, len, cst(1));
        x = arith::SelectOp::create(b, l, one, cst(0), arith::MulFOp::create(b, l, xo, ratio));
      } else if (ctm == "tf_half_pixel_for_nn") {
        x = arith::AddFOp::create(b, l, xo, cst(0.5));
        x = arith::DivFOp::create(b, l, x, cst(s));
      } else {
        // half_pixel, pytorch_half_pixel, half_pixel_symmetric.
        x = arith::AddFOp::create(b, l, xo, cst(0.5));
        x = arith::DivFOp::create(b, l, x, cst(s));
        x = arith::SubFOp::create(b, l, x, cst(0.5));
        if (ctm == "half_pixel_symmetric" && !open) {
          double adj = double(out) / (s * double(in));
          x = arith::AddFOp::create(b, l, x, cst(double(in) / 2 * (1 - adj)));
        } else if (ctm == "half_pixel_symmetric") {
          Value adj = arith::DivFOp::create(b, l, outF, arith::MulFOp::create(b, l, inF, cst(s)));
          Value shift = arith::MulFOp::create(b, l, arith::DivFOp::create(b, l, inF, cst(2)),
                                              arith::SubFOp::create(b, l, cst(1), adj));
          x = arith::AddFOp::create(b, l, x, shift);
        }
        if (ctm == "pytorch_half_pixel" && !open && out <= 1)
          x = cst(0);
        else if (ctm == "pytorch_half_pixel" && open)
          x = arith::SelectOp::create(
              b, l, arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLE, outF, cst(1)), cst(0),
              x);
      }
      Value fl = math::FloorOp::create(b, l, x);
      Value frac = arith::SubFOp::create(b, l, x, fl);
      if (mode == ResizeMode::Nearest) {
        Value pick;
        if (nearest == "floor") {
          pick = fl;
        } else if (nearest == "ceil") {
          pick = math::CeilOp::create(b, l, x);
        } else {
          auto pred = nearest == "round_prefer_ceil" ? arith::CmpFPredicate::OGE
                                                     : arith::CmpFPredicate::OGT;
          Value up = arith::CmpFOp::create(b, l, pred, frac, cst(0.5));
          pick = arith::SelectOp::create(b, l, up, arith::AddFOp::create(b, l, fl, cst(1)), fl);
        }
        return {{toIndex(pick, in), Value()}};
      }
      SmallVector<std::pair<Value, Value>> dimTaps;
      if (mode == ResizeMode::Linear) {
        dimTaps.push_back({toIndex(fl, in), arith::SubFOp::create(b, l, cst(1), frac)});
        dimTaps.push_back({toIndex(arith::AddFOp::create(b, l, fl, cst(1)), in), frac});
      } else {
        // Cubic convolution weights for offsets -1, 0, 1, 2.
        double A = cubicA;
        auto far = [&](Value t) -> Value { // 1 < t < 2
          Value v = arith::SubFOp::create(b, l, arith::MulFOp::create(b, l, cst(A), t), cst(5 * A));
          v = arith::AddFOp::create(b, l, arith::MulFOp::create(b, l, v, t), cst(8 * A));
          return arith::SubFOp::create(b, l, arith::MulFOp::create(b, l, v, t), cst(4 * A));
        };
        auto near = [&](Value t) -> Value { // 0 <= t <= 1
          Value v =
              arith::SubFOp::create(b, l, arith::MulFOp::create(b, l, cst(A + 2), t), cst(A + 3));
          v = arith::MulFOp::create(b, l, arith::MulFOp::create(b, l, v, t), t);
          return arith::AddFOp::create(b, l, v, cst(1));
        };
        Value oneMinus = arith::SubFOp::create(b, l, cst(1), frac);
        Value w[4] = {far(arith::AddFOp::create(b, l, frac, cst(1))), near(frac), near(oneMinus),
                      far(arith::AddFOp::create(b, l, oneMinus, cst(1)))};
        Value sum = cst(0);
        for (int k = 0; k < 4; ++k) {
          Value pos = arith::AddFOp::create(b, l, fl, cst(k - 1));
          if (excludeOutside) {
            Value inside = arith::AndIOp::create(
                b, l, arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGE, pos, cst(0)),
                arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLE, pos,
                                      arith::SubFOp::create(b, l, inF, cst(1))));
            w[k] = arith::SelectOp::create(b, l, inside, w[k], cst(0));
            sum = arith::AddFOp::create(b, l, sum, w[k]);
          }
          dimTaps.push_back({toIndex(pos, in), w[k]});
        }
        if (excludeOutside)
          for (auto &t : dimTaps)
            t.second = arith::DivFOp::create(b, l, t.second, sum);
      }
      return dimTaps;
    };
    // The sum over every combination of the dims' taps of `data`, the
    // weights multiplied and accumulated in `wt` (nearest: the one tap).
    auto combine = [&](OpBuilder &b, Location l,
                       ArrayRef<SmallVector<std::pair<Value, Value>>> taps, Type wt) -> Value {
      Value acc;
      SmallVector<unsigned> pos(taps.size(), 0);
      while (true) {
        SmallVector<Value> at;
        Value w;
        for (auto [d, t] : llvm::enumerate(taps)) {
          at.push_back(t[pos[d]].first);
          if (Value tw = t[pos[d]].second)
            w = w ? arith::MulFOp::create(b, l, w, tw).getResult() : tw;
        }
        Value v = tensor::ExtractOp::create(b, l, data, at);
        if (!w)
          return v; // nearest: a single tap
        if (v.getType() != wt)
          v = arith::ExtFOp::create(b, l, wt, v);
        v = arith::MulFOp::create(b, l, v, w);
        acc = acc ? arith::AddFOp::create(b, l, acc, v).getResult() : v;
        unsigned d = 0;
        while (d < taps.size() && ++pos[d] == taps[d].size())
          pos[d++] = 0;
        if (d == taps.size())
          break;
      }
      if (elem == wt)
        return acc;
      return arith::TruncFOp::create(b, l, elem, acc);
    };
    Value r;
    if (!resTy.hasStaticShape()) {
      r = indexGeneric(
          rw, op.getLoc(), resTy, {}, {},
          [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) -> Value {
            SmallVector<SmallVector<std::pair<Value, Value>>> taps;
            for (int64_t d = 0; d < resTy.getRank(); ++d)
              taps.push_back(dimTaps(b, l, d, ivs[d]));
            return combine(b, l, taps, f64);
          },
          dest);
    } else {
      // Static shapes: each resized dim's taps (indices and weights per
      // output coordinate) computed once, by a 1-D generic over that dim,
      // and read by the resize through maps of that dim alone. The
      // per-element work is then the gathers and the weighted sum, in f32
      // (f64 for f64 data), not the coordinate arithmetic in f64 (unet's
      // 2x bilinear upsampling: ~50 f64 operations per output before).
      Location loc = op.getLoc();
      int64_t rank = resTy.getRank();
      Type wt = elem.isF64() ? f64 : rw.getF32Type();
      bool weighted = mode != ResizeMode::Nearest;
      int64_t nTaps = mode == ResizeMode::Nearest ? 1 : mode == ResizeMode::Linear ? 2 : 4;
      SmallVector<Value> tables;
      SmallVector<AffineMap> tableMaps;
      SmallVector<int64_t> firstTable(rank, -1);
      for (int64_t d = 0; d < rank; ++d) {
        int64_t in = inTy.getDimSize(d), out = resTy.getDimSize(d);
        // (An extent of 1 computes its one coordinate in the resize: a
        // one-element table folds to scalars a GPU kernel cannot take.)
        if ((scales[d] == 1.0 && in == out) || out == 1)
          continue;
        SmallVector<Type> types;
        SmallVector<Value> inits;
        for (int64_t k = 0; k < nTaps; ++k)
          for (Type t : weighted ? SmallVector<Type>{rw.getI64Type(), wt}
                                 : SmallVector<Type>{rw.getI64Type()}) {
            auto ty = RankedTensorType::get({out}, t);
            types.push_back(ty);
            inits.push_back(emptyTensor(rw, loc, ty));
          }
        SmallVector<AffineMap> maps(inits.size(), rw.getMultiDimIdentityMap(1));
        auto table = linalg::GenericOp::create(
            rw, loc, types, ValueRange{}, inits, maps, {utils::IteratorType::parallel},
            [&](OpBuilder &b, Location l, ValueRange) {
              SmallVector<Value> ys;
              for (auto [i, w] : dimTaps(b, l, d, linalg::IndexOp::create(b, l, 0))) {
                ys.push_back(arith::IndexCastOp::create(b, l, b.getI64Type(), i));
                if (weighted)
                  ys.push_back(w.getType() == wt ? w : arith::TruncFOp::create(b, l, wt, w));
              }
              linalg::YieldOp::create(b, l, ys);
            });
        firstTable[d] = tables.size();
        for (Value t : table.getResults()) {
          tables.push_back(t);
          tableMaps.push_back(AffineMap::get(rank, 0, rw.getAffineDimExpr(d)));
        }
      }
      r = indexGeneric(
          rw, loc, resTy, tables, tableMaps,
          [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange args) -> Value {
            SmallVector<SmallVector<std::pair<Value, Value>>> taps;
            for (int64_t d = 0; d < rank; ++d) {
              if (firstTable[d] < 0) {
                SmallVector<std::pair<Value, Value>> t = dimTaps(b, l, d, ivs[d]);
                for (auto &[i, w] : t)
                  if (w && w.getType() != wt)
                    w = arith::TruncFOp::create(b, l, wt, w);
                taps.push_back(t);
                continue;
              }
              SmallVector<std::pair<Value, Value>> t;
              int64_t a = firstTable[d], per = weighted ? 2 : 1;
              for (int64_t k = 0; k < nTaps; ++k)
                t.push_back({arith::IndexCastOp::create(b, l, b.getIndexType(), args[a + k * per]),
                             weighted ? args[a + k * per + 1] : Value()});
              taps.push_back(t);
            }
            return combine(b, l, taps, wt);
          });
    }
    rw.replaceOp(op, r);
    return success();
  }
};

} // namespace

struct IotaLowering : StaticLowering<IotaOp> {
  using StaticLowering::StaticLowering;
  bool dynamicExtents(IotaOp) const override { return true; }
  LogicalResult lower(IotaOp op, Adaptor a, ConversionPatternRewriter &rw) const override {
    auto resTy = converted(op.getType());
    AffineMap id = AffineMap::getMultiDimIdentityMap(resTy.getRank(), rw.getContext());
    Value dest = resTy.hasStaticShape()
                     ? emptyTensor(rw, op.getLoc(), resTy)
                     : emptyForLoops(rw, op.getLoc(), resTy, a.getLike(), id, id);
    int64_t d = op.getDim();
    Value r = indexGeneric(
        rw, op.getLoc(), resTy, {}, {},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) -> Value {
          return arith::IndexCastOp::create(b, l, b.getI64Type(), ivs[d]);
        },
        dest);
    rw.replaceOp(op, r);
    return success();
  }
};

void lowering::populateDataMovementPatterns(TypeConverter &tc,
                                            RewritePatternSet &p) {
  p.add<RangeLowering, ReshapeLowering, TransposeLowering, SliceLowering, ConcatLowering,
        SplitLowering, GatherLowering, GatherElementsLowering, ScatterElementsLowering, PadLowering,
        TileLowering, ShapeLowering, ResizeLowering, IotaLowering>(tc, p.getContext());
}
