//===- autoglm-compile.cpp - ONNX model to a deployable artifact ---*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//   autoglm-compile model.onnx -o out/ [--target NAME] [-O0..-O3]
//                   [--target-cpu CPU] [--target-features +a,-b]
//                   [--emit mlir|linalg|llvm|asm|obj|pruned-onnx|qdq-onnx [-o file]]
//                   [--bind-input name=tensor.pb ...]
//   autoglm-compile --config build.yaml|build.json [flags that override it]
//   autoglm-compile --list-targets
//
// Thin: flags in, one CompileSession::run out (lib/Compiler). On any error
// the diagnostics name the ONNX node, the exit status is 1 and no artifact
// is written.
//===----------------------------------------------------------------------===//

#include "autoglm/Compiler/Session.h"
#include "autoglm/InitAllTargets.h"

#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/raw_ostream.h"

#include <unistd.h>

#include <CLI/CLI.hpp>

using namespace mlir;
using namespace mlir::autoglm;

static int fail(const std::string &msg) {
  llvm::errs() << "autoglm-compile: error: " << msg << "\n";
  return 1;
}

/// LLVM's code generators stop the process on an instruction they cannot
/// select; that becomes a clear error and exit status 1 (the artifact is
/// written atomically at the end, so nothing partial is left), not SIGABRT.
static void llvmFatalError(void *, const char *reason, bool) {
  std::string msg =
      std::string("autoglm-compile: error: LLVM code generation failed: ") + reason + "\n";
  (void)!write(2, msg.data(), msg.size());
  _exit(1);
}

