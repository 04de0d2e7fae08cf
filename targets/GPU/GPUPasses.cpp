//===- GPUPasses.cpp - the GPU family's own passes -------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The GPU path keeps the model function on the host as a list of kernel
// launches over views of a few buffers (inputs, outputs, the arena, the
// weights), which the runtime replays from the manifest's launch plan.
// These passes bring the bufferized loops into that shape; upstream's
// convert-parallel-loops-to-gpu and gpu-kernel-outlining do the rest.
//===----------------------------------------------------------------------===//

#include "GPUCommon.h"
#include "autoglm/Support/ModelFunction.h"
#include "autoglm/Target/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"

#include <deque>

namespace mlir::autoglm {
#define GEN_PASS_DEF_GPUPREPARE
#define GEN_PASS_DEF_GPUMAPLOOPS
#define GEN_PASS_DEF_GPUSPLITREDUCTIONS
#define GEN_PASS_DEF_GPUMERGEKERNELMODULES
#define GEN_PASS_DEF_GPUDEFINEMATHFUNCTIONS
#include "autoglm/Target/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm::gpu_detail;

/// Whether `map` reads loop dim `d`.
bool mlir::autoglm::gpu_detail::usesDim(AffineMap map, unsigned d) {
  return llvm::any_of(map.getResults(), [&](AffineExpr e) { return e.isFunctionOfDim(d); });
}

/// The op that folds each step into the accumulator, when the payload
/// is `acc = combine(acc, f(inputs))` with an associative combine whose
/// identity is known (then lanes can each fold a share and merge): f32
/// sum / max / min, integer (up to 32 bits) sum / and / or.
Operation *mlir::autoglm::gpu_detail::combiner(linalg::GenericOp op, TypedAttr &identity) {
  Block *body = op.getBody();
  BlockArgument acc = body->getArgument(op.getDpsInitOperand(0)->getOperandNumber());
  Value y = body->getTerminator()->getOperand(0);
  Operation *c = y.getDefiningOp();
  if (!c || c->getBlock() != body || c->getNumOperands() != 2 || !acc.hasOneUse() ||
      (c->getOperand(0) != acc && c->getOperand(1) != acc))
    return nullptr;
  Type t = acc.getType();
  Builder b(op.getContext());
  if (t.isF32()) {
    auto f = [&](double v) { return b.getF32FloatAttr(v); };
    double inf = std::numeric_limits<double>::infinity();
    if (isa<arith::AddFOp>(c))
      identity = f(0.0);
    else if (isa<arith::MaximumFOp, arith::MaxNumFOp>(c))
      identity = f(-inf);
    else if (isa<arith::MinimumFOp, arith::MinNumFOp>(c))
      identity = f(inf);
    else
      return nullptr;
    return c;
  }
  // Integers up to 32 bits (lanes exchange them as i32): sums, and the
  // and / or of flags (an index check over every input element).
  auto it = dyn_cast<IntegerType>(t);
  if (!it || it.getWidth() > 32)
    return nullptr;
  if (isa<arith::AddIOp, arith::OrIOp>(c))
    identity = b.getIntegerAttr(it, 0);
  else if (isa<arith::AndIOp>(c))
    identity = b.getIntegerAttr(it, APInt::getAllOnes(it.getWidth()));
  else
    return nullptr;
  return c;
}
namespace {

/// Marks a generalized transpose while autoglm-gpu-prepare folds it.
constexpr llvm::StringLiteral kTransposeAttr = "autoglm.gpu.transpose";

std::string nameOf(func::FuncOp f, unsigned i, bool result) {
  auto a = result ? f.getResultAttrOfType<StringAttr>(i, "autoglm.name")
                  : f.getArgAttrOfType<StringAttr>(i, "autoglm.name");
  return a ? a.str() : (result ? "result #" : "input #") + std::to_string(i);
}

struct GPUPreparePass : autoglm::impl::GPUPrepareBase<GPUPreparePass> {
  using GPUPrepareBase::GPUPrepareBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    func::FuncOp f = autoglm::lookupModelFunction(module, funcName);
    if (!f)
      return signalPassFailure();
    for (auto a : {"autoglm.hidden_inputs", "autoglm.hidden_results"})
      if (module->hasAttr(a)) {
        module.emitError("GPU targets take static shapes and plain tensors; this model needs "
                         "buffers the GPU launch plan does not carry yet (")
            << a << ")";
        return signalPassFailure();
      }
    auto check = [&](Type t, const std::string &name) {
      auto ranked = dyn_cast<RankedTensorType>(t);
      if (!ranked || !ranked.hasStaticShape()) {
        f.emitError() << "GPU targets need static shapes; '" << name << "' is " << t
                      << " (fix its extents with --input-shape or --dim)";
        return false;
      }
      Type e = ranked.getElementType();
      if (!e.isIntOrIndexOrFloat()) {
        f.emitError() << "GPU targets carry numeric tensors only; '" << name << "' is " << t;
        return false;
      }
      return true;
    };
    FunctionType ft = f.getFunctionType();
    int64_t inputs = 0;
    for (unsigned i = 0; i < ft.getNumInputs(); ++i) {
      // The status buffer of run-time checks is a device buffer too.
      if (f.getArgAttr(i, "autoglm.status"))
        continue;
      if (!check(ft.getInput(i), nameOf(f, i, false)))
        return signalPassFailure();
      ++inputs;
    }
    for (unsigned i = 0; i < ft.getNumResults(); ++i)
      if (!check(ft.getResult(i), nameOf(f, i, true)))
        return signalPassFailure();
    Builder b(module.getContext());
    f->setAttr("autoglm.gpu.signature", b.getI64ArrayAttr({inputs, (int64_t)ft.getNumResults()}));
    if (failed(foldTransposes(f)))
      return signalPassFailure();
    unshareFills(f);
    epiloguesInPlace(f);
    dropRepeatedChecks(f);
  }

