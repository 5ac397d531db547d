// fastblock/vision/points-inl.hpp — out-of-line definitions for vision/points.hpp.
//
// Included by points.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/data/blocks/uniform.hpp>
#include <fastblock/tensor/tensor.hpp>
#include <fastblock/vision/points.hpp>
#include <fastblock/vision/resample.hpp>

namespace fastblock {

namespace detail {

/// "640x480", or "no size" for points that have none yet.
FASTBLOCK_FUNC std::string points_size_text(std::int64_t w, std::int64_t h) {
  if (w <= 0 || h <= 0) return "no size";
  return std::to_string(w) + "x" + std::to_string(h);
}

/// value_error unless the points know their image size; `who` names the caller.
FASTBLOCK_FUNC void require_points_size(const TensorPoint& p, const char* who) {
  if (!p.has_img_size())
    throw value_error(std::string("fastblock::") + who +
                      ": the points do not know their image size yet (PointBlock's PointScaler "
                      "item transform gives it, or construct them with TensorPoint(t, w, h))");
}

/// A float32, contiguous CPU copy of points [..., 2]; shape_error / device_error otherwise.
FASTBLOCK_FUNC Tensor points_copy(const TensorPoint& p, const char* who) {
  if (!p.device().is_cpu())
    throw device_error(std::string("fastblock::") + who + ": the points are on " +
                       p.device().str() + "; move them to the CPU first");
  if (p.dim() < 1 || p.size(-1) != 2)
    throw shape_error(std::string("fastblock::") + who +
                      ": expected points of shape [..., n, 2], got " + p.describe());
  return p.as_tensor().to(float32).clone();
}

FASTBLOCK_FUNC void apply_points_outside(Tensor& values, PointsOutside policy,
                                         std::array<float, 2> lo, std::array<float, 2> hi) {
  if (policy == PointsOutside::keep) return;
  float* v = values.data<float>();
  const std::size_t n = static_cast<std::size_t>(values.numel() / 2);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (std::size_t i = 0; i < n; ++i) {
    float& x = v[2 * i];
    float& y = v[2 * i + 1];
    if (policy == PointsOutside::clamp) {
      // NaN stays NaN (fmin/fmax would replace it).
      if (x < lo[0]) x = lo[0];
      if (x > hi[0]) x = hi[0];
      if (y < lo[1]) y = lo[1];
      if (y > hi[1]) y = hi[1];
    } else if (x < lo[0] || x > hi[0] || y < lo[1] || y > hi[1]) {
      x = nan;
      y = nan;
    }
  }
}

FASTBLOCK_FUNC void throw_point_size_mismatch(std::int64_t pw, std::int64_t ph, std::int64_t iw,
                                              std::int64_t ih) {
  throw data_error("fastblock::PointScaler: the points refer to a " + points_size_text(pw, ph) +
                   " image but the item's image is " + points_size_text(iw, ih) +
                   "; a transform changed the image's size without moving the points (give it "
                   "an operator()(const TensorPoint&, ...) that moves them)");
}

FASTBLOCK_FUNC TensorPoint collate_points(BatchView<TensorPoint> items) {
  if (items.empty()) return TensorPoint(Tensor(Shape{0, 0, 2}, float32), 0, 0, PointFrame::scaled);
  const TensorPoint& head = items[0];
  std::vector<Tensor> scaled;
  scaled.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const TensorPoint& p = items[i];
    if (!p.has_img_size())
      throw value_error("fastblock::collate: the points of item " + std::to_string(i) +
                        " do not know their image size (PointBlock's PointScaler item transform "
                        "gives it; an item built by hand needs TensorPoint(t, width, height))");
    if (p.img_size() != head.img_size())
      throw shape_error("fastblock::collate: the points of item " + std::to_string(i) +
                        " refer to a " + points_size_text(p.img_width(), p.img_height()) +
                        " image but those of item 0 to a " +
                        points_size_text(head.img_width(), head.img_height()) +
                        " image; resize the images (and their points) in an item transform");
    scaled.push_back(to_scaled(p).as_tensor());
  }
  std::vector<const Tensor*> ptrs;
  ptrs.reserve(scaled.size());
  for (const Tensor& t : scaled) ptrs.push_back(&t);
  return TensorPoint(stack_batch(BatchView<Tensor>(ptrs)), head.img_width(), head.img_height(),
                     PointFrame::scaled, head.outside());
}

}  // namespace detail

