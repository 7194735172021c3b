// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-fuse-attention,ingot-dce))' -split-input-file | FileCheck %s

// BERT's export: the head split (reshape + transpose, kT by perm 0,2,3,1),
// a Div by sqrt(d), an additive mask, softmax, the matmul with v and the
// transpose back. k's transpose composes with the swap into perm 0,2,1,3;
// the transpose back becomes transpose_output; the scale is 1/sqrt(16).
// CHECK-LABEL: func.func @bert
// CHECK-DAG: %[[QS:.*]] = ingot.reshape %arg0
// CHECK-DAG: %[[KS:.*]] = ingot.reshape %arg1
// CHECK-DAG: %[[Q:.*]] = ingot.transpose %[[QS]] {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
// CHECK-DAG: %[[K:.*]] = ingot.transpose %[[KS]] {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
// CHECK: %[[O:.*]] = ingot.attention %[[Q]], %[[K]], %{{.*}}, %{{.*}} {scale = 2.500000e-01 : f32, transpose_output = true} : (tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x1x1x8xf32>) -> tensor<2x8x4x16xf32>
// CHECK-NOT: ingot.softmax
// CHECK-NOT: ingot.matmul
// CHECK: ingot.reshape %[[O]]
func.func @bert(%q3: tensor<2x8x64xf32>, %k3: tensor<2x8x64xf32>, %v3: tensor<2x8x64xf32>, %mask: tensor<2x1x1x8xf32>) -> tensor<2x8x64xf32> {
  %s4 = ingot.constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = ingot.constant dense<[2, 8, 64]> : tensor<3xi64>
  %c = ingot.constant dense<4.0> : tensor<f32>
  %qr = ingot.reshape %q3, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %q = ingot.transpose %qr {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %kr = ingot.reshape %k3, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = ingot.transpose %kr {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %vr = ingot.reshape %v3, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %v = ingot.transpose %vr {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %s = ingot.matmul %q, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %sc = ingot.div %s, %c : (tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  %sm = ingot.add %sc, %mask : (tensor<2x4x8x8xf32>, tensor<2x1x1x8xf32>) -> tensor<2x4x8x8xf32>
  %p = ingot.softmax %sm {axis = -1 : i64} : (tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  %o = ingot.matmul %p, %v : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ot = ingot.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %y = ingot.reshape %ot, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %y : tensor<2x8x64xf32>
}

// -----

// The scale on q and kT separately (0.5 * 0.5), the mask first in the add,
// kT given directly (not a transpose: k is kT transposed once), the result
// kept heads-first.
// CHECK-LABEL: func.func @split_scale
// CHECK: %[[K:.*]] = ingot.transpose %arg1 {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x8x5xf32>) -> tensor<1x2x5x8xf32>
// CHECK: %[[O:.*]] = ingot.attention %arg0, %[[K]], %arg2, %arg3 {scale = 2.500000e-01 : f32} : (tensor<1x2x3x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x4xf32>, tensor<1x2x3x5xf32>) -> tensor<1x2x3x4xf32>
// CHECK: return %[[O]]
func.func @split_scale(%q: tensor<1x2x3x8xf32>, %kt: tensor<1x2x8x5xf32>, %v: tensor<1x2x5x4xf32>, %mask: tensor<1x2x3x5xf32>) -> tensor<1x2x3x4xf32> {
  %c = ingot.constant dense<0.5> : tensor<f32>
  %qs = ingot.mul %q, %c : (tensor<1x2x3x8xf32>, tensor<f32>) -> tensor<1x2x3x8xf32>
  %ks = ingot.mul %c, %kt : (tensor<f32>, tensor<1x2x8x5xf32>) -> tensor<1x2x8x5xf32>
  %s = ingot.matmul %qs, %ks : (tensor<1x2x3x8xf32>, tensor<1x2x8x5xf32>) -> tensor<1x2x3x5xf32>
  %sm = ingot.add %mask, %s : (tensor<1x2x3x5xf32>, tensor<1x2x3x5xf32>) -> tensor<1x2x3x5xf32>
  %p = ingot.softmax %sm : (tensor<1x2x3x5xf32>) -> tensor<1x2x3x5xf32>
  %o = ingot.matmul %p, %v : (tensor<1x2x3x5xf32>, tensor<1x2x5x4xf32>) -> tensor<1x2x3x4xf32>
  return %o : tensor<1x2x3x4xf32>
}

// -----

// GPT-2's causal mask: where(mask, scores, fill) with a boolean mask; the
// fill is kept as mask_fill. No scale op: scale 1.
// CHECK-LABEL: func.func @where_mask
// CHECK: ingot.attention %arg0, %{{.*}}, %arg2, %arg3 {mask_fill = -3.40282347E+38 : f32, scale = 1.000000e+00 : f32}
func.func @where_mask(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>, %mask: tensor<1x1x4x4xi1>) -> tensor<1x2x4x8xf32> {
  %fill = ingot.constant dense<-3.40282347E+38> : tensor<f32>
  %s = ingot.matmul %q, %kt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %sm = ingot.where %mask, %s, %fill : (tensor<1x1x4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p = ingot.softmax %sm {axis = 3 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = ingot.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// Left alone: the probabilities are also returned (the softmax has two
// users), and a softmax over another axis.
// CHECK-LABEL: func.func @probs_used
// CHECK-NOT: ingot.attention
// CHECK: ingot.softmax
func.func @probs_used(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>) {
  %s = ingot.matmul %q, %kt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %p = ingot.softmax %s : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = ingot.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o, %p : tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>
}

// CHECK-LABEL: func.func @other_axis
// CHECK-NOT: ingot.attention
func.func @other_axis(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %s = ingot.matmul %q, %kt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %p = ingot.softmax %s {axis = 2 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = ingot.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}
