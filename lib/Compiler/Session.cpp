//===- Session.cpp - the compile session: ONNX model to artifact ---*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "autoglm/Compiler/Session.h"
#include "Common.h"
#include "autoglm/Dialect/AutoGLM/IR/AutoGLM.h"
#include "autoglm/InitAllTargets.h"
#include "autoglm/Pipelines/Pipelines.h"
#include "autoglm/Support/ConstantData.h"
#include "autoglm/Target/CPU.h"
#include "autoglm/Target/GPU.h"
#include "autoglm/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
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
using session::fail;

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

/// A report's folder, like the artifact's, need not exist yet.
void createParentDirectory(const std::string &path) {
  llvm::StringRef parent = llvm::sys::path::parent_path(path);
  if (!parent.empty())
    (void)llvm::sys::fs::create_directories(parent);
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

/// "1073741824", "512M", "16G", "16GiB", "2T" (K, M, G, T: powers of 1024).
bool parseByteSize(llvm::StringRef text, uint64_t &out) {
  llvm::StringRef digits = text.take_while([](char c) { return c >= '0' && c <= '9'; });
  std::string suffix = text.drop_front(digits.size()).lower();
  if (digits.empty() || digits.getAsInteger(10, out) || out == 0)
    return false;
  static const std::pair<const char *, int> units[] = {
      {"", 0},     {"b", 0},  {"k", 10},  {"kb", 10},  {"kib", 10}, {"m", 20},  {"mb", 20},
      {"mib", 20}, {"g", 30}, {"gb", 30}, {"gib", 30}, {"t", 40},   {"tb", 40}, {"tib", 40}};
  for (auto [name, shift] : units)
    if (suffix == name) {
      if (out > (UINT64_MAX >> shift))
        return false;
      out <<= shift;
      return true;
    }
  return false;
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
  if (!o.maxMemory.empty() && !parseByteSize(o.maxMemory, io.maxMemory))
    return fail(error, "--max-memory takes a positive byte count, N or N with a K, M, G or T "
                       "suffix (powers of 1024), got '" +
                           o.maxMemory + "'");
  if (o.maxNodes < 1)
    return fail(error, "--max-nodes must be positive, got " + std::to_string(o.maxNodes));
  if (o.maxSubgraphDepth < 0 || o.maxSubgraphDepth > kMaxSubgraphDepthLimit)
    return fail(error, "--max-subgraph-depth must be in [0, " +
                           std::to_string(kMaxSubgraphDepthLimit) + "], got " +
                           std::to_string(o.maxSubgraphDepth));
  io.maxNodes = o.maxNodes;
  io.maxSubgraphDepth = o.maxSubgraphDepth;
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
  for (const std::string &d : o.inputRanges) {
    auto eq = d.find('=');
    llvm::SmallVector<llvm::StringRef> parts;
    if (eq != std::string::npos)
      llvm::StringRef(d).substr(eq + 1).split(parts, ':');
    ONNXImportOptions::ShapeRange r;
    std::string name = d.substr(0, eq);
    if (parts.size() != 3 || !parseExtents(parts[0].str(), r.min) ||
        !parseExtents(parts[1].str(), r.opt) || !parseExtents(parts[2].str(), r.max))
      return fail(error, "--input-range (dynamic_shape) takes name=MIN:OPT:MAX, each AxBxC, got '" +
                             d + "'");
    if (r.min.size() != r.max.size() || r.opt.size() != r.max.size())
      return fail(error, "dynamic_shape of '" + name + "': min, opt and max differ in rank");
    for (size_t i = 0; i < r.max.size(); ++i)
      if (r.min[i] < 1 || r.min[i] > r.opt[i] || r.opt[i] > r.max[i])
        return fail(error, "dynamic_shape of '" + name + "': dim " + std::to_string(i) +
                               " needs 1 <= min <= opt <= max, got " + std::to_string(r.min[i]) +
                               ", " + std::to_string(r.opt[i]) + ", " + std::to_string(r.max[i]));
    io.inputRanges[name] = r;
  }
  return success();
}

OwningOpRef<ModuleOp> CompileSession::import(const CompileOptions &o, const ONNXImportOptions &io) {
  return importONNXFile(o.model, ctx.get(), io);
}

LogicalResult CompileSession::optimizeGraph(ModuleOp module, const CompileOptions &o,
                                            nlohmann::ordered_json &report, std::string &pipeline,
                                            std::string &error) {
  GraphPipelineOptions options;
  if (failed(parsePruneOptions(o, options, error)))
    return failure();
  if (o.optLevel < 1)
    return o.prune.empty() ? success() : fail(error, "--prune needs -O1 or above");
  PassManager graph(ctx.get());
  buildGraphOptimizationPipeline(graph, options);
  auto *instr = new ReportInstrumentation;
  graph.addInstrumentation(std::unique_ptr<PassInstrumentation>(instr));
  // The weights and FLOPs the pruning pass starts from (after the graph
  // passes before it have recognized linears and folded shapes).
  nlohmann::ordered_json before;
  struct BeforePruning : PassInstrumentation {
    nlohmann::ordered_json &stats;
    explicit BeforePruning(nlohmann::ordered_json &stats) : stats(stats) {}
    void runBeforePass(Pass *pass, Operation *op) override {
      llvm::StringRef arg = pass->getArgument();
      if (arg == "autoglm-prune-structured" || arg == "autoglm-prune-magnitude")
        stats = contractionStats(cast<ModuleOp>(op));
    }
  };
  graph.addInstrumentation(std::make_unique<BeforePruning>(before));
  {
    llvm::raw_string_ostream os(pipeline);
    graph.printAsTextualPipeline(os);
  }
  if (failed(graph.run(module)))
    return failure();
  module->removeAttr(kPruneScores);
  report["passes"] = instr->passes;
  if (!o.prune.empty())
    recordPruning(module, o, before, report);
  return success();
}

void CompileSession::recordPruning(ModuleOp module, const CompileOptions &o,
                                   const nlohmann::ordered_json &before,
                                   nlohmann::ordered_json &report) {
  nlohmann::ordered_json after = contractionStats(module);
  nlohmann::ordered_json decisions = nlohmann::ordered_json::array();
  int64_t pruned = 0, kept = 0;
  if (auto entries = module->getAttrOfType<ArrayAttr>("autoglm.prune_report")) {
    for (auto d : entries.getAsRange<DictionaryAttr>()) {
      // A dictionary attribute sorts its keys; the report reads better in
      // this order.
      nlohmann::ordered_json e;
      for (const char *key : {"kind", "node", "nodes", "channels", "kept", "criterion", "reason",
                              "weights", "zeros", "kept_channels"}) {
        Attribute v = d.get(key);
        if (auto i = dyn_cast_or_null<IntegerAttr>(v))
          e[key] = i.getInt();
        else if (auto str = dyn_cast_or_null<StringAttr>(v))
          e[key] = str.str();
        else if (auto arr = dyn_cast_or_null<ArrayAttr>(v))
          for (Attribute n : arr) {
            if (auto str = dyn_cast<StringAttr>(n))
              e[key].push_back(str.str());
            else if (auto i = dyn_cast<IntegerAttr>(n))
              e[key].push_back(i.getInt());
          }
      }
      bool changed = e.contains("reason") ? false
                     : e.contains("kept") ? e["kept"] != e["channels"]
                                          : e.value("zeros", 0) > 0;
      (changed ? pruned : kept)++;
      decisions.push_back(e);
    }
    module->removeAttr("autoglm.prune_report");
  }
  // Per layer, before and after, by ONNX node (a fused op keeps its first
  // node's name, the conv's or linear's).
  std::map<std::string, nlohmann::ordered_json> beforeByNode;
  for (auto &l : before["layers"])
    beforeByNode[l["node"].get<std::string>()] = l;
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (auto &l : after["layers"]) {
    auto it = beforeByNode.find(l["node"].get<std::string>());
    if (it == beforeByNode.end())
      continue;
    layers.push_back({{"node", l["node"]},
                      {"op", l["op"]},
                      {"weight_shape", {it->second["weight_shape"], l["weight_shape"]}},
                      {"weights", {it->second["weights"], l["weights"]}},
                      {"nonzero", {it->second["nonzero"], l["nonzero"]}},
                      {"flops", {it->second["flops"], l["flops"]}}});
  }
  report["pruning"] = {{"mode", o.prune},
                       {"criterion", o.prune.rfind("structured", 0) == 0
                                         ? o.pruneCriterion
                                         : std::string("magnitude")},
                       {"weights", {before["weights"], after["weights"]}},
                       {"nonzero", {before["nonzero"], after["nonzero"]}},
                       {"flops", {before["flops"], after["flops"]}},
                       {"changed", pruned},
                       {"unchanged", kept},
                       {"decisions", decisions},
                       {"layers", layers}};
  auto ratio = [](const nlohmann::ordered_json &a, const nlohmann::ordered_json &b) {
    double x = a.get<double>(), y = b.get<double>();
    return y > 0 ? x / y : 0.0;
  };
  llvm::errs() << fmt::format(
      "autoglm-compile: pruned ({}): {} of {} {} changed; weights {} -> {} nonzero ({:.2f}x "
      "fewer), FLOPs {} -> {} ({:.2f}x fewer)\n",
      o.prune, pruned, pruned + kept,
      o.prune.rfind("structured", 0) == 0 ? "channel groups" : "layers",
      before["nonzero"].get<int64_t>(), after["nonzero"].get<int64_t>(),
      ratio(before["nonzero"], after["nonzero"]), before["flops"].get<int64_t>(),
      after["flops"].get<int64_t>(), ratio(before["flops"], after["flops"]));
}

/// weights.bin: the values autoglm-cpu-external-weights moved out of the
/// library, each at its offset (zeros between).
static LogicalResult writeExternalWeights(ModuleOp module, const std::string &path,
                                          std::string &error) {
  auto list = module->getAttrOfType<ArrayAttr>("autoglm.external_weights");
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec || !list)
    return fail(error, "cannot write " + path + (ec ? ": " + ec.message() : std::string()));
  uint64_t at = 0;
  for (Attribute a : list) {
    auto d = cast<DictionaryAttr>(a);
    uint64_t offset = d.getAs<IntegerAttr>("offset").getInt();
    std::optional<ArrayRef<char>> bytes = constantBytes(d.get("value"));
    if (!bytes || offset < at)
      return fail(error, "weights.bin: the value of " +
                             d.getAs<StringAttr>("name").getValue().str() + " is not readable");
    os.write_zeros(offset - at);
    os.write(bytes->data(), bytes->size());
    at = offset + bytes->size();
  }
  os.close();
  if (os.has_error())
    return fail(error, "cannot write " + path + ": " + os.error().message());
  return success();
}

