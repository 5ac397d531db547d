// fastblock/vision/draw-inl.hpp — out-of-line definitions for vision/draw.hpp.
//
// Included by draw.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes. Clipping is done
// before any pixel loop (on whole-pixel spans without overflow, and on segments with
// Liang-Barsky), so huge coordinates cost nothing and never reach an index.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/vision/draw.hpp>
#include <fastblock/vision/font.hpp>
#include <fastblock/vision/image.hpp>
#include <fastblock/vision/resample.hpp>

namespace fastblock {

namespace detail::draw {

/// The half-open span [lo, hi) of [start, start + length) inside [0, extent), without overflow
/// for any start and length; lo >= hi when empty.
FASTBLOCK_FUNC std::pair<std::int64_t, std::int64_t> clip_span(std::int64_t start,
                                                               std::int64_t length,
                                                               std::int64_t extent) noexcept {
  if (length <= 0 || extent <= 0 || start >= extent) return {0, 0};
  if (start < 0) {
    const std::int64_t end = start + length;  // opposite signs: no overflow
    if (end <= 0) return {0, 0};
    return {0, std::min(end, extent)};
  }
  return {start, length > extent - start ? extent : start + length};
}

/// Sets pixel (x, y) when it lies inside the image.
FASTBLOCK_FUNC void put(Image& image, std::int64_t x, std::int64_t y, Rgb c) noexcept {
  if (x < 0 || y < 0 || x >= image.width() || y >= image.height()) return;
  std::uint8_t* p = image.data().data() + (y * image.width() + x) * 3;
  p[0] = c.r;
  p[1] = c.g;
  p[2] = c.b;
}

/// Liang-Barsky: shrinks the parameter range [t0, t1] of p + t*d to the part inside
/// [lo, hi]; false when nothing is left.
FASTBLOCK_FUNC bool clip_axis(double p, double d, double lo, double hi, double& t0,
                              double& t1) noexcept {
  if (d == 0.0) return p >= lo && p <= hi;
  double a = (lo - p) / d, b = (hi - p) / d;
  if (a > b) std::swap(a, b);
  t0 = std::max(t0, a);
  t1 = std::min(t1, b);
  return t0 <= t1;
}

/// Checks a thickness.
FASTBLOCK_FUNC void check_thickness(int thickness, const char* who) {
  if (thickness < 1 || thickness > 16)
    throw value_error(std::string("fastblock::") + who +
                      ": thickness must be 1 to 16 pixels, got " + std::to_string(thickness));
}

/// Checks a text scale.
FASTBLOCK_FUNC void check_scale(int scale) {
  if (scale < 1 || scale > 64)
    throw value_error("fastblock::draw_text: scale must be 1 to 64, got " + std::to_string(scale));
}

/// The characters draw_text draws: each printable ASCII byte as itself, every other byte as
/// '?', except UTF-8 continuation bytes (0x80-0xBF), which belong to the '?' before them.
template <class F>
void for_each_char(std::string_view text, F&& f) {
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80 && c < 0xC0) continue;
    f(c);
  }
}

}  // namespace detail::draw

FASTBLOCK_FUNC Rgb cycle_colour(std::size_t k) noexcept {
  static constexpr std::array<Rgb, 10> tab10 = {{{31, 119, 180},
                                                 {255, 127, 14},
                                                 {44, 160, 44},
                                                 {214, 39, 40},
                                                 {148, 103, 189},
                                                 {140, 86, 75},
                                                 {227, 119, 194},
                                                 {127, 127, 127},
                                                 {188, 189, 34},
                                                 {23, 190, 207}}};
  return tab10[k % tab10.size()];
}

FASTBLOCK_FUNC void fill_rect(Image& image, Rect rect, Rgb colour) {
  const auto [x0, x1] = detail::draw::clip_span(rect.x, rect.w, image.width());
  const auto [y0, y1] = detail::draw::clip_span(rect.y, rect.h, image.height());
  if (x0 >= x1 || y0 >= y1) return;
  std::uint8_t* data = image.data().data();
  for (std::int64_t y = y0; y < y1; ++y) {
    std::uint8_t* p = data + (y * image.width() + x0) * 3;
    for (std::int64_t x = x0; x < x1; ++x, p += 3) {
      p[0] = colour.r;
      p[1] = colour.g;
      p[2] = colour.b;
    }
  }
}

