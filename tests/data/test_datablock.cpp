// Behaviour of DataBlock (data/datablock.hpp): the seed's "What is DataBlock?" snippets on a
// synthetic PASCAL-like train.csv, splits, block setup on training items only, item and batch
// transforms in the loaders, reproducibility across worker counts, summary(), and the run-time
// errors that name the stage and the item.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "catch.hpp"

#include <fastblock/data.hpp>
#include <fastblock/tensor.hpp>

namespace fb = fastblock;
using Catch::Matchers::Contains;
using fb::Row;

namespace {

/// The seed's `df = pd.read_csv(path/'train.csv')`, generated instead of downloaded.
const fb::DataFrame& pascal_df() {
  static const fb::DataFrame df = fb::synthetic_pascal_frame();
  return df;
}

/// The seed's named getters.
std::string_view get_x(const Row& r) { return r["fname"]; }
std::string_view get_y(const Row& r) { return r["labels"]; }

const std::filesystem::path path = "pascal_2007";

/// The seed's second pair: `path/'train'/r['fname']` and `r['labels'].split(' ')`.
std::filesystem::path get_x_path(const Row& r) { return path / "train" / r["fname"]; }
std::vector<std::string> get_y_split(const Row& r) { return fb::split(r["labels"], ' '); }

/// Stands in for ImageBlock until the vision layer: a path is encoded as its text.
struct PathToString {
  std::string operator()(const std::filesystem::path& p) const { return p.generic_string(); }
};
using PathBlock = fb::TransformBlock<std::filesystem::path, std::string, PathToString>;

/// The seed's `splitter(df)`: rows marked is_valid validate.
std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>> splitter(const fb::DataFrame& df) {
  auto train = df.index_where(~df["is_valid"].as<bool>());
  auto valid = df.index_where(df["is_valid"].as<bool>());
  return {train, valid};
}

/// An item transform on text: appends a suffix drawn from the item's generator.
struct RandomSuffix {
  std::size_t draw(const auto& /*item*/, fb::TransformContext& ctx) const {
    return static_cast<std::size_t>(ctx.rng.randint(0, 1000));
  }
  std::string operator()(const std::string& s, std::size_t k) const {
    return s + "#" + std::to_string(k);
  }
};

/// A batch transform that scales float tensors; the int64 category batch passes through.
struct Halve {
  fb::TensorMultiCategory operator()(const fb::TensorMultiCategory& y) const {
    return fb::TensorMultiCategory(y * 0.5);
  }
};

/// An augmentation that runs on training items only and keeps types.
struct TrainOnlyUpper {
  static constexpr fb::ApplyOn apply_on = fb::ApplyOn::train;
  std::string operator()(std::string s) const {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  }
};

}  // namespace

TEST_CASE("synthetic_pascal_frame is shaped like PASCAL_2007's train.csv", "[data][datablock]") {
  const fb::DataFrame& df = pascal_df();
  CHECK(df.columns() == std::vector<std::string>{"fname", "labels", "is_valid"});
  CHECK(fb::len(df) == 5011);
  CHECK(df.iloc(0)["fname"] == "000005.jpg");
  CHECK(df.equals(fb::synthetic_pascal_frame()));  // deterministic
  CHECK_FALSE(df.equals(fb::synthetic_pascal_frame({.seed = 1})));
  std::size_t valid = 0;
  for (const bool v : df["is_valid"].as<bool>()) valid += v ? 1 : 0;
  CHECK(valid > 2300);
  CHECK(valid < 2700);
  for (const auto cell : df["labels"]) {
    const auto labels = fb::split(cell, ' ');
    REQUIRE(!labels.empty());
    REQUIRE(labels.size() <= 3);
  }
  const auto with_empty = fb::synthetic_pascal_frame({.n_rows = 200, .empty_fraction = 0.5});
  std::size_t empty = 0;
  for (const auto cell : with_empty["labels"]) empty += cell.empty() ? 1 : 0;
  CHECK(empty > 50);
  CHECK_THROWS_AS(fb::synthetic_pascal_frame({.valid_fraction = 1.5}), fb::value_error);
}

