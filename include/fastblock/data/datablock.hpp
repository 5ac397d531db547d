// fastblock/data/datablock.hpp — fastai's DataBlock as a type-state builder.
//
// Contract: `DataBlock<ImageBlock, MultiCategoryBlock>{}.get_x(f).get_y(g).splitter(s)
// .item_tfms(t...).batch_tfms(u...)` records each stage in its type, with no type erasure: every
// setter returns a new DataBlockOf whose template arguments name the callables. Given a source
// (a DataFrame, whose items are its rows, or any dataset such as a std::vector of paths; or
// anything `get_items` turns into one), `datasets(source)` and `dataloaders(source, options)`
//   1. collect the items: get_items(source), else the source's rows or elements (the result
//      keeps its own copy of the source: std::move a large DataFrame in to avoid copying it);
//   2. split them with the splitter (RandomSplitter() when none: 20% validate), which sees the
//      DataFrame for a DataFrame source and the items otherwise;
//   3. set each block up (its vocabulary, say) from what its getter returns for the training
//      items: block k < n_inp takes get_x, the others get_y; a missing getter passes the item;
//   4. return a BlockDatasets (data/block_datasets.hpp) whose item i is the tuple of
//      `block_k.encode(getter_k(item i))`, or BlockDataLoaders whose loaders apply item_tfms to
//      each item and batch_tfms to each batch (data/transform.hpp).
// `DataBlock()` without blocks gives (x, x) items, as fastai's empty DataBlock does: its two
// blocks pass through what the getters return (text as std::string). `n_inp<N>()` says how many
// leading blocks are inputs (default: all but the last). get_x and get_y take one function for
// all their blocks or one per block. Blocks may bring default transforms, as fastai's ImageBlock
// brings ToTensor: a block's `item_tfms()` / `batch_tfms()` (tuples) run before the user's.
//
// Mistakes that types reveal stop the build with one line starting "fastblock::DataBlock: " at
// the datasets()/dataloaders() call: a block that is not a block, a getter that cannot take the
// item or returns what its block does not accept ("get_y must return std::vector<std::string>
// for MultiCategoryBlock"), a splitter that does not fit the source, a transform that applies to
// no element of the item. Run-time failures name the stage and the item: "fastblock::DataBlock:
// get_y failed on item 17 (setting up MultiCategoryBlock): ...". `summary(source)`
// (data/datablock_summary.hpp) walks one item and one batch through every stage, printing each.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <iostream>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <fastblock/data/block_datasets.hpp>
#include <fastblock/data/blocks/concept.hpp>
#include <fastblock/data/blocks/transform.hpp>
#include <fastblock/data/datablock_summary.hpp>
#include <fastblock/data/dataframe.hpp>
#include <fastblock/data/dataframe_rows.hpp>
#include <fastblock/data/dataloader.hpp>
#include <fastblock/data/dataloaders.hpp>
#include <fastblock/data/dataset.hpp>
#include <fastblock/data/datasets.hpp>
#include <fastblock/data/pipeline.hpp>
#include <fastblock/data/splitters.hpp>
#include <fastblock/data/transform.hpp>
#include <fastblock/data/type_name.hpp>

namespace fastblock {

namespace detail {

// detail::Unset (data/block_datasets.hpp) also stands for a stage that was not given.

/// n_inp not given: all blocks but the last are inputs.
inline constexpr std::size_t auto_n_inp = static_cast<std::size_t>(-1);

/// What a pass-through block keeps of a getter's result: text becomes a std::string, so items
/// never point into the source.
template <class R>
using stored_t = std::conditional_t<std::convertible_to<R, std::string_view>, std::string,
                                    std::remove_cvref_t<R>>;

/// Whether block B learns anything in setup(); a block can say it does not with
/// `static constexpr bool learns_from_data = false`, which spares collecting its raw values.
template <class B>
constexpr bool learns_from_data() {
  if constexpr (requires { requires !B::learns_from_data; }) {
    return false;
  } else {
    return true;
  }
}

/// Whether T is a std::tuple (of transforms, to be spliced into a transform list).
template <class T>
struct is_std_tuple : std::false_type {};
template <class... Ts>
struct is_std_tuple<std::tuple<Ts...>> : std::true_type {};

/// A transform as a one-element tuple, a tuple of transforms as itself.
template <class T>
auto as_transform_tuple(T t) {
  if constexpr (is_std_tuple<T>::value) {
    return t;
  } else {
    return std::tuple<T>(std::move(t));
  }
}

/// A block's default item transforms (`b.item_tfms()`), or none.
template <class B>
auto block_item_tfms(const B& b) {
  if constexpr (requires { b.item_tfms(); }) {
    return b.item_tfms();
  } else {
    return NoTransforms{};
  }
}

/// A block's default batch transforms (`b.batch_tfms()`), or none.
template <class B>
auto block_batch_tfms(const B& b) {
  if constexpr (requires { b.batch_tfms(); }) {
    return b.batch_tfms();
  } else {
    return NoTransforms{};
  }
}

/// Reads, in the compiler's note, as "get_x_<G>::can_be_called_with<Row>".
template <class G>
struct get_x_ {
  template <class Item>
  static constexpr bool can_be_called_with = std::invocable<const G&, const Item&>;
};
/// The get_y counterpart of get_x_.
template <class G>
struct get_y_ {
  template <class Item>
  static constexpr bool can_be_called_with = std::invocable<const G&, const Item&>;
};

/// Encodes element K of a DataBlock's items: `block_K.encode(getter(item))`.
template <class Blocks, std::size_t K, class Getter>
struct BlockEncoder {
  using block_type = std::tuple_element_t<K, Blocks>;
  std::shared_ptr<const Blocks> blocks;
  Getter getter;

