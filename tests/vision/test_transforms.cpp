// Behaviour of vision/resample.hpp, vision/tensor_image.hpp and vision/transforms.hpp: PIL's
// bilinear resampling on hand-computed cases, padding modes, each transform's geometry as fastai
// 2.7 draws it (train and valid), draws that depend on ctx.rng only, ToTensor's layout,
// IntToFloatTensor and Normalize with their decodes, transforms applied to tuple items in order,
// and TensorImage items collating to a typed [N, 3, H, W] batch.
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "test_support.hpp"
#include "vision/image_test_support.hpp"

#include <fastblock/core/random.hpp>
#include <fastblock/data/collate.hpp>
#include <fastblock/data/show.hpp>
#include <fastblock/data/transform.hpp>
#include <fastblock/tensor.hpp>
#include <fastblock/vision/resample.hpp>
#include <fastblock/vision/tensor_image.hpp>
#include <fastblock/vision/transforms.hpp>

namespace fb = fastblock;
using Catch::Matchers::Contains;
using fastblock_test::error_of;

namespace {

/// A one-row image of grey levels.
fb::Image grey_row(const std::vector<std::uint8_t>& levels) {
  fb::Image image(static_cast<std::int64_t>(levels.size()), 1);
  for (std::size_t x = 0; x < levels.size(); ++x)
    image.set(static_cast<std::int64_t>(x), 0, {levels[x], levels[x], levels[x]});
  return image;
}

/// The red channel of a one-row image.
std::vector<int> reds(const fb::Image& image) {
  std::vector<int> out;
  for (std::int64_t x = 0; x < image.width(); ++x) out.push_back(image.at(x, 0).r);
  return out;
}

/// A box of the image resized to out_w x 1.
fb::CropResize row_box(std::int64_t left, std::int64_t width, std::int64_t out_w, fb::PadMode pad) {
  return {.left = left,
          .top = 0,
          .width = width,
          .height = 1,
          .resize_w = out_w,
          .resize_h = 1,
          .out_left = 0,
          .out_top = 0,
          .out_width = out_w,
          .out_height = 1,
          .pad_mode = pad};
}

}  // namespace

TEST_CASE("crop_resize: PIL's bilinear filter, by hand", "[vision][resample]") {
  const fb::Image image = fastblock_test::pattern_image(9, 7);
  CHECK(fb::resize_image(image, 9, 7) == image);  // same size: untouched
  CHECK(fb::resize_image(fb::Image(50, 40, fb::Rgb{7, 8, 9}), 13, 11) ==
        fb::Image(13, 11, fb::Rgb{7, 8, 9}));
  // Up 2x: PIL gives [0, 64, 191, 255] (edges clamp, centres at half pixels).
  CHECK(reds(fb::resize_image(grey_row({0, 255}), 4, 1)) == std::vector<int>{0, 64, 191, 255});
  // Down 2x: the triangle widens to 2 pixels each side (antialiasing), weights 3/7, 3/7, 1/7.
  CHECK(reds(fb::resize_image(grey_row({0, 100, 200, 255}), 2, 1)) == std::vector<int>{71, 209});
  // A crop is exact: a box of the image at scale 1.
  const fb::Image crop = fb::crop_resize(image, {.left = 2,
                                                 .top = 3,
                                                 .width = 4,
                                                 .height = 2,
                                                 .resize_w = 4,
                                                 .resize_h = 2,
                                                 .out_left = 0,
                                                 .out_top = 0,
                                                 .out_width = 4,
                                                 .out_height = 2});
  for (std::int64_t y = 0; y < 2; ++y)
    for (std::int64_t x = 0; x < 4; ++x) CHECK(crop.at(x, y) == image.at(x + 2, y + 3));
  // The window of a resized box is that part of the full resize.
  const fb::Image full = fb::resize_image(image, 20, 16);
  const fb::Image part = fb::crop_resize(image, {.left = 0,
                                                 .top = 0,
                                                 .width = 9,
                                                 .height = 7,
                                                 .resize_w = 20,
                                                 .resize_h = 16,
                                                 .out_left = 5,
                                                 .out_top = 3,
                                                 .out_width = 10,
                                                 .out_height = 12});
  for (std::int64_t y = 0; y < 12; ++y)
    for (std::int64_t x = 0; x < 10; ++x) CHECK(part.at(x, y) == full.at(x + 5, y + 3));
}

