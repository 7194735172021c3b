//===- ingotc.cpp - The Ingot compiler driver -----------------------------===//
//
//   ingotc model.onnx -o model.ingot [--input-shape x:1x3x224x224]
//   ingotc model.onnx --emit=mlir|fused|host
//
// Imports an ONNX model, runs the front-end passes, fuses ops into regions,
// generates host C++ for them, compiles it with the system C++ compiler and
// packs plan, weights and code into one artifact.
//
//===----------------------------------------------------------------------===//
#include "codegen/ArtifactWriter.h"
#include "codegen/CudaBackend.h"
#include "codegen/HostBackend.h"
#include "codegen/HostToolchain.h"
#include "compiler/importer/OnnxImporter.h"
#include "compiler/tools/Calibration.h"
#include "dialects/ingot/IngotDialect.h"
#include "dialects/ingot/SymbolicShapes.h"
#include "passes/Passes.h"
#include "runtime/tools/Version.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace llvm;

namespace {
enum class EmitKind { Import, Mlir, Fused, Host, Cuda, Artifact };

cl::OptionCategory category("ingotc options");
cl::opt<std::string> inputPath(cl::Positional, cl::desc("<model.onnx>"),
                               cl::cat(category));
cl::opt<std::string> outputPath("o", cl::desc("Output file (default: stdout)"),
                                cl::value_desc("file"), cl::init("-"),
                                cl::cat(category));
cl::opt<EmitKind> emit(
    "emit", cl::desc("What to produce"), cl::init(EmitKind::Mlir),
    cl::values(clEnumValN(EmitKind::Import, "import",
                          "the ingot dialect straight from the importer"),
               clEnumValN(EmitKind::Mlir, "mlir",
                          "the ingot dialect after the front-end passes"),
               clEnumValN(EmitKind::Fused, "fused",
                          "the module after fusion (ingot.fusion regions)"),
               clEnumValN(EmitKind::Host, "host",
                          "the generated C++ of the host kernels"),
               clEnumValN(EmitKind::Cuda, "cuda",
                          "the generated CUDA C++ of the GPU kernels (the "
                          "source nvcc compiles for --target cuda)"),
               clEnumValN(EmitKind::Artifact, "artifact",
                          "the compiled .ingot artifact (default with -o)")),
    cl::cat(category));
cl::opt<std::string>
    target("target",
           cl::desc("Code generation target: cpu, or cuda[:sm_80,sm_90] "
                    "(SASS for each arch, PTX for the newest)"),
           cl::init("cpu"), cl::cat(category));
cl::opt<bool> tf32("tf32", cl::desc("The same as --precision=tf32"),
                   cl::cat(category));
cl::opt<std::string> precision(
    "precision",
    cl::desc("Compute precision: fp32 (default); tf32 (CUDA: FP32 tensors, "
             "TF32 tensor cores in GEMMs and convolutions); fp16 or bf16 "
             "(half-precision tensors and library calls, FP32 accumulation, "
             "sensitive ops kept in FP32)"),
    cl::init("fp32"), cl::cat(category));
cl::opt<std::string> ioPrecision(
    "io-precision",
    cl::desc("With fp16/bf16: 'model' keeps the model's input and output "
             "types (default), 'compute' makes f32 inputs and outputs "
             "half-precision too"),
    cl::init("model"), cl::cat(category));
cl::opt<std::string> layout(
    "layout",
    cl::desc("Activation layout of convolutions and pooling: auto (default: "
             "nhwc on cuda at fp16/bf16, nchw otherwise), nchw, or nhwc "
             "(channels-last; the model's inputs and outputs keep theirs)"),
    cl::init("auto"), cl::cat(category));
cl::opt<std::string> quantize(
    "quantize",
    cl::desc("Post-training quantization: none (default) or int8 (needs "
             "--calibration-data or --calibration-table)"),
    cl::init("none"), cl::cat(category));
cl::opt<std::string> calibrationData(
    "calibration-data",
    cl::desc("Calibration inputs for --quantize=int8: an .npz of each input's "
             "samples stacked along dim 0, or a folder of .npz files"),
    cl::cat(category));
cl::opt<std::string> calibrationMethod(
    "calibration",
    cl::desc("How activation ranges are chosen: minmax, percentile (default: "
             "99.99% of the values inside), entropy (KL divergence)"),
    cl::init("percentile"), cl::cat(category));
cl::opt<std::string> calibrationTable(
    "calibration-table",
    cl::desc("With --calibration-data: write the ranges to this file; "
             "without: read them from it"),
    cl::cat(category));
cl::opt<std::string> quantizeActivations(
    "quantize-activations",
    cl::desc("How --quantize=int8 quantizes activations: auto (default: "
             "asymmetric on the CPU, symmetric-windows on CUDA), symmetric "
             "(int8, zero point 0), symmetric-windows (symmetric for "
             "convolutions with a window or padding, which cuDNN runs; "
             "asymmetric for the others) or asymmetric (uint8)"),
    cl::init("auto"), cl::cat(category));
cl::list<std::string>
    quantizeSkip("quantize-skip", cl::CommaSeparated,
                 cl::desc("ONNX node names that stay in float"),
                 cl::cat(category));
cl::opt<bool> quantizeFloatEnds(
    "quantize-float-ends",
    cl::desc("Keep the first and the last quantizable op in float"),
    cl::cat(category));
cl::opt<bool> fuseAttention(
    "fuse-attention",
    cl::desc("Rewrite exported attention subgraphs to fused attention kernels "
             "and merge the q/k/v projections (default: on; "
             "--fuse-attention=false keeps the graph's own ops)"),
    cl::init(true), cl::cat(category));
cl::opt<std::string> march("march",
                           cl::desc("CPU architecture for host code (-march=), "
                                    "default: native"),
                           cl::init("native"), cl::cat(category));
// LLVM owns "-stats"; main() maps --stats to this option.
cl::opt<bool> printStats("ingot-stats",
                         cl::desc("Print kernel, memory and traffic figures "
                                  "(also: --stats)"),
                         cl::cat(category));
cl::opt<std::string> keepSource("keep-host-source",
                                cl::desc("Also write the generated C++ here"),
                                cl::value_desc("file"), cl::cat(category));
cl::list<std::string> inputShapes(
    "input-shape",
    cl::desc("Bind a model input's shape, e.g. x:1x3x640x640, or with "
             "named dims given by --dim, x:Nx3x48xW (repeatable)"),
    cl::value_desc("NAME:DIMS"), cl::cat(category));
cl::list<std::string>
    dimBindings("dim",
                cl::desc("Bind a symbolic dimension (a dim_param, or a name "
                         "in --input-shape) to a size, batch=1, or give it a "
                         "range, batch=1:32 (MIN:MAX[:OPT]; repeatable)"),
                cl::value_desc("NAME=VALUE|MIN:MAX[:OPT]"), cl::cat(category));
cl::list<std::string> dimMultiples(
    "dim-multiple",
    cl::desc("Declare that a ranging dimension's sizes are multiples of K, "
             "e.g. H=32 with --dim H=320:1280 (repeatable)"),
    cl::value_desc("NAME=K"), cl::cat(category));
cl::opt<bool> printWeights("print-weights",
                           cl::desc("Print weight blobs in full (elided by "
                                    "default)"),
                           cl::cat(category));
cl::opt<bool> listOps("list-ops",
                      cl::desc("List the supported ONNX operators and exit"),
                      cl::cat(category));

bool parseInt(StringRef text, int64_t &value) {
  return !text.trim().getAsInteger(10, value);
}

/// Parses NAME:DxDxD (or NAME:D,D,D) from the right-most ':' so input names
/// may contain colons.
LogicalResult parseInputShape(StringRef spec,
                              mlir::ingot::ImportOptions &opts) {
  size_t colon = spec.rfind(':');
  if (colon == StringRef::npos || colon == 0)
    return failure();
  StringRef name = spec.take_front(colon), dims = spec.drop_front(colon + 1);
  std::vector<int64_t> shape;
  if (!dims.empty() && dims != "scalar") {
    SmallVector<StringRef> parts;
    dims.split(parts, dims.contains(',') ? ',' : 'x');
    std::vector<std::string> dimNames;
    bool named = false;
    for (StringRef p : parts) {
      int64_t d;
      p = p.trim();
      if (parseInt(p, d)) {
        shape.push_back(d);
        dimNames.push_back("");
        continue;
      }
      // A symbolic dimension: a name with a --dim range or value.
      if (p.empty() || !(isalpha(p[0]) || p[0] == '_') ||
          !llvm::all_of(p, [](char c) { return isalnum(c) || c == '_'; }))
        return failure();
      shape.push_back(0);
      dimNames.push_back(p.str());
      named = true;
    }
    if (named)
      opts.inputDimNames[name.str()] = dimNames;
  }
  opts.inputShapes[name.str()] = shape;
  return success();
}

/// Diagnostics as `ingotc: error: node 'conv_1': message`.
void printDiagnostic(Diagnostic &diag) {
  raw_ostream &os = errs();
  os << "ingotc: ";
  switch (diag.getSeverity()) {
  case DiagnosticSeverity::Error:
    WithColor(os, HighlightColor::Error) << "error: ";
    break;
  case DiagnosticSeverity::Warning:
    WithColor(os, HighlightColor::Warning) << "warning: ";
    break;
  default:
    WithColor(os, HighlightColor::Note) << "note: ";
    break;
  }
  Location loc = diag.getLocation();
  if (auto name = dyn_cast<NameLoc>(loc))
    os << "node '" << name.getName().getValue() << "': ";
  os << diag.str() << "\n";
  for (Diagnostic &note : diag.getNotes())
    printDiagnostic(note);
}
} // namespace

