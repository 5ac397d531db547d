// fastblock/data/dataset.hpp — what a dataset is, and the small helpers the seed uses on one.
//
// Contract: a Dataset is anything indexable by an integer and sized, read through a const
// reference: `ds[i]` and `std::size(ds)` (which also finds `ds.size()`). A std::vector, a
// std::span, a DataFrame column or a Datasets all qualify; nothing has to derive from a base.
// Loaders read items concurrently from several threads through that const reference, so a
// dataset's `operator[]` (and `get`, below) must be safe to call that way — true of every standard
// container. The item type is whatever `ds[i]` returns, decayed (`dataset_item_t<D>`).
//
// Random-access hook: a dataset that also has `get(std::size_t i, Generator& rng)` is read through
// it by the loaders, with a generator derived from (seed, epoch, i) for that one item; random
// transforms draw from it, so an item's randomness never depends on thread count or load order.
// `get` must return the same type as `ds[i]` (checked at compile time).
//
// The helpers mirror Python: `len(ds)`, `first(x)`, `enumerate(ascii_lowercase)` and
// `list(ascii_lowercase)`, so the seed's `a = list(enumerate(string.ascii_lowercase))` reads
// `auto a = enumerate(ascii_lowercase);`.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <ranges>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/core/random.hpp>

namespace fastblock {

/// Indexable by an integer and sized, through a const reference (see the contract above).
template <class D>
concept Dataset = requires(const D& ds, std::size_t i) {
  ds[i];
  requires !std::is_void_v<decltype(ds[i])>;
  { std::size(ds) } -> std::convertible_to<std::size_t>;
};

/// The item type of a dataset: what `ds[i]` returns, without reference or const. (Not `item_t`:
/// data/blocks/concept.hpp has that name for a block's encoded item.)
template <Dataset D>
using dataset_item_t = std::remove_cvref_t<decltype(std::declval<const D&>()[std::size_t{}])>;

/// A dataset that offers the random-access hook `get(i, rng)` (see the contract above).
template <class D>
concept RandomAccessDataset = Dataset<D> && requires(const D& ds, std::size_t i, Generator& rng) {
  ds.get(i, rng);
};

/// Has a size: `std::size(x)` (which also finds `x.size()`).
template <class T>
concept Sized = requires(const T& x) {
  { std::size(x) } -> std::convertible_to<std::size_t>;
};

/// Python's `len`: the number of items of a dataset, batches of a loader, elements of a range.
template <Sized T>
[[nodiscard]] constexpr std::size_t len(const T& x) {
  return static_cast<std::size_t>(std::size(x));
}

/// Reads item `i` the way loaders do: through `get(i, rng)` when the dataset has it, else `ds[i]`.
template <Dataset D>
[[nodiscard]] dataset_item_t<D> get_item(const D& ds, std::size_t i, Generator& rng) {
  if constexpr (RandomAccessDataset<D>) {
    static_assert(std::same_as<std::remove_cvref_t<decltype(ds.get(i, rng))>, dataset_item_t<D>>,
                  "fastblock::Dataset: get(i, rng) must return the same type as ds[i]");
    return ds.get(i, rng);
  } else {
    return ds[i];
  }
}

namespace detail {
[[noreturn]] void throw_first_of_empty();
}  // namespace detail

/// fastcore's `first`: the first element of a range or dataset, or the first batch of a loader.
///
/// For a DataLoader this is `dl.one_batch()`, which does not start an epoch: peeking at a batch
/// before training leaves the training batches unchanged. Throws index_error when there is none.
template <class R>
[[nodiscard]] auto first(R&& r) {
  if constexpr (requires { r.one_batch(); }) {
    return r.one_batch();
  } else if constexpr (Dataset<std::remove_cvref_t<R>>) {
    if (std::size(r) == 0) detail::throw_first_of_empty();
    return dataset_item_t<std::remove_cvref_t<R>>(r[0]);
  } else {
    static_assert(std::ranges::input_range<R>,
                  "fastblock::first: expects a range, a Dataset or a DataLoader");
    auto it = std::ranges::begin(r);
    if (it == std::ranges::end(r)) detail::throw_first_of_empty();
    return std::ranges::range_value_t<R>(*it);
  }
}

/// The 26 letters a…z, like Python's `string.ascii_lowercase`.
inline constexpr std::string_view ascii_lowercase = "abcdefghijklmnopqrstuvwxyz";

/// Python's `list(enumerate(text))`: each character as a one-letter string with its position.
///
/// Characters become std::string, not char, because Python has no character type: the seed's
/// items print as `(0, 'a')` and collate into a list of strings.
[[nodiscard]] std::vector<std::pair<std::int64_t, std::string>> enumerate(std::string_view text);

namespace detail {
/// A range that is not text (text goes to the string_view overloads, one string per character).
template <class R>
concept NonTextRange = std::ranges::input_range<R> && !std::convertible_to<R, std::string_view>;
}  // namespace detail

/// Python's `list(enumerate(range))`: (position, copy of element) pairs.
template <detail::NonTextRange R>
[[nodiscard]] auto enumerate(R&& range) {
  std::vector<std::pair<std::int64_t, std::ranges::range_value_t<R>>> out;
  if constexpr (std::ranges::sized_range<R>) out.reserve(std::ranges::size(range));
  std::int64_t i = 0;
  for (auto&& x : range) out.emplace_back(i++, x);
  return out;
}

/// Python's `list(text)`: each character as a one-letter string (`list(ascii_lowercase)`).
[[nodiscard]] std::vector<std::string> list(std::string_view text);

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/data/dataset-inl.hpp>
#endif
