//===- AutoGLMOps.cpp - shape inference, verifiers and folders ----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Every op's shape rule lives in one place: inferReturnTypes. The
// InferTypeOpInterface verifier runs it on every op, so the rule is also the
// op's verifier, and the importer uses it where ONNX shape inference is silent.
//===----------------------------------------------------------------------===//

#include "autoglm/Dialect/AutoGLM/IR/AutoGLM.h"

#include <cmath>

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"

using namespace mlir;
using namespace mlir::autoglm;

namespace {
constexpr int64_t kDyn = ShapedType::kDynamic;

LogicalResult fail(std::optional<Location> loc, const Twine &msg) {
  return emitOptionalError(loc, msg);
}

RankedTensorType rankedOf(Value v) {
  return v ? dyn_cast<RankedTensorType>(v.getType()) : RankedTensorType();
}

std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "[";
  llvm::interleaveComma(shape, os, [&](int64_t d) {
    if (ShapedType::isDynamic(d))
      os << "?";
    else
      os << d;
  });
  os << "]";
  return s;
}

/// Two extents agree unless both are static and differ.
bool dimsAgree(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// The more static of two agreeing extents.
int64_t mergeDim(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) ? b : a;
}

/// Result types are compatible when element types match and extents agree:
/// ONNX shape inference often knows a static extent our rule leaves dynamic.
bool compatibleTypes(TypeRange l, TypeRange r) {
  if (l.size() != r.size())
    return false;
  for (auto [a, b] : llvm::zip(l, r)) {
    auto ta = dyn_cast<RankedTensorType>(a);
    auto tb = dyn_cast<RankedTensorType>(b);
    if (!ta || !tb)
      return a == b;
    if (ta.getElementType() != tb.getElementType() ||
        ta.getRank() != tb.getRank())
      return false;
    for (auto [x, y] : llvm::zip(ta.getShape(), tb.getShape()))
      if (!dimsAgree(x, y))
        return false;
  }
  return true;
}

LogicalResult checkAxis(std::optional<Location> loc, StringRef what,
                        int64_t axis, int64_t rank) {
  if (axis < 0 || axis >= rank)
    return fail(loc, what + " " + Twine(axis) + " is out of range for rank " +
                         Twine(rank) + " (axes are normalized to [0, rank))");
  return success();
}

bool isIntegerTensor(RankedTensorType t) {
  return t && isa<IntegerType, IndexType>(t.getElementType());
}

/// Output extent of a sliding window; dynamic in, dynamic out.
int64_t windowOut(int64_t in, int64_t k, int64_t stride, int64_t dil,
                  int64_t padTotal) {
  if (ShapedType::isDynamic(in) || ShapedType::isDynamic(k))
    return kDyn;
  int64_t eff = dil * (k - 1) + 1;
  int64_t span = in + padTotal - eff;
  if (span < 0)
    return -1;
  return span / stride + 1;
}

LogicalResult checkWindowAttrs(std::optional<Location> loc, int64_t nd,
                               ArrayRef<int64_t> strides,
                               ArrayRef<int64_t> dilations,
                               ArrayRef<int64_t> pads) {
  if ((int64_t)strides.size() != nd || (int64_t)dilations.size() != nd)
    return fail(loc, "expects " + Twine(nd) +
                         " strides and dilations (one per spatial dim)");
  if ((int64_t)pads.size() != 2 * nd)
    return fail(loc, "expects " + Twine(2 * nd) +
                         " pads (every begin, then every end)");
  for (int64_t s : strides)
    if (s < 1)
      return fail(loc, "strides must be >= 1");
  for (int64_t d : dilations)
    if (d < 1)
      return fail(loc, "dilations must be >= 1");
  for (int64_t p : pads)
    if (p < 0)
      return fail(loc, "pads must be >= 0");
  return success();
}
} // namespace

FailureOr<SmallVector<int64_t>>
mlir::autoglm::broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t x = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t y = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (x == 1)
      out[i] = y;
    else if (y == 1)
      out[i] = x;
    else if (ShapedType::isDynamic(x))
      out[i] = y;
    else if (ShapedType::isDynamic(y) || x == y)
      out[i] = x;
    else
      return failure();
  }
  return out;
}

bool mlir::autoglm::unaryKindNeedsAlpha(UnaryKind kind) {
  switch (kind) {
  case UnaryKind::HardSigmoid:
  case UnaryKind::LeakyRelu:
  case UnaryKind::Elu:
  case UnaryKind::Selu:
  case UnaryKind::Clip:
  case UnaryKind::ThresholdedRelu:
  case UnaryKind::Celu:
  case UnaryKind::Shrink:
    return true;
  default:
    return false;
  }
}

bool mlir::autoglm::unaryKindNeedsBeta(UnaryKind kind) {
  return kind == UnaryKind::HardSigmoid || kind == UnaryKind::Selu ||
         kind == UnaryKind::Clip || kind == UnaryKind::Shrink;
}

// Every InferOp accepts a declared result that is more static than its rule.
#define AUTOGLM_COMPATIBLE_RETURN_TYPES(OP)                                    \
  bool OP::isCompatibleReturnTypes(TypeRange l, TypeRange r) {                 \
    return compatibleTypes(l, r);                                              \
  }
AUTOGLM_COMPATIBLE_RETURN_TYPES(UnaryOp)
AUTOGLM_COMPATIBLE_RETURN_TYPES(BinaryOp)
AUTOGLM_COMPATIBLE_RETURN_TYPES(CompareOp)
AUTOGLM_COMPATIBLE_RETURN_TYPES(SelectOp)
AUTOGLM_COMPATIBLE_RETURN_TYPES(MatMulOp)
AUTOGLM_COMPATIBLE_RETURN_TYPES(LinearOp)
AUTOGLM_COMPATIBLE_RETURN_TYPES(ConvOp)
AUTOGLM_COMPATIBLE_RETURN_TYPES(ConvTransposeOp)
AUTOGLM_COMPATIBLE_RETURN_TYPES(ReduceOp)
AUTOGLM_COMPATIBLE_RETURN_TYPES(PoolOp)
AUTOGLM_COMPATIBLE_RETURN_TYPES(BatchNormOp)
AUTOGLM_COMPATIBLE_RETURN_TYPES(LayerNormOp)
AUTOGLM_COMPATIBLE_RETURN_TYPES(GroupNormOp)
AUTOGLM_COMPATIBLE_RETURN_TYPES(SoftmaxOp)
AUTOGLM_COMPATIBLE_RETURN_TYPES(AttentionOp)
AUTOGLM_COMPATIBLE_RETURN_TYPES(TransposeOp)
AUTOGLM_COMPATIBLE_RETURN_TYPES(SliceOp)
AUTOGLM_COMPATIBLE_RETURN_TYPES(ConcatOp)
AUTOGLM_COMPATIBLE_RETURN_TYPES(GatherOp)
AUTOGLM_COMPATIBLE_RETURN_TYPES(GatherElementsOp)
AUTOGLM_COMPATIBLE_RETURN_TYPES(ScatterElementsOp)
AUTOGLM_COMPATIBLE_RETURN_TYPES(PadOp)
AUTOGLM_COMPATIBLE_RETURN_TYPES(TileOp)
#undef AUTOGLM_COMPATIBLE_RETURN_TYPES

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValueAttr(); }

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