/// The -o file, written whole or not at all: the output is collected in
/// memory, then written to a temporary file beside the path and renamed over
/// it (llvm::writeToOutput), so a killed or failing ingotc never leaves a
/// truncated artifact behind. "-" is stdout.
class OutputFile {
public:
  explicit OutputFile(std::string path) : path(std::move(path)) {}
  raw_ostream &os() { return stream; }
  /// Writes what was collected; on failure says why and exits.
  void keep() {
    if (path == "-") {
      outs() << buffer;
      outs().flush();
      return;
    }
    // A device, FIFO or /dev/stdout cannot be replaced by a rename, and
    // nothing is left half-written in a file there: write it directly.
    sys::fs::file_status status;
    if (!sys::fs::status(path, status) &&
        status.type() != sys::fs::file_type::regular_file &&
        status.type() != sys::fs::file_type::file_not_found) {
      std::error_code ec;
      raw_fd_ostream out(path, ec);
      if (!ec) {
        out << buffer;
        out.flush();
      }
      if (ec || out.has_error()) {
        errs() << "ingotc: error: cannot write '" << path
               << "': " << (ec ? ec.message() : out.error().message()) << "\n";
        std::exit(1);
      }
      return;
    }
    if (Error e = writeToOutput(path, [&](raw_ostream &out) {
          out << buffer;
          return Error::success();
        })) {
      errs() << "ingotc: error: cannot write '" << path
             << "': " << toString(std::move(e)) << "\n";
      std::exit(1);
    }
  }

private:
  std::string path, buffer;
  raw_string_ostream stream{buffer};
};

