//===- Session.cpp - the compile session: ONNX model to artifact ---*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "autoglm/Compiler/Session.h"
#include "autoglm/InitAllTargets.h"
#include "autoglm/Pipelines/Pipelines.h"
#include "autoglm/Target/CPU.h"
#include "autoglm/Target/GPU.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <map>

using namespace mlir;
using namespace mlir::autoglm;

namespace {

/// Op histogram (op name -> count) of a module.
std::map<std::string, int64_t> histogram(ModuleOp m) {
  std::map<std::string, int64_t> h;
  m.walk([&](Operation *op) {
    if (op != m.getOperation() && !isa<func::FuncOp, func::ReturnOp>(op))
      ++h[op->getName().getStringRef().str()];
  });
  return h;
}

int64_t total(const std::map<std::string, int64_t> &h) {
  int64_t n = 0;
  for (auto &[k, v] : h)
    n += k == "autoglm.constant" ? 0 : v;
  return n;
}

/// Records the op histogram after every graph pass, and its time.
struct ReportInstrumentation : PassInstrumentation {
  nlohmann::ordered_json passes = nlohmann::ordered_json::array();
  std::chrono::steady_clock::time_point start;
  void runBeforePass(Pass *, Operation *) override { start = std::chrono::steady_clock::now(); }
  void runAfterPass(Pass *pass, Operation *op) override {
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    auto h = histogram(cast<ModuleOp>(op));
    passes.push_back(
        {{"pass", pass->getArgument().str()}, {"ms", ms}, {"ops", total(h)}, {"histogram", h}});
  }
};

/// Writes `bytes` to `path` ("-" or empty is stdout), keeping the file only
/// when done.
LogicalResult writeOutput(const std::string &path, llvm::StringRef bytes, std::string &error) {
  auto out = openOutputFile(path.empty() ? "-" : path, &error);
  if (!out)
    return failure();
  out->os() << bytes;
  out->keep();
  return success();
}

/// Writes `module` as text, large weight blobs elided (--emit mlir|linalg).
LogicalResult writeModule(const std::string &path, ModuleOp module, std::string &error) {
  std::string s;
  llvm::raw_string_ostream os(s);
  OpPrintingFlags flags;
  flags.elideLargeResourceString(64);
  module->print(os, flags);
  return writeOutput(path, s, error);
}

LogicalResult fail(std::string &error, std::string msg) {
  error = std::move(msg);
  return failure();
}

/// "name=12" / "name=1x3x224x224" (x-separated extents).
bool parseExtents(const std::string &text, std::vector<int64_t> &out) {
  llvm::SmallVector<llvm::StringRef> parts;
  llvm::StringRef(text).split(parts, 'x');
  for (llvm::StringRef p : parts) {
    int64_t v;
    if (p.getAsInteger(10, v) || v < 0)
      return false;
    out.push_back(v);
  }
  return !out.empty();
}

} // namespace

CompileSession::CompileSession() {
  registerAllTargets();
  DialectRegistry registry;
  registerPipelineDialects(registry);
  registerONNXImportDialects(registry);
  registerCPUTranslations(registry);
  registerGPUTranslations(registry);
  ctx = std::make_unique<MLIRContext>(registry);
  ctx->loadAllAvailableDialects();
}

CompileSession::~CompileSession() = default;

LogicalResult CompileSession::importOptions(const CompileOptions &o, ONNXImportOptions &io,
                                            std::string &error) {
  io.openInputs = o.openInputs;
  for (const std::string &b : o.bindInputs) {
    auto eq = b.find('=');
    if (eq == std::string::npos)
      return fail(error, "--bind-input takes name=tensor.pb, got '" + b + "'");
    io.boundInputs[b.substr(0, eq)] = b.substr(eq + 1);
  }
  for (auto [flag, list, map] : {std::make_tuple("--dim", &o.dims, &io.dimValues),
                                 std::make_tuple("--max-dim", &o.maxDims, &io.dimBounds)})
    for (const std::string &d : *list) {
      auto eq = d.find('=');
      std::vector<int64_t> v;
      if (eq == std::string::npos || !parseExtents(d.substr(eq + 1), v) || v.size() != 1)
        return fail(error, std::string(flag) +
                               " takes NAME=extent (a dim_param of a graph input), got '" + d +
                               "'");
      (*map)[d.substr(0, eq)] = v[0];
    }
  for (const std::string &d : o.inputShapes) {
    auto eq = d.find('=');
    std::vector<int64_t> v;
    if (eq == std::string::npos || !parseExtents(d.substr(eq + 1), v))
      return fail(error, "--input-shape takes name=AxBxC, got '" + d + "'");
    io.inputShapes[d.substr(0, eq)] = v;
  }
  return success();
}

OwningOpRef<ModuleOp> CompileSession::import(const CompileOptions &o, const ONNXImportOptions &io) {
  return importONNXFile(o.model, ctx.get(), io);
}