  /// Index checks of the same indices (a decoder's two rotary Gathers of
  /// position_ids) are one reduction after CSE, tested by one
  /// `if (!ok) status = code` per node; the later test, past other kernels,
  /// would read on the host a flag the device computed. Only the first is
  /// kept: a failed run names the first node reading those indices.
  static void dropRepeatedChecks(func::FuncOp f) {
    llvm::SmallPtrSet<Value, 8> tested;
    SmallVector<scf::IfOp> repeated;
    for (Operation &op : f.getBody().front()) {
      auto c = dyn_cast<scf::IfOp>(op);
      if (!c || c.getNumResults() || !c.getElseRegion().empty() ||
          !llvm::all_of(c.thenBlock()->without_terminator(), [](Operation &x) {
            auto st = dyn_cast<memref::StoreOp>(x);
            return st && isa<BlockArgument>(st.getMemRef()) &&
                   st.getValue().getDefiningOp<arith::ConstantOp>();
          }))
        continue;
      if (!tested.insert(c.getCondition()).second)
        repeated.push_back(c);
    }
    for (scf::IfOp c : repeated)
      c.erase();
  }

  /// A transpose read by linalg.generic ops (attention's batched matmuls
  /// read the heads' Q, K and V through one) is read through its
  /// permutation by them instead of being copied by a kernel of its own:
  /// generalized, it fuses into each such consumer (linalg's elementwise
  /// fusion, which takes consumers with reductions). A transpose that a
  /// collapse_shape flattens for a generic (the heads merged back before
  /// the output projection) first has the reshape folded into that generic
  /// by expanding its loops. A transpose with other users stays for them.
  static LogicalResult foldTransposes(func::FuncOp f) {
    MLIRContext *ctx = f.getContext();
    IRRewriter rw(ctx);
    auto readByGeneric = [](Value v) {
      return llvm::any_of(v.getUses(), [](OpOperand &u) {
        auto g = dyn_cast<linalg::GenericOp>(u.getOwner());
        return g && g.isDpsInput(&u);
      });
    };
    SmallVector<linalg::TransposeOp> transposes;
    f.walk([&](linalg::TransposeOp t) {
      if (!t.hasPureTensorSemantics() || t->getNumResults() != 1)
        return;
      Value r = t->getResult(0);
      bool flattened = llvm::any_of(r.getUsers(), [&](Operation *u) {
        auto c = dyn_cast<tensor::CollapseShapeOp>(u);
        return c && readByGeneric(c.getResult());
      });
      if (readByGeneric(r) || flattened)
        transposes.push_back(t);
    });
    if (transposes.empty())
      return success();
    for (linalg::TransposeOp t : transposes) {
      rw.setInsertionPoint(t);
      FailureOr<linalg::GenericOp> g = linalg::generalizeNamedOp(rw, t);
      if (succeeded(g))
        (*g)->setAttr(kTransposeAttr, UnitAttr::get(ctx));
    }
    auto marked = [](Value v) {
      Operation *d = v.getDefiningOp();
      return d && d->hasAttr(kTransposeAttr);
    };
    RewritePatternSet reshapes(ctx), fusion(ctx);
    linalg::populateFoldReshapeOpsByExpansionPatterns(reshapes, [&](OpOperand *o) {
      auto c = o->get().getDefiningOp<tensor::CollapseShapeOp>();
      return c && marked(c.getSrc());
    });
    fusion.add<FuseTranspose>(ctx);
    if (failed(applyPatternsGreedily(f, std::move(reshapes))) ||
        failed(applyPatternsGreedily(f, std::move(fusion))))
      return f.emitError("folding transposes into their readers did not converge");
    f.walk([&](linalg::GenericOp g) { g->removeAttr(kTransposeAttr); });
    return success();
  }

