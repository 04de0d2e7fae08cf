//===- Session.h - the compile session: ONNX model to artifact -----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The whole compile as a library: options -> import -> graph passes ->
// compression passes -> the target's pipeline -> artifact -> report.
// autoglm-compile parses flags and calls CompileSession::run; tests and
// bindings call the same. Each stage is a method, so a new stage (a
// compression pass family, a target) plugs in here, not into a tool.
//
// Errors: diagnostics of the model (naming its ONNX node) go to the
// context's diagnostic handler; errors of the session itself (bad options,
// unreadable files) come back in `error`. A failed run writes no artifact.
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_COMPILER_SESSION_H
#define AUTOGLM_COMPILER_SESSION_H

#include "autoglm/Artifact/Artifact.h"
#include "autoglm/Importer/ONNXImporter.h"
#include "autoglm/Pipelines/Pipelines.h"
#include "autoglm/Target/TargetBackend.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace mlir::autoglm {

struct CompileOptions {
  /// The ONNX model; the artifact directory (or the file --emit writes,
  /// "-" or empty for stdout); a JSON report of the graph passes and the
  /// compression stages, and the same as a self-contained HTML page.
  std::string model, output, report, reportHtml;
  /// A registered target (--list-targets) and what to change of it.
  std::string target = "host";
  TargetOverrides targetOverrides;
  /// Stop after a stage: mlir, linalg, llvm, asm, obj; empty: the artifact.
  /// pruned-onnx: the model as --prune structured:R leaves it, as ONNX.
  std::string emit;
  int optLevel = 2;
  bool parallel = true, vectorize = true, winograd = true;
  /// Per-op timing marks (CPU shared-library targets; docs/profiling.md).
  bool profile = false;
  /// CPU shared libraries: where the constant data goes. embedded: in the
  /// library; external: weights.bin beside it, mapped at load; auto:
  /// external from kAutoExternalWeightsBytes of constants on.
  std::string weights = "auto";
  /// CPU: a linear whose constant weight has at most this fraction of its
  /// 16x1 blocks nonzero runs a block-sparse kernel (0: never).
  double sparseDensity = 0.5;
  /// GPU targets: options of the code generator's passes,
  /// `name{option=value ...},...` (docs/gpu.md).
  std::string gpuTuning;
  /// Arithmetic of matmuls and convolutions: fp32, or on NVIDIA GPUs tf32,
  /// bf16 or fp16 tensor cores (inputs rounded, f32 accumulation).
  std::string precision = "fp32";
  /// Every static input extent open, bounded by its declared value.
  bool openInputs = false;
  /// name=tensor.pb, NAME=N, name=AxBxC, NAME=N (the flags' forms).
  std::vector<std::string> bindInputs, dims, inputShapes, maxDims;
  /// name=MIN:OPT:MAX, each AxBxC (--input-range; the config's
  /// dynamic_shape per input).
  std::vector<std::string> inputRanges;
  /// Resource limits of the import (ONNXImportOptions; docs/fuzzing.md):
  /// the most bytes of constant data, as BYTES or N with a K, M, G or T
  /// suffix (powers of 1024; empty: half of this machine's memory), the
  /// most nodes and the deepest subgraph nesting.
  std::string maxMemory;
  int64_t maxNodes = 1000000, maxSubgraphDepth = 64;

  /// Quantization: "" (none) or "int8" (static: calibrated uint8
  /// activations, int8 per-channel weights, int32 accumulation).
  std::string quantize;
  /// Calibration samples: a folder of TensorProto .pb files (one sample of
  /// a single-input model each, or test_data_set-style folders with
  /// input_<i>.pb) or one .pb of samples stacked along axis 0.
  std::string calib;
  /// How a range is taken from the samples: "minmax" or "percentile" (the
  /// calibPercentile-th percentile at the top, 100 - it at the bottom).
  std::string calibMethod = "minmax";
  double calibPercentile = 99.99;
  /// Static int8: measure each layer's output error when it alone is
  /// quantized (SQNR, cosine) on the calibration samples.
  bool quantSensitivity = false;
  /// Static int8: "cosine=C": the most sensitive layers stay fp32 until
  /// every float output of every calibration sample has a cosine >= C
  /// against fp32.
  std::string accuracyBudget;
  /// --quantize weight-int4: K elements sharing a scale (even).
  int64_t groupSize = 128;
  /// ONNX node names that stay fp32.
  std::vector<std::string> exclude;

