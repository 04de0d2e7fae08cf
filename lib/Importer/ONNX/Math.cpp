//===- Math.cpp - ONNX elementwise and reduction ops to autoglm ----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Unary functions and activations, binary arithmetic and logic, comparisons,
// Where, variadic Sum/Mean/Max/Min, reductions, Cast.
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::onnx_import;

namespace {

Rule unaryRule(UnaryKind kind) {
  // One stateless lambda per kind keeps the table a plain function pointer.
  switch (kind) {
#define AUTOGLM_UNARY(K)                                                       \
  case UnaryKind::K:                                                           \
    return [](NodeImporter &n) {                                               \
      return done(n, makeUnary(n, UnaryKind::K, n.input(0), n.outputType(0))); \
    };
    AUTOGLM_UNARY(Abs)
    AUTOGLM_UNARY(Neg)
    AUTOGLM_UNARY(Exp)
    AUTOGLM_UNARY(Log)
    AUTOGLM_UNARY(Sqrt)
    AUTOGLM_UNARY(Reciprocal)
    AUTOGLM_UNARY(Tanh)
    AUTOGLM_UNARY(Sigmoid)
    AUTOGLM_UNARY(Relu)
    AUTOGLM_UNARY(Erf)
    AUTOGLM_UNARY(Sin)
    AUTOGLM_UNARY(Cos)
    AUTOGLM_UNARY(Tan)
    AUTOGLM_UNARY(Asin)
    AUTOGLM_UNARY(Acos)
    AUTOGLM_UNARY(Atan)
    AUTOGLM_UNARY(Sinh)
    AUTOGLM_UNARY(Cosh)
    AUTOGLM_UNARY(Asinh)
    AUTOGLM_UNARY(Acosh)
    AUTOGLM_UNARY(Atanh)
    AUTOGLM_UNARY(Floor)
    AUTOGLM_UNARY(Ceil)
    AUTOGLM_UNARY(Round)
    AUTOGLM_UNARY(Sign)
    AUTOGLM_UNARY(Not)
    AUTOGLM_UNARY(IsNaN)
    AUTOGLM_UNARY(Softplus)
    AUTOGLM_UNARY(Softsign)
    AUTOGLM_UNARY(HardSwish)
#undef AUTOGLM_UNARY
  default:
    return nullptr;
  }
}

LogicalResult importIsInf(NodeImporter &n) {
  bool neg = n.attrInt("detect_negative", 1), pos = n.attrInt("detect_positive", 1);
  auto inf = makeUnary(n, UnaryKind::IsInf, n.input(0), neg && pos ? n.outputType(0)
                                                                   : Type());
  if (failed(inf) || (neg && pos))
    return done(n, inf);
  Type elem = n.inputType(0).getElementType();
  auto side = n.make<CompareOp>(Type(), CompareKindAttr::get(n.context(),
                                                             pos ? CompareKind::GT
                                                                 : CompareKind::LT),
                                n.input(0), n.splat(elem, 0.0));
  if (failed(side))
    return failure();
  if (!neg && !pos)
    return done(n, makeBinary(n, BinaryKind::Xor, *inf, *inf, n.outputType(0)));
  return done(n, makeBinary(n, BinaryKind::And, *inf, *side, n.outputType(0)));
}

/// Activations with parameters: ONNX attribute names and defaults.
LogicalResult importParamUnary(NodeImporter &n, UnaryKind kind) {
  std::optional<double> alpha, beta;
  switch (kind) {
  case UnaryKind::HardSigmoid:
    alpha = n.attrFloat("alpha", 0.2);
    beta = n.attrFloat("beta", 0.5);
    break;
  case UnaryKind::LeakyRelu:
    alpha = n.attrFloat("alpha", 0.01);
    break;
  case UnaryKind::Elu:
  case UnaryKind::Celu:
  case UnaryKind::ThresholdedRelu:
    alpha = n.attrFloat("alpha", 1.0);
    break;
  case UnaryKind::Selu:
    alpha = n.attrFloat("alpha", 1.67326319217681884765625);
    beta = n.attrFloat("gamma", 1.05070102214813232421875);
    break;
  case UnaryKind::Shrink:
    alpha = n.attrFloat("lambd", 0.5);
    beta = n.attrFloat("bias", 0.0);
    break;
  default:
    return n.error("internal: not a parametric kind");
  }
  return done(n, makeUnary(n, kind, n.input(0), n.outputType(0), alpha, beta));
}

LogicalResult importClip(NodeImporter &n) {
  auto t = n.inputType(0);
  Type elem = t.getElementType();
  double lo = -std::numeric_limits<double>::infinity(),
         hi = std::numeric_limits<double>::infinity();
  if (!isa<FloatType>(elem)) {
    auto it = cast<IntegerType>(elem);
    unsigned w = it.getWidth();
    if (it.isUnsigned()) {
      lo = 0;
      hi = w >= 64 ? 1.8446744073709552e19 : double((uint64_t(1) << w) - 1);
    } else {
      lo = -std::ldexp(1.0, w - 1);
      hi = std::ldexp(1.0, w - 1) - 1;
    }
  }
  Value x = n.input(0);
  if (n.opset() < 11) {
    lo = n.attrFloat("min", lo);
    hi = n.attrFloat("max", hi);
    return done(n, makeUnary(n, UnaryKind::Clip, x, n.outputType(0), lo, hi));
  }
  // Opset 11+: min/max are optional inputs; non-constant ones become max/min.
  for (unsigned i : {1u, 2u}) {
    if (!n.hasInput(i))
      continue;
    auto c = n.constFloats(i);
    if (succeeded(c) && c->size() == 1) {
      (i == 1 ? lo : hi) = (*c)[0];
      continue;
    }
    auto r = makeBinary(n, i == 1 ? BinaryKind::Max : BinaryKind::Min, x,
                        n.input(i));
    if (failed(r))
      return failure();
    x = *r;
  }
  return done(n, makeUnary(n, UnaryKind::Clip, x, n.outputType(0), lo, hi));
}

Rule binaryRule(BinaryKind kind) {
  switch (kind) {
#define AUTOGLM_BINARY(K)                                                      \
  case BinaryKind::K:                                                          \
    return [](NodeImporter &n) {                                               \
      return done(n, makeBinary(n, BinaryKind::K, n.input(0), n.input(1),      \
                                n.outputType(0)));                             \
    };
    AUTOGLM_BINARY(Add)
    AUTOGLM_BINARY(Sub)
    AUTOGLM_BINARY(Mul)
    AUTOGLM_BINARY(Div)
    AUTOGLM_BINARY(And)
    AUTOGLM_BINARY(Or)
    AUTOGLM_BINARY(Xor)
    AUTOGLM_BINARY(BitAnd)
    AUTOGLM_BINARY(BitOr)
    AUTOGLM_BINARY(BitXor)
#undef AUTOGLM_BINARY
  default:
    return nullptr;
  }
}

/// Older exports give the slope as [C] for an N x C x ... input (per
/// channel), which numpy broadcasting would align with the last dim.
LogicalResult importPRelu(NodeImporter &n) {
  auto x = n.inputType(0), slope = n.inputType(1);
  Value s = n.input(1);
  // Old exporters give a [C] slope for the channels of an N-D input, which
  // standard broadcasting would apply to the last dim; with open extents
  // the two readings cannot be told apart.
  if (slope.getRank() == 1 && x.getRank() > 2 && slope.getDimSize(0) != 1 &&
      (x.isDynamicDim(x.getRank() - 1) || x.isDynamicDim(1)))
    return n.error("a [C] slope against open extents is ambiguous (the channels or the "
                   "last dim); fix the input's shape with --dim / --input-shape");
  if (slope.getRank() == 1 && x.getRank() > 2 &&
      failed(broadcastShapes(x.getShape(), slope.getShape())) &&
      slope.getDimSize(0) == x.getDimSize(1)) {
    SmallVector<int64_t> shape(x.getRank() - 1, 1);
    shape[0] = slope.getDimSize(0);
    auto r = n.make<ReshapeOp>(RankedTensorType::get(shape, slope.getElementType()),
                               s, Value());
    if (failed(r))
      return failure();
    s = *r;
  }
  return done(n, makeBinary(n, BinaryKind::PRelu, n.input(0), s, n.outputType(0)));
}

LogicalResult importPow(NodeImporter &n) {
  Value base = n.input(0), exp = n.input(1);
  auto bt = n.inputType(0), et = n.inputType(1);
  if (bt.getElementType() != et.getElementType()) {
    auto c = n.make<CastOp>(RankedTensorType::get(et.getShape(), bt.getElementType()),
                            exp);
    if (failed(c))
      return failure();
    exp = *c;
  }
  return done(n, makeBinary(n, BinaryKind::Pow, base, exp, n.outputType(0)));
}

LogicalResult importMod(NodeImporter &n) {
  bool fmod = n.attrInt("fmod", 0);
  if (!fmod && isa<FloatType>(n.inputType(0).getElementType()))
    return n.error("fmod=0 is only defined for integers");
  return done(n, makeBinary(n, fmod ? BinaryKind::FMod : BinaryKind::Mod,
                            n.input(0), n.input(1), n.outputType(0)));
}

LogicalResult importBitShift(NodeImporter &n) {
  std::string dir = n.attrString("direction", "");
  if (dir != "LEFT" && dir != "RIGHT")
    return n.error("direction must be LEFT or RIGHT");
  return done(n, makeBinary(n, dir == "LEFT" ? BinaryKind::ShiftLeft
                                             : BinaryKind::ShiftRight,
                            n.input(0), n.input(1), n.outputType(0)));
}

/// Sum, Mean, Max, Min take any number of inputs.
LogicalResult importVariadic(NodeImporter &n, BinaryKind kind, bool mean) {
  // Absent (empty-named) inputs are skipped, the first one too; the input
  // check made sure at least one is there.
  SmallVector<unsigned> present;
  for (unsigned i = 0; i < n.numInputs(); ++i)
    if (n.hasInput(i))
      present.push_back(i);
  if (present.empty())
    return n.error("has no inputs (empty names are absent inputs)");
  Value acc = n.input(present[0]);
  unsigned count = 1;
  for (unsigned i : ArrayRef<unsigned>(present).drop_front()) {
    bool last = !mean && i == present.back();
    auto r = makeBinary(n, kind, acc, n.input(i), last ? n.outputType(0) : Type());
    if (failed(r))
      return failure();
    acc = *r;
    ++count;
  }
  if (mean) {
    Type elem = n.inputType(present[0]).getElementType();
    return done(n, makeBinary(n, BinaryKind::Div, acc, n.splat(elem, count),
                              n.outputType(0)));
  }
  if (count == 1 && n.outputType(0) && acc.getType() != n.outputType(0))
    return n.error("single-input result type differs from the input");
  n.setOutput(0, acc);
  return success();
}

LogicalResult importCompare(NodeImporter &n, CompareKind kind) {
  return done(n, n.make<CompareOp>(n.outputType(0),
                                   CompareKindAttr::get(n.context(), kind),
                                   n.input(0), n.input(1)));
}

LogicalResult importWhere(NodeImporter &n) {
  return done(n, n.make<SelectOp>(n.outputType(0), n.input(0), n.input(1),
                                  n.input(2)));
}

LogicalResult importReduce(NodeImporter &n, ReduceKind kind) {
  auto x = n.inputType(0);
  SmallVector<int64_t> axes;
  // ReduceSum took its axes as an input from opset 13 (the others at 18).
  bool axesInput = n.node().op_type() == "ReduceSum" ? n.opset() >= 13
                                                      : n.opset() >= 18;
  if (axesInput && n.hasInput(1)) {
    auto c = n.constInts(1);
    if (failed(c))
      return n.error("axes must be a constant");
    axes = *c;
  } else if (!axesInput) {
    axes = n.attrInts("axes");
  }
  if (axes.empty()) {
    if (n.attrInt("noop_with_empty_axes", 0)) {
      n.setOutput(0, n.input(0));
      return success();
    }
    axes = llvm::to_vector(llvm::seq<int64_t>(0, x.getRank()));
  }
  for (int64_t &a : axes) {
    auto na = n.normAxis(a, x.getRank());
    if (failed(na))
      return failure();
    a = *na;
  }
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return done(n, n.make<ReduceOp>(n.outputType(0),
                                  ReduceKindAttr::get(n.context(), kind),
                                  n.input(0), n.builder().getDenseI64ArrayAttr(axes),
                                  n.builder().getBoolAttr(n.attrInt("keepdims", 1)),
                                  n.builder().getBoolAttr(false)));
}

LogicalResult importArgReduce(NodeImporter &n, ReduceKind kind) {
  auto x = n.inputType(0);
  auto axis = n.normAxis(n.attrInt("axis", 0), x.getRank());
  if (failed(axis))
    return failure();
  return done(n, n.make<ReduceOp>(
                     n.outputType(0), ReduceKindAttr::get(n.context(), kind),
                     n.input(0), n.builder().getDenseI64ArrayAttr({*axis}),
                     n.builder().getBoolAttr(n.attrInt("keepdims", 1)),
                     n.builder().getBoolAttr(n.attrInt("select_last_index", 0))));
}

LogicalResult importCast(NodeImporter &n) {
  Type elem = convertElementType(n.context(), n.attrInt("to", 0));
  if (!elem)
    return n.error("cast target type is not supported");
  auto in = n.inputType(0);
  return done(n, n.make<CastOp>(RankedTensorType::get(in.getShape(), elem),
                                n.input(0)));
}

LogicalResult importCastLike(NodeImporter &n) {
  auto in = n.inputType(0);
  Type elem = n.inputType(1).getElementType();
  return done(n, n.make<CastOp>(RankedTensorType::get(in.getShape(), elem),
                                n.input(0)));
}

LogicalResult importIdentity(NodeImporter &n) {
  n.setOutput(0, n.input(0));
  return success();
}

} // namespace

