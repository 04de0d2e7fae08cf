//===- ImportContext.h - state shared by the ONNX op rules --------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Private to lib/Importer/ONNX. The graph importer walks the nodes; each ONNX
// op type has one rule (a function in NN.cpp, Math.cpp, Tensor.cpp, ...) that
// turns a node into core autoglm ops through a NodeImporter.
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_LIB_IMPORTER_ONNX_IMPORTCONTEXT_H
#define AUTOGLM_LIB_IMPORTER_ONNX_IMPORTCONTEXT_H

#include "autoglm/Dialect/AutoGLM/IR/AutoGLM.h"
#include "autoglm/Importer/ONNXImporter.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"

#include <onnx/onnx_pb.h>

#include <optional>

namespace mlir::autoglm::onnx_import {

class GraphImporter;

/// A view of one ONNX node for its rule: typed access to inputs, attributes
/// and constant operands, op creation with result-type inference, and
/// diagnostics that name the node.
class NodeImporter {
public:
  NodeImporter(GraphImporter &graph, const onnx::NodeProto &node, Location loc);

  const onnx::NodeProto &node() const { return nodeProto; }
  Location loc() const { return location; }
  OpBuilder &builder();
  MLIRContext *context();
  int64_t opset() const;
  /// The memory limit (ONNXImportOptions::maxMemory, resolved): the most
  /// bytes one constant a rule builds may take.
  uint64_t maxMemory() const;
  /// The folder external data must stay inside.
  const std::string &modelDir() const;

  // Inputs. ONNX marks an omitted optional input with an empty name.
  unsigned numInputs() const { return nodeProto.input_size(); }
  bool hasInput(unsigned i) const {
    return i < (unsigned)nodeProto.input_size() && !nodeProto.input(i).empty();
  }
  Value input(unsigned i) const;
  /// The value of any name visible here (null if none yet).
  Value lookupValue(llvm::StringRef name) const;
  RankedTensorType inputType(unsigned i) const;
  /// Integer contents of a constant input (initializer or Constant node).
  FailureOr<SmallVector<int64_t>> constInts(unsigned i);
  /// Integer contents of a shape-like input with the entries not known at
  /// compile time as ShapedType::kDynamic (Shape of an open extent).
  FailureOr<SmallVector<int64_t>> partialInts(unsigned i);
  /// Float contents of a constant input.
  FailureOr<SmallVector<double>> constFloats(unsigned i);
  bool isConstInput(unsigned i) const;

  // Outputs.
  unsigned numOutputs() const { return nodeProto.output_size(); }
  bool hasOutput(unsigned i) const {
    return i < (unsigned)nodeProto.output_size() && !nodeProto.output(i).empty();
  }
  /// The type ONNX shape inference gave output i, or null.
  RankedTensorType outputType(unsigned i) const;
  void setOutput(unsigned i, Value v);
  /// Sequences (Sequence.cpp) are import-time lists of tensor values. An
  /// element may be null when only the sequence's length is known at compile
  /// time; only `lengthOnly` readers (SequenceLength) accept those.
  FailureOr<SmallVector<Value>> inputSequence(unsigned i, bool lengthOnly = false);
  void setOutputSequence(unsigned i, ArrayRef<Value> elems);

  // Attributes.
  const onnx::AttributeProto *attr(llvm::StringRef name) const;
  bool hasAttr(llvm::StringRef name) const { return attr(name) != nullptr; }
  int64_t attrInt(llvm::StringRef name, int64_t dflt) const;
  double attrFloat(llvm::StringRef name, double dflt) const;
  std::string attrString(llvm::StringRef name, llvm::StringRef dflt) const;
  SmallVector<int64_t> attrInts(llvm::StringRef name) const;
  SmallVector<double> attrFloats(llvm::StringRef name) const;

  /// Emits "ONNX node 'name' (Op): msg" at the node and returns failure.
  LogicalResult error(const Twine &msg) const;
  InFlightDiagnostic emitError() const;

