// Behaviour of vision/plot.hpp: plot_lines writes a PNG of the requested size with the series'
// colours, axes and labels; ticks are round numbers (powers of ten on a log axis); NaN and inf
// points leave gaps; bad input is a value_error naming the series.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_support.hpp"

#include <fastblock/vision/draw.hpp>
#include <fastblock/vision/image.hpp>
#include <fastblock/vision/plot.hpp>

namespace fb = fastblock;
using Catch::Matchers::Contains;
using fastblock_test::error_of;
using fastblock_test::TempDir;

namespace {

std::int64_t pixels_of_colour(const fb::Image& im, fb::Rgb colour) {
  std::int64_t n = 0;
  for (std::int64_t y = 0; y < im.height(); ++y)
    for (std::int64_t x = 0; x < im.width(); ++x) n += im.at(x, y) == colour;
  return n;
}

/// Columns holding at least one pixel of `colour`.
std::vector<bool> columns_with(const fb::Image& im, fb::Rgb colour) {
  std::vector<bool> has(static_cast<std::size_t>(im.width()), false);
  for (std::int64_t y = 0; y < im.height(); ++y)
    for (std::int64_t x = 0; x < im.width(); ++x)
      if (im.at(x, y) == colour) has[static_cast<std::size_t>(x)] = true;
  return has;
}

}  // namespace

TEST_CASE("nice_ticks and tick_label give round values", "[vision][plot]") {
  const auto unit = fb::nice_ticks(0, 1, 5);
  REQUIRE(unit.size() == 6);
  CHECK(unit[0] == 0.0);
  CHECK(unit[3] == Approx(0.6));
  CHECK(unit[5] == Approx(1.0));
  const auto t = fb::nice_ticks(-0.13, 2.71, 6);
  REQUIRE(t.size() >= 3);
  CHECK(t.front() >= -0.13);
  CHECK(t.back() <= 2.71);
  CHECK(t[1] - t[0] == Approx(0.5));
  CHECK(fb::nice_ticks(0.003, 0.0041, 5).size() >= 3);
  CHECK(fb::tick_label(0.25, 0.25) == "0.25");
  CHECK(fb::tick_label(3, 1) == "3");
  CHECK(fb::tick_label(-1.5, 0.5) == "-1.5");
  CHECK(fb::tick_label(0.0, 0.5) == "0");
  CHECK(fb::tick_label(0.0005, 0.0005) == "0.0005");
  CHECK(fb::tick_label(2500000, 500000) == "2.5e+06");
  CHECK(fb::tick_label(2e-5, 1e-5) == "2e-05");
}

TEST_CASE("plot_lines writes a PNG of the requested size with each series' colour",
          "[vision][plot]") {
  TempDir dir("fastblock-plot");
  std::vector<double> x, train, valid_x, valid;
  for (int i = 0; i < 200; ++i) {
    x.push_back(i);
    train.push_back(1.0 / (1 + i / 30.0));
  }
  for (int e = 1; e <= 4; ++e) {
    valid_x.push_back(e * 50 - 1);
    valid.push_back(0.9 / (1 + e));
  }
  const auto path = dir.path() / "loss.png";
  fb::plot_lines(
      path, {{"train", x, train}, {"valid", valid_x, valid}},
      {.title = "Loss", .xlabel = "iteration", .ylabel = "loss", .width = 500, .height = 300});
  REQUIRE(std::filesystem::exists(path));
  const fb::Image im = fb::load_image(path);
  CHECK(im.size() == std::array<std::int64_t, 2>{500, 300});
  CHECK(pixels_of_colour(im, fb::cycle_colour(0)) > 200);  // the training curve, blue
  CHECK(pixels_of_colour(im, fb::cycle_colour(1)) > 50);   // the validation points and line, orange
  CHECK(pixels_of_colour(im, fb::colours::dark) > 300);    // frame, ticks, labels
  CHECK(pixels_of_colour(im, fb::colours::white) > 500 * 300 / 2);
  CHECK(im.at(0, 0) == fb::colours::white);

  // A colour of one's own.
  const fb::Rgb teal{0, 128, 128};
  const fb::Image own = fb::render_lines({{"lr", x, train, teal}}, {.width = 320, .height = 200});
  CHECK(own.size() == std::array<std::int64_t, 2>{320, 200});
  CHECK(pixels_of_colour(own, teal) > 100);
  CHECK(pixels_of_colour(own, fb::cycle_colour(0)) == 0);
}

