// Tests for shrinking JPEGs while decoding (DecodeOptions::max_shrink, libjpeg-turbo's DCT
// scaling): the decoded size and its closeness to a full decode resized, how much Resize and
// RandomResizedCrop say they shrink (checked against the crops they draw), and a DataBlock whose
// Resize halves its JPEGs: the ImageBlock decodes them at half size and the points still land on
// the pixels they mark. Built without libjpeg-turbo, every decode is full size (stb).
#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <fastblock/core/random.hpp>
#include <fastblock/data/datablock.hpp>
#include <fastblock/data/splitters.hpp>
#include <fastblock/tensor/tensor.hpp>
#include <fastblock/vision/image.hpp>
#include <fastblock/vision/image_block.hpp>
#include <fastblock/vision/points.hpp>
#include <fastblock/vision/resample.hpp>
#include <fastblock/vision/tensor_image.hpp>
#include <fastblock/vision/transforms.hpp>

#include "catch.hpp"
#include "test_support.hpp"

namespace fb = fastblock;

namespace {

#if FASTBLOCK_WITH_TURBOJPEG
constexpr bool turbo = true;
#else
constexpr bool turbo = false;
#endif

/// A smooth colour field with a few edges: JPEG-friendly, yet every part differs.
fb::Image shrink_test_pattern(std::int64_t w, std::int64_t h) {
  fb::Image im(w, h);
  for (std::int64_t y = 0; y < h; ++y)
    for (std::int64_t x = 0; x < w; ++x)
      im.set(x, y,
             {static_cast<std::uint8_t>(x * 255 / w), static_cast<std::uint8_t>(y * 255 / h),
              static_cast<std::uint8_t>(((x / 40 + y / 40) % 2) ? 200 : 60)});
  return im;
}

/// Mean absolute difference of two images of one size, per byte.
double mean_abs_diff(const fb::Image& a, const fb::Image& b) {
  REQUIRE(a.width() == b.width());
  REQUIRE(a.height() == b.height());
  double sum = 0;
  for (std::size_t i = 0; i < a.data().size(); ++i)
    sum += std::abs(static_cast<int>(a.data()[i]) - static_cast<int>(b.data()[i]));
  return sum / static_cast<double>(a.data().size());
}

fb::DecodeOptions shrinking(double factor) {
  return {.max_shrink = [factor](std::int64_t, std::int64_t) { return factor; }};
}

}  // namespace

TEST_CASE("decode: max_shrink lets a JPEG decode at 1/2, 1/4 or 1/8", "[vision][image][shrink]") {
  const fb::Image original = shrink_test_pattern(640, 480);
  const std::vector<std::uint8_t> jpeg = fb::encode_jpeg(original, 95);
  const fb::Image full = fb::decode_image(jpeg, "pattern.jpg");
  CHECK(full.width() == 640);
  CHECK(full.decode_shrink() == 1);
  // The factor the caller allows is rounded down to one libjpeg-turbo scales by in the DCT.
  const std::map<double, std::int64_t> expected{{1.0, 1}, {1.99, 1}, {2.0, 2}, {3.5, 2},
                                                {4.0, 4}, {7.9, 4},  {8.0, 8}, {100.0, 8}};
  for (const auto& [factor, shrink] : expected) {
    INFO("max_shrink " << factor);
    const fb::Image im = fb::decode_image(jpeg, "pattern.jpg", shrinking(factor));
    const std::int64_t k = turbo ? shrink : 1;
    CHECK(im.decode_shrink() == k);
    REQUIRE(im.width() == 640 / k);
    REQUIRE(im.height() == 480 / k);
    // The same picture: close to the full decode resized as PIL would (bilinear, antialiased);
    // at 1/8 the DCT keeps one average per 8x8 block, a box filter, further from bilinear.
    CHECK(mean_abs_diff(im, fb::resize_image(full, im.width(), im.height())) <
          (k == 8 ? 6.0 : 3.0));
  }
  // Sides that do not divide round up, as libjpeg-turbo's scaled sizes do.
  const std::vector<std::uint8_t> odd = fb::encode_jpeg(shrink_test_pattern(501, 375), 90);
  const fb::Image half = fb::decode_image(odd, "odd.jpg", shrinking(2.0));
  CHECK(half.width() == (turbo ? 251 : 501));
  CHECK(half.height() == (turbo ? 188 : 375));
  // Other formats ignore it; the function sees the file's declared size.
  std::array<std::int64_t, 2> seen{};
  const fb::Image png = fb::decode_image(fb::encode_png(original), "pattern.png",
                                         {.max_shrink = [&](std::int64_t w, std::int64_t h) {
                                           seen = {w, h};
                                           return 8.0;
                                         }});
  CHECK(png == original);
  CHECK(png.decode_shrink() == 1);
  (void)fb::decode_image(jpeg, "pattern.jpg", {.max_shrink = [&](std::int64_t w, std::int64_t h) {
                           seen = {w, h};
                           return 1.0;
                         }});
  if (turbo) CHECK(seen == std::array<std::int64_t, 2>{640, 480});
  // A copy keeps it; a transformed image is full size again.
  const fb::Image quarter = fb::decode_image(jpeg, "pattern.jpg", shrinking(4.0));
  const fb::Image copy = quarter;
  CHECK(copy.decode_shrink() == quarter.decode_shrink());
  CHECK(fb::resize_image(quarter, 10, 10).decode_shrink() == 1);
}

