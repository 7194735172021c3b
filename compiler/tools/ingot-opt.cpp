//===- ingot-opt.cpp - mlir-opt with Ingot's dialects and passes ----------===//
#include "dialects/ingot/IngotDialect.h"
#include "passes/Passes.h"
#include "runtime/tools/Version.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"

int main(int argc, char **argv) {
  mlir::registerTransformsPasses(); // canonicalize, cse, ...
  mlir::ingot::registerIngotPassesAndPipelines();
  // --version: Ingot's version and the MLIR it was built with.
  llvm::cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << ingot::tools::versionText("ingot-opt")
       << "  MLIR/LLVM version:       " << LLVM_VERSION_STRING << "\n";
  });
  mlir::DialectRegistry registry;
  registry.insert<mlir::ingot::IngotDialect, mlir::func::FuncDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Ingot optimizer driver\n", registry));
}
