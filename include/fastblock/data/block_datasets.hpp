// fastblock/data/block_datasets.hpp — what DataBlock::datasets() and dataloaders() return.
//
// Contract: BlockDatasets is a Datasets (data/datasets.hpp) whose tuple elements are the items of
// a DataBlock's blocks, set up on its training items; it adds what the blocks know: `blocks()`,
// `n_inp`, `vocab()` (of the last block that has one, fastai's `dsets.vocab`), `c()` (n_out of
// the last block, fastai's `dls.c`), `loss_kind` (the last block's default loss) and
// `decode(item)`. BlockDataLoaders is the DataLoaders pair built from one (`dls.train`,
// `dls.valid`, `dls[0]`) with the same additions, and `item_tfms()` / `batch_tfms()`, the
// transforms its loaders run (what predict and export read). Its loaders read the subsets through
// the item transforms (fastai's after_item, where item_tfms run) and pass each collated batch
// through the batch transforms (after_batch). Transforms see `training` true in the training loader
// only; their random parameters come from the generator the loader derives from (seed, epoch,
// item), so batches do not depend on the number of workers.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

#include <fastblock/core/random.hpp>
#include <fastblock/data/blocks/concept.hpp>
#include <fastblock/data/collate.hpp>
#include <fastblock/data/dataloader.hpp>
#include <fastblock/data/dataloaders.hpp>
#include <fastblock/data/dataset.hpp>
#include <fastblock/data/transform.hpp>

namespace fastblock {

struct ShowBatchOptions;  // vision/show.hpp; BlockDataLoaders::show_batch takes it

/// A subset of a Datasets read through item transforms (fastai's after_item).
template <Dataset Subset, class Tfms>
class TransformedSubset {
 public:
  /// What the transforms make of the subset's items.
  using item_type = transformed_t<Tfms, dataset_item_t<Subset>>;

  /// Reads `subset` through `tfms`, telling them whether it is a training subset.
  TransformedSubset(Subset subset, std::shared_ptr<const Tfms> tfms, bool training)
      : subset_(std::move(subset)), tfms_(std::move(tfms)), training_(training) {}

  /// Number of items.
  [[nodiscard]] std::size_t size() const noexcept { return fastblock::len(subset_); }
  /// Item `i` with the generator of epoch 0, seed 0 (as Datasets' operator[]).
  [[nodiscard]] item_type operator[](std::size_t i) const {
    Generator rng = Generator::derive(Generator::default_seed, {0, i});
    return get(i, rng);
  }
  /// Item `i`, the subset's pipelines and then the transforms drawing from `rng`.
  [[nodiscard]] item_type get(std::size_t i, Generator& rng) const {
    auto item = fastblock::get_item(subset_, i, rng);
    TransformContext ctx{rng, training_};
    return detail::apply_from<0>(*tfms_, std::move(item), ctx);
  }
  /// The subset the items come from, before the transforms.
  [[nodiscard]] const Subset& subset() const noexcept { return subset_; }
  /// Whether the transforms are told this is training data.
  [[nodiscard]] bool training() const noexcept { return training_; }

 private:
  Subset subset_;
  std::shared_ptr<const Tfms> tfms_;
  bool training_;
};

/// A loader's after_batch that runs batch transforms (fastai's batch_tfms).
template <class Tfms>
class BatchTransforms {
 public:
  /// Runs `tfms`, telling them whether the loader is a training one.
  BatchTransforms(std::shared_ptr<const Tfms> tfms, bool training)
      : tfms_(std::move(tfms)), training_(training) {}
  /// The batch through every transform, in run order.
  template <class Batch>
  auto operator()(Batch&& batch, Generator& rng) const {
    TransformContext ctx{rng, training_};
    return detail::apply_from<0>(*tfms_, std::forward<Batch>(batch), ctx);
  }

