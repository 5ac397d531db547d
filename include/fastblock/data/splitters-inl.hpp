// fastblock/data/splitters-inl.hpp — out-of-line definitions for data/splitters.hpp.
//
// Included by splitters.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/core/random.hpp>
#include <fastblock/data/dataframe.hpp>
#include <fastblock/data/splitters.hpp>

namespace fastblock {

FASTBLOCK_FUNC RandomSplitter::RandomSplitter(RandomSplitterOptions options) : options_(options) {
  if (!(options_.valid_pct >= 0.0 && options_.valid_pct <= 1.0))
    throw value_error("fastblock::RandomSplitter: valid_pct must be between 0 and 1, got " +
                      std::to_string(options_.valid_pct));
}

FASTBLOCK_FUNC Splits RandomSplitter::split(std::size_t n) const {
  const auto count = static_cast<std::int64_t>(n);
  std::vector<std::int64_t> perm;
  if (options_.seed) {
    Generator gen(*options_.seed);
    perm = gen.permutation(count);
  } else {
    perm = default_generator().permutation(count);
  }
  // Python's int() truncates: 0.2 * 5011 = 1002.2 validates 1002 items, as fastai does.
  const auto cut = static_cast<std::int64_t>(options_.valid_pct * static_cast<double>(count));
  Splits s;
  s.valid.assign(perm.begin(), perm.begin() + cut);
  s.train.assign(perm.begin() + cut, perm.end());
  return s;
}

FASTBLOCK_FUNC Splits ColSplitter::operator()(const DataFrame& df) const {
  const Column& column = df[col_];
  if (options_.on.empty()) {
    const Mask valid = column.as<bool>();
    return detail::split_by(df.num_rows(),
                            [&](std::size_t i) { return valid[static_cast<std::int64_t>(i)]; });
  }
  return detail::split_by(df.num_rows(), [&](std::size_t i) {
    const std::string_view cell = column[static_cast<std::int64_t>(i)];
    return std::find(options_.on.begin(), options_.on.end(), cell) != options_.on.end();
  });
}

FASTBLOCK_FUNC Splits IndexSplitter::split(std::size_t n) const {
  std::vector<unsigned char> is_valid(n, 0);
  for (const std::int64_t i : valid_) {
    if (i >= 0 && static_cast<std::size_t>(i) < n) is_valid[static_cast<std::size_t>(i)] = 1;
  }
  Splits s;
  s.valid = valid_;
  for (std::size_t i = 0; i < n; ++i) {
    if (!is_valid[i]) s.train.push_back(static_cast<std::int64_t>(i));
  }
  return s;
}

}  // namespace fastblock