bool mlir::autoglm::externalWeights(ModuleOp module, const CompileOptions &o,
                                    const TargetDescription &target) {
  if (target.family != "cpu" || target.artifactKind == "static-library" || o.weights == "embedded")
    return false;
  return o.weights == "external" || constantBytes(module) >= kAutoExternalWeightsBytes;
}

LogicalResult CompileSession::lower(ModuleOp module, const CompileOptions &o,
                                    const TargetBackend &backend, const TargetDescription &target,
                                    bool stopAtLinalg, std::string &pipeline) {
  PassManager pm(ctx.get());
  LinalgPipelineOptions linalgOptions;
  // Winograd's transforms are CPU vector kernels. Microcontrollers keep
  // direct convolution: the transformed weights take 16/9 the flash.
  linalgOptions.winograd =
      o.winograd && target.family == "cpu" && target.artifactKind != "static-library";
  // Block-sparse linears are CPU vector kernels too.
  linalgOptions.sparseDensity = target.family == "cpu" ? o.sparseDensity : 0.0;
  linalgOptions.sparseParallel = o.parallel && target.threads;
  // 8-bit ones where the CPU has the dot instruction their kernel uses.
  if (target.family == "cpu")
    linalgOptions.sparseInt8Dot = target.kernels.int8Dot;
  linalgOptions.gatherPads = target.family == "gpu";
  linalgOptions.gpuCacheAttention = target.family == "gpu";
  buildAutoGLMToLinalgPipeline(pm, linalgOptions);
  if (!stopAtLinalg) {
    CodegenOptions codegen;
    codegen.parallel = o.parallel;
    codegen.vectorize = o.vectorize;
    codegen.optLevel = o.optLevel;
    codegen.gpuTuning = o.gpuTuning;
    codegen.precision = o.precision;
    codegen.profile = o.profile;
    codegen.externalWeights = externalWeights(module, o, target);
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
  if (o.precision != "fp32") {
    if (o.precision != "tf32" && o.precision != "bf16" && o.precision != "fp16")
      return fail(error, "--precision takes fp32, tf32, bf16 or fp16, not '" + o.precision + "'");
    if (target->family != "gpu" || target->triple.rfind("nvptx", 0) != 0)
      return fail(error, "--precision " + o.precision +
                             " runs matmuls and convolutions on NVIDIA tensor cores: cuda "
                             "targets only, not '" +
                             target->name + "' (which computes in fp32)");
  }
  if (o.profile && (target->family != "cpu" || target->artifactKind == "static-library"))
    return fail(error, "--profile times ops through the runtime's hook in a CPU shared "
                       "library: not available for target '" +
                           target->name + "' (" + target->artifactKind + ")");
  if (o.weights != "auto" && o.weights != "embedded" && o.weights != "external")
    return fail(error, "--weights takes auto, embedded or external, not '" + o.weights + "'");
  if (o.weights == "external" &&
      (target->family != "cpu" || target->artifactKind == "static-library"))
    return fail(error, "--weights external puts a CPU shared library's constants in " +
                           std::string(kExternalWeightsFile) + ": not available for target '" +
                           target->name + "' (" + target->artifactKind +
                           (target->family == "gpu" ? ", whose weights are always in a file" : "") +
                           ")");
  if (!o.gpuTuning.empty()) {
    if (target->family != "gpu")
      return fail(error, "--gpu-tuning applies to GPU targets, not '" + target->name + "'");
    std::map<std::string, std::string> tuning;
    if (failed(parseGPUTuning(o.gpuTuning, tuning, error)))
      return failure();
  }
  static const char *const emits[] = {"",    "mlir", "linalg",      "llvm",
                                      "asm", "obj",  "pruned-onnx", "qdq-onnx"};
  if (!llvm::is_contained(emits, llvm::StringRef(o.emit)))
    return fail(error, "--emit takes mlir, linalg, llvm, asm, obj, pruned-onnx or qdq-onnx");
  if (o.emit == "qdq-onnx" && (o.quantize != "int8" || o.output.empty()))
    return fail(error, "--emit qdq-onnx writes the model that --quantize int8 --calib makes, "
                       "as QDQ ONNX, to -o FILE: give all three");
  if (o.emit == "pruned-onnx" && (o.prune.rfind("structured:", 0) != 0 || o.output.empty()))
    return fail(error, "--emit pruned-onnx writes the model that --prune structured:R makes to "
                       "-o FILE: give both");
  if (o.emit.empty() && o.output.empty())
    return fail(error, "-o <dir> is required to write an artifact");

  ONNXImportOptions io;
  if (failed(importOptions(o, io, error)))
    return failure();
  // GPU and bare-metal targets take static shapes: a decoder compiled with
  // its cache gets one static entry of max_batch_size rows of prefill_chunk
  // tokens, which the runtime's generator pads (docs/llm.md, "On the GPU";
  // --static-entry asks for it on any target).
  if (o.enableCache &&
      (o.staticEntry || target->family == "gpu" || target->artifactKind == "static-library"))
    io.tokenShape = {o.maxBatchSize, o.prefillChunk};
  // Remarks (a layer a pass left alone, and why) go to stderr; they name
  // the ONNX node in their text. Errors take the default path; warnings
  // (LLVM's translation notes on our attributes) stay quiet as before.
  ScopedDiagnosticHandler remarks(ctx.get(), [](Diagnostic &diag) {
    if (diag.getSeverity() != DiagnosticSeverity::Remark)
      return failure();
    llvm::errs() << "autoglm-compile: remark: " << diag.str() << "\n";
    return success();
  });
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
  // Measured pruning (sensitivity, per-group allocation) picks the ratios
  // the graph pipeline's pruning pass then applies.
  CompileOptions pruneOptions = o;
  nlohmann::ordered_json pruneSearch;
  if ((o.pruneSensitivity || o.prune == "structured:auto" ||
       (o.pruneCriterion == "act" && o.prune.rfind("structured:", 0) == 0)) &&
      failed(searchPruning(*module, o, pruneOptions.pruneRatios, pruneSearch, error)))
    return failure();
  if (failed(optimizeGraph(*module, pruneOptions, report, graphPipeline, error)))
    return failure();
  for (auto &[key, value] : pruneSearch.items())
    report["pruning"][key] = value;
  auto edits = (*module)->getAttrOfType<ArrayAttr>("autoglm.prune_edits");
  (*module)->removeAttr("autoglm.prune_edits");
  if (o.emit == "pruned-onnx")
    return emitPrunedONNX(o, io, edits ? edits : ArrayAttr::get(ctx.get(), {}), error);
  if (!o.quantize.empty() && failed(quantize(*module, o, io, report, error)))
    return failure();
  std::string llmSection;
  if (o.enableCache &&
      failed(applyKVCache(*module, o, !io.tokenShape.empty(), report, llmSection, error)))
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
    createParentDirectory(o.report);
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
    createParentDirectory(o.reportHtml);
    std::ofstream f(o.reportHtml);
    f << renderReportHTML(report);
    if (!f)
      return fail(error, "cannot write " + o.reportHtml);
  }

  if (o.emit == "qdq-onnx") {
    if (failed(writeQDQONNX(o.model, qdqLayers, o.output, error)))
      return failure();
    // It must import again with the original's inputs and outputs.
    OwningOpRef<ModuleOp> qdq = importONNXFile(o.output, ctx.get(), io);
    if (!qdq) {
      llvm::sys::fs::remove(o.output);
      return fail(error, "--emit qdq-onnx: the written model does not import; nothing was written");
    }
    llvm::errs() << "autoglm-compile: wrote " << o.output << " (" << qdqLayers.size()
                 << " layers int8 as QDQ)\n";
    return success();
  }
  if (o.emit == "mlir")
    return writeModule(o.output, *module, error);

  ArtifactInfo info;
  info.modelName = llvm::sys::path::filename(o.model).str();
  info.modelSha256 = sha256Hex((*modelBytes)->getBuffer());
  info.dims = io.dimValues;
  info.inputShapes = io.inputShapes;
  if (!llmSection.empty())
    info.manifestSections.push_back({"llm", llmSection});
  return emitArtifact(*module, o, *backend, *target, std::move(info), graphPipeline, error);
}