FASTBLOCK_FUNC TensorPoint to_points(const Tensor& xy, PointsOutside outside) {
  if (xy.numel() % 2 != 0)
    throw shape_error(
        "fastblock::to_points: points need an even number of values (x, y for each "
        "point), got " +
        xy.describe());
  if (xy.dtype() == boolean)
    throw dtype_error("fastblock::to_points: expected numbers, got " + xy.describe());
  Tensor values = xy.to(cpu).to(float32).clone().reshape(Shape{xy.numel() / 2, 2});
  return TensorPoint(std::move(values), 0, 0, PointFrame::pixels, outside);
}

FASTBLOCK_FUNC TensorPoint crop_resize(const TensorPoint& points, const CropResize& g) {
  if (points.frame() != PointFrame::pixels)
    throw value_error(
        "fastblock::crop_resize: these points are scaled to [-1, 1] (a batch); item "
        "transforms move points in pixels");
  if (g.width < 1 || g.height < 1 || g.resize_w < 1 || g.resize_h < 1 || g.out_width < 1 ||
      g.out_height < 1 || g.source_shrink < 1)
    throw value_error("fastblock::crop_resize: invalid geometry " + repr(g) +
                      ": sizes and source_shrink must be at least 1");
  Tensor v = detail::points_copy(points, "crop_resize");
  // PIL's resampling maps box position (x - left) to (x - left) * resize / box; the float cast of
  // the box size mirrors resample's own scale. A JPEG decoded at 1/k maps the file's x to x / k.
  const double sx = static_cast<double>(g.resize_w) / static_cast<double>(g.width);
  const double sy = static_cast<double>(g.resize_h) / static_cast<double>(g.height);
  const double shrink = static_cast<double>(g.source_shrink);
  float* p = v.data<float>();
  const std::size_t n = static_cast<std::size_t>(v.numel() / 2);
  for (std::size_t i = 0; i < n; ++i) {
    p[2 * i] = static_cast<float>(
        (static_cast<double>(p[2 * i]) / shrink - static_cast<double>(g.left)) * sx -
        static_cast<double>(g.out_left));
    p[2 * i + 1] = static_cast<float>(
        (static_cast<double>(p[2 * i + 1]) / shrink - static_cast<double>(g.top)) * sy -
        static_cast<double>(g.out_top));
  }
  detail::apply_points_outside(v, points.outside(), {0.0f, 0.0f},
                               {static_cast<float>(g.out_width), static_cast<float>(g.out_height)});
  return TensorPoint(std::move(v), g.out_width, g.out_height, PointFrame::pixels, points.outside());
}

FASTBLOCK_FUNC TensorPoint to_scaled(const TensorPoint& points) {
  if (points.frame() == PointFrame::scaled) return points;
  detail::require_points_size(points, "to_scaled");
  Tensor v = detail::points_copy(points, "to_scaled");
  const float w = static_cast<float>(points.img_width());
  const float h = static_cast<float>(points.img_height());
  float* p = v.data<float>();
  const std::size_t n = static_cast<std::size_t>(v.numel() / 2);
  for (std::size_t i = 0; i < n; ++i) {
    p[2 * i] = p[2 * i] * 2.0f / w - 1.0f;
    p[2 * i + 1] = p[2 * i + 1] * 2.0f / h - 1.0f;
  }
  return TensorPoint(std::move(v), points.img_width(), points.img_height(), PointFrame::scaled,
                     points.outside());
}

