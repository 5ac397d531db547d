// fastblock/data/datablock_summary.hpp — DataBlock::summary(): one item and one batch through
// every stage, printed.
//
// Contract: `dblock.summary(source)` writes to std::cout (or a given stream) what fastai's
// DataBlock.summary prints: how many items were found and how they split, then, for the first
// training item, what each block's getter returns and what the block encodes that into (with the
// types), the final sample, then each item transform on it, the collation of the first `bs`
// training items and each batch transform on the batch. When a stage throws, the output ends with
// "failed: <message>" under that stage, and the exception propagates with the stage named and the
// types involved in front of the original message ("fastblock::DataBlock::summary: get_y (Row ->
// std::vector<std::string>) failed on item 0: ..."), keeping the original exception nested and
// fastblock's exception type. Returns the batch it built, so a test can check it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <fastblock/core/random.hpp>
#include <fastblock/data/blocks/concept.hpp>
#include <fastblock/data/collate.hpp>
#include <fastblock/data/dataframe.hpp>
#include <fastblock/data/dataloader.hpp>
#include <fastblock/data/show.hpp>
#include <fastblock/data/transform.hpp>
#include <fastblock/data/type_name.hpp>

namespace fastblock::detail::summary {

/// `text` with every line indented by `n` spaces.
[[nodiscard]] std::string indent(std::string_view text, std::size_t n);

/// Prints "failed: <what>" and rethrows the current exception with `stage` named in front.
[[noreturn]] void fail(std::ostream& os, const std::string& stage);

/// f(), or fail(os, stage) when it throws.
template <class F>
decltype(auto) guarded(std::ostream& os, const std::string& stage, F&& f) {
  try {
    return std::invoke(std::forward<F>(f));
  } catch (...) {
    fail(os, stage);
  }
}

/// What the source was, for "Collecting items from ...".
template <class Source>
std::string describe_source(const Source& source) {
  if constexpr (std::same_as<Source, DataFrame>) {
    return "a DataFrame of " + std::to_string(source.num_rows()) + " rows x " +
           std::to_string(source.num_columns()) + " columns";
  } else if constexpr (requires { std::size(source); }) {
    return "a " + type_name<Source>() + " of " + std::to_string(std::size(source)) + " items";
  } else {
    return show_value(source);
  }
}

/// The names of a tuple of transforms in run order, " -> " between them.
template <class Tfms>
std::string tfm_names() {
  if constexpr (std::tuple_size_v<Tfms> == 0) {
    return std::string("(no transforms)");
  } else {
    constexpr auto perm = run_order<Tfms>::value;
    std::string out;
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      ((out += (K ? " -> " : "") + type_name<std::tuple_element_t<perm[K], Tfms>>()), ...);
    }
    (std::make_index_sequence<std::tuple_size_v<Tfms>>{});
    return out;
  }
}

/// Runs the transforms from run position K on, printing each result.
template <std::size_t K, class Tfms, class It>
auto walk(const Tfms& tfms, It item, TransformContext& ctx, std::ostream& os,
          std::string_view what) {
  if constexpr (K == std::tuple_size_v<Tfms>) {
    return item;
  } else {
    constexpr std::size_t at = run_order<Tfms>::value[K];
    using T = std::tuple_element_t<at, Tfms>;
    using Out = typename transform_result<T, It>::type;
    auto next = guarded(os,
                        std::string(what) + " " + type_name<T>() + " (" + type_name<It>() + " -> " +
                            type_name<Out>() + ")",
                        [&] { return apply_one(std::get<at>(tfms), std::move(item), ctx); });
    os << "    applying " << type_name<T>() << " gives\n" << indent(show_value(next), 6) << '\n';
    return walk<K + 1>(tfms, std::move(next), ctx, os, what);
  }
}

/// Prints and builds the first training sample, block by block.
template <std::size_t K, class DB, class DS, class Raw>
auto encode_one(const DB& dblock, const DS& dsets, const Raw& raw, std::ostream& os) {
  using Blocks = typename DS::blocks_type;
  using B = std::tuple_element_t<K, Blocks>;
  const auto& getter = dblock.template getter<K>();
  using R = std::invoke_result_t<decltype(getter), const Raw&>;
  const std::string gname(DB::template getter_name<K>());
  os << "  Pipeline: " << gname << " -> " << block_name<B>() << ".encode\n";
  os << "    starting from\n" << indent(show_value(raw), 6) << '\n';
  auto value = guarded(os, gname + " (" + type_name<Raw>() + " -> " + type_name<R>() + ")",
                       [&] { return to_raw<B>(std::invoke(getter, raw)); });
  os << "    applying " << gname << " gives\n" << indent(show_value(value), 6) << '\n';
  auto item = guarded(
      os,
      block_name<B>() + ".encode (" + type_name<raw_t<B>>() + " -> " + type_name<item_t<B>>() + ")",
      [&] { return std::get<K>(dsets.blocks()).encode(value); });
  os << "    applying " << block_name<B>() << ".encode gives\n"
     << indent(show_value(item), 6) << '\n';
  return item;
}

