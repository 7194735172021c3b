//===- TensorIO.cpp - .npy / .npz / ONNX .pb tensors for the CLI tools ----===//
#include "TensorIO.h"

#include <zlib.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ingot::tools {

static std::vector<uint8_t> readFile(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  if (!f)
    throw std::runtime_error("cannot open '" + path + "'");
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

static ingot_dtype dtypeFromDescr(const std::string &descr) {
  static const std::map<std::string, ingot_dtype> table = {
      {"<f4", INGOT_F32}, {"<f8", INGOT_F64}, {"<f2", INGOT_F16},
      {"<i8", INGOT_I64}, {"<i4", INGOT_I32}, {"<i2", INGOT_I16},
      {"|i1", INGOT_I8},  {"|u1", INGOT_U8},  {"<u2", INGOT_U16},
      {"<u4", INGOT_U32}, {"<u8", INGOT_U64}, {"|b1", INGOT_BOOL}};
  auto it = table.find(descr);
  return it == table.end() ? INGOT_DTYPE_INVALID : it->second;
}

static std::string descrOf(ingot_dtype d) {
  switch (d) {
  case INGOT_F32:
    return "<f4";
  case INGOT_F64:
    return "<f8";
  case INGOT_F16:
    return "<f2";
  case INGOT_I64:
    return "<i8";
  case INGOT_I32:
    return "<i4";
  case INGOT_I16:
    return "<i2";
  case INGOT_I8:
    return "|i1";
  case INGOT_U8:
    return "|u1";
  case INGOT_U16:
    return "<u2";
  case INGOT_U32:
    return "<u4";
  case INGOT_U64:
    return "<u8";
  case INGOT_BOOL:
    return "|b1";
  default:
    return "";
  }
}

/// The byte size of a tensor of `shape`; throws for a negative dimension or a
/// size that does not fit in memory (a wrapped count would let a tiny file
/// claim a huge shape).
static size_t checkedBytes(const std::vector<int64_t> &shape, ingot_dtype dtype,
                           const std::string &what) {
  size_t bytes = ingot_dtype_size(dtype);
  for (int64_t d : shape) {
    if (d < 0)
      throw std::runtime_error(what + ": negative dimension " +
                               std::to_string(d));
    if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes) ||
        bytes > (uint64_t(1) << 48))
      throw std::runtime_error(what + ": the shape is too large");
  }
  return bytes;
}

static Tensor parseNpy(const uint8_t *p, size_t size, const std::string &what) {
  if (size < 10 || std::memcmp(p, "\x93NUMPY", 6) != 0)
    throw std::runtime_error(what + ": not an .npy file");
  int major = p[6];
  size_t headerLen, offset;
  if (major == 1) {
    headerLen = p[8] | (p[9] << 8);
    offset = 10;
  } else {
    if (size < 12)
      throw std::runtime_error(what + ": truncated .npy header");
    headerLen =
        p[8] | (p[9] << 8) | (size_t(p[10]) << 16) | (size_t(p[11]) << 24);
    offset = 12;
  }
  if (offset + headerLen > size)
    throw std::runtime_error(what + ": truncated .npy header");
  std::string header(reinterpret_cast<const char *>(p + offset), headerLen);
  auto field = [&](const std::string &key) {
    size_t k = header.find("'" + key + "'");
    if (k == std::string::npos)
      throw std::runtime_error(what + ": .npy header lacks '" + key + "'");
    return header.substr(header.find(':', k) + 1);
  };
  std::string descr = field("descr");
  descr = descr.substr(descr.find('\'') + 1);
  descr = descr.substr(0, descr.find('\''));
  bool fortran =
      field("fortran_order").find("True") < field("fortran_order").find(',');
  std::string shapeText = field("shape");
  shapeText = shapeText.substr(shapeText.find('(') + 1);
  shapeText = shapeText.substr(0, shapeText.find(')'));
  Tensor t;
  t.dtype = dtypeFromDescr(descr);
  if (t.dtype == INGOT_DTYPE_INVALID)
    throw std::runtime_error(what + ": unsupported dtype '" + descr + "'");
  std::stringstream ss(shapeText);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t first = item.find_first_not_of(' ');
    if (first == std::string::npos)
      continue;
    size_t last = item.find_last_not_of(' ');
    std::string digits = item.substr(first, last - first + 1);
    if (digits.empty() || digits.size() > 18 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      throw std::runtime_error(what + ": bad .npy shape '" + shapeText + "'");
    t.shape.push_back(std::stoll(digits));
  }
  size_t bytes = checkedBytes(t.shape, t.dtype, what);
  size_t dataOffset = offset + headerLen;
  if (size - dataOffset < bytes)
    throw std::runtime_error(what + ": data is shorter than its shape says");
  t.data.assign(p + dataOffset, p + dataOffset + bytes);
  if (fortran && t.shape.size() > 1) {
    // Column-major on disk: reorder to row-major.
    size_t esize = ingot_dtype_size(t.dtype), rank = t.shape.size(),
           n = t.count();
    std::vector<uint8_t> rowMajor(bytes);
    std::vector<int64_t> coord(rank, 0);
    for (size_t i = 0; i < n; ++i) {
      // coord is the row-major coordinate of i; its column-major offset:
      size_t src = 0, stride = 1;
      for (size_t d = 0; d < rank; ++d) {
        src += coord[d] * stride;
        stride *= t.shape[d];
      }
      std::memcpy(rowMajor.data() + i * esize, t.data.data() + src * esize,
                  esize);
      for (size_t d = rank; d-- > 0;) {
        if (++coord[d] < t.shape[d])
          break;
        coord[d] = 0;
      }
    }
    t.data.swap(rowMajor);
  }
  return t;
}

