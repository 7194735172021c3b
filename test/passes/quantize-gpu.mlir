// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-quantize{gpu-integer-gemms=true}))' -split-input-file | FileCheck %s

// The CUDA form: a pointwise convolution between a dequantized uint8
// activation (scale 0.5, zero point 3) and int8 weights (all 2, 32 inputs
// per output) is one int8 GEMM. The activation is requantized to int8 with
// zero point 3 - 128 = -125 (the same integers minus 128); the GEMM sums it
// with zero point 0, and -125 * sum(w) = -125 * 64 = -8000 per output
// channel is subtracted in int32 before the dequantization (0.5 * 0.25).
// CHECK-LABEL: func.func @pointwise_unsigned
// CHECK-DAG: %[[Z:.*]] = ingot.constant dense<-125> : tensor<i8>
// CHECK-DAG: %[[OFF:.*]] = ingot.constant dense<-8000> : tensor<4x1x1xi32>
// CHECK-DAG: %[[S:.*]] = ingot.constant dense<1.250000e-01> : tensor<4x1x1xf32>
// CHECK: %[[XD:.*]] = ingot.dequantize_linear
// CHECK: %[[X8:.*]] = ingot.quantize_linear %[[XD]], %{{.*}}, %[[Z]] : (tensor<1x32x5x5xf32>, tensor<f32>, tensor<i8>) -> tensor<1x32x5x5xi8>
// CHECK: %[[ACC:.*]] = ingot.conv_integer %[[X8]], %{{.*}} : (tensor<1x32x5x5xi8>, tensor<4x32x1x1xi8>) -> tensor<1x4x5x5xi32>
// CHECK: %[[SUMS:.*]] = ingot.sub %[[ACC]], %[[OFF]]
// CHECK: ingot.dequantize_linear %[[SUMS]], %[[S]]
func.func @pointwise_unsigned(%x: tensor<1x32x5x5xf32>) -> tensor<1x4x5x5xf32> {
  %xs = ingot.constant dense<0.5> : tensor<f32>
  %xz = ingot.constant dense<3> : tensor<ui8>
  %xq = ingot.quantize_linear %x, %xs, %xz : (tensor<1x32x5x5xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x32x5x5xui8>
  %xd = ingot.dequantize_linear %xq, %xs, %xz : (tensor<1x32x5x5xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x32x5x5xf32>
  %wq = ingot.constant dense<2> : tensor<4x32x1x1xi8>
  %ws = ingot.constant dense<0.25> : tensor<f32>
  %wz = ingot.constant dense<0> : tensor<i8>
  %wd = ingot.dequantize_linear %wq, %ws, %wz : (tensor<4x32x1x1xi8>, tensor<f32>, tensor<i8>) -> tensor<4x32x1x1xf32>
  %y = ingot.conv %xd, %wd : (tensor<1x32x5x5xf32>, tensor<4x32x1x1xf32>) -> tensor<1x4x5x5xf32>
  return %y : tensor<1x4x5x5xf32>
}

// -----

// int8 activations with zero point 0 go to the GEMM as they are: nothing
// to requantize, nothing to subtract.
// CHECK-LABEL: func.func @matmul_signed
// CHECK-NOT: ingot.quantize_linear
// CHECK-NOT: ingot.sub
// CHECK: ingot.conv_integer %{{.*}}, %{{.*}} {channels_last = true
// CHECK-SAME: (tensor<1x2x32xi8>, tensor<8x1x32xi8>) -> tensor<1x2x8xi32>
// CHECK-NOT: ingot.sub
func.func @matmul_signed(%xq: tensor<2x32xi8>) -> tensor<2x8xf32> {
  %xs = ingot.constant dense<0.5> : tensor<f32>
  %xz = ingot.constant dense<0> : tensor<i8>
  %xd = ingot.dequantize_linear %xq, %xs, %xz : (tensor<2x32xi8>, tensor<f32>, tensor<i8>) -> tensor<2x32xf32>
  %wq = ingot.constant dense<1> : tensor<32x8xi8>
  %ws = ingot.constant dense<0.5> : tensor<f32>
  %wz = ingot.constant dense<0> : tensor<i8>
  %wd = ingot.dequantize_linear %wq, %ws, %wz : (tensor<32x8xi8>, tensor<f32>, tensor<i8>) -> tensor<32x8xf32>
  %y = ingot.matmul %xd, %wd : (tensor<2x32xf32>, tensor<32x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// A 3x3 convolution with padding over a symmetric int8 activation (zero
// point 0): cuDNN's int8 convolution, whose FP32 sums (float_sums) are
// scaled by a multiply (0.5 * 0.25). Nothing to requantize or subtract.
// CHECK-LABEL: func.func @window_symmetric
// CHECK-DAG: %[[S:.*]] = ingot.constant dense<1.250000e-01> : tensor<4x1x1xf32>
// CHECK-NOT: ingot.quantize_linear
// CHECK: %[[ACC:.*]] = ingot.conv_integer %arg0, %{{.*}} {float_sums = true, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x32x5x5xi8>, tensor<4x32x3x3xi8>) -> tensor<1x4x5x5xf32>
// CHECK-NOT: ingot.sub
// CHECK: ingot.mul %[[ACC]], %[[S]]
func.func @window_symmetric(%xq: tensor<1x32x5x5xi8>) -> tensor<1x4x5x5xf32> {
  %xs = ingot.constant dense<0.5> : tensor<f32>
  %xz = ingot.constant dense<0> : tensor<i8>
  %xd = ingot.dequantize_linear %xq, %xs, %xz : (tensor<1x32x5x5xi8>, tensor<f32>, tensor<i8>) -> tensor<1x32x5x5xf32>
  %wq = ingot.constant dense<2> : tensor<4x32x3x3xi8>
  %ws = ingot.constant dense<0.25> : tensor<f32>
  %wz = ingot.constant dense<0> : tensor<i8>
  %wd = ingot.dequantize_linear %wq, %ws, %wz : (tensor<4x32x3x3xi8>, tensor<f32>, tensor<i8>) -> tensor<4x32x3x3xf32>
  %y = ingot.conv %xd, %wd {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x32x5x5xf32>, tensor<4x32x3x3xf32>) -> tensor<1x4x5x5xf32>
  return %y : tensor<1x4x5x5xf32>
}

// -----

// What neither library can do stays in float, and says why: a 3x3
// convolution with padding over uint8 with zero point 0 (-128 as int8,
// while cuDNN pads with 0), and a matmul whose 34 summed values are not a
// multiple of 4.
// CHECK-LABEL: func.func @float_on_the_gpu
// CHECK-NOT: conv_integer
// CHECK: ingot.conv %{{.*}} {ingot.float_reason = "activation with zero point -128 as int8
// CHECK: ingot.matmul %{{.*}} {ingot.float_reason = "sizes not multiples of 4
func.func @float_on_the_gpu(%x: tensor<1x32x5x5xf32>, %v: tensor<2x34xf32>) -> (tensor<1x4x5x5xf32>, tensor<2x8xf32>) {
  %xs = ingot.constant dense<0.5> : tensor<f32>
  %xz = ingot.constant dense<0> : tensor<ui8>
  %xq = ingot.quantize_linear %x, %xs, %xz : (tensor<1x32x5x5xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x32x5x5xui8>
  %xd = ingot.dequantize_linear %xq, %xs, %xz : (tensor<1x32x5x5xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x32x5x5xf32>
  %wq = ingot.constant dense<2> : tensor<4x32x3x3xi8>
  %ws = ingot.constant dense<0.25> : tensor<f32>
  %wz = ingot.constant dense<0> : tensor<i8>
  %wd = ingot.dequantize_linear %wq, %ws, %wz : (tensor<4x32x3x3xi8>, tensor<f32>, tensor<i8>) -> tensor<4x32x3x3xf32>
  %y = ingot.conv %xd, %wd {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x32x5x5xf32>, tensor<4x32x3x3xf32>) -> tensor<1x4x5x5xf32>
  %vq = ingot.quantize_linear %v, %xs, %xz : (tensor<2x34xf32>, tensor<f32>, tensor<ui8>) -> tensor<2x34xui8>
  %vd = ingot.dequantize_linear %vq, %xs, %xz : (tensor<2x34xui8>, tensor<f32>, tensor<ui8>) -> tensor<2x34xf32>
  %mq = ingot.constant dense<1> : tensor<34x8xi8>
  %md = ingot.dequantize_linear %mq, %ws, %wz : (tensor<34x8xi8>, tensor<f32>, tensor<i8>) -> tensor<34x8xf32>
  %z = ingot.matmul %vd, %md : (tensor<2x34xf32>, tensor<34x8xf32>) -> tensor<2x8xf32>
  return %y, %z : tensor<1x4x5x5xf32>, tensor<2x8xf32>
}
