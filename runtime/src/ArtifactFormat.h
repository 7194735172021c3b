//===- ArtifactFormat.h - The .ingot file layout --------------------------===//
//
//   offset 0   magic "INGOT\0\x1a\n"            8 bytes
//          8   format version (u32)
//         12   section count (u32)
//         16   total file size (u64)
//         24   section table: count x {kind u32, reserved u32, offset u64,
//              size u64, checksum u64}
//   then the sections, each starting on a 64-byte boundary.
//
// All integers little endian. Shared by the compiler's writer and the
// runtime's reader; no MLIR, no protobuf.
//
//===----------------------------------------------------------------------===//
#ifndef INGOT_RUNTIME_ARTIFACTFORMAT_H
#define INGOT_RUNTIME_ARTIFACTFORMAT_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ingot::artifact {

constexpr char kMagic[8] = {'I', 'N', 'G', 'O', 'T', '\0', '\x1a', '\n'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kHeaderBytes = 24;
constexpr size_t kSectionEntryBytes = 32;
constexpr size_t kSectionAlignment = 64;

enum class SectionKind : uint32_t {
  Manifest = 1,   // protobuf ingot.artifact.Manifest
  Weights = 2,    // constant tensors, 64-byte aligned
  HostObject = 3, // shared object with the host kernels
  CudaFatbin = 4, // fatbin with the CUDA kernels (SASS per arch + PTX)
};

const char *sectionName(SectionKind kind);

struct Section {
  SectionKind kind;
  const uint8_t *data = nullptr;
  uint64_t size = 0;
};

/// 64-bit checksum of a byte range (corruption detection, not security).
uint64_t checksum(const uint8_t *data, size_t size);

/// Serializes sections into one artifact image.
std::vector<uint8_t> writeImage(const std::vector<Section> &sections);

/// Validates an image and returns its sections; on failure returns false and
/// fills `error` with what is wrong (truncated, corrupt, too new, ...).
bool readImage(const uint8_t *data, size_t size, std::vector<Section> &sections,
               std::string &error);

} // namespace ingot::artifact

#endif
