// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-merge-sibling-matmuls))' -split-input-file | FileCheck %s

// Three projections of %x with their biases, read in place (through a
// reshape and a transpose) by an attention op: one matmul by the 4x6
// weights [W1 W2 W3], one add of the 6 biases [b1 b2 b3] (the columns in
// program order), and one slice of the last axis per former result.
// CHECK-LABEL: func.func @projections
// CHECK: %[[W:.*]] = ingot.constant dense_resource<merged_weight{{.*}}> : tensor<4x6xf32>
// CHECK: %[[M:.*]] = ingot.matmul %arg0, %[[W]] : (tensor<1x3x4xf32>, tensor<4x6xf32>) -> tensor<1x3x6xf32>
// CHECK: %[[B:.*]] = ingot.constant dense_resource<merged_bias{{.*}}> : tensor<6xf32>
// CHECK: %[[Y:.*]] = ingot.add %[[M]], %[[B]]
// CHECK-COUNT-3: ingot.slice %[[Y]]
// CHECK-NOT: ingot.matmul
// CHECK: ingot.attention
// CHECK: {-#
// CHECK: merged_weight{{.*}}: "0x08000000000000000000803F0000004000004040000080400000A0400000C0400000E0400000004100001041000020410000304100004041000050410000604100007041000080410000884100009041000098410000A041000000000000000000000040"
// CHECK: merged_bias{{.*}}: "0x08000000000000000000803F0000004000004040000080400000A040"
func.func @projections(%x: tensor<1x3x4xf32>) -> tensor<1x1x3x2xf32> {
  %w1 = ingot.constant dense<[[0.0, 1.0], [6.0, 7.0], [12.0, 13.0], [18.0, 19.0]]> : tensor<4x2xf32>
  %w2 = ingot.constant dense<[[2.0, 3.0], [8.0, 9.0], [14.0, 15.0], [20.0, 0.0]]> : tensor<4x2xf32>
  %w3 = ingot.constant dense<[[4.0, 5.0], [10.0, 11.0], [16.0, 17.0], [0.0, 2.0]]> : tensor<4x2xf32>
  %b1 = ingot.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %b2 = ingot.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %b3 = ingot.constant dense<[4.0, 5.0]> : tensor<2xf32>
  %s4 = ingot.constant dense<[1, 3, 1, 2]> : tensor<4xi64>
  %m1 = ingot.matmul %x, %w1 : (tensor<1x3x4xf32>, tensor<4x2xf32>) -> tensor<1x3x2xf32>
  %q = ingot.add %m1, %b1 : (tensor<1x3x2xf32>, tensor<2xf32>) -> tensor<1x3x2xf32>
  %m2 = ingot.matmul %x, %w2 : (tensor<1x3x4xf32>, tensor<4x2xf32>) -> tensor<1x3x2xf32>
  %k = ingot.add %b2, %m2 : (tensor<2xf32>, tensor<1x3x2xf32>) -> tensor<1x3x2xf32>
  %m3 = ingot.matmul %x, %w3 : (tensor<1x3x4xf32>, tensor<4x2xf32>) -> tensor<1x3x2xf32>
  %v = ingot.add %m3, %b3 : (tensor<1x3x2xf32>, tensor<2xf32>) -> tensor<1x3x2xf32>
  %q4 = ingot.reshape %q, %s4 : (tensor<1x3x2xf32>, tensor<4xi64>) -> tensor<1x3x1x2xf32>
  %k4 = ingot.reshape %k, %s4 : (tensor<1x3x2xf32>, tensor<4xi64>) -> tensor<1x3x1x2xf32>
  %v4 = ingot.reshape %v, %s4 : (tensor<1x3x2xf32>, tensor<4xi64>) -> tensor<1x3x1x2xf32>
  %qt = ingot.transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x1x2xf32>) -> tensor<1x1x3x2xf32>
  %kt = ingot.transpose %k4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x1x2xf32>) -> tensor<1x1x3x2xf32>
  %vt = ingot.transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x1x2xf32>) -> tensor<1x1x3x2xf32>
  %o = ingot.attention %qt, %kt, %vt {scale = 1.0 : f32} : (tensor<1x1x3x2xf32>, tensor<1x1x3x2xf32>, tensor<1x1x3x2xf32>) -> tensor<1x1x3x2xf32>
  return %o : tensor<1x1x3x2xf32>
}

// -----

// One projection lacks a bias: the matmuls merge, the biases stay adds of
// their slices.
// CHECK-LABEL: func.func @partial_bias
// CHECK: %[[M:.*]] = ingot.matmul %arg0, %{{.*}} : (tensor<3x4xf32>, tensor<4x5xf32>) -> tensor<3x5xf32>
// CHECK: %[[S1:.*]] = ingot.slice %[[M]]
// CHECK: %[[S2:.*]] = ingot.slice %[[M]]
// CHECK: ingot.add %[[S1]]
// CHECK: ingot.relu %[[S2]]
func.func @partial_bias(%x: tensor<3x4xf32>) -> (tensor<3x2xf32>, tensor<3x3xf32>) {
  %w1 = ingot.constant dense<1.0> : tensor<4x2xf32>
  %w2 = ingot.constant dense<2.0> : tensor<4x3xf32>
  %b1 = ingot.constant dense<0.5> : tensor<2xf32>
  %m1 = ingot.matmul %x, %w1 : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
  %a = ingot.add %m1, %b1 : (tensor<3x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %m2 = ingot.matmul %x, %w2 : (tensor<3x4xf32>, tensor<4x3xf32>) -> tensor<3x3xf32>
  %r = ingot.relu %m2 : (tensor<3x3xf32>) -> tensor<3x3xf32>
  return %a, %r : tensor<3x2xf32>, tensor<3x3xf32>
}

// -----

// Left alone: a result feeds another matmul (a slice there would be a
// copy), and weights that are not constants.
// CHECK-LABEL: func.func @library_user
// CHECK-COUNT-3: ingot.matmul %arg0
func.func @library_user(%x: tensor<3x4xf32>, %w3: tensor<4x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>) {
  %w1 = ingot.constant dense<1.0> : tensor<4x2xf32>
  %w2 = ingot.constant dense<2.0> : tensor<4x2xf32>
  %w4 = ingot.constant dense<2.0> : tensor<2x2xf32>
  %m1 = ingot.matmul %x, %w1 : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
  %n = ingot.matmul %m1, %w4 : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %m2 = ingot.matmul %x, %w2 : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
  %m3 = ingot.matmul %x, %w3 : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
  return %n, %m2, %m3 : tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>
}
