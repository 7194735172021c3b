// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-dce))' | FileCheck %s

// Unused pure ops go, whole chains at once; what reaches the return stays.
// CHECK-LABEL: func.func @dead_chain
// CHECK-NEXT: %[[R:.*]] = ingot.relu %arg0
// CHECK-NEXT: return %[[R]]
func.func @dead_chain(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = ingot.constant dense<2.0> : tensor<f32>
  %dead0 = ingot.mul %x, %c : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %dead1 = ingot.exp %dead0 : (tensor<4xf32>) -> tensor<4xf32>
  %live = ingot.relu %x : (tensor<4xf32>) -> tensor<4xf32>
  %shape = ingot.shape %dead1 : (tensor<4xf32>) -> tensor<1xi64>
  return %live : tensor<4xf32>
}