  template <class Item>
  item_t<block_type> operator()(const Item& item) const {
    return std::get<K>(*blocks).encode(to_raw<block_type>(std::invoke(getter, item)));
  }
};

}  // namespace detail

/// A DataBlock with its stages in its type; see the contract above. Users start from DataBlock
/// and let the setters spell this type.
template <class Blocks, class GetItems, class GetXs, class GetYs, class Splitter, class ItemTfms,
          class BatchTfms, std::size_t NInp>
class DataBlockOf;

template <class... Bs, class GetItems, class GetXs, class GetYs, class Splitter, class ItemTfms,
          class BatchTfms, std::size_t NInp>
class DataBlockOf<std::tuple<Bs...>, GetItems, GetXs, GetYs, Splitter, ItemTfms, BatchTfms, NInp> {
  static_assert((require_block<Bs>() && ...));

  template <class, class, class, class, class, class, class, std::size_t>
  friend class DataBlockOf;

  template <class GI, class GX, class GY, class S, class IT, class BT, std::size_t N>
  using with = DataBlockOf<std::tuple<Bs...>, GI, GX, GY, S, IT, BT, N>;

 public:
  /// Number of blocks: elements of an item (two pass-through blocks without any).
  static constexpr std::size_t n_blocks = sizeof...(Bs) == 0 ? 2 : sizeof...(Bs);
  /// Number of inputs: n_inp<N>() or, by default, all blocks but the last (at least one).
  static constexpr std::size_t n_inputs =
      NInp != detail::auto_n_inp ? NInp : (n_blocks > 1 ? n_blocks - 1 : 1);
  static_assert(n_inputs >= 1 && n_inputs <= n_blocks,
                "fastblock::DataBlock: n_inp must be at least 1 and at most the number of blocks");

  /// The getter of block K: get_x for inputs, get_y for targets; std::identity when not given.
  template <std::size_t K>
  [[nodiscard]] decltype(auto) getter() const {
    if constexpr (K < n_inputs) {
      return pick<K>(get_x_);
    } else {
      return pick<K - n_inputs>(get_y_);
    }
  }
  /// "get_x" or "get_y", the stage that feeds block K.
  template <std::size_t K>
  [[nodiscard]] static constexpr std::string_view getter_name() noexcept {
    return K < n_inputs ? "get_x" : "get_y";
  }

 private:
  template <std::size_t J, class Fs>
  static decltype(auto) pick(const Fs& fs) {
    if constexpr (std::same_as<Fs, detail::Unset>) {
      return std::identity{};
    } else if constexpr (std::tuple_size_v<Fs> == 1) {
      return (std::get<0>(fs));
    } else {
      return (std::get<J>(fs));
    }
  }

  /// The type of block K's getter.
  template <std::size_t K>
  using getter_t =
      std::remove_cvref_t<decltype(std::declval<const DataBlockOf&>().template getter<K>())>;

  /// What block K's getter returns for an Item.
  template <std::size_t K, class Item>
  using getter_result_t = std::invoke_result_t<const getter_t<K>&, const Item&>;

