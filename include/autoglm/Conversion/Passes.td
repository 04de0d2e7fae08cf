//===- Passes.td - every A-to-B lowering of Open-AutoGLM ---*- tablegen -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_CONVERSION_PASSES_TD
#define AUTOGLM_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// autoglm -> linalg
//===----------------------------------------------------------------------===//

def ConvertAutoGLMToLinalg : Pass<"convert-autoglm-to-linalg", "ModuleOp"> {
  let summary = "Lower every autoglm op to linalg / tensor / arith / math";
  let description = [{
    Elementwise ops become `linalg.generic` with broadcasting indexing maps,
    contractions and convolutions become generic contractions (groups exposed
    as a dimension), reductions and pooling become reductions over windows,
    data movement becomes tensor ops. Unsigned integer tensors become signless
    (the op choice keeps the signedness). Attention is first decomposed into
    core ops.

    Before:
      %0 = autoglm.unary relu %x : tensor<4xf32> -> tensor<4xf32>
    After:
      %e = tensor.empty() : tensor<4xf32>
      %0 = linalg.generic {...iterator_types = ["parallel"]}
             ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
      ^bb0(%in: f32, %out: f32):
        %m = arith.maximumf %in, %cst : f32
        linalg.yield %m : f32
      } -> tensor<4xf32>

    String tensors become tensors of index (element addresses) and string
    ops byte loops in scf + the LLVM dialect. A result of `main` whose
    extents depend on the data is returned as its static bound with its
    extents as an extra i64 result (module attribute
    `autoglm.hidden_results`). Other dynamic extents are not lowered yet:
    such ops get an error at their ONNX node.

    With `winograd`, a 3x3 stride-1 convolution of one image with a
    constant weight, 32k output channels and an output of at least 7x7
    becomes Winograd F(2x2, 3x3): an input transform, a batched GEMM
    against the transformed weight (computed and packed at compile time,
    16/9 the bytes of the 3x3 weight) and an output transform, the
    transforms marked `autoglm.winograd` for the CPU backend's kernels.

    With `sparse-density` > 0, a linear of static shape whose constant f32
    weight has at most that fraction of its 16-output x 1-input blocks
    nonzero becomes a block-sparse kernel (vector code over the nonzero
    blocks, compressed at compile time; lib/Conversion/AutoGLMToLinalg/
    Sparse.cpp).
  }];
  let options =
      [Option<"winograd", "winograd", "bool", /*default=*/"true",
              "3x3 stride-1 convolutions as Winograd F(2x2, 3x3) where it pays">,
       Option<"sparseDensity", "sparse-density", "double", /*default=*/"0.0",
              "Linears whose weight has at most this fraction of nonzero 16x1 blocks run "
              "block-sparse kernels (0: never)">,
       Option<"sparseParallel", "sparse-parallel", "bool", /*default=*/"false",
              "The block-sparse kernels' groups of 16 outputs run as an scf.forall (threads)">,
       Option<"sparseInt8Dot", "sparse-int8-dot", "std::string", /*default=*/"\"\"",
              "8-bit linears (uint8 x int8) with at most sparse-density of their 16x4 "
              "weight blocks nonzero run block-sparse kernels with this instruction: "
              "\"avx512-vnni\" (vpdpbusd); empty: the dense int8 form">,
       Option<"gatherPads", "gather-pads", "bool", /*default=*/"false",
              "Constant pads as one op that reads the source or the pad value per point "
              "(GPU: one kernel) instead of an interior copy and border fills">,
       Option<"gpuCacheAttention", "gpu-cache-attention", "bool", /*default=*/"false",
              "Attention over the runtime's KV cache as a thread per element (GPU, static "
              "shapes) instead of vector loops over (row, head) in an scf.forall">,
  ];
  let dependentDialects = ["::mlir::vector::VectorDialect", "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect", "::mlir::scf::SCFDialect",
                           "::mlir::func::FuncDialect", "::mlir::LLVM::LLVMDialect",
                           "::mlir::affine::AffineDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::bufferization::BufferizationDialect"];
}

def BatchLoops : Pass<"autoglm-batch-loops", "ModuleOp"> {
  let summary = "Loop over an open leading extent of ops that treat each batch element alone";
  let description = [{
    An op whose leading extent is open (a batch `N` kept open with
    --max-dim) and that computes each element of that dim from the same
    element of its operands (convolution, pooling, normalization over later
    dims, linear, reductions and transposes that keep dim 0, reshapes that
    keep it, ...) becomes an `scf.for` over that extent of the same op on
    one element, whose types are static; the usual lowering and CPU kernels
    then apply unchanged. Ops that lower open extents themselves
    (elementwise, matmul, softmax) are left alone.

    Before:
      %y = autoglm.pool max %x {...} : tensor<?x8x16x16xf32> -> tensor<?x8x8x8xf32>
    After:
      %n = tensor.dim %x, %c0
      %e = tensor.empty(%n) : tensor<?x8x8x8xf32>
      %y = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %e) -> tensor<?x8x8x8xf32> {
        %xi = tensor.extract_slice %x[%i, 0, 0, 0] [1, 8, 16, 16] [1, 1, 1, 1]
        %yi = autoglm.pool max %xi {...} : tensor<1x8x16x16xf32> -> tensor<1x8x8x8xf32>
        %r = tensor.insert_slice %yi into %acc[%i, 0, 0, 0] [1, 8, 8, 8] [1, 1, 1, 1]
        scf.yield %r
      }
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def VerifyNoAutoGLM : Pass<"autoglm-verify-lowered", "ModuleOp"> {
  let summary = "Contract check before codegen: no autoglm op is left";
  let description = [{
    Fails with an error at the first remaining autoglm op (naming its ONNX
    node). Runs between the autoglm-to-linalg conversion and bufferization.
  }];
}

def ExpandSparseKernels : Pass<"autoglm-expand-sparse-kernels", "ModuleOp"> {
  let summary = "Emit the block-sparse linear kernels, each with its elementwise epilogue";
  let description = [{
    convert-autoglm-to-linalg leaves a block-sparse linear as a call of a
    private declaration (`__autoglm_sparse_f32_N`, `__autoglm_sparse_int8_N`)
    taking the input and the compressed weight (ptr, idx, val, and the f32
    bias; Sparse.cpp). Run after autoglm-fuse-elementwise, this pass emits
    each as its vector loops; when the result's only consumer (through
    reshapes) is one elementwise linalg.generic over its elements whose other
    inputs are read along the output channels or not at all (an activation, a
    residual add; for int8 the dequantize / requantize epilogue: scales,
    zero-point sums, bias, activation), that body is computed on the
    accumulators in registers and written in the generic's element type, so
    the intermediate tensor is never made. The declarations go too.
  }];
  let dependentDialects = ["::mlir::vector::VectorDialect", "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def FuseElementwise : Pass<"autoglm-fuse-elementwise", "ModuleOp"> {
  let summary = "Fuse elementwise producers into consumers, without recomputation in contractions";
  let description = [{
    Upstream linalg elementwise fusion (producer with one use into its
    consumer, reshape propagation by expansion, constant folding), with one
    rule added: a producer is fused into a consumer that has reduction loops
    only if the consumer reads each of its elements once (the operand's
    indexing map is a permutation). Fusing a layer norm into the matmul that
    consumes it would recompute the normalization once per output column.

    Fused:     exp(x) into sum_k(exp(x)[m, k])            (softmax)
    Not fused: layer_norm(x)[m, k] into sum_k(ln[m, k] * W[k, n])
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
    "::mlir::affine::AffineDialect"
  ];
}

#endif // AUTOGLM_CONVERSION_PASSES_TD