  /// A generalized transpose (marked) fused into a generic that reads it.
  struct FuseTranspose : OpRewritePattern<linalg::GenericOp> {
    using OpRewritePattern::OpRewritePattern;
    LogicalResult matchAndRewrite(linalg::GenericOp consumer, PatternRewriter &rw) const override {
      for (OpOperand *in : consumer.getDpsInputOperands()) {
        Operation *producer = in->get().getDefiningOp();
        // Every reader must take it: a transpose kept for one would make
        // each fused op also write it (a second output).
        if (!producer || !producer->hasAttr(kTransposeAttr) ||
            !llvm::all_of(producer->getResult(0).getUses(),
                          [](OpOperand &u) { return linalg::areElementwiseOpsFusable(&u); }))
          continue;
        FailureOr<linalg::ElementwiseOpFusionResult> fused = linalg::fuseElementwiseOps(rw, in);
        if (failed(fused))
          continue;
        rw.replaceOp(consumer, fused->fusedOp->getResults().take_back(consumer->getNumResults()));
        return success();
      }
      return failure();
    }
  };

  /// An elementwise op that only maps a reduction's result (the mean's
  /// division by the count) writes into that result instead of a tensor of
  /// its own: bufferized in place, it becomes the reduction kernel's fused
  /// epilogue (step 4) rather than a kernel of its own.
  static void epiloguesInPlace(func::FuncOp f) {
    f.walk([&](linalg::GenericOp e) {
      if (!e.hasPureTensorSemantics() || e.getNumDpsInits() != 1 || e.getNumReductionLoops() != 0 ||
          e->getNumResults() != 1)
        return;
      OpOperand *init = e.getDpsInitOperand(0);
      if (!e.getMatchingIndexingMap(init).isIdentity() || e.payloadUsesValueFromOperand(init))
        return;
      for (OpOperand *in : e.getDpsInputOperands()) {
        auto r = in->get().getDefiningOp<linalg::GenericOp>();
        if (!r || r.getNumReductionLoops() == 0 || r->getNumResults() != 1 ||
            !in->get().hasOneUse() || in->get().getType() != e->getResult(0).getType() ||
            !e.getMatchingIndexingMap(in).isIdentity() || r->getBlock() != e->getBlock())
          continue;
        init->set(in->get());
        return;
      }
    });
  }

