//===- GPULowerReductions.cpp - reductions, row kernels, tensor cores --*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// autoglm-gpu-lower-reductions: the GPU family's kernels for ops with
// reduction dims (register accumulators and tiles, warp-per-output
// reductions, row kernels for softmax / layer norm, mma.sync tensor-core
// contractions from global memory or shared-memory tiles). See
// docs/gpu.md, "The lowering", step 4.
//===----------------------------------------------------------------------===//

#include "GPUCommon.h"
#include "autoglm/Target/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

#include <deque>

namespace mlir::autoglm {
#define GEN_PASS_DEF_GPULOWERREDUCTIONS
#include "autoglm/Target/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm::gpu_detail;

namespace {

struct GPULowerReductionsPass : autoglm::impl::GPULowerReductionsBase<GPULowerReductionsPass> {
  using GPULowerReductionsBase::GPULowerReductionsBase;

  static bool applies(linalg::GenericOp op) {
    if (!op.hasPureBufferSemantics() || op.getNumReductionLoops() == 0 ||
        op.getNumDpsInits() != 1 || op.getNumLoops() == 0)
      return false;
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    if (llvm::any_of(ranges, ShapedType::isDynamic))
      return false;
    AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
    for (auto [d, it] : llvm::enumerate(op.getIteratorTypesArray()))
      if (it == utils::IteratorType::reduction && usesDim(out, d))
        return false;
    return llvm::all_of(op.getDpsInputOperands(), [&](OpOperand *o) {
      return isa<MemRefType>(o->get().getType()) || o->get().getType().isIntOrIndexOrFloat();
    });
  }

  /// The parallel dim a thread tiles, or -1: not the innermost parallel dim;
  /// the one most inputs read across a warp (they use the innermost dim)
  /// do not depend on.
  static int tileDim(linalg::GenericOp op, ArrayRef<unsigned> parallel) {
    if (parallel.size() < 2)
      return -1;
    unsigned inner = parallel.back();
    int best = -1, bestScore = 0;
    for (unsigned d : parallel.drop_back()) {
      int score = 0;
      for (OpOperand *in : op.getDpsInputOperands()) {
        AffineMap m = op.getMatchingIndexingMap(in);
        if (usesDim(m, inner) && !usesDim(m, d))
          ++score;
      }
      if (score > bestScore) {
        best = d;
        bestScore = score;
      }
    }
    return best;
  }

  /// The parallel dim of a second register tile, or -1: one (not `t`)
  /// that an input read along `t` does not depend on, so that its load is
  /// shared by the second tile's outputs; a non-innermost dim first, else
  /// the innermost one (tiled cyclically).
  static int secondTileDim(linalg::GenericOp op, ArrayRef<unsigned> parallel, int t) {
    if (t < 0)
      return -1;
    auto shares = [&](unsigned d) {
      return llvm::any_of(op.getDpsInputOperands(), [&](OpOperand *in) {
        if (!isa<MemRefType>(in->get().getType()))
          return false;
        AffineMap m = op.getMatchingIndexingMap(in);
        return usesDim(m, t) && !usesDim(m, d);
      });
    };
    for (unsigned d : parallel.drop_back())
      if ((int)d != t && shares(d))
        return d;
    if (!parallel.empty() && (int)parallel.back() != t && shares(parallel.back()))
      return parallel.back();
    return -1;
  }

  /// The ops fused into `op`'s kernel (with `fuse`): the output's
  /// initialization and its in-place epilogue. The kernel goes where the
  /// epilogue is, whose operands may be views formed after the reduction.
  std::pair<linalg::LinalgOp, linalg::GenericOp> fused(linalg::GenericOp op, Value out) {
    if (!fuse)
      return {nullptr, nullptr};
    return {initProducer(op, out), epilogueConsumer(op, out)};
  }

  MMAOptions mmaOptions() {
    MMAOptions o;
    o.mma = mma;
    o.mmaShared = mmaShared;
    o.mmaTileM = mmaTileM;
    o.mmaTileN = mmaTileN;
    o.mmaUnroll = mmaUnroll;
    o.mmaSlice = mmaSlice;
    o.mmaStages = mmaStages;
    o.minThreads = minThreads;
    o.mmaPipeline = mmaPipeline;
    o.fuse = fuse;
    return o;
  }

