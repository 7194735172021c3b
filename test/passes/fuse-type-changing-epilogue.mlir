// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-fuse{type-changing-epilogues=true}))' | FileCheck %s
// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-fuse))' | FileCheck %s --check-prefix=SAME

// A float convolution's epilogue that ends in quantizing for the next layer
// stays in the library region on the host (one kernel writes uint8); where
// epilogues must keep the library's type (CUDA: in place), the quantization
// is a loop region of its own.
// CHECK-LABEL: func.func @conv_relu_quantize
// CHECK: ingot.fusion "library"
// CHECK-SAME: -> tensor<1x2x4x4xui8>
// CHECK: ingot.conv
// CHECK: ingot.relu
// CHECK: ingot.quantize_linear
// CHECK-NOT: ingot.fusion
// SAME-LABEL: func.func @conv_relu_quantize
// SAME: ingot.fusion "library"
// SAME-SAME: -> tensor<1x2x4x4xf32>
// SAME: ingot.fusion "loop"
// SAME-SAME: -> tensor<1x2x4x4xui8>
func.func @conv_relu_quantize(%x: tensor<1x3x4x4xf32>) -> tensor<1x2x4x4xui8> {
  %w = ingot.constant dense<0.25> : tensor<2x3x3x3xf32>
  %c = ingot.conv %x, %w {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x4x4xf32>, tensor<2x3x3x3xf32>) -> tensor<1x2x4x4xf32>
  %r = ingot.relu %c : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %s = ingot.constant dense<0.1> : tensor<f32>
  %z = ingot.constant dense<0> : tensor<ui8>
  %q = ingot.quantize_linear %r, %s, %z : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x4x4xui8>
  return %q : tensor<1x2x4x4xui8>
}
