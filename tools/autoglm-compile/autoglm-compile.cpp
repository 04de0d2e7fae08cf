//===- autoglm-compile.cpp - ONNX model to a deployable artifact ---*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//   autoglm-compile model.onnx -o out/ [--target host] [-O0..-O3]
//                   [--target-cpu CPU] [--target-features +a,-b]
//                   [--emit mlir|linalg|llvm|asm|obj [-o file]]
//                   [--bind-input name=tensor.pb ...]
//   autoglm-compile --config build.yaml|build.json [flags that override it]
//
// Thin: flags in, library calls out. On any error the diagnostics name the
// ONNX node, the exit status is 1 and no artifact is written.
//===----------------------------------------------------------------------===//

#include "autoglm/Artifact/Artifact.h"
#include "autoglm/Importer/ONNXImporter.h"
#include "autoglm/Pipelines/Pipelines.h"
#include "autoglm/Target/CPU.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/YAMLTraits.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <map>

using namespace mlir;
using namespace mlir::autoglm;

namespace {

struct Options {
  std::string model, output, target = "host", cpu, features, emit, report;
  int optLevel = 2;
  bool parallel = true;
  bool vectorize = true;
  bool winograd = true;
  bool openInputs = false;
  std::vector<std::string> bindInputs;
  std::vector<std::string> dims, inputShapes, maxDims;
};

/// A build config file: every key optional; paths relative to the file's
/// folder. JSON is read by the same parser (a JSON object is YAML).
struct BuildConfig {
  std::optional<std::string> model, output, target, cpu, features, emit, report;
  std::optional<int> optLevel;
  std::optional<bool> parallel, vectorize, winograd;
  std::map<std::string, std::string> bindInputs, dims, inputShapes, maxDims;
};

} // namespace

LLVM_YAML_IS_STRING_MAP(std::string)

template <> struct llvm::yaml::MappingTraits<BuildConfig> {
  static void mapping(IO &io, BuildConfig &c) {
    io.mapOptional("model", c.model);
    io.mapOptional("output", c.output);
    io.mapOptional("target", c.target);
    io.mapOptional("opt_level", c.optLevel);
    io.mapOptional("target_cpu", c.cpu);
    io.mapOptional("target_features", c.features);
    io.mapOptional("emit", c.emit);
    io.mapOptional("report", c.report);
    io.mapOptional("bind_inputs", c.bindInputs);
    io.mapOptional("dims", c.dims);
    io.mapOptional("input_shapes", c.inputShapes);
    io.mapOptional("max_dims", c.maxDims);
    io.mapOptional("parallel", c.parallel);
    io.mapOptional("vectorize", c.vectorize);
    io.mapOptional("winograd", c.winograd);
  }
};

namespace {

/// Reads `path` into `c`; false (with the parser's message, which names the
/// line and the key) on a malformed file or an unknown key.
bool readBuildConfig(const std::string &path, BuildConfig &c, std::string &error) {
  auto text = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!text) {
    error = "cannot read the config '" + path + "': " + text.getError().message();
    return false;
  }
  std::string diag;
  llvm::raw_string_ostream os(diag);
  llvm::SourceMgr::DiagHandlerTy handler = [](const llvm::SMDiagnostic &d, void *ctx) {
    d.print(nullptr, *static_cast<llvm::raw_string_ostream *>(ctx));
  };
  llvm::yaml::Input in((*text)->getMemBufferRef(), nullptr, handler, &os);
  in >> c;
  if (in.error()) {
    error = "invalid config:\n" + diag;
    return false;
  }
  return true;
}

