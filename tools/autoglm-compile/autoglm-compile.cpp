//===- autoglm-compile.cpp - ONNX model to a deployable artifact ---*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//   autoglm-compile model.onnx -o out/ [--target host] [-O0..-O3]
//                   [--target-cpu CPU] [--target-features +a,-b]
//                   [--emit mlir|linalg|llvm|asm|obj [-o file]]
//                   [--bind-input name=tensor.pb ...]
//
// Thin: flags in, library calls out. On any error the diagnostics name the
// ONNX node, the exit status is 1 and no artifact is written.
//===----------------------------------------------------------------------===//

#include "autoglm/Artifact/Artifact.h"
#include "autoglm/Importer/ONNXImporter.h"
#include "autoglm/Pipelines/Pipelines.h"
#include "autoglm/Target/CPU.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

using namespace mlir;
using namespace mlir::autoglm;

namespace {

struct Options {
  std::string model, output, target = "host", cpu, features, emit;
  int optLevel = 2;
  bool parallel = true;
  std::vector<std::string> bindInputs;
};

int fail(const std::string &msg) {
  llvm::errs() << "autoglm-compile: error: " << msg << "\n";
  return 1;
}

/// Writes `bytes` to `path` ("-" is stdout), keeping the file only when done.
int writeOutput(const std::string &path, llvm::StringRef bytes) {
  std::string err;
  auto out = openOutputFile(path.empty() ? "-" : path, &err);
  if (!out)
    return fail(err);
  out->os() << bytes;
  out->keep();
  return 0;
}

int run(const Options &o) {
  DialectRegistry registry;
  registerPipelineDialects(registry);
  registerONNXImportDialects(registry);
  registerCPUTranslations(registry);
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();

  if (o.target != "host" && o.target != "cpu")
    return fail("unknown target '" + o.target + "' (available: host)");
  if (o.optLevel < 0 || o.optLevel > 3)
    return fail("-O takes 0..3");

  ONNXImportOptions importOptions;
  for (const std::string &b : o.bindInputs) {
    auto eq = b.find('=');
    if (eq == std::string::npos)
      return fail("--bind-input takes name=tensor.pb, got '" + b + "'");
    importOptions.boundInputs[b.substr(0, eq)] = b.substr(eq + 1);
  }
  auto modelBytes = llvm::MemoryBuffer::getFile(o.model, false, false);
  if (!modelBytes)
    return fail("cannot read '" + o.model + "': " + modelBytes.getError().message());
  OwningOpRef<ModuleOp> module = importONNXFile(o.model, &ctx, importOptions);
  if (!module)
    return 1;

  if (o.emit == "mlir") {
    std::string s;
    llvm::raw_string_ostream os(s);
    OpPrintingFlags flags;
    flags.elideLargeResourceString(64);
    module->print(os, flags);
    return writeOutput(o.output, s);
  }

  ArtifactInfo info;
  info.modelName = llvm::sys::path::filename(o.model).str();
  info.modelSha256 = sha256Hex((*modelBytes)->getBuffer());
  info.optLevel = o.optLevel;
  auto sig = collectSignature(*module, "main");
  if (failed(sig))
    return 1;
  info.inputs = sig->first;
  info.outputs = sig->second;
  info.weightBytes = constantBytes(*module);

  PassManager pm(&ctx);
  buildAutoGLMToLinalgPipeline(pm);
  bool stopAtLinalg = o.emit == "linalg";
  if (!stopAtLinalg) {
    CPUPipelineOptions cpu;
    cpu.parallel = o.parallel;
    buildCPUCodegenPipeline(pm, cpu);
  }
  {
    std::string s;
    llvm::raw_string_ostream os(s);
    pm.printAsTextualPipeline(os);
    info.pipeline = s;
  }
  if (failed(pm.run(*module)))
    return 1;
  if (stopAtLinalg) {
    std::string s;
    llvm::raw_string_ostream os(s);
    OpPrintingFlags flags;
    flags.elideLargeResourceString(64);
    module->print(os, flags);
    return writeOutput(o.output, s);
  }

  CPUTargetOptions target;
  target.cpu = o.cpu;
  target.features = o.features;
  target.optLevel = o.optLevel;
  target = resolveCPUTarget(target);
  info.triple = target.triple;
  info.cpu = target.cpu;
  info.features = target.features;

  if (o.emit == "llvm") {
    std::string ir;
    if (failed(emitLLVMIR(*module, target, ir)))
      return 1;
    return writeOutput(o.output, ir);
  }
  bool parallel = usesOpenMP(*module);
  if (parallel) {
    info.extraFiles.push_back({"libomp.so.5", openMPRuntimePath()});
    info.notes.push_back("parallel loops run on LLVM's OpenMP runtime (libomp.so.5, "
                         "shipped in this directory)");
  }
  std::vector<char> obj;
  if (failed(emitObject(*module, target, o.emit == "asm", obj)))
    return 1;
  if (o.emit == "asm" || o.emit == "obj")
    return writeOutput(o.output, llvm::StringRef(obj.data(), obj.size()));
  if (!o.emit.empty())
    return fail("--emit takes mlir, linalg, llvm, asm or obj");
  if (o.output.empty())
    return fail("-o <dir> is required to write an artifact");

  // Link in a scratch folder, then move the finished artifact into place.
  llvm::SmallString<128> scratch;
  if (llvm::sys::fs::createUniqueDirectory("autoglm-compile", scratch))
    return fail("cannot create a temporary directory");
  std::string objPath = (scratch + "/model.o").str();
  std::string soPath = (scratch + "/model.so").str();
  std::string err;
  int rc = 0;
  if (writeOutput(objPath, llvm::StringRef(obj.data(), obj.size())) != 0)
    rc = 1;
  else if (failed(linkSharedLibrary(objPath, soPath, parallel, err)))
    rc = fail(err);
  else if (failed(writeArtifact(o.output, info, soPath, err)))
    rc = fail(err);
  llvm::sys::fs::remove_directories(scratch);
  return rc;
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"autoglm-compile: compile an ONNX model into a deployable artifact"};
  Options o;
  app.add_option("model", o.model, "ONNX model (.onnx)")->required();
  app.add_option("-o,--output", o.output,
                 "Artifact directory (or output file with --emit)");
  app.add_option("--target", o.target, "Target: host")->capture_default_str();
  app.add_option("-O,--opt-level", o.optLevel, "Optimization level 0..3")
      ->capture_default_str();
  app.add_option("--target-cpu", o.cpu, "CPU name (default: this machine's)");
  app.add_option("--target-features", o.features,
                 "LLVM target features, e.g. +avx2,-avx512f (default: this machine's)");
  app.add_option("--emit", o.emit, "Stop after a stage: mlir, linalg, llvm, asm, obj")
      ->check(CLI::IsMember({"mlir", "linalg", "llvm", "asm", "obj"}));
  app.add_option("--bind-input", o.bindInputs,
                 "Fix a graph input to a constant from a TensorProto file "
                 "(name=tensor.pb); it is no longer an input of the artifact");
  app.add_option("--parallel", o.parallel,
                 "Run large ops on several threads (OpenMP; the artifact then ships "
                 "libomp.so.5)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return run(o);
}