LogicalResult UnaryOp::inferReturnTypes(MLIRContext *ctx,
                                        std::optional<Location> loc,
                                        Adaptor a,
                                        SmallVectorImpl<Type> &out) {
  auto in = rankedOf(a.getInput());
  Type elem = in.getElementType();
  switch (a.getKind()) {
  case UnaryKind::Not:
    if (!elem.isInteger(1))
      return fail(loc, "unary 'not' expects an i1 tensor");
    break;
  case UnaryKind::IsNaN:
  case UnaryKind::IsInf:
    if (!isa<FloatType>(elem))
      return fail(loc, "unary '" + stringifyUnaryKind(a.getKind()) +
                           "' expects a float tensor");
    elem = IntegerType::get(ctx, 1);
    break;
  case UnaryKind::Abs:
  case UnaryKind::Neg:
  case UnaryKind::Sign:
  case UnaryKind::Relu:
  case UnaryKind::Clip:
    break;
  default:
    if (!isa<FloatType>(elem))
      return fail(loc, "unary '" + stringifyUnaryKind(a.getKind()) +
                           "' expects a float tensor");
  }
  out.push_back(RankedTensorType::get(in.getShape(), elem));
  return success();
}

LogicalResult UnaryOp::verify() {
  bool needAlpha = unaryKindNeedsAlpha(getKind());
  bool needBeta = unaryKindNeedsBeta(getKind());
  if (needAlpha != getAlpha().has_value())
    return emitOpError() << "kind '" << stringifyUnaryKind(getKind())
                         << (needAlpha ? "' requires" : "' does not take")
                         << " an alpha attribute";
  if (needBeta != getBeta().has_value())
    return emitOpError() << "kind '" << stringifyUnaryKind(getKind())
                         << (needBeta ? "' requires" : "' does not take")
                         << " a beta attribute";
  return success();
}

static LogicalResult inferBroadcast(std::optional<Location> loc,
                                    ValueRange operands, Type elem,
                                    SmallVectorImpl<Type> &out) {
  SmallVector<int64_t> shape;
  for (Value v : operands) {
    auto t = rankedOf(v);
    auto b = broadcastShapes(shape, t.getShape());
    if (failed(b))
      return fail(loc, "operands are not broadcast-compatible: " +
                           shapeStr(shape) + " vs " + shapeStr(t.getShape()));
    shape = *b;
  }
  out.push_back(RankedTensorType::get(shape, elem));
  return success();
}

LogicalResult BinaryOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor a, SmallVectorImpl<Type> &out) {
  Type l = rankedOf(a.getLhs()).getElementType();
  Type r = rankedOf(a.getRhs()).getElementType();
  if (l != r)
    return fail(loc, "binary operands must share an element type");
  switch (a.getKind()) {
  case BinaryKind::And:
  case BinaryKind::Or:
  case BinaryKind::Xor:
    if (!l.isInteger(1))
      return fail(loc, "logical binary kinds expect i1 operands");
    break;
  case BinaryKind::BitAnd:
  case BinaryKind::BitOr:
  case BinaryKind::BitXor:
  case BinaryKind::ShiftLeft:
  case BinaryKind::ShiftRight:
    if (!isa<IntegerType>(l))
      return fail(loc, "bitwise binary kinds expect integer operands");
    break;
  default:
    break;
  }
  return inferBroadcast(loc, {a.getLhs(), a.getRhs()}, l, out);
}


LogicalResult CompareOp::inferReturnTypes(MLIRContext *ctx,
                                          std::optional<Location> loc,
                                          Adaptor a, SmallVectorImpl<Type> &out) {
  if (rankedOf(a.getLhs()).getElementType() !=
      rankedOf(a.getRhs()).getElementType())
    return fail(loc, "compare operands must share an element type");
  return inferBroadcast(loc, {a.getLhs(), a.getRhs()}, IntegerType::get(ctx, 1),
                        out);
}

LogicalResult SelectOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor a, SmallVectorImpl<Type> &out) {
  if (!rankedOf(a.getCondition()).getElementType().isInteger(1))
    return fail(loc, "select condition must be an i1 tensor");
  Type elem = rankedOf(a.getLhs()).getElementType();
  if (elem != rankedOf(a.getRhs()).getElementType())
    return fail(loc, "select branches must share an element type");
  return inferBroadcast(loc, {a.getCondition(), a.getLhs(), a.getRhs()}, elem,
                        out);
}

LogicalResult CastOp::verify() {
  auto in = getInput().getType();
  auto res = getType();
  if (in.getRank() != res.getRank() ||
      failed(verifyCompatibleShape(in.getShape(), res.getShape())))
    return emitOpError() << "cannot change the shape: "
                         << shapeStr(in.getShape()) << " -> "
                         << shapeStr(res.getShape());
  return success();
}


//===----------------------------------------------------------------------===//
// Contractions and convolution
//===----------------------------------------------------------------------===//

/// An epilogue activation takes exactly the parameters its kind needs, and
/// only element-preserving float kinds make sense after a contraction.
static LogicalResult verifyEpilogue(Operation *op, std::optional<UnaryKind> kind,
                                    std::optional<APFloat> alpha,
                                    std::optional<APFloat> beta) {
  if (!kind) {
    if (alpha || beta)
      return op->emitOpError("act_alpha/act_beta without an activation");
    return success();
  }
  if (*kind == UnaryKind::Not || *kind == UnaryKind::IsNaN || *kind == UnaryKind::IsInf)
    return op->emitOpError() << "'" << stringifyUnaryKind(*kind)
                             << "' is not an activation";
  if (unaryKindNeedsAlpha(*kind) != alpha.has_value() ||
      unaryKindNeedsBeta(*kind) != beta.has_value())
    return op->emitOpError() << "activation '" << stringifyUnaryKind(*kind)
                             << "' needs exactly its parameters (act_alpha"
                             << (unaryKindNeedsBeta(*kind) ? ", act_beta" : "")
                             << ")";
  return success();
}

