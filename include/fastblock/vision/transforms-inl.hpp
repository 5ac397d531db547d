// fastblock/vision/transforms-inl.hpp — out-of-line definitions for vision/transforms.hpp.
//
// Included by transforms.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes. The draws
// transcribe fastai 2.7's before_call methods (vision/augment.py), Python's int() as truncation,
// round() as round-half-even, // as floor division and random.randint(a, b) as inclusive.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/core/random.hpp>
#include <fastblock/tensor/factory.hpp>
#include <fastblock/tensor/ops.hpp>
#include <fastblock/tensor/tensor.hpp>
#include <fastblock/vision/resample.hpp>
#include <fastblock/vision/tensor_image.hpp>
#include <fastblock/vision/transforms.hpp>

namespace fastblock {

namespace detail::vision {

FASTBLOCK_FUNC void check_size(const ImageSize& size, const char* who) {
  if (size.h < 1 || size.w < 1 || size.h > (1 << 20) || size.w > (1 << 20))
    throw value_error(std::string("fastblock::") + who +
                      ": the size must be at least 1x1 (and at " + "most 2^20 a side), got {h = " +
                      std::to_string(size.h) + ", w = " + std::to_string(size.w) + "}");
}

/// value_error unless the image of an item has pixels.
FASTBLOCK_FUNC void check_image(std::int64_t width, std::int64_t height, const char* who) {
  if (width < 1 || height < 1)
    throw value_error(std::string("fastblock::") + who + ": cannot transform an empty image (" +
                      std::to_string(width) + "x" + std::to_string(height) + ")");
}

/// Python's floor division.
FASTBLOCK_FUNC std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

/// Python's random.uniform(a, b) on ctx's generator: a + (b - a) * random().
FASTBLOCK_FUNC double uniform(Generator& rng, double a, double b) {
  return a + (b - a) * rng.uniform();
}

/// A geometry that resizes the box to `size` and keeps all of it.
FASTBLOCK_FUNC CropResize whole(std::int64_t left, std::int64_t top, std::int64_t width,
                                std::int64_t height, const ImageSize& size, PadMode pad) {
  return CropResize{.left = left,
                    .top = top,
                    .width = width,
                    .height = height,
                    .resize_w = size.w,
                    .resize_h = size.h,
                    .out_left = 0,
                    .out_top = 0,
                    .out_width = size.w,
                    .out_height = size.h,
                    .pad_mode = pad};
}

}  // namespace detail::vision

FASTBLOCK_FUNC Resize::Resize(ImageSize size, ResizeOptions options)
    : size_(size), options_(options) {
  detail::vision::check_size(size, "Resize");
}

FASTBLOCK_FUNC CropResize Resize::draw_for(std::int64_t w, std::int64_t h,
                                           TransformContext& ctx) const {
  namespace v = detail::vision;
  v::check_image(w, h, "Resize");
  if (options_.method == ResizeMethod::squish)
    return v::whole(0, 0, w, h, size_, options_.pad_mode);
  const double rw = static_cast<double>(w) / static_cast<double>(size_.w);
  const double rh = static_cast<double>(h) / static_cast<double>(size_.h);
  const bool pad = options_.method == ResizeMethod::pad;
  const double m = (pad ? rw > rh : rw < rh) ? rw : rh;
  const std::int64_t cw = std::max<std::int64_t>(1, static_cast<std::int64_t>(m * size_.w));
  const std::int64_t ch = std::max<std::int64_t>(1, static_cast<std::int64_t>(m * size_.h));
  double px = 0.5, py = 0.5;
  if (ctx.training) {
    px = ctx.rng.uniform();
    py = ctx.rng.uniform();
  }
  const auto left = static_cast<std::int64_t>(px * static_cast<double>(w - cw));
  const auto top = static_cast<std::int64_t>(py * static_cast<double>(h - ch));
  return v::whole(left, top, cw, ch, size_, options_.pad_mode);
}

FASTBLOCK_FUNC double Resize::max_shrink(std::int64_t w, std::int64_t h) const {
  // The box draw_for takes: the whole image for squish, else about m times the output size.
  const double rw = static_cast<double>(w) / static_cast<double>(size_.w);
  const double rh = static_cast<double>(h) / static_cast<double>(size_.h);
  if (options_.method == ResizeMethod::squish) return std::min(rw, rh);
  const double m = options_.method == ResizeMethod::pad ? std::max(rw, rh) : std::min(rw, rh);
  const auto box = [&](std::int64_t side) {
    return static_cast<double>(std::max<std::int64_t>(1, static_cast<std::int64_t>(m * side))) /
           static_cast<double>(side);
  };
  return std::min(box(size_.w), box(size_.h));
}

FASTBLOCK_FUNC RandomResizedCrop::RandomResizedCrop(ImageSize size,
                                                    RandomResizedCropOptions options)
    : size_(size), options_(options) {
  detail::vision::check_size(size, "RandomResizedCrop");
  const auto& o = options_;
  if (!(o.min_scale > 0.0 && o.min_scale <= o.max_scale && std::isfinite(o.max_scale)))
    throw value_error(
        "fastblock::RandomResizedCrop: need 0 < min_scale <= max_scale, got "
        "min_scale = " +
        std::to_string(o.min_scale) + ", max_scale = " + std::to_string(o.max_scale));
  if (!(o.ratio[0] > 0.0 && o.ratio[0] <= o.ratio[1] && std::isfinite(o.ratio[1])))
    throw value_error("fastblock::RandomResizedCrop: need 0 < ratio[0] <= ratio[1], got {" +
                      std::to_string(o.ratio[0]) + ", " + std::to_string(o.ratio[1]) + "}");
  if (!(o.val_xtra >= 0.0 && o.val_xtra <= 16.0))
    throw value_error("fastblock::RandomResizedCrop: val_xtra must be between 0 and 16, got " +
                      std::to_string(o.val_xtra));
}

FASTBLOCK_FUNC double RandomResizedCrop::max_shrink(std::int64_t w, std::int64_t h) const {
  const auto& o = options_;
  // Validation squishes the whole image to size + xtra (see draw_for).
  const double xtra =
      std::ceil(static_cast<double>(std::max(size_.w, size_.h)) * o.val_xtra / 8.0) * 8.0;
  const double valid = std::min(static_cast<double>(w) / (static_cast<double>(size_.w) + xtra),
                                static_cast<double>(h) / (static_cast<double>(size_.h) + xtra));
  // Training: the narrowest crop has the smallest area at the smallest ratio, the flattest one
  // at the largest; half a pixel for draw_for's rounding. The fallback crop is larger.
  const double area = o.min_scale * static_cast<double>(w) * static_cast<double>(h);
  const double narrowest = std::sqrt(area * o.ratio[0]) - 0.5;
  const double flattest = std::sqrt(area / o.ratio[1]) - 0.5;
  const double train =
      std::min(narrowest / static_cast<double>(size_.w), flattest / static_cast<double>(size_.h));
  return std::min(train, valid);
}

FASTBLOCK_FUNC CropResize RandomResizedCrop::draw_for(std::int64_t w, std::int64_t h,
                                                      TransformContext& ctx) const {
  namespace v = detail::vision;
  v::check_image(w, h, "RandomResizedCrop");
  const auto& o = options_;
  if (!ctx.training) {
    // Squish the whole image to size + xtra, keep the centre size.
    const auto xtra = static_cast<std::int64_t>(
        std::ceil(static_cast<double>(std::max(size_.w, size_.h)) * o.val_xtra / 8.0) * 8.0);
    const std::int64_t fw = size_.w + xtra, fh = size_.h + xtra;
    return CropResize{.left = 0,
                      .top = 0,
                      .width = w,
                      .height = h,
                      .resize_w = fw,
                      .resize_h = fh,
                      .out_left = v::floor_div(fw - size_.w, 2),
                      .out_top = v::floor_div(fh - size_.h, 2),
                      .out_width = size_.w,
                      .out_height = size_.h,
                      .pad_mode = PadMode::reflection};
  }
  const double area0 = static_cast<double>(w) * static_cast<double>(h);
  const double log_r0 = std::log(o.ratio[0]), log_r1 = std::log(o.ratio[1]);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double area = v::uniform(ctx.rng, o.min_scale, o.max_scale) * area0;
    const double ratio = std::exp(v::uniform(ctx.rng, log_r0, log_r1));
    // Python's round(): half to even, which nearbyint does in the default rounding mode.
    const auto nw = static_cast<std::int64_t>(std::nearbyint(std::sqrt(area * ratio)));
    const auto nh = static_cast<std::int64_t>(std::nearbyint(std::sqrt(area / ratio)));
    if (nw <= w && nh <= h && nw >= 1 && nh >= 1) {
      const std::int64_t left = ctx.rng.randint(0, w - nw + 1);
      const std::int64_t top = ctx.rng.randint(0, h - nh + 1);
      return v::whole(left, top, nw, nh, size_, PadMode::reflection);
    }
  }
  std::int64_t cw = w, ch = h;
  const double r = static_cast<double>(w) / static_cast<double>(h);
  if (r < o.ratio[0]) {
    ch = std::max<std::int64_t>(1, static_cast<std::int64_t>(static_cast<double>(w) / o.ratio[0]));
  } else if (r > o.ratio[1]) {
    cw = std::max<std::int64_t>(1, static_cast<std::int64_t>(static_cast<double>(h) * o.ratio[1]));
  }
  return v::whole(v::floor_div(w - cw, 2), v::floor_div(h - ch, 2), cw, ch, size_,
                  PadMode::reflection);
}

