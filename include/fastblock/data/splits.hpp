// fastblock/data/splits.hpp — what a splitter returns, and the check every split goes through.
//
// Contract: Splits holds positions (0 to n-1, in the order of the source) of the training and the
// validation items. check_splits() is the one validation every consumer runs (Datasets,
// DataBlock): a split with an empty training set, a position out of range, or a position in both
// sets is a value_error that names it. This header is apart from data/splitters.hpp so that
// Datasets can take a split without pulling in DataFrame and <filesystem>.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <fastblock/core/config.hpp>

namespace fastblock {

/// The result of a splitter: positions into the source, in the order the splitter chose.
struct Splits {
  /// Positions of the training items.
  std::vector<std::int64_t> train{};
  /// Positions of the validation items (may be empty: no validation).
  std::vector<std::int64_t> valid{};
  /// Whether both hold the same positions in the same order.
  friend bool operator==(const Splits&, const Splits&) = default;
};

/// Throws value_error unless `splits` can index `n_items` items: the training set is not empty,
/// every position lies in [0, n_items) (the message names the first that does not, and n_items),
/// and no position is in both sets (the message names it). Repeats within one set are allowed.
void check_splits(const Splits& splits, std::size_t n_items);

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/data/splits-inl.hpp>
#endif
