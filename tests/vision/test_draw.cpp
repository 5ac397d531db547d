// Behaviour of vision/draw.hpp and vision/font.hpp: shapes set the pixels they cover and no
// others, lines run in every direction between their end pixels, text stays inside its box,
// and nothing ever writes outside the image, whatever the coordinates (run under ASan too).
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "catch.hpp"
#include "test_support.hpp"
#include "vision/image_test_support.hpp"

#include <fastblock/vision/draw.hpp>
#include <fastblock/vision/font.hpp>
#include <fastblock/vision/image.hpp>

namespace fb = fastblock;
using Catch::Matchers::Contains;
using fastblock_test::error_of;

namespace {

constexpr fb::Rgb ink{200, 10, 20};

/// Number of pixels of `colour` inside [x0, x1) x [y0, y1) (clipped).
std::int64_t count_colour(const fb::Image& im, fb::Rgb colour, std::int64_t x0 = 0, std::int64_t y0 = 0,
                   std::int64_t x1 = -1, std::int64_t y1 = -1) {
  if (x1 < 0) x1 = im.width();
  if (y1 < 0) y1 = im.height();
  std::int64_t n = 0;
  for (std::int64_t y = std::max<std::int64_t>(0, y0); y < std::min(y1, im.height()); ++y)
    for (std::int64_t x = std::max<std::int64_t>(0, x0); x < std::min(x1, im.width()); ++x)
      n += im.at(x, y) == colour;
  return n;
}

/// Distance from pixel (x, y) to the segment (ax, ay)-(bx, by).
double distance_to_segment(double x, double y, double ax, double ay, double bx, double by) {
  const double dx = bx - ax, dy = by - ay;
  const double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? ((x - ax) * dx + (y - ay) * dy) / len2 : 0.0;
  t = std::clamp(t, 0.0, 1.0);
  return std::hypot(x - (ax + t * dx), y - (ay + t * dy));
}

}  // namespace

static_assert(fb::glyph('A') == fb::Glyph{0x0C, 0x1E, 0x33, 0x33, 0x3F, 0x33, 0x33, 0x00});
static_assert(fb::glyph(' ') == fb::Glyph{});
static_assert(fb::glyph(0x07) == fb::glyph('?'));
static_assert(fb::glyph(0xFF) == fb::glyph('?'));
static_assert(fb::has_glyph('~') && !fb::has_glyph(0x7F));

TEST_CASE("fill_rect and draw_rect cover exactly their pixels, clipped", "[vision][draw]") {
  fb::Image im(20, 10, fb::colours::white);
  fb::fill_rect(im, {2, 3, 4, 5}, ink);
  CHECK(count_colour(im, ink) == 20);
  CHECK(count_colour(im, ink, 2, 3, 6, 8) == 20);
  fb::fill_rect(im, {-5, -5, 7, 6}, ink);  // top-left corner only
  CHECK(count_colour(im, ink, 0, 0, 2, 1) == 2);
  fb::Image outline(20, 10, fb::colours::white);
  fb::draw_rect(outline, {1, 1, 8, 6}, ink);
  CHECK(count_colour(outline, ink) == 2 * 8 + 2 * 4);
  CHECK(outline.at(4, 3) == fb::colours::white);
  fb::draw_rect(outline, {10, 1, 8, 6}, ink, 2);
  CHECK(count_colour(outline, ink, 10, 1, 18, 7) == 8 * 6 - 4 * 2);
  CHECK_THROWS_AS(fb::draw_rect(outline, {0, 0, 3, 3}, ink, 0), fb::value_error);
  // Far outside, huge or negative sizes: nothing, no crash.
  const fb::Image before = im;
  constexpr auto big = std::numeric_limits<std::int64_t>::max();
  constexpr auto small = std::numeric_limits<std::int64_t>::min();
  fb::fill_rect(im, {big, big, big, big}, fb::colours::black);
  fb::fill_rect(im, {small, small, 10, 10}, fb::colours::black);
  fb::fill_rect(im, {20, 0, 5, 5}, fb::colours::black);
  fb::fill_rect(im, {0, 0, -5, 5}, fb::colours::black);
  fb::draw_rect(im, {small, small, big, big}, fb::colours::black, 3);
  CHECK(im == before);
  fb::fill_rect(im, {small, small, big, big}, fb::colours::black);  // ends at -2: nothing
  CHECK(im == before);
  fb::fill_rect(im, {-3, -3, big, big}, fb::colours::black);  // covers everything
  CHECK(count_colour(im, fb::colours::black) == 200);
}