TEST_CASE("crop_resize: padding modes", "[vision][resample]") {
  const fb::Image row = grey_row({10, 20, 30});
  CHECK(reds(fb::crop_resize(row, row_box(-2, 7, 7, fb::PadMode::reflection))) ==
        std::vector<int>{30, 20, 10, 20, 30, 20, 10});
  CHECK(reds(fb::crop_resize(row, row_box(-2, 7, 7, fb::PadMode::border))) ==
        std::vector<int>{10, 10, 10, 20, 30, 30, 30});
  CHECK(reds(fb::crop_resize(row, row_box(-2, 7, 7, fb::PadMode::zeros))) ==
        std::vector<int>{0, 0, 10, 20, 30, 0, 0});
  // Far outside a 1-pixel image, still inside.
  CHECK(reds(fb::crop_resize(grey_row({5}), row_box(-50, 3, 3, fb::PadMode::reflection))) ==
        std::vector<int>{5, 5, 5});
}

TEST_CASE("crop_resize: invalid geometry is a value_error", "[vision][resample]") {
  const fb::Image image(4, 4);
  CHECK_THAT(error_of<fb::value_error>(
                 [&] { (void)fb::crop_resize(image, row_box(0, 0, 4, fb::PadMode::zeros)); }),
             Contains("box"));
  auto g = row_box(0, 4, 4, fb::PadMode::zeros);
  g.out_width = 5;
  CHECK_THAT(error_of<fb::value_error>([&] { (void)fb::crop_resize(image, g); }),
             Contains("window"));
  CHECK_THROWS_AS(fb::crop_resize(fb::Image(), row_box(0, 1, 1, fb::PadMode::zeros)),
                  fb::value_error);
  CHECK_THROWS_AS(fb::resize_image(image, 0, 3), fb::value_error);
}

TEST_CASE("Resize: crop, pad and squish geometries as fastai draws them", "[vision][transforms]") {
  fb::Generator rng(3);
  fb::TransformContext valid{rng, false};
  // Valid: centred.
  CHECK(fb::Resize(64).draw_for(128, 64, valid) == fb::CropResize{.left = 32,
                                                                  .top = 0,
                                                                  .width = 64,
                                                                  .height = 64,
                                                                  .resize_w = 64,
                                                                  .resize_h = 64,
                                                                  .out_left = 0,
                                                                  .out_top = 0,
                                                                  .out_width = 64,
                                                                  .out_height = 64});
  const auto pad = fb::Resize(64, {.method = fb::ResizeMethod::pad}).draw_for(128, 64, valid);
  CHECK(std::tuple(pad.left, pad.top, pad.width, pad.height) == std::tuple(0, -32, 128, 128));
  CHECK(pad.pad_mode == fb::PadMode::reflection);
  const auto squish =
      fb::Resize({32, 48}, {.method = fb::ResizeMethod::squish}).draw_for(100, 10, valid);
  CHECK(std::tuple(squish.left, squish.top, squish.width, squish.height, squish.resize_w,
                   squish.resize_h) == std::tuple(0, 0, 100, 10, 48, 32));
  // {h, w}: a 375x500 image into 96x128 (the same ratio) is the whole image.
  const auto same = fb::Resize({96, 128}).draw_for(500, 375, valid);
  CHECK(std::tuple(same.left, same.top, same.width, same.height) == std::tuple(0, 0, 500, 375));
  // Train: two uniforms of ctx.rng place the crop.
  fb::Generator a(11), b(11);
  fb::TransformContext train{a, true};
  const auto crop = fb::Resize(64).draw_for(128, 64, train);
  const double px = b.uniform(), py = b.uniform();
  CHECK(crop.left == static_cast<std::int64_t>(px * 64));
  CHECK(crop.top == static_cast<std::int64_t>(py * 0));
  // The resized output.
  const fb::Image out = fb::Resize({24, 32}).operator()(
      fastblock_test::pattern_image(50, 40), fb::Resize({24, 32}).draw_for(50, 40, valid));
  CHECK(out.size() == std::array<std::int64_t, 2>{32, 24});
  CHECK_THROWS_AS(fb::Resize(0), fb::value_error);
  CHECK_THROWS_AS(fb::Resize(64).draw_for(0, 0, valid), fb::value_error);
}

