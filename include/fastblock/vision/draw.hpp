// fastblock/vision/draw.hpp — drawing on an Image: rectangles, lines, markers, text, pasting.
//
// Contract: every function here draws into an Image in place and is clipped to it: coordinates
// may be negative, far outside the image or (for lines and markers) not finite, and nothing is
// ever written outside the pixels (a shape entirely outside draws nothing; a NaN or infinite
// coordinate draws nothing). Pixel (x, y) covers the unit square whose centre is (x, y): x grows
// to the right, y downwards, as in Image. Rectangles take their top-left corner and size in
// whole pixels; lines and markers take real coordinates of pixel centres. Colours are opaque
// (no blending), so a drawing is exact and testable pixel by pixel. Text uses the embedded 8x8
// font (vision/font.hpp) scaled by a whole factor: each character is 8*scale pixels wide and
// tall; printable ASCII draws as itself, any other byte as '?', and a UTF-8 sequence counts as
// one character (drawn as one '?'), so text_width matches what draw_text covers. Bad options (a
// scale or thickness below 1, a radius below 0) are value_error naming the value.
//
// paste and thumbnail build grids of pictures: paste copies one image into another at an offset
// (clipped), thumbnail shrinks an image to fit a box keeping its aspect ratio, resampling with
// resize_image (PIL's bilinear filter, vision/resample.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/vision/image.hpp>

namespace fastblock {

/// A few named colours for drawings.
namespace colours {
/// Black.
inline constexpr Rgb black{0, 0, 0};
/// White.
inline constexpr Rgb white{255, 255, 255};
/// The dark grey of captions and axes.
inline constexpr Rgb dark{34, 34, 34};
/// The light grey of plot grids.
inline constexpr Rgb grid{228, 228, 228};
/// A mid grey.
inline constexpr Rgb grey{127, 127, 127};
/// matplotlib's blue (tab:blue).
inline constexpr Rgb blue{31, 119, 180};
/// matplotlib's orange (tab:orange).
inline constexpr Rgb orange{255, 127, 14};
/// matplotlib's green (tab:green).
inline constexpr Rgb green{44, 160, 44};
/// matplotlib's red (tab:red).
inline constexpr Rgb red{214, 39, 40};
/// matplotlib's purple (tab:purple).
inline constexpr Rgb purple{148, 103, 189};
}  // namespace colours

/// The k-th colour of matplotlib's default cycle (tab10), cycling for k >= 10.
[[nodiscard]] Rgb cycle_colour(std::size_t k) noexcept;

/// A rectangle of whole pixels: top-left corner (x, y), width w, height h.
struct Rect {
  /// Left column.
  std::int64_t x = 0;
  /// Top row.
  std::int64_t y = 0;
  /// Width in pixels (nothing is drawn when it is not positive).
  std::int64_t w = 0;
  /// Height in pixels (nothing is drawn when it is not positive).
  std::int64_t h = 0;
  /// Whether both are the same rectangle.
  friend bool operator==(const Rect&, const Rect&) = default;
};

/// Fills `rect` (clipped to the image) with `colour`.
void fill_rect(Image& image, Rect rect, Rgb colour);

/// Draws the outline of `rect`, `thickness` pixels wide inside its border (clipped);
/// value_error when thickness < 1.
void draw_rect(Image& image, Rect rect, Rgb colour, int thickness = 1);

/// Options of draw_line.
struct LineOptions {
  /// Width of the line in pixels, across its main direction (1 to 16; value_error otherwise).
  int thickness = 1;
  /// Length in pixels of the dashes and of the gaps between them; 0 draws a solid line.
  int dash = 0;
};

/// Draws the segment from (x0, y0) to (x1, y1) (pixel centres, any direction, any length),
/// clipped to the image; both end pixels are set. Nothing is drawn when a coordinate is NaN or
/// infinite. value_error for a thickness outside 1 to 16 or a negative dash.
void draw_line(Image& image, double x0, double y0, double x1, double y1, Rgb colour,
               const LineOptions& options = {});

/// Shapes of draw_marker.
enum class MarkerShape {
  /// A filled disc.
  disc,
  /// An 'x' of two diagonal strokes.
  cross,
  /// A '+' of a horizontal and a vertical stroke.
  plus,
  /// The outline of a circle.
  circle,
};

/// Options of draw_marker.
struct MarkerOptions {
  /// The shape.
  MarkerShape shape = MarkerShape::disc;
  /// Half the marker's extent in pixels (0 draws one pixel); value_error when negative.
  double radius = 3.0;
  /// Stroke width of crosses, pluses and circles.
  int thickness = 2;
  /// A ring of this colour drawn around a disc first (so markers show on any background).
  std::optional<Rgb> outline = std::nullopt;
};

/// Draws a marker centred on (x, y), clipped; nothing when x or y is not finite.
void draw_marker(Image& image, double x, double y, Rgb colour, const MarkerOptions& options = {});

/// Options of draw_text.
struct TextOptions {
  /// Colour of the glyphs' pixels.
  Rgb colour = colours::black;
  /// Whole magnification of the 8x8 font (1 to 64; value_error otherwise): characters are
  /// 8*scale pixels wide and tall.
  int scale = 1;
  /// When set, the text's whole box (text_width x text_height) is filled with it first.
  std::optional<Rgb> background = std::nullopt;
  /// Draw the text turned a quarter counter-clockwise (reading upwards, as a y-axis label);
  /// (x, y) is then the top-left corner of the turned box, text_height wide and text_width tall.
  bool rotated = false;
};

/// Number of characters draw_text draws for `text` (a UTF-8 sequence counts as one).
[[nodiscard]] std::int64_t text_length(std::string_view text) noexcept;

/// Width in pixels of `text` drawn at `scale` (8 * scale per character).
[[nodiscard]] std::int64_t text_width(std::string_view text, int scale = 1) noexcept;

/// Height in pixels of a line of text at `scale` (8 * scale).
[[nodiscard]] std::int64_t text_height(int scale = 1) noexcept;

/// Draws `text` with its top-left corner at (x, y) in the 8x8 font (see the file comment),
/// clipped to the image. Returns the width drawn, text_width(text, options.scale).
std::int64_t draw_text(Image& image, std::int64_t x, std::int64_t y, std::string_view text,
                       const TextOptions& options = {});

/// Copies `src` into `dst` with its top-left corner at (x, y); the part outside `dst` is left
/// out.
void paste(Image& dst, const Image& src, std::int64_t x, std::int64_t y);

/// `image` resized to fit inside max_width x max_height, keeping its aspect ratio (each side at
/// least 1 pixel); enlarged too when smaller. value_error for an empty image or a box under 1
/// pixel.
[[nodiscard]] Image thumbnail(const Image& image, std::int64_t max_width, std::int64_t max_height);

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/vision/draw-inl.hpp>
#endif
