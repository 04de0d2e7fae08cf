//===- Common.h - shared pieces of the autoglm-to-linalg lowering -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Private to lib/Conversion/AutoGLMToLinalg. Each op family has a .cpp with
// a populate*Patterns function; this header holds the type converter and
// the builders they share (elementwise generics with broadcasting, scalar
// arithmetic that respects signedness).
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_CONVERSION_AUTOGLMTOLINALG_COMMON_H
#define AUTOGLM_LIB_CONVERSION_AUTOGLMTOLINALG_COMMON_H

#include "autoglm/Dialect/AutoGLM/IR/AutoGLM.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <vector>

namespace mlir::autoglm::lowering {

/// Unsigned integer tensors become signless, string tensors tensors of
/// index (element addresses); everything else is unchanged.
class AutoGLMTypeConverter : public TypeConverter {
public:
  AutoGLMTypeConverter();
};

/// Scalar element type facts the lowering needs beside the signless type.
struct ElemInfo {
  Type type;           // signless element type
  bool isFloat = false;
  bool isUnsigned = false; // unsigned integer (or i1)
  static ElemInfo of(Type originalTensorOrElem);
};

// All patterns of one family.
void populateElementwisePatterns(TypeConverter &tc, RewritePatternSet &p);
/// Which linears run block-sparse kernels (Sparse.cpp).
struct SparseOptions {
  /// > 0: linears with at most this fraction of nonzero weight blocks.
  double density = 0.0;
  /// Their groups of 16 outputs as an scf.forall (threads).
  bool parallel = false;
  /// 8-bit linears too, with this dot instruction ("avx512-vnni").
  std::string int8Dot;
};
/// `winograd`: 3x3 stride-1 convolutions as Winograd F(2x2, 3x3) where it
/// pays (buildWinogradConv in Contraction.cpp); `sparse`: see SparseOptions.
void populateContractionPatterns(TypeConverter &tc, RewritePatternSet &p, bool winograd,
                                 const SparseOptions &sparse);
void populateReductionPatterns(TypeConverter &tc, RewritePatternSet &p);
void populateDataMovementPatterns(TypeConverter &tc, RewritePatternSet &p);
void populateStringPatterns(TypeConverter &tc, RewritePatternSet &p);
/// NonZero, Unique, NonMaxSuppression (Bounded.cpp): bounded results.
void populateBoundedPatterns(TypeConverter &tc, RewritePatternSet &p);
/// autoglm.cached_attention (KVCache.cpp).
/// `perElement`: the GPU form (static shapes, a thread per element).
void populateKVCachePatterns(TypeConverter &tc, RewritePatternSet &p, bool perElement);

/// Marks the malloc calls whose blocks the runtime frees (string bytes).
constexpr llvm::StringLiteral kStorageAttr = "autoglm.result_storage";
/// Marks `main`'s status argument (memref<1xi32>): the runtime zeroes it
/// before a run and reports the check whose code (1-based, into the module
/// attribute `autoglm.checks`) the model stored in it.
constexpr llvm::StringLiteral kStatusAttr = "autoglm.status";

/// With open input extents, `main` gets the status argument after its
/// inputs (module attribute `autoglm.status`).
LogicalResult addStatusArgument(ModuleOp module);

/// In the function around `b`'s insertion point: if `ok` is false at run
/// time, the status argument receives the code of `message` (no-op when the
/// function has no status argument).
void emitRuntimeCheck(OpBuilder &b, Location loc, Value ok, StringRef message);

/// After the conversion, makes `main`'s boundary static (Boundary.cpp):
///  - an argument with open extents becomes a buffer of its bound (from
///    `autoglm.dim_params` and the module's `autoglm.dim_bounds`) read as a
///    dense tensor of the actual extents, which a 1-D i64 argument appended
///    after the inputs gives;
///  - a result with open extents (data-dependent ones, or ones that follow
///    from open inputs) is written densely at the start of a buffer of its
///    bound, with a 1-D i64 tensor of its extents appended as a result;
///  - the blocks that string ops allocated become one more result, so the
///    runtime frees them.
/// The module attributes `autoglm.hidden_inputs` / `autoglm.hidden_results`
/// describe what was appended, for the artifact's manifest.
LogicalResult lowerFunctionBoundary(ModuleOp module);

/// The inputs' part of it (called by lowerFunctionBoundary); before the
/// conversion for the inputs whose element type it keeps, so the patterns
/// see open extents that share a dim_param as one value.
LogicalResult bindOpenArguments(ModuleOp module, bool beforeConversion);

/// Fails (with an error at the op) unless every operand and result of `op`
/// has a static shape; the CPU backend does not lower dynamic extents yet.
LogicalResult requireStaticShapes(Operation *op, ConversionPatternRewriter &rw);

/// Base of every lowering pattern: checks that the shapes are static (unless
/// the pattern says it lowers open extents, `dynamicExtents`), then calls
/// `lower`, which sees the converted result type through resultType().
template <typename Op>
struct StaticLowering : OpConversionPattern<Op> {
  using OpConversionPattern<Op>::OpConversionPattern;
  using Adaptor = typename Op::Adaptor;
  LogicalResult
  matchAndRewrite(Op op, Adaptor a, ConversionPatternRewriter &rw) const final {
    if (!dynamicExtents(op) && failed(requireStaticShapes(op, rw)))
      return failure();
    return lower(op, a, rw);
  }
  virtual LogicalResult lower(Op op, Adaptor a,
                              ConversionPatternRewriter &rw) const = 0;
  /// Patterns that build their results with the loop-based helpers below
  /// (sizes read from the operands) lower open extents too.
  virtual bool dynamicExtents(Op) const { return false; }
  /// Replaces `op` by `r`, or fails with an error at the op when `r` is
  /// null (an open extent the loop-based helpers could not size).
  LogicalResult replaceOrFail(Op op, Value r, ConversionPatternRewriter &rw) const {
    if (!r)
      return op->emitError() << "'" << op->getName()
                             << "': an open extent of the result follows from no "
                                "open operand extent";
    rw.replaceOp(op, r);
    return success();
  }
  RankedTensorType converted(Type t) const {
    return cast<RankedTensorType>(this->getTypeConverter()->convertType(t));
  }
  RankedTensorType resultType(Op op) const {
    return converted(op->getResult(0).getType());
  }
};

Value emptyTensor(OpBuilder &b, Location loc, RankedTensorType type);
/// tensor.empty for the output of a generic whose dims are `outMap`'s
/// results: each open extent is read (tensor.dim) from an input whose map
/// indexes the same loop directly, as linalg derives loop ranges. Static
/// types need no inputs. Null when an open extent has no such input (then
/// buildElementwise / buildReduction return null too).
Value emptyForLoops(OpBuilder &b, Location loc, RankedTensorType type, ValueRange inputs,
                    ArrayRef<AffineMap> inputMaps, AffineMap outMap);
Value scalarConst(OpBuilder &b, Location loc, Type elem, double value);
/// The largest / smallest value of a float or integer element type (for
/// reduction inits): +-inf for floats.
Value extremeConst(OpBuilder &b, Location loc, ElemInfo e, bool largest);
Value fillTensor(OpBuilder &b, Location loc, RankedTensorType type, Value scalar);
/// linalg.fill of `scalar` into `empty`.
Value fillInto(OpBuilder &b, Location loc, Value empty, Value scalar);

/// Indexing map from the result's dims to an operand broadcast into it
/// (numpy rules: leading dims dropped, extent-1 dims read index 0).
AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> resultShape,
                       ArrayRef<int64_t> operandShape);

