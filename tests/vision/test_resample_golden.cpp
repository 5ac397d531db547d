// crop_resize against Pillow: tests/vision/resample_golden.txt holds, for crops, pads and resizes
// like those of fastai's item transforms, the bytes Pillow 9.4's BILINEAR resize gives on a test
// pattern (after numpy's pad, as fastai pads); written by make_resample_golden.py. fastblock's
// one-pass crop_resize must give the same bytes.
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_support.hpp"
#include "vision/image_test_support.hpp"

#include <fastblock/vision/resample.hpp>

namespace fb = fastblock;

TEST_CASE("crop_resize gives Pillow's bytes", "[vision][resample][golden]") {
  std::ifstream in(std::string(FASTBLOCK_TEST_DATA_DIR) + "/vision/resample_golden.txt");
  REQUIRE(in);
  std::string line;
  int cases = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::istringstream ls(line);
    std::string name, pad, hex;
    std::int64_t w = 0, h = 0;
    fb::CropResize g;
    ls >> name >> w >> h >> g.left >> g.top >> g.width >> g.height >> g.resize_w >> g.resize_h >>
        g.out_left >> g.out_top >> g.out_width >> g.out_height >> pad >> hex;
    REQUIRE(ls);
    g.pad_mode = pad == "zeros"    ? fb::PadMode::zeros
                 : pad == "border" ? fb::PadMode::border
                                   : fb::PadMode::reflection;
    std::vector<std::uint8_t> expected;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
      expected.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    INFO("case " << name << ": " << fb::repr(g));
    const fb::Image out = fb::crop_resize(fastblock_test::pattern_image(w, h), g);
    REQUIRE(out.width() == g.out_width);
    REQUIRE(out.height() == g.out_height);
    const auto got = out.data();
    std::size_t differ = 0;
    for (std::size_t i = 0; i < expected.size() && i < got.size(); ++i)
      differ += got[i] != expected[i];
    CHECK(got.size() == expected.size());
    CHECK(differ == 0);
    ++cases;
  }
  CHECK(cases == 11);
}
