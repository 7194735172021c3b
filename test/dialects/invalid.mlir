// Verifier errors, one op family per split. An op whose attributes or
// operands contradict its type inference reports the specific problem, then
// MLIR's generic "failed to infer returned types".
// RUN: ingot-opt %s -split-input-file -verify-diagnostics

func.func @broadcast_mismatch(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+2 {{operand shapes [2, 3] and [4, 3] are not broadcast-compatible (dimension 0: 2 vs 4)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.add %a, %b : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @element_type_mismatch(%a: tensor<2xf32>, %b: tensor<2xf16>) -> tensor<2xf32> {
  // expected-error @+2 {{operands must share one element type, got 'f32' and 'f16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.mul %a, %b : (tensor<2xf32>, tensor<2xf16>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @wrong_result_shape(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+2 {{inferred type(s) 'tensor<2x3xf32>' are incompatible with return type(s) of operation 'tensor<3x2xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.relu %a : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @float_only(%a: tensor<2xi32>) -> tensor<2xi32> {
  // expected-error @+1 {{must be tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values}}
  %0 = ingot.sqrt %a : (tensor<2xi32>) -> tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

func.func @comparison_result(%a: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{result #0 must be tensor of 1-bit signless integer values}}
  %0 = ingot.less %a, %a : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @cast_target(%a: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+2 {{'ingot.cast' target 'index' is not an integer or float type}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.cast %a {to = index} : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @clip_bounds(%a: tensor<4xf32>, %lo: tensor<2xf32>, %hi: tensor<f32>) -> tensor<4xf32> {
  // expected-error @+2 {{'ingot.clip' bounds must be scalars, got 'tensor<2xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.clip %a, %lo, %hi : (tensor<4xf32>, tensor<2xf32>, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @matmul_k(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+2 {{'ingot.matmul' contraction sizes differ: [2, 3] x [4, 5]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @gemm_rank(%a: tensor<2x3x4xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+2 {{'ingot.gemm' operands A and B must be 2-D, got [2, 3, 4] and [4, 5]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.gemm %a, %b : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @conv_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<8x4x3x3xf32>) -> tensor<1x8x6x6xf32> {
  // expected-error @+2 {{'ingot.conv' input has 3 channels but weight [8, 4, 3, 3] with group 1 expects 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.conv %x, %w : (tensor<1x3x8x8xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x6x6xf32>
  return %0 : tensor<1x8x6x6xf32>
}

// -----

func.func @conv_pads_length(%x: tensor<1x3x8x8xf32>, %w: tensor<8x3x3x3xf32>) -> tensor<1x8x8x8xf32> {
  // expected-error @+2 {{'ingot.conv' pads has 2 values, expected 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.conv %x, %w {pads = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x8x8xf32>
  return %0 : tensor<1x8x8x8xf32>
}

// -----

func.func @conv_auto_pad(%x: tensor<1x3x8x8xf32>, %w: tensor<8x3x3x3xf32>) -> tensor<1x8x8x8xf32> {
  // expected-error @+2 {{'ingot.conv' auto_pad must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got 'SAME'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.conv %x, %w {auto_pad = "SAME"} : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x8x8xf32>
  return %0 : tensor<1x8x8x8xf32>
}

// -----

func.func @conv_group(%x: tensor<1x8x8x8xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<1x6x6x6xf32> {
  // expected-error @+2 {{'ingot.conv' 6 output channels are not divisible by group 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.conv %x, %w {group = 4 : i64} : (tensor<1x8x8x8xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x6x6xf32>
  return %0 : tensor<1x6x6x6xf32>
}

// -----

func.func @pool_window(%x: tensor<1x3x2x2xf32>) -> tensor<1x3x1x1xf32> {
  // expected-error @+2 {{'ingot.max_pool' window of size 3 does not fit spatial dimension 0 of size 2 (padded: 2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.max_pool %x {kernel_shape = array<i64: 3, 3>} : (tensor<1x3x2x2xf32>) -> tensor<1x3x1x1xf32>
  return %0 : tensor<1x3x1x1xf32>
}

// -----

func.func @pool_kernel(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32> {
  // expected-error @+2 {{'ingot.average_pool' requires kernel_shape}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.average_pool %x : (tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32>
  return %0 : tensor<1x3x8x8xf32>
}

// -----

func.func @batch_norm_params(%x: tensor<1x3x8x8xf32>, %p: tensor<4xf32>) -> tensor<1x3x8x8xf32> {
  // expected-error @+2 {{'ingot.batch_norm' parameter [4] must be 1-D of size 3 (the channel count)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.batch_norm %x, %p, %p, %p, %p : (tensor<1x3x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x3x8x8xf32>
  return %0 : tensor<1x3x8x8xf32>
}

// -----

func.func @resize_mode(%x: tensor<1x3x8x8xf32>, %s: tensor<4xf32>, %z: tensor<0xi64>) -> tensor<1x3x16x16xf32> {
  // expected-error @+2 {{'ingot.resize' mode must be nearest, linear or cubic, got 'bicubic'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.resize %x, %s, %z {mode = "bicubic"} : (tensor<1x3x8x8xf32>, tensor<4xf32>, tensor<0xi64>) -> tensor<1x3x16x16xf32>
  return %0 : tensor<1x3x16x16xf32>
}

// -----

func.func @softmax_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+2 {{'ingot.softmax' axis 2 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.softmax %x {axis = 2 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @layer_norm_scale(%x: tensor<2x8xf32>, %g: tensor<4xf32>) -> tensor<2x8xf32> {
  // expected-error @+2 {{not broadcast-compatible}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.layer_norm %x, %g : (tensor<2x8xf32>, tensor<4xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @reduce_axis_twice(%x: tensor<2x3xf32>) -> tensor<1x3xf32> {
  // expected-error @+2 {{'ingot.reduce_sum' axis -2 is listed twice}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.reduce_sum %x {axes = array<i64: 0, -2>} : (tensor<2x3xf32>) -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) -> tensor<4x2xf32> {
  %s = ingot.constant dense<[4, 2]> : tensor<2xi64>
  // expected-error @+2 {{'ingot.reshape' cannot reshape [2, 3] (6 elements) into [4, 2] (8 elements)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.reshape %x, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

func.func @reshape_two_minus_one(%x: tensor<2x3xf32>) -> tensor<?x?xf32> {
  %s = ingot.constant dense<[-1, -1]> : tensor<2xi64>
  // expected-error @+2 {{'ingot.reshape' shape [-1, -1] has more than one -1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.reshape %x, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @transpose_perm(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+2 {{'ingot.transpose' perm [0, 0] is not a permutation}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.transpose %x {perm = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @concat_dims(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) -> tensor<4x3xf32> {
  // expected-error @+2 {{'ingot.concat' inputs differ in dimension 1 (3 vs 4)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @split_sizes(%x: tensor<2x6xf32>) -> tensor<2x2xf32> {
  // expected-error @+2 {{'ingot.split' sizes [2, 2] add up to 4, not to dimension 1 of [2, 6]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = ingot.split %x {axis = 1 : i64, split = array<i64: 2, 2>} : (tensor<2x6xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>)
  return %0#0 : tensor<2x2xf32>
}

// -----

func.func @squeeze_non_unit(%x: tensor<2x3xf32>) -> tensor<3xf32> {
  // expected-error @+2 {{'ingot.squeeze' dimension 0 of [2, 3] is not 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.squeeze %x {axes = array<i64: 0>} : (tensor<2x3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @gather_index(%x: tensor<3x4xf32>) -> tensor<4xf32> {
  %i = ingot.constant dense<3> : tensor<i64>
  // expected-error @+2 {{'ingot.gather' index 3 is out of range for dimension 0 of size 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.gather %x, %i : (tensor<3x4xf32>, tensor<i64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @pad_length(%x: tensor<2x3xf32>) -> tensor<2x5xf32> {
  %p = ingot.constant dense<[1, 1]> : tensor<2xi64>
  // expected-error @+2 {{'ingot.pad' pads has 2 values, expected 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.pad %x, %p : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @expand_shape(%x: tensor<2x3xf32>) -> tensor<4x3xf32> {
  %s = ingot.constant dense<[4, 3]> : tensor<2xi64>
  // expected-error @+2 {{not broadcast-compatible}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.expand %x, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @range_delta() -> tensor<?xi64> {
  %a = ingot.constant dense<0> : tensor<i64>
  %b = ingot.constant dense<4> : tensor<i64>
  %c = ingot.constant dense<0> : tensor<i64>
  // expected-error @+2 {{'ingot.range' delta must not be 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.range %a, %b, %c : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

func.func @range_scalars(%a: tensor<2xi64>, %b: tensor<i64>) -> tensor<?xi64> {
  // expected-error @+2 {{'ingot.range' operands must be scalars, got 'tensor<2xi64>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.range %a, %b, %b : (tensor<2xi64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

func.func @attention_rank(%q: tensor<4x6x8xf32>, %k: tensor<2x2x9x8xf32>) -> tensor<4x6x8xf32> {
  // expected-error @+2 {{'ingot.attention' q, k and v must be 4-D [batch, heads, sequence, head size], got [4, 6, 8], [2, 2, 9, 8] and [2, 2, 9, 8]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.attention %q, %k, %k {scale = 1.0 : f32} : (tensor<4x6x8xf32>, tensor<2x2x9x8xf32>, tensor<2x2x9x8xf32>) -> tensor<4x6x8xf32>
  return %0 : tensor<4x6x8xf32>
}

// -----

func.func @attention_heads(%q: tensor<2x3x6x8xf32>, %k: tensor<2x2x9x8xf32>) -> tensor<2x3x6x8xf32> {
  // expected-error @+2 {{'ingot.attention' 3 query heads are not a multiple of 2 key/value heads}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.attention %q, %k, %k {scale = 1.0 : f32} : (tensor<2x3x6x8xf32>, tensor<2x2x9x8xf32>, tensor<2x2x9x8xf32>) -> tensor<2x3x6x8xf32>
  return %0 : tensor<2x3x6x8xf32>
}

// -----

func.func @attention_head_size(%q: tensor<2x2x6x8xf32>, %k: tensor<2x2x9x4xf32>) -> tensor<2x2x6x4xf32> {
  // expected-error @+2 {{'ingot.attention' q and k head sizes differ}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.attention %q, %k, %k {scale = 1.0 : f32} : (tensor<2x2x6x8xf32>, tensor<2x2x9x4xf32>, tensor<2x2x9x4xf32>) -> tensor<2x2x6x4xf32>
  return %0 : tensor<2x2x6x4xf32>
}

// -----

func.func @attention_mask(%q: tensor<2x2x6x8xf32>, %k: tensor<2x2x9x8xf32>, %m: tensor<2x1x6x6xf32>) -> tensor<2x2x6x8xf32> {
  // expected-error @+2 {{'ingot.attention' mask [2, 1, 6, 6] does not broadcast to the scores [2, 2, 6, 9]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = ingot.attention %q, %k, %k, %m {scale = 1.0 : f32} : (tensor<2x2x6x8xf32>, tensor<2x2x9x8xf32>, tensor<2x2x9x8xf32>, tensor<2x1x6x6xf32>) -> tensor<2x2x6x8xf32>
  return %0 : tensor<2x2x6x8xf32>
}
