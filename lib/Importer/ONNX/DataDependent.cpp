//===- DataDependent.cpp - ONNX ops whose result sizes follow the data -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// NonZero, Compress, Unique and NonMaxSuppression: how many elements they
// produce depends on the values. Each becomes an op with a bounded result
// (autoglm::resultBound; docs/architecture.md, "Bounded results"): the
// artifact returns a buffer of the bound and the extents of each run.
// Compress is NonZero of its condition and a Gather; Unique works on rows,
// so the importer moves its axis first and flattens the rest.
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::onnx_import;

namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

LogicalResult importNonZero(NodeImporter &n) {
  RankedTensorType in = n.inputType(0);
  if (!in || !in.hasStaticShape() || in.getRank() == 0)
    return n.error("expects an input of static shape and rank >= 1");
  auto t = RankedTensorType::get({in.getRank(), kDyn}, n.builder().getI64Type());
  return done(n, n.make<NonZeroOp>(t, n.input(0)));
}

/// Compress(x, condition, axis): the entries of `axis` (of the flattened
/// input without one) whose condition is true; a condition shorter than
/// the axis leaves the rest out.
LogicalResult importCompress(NodeImporter &n) {
  RankedTensorType in = n.inputType(0), ct = n.inputType(1);
  if (!in || !in.hasStaticShape() || !ct || !ct.hasStaticShape() || ct.getRank() != 1)
    return n.error("expects an input of static shape and a 1-D condition");
  Emitter e(n);
  Value x = n.input(0);
  int64_t axis = 0;
  if (n.hasAttr("axis")) {
    auto a = n.normAxis(n.attrInt("axis", 0), in.getRank());
    if (failed(a))
      return failure();
    axis = *a;
  } else {
    x = e.reshape(x, {in.getNumElements()});
  }
  int64_t extent = cast<RankedTensorType>(x.getType()).getDimSize(axis);
  int64_t len = ct.getDimSize(0);
  if (len > extent)
    return n.error("the condition has " + Twine(len) + " entries for an axis of " + Twine(extent));
  Value cond = n.input(1);
  if (!ct.getElementType().isInteger(1))
    cond = e.take(n.make<CastOp>(RankedTensorType::get({len}, n.builder().getI1Type()), cond));
  if (len == 0)
    return n.error("an empty condition selects nothing (a zero extent)");
  Value idx = e.ready({cond})
                  ? e.take(n.make<NonZeroOp>(
                        RankedTensorType::get({1, kDyn}, n.builder().getI64Type()), cond))
                  : Value();
  Value flat = e.ready({idx})
                   ? e.take(n.make<ReshapeOp>(
                         RankedTensorType::get({kDyn}, n.builder().getI64Type()), idx, Value()))
                   : Value();
  Value y = e.ready({x, flat}) ? e.take(n.make<GatherOp>(Type(), x, flat, axis)) : Value();
  if (e.failed())
    return failure();
  n.setOutput(0, y);
  return success();
}

