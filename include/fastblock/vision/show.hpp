// fastblock/vision/show.hpp — seeing the data: show_batch, show_results, show_images as PNG grids.
//
// Contract: `show_batch(dls, path, {.nrows = 3, .ncols = 3, .max_n = 9, .size = 128})` takes
// `dls.one_batch()` (the first training batch, which changes nothing) of a DataBlock's loaders
// (BlockDataLoaders, or anything with the same `blocks_type`, `n_inp`, `n_blocks`, `block<K>()`
// and `one_batch()`), turns the first min(max_n, nrows*ncols, batch size) images back into
// pictures and writes one PNG grid: each cell is the image as a size x size thumbnail (aspect
// kept, centred on white) with its caption under it, dark text in the 8x8 font (8 px tall, 16
// at size >= 256) on a white band. Columns are ncols, rows as many as needed up to nrows.
//
// Undoing the batch transforms: IntToFloatTensor's [0, 1] floats become bytes again (to_image).
// A DataBlock's loaders show their batch transforms (`dls.batch_tfms()`, a std::tuple), so the
// Normalize among them is undone without being asked, as fastai does; `.denormalize` gives the
// statistics for loaders that do not show theirs (or overrides them). With neither, an image
// whose values leave [0, 1] is shown stretched from its own min to max, so its content stays
// visible although its colours are not the true ones.
//
// Captions decode each target with its block (the blocks after the first n_inp): a multi-label
// target reads as its labels joined by ';' (as fastai), a single label as itself, a regression
// target as its numbers (`2.5`, `(0.1, -0.3)`), anything else as show_value prints it; several
// targets are joined by " | ". A caption wider than the thumbnail wraps (at ';', ',' or ' ' when
// it can) onto at most two lines and is cut with "..". A target that is better drawn than
// written (points) is drawn on the thumbnail instead: pass `draw(Image& thumb, const Y& target,
// Rgb colour)` as the last argument, or define `draw_target(Image&, const Y&, Rgb)` next to the
// target type Y (found by argument-dependent lookup; vision/points.hpp can do so). Y is the
// target block's item_type made from the batch row (a TensorPoint in [-1, 1], say), and the
// thumbnail is exactly the shown image, so [-1, 1] maps onto it (`draw_points` does that).
//
// `show_results(dls, batch, preds, path, opts)` draws the same grid with two caption lines per
// cell, the target (dark) and then the prediction (green when its caption equals the target's,
// red otherwise), fastai's show_results; `preds` is a Tensor [N, ...] already in the target's
// form (0/1 or probabilities for multi-label, decoded at 0.5; class indices; numbers; points),
// each row is decoded by the target block like a target. Drawn targets are drawn green and
// predictions red. `show_images(images, captions, path, {.nrows, .ncols, .size})` does the grid
// for plain Images. `render_*` return the Image instead of writing it.
//
// Errors: value_error for options under 1 (nrows, ncols, max_n, size), for captions that do not
// match the images, for preds whose first dimension is smaller than the cells shown; index_error
// from one_batch() when the loader has no batch; save_png's io_error naming the path.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/data/blocks/category.hpp>
#include <fastblock/data/blocks/regression.hpp>
#include <fastblock/data/show.hpp>
#include <fastblock/tensor/tensor.hpp>
#include <fastblock/vision/draw.hpp>
#include <fastblock/vision/image.hpp>
#include <fastblock/vision/points.hpp>
#include <fastblock/vision/tensor_image.hpp>
#include <fastblock/vision/transforms.hpp>