TEST_CASE("seed: dblock = DataBlock(); dsets = dblock.datasets(df) gives (4009, 1002)",
          "[data][datablock][seed]") {
  fb::set_seed(42);
  auto dblock = fb::DataBlock();
  auto dsets = dblock.datasets(pascal_df());
  CHECK(std::pair(fb::len(dsets.train), fb::len(dsets.valid)) ==
        std::pair<std::size_t, std::size_t>(4009, 1002));

  // x,y = dsets.train[0]: the first training row, twice.
  auto [x, y] = dsets.train[0];
  static_assert(std::same_as<decltype(x), Row>);
  CHECK(static_cast<std::size_t>(x.index()) == dsets.train.indices()[0]);
  CHECK(x.tolist() == y.tolist());
  std::ostringstream os;
  os << x;
  CHECK_THAT(os.str(), Contains("fname       ") && Contains("Name: " + std::to_string(x.index())));

  // The split is the seeded RandomSplitter's: the same seed gives the same split.
  fb::set_seed(42);
  CHECK(fb::DataBlock().datasets(pascal_df()).train.indices() == dsets.train.indices());
}

TEST_CASE("seed: DataBlock(get_x = lambda r: r['fname'], get_y = lambda r: r['labels'])",
          "[data][datablock][seed]") {
  auto dblock =
      fb::DataBlock().get_x([](const Row& r) { return r["fname"]; }).get_y([](const Row& r) {
        return r["labels"];
      });
  auto dsets = dblock.datasets(pascal_df());
  const auto item = dsets.train[0];
  // Text is kept as std::string, so an item never points into the frame.
  static_assert(std::same_as<decltype(item), const std::tuple<std::string, std::string>>);
  const auto row = pascal_df().iloc(static_cast<std::int64_t>(dsets.train.indices()[0]));
  CHECK(item == std::tuple<std::string, std::string>(row["fname"], row["labels"]));
  CHECK(fb::show_value(fb::DataBlock()
                           .get_x([](const Row& r) { return r["fname"]; })
                           .get_y([](const Row& r) { return r["labels"]; })
                           .splitter(fb::IndexSplitter({0}))
                           .datasets(pascal_df())
                           .valid[0]) ==
        "('000005.jpg', '" + std::string(pascal_df().iloc(0)["labels"]) + "')");

  // The same with named functions instead of lambdas.
  auto named = fb::DataBlock().get_x(get_x).get_y(get_y).splitter(fb::IndexSplitter({0}));
  auto dsets2 = named.datasets(pascal_df());
  CHECK(std::get<0>(dsets2.valid[0]) == "000005.jpg");
}

TEST_CASE("seed: get_x = path/'train'/r['fname'], get_y = r['labels'].split(' ')",
          "[data][datablock][seed]") {
  auto dblock = fb::DataBlock().get_x(get_x_path).get_y(get_y_split);
  auto dsets = dblock.datasets(pascal_df());
  const auto [x, y] = dsets.train[0];
  static_assert(std::same_as<decltype(x), const std::filesystem::path>);
  static_assert(std::same_as<decltype(y), const std::vector<std::string>>);
  const auto row = pascal_df().iloc(static_cast<std::int64_t>(dsets.train.indices()[0]));
  CHECK(x == path / "train" / row["fname"]);
  CHECK(y == fb::split(row["labels"], ' '));
  CHECK_THAT(fb::show_value(dsets.train[0]), Contains("(Path('pascal_2007/train/"));
}

