//===- TensorImport.cpp - ONNX TensorProto -> elements attributes ---------===//
#include "compiler/importer/ImportContext.h"
#include "dialects/ingot/TensorSizes.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstring>

using namespace mlir;
using namespace mlir::ingot;
using namespace mlir::ingot::importer;

/// Tensors with at most this many elements stay inline (`dense<...>`), where
/// folding and FileCheck can see them; larger ones become blobs.
static constexpr int64_t kInlineElementLimit = 16;

Type importer::convertElementType(MLIRContext *ctx, int32_t onnxType) {
  Builder b(ctx);
  switch (onnxType) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  case onnx::TensorProto::INT8:
    return b.getI8Type();
  case onnx::TensorProto::INT16:
    return b.getI16Type();
  case onnx::TensorProto::INT32:
    return b.getI32Type();
  case onnx::TensorProto::INT64:
    return b.getI64Type();
  case onnx::TensorProto::UINT8:
    return b.getIntegerType(8, /*isSigned=*/false);
  case onnx::TensorProto::UINT16:
    return b.getIntegerType(16, false);
  case onnx::TensorProto::UINT32:
    return b.getIntegerType(32, false);
  case onnx::TensorProto::UINT64:
    return b.getIntegerType(64, false);
  default:
    return {};
  }
}

const char *importer::onnxTypeName(int32_t onnxType) {
  switch (onnxType) {
  case onnx::TensorProto::UNDEFINED:
    return "UNDEFINED";
  case onnx::TensorProto::FLOAT:
    return "FLOAT";
  case onnx::TensorProto::UINT8:
    return "UINT8";
  case onnx::TensorProto::INT8:
    return "INT8";
  case onnx::TensorProto::UINT16:
    return "UINT16";
  case onnx::TensorProto::INT16:
    return "INT16";
  case onnx::TensorProto::INT32:
    return "INT32";
  case onnx::TensorProto::INT64:
    return "INT64";
  case onnx::TensorProto::STRING:
    return "STRING";
  case onnx::TensorProto::BOOL:
    return "BOOL";
  case onnx::TensorProto::FLOAT16:
    return "FLOAT16";
  case onnx::TensorProto::DOUBLE:
    return "DOUBLE";
  case onnx::TensorProto::UINT32:
    return "UINT32";
  case onnx::TensorProto::UINT64:
    return "UINT64";
  case onnx::TensorProto::COMPLEX64:
    return "COMPLEX64";
  case onnx::TensorProto::COMPLEX128:
    return "COMPLEX128";
  case onnx::TensorProto::BFLOAT16:
    return "BFLOAT16";
  // The 8-, 4- and 2-bit formats of opsets 19 to 23, by their codes (the
  // bundled onnx.proto predates some of them).
  case 17:
    return "FLOAT8E4M3FN";
  case 18:
    return "FLOAT8E4M3FNUZ";
  case 19:
    return "FLOAT8E5M2";
  case 20:
    return "FLOAT8E5M2FNUZ";
  case 21:
    return "UINT4";
  case 22:
    return "INT4";
  case 23:
    return "FLOAT4E2M1";
  case 24:
    return "FLOAT8E8M0";
  case 25:
    return "UINT2";
  case 26:
    return "INT2";
  default:
    return "an unknown type code";
  }
}