namespace fastblock {

/// One line of a cell's caption and its colour.
struct CaptionLine {
  /// The text (ASCII; other bytes show as '?').
  std::string text = {};
  /// Its colour.
  Rgb colour = colours::dark;
};

/// One cell of a grid: a picture and the caption lines under it.
struct GridCell {
  /// The picture (shown as a thumbnail).
  Image image = {};
  /// Caption lines, top first (already wrapped to the cell's width).
  std::vector<CaptionLine> caption = {};
};

/// Options of render_grid.
struct GridOptions {
  /// Rows at most; 0: as many as the cells need.
  std::int64_t nrows = 0;
  /// Columns; 0: ceil(sqrt(number of cells)).
  std::int64_t ncols = 0;
  /// Side of each thumbnail's square in pixels.
  std::int64_t size = 128;
};

/// The font scale of captions under thumbnails of side `size`: 1 (8 px text), 2 from 256 px.
[[nodiscard]] int caption_scale(std::int64_t size) noexcept;

/// `text` wrapped into lines of at most `max_chars` characters, breaking after ';', ',' or ' '
/// when it can; beyond `max_lines` lines the last kept line ends with "..". value_error when
/// max_chars < 3 or max_lines < 1.
[[nodiscard]] std::vector<std::string> wrap_caption(std::string_view text, std::int64_t max_chars,
                                                    std::int64_t max_lines = 2);

/// The cells drawn as a grid (see the file comment): margins and gaps of 8 px, a white band
/// under every thumbnail as tall as the longest caption. value_error for no cell or an option
/// below 0 (size below 8).
[[nodiscard]] Image render_grid(const std::vector<GridCell>& cells,
                                const GridOptions& options = {});

/// Options of show_images.
struct ShowImagesOptions {
  /// Rows at most; 0: as many as needed.
  std::int64_t nrows = 0;
  /// Columns; 0: ceil(sqrt(number of images)).
  std::int64_t ncols = 0;
  /// Thumbnail side in pixels.
  std::int64_t size = 128;
};

/// The grid of `images` with `captions` (one per image, or none at all; value_error otherwise).
[[nodiscard]] Image render_images(const std::vector<Image>& images,
                                  const std::vector<std::string>& captions,
                                  const ShowImagesOptions& options = {});

/// Writes render_images(images, captions, options) as a PNG file at `path`.
void show_images(const std::vector<Image>& images, const std::vector<std::string>& captions,
                 const std::filesystem::path& path, const ShowImagesOptions& options = {});

/// Options of show_batch and show_results (fastai's max_n, nrows, ncols; size replaces figsize).
struct ShowBatchOptions {
  /// Rows at most.
  std::int64_t nrows = 3;
  /// Columns.
  std::int64_t ncols = 3;
  /// Items shown at most.
  std::int64_t max_n = 9;
  /// Thumbnail side in pixels.
  std::int64_t size = 128;
  /// The Normalize the batches went through, undone for display (see the file comment).
  std::optional<Normalize> denormalize = std::nullopt;
};

/// Item `i` of an image batch [N, 3, H, W] (uint8, or float32 in [0, 1] after IntToFloatTensor)
/// as an Image: `normalize` undone when given, else stretched from its min to its max when its
/// values leave [0, 1]. shape_error for another shape, index_error for i outside the batch.
[[nodiscard]] Image batch_image(const Tensor& batch, std::int64_t i,
                                const std::optional<Normalize>& normalize = std::nullopt);

/// Draws `points` [n, 2] of (x, y) in [-1, 1] (fastai's TensorPoint scaling: -1 the left/top
/// edge, 1 the right/bottom edge) on `image` as discs with a white ring; shape_error for another
/// shape. For draw_target overloads of point targets.
void draw_points(Image& image, const Tensor& points, Rgb colour = colours::red,
                 const MarkerOptions& marker = {.radius = 3.0, .outline = colours::white});

/// How show_batch and show_results draw PointBlock's targets: as markers on the image, as
/// fastai does (found by the draw_target lookup described in the file comment).
inline void draw_target(Image& image, const TensorPoint& points, Rgb colour) {
  draw_points(image, points.as_tensor().reshape({-1, 2}), colour);
}

/// A caption for a decoded target: the label.
[[nodiscard]] std::string caption_text(const std::string& label);
/// A caption for decoded labels: joined by ';' (fastai's multi-label title).
[[nodiscard]] std::string caption_text(const LabelList& labels);
/// A caption for a regression target: `2.5` or `(0.1, -0.3)` (4 significant digits).
[[nodiscard]] std::string caption_text(const RegressionTarget& target);
/// Any other decoded target: show_value's text.
template <class T>
[[nodiscard]] std::string caption_text(const T& decoded) {
  return show_value(decoded);
}

namespace detail::show_grid {

/// Stops unqualified lookup here so that `draw_target` is found by argument-dependent lookup.
void draw_target() = delete;

/// The default target drawer: the draw_target(Image&, const Y&, Rgb) found next to Y, when
/// there is one (only then is it invocable, so other targets get captions).
struct AdlDrawTarget {
  template <class Y>
  requires requires(Image& im, const Y& y, Rgb c) { draw_target(im, y, c); }
  void operator()(Image& im, const Y& y, Rgb colour) const { draw_target(im, y, colour); }
};

/// Batch-like: a tuple of at least two elements (inputs and targets).
template <class B>
concept BatchTuple = requires {
  std::tuple_size<std::remove_cvref_t<B>>::value;
}
&&(std::tuple_size_v<std::remove_cvref_t<B>> >= 2);

/// The first Normalize among the loaders' batch transforms, when they show them.
template <class DLs>
std::optional<Normalize> normalize_of(const DLs& dls) {
  if constexpr (requires { dls.batch_tfms(); }) {
    using T = std::remove_cvref_t<decltype(dls.batch_tfms())>;
    if constexpr (std::same_as<T, Normalize>) {
      return dls.batch_tfms();
    } else if constexpr (requires { std::tuple_size<T>::value; }) {
      std::optional<Normalize> found;
      std::apply(
          [&](const auto&... t) {
            (
                [&] {
                  if constexpr (std::same_as<std::remove_cvref_t<decltype(t)>, Normalize>)
                    if (!found) found = t;
                }(),
                ...);
          },
          dls.batch_tfms());
      return found;
    } else {
      return std::nullopt;
    }
  } else {
    (void)dls;
    return std::nullopt;
  }
}

/// The item of block type B made from row `i` of its batch tensor.
template <class B>
auto target_item(const Tensor& batch, std::int64_t i) {
  using Y = typename B::item_type;
  if constexpr (std::same_as<Y, Tensor>) {
    return batch[i];
  } else {
    static_assert(std::constructible_from<Y, Tensor>,
                  "fastblock::show_batch: the target block's item_type cannot be made from a row "
                  "of its batch tensor (give it a constructor from Tensor)");
    return Y(batch[i]);
  }
}

/// Validates show_batch options; returns the number of cells.
[[nodiscard]] std::int64_t cells_shown(const ShowBatchOptions& options, std::int64_t batch_size,
                                       const char* who);

/// Appends `text` wrapped for a thumbnail of side `size`, in `colour`.
void add_caption(std::vector<CaptionLine>& lines, std::string_view text, std::int64_t size,
                 Rgb colour);

/// The grid options of show_batch's options.
[[nodiscard]] GridOptions grid_of(const ShowBatchOptions& options, std::int64_t n);

/// Draws or captions target K of item `i`: captions `out` gets the decoded caption, or the
/// drawer draws on `thumb` (then `out` stays empty and `drawn` is set).
template <std::size_t K, class DLs, class Draw>
void target_view(const DLs& dls, const Tensor& batch, std::int64_t i, Draw& draw, Image& thumb,
                 Rgb colour, std::string& out, bool& drawn) {
  using Block = std::remove_cvref_t<decltype(dls.template block<K>())>;
  const auto y = target_item<Block>(batch, i);
  if constexpr (std::invocable<Draw&, Image&, const std::remove_cvref_t<decltype(y)>&, Rgb>) {
    draw(thumb, y, colour);
    drawn = true;
  } else {
    (void)draw;
    (void)thumb;
    (void)colour;
    if (!out.empty()) out += " | ";
    out += caption_text(dls.template block<K>().decode(y));
  }
}

/// The cells of show_batch / show_results: the images of `batch` with their targets' captions
/// (and, when `preds` is given, the predictions' captions).
template <class DLs, class Batch, class Draw>
std::vector<GridCell> batch_cells(const DLs& dls, const Batch& batch, const Tensor* preds,
                                  const ShowBatchOptions& options, Draw& draw, const char* who) {
  using Blocks = typename DLs::blocks_type;
  constexpr std::size_t n_inp = DLs::n_inp;
  constexpr std::size_t n_blocks = std::tuple_size_v<Blocks>;
  static_assert(n_inp == 1 && n_blocks >= 2,
                "fastblock::show_batch: shows DataBlocks with one image input and targets");
  static_assert(std::tuple_size_v<std::remove_cvref_t<Batch>> == n_blocks,
                "fastblock::show_batch: the batch must have one element per block");
  static_assert(std::derived_from<std::remove_cvref_t<std::tuple_element_t<0, Batch>>, Tensor>,
                "fastblock::show_batch: the first element of the batch must be an image tensor "
                "[N, 3, H, W] (ImageBlock's TensorImage)");
  const Tensor images = std::get<0>(batch).to(cpu);
  if (images.dim() != 4)
    throw shape_error(std::string("fastblock::") + who +
                      ": expected an image batch [N, 3, H, W], got " + images.describe());
  const std::int64_t n = cells_shown(options, images.size(0), who);
  std::optional<Normalize> stats = options.denormalize;
  if (!stats) stats = normalize_of(dls);
  Tensor pred_rows;
  if (preds) {
    pred_rows = preds->to(cpu);
    if (pred_rows.dim() < 1 || pred_rows.size(0) < n)
      throw shape_error(std::string("fastblock::") + who + ": preds must have a row per item (" +
                        std::to_string(n) + " shown), got " + pred_rows.describe());
  }
  std::vector<GridCell> cells;
  for (std::int64_t i = 0; i < n; ++i) {
    Image picture = batch_image(images, i, stats);
    Image thumb = thumbnail(picture, options.size, options.size);
    std::string target_caption, pred_caption;
    bool drawn = false;
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      (target_view<n_inp + K>(dls, std::get<n_inp + K>(batch).to(cpu), i, draw, thumb,
                              preds ? colours::green : colours::red, target_caption, drawn),
       ...);
    }
    (std::make_index_sequence<n_blocks - n_inp>{});
    if (preds) {
      target_view<n_blocks - 1>(dls, pred_rows, i, draw, thumb, colours::red, pred_caption, drawn);
    }
    GridCell cell{.image = std::move(thumb)};
    if (!target_caption.empty())
      add_caption(cell.caption, target_caption, options.size, colours::dark);
    if (preds && !pred_caption.empty())
      add_caption(cell.caption, pred_caption, options.size,
                  pred_caption == target_caption ? colours::green : colours::red);
    cells.push_back(std::move(cell));
  }
  return cells;
}

/// The loaders' first training batch.
template <class DLs>
auto first_batch(const DLs& dls) {
  if constexpr (requires { dls.one_batch(); }) {
    return dls.one_batch();
  } else {
    return dls.train.one_batch();
  }
}

}  // namespace detail::show_grid

