// fastblock/nn/sequential-inl.hpp — out-of-line definitions for nn/sequential.hpp.
//
// Included by sequential.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/nn/sequential.hpp>

namespace fastblock::detail {

FASTBLOCK_FUNC std::string indent_repr(const std::string& text) {
  std::string out;
  for (const char c : text) {
    out += c;
    if (c == '\n') out += "  ";
  }
  return out;
}

FASTBLOCK_FUNC std::string container_repr(
    std::string_view name, const std::vector<std::pair<std::string, std::string>>& children) {
  std::string out(name);
  out += '(';
  for (const auto& [key, child] : children) out += "\n  (" + key + "): " + indent_repr(child);
  if (!children.empty()) out += '\n';
  return out + ')';
}

}  // namespace fastblock::detail