TEST_CASE("seed: DataBlock(blocks=(ImageBlock, MultiCategoryBlock), get_x, get_y)",
          "[data][datablock][seed]") {
  auto dblock =
      fb::DataBlock<PathBlock, fb::MultiCategoryBlock>{}.get_x(get_x_path).get_y(get_y_split);
  auto dsets = dblock.datasets(pascal_df());
  const auto [x, y] = dsets.train[0];
  static_assert(std::same_as<decltype(y), const fb::TensorMultiCategory>);
  // The vocabulary is the 20 classes, sorted, so n_out is 20.
  REQUIRE(dsets.vocab().size() == 20);
  CHECK(dsets.vocab()[0] == "aeroplane");
  CHECK(dsets.c() == 20);
  CHECK(decltype(dsets)::loss_kind == fb::LossKind::bce_with_logits);
  CHECK(y.shape() == fb::Shape{20});
  CHECK(y.dtype() == fb::float32);
  CHECK_THAT(fb::repr(y), Contains("TensorMultiCategory([0., "));

  // idxs = torch.where(dsets.train[0][1]==1.)[0]; dsets.train.vocab[idxs]
  auto idxs = fb::where(std::get<1>(dsets.train[0]) == 1.)[0];
  const fb::LabelList labels = dsets.vocab()[idxs];
  const auto row = pascal_df().iloc(static_cast<std::int64_t>(dsets.train.indices()[0]));
  auto expected = fb::split(row["labels"], ' ');
  std::sort(expected.begin(), expected.end());
  CHECK(std::vector<std::string>(labels) == expected);
  CHECK(fb::repr(labels).starts_with("(#" + std::to_string(expected.size()) + ") ['"));
  // decode gives the same labels back, per block.
  CHECK(std::get<1>(dsets.decode(dsets.train[0])) == labels);
}

TEST_CASE("seed: splitter(df) from ~df['is_valid'], with ColSplitter agreeing",
          "[data][datablock][seed]") {
  auto dblock = fb::DataBlock<PathBlock, fb::MultiCategoryBlock>{}
                    .splitter(splitter)
                    .get_x(get_x_path)
                    .get_y(get_y_split);
  auto dsets = dblock.datasets(pascal_df());
  const auto is_valid = pascal_df()["is_valid"].as<bool>();
  for (const std::size_t i : dsets.train.indices()) REQUIRE_FALSE(is_valid[i]);
  for (const std::size_t i : dsets.valid.indices()) REQUIRE(is_valid[i]);
  CHECK(fb::len(dsets.train) + fb::len(dsets.valid) == 5011);
  auto col = fb::DataBlock<PathBlock, fb::MultiCategoryBlock>{}
                 .splitter(fb::ColSplitter())
                 .get_x(get_x_path)
                 .get_y(get_y_split)
                 .datasets(pascal_df());
  CHECK(col.train.indices() == dsets.train.indices());
  CHECK(col.valid.indices() == dsets.valid.indices());
}

TEST_CASE("DataBlock: vocabularies come from training items only", "[data][datablock]") {
  const fb::DataFrame df({{"x", {"a", "b", "c", "d"}},
                          {"y", {"cat", "dog", "cat", "bird"}},
                          {"is_valid", {false, false, false, true}}});
  auto dblock = fb::DataBlock<fb::TransformBlock<std::string>, fb::CategoryBlock>{}
                    .get_x([](const Row& r) { return std::string(r["x"]); })
                    .get_y([](const Row& r) { return r["y"]; })
                    .splitter(fb::ColSplitter());
  auto dsets = dblock.datasets(df);
  CHECK(dsets.vocab().items() == std::vector<std::string>{"cat", "dog"});
  // The validation item's label was never seen in training: reading it names the label.
  CHECK_THROWS_AS(dsets.valid[0], fb::data_error);
  CHECK_THROWS_WITH(dsets.valid[0], Contains("'bird'"));
  // Through a loader, the error also names the item.
  auto dls = dblock.dataloaders(df, {.bs = 1, .num_workers = 0});
  CHECK_THROWS_WITH(dls.valid.one_batch(), Contains("item 0 failed") && Contains("'bird'"));
}

TEST_CASE("DataBlock: an empty label list is a valid multi-label target", "[data][datablock]") {
  const auto df = fb::synthetic_pascal_frame({.n_rows = 64, .empty_fraction = 0.3});
  // A fixed vocabulary: 64 rows need not show every class in training.
  const std::vector<std::string> vocab(fb::pascal_classes.begin(), fb::pascal_classes.end());
  auto dsets = fb::DataBlock(PathBlock(), fb::MultiCategoryBlock({.vocab = vocab}))
                   .get_x(get_x_path)
                   .get_y(get_y_split)
                   .splitter(fb::ColSplitter())
                   .datasets(df);
  CHECK(dsets.c() == 20);
  std::size_t empty = 0;
  for (std::size_t i = 0; i < dsets.size(); ++i) {
    const auto y = std::get<1>(dsets[i]);
    if (df.iloc(static_cast<std::int64_t>(i))["labels"].empty()) {
      ++empty;
      CHECK(fb::sum(y).item<float>() == 0.0f);
      CHECK(dsets.block<1>().decode(y).empty());
    }
  }
  CHECK(empty > 0);
}

