//===- BatchLoops.cpp - loops over an open batch extent ------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// autoglm-batch-loops: an op whose only open extent is the leading one of
// its batched operands and results, and that computes each element of that
// dim from the same element of those operands, becomes a loop of the op on
// one element (static types). docs/architecture.md, "Open extents".
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "autoglm/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_BATCHLOOPS
#include "autoglm/Conversion/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {

/// Open leading extent, the rest static.
bool batched(Type t) {
  auto r = dyn_cast<RankedTensorType>(t);
  return r && r.getRank() >= 1 && r.isDynamicDim(0) &&
         llvm::all_of(r.getShape().drop_front(), [](int64_t d) { return !ShapedType::isDynamic(d); });
}

bool isStatic(Type t) {
  auto r = dyn_cast<RankedTensorType>(t);
  return r && r.hasStaticShape();
}

/// The number of elements of extents `s`: -1 if one is open, saturating
/// at INT64_MAX (a fuzzed model declared extents whose product overflowed).
int64_t product(ArrayRef<int64_t> s) {
  if (llvm::any_of(s, ShapedType::isDynamic))
    return -1;
  uint64_t n = 1;
  for (int64_t v : s)
    n = llvm::SaturatingMultiply(n, (uint64_t)v);
  return (int64_t)std::min<uint64_t>(n, INT64_MAX);
}

/// Whether result element n depends only on element n of the batched
/// operands (dim 0), given the op's attributes.
bool separable(Operation *op) {
  return TypeSwitch<Operation *, bool>(op)
      .Case<ConvOp, ConvTransposeOp, PoolOp, BatchNormOp, GroupNormOp, LinearOp, AttentionOp,
            QuantizeOp, DequantizeOp>([](Operation *o) {
        // Per-axis quantization along dim 0 would slice its parameters.
        // Blocked parameters have the data's rank, dim 0 included.
        if (auto q = dyn_cast<QuantizeOp>(o))
          return q.getBlockSize() == 0 && (q.getAxis() != 0 || isStatic(q.getScale().getType()));
        if (auto q = dyn_cast<DequantizeOp>(o))
          return q.getBlockSize() == 0 && (q.getAxis() != 0 || isStatic(q.getScale().getType()));
        return true;
      })
      .Case([](LayerNormOp o) { return o.getAxis() >= 1; })
      .Case([](ReduceOp o) { return !llvm::is_contained(o.getAxes(), 0); })
      .Case([](TransposeOp o) { return o.getPerm()[0] == 0; })
      .Case([](ConcatOp o) { return o.getAxis() != 0; })
      .Case([](SplitOp o) { return o.getAxis() != 0; })
      .Case([](GatherOp o) {
        // Batched data gathered along a later dim, or a static table
        // gathered along dim 0 by batched indices (an embedding).
        bool data = batched(o.getData().getType()), idx = batched(o.getIndices().getType());
        return data != idx && (data ? o.getAxis() != 0 : o.getAxis() == 0);
      })
      .Case([](PadOp o) {
        int64_t r = o.getInput().getType().getRank();
        return o.getPads()[0] == 0 && o.getPads()[r] == 0;
      })
      .Case([](SliceOp o) {
        return o.getStarts()[0] == 0 && o.getSteps()[0] == 1 &&
               (!o.getEnds() || !ShapedType::isDynamic(o.getSizes()[0]));
      })
      .Case([](ResizeOp o) { return o.getScales()[0] == 1.0; })
      .Case([](ReshapeOp o) {
        // Dim 0 is kept when the other extents hold as many elements.
        auto in = o.getInput().getType(), out = o.getType();
        int64_t n = product(in.getShape().drop_front());
        return !o.getShape() && n >= 0 && n == product(out.getShape().drop_front());
      })
      .Default([](Operation *) { return false; });
}

/// For the whole-function loop: ops that also lower open extents
/// themselves, separable when their batched operands' dim 0 is the batch
/// (static operands broadcast into it).
bool separableElementwise(Operation *op) {
  if (isa<UnaryOp, CastOp>(op))
    return true;
  if (isa<BinaryOp, CompareOp, SelectOp>(op)) {
    auto rank = cast<RankedTensorType>(op->getResult(0).getType()).getRank();
    return llvm::all_of(op->getOperandTypes(), [&](Type t) {
      auto r = cast<RankedTensorType>(t);
      return batched(t) || r.getRank() < rank || r.getDimSize(0) == 1;
    });
  }
  if (auto s = dyn_cast<SoftmaxOp>(op))
    return s.getAxis() != 0;
  if (auto m = dyn_cast<MatMulOp>(op)) {
    // Rows of a 2-D lhs times a static rhs, or a batch dim of both.
    bool l = batched(m.getLhs().getType()), r = batched(m.getRhs().getType());
    int64_t rank = m.getLhs().getType().getRank();
    if (l && !r)
      return m.getRhs().getType().getRank() == 2 || rank >= 3;
    return l && r && rank >= 3 && m.getRhs().getType().getRank() == rank;
  }
  return false;
}

