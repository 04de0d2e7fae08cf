//===- AutoGLM.td - umbrella for the autoglm dialect -------*- tablegen -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TD
#define AUTOGLM_TD

include "autoglm/Dialect/AutoGLM/IR/AutoGLMBase.td"
include "autoglm/Dialect/AutoGLM/IR/AutoGLMEnums.td"
include "autoglm/Dialect/AutoGLM/IR/AutoGLMTypes.td"
include "autoglm/Dialect/AutoGLM/IR/AutoGLMOps.td"

#endif // AUTOGLM_TD