  /// CSE leaves one linalg.fill (of a tensor.empty) as the start of every
  /// reduction of that shape and value, e.g. each layer norm's sums. Each
  /// writes it in place, so bufferization would give all but one a copy of
  /// a filled buffer: a fill kernel and a copy kernel. A fill of its own,
  /// right before each such user, bufferizes in place and fuses into the
  /// reduction's kernel as its start value.
  static void unshareFills(func::FuncOp f) {
    SmallVector<linalg::FillOp> fills;
    f.walk([&](linalg::FillOp fill) {
      if (fill.hasPureTensorSemantics() && !fill->getResult(0).hasOneUse())
        fills.push_back(fill);
    });
    for (linalg::FillOp fill : fills) {
      SmallVector<OpOperand *> inits;
      for (OpOperand &use : fill->getResult(0).getUses())
        if (auto user = dyn_cast<DestinationStyleOpInterface>(use.getOwner());
            user && user.isDpsInit(&use) && user->getBlock() == fill->getBlock())
          inits.push_back(&use);
      for (OpOperand *use : inits) {
        OpBuilder b(use->getOwner());
        use->set(b.clone(*fill)->getResult(0));
      }
      if (fill->use_empty())
        fill->erase();
    }
  }
};

/// Ops the host part of the model function may keep: they form views or
/// name buffers, and touch no memory.
bool staysOnHost(Operation *op) {
  if (isa<scf::ParallelOp, func::ReturnOp, memref::GetGlobalOp, memref::AllocOp, memref::DeallocOp,
          memref::ViewOp, memref::SubViewOp, memref::ExpandShapeOp, memref::CollapseShapeOp,
          memref::ReinterpretCastOp, memref::CastOp, memref::ExtractStridedMetadataOp>(op))
    return true;
  return op->getNumRegions() == 0 && isMemoryEffectFree(op);
}

gpu::ParallelLoopDimMappingAttr mapping(MLIRContext *ctx, gpu::Processor p) {
  AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
  return gpu::ParallelLoopDimMappingAttr::get(ctx, p, id, id);
}

/// A parallel loop inside a thread's work runs as scf.for loops (upstream's
/// mapping handles nested parallel loops only right inside the mapped one).
LogicalResult parallelToFors(scf::ParallelOp p) {
  if (p.getNumResults() != 0)
    return p.emitError("a nested parallel reduction is not mapped to the GPU yet");
  OpBuilder b(p);
  Location loc = p.getLoc();
  SmallVector<Value> ivs;
  for (unsigned i = 0; i < p.getNumLoops(); ++i) {
    auto f = scf::ForOp::create(b, loc, p.getLowerBound()[i], p.getUpperBound()[i], p.getStep()[i]);
    ivs.push_back(f.getInductionVar());
    b.setInsertionPointToStart(f.getBody());
  }
  Operation *yield = b.getInsertionBlock()->getTerminator();
  Block *body = p.getBody();
  for (unsigned i = 0; i < ivs.size(); ++i)
    body->getArgument(i).replaceAllUsesWith(ivs[i]);
  for (Operation &op : llvm::make_early_inc_range(body->without_terminator()))
    op.moveBefore(yield);
  p.erase();
  return success();
}

struct GPUMapLoopsPass : autoglm::impl::GPUMapLoopsBase<GPUMapLoopsPass> {
  using GPUMapLoopsBase::GPUMapLoopsBase;

  /// Moves each run of ops that must run on the device into a
  /// one-iteration scf.parallel placed at the run's last op. Side-effect
  /// free ops between them stay where they are unless they use a device
  /// value (then they join the run); a host op with effects (a mapped loop,
  /// an alloc) ends the run.
  LogicalResult wrapHostCompute(Block &body) {
    SmallVector<SmallVector<Operation *>> runs;
    llvm::SmallPtrSet<Operation *, 16> onDevice;
    bool open = false;
    for (Operation &op : body) {
      bool usesDevice = llvm::any_of(op.getOperands(), [&](Value v) {
        return v.getDefiningOp() && onDevice.contains(v.getDefiningOp());
      });
      bool pure = op.getNumRegions() == 0 && isMemoryEffectFree(&op);
      if (staysOnHost(&op) && !(pure && usesDevice)) {
        if (!pure)
          open = false;
        continue;
      }
      if (op.hasTrait<OpTrait::IsTerminator>())
        return op.emitError("a terminator uses a value computed on the device");
      if (!open)
        runs.emplace_back();
      runs.back().push_back(&op);
      onDevice.insert(&op);
      open = true;
    }
    for (auto &run : runs) {
      llvm::SmallPtrSet<Operation *, 8> inRun(run.begin(), run.end());
      for (Operation *op : run)
        for (Value r : op->getResults())
          for (Operation *user : r.getUsers()) {
            Operation *top = user;
            while (top->getBlock() != &body)
              top = top->getParentOp();
            if (!inRun.contains(top))
              return op->emitError("a value computed on the device is used on the host; "
                                   "the GPU launch plan cannot carry it");
          }
      OpBuilder b(run.back());
      Location loc = run.front()->getLoc();
      Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
      Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
      auto loop = scf::ParallelOp::create(b, loc, ValueRange{c0}, ValueRange{c1}, ValueRange{c1});
      Operation *term = loop.getBody()->getTerminator();
      for (Operation *op : run)
        op->moveBefore(term);
    }
    return success();
  }

