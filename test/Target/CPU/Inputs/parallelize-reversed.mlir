#rev = affine_map<(d0, d1) -> (d0, -d1 + 1)>
#fwd = affine_map<(d0, d1) -> (d0, d1)>
func.func @reversed(%w: tensor<64x2xf32>) -> tensor<64x2xf32> {
  %e = tensor.empty() : tensor<64x2xf32>
  %r = linalg.generic {indexing_maps = [#rev, #fwd], iterator_types = ["parallel", "parallel"]}
      ins(%w : tensor<64x2xf32>) outs(%e : tensor<64x2xf32>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  } -> tensor<64x2xf32>
  return %r : tensor<64x2xf32>
}
func.func @forward(%w: tensor<64x2xf32>) -> tensor<64x2xf32> {
  %e = tensor.empty() : tensor<64x2xf32>
  %r = linalg.generic {indexing_maps = [#fwd, #fwd], iterator_types = ["parallel", "parallel"]}
      ins(%w : tensor<64x2xf32>) outs(%e : tensor<64x2xf32>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  } -> tensor<64x2xf32>
  return %r : tensor<64x2xf32>
}
