// Behaviour of vision/points.hpp: TensorPoint keeps its image size and frame, PointScaler's
// formula, crop_resize moves points with their pixels (a bright dot drawn on a dark image lands
// where the point says, through Resize, RandomResizedCrop and CenterCrop with many random
// parameters), the outside policies, collation to scaled batches, PointBlock's setup and errors,
// and the seed's DataBlock(ImageBlock, PointBlock) end to end with aug_transforms.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "catch.hpp"
#include "test_support.hpp"

#include <fastblock/core/random.hpp>
#include <fastblock/data.hpp>
#include <fastblock/tensor.hpp>
#include <fastblock/vision.hpp>
#include <fastblock/vision/augment.hpp>
#include <fastblock/vision/points.hpp>

namespace fb = fastblock;
using Catch::Matchers::Contains;
using fastblock_test::error_of;
using fastblock_test::TempDir;

static_assert(fb::Block<fb::PointBlock>);
static_assert(fb::TypedTensorType<fb::TensorPoint>);
static_assert(fb::AcceptsRaw<fb::PointBlock, fb::Tensor>);
static_assert(!fb::AcceptsRaw<fb::PointBlock, float>);
static_assert(fb::PointBlock::loss_kind == fb::LossKind::mse);
static_assert(std::same_as<fb::collate_t<fb::TensorPoint>, fb::TensorPoint>);
static_assert(std::same_as<fb::collate_t<std::tuple<fb::TensorImage, fb::TensorPoint>>,
                           std::tuple<fb::TensorImage, fb::TensorPoint>>);
// The item transforms move points (the members transforms.hpp gives them).
static_assert(std::invocable<const fb::Resize&, fb::TensorPoint, const fb::CropResize&>);
static_assert(std::invocable<const fb::RandomResizedCrop&, fb::TensorPoint, const fb::CropResize&>);
static_assert(std::invocable<const fb::CenterCrop&, fb::TensorPoint, const fb::CropResize&>);

namespace {

/// A dark `w` x `h` image with one white pixel at (x, y).
fb::Image dot_image(std::int64_t w, std::int64_t h, std::int64_t x, std::int64_t y) {
  fb::Image image(w, h, fb::Rgb{0, 0, 0});
  image.set(x, y, fb::Rgb{255, 255, 255});
  return image;
}

/// The brightest pixel of `image` (first in row order among equals) and its brightness.
std::tuple<std::int64_t, std::int64_t, int> brightest(const fb::Image& image) {
  std::int64_t bx = 0, by = 0;
  int best = -1;
  for (std::int64_t y = 0; y < image.height(); ++y)
    for (std::int64_t x = 0; x < image.width(); ++x) {
      const fb::Rgb p = image.at(x, y);
      const int v = p.r + p.g + p.b;
      if (v > best) {
        best = v;
        bx = x;
        by = y;
      }
    }
  return {bx, by, best};
}

/// One point (x, y) in pixels of a `w` x `h` image.
fb::TensorPoint point(float x, float y, std::int64_t w, std::int64_t h,
                      fb::PointsOutside outside = fb::PointsOutside::keep) {
  return fb::TensorPoint(fb::tensor<float>({{x, y}}), w, h, fb::PointFrame::pixels, outside);
}

/// Checks that the point of a moved dot lies on the brightest pixel of the moved image (the
/// centre of pixel i being i + 0.5), when it is inside; returns whether it was checked.
bool check_dot(const fb::Image& out, const fb::TensorPoint& moved, double tolerance) {
  const float px = moved.at<float>({0, 0}), py = moved.at<float>({0, 1});
  REQUIRE(moved.img_width() == out.width());
  REQUIRE(moved.img_height() == out.height());
  if (px < 1.0f || py < 1.0f || px > static_cast<float>(out.width() - 1) ||
      py > static_cast<float>(out.height() - 1))
    return false;
  const auto [bx, by, value] = brightest(out);
  INFO("point (" << px << ", " << py << ") brightest (" << bx << ", " << by << ") = " << value);
  CHECK(value > 0);
  CHECK(std::abs(static_cast<double>(bx) + 0.5 - px) <= tolerance);
  CHECK(std::abs(static_cast<double>(by) + 0.5 - py) <= tolerance);
  return true;
}

}  // namespace