  void runOnOperation() override {
    if (blockSize < 32 || blockSize > 1024 || blockSize % 32) {
      getOperation().emitError("block-size must be a multiple of 32 in 32..1024");
      return signalPassFailure();
    }
    MLIRContext *ctx = &getContext();
    for (auto f : getOperation().getOps<func::FuncOp>()) {
      if (f.isExternal())
        continue;
      if (!f.getBody().hasOneBlock()) {
        f.emitError("GPU targets need a model function without control flow");
        return signalPassFailure();
      }
      Block &body = f.getBody().front();
      if (failed(wrapHostCompute(body)))
        return signalPassFailure();
      for (Operation &top : body) {
        SmallVector<scf::ParallelOp> nested;
        for (Region &r : top.getRegions())
          r.walk([&](scf::ParallelOp p) { nested.push_back(p); });
        for (scf::ParallelOp p : nested)
          if (failed(parallelToFors(p)))
            return signalPassFailure();
      }
      IRRewriter rw(ctx);
      // One dim per loop: its points are numbered linearly.
      for (auto loop : llvm::to_vector(body.getOps<scf::ParallelOp>())) {
        if (loop.getNumLoops() < 2)
          continue;
        std::vector<unsigned> all;
        for (unsigned i = 0; i < loop.getNumLoops(); ++i)
          all.push_back(i);
        rw.setInsertionPoint(loop);
        Attribute asked = loop->getAttr(kBlockAttr);
        Operation *next = loop->getNextNode();
        collapseParallelLoops(rw, loop, {all});
        // The collapsed loop replaces `loop` in place.
        if (auto one = dyn_cast_or_null<scf::ParallelOp>(next->getPrevNode()); one && asked)
          one->setAttr(kBlockAttr, asked);
      }
      for (auto loop : llvm::to_vector(body.getOps<scf::ParallelOp>())) {
        int64_t block = blockSize;
        auto lb = getConstantIntValue(loop.getLowerBound()[0]);
        auto ub = getConstantIntValue(loop.getUpperBound()[0]);
        auto step = getConstantIntValue(loop.getStep()[0]);
        // A row kernel's own block (its warps meet at barriers; it divides
        // the loop, so no thread of a block is guarded off).
        auto asked = loop->getAttrOfType<IntegerAttr>(kBlockAttr);
        if (!asked &&
            loop->walk([](gpu::BarrierOp) { return WalkResult::interrupt(); }).wasInterrupted()) {
          loop.emitError("a loop with barriers lost its block size (autoglm.gpu.block)");
          return signalPassFailure();
        }
        if (asked) {
          block = asked.getInt();
        } else if (lb && ub && step && *step > 0) {
          int64_t n = (*ub - *lb + *step - 1) / *step;
          block = std::min<int64_t>(block, std::max<int64_t>(32, (n + 31) / 32 * 32));
        }
        // tileParallelLoop erases `loop`.
        auto [outer, inner] = scf::tileParallelLoop(loop, {block}, /*noMinMaxBounds=*/true);
        if (failed(gpu::setMappingAttr(outer, {mapping(ctx, gpu::Processor::BlockX)})) ||
            failed(gpu::setMappingAttr(inner, {mapping(ctx, gpu::Processor::ThreadX)})))
          return signalPassFailure();
      }
    }
  }
};

struct GPUSplitReductionsPass : autoglm::impl::GPUSplitReductionsBase<GPUSplitReductionsPass> {
  using GPUSplitReductionsBase::GPUSplitReductionsBase;

  /// The reduction dim to split and its share count, or {-1, 1}.
  std::pair<int, int64_t> plan(linalg::GenericOp op) const {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t outputs = 1, length = 1;
    for (auto [d, it] : llvm::enumerate(op.getIteratorTypesArray()))
      (it == utils::IteratorType::parallel ? outputs : length) *= ranges[d];
    // Few outputs run a warp each; a long reduction then leaves most of the
    // GPU idle waiting on one warp's loads (a run-time check over 4096
    // token ids: 116 us on one warp), so its shares aim at `warp-split-warps`
    // warps of at least `warp-split-steps` steps each.
    int64_t target = targetOutputs, steps = minSteps;
    if (outputs < minOutputs) {
      if (!warpSplitLength || length < warpSplitLength)
        return {-1, 1};
      target = warpSplitWarps;
      steps = std::max<int64_t>(minSteps, warpSplitSteps);
    }
    if (length < minLength || outputs >= target)
      return {-1, 1};
    // Per reduction dim, the smallest divisor of its extent that reaches
    // the target (else the largest that keeps the steps); the dim needing
    // the fewest shares to reach it wins, else the most shares.
    int best = -1;
    int64_t bestShares = 1;
    bool bestReaches = false;
    for (auto [d, it] : llvm::enumerate(op.getIteratorTypesArray())) {
      if (it != utils::IteratorType::reduction || !splittable(op, d))
        continue;
      int64_t pick = 1;
      bool reaches = false;
      for (int64_t s = 2; s <= ranges[d] && length / s >= steps; ++s) {
        if (ranges[d] % s)
          continue;
        pick = s;
        if ((reaches = outputs * s >= target))
          break;
      }
      if (pick < 2)
        continue;
      bool better = best < 0 || (reaches && !bestReaches) ||
                    (reaches && bestReaches && pick < bestShares) ||
                    (!reaches && !bestReaches && pick > bestShares);
      if (better) {
        best = d;
        bestShares = pick;
        bestReaches = reaches;
      }
    }
    return {best, bestShares};
  }