FASTBLOCK_FUNC CenterCrop::CenterCrop(ImageSize size, PadMode pad_mode)
    : size_(size), pad_mode_(pad_mode) {
  detail::vision::check_size(size, "CenterCrop");
}

FASTBLOCK_FUNC CropResize CenterCrop::draw_for(std::int64_t w, std::int64_t h,
                                               TransformContext&) const {
  namespace v = detail::vision;
  v::check_image(w, h, "CenterCrop");
  return v::whole(v::floor_div(w - size_.w, 2), v::floor_div(h - size_.h, 2), size_.w, size_.h,
                  size_, pad_mode_);
}

FASTBLOCK_FUNC TensorImage IntToFloatTensor::operator()(const TensorImage& x) const {
  if (x.dtype() != uint8)
    throw dtype_error(
        "fastblock::IntToFloatTensor: expected uint8 images (ToTensor's output), got " +
        x.describe() + "; is IntToFloatTensor applied twice?");
  if (!x.device().is_cpu() || !x.is_contiguous()) {
    Tensor f = x.to(float32);
    return TensorImage(f / 255.0f);
  }
  Tensor out(x.shape(), float32);
  const std::uint8_t* src = x.data<std::uint8_t>();
  float* dst = out.data<float>();
  const std::size_t n = static_cast<std::size_t>(x.numel());
  for (std::size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]) / 255.0f;
  return TensorImage(std::move(out));
}

