// fastblock/data/datasets.hpp — fastai's Datasets: raw items, pipelines, a training/validation
// split.
//
// Contract: `Datasets(items, Pipeline(f1), Pipeline(f2))` is a Dataset whose item i is
// `std::tuple{f1(items[i]), f2(items[i])}`: every pipeline starts from the raw item (fastai's
// `[[f1], [f2]]`), and the tuple's element types are the pipelines' result types, part of the
// Datasets' type (no type erasure). With no pipeline the item is the 1-tuple of the raw item, as
// in fastai. `Datasets(items, Splits{train, valid}, pipelines...)` adds the split: `.train` and
// `.valid` are Datasets-like views (DatasetsSubset) of those positions with the same item type;
// without splits `.train` holds every item and `.valid` none. Splits (data/splits.hpp, what
// the splitters return) are checked at construction by check_splits: an index out of range, an
// index in both sets or an empty training set is a value_error naming it.
//
// Datasets are values that share their immutable items and pipelines between copies and subsets
// (and with loaders reading them from several threads): items and functions are never modified.
// Item i is computed on access by `get(i, rng)`, each pipeline drawing in turn from the item's
// generator; `dss[i]` uses `Generator::derive(0, {0, i})`, which is what a DataLoader with seed 0
// gives the item in epoch 0. Access is bounds-checked (index_error).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/core/random.hpp>
#include <fastblock/data/dataset.hpp>
#include <fastblock/data/pipeline.hpp>
#include <fastblock/data/splits.hpp>

namespace fastblock {

namespace detail {

/// Validated split positions.
struct SplitIndices {
  std::vector<std::size_t> train;
  std::vector<std::size_t> valid;
};

/// `splits` as positions, after check_splits (data/splits.hpp) has validated them for `n`
/// items; throws value_error naming the offending index.
[[nodiscard]] SplitIndices split_indices(const Splits& splits, std::size_t n);

/// Every position in the training set, none in validation.
[[nodiscard]] SplitIndices all_training(std::size_t n);

/// The index_error of an access past the end.
[[noreturn]] void throw_datasets_index(std::size_t i, std::size_t n);

/// What the items and pipelines of a Datasets make: the shared, immutable part.
template <class Items, class... Ps>
struct DatasetsState {
  /// No pipeline means one identity pipeline: items become 1-tuples, as in fastai.
  using pipelines_type =
      std::conditional_t<sizeof...(Ps) == 0, std::tuple<Pipeline<>>, std::tuple<Ps...>>;

  template <class Tuple>
  struct item_of;
  template <class... Qs>
  struct item_of<std::tuple<Qs...>> {
    using type = std::tuple<pipeline_result_t<Qs, const dataset_item_t<Items>&>...>;
  };
  using item_type = typename item_of<pipelines_type>::type;

  Items items;
  pipelines_type pipelines;

  /// Item `i` of `items` through every pipeline, in order, all drawing from `rng`.
  [[nodiscard]] item_type make(std::size_t i, Generator& rng) const {
    const auto& raw = items[i];
    return std::apply(
        // Braced initialisation runs the pipelines left to right, so draws happen in order.
        [&](const auto&... p) { return item_type{p(raw, rng)...}; }, pipelines);
  }
};

}  // namespace detail

/// The training or validation part of a Datasets: the same items, a list of positions.
template <Dataset Items, class... Ps>
class DatasetsSubset {
  using State = detail::DatasetsState<Items, Ps...>;

 public:
  /// What `subset[i]` is: the Datasets' item type.
  using item_type = typename State::item_type;

  /// Views the items of `state` at `indices` (already validated).
  DatasetsSubset(std::shared_ptr<const State> state, std::vector<std::size_t> indices)
      : state_(std::move(state)),
        indices_(std::make_shared<const std::vector<std::size_t>>(std::move(indices))) {}

  /// Number of items in the subset.
  [[nodiscard]] std::size_t size() const noexcept { return indices_->size(); }
  /// Whether the subset has no item (`dss.valid` without a split).
  [[nodiscard]] bool empty() const noexcept { return indices_->empty(); }

