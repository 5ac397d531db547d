// fastblock/data/strings-inl.hpp — out-of-line definitions for data/strings.hpp.
//
// Included by strings.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/data/strings.hpp>

namespace fastblock {

FASTBLOCK_FUNC std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> pieces;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t stop = s.find(sep, start);
    if (stop == std::string_view::npos) stop = s.size();
    if (stop > start) pieces.emplace_back(s.substr(start, stop - start));
    start = stop + 1;
  }
  return pieces;
}

FASTBLOCK_FUNC std::string python_repr(std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 2);
  out += quote;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == quote || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 0xf];
    } else {
      out += c;
    }
  }
  out += quote;
  return out;
}

}  // namespace fastblock
