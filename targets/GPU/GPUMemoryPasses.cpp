//===- GPUMemoryPasses.cpp - fewer kernels over the same memory -----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// On the GPU every linalg op left after autoglm-gpu-lower-reductions is a
// kernel launch, and small models are launch-bound (the GPT decode step's
// kernels run a few microseconds each). Two passes remove launches that move
// data without computing:
//
// - autoglm-gpu-forward-copies (bufferized IR, before the memory plan): an
//   op that fills a temporary only for it to be copied (a Concat's new part,
//   the transposed key appended to the cache) writes the copy's target.
// - autoglm-gpu-fuse-siblings (after lower-reductions): independent
//   elementwise ops over the same iteration space (the key's and the value's
//   transposes, the two caches' copies) become one multi-output generic, one
//   kernel.
//
// Both move ops past others only where no byte one writes is read or written
// by the other (mayOverlap: buffer, arena byte range, disjoint subviews).
//===----------------------------------------------------------------------===//

#include "GPUCommon.h"
#include "autoglm/Target/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_GPUFORWARDCOPIES
#define GEN_PASS_DEF_GPUFUSESIBLINGS
#include "autoglm/Target/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm::gpu_detail;

namespace {

/// Whether `a` and `b` are subviews of one memref that share no element:
/// static offsets, sizes and strides, apart along some dimension (the parts
/// of a Concat).
bool disjointSubviews(Value a, Value b) {
  auto x = a.getDefiningOp<memref::SubViewOp>(), y = b.getDefiningOp<memref::SubViewOp>();
  if (!x || !y || x.getSource() != y.getSource() ||
      x.getMixedOffsets().size() != y.getMixedOffsets().size())
    return false;
  for (auto [ox, sx, tx, oy, sy, ty] :
       llvm::zip(x.getMixedOffsets(), x.getMixedSizes(), x.getMixedStrides(), y.getMixedOffsets(),
                 y.getMixedSizes(), y.getMixedStrides())) {
    std::optional<int64_t> v[6] = {getConstantIntValue(ox), getConstantIntValue(sx),
                                   getConstantIntValue(tx), getConstantIntValue(oy),
                                   getConstantIntValue(sy), getConstantIntValue(ty)};
    if (llvm::any_of(v, [](std::optional<int64_t> e) { return !e; }))
      return false;
    int64_t xLast = *v[0] + (*v[1] - 1) * *v[2], yLast = *v[3] + (*v[4] - 1) * *v[5];
    if (xLast < *v[3] || yLast < *v[0])
      return true;
  }
  return false;
}

} // namespace

bool mlir::autoglm::gpu_detail::mayOverlap(Value a, Value b) {
  ByteRange x = regionOf(a), y = regionOf(b);
  return x.root == y.root && x.lo < y.hi && y.lo < x.hi && !disjointSubviews(a, b);
}

