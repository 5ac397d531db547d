// fastblock/data/datasets-inl.hpp — out-of-line definitions for data/datasets.hpp.
//
// Included by datasets.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/data/datasets.hpp>
#include <fastblock/data/splits.hpp>

namespace fastblock::detail {

FASTBLOCK_FUNC SplitIndices split_indices(const Splits& splits, std::size_t n) {
  check_splits(splits, n);
  const auto positions = [](const std::vector<std::int64_t>& from) {
    std::vector<std::size_t> to(from.size());
    for (std::size_t k = 0; k < from.size(); ++k) to[k] = static_cast<std::size_t>(from[k]);
    return to;
  };
  return {positions(splits.train), positions(splits.valid)};
}

FASTBLOCK_FUNC SplitIndices all_training(std::size_t n) {
  SplitIndices out;
  out.train.resize(n);
  std::iota(out.train.begin(), out.train.end(), std::size_t{0});
  return out;
}

FASTBLOCK_FUNC void throw_datasets_index(std::size_t i, std::size_t n) {
  throw index_error("fastblock::Datasets: index " + std::to_string(i) + " is out of range for " +
                    std::to_string(n) + " items");
}

}  // namespace fastblock::detail
