// fastblock/vision/transforms.hpp — fastai's image item and batch transforms.
//
// Contract: the transforms follow data/transform.hpp's protocol (const operator() per element
// type, `draw(item, ctx)` for per-item parameters, `static constexpr int order`), with fastai's
// orders, so a block's ToTensor given first still runs after the crops:
//   item:  CenterCrop (0), Resize (1), RandomResizedCrop (1) on Image -> Image;
//          ToTensor (5) Image -> TensorImage uint8 [3, H, W];
//   batch: IntToFloatTensor (10) uint8 -> float32 / 255; Normalize (99) (x - mean) / std.
// A geometric transform's draw finds the item's (first) Image, computes a CropResize from its
// size, `ctx.training` and ctx.rng only (never another generator, so results do not depend on the
// thread count), and its operator()(const Image&, const CropResize&) applies it with
// crop_resize (vision/resample.hpp): one resampling, PIL's bilinear filter; its
// operator()(const TensorPoint&, const CropResize&) moves the item's points with the same geometry
// (crop_resize in vision/points.hpp), so points follow their pixels. Sizes are one int
// (square) or {h, w}, as fastai's `size`. What each one draws, as fastai 2.7 does:
//   Resize(size, {.method = crop})   the largest box of the output's aspect ratio, at a random
//                                     position on train (two uniforms), centred on valid;
//          {.method = pad}           the smallest box of that ratio holding the image, padded
//                                     (pad_mode, reflection by default);
//          {.method = squish}        the whole image, aspect ratio ignored;
//   RandomResizedCrop(size, {.min_scale, .ratio})  train: up to 10 tries of area ~
//          U(min_scale, max_scale)·w·h and ratio = exp(U(log r0, log r1)), nw = round(sqrt(area
//          · ratio)), nh = round(sqrt(area / ratio)), top-left uniform where it fits; else a
//          centre crop clamped to the ratio range. Valid: the whole image squished to size +
//          ceil(max(size)·val_xtra/8)·8, then the centre size x size;
//   CenterCrop(size)                  the centre box, padded with zeros where the image is
//                                     smaller (fastai's CropPad), no resizing.
// Invalid sizes or options throw value_error at construction, naming the value.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/data/transform.hpp>
#include <fastblock/tensor/tensor.hpp>
#include <fastblock/vision/image.hpp>
#include <fastblock/vision/points.hpp>
#include <fastblock/vision/resample.hpp>
#include <fastblock/vision/tensor_image.hpp>

