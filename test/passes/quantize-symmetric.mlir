// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-quantize{calibration-table=%S/Inputs/calibration-table.txt symmetric-activations=windows}))' -split-input-file | FileCheck %s --check-prefix=WINDOWS
// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-quantize{calibration-table=%S/Inputs/calibration-table.txt symmetric-activations=all}))' -split-input-file | FileCheck %s --check-prefix=ALL
// RUN: not ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-quantize{calibration-table=%S/Inputs/calibration-table.txt symmetric-activations=some}))' 2>&1 | FileCheck %s --check-prefix=BAD

// conv1 and conv2 read the range [-1, 3] (the table). Symmetric: int8 with
// zero point 0 and scale max(1, 3) / 127 = 0.0236220472; asymmetric:
// uint8, scale 4 / 255, zero point 64.
// windows: only the 5x5 convolution with padding (what cuDNN would run,
// padding with 0) is symmetric; the pointwise one keeps uint8.
// WINDOWS-LABEL: func.func @two_convs
// WINDOWS-DAG: %[[SS:.*]] = ingot.constant dense<0.0236220472> : tensor<f32>
// WINDOWS-DAG: %[[SZ:.*]] = ingot.constant dense<0> : tensor<i8>
// WINDOWS-DAG: %[[AS:.*]] = ingot.constant dense<0.0156862754> : tensor<f32>
// WINDOWS-DAG: %[[AZ:.*]] = ingot.constant dense<64> : tensor<ui8>
// WINDOWS: ingot.quantize_linear %arg0, %[[AS]], %[[AZ]] : (tensor<1x32x4x4xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x32x4x4xui8>
// WINDOWS: ingot.quantize_linear %{{.*}}, %[[SS]], %[[SZ]] : (tensor<1x4x4x4xf32>, tensor<f32>, tensor<i8>) -> tensor<1x4x4x4xi8>
// ALL-LABEL: func.func @two_convs
// ALL-NOT: ui8
// ALL: ingot.quantize_linear %arg0, %{{.*}}, %{{.*}} : (tensor<1x32x4x4xf32>, tensor<f32>, tensor<i8>) -> tensor<1x32x4x4xi8>
// ALL: ingot.quantize_linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<1x4x4x4xf32>, tensor<f32>, tensor<i8>) -> tensor<1x4x4x4xi8>
// BAD: unknown symmetric-activations 'some' (expected none, windows or all)
func.func @two_convs(%x: tensor<1x32x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %w1 = ingot.constant dense<0.5> : tensor<4x32x1x1xf32>
  %c1 = ingot.conv %x, %w1 : (tensor<1x32x4x4xf32>, tensor<4x32x1x1xf32>) -> tensor<1x4x4x4xf32> loc("conv1")
  %w2 = ingot.constant dense<0.25> : tensor<4x4x5x5xf32>
  %c2 = ingot.conv %c1, %w2 {pads = array<i64: 2, 2, 2, 2>} : (tensor<1x4x4x4xf32>, tensor<4x4x5x5xf32>) -> tensor<1x4x4x4xf32> loc("conv2")
  return %c2 : tensor<1x4x4x4xf32>
}

// -----

// windows: a convolution cuDNN cannot run in int8 (2 output channels, not
// a multiple of 4) stays in float on the GPU: its activation keeps uint8.
// WINDOWS-LABEL: func.func @narrow
// WINDOWS: ingot.quantize_linear %arg0, %{{.*}}, %{{.*}} : (tensor<1x4x4x4xf32>, tensor<f32>, tensor<ui8>)
func.func @narrow(%x: tensor<1x4x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = ingot.constant dense<0.25> : tensor<2x4x5x5xf32>
  %c = ingot.conv %x, %w {pads = array<i64: 2, 2, 2, 2>} : (tensor<1x4x4x4xf32>, tensor<2x4x5x5xf32>) -> tensor<1x2x4x4xf32> loc("conv2")
  return %c : tensor<1x2x4x4xf32>
}