  template <class Item>
  static auto resolve_types() {
    if constexpr (sizeof...(Bs) == 0) {
      return std::type_identity<
          std::tuple<TransformBlock<detail::stored_t<getter_result_t<0, Item>>>,
                     TransformBlock<detail::stored_t<getter_result_t<1, Item>>>>>{};
    } else {
      return std::type_identity<std::tuple<Bs...>>{};
    }
  }

 public:
  /// The blocks for items of type Item: the given ones, or two that pass the getters' results.
  template <class Item>
  using resolved_blocks_t = typename decltype(resolve_types<Item>())::type;

  /// The blocks as given (before setup).
  [[nodiscard]] const std::tuple<Bs...>& blocks() const noexcept { return blocks_; }

  /// Stage get_items: `f(source)` returns the items (a dataset, or a DataFrame).
  template <class F>
  [[nodiscard]] auto get_items(F f) const {
    return with<F, GetXs, GetYs, Splitter, ItemTfms, BatchTfms, NInp>(
        blocks_, std::move(f), get_x_, get_y_, splitter_, item_tfms_, batch_tfms_);
  }
  /// Stage get_x: one function for every input block, or one per input block.
  template <class... Fs>
  requires(sizeof...(Fs) >= 1) [[nodiscard]] auto get_x(Fs... fs) const {
    return with<GetItems, std::tuple<Fs...>, GetYs, Splitter, ItemTfms, BatchTfms, NInp>(
        blocks_, get_items_, std::tuple<Fs...>(std::move(fs)...), get_y_, splitter_, item_tfms_,
        batch_tfms_);
  }
  /// Stage get_y: one function for every target block, or one per target block.
  template <class... Fs>
  requires(sizeof...(Fs) >= 1) [[nodiscard]] auto get_y(Fs... fs) const {
    return with<GetItems, GetXs, std::tuple<Fs...>, Splitter, ItemTfms, BatchTfms, NInp>(
        blocks_, get_items_, get_x_, std::tuple<Fs...>(std::move(fs)...), splitter_, item_tfms_,
        batch_tfms_);
  }
  /// Stage splitter: `s(source)` returns Splits or a pair of index vectors (data/splitters.hpp).
  template <class S>
  [[nodiscard]] auto splitter(S s) const {
    return with<GetItems, GetXs, GetYs, S, ItemTfms, BatchTfms, NInp>(
        blocks_, get_items_, get_x_, get_y_, std::move(s), item_tfms_, batch_tfms_);
  }
  /// Transforms applied to each item in the loaders (fastai's item_tfms), replacing earlier ones.
  /// A std::tuple of transforms counts as its elements, as Python's `[*tfms, t]` would.
  template <class... Ts>
  [[nodiscard]] auto item_tfms(Ts... ts) const {
    auto all = std::tuple_cat(detail::as_transform_tuple(std::move(ts))...);
    return with<GetItems, GetXs, GetYs, Splitter, decltype(all), BatchTfms, NInp>(
        blocks_, get_items_, get_x_, get_y_, splitter_, std::move(all), batch_tfms_);
  }
  /// Transforms applied to each collated batch (fastai's batch_tfms), replacing earlier ones;
  /// `.batch_tfms(aug_transforms({...}), Normalize::imagenet())` is fastai's
  /// `batch_tfms=[*aug_transforms(...), Normalize.from_stats(*imagenet_stats)]`.
  template <class... Ts>
  [[nodiscard]] auto batch_tfms(Ts... ts) const {
    auto all = std::tuple_cat(detail::as_transform_tuple(std::move(ts))...);
    return with<GetItems, GetXs, GetYs, Splitter, ItemTfms, decltype(all), NInp>(
        blocks_, get_items_, get_x_, get_y_, splitter_, item_tfms_, std::move(all));
  }
  /// How many leading blocks are inputs.
  template <std::size_t N>
  [[nodiscard]] auto n_inp() const {
    return with<GetItems, GetXs, GetYs, Splitter, ItemTfms, BatchTfms, N>(
        blocks_, get_items_, get_x_, get_y_, splitter_, item_tfms_, batch_tfms_);
  }

  /// The items of `source`, split, through the set-up blocks (see the contract above).
  template <class Source>
  [[nodiscard]] auto datasets(Source&& source) const {
    auto items = collect_items(std::forward<Source>(source));
    using Items = decltype(items);
    if constexpr (check_items<Items>() && check_stages<Items>()) {
      using Resolved = resolved_blocks_t<dataset_item_t<Items>>;
      const Splits splits = apply_splitter(splitter_or_default(), split_source(items));
      auto blocks = std::make_shared<Resolved>(resolve_blocks<dataset_item_t<Items>>());
      setup_blocks(*blocks, items, splits.train, std::make_index_sequence<n_blocks>{});
      check_valid_blocks(*blocks, items, splits.valid, std::make_index_sequence<n_blocks>{});
      return make_datasets(std::move(items), splits, std::shared_ptr<const Resolved>(blocks),
                           std::make_index_sequence<n_blocks>{});
    } else {
      return detail::Unset{};  // not compiled: a static_assert has said why
    }
  }

