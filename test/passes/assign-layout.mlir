// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-assign-layout{layout=nhwc}))' -split-input-file | FileCheck %s
// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-assign-layout{layout=nchw}))' -split-input-file | FileCheck %s --check-prefix=NCHW
// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-assign-layout{target=cuda precision=fp16}))' -split-input-file | FileCheck %s --check-prefix=AUTO-CUDA-FP16
// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-assign-layout{target=cuda precision=bf16}))' -split-input-file | FileCheck %s --check-prefix=PAD
// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-assign-layout{target=cuda precision=fp32}))' -split-input-file | FileCheck %s --check-prefix=NCHW
// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-assign-layout))' -split-input-file | FileCheck %s --check-prefix=AUTO-HOST
// RUN: not ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-assign-layout{layout=nc}))' -split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// Two convolutions with a bias add and a relu between them: one transpose
// in (at the model input), one out (at the output), none between; the
// weights are transposed OIHW -> OHWI at compile time (2x3x1x1 -> 2x1x1x3:
// a reshape of the same data), the [C,1,1] bias becomes [1,1,C].
// CHECK-LABEL: func.func @chain
// CHECK: %[[IN:.*]] = ingot.transpose %arg0 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x3x4x4xf32>) -> tensor<1x4x4x3xf32>
// CHECK: %[[C1:.*]] = ingot.conv %[[IN]], %{{.*}} {channels_last = true} : (tensor<1x4x4x3xf32>, tensor<2x1x1x3xf32>) -> tensor<1x4x4x2xf32>
// CHECK: %[[ADD:.*]] = ingot.add %[[C1]], %{{.*}} : (tensor<1x4x4x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x4x4x2xf32>
// CHECK: %[[R:.*]] = ingot.relu %[[ADD]] : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
// CHECK: %[[C2:.*]] = ingot.conv %[[R]], %{{.*}} {channels_last = true, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x3x3x2xf32>) -> tensor<1x4x4x2xf32>
// CHECK: %[[OUT:.*]] = ingot.transpose %[[C2]] {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x4x4x2xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NOT: ingot.transpose
// CHECK: return %[[OUT]]
// NCHW-LABEL: func.func @chain
// NCHW-NOT: ingot.transpose
// NCHW-NOT: channels_last
// NCHW: return
// AUTO-CUDA-FP16-LABEL: func.func @chain
// AUTO-CUDA-FP16: channels_last = true
// AUTO-HOST-LABEL: func.func @chain
// AUTO-HOST-NOT: channels_last
// BAD: unknown layout 'nc' (expected auto, nchw or nhwc)
func.func @chain(%x: tensor<1x3x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w1 = ingot.constant dense<[[[[1.0]], [[2.0]], [[3.0]]], [[[4.0]], [[5.0]], [[6.0]]]]> : tensor<2x3x1x1xf32>
  %b = ingot.constant dense<[[[0.5]], [[-0.5]]]> : tensor<2x1x1xf32>
  %w2 = ingot.constant dense<0.25> : tensor<2x2x3x3xf32>
  %0 = ingot.conv %x, %w1 : (tensor<1x3x4x4xf32>, tensor<2x3x1x1xf32>) -> tensor<1x2x4x4xf32>
  %1 = ingot.add %0, %b : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %2 = ingot.relu %1 : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %3 = ingot.conv %2, %w2 {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x4x4xf32>
  return %3 : tensor<1x2x4x4xf32>
}

// -----

// A weight that is not a reshape of its transpose: OIHW [2,2,1,2] holds
// w[o][i][0][x] = 1 2 | 3 4 (o = 0), 5 6 | 7 8 (o = 1); OHWI [2,1,2,2]
// holds w[o][0][x][i] = 1 3 | 2 4, 5 7 | 6 8. The conv and the max pooling
// share one transpose of the input; their residual add stays channels-last;
// the reduction over channels is not moved, so the transpose back stays
// before it.
// CHECK-LABEL: func.func @residual
// CHECK-DAG: %[[T:.*]] = ingot.transpose %arg0 {perm = array<i64: 0, 2, 3, 1>}
// CHECK-DAG: %[[W:.*]] = ingot.constant dense_resource<channels_last_weight> : tensor<2x1x2x2xf32>
// CHECK: %[[C:.*]] = ingot.conv %[[T]], %[[W]] {channels_last = true, pads = array<i64: 0, 0, 0, 1>} : (tensor<1x4x4x2xf32>, tensor<2x1x2x2xf32>) -> tensor<1x4x4x2xf32>
// CHECK: %[[P:.*]] = ingot.max_pool %[[T]] {channels_last = true, kernel_shape = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
// CHECK: %[[A:.*]] = ingot.add %[[C]], %[[P]] : (tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
// CHECK: %[[B:.*]] = ingot.transpose %[[A]] {perm = array<i64: 0, 3, 1, 2>}
// CHECK: %[[S:.*]] = ingot.reduce_sum %[[B]]
// CHECK: return %[[S]]
// CHECK: channels_last_weight: "0x080000000000803F0000404000000040000080400000A0400000E0400000C04000000041"
func.func @residual(%x: tensor<1x2x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %w = ingot.constant dense<[[[[1.0, 2.0]], [[3.0, 4.0]]], [[[5.0, 6.0]], [[7.0, 8.0]]]]> : tensor<2x2x1x2xf32>
  %0 = ingot.conv %x, %w {pads = array<i64: 0, 0, 0, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x2xf32>) -> tensor<1x2x4x4xf32>
  %1 = ingot.max_pool %x {kernel_shape = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %2 = ingot.add %0, %1 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %3 = ingot.reduce_sum %2 {axes = array<i64: 1>} : (tensor<1x2x4x4xf32>) -> tensor<1x1x4x4xf32>
  return %3 : tensor<1x1x4x4xf32>
}

// -----

// Concatenation along channels becomes concatenation along the last axis;
// global average pooling becomes a mean over the channels-last spatial axes,
// and its [N,1,1,C] -> [N,C,1,1] transpose is a reshape (no copy). A weight
// that two convolutions share is transposed once.
// CHECK-LABEL: func.func @concat_pool
// CHECK-COUNT-1: dense_resource<channels_last_weight>
// CHECK-NOT: dense_resource
// CHECK: %[[A:.*]] = ingot.conv {{.*}}channels_last = true
// CHECK: %[[B:.*]] = ingot.conv {{.*}}channels_last = true
// CHECK: %[[C:.*]] = ingot.concat %[[A]], %[[B]] {axis = 3 : i64} : (tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>) -> tensor<1x4x4x4xf32>
// CHECK: %[[M:.*]] = ingot.reduce_mean %[[C]] {axes = array<i64: 1, 2>} : (tensor<1x4x4x4xf32>) -> tensor<1x1x1x4xf32>
// CHECK: %[[R:.*]] = ingot.reshape %[[M]], %{{.*}} -> tensor<1x4x1x1xf32>
// CHECK-NOT: ingot.transpose %[[M]]
// CHECK: return %[[R]]
func.func @concat_pool(%x: tensor<1x3x4x4xf32>) -> tensor<1x4x1x1xf32> {
  %w = ingot.constant dense<1.0> : tensor<2x3x1x1xf32>
  %0 = ingot.conv %x, %w : (tensor<1x3x4x4xf32>, tensor<2x3x1x1xf32>) -> tensor<1x2x4x4xf32>
  %1 = ingot.conv %x, %w : (tensor<1x3x4x4xf32>, tensor<2x3x1x1xf32>) -> tensor<1x2x4x4xf32>
  %2 = ingot.concat %0, %1 {axis = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32>
  %3 = ingot.global_average_pool %2 : (tensor<1x4x4x4xf32>) -> tensor<1x4x1x1xf32>
  return %3 : tensor<1x4x1x1xf32>
}

// -----

// An elementwise op with a full-rank operand that is neither channels-last
// nor constant stops the sinking: the transpose back stays before it.
// CHECK-LABEL: func.func @stops
// CHECK: %[[C:.*]] = ingot.conv {{.*}}channels_last = true
// CHECK: %[[T:.*]] = ingot.transpose %[[C]] {perm = array<i64: 0, 3, 1, 2>}
// CHECK: ingot.add %[[T]], %arg1 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>)
func.func @stops(%x: tensor<1x3x4x4xf32>, %y: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = ingot.constant dense<1.0> : tensor<2x3x1x1xf32>
  %0 = ingot.conv %x, %w : (tensor<1x3x4x4xf32>, tensor<2x3x1x1xf32>) -> tensor<1x2x4x4xf32>
  %1 = ingot.add %0, %y : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %1 : tensor<1x2x4x4xf32>
}

// -----

// Resize between two convolutions (an FPN's upsampling) runs channels-last
// with its scales permuted [1, 1, 2, 2] -> [1, 2, 2, 1]: no transpose is
// left between the convolutions.
// CHECK-LABEL: func.func @resize
// CHECK: %[[S:.*]] = ingot.constant dense<[1.000000e+00, 2.000000e+00, 2.000000e+00, 1.000000e+00]> : tensor<4xf32>
// CHECK: %[[C:.*]] = ingot.conv {{.*}}channels_last = true
// CHECK: %[[R:.*]] = ingot.resize %[[C]], %[[S]], %{{.*}} {mode = "linear"} : (tensor<1x4x4x2xf32>, tensor<4xf32>, tensor<0xi64>) -> tensor<1x8x8x2xf32>
// CHECK: %[[D:.*]] = ingot.conv %[[R]], {{.*}}channels_last = true
// CHECK: ingot.transpose %[[D]] {perm = array<i64: 0, 3, 1, 2>}
func.func @resize(%x: tensor<1x3x4x4xf32>) -> tensor<1x2x8x8xf32> {
  %w = ingot.constant dense<1.0> : tensor<2x3x1x1xf32>
  %w2 = ingot.constant dense<1.0> : tensor<2x2x1x1xf32>
  %scales = ingot.constant dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>
  %sizes = ingot.constant dense<> : tensor<0xi64>
  %0 = ingot.conv %x, %w : (tensor<1x3x4x4xf32>, tensor<2x3x1x1xf32>) -> tensor<1x2x4x4xf32>
  %1 = ingot.resize %0, %scales, %sizes {mode = "linear"} : (tensor<1x2x4x4xf32>, tensor<4xf32>, tensor<0xi64>) -> tensor<1x2x8x8xf32>
  %2 = ingot.conv %1, %w2 : (tensor<1x2x8x8xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x8x8xf32>
  return %2 : tensor<1x2x8x8xf32>
}

// -----

// On the host, auto goes channels-last for a function with a depthwise
// convolution (group = input channels).
// AUTO-HOST-LABEL: func.func @depthwise
// AUTO-HOST: ingot.conv {{.*}}channels_last = true, group = 4
// NCHW-LABEL: func.func @depthwise
// NCHW-NOT: channels_last
// CHECK-LABEL: func.func @depthwise
func.func @depthwise(%x: tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32> {
  %w = ingot.constant dense<1.0> : tensor<4x1x3x3xf32>
  %0 = ingot.conv %x, %w {group = 4 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x6x6xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

// A residual add of the function's input reads the channels-last copy made
// for the convolution, so the add stays channels-last too.
// CHECK-LABEL: func.func @input_residual
// CHECK: %[[T:.*]] = ingot.transpose %arg0 {perm = array<i64: 0, 2, 3, 1>}
// CHECK: %[[C:.*]] = ingot.conv %[[T]], {{.*}}channels_last = true
// CHECK: %[[A:.*]] = ingot.add %[[C]], %[[T]] : (tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>)
// CHECK: ingot.transpose %[[A]] {perm = array<i64: 0, 3, 1, 2>}
func.func @input_residual(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = ingot.constant dense<1.0> : tensor<2x2x3x3xf32>
  %0 = ingot.conv %x, %w {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x4x4xf32>
  %1 = ingot.add %0, %x : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %1 : tensor<1x2x4x4xf32>
}

// -----

// For tensor cores (cuda, fp16/bf16) a 3-channel input is padded to 8
// channels with zeros, and so is the weight's input-channel dim:
// w[o][0][0][i] = 1, 2, 3 then five zeros (a channel-padded 1x1 weight).
// The 8-channel second convolution is left alone.
// PAD-LABEL: func.func @rgb
// PAD: %[[T:.*]] = ingot.transpose %arg0 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x3x4x4xf32>) -> tensor<1x4x4x3xf32>
// PAD: %[[P:.*]] = ingot.pad %[[T]], %{{.*}} : (tensor<1x4x4x3xf32>, tensor<8xi64>) -> tensor<1x4x4x8xf32>
// PAD: %[[C:.*]] = ingot.conv %[[P]], %{{.*}} {channels_last = true} : (tensor<1x4x4x8xf32>, tensor<8x1x1x8xf32>) -> tensor<1x4x4x8xf32>
// PAD: ingot.conv %[[C]], %{{.*}} {channels_last = true} : (tensor<1x4x4x8xf32>, tensor<8x1x1x8xf32>) -> tensor<1x4x4x8xf32>
// PAD: channels_padded_weight: "0x080000000000803F000000400000404000000000000000000000000000000000000000000000803F
// NCHW-LABEL: func.func @rgb
// NCHW-NOT: ingot.pad
func.func @rgb(%x: tensor<1x3x4x4xf32>) -> tensor<1x8x4x4xf32> {
  %w = ingot.constant dense<[[[[1.0]], [[2.0]], [[3.0]]], [[[1.0]], [[2.0]], [[3.0]]], [[[1.0]], [[2.0]], [[3.0]]], [[[1.0]], [[2.0]], [[3.0]]], [[[1.0]], [[2.0]], [[3.0]]], [[[1.0]], [[2.0]], [[3.0]]], [[[1.0]], [[2.0]], [[3.0]]], [[[1.0]], [[2.0]], [[3.0]]]]> : tensor<8x3x1x1xf32>
  %w2 = ingot.constant dense<0.5> : tensor<8x8x1x1xf32>
  %0 = ingot.conv %x, %w : (tensor<1x3x4x4xf32>, tensor<8x3x1x1xf32>) -> tensor<1x8x4x4xf32>
  %1 = ingot.conv %0, %w2 : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  return %1 : tensor<1x8x4x4xf32>
}
