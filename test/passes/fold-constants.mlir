// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-fold-constants))' -split-input-file | FileCheck %s

// Ops on constants are evaluated; the inputs go away.
// CHECK-LABEL: func.func @arith
// CHECK-NEXT: %[[C:.*]] = ingot.constant dense<{{\[}}[2.000000e+00, 5.000000e+00], [1.000000e+01, 1.700000e+01]]> : tensor<2x2xf32>
// CHECK-NEXT: return %[[C]]
func.func @arith() -> tensor<2x2xf32> {
  %a = ingot.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %one = ingot.constant dense<1.0> : tensor<f32>
  %sq = ingot.mul %a, %a : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %r = ingot.add %sq, %one : (tensor<2x2xf32>, tensor<f32>) -> tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}

// -----

// Data movement on constants: transpose, slice (negative step), gather,
// concat, tile of a splat, range and a reduction.
// CHECK-LABEL: func.func @movement
// CHECK-DAG: dense<{{\[}}[1, 4], [2, 5], [3, 6]]> : tensor<3x2xi64>
// CHECK-DAG: dense<[3, 2, 1]> : tensor<3xi64>
// CHECK-DAG: dense<[5, 2]> : tensor<2xi64>
// CHECK-DAG: dense<[0, 3, 6, 9]> : tensor<4xi32>
// CHECK-DAG: dense<21> : tensor<i64>
// CHECK-NOT: ingot.transpose
// CHECK-NOT: ingot.slice
// CHECK-NOT: ingot.gather
// CHECK-NOT: ingot.range
// CHECK-NOT: ingot.reduce_sum
func.func @movement() -> (tensor<3x2xi64>, tensor<3xi64>, tensor<2xi64>, tensor<4xi32>, tensor<i64>) {
  %m = ingot.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %t = ingot.transpose %m : (tensor<2x3xi64>) -> tensor<3x2xi64>
  %row = ingot.constant dense<[1, 2, 3]> : tensor<3xi64>
  %st = ingot.constant dense<[-1]> : tensor<1xi64>
  %en = ingot.constant dense<[-9223372036854775807]> : tensor<1xi64>
  %ax = ingot.constant dense<[0]> : tensor<1xi64>
  %sp = ingot.constant dense<[-1]> : tensor<1xi64>
  %rev = ingot.slice %row, %st, %en, %ax, %sp : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3xi64>
  %idx = ingot.constant dense<[1, 0]> : tensor<2xi64>
  %col = ingot.constant dense<[1]> : tensor<1xi64>
  %g = ingot.gather %m, %idx {axis = 0 : i64} : (tensor<2x3xi64>, tensor<2xi64>) -> tensor<2x3xi64>
  %g2 = ingot.gather %g, %col {axis = 1 : i64} : (tensor<2x3xi64>, tensor<1xi64>) -> tensor<2x1xi64>
  %s = ingot.constant dense<[2]> : tensor<1xi64>
  %flat = ingot.reshape %g2, %s : (tensor<2x1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %lo = ingot.constant dense<0> : tensor<i32>
  %hi = ingot.constant dense<10> : tensor<i32>
  %step = ingot.constant dense<3> : tensor<i32>
  %r = ingot.range %lo, %hi, %step : (tensor<i32>, tensor<i32>, tensor<i32>) -> tensor<4xi32>
  %sum = ingot.reduce_sum %m {keepdims = false} : (tensor<2x3xi64>) -> tensor<i64>
  return %t, %rev, %flat, %r, %sum : tensor<3x2xi64>, tensor<3xi64>, tensor<2xi64>, tensor<4xi32>, tensor<i64>
}

// -----

// Ops on non-constant values are left alone; integer division by zero is
// not folded (the model's behaviour is kept).
// CHECK-LABEL: func.func @not_foldable
// CHECK: ingot.add %arg0
// CHECK: ingot.div
func.func @not_foldable(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<i64>) {
  %c = ingot.constant dense<1.0> : tensor<2xf32>
  %0 = ingot.add %x, %c : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %a = ingot.constant dense<4> : tensor<i64>
  %z = ingot.constant dense<0> : tensor<i64>
  %1 = ingot.div %a, %z : (tensor<i64>, tensor<i64>) -> tensor<i64>
  return %0, %1 : tensor<2xf32>, tensor<i64>
}

// -----

// Regression: negative axes on concat and gather folds (the I64Attr getter
// is unsigned; folding used to index out of bounds and crash).
// CHECK-LABEL: func.func @negative_axes
// CHECK-DAG: dense<{{\[}}[1, 2, 3, 7], [4, 5, 6, 8]]> : tensor<2x4xi64>
// CHECK-DAG: dense<{{\[}}[3], [6]]> : tensor<2x1xi64>
func.func @negative_axes() -> (tensor<2x4xi64>, tensor<2x1xi64>) {
  %a = ingot.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %b = ingot.constant dense<[[7], [8]]> : tensor<2x1xi64>
  %0 = ingot.concat %a, %b {axis = -1 : i64} : (tensor<2x3xi64>, tensor<2x1xi64>) -> tensor<2x4xi64>
  %i = ingot.constant dense<[-1]> : tensor<1xi64>
  %1 = ingot.gather %a, %i {axis = -1 : i64} : (tensor<2x3xi64>, tensor<1xi64>) -> tensor<2x1xi64>
  return %0, %1 : tensor<2x4xi64>, tensor<2x1xi64>
}

// -----

// A float that no integer holds (NaN, an infinity, 1e30) is not folded
// by a cast to an integer type: C++ leaves that conversion undefined.
// CHECK-LABEL: func.func @cast_unrepresentable
// CHECK-COUNT-3: ingot.cast
func.func @cast_unrepresentable() -> (tensor<i32>, tensor<i64>, tensor<i32>) {
  %nan = ingot.constant dense<0x7FC00000> : tensor<f32>
  %inf = ingot.constant dense<0x7F800000> : tensor<f32>
  %big = ingot.constant dense<1.0e30> : tensor<f32>
  %a = ingot.cast %nan {to = i32} : (tensor<f32>) -> tensor<i32>
  %b = ingot.cast %inf {to = i64} : (tensor<f32>) -> tensor<i64>
  %c = ingot.cast %big {to = i32} : (tensor<f32>) -> tensor<i32>
  return %a, %b, %c : tensor<i32>, tensor<i64>, tensor<i32>
}
