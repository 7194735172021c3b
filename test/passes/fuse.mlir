// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-fuse))' -split-input-file | FileCheck %s
// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-fuse{row-epilogues=true}))' -split-input-file | FileCheck %s --check-prefix=ROWS

// Convolution + bias add + relu: one library region with the elementwise
// chain as its epilogue; the small bias constant is copied inside. Regions
// get ids in program order and are named (`node`, and their location) after
// the convolution, not the relu that ends the epilogue.
// CHECK-LABEL: func.func @conv_epilogue
// CHECK: %[[R:.*]] = ingot.fusion "library" (%arg0, %{{.*}}) {id = "r0", node = "conv1"} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
// CHECK: ingot.constant dense<{{.*}}> : tensor<4x1x1xf32>
// CHECK: ingot.conv
// CHECK: ingot.add
// CHECK: ingot.relu
// CHECK: ingot.yield
// CHECK: return %[[R]]
func.func @conv_epilogue(%x: tensor<1x3x8x8xf32>) -> tensor<1x4x6x6xf32> {
  %w = ingot.constant dense<0.5> : tensor<4x3x3x3xf32>
  %b = ingot.constant dense<[[[1.0]], [[2.0]], [[3.0]], [[4.0]]]> : tensor<4x1x1xf32>
  %0 = ingot.conv %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> loc("conv1")
  %1 = ingot.add %0, %b : (tensor<1x4x6x6xf32>, tensor<4x1x1xf32>) -> tensor<1x4x6x6xf32> loc("bias1")
  %2 = ingot.relu %1 : (tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32> loc("relu1")
  return %2 : tensor<1x4x6x6xf32>
}

// -----

// An elementwise chain with transposes and a broadcast becomes one loop
// region, including a producer (exp) with two users inside the region.
// CHECK-LABEL: func.func @loop_chain
// CHECK: %[[A:.*]] = ingot.fusion "loop" (%arg0, %arg1) {{.*}} {
// CHECK: ingot.exp
// CHECK: ingot.transpose
// CHECK: ingot.transpose
// CHECK: ingot.mul
// CHECK: ingot.sigmoid
// CHECK: ingot.add
// CHECK: ingot.yield
// CHECK: return %[[A]]
func.func @loop_chain(%x: tensor<4x8xf32>, %y: tensor<4xf32>) -> tensor<8x4xf32> {
  %0 = ingot.exp %x : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = ingot.transpose %0 : (tensor<4x8xf32>) -> tensor<8x4xf32>
  %2 = ingot.transpose %0 : (tensor<4x8xf32>) -> tensor<8x4xf32>
  %3 = ingot.mul %1, %2 : (tensor<8x4xf32>, tensor<8x4xf32>) -> tensor<8x4xf32>
  %4 = ingot.sigmoid %3 : (tensor<8x4xf32>) -> tensor<8x4xf32>
  %5 = ingot.add %4, %y : (tensor<8x4xf32>, tensor<4xf32>) -> tensor<8x4xf32>
  return %5 : tensor<8x4xf32>
}

// -----

// A value that is also used outside (here: returned) is materialized by its
// own region, and consumers read it from memory.
// CHECK-LABEL: func.func @shared_value
// CHECK: %[[E:.*]] = ingot.fusion "loop" (%arg0) {{.*}} {
// CHECK-NEXT: ^bb0
// CHECK-NEXT: ingot.exp
// CHECK-NEXT: ingot.yield
// CHECK: %[[N:.*]] = ingot.fusion "loop" (%[[E]]) {{.*}} {
// CHECK: ingot.neg
// CHECK: return %[[E]], %[[N]]
func.func @shared_value(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = ingot.exp %x : (tensor<4xf32>) -> tensor<4xf32>
  %1 = ingot.neg %0 : (tensor<4xf32>) -> tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// Elementwise producers fuse into a reduction's input; the reduction's
// result feeds a new region.
// CHECK-LABEL: func.func @reduction_input
// CHECK: %[[S:.*]] = ingot.fusion "reduction" (%arg0) {{.*}} {
// CHECK: ingot.mul
// CHECK: ingot.reduce_sum
// CHECK: ingot.fusion "loop" (%[[S]])
// CHECK: ingot.sqrt
func.func @reduction_input(%x: tensor<4x16xf32>) -> tensor<4x1xf32> {
  %0 = ingot.mul %x, %x : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %1 = ingot.reduce_sum %0 {axes = array<i64: 1>} : (tensor<4x16xf32>) -> tensor<4x1xf32>
  %2 = ingot.sqrt %1 : (tensor<4x1xf32>) -> tensor<4x1xf32>
  return %2 : tensor<4x1xf32>
}

// -----

// Library calls and pooling read their inputs from memory: producers are not
// fused into them. Split becomes slices that fuse with their consumers.
// CHECK-LABEL: func.func @no_fusion_into_library
// CHECK: %[[T:.*]] = ingot.fusion "loop" (%arg0) {{.*}} {
// CHECK: ingot.tanh
// CHECK: ingot.fusion "library" (%[[T]], %arg1)
// CHECK: ingot.matmul
// CHECK-NOT: ingot.split
// CHECK: ingot.fusion "loop"
// CHECK: ingot.slice
// CHECK: ingot.neg
func.func @no_fusion_into_library(%x: tensor<2x4xf32>, %w: tensor<4x6xf32>) -> (tensor<2x6xf32>, tensor<2x2xf32>) {
  %0 = ingot.tanh %x : (tensor<2x4xf32>) -> tensor<2x4xf32>
  %1 = ingot.matmul %0, %w : (tensor<2x4xf32>, tensor<4x6xf32>) -> tensor<2x6xf32>
  %2:2 = ingot.split %x {axis = 1 : i64, split = array<i64: 2, 2>} : (tensor<2x4xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>)
  %3 = ingot.neg %2#1 : (tensor<2x2xf32>) -> tensor<2x2xf32>
  return %1, %3 : tensor<2x6xf32>, tensor<2x2xf32>
}

// -----

// A tiny weight of a library call stays an input (a buffer the library can
// read); a tiny constant of the epilogue is copied in.
// CHECK-LABEL: func.func @library_constants
// CHECK: %[[W:.*]] = ingot.constant dense<2.000000e+00> : tensor<2x2xf32>
// CHECK: ingot.fusion "library" (%arg0, %[[W]])
// CHECK: ingot.constant dense<1.000000e+00> : tensor<f32>
// CHECK: ingot.matmul
func.func @library_constants(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = ingot.constant dense<2.0> : tensor<2x2xf32>
  %one = ingot.constant dense<1.0> : tensor<f32>
  %0 = ingot.matmul %x, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %1 = ingot.add %0, %one : (tensor<3x2xf32>, tensor<f32>) -> tensor<3x2xf32>
  return %1 : tensor<3x2xf32>
}

// -----

// Regression (ResNet-50's projection shortcut crashed the pass): two
// convolutions feed one add. The add and the relu after it join the first
// convolution's epilogue only; the second convolution is a library region of
// its own whose result the first region reads.
// CHECK-LABEL: func.func @two_convs_one_add
// CHECK: %[[B:.*]] = ingot.fusion "library" (%arg0, %{{.*}}) {id = "r0"} : {{.*}} {
// CHECK-NEXT: ^bb0
// CHECK-NEXT: ingot.conv
// CHECK-NEXT: ingot.yield
// CHECK: %[[A:.*]] = ingot.fusion "library" (%arg0, %{{.*}}, %[[B]]) {id = "r1"} : {{.*}} {
// CHECK-NEXT: ^bb0
// CHECK-NEXT: ingot.conv
// CHECK-NEXT: ingot.add
// CHECK-NEXT: ingot.relu
// CHECK-NEXT: ingot.yield
// CHECK: return %[[A]]
func.func @two_convs_one_add(%x: tensor<1x3x8x8xf32>) -> tensor<1x4x6x6xf32> {
  %w1 = ingot.constant dense<0.5> : tensor<4x3x3x3xf32>
  %w2 = ingot.constant dense<0.25> : tensor<4x3x3x3xf32>
  %0 = ingot.conv %x, %w1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  %1 = ingot.conv %x, %w2 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  %2 = ingot.add %0, %1 : (tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  %3 = ingot.relu %2 : (tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  return %3 : tensor<1x4x6x6xf32>
}

// -----

// A softmax consumed only by elementwise ops of its shape (the NaN guard that
// transformers' attention exports): one reduction region whose epilogue is
// applied as each row is stored.
// CHECK-LABEL: func.func @softmax_epilogue
// CHECK: %[[R:.*]] = ingot.fusion "reduction" (%arg0) {id = "r0", node = "sm"} : {{.*}} {
// CHECK: ingot.softmax
// CHECK: ingot.is_nan
// CHECK: ingot.where
// CHECK: ingot.yield
// CHECK: return %[[R]]
func.func @softmax_epilogue(%x: tensor<2x3x8xf32>) -> tensor<2x3x8xf32> {
  %zero = ingot.constant dense<0.0> : tensor<1xf32>
  %0 = ingot.softmax %x {axis = -1 : i64} : (tensor<2x3x8xf32>) -> tensor<2x3x8xf32> loc("sm")
  %1 = ingot.is_nan %0 : (tensor<2x3x8xf32>) -> tensor<2x3x8xi1> loc("nan_guard")
  %2 = ingot.where %1, %zero, %0 : (tensor<2x3x8xi1>, tensor<1xf32>, tensor<2x3x8xf32>) -> tensor<2x3x8xf32> loc("nan_guard_where")
  return %2 : tensor<2x3x8xf32>
}

// -----

// A transpose after the layer norm reads it at other positions: it stays a
// loop region of its own.
// CHECK-LABEL: func.func @layer_norm_then_transpose
// CHECK: %[[N:.*]] = ingot.fusion "reduction" (%arg0, %{{.*}}) {id = "r0"} : {{.*}} {
// CHECK-NEXT: ^bb0
// CHECK-NEXT: ingot.layer_norm
// CHECK-NEXT: ingot.yield
// CHECK: ingot.fusion "loop" (%[[N]]) {id = "r1"} : {{.*}} {
// CHECK: ingot.transpose
func.func @layer_norm_then_transpose(%x: tensor<4x32xf32>) -> tensor<32x4xf32> {
  %g = ingot.constant dense<1.5> : tensor<32xf32>
  %0 = ingot.layer_norm %x, %g {axis = -1 : i64} : (tensor<4x32xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  %1 = ingot.relu %0 : (tensor<4x32xf32>) -> tensor<4x32xf32>
  %2 = ingot.transpose %1 {perm = array<i64: 1, 0>} : (tensor<4x32xf32>) -> tensor<32x4xf32>
  return %2 : tensor<32x4xf32>
}

// -----

// Attention: a region of its own kind that takes in the head split
// (reshape + transpose) of q, k and v, read in place from their producers'
// buffers, but not a computing producer (the mul on v would run again on
// every read of v).
// CHECK-LABEL: func.func @attention_region
// CHECK: %[[V:.*]] = ingot.fusion "loop" (%arg2)
// CHECK: ingot.mul
// CHECK: %[[A:.*]] = ingot.fusion "attention" (%arg0, %arg1, %[[V]], %arg3) {id = "r1", node = "attn"}
// CHECK: ingot.reshape
// CHECK: ingot.transpose
// CHECK: ingot.attention
// CHECK-NEXT: ingot.yield
// CHECK: return %[[A]]
func.func @attention_region(%q3: tensor<1x8x32xf32>, %k3: tensor<1x8x32xf32>, %v: tensor<1x2x8x16xf32>, %mask: tensor<1x1x1x8xf32>) -> tensor<1x8x2x16xf32> {
  %s4 = ingot.constant dense<[1, 8, 2, 16]> : tensor<4xi64>
  %two = ingot.constant dense<2.0> : tensor<f32>
  %qr = ingot.reshape %q3, %s4 : (tensor<1x8x32xf32>, tensor<4xi64>) -> tensor<1x8x2x16xf32>
  %q = ingot.transpose %qr {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x16xf32>) -> tensor<1x2x8x16xf32>
  %kr = ingot.reshape %k3, %s4 : (tensor<1x8x32xf32>, tensor<4xi64>) -> tensor<1x8x2x16xf32>
  %k = ingot.transpose %kr {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x16xf32>) -> tensor<1x2x8x16xf32>
  %v2 = ingot.mul %v, %two : (tensor<1x2x8x16xf32>, tensor<f32>) -> tensor<1x2x8x16xf32>
  %o = ingot.attention %q, %k, %v2, %mask {scale = 0.25 : f32, transpose_output = true} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x1x1x8xf32>) -> tensor<1x8x2x16xf32> loc("attn")
  return %o : tensor<1x8x2x16xf32>
}

// -----

// Stitch: a layer norm written out op by op. Both row reductions (over the
// last dim, kept) join the elementwise ops that read them: one region,
// anchored on the first row reduction (the mean).
// CHECK-LABEL: func.func @stitch_layer_norm
// CHECK: %[[S:.*]] = ingot.fusion "stitch" (%arg0) {id = "r0", node = "mean"}
// CHECK-DAG: ingot.reduce_mean
// CHECK-DAG: ingot.reduce_mean
// CHECK: ingot.sqrt
// CHECK: ingot.div
// CHECK: return %[[S]]
func.func @stitch_layer_norm(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %eps = ingot.constant dense<1.0e-5> : tensor<f32>
  %mean = ingot.reduce_mean %x {axes = array<i64: -1>} : (tensor<2x8xf32>) -> tensor<2x1xf32> loc("mean")
  %d = ingot.sub %x, %mean : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %d2 = ingot.mul %d, %d : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %var = ingot.reduce_mean %d2 {axes = array<i64: 1>} : (tensor<2x8xf32>) -> tensor<2x1xf32> loc("var")
  %ve = ingot.add %var, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %sd = ingot.sqrt %ve : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %y = ingot.div %d, %sd : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// Not stitched: the reduction drops its dim (keepdims = false), and one
// over a leading dim (not the rows the consumer writes).
// CHECK-LABEL: func.func @no_stitch
// CHECK-NOT: "stitch"
// CHECK: ingot.fusion "reduction"
// CHECK: ingot.fusion "reduction"
// CHECK: ingot.fusion "loop"
func.func @no_stitch(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %s = ingot.reduce_sum %x {axes = array<i64: 1>, keepdims = false} : (tensor<2x8xf32>) -> tensor<2xf32>
  %m = ingot.reduce_max %x {axes = array<i64: 0>} : (tensor<2x8xf32>) -> tensor<1x8xf32>
  %e = ingot.unsqueeze %s {axes = array<i64: 1>} : (tensor<2xf32>) -> tensor<2x1xf32>
  %a = ingot.add %x, %e : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %y = ingot.sub %a, %m : (tensor<2x8xf32>, tensor<1x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// A transformer projection: GEMM, bias, residual, then a layer norm over
// the last dim. By default the norm is a reduction region of its own; with
// row-epilogues (the host) it ends the library region's epilogue. A softmax
// over another axis than the GEMM's rows stays apart.
// CHECK-LABEL: func.func @projection_then_norm
// CHECK: ingot.fusion "library"
// CHECK: ingot.fusion "reduction"
// CHECK-NEXT: ^bb0
// CHECK-NEXT: ingot.layer_norm
// ROWS-LABEL: func.func @projection_then_norm
// ROWS: %[[N:.*]] = ingot.fusion "library" (%arg0, %{{.*}}, %{{.*}}, %arg1, %{{.*}}) {{.*}} {
// ROWS: ingot.matmul
// ROWS-NEXT: ingot.add
// ROWS-NEXT: ingot.add
// ROWS-NEXT: %[[Y:.*]] = ingot.layer_norm
// ROWS-NEXT: ingot.yield %[[Y]]
// ROWS: ingot.fusion "library"
// ROWS: ingot.matmul
// ROWS: ingot.yield
// ROWS: ingot.fusion "reduction"
// ROWS-NEXT: ^bb0
// ROWS-NEXT: ingot.softmax {{.*}} {axis = 0 : i64}
func.func @projection_then_norm(%x: tensor<8x32xf32>, %res: tensor<8x32xf32>) -> (tensor<8x32xf32>, tensor<8x32xf32>) {
  %w = ingot.constant dense<0.5> : tensor<32x32xf32>
  %b = ingot.constant dense<0.25> : tensor<32xf32>
  %g = ingot.constant dense<1.5> : tensor<32xf32>
  %m = ingot.matmul %x, %w : (tensor<8x32xf32>, tensor<32x32xf32>) -> tensor<8x32xf32>
  %a = ingot.add %m, %b : (tensor<8x32xf32>, tensor<32xf32>) -> tensor<8x32xf32>
  %r = ingot.add %a, %res : (tensor<8x32xf32>, tensor<8x32xf32>) -> tensor<8x32xf32>
  %n = ingot.layer_norm %r, %g, %b {axis = -1 : i64} : (tensor<8x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<8x32xf32>
  %m2 = ingot.matmul %n, %w : (tensor<8x32xf32>, tensor<32x32xf32>) -> tensor<8x32xf32>
  %s = ingot.softmax %m2 {axis = 0 : i64} : (tensor<8x32xf32>) -> tensor<8x32xf32>
  return %n, %s : tensor<8x32xf32>, tensor<8x32xf32>
}