TEST_CASE("draw_line sets both ends and the pixels on the segment, none far off it",
          "[vision][draw]") {
  const int ends[][4] = {{2, 3, 37, 21}, {37, 21, 2, 3},   {5, 25, 5, 2},  {1, 12, 38, 12},
                         {35, 2, 4, 27}, {10, 10, 10, 10}, {0, 0, 39, 29}, {3, 28, 30, 1}};
  for (const auto& e : ends) {
    for (const int thickness : {1, 2}) {
      fb::Image im(40, 30, fb::colours::white);
      fb::draw_line(im, e[0], e[1], e[2], e[3], ink, {.thickness = thickness});
      INFO("line " << e[0] << "," << e[1] << " -> " << e[2] << "," << e[3] << " thickness "
                   << thickness);
      CHECK(im.at(e[0], e[1]) == ink);
      CHECK(im.at(e[2], e[3]) == ink);
      const double steps = std::max(std::abs(e[2] - e[0]), std::abs(e[3] - e[1]));
      CHECK(count_colour(im, ink) >= static_cast<std::int64_t>(steps) + 1);
      for (std::int64_t y = 0; y < 30; ++y)
        for (std::int64_t x = 0; x < 40; ++x)
          if (im.at(x, y) == ink)
            CHECK(distance_to_segment(static_cast<double>(x), static_cast<double>(y), e[0], e[1],
                                      e[2], e[3]) <= 0.75 + (thickness - 1));
      // Every column (or row, for steep lines) the segment spans has a pixel: no holes.
      const bool x_major = std::abs(e[2] - e[0]) >= std::abs(e[3] - e[1]);
      const int a = x_major ? std::min(e[0], e[2]) : std::min(e[1], e[3]);
      const int b = x_major ? std::max(e[0], e[2]) : std::max(e[1], e[3]);
      for (int k = a; k <= b; ++k)
        CHECK(count_colour(im, ink, x_major ? k : 0, x_major ? 0 : k, x_major ? k + 1 : 40,
                    x_major ? 30 : k + 1) >= 1);
    }
  }
}

TEST_CASE("draw_line: clipped, dashed, far outside and non-finite coordinates", "[vision][draw]") {
  fb::Image im(40, 30, fb::colours::white);
  // From far outside to far outside through the image: the part inside is drawn.
  fb::draw_line(im, -1e9, 15, 1e9, 15, ink);
  CHECK(count_colour(im, ink) == 40);
  CHECK(count_colour(im, ink, 0, 15, 40, 16) == 40);
  // Enormous, infinite and NaN coordinates: no crash, nothing outside.
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  fb::Image blank(40, 30, fb::colours::white);
  const fb::Image white = blank;
  fb::draw_line(blank, -1e300, -1e300, -1e299, -1e300, ink, {.thickness = 2});
  fb::draw_line(blank, nan, 3, 10, 10, ink);
  fb::draw_line(blank, 0, 0, inf, 10, ink);
  fb::draw_line(blank, 1e308, -1e308, -1e308, -1e308, ink);
  fb::draw_line(blank, 100, 100, 200, 150, ink, {.thickness = 16});
  CHECK(blank == white);
  fb::draw_line(blank, -1e15, -1e15, 1e15, 1e15, ink, {.thickness = 16});  // the diagonal
  CHECK(blank.at(20, 20) == ink);
  // Dashes leave gaps.
  fb::Image dashed(40, 5, fb::colours::white);
  fb::draw_line(dashed, 0, 2, 39, 2, ink, {.dash = 4});
  CHECK(count_colour(dashed, ink) >= 16);
  CHECK(count_colour(dashed, ink) <= 24);
  CHECK(dashed.at(0, 2) == ink);
  CHECK(dashed.at(5, 2) == fb::colours::white);
  CHECK_THAT(
      error_of<fb::value_error>([&] { fb::draw_line(im, 0, 0, 1, 1, ink, {.thickness = 0}); }),
      Contains("thickness"));
  CHECK_THROWS_AS(fb::draw_line(im, 0, 0, 1, 1, ink, {.dash = -1}), fb::value_error);
  fb::Image empty;
  fb::draw_line(empty, 0, 0, 10, 10, ink);
  fb::draw_marker(empty, 0, 0, ink);
  fb::draw_text(empty, 0, 0, "x");
}

