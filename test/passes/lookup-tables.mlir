// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-lookup-tables,ingot-dce))' -split-input-file | FileCheck %s

// A requantizing chain on one uint8 value (dequantize, multiply, quantize,
// dequantize) becomes one lookup of it with a table of 256 floats; the
// replaced ops are dead.
// CHECK-LABEL: func.func @requantize
// CHECK-NEXT: %[[L:.*]] = ingot.lookup %arg0 {table = {{.*}} : tensor<256xf32>} : (tensor<2x8xui8>) -> tensor<2x8xf32>
// CHECK-NEXT: return %[[L]]
func.func @requantize(%q: tensor<2x8xui8>) -> tensor<2x8xf32> {
  %s = ingot.constant dense<0.5> : tensor<f32>
  %z = ingot.constant dense<128> : tensor<ui8>
  %c = ingot.constant dense<3.0> : tensor<1x1xf32>
  %s2 = ingot.constant dense<0.25> : tensor<f32>
  %d = ingot.dequantize_linear %q, %s, %z : (tensor<2x8xui8>, tensor<f32>, tensor<ui8>) -> tensor<2x8xf32>
  %m = ingot.mul %d, %c : (tensor<2x8xf32>, tensor<1x1xf32>) -> tensor<2x8xf32>
  %r = ingot.quantize_linear %m, %s2, %z : (tensor<2x8xf32>, tensor<f32>, tensor<ui8>) -> tensor<2x8xui8>
  %y = ingot.dequantize_linear %r, %s2, %z : (tensor<2x8xui8>, tensor<f32>, tensor<ui8>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Values of the chain used outside it each become a lookup: here the
// requantized int8 value (read by a reduction) and the float after it.
// CHECK-LABEL: func.func @two_outputs
// CHECK-DAG: %[[Q:.*]] = ingot.lookup %arg0 {table = {{.*}} : tensor<256xi8>} : (tensor<4xi8>) -> tensor<4xi8>
// CHECK-DAG: %[[F:.*]] = ingot.lookup %arg0 {table = {{.*}} : tensor<256xf32>} : (tensor<4xi8>) -> tensor<4xf32>
// CHECK-DAG: ingot.reduce_sum %[[Q]]
// CHECK-NOT: quantize_linear
func.func @two_outputs(%q: tensor<4xi8>) -> (tensor<1xi8>, tensor<4xf32>) {
  %s = ingot.constant dense<0.1> : tensor<f32>
  %z = ingot.constant dense<0> : tensor<i8>
  %d = ingot.dequantize_linear %q, %s, %z : (tensor<4xi8>, tensor<f32>, tensor<i8>) -> tensor<4xf32>
  %e = ingot.exp %d : (tensor<4xf32>) -> tensor<4xf32>
  %r = ingot.quantize_linear %e, %s, %z : (tensor<4xf32>, tensor<f32>, tensor<i8>) -> tensor<4xi8>
  %sum = ingot.reduce_sum %r {axes = array<i64: 0>, keepdims = true} : (tensor<4xi8>) -> tensor<1xi8>
  %y = ingot.dequantize_linear %r, %s, %z : (tensor<4xi8>, tensor<f32>, tensor<i8>) -> tensor<4xf32>
  %t = ingot.tanh %y : (tensor<4xf32>) -> tensor<4xf32>
  return %sum, %t : tensor<1xi8>, tensor<4xf32>
}

// -----

// Not worth a table: a dequantize and a ReLU cost less than a lookup.
// CHECK-LABEL: func.func @cheap
// CHECK-NOT: ingot.lookup
// CHECK: ingot.relu
func.func @cheap(%q: tensor<8xui8>) -> tensor<8xf32> {
  %s = ingot.constant dense<0.5> : tensor<f32>
  %z = ingot.constant dense<3> : tensor<ui8>
  %d = ingot.dequantize_linear %q, %s, %z : (tensor<8xui8>, tensor<f32>, tensor<ui8>) -> tensor<8xf32>
  %r = ingot.relu %d : (tensor<8xf32>) -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

// A per-channel constant or a second activation makes the value depend on
// more than the 8-bit input: no table.
// CHECK-LABEL: func.func @not_one_input
// CHECK-NOT: ingot.lookup
func.func @not_one_input(%q: tensor<2x3xui8>, %x: tensor<2x3xf32>) -> (tensor<2x3xui8>, tensor<2x3xui8>) {
  %s = ingot.constant dense<0.5> : tensor<f32>
  %z = ingot.constant dense<3> : tensor<ui8>
  %c = ingot.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %d = ingot.dequantize_linear %q, %s, %z : (tensor<2x3xui8>, tensor<f32>, tensor<ui8>) -> tensor<2x3xf32>
  %m = ingot.mul %d, %c : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %a = ingot.div %m, %x : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %r = ingot.quantize_linear %a, %s, %z : (tensor<2x3xf32>, tensor<f32>, tensor<ui8>) -> tensor<2x3xui8>
  %b = ingot.div %d, %x : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %r2 = ingot.quantize_linear %b, %s, %z : (tensor<2x3xf32>, tensor<f32>, tensor<ui8>) -> tensor<2x3xui8>
  return %r, %r2 : tensor<2x3xui8>, tensor<2x3xui8>
}

// -----

// A chain that gives every value back unchanged (here a multiplication by
// 1, requantized to the same scale and zero point) is its input itself:
// no lookup.
// CHECK-LABEL: func.func @identity
// CHECK-NOT: ingot.lookup
// CHECK: return %arg0
func.func @identity(%q: tensor<8xui8>) -> tensor<8xui8> {
  %s = ingot.constant dense<0.5> : tensor<f32>
  %z = ingot.constant dense<128> : tensor<ui8>
  %one = ingot.constant dense<1.0> : tensor<f32>
  %d = ingot.dequantize_linear %q, %s, %z : (tensor<8xui8>, tensor<f32>, tensor<ui8>) -> tensor<8xf32>
  %m = ingot.mul %d, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %r = ingot.quantize_linear %m, %s, %z : (tensor<8xf32>, tensor<f32>, tensor<ui8>) -> tensor<8xui8>
  return %r : tensor<8xui8>
}
