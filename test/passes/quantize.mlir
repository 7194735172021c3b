// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-quantize))' -split-input-file | FileCheck %s

// Per-channel int8 weights become float weights, computed as the kernels
// do: (q - zero_point) * scale with scale [0.5, 0.25] along dim 0 and zero
// points [0, 2]: [[4, -2] * 0.5, [6, 2] - 2 -> [4, 0] * 0.25] = [[2, -1], [1, 0]].
// The activations' quantize/dequantize stay: they are computed per run.
// CHECK-LABEL: func.func @per_channel_weight
// CHECK-DAG: %[[W:.*]] = ingot.constant dense<{{\[}}[2.000000e+00, -1.000000e+00], [1.000000e+00, 0.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: %[[Q:.*]] = ingot.quantize_linear %arg0
// CHECK-DAG: %[[X:.*]] = ingot.dequantize_linear %[[Q]]
// CHECK: ingot.matmul %[[X]], %[[W]]
func.func @per_channel_weight(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %q = ingot.constant dense<[[4, -2], [6, 2]]> : tensor<2x2xi8>
  %s = ingot.constant dense<[[0.5], [0.25]]> : tensor<2x1xf32>
  %z = ingot.constant dense<[[0], [2]]> : tensor<2x1xi8>
  %xs = ingot.constant dense<0.1> : tensor<f32>
  %xz = ingot.constant dense<128> : tensor<ui8>
  %xq = ingot.quantize_linear %x, %xs, %xz : (tensor<3x2xf32>, tensor<f32>, tensor<ui8>) -> tensor<3x2xui8>
  %xd = ingot.dequantize_linear %xq, %xs, %xz : (tensor<3x2xui8>, tensor<f32>, tensor<ui8>) -> tensor<3x2xf32>
  %w = ingot.dequantize_linear %q, %s, %z : (tensor<2x2xi8>, tensor<2x1xf32>, tensor<2x1xi8>) -> tensor<2x2xf32>
  %y = ingot.matmul %xd, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// An int32 bias (accumulator units) with a scale: 1000 * 0.001 and -3 * 0.001.
// CHECK-LABEL: func.func @int32_bias
// CHECK: ingot.constant dense<[1.000000e+00, -3.000000e-03]> : tensor<2xf32>
// CHECK-NOT: ingot.dequantize_linear
func.func @int32_bias() -> tensor<2xf32> {
  %b = ingot.constant dense<[1000, -3]> : tensor<2xi32>
  %s = ingot.constant dense<0.001> : tensor<f32>
  %z = ingot.constant dense<0> : tensor<i32>
  %d = ingot.dequantize_linear %b, %s, %z : (tensor<2xi32>, tensor<f32>, tensor<i32>) -> tensor<2xf32>
  return %d : tensor<2xf32>
}

// -----

// Requantizing to the same scale, zero point and type gives the integers
// back (exactly: the FP32 round trip is far below half a step); with
// another scale it stays.
// CHECK-LABEL: func.func @requantize_to_itself
// CHECK: %[[OTHER:.*]] = ingot.quantize_linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<4xf32>, tensor<f32>, tensor<ui8>) -> tensor<4xui8>
// CHECK-NOT: ingot.quantize_linear
// CHECK: return %arg0, %[[OTHER]] :
func.func @requantize_to_itself(%q: tensor<4xui8>) -> (tensor<4xui8>, tensor<4xui8>) {
  %s = ingot.constant dense<0.1> : tensor<f32>
  %s2 = ingot.constant dense<0.1> : tensor<f32>
  %t = ingot.constant dense<0.2> : tensor<f32>
  %z = ingot.constant dense<128> : tensor<ui8>
  %d = ingot.dequantize_linear %q, %s, %z : (tensor<4xui8>, tensor<f32>, tensor<ui8>) -> tensor<4xf32>
  %same = ingot.quantize_linear %d, %s2, %z : (tensor<4xf32>, tensor<f32>, tensor<ui8>) -> tensor<4xui8>
  %other = ingot.quantize_linear %d, %t, %z : (tensor<4xf32>, tensor<f32>, tensor<ui8>) -> tensor<4xui8>
  return %same, %other : tensor<4xui8>, tensor<4xui8>
}

// -----

// A nearest resize (or a transpose, a reshape) between a dequantization
// and a quantization with the same scale and zero point moves the integers
// themselves; with another scale, or a linear resize (which makes new
// values), the float form stays.
// CHECK-LABEL: func.func @move_integers
// CHECK: %[[D:.*]] = ingot.dequantize_linear %arg0
// CHECK: %[[R:.*]] = ingot.resize %arg0, {{.*}} : (tensor<1x2x2x2xui8>, tensor<4xf32>, tensor<0xi64>) -> tensor<1x2x4x4xui8>
// CHECK: %[[T:.*]] = ingot.transpose %arg0 {{.*}} : (tensor<1x2x2x2xui8>) -> tensor<1x2x2x2xui8>
// CHECK: %[[L:.*]] = ingot.resize %[[D]], {{.*}}mode = "linear"{{.*}} -> tensor<1x2x4x4xf32>
// CHECK: %[[LQ:.*]] = ingot.quantize_linear %[[L]]
// CHECK: %[[O:.*]] = ingot.resize %[[D]], {{.*}} -> tensor<1x2x4x4xf32>
// CHECK: %[[OQ:.*]] = ingot.quantize_linear %[[O]]
// CHECK: return %[[R]], %[[T]], %[[LQ]], %[[OQ]]
func.func @move_integers(%q: tensor<1x2x2x2xui8>) -> (tensor<1x2x4x4xui8>, tensor<1x2x2x2xui8>, tensor<1x2x4x4xui8>, tensor<1x2x4x4xui8>) {
  %s = ingot.constant dense<0.1> : tensor<f32>
  %t = ingot.constant dense<0.2> : tensor<f32>
  %z = ingot.constant dense<128> : tensor<ui8>
  %scales = ingot.constant dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>
  %sizes = ingot.constant dense<> : tensor<0xi64>
  %d = ingot.dequantize_linear %q, %s, %z : (tensor<1x2x2x2xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x2x2x2xf32>
  %n = ingot.resize %d, %scales, %sizes {mode = "nearest", coordinate_transformation_mode = "asymmetric", nearest_mode = "floor"} : (tensor<1x2x2x2xf32>, tensor<4xf32>, tensor<0xi64>) -> tensor<1x2x4x4xf32>
  %nq = ingot.quantize_linear %n, %s, %z : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x4x4xui8>
  %p = ingot.transpose %d {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %pq = ingot.quantize_linear %p, %s, %z : (tensor<1x2x2x2xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x2x2xui8>
  %l = ingot.resize %d, %scales, %sizes {mode = "linear"} : (tensor<1x2x2x2xf32>, tensor<4xf32>, tensor<0xi64>) -> tensor<1x2x4x4xf32>
  %lq = ingot.quantize_linear %l, %s, %z : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x4x4xui8>
  %o = ingot.resize %d, %scales, %sizes {mode = "nearest", coordinate_transformation_mode = "asymmetric", nearest_mode = "floor"} : (tensor<1x2x2x2xf32>, tensor<4xf32>, tensor<0xi64>) -> tensor<1x2x4x4xf32>
  %oq = ingot.quantize_linear %o, %t, %z : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x4x4xui8>
  return %nq, %pq, %lq, %oq : tensor<1x2x4x4xui8>, tensor<1x2x2x2xui8>, tensor<1x2x4x4xui8>, tensor<1x2x4x4xui8>
}

// -----

// Through BF16 the round trip is not exact (255 * 1.0078125 = 256.99
// rounds to 256 in BF16, which quantizes to 254): the requantization
// stays.
// CHECK-LABEL: func.func @bf16_round_trip
// CHECK: ingot.dequantize_linear
// CHECK: ingot.quantize_linear
func.func @bf16_round_trip(%q: tensor<4xui8>) -> tensor<4xui8> {
  %s = ingot.constant dense<1.0078125> : tensor<bf16>
  %z = ingot.constant dense<0> : tensor<ui8>
  %d = ingot.dequantize_linear %q, %s, %z : (tensor<4xui8>, tensor<bf16>, tensor<ui8>) -> tensor<4xbf16>
  %r = ingot.quantize_linear %d, %s, %z : (tensor<4xbf16>, tensor<bf16>, tensor<ui8>) -> tensor<4xui8>
  return %r : tensor<4xui8>
}