  /// Creates an op whose result type is `resultType` when given, else what
  /// the op's shape rule infers; the op is then verified. On any failure the
  /// op is erased and a diagnostic naming the node is left.
  template <typename OpTy, typename... Args>
  FailureOr<Value> make(Type resultType, Args &&...args) {
    Type t = resultType ? resultType : placeholderType();
    auto op = OpTy::create(builder(), location, t, std::forward<Args>(args)...);
    if (failed(finalize(op.getOperation(), resultType)))
      return failure();
    return foldConstant(op.getOperation());
  }

  /// A splat constant of the given element type and shape (rank 0 default).
  Value splat(Type elemType, double value, ArrayRef<int64_t> shape = {});
  /// A 1-D i64 constant.
  Value i64Vector(ArrayRef<int64_t> values);
  Value constant(ElementsAttr value);

  /// Imports the nodes of a subgraph (an If branch, a loop body) here,
  /// sharing the enclosing graph's values.
  LogicalResult importSubgraph(const onnx::GraphProto &g);
  /// Gives a name a value (a subgraph's formal input, before its nodes are
  /// imported).
  void bind(llvm::StringRef name, Value v);

  /// Normalizes a possibly negative axis against `rank`.
  FailureOr<int64_t> normAxis(int64_t axis, int64_t rank) const;

private:
  Type placeholderType();
  LogicalResult finalize(Operation *op, Type declared);
  /// Evaluates an op whose operands are all constants (shape arithmetic);
  /// returns the constant, or the op's result when it does not fold.
  Value foldConstant(Operation *op);

  GraphImporter &graph;
  const onnx::NodeProto &nodeProto;
  Location location;
};

using Rule = LogicalResult (*)(NodeImporter &);
using RuleTable = llvm::StringMap<Rule>;

// One registration function per ONNX op family (one .cpp each).
void registerNNRules(RuleTable &table);
void registerMathRules(RuleTable &table);
void registerTensorRules(RuleTable &table);
void registerQuantRules(RuleTable &table);
void registerCompositeRules(RuleTable &table);
void registerSequenceRules(RuleTable &table);
void registerStringRules(RuleTable &table);
void registerRecurrentRules(RuleTable &table);
void registerControlFlowRules(RuleTable &table);
void registerTrainingRules(RuleTable &table);
void registerSamplingRules(RuleTable &table);
void registerSpectralRules(RuleTable &table);
void registerMatrixRules(RuleTable &table);
void registerDataDependentRules(RuleTable &table);

// Graph input shapes before import (Shapes.cpp): --input-range /
// dynamic_shape as --dim / --max-dim entries, --open-inputs, and the
// --input-shape / --dim fixes.
LogicalResult resolveInputRanges(onnx::ModelProto &model, Location fileLoc,
                                 ONNXImportOptions &options);
void openInputs(onnx::ModelProto &model, ONNXImportOptions &options);
LogicalResult specializeShapes(onnx::ModelProto &model, Location fileLoc,
                               const ONNXImportOptions &options);

/// The ONNX element type as an MLIR type (unsigned ONNX types become
/// unsigned MLIR integers), or null for types the core does not model.
Type convertElementType(MLIRContext *ctx, int32_t onnxType);

/// Shared by the family files: elementwise helpers that several ONNX ops
/// decompose into.
FailureOr<Value> makeUnary(NodeImporter &n, UnaryKind kind, Value x,
                           Type resultType = {},
                           std::optional<double> alpha = std::nullopt,
                           std::optional<double> beta = std::nullopt);
FailureOr<Value> makeBinary(NodeImporter &n, BinaryKind kind, Value a, Value b,
                            Type resultType = {});

/// The `reduction` attribute of ScatterElements / ScatterND (none, add,
/// mul), or an error naming the node.
FailureOr<ScatterReduction> scatterReduction(NodeImporter &n);

/// Conv (ONNX Conv's window attributes of node `n`, auto_pad against node
/// input 0's shape) of `input` and `weight` with an optional per-channel
/// `bias`; the result type is inferred when `resultType` is null.
FailureOr<Value> makeConv(NodeImporter &n, Value input, Value weight, Value bias,
                          Type resultType = {});

/// Builds ops through the node, remembering the first failure: every
/// helper returns a null value once anything failed, so a chain of them
/// needs one check at its end.
class Emitter {
public:
  explicit Emitter(NodeImporter &n) : n(n) {}
  bool failed() const { return bad; }

