// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-quantize{integer-kernels=true}))' -split-input-file | FileCheck %s
// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-quantize))' -split-input-file | FileCheck %s --check-prefix=FLOAT

// A convolution between a dequantized uint8 activation (scale 0.5, zero
// point 3) and dequantized int8 weights (per output channel, scales 0.25 and
// 0.125, zero points 0) runs on the integers: conv_integer with the
// activation's zero point, then one dequantize by the products of the scales
// (0.5 * 0.25, 0.5 * 0.125) per output channel, then the bias, both shaped
// to broadcast over N x M x H x W.
// CHECK-LABEL: func.func @conv_per_channel
// CHECK-DAG: %[[Q:.*]] = ingot.quantize_linear %arg0
// CHECK-DAG: %[[W:.*]] = ingot.constant dense<{{.*}}> : tensor<2x1x3x3xi8>
// CHECK-DAG: %[[S:.*]] = ingot.constant dense<{{\[}}[{{\[}}1.250000e-01]], {{\[}}[6.250000e-02]]]> : tensor<2x1x1xf32>
// CHECK-DAG: %[[B:.*]] = ingot.constant dense<{{\[}}[{{\[}}1.000000e+00]], {{\[}}[-2.000000e+00]]]> : tensor<2x1x1xf32>
// CHECK: %[[ACC:.*]] = ingot.conv_integer %[[Q]], %[[W]] {input_zero_point = 3 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x4x4xui8>, tensor<2x1x3x3xi8>) -> tensor<1x2x4x4xi32>
// CHECK: %[[D:.*]] = ingot.dequantize_linear %[[ACC]], %[[S]], %{{.*}} : (tensor<1x2x4x4xi32>, tensor<2x1x1xf32>, tensor<i32>) -> tensor<1x2x4x4xf32>
// CHECK: %[[Y:.*]] = ingot.add %[[D]], %[[B]]
// CHECK: return %[[Y]]
// FLOAT-LABEL: func.func @conv_per_channel
// FLOAT-NOT: conv_integer
// FLOAT: ingot.conv
func.func @conv_per_channel(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %xs = ingot.constant dense<0.5> : tensor<f32>
  %xz = ingot.constant dense<3> : tensor<ui8>
  %xq = ingot.quantize_linear %x, %xs, %xz : (tensor<1x1x4x4xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x1x4x4xui8>
  %xd = ingot.dequantize_linear %xq, %xs, %xz : (tensor<1x1x4x4xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x1x4x4xf32>
  %wq = ingot.constant dense<[[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]], [[[-1, -2, -3], [-4, -5, -6], [-7, -8, -9]]]]> : tensor<2x1x3x3xi8>
  %ws = ingot.constant dense<[[[[0.25]]], [[[0.125]]]]> : tensor<2x1x1x1xf32>
  %wz = ingot.constant dense<0> : tensor<2x1x1x1xi8>
  %wd = ingot.dequantize_linear %wq, %ws, %wz : (tensor<2x1x3x3xi8>, tensor<2x1x1x1xf32>, tensor<2x1x1x1xi8>) -> tensor<2x1x3x3xf32>
  %b = ingot.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %y = ingot.conv %xd, %wd, %b {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// int8 activations keep their type; a per-tensor weight scale serves every
// channel.
// CHECK-LABEL: func.func @conv_signed_per_tensor
// CHECK: %[[S:.*]] = ingot.constant dense<2.500000e-01> : tensor<3x1x1xf32>
// CHECK: %[[ACC:.*]] = ingot.conv_integer %arg0, %{{.*}} {input_zero_point = -4 : i64} : (tensor<1x2x3x3xi8>, tensor<3x2x1x1xi8>) -> tensor<1x3x3x3xi32>
// CHECK: ingot.dequantize_linear %[[ACC]], %[[S]]
func.func @conv_signed_per_tensor(%xq: tensor<1x2x3x3xi8>) -> tensor<1x3x3x3xf32> {
  %xs = ingot.constant dense<0.5> : tensor<f32>
  %xz = ingot.constant dense<-4> : tensor<i8>
  %xd = ingot.dequantize_linear %xq, %xs, %xz : (tensor<1x2x3x3xi8>, tensor<f32>, tensor<i8>) -> tensor<1x2x3x3xf32>
  %wq = ingot.constant dense<1> : tensor<3x2x1x1xi8>
  %ws = ingot.constant dense<0.5> : tensor<f32>
  %wz = ingot.constant dense<0> : tensor<i8>
  %wd = ingot.dequantize_linear %wq, %ws, %wz : (tensor<3x2x1x1xi8>, tensor<f32>, tensor<i8>) -> tensor<3x2x1x1xf32>
  %y = ingot.conv %xd, %wd : (tensor<1x2x3x3xf32>, tensor<3x2x1x1xf32>) -> tensor<1x3x3x3xf32>
  return %y : tensor<1x3x3x3xf32>
}

// -----

// Weights with a nonzero zero point (asymmetric) stay in float: the kernel
// takes symmetric weights only.
// CHECK-LABEL: func.func @asymmetric_weights_stay_float
// CHECK-NOT: conv_integer
// CHECK: ingot.conv
func.func @asymmetric_weights_stay_float(%xq: tensor<1x1x3x3xui8>) -> tensor<1x1x3x3xf32> {
  %xs = ingot.constant dense<0.5> : tensor<f32>
  %xz = ingot.constant dense<0> : tensor<ui8>
  %xd = ingot.dequantize_linear %xq, %xs, %xz : (tensor<1x1x3x3xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x1x3x3xf32>
  %wq = ingot.constant dense<1> : tensor<1x1x1x1xi8>
  %ws = ingot.constant dense<0.5> : tensor<f32>
  %wz = ingot.constant dense<1> : tensor<i8>
  %wd = ingot.dequantize_linear %wq, %ws, %wz : (tensor<1x1x1x1xi8>, tensor<f32>, tensor<i8>) -> tensor<1x1x1x1xf32>
  %y = ingot.conv %xd, %wd : (tensor<1x1x3x3xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x3x3xf32>
  return %y : tensor<1x1x3x3xf32>
}
