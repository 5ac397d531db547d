// Tests for fastblock/data/collate.hpp: every built-in collation, every error (with the item it
// names), tuples column by column, and a user's Collate specialization.
#include <fastblock/data/collate.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <fastblock/core/error.hpp>
#include <fastblock/tensor/factory.hpp>
#include <fastblock/tensor/ops.hpp>
#include <fastblock/tensor/print.hpp>

#include "catch.hpp"

namespace collate_test {

/// A user's item type: a 2-D point, collated by a specialization below into a [bs, 2] tensor.
struct Point {
  float x;
  float y;
};

}  // namespace collate_test

template <>
struct fastblock::Collate<collate_test::Point> {
  static fastblock::Tensor collate(fastblock::BatchView<collate_test::Point> items) {
    std::vector<float> xy;
    for (const collate_test::Point& p : items) {
      xy.push_back(p.x);
      xy.push_back(p.y);
    }
    return fastblock::from_vector(std::span<const float>(xy),
                                  {static_cast<std::int64_t>(items.size()), 2});
  }
};

namespace {

using Catch::Matchers::Contains;
using fastblock::collate;
using fastblock::Shape;
using fastblock::Tensor;

TEST_CASE("collate: numbers become 1-D tensors of the matching dtype", "[data][collate]") {
  const std::vector<int> ints{6, 11, 13};
  const Tensor t = collate(ints);
  CHECK(t.dtype() == fastblock::int64);
  CHECK(fastblock::equal(t, fastblock::tensor({6, 11, 13})));

  const std::vector<double> reals{0.5, -1.25};
  const Tensor r = collate(reals);
  CHECK(r.dtype() == fastblock::float32);
  CHECK(r.shape() == Shape{2});
  CHECK(r.at<float>({1}) == -1.25f);

  const std::vector<std::uint8_t> bytes{0, 255};
  CHECK(collate(bytes).dtype() == fastblock::uint8);
  CHECK(collate(bytes).at<int>({1}) == 255);

  const std::vector<std::int64_t> big{std::int64_t{1} << 40};
  CHECK(collate(big).at<std::int64_t>({0}) == std::int64_t{1} << 40);

  // std::vector<bool> has no span; an array of bools does.
  const bool flags[] = {true, false, true};
  const Tensor b = collate(std::span<const bool>(flags));
  CHECK(b.dtype() == fastblock::boolean);
  CHECK(fastblock::repr(b) == "tensor([ True, False,  True])");
}

TEST_CASE("collate: strings stay a list of strings", "[data][collate]") {
  const std::vector<std::string> letters{"g", "l", "n"};
  const std::vector<std::string> batch = collate(letters);
  CHECK(batch == letters);
}

TEST_CASE("collate: tensors stack along a new first dimension", "[data][collate]") {
  const std::vector<Tensor> items{fastblock::tensor({{1, 2, 3}, {4, 5, 6}}),
                                  fastblock::tensor({{7, 8, 9}, {10, 11, 12}})};
  const Tensor t = collate(items);
  CHECK(t.shape() == Shape{2, 2, 3});
  CHECK(t.dtype() == fastblock::int64);
  CHECK(fastblock::equal(t[1], items[1]));
  CHECK(!t.shares_storage(items[0]));

  SECTION("0-d tensors give a 1-D batch (the seed's tensor(6), tensor(11), ...)") {
    const std::vector<Tensor> scalars{fastblock::scalar_tensor(6), fastblock::scalar_tensor(11)};
    CHECK(fastblock::repr(collate(scalars)) == "tensor([ 6, 11])");
  }
  SECTION("non-contiguous items are copied element by element") {
    const std::vector<Tensor> views{items[0].t(), items[1].t()};
    const Tensor s = collate(views);
    CHECK(s.shape() == Shape{2, 3, 2});
    CHECK(fastblock::equal(s[0], items[0].t()));
    CHECK(fastblock::equal(s[1], items[1].t()));
  }
  SECTION("views into a larger tensor start at their own offset") {
    const Tensor base = fastblock::arange(12).reshape({4, 3});
    const std::vector<Tensor> rows{base[3], base[1]};
    CHECK(fastblock::equal(collate(rows), fastblock::tensor({{9, 10, 11}, {3, 4, 5}})));
  }
}

TEST_CASE("collate: vectors of numbers become a 2-D tensor", "[data][collate]") {
  const std::vector<std::vector<int>> rows{{1, 2}, {3, 4}, {5, 6}};
  const Tensor t = collate(rows);
  CHECK(t.shape() == Shape{3, 2});
  CHECK(t.dtype() == fastblock::int64);
  CHECK(fastblock::equal(t, fastblock::tensor({{1, 2}, {3, 4}, {5, 6}})));

  const std::vector<std::vector<float>> one_hot{{0.f, 1.f, 0.f}, {1.f, 0.f, 1.f}};
  CHECK(collate(one_hot).dtype() == fastblock::float32);
  CHECK(collate(one_hot).shape() == Shape{2, 3});
}

TEST_CASE("collate: tuples and pairs collate element by element", "[data][collate]") {
  const std::vector<std::pair<std::int64_t, std::string>> pairs{{6, "g"}, {11, "l"}};
  const std::tuple<Tensor, std::vector<std::string>> batch = collate(pairs);
  CHECK(fastblock::equal(std::get<0>(batch), fastblock::tensor({6, 11})));
  CHECK(std::get<1>(batch) == std::vector<std::string>{"g", "l"});

  using Nested = std::tuple<std::string, std::tuple<float, Tensor>>;
  const std::vector<Nested> nested{{"a", {0.5f, fastblock::zeros({2})}},
                                   {"b", {1.5f, fastblock::ones({2})}}};
  const auto [names, inner] = collate(nested);
  CHECK(names == std::vector<std::string>{"a", "b"});
  CHECK(fastblock::equal(std::get<0>(inner), fastblock::tensor({0.5f, 1.5f})));
  CHECK(std::get<1>(inner).shape() == Shape{2, 2});

  // A non-const span works like a const one.
  std::vector<std::tuple<int>> mutable_items{{1}, {2}};
  CHECK(std::get<0>(collate(std::span(mutable_items))).numel() == 2);
}

TEST_CASE("collate: a user's Collate specialization is used, also inside tuples",
          "[data][collate]") {
  const std::vector<collate_test::Point> points{{1.f, 2.f}, {3.f, 4.f}};
  CHECK(fastblock::equal(collate(points), fastblock::tensor({{1.f, 2.f}, {3.f, 4.f}})));

  const std::vector<std::pair<collate_test::Point, int>> labelled{{{1.f, 2.f}, 0}, {{3.f, 4.f}, 1}};
  const auto [xy, label] = collate(labelled);
  CHECK(xy.shape() == Shape{2, 2});
  CHECK(fastblock::equal(label, fastblock::tensor({0, 1})));
}

TEST_CASE("collate: an empty batch collates to empty values", "[data][collate]") {
  CHECK(collate(std::vector<Tensor>{}).numel() == 0);
  CHECK(collate(std::vector<int>{}).shape() == Shape{0});
  CHECK(collate(std::vector<std::vector<float>>{}).shape() == Shape{0, 0});
  CHECK(collate(std::vector<std::string>{}).empty());
}

TEST_CASE("collate: errors name the item, what it has and what was expected", "[data][collate]") {
  SECTION("tensors of different shapes") {
    const std::vector<Tensor> items{fastblock::zeros({2, 3}), fastblock::zeros({2, 3}),
                                    fastblock::zeros({3, 2})};
    REQUIRE_THROWS_AS(collate(items), fastblock::shape_error);
    REQUIRE_THROWS_WITH(collate(items),
                        Contains("fastblock::collate: item 2 has shape [3, 2] but item 0 has "
                                 "shape [2, 3]"));
  }
  SECTION("tensors of different dtypes") {
    const std::vector<Tensor> items{fastblock::zeros({2}), fastblock::tensor({1, 2})};
    REQUIRE_THROWS_AS(collate(items), fastblock::dtype_error);
    REQUIRE_THROWS_WITH(collate(items), Contains("fastblock::collate: item 1 has dtype int64 "
                                                 "but item 0 has dtype float32"));
  }
  SECTION("vectors of different lengths") {
    const std::vector<std::vector<int>> rows{{1, 2}, {3, 4}, {5, 6, 7}};
    REQUIRE_THROWS_AS(collate(rows), fastblock::shape_error);
    REQUIRE_THROWS_WITH(collate(rows),
                        Contains("fastblock::collate: item 2 has 3 values but item 0 has 2"));
  }
  SECTION("inside a tuple the message names the element") {
    const std::vector<std::pair<int, Tensor>> items{{0, fastblock::zeros({2})},
                                                    {1, fastblock::zeros({3})}};
    REQUIRE_THROWS_AS(collate(items), fastblock::shape_error);
    REQUIRE_THROWS_WITH(collate(items), Contains("item 1 has shape [3] but item 0 has shape [2]") &&
                                            Contains("(tuple element 1)"));
  }
}

}  // namespace

