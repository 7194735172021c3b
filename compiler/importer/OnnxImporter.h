//===- OnnxImporter.h - ONNX model -> ingot dialect -----------------------===//
#ifndef INGOT_COMPILER_IMPORTER_ONNXIMPORTER_H
#define INGOT_COMPILER_IMPORTER_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <array>
#include <map>
#include <string>
#include <vector>

namespace mlir::ingot {

struct ImportOptions {
  /// Shapes for model inputs, by input name. They must agree with the
  /// model's static dimensions.
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// Names of the dims of `inputShapes` given as names (x:Nx3x48xW), by
  /// input; "" where the size is a number.
  std::map<std::string, std::vector<std::string>> inputDimNames;
  /// Values for symbolic dimensions (`dim_param`), by name.
  std::map<std::string, int64_t> dimValues;
  /// Ranges of symbolic dimensions that stay symbolic, by name: MIN, MAX,
  /// OPT. They become the function's `ingot.dim_ranges`.
  std::map<std::string, std::array<int64_t, 3>> dimRanges;
  /// Ranging dims whose sizes are multiples of a number (image sides that a
  /// network divides by 32), by name.
  std::map<std::string, int64_t> dimMultiples;
  /// Name of the generated function.
  std::string functionName = "main";
};

/// Reads an ONNX model file and lowers its main graph to a `func.func` of
/// ingot ops. Errors (unreadable or malformed file, unsupported operators,
/// bad external data, contradicting shapes) are reported as diagnostics on
/// `context` and yield a null module.
OwningOpRef<ModuleOp> importOnnxModel(MLIRContext &context,
                                      const std::string &path,
                                      const ImportOptions &options);

/// Like importOnnxModel, from the serialized model in `bytes`; `path` names
/// it in diagnostics, and external data is looked up beside it.
OwningOpRef<ModuleOp> importOnnxModelFromBuffer(MLIRContext &context,
                                                llvm::StringRef bytes,
                                                const std::string &path,
                                                const ImportOptions &options);

/// The ONNX operator types the importer supports (default domain).
std::vector<std::string> supportedOnnxOps();

} // namespace mlir::ingot

#endif