  /// The result position of dim `d` in `map` when it appears there once, as
  /// the whole result; -1 when it does not appear; -2 otherwise.
  static int pureResult(AffineMap map, unsigned d) {
    int at = -1;
    for (auto [i, e] : llvm::enumerate(map.getResults())) {
      if (!e.isFunctionOfDim(d))
        continue;
      auto dim = dyn_cast<AffineDimExpr>(e);
      if (at != -1 || !dim)
        return -2;
      at = i;
    }
    return at;
  }

  /// Whether every input reads reduction dim `d` as one whole index (its
  /// tensor can then be viewed with that extent as shares x share).
  static bool splittable(linalg::GenericOp op, unsigned d) {
    return llvm::all_of(op.getDpsInputOperands(), [&](OpOperand *in) {
      return pureResult(op.getMatchingIndexingMap(in), d) != -2;
    });
  }

  static bool applies(linalg::GenericOp op) {
    if (!op.hasPureTensorSemantics() || op.getNumReductionLoops() == 0 ||
        op.getNumDpsInits() != 1 || op.getNumResults() != 1 ||
        llvm::any_of(op.getStaticLoopRanges(), ShapedType::isDynamic) ||
        !op.getBody()->getOps<linalg::IndexOp>().empty())
      return false;
    AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
    if (!out.isProjectedPermutation())
      return false;
    TypedAttr identity;
    return combiner(op, identity) != nullptr;
  }