/// The grid show_batch writes for `batch`, as an Image; `draw` draws targets that are drawn
/// rather than captioned (see the file comment).
template <class DLs, detail::show_grid::BatchTuple Batch,
          class Draw = detail::show_grid::AdlDrawTarget>
[[nodiscard]] Image render_batch(const DLs& dls, const Batch& batch,
                                 const ShowBatchOptions& options = {}, Draw draw = {}) {
  const auto cells =
      detail::show_grid::batch_cells(dls, batch, nullptr, options, draw, "show_batch");
  return render_grid(cells,
                     detail::show_grid::grid_of(options, static_cast<std::int64_t>(cells.size())));
}

/// fastai's `dls.show_batch()`: the first training batch as a PNG grid at `path` (see the file
/// comment).
template <class DLs>
void show_batch(const DLs& dls, const std::filesystem::path& path,
                const ShowBatchOptions& options = {}) {
  save_png(render_batch(dls, detail::show_grid::first_batch(dls), options), path);
}

/// What BlockDataLoaders::show_batch calls (found by argument-dependent lookup, so that the data
/// layer need not include this header).
template <class DLs>
void show_batch_of(const DLs& dls, const std::filesystem::path& path,
                   const ShowBatchOptions& options) {
  show_batch(dls, path, options);
}

