// fastblock/data/splitters.hpp — which items train and which validate.
//
// Contract: a splitter is a callable over a DataBlock's source — a DataFrame or a range of items
// such as std::vector<std::filesystem::path> — that returns Splits: positions (0 to n-1, the
// order of the source) of the training and validation items. The built-ins are fastai's:
// RandomSplitter (the first int(valid_pct * n) of a random permutation validate, so 5011 items
// give 4009/1002), ColSplitter (a bool column), FuncSplitter (a predicate), IndexSplitter,
// GrandparentSplitter (folder names). A user's function may return Splits, or a std::pair or
// std::tuple of two index vectors, as the seed's `splitter(df)` returns `train, valid`.
// apply_splitter() runs one and validates the result with check_splits(), which raises
// value_error for an empty training set, an index out of range or an index in both sets.
// Splitters are deterministic given their seed: RandomSplitter draws from fastblock::Generator,
// so a seed gives the same split on every platform.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iterator>
#include <optional>
#include <ranges>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/core/random.hpp>
#include <fastblock/data/dataframe.hpp>
#include <fastblock/data/splits.hpp>

namespace fastblock {

namespace detail {

/// A vector of integer positions, as a user's splitter may return for one set.
template <class V>
concept IndexVector = std::ranges::sized_range<V> && std::integral<std::ranges::range_value_t<V>>;

/// A pair or tuple of two index vectors.
template <class R>
concept TwoIndexVectors = (std::tuple_size<R>::value == 2) && requires(const R& r) {
  { std::get<0>(r) } -> IndexVector;
  { std::get<1>(r) } -> IndexVector;
};

/// What a splitter may return: Splits, or a pair/tuple of two index vectors (train, valid).
template <class R>
concept SplitsLike =
    std::same_as<std::remove_cvref_t<R>, Splits> || TwoIndexVectors<std::remove_cvref_t<R>>;

}  // namespace detail

/// A callable that splits a `Source` (a DataFrame, or a range of items): called as a const
/// object with the source, it returns Splits or a pair/tuple of two index vectors.
template <class S, class Source>
concept Splitter = std::invocable<const S&, const Source&> &&
    detail::SplitsLike<std::invoke_result_t<const S&, const Source&>>;

namespace detail {

/// Copies a vector of positions of any integer type into int64.
template <class V>
std::vector<std::int64_t> to_positions(const V& v) {
  std::vector<std::int64_t> out;
  out.reserve(std::ranges::size(v));
  for (const auto i : v) out.push_back(static_cast<std::int64_t>(i));
  return out;
}

/// A source whose items can be counted: a DataFrame (its rows) or a sized range.
template <class Source>
concept SizedSource = std::same_as<Source, DataFrame> || std::ranges::sized_range<const Source>;

/// The number of items in a splitter's source: rows of a DataFrame, elements of a range.
template <SizedSource Source>
std::size_t source_size(const Source& source) {
  if constexpr (std::same_as<Source, DataFrame>) {
    return source.num_rows();
  } else {
    return static_cast<std::size_t>(std::ranges::size(source));
  }
}

/// Reads, in the compiler's note on a failed require_splitter, as
/// "splitter_<S>::can_split<Source>".
template <class S>
struct splitter_ {
  template <class Source>
  static constexpr bool can_split = Splitter<S, Source>;
};

/// Positions where `valid(i)` holds go to valid, the others to train, both ascending.
template <class Pred>
Splits split_by(std::size_t n, Pred&& valid) {
  Splits s;
  for (std::size_t i = 0; i < n; ++i) {
    (valid(i) ? s.valid : s.train).push_back(static_cast<std::int64_t>(i));
  }
  return s;
}

}  // namespace detail

/// A splitter's result as Splits (a pair or tuple is (train, valid)).
template <detail::SplitsLike R>
[[nodiscard]] Splits to_splits(R&& result) {
  if constexpr (std::same_as<std::remove_cvref_t<R>, Splits>) {
    return std::forward<R>(result);
  } else {
    return Splits{detail::to_positions(std::get<0>(result)),
                  detail::to_positions(std::get<1>(result))};
  }
}

/// Runs `splitter` on `source`, converts its result to Splits and validates it (check_splits).
template <class S, class Source>
requires Splitter<S, Source>
[[nodiscard]] Splits apply_splitter(const S& splitter, const Source& source) {
  Splits splits = to_splits(std::invoke(splitter, source));
  check_splits(splits, detail::source_size(source));
  return splits;
}

/// Fails to compile, with "fastblock::DataBlock: the splitter must ..." and a note naming both
/// types, unless S is a Splitter of Source. Returns true, for use inside a static_assert.
template <class S, class Source>
consteval bool require_splitter() {
  static_assert(detail::splitter_<S>::template can_split<Source>,
                "fastblock::DataBlock: the splitter must be callable with the source (a "
                "DataFrame or a std::vector of items) and return Splits or a std::pair of "
                "index vectors (train, valid)");
  return true;
}

/// Options of RandomSplitter.
struct RandomSplitterOptions {
  /// Fraction of the items that validate; int(valid_pct * n) of them, as fastai rounds.
  double valid_pct = 0.2;
  /// Seed of the permutation. Unset: each call draws from default_generator(), as fastai draws
  /// from torch's global generator (set_seed(n) makes that reproducible too).
  std::optional<std::uint64_t> seed{};
};

/// fastai's RandomSplitter: a random permutation of the items; its first int(valid_pct * n)
/// positions validate, the rest train (both in permutation order).
class RandomSplitter {
 public:
  /// Throws value_error unless 0 <= valid_pct <= 1.
  explicit RandomSplitter(RandomSplitterOptions options = {});
  /// Splits `n` items.
  [[nodiscard]] Splits split(std::size_t n) const;
  /// Splits any sized source.
  template <detail::SizedSource Source>
  [[nodiscard]] Splits operator()(const Source& source) const {
    return split(detail::source_size(source));
  }

