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
// CHECK-DAG: %[[W:.*]] = ingot.constant dense<{{.*}}> : tensor<2x4x3x3xi8>
// CHECK-DAG: %[[S:.*]] = ingot.constant dense<{{\[}}[{{\[}}1.250000e-01]], {{\[}}[6.250000e-02]]]> : tensor<2x1x1xf32>
// CHECK-DAG: %[[B:.*]] = ingot.constant dense<{{\[}}[{{\[}}1.000000e+00]], {{\[}}[-2.000000e+00]]]> : tensor<2x1x1xf32>
// CHECK: %[[ACC:.*]] = ingot.conv_integer %[[Q]], %[[W]] {input_zero_point = 3 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x4xui8>, tensor<2x4x3x3xi8>) -> tensor<1x2x4x4xi32>
// CHECK: %[[D:.*]] = ingot.dequantize_linear %[[ACC]], %[[S]], %{{.*}} : (tensor<1x2x4x4xi32>, tensor<2x1x1xf32>, tensor<i32>) -> tensor<1x2x4x4xf32>
// CHECK: %[[Y:.*]] = ingot.add %[[D]], %[[B]]
// CHECK: return %[[Y]]
// FLOAT-LABEL: func.func @conv_per_channel
// FLOAT-NOT: conv_integer
// FLOAT: ingot.conv
func.func @conv_per_channel(%x: tensor<1x4x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %xs = ingot.constant dense<0.5> : tensor<f32>
  %xz = ingot.constant dense<3> : tensor<ui8>
  %xq = ingot.quantize_linear %x, %xs, %xz : (tensor<1x4x4x4xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x4x4x4xui8>
  %xd = ingot.dequantize_linear %xq, %xs, %xz : (tensor<1x4x4x4xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x4x4x4xf32>
  %wq = ingot.constant dense<5> : tensor<2x4x3x3xi8>
  %ws = ingot.constant dense<[[[[0.25]]], [[[0.125]]]]> : tensor<2x1x1x1xf32>
  %wz = ingot.constant dense<0> : tensor<2x1x1x1xi8>
  %wd = ingot.dequantize_linear %wq, %ws, %wz : (tensor<2x4x3x3xi8>, tensor<2x1x1x1xf32>, tensor<2x1x1x1xi8>) -> tensor<2x4x3x3xf32>
  %b = ingot.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %y = ingot.conv %xd, %wd, %b {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x4xf32>, tensor<2x4x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// int8 activations keep their type; a per-tensor weight scale serves every
// channel.
// CHECK-LABEL: func.func @conv_signed_per_tensor
// CHECK: %[[S:.*]] = ingot.constant dense<2.500000e-01> : tensor<3x1x1xf32>
// CHECK: %[[ACC:.*]] = ingot.conv_integer %arg0, %{{.*}} {input_zero_point = -4 : i64} : (tensor<1x32x3x3xi8>, tensor<3x32x1x1xi8>) -> tensor<1x3x3x3xi32>
// CHECK: ingot.dequantize_linear %[[ACC]], %[[S]]
func.func @conv_signed_per_tensor(%xq: tensor<1x32x3x3xi8>) -> tensor<1x3x3x3xf32> {
  %xs = ingot.constant dense<0.5> : tensor<f32>
  %xz = ingot.constant dense<-4> : tensor<i8>
  %xd = ingot.dequantize_linear %xq, %xs, %xz : (tensor<1x32x3x3xi8>, tensor<f32>, tensor<i8>) -> tensor<1x32x3x3xf32>
  %wq = ingot.constant dense<1> : tensor<3x32x1x1xi8>
  %ws = ingot.constant dense<0.5> : tensor<f32>
  %wz = ingot.constant dense<0> : tensor<i8>
  %wd = ingot.dequantize_linear %wq, %ws, %wz : (tensor<3x32x1x1xi8>, tensor<f32>, tensor<i8>) -> tensor<3x32x1x1xf32>
  %y = ingot.conv %xd, %wd : (tensor<1x32x3x3xf32>, tensor<3x32x1x1xf32>) -> tensor<1x3x3x3xf32>
  return %y : tensor<1x3x3x3xf32>
}

// -----

// A dense convolution with 3 x 3 x 3 = 27 inputs per output (an RGB first
// layer, below 32) stays in float, and so does a depthwise one (grouped
// convolutions run faster in float).
// CHECK-LABEL: func.func @small_dense_stays_float
// CHECK-NOT: conv_integer
// CHECK: ingot.conv %{{.*}} : (tensor<1x3x4x4xf32>, tensor<2x3x3x3xf32>)
// CHECK: ingot.conv %{{.*}} {group = 3 : i64, {{.*}}} : (tensor<1x3x4x4xf32>, tensor<3x1x3x3xf32>)
func.func @small_dense_stays_float(%xq: tensor<1x3x4x4xui8>) -> (tensor<1x2x4x4xf32>, tensor<1x3x4x4xf32>) {
  %xs = ingot.constant dense<0.5> : tensor<f32>
  %xz = ingot.constant dense<0> : tensor<ui8>
  %xd = ingot.dequantize_linear %xq, %xs, %xz : (tensor<1x3x4x4xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x3x4x4xf32>
  %ws = ingot.constant dense<0.5> : tensor<f32>
  %wz = ingot.constant dense<0> : tensor<i8>
  %wq = ingot.constant dense<1> : tensor<2x3x3x3xi8>
  %wd = ingot.dequantize_linear %wq, %ws, %wz : (tensor<2x3x3x3xi8>, tensor<f32>, tensor<i8>) -> tensor<2x3x3x3xf32>
  %y = ingot.conv %xd, %wd {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x4x4xf32>, tensor<2x3x3x3xf32>) -> tensor<1x2x4x4xf32>
  %dq = ingot.constant dense<1> : tensor<3x1x3x3xi8>
  %dd = ingot.dequantize_linear %dq, %ws, %wz : (tensor<3x1x3x3xi8>, tensor<f32>, tensor<i8>) -> tensor<3x1x3x3xf32>
  %z = ingot.conv %xd, %dd {group = 3 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x4x4xf32>, tensor<3x1x3x3xf32>) -> tensor<1x3x4x4xf32>
  return %y, %z : tensor<1x2x4x4xf32>, tensor<1x3x4x4xf32>
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

// -----

// A matmul of a dequantized activation [2, 3, 4] by constant int8 weights
// [4, 5] with per-column scales [1, 5] becomes a channels-last 1-d integer
// convolution over the 6 rows (weights transposed to N x 1 x K), scaled per
// column, with reshapes (views) around it.
// CHECK-LABEL: func.func @matmul_rows
// CHECK: %[[ROWS:.*]] = ingot.reshape %{{.*}}, %{{.*}} : (tensor<2x3x4xui8>, tensor<3xi64>) -> tensor<1x6x4xui8>
// CHECK: %[[ACC:.*]] = ingot.conv_integer %[[ROWS]], %{{.*}} {channels_last = true, {{.*}}input_zero_point = 128 : i64{{.*}}} : (tensor<1x6x4xui8>, tensor<5x1x4xi8>) -> tensor<1x6x5xi32>
// CHECK: %[[D:.*]] = ingot.dequantize_linear %[[ACC]], %{{.*}}, %{{.*}} : (tensor<1x6x5xi32>, tensor<5xf32>, tensor<i32>) -> tensor<1x6x5xf32>
// CHECK: %[[Y:.*]] = ingot.reshape %[[D]], %{{.*}} : (tensor<1x6x5xf32>, tensor<3xi64>) -> tensor<2x3x5xf32>
// CHECK: return %[[Y]]
func.func @matmul_rows(%xq: tensor<2x3x4xui8>) -> tensor<2x3x5xf32> {
  %xs = ingot.constant dense<0.5> : tensor<f32>
  %xz = ingot.constant dense<128> : tensor<ui8>
  %xd = ingot.dequantize_linear %xq, %xs, %xz : (tensor<2x3x4xui8>, tensor<f32>, tensor<ui8>) -> tensor<2x3x4xf32>
  %wq = ingot.constant dense<[[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [-1, -2, -3, -4, -5], [0, 0, 0, 0, 1]]> : tensor<4x5xi8>
  %ws = ingot.constant dense<[[0.1, 0.2, 0.3, 0.4, 0.5]]> : tensor<1x5xf32>
  %wz = ingot.constant dense<0> : tensor<1x5xi8>
  %wd = ingot.dequantize_linear %wq, %ws, %wz : (tensor<4x5xi8>, tensor<1x5xf32>, tensor<1x5xi8>) -> tensor<4x5xf32>
  %y = ingot.matmul %xd, %wd : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x3x5xf32>
  return %y : tensor<2x3x5xf32>
}

// -----

// gemm with trans_b: the weights are already N x K; alpha scales the
// dequantization and beta * C is added before the result is reshaped back.
// CHECK-LABEL: func.func @gemm_trans_b
// CHECK: %[[S:.*]] = ingot.constant dense<5.000000e-01> : tensor<4xf32>
// CHECK: %[[ACC:.*]] = ingot.conv_integer %{{.*}}, %{{.*}} {{.*}}: (tensor<1x2x3xi8>, tensor<4x1x3xi8>) -> tensor<1x2x4xi32>
// CHECK: %[[D:.*]] = ingot.dequantize_linear %[[ACC]], %[[S]]
// CHECK: %[[BC:.*]] = ingot.mul %arg1, %{{.*}} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
// CHECK: %[[C3:.*]] = ingot.reshape %[[BC]], %{{.*}} : (tensor<4xf32>, tensor<3xi64>) -> tensor<1x1x4xf32>
// CHECK: ingot.add %[[D]], %[[C3]] : (tensor<1x2x4xf32>, tensor<1x1x4xf32>) -> tensor<1x2x4xf32>
func.func @gemm_trans_b(%xq: tensor<2x3xi8>, %c: tensor<4xf32>) -> tensor<2x4xf32> {
  %xs = ingot.constant dense<0.25> : tensor<f32>
  %xz = ingot.constant dense<0> : tensor<i8>
  %xd = ingot.dequantize_linear %xq, %xs, %xz : (tensor<2x3xi8>, tensor<f32>, tensor<i8>) -> tensor<2x3xf32>
  %wq = ingot.constant dense<3> : tensor<4x3xi8>
  %ws = ingot.constant dense<1.0> : tensor<f32>
  %wz = ingot.constant dense<0> : tensor<i8>
  %wd = ingot.dequantize_linear %wq, %ws, %wz : (tensor<4x3xi8>, tensor<f32>, tensor<i8>) -> tensor<4x3xf32>
  %y = ingot.gemm %xd, %wd, %c {alpha = 2.0 : f32, beta = 0.5 : f32, trans_b = true} : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
