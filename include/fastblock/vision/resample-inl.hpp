// fastblock/vision/resample-inl.hpp — out-of-line definitions for vision/resample.hpp.
//
// Included by resample.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes. The
// coefficient computation follows Pillow's Resample.c (precompute_coeffs, normalize_coeffs_8bpc,
// ImagingResampleHorizontal_8bpc / Vertical_8bpc) so that results match what fastai gets from PIL.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/vision/image.hpp>
#include <fastblock/vision/resample.hpp>

namespace fastblock {

namespace detail::resample {

/// Pillow's fixed-point precision for 8-bit images.
inline constexpr int precision_bits = 32 - 8 - 2;

/// The taps of one axis: for each output position, `ksize` source indices (always inside the
/// image) and fixed-point weights (0 for unused taps and zero padding).
struct AxisTaps {
  /// Taps per output position.
  std::size_t ksize = 0;
  /// ksize source indices per output position.
  std::vector<std::int32_t> index;
  /// ksize weights per output position, summing to about 1 << precision_bits.
  std::vector<std::int32_t> weight;
};

/// Where box position `i` (source coordinates, maybe outside [0, n)) reads from under `mode`;
/// -1 for zero padding.
FASTBLOCK_FUNC std::int64_t padded_index(std::int64_t i, std::int64_t n, PadMode mode) {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case PadMode::zeros:
      return -1;
    case PadMode::border:
      return i < 0 ? 0 : n - 1;
    case PadMode::reflection:
      break;
  }
  if (n == 1) return 0;
  const std::int64_t period = 2 * (n - 1);
  std::int64_t m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - m;
}

/// The taps of one axis: the box [start, start + len) of a source of `src_len` pixels resized to
/// `total` pixels, of which outputs [first, first + count) are kept.
FASTBLOCK_FUNC AxisTaps axis_taps(std::int64_t src_len, std::int64_t start, std::int64_t len,
                                  std::int64_t total, std::int64_t first, std::int64_t count,
                                  PadMode mode) {
  // Pillow's precompute_coeffs, with the box as the input (in0 = 0, in1 = inSize = len).
  const double scale = static_cast<double>(static_cast<float>(len)) / static_cast<double>(total);
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = 1.0 * filterscale;
  AxisTaps taps;
  taps.ksize = static_cast<std::size_t>(std::ceil(support)) * 2 + 1;
  const std::size_t k = taps.ksize;
  taps.index.assign(static_cast<std::size_t>(count) * k, 0);
  taps.weight.assign(static_cast<std::size_t>(count) * k, 0);
  std::vector<double> w(k);
  std::size_t used = 0;  // the most taps any output needs
  for (std::int64_t j = 0; j < count; ++j) {
    const double center = (static_cast<double>(first + j) + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    std::int64_t xmin = static_cast<std::int64_t>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    std::int64_t xmax = static_cast<std::int64_t>(center + support + 0.5);
    if (xmax > len) xmax = len;
    xmax -= xmin;
    if (xmax > static_cast<std::int64_t>(k)) xmax = static_cast<std::int64_t>(k);
    double ww = 0.0;
    for (std::int64_t x = 0; x < xmax; ++x) {
      double t = (static_cast<double>(x + xmin) - center + 0.5) * ss;
      if (t < 0.0) t = -t;
      w[static_cast<std::size_t>(x)] = t < 1.0 ? 1.0 - t : 0.0;
      ww += w[static_cast<std::size_t>(x)];
    }
    const std::size_t row = static_cast<std::size_t>(j) * k;
    std::int64_t fallback = padded_index(start + xmin, src_len, PadMode::border);
    for (std::int64_t x = 0; x < xmax; ++x) {
      const double v =
          ww != 0.0 ? w[static_cast<std::size_t>(x)] / ww : w[static_cast<std::size_t>(x)];
      std::int32_t fixed = static_cast<std::int32_t>(v < 0 ? -0.5 + v * (1 << precision_bits)
                                                           : 0.5 + v * (1 << precision_bits));
      std::int64_t src = padded_index(start + xmin + x, src_len, mode);
      if (src < 0) {  // zero padding: a black pixel, i.e. no contribution
        src = fallback;
        fixed = 0;
      }
      taps.index[row + static_cast<std::size_t>(x)] = static_cast<std::int32_t>(src);
      taps.weight[row + static_cast<std::size_t>(x)] = fixed;
    }
    for (std::size_t x = static_cast<std::size_t>(std::max<std::int64_t>(xmax, 0)); x < k; ++x)
      taps.index[row + x] = static_cast<std::int32_t>(fallback);
    used = std::max(used, static_cast<std::size_t>(std::max<std::int64_t>(xmax, 1)));
  }
  // Drop the trailing taps no output uses (Pillow's ksize is an upper bound), so the pixel loops
  // run only over real ones.
  if (used < k) {
    for (std::int64_t j = 0; j < count; ++j)
      for (std::size_t x = 0; x < used; ++x) {
        taps.index[static_cast<std::size_t>(j) * used + x] =
            taps.index[static_cast<std::size_t>(j) * k + x];
        taps.weight[static_cast<std::size_t>(j) * used + x] =
            taps.weight[static_cast<std::size_t>(j) * k + x];
      }
    taps.ksize = used;
    taps.index.resize(static_cast<std::size_t>(count) * used);
    taps.weight.resize(static_cast<std::size_t>(count) * used);
  }
  return taps;
}

/// dst[c][r] = src[r][c] for `rows` x `cols` RGB pixels (rows `src_stride` and `dst_stride`
/// bytes apart). Each pixel moves as 4 bytes, 2-3x faster than 3 single bytes: the spare byte
/// written lands on the next pixel of the destination row, written afterwards, or, after a row's
/// last pixel, on a spare byte the caller leaves (dst_stride > rows * 3); one is read past a
/// source pixel only below `src_end`.
FASTBLOCK_FUNC void transpose_pixels(const std::uint8_t* src, std::size_t src_stride,
                                     std::size_t rows, std::size_t cols, std::uint8_t* dst,
                                     std::size_t dst_stride, const std::uint8_t* src_end) {
  for (std::size_t r = 0; r < rows; ++r) {
    const std::uint8_t* in = src + r * src_stride;
    std::uint8_t* out = dst + r * 3;
    for (std::size_t c = 0; c < cols; ++c, in += 3, out += dst_stride) {
      if (in + 4 <= src_end) {
        std::memcpy(out, in, 4);
      } else {
        out[0] = in[0];
        out[1] = in[1];
        out[2] = in[2];
      }
    }
  }
}

/// Pillow's clip8: the rounded fixed-point sum as a byte.
FASTBLOCK_FUNC std::uint8_t clip8(std::int32_t v) {
  return static_cast<std::uint8_t>(std::clamp(v >> precision_bits, 0, 255));
}

// The two loops every output byte goes through. They run in blocks of 16 because g++ -O2
// vectorises only loops without a scalar remainder (its "very cheap" cost model): without the
// blocks, a program built at -O2 resized 4x slower than at -O3.
inline constexpr std::size_t block = 16;

/// acc[i] += in[i] * w for i < n.
FASTBLOCK_FUNC void accumulate(std::int32_t* __restrict acc, const std::uint8_t* __restrict in,
                               std::size_t n, std::int32_t w) {
  std::size_t i = 0;
  for (; i + block <= n; i += block)
    for (std::size_t j = 0; j < block; ++j) acc[i + j] += in[i + j] * w;
  for (; i < n; ++i) acc[i] += in[i] * w;
}

/// out[i] = clip8(acc[i]) for i < n, and acc[i] = `reset` for the next sum.
FASTBLOCK_FUNC void store_clipped(std::uint8_t* __restrict out, std::int32_t* __restrict acc,
                                  std::size_t n, std::int32_t reset) {
  std::size_t i = 0;
  for (; i + block <= n; i += block)
    for (std::size_t j = 0; j < block; ++j) {
      out[i + j] = clip8(acc[i + j]);
      acc[i + j] = reset;
    }
  for (; i < n; ++i) {
    out[i] = clip8(acc[i]);
    acc[i] = reset;
  }
}

/// value_error for a CropResize field.
FASTBLOCK_FUNC void check(bool ok, const CropResize& g, const char* what) {
  if (!ok)
    throw value_error(std::string("fastblock::crop_resize: invalid geometry ") + repr(g) + ": " +
                      what);
}

}  // namespace detail::resample

FASTBLOCK_FUNC std::string repr(const CropResize& g) {
  const auto s = [](std::int64_t v) { return std::to_string(v); };
  return "box (" + s(g.left) + ", " + s(g.top) + ", " + s(g.width) + ", " + s(g.height) +
         ") -> resize " + s(g.resize_w) + "x" + s(g.resize_h) + " -> window (" + s(g.out_left) +
         ", " + s(g.out_top) + ", " + s(g.out_width) + ", " + s(g.out_height) + ")";
}

FASTBLOCK_FUNC Image crop_resize(const Image& image, const CropResize& g) {
  namespace r = detail::resample;
  if (image.empty())
    throw value_error("fastblock::crop_resize: the image is empty (" +
                      std::to_string(image.width()) + "x" + std::to_string(image.height()) + ")");
  constexpr std::int64_t limit = 1 << 20;  // no side of a box or output beyond a million pixels
  r::check(g.width >= 1 && g.height >= 1 && g.width <= limit && g.height <= limit, g,
           "the box must be 1 to 2^20 pixels wide and high");
  r::check(g.left > -limit && g.top > -limit && g.left < limit && g.top < limit, g,
           "the box must start within 2^20 pixels of the image");
  r::check(g.resize_w >= 1 && g.resize_h >= 1 && g.resize_w <= limit && g.resize_h <= limit, g,
           "the resized size must be 1 to 2^20 pixels");
  r::check(g.out_width >= 1 && g.out_height >= 1 && g.out_left >= 0 && g.out_top >= 0 &&
               g.out_left + g.out_width <= g.resize_w && g.out_top + g.out_height <= g.resize_h,
           g, "the window must lie inside the resized box");
  const r::AxisTaps xt =
      r::axis_taps(image.width(), g.left, g.width, g.resize_w, g.out_left, g.out_width, g.pad_mode);
  const r::AxisTaps yt = r::axis_taps(image.height(), g.top, g.height, g.resize_h, g.out_top,
                                      g.out_height, g.pad_mode);

  // Source rows the vertical pass reads.
  const auto [row_lo, row_hi] = std::minmax_element(yt.index.begin(), yt.index.end());
  const std::int64_t first_row = *row_lo, n_rows = *row_hi - *row_lo + 1;
  const std::size_t out_w = static_cast<std::size_t>(g.out_width);
  const std::size_t src_w = static_cast<std::size_t>(image.width());
  const std::uint8_t* src = image.data().data();
  constexpr std::int32_t half = 1 << (r::precision_bits - 1);

  // Horizontal pass: the needed rows, each to out_width pixels. It runs on the box transposed
  // (source columns as rows), so that each output column is a sum of whole source columns
  // weighted by one number, a loop the compiler vectorises like the vertical pass below; a
  // per-pixel gather over 3-byte pixels does not vectorise and took twice as long, transposes
  // included. The integer sums are the same, so the bytes are Pillow's either way. Transposed
  // rows carry one spare byte (see transpose_pixels).
  const auto [col_lo, col_hi] = std::minmax_element(xt.index.begin(), xt.index.end());
  const std::int64_t first_col = *col_lo, n_cols = *col_hi - *col_lo + 1;
  const std::size_t col_bytes = static_cast<std::size_t>(n_rows) * 3, col_stride = col_bytes + 1;
  const std::size_t row_bytes = out_w * 3, row_stride = row_bytes + 1;
  // One scratch buffer for the three stages, left uninitialised: every byte read is written
  // first (zeroing it cost 6% of the time, and the page faults of a fresh buffer 13%).
  const std::size_t columns_size = static_cast<std::size_t>(n_cols) * col_stride,
                    temp_t_size = out_w * col_stride,
                    temp_size = static_cast<std::size_t>(n_rows) * row_stride;
  const auto scratch =
      std::make_unique_for_overwrite<std::uint8_t[]>(columns_size + temp_t_size + temp_size);
  std::uint8_t* const columns = scratch.get();
  std::uint8_t* const temp_t = columns + columns_size;  // out_width rows of n_rows pixels
  std::uint8_t* const temp = temp_t + temp_t_size;
  r::transpose_pixels(
      src + (static_cast<std::size_t>(first_row) * src_w + static_cast<std::size_t>(first_col)) * 3,
      src_w * 3, static_cast<std::size_t>(n_rows), static_cast<std::size_t>(n_cols), columns,
      col_stride, src + image.data().size());
  const std::size_t kx = xt.ksize;
  std::vector<std::int32_t> acc(std::max(col_bytes, out_w * 3), half);
  for (std::size_t x = 0; x < out_w; ++x) {
    for (std::size_t k = 0; k < kx; ++k) {
      const std::int32_t wk = xt.weight[x * kx + k];
      if (wk == 0) continue;
      const std::uint8_t* in =
          columns + static_cast<std::size_t>(xt.index[x * kx + k] - first_col) * col_stride;
      r::accumulate(acc.data(), in, col_bytes, wk);
    }
    r::store_clipped(temp_t + x * col_stride, acc.data(), col_bytes, half);
  }
  r::transpose_pixels(temp_t, col_stride, out_w, static_cast<std::size_t>(n_rows), temp, row_stride,
                      temp_t + temp_t_size);

  // Vertical pass: each output row accumulates ky rows of temp.
  Image result(g.out_width, g.out_height);
  std::uint8_t* dst = result.data().data();
  const std::size_t ky = yt.ksize;
  for (std::int64_t y = 0; y < g.out_height; ++y) {
    for (std::size_t k = 0; k < ky; ++k) {
      const std::size_t at = static_cast<std::size_t>(y) * ky + k;
      const std::int32_t wk = yt.weight[at];
      if (wk == 0) continue;
      const std::uint8_t* in =
          temp + static_cast<std::size_t>(yt.index[at] - first_row) * row_stride;
      r::accumulate(acc.data(), in, row_bytes, wk);
    }
    r::store_clipped(dst + static_cast<std::size_t>(y) * row_bytes, acc.data(), row_bytes, half);
  }
  return result;
}

FASTBLOCK_FUNC Image resize_image(const Image& image, std::int64_t width, std::int64_t height) {
  return crop_resize(image, CropResize{.left = 0,
                                       .top = 0,
                                       .width = image.width(),
                                       .height = image.height(),
                                       .resize_w = width,
                                       .resize_h = height,
                                       .out_left = 0,
                                       .out_top = 0,
                                       .out_width = width,
                                       .out_height = height,
                                       .pad_mode = PadMode::reflection});
}

}  // namespace fastblock
