//===- FuzzOnnxImport.cpp - Fuzz target: the ONNX importer ----------------===//
//
// The input is a serialized ONNX ModelProto, imported with no input shapes
// bound (the most permissive configuration: unranked and dynamic inputs reach
// every op's shape inference). Diagnostics are expected and discarded; a
// crash, sanitizer report or an imported module that fails to verify (the
// importer verifies before returning it) is a finding.
//
//===----------------------------------------------------------------------===//
#include "compiler/importer/OnnxImporter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <google/protobuf/stubs/logging.h>

#include <memory>

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  // Protobuf logs every string field that is not UTF-8; mutants have many.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A context keeps every uniqued type, attribute and weight blob it ever
  // saw, so one shared by the whole run would grow without bound; a fresh
  // one per input costs as much as a small import (loading the dialect).
  // So a context serves 256 inputs. (Imports do not depend on what a context
  // holds, so a finding still replays from its input alone.)
  static std::unique_ptr<mlir::MLIRContext> context;
  static unsigned uses = 0;
  if (!context || ++uses % 256 == 0) {
    context = std::make_unique<mlir::MLIRContext>(
        mlir::MLIRContext::Threading::DISABLED);
    context->getDiagEngine().registerHandler(
        [](mlir::Diagnostic &) { return mlir::success(); });
  }
  // External data resolves beside this path, in a folder that does not exist
  // (locations that are absolute or leave the folder are rejected), so a
  // fuzzed model cannot read files of the machine.
  mlir::ingot::ImportOptions options;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::ingot::importOnnxModelFromBuffer(
          *context, llvm::StringRef(reinterpret_cast<const char *>(data), size),
          "/nonexistent/ingot-fuzz/model.onnx", options);
  return 0;
}