/// Reads `[offset, offset + length)` of an external data file, refusing any
/// location that leaves the model's folder.
static FailureOr<std::vector<char>>
readExternalData(const onnx::TensorProto &tensor, Location loc,
                 const std::string &modelDir, int64_t expectedBytes) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const onnx::StringStringEntryProto &entry : tensor.external_data()) {
    if (entry.key() == "location")
      location = entry.value();
    else if (entry.key() == "offset" || entry.key() == "length") {
      char *end = nullptr;
      long long v = std::strtoll(entry.value().c_str(), &end, 10);
      if (entry.value().empty() || *end != '\0' || v < 0)
        return emitError(loc) << "tensor '" << tensor.name()
                              << "': external data " << entry.key() << " '"
                              << entry.value() << "' is not a valid number";
      (entry.key() == "offset" ? offset : length) = v;
    }
  }
  if (location.empty())
    return emitError(loc) << "tensor '" << tensor.name()
                          << "' has external data without a location";
  if (llvm::sys::path::is_absolute(location))
    return emitError(loc) << "tensor '" << tensor.name()
                          << "': external data location '" << location
                          << "' is an absolute path; it must be relative to "
                             "the model's folder";
  for (auto it = llvm::sys::path::begin(location),
            e = llvm::sys::path::end(location);
       it != e; ++it)
    if (*it == "..")
      return emitError(loc)
             << "tensor '" << tensor.name() << "': external data location '"
             << location << "' leaves the model's folder ('..')";
  SmallString<256> full(modelDir);
  llvm::sys::path::append(full, location);
  // Links may point anywhere: compare real paths.
  SmallString<256> realDir, realFile;
  if (llvm::sys::fs::real_path(modelDir, realDir) ||
      llvm::sys::fs::real_path(full, realFile))
    return emitError(loc) << "tensor '" << tensor.name()
                          << "': external data file '" << full.str()
                          << "' does not exist";
  StringRef fileRef = realFile.str(), dirRef = realDir.str();
  if (!fileRef.starts_with(dirRef) ||
      (fileRef.size() > dirRef.size() &&
       !llvm::sys::path::is_separator(fileRef[dirRef.size()])))
    return emitError(loc) << "tensor '" << tensor.name()
                          << "': external data file '" << location
                          << "' resolves to '" << fileRef
                          << "', outside the model's folder";
  // Only regular files: a FIFO would block the compiler forever, a device
  // such as /dev/zero never ends, a directory cannot be read.
  llvm::sys::fs::file_status status;
  if (llvm::sys::fs::status(realFile, status) ||
      status.type() != llvm::sys::fs::file_type::regular_file)
    return emitError(loc) << "tensor '" << tensor.name() << "': external data '"
                          << location << "' is not a regular file";
  uint64_t fileSize = status.getSize();
  if (length < 0)
    length = expectedBytes;
  if (length != expectedBytes)
    return emitError(loc) << "tensor '" << tensor.name()
                          << "': external data length " << length
                          << " does not match the tensor's " << expectedBytes
                          << " bytes";
  // Compared without adding, so a huge offset cannot wrap around.
  if (static_cast<uint64_t>(offset) > fileSize ||
      static_cast<uint64_t>(length) > fileSize - offset)
    return emitError(loc) << "tensor '" << tensor.name() << "': cannot read "
                          << length << " bytes at offset " << offset
                          << " from '" << location << "' (" << fileSize
                          << " bytes)";
  auto buffer = llvm::MemoryBuffer::getFileSlice(realFile, length, offset,
                                                 /*IsVolatile=*/false);
  if (!buffer)
    return emitError(loc) << "tensor '" << tensor.name() << "': cannot read '"
                          << location << "': " << buffer.getError().message();
  return std::vector<char>((*buffer)->getBufferStart(),
                           (*buffer)->getBufferEnd());
}

/// Packs the typed repeated fields of a TensorProto into raw little-endian
/// bytes of `element`'s storage.
static std::vector<char> packTypedFields(const onnx::TensorProto &t,
                                         Type element, int64_t count) {
  int64_t bytes = elementStorageBytes(element);
  std::vector<char> out(count * bytes);
  auto put = [&](int64_t i, uint64_t bits) {
    std::memcpy(out.data() + i * bytes, &bits, bytes);
  };
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT:
    for (int64_t i = 0; i < count && i < t.float_data_size(); ++i) {
      float v = t.float_data(i);
      std::memcpy(out.data() + i * 4, &v, 4);
    }
    break;
  case onnx::TensorProto::DOUBLE:
    for (int64_t i = 0; i < count && i < t.double_data_size(); ++i) {
      double v = t.double_data(i);
      std::memcpy(out.data() + i * 8, &v, 8);
    }
    break;
  case onnx::TensorProto::INT64:
    for (int64_t i = 0; i < count && i < t.int64_data_size(); ++i)
      put(i, static_cast<uint64_t>(t.int64_data(i)));
    break;
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64:
    for (int64_t i = 0; i < count && i < t.uint64_data_size(); ++i)
      put(i, t.uint64_data(i));
    break;
  default: // int32_data carries everything 32 bits or narrower, as bits.
    for (int64_t i = 0; i < count && i < t.int32_data_size(); ++i)
      put(i, static_cast<uint64_t>(static_cast<uint32_t>(t.int32_data(i))));
    break;
  }
  return out;
}

