//===- BuildConfig.cpp - the build config file (YAML / JSON) -------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "autoglm/Compiler/Session.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/YAMLTraits.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <optional>

using namespace mlir;
using namespace mlir::autoglm;

namespace {

/// quantization: {mode, calib, method, percentile, group_size, sensitivity,
/// accuracy_budget, exclude}.
struct QuantConfig {
  std::optional<std::string> mode, calib, method;
  std::optional<double> percentile;
  std::optional<int64_t> groupSize;
  std::optional<bool> sensitivity;
  std::optional<std::string> accuracyBudget;
  std::vector<std::string> exclude;
};

/// pruning: {mode, block, criterion, align, scope, exclude, target, budget,
/// sensitivity, levels, ratios (node: R), calib, labels}; mode is the
/// --prune value (structured:0.5, structured:auto, nm:2:4, ...).
struct PruneConfig {
  std::optional<std::string> mode, block, criterion, scope, target, budget, calib, labels;
  std::optional<int64_t> align;
  std::optional<bool> sensitivity;
  std::vector<std::string> exclude;
  std::vector<double> levels;
  std::map<std::string, std::string> ratios;
};

/// Every key optional; paths relative to the file's folder.
/// Decoder LLMs: dynamic_shape bounds the sequence length.
/// One input's shapes: [min], [opt], [max] extents.
struct InputRangeConfig {
  std::vector<int64_t> min, opt, max;
};

/// dynamic_shape: scalars min / opt / max (a decoder's sequence length),
/// and per graph input name an InputRangeConfig.
struct DynamicShapeConfig {
  std::optional<int64_t> min, opt, max;
  std::map<std::string, InputRangeConfig> inputs;
};

struct KVCacheConfig {
  std::optional<int64_t> blockSize, blocks, prefillChunk;
  std::optional<bool> staticEntry;
};

struct BuildConfig {
  std::optional<QuantConfig> quantization;
  std::optional<DynamicShapeConfig> dynamicShape;
  std::optional<KVCacheConfig> kvCache;
  std::optional<bool> enableCache;
  std::optional<int64_t> maxBatchSize;
  std::optional<std::string> maxMemory;
  std::optional<int64_t> maxNodes, maxSubgraphDepth;
  std::optional<PruneConfig> pruning;
  std::optional<std::string> model, output, target, backend, cpu, features, emit, report,
      reportHtml;
  std::optional<int> optLevel;
  std::optional<bool> parallel, vectorize, winograd, profile;
  std::optional<std::string> gpuTuning, precision, weights;
  std::map<std::string, std::string> bindInputs, dims, inputShapes, maxDims;
};

} // namespace

LLVM_YAML_IS_STRING_MAP(std::string)

template <> struct llvm::yaml::MappingTraits<QuantConfig> {
  static void mapping(IO &io, QuantConfig &q) {
    io.mapOptional("mode", q.mode);
    io.mapOptional("calib", q.calib);
    io.mapOptional("method", q.method);
    io.mapOptional("percentile", q.percentile);
    io.mapOptional("group_size", q.groupSize);
    io.mapOptional("sensitivity", q.sensitivity);
    io.mapOptional("accuracy_budget", q.accuracyBudget);
    io.mapOptional("exclude", q.exclude);
  }
};

template <> struct llvm::yaml::MappingTraits<PruneConfig> {
  static void mapping(IO &io, PruneConfig &p) {
    io.mapOptional("mode", p.mode);
    io.mapOptional("block", p.block);
    io.mapOptional("criterion", p.criterion);
    io.mapOptional("align", p.align);
    io.mapOptional("scope", p.scope);
    io.mapOptional("exclude", p.exclude);
    io.mapOptional("target", p.target);
    io.mapOptional("budget", p.budget);
    io.mapOptional("sensitivity", p.sensitivity);
    io.mapOptional("levels", p.levels);
    io.mapOptional("ratios", p.ratios);
    io.mapOptional("calib", p.calib);
    io.mapOptional("labels", p.labels);
  }
};

