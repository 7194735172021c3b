// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-infer-shapes,ingot-infer-symbolic-shapes{annotate=1}))' -split-input-file -verify-diagnostics | FileCheck %s

// A transformer layer's shapes over batch B and sequence S: projections,
// heads split by a reshape with 0s, transposes, the score matmul, a
// row reduction.
// CHECK-LABEL: func.func @attention_shapes
// CHECK: ingot.matmul {{.*}}ingot.sizes = "[B, S, 768]"
// CHECK: ingot.reshape {{.*}}ingot.sizes = "[B, S, 12, 64]"
// CHECK: ingot.transpose {{.*}}ingot.sizes = "[B, 12, S, 64]"
// CHECK: ingot.transpose {{.*}}ingot.sizes = "[B, 12, 64, S]"
// CHECK: ingot.matmul {{.*}}ingot.sizes = "[B, 12, S, S]"
// CHECK: ingot.softmax {{.*}}ingot.sizes = "[B, 12, S, S]"
// CHECK: ingot.reduce_mean {{.*}}ingot.sizes = "[B, 12, S]"
func.func @attention_shapes(%x: tensor<?x?x768xf32> {ingot.dim_params = ["B", "S", ""]}, %w: tensor<768x768xf32>) -> (tensor<*xf32>)
    attributes {ingot.dim_ranges = {B = array<i64: 1, 32, 8>, S = array<i64: 16, 512, 128>}} {
  %h = ingot.matmul %x, %w : (tensor<?x?x768xf32>, tensor<768x768xf32>) -> tensor<*xf32>
  %heads = ingot.constant dense<[0, 0, 12, 64]> : tensor<4xi64>
  %r = ingot.reshape %h, %heads : (tensor<*xf32>, tensor<4xi64>) -> tensor<*xf32>
  %q = ingot.transpose %r {perm = array<i64: 0, 2, 1, 3>} : (tensor<*xf32>) -> tensor<*xf32>
  %k = ingot.transpose %r {perm = array<i64: 0, 2, 3, 1>} : (tensor<*xf32>) -> tensor<*xf32>
  %s = ingot.matmul %q, %k : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  %p = ingot.softmax %s {axis = -1 : i64} : (tensor<*xf32>) -> tensor<*xf32>
  %m = ingot.reduce_mean %p {axes = array<i64: -1>, keepdims = false} : (tensor<*xf32>) -> tensor<*xf32>
  return %m : tensor<*xf32>
}

// -----

