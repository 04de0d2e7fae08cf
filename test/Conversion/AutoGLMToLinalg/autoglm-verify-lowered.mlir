// RUN: autoglm-opt %s --split-input-file --autoglm-verify-lowered --verify-diagnostics

func.func @left_over(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'autoglm.unary' is left after lowering: the CPU backend has no lowering for it yet}}
  %0 = autoglm.unary relu %a : tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Nothing left: the check passes.
func.func @lowered(%a: tensor<4xf32>) -> tensor<4xf32> {
  return %a : tensor<4xf32>
}
