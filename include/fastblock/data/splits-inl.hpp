// fastblock/data/splits-inl.hpp — out-of-line definitions for data/splits.hpp.
//
// Included by splits.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/data/splits.hpp>

namespace fastblock {

FASTBLOCK_FUNC void check_splits(const Splits& splits, std::size_t n_items) {
  if (splits.train.empty())
    throw value_error("fastblock::check_splits: the training set is empty (" +
                      std::to_string(n_items) + " items, " + std::to_string(splits.valid.size()) +
                      " in the validation set)");
  const auto n = static_cast<std::int64_t>(n_items);
  // 1: in the training set; a second pass finds validation positions marked here.
  std::vector<unsigned char> in_train(n_items, 0);
  const auto check_range = [&](const std::vector<std::int64_t>& set, const char* name) {
    for (const std::int64_t i : set) {
      if (i < 0 || i >= n)
        throw value_error("fastblock::check_splits: index " + std::to_string(i) + " in the " +
                          name + " set is out of range for " + std::to_string(n_items) +
                          " items (valid positions are 0 to n-1)");
    }
  };
  check_range(splits.train, "training");
  check_range(splits.valid, "validation");
  for (const std::int64_t i : splits.train) in_train[static_cast<std::size_t>(i)] = 1;
  for (const std::int64_t i : splits.valid) {
    if (in_train[static_cast<std::size_t>(i)])
      throw value_error("fastblock::check_splits: index " + std::to_string(i) +
                        " is in both the training and the validation set");
  }
}

}  // namespace fastblock
