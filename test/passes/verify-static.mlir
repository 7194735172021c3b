// RUN: ingot-opt %s --pass-pipeline='builtin.module(func.func(ingot-verify-static))' -split-input-file -verify-diagnostics

// A fully static function passes untouched.
func.func @ok(%x: tensor<1x3xf32>) -> tensor<1x3xf32> {
  %0 = ingot.relu %x : (tensor<1x3xf32>) -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

// expected-error @+1 {{argument 0 has type 'tensor<?x3xf32>'; bind it (ingotc --input-shape NAME:DIMS)}}
func.func @dynamic_arg(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  // expected-error @+1 {{result 0 has non-static type 'tensor<?x3xf32>'}}
  %0 = ingot.relu %x : (tensor<?x3xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

func.func @leftover_shape_op(%x: tensor<2x3xf32>) -> tensor<2xi64> {
  // expected-error @+1 {{shape computation 'ingot.shape' is left after folding}}
  %0 = ingot.shape %x : (tensor<2x3xf32>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}