/// The result element type of a contraction of `x` and `w` elements: their
/// shared type, or i32 when both are 8-bit integers of either signedness
/// (uint8 activations times int8 weights, accumulated exactly; ONNX's
/// MatMulInteger / ConvInteger widen the same way). Null otherwise.
static Type contractionElement(Type x, Type w) {
  if (x == w && !x.isInteger(8))
    return x;
  if (x.isInteger(8) && w.isInteger(8))
    return IntegerType::get(x.getContext(), 32);
  return {};
}

LogicalResult MatMulOp::verify() {
  return verifyEpilogue(*this, getActivation(), getActAlpha(), getActBeta());
}
LogicalResult LinearOp::verify() {
  return verifyEpilogue(*this, getActivation(), getActAlpha(), getActBeta());
}
LogicalResult ConvOp::verify() {
  return verifyEpilogue(*this, getActivation(), getActAlpha(), getActBeta());
}

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor a, SmallVectorImpl<Type> &out) {
  auto l = rankedOf(a.getLhs()), r = rankedOf(a.getRhs());
  Type elem = contractionElement(l.getElementType(), r.getElementType());
  if (!elem)
    return fail(loc, "matmul operands must share an element type (or both be 8-bit integers)");
  if (l.getRank() < 1 || r.getRank() < 1)
    return fail(loc, "matmul operands must have rank >= 1");
  SmallVector<int64_t> ls(l.getShape()), rs(r.getShape());
  bool lVec = ls.size() == 1, rVec = rs.size() == 1;
  if (lVec)
    ls.insert(ls.begin(), 1);
  if (rVec)
    rs.push_back(1);
  int64_t k1 = ls.back(), k2 = rs[rs.size() - 2];
  if (!dimsAgree(k1, k2))
    return fail(loc, "matmul contraction dims differ: " + shapeStr(l.getShape()) +
                         " x " + shapeStr(r.getShape()));
  auto batch = broadcastShapes(ArrayRef(ls).drop_back(2), ArrayRef(rs).drop_back(2));
  if (failed(batch))
    return fail(loc, "matmul batch dims do not broadcast: " +
                         shapeStr(l.getShape()) + " x " + shapeStr(r.getShape()));
  SmallVector<int64_t> shape = *batch;
  if (!lVec)
    shape.push_back(ls[ls.size() - 2]);
  if (!rVec)
    shape.push_back(rs.back());
  out.push_back(RankedTensorType::get(shape, elem));
  return success();
}

LogicalResult LinearOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor a, SmallVectorImpl<Type> &out) {
  auto x = rankedOf(a.getInput()), w = rankedOf(a.getWeight());
  if (x.getRank() < 1 || w.getRank() != 2)
    return fail(loc, "linear expects input rank >= 1 and a 2-D [out, in] weight");
  Type elem = contractionElement(x.getElementType(), w.getElementType());
  if (!elem)
    return fail(loc, "linear input and weight must share an element type (or both be 8-bit "
                     "integers)");
  if (!dimsAgree(x.getShape().back(), w.getDimSize(1)))
    return fail(loc, "linear input features " + shapeStr(x.getShape()) +
                         " do not match weight [out, in] " +
                         shapeStr(w.getShape()));
  if (auto b = rankedOf(a.getBias())) {
    if (b.getRank() != 1 || !dimsAgree(b.getDimSize(0), w.getDimSize(0)))
      return fail(loc, "linear bias must be 1-D with the weight's out extent");
  }
  SmallVector<int64_t> shape(x.getShape());
  shape.back() = w.getDimSize(0);
  out.push_back(RankedTensorType::get(shape, elem));
  return success();
}

LogicalResult ConvOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor a, SmallVectorImpl<Type> &out) {
  auto x = rankedOf(a.getInput()), w = rankedOf(a.getWeight());
  int64_t rank = x.getRank(), nd = rank - 2;
  if (nd < 1 || w.getRank() != rank)
    return fail(loc, "conv expects input and weight of equal rank >= 3 (N, C, "
                     "spatial...)");
  if (failed(checkWindowAttrs(loc, nd, a.getStrides(), a.getDilations(),
                              a.getPads())))
    return failure();
  Type elem = contractionElement(x.getElementType(), w.getElementType());
  if (!elem)
    return fail(loc, "conv input and weight must share an element type (or both be 8-bit "
                     "integers)");
  int64_t group = a.getGroup();
  if (group < 1)
    return fail(loc, "group must be >= 1");
  int64_t c = x.getDimSize(1), m = w.getDimSize(0), cg = w.getDimSize(1);
  if (!ShapedType::isDynamic(c) && !ShapedType::isDynamic(cg) && cg * group != c)
    return fail(loc, "input channels " + Twine(c) + " != weight channels " +
                         Twine(cg) + " x group " + Twine(group));
  if (!ShapedType::isDynamic(m) && m % group != 0)
    return fail(loc, "output channels " + Twine(m) +
                         " are not divisible by group " + Twine(group));
  if (auto b = rankedOf(a.getBias()))
    if (b.getRank() != 1 || !dimsAgree(b.getDimSize(0), m))
      return fail(loc, "conv bias must be 1-D with the output channel count");
  SmallVector<int64_t> shape = {x.getDimSize(0), m};
  auto finish = [&]() -> LogicalResult {
    auto res = RankedTensorType::get(shape, elem);
    if (auto r = rankedOf(a.getResidual()))
      if (!compatibleTypes(TypeRange{r}, TypeRange{res}))
        return fail(loc, "conv residual must have the result's type");
    out.push_back(res);
    return success();
  };
  for (int64_t i = 0; i < nd; ++i) {
    int64_t o = windowOut(x.getDimSize(2 + i), w.getDimSize(2 + i),
                          a.getStrides()[i], a.getDilations()[i],
                          a.getPads()[i] + a.getPads()[nd + i]);
    if (o != kDyn && o < 1)
      return fail(loc, "conv window is larger than the padded input in "
                       "spatial dim " +
                           Twine(i));
    shape.push_back(o);
  }
  return finish();
}

