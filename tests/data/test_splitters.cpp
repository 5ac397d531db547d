// Behaviour of the splitters (data/splitters.hpp): fastai's counts and semantics, determinism
// from a seed, the seed's own `splitter(df)`, and every error check_splits raises.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <numeric>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "catch.hpp"

#include <fastblock/core/random.hpp>
#include <fastblock/data/dataframe.hpp>
#include <fastblock/data/splitters.hpp>

namespace fb = fastblock;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

using Positions = std::vector<std::int64_t>;

/// The head of the seed's train.csv: rows 0, 1, 2 and 4 validate, row 3 trains.
fb::DataFrame pascal_head() {
  return fb::DataFrame(
      {{"fname", std::vector<std::string>{"000005.jpg", "000007.jpg", "000009.jpg", "000012.jpg",
                                          "000016.jpg", "000017.jpg"}},
       {"labels",
        std::vector<std::string>{"chair", "car", "horse person", "car", "bicycle", "person"}},
       {"is_valid", {true, true, true, false, true, false}}});
}

/// Whether `splits` uses each of 0..n-1 exactly once.
bool is_partition(const fb::Splits& splits, std::size_t n) {
  Positions all = splits.train;
  all.insert(all.end(), splits.valid.begin(), splits.valid.end());
  std::sort(all.begin(), all.end());
  Positions expected(n);
  std::iota(expected.begin(), expected.end(), 0);
  return all == expected;
}

}  // namespace

TEST_CASE("RandomSplitter validates int(valid_pct * n) items, like fastai",
          "[data][splitters][random]") {
  const std::vector<int> items(5011);
  const fb::Splits splits = fb::RandomSplitter({.valid_pct = 0.2, .seed = 42})(items);
  // The seed's `(4009, 1002)` for PASCAL_2007's 5011 rows.
  CHECK(splits.train.size() == 4009);
  CHECK(splits.valid.size() == 1002);
  CHECK(is_partition(splits, 5011));
  CHECK_NOTHROW(fb::check_splits(splits, 5011));

  // A DataFrame source splits its rows.
  const fb::DataFrame df = pascal_head();
  const fb::Splits rows = fb::RandomSplitter({.valid_pct = 0.5, .seed = 1})(df);
  CHECK(rows.valid.size() == 3);
  CHECK(is_partition(rows, 6));

  CHECK(fb::RandomSplitter({.valid_pct = 0.0, .seed = 1})(items).valid.empty());
  CHECK(fb::RandomSplitter({.valid_pct = 1.0, .seed = 1})(items).train.empty());
  CHECK(fb::RandomSplitter({.valid_pct = 0.25, .seed = 1}).split(3).valid.size() == 0);
  CHECK(fb::RandomSplitter({.valid_pct = 0.25, .seed = 1}).split(4).valid.size() == 1);
  CHECK(fb::RandomSplitter().split(0) == fb::Splits{});
}

TEST_CASE("RandomSplitter is a pure function of its seed", "[data][splitters][random]") {
  const fb::RandomSplitter splitter({.seed = 2024});
  const fb::Splits a = splitter.split(5011);
  CHECK(splitter.split(5011) == a);
  CHECK(fb::RandomSplitter({.seed = 2024}).split(5011) == a);
  CHECK_FALSE(fb::RandomSplitter({.seed = 2025}).split(5011) == a);

  // The documented recipe: the first int(valid_pct * n) positions of Generator(seed)'s
  // permutation validate, the rest train, both in permutation order.
  const Positions perm = fb::Generator(2024).permutation(5011);
  CHECK(a.valid == Positions(perm.begin(), perm.begin() + 1002));
  CHECK(a.train == Positions(perm.begin() + 1002, perm.end()));

  // Without a seed each call draws from default_generator(), which set_seed makes repeatable.
  fb::set_seed(7);
  const fb::Splits first = fb::RandomSplitter().split(100);
  const fb::Splits second = fb::RandomSplitter().split(100);
  CHECK_FALSE(first == second);
  fb::set_seed(7);
  CHECK(fb::RandomSplitter().split(100) == first);
}

TEST_CASE("RandomSplitter rejects a valid_pct outside [0, 1]", "[data][splitters][random]") {
  CHECK_THROWS_AS(fb::RandomSplitter({.valid_pct = 1.5}), fb::value_error);
  CHECK_THROWS_WITH(fb::RandomSplitter({.valid_pct = -0.1}),
                    Contains("valid_pct must be between 0 and 1"));
}

