//===- Composite.cpp - ONNX ops spelled out in several core ops -----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss, Trilu, CumSum,
// Hardmax, EyeLike, OneHot: each becomes a few core ops (gathers, masks,
// selects, reductions, a triangular matmul), following the ONNX definition.
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::onnx_import;

namespace {

RankedTensorType withShape(RankedTensorType t, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, t.getElementType());
}

FailureOr<Value> castTo(NodeImporter &n, Value v, Type elem) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getElementType() == elem)
    return v;
  return n.make<CastOp>(RankedTensorType::get(t.getShape(), elem), v);
}

Value boolConst(NodeImporter &n, ArrayRef<int64_t> shape, ArrayRef<bool> values) {
  auto t = RankedTensorType::get(shape, n.builder().getI1Type());
  return n.constant(DenseElementsAttr::get(t, values));
}

/// The NLL part shared by both losses: `logProb` [N, C, d...], `target`
/// [N, d...]. Sets outputs 0 (loss) and returns success.
LogicalResult nllLoss(NodeImporter &n, Value logProb, Value target, Value weight,
                      Type lossType) {
  auto lp = cast<RankedTensorType>(logProb.getType());
  auto tt = cast<RankedTensorType>(target.getType());
  if (lp.getRank() < 2)
    return n.error("expects scores of rank >= 2");
  // The target has the scores' shape without the class dim (N, d1, ...);
  // open extents agree with anything.
  SmallVector<int64_t> want(lp.getShape());
  want.erase(want.begin() + 1);
  if (failed(verifyCompatibleShape(tt.getShape(), want))) {
    auto dims = [](ArrayRef<int64_t> shape) {
      std::string s;
      for (int64_t d : shape)
        s += (s.empty() ? "" : "x") + (ShapedType::isDynamic(d) ? "?" : std::to_string(d));
      return s;
    };
    std::string got = dims(tt.getShape()), exp = dims(want);
    return n.error("the target's shape [" + got +
                   "] is not the scores' shape without the "
                   "class dim [" +
                   exp + "]");
  }
  Type elem = lp.getElementType();
  std::string reduction = n.attrString("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    return n.error("unknown reduction '" + reduction + "'");
  bool hasIgnore = n.hasAttr("ignore_index");
  int64_t ignore = n.attrInt("ignore_index", 0);
  Type ti = tt.getElementType();

  // Targets equal to ignore_index read class 0 and are masked out after.
  Value safe = target;
  Value keep;
  if (hasIgnore) {
    auto eq = n.make<CompareOp>(Type(), CompareKindAttr::get(n.context(), CompareKind::NE),
                                target, n.splat(ti, (double)ignore));
    if (failed(eq))
      return failure();
    keep = *eq;
    auto s = n.make<SelectOp>(Type(), keep, target, n.splat(ti, 0.0));
    if (failed(s))
      return failure();
    safe = *s;
  }
  SmallVector<int64_t> unsq(tt.getShape());
  unsq.insert(unsq.begin() + 1, 1);
  auto idx = n.make<ReshapeOp>(withShape(tt, unsq), safe, Value());
  if (failed(idx))
    return failure();
  auto picked = n.make<GatherElementsOp>(Type(), logProb, *idx, 1);
  if (failed(picked))
    return failure();
  auto flat = n.make<ReshapeOp>(RankedTensorType::get(tt.getShape(), elem), *picked,
                                Value());
  if (failed(flat))
    return failure();
  auto loss = makeUnary(n, UnaryKind::Neg, *flat);
  if (failed(loss))
    return failure();
  // Per-element weight: weight[target] and/or the ignore mask.
  Value w;
  if (weight) {
    auto g = n.make<GatherOp>(Type(), weight, safe, 0);
    if (failed(g))
      return failure();
    w = *g;
  }
  if (keep) {
    auto k = castTo(n, keep, elem);
    if (failed(k))
      return failure();
    if (w) {
      auto m = makeBinary(n, BinaryKind::Mul, w, *k);
      if (failed(m))
        return failure();
      w = *m;
    } else {
      w = *k;
    }
  }
  if (w) {
    loss = makeBinary(n, BinaryKind::Mul, *loss, w);
    if (failed(loss))
      return failure();
  }
  if (reduction == "none") {
    n.setOutput(0, *loss);
    return success();
  }
  auto all = llvm::to_vector(llvm::seq<int64_t>(0, tt.getRank()));
  auto reduceAll = [&](Value v, ReduceKind kind) {
    return n.make<ReduceOp>(Type(), ReduceKindAttr::get(n.context(), kind), v,
                            n.builder().getDenseI64ArrayAttr(all), n.builder().getBoolAttr(false),
                            n.builder().getBoolAttr(false));
  };
  auto sumAll = [&](Value v) { return reduceAll(v, ReduceKind::Sum); };
  auto total = sumAll(*loss);
  if (failed(total))
    return failure();
  if (reduction == "sum") {
    n.setOutput(0, *total);
    return success();
  }
  if (!w) // The count of the (possibly open) target extents at run time.
    return done(n, reduceAll(*loss, ReduceKind::Mean));
  auto denom = sumAll(w);
  if (failed(denom))
    return failure();
  auto mean = makeBinary(n, BinaryKind::Div, *total, *denom, lossType);
  if (failed(mean))
    return failure();
  n.setOutput(0, *mean);
  return success();
}

LogicalResult importNLLLoss(NodeImporter &n) {
  return nllLoss(n, n.input(0), n.input(1), n.input(2), n.outputType(0));
}

LogicalResult importSoftmaxCrossEntropy(NodeImporter &n) {
  auto lp = n.make<SoftmaxOp>(Type(), n.input(0), 1, true);
  if (failed(lp))
    return failure();
  if (n.hasOutput(1))
    n.setOutput(1, *lp);
  return nllLoss(n, *lp, n.input(1), n.input(2), n.outputType(0));
}

/// Trilu over open extents or with a run-time k: cols - rows (iotas in the
/// input's shape) compared with k.
LogicalResult importOpenTrilu(NodeImporter &n, bool upper) {
  auto x = n.inputType(0);
  int64_t r = x.getRank();
  Emitter e(n);
  Type i64 = n.builder().getI64Type();
  auto iota = [&](int64_t d) {
    return e.take(n.make<IotaOp>(RankedTensorType::get(x.getShape(), i64), n.input(0), (int64_t)d));
  };
  Value diff = e.binary(BinaryKind::Sub, iota(r - 1), iota(r - 2));
  Value k = n.hasInput(1) ? e.reshape(n.input(1), {}) : n.splat(i64, 0.0);
  if (k && cast<RankedTensorType>(k.getType()).getElementType() != i64)
    k = e.take(castTo(n, k, i64));
  Value mask =
      e.ready({diff, k})
          ? e.take(n.make<CompareOp>(
                Type(),
                CompareKindAttr::get(n.context(), upper ? CompareKind::GE : CompareKind::LE), diff,
                k))
          : Value();
  Value y = e.select(mask, n.input(0), n.splat(x.getElementType(), 0.0));
  if (e.failed())
    return failure();
  n.setOutput(0, y);
  return success();
}

/// Keeps x[..., i, j] where j - i >= k (upper) or j - i <= k (lower).
LogicalResult importTrilu(NodeImporter &n) {
  auto x = n.inputType(0);
  if (x.getRank() < 2)
    return n.error("expects an input of rank >= 2");
  int64_t k = 0;
  bool constK = true;
  if (n.hasInput(1)) {
    auto c = n.constInts(1);
    constK = succeeded(c) && c->size() == 1;
    if (constK)
      k = (*c)[0];
    else if (n.inputType(1).getNumElements() != 1)
      return n.error("k must be a scalar");
  }
  bool upper = n.attrInt("upper", 1);
  if (!x.hasStaticShape() || !constK)
    return importOpenTrilu(n, upper);
  int64_t r = x.getDimSize(x.getRank() - 2), c = x.getDimSize(x.getRank() - 1);
  if (failed(checkConstantSize(n, {r, c}, n.builder().getI1Type())))
    return failure();
  SmallVector<bool> keep(r * c);
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < c; ++j)
      keep[i * c + j] = upper ? j - i >= k : j - i <= k;
  Value mask = boolConst(n, {r, c}, keep);
  return done(n, n.make<SelectOp>(n.outputType(0), mask, n.input(0),
                                  n.splat(x.getElementType(), 0.0)));
}