// A shape computation as exporters write it: Shape, Gather of each dim, their
// product, Concat with a constant, Reshape to [B * S, 768].
// CHECK-LABEL: func.func @shape_chain
// CHECK: ingot.shape {{.*}}ingot.sizes = "[3] = [B, S, 768]"
// CHECK: ingot.mul {{.*}}ingot.sizes = "[1] = [B * S]"
// CHECK: ingot.concat {{.*}}ingot.sizes = "[2] = [B * S, 768]"
// CHECK: ingot.reshape {{.*}}ingot.sizes = "[B * S, 768]"
func.func @shape_chain(%x: tensor<?x?x768xf32> {ingot.dim_params = ["B", "S", ""]}) -> (tensor<*xf32>)
    attributes {ingot.dim_ranges = {B = array<i64: 1, 32, 8>, S = array<i64: 16, 512, 128>}} {
  %shape = ingot.shape %x : (tensor<?x?x768xf32>) -> tensor<3xi64>
  %i0 = ingot.constant dense<[0]> : tensor<1xi64>
  %i1 = ingot.constant dense<[1]> : tensor<1xi64>
  %b = ingot.gather %shape, %i0 : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  %s = ingot.gather %shape, %i1 : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  %bs = ingot.mul %b, %s : (tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %hidden = ingot.constant dense<[768]> : tensor<1xi64>
  %target = ingot.concat %bs, %hidden {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %y = ingot.reshape %x, %target : (tensor<?x?x768xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

// A text recognizer's width W through a strided convolution, a pooling
// window and a reshape that splits the width: (W + 1) / 2 after the
// convolution (ONNX's floor((W + 2 - 3) / 2) + 1), and W % 4 == 0 for the
// split.
// CHECK-LABEL: func.func @width
// CHECK-SAME: ingot.dim_constraints = ["W % 4 == 0"]
// CHECK: ingot.conv {{.*}}ingot.sizes = "[1, 8, 24, (W + 1) / 2]"
// CHECK: ingot.max_pool {{.*}}ingot.sizes = "[1, 8, 12, (W + 1) / 4]"
// CHECK: ingot.reshape {{.*}}ingot.sizes = "[1, 3, 48, W / 4, 4]"
// CHECK: ingot.concat {{.*}}ingot.sizes = "[1, 3, 96 * W]"
func.func @width(%x: tensor<1x3x48x?xf32> {ingot.dim_params = ["", "", "", "W"]}, %w: tensor<8x3x3x3xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
    attributes {ingot.dim_ranges = {W = array<i64: 32, 1024, 320>}} {
  %c = ingot.conv %x, %w {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x48x?xf32>, tensor<8x3x3x3xf32>) -> tensor<*xf32>
  %p = ingot.max_pool %c {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<*xf32>) -> tensor<*xf32>
  %split = ingot.constant dense<[1, 3, 48, -1, 4]> : tensor<5xi64>
  %r = ingot.reshape %x, %split : (tensor<1x3x48x?xf32>, tensor<5xi64>) -> tensor<*xf32>
  %rows = ingot.constant dense<[1, 3, -1]> : tensor<3xi64>
  %x3 = ingot.reshape %x, %rows : (tensor<1x3x48x?xf32>, tensor<3xi64>) -> tensor<*xf32>
  %cat = ingot.concat %x3, %x3 {axis = 2 : i64} : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  return %p, %r, %cat : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Broadcasting two named dims against each other makes them one dim: N is
// M from then on (the first by name survives), with the ranges intersected.
// CHECK-LABEL: func.func @unify
// CHECK-SAME: ingot.dim_constraints = ["N == M"]
// CHECK: ingot.add {{.*}}ingot.sizes = "[M, 8]"
// CHECK: ingot.relu {{.*}}ingot.sizes = "[M, 8]"
func.func @unify(%a: tensor<?x8xf32> {ingot.dim_params = ["N", ""]}, %b: tensor<?x1xf32> {ingot.dim_params = ["M", ""]}) -> (tensor<*xf32>)
    attributes {ingot.dim_ranges = {N = array<i64: 1, 32, 8>, M = array<i64: 4, 64, 8>}} {
  %s = ingot.add %a, %b : (tensor<?x8xf32>, tensor<?x1xf32>) -> tensor<*xf32>
  %r = ingot.relu %b : (tensor<?x1xf32>) -> tensor<*xf32>
  %t = ingot.add %r, %s : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  %u = ingot.relu %t : (tensor<*xf32>) -> tensor<*xf32>
  return %u : tensor<*xf32>
}

// -----

// A reshape to a fixed size only holds at one batch size.
func.func @fixed_reshape(%x: tensor<?x768xf32> {ingot.dim_params = ["N", ""]}) -> (tensor<*xf32>)
    attributes {ingot.dim_ranges = {N = array<i64: 1, 32, 8>}} {
  %s = ingot.constant dense<[32, 768]> : tensor<2xi64>
  // expected-error @+1 {{reshape of [N, 768] to [32, 768] changes the element count for some values of the symbolic dims}}
  %r = ingot.reshape %x, %s : (tensor<?x768xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %r : tensor<*xf32>
}

// -----

// A window that does not fit the smallest width.
func.func @window_too_wide(%x: tensor<1x3x8x?xf32> {ingot.dim_params = ["", "", "", "W"]}, %w: tensor<4x3x3x7xf32>) -> (tensor<*xf32>)
    attributes {ingot.dim_ranges = {W = array<i64: 4, 64, 16>}} {
  // expected-error @+1 {{the window of size 7 does not fit spatial dimension 1 of size W (padded by 0) at its smallest}}
  %c = ingot.conv %x, %w : (tensor<1x3x8x?xf32>, tensor<4x3x3x7xf32>) -> tensor<*xf32>
  return %c : tensor<*xf32>
}

// -----

// A symbolic size broadcast against a fixed one other than 1.
func.func @bad_broadcast(%x: tensor<?x4xf32> {ingot.dim_params = ["N", ""]}, %y: tensor<5x4xf32>) -> (tensor<*xf32>)
    attributes {ingot.dim_ranges = {N = array<i64: 1, 32, 8>}} {
  // expected-error @+1 {{cannot broadcast size N against 5 in dimension 0 for every value of the symbolic dims}}
  %s = ingot.add %x, %y : (tensor<?x4xf32>, tensor<5x4xf32>) -> tensor<*xf32>
  return %s : tensor<*xf32>
}

// -----

// A dynamic dimension without a range.
// expected-error @+1 {{input 'x' dimension 1 is dynamic but names no range (its name is 'T')}}
func.func @unnamed(%x: tensor<2x?xf32> {ingot.name = "x", ingot.dim_params = ["", "T"]})
    attributes {ingot.dim_ranges = {N = array<i64: 1, 32, 8>}} {
  return
}

// -----

// Ranges of disjoint dims cannot be unified.
func.func @disjoint(%a: tensor<?xf32> {ingot.dim_params = ["N"]}, %b: tensor<?xf32> {ingot.dim_params = ["M"]}) -> (tensor<*xf32>)
    attributes {ingot.dim_ranges = {N = array<i64: 1, 8, 8>, M = array<i64: 16, 64, 16>}} {
  // expected-error @+1 {{dims M (16:64) and N (1:8) must be equal here, but their ranges do not meet}}
  %s = ingot.add %a, %b : (tensor<?xf32>, tensor<?xf32>) -> tensor<*xf32>
  return %s : tensor<*xf32>
}

// -----

// Resize by a scale p / 2^k: floor(H * 1.5) is (3 * H) floordiv 2 (the
// FP32 product is exact); to another tensor's sizes read with Shape.
// CHECK-LABEL: func.func @resize_scales_and_sizes
// CHECK: ingot.resize {{.*}}ingot.sizes = "[1, 2, H / 2 + H, 8]"
// CHECK: ingot.resize {{.*}}ingot.sizes = "[1, 2, P, Q]"
func.func @resize_scales_and_sizes(%x: tensor<1x2x?x4xf32> {ingot.dim_params = ["", "", "H", ""]}, %y: tensor<1x2x?x?xf32> {ingot.dim_params = ["", "", "P", "Q"]}) -> (tensor<*xf32>, tensor<*xf32>)
    attributes {ingot.dim_ranges = {H = array<i64: 2, 8, 4>, P = array<i64: 1, 9, 9>, Q = array<i64: 1, 9, 9>}} {
  %scales = ingot.constant dense<[1.0, 1.0, 1.5, 2.0]> : tensor<4xf32>
  %none = ingot.constant dense<> : tensor<0xi64>
  %r = ingot.resize %x, %scales, %none {mode = "linear"} : (tensor<1x2x?x4xf32>, tensor<4xf32>, tensor<0xi64>) -> tensor<*xf32>
  %noscales = ingot.constant dense<> : tensor<0xf32>
  %sizes = ingot.shape %y : (tensor<1x2x?x?xf32>) -> tensor<4xi64>
  %t = ingot.resize %x, %noscales, %sizes : (tensor<1x2x?x4xf32>, tensor<0xf32>, tensor<4xi64>) -> tensor<*xf32>
  return %r, %t : tensor<*xf32>, tensor<*xf32>
}

// -----

// What the inference does not follow yet is named: a resize scale that is
// not a multiple of 1/65536, one that empties a size at the smallest dims,
// a split along a symbolic dim.
func.func @unsupported(%x: tensor<1x2x?x4xf32> {ingot.dim_params = ["", "", "H", ""]}) -> (tensor<*xf32>)
    attributes {ingot.dim_ranges = {H = array<i64: 2, 8, 4>}} {
  %scales = ingot.constant dense<[1.0, 1.0, 0.3, 2.0]> : tensor<4xf32>
  %sizes = ingot.constant dense<> : tensor<0xi64>
  // expected-error @+1 {{resize by 0.3 of symbolic size H is not supported yet (positive scales below 32768 that are multiples of 1/65536 are)}}
  %r = ingot.resize %x, %scales, %sizes {mode = "linear"} : (tensor<1x2x?x4xf32>, tensor<4xf32>, tensor<0xi64>) -> tensor<*xf32>
  return %r : tensor<*xf32>
}

// -----

func.func @resize_huge(%x: tensor<1x2x?x4xf32> {ingot.dim_params = ["", "", "H", ""]}) -> (tensor<*xf32>)
    attributes {ingot.dim_ranges = {H = array<i64: 2, 8, 4>}} {
  %scales = ingot.constant dense<[1.0, 1.0, 4.0e+04, 2.0]> : tensor<4xf32>
  %sizes = ingot.constant dense<> : tensor<0xi64>
  // expected-error @+1 {{resize by 40000 of symbolic size H is not supported yet (positive scales below 32768 that are multiples of 1/65536 are)}}
  %r = ingot.resize %x, %scales, %sizes {mode = "linear"} : (tensor<1x2x?x4xf32>, tensor<4xf32>, tensor<0xi64>) -> tensor<*xf32>
  return %r : tensor<*xf32>
}

// -----

func.func @resize_empty(%x: tensor<1x2x?x4xf32> {ingot.dim_params = ["", "", "H", ""]}) -> (tensor<*xf32>)
    attributes {ingot.dim_ranges = {H = array<i64: 2, 8, 4>}} {
  %scales = ingot.constant dense<[1.0, 1.0, 0.25, 2.0]> : tensor<4xf32>
  %sizes = ingot.constant dense<> : tensor<0xi64>
  // expected-error @+1 {{resize by 0.25 of symbolic size H is empty at the smallest dims}}
  %r = ingot.resize %x, %scales, %sizes {mode = "linear"} : (tensor<1x2x?x4xf32>, tensor<4xf32>, tensor<0xi64>) -> tensor<*xf32>
  return %r : tensor<*xf32>
}

// -----

func.func @split(%x: tensor<?x4xf32> {ingot.dim_params = ["N", ""]}) -> (tensor<*xf32>, tensor<*xf32>)
    attributes {ingot.dim_ranges = {N = array<i64: 2, 8, 4>}} {
  // expected-error @+1 {{'ingot.split' along a symbolic dimension is not supported yet}}
  %a, %b = ingot.split %x {axis = 0 : i64, split = array<i64: 1, 1>} : (tensor<?x4xf32>) -> (tensor<*xf32>, tensor<*xf32>)
  return %a, %b : tensor<*xf32>, tensor<*xf32>
}

// -----

// Pooling keeps the channels, symbolic ones too (regression: the channel
// dim was taken from the result type, where it is `?`).
// CHECK-LABEL: func.func @pool_channels
// CHECK: ingot.max_pool {{.*}}ingot.sizes = "[1, C, 4, W / 2]"
// CHECK: ingot.conv {{.*}}ingot.sizes = "[1, 5, 4, W / 2]"
func.func @pool_channels(%x: tensor<1x?x8x?xf32> {ingot.dim_params = ["", "C", "", "W"]}, %w: tensor<5x3x1x1xf32>) -> (tensor<*xf32>, tensor<*xf32>)
    attributes {ingot.dim_ranges = {C = array<i64: 3, 3, 3>, W = array<i64: 4, 64, 16>}} {
  %p = ingot.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x?x8x?xf32>) -> tensor<*xf32>
  %c = ingot.conv %p, %w : (tensor<*xf32>, tensor<5x3x1x1xf32>) -> tensor<*xf32>
  return %p, %c : tensor<*xf32>, tensor<*xf32>
}

// -----

// Position ids up to the sequence length: Range(0, S, 1), and Range(S,
// 2 * S, 2) with ceil(S / 2) values.
// CHECK-LABEL: func.func @positions
// CHECK: ingot.range {{.*}}ingot.sizes = "[S]"
// CHECK: ingot.range {{.*}}ingot.sizes = "[(S + 1) / 2]"
func.func @positions(%x: tensor<?x?xi64> {ingot.dim_params = ["B", "S"]}) -> (tensor<*xi64>, tensor<*xi64>)
    attributes {ingot.dim_ranges = {B = array<i64: 1, 8, 8>, S = array<i64: 1, 64, 64>}} {
  %shape = ingot.shape %x : (tensor<?x?xi64>) -> tensor<2xi64>
  %zero = ingot.constant dense<0> : tensor<i64>
  %one = ingot.constant dense<1> : tensor<i64>
  %two = ingot.constant dense<2> : tensor<i64>
  %s = ingot.gather %shape, %one : (tensor<2xi64>, tensor<i64>) -> tensor<*xi64>
  %p = ingot.range %zero, %s, %one : (tensor<i64>, tensor<*xi64>, tensor<i64>) -> tensor<*xi64>
  %s2 = ingot.mul %s, %two : (tensor<*xi64>, tensor<i64>) -> tensor<*xi64>
  %q = ingot.range %s, %s2, %two : (tensor<*xi64>, tensor<*xi64>, tensor<i64>) -> tensor<*xi64>
  return %p, %q : tensor<*xi64>, tensor<*xi64>
}

// -----

// A range that may end before it starts: S - 4 at S = 1.
func.func @range_backwards(%x: tensor<?xi64> {ingot.dim_params = ["S"]}) -> (tensor<*xi64>)
    attributes {ingot.dim_ranges = {S = array<i64: 1, 64, 64>}} {
  %shape = ingot.shape %x : (tensor<?xi64>) -> tensor<1xi64>
  %four = ingot.constant dense<[4]> : tensor<1xi64>
  %one = ingot.constant dense<1> : tensor<i64>
  %end = ingot.sub %shape, %four : (tensor<1xi64>, tensor<1xi64>) -> tensor<*xi64>
  %zero = ingot.constant dense<0> : tensor<1xi64>
  // expected-error @+1 {{'ingot.range' from 0 to S - 4 may end before it starts over the --dim ranges}}
  %p = ingot.range %zero, %end, %one : (tensor<1xi64>, tensor<*xi64>, tensor<i64>) -> tensor<*xi64>
  return %p : tensor<*xi64>
}

// -----

// A float range over a varying length.
func.func @float_range(%x: tensor<?xf32> {ingot.dim_params = ["S"]}) -> (tensor<*xf32>)
    attributes {ingot.dim_ranges = {S = array<i64: 1, 64, 64>}} {
  %shape = ingot.shape %x : (tensor<?xf32>) -> tensor<1xi64>
  %f = ingot.cast %shape {to = f32} : (tensor<1xi64>) -> tensor<*xf32>
  %zero = ingot.constant dense<0.0> : tensor<f32>
  %one = ingot.constant dense<1.0> : tensor<f32>
  // expected-error @+1 {{'ingot.range' over varying sizes takes an integer start and limit computed from sizes and a constant positive step}}
  %p = ingot.range %zero, %f, %one : (tensor<f32>, tensor<*xf32>, tensor<f32>) -> tensor<*xf32>
  return %p : tensor<*xf32>
}

// -----

// ceil_mode: ceil((W + pads - window) / stride) + 1 = ceil((W - 1) / 2) + 1
// = W / 2 + 1 (H = 16: 9), where no last window
// can start in the end padding (3x3 / 2 with padding 1: end padding 1 +
// stride 2 <= window 3).
// CHECK-LABEL: func.func @pool_ceil
// CHECK: ingot.max_pool {{.*}}ingot.sizes = "[1, 3, 9, W / 2 + 1]"
func.func @pool_ceil(%x: tensor<1x3x16x?xf32> {ingot.dim_params = ["", "", "", "W"]}) -> tensor<*xf32>
    attributes {ingot.dim_ranges = {W = array<i64: 4, 64, 16>}} {
  %p = ingot.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, ceil_mode = true} : (tensor<1x3x16x?xf32>) -> tensor<*xf32>
  return %p : tensor<*xf32>
}

// -----

// Where it could (2x2 / 2 with end padding 1), whether ONNX drops that
// window depends on W: refused.
func.func @pool_ceil_dropped(%x: tensor<1x3x16x?xf32> {ingot.dim_params = ["", "", "", "W"]}) -> tensor<*xf32>
    attributes {ingot.dim_ranges = {W = array<i64: 4, 64, 16>}} {
  // expected-error @+1 {{ceil_mode with a symbolic spatial size whose last window could start in the end padding (end padding 1 + stride 2 > window 2) is not supported yet}}
  %p = ingot.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 1, 1>, ceil_mode = true} : (tensor<1x3x16x?xf32>) -> tensor<*xf32>
  return %p : tensor<*xf32>
}