template <> struct llvm::yaml::MappingTraits<InputRangeConfig> {
  static void mapping(IO &io, InputRangeConfig &r) {
    io.mapRequired("min", r.min);
    io.mapOptional("opt", r.opt);
    io.mapRequired("max", r.max);
  }
};

template <> struct llvm::yaml::CustomMappingTraits<DynamicShapeConfig> {
  static void inputOne(IO &io, StringRef key, DynamicShapeConfig &d) {
    std::string k = key.str();
    if (key == "min" || key == "opt" || key == "max") {
      int64_t v = 0;
      io.mapRequired(k.c_str(), v);
      (key == "min" ? d.min : key == "opt" ? d.opt : d.max) = v;
      return;
    }
    io.mapRequired(k.c_str(), d.inputs[k]);
  }
  static void output(IO &, DynamicShapeConfig &) {}
};

template <> struct llvm::yaml::MappingTraits<KVCacheConfig> {
  static void mapping(IO &io, KVCacheConfig &k) {
    io.mapOptional("block_size", k.blockSize);
    io.mapOptional("blocks", k.blocks);
    io.mapOptional("prefill_chunk", k.prefillChunk);
    io.mapOptional("static_entry", k.staticEntry);
  }
};

template <> struct llvm::yaml::MappingTraits<BuildConfig> {
  static void mapping(IO &io, BuildConfig &c) {
    io.mapOptional("model", c.model);
    io.mapOptional("output", c.output);
    io.mapOptional("target", c.target);
    io.mapOptional("backend", c.backend);
    io.mapOptional("opt_level", c.optLevel);
    io.mapOptional("target_cpu", c.cpu);
    io.mapOptional("target_features", c.features);
    io.mapOptional("emit", c.emit);
    io.mapOptional("report", c.report);
    io.mapOptional("report_html", c.reportHtml);
    io.mapOptional("bind_inputs", c.bindInputs);
    io.mapOptional("dims", c.dims);
    io.mapOptional("input_shapes", c.inputShapes);
    io.mapOptional("max_dims", c.maxDims);
    io.mapOptional("parallel", c.parallel);
    io.mapOptional("vectorize", c.vectorize);
    io.mapOptional("winograd", c.winograd);
    io.mapOptional("profile", c.profile);
    io.mapOptional("gpu_tuning", c.gpuTuning);
    io.mapOptional("precision", c.precision);
    io.mapOptional("weights", c.weights);
    io.mapOptional("quantization", c.quantization);
    io.mapOptional("pruning", c.pruning);
    io.mapOptional("enable_cache", c.enableCache);
    io.mapOptional("max_batch_size", c.maxBatchSize);
    io.mapOptional("dynamic_shape", c.dynamicShape);
    io.mapOptional("kv_cache", c.kvCache);
    io.mapOptional("max_memory", c.maxMemory);
    io.mapOptional("max_nodes", c.maxNodes);
    io.mapOptional("max_subgraph_depth", c.maxSubgraphDepth);
  }
};

const char *mlir::autoglm::buildConfigKeys() {
  return "model, output, target (or backend: a target name, cpu, cuda or dcu), opt_level, "
         "target_cpu, target_features, emit, report, "
         "report_html, "
         "bind_inputs (name: file), dims (name: extent), input_shapes (name: AxB), "
         "max_dims (name: bound), parallel, vectorize, winograd, profile, gpu_tuning, precision, "
         "weights, "
         "quantization (mode, "
         "calib, "
         "method, percentile, group_size, sensitivity, accuracy_budget, exclude), pruning (mode, "
         "block, criterion, align, scope, "
         "exclude, target, budget, sensitivity, levels, ratios (node: ratio), calib, labels), "
         "enable_cache, max_batch_size, "
         "dynamic_shape (min, opt, max; or per input name: min, opt, max shapes), kv_cache "
         "(block_size, blocks, prefill_chunk, static_entry), "
         "max_memory, max_nodes, max_subgraph_depth";
}

