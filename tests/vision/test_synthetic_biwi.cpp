// Tests for fastblock/vision/synthetic_biwi.hpp: the generated BIWI-like dataset in the real
// layout, read back with the seed's own code (get_image_files, load_txt as np.genfromtxt, get_ctr),
// whose head centre lands on the drawn face; determinism and idempotence.
#include <fastblock/vision/synthetic_biwi.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <fastblock/data/load_txt.hpp>
#include <fastblock/tensor/tensor.hpp>
#include <fastblock/vision/files.hpp>
#include <fastblock/vision/image.hpp>

#include "catch.hpp"
#include "test_support.hpp"

namespace fb = fastblock;
namespace fs = std::filesystem;

namespace {

std::string bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("synthetic BIWI: the seed's get_ctr finds the drawn head", "[vision][biwi]") {
  fastblock_test::TempDir dir;
  const auto made = fb::make_synthetic_biwi(
      dir.path(), {.n_people = 3, .frames_per_person = 4, .size = {120, 160}});
  CHECK(made.generated);
  CHECK(made.n_images == 12);
  // img_files = get_image_files(path); def img2pose(x): return Path(f'{str(x)[:-7]}pose.txt')
  const auto img_files = fb::get_image_files(dir.path());
  REQUIRE(img_files.size() == 12);
  CHECK(img_files[0].parent_path().filename() == "01");
  CHECK(img_files[0].filename().string().starts_with("frame_00003_rgb"));
  const auto img2pose = [](const fs::path& x) {
    const std::string s = x.string();
    return fs::path(s.substr(0, s.size() - 7) + "pose.txt");
  };
  // cal = np.genfromtxt(path/'01'/'rgb.cal', skip_footer=6)
  const fb::Tensor cal = fb::load_txt(dir.path() / "01" / "rgb.cal", {.skip_footer = 6});
  REQUIRE(cal.shape() == fb::Shape({3, 3}));
  for (const auto& f : img_files) {
    INFO(f.string());
    // ctr = np.genfromtxt(img2pose(f), skip_header=3); c1 = ctr[0]*cal[0][0]/ctr[2] + cal[0][2]
    const fb::Tensor ctr = fb::load_txt(img2pose(f), {.skip_header = 3});
    REQUIRE(ctr.shape() == fb::Shape({3}));
    const double c1 =
        ctr.at<double>({0}) * cal.at<double>({0, 0}) / ctr.at<double>({2}) + cal.at<double>({0, 2});
    const double c2 =
        ctr.at<double>({1}) * cal.at<double>({1, 1}) / ctr.at<double>({2}) + cal.at<double>({1, 2});
    const fb::Image im = fb::load_image(f);
    CHECK(im.width() == 160);
    CHECK(im.height() == 120);
    REQUIRE(c1 >= 0);
    REQUIRE(c2 >= 0);
    REQUIRE(c1 < 160);
    REQUIRE(c2 < 120);
    // The centre of the head is face or hair: warm (red above blue), never the cool shoulders.
    const auto p = im.at(static_cast<std::int64_t>(c1), static_cast<std::int64_t>(c2));
    CHECK(p.r > p.b);
  }
}

TEST_CASE("synthetic BIWI: the same options give the same bytes, once", "[vision][biwi]") {
  fastblock_test::TempDir a, b;
  const fb::SyntheticBiwiOptions o{.n_people = 2, .frames_per_person = 2, .size = {48, 64}};
  fb::make_synthetic_biwi(a.path(), o);
  fb::make_synthetic_biwi(b.path(), o);
  const auto files = fb::get_image_files(a.path());
  REQUIRE(files.size() == 4);
  for (const auto& f : files) CHECK(bytes_of(f) == bytes_of(b.path() / fs::relative(f, a.path())));
  CHECK(!fb::make_synthetic_biwi(a.path(), o).generated);  // already there
  CHECK_THROWS_AS(fb::make_synthetic_biwi(a.path(), {.n_people = 0}), fb::value_error);
}