/// Cumulative sum as a matmul with a triangular 0/1 matrix along the axis.
LogicalResult importCumSum(NodeImporter &n) {
  auto x = n.inputType(0);
  if (!x.hasStaticShape() || x.getRank() < 1)
    return n.error("expects a static input of rank >= 1");
  auto ax = n.constInts(1);
  if (failed(ax) || ax->size() != 1)
    return n.error("axis must be a constant scalar");
  auto axis = n.normAxis((*ax)[0], x.getRank());
  if (failed(axis))
    return failure();
  bool exclusive = n.attrInt("exclusive", 0), reverse = n.attrInt("reverse", 0);
  int64_t len = x.getDimSize(*axis), rank = x.getRank();
  Type elem = x.getElementType();
  // y[j] = sum_i x[i] * T[i, j].
  if (failed(checkConstantSize(n, {len, len}, elem)))
    return failure();
  Value t = n.constant(denseOf(RankedTensorType::get({len, len}, elem), [&](int64_t e) {
    int64_t i = e / len, j = e % len;
    return reverse ? (exclusive ? i > j : i >= j) : (exclusive ? i < j : i <= j);
  }));
  SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  std::swap(perm[*axis], perm[rank - 1]);
  Value v = n.input(0);
  if (*axis != rank - 1) {
    auto tr = n.make<TransposeOp>(Type(), v, perm);
    if (failed(tr))
      return failure();
    v = *tr;
  }
  auto mm = n.make<MatMulOp>(Type(), v, t);
  if (failed(mm))
    return failure();
  if (*axis == rank - 1)
    return done(n, mm);
  return done(n, n.make<TransposeOp>(n.outputType(0), *mm, perm));
}

