//===- IngotDialect.cpp - Dialect registration and constant materializer --===//
#include "dialects/ingot/IngotDialect.h"
#include "dialects/ingot/IngotOps.h"

using namespace mlir;
using namespace mlir::ingot;

#include "dialects/ingot/IngotDialect.cpp.inc"

void IngotDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/ingot/IngotOps.cpp.inc"
      >();
}

Operation *IngotDialect::materializeConstant(OpBuilder &builder,
                                             Attribute value, Type type,
                                             Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, type, elements);
}

#define GET_OP_CLASSES
#include "dialects/ingot/IngotOps.cpp.inc"
