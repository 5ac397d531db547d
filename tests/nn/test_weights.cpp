// Weights to and from files: save/load round trips, PyTorch checkpoints (the committed .pth
// fixtures), strict and lenient loading with every mismatch named, fastai's adaptation of RGB
// first-layer weights, and truncated files rejected.
#include <cstdint>
#include <filesystem>
#include <string>

#include "catch.hpp"
#include "test_support.hpp"

#include <fastblock/io.hpp>
#include <fastblock/nn.hpp>
#include <fastblock/tensor.hpp>

namespace fb = fastblock;
using Catch::Matchers::Contains;
using fastblock_test::read_text;
using fastblock_test::TempDir;

TEST_CASE("weights: save_weights and load_weights round-trip a resnet18", "[nn][io]") {
  TempDir tmp("fastblock-weights");
  auto a = fb::resnet18({.seed = 1});
  (void)a.forward(fb::randn({2, 3, 32, 32}));  // training mode: running statistics move
  const auto path = tmp.path() / "r18.safetensors";
  fb::save_weights(a, path);
  auto b = fb::resnet18({.seed = 2});
  const auto report = fb::load_weights(b, path);
  CHECK(report.ok());
  const auto sa = fb::state_dict(a), sb = fb::state_dict(b);
  REQUIRE(sa.size() == 122);
  REQUIRE(sb.keys() == sa.keys());
  for (const auto& [name, t] : sa) {
    INFO(name);
    CHECK(fb::equal(sb.at(name), t));
  }
  CHECK(sb.at("bn1.num_batches_tracked").item<std::int64_t>() == 1);
  a.train(false);
  b.train(false);
  const auto x = fb::randn({1, 3, 32, 32});
  CHECK(fb::equal(a.forward(x), b.forward(x)));
}

TEST_CASE("weights: strict loading names every mismatch and loads nothing", "[nn][io]") {
  auto model = fb::resnet18({.num_classes = 20, .seed = 1});
  auto imagenet = fb::resnet18({.seed = 2});
  auto dict = fb::state_dict(imagenet);
  const auto before = model.fc.weight.value.clone();
  const auto conv_before = model.body.conv1.weight.value.clone();
  const std::string msg =
      fastblock_test::error_of<fb::value_error>([&] { (void)fb::load_state_dict(model, dict); });
  CHECK_THAT(msg, Contains("mismatched (2): fc.weight: checkpoint [1000, 512] float32, model "
                           "[20, 512] float32, fc.bias"));
  CHECK_THAT(msg, Contains("nothing was loaded"));
  CHECK(fb::equal(model.body.conv1.weight.value, conv_before));  // all or nothing

  // Lenient: the body loads, fc keeps its own weights, the report says why.
  const auto report = fb::load_state_dict(model, dict, {.strict = false});
  CHECK(report.mismatched.size() == 2);
  CHECK(report.missing.empty());
  CHECK(fb::equal(model.body.conv1.weight.value, imagenet.body.conv1.weight.value));
  CHECK(fb::equal(model.fc.weight.value, before));

  fb::StateDict partial;
  partial.insert("conv1.weight", dict.at("conv1.weight"));
  partial.insert("head.0.weight", fb::zeros({3}));
  const std::string msg2 =
      fastblock_test::error_of<fb::value_error>([&] { (void)fb::load_state_dict(model, partial); });
  CHECK_THAT(msg2, Contains("missing (121): bn1.weight, bn1.bias") && Contains("and 111 more") &&
                       Contains("unexpected (1): head.0.weight"));
}

TEST_CASE("weights: RGB first-layer weights adapt to other channel counts as fastai's",
          "[nn][io]") {
  auto rgb = fb::resnet18({.seed = 1});
  const auto dict = fb::state_dict(rgb);
  const auto& w = dict.at("conv1.weight");
  auto grey = fb::resnet18({.in_channels = 1, .seed = 2});
  const auto report = fb::load_state_dict(grey, dict);
  CHECK(report.adapted == std::vector<std::string>{"conv1.weight"});
  CHECK(fb::allclose(grey.body.conv1.weight.value, w.sum(1, true)));
  auto two = fb::resnet18({.in_channels = 2, .seed = 2});
  (void)fb::load_state_dict(two, dict);
  CHECK(fb::allclose(two.body.conv1.weight.value, w.slice(1, 0, 2) * 1.5));
  auto four = fb::resnet18({.in_channels = 4, .seed = 2});
  (void)fb::load_state_dict(four, dict);
  CHECK(fb::equal(four.body.conv1.weight.value.slice(1, 0, 3), w));
  CHECK(fb::sum(fb::abs(four.body.conv1.weight.value.slice(1, 3, 4))).item<float>() == 0.0f);
  CHECK_THROWS_AS(fb::load_state_dict(grey, dict, {.adapt_input_channels = false}),
                  fb::value_error);
}

TEST_CASE("weights: load_weights reads PyTorch checkpoints and rejects truncated files",
          "[nn][io]") {
  // small.pth is torch.nn.Sequential(Conv2d(3, 4, 3), BatchNorm2d(4), Flatten(), Linear(16, 5))
  // after two training batches (make_pth_fixture.py): the same model here loads it strictly.
  const auto fixture = std::filesystem::path(FASTBLOCK_TEST_DATA_DIR) / "golden/pth/small.pth";
  fb::Sequential seq(fb::Conv2d(3, 4, 3), fb::BatchNorm2d(4), fb::Flatten(), fb::Linear(16, 5));
  const auto report = fb::load_weights(seq, fixture);
  CHECK(report.ok());
  const auto dict = fb::load_pth(fixture);
  CHECK(fb::state_dict(seq).keys() == dict.keys());
  CHECK(fb::equal(seq.get<0>().weight.value, dict.at("0.weight")));
  CHECK(fb::equal(seq.get<1>().running_var.value, dict.at("1.running_var")));
  CHECK(seq.get<1>().num_batches_tracked.value.item<std::int64_t>() == 2);
  CHECK(fb::equal(seq.get<3>().bias.value, dict.at("3.bias")));

  TempDir tmp("fastblock-weights");
  auto model = fb::resnet18({.seed = 1});
  const auto path = tmp.path() / "r18.safetensors";
  fb::save_weights(model, path);
  const std::string bytes = read_text(path);
  const auto cut =
      tmp.write("cut.safetensors", std::string_view(bytes).substr(0, bytes.size() / 2));
  CHECK_THROWS_AS(fb::load_weights(model, cut), fb::io_error);
  CHECK_THROWS_WITH(fb::load_weights(model, tmp.path() / "none.pth"), Contains("none.pth"));
}