TEST_CASE("DataBlock: labels only in the validation set are named and left out of its targets",
          "[data][datablock]") {
  const fb::DataFrame df({{"x", {"a", "b", "c", "d", "e"}},
                          {"y", {"p", "q", "p q", "p zebra", "zebra yak"}},
                          {"is_valid", {false, false, false, true, true}}});
  auto dblock = fb::DataBlock<fb::TransformBlock<std::string>, fb::MultiCategoryBlock>{}
                    .get_x([](const Row& r) { return std::string(r["x"]); })
                    .get_y([](const Row& r) { return fb::split(r["y"], ' '); })
                    .splitter(fb::ColSplitter());
  std::ostringstream err;
  auto* const old = std::cerr.rdbuf(err.rdbuf());
  auto dsets = dblock.datasets(df);
  std::cerr.rdbuf(old);
  CHECK_THAT(err.str(), Contains("warning: 2 labels occur only in the validation set") &&
                            Contains("'yak' (1 item), 'zebra' (2 items)"));
  const auto& block = dsets.block<1>();
  CHECK(block.valid_only_labels() == std::vector<std::string>{"yak", "zebra"});
  CHECK(dsets.c() == 2);
  // Validation targets keep what the vocabulary holds: "p zebra" -> [1, 0], "zebra yak" -> [0, 0].
  CHECK(fb::sum(std::get<1>(dsets.valid[0])).item<float>() == 1.0f);
  CHECK(fb::sum(std::get<1>(dsets.valid[1])).item<float>() == 0.0f);
  // A label seen nowhere is still an error.
  CHECK_THROWS_WITH(block.encode({"p", "unicorn"}), Contains("unicorn"));
}

TEST_CASE("DataBlock: dataloaders collate typed batches", "[data][datablock]") {
  auto dblock = fb::DataBlock<PathBlock, fb::MultiCategoryBlock>{}
                    .get_x(get_x_path)
                    .get_y(get_y_split)
                    .splitter(fb::ColSplitter());
  auto dls = dblock.dataloaders(pascal_df(), {.bs = 64});
  static_assert(std::same_as<decltype(dls.one_batch()),
                             std::tuple<std::vector<std::string>, fb::TensorMultiCategory>>);
  auto [xb, yb] = dls.one_batch();
  static_assert(std::same_as<decltype(yb), fb::TensorMultiCategory>);
  CHECK(yb.shape() == fb::Shape{64, 20});
  CHECK(xb.size() == 64);
  CHECK(dls.c() == 20);
  CHECK(dls.bs() == 64);
  CHECK(fb::len(dls.train) == dls.train.dataset().size() / 64);  // drop_last on train
  CHECK(fb::len(dls.valid) == (dls.valid.dataset().size() + 63) / 64);
  // Every training target row has at least one label; the validation loader keeps order.
  CHECK(fb::min(fb::sum(yb, 1)).item<float>() >= 1.0f);
  auto [xv, yv] = fb::first(dls.valid);
  CHECK(xv[0] == get_x_path(pascal_df().iloc(static_cast<std::int64_t>(
                                dls.valid.dataset().subset().indices()[0])))
                     .generic_string());
}