TEST_CASE("TensorPoint: pixels, scaled, and the image size as data", "[vision][points]") {
  // The seed's get_ctr returns tensor([447.7369, 283.9802]) for a 640x480 image.
  const fb::TensorPoint p = fb::to_points(fb::tensor<float>({447.7369f, 283.9802f}));
  REQUIRE(p.shape() == fb::Shape{1, 2});
  CHECK(p.frame() == fb::PointFrame::pixels);
  CHECK_FALSE(p.has_img_size());
  CHECK(fb::repr(p) == "TensorPoint([[447.7369, 283.9802]])");
  const fb::TensorPoint sized = p.with_img_size(640, 480);
  CHECK(sized.img_size() == std::array<std::int64_t, 2>{640, 480});
  const fb::TensorPoint s = fb::to_scaled(sized);
  CHECK(s.frame() == fb::PointFrame::scaled);
  CHECK(s.at<float>({0, 0}) == Approx(2.0 * 447.7369 / 640 - 1).epsilon(1e-6));
  CHECK(s.at<float>({0, 1}) == Approx(2.0 * 283.9802 / 480 - 1).epsilon(1e-6));
  const fb::TensorPoint back = fb::to_pixels(s);
  CHECK(back.at<float>({0, 0}) == Approx(447.7369).epsilon(1e-6));
  CHECK(back.at<float>({0, 1}) == Approx(283.9802).epsilon(1e-6));
  // Scaling needs the size; an odd number of values is no list of points.
  CHECK_THAT(error_of<fb::value_error>([&] { (void)fb::to_scaled(p); }),
             Contains("image size") && Contains("PointScaler"));
  CHECK_THAT(error_of<fb::shape_error>([] {
               (void)fb::to_points(fb::tensor<float>({1, 2, 3}));
             }),
             Contains("even number") && Contains("[3]"));
  // Integer tensors and [n, 2] work; the result is a float copy.
  const fb::Tensor raw = fb::tensor<std::int64_t>({{1, 2}, {3, 4}});
  const fb::TensorPoint two = fb::to_points(raw);
  CHECK(two.shape() == fb::Shape{2, 2});
  CHECK(two.dtype() == fb::float32);
  CHECK(two.at<float>({1, 0}) == 3.0f);
  // Model outputs [bs, 2n] read as scaled points.
  const fb::TensorPoint pred = fb::points_from_output(fb::tensor<float>({{0.0f, -1.0f}}), 64, 32);
  CHECK(pred.shape() == fb::Shape{1, 1, 2});
  const fb::TensorPoint pred_px = fb::to_pixels(pred);
  CHECK(pred_px.at<float>({0, 0, 0}) == 32.0f);
  CHECK(pred_px.at<float>({0, 0, 1}) == 0.0f);
}

TEST_CASE("crop_resize moves points with their pixels: Resize, RandomResizedCrop, CenterCrop",
          "[vision][points]") {
  fb::Generator gen(1234);
  int checked = 0, outside = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const std::int64_t w = gen.randint(24, 90), h = gen.randint(24, 90);
    const std::int64_t x = gen.randint(0, w), y = gen.randint(0, h);
    const fb::Image image = dot_image(w, h, x, y);
    const fb::TensorPoint p =
        point(static_cast<float>(x) + 0.5f, static_cast<float>(y) + 0.5f, w, h);
    const fb::ImageSize size(gen.randint(16, 64), gen.randint(16, 64));
    fb::Generator draw_rng(static_cast<std::uint64_t>(trial));
    fb::TransformContext ctx{draw_rng, gen.bernoulli(0.7)};
    fb::CropResize g;
    switch (trial % 4) {
      case 0:
        g = fb::Resize(size).draw_for(w, h, ctx);
        break;
      case 1:
        g = fb::Resize(size, {.method = fb::ResizeMethod::pad, .pad_mode = fb::PadMode::zeros})
                .draw_for(w, h, ctx);
        break;
      case 2:
        g = fb::RandomResizedCrop(size, {.min_scale = 0.3}).draw_for(w, h, ctx);
        break;
      default:
        g = fb::CenterCrop(size).draw_for(w, h, ctx);
        break;
    }
    const fb::Image out = fb::crop_resize(image, g);
    const fb::TensorPoint moved = fb::crop_resize(p, g);
    INFO("trial " << trial << " " << w << "x" << h << " dot (" << x << ", " << y << ") "
                  << fb::repr(g));
    if (check_dot(out, moved, 1.0)) {
      ++checked;
    } else {
      ++outside;
    }
  }
  CHECK(checked > 150);
  CHECK(outside > 5);
}

