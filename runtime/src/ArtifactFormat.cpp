//===- ArtifactFormat.cpp - Writing and validating .ingot images ----------===//
#include "ArtifactFormat.h"

#include <cstring>

namespace ingot::artifact {

const char *sectionName(SectionKind kind) {
  switch (kind) {
  case SectionKind::Manifest:
    return "manifest";
  case SectionKind::Weights:
    return "weights";
  case SectionKind::HostObject:
    return "host code";
  case SectionKind::CudaFatbin:
    return "CUDA code";
  }
  return "unknown";
}

uint64_t checksum(const uint8_t *data, size_t size) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ size;
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t w;
    std::memcpy(&w, data + i, 8);
    h ^= w;
    h *= 0x9FB21C651E98DF25ull;
    h ^= h >> 32;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, data + i, size - i);
  h ^= tail;
  h *= 0x9FB21C651E98DF25ull;
  h ^= h >> 29;
  return h;
}

static void put32(std::vector<uint8_t> &out, size_t at, uint32_t v) {
  std::memcpy(out.data() + at, &v, 4);
}
static void put64(std::vector<uint8_t> &out, size_t at, uint64_t v) {
  std::memcpy(out.data() + at, &v, 8);
}
static uint32_t get32(const uint8_t *p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
static uint64_t get64(const uint8_t *p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
static uint64_t alignUp(uint64_t v) {
  return (v + kSectionAlignment - 1) / kSectionAlignment * kSectionAlignment;
}

std::vector<uint8_t> writeImage(const std::vector<Section> &sections) {
  uint64_t offset =
      alignUp(kHeaderBytes + kSectionEntryBytes * sections.size());
  std::vector<uint64_t> offsets;
  for (const Section &s : sections) {
    offsets.push_back(offset);
    offset = alignUp(offset + s.size);
  }
  std::vector<uint8_t> out(offset, 0);
  std::memcpy(out.data(), kMagic, 8);
  put32(out, 8, kFormatVersion);
  put32(out, 12, static_cast<uint32_t>(sections.size()));
  put64(out, 16, out.size());
  for (size_t i = 0; i < sections.size(); ++i) {
    size_t entry = kHeaderBytes + i * kSectionEntryBytes;
    const Section &s = sections[i];
    put32(out, entry, static_cast<uint32_t>(s.kind));
    put64(out, entry + 8, offsets[i]);
    put64(out, entry + 16, s.size);
    put64(out, entry + 24, checksum(s.data, s.size));
    if (s.size)
      std::memcpy(out.data() + offsets[i], s.data, s.size);
  }
  return out;
}

bool readImage(const uint8_t *data, size_t size, std::vector<Section> &sections,
               std::string &error) {
  if (size < kHeaderBytes || std::memcmp(data, kMagic, 8) != 0) {
    error = size < 8 || std::memcmp(data, kMagic, 8) != 0
                ? "not an Ingot artifact (bad magic number)"
                : "truncated artifact: the header is incomplete";
    return false;
  }
  uint32_t version = get32(data + 8);
  if (version > kFormatVersion) {
    error = "artifact format version " + std::to_string(version) +
            " is newer than this runtime supports (" +
            std::to_string(kFormatVersion) +
            "); upgrade the runtime or recompile the model";
    return false;
  }
  if (version == 0) {
    error = "invalid artifact format version 0";
    return false;
  }
  uint64_t declared = get64(data + 16);
  if (declared != size) {
    error = declared > size
                ? "truncated artifact: " + std::to_string(size) +
                      " bytes, the header says " + std::to_string(declared)
                : "artifact has " + std::to_string(size - declared) +
                      " unexpected trailing bytes";
    return false;
  }
  uint32_t count = get32(data + 12);
  if (count > 64 ||
      kHeaderBytes + uint64_t(count) * kSectionEntryBytes > size) {
    error = "corrupt artifact: bad section table (" + std::to_string(count) +
            " sections)";
    return false;
  }
  sections.clear();
  for (uint32_t i = 0; i < count; ++i) {
    const uint8_t *entry = data + kHeaderBytes + i * kSectionEntryBytes;
    Section s;
    s.kind = static_cast<SectionKind>(get32(entry));
    uint64_t offset = get64(entry + 8);
    s.size = get64(entry + 16);
    uint64_t sum = get64(entry + 24);
    if (offset > size || s.size > size - offset) {
      error = std::string("corrupt artifact: section '") + sectionName(s.kind) +
              "' lies outside the file";
      return false;
    }
    s.data = data + offset;
    if (checksum(s.data, s.size) != sum) {
      error = std::string("corrupt artifact: checksum mismatch in section '") +
              sectionName(s.kind) + "'";
      return false;
    }
    sections.push_back(s);
  }
  return true;
}

} // namespace ingot::artifact
