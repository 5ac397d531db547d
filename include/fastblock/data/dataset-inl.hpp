// fastblock/data/dataset-inl.hpp — out-of-line definitions for data/dataset.hpp.
//
// Included by dataset.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/data/dataset.hpp>

namespace fastblock {

namespace detail {

FASTBLOCK_FUNC void throw_first_of_empty() {
  throw index_error("fastblock::first: the range, dataset or loader is empty");
}

}  // namespace detail

FASTBLOCK_FUNC std::vector<std::pair<std::int64_t, std::string>> enumerate(std::string_view text) {
  std::vector<std::pair<std::int64_t, std::string>> out;
  out.reserve(text.size());
  std::int64_t i = 0;
  for (const char c : text) out.emplace_back(i++, std::string(1, c));
  return out;
}

FASTBLOCK_FUNC std::vector<std::string> list(std::string_view text) {
  std::vector<std::string> out;
  out.reserve(text.size());
  for (const char c : text) out.emplace_back(1, c);
  return out;
}

}  // namespace fastblock
