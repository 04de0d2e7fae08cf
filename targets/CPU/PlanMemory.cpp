//===- PlanMemory.cpp - one arena for the model's temporaries -------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// After bufferization every temporary of the model function is a
// memref.alloc in its top-level block, or in the body of a sequential
// scf.for there (the loop over an open batch runs the network one sample at
// a time). Ops are numbered in order, a loop's body right after the loop, so
// each temporary gets a live range [its alloc, the last op that uses it or an
// alias of it] (a use inside a loop of a value from outside counts until the
// loop's end); temporaries whose ranges overlap get disjoint byte ranges of
// one arena (greedy, largest first, lowest offset that fits), and each alloc
// becomes a memref.view of a new trailing function argument, the arena,
// which the runtime allocates once per context. The module records the
// arena size, the liveness peak (the most bytes live at one op, which no
// placement can beat) and the naive sum.
//
// autoglm-results-in-place, before buffer-results-to-out-params, shapes the
// returned values so that each becomes its out-parameter (no copy at the
// end): a reshaped alloc is returned as an alloc of the result's type, and
// an alloc returned twice is copied for its second occurrence.
//===----------------------------------------------------------------------===//

#include "KernelSupport.h"
#include "autoglm/Target/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_CPUPLANMEMORY
#define GEN_PASS_DEF_RESULTSINPLACE
#include "autoglm/Target/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {

constexpr int64_t kAlign = 64;

struct Temp {
  memref::AllocOp alloc;
  int64_t bytes;
  unsigned first, last; // top-level op indices
  int64_t offset = -1;
};

/// Op numbering: `index` of every op in the blocks we plan, `end` of a
/// planned loop (the last index in its body).
struct Numbering {
  DenseMap<Operation *, unsigned> index, end;
};

/// The last index at which `op` (nested anywhere) keeps a value of `block`
/// in use: that of its ancestor in `block`, or the end of that ancestor if
/// it is a planned loop.
std::optional<unsigned> topIndex(Operation *op, Block &block, const Numbering &n) {
  while (op && op->getBlock() != &block)
    op = op->getParentOp();
  if (!op)
    return std::nullopt;
  auto e = n.end.find(op);
  return e != n.end.end() ? e->second : n.index.lookup(op);
}

/// The last top-level op using `root` or any value that may alias it, or
/// nothing if it escapes (returned, or used in a way we do not follow).
std::optional<unsigned> lastUse(Value root, Block &block, const Numbering &index) {
  unsigned last = 0;
  SmallVector<Value> work = {root};
  DenseSet<Value> seen;
  while (!work.empty()) {
    Value v = work.pop_back_val();
    if (!seen.insert(v).second)
      continue;
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      // Returned, or carried out of a planned loop's iteration.
      if (isa<func::ReturnOp>(user) ||
          (user->hasTrait<OpTrait::IsTerminator>() && user->getBlock() == &block))
        return std::nullopt;
      auto at = topIndex(user, block, index);
      if (!at)
        return std::nullopt;
      last = std::max(last, *at);
      // Whatever a user returns as a memref may alias its operand (views,
      // casts, loops carrying it); a terminator passes it to the parent.
      for (Value r : user->getResults())
        if (isa<BaseMemRefType>(r.getType()))
          work.push_back(r);
      if (user->hasTrait<OpTrait::IsTerminator>() && user->getParentOp() &&
          user->getBlock() != &block)
        for (Value r : user->getParentOp()->getResults())
          if (isa<BaseMemRefType>(r.getType()))
            work.push_back(r);
      // A value forwarded into a region (loop iter_args) aliases the block
      // arguments it binds; stay conservative and follow all of them.
      for (Region &region : user->getRegions())
        for (Block &b : region)
          for (BlockArgument arg : b.getArguments())
            if (isa<BaseMemRefType>(arg.getType()))
              work.push_back(arg);
    }
  }
  return last;
}

