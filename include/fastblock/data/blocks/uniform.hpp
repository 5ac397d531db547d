// fastblock/data/blocks/uniform.hpp — the check blocks run in setup() when every training item
// must look alike (as many points, the same target shape): one loop, so each block only words its
// own error.
#pragma once

#include <cstddef>
#include <functional>
#include <span>

namespace fastblock::detail {

/// What first_differing returns when every item matches.
inline constexpr std::size_t all_alike = static_cast<std::size_t>(-1);

/// The index of the first of `items` whose `key(item, index)` is not `expected`, or all_alike.
/// The key sees every item in order up to that one, so it may throw its own error for an item
/// it cannot measure (the index is there to name it).
template <class T, class Key, class Value>
[[nodiscard]] std::size_t first_differing(std::span<const T> items, Key&& key,
                                          const Value& expected) {
  for (std::size_t i = 0; i < items.size(); ++i)
    if (!(std::invoke(key, items[i], i) == expected)) return i;
  return all_alike;
}

}  // namespace fastblock::detail