TEST_CASE("draw_marker: discs, crosses and circles around their centre, clipped",
          "[vision][draw]") {
  fb::Image im(30, 30, fb::colours::white);
  fb::draw_marker(im, 15, 15, ink, {.radius = 4});
  CHECK(im.at(15, 15) == ink);
  CHECK(im.at(19, 15) == ink);
  CHECK(im.at(15, 11) == ink);
  CHECK(im.at(20, 15) == fb::colours::white);
  CHECK(count_colour(im, ink) == count_colour(im, ink, 11, 11, 20, 20));
  CHECK(count_colour(im, ink) > 40);

  fb::Image ringed(30, 30, fb::colours::white);
  fb::draw_marker(ringed, 15, 15, ink, {.radius = 3, .outline = fb::colours::black});
  CHECK(ringed.at(15, 15) == ink);
  CHECK(ringed.at(19, 15) == fb::colours::black);

  fb::Image cross(30, 30, fb::colours::white);
  fb::draw_marker(cross, 10, 10, ink,
                  {.shape = fb::MarkerShape::cross, .radius = 4, .thickness = 1});
  CHECK(cross.at(6, 6) == ink);
  CHECK(cross.at(14, 6) == ink);
  CHECK(cross.at(10, 10) == ink);
  CHECK(cross.at(10, 6) == fb::colours::white);
  fb::Image circle(30, 30, fb::colours::white);
  fb::draw_marker(circle, 15, 15, ink,
                  {.shape = fb::MarkerShape::circle, .radius = 6, .thickness = 1});
  CHECK(circle.at(21, 15) == ink);
  CHECK(circle.at(15, 15) == fb::colours::white);

  // Partly and fully outside, not finite: clipped, no crash.
  fb::Image edge(10, 10, fb::colours::white);
  fb::draw_marker(edge, 0, 0, ink, {.radius = 3});
  CHECK(edge.at(0, 0) == ink);
  fb::draw_marker(edge, -1e18, 5, ink, {.radius = 3});
  fb::draw_marker(edge, 5, std::numeric_limits<double>::quiet_NaN(), ink);
  fb::draw_marker(edge, 1e300, 1e300, ink, {.shape = fb::MarkerShape::plus});
  CHECK(count_colour(edge, ink) == count_colour(edge, ink, 0, 0, 4, 4));
  CHECK_THROWS_AS(fb::draw_marker(edge, 1, 1, ink, {.radius = -1}), fb::value_error);
}

