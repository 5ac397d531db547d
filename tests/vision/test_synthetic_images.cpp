// Behaviour of vision/synthetic_images.hpp: make_synthetic_pascal writes train.csv (read back by
// read_csv as synthetic_pascal_frame's frame) and one decodable JPEG per row, draws each label's
// class colour into its image, is deterministic for a seed (identical bytes), idempotent (a
// folder already holding the dataset is left alone), and refuses bad options.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_support.hpp"

#include <fastblock/data.hpp>
#include <fastblock/vision.hpp>

namespace fb = fastblock;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using fastblock_test::error_of;
using fastblock_test::read_text;
using fastblock_test::TempDir;

namespace {

const fb::SyntheticPascalImagesOptions small{.n_rows = 12, .seed = 7, .size = {48, 64}};

/// Pixels of `image` within `tol` of `colour` in every channel.
int pixels_near(const fb::Image& image, fb::Rgb colour, int tol) {
  int n = 0;
  for (std::int64_t y = 0; y < image.height(); ++y)
    for (std::int64_t x = 0; x < image.width(); ++x) {
      const fb::Rgb p = image.at(x, y);
      n += std::abs(p.r - colour.r) <= tol && std::abs(p.g - colour.g) <= tol &&
           std::abs(p.b - colour.b) <= tol;
    }
  return n;
}

}  // namespace

TEST_CASE("make_synthetic_pascal: train.csv and one JPEG per row", "[vision][synthetic]") {
  TempDir dir("fastblock-synthetic");
  const auto result = fb::make_synthetic_pascal(dir.path() / "pascal", small);
  CHECK(result.generated);
  CHECK(result.n_images == 12);
  CHECK(result.csv == dir.path() / "pascal" / "train.csv");
  const fb::DataFrame df = fb::read_csv(result.csv);
  const fb::DataFrame expected = fb::synthetic_pascal_frame({.n_rows = 12, .seed = 7});
  CHECK(fb::to_csv_string(df) == fb::to_csv_string(expected));
  CHECK(read_text(result.csv).rfind("fname,labels,is_valid\n", 0) == 0);
  CHECK(fb::get_image_files(result.images).size() == 12);
  for (std::int64_t i = 0; i < 12; ++i) {
    const fb::Image image = fb::load_image(result.images / std::string(df["fname"][i]));
    INFO(df["fname"][i] << " " << df["labels"][i] << " " << image);
    CHECK(image.width() >= 54);  // 64 +- 15%
    CHECK(image.width() <= 74);
    CHECK(image.height() >= 40);  // 48 +- 15%
    CHECK(image.height() <= 56);
    // Each label's object shows its class colour.
    for (const std::string& label : fb::split(df["labels"][i], ' ')) {
      const auto k = std::find(fb::pascal_classes.begin(), fb::pascal_classes.end(), label) -
                     fb::pascal_classes.begin();
      CHECK(pixels_near(image, fb::synthetic_class_colour(static_cast<int>(k)), 40) >= 10);
    }
  }
}

TEST_CASE("make_synthetic_pascal: deterministic bytes, idempotent", "[vision][synthetic]") {
  TempDir dir("fastblock-synthetic");
  const auto a = fb::make_synthetic_pascal(dir.path() / "a", small);
  const auto b = fb::make_synthetic_pascal(dir.path() / "b", small);
  const auto files_a = fb::get_files(dir.path() / "a");
  REQUIRE(files_a.size() == 13);  // train.csv and 12 images (the marker is hidden)
  for (const auto& f : files_a) {
    INFO(f);
    CHECK(read_text(f) == read_text(dir.path() / "b" / f.lexically_relative(dir.path() / "a")));
  }
  // Again in the same folder: nothing is written.
  const auto stamp = fs::last_write_time(a.csv);
  CHECK_FALSE(fb::make_synthetic_pascal(dir.path() / "a", small).generated);
  CHECK(fs::last_write_time(a.csv) == stamp);
  // An image that went missing is drawn again, the same bytes.
  const auto first = a.images / std::string(fb::read_csv(a.csv)["fname"][0]);
  const std::string bytes = read_text(first);
  fs::remove(first);
  CHECK(fb::make_synthetic_pascal(dir.path() / "a", small).generated);
  CHECK(read_text(first) == bytes);
  CHECK(fs::last_write_time(a.csv) == stamp);
  // Other options regenerate.
  auto other = small;
  other.seed = 8;
  CHECK(fb::make_synthetic_pascal(dir.path() / "a", other).generated);
  CHECK(fs::exists(a.images / std::string(fb::read_csv(a.csv)["fname"][0])));
  CHECK(read_text(a.csv) != read_text(b.csv));
}

TEST_CASE("make_synthetic_pascal: bad options", "[vision][synthetic]") {
  TempDir dir("fastblock-synthetic");
  auto o = small;
  o.size = {8, 40};
  CHECK_THAT(error_of<fb::value_error>([&] { (void)fb::make_synthetic_pascal(dir.path(), o); }),
             Contains("size"));
  o = small;
  o.quality = 0;
  CHECK_THROWS_AS(fb::make_synthetic_pascal(dir.path(), o), fb::value_error);
  CHECK_THROWS_AS(fb::synthetic_class_colour(20), fb::value_error);
  const auto file = dir.write("file", "x");
  CHECK_THROWS_AS(fb::make_synthetic_pascal(file / "sub", small), fb::io_error);
}
