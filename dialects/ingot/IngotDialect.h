//===- IngotDialect.h - The ingot dialect ---------------------------------===//
#ifndef INGOT_DIALECTS_INGOT_INGOTDIALECT_H
#define INGOT_DIALECTS_INGOT_INGOTDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialects/ingot/IngotDialect.h.inc"

#endif