/// Unique(x, axis, sorted): rows are the slices along `axis` (or the
/// elements, without one).
LogicalResult importUnique(NodeImporter &n) {
  RankedTensorType in = n.inputType(0);
  if (!in || !in.hasStaticShape() || in.getRank() == 0 || in.getNumElements() == 0)
    return n.error("expects a non-empty input of static shape");
  bool sorted = n.attrInt("sorted", 1) != 0;
  Emitter e(n);
  Type elem = in.getElementType();
  Type i64 = n.builder().getI64Type();
  SmallVector<int64_t> perm, moved;
  int64_t rows, width = 1;
  Value x = n.input(0);
  bool hasAxis = n.hasAttr("axis");
  if (hasAxis) {
    auto a = n.normAxis(n.attrInt("axis", 0), in.getRank());
    if (failed(a))
      return failure();
    perm.push_back(*a);
    for (int64_t d = 0; d < in.getRank(); ++d)
      if (d != *a)
        perm.push_back(d);
    for (int64_t d : perm)
      moved.push_back(in.getDimSize(d));
    rows = moved[0];
    for (int64_t d : ArrayRef(moved).drop_front())
      width *= d;
    if (*a != 0)
      x = e.transpose(x, perm);
  } else {
    rows = in.getNumElements();
  }
  x = e.reshape(x, {rows, width});
  auto vt = RankedTensorType::get({kDyn, width}, elem);
  auto ut = RankedTensorType::get({kDyn}, i64);
  Value first = e.ready({x}) ? e.take(n.make<UniqueOp>(vt, ut, RankedTensorType::get({rows}, i64),
                                                       ut, x, n.builder().getBoolAttr(sorted)))
                             : Value();
  if (e.failed())
    return failure();
  Operation *op = first.getDefiningOp();
  Value values = op->getResult(0);
  if (hasAxis) {
    SmallVector<int64_t> shape(moved);
    shape[0] = kDyn;
    values = e.take(n.make<ReshapeOp>(RankedTensorType::get(shape, elem), values, Value()));
    if (perm[0] != 0) {
      SmallVector<int64_t> inverse(perm.size());
      for (auto [i, p] : llvm::enumerate(perm))
        inverse[p] = i;
      values = e.transpose(values, inverse);
    }
  } else {
    values = e.take(n.make<ReshapeOp>(RankedTensorType::get({kDyn}, elem), values, Value()));
  }
  if (e.failed())
    return failure();
  n.setOutput(0, values);
  for (unsigned i = 1; i < 4; ++i)
    if (n.hasOutput(i))
      n.setOutput(i, op->getResult(i));
  return success();
}

/// A one-element input, or `dflt` of `elem` when it is omitted.
Value scalarInput(NodeImporter &n, unsigned i, Type elem, double dflt) {
  if (n.hasInput(i))
    return n.input(i);
  return n.splat(elem, dflt, {1});
}

LogicalResult importNonMaxSuppression(NodeImporter &n) {
  RankedTensorType boxes = n.inputType(0), scores = n.inputType(1);
  if (!boxes || !scores || !boxes.hasStaticShape() || !scores.hasStaticShape())
    return n.error("expects boxes and scores of static shape");
  if (boxes.getRank() != 3 || boxes.getDimSize(2) != 4 || scores.getRank() != 3 ||
      scores.getDimSize(0) != boxes.getDimSize(0) || scores.getDimSize(2) != boxes.getDimSize(1))
    return n.error("expects boxes [B, S, 4] and scores [B, C, S]");
  int64_t spatial = boxes.getDimSize(1);
  if (spatial == 0 || scores.getDimSize(1) == 0 || boxes.getDimSize(0) == 0)
    return n.error("expects at least one box, class and batch entry");
  int64_t centerBox = n.attrInt("center_point_box", 0);
  if (centerBox != 0 && centerBox != 1)
    return n.error("center_point_box must be 0 or 1");
  Type i64 = n.builder().getI64Type(), f32 = n.builder().getF32Type();
  int64_t bound = spatial;
  if (n.hasInput(2) && n.isConstInput(2)) {
    auto c = n.constInts(2);
    if (failed(c) || c->size() != 1)
      return n.error("max_output_boxes_per_class must have one element");
    bound = std::clamp<int64_t>((*c)[0], 0, spatial);
  } else if (!n.hasInput(2)) {
    bound = 0;
  }
  // No score threshold: every score counts (-inf excludes only -inf).
  Value maxOut = scalarInput(n, 2, i64, 0);
  Value iou = scalarInput(n, 3, f32, 0);
  Value thr = scalarInput(n, 4, f32, -std::numeric_limits<double>::infinity());
  auto t = RankedTensorType::get({kDyn, 3}, i64);
  return done(n, n.make<NonMaxSuppressionOp>(t, n.input(0), n.input(1), maxOut, iou, thr,
                                             n.builder().getBoolAttr(centerBox == 1),
                                             n.builder().getI64IntegerAttr(bound)));
}

} // namespace

void onnx_import::registerDataDependentRules(RuleTable &t) {
  t["NonZero"] = importNonZero;
  t["Compress"] = importCompress;
  t["Unique"] = importUnique;
  t["NonMaxSuppression"] = importNonMaxSuppression;
}