static int64_t typedFieldCount(const onnx::TensorProto &t) {
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT:
    return t.float_data_size();
  case onnx::TensorProto::DOUBLE:
    return t.double_data_size();
  case onnx::TensorProto::INT64:
    return t.int64_data_size();
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64:
    return t.uint64_data_size();
  default:
    return t.int32_data_size();
  }
}

static std::string sanitizeBlobName(StringRef name) {
  std::string out = "onnx_";
  for (char c : name)
    out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

FailureOr<ElementsAttr> importer::convertTensor(const onnx::TensorProto &t,
                                                MLIRContext *ctx, Location loc,
                                                const std::string &modelDir) {
  Type element = convertElementType(ctx, t.data_type());
  if (!element)
    return emitError(loc) << "tensor '" << t.name()
                          << "' has unsupported element type "
                          << onnxTypeName(t.data_type());
  SmallVector<int64_t> dims;
  for (int64_t d : t.dims()) {
    if (d < 0)
      return emitError(loc)
             << "tensor '" << t.name() << "' has a negative dimension " << d;
    dims.push_back(d);
  }
  // Checked before anything is sized from the dims: a wrapped-around count
  // would let a tiny blob pass as an enormous tensor.
  std::optional<int64_t> checkedBytes =
      checkedTensorBytes(dims, elementStorageBytes(element));
  if (!checkedBytes)
    return emitError(loc) << "tensor '" << t.name() << "': shape "
                          << describeOversizedTensor(dims, element);
  auto type = RankedTensorType::get(dims, element);
  int64_t expectedBytes = *checkedBytes;
  int64_t count = *checkedElementCount(dims);

  std::vector<char> data;
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    FailureOr<std::vector<char>> external =
        readExternalData(t, loc, modelDir, expectedBytes);
    if (failed(external))
      return failure();
    data = std::move(*external);
  } else if (!t.raw_data().empty() || typedFieldCount(t) == 0) {
    data.assign(t.raw_data().begin(), t.raw_data().end());
  } else {
    if (typedFieldCount(t) != count)
      return emitError(loc)
             << "tensor '" << t.name() << "' has " << typedFieldCount(t)
             << " values for shape with " << count << " elements";
    data = packTypedFields(t, element, count);
  }
  if (static_cast<int64_t>(data.size()) != expectedBytes)
    return emitError(loc) << "tensor '" << t.name() << "' has " << data.size()
                          << " bytes of data, expected " << expectedBytes
                          << " (" << count << " x " << element << ")";

  if (element.isInteger(1)) {
    SmallVector<bool> values;
    for (char c : data)
      values.push_back(c != 0);
    return ElementsAttr(DenseElementsAttr::get(type, values));
  }
  if (count <= kInlineElementLimit)
    return ElementsAttr(DenseElementsAttr::getFromRawBuffer(
        type, ArrayRef<char>(data.data(), data.size())));
  // Weights: one copy into an aligned blob owned by the context's resource
  // manager, not into uniqued attribute storage.
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>(data.data(), data.size()), alignof(uint64_t));
  return ElementsAttr(DenseResourceElementsAttr::get(
      type, sanitizeBlobName(t.name()), std::move(blob)));
}
