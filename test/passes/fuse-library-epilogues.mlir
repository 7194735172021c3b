// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-fuse{type-changing-epilogues=true}))' -split-input-file | FileCheck %s
// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-fuse))' -split-input-file | FileCheck %s --check-prefix=SAME

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

// -----

// Hard-swish reads the convolution's result twice (x * clip(x + 3, 0, 6) /
// 6): the diamond joins the library region as its epilogue, up to the op
// whose value leaves.
// CHECK-LABEL: func.func @conv_hard_swish
// CHECK: ingot.fusion "library"
// CHECK: ingot.conv
// CHECK: ingot.add
// CHECK: ingot.clip
// CHECK: ingot.mul
// CHECK: ingot.div
// CHECK-NOT: ingot.fusion
// SAME-LABEL: func.func @conv_hard_swish
// SAME: ingot.fusion "library"
// SAME: ingot.div
// SAME-NOT: ingot.fusion
func.func @conv_hard_swish(%x: tensor<1x3x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = ingot.constant dense<0.25> : tensor<2x3x3x3xf32>
  %c = ingot.conv %x, %w {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x4x4xf32>, tensor<2x3x3x3xf32>) -> tensor<1x2x4x4xf32>
  %three = ingot.constant dense<3.0> : tensor<f32>
  %zero = ingot.constant dense<0.0> : tensor<f32>
  %six = ingot.constant dense<6.0> : tensor<f32>
  %a = ingot.add %c, %three : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %k = ingot.clip %a, %zero, %six : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %m = ingot.mul %c, %k : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %d = ingot.div %m, %six : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  return %d : tensor<1x2x4x4xf32>
}

// -----

// A result read by the epilogue and by another op stays a chain: two
// values would leave the region.
// CHECK-LABEL: func.func @two_values_leave
// CHECK: ingot.fusion "library"
// CHECK: ingot.fusion
// SAME-LABEL: func.func @two_values_leave
func.func @two_values_leave(%x: tensor<1x3x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = ingot.constant dense<0.25> : tensor<2x3x3x3xf32>
  %c = ingot.conv %x, %w {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x4x4xf32>, tensor<2x3x3x3xf32>) -> tensor<1x2x4x4xf32>
  %r = ingot.relu %c : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %s = ingot.sigmoid %c : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %r, %s : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}