  void lower(linalg::GenericOp op) {
    Location loc = op.getLoc();
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    SmallVector<unsigned> parallel, reduction;
    for (auto [d, it] : llvm::enumerate(op.getIteratorTypesArray()))
      (it == utils::IteratorType::parallel ? parallel : reduction).push_back(d);
    int64_t outputs = 1;
    for (unsigned d : parallel)
      outputs *= ranges[d];
    // Too few outputs to fill the GPU with one thread each: a warp per
    // output, its lanes sharing the longest reduction dim.
    constexpr int64_t kLanes = 32;
    TypedAttr identity;
    Operation *combine = nullptr;
    int split = -1;
    if (outputs < warpBelow && (combine = combiner(op, identity))) {
      for (unsigned d : reduction)
        if (ranges[d] >= kLanes && (split < 0 || ranges[d] > ranges[split]))
          split = d;
    }
    bool warp = split >= 0;
    // A warp's 32 lanes: `groups` shares of the reduction times `points`
    // neighbouring outputs along the innermost parallel dim (the fastest
    // lanes, so that their loads stay coalesced). Enough shares to give the
    // GPU ~256K threads, the rest of the warp to points.
    int64_t groups = kLanes, points = 1;
    unsigned innerDim = parallel.empty() ? 0 : parallel.back();
    if (warp && !parallel.empty()) {
      groups = 2;
      while (groups < kLanes && outputs * groups < 262144)
        groups *= 2;
      points = kLanes / groups;
      while (points > 1 && ranges[innerDim] % points)
        points /= 2;
      groups = kLanes / points;
    }
    int t = warp ? -1 : tileDim(op, parallel);
    int64_t factor = 1;
    if (t >= 0)
      for (int64_t f = tile; f >= 2; f /= 2)
        if (ranges[t] % f == 0 && outputs / f >= minThreads) {
          factor = f;
          break;
        }
    // A second tile dim (2-D register tile), when an input the first tile
    // reloads for each of its outputs does not depend on it.
    int t2 = -1;
    int64_t factor2 = 1;
    bool cyclic = false;
    if (!warp && tile2 > 1) {
      t2 = secondTileDim(op, parallel, t);
      cyclic = t2 >= 0 && (unsigned)t2 == parallel.back();
      if (t2 >= 0)
        for (int64_t f = tile2; f >= 2; f /= 2)
          if (ranges[t2] % f == 0 && outputs / (factor * f) >= minThreads) {
            factor2 = f;
            break;
          }
      if (factor2 == 1)
        t2 = -1;
    }
    Value out = op.getDpsInitOperand(0)->get();
    auto [init, epilogue] = fused(op, out);
    OpBuilder b(epilogue ? epilogue.getOperation() : op.getOperation());
    auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
    Value c0 = index(0), c1 = index(1);
    SmallVector<Value> lbs, ubs, steps;
    for (unsigned d : parallel) {
      lbs.push_back(c0);
      ubs.push_back(index(warp && d == innerDim    ? ranges[d] / points
                          : cyclic && (int)d == t2 ? ranges[d] / factor2
                                                   : ranges[d]));
      steps.push_back((int)d == t ? index(factor) : (int)d == t2 && !cyclic ? index(factor2) : c1);
    }
    // The lanes of a warp (share, then point): the innermost dims, so that
    // they are consecutive threads. A full reduction without them runs in
    // one thread.
    if (warp) {
      for (int64_t n : {groups, points}) {
        if (n == points && points == 1)
          continue;
        lbs.push_back(c0);
        ubs.push_back(index(n));
        steps.push_back(c1);
      }
    } else if (parallel.empty()) {
      lbs.push_back(c0);
      ubs.push_back(c1);
      steps.push_back(c1);
    }
    OpOperand *outOperand = op.getDpsInitOperand(0);
    AffineMap outMap = op.getMatchingIndexingMap(outOperand);
    auto loop = scf::ParallelOp::create(b, loc, lbs, ubs, steps);
    b.setInsertionPointToStart(loop.getBody());
    unsigned np = parallel.size();
    Value lane = warp ? loop.getInductionVars()[np] : Value();
    // ivs[u][d]: the loop dims of the thread's u-th output, u = u1 *
    // factor2 + u2 (u1 along t, u2 along t2: the next point, or the next
    // 1/factor2 of the innermost dim when cyclic, which keeps neighbouring
    // threads on neighbouring points).
    int64_t outs = factor * factor2;
    SmallVector<SmallVector<Value>> ivs(outs, SmallVector<Value>(op.getNumLoops()));
    for (auto [i, d] : llvm::enumerate(parallel)) {
      Value iv = loop.getInductionVars()[i];
      if (warp && d == innerDim && points > 1)
        iv = arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, iv, index(points)),
                                   loop.getInductionVars()[np + 1]);
      for (int64_t u = 0; u < outs; ++u) {
        int64_t off = (int)d == t ? u / factor2 : 0;
        if ((int)d == t2)
          off = (u % factor2) * (cyclic ? ranges[d] / factor2 : 1);
        ivs[u][d] = off == 0 ? iv : arith::AddIOp::create(b, loc, iv, index(off)).getResult();
      }
    }
    SmallVector<SmallVector<Value>> at;
    for (int64_t u = 0; u < outs; ++u)
      at.push_back(indices(b, loc, outMap, ivs[u]));
    SmallVector<Value> inits;
    for (int64_t u = 0; u < outs; ++u)
      inits.push_back(init ? applyPayload(b, loc, init, out, Value(), at[u])
                           : memref::LoadOp::create(b, loc, out, at[u]).getResult());
    Value lane0;
    if (warp) {
      // Lane 0 starts from the output's start value, the others from the
      // combine's identity.
      lane0 = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane, c0);
      Value id = arith::ConstantOp::create(b, loc, identity);
      inits[0] = arith::SelectOp::create(b, loc, lane0, inits[0], id);
    }
    // Nested reduction loops carry the accumulators.
    SmallVector<scf::ForOp> fors;
    ValueRange accs = inits;
    for (unsigned d : reduction) {
      bool shared = warp && (int)d == split;
      auto f = scf::ForOp::create(b, loc, shared ? lane : c0, index(ranges[d]),
                                  shared ? index(groups) : c1, accs);
      fors.push_back(f);
      b.setInsertionPointToStart(f.getBody());
      for (int64_t u = 0; u < outs; ++u)
        ivs[u][d] = f.getInductionVar();
      accs = f.getRegionIterArgs();
    }
    Block *body = op.getBody();
    // Loads an input does not depend on the tiled dim for are made once.
    llvm::DenseMap<std::pair<unsigned, int64_t>, Value> loaded;
    SmallVector<Value> next;
    for (int64_t u = 0; u < outs; ++u) {
      IRMapping map;
      for (OpOperand *in : op.getDpsInputOperands()) {
        Value v = in->get();
        Value arg = body->getArgument(in->getOperandNumber());
        if (!isa<MemRefType>(v.getType())) {
          map.map(arg, v);
          continue;
        }
        AffineMap m = op.getMatchingIndexingMap(in);
        int64_t key = (t >= 0 && usesDim(m, t) ? u / factor2 + 1 : 0) * 1024 +
                      (t2 >= 0 && usesDim(m, t2) ? u % factor2 + 1 : 0);
        auto &slot = loaded[{in->getOperandNumber(), key}];
        if (!slot)
          slot = memref::LoadOp::create(b, loc, v, indices(b, loc, m, ivs[u]));
        map.map(arg, slot);
      }
      map.map(body->getArgument(outOperand->getOperandNumber()), accs[u]);
      for (Operation &inner : body->without_terminator()) {
        if (auto idx = dyn_cast<linalg::IndexOp>(inner)) {
          map.map(idx.getResult(), ivs[u][idx.getDim()]);
          continue;
        }
        b.clone(inner, map);
      }
      next.push_back(map.lookupOrDefault(body->getTerminator()->getOperand(0)));
    }
    // Close the loops from the innermost out.
    for (int i = (int)fors.size() - 1; i >= 0; --i) {
      b.setInsertionPointToEnd(fors[i].getBody());
      scf::YieldOp::create(b, loc, next);
      next.assign(fors[i].getResults().begin(), fors[i].getResults().end());
      b.setInsertionPointAfter(fors[i]);
    }
    if (warp) {
      // Butterfly across the warp's lanes; lane 0 stores.
      for (int64_t offset = kLanes / 2; offset >= points; offset /= 2) {
        Value other = shuffleXor(b, loc, next[0], offset, kLanes);
        OperationState state(loc, combine->getName());
        state.addOperands({next[0], other});
        state.addTypes(next[0].getType());
        state.addAttributes(combine->getAttrs());
        next[0] = b.create(state)->getResult(0);
      }
      auto only = scf::IfOp::create(b, loc, lane0, /*withElseRegion=*/false);
      b.setInsertionPointToStart(only.thenBlock());
    }
    for (int64_t u = 0; u < outs; ++u) {
      Value v = epilogue ? applyPayload(b, loc, epilogue, out, next[u], at[u]) : next[u];
      memref::StoreOp::create(b, loc, v, out, at[u]);
    }
    if (warp && parallel.empty() && outs == 1 && !epilogue)
      absorbCheck(op, out, next[0], b);
    // a + b * c as one rounding (a fused multiply-add), as on the CPU: the
    // NVPTX and AMDGPU backends contract the pair when both allow it.
    auto contract = arith::FastMathFlagsAttr::get(op.getContext(), arith::FastMathFlags::contract);
    loop.walk([&](arith::AddFOp add) {
      for (Value v : add->getOperands())
        if (auto mul = v.getDefiningOp<arith::MulFOp>(); mul && mul->hasOneUse()) {
          mul.setFastmathAttr(contract);
          add.setFastmathAttr(contract);
        }
    });
    eraseFused(op, init, epilogue);
  }

  /// A full reduction's result read right after it on the host by a check
  /// (an index check: `if (!flag) status = 1`, which would be a one-thread
  /// kernel of its own): the check moves to lane 0 of the reduction's
  /// kernel, at `b`, reading the folded `value`.
  static void absorbCheck(linalg::GenericOp op, Value out, Value value, OpBuilder &b) {
    auto load = dyn_cast_or_null<memref::LoadOp>(neighbour(op, /*before=*/false));
    if (!load || load.getMemRef() != out || !load.getIndices().empty())
      return;
    auto check = dyn_cast_or_null<scf::IfOp>(neighbour(load, /*before=*/false));
    if (!check || check.getNumResults() != 0 || !check.getElseRegion().empty())
      return;
    // The ops in between compute the condition from the load alone.
    SmallVector<Operation *> chain;
    llvm::SmallPtrSet<Operation *, 8> inside = {check.getOperation()};
    for (Operation *o = load->getNextNode(); o != check; o = o->getNextNode())
      if (o->getNumRegions() == 0 && isMemoryEffectFree(o)) {
        chain.push_back(o);
        inside.insert(o);
      }
    for (Operation *o : chain)
      for (Operation *user : o->getUsers())
        if (!inside.contains(user) &&
            !llvm::any_of(inside, [&](Operation *x) { return x->isAncestor(user); }))
          return;
    for (Operation *user : load->getUsers())
      if (!inside.contains(user))
        return;
    load.getResult().replaceAllUsesWith(value);
    load.erase();
    for (Operation *o : chain)
      o->moveBefore(b.getInsertionBlock(), b.getInsertionPoint());
    check->moveBefore(b.getInsertionBlock(), b.getInsertionPoint());
  }

  // Row kernels ------------------------------------------------------------

  /// How an op runs in a row kernel over `rows` (its outermost dims): the
  /// extents of its other dims (reduction dims for a reduction), and the
  /// combine of a reduction.
  struct RowOp {
    mutable linalg::LinalgOp op; // its accessors are not const
    SmallVector<int64_t> columns;
    Operation *combine = nullptr;
    TypedAttr identity;
  };

  /// The rows a reduction defines: its parallel dims, when they are the
  /// outermost loops, its output is exactly them and its payload folds with
  /// an associative combine.
  static std::optional<SmallVector<int64_t>> reductionRows(linalg::LinalgOp op) {
    auto g = dyn_cast<linalg::GenericOp>(op.getOperation());
    if (!g || !applies(g))
      return std::nullopt;
    SmallVector<int64_t> ranges = g.getStaticLoopRanges();
    unsigned k = g.getNumParallelLoops();
    for (auto [d, it] : llvm::enumerate(g.getIteratorTypesArray()))
      if ((it == utils::IteratorType::parallel) != (d < k))
        return std::nullopt;
    AffineMap out = g.getMatchingIndexingMap(g.getDpsInitOperand(0));
    if (out.getNumResults() != k)
      return std::nullopt;
    for (unsigned i = 0; i < k; ++i)
      if (out.getResult(i) != getAffineDimExpr(i, g.getContext()))
        return std::nullopt;
    TypedAttr identity;
    if (!combiner(g, identity))
      return std::nullopt;
    return SmallVector<int64_t>(ranges.begin(), ranges.begin() + k);
  }

  /// `op` as a part of a row kernel over `rows`, if it can be one.
  std::optional<RowOp> rowForm(Operation *o, ArrayRef<int64_t> rows) {
    auto op = dyn_cast<linalg::LinalgOp>(o);
    if (!op || !isa<linalg::FillOp, linalg::GenericOp>(o) || !op.hasPureBufferSemantics() ||
        op.getNumDpsInits() != 1)
      return std::nullopt;
    RowOp r{op, {}, nullptr, {}};
    unsigned k = rows.size();
    SmallVector<int64_t> ranges;
    if (auto fill = dyn_cast<linalg::FillOp>(o)) {
      auto t = dyn_cast<MemRefType>(fill.getOutputs()[0].getType());
      if (!t || !t.hasStaticShape())
        return std::nullopt;
      ranges.assign(t.getShape().begin(), t.getShape().end());
    } else {
      auto g = cast<linalg::GenericOp>(o);
      ranges = g.getStaticLoopRanges();
      if (llvm::any_of(ranges, ShapedType::isDynamic))
        return std::nullopt;
      if (g.getNumReductionLoops() > 0) {
        std::optional<SmallVector<int64_t>> own = reductionRows(op);
        if (!own || ArrayRef<int64_t>(*own) != rows)
          return std::nullopt;
        r.combine = combiner(g, r.identity);
      } else if (!g.getMatchingIndexingMap(g.getDpsInitOperand(0)).isIdentity()) {
        return std::nullopt;
      }
      for (OpOperand *in : g.getDpsInputOperands())
        if (!isa<MemRefType>(in->get().getType()) && !in->get().getType().isIntOrIndexOrFloat())
          return std::nullopt;
    }
    if (ranges.size() < k || ArrayRef<int64_t>(ranges).take_front(k) != rows)
      return std::nullopt;
    r.columns.assign(ranges.begin() + k, ranges.end());
    int64_t n = 1;
    for (int64_t e : r.columns)
      n *= e;
    if (n > rowMaxColumns)
      return std::nullopt;
    return r;
  }

  /// The buffers an op touches, with the map it reaches each through and
  /// whether it writes it.
  static SmallVector<std::tuple<Value, AffineMap, bool>> accesses(linalg::LinalgOp op) {
    SmallVector<std::tuple<Value, AffineMap, bool>> list;
    for (OpOperand &o : op->getOpOperands()) {
      if (!isa<MemRefType>(o.get().getType()))
        continue;
      list.push_back({o.get(), op.getMatchingIndexingMap(&o), op.isDpsInit(&o)});
    }
    return list;
  }

  /// Whether a row kernel may run `group` over rows of rank `k`: each row's
  /// work only reads what the same row's work wrote, and no write lands in
  /// memory another buffer of the group also names.
  static bool rowSafe(ArrayRef<RowOp> group, ArrayRef<int64_t> rows) {
    unsigned k = rows.size();
    llvm::SetVector<Value> written, touched;
    for (const RowOp &r : group)
      for (auto [v, map, w] : accesses(r.op)) {
        touched.insert(v);
        if (w)
          written.insert(v);
      }
    for (const RowOp &r : group)
      for (auto [v, map, w] : accesses(r.op)) {
        if (!written.contains(v))
          continue;
        auto t = cast<MemRefType>(v.getType());
        if (t.getRank() < (int64_t)k || t.getShape().take_front(k) != rows ||
            map.getNumResults() < k)
          return false;
        for (unsigned i = 0; i < map.getNumResults(); ++i) {
          AffineExpr e = map.getResult(i);
          if (i < k ? e != getAffineDimExpr(i, map.getContext())
                    : llvm::any_of(
                          llvm::seq(0u, k), [&](unsigned d) { return e.isFunctionOfDim(d); }))
            return false;
        }
      }
    for (Value w : written) {
      ByteRange a = regionOf(w);
      for (Value v : touched) {
        if (v == w)
          continue;
        ByteRange b = regionOf(v);
        if (a.root == b.root && a.lo < b.hi && b.lo < a.hi)
          return false;
      }
    }
    return true;
  }

  /// Kernels the ops of `group` would take one by one: a reduction's
  /// initialization right before it and its in-place epilogue right after
  /// it fuse into its kernel.
  int64_t kernelsApart(ArrayRef<RowOp> group) {
    int64_t n = group.size();
    for (const RowOp &r : group) {
      auto g = dyn_cast<linalg::GenericOp>(r.op.getOperation());
      if (!g || g.getNumReductionLoops() == 0)
        continue;
      Value out = g.getDpsInitOperand(0)->get();
      auto [init, epilogue] = fused(g, out);
      auto in = [&](Operation *x) {
        return x && llvm::any_of(group, [&](const RowOp &o) { return o.op == x; });
      };
      n -= in(init) + in(epilogue);
    }
    return n;
  }

  /// Whether an op of `group` reads a reduction's result of an earlier op
  /// across its row's elements (a row statistic: softmax's maximum and sum,
  /// layer norm's mean and variance), the access a row kernel is for.
  static bool rowStatistic(ArrayRef<RowOp> group) {
    llvm::SmallPtrSet<Value, 4> results;
    for (const RowOp &r : group) {
      if (!r.columns.empty() && !isa<linalg::FillOp>(r.op.getOperation()))
        for (OpOperand *in : r.op.getDpsInputOperands())
          if (results.contains(in->get()))
            return true;
      if (r.combine)
        results.insert(r.op.getDpsInitOperand(0)->get());
    }
    return false;
  }

  /// Runs of ops in `body` that become row kernels.
  SmallVector<std::pair<SmallVector<RowOp>, SmallVector<int64_t>>> rowGroups(Block &body) {
    SmallVector<Operation *> mem;
    for (Operation &op : body)
      if (op.getNumRegions() != 0 || !isMemoryEffectFree(&op))
        mem.push_back(&op);
    SmallVector<std::pair<SmallVector<RowOp>, SmallVector<int64_t>>> groups;
    llvm::DenseSet<Operation *> used;
    auto isReduction = [](Operation *o) {
      auto g = dyn_cast<linalg::GenericOp>(o);
      return g && g.getNumReductionLoops() > 0;
    };
    for (size_t i = 0; i < mem.size(); ++i) {
      if (used.contains(mem[i]))
        continue;
      auto seedOp = dyn_cast<linalg::LinalgOp>(mem[i]);
      if (!seedOp)
        continue;
      std::optional<SmallVector<int64_t>> rows = reductionRows(seedOp);
      if (!rows)
        continue;
      std::optional<RowOp> seed = rowForm(mem[i], *rows);
      if (!seed)
        continue;
      std::deque<RowOp> group{*seed};
      auto asVector = [&] { return SmallVector<RowOp>(group.begin(), group.end()); };
      // Backward, not taking the in-place epilogue of a reduction outside.
      size_t first = i, last = i;
      for (size_t j = i; j-- > 0;) {
        if (used.contains(mem[j]))
          break;
        std::optional<RowOp> r = rowForm(mem[j], *rows);
        if (!r)
          break;
        if (j > 0 && isReduction(mem[j - 1]) && !rowForm(mem[j - 1], *rows))
          if (auto g = dyn_cast<linalg::GenericOp>(mem[j - 1]);
              fuse && epilogueConsumer(g, g.getDpsInitOperand(0)->get()) == mem[j])
            break;
        group.push_front(*r);
        if (!rowSafe(asVector(), *rows)) {
          group.pop_front();
          break;
        }
        first = j;
      }
      // Forward, not taking the initialization of a reduction outside.
      for (size_t j = i + 1; j < mem.size(); ++j) {
        std::optional<RowOp> r = rowForm(mem[j], *rows);
        if (!r)
          break;
        if (j + 1 < mem.size() && isReduction(mem[j + 1]) && !rowForm(mem[j + 1], *rows))
          if (auto g = dyn_cast<linalg::GenericOp>(mem[j + 1]);
              fuse && initProducer(g, g.getDpsInitOperand(0)->get()) == mem[j])
            break;
        group.push_back(*r);
        if (!rowSafe(asVector(), *rows)) {
          group.pop_back();
          break;
        }
        last = j;
      }
      SmallVector<RowOp> ops = asVector();
      // Worth it when it saves a kernel, and when a warp per row suits the
      // reductions: few rows (a thread per output fills the GPU otherwise,
      // as for a convolution), or several reductions over the same rows.
      int64_t total = 1;
      for (int64_t e : *rows)
        total *= e;
      if (kernelsApart(ops) < 2 || (total >= warpBelow && !rowStatistic(ops)))
        continue;
      for (size_t j = first; j <= last; ++j)
        used.insert(mem[j]);
      groups.push_back({std::move(ops), *rows});
    }
    return groups;
  }

  /// How an op of a row kernel touches buffers: by all lanes of the row's
  /// warp or by lane 0 alone.
  struct Access {
    llvm::SmallPtrSet<Value, 4> allRead, allWrite, oneRead, oneWrite;
    static bool meet(const llvm::SmallPtrSet<Value, 4> &x, const llvm::SmallPtrSet<Value, 4> &y) {
      return llvm::any_of(x, [&](Value v) { return y.contains(v); });
    }
    bool conflicts(const Access &o) const {
      return meet(o.allWrite, allRead) || meet(o.allWrite, allWrite) || meet(o.allWrite, oneRead) ||
             meet(o.allWrite, oneWrite) || meet(o.allRead, allWrite) || meet(o.allRead, oneWrite) ||
             meet(o.oneWrite, allRead) || meet(o.oneWrite, allWrite) || meet(o.oneRead, allWrite);
    }
    void merge(const Access &o) {
      for (auto [to, from] : {std::pair{&allRead, &o.allRead}, std::pair{&allWrite, &o.allWrite},
                              std::pair{&oneRead, &o.oneRead}, std::pair{&oneWrite, &o.oneWrite}})
        to->insert(from->begin(), from->end());
    }
  };

  /// The accesses of `r` as lowerRows emits it: a reduction's lanes read
  /// its inputs and lane 0 its output; an op with no dims past the rows runs
  /// in lane 0; any other op in all lanes.
  static Access accessOf(const RowOp &r) {
    Access a;
    int64_t count = 1;
    for (int64_t e : r.columns)
      count *= e;
    bool one = !r.combine && (count == 1 || r.columns.empty());
    Value out = r.op.getDpsInitOperand(0)->get();
    for (OpOperand *in : r.op.getDpsInputOperands())
      if (isa<MemRefType>(in->get().getType()))
        (one ? a.oneRead : a.allRead).insert(in->get());
    if (r.combine) {
      a.oneRead.insert(out);
      a.oneWrite.insert(out);
    } else {
      (one ? a.oneRead : a.allRead).insert(out);
      (one ? a.oneWrite : a.allWrite).insert(out);
    }
    return a;
  }

  /// One kernel for `group`: a warp per row (a loop over the rows and 32
  /// lanes), each op in turn over the row's elements (lane l takes every
  /// 32nd), a reduction folded per lane from the combine's identity (lane 0
  /// from the output's start value) and merged by a shuffle butterfly, lane
  /// 0 storing; a barrier makes an op's writes visible to the lanes of a
  /// later op that reads them (and orders reads before later overwrites),
  /// except where lane 0 alone does both.
  void lowerRows(ArrayRef<RowOp> group, ArrayRef<int64_t> rows) {
    constexpr int64_t kLanes = 32;
    Operation *lastOp = group.back().op;
    Location loc = group.front().op.getLoc();
    OpBuilder b(lastOp);
    auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
    Value c0 = index(0);
    int64_t total = 1;
    for (int64_t e : rows)
      total *= e;
    int64_t warps = 8;
    while (total % warps)
      warps /= 2;
    SmallVector<int64_t> extents(rows);
    extents.push_back(kLanes);
    auto [loop, all] = blockLoop(b, loc, extents, warps * kLanes);
    (void)loop;
    SmallVector<Value> rowIvs(ArrayRef<Value>(all).drop_back());
    Value lane = all.back();
    Value lane0 = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane, c0);
    // Buffers read and written since the last barrier by all lanes and by
    // lane 0 alone: an op needs a barrier before it when its accesses and
    // those meet with a write among them and not all in lane 0 (lane 0
    // sees its own writes in program order).
    Access pending;
    SmallVector<scf::ForOp> unroll;
    for (size_t n = 0; n < group.size(); ++n) {
      const RowOp &r = group[n];
      Access mine = accessOf(r);
      if (n > 0 && pending.conflicts(mine)) {
        gpu::BarrierOp::create(b, r.op.getLoc());
        pending = Access();
      }
      pending.merge(mine);
      Location opLoc = r.op.getLoc();
      int64_t count = 1;
      for (int64_t e : r.columns)
        count *= e;
      Value out = r.op.getDpsInitOperand(0)->get();
      AffineMap outMap = r.op.getMatchingIndexingMap(r.op.getDpsInitOperand(0));
      // The loop dims at flat column position `f` of this row.
      auto ivsAt = [&](Value f) {
        SmallVector<Value> ivs(rowIvs);
        SmallVector<Value> cols(r.columns.size());
        for (size_t d = r.columns.size(); d-- > 0;) {
          if (d == 0) {
            cols[d] = f;
            break;
          }
          cols[d] = arith::RemUIOp::create(b, opLoc, f, index(r.columns[d]));
          f = arith::DivUIOp::create(b, opLoc, f, index(r.columns[d]));
        }
        ivs.append(cols);
        return ivs;
      };
      // Lane l takes elements l, l + 32, ...: share i is element l + 32 i,
      // over a constant trip count so that the loop unrolls and the loads of
      // a lane's shares go out together.
      int64_t shares = (count + kLanes - 1) / kLanes;
      auto element = [&](Value i) {
        return arith::AddIOp::create(b, opLoc, lane,
                                     arith::MulIOp::create(b, opLoc, i, index(kLanes)))
            .getResult();
      };
      bool readsOut = !isa<linalg::FillOp>(r.op.getOperation()) &&
                      (r.op.payloadUsesValueFromOperand(r.op.getDpsInitOperand(0)) ||
                       llvm::any_of(r.op.getDpsInputOperands(),
                                    [&](OpOperand *in) { return in->get() == out; }));
      if (!r.combine) {
        // Elementwise: every lane its share of the row's elements (lane 0
        // alone when the op has no dims past the rows).
        OpBuilder::InsertionGuard guard(b);
        Value f = lane;
        if (count == 1 || r.columns.empty()) {
          auto only = scf::IfOp::create(b, opLoc, lane0, /*withElseRegion=*/false);
          b.setInsertionPointToStart(only.thenBlock());
          f = c0;
        } else {
          auto each = scf::ForOp::create(b, opLoc, c0, index(shares), index(1));
          unroll.push_back(each);
          b.setInsertionPointToStart(each.getBody());
          f = element(each.getInductionVar());
          if (count % kLanes) {
            Value inside =
                arith::CmpIOp::create(b, opLoc, arith::CmpIPredicate::ult, f, index(count));
            auto only = scf::IfOp::create(b, opLoc, inside, /*withElseRegion=*/false);
            b.setInsertionPointToStart(only.thenBlock());
          }
        }
        SmallVector<Value> ivs = r.columns.empty() ? rowIvs : ivsAt(f);
        SmallVector<Value> at = indices(b, opLoc, outMap, ivs);
        Value current = readsOut ? memref::LoadOp::create(b, opLoc, out, at).getResult() : Value();
        Value v = applyPayload(b, opLoc, r.op, out, current, ivs);
        memref::StoreOp::create(b, opLoc, v, out, at);
      } else {
        // A row reduction: lanes fold shares, a butterfly merges them.
        SmallVector<Value> at = indices(b, opLoc, outMap, rowIvs);
        Value start = memref::LoadOp::create(b, opLoc, out, at);
        Value id = arith::ConstantOp::create(b, opLoc, r.identity);
        Value acc0 = arith::SelectOp::create(b, opLoc, lane0, start, id);
        auto each = scf::ForOp::create(b, opLoc, c0, index(shares), index(1), acc0);
        unroll.push_back(each);
        {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(each.getBody());
          Value f = element(each.getInductionVar());
          Value accIn = each.getRegionIterArgs()[0];
          if (count % kLanes) {
            // Past the row's end: a clamped read whose fold is dropped.
            Value inside =
                arith::CmpIOp::create(b, opLoc, arith::CmpIPredicate::ult, f, index(count));
            Value v = applyPayload(b, opLoc, r.op, out, accIn,
                                   ivsAt(arith::MinUIOp::create(b, opLoc, f, index(count - 1))));
            scf::YieldOp::create(b, opLoc,
                                 ValueRange{arith::SelectOp::create(b, opLoc, inside, v, accIn)});
          } else {
            Value v = applyPayload(b, opLoc, r.op, out, accIn, ivsAt(f));
            scf::YieldOp::create(b, opLoc, v);
          }
        }
        Value acc = each.getResult(0);
        for (int64_t offset = kLanes / 2; offset >= 1; offset /= 2) {
          Value other = shuffleXor(b, opLoc, acc, offset, kLanes);
          OperationState state(opLoc, r.combine->getName());
          state.addOperands({acc, other});
          state.addTypes(acc.getType());
          state.addAttributes(r.combine->getAttrs());
          acc = b.create(state)->getResult(0);
        }
        OpBuilder::InsertionGuard guard(b);
        auto only = scf::IfOp::create(b, opLoc, lane0, /*withElseRegion=*/false);
        b.setInsertionPointToStart(only.thenBlock());
        memref::StoreOp::create(b, opLoc, acc, out, at);
      }
    }
    for (const RowOp &r : group)
      r.op->erase();
    // Whole rows of up to 8 shares a lane (256 elements) unroll fully,
    // longer ones by 4.
    for (scf::ForOp each : unroll) {
      std::optional<int64_t> trips =
          each.getStaticTripCount().has_value()
              ? std::optional<int64_t>(each.getStaticTripCount()->getSExtValue())
              : std::nullopt;
      if (trips && *trips <= 8)
        (void)loopUnrollFull(each);
      else if (trips && *trips > 1)
        (void)loopUnrollByFactor(each, 4);
    }
  }

  void runOnOperation() override {
    if (tile < 1 || (tile & (tile - 1)) || tile2 < 1 || (tile2 & (tile2 - 1))) {
      getOperation().emitError("tile and tile2 must be powers of two");
      return signalPassFailure();
    }
    if (mma != "none" && mma != "tf32" && mma != "bf16" && mma != "fp16") {
      getOperation().emitError("mma takes none, tf32, bf16 or fp16");
      return signalPassFailure();
    }
    if (mmaTileM < 1 || mmaTileN < 1 || mmaTileM > 8 || mmaTileN > 8 || mmaUnroll < 1 ||
        mmaUnroll > 8) {
      getOperation().emitError("mma-tile-m, mma-tile-n and mma-unroll take 1..8");
      return signalPassFailure();
    }
    if (mmaSlice != 16 && mmaSlice != 32 && mmaSlice != 64) {
      getOperation().emitError("mma-slice takes 16, 32 or 64");
      return signalPassFailure();
    }
    if (mmaStages < 0 || mmaStages > 8) {
      getOperation().emitError("mma-stages takes 0..8");
      return signalPassFailure();
    }
    if (mmaShared != "auto" && mmaShared != "on" && mmaShared != "off") {
      getOperation().emitError("mma-shared takes auto, on or off");
      return signalPassFailure();
    }
    if (rowMaxColumns < 1) {
      getOperation().emitError("row-max-columns must be positive");
      return signalPassFailure();
    }
    if (rows)
      for (auto f : getOperation().getOps<func::FuncOp>())
        if (!f.isExternal() && f.getBody().hasOneBlock())
          for (auto &[group, extents] : rowGroups(f.getBody().front()))
            lowerRows(group, extents);
    SmallVector<linalg::GenericOp> ops;
    getOperation().walk([&](linalg::GenericOp op) {
      if (applies(op))
        ops.push_back(op);
    });
    for (linalg::GenericOp op : ops) {
      if (!lowerMMA(op, mmaOptions()))
        lower(op);
    }
  }
};

} // namespace
