//===- Pipelines.cpp - the pass pipelines the tools share ----------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// autoglm-opt and autoglm-compile run exactly these functions, so what a lit
// test shows of a pipeline is what the compiler does.
//===----------------------------------------------------------------------===//

#include "autoglm/Pipelines/Pipelines.h"
#include "autoglm/Conversion/Passes.h"
#include "autoglm/Dialect/AutoGLM/IR/AutoGLM.h"
#include "autoglm/Target/Passes.h"
#include "autoglm/Transforms/Passes.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/NVVMToLLVM/NVVMToLLVM.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Affine/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/LLVMIR/ROCDLDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Linalg/Transforms/TilingInterfaceImpl.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/AllocationOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/Transforms/SubsetInsertionOpInterfaceImpl.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Vector/Transforms/SubsetOpInterfaceImpl.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::autoglm::buildGraphOptimizationPipeline(OpPassManager &pm,
                                                   const GraphPipelineOptions &options) {
  pm.addPass(createFoldConstants());
  pm.addPass(createPruneGraph());
  pm.addPass(createRecognizePatterns());
  if (options.pruneStructured)
    pm.addPass(createPruneStructured(*options.pruneStructured));
  pm.addPass(createFoldBatchNorm());
  pm.addPass(createFuseAttention());
  pm.addPass(createFuseEpilogue());
  if (options.pruneMagnitude)
    pm.addPass(createPruneMagnitude(*options.pruneMagnitude));
  pm.addPass(createPruneGraph());
}

void mlir::autoglm::buildAutoGLMToLinalgPipeline(OpPassManager &pm,
                                                const LinalgPipelineOptions &options) {
  pm.addPass(createBatchLoops());
  ConvertAutoGLMToLinalgOptions conversion;
  conversion.winograd = options.winograd;
  conversion.sparseDensity = options.sparseDensity;
  conversion.sparseParallel = options.sparseParallel;
  conversion.sparseInt8Dot = options.sparseInt8Dot;
  conversion.gatherPads = options.gatherPads;
  conversion.gpuCacheAttention = options.gpuCacheAttention;
  pm.addPass(createConvertAutoGLMToLinalg(conversion));
  pm.addPass(createVerifyNoAutoGLM());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createFuseElementwise());
  pm.addPass(createExpandSparseKernels());
  pm.addPass(createCSEPass());
}

/// Tensors to buffers, results to out-parameters, every temporary a view of
/// one arena planned by liveness, copies as linalg (CPU and GPU alike).
/// Results are computed in the caller's buffers (no copy of each output at
/// the end). `gpu`: copies forwarded. The CPU once kept its copies: with
/// results in place test_gru_with_initial_bias failed under RVV, read as a
/// vector kernel storing past its 3 x 3 result's end; it is QEMU 7.2
/// aborting in its translator (`decode_save_opc: Assertion
/// ctx->insn_start != NULL`, exit -11), not a fault of the program, and the
/// host conformance suite with every input and output flush against an
/// inaccessible page (`autoglm-run --guard-pages`) passes with results in
/// place (2026-12-07).
static void addBufferizeAndPlanMemory(OpPassManager &pm, bool gpu = false) {
  using namespace mlir::autoglm;
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion = bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createResultsInPlace());
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  // An op that fills a temporary only to have it copied (a Concat's part)
  // writes the copy's target; each copy is a kernel on the GPU.
  if (gpu)
    pm.addPass(createGPUForwardCopies());
  pm.addPass(createCPUPlanMemory());
  // Views of the arena that name the same bytes become one value, so a copy
  // of a view onto itself (an insert_slice bufferized in place) folds away.
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  MemrefCopyToLinalgOptions copies;
  copies.keepContiguous = !gpu;
  pm.addPass(createMemrefCopyToLinalg(copies));
}

