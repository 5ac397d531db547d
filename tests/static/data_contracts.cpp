// Type-level contracts of the low-level data API, checked at compile time: this file compiling is
// the test. Each assertion states what the seed's snippets imply about a type.
#include <concepts>
#include <cstdint>
#include <map>
#include <ranges>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <fastblock/data/collate.hpp>
#include <fastblock/data/dataloader.hpp>
#include <fastblock/data/dataloaders.hpp>
#include <fastblock/data/dataset.hpp>
#include <fastblock/data/datasets.hpp>
#include <fastblock/data/pipeline.hpp>

namespace fb = fastblock;

namespace {

using Enumerated = std::vector<std::pair<std::int64_t, std::string>>;
using Letters = std::vector<std::string>;

/// The seed's f1 (`o + 'a'`) and a function to a different type, as function objects.
struct F1 {
  std::string operator()(const std::string& o) const { return o + "a"; }
};
struct Length {
  std::size_t operator()(const std::string& o) const { return o.size(); }
};

// A Dataset is anything indexable and sized through a const reference.
static_assert(fb::Dataset<Enumerated>);
static_assert(fb::Dataset<Letters>);
static_assert(fb::Dataset<std::span<const float>>);
static_assert(fb::Dataset<std::string>);
static_assert(!fb::Dataset<int>);
static_assert(!fb::Dataset<std::map<int, int>>);  // no const operator[]
static_assert(fb::Dataset<fb::Datasets<Letters, fb::Pipeline<F1>>>);
static_assert(fb::Dataset<fb::DatasetsSubset<Letters, fb::Pipeline<F1>>>);

// The seed's `a = list(enumerate(string.ascii_lowercase))` holds (int, str) pairs.
static_assert(std::same_as<decltype(fb::enumerate(fb::ascii_lowercase)), Enumerated>);
static_assert(std::same_as<decltype(fb::list(fb::ascii_lowercase)), Letters>);
static_assert(std::same_as<fb::dataset_item_t<Enumerated>, std::pair<std::int64_t, std::string>>);
static_assert(std::same_as<decltype(fb::len(std::declval<Enumerated>())), std::size_t>);

// Datasets' items are tuples of the pipelines' results: ('aa', 'ab'); without pipelines the
// 1-tuple of the raw item, as in fastai; subsets have the same item type.
static_assert(std::same_as<fb::dataset_item_t<fb::Datasets<Letters>>, std::tuple<std::string>>);
static_assert(
    std::same_as<fb::dataset_item_t<fb::Datasets<Letters, fb::Pipeline<F1>, fb::Pipeline<F1>>>,
                 std::tuple<std::string, std::string>>);
static_assert(std::same_as<fb::dataset_item_t<fb::Datasets<Letters, fb::Pipeline<F1, Length>>>,
                           std::tuple<std::size_t>>);
static_assert(std::same_as<fb::dataset_item_t<fb::Datasets<Letters, fb::Pipeline<F1>>>,
                           fb::dataset_item_t<fb::DatasetsSubset<Letters, fb::Pipeline<F1>>>>);
static_assert(std::same_as<fb::pipeline_result_t<fb::Pipeline<>, const int&>, int>);
static_assert(fb::is_pipeline_v<fb::Pipeline<F1>> && !fb::is_pipeline_v<F1>);
static_assert(fb::RandomAccessDataset<fb::Datasets<Letters, fb::Pipeline<F1>>>);
static_assert(!fb::RandomAccessDataset<Letters>);

// Batches: the seed's first(dl_a) is (tensor of indices, list of letters).
static_assert(std::same_as<fb::collate_t<std::pair<std::int64_t, std::string>>,
                           std::tuple<fb::Tensor, std::vector<std::string>>>);
static_assert(std::same_as<fb::DataLoader<Enumerated>::batch_type,
                           std::tuple<fb::Tensor, std::vector<std::string>>>);
static_assert(std::same_as<decltype(fb::first(std::declval<fb::DataLoader<Enumerated>&>())),
                           std::tuple<fb::Tensor, std::vector<std::string>>>);
static_assert(std::same_as<fb::collate_t<float>, fb::Tensor>);
static_assert(std::same_as<fb::collate_t<fb::Tensor>, fb::Tensor>);
static_assert(std::same_as<fb::collate_t<std::vector<double>>, fb::Tensor>);
static_assert(std::same_as<fb::collate_t<std::string>, std::vector<std::string>>);
static_assert(
    std::same_as<fb::collate_t<std::tuple<int, std::tuple<bool, std::string>>>,
                 std::tuple<fb::Tensor, std::tuple<fb::Tensor, std::vector<std::string>>>>);
static_assert(!fb::Collatable<const char*> && !fb::Collatable<std::vector<std::string>>);
static_assert(!fb::Collatable<std::pair<int, void*>>);

// DataLoaders::from_dsets(dss, bs=4) gives (('va', ...), ('vb', ...)): two lists of strings.
using Dss = fb::Datasets<Letters, fb::Pipeline<F1>, fb::Pipeline<F1>>;
using Dls = decltype(fb::DataLoaders::from_dsets(std::declval<const Dss&>()));
static_assert(std::same_as<Dls, fb::DataLoadersOf<fb::DataLoader<Dss::subset_type>>>);
static_assert(
    std::same_as<decltype(std::declval<Dls&>()[0]), decltype((std::declval<Dls&>().valid))>);
static_assert(std::same_as<std::ranges::range_value_t<decltype((std::declval<Dls&>().train))>,
                           std::tuple<std::vector<std::string>, std::vector<std::string>>>);

// A loader is an input range of its batches, and a value: copyable, movable.
static_assert(std::ranges::input_range<fb::DataLoader<Enumerated>>);
static_assert(std::copyable<fb::DataLoader<Enumerated>>);
static_assert(std::movable<fb::DataLoader<Enumerated>::iterator>);
static_assert(!std::copyable<fb::DataLoader<Enumerated>::iterator>);

}  // namespace
