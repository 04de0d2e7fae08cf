//===- AutoGLMOps.td - operations of the autoglm dialect ---*- tablegen -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_OPS_TD
#define AUTOGLM_OPS_TD

include "autoglm/Dialect/AutoGLM/IR/AutoGLMBase.td"
include "autoglm/Dialect/AutoGLM/IR/AutoGLMEnums.td"
include "autoglm/Dialect/AutoGLM/IR/AutoGLMTypes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

// Ops whose result type follows from operand types and attributes. The
// inference doubles as the shape verifier; a declared result may be more
// static than the inferred one (ONNX shape inference often knows more).
class AutoGLM_InferOp<string mnemonic, list<Trait> traits = []>
    : AutoGLM_Op<mnemonic, !listconcat(traits, [Pure,
        InferTypeOpAdaptorWithIsCompatible])>;

def AutoGLM_Tensor : RankedTensorOf<[AnyType]>;
def AutoGLM_FloatTensor : RankedTensorOf<[AnyFloat]>;

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def AutoGLM_ConstantOp : AutoGLM_Op<"constant",
    [ConstantLike, Pure, AllTypesMatch<["value", "result"]>]> {
  let summary = "tensor constant (weights travel as dense_resource blobs)";
  let arguments = (ins ElementsAttr:$value);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

def AutoGLM_UnaryOp : AutoGLM_InferOp<"unary"> {
  let summary = "elementwise unary function selected by `kind`";
  let description = [{
    Parametric kinds read `alpha` / `beta` (see AutoGLMEnums.td); the verifier
    requires them exactly where the kind needs them.
  }];
  let arguments = (ins AutoGLM_UnaryKindAttr:$kind, AutoGLM_Tensor:$input,
                       OptionalAttr<F64Attr>:$alpha, OptionalAttr<F64Attr>:$beta);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "$kind $input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def AutoGLM_BinaryOp : AutoGLM_InferOp<"binary"> {
  let summary = "elementwise binary function with numpy broadcasting";
  let arguments = (ins AutoGLM_BinaryKindAttr:$kind, AutoGLM_Tensor:$lhs,
                       AutoGLM_Tensor:$rhs);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "$kind $lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def AutoGLM_CompareOp : AutoGLM_InferOp<"compare"> {
  let summary = "elementwise comparison with broadcasting, i1 result";
  let arguments = (ins AutoGLM_CompareKindAttr:$kind, AutoGLM_Tensor:$lhs,
                       AutoGLM_Tensor:$rhs);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "$kind $lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def AutoGLM_SelectOp : AutoGLM_InferOp<"select"> {
  let summary = "elementwise cond ? lhs : rhs with broadcasting (ONNX Where)";
  let arguments = (ins AutoGLM_Tensor:$condition, AutoGLM_Tensor:$lhs,
                       AutoGLM_Tensor:$rhs);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def AutoGLM_CastOp : AutoGLM_Op<"cast", [Pure]> {
  let summary = "element type conversion (same shape)";
  let arguments = (ins AutoGLM_Tensor:$input);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Contractions and convolution
//===----------------------------------------------------------------------===//

def AutoGLM_MatMulOp : AutoGLM_InferOp<"matmul"> {
  let summary = "numpy matmul: batched, broadcasting batch dims, 1-D promotion";
  let description = [{
    `activation` (with its `act_alpha` / `act_beta`, as for autoglm.unary) is
    an epilogue applied to each result element: autoglm-fuse-epilogue folds a
    following activation into the contraction.
  }];
  let arguments = (ins AutoGLM_Tensor:$lhs, AutoGLM_Tensor:$rhs,
                       OptionalAttr<AutoGLM_UnaryKindAttr>:$activation,
                       OptionalAttr<F64Attr>:$act_alpha,
                       OptionalAttr<F64Attr>:$act_beta);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let builders = [
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$lhs, "::mlir::Value":$rhs), [{
      build($_builder, $_state, result, lhs, rhs, nullptr, nullptr, nullptr);
    }]>,
    OpBuilder<(ins "::mlir::Value":$lhs, "::mlir::Value":$rhs), [{
      build($_builder, $_state, lhs, rhs, nullptr, nullptr, nullptr);
    }]>,
  ];
  let hasVerifier = 1;
}

def AutoGLM_LinearOp : AutoGLM_InferOp<"linear"> {
  let summary = "y = x · Wᵀ + b with W laid out [out, in] (torch Linear)";
  let description = [{ `activation`: an epilogue, as for autoglm.matmul. }];
  let arguments = (ins AutoGLM_Tensor:$input, AutoGLM_Tensor:$weight,
                       Optional<AutoGLM_Tensor>:$bias,
                       OptionalAttr<AutoGLM_UnaryKindAttr>:$activation,
                       OptionalAttr<F64Attr>:$act_alpha,
                       OptionalAttr<F64Attr>:$act_beta);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let builders = [
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$input,
                   "::mlir::Value":$weight, "::mlir::Value":$bias), [{
      build($_builder, $_state, result, input, weight, bias, nullptr, nullptr, nullptr);
    }]>,
  ];
  let hasVerifier = 1;
}

def AutoGLM_ConvOp : AutoGLM_InferOp<"conv", [AttrSizedOperandSegments]> {
  let summary = "N-d grouped, strided, dilated convolution in NC(D)HW layout";
  let description = [{
    weight is [M, C/group, k...]; `pads` holds every spatial begin, then every
    end (ONNX order); auto_pad is resolved by the importer.

    Epilogue, in this order: + bias (per output channel), + `residual` (a
    tensor of the result's shape), then `activation` (as for autoglm.matmul).
  }];
  let arguments = (ins AutoGLM_Tensor:$input, AutoGLM_Tensor:$weight,
                       Optional<AutoGLM_Tensor>:$bias,
                       Optional<AutoGLM_Tensor>:$residual,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads, I64Attr:$group,
                       OptionalAttr<AutoGLM_UnaryKindAttr>:$activation,
                       OptionalAttr<F64Attr>:$act_alpha,
                       OptionalAttr<F64Attr>:$act_beta);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? (`residual` $residual^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$input,
                   "::mlir::Value":$weight, "::mlir::Value":$bias,
                   "::llvm::ArrayRef<int64_t>":$strides,
                   "::llvm::ArrayRef<int64_t>":$dilations,
                   "::llvm::ArrayRef<int64_t>":$pads, "int64_t":$group), [{
      build($_builder, $_state, result, input, weight, bias, ::mlir::Value(),
            $_builder.getDenseI64ArrayAttr(strides),
            $_builder.getDenseI64ArrayAttr(dilations),
            $_builder.getDenseI64ArrayAttr(pads), $_builder.getI64IntegerAttr(group),
            nullptr, nullptr, nullptr);
    }]>,
  ];
  let hasVerifier = 1;
}

def AutoGLM_ConvTransposeOp : AutoGLM_InferOp<"conv_transpose"> {
  let summary = "N-d transposed convolution, weight [C, M/group, k...]";
  let arguments = (ins AutoGLM_Tensor:$input, AutoGLM_Tensor:$weight,
                       Optional<AutoGLM_Tensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads, DenseI64ArrayAttr:$output_padding,
                       I64Attr:$group);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Reductions, pooling, normalization
//===----------------------------------------------------------------------===//

def AutoGLM_ReduceOp : AutoGLM_InferOp<"reduce"> {
  let summary = "reduction over sorted, non-negative `axes`";
  let arguments = (ins AutoGLM_ReduceKindAttr:$kind, AutoGLM_Tensor:$input,
                       DenseI64ArrayAttr:$axes, BoolAttr:$keepdims,
                       DefaultValuedAttr<BoolAttr, "false">:$select_last_index);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "$kind $input attr-dict `:` type($input) `->` type($result)";
}

def AutoGLM_PoolOp : AutoGLM_InferOp<"pool"> {
  let summary = "max / average / Lp pooling over the spatial dims of NC...";
  let description = [{
    ceil_mode is resolved by the importer into extra end padding, which never
    contributes to max and is excluded from the average unless
    count_include_pad is set for the user-given pads (`pads`), while
    `extra_pads` (ceil-mode padding) is never counted.
  }];
  let arguments = (ins AutoGLM_PoolKindAttr:$kind, AutoGLM_Tensor:$input,
                       DenseI64ArrayAttr:$kernel, DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$dilations, DenseI64ArrayAttr:$pads,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$extra_pads,
                       DefaultValuedAttr<BoolAttr, "false">:$count_include_pad,
                       DefaultValuedAttr<I64Attr, "2">:$p);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "$kind $input attr-dict `:` type($input) `->` type($result)";
}

def AutoGLM_BatchNormOp : AutoGLM_InferOp<"batch_norm"> {
  let summary = "inference batch normalization over dim 1";
  let arguments = (ins AutoGLM_Tensor:$input, AutoGLM_Tensor:$scale,
                       AutoGLM_Tensor:$bias, AutoGLM_Tensor:$mean,
                       AutoGLM_Tensor:$variance, F64Attr:$epsilon);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def AutoGLM_LayerNormOp : AutoGLM_InferOp<"layer_norm"> {
  let summary = "normalize over dims [axis, rank), scale/bias of those dims";
  let arguments = (ins AutoGLM_Tensor:$input, AutoGLM_Tensor:$scale,
                       Optional<AutoGLM_Tensor>:$bias, I64Attr:$axis,
                       F64Attr:$epsilon);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def AutoGLM_GroupNormOp : AutoGLM_InferOp<"group_norm"> {
  let summary = "normalize each of `num_groups` channel groups; per-channel scale/bias";
  let description = [{ Instance normalization is num_groups == channels. }];
  let arguments = (ins AutoGLM_Tensor:$input, AutoGLM_Tensor:$scale,
                       AutoGLM_Tensor:$bias, I64Attr:$num_groups, F64Attr:$epsilon);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def AutoGLM_SoftmaxOp : AutoGLM_InferOp<"softmax"> {
  let summary = "softmax (or log-softmax) along one axis";
  let arguments = (ins AutoGLM_Tensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "false">:$log);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def AutoGLM_AttentionOp : AutoGLM_InferOp<"attention"> {
  let summary = "softmax(scale · Q·Kᵀ + mask) · V, optional causal mask";
  let description = [{
    q [..., Sq, D], k [..., Sk, D], v [..., Sk, Dv] -> [..., Sq, Dv]. The mask
    broadcasts to [..., Sq, Sk]: boolean (true = keep) or additive float.
    `causal` masks key j > query i + (Sk - Sq), so a KV-cache decode step
    attends to the whole cache.
  }];
  let arguments = (ins AutoGLM_Tensor:$query, AutoGLM_Tensor:$key,
                       AutoGLM_Tensor:$value, Optional<AutoGLM_Tensor>:$mask,
                       F64Attr:$scale, DefaultValuedAttr<BoolAttr, "false">:$causal);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def AutoGLM_CachedAttentionOp : AutoGLM_Op<"cached_attention"> {
  let summary = "causal attention over a paged KV cache the runtime owns";
  let description = [{
    q [B, H, S, D]; the new keys and values k, v [B, Hkv, S, D] (H a multiple
    of Hkv: grouped-query attention); the caches [blocks, Hkv, block_size, D],
    function arguments the runtime allocates once; `positions` [B] i64, the
    tokens row b already has in the cache; `block_table` [B, max_blocks] i32,
    the cache block holding each block_size-long run of row b's positions.
    Writes k, v at positions p_b .. p_b + S - 1 in place, then query s of row
    b attends to positions 0 .. p_b + s: softmax(scale * q . k) . v, reading
    each row's own length (no padding). Result [B, H, S, D].
  }];
  let arguments = (ins AutoGLM_Tensor:$query, AutoGLM_Tensor:$key, AutoGLM_Tensor:$value,
      AutoGLM_Tensor:$key_cache, AutoGLM_Tensor:$value_cache, AutoGLM_Tensor:$positions,
      AutoGLM_Tensor:$block_table, F64Attr:$scale);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def AutoGLM_ReshapeOp : AutoGLM_Op<"reshape", [Pure]> {
  let summary = "reshape to the result type; `shape` supplies dynamic extents";
  let arguments = (ins AutoGLM_Tensor:$input, Optional<AutoGLM_Tensor>:$shape);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def AutoGLM_TransposeOp : AutoGLM_InferOp<"transpose"> {
  let summary = "permute dims: result dim i is input dim perm[i]";
  let arguments = (ins AutoGLM_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def AutoGLM_SliceOp : AutoGLM_InferOp<"slice"> {
  let summary = "strided slice with per-dim start/size/step (already normalized)";
  let description = [{
    For every dim: start in [0, dim), step != 0, size >= 0 elements taken at
    start, start+step, ... (negative steps walk backwards). The importer
    clamps ONNX starts/ends into this form.

    An open dim has an open size: without `ends` it is taken whole (start 0,
    step 1); with `ends`, that dim is ONNX's [start, end) by its step with
    start and end as written (negative counts from the end), clamped into
    the dim at run time.
  }];
  let arguments = (ins AutoGLM_Tensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$sizes, DenseI64ArrayAttr:$steps,
                       OptionalAttr<DenseI64ArrayAttr>:$ends);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
  let builders = [
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$input,
                   "::llvm::ArrayRef<int64_t>":$starts, "::llvm::ArrayRef<int64_t>":$sizes,
                   "::llvm::ArrayRef<int64_t>":$steps), [{
      build($_builder, $_state, result, input, starts, sizes, steps,
            ::mlir::DenseI64ArrayAttr());
    }]>];
}

def AutoGLM_ConcatOp : AutoGLM_InferOp<"concat"> {
  let summary = "concatenate along `axis`";
  let arguments = (ins Variadic<AutoGLM_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def AutoGLM_SplitOp : AutoGLM_Op<"split", [Pure]> {
  let summary = "split along `axis` into pieces of the given sizes";
  let arguments = (ins AutoGLM_Tensor:$input, I64Attr:$axis,
                       DenseI64ArrayAttr:$sizes);
  let results = (outs Variadic<AutoGLM_Tensor>:$results);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($results)";
  let hasVerifier = 1;
}

def AutoGLM_GatherOp : AutoGLM_InferOp<"gather"> {
  let summary = "ONNX Gather: take slices of `axis` at integer indices";
  let arguments = (ins AutoGLM_Tensor:$data, AutoGLM_Tensor:$indices, I64Attr:$axis);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def AutoGLM_GatherElementsOp : AutoGLM_InferOp<"gather_elements"> {
  let summary = "ONNX GatherElements: result shape is the indices' shape";
  let arguments = (ins AutoGLM_Tensor:$data, AutoGLM_Tensor:$indices, I64Attr:$axis);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def AutoGLM_ScatterElementsOp : AutoGLM_InferOp<"scatter_elements"> {
  let summary = "ONNX ScatterElements: data with `updates` written at `indices`";
  let arguments = (ins AutoGLM_Tensor:$data, AutoGLM_Tensor:$indices,
                       AutoGLM_Tensor:$updates, I64Attr:$axis,
                       DefaultValuedAttr<AutoGLM_ScatterReductionAttr,
                                         "ScatterReduction::None">:$reduction);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def AutoGLM_PadOp : AutoGLM_InferOp<"pad"> {
  let summary = "pad every dim by begin/end amounts (negative crops)";
  let arguments = (ins AutoGLM_Tensor:$input, DenseI64ArrayAttr:$pads,
                       AutoGLM_PadModeAttr:$mode,
                       DefaultValuedAttr<F64Attr, "0.0">:$value);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "$mode $input attr-dict `:` type($input) `->` type($result)";
}

def AutoGLM_ExpandOp : AutoGLM_Op<"expand", [Pure]> {
  let summary = "broadcast the input to the result shape";
  let arguments = (ins AutoGLM_Tensor:$input);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def AutoGLM_TileOp : AutoGLM_InferOp<"tile"> {
  let summary = "repeat the input `repeats[i]` times along dim i";
  let arguments = (ins AutoGLM_Tensor:$input, DenseI64ArrayAttr:$repeats);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def AutoGLM_ResizeOp : AutoGLM_Op<"resize", [Pure]> {
  let summary = "resize to the result shape; `scales` per dim map coordinates";
  let arguments = (ins AutoGLM_Tensor:$input, DenseF64ArrayAttr:$scales,
                       AutoGLM_ResizeModeAttr:$mode,
                       StrAttr:$coordinate_transformation_mode,
                       DefaultValuedAttr<StrAttr, "\"round_prefer_floor\"">:$nearest_mode,
                       DefaultValuedAttr<F64Attr, "-0.75">:$cubic_coeff_a,
                       DefaultValuedAttr<BoolAttr, "false">:$exclude_outside);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "$mode $input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def AutoGLM_ShapeOp : AutoGLM_Op<"shape", [Pure]> {
  let summary = "the input's extents as a 1-D i64 tensor";
  let arguments = (ins AutoGLM_Tensor:$input);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def AutoGLM_IotaOp : AutoGLM_Op<"iota", [Pure]> {
  let summary = "each element's index along `dim`, in the shape of `like`";
  let description = [{
    Masks over open extents (Trilu, Hardmax, EyeLike) compare these: the
    result has `like`'s extents, so the compiler bounds it as it bounds
    `like` (a Range over an extent read at run time has no bound).
  }];
  let arguments = (ins AutoGLM_Tensor:$like, I64Attr:$dim);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = "$like attr-dict `:` type($like) `->` type($result)";
  let hasVerifier = 1;
}

def AutoGLM_RangeOp : AutoGLM_Op<"range", [Pure]> {
  let summary = "start, start + delta, ... up to limit (ONNX Range) with run-time scalars";
  let description = [{
    A Range whose limit is known only at run time (exporters' arange over an
    open extent); one with constant operands is imported as a constant. The
    length is max(0, ceil((limit - start) / delta)).
  }];
  let arguments = (ins AutoGLM_Tensor:$start, AutoGLM_Tensor:$limit, AutoGLM_Tensor:$delta);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Strings
//===----------------------------------------------------------------------===//

def AutoGLM_StringNormalizeOp : AutoGLM_Op<"string_normalize", [Pure]> {
  let summary = "drop stopwords, then change case (ONNX StringNormalizer)";
  let description = [{
    Removes the elements equal to one of `stopwords` (compared byte for byte,
    or ignoring case when `case_sensitive` is false), then maps the rest to
    `case_change`. The input is `[C]` or `[1, C]`; the result has the same
    rank and as many elements as survive, so its last extent is dynamic
    unless there are no stopwords. When every element is removed the result
    is one empty string, as ONNX specifies.

    Case mapping covers ASCII and the Latin-1 letters of U+00C0..U+00FE
    (which keep their UTF-8 length); other bytes are copied unchanged.

    ```mlir
    %y = autoglm.string_normalize %x {case_change = #autoglm.string_case<upper>,
           case_sensitive = false, stopwords = ["monday"]}
           : tensor<1x6x!autoglm.string> -> tensor<1x?x!autoglm.string>
    ```

    The element count is bounded by the input's: the CPU lowering writes a
    buffer of the input's extent and returns the count beside it (a bounded
    result, docs/architecture.md).
  }];
  let arguments = (ins AutoGLM_StringTensor:$input,
                       AutoGLM_StringCaseAttr:$case_change,
                       BoolAttr:$case_sensitive,
                       StrArrayAttr:$stopwords);
  let results = (outs AutoGLM_StringTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Data-dependent extents (bounded results, docs/architecture.md)
//===----------------------------------------------------------------------===//

def AutoGLM_NonZeroOp : AutoGLM_Op<"nonzero", [Pure]> {
  let summary = "the indices of the nonzero elements, [rank, count] (ONNX NonZero)";
  let description = [{
    Row-major order. The count depends on the data: the result's last
    extent is dynamic unless the input has no elements, and is bounded by
    the input's element count (`autoglm::resultBound`).
  }];
  let arguments = (ins AutoGLM_Tensor:$input);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def AutoGLM_UniqueOp : AutoGLM_Op<"unique", [Pure]> {
  let summary = "the distinct rows of a [N, R] input (ONNX Unique, on rows)";
  let description = [{
    The importer views ONNX Unique's axis (or the flattened input) as rows.
    `values` holds each distinct row once ([U, R], U dynamic, bounded by N),
    in order of first occurrence or, with `sorted`, lexicographically
    ascending; `indices` [U] the first occurrence of each, `inverse` [N]
    the position in `values` of every input row, `counts` [U] how often each
    occurs.
  }];
  let arguments = (ins AutoGLM_Tensor:$input, BoolAttr:$sorted);
  let results = (outs AutoGLM_Tensor:$values, RankedTensorOf<[I64]>:$indices,
      RankedTensorOf<[I64]>:$inverse, RankedTensorOf<[I64]>:$counts);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type(results)";
  let hasVerifier = 1;
}

def AutoGLM_TopKOp : AutoGLM_Op<"top_k", [Pure]> {
  let summary = "the k largest (or smallest) entries along `axis`, sorted (ONNX TopK)";
  let description = [{
    `values` has the input's shape with `k` along `axis`: per slice along the
    axis, its k largest entries (smallest with `largest` false) in
    descending (ascending) order, the lower index first among equal values;
    `indices` are their positions along the axis. NaN never ranks above a
    number. The axis extent must be at least k (checked at run time when it
    is open).
  }];
  let arguments = (ins AutoGLM_Tensor:$input, I64Attr:$axis, I64Attr:$k, BoolAttr:$largest);
  let results = (outs AutoGLM_Tensor:$values, RankedTensorOf<[I64]>:$indices);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type(results)";
  let hasVerifier = 1;
}

def AutoGLM_NonMaxSuppressionOp : AutoGLM_Op<"non_max_suppression", [Pure]> {
  let summary = "greedy non-maximum suppression per batch and class (ONNX NonMaxSuppression)";
  let description = [{
    `boxes` [B, S, 4] (corners y1, x1, y2, x2 in either order, or with
    `center_point_box` x, y, w, h), `scores` [B, C, S]; `max_per_class`
    (i64), `iou_threshold` and `score_threshold` are one-element tensors
    read at run time. Per batch and class, the boxes whose score exceeds the
    threshold are taken in descending score (the lower index first on
    ties); one is selected unless its IoU with an already selected box of
    its class exceeds `iou_threshold`, until `max_per_class` are selected.
    The result lists [batch, class, box] per selected box ([K, 3], K
    dynamic); `per_class_bound` bounds the selections per class (S, or a
    constant `max_per_class` below it).
  }];
  let arguments = (ins AutoGLM_FloatTensor:$boxes, AutoGLM_FloatTensor:$scores,
      RankedTensorOf<[I64]>:$max_per_class, AutoGLM_FloatTensor:$iou_threshold,
      AutoGLM_FloatTensor:$score_threshold, BoolAttr:$center_point_box, I64Attr:$per_class_bound);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

def AutoGLM_QuantizeOp : AutoGLM_Op<"quantize", [Pure]> {
  let summary = "y = saturate(round(x / scale) + zero_point), per tensor, axis or block";
  let description = [{
    Per tensor (a scalar or one-element scale), per axis (a 1-D scale of
    the axis' extent) or blocked (`block_size` > 0, as ONNX's opset 21: the
    scale has the input's rank and shape but along `axis`, where it has
    ceil(extent / block_size) entries, one per block of consecutive
    elements).
  }];
  let arguments = (ins AutoGLM_Tensor:$input, AutoGLM_Tensor:$scale, AutoGLM_Tensor:$zero_point,
      I64Attr:$axis, DefaultValuedAttr<I64Attr, "0">:$block_size);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def AutoGLM_DequantizeOp : AutoGLM_Op<"dequantize", [Pure]> {
  let summary = "y = (x - zero_point) * scale, per tensor, axis or block";
  let description = [{
    The parameters as for autoglm.quantize. The input may be 4-bit (i4,
    a weight-only int4 weight: `--quantize weight-int4`).
  }];
  let arguments = (ins AutoGLM_Tensor:$input, AutoGLM_Tensor:$scale, AutoGLM_Tensor:$zero_point,
      I64Attr:$axis, DefaultValuedAttr<I64Attr, "0">:$block_size);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // AUTOGLM_OPS_TD