void mlir::autoglm::buildCPUCodegenPipeline(OpPassManager &pm,
                                            const CPUPipelineOptions &options) {
  pm.addPass(createCPUGeneralizeContractions());
  CPUIndexBitsOptions indexBitsOpts;
  indexBitsOpts.bits = options.indexBits;
  pm.addPass(createCPUIndexBits(indexBitsOpts));
  // Kernels first: they tile their ops into scf.forall loops themselves (the
  // threads share the register tiles); the rest is chunked after.
  if (options.vectorize) {
    CPUWinogradTransformsOptions winograd;
    winograd.parallel = options.parallel;
    pm.addPass(createCPUWinogradTransforms(winograd));
    CPUVectorizeContractionsOptions kernels;
    kernels.parallel = options.parallel;
    kernels.vectorWidth = options.contractionWidth;
    kernels.accumulators = options.accumulators;
    kernels.int8Dot = options.int8Dot;
    pm.addPass(createCPUVectorizeContractions(kernels));
    CPUVectorizeReductionsOptions reductions;
    reductions.parallel = options.parallel;
    reductions.width = options.lanes;
    pm.addPass(createCPUVectorizeReductions(reductions));
    CPUVectorizeElementwiseOptions elementwise;
    elementwise.parallel = options.parallel;
    elementwise.width = options.lanes;
    pm.addPass(createCPUVectorizeElementwise(elementwise));
    pm.addPass(createCanonicalizerPass());
  }
  if (options.parallel) {
    pm.addPass(createCPUParallelize());
    pm.addPass(createCanonicalizerPass());
  }
  pm.addPass(createCPULoopOrder());
  addBufferizeAndPlanMemory(pm);
  if (options.externalWeightsMinBytes >= 0) {
    CPUExternalWeightsOptions weights;
    weights.minBytes = options.externalWeightsMinBytes;
    pm.addPass(createCPUExternalWeights(weights));
  }
  bufferization::buildBufferDeallocationPipeline(pm);
  if (options.profile)
    pm.addPass(createCPUProfileMarks());
  // Without threads (--parallel=false, or a target with no OpenMP runtime)
  // the foralls that lowerings build themselves (attention over a KV cache)
  // become plain loops: an OpenMP region would need a runtime the artifact
  // cannot ship.
  if (options.parallel)
    pm.addPass(createForallToParallelLoopPass());
  else
    pm.addPass(createForallToForLoopPass());
  pm.addPass(createConvertLinalgToLoopsPass());
  {
    // Unrolled, n-D transfers become 1-D ones on registers. The rolled form
    // goes through a memref.alloca per transfer inside the loop nest, which
    // after lowering grows the stack every iteration.
    pm.addPass(createConvertVectorToSCFPass(
        VectorTransferToSCFOptions().enableFullUnroll()));
  }
  if (options.parallel)
    pm.addPass(createConvertSCFToOpenMPPass());
  pm.addPass(createInlineAllocaScopes());
  MathApproximationOptions math;
  math.nativeRounding = options.nativeRounding;
  pm.addPass(createMathApproximation(math));
  pm.addPass(createSCFToControlFlowPass());
  // Subview offsets become affine.apply here; lower them with the rest.
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  if (options.expandFloatMinMax)
    pm.addPass(createCPUExpandF64ToF16());
  if (options.softF16) {
    // f16 arithmetic in f32 (LLVM would promote it with the same helper
    // calls), then every f16 cast as integer arithmetic.
    arith::ArithEmulateUnsupportedFloatsOptions emulate;
    emulate.sourceTypeStrs = {"f16"};
    pm.addPass(arith::createArithEmulateUnsupportedFloats(emulate));
    pm.addPass(createCPUSoftF16());
  }
  if (options.expandFloatMinMax)
    pm.addPass(arith::createArithExpandOpsPass());
  // The LLVM conversions take index's width as an option (0: 64 bits for
  // arith, whatever the data layout says); convert-vector-to-llvm has none
  // and lowers arith with a 64-bit index, so a 32-bit index (the data layout
  // autoglm-cpu-index-bits set) lowers arith before it.
  unsigned indexBits = options.indexBits == 64 ? 0 : options.indexBits;
  ArithToLLVMConversionPassOptions arithOpts;
  arithOpts.indexBitwidth = indexBits;
  if (indexBits)
    pm.addPass(createArithToLLVMConversionPass(arithOpts));
  {
    ConvertVectorToLLVMPassOptions vec;
    vec.vectorContractLowering = vector::VectorContractLowering::OuterProduct;
    vec.vectorTransposeLowering = vector::VectorTransposeLowering::Shuffle1D;
    pm.addPass(createConvertVectorToLLVMPass(vec));
  }
  // Unrolled transfers start from ub.poison vectors.
  UBToLLVMConversionPassOptions ubOpts;
  ubOpts.indexBitwidth = indexBits;
  pm.addPass(createUBToLLVMConversionPass(ubOpts));
  FinalizeMemRefToLLVMConversionPassOptions memrefOpts;
  memrefOpts.indexBitwidth = indexBits;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefOpts));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createArithToLLVMConversionPass(arithOpts));
  ConvertFuncToLLVMPassOptions funcOpts;
  funcOpts.useBarePtrCallConv = true;
  funcOpts.indexBitwidth = indexBits;
  pm.addPass(createConvertFuncToLLVMPass(funcOpts));
  ConvertControlFlowToLLVMPassOptions cfOpts;
  cfOpts.indexBitwidth = indexBits;
  pm.addPass(createConvertControlFlowToLLVMPass(cfOpts));
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCPUEntryPoint());
}