using ScalarBody =
    llvm::function_ref<Value(OpBuilder &, Location, ValueRange /*inputs*/)>;
/// linalg.generic computing `body` of the (broadcast) inputs per element,
/// into `dest` when given (else a new tensor sized from the inputs).
Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ValueRange inputs, ScalarBody body, Value dest = {});

/// Scalar conversion between element types, honoring signedness.
Value castScalar(OpBuilder &b, Location loc, Value v, ElemInfo from, ElemInfo to);

// Scalar arithmetic on float or (signed/unsigned) integer values.
Value emitAdd(OpBuilder &b, Location loc, Value x, Value y, ElemInfo e);
Value emitMul(OpBuilder &b, Location loc, Value x, Value y, ElemInfo e);
Value emitMax(OpBuilder &b, Location loc, Value x, Value y, ElemInfo e);
Value emitMin(OpBuilder &b, Location loc, Value x, Value y, ElemInfo e);
Value emitBinary(OpBuilder &b, Location loc, BinaryKind kind, Value x, Value y,
                 ElemInfo e);
Value emitUnary(OpBuilder &b, Location loc, UnaryKind kind, Value x, ElemInfo e,
                double alpha, double beta);

/// 8-bit integer contractions (Int8.cpp). True when both operand types
/// (tensors) hold 8-bit integers; their result is int32.
bool isInt8Contraction(Type x, Type w);
/// `v` widened to int32 when its elements are 8-bit integers (`from` gives
/// their signedness), else `v`.
Value widenInt8(OpBuilder &b, Location loc, Value v, ElemInfo from);
/// The "dot4" form of x [..., K] times a constant weight [N, K] (or [K, N]
/// when `wIsKN`), into int32 `resTy`; null when it does not apply (open
/// shapes, a weight that is not a constant).
Value buildInt8Linear(OpBuilder &b, Location loc, Value x, ElemInfo xe, Value w, ElemInfo we,
                      bool wIsKN, RankedTensorType resTy);