LogicalResult ConvTransposeOp::inferReturnTypes(MLIRContext *,
                                                std::optional<Location> loc,
                                                Adaptor a,
                                                SmallVectorImpl<Type> &out) {
  auto x = rankedOf(a.getInput()), w = rankedOf(a.getWeight());
  int64_t rank = x.getRank(), nd = rank - 2;
  if (nd < 1 || w.getRank() != rank)
    return fail(loc, "conv_transpose expects input and weight of equal rank >= 3");
  if (failed(checkWindowAttrs(loc, nd, a.getStrides(), a.getDilations(),
                              a.getPads())))
    return failure();
  if ((int64_t)a.getOutputPadding().size() != nd)
    return fail(loc, "expects one output_padding per spatial dim");
  if (x.getElementType() != w.getElementType())
    return fail(loc, "conv_transpose input and weight must share an element type");
  int64_t group = a.getGroup();
  if (group < 1)
    return fail(loc, "group must be >= 1");
  if (!dimsAgree(x.getDimSize(1), w.getDimSize(0)))
    return fail(loc, "input channels must equal weight dim 0");
  int64_t m = ShapedType::isDynamic(w.getDimSize(1)) ? kDyn
                                                      : w.getDimSize(1) * group;
  if (auto b = rankedOf(a.getBias()))
    if (b.getRank() != 1 || !dimsAgree(b.getDimSize(0), m))
      return fail(loc, "conv_transpose bias must be 1-D with the output "
                       "channel count");
  SmallVector<int64_t> shape = {x.getDimSize(0), m};
  for (int64_t i = 0; i < nd; ++i) {
    int64_t in = x.getDimSize(2 + i), k = w.getDimSize(2 + i);
    if (ShapedType::isDynamic(in) || ShapedType::isDynamic(k)) {
      shape.push_back(kDyn);
      continue;
    }
    int64_t o = a.getStrides()[i] * (in - 1) + a.getOutputPadding()[i] +
                (k - 1) * a.getDilations()[i] + 1 - a.getPads()[i] -
                a.getPads()[nd + i];
    if (o < 1)
      return fail(loc, "conv_transpose output extent is not positive");
    shape.push_back(o);
  }
  out.push_back(RankedTensorType::get(shape, x.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions, pooling, normalization
//===----------------------------------------------------------------------===//

LogicalResult ReduceOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc, Adaptor a,
                                         SmallVectorImpl<Type> &out) {
  auto x = rankedOf(a.getInput());
  ArrayRef<int64_t> axes = a.getAxes();
  for (size_t i = 0; i < axes.size(); ++i) {
    if (failed(checkAxis(loc, "reduce axis", axes[i], x.getRank())))
      return failure();
    if (i && axes[i] <= axes[i - 1])
      return fail(loc, "reduce axes must be sorted and unique");
  }
  bool arg = a.getKind() == ReduceKind::ArgMax || a.getKind() == ReduceKind::ArgMin;
  if (arg && axes.size() != 1)
    return fail(loc, "argmax/argmin reduce exactly one axis");
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < x.getRank(); ++i) {
    if (llvm::is_contained(axes, i)) {
      if (a.getKeepdims())
        shape.push_back(1);
    } else {
      shape.push_back(x.getDimSize(i));
    }
  }
  Type elem = arg ? IntegerType::get(ctx, 64) : x.getElementType();
  out.push_back(RankedTensorType::get(shape, elem));
  return success();
}

LogicalResult PoolOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor a, SmallVectorImpl<Type> &out) {
  auto x = rankedOf(a.getInput());
  int64_t nd = x.getRank() - 2;
  if (nd < 1)
    return fail(loc, "pool expects rank >= 3 (N, C, spatial...)");
  if ((int64_t)a.getKernel().size() != nd)
    return fail(loc, "expects one kernel extent per spatial dim");
  if (failed(checkWindowAttrs(loc, nd, a.getStrides(), a.getDilations(),
                              a.getPads())))
    return failure();
  ArrayRef<int64_t> extra = a.getExtraPads();
  if (!extra.empty() && (int64_t)extra.size() != 2 * nd)
    return fail(loc, "extra_pads must be empty or hold 2 per spatial dim");
  SmallVector<int64_t> shape = {x.getDimSize(0), x.getDimSize(1)};
  for (int64_t i = 0; i < nd; ++i) {
    if (a.getKernel()[i] < 1)
      return fail(loc, "kernel extents must be >= 1");
    int64_t pad = a.getPads()[i] + a.getPads()[nd + i];
    if (!extra.empty())
      pad += extra[i] + extra[nd + i];
    int64_t o = windowOut(x.getDimSize(2 + i), a.getKernel()[i],
                          a.getStrides()[i], a.getDilations()[i], pad);
    if (o != kDyn && o < 1)
      return fail(loc, "pool window is larger than the padded input");
    shape.push_back(o);
  }
  out.push_back(RankedTensorType::get(shape, x.getElementType()));
  return success();
}

LogicalResult BatchNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor a, SmallVectorImpl<Type> &out) {
  auto x = rankedOf(a.getInput());
  if (x.getRank() < 2)
    return fail(loc, "batch_norm expects rank >= 2");
  for (Value v : {a.getScale(), a.getBias(), a.getMean(), a.getVariance()}) {
    auto t = rankedOf(v);
    if (t.getRank() != 1 || !dimsAgree(t.getDimSize(0), x.getDimSize(1)))
      return fail(loc, "batch_norm parameters must be 1-D with the channel "
                       "count " +
                           shapeStr(x.getShape().slice(1, 1)));
  }
  out.push_back(x);
  return success();
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor a, SmallVectorImpl<Type> &out) {
  auto x = rankedOf(a.getInput());
  int64_t axis = a.getAxis();
  if (failed(checkAxis(loc, "layer_norm axis", axis, x.getRank())))
    return failure();
  ArrayRef<int64_t> norm = x.getShape().drop_front(axis);
  for (Value v : {a.getScale(), a.getBias()}) {
    auto t = rankedOf(v);
    if (!t)
      continue;
    if (t.getRank() > (int64_t)norm.size())
      return fail(loc, "layer_norm scale/bias rank exceeds the normalized dims");
    ArrayRef<int64_t> tail = norm.take_back(t.getRank());
    for (auto [p, q] : llvm::zip(t.getShape(), tail))
      if (p != 1 && !dimsAgree(p, q))
        return fail(loc, "layer_norm scale/bias " + shapeStr(t.getShape()) +
                             " do not broadcast to the normalized dims " +
                             shapeStr(norm));
  }
  out.push_back(x);
  return success();
}

LogicalResult GroupNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor a, SmallVectorImpl<Type> &out) {
  auto x = rankedOf(a.getInput());
  if (x.getRank() < 3)
    return fail(loc, "group_norm expects rank >= 3 (N, C, spatial...)");
  int64_t g = a.getNumGroups(), c = x.getDimSize(1);
  if (g < 1 || (!ShapedType::isDynamic(c) && c % g != 0))
    return fail(loc, "channels " + Twine(c) + " are not divisible into " +
                         Twine(g) + " groups");
  for (Value v : {a.getScale(), a.getBias()}) {
    auto t = rankedOf(v);
    if (t.getRank() != 1 || !dimsAgree(t.getDimSize(0), c))
      return fail(loc, "group_norm scale/bias must be 1-D per channel");
  }
  out.push_back(x);
  return success();
}