TEST_CASE("plot_lines: NaN and inf points leave a gap; a log x axis; markers", "[vision][plot]") {
  std::vector<double> x, y;
  for (int i = 0; i < 100; ++i) {
    x.push_back(i);
    y.push_back(i >= 40 && i < 60 ? std::numeric_limits<double>::quiet_NaN() : 1.0);
  }
  y[70] = std::numeric_limits<double>::infinity();
  const fb::Image im = fb::render_lines({{"flat", x, y}}, {.width = 400, .height = 200});
  const auto cols = columns_with(im, fb::cycle_colour(0));
  // The flat line covers the left part and the right part, not the middle.
  std::int64_t first = -1, last = -1;
  for (std::size_t k = 0; k < cols.size(); ++k)
    if (cols[k]) {
      if (first < 0) first = static_cast<std::int64_t>(k);
      last = static_cast<std::int64_t>(k);
    }
  REQUIRE(first >= 0);
  const std::int64_t mid = (first + last) / 2;
  CHECK_FALSE(cols[static_cast<std::size_t>(mid)]);
  CHECK(cols[static_cast<std::size_t>(first + (last - first) / 4)]);

  std::vector<double> lr, loss;
  for (int i = 0; i < 100; ++i) {
    lr.push_back(1e-7 * std::pow(10.0, 8.0 * i / 99));
    loss.push_back(2.0 - std::tanh(i / 30.0) + (i > 90 ? (i - 90) * 0.3 : 0.0));
  }
  lr[0] = 0.0;  // not on a log axis: skipped
  const fb::Image found =
      fb::render_lines({{"loss", lr, loss}}, {.title = "lr_find",
                                              .xlabel = "Learning Rate",
                                              .ylabel = "Loss",
                                              .log_x = true,
                                              .markers = {{.x = 1e-3, .label = "valley"}}});
  CHECK(found.size() == std::array<std::int64_t, 2>{640, 480});
  CHECK(pixels_of_colour(found, fb::cycle_colour(0)) > 300);
  CHECK(pixels_of_colour(found, fb::colours::red) > 100);  // the dashed marker and its label
}

TEST_CASE("plot_lines: ylim cuts lines at the frame", "[vision][plot]") {
  const fb::Image im = fb::render_lines({{"up", {0, 1, 2, 3}, {0, 10, 100, 1000}}},
                                        {.width = 300, .height = 200, .ylim = {{0.0, 20.0}}});
  CHECK(pixels_of_colour(im, fb::cycle_colour(0)) > 20);
  CHECK(im.at(299, 0) == fb::colours::white);
}

TEST_CASE("plot_lines: bad input is a value_error saying what is wrong", "[vision][plot]") {
  TempDir dir("fastblock-plot");
  const auto p = dir.path() / "x.png";
  CHECK_THAT(error_of<fb::value_error>([&] { fb::plot_lines(p, {}); }), Contains("no series"));
  CHECK_THAT(error_of<fb::value_error>([&] {
               fb::plot_lines(p, {{"loss", {1, 2}, {1}}});
             }),
             Contains("'loss'") && Contains("2 x values") && Contains("1 y values"));
  CHECK_THAT(error_of<fb::value_error>([&] {
               fb::plot_lines(p, {{"empty", {}, {}}});
             }),
             Contains("'empty'") && Contains("no point"));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_THAT(error_of<fb::value_error>([&] {
               fb::plot_lines(p, {{"nan", {1, 2}, {nan, nan}}});
             }),
             Contains("NaN"));
  CHECK_THAT(error_of<fb::value_error>([&] {
               fb::plot_lines(p, {{"neg", {-1, 0}, {1, 2}}}, {.log_x = true});
             }),
             Contains("x <= 0"));
  CHECK_THAT(error_of<fb::value_error>([&] {
               fb::plot_lines(p, {{"a", {1}, {1}}}, {.width = 100, .height = 50});
             }),
             Contains("160 x 120"));
  CHECK_THAT(error_of<fb::value_error>([&] {
               fb::plot_lines(p, {{"a", {1}, {1}}}, {.ylim = {{1.0, 1.0}}});
             }),
             Contains("ylim"));
  CHECK_FALSE(std::filesystem::exists(p));
  // One point, a constant series: drawn (a dot), no error.
  CHECK_NOTHROW(fb::plot_lines(p, {{"one", {3}, {0.5}}}));
  CHECK(std::filesystem::exists(p));
}
