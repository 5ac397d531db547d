// Behaviour of vision/show.hpp: show_batch on the seed's multi-label DataBlock writes one PNG
// grid of the expected size whose cells are the batch's images (Normalize undone) with their
// labels joined by ';' under them; show_results adds the prediction, green when right and red
// when wrong; a target that is drawn (points, through an ADL draw_target or a callable) is drawn
// on its thumbnail; Normalize is found among the loaders' batch transforms when they show them;
// show_images and wrap_caption; bad options are value_errors.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "catch.hpp"
#include "test_support.hpp"
#include "vision/image_test_support.hpp"

#include <fastblock/data.hpp>
#include <fastblock/tensor.hpp>
#include <fastblock/vision.hpp>
#include <fastblock/vision/draw.hpp>
#include <fastblock/vision/show.hpp>

namespace fb = fastblock;
using Catch::Matchers::Contains;
using fastblock_test::error_of;
using fastblock_test::TempDir;

namespace {

/// The shared 12-image dataset (PNGs), each image smooth with a coloured box that shows where
/// it lands in a grid.
fb::DataFrame write_show_dataset(const TempDir& dir) {
  return fastblock_test::write_image_dataset(
      dir.path(), [](int i, std::int64_t width, std::int64_t height) {
        fb::Image image = fastblock_test::smooth_image(width, height);
        fb::fill_rect(image, {5 + i, 5, 12, 10}, fb::cycle_colour(static_cast<std::size_t>(i)));
        return image;
      });
}

/// The seed's DataBlock over the dataset in `path`.
auto seed_block(const std::filesystem::path& path) {
  return fb::DataBlock<fb::ImageBlock, fb::MultiCategoryBlock>{}
      .get_x([path](const fb::Row& r) { return path / "train" / r["fname"]; })
      .get_y([](const fb::Row& r) { return fb::split(r["labels"], ' '); })
      .splitter(fb::ColSplitter())
      .item_tfms(fb::RandomResizedCrop(32, {.min_scale = 0.35}))
      .batch_tfms(fb::Normalize::imagenet());
}

/// The sub-image w x h at (x, y).
fb::Image crop(const fb::Image& im, std::int64_t x, std::int64_t y, std::int64_t w,
               std::int64_t h) {
  fb::Image out(w, h);
  for (std::int64_t j = 0; j < h; ++j)
    for (std::int64_t i = 0; i < w; ++i) out.set(i, j, im.at(x + i, y + j));
  return out;
}

/// Whether two colours differ by at most 2 in each channel (resampling a flat colour may round).
bool near(fb::Rgb a, fb::Rgb b) {
  return std::abs(a.r - b.r) <= 2 && std::abs(a.g - b.g) <= 2 && std::abs(a.b - b.b) <= 2;
}

std::int64_t count(const fb::Image& im, fb::Rgb colour) {
  std::int64_t n = 0;
  for (std::int64_t y = 0; y < im.height(); ++y)
    for (std::int64_t x = 0; x < im.width(); ++x) n += im.at(x, y) == colour;
  return n;
}

/// The labels of a multi-hot row, joined by ';'.
template <class Vocab>
std::string labels_of(const fb::Tensor& row, const Vocab& vocab) {
  std::string out;
  for (std::int64_t j = 0; j < row.size(0); ++j)
    if (row.at<float>({j}) > 0.5f) out += (out.empty() ? "" : ";") + vocab[j];
  return out;
}

}  // namespace

// A stand-in for vision/points.hpp: a point target drawn through an ADL draw_target, on loaders
// that are not BlockDataLoaders but show their batch transforms.
namespace fake_points {

struct TensorPt : fb::TypedTensor<TensorPt> {
  using TypedTensor::TypedTensor;
  static constexpr std::string_view tensor_name = "TensorPt";
};

void draw_target(fb::Image& image, const TensorPt& points, fb::Rgb colour) {
  fb::draw_points(image, points, colour);
}

struct PtBlock {
  using item_type = TensorPt;
  [[nodiscard]] fb::Tensor decode(const TensorPt& t) const { return t; }
};

struct Loaders {
  using blocks_type = std::tuple<fb::ImageBlock, PtBlock>;
  static constexpr std::size_t n_inp = 1;
  static constexpr std::size_t n_blocks = 2;
  blocks_type blocks;
  std::tuple<fb::TensorImage, TensorPt> batch;
  template <std::size_t K>
  [[nodiscard]] const auto& block() const {
    return std::get<K>(blocks);
  }
  [[nodiscard]] auto one_batch() const { return batch; }
  [[nodiscard]] std::tuple<fb::IntToFloatTensor, fb::Normalize> batch_tfms() const {
    return {fb::IntToFloatTensor{}, fb::Normalize::imagenet()};
  }
};

}  // namespace fake_points

