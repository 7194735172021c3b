//===- Calibration.h - Activation ranges for post-training quantization ---===//
//
// ingotc --quantize=int8: the FP32 model, with the activation inputs of its
// quantizable ops (ingot::quantizableNodeName) as extra outputs, is compiled
// for the CPU and run by Ingot's own runtime on the calibration samples; the
// ranges it records become the calibration table ingot-quantize reads.
//
//===----------------------------------------------------------------------===//
#ifndef INGOT_COMPILER_TOOLS_CALIBRATION_H
#define INGOT_COMPILER_TOOLS_CALIBRATION_H

#include "mlir/IR/BuiltinOps.h"

#include <map>
#include <string>
#include <utility>

namespace ingot::calibration {

/// Node name -> [min, max] of its activation input.
using Ranges = std::map<std::string, std::pair<double, double>>;

struct Options {
  /// An .npz of inputs stacked along dim 0, or a folder of .npz files.
  std::string data;
  /// minmax, percentile (99.99% of the values inside) or entropy (the
  /// clipping threshold that minimizes the KL divergence to 128 levels).
  std::string method = "percentile";
  std::string march = "native";
  /// The lowering's: the table names the ops the compile will quantize.
  bool fuseAttention = true;
};

/// Calibrates `module` (the front end's static output; left unchanged).
/// Prints progress to stderr; on failure, returns false with `error` set.
bool calibrate(mlir::ModuleOp module, const Options &options, Ranges &ranges,
               std::string &error);

/// The table format ingot-quantize reads: NODE MIN MAX lines.
bool writeTable(const std::string &path, const Ranges &ranges,
                const std::string &method, std::string &error);

} // namespace ingot::calibration

#endif
