// RUN: not autoglm-opt %s --convert-autoglm-to-linalg=gpu-cache-attention 2>&1 | FileCheck %s

// Open extents have no GPU form.
// CHECK: cached attention on the GPU needs static extents
module attributes {autoglm.dim_bounds = {batch = 4 : i64}} {
  func.func @main(%q: tensor<?x4x1x16xf32> {autoglm.dim_params = ["batch", "", "", ""]},
                  %k: tensor<?x2x1x16xf32> {autoglm.dim_params = ["batch", "", "", ""]},
                  %v: tensor<?x2x1x16xf32> {autoglm.dim_params = ["batch", "", "", ""]},
                  %pos: tensor<?xi64> {autoglm.dim_params = ["batch"]},
                  %table: tensor<?x5xi32> {autoglm.dim_params = ["batch", ""]},
                  %kc: tensor<15x2x8x16xf32>, %vc: tensor<15x2x8x16xf32>) -> tensor<?x4x1x16xf32> {
    %o = autoglm.cached_attention %q, %k, %v, %kc, %vc, %pos, %table {scale = 2.500000e-01 : f64} : (tensor<?x4x1x16xf32>, tensor<?x2x1x16xf32>, tensor<?x2x1x16xf32>, tensor<15x2x8x16xf32>, tensor<15x2x8x16xf32>, tensor<?xi64>, tensor<?x5xi32>) -> tensor<?x4x1x16xf32>
    return %o : tensor<?x4x1x16xf32>
  }
}