FASTBLOCK_FUNC TensorImage IntToFloatTensor::decode(const TensorImage& x) const {
  if (x.dtype() != float32)
    throw dtype_error("fastblock::IntToFloatTensor::decode: expected float32 images, got " +
                      x.describe());
  if (!x.device().is_cpu())
    throw device_error("fastblock::IntToFloatTensor::decode: the tensor is on " + x.device().str() +
                       "; move it to the CPU first");
  const Tensor c = x.contiguous();
  Tensor out(x.shape(), uint8);
  const float* src = c.data<float>();
  std::uint8_t* dst = out.data<std::uint8_t>();
  const std::size_t n = static_cast<std::size_t>(x.numel());
  for (std::size_t i = 0; i < n; ++i) {
    const float v = src[i] != src[i] ? 0.0f : std::fmin(std::fmax(src[i], 0.0f), 1.0f);
    dst[i] = static_cast<std::uint8_t>(std::lround(v * 255.0f));
  }
  return TensorImage(std::move(out));
}

FASTBLOCK_FUNC Normalize Normalize::from_stats(std::vector<float> mean, std::vector<float> stdev) {
  if (mean.empty() || mean.size() != stdev.size())
    throw value_error(
        "fastblock::Normalize::from_stats: mean and std must have one value per "
        "channel, got " +
        std::to_string(mean.size()) + " and " + std::to_string(stdev.size()));
  for (std::size_t c = 0; c < stdev.size(); ++c)
    if (!(stdev[c] > 0.0f) || !std::isfinite(stdev[c]) || !std::isfinite(mean[c]))
      throw value_error("fastblock::Normalize::from_stats: std[" + std::to_string(c) +
                        "] must be positive and mean finite, got mean " + std::to_string(mean[c]) +
                        ", std " + std::to_string(stdev[c]));
  return Normalize(std::move(mean), std::move(stdev));
}

FASTBLOCK_FUNC Normalize Normalize::imagenet() {
  return from_stats({0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f});
}

FASTBLOCK_FUNC TensorImage Normalize::apply(const TensorImage& x, bool inverse) const {
  const char* who = inverse ? "fastblock::Normalize::decode" : "fastblock::Normalize";
  if (x.dtype() != float32)
    throw dtype_error(std::string(who) + ": expected float32 images, got " + x.describe() +
                      (inverse ? "" : "; put IntToFloatTensor before it (ImageBlock brings it)"));
  const std::int64_t nc = static_cast<std::int64_t>(mean_.size());
  if ((x.dim() != 3 && x.dim() != 4) || x.size(x.dim() - 3) != nc)
    throw shape_error(std::string(who) + ": expected images of shape [N, " + std::to_string(nc) +
                      ", H, W] or [" + std::to_string(nc) + ", H, W], got " + x.describe());
  if (!x.device().is_cpu()) {
    Tensor m = from_vector<float>(mean_, Shape{nc, 1, 1}).to(x.device());
    Tensor s = from_vector<float>(std_, Shape{nc, 1, 1}).to(x.device());
    return TensorImage(inverse ? x * s + m : (x - m) / s);
  }
  const Tensor c = x.contiguous();
  Tensor out(x.shape(), float32);
  const float* src = c.data<float>();
  float* dst = out.data<float>();
  const std::size_t plane = static_cast<std::size_t>(x.size(x.dim() - 1) * x.size(x.dim() - 2));
  const std::size_t planes = plane == 0 ? 0 : static_cast<std::size_t>(x.numel()) / plane;
  for (std::size_t p = 0; p < planes; ++p) {
    const float m = mean_[p % mean_.size()], s = std_[p % std_.size()];
    const float* in = src + p * plane;
    float* o = dst + p * plane;
    if (inverse) {
      for (std::size_t i = 0; i < plane; ++i) o[i] = in[i] * s + m;
    } else {
      for (std::size_t i = 0; i < plane; ++i) o[i] = (in[i] - m) / s;
    }
  }
  return TensorImage(std::move(out));
}

FASTBLOCK_FUNC TensorImage Normalize::operator()(const TensorImage& x) const {
  return apply(x, false);
}

FASTBLOCK_FUNC TensorImage Normalize::decode(const TensorImage& x) const { return apply(x, true); }

}  // namespace fastblock