  /// `datasets(source).dataloaders(options, item transforms, batch transforms)`, the blocks'
  /// default transforms first.
  template <class Source>
  [[nodiscard]] auto dataloaders(Source&& source, DataLoadersOptions options = {}) const {
    auto dsets = prepared_for_item_tfms().datasets(std::forward<Source>(source));
    if constexpr (std::same_as<decltype(dsets), detail::Unset>) {
      return dsets;
    } else {
      return dsets.dataloaders(options, all_item_tfms(dsets.blocks()),
                               all_batch_tfms(dsets.blocks()));
    }
  }

  /// Prints one item and one batch of `bs` items through every stage to `os` and returns that
  /// batch; a failing stage is named in the output and in the exception (see
  /// data/datablock_summary.hpp).
  template <class Source>
  auto summary(Source&& source, std::ostream& os = std::cout, std::int64_t bs = 4) const {
    return detail::summary::run(*this, std::forward<Source>(source), os, bs);
  }

  /// A copy whose blocks know the item transforms the loaders will run: a block with
  /// `for_item_tfms(tfms)` is replaced by what it returns (ImageBlock then decodes JPEGs smaller
  /// before a Resize that shrinks them anyway).
  [[nodiscard]] DataBlockOf prepared_for_item_tfms() const {
    DataBlockOf copy = *this;
    const auto tfms = all_item_tfms(blocks_);
    std::apply(
        [&](auto&... b) {
          const auto prepare = [&](auto& block) {
            if constexpr (requires { block = block.for_item_tfms(tfms); })
              block = block.for_item_tfms(tfms);
          };
          (prepare(b), ...);
        },
        copy.blocks_);
    return copy;
  }

  /// The item transforms the loaders run: the blocks' defaults, then item_tfms.
  template <class Resolved>
  [[nodiscard]] auto all_item_tfms(const Resolved& blocks) const {
    return std::tuple_cat(
        std::apply([](const auto&... b) { return std::tuple_cat(detail::block_item_tfms(b)...); },
                   blocks),
        item_tfms_);
  }
  /// The batch transforms the loaders run: the blocks' defaults, then batch_tfms.
  template <class Resolved>
  [[nodiscard]] auto all_batch_tfms(const Resolved& blocks) const {
    return std::tuple_cat(
        std::apply([](const auto&... b) { return std::tuple_cat(detail::block_batch_tfms(b)...); },
                   blocks),
        batch_tfms_);
  }

  /// The items `source` yields (get_items' result, a DataFrame's rows, or the source itself).
  template <class Source>
  [[nodiscard]] auto collect_items(Source&& source) const {
    using S = std::remove_cvref_t<Source>;
    if constexpr (!std::same_as<GetItems, detail::Unset>) {
      static_assert(std::invocable<const GetItems&, const S&>,
                    "fastblock::DataBlock: get_items must be callable with the source");
      if constexpr (std::invocable<const GetItems&, const S&>) {
        using R = std::remove_cvref_t<std::invoke_result_t<const GetItems&, const S&>>;
        if constexpr (std::same_as<R, DataFrame>) {
          return DataFrameRows(std::invoke(get_items_, std::as_const(source)));
        } else {
          return R(std::invoke(get_items_, std::as_const(source)));
        }
      } else {
        return detail::Unset{};
      }
    } else if constexpr (std::same_as<S, DataFrame>) {
      return DataFrameRows(DataFrame(std::forward<Source>(source)));
    } else {
      return S(std::forward<Source>(source));
    }
  }

  /// What the splitter sees: the DataFrame of a DataFrame's rows, the items otherwise.
  template <class Items>
  [[nodiscard]] static const auto& split_source(const Items& items) {
    if constexpr (std::same_as<Items, DataFrameRows>) {
      return items.frame();
    } else {
      return items;
    }
  }

  /// The splitter given, or RandomSplitter().
  [[nodiscard]] auto splitter_or_default() const {
    if constexpr (std::same_as<Splitter, detail::Unset>) {
      return RandomSplitter();
    } else {
      return splitter_;
    }
  }