  Value take(FailureOr<Value> v) {
    if (::mlir::failed(v)) {
      bad = true;
      return {};
    }
    return *v;
  }
  bool ready(std::initializer_list<Value> vs) {
    for (Value v : vs)
      if (!v)
        bad = true;
    return !bad;
  }

  Value binary(BinaryKind k, Value a, Value b) {
    return ready({a, b}) ? take(makeBinary(n, k, a, b)) : Value();
  }
  Value add(Value a, Value b) { return binary(BinaryKind::Add, a, b); }
  Value mul(Value a, Value b) { return binary(BinaryKind::Mul, a, b); }
  Value unary(UnaryKind k, Value x, std::optional<double> alpha = std::nullopt,
              std::optional<double> beta = std::nullopt) {
    return ready({x}) ? take(makeUnary(n, k, x, Type(), alpha, beta)) : Value();
  }
  Value scalar(Value like, double v) {
    return n.splat(cast<RankedTensorType>(like.getType()).getElementType(), v);
  }
  /// `size` entries of `axis` from `start`.
  Value slice(Value v, int64_t axis, int64_t start, int64_t size) {
    if (!ready({v}))
      return {};
    auto t = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> starts(t.getRank(), 0), sizes(t.getShape()), steps(t.getRank(), 1);
    starts[axis] = start;
    sizes[axis] = size;
    return take(n.make<SliceOp>(Type(), v, starts, sizes, steps));
  }
  Value reshape(Value v, ArrayRef<int64_t> shape) {
    if (!ready({v}))
      return {};
    auto t = RankedTensorType::get(shape, cast<RankedTensorType>(v.getType()).getElementType());
    return take(n.make<ReshapeOp>(t, v, Value()));
  }
  Value transpose(Value v, ArrayRef<int64_t> perm) {
    return ready({v}) ? take(n.make<TransposeOp>(Type(), v, perm)) : Value();
  }
  Value concat(ArrayRef<Value> vs, int64_t axis) {
    for (Value v : vs)
      if (!ready({v}))
        return {};
    if (vs.size() == 1)
      return vs[0];
    return take(n.make<ConcatOp>(Type(), vs, axis));
  }
  /// x · wᵀ (+ bias).
  Value linear(Value x, Value w, Value bias) {
    return ready({x, w}) ? take(n.make<LinearOp>(Type(), x, w, bias)) : Value();
  }
  Value select(Value c, Value a, Value b) {
    return ready({c, a, b}) ? take(n.make<SelectOp>(Type(), c, a, b)) : Value();
  }

private:
  NodeImporter &n;
  bool bad = false;
};

/// Refuses a constant of `shape` and `elem` that would take more than the
/// memory limit (an error naming the node, the limit and --max-memory).
/// Rules call it before they build a constant whose size follows the
/// model's extents (iotas, masks, DFT matrices), which no declared size
/// bounds.
LogicalResult checkConstantSize(NodeImporter &n, ArrayRef<int64_t> shape, Type elem);

/// A constant of `type` (integer or float elements) whose element i is
/// value(i), rounded to the element type, built from raw bytes: an
/// Attribute or APFloat an element takes several times the constant's size.
DenseElementsAttr denseOf(RankedTensorType type, llvm::function_ref<double(int64_t)> value);

/// Sets output 0 of the node to `v`, passing a failure through.
inline LogicalResult done(NodeImporter &n, FailureOr<Value> v) {
  if (failed(v))
    return failure();
  n.setOutput(0, *v);
  return success();
}

} // namespace mlir::autoglm::onnx_import

#endif // AUTOGLM_LIB_IMPORTER_ONNX_IMPORTCONTEXT_H