TEST_CASE("Resize and RandomResizedCrop: how much they shrink, never more than they draw",
          "[vision][transforms][shrink]") {
  CHECK(fb::Resize(fb::ImageSize{240, 320}).max_shrink(640, 480) == Approx(2.0));
  CHECK(fb::Resize(128).max_shrink(500, 375) == Approx(375.0 / 128));
  CHECK(fb::Resize(128, {.method = fb::ResizeMethod::squish}).max_shrink(500, 375) ==
        Approx(375.0 / 128));
  CHECK(fb::Resize(128, {.method = fb::ResizeMethod::pad}).max_shrink(500, 375) ==
        Approx(500.0 / 128));
  CHECK(fb::Resize(fb::ImageSize{240, 320}).max_shrink(320, 240) == Approx(1.0));

  const fb::RandomResizedCrop rrc(128, {.min_scale = 0.35});
  // Validation squishes to 128 + 24 = 152 (fastai's val_xtra); training crops can be as small
  // as sqrt(0.35 * 500 * 375 * 3/4) = 221.9 pixels wide: that is the limit.
  CHECK(rrc.max_shrink(500, 375) == Approx((std::sqrt(0.35 * 500 * 375 * 0.75) - 0.5) / 128));
  CHECK(fb::RandomResizedCrop(128, {.min_scale = 0.9}).max_shrink(500, 375) == Approx(375.0 / 152));

  // Every box either draws shrinks by at least what max_shrink promises.
  const auto box_shrink = [](const fb::CropResize& g) {
    return std::min(static_cast<double>(g.width) / static_cast<double>(g.resize_w),
                    static_cast<double>(g.height) / static_cast<double>(g.resize_h));
  };
  fb::Generator gen(11);
  for (const bool training : {true, false}) {
    fb::TransformContext ctx{gen, training};
    for (const auto& [w, h] :
         {std::array<std::int64_t, 2>{500, 375}, {375, 500}, {640, 480}, {1000, 300}, {129, 129}}) {
      INFO(w << "x" << h << (training ? " train" : " valid"));
      double smallest = 1e9;
      for (int i = 0; i < 2000; ++i)
        smallest = std::min(smallest, box_shrink(rrc.draw_for(w, h, ctx)));
      CHECK(rrc.max_shrink(w, h) <= smallest + 1e-9);
      const fb::Resize resize(fb::ImageSize{96, 128});
      CHECK(resize.max_shrink(w, h) <= box_shrink(resize.draw_for(w, h, ctx)) + 1e-9);
    }
  }
}

namespace {

/// 320x240 JPEGs, each with a white 6x6 square at a random place; returns the files and the
/// squares' centres in the files' pixels.
std::vector<std::filesystem::path> write_square_jpegs(
    const fastblock_test::TempDir& dir, std::map<std::filesystem::path, std::array<float, 2>>& at) {
  std::vector<std::filesystem::path> files;
  fb::Generator gen(5);
  for (int i = 0; i < 8; ++i) {
    fb::Image im(320, 240, fb::Rgb{30, 40, 50});
    const std::int64_t x = gen.randint(40, 280), y = gen.randint(40, 200);
    for (std::int64_t yy = y - 3; yy < y + 3; ++yy)
      for (std::int64_t xx = x - 3; xx < x + 3; ++xx) im.set(xx, yy, {255, 255, 255});
    const std::filesystem::path file = dir.path() / ("square" + std::to_string(i) + ".jpg");
    fb::save_jpeg(im, file, 95);
    files.push_back(file);
    at[file] = {static_cast<float>(x), static_cast<float>(y)};
  }
  return files;
}

}  // namespace

