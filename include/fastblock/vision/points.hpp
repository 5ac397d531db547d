// fastblock/vision/points.hpp — TensorPoint and PointBlock: points that move with their pixels.
//
// Contract: a TensorPoint is a typed tensor (tensor/typed_tensor.hpp) of float32 points (x, y)
// that remembers the size of the image it refers to as data members, so scaling never depends on
// the order of an item's elements (fastai's PointScaler grabs the size from an earlier element).
// It is in one of two frames:
//   pixels   an item, [n, 2]: continuous pixel coordinates, the image spanning [0, w] x [0, h],
//            so the centre of pixel (i, j) is (i + 0.5, j + 0.5) (PIL's and fastai's convention:
//            a horizontal flip sends x to w - x, pixel i to pixel w - 1 - i);
//   scaled   a batch, [bs, n, 2]: fastai's PointScaler coordinates (2x/w - 1, 2y/h - 1), the
//            image spanning [-1, 1]; what the model learns (cnn_learner's y_range = (-1, 1)).
// Collation (Collate<TensorPoint>) scales each item by its own image size and stacks them; the
// batch keeps that size. to_pixels / to_scaled convert explicitly; PointBlock::decode gives
// pixels back for display.
//
// How the image size reaches the points: every transform that changes an image's geometry moves
// the points of the same item with the same drawn parameters and sets their new image size —
// crop_resize(points, CropResize) for the item transforms (Resize, RandomResizedCrop, CenterCrop
// call it with the geometry their draw returned) and the batch transforms of vision/augment.hpp.
// PointBlock brings PointScaler as an item transform: it runs after the others (order 9, after
// ToTensor's 5) and stamps the final image's size on points that have none, and stops with a
// data_error naming both sizes when the points say one size and the image another (a transform
// that resized the image without moving the points).
//
// Points a transform moves off the image follow the TensorPoint's PointsOutside policy (set by
// PointBlock's options): keep them (the default, as fastai), clamp them onto the image border, or
// drop_and_flag them — a batch keeps its shape, so a dropped point becomes (NaN, NaN) and the
// loss must mask it (a plain MSE of a NaN target is NaN). Points outside the image that no
// transform moved are left alone.
#pragma once

#include <array>
#include <concepts>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/data/blocks/concept.hpp>
#include <fastblock/data/collate.hpp>
#include <fastblock/data/transform.hpp>
#include <fastblock/tensor/tensor.hpp>
#include <fastblock/tensor/typed_tensor.hpp>
#include <fastblock/vision/image.hpp>
#include <fastblock/vision/resample.hpp>
#include <fastblock/vision/tensor_image.hpp>

namespace fastblock {

/// What a transform does with a point it moves off the image (see the contract).
enum class PointsOutside {
  /// Leave it where the geometry puts it, outside the image (fastai's behaviour; the default).
  keep,
  /// Move it to the nearest point of the image: [0, w] x [0, h] in pixels, [-1, 1] scaled.
  clamp,
  /// Replace both coordinates with NaN: the point stays in the batch (shapes are fixed) but is
  /// marked as gone; a loss over such targets must mask the NaNs.
  drop_and_flag,
};

/// Which coordinates a TensorPoint holds (see the contract).
enum class PointFrame {
  /// Pixels of an image spanning [0, w] x [0, h] (items).
  pixels,
  /// fastai's PointScaler coordinates, the image spanning [-1, 1] (batches).
  scaled,
};

/// Points (x, y) with the size of their image: float32 [n, 2] in pixels for an item, [bs, n, 2]
/// scaled to [-1, 1] for a batch (fastai's TensorPoint; see the contract).
class TensorPoint : public TypedTensor<TensorPoint> {
 public:
  /// Printed name.
  static constexpr std::string_view tensor_name = "TensorPoint";

  /// No points (shape [0]), no image size.
  TensorPoint() = default;
  /// Gives `t` the point type, in pixels, without an image size yet (PointScaler gives it).
  explicit TensorPoint(Tensor t) noexcept : TypedTensor(std::move(t)) {}
  /// Points `t` ([..., n, 2], float32) in `frame` of a `width` x `height` image (0 x 0: not known
  /// yet), moved by transforms under `outside`. No data is copied.
  TensorPoint(Tensor t, std::int64_t width, std::int64_t height,
              PointFrame frame = PointFrame::pixels,
              PointsOutside outside = PointsOutside::keep) noexcept
      : TypedTensor(std::move(t)),
        width_(width),
        height_(height),
        frame_(frame),
        outside_(outside) {}