TEST_CASE("ColSplitter validates the rows whose column is true", "[data][splitters][col]") {
  const fb::DataFrame df = pascal_head();
  const fb::Splits splits = fb::ColSplitter("is_valid")(df);
  CHECK(splits.train == Positions{3, 5});
  CHECK(splits.valid == Positions{0, 1, 2, 4});
  CHECK(fb::ColSplitter()(df) == splits);  // "is_valid" is the default column

  // With `on`, the rows holding one of the values validate.
  const fb::Splits by_label = fb::ColSplitter("labels", {.on = {"car", "bicycle"}})(df);
  CHECK(by_label.valid == Positions{1, 3, 4});
  CHECK(by_label.train == Positions{0, 2, 5});

  // Column parsing accepts what pandas writes to a CSV: True/False, and 1/0.
  const fb::DataFrame ints({{"is_valid", std::vector<std::string>{"0", "1", "False", "True"}}});
  CHECK(fb::ColSplitter()(ints).valid == Positions{1, 3});
}

TEST_CASE("ColSplitter names a missing column or a cell that is not a bool",
          "[data][splitters][col][errors]") {
  const fb::DataFrame df = pascal_head();
  CHECK_THROWS_AS(fb::ColSplitter("valid")(df), fb::data_error);
  CHECK_THROWS_AS(fb::ColSplitter("labels")(df), fb::data_error);
  CHECK_THROWS_WITH(fb::ColSplitter("labels")(df), Contains("labels") && Contains("chair"));
}

TEST_CASE("the seed's splitter(df) works as a user function", "[data][splitters][user]") {
  const fb::DataFrame df = pascal_head();
  // def splitter(df):
  //     train = df.index[~df['is_valid']].tolist()
  //     valid = df.index[df['is_valid']].tolist()
  //     return train, valid
  const auto splitter = [](const fb::DataFrame& d) {
    const fb::Mask valid = d["is_valid"].as<bool>();
    return std::pair{d.index_where(~valid), d.index_where(valid)};
  };
  STATIC_REQUIRE(fb::Splitter<decltype(splitter), fb::DataFrame>);
  const fb::Splits splits = fb::apply_splitter(splitter, df);
  CHECK(splits == fb::ColSplitter("is_valid")(df));

  // Splits itself, a tuple, and other integer types are accepted too.
  const auto as_splits = [](const fb::DataFrame&) { return fb::Splits{{0, 1}, {2}}; };
  const auto as_tuple = [](const fb::DataFrame&) {
    return std::tuple{std::vector<int>{0, 1}, std::vector<std::size_t>{2}};
  };
  CHECK(fb::apply_splitter(as_splits, df) == fb::Splits{{0, 1}, {2}});
  CHECK(fb::apply_splitter(as_tuple, df) == fb::Splits{{0, 1}, {2}});
  CHECK(fb::to_splits(std::pair{std::vector<short>{4}, std::vector<long>{}}) ==
        fb::Splits{{4}, {}});
  const auto [train, valid] = fb::apply_splitter(as_splits, df);  // structured bindings
  CHECK(train.size() == 2);
  CHECK(valid.size() == 1);
}

TEST_CASE("FuncSplitter validates the items its predicate picks", "[data][splitters][func]") {
  // BIWI: the person in folder 13 validates.
  const std::vector<fs::path> files = {"01/frame_00003_rgb.jpg", "13/frame_00004_rgb.jpg",
                                       "02/frame_00005_rgb.jpg", "13/frame_00006_rgb.jpg"};
  const fb::FuncSplitter biwi([](const fs::path& o) { return o.parent_path().filename() == "13"; });
  const fb::Splits splits = biwi(files);
  CHECK(splits.train == Positions{0, 2});
  CHECK(splits.valid == Positions{1, 3});

  // Over a DataFrame the predicate sees each Row.
  const fb::DataFrame df = pascal_head();
  const fb::FuncSplitter cars([](const fb::Row& r) { return r["labels"] == "car"; });
  CHECK(cars(df).valid == Positions{1, 3});
  STATIC_REQUIRE(fb::Splitter<decltype(cars), fb::DataFrame>);
  STATIC_REQUIRE_FALSE(fb::Splitter<decltype(cars), std::vector<fs::path>>);
  STATIC_REQUIRE_FALSE(fb::Splitter<decltype(biwi), fb::DataFrame>);
}

TEST_CASE("IndexSplitter validates the given positions", "[data][splitters][index]") {
  const fb::Splits splits = fb::IndexSplitter({4, 1})(std::vector<int>(6));
  CHECK(splits.valid == Positions{4, 1});
  CHECK(splits.train == Positions{0, 2, 3, 5});
  CHECK(fb::IndexSplitter({0})(pascal_head()).train.size() == 5);
  // Out-of-range positions are reported when the result is applied.
  CHECK_THROWS_WITH(fb::apply_splitter(fb::IndexSplitter({1, 9}), std::vector<int>(6)),
                    Contains("index 9") && Contains("6 items"));
}

