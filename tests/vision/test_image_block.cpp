// Behaviour of vision/image_block.hpp: ImageBlock is a Block fed by the seed's get_x
// (`path/'train'/r['fname']`), its items are decoded images, its default transforms make float
// batches, and the seed's multi-label DataBlock with RandomResizedCrop and Normalize gives
// normalised [4, 3, 32, 32] batches from images the test writes; a missing file is named.
#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string>

#include "catch.hpp"
#include "test_support.hpp"
#include "vision/image_test_support.hpp"

#include <fastblock/data.hpp>
#include <fastblock/tensor.hpp>
#include <fastblock/vision.hpp>

namespace fb = fastblock;
using Catch::Matchers::Contains;
using fastblock_test::error_of;
using fastblock_test::TempDir;

static_assert(fb::Block<fb::ImageBlock>);
static_assert(fb::AcceptsRaw<fb::ImageBlock, std::filesystem::path>);
static_assert(fb::AcceptsRaw<fb::ImageBlock, std::string>);
static_assert(fb::AcceptsRaw<fb::ImageBlock, std::string_view>);
static_assert(!fb::AcceptsRaw<fb::ImageBlock, int>);
static_assert(std::same_as<fb::decoded_t<fb::ImageBlock>, fb::Image>);
static_assert(fb::ImageBlock::loss_kind == fb::LossKind::none);

namespace {

/// The shared 12-image dataset, PNGs and JPEGs of pattern_image.
fb::DataFrame write_dataset(const TempDir& dir) {
  return fastblock_test::write_image_dataset(
      dir.path(),
      [](int, std::int64_t width, std::int64_t height) {
        return fastblock_test::pattern_image(width, height);
      },
      /*with_jpegs=*/true);
}

}  // namespace

TEST_CASE("ImageBlock: encode decodes the file, decode is the identity", "[vision][block]") {
  TempDir dir("fastblock-imageblock");
  const fb::Image image = fastblock_test::pattern_image(9, 4);
  fb::save_png(image, dir.path() / "a.png");
  const fb::ImageBlock block;
  CHECK(block.encode(dir.path() / "a.png") == image);
  CHECK(block.decode(image) == image);
  CHECK(block.n_out() == 0);
  CHECK_THAT(error_of<fb::io_error>([&] { (void)block.encode(dir.path() / "b.png"); }),
             Contains("b.png"));
  CHECK_THROWS_AS(fb::ImageBlock({.max_pixels = 10}).encode(dir.path() / "a.png"), fb::io_error);
}