/// show_batch with `draw(Image& thumb, const Y& target, Rgb colour)` drawing targets of type Y
/// on their thumbnails (points, say) instead of captioning them.
template <class DLs, class Draw>
void show_batch(const DLs& dls, const std::filesystem::path& path, const ShowBatchOptions& options,
                Draw draw) {
  save_png(render_batch(dls, detail::show_grid::first_batch(dls), options, std::move(draw)), path);
}

/// show_batch of a given batch (a validation batch, say) rather than the first training one.
template <class DLs, detail::show_grid::BatchTuple Batch>
void show_batch(const DLs& dls, const Batch& batch, const std::filesystem::path& path,
                const ShowBatchOptions& options = {}) {
  save_png(render_batch(dls, batch, options), path);
}

/// The grid show_results writes, as an Image.
template <class DLs, detail::show_grid::BatchTuple Batch,
          class Draw = detail::show_grid::AdlDrawTarget>
[[nodiscard]] Image render_results(const DLs& dls, const Batch& batch, const Tensor& preds,
                                   const ShowBatchOptions& options = {}, Draw draw = {}) {
  const auto cells =
      detail::show_grid::batch_cells(dls, batch, &preds, options, draw, "show_results");
  return render_grid(cells,
                     detail::show_grid::grid_of(options, static_cast<std::int64_t>(cells.size())));
}

/// fastai's `learn.show_results()`: the batch's images with target and prediction under each
/// (see the file comment); `preds` [N, ...] is already in the target's form.
template <class DLs, detail::show_grid::BatchTuple Batch>
void show_results(const DLs& dls, const Batch& batch, const Tensor& preds,
                  const std::filesystem::path& path, const ShowBatchOptions& options = {}) {
  save_png(render_results(dls, batch, preds, options), path);
}

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/vision/show-inl.hpp>
#endif
