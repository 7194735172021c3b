//===- FuzzTensorIO.cpp - Fuzz target: .npy / .npz / .pb readers ----------===//
//
// The input is a file as ingot-run would read it: a zip (.npz) when it starts
// with a local file header, otherwise a tensor (.npy or ONNX TensorProto).
// The readers are called on memory (parseTensorBytes / parseNpzBytes, which
// the file readers wrap), so each execution costs no system calls. Readers
// may reject input with std::runtime_error; anything else is a finding.
//
//===----------------------------------------------------------------------===//
#include "TensorIO.h"

#include <cstring>
#include <stdexcept>

namespace {
/// The contract callers rely on: a known dtype, no negative dimension, and
/// data holding exactly the shape's bytes, counted without wrapping (a shape
/// whose element count wraps to the data size is a silent wrong answer).
void checkTensor(const ingot::Tensor &t) {
  size_t bytes = ingot_dtype_size(t.dtype);
  if (bytes == 0)
    __builtin_trap();
  for (int64_t d : t.shape)
    if (d < 0 || __builtin_mul_overflow(bytes, static_cast<size_t>(d), &bytes))
      __builtin_trap();
  if (t.data.size() != bytes)
    __builtin_trap();
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  try {
    if (size >= 4 && std::memcmp(data, "PK\x03\x04", 4) == 0) {
      for (const auto &entry :
           ingot::tools::parseNpzBytes(data, size, "fuzz.npz"))
        checkTensor(entry.second);
    } else {
      checkTensor(ingot::tools::parseTensorBytes(data, size, "fuzz.tensor"));
    }
  } catch (const std::runtime_error &) {
  }
  return 0;
}