/// Config values for every option the command line did not set; relative
/// paths in the config are taken from the config file's folder.
int applyBuildConfig(const std::string &path, const CLI::App &app, Options &o) {
  BuildConfig c;
  std::string error;
  if (!readBuildConfig(path, c, error)) {
    llvm::errs() << "autoglm-compile: error: " << error;
    return 1;
  }
  llvm::SmallString<256> dir(path);
  llvm::sys::path::remove_filename(dir);
  auto resolve = [&](const std::string &p) {
    if (p.empty() || llvm::sys::path::is_absolute(p) || dir.empty())
      return p;
    llvm::SmallString<256> full(dir);
    llvm::sys::path::append(full, p);
    return std::string(full);
  };
  auto set = [&](const char *flag, auto &field, const auto &value) {
    if (value && app.count(flag) == 0)
      field = *value;
  };
  if (c.model && app.count("model") == 0)
    o.model = resolve(*c.model);
  if (c.output && app.count("--output") == 0)
    o.output = resolve(*c.output);
  if (c.report && app.count("--report") == 0)
    o.report = resolve(*c.report);
  set("--target", o.target, c.target);
  set("--opt-level", o.optLevel, c.optLevel);
  set("--target-cpu", o.cpu, c.cpu);
  set("--target-features", o.features, c.features);
  set("--emit", o.emit, c.emit);
  set("--parallel", o.parallel, c.parallel);
  set("--vectorize", o.vectorize, c.vectorize);
  set("--winograd", o.winograd, c.winograd);
  // Maps become the flags' name=value form.
  auto setMap = [&](const char *flag, std::vector<std::string> &field,
                    const std::map<std::string, std::string> &map, bool isPath) {
    if (app.count(flag) == 0)
      for (const auto &[name, v] : map)
        field.push_back(name + "=" + (isPath ? resolve(v) : v));
  };
  setMap("--bind-input", o.bindInputs, c.bindInputs, true);
  setMap("--dim", o.dims, c.dims, false);
  setMap("--input-shape", o.inputShapes, c.inputShapes, false);
  setMap("--max-dim", o.maxDims, c.maxDims, false);
  return 0;
}

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
  void runBeforePass(Pass *, Operation *) override {
    start = std::chrono::steady_clock::now();
  }
  void runAfterPass(Pass *pass, Operation *op) override {
    double ms = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - start)
                    .count();
    auto h = histogram(cast<ModuleOp>(op));
    passes.push_back({{"pass", pass->getArgument().str()},
                      {"ms", ms},
                      {"ops", total(h)},
                      {"histogram", h}});
  }
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