/// The same for a convolution (NC... layout, group 1, a constant weight).
Value buildInt8Conv(OpBuilder &b, Location loc, Value x, ElemInfo xe, Value w, ElemInfo we,
                    ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations, ArrayRef<int64_t> pads,
                    int64_t group, RankedTensorType resTy);

/// tensor.pad by static amounts per dim (no-op when all are zero); the
/// conversion expands it after (expandPads).
Value padConstant(OpBuilder &b, Location loc, Value src, ArrayRef<int64_t> low,
                  ArrayRef<int64_t> high, Value padValue);

/// A new tensor of `sizes` grown by `low` / `high` per dim whose interior
/// `write` fills (it gets the interior slice as its destination and returns
/// what it wrote there) and whose border slabs are filled with `padValue`:
/// the interior is written once, in place, and only the border filled.
Value padAround(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes, Type elementType,
                ArrayRef<int64_t> low, ArrayRef<int64_t> high, Value padValue,
                function_ref<Value(OpBuilder &, Location, Value /*interior*/)> write);

/// Every tensor.pad with static amounts and a constant value under `root`
/// as linalg: an interior copy and border fills (CPU), or with `gather`
/// one op that selects source or pad value per point (GPU).
LogicalResult expandPads(Operation *root, bool gather);

/// Reshape between static shapes with tensor.collapse_shape/expand_shape;
/// with open extents, only a direct collapse or expand (null otherwise).
Value reshapeStatic(OpBuilder &b, Location loc, Value v, RankedTensorType to);

/// Generic reduction of `input` over `axes` (sorted) into a tensor without
/// those dims: acc = combine(acc, map(x)) starting from `init`.
Value buildReduction(
    OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes, Value init,
    llvm::function_ref<Value(OpBuilder &, Location, Value /*x*/, Value /*acc*/)>
        combine);

/// The f32 values of a constant (dense, splat or dense_resource), or empty.
std::vector<float> constantFloats(Value v);
/// An f32 arith.constant of `shape` holding `data`, as a dense_resource
/// blob named `name`.
Value floatConstant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, ArrayRef<float> data,
                    StringRef name);

/// Block-sparse linear (Sparse.cpp): y = x · Wᵀ (+ bias) for a constant
/// weight [N, K] whose 16-row column blocks W[16j .. 16j + 15, k] are mostly
/// zero, as loops over the nonzero blocks only (compressed per 16 outputs:
/// the k of each nonzero block and its 16 weights). Null when the weight is
/// not such a constant, N is not a multiple of 16, the shapes are open, or
/// more than `maxDensity` of the blocks are nonzero (dense kernels win).
/// `x` is [..., K]; the result has `resultType`. `parallel`: the groups of
/// 16 outputs are the iterations of an scf.forall (threads), else of a loop.
Value buildSparseLinear(OpBuilder &b, Location loc, Operation *op, Value x, Value weight,
                        Value bias, RankedTensorType resultType, double maxDensity, bool parallel);
/// The 8-bit form of buildSparseLinear (uint8 `x` times a constant int8
/// weight [N, K] into int32, no bias): blocks of 16 outputs x 4 consecutive
/// inputs, each one vpdpbusd (AVX512-VNNI, called as an intrinsic of `op`'s
/// module). Null where the buildSparseLinear conditions or these fail.
Value buildSparseInt8Linear(OpBuilder &b, Location loc, Operation *op, Value x, ElemInfo xe,
                            Value weight, ElemInfo we, RankedTensorType resultType,
                            double maxDensity, bool parallel);
/// The bytes of a constant 8-bit tensor (splats expanded), or nullopt.
std::optional<std::vector<char>> int8Bytes(Value v);

} // namespace mlir::autoglm::lowering

#endif // AUTOGLM_LIB_CONVERSION_AUTOGLMTOLINALG_COMMON_H
