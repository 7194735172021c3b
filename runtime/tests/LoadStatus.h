//===- LoadStatus.h - Statuses and artifact loading in tests --------------===//
#ifndef INGOT_RUNTIME_TESTS_LOADSTATUS_H
#define INGOT_RUNTIME_TESTS_LOADSTATUS_H

#include "ingot/runtime.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

/// A status as code + message (INGOT_OK and "" for NULL), freed.
inline std::pair<ingot_status_code, std::string> takeStatus(ingot_status *st) {
  std::pair<ingot_status_code, std::string> result{INGOT_OK, ""};
  if (st) {
    result = {ingot_status_get_code(st), ingot_status_message(st)};
    ingot_status_free(st);
  }
  return result;
}

/// Loads an artifact from memory and returns the status, as takeStatus.
inline std::pair<ingot_status_code, std::string>
loadStatus(const std::vector<uint8_t> &bytes) {
  ingot_model *model = nullptr;
  auto result = takeStatus(
      ingot_model_load_from_memory(bytes.data(), bytes.size(), &model));
  ingot_model_release(model);
  return result;
}

#endif
