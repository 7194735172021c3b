// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-infer-shapes))' -split-input-file | FileCheck %s

// Dynamic result types become static from the operands, through a chain,
// and the function's result type follows.
// CHECK-LABEL: func.func @chain
// CHECK-SAME: -> tensor<1x8x16x16xf32>
// CHECK: ingot.conv {{.*}} -> tensor<1x8x16x16xf32>
// CHECK: ingot.relu {{.*}} : (tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
// CHECK: return {{.*}} : tensor<1x8x16x16xf32>
func.func @chain(%x: tensor<1x3x32x32xf32>, %w: tensor<8x3x3x3xf32>) -> tensor<?x?x?x?xf32> {
  %0 = ingot.conv %x, %w {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x32x32xf32>, tensor<8x3x3x3xf32>) -> tensor<?x?x?x?xf32>
  %1 = ingot.relu %0 : (tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  return %1 : tensor<?x?x?x?xf32>
}

// -----

// Unranked results get a rank; shape computations fold along the way so the
// reshape that depends on them becomes static too.
// CHECK-LABEL: func.func @through_shape_ops
// CHECK-NOT: ingot.shape
// CHECK: ingot.reshape {{.*}} -> tensor<4x6xf32>
// CHECK: ingot.softmax {{.*}} -> tensor<4x6xf32>
func.func @through_shape_ops(%x: tensor<4x2x3xf32>) -> tensor<*xf32> {
  %shape = ingot.shape %x {end = 1 : i64} : (tensor<4x2x3xf32>) -> tensor<?xi64>
  %rest = ingot.constant dense<[-1]> : tensor<1xi64>
  %target = ingot.concat %shape, %rest {axis = 0 : i64} : (tensor<?xi64>, tensor<1xi64>) -> tensor<?xi64>
  %y = ingot.reshape %x, %target : (tensor<4x2x3xf32>, tensor<?xi64>) -> tensor<*xf32>
  %z = ingot.softmax %y : (tensor<*xf32>) -> tensor<*xf32>
  return %z : tensor<*xf32>
}

// -----

// Multi-result ops and broadcasting with dynamic dims.
// CHECK-LABEL: func.func @split_and_broadcast
// CHECK: ingot.split {{.*}} -> (tensor<2x1xf32>, tensor<2x3xf32>)
// CHECK: ingot.add {{.*}} -> tensor<2x3xf32>
func.func @split_and_broadcast(%x: tensor<2x4xf32>, %b: tensor<?x3xf32>) -> tensor<*xf32> {
  %0:2 = ingot.split %x {axis = 1 : i64, split = array<i64: 1, 3>} : (tensor<2x4xf32>) -> (tensor<*xf32>, tensor<*xf32>)
  %1 = ingot.add %0#1, %b : (tensor<*xf32>, tensor<?x3xf32>) -> tensor<*xf32>
  return %1 : tensor<*xf32>
}

// -----

// Nothing to learn from a dynamic input: types stay as they are.
// CHECK-LABEL: func.func @stays_dynamic
// CHECK: ingot.relu {{.*}} : (tensor<?x3xf32>) -> tensor<?x3xf32>
func.func @stays_dynamic(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %0 = ingot.relu %x : (tensor<?x3xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// Regression: flatten's negative axis is axis + rank (it was taken as
// axis + rank + 1, giving 120x1 here instead of 24x5).
// CHECK-LABEL: func.func @flatten_negative_axis
// CHECK: ingot.flatten %arg0 {axis = -1 : i64} : (tensor<2x3x4x5xf32>) -> tensor<24x5xf32>
func.func @flatten_negative_axis(%x: tensor<2x3x4x5xf32>) -> tensor<*xf32> {
  %0 = ingot.flatten %x {axis = -1 : i64} : (tensor<2x3x4x5xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}