/// ONNX TensorProto, decoded by hand (the runtime tools do not link the
/// compiler's protobuf schema).
static Tensor parseTensorProto(const uint8_t *buf, size_t size,
                               const std::string &what) {
  Tensor t;
  int32_t onnxType = 0;
  std::vector<uint8_t> raw;
  std::vector<uint64_t> varints;
  std::vector<uint8_t> packed;
  int packedField = 0;
  size_t i = 0;
  auto varint = [&]() {
    uint64_t v = 0;
    for (int shift = 0; i < size && shift < 64; shift += 7) {
      uint8_t b = buf[i++];
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80))
        return v;
    }
    throw std::runtime_error(what + ": malformed TensorProto");
  };
  while (i < size) {
    uint64_t key = varint();
    int field = int(key >> 3), wire = int(key & 7);
    if (wire == 0) {
      uint64_t v = varint();
      if (field == 1)
        t.shape.push_back(int64_t(v));
      else if (field == 2)
        onnxType = int32_t(v);
      else if (field == 4 || field == 5 || field == 7 || field == 11) {
        varints.push_back(v);
        packedField = field;
      }
    } else if (wire == 2) {
      uint64_t len = varint();
      if (len > size - i)
        throw std::runtime_error(what + ": malformed TensorProto");
      const uint8_t *p = buf + i;
      if (field == 9)
        raw.assign(p, p + len);
      else if (field == 8)
        t.name.assign(reinterpret_cast<const char *>(p), len);
      else if (field == 1) {
        size_t save = i;
        size_t end = i + len;
        while (i < end)
          t.shape.push_back(int64_t(varint()));
        i = save;
      } else if (field == 4 || field == 10) {
        packed.insert(packed.end(), p, p + len);
        packedField = field;
      } else if (field == 5 || field == 7 || field == 11) {
        size_t save = i, end = i + len;
        while (i < end)
          varints.push_back(varint());
        i = save;
        packedField = field;
      }
      i += len;
    } else if (wire == 5) {
      if (size - i < 4)
        throw std::runtime_error(what + ": malformed TensorProto");
      if (field == 4) {
        packed.insert(packed.end(), buf + i, buf + i + 4);
        packedField = 4;
      }
      i += 4;
    } else if (wire == 1) {
      if (size - i < 8)
        throw std::runtime_error(what + ": malformed TensorProto");
      if (field == 10) {
        packed.insert(packed.end(), buf + i, buf + i + 8);
        packedField = 10;
      }
      i += 8;
    } else {
      throw std::runtime_error(what + ": malformed TensorProto");
    }
  }
  static const std::map<int, ingot_dtype> types = {
      {1, INGOT_F32},  {2, INGOT_U8},   {3, INGOT_I8},   {4, INGOT_U16},
      {5, INGOT_I16},  {6, INGOT_I32},  {7, INGOT_I64},  {9, INGOT_BOOL},
      {10, INGOT_F16}, {11, INGOT_F64}, {12, INGOT_U32}, {13, INGOT_U64},
      {16, INGOT_BF16}};
  auto it = types.find(onnxType);
  if (it == types.end())
    throw std::runtime_error(what + ": unsupported TensorProto data type " +
                             std::to_string(onnxType));
  t.dtype = it->second;
  size_t esize = ingot_dtype_size(t.dtype),
         bytes = checkedBytes(t.shape, t.dtype, what);
  if (!raw.empty() || bytes == 0) {
    t.data = raw;
  } else if (!packed.empty()) {
    t.data = packed;
  } else {
    // One value per element: fewer would leave zeros, a silent wrong input.
    if (varints.size() != bytes / esize)
      throw std::runtime_error(what + ": data size does not match the shape");
    t.data.resize(bytes);
    for (size_t k = 0; k < varints.size(); ++k)
      std::memcpy(t.data.data() + k * esize, &varints[k], esize);
  }
  if (t.data.size() != bytes)
    throw std::runtime_error(what + ": data size does not match the shape");
  return t;
}