/// The summary itself; see the contract at the top of the file.
template <class DB, class Source>
auto run(const DB& dblock, Source&& source, std::ostream& os, std::int64_t bs) {
  os << "Setting-up type transforms pipelines\n";
  os << "Collecting items from " << describe_source(source) << '\n';
  auto dsets = guarded(os, "datasets (collecting items, splitting, setting up the blocks)",
                       [&] { return dblock.datasets(std::forward<Source>(source)); });
  using DS = decltype(dsets);
  using Blocks = typename DS::blocks_type;
  constexpr std::size_t n_blocks = std::tuple_size_v<Blocks>;
  os << "Found " << dsets.size() << " items\n";
  os << "2 datasets of sizes " << dsets.train.size() << ',' << dsets.valid.size() << '\n';
  [&]<std::size_t... K>(std::index_sequence<K...>) {
    ((os << "Setting up Pipeline: " << DB::template getter_name<K>() << " -> "
         << block_name<std::tuple_element_t<K, Blocks>>() << '\n'),
     ...);
  }
  (std::make_index_sequence<n_blocks>{});

  os << "\nBuilding one sample\n";
  const std::size_t first = dsets.train.indices().front();
  const auto& raw = dsets.items()[first];
  auto sample = [&]<std::size_t... K>(std::index_sequence<K...>) {
    return typename DS::item_type{encode_one<K>(dblock, dsets, raw, os)...};
  }
  (std::make_index_sequence<n_blocks>{});
  os << "\nFinal sample: " << show_value(sample) << "\n\n";

  const auto item_tfms = dblock.all_item_tfms(dsets.blocks());
  const auto batch_tfms = dblock.all_batch_tfms(dsets.blocks());
  using ItemTfms = std::remove_cvref_t<decltype(item_tfms)>;
  using BatchTfms = std::remove_cvref_t<decltype(batch_tfms)>;
  os << "Setting up after_item: Pipeline: " << tfm_names<ItemTfms>() << '\n';
  os << "Setting up after_batch: Pipeline: " << tfm_names<BatchTfms>() << '\n';

  os << "\nBuilding one batch\n";
  using Item = transformed_t<ItemTfms, typename DS::item_type>;
  std::vector<Item> items;
  const std::size_t n = std::min<std::size_t>(
      static_cast<std::size_t>(std::max<std::int64_t>(bs, 1)), dsets.train.size());
  {
    Generator rng = Generator::derive(Generator::default_seed, {0, 0});
    TransformContext ctx{rng, true};
    if constexpr (std::tuple_size_v<ItemTfms> == 0) {
      os << "No item_tfms to apply\n";
      items.push_back(std::move(sample));
    } else {
      os << "Applying item_tfms to the first sample:\n  Pipeline: " << tfm_names<ItemTfms>()
         << "\n    starting from\n"
         << indent(show_value(sample), 6) << '\n';
      items.push_back(walk<0>(item_tfms, std::move(sample), ctx, os, "item transform"));
    }
  }
  if (n > 1) os << "\nAdding the next " << n - 1 << " samples\n";
  for (std::size_t i = 1; i < n; ++i) {
    items.push_back(guarded(os, "item " + std::to_string(i) + " of the batch", [&] {
      Generator rng = Generator::derive(Generator::default_seed, {0, i});
      auto item = dsets.train.get(i, rng);
      TransformContext ctx{rng, true};
      return apply_from<0>(item_tfms, std::move(item), ctx);
    }));
  }
  os << "\nCollating items in a batch\n";
  auto batch = guarded(os, "collate (" + type_name<Item>() + ")", [&] {
    return fastblock::collate(std::span<const Item>(items.data(), items.size()));
  });
  if constexpr (std::tuple_size_v<BatchTfms> == 0) {
    os << "No batch_tfms to apply\n";
    return batch;
  } else {
    os << "\nApplying batch_tfms to the batch built\n  Pipeline: " << tfm_names<BatchTfms>()
       << "\n    starting from\n"
       << indent(show_value(batch), 6) << '\n';
    Generator rng = Generator::derive(Generator::default_seed, {0, 0, detail::batch_stream_key});
    TransformContext ctx{rng, true};
    return walk<0>(batch_tfms, std::move(batch), ctx, os, "batch transform");
  }
}

}  // namespace fastblock::detail::summary

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/data/datablock_summary-inl.hpp>
#endif
