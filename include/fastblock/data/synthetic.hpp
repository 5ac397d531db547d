// fastblock/data/synthetic.hpp — data the project generates itself, shaped like the seed's.
//
// Contract: synthetic_pascal_frame() returns a DataFrame laid out like PASCAL_2007's train.csv
// (columns fname, labels, is_valid; 5011 rows by default): file names `000005.jpg` in increasing
// order, one to three distinct space-separated labels from the 20 PASCAL classes per row
// ("person" the most common, as in the real data), optionally some rows with no label, and about
// half the rows marked valid. It is a pure function of its options: the same seed gives the same
// frame on every platform (fastblock::Generator), so tests, examples and benchmarks can use it
// without downloading anything. The vision layer draws images to match these labels.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <fastblock/core/config.hpp>
#include <fastblock/data/dataframe.hpp>

namespace fastblock {

/// The 20 PASCAL VOC classes, in sorted order (the vocabulary MultiCategoryBlock learns).
inline constexpr std::array<std::string_view, 20> pascal_classes = {
    "aeroplane", "bicycle",     "bird",  "boat",        "bottle", "bus",      "car",
    "cat",       "chair",       "cow",   "diningtable", "dog",    "horse",    "motorbike",
    "person",    "pottedplant", "sheep", "sofa",        "train",  "tvmonitor"};

/// Options of synthetic_pascal_frame.
struct SyntheticPascalOptions {
  /// Number of rows (PASCAL_2007's train.csv has 5011).
  std::size_t n_rows = 5011;
  /// Seed of everything random in the frame.
  std::uint64_t seed = 2007;
  /// Probability that a row is marked is_valid = True.
  double valid_fraction = 0.5;
  /// Probability that a row has an empty label list (none in the real data).
  double empty_fraction = 0.0;
};

/// A PASCAL-like train.csv as a DataFrame (see the contract above); value_error when a fraction
/// is outside [0, 1].
[[nodiscard]] DataFrame synthetic_pascal_frame(const SyntheticPascalOptions& options = {});

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/data/synthetic-inl.hpp>
#endif