TEST_CASE("seed: DataBlock(ImageBlock, MultiCategoryBlock) with RandomResizedCrop and Normalize",
          "[vision][block]") {
  TempDir dir("fastblock-imageblock");
  const fb::DataFrame df = write_dataset(dir);
  const std::filesystem::path path = dir.path();
  auto dblock = fb::DataBlock<fb::ImageBlock, fb::MultiCategoryBlock>{}
                    .get_x([&](const fb::Row& r) { return path / "train" / r["fname"]; })
                    .get_y([](const fb::Row& r) { return fb::split(r["labels"], ' '); })
                    .splitter(fb::ColSplitter())
                    .item_tfms(fb::RandomResizedCrop(32, {.min_scale = 0.35}))
                    .batch_tfms(fb::Normalize::imagenet());

  auto dsets = dblock.datasets(df);
  auto [x0, y0] = dsets.train[0];
  static_assert(std::same_as<decltype(x0), fb::Image>);
  CHECK(fb::show_value(x0) == "PILImage mode=RGB size=40x30");
  CHECK(x0 == fb::load_image(path / "train" / "000005.png"));
  CHECK(std::get<0>(dsets.decode(dsets.train[0])) == x0);
  CHECK(std::get<1>(dsets.decode(dsets.train[0])) == fb::LabelList{"cat"});

  auto dls = dblock.dataloaders(df, {.bs = 4});
  auto [xb, yb] = dls.train.one_batch();
  static_assert(std::same_as<decltype(xb), fb::TensorImage>);
  static_assert(std::same_as<decltype(yb), fb::TensorMultiCategory>);
  REQUIRE(xb.shape() == fb::Shape{4, 3, 32, 32});
  CHECK(xb.dtype() == fb::float32);
  CHECK(yb.shape() == fb::Shape{4, 4});  // bird, cat, dog, person
  // Normalised with ImageNet's statistics: within [(0 - mean) / std, (1 - mean) / std].
  CHECK(fb::min(xb).item<float>() >= (0.0f - 0.485f) / 0.229f - 1e-5f);
  CHECK(fb::max(xb).item<float>() <= (1.0f - 0.406f) / 0.225f + 1e-5f);

  // The random crops come from the loader's per-item streams: any number of workers, one batch.
  auto [x_serial, y_serial] = dblock.dataloaders(df, {.bs = 4, .num_workers = 0}).train.one_batch();
  auto [x_two, y_two] = dblock.dataloaders(df, {.bs = 4, .num_workers = 2}).train.one_batch();
  CHECK(fb::equal(x_serial, x_two));
  CHECK(fb::equal(y_serial, y_two));

  // A validation batch is deterministic: item 0 is the first valid row, squished to 48 (32 +
  // ceil(32*0.14/8)*8), centre-cropped to 32, /255 and normalised.
  auto [xv, yv] = fb::first(dls.valid);
  REQUIRE(xv.shape() == fb::Shape{4, 3, 32, 32});
  const fb::Image first = fb::load_image(path / "train" / "000013.jpg");
  fb::Generator unused(0);
  fb::TransformContext valid{unused, false};
  const fb::RandomResizedCrop rrc(32, {.min_scale = 0.35});
  const fb::TensorImage expected = fb::Normalize::imagenet()(fb::IntToFloatTensor{}(
      fb::to_tensor(rrc(first, rrc.draw_for(first.width(), first.height(), valid)))));
  CHECK(fb::equal(xv[0], expected));
  CHECK(fb::equal(xv, std::get<0>(fb::first(dls.valid))));

  // summary() walks one item and one batch through every stage.
  std::ostringstream os;
  auto batch = dblock.summary(df, os);
  CHECK(std::get<0>(batch).shape() == fb::Shape{4, 3, 32, 32});
  const std::string text = os.str();
  CHECK_THAT(text, Contains("PILImage mode=RGB size=40x30"));
  CHECK_THAT(text, Contains("RandomResizedCrop"));
  CHECK_THAT(text, Contains("ToTensor"));
  CHECK_THAT(text, Contains("IntToFloatTensor"));
  CHECK_THAT(text, Contains("Normalize"));
  CHECK_THAT(text, Contains("TensorImage"));
}

TEST_CASE("ImageBlock: without a resizing transform, unequal images do not collate",
          "[vision][block]") {
  TempDir dir("fastblock-imageblock");
  const fb::DataFrame df = write_dataset(dir);
  const std::filesystem::path path = dir.path();
  auto dblock = fb::DataBlock<fb::ImageBlock, fb::MultiCategoryBlock>{}
                    .get_x([&](const fb::Row& r) { return path / "train" / r["fname"]; })
                    .get_y([](const fb::Row& r) { return fb::split(r["labels"], ' '); })
                    .splitter(fb::ColSplitter());
  auto dls = dblock.dataloaders(df, {.bs = 4, .num_workers = 0});
  CHECK_THAT(error_of<fb::shape_error>([&] { (void)fb::first(dls.valid); }),
             Contains("shape") && Contains("resize them in an item transform"));
}

TEST_CASE("ImageBlock: a missing image is named when its item loads", "[vision][block]") {
  TempDir dir("fastblock-imageblock");
  const fb::DataFrame df = write_dataset(dir);
  std::filesystem::remove(dir.path() / "train" / "000013.jpg");  // the first valid item
  const std::filesystem::path path = dir.path();
  auto dblock = fb::DataBlock<fb::ImageBlock, fb::MultiCategoryBlock>{}
                    .get_x([&](const fb::Row& r) { return path / "train" / r["fname"]; })
                    .get_y([](const fb::Row& r) { return fb::split(r["labels"], ' '); })
                    .splitter(fb::ColSplitter())
                    .item_tfms(fb::Resize(16));
  auto dls = dblock.dataloaders(df, {.bs = 4, .num_workers = 0});
  CHECK_THAT(error_of<fb::io_error>([&] { (void)fb::first(dls.valid); }),
             Contains("000013.jpg") && Contains("no such file"));
}
