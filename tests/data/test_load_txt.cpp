// Tests for fastblock/data/load_txt.hpp: BIWI's calibration and pose files read as the seed reads
// them with np.genfromtxt (skip_header counts physical lines, skip_footer rows of numbers), and
// bad files named with their line.
#include <fastblock/data/load_txt.hpp>

#include <string>

#include <fastblock/core/error.hpp>
#include <fastblock/tensor/print.hpp>

#include "catch.hpp"
#include "test_support.hpp"

namespace fb = fastblock;
using Catch::Matchers::Contains;

TEST_CASE("load_txt: BIWI's rgb.cal with skip_footer = 6 is the 3x3 intrinsics",
          "[data][load_txt]") {
  fastblock_test::TempDir dir;
  // The layout of BIWI_HEAD_POSE's 01/rgb.cal: intrinsics, distortion, rotation, translation and
  // the image size, with blank lines between blocks.
  const auto cal = dir.write("rgb.cal",
                             "517.679 0 320 \n0 517.679 240.5 \n0 0 1 \n\n0 0 0 0 \n\n"
                             "1 0 0 \n0 1 0 \n0 0 1 \n\n0 0 0 \n640 480\n");
  // Its footer holds a 4-value and a 2-value row; numpy drops them with skip_footer before
  // checking that rows agree, and so do we.
  const fb::Tensor k = fb::load_txt(cal, {.skip_footer = 6});
  REQUIRE(k.shape() == fb::Shape({3, 3}));
  CHECK(k.dtype() == fb::float32);
  CHECK(k.at<double>({0, 0}) == Approx(517.679));
  CHECK(k.at<double>({1, 2}) == Approx(240.5));
  CHECK(k.at<double>({2, 2}) == Approx(1.0));
}

TEST_CASE("load_txt: a pose file with skip_header = 3 is the head centre", "[data][load_txt]") {
  fastblock_test::TempDir dir;
  const auto pose = dir.write("frame_00003_pose.txt",
                              "0.98 0.01 -0.2 \n-0.02 0.99 -0.04 \n0.2 0.04 0.97 \n\n"
                              "62.2 10.1 974.6 \n");
  const fb::Tensor ctr = fb::load_txt(pose, {.skip_header = 3});
  REQUIRE(ctr.shape() == fb::Shape({3}));  // one row: 1-D, as numpy squeezes it
  CHECK(ctr.at<double>({0}) == Approx(62.2));
  CHECK(ctr.at<double>({2}) == Approx(974.6));
  // The seed's get_ctr on these numbers.
  const double c1 = ctr.at<double>({0}) * 517.679 / ctr.at<double>({2}) + 320;
  CHECK(c1 == Approx(353.036).epsilon(1e-5));
}

TEST_CASE("load_txt: delimiters, comments, signs", "[data][load_txt]") {
  fastblock_test::TempDir dir;
  const auto f = dir.write("a.csv", "# x,y\n1,+2.5\n-3, 4e2 # end\n");
  const fb::Tensor t = fb::load_txt(f, {.delimiter = ','});
  REQUIRE(t.shape() == fb::Shape({2, 2}));
  CHECK(t.at<double>({0, 1}) == Approx(2.5));
  CHECK(t.at<double>({1, 0}) == Approx(-3));
  CHECK(t.at<double>({1, 1}) == Approx(400));
}

TEST_CASE("load_txt: bad files name the file and the line", "[data][load_txt]") {
  fastblock_test::TempDir dir;
  const auto ragged = dir.write("ragged.txt", "1 2 3\n4 5\n");
  CHECK_THROWS_WITH(fb::load_txt(ragged),
                    Contains("ragged.txt") && Contains("line 2 has 2 values, line 1 has 3"));
  const auto text = dir.write("text.txt", "1 2\n3 abc\n");
  CHECK_THROWS_WITH(fb::load_txt(text), Contains("line 2, value 2: 'abc' is not a number"));
  const auto empty = dir.write("empty.txt", "\n\n");
  CHECK_THROWS_AS(fb::load_txt(empty), fb::data_error);
  CHECK_THROWS_WITH(fb::load_txt(dir.write("short.txt", "1 2\n"), {.skip_footer = 1}),
                    Contains("no rows of numbers left"));
  CHECK_THROWS_AS(fb::load_txt(dir.path() / "missing.txt"), fb::io_error);
}
