//===- IngotDialect.cpp - Dialect registration and constant materializer --===//
#include "dialects/ingot/IngotDialect.h"
#include "dialects/ingot/IngotOps.h"

using namespace mlir;
using namespace mlir::ingot;

#include "dialects/ingot/IngotDialect.cpp.inc"

// The op classes are defined in the shards CMakeLists.txt generates
// (IngotOpsShard<i>.cpp), each registering its own.
void IngotDialect::initialize() { registerIngotDialectOperations(this); }

Operation *IngotDialect::materializeConstant(OpBuilder &builder,
                                             Attribute value, Type type,
                                             Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, type, elements);
}
