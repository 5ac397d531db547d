// fastblock/vision/show-inl.hpp — out-of-line definitions for vision/show.hpp.
//
// Included by show.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/tensor/tensor.hpp>
#include <fastblock/vision/draw.hpp>
#include <fastblock/vision/font.hpp>
#include <fastblock/vision/image.hpp>
#include <fastblock/vision/show.hpp>
#include <fastblock/vision/tensor_image.hpp>
#include <fastblock/vision/transforms.hpp>

namespace fastblock {

FASTBLOCK_FUNC int caption_scale(std::int64_t size) noexcept { return size >= 256 ? 2 : 1; }

FASTBLOCK_FUNC std::vector<std::string> wrap_caption(std::string_view text, std::int64_t max_chars,
                                                     std::int64_t max_lines) {
  if (max_chars < 3)
    throw value_error("fastblock::wrap_caption: max_chars must be at least 3, got " +
                      std::to_string(max_chars));
  if (max_lines < 1)
    throw value_error("fastblock::wrap_caption: max_lines must be at least 1, got " +
                      std::to_string(max_lines));
  const auto limit = static_cast<std::size_t>(max_chars);
  std::vector<std::string> lines;
  std::string rest(text);
  while (!rest.empty()) {
    if (rest.size() <= limit) {
      lines.push_back(rest);
      break;
    }
    // Break after the last separator that keeps the line within the limit.
    std::size_t cut = std::string::npos;
    for (std::size_t k = limit; k > 0; --k) {
      const char c = rest[k - 1];
      if (c == ';' || c == ',' || c == ' ') {
        cut = k;
        break;
      }
    }
    if (cut == std::string::npos) cut = limit;
    std::string line = rest.substr(0, cut);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    lines.push_back(line);
    rest.erase(0, cut);
    while (!rest.empty() && rest.front() == ' ') rest.erase(0, 1);
  }
  if (lines.size() > static_cast<std::size_t>(max_lines)) {
    lines.resize(static_cast<std::size_t>(max_lines));
    std::string& last = lines.back();
    if (last.size() + 2 > limit) last.resize(limit - 2);
    last += "..";
  }
  return lines;
}

FASTBLOCK_FUNC Image render_grid(const std::vector<GridCell>& cells, const GridOptions& options) {
  if (cells.empty()) throw value_error("fastblock::render_grid: no cell to draw");
  if (options.nrows < 0 || options.ncols < 0 || options.size < 8)
    throw value_error(
        "fastblock::render_grid: nrows and ncols must be >= 0 and size >= 8, got "
        "nrows=" +
        std::to_string(options.nrows) + ", ncols=" + std::to_string(options.ncols) +
        ", size=" + std::to_string(options.size));
  const auto n = static_cast<std::int64_t>(cells.size());
  const std::int64_t ncols =
      options.ncols > 0 ? options.ncols
                        : static_cast<std::int64_t>(std::ceil(std::sqrt(static_cast<double>(n))));
  std::int64_t nrows = (n + ncols - 1) / ncols;
  if (options.nrows > 0) nrows = std::min(nrows, options.nrows);
  const std::int64_t shown = std::min(n, nrows * ncols);
  const std::int64_t used_cols = std::min(ncols, shown);
  const int scale = caption_scale(options.size);
  const std::int64_t line_h = text_height(scale) + 3 * scale;
  std::size_t max_lines = 0;
  for (std::int64_t k = 0; k < shown; ++k)
    max_lines = std::max(max_lines, cells[static_cast<std::size_t>(k)].caption.size());
  const std::int64_t band = max_lines == 0 ? 0 : 5 + static_cast<std::int64_t>(max_lines) * line_h;
  const std::int64_t margin = 8, gap = 8, side = options.size;
  const std::int64_t width = 2 * margin + used_cols * side + (used_cols - 1) * gap;
  const std::int64_t height = 2 * margin + nrows * (side + band) + (nrows - 1) * gap;
  Image grid(width, height, colours::white);
  for (std::int64_t k = 0; k < shown; ++k) {
    const GridCell& cell = cells[static_cast<std::size_t>(k)];
    const std::int64_t x = margin + (k % ncols) * (side + gap);
    const std::int64_t y = margin + (k / ncols) * (side + band + gap);
    if (!cell.image.empty()) {
      const Image thumb = cell.image.width() <= side && cell.image.height() <= side &&
                                  (cell.image.width() == side || cell.image.height() == side)
                              ? cell.image
                              : thumbnail(cell.image, side, side);
      paste(grid, thumb, x + (side - thumb.width()) / 2, y + (side - thumb.height()) / 2);
    }
    for (std::size_t l = 0; l < cell.caption.size(); ++l) {
      const CaptionLine& line = cell.caption[l];
      const std::int64_t w = text_width(line.text, scale);
      draw_text(grid, x + std::max<std::int64_t>(0, (side - w) / 2),
                y + side + 5 + static_cast<std::int64_t>(l) * line_h, line.text,
                {.colour = line.colour, .scale = scale});
    }
  }
  return grid;
}

FASTBLOCK_FUNC Image render_images(const std::vector<Image>& images,
                                   const std::vector<std::string>& captions,
                                   const ShowImagesOptions& options) {
  if (images.empty()) throw value_error("fastblock::show_images: no image to show");
  if (!captions.empty() && captions.size() != images.size())
    throw value_error("fastblock::show_images: " + std::to_string(captions.size()) +
                      " captions for " + std::to_string(images.size()) +
                      " images (give one per image, or none)");
  if (options.size < 8)
    throw value_error("fastblock::show_images: size must be at least 8, got " +
                      std::to_string(options.size));
  std::vector<GridCell> cells;
  for (std::size_t k = 0; k < images.size(); ++k) {
    GridCell cell{.image = images[k].empty() ? Image()
                                             : thumbnail(images[k], options.size, options.size)};
    if (!captions.empty())
      detail::show_grid::add_caption(cell.caption, captions[k], options.size, colours::dark);
    cells.push_back(std::move(cell));
  }
  return render_grid(cells, {.nrows = options.nrows, .ncols = options.ncols, .size = options.size});
}

FASTBLOCK_FUNC void show_images(const std::vector<Image>& images,
                                const std::vector<std::string>& captions,
                                const std::filesystem::path& path,
                                const ShowImagesOptions& options) {
  save_png(render_images(images, captions, options), path);
}

FASTBLOCK_FUNC Image batch_image(const Tensor& batch, std::int64_t i,
                                 const std::optional<Normalize>& normalize) {
  if (batch.dim() != 4 || batch.size(1) != 3)
    throw shape_error("fastblock::batch_image: expected an image batch [N, 3, H, W], got " +
                      batch.describe());
  if (i < 0 || i >= batch.size(0))
    throw index_error("fastblock::batch_image: item " + std::to_string(i) +
                      " is outside a batch of " + std::to_string(batch.size(0)));
  Tensor item = batch.to(cpu)[i];
  if (item.dtype() == uint8) return to_image(item);
  item = item.to(float32);
  if (normalize) return to_image(normalize->decode(TensorImage(item)));
  const float lo = item.min().item<float>(), hi = item.max().item<float>();
  if ((lo < -0.02f || hi > 1.02f) && std::isfinite(lo) && std::isfinite(hi) && hi > lo)
    item = (item - lo) / (hi - lo);
  return to_image(item);
}

FASTBLOCK_FUNC void draw_points(Image& image, const Tensor& points, Rgb colour,
                                const MarkerOptions& marker) {
  if (points.dim() != 2 || points.size(1) != 2)
    throw shape_error("fastblock::draw_points: expected points [n, 2] of (x, y) in [-1, 1], got " +
                      points.describe());
  const Tensor p = points.to(cpu).to(float32).contiguous();
  const auto v = p.span<float>();
  const double w = static_cast<double>(image.width()), h = static_cast<double>(image.height());
  for (std::int64_t k = 0; k < p.size(0); ++k) {
    const double x =
        (static_cast<double>(v[static_cast<std::size_t>(2 * k)]) + 1.0) * w / 2.0 - 0.5;
    const double y =
        (static_cast<double>(v[static_cast<std::size_t>(2 * k + 1)]) + 1.0) * h / 2.0 - 0.5;
    draw_marker(image, x, y, colour, marker);
  }
}

FASTBLOCK_FUNC std::string caption_text(const std::string& label) { return label; }

FASTBLOCK_FUNC std::string caption_text(const LabelList& labels) {
  std::string out;
  for (const std::string& l : labels) {
    if (!out.empty()) out += ';';
    out += l;
  }
  return out;
}

FASTBLOCK_FUNC std::string caption_text(const RegressionTarget& target) {
  const Tensor t = target.tensor().to(cpu).to(float32).contiguous();
  const auto v = t.span<float>();
  const auto number = [](float x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", static_cast<double>(x));
    return std::string(buf);
  };
  if (t.dim() == 0 && v.size() == 1) return number(v[0]);
  std::string out = "(";
  for (std::size_t k = 0; k < v.size(); ++k) out += (k ? ", " : "") + number(v[k]);
  return out + ")";
}

namespace detail::show_grid {

FASTBLOCK_FUNC std::int64_t cells_shown(const ShowBatchOptions& options, std::int64_t batch_size,
                                        const char* who) {
  if (options.nrows < 1 || options.ncols < 1 || options.max_n < 1 || options.size < 8)
    throw value_error(std::string("fastblock::") + who +
                      ": nrows, ncols and max_n must be at least 1 and size at least 8, got "
                      "nrows=" +
                      std::to_string(options.nrows) + ", ncols=" + std::to_string(options.ncols) +
                      ", max_n=" + std::to_string(options.max_n) +
                      ", size=" + std::to_string(options.size));
  if (batch_size < 1) throw value_error(std::string("fastblock::") + who + ": the batch is empty");
  return std::min({options.max_n, options.nrows * options.ncols, batch_size});
}

FASTBLOCK_FUNC void add_caption(std::vector<CaptionLine>& lines, std::string_view text,
                                std::int64_t size, Rgb colour) {
  const std::int64_t chars = std::max<std::int64_t>(
      3, size / (static_cast<std::int64_t>(font_glyph_width) * caption_scale(size)));
  for (std::string& line : wrap_caption(text, chars, 2))
    lines.push_back({.text = std::move(line), .colour = colour});
}

FASTBLOCK_FUNC GridOptions grid_of(const ShowBatchOptions& options, std::int64_t n) {
  return {.nrows = options.nrows,
          .ncols = std::min(options.ncols, std::max<std::int64_t>(n, 1)),
          .size = options.size};
}

}  // namespace detail::show_grid

}  // namespace fastblock