/// --quantize=int8: the calibration table ingot-quantize reads (calibrated
/// now from --calibration-data, or the user's --calibration-table) and the
/// ops that stay in float.
static bool
prepareQuantization(ModuleOp module,
                    mlir::ingot::codegen::LoweringOptions &lowering,
                    std::unique_ptr<llvm::FileRemover> &temporaryTable) {
  std::vector<std::string> quantizable;
  module->walk([&](Operation *op) {
    std::string name = mlir::ingot::quantizableNodeName(op);
    if (!name.empty())
      quantizable.push_back(name);
  });
  lowering.quantizeSkip.assign(quantizeSkip.begin(), quantizeSkip.end());
  if (quantizeFloatEnds && !quantizable.empty()) {
    lowering.quantizeSkip.push_back(quantizable.front());
    lowering.quantizeSkip.push_back(quantizable.back());
  }
  auto report = [&] {
    size_t skipped = 0;
    for (const std::string &name : quantizable)
      skipped += llvm::is_contained(lowering.quantizeSkip, name);
    errs() << "ingotc: quantizing " << quantizable.size() - skipped << " of "
           << quantizable.size() << " convolutions and matmuls to int8\n";
  };
  if (calibrationData.empty()) {
    lowering.calibrationTable = calibrationTable;
    report();
    return true;
  }
#ifndef INGOT_CALIBRATION
  errs() << "ingotc: error: this ingotc was built without calibration "
            "(INGOT_STATIC_COMPILER): use --calibration-table with ranges "
            "written by another ingotc\n";
  return false;
#else
  ::ingot::calibration::Options options;
  options.data = calibrationData;
  options.method = calibrationMethod;
  options.march = march;
  options.fuseAttention = fuseAttention;
  ::ingot::calibration::Ranges ranges;
  std::string error;
  if (!::ingot::calibration::calibrate(module, options, ranges, error)) {
    errs() << "ingotc: error: " << error << "\n";
    return false;
  }
  std::string table = calibrationTable;
  if (table.empty()) {
    llvm::SmallString<128> path;
    if (llvm::sys::fs::createTemporaryFile("ingotc-ranges", "txt", path)) {
      errs() << "ingotc: error: cannot create a temporary file\n";
      return false;
    }
    table = std::string(path.str());
    temporaryTable = std::make_unique<llvm::FileRemover>(table);
  }
  if (!::ingot::calibration::writeTable(table, ranges, calibrationMethod,
                                        error)) {
    errs() << "ingotc: error: " << error << "\n";
    return false;
  }
  lowering.calibrationTable = table;
  report();
  return true;
#endif
}