FASTBLOCK_FUNC void draw_rect(Image& image, Rect rect, Rgb colour, int thickness) {
  if (thickness < 1)
    throw value_error("fastblock::draw_rect: thickness must be at least 1, got " +
                      std::to_string(thickness));
  if (rect.w <= 0 || rect.h <= 0) return;
  const std::int64_t t = thickness;
  if (2 * t >= rect.w || 2 * t >= rect.h) return fill_rect(image, rect, colour);
  fill_rect(image, {rect.x, rect.y, rect.w, t}, colour);
  fill_rect(image, {rect.x, rect.y + rect.h - t, rect.w, t}, colour);
  fill_rect(image, {rect.x, rect.y + t, t, rect.h - 2 * t}, colour);
  fill_rect(image, {rect.x + rect.w - t, rect.y + t, t, rect.h - 2 * t}, colour);
}

FASTBLOCK_FUNC void draw_line(Image& image, double x0, double y0, double x1, double y1, Rgb colour,
                              const LineOptions& options) {
  detail::draw::check_thickness(options.thickness, "draw_line");
  if (options.dash < 0)
    throw value_error("fastblock::draw_line: dash must be 0 (solid) or a length in pixels, got " +
                      std::to_string(options.dash));
  if (!std::isfinite(x0) || !std::isfinite(y0) || !std::isfinite(x1) || !std::isfinite(y1)) return;
  if (image.empty()) return;
  const double dx = x1 - x0, dy = y1 - y0;
  if (!std::isfinite(dx) || !std::isfinite(dy)) return;
  // Clip to the image grown by the thickness, so a thick line along an edge keeps its width.
  const double pad = options.thickness;
  double t0 = 0.0, t1 = 1.0;
  if (!detail::draw::clip_axis(x0, dx, -pad, static_cast<double>(image.width() - 1) + pad, t0,
                               t1) ||
      !detail::draw::clip_axis(y0, dy, -pad, static_cast<double>(image.height() - 1) + pad, t0, t1))
    return;
  const double ax = x0 + t0 * dx, ay = y0 + t0 * dy;
  const double bx = x0 + t1 * dx, by = y0 + t1 * dy;
  const bool x_major = std::abs(dx) >= std::abs(dy);
  const double span = std::max(std::abs(bx - ax), std::abs(by - ay));
  const auto steps = static_cast<std::int64_t>(std::ceil(span));
  const double length = std::hypot(dx, dy);
  const double start = t0 * length;  // distance of the clipped start from (x0, y0)
  const double per_step = steps > 0 ? (t1 - t0) * length / static_cast<double>(steps) : 0.0;
  const int lo = -(options.thickness - 1) / 2, hi = options.thickness / 2;
  for (std::int64_t i = 0; i <= steps; ++i) {
    if (options.dash > 0) {
      const double along = start + per_step * static_cast<double>(i);
      if (std::fmod(along, 2.0 * options.dash) >= options.dash) continue;
    }
    const double f = steps > 0 ? static_cast<double>(i) / static_cast<double>(steps) : 0.0;
    const auto px = static_cast<std::int64_t>(std::lround(ax + f * (bx - ax)));
    const auto py = static_cast<std::int64_t>(std::lround(ay + f * (by - ay)));
    for (int o = lo; o <= hi; ++o) {
      if (x_major) {
        detail::draw::put(image, px, py + o, colour);
      } else {
        detail::draw::put(image, px + o, py, colour);
      }
    }
  }
}

FASTBLOCK_FUNC void draw_marker(Image& image, double x, double y, Rgb colour,
                                const MarkerOptions& options) {
  if (!(options.radius >= 0.0) || !std::isfinite(options.radius))
    throw value_error("fastblock::draw_marker: radius must be a finite number >= 0, got " +
                      std::to_string(options.radius));
  if (!std::isfinite(x) || !std::isfinite(y) || image.empty()) return;
  const double r = options.radius;
  const double reach = r + 2.0 + options.thickness;
  if (x + reach < 0 || y + reach < 0 || x - reach > static_cast<double>(image.width()) ||
      y - reach > static_cast<double>(image.height()))
    return;
  switch (options.shape) {
    case MarkerShape::cross:
      draw_line(image, x - r, y - r, x + r, y + r, colour, {.thickness = options.thickness});
      draw_line(image, x - r, y + r, x + r, y - r, colour, {.thickness = options.thickness});
      return;
    case MarkerShape::plus:
      draw_line(image, x - r, y, x + r, y, colour, {.thickness = options.thickness});
      draw_line(image, x, y - r, x, y + r, colour, {.thickness = options.thickness});
      return;
    case MarkerShape::disc:
    case MarkerShape::circle:
      break;
  }
  const auto cx = static_cast<std::int64_t>(std::lround(x));
  const auto cy = static_cast<std::int64_t>(std::lround(y));
  const auto disc = [&](double radius, double inner, Rgb c) {
    const auto n = static_cast<std::int64_t>(std::ceil(radius));
    const double outer2 = (radius + 0.5) * (radius + 0.5);
    const double inner2 = inner > 0 ? (inner + 0.5) * (inner + 0.5) : -1.0;
    for (std::int64_t oy = -n; oy <= n; ++oy)
      for (std::int64_t ox = -n; ox <= n; ++ox) {
        const auto d2 = static_cast<double>(ox * ox + oy * oy);
        if (d2 <= outer2 && d2 > inner2) detail::draw::put(image, cx + ox, cy + oy, c);
      }
  };
  if (options.shape == MarkerShape::circle) {
    disc(r, r - options.thickness, colour);
    return;
  }
  if (options.outline) disc(r + 1.0, -1.0, *options.outline);
  disc(r, -1.0, colour);
}