  void split(linalg::GenericOp op, unsigned k, int64_t shares) {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    TypedAttr identity;
    Operation *combine = combiner(op, identity);
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    unsigned n = op.getNumLoops();
    int64_t share = ranges[k] / shares;
    // Dim d becomes d + 1 and the shares the new dim 0; an input that reads
    // the split dim k is viewed with that extent as shares x share, read at
    // (0, k + 1).
    SmallVector<AffineExpr> subst;
    for (unsigned d = 0; d < n; ++d)
      subst.push_back(getAffineDimExpr(d + 1, ctx));
    OpBuilder b(op);
    SmallVector<AffineMap> maps;
    SmallVector<Value> inputs;
    for (OpOperand *in : op.getDpsInputOperands()) {
      AffineMap m = op.getMatchingIndexingMap(in);
      int at = pureResult(m, k);
      SmallVector<AffineExpr> results;
      for (AffineExpr e : m.getResults())
        results.push_back(e.replaceDimsAndSymbols(subst, {}));
      Value v = in->get();
      if (at >= 0) {
        auto type = cast<RankedTensorType>(v.getType());
        SmallVector<int64_t> shape;
        SmallVector<ReassociationIndices> groups;
        for (int64_t i = 0; i < type.getRank(); ++i) {
          groups.push_back({(int64_t)shape.size()});
          if (i == at) {
            groups.back().push_back(shape.size() + 1);
            shape.append({shares, share});
          } else {
            shape.push_back(type.getDimSize(i));
          }
        }
        v = tensor::ExpandShapeOp::create(b, loc, type.clone(shape), v, groups);
        results[at] = getAffineDimExpr(k + 1, ctx);
        results.insert(results.begin() + at, getAffineDimExpr(0, ctx));
      }
      inputs.push_back(v);
      maps.push_back(AffineMap::get(n + 1, 0, results, ctx));
    }
    AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
    SmallVector<AffineExpr> partialOut = {getAffineDimExpr(0, ctx)};
    for (AffineExpr e : outMap.getResults())
      partialOut.push_back(e.replaceDimsAndSymbols(subst, {}));
    maps.push_back(AffineMap::get(n + 1, 0, partialOut, ctx));
    SmallVector<utils::IteratorType> iters = {utils::IteratorType::parallel};
    llvm::append_range(iters, op.getIteratorTypesArray());

    auto initType = cast<RankedTensorType>(op.getDpsInitOperand(0)->get().getType());
    SmallVector<int64_t> partialShape = {shares};
    llvm::append_range(partialShape, initType.getShape());
    Value empty = tensor::EmptyOp::create(b, loc, partialShape, initType.getElementType());
    Value id = arith::ConstantOp::create(b, loc, identity);
    Value start = linalg::FillOp::create(b, loc, id, empty).getResult(0);
    auto partial = linalg::GenericOp::create(
        b, loc, TypeRange{start.getType()}, inputs, ValueRange{start}, maps, iters,
        [&](OpBuilder &nb, Location l, ValueRange args) {
          IRMapping map;
          map.map(op.getBody()->getArguments(), args);
          for (Operation &inner : op.getBody()->without_terminator())
            nb.clone(inner, map);
          linalg::YieldOp::create(
              nb, l, map.lookupOrDefault(op.getBody()->getTerminator()->getOperand(0)));
        });
    partial->setAttrs(op->getDiscardableAttrDictionary());
    // The combine folds the shares into the original output: dims are the
    // output's, then the shares (a reduction).
    unsigned r = initType.getRank();
    SmallVector<AffineExpr> foldIn = {getAffineDimExpr(r, ctx)}, foldOut;
    for (unsigned i = 0; i < r; ++i) {
      foldIn.push_back(getAffineDimExpr(i, ctx));
      foldOut.push_back(getAffineDimExpr(i, ctx));
    }
    // (getMajorSubMap(0) is a null map: a 0-d output needs its own.)
    SmallVector<AffineMap> foldMaps = {AffineMap::get(r + 1, 0, foldIn, ctx),
                                       AffineMap::get(r + 1, 0, foldOut, ctx)};
    SmallVector<utils::IteratorType> foldIters(r, utils::IteratorType::parallel);
    foldIters.push_back(utils::IteratorType::reduction);
    Value accArg = op.getBody()->getArgument(op.getDpsInitOperand(0)->getOperandNumber());
    bool accFirst = combine->getOperand(0) == accArg;
    Value init = op.getDpsInitOperand(0)->get();
    auto fold = linalg::GenericOp::create(
        b, loc, TypeRange{initType}, ValueRange{partial.getResult(0)}, ValueRange{init}, foldMaps,
        foldIters, [&](OpBuilder &nb, Location l, ValueRange args) {
          OperationState state(l, combine->getName());
          state.addOperands(accFirst ? ValueRange{args[1], args[0]} : ValueRange{args[0], args[1]});
          state.addTypes(args[1].getType());
          state.addAttributes(combine->getAttrs());
          linalg::YieldOp::create(nb, l, nb.create(state)->getResult(0));
        });
    op.getResult(0).replaceAllUsesWith(fold.getResult(0));
    op.erase();
    // The output's initialization (a bias broadcast) stays right before
    // the op that reads it, where the reduction lowering fuses it.
    if (Operation *def = init.getDefiningOp();
        def && def->getBlock() == fold->getBlock() && init.hasOneUse())
      def->moveBefore(fold);
  }

