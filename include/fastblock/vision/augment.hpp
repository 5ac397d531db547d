// fastblock/vision/augment.hpp — fastai's aug_transforms: flips, rotation, zoom, perspective warp
// and lighting as batch transforms that move the points with the pixels.
//
// Contract: `aug_transforms(options)` returns `std::tuple<AffineCoordTfm, LightingTfm>`, fastai's
// list after setup_aug_tfms has fused it, for `.batch_tfms(...)` (std::tuple_cat it with
// Normalize, or pass both elements). Both work on float32 TensorImage batches [N, 3, H, W] on the
// CPU (after IntToFloatTensor, order 10; a uint8 batch is a dtype_error saying so) and draw
// per-item parameters from the batch's generator only, item after item, a fixed number of draws
// per item, so batches do not depend on the thread count.
//
// AffineCoordTfm (order 30, train and valid) — fastai's AffineCoordTfm with Flip (or Dihedral),
// Warp, Rotate and Zoom composed, as fastai 2.7 draws them on train:
//   flip      p = 0.5: x -> -x (flip_vert: one of the 8 dihedral maps, fastai's dihedral_mat);
//   warp      two magnitudes, each ~ U(-max_warp, max_warp) with probability p_affine (else 0),
//             a perspective map of the corners (fastai's _WarpCoord / find_coeffs);
//   rotate    ~ U(-max_rotate, max_rotate) degrees with probability p_affine;
//   zoom      ~ U(min_zoom, max_zoom) with probability p_affine (else 1), centred at a uniform
//             position (col_pct, row_pct ~ U(0, 1)).
// The matrix flip · rotate · zoom, its off-diagonal terms scaled by h/w and w/h (fastai's
// _prepare_mat, so a rotation is rigid in pixels), and then the warp map each output pixel to a
// source position in normalised coordinates (align_corners = True: -1 and 1 are the centres of
// the first and last pixels), which is sampled bilinearly with pad_mode outside the image (zeros,
// border, or reflection about the edge pixels' centres, as torch's grid_sample): one resampling
// per image, from a grid precomputed per item (no per-pixel dispatch). The output is `size` when
// given, else the input's size. On valid the map is the identity: the batch is returned as it is,
// or only resized to `size` (bilinear, align_corners = True). Points (TensorPoint [N, n, 2],
// scaled) use the inverse maps, as fastai's AffineCoordTfm does for points; unlike fastai, they
// are converted from PointScaler's coordinates to the grid's (x·w/(w-1)) and back, so they land
// on their pixels exactly rather than within a pixel. Points the map moves off the image follow
// their PointsOutside policy (vision/points.hpp; fastai keeps them). Not done: fastai's area
// pre-shrink in _grid_sample when the output is under half the input size, and `min_scale`
// (RandomResizedCropGPU), `batch`, `mode` and `xtra_tfms`.
//
// LightingTfm (order 40, train only) — fastai's Brightness then Contrast in logit space: with
// probability p_lighting each, b ~ U(0.5(1 - m), 0.5(1 + m)) and c = exp(U(log(1 - m),
// -log(1 - m))) with m = max_lighting·mult; x -> sigmoid(c · (logit(x) + logit(b))), logit
// clamping x to [1e-7, 1 - 1e-7]. Items drawn neutral (b = 0.5, c = 1) are copied unchanged.
// Points pass through it.
//
// max_rotate, max_lighting and max_warp are multiplied by mult, as fastai does. Options outside
// their domain throw value_error naming the option at construction.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <tuple>
#include <type_traits>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/data/transform.hpp>
#include <fastblock/tensor/tensor.hpp>
#include <fastblock/vision/points.hpp>
#include <fastblock/vision/resample.hpp>
#include <fastblock/vision/tensor_image.hpp>
#include <fastblock/vision/transforms.hpp>

