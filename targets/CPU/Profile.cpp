//===- Profile.cpp - per-op timing marks in the model function ----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// autoglm-compile --profile: the model function calls
// __autoglm_profile_mark(region) before the first op of each region and
// once more before it returns; the runtime times the gaps
// (docs/profiling.md).
//===----------------------------------------------------------------------===//

#include "autoglm/Target/Passes.h"

#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_CPUPROFILEMARKS
#include "autoglm/Target/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {

/// The ONNX nodes an op computes: the names in its location, in order,
/// each once, joined by " + " ("(unnamed)" without any).
std::string regionName(Operation *op) {
  SmallVector<StringRef> names;
  op->getLoc()->walk([&](Location l) {
    if (auto n = dyn_cast<NameLoc>(l); n && !llvm::is_contained(names, n.getName().getValue()))
      names.push_back(n.getName().getValue());
    return WalkResult::advance();
  });
  return names.empty() ? std::string("(unnamed)") : llvm::join(names, " + ");
}

/// Ops that compute or move data (not views, constants or allocations).
bool doesWork(Operation *op) {
  if (op->getNumRegions() > 0 || isa<CallOpInterface>(op))
    return true;
  if (isa<memref::AllocOp, memref::AllocaOp, memref::DeallocOp>(op))
    return false;
  return !isMemoryEffectFree(op);
}

struct CPUProfileMarksPass : autoglm::impl::CPUProfileMarksBase<CPUProfileMarksPass> {
  using CPUProfileMarksBase::CPUProfileMarksBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto model = module.lookupSymbol<func::FuncOp>(funcName);
    if (!model || model.isExternal()) {
      module.emitError() << "--profile: no model function '" << funcName << "'";
      return signalPassFailure();
    }
    if (!model.getBody().hasOneBlock()) {
      model.emitError("--profile: the model function has more than one block");
      return signalPassFailure();
    }
    MLIRContext *ctx = &getContext();
    OpBuilder b(ctx);
    b.setInsertionPointToStart(module.getBody());
    auto i32 = b.getI32Type();
    auto mark = func::FuncOp::create(b, module.getLoc(), "__autoglm_profile_mark",
                                     b.getFunctionType({i32}, {}));
    mark.setPrivate();
    auto call = [&](Operation *before, int64_t region) {
      b.setInsertionPoint(before);
      Value id = arith::ConstantIntOp::create(b, before->getLoc(), region, 32);
      func::CallOp::create(b, before->getLoc(), mark, ValueRange{id});
    };
    SmallVector<Attribute> names;
    std::string current;
    Block &body = model.getBody().front();
    for (Operation &op : llvm::make_early_inc_range(body.without_terminator())) {
      if (!doesWork(&op))
        continue;
      std::string name = regionName(&op);
      if (!names.empty() && name == current)
        continue;
      current = name;
      call(&op, names.size());
      names.push_back(StringAttr::get(ctx, name));
    }
    call(body.getTerminator(), names.size());
    module->setAttr("autoglm.profile", ArrayAttr::get(ctx, names));
  }
};

} // namespace