/// LLVM's YAML parser recurses once per empty entry of a flow collection
/// (`[a,,,,b]`), so a long run of commas overflows the stack (found by the
/// config fuzzer). Such an entry is not valid YAML anyway: the line of the
/// first one, or "" when there is none. Quoted scalars and comments are
/// skipped.
static std::string emptyFlowEntry(llvm::StringRef text) {
  int depth = 0, line = 1;
  // Whether the last token of the current flow collection opened it or was
  // a comma (an entry may not start with another comma).
  bool afterSeparator = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      ++line;
    } else if (c == '#' && (i == 0 || isspace((unsigned char)text[i - 1]))) {
      while (i + 1 < text.size() && text[i + 1] != '\n')
        ++i;
    } else if (c == '"' || c == '\'') {
      for (++i; i < text.size() && text[i] != c; ++i) {
        if (text[i] == '\n')
          ++line;
        if (c == '"' && text[i] == '\\')
          ++i;
      }
      afterSeparator = false;
    } else if (c == '[' || c == '{') {
      ++depth;
      afterSeparator = true;
    } else if (c == ']' || c == '}') {
      depth = std::max(0, depth - 1);
      afterSeparator = false;
    } else if (c == ',' && depth > 0) {
      if (afterSeparator)
        return "line " + std::to_string(line) +
               ": an empty entry in a flow collection (a ',' with nothing before it)";
      afterSeparator = true;
    } else if (!isspace((unsigned char)c)) {
      afterSeparator = false;
    }
  }
  return "";
}