TEST_CASE("wrap_caption wraps at separators and cuts with '..'", "[vision][show]") {
  using V = std::vector<std::string>;
  CHECK(fb::wrap_caption("cat", 16) == V{"cat"});
  CHECK(fb::wrap_caption("dog;person", 8) == V{"dog;", "person"});
  CHECK(fb::wrap_caption("aeroplane;bicycle;bird", 10) == V{"aeroplane;", "bicycle;.."});
  const V cut = fb::wrap_caption("abcdefghijklmnopqrstuvwxyz", 5, 2);
  REQUIRE(cut.size() == 2);
  CHECK(cut[0] == "abcde");
  CHECK(cut[1] == "fgh..");
  for (const auto& line : fb::wrap_caption("person;pottedplant;sofa;tvmonitor", 16, 2))
    CHECK(line.size() <= 16);
  CHECK_THROWS_AS(fb::wrap_caption("x", 2), fb::value_error);
  CHECK_THROWS_AS(fb::wrap_caption("x", 5, 0), fb::value_error);
}

TEST_CASE("show_batch: the seed's DataBlock as a grid of denormalised images and their labels",
          "[vision][show]") {
  TempDir dir("fastblock-show");
  const fb::DataFrame df = write_show_dataset(dir);
  auto dblock = seed_block(dir.path());
  auto dls = dblock.dataloaders(df, {.bs = 8, .num_workers = 0});
  const auto path = dir.path() / "batch.png";
  const fb::ShowBatchOptions options{.size = 64, .denormalize = fb::Normalize::imagenet()};
  fb::show_batch(dls, path, options);
  REQUIRE(std::filesystem::exists(path));
  const fb::Image grid = fb::load_image(path);

  // What it must be: the batch's images, denormalised, as 64 px thumbnails, with the labels of
  // each target joined by ';' under them (3 columns, 8 items: 3 rows).
  const auto [xb, yb] = dls.one_batch();
  std::vector<fb::GridCell> cells;
  for (std::int64_t i = 0; i < 8; ++i) {
    fb::GridCell cell{.image =
                          fb::thumbnail(fb::batch_image(xb, i, fb::Normalize::imagenet()), 64, 64)};
    for (auto& line : fb::wrap_caption(labels_of(yb[i], dls.vocab()), 8, 2))
      cell.caption.push_back({.text = line});
    cells.push_back(cell);
  }
  const fb::Image expected = fb::render_grid(cells, {.nrows = 3, .ncols = 3, .size = 64});
  CHECK(grid == expected);
  CHECK(grid.width() == 8 + 3 * 64 + 2 * 8 + 8);
  const std::int64_t band = grid.height() - (8 + 3 * 64 + 2 * 8 + 8);
  CHECK((band == 3 * (5 + 11) || band == 3 * (5 + 22)));  // one or two caption lines
  // The cells differ, and the first shows the batch's first image.
  CHECK(crop(grid, 8, 8, 64, 64) != crop(grid, 8 + 72, 8, 64, 64));
  CHECK(crop(grid, 8, 8, 64, 64) ==
        fb::thumbnail(fb::to_image(fb::Normalize::imagenet().decode(fb::TensorImage(xb[0]))), 64,
                      64));
  CHECK(count(grid, fb::colours::dark) > 8 * 20);  // caption text

  // max_n and the grid's shape.
  const fb::Image four =
      fb::render_batch(dls, dls.one_batch(), {.nrows = 2, .ncols = 2, .size = 32});
  CHECK(four.width() == 8 + 2 * 32 + 8 + 8);
  const fb::Image two = fb::render_batch(dls, dls.one_batch(), {.max_n = 2, .size = 32});
  CHECK(two.width() == 8 + 2 * 32 + 8 + 8);
  CHECK(two.height() < four.height());

  // A DataBlock's loaders show their Normalize (dls.batch_tfms()): it is undone unasked, and
  // fastai's member spelling, dls.show_batch(...), writes the same grid.
  const fb::Image found = fb::render_batch(dls, dls.one_batch(), {.size = 64});
  CHECK(found == grid);
  dls.show_batch(dir.path() / "member.png", {.size = 64});
  CHECK(fb::load_image(dir.path() / "member.png") == grid);

  // A validation batch, given.
  const auto valid_path = dir.path() / "valid.png";
  fb::show_batch(dls, fb::first(dls.valid), valid_path, options);
  CHECK(fb::load_image(valid_path).width() == grid.width());

  CHECK_THAT(error_of<fb::value_error>([&] { fb::show_batch(dls, path, {.nrows = 0}); }),
             Contains("nrows"));
  CHECK_THROWS_AS(fb::show_batch(dls, path, {.size = 2}), fb::value_error);
}

TEST_CASE("show_batch: a drawing callable replaces the caption", "[vision][show]") {
  TempDir dir("fastblock-show");
  const fb::DataFrame df = write_show_dataset(dir);
  auto dls = seed_block(dir.path()).dataloaders(df, {.bs = 4, .num_workers = 0});
  const auto path = dir.path() / "drawn.png";
  int calls = 0;
  fb::show_batch(dls, path, {.nrows = 2, .ncols = 2, .size = 32},
                 [&](fb::Image& thumb, const fb::TensorMultiCategory& y, fb::Rgb colour) {
                   CHECK(y.shape() == fb::Shape{4});
                   fb::fill_rect(thumb, {0, 0, 4, 4}, colour);
                   ++calls;
                 });
  CHECK(calls == 4);
  const fb::Image grid = fb::load_image(path);
  CHECK(grid.height() == 8 + 2 * 32 + 8 + 8);  // no caption band
  CHECK(grid.at(8, 8) == fb::colours::red);
  CHECK(grid.at(8 + 40, 8 + 40) == fb::colours::red);
}

