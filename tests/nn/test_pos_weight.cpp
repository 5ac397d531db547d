// BCEWithLogitsLossFlat with pos_weight: loss and gradient against PyTorch
// (tests/golden/make_pos_weight_fixture.py) and finite differences; MultiCategoryBlock's
// pos_weight from training-label counts.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <fastblock/core/error.hpp>
#include <fastblock/data/blocks/category.hpp>
#include <fastblock/nn/loss.hpp>
#include <fastblock/tensor.hpp>

#include "catch.hpp"
#include "json_fixture.hpp"

namespace fb = fastblock;

namespace {

fb::Tensor matrix(const nlohmann::json& rows) {
  std::vector<float> v;
  for (const auto& r : rows)
    for (const auto& x : r) v.push_back(x.get<float>());
  return fb::from_vector(v).reshape(
      {static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(rows[0].size())});
}

}  // namespace

TEST_CASE("loss: BCEWithLogitsLossFlat's pos_weight matches PyTorch", "[nn][loss]") {
  const auto j = fastblock_test::load_json_fixture("loss/bce_pos_weight.json");
  const fb::Tensor logits = matrix(j["logits"]);
  const fb::Tensor target = matrix(j["target"]);
  const auto pw = j["pos_weight"].get<std::vector<float>>();
  for (const auto& [name, reduction] :
       {std::pair{"mean", fb::Reduction::mean}, std::pair{"sum", fb::Reduction::sum},
        std::pair{"none", fb::Reduction::none}}) {
    INFO(name);
    fb::BCEWithLogitsLossFlat loss({.reduction = reduction}, 0.5f, pw);
    const fb::Tensor l = loss(logits, target).contiguous().reshape({-1});
    const auto want = j[name]["loss"].get<std::vector<float>>();
    REQUIRE(l.numel() == static_cast<std::int64_t>(want.size()));
    for (std::size_t i = 0; i < want.size(); ++i)
      CHECK(l[static_cast<std::int64_t>(i)].item<float>() ==
            Approx(want[i]).epsilon(1e-5).margin(1e-5));
    const fb::Tensor g = (reduction == fb::Reduction::none ? loss.backward(fb::ones(logits.shape()))
                                                           : loss.backward())
                             .contiguous()
                             .reshape({-1});
    const auto grad = j[name]["grad"].get<std::vector<float>>();
    for (std::size_t i = 0; i < grad.size(); ++i)
      CHECK(g[static_cast<std::int64_t>(i)].item<float>() == Approx(grad[i]).margin(1e-6));
  }
}

TEST_CASE("loss: pos_weight's gradient by finite differences, and its checks", "[nn][loss]") {
  const fb::Tensor target = fb::tensor({1.f, 0.f, 1.f, 1.f, 0.f, 0.f}).reshape({2, 3});
  const std::vector<float> pw{0.25f, 4.0f, 1.5f};
  const std::vector<float> x0{0.4f, -0.9f, 1.3f, -0.2f, 0.7f, -1.6f};
  fb::BCEWithLogitsLossFlat loss({}, 0.5f, pw);
  (void)loss(fb::from_vector(x0).reshape({2, 3}), target);
  const fb::Tensor g = loss.backward().contiguous().reshape({-1});
  const double h = 1e-2;
  for (std::size_t i = 0; i < x0.size(); ++i) {
    auto at = [&](double d) {
      std::vector<float> x = x0;
      x[i] += static_cast<float>(d);
      fb::BCEWithLogitsLossFlat l({}, 0.5f, pw);
      return static_cast<double>(l(fb::from_vector(x).reshape({2, 3}), target).item<float>());
    };
    const double fd = (at(h) - at(-h)) / (2 * h);
    CHECK(g[static_cast<std::int64_t>(i)].item<float>() == Approx(fd).margin(2e-4));
  }
  // One weight per class of the last dimension.
  fb::BCEWithLogitsLossFlat wrong({}, 0.5f, {1.f, 2.f});
  CHECK_THROWS_AS(wrong(fb::zeros({2, 3}), target), fb::shape_error);
}

TEST_CASE("MultiCategoryBlock: pos_weight is negatives over positives per class", "[data]") {
  fb::MultiCategoryBlock block;
  const std::vector<std::vector<std::string>> labels{
      {"cat"}, {"cat", "dog"}, {"dog", "dog"}, {}, {"cat"}};
  block.setup(labels);
  REQUIRE(block.vocab().items() == std::vector<std::string>{"cat", "dog"});
  // cat: 3 of 5 items -> 2/3; dog: 2 of 5 (counted once per item) -> 3/2.
  CHECK(block.pos_weight() == std::vector<float>{2.0f / 3.0f, 1.5f});
  fb::MultiCategoryBlock fixed({.vocab = std::vector<std::string>{"bird", "cat"}});
  fixed.setup(labels);
  CHECK(fixed.pos_weight() == std::vector<float>{1.0f, 2.0f / 3.0f});  // no bird: 1
}