void onnx_import::registerMathRules(RuleTable &t) {
  static const std::pair<const char *, UnaryKind> unary[] = {
      {"Abs", UnaryKind::Abs},         {"Neg", UnaryKind::Neg},
      {"Exp", UnaryKind::Exp},         {"Log", UnaryKind::Log},
      {"Sqrt", UnaryKind::Sqrt},       {"Reciprocal", UnaryKind::Reciprocal},
      {"Tanh", UnaryKind::Tanh},       {"Sigmoid", UnaryKind::Sigmoid},
      {"Relu", UnaryKind::Relu},       {"Erf", UnaryKind::Erf},
      {"Sin", UnaryKind::Sin},         {"Cos", UnaryKind::Cos},
      {"Tan", UnaryKind::Tan},         {"Asin", UnaryKind::Asin},
      {"Acos", UnaryKind::Acos},       {"Atan", UnaryKind::Atan},
      {"Sinh", UnaryKind::Sinh},       {"Cosh", UnaryKind::Cosh},
      {"Asinh", UnaryKind::Asinh},     {"Acosh", UnaryKind::Acosh},
      {"Atanh", UnaryKind::Atanh},     {"Floor", UnaryKind::Floor},
      {"Ceil", UnaryKind::Ceil},       {"Round", UnaryKind::Round},
      {"Sign", UnaryKind::Sign},       {"Not", UnaryKind::Not},
      {"IsNaN", UnaryKind::IsNaN},     {"Softplus", UnaryKind::Softplus},
      {"Softsign", UnaryKind::Softsign}, {"HardSwish", UnaryKind::HardSwish},
  };
  for (auto [name, kind] : unary)
    t[name] = unaryRule(kind);
  t["IsInf"] = importIsInf;
  t["HardSigmoid"] = [](NodeImporter &n) {
    return importParamUnary(n, UnaryKind::HardSigmoid);
  };
  t["LeakyRelu"] = [](NodeImporter &n) {
    return importParamUnary(n, UnaryKind::LeakyRelu);
  };
  t["Elu"] = [](NodeImporter &n) { return importParamUnary(n, UnaryKind::Elu); };
  t["Celu"] = [](NodeImporter &n) { return importParamUnary(n, UnaryKind::Celu); };
  t["Selu"] = [](NodeImporter &n) { return importParamUnary(n, UnaryKind::Selu); };
  t["Shrink"] = [](NodeImporter &n) {
    return importParamUnary(n, UnaryKind::Shrink);
  };
  t["ThresholdedRelu"] = [](NodeImporter &n) {
    return importParamUnary(n, UnaryKind::ThresholdedRelu);
  };
  t["Clip"] = importClip;

  static const std::pair<const char *, BinaryKind> binary[] = {
      {"Add", BinaryKind::Add},   {"Sub", BinaryKind::Sub},
      {"Mul", BinaryKind::Mul},   {"Div", BinaryKind::Div},
      {"And", BinaryKind::And},   {"Or", BinaryKind::Or},
      {"Xor", BinaryKind::Xor},
      {"BitwiseAnd", BinaryKind::BitAnd}, {"BitwiseOr", BinaryKind::BitOr},
      {"BitwiseXor", BinaryKind::BitXor},
  };
  for (auto [name, kind] : binary)
    t[name] = binaryRule(kind);
  t["PRelu"] = importPRelu;
  t["Pow"] = importPow;
  t["Mod"] = importMod;
  t["BitShift"] = importBitShift;
  t["Sum"] = [](NodeImporter &n) { return importVariadic(n, BinaryKind::Add, false); };
  t["Mean"] = [](NodeImporter &n) { return importVariadic(n, BinaryKind::Add, true); };
  t["Max"] = [](NodeImporter &n) { return importVariadic(n, BinaryKind::Max, false); };
  t["Min"] = [](NodeImporter &n) { return importVariadic(n, BinaryKind::Min, false); };

  t["Equal"] = [](NodeImporter &n) { return importCompare(n, CompareKind::EQ); };
  t["Less"] = [](NodeImporter &n) { return importCompare(n, CompareKind::LT); };
  t["LessOrEqual"] = [](NodeImporter &n) { return importCompare(n, CompareKind::LE); };
  t["Greater"] = [](NodeImporter &n) { return importCompare(n, CompareKind::GT); };
  t["GreaterOrEqual"] = [](NodeImporter &n) {
    return importCompare(n, CompareKind::GE);
  };
  t["Where"] = importWhere;

  t["ReduceSum"] = [](NodeImporter &n) { return importReduce(n, ReduceKind::Sum); };
  t["ReduceMean"] = [](NodeImporter &n) { return importReduce(n, ReduceKind::Mean); };
  t["ReduceMax"] = [](NodeImporter &n) { return importReduce(n, ReduceKind::Max); };
  t["ReduceMin"] = [](NodeImporter &n) { return importReduce(n, ReduceKind::Min); };
  t["ReduceProd"] = [](NodeImporter &n) { return importReduce(n, ReduceKind::Prod); };
  t["ReduceL1"] = [](NodeImporter &n) { return importReduce(n, ReduceKind::L1); };
  t["ReduceL2"] = [](NodeImporter &n) { return importReduce(n, ReduceKind::L2); };
  t["ReduceLogSum"] = [](NodeImporter &n) {
    return importReduce(n, ReduceKind::LogSum);
  };
  t["ReduceLogSumExp"] = [](NodeImporter &n) {
    return importReduce(n, ReduceKind::LogSumExp);
  };
  t["ReduceSumSquare"] = [](NodeImporter &n) {
    return importReduce(n, ReduceKind::SumSquare);
  };
  t["ArgMax"] = [](NodeImporter &n) { return importArgReduce(n, ReduceKind::ArgMax); };
  t["ArgMin"] = [](NodeImporter &n) { return importArgReduce(n, ReduceKind::ArgMin); };
  t["Cast"] = importCast;
  t["CastLike"] = importCastLike;
  t["Identity"] = importIdentity;
}