  /// Width of the image the points refer to (0 when not known yet).
  [[nodiscard]] std::int64_t img_width() const noexcept { return width_; }
  /// Height of the image the points refer to (0 when not known yet).
  [[nodiscard]] std::int64_t img_height() const noexcept { return height_; }
  /// PIL's order, as Image::size(): {width, height}.
  [[nodiscard]] std::array<std::int64_t, 2> img_size() const noexcept { return {width_, height_}; }
  /// Whether the image size is known.
  [[nodiscard]] bool has_img_size() const noexcept { return width_ > 0 && height_ > 0; }
  /// Pixels (items) or scaled (batches).
  [[nodiscard]] PointFrame frame() const noexcept { return frame_; }
  /// What transforms do with points they move off the image.
  [[nodiscard]] PointsOutside outside() const noexcept { return outside_; }
  /// The same points (sharing storage) with another image size: what PointScaler stamps.
  [[nodiscard]] TensorPoint with_img_size(std::int64_t width, std::int64_t height) const {
    return TensorPoint(as_tensor(), width, height, frame_, outside_);
  }
  /// Other points (sharing nothing with these unless `t` does) with this one's size, frame and
  /// policy.
  [[nodiscard]] TensorPoint with_values(Tensor t) const {
    return TensorPoint(std::move(t), width_, height_, frame_, outside_);
  }

 private:
  std::int64_t width_ = 0;
  std::int64_t height_ = 0;
  PointFrame frame_ = PointFrame::pixels;
  PointsOutside outside_ = PointsOutside::keep;
};

/// Points from a getter's tensor: any float or integer tensor of 2n numbers (the seed's
/// `tensor({c1, c2})`, or [n, 2]) as a float32 [n, 2] copy in pixels, no image size yet.
/// shape_error for an odd number of values (the message shows the shape).
[[nodiscard]] TensorPoint to_points(const Tensor& xy, PointsOutside outside = PointsOutside::keep);

/// The points moved as `geometry` moves the pixels of their image (crop_resize of an Image):
/// x' = (x - left) * resize_w / width - out_left, likewise y, and the image size becomes
/// out_width x out_height; the points' PointsOutside policy applies. value_error for scaled
/// points (item transforms move pixels) or an invalid geometry.
[[nodiscard]] TensorPoint crop_resize(const TensorPoint& points, const CropResize& geometry);

/// Pixel points scaled to [-1, 1] by their image size (fastai's PointScaler: (2x/w - 1,
/// 2y/h - 1)); scaled points are returned as they are. value_error when the size is not known.
[[nodiscard]] TensorPoint to_scaled(const TensorPoint& points);

/// Scaled points back in pixels of their image ((x + 1) * w / 2, ...), for display; pixel points
/// are returned as they are. value_error when the size is not known.
[[nodiscard]] TensorPoint to_pixels(const TensorPoint& points);

/// Item `i` of a batch of points ([bs, n, 2] -> [n, 2], same frame, size and policy; a view);
/// index_error when out of range, shape_error unless the points are 3-D.
[[nodiscard]] TensorPoint batch_item(const TensorPoint& batch, std::int64_t i);

/// Model outputs (2n values per item, [bs, 2n] or [2n]) as scaled points [bs, n, 2] ([n, 2]) of a
/// `width` x `height` image, so that to_pixels can show predictions (a view when contiguous).
[[nodiscard]] TensorPoint points_from_output(const Tensor& output, std::int64_t width,
                                             std::int64_t height);

namespace detail {

/// Applies `policy` to the float [..., 2] `values` in place: `lo` and `hi` bound x (index 0)
/// and y (index 1).
void apply_points_outside(Tensor& values, PointsOutside policy, std::array<float, 2> lo,
                          std::array<float, 2> hi);

/// The data_error of PointScaler when the points refer to another image size.
[[noreturn]] void throw_point_size_mismatch(std::int64_t pw, std::int64_t ph, std::int64_t iw,
                                            std::int64_t ih);

/// The (width, height) of an image element, or {-1, -1} for another element.
template <class E>
std::array<std::int64_t, 2> image_size_of(const E& e) {
  if constexpr (std::same_as<E, Image>) {
    return {e.width(), e.height()};
  } else if constexpr (std::same_as<E, TensorImage>) {
    if (e.dim() < 2) return {-1, -1};
    return {e.size(-1), e.size(-2)};
  } else {
    return {-1, -1};
  }
}

/// Whether a tuple has an Image or TensorImage element.
template <class Item>
struct has_any_image : std::false_type {};
template <class... Es>
struct has_any_image<std::tuple<Es...>>
    : std::bool_constant<((std::same_as<Es, Image> || std::same_as<Es, TensorImage>) || ...)> {};

}  // namespace detail

/// The size of an item's image, as PointScaler draws it.
struct PointImageSize {
  /// Width in pixels.
  std::int64_t width = 0;
  /// Height in pixels.
  std::int64_t height = 0;
};

/// PointBlock's item transform (fastai's PointScaler, without its dependence on tuple order):
/// gives points the size of their item's (first) Image or TensorImage, after every geometric
/// item transform has run; data_error when the points already refer to another size (see the
/// contract). The scaling itself happens at collation.
struct PointScaler {
  /// After ToTensor (5) and fastai's geometric item transforms (0, 1).
  static constexpr int order = 9;
  /// The size of the item's first image; an item without one does not compile.
  template <class Item>
  [[nodiscard]] PointImageSize draw(const Item& item, TransformContext&) const {
    static_assert(detail::has_any_image<Item>::value,
                  "fastblock::DataBlock: PointBlock's points need an image in the item (an "
                  "ImageBlock before the PointBlock)");
    std::array<std::int64_t, 2> size{-1, -1};
    std::apply(
        [&](const auto&... e) {
          const auto one = [&](const auto& x) {
            if (size[0] < 0) size = detail::image_size_of(x);
          };
          (one(e), ...);
        },
        item);
    return {size[0], size[1]};
  }
  /// The points with the image's size.
  [[nodiscard]] TensorPoint operator()(const TensorPoint& points, const PointImageSize& s) const;
};

/// Options of PointBlock.
struct PointBlockOptions {
  /// The number of points per item, checked against the training items; unset: learned.
  std::optional<std::int64_t> n_points{};
  /// What transforms do with points they move off the image.
  PointsOutside outside = PointsOutside::keep;
};

/// fastai's PointBlock: get_y returns a tensor of 2n pixel coordinates (the seed's get_ctr,
/// `tensor({c1, c2})`, or [n, 2]); items are TensorPoint [n, 2] in pixels, batches TensorPoint
/// [bs, n, 2] scaled to [-1, 1]; the loss is MSELossFlat and n_out = 2n, n learned from the
/// training items in setup (all items must have n points).
class PointBlock {
 public:
  /// What get_y returns: 2n numbers, x then y for each point.
  using raw_type = Tensor;
  /// [n, 2] pixels with the image size.
  using item_type = TensorPoint;
  /// [bs, n, 2] scaled.
  using batch_type = TensorPoint;
  /// MSELossFlat.
  static constexpr LossKind loss_kind = LossKind::mse;

