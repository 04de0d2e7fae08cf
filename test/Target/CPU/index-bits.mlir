// autoglm-cpu-index-bits records index's width in the module's data layout
// (the microcontroller targets: 32); 64 leaves the module alone, other
// widths are refused.
// RUN: autoglm-opt %s --pass-pipeline='builtin.module(autoglm-cpu-index-bits{bits=32})' | FileCheck %s
// RUN: autoglm-opt %s --pass-pipeline='builtin.module(autoglm-cpu-index-bits{bits=64})' | FileCheck %s --check-prefix=KEEP
// RUN: not autoglm-opt %s --pass-pipeline='builtin.module(autoglm-cpu-index-bits{bits=48})' 2>&1 | FileCheck %s --check-prefix=BAD
// CHECK: module attributes {dlti.dl_spec = #dlti.dl_spec<index = 32 : i64>}
// KEEP-NOT: dlti
// BAD: autoglm-cpu-index-bits: bits must be 32 or 64, not 48
func.func @f() -> index {
  %c = arith.constant 7 : index
  return %c : index
}
