// Canonicalization patterns and folders of the ingot dialect.
// RUN: ingot-opt %s -canonicalize -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @identity_like
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @identity_like(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = ingot.identity %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = ingot.dropout %0 {ratio = 0.1 : f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = ingot.cast %1 {to = f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %3 = ingot.transpose %2 {perm = array<i64: 0, 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %3 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @compose_transposes
// CHECK: %[[T:.*]] = ingot.transpose %arg0 {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
// CHECK-NEXT: return %[[T]]
func.func @compose_transposes(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = ingot.transpose %x {perm = array<i64: 1, 2, 0>} : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
  %1 = ingot.transpose %0 {perm = array<i64: 1, 2, 0>} : (tensor<3x4x2xf32>) -> tensor<4x2x3xf32>
  return %1 : tensor<4x2x3xf32>
}

// -----

// Transposes that cancel disappear.
// CHECK-LABEL: func.func @cancel_transposes
// CHECK-NEXT: return %arg0
func.func @cancel_transposes(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = ingot.transpose %x : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = ingot.transpose %0 : (tensor<3x2xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// A chain of reshapes becomes one, with its shape spelled out.
// CHECK-LABEL: func.func @reshape_chain
// CHECK: %[[S:.*]] = ingot.constant dense<[3, 8]> : tensor<2xi64>
// CHECK: %[[R:.*]] = ingot.reshape %arg0, %[[S]] : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<3x8xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_chain(%x: tensor<2x3x4xf32>) -> tensor<3x8xf32> {
  %s1 = ingot.constant dense<[6, -1]> : tensor<2xi64>
  %0 = ingot.reshape %x, %s1 : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  %s2 = ingot.constant dense<[3, -1]> : tensor<2xi64>
  %1 = ingot.reshape %0, %s2 : (tensor<6x4xf32>, tensor<2xi64>) -> tensor<3x8xf32>
  return %1 : tensor<3x8xf32>
}

// -----

// SAME_UPPER padding becomes explicit pads once the input shape is static:
// 7 with stride 2 and kernel 3 needs 2 pad rows, 1 before and 1 after.
// CHECK-LABEL: func.func @same_pads
// CHECK: ingot.conv %arg0, %arg1 {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
// CHECK: ingot.max_pool %arg0 {kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 1, 1>, strides = array<i64: 2, 2>}
// CHECK: ingot.average_pool %arg0 {kernel_shape = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, strides = array<i64: 2, 2>}
func.func @same_pads(%x: tensor<1x3x7x7xf32>, %w: tensor<4x3x3x3xf32>) -> (tensor<1x4x4x4xf32>, tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>) {
  %0 = ingot.conv %x, %w {auto_pad = "SAME_UPPER", strides = array<i64: 2, 2>} : (tensor<1x3x7x7xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x4x4xf32>
  %1 = ingot.max_pool %x {auto_pad = "SAME_UPPER", kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x3x7x7xf32>) -> tensor<1x3x4x4xf32>
  %2 = ingot.average_pool %x {auto_pad = "SAME_LOWER", kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x3x7x7xf32>) -> tensor<1x3x4x4xf32>
  return %0, %1, %2 : tensor<1x4x4x4xf32>, tensor<1x3x4x4xf32>, tensor<1x3x4x4xf32>
}

// -----

// The shape computation exported models use folds to one constant.
// CHECK-LABEL: func.func @shape_chain
// CHECK-NOT: ingot.shape
// CHECK-NOT: ingot.gather
// CHECK-NOT: ingot.concat
// CHECK: %[[S:.*]] = ingot.constant dense<[2, 12]> : tensor<2xi64>
// CHECK: ingot.reshape %arg0, %[[S]]
func.func @shape_chain(%x: tensor<2x3x4xf32>) -> tensor<2x12xf32> {
  %shape = ingot.shape %x : (tensor<2x3x4xf32>) -> tensor<3xi64>
  %zero = ingot.constant dense<0> : tensor<i64>
  %batch = ingot.gather %shape, %zero : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %b1 = ingot.unsqueeze %batch {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %rest = ingot.constant dense<[-1]> : tensor<1xi64>
  %target = ingot.concat %b1, %rest {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %y = ingot.reshape %x, %target : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x12xf32>
  return %y : tensor<2x12xf32>
}

// -----

// Elementwise folders evaluate constants with ONNX semantics.
// CHECK-LABEL: func.func @fold_elementwise
// CHECK-DAG: ingot.constant dense<[4.000000e+00, 3.000000e+00]> : tensor<2xf32>
// CHECK-DAG: ingot.constant dense<[-2, 3]> : tensor<2xi64>
// CHECK-DAG: ingot.constant dense<[true, false]> : tensor<2xi1>
// CHECK-DAG: ingot.constant dense<[3.000000e+00, 1.000000e+00]> : tensor<2xf32>
// CHECK-DAG: ingot.constant dense<[2, 3]> : tensor<2xi32>
// CHECK-NOT: ingot.add
// CHECK-NOT: ingot.div
// CHECK-NOT: ingot.less
// CHECK-NOT: ingot.clip
// CHECK-NOT: ingot.cast
func.func @fold_elementwise() -> (tensor<2xf32>, tensor<2xi64>, tensor<2xi1>, tensor<2xf32>, tensor<2xi32>) {
  %a = ingot.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %b = ingot.constant dense<[3.0, 1.0]> : tensor<2xf32>
  %sum = ingot.add %a, %b : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  // Integer division truncates toward zero.
  %i = ingot.constant dense<[-7, 7]> : tensor<2xi64>
  %two = ingot.constant dense<[3, 2]> : tensor<2xi64>
  %q = ingot.div %i, %two : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  %lt = ingot.less %a, %b : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xi1>
  %lt2 = ingot.less %b, %a : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xi1>
  %neq = ingot.xor %lt, %lt2 : (tensor<2xi1>, tensor<2xi1>) -> tensor<2xi1>
  %cmp = ingot.greater %sum, %b : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xi1>
  %sel = ingot.and %cmp, %lt : (tensor<2xi1>, tensor<2xi1>) -> tensor<2xi1>
  %picked = ingot.where %sel, %a, %b : (tensor<2xi1>, tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %lo = ingot.constant dense<1.0> : tensor<f32>
  %hi = ingot.constant dense<6.0> : tensor<f32>
  %big = ingot.mul %picked, %b : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %clipped = ingot.clip %big, %lo, %hi : (tensor<2xf32>, tensor<f32>, tensor<f32>) -> tensor<2xf32>
  %f = ingot.constant dense<[2.7, 3.2]> : tensor<2xf32>
  %c = ingot.cast %f {to = i32} : (tensor<2xf32>) -> tensor<2xi32>
  %mask = ingot.not %neq : (tensor<2xi1>) -> tensor<2xi1>
  %notmask = ingot.not %mask : (tensor<2xi1>) -> tensor<2xi1>
  %sel2 = ingot.and %notmask, %lt : (tensor<2xi1>, tensor<2xi1>) -> tensor<2xi1>
  return %sum, %q, %sel2, %clipped, %c : tensor<2xf32>, tensor<2xi64>, tensor<2xi1>, tensor<2xf32>, tensor<2xi32>
}