/// --stats: what the plan runs and how much memory it touches. The counts
/// are those of `ingot-run --info` and INGOT_PROFILE: on CUDA, library
/// regions become cuBLASLt/cuDNN calls, with a generated kernel only for an
/// epilogue they cannot fold.
/// " (N distinct)" when steps share kernels, for the compile messages.
static std::string distinctNote(unsigned kernels, unsigned distinct) {
  if (distinct >= kernels)
    return "";
  return " (" + std::to_string(distinct) + " distinct)";
}

/// Quantized layers that run in float (the model's quantization is kept
/// around them), grouped by why, with a few node names each.
static void printFloatLayers(const mlir::ingot::codegen::ExecutionPlan &plan) {
  if (plan.floatLayers.empty())
    return;
  errs() << "quantized in float: " << plan.floatLayers.size() << " (layers "
         << "with 8-bit operands that run in " << plan.precision << ")\n";
  std::vector<std::string> reasons;
  for (const auto &[node, why] : plan.floatLayers)
    if (std::find(reasons.begin(), reasons.end(), why) == reasons.end())
      reasons.push_back(why);
  for (const std::string &why : reasons) {
    std::vector<std::string> nodes;
    for (const auto &[node, reason] : plan.floatLayers)
      if (reason == why)
        nodes.push_back(node.empty() ? "(unnamed)" : node);
    errs() << "  " << nodes.size() << " " << why << ": ";
    for (size_t i = 0; i < nodes.size() && i < 4; ++i)
      errs() << (i ? ", " : "") << nodes[i];
    if (nodes.size() > 4)
      errs() << ", ...";
    errs() << "\n";
  }
}

