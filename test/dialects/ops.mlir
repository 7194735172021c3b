// Round trip of every ingot op: print, re-parse, print again.
// RUN: ingot-opt %s | ingot-opt | FileCheck %s
// Generic form too, so attribute/property conversion is exercised.
// RUN: ingot-opt %s --mlir-print-op-generic | ingot-opt | FileCheck %s

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %c: tensor<2x3xi1>, %i: tensor<2x3xi64>) -> tensor<2x3xf32> {
  // CHECK: ingot.sqrt
  %0 = ingot.sqrt %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.exp
  %1 = ingot.exp %0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.log
  %2 = ingot.log %1 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.erf
  %3 = ingot.erf %2 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.tanh
  %4 = ingot.tanh %3 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.sigmoid
  %5 = ingot.sigmoid %4 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.reciprocal
  %6 = ingot.reciprocal %5 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.floor
  %7 = ingot.floor %6 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.ceil
  %8 = ingot.ceil %7 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.round
  %9 = ingot.round %8 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.sin
  %10 = ingot.sin %9 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.cos
  %11 = ingot.cos %10 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.softplus
  %12 = ingot.softplus %11 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.hard_swish
  %13 = ingot.hard_swish %12 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.relu
  %14 = ingot.relu %13 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.neg
  %15 = ingot.neg %14 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.abs
  %16 = ingot.abs %15 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.sign
  %17 = ingot.sign %16 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.identity
  %18 = ingot.identity %17 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // Default-valued attributes (beta = 0.5) are not printed.
  // CHECK: ingot.hard_sigmoid %{{.*}} {alpha = 2.500000e-01 : f32}
  %19 = ingot.hard_sigmoid %18 {alpha = 0.25 : f32, beta = 0.5 : f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.leaky_relu %{{.*}} {alpha = 1.000000e-01 : f32}
  %20 = ingot.leaky_relu %19 {alpha = 0.1 : f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.elu
  %21 = ingot.elu %20 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.gelu %{{.*}} {approximate = "tanh"}
  %22 = ingot.gelu %21 {approximate = "tanh"} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.dropout
  %23 = ingot.dropout %22 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.add %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %24 = ingot.add %23, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.sub
  %25 = ingot.sub %24, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.mul
  %26 = ingot.mul %25, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.div
  %27 = ingot.div %26, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.pow
  %28 = ingot.pow %27, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.min
  %29 = ingot.min %28, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.max
  %30 = ingot.max %29, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.equal {{.*}} -> tensor<2x3xi1>
  %31 = ingot.equal %30, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  // CHECK: ingot.less
  %32 = ingot.less %30, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  // CHECK: ingot.less_or_equal
  %33 = ingot.less_or_equal %30, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  // CHECK: ingot.greater
  %34 = ingot.greater %30, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  // CHECK: ingot.greater_or_equal
  %35 = ingot.greater_or_equal %30, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  // CHECK: ingot.and
  %36 = ingot.and %31, %32 : (tensor<2x3xi1>, tensor<2x3xi1>) -> tensor<2x3xi1>
  // CHECK: ingot.or
  %37 = ingot.or %36, %33 : (tensor<2x3xi1>, tensor<2x3xi1>) -> tensor<2x3xi1>
  // CHECK: ingot.xor
  %38 = ingot.xor %37, %34 : (tensor<2x3xi1>, tensor<2x3xi1>) -> tensor<2x3xi1>
  // CHECK: ingot.not
  %39 = ingot.not %38 : (tensor<2x3xi1>) -> tensor<2x3xi1>
  // CHECK: ingot.where
  %40 = ingot.where %39, %30, %b : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.cast %{{.*}} {to = f16}
  %41 = ingot.cast %40 {to = f16} : (tensor<2x3xf32>) -> tensor<2x3xf16>
  // CHECK: ingot.cast %{{.*}} {to = f32}
  %42 = ingot.cast %41 {to = f32} : (tensor<2x3xf16>) -> tensor<2x3xf32>
  %lo = ingot.constant dense<0.0> : tensor<f32>
  %hi = ingot.constant dense<6.0> : tensor<f32>
  // CHECK: ingot.clip
  %43 = ingot.clip %42, %lo, %hi : (tensor<2x3xf32>, tensor<f32>, tensor<f32>) -> tensor<2x3xf32>
  // CHECK: ingot.relu {{.*}} : (tensor<2x3xi64>) -> tensor<2x3xi64>
  %44 = ingot.relu %i : (tensor<2x3xi64>) -> tensor<2x3xi64>
  return %43 : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @nn
func.func @nn(%x: tensor<1x4x8x8xf32>, %w: tensor<6x2x3x3xf32>, %b: tensor<6xf32>, %m: tensor<2x3x4xf32>, %n: tensor<4x5xf32>) -> tensor<1x6x8x8xf32> {
  // CHECK: ingot.matmul {{.*}} -> tensor<2x3x5xf32>
  %0 = ingot.matmul %m, %n : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x3x5xf32>
  %a2 = ingot.constant dense<1.0> : tensor<3x4xf32>
  // CHECK: ingot.gemm {{.*}} {alpha = 5.000000e-01 : f32, trans_b = true}
  %1 = ingot.gemm %a2, %a2 {alpha = 0.5 : f32, trans_b = true} : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x3xf32>
  // CHECK: ingot.conv {{.*}} {group = 2 : i64, pads = array<i64: 1, 1, 1, 1>}
  %2 = ingot.conv %x, %w, %b {group = 2 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<6x2x3x3xf32>, tensor<6xf32>) -> tensor<1x6x8x8xf32>
  %wt = ingot.constant dense<1.0> : tensor<4x3x2x2xf32>
  // CHECK: ingot.conv_transpose {{.*}} -> tensor<1x3x16x16xf32>
  %3 = ingot.conv_transpose %x, %wt {strides = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>, tensor<4x3x2x2xf32>) -> tensor<1x3x16x16xf32>
  %p = ingot.constant dense<1.0> : tensor<4xf32>
  // CHECK: ingot.batch_norm {{.*}} {epsilon = 1.000000e-03 : f32}
  %4 = ingot.batch_norm %x, %p, %p, %p, %p {epsilon = 1.0e-3 : f32} : (tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  // CHECK: ingot.max_pool {{.*}} -> tensor<1x4x4x4xf32>
  %5 = ingot.max_pool %4 {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  // CHECK: ingot.average_pool {{.*}} -> tensor<1x4x8x8xf32>
  %6 = ingot.average_pool %4 {auto_pad = "SAME_UPPER", kernel_shape = array<i64: 3, 3>, count_include_pad = true} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  // CHECK: ingot.global_average_pool {{.*}} -> tensor<1x4x1x1xf32>
  %7 = ingot.global_average_pool %6 : (tensor<1x4x8x8xf32>) -> tensor<1x4x1x1xf32>
  // CHECK: ingot.global_max_pool
  %8 = ingot.global_max_pool %6 : (tensor<1x4x8x8xf32>) -> tensor<1x4x1x1xf32>
  %scales = ingot.constant dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>
  %nosizes = ingot.constant dense<> : tensor<0xi64>
  // CHECK: ingot.resize {{.*}} {mode = "linear"} {{.*}} -> tensor<1x4x16x16xf32>
  %9 = ingot.resize %x, %scales, %nosizes {mode = "linear"} : (tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<0xi64>) -> tensor<1x4x16x16xf32>
  // CHECK: ingot.softmax {{.*}} {axis = 1 : i64}
  %10 = ingot.softmax %x {axis = 1 : i64} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  // CHECK: ingot.log_softmax
  %11 = ingot.log_softmax %x : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %g = ingot.constant dense<1.0> : tensor<8xf32>
  // CHECK: ingot.layer_norm
  %12 = ingot.layer_norm %x, %g, %g : (tensor<1x4x8x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x4x8x8xf32>
  // CHECK: ingot.reduce_mean {{.*}} {axes = array<i64: 2, 3>} {{.*}} -> tensor<1x4x1x1xf32>
  %13 = ingot.reduce_mean %x {axes = array<i64: 2, 3>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x1x1xf32>
  // CHECK: ingot.reduce_sum {{.*}} {keepdims = false} {{.*}} -> tensor<f32>
  %14 = ingot.reduce_sum %x {keepdims = false} : (tensor<1x4x8x8xf32>) -> tensor<f32>
  // CHECK: ingot.reduce_max
  %15 = ingot.reduce_max %x {axes = array<i64: -1>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x1xf32>
  // CHECK: ingot.reduce_min
  %16 = ingot.reduce_min %x {axes = array<i64: 0>, keepdims = false} : (tensor<1x4x8x8xf32>) -> tensor<4x8x8xf32>
  // CHECK: ingot.reduce_prod
  %17 = ingot.reduce_prod %x {noop_with_empty_axes = true} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %2 : tensor<1x6x8x8xf32>
}

// CHECK-LABEL: func.func @shapes
func.func @shapes(%x: tensor<2x3x4xf32>, %d: tensor<?x3xf32>) -> tensor<6x4xf32> {
  // CHECK: ingot.constant dense<[6, 4]> : tensor<2xi64>
  %s = ingot.constant dense<[6, 4]> : tensor<2xi64>
  // CHECK: ingot.reshape
  %0 = ingot.reshape %x, %s : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  // CHECK: ingot.flatten {{.*}} {axis = 2 : i64}
  %1 = ingot.flatten %x {axis = 2 : i64} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  // CHECK: ingot.transpose {{.*}} {perm = array<i64: 2, 0, 1>} {{.*}} -> tensor<4x2x3xf32>
  %2 = ingot.transpose %x {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  // CHECK: ingot.concat {{.*}} {axis = 0 : i64} {{.*}} -> tensor<4x3x4xf32>
  %3 = ingot.concat %x, %x {axis = 0 : i64} : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<4x3x4xf32>
  %st = ingot.constant dense<[1]> : tensor<1xi64>
  %en = ingot.constant dense<[3]> : tensor<1xi64>
  %ax = ingot.constant dense<[2]> : tensor<1xi64>
  %sp = ingot.constant dense<[1]> : tensor<1xi64>
  // CHECK: ingot.slice {{.*}} -> tensor<2x3x2xf32>
  %4 = ingot.slice %x, %st, %en, %ax, %sp : (tensor<2x3x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x3x2xf32>
  // CHECK: ingot.split {{.*}} {axis = 2 : i64, split = array<i64: 1, 3>}
  %5:2 = ingot.split %x {axis = 2 : i64, split = array<i64: 1, 3>} : (tensor<2x3x4xf32>) -> (tensor<2x3x1xf32>, tensor<2x3x3xf32>)
  // CHECK: ingot.squeeze {{.*}} -> tensor<2x3xf32>
  %6 = ingot.squeeze %5#0 {axes = array<i64: 2>} : (tensor<2x3x1xf32>) -> tensor<2x3xf32>
  // CHECK: ingot.unsqueeze {{.*}} -> tensor<1x2x3x4xf32>
  %7 = ingot.unsqueeze %x {axes = array<i64: 0>} : (tensor<2x3x4xf32>) -> tensor<1x2x3x4xf32>
  %idx = ingot.constant dense<[0, 2]> : tensor<2xi64>
  // CHECK: ingot.gather {{.*}} {axis = 1 : i64} {{.*}} -> tensor<2x2x4xf32>
  %8 = ingot.gather %x, %idx {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x2x4xf32>
  // CHECK: ingot.shape {{.*}} -> tensor<2xi64>
  %9 = ingot.shape %d : (tensor<?x3xf32>) -> tensor<2xi64>
  // CHECK: ingot.constant_of_shape {{.*}} {value = dense<7> : tensor<1xi32>}
  %10 = ingot.constant_of_shape %9 {value = dense<7> : tensor<1xi32>} : (tensor<2xi64>) -> tensor<?x?xi32>
  %es = ingot.constant dense<[3, 2, 3, 4]> : tensor<4xi64>
  // CHECK: ingot.expand {{.*}} -> tensor<3x2x3x4xf32>
  %11 = ingot.expand %x, %es : (tensor<2x3x4xf32>, tensor<4xi64>) -> tensor<3x2x3x4xf32>
  %pads = ingot.constant dense<[0, 0, 1, 0, 0, 1]> : tensor<6xi64>
  // CHECK: ingot.pad {{.*}} {mode = "reflect"} {{.*}} -> tensor<2x3x6xf32>
  %12 = ingot.pad %x, %pads {mode = "reflect"} : (tensor<2x3x4xf32>, tensor<6xi64>) -> tensor<2x3x6xf32>
  %rep = ingot.constant dense<[1, 2, 1]> : tensor<3xi64>
  // CHECK: ingot.tile {{.*}} -> tensor<2x6x4xf32>
  %13 = ingot.tile %x, %rep : (tensor<2x3x4xf32>, tensor<3xi64>) -> tensor<2x6x4xf32>
  %r0 = ingot.constant dense<0> : tensor<i64>
  %r1 = ingot.constant dense<5> : tensor<i64>
  %r2 = ingot.constant dense<2> : tensor<i64>
  // CHECK: ingot.range {{.*}} -> tensor<3xi64>
  %14 = ingot.range %r0, %r1, %r2 : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<3xi64>
  return %0 : tensor<6x4xf32>
}

// Written types may refine inferred ones: `?` inferred, 5 written.
// CHECK-LABEL: func.func @refinement
func.func @refinement(%x: tensor<?x3xf32>) -> tensor<5x3xf32> {
  // CHECK: ingot.relu {{.*}} : (tensor<?x3xf32>) -> tensor<5x3xf32>
  %0 = ingot.relu %x : (tensor<?x3xf32>) -> tensor<5x3xf32>
  return %0 : tensor<5x3xf32>
}

// Attention: grouped heads (4 query heads on 2 key/value heads), a boolean
// mask, causal, and the heads-interleaved result.
// CHECK-LABEL: func.func @attention
func.func @attention(%q: tensor<2x4x6x8xf32>, %k: tensor<2x2x9x8xf32>, %v: tensor<2x2x9x5xf32>, %m: tensor<1x1x6x9xi1>, %f: tensor<2x1x1x9xf32>) -> (tensor<2x6x4x5xf32>, tensor<2x4x6x5xf32>) {
  // CHECK: ingot.attention {{.*}} {causal = true, mask_fill = -1.000000e+04 : f32, scale = 5.000000e-01 : f32, transpose_output = true} {{.*}} -> tensor<2x6x4x5xf32>
  %0 = ingot.attention %q, %k, %v, %m {scale = 0.5 : f32, causal = true, mask_fill = -1.0e4 : f32, transpose_output = true} : (tensor<2x4x6x8xf32>, tensor<2x2x9x8xf32>, tensor<2x2x9x5xf32>, tensor<1x1x6x9xi1>) -> tensor<2x6x4x5xf32>
  // CHECK: ingot.attention {{.*}} {scale = 1.000000e+00 : f32} {{.*}} -> tensor<2x4x6x5xf32>
  %1 = ingot.attention %q, %k, %v, %f {scale = 1.0 : f32} : (tensor<2x4x6x8xf32>, tensor<2x2x9x8xf32>, tensor<2x2x9x5xf32>, tensor<2x1x1x9xf32>) -> tensor<2x4x6x5xf32>
  return %0, %1 : tensor<2x6x4x5xf32>, tensor<2x4x6x5xf32>
}
