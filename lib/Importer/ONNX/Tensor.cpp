//===- Tensor.cpp - ONNX data-movement ops to autoglm --------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Reshape family, Transpose, Concat, Split, Slice, Gather*, Scatter*, Pad,
// Expand, Tile, Shape, Size, Constant, ConstantOfShape, Range.
//===----------------------------------------------------------------------===//

#include "ImportContext.h"
#include "TensorData.h"

#include "mlir/IR/TypeUtilities.h"
#include "mlir/IR/Verifier.h"

#include <fmt/format.h>

#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::onnx_import;

namespace {

/// Whether a reshape from `t` to `type` is one the lowering can match up
/// when both have open extents (or either is static).
bool openReshapeMatches(RankedTensorType t, RankedTensorType type) {
  if (type.hasStaticShape() || t.hasStaticShape())
    return true;
  // Both sides open: fine when only the leading extent is, and the rest
  // holds as many elements on both sides (a reshape that keeps the batch).
  auto keepsBatch = [&] {
    auto rest = [](RankedTensorType r) -> std::optional<int64_t> {
      if (r.getRank() < 1 || !r.isDynamicDim(0))
        return std::nullopt;
      int64_t p = 1;
      for (int64_t d : r.getShape().drop_front()) {
        if (ShapedType::isDynamic(d))
          return std::nullopt;
        p *= d;
      }
      return p;
    };
    auto a = rest(t), b = rest(type);
    return a && b && *a == *b;
  };
  // Or one that only inserts or drops unit dims (Unsqueeze / Squeeze of a
  // tensor with several open extents): the rest map one to one.
  auto unitDimsOnly = [&] {
    auto rest = [](RankedTensorType r) {
      SmallVector<int64_t> out;
      for (int64_t d : r.getShape())
        if (d != 1)
          out.push_back(d);
      return out;
    };
    return rest(t) == rest(type) || getReassociationIndicesForReshape(t, type).has_value();
  };
  return keepsBatch() || unitDimsOnly();
}

/// Reshape to `shape` (static or with dynamic extents taken from ONNX).
FailureOr<Value> reshapeTo(NodeImporter &n, Value x, ArrayRef<int64_t> shape,
                           RankedTensorType declared) {
  auto t = cast<RankedTensorType>(x.getType());
  auto type = RankedTensorType::get(shape, t.getElementType());
  if (declared && succeeded(verifyCompatibleShape(declared.getShape(), shape)) &&
      declared.getRank() == (int64_t)shape.size()) {
    SmallVector<int64_t> merged;
    for (auto [a, b] : llvm::zip(declared.getShape(), shape))
      merged.push_back(ShapedType::isDynamic(a) ? b : a);
    type = RankedTensorType::get(merged, t.getElementType());
  }
  if (!openReshapeMatches(t, type))
    return n.error("reshape between dynamic shapes is not supported yet (only one that "
                   "keeps an open leading extent)");
  return n.make<ReshapeOp>(type, x, Value());
}

/// Reshape's target shape read at run time (input 1) as `rank` plain
/// extents: a 0 copies the input's extent at that position (unless
/// allowzero), a -1 takes the elements the others leave
/// (numel / product of the rest; 1 when that product is 0).
Value resolveRuntimeShape(NodeImporter &n, int64_t rank) {
  Emitter e(n);
  Type i64 = n.builder().getI64Type();
  auto x = n.inputType(0);
  auto vec = [&](Value v) { return e.take(n.make<CastOp>(RankedTensorType::get({rank}, i64), v)); };
  Value s = e.reshape(n.input(1), {rank});
  if (s && cast<RankedTensorType>(s.getType()).getElementType() != i64)
    s = vec(s);
  auto cmp = [&](CompareKind k, Value a, Value b) {
    return e.ready({a, b})
               ? e.take(n.make<CompareOp>(Type(), CompareKindAttr::get(n.context(), k), a, b))
               : Value();
  };
  Value xs = e.take(n.make<ShapeOp>(RankedTensorType::get({x.getRank()}, i64), n.input(0)));
  if (!n.attrInt("allowzero", 0)) {
    // The input's extents at the first `rank` positions (1 past its rank).
    Value at = x.getRank() >= rank ? e.slice(xs, 0, 0, rank)
                                   : e.concat({xs, n.splat(i64, 1.0, {rank - x.getRank()})}, 0);
    s = e.select(cmp(CompareKind::EQ, s, n.splat(i64, 0.0)), at, s);
  }
  Value infer = cmp(CompareKind::EQ, s, n.splat(i64, -1.0));
  auto prod = [&](Value v) {
    return e.ready({v})
               ? e.take(n.make<ReduceOp>(Type(), ReduceKindAttr::get(n.context(), ReduceKind::Prod),
                                         v, n.builder().getDenseI64ArrayAttr({0}),
                                         n.builder().getBoolAttr(true),
                                         n.builder().getBoolAttr(false)))
               : Value();
  };
  Value known = prod(e.select(infer, n.splat(i64, 1.0), s));
  known = e.binary(BinaryKind::Max, known, n.splat(i64, 1.0));
  Value rest = e.binary(BinaryKind::Div, prod(xs), known);
  s = e.select(infer, rest, s);
  return e.failed() ? Value() : s;
}

LogicalResult importReshape(NodeImporter &n) {
  auto x = n.inputType(0);
  auto target = n.constInts(1);
  if (failed(target))
    target = n.partialInts(1);
  if (failed(target)) {
    auto out = n.outputType(0);
    if (out && out.hasStaticShape())
      return done(n, n.make<ReshapeOp>(out, n.input(0), Value()));
    // Before opset 5 the target is an attribute, which only ONNX's version
    // converter turns into input 1; without either there is nothing to read.
    if (!n.hasInput(1))
      return n.error("no target shape (input 1 is absent) and shape inference gives no "
                     "static result type");
    if (out) {
      Value shape = resolveRuntimeShape(n, out.getRank());
      if (!shape)
        return failure();
      return done(n, n.make<ReshapeOp>(out, n.input(0), shape));
    }
    return n.error("the target shape is not a constant and shape inference "
                   "gives no result type");
  }
  bool allowZero = n.attrInt("allowzero", 0);
  SmallVector<int64_t> shape(target->begin(), target->end());
  int64_t inferIdx = -1, known = 1;
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (d == 0 && !allowZero) {
      if ((int64_t)i >= x.getRank())
        return n.error("0 in the shape copies a dim the input does not have");
      d = x.getDimSize(i);
    }
    if (d == -1) {
      if (inferIdx >= 0)
        return n.error("the shape has more than one -1");
      inferIdx = i;
      continue;
    }
    // (A 0 that copies an open extent leaves it open.)
    if (!ShapedType::isDynamic(d) && (d < -1 || d > kMaxDim))
      return n.error("shape entry " + Twine(d) + " is out of range");
    if (ShapedType::isDynamic(d))
      known = -1;
    else if (known >= 0)
      known *= d;
  }
  if (inferIdx >= 0) {
    if (x.hasStaticShape() && known > 0) {
      if (x.getNumElements() % known)
        return n.error("cannot reshape " + Twine(x.getNumElements()) +
                       " elements with -1");
      shape[inferIdx] = x.getNumElements() / known;
    } else if (x.hasStaticShape() && known == 0) {
      shape[inferIdx] = 0;
    } else {
      // As many open extents on both sides (the batch read back with
      // Shape): the -1 holds the rest of the static elements.
      int64_t openIn = 0, staticIn = 1, openOut = 0, staticOut = 1;
      for (int64_t d : x.getShape())
        ShapedType::isDynamic(d) ? ++openIn : staticIn *= d;
      for (auto [i, d] : llvm::enumerate(shape))
        if ((int64_t)i != inferIdx)
          ShapedType::isDynamic(d) ? ++openOut : staticOut *= d;
      if (openIn == openOut && staticOut > 0 && staticIn % staticOut == 0)
        shape[inferIdx] = staticIn / staticOut;
      else
        shape[inferIdx] = ShapedType::kDynamic;
    }
  }
  // Open extents on both sides that reshapeTo cannot match up, with a
  // run-time target that holds plain extents (no 0 or -1 to resolve, as
  // Shape of another tensor): a reshape to the extents the target holds at
  // run time.
  bool plain = inferIdx < 0 && !llvm::is_contained(*target, 0) && n.hasInput(1) &&
               !n.isConstInput(1) &&
               !openReshapeMatches(x, RankedTensorType::get(shape, x.getElementType()));
  if (plain) {
    auto t = RankedTensorType::get(shape, x.getElementType());
    auto s = n.make<CastOp>(
        RankedTensorType::get({(int64_t)shape.size()}, n.builder().getI64Type()), n.input(1));
    if (failed(s))
      return failure();
    return done(n, n.make<ReshapeOp>(t, n.input(0), *s));
  }
  return done(n, reshapeTo(n, n.input(0), shape, n.outputType(0)));
}