Tensor parseTensorBytes(const uint8_t *data, size_t size,
                        const std::string &what) {
  if (size >= 6 && std::memcmp(data, "\x93NUMPY", 6) == 0)
    return parseNpy(data, size, what);
  return parseTensorProto(data, size, what);
}

Tensor readTensorFile(const std::string &path) {
  std::vector<uint8_t> bytes = readFile(path);
  return parseTensorBytes(bytes.data(), bytes.size(), path);
}

std::map<std::string, Tensor> readNpz(const std::string &path) {
  std::vector<uint8_t> bytes = readFile(path);
  return parseNpzBytes(bytes.data(), bytes.size(), path);
}

std::map<std::string, Tensor> parseNpzBytes(const uint8_t *z, size_t zsize,
                                            const std::string &path) {
  std::map<std::string, Tensor> out;
  size_t i = 0;
  auto u16 = [&](size_t at) { return uint32_t(z[at] | (z[at + 1] << 8)); };
  auto u32 = [&](size_t at) {
    return uint32_t(z[at]) | uint32_t(z[at + 1]) << 8 |
           uint32_t(z[at + 2]) << 16 | uint32_t(z[at + 3]) << 24;
  };
  while (i + 30 <= zsize && u32(i) == 0x04034b50) {
    uint32_t method = u16(i + 8), flags = u16(i + 6);
    uint64_t compressed = u32(i + 18), uncompressed = u32(i + 22);
    uint32_t nameLen = u16(i + 26), extraLen = u16(i + 28);
    if (i + 30 + nameLen + extraLen > zsize)
      throw std::runtime_error(path + ": truncated .npz");
    std::string name(reinterpret_cast<const char *>(&z[i + 30]), nameLen);
    // numpy writes zip64 entries: the sizes live in the extra field.
    if (compressed == 0xFFFFFFFFu || uncompressed == 0xFFFFFFFFu) {
      size_t e = i + 30 + nameLen, end = e + extraLen;
      while (e + 4 <= end) {
        uint32_t id = u16(e), len = u16(e + 2);
        if (id == 1 && e + 4 + 16 <= end) {
          uint64_t u = 0, c = 0;
          std::memcpy(&u, &z[e + 4], 8);
          std::memcpy(&c, &z[e + 12], 8);
          uncompressed = u;
          compressed = c;
        }
        e += 4 + len;
      }
    }
    size_t data = i + 30 + nameLen + extraLen;
    if (flags & 8)
      throw std::runtime_error(path +
                               ": streamed zip entries are not supported");
    if (data > zsize || compressed > zsize - data)
      throw std::runtime_error(path + ": truncated .npz");
    std::vector<uint8_t> content;
    if (method == 0) {
      content.assign(z + data, z + data + compressed);
    } else if (method == 8) {
      // Deflate expands at most ~1032:1; a larger claim is corrupt (and
      // would be a huge allocation). zlib counts in 32 bits.
      if (uncompressed > UINT32_MAX || uncompressed > compressed * 1032 + 64)
        throw std::runtime_error(path + ": corrupt .npz entry '" + name + "'");
      content.resize(uncompressed);
      z_stream s{};
      s.next_in = const_cast<Bytef *>(z + data);
      s.avail_in = static_cast<uInt>(compressed);
      s.next_out = content.data();
      s.avail_out = static_cast<uInt>(uncompressed);
      if (inflateInit2(&s, -MAX_WBITS) != Z_OK ||
          inflate(&s, Z_FINISH) != Z_STREAM_END ||
          s.total_out != uncompressed) {
        inflateEnd(&s);
        throw std::runtime_error(path + ": cannot inflate '" + name + "'");
      }
      inflateEnd(&s);
    } else {
      throw std::runtime_error(path + ": unsupported zip compression");
    }
    if (name.size() > 4 && name.substr(name.size() - 4) == ".npy")
      name = name.substr(0, name.size() - 4);
    Tensor t = parseNpy(content.data(), content.size(), path + ":" + name);
    t.name = name;
    out[name] = std::move(t);
    i = data + compressed;
  }
  if (out.empty())
    throw std::runtime_error(path + ": not an .npz file (no arrays found)");
  return out;
}

