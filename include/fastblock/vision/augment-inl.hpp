// fastblock/vision/augment-inl.hpp — out-of-line definitions for vision/augment.hpp.
//
// Included by augment.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes. The draws follow
// fastai 2.7's vision/augment.py (flip_mat, dihedral_mat, _WarpCoord, find_coeffs, rotate_mat,
// zoom_mat, _prepare_mat, _BrightnessLogit, _ContrastLogit) and the sampling torch's grid_sample
// (bilinear, align_corners = True, reflect_coordinates / clip_coordinates).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/core/random.hpp>
#include <fastblock/tensor/tensor.hpp>
#include <fastblock/vision/augment.hpp>
#include <fastblock/vision/points.hpp>

namespace fastblock {

namespace detail::augment {

/// A row-major 3x3 matrix.
using Mat3 = std::array<double, 9>;

/// a · b.
FASTBLOCK_FUNC Mat3 matmul(const Mat3& a, const Mat3& b) {
  Mat3 r{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      double s = 0.0;
      for (int k = 0; k < 3; ++k)
        s += a[static_cast<std::size_t>(i * 3 + k)] * b[static_cast<std::size_t>(k * 3 + j)];
      r[static_cast<std::size_t>(i * 3 + j)] = s;
    }
  return r;
}

/// The adjugate of `m`: its inverse up to a factor, which a homography does not mind.
FASTBLOCK_FUNC Mat3 adjugate(const Mat3& m) {
  return {m[4] * m[8] - m[5] * m[7], m[2] * m[7] - m[1] * m[8], m[1] * m[5] - m[2] * m[4],
          m[5] * m[6] - m[3] * m[8], m[0] * m[8] - m[2] * m[6], m[2] * m[3] - m[0] * m[5],
          m[3] * m[7] - m[4] * m[6], m[1] * m[6] - m[0] * m[7], m[0] * m[4] - m[1] * m[3]};
}

/// `h` applied to (u, v); the point is left as it is where the denominator is 0 (as fastai's
/// apply_perspective).
FASTBLOCK_FUNC void apply_homography(const Mat3& h, double& u, double& v) {
  const double den = h[6] * u + h[7] * v + h[8];
  if (den == 0.0) return;
  const double x = (h[0] * u + h[1] * v + h[2]) / den;
  const double y = (h[3] * u + h[4] * v + h[5]) / den;
  u = x;
  v = y;
}

/// fastai's find_coeffs(p1, p2): the homography mapping each p2[i] to p1[i] (8 unknowns, the
/// last coefficient 1), by Gaussian elimination with partial pivoting.
FASTBLOCK_FUNC Mat3 find_coeffs(const std::array<std::array<double, 2>, 4>& p1,
                                const std::array<std::array<double, 2>, 4>& p2) {
  std::array<std::array<double, 9>, 8> a{};  // augmented [A | B]
  for (std::size_t i = 0; i < 4; ++i) {
    const double x2 = p2[i][0], y2 = p2[i][1], x1 = p1[i][0], y1 = p1[i][1];
    a[2 * i] = {x2, y2, 1.0, 0.0, 0.0, 0.0, -x1 * x2, -x1 * y2, x1};
    a[2 * i + 1] = {0.0, 0.0, 0.0, x2, y2, 1.0, -y1 * x2, -y1 * y2, y1};
  }
  for (std::size_t col = 0; col < 8; ++col) {
    std::size_t pivot = col;
    for (std::size_t r = col + 1; r < 8; ++r)
      if (std::fabs(a[r][col]) > std::fabs(a[pivot][col])) pivot = r;
    std::swap(a[col], a[pivot]);
    const double d = a[col][col];
    if (d == 0.0) return {1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0};  // degenerate: identity
    for (std::size_t r = 0; r < 8; ++r) {
      if (r == col) continue;
      const double f = a[r][col] / d;
      if (f == 0.0) continue;
      for (std::size_t k = col; k < 9; ++k) a[r][k] -= f * a[col][k];
    }
  }
  Mat3 h{};
  for (std::size_t i = 0; i < 8; ++i) h[i] = a[i][8] / a[i][i];
  h[8] = 1.0;
  return h;
}

/// lo + (hi - lo) · U(0, 1): Python's random.uniform, also for lo == hi.
FASTBLOCK_FUNC double uniform(Generator& rng, double lo, double hi) {
  return lo + (hi - lo) * rng.uniform();
}

/// Where position `x` of an axis of `n` pixels samples under `mode` (torch's grid_sample with
/// align_corners = True: reflection about the centres of pixels 0 and n - 1, then clipping).
FASTBLOCK_FUNC double pad_coordinate(double x, std::int64_t n, PadMode mode) {
  const double hi = static_cast<double>(n - 1);
  switch (mode) {
    case PadMode::zeros:
      return x;
    case PadMode::border:
      return std::clamp(x, 0.0, hi);
    case PadMode::reflection:
      break;
  }
  if (n <= 1) return 0.0;
  const double in = std::fabs(x);
  const double extra = std::fmod(in, hi);
  const double flips = std::floor(in / hi);
  const double r = std::fmod(flips, 2.0) == 0.0 ? extra : hi - extra;
  return std::clamp(r, 0.0, hi);
}

/// One output pixel's bilinear taps: four source offsets within a plane and their weights
/// (weight 0, offset 0 for neighbours outside the image).
struct Tap {
  std::array<std::int32_t, 4> at{};
  std::array<float, 4> w{};
};

/// Normalised coordinate (align_corners = True) of pixel centre `i` of an axis of `n` pixels.
FASTBLOCK_FUNC double grid_coordinate(std::int64_t i, std::int64_t n) {
  if (n <= 1) return 0.0;
  return 2.0 * static_cast<double>(i) / static_cast<double>(n - 1) - 1.0;
}

/// The taps of every output pixel of one item, row by row.
FASTBLOCK_FUNC void build_taps(const ItemCoordMap& m, const CoordTfmDraw& d, PadMode mode,
                               std::vector<Tap>& taps) {
  const std::int64_t ow = d.out_w, oh = d.out_h, iw = d.in_w, ih = d.in_h;
  taps.resize(static_cast<std::size_t>(ow * oh));
  const auto& a = m.affine;
  std::vector<double> us(static_cast<std::size_t>(ow));
  for (std::int64_t i = 0; i < ow; ++i) us[static_cast<std::size_t>(i)] = grid_coordinate(i, ow);
  const double sx = static_cast<double>(iw - 1) / 2.0, sy = static_cast<double>(ih - 1) / 2.0;
  for (std::int64_t j = 0; j < oh; ++j) {
    const double v0 = grid_coordinate(j, oh);
    for (std::int64_t i = 0; i < ow; ++i) {
      const double u0 = us[static_cast<std::size_t>(i)];
      double u = a[0] * u0 + a[1] * v0 + a[2];
      double v = a[3] * u0 + a[4] * v0 + a[5];
      if (m.has_warp) apply_homography(m.warp, u, v);
      Tap& t = taps[static_cast<std::size_t>(j * ow + i)];
      t = Tap{};
      const double px = pad_coordinate((u + 1.0) * sx, iw, mode);
      const double py = pad_coordinate((v + 1.0) * sy, ih, mode);
      if (!std::isfinite(px) || !std::isfinite(py)) continue;
      const double fx0 = std::floor(px), fy0 = std::floor(py);
      // Far outside (zeros padding): no neighbour is inside; avoid overflowing the casts.
      if (fx0 < -2.0 || fy0 < -2.0 || fx0 > static_cast<double>(iw) ||
          fy0 > static_cast<double>(ih))
        continue;
      const auto x0 = static_cast<std::int64_t>(fx0), y0 = static_cast<std::int64_t>(fy0);
      const double fx = px - fx0, fy = py - fy0;
      const std::array<double, 4> w{(1.0 - fx) * (1.0 - fy), fx * (1.0 - fy), (1.0 - fx) * fy,
                                    fx * fy};
      for (std::size_t k = 0; k < 4; ++k) {
        const std::int64_t x = x0 + static_cast<std::int64_t>(k & 1u);
        const std::int64_t y = y0 + static_cast<std::int64_t>(k >> 1u);
        if (x < 0 || x >= iw || y < 0 || y >= ih || w[k] == 0.0) continue;
        t.at[k] = static_cast<std::int32_t>(y * iw + x);
        t.w[k] = static_cast<float>(w[k]);
      }
    }
  }
}

/// value_error naming `name` unless `ok`.
FASTBLOCK_FUNC void require(bool ok, const char* name, double value, const char* domain) {
  if (!ok)
    throw value_error(std::string("fastblock::aug_transforms: ") + name + " must be " + domain +
                      ", got " + std::to_string(value));
}

FASTBLOCK_FUNC void check_options(const AugmentOptions& o) {
  require(std::isfinite(o.mult) && o.mult >= 0.0, "mult", o.mult, ">= 0");
  require(std::isfinite(o.max_rotate) && o.max_rotate >= 0.0, "max_rotate", o.max_rotate, ">= 0");
  require(std::isfinite(o.min_zoom) && o.min_zoom > 0.0, "min_zoom", o.min_zoom, "> 0");
  require(std::isfinite(o.max_zoom) && o.max_zoom >= o.min_zoom, "max_zoom", o.max_zoom,
          ">= min_zoom");
  require(o.max_lighting >= 0.0 && o.max_lighting * o.mult < 1.0, "max_lighting (times mult)",
          o.max_lighting * o.mult, "in [0, 1)");
  require(o.max_warp >= 0.0 && o.max_warp * o.mult < 1.0, "max_warp (times mult)",
          o.max_warp * o.mult, "in [0, 1)");
  require(o.p_affine >= 0.0 && o.p_affine <= 1.0, "p_affine", o.p_affine, "in [0, 1]");
  require(o.p_lighting >= 0.0 && o.p_lighting <= 1.0, "p_lighting", o.p_lighting, "in [0, 1]");
  if (o.size) fastblock::detail::vision::check_size(*o.size, "aug_transforms");
}

FASTBLOCK_FUNC void check_batch(const Tensor& x, const char* who) {
  if (x.dim() != 4)
    throw shape_error(std::string("fastblock::") + who +
                      ": expected a batch of images [N, C, H, W], got " + x.describe());
}

/// dtype_error / device_error unless `x` is a float32 CPU batch; `who` names the transform.
FASTBLOCK_FUNC void check_float_batch(const Tensor& x, const char* who) {
  check_batch(x, who);
  if (x.dtype() != float32)
    throw dtype_error(std::string("fastblock::") + who + ": expected float32 images, got " +
                      x.describe() +
                      "; IntToFloatTensor (order 10, ImageBlock brings it) must "
                      "run first");
  if (!x.device().is_cpu())
    throw device_error(std::string("fastblock::") + who + ": the images are on " +
                       x.device().str() + "; only the CPU implementation exists so far");
}

/// shape_error unless the draw has one map per item of a batch of `n`.
FASTBLOCK_FUNC void check_items(std::size_t drawn, std::int64_t n, const char* who) {
  if (drawn != static_cast<std::size_t>(n))
    throw shape_error(std::string("fastblock::") + who + ": parameters were drawn for " +
                      std::to_string(drawn) + " items but the batch has " + std::to_string(n));
}

}  // namespace detail::augment

FASTBLOCK_FUNC AffineCoordTfm::AffineCoordTfm(AugmentOptions options) : options_(options) {
  detail::augment::check_options(options_);
}

FASTBLOCK_FUNC CoordTfmDraw AffineCoordTfm::draw_for(std::int64_t n, std::int64_t width,
                                                     std::int64_t height,
                                                     TransformContext& ctx) const {
  namespace a = detail::augment;
  if (n < 0 || width < 1 || height < 1)
    throw value_error("fastblock::AffineCoordTfm: cannot draw for " + std::to_string(n) +
                      " images of " + std::to_string(width) + "x" + std::to_string(height));
  const AugmentOptions& o = options_;
  CoordTfmDraw d{.in_w = width,
                 .in_h = height,
                 .out_w = o.size ? o.size->w : width,
                 .out_h = o.size ? o.size->h : height,
                 .items = {},
                 .identity = !ctx.training};
  if (!ctx.training) return d;
  const double max_rot = o.max_rotate * o.mult, max_warp = o.max_warp * o.mult;
  const double hw = static_cast<double>(height) / static_cast<double>(width);
  d.items.resize(static_cast<std::size_t>(n));
  for (ItemCoordMap& m : d.items) {
    // Flip (p = 0.5) or one of the dihedral maps: always two draws.
    const bool flip = o.do_flip && ctx.rng.bernoulli(0.5);
    const std::int64_t k = ctx.rng.randint(0, 8);
    a::Mat3 f{1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0};
    if (flip && !o.flip_vert) {
      f[0] = -1.0;
    } else if (flip) {
      constexpr std::array<double, 8> xs{1, -1, 1, -1, -1, 1, 1, -1};
      constexpr std::array<double, 8> ys{1, 1, -1, 1, -1, -1, 1, -1};
      constexpr std::array<double, 8> m0{1, 1, 1, 0, 1, 0, 0, 0};
      constexpr std::array<double, 8> m1{0, 0, 0, 1, 0, 1, 1, 1};
      const auto i = static_cast<std::size_t>(k);
      f = {xs[i] * m0[i], xs[i] * m1[i], 0.0, ys[i] * m1[i], ys[i] * m0[i], 0.0, 0.0, 0.0, 1.0};
    }
    // Warp: two magnitudes, each masked with p_affine.
    const bool wx_on = ctx.rng.bernoulli(o.p_affine);
    const double wx = a::uniform(ctx.rng, -max_warp, max_warp);
    const bool wy_on = ctx.rng.bernoulli(o.p_affine);
    const double wy = a::uniform(ctx.rng, -max_warp, max_warp);
    const double x_t = wx_on ? wx : 0.0, y_t = wy_on ? wy : 0.0;
    // Rotate.
    const bool r_on = ctx.rng.bernoulli(o.p_affine);
    const double deg = a::uniform(ctx.rng, -max_rot, max_rot);
    const double theta = (r_on ? deg : 0.0) * std::numbers::pi / 180.0;
    const a::Mat3 r{std::cos(theta),
                    std::sin(theta),
                    0.0,
                    -std::sin(theta),
                    std::cos(theta),
                    0.0,
                    0.0,
                    0.0,
                    1.0};
    // Zoom about a uniform centre.
    const bool z_on = ctx.rng.bernoulli(o.p_affine);
    const double zoom = a::uniform(ctx.rng, o.min_zoom, o.max_zoom);
    const double col_pct = ctx.rng.uniform(), row_pct = ctx.rng.uniform();
    const double s = 1.0 / (z_on ? zoom : 1.0);
    const a::Mat3 z{s,   0.0, (1.0 - s) * (2.0 * col_pct - 1.0),
                    0.0, s,   (1.0 - s) * (2.0 * row_pct - 1.0),
                    0.0, 0.0, 1.0};
    a::Mat3 mat = a::matmul(a::matmul(f, r), z);
    mat[1] *= hw;  // fastai's _prepare_mat
    mat[3] /= hw;
    m.affine = {mat[0], mat[1], mat[2], mat[3], mat[4], mat[5]};
    if (x_t != 0.0 || y_t != 0.0) {
      const std::array<std::array<double, 2>, 4> orig{{{-1, -1}, {-1, 1}, {1, -1}, {1, 1}}};
      const std::array<std::array<double, 2>, 4> targ{
          {{-1 - y_t, -1 - x_t}, {-1 + y_t, 1 + x_t}, {1 + y_t, -1 + x_t}, {1 - y_t, 1 - x_t}}};
      m.warp = a::find_coeffs(orig, targ);
      m.has_warp = true;
    }
  }
  return d;
}

FASTBLOCK_FUNC TensorImage AffineCoordTfm::operator()(const TensorImage& images,
                                                      const CoordTfmDraw& d) const {
  namespace a = detail::augment;
  a::check_float_batch(images, "AffineCoordTfm");
  const std::int64_t n = images.size(0), c = images.size(1);
  if (images.size(3) != d.in_w || images.size(2) != d.in_h)
    throw shape_error("fastblock::AffineCoordTfm: parameters were drawn for " +
                      std::to_string(d.in_w) + "x" + std::to_string(d.in_h) +
                      " images but the batch is " + images.describe());
  if (!d.identity) a::check_items(d.items.size(), n, "AffineCoordTfm");
  if (d.identity && d.out_w == d.in_w && d.out_h == d.in_h) return images;
  const Tensor x = images.contiguous();
  Tensor out(Shape{n, c, d.out_h, d.out_w}, float32);
  const std::size_t in_plane = static_cast<std::size_t>(d.in_w * d.in_h);
  const std::size_t out_plane = static_cast<std::size_t>(d.out_w * d.out_h);
  const float* src = x.data<float>();
  float* dst = out.data<float>();
  std::vector<a::Tap> taps;
  const ItemCoordMap identity{};
  if (d.identity) a::build_taps(identity, d, options_.pad_mode, taps);
  for (std::int64_t b = 0; b < n; ++b) {
    if (!d.identity)
      a::build_taps(d.items[static_cast<std::size_t>(b)], d, options_.pad_mode, taps);
    for (std::int64_t ch = 0; ch < c; ++ch) {
      const float* in = src + static_cast<std::size_t>(b * c + ch) * in_plane;
      float* o = dst + static_cast<std::size_t>(b * c + ch) * out_plane;
      for (std::size_t p = 0; p < out_plane; ++p) {
        const a::Tap& t = taps[p];
        o[p] = t.w[0] * in[t.at[0]] + t.w[1] * in[t.at[1]] + t.w[2] * in[t.at[2]] +
               t.w[3] * in[t.at[3]];
      }
    }
  }
  return TensorImage(std::move(out));
}

FASTBLOCK_FUNC TensorPoint AffineCoordTfm::operator()(const TensorPoint& points,
                                                      const CoordTfmDraw& d) const {
  namespace a = detail::augment;
  if (points.frame() != PointFrame::scaled)
    throw value_error(
        "fastblock::AffineCoordTfm: expected a batch of points scaled to [-1, 1] "
        "(collation scales them), got pixel points");
  if (points.dim() != 3 || points.size(2) != 2)
    throw shape_error("fastblock::AffineCoordTfm: expected a batch of points [N, n, 2], got " +
                      points.describe());
  if (!points.device().is_cpu())
    throw device_error("fastblock::AffineCoordTfm: the points are on " + points.device().str() +
                       "; only the CPU implementation exists so far");
  const std::int64_t n = points.size(0), np = points.size(1);
  if (!d.identity) a::check_items(d.items.size(), n, "AffineCoordTfm");
  if (d.identity && d.out_w == d.in_w && d.out_h == d.in_h)
    return TensorPoint(points.as_tensor(), d.out_w, d.out_h, PointFrame::scaled, points.outside());
  Tensor v = points.as_tensor().to(float32).clone();
  float* p = v.data<float>();
  // PointScaler's coordinates (edges at -1, 1) to the grid's (pixel centres at -1, 1) and back.
  const auto to_grid = [](std::int64_t size) {
    return size > 1 ? static_cast<double>(size) / static_cast<double>(size - 1) : 1.0;
  };
  const double kx = to_grid(d.in_w), ky = to_grid(d.in_h);
  const double bx = 1.0 / to_grid(d.out_w), by = 1.0 / to_grid(d.out_h);
  for (std::int64_t b = 0; b < n; ++b) {
    a::Mat3 hinv{1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0};
    std::array<double, 6> af{1.0, 0.0, 0.0, 0.0, 1.0, 0.0};
    bool warp = false;
    if (!d.identity) {
      const ItemCoordMap& m = d.items[static_cast<std::size_t>(b)];
      af = m.affine;
      warp = m.has_warp;
      if (warp) hinv = a::adjugate(m.warp);
    }
    const double det = af[0] * af[4] - af[1] * af[3];
    for (std::int64_t i = 0; i < np; ++i) {
      float* q = p + static_cast<std::size_t>((b * np + i) * 2);
      double u = static_cast<double>(q[0]) * kx, w = static_cast<double>(q[1]) * ky;
      if (warp) a::apply_homography(hinv, u, w);
      // The inverse of the affine part: L^-1 (q - t).
      const double du = u - af[2], dw = w - af[5];
      const double ou = (af[4] * du - af[1] * dw) / det;
      const double ow = (-af[3] * du + af[0] * dw) / det;
      q[0] = static_cast<float>(ou * bx);
      q[1] = static_cast<float>(ow * by);
    }
  }
  detail::apply_points_outside(v, points.outside(), {-1.0f, -1.0f}, {1.0f, 1.0f});
  return TensorPoint(std::move(v), d.out_w, d.out_h, PointFrame::scaled, points.outside());
}

FASTBLOCK_FUNC LightingTfm::LightingTfm(AugmentOptions options) : options_(options) {
  detail::augment::check_options(options_);
}

FASTBLOCK_FUNC LightingDraw LightingTfm::draw_for(std::int64_t n, TransformContext& ctx) const {
  namespace a = detail::augment;
  if (n < 0)
    throw value_error("fastblock::LightingTfm: cannot draw for " + std::to_string(n) + " images");
  const AugmentOptions& o = options_;
  const double m = o.max_lighting * o.mult;
  LightingDraw d;
  d.items.assign(static_cast<std::size_t>(n), {0.0f, 1.0f});
  if (!ctx.training) return d;
  for (auto& item : d.items) {
    const bool b_on = ctx.rng.bernoulli(o.p_lighting);
    const double b = a::uniform(ctx.rng, 0.5 * (1.0 - m), 0.5 * (1.0 + m));
    const bool c_on = ctx.rng.bernoulli(o.p_lighting);
    const double c = std::exp(a::uniform(ctx.rng, std::log(1.0 - m), -std::log(1.0 - m)));
    item = {b_on ? static_cast<float>(std::log(b / (1.0 - b))) : 0.0f,
            c_on ? static_cast<float>(c) : 1.0f};
  }
  return d;
}

FASTBLOCK_FUNC TensorImage LightingTfm::operator()(const TensorImage& images,
                                                   const LightingDraw& d) const {
  namespace a = detail::augment;
  a::check_float_batch(images, "LightingTfm");
  const std::int64_t n = images.size(0);
  a::check_items(d.items.size(), n, "LightingTfm");
  const Tensor x = images.contiguous();
  Tensor out(images.shape(), float32);
  const std::size_t per_item = n == 0 ? 0 : static_cast<std::size_t>(images.numel() / n);
  const float* src = x.data<float>();
  float* dst = out.data<float>();
  constexpr float eps = 1e-7f;
  for (std::int64_t b = 0; b < n; ++b) {
    const float* in = src + static_cast<std::size_t>(b) * per_item;
    float* o = dst + static_cast<std::size_t>(b) * per_item;
    const float lb = d.items[static_cast<std::size_t>(b)][0];
    const float c = d.items[static_cast<std::size_t>(b)][1];
    if (lb == 0.0f && c == 1.0f) {
      std::copy(in, in + per_item, o);
      continue;
    }
    for (std::size_t i = 0; i < per_item; ++i) {
      const float v = std::clamp(in[i], eps, 1.0f - eps);
      const float z = c * (std::log(v / (1.0f - v)) + lb);
      o[i] = 1.0f / (1.0f + std::exp(-z));
    }
  }
  return TensorImage(std::move(out));
}

FASTBLOCK_FUNC std::tuple<AffineCoordTfm, LightingTfm> aug_transforms(AugmentOptions options) {
  return {AffineCoordTfm(options), LightingTfm(options)};
}

}  // namespace fastblock