TEST_CASE("DataBlock: item and batch transforms run in the loaders", "[data][datablock]") {
  const fb::DataFrame df({{"x", {"a", "b", "c", "d", "e", "f"}},
                          {"y", {"p", "q", "p", "p q", "q", ""}},
                          {"is_valid", {false, false, false, false, true, true}}});
  auto dblock = fb::DataBlock<fb::TransformBlock<std::string>, fb::MultiCategoryBlock>{}
                    .get_x([](const Row& r) { return std::string(r["x"]); })
                    .get_y([](const Row& r) { return fb::split(r["y"], ' '); })
                    .splitter(fb::ColSplitter())
                    .item_tfms(RandomSuffix{}, TrainOnlyUpper{})
                    .batch_tfms(Halve{});
  auto dls = dblock.dataloaders(df, {.bs = 2, .num_workers = 0});
  auto [xb, yb] = fb::first(dls.train);
  static_assert(std::same_as<decltype(xb), std::vector<std::string>>);
  for (const auto& s : xb) {
    CHECK(s.find('#') == 1);
    CHECK(std::isupper(static_cast<unsigned char>(s[0])));  // training: augmented
  }
  CHECK(fb::max(yb).item<float>() == 0.5f);  // halved
  auto [xv, yv] = fb::first(dls.valid);
  CHECK(xv[0].starts_with("e#"));  // validation: no upper-casing
  CHECK(xv[1].starts_with("f#"));
  CHECK(fb::sum(yv).item<float>() == 0.5f);  // "q" and "", halved

  // Same seed, any worker count: the same batches.
  const auto epoch = [&](int workers) {
    auto loaders = dblock.dataloaders(df, {.bs = 2, .seed = 7, .num_workers = workers});
    std::vector<std::string> seen;
    for (auto& [x, y] : loaders.train)
      for (auto& s : x) seen.push_back(s);
    for (auto& [x, y] : loaders.valid)
      for (auto& s : x) seen.push_back(s);
    return seen;
  };
  const auto serial = epoch(0);
  CHECK(serial.size() == 6);
  CHECK(epoch(1) == serial);
  CHECK(epoch(3) == serial);
  CHECK(epoch(-1) == serial);
  // The suffixes come from each item's generator: a different seed draws others.
  auto other = dblock.dataloaders(df, {.bs = 2, .seed = 8, .num_workers = 0});
  CHECK(std::get<0>(fb::first(other.valid)) != std::get<0>(fb::first(dls.valid)));
}

namespace {
struct AppendA {
  static constexpr int order = 5;
  std::string operator()(const std::string& s) const { return s + "A"; }
};
struct AppendB {
  std::string operator()(const std::string& s) const { return s + "B"; }
};
struct AppendC {
  static constexpr int order = -1;
  std::string operator()(const std::string& s) const { return s + "C"; }
};
}  // namespace

TEST_CASE("DataBlock: transforms run in order of `order`, stable", "[data][datablock]") {
  using A = AppendA;
  using B = AppendB;
  using C = AppendC;
  fb::Generator rng(0);
  fb::TransformContext ctx{rng, true};
  auto out = fb::apply_transforms(std::tuple{A{}, B{}, C{}, B{}},
                                  std::tuple<std::string, int>{"", 1}, ctx);
  CHECK(std::get<0>(out) == "CBBA");
  CHECK(std::get<1>(out) == 1);  // no transform takes an int: it passes through
}

TEST_CASE("DataBlock: a tuple of transforms counts as its elements (Python's [*tfms, t])",
          "[data][datablock]") {
  const fb::DataFrame df({{"x", {"a", "b"}}, {"y", {"p", "p"}}, {"is_valid", {false, true}}});
  auto dblock = fb::DataBlock<fb::TransformBlock<std::string>, fb::CategoryBlock>{}
                    .get_x([](const Row& r) { return std::string(r["x"]); })
                    .get_y([](const Row& r) { return r["y"]; })
                    .splitter(fb::ColSplitter())
                    .item_tfms(std::tuple{AppendA{}, AppendB{}}, AppendC{});
  auto dls = dblock.dataloaders(df, {.bs = 1, .num_workers = 0});
  CHECK(std::get<0>(fb::first(dls.valid))[0] == "bCBA");
}