TEST_CASE("RandomResizedCrop: fastai's train and valid geometry", "[vision][transforms]") {
  fb::Generator rng(5);
  fb::TransformContext valid{rng, false};
  // Valid: squish to 64 + ceil(64*0.14/8)*8 = 80, keep the centre 64.
  const auto v = fb::RandomResizedCrop(64).draw_for(500, 375, valid);
  CHECK(v == fb::CropResize{.left = 0,
                            .top = 0,
                            .width = 500,
                            .height = 375,
                            .resize_w = 80,
                            .resize_h = 80,
                            .out_left = 8,
                            .out_top = 8,
                            .out_width = 64,
                            .out_height = 64,
                            .pad_mode = fb::PadMode::reflection});
  CHECK(fb::RandomResizedCrop(128).draw_for(500, 375, valid).resize_w == 128 + 24);

  // Train: the first try, recomputed from the same stream.
  const fb::RandomResizedCrop rrc(32, {.min_scale = 0.35});
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    fb::Generator g(seed), ref(seed);
    fb::TransformContext train{g, true};
    const auto t = rrc.draw_for(500, 375, train);
    CHECK(t.resize_w == 32);
    CHECK(t.out_width == 32);
    CHECK(t.left >= 0);
    CHECK(t.top >= 0);
    CHECK(t.left + t.width <= 500);
    CHECK(t.top + t.height <= 375);
    CHECK(t.width * t.height >= 0.35 * 500 * 375 * 0.95);
    // The first attempt as fastai computes it; it fits unless the crop is too wide or tall.
    const double area = (0.35 + 0.65 * ref.uniform()) * 500 * 375;
    const double ratio =
        std::exp(std::log(0.75) + (std::log(4.0 / 3) - std::log(0.75)) * ref.uniform());
    const auto nw = static_cast<std::int64_t>(std::nearbyint(std::sqrt(area * ratio)));
    const auto nh = static_cast<std::int64_t>(std::nearbyint(std::sqrt(area / ratio)));
    if (nw <= 500 && nh <= 375) {
      CHECK(t.width == nw);
      CHECK(t.height == nh);
      CHECK(t.left == ref.randint(0, 500 - nw + 1));
      CHECK(t.top == ref.randint(0, 375 - nh + 1));
    }
  }
  // No try fits: a centre crop clamped to the ratio range.
  fb::Generator g(1);
  fb::TransformContext train{g, true};
  const auto f =
      fb::RandomResizedCrop(16, {.min_scale = 1.0, .ratio = {2.0, 3.0}}).draw_for(100, 100, train);
  CHECK(std::tuple(f.left, f.top, f.width, f.height) == std::tuple(0, 25, 100, 50));

  CHECK_THROWS_AS(fb::RandomResizedCrop(32, {.min_scale = 0.0}), fb::value_error);
  CHECK_THROWS_AS(fb::RandomResizedCrop(32, {.ratio = {2.0, 1.0}}), fb::value_error);
}

TEST_CASE("Random draws use ctx.rng only", "[vision][transforms]") {
  const fb::RandomResizedCrop rrc(32, {.min_scale = 0.35});
  const auto draw = [&](std::uint64_t global_seed) {
    fb::set_seed(global_seed);  // the global generator must not matter
    fb::Generator g = fb::Generator::derive(42, {0, 7});
    fb::TransformContext ctx{g, true};
    return std::pair(rrc.draw_for(500, 375, ctx), fb::Resize(64).draw_for(500, 375, ctx));
  };
  CHECK(draw(1) == draw(2));
  fb::Generator g1 = fb::Generator::derive(42, {0, 7}), g2 = fb::Generator::derive(42, {0, 8});
  fb::TransformContext c1{g1, true}, c2{g2, true};
  CHECK_FALSE(rrc.draw_for(500, 375, c1) == rrc.draw_for(500, 375, c2));
}

TEST_CASE("CenterCrop: centre box, zero padding where the image is smaller",
          "[vision][transforms]") {
  fb::Generator rng(0);
  fb::TransformContext ctx{rng, true};
  const fb::Image image = fastblock_test::pattern_image(2, 2);
  const fb::CenterCrop cc(4);
  const fb::Image out = cc(image, cc.draw_for(2, 2, ctx));
  REQUIRE(out.size() == std::array<std::int64_t, 2>{4, 4});
  CHECK(out.at(0, 0) == fb::Rgb{0, 0, 0});
  CHECK(out.at(3, 3) == fb::Rgb{0, 0, 0});
  CHECK(out.at(1, 1) == image.at(0, 0));
  CHECK(out.at(2, 2) == image.at(1, 1));
  const auto g = fb::CenterCrop({3, 5}).draw_for(10, 9, ctx);
  CHECK(std::tuple(g.left, g.top, g.width, g.height) == std::tuple(2, 3, 5, 3));
}