TEST_CASE("item transforms move the points of the item, with the same drawn geometry",
          "[vision][points]") {
  const fb::Image image = dot_image(60, 40, 45, 10);
  const auto item = std::tuple<fb::Image, fb::TensorPoint>{image, point(45.5f, 10.5f, 60, 40)};
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    fb::Generator rng(seed);
    fb::TransformContext ctx{rng, true};
    const auto [out, moved] =
        fb::apply_transform(fb::RandomResizedCrop(32, {.min_scale = 0.5}), item, ctx);
    check_dot(out, moved, 1.0);
  }
  // PointScaler (PointBlock's item transform) gives unsized points the final image's size...
  fb::Generator rng(0);
  fb::TransformContext ctx{rng, false};
  const auto unsized = std::tuple<fb::Image, fb::TensorPoint>{
      image, fb::to_points(fb::tensor<float>({45.5f, 10.5f}))};
  const auto [i2, p2] =
      fb::apply_transforms(std::tuple<fb::PointScaler, fb::ToTensor>{}, unsized, ctx);
  CHECK(p2.img_size() == std::array<std::int64_t, 2>{60, 40});
  CHECK(i2.shape() == fb::Shape{3, 40, 60});
  // ... and stops when a transform resized the image without moving its points.
  const auto stale = std::tuple<fb::Image, fb::TensorPoint>{image, point(1, 1, 30, 20)};
  CHECK_THAT(
      error_of<fb::data_error>([&] { (void)fb::apply_transform(fb::PointScaler{}, stale, ctx); }),
      Contains("30x20") && Contains("60x40"));
}

TEST_CASE("points moved off the image: keep, clamp, drop_and_flag", "[vision][points]") {
  // A centre crop of 20x20 from 60x40 keeps x in [20, 40): x = 5 leaves the image.
  fb::Generator rng(0);
  fb::TransformContext ctx{rng, false};
  const fb::CropResize g = fb::CenterCrop(20).draw_for(60, 40, ctx);
  const auto moved = [&](fb::PointsOutside policy) {
    return fb::crop_resize(point(5.0f, 20.0f, 60, 40, policy), g);
  };
  CHECK(moved(fb::PointsOutside::keep).at<float>({0, 0}) == -15.0f);
  CHECK(moved(fb::PointsOutside::clamp).at<float>({0, 0}) == 0.0f);
  CHECK(moved(fb::PointsOutside::clamp).at<float>({0, 1}) == 10.0f);
  const fb::TensorPoint flagged = moved(fb::PointsOutside::drop_and_flag);
  CHECK(std::isnan(flagged.at<float>({0, 0})));
  CHECK(std::isnan(flagged.at<float>({0, 1})));
  CHECK(flagged.shape() == fb::Shape{1, 2});
  // Inside points are untouched by every policy.
  CHECK(fb::crop_resize(point(30.0f, 20.0f, 60, 40, fb::PointsOutside::drop_and_flag), g)
            .at<float>({0, 0}) == 10.0f);
}