TEST_CASE("collate keeps typed tensors typed", "[data][collate]") {
  namespace fb = fastblock;
  const std::vector<fb::TensorMultiCategory> ys = {fb::TensorMultiCategory(fb::tensor({0.f, 1.f})),
                                                   fb::TensorMultiCategory(fb::tensor({1.f, 1.f}))};
  const fb::TensorMultiCategory batch = fb::collate(ys);
  CHECK(fb::repr(batch) == "TensorMultiCategory([[0., 1.],\n                     [1., 1.]])");
  const std::vector<std::tuple<fb::TensorCategory, int>> items = {
      {fb::TensorCategory(fb::scalar_tensor(std::int64_t{3})), 1},
      {fb::TensorCategory(fb::scalar_tensor(std::int64_t{5})), 2}};
  const auto [cats, ints] = fb::collate(items);
  static_assert(std::is_same_v<std::remove_const_t<decltype(cats)>, fb::TensorCategory>);
  CHECK(fb::repr(cats) == "TensorCategory([3, 5])");
  // Mismatched shapes name the item, as for plain tensors.
  const std::vector<fb::TensorMultiCategory> ragged = {fb::TensorMultiCategory(fb::zeros({2})),
                                                       fb::TensorMultiCategory(fb::zeros({3}))};
  CHECK_THROWS_AS(fb::collate(ragged), fb::shape_error);
}
