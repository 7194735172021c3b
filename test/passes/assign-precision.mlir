// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-assign-precision{precision=fp16}))' -split-input-file -verify-diagnostics | FileCheck %s
// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-assign-precision{precision=bf16 io-precision=compute}))' -split-input-file | FileCheck %s --check-prefix=BF16
// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-assign-precision{precision=tf32}))' -split-input-file | FileCheck %s --check-prefix=TF32
// RUN: not ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-assign-precision{precision=fp8}))' -split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// Elementwise compute and library calls run in half precision; the model's
// f32 inputs and outputs are cast on entry and exit (io-precision=model),
// or become half precision themselves (compute).
// CHECK-LABEL: func.func @chain(%arg0: tensor<2x4xf32>, %arg1: tensor<4x3xf32>) -> tensor<2x3xf32>
// CHECK-DAG: %[[A:.*]] = ingot.cast %arg0 {to = f16} : (tensor<2x4xf32>) -> tensor<2x4xf16>
// CHECK-DAG: %[[B:.*]] = ingot.cast %arg1 {to = f16} : (tensor<4x3xf32>) -> tensor<4x3xf16>
// CHECK: %[[R:.*]] = ingot.relu %[[A]] : (tensor<2x4xf16>) -> tensor<2x4xf16>
// CHECK: %[[M:.*]] = ingot.matmul %[[R]], %[[B]] : (tensor<2x4xf16>, tensor<4x3xf16>) -> tensor<2x3xf16>
// CHECK: %[[O:.*]] = ingot.cast %[[M]] {to = f32} : (tensor<2x3xf16>) -> tensor<2x3xf32>
// CHECK: return %[[O]] : tensor<2x3xf32>
// BF16-LABEL: func.func @chain(%arg0: tensor<2x4xbf16>, %arg1: tensor<4x3xbf16>) -> tensor<2x3xbf16>
// BF16-NOT: ingot.cast
// BF16: ingot.matmul {{.*}} -> tensor<2x3xbf16>
// BF16-NEXT: return {{.*}} : tensor<2x3xbf16>
// TF32-LABEL: func.func @chain(%arg0: tensor<2x4xf32>, %arg1: tensor<4x3xf32>) -> tensor<2x3xf32>
// TF32-NEXT: ingot.relu %arg0 : (tensor<2x4xf32>) -> tensor<2x4xf32>
// TF32-NEXT: ingot.matmul {{.*}} -> tensor<2x3xf32>
// TF32-NEXT: return
// BAD: unknown precision 'fp8' (expected fp32, tf32, fp16 or bf16)
func.func @chain(%x: tensor<2x4xf32>, %w: tensor<4x3xf32>) -> tensor<2x3xf32> {
  %0 = ingot.relu %x : (tensor<2x4xf32>) -> tensor<2x4xf32>
  %1 = ingot.matmul %0, %w : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// exp, log, pow, reduce_sum and reduce_prod stay FP32, and so does what only
// consumes their results: the decomposed layer norm's variance chain (pow,
// reduce_mean, add eps, sqrt) is FP32 until the division meets the
// half-precision deviation.
// CHECK-LABEL: func.func @sensitive
// CHECK: %[[X:.*]] = ingot.cast %arg0 {to = f16}
// CHECK: %[[MU:.*]] = ingot.reduce_mean %[[X]] {{.*}} -> tensor<2x1xf16>
// CHECK: %[[DEV:.*]] = ingot.sub %[[X]], %[[MU]] {{.*}} -> tensor<2x8xf16>
// CHECK: %[[DEV32:.*]] = ingot.cast %[[DEV]] {to = f32} : (tensor<2x8xf16>) -> tensor<2x8xf32>
// CHECK: %[[SQ:.*]] = ingot.pow %[[DEV32]], %{{.*}} : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
// CHECK: %[[VAR:.*]] = ingot.reduce_mean %[[SQ]] {{.*}} -> tensor<2x1xf32>
// CHECK: %[[VE:.*]] = ingot.add %[[VAR]], %{{.*}} : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
// CHECK: %[[SD:.*]] = ingot.sqrt %[[VE]] : (tensor<2x1xf32>) -> tensor<2x1xf32>
// CHECK: %[[SD16:.*]] = ingot.cast %[[SD]] {to = f16}
// CHECK: ingot.div %[[DEV]], %[[SD16]] : (tensor<2x8xf16>, tensor<2x1xf16>) -> tensor<2x8xf16>
// CHECK: ingot.exp {{.*}} : (tensor<2x8xf32>) -> tensor<2x8xf32>
// CHECK: ingot.reduce_sum {{.*}} -> tensor<2x1xf32>
// BF16-LABEL: func.func @sensitive
// BF16: ingot.pow {{.*}} -> tensor<2x8xf32>
// BF16: ingot.div {{.*}} -> tensor<2x8xbf16>
// BF16: ingot.reduce_sum {{.*}} -> tensor<2x1xf32>
// BF16: %[[S:.*]] = ingot.cast {{.*}} {to = bf16} : (tensor<2x1xf32>) -> tensor<2x1xbf16>
// BF16: return {{.*}}, %[[S]] : tensor<2x8xbf16>, tensor<2x1xbf16>
func.func @sensitive(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x1xf32>) {
  %two = ingot.constant dense<2.0> : tensor<f32>
  %eps = ingot.constant dense<1.0e-05> : tensor<f32>
  %mu = ingot.reduce_mean %x {axes = array<i64: -1>} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %dev = ingot.sub %x, %mu : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %sq = ingot.pow %dev, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %var = ingot.reduce_mean %sq {axes = array<i64: -1>} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %ve = ingot.add %var, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %sd = ingot.sqrt %ve : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %n = ingot.div %dev, %sd : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %e = ingot.exp %n : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %s = ingot.reduce_sum %e {axes = array<i64: -1>} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  return %n, %s : tensor<2x8xf32>, tensor<2x1xf32>
}

// -----

// Constants are converted once, at compile time (to nearest even); a value
// beyond FP16's range is clamped to 65504 with a warning at its user, while
// BF16 keeps FP32's range. 1.0 = 0x3C00, 65504 = 0x7BFF, -0.1 = 0xAE66 in
// FP16; 1.0 = 0x3F80, 70000 = 0x4789 (70144), -0.1 = 0xBDCD in BF16. Blobs
// print as their alignment (8) then the little-endian data.
// CHECK-LABEL: func.func @constants
// CHECK-DAG: %[[W:.*]] = ingot.constant dense_resource<weights_f16> : tensor<3xf16>
// CHECK-DAG: %[[S:.*]] = ingot.constant dense<5.000000e-01> : tensor<f16>
// CHECK: ingot.mul %{{.*}}, %[[W]] : (tensor<2x3xf16>, tensor<3xf16>) -> tensor<2x3xf16>
// CHECK: ingot.add %{{.*}}, %[[S]]
// CHECK: weights_f16: "0x08000000003CFF7B66AE"
// BF16-LABEL: func.func @constants
// BF16: weights_bf16: "0x08000000803F8947CDBD"
func.func @constants(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %w = ingot.constant dense<[1.0, 70000.0, -0.1]> : tensor<3xf32>
  %half = ingot.constant dense<0.5> : tensor<f32>
  // expected-warning @+1 {{1 of 3 values of a constant operand are beyond the fp16 range and were clamped to its largest finite value (--precision=bf16 keeps FP32's range)}}
  %0 = ingot.mul %x, %w : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = ingot.add %0, %half : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// Casts to f32 in the model compute in the chosen type; resize's scales are
// a parameter of fixed type and stay f32; integer math is left alone.
// CHECK-LABEL: func.func @casts_and_parameters
// CHECK: ingot.cast %arg0 {to = f16} : (tensor<1x1x2x2xi64>) -> tensor<1x1x2x2xf16>
// CHECK: ingot.resize {{.*}} : (tensor<1x1x2x2xf16>, tensor<4xf32>, tensor<0xi64>) -> tensor<1x1x4x4xf16>
// CHECK: ingot.add %arg0, %arg0 : (tensor<1x1x2x2xi64>, tensor<1x1x2x2xi64>) -> tensor<1x1x2x2xi64>
func.func @casts_and_parameters(%i: tensor<1x1x2x2xi64>) -> (tensor<1x1x4x4xf32>, tensor<1x1x2x2xi64>) {
  %scales = ingot.constant dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>
  %nosizes = ingot.constant dense<> : tensor<0xi64>
  %f = ingot.cast %i {to = f32} : (tensor<1x1x2x2xi64>) -> tensor<1x1x2x2xf32>
  %r = ingot.resize %f, %scales, %nosizes : (tensor<1x1x2x2xf32>, tensor<4xf32>, tensor<0xi64>) -> tensor<1x1x4x4xf32>
  %s = ingot.add %i, %i : (tensor<1x1x2x2xi64>, tensor<1x1x2x2xi64>) -> tensor<1x1x2x2xi64>
  return %r, %s : tensor<1x1x4x4xf32>, tensor<1x1x2x2xi64>
}

// -----

// cuDNN's int8 convolution writes FP32 sums of 8-bit products (up to 2^24
// and beyond, past FP16's range): they stay FP32 and are scaled in FP32;
// the data is half precision from there on, even through a chain with only
// constants beside it (bias, ReLU). A dequantization's per-channel scales
// (often below FP16's normal range) stay FP32 too, its users take a cast.
// CHECK-LABEL: func.func @integer_sums
// CHECK: %[[S:.*]] = ingot.conv_integer %arg0, %arg1 {float_sums = true} : (tensor<1x4x3x3xi8>, tensor<4x4x1x1xi8>) -> tensor<1x4x3x3xf32>
// CHECK: %[[M:.*]] = ingot.mul %[[S]], %{{.*}} : (tensor<1x4x3x3xf32>, tensor<4x1x1xf32>) -> tensor<1x4x3x3xf32>
// CHECK: %[[H:.*]] = ingot.cast %[[M]] {to = f16}
// CHECK: %[[B:.*]] = ingot.add %[[H]], %{{.*}} : (tensor<1x4x3x3xf16>, tensor<4x1x1xf16>) -> tensor<1x4x3x3xf16>
// CHECK: ingot.relu %[[B]] : (tensor<1x4x3x3xf16>) -> tensor<1x4x3x3xf16>
// CHECK: %[[D:.*]] = ingot.dequantize_linear %arg2, %{{.*}}, %{{.*}} : (tensor<1x4x3x3xi32>, tensor<4x1x1xf32>, tensor<i32>) -> tensor<1x4x3x3xf32>
// CHECK: ingot.cast %[[D]] {to = f16}
func.func @integer_sums(%x: tensor<1x4x3x3xi8>, %w: tensor<4x4x1x1xi8>, %acc: tensor<1x4x3x3xi32>) -> (tensor<1x4x3x3xf32>, tensor<1x4x3x3xf32>) {
  %s = ingot.conv_integer %x, %w {float_sums = true} : (tensor<1x4x3x3xi8>, tensor<4x4x1x1xi8>) -> tensor<1x4x3x3xf32>
  %c = ingot.constant dense<0.5> : tensor<4x1x1xf32>
  %m = ingot.mul %s, %c : (tensor<1x4x3x3xf32>, tensor<4x1x1xf32>) -> tensor<1x4x3x3xf32>
  %bias = ingot.constant dense<0.25> : tensor<4x1x1xf32>
  %b = ingot.add %m, %bias : (tensor<1x4x3x3xf32>, tensor<4x1x1xf32>) -> tensor<1x4x3x3xf32>
  %r = ingot.relu %b : (tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
  %ds = ingot.constant dense<1.0e-6> : tensor<4x1x1xf32>
  %dz = ingot.constant dense<0> : tensor<i32>
  %d = ingot.dequantize_linear %acc, %ds, %dz : (tensor<1x4x3x3xi32>, tensor<4x1x1xf32>, tensor<i32>) -> tensor<1x4x3x3xf32>
  %e = ingot.relu %d : (tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
  return %r, %e : tensor<1x4x3x3xf32>, tensor<1x4x3x3xf32>
}