/// 1 at the (first) maximum along `axis`, 0 elsewhere.
LogicalResult importHardmax(NodeImporter &n) {
  auto x = n.inputType(0);
  auto axis = n.normAxis(n.attrInt("axis", -1), x.getRank());
  if (failed(axis))
    return failure();
  auto am = n.make<ReduceOp>(Type(), ReduceKindAttr::get(n.context(), ReduceKind::ArgMax),
                             n.input(0), n.builder().getDenseI64ArrayAttr({*axis}),
                             n.builder().getBoolAttr(true), n.builder().getBoolAttr(false));
  if (failed(am))
    return failure();
  if (!x.hasStaticShape()) { // Open extents: positions as an iota in x's shape.
    auto iota = n.make<IotaOp>(RankedTensorType::get(x.getShape(), n.builder().getI64Type()),
                               n.input(0), *axis);
    if (failed(iota))
      return failure();
    auto eq =
        n.make<CompareOp>(Type(), CompareKindAttr::get(n.context(), CompareKind::EQ), *iota, *am);
    if (failed(eq))
      return failure();
    return done(n, n.make<CastOp>(x, *eq));
  }
  SmallVector<int64_t> ishape(x.getRank(), 1);
  ishape[*axis] = x.getDimSize(*axis);
  if (failed(checkConstantSize(n, ishape, n.builder().getI64Type())))
    return failure();
  auto iota = n.constant(DenseElementsAttr::get(
      RankedTensorType::get(ishape, n.builder().getI64Type()),
      ArrayRef<int64_t>(llvm::to_vector(llvm::seq<int64_t>(0, x.getDimSize(*axis))))));
  auto eq = n.make<CompareOp>(Type(), CompareKindAttr::get(n.context(), CompareKind::EQ),
                              iota, *am);
  if (failed(eq))
    return failure();
  return done(n, n.make<CastOp>(x, *eq));
}

LogicalResult importEyeLike(NodeImporter &n) {
  auto x = n.inputType(0);
  if (x.getRank() != 2)
    return n.error("expects a 2-D input");
  Type elem = n.hasAttr("dtype")
                  ? convertElementType(n.context(), n.attrInt("dtype", 1))
                  : x.getElementType();
  if (!elem)
    return n.error("unsupported dtype");
  int64_t k = n.attrInt("k", 0);
  if (!x.hasStaticShape()) { // Open extents: col - row == k over iotas.
    Emitter e(n);
    auto it = RankedTensorType::get(x.getShape(), n.builder().getI64Type());
    Value rows = e.take(n.make<IotaOp>(it, n.input(0), (int64_t)0));
    Value cols = e.take(n.make<IotaOp>(it, n.input(0), (int64_t)1));
    Value diff = e.binary(BinaryKind::Sub, cols, rows);
    Value eq =
        e.ready({diff})
            ? e.take(n.make<CompareOp>(Type(), CompareKindAttr::get(n.context(), CompareKind::EQ),
                                       diff, n.splat(n.builder().getI64Type(), (double)k)))
            : Value();
    Value y = e.ready({eq}) ? e.take(n.make<CastOp>(RankedTensorType::get(x.getShape(), elem), eq))
                            : Value();
    if (e.failed())
      return failure();
    n.setOutput(0, y);
    return success();
  }
  int64_t r = x.getDimSize(0), c = x.getDimSize(1);
  if (failed(checkConstantSize(n, {r, c}, elem)))
    return failure();
  n.setOutput(0, n.constant(denseOf(RankedTensorType::get({r, c}, elem),
                                    [&](int64_t e) { return (double)(e % c - e / c == k); })));
  return success();
}

