//===- AutoGLMTypes.td - types of the autoglm dialect -------*- tablegen -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TYPES_TD
#define AUTOGLM_TYPES_TD

include "autoglm/Dialect/AutoGLM/IR/AutoGLMBase.td"

class AutoGLM_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<AutoGLM_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

def AutoGLM_StringType : AutoGLM_Type<"String", "string"> {
  let summary = "ONNX string element: a UTF-8 byte string";
  let description = [{
    The element type of ONNX STRING tensors (`tensor<4x!autoglm.string>`).
    The CPU lowering represents an element as a pointer to a NUL-terminated
    byte string (`!llvm.ptr`); at the artifact boundary a string tensor is an
    array of `const char *` (docs/architecture.md, "String tensors").
  }];
}

def AutoGLM_StringTensor : RankedTensorOf<[AutoGLM_StringType]>;

#endif // AUTOGLM_TYPES_TD