TEST_CASE("draw_text draws inside its box only; widths count characters", "[vision][draw]") {
  CHECK(fb::text_width("abc") == 24);
  CHECK(fb::text_width("abc", 2) == 48);
  CHECK(fb::text_height(3) == 24);
  CHECK(fb::text_length("caf\xc3\xa9") == 4);  // UTF-8 'é' is one character ('?')
  CHECK(fb::text_width("") == 0);

  fb::Image im(100, 40, fb::colours::white);
  const std::int64_t w = fb::draw_text(im, 10, 12, "Hi 42!", {.colour = ink, .scale = 2});
  CHECK(w == 96);
  const std::int64_t inside = count_colour(im, ink, 10, 12, 10 + 90, 12 + 16);
  CHECK(inside > 40);
  CHECK(count_colour(im, ink) == inside);  // none outside (the box clipped at the image's edge)
  // Each character has pixels in its own cell: 'H' in the first, '4' in the fourth.
  CHECK(count_colour(im, ink, 10, 12, 26, 28) > 10);
  CHECK(count_colour(im, ink, 58, 12, 74, 28) > 10);

  // Background fills the whole box; other bytes draw as '?'.
  fb::Image bg(40, 20, fb::colours::white);
  fb::draw_text(bg, 2, 2, "a\x01", {.colour = ink, .background = fb::colours::black});
  CHECK(count_colour(bg, ink) + count_colour(bg, fb::colours::black) == 16 * 8);
  fb::Image q1(20, 10, fb::colours::white), q2(20, 10, fb::colours::white);
  fb::draw_text(q1, 0, 0, "\x01", {.colour = ink});
  fb::draw_text(q2, 0, 0, "?", {.colour = ink});
  CHECK(q1 == q2);

  // Turned a quarter: the box is 8 wide and 8 * length tall.
  fb::Image turned(30, 40, fb::colours::white);
  fb::draw_text(turned, 5, 3, "abc", {.colour = ink, .rotated = true});
  CHECK(count_colour(turned, ink) == count_colour(turned, ink, 5, 3, 13, 27));
  CHECK(count_colour(turned, ink) > 20);

  // Anywhere, even far outside: clipped, no crash.
  fb::Image clip(16, 16, fb::colours::white);
  constexpr auto big = std::numeric_limits<std::int64_t>::max();
  constexpr auto small = std::numeric_limits<std::int64_t>::min();
  fb::draw_text(clip, -4, -4, "WW", {.colour = ink, .scale = 2});
  CHECK(count_colour(clip, ink) > 0);
  const fb::Image before = clip;
  fb::draw_text(clip, big, big, "far", {.colour = ink, .background = ink});
  fb::draw_text(clip, small, small, "far", {.colour = ink, .scale = 64, .background = ink});
  fb::draw_text(clip, small, 0, "far", {.colour = ink, .rotated = true});
  CHECK(clip == before);
  CHECK_THROWS_AS(fb::draw_text(clip, 0, 0, "x", {.scale = 0}), fb::value_error);
}

TEST_CASE("paste copies at an offset, clipped; thumbnail keeps the aspect ratio",
          "[vision][draw]") {
  const fb::Image src = fastblock_test::pattern_image(6, 4);
  fb::Image dst(10, 10, fb::colours::white);
  fb::paste(dst, src, 3, 2);
  CHECK(dst.at(3, 2) == src.at(0, 0));
  CHECK(dst.at(8, 5) == src.at(5, 3));
  CHECK(dst.at(2, 2) == fb::colours::white);
  CHECK(dst.at(9, 5) == fb::colours::white);
  fb::Image corner(10, 10, fb::colours::white);
  fb::paste(corner, src, -4, -2);
  CHECK(corner.at(0, 0) == src.at(4, 2));
  CHECK(corner.at(1, 1) == src.at(5, 3));
  CHECK(corner.at(2, 0) == fb::colours::white);
  fb::Image far(10, 10, fb::colours::white);
  const fb::Image white = far;
  fb::paste(far, src, std::numeric_limits<std::int64_t>::min(), 0);
  fb::paste(far, src, std::numeric_limits<std::int64_t>::max(), 3);
  fb::paste(far, src, 10, 0);
  CHECK(far == white);

  const fb::Image big = fastblock_test::smooth_image(200, 100);
  CHECK(fb::thumbnail(big, 64, 64).size() == std::array<std::int64_t, 2>{64, 32});
  CHECK(fb::thumbnail(big, 500, 50).size() == std::array<std::int64_t, 2>{100, 50});
  CHECK(fb::thumbnail(fastblock_test::smooth_image(1, 300), 64, 64).size() ==
        std::array<std::int64_t, 2>{1, 64});
  CHECK(fb::thumbnail(big, 200, 100) == big);
  CHECK_THROWS_AS((void)fb::thumbnail(fb::Image(), 10, 10), fb::value_error);
  CHECK_THROWS_AS((void)fb::thumbnail(big, 0, 10), fb::value_error);
}

TEST_CASE("cycle_colour follows matplotlib's tab10 and cycles", "[vision][draw]") {
  CHECK(fb::cycle_colour(0) == fb::colours::blue);
  CHECK(fb::cycle_colour(1) == fb::colours::orange);
  CHECK(fb::cycle_colour(10) == fb::cycle_colour(0));
}