namespace fastblock {

/// An output size: one int for a square, or {h, w} (fastai's `size`, height first).
struct ImageSize {
  /// Height in pixels.
  std::int64_t h = 0;
  /// Width in pixels.
  std::int64_t w = 0;
  /// A square of `side` pixels (implicit, so `Resize(64)` reads like fastai).
  constexpr ImageSize(std::int64_t side) noexcept : h(side), w(side) {}  // NOLINT
  /// `height` x `width`.
  constexpr ImageSize(std::int64_t height, std::int64_t width) noexcept : h(height), w(width) {}
  /// Whether both sides are equal.
  friend bool operator==(const ImageSize&, const ImageSize&) = default;
};

/// How Resize fits an image into the output's aspect ratio (fastai's ResizeMethod).
enum class ResizeMethod {
  /// Crop the largest box of the output's ratio (random on train, centred on valid).
  crop,
  /// Pad to the smallest box of the output's ratio that holds the whole image.
  pad,
  /// Stretch the whole image, ignoring the aspect ratio.
  squish,
};

namespace detail::vision {

/// A std::tuple item with an Image element.
template <class Item>
struct has_image : std::false_type {};
template <class... Es>
struct has_image<std::tuple<Es...>>
    : std::bool_constant<(std::same_as<std::remove_cvref_t<Es>, Image> || ...)> {};

/// The (width, height) of the first Image of a tuple item.
template <class... Es>
std::array<std::int64_t, 2> image_size_in(const std::tuple<Es...>& item) {
  std::array<std::int64_t, 2> size{-1, -1};
  std::apply(
      [&](const auto&... e) {
        const auto one = [&](const auto& x) {
          if constexpr (std::same_as<std::remove_cvref_t<decltype(x)>, Image>) {
            if (size[0] < 0) size = {x.width(), x.height()};
          }
        };
        (one(e), ...);
      },
      item);
  return size;
}

/// The decode_shrink() of the first Image of a tuple item (1 without one).
template <class... Es>
std::int64_t decode_shrink_in(const std::tuple<Es...>& item) {
  std::int64_t shrink = 0;
  std::apply(
      [&](const auto&... e) {
        const auto one = [&](const auto& x) {
          if constexpr (std::same_as<std::remove_cvref_t<decltype(x)>, Image>) {
            if (shrink == 0) shrink = x.decode_shrink();
          }
        };
        (one(e), ...);
      },
      item);
  return shrink == 0 ? 1 : shrink;
}

/// value_error unless `size` is at least 1x1; `who` names the transform.
void check_size(const ImageSize& size, const char* who);

}  // namespace detail::vision

/// An item with an Image, which the geometric transforms can draw their parameters for.
template <class Item>
concept ItemWithImage = detail::vision::has_image<Item>::value;

/// Options of Resize (fastai's method= and pad_mode=).
struct ResizeOptions {
  /// How the aspect ratio is handled.
  ResizeMethod method = ResizeMethod::crop;
  /// How the padded part is filled (method pad, or crop boxes that leave the image).
  PadMode pad_mode = PadMode::reflection;
};

/// fastai's Resize: every image to `size` (see the contract for each method).
class Resize {
 public:
  /// fastai's order for Resize.
  static constexpr int order = 1;
  /// A Resize to `size` (value_error unless at least 1x1).
  explicit Resize(ImageSize size, ResizeOptions options = {});
  /// The geometry for an image of `width` x `height`; random only for crop on train.
  [[nodiscard]] CropResize draw_for(std::int64_t width, std::int64_t height,
                                    TransformContext& ctx) const;
  /// The geometry for the item's image (which may be a JPEG decoded smaller: see max_shrink).
  template <ItemWithImage Item>
  [[nodiscard]] CropResize draw(const Item& item, TransformContext& ctx) const {
    const auto [w, h] = detail::vision::image_size_in(item);
    CropResize g = draw_for(w, h, ctx);
    g.source_shrink = detail::vision::decode_shrink_in(item);
    return g;
  }
  /// By how much an image of `width` x `height` may shrink before this transform without losing
  /// a pixel of what it keeps, on training and on validation data: a DataBlock whose first item
  /// transform on images this is lets the JPEG decoder shrink that much (ImageBlock,
  /// DecodeOptions::max_shrink).
  [[nodiscard]] double max_shrink(std::int64_t width, std::int64_t height) const;
  /// The image resized by the drawn geometry.
  [[nodiscard]] Image operator()(const Image& image, const CropResize& g) const {
    return crop_resize(image, g);
  }
  /// The item's points moved with its pixels (vision/points.hpp).
  [[nodiscard]] TensorPoint operator()(const TensorPoint& points, const CropResize& g) const {
    return crop_resize(points, g);
  }
  /// The output size.
  [[nodiscard]] ImageSize size() const noexcept { return size_; }
  /// The options.
  [[nodiscard]] const ResizeOptions& options() const noexcept { return options_; }

 private:
  ImageSize size_;
  ResizeOptions options_;
};

/// Options of RandomResizedCrop (fastai's arguments of the same names).
struct RandomResizedCropOptions {
  /// Smallest fraction of the image area a training crop covers.
  double min_scale = 0.08;
  /// Range of the crop's aspect ratio (width / height), drawn log-uniformly.
  std::array<double, 2> ratio = {3.0 / 4.0, 4.0 / 3.0};
  /// Validation: how much larger than size the image is squished before the centre crop.
  double val_xtra = 0.14;
  /// Largest fraction of the image area a training crop covers.
  double max_scale = 1.0;
};

/// fastai's RandomResizedCrop (see the contract).
class RandomResizedCrop {
 public:
  /// fastai's order.
  static constexpr int order = 1;
  /// A RandomResizedCrop to `size`; value_error unless 0 < min_scale <= max_scale, 0 <
  /// ratio[0] <= ratio[1] and val_xtra >= 0.
  explicit RandomResizedCrop(ImageSize size, RandomResizedCropOptions options = {});
  /// The geometry for an image of `width` x `height`.
  [[nodiscard]] CropResize draw_for(std::int64_t width, std::int64_t height,
                                    TransformContext& ctx) const;
  /// The geometry for the item's image (which may be a JPEG decoded smaller: see max_shrink).
  template <ItemWithImage Item>
  [[nodiscard]] CropResize draw(const Item& item, TransformContext& ctx) const {
    const auto [w, h] = detail::vision::image_size_in(item);
    CropResize g = draw_for(w, h, ctx);
    g.source_shrink = detail::vision::decode_shrink_in(item);
    return g;
  }
  /// By how much an image of `width` x `height` may shrink before this transform without losing
  /// a pixel of what it keeps, on training and on validation data: a DataBlock whose first item
  /// transform on images this is lets the JPEG decoder shrink that much (ImageBlock,
  /// DecodeOptions::max_shrink).
  [[nodiscard]] double max_shrink(std::int64_t width, std::int64_t height) const;
  /// The image cropped and resized by the drawn geometry.
  [[nodiscard]] Image operator()(const Image& image, const CropResize& g) const {
    return crop_resize(image, g);
  }
  /// The item's points moved with its pixels (vision/points.hpp).
  [[nodiscard]] TensorPoint operator()(const TensorPoint& points, const CropResize& g) const {
    return crop_resize(points, g);
  }
  /// The output size.
  [[nodiscard]] ImageSize size() const noexcept { return size_; }
  /// The options.
  [[nodiscard]] const RandomResizedCropOptions& options() const noexcept { return options_; }

