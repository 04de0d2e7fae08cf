//===- Passes.td - target-specific passes ------------------*- tablegen -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGET_PASSES_TD
#define AUTOGLM_TARGET_PASSES_TD

include "mlir/Pass/PassBase.td"

def MemrefCopyToLinalg : Pass<"autoglm-memref-copy-to-linalg", "ModuleOp"> {
  let summary = "Rewrite memref.copy as linalg.copy so it becomes plain loops";
  let description = [{
    finalize-memref-to-llvm turns a copy between non-contiguous memrefs into a
    call to MLIR's C runner library (`memrefCopy`), which a deployed artifact
    does not have. As loops the copy needs no runtime support.

    Before: memref.copy %a, %b : memref<4xf32, strided<[2]>> to memref<4xf32>
    After:  linalg.copy ins(%a : ...) outs(%b : ...)

    With `keep-contiguous`, a copy between two static, contiguous row-major
    memrefs stays: the LLVM lowering makes it one `llvm.memcpy` (as loops,
    LLVM vectorized a [1, 64, 55, 55] result's copy into gathers and
    scatters that took 40% of a MaxPool model's run).
  }];
  let options = [Option<"keepContiguous", "keep-contiguous", "bool", /*default=*/"false",
                        "Leave copies between contiguous static memrefs (they become memcpy)">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def CPUEntryPoint : Pass<"autoglm-cpu-entry-point", "ModuleOp"> {
  let summary = "Add the artifact's C entry point around the lowered model";
  let description = [{
    On a module already in the LLVM dialect, whose model function takes one
    bare pointer per input and per output (bare-pointer memref calling
    convention), adds

      void autoglm_entry(void **buffers)   // inputs first, then outputs

    which loads each pointer and calls the model function, and gives the model
    function internal linkage, so `autoglm_entry` is the library's one
    exported symbol.
  }];
  let options = [
    Option<"funcName", "func", "std::string", /*default=*/"\"main\"",
           "Name of the model function">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def CPUProfileMarks : Pass<"autoglm-cpu-profile-marks", "ModuleOp"> {
  let summary = "Time each op of the model function (autoglm-compile --profile)";
  let description = [{
    On the bufferized model function (memrefs, loops and kernels not yet
    lowered), each top-level op that does work (one with regions, a linalg
    op, a copy, a call) belongs to a profile region named by the ONNX nodes
    in its location; consecutive ops of the same nodes share one. A call

      func.call @__autoglm_profile_mark(%region) : (i32) -> ()

    goes before the first op of each region, and one with the region count
    before the return. The region names go into the module's
    `autoglm.profile` attribute (the manifest's `profile.regions`).
    autoglm-cpu-entry-point gives the mark its body: a call through the
    library's `autoglm_profile_hook` pointer when the runtime set it
    (docs/profiling.md). Between regions the code runs on one thread, so
    the runtime's timestamps split the run exactly.
  }];
  let options = [Option<"funcName", "func", "std::string", /*default=*/"\"main\"",
                        "Name of the model function">,
  ];
  let dependentDialects = ["::mlir::func::FuncDialect", "::mlir::arith::ArithDialect"];
}

def CPUExpandF64ToF16 : Pass<"autoglm-cpu-expand-f64-to-f16", "ModuleOp"> {
  let summary = "Cast f64 to f16 through f32 rounded to odd";
  let description = [{
    32-bit Arm has no instruction for an f64 -> f16 cast, and LLVM calls
    `__aeabi_d2h` for it, which neither Debian's armhf libgcc nor the Arm
    embedded one provides. Each `arith.truncf` f64 -> f16 becomes an f64 ->
    f32 cast rounded to odd (the nearest-even result, stepped toward zero
    when it rounded away, with the lowest bit set when inexact) and then
    f32 -> f16: with 13 more significand bits than f16, rounding to odd
    first makes the second rounding the correctly rounded result (NaN stays
    NaN, overflow becomes infinity, underflow zero or a subnormal).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::math::MathDialect"];
}

def CPUSoftF16 : Pass<"autoglm-cpu-soft-f16", "ModuleOp"> {
  let summary = "f16 <-> f32/f64 casts as integer arithmetic";
  let description = [{
    For CPUs without half-precision conversion instructions whose C library
    lacks the compiler's helpers (riscv64 without Zfhmin: LLVM calls
    `__extendhfsf2` / `__truncsfhf2`, which Debian 12's riscv64 libgcc does
    not have). `arith.extf` from f16 becomes the exact bit construction
    (normal, subnormal through an exact integer-to-float conversion, zero,
    infinity, NaN); `arith.truncf` f32 -> f16 rounds to nearest even on
    the bits (normal range), through the FPU's own rounding for results
    that are subnormal (adding 0.5 aligns them), and saturates to infinity
    from 65520 on; NaN stays a quiet NaN. f64 <-> f16 goes through f32
    (autoglm-cpu-expand-f64-to-f16 runs first: rounding to odd keeps the
    double rounding exact).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::math::MathDialect"];
}

def CPUIndexBits : Pass<"autoglm-cpu-index-bits", "ModuleOp"> {
  let summary = "Set the width of `index` for the LLVM lowering";
  let description = [{
    Records `bits` as the width of `index` in the module's data layout
    (`dlti.dl_spec`), which every conversion to the LLVM dialect reads:
    32 on microcontrollers, whose addresses are 32-bit and whose 64-bit
    arithmetic takes several instructions. 64 (the default) leaves the
    module unchanged.
  }];
  let options = [Option<"bits", "bits", "unsigned", /*default=*/"64", "Bits of index (32 or 64)">,
  ];
  let dependentDialects = ["::mlir::DLTIDialect"];
}

def MathApproximation : Pass<"autoglm-math-approximation", "ModuleOp"> {
  let summary = "Expand transcendental math ops into code that needs no libm";
  let description = [{
    exp, log, log1p, expm1, tanh, erf, sin, cos, atan, ... become MLIR's
    polynomial approximations (f32; f16/bf16 computed in f32), and composite
    ops (powf, tan, sinh, cosh, asinh, ...) are expanded into those, so an
    embedded target without a full libm runs the same code. What no pattern
    covers is left for math-to-libm.

    Before: %y = math.tanh %x : f32
    After:  a clamp, a rational polynomial and a select (no call).

    `native-rounding`: math.roundeven and math.ceil stay as they are (LLVM
    selects one instruction for them on x86 with SSE4.1 and on AArch64:
    `vrndscaleps`, `frintn`); expanded, each is a dozen integer operations,
    which made the quantize in front of every int8 layer compute-bound.
  }];
  let options = [Option<"nativeRounding", "native-rounding", "bool", /*default=*/"false",
                        "Keep roundeven and ceil for LLVM (the target rounds in one instruction)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

def CPULoopOrder : Pass<"autoglm-cpu-loop-order", "ModuleOp"> {
  let summary = "Order contraction loops so the innermost one is vectorizable";
  let description = [{
    A contraction (a linalg.generic with reduction loops and at least two
    inputs: matmul, linear, convolution) is reordered so that its reduction
    loops enclose the parallel loop that indexes the output's last (unit
    stride) dimension. The innermost loop then updates contiguous outputs
    independently, which LLVM vectorizes without reassociating the floating
    point sum; with the reduction innermost it could not.

    Before: loops (m, n, k), k innermost: a scalar dot product per output.
    After:  loops (m, k, n): out[m, n:n+16] += a[m, k] * b[k, n:n+16].
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def CPUParallelize : Pass<"autoglm-cpu-parallelize", "ModuleOp"> {
  let summary = "Split the outermost parallel loop of large linalg ops into scf.forall chunks";
  let description = [{
    Each linalg op on tensors with at least `min-work` loop iterations has its
    first parallel loop tiled into `chunks` pieces as an `scf.forall`; the CPU
    pipeline turns those into OpenMP work-sharing loops, so the model runs on
    as many threads as the runtime context asks for. Small ops stay serial:
    forking threads costs more than they do. A chunk gets at least
    `min-work` iterations and 8 rows where possible, and its width is
    rounded up to a multiple of 8 so the register-tiled kernels still apply
    inside it (gpt decode step 1.47 -> 1.02 ms at 1 thread).

    Before: linalg.generic over (m = 0..512, n, k)
    After:  scf.forall (%i) in (64) { linalg.generic over (m = 8*i..8*i+8, n, k) }
  }];
  let options = [
    Option<"minWork", "min-work", "int64_t", /*default=*/"32768",
           "Smallest iteration count worth running in parallel">,
    Option<"chunks", "chunks", "int64_t", /*default=*/"64",
           "Pieces the parallel loop is cut into (load balance across threads)">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::affine::AffineDialect"];
}

def InlineAllocaScopes : Pass<"autoglm-inline-alloca-scopes", "ModuleOp"> {
  let summary = "Inline memref.alloca_scope bodies into their parent block";
  let description = [{
    convert-scf-to-openmp wraps each parallel loop body in a
    memref.alloca_scope, whose region must stay a single block; lowering the
    loops inside to control flow breaks that. The CPU pipeline allocates
    temporaries on the heap, never with alloca in loops, so the scopes guard
    nothing and are inlined.

    Before: memref.alloca_scope { ... }
    After:  ...
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def CPUGeneralizeContractions : Pass<"autoglm-cpu-generalize-contractions", "ModuleOp"> {
  let summary = "Named linalg contractions (matmul, batch_matmul) as linalg.generic";
  let description = [{
    The conversion emits the named ops where they exist; the CPU kernels,
    loop ordering and fusion match contractions as linalg.generic, so the
    CPU pipeline starts by generalizing them (upstream's
    linalg-generalize-named-ops would also turn fill, copy and transpose
    into generics, which the CPU passes recognize by name).

    Before: linalg.matmul ins(%a, %b) outs(%c)
    After:  linalg.generic {(m, k), (k, n) -> (m, n)} { out + a * b }
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def CPUWinogradTransforms : Pass<"autoglm-cpu-winograd-transforms", "ModuleOp"> {
  let summary = "Vector kernels for the Winograd F(2x2, 3x3) input and output transforms";
  let description = [{
    The conversion lowers a 3x3 stride-1 convolution (when it pays) as
    Winograd F(2x2, 3x3): an input transform and an output transform, each a
    linalg.generic contraction with the constant matrices Bt / At as operands
    and the attribute `autoglm.winograd` = "input" / "output", around a
    batched GEMM. As loops the transforms would multiply by the matrices'
    zeros and ones; this pass emits them as adds and subtracts on 16-lane
    vectors. Input: per (channel, tile row), 16 tiles along the row at a
    time; each patch row is read as vectors and split into its even and odd
    columns by shuffles; the 16 transformed values are written along the
    tiles. Output: per (16 output channels, tile row, tile), the 16 values
    of M read along the channels (M's contiguous dim), the four outputs
    written across the channels. Ops that carry the attribute but not the
    shapes and constants the conversion builds are left alone.

    Before: linalg.generic {autoglm.winograd = "input"} ins(%bt, %bt, %xp)
    After:  scf.forall (c, th) { scf.for tw0 step 16 { 16 reads, shuffles,
              32 adds, 16 writes } }
  }];
  let options = [
    Option<"parallel", "parallel", "bool", /*default=*/"true",
           "Loops over channels and tile rows as one scf.forall (threads)">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect", "::mlir::arith::ArithDialect"];
}

def CPUVectorizeContractions : Pass<"autoglm-cpu-vectorize-contractions", "ModuleOp"> {
  let summary = "Register-tiled vector kernels for matmuls and convolutions";
  let description = [{
    An f32 multiply-accumulate linalg.generic whose inputs split into a vector
    side W (last dim V is an output dim; W does not read the row dim R) and a
    broadcast side X (reads R through any affine index, not V) is tiled to
    `rows` x `vector-width` output values and each tile becomes a loop over
    every reduction point doing one contiguous vector read of W, `rows`
    scalar reads of X and one vector.outerproduct into the accumulator, which
    stays in registers across the whole reduction. A convolution (weights
    blocked [G, Mg/B, Cg, K..., B]) matches with V = output channel and R =
    output width for any stride, dilation or padding; a matmul or linear with
    a blocked weight [N/B, K, B] with V = n and R = m; a plain matmul
    A[m, k] * B[k, n] likewise.

    When no operand fits the outer product (a depthwise conv reads its input
    through the channel too), the rows form takes ops whose output's last
    dim V is read by one input as its last index V * s + (reductions) and not
    at all by the other: per reduction point one broadcast scalar, and per
    row (the output's dim before V) one vector read (strided rows: the span
    read whole, every s-th lane kept). A V extent no tile width divides is
    split into whole tiles and a narrower remainder. When the rows input is a
    zero padding (an empty tensor with the source copied into its interior
    and zeros around it), the kernel reads the source: rows outside it are
    masked off, lanes past a row's end read as zeros, and the row's first
    tile shifts zeros in where it starts before the row; the padded copy is
    then dead.

    The 8-bit dot4 form (uint8 x int8 into int32, see Int8.cpp in the
    conversion) gets kernels with `int8-dot=avx512-vnni`: 16 int32 lanes by
    up to 16 rows, per reduction point one 64-byte weight read and per row
    4 input bytes broadcast into a vpdpbusd. Its one elementwise consumer
    (int32 to f32, scale, bias, activation, requantize) is computed on the
    accumulator in registers even though it changes the element type.

    Runs before autoglm-cpu-parallelize: the tiles of a large op are the
    iterations of one scf.forall, so the threads share them.

    Before: linalg.generic (n, g, m, oh, ow, c, kh, kw)
              { out + x[n, g, c, oh*2+kh, ow*2+kw] * w[c, kh, kw, g, m] }
    After:  scf.forall (m, oh, ow) step (32, 1, 8) { %acc = read C tile
              scf.for c, kh, kw { %w = vector.transfer_read (32 channels)
                %x = vector.from_elements (8 scalars of x)
                %acc = vector.outerproduct %x, %w, %acc } write C tile } }
  }];
  let options = [Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"32",
                        "Widest vector tile along V (halved, then quartered, until it divides V)">,
                 Option<"accumulators", "accumulators", "int64_t", /*default=*/"16",
                        "Accumulator registers of 16 f32 lanes the row count may fill">,
                 Option<"parallel", "parallel", "bool", /*default=*/"true",
                        "Tile loops as one scf.forall (threads) for ops with at least "
                        "min-parallel-work iterations">,
                 Option<"minParallelWork", "min-parallel-work", "int64_t", /*default=*/"32768",
                        "Fewer iterations than this run on one thread">,
                 Option<"fuse", "fuse", "bool", /*default=*/"true",
                        "Compute the accumulator's producer (fill, or elementwise such as "
                        "bias + residual) and the one elementwise consumer (activation) "
                        "in registers inside the kernel">,
                 Option<"openRows", "open-rows", "bool", /*default=*/"true",
                        "Ops whose only open extent is the row dim (an open batch or "
                        "sequence length) get the kernels too: row tiles up to the last "
                        "whole one, then single rows">,
                 Option<"int8Dot", "int8-dot", "std::string", /*default=*/"\"\"",
                        "The 8-bit dot4 form (uint8 x int8 into int32, reduction in groups "
                        "of 4) gets register kernels with this instruction: "
                        "\"avx512-vnni\" (vpdpbusd, 16 int32 lanes); empty: loops">,
                 Option<"virtualPads", "virtual-pads", "bool", /*default=*/"true",
                        "Rows kernels whose input is a zero padding read its source instead "
                        "(border rows masked off, lanes past the row end read as zeros), so "
                        "the padded copy is never made">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect", "::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
                           "::mlir::func::FuncDialect"];
}

def CPUPlanMemory : Pass<"autoglm-cpu-plan-memory", "ModuleOp"> {
  let summary = "Place the model's temporaries in one arena by liveness";
  let description = [{
    Runs on bufferized IR, before deallocation is inserted. Every static
    memref.alloc in the top-level block of the model function gets a live
    range (its alloc to the last top-level op using it or anything that may
    alias it: views, casts, loop results); temporaries whose ranges overlap
    get disjoint, 64-byte aligned byte ranges of one arena (largest first,
    lowest offset that fits). Each alloc becomes a memref.view of a new
    trailing argument of the function, the arena, which the runtime
    allocates once per context: no allocation, no page faults per call.
    The module records `autoglm.arena_bytes` and `autoglm.naive_temp_bytes`
    (the sum without sharing) for the manifest. Allocations that escape
    (returned) or sit inside loops are left alone.

    Before: %a = memref.alloc() : memref<64xf32>   ... last use of %a
            %b = memref.alloc() : memref<64xf32>   ...
    After:  func.func @main(..., %arena: memref<256xi8>)
            %a = memref.view %arena[%c0][] : memref<256xi8> to memref<64xf32>
            %b = memref.view %arena[%c0][] : ...   (reuses %a's bytes)
  }];
  let options = [
    Option<"funcName", "func", "std::string", /*default=*/"\"main\"",
           "Name of the model function">,
  ];
  let dependentDialects = ["::mlir::memref::MemRefDialect", "::mlir::arith::ArithDialect"];
}

def CPUExternalWeights : Pass<"autoglm-cpu-external-weights", "ModuleOp"> {
  let summary = "Move the model's large constants out of the library into weights.bin";
  let description = [{
    Runs on bufferized IR after autoglm-cpu-plan-memory. Every constant
    memref.global of at least `min-bytes` bytes (static, identity layout,
    whole-byte elements, not a splat) that only the model function reads
    gets a 64-byte aligned byte range of one weights buffer, in the order
    the module declares them (globals holding equal bytes share one range:
    an unrolled recurrence packs its weight once per step); each
    memref.get_global becomes a memref.view of
    a new trailing argument of the function (after the arena), and the
    global goes. The module records `autoglm.external_weights` (per moved
    global: name, offset, value) and `autoglm.external_weights_bytes`; the
    compile session writes the values into weights.bin, which the runtime
    maps read-only at load. A library over 2 GB of constant data cannot be
    linked with the small code model, and a weights file is mapped, not
    copied: large models need it.

    Before: memref.global "private" constant @w : memref<1024x1024xf32> = dense_resource<w>
            %0 = memref.get_global @w : memref<1024x1024xf32>
    After:  func.func @main(..., %arena: memref<..xi8>, %weights: memref<4194304xi8>)
            %0 = memref.view %weights[%c0][] : memref<4194304xi8> to memref<1024x1024xf32>
  }];
  let options = [Option<"funcName", "func", "std::string", /*default=*/"\"main\"",
                        "Name of the model function">,
                 Option<"minBytes", "min-bytes", "int64_t", /*default=*/"4096",
                        "Smallest constant moved to the weights file">,
  ];
  let dependentDialects = ["::mlir::memref::MemRefDialect", "::mlir::arith::ArithDialect"];
}

def ResultsInPlace : Pass<"autoglm-results-in-place", "ModuleOp"> {
  let summary = "Let buffer-results-to-out-params write results in place";
  let description = [{
    Runs on bufferized IR right before buffer-results-to-out-params
    (hoist-static-allocs), which makes a returned memref.alloc the
    out-parameter itself, so the result is computed into the caller's buffer
    instead of copied there at the end (a kernel and a pass over the result
    on a GPU). Two cases it does not take, prepared here:

    - A result that is a reshape (memref.expand_shape / collapse_shape) of a
      static, identity-layout alloc (a linear layer's 2-D output viewed as
      the model's 3-D one): a new alloc of the result's type is returned and
      the old alloc becomes the inverse reshape of it.
    - A value returned twice (two graph outputs naming one tensor): the
      hoisting would erase the alloc and then read it again. Each later
      occurrence becomes a copy into an alloc of its own.

    Before: %a = memref.alloc() : memref<1x8xf32>
            %e = memref.expand_shape %a [[0], [1, 2]] output_shape [1, 1, 8]
            return %e, %e
    After:  %b = memref.alloc() : memref<1x1x8xf32>
            %a = memref.collapse_shape %b [[0], [1, 2]]
            %e = memref.expand_shape %a ...
            %c = memref.alloc() : memref<1x1x8xf32>
            memref.copy %b, %c
            return %b, %c
  }];
  let options = [Option<"funcName", "func", "std::string", /*default=*/"\"main\"",
                        "Name of the model function">,
  ];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def GPUForwardCopies : Pass<"autoglm-gpu-forward-copies", "ModuleOp"> {
  let summary = "Let the op that fills a temporary write the copy's target instead";
  let description = [{
    Runs on bufferized IR before the memory plan. A `memref.copy %t, %d`
    whose source is an alloc that exactly one linalg op writes (as its only
    output, without reading it) and the copy reads: the op writes `%d`
    directly and the copy and the temporary go. So a Concat's new part
    (the decode step's transposed key appended to the cache) is written in
    place by the transpose instead of copied there by a second kernel.
    Taken only when nothing between the op and the copy touches the memory
    of `%d`'s buffer and the op reads nothing of it; view ops that define
    `%d` after the op move before it.

    Before: %t = memref.alloc() : memref<1x4x1x64xf32>
            linalg.transpose ins(%k : ...) outs(%t : ...) permutation = [0, 2, 1, 3]
            %d = memref.subview %cache[0, 0, 127, 0] [1, 4, 1, 64] [1, 1, 1, 1]
            memref.copy %t, %d
    After:  %d = memref.subview %cache[0, 0, 127, 0] [1, 4, 1, 64] [1, 1, 1, 1]
            linalg.transpose ins(%k : ...) outs(%d : ...) permutation = [0, 2, 1, 3]
  }];
  let options = [Option<"funcName", "func", "std::string", /*default=*/"\"main\"",
                        "Name of the model function">,
  ];
  let dependentDialects = ["::mlir::memref::MemRefDialect", "::mlir::linalg::LinalgDialect"];
}

def CPUVectorizeReductions : Pass<"autoglm-cpu-vectorize-reductions", "ModuleOp"> {
  let summary = "Vector accumulators for reductions over the innermost dim";
  let description = [{
    An f32 linalg.generic with one reduction dim that is the last dim of
    every input reading it, and a body `out <addf|maximumf|minimumf> f(ins)`
    with f elementwise (softmax's max and sum of exp, layer norm's mean and
    variance, ReduceSum / ReduceMax over the last axis), is tiled to single
    output points; each becomes a loop over the reduced dim in steps of
    `width` lanes that applies f to vectors and combines lane-wise into a
    vector accumulator, then one vector.reduction and the combine with the
    initial value. Large ops' points are the iterations of one scf.forall.
    Sums are reassociated (`width` partial sums). A reduced extent no
    multiple of `width` (at least `width`) is split: the remainder continues
    as a scalar op.

    Before: linalg.generic (i, k) { out + exp(x[i, k] - m[i]) }
    After:  scf.forall (i) { %acc = scf.for k step 16 (vector<16xf32>)
              { exp(read x[i, k:k+16] - m[i]) + acc }
              vector.reduction <add>, %acc, out[i] }

    Trailing reduced dims every operand reads in order (a global pool's
    H x W) are collapsed into one first. Pooling windows (MaxPool, the sum
    of an AveragePool: x[n, c, oh * sh + kh * dh, ow * sw + kw], stride 1
    or 2 along the row) get one vector accumulator per `width` outputs of a
    row instead, and one vector read (stride 2: two reads and an even-lane
    shuffle) per window position (VectorizePools.cpp).
  }];
  let options = [
    Option<"width", "width", "int64_t", /*default=*/"16", "Lanes of the accumulator">,
    Option<"parallel", "parallel", "bool", /*default=*/"true",
           "Output points as one scf.forall for ops with at least "
           "min-parallel-work iterations">,
    Option<"minParallelWork", "min-parallel-work", "int64_t", /*default=*/"32768",
           "Fewer iterations than this run on one thread">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect", "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def CPUVectorizeElementwise : Pass<"autoglm-cpu-vectorize-elementwise", "ModuleOp"> {
  let summary = "Elementwise ops as vector tiles along their innermost dim";
  let description = [{
    An elementwise linalg.generic on f32 or 8- to 32-bit integers (identity
    output map, projected permutation inputs, arith/math body) is tiled to
    `width` lanes of its innermost dim and each tile vectorized with
    linalg::vectorize. An innermost dim shorter than `width` whose dims
    every operand reads in order is first collapsed with the others into
    one (the quantize in front of an int8 contraction's [.., K/4, 4] view). LLVM's
    loop vectorizer leaves some of these loops scalar (the polynomial
    expansions of exp / erf / tanh, odd extents). An innermost extent no
    multiple of `width` is split; the remainder stays a scalar op. Large
    ops' tiles are one scf.forall.

    Before: linalg.generic (i, j) { exp(x[i, j] - m[i]) } on 4 x 65
    After:  scf.forall (i, j) step (1, 16) on 4 x 64: vector.transfer_read,
            math.exp on vector<1x16xf32>, vector.transfer_write; and a
            generic on 4 x 1
  }];
  let options = [
    Option<"width", "width", "int64_t", /*default=*/"16", "Lanes per tile">,
    Option<"parallel", "parallel", "bool", /*default=*/"true",
           "Tiles of large ops as one scf.forall">,
    Option<"minParallelWork", "min-parallel-work", "int64_t", /*default=*/"32768",
           "Fewer elements than this run on one thread">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect", "::mlir::arith::ArithDialect"];
}

def GPUPrepare : Pass<"autoglm-gpu-prepare", "ModuleOp"> {
  let summary = "Check that the model fits the GPU path and record its signature";
  let description = [{
    Runs on linalg on tensors, before bufferization. The GPU launch plan
    needs static shapes and the runtime's plain tensors: an open extent, a
    string tensor or a run-time check is an error naming the tensor. Records
    `autoglm.gpu.signature = [inputs, outputs]` on the model function, so
    the plan can tell inputs from outputs after bufferization made the
    results trailing arguments. A linalg.fill that CSE made the start of
    several ops' outputs (every layer norm's sums) is cloned right before
    each of them: written in place by one op each, they bufferize without a
    copy and fuse into the reductions' kernels. An elementwise op that only
    maps a reduction's result (a mean's division by the count) writes into
    that result, so that it becomes the reduction kernel's epilogue.
  }];
  let options = [Option<"funcName", "func-name", "std::string", /*default=*/"\"main\"",
                        "The model function">,
  ];
}

def GPUSplitReductions : Pass<"autoglm-gpu-split-reductions", "ModuleOp"> {
  let summary = "Split long reductions with few outputs into partial sums and a combine";
  let description = [{
    Runs on linalg on tensors, before bufferization. A reduction with few
    outputs and a long reduction (a 3x3 convolution on a 7x7 map with 512
    input channels: 25K outputs, 4608 steps each) leaves most of the GPU
    idle: one thread per output (or per register tile of outputs) walks
    the whole reduction. Such a linalg.generic whose payload is
    `acc = combine(acc, f(inputs))` with an associative combine (+, max,
    min) becomes two: the first computes `S` partial results, each over a
    1/S share of its longest evenly divisible reduction dim, into a new
    tensor with `S` as its outermost dim, started from the combine's
    identity; the second folds the `S` partials into the original output,
    which keeps its initialization (a bias) and any epilogue the reduction
    lowering fuses. `S` is the smallest divisor of that dim's extent that
    brings the outputs to `target-outputs`, as long as each share keeps
    `min-steps` steps. Ops with fewer than `min-outputs` outputs are left
    to the warp-per-output form unless their reduction is at least
    `warp-split-length` steps long: one warp walking it would leave the GPU
    idle on its loads, so those take the smallest divisor bringing the
    outputs to `warp-split-warps`, each share keeping `warp-split-steps`
    steps (a run-time check of 4096 token ids becomes 16 warps of 256
    steps and a 16-step combine). Ops with a reduction shorter than
    `min-length` stay as they are. The combine order changes (floating-point
    sums round differently); it is the same on every run.
  }];
  let options = [Option<"targetOutputs", "target-outputs", "int64_t", /*default=*/"1048576",
                        "Outputs (times shares) to reach (0: no split)">,
                 Option<"minOutputs", "min-outputs", "int64_t", /*default=*/"8192",
                        "Leave ops with fewer outputs alone (0: split any)">,
                 Option<"minLength", "min-length", "int64_t", /*default=*/"512",
                        "Leave reductions with fewer steps alone">,
                 Option<"minSteps", "min-steps", "int64_t", /*default=*/"32",
                        "Steps each share keeps at least">,
                 Option<"warpSplitLength", "warp-split-length", "int64_t", /*default=*/"2048",
                        "Ops with fewer than min-outputs outputs are split when their "
                        "reduction has at least this many steps (0: never)">,
                 Option<"warpSplitWarps", "warp-split-warps", "int64_t", /*default=*/"1024",
                        "Outputs (times shares) such a split aims at">,
                 Option<"warpSplitSteps", "warp-split-steps", "int64_t", /*default=*/"256",
                        "Steps each share of such a split keeps at least">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def GPULowerReductions : Pass<"autoglm-gpu-lower-reductions", "ModuleOp"> {
  let summary = "Reductions as thread loops with register accumulators and register tiles";
  let description = [{
    Runs on the bufferized model, before convert-linalg-to-parallel-loops.
    Each linalg.generic with reduction dims and one output (static extents)
    becomes an scf.parallel over its parallel dims whose thread keeps its
    accumulators in registers through scf.for iter_args (the upstream loop
    lowering loads and stores the output element at every reduction step),
    with `a + b * c` as one fused multiply-add. A thread computes `tile`
    outputs along one parallel dim (not the innermost, which stays across
    the threads of a warp for coalesced loads) that an input read by
    neighbouring threads does not depend on: that load is then made once
    and used `tile` times. The tile shrinks (8, 4, 2, 1) until the loop
    keeps at least `min-threads` threads. With `fuse`, the op right before
    that only initializes the output (a fill, a bias broadcast) becomes the
    accumulators' start, and an elementwise op right after that rewrites
    the output in place (ReLU, a residual add) is applied before the one
    store: one kernel where there were three. An op with fewer than
    `warp-below` outputs (too few threads to fill the GPU) whose payload
    folds with an associative combine (+, max, min) runs a warp per output
    instead: each lane folds every 32nd step of the longest reduction dim
    from the combine's identity (lane 0 from the output's start value), a
    gpu.shuffle butterfly merges the lanes and lane 0 stores.

    With `rows`, first: a run of consecutive ops (fills, elementwise
    generics, reductions with such a combine) that all iterate the same
    outermost extents (the rows: a reduction's output dims) and would take
    at least two kernels becomes one scf.parallel over (rows, 32 lanes): a
    warp per row walks each op's remaining elements in turn, reductions fold
    per lane and merge by shuffles, and a gpu.barrier separates the ops. Every
    buffer the run writes must be reached only through its own row (the
    row dims map to themselves) and must not overlap any other buffer the run
    touches; the loop carries `autoglm.gpu.block` (threads per block, a
    multiple of 32 dividing the total) for autoglm-gpu-map-loops.
  }];
  let options = [Option<"tile", "tile", "int64_t", /*default=*/"8",
                        "Most outputs per thread (1: none)">,
                 Option<"tile2", "tile2", "int64_t", /*default=*/"1",
                        "Most outputs per thread along a second parallel dim (a 2-D "
                        "register tile: an input the first tile reloads per output is "
                        "shared along it; the innermost dim is tiled cyclically; 1: none)">,
                 Option<"minThreads", "min-threads", "int64_t", /*default=*/"32768",
                        "Threads a tiled loop keeps at least">,
                 Option<"warpBelow", "warp-below", "int64_t", /*default=*/"8192",
                        "Reductions with fewer outputs than this (and a combine such as "
                        "+ or max) run a warp per output, its lanes sharing the longest "
                        "reduction dim of at least 32 (0: never)">,
                 Option<"fuse", "fuse", "bool", /*default=*/"true",
                        "Fuse the output's initialization and an in-place elementwise epilogue">,
                 Option<"mma", "mma", "std::string", /*default=*/"\"none\"",
                        "Tensor cores (NVIDIA) for f32 multiply-add contractions (matmul, "
                        "convolution): none; tf32 (mma.sync m16n8k8, the inputs' top 19 "
                        "bits); bf16 or fp16 (m16n8k16, the inputs rounded in registers). "
                        "Accumulation stays f32">,
                 Option<"mmaTileM", "mma-tile-m", "int64_t", /*default=*/"2",
                        "16-row mma tiles a warp computes (its A fragments reused across "
                        "the N tiles)">,
                 Option<"mmaTileN", "mma-tile-n", "int64_t", /*default=*/"4",
                        "8-column mma tiles a warp computes">,
                 Option<"mmaUnroll", "mma-unroll", "int64_t", /*default=*/"1",
                        "K steps of the mma loop unrolled (their loads issued together)">,
                 Option<"mmaShared", "mma-shared", "std::string", /*default=*/"\"auto\"",
                        "bf16 / fp16 mma with blocks of 4 warps that stage K slices of "
                        "both operands in shared memory (one 32-bit load per fragment "
                        "register) instead of loading fragments from global memory: on, "
                        "off, or auto (matmuls whose operands are read through plain "
                        "dims; convolutions' windows stay on the global form)">,
                 Option<"mmaSlice", "mma-slice", "int64_t", /*default=*/"32",
                        "K elements of each shared-memory slice of the mma-shared form "
                        "(16, 32 or 64)">,
                 Option<"mmaPipeline", "mma-pipeline", "bool", /*default=*/"true",
                        "mma-shared form: the next slice's global loads are issued before "
                        "this slice's mma (held in registers), two shared buffers take "
                        "turns (one barrier per slice), and an operand whose rows are "
                        "contiguous in memory is loaded along them (coalesced)">,
                 Option<"mmaStages", "mma-stages", "int64_t", /*default=*/"2",
                        "mma-shared form: 2 or more: the K slices are copied into "
                        "shared memory by cp.async, this many in flight, kept f32 there "
                        "and rounded as the fragments are read (with mma-shared=auto "
                        "convolutions take the shared form too); 0 or 1: the "
                        "mma-pipeline form">,
                 Option<"rows", "rows", "bool", /*default=*/"true",
                        "Row kernels: a run of consecutive ops over the same outermost "
                        "dims (rows) with row reductions among them (softmax, layer norm) "
                        "becomes one kernel, a warp per row, barriers between the ops">,
                 Option<"rowMaxColumns", "row-max-columns", "int64_t", /*default=*/"8192",
                        "Most elements per row an op of a row kernel may walk">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect",
                           "::mlir::affine::AffineDialect", "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect", "::mlir::gpu::GPUDialect",
                           "::mlir::NVVM::NVVMDialect", "::mlir::LLVM::LLVMDialect",
                           "::mlir::nvgpu::NVGPUDialect"];
}

def GPUFuseSiblings : Pass<"autoglm-gpu-fuse-siblings", "ModuleOp"> {
  let summary = "Independent elementwise ops over one iteration space become one kernel";
  let description = [{
    Runs after autoglm-gpu-lower-reductions, on the linalg ops left (each a
    kernel launch): an elementwise op (every loop parallel, static extents)
    and a later one over the same extents within `window` memory ops become
    one multi-output linalg.generic in the first one's place, when neither
    writes a byte the other touches and the later one touches nothing that
    an op in between writes (nor writes what it reads). The GPT decode
    step's key and value transposes and its two cache copies per layer.

    Before: linalg.transpose ins(%k : ...) outs(%kc : ...) permutation = [0, 2, 1, 3]
            linalg.transpose ins(%v : ...) outs(%vc : ...) permutation = [0, 2, 1, 3]
    After:  linalg.generic {...} ins(%k, %v : ...) outs(%kc, %vc : ...) {
              ^bb0(%a: f32, %b: f32, %c: f32, %d: f32):
                linalg.yield %a, %b : f32, f32 }
  }];
  let options = [Option<"window", "window", "int64_t", /*default=*/"16",
                        "Memory ops looked past for a sibling">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def GPUMapLoops : Pass<"autoglm-gpu-map-loops", "ModuleOp"> {
  let summary = "Map the model function's parallel loops to GPU blocks and threads";
  let description = [{
    Runs on the bufferized model after linalg became scf.parallel loops
    (reductions are scf.for inside them). Every top-level scf.parallel is
    collapsed to one dim and tiled by `block-size`: the tiles are blocks
    (x), the points of a tile threads (x), guarded for the remainder;
    parallel loops nested deeper become scf.for loops in their thread. Any other
    top-level op that touches memory (a rank-0 computation, a loop with no
    parallel dim) is wrapped in a one-thread loop, so that after
    convert-parallel-loops-to-gpu the model function only launches kernels
    and forms views.
  }];
  let options = [Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
                        "Threads per block (a multiple of 32, at most 1024)">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect",
                           "::mlir::affine::AffineDialect", "::mlir::gpu::GPUDialect"];
}

def GPUDefineMathFunctions : Pass<"autoglm-gpu-define-math-functions", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Define the libdevice functions the kernels call with PTX's own instructions";
  let description = [{
    convert-gpu-to-nvvm turns math.floor, math.sqrt, ... into calls of
    libdevice's __nv_floorf, __nv_sqrtf, ...; we ship no libdevice. Each
    such declaration whose operation PTX has an instruction for (floor,
    ceil, trunc, rint, round, fabs, sqrt, fma, copysign, fmin, fmax) gets an
    internal body made of the LLVM intrinsic, which the NVPTX backend
    selects to that instruction and inlines. Transcendentals do not get here:
    autoglm-math-approximation expands them first. Anything else stays
    external, and the artifact writer refuses the PTX, naming it.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def GPUMergeKernelModules : Pass<"autoglm-gpu-merge-kernel-modules", "ModuleOp"> {
  let summary = "Gather every outlined kernel into one gpu.module";
  let description = [{
    gpu-kernel-outlining makes one gpu.module per kernel; the artifact
    carries one code object, so every kernel moves into
    `@autoglm_kernels`, named after its old module (unique), and every
    gpu.launch_func is updated.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

#endif // AUTOGLM_TARGET_PASSES_TD