TEST_CASE("DataBlock: n_inp and one getter per block", "[data][datablock]") {
  const fb::DataFrame df(
      {{"a", {"1", "2", "3"}}, {"b", {"x", "y", "x"}}, {"c", {"0.5", "1.5", "2.5"}}});
  auto dblock =
      fb::DataBlock<fb::TransformBlock<std::string>, fb::CategoryBlock, fb::RegressionBlock>{}
          .get_x([](const Row& r) { return std::string(r["a"]); })
          .get_y([](const Row& r) { return r["b"]; },
                 [](const Row& r) { return std::stod(std::string(r["c"])); })
          .splitter(fb::IndexSplitter({2}));
  static_assert(decltype(dblock)::n_inputs == 2);  // default: all blocks but the last
  auto dsets = dblock.n_inp<1>().datasets(df);
  const auto [a, b, c] = dsets.train[1];
  CHECK(a == "2");
  CHECK(b.item<std::int64_t>() == 1);
  CHECK(c.item<float>() == 1.5f);
  CHECK(dsets.c() == 1);             // the last block's n_out
  CHECK(dsets.vocab().size() == 2);  // the category block's vocabulary
  CHECK(decltype(dsets)::n_inp == 1);

  auto two_inputs = fb::DataBlock<fb::TransformBlock<std::string>, fb::TransformBlock<std::string>,
                                  fb::CategoryBlock>{}
                        .get_x([](const Row& r) { return std::string(r["a"]); },
                               [](const Row& r) { return std::string(r["c"]); })
                        .get_y([](const Row& r) { return r["b"]; });
  static_assert(decltype(two_inputs)::n_inputs == 2);
  auto d2 = two_inputs.datasets(df);
  CHECK(std::get<1>(d2[0]) == "0.5");
}

TEST_CASE("DataBlock over a vector of items, with get_items and FuncSplitter",
          "[data][datablock]") {
  const std::vector<std::filesystem::path> files = {"train/13/a.jpg", "train/02/b.jpg",
                                                    "train/13/c.jpg", "train/05/d.jpg"};
  auto dblock =
      fb::DataBlock<PathBlock, fb::CategoryBlock>{}
          .get_y([](const std::filesystem::path& p) { return p.parent_path().filename().string(); })
          .splitter(fb::FuncSplitter(
              [](const std::filesystem::path& p) { return p.parent_path().filename() == "13"; }));
  auto dsets = dblock.datasets(files);
  CHECK(dsets.train.indices() == std::vector<std::size_t>{1, 3});
  CHECK(dsets.valid.indices() == std::vector<std::size_t>{0, 2});
  CHECK(dsets.vocab().items() == std::vector<std::string>{"02", "05"});

  auto via_get_items =
      fb::DataBlock<PathBlock, fb::CategoryBlock>{}
          .get_items([](const std::string& root) {
            return std::vector<std::filesystem::path>{root + "/x/1.jpg", root + "/y/2.jpg"};
          })
          .get_y([](const std::filesystem::path& p) { return p.parent_path().filename().string(); })
          .splitter(fb::IndexSplitter({}));
  auto d2 = via_get_items.datasets(std::string("data"));
  CHECK(fb::len(d2) == 2);
  CHECK(std::get<0>(d2[1]) == "data/y/2.jpg");
}