TEST_CASE("ToTensor, IntToFloatTensor and Normalize", "[vision][transforms]") {
  const fb::Image image = fastblock_test::pattern_image(5, 4);
  const fb::TensorImage t = fb::ToTensor{}(image);
  REQUIRE(t.shape() == fb::Shape{3, 4, 5});
  CHECK(t.dtype() == fb::uint8);
  for (std::int64_t y = 0; y < 4; ++y)
    for (std::int64_t x = 0; x < 5; ++x) {
      CHECK(t.at<std::uint8_t>({0, y, x}) == image.at(x, y).r);
      CHECK(t.at<std::uint8_t>({1, y, x}) == image.at(x, y).g);
      CHECK(t.at<std::uint8_t>({2, y, x}) == image.at(x, y).b);
    }
  CHECK(fb::to_image(t) == image);
  CHECK_THAT(fb::show_value(t), Contains("TensorImage"));

  const fb::IntToFloatTensor itf;
  const fb::TensorImage f = itf(t);
  CHECK(f.dtype() == fb::float32);
  CHECK(f.at<float>({0, 1, 2}) == static_cast<float>(image.at(2, 1).r) / 255.0f);
  CHECK(fb::to_image(f) == image);
  CHECK(fb::equal(itf.decode(f), t));
  CHECK_THAT(error_of<fb::dtype_error>([&] { (void)itf(f); }), Contains("uint8"));

  const fb::Normalize norm = fb::Normalize::imagenet();
  const fb::TensorImage batch = fb::collate(std::vector<fb::TensorImage>{f, f});
  const fb::TensorImage n = norm(batch);
  REQUIRE(n.shape() == fb::Shape{2, 3, 4, 5});
  CHECK(n.at<float>({1, 2, 3, 4}) == (f.at<float>({2, 3, 4}) - 0.406f) / 0.225f);
  CHECK(n.at<float>({0, 0, 0, 0}) == (f.at<float>({0, 0, 0}) - 0.485f) / 0.229f);
  CHECK(fb::allclose(norm.decode(n), batch, 1e-5, 1e-6));
  CHECK(norm(f).shape() == fb::Shape{3, 4, 5});  // one item works too
  CHECK_THAT(error_of<fb::dtype_error>([&] { (void)norm(t); }), Contains("IntToFloatTensor"));
  CHECK_THAT(error_of<fb::shape_error>([&] { (void)fb::Normalize::from_stats({0.5f}, {0.5f})(f); }),
             Contains("[N, 1, H, W]"));
  CHECK_THROWS_AS(fb::Normalize::from_stats({0.5f, 0.5f}, {0.5f}), fb::value_error);
  CHECK_THROWS_AS(fb::Normalize::from_stats({0.5f}, {0.0f}), fb::value_error);
}

TEST_CASE("Image transforms on tuple items run in fastai's order", "[vision][transforms]") {
  // ToTensor (order 5) listed first still runs after RandomResizedCrop (order 1).
  const auto tfms = std::tuple(fb::ToTensor{}, fb::RandomResizedCrop(16, {.min_scale = 0.35}));
  using Item = std::tuple<fb::Image, int>;
  static_assert(std::same_as<fb::transformed_t<std::remove_const_t<decltype(tfms)>, Item>,
                             std::tuple<fb::TensorImage, int>>);
  const auto run = [&](std::uint64_t key, bool training) {
    fb::Generator g = fb::Generator::derive(9, {key});
    fb::TransformContext ctx{g, training};
    return fb::apply_transforms(tfms, Item{fastblock_test::pattern_image(60, 40), 3}, ctx);
  };
  const auto [x, y] = run(1, true);
  CHECK(x.shape() == fb::Shape{3, 16, 16});
  CHECK(y == 3);
  CHECK(fb::equal(std::get<0>(run(1, true)), x));  // same stream, same crop
  CHECK(fb::equal(std::get<0>(run(1, false)), std::get<0>(run(2, false))));  // valid: no randomness
}

TEST_CASE("TensorImage items collate to a typed [N, 3, H, W] batch", "[vision][transforms]") {
  std::vector<fb::TensorImage> items = {fb::to_tensor(fastblock_test::pattern_image(6, 4)),
                                        fb::to_tensor(fastblock_test::smooth_image(6, 4))};
  const fb::TensorImage batch = fb::collate(items);
  CHECK(batch.shape() == fb::Shape{2, 3, 4, 6});
  CHECK(batch.dtype() == fb::uint8);
  CHECK(fb::equal(batch[1], items[1]));
  items.push_back(fb::to_tensor(fastblock_test::pattern_image(5, 4)));
  CHECK_THAT(error_of<fb::shape_error>([&] { (void)fb::collate(items); }),
             Contains("item 2 has shape [3, 4, 5]") && Contains("[3, 4, 6]"));
}