struct CPUPlanMemoryPass : autoglm::impl::CPUPlanMemoryBase<CPUPlanMemoryPass> {
  using CPUPlanMemoryBase::CPUPlanMemoryBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto func = module.lookupSymbol<func::FuncOp>(funcName);
    if (!func || func.isExternal())
      return;
    Block &top = func.getBody().front();
    Numbering n;
    SmallVector<Block *> blocks = {&top};
    unsigned i = 0;
    for (Operation &op : top) {
      n.index[&op] = i++;
      // The body of a sequential loop at the top (iterations one after the
      // other, so one iteration's temporaries may share with the next's).
      if (auto loop = dyn_cast<scf::ForOp>(&op)) {
        for (Operation &inner : *loop.getBody())
          n.index[&inner] = i++;
        n.end[&op] = i - 1;
        blocks.push_back(loop.getBody());
      }
    }

    SmallVector<Temp> temps;
    int64_t naive = 0;
    for (Block *block : blocks)
      for (Operation &op : *block) {
        auto alloc = dyn_cast<memref::AllocOp>(&op);
        if (!alloc)
          continue;
        MemRefType type = alloc.getType();
        if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
            type.getMemorySpace() || !type.getElementType().isIntOrFloat())
          continue;
        auto last = lastUse(alloc.getResult(), *block, n);
        if (!last)
          continue;
        int64_t bits = type.getElementType().getIntOrFloatBitWidth();
        int64_t bytes = (type.getNumElements() * std::max<int64_t>(bits, 8) + 7) / 8;
        bytes = std::max<int64_t>((bytes + kAlign - 1) / kAlign * kAlign, kAlign);
        naive += bytes;
        temps.push_back({alloc, bytes, n.index[&op], std::max(*last, n.index[&op])});
      }

    // Largest first; each at the lowest offset clear of every placed temp
    // whose live range overlaps.
    SmallVector<Temp *> order;
    for (Temp &t : temps)
      order.push_back(&t);
    // A total order (no two temporaries are born at one op), so sort is as
    // deterministic as stable_sort, whose temporary buffer is deprecated.
    llvm::sort(order, [](Temp *a, Temp *b) {
      return a->bytes != b->bytes ? a->bytes > b->bytes : a->first < b->first;
    });
    SmallVector<Temp *> placed;
    int64_t total = 0;
    for (Temp *t : order) {
      SmallVector<std::pair<int64_t, int64_t>> busy;
      for (Temp *p : placed)
        if (p->first <= t->last && t->first <= p->last)
          busy.push_back({p->offset, p->offset + p->bytes});
      llvm::sort(busy);
      int64_t offset = 0;
      for (auto [lo, hi] : busy) {
        if (offset + t->bytes <= lo)
          break;
        offset = std::max(offset, hi);
      }
      t->offset = offset;
      total = std::max(total, offset + t->bytes);
      placed.push_back(t);
    }

    // The liveness peak: the most bytes live at one op, a lower bound of any
    // placement's arena (the placement reaches it unless fragmentation
    // leaves gaps).
    SmallVector<std::pair<unsigned, int64_t>> events;
    for (const Temp &t : temps) {
      events.push_back({t.first, t.bytes});
      events.push_back({t.last + 1, -t.bytes});
    }
    llvm::sort(events, [](auto &x, auto &y) {
      return x.first != y.first ? x.first < y.first : x.second < y.second;
    });
    int64_t live = 0, peak = 0;
    for (auto [at, delta] : events) {
      live += delta;
      peak = std::max(peak, live);
    }

    MLIRContext *ctx = &getContext();
    Builder b(ctx);
    module->setAttr("autoglm.arena_bytes", b.getI64IntegerAttr(total));
    module->setAttr("autoglm.peak_live_bytes", b.getI64IntegerAttr(peak));
    module->setAttr("autoglm.naive_temp_bytes", b.getI64IntegerAttr(naive));
    if (temps.empty())
      return;
    Value arena = autoglm::cpu::appendByteBuffer(func, total);
    if (!arena)
      return signalPassFailure();
    OpBuilder ob(ctx);
    for (Temp &t : temps) {
      ob.setInsertionPoint(t.alloc);
      Value off = arith::ConstantIndexOp::create(ob, t.alloc.getLoc(), t.offset);
      Value view = memref::ViewOp::create(ob, t.alloc.getLoc(), t.alloc.getType(), arena, off,
                                          ValueRange{});
      t.alloc.getResult().replaceAllUsesWith(view);
      t.alloc.erase();
    }
  }
};