  /// Pruning: "" (none), "structured:R" (channels removed, shapes shrink),
  /// "unstructured:R", "block:R" (blocks of pruneBlock, rows x cols) or
  /// "nm:N:M" (zeros in the weights); R in [0, 1) is the fraction removed.
  std::string prune;
  std::string pruneBlock = "1x16";
  /// Structured: channel importance (l1, l2, bn) and the kept channel
  /// counts' multiple. Unstructured and block: one threshold over all
  /// layers ("global") or R of each layer ("layer").
  std::string pruneCriterion = "l1";
  int64_t pruneAlign = 8;
  std::string pruneScope = "global";
  /// ONNX node names left unpruned.
  std::vector<std::string> pruneExclude;
  /// Structured: NODE=R, the channel group NODE produces loses R of its
  /// channels instead of the mode's R ("structured:auto" fills these).
  std::vector<std::string> pruneRatios;
  /// Structured, measured on the calibration samples (docs/pruning.md):
  /// each group's sensitivity curve at pruneLevels; with "structured:auto"
  /// the per-group ratios that reach pruneTarget ("flops=F", the fraction
  /// of FLOPs removed) and/or keep pruneBudget ("cosine=C": every float
  /// output of every sample has a cosine >= C against the unpruned model;
  /// "accuracy=D": top-1 accuracy on calibLabels at most D below it).
  bool pruneSensitivity = false;
  std::string pruneTarget, pruneBudget;
  std::vector<double> pruneLevels = {0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875};
  /// Class labels of the calibration samples (int64 or int32 TensorProto,
  /// one per row of output 0): accuracy in sensitivity and budgets.
  std::string calibLabels;
  /// Decoder LLMs (docs/llm.md): the runtime owns a paged KV cache for
  /// maxBatchSize sequences of up to maxSeqLen tokens (dynamic_shape.max;
  /// minSeqLen <= optSeqLen <= maxSeqLen), cacheBlockSize positions per
  /// block, cacheBlocks blocks (0: enough for every slot at full length);
  /// one call takes up to prefillChunk tokens of a sequence.
  bool enableCache = false;
  int64_t maxBatchSize = 1, minSeqLen = 1, optSeqLen = 0, maxSeqLen = 2048;
  int64_t cacheBlockSize = 16, cacheBlocks = 0, prefillChunk = 32;
  /// One static entry of maxBatchSize rows x prefillChunk tokens, which
  /// the generator pads (kv_cache.static_entry; always on GPU targets and
  /// bare-metal ones, which take static shapes).
  bool staticEntry = false;
};

/// --weights auto moves a CPU library's constants to weights.bin from this
/// many bytes on: far below the 2 GB a small-code-model library can hold,
/// and where mapping a file instead of loading a library starts to matter.
constexpr int64_t kAutoExternalWeightsBytes = int64_t(1) << 30;

/// Whether `module`, compiled for `target` with `o`, keeps its constants in
/// weights.bin (CPU shared libraries only).
bool externalWeights(ModuleOp module, const CompileOptions &o, const TargetDescription &target);

/// Reads a build config (YAML, or JSON, which is YAML) into `options`: every
/// key the command line did not give (`givenOnCommandLine(flag)` says, with
/// the flag's long name such as "--opt-level"; "model" for the model);
/// relative paths are taken from the file's folder. Unknown keys and
/// malformed files are errors naming the line.
LogicalResult applyBuildConfig(const std::string &path,
                               llvm::function_ref<bool(llvm::StringRef flag)> givenOnCommandLine,
                               CompileOptions &options, std::string &error);

/// The build config keys, for --help texts.
const char *buildConfigKeys();

/// One layer static int8 quantized: its ONNX node and calibrated input range.
struct QDQLayer {
  std::string node;
  double lo, hi;
};
/// --emit qdq-onnx: the model at `modelPath` with a QuantizeLinear /
/// DequantizeLinear pair on the input of each of `layers` (uint8) and its
/// weight int8 per output channel through a DequantizeLinear, written to
/// `outPath` (lib/Compiler/QDQONNX.cpp).
class CompileSession {
public:
  /// A context with every dialect, translation and target registered.
  CompileSession();
  ~CompileSession();

  MLIRContext &context() { return *ctx; }

  /// The whole session. On success `summary` holds the report's one-line
  /// summary when a report was asked for.
  LogicalResult run(const CompileOptions &options, std::string &error,
                    std::string *summary = nullptr);

  // The stages, in order; run() calls them. Each fails with diagnostics in
  // the context or a message in `error`.