namespace {
using namespace mlir::autoglm;

/// The GPU passes --gpu-tuning reaches, by short name.
std::unique_ptr<Pass> createTunablePass(llvm::StringRef name) {
  if (name == "split-reductions")
    return createGPUSplitReductions();
  if (name == "lower-reductions")
    return createGPULowerReductions();
  if (name == "fuse-siblings")
    return createGPUFuseSiblings();
  if (name == "map-loops")
    return createGPUMapLoops();
  return nullptr;
}

/// `pass` with the options --gpu-tuning gave it, if any.
std::unique_ptr<Pass> tuned(std::unique_ptr<Pass> pass, llvm::StringRef name,
                            const GPUPipelineOptions &options) {
  auto it = options.tuning.find(name.str());
  if (it != options.tuning.end())
    // parseGPUTuning checked them.
    (void)pass->initializeOptions(it->second, [](const Twine &) { return failure(); });
  return pass;
}
} // namespace

LogicalResult mlir::autoglm::parseGPUTuning(llvm::StringRef text,
                                            std::map<std::string, std::string> &tuning,
                                            std::string &error) {
  text = text.trim();
  while (!text.empty()) {
    size_t open = text.find('{');
    if (open == llvm::StringRef::npos)
      return error = "--gpu-tuning: expected name{option=value ...}, got '" + text.str() + "'",
             failure();
    llvm::StringRef name = text.take_front(open).trim();
    size_t close = text.find('}', open);
    if (close == llvm::StringRef::npos)
      return error = "--gpu-tuning: no closing } after '" + name.str() + "{'", failure();
    std::unique_ptr<Pass> pass = createTunablePass(name);
    if (!pass)
      return error = "--gpu-tuning: unknown pass '" + name.str() +
                     "' (split-reductions, lower-reductions, fuse-siblings, map-loops)",
             failure();
    llvm::StringRef opts = text.slice(open + 1, close).trim();
    std::string why;
    if (failed(pass->initializeOptions(opts, [&](const Twine &msg) {
          why = msg.str();
          return failure();
        })))
      return error = "--gpu-tuning: " + name.str() + "{" + opts.str() +
                     "}: " + (why.empty() ? "bad option" : StringRef(why).trim().str()),
             failure();
    tuning[name.str()] = opts.str();
    text = text.drop_front(close + 1).ltrim();
    if (!text.consume_front(",") && !text.empty())
      return error = "--gpu-tuning: expected ',' before '" + text.str() + "'", failure();
    text = text.ltrim();
  }
  return success();
}

void mlir::autoglm::buildGPUCodegenPipeline(OpPassManager &pm, const GPUPipelineOptions &options) {
  pm.addPass(createGPUPrepare());
  // Long reductions with few outputs: partial sums over shares, then a fold.
  pm.addPass(tuned(createGPUSplitReductions(), "split-reductions", options));
  // The same liveness plan as on the CPU: one device arena per context.
  addBufferizeAndPlanMemory(pm, /*gpu=*/true);
  pm.addPass(tuned(createGPULowerReductions(), "lower-reductions", options));
  pm.addPass(tuned(createGPUFuseSiblings(), "fuse-siblings", options));
  pm.addPass(createConvertLinalgToParallelLoopsPass());
  pm.addPass(createCanonicalizerPass());
  GPUMapLoopsOptions map;
  map.blockSize = options.blockSize;
  pm.addPass(tuned(createGPUMapLoops(map), "map-loops", options));
  pm.addPass(createConvertParallelLoopToGpuPass());
  pm.addPass(createCanonicalizerPass());
  // Constants become the kernels' own (as parameters they would hide trip
  // counts from the kernel compiler).
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createGPUMergeKernelModules());
  // Kernels: our polynomial math (no libdevice), then NVVM or ROCDL.
  pm.addPass(createMathApproximation());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createSCFToControlFlowPass());
  bool hip = options.api == "hip";
  if (hip) {
    ConvertGpuOpsToROCDLOpsOptions rocdl;
    rocdl.chipset = options.chip;
    rocdl.useBarePtrCallConv = true;
    rocdl.runtime = gpu::amd::Runtime::HIP;
    kernels.addPass(createConvertGpuOpsToROCDLOps(rocdl));
  } else {
    // cp.async copies (the mma-stages form) first: their memref operands
    // become descriptors that the GPU conversion then resolves.
    kernels.addPass(createConvertNVGPUToNVVMPass());
    ConvertGpuOpsToNVVMOpsOptions nvvm;
    nvvm.useBarePtrCallConv = true;
    kernels.addPass(createConvertGpuOpsToNVVMOps(nvvm));
    kernels.addPass(createGPUDefineMathFunctions());
  }
  kernels.addPass(createReconcileUnrealizedCastsPass());
  auto attachTo = [&](auto attach) {
    attach.triple = options.triple;
    attach.chip = options.chip;
    attach.features = options.features;
    attach.optLevel = options.optLevel;
    return attach;
  };
  if (hip) {
    GpuROCDLAttachTargetOptions attach = attachTo(GpuROCDLAttachTargetOptions());
    // Code object v5: what ROCm 5 runtimes (and Debian's device libraries,
    // which have no ABI 6 library) take.
    attach.abiVersion = "500";
    pm.addPass(createGpuROCDLAttachTarget(attach));
  } else {
    pm.addPass(createGpuNVVMAttachTarget(attachTo(GpuNVVMAttachTargetOptions())));
  }
  // PTX text for NVVM; an HSACO for ROCDL, linked with the device libraries
  // in the toolkit folder.
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = hip ? "bin" : "isa";
  binary.toolkitPath = options.toolkit;
  pm.addPass(createGpuModuleToBinaryPass(binary));
  pm.addPass(createCanonicalizerPass());
}