 private:
  std::shared_ptr<const Tfms> tfms_;
  bool training_;
};

namespace detail {

/// What DataBlock's functions return after a static_assert has rejected their input: a stand-in
/// that keeps the compiler from adding errors of its own to that one line.
struct Unset {};

/// Whether a block has a vocabulary.
template <class B>
concept HasVocab = requires(const B& b) {
  b.vocab();
};

/// The position of the last block of `Blocks` that has a vocabulary, or npos.
template <class Blocks>
struct last_vocab;
template <class... Bs>
struct last_vocab<std::tuple<Bs...>> {
  static constexpr std::size_t value = [] {
    constexpr bool has[] = {HasVocab<Bs>..., false};
    std::size_t at = static_cast<std::size_t>(-1);
    for (std::size_t k = 0; k < sizeof...(Bs); ++k)
      if (has[k]) at = k;
    return at;
  }();
};

}  // namespace detail

/// What DataBlock's set-up blocks tell about its items; shared by BlockDatasets and
/// BlockDataLoaders (see the contract above). `Blocks` is a std::tuple of blocks.
template <class Blocks, std::size_t NInp>
class BlockInfo {
 public:
  /// The blocks' tuple type.
  using blocks_type = Blocks;
  /// Number of blocks (elements of an item).
  static constexpr std::size_t n_blocks = std::tuple_size_v<Blocks>;
  /// How many of the first elements are inputs; the rest are targets.
  static constexpr std::size_t n_inp = NInp;
  /// The default loss of the last block (the target's, in the usual two-block case).
  static constexpr LossKind loss_kind = std::tuple_element_t<n_blocks - 1, Blocks>::loss_kind;

  /// Keeps the set-up blocks (shared, never modified).
  explicit BlockInfo(std::shared_ptr<const Blocks> blocks) : blocks_(std::move(blocks)) {}

  /// The blocks, set up on the training items.
  [[nodiscard]] const Blocks& blocks() const noexcept { return *blocks_; }
  /// Block `K`.
  template <std::size_t K>
  [[nodiscard]] const auto& block() const noexcept {
    return std::get<K>(*blocks_);
  }
  /// The vocabulary of the last block that has one (fastai's `dls.vocab`).
  [[nodiscard]] const auto& vocab() const {
    constexpr std::size_t at = detail::last_vocab<Blocks>::value;
    static_assert(at != static_cast<std::size_t>(-1),
                  "fastblock::DataBlock: vocab() needs a block with a vocabulary, such as "
                  "CategoryBlock or MultiCategoryBlock");
    if constexpr (at != static_cast<std::size_t>(-1)) return std::get<at>(*blocks_).vocab();
  }
  /// The number of model outputs the last block implies (fastai's `dls.c`).
  [[nodiscard]] std::int64_t c() const { return std::get<n_blocks - 1>(*blocks_).n_out(); }

  /// An item decoded by each block: (path, LabelList) for (image, multi-category), say.
  template <class Item>
  [[nodiscard]] auto decode(const Item& item) const {
    return [&]<std::size_t... K>(std::index_sequence<K...>) {
      return std::tuple{std::get<K>(*blocks_).decode(std::get<K>(item))...};
    }
    (std::make_index_sequence<n_blocks>{});
  }

 protected:
  /// The shared blocks, for the DataLoaders built from these datasets.
  [[nodiscard]] const std::shared_ptr<const Blocks>& shared_blocks() const noexcept {
    return blocks_;
  }

 private:
  std::shared_ptr<const Blocks> blocks_;
};

/// The DataLoaders of a DataBlock (see the contract above).
template <class Loader, class Blocks, std::size_t NInp, class ItemTfms = NoTransforms,
          class BatchTfms = NoTransforms>
class BlockDataLoaders : public DataLoadersOf<Loader>, public BlockInfo<Blocks, NInp> {
 public:
  /// Pairs the loaders with the blocks their items came from and the transforms they run.
  BlockDataLoaders(Loader train_loader, Loader valid_loader, std::shared_ptr<const Blocks> blocks,
                   std::shared_ptr<const ItemTfms> item_tfms = std::make_shared<ItemTfms>(),
                   std::shared_ptr<const BatchTfms> batch_tfms = std::make_shared<BatchTfms>())
      : DataLoadersOf<Loader>(std::move(train_loader), std::move(valid_loader)),
        BlockInfo<Blocks, NInp>(std::move(blocks)),
        item_tfms_(std::move(item_tfms)),
        batch_tfms_(std::move(batch_tfms)) {}