/// The inverse of `reshape` (an expand_shape or collapse_shape of a memref
/// of type `from`) applied to `v`, of type `from`, or nothing when the
/// types do not come out equal.
Value inverseReshape(OpBuilder &b, Operation *reshape, Value v, MemRefType from) {
  Location loc = reshape->getLoc();
  Value r;
  if (auto e = dyn_cast<memref::ExpandShapeOp>(reshape))
    r = memref::CollapseShapeOp::create(b, loc, v, e.getReassociationIndices());
  else if (auto c = dyn_cast<memref::CollapseShapeOp>(reshape))
    r = memref::ExpandShapeOp::create(b, loc, from.getShape(), v, c.getReassociationIndices());
  if (r && r.getType() != from) {
    r.getDefiningOp()->erase();
    return Value();
  }
  return r;
}

struct ResultsInPlacePass : autoglm::impl::ResultsInPlaceBase<ResultsInPlacePass> {
  using Base::Base;

  void runOnOperation() override {
    auto func = getOperation().lookupSymbol<func::FuncOp>(funcName);
    if (!func || func.isExternal())
      return;
    func.walk([&](func::ReturnOp ret) {
      DenseSet<Value> seen;
      for (OpOperand &operand : ret->getOpOperands()) {
        Value v = operand.get();
        auto type = dyn_cast<MemRefType>(v.getType());
        if (!type || !type.hasStaticShape() || !type.getLayout().isIdentity())
          continue;
        Operation *def = v.getDefiningOp();
        OpBuilder b(ret);
        if (seen.contains(v)) {
          // Returned before: its own buffer, a copy.
          if (!isa_and_nonnull<memref::AllocOp>(def))
            continue;
          auto copy = memref::AllocOp::create(b, ret.getLoc(), type);
          memref::CopyOp::create(b, ret.getLoc(), v, copy);
          operand.set(copy);
          continue;
        }
        seen.insert(v);
        // Reshapes (expand_shape / collapse_shape, any number) of an alloc.
        SmallVector<Operation *> chain;
        Value src = v;
        while (
            isa_and_nonnull<memref::ExpandShapeOp, memref::CollapseShapeOp>(src.getDefiningOp())) {
          chain.push_back(src.getDefiningOp());
          src = chain.back()->getOperand(0);
        }
        auto alloc = src.getDefiningOp<memref::AllocOp>();
        if (chain.empty() || !alloc || !alloc.getType().hasStaticShape() ||
            !alloc.getType().getLayout().isIdentity() || alloc->getBlock() != ret->getBlock())
          continue;
        // An alloc of the result's type in the old one's place; the old one
        // becomes a view of it, the reshapes undone in turn.
        b.setInsertionPoint(alloc);
        auto whole = memref::AllocOp::create(b, alloc.getLoc(), type, alloc.getAlignmentAttr());
        SmallVector<Operation *> made;
        Value view = whole;
        for (Operation *reshape : chain) {
          view =
              inverseReshape(b, reshape, view, cast<MemRefType>(reshape->getOperand(0).getType()));
          if (!view)
            break;
          made.push_back(view.getDefiningOp());
        }
        if (!view) {
          for (Operation *op : llvm::reverse(made))
            op->erase();
          whole.erase();
          continue;
        }
        alloc.getResult().replaceAllUsesWith(view);
        alloc.erase();
        operand.set(whole);
        seen.insert(whole);
      }
    });
  }
};

} // namespace
