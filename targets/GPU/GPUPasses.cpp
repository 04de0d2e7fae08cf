//===- GPUPasses.cpp - the GPU family's own passes -------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The GPU path keeps the model function on the host as a list of kernel
// launches over views of a few buffers (inputs, outputs, the arena, the
// weights), which the runtime replays from the manifest's launch plan.
// These passes bring the bufferized loops into that shape; upstream's
// convert-parallel-loops-to-gpu and gpu-kernel-outlining do the rest.
//===----------------------------------------------------------------------===//

#include "autoglm/Target/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_GPUPREPARE
#define GEN_PASS_DEF_GPUMAPLOOPS
#define GEN_PASS_DEF_GPUMERGEKERNELMODULES
#define GEN_PASS_DEF_GPUDEFINEMATHFUNCTIONS
#include "autoglm/Target/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {

std::string nameOf(func::FuncOp f, unsigned i, bool result) {
  auto a = result ? f.getResultAttrOfType<StringAttr>(i, "autoglm.name")
                  : f.getArgAttrOfType<StringAttr>(i, "autoglm.name");
  return a ? a.str() : (result ? "result #" : "input #") + std::to_string(i);
}

struct GPUPreparePass : autoglm::impl::GPUPrepareBase<GPUPreparePass> {
  using GPUPrepareBase::GPUPrepareBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto f = module.lookupSymbol<func::FuncOp>(funcName);
    if (!f) {
      module.emitError() << "no model function '" << funcName << "'";
      return signalPassFailure();
    }
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
        collapseParallelLoops(rw, loop, {all});
      }
      for (auto loop : llvm::to_vector(body.getOps<scf::ParallelOp>())) {
        int64_t block = blockSize;
        auto lb = getConstantIntValue(loop.getLowerBound()[0]);
        auto ub = getConstantIntValue(loop.getUpperBound()[0]);
        auto step = getConstantIntValue(loop.getStep()[0]);
        if (lb && ub && step && *step > 0) {
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