  /// Item `i` of the subset, with the generator of epoch 0, seed 0 (see the contract).
  [[nodiscard]] item_type operator[](std::size_t i) const {
    Generator rng = Generator::derive(Generator::default_seed, {0, i});
    return get(i, rng);
  }
  /// Item `i` of the subset, with random transforms drawing from `rng` (the loaders' hook).
  [[nodiscard]] item_type get(std::size_t i, Generator& rng) const {
    if (i >= size()) detail::throw_datasets_index(i, size());
    return state_->make((*indices_)[i], rng);
  }

  /// Positions of this subset's items among all the items.
  [[nodiscard]] const std::vector<std::size_t>& indices() const noexcept { return *indices_; }
  /// All the raw items (not only this subset's).
  [[nodiscard]] const Items& items() const noexcept { return state_->items; }

 private:
  std::shared_ptr<const State> state_;
  std::shared_ptr<const std::vector<std::size_t>> indices_;
};

/// Raw items through pipelines, split into training and validation (see the contract above).
template <Dataset Items, class... Ps>
requires(is_pipeline_v<Ps>&&...) class Datasets {
  using State = detail::DatasetsState<Items, Ps...>;

 public:
  /// What `items[i]` is.
  using raw_item_type = dataset_item_t<Items>;
  /// What `dss[i]` is: a std::tuple with one element per pipeline.
  using item_type = typename State::item_type;
  /// The type of `train` and `valid`.
  using subset_type = DatasetsSubset<Items, Ps...>;

  /// All items for training, none for validation.
  explicit Datasets(Items items, Ps... pipelines)
      : Datasets(make_state(std::move(items), std::move(pipelines)...), nullptr) {}

  /// Items split by `splits`; throws value_error for an invalid split.
  Datasets(Items items, const Splits& splits, Ps... pipelines)
      : Datasets(make_state(std::move(items), std::move(pipelines)...), &splits) {}

 private:
  std::shared_ptr<const State> state_;

 public:
  /// The training items (fastai's `dss.train`).
  subset_type train;
  /// The validation items (fastai's `dss.valid`).
  subset_type valid;

  /// Number of items, training and validation together.
  [[nodiscard]] std::size_t size() const noexcept { return fastblock::len(state_->items); }

  /// Item `i` of all items, with the generator of epoch 0, seed 0 (see the contract).
  [[nodiscard]] item_type operator[](std::size_t i) const {
    Generator rng = Generator::derive(Generator::default_seed, {0, i});
    return get(i, rng);
  }
  /// Item `i`, with random transforms drawing from `rng` (the loaders' hook).
  [[nodiscard]] item_type get(std::size_t i, Generator& rng) const {
    if (i >= size()) detail::throw_datasets_index(i, size());
    return state_->make(i, rng);
  }

  /// Subset `k`: 0 is train, 1 is valid (fastai's `dss.subset(k)` / `dss[k]` on DataLoaders).
  [[nodiscard]] const subset_type& subset(std::size_t k) const {
    if (k > 1) detail::throw_datasets_index(k, 2);
    return k == 0 ? train : valid;
  }

  /// The raw items.
  [[nodiscard]] const Items& items() const noexcept { return state_->items; }
  /// The pipelines, one per tuple element (the identity one when none was given).
  [[nodiscard]] const typename State::pipelines_type& pipelines() const noexcept {
    return state_->pipelines;
  }

 private:
  static std::shared_ptr<const State> make_state(Items items, Ps... pipelines) {
    if constexpr (sizeof...(Ps) == 0) {
      return std::make_shared<const State>(State{std::move(items), {Pipeline<>()}});
    } else {
      return std::make_shared<const State>(State{std::move(items), {std::move(pipelines)...}});
    }
  }

  Datasets(std::shared_ptr<const State> state, const Splits* splits)
      : Datasets(state, splits ? detail::split_indices(*splits, fastblock::len(state->items))
                               : detail::all_training(fastblock::len(state->items))) {}

  Datasets(std::shared_ptr<const State> state, detail::SplitIndices split)
      : state_(std::move(state)),
        train(state_, std::move(split.train)),
        valid(state_, std::move(split.valid)) {}
};

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/data/datasets-inl.hpp>
#endif