TEST_CASE("GrandparentSplitter splits by the grandparent folder's name",
          "[data][splitters][grandparent]") {
  const std::vector<fs::path> files = {"data/train/dog/1.jpg", "data/valid/cat/2.jpg",
                                       "data/test/cat/3.jpg", "train/cat/4.jpg", "5.jpg"};
  const fb::Splits splits = fb::GrandparentSplitter()(files);
  CHECK(splits.train == Positions{0, 3});
  CHECK(splits.valid == Positions{1});  // items under neither folder are left out

  const std::vector<std::string> names = {"a/training/x/1.png", "a/testing/x/2.png"};
  const fb::Splits custom =
      fb::GrandparentSplitter({.train_name = "training", .valid_name = "testing"})(names);
  CHECK(custom == fb::Splits{{0}, {1}});
  CHECK_NOTHROW(fb::check_splits(splits, files.size()));
}

TEST_CASE("Splitter says which splitters apply to which sources", "[data][splitters][concept]") {
  STATIC_REQUIRE(fb::Splitter<fb::RandomSplitter, fb::DataFrame>);
  STATIC_REQUIRE(fb::Splitter<fb::RandomSplitter, std::vector<fs::path>>);
  STATIC_REQUIRE(fb::Splitter<fb::IndexSplitter, std::vector<int>>);
  STATIC_REQUIRE(fb::Splitter<fb::ColSplitter, fb::DataFrame>);
  STATIC_REQUIRE_FALSE(fb::Splitter<fb::ColSplitter, std::vector<fs::path>>);
  STATIC_REQUIRE(fb::Splitter<fb::GrandparentSplitter, std::vector<fs::path>>);
  STATIC_REQUIRE_FALSE(fb::Splitter<fb::GrandparentSplitter, std::vector<int>>);
  const auto returns_int = [](const fb::DataFrame&) { return 1; };
  const auto returns_three = [](const fb::DataFrame&) {
    return std::tuple{Positions{}, Positions{}, Positions{}};
  };
  STATIC_REQUIRE_FALSE(fb::Splitter<decltype(returns_int), fb::DataFrame>);
  STATIC_REQUIRE_FALSE(fb::Splitter<decltype(returns_three), fb::DataFrame>);
  STATIC_REQUIRE(fb::require_splitter<fb::RandomSplitter, fb::DataFrame>());
}

TEST_CASE("check_splits rejects an empty training set", "[data][splitters][check][errors]") {
  CHECK_THROWS_AS(fb::check_splits(fb::Splits{{}, {0, 1}}, 2), fb::value_error);
  CHECK_THROWS_WITH(fb::check_splits(fb::Splits{{}, {0, 1}}, 2),
                    Contains("training set is empty") && Contains("2 items"));
  CHECK_THROWS_WITH(
      fb::apply_splitter(fb::RandomSplitter({.valid_pct = 1.0, .seed = 0}), std::vector<int>(3)),
      Contains("training set is empty"));
  CHECK_NOTHROW(fb::check_splits(fb::Splits{{0, 1}, {}}, 2));  // no validation set is fine
}

TEST_CASE("check_splits names an index out of range and the number of items",
          "[data][splitters][check][errors]") {
  CHECK_THROWS_AS(fb::check_splits(fb::Splits{{0, 5}, {1}}, 5), fb::value_error);
  CHECK_THROWS_WITH(fb::check_splits(fb::Splits{{0, 5}, {1}}, 5),
                    Contains("index 5 in the training set") && Contains("5 items"));
  CHECK_THROWS_WITH(fb::check_splits(fb::Splits{{0}, {-1}}, 5),
                    Contains("index -1 in the validation set") && Contains("5 items"));
  CHECK_THROWS_WITH(fb::check_splits(fb::Splits{{0}, {}}, 0), Contains("index 0"));
}

TEST_CASE("check_splits names an index in both sets", "[data][splitters][check][errors]") {
  CHECK_THROWS_AS(fb::check_splits(fb::Splits{{0, 1, 2}, {3, 2}}, 4), fb::value_error);
  CHECK_THROWS_WITH(fb::check_splits(fb::Splits{{0, 1, 2}, {3, 2}}, 4),
                    Contains("index 2 is in both the training and the validation set"));
  // Repeats within one set are allowed (oversampling).
  CHECK_NOTHROW(fb::check_splits(fb::Splits{{0, 0, 1}, {2, 2}}, 3));
}
