// RUN: autoglm-opt %s --split-input-file --autoglm-cpu-entry-point --verify-diagnostics | FileCheck %s

// CHECK-LABEL: llvm.func internal @main(
llvm.func @main(%a: !llvm.ptr, %b: !llvm.ptr, %c: !llvm.ptr) {
  llvm.return
}
// The entry loads one pointer per buffer (inputs, then outputs) and calls
// the model, which is no longer exported.
// CHECK: llvm.func @autoglm_entry(%[[ARGS:.*]]: !llvm.ptr)
// CHECK: %[[P0:.*]] = llvm.getelementptr %[[ARGS]][0]
// CHECK: %[[A0:.*]] = llvm.load %[[P0]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[P2:.*]] = llvm.getelementptr %[[ARGS]][2]
// CHECK: %[[A2:.*]] = llvm.load %[[P2]]
// CHECK: llvm.call @main(%[[A0]], %{{.*}}, %[[A2]])

// -----

// expected-error @+1 {{no lowered model function 'main'}}
module {
  llvm.func @other() {
    llvm.return
  }
}

// -----

// expected-error @+1 {{model function parameters must be bare pointers (static shapes), found 'i64'}}
llvm.func @main(%a: i64) {
  llvm.return
}