void writeNpy(const std::string &path, const Tensor &t) {
  std::string shape = "(";
  for (int64_t d : t.shape)
    shape += std::to_string(d) + ",";
  if (t.shape.size() > 1)
    shape.pop_back();
  shape += ")";
  std::string header = "{'descr': '" + descrOf(t.dtype) +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + header.size() + 1;
  header += std::string((64 - total % 64) % 64, ' ') + "\n";
  std::ofstream f(path, std::ios::binary);
  if (!f)
    throw std::runtime_error("cannot write '" + path + "'");
  f.write("\x93NUMPY\x01\x00", 8);
  uint16_t len = static_cast<uint16_t>(header.size());
  f.write(reinterpret_cast<const char *>(&len), 2);
  f.write(header.data(), header.size());
  f.write(reinterpret_cast<const char *>(t.data.data()), t.data.size());
}

double elementValue(const Tensor &t, size_t i) {
  switch (t.dtype) {
  case INGOT_F32:
    return t.as<float>()[i];
  case INGOT_F64:
    return t.as<double>()[i];
  case INGOT_F16: {
    // IEEE binary16: 5 exponent bits (bias 15), 10 mantissa bits.
    uint16_t h = t.as<uint16_t>()[i];
    int exponent = (h >> 10) & 31, mantissa = h & 1023;
    double v = exponent == 0    ? std::ldexp(mantissa, -24)
               : exponent == 31 ? (mantissa ? NAN : INFINITY)
                                : std::ldexp(mantissa + 1024, exponent - 25);
    return h & 0x8000 ? -v : v;
  }
  case INGOT_BF16: {
    // The high 16 bits of a float.
    uint32_t bits = uint32_t(t.as<uint16_t>()[i]) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }
  case INGOT_I64:
    return double(t.as<int64_t>()[i]);
  case INGOT_I32:
    return t.as<int32_t>()[i];
  case INGOT_I16:
    return t.as<int16_t>()[i];
  case INGOT_I8:
    return t.as<int8_t>()[i];
  case INGOT_U8:
  case INGOT_BOOL:
    return t.as<uint8_t>()[i];
  case INGOT_U16:
    return t.as<uint16_t>()[i];
  case INGOT_U32:
    return t.as<uint32_t>()[i];
  case INGOT_U64:
    return double(t.as<uint64_t>()[i]);
  default:
    throw std::runtime_error("no element values for this dtype");
  }
}

void parseInputShape(const std::string &text,
                     std::map<std::string, std::vector<int64_t>> &shapes) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    throw std::runtime_error("--input-shape '" + text +
                             "': expected NAME:D0xD1x... (x:1x3x224x224)");
  std::vector<int64_t> shape;
  std::string dims = text.substr(colon + 1);
  for (size_t at = 0; at <= dims.size();) {
    size_t end = dims.find('x', at);
    std::string d = dims.substr(at, end == std::string::npos ? end : end - at);
    char *stop = nullptr;
    long long v = d.empty() ? -1 : std::strtoll(d.c_str(), &stop, 10);
    if (v < 0 || *stop != '\0')
      throw std::runtime_error("--input-shape '" + text + "': '" + d +
                               "' is not a size");
    shape.push_back(v);
    if (end == std::string::npos)
      break;
    at = end + 1;
  }
  if (dims.empty())
    shape.clear(); // NAME: is a scalar
  shapes[text.substr(0, colon)] = shape;
}

std::vector<int64_t>
chooseInputShape(const Model &model, size_t k,
                 const std::map<std::string, std::vector<int64_t>> &shapes) {
  ingot_tensor_info info = model.input(k);
  auto it = shapes.find(info.name);
  std::vector<int64_t> shape;
  for (size_t d = 0; d < info.rank; ++d)
    shape.push_back(info.shape[d] >= 0 ? info.shape[d]
                                       : model.inputDimRange(k, d).max);
  if (it == shapes.end())
    return shape;
  if (it->second.size() != info.rank)
    throw std::runtime_error("--input-shape " + it->first + ": the input has " +
                             std::to_string(info.rank) + " dimensions, not " +
                             std::to_string(it->second.size()));
  // The runtime checks the shape too; the tool says which range it breaks
  // before making data for it.
  for (size_t d = 0; d < info.rank; ++d) {
    Model::DimRange r = model.inputDimRange(k, d);
    int64_t v = it->second[d];
    if (v < r.min || v > r.max || (r.multiple > 1 && v % r.multiple))
      throw std::runtime_error(
          "--input-shape " + it->first + ": dimension " + std::to_string(d) +
          " is " + std::to_string(v) + ", but the model takes " +
          (r.min == r.max
               ? std::to_string(r.min)
               : std::to_string(r.min) + " to " + std::to_string(r.max) +
                     (r.multiple > 1
                          ? " in multiples of " + std::to_string(r.multiple)
                          : std::string())));
  }
  return it->second;
}

} // namespace ingot::tools
