// fastblock/vision/resample.hpp — cropping, padding and resizing an Image in one resampling.
//
// Contract: every geometric item transform (Resize, RandomResizedCrop, CenterCrop) reduces to a
// CropResize: take the box (left, top, width, height) of the source, which may reach outside the
// image (the outside is padded by pad_mode, as fastai pads before resizing), resize that box to
// resize_w x resize_h, and keep the window (out_left, out_top, out_width, out_height) of the
// result. crop_resize() does all of it in one resampling of the uint8 image, with PIL's BILINEAR
// filter as fastai uses it through PIL: a triangle filter over pixel centres, widened by the
// shrink factor when shrinking (antialiased), weights normalised over the box and rounded to 22-bit
// fixed point, a horizontal then a vertical pass with 8-bit rounding in between. The x and y
// (index, weight) tables are computed once per call, so the pixel loops have no branches; the
// padded positions become ordinary table entries (a reflected or clamped index, or weight 0 for
// zeros). Geometry is validated (value_error naming the field) and indices never leave the image.
// Points will use the same CropResize to move with their pixels.
#pragma once

#include <cstdint>
#include <string>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/vision/image.hpp>

namespace fastblock {

/// How a box reaching outside the image is filled (fastai's PadMode).
enum class PadMode {
  /// Black.
  zeros,
  /// The edge pixel repeated (numpy's 'edge').
  border,
  /// Mirrored without repeating the edge (numpy's 'reflect'), fastai's default for Resize.
  reflection,
};

/// The geometry of one crop-pad-resize (see the file comment); all sizes in pixels.
struct CropResize {
  /// Left edge of the box in the source; negative or past the image means padding.
  std::int64_t left = 0;
  /// Top edge of the box in the source.
  std::int64_t top = 0;
  /// Width of the box (at least 1).
  std::int64_t width = 0;
  /// Height of the box (at least 1).
  std::int64_t height = 0;
  /// Width the box is resized to.
  std::int64_t resize_w = 0;
  /// Height the box is resized to.
  std::int64_t resize_h = 0;
  /// Left edge of the kept window of the resized box.
  std::int64_t out_left = 0;
  /// Top edge of the kept window.
  std::int64_t out_top = 0;
  /// Width of the kept window (the output width).
  std::int64_t out_width = 0;
  /// Height of the kept window (the output height).
  std::int64_t out_height = 0;
  /// How the outside of the image is filled.
  PadMode pad_mode = PadMode::reflection;
  /// The decode_shrink() of the image the geometry is for: points, which stay in the file's
  /// pixels, are divided by it before they move (the pixels ignore it).
  std::int64_t source_shrink = 1;
  /// Whether two geometries are the same.
  friend bool operator==(const CropResize&, const CropResize&) = default;
};

/// "box (l, t, w, h) -> resize WxH -> window (l, t, w, h)", for messages and summary().
[[nodiscard]] std::string repr(const CropResize& geometry);

/// The image cropped, padded and resized as `geometry` says, in one resampling (see the file
/// comment). value_error when the image is empty or the geometry is not valid (a box or size
/// under 1 pixel, a window outside the resized box, a box absurdly larger than the image).
[[nodiscard]] Image crop_resize(const Image& image, const CropResize& geometry);

/// `image` resized to width x height (PIL's `image.resize((width, height), BILINEAR)`).
[[nodiscard]] Image resize_image(const Image& image, std::int64_t width, std::int64_t height);

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/vision/resample-inl.hpp>
#endif
