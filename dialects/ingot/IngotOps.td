//===- IngotOps.td - All Ingot ops ----------------------------*- tablegen -*-===//
#ifndef INGOT_OPS_TD
#define INGOT_OPS_TD

include "IngotBase.td"
include "ElementwiseOps.td"
include "NNOps.td"
include "ShapeOps.td"
include "FusionOps.td"

#endif // INGOT_OPS_TD