LogicalResult SoftmaxOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor a, SmallVectorImpl<Type> &out) {
  auto x = rankedOf(a.getInput());
  if (failed(checkAxis(loc, "softmax axis", a.getAxis(), x.getRank())))
    return failure();
  if (!isa<FloatType>(x.getElementType()))
    return fail(loc, "softmax expects a float tensor");
  out.push_back(x);
  return success();
}

LogicalResult AttentionOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor a, SmallVectorImpl<Type> &out) {
  auto q = rankedOf(a.getQuery()), k = rankedOf(a.getKey()),
       v = rankedOf(a.getValue());
  int64_t r = q.getRank();
  if (r < 2 || k.getRank() != r || v.getRank() != r)
    return fail(loc, "attention expects query, key and value of equal rank >= 2");
  if (!dimsAgree(q.getDimSize(r - 1), k.getDimSize(r - 1)))
    return fail(loc, "query and key head dims differ");
  if (!dimsAgree(k.getDimSize(r - 2), v.getDimSize(r - 2)))
    return fail(loc, "key and value sequence lengths differ");
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < r - 2; ++i) {
    if (!dimsAgree(q.getDimSize(i), k.getDimSize(i)) ||
        !dimsAgree(q.getDimSize(i), v.getDimSize(i)))
      return fail(loc, "attention batch dims differ");
    shape.push_back(mergeDim(q.getDimSize(i), k.getDimSize(i)));
  }
  if (auto m = rankedOf(a.getMask())) {
    SmallVector<int64_t> scores(shape);
    scores.push_back(q.getDimSize(r - 2));
    scores.push_back(k.getDimSize(r - 2));
    auto b = broadcastShapes(scores, m.getShape());
    if (m.getRank() > r || failed(b) ||
        failed(verifyCompatibleShape(*b, scores)))
      return fail(loc, "attention mask " + shapeStr(m.getShape()) +
                           " does not broadcast to the scores " +
                           shapeStr(scores));
  }
  shape.push_back(q.getDimSize(r - 2));
  shape.push_back(v.getDimSize(r - 1));
  out.push_back(RankedTensorType::get(shape, q.getElementType()));
  return success();
}

LogicalResult CachedAttentionOp::verify() {
  auto q = getQuery().getType(), k = getKey().getType(), v = getValue().getType();
  auto kc = getKeyCache().getType(), vc = getValueCache().getType();
  auto pos = getPositions().getType(), table = getBlockTable().getType();
  auto res = getType();
  for (RankedTensorType t : {q, k, v, kc, vc, res})
    if (t.getRank() != 4 || !isa<FloatType>(t.getElementType()))
      return emitOpError("query, key, value, caches and result must be 4-D float tensors");
  if (!kc.hasStaticShape() || kc != vc)
    return emitOpError("the key and value caches must have one static shape");
  int64_t heads = q.getDimSize(1), kvHeads = kc.getDimSize(1), dim = kc.getDimSize(3);
  if (ShapedType::isDynamic(heads) || heads % kvHeads)
    return emitOpError("query heads (")
           << heads << ") must be a multiple of the cache's (" << kvHeads << ")";
  for (RankedTensorType t : {k, v})
    if (!dimsAgree(t.getDimSize(1), kvHeads) || !dimsAgree(t.getDimSize(3), dim) ||
        !dimsAgree(t.getDimSize(0), q.getDimSize(0)) ||
        !dimsAgree(t.getDimSize(2), q.getDimSize(2)))
      return emitOpError("new keys and values must be [B, ") << kvHeads << ", S, " << dim << "]";
  if (!dimsAgree(q.getDimSize(3), dim) || res.getShape() != q.getShape())
    return emitOpError("query and result must be [B, H, S, ") << dim << "]";
  if (pos.getRank() != 1 || !pos.getElementType().isInteger(64) ||
      !dimsAgree(pos.getDimSize(0), q.getDimSize(0)))
    return emitOpError("positions must be [B] i64");
  if (table.getRank() != 2 || !table.getElementType().isInteger(32) ||
      !dimsAgree(table.getDimSize(0), q.getDimSize(0)) || table.isDynamicDim(1))
    return emitOpError("block_table must be [B, max_blocks] i32 with static max_blocks");
  return success();
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::verify() {
  auto in = getInput().getType(), res = getType();
  if (in.getElementType() != res.getElementType())
    return emitOpError("cannot change the element type");
  if (in.hasStaticShape() && res.hasStaticShape() &&
      in.getNumElements() != res.getNumElements())
    return emitOpError() << "element count changes: " << shapeStr(in.getShape())
                         << " has " << in.getNumElements() << ", "
                         << shapeStr(res.getShape()) << " has "
                         << res.getNumElements();
  if (auto s = rankedOf(getShape()))
    if (s.getRank() != 1 || !isIntegerTensor(s) ||
        !dimsAgree(s.getDimSize(0), res.getRank()))
      return emitOpError("shape operand must be a 1-D integer tensor with one "
                         "extent per result dim");
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  // Same type: the identity, unless a run-time shape may regroup open
  // extents (tensor<?x?xf32> to tensor<?x?xf32> by [3, 2] from [2, 3]).
  if (getInput().getType() == getType() && (getType().hasStaticShape() || !getShape()))
    return getInput();
  // reshape(reshape(x)) -> reshape(x): only the final shape matters.
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    if (!getShape() || getType().hasStaticShape()) {
      getInputMutable().assign(inner.getInput());
      if (getShape() && getType().hasStaticShape())
        getShapeMutable().clear();
      return getResult();
    }
  }
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    if (getType().hasStaticShape())
      return dense.reshape(getType());
  return {};
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor a, SmallVectorImpl<Type> &out) {
  auto x = rankedOf(a.getInput());
  ArrayRef<int64_t> perm = a.getPerm();
  if ((int64_t)perm.size() != x.getRank())
    return fail(loc, "perm has " + Twine(perm.size()) + " entries for rank " +
                         Twine(x.getRank()));
  llvm::SmallSet<int64_t, 8> seen;
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= x.getRank() || !seen.insert(p).second)
      return fail(loc, "perm is not a permutation of [0, rank)");
    shape.push_back(x.getDimSize(p));
  }
  out.push_back(RankedTensorType::get(shape, x.getElementType()));
  return success();
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  ArrayRef<int64_t> perm = getPerm();
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return getInput();
  // transpose(transpose(x, p1), p2) -> transpose(x, p1 ∘ p2).
  if (auto inner = getInput().getDefiningOp<TransposeOp>()) {
    SmallVector<int64_t> composed;
    for (int64_t p : perm)
      composed.push_back(inner.getPerm()[p]);
    getInputMutable().assign(inner.getInput());
    setPerm(composed);
    if (llvm::equal(composed, llvm::seq<int64_t>(0, composed.size())) &&
        getInput().getType() == getType())
      return getInput();
    return getResult();
  }
  return {};
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor a, SmallVectorImpl<Type> &out) {
  auto x = rankedOf(a.getInput());
  int64_t r = x.getRank();
  if ((int64_t)a.getStarts().size() != r || (int64_t)a.getSizes().size() != r ||
      (int64_t)a.getSteps().size() != r)
    return fail(loc, "slice expects one start, size and step per dim");
  std::optional<ArrayRef<int64_t>> ends = a.getEnds();
  if (ends && (int64_t)ends->size() != r)
    return fail(loc, "slice expects one end per dim");
  for (int64_t i = 0; i < r; ++i) {
    int64_t st = a.getStarts()[i], sz = a.getSizes()[i], step = a.getSteps()[i];
    if (step == 0)
      return fail(loc, "slice step must not be 0");
    // An open size: an open dim taken whole, or with `ends` [start, end)
    // by a positive step, clamped at run time.
    if (ShapedType::isDynamic(sz)) {
      if (!x.isDynamicDim(i) || (!ends && (st != 0 || step != 1)))
        return fail(loc, "an open slice size takes an open dim whole (start 0, step 1) "
                         "or, with ends, cuts it");
      continue;
    }
    if (sz < 0)
      return fail(loc, "slice size must be >= 0");
    int64_t d = x.getDimSize(i);
    if (sz > 0 && !ShapedType::isDynamic(d)) {
      int64_t last = st + (sz - 1) * step;
      if (st < 0 || st >= d || last < 0 || last >= d)
        return fail(loc, "slice of dim " + Twine(i) + " reads outside [0, " +
                             Twine(d) + ")");
    }
  }
  out.push_back(RankedTensorType::get(a.getSizes(), x.getElementType()));
  return success();
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor a, SmallVectorImpl<Type> &out) {
  if (a.getInputs().empty())
    return fail(loc, "concat needs at least one input");
  auto first = rankedOf(a.getInputs().front());
  int64_t axis = a.getAxis();
  if (failed(checkAxis(loc, "concat axis", axis, first.getRank())))
    return failure();
  SmallVector<int64_t> shape(first.getShape());
  for (Value v : a.getInputs().drop_front()) {
    auto t = rankedOf(v);
    if (t.getRank() != first.getRank() ||
        t.getElementType() != first.getElementType())
      return fail(loc, "concat inputs must share rank and element type");
    for (int64_t i = 0; i < t.getRank(); ++i) {
      if (i == axis) {
        shape[i] = ShapedType::isDynamic(shape[i]) || t.isDynamicDim(i)
                       ? kDyn
                       : shape[i] + t.getDimSize(i);
      } else if (!dimsAgree(shape[i], t.getDimSize(i))) {
        return fail(loc, "concat inputs differ in dim " + Twine(i) +
                             " (not the concat axis)");
      } else {
        shape[i] = mergeDim(shape[i], t.getDimSize(i));
      }
    }
  }
  out.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}


