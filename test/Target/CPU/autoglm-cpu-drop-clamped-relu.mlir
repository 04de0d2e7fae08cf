// RUN: autoglm-opt %s --autoglm-cpu-vectorize-contractions | FileCheck %s

// A requantizing epilogue: ReLU, then round(x * k) + z clamped below at 0.
// With z = 0 the clamp gives 0 for every x <= 0 and for NaN, as the ReLU
// would: the NaN-propagating maximumf (three instructions a vector on x86)
// is dropped and the rest kept.
// CHECK-LABEL: func.func @requantize_relu
// CHECK-NOT: arith.maximumf
// CHECK: arith.mulf
// CHECK: math.roundeven
// CHECK: arith.maxnumf
// CHECK: arith.fptoui
#id = affine_map<(d0) -> (d0)>
func.func @requantize_relu(%x: tensor<64xf32>) -> tensor<64xi8> {
  %zero = arith.constant 0.0 : f32
  %k = arith.constant 12.5 : f32
  %hi = arith.constant 255.0 : f32
  %e = tensor.empty() : tensor<64xi8>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<64xf32>) outs(%e : tensor<64xi8>) {
  ^bb0(%in: f32, %out: i8):
    %m = arith.maximumf %in, %zero : f32
    %s = arith.mulf %m, %k : f32
    %q = math.roundeven %s : f32
    %z = arith.addf %q, %zero : f32
    %c = arith.maxnumf %z, %zero : f32
    %d = arith.minnumf %c, %hi : f32
    %i = arith.fptoui %d : f32 to i8
    linalg.yield %i : i8
  } -> tensor<64xi8>
  return %r : tensor<64xi8>
}

// A zero point of 5 above the clamp's 0: the ReLU decides between 0 and 5
// for negative x, so it stays.
// CHECK-LABEL: func.func @requantize_relu_zero_point
// CHECK: arith.maximumf
func.func @requantize_relu_zero_point(%x: tensor<64xf32>) -> tensor<64xi8> {
  %zero = arith.constant 0.0 : f32
  %k = arith.constant 12.5 : f32
  %zp = arith.constant 5.0 : f32
  %hi = arith.constant 255.0 : f32
  %e = tensor.empty() : tensor<64xi8>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<64xf32>) outs(%e : tensor<64xi8>) {
  ^bb0(%in: f32, %out: i8):
    %m = arith.maximumf %in, %zero : f32
    %s = arith.mulf %m, %k : f32
    %q = math.roundeven %s : f32
    %z = arith.addf %q, %zp : f32
    %c = arith.maxnumf %z, %zero : f32
    %d = arith.minnumf %c, %hi : f32
    %i = arith.fptoui %d : f32 to i8
    linalg.yield %i : i8
  } -> tensor<64xi8>
  return %r : tensor<64xi8>
}
