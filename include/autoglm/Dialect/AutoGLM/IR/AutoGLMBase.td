//===- AutoGLMBase.td - autoglm dialect definition ---------*- tablegen -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_BASE_TD
#define AUTOGLM_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def AutoGLM_Dialect : Dialect {
  let name = "autoglm";
  let cppNamespace = "::mlir::autoglm";
  let summary = "The semantic core that Open-AutoGLM's passes reason about";
  let description = [{
    A compact set of tensor operations (convolution, matmul, elementwise with
    an enum kind, reductions, pooling, normalization, attention, data movement,
    cast and quantization) on builtin ranked tensors. The ONNX importer
    decomposes the long tail of ONNX into these ops; every later pass and
    lowering works on them only.
  }];
  let useDefaultAttributePrinterParser = 1;
  let useDefaultTypePrinterParser = 1;
  let hasConstantMaterializer = 1;
}

class AutoGLM_Op<string mnemonic, list<Trait> traits = []>
    : Op<AutoGLM_Dialect, mnemonic, traits>;

#endif // AUTOGLM_BASE_TD