LogicalResult CompileSession::optimizeGraph(ModuleOp module, const CompileOptions &o,
                                            nlohmann::ordered_json &report, std::string &pipeline) {
  if (o.optLevel < 1)
    return success();
  PassManager graph(ctx.get());
  buildGraphOptimizationPipeline(graph);
  auto *instr = new ReportInstrumentation;
  graph.addInstrumentation(std::unique_ptr<PassInstrumentation>(instr));
  {
    llvm::raw_string_ostream os(pipeline);
    graph.printAsTextualPipeline(os);
  }
  if (failed(graph.run(module)))
    return failure();
  report["passes"] = instr->passes;
  return success();
}

LogicalResult CompileSession::lower(ModuleOp module, const CompileOptions &o,
                                    const TargetBackend &backend, const TargetDescription &target,
                                    bool stopAtLinalg, std::string &pipeline) {
  PassManager pm(ctx.get());
  LinalgPipelineOptions linalgOptions;
  // Winograd's transforms are CPU vector kernels.
  linalgOptions.winograd = o.winograd && target.family == "cpu";
  buildAutoGLMToLinalgPipeline(pm, linalgOptions);
  if (!stopAtLinalg) {
    CodegenOptions codegen;
    codegen.parallel = o.parallel;
    codegen.vectorize = o.vectorize;
    codegen.optLevel = o.optLevel;
    backend.buildCodegenPipeline(pm, target, codegen);
  }
  {
    llvm::raw_string_ostream os(pipeline);
    pm.printAsTextualPipeline(os);
  }
  // A per-process scratch folder (the ROCm toolkit links) would make the
  // manifest differ between identical compiles.
  static const llvm::Regex toolkit("toolkit=[^ }<]+");
  while (toolkit.match(pipeline))
    pipeline = toolkit.sub("toolkit=<scratch>", pipeline);
  return pm.run(module);
}

LogicalResult CompileSession::run(const CompileOptions &o, std::string &error,
                                  std::string *summaryOut) {
  const TargetBackend *backend = lookupTargetBackend(o.target == "cpu" ? "host" : o.target);
  if (!backend)
    return fail(error, "unknown target '" + o.target + "' (available: " + targetNames() + ")");
  FailureOr<TargetDescription> target = backend->resolve(o.targetOverrides, error);
  if (failed(target))
    return failure();
  if (o.optLevel < 0 || o.optLevel > 3)
    return fail(error, "-O takes 0..3");
  static const char *const emits[] = {"", "mlir", "linalg", "llvm", "asm", "obj"};
  if (!llvm::is_contained(emits, llvm::StringRef(o.emit)))
    return fail(error, "--emit takes mlir, linalg, llvm, asm or obj");
  if (o.emit.empty() && o.output.empty())
    return fail(error, "-o <dir> is required to write an artifact");

  ONNXImportOptions io;
  if (failed(importOptions(o, io, error)))
    return failure();
  auto modelBytes = llvm::MemoryBuffer::getFile(o.model, false, false);
  if (!modelBytes)
    return fail(error, "cannot read '" + o.model + "': " + modelBytes.getError().message());
  OwningOpRef<ModuleOp> module = import(o, io);
  if (!module)
    return failure();

  if (o.emit == "mlir" && o.optLevel == 0)
    return writeModule(o.output, *module, error);

  // Graph optimizations (-O1 and above), with the report.
  auto before = histogram(*module);
  int64_t constBefore = constantBytes(*module);
  nlohmann::ordered_json report;
  std::string graphPipeline;
  if (failed(optimizeGraph(*module, o, report, graphPipeline)))
    return failure();
  if (!o.quantize.empty() && failed(quantize(*module, o, io, report, error)))
    return failure();
  nlohmann::ordered_json fused = nlohmann::ordered_json::object();
  if (auto counts = (*module)->getAttrOfType<DictionaryAttr>("autoglm.counts")) {
    for (NamedAttribute a : counts)
      fused[a.getName().str()] = cast<IntegerAttr>(a.getValue()).getInt();
    (*module)->removeAttr("autoglm.counts");
  }
  auto after = histogram(*module);
  int64_t constAfter = constantBytes(*module);
  report["model"] = llvm::sys::path::filename(o.model).str();
  report["opt_level"] = o.optLevel;
  report["target"] = target->name;
  report["before"] = {
      {"ops", total(before)}, {"constant_bytes", constBefore}, {"histogram", before}};
  report["after"] = {{"ops", total(after)}, {"constant_bytes", constAfter}, {"histogram", after}};
  report["patterns"] = fused;
  if (!o.report.empty()) {
    std::ofstream f(o.report);
    f << report.dump(2) << "\n";
    if (!f)
      return fail(error, "cannot write " + o.report);
    std::string summary =
        fmt::format("autoglm-compile: {} ops -> {} ops (constants {} -> {} bytes)", total(before),
                    total(after), constBefore, constAfter);
    for (auto it = fused.begin(); it != fused.end(); ++it)
      if (it.value().get<int64_t>() > 0)
        summary += fmt::format("; {} {}", it.key(), it.value().get<int64_t>());
    if (summaryOut)
      *summaryOut = summary;
  }
  if (!o.reportHtml.empty()) {
    std::ofstream f(o.reportHtml);
    f << renderReportHTML(report);
    if (!f)
      return fail(error, "cannot write " + o.reportHtml);
  }

  if (o.emit == "mlir")
    return writeModule(o.output, *module, error);

  ArtifactInfo info;
  info.modelName = llvm::sys::path::filename(o.model).str();
  info.modelSha256 = sha256Hex((*modelBytes)->getBuffer());
  info.dims = io.dimValues;
  info.inputShapes = io.inputShapes;
  return emitArtifact(*module, o, *backend, *target, std::move(info), graphPipeline, error);
}