 private:
  RandomSplitterOptions options_;
};

/// Options of ColSplitter.
struct ColSplitterOptions {
  /// When empty, the column holds booleans (True/False, 1/0) and true validates. Otherwise the
  /// rows whose cell equals one of these values validate (fastai's `on=`).
  std::vector<std::string> on{};
};

/// fastai's ColSplitter: rows validate by the value in column `col` ("is_valid" by default).
class ColSplitter {
 public:
  /// Splits on column `col`.
  explicit ColSplitter(std::string col = "is_valid", ColSplitterOptions options = {})
      : col_(std::move(col)), options_(std::move(options)) {}
  /// Train: rows where the column is false (or not in `on`); valid: the others. Throws
  /// data_error when the column is missing or, for a bool column, a cell is not a bool.
  [[nodiscard]] Splits operator()(const DataFrame& df) const;

 private:
  std::string col_;
  ColSplitterOptions options_;
};

/// fastai's FuncSplitter: item i validates when `pred(item i)` is true. Over a DataFrame the
/// predicate sees a Row; over a range, its element:
/// `FuncSplitter([](const fs::path& o) { return o.parent_path().filename() == "13"; })`.
template <class Pred>
class FuncSplitter {
 public:
  /// Keeps the predicate.
  explicit FuncSplitter(Pred pred) : pred_(std::move(pred)) {}

  /// Splits the rows of a DataFrame.
  [[nodiscard]] Splits operator()(
      const DataFrame& df) const requires std::predicate<const Pred&, const Row&> {
    return detail::split_by(df.num_rows(), [&](std::size_t i) {
      return static_cast<bool>(std::invoke(pred_, df.iloc(static_cast<std::int64_t>(i))));
    });
  }
  /// Splits a random-access range of items.
  template <std::ranges::random_access_range Items>
  requires(!std::same_as<Items, DataFrame> && std::ranges::sized_range<const Items> &&
           std::predicate<const Pred&, std::ranges::range_reference_t<const Items>>)
      [[nodiscard]] Splits
      operator()(const Items& items) const {
    const auto first = std::ranges::begin(items);
    return detail::split_by(std::ranges::size(items), [&](std::size_t i) {
      return static_cast<bool>(
          std::invoke(pred_, first[static_cast<std::ranges::range_difference_t<const Items>>(i)]));
    });
  }

 private:
  Pred pred_;
};

/// fastai's IndexSplitter: the given positions validate (in the given order), all others train.
class IndexSplitter {
 public:
  /// The validation positions.
  explicit IndexSplitter(std::vector<std::int64_t> valid_idx) : valid_(std::move(valid_idx)) {}
  /// Splits `n` items; positions outside [0, n) are left for check_splits to report.
  [[nodiscard]] Splits split(std::size_t n) const;
  /// Splits any sized source.
  template <detail::SizedSource Source>
  [[nodiscard]] Splits operator()(const Source& source) const {
    return split(detail::source_size(source));
  }

 private:
  std::vector<std::int64_t> valid_;
};

/// Options of GrandparentSplitter.
struct GrandparentSplitterOptions {
  /// Grandparent folder of the training items.
  std::string train_name = "train";
  /// Grandparent folder of the validation items.
  std::string valid_name = "valid";
};

/// fastai's GrandparentSplitter, for ImageNet-style trees (`train/dog/1.jpg`, `valid/cat/2.jpg`):
/// an item trains when the name of its grandparent folder is train_name, validates when it is
/// valid_name, and is left out of both otherwise.
class GrandparentSplitter {
 public:
  /// See GrandparentSplitterOptions.
  explicit GrandparentSplitter(GrandparentSplitterOptions options = {})
      : options_(std::move(options)) {}
  /// Splits items that are paths (or strings naming them).
  template <std::ranges::input_range Items>
  requires std::convertible_to<std::ranges::range_reference_t<const Items>, std::filesystem::path>
  [[nodiscard]] Splits operator()(const Items& items) const {
    Splits s;
    std::int64_t i = 0;
    for (const auto& item : items) {
      const std::filesystem::path p(item);
      const auto name = p.parent_path().parent_path().filename();
      if (name == options_.train_name) s.train.push_back(i);
      if (name == options_.valid_name) s.valid.push_back(i);
      ++i;
    }
    return s;
  }

 private:
  GrandparentSplitterOptions options_;
};

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/data/splitters-inl.hpp>
#endif