/// values[1] where the (wrapped) index equals the position, values[0] else.
/// A depth that is not a constant (a graph input) takes its extent from
/// the output's declared shape and wraps negative indices by its run-time
/// value.
LogicalResult importOneHot(NodeImporter &n) {
  auto idx = n.inputType(0);
  int64_t rank = idx.getRank() + 1;
  auto axis = n.normAxis(n.attrInt("axis", -1), rank);
  if (failed(axis))
    return failure();
  auto depth = n.constFloats(1);
  auto dt = n.inputType(1);
  RankedTensorType out = n.outputType(0);
  bool runtimeDepth = failed(depth);
  if (!idx.hasStaticShape() || dt.getNumElements() != 1 ||
      (runtimeDepth && (!out || out.getRank() != rank || out.isDynamicDim(*axis))))
    return n.error("expects static indices and a scalar depth that is a constant or the "
                   "output's declared extent");
  int64_t d = runtimeDepth ? out.getDimSize(*axis) : (int64_t)(*depth)[0];
  if (d < 1)
    return n.error("depth must be >= 1");
  Type ie = idx.getElementType();
  Value indices = n.input(0);
  if (isa<FloatType>(ie)) {
    auto c = castTo(n, indices, n.builder().getI64Type());
    if (failed(c))
      return failure();
    indices = *c;
    ie = n.builder().getI64Type();
  }
  // Negative indices count from the end.
  auto neg = n.make<CompareOp>(Type(), CompareKindAttr::get(n.context(), CompareKind::LT),
                               indices, n.splat(ie, 0.0));
  if (failed(neg))
    return failure();
  Value depthValue = n.splat(ie, (double)d);
  if (runtimeDepth) {
    Value dv = n.input(1);
    if (dt.getElementType() != ie) {
      auto c = castTo(n, dv, ie);
      if (failed(c))
        return failure();
      dv = *c;
    }
    auto s = n.make<ReshapeOp>(RankedTensorType::get({}, ie), dv, Value());
    if (failed(s))
      return failure();
    depthValue = *s;
  }
  auto wrapped = makeBinary(n, BinaryKind::Add, indices, depthValue);
  if (failed(wrapped))
    return failure();
  auto fixed = n.make<SelectOp>(Type(), *neg, *wrapped, indices);
  if (failed(fixed))
    return failure();
  SmallVector<int64_t> ushape(idx.getShape());
  ushape.insert(ushape.begin() + *axis, 1);
  auto u = n.make<ReshapeOp>(RankedTensorType::get(ushape, ie), *fixed, Value());
  if (failed(u))
    return failure();
  SmallVector<int64_t> ishape(rank, 1);
  ishape[*axis] = d;
  if (failed(checkConstantSize(n, ishape, ie)))
    return failure();
  Value iota =
      n.constant(denseOf(RankedTensorType::get(ishape, ie), [](int64_t i) { return (double)i; }));
  auto eq = n.make<CompareOp>(Type(), CompareKindAttr::get(n.context(), CompareKind::EQ),
                              iota, *u);
  if (failed(eq))
    return failure();
  auto vt = n.inputType(2);
  if (!vt.hasStaticShape() || vt.getNumElements() != 2)
    return n.error("values must hold [off, on]");
  auto sl = [&](int64_t i) {
    return n.make<SliceOp>(Type(), n.input(2), ArrayRef<int64_t>{i},
                           ArrayRef<int64_t>{1}, ArrayRef<int64_t>{1});
  };
  auto off = sl(0), on = sl(1);
  if (failed(off) || failed(on))
    return failure();
  return done(n, n.make<SelectOp>(n.outputType(0), *eq, *on, *off));
}

} // namespace