/// Writes `module` as text, large weight blobs elided (--emit mlir|linalg).
int writeModule(const std::string &path, ModuleOp module) {
  std::string s;
  llvm::raw_string_ostream os(s);
  OpPrintingFlags flags;
  flags.elideLargeResourceString(64);
  module->print(os, flags);
  return writeOutput(path, s);
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
  importOptions.openInputs = o.openInputs;
  for (const std::string &b : o.bindInputs) {
    auto eq = b.find('=');
    if (eq == std::string::npos)
      return fail("--bind-input takes name=tensor.pb, got '" + b + "'");
    importOptions.boundInputs[b.substr(0, eq)] = b.substr(eq + 1);
  }
  // "name=12" / "name=1x3x224x224" (x-separated extents).
  auto parseExtents = [](const std::string &text, std::vector<int64_t> &out) {
    llvm::SmallVector<llvm::StringRef> parts;
    llvm::StringRef(text).split(parts, 'x');
    for (llvm::StringRef p : parts) {
      int64_t v;
      if (p.getAsInteger(10, v) || v < 0)
        return false;
      out.push_back(v);
    }
    return !out.empty();
  };
  for (auto [flag, list, map] :
       {std::make_tuple("--dim", &o.dims, &importOptions.dimValues),
        std::make_tuple("--max-dim", &o.maxDims, &importOptions.dimBounds)})
    for (const std::string &d : *list) {
      auto eq = d.find('=');
      std::vector<int64_t> v;
      if (eq == std::string::npos || !parseExtents(d.substr(eq + 1), v) || v.size() != 1)
        return fail(std::string(flag) + " takes NAME=extent (a dim_param of a graph input), got '" +
                    d + "'");
      (*map)[d.substr(0, eq)] = v[0];
    }
  for (const std::string &d : o.inputShapes) {
    auto eq = d.find('=');
    std::vector<int64_t> v;
    if (eq == std::string::npos || !parseExtents(d.substr(eq + 1), v))
      return fail("--input-shape takes name=AxBxC, got '" + d + "'");
    importOptions.inputShapes[d.substr(0, eq)] = v;
  }
  auto modelBytes = llvm::MemoryBuffer::getFile(o.model, false, false);
  if (!modelBytes)
    return fail("cannot read '" + o.model + "': " + modelBytes.getError().message());
  OwningOpRef<ModuleOp> module = importONNXFile(o.model, &ctx, importOptions);
  if (!module)
    return 1;

  if (o.emit == "mlir" && o.optLevel == 0)
    return writeModule(o.output, *module);

  // Graph optimizations (-O1 and above), with the report.
  auto before = histogram(*module);
  int64_t constBefore = constantBytes(*module);
  nlohmann::ordered_json report;
  std::string graphPipeline;
  if (o.optLevel >= 1) {
    PassManager graph(&ctx);
    buildGraphOptimizationPipeline(graph);
    auto *instr = new ReportInstrumentation;
    graph.addInstrumentation(std::unique_ptr<PassInstrumentation>(instr));
    {
      llvm::raw_string_ostream os(graphPipeline);
      graph.printAsTextualPipeline(os);
    }
    if (failed(graph.run(*module)))
      return 1;
    report["passes"] = instr->passes;
  }
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
  report["before"] = {{"ops", total(before)}, {"constant_bytes", constBefore},
                      {"histogram", before}};
  report["after"] = {{"ops", total(after)}, {"constant_bytes", constAfter},
                     {"histogram", after}};
  report["patterns"] = fused;
  if (!o.report.empty()) {
    std::ofstream f(o.report);
    f << report.dump(2) << "\n";
    if (!f)
      return fail("cannot write " + o.report);
    std::string summary = fmt::format(
        "autoglm-compile: {} ops -> {} ops (constants {} -> {} bytes)", total(before),
        total(after), constBefore, constAfter);
    for (auto it = fused.begin(); it != fused.end(); ++it)
      if (it.value().get<int64_t>() > 0)
        summary += fmt::format("; {} {}", it.key(), it.value().get<int64_t>());
    llvm::outs() << summary << "\n";
  }

  if (o.emit == "mlir")
    return writeModule(o.output, *module);

  ArtifactInfo info;
  info.modelName = llvm::sys::path::filename(o.model).str();
  info.modelSha256 = sha256Hex((*modelBytes)->getBuffer());
  info.dims = importOptions.dimValues;
  info.inputShapes = importOptions.inputShapes;
  info.optLevel = o.optLevel;
  auto sig = collectSignature(*module, "main");
  if (failed(sig))
    return 1;
  info.inputs = sig->first;
  info.outputs = sig->second;
  info.weightBytes = constantBytes(*module);

  PassManager pm(&ctx);
  LinalgPipelineOptions linalgOptions;
  linalgOptions.winograd = o.winograd;
  buildAutoGLMToLinalgPipeline(pm, linalgOptions);
  bool stopAtLinalg = o.emit == "linalg";
  if (!stopAtLinalg) {
    CPUPipelineOptions cpu;
    cpu.parallel = o.parallel;
    cpu.vectorize = o.vectorize;
    buildCPUCodegenPipeline(pm, cpu);
  }
  {
    std::string s;
    llvm::raw_string_ostream os(s);
    pm.printAsTextualPipeline(os);
    info.pipeline = graphPipeline.empty() ? s : graphPipeline + "," + s;
  }
  if (failed(pm.run(*module)))
    return 1;
  if (stopAtLinalg)
    return writeModule(o.output, *module);
  if (failed(collectHidden(*module, info)))
    return 1;
  if (auto a = (*module)->getAttrOfType<IntegerAttr>("autoglm.arena_bytes"))
    info.arenaBytes = a.getInt();
  if (auto a = (*module)->getAttrOfType<IntegerAttr>("autoglm.naive_temp_bytes"))
    info.naiveTempBytes = a.getInt();

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
  std::string config;
  app.add_option("model", o.model, "ONNX model (.onnx)");
  app.add_option("--config", config,
                 "Build config (YAML or JSON) with any of: model, output, target, "
                 "opt_level, target_cpu, target_features, emit, report, bind_inputs "
                 "(name: file), dims (name: extent), input_shapes (name: AxB), "
                 "max_dims (name: bound), "
                 "parallel, vectorize, winograd; flags given here override it");
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
  app.add_option("--report", o.report,
                 "Write what the graph optimizations did (op counts per pass, "
                 "patterns, constant bytes) as JSON, and a summary on stdout");
  app.add_option("--bind-input", o.bindInputs,
                 "Fix a graph input to a constant from a TensorProto file "
                 "(name=tensor.pb); it is no longer an input of the artifact");
  app.add_option("--dim", o.dims,
                 "Fix a named dimension (a graph input's dim_param) to an extent, "
                 "NAME=N; the artifact is specialized to it");
  app.add_option("--max-dim", o.maxDims,
                 "Keep a named dimension open, up to a bound, NAME=N: inputs take any "
                 "extent up to it and outputs report theirs");
  app.add_flag("--open-inputs", o.openInputs,
               "Make every static input extent open, bounded by its declared value "
               "(one artifact for any smaller input; how the conformance suite "
               "exercises open extents)");
  app.add_option("--input-shape", o.inputShapes,
                 "Fix a graph input's shape, name=AxBxC (extents the model fixes must "
                 "agree)");
  app.add_option("--parallel", o.parallel,
                 "Run large ops on several threads (OpenMP; the artifact then ships "
                 "libomp.so.5)")
      ->capture_default_str();
  app.add_option("--vectorize", o.vectorize,
                 "Register-tiled vector kernels for matmul-like contractions")
      ->capture_default_str();
  app.add_option("--winograd", o.winograd,
                 "3x3 stride-1 convolutions as Winograd F(2x2, 3x3) where it pays "
                 "(fewer multiplies; the transformed weights take 16/9 the bytes)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (!config.empty())
    if (int rc = applyBuildConfig(config, app, o))
      return rc;
  if (o.model.empty())
    return fail("no model: give model.onnx or a --config that names one");
  return run(o);
}