LogicalResult SplitOp::verify() {
  auto x = getInput().getType();
  int64_t axis = getAxis();
  if (axis < 0 || axis >= x.getRank())
    return emitOpError() << "axis " << axis << " is out of range";
  if (getSizes().size() != getNumResults())
    return emitOpError("expects one size per result");
  int64_t total = 0;
  for (auto [i, sz] : llvm::enumerate(getSizes())) {
    if (sz < 0)
      return emitOpError("split sizes must be >= 0");
    total += sz;
    auto t = cast<RankedTensorType>(getResult(i).getType());
    SmallVector<int64_t> want(x.getShape());
    want[axis] = sz;
    if (t.getElementType() != x.getElementType() ||
        failed(verifyCompatibleShape(t.getShape(), want)))
      return emitOpError() << "result " << i << " should be "
                           << shapeStr(want);
  }
  if (!x.isDynamicDim(axis) && total != x.getDimSize(axis))
    return emitOpError() << "sizes sum to " << total << " but the axis has "
                         << x.getDimSize(axis);
  return success();
}

LogicalResult GatherOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor a, SmallVectorImpl<Type> &out) {
  auto d = rankedOf(a.getData()), idx = rankedOf(a.getIndices());
  if (failed(checkAxis(loc, "gather axis", a.getAxis(), d.getRank())))
    return failure();
  if (!isIntegerTensor(idx))
    return fail(loc, "gather indices must be integers");
  SmallVector<int64_t> shape(d.getShape().take_front(a.getAxis()));
  llvm::append_range(shape, idx.getShape());
  llvm::append_range(shape, d.getShape().drop_front(a.getAxis() + 1));
  out.push_back(RankedTensorType::get(shape, d.getElementType()));
  return success();
}

LogicalResult GatherElementsOp::inferReturnTypes(MLIRContext *,
                                                 std::optional<Location> loc,
                                                 Adaptor a,
                                                 SmallVectorImpl<Type> &out) {
  auto d = rankedOf(a.getData()), idx = rankedOf(a.getIndices());
  if (failed(checkAxis(loc, "gather_elements axis", a.getAxis(), d.getRank())))
    return failure();
  if (!isIntegerTensor(idx) || idx.getRank() != d.getRank())
    return fail(loc, "gather_elements indices must be integers of the data's rank");
  out.push_back(RankedTensorType::get(idx.getShape(), d.getElementType()));
  return success();
}

LogicalResult ScatterElementsOp::inferReturnTypes(MLIRContext *,
                                                  std::optional<Location> loc,
                                                  Adaptor a,
                                                  SmallVectorImpl<Type> &out) {
  auto d = rankedOf(a.getData()), idx = rankedOf(a.getIndices()),
       u = rankedOf(a.getUpdates());
  if (failed(checkAxis(loc, "scatter_elements axis", a.getAxis(), d.getRank())))
    return failure();
  if (!isIntegerTensor(idx) || idx.getRank() != d.getRank() ||
      failed(verifyCompatibleShape(idx.getShape(), u.getShape())))
    return fail(loc, "scatter_elements indices and updates must share a shape "
                     "of the data's rank");
  if (u.getElementType() != d.getElementType())
    return fail(loc, "scatter_elements updates must match the data's type");
  out.push_back(d);
  return success();
}

LogicalResult PadOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                      Adaptor a, SmallVectorImpl<Type> &out) {
  auto x = rankedOf(a.getInput());
  int64_t r = x.getRank();
  if ((int64_t)a.getPads().size() != 2 * r)
    return fail(loc, "pad expects " + Twine(2 * r) +
                         " pads (every begin, then every end)");
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < r; ++i) {
    int64_t d = x.getDimSize(i);
    if (ShapedType::isDynamic(d)) {
      shape.push_back(kDyn);
      continue;
    }
    int64_t o = d + a.getPads()[i] + a.getPads()[r + i];
    if (o < 0)
      return fail(loc, "pad crops dim " + Twine(i) + " below zero");
    if (a.getMode() != PadMode::Constant && d == 0 && o > 0)
      return fail(loc, "reflect/edge padding of an empty dim");
    shape.push_back(o);
  }
  out.push_back(RankedTensorType::get(shape, x.getElementType()));
  return success();
}

