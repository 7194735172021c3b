// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-fold-batch-norm))' -split-input-file | FileCheck %s

// W' = W * s, b' = (b - mean) * s + beta with s = gamma / sqrt(var + eps).
// gamma = [2, 3], var = [4, 1], eps = 0 -> s = [1, 3]; W = 1 -> W' = [1, 1, 3, 3];
// b' = [(0.5 - 1) * 1 + 0.5, (0.25 - 2) * 3 + 0.25] = [0, -5].
// Blobs print as their alignment (8, little endian) then the f32 data.
// CHECK-LABEL: func.func @fold
// CHECK-NOT: ingot.batch_norm
// CHECK: %[[W:.*]] = ingot.constant dense_resource<folded_bn_weight> : tensor<2x2x1x1xf32>
// CHECK: %[[B:.*]] = ingot.constant dense_resource<folded_bn_bias> : tensor<2xf32>
// CHECK: ingot.conv %arg0, %[[W]], %[[B]]
// CHECK: folded_bn_weight: "0x080000000000803F0000803F0000404000004040"
// CHECK: folded_bn_bias: "0x08000000000000000000A0C0"
func.func @fold(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = ingot.constant dense<1.0> : tensor<2x2x1x1xf32>
  %bias = ingot.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %g = ingot.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %b = ingot.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %m = ingot.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %v = ingot.constant dense<[4.0, 1.0]> : tensor<2xf32>
  %0 = ingot.conv %x, %w, %bias : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %1 = ingot.batch_norm %0, %g, %b, %m, %v {epsilon = 0.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %1 : tensor<1x2x4x4xf32>
}

// -----

// A convolution with another user, or non-constant statistics, is left alone.
// CHECK-LABEL: func.func @not_folded
// CHECK: ingot.batch_norm
func.func @not_folded(%x: tensor<1x2x4x4xf32>, %g: tensor<2xf32>) -> tensor<1x2x4x4xf32> {
  %w = ingot.constant dense<1.0> : tensor<2x2x1x1xf32>
  %p = ingot.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %0 = ingot.conv %x, %w : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %1 = ingot.batch_norm %0, %g, %p, %p, %p : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %1 : tensor<1x2x4x4xf32>
}
