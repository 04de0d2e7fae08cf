//===- ControlFlow.cpp - ONNX If / Loop / Scan to autoglm -----------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Subgraphs are imported inline (NodeImporter::importSubgraph): the
// artifact is one straight-line program, which every target compiles.
//  - If: a constant condition imports the taken branch only; a run-time
//    one imports both and selects each output (the branches must give
//    outputs of one type; they have no side effects to avoid).
//  - Loop: unrolled. The trip count is a constant, or the declared extent
//    of the scan outputs. Loop-carried values are held once the trip count
//    or the condition ends the loop (a select per step), so a run-time trip
//    count or condition is honoured up to the unrolled count when the loop
//    has no scan outputs; scan outputs take the unrolled count as their
//    extent.
//  - Scan (opset 8 with its batch dim, and 9+): unrolled over the scan
//    inputs' static extent, either direction, any scan axes.
// See docs/conformance.md ("Control flow").
//===----------------------------------------------------------------------===//

#include "ImportContext.h"
#include <fmt/format.h>

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::onnx_import;

namespace {

/// The most iterations an unrolled loop takes.
constexpr int64_t kMaxIterations = 4096;

const onnx::GraphProto *graphAttr(NodeImporter &n, StringRef name) {
  const auto *a = n.attr(name);
  return a && a->has_g() ? &a->g() : nullptr;
}

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

FailureOr<Value> reshapeTo(NodeImporter &n, Value v, ArrayRef<int64_t> shape) {
  if (typeOf(v).getShape() == shape)
    return v;
  return n.make<ReshapeOp>(RankedTensorType::get(shape, typeOf(v).getElementType()), v, Value());
}

/// The subgraph's outputs after its nodes were imported.
FailureOr<SmallVector<Value>> bodyOutputs(NodeImporter &n, const onnx::GraphProto &g) {
  SmallVector<Value> out;
  for (const auto &o : g.output()) {
    Value v = n.lookupValue(o.name());
    if (!v)
      return n.error("subgraph output '" + o.name() +
                     "' is not produced (or is a sequence or optional, which a subgraph may "
                     "not return here)");
    out.push_back(v);
  }
  return out;
}

/// Runs the subgraph once with its formal inputs bound to `args`.
FailureOr<SmallVector<Value>> runBody(NodeImporter &n, const onnx::GraphProto &g,
                                      ArrayRef<Value> args) {
  if ((size_t)g.input_size() != args.size())
    return n.error("the body takes " + Twine(g.input_size()) + " inputs, the node passes " +
                   Twine(args.size()));
  for (auto [formal, v] : llvm::zip(g.input(), args))
    n.bind(formal.name(), v);
  if (failed(n.importSubgraph(g)))
    return failure();
  return bodyOutputs(n, g);
}

/// Stacks per-iteration values along a new axis.
FailureOr<Value> stack(NodeImporter &n, ArrayRef<Value> parts, int64_t axis) {
  SmallVector<Value> expanded;
  for (Value p : parts) {
    auto t = typeOf(p);
    if (!t.hasStaticShape() || t != typeOf(parts[0]))
      return n.error("per-iteration outputs must have one static shape to be stacked");
    SmallVector<int64_t> shape(t.getShape());
    shape.insert(shape.begin() + axis, 1);
    auto r = reshapeTo(n, p, shape);
    if (failed(r))
      return failure();
    expanded.push_back(*r);
  }
  if (expanded.size() == 1)
    return expanded[0];
  return n.make<ConcatOp>(Type(), expanded, axis);
}

bool isConstTrue(Value v) {
  auto c = v.getDefiningOp<ConstantOp>();
  if (!c)
    return false;
  auto attr = dyn_cast<DenseElementsAttr>(c.getValue());
  return attr && attr.isSplat() && attr.getElementType().isInteger(1) && attr.getSplatValue<bool>();
}

/// A value as a rank-0 i1 (conditions may come as [1]).
FailureOr<Value> asScalarBool(NodeImporter &n, Value v, StringRef what) {
  auto t = typeOf(v);
  if (!t.getElementType().isInteger(1) || !t.hasStaticShape() || t.getNumElements() != 1)
    return n.error(what + " must be a single bool");
  return reshapeTo(n, v, {});
}

LogicalResult importIf(NodeImporter &n) {
  const auto *thenG = graphAttr(n, "then_branch"), *elseG = graphAttr(n, "else_branch");
  if (!thenG || !elseG)
    return n.error("missing branch graph");
  for (const auto *g : {thenG, elseG})
    if (g->output_size() != (int)n.numOutputs())
      return n.error("a branch has " + Twine(g->output_size()) + " outputs, the If " +
                     Twine(n.numOutputs()));
  if (auto cond = n.constInts(0); succeeded(cond) && cond->size() == 1) {
    const onnx::GraphProto &g = (*cond)[0] ? *thenG : *elseG;
    if (failed(n.importSubgraph(g)))
      return failure();
    auto outs = bodyOutputs(n, g);
    if (failed(outs))
      return failure();
    for (auto [i, v] : llvm::enumerate(*outs))
      n.setOutput(i, v);
    return success();
  }
  auto cond = asScalarBool(n, n.input(0), "the condition");
  if (failed(cond))
    return failure();
  if (failed(n.importSubgraph(*thenG)))
    return failure();
  auto thenOuts = bodyOutputs(n, *thenG);
  if (failed(thenOuts))
    return failure();
  if (failed(n.importSubgraph(*elseG)))
    return failure();
  auto elseOuts = bodyOutputs(n, *elseG);
  if (failed(elseOuts))
    return failure();
  for (unsigned i = 0; i < n.numOutputs(); ++i) {
    Value a = (*thenOuts)[i], b = (*elseOuts)[i];
    if (typeOf(a) != typeOf(b) || !typeOf(a).hasStaticShape())
      return n.error("with a run-time condition both branches must give output " + Twine(i) +
                     " one static type (then: " + Twine(typeOf(a).getRank()) +
                     "-d, else: " + Twine(typeOf(b).getRank()) +
                     "-d or a different shape); control flow that changes shapes is not "
                     "supported");
    auto s = n.make<SelectOp>(typeOf(a), *cond, a, b);
    if (failed(s))
      return failure();
    n.setOutput(i, *s);
  }
  return success();
}

LogicalResult importLoop(NodeImporter &n) {
  const auto *body = graphAttr(n, "body");
  if (!body)
    return n.error("missing body graph");
  int64_t carried = (int64_t)n.numInputs() - 2;
  if (carried < 0)
    return n.error("expects the trip count and condition inputs (either may be empty)");
  int64_t scans = body->output_size() - 1 - carried;
  if (body->input_size() != carried + 2 || scans < 0)
    return n.error("the body's inputs and outputs do not match the " + Twine(carried) +
                   " loop-carried values");
  for (int64_t k = 0; k < carried; ++k)
    if (!n.input(2 + k))
      return n.error("loop-carried input " + Twine(2 + k) + " is not a tensor");

  // The iterations to unroll: the constant trip count, else the scan
  // outputs' declared extent.
  std::optional<int64_t> constTrip;
  if (n.hasInput(0)) {
    auto c = n.constInts(0);
    if (succeeded(c) && c->size() == 1)
      constTrip = (*c)[0];
  }
  int64_t count = -1;
  if (constTrip) {
    count = *constTrip;
  } else {
    for (int64_t s = 0; s < scans; ++s)
      if (RankedTensorType t = n.outputType(carried + s);
          t && t.getRank() >= 1 && !t.isDynamicDim(0))
        count = t.getDimSize(0);
  }
  if (count < 0)
    return n.error("the trip count must be a constant, or bounded by the declared extent of "
                   "a scan output (a loop that a run-time count or condition ends, with no "
                   "scan output, cannot be unrolled)");
  if (count > kMaxIterations)
    return n.error("trip count " + Twine(count) + " is over " + Twine(kMaxIterations) +
                   ", the most iterations the unrolled loop takes");
  if (count == 0 && scans > 0)
    return n.error("a loop of no iterations gives empty scan outputs, which are not supported");

  OpBuilder &b = n.builder();
  Type i1 = b.getI1Type(), i64 = b.getI64Type();
  // active: the loop has not ended before this iteration.
  Value active = n.splat(i1, 1.0);
  Value cond = active;
  if (n.hasInput(1)) {
    auto c = asScalarBool(n, n.input(1), "the condition");
    if (failed(c))
      return failure();
    cond = active = *c;
  }
  Value trip;
  if (n.hasInput(0) && !constTrip) {
    auto t = typeOf(n.input(0));
    if (!t.getElementType().isInteger(64) || t.getNumElements() != 1)
      return n.error("the trip count must be a single int64");
    auto r = reshapeTo(n, n.input(0), {});
    if (failed(r))
      return failure();
    trip = *r;
  }
  SmallVector<Value> state;
  for (int64_t k = 0; k < carried; ++k)
    state.push_back(n.input(2 + k));
  SmallVector<SmallVector<Value>> scanParts(scans);
  for (int64_t i = 0; i < count; ++i) {
    if (trip) {
      auto inRange = n.make<CompareOp>(Type(), CompareKindAttr::get(n.context(), CompareKind::LT),
                                       n.splat(i64, (double)i), trip);
      auto both = failed(inRange) ? inRange : makeBinary(n, BinaryKind::And, active, *inRange);
      if (failed(both))
        return failure();
      active = *both;
    }
    SmallVector<Value> args{n.splat(i64, (double)i), cond};
    args.append(state);
    auto outs = runBody(n, *body, args);
    if (failed(outs))
      return failure();
    for (int64_t k = 0; k < carried; ++k) {
      Value next = (*outs)[1 + k];
      if (typeOf(next) != typeOf(state[k])) {
        // A body may give a less static type than it takes; a loop whose
        // carried shapes change is refused.
        if (typeOf(next).getElementType() != typeOf(state[k]).getElementType() ||
            !typeOf(state[k]).hasStaticShape() ||
            typeOf(next).getNumElements() != typeOf(state[k]).getNumElements())
          return n.error("loop-carried value " + Twine(k) +
                         " changes its type in the body; only loops whose carried values keep "
                         "their shape are supported");
        auto r = reshapeTo(n, next, typeOf(state[k]).getShape());
        if (failed(r))
          return failure();
        next = *r;
      }
      if (!isConstTrue(active)) {
        auto s = n.make<SelectOp>(typeOf(next), active, next, state[k]);
        if (failed(s))
          return failure();
        next = *s;
      }
      state[k] = next;
    }
    for (int64_t s = 0; s < scans; ++s)
      scanParts[s].push_back((*outs)[1 + carried + s]);
    auto nextCond = asScalarBool(n, (*outs)[0], "the body's condition output");
    if (failed(nextCond))
      return failure();
    cond = *nextCond;
    if (!isConstTrue(cond)) {
      auto both = makeBinary(n, BinaryKind::And, active, cond);
      if (failed(both))
        return failure();
      active = *both;
    }
  }
  for (int64_t k = 0; k < carried; ++k)
    n.setOutput(k, state[k]);
  for (int64_t s = 0; s < scans; ++s) {
    auto st = stack(n, scanParts[s], 0);
    if (failed(st))
      return failure();
    n.setOutput(carried + s, *st);
  }
  return success();
}

/// Scan of opset 9+: `states` initial values, `inputs` scanned; appends
/// the final states and the scan outputs to `results`.
LogicalResult scanOnce(NodeImporter &n, const onnx::GraphProto &body, ArrayRef<Value> states,
                       ArrayRef<Value> inputs, SmallVectorImpl<Value> &results) {
  int64_t N = states.size(), M = inputs.size();
  int64_t L = body.output_size() - N;
  if (body.input_size() != N + M || L < 0)
    return n.error("the body's inputs and outputs do not match the states and scan inputs");
  SmallVector<int64_t> inAxes = n.attrInts("scan_input_axes"),
                       inDirs = n.attrInts("scan_input_directions"),
                       outAxes = n.attrInts("scan_output_axes"),
                       outDirs = n.attrInts("scan_output_directions");
  if (n.opset() < 9)
    inDirs = n.attrInts("directions");
  inAxes.resize(M, 0);
  inDirs.resize(M, 0);
  outDirs.resize(L, 0);
  int64_t steps = -1;
  for (int64_t j = 0; j < M; ++j) {
    auto t = typeOf(inputs[j]);
    auto ax = n.normAxis(inAxes[j], t.getRank());
    if (failed(ax))
      return failure();
    inAxes[j] = *ax;
    if (t.isDynamicDim(*ax))
      return n.error("scan input " + Twine(j) + " has an open extent along its scan axis");
    if (steps >= 0 && t.getDimSize(*ax) != steps)
      return n.error("the scan inputs differ in their number of steps");
    steps = t.getDimSize(*ax);
  }
  if (steps <= 0)
    return n.error("a scan of no steps (or no scan inputs) is not supported");
  if (steps > kMaxIterations)
    return n.error("scan of " + Twine(steps) + " steps is over " + Twine(kMaxIterations) +
                   ", the most the unrolled loop takes");
  SmallVector<Value> state(states);
  SmallVector<SmallVector<Value>> parts(L, SmallVector<Value>(steps));
  for (int64_t i = 0; i < steps; ++i) {
    SmallVector<Value> args(state);
    for (int64_t j = 0; j < M; ++j) {
      auto t = typeOf(inputs[j]);
      int64_t at = inDirs[j] ? steps - 1 - i : i;
      SmallVector<int64_t> starts(t.getRank(), 0), sizes(t.getShape()), one(t.getRank(), 1);
      starts[inAxes[j]] = at;
      sizes[inAxes[j]] = 1;
      auto sl = n.make<SliceOp>(Type(), inputs[j], starts, sizes, one);
      if (failed(sl))
        return failure();
      SmallVector<int64_t> shape(t.getShape());
      shape.erase(shape.begin() + inAxes[j]);
      auto r = reshapeTo(n, *sl, shape);
      if (failed(r))
        return failure();
      args.push_back(*r);
    }
    auto outs = runBody(n, body, args);
    if (failed(outs))
      return failure();
    for (int64_t k = 0; k < N; ++k) {
      Value v = (*outs)[k];
      if (typeOf(v) != typeOf(state[k])) {
        auto r =
            typeOf(v).getElementType() == typeOf(state[k]).getElementType() &&
                    typeOf(state[k]).hasStaticShape() &&
                    typeOf(v).getNumElements() == typeOf(state[k]).getNumElements()
                ? reshapeTo(n, v, typeOf(state[k]).getShape())
                : FailureOr<Value>(n.error("state " + Twine(k) + " changes its shape in the body"));
        if (failed(r))
          return failure();
        v = *r;
      }
      state[k] = v;
    }
    for (int64_t l = 0; l < L; ++l)
      parts[l][outDirs[l] ? steps - 1 - i : i] = (*outs)[N + l];
  }
  results.append(state);
  for (int64_t l = 0; l < L; ++l) {
    int64_t rank = typeOf(parts[l][0]).getRank() + 1;
    int64_t axis = l < (int64_t)outAxes.size() ? outAxes[l] : 0;
    auto ax = n.normAxis(axis, rank);
    if (failed(ax))
      return failure();
    auto st = stack(n, parts[l], *ax);
    if (failed(st))
      return failure();
    results.push_back(*st);
  }
  return success();
}

LogicalResult importScan(NodeImporter &n) {
  const auto *body = graphAttr(n, "body");
  if (!body)
    return n.error("missing body graph");
  int64_t M = n.attrInt("num_scan_inputs", 0);
  if (n.opset() >= 9) {
    int64_t N = (int64_t)n.numInputs() - M;
    if (M < 1 || N < 0)
      return n.error("num_scan_inputs must be in [1, inputs]");
    SmallVector<Value> states, inputs;
    for (unsigned i = 0; i < n.numInputs(); ++i)
      (i < (unsigned)N ? states : inputs).push_back(n.input(i));
    SmallVector<Value> results;
    if (failed(scanOnce(n, *body, states, inputs, results)))
      return failure();
    for (auto [i, v] : llvm::enumerate(results))
      n.setOutput(i, v);
    return success();
  }
  // Opset 8: input 0 is the optional sequence_lens, every other input has
  // a leading batch dim, and the scan axis is 1.
  if (n.hasInput(0))
    return n.error("Scan-8 with sequence_lens is not supported (every sequence is taken "
                   "whole)");
  if (M < 1 || M > (int64_t)n.numInputs())
    return n.error("num_scan_inputs must be in [1, inputs - 1]");
  int64_t N = (int64_t)n.numInputs() - 1 - M;
  if (N < 0)
    return n.error("num_scan_inputs must be in [1, inputs - 1]");
  int64_t batch = -1;
  for (unsigned i = 1; i < n.numInputs(); ++i) {
    auto t = n.inputType(i);
    if (!t || t.getRank() < 1 || t.isDynamicDim(0) || (batch >= 0 && t.getDimSize(0) != batch))
      return n.error("every input must have one static batch extent");
    batch = t.getDimSize(0);
  }
  // The body is imported once per batch entry (a fuzzed batch of 65536
  // took seconds).
  if (batch > 1024)
    return n.error(
        fmt::format("batch extent {}: Scan-8 is unrolled per batch entry, at most 1024", batch));
  SmallVector<SmallVector<Value>> perBatch;
  for (int64_t bi = 0; bi < batch; ++bi) {
    SmallVector<Value> states, inputs;
    for (unsigned i = 1; i < n.numInputs(); ++i) {
      auto t = n.inputType(i);
      SmallVector<int64_t> starts(t.getRank(), 0), sizes(t.getShape()), one(t.getRank(), 1);
      starts[0] = bi;
      sizes[0] = 1;
      auto sl = n.make<SliceOp>(Type(), n.input(i), starts, sizes, one);
      if (failed(sl))
        return failure();
      auto r = reshapeTo(n, *sl, t.getShape().drop_front());
      if (failed(r))
        return failure();
      (i <= (unsigned)N ? states : inputs).push_back(*r);
    }
    SmallVector<Value> results;
    if (failed(scanOnce(n, *body, states, inputs, results)))
      return failure();
    perBatch.push_back(results);
  }
  for (unsigned k = 0; k < perBatch[0].size(); ++k) {
    SmallVector<Value> parts;
    for (auto &r : perBatch)
      parts.push_back(r[k]);
    auto st = stack(n, parts, 0);
    if (failed(st))
      return failure();
    n.setOutput(k, *st);
  }
  return success();
}

} // namespace

void onnx_import::registerControlFlowRules(RuleTable &t) {
  t["If"] = importIf;
  t["Loop"] = importLoop;
  t["Scan"] = importScan;
}