/// Multiply-adds per sample of a contraction whose batched operand is 2-D
/// rows (a linear of [N, K], a matmul of [N, K] by a static [K, M]): a loop
/// over samples makes these 1-row matmuls, while kept open the CPU kernels
/// tile their rows. 0 for anything else.
int64_t rowContractionMacs(Operation *op) {
  if (auto l = dyn_cast<LinearOp>(op);
      l && l.getInput().getType().getRank() == 2 && isStatic(l.getWeight().getType()))
    return product(l.getWeight().getType().getShape());
  if (auto m = dyn_cast<MatMulOp>(op);
      m && m.getLhs().getType().getRank() == 2 && isStatic(m.getRhs().getType()))
    return product(m.getRhs().getType().getShape());
  return 0;
}

/// Multiply-adds per sample of the other contractions that gain from a loop
/// over samples (convolutions; 0 for anything else).
int64_t sampleContractionMacs(Operation *op) {
  auto c = dyn_cast<ConvOp>(op);
  if (!c || !isStatic(c.getWeight().getType()))
    return 0;
  ArrayRef<int64_t> out = cast<RankedTensorType>(c.getType()).getShape();
  int64_t positions = product(out.drop_front(2));
  if (positions < 0)
    return 0;
  return (int64_t)std::min<uint64_t>(
      llvm::SaturatingMultiply((uint64_t)product(c.getWeight().getType().getShape()),
                               (uint64_t)positions),
      INT64_MAX);
}

/// The type of one element of dim 0.
RankedTensorType sample(Type t) {
  auto r = cast<RankedTensorType>(t);
  SmallVector<int64_t> shape(r.getShape());
  shape[0] = 1;
  return RankedTensorType::get(shape, r.getElementType());
}

SmallVector<OpFoldResult> offsets(OpBuilder &b, int64_t rank, Value i) {
  SmallVector<OpFoldResult> o(rank, b.getIndexAttr(0));
  o[0] = i;
  return o;
}

SmallVector<OpFoldResult> sizes(OpBuilder &b, RankedTensorType t) {
  SmallVector<OpFoldResult> s;
  for (int64_t d : t.getShape())
    s.push_back(b.getIndexAttr(d));
  return s;
}

SmallVector<OpFoldResult> ones(OpBuilder &b, int64_t rank) {
  return SmallVector<OpFoldResult>(rank, b.getIndexAttr(1));
}

/// A clone of a batched op made per sample: batched results become one
/// element of dim 0 (and a slice of dim 0 takes that one element).
void toSample(Operation *clone) {
  for (OpResult r : clone->getResults())
    if (batched(r.getType()))
      r.setType(sample(r.getType()));
  if (auto s = dyn_cast<SliceOp>(clone)) {
    SmallVector<int64_t> sz(s.getSizes());
    sz[0] = 1;
    s.setSizes(sz);
  }
}

/// A loop over dim 0 of `first` (n iterations) that runs `ops` on one
/// sample: the batched values in `inputs` are sliced, `ops` cloned per
/// sample and `outputs` (batched values the ops define) inserted into the
/// loop's results. Failure (and nothing built) if a clone does not verify.
FailureOr<scf::ForOp> sampleLoop(OpBuilder &b, Location loc, Value first,
                                 ArrayRef<Value> inputs, ArrayRef<Operation *> ops,
                                 ValueRange outputs) {
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  Value n = tensor::DimOp::create(b, loc, first, 0);
  SmallVector<Value> inits;
  for (Type t : outputs.getTypes())
    inits.push_back(tensor::EmptyOp::create(b, loc, cast<RankedTensorType>(t).getShape(),
                                            cast<RankedTensorType>(t).getElementType(),
                                            ValueRange{n}));
  LogicalResult inner = success();
  auto loop = scf::ForOp::create(
      b, loc, c0, n, c1, inits, [&](OpBuilder &lb, Location l, Value i, ValueRange acc) {
        IRMapping map;
        for (Value v : inputs) {
          auto t = sample(v.getType());
          map.map(v, tensor::ExtractSliceOp::create(lb, l, t, v, offsets(lb, t.getRank(), i),
                                                    sizes(lb, t), ones(lb, t.getRank())));
        }
        for (Operation *op : ops) {
          Operation *clone = lb.clone(*op, map);
          toSample(clone);
          if (failed(mlir::verify(clone)))
            inner = failure();
        }
        SmallVector<Value> next;
        for (auto [v, a] : llvm::zip(outputs, acc)) {
          Value r = map.lookup(v);
          auto t = cast<RankedTensorType>(r.getType());
          next.push_back(tensor::InsertSliceOp::create(lb, l, r, a, offsets(lb, t.getRank(), i),
                                                       sizes(lb, t), ones(lb, t.getRank())));
        }
        scf::YieldOp::create(lb, l, next);
      });
  if (failed(inner)) {
    loop.erase();
    return failure();
  }
  return loop;
}

