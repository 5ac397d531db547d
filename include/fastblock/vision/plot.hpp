// fastblock/vision/plot.hpp — line charts written as PNG files (the learner's plots).
//
// Contract: `plot_lines(path, {series...}, {.title, .xlabel, .ylabel, .log_x, .width, .height,
// .markers, .ylim})` draws each Series as a polyline of its (x, y) points, in matplotlib's
// colour cycle unless it names a colour, on white, inside a framed axes box with light grid
// lines, outward ticks and tick labels at round values (1, 2, 2.5 or 5 times a power of ten;
// with `log_x`, powers of ten labelled 1e-07 ... 1e+01, with minor ticks between), the axis
// labels (the y label reads upwards), the title above, and a legend in the emptiest corner when
// there are several series. The axes span the finite data (and the markers) plus 5% on each
// side, or `ylim` for y (lines leaving it are cut at the frame). A point with a NaN or infinite
// coordinate (or x <= 0 with log_x) is skipped and breaks the line there (a gap); a series of
// at most 25 points also gets a dot on each point, so a per-epoch curve of a few values reads
// as points; a lone point is a dot. `markers` are dashed vertical lines at the given x with
// their label at the top (lr_find's suggestion). `render_lines` returns the Image instead of
// writing it.
//
// Errors are value_error naming what is wrong: no series, a series whose x and y differ in
// length or that is empty, no plottable point at all, a size under 160 x 120, an empty or
// reversed ylim. Writing the file is save_png's io_error.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/vision/draw.hpp>
#include <fastblock/vision/image.hpp>

namespace fastblock {

/// One line of a chart: its legend name and its points (x[i], y[i]).
struct Series {
  /// Name shown in the legend.
  std::string name = {};
  /// The x coordinates (same length as y).
  std::vector<double> x = {};
  /// The y coordinates.
  std::vector<double> y = {};
  /// The line's colour; by default the k-th colour of matplotlib's cycle for the k-th series.
  std::optional<Rgb> colour = std::nullopt;
};

/// A dashed vertical line across the axes at `x`, with `label` written at its top.
struct PlotMarker {
  /// Where, in data coordinates.
  double x = 0.0;
  /// The text at its top ("valley"); may be empty.
  std::string label = {};
  /// Its colour.
  Rgb colour = colours::red;
};

/// Options of plot_lines and render_lines.
struct PlotOptions {
  /// Title above the axes (none when empty).
  std::string title = {};
  /// Label under the x axis (none when empty).
  std::string xlabel = {};
  /// Label left of the y axis, reading upwards (none when empty).
  std::string ylabel = {};
  /// Logarithmic x axis (points with x <= 0 are skipped).
  bool log_x = false;
  /// Image width in pixels (at least 160).
  std::int64_t width = 640;
  /// Image height in pixels (at least 120).
  std::int64_t height = 480;
  /// Vertical marker lines (lr_find's suggestions).
  std::vector<PlotMarker> markers = {};
  /// Fixed y range {low, high} instead of the data's; low < high.
  std::optional<std::array<double, 2>> ylim = std::nullopt;
};

/// The chart of `series` as an Image (see the file comment).
[[nodiscard]] Image render_lines(const std::vector<Series>& series,
                                 const PlotOptions& options = {});

/// Writes render_lines(series, options) as a PNG file at `path`.
void plot_lines(const std::filesystem::path& path, const std::vector<Series>& series,
                const PlotOptions& options = {});

/// Round tick values covering [low, high]: about `target` of them, spaced 1, 2, 2.5 or 5 times a
/// power of ten, each inside [low, high] (the ticks of a linear axis).
[[nodiscard]] std::vector<double> nice_ticks(double low, double high, int target = 6);

/// A tick label: the shortest fixed notation that tells ticks `step` apart ("0.25", "3", "-1.5"),
/// or scientific notation ("1e-05", "2.5e+06") for very small or large values.
[[nodiscard]] std::string tick_label(double value, double step);

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/vision/plot-inl.hpp>
#endif