LogicalResult CompileSession::emitPrunedONNX(const CompileOptions &o, const ONNXImportOptions &io,
                                             ArrayAttr edits, std::string &error) {
  if (failed(writePrunedONNX(o.model, edits, o.output, error)))
    return failure();
  // The file must import again, with the original's inputs and outputs (a
  // shape the model spells out that the pruning changed would fail here).
  OwningOpRef<ModuleOp> original = importONNXFile(o.model, ctx.get(), io);
  OwningOpRef<ModuleOp> pruned = importONNXFile(o.output, ctx.get(), io);
  auto signature = [](ModuleOp m) {
    auto fn = m ? m.lookupSymbol<func::FuncOp>("main") : func::FuncOp();
    return fn ? fn.getFunctionType() : FunctionType();
  };
  if (!pruned || !original || signature(*pruned) != signature(*original)) {
    llvm::sys::fs::remove(o.output);
    return fail(error, "--emit pruned-onnx: the written model does not import with the original's "
                       "inputs and outputs; nothing was written");
  }
  return success();
}

/// What a bare-metal target cannot take, found before lowering so the error
/// names the ONNX node: string tensors (their bytes live on a heap).
static LogicalResult checkBareMetal(ModuleOp module, const TargetDescription &target) {
  auto isString = [](Type t) {
    auto shaped = dyn_cast<ShapedType>(t);
    return shaped && isa<StringType>(shaped.getElementType());
  };
  Operation *bad = nullptr;
  module.walk([&](Operation *op) {
    if (llvm::any_of(op->getOperandTypes(), isString) ||
        llvm::any_of(op->getResultTypes(), isString)) {
      bad = op;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (!bad)
    return success();
  return bad->emitError() << "target '" << target.name
                          << "' cannot run string tensors: their bytes need a heap, which a "
                             "bare-metal image has not (compile for a Linux or host target)";
}

LogicalResult CompileSession::compileForHost(ModuleOp module, const CompileOptions &o,
                                             llvm::StringRef dir, const std::string &name,
                                             std::string &path, std::string &error) {
  const TargetBackend *host = lookupTargetBackend("host");
  FailureOr<TargetDescription> hostTarget = host->resolve({}, error);
  if (failed(hostTarget))
    return failure();
  CompileOptions co = o;
  co.emit.clear();
  co.report.clear();
  co.reportHtml.clear();
  std::string folder = name;
  std::replace(folder.begin(), folder.end(), ' ', '-');
  co.output = path = (dir + "/" + folder).str();
  ArtifactInfo info;
  info.modelName = name + " of " + llvm::sys::path::filename(o.model).str();
  return emitArtifact(module, co, *host, *hostTarget, info, "", error);
}

LogicalResult CompileSession::emitArtifact(ModuleOp module, const CompileOptions &o,
                                           const TargetBackend &backend,
                                           const TargetDescription &target, ArtifactInfo info,
                                           const std::string &graphPipeline, std::string &error) {
  info.optLevel = o.optLevel;
  info.precision = o.precision;
  auto sig = collectSignature(module, "main");
  if (failed(sig))
    return failure();
  info.inputs = sig->first;
  info.outputs = sig->second;
  info.weightBytes = constantBytes(module);
  if (target.artifactKind == "static-library" && failed(checkBareMetal(module, target)))
    return failure();

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
  if (auto a = module->getAttrOfType<IntegerAttr>("autoglm.peak_live_bytes"))
    info.peakLiveBytes = a.getInt();
  if (auto a = module->getAttrOfType<IntegerAttr>("autoglm.external_weights_bytes"))
    info.externalWeightsBytes = a.getInt();
  info.target = target.name;
  info.triple = target.triple;
  info.cpu = target.cpu;
  info.features = target.features;
  info.family = target.family;
  if (target.family == "cpu")
    info.requiredFeatures = enabledTargetFeatures(target.triple, target.cpu, target.features);
  info.libraryName = target.libraryName;
  info.artifactKind = target.artifactKind;
  if (target.artifactKind == "static-library") {
    // Bare metal: every buffer is the caller's, sized by the header.
    for (const HiddenResult &h : info.hiddenInputs)
      return fail(error, "target '" + target.name + "' takes static shapes: input '" +
                             info.inputs[h.output].name +
                             "' has an open extent (fix it with --input-shape or --dim)");
    for (const HiddenResult &h : info.hidden)
      return fail(error, h.kind == "shape"
                             ? "target '" + target.name + "' takes static shapes: output '" +
                                   info.outputs[h.output].name + "' has a data-dependent extent"
                             : "target '" + target.name +
                                   "' has no heap: the model's string outputs need one");
  }

  if (o.emit == "llvm") {
    std::string ir;
    if (failed(backend.emitLLVMIR(module, target, o.optLevel, ir)))
      return failure();
    return writeOutput(o.output, ir, error);
  }
  // A shared library carries its interface, which the runtime compares with
  // the manifest's (runtime/src/interface.h): an edited manifest is refused.
  if (target.family == "cpu" && target.artifactKind != "static-library") {
    std::string text = renderInterface(info) + '\0';
    OpBuilder b(module.getBodyRegion());
    b.setInsertionPointToStart(module.getBody());
    LLVM::GlobalOp::create(b, module.getLoc(), LLVM::LLVMArrayType::get(b.getI8Type(), text.size()),
                           /*isConstant=*/true, LLVM::Linkage::External, "autoglm_interface",
                           b.getStringAttr(text));
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
  std::string weightsPath = (scratch + "/" + kExternalWeightsFile).str();
  if (succeeded(result) && info.externalWeightsBytes > 0) {
    result = writeExternalWeights(module, weightsPath, error);
    lib.extraFiles.push_back({kExternalWeightsFile, weightsPath});
  }
  if (succeeded(result)) {
    info.extraFiles = lib.extraFiles;
    info.manifestSections.insert(info.manifestSections.end(), lib.manifestSections.begin(),
                                 lib.manifestSections.end());
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
