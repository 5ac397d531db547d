// Type-level contracts of the blocks and splitters, checked at compile time: this file compiling
// is the test. Each assertion states a property DataBlock, the learner or the seed relies on.
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fastblock/data/block.hpp>
#include <fastblock/data/dataframe.hpp>
#include <fastblock/data/splitters.hpp>

namespace fb = fastblock;

namespace {

// The built-in blocks are blocks; a DataBlock<ImageBlock, MultiCategoryBlock>{} default-constructs
// its blocks, so they are also semiregular values.
static_assert(fb::Block<fb::CategoryBlock> && std::semiregular<fb::CategoryBlock>);
static_assert(fb::Block<fb::MultiCategoryBlock> && std::semiregular<fb::MultiCategoryBlock>);
static_assert(fb::Block<fb::RegressionBlock> && std::semiregular<fb::RegressionBlock>);
static_assert(fb::Block<fb::TransformBlock<std::string>>);
static_assert(fb::Block<fb::TransformBlock<int, float>>);

// What the seed implies: get_y returns `r['labels'].split(' ')` for MultiCategoryBlock, and
// `dsets.train[0][1]` is a TensorMultiCategory whose decode prints `(#1) ['bottle']`.
static_assert(std::same_as<fb::MultiCategoryBlock::raw_type, std::vector<std::string>>);
static_assert(std::same_as<fb::MultiCategoryBlock::item_type, fb::TensorMultiCategory>);
static_assert(std::same_as<fb::batch_t<fb::MultiCategoryBlock>, fb::TensorMultiCategory>);
static_assert(std::same_as<fb::decoded_t<fb::MultiCategoryBlock>, fb::LabelList>);
static_assert(std::same_as<decltype(fb::split("", ' ')), fb::raw_t<fb::MultiCategoryBlock>>);
static_assert(std::same_as<fb::CategoryBlock::raw_type, std::string>);
static_assert(std::same_as<fb::item_t<fb::CategoryBlock>, fb::TensorCategory>);
static_assert(std::same_as<fb::decoded_t<fb::CategoryBlock>, std::string>);
static_assert(std::same_as<fb::item_t<fb::RegressionBlock>, fb::Tensor>);

// Default losses, fixed at compile time so the learner can pick the loss type.
static_assert(fb::MultiCategoryBlock::loss_kind == fb::LossKind::bce_with_logits);
static_assert(fb::CategoryBlock::loss_kind == fb::LossKind::cross_entropy);
static_assert(fb::RegressionBlock::loss_kind == fb::LossKind::mse);
static_assert(fb::TransformBlock<std::string>::loss_kind == fb::LossKind::none);
static_assert(fb::loss_name(fb::LossKind::bce_with_logits) == "BCEWithLogitsLossFlat");

// Things that are not blocks.
static_assert(!fb::Block<int>);
static_assert(!fb::Block<std::string>);
static_assert(!fb::Block<fb::TensorMultiCategory>);
struct NoDecode {
  using raw_type = std::string;
  using item_type = int;
  using batch_type = int;
  static constexpr fb::LossKind loss_kind = fb::LossKind::none;
  void setup(std::span<const std::string>) {}
  int encode(const std::string&) const { return 0; }
  std::int64_t n_out() const { return 0; }
};
static_assert(!fb::Block<NoDecode>);
static_assert(!fb::detail::type_<NoDecode>::has_const_decode_of_item_type);
static_assert(fb::detail::type_<NoDecode>::has_const_encode_from_raw_type_to_item_type);
struct RuntimeLoss {  // loss_kind must be a constant
  using raw_type = int;
  using item_type = int;
  using batch_type = int;
  fb::LossKind loss_kind = fb::LossKind::mse;
  void setup(std::span<const int>) {}
  int encode(int x) const { return x; }
  int decode(int x) const { return x; }
  std::int64_t n_out() const { return 1; }
};
static_assert(!fb::Block<RuntimeLoss>);
static_assert(!fb::detail::type_<RuntimeLoss>::declares_constexpr_loss_kind);
static_assert(fb::detail::type_<RuntimeLoss>::has_const_decode_of_item_type);

// What getters may return: the raw type itself, something converting to it, text for a string.
static_assert(fb::AcceptsRaw<fb::MultiCategoryBlock, std::vector<std::string>>);
static_assert(fb::AcceptsRaw<fb::MultiCategoryBlock, const std::vector<std::string>&>);
static_assert(!fb::AcceptsRaw<fb::MultiCategoryBlock, int>);
static_assert(!fb::AcceptsRaw<fb::MultiCategoryBlock, std::string>);  // split it first
static_assert(!fb::AcceptsRaw<fb::MultiCategoryBlock, std::string_view>);
static_assert(fb::AcceptsRaw<fb::CategoryBlock, std::string_view>);  // a DataFrame cell
static_assert(fb::AcceptsRaw<fb::CategoryBlock, const char*>);
static_assert(!fb::AcceptsRaw<fb::CategoryBlock, int>);
static_assert(fb::AcceptsRaw<fb::RegressionBlock, float>);
static_assert(fb::AcceptsRaw<fb::RegressionBlock, double>);
static_assert(fb::AcceptsRaw<fb::RegressionBlock, std::vector<float>>);
static_assert(fb::AcceptsRaw<fb::RegressionBlock, fb::Tensor>);
static_assert(!fb::AcceptsRaw<fb::RegressionBlock, std::string>);
static_assert(!fb::AcceptsRaw<fb::RegressionBlock, bool>);
static_assert(!fb::AcceptsRaw<int, int>);
static_assert(fb::require_block<fb::MultiCategoryBlock>());
static_assert(fb::require_get_y_result<fb::MultiCategoryBlock, std::vector<std::string>>());
static_assert(fb::require_get_x_result<fb::CategoryBlock, std::string_view>());

// Typed tensors are Tensors (every op applies) but distinct types, made explicitly.
static_assert(std::derived_from<fb::TensorMultiCategory, fb::Tensor>);
static_assert(std::derived_from<fb::TensorCategory, fb::Tensor>);
static_assert(!std::same_as<fb::TensorCategory, fb::TensorMultiCategory>);
static_assert(!std::convertible_to<fb::Tensor, fb::TensorMultiCategory>);
static_assert(std::constructible_from<fb::TensorMultiCategory, fb::Tensor>);
static_assert(!std::convertible_to<fb::TensorCategory, fb::TensorMultiCategory>);
static_assert(std::semiregular<fb::TensorMultiCategory>);
static_assert(fb::TypedTensorType<fb::TensorMultiCategory> && !fb::TypedTensorType<fb::Tensor>);
static_assert(std::same_as<decltype(std::declval<fb::TensorMultiCategory>() * 2), fb::Tensor>);
static_assert(std::same_as<decltype(fb::repr(std::declval<fb::TensorCategory>())), std::string>);

// A LabelList is a vector of strings.
static_assert(std::derived_from<fb::LabelList, std::vector<std::string>>);
static_assert(std::convertible_to<std::vector<std::string>, fb::LabelList>);

// Splitters: which sources each accepts, and what a user's function may return.
static_assert(fb::Splitter<fb::RandomSplitter, fb::DataFrame>);
static_assert(fb::Splitter<fb::RandomSplitter, std::vector<std::filesystem::path>>);
static_assert(fb::Splitter<fb::ColSplitter, fb::DataFrame>);
static_assert(!fb::Splitter<fb::ColSplitter, std::vector<std::filesystem::path>>);
static_assert(fb::Splitter<fb::IndexSplitter, fb::DataFrame>);
static_assert(!fb::Splitter<fb::RandomSplitter, int>);  // nothing to count
static_assert(!fb::Splitter<fb::IndexSplitter, std::filesystem::path>);
static_assert(fb::Splitter<fb::GrandparentSplitter, std::vector<std::filesystem::path>>);
static_assert(fb::Splitter<fb::GrandparentSplitter, std::vector<std::string>>);
static_assert(!fb::Splitter<fb::GrandparentSplitter, fb::DataFrame>);
using SeedSplitter =
    std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>> (*)(const fb::DataFrame&);
static_assert(fb::Splitter<SeedSplitter, fb::DataFrame>);
static_assert(fb::Splitter<fb::Splits (*)(const fb::DataFrame&), fb::DataFrame>);
static_assert(!fb::Splitter<int (*)(const fb::DataFrame&), fb::DataFrame>);
static_assert(!fb::Splitter<fb::Splits (*)(const fb::DataFrame&), std::vector<int>>);
static_assert(std::is_aggregate_v<fb::Splits>);

}  // namespace