namespace fastblock {

/// Options of aug_transforms, with fastai's names and defaults.
struct AugmentOptions {
  /// Multiplies max_rotate, max_lighting and max_warp.
  double mult = 1.0;
  /// Flip horizontally with probability 0.5.
  bool do_flip = true;
  /// Use the 8 dihedral maps (flips, transposes, right-angle rotations) instead of the flip.
  bool flip_vert = false;
  /// Largest rotation, in degrees.
  double max_rotate = 10.0;
  /// Smallest zoom factor (> 0).
  double min_zoom = 1.0;
  /// Largest zoom factor.
  double max_zoom = 1.1;
  /// Largest brightness / contrast change, in [0, 1).
  double max_lighting = 0.2;
  /// Largest perspective warp magnitude, in [0, 1).
  double max_warp = 0.2;
  /// Probability of each of warp, rotate and zoom.
  double p_affine = 0.75;
  /// Probability of each of brightness and contrast.
  double p_lighting = 0.75;
  /// Output size of every batch, train and valid ({h, w} or one int); unset: the input's size.
  std::optional<ImageSize> size{};
  /// How positions outside the image are sampled.
  PadMode pad_mode = PadMode::reflection;
};

/// One item's map from output to source positions, in normalised coordinates (align_corners =
/// True): the affine part, then (when `has_warp`) a homography.
struct ItemCoordMap {
  /// Row-major 2x3 matrix [a b c; d e f]: (u, v) -> (a u + b v + c, d u + e v + f).
  std::array<double, 6> affine{1.0, 0.0, 0.0, 0.0, 1.0, 0.0};
  /// Row-major 3x3 homography applied to the affine result (identity when !has_warp).
  std::array<double, 9> warp{1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0};
  /// Whether the warp is used.
  bool has_warp = false;
};

/// What AffineCoordTfm draws for one batch: the sizes and one map per item.
struct CoordTfmDraw {
  /// Input width and height.
  std::int64_t in_w = 0, in_h = 0;
  /// Output width and height.
  std::int64_t out_w = 0, out_h = 0;
  /// The items' maps (empty on valid).
  std::vector<ItemCoordMap> items;
  /// True on valid: every map is the identity.
  bool identity = true;
};

/// fastai's fused AffineCoordTfm (flip, warp, rotate, zoom; see the contract).
class AffineCoordTfm {
 public:
  /// fastai's order.
  static constexpr int order = 30;
  /// The transform of aug_transforms(options); value_error for options outside their domain.
  explicit AffineCoordTfm(AugmentOptions options = {});
  /// The maps for a batch of `n` images of `width` x `height`; random only on train.
  [[nodiscard]] CoordTfmDraw draw_for(std::int64_t n, std::int64_t width, std::int64_t height,
                                      TransformContext& ctx) const;
  /// The maps for the batch's (first) TensorImage.
  template <class Batch>
  [[nodiscard]] CoordTfmDraw draw(const Batch& batch, TransformContext& ctx) const {
    const std::array<std::int64_t, 3> nwh = batch_image_size(batch);
    return draw_for(nwh[0], nwh[1], nwh[2], ctx);
  }
  /// The images resampled through the drawn maps.
  [[nodiscard]] TensorImage operator()(const TensorImage& images, const CoordTfmDraw& d) const;
  /// The points moved by the inverse maps, with the output's image size.
  [[nodiscard]] TensorPoint operator()(const TensorPoint& points, const CoordTfmDraw& d) const;
  /// The options.
  [[nodiscard]] const AugmentOptions& options() const noexcept { return options_; }

 private:
  /// {N, W, H} of the batch's first TensorImage (a batch without one does not compile).
  template <class Batch>
  static std::array<std::int64_t, 3> batch_image_size(const Batch& batch);

  AugmentOptions options_;
};

/// What LightingTfm draws for one batch: per item, the logit added (logit(b)) and the factor c.
struct LightingDraw {
  /// {logit(b), c} per item.
  std::vector<std::array<float, 2>> items;
};

/// fastai's fused LightingTfm (brightness, contrast; see the contract); training only.
class LightingTfm {
 public:
  /// fastai's order.
  static constexpr int order = 40;
  /// Augmentation: training batches only.
  static constexpr ApplyOn apply_on = ApplyOn::train;
  /// The transform of aug_transforms(options); value_error for options outside their domain.
  explicit LightingTfm(AugmentOptions options = {});
  /// The changes for a batch of `n` images.
  [[nodiscard]] LightingDraw draw_for(std::int64_t n, TransformContext& ctx) const;
  /// The changes for the batch's (first) TensorImage.
  template <class Batch>
  [[nodiscard]] LightingDraw draw(const Batch& batch, TransformContext& ctx) const {
    std::int64_t n = -1;
    std::apply(
        [&](const auto&... e) {
          const auto one = [&](const auto& x) {
            if constexpr (std::same_as<std::remove_cvref_t<decltype(x)>, TensorImage>) {
              if (n < 0) n = x.dim() == 4 ? x.size(0) : 0;
            }
          };
          (one(e), ...);
        },
        batch);
    return draw_for(n, ctx);
  }
  /// The images with the drawn brightness and contrast.
  [[nodiscard]] TensorImage operator()(const TensorImage& images, const LightingDraw& d) const;
  /// The options.
  [[nodiscard]] const AugmentOptions& options() const noexcept { return options_; }

 private:
  AugmentOptions options_;
};

/// fastai's aug_transforms: the fused geometric transform and the lighting transform.
[[nodiscard]] std::tuple<AffineCoordTfm, LightingTfm> aug_transforms(AugmentOptions options = {});

namespace detail::augment {

/// value_error unless `options` are within their domains.
void check_options(const AugmentOptions& options);

/// Whether a tuple has a TensorImage element.
template <class Batch>
struct has_tensor_image : std::false_type {};
template <class... Es>
struct has_tensor_image<std::tuple<Es...>>
    : std::bool_constant<(std::same_as<Es, TensorImage> || ...)> {};

/// shape_error unless `x` is a 4-D image batch; `who` names the transform.
void check_batch(const Tensor& x, const char* who);

}  // namespace detail::augment

template <class Batch>
std::array<std::int64_t, 3> AffineCoordTfm::batch_image_size(const Batch& batch) {
  static_assert(detail::augment::has_tensor_image<Batch>::value,
                "fastblock::DataBlock: aug_transforms needs a TensorImage in the batch (an "
                "ImageBlock)");
  std::array<std::int64_t, 3> nwh{-1, -1, -1};
  std::apply(
      [&](const auto&... e) {
        const auto one = [&](const auto& x) {
          if constexpr (std::same_as<std::remove_cvref_t<decltype(x)>, TensorImage>) {
            if (nwh[0] < 0) {
              detail::augment::check_batch(x, "AffineCoordTfm");
              nwh = {x.size(0), x.size(3), x.size(2)};
            }
          }
        };
        (one(e), ...);
      },
      batch);
  return nwh;
}

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/vision/augment-inl.hpp>
#endif