  /// Parses the import options of the flags' forms.
  static LogicalResult importOptions(const CompileOptions &options, ONNXImportOptions &out,
                                     std::string &error);
  OwningOpRef<ModuleOp> import(const CompileOptions &options, const ONNXImportOptions &io);
  /// Graph optimizations (-O1 and above) and pruning (options.prune),
  /// recorded into `report` (`report["pruning"]`: every group or layer, and
  /// params and FLOPs per layer before and after).
  LogicalResult optimizeGraph(ModuleOp module, const CompileOptions &options,
                              nlohmann::ordered_json &report, std::string &pipeline,
                              std::string &error);
  /// Static int8 quantization (options.quantize): marks the ops, compiles a
  /// copy that exposes their inputs for the host, runs it with the runtime
  /// over the calibration samples, and rewrites the ops with the ranges;
  /// the decisions go into `report["quantization"]`.
  LogicalResult quantize(ModuleOp module, const CompileOptions &options,
                         const ONNXImportOptions &io, nlohmann::ordered_json &report,
                         std::string &error);
  /// --quantize weight-int8: int8 weights per output channel for every
  /// linear and 2-D matmul, activations f32 (no calibration).
  LogicalResult quantizeWeights(ModuleOp module, const CompileOptions &options,
                                nlohmann::ordered_json &report, std::string &error);
  /// enable_cache (docs/llm.md): checks the decoder options, moves the KV
  /// cache to the runtime (autoglm-kv-cache) and describes it for the
  /// manifest (`section`, JSON) and `report["kv_cache"]`.
  LogicalResult applyKVCache(ModuleOp module, const CompileOptions &options, bool staticEntry,
                             nlohmann::ordered_json &report, std::string &section,
                             std::string &error);
  /// --emit pruned-onnx: the model with the structured pruning's `edits`
  /// replayed on its initializers, written to options.output and checked to
  /// import again with the original's signature.
  LogicalResult emitPrunedONNX(const CompileOptions &options, const ONNXImportOptions &io,
                               ArrayAttr edits, std::string &error);
  /// Lowers an optimized module for `target` and writes what options.emit
  /// asks (the artifact at options.output by default).
  LogicalResult emitArtifact(ModuleOp module, const CompileOptions &options,
                             const TargetBackend &backend, const TargetDescription &target,
                             ArtifactInfo info, const std::string &graphPipeline,
                             std::string &error);
  /// autoglm -> linalg -> the target's lowered IR (stops at linalg when
  /// `stopAtLinalg`).
  LogicalResult lower(ModuleOp module, const CompileOptions &options, const TargetBackend &backend,
                      const TargetDescription &target, bool stopAtLinalg, std::string &pipeline);

  /// --prune-sensitivity and --prune structured:auto: a probe of the model
  /// (autoglm-prune-structured{probe}: a channel mask input per group)
  /// compiled for the host and run over the calibration samples, per group
  /// and level, then along a greedy allocation; the chosen per-group ratios
  /// go into `ratios` (NODE=R) and the measurements into `out`
  /// (report["pruning"]'s sensitivity and allocation).
  LogicalResult searchPruning(ModuleOp module, const CompileOptions &options,
                              std::vector<std::string> &ratios, nlohmann::ordered_json &out,
                              std::string &error);

  /// Compiles `module` for this machine (the host target, options' other
  /// settings) as the artifact `dir`/`name`, which the session then runs
  /// over calibration samples; `path` is where it is.
  LogicalResult compileForHost(ModuleOp module, const CompileOptions &options, llvm::StringRef dir,
                               const std::string &name, std::string &path, std::string &error);

private:
  /// report["pruning"] from the passes' decisions and the weights and FLOPs
  /// before (contractionStats at import) and now; a summary on stderr.
  void recordPruning(ModuleOp module, const CompileOptions &options,
                     const nlohmann::ordered_json &before, nlohmann::ordered_json &report);

  std::unique_ptr<MLIRContext> ctx;
  /// The layers static int8 quantized (for --emit qdq-onnx).
  std::vector<QDQLayer> qdqLayers;
};

/// Parses options.prune (and its companions) into the graph pipeline's
/// pruning passes; a malformed value is an error naming the flag.
LogicalResult parsePruneOptions(const CompileOptions &options, GraphPipelineOptions &out,
                                std::string &error);

/// Writes the model at `modelPath` with the structured pruning `edits`
/// (the module's autoglm.prune_edits) replayed on its initializers, as ONNX
/// at `outPath`; a weight the importer rearranged is an error naming its
/// node.
LogicalResult writePrunedONNX(const std::string &modelPath, ArrayAttr edits,
                              const std::string &outPath, std::string &error);

LogicalResult writeQDQONNX(const std::string &modelPath, const std::vector<QDQLayer> &layers,
                           const std::string &outPath, std::string &error);

/// Per conv / linear / matmul with a constant weight (by ONNX node name):
/// weight elements, nonzero weight elements and FLOPs (2 per multiply-add,
/// static shapes only), and their totals, as the pruning report shows them.
nlohmann::ordered_json contractionStats(ModuleOp module);

/// The report (what --report writes) as one self-contained HTML page with
/// SVG charts: ops per graph pass, and per quantized layer its weight SQNR
/// and calibrated input range.
std::string renderReportHTML(const nlohmann::ordered_json &report);

/// Lists the registered targets (name, triple, CPU, vector bits, threads,
/// artifact, whether this machine runs it) as an aligned table.
void printTargets(llvm::raw_ostream &os);

} // namespace mlir::autoglm

#endif // AUTOGLM_COMPILER_SESSION_H