LogicalResult ExpandOp::verify() {
  auto in = getInput().getType(), res = getType();
  if (in.getElementType() != res.getElementType())
    return emitOpError("cannot change the element type");
  auto b = broadcastShapes(in.getShape(), res.getShape());
  if (in.getRank() > res.getRank() || failed(b) ||
      failed(verifyCompatibleShape(*b, res.getShape())))
    return emitOpError() << shapeStr(in.getShape())
                         << " does not broadcast to " << shapeStr(res.getShape());
  return success();
}

OpFoldResult ExpandOp::fold(FoldAdaptor adaptor) {
  // Same open type is no identity: an open extent of 1 may broadcast.
  if (getInput().getType() == getType() && getType().hasStaticShape())
    return getInput();
  if (auto splat = dyn_cast_or_null<SplatElementsAttr>(adaptor.getInput()))
    if (getType().hasStaticShape())
      return splat.resizeSplat(getType());
  return {};
}

LogicalResult TileOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor a, SmallVectorImpl<Type> &out) {
  auto x = rankedOf(a.getInput());
  if ((int64_t)a.getRepeats().size() != x.getRank())
    return fail(loc, "tile expects one repeat count per dim");
  SmallVector<int64_t> shape;
  for (auto [d, r] : llvm::zip(x.getShape(), a.getRepeats())) {
    if (r < 0)
      return fail(loc, "tile repeats must be >= 0");
    shape.push_back(ShapedType::isDynamic(d) ? kDyn : d * r);
  }
  out.push_back(RankedTensorType::get(shape, x.getElementType()));
  return success();
}

bool mlir::autoglm::isExactOpenResizeScale(double s) {
  if (s >= 1 && s <= 1024 && s == std::floor(s))
    return true;
  for (int k = 1; k <= 16; ++k)
    if (s == std::ldexp(1.0, -k))
      return true;
  return false;
}

LogicalResult ResizeOp::verify() {
  auto in = getInput().getType(), res = getType();
  if (in.getRank() != res.getRank() || in.getElementType() != res.getElementType())
    return emitOpError("must keep rank and element type");
  if ((int64_t)getScales().size() != in.getRank())
    return emitOpError("expects one scale per dim");
  for (double s : getScales())
    if (!(s > 0.0))
      return emitOpError("scales must be positive");
  static const char *modes[] = {"half_pixel", "pytorch_half_pixel", "align_corners",
                                "asymmetric", "tf_crop_and_resize",
                                "half_pixel_symmetric", "tf_half_pixel_for_nn"};
  if (!llvm::is_contained(modes, getCoordinateTransformationMode()))
    return emitOpError() << "unknown coordinate_transformation_mode '"
                         << getCoordinateTransformationMode() << "'";
  return success();
}

LogicalResult ShapeOp::verify() {
  auto res = getType();
  if (res.getRank() != 1 ||
      !dimsAgree(res.getDimSize(0), getInput().getType().getRank()))
    return emitOpError("result must be 1-D with one entry per input dim");
  return success();
}

OpFoldResult ShapeOp::fold(FoldAdaptor) {
  auto in = getInput().getType();
  if (!in.hasStaticShape() || !getType().hasStaticShape())
    return {};
  return DenseElementsAttr::get(getType(), in.getShape());
}

//===----------------------------------------------------------------------===//
// Strings
//===----------------------------------------------------------------------===//

std::optional<SmallVector<int64_t>> mlir::autoglm::resultBound(Value v) {
  // A data-dependent count never reaches an entry point as a zero extent:
  // the buffers keep at least one row.
  auto atLeastOne = [](int64_t n) { return std::max<int64_t>(n, 1); };
  if (auto nz = v.getDefiningOp<NonZeroOp>()) {
    auto in = nz.getInput().getType();
    if (!in.hasStaticShape())
      return std::nullopt;
    return SmallVector<int64_t>{in.getRank(), atLeastOne(in.getNumElements())};
  }
  if (auto u = v.getDefiningOp<UniqueOp>()) {
    auto in = u.getInput().getType();
    if (!in.hasStaticShape() || v == u.getInverse())
      return std::nullopt;
    int64_t rows = atLeastOne(in.getDimSize(0));
    if (v == u.getValues())
      return SmallVector<int64_t>{rows, in.getDimSize(1)};
    return SmallVector<int64_t>{rows};
  }
  if (auto nms = v.getDefiningOp<NonMaxSuppressionOp>()) {
    auto sc = nms.getScores().getType();
    if (!sc.hasStaticShape())
      return std::nullopt;
    return SmallVector<int64_t>{
        atLeastOne(sc.getDimSize(0) * sc.getDimSize(1) * nms.getPerClassBound()), 3};
  }
  auto op = v.getDefiningOp<StringNormalizeOp>();
  if (!op || !op.getInput().getType().hasStaticShape())
    return std::nullopt;
  SmallVector<int64_t> shape(op.getInput().getType().getShape());
  // With stopwords, a result with nothing left is one empty string.
  if (!op.getStopwords().empty())
    shape.back() = std::max<int64_t>(shape.back(), 1);
  return shape;
}

LogicalResult StringNormalizeOp::verify() {
  auto in = getInput().getType();
  auto res = getType();
  if (in.getRank() == 2 && !dimsAgree(in.getDimSize(0), 1))
    return emitOpError("input must be [C] or [1, C], has ") << in;
  if (in.getRank() != 1 && in.getRank() != 2)
    return emitOpError("input must be [C] or [1, C], has ") << in;
  if (res.getRank() != in.getRank())
    return emitOpError("result must have the input's rank");
  if (in.getRank() == 2 && !dimsAgree(res.getDimSize(0), 1))
    return emitOpError("result must be [1, C']");
  int64_t c = in.getShape().back(), r = res.getShape().back();
  // Removal never adds elements; with no stopwords nothing is removed.
  if (!ShapedType::isDynamic(c) && !ShapedType::isDynamic(r) &&
      (r > std::max<int64_t>(c, 1) || (getStopwords().empty() && r != c)))
    return emitOpError("result extent ") << r << " is impossible for input extent " << c;
  return success();
}

LogicalResult IotaOp::verify() {
  auto like = getLike().getType();
  if (getDim() < 0 || getDim() >= like.getRank())
    return emitOpError("dim ") << getDim() << " is not a dim of " << like;
  if (failed(verifyCompatibleShape(like.getShape(), getType().getShape())))
    return emitOpError("result must have the shape of `like`");
  return success();
}