int main(int argc, char **argv) {
  llvm::install_fatal_error_handler(llvmFatalError);
  CLI::App app{"autoglm-compile: compile an ONNX model into a deployable artifact"};
  CompileOptions o;
  std::string config;
  bool listTargets = false;
  app.add_option("model", o.model, "ONNX model (.onnx)");
  app.add_option("--config", config,
                 std::string("Build config (YAML or JSON) with any of: ") + buildConfigKeys() +
                     "; flags given here override it");
  app.add_option("-o,--output", o.output, "Artifact directory (or output file with --emit)");
  app.add_option("--target", o.target, "Target (see --list-targets)")->capture_default_str();
  app.add_flag("--list-targets", listTargets,
               "List the targets: triple, CPU, vector width, threads, artifact kind and "
               "whether this machine can run their artifacts");
  app.add_option("-O,--opt-level", o.optLevel, "Optimization level 0..3")->capture_default_str();
  app.add_option("--target-cpu", o.targetOverrides.cpu, "CPU name (default: the target's)");
  app.add_option("--target-features", o.targetOverrides.features,
                 "LLVM target features, e.g. +avx2,-avx512f (default: the target's)");
  app.add_option("--emit", o.emit,
                 "Stop after a stage: mlir, linalg, llvm, asm, obj; pruned-onnx (with --prune "
                 "structured:R, the smaller model as ONNX, for fine-tuning); or qdq-onnx (with "
                 "--quantize int8 --calib, the calibrated model as standard QDQ ONNX for other "
                 "runtimes)")
      ->check(CLI::IsMember({"mlir", "linalg", "llvm", "asm", "obj", "pruned-onnx", "qdq-onnx"}));
  app.add_option("--report", o.report,
                 "Write what the graph optimizations did (op counts per pass, "
                 "patterns, constant bytes) as JSON, and a summary on stdout");
  app.add_option("--report-html", o.reportHtml,
                 "Write the report as a self-contained HTML page with charts (ops per "
                 "pass; per quantized layer its weight SQNR and input range)");
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
  app.add_option("--input-range", o.inputRanges,
                 "The shapes a graph input takes, name=MIN:OPT:MAX (each AxBxC): extents "
                 "equal in MIN and MAX are fixed, the others open up to MAX (the build "
                 "config's dynamic_shape per input)");
  app.add_option("--max-memory", o.maxMemory,
                 "Most bytes of constant data the model may declare, each constant alone "
                 "and all together: BYTES or N with K, M, G or T (powers of 1024), e.g. 32G "
                 "(default: half of this machine's memory, " +
                     std::to_string(defaultMaxMemory() >> 20) + " MiB here)");
  app.add_option("--max-nodes", o.maxNodes,
                 "Most nodes, counting subgraphs and each iteration of an unrolled loop")
      ->capture_default_str();
  app.add_option("--max-subgraph-depth", o.maxSubgraphDepth,
                 "Deepest nesting of subgraphs (If branches, Loop and Scan bodies), at most " +
                     std::to_string(kMaxSubgraphDepthLimit))
      ->capture_default_str();
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
  app.add_flag("--profile", o.profile,
               "Time every op: the library calls the runtime between ops, and autoglm-run "
               "--profile reports each ONNX node's share of the run (CPU shared-library "
               "targets; docs/profiling.md)");
  app.add_option("--weights", o.weights,
                 "CPU shared libraries: embedded (constants in the library), external "
                 "(weights.bin beside it, mapped at load) or auto (external from 1 GiB)")
      ->capture_default_str();
  app.add_option("--sparse-density", o.sparseDensity,
                 "CPU: linears whose weight has at most this fraction of nonzero 16x1 blocks "
                 "(16 outputs x 1 input) run block-sparse kernels; 0 turns them off")
      ->capture_default_str();
  app.add_option("--gpu-tuning", o.gpuTuning,
                 "GPU targets: options of the code generator's passes, "
                 "NAME{OPTION=VALUE ...},... with NAME split-reductions, lower-reductions, "
                 "fuse-siblings or map-loops (docs/gpu.md)");
  app.add_option("--precision", o.precision,
                 "Arithmetic of matmuls and convolutions: fp32, or on cuda targets tf32, bf16 "
                 "or fp16 on tensor cores (inputs rounded in registers, f32 accumulation; "
                 "docs/gpu.md)")
      ->check(CLI::IsMember({"fp32", "tf32", "bf16", "fp16"}))
      ->capture_default_str();
  app.add_option("--quantize", o.quantize,
                 "Quantize: int8 (static; calibrated uint8 activations, int8 per-channel "
                 "weights, int32 accumulation; needs --calib), weight-int8 (alias w8; int8 "
                 "per-channel weights of linears and matmuls, f32 activations; no calibration) "
                 "or weight-int4 (alias w4; linears' weights int4 per --group-size elements "
                 "of K, others int8)")
      ->check(CLI::IsMember({"int8", "weight-int8", "w8", "weight-int4", "w4"}));
  app.add_option("--group-size", o.groupSize,
                 "--quantize weight-int4: consecutive input elements (K) sharing one scale per "
                 "output channel (even; 32, 64 and 128 are usual)")
      ->capture_default_str();
  app.add_option("--calib", o.calib,
                 "Calibration samples: a folder of TensorProto .pb files (one sample each, or "
                 "folders of input_<i>.pb) or one .pb of samples stacked along axis 0");
  app.add_option("--calib-method", o.calibMethod,
                 "Activation ranges: minmax, percentile, or entropy (the clipping that minimizes "
                 "the KL divergence of the 255-level quantization)")
      ->check(CLI::IsMember({"minmax", "percentile", "entropy"}))
      ->capture_default_str();
  app.add_option("--calib-percentile", o.calibPercentile,
                 "With --calib-method percentile: the top percentile kept (the bottom is "
                 "100 minus it)")
      ->capture_default_str();
  app.add_flag("--quant-sensitivity", o.quantSensitivity,
               "--quantize int8: measure each layer's output SQNR and cosine when it alone is "
               "quantized, on the calibration samples (into the report)");
  app.add_option("--accuracy-budget", o.accuracyBudget,
                 "--quantize int8: cosine=C keeps the most sensitive layers in fp32 until every "
                 "output of every calibration sample has a cosine >= C against fp32");
  app.add_option("--exclude", o.exclude, "ONNX node names that stay fp32 (comma-separated)")
      ->delimiter(',');
  app.add_option("--prune", o.prune,
                 "Prune: structured:R (remove R of the channels of each conv / linear group; "
                 "the model shrinks), structured:auto (per-group ratios measured on --calib to "
                 "meet --prune-target / --prune-budget), unstructured:R, block:R (blocks of "
                 "--prune-block) or nm:N:M (N of every M reduction weights kept)");
  app.add_option("--prune-target", o.pruneTarget,
                 "structured:auto: flops=F (remove at least F of the model's FLOPs) or "
                 "latency=F (run in at most 1 - F of the unpruned time on this machine)");
  app.add_option("--prune-budget", o.pruneBudget,
                 "structured:auto: cosine=C (every float output of every calibration sample "
                 "keeps a cosine >= C against the unpruned model) or accuracy=D (top-1 accuracy "
                 "on --calib-labels at most D below the unpruned model's)");
  app.add_flag("--prune-sensitivity", o.pruneSensitivity,
               "Structured: measure each channel group's sensitivity curve (output cosine, "
               "SQNR, top-1) at --prune-levels on --calib (into the report)");
  app.add_option("--prune-levels", o.pruneLevels,
                 "Structured ratios the sensitivity and the allocation try (comma-separated)")
      ->delimiter(',');
  app.add_option("--prune-ratios", o.pruneRatios,
                 "Structured: NODE=R, the channel group NODE produces loses R of its channels "
                 "(comma-separated; the report's allocation lists them)")
      ->delimiter(',');
  app.add_option("--calib-labels", o.calibLabels,
                 "Class labels of the --calib samples (int64 or int32 TensorProto .pb, one per "
                 "row of output 0): accuracy in pruning sensitivity and budgets");
  app.add_option("--prune-block", o.pruneBlock, "Block shape of --prune block:R, ROWSxCOLS")
      ->capture_default_str();
  app.add_option("--prune-criterion", o.pruneCriterion,
                 "Channel importance for structured pruning: l1, l2 (weight-row norms), bn "
                 "(|batch norm scale|) or act (measured on --calib: sqrt(E[x^2]) at the "
                 "consumers times their weight columns' norms)")
      ->capture_default_str();
  app.add_option("--prune-align", o.pruneAlign,
                 "Structured pruning keeps a multiple of this many channels (vector width)")
      ->capture_default_str();
  app.add_option("--prune-scope", o.pruneScope,
                 "unstructured / block: global (one threshold over all layers) or layer (R of "
                 "each layer)")
      ->check(CLI::IsMember({"global", "layer"}))
      ->capture_default_str();
  app.add_option("--prune-exclude", o.pruneExclude,
                 "ONNX node names left unpruned (comma-separated)")
      ->delimiter(',');
  app.add_flag("--enable-cache", o.enableCache,
               "Decoder LLM: the runtime owns a paged KV cache (the model's past/present "
               "inputs and outputs go); autoglm-run --generate drives it");
  app.add_option("--max-batch-size", o.maxBatchSize, "Sequences decoded together (cache slots)")
      ->capture_default_str();
  app.add_option("--min-seq-len", o.minSeqLen, "dynamic_shape.min: shortest sequence")
      ->capture_default_str();
  app.add_option("--opt-seq-len", o.optSeqLen,
                 "dynamic_shape.opt: typical sequence length (recorded; 0: max)")
      ->capture_default_str();
  app.add_option("--max-seq-len", o.maxSeqLen,
                 "dynamic_shape.max: longest sequence, prompt and generated tokens")
      ->capture_default_str();
  app.add_option("--cache-block-size", o.cacheBlockSize, "Positions per KV cache block")
      ->capture_default_str();
  app.add_option("--cache-blocks", o.cacheBlocks,
                 "KV cache blocks in the pool (0: every slot at full length)")
      ->capture_default_str();
  app.add_option("--prefill-chunk", o.prefillChunk,
                 "Most tokens of one sequence per call (a longer prompt goes in chunks)")
      ->capture_default_str();
  app.add_flag("--static-entry", o.staticEntry,
               "kv_cache.static_entry: one entry of max-batch-size rows x prefill-chunk tokens "
               "that the runtime pads (always for GPU and bare-metal targets)");
  CLI11_PARSE(app, argc, argv);

  if (listTargets) {
    registerAllTargets();
    printTargets(llvm::outs());
    return 0;
  }
  std::string error;
  if (!config.empty() &&
      failed(applyBuildConfig(
          config, [&](llvm::StringRef flag) { return app.count(flag.str()) > 0; }, o, error))) {
    llvm::errs() << "autoglm-compile: error: " << error;
    return 1;
  }
  if (o.model.empty())
    return fail("no model: give model.onnx or a --config that names one");

  CompileSession session;
  std::string summary;
  if (failed(session.run(o, error, &summary)))
    return error.empty() ? 1 : fail(error);
  if (!summary.empty())
    llvm::outs() << summary << "\n";
  return 0;
}