FASTBLOCK_FUNC TensorPoint to_pixels(const TensorPoint& points) {
  if (points.frame() == PointFrame::pixels) return points;
  detail::require_points_size(points, "to_pixels");
  Tensor v = detail::points_copy(points, "to_pixels");
  const float w = static_cast<float>(points.img_width());
  const float h = static_cast<float>(points.img_height());
  float* p = v.data<float>();
  const std::size_t n = static_cast<std::size_t>(v.numel() / 2);
  for (std::size_t i = 0; i < n; ++i) {
    p[2 * i] = (p[2 * i] + 1.0f) * w / 2.0f;
    p[2 * i + 1] = (p[2 * i + 1] + 1.0f) * h / 2.0f;
  }
  return TensorPoint(std::move(v), points.img_width(), points.img_height(), PointFrame::pixels,
                     points.outside());
}

FASTBLOCK_FUNC TensorPoint batch_item(const TensorPoint& batch, std::int64_t i) {
  if (batch.dim() != 3 || batch.size(2) != 2)
    throw shape_error("fastblock::batch_item: expected a batch of points [bs, n, 2], got " +
                      batch.describe());
  if (i < 0 || i >= batch.size(0))
    throw index_error("fastblock::batch_item: item " + std::to_string(i) +
                      " is out of range for a batch of " + std::to_string(batch.size(0)));
  return batch.with_values(batch[i]);
}

FASTBLOCK_FUNC TensorPoint points_from_output(const Tensor& output, std::int64_t width,
                                              std::int64_t height) {
  if ((output.dim() != 1 && output.dim() != 2) || output.size(-1) % 2 != 0)
    throw shape_error("fastblock::points_from_output: expected [bs, 2n] or [2n] outputs, got " +
                      output.describe());
  if (width < 1 || height < 1)
    throw value_error("fastblock::points_from_output: the image size must be at least 1x1, got " +
                      std::to_string(width) + "x" + std::to_string(height));
  Shape shape = output.shape();
  shape[shape.size() - 1] = output.size(-1) / 2;
  shape.push_back(2);
  return TensorPoint(output.reshape(shape), width, height, PointFrame::scaled);
}

FASTBLOCK_FUNC TensorPoint PointScaler::operator()(const TensorPoint& points,
                                                   const PointImageSize& s) const {
  if (!points.has_img_size()) return points.with_img_size(s.width, s.height);
  if (points.frame() == PointFrame::pixels &&
      (points.img_width() != s.width || points.img_height() != s.height))
    detail::throw_point_size_mismatch(points.img_width(), points.img_height(), s.width, s.height);
  return points;
}

FASTBLOCK_FUNC PointBlock::PointBlock(PointBlockOptions options) : options_(options) {
  if (options_.n_points && *options_.n_points < 0)
    throw value_error("fastblock::PointBlock: n_points must be >= 0, got " +
                      std::to_string(*options_.n_points));
}

FASTBLOCK_FUNC void PointBlock::setup(std::span<const Tensor> training_values) {
  learned_.reset();
  if (training_values.empty()) return;
  const auto count = [](const Tensor& t, std::size_t i) {
    if (t.numel() % 2 != 0)
      throw shape_error("fastblock::PointBlock: training item " + std::to_string(i) + " has " +
                        std::to_string(t.numel()) +
                        " values; points need an even number (x, y for each point), got " +
                        t.describe());
    return t.numel() / 2;
  };
  const std::int64_t first = count(training_values.front(), 0);
  const std::int64_t expected = options_.n_points.value_or(first);
  if (const std::size_t i = detail::first_differing(training_values, count, expected);
      i != detail::all_alike)
    throw data_error(
        "fastblock::PointBlock: training item " + std::to_string(i) + " has " +
        std::to_string(count(training_values[i], i)) + " points but " +
        (options_.n_points ? std::string("n_points is ") : std::string("training item 0 has ")) +
        std::to_string(expected) + "; every item must have the same number");
  learned_ = expected;
}

FASTBLOCK_FUNC TensorPoint PointBlock::encode(const Tensor& raw) const {
  TensorPoint points = to_points(raw, options_.outside);
  if (const auto n = n_points(); n && points.size(0) != *n)
    throw data_error("fastblock::PointBlock: an item has " + std::to_string(points.size(0)) +
                     " points but the training items have " + std::to_string(*n));
  return points;
}

}  // namespace fastblock