TEST_CASE("show_results: target and prediction, green when right and red when wrong",
          "[vision][show]") {
  TempDir dir("fastblock-show");
  const fb::DataFrame df = write_show_dataset(dir);
  auto dls = seed_block(dir.path()).dataloaders(df, {.bs = 4, .num_workers = 0});
  const auto batch = fb::first(dls.valid);
  const fb::Tensor& targets = std::get<1>(batch);
  const fb::ShowBatchOptions options{.nrows = 2, .ncols = 2, .size = 64};
  const fb::Image right = fb::render_results(dls, batch, targets, options);
  const fb::Image wrong = fb::render_results(dls, batch, 1 - targets, options);
  CHECK(right.width() == wrong.width());  // the wrong labels may take more lines
  CHECK(count(right, fb::colours::green) > 20);
  CHECK(count(right, fb::colours::red) == 0);
  CHECK(count(wrong, fb::colours::red) > 20);
  CHECK(count(wrong, fb::colours::green) == 0);
  const auto path = dir.path() / "results.png";
  fb::show_results(dls, batch, targets, path, options);
  CHECK(fb::load_image(path) == right);
  CHECK_THROWS_AS((void)fb::render_results(dls, batch, targets.slice(0, 0, 2), options),
                  fb::shape_error);
}

TEST_CASE("show_batch: point targets drawn through draw_target; Normalize found in batch_tfms",
          "[vision][show]") {
  fake_points::Loaders dls;
  // Four images that are 0 after normalisation: ImageNet's mean colour once undone.
  std::get<0>(dls.batch) = fb::TensorImage(fb::zeros({4, 3, 16, 16}));
  std::get<1>(dls.batch) =
      fake_points::TensorPt(fb::tensor({-0.5f, -0.5f, 0.5f, 0.5f, -0.5f, -0.5f, 0.5f, 0.5f, -0.5f,
                                        -0.5f, 0.5f, 0.5f, -0.5f, -0.5f, 0.5f, 0.5f})
                                .reshape({4, 2, 2}));
  const fb::Image grid =
      fb::render_batch(dls, dls.one_batch(), {.nrows = 2, .ncols = 2, .size = 64});
  CHECK(grid.size() == std::array<std::int64_t, 2>{8 + 64 + 8 + 64 + 8, 8 + 64 + 8 + 64 + 8});
  CHECK(near(grid.at(8 + 32, 8 + 32), fb::Rgb{124, 116, 104}));  // ImageNet's mean, denormalised
  CHECK(grid.at(8 + 16, 8 + 16) == fb::colours::red);            // (-0.5, -0.5)
  CHECK(grid.at(8 + 48, 8 + 48) == fb::colours::red);            // (0.5, 0.5)
  CHECK(grid.at(8 + 72 + 16, 8 + 72 + 16) == fb::colours::red);
  // show_results draws targets green and predictions red.
  const fb::Image results = fb::render_results(
      dls, dls.one_batch(), std::get<1>(dls.batch) * fb::tensor({-1.0f, 1.0f}), {.size = 64});
  CHECK(results.at(8 + 16, 8 + 16) == fb::colours::green);
  CHECK(results.at(8 + 48, 8 + 16) == fb::colours::red);  // the prediction (0.5, -0.5)
}

TEST_CASE("show_images: plain images with captions", "[vision][show]") {
  TempDir dir("fastblock-show");
  std::vector<fb::Image> images;
  for (int i = 0; i < 5; ++i) images.push_back(fb::Image(40 + 10 * i, 30, fb::cycle_colour(i)));
  const auto path = dir.path() / "images.png";
  fb::show_images(images, {"a", "b", "c", "d", "a much longer caption than fits"}, path,
                  {.ncols = 3, .size = 48});
  const fb::Image grid = fb::load_image(path);
  CHECK(grid.width() == 8 + 3 * 48 + 2 * 8 + 8);
  CHECK(grid.height() == 8 + 2 * (48 + 5 + 2 * 11) + 8 + 8);
  CHECK(near(grid.at(8 + 24, 8 + 24), fb::cycle_colour(0)));
  CHECK(near(grid.at(8 + 56 + 24, 8 + 24), fb::cycle_colour(1)));
  CHECK(grid.at(8 + 24, 8 + 2) == fb::colours::white);  // 40x30 letterboxed in 48x48
  CHECK(fb::render_images(images, {}, {.ncols = 3, .size = 48}).height() == 8 + 2 * 48 + 8 + 8);
  CHECK_THAT(error_of<fb::value_error>([&] { (void)fb::render_images(images, {"a"}); }),
             Contains("1 captions for 5 images"));
  CHECK_THROWS_AS((void)fb::render_images({}, {}), fb::value_error);
}
