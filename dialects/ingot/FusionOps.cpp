//===- FusionOps.cpp - ingot.fusion and ingot.yield -----------------------===//
#include "dialects/ingot/IngotOps.h"

#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::ingot;

void FusionOp::build(OpBuilder &builder, OperationState &state,
                     TypeRange resultTypes, StringRef kind, ValueRange inputs) {
  state.addOperands(inputs);
  state.addTypes(resultTypes);
  state.getOrAddProperties<Properties>().kind = builder.getStringAttr(kind);
  Region *region = state.addRegion();
  Block *block = new Block();
  region->push_back(block);
  for (Value input : inputs)
    block->addArgument(input.getType(), input.getLoc());
}

Operation *FusionOp::getRoot() {
  auto yield = cast<YieldOp>(getBlock().getTerminator());
  if (yield.getValues().empty())
    return nullptr;
  return yield.getValues().front().getDefiningOp();
}

LogicalResult FusionOp::verify() {
  StringRef kind = getKind();
  if (kind != "loop" && kind != "reduction" && kind != "library" &&
      kind != "attention" && kind != "stitch")
    return emitOpError("kind must be loop, reduction, stitch, library or "
                       "attention, got '")
           << kind << "'";
  Block &block = getBlock();
  if (block.getNumArguments() != getInputs().size())
    return emitOpError("has ")
           << block.getNumArguments() << " block arguments for "
           << getInputs().size() << " inputs";
  for (auto [arg, input] : llvm::zip(block.getArguments(), getInputs()))
    if (arg.getType() != input.getType())
      return emitOpError("block argument type ")
             << arg.getType() << " differs from input type " << input.getType();
  auto yield = cast<YieldOp>(block.getTerminator());
  if (TypeRange(yield.getValues().getTypes()) != getResultTypes())
    return emitOpError("yields ") << yield.getValues().getTypes()
                                  << " but returns " << getResultTypes();
  return success();
}

// ingot.fusion "loop" (%a, %b) : (T, T) -> T { ^bb0(...): ... }
ParseResult FusionOp::parse(OpAsmParser &parser, OperationState &result) {
  std::string kind;
  SmallVector<OpAsmParser::UnresolvedOperand> operands;
  FunctionType type;
  if (parser.parseString(&kind) ||
      parser.parseOperandList(operands, OpAsmParser::Delimiter::Paren) ||
      parser.parseOptionalAttrDict(result.attributes) || parser.parseColon() ||
      parser.parseType(type) ||
      parser.resolveOperands(operands, type.getInputs(), parser.getNameLoc(),
                             result.operands))
    return failure();
  result.addTypes(type.getResults());
  result.getOrAddProperties<Properties>().kind =
      parser.getBuilder().getStringAttr(kind);
  Region *body = result.addRegion();
  if (parser.parseRegion(*body, /*arguments=*/{}))
    return failure();
  ensureTerminator(*body, parser.getBuilder(), result.location);
  return success();
}

void FusionOp::print(OpAsmPrinter &p) {
  p << " \"" << getKind() << "\" (" << getInputs() << ")";
  p.printOptionalAttrDict((*this)->getAttrs(), /*elidedAttrs=*/{"kind"});
  p << " : ";
  p.printFunctionalType(getInputs().getTypes(), getResultTypes());
  p << " ";
  p.printRegion(getBody(), /*printEntryBlockArgs=*/true,
                /*printBlockTerminators=*/true);
}
