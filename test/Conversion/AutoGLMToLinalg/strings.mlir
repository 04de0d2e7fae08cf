// RUN: autoglm-opt %s --split-input-file --convert-autoglm-to-linalg --verify-diagnostics | FileCheck %s

// A string tensor becomes a tensor of element addresses (index). The result
// of string_normalize depends on the data: main returns its bound (the
// input's extent) with the actual extents and the malloc'd block of the
// output bytes as hidden results, listed for the manifest.
// CHECK: module attributes {autoglm.hidden_results = [{kind = "shape", max_shape = array<i64: 1, 3>, output = 0 : i64}, {count = 1 : i64, kind = "storage"}]}
// CHECK: llvm.mlir.global private constant @[[STOP:__autoglm_str_[0-9a-f]+]]("monday\00")
// CHECK: llvm.func @malloc(i64) -> !llvm.ptr
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[X:.*]]: tensor<1x3xindex> {autoglm.name = "x"})
// CHECK-SAME: -> (tensor<1x3xindex> {autoglm.name = "y"}, tensor<2xi64>, tensor<1xindex>)
// Bytes needed: every string's length (a scf.while over its bytes) + NUL.
// CHECK: %[[TOTAL:[0-9]+]] = scf.for
// CHECK: scf.while
// CHECK: %[[BLOCK:.*]] = llvm.call @malloc(%[[TOTAL]])
// CHECK: llvm.mlir.addressof @[[STOP]]
// CHECK: linalg.fill
// The kept elements: compared with the stopword, copied with case change,
// their addresses inserted at the running count.
// CHECK: %[[LOOP:[0-9]+]]:3 = scf.for
// CHECK: scf.while
// CHECK: scf.if
// CHECK: llvm.store
// CHECK: tensor.insert
// Nothing kept: one empty string.
// CHECK: %[[NONE:.*]] = arith.cmpi eq, %[[LOOP]]#1
// CHECK: %[[R:.*]]:2 = scf.if %[[NONE]]
// CHECK: %[[KEPT:.*]] = tensor.extract_slice %[[R]]#0[0, 0] [1, %[[R]]#1] [1, 1]
// The kept addresses, dense at the start of the bound buffer.
// CHECK: tensor.collapse_shape %[[KEPT]]
// CHECK: tensor.insert_slice
// CHECK: %[[OUT:.*]] = tensor.expand_shape {{.*}} output_shape [1, 3] : tensor<3xindex> into tensor<1x3xindex>
// CHECK: arith.index_cast %[[R]]#1 : index to i64
// CHECK: %[[EXT:.*]] = tensor.from_elements %{{.*}}, %{{.*}} : tensor<2xi64>
// CHECK: %[[PTRS:.*]] = tensor.from_elements %{{.*}} : tensor<1xindex>
// CHECK: return %[[OUT]], %[[EXT]], %[[PTRS]]
func.func @main(%a: tensor<1x3x!autoglm.string> {autoglm.name = "x"}) -> (tensor<1x?x!autoglm.string> {autoglm.name = "y"}) {
  %0 = autoglm.string_normalize %a {case_change = #autoglm<string_case upper>, case_sensitive = false, stopwords = ["monday"]} : tensor<1x3x!autoglm.string> -> tensor<1x?x!autoglm.string>
  return %0 : tensor<1x?x!autoglm.string>
}

// -----

// Without stopwords the result is static: no hidden extents, only the block.
// CHECK: module attributes {autoglm.hidden_results = [{count = 1 : i64, kind = "storage"}]}
// CHECK-LABEL: func.func @main(
// CHECK-SAME: -> (tensor<4xindex>, tensor<1xindex>)
func.func @main(%a: tensor<4x!autoglm.string>) -> tensor<4x!autoglm.string> {
  %0 = autoglm.string_normalize %a {case_change = #autoglm<string_case lower>, case_sensitive = true, stopwords = []} : tensor<4x!autoglm.string> -> tensor<4x!autoglm.string>
  return %0 : tensor<4x!autoglm.string>
}

// -----

// Only data movement, Cast and string ops take strings: a comparison would
// compare addresses.
func.func @main(%a: tensor<4x!autoglm.string>, %b: tensor<4x!autoglm.string>) -> tensor<4xi1> {
  // expected-error @+1 {{'autoglm.compare' on string tensors is not supported by the CPU backend}}
  %0 = autoglm.compare eq %a, %b : (tensor<4x!autoglm.string>, tensor<4x!autoglm.string>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}