TEST_CASE("DataBlock: a Resize that halves JPEGs has them decoded at half size, points follow",
          "[vision][points][block][shrink]") {
  fastblock_test::TempDir dir("fastblock-shrink");
  std::map<std::filesystem::path, std::array<float, 2>> centres;
  const auto files = write_square_jpegs(dir, centres);
  const auto get_ctr = [&](const std::filesystem::path& f) {
    return fb::tensor<float>({centres.at(f)[0], centres.at(f)[1]});
  };
  const auto block = [&](fb::ImageBlock images) {
    return fb::DataBlock<fb::ImageBlock, fb::PointBlock>(std::move(images), fb::PointBlock{})
        .get_y(get_ctr)
        .splitter(fb::IndexSplitter({6, 7}))
        .item_tfms(fb::Resize(fb::ImageSize{120, 160}));
  };
  const auto shrinks = block(fb::ImageBlock{});
  // dataloaders() gives the ImageBlock the Resize's limit; datasets() alone decodes full size.
  const fb::ImageBlock prepared = std::get<0>(shrinks.prepared_for_item_tfms().blocks());
  REQUIRE(prepared.options().max_shrink);
  CHECK(prepared.options().max_shrink(320, 240) == Approx(2.0));
  CHECK(!std::get<0>(shrinks.blocks()).options().max_shrink);
  CHECK(std::get<0>(shrinks.datasets(files).train[0]).width() == 320);
  // Without an image transform that says how much it shrinks, nothing is set.
  const auto plain = fb::DataBlock<fb::ImageBlock, fb::PointBlock>{}.get_y(get_ctr);
  CHECK(!std::get<0>(plain.prepared_for_item_tfms().blocks()).options().max_shrink);

  auto dls = shrinks.dataloaders(files, {.bs = 2, .num_workers = 0});
  auto full = block(fb::ImageBlock({.max_shrink = [](std::int64_t, std::int64_t) {
                return 1.0;
              }})).dataloaders(files, {.bs = 2, .num_workers = 0});
  CHECK(std::get<0>(dls.valid.dataset().subset()[0]).width() == (turbo ? 160 : 320));
  for (auto [loaders, reference] :
       {std::pair{&dls.train, &full.train}, std::pair{&dls.valid, &full.valid}}) {
    auto [xs, ys] = loaders->one_batch();
    auto [xf, yf] = reference->one_batch();
    REQUIRE(xs.shape() == fb::Shape{2, 3, 120, 160});
    // The same points (the crops are drawn from one stream), and nearly the same pixels (the
    // square's sharp edges differ most: the DCT and PIL's bilinear filter shrink differently).
    CHECK(fb::allclose(ys, yf, 0.0, 1e-5));
    CHECK(fb::max(fb::abs(xs - xf)).item<float>() < 0.35f);
    CHECK(fb::mean(fb::abs(xs - xf)).item<float>() < 0.01f);
    // Each point is on its square: the brightest pixel of the image.
    const fb::TensorPoint px = fb::to_pixels(ys);
    for (std::int64_t i = 0; i < 2; ++i) {
      const fb::Image im = fb::to_image(xs[i]);
      std::int64_t bx = 0, by = 0, best = -1;
      for (std::int64_t y = 0; y < im.height(); ++y)
        for (std::int64_t x = 0; x < im.width(); ++x) {
          const fb::Rgb p = im.at(x, y);
          if (p.r + p.g + p.b > best) best = p.r + p.g + p.b, bx = x, by = y;
        }
      CHECK(std::abs(px.at<float>({i, 0, 0}) - static_cast<float>(bx)) <= 2.0f);
      CHECK(std::abs(px.at<float>({i, 0, 1}) - static_cast<float>(by)) <= 2.0f);
    }
  }
}
