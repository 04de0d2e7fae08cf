//===- AutoGLMEnums.td - enum attributes of the autoglm dialect -*- tablegen -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_ENUMS_TD
#define AUTOGLM_ENUMS_TD

include "mlir/IR/EnumAttr.td"
include "autoglm/Dialect/AutoGLM/IR/AutoGLMBase.td"

def AutoGLM_UnaryKind : I32EnumAttr<"UnaryKind", "elementwise unary function", [
  I32EnumAttrCase<"Abs", 0, "abs">, I32EnumAttrCase<"Neg", 1, "neg">,
  I32EnumAttrCase<"Exp", 2, "exp">, I32EnumAttrCase<"Log", 3, "log">,
  I32EnumAttrCase<"Sqrt", 4, "sqrt">, I32EnumAttrCase<"Rsqrt", 5, "rsqrt">,
  I32EnumAttrCase<"Reciprocal", 6, "reciprocal">,
  I32EnumAttrCase<"Tanh", 7, "tanh">, I32EnumAttrCase<"Sigmoid", 8, "sigmoid">,
  I32EnumAttrCase<"Relu", 9, "relu">, I32EnumAttrCase<"Erf", 10, "erf">,
  I32EnumAttrCase<"Sin", 11, "sin">, I32EnumAttrCase<"Cos", 12, "cos">,
  I32EnumAttrCase<"Tan", 13, "tan">, I32EnumAttrCase<"Asin", 14, "asin">,
  I32EnumAttrCase<"Acos", 15, "acos">, I32EnumAttrCase<"Atan", 16, "atan">,
  I32EnumAttrCase<"Sinh", 17, "sinh">, I32EnumAttrCase<"Cosh", 18, "cosh">,
  I32EnumAttrCase<"Asinh", 19, "asinh">, I32EnumAttrCase<"Acosh", 20, "acosh">,
  I32EnumAttrCase<"Atanh", 21, "atanh">,
  I32EnumAttrCase<"Floor", 22, "floor">, I32EnumAttrCase<"Ceil", 23, "ceil">,
  I32EnumAttrCase<"Round", 24, "round">, I32EnumAttrCase<"Sign", 25, "sign">,
  I32EnumAttrCase<"Not", 26, "not">, I32EnumAttrCase<"IsNaN", 27, "isnan">,
  I32EnumAttrCase<"IsInf", 28, "isinf">,
  I32EnumAttrCase<"Softplus", 29, "softplus">,
  I32EnumAttrCase<"Softsign", 30, "softsign">,
  I32EnumAttrCase<"Gelu", 31, "gelu">, I32EnumAttrCase<"GeluTanh", 32, "gelu_tanh">,
  I32EnumAttrCase<"Silu", 33, "silu">, I32EnumAttrCase<"HardSwish", 34, "hard_swish">,
  I32EnumAttrCase<"Mish", 35, "mish">,
  // Kinds below take parameters in `alpha` / `beta`.
  I32EnumAttrCase<"HardSigmoid", 36, "hard_sigmoid">, // max(0, min(1, alpha*x+beta))
  I32EnumAttrCase<"LeakyRelu", 37, "leaky_relu">,     // x < 0 ? alpha*x : x
  I32EnumAttrCase<"Elu", 38, "elu">,                  // x < 0 ? alpha*(e^x-1) : x
  I32EnumAttrCase<"Selu", 39, "selu">,                // beta*(x<=0 ? alpha*(e^x-1) : x)
  I32EnumAttrCase<"Clip", 40, "clip">,                // min(max(x, alpha), beta)
  I32EnumAttrCase<"ThresholdedRelu", 41, "thresholded_relu">, // x > alpha ? x : 0
  I32EnumAttrCase<"Celu", 42, "celu">,                // max(0,x)+min(0,alpha*(e^(x/alpha)-1))
  I32EnumAttrCase<"Shrink", 43, "shrink">             // x<-alpha: x+beta; x>alpha: x-beta; else 0
]> {
  let cppNamespace = "::mlir::autoglm";
  let genSpecializedAttr = 0;
}
def AutoGLM_UnaryKindAttr : EnumAttr<AutoGLM_Dialect, AutoGLM_UnaryKind, "unary_kind">;

def AutoGLM_BinaryKind : I32EnumAttr<"BinaryKind", "elementwise binary function", [
  I32EnumAttrCase<"Add", 0, "add">, I32EnumAttrCase<"Sub", 1, "sub">,
  I32EnumAttrCase<"Mul", 2, "mul">, I32EnumAttrCase<"Div", 3, "div">,
  I32EnumAttrCase<"Pow", 4, "pow">, I32EnumAttrCase<"Max", 5, "max">,
  I32EnumAttrCase<"Min", 6, "min">,
  I32EnumAttrCase<"Mod", 7, "mod">,   // sign of the divisor (Python / ONNX fmod=0)
  I32EnumAttrCase<"FMod", 8, "fmod">, // sign of the dividend (C fmod)
  I32EnumAttrCase<"And", 9, "and">, I32EnumAttrCase<"Or", 10, "or">,
  I32EnumAttrCase<"Xor", 11, "xor">,
  I32EnumAttrCase<"BitAnd", 12, "bit_and">, I32EnumAttrCase<"BitOr", 13, "bit_or">,
  I32EnumAttrCase<"BitXor", 14, "bit_xor">,
  I32EnumAttrCase<"ShiftLeft", 15, "shl">, I32EnumAttrCase<"ShiftRight", 16, "shr">,
  I32EnumAttrCase<"PRelu", 17, "prelu"> // lhs < 0 ? rhs*lhs : lhs
]> {
  let cppNamespace = "::mlir::autoglm";
  let genSpecializedAttr = 0;
}
def AutoGLM_BinaryKindAttr : EnumAttr<AutoGLM_Dialect, AutoGLM_BinaryKind, "binary_kind">;