TEST_CASE("DataBlock: bad splits and failing getters name what went wrong", "[data][datablock]") {
  const auto df = fb::synthetic_pascal_frame({.n_rows = 10});
  auto all_valid = fb::DataBlock().splitter(fb::IndexSplitter({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  CHECK_THROWS_WITH(all_valid.datasets(df), Contains("the training set is empty"));
  auto out_of_range = fb::DataBlock().splitter(fb::IndexSplitter({10}));
  CHECK_THROWS_WITH(out_of_range.datasets(df), Contains("index 10") && Contains("out of range"));
  auto overlap = fb::DataBlock().splitter([](const fb::DataFrame&) {
    return fb::Splits{{0, 1, 2}, {2, 3}};
  });
  CHECK_THROWS_WITH(overlap.datasets(df), Contains("index 2 is in both"));

  auto missing_column = fb::DataBlock<PathBlock, fb::MultiCategoryBlock>{}
                            .get_x(get_x_path)
                            .get_y([](const Row& r) { return fb::split(r["label"], ' '); })
                            .splitter(fb::IndexSplitter({9}));
  CHECK_THROWS_AS(missing_column.datasets(df), fb::data_error);
  CHECK_THROWS_WITH(missing_column.datasets(df),
                    Contains("get_y failed on item 0 (setting up MultiCategoryBlock)") &&
                        Contains("no column 'label'"));
}

TEST_CASE("DataBlock::summary prints every stage and returns the batch", "[data][datablock]") {
  const auto df = fb::synthetic_pascal_frame({.n_rows = 40});
  auto dblock = fb::DataBlock<PathBlock, fb::MultiCategoryBlock>{}
                    .get_x(get_x_path)
                    .get_y(get_y_split)
                    .splitter(fb::ColSplitter())
                    .batch_tfms(Halve{});
  std::ostringstream os;
  auto [xb, yb] = dblock.summary(df, os);
  const std::string out = os.str();
  CHECK_THAT(out, Contains("Collecting items from a DataFrame of 40 rows x 3 columns"));
  CHECK_THAT(out, Contains("Found 40 items"));
  CHECK_THAT(out, Contains("Setting up Pipeline: get_y -> MultiCategoryBlock"));
  CHECK_THAT(out, Contains("applying get_x gives\n      Path('pascal_2007/train/"));
  CHECK_THAT(out,
             Contains("applying MultiCategoryBlock.encode gives\n      TensorMultiCategory(["));
  CHECK_THAT(out, Contains("Final sample: ('pascal_2007/train/"));
  CHECK_THAT(out, Contains("No item_tfms to apply"));
  CHECK_THAT(out, Contains("Adding the next 3 samples"));
  CHECK_THAT(out, Contains("Applying batch_tfms to the batch built\n  Pipeline: "));
  CHECK_THAT(out, Contains("applying ") && Contains("Halve gives"));
  CHECK(xb.size() == 4);
  CHECK(yb.dim() == 2);
  CHECK(yb.size(0) == 4);
  CHECK(yb.size(1) == dblock.datasets(df).c());

  // A failing stage is printed and named in the exception, with the types involved.
  auto bad = fb::DataBlock<PathBlock, fb::MultiCategoryBlock>{}
                 .get_x(get_x_path)
                 .get_y(get_y_split)
                 .splitter(fb::ColSplitter())
                 .item_tfms([](const fb::TensorMultiCategory& y) -> fb::TensorMultiCategory {
                   if (y.numel() > 0) throw fb::shape_error("boom");
                   return y;
                 });
  std::ostringstream bad_os;
  CHECK_THROWS_AS(bad.summary(df, bad_os), fb::shape_error);
  CHECK_THROWS_WITH(bad.summary(df, bad_os),
                    Contains("fastblock::DataBlock::summary: item transform") &&
                        Contains("(std::tuple<std::string, TensorMultiCategory> -> ") &&
                        Contains("failed: boom"));
  CHECK_THAT(bad_os.str(), Contains("    failed: boom"));
}

TEST_CASE("show_value prints values as Python would", "[data][datablock]") {
  CHECK(fb::show_value(std::string("006610.jpg")) == "'006610.jpg'");
  CHECK(fb::show_value(std::string_view("it's")) == "\"it's\"");
  CHECK(fb::show_value(true) == "True");
  CHECK(fb::show_value(3) == "3");
  CHECK(fb::show_value(2.0) == "2.0");
  CHECK(fb::show_value(0.25f) == "0.25");
  CHECK(fb::show_value(std::filesystem::path("train/1.jpg")) == "Path('train/1.jpg')");
  CHECK(fb::show_value(std::vector<std::string>{"bicycle", "person"}) == "['bicycle', 'person']");
  CHECK(fb::show_value(fb::LabelList{"bottle"}) == "(#1) ['bottle']");
  CHECK(fb::show_value(std::tuple<int, std::string>{1, "a"}) == "(1, 'a')");
  CHECK(fb::show_value(std::tuple<int>{1}) == "(1,)");
  CHECK(fb::show_value(fb::TensorCategory(fb::scalar_tensor(std::int64_t{3}))) ==
        "TensorCategory(3)");
  CHECK(fb::show_value(fb::zeros({3, 64, 64})) == "Tensor of size 3x64x64");
  CHECK(fb::show_value(fb::TensorMultiCategory(fb::zeros({64, 20}))) ==
        "TensorMultiCategory of size 64x20");
  CHECK(fb::show_value(std::vector<int>(12, 1)) == "[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, ...]");
  struct Opaque {};
  CHECK_THAT(fb::show_value(Opaque{}), Contains("Opaque>"));
}