 private:
  DataBlockOf(std::tuple<Bs...> blocks, GetItems get_items, GetXs get_x, GetYs get_y,
              Splitter splitter, ItemTfms item_tfms, BatchTfms batch_tfms)
      : blocks_(std::move(blocks)),
        get_items_(std::move(get_items)),
        get_x_(std::move(get_x)),
        get_y_(std::move(get_y)),
        splitter_(std::move(splitter)),
        item_tfms_(std::move(item_tfms)),
        batch_tfms_(std::move(batch_tfms)) {}

 protected:
  /// The blocks as given, no stage set (DataBlock's constructors).
  explicit DataBlockOf(std::tuple<Bs...> blocks) : blocks_(std::move(blocks)) {}

 private:
  template <class Item>
  auto resolve_blocks() const {
    if constexpr (sizeof...(Bs) == 0) {
      return resolved_blocks_t<Item>{};
    } else {
      return blocks_;
    }
  }

  /// The items' type is a dataset; one line otherwise.
  template <class Items>
  static consteval bool check_items() {
    if constexpr (std::same_as<Items, detail::Unset>) {
      return false;  // get_items' static_assert has spoken
    } else {
      static_assert(Dataset<Items>,
                    "fastblock::DataBlock: the source must be a DataFrame or a dataset (indexable "
                    "and sized, such as a std::vector), or get_items must turn it into one");
      return Dataset<Items>;
    }
  }

  /// Getter counts, getters against items and blocks, splitter against the source.
  template <class Items>
  static consteval bool check_stages() {
    using Item = dataset_item_t<Items>;
    constexpr std::size_t n_targets = n_blocks - n_inputs;
    if constexpr (!count_ok<GetXs>(n_inputs)) {
      static_assert(count_ok<GetXs>(n_inputs),
                    "fastblock::DataBlock: get_x takes one function for all input blocks or one "
                    "per input block (n_inputs of them)");
      return false;
    } else if constexpr (!count_ok<GetYs>(n_targets)) {
      static_assert(count_ok<GetYs>(n_targets),
                    "fastblock::DataBlock: get_y takes one function for all target blocks or one "
                    "per target block");
      return false;
    } else if constexpr (!check_getters<Item>(std::make_index_sequence<n_blocks>{})) {
      return false;
    } else {
      using SplitSource = std::remove_cvref_t<decltype(split_source(std::declval<const Items&>()))>;
      using S = decltype(std::declval<const DataBlockOf&>().splitter_or_default());
      return require_splitter<S, SplitSource>();
    }
  }

  template <class Fs>
  static constexpr bool count_ok(std::size_t n) {
    if constexpr (std::same_as<Fs, detail::Unset>) {
      return true;
    } else {
      return std::tuple_size_v<Fs> == 1 || std::tuple_size_v<Fs> == n;
    }
  }

  template <class Item, std::size_t... K>
  static consteval bool check_getters(std::index_sequence<K...>) {
    return (check_getter<K, Item>() && ...);
  }

  /// Block K's getter takes the item, and its result feeds the block.
  template <std::size_t K, class Item>
  static consteval bool check_getter() {
    using G = getter_t<K>;
    if constexpr (!std::invocable<const G&, const Item&>) {
      if constexpr (K < n_inputs) {
        static_assert(detail::get_x_<G>::template can_be_called_with<Item>,
                      "fastblock::DataBlock: get_x cannot be called with an item (a Row of a "
                      "DataFrame source, else an element of the items; the note names both)");
      } else {
        static_assert(detail::get_y_<G>::template can_be_called_with<Item>,
                      "fastblock::DataBlock: get_y cannot be called with an item (a Row of a "
                      "DataFrame source, else an element of the items; the note names both)");
      }
      return false;
    } else {
      using B = std::tuple_element_t<K, resolved_blocks_t<Item>>;
      using R = getter_result_t<K, Item>;
      if constexpr (K < n_inputs) {
        return require_get_x_result<B, R>() && AcceptsRaw<B, R>;
      } else {
        return require_get_y_result<B, R>() && AcceptsRaw<B, R>;
      }
    }
  }

  /// Runs block K's setup on its getter's results for the training items.
  template <class Resolved, class Items, std::size_t... K>
  void setup_blocks(Resolved& blocks, const Items& items, const std::vector<std::int64_t>& train,
                    std::index_sequence<K...>) const {
    (setup_block<K>(std::get<K>(blocks), items, train), ...);
  }