 private:
  ImageSize size_;
  RandomResizedCropOptions options_;
};

/// fastai's CropPad / CenterCrop: the centre `size` box, zero-padded where the image is smaller.
class CenterCrop {
 public:
  /// fastai's order for CropPad.
  static constexpr int order = 0;
  /// A centre crop to `size`, padding with `pad_mode` (zeros, as fastai's CropPad).
  explicit CenterCrop(ImageSize size, PadMode pad_mode = PadMode::zeros);
  /// The geometry for an image of `width` x `height` (not random).
  [[nodiscard]] CropResize draw_for(std::int64_t width, std::int64_t height,
                                    TransformContext& ctx) const;
  /// The geometry for the item's image (which may be a JPEG decoded smaller).
  template <ItemWithImage Item>
  [[nodiscard]] CropResize draw(const Item& item, TransformContext& ctx) const {
    const auto [w, h] = detail::vision::image_size_in(item);
    CropResize g = draw_for(w, h, ctx);
    g.source_shrink = detail::vision::decode_shrink_in(item);
    return g;
  }
  /// The image cropped (and padded) by the drawn geometry.
  [[nodiscard]] Image operator()(const Image& image, const CropResize& g) const {
    return crop_resize(image, g);
  }
  /// The item's points moved with its pixels (vision/points.hpp).
  [[nodiscard]] TensorPoint operator()(const TensorPoint& points, const CropResize& g) const {
    return crop_resize(points, g);
  }
  /// The output size.
  [[nodiscard]] ImageSize size() const noexcept { return size_; }
  /// How the part outside the image is filled.
  [[nodiscard]] PadMode pad_mode() const noexcept { return pad_mode_; }

 private:
  ImageSize size_;
  PadMode pad_mode_;
};

/// fastai's ToTensor: Image -> TensorImage uint8 [3, H, W].
struct ToTensor {
  /// fastai's order.
  static constexpr int order = 5;
  /// to_tensor(image).
  [[nodiscard]] TensorImage operator()(const Image& image) const { return to_tensor(image); }
};

/// fastai's IntToFloatTensor: uint8 images to float32 in [0, 1] (divided by 255, as PyTorch
/// divides). A float image is a dtype_error (it would be divided twice).
struct IntToFloatTensor {
  /// fastai's order.
  static constexpr int order = 10;
  /// `x / 255` as float32.
  [[nodiscard]] TensorImage operator()(const TensorImage& x) const;
  /// Back to uint8: round(clamp(x, 0, 1) * 255) (fastai truncates; rounding undoes encoding
  /// exactly).
  [[nodiscard]] TensorImage decode(const TensorImage& x) const;
};

/// fastai's Normalize: `(x - mean) / std` per channel on float images, [C, H, W] or [N, C, H, W].
class Normalize {
 public:
  /// fastai's order (after every other batch transform).
  static constexpr int order = 99;
  /// fastai's Normalize.from_stats; value_error unless both have the same, non-zero number of
  /// channels and every std is positive.
  [[nodiscard]] static Normalize from_stats(std::vector<float> mean, std::vector<float> stdev);
  /// ImageNet's statistics (0.485, 0.456, 0.406) / (0.229, 0.224, 0.225), fastai's
  /// imagenet_stats, which cnn_learner adds for pretrained models.
  [[nodiscard]] static Normalize imagenet();
  /// The normalised images; dtype_error for non-float32 (IntToFloatTensor comes first),
  /// shape_error when the channel dimension does not match the statistics.
  [[nodiscard]] TensorImage operator()(const TensorImage& x) const;
  /// `x * std + mean`: undoes the normalisation, for display.
  [[nodiscard]] TensorImage decode(const TensorImage& x) const;
  /// The per-channel means.
  [[nodiscard]] const std::vector<float>& mean() const noexcept { return mean_; }
  /// The per-channel standard deviations.
  [[nodiscard]] const std::vector<float>& stdev() const noexcept { return std_; }

 private:
  Normalize(std::vector<float> mean, std::vector<float> stdev)
      : mean_(std::move(mean)), std_(std::move(stdev)) {}
  [[nodiscard]] TensorImage apply(const TensorImage& x, bool inverse) const;

  std::vector<float> mean_;
  std::vector<float> std_;
};

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/vision/transforms-inl.hpp>
#endif