//===----------------------------------------------------------------------===//
// Data-dependent extents
//===----------------------------------------------------------------------===//

LogicalResult NonZeroOp::verify() {
  auto in = getInput().getType();
  auto res = getType();
  if (res.getRank() != 2 || !dimsAgree(res.getDimSize(0), in.getRank()))
    return emitOpError("result must be [rank, count], rank ") << in.getRank();
  if (in.hasStaticShape() && !res.isDynamicDim(1) && res.getDimSize(1) > in.getNumElements())
    return emitOpError("result has more entries than the input has elements");
  return success();
}

LogicalResult UniqueOp::verify() {
  auto in = getInput().getType();
  if (in.getRank() != 2)
    return emitOpError("input must be rows [N, R], has ") << in;
  auto values = getValues().getType();
  if (values.getElementType() != in.getElementType() || values.getRank() != 2 ||
      !dimsAgree(values.getDimSize(1), in.getDimSize(1)))
    return emitOpError("values must be [U, R] of the input's element type");
  auto inverse = getInverse().getType();
  if (inverse.getRank() != 1 || !dimsAgree(inverse.getDimSize(0), in.getDimSize(0)))
    return emitOpError("inverse must be [N]");
  for (auto t : {getIndices().getType(), getCounts().getType()})
    if (t.getRank() != 1 || !dimsAgree(t.getDimSize(0), values.getDimSize(0)))
      return emitOpError("indices and counts must be [U]");
  return success();
}

LogicalResult TopKOp::verify() {
  auto in = getInput().getType();
  int64_t axis = getAxis(), k = getK();
  if (axis < 0 || axis >= in.getRank())
    return emitOpError("axis ") << axis << " is not a dim of " << in;
  if (k < 1)
    return emitOpError("k must be at least 1, got ") << k;
  if (!in.isDynamicDim(axis) && in.getDimSize(axis) < k)
    return emitOpError("k = ") << k << " exceeds the axis' extent " << in.getDimSize(axis);
  for (auto res : {getValues().getType(), getIndices().getType()}) {
    if (res.getRank() != in.getRank())
      return emitOpError("results must have the input's rank");
    for (int64_t d = 0; d < in.getRank(); ++d)
      if (!dimsAgree(res.getDimSize(d), d == axis ? k : in.getDimSize(d)))
        return emitOpError("result ") << res << " does not match input " << in << " with k = " << k;
  }
  if (getValues().getType().getElementType() != in.getElementType())
    return emitOpError("values must have the input's element type");
  return success();
}

LogicalResult NonMaxSuppressionOp::verify() {
  auto boxes = getBoxes().getType(), scores = getScores().getType();
  if (boxes.getRank() != 3 || !dimsAgree(boxes.getDimSize(2), 4))
    return emitOpError("boxes must be [B, S, 4], has ") << boxes;
  if (scores.getRank() != 3 || !dimsAgree(scores.getDimSize(0), boxes.getDimSize(0)) ||
      !dimsAgree(scores.getDimSize(2), boxes.getDimSize(1)))
    return emitOpError("scores must be [B, C, S] for boxes ") << boxes << ", has " << scores;
  for (Value v : {getMaxPerClass(), getIouThreshold(), getScoreThreshold()}) {
    auto t = cast<RankedTensorType>(v.getType());
    if (!t.hasStaticShape() || t.getNumElements() != 1)
      return emitOpError("max_per_class and the thresholds must have one element");
  }
  if (getPerClassBound() < 0)
    return emitOpError("per_class_bound must not be negative");
  auto res = getType();
  if (res.getRank() != 2 || !dimsAgree(res.getDimSize(1), 3))
    return emitOpError("result must be [K, 3]");
  return success();
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

static LogicalResult verifyQuantParams(Operation *op, RankedTensorType data, RankedTensorType scale,
                                       RankedTensorType zp, int64_t axis, Type intType,
                                       int64_t blockSize) {
  if (!isa<FloatType>(scale.getElementType()))
    return op->emitOpError("scale must be a float tensor");
  if (zp.getElementType() != intType)
    return op->emitOpError("zero_point must have the quantized element type");
  if (!isa<IntegerType>(intType))
    return op->emitOpError("quantized type must be an integer");
  if (failed(verifyCompatibleShape(scale.getShape(), zp.getShape())))
    return op->emitOpError("scale and zero_point must share a shape");
  if (blockSize < 0)
    return op->emitOpError("block_size must not be negative");
  if (blockSize > 0) {
    if (axis < 0 || axis >= data.getRank())
      return op->emitOpError() << "axis " << axis << " is out of range";
    if (scale.getRank() != data.getRank())
      return op->emitOpError("a blocked scale must have the input's rank");
    for (int64_t d = 0; d < data.getRank(); ++d) {
      int64_t n = data.getDimSize(d);
      int64_t want = d != axis || ShapedType::isDynamic(n) ? n : (n + blockSize - 1) / blockSize;
      if (!dimsAgree(scale.getDimSize(d), want))
        return op->emitOpError() << "blocked scale dim " << d << " must be " << want;
    }
    return success();
  }
  bool perTensor = scale.getRank() == 0 ||
                   (scale.getRank() == 1 && scale.getDimSize(0) == 1);
  if (perTensor)
    return success();
  if (scale.getRank() != 1)
    return op->emitOpError("scale must be a scalar or 1-D (per axis)");
  if (axis < 0 || axis >= data.getRank())
    return op->emitOpError() << "axis " << axis << " is out of range";
  if (!dimsAgree(scale.getDimSize(0), data.getDimSize(axis)))
    return op->emitOpError("per-axis scale must have the axis' extent");
  return success();
}

LogicalResult QuantizeOp::verify() {
  if (!isa<FloatType>(getInput().getType().getElementType()))
    return emitOpError("input must be a float tensor");
  if (failed(verifyCompatibleShape(getInput().getType(), getType())))
    return emitOpError("cannot change the shape");
  return verifyQuantParams(*this, getInput().getType(), getScale().getType(),
                           getZeroPoint().getType(), getAxis(), getType().getElementType(),
                           getBlockSize());
}

LogicalResult DequantizeOp::verify() {
  if (!isa<FloatType>(getType().getElementType()))
    return emitOpError("result must be a float tensor");
  if (failed(verifyCompatibleShape(getInput().getType(), getType())))
    return emitOpError("cannot change the shape");
  return verifyQuantParams(*this, getInput().getType(), getScale().getType(),
                           getZeroPoint().getType(), getAxis(),
                           getInput().getType().getElementType(), getBlockSize());
}
