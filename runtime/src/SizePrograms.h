//===- SizePrograms.h - Sizes of an artifact for a range of shapes --------===//
//
// An artifact compiled for a range of shapes gives every size that varies
// as a postfix program over its symbolic dims (manifest.proto,
// SizeProgram). These evaluate them: for the runtime's CPU and CUDA
// executors, and for the test tool that runs CUDA plans on the host.
//
//===----------------------------------------------------------------------===//
#ifndef INGOT_RUNTIME_SIZEPROGRAMS_H
#define INGOT_RUNTIME_SIZEPROGRAMS_H

#include "proto/manifest.pb.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ingot::runtime {

/// Runs a size program over the dims' values; false on a malformed
/// program, overflow or a negative size.
bool evaluateSize(const artifact::SizeProgram &p,
                  const std::vector<int64_t> &dims, int64_t &out);
/// The symbol and factor of a program that is `factor * dims[symbol]` (how
/// an input's varying dim is written).
bool scaledDim(const artifact::SizeProgram &p, int &symbol, int64_t &factor);
/// The dims' largest values.
std::vector<int64_t> largestDims(const artifact::Manifest &mf);
/// The GEMM of this call: the fields that vary evaluated at `dims`. False
/// when a program fails (the manifest was validated: it does not).
bool resolveGemm(const artifact::GemmCall &g, const std::vector<int64_t> &dims,
                 artifact::GemmCall &out);
/// The same for a convolution ("batch", "in_channels", "out_channels",
/// "in_sizeK", "out_sizeK").
bool resolveConv(const artifact::ConvCall &c, const std::vector<int64_t> &dims,
                 artifact::ConvCall &out);
/// The blocks of a kernel step for this call: its grid program at `dims`,
/// at most grid_x (the kernels stride over the rest); grid_x when it has
/// none.
int64_t launchGrid(const artifact::Step &s, const std::vector<int64_t> &dims);
/// The version of a kernel step with variants (speculation) that runs at
/// `dims` with `pointers` (the step's buffers' addresses): the first valid
/// and preferred one (manifest.proto, KernelVariant), or the one named
/// `forced` where it is valid; -1 for a step without variants.
int chooseVariant(const artifact::Step &s, const std::vector<int64_t> &dims,
                  const std::vector<uint64_t> &pointers,
                  const std::string &forced = "");

} // namespace ingot::runtime

#endif