LogicalResult importFlatten(NodeImporter &n) {
  auto x = n.inputType(0);
  int64_t axis = n.attrInt("axis", 1);
  if (axis < 0)
    axis += x.getRank();
  if (axis < 0 || axis > x.getRank())
    return n.error("axis is out of range");
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < x.getRank(); ++i) {
    int64_t &acc = i < axis ? outer : inner;
    if (x.isDynamicDim(i) || ShapedType::isDynamic(acc))
      acc = ShapedType::kDynamic;
    else
      acc *= x.getDimSize(i);
  }
  auto openIn = [&](int64_t from, int64_t to) {
    return llvm::count_if(x.getShape().slice(from, to - from), ShapedType::isDynamic);
  };
  if (openIn(0, axis) < 2 && openIn(axis, x.getRank()) < 2)
    return done(n, reshapeTo(n, n.input(0), {outer, inner}, n.outputType(0)));
  // Several open extents on one side: which of them fold into which side
  // is known here, not from the types, so the target shape is computed at
  // run time, [prod(shape[:axis]), prod(shape[axis:])], a form the lowering
  // recognizes as a collapse.
  Emitter e(n);
  Type i64 = n.builder().getI64Type();
  Value shape = e.take(n.make<ShapeOp>(RankedTensorType::get({x.getRank()}, i64), n.input(0)));
  auto product = [&](int64_t from, int64_t to) -> Value {
    if (from == to)
      return n.i64Vector({1});
    Value part = e.slice(shape, 0, from, to - from);
    return e.ready({part})
               ? e.take(n.make<ReduceOp>(Type(), ReduceKindAttr::get(n.context(), ReduceKind::Prod),
                                         part, n.builder().getDenseI64ArrayAttr({0}),
                                         n.builder().getBoolAttr(true),
                                         n.builder().getBoolAttr(false)))
               : Value();
  };
  Value target = e.concat({product(0, axis), product(axis, x.getRank())}, 0);
  if (e.failed())
    return failure();
  return done(n, n.make<ReshapeOp>(RankedTensorType::get({outer, inner}, x.getElementType()),
                                   n.input(0), target));
}