FASTBLOCK_FUNC std::int64_t text_length(std::string_view text) noexcept {
  std::int64_t n = 0;
  detail::draw::for_each_char(text, [&](unsigned char) { ++n; });
  return n;
}

FASTBLOCK_FUNC std::int64_t text_width(std::string_view text, int scale) noexcept {
  return text_length(text) * font_glyph_width * std::max(scale, 1);
}

FASTBLOCK_FUNC std::int64_t text_height(int scale) noexcept {
  return static_cast<std::int64_t>(font_glyph_height) * std::max(scale, 1);
}

FASTBLOCK_FUNC std::int64_t draw_text(Image& image, std::int64_t x, std::int64_t y,
                                      std::string_view text, const TextOptions& options) {
  detail::draw::check_scale(options.scale);
  const std::int64_t s = options.scale;
  const std::int64_t width = text_width(text, options.scale);
  const std::int64_t height = text_height(options.scale);
  // The box drawn: width x height, or height x width when turned.
  const std::int64_t box_w = options.rotated ? height : width;
  const std::int64_t box_h = options.rotated ? width : height;
  if (options.background) fill_rect(image, {x, y, box_w, box_h}, *options.background);
  // Entirely outside (x + box_w cannot overflow once x <= width of the image).
  if (x >= image.width() || y >= image.height() || x < -box_w || y < -box_h) return width;
  std::int64_t k = 0;
  detail::draw::for_each_char(text, [&](unsigned char c) {
    const Glyph& g = glyph(has_glyph(c) ? c : static_cast<unsigned char>('?'));
    for (int row = 0; row < font_glyph_height; ++row) {
      for (int col = 0; col < font_glyph_width; ++col) {
        if (((g[static_cast<std::size_t>(row)] >> col) & 1u) == 0) continue;
        const std::int64_t u = (k * font_glyph_width + col) * s;    // along the text
        const std::int64_t v = static_cast<std::int64_t>(row) * s;  // down the glyph
        if (options.rotated) {
          fill_rect(image, {x + v, y + width - u - s, s, s}, options.colour);
        } else {
          fill_rect(image, {x + u, y + v, s, s}, options.colour);
        }
      }
    }
    ++k;
  });
  return width;
}

FASTBLOCK_FUNC void paste(Image& dst, const Image& src, std::int64_t x, std::int64_t y) {
  const auto [x0, x1] = detail::draw::clip_span(x, src.width(), dst.width());
  const auto [y0, y1] = detail::draw::clip_span(y, src.height(), dst.height());
  if (x0 >= x1 || y0 >= y1) return;
  const std::uint8_t* from = src.data().data();
  std::uint8_t* to = dst.data().data();
  for (std::int64_t row = y0; row < y1; ++row) {
    const std::uint8_t* s = from + ((row - y) * src.width() + (x0 - x)) * 3;
    std::copy(s, s + (x1 - x0) * 3, to + (row * dst.width() + x0) * 3);
  }
}

FASTBLOCK_FUNC Image thumbnail(const Image& image, std::int64_t max_width,
                               std::int64_t max_height) {
  if (image.empty()) throw value_error("fastblock::thumbnail: the image is empty (0 x 0)");
  if (max_width < 1 || max_height < 1)
    throw value_error("fastblock::thumbnail: the box must be at least 1 x 1 pixels, got " +
                      std::to_string(max_width) + " x " + std::to_string(max_height));
  const double scale =
      std::min(static_cast<double>(max_width) / static_cast<double>(image.width()),
               static_cast<double>(max_height) / static_cast<double>(image.height()));
  const std::int64_t w = std::clamp<std::int64_t>(
      std::llround(static_cast<double>(image.width()) * scale), 1, max_width);
  const std::int64_t h = std::clamp<std::int64_t>(
      std::llround(static_cast<double>(image.height()) * scale), 1, max_height);
  if (w == image.width() && h == image.height()) return image;
  return resize_image(image, w, h);
}

}  // namespace fastblock
