// RUN: autoglm-opt %s --autoglm-kv-cache="max-seq-len=40 max-batch=3 block-size=8" --split-input-file --verify-diagnostics | FileCheck %s

// A decoder layer's attention over Concat(past, new), through grouped-query
// attention's repeat (2 kv heads for 4 query heads), with a mask built from
// the past length: the attention reads the runtime's paged cache instead,
// the past input and the present output go, and so does the mask.
// CHECK-LABEL: func.func @main
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<?x4x1x16xf32> {{.*}}autoglm.name = "q"}
// CHECK-SAME: %[[K:[a-z0-9]+]]: tensor<?x2x1x16xf32> {{.*}}autoglm.name = "k"}
// CHECK-SAME: %[[V:[a-z0-9]+]]: tensor<?x2x1x16xf32> {{.*}}autoglm.name = "v"}
// CHECK-SAME: %[[POS:[a-z0-9]+]]: tensor<?xi64> {autoglm.dim_params = ["batch"], autoglm.name = "cache_position"}
// CHECK-SAME: %[[TABLE:[a-z0-9]+]]: tensor<?x5xi32> {autoglm.dim_params = ["batch", ""], autoglm.name = "block_table"}
// CHECK-SAME: %[[KC:[a-z0-9]+]]: tensor<15x2x8x16xf32> {autoglm.name = "cache.past_key"}
// CHECK-SAME: %[[VC:[a-z0-9]+]]: tensor<15x2x8x16xf32> {autoglm.name = "cache.past_value"}
// CHECK-SAME: -> (tensor<?x4x1x16xf32> {autoglm.name = "out"})
// CHECK-SAME: autoglm.kv_cache = {block_size = 8 : i64, layers = 1 : i64, max_batch = 3 : i64, max_blocks = 5 : i64, max_seq_len = 40 : i64, max_tokens = 32 : i64, num_blocks = 15 : i64}
// CHECK-NEXT: %[[O:.*]] = autoglm.cached_attention %[[Q]], %[[K]], %[[V]], %[[KC]], %[[VC]], %[[POS]], %[[TABLE]] {scale = 2.500000e-01 : f64}
// CHECK-NEXT: return %[[O]]
module {
  // expected-remark @+1 {{enable_cache: input 'attention_mask' is unused with the runtime's cache and is dropped}}
  func.func @main(%q: tensor<?x4x1x16xf32> {autoglm.name = "q", autoglm.dim_params = ["batch", "", "", ""]},
                  %k: tensor<?x2x1x16xf32> {autoglm.name = "k", autoglm.dim_params = ["batch", "", "", ""]},
                  %v: tensor<?x2x1x16xf32> {autoglm.name = "v", autoglm.dim_params = ["batch", "", "", ""]},
                  %pk: tensor<?x2x?x16xf32> {autoglm.name = "past_key", autoglm.dim_params = ["batch", "", "past", ""]},
                  %pv: tensor<?x2x?x16xf32> {autoglm.name = "past_value", autoglm.dim_params = ["batch", "", "past", ""]},
                  %mask: tensor<?x1x1x?xi1> {autoglm.name = "attention_mask", autoglm.dim_params = ["batch", "", "", "total"]})
      -> (tensor<?x4x1x16xf32> {autoglm.name = "out"}, tensor<?x2x?x16xf32> {autoglm.name = "present_key"},
          tensor<?x2x?x16xf32> {autoglm.name = "present_value"}) {
    %kk = autoglm.concat %pk, %k {axis = 2 : i64} : (tensor<?x2x?x16xf32>, tensor<?x2x1x16xf32>) -> tensor<?x2x?x16xf32>
    %vv = autoglm.concat %pv, %v {axis = 2 : i64} : (tensor<?x2x?x16xf32>, tensor<?x2x1x16xf32>) -> tensor<?x2x?x16xf32>
    %k1 = autoglm.reshape %kk : (tensor<?x2x?x16xf32>) -> tensor<?x2x1x?x16xf32>
    %k2 = autoglm.expand %k1 : tensor<?x2x1x?x16xf32> -> tensor<?x2x2x?x16xf32>
    %k3 = autoglm.reshape %k2 : (tensor<?x2x2x?x16xf32>) -> tensor<?x4x?x16xf32>
    %v1 = autoglm.reshape %vv : (tensor<?x2x?x16xf32>) -> tensor<?x2x1x?x16xf32>
    %v2 = autoglm.expand %v1 : tensor<?x2x1x?x16xf32> -> tensor<?x2x2x?x16xf32>
    %v3 = autoglm.reshape %v2 : (tensor<?x2x2x?x16xf32>) -> tensor<?x4x?x16xf32>
    %o = autoglm.attention %q, %k3, %v3, %mask {scale = 2.500000e-01 : f64} : (tensor<?x4x1x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x1x1x?xi1>) -> tensor<?x4x1x16xf32>
    return %o, %kk, %vv : tensor<?x4x1x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>
  }
}

// -----

// The past length read from the past input's shape (a position computed
// from it) cannot move to the runtime: an error at the reader.
module {
  func.func @main(%q: tensor<1x2x1x8xf32>, %k: tensor<1x2x1x8xf32>, %v: tensor<1x2x1x8xf32>,
                  %pk: tensor<1x2x?x8xf32> {autoglm.name = "past_key"}, %pv: tensor<1x2x?x8xf32> {autoglm.name = "past_value"})
      -> (tensor<1x2x1x8xf32>, tensor<4xi64>, tensor<1x2x?x8xf32>) {
    %kk = autoglm.concat %pk, %k {axis = 2 : i64} : (tensor<1x2x?x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x?x8xf32>
    %vv = autoglm.concat %pv, %v {axis = 2 : i64} : (tensor<1x2x?x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x?x8xf32>
    %o = autoglm.attention %q, %kk, %vv {scale = 0.35 : f64} : (tensor<1x2x1x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>) -> tensor<1x2x1x8xf32>
    // expected-error @+1 {{enable_cache: the past input 'past_key' is still read here after its attention moved to the runtime's cache}}
    %s = autoglm.shape %pk : tensor<1x2x?x8xf32> -> tensor<4xi64>
    return %o, %s, %vv : tensor<1x2x1x8xf32>, tensor<4xi64>, tensor<1x2x?x8xf32>
  }
}

// -----

// No attention over a cache input: nothing to do, an error.
module {
  // expected-error @+1 {{enable_cache: no attention reads a KV cache input}}
  func.func @main(%q: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
    %o = autoglm.attention %q, %q, %q {scale = 0.35 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
    return %o : tensor<1x2x4x8xf32>
  }
}