LogicalResult
mlir::autoglm::applyBuildConfig(const std::string &path,
                                llvm::function_ref<bool(llvm::StringRef)> givenOnCommandLine,
                                CompileOptions &o, std::string &error) {
  auto text = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!text) {
    error = "cannot read the config '" + path + "': " + text.getError().message();
    return failure();
  }
  if (std::string why = emptyFlowEntry((*text)->getBuffer()); !why.empty()) {
    error = "invalid config " + path + ": " + why;
    return failure();
  }
  // The parser's message names the line and the key.
  std::string diag;
  llvm::raw_string_ostream os(diag);
  llvm::SourceMgr::DiagHandlerTy handler = [](const llvm::SMDiagnostic &d, void *ctx) {
    d.print(nullptr, *static_cast<llvm::raw_string_ostream *>(ctx));
  };
  BuildConfig c;
  llvm::yaml::Input in((*text)->getMemBufferRef(), nullptr, handler, &os);
  in >> c;
  if (in.error()) {
    error = "invalid config:\n" + diag;
    return failure();
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
    if (value && !givenOnCommandLine(flag))
      field = *value;
  };
  auto setPath = [&](const char *flag, std::string &field, const auto &value) {
    if (value && !givenOnCommandLine(flag))
      field = resolve(*value);
  };
  setPath("model", o.model, c.model);
  setPath("--output", o.output, c.output);
  setPath("--report", o.report, c.report);
  setPath("--report-html", o.reportHtml, c.reportHtml);
  if (c.backend) {
    // The seed configs' key: a target name, or a family.
    std::string t = *c.backend;
    if (t == "cpu" || t == "x86" || t == "host")
      t = "host";
    else if (t == "cuda" || t == "gpu" || t == "nvidia")
      t = "cuda-sm80"; // Runs on Ampere and every newer NVIDIA GPU.
    else if (t == "dcu" || t == "hygon" || t == "rocm")
      t = "hygon-dcu";
    if (c.target && *c.target != t) {
      error = "invalid config " + path + ": target '" + *c.target + "' and backend '" + *c.backend +
              "' name different targets";
      return failure();
    }
    c.target = t;
  }
  set("--target", o.target, c.target);
  set("--opt-level", o.optLevel, c.optLevel);
  set("--target-cpu", o.targetOverrides.cpu, c.cpu);
  set("--target-features", o.targetOverrides.features, c.features);
  set("--emit", o.emit, c.emit);
  set("--parallel", o.parallel, c.parallel);
  set("--vectorize", o.vectorize, c.vectorize);
  set("--winograd", o.winograd, c.winograd);
  set("--profile", o.profile, c.profile);
  set("--gpu-tuning", o.gpuTuning, c.gpuTuning);
  set("--precision", o.precision, c.precision);
  set("--weights", o.weights, c.weights);
  // Maps become the flags' name=value form.
  auto setMap = [&](const char *flag, std::vector<std::string> &field,
                    const std::map<std::string, std::string> &map, bool isPath) {
    if (!givenOnCommandLine(flag))
      for (const auto &[name, v] : map)
        field.push_back(name + "=" + (isPath ? resolve(v) : v));
  };
  setMap("--bind-input", o.bindInputs, c.bindInputs, true);
  setMap("--dim", o.dims, c.dims, false);
  setMap("--input-shape", o.inputShapes, c.inputShapes, false);
  setMap("--max-dim", o.maxDims, c.maxDims, false);
  if (c.quantization) {
    const QuantConfig &q = *c.quantization;
    set("--quantize", o.quantize, q.mode);
    setPath("--calib", o.calib, q.calib);
    set("--calib-method", o.calibMethod, q.method);
    set("--calib-percentile", o.calibPercentile, q.percentile);
    set("--group-size", o.groupSize, q.groupSize);
    set("--quant-sensitivity", o.quantSensitivity, q.sensitivity);
    set("--accuracy-budget", o.accuracyBudget, q.accuracyBudget);
    if (!givenOnCommandLine("--exclude"))
      o.exclude.insert(o.exclude.end(), q.exclude.begin(), q.exclude.end());
  }
  if (c.pruning) {
    const PruneConfig &p = *c.pruning;
    set("--prune", o.prune, p.mode);
    set("--prune-block", o.pruneBlock, p.block);
    set("--prune-criterion", o.pruneCriterion, p.criterion);
    set("--prune-align", o.pruneAlign, p.align);
    set("--prune-scope", o.pruneScope, p.scope);
    if (!givenOnCommandLine("--prune-exclude"))
      o.pruneExclude.insert(o.pruneExclude.end(), p.exclude.begin(), p.exclude.end());
    set("--prune-target", o.pruneTarget, p.target);
    set("--prune-budget", o.pruneBudget, p.budget);
    set("--prune-sensitivity", o.pruneSensitivity, p.sensitivity);
    if (!p.levels.empty() && !givenOnCommandLine("--prune-levels"))
      o.pruneLevels = p.levels;
    setMap("--prune-ratios", o.pruneRatios, p.ratios, false);
    setPath("--calib", o.calib, p.calib);
    setPath("--calib-labels", o.calibLabels, p.labels);
  }
  set("--max-memory", o.maxMemory, c.maxMemory);
  set("--max-nodes", o.maxNodes, c.maxNodes);
  set("--max-subgraph-depth", o.maxSubgraphDepth, c.maxSubgraphDepth);
  set("--enable-cache", o.enableCache, c.enableCache);
  set("--max-batch-size", o.maxBatchSize, c.maxBatchSize);
  if (c.dynamicShape && !givenOnCommandLine("--input-range"))
    for (const auto &[name, r] : c.dynamicShape->inputs) {
      auto dims = [](const std::vector<int64_t> &v) {
        std::string s;
        for (int64_t d : v)
          s += (s.empty() ? "" : "x") + std::to_string(d);
        return s;
      };
      // opt defaults to max.
      o.inputRanges.push_back(name + "=" + dims(r.min) + ":" + dims(r.opt.empty() ? r.max : r.opt) +
                              ":" + dims(r.max));
    }
  if (c.dynamicShape) {
    set("--min-seq-len", o.minSeqLen, c.dynamicShape->min);
    set("--opt-seq-len", o.optSeqLen, c.dynamicShape->opt);
    set("--max-seq-len", o.maxSeqLen, c.dynamicShape->max);
  }
  if (c.kvCache) {
    set("--cache-block-size", o.cacheBlockSize, c.kvCache->blockSize);
    set("--cache-blocks", o.cacheBlocks, c.kvCache->blocks);
    set("--prefill-chunk", o.prefillChunk, c.kvCache->prefillChunk);
    set("--static-entry", o.staticEntry, c.kvCache->staticEntry);
  }
  return success();
}