namespace {

/// The memrefs `op` names, nested ops included, and whether it may write
/// each (a linalg op writes its inits only; any other op with memory
/// effects is taken to read and write every memref it names).
SmallVector<std::pair<Value, bool>> memoryOf(Operation *op) {
  SmallVector<std::pair<Value, bool>> list;
  if (auto l = dyn_cast<linalg::LinalgOp>(op); l && l.hasPureBufferSemantics()) {
    for (OpOperand &o : op->getOpOperands())
      if (isa<BaseMemRefType>(o.get().getType()))
        list.push_back({o.get(), l.isDpsInit(&o)});
    return list;
  }
  if (isMemoryEffectFree(op))
    return list;
  op->walk([&](Operation *o) {
    for (Value x : o->getOperands())
      if (isa<BaseMemRefType>(x.getType()))
        list.push_back({x, true});
  });
  return list;
}

/// Whether running `a` and `b` in either order (or interleaved) may differ:
/// one writes a byte the other reads or writes.
bool conflict(Operation *a, Operation *b) {
  auto ma = memoryOf(a), mb = memoryOf(b);
  for (auto [x, wx] : ma)
    for (auto [y, wy] : mb)
      if ((wx || wy) && mayOverlap(x, y))
        return true;
  return false;
}

/// Moves the pure view ops defining `v` before `at` where they come after
/// it in its block; false if `v` cannot be made available there.
bool hoistViews(Value v, Operation *at) {
  Operation *d = v.getDefiningOp();
  if (!d) // an argument of the function
    return cast<BlockArgument>(v).getOwner() == at->getBlock();
  if (d->getBlock() != at->getBlock())
    return false;
  if (d->isBeforeInBlock(at))
    return true;
  if (!isa<ViewLikeOpInterface>(d) || !isMemoryEffectFree(d) || d->getNumRegions())
    return false;
  for (Value x : d->getOperands())
    if (!hoistViews(x, at))
      return false;
  d->moveBefore(at);
  return true;
}

/// A linalg op over buffers with every loop parallel and static extents.
bool elementwise(Operation *op) {
  auto l = dyn_cast<linalg::LinalgOp>(op);
  return l && l.hasPureBufferSemantics() && l.getNumLoops() == l.getNumParallelLoops() &&
         l.getNumLoops() > 0 && !llvm::any_of(l.getStaticLoopRanges(), ShapedType::isDynamic);
}

struct GPUForwardCopiesPass : autoglm::impl::GPUForwardCopiesBase<GPUForwardCopiesPass> {
  using Base::Base;

  void runOnOperation() override {
    auto func = getOperation().lookupSymbol<func::FuncOp>(funcName);
    if (!func || func.isExternal())
      return;
    SmallVector<memref::CopyOp> copies;
    for (Operation &op : func.getBody().front())
      if (auto c = dyn_cast<memref::CopyOp>(op))
        copies.push_back(c);
    for (memref::CopyOp copy : copies)
      forward(copy);
  }

  void forward(memref::CopyOp copy) {
    Value tmp = copy.getSource(), dst = copy.getTarget();
    auto alloc = tmp.getDefiningOp<memref::AllocOp>();
    if (!alloc || alloc->getBlock() != copy->getBlock())
      return;
    // The last user before the copy writes it whole (earlier ones used the
    // buffer for earlier values: bufferization reuses it), and the first
    // after the copy, if any, overwrites it whole again, reading none of it.
    auto overwrites = [&](Operation *o) {
      auto l = dyn_cast_or_null<linalg::LinalgOp>(o);
      return l && elementwise(o) && l.getNumDpsInits() == 1 &&
             l.getDpsInitOperand(0)->get() == tmp &&
             !l.payloadUsesValueFromOperand(l.getDpsInitOperand(0)) &&
             llvm::none_of(l.getDpsInputOperands(),
                           [&](OpOperand *in) { return in->get() == tmp; });
    };
    Operation *last = nullptr, *next = nullptr;
    for (Operation *user : alloc->getUsers()) {
      if (user == copy)
        continue;
      if (user->getBlock() != copy->getBlock())
        return;
      if (copy->isBeforeInBlock(user)) {
        if (!next || user->isBeforeInBlock(next))
          next = user;
      } else if (!last || last->isBeforeInBlock(user)) {
        last = user;
      }
    }
    if (!overwrites(last) || (next && !overwrites(next)) ||
        llvm::count(alloc->getUsers(), copy.getOperation()) != 1)
      return;
    auto writer = cast<linalg::LinalgOp>(last);
    // Nothing of the target read by the op or touched in between.
    for (OpOperand *in : writer.getDpsInputOperands())
      if (mayOverlap(in->get(), dst))
        return;
    for (Operation *o = writer->getNextNode(); o != copy; o = o->getNextNode())
      for (auto [x, w] : memoryOf(o))
        if (mayOverlap(x, dst))
          return;
    if (!hoistViews(dst, writer))
      return;
    writer.getDpsInitOperand(0)->set(dst);
    copy.erase();
    if (alloc->use_empty())
      alloc.erase();
  }
};

struct GPUFuseSiblingsPass : autoglm::impl::GPUFuseSiblingsBase<GPUFuseSiblingsPass> {
  using Base::Base;