FailureOr<SmallVector<int64_t>> axesOf(NodeImporter &n, unsigned inputIdx,
                                       int64_t attrBeforeOpset) {
  if (n.opset() < attrBeforeOpset)
    return n.attrInts("axes");
  if (!n.hasInput(inputIdx))
    return SmallVector<int64_t>();
  auto c = n.constInts(inputIdx);
  if (failed(c)) {
    (void)n.error("axes must be a constant");
    return failure();
  }
  return *c;
}

/// Squeeze/Unsqueeze only move unit dims: when the axes are runtime values
/// but ONNX knows the static result type, reshaping to it is exact.
bool reshapeToDeclared(NodeImporter &n, LogicalResult &result) {
  if (n.opset() < 13 || !n.hasInput(1) || n.isConstInput(1))
    return false;
  RankedTensorType out = n.outputType(0);
  if (!out || !out.hasStaticShape() || !n.inputType(0).hasStaticShape())
    return false;
  result = done(n, n.make<ReshapeOp>(out, n.input(0), Value()));
  return true;
}

LogicalResult importSqueeze(NodeImporter &n) {
  auto x = n.inputType(0);
  LogicalResult shortcut = failure();
  if (reshapeToDeclared(n, shortcut))
    return shortcut;
  auto axes = axesOf(n, 1, 13);
  if (failed(axes))
    return failure();
  SmallVector<int64_t> drop;
  if (axes->empty()) {
    for (int64_t i = 0; i < x.getRank(); ++i)
      if (x.getDimSize(i) == 1)
        drop.push_back(i);
  } else {
    for (int64_t a : *axes) {
      auto na = n.normAxis(a, x.getRank());
      if (failed(na))
        return failure();
      if (x.getDimSize(*na) != 1 && !x.isDynamicDim(*na))
        return n.error("cannot squeeze dim " + Twine(*na) + " of extent " +
                       Twine(x.getDimSize(*na)));
      drop.push_back(*na);
    }
  }
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < x.getRank(); ++i)
    if (!llvm::is_contained(drop, i))
      shape.push_back(x.getDimSize(i));
  return done(n, reshapeTo(n, n.input(0), shape, n.outputType(0)));
}

LogicalResult importUnsqueeze(NodeImporter &n) {
  auto x = n.inputType(0);
  LogicalResult shortcut = failure();
  if (reshapeToDeclared(n, shortcut))
    return shortcut;
  auto axes = axesOf(n, 1, 13);
  if (failed(axes))
    return failure();
  int64_t rank = x.getRank() + axes->size();
  SmallVector<int64_t> ins;
  for (int64_t a : *axes) {
    auto na = n.normAxis(a, rank);
    if (failed(na))
      return failure();
    if (llvm::is_contained(ins, *na))
      return n.error("repeated axis");
    ins.push_back(*na);
  }
  SmallVector<int64_t> shape;
  int64_t src = 0;
  for (int64_t i = 0; i < rank; ++i)
    shape.push_back(llvm::is_contained(ins, i) ? 1 : x.getDimSize(src++));
  return done(n, reshapeTo(n, n.input(0), shape, n.outputType(0)));
}

LogicalResult importTranspose(NodeImporter &n) {
  auto x = n.inputType(0);
  SmallVector<int64_t> perm = n.attrInts("perm");
  if (perm.empty())
    for (int64_t i = x.getRank() - 1; i >= 0; --i)
      perm.push_back(i);
  return done(n, n.make<TransposeOp>(n.outputType(0), n.input(0), perm));
}