LogicalResult CompileSession::emitArtifact(ModuleOp module, const CompileOptions &o,
                                           const TargetBackend &backend,
                                           const TargetDescription &target, ArtifactInfo info,
                                           const std::string &graphPipeline, std::string &error) {
  info.optLevel = o.optLevel;
  auto sig = collectSignature(module, "main");
  if (failed(sig))
    return failure();
  info.inputs = sig->first;
  info.outputs = sig->second;
  info.weightBytes = constantBytes(module);

  bool stopAtLinalg = o.emit == "linalg";
  std::string lowering;
  if (failed(lower(module, o, backend, target, stopAtLinalg, lowering)))
    return failure();
  info.pipeline = graphPipeline.empty() ? lowering : graphPipeline + "," + lowering;
  if (stopAtLinalg)
    return writeModule(o.output, module, error);
  if (failed(collectHidden(module, info)))
    return failure();
  if (auto a = module->getAttrOfType<IntegerAttr>("autoglm.arena_bytes"))
    info.arenaBytes = a.getInt();
  if (auto a = module->getAttrOfType<IntegerAttr>("autoglm.naive_temp_bytes"))
    info.naiveTempBytes = a.getInt();
  info.target = target.name;
  info.triple = target.triple;
  info.cpu = target.cpu;
  info.features = target.features;
  info.family = target.family;
  info.libraryName = target.libraryName;

  if (o.emit == "llvm") {
    std::string ir;
    if (failed(backend.emitLLVMIR(module, target, o.optLevel, ir)))
      return failure();
    return writeOutput(o.output, ir, error);
  }
  std::vector<char> obj;
  if (failed(backend.emitObject(module, target, o.optLevel, o.emit == "asm", obj)))
    return failure();
  if (o.emit == "asm" || o.emit == "obj")
    return writeOutput(o.output, llvm::StringRef(obj.data(), obj.size()), error);

  // Link in a scratch folder, then move the finished artifact into place.
  llvm::SmallString<128> scratch;
  if (llvm::sys::fs::createUniqueDirectory("autoglm-compile", scratch))
    return fail(error, "cannot create a temporary directory");
  std::string objPath = (scratch + "/model.o").str();
  LinkedLibrary lib;
  LogicalResult result = writeOutput(objPath, llvm::StringRef(obj.data(), obj.size()), error);
  if (succeeded(result))
    result = backend.link(module, target, objPath, std::string(scratch), lib, error);
  if (succeeded(result)) {
    info.extraFiles = lib.extraFiles;
    info.manifestSections = lib.manifestSections;
    info.notes.insert(info.notes.end(), lib.notes.begin(), lib.notes.end());
    result = writeArtifact(o.output, info, lib.path, error);
  }
  llvm::sys::fs::remove_directories(scratch);
  return result;
}

void mlir::autoglm::printTargets(llvm::raw_ostream &os) {
  std::vector<std::vector<std::string>> rows = {
      {"target", "triple", "cpu", "vector", "threads", "artifact", "runs here"}};
  for (const TargetBackend *b : getTargetBackends()) {
    const TargetDescription &d = b->description();
    rows.push_back({d.name, d.triple, d.cpu, std::to_string(d.vectorBits) + "-bit",
                    d.threads ? "yes" : "no", d.artifactKind, b->runsHere()});
  }
  std::vector<size_t> widths(rows[0].size(), 0);
  for (auto &r : rows)
    for (size_t i = 0; i < r.size(); ++i)
      widths[i] = std::max(widths[i], r[i].size());
  for (auto &r : rows) {
    for (size_t i = 0; i < r.size(); ++i) {
      os << r[i];
      if (i + 1 < r.size())
        os.indent(widths[i] - r[i].size() + 2);
    }
    os << "\n";
  }
  for (const TargetBackend *b : getTargetBackends())
    os << "  " << b->description().name << ": " << b->description().summary << "\n";
}