TEST_CASE("collation scales each item by its image size into [bs, n, 2]", "[vision][points]") {
  const std::vector<fb::TensorPoint> items{point(0.0f, 16.0f, 64, 32), point(64.0f, 8.0f, 64, 32)};
  const fb::TensorPoint batch = fb::collate(items);
  REQUIRE(batch.shape() == fb::Shape{2, 1, 2});
  CHECK(batch.frame() == fb::PointFrame::scaled);
  CHECK(batch.img_size() == std::array<std::int64_t, 2>{64, 32});
  CHECK(batch.at<float>({0, 0, 0}) == -1.0f);
  CHECK(batch.at<float>({0, 0, 1}) == 0.0f);
  CHECK(batch.at<float>({1, 0, 0}) == 1.0f);
  CHECK(batch.at<float>({1, 0, 1}) == -0.5f);
  const fb::TensorPoint second = fb::PointBlock{}.decode(fb::batch_item(batch, 1));
  CHECK(second.at<float>({0, 0}) == 64.0f);
  CHECK(second.at<float>({0, 1}) == 8.0f);
  CHECK_THROWS_AS(fb::batch_item(batch, 2), fb::index_error);

  const std::vector<fb::TensorPoint> mixed{point(0, 0, 64, 32), point(0, 0, 32, 32)};
  CHECK_THAT(error_of<fb::shape_error>([&] { (void)fb::collate(mixed); }),
             Contains("item 1") && Contains("32x32") && Contains("64x32"));
  const std::vector<fb::TensorPoint> unsized{fb::to_points(fb::tensor<float>({1, 2}))};
  CHECK_THAT(error_of<fb::value_error>([&] { (void)fb::collate(unsized); }),
             Contains("item 0") && Contains("image size"));
}

TEST_CASE("PointBlock: n_out from the training items, and items with another count",
          "[vision][points][block]") {
  fb::PointBlock block;
  CHECK(block.n_out() == 0);
  const std::vector<fb::Tensor> one{fb::tensor<float>({1, 2}), fb::tensor<float>({3, 4})};
  block.setup(one);
  CHECK(block.n_out() == 2);
  CHECK(block.n_points() == 1);
  CHECK(block.encode(fb::tensor<float>({5, 6})).shape() == fb::Shape{1, 2});
  CHECK_THAT(error_of<fb::data_error>([&] {
               (void)block.encode(fb::tensor<float>({1, 2, 3, 4}));
             }),
             Contains("2 points") && Contains("1"));

  const std::vector<fb::Tensor> ragged{fb::tensor<float>({1, 2}), fb::tensor<float>({3, 4}),
                                       fb::tensor<float>({1, 2, 3, 4})};
  CHECK_THAT(error_of<fb::data_error>([&] { block.setup(ragged); }),
             Contains("training item 2 has 2 points") && Contains("training item 0 has 1"));
  fb::PointBlock three({.n_points = 3});
  CHECK(three.n_out() == 6);
  CHECK_THAT(error_of<fb::data_error>([&] { three.setup(one); }),
             Contains("training item 0 has 1 points") && Contains("n_points is 3"));
  CHECK_THROWS_AS(fb::PointBlock({.n_points = -1}), fb::value_error);
}

namespace {

/// Images of assorted sizes under `dir`, each with a white dot; returns the files and the dots.
std::vector<std::filesystem::path> write_dot_images(
    const TempDir& dir, std::map<std::filesystem::path, std::array<float, 2>>& dots) {
  std::vector<std::filesystem::path> files;
  fb::Generator gen(7);
  for (int i = 0; i < 12; ++i) {
    const std::int64_t w = 40 + 6 * i, h = 36 + 3 * (i % 5);
    const std::int64_t x = gen.randint(w / 4, 3 * w / 4), y = gen.randint(h / 4, 3 * h / 4);
    const std::filesystem::path file = dir.path() / (std::to_string(100 + i) + ".png");
    fb::save_png(dot_image(w, h, x, y), file);
    files.push_back(file);
    dots[file] = {static_cast<float>(x) + 0.5f, static_cast<float>(y) + 0.5f};
  }
  return files;
}

}  // namespace

