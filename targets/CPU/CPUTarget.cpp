//===- CPUTarget.cpp - LLVM IR, object emission and linking --------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU.h"

#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;
using namespace mlir::autoglm;

CPUTargetOptions mlir::autoglm::resolveCPUTarget(CPUTargetOptions o) {
  if (o.triple.empty())
    o.triple = llvm::sys::getDefaultTargetTriple();
  bool host = o.cpu.empty();
  if (host)
    o.cpu = llvm::sys::getHostCPUName().str();
  if (o.features.empty() && host) {
    // Sorted, so the same machine always gives the same string (and the
    // same artifact).
    std::vector<std::string> feats;
    for (auto &f : llvm::sys::getHostCPUFeatures())
      feats.push_back((f.second ? "+" : "-") + f.first().str());
    llvm::sort(feats);
    o.features = llvm::join(feats, ",");
  }
  return o;
}

static std::unique_ptr<llvm::TargetMachine>
createTargetMachine(const CPUTargetOptions &o, std::string &error) {
  static bool initialized = [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
    return true;
  }();
  (void)initialized;
  llvm::Triple triple(o.triple);
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  llvm::TargetOptions opts;
  auto level = o.optLevel <= 0   ? llvm::CodeGenOptLevel::None
               : o.optLevel == 1 ? llvm::CodeGenOptLevel::Less
               : o.optLevel == 2 ? llvm::CodeGenOptLevel::Default
                                 : llvm::CodeGenOptLevel::Aggressive;
  return std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
      triple, o.cpu, o.features, opts, llvm::Reloc::PIC_, std::nullopt, level));
}

/// Translate, set the target, run LLVM's optimization pipeline.
static std::unique_ptr<llvm::Module>
translateAndOptimize(ModuleOp module, const CPUTargetOptions &o,
                     llvm::LLVMContext &llvmCtx, llvm::TargetMachine *&tmOut,
                     std::unique_ptr<llvm::TargetMachine> &tm) {
  std::string error;
  tm = createTargetMachine(o, error);
  if (!tm) {
    module.emitError() << "cannot create a target machine for '" << o.triple
                       << "': " << error;
    return nullptr;
  }
  tmOut = tm.get();
  auto llvmModule = translateModuleToLLVMIR(module, llvmCtx, "autoglm");
  if (!llvmModule) {
    module.emitError() << "translation to LLVM IR failed";
    return nullptr;
  }
  llvmModule->setDataLayout(tm->createDataLayout());
  llvmModule->setTargetTriple(tm->getTargetTriple());
  if (o.optLevel > 0) {
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    llvm::PipelineTuningOptions pto;
    pto.LoopVectorization = true;
    pto.SLPVectorization = true;
    llvm::PassBuilder pb(tm.get(), pto);
    pb.registerModuleAnalyses(mam);
    pb.registerCGSCCAnalyses(cgam);
    pb.registerFunctionAnalyses(fam);
    pb.registerLoopAnalyses(lam);
    pb.crossRegisterProxies(lam, fam, cgam, mam);
    auto level = o.optLevel == 1   ? llvm::OptimizationLevel::O1
                 : o.optLevel == 2 ? llvm::OptimizationLevel::O2
                                   : llvm::OptimizationLevel::O3;
    llvm::ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(level);
    mpm.run(*llvmModule, mam);
  }
  return llvmModule;
}

LogicalResult mlir::autoglm::emitLLVMIR(ModuleOp module,
                                        const CPUTargetOptions &o,
                                        std::string &out) {
  llvm::LLVMContext llvmCtx;
  llvm::TargetMachine *tm;
  std::unique_ptr<llvm::TargetMachine> owned;
  auto m = translateAndOptimize(module, o, llvmCtx, tm, owned);
  if (!m)
    return failure();
  llvm::raw_string_ostream os(out);
  m->print(os, nullptr);
  return success();
}

LogicalResult mlir::autoglm::emitObject(ModuleOp module,
                                        const CPUTargetOptions &o, bool assembly,
                                        std::vector<char> &out) {
  llvm::LLVMContext llvmCtx;
  llvm::TargetMachine *tm;
  std::unique_ptr<llvm::TargetMachine> owned;
  auto m = translateAndOptimize(module, o, llvmCtx, tm, owned);
  if (!m)
    return failure();
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager pm;
  if (tm->addPassesToEmitFile(pm, os, nullptr,
                              assembly ? llvm::CodeGenFileType::AssemblyFile
                                       : llvm::CodeGenFileType::ObjectFile)) {
    module.emitError() << "the target cannot emit this file type";
    return failure();
  }
  pm.run(*m);
  out.assign(buffer.begin(), buffer.end());
  return success();
}

bool mlir::autoglm::usesOpenMP(ModuleOp module) {
  return module.lookupSymbol("omp_set_num_threads") != nullptr;
}

std::string mlir::autoglm::openMPRuntimePath() {
  return "/usr/lib/llvm-22/lib/libomp.so.5";
}

LogicalResult mlir::autoglm::linkSharedLibrary(const std::string &objectPath,
                                               const std::string &outputPath,
                                               bool openMP, std::string &error) {
  auto lld = llvm::sys::findProgramByName("ld.lld", {"/usr/lib/llvm-22/bin"});
  if (!lld) {
    error = "ld.lld not found (install lld-22)";
    return failure();
  }
  // libm resolves the few math functions with no inline expansion (asin,
  // cosh, ...); libc the allocator.
  llvm::SmallVector<llvm::StringRef> args = {
      *lld,           "-shared",        "--build-id=none", "-z",
      "noexecstack",  "--hash-style=gnu", "-o",            outputPath,
      objectPath,     "-L/lib/x86_64-linux-gnu", "-L/usr/lib/x86_64-linux-gnu",
      "-L/lib64",     "-L/usr/lib64",   "--as-needed",     "-lm",
      "-lc"};
  // Parallel models need LLVM's OpenMP runtime; the artifact carries a copy
  // and finds it next to itself ($ORIGIN).
  if (openMP)
    args.append({"-L/usr/lib/llvm-22/lib", "-l:libomp.so.5", "-rpath", "$ORIGIN"});
  std::string msg;
  int rc = llvm::sys::ExecuteAndWait(*lld, args, std::nullopt, {}, 0, 0, &msg);
  if (rc != 0) {
    error = "ld.lld failed" + (msg.empty() ? std::string() : ": " + msg);
    return failure();
  }
  return success();
}

void mlir::autoglm::registerCPUTranslations(DialectRegistry &registry) {
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
}