  void runOnOperation() override {
    for (auto f : getOperation().getOps<func::FuncOp>())
      if (!f.isExternal() && f.getBody().hasOneBlock())
        fuseIn(f.getBody().front());
  }

  void fuseIn(Block &block) {
    for (Operation *a = &block.front(); a; a = a->getNextNode()) {
      if (!elementwise(a))
        continue;
      // Look ahead a few memory ops for siblings that can join `a`.
      int64_t seen = 0;
      SmallVector<Operation *> between;
      for (Operation *b = a->getNextNode(); b && seen < window; b = b->getNextNode()) {
        if (isMemoryEffectFree(b))
          continue;
        ++seen;
        if (elementwise(b) &&
            cast<linalg::LinalgOp>(b).getStaticLoopRanges() ==
                cast<linalg::LinalgOp>(a).getStaticLoopRanges() &&
            !conflict(a, b) &&
            llvm::none_of(between, [&](Operation *x) { return conflict(x, b); }) &&
            llvm::all_of(b->getOperands(), [&](Value v) { return hoistViews(v, a); })) {
          a = merge(cast<linalg::LinalgOp>(a), cast<linalg::LinalgOp>(b));
          between.clear();
          b = a;
          continue;
        }
        between.push_back(b);
      }
    }
  }

  /// One generic doing `a` and `b` at each point, in `a`'s place.
  Operation *merge(linalg::LinalgOp a, linalg::LinalgOp b) {
    OpBuilder builder(a);
    SmallVector<Value> ins, outs;
    SmallVector<AffineMap> inMaps, outMaps;
    for (linalg::LinalgOp op : {a, b}) {
      for (OpOperand *in : op.getDpsInputOperands()) {
        ins.push_back(in->get());
        inMaps.push_back(op.getMatchingIndexingMap(in));
      }
      for (OpOperand &out : op.getDpsInitsMutable()) {
        outs.push_back(out.get());
        outMaps.push_back(op.getMatchingIndexingMap(&out));
      }
    }
    SmallVector<AffineMap> maps(inMaps);
    maps.append(outMaps);
    SmallVector<utils::IteratorType> iters(a.getNumLoops(), utils::IteratorType::parallel);
    Location loc = builder.getFusedLoc({a.getLoc(), b.getLoc()});
    auto g = linalg::GenericOp::create(builder, loc, TypeRange{}, ins, outs, maps, iters);
    Block *body = builder.createBlock(&g.getRegion());
    for (Value v : ins)
      body->addArgument(getElementTypeOrSelf(v.getType()), loc);
    for (Value v : outs)
      body->addArgument(getElementTypeOrSelf(v.getType()), loc);
    // Each op's payload, its block arguments mapped to the merged ones.
    SmallVector<Value> yields;
    unsigned inBase = 0, outBase = ins.size();
    for (linalg::LinalgOp op : {a, b}) {
      IRMapping map;
      Block &src = op->getRegion(0).front();
      unsigned nIn = op.getNumDpsInputs();
      for (unsigned i = 0; i < src.getNumArguments(); ++i)
        map.map(src.getArgument(i), body->getArgument(i < nIn ? inBase + i : outBase + (i - nIn)));
      for (Operation &o : src.without_terminator())
        builder.clone(o, map);
      for (Value y : src.getTerminator()->getOperands())
        yields.push_back(map.lookupOrDefault(y));
      inBase += nIn;
      outBase += op.getNumDpsInits();
    }
    linalg::YieldOp::create(builder, loc, yields);
    a->erase();
    b->erase();
    return g;
  }
};

} // namespace
