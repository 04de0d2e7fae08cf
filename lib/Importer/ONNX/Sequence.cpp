//===- Sequence.cpp - ONNX sequence ops, resolved at import time ----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// A sequence never reaches the autoglm dialect: the importer keeps it as a
// list of tensor values, so every position (SequenceAt, SequenceInsert,
// SequenceErase) and split size must be a constant, which a deployment gets
// with --bind-input. Sequences may not be graph inputs or outputs. A split
// by run-time sizes whose count is static gives a sequence of known length
// and unknown elements: SequenceLength reads it, anything else is refused.
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

#include "mlir/IR/Verifier.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::onnx_import;

namespace {

/// The constant scalar position at input `i`, checked against [lo, hi] and
/// made non-negative by adding `len` (ONNX counts negative positions from
/// the end).
FailureOr<int64_t> position(NodeImporter &n, unsigned i, int64_t len, int64_t lo,
                            int64_t hi) {
  auto c = n.constInts(i);
  if (failed(c) || c->size() != 1)
    return n.error("the position must be a constant scalar (bind it with "
                   "--bind-input)");
  int64_t p = (*c)[0];
  if (p < lo || p > hi)
    return n.error("position " + Twine(p) + " is out of range [" + Twine(lo) +
                   ", " + Twine(hi) + "] for a sequence of " + Twine(len));
  return p < 0 ? p + len : p;
}

LogicalResult importSequenceEmpty(NodeImporter &n) {
  n.setOutputSequence(0, {});
  return success();
}

LogicalResult importSequenceConstruct(NodeImporter &n) {
  SmallVector<Value> elems;
  for (unsigned i = 0; i < n.numInputs(); ++i)
    elems.push_back(n.input(i));
  n.setOutputSequence(0, elems);
  return success();
}

LogicalResult importSequenceInsert(NodeImporter &n) {
  auto seq = n.inputSequence(0);
  if (failed(seq))
    return failure();
  int64_t len = seq->size(), at = len;
  if (n.hasInput(2)) {
    auto p = position(n, 2, len, -len, len);
    if (failed(p))
      return failure();
    at = *p;
  }
  seq->insert(seq->begin() + at, n.input(1));
  n.setOutputSequence(0, *seq);
  return success();
}

LogicalResult importSequenceErase(NodeImporter &n) {
  auto seq = n.inputSequence(0);
  if (failed(seq))
    return failure();
  int64_t len = seq->size();
  if (len == 0)
    return n.error("erase from an empty sequence");
  int64_t at = len - 1;
  if (n.hasInput(1)) {
    auto p = position(n, 1, len, -len, len - 1);
    if (failed(p))
      return failure();
    at = *p;
  }
  seq->erase(seq->begin() + at);
  n.setOutputSequence(0, *seq);
  return success();
}

LogicalResult importSequenceAt(NodeImporter &n) {
  auto seq = n.inputSequence(0);
  if (failed(seq))
    return failure();
  int64_t len = seq->size();
  auto p = position(n, 1, len, -len, len - 1);
  if (failed(p))
    return failure();
  n.setOutput(0, (*seq)[*p]);
  return success();
}

LogicalResult importSequenceLength(NodeImporter &n) {
  auto seq = n.inputSequence(0, /*lengthOnly=*/true);
  if (failed(seq))
    return failure();
  n.setOutput(0, n.splat(n.builder().getI64Type(), (double)seq->size()));
  return success();
}

LogicalResult importConcatFromSequence(NodeImporter &n) {
  auto seq = n.inputSequence(0);
  if (failed(seq))
    return failure();
  if (seq->empty())
    return n.error("concatenation of an empty sequence");
  auto first = cast<RankedTensorType>(seq->front().getType());
  bool newAxis = n.attrInt("new_axis", 0) != 0;
  int64_t rank = first.getRank() + (newAxis ? 1 : 0);
  auto axis = n.normAxis(n.attrInt("axis", 0), rank);
  if (failed(axis))
    return failure();
  SmallVector<Value> parts;
  for (Value v : *seq) {
    auto t = cast<RankedTensorType>(v.getType());
    // (The axis was normalized against the first element's rank.)
    if (t.getRank() != first.getRank())
      return n.error("the sequence's tensors have different ranks (" + Twine(first.getRank()) +
                     " and " + Twine(t.getRank()) + ")");
    if (newAxis) {
      SmallVector<int64_t> shape(t.getShape());
      shape.insert(shape.begin() + *axis, 1);
      auto r = n.make<ReshapeOp>(RankedTensorType::get(shape, t.getElementType()),
                                 v, Value());
      if (failed(r))
        return failure();
      v = *r;
    }
    parts.push_back(v);
  }
  return done(n, n.make<ConcatOp>(Type(), parts, *axis));
}

/// A sequence is a list of values here, one per element: a split whose
/// piece count comes from a declared extent (2^31-1 pieces of 1) would
/// build that many types before failing for lack of memory.
constexpr int64_t kMaxSequenceLength = 1 << 16;

LogicalResult checkSequenceLength(NodeImporter &n, int64_t len) {
  if (len > kMaxSequenceLength)
    return n.error("the split gives " + Twine(len) + " pieces; this importer keeps a sequence " +
                   "as a list of values and takes at most " + Twine(kMaxSequenceLength));
  return success();
}

LogicalResult importSplitToSequence(NodeImporter &n) {
  auto x = n.inputType(0);
  auto axis = n.normAxis(n.attrInt("axis", 0), x.getRank());
  if (failed(axis))
    return failure();
  int64_t extent = x.getDimSize(*axis);
  // Split sizes known only at run time (or an open axis) but a static count
  // of them: the pieces are not known at compile time, the length is (what
  // SequenceLength reads; any other use of the elements is refused there).
  bool runtimeSizes = n.hasInput(1) && failed(n.constInts(1));
  if (ShapedType::isDynamic(extent) || runtimeSizes) {
    auto st = n.hasInput(1) ? n.inputType(1) : RankedTensorType();
    if (st && st.getRank() == 1 && !st.isDynamicDim(0)) {
      if (failed(checkSequenceLength(n, st.getDimSize(0))))
        return failure();
      n.setOutputSequence(0, SmallVector<Value>(st.getDimSize(0), Value()));
      return success();
    }
    if (ShapedType::isDynamic(extent))
      return n.error("the split axis must have a static extent");
  }
  SmallVector<int64_t> sizes;
  bool squeeze = false;
  if (!n.hasInput(1)) {
    if (failed(checkSequenceLength(n, extent)))
      return failure();
    sizes.assign(extent, 1);
    squeeze = n.attrInt("keepdims", 1) == 0;
  } else {
    auto c = n.constInts(1);
    if (failed(c))
      return n.error("split sizes must be a constant (bind them with --bind-input)");
    if (n.inputType(1).getRank() == 0) {
      int64_t chunk = (*c)[0];
      if (chunk <= 0)
        return n.error("split size must be positive, got " + Twine(chunk));
      if (failed(checkSequenceLength(n, extent / chunk + (extent % chunk != 0))))
        return failure();
      for (int64_t at = 0; at < extent; at += chunk)
        sizes.push_back(std::min(chunk, extent - at));
    } else {
      sizes = *c;
      int64_t sum = 0;
      for (int64_t s : sizes) {
        if (s < 0)
          return n.error("split sizes must be non-negative");
        sum += s;
      }
      if (sum != extent)
        return n.error("split sizes sum to " + Twine(sum) + ", the axis has " +
                       Twine(extent));
    }
  }
  SmallVector<Type> types;
  for (int64_t s : sizes) {
    SmallVector<int64_t> shape(x.getShape());
    shape[*axis] = s;
    types.push_back(RankedTensorType::get(shape, x.getElementType()));
  }
  SmallVector<Value> elems;
  if (sizes.size() == 1) {
    elems.push_back(n.input(0));
  } else {
    auto op = SplitOp::create(n.builder(), n.loc(), types, n.input(0), *axis, sizes);
    if (failed(mlir::verify(op))) {
      op->erase();
      return n.error("invalid split");
    }
    elems.append(op->result_begin(), op->result_end());
  }
  if (squeeze)
    for (Value &v : elems) {
      auto t = cast<RankedTensorType>(v.getType());
      SmallVector<int64_t> shape(t.getShape());
      shape.erase(shape.begin() + *axis);
      auto r = n.make<ReshapeOp>(RankedTensorType::get(shape, t.getElementType()),
                                 v, Value());
      if (failed(r))
        return failure();
      v = *r;
    }
  n.setOutputSequence(0, elems);
  return success();
}

} // namespace

void onnx_import::registerSequenceRules(RuleTable &t) {
  t["SequenceEmpty"] = importSequenceEmpty;
  t["SequenceConstruct"] = importSequenceConstruct;
  t["SequenceInsert"] = importSequenceInsert;
  t["SequenceErase"] = importSequenceErase;
  t["SequenceAt"] = importSequenceAt;
  t["SequenceLength"] = importSequenceLength;
  t["ConcatFromSequence"] = importConcatFromSequence;
  t["SplitToSequence"] = importSplitToSequence;
}
