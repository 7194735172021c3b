//===- TensorIO.h - .npy / .npz / ONNX .pb tensors for the CLI tools ------===//
#ifndef INGOT_RUNTIME_TOOLS_TENSORIO_H
#define INGOT_RUNTIME_TOOLS_TENSORIO_H

#include "ingot/runtime.hpp"

#include <map>
#include <string>

namespace ingot::tools {

/// Reads a tensor from .npy or an ONNX TensorProto (.pb); throws
/// std::runtime_error naming the file and the problem.
Tensor readTensorFile(const std::string &path);
/// Reads all arrays of an .npz (stored or deflated), by name.
std::map<std::string, Tensor> readNpz(const std::string &path);
/// The same from bytes in memory (what the files hold); `what` names them in
/// errors. The fuzz targets call these directly.
Tensor parseTensorBytes(const uint8_t *data, size_t size,
                        const std::string &what);
std::map<std::string, Tensor> parseNpzBytes(const uint8_t *data, size_t size,
                                            const std::string &what);
void writeNpy(const std::string &path, const Tensor &t);
/// Element `i` of `t` as a double, for every dtype (float16 and bfloat16
/// included), for comparisons against references.
double elementValue(const Tensor &t, size_t i);

/// `--input-shape NAME:D0xD1x...` of ingot-run and ingot-bench: adds the
/// shape to `shapes`; throws std::runtime_error on bad text.
void parseInputShape(const std::string &text,
                     std::map<std::string, std::vector<int64_t>> &shapes);
/// The shape to give model input `k`: the one `shapes` names for it, else
/// the model's (the largest of each range where dims vary). Throws when a
/// named shape has another rank or a dimension outside the model's range.
std::vector<int64_t>
chooseInputShape(const Model &model, size_t k,
                 const std::map<std::string, std::vector<int64_t>> &shapes);

} // namespace ingot::tools

#endif