static void printPlanStats(const mlir::ingot::codegen::ExecutionPlan &plan) {
  errs() << "precision:          " << plan.precision << "\n"
         << "generated kernels:  " << plan.kernels << "\n"
         << "library calls:      " << plan.libraryCalls << "\n"
         << "launches:           " << plan.kernels + plan.libraryCalls
         << " (generated kernels + library calls)\n";
  std::vector<unsigned> layers =
      mlir::ingot::codegen::launchesBetweenAttention(plan);
  if (!layers.empty()) {
    auto [low, high] = std::minmax_element(layers.begin(), layers.end());
    errs() << "launches per layer: " << *low;
    if (*high != *low)
      errs() << "-" << *high;
    errs() << " (from one attention kernel to the next, over "
           << layers.size() + 1 << " attention layers)\n";
  }
  errs() << "transposes:         " << plan.transposes
         << " (kernels that only change layout)\n"
         << "qdq kernels:        " << plan.qdqKernels
         << " (kernels that quantize or dequantize)\n"
         << "int8 library calls: " << plan.integerLibraryCalls
         << " (convolutions in 8-bit integers, int32 sums)\n"
         << "lookup tables:      " << plan.lookupTables
         << " (requantizing chains computed at compile time)\n";
  printFloatLayers(plan);
  errs() << "arena bytes:        " << plan.arenaBytes << "\n"
         << "intermediate bytes: " << plan.intermediateBytes
         << " (sum of all intermediates, no reuse)\n"
         << "weight bytes:       " << plan.weights.size() << "\n"
         << "bytes accessed:     " << plan.bytesAccessed
         << " (read + written by all kernels)\n";
  // A range of shapes: the byte figures above are at the largest sizes
  // (the runtime plans the arena of each shape it is called with).
  if (const mlir::ingot::SymbolicShapes *shapes = plan.shapes.get()) {
    errs() << "symbolic dims:      ";
    for (size_t i = 0; i < shapes->names.size(); ++i)
      errs() << (i ? ", " : "") << shapes->names[i] << " "
             << shapes->ranges[i].min << ":" << shapes->ranges[i].max;
    errs() << " (byte figures at the largest sizes)\n";
  }
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  std::vector<char *> args(argv, argv + argc);
  static char statsFlag[] = "--ingot-stats";
  for (char *&a : args)
    if (StringRef(a) == "--stats" || StringRef(a) == "-stats")
      a = statsFlag;
  argc = static_cast<int>(args.size());
  argv = args.data();
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  cl::HideUnrelatedOptions({&category, &getColorCategory()});
  // Ingot's own version, not LLVM's (which would say nothing about Ingot).
  cl::SetVersionPrinter([](raw_ostream &os) {
    os << ::ingot::tools::versionText("ingotc")
       << "  MLIR/LLVM version:       " << LLVM_VERSION_STRING << "\n";
  });
  cl::ParseCommandLineOptions(
      argc, argv,
      "Ingot: an ahead-of-time compiler for ONNX models\n\n"
      "  ingotc model.onnx --emit=mlir --input-shape x:1x3x224x224\n");

  if (listOps) {
    for (const std::string &op : mlir::ingot::supportedOnnxOps())
      outs() << op << "\n";
    return 0;
  }
  if (inputPath.empty()) {
    errs() << "ingotc: error: no input model (see --help)\n";
    return 2;
  }

  mlir::ingot::ImportOptions options;
  for (const std::string &spec : inputShapes)
    if (failed(parseInputShape(spec, options))) {
      errs() << "ingotc: error: bad --input-shape '" << spec
             << "' (expected NAME:DIMS such as x:1x3x224x224)\n";
      return 2;
    }
  for (const std::string &spec : dimBindings) {
    auto [name, value] = StringRef(spec).split('=');
    SmallVector<StringRef> fields;
    value.split(fields, ':');
    SmallVector<int64_t> numbers;
    for (StringRef f : fields) {
      int64_t v;
      if (!parseInt(f, v) || v <= 0)
        break;
      numbers.push_back(v);
    }
    bool range = numbers.size() == 2 || numbers.size() == 3;
    if (range && numbers[1] > mlir::ingot::kMaxSymbolicDim) {
      errs() << "ingotc: error: --dim " << name << ": a range ends at "
             << mlir::ingot::kMaxSymbolicDim << " at most\n";
      return 2;
    }
    if (name.empty() || numbers.size() != fields.size() ||
        !(numbers.size() == 1 || range) ||
        (range && (numbers[0] > numbers[1] ||
                   (numbers.size() == 3 &&
                    (numbers[2] < numbers[0] || numbers[2] > numbers[1]))))) {
      errs() << "ingotc: error: bad --dim '" << spec
             << "' (expected NAME=VALUE with VALUE > 0, or NAME=MIN:MAX[:OPT] "
                "with 0 < MIN <= OPT <= MAX)\n";
      return 2;
    }
    if (options.dimRanges.count(name.str()) ||
        options.dimValues.count(name.str())) {
      errs() << "ingotc: error: --dim " << name << " is given more than once\n";
      return 2;
    }
    if (range)
      options.dimRanges[name.str()] = {numbers[0], numbers[1],
                                       numbers.size() == 3 ? numbers[2]
                                                           : numbers[1]};
    else
      options.dimValues[name.str()] = numbers[0];
  }
  for (const std::string &spec : dimMultiples) {
    auto [name, value] = StringRef(spec).split('=');
    int64_t k;
    auto range = options.dimRanges.find(name.str());
    if (name.empty() || !parseInt(value, k) || k < 1) {
      errs() << "ingotc: error: bad --dim-multiple '" << spec
             << "' (expected NAME=K with K > 0)\n";
      return 2;
    }
    if (range == options.dimRanges.end()) {
      errs() << "ingotc: error: --dim-multiple " << name
             << " needs a range (--dim " << name << "=MIN:MAX)\n";
      return 2;
    }
    auto [min, max, opt] = range->second;
    if (min % k || max % k || opt % k) {
      errs() << "ingotc: error: --dim-multiple " << spec << ": the range "
             << min << ":" << max << ":" << opt << " must be multiples of " << k
             << "\n";
      return 2;
    }
    options.dimMultiples[name.str()] = k;
  }

  DialectRegistry registry;
  registry.insert<mlir::ingot::IngotDialect, func::FuncDialect>();
  MLIRContext context(registry);
  bool hadError = false;
  context.getDiagEngine().registerHandler([&](Diagnostic &diag) {
    hadError |= diag.getSeverity() == DiagnosticSeverity::Error;
    printDiagnostic(diag);
  });

  OwningOpRef<ModuleOp> module =
      mlir::ingot::importOnnxModel(context, inputPath, options);
  if (!module) {
    if (!hadError)
      errs() << "ingotc: error: import failed\n";
    return 1;
  }

  EmitKind kind = emit;
  if (!emit.getNumOccurrences() && outputPath != "-")
    kind = EmitKind::Artifact;
  std::vector<std::string> cudaArchs;
  bool cuda = StringRef(target).starts_with("cuda");
  if (cuda) {
    StringRef archList = StringRef(target).drop_front(4);
    if (archList.consume_front(":")) {
      SmallVector<StringRef> parts;
      archList.split(parts, ',');
      for (StringRef a : parts) {
        unsigned number;
        if (!a.starts_with("sm_") || a.drop_front(3).getAsInteger(10, number)) {
          errs() << "ingotc: error: bad CUDA arch '" << a
                 << "' (expected sm_NN)\n";
          return 2;
        }
        cudaArchs.push_back(a.str());
      }
    } else if (!archList.empty()) {
      errs() << "ingotc: error: unknown --target '" << target << "'\n";
      return 2;
    } else {
      cudaArchs = {"sm_80", "sm_90"};
    }
    llvm::sort(cudaArchs);
  } else if (target != "cpu") {
    errs() << "ingotc: error: unknown --target '" << target
           << "' (supported: cpu, cuda[:sm_XX,...])\n";
    return 2;
  }

  if (!llvm::is_contained({"fp32", "tf32", "fp16", "bf16"},
                          precision.getValue())) {
    errs() << "ingotc: error: unknown --precision '" << precision
           << "' (supported: fp32, tf32, fp16, bf16)\n";
    return 2;
  }
  if (ioPrecision != "model" && ioPrecision != "compute") {
    errs() << "ingotc: error: unknown --io-precision '" << ioPrecision
           << "' (supported: model, compute)\n";
    return 2;
  }
  if (!llvm::is_contained({"auto", "nchw", "nhwc"}, layout.getValue())) {
    errs() << "ingotc: error: unknown --layout '" << layout
           << "' (supported: auto, nchw, nhwc)\n";
    return 2;
  }
  if (quantize != "none" && quantize != "int8") {
    errs() << "ingotc: error: unknown --quantize '" << quantize
           << "' (supported: none, int8)\n";
    return 2;
  }
  if (quantize == "int8" && calibrationData.empty() &&
      calibrationTable.empty()) {
    errs() << "ingotc: error: --quantize=int8 needs --calibration-data "
              "(samples to calibrate on) or --calibration-table (ranges)\n";
    return 2;
  }
  if (!llvm::is_contained(
          {"auto", "symmetric", "symmetric-windows", "asymmetric"},
          quantizeActivations.getValue())) {
    errs() << "ingotc: error: unknown --quantize-activations '"
           << quantizeActivations
           << "' (supported: auto, symmetric, symmetric-windows, "
              "asymmetric)\n";
    return 2;
  }
  if (tf32 && precision.getNumOccurrences() && precision != "tf32") {
    errs() << "ingotc: error: --tf32 contradicts --precision=" << precision
           << "\n";
    return 2;
  }

  if (kind != EmitKind::Import) {
    // Require a fully static module exactly when every input is bound, and
    // always when compiling.
    mlir::ingot::FrontendPipelineOptions pipelineOptions;
    pipelineOptions.requireStatic = true;
    // With --dim ranges, the dims named by a range stay symbolic: the front
    // end infers every size from them (--emit=mlir shows them as
    // `ingot.sizes`), and its errors name any other dynamic dim.
    bool symbolic = false;
    module->walk([&](func::FuncOp func) {
      if (mlir::ingot::hasSymbolicDims(func)) {
        symbolic = true;
        pipelineOptions.requireStatic = false;
        pipelineOptions.annotateSymbolicShapes = kind == EmitKind::Mlir;
        return;
      }
      for (BlockArgument arg : func.getArguments()) {
        auto type = dyn_cast<ShapedType>(arg.getType());
        if (type && !type.hasStaticShape()) {
          pipelineOptions.requireStatic = false;
          auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                        "ingot.name");
          errs() << "ingotc: " << (kind == EmitKind::Mlir ? "note" : "error")
                 << ": input '" << (name ? name.getValue() : StringRef("?"))
                 << "' has type " << arg.getType()
                 << "; bind it with --input-shape or --dim for a fully "
                    "static module\n";
        }
      }
    });
    if (!pipelineOptions.requireStatic && !symbolic && kind != EmitKind::Mlir)
      return 1;
    PassManager pm(&context);
    if (failed(applyPassManagerCLOptions(pm)))
      return 1;
    mlir::ingot::buildFrontendPipeline(pm, pipelineOptions);
    mlir::ingot::codegen::LoweringOptions lowering;
    lowering.fuseAttention = fuseAttention;
    lowering.quantizeActivations = quantizeActivations;
    std::unique_ptr<llvm::FileRemover> temporaryTable;
    // Calibration runs the front end's output: with --quantize, that runs
    // first and the lowering in a pass manager of its own.
    PassManager quantizedLowering(&context);
    PassManager *lowerWith = &pm;
    if (kind != EmitKind::Mlir && quantize == "int8") {
      if (failed(pm.run(*module)) ||
          failed(applyPassManagerCLOptions(quantizedLowering)) ||
          !prepareQuantization(*module, lowering, temporaryTable))
        return 1;
      lowerWith = &quantizedLowering;
    }
    if (kind != EmitKind::Mlir) {
      lowering.precision = tf32 ? "tf32" : precision.getValue();
      lowering.ioPrecision = ioPrecision;
      lowering.layout = layout;
      // --emit=cuda prints the kernels of the CUDA plan, so it lowers
      // for CUDA as --target cuda does.
      lowering.target = cuda || kind == EmitKind::Cuda ? "cuda" : "host";
      mlir::ingot::codegen::buildHostLoweringPipeline(*lowerWith, lowering);
    }
    if (failed(lowerWith->run(*module)))
      return 1;
  }

  std::string error;
  auto output = std::make_unique<OutputFile>(outputPath);
  if (kind == EmitKind::Cuda) {
    auto func = *module->getOps<func::FuncOp>().begin();
    FailureOr<mlir::ingot::codegen::ExecutionPlan> plan =
        mlir::ingot::codegen::buildExecutionPlan(func);
    std::string source;
    if (failed(plan) ||
        failed(mlir::ingot::codegen::lowerPlanForCuda(*plan, source)))
      return 1;
    output->os() << source;
    output->keep();
    return 0;
  }
  if (cuda && kind == EmitKind::Artifact) {
    auto func = *module->getOps<func::FuncOp>().begin();
    FailureOr<mlir::ingot::codegen::ExecutionPlan> plan =
        mlir::ingot::codegen::buildExecutionPlan(func);
    std::string source;
    if (failed(plan) ||
        failed(mlir::ingot::codegen::lowerPlanForCuda(*plan, source)))
      return 1;
    plan->allowTF32 = tf32 || precision == "tf32";
    plan->precision = tf32 ? "tf32" : precision.getValue();
    plan->cudaArchs = cudaArchs;
    if (printStats)
      printPlanStats(*plan);
    errs() << "ingotc: compiling " << plan->kernels << " kernels"
           << distinctNote(plan->kernels, plan->distinctKernels)
           << " with nvcc for " << llvm::join(cudaArchs, ", ") << "\n";
    std::vector<char> fatbin;
    if (!mlir::ingot::codegen::compileCudaSource(source, cudaArchs, fatbin,
                                                 error)) {
      errs() << "ingotc: error: " << error << "\n";
      return 1;
    }
    std::vector<uint8_t> image = mlir::ingot::codegen::buildArtifact(
        *plan, fatbin, ::ingot::tools::producerString("ingotc"));
    output->os().write(reinterpret_cast<const char *>(image.data()),
                       image.size());
    output->keep();
    errs() << "ingotc: wrote " << outputPath << " (" << image.size()
           << " bytes)\n";
    return 0;
  }
  if (kind == EmitKind::Host || kind == EmitKind::Artifact) {
    auto func = *module->getOps<func::FuncOp>().begin();
    mlir::ingot::codegen::ExecutionPlan plan;
    std::string source;
    if (failed(mlir::ingot::codegen::generateHost(func, plan, source)))
      return 1;
    // TF32 is a GPU library setting: the CPU computes FP32.
    plan.precision =
        tf32 || precision == "tf32" ? "fp32" : precision.getValue();
    if (printStats)
      printPlanStats(plan);
    if (kind == EmitKind::Host) {
      output->os() << source;
      output->keep();
      return 0;
    }
    // On the CPU a library region is host code too (the Eigen call and
    // its epilogue).
    errs() << "ingotc: compiling " << plan.kernels << " kernels and "
           << plan.libraryCalls << " library regions"
           << distinctNote(plan.kernels + plan.libraryCalls,
                           plan.distinctKernels)
           << " with the host C++ compiler\n";
    mlir::ingot::codegen::HostToolchainOptions toolchain;
    toolchain.march = march;
    toolchain.keepSourceAs = keepSource;
    std::vector<char> object;
    if (!mlir::ingot::codegen::hostCpuFeatures(toolchain, plan.hostCpuFeatures,
                                               error) ||
        !mlir::ingot::codegen::compileHostSource(source, toolchain, object,
                                                 error)) {
      errs() << "ingotc: error: " << error << "\n";
      return 1;
    }
    std::vector<uint8_t> image = mlir::ingot::codegen::buildArtifact(
        plan, object, ::ingot::tools::producerString("ingotc"));
    output->os().write(reinterpret_cast<const char *>(image.data()),
                       image.size());
    output->keep();
    errs() << "ingotc: wrote " << outputPath << " (" << image.size()
           << " bytes)\n";
    return 0;
  }
  OpPrintingFlags flags;
  if (!printWeights)
    flags.elideLargeResourceString(64);
  module->print(output->os(), flags);
  output->keep();
  return 0;
}
