// fastblock/data/dataloaders.hpp — a training and a validation DataLoader, as fastai pairs them.
//
// Contract: `DataLoaders::from_dsets(dss, {.bs = 4})` builds, from anything with Dataset members
// `train` and `valid` of one type (a Datasets), a `DataLoadersOf<DataLoader<subset>>` whose
// `train` loader shuffles and drops the last partial batch (fastai's shuffle_train) and whose
// `valid` loader reads in order and keeps every item. `dls[0]` is train, `dls[1]` valid.
// `DataLoaders` itself only holds the factory; the pair's type is DataLoadersOf, which can also be
// built directly from two loaders of one type: `DataLoadersOf(train_dl, valid_dl)`.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/data/dataloader.hpp>
#include <fastblock/data/dataset.hpp>

namespace fastblock {

/// Options of DataLoaders::from_dsets, fastai's names; the rest is chosen per loader.
struct DataLoadersOptions {
  /// Items per batch, for both loaders.
  std::int64_t bs = 64;
  /// Shuffle the training loader and drop its last partial batch (validation never does).
  bool shuffle_train = true;
  /// Seeds both loaders (see DataLoaderOptions::seed).
  std::uint64_t seed = 0;
  /// See DataLoaderOptions::num_workers; each loader with n > 0 owns a pool of n threads.
  int num_workers = DataLoaderOptions::default_num_workers;
  /// See DataLoaderOptions::prefetch.
  int prefetch = 2;
  /// See DataLoaderOptions::on_bad_item; both loaders skip or both stop.
  OnBadItem on_bad_item = OnBadItem::error;
};

namespace detail {

/// The options of the training (`training`) or the validation loader of a pair: only training
/// shuffles and drops its last partial batch, and only when options.shuffle_train says so.
[[nodiscard]] inline DataLoaderOptions loader_options(const DataLoadersOptions& options,
                                                      bool training) {
  const bool shuffle = training && options.shuffle_train;
  return DataLoaderOptions{.bs = options.bs,
                           .shuffle = shuffle,
                           .drop_last = shuffle,
                           .seed = options.seed,
                           .num_workers = options.num_workers,
                           .prefetch = options.prefetch,
                           .on_bad_item = options.on_bad_item};
}

}  // namespace detail

/// A training and a validation loader of one type (fastai's DataLoaders with two loaders).
template <class Loader>
class DataLoadersOf {
 public:
  /// Pairs two loaders (fastai's `DataLoaders(dl_train, dl_valid)`).
  DataLoadersOf(Loader train_loader, Loader valid_loader)
      : train(std::move(train_loader)), valid(std::move(valid_loader)) {}

  /// The training loader (`dls.train`, `dls[0]`).
  Loader train;
  /// The validation loader (`dls.valid`, `dls[1]`).
  Loader valid;

  /// Loader `i`: 0 is train, 1 is valid; index_error otherwise.
  [[nodiscard]] Loader& operator[](std::size_t i) {
    check_index(i);
    return i == 0 ? train : valid;
  }
  /// Loader `i` of a const pair.
  [[nodiscard]] const Loader& operator[](std::size_t i) const {
    check_index(i);
    return i == 0 ? train : valid;
  }
  /// Number of loaders (2).
  [[nodiscard]] static constexpr std::size_t size() noexcept { return 2; }

 private:
  static void check_index(std::size_t i) {
    if (i > 1)
      throw index_error("fastblock::DataLoaders: index " + std::to_string(i) +
                        " is out of range (0: train, 1: valid)");
  }
};

/// Datasets-like: Dataset members `train` and `valid` of one type.
template <class T>
concept SplitDatasets = requires(const T& dss) {
  requires Dataset<std::remove_cvref_t<decltype(dss.train)>>;
  requires std::same_as<std::remove_cvref_t<decltype(dss.train)>,
                        std::remove_cvref_t<decltype(dss.valid)>>;
};

/// fastai's DataLoaders factory: `DataLoaders::from_dsets(dss, {.bs = 4})`.
struct DataLoaders {
  /// The training and validation loaders over `dss.train` and `dss.valid` (see the contract).
  template <SplitDatasets DS>
  [[nodiscard]] static auto from_dsets(const DS& dss, DataLoadersOptions options = {}) {
    using Subset = std::remove_cvref_t<decltype(dss.train)>;
    return DataLoadersOf<DataLoader<Subset>>(
        DataLoader<Subset>(dss.train, detail::loader_options(options, true)),
        DataLoader<Subset>(dss.valid, detail::loader_options(options, false)));
  }
};

}  // namespace fastblock