def AutoGLM_CompareKind : I32EnumAttr<"CompareKind", "elementwise comparison", [
  I32EnumAttrCase<"EQ", 0, "eq">, I32EnumAttrCase<"NE", 1, "ne">,
  I32EnumAttrCase<"LT", 2, "lt">, I32EnumAttrCase<"LE", 3, "le">,
  I32EnumAttrCase<"GT", 4, "gt">, I32EnumAttrCase<"GE", 5, "ge">
]> {
  let cppNamespace = "::mlir::autoglm";
  let genSpecializedAttr = 0;
}
def AutoGLM_CompareKindAttr : EnumAttr<AutoGLM_Dialect, AutoGLM_CompareKind, "compare_kind">;

def AutoGLM_ReduceKind : I32EnumAttr<"ReduceKind", "reduction", [
  I32EnumAttrCase<"Sum", 0, "sum">, I32EnumAttrCase<"Mean", 1, "mean">,
  I32EnumAttrCase<"Max", 2, "max">, I32EnumAttrCase<"Min", 3, "min">,
  I32EnumAttrCase<"Prod", 4, "prod">, I32EnumAttrCase<"L1", 5, "l1">,
  I32EnumAttrCase<"L2", 6, "l2">, I32EnumAttrCase<"LogSum", 7, "log_sum">,
  I32EnumAttrCase<"LogSumExp", 8, "log_sum_exp">,
  I32EnumAttrCase<"SumSquare", 9, "sum_square">,
  // Index-valued: exactly one axis, i64 result.
  I32EnumAttrCase<"ArgMax", 10, "argmax">, I32EnumAttrCase<"ArgMin", 11, "argmin">
]> {
  let cppNamespace = "::mlir::autoglm";
  let genSpecializedAttr = 0;
}
def AutoGLM_ReduceKindAttr : EnumAttr<AutoGLM_Dialect, AutoGLM_ReduceKind, "reduce_kind">;

def AutoGLM_PoolKind : I32EnumAttr<"PoolKind", "pooling", [
  I32EnumAttrCase<"Max", 0, "max">, I32EnumAttrCase<"Avg", 1, "avg">,
  I32EnumAttrCase<"Lp", 2, "lp">
]> {
  let cppNamespace = "::mlir::autoglm";
  let genSpecializedAttr = 0;
}
def AutoGLM_PoolKindAttr : EnumAttr<AutoGLM_Dialect, AutoGLM_PoolKind, "pool_kind">;

def AutoGLM_PadMode : I32EnumAttr<"PadMode", "padding mode", [
  I32EnumAttrCase<"Constant", 0, "constant">, I32EnumAttrCase<"Reflect", 1, "reflect">,
  I32EnumAttrCase<"Edge", 2, "edge">
]> {
  let cppNamespace = "::mlir::autoglm";
  let genSpecializedAttr = 0;
}
def AutoGLM_PadModeAttr : EnumAttr<AutoGLM_Dialect, AutoGLM_PadMode, "pad_mode">;

def AutoGLM_ResizeMode : I32EnumAttr<"ResizeMode", "resize interpolation", [
  I32EnumAttrCase<"Nearest", 0, "nearest">, I32EnumAttrCase<"Linear", 1, "linear">,
  I32EnumAttrCase<"Cubic", 2, "cubic">
]> {
  let cppNamespace = "::mlir::autoglm";
  let genSpecializedAttr = 0;
}
def AutoGLM_ResizeModeAttr : EnumAttr<AutoGLM_Dialect, AutoGLM_ResizeMode, "resize_mode">;

def AutoGLM_ScatterReduction : I32EnumAttr<"ScatterReduction", "scatter combine", [
  I32EnumAttrCase<"None", 0, "none">, I32EnumAttrCase<"Add", 1, "add">,
  I32EnumAttrCase<"Mul", 2, "mul">
]> {
  let cppNamespace = "::mlir::autoglm";
  let genSpecializedAttr = 0;
}
def AutoGLM_ScatterReductionAttr
    : EnumAttr<AutoGLM_Dialect, AutoGLM_ScatterReduction, "scatter_reduction">;

def AutoGLM_StringCase : I32EnumAttr<"StringCase", "case change of string_normalize", [
  I32EnumAttrCase<"None", 0, "none">, I32EnumAttrCase<"Lower", 1, "lower">,
  I32EnumAttrCase<"Upper", 2, "upper">
]> {
  let cppNamespace = "::mlir::autoglm";
  let genSpecializedAttr = 0;
}
def AutoGLM_StringCaseAttr : EnumAttr<AutoGLM_Dialect, AutoGLM_StringCase, "string_case">;

#endif // AUTOGLM_ENUMS_TD
