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
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

using namespace mlir;
using namespace mlir::autoglm;

static void initializeTargets() {
  static bool initialized = [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
    return true;
  }();
  (void)initialized;
}

std::vector<std::string> mlir::autoglm::enabledTargetFeatures(llvm::StringRef triple,
                                                              llvm::StringRef cpu,
                                                              llvm::StringRef features) {
  initializeTargets();
  std::string error;
  llvm::Triple t(triple);
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(t, error);
  if (!target)
    return {};
  std::unique_ptr<llvm::MCSubtargetInfo> sti(target->createMCSubtargetInfo(t, cpu, features));
  if (!sti)
    return {};
  std::vector<std::string> names;
  for (const llvm::SubtargetFeatureKV &kv : sti->getAllProcessorFeatures())
    if (sti->getFeatureBits().test(kv.Value))
      names.push_back(kv.Key);
  llvm::sort(names);
  return names;
}

static std::unique_ptr<llvm::TargetMachine> createTargetMachine(const TargetDescription &o,
                                                                int optLevel, std::string &error) {
  initializeTargets();
  llvm::Triple triple(o.triple);
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  llvm::TargetOptions opts;
  // RISC-V's float ABI follows the FPU (Debian's riscv64 libc is lp64d).
  if (triple.isRISCV64())
    opts.MCOptions.ABIName = llvm::StringRef(o.features).contains("+d") ? "lp64d" : "lp64";
  auto level = optLevel <= 0   ? llvm::CodeGenOptLevel::None
               : optLevel == 1 ? llvm::CodeGenOptLevel::Less
               : optLevel == 2 ? llvm::CodeGenOptLevel::Default
                               : llvm::CodeGenOptLevel::Aggressive;
  return std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
      triple, o.cpu, o.features, opts, o.pic ? llvm::Reloc::PIC_ : llvm::Reloc::Static,
      std::nullopt, level));
}

/// Translate, set the target, run LLVM's optimization pipeline.
static std::unique_ptr<llvm::Module>
translateAndOptimize(ModuleOp module, const TargetDescription &o, int optLevel,
                     llvm::LLVMContext &llvmCtx, llvm::TargetMachine *&tmOut,
                     std::unique_ptr<llvm::TargetMachine> &tm) {
  std::string error;
  tm = createTargetMachine(o, optLevel, error);
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
  if (optLevel > 0) {
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
    auto level = optLevel == 1   ? llvm::OptimizationLevel::O1
                 : optLevel == 2 ? llvm::OptimizationLevel::O2
                                 : llvm::OptimizationLevel::O3;
    llvm::ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(level);
    mpm.run(*llvmModule, mam);
  }
  return llvmModule;
}

LogicalResult mlir::autoglm::emitLLVMIR(ModuleOp module, const TargetDescription &o, int optLevel,
                                        std::string &out) {
  llvm::LLVMContext llvmCtx;
  llvm::TargetMachine *tm;
  std::unique_ptr<llvm::TargetMachine> owned;
  auto m = translateAndOptimize(module, o, optLevel, llvmCtx, tm, owned);
  if (!m)
    return failure();
  llvm::raw_string_ostream os(out);
  m->print(os, nullptr);
  return success();
}

LogicalResult mlir::autoglm::emitObject(ModuleOp module, const TargetDescription &o, int optLevel,
                                        bool assembly, std::vector<char> &out) {
  llvm::LLVMContext llvmCtx;
  llvm::TargetMachine *tm;
  std::unique_ptr<llvm::TargetMachine> owned;
  auto m = translateAndOptimize(module, o, optLevel, llvmCtx, tm, owned);
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

LogicalResult mlir::autoglm::linkSharedLibrary(const std::string &objectPath,
                                               const std::string &outputPath,
                                               const std::vector<std::string> &libraryDirs,
                                               const std::vector<std::string> &extraLibraries,
                                               const std::string &openMPRuntime,
                                               std::string &error) {
  auto lld = llvm::sys::findProgramByName("ld.lld", {"/usr/lib/llvm-22/bin"});
  if (!lld) {
    error = "ld.lld not found (install lld-22)";
    return failure();
  }
  // libm resolves the few math functions with no inline expansion (asin,
  // cosh, ...); libc the allocator.
  std::vector<std::string> args = {*lld, "-shared",     "--build-id=none",
                                   "-z", "noexecstack", "--hash-style=gnu",
                                   "-o", outputPath,    objectPath};
  for (const std::string &dir : libraryDirs)
    args.push_back("-L" + dir);
  args.insert(args.end(), {"--as-needed", "-lm", "-lc"});
  for (const std::string &lib : extraLibraries)
    args.push_back("-l" + lib);
  // Parallel models need LLVM's OpenMP runtime; the artifact carries a copy
  // and finds it next to itself ($ORIGIN).
  if (!openMPRuntime.empty()) {
    llvm::StringRef dir = llvm::sys::path::parent_path(openMPRuntime);
    args.insert(args.end(),
                {"-L" + dir.str(), "-l:" + llvm::sys::path::filename(openMPRuntime).str(), "-rpath",
                 "$ORIGIN"});
  }
  llvm::SmallVector<llvm::StringRef> argRefs(args.begin(), args.end());
  std::string msg;
  int rc = llvm::sys::ExecuteAndWait(*lld, argRefs, std::nullopt, {}, 0, 0, &msg);
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
