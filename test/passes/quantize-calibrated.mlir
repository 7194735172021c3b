// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-quantize{calibration-table=%S/Inputs/calibration-table.txt skip=fc}))' | FileCheck %s
// RUN: not ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-quantize{calibration-table=%S/Inputs/missing.txt}))' 2>&1 | FileCheck %s --check-prefix=MISSING

// conv1's activation range [-1, 3] -> uint8 scale 4/255, zero point
// round(1 / (4/255)) = round(63.75) = 64. Its weights become int8 per
// output channel and are dequantized right away into a float constant.
// The skipped GEMM, and the matmul of two activations (in the table under
// its name with a space, but not quantizable), stay in float.
// CHECK-LABEL: func.func @ptq
// CHECK-DAG: %[[S:.*]] = ingot.constant dense<0.0156862754> : tensor<f32>
// CHECK-DAG: %[[Z:.*]] = ingot.constant dense<64> : tensor<ui8>
// CHECK-DAG: %[[W:.*]] = ingot.constant dense<{{.*}}> : tensor<2x32x1x1xf32>
// CHECK: %[[Q:.*]] = ingot.quantize_linear %arg0, %[[S]], %[[Z]] : (tensor<1x32x2x2xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x32x2x2xui8>
// CHECK: %[[X:.*]] = ingot.dequantize_linear %[[Q]], %[[S]], %[[Z]]
// CHECK: ingot.conv %[[X]], %[[W]]
// CHECK-NOT: quantize_linear
// CHECK: ingot.gemm %arg1,
// CHECK: ingot.matmul %arg1, %arg2
func.func @ptq(%x: tensor<1x32x2x2xf32>, %a: tensor<2x3xf32>, %b: tensor<3x2xf32>) -> (tensor<1x2x2x2xf32>, tensor<2x4xf32>, tensor<2x2xf32>) {
  %w = ingot.constant dense<0.5> : tensor<2x32x1x1xf32>
  %c = ingot.conv %x, %w : (tensor<1x32x2x2xf32>, tensor<2x32x1x1xf32>) -> tensor<1x2x2x2xf32> loc("conv1")
  %fw = ingot.constant dense<0.5> : tensor<3x4xf32>
  %g = ingot.gemm %a, %fw : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32> loc("fc")
  %m = ingot.matmul %a, %b : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32> loc("attention scores")
  return %c, %g, %m : tensor<1x2x2x2xf32>, tensor<2x4xf32>, tensor<2x2xf32>
}

// A dense 3x3 convolution over 3 channels (27 inputs per output, an RGB
// first layer) is not quantized even with a range in the table.
// CHECK-LABEL: func.func @rgb_first_layer
// CHECK-NOT: quantize_linear
// CHECK: ingot.conv %arg0, %{{.*}} {pads
func.func @rgb_first_layer(%x: tensor<1x3x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = ingot.constant dense<0.25> : tensor<2x3x3x3xf32>
  %c = ingot.conv %x, %w {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x4x4xf32>, tensor<2x3x3x3xf32>) -> tensor<1x2x4x4xf32> loc("rgb")
  return %c : tensor<1x2x4x4xf32>
}

// A depthwise convolution is not quantized either: the float kernel runs
// grouped convolutions faster than the integer one.
// CHECK-LABEL: func.func @depthwise
// CHECK-NOT: quantize_linear
// CHECK: ingot.conv %arg0, %{{.*}} {group = 4
func.func @depthwise(%x: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %w = ingot.constant dense<0.25> : tensor<4x1x3x3xf32>
  %c = ingot.conv %x, %w {group = 4 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x4xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x4x4xf32> loc("depthwise")
  return %c : tensor<1x4x4x4xf32>
}

// MISSING: cannot read the calibration table '{{.*}}missing.txt'