  /// Block K's getter applied to the items at `indices`, converted to B's raw type; a failure
  /// names the getter, the item and `stage`.
  template <std::size_t K, class B, class Items>
  std::vector<raw_t<B>> raws_of(const Items& items, const std::vector<std::int64_t>& indices,
                                const std::string& stage) const {
    const auto& get = getter<K>();
    std::vector<raw_t<B>> raws;
    raws.reserve(indices.size());
    for (const std::int64_t i : indices) {
      try {
        raws.push_back(to_raw<B>(std::invoke(get, items[static_cast<std::size_t>(i)])));
      } catch (...) {
        detail::rethrow_with_context(std::current_exception(),
                                     "fastblock::DataBlock: " + std::string(getter_name<K>()) +
                                         " failed on item " + std::to_string(i) + " (" + stage +
                                         " " + block_name<B>() + "): ");
      }
    }
    return raws;
  }

  template <std::size_t K, class B, class Items>
  void setup_block(B& block, const Items& items, const std::vector<std::int64_t>& train) const {
    if constexpr (detail::learns_from_data<B>()) {
      const auto raws = raws_of<K, B>(items, train, "setting up");
      try {
        block.setup(std::span<const raw_t<B>>(raws));
      } catch (...) {
        detail::rethrow_with_context(std::current_exception(), "fastblock::DataBlock: setting up " +
                                                                   block_name<B>() + " failed: ");
      }
    }
  }

  /// Shows each block that can check them (`check_valid`) its getter's results for the
  /// validation items, once, after setup: MultiCategoryBlock warns about labels that only occur
  /// there, instead of failing on the first such batch.
  template <class Resolved, class Items, std::size_t... K>
  void check_valid_blocks(Resolved& blocks, const Items& items,
                          const std::vector<std::int64_t>& valid, std::index_sequence<K...>) const {
    (check_valid_block<K>(std::get<K>(blocks), items, valid), ...);
  }

  template <std::size_t K, class B, class Items>
  void check_valid_block(B& block, const Items& items,
                         const std::vector<std::int64_t>& valid) const {
    if constexpr (requires(std::span<const raw_t<B>> v) { block.check_valid(v); }) {
      const auto raws = raws_of<K, B>(items, valid, "checking the validation items of");
      block.check_valid(std::span<const raw_t<B>>(raws));
    }
  }

  template <class Items, class Resolved, std::size_t... K>
  auto make_datasets(Items items, const Splits& splits, std::shared_ptr<const Resolved> blocks,
                     std::index_sequence<K...>) const {
    auto dss =
        Datasets(std::move(items), splits,
                 Pipeline(detail::BlockEncoder<Resolved, K, getter_t<K>>{blocks, getter<K>()})...);
    return BlockDatasets<decltype(dss), Resolved, n_inputs>(std::move(dss), std::move(blocks));
  }

  [[no_unique_address]] std::tuple<Bs...> blocks_{};
  [[no_unique_address]] GetItems get_items_{};
  [[no_unique_address]] GetXs get_x_{};
  [[no_unique_address]] GetYs get_y_{};
  [[no_unique_address]] Splitter splitter_{};
  [[no_unique_address]] ItemTfms item_tfms_{};
  [[no_unique_address]] BatchTfms batch_tfms_{};
};

/// fastai's DataBlock: `DataBlock<ImageBlock, MultiCategoryBlock>{}` or, with configured blocks,
/// `DataBlock(CategoryBlock({.vocab = ...}), RegressionBlock())`; `DataBlock()` has no blocks
/// and makes (x, x) items. The setters (get_x, get_y, ...) return DataBlockOf types.
template <class... Bs>
class DataBlock
    : public DataBlockOf<std::tuple<Bs...>, detail::Unset, detail::Unset, detail::Unset,
                         detail::Unset, NoTransforms, NoTransforms, detail::auto_n_inp> {
  using Base = DataBlockOf<std::tuple<Bs...>, detail::Unset, detail::Unset, detail::Unset,
                           detail::Unset, NoTransforms, NoTransforms, detail::auto_n_inp>;

 public:
  /// Default-constructed blocks.
  DataBlock() requires(std::default_initializable<Bs>&&...) : Base(std::tuple<Bs...>{}) {}
  /// These blocks.
  explicit DataBlock(Bs... blocks) requires(sizeof...(Bs) > 0)
      : Base(std::tuple<Bs...>(std::move(blocks)...)) {}
};

}  // namespace fastblock