void mlir::autoglm::registerAutoGLMPipelines() {
  PassPipelineRegistration<>(
      "autoglm-graph-pipeline",
      "The graph optimizations of -O1 and above (fold, prune, recognize, fuse)",
      [](OpPassManager &pm) { buildGraphOptimizationPipeline(pm); });
  PassPipelineRegistration<>(
      "autoglm-to-linalg-pipeline",
      "Lower autoglm to linalg on tensors and check that nothing is left",
      [](OpPassManager &pm) { buildAutoGLMToLinalgPipeline(pm); });
  PassPipelineRegistration<>(
      "autoglm-cpu-pipeline",
      "The whole CPU path: autoglm -> linalg -> bufferized loops -> LLVM "
      "dialect with the artifact's entry point",
      [](OpPassManager &pm) {
        buildAutoGLMToLinalgPipeline(pm);
        buildCPUCodegenPipeline(pm);
      });
  PassPipelineRegistration<>(
      "autoglm-gpu-pipeline",
      "The whole NVIDIA GPU path (sm_90): autoglm -> linalg -> kernels mapped to "
      "blocks and threads -> NVVM -> PTX in a gpu.binary, launched from the "
      "model function",
      [](OpPassManager &pm) {
        LinalgPipelineOptions linalg;
        linalg.winograd = false;
        linalg.gatherPads = true;
        linalg.gpuCacheAttention = true;
        buildAutoGLMToLinalgPipeline(pm, linalg);
        buildGPUCodegenPipeline(pm);
      });
}

void mlir::autoglm::registerPipelineDialects(DialectRegistry &registry) {
  registry.insert<AutoGLMDialect, affine::AffineDialect, arith::ArithDialect,
                  bufferization::BufferizationDialect, cf::ControlFlowDialect, func::FuncDialect,
                  gpu::GPUDialect, linalg::LinalgDialect, NVVM::NVVMDialect, ROCDL::ROCDLDialect,
                  LLVM::LLVMDialect, math::MathDialect, memref::MemRefDialect, omp::OpenMPDialect,
                  scf::SCFDialect, tensor::TensorDialect, vector::VectorDialect>();
  // convert-gpu-to-nvvm lowers the kernels' ops through these interfaces.
  arith::registerConvertArithToLLVMInterface(registry);
  cf::registerConvertControlFlowToLLVMInterface(registry);
  registerConvertFuncToLLVMInterface(registry);
  registerConvertMathToLLVMInterface(registry);
  registerConvertMemRefToLLVMInterface(registry);
  registerConvertNVVMToLLVMInterface(registry);
  ub::registerConvertUBToLLVMInterface(registry);
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  // memref.alloc as an allocation: buffer-results-to-out-params then writes
  // a result straight into its out-parameter (hoist-static-allocs) instead
  // of copying it there at the end.
  memref::registerAllocationOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerTilingInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  vector::registerBufferizableOpInterfaceExternalModels(registry);
  vector::registerSubsetOpInterfaceExternalModels(registry);
  tensor::registerSubsetOpInterfaceExternalModels(registry);
  // Bounds of open extents (lowerFunctionBoundary).
  affine::registerValueBoundsOpInterfaceExternalModels(registry);
  arith::registerValueBoundsOpInterfaceExternalModels(registry);
  linalg::registerValueBoundsOpInterfaceExternalModels(registry);
  scf::registerValueBoundsOpInterfaceExternalModels(registry);
  tensor::registerValueBoundsOpInterfaceExternalModels(registry);
}