  /// A block that learns the number of points in setup().
  PointBlock() = default;
  /// A block with `options`; value_error for a negative n_points.
  explicit PointBlock(PointBlockOptions options);

  /// Learns the number of points; data_error naming the first training item (its index among
  /// the training items) with another count than item 0's (or than options.n_points), and both
  /// counts; shape_error for an odd number of values.
  void setup(std::span<const Tensor> training_values);
  /// to_points(raw) with the block's policy; data_error when setup() learned another count.
  [[nodiscard]] TensorPoint encode(const Tensor& raw) const;
  /// The points in pixels: items as they are, scaled points (a batch_item, a prediction)
  /// converted back with their image size.
  [[nodiscard]] TensorPoint decode(const TensorPoint& item) const { return to_pixels(item); }
  /// 2 x the number of points (0 before setup() has seen an item, unless given).
  [[nodiscard]] std::int64_t n_out() const noexcept { return 2 * n_points().value_or(0); }
  /// The number of points per item, once known.
  [[nodiscard]] std::optional<std::int64_t> n_points() const noexcept {
    return learned_ ? learned_ : options_.n_points;
  }
  /// PointScaler, which gives the points their image size.
  [[nodiscard]] std::tuple<PointScaler> item_tfms() const { return {}; }
  /// The options.
  [[nodiscard]] const PointBlockOptions& options() const noexcept { return options_; }

 private:
  PointBlockOptions options_{};
  std::optional<std::int64_t> learned_{};
};

// What DataBlock says when get_y returns something else.
FASTBLOCK_BLOCK_RAW_TYPE_MESSAGE(PointBlock, "a Tensor of 2n pixel coordinates",
                                 "; e.g. return tensor({x, y}) for one point")

/// Batches of points: each item scaled to [-1, 1] by its own image size, stacked into
/// [bs, n, 2]; the batch keeps the (common) image size. shape_error naming the item when counts
/// or image sizes differ, value_error for points without an image size (PointScaler gives it).
template <>
struct Collate<TensorPoint> {
  /// The scaled, stacked batch.
  static TensorPoint collate(BatchView<TensorPoint> items);
};

namespace detail {

/// Collate<TensorPoint>::collate's body (non-template, so it lives in points-inl.hpp).
[[nodiscard]] TensorPoint collate_points(BatchView<TensorPoint> items);

}  // namespace detail

inline TensorPoint Collate<TensorPoint>::collate(BatchView<TensorPoint> items) {
  return detail::collate_points(items);
}

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/vision/points-inl.hpp>
#endif