  void runOnOperation() override {
    SmallVector<std::tuple<linalg::GenericOp, int, int64_t>> work;
    getOperation().walk([&](linalg::GenericOp op) {
      if (!applies(op))
        return;
      auto [d, s] = plan(op);
      if (d >= 0 && s > 1)
        work.push_back({op, d, s});
    });
    for (auto [op, d, s] : work)
      split(op, d, s);
  }
};

struct GPUDefineMathFunctionsPass
    : autoglm::impl::GPUDefineMathFunctionsBase<GPUDefineMathFunctionsPass> {
  void runOnOperation() override {
    using Build = std::function<Value(OpBuilder &, Location, ValueRange)>;
    auto unary = [](auto tag) -> Build {
      using Op = decltype(tag);
      return [](OpBuilder &b, Location l, ValueRange a) -> Value {
        return Op::create(b, l, a[0].getType(), a[0]);
      };
    };
    auto binary = [](auto tag) -> Build {
      using Op = decltype(tag);
      return [](OpBuilder &b, Location l, ValueRange a) -> Value {
        return Op::create(b, l, a[0].getType(), a[0], a[1]);
      };
    };
    const llvm::StringMap<Build> table = {
        {"floor", unary(LLVM::FFloorOp())},
        {"ceil", unary(LLVM::FCeilOp())},
        {"trunc", unary(LLVM::FTruncOp())},
        {"rint", unary(LLVM::RintOp())},
        {"nearbyint", unary(LLVM::NearbyintOp())},
        {"round", unary(LLVM::RoundOp())},
        {"fabs", unary(LLVM::FAbsOp())},
        {"sqrt", unary(LLVM::SqrtOp())},
        {"copysign", binary(LLVM::CopySignOp())},
        {"fmin", binary(LLVM::MinNumOp())},
        {"fmax", binary(LLVM::MaxNumOp())},
        {"fma",
         [](OpBuilder &b, Location l, ValueRange a) -> Value {
           return LLVM::FMAOp::create(b, l, a[0].getType(), a[0], a[1], a[2]);
         }},
    };
    for (auto f : llvm::to_vector(getOperation().getOps<LLVM::LLVMFuncOp>())) {
      llvm::StringRef name = f.getName();
      if (!f.isExternal() || !name.consume_front("__nv_"))
        continue;
      auto ft = f.getFunctionType();
      if (ft.getNumParams() == 0 || !isa<FloatType>(ft.getReturnType()))
        continue;
      // __nv_floorf is the f32 variant of __nv_floor.
      auto it = table.find(name);
      if (it == table.end() && ft.getReturnType().isF32() && name.ends_with("f"))
        it = table.find(name.drop_back());
      if (it == table.end())
        continue;
      OpBuilder b(f.getContext());
      Block *body = f.addEntryBlock(b);
      b.setInsertionPointToStart(body);
      Value r = it->second(b, f.getLoc(), body->getArguments());
      LLVM::ReturnOp::create(b, f.getLoc(), r);
      f.setLinkage(LLVM::Linkage::Internal);
    }
  }
};

struct GPUMergeKernelModulesPass
    : autoglm::impl::GPUMergeKernelModulesBase<GPUMergeKernelModulesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Shared memory a kernel allocates (memref.alloca in the workgroup
    // address space, which autoglm-gpu-lower-reductions places in a
    // block's loop) becomes a workgroup attribution of its gpu.func: static
    // shared memory, which NVVM and ROCDL lower to a module global.
    module.walk([&](gpu::GPUFuncOp f) {
      SmallVector<memref::AllocaOp> allocas;
      f.walk([&](memref::AllocaOp a) {
        auto space = dyn_cast_or_null<gpu::AddressSpaceAttr>(a.getType().getMemorySpace());
        if (space && space.getValue() == gpu::AddressSpace::Workgroup)
          allocas.push_back(a);
      });
      for (memref::AllocaOp a : allocas) {
        BlockArgument shared = f.addWorkgroupAttribution(a.getType(), a.getLoc());
        // 16-byte aligned at least: what cp.async's 16-byte copies need.
        int64_t align = std::max<int64_t>(16, a.getAlignment().value_or(0));
        f.setWorkgroupAttributionAttr(
            f.getNumWorkgroupAttributions() - 1, LLVM::LLVMDialect::getAlignAttrName(),
            IntegerAttr::get(IntegerType::get(f.getContext(), 64), align));
        a.getResult().replaceAllUsesWith(shared);
        a.erase();
      }
    });
    auto modules = llvm::to_vector(module.getOps<gpu::GPUModuleOp>());
    if (modules.empty())
      return;
    MLIRContext *ctx = &getContext();
    OpBuilder b(modules.front());
    auto merged = gpu::GPUModuleOp::create(b, modules.front().getLoc(), "autoglm_kernels");
    SymbolTable table(merged);
    // (old module, old func) -> new func name.
    llvm::StringMap<std::string> renamed;
    for (gpu::GPUModuleOp m : modules) {
      auto funcs = llvm::to_vector(m.getOps<gpu::GPUFuncOp>());
      for (gpu::GPUFuncOp f : funcs) {
        std::string key = (m.getName() + "::" + f.getName()).str();
        std::string name = funcs.size() == 1 ? m.getName().str() : key;
        std::replace(name.begin(), name.end(), ':', '_');
        f->remove();
        f.setName(name);
        table.insert(f);
        renamed[key] = f.getName().str();
      }
      if (!m.getBody()->without_terminator().empty()) {
        m.emitError("a kernel module holds more than kernels");
        return signalPassFailure();
      }
      m.erase();
    }
    module.walk([&](gpu::LaunchFuncOp launch) {
      SymbolRefAttr k = launch.getKernel();
      std::string key =
          (k.getRootReference().getValue() + "::" + k.getLeafReference().getValue()).str();
      auto it = renamed.find(key);
      if (it == renamed.end())
        return;
      launch.setKernelAttr(
          SymbolRefAttr::get(ctx, merged.getName(), {FlatSymbolRefAttr::get(ctx, it->second)}));
    });
  }
};

} // namespace