  /// The item transforms the loaders run (the blocks' defaults, then the DataBlock's), a
  /// std::tuple in the order given; they run sorted by `order`.
  [[nodiscard]] const ItemTfms& item_tfms() const noexcept { return *item_tfms_; }
  /// The batch transforms (fastai's `dls.after_batch`), likewise.
  [[nodiscard]] const BatchTfms& batch_tfms() const noexcept { return *batch_tfms_; }

  /// Items per batch of the training loader (fastai's `dls.bs`).
  [[nodiscard]] std::int64_t bs() const noexcept { return this->train.bs(); }
  /// The first training batch, without starting an epoch (fastai's `dls.one_batch()`).
  [[nodiscard]] auto one_batch() const { return this->train.one_batch(); }
  /// fastai's `dls.show_batch(max_n=9)`: the first training batch as a PNG grid at `path`, as
  /// the free function show_batch (vision/show.hpp, which the caller includes; data does not
  /// depend on vision): `dls.show_batch("batch.png", {.max_n = 9})`.
  template <class Options = ShowBatchOptions>
  void show_batch(const std::filesystem::path& path, const Options& options = Options{}) const {
    show_batch_of(*this, path, options);
  }

 private:
  std::shared_ptr<const ItemTfms> item_tfms_;
  std::shared_ptr<const BatchTfms> batch_tfms_;
};

/// The Datasets of a DataBlock (see the contract above).
template <class DS, class Blocks, std::size_t NInp>
class BlockDatasets : public DS, public BlockInfo<Blocks, NInp> {
 public:
  /// Pairs `dss` with the blocks its pipelines encode with.
  BlockDatasets(DS dss, std::shared_ptr<const Blocks> blocks)
      : DS(std::move(dss)), BlockInfo<Blocks, NInp>(std::move(blocks)) {}

  /// Loaders over `train` and `valid`, reading items through `item_tfms` (a std::tuple of
  /// transforms) and batches through `batch_tfms` (fastai's `dsets.dataloaders(after_item=...,
  /// after_batch=...)`); the training loader shuffles and drops its last partial batch.
  template <class ItemTfms = NoTransforms, class BatchTfms = NoTransforms>
  [[nodiscard]] auto dataloaders(DataLoadersOptions options = {}, ItemTfms item_tfms = {},
                                 BatchTfms batch_tfms = {}) const {
    using Subset = typename DS::subset_type;
    using Item = transformed_t<ItemTfms, dataset_item_t<Subset>>;
    // One check after the other, so that one mistake gives one error.
    if constexpr (!require_transforms<ItemTfms, dataset_item_t<Subset>>()) {
      return detail::Unset{};
    } else if constexpr (!detail::check_collatable<Item>()) {
      return detail::Unset{};
    } else if constexpr (!require_transforms<BatchTfms, collate_t<Item>, true>()) {
      return detail::Unset{};
    } else {
      using Loader = DataLoader<TransformedSubset<Subset, ItemTfms>, BatchTransforms<BatchTfms>>;
      const auto items = std::make_shared<const ItemTfms>(std::move(item_tfms));
      const auto batches = std::make_shared<const BatchTfms>(std::move(batch_tfms));
      const auto loader = [&](const Subset& subset, bool training) {
        return Loader(TransformedSubset<Subset, ItemTfms>(subset, items, training),
                      detail::loader_options(options, training),
                      BatchTransforms<BatchTfms>(batches, training));
      };
      return BlockDataLoaders<Loader, Blocks, NInp, ItemTfms, BatchTfms>(
          loader(this->train, true), loader(this->valid, false), this->shared_blocks(), items,
          batches);
    }
  }
};

}  // namespace fastblock