LogicalResult importConcat(NodeImporter &n) {
  SmallVector<Value> inputs;
  for (unsigned i = 0; i < n.numInputs(); ++i)
    if (n.hasInput(i))
      inputs.push_back(n.input(i));
  if (inputs.empty())
    return n.error("needs at least one input");
  auto axis = n.normAxis(n.attrInt("axis", 0), n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  return done(n, n.make<ConcatOp>(n.outputType(0), inputs, *axis));
}

LogicalResult importSplit(NodeImporter &n) {
  auto x = n.inputType(0);
  auto axis = n.normAxis(n.attrInt("axis", 0), x.getRank());
  if (failed(axis))
    return failure();
  SmallVector<int64_t> sizes;
  if (n.opset() < 13) {
    sizes = n.attrInts("split");
  } else if (n.hasInput(1)) {
    auto c = n.constInts(1);
    if (succeeded(c)) {
      sizes = *c;
    } else {
      // Runtime sizes: the declared output extents along the axis say it all.
      for (unsigned i = 0; i < n.numOutputs(); ++i) {
        RankedTensorType out = n.outputType(i);
        if (!out || out.getRank() != x.getRank() || out.isDynamicDim(*axis))
          return n.error("split sizes must be a constant");
        sizes.push_back(out.getDimSize(*axis));
      }
    }
  }
  int64_t parts = n.numOutputs();
  if (sizes.empty()) {
    int64_t d = x.getDimSize(*axis);
    if (ShapedType::isDynamic(d))
      return n.error("an even split needs a static axis extent");
    int64_t chunk = (d + parts - 1) / parts;
    for (int64_t i = 0; i < parts; ++i)
      sizes.push_back(std::max<int64_t>(0, std::min(chunk, d - i * chunk)));
  }
  if ((int64_t)sizes.size() != parts)
    return n.error("split has " + Twine(sizes.size()) + " sizes for " +
                   Twine(parts) + " outputs");
  SmallVector<Type> types;
  for (int64_t s : sizes) {
    SmallVector<int64_t> shape(x.getShape());
    shape[*axis] = s;
    types.push_back(RankedTensorType::get(shape, x.getElementType()));
  }
  auto op = SplitOp::create(n.builder(), n.loc(), types, n.input(0), *axis, sizes);
  if (failed(mlir::verify(op))) {
    op->erase();
    return n.error("invalid split");
  }
  for (int64_t i = 0; i < parts; ++i)
    n.setOutput(i, op->getResult(i));
  return success();
}

LogicalResult importSlice(NodeImporter &n) {
  auto x = n.inputType(0);
  int64_t rank = x.getRank();
  SmallVector<int64_t> starts, ends, axes, steps;
  if (n.opset() < 10) {
    starts = n.attrInts("starts");
    ends = n.attrInts("ends");
    axes = n.attrInts("axes");
  } else {
    auto s = n.constInts(1), e = n.constInts(2);
    if (failed(s) || failed(e))
      return n.error("starts and ends must be constants");
    starts = *s;
    ends = *e;
    if (n.hasInput(3)) {
      auto a = n.constInts(3);
      if (failed(a))
        return n.error("axes must be a constant");
      axes = *a;
    }
    if (n.hasInput(4)) {
      auto st = n.constInts(4);
      if (failed(st))
        return n.error("steps must be a constant");
      steps = *st;
    }
  }
  if (axes.empty())
    axes = llvm::to_vector(llvm::seq<int64_t>(0, starts.size()));
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (starts.size() != ends.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return n.error("starts, ends, axes and steps differ in length");
  SmallVector<int64_t> st(rank, 0), sz(x.getShape()), sp(rank, 1), en(rank, int64_t(1) << 40);
  bool cutsOpen = false;
  for (size_t i = 0; i < axes.size(); ++i) {
    auto a = n.normAxis(axes[i], rank);
    if (failed(a))
      return failure();
    int64_t d = x.getDimSize(*a);
    if (ShapedType::isDynamic(d)) {
      // An open dim taken whole (0 to the end, step 1) stays as it is;
      // otherwise ONNX's start, end and step are kept and clamped into the
      // extent at run time (positive steps).
      if (steps[i] == 1 && starts[i] == 0 && ends[i] >= (int64_t(1) << 40))
        continue;
      if (steps[i] == 0)
        return n.error("step must not be 0");
      st[*a] = std::clamp<int64_t>(starts[i], -(int64_t(1) << 40), int64_t(1) << 40);
      en[*a] = std::clamp<int64_t>(ends[i], -(int64_t(1) << 40), int64_t(1) << 40);
      sp[*a] = steps[i];
      cutsOpen = true;
      continue;
    }
    int64_t step = steps[i];
    if (step == 0)
      return n.error("step must not be 0");
    int64_t b = starts[i], e = ends[i];
    if (b < 0)
      b += d;
    if (e < 0)
      e += d;
    int64_t size;
    if (step > 0) {
      b = std::clamp<int64_t>(b, 0, d);
      e = std::clamp<int64_t>(e, 0, d);
      size = e > b ? (e - b + step - 1) / step : 0;
    } else {
      b = std::clamp<int64_t>(b, -1, d - 1);
      e = std::clamp<int64_t>(e, -1, d - 1);
      size = b > e ? (b - e + (-step) - 1) / (-step) : 0;
    }
    st[*a] = size ? b : 0;
    sz[*a] = size;
    sp[*a] = step;
  }
  if (cutsOpen)
    return done(n, n.make<SliceOp>(n.outputType(0), n.input(0), st, sz, sp,
                                   n.builder().getDenseI64ArrayAttr(en)));
  return done(n, n.make<SliceOp>(n.outputType(0), n.input(0), st, sz, sp));
}

LogicalResult importGather(NodeImporter &n) {
  auto axis = n.normAxis(n.attrInt("axis", 0), n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  return done(n, n.make<GatherOp>(n.outputType(0), n.input(0), n.input(1), *axis));
}

LogicalResult importGatherElements(NodeImporter &n) {
  auto axis = n.normAxis(n.attrInt("axis", 0), n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  return done(n, n.make<GatherElementsOp>(n.outputType(0), n.input(0), n.input(1),
                                          *axis));
}

} // namespace

FailureOr<ScatterReduction> onnx_import::scatterReduction(NodeImporter &n) {
  std::string red = n.attrString("reduction", "none");
  if (red != "none" && red != "add" && red != "mul")
    return n.error("reduction '" + red + "' is not supported");
  return red == "add"   ? ScatterReduction::Add
         : red == "mul" ? ScatterReduction::Mul
                        : ScatterReduction::None;
}

namespace {

LogicalResult importScatterElements(NodeImporter &n) {
  auto axis = n.normAxis(n.attrInt("axis", 0), n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  FailureOr<ScatterReduction> r = scatterReduction(n);
  if (failed(r))
    return failure();
  return done(n, n.make<ScatterElementsOp>(n.outputType(0), n.input(0), n.input(1), n.input(2),
                                           n.builder().getI64IntegerAttr(*axis),
                                           ScatterReductionAttr::get(n.context(), *r)));
}

LogicalResult importPad(NodeImporter &n) {
  auto x = n.inputType(0);
  std::string modeStr = n.attrString("mode", "constant");
  PadMode mode = modeStr == "reflect" ? PadMode::Reflect
                 : modeStr == "edge"  ? PadMode::Edge
                                      : PadMode::Constant;
  if (modeStr != "constant" && modeStr != "reflect" && modeStr != "edge")
    return n.error("pad mode '" + modeStr + "' is not supported");
  SmallVector<int64_t> pads;
  double value = 0.0;
  if (n.opset() < 11) {
    pads = n.attrInts("pads");
    value = n.attrFloat("value", 0.0);
  } else {
    auto p = n.constInts(1);
    if (failed(p))
      return n.error("pads must be a constant");
    pads = *p;
    if (n.hasInput(2)) {
      auto v = n.constFloats(2);
      if (failed(v) || v->size() != 1)
        return n.error("constant_value must be a constant scalar");
      value = (*v)[0];
    }
    if (n.hasInput(3)) {
      auto a = n.constInts(3);
      if (failed(a))
        return n.error("axes must be a constant");
      SmallVector<int64_t> full(2 * x.getRank(), 0);
      if (pads.size() != 2 * a->size())
        return n.error("pads must hold 2 entries per axis");
      for (auto [i, ax] : llvm::enumerate(*a)) {
        auto na = n.normAxis(ax, x.getRank());
        if (failed(na))
          return failure();
        full[*na] = pads[i];
        full[x.getRank() + *na] = pads[a->size() + i];
      }
      pads = full;
    }
  }
  return done(n, n.make<PadOp>(n.outputType(0), n.input(0),
                               n.builder().getDenseI64ArrayAttr(pads),
                               PadModeAttr::get(n.context(), mode),
                               n.builder().getF64FloatAttr(value)));
}

LogicalResult importExpand(NodeImporter &n) {
  auto x = n.inputType(0);
  auto shape = n.constInts(1);
  RankedTensorType type = n.outputType(0);
  if (succeeded(shape)) {
    auto b = broadcastShapes(x.getShape(), *shape);
    if (failed(b))
      return n.error("cannot expand the input to the given shape");
    type = RankedTensorType::get(*b, x.getElementType());
  }
  // Entries known only at run time (exporters' Shape arithmetic on open
  // extents): where the input's extent is open too, the result keeps it
  // (the target repeats the input's extent); the known entries broadcast.
  if (failed(shape)) {
    auto partial = n.partialInts(1);
    if (succeeded(partial) && partial->size() >= (size_t)x.getRank()) {
      size_t lead = partial->size() - x.getRank();
      SmallVector<int64_t> dims;
      bool ok = true;
      for (size_t i = 0; i < partial->size() && ok; ++i) {
        int64_t t = (*partial)[i];
        int64_t in = i < lead ? 1 : x.getDimSize(i - lead);
        if (ShapedType::isDynamic(t))
          ok = ShapedType::isDynamic(in), dims.push_back(in);
        else if (ShapedType::isDynamic(in))
          ok = t == 1, dims.push_back(in);
        else if (in == t || in == 1 || t == 1)
          dims.push_back(std::max(in, t));
        else
          return n.error("cannot expand the input to the given shape");
      }
      if (ok)
        type = RankedTensorType::get(dims, x.getElementType());
    }
  }
  if (!type)
    return n.error("the target shape is not a constant");
  // A run-time target: the result's extents must come from ONNX's types.
  if (failed(shape) && !type.hasStaticShape() && failed(n.partialInts(1)))
    return n.error("the target shape is known only at run time and the result has open "
                   "extents (bind it with --bind-input)");
  return done(n, n.make<ExpandOp>(type, n.input(0)));
}

/// Resize (opset 10+) and Upsample: the output extents come from `sizes` or
/// from floor(input * scales); both must be constants.
LogicalResult importResizeLike(NodeImporter &n, unsigned scalesIdx,
                               std::optional<unsigned> sizesIdx,
                               StringRef defaultCtm, StringRef defaultNearest) {
  auto x = n.inputType(0);
  int64_t rank = x.getRank();
  std::string modeName = n.attrString("mode", "nearest");
  std::optional<ResizeMode> mode;
  if (modeName == "nearest")
    mode = ResizeMode::Nearest;
  else if (modeName == "linear" || modeName == "bilinear" || modeName == "trilinear")
    mode = ResizeMode::Linear;
  else if (modeName == "cubic")
    mode = ResizeMode::Cubic;
  else
    return n.error("unknown resize mode '" + modeName + "'");
  std::string ctm = n.attrString("coordinate_transformation_mode", defaultCtm);
  if (ctm == "tf_crop_and_resize")
    return n.error("coordinate_transformation_mode 'tf_crop_and_resize' is not "
                   "supported yet");
  if (n.attrInt("antialias", 0) != 0)
    return n.error("antialias is not supported yet");
  if (n.hasAttr("axes"))
    return n.error("the 'axes' attribute is not supported yet");
  if (*mode != ResizeMode::Nearest && !isa<FloatType>(x.getElementType()))
    return n.error("linear and cubic resize need a floating-point input");
  SmallVector<double> scales;
  SmallVector<int64_t> shape;
  auto sizes = (sizesIdx && n.hasInput(*sizesIdx)) ? n.constInts(*sizesIdx)
                                                   : FailureOr<SmallVector<int64_t>>();
  if (sizesIdx && n.hasInput(*sizesIdx) && failed(sizes))
    return n.error("sizes must be a constant (bind it with --bind-input)");
  if (succeeded(sizes) && !sizes->empty()) {
    if (!x.hasStaticShape())
      return n.error("resize to given sizes needs a static input shape");
    if ((int64_t)sizes->size() != rank)
      return n.error("sizes has " + Twine(sizes->size()) + " entries for rank " +
                     Twine(rank));
    for (int64_t d = 0; d < rank; ++d) {
      if ((*sizes)[d] <= 0 || (*sizes)[d] > (int64_t(1) << 31))
        return n.error("output size " + Twine((*sizes)[d]) + " is out of range");
      shape.push_back((*sizes)[d]);
      scales.push_back(double((*sizes)[d]) / double(x.getDimSize(d)));
    }
  } else {
    FailureOr<SmallVector<double>> sc = failure();
    if (n.hasInput(scalesIdx))
      sc = n.constFloats(scalesIdx);
    if (failed(sc))
      return n.error("scales must be a constant (bind it with --bind-input)");
    if ((int64_t)sc->size() != rank)
      return n.error("scales has " + Twine(sc->size()) + " entries for rank " +
                     Twine(rank));
    for (int64_t d = 0; d < rank; ++d) {
      double s = (*sc)[d];
      // An open dim: its extent is floor(n * scale) at run time, exactly
      // an affine n * k or n floordiv 2^k for the scales allowed here.
      if (x.isDynamicDim(d)) {
        if (!isExactOpenResizeScale(s))
          return n.error(fmt::format("resizing an open dim needs an integer scale or "
                                     "1/2^k (got {})",
                                     s));
        scales.push_back(s);
        shape.push_back(ShapedType::kDynamic);
        continue;
      }
      double extent = std::floor(double(x.getDimSize(d)) * s);
      if (!(s > 0) || !(extent >= 1) || extent > double(int64_t(1) << 31))
        return n.error(fmt::format("scale {} gives an output extent out of range", s));
      scales.push_back(s);
      shape.push_back((int64_t)extent);
    }
  }
  auto resTy = RankedTensorType::get(shape, x.getElementType());
  OpBuilder &b = n.builder();
  return done(n, n.make<ResizeOp>(
                     resTy, n.input(0), b.getDenseF64ArrayAttr(scales),
                     ResizeModeAttr::get(n.context(), *mode), b.getStringAttr(ctm),
                     b.getStringAttr(n.attrString("nearest_mode", defaultNearest)),
                     b.getF64FloatAttr(n.attrFloat("cubic_coeff_a", -0.75)),
                     b.getBoolAttr(n.attrInt("exclude_outside", 0) != 0)));
}

LogicalResult importResize(NodeImporter &n) {
  if (n.opset() < 11) // Resize-10: X, scales; asymmetric, floor-like nearest.
    return importResizeLike(n, 1, std::nullopt, "asymmetric", "floor");
  return importResizeLike(n, 2, 3, "half_pixel", "round_prefer_floor");
}

LogicalResult importUpsample(NodeImporter &n) {
  return importResizeLike(n, 1, std::nullopt, "asymmetric", "floor");
}

LogicalResult importTile(NodeImporter &n) {
  auto r = n.constInts(1);
  SmallVector<int64_t> repeats;
  if (succeeded(r)) {
    repeats = *r;
  } else {
    // Runtime repeats: static input and declared output extents fix them.
    auto in = n.inputType(0);
    RankedTensorType out = n.outputType(0);
    if (!out || !out.hasStaticShape() || !in.hasStaticShape() ||
        out.getRank() != in.getRank())
      return n.error("repeats must be a constant");
    for (auto [a, b] : llvm::zip(in.getShape(), out.getShape())) {
      if (a == 0 || b % a)
        return n.error("repeats must be a constant");
      repeats.push_back(b / a);
    }
  }
  return done(n, n.make<TileOp>(n.outputType(0), n.input(0), repeats));
}

LogicalResult importShape(NodeImporter &n) {
  auto x = n.inputType(0);
  int64_t rank = x.getRank();
  int64_t start = n.attrInt("start", 0), end = n.attrInt("end", rank);
  if (start < 0)
    start += rank;
  if (end < 0)
    end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  auto dims = x.getShape().slice(start, end - start);
  if (!llvm::any_of(dims, ShapedType::isDynamic)) {
    n.setOutput(0, n.i64Vector(dims));
    return success();
  }
  auto full = n.make<ShapeOp>(
      RankedTensorType::get({rank}, n.builder().getI64Type()), n.input(0));
  if (failed(full))
    return failure();
  if (start == 0 && end == rank)
    return done(n, full);
  return done(n, n.make<SliceOp>(Type(), *full, ArrayRef<int64_t>{start},
                                 ArrayRef<int64_t>{end - start},
                                 ArrayRef<int64_t>{1}));
}

LogicalResult importSize(NodeImporter &n) {
  auto x = n.inputType(0);
  if (!x.hasStaticShape())
    return n.error("Size of a dynamic shape is not supported yet");
  auto type = RankedTensorType::get({}, n.builder().getI64Type());
  n.setOutput(0, n.constant(DenseElementsAttr::get(
                     type, ArrayRef<int64_t>{x.getNumElements()})));
  return success();
}

LogicalResult importConstant(NodeImporter &n) {
  OpBuilder &b = n.builder();
  auto scalarOr1D = [&](Type elem, auto values, bool scalar) -> ElementsAttr {
    SmallVector<int64_t> shape;
    if (!scalar)
      shape.push_back((int64_t)values.size());
    return DenseElementsAttr::get(RankedTensorType::get(shape, elem),
                                  ArrayRef(values));
  };
  ElementsAttr attr;
  if (const auto *a = n.attr("value")) {
    std::string err;
    attr = readTensor(n.context(), a->t(), n.modelDir(), err);
    if (!attr)
      return n.error("value: " + err);
  } else if (const auto *a = n.attr("value_float")) {
    attr = scalarOr1D(b.getF32Type(), SmallVector<float>{a->f()}, true);
  } else if (const auto *a = n.attr("value_floats")) {
    attr = scalarOr1D(b.getF32Type(),
                      SmallVector<float>(a->floats().begin(), a->floats().end()),
                      false);
  } else if (const auto *a = n.attr("value_int")) {
    attr = scalarOr1D(b.getI64Type(), SmallVector<int64_t>{a->i()}, true);
  } else if (const auto *a = n.attr("value_ints")) {
    attr = scalarOr1D(b.getI64Type(),
                      SmallVector<int64_t>(a->ints().begin(), a->ints().end()),
                      false);
  } else {
    return n.error("only tensor, float(s) and int(s) constants are supported");
  }
  n.setOutput(0, n.constant(attr));
  return success();
}

LogicalResult importConstantOfShape(NodeImporter &n) {
  auto shape = n.constInts(0);
  if (failed(shape)) {
    RankedTensorType out = n.outputType(0);
    if (!out || !out.hasStaticShape())
      return n.error("the shape must be a constant");
    shape = SmallVector<int64_t>(out.getShape());
  }
  for (int64_t d : *shape)
    if (d < 0 || d > kMaxDim)
      return n.error("shape entry " + Twine(d) + " is out of range");
  Type elem = n.builder().getF32Type();
  double v = 0.0;
  if (const auto *a = n.attr("value")) {
    std::string err;
    ElementsAttr t = readTensor(n.context(), a->t(), n.modelDir(), err);
    if (!t || t.getNumElements() != 1)
      return n.error("value must be a one-element tensor");
    elem = t.getElementType();
    auto type = RankedTensorType::get(*shape, elem);
    n.setOutput(0, n.constant(DenseElementsAttr::get(
                       type, t.getValues<Attribute>()[0])));
    return success();
  }
  n.setOutput(0, n.splat(elem, v, *shape));
  return success();
}

LogicalResult importRange(NodeImporter &n) {
  Type elem = n.inputType(0).getElementType();
  auto s = n.constFloats(0), l = n.constFloats(1), d = n.constFloats(2);
  // A limit computed from an open extent (arange over a sequence kept open:
  // Shape arithmetic) with constant start and delta: an open-length range.
  // Other run-time operands must be constants (bind them).
  auto limitFromShape = [&] {
    auto p = n.partialInts(1);
    return succeeded(s) && succeeded(d) && succeeded(p) && p->size() == 1;
  };
  if ((failed(s) || failed(l) || failed(d)) && !limitFromShape())
    return n.error("start, limit and delta must be constant scalars (or the limit an "
                   "input's extent)");
  if (failed(s) || failed(l) || failed(d)) {
    for (unsigned i = 0; i < 3; ++i)
      if (n.inputType(i).getRank() != 0 || n.inputType(i).getElementType() != elem)
        return n.error("start, limit and delta must be scalars of one type");
    auto type = RankedTensorType::get({ShapedType::kDynamic}, elem);
    return done(n, n.make<RangeOp>(type, n.input(0), n.input(1), n.input(2)));
  }
  if (s->size() != 1 || l->size() != 1 || d->size() != 1)
    return n.error("start, limit and delta must be scalars");
  double start = (*s)[0], limit = (*l)[0], delta = (*d)[0];
  if (delta == 0)
    return n.error("delta must not be 0");
  double cnt = std::ceil((limit - start) / delta);
  int64_t count = cnt > 0 ? (int64_t)cnt : 0;
  if (count > kMaxDim)
    return n.error("range is too long");
  auto type = RankedTensorType::get({count}, elem);
  if (failed(checkConstantSize(n, type.getShape(), elem)))
    return failure();
  n.setOutput(0, n.constant(denseOf(type, [&](int64_t i) { return start + i * delta; })));
  return success();
}

LogicalResult importDepthSpace(NodeImporter &n, bool toSpace) {
  auto x = n.inputType(0);
  if (x.getRank() != 4 || !x.hasStaticShape())
    return n.error("expects a static 4-D NCHW input");
  int64_t bs = n.attrInt("blocksize", 0);
  if (bs < 1)
    return n.error("blocksize must be >= 1");
  int64_t N = x.getDimSize(0), C = x.getDimSize(1), H = x.getDimSize(2),
          W = x.getDimSize(3);
  SmallVector<int64_t> s1, perm, s2;
  if (toSpace) {
    if (C % (bs * bs))
      return n.error("channels are not divisible by blocksize^2");
    bool crd = n.attrString("mode", "DCR") == "CRD";
    int64_t c = C / (bs * bs);
    if (crd) {
      s1 = {N, c, bs, bs, H, W};
      perm = {0, 1, 4, 2, 5, 3};
    } else {
      s1 = {N, bs, bs, c, H, W};
      perm = {0, 3, 4, 1, 5, 2};
    }
    s2 = {N, c, H * bs, W * bs};
  } else {
    if (H % bs || W % bs)
      return n.error("spatial dims are not divisible by blocksize");
    s1 = {N, C, H / bs, bs, W / bs, bs};
    perm = {0, 3, 5, 1, 2, 4};
    s2 = {N, C * bs * bs, H / bs, W / bs};
  }
  auto r1 = reshapeTo(n, n.input(0), s1, {});
  if (failed(r1))
    return failure();
  auto t = n.make<TransposeOp>(Type(), *r1, perm);
  if (failed(t))
    return failure();
  return done(n, reshapeTo(n, *t, s2, n.outputType(0)));
}

} // namespace

void onnx_import::registerTensorRules(RuleTable &t) {
  t["Reshape"] = importReshape;
  t["Flatten"] = importFlatten;
  t["Squeeze"] = importSqueeze;
  t["Unsqueeze"] = importUnsqueeze;
  t["Transpose"] = importTranspose;
  t["Concat"] = importConcat;
  t["Split"] = importSplit;
  t["Slice"] = importSlice;
  t["Gather"] = importGather;
  t["GatherElements"] = importGatherElements;
  t["ScatterElements"] = importScatterElements;
  t["Scatter"] = importScatterElements; // opset 9-10's name, the same op
  t["Pad"] = importPad;
  t["Expand"] = importExpand;
  t["Tile"] = importTile;
  t["Resize"] = importResize;
  t["Upsample"] = importUpsample;
  t["Shape"] = importShape;
  t["Size"] = importSize;
  t["Constant"] = importConstant;
  t["ConstantOfShape"] = importConstantOfShape;
  t["Range"] = importRange;
  t["DepthToSpace"] = [](NodeImporter &n) { return importDepthSpace(n, true); };
  t["SpaceToDepth"] = [](NodeImporter &n) { return importDepthSpace(n, false); };
}