namespace {

/// ai.onnx.preview.training Gradient: d(y)/d(x) for each x in `xs`, by
/// reverse-mode differentiation of the ops between them (seed: ones, i.e.
/// the gradient of the sum of y's elements). Add, Sub, Mul and Div of
/// same-shape operands are differentiated; anything else is refused.
LogicalResult importGradient(NodeImporter &n) {
  const onnx::AttributeProto *xsAttr = n.attr("xs");
  std::string yName = n.attrString("y", "");
  if (!xsAttr || yName.empty())
    return n.error("Gradient needs the xs and y attributes");
  Value y = n.lookupValue(yName);
  if (!y)
    return n.error("Gradient: y '" + yName + "' is not a value computed before it");
  SmallVector<Value> xs;
  for (const std::string &name : xsAttr->strings()) {
    Value x = n.lookupValue(name);
    if (!x)
      return n.error("Gradient: x '" + name + "' is not a value computed before it");
    xs.push_back(x);
  }
  if ((int)xs.size() != (int)n.numOutputs())
    return n.error("Gradient has one output per entry of xs");
  llvm::DenseSet<Value> leaves(xs.begin(), xs.end());
  // The ops from the xs to y, producers first.
  SmallVector<Operation *> order;
  llvm::DenseSet<Operation *> seen;
  std::function<void(Value)> visit = [&](Value v) {
    Operation *op = v.getDefiningOp();
    if (leaves.contains(v) || !op || isa<ConstantOp>(op) || !seen.insert(op).second)
      return;
    for (Value operand : op->getOperands())
      visit(operand);
    order.push_back(op);
  };
  visit(y);
  auto yTy = cast<RankedTensorType>(y.getType());
  llvm::DenseMap<Value, Value> adj;
  adj[y] = n.splat(yTy.getElementType(), 1.0, yTy.getShape());
  auto accumulate = [&](Value v, Value g) -> LogicalResult {
    if (!adj.count(v)) {
      adj[v] = g;
      return success();
    }
    auto sum = makeBinary(n, BinaryKind::Add, adj[v], g);
    if (failed(sum))
      return failure();
    adj[v] = *sum;
    return success();
  };
  for (Operation *op : llvm::reverse(order)) {
    Value g = adj.lookup(op->getResult(0));
    if (!g)
      continue;
    auto bin = dyn_cast<BinaryOp>(op);
    if (!bin || bin.getLhs().getType() != bin.getType() ||
        bin.getRhs().getType() != bin.getType())
      return n.error("Gradient: cannot differentiate " +
                     op->getName().getStringRef().str() +
                     " (Add, Sub, Mul and Div of same-shape operands only)");
    Value a = bin.getLhs(), b = bin.getRhs();
    auto mul = [&](Value l, Value r) { return makeBinary(n, BinaryKind::Mul, l, r); };
    auto div = [&](Value l, Value r) { return makeBinary(n, BinaryKind::Div, l, r); };
    auto neg = [&](Value v) { return makeUnary(n, UnaryKind::Neg, v); };
    FailureOr<Value> ga = g, gb = g;
    switch (bin.getKind()) {
    case BinaryKind::Add:
      break;
    case BinaryKind::Sub:
      gb = neg(g);
      break;
    case BinaryKind::Mul:
      ga = mul(g, b);
      gb = mul(g, a);
      break;
    case BinaryKind::Div: {
      // d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -(a/b)/b.
      ga = div(g, b);
      auto q = div(bin.getResult(), b);
      gb = failed(q) ? q : mul(g, *q);
      gb = failed(gb) ? gb : neg(*gb);
      break;
    }
    default:
      return n.error("Gradient: cannot differentiate this binary op "
                     "(Add, Sub, Mul and Div only)");
    }
    if (failed(ga) || failed(gb) || failed(accumulate(a, *ga)) ||
        failed(accumulate(b, *gb)))
      return failure();
  }
  for (auto [i, x] : llvm::enumerate(xs)) {
    auto xTy = cast<RankedTensorType>(x.getType());
    Value g = adj.lookup(x);
    n.setOutput(i, g ? g : n.splat(xTy.getElementType(), 0.0, xTy.getShape()));
  }
  return success();
}

/// GatherND / ScatterND's index arithmetic: the last dim of `indices`
/// (k entries, each wrapped if negative) addressing dims [b, b + k) of a
/// static `data`, with `b` batch dims, as one flat index per index tuple
/// into data viewed [prod(dims[0, b + k)), dims[b + k, r)...]. Returns
/// (flat indices of shape indices[:-1], the view's shape).
FailureOr<std::pair<Value, SmallVector<int64_t>>> flatIndices(NodeImporter &n, Value indices,
                                                              RankedTensorType data, int64_t b) {
  auto it = cast<RankedTensorType>(indices.getType());
  int64_t r = data.getRank(), q = it.getRank();
  if (!data.hasStaticShape() || !it.hasStaticShape() || q < 1)
    return n.error("expects data and indices of static shapes");
  int64_t k = it.getDimSize(q - 1);
  if (b < 0 || b >= q || b >= r || k < 1 || b + k > r)
    return n.error("indices' last dim (" + Twine(k) + ") and batch_dims (" + Twine(b) +
                   ") do not fit data of rank " + Twine(r));
  for (int64_t i = 0; i < b; ++i)
    if (it.getDimSize(i) != data.getDimSize(i))
      return n.error("indices and data differ in batch dim " + Twine(i));
  Type i64 = n.builder().getI64Type();
  if (it.getElementType() != i64) {
    auto c = castTo(n, indices, i64);
    if (failed(c))
      return failure();
    indices = *c;
  }
  // Per entry of the last dim: its extent (to wrap a negative index) and
  // its stride in the flattened addressed dims.
  SmallVector<int64_t> vshape(q, 1);
  vshape[q - 1] = k;
  auto vecTy = RankedTensorType::get(vshape, i64);
  SmallVector<int64_t> ext, stride(k, 1);
  for (int64_t j = 0; j < k; ++j)
    ext.push_back(data.getDimSize(b + j));
  for (int64_t j = k - 2; j >= 0; --j)
    stride[j] = stride[j + 1] * ext[j + 1];
  auto neg = n.make<CompareOp>(Type(), CompareKindAttr::get(n.context(), CompareKind::LT), indices,
                               n.splat(i64, 0.0));
  auto wrapped = makeBinary(n, BinaryKind::Add, indices,
                            n.constant(DenseElementsAttr::get(vecTy, ArrayRef<int64_t>(ext))));
  if (failed(neg) || failed(wrapped))
    return failure();
  auto fixed = n.make<SelectOp>(Type(), *neg, *wrapped, indices);
  if (failed(fixed))
    return failure();
  auto scaled = makeBinary(n, BinaryKind::Mul, *fixed,
                           n.constant(DenseElementsAttr::get(vecTy, ArrayRef<int64_t>(stride))));
  if (failed(scaled))
    return failure();
  auto flat = n.make<ReduceOp>(Type(), ReduceKindAttr::get(n.context(), ReduceKind::Sum), *scaled,
                               n.builder().getDenseI64ArrayAttr({q - 1}),
                               n.builder().getBoolAttr(false), n.builder().getBoolAttr(false));
  if (failed(flat))
    return failure();
  Value idx = *flat;
  int64_t addressed = 1;
  for (int64_t e : ext)
    addressed *= e;
  // Batch dims: each batch's block of the flattened data.
  if (b > 0) {
    SmallVector<int64_t> bshape(it.getShape().drop_back());
    for (int64_t i = b; i < q - 1; ++i)
      bshape[i] = 1;
    int64_t batches = 1;
    for (int64_t i = 0; i < b; ++i)
      batches *= it.getDimSize(i);
    if (failed(checkConstantSize(n, {batches}, i64)))
      return failure();
    SmallVector<int64_t> offsets;
    for (int64_t i = 0; i < batches; ++i)
      offsets.push_back(i * addressed);
    auto off = makeBinary(n, BinaryKind::Add, idx,
                          n.constant(DenseElementsAttr::get(RankedTensorType::get(bshape, i64),
                                                            ArrayRef<int64_t>(offsets))));
    if (failed(off))
      return failure();
    idx = *off;
    addressed *= batches;
  }
  SmallVector<int64_t> view = {addressed};
  view.append(data.getShape().begin() + b + k, data.getShape().end());
  return std::make_pair(idx, view);
}

/// GatherND: data viewed [tuples, rest...] gathered along dim 0 by each
/// index tuple's flat index.
LogicalResult importGatherND(NodeImporter &n) {
  auto data = n.inputType(0);
  int64_t b = n.attrInt("batch_dims", 0);
  auto fi = flatIndices(n, n.input(1), data, b);
  if (failed(fi))
    return failure();
  auto [idx, view] = *fi;
  auto flat =
      n.make<ReshapeOp>(RankedTensorType::get(view, data.getElementType()), n.input(0), Value());
  if (failed(flat))
    return failure();
  return done(n, n.make<GatherOp>(n.outputType(0), *flat, idx, 0));
}

/// ScatterND: data viewed [tuples, rest...], updates [n, rest...] written
/// (or added / multiplied) at each tuple's flat index, as ScatterElements
/// along dim 0 with the index broadcast over the rest.
LogicalResult importScatterND(NodeImporter &n) {
  auto data = n.inputType(0);
  auto ut = n.inputType(2);
  FailureOr<ScatterReduction> r = scatterReduction(n);
  if (failed(r))
    return failure();
  if (!ut.hasStaticShape())
    return n.error("expects updates of a static shape");
  auto fi = flatIndices(n, n.input(1), data, 0);
  if (failed(fi))
    return failure();
  auto [idx, view] = *fi;
  auto idxTy = cast<RankedTensorType>(idx.getType());
  int64_t count = idxTy.getNumElements();
  SmallVector<int64_t> ushape = {count};
  ushape.append(view.begin() + 1, view.end());
  if (ShapedType::getNumElements(ushape) != ut.getNumElements())
    return n.error("updates do not have the shape indices[:-1] + data[k:]");
  Type elem = data.getElementType();
  auto flat = n.make<ReshapeOp>(RankedTensorType::get(view, elem), n.input(0), Value());
  auto upd = n.make<ReshapeOp>(RankedTensorType::get(ushape, elem), n.input(2), Value());
  SmallVector<int64_t> ishape(ushape.size(), 1);
  ishape[0] = count;
  auto idx1 =
      n.make<ReshapeOp>(RankedTensorType::get(ishape, idxTy.getElementType()), idx, Value());
  if (failed(flat) || failed(upd) || failed(idx1))
    return failure();
  auto full = n.make<ExpandOp>(RankedTensorType::get(ushape, idxTy.getElementType()), *idx1);
  if (failed(full))
    return failure();
  auto s = n.make<ScatterElementsOp>(RankedTensorType::get(view, elem), *flat, *full, *upd,
                                     n.builder().getI64IntegerAttr(0),
                                     ScatterReductionAttr::get(n.context(), *r));
  if (failed(s))
    return failure();
  return done(n, n.make<ReshapeOp>(n.outputType(0), *s, Value()));
}

/// LRN: x / (bias + alpha / size * sum of x^2 over the `size` channels
/// around each one)^beta; the sum is an average pool of x^2 over a
/// [size, 1] window (zeros padded, counted) on x viewed [N, 1, C, rest],
/// times size.
LogicalResult importLRN(NodeImporter &n) {
  auto x = n.inputType(0);
  if (!x.hasStaticShape() || x.getRank() < 3 || !isa<FloatType>(x.getElementType()))
    return n.error("expects a float input of static shape and rank >= 3");
  int64_t size = n.attrInt("size", 0);
  // (A window of 2^63 - 1 channels overflowed the pool's extent
  // arithmetic: UBSan on a fuzzed LRN.)
  if (size < 1 || size > (int64_t(1) << 20))
    return n.error("size must be in 1..2^20, got " + Twine(size));
  double alpha = n.attrFloat("alpha", 1e-4), beta = n.attrFloat("beta", 0.75),
         bias = n.attrFloat("bias", 1.0);
  Type elem = x.getElementType();
  int64_t c = x.getDimSize(1), rest = 1;
  for (int64_t d = 2; d < x.getRank(); ++d)
    rest *= x.getDimSize(d);
  auto sq = makeBinary(n, BinaryKind::Mul, n.input(0), n.input(0));
  if (failed(sq))
    return failure();
  auto v =
      n.make<ReshapeOp>(RankedTensorType::get({x.getDimSize(0), 1, c, rest}, elem), *sq, Value());
  if (failed(v))
    return failure();
  int64_t lo = (size - 1) / 2, hi = size - 1 - lo;
  auto avg = n.make<PoolOp>(
      RankedTensorType::get({x.getDimSize(0), 1, c, rest}, elem),
      PoolKindAttr::get(n.context(), PoolKind::Avg), *v,
      n.builder().getDenseI64ArrayAttr({size, 1}), n.builder().getDenseI64ArrayAttr({1, 1}),
      n.builder().getDenseI64ArrayAttr({1, 1}), n.builder().getDenseI64ArrayAttr({lo, 0, hi, 0}),
      n.builder().getDenseI64ArrayAttr({}), n.builder().getBoolAttr(true),
      n.builder().getI64IntegerAttr(2));
  if (failed(avg))
    return failure();
  auto back = n.make<ReshapeOp>(x, *avg, Value());
  if (failed(back))
    return failure();
  // bias + alpha * mean (the pool's mean is the window sum / size).
  auto scaled = makeBinary(n, BinaryKind::Mul, *back, n.splat(elem, alpha));
  if (failed(scaled))
    return failure();
  auto base = makeBinary(n, BinaryKind::Add, *scaled, n.splat(elem, bias));
  if (failed(base))
    return failure();
  auto den = makeBinary(n, BinaryKind::Pow, *base, n.splat(elem, beta));
  if (failed(den))
    return failure();
  return done(n, makeBinary(n, BinaryKind::Div, n.input(0), *den, n.outputType(0)));
}

/// TopK with a constant k (or, when k is a graph input, the outputs'
/// declared extent along the axis): one autoglm.top_k (sorted; ONNX's
/// sorted = 0 leaves the order to us).
LogicalResult importTopK(NodeImporter &n) {
  auto x = n.inputType(0);
  if (!x || x.getRank() < 1)
    return n.error("expects a ranked input of rank >= 1");
  auto axis = n.normAxis(n.attrInt("axis", -1), x.getRank());
  if (failed(axis))
    return failure();
  bool largest = n.attrInt("largest", 1) != 0;
  int64_t k = -1;
  if (n.opset() < 10) {
    k = n.attrInt("k", -1);
  } else if (auto kc = n.constInts(1); succeeded(kc) && kc->size() == 1) {
    k = (*kc)[0];
  } else if (RankedTensorType out = n.outputType(0);
             out && out.getRank() == x.getRank() && !out.isDynamicDim(*axis)) {
    k = out.getDimSize(*axis);
  }
  if (k < 0)
    return n.error("k must be a constant or the outputs' declared extent");
  if (k == 0)
    return n.error("k = 0 gives empty outputs, which are not supported");
  if (!x.isDynamicDim(*axis) && k > x.getDimSize(*axis))
    return n.error("k = " + Twine(k) + " exceeds the axis' extent (" + Twine(x.getDimSize(*axis)) +
                   ")");
  Type elem = x.getElementType();
  if (elem.isInteger(1) || !(isa<FloatType>(elem) || isa<IntegerType>(elem)))
    return n.error("expects a numeric input");
  SmallVector<int64_t> shape(x.getShape());
  shape[*axis] = k;
  auto values = n.make<TopKOp>(RankedTensorType::get(shape, elem),
                               RankedTensorType::get(shape, n.builder().getI64Type()), n.input(0),
                               n.builder().getI64IntegerAttr(*axis),
                               n.builder().getI64IntegerAttr(k), n.builder().getBoolAttr(largest));
  if (failed(values))
    return failure();
  n.setOutput(0, *values);
  if (n.hasOutput(1))
    n.setOutput(1, values->getDefiningOp()->getResult(1));
  return success();
}

/// MeanVarianceNormalization as ONNX's function spells it: (X - E[X]) /
/// (sqrt(E[X^2] - E[X]^2) + 1e-9) over `axes` (default 0, 2, 3).
LogicalResult importMVN(NodeImporter &n) {
  auto x = n.inputType(0);
  if (!isa<FloatType>(x.getElementType()))
    return n.error("expects a float input");
  SmallVector<int64_t> axes = n.attrInts("axes");
  if (axes.empty())
    axes = {0, 2, 3};
  for (int64_t &a : axes) {
    auto na = n.normAxis(a, x.getRank());
    if (failed(na))
      return failure();
    a = *na;
  }
  Type elem = x.getElementType();
  auto mean = [&](Value v) {
    return n.make<ReduceOp>(Type(), ReduceKindAttr::get(n.context(), ReduceKind::Mean), v,
                            n.builder().getDenseI64ArrayAttr(axes), n.builder().getBoolAttr(true),
                            n.builder().getBoolAttr(false));
  };
  auto mu = mean(n.input(0));
  auto sq = makeBinary(n, BinaryKind::Mul, n.input(0), n.input(0));
  if (failed(mu) || failed(sq))
    return failure();
  auto ex2 = mean(*sq);
  auto mu2 = makeBinary(n, BinaryKind::Mul, *mu, *mu);
  if (failed(ex2) || failed(mu2))
    return failure();
  auto var = makeBinary(n, BinaryKind::Sub, *ex2, *mu2);
  auto sd = failed(var) ? FailureOr<Value>() : makeUnary(n, UnaryKind::Sqrt, *var);
  auto den = failed(sd) ? sd : makeBinary(n, BinaryKind::Add, *sd, n.splat(elem, 1e-9));
  auto d = makeBinary(n, BinaryKind::Sub, n.input(0), *mu);
  if (failed(den) || failed(d))
    return failure();
  return done(n, makeBinary(n, BinaryKind::Div, *d, *den, n.outputType(0)));
}

/// HannWindow / HammingWindow / BlackmanWindow: a constant of the size
/// input's value when it is a constant, else of the output's declared
/// extent (the size input is then taken to match it), as
/// a0 - a1 cos(2 pi n / D) + a2 cos(4 pi n / D), D = N (periodic) or N - 1.
LogicalResult importWindow(NodeImporter &n, double a0, double a1, double a2) {
  int64_t size = -1;
  if (auto c = n.constInts(0); succeeded(c) && c->size() == 1)
    size = (*c)[0];
  else if (RankedTensorType out = n.outputType(0);
           out && out.getRank() == 1 && !out.isDynamicDim(0))
    size = out.getDimSize(0);
  if (size < 1 || size > (int64_t(1) << 24))
    return n.error("the window size must be a constant or the output's declared extent, in "
                   "[1, 2^24]");
  Type elem = convertElementType(n.context(), n.attrInt("output_datatype", 1));
  if (!elem || !isa<FloatType>(elem))
    return n.error("output_datatype must be a float type");
  bool periodic = n.attrInt("periodic", 1) != 0;
  double d = periodic ? (double)size : (double)(size - 1);
  SmallVector<APFloat> vals;
  for (int64_t i = 0; i < size; ++i) {
    double x = d > 0 ? 2 * M_PI * i / d : 0.0;
    APFloat v(a0 - a1 * std::cos(x) + a2 * std::cos(2 * x));
    bool lost;
    v.convert(cast<FloatType>(elem).getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
    vals.push_back(v);
  }
  n.setOutput(0, n.constant(DenseElementsAttr::get(RankedTensorType::get({size}, elem), vals)));
  return success();
}

/// ReverseSequence: along time_axis, each batch entry's first len[b]
/// steps reversed, the rest kept: GatherElements by the index
/// t < len[b] ? len[b] - 1 - t : t, broadcast over the other dims.
LogicalResult importReverseSequence(NodeImporter &n) {
  auto x = n.inputType(0);
  if (!x.hasStaticShape() || x.getRank() < 2)
    return n.error("expects an input of static shape and rank >= 2");
  int64_t ta = n.attrInt("time_axis", 0), ba = n.attrInt("batch_axis", 1);
  if (!((ta == 0 && ba == 1) || (ta == 1 && ba == 0)))
    return n.error("time_axis and batch_axis must be 0 and 1 (either way)");
  Type i64 = n.builder().getI64Type();
  int64_t r = x.getRank(), steps = x.getDimSize(ta);
  // The time index along time_axis, the lengths along batch_axis, each
  // shaped to broadcast over x.
  SmallVector<int64_t> tshape(r, 1), lshape(r, 1);
  tshape[ta] = steps;
  lshape[ba] = x.getDimSize(ba);
  if (failed(checkConstantSize(n, tshape, i64)))
    return failure();
  SmallVector<int64_t> iota;
  for (int64_t t = 0; t < steps; ++t)
    iota.push_back(t);
  Value tv = n.constant(
      DenseElementsAttr::get(RankedTensorType::get(tshape, i64), ArrayRef<int64_t>(iota)));
  Value len = n.input(1);
  if (n.inputType(1).getElementType() != i64) {
    auto c = castTo(n, len, i64);
    if (failed(c))
      return failure();
    len = *c;
  }
  auto l = n.make<ReshapeOp>(RankedTensorType::get(lshape, i64), len, Value());
  if (failed(l))
    return failure();
  auto inside =
      n.make<CompareOp>(Type(), CompareKindAttr::get(n.context(), CompareKind::LT), tv, *l);
  auto lm1 = makeBinary(n, BinaryKind::Sub, *l, n.splat(i64, 1.0));
  auto rev = failed(lm1) ? lm1 : makeBinary(n, BinaryKind::Sub, *lm1, tv);
  if (failed(inside) || failed(rev))
    return failure();
  auto idx = n.make<SelectOp>(Type(), *inside, *rev, tv);
  if (failed(idx))
    return failure();
  auto full = n.make<ExpandOp>(RankedTensorType::get(x.getShape(), i64), *idx);
  if (failed(full))
    return failure();
  return done(n, n.make<GatherElementsOp>(n.outputType(0), n.input(0), *full, ta));
}

} // namespace

void onnx_import::registerCompositeRules(RuleTable &t) {
  t["NegativeLogLikelihoodLoss"] = importNLLLoss;
  t["ai.onnx.preview.training.Gradient"] = importGradient;
  t["SoftmaxCrossEntropyLoss"] = importSoftmaxCrossEntropy;
  t["Trilu"] = importTrilu;
  t["CumSum"] = importCumSum;
  t["Hardmax"] = importHardmax;
  t["EyeLike"] = importEyeLike;
  t["OneHot"] = importOneHot;
  t["GatherND"] = importGatherND;
  t["ScatterND"] = importScatterND;
  t["LRN"] = importLRN;
  t["TopK"] = importTopK;
  t["MeanVarianceNormalization"] = importMVN;
  t["ReverseSequence"] = importReverseSequence;
  t["HannWindow"] = [](NodeImporter &n) { return importWindow(n, 0.5, 0.5, 0.0); };
  t["HammingWindow"] = [](NodeImporter &n) { return importWindow(n, 25.0 / 46, 21.0 / 46, 0.0); };
  t["BlackmanWindow"] = [](NodeImporter &n) { return importWindow(n, 0.42, 0.5, 0.08); };
}