/// The op as a loop over dim 0 of its batched operands, or failure when it
/// does not qualify.
LogicalResult loopOverBatch(Operation *op, OpBuilder &b) {
  if (op->getNumResults() == 0 || op->getNumRegions() != 0 ||
      !llvm::all_of(op->getResultTypes(), batched) || !separable(op))
    return failure();
  SmallVector<Value> inputs;
  for (Value v : op->getOperands()) {
    if (batched(v.getType())) {
      if (!llvm::is_contained(inputs, v))
        inputs.push_back(v);
    } else if (!isStatic(v.getType())) {
      return failure();
    }
  }
  if (inputs.empty())
    return failure();
  // A slice takes every element of dim 0 only with that extent.
  if (auto s = dyn_cast<SliceOp>(op); s && !ShapedType::isDynamic(s.getSizes()[0]))
    return failure();
  b.setInsertionPoint(op);
  auto loop = sampleLoop(b, op->getLoc(), inputs.front(), inputs, {op}, op->getResults());
  if (failed(loop))
    return failure();
  op->replaceAllUsesWith(loop->getResults());
  op->erase();
  return success();
}

/// The whole body of `func` as one loop over the batch, when every op that
/// touches a batched value is separable and all results are batched: one
/// sample at a time through the whole network, static types inside (the
/// memory plan and the kernels apply as for a fixed batch of 1).
LogicalResult loopWholeFunction(func::FuncOp func) {
  Block &body = func.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  DenseSet<Value> inBatch;
  SmallVector<Value> inputs;
  // One batch: every batched input names its leading extent alike (the
  // runtime checks that inputs agree on a name); different or unnamed
  // extents may differ, or one may be 1 and broadcast.
  StringRef batchName;
  for (BlockArgument a : body.getArguments()) {
    if (batched(a.getType())) {
      auto params = func.getArgAttrOfType<ArrayAttr>(a.getArgNumber(), "autoglm.dim_params");
      StringRef name = params && !params.empty() ? cast<StringAttr>(params[0]).getValue()
                                                 : StringRef();
      if (name.empty() || (!batchName.empty() && name != batchName))
        return failure();
      batchName = name;
      inBatch.insert(a);
      inputs.push_back(a);
    } else if (!isStatic(a.getType())) {
      return failure();
    }
  }
  if (inputs.empty() || !llvm::all_of(ret.getOperandTypes(), batched))
    return failure();
  SmallVector<Operation *> moved;
  for (Operation &op : body.without_terminator()) {
    bool touches = llvm::any_of(op.getOperands(), [&](Value v) { return inBatch.count(v); });
    if (!touches)
      continue;
    if (op.getNumRegions() || !isa<AutoGLMDialect>(op.getDialect()) ||
        !llvm::all_of(op.getResultTypes(), batched) ||
        !llvm::all_of(op.getOperands(),
                      [&](Value v) { return inBatch.count(v) || isStatic(v.getType()); }) ||
        !(separable(&op) || separableElementwise(&op)))
      return failure();
    if (auto s = dyn_cast<SliceOp>(op); s && !ShapedType::isDynamic(s.getSizes()[0]))
      return failure();
    for (Value r : op.getResults())
      inBatch.insert(r);
    moved.push_back(&op);
  }
  if (!llvm::all_of(ret.getOperands(), [&](Value v) { return inBatch.count(v); }))
    return failure();
  // Mostly linears of 2-D rows (an MLP): kept open, their rows are tiled.
  uint64_t rowMacs = 0, otherMacs = 0;
  for (Operation *op : moved) {
    rowMacs = llvm::SaturatingAdd(rowMacs, (uint64_t)rowContractionMacs(op));
    otherMacs = llvm::SaturatingAdd(otherMacs, (uint64_t)sampleContractionMacs(op));
  }
  if (rowMacs > otherMacs)
    return failure();
  OpBuilder b(ret);
  auto loop = sampleLoop(b, func.getLoc(), inputs.front(), inputs, moved, ret.getOperands());
  if (failed(loop))
    return failure();
  ret->setOperands(loop->getResults());
  for (Operation *op : llvm::reverse(moved))
    op->erase();
  return success();
}

struct BatchLoopsPass : autoglm::impl::BatchLoopsBase<BatchLoopsPass> {
  void runOnOperation() override {
    // One loop around the whole network when it allows; else per op.
    getOperation().walk([&](func::FuncOp f) { (void)loopWholeFunction(f); });
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<AutoGLMDialect>(op->getDialect()) && !isa<ConstantOp>(op))
        ops.push_back(op);
    });
    OpBuilder b(&getContext());
    for (Operation *op : ops) {
      // These lower open extents themselves.
      if (isa<UnaryOp, BinaryOp, CompareOp, SelectOp, CastOp, SoftmaxOp>(op))
        continue;
      if (auto mm = dyn_cast<MatMulOp>(op); mm && isStatic(mm.getRhs().getType()))
        continue;
      if (rowContractionMacs(op))
        continue;
      (void)loopOverBatch(op, b);
    }
  }
};

} // namespace