TEST_CASE("seed: DataBlock(ImageBlock, PointBlock) with Resize and aug_transforms",
          "[vision][points][block]") {
  TempDir dir("fastblock-points");
  std::map<std::filesystem::path, std::array<float, 2>> dots;
  const std::vector<std::filesystem::path> files = write_dot_images(dir, dots);
  const auto get_ctr = [&](const std::filesystem::path& f) {
    const auto [c1, c2] = dots.at(f);
    return fb::tensor<float>({c1, c2});
  };
  auto biwi =
      fb::DataBlock<fb::ImageBlock, fb::PointBlock>{}
          .get_y(get_ctr)
          .splitter(fb::IndexSplitter({8, 9, 10, 11}))
          .item_tfms(fb::Resize(fb::ImageSize{24, 32}))
          .batch_tfms(fb::AffineCoordTfm({.max_lighting = 0.0, .pad_mode = fb::PadMode::zeros}));
  auto dsets = biwi.datasets(files);
  CHECK(std::get<1>(dsets.blocks()).n_out() == 2);
  auto [x0, y0] = dsets.train[0];
  static_assert(std::same_as<decltype(y0), fb::TensorPoint>);
  CHECK(y0.shape() == fb::Shape{1, 2});

  auto dls = biwi.dataloaders(files, {.bs = 4, .num_workers = 0});
  auto [xb, yb] = dls.train.one_batch();
  static_assert(std::same_as<decltype(xb), fb::TensorImage>);
  static_assert(std::same_as<decltype(yb), fb::TensorPoint>);
  REQUIRE(xb.shape() == fb::Shape{4, 3, 24, 32});
  REQUIRE(yb.shape() == fb::Shape{4, 1, 2});
  CHECK(yb.frame() == fb::PointFrame::scaled);
  CHECK(yb.img_size() == std::array<std::int64_t, 2>{32, 24});
  CHECK(fb::min(yb).item<float>() >= -1.0f);
  CHECK(fb::max(yb).item<float>() <= 1.0f);

  // Each batch image's brightest pixel is where its point says, on train (augmented) and valid.
  const auto check_batch = [](const fb::TensorImage& images, const fb::TensorPoint& points) {
    const fb::TensorPoint px = fb::to_pixels(points);
    for (std::int64_t i = 0; i < images.size(0); ++i) {
      const fb::Image image = fb::to_image(images[i]);
      check_dot(image, fb::batch_item(px, i), 1.5);
    }
  };
  for (auto [x, y] : dls.train) check_batch(x, y);
  auto [xv, yv] = fb::first(dls.valid);
  check_batch(xv, yv);
  // Validation: Resize centres its crop, the batch transform leaves both as they are.
  const fb::Image v0 = fb::load_image(files[8]);
  fb::Generator unused(0);
  fb::TransformContext valid{unused, false};
  const fb::CropResize g =
      fb::Resize(fb::ImageSize{24, 32}).draw_for(v0.width(), v0.height(), valid);
  const fb::TensorPoint expected =
      fb::crop_resize(point(dots[files[8]][0], dots[files[8]][1], v0.width(), v0.height()), g);
  CHECK(fb::to_pixels(fb::batch_item(yv, 0)).at<float>({0, 0}) ==
        Approx(expected.at<float>({0, 0})).margin(1e-4));
  CHECK(fb::equal(xv[0], fb::IntToFloatTensor{}(fb::to_tensor(fb::crop_resize(v0, g)))));

  // summary() walks an item and a batch through PointScaler and the collation.
  std::ostringstream os;
  (void)biwi.summary(files, os);
  CHECK_THAT(os.str(), Contains("PointScaler") && Contains("TensorPoint"));

  // Any number of workers gives the same batches.
  auto [x2, y2] = biwi.dataloaders(files, {.bs = 4, .num_workers = 2}).train.one_batch();
  CHECK(fb::equal(xb, x2));
  CHECK(fb::equal(yb, y2));
}

TEST_CASE("DataBlock(ImageBlock, PointBlock): an item with another number of points",
          "[vision][points][block]") {
  TempDir dir("fastblock-points");
  std::map<std::filesystem::path, std::array<float, 2>> dots;
  const std::vector<std::filesystem::path> files = write_dot_images(dir, dots);
  auto biwi = fb::DataBlock<fb::ImageBlock, fb::PointBlock>{}
                  .get_y([&](const std::filesystem::path& f) {
                    const auto [c1, c2] = dots.at(f);
                    if (f == files[3]) return fb::tensor<float>({c1, c2, c1, c2});
                    return fb::tensor<float>({c1, c2});
                  })
                  .splitter(fb::IndexSplitter({8, 9, 10, 11}));
  CHECK_THAT(error_of<fb::data_error>([&] { (void)biwi.datasets(files); }),
             Contains("PointBlock") && Contains("training item 3 has 2 points") &&
                 Contains("training item 0 has 1"));
}
