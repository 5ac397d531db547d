// Type-level contracts of DataBlock and transforms, checked at compile time: this file compiling
// is the test. The types of items and batches follow from the blocks, getters and transforms
// alone; each assertion states one such inference the seed or the learner relies on.
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <fastblock/data.hpp>

namespace fb = fastblock;

namespace {

using fb::Row;

struct GetFname {
  std::string_view operator()(const Row& r) const { return r["fname"]; }
};
struct GetPath {
  std::filesystem::path operator()(const Row& r) const { return r["fname"]; }
};
struct GetLabels {
  std::vector<std::string> operator()(const Row& r) const { return fb::split(r["labels"], ' '); }
};
/// An item transform on text that changes its type; and one restricted to training items.
struct TextLength {
  std::size_t operator()(const std::string& s) const { return s.size(); }
};
struct Augment {
  static constexpr fb::ApplyOn apply_on = fb::ApplyOn::train;
  std::string operator()(std::string s) const { return s; }
};
/// A batch transform on the multi-label targets.
struct Smooth {
  fb::TensorMultiCategory operator()(const fb::TensorMultiCategory& y) const { return y; }
};

template <class DB>
using datasets_t =
    decltype(std::declval<const DB&>().datasets(std::declval<const fb::DataFrame&>()));
template <class DB>
using dataloaders_t =
    decltype(std::declval<const DB&>().dataloaders(std::declval<const fb::DataFrame&>()));
template <class DB>
using item_of_t = fb::dataset_item_t<typename datasets_t<DB>::subset_type>;
template <class DB>
using batch_of_t = decltype(std::declval<const dataloaders_t<DB>&>().one_batch());

// An empty DataBlock deduces no blocks, has two pass-through blocks and one input: (x, x) rows.
using Empty = decltype(fb::DataBlock());
static_assert(std::same_as<Empty, fb::DataBlock<>>);
static_assert(Empty::n_blocks == 2 && Empty::n_inputs == 1);
static_assert(std::same_as<item_of_t<Empty>, std::tuple<Row, Row>>);

// Getters decide the pass-through blocks' items; text is stored as std::string.
using Texts = decltype(fb::DataBlock().get_x(GetFname{}).get_y(GetFname{}));
static_assert(std::same_as<item_of_t<Texts>, std::tuple<std::string, std::string>>);
using PathsAndLabels = decltype(fb::DataBlock().get_x(GetPath{}).get_y(GetLabels{}));
static_assert(std::same_as<item_of_t<PathsAndLabels>,
                           std::tuple<std::filesystem::path, std::vector<std::string>>>);

// Blocks decide the items and the batches: typed tensors stay typed through collation.
using Pascal = decltype(fb::DataBlock<fb::CategoryBlock, fb::MultiCategoryBlock>{}
                            .get_x(GetFname{})
                            .get_y(GetLabels{}));
static_assert(Pascal::n_blocks == 2 && Pascal::n_inputs == 1);
static_assert(
    std::same_as<item_of_t<Pascal>, std::tuple<fb::TensorCategory, fb::TensorMultiCategory>>);
static_assert(
    std::same_as<batch_of_t<Pascal>, std::tuple<fb::TensorCategory, fb::TensorMultiCategory>>);
static_assert(datasets_t<Pascal>::n_inp == 1);
static_assert(datasets_t<Pascal>::loss_kind == fb::LossKind::bce_with_logits);
static_assert(dataloaders_t<Pascal>::loss_kind == fb::LossKind::bce_with_logits);
static_assert(std::same_as<fb::collate_t<fb::TensorMultiCategory>, fb::TensorMultiCategory>);
static_assert(std::same_as<fb::collate_t<fb::TensorCategory>, fb::TensorCategory>);

// Each setter records its stage in the type; the blocks stay the same.
static_assert(!std::same_as<decltype(fb::DataBlock<fb::CategoryBlock>{}),
                            decltype(fb::DataBlock<fb::CategoryBlock>{}.get_y(GetFname{}))>);
static_assert(std::same_as<std::remove_cvref_t<decltype(std::declval<Pascal>().blocks())>,
                           std::tuple<fb::CategoryBlock, fb::MultiCategoryBlock>>);
static_assert(decltype(std::declval<Pascal>().n_inp<2>())::n_inputs == 2);

// Item transforms change the element types they accept and nothing else; batch transforms apply
// to the collated tuple; a train-only transform must keep types.
using WithTfms = decltype(fb::DataBlock<fb::TransformBlock<std::string>, fb::MultiCategoryBlock>{}
                              .get_x(GetFname{})
                              .get_y(GetLabels{})
                              .item_tfms(Augment{}, TextLength{})
                              .batch_tfms(Smooth{}));
static_assert(std::same_as<batch_of_t<WithTfms>, std::tuple<fb::Tensor, fb::TensorMultiCategory>>);
static_assert(std::same_as<fb::transformed_t<std::tuple<TextLength>, std::tuple<std::string, int>>,
                           std::tuple<std::size_t, int>>);
static_assert(std::same_as<fb::transformed_t<std::tuple<>, std::tuple<std::string>>,
                           std::tuple<std::string>>);
static_assert(fb::require_transforms<std::tuple<Augment, TextLength>, std::tuple<std::string, int>>());
static_assert(!fb::detail::transform_<TextLength>::applies_to_some_element_of<std::tuple<int, float>>);
static_assert(fb::detail::order_of<TextLength>() == 0);
static_assert(fb::detail::apply_on_of<Augment>() == fb::ApplyOn::train);

// A DataFrame is not a dataset (df["x"] is a column); its rows are.
static_assert(!fb::Dataset<fb::DataFrame>);
static_assert(fb::Dataset<fb::DataFrameRows>);
static_assert(std::same_as<fb::dataset_item_t<fb::DataFrameRows>, Row>);

}  // namespace
