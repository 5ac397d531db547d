// fastblock/vision/plot-inl.hpp — out-of-line definitions for vision/plot.hpp.
//
// Included by plot.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes. The data area is
// drawn on its own canvas (grid, markers, lines, dots) and pasted into the figure, so lines that
// leave the axes are cut at the frame by draw_line's clipping; the frame, ticks, labels, title
// and legend are drawn on the figure around it.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/vision/draw.hpp>
#include <fastblock/vision/image.hpp>
#include <fastblock/vision/plot.hpp>

namespace fastblock {

namespace detail::plot {

/// A series' point is drawn: both coordinates finite, and x > 0 on a log axis.
FASTBLOCK_FUNC bool plottable(double x, double y, bool log_x) noexcept {
  return std::isfinite(x) && std::isfinite(y) && (!log_x || x > 0.0);
}

/// One axis: its range in axis units (log10 of the value on a log axis).
struct Axis {
  double lo = 0.0;
  double hi = 1.0;
  bool log = false;
  [[nodiscard]] double unit(double v) const { return log ? std::log10(v) : v; }
};

/// Widens [lo, hi] by 5% on each side, or around a single value.
FASTBLOCK_FUNC void add_margins(double& lo, double& hi, bool log) {
  if (hi > lo) {
    const double m = 0.05 * (hi - lo);
    lo -= m;
    hi += m;
    return;
  }
  const double d = log ? 0.5 : (lo != 0.0 ? std::abs(lo) * 0.1 : 1.0);
  lo -= d;
  hi += d;
}

/// printf into a std::string.
FASTBLOCK_FUNC std::string format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

/// A tick on an axis: where (axis units) and its label (empty for minor ticks).
struct Tick {
  double at = 0.0;
  std::string label;
};

/// Ticks of a linear axis whose labels, `spacing_of(n)` pixels apart for n ticks, do not touch.
template <class Fits>
std::vector<Tick> linear_ticks(double lo, double hi, int target, Fits&& fits) {
  for (; target >= 2; --target) {
    const std::vector<double> values = nice_ticks(lo, hi, target);
    const double step = values.size() > 1 ? values[1] - values[0] : (hi - lo);
    std::vector<Tick> ticks;
    for (const double v : values) ticks.push_back({v, tick_label(v, step)});
    if (fits(ticks) || target == 2) return ticks;
  }
  return {};
}

}  // namespace detail::plot

FASTBLOCK_FUNC std::vector<double> nice_ticks(double low, double high, int target) {
  if (!std::isfinite(low) || !std::isfinite(high) || !(high > low)) return {low};
  const double raw = (high - low) / std::max(target, 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  const double step = (norm <= 1.0   ? 1.0
                       : norm <= 2.0 ? 2.0
                       : norm <= 2.5 ? 2.5
                       : norm <= 5.0 ? 5.0
                                     : 10.0) *
                      mag;
  const double first = std::ceil(low / step - 1e-9);
  std::vector<double> ticks;
  for (double k = first;; k += 1.0) {
    double v = k * step;
    if (v > high + step * 1e-9) break;
    if (std::abs(v) < step * 1e-9) v = 0.0;
    ticks.push_back(v);
    if (ticks.size() > 1000) break;
  }
  return ticks;
}

FASTBLOCK_FUNC std::string tick_label(double value, double step) {
  if (value == 0.0) return "0";
  const double a = std::abs(value);
  step = std::abs(step);
  if (a >= 1e6 || a < 1e-4 || (step > 0 && step < 1e-4)) {
    std::string s = detail::plot::format("%.3g", value);
    return s;
  }
  int decimals = 0;
  if (step > 0) {
    for (; decimals < 10; ++decimals) {
      const double scaled = step * std::pow(10.0, decimals);
      if (std::abs(scaled - std::round(scaled)) < 1e-6 * std::max(scaled, 1.0)) break;
    }
  }
  char fmt[16];
  std::snprintf(fmt, sizeof fmt, "%%.%df", decimals);
  return detail::plot::format(fmt, value);
}

FASTBLOCK_FUNC Image render_lines(const std::vector<Series>& series, const PlotOptions& options) {
  using detail::plot::Tick;
  const std::string who = "fastblock::plot_lines: ";
  if (options.width < 160 || options.height < 120)
    throw value_error(who + "the image must be at least 160 x 120 pixels, got " +
                      std::to_string(options.width) + " x " + std::to_string(options.height));
  if (series.empty()) throw value_error(who + "no series to plot");
  for (const Series& s : series) {
    if (s.x.size() != s.y.size())
      throw value_error(who + "series '" + s.name + "' has " + std::to_string(s.x.size()) +
                        " x values but " + std::to_string(s.y.size()) + " y values");
    if (s.x.empty()) throw value_error(who + "series '" + s.name + "' has no point");
  }
  if (options.ylim && !((*options.ylim)[0] < (*options.ylim)[1]))
    throw value_error(who + "ylim must be {low, high} with low < high, got {" +
                      std::to_string((*options.ylim)[0]) + ", " +
                      std::to_string((*options.ylim)[1]) + "}");

  // Data ranges.
  const bool log_x = options.log_x;
  detail::plot::Axis xa{.lo = std::numeric_limits<double>::infinity(),
                        .hi = -std::numeric_limits<double>::infinity(),
                        .log = log_x};
  detail::plot::Axis ya{.lo = xa.lo, .hi = xa.hi, .log = false};
  std::size_t n_points = 0;
  for (const Series& s : series)
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!detail::plot::plottable(s.x[i], s.y[i], log_x)) continue;
      ++n_points;
      xa.lo = std::min(xa.lo, xa.unit(s.x[i]));
      xa.hi = std::max(xa.hi, xa.unit(s.x[i]));
      ya.lo = std::min(ya.lo, s.y[i]);
      ya.hi = std::max(ya.hi, s.y[i]);
    }
  if (n_points == 0)
    throw value_error(who + "no point to plot: every point has a NaN or infinite coordinate" +
                      (log_x ? " or x <= 0 (log_x)" : ""));
  for (const PlotMarker& m : options.markers)
    if (std::isfinite(m.x) && (!log_x || m.x > 0)) {
      xa.lo = std::min(xa.lo, xa.unit(m.x));
      xa.hi = std::max(xa.hi, xa.unit(m.x));
    }
  detail::plot::add_margins(xa.lo, xa.hi, log_x);
  if (options.ylim) {
    ya.lo = (*options.ylim)[0];
    ya.hi = (*options.ylim)[1];
  } else {
    detail::plot::add_margins(ya.lo, ya.hi, false);
  }

  // Layout: fonts, then the y ticks (their labels set the left margin), then the x ticks.
  const std::int64_t W = options.width, H = options.height;
  const int title_scale = W >= 400 && text_width(options.title, 2) <= W - 20 ? 2 : 1;
  const std::int64_t th = text_height(1);  // tick and axis labels
  const std::int64_t top = 14 + (options.title.empty() ? 0 : text_height(title_scale) + 12);
  const std::int64_t bottom = 4 + 5 + th + (options.xlabel.empty() ? 0 : 10 + th) + 12;
  const std::int64_t approx_ph = std::max<std::int64_t>(40, H - top - bottom);
  const std::vector<Tick> yticks = detail::plot::linear_ticks(
      ya.lo, ya.hi, static_cast<int>(std::clamp<std::int64_t>(approx_ph / 55, 3, 10)),
      [&](const std::vector<Tick>& t) {
        return t.size() < 2 ||
               static_cast<double>(approx_ph) / static_cast<double>(t.size()) >= 2.5 * th;
      });
  std::int64_t ylabel_w = 0;
  for (const Tick& t : yticks) ylabel_w = std::max(ylabel_w, text_width(t.label));
  const std::int64_t left = 10 + (options.ylabel.empty() ? 0 : th + 10) + ylabel_w + 5 + 5;

  // x ticks need the plot width, which needs the right margin, which needs the last label.
  std::vector<Tick> xticks, xminor;
  std::int64_t right = 20;
  std::int64_t pw = 0;
  for (int pass = 0; pass < 2; ++pass) {
    pw = std::max<std::int64_t>(40, W - left - right);
    const auto fits = [&](const std::vector<Tick>& t) {
      for (std::size_t k = 1; k < t.size(); ++k) {
        const double gap = (t[k].at - t[k - 1].at) / (xa.hi - xa.lo) * static_cast<double>(pw);
        const double need =
            static_cast<double>(text_width(t[k].label) + text_width(t[k - 1].label)) / 2.0 + 12.0;
        if (gap < need) return false;
      }
      return true;
    };
    if (log_x) {
      xticks.clear();
      xminor.clear();
      const auto k0 = static_cast<long>(std::ceil(xa.lo - 1e-9));
      const auto k1 = static_cast<long>(std::floor(xa.hi + 1e-9));
      for (long stride = 1; stride <= 64; stride *= 2) {
        xticks.clear();
        for (long k = k0; k <= k1; ++k)
          if ((k - k0) % stride == 0)
            xticks.push_back(
                {static_cast<double>(k),
                 detail::plot::format("%.0e", std::pow(10.0, static_cast<double>(k)))});
        if (fits(xticks)) break;
      }
      for (long k = static_cast<long>(std::floor(xa.lo)); k <= k1; ++k) {
        for (int m = 1; m <= 9; ++m) {
          const double at = static_cast<double>(k) + std::log10(static_cast<double>(m));
          if (at >= xa.lo && at <= xa.hi) xminor.push_back({at, ""});
        }
      }
      if (xticks.empty()) {  // less than a decade: label the ends of the range
        for (const double at : {xa.lo + 0.05 * (xa.hi - xa.lo), xa.hi - 0.05 * (xa.hi - xa.lo)})
          xticks.push_back({at, detail::plot::format("%.2g", std::pow(10.0, at))});
      }
    } else {
      xticks = detail::plot::linear_ticks(
          xa.lo, xa.hi, static_cast<int>(std::clamp<std::int64_t>(pw / 80, 3, 12)), fits);
    }
    if (xticks.empty()) break;
    const Tick& last = xticks.back();
    const double last_px = (last.at - xa.lo) / (xa.hi - xa.lo) * static_cast<double>(pw);
    const std::int64_t overhang =
        static_cast<std::int64_t>(last_px) + text_width(last.label) / 2 + 6 - pw;
    const std::int64_t wanted = std::max<std::int64_t>(20, overhang + right);
    if (wanted == right) break;
    right = wanted;
  }
  const std::int64_t ph = std::max<std::int64_t>(40, H - top - bottom);
  pw = std::max<std::int64_t>(40, W - left - right);

  // The canvas of the data area.
  Image canvas(pw, ph, colours::white);
  const auto cx = [&](double x_units) {
    return (x_units - xa.lo) / (xa.hi - xa.lo) * static_cast<double>(pw - 1);
  };
  const auto cy = [&](double y) {
    return static_cast<double>(ph - 1) -
           (y - ya.lo) / (ya.hi - ya.lo) * static_cast<double>(ph - 1);
  };
  for (const Tick& t : yticks)
    draw_line(canvas, 0, cy(t.at), static_cast<double>(pw - 1), cy(t.at), colours::grid);
  for (const Tick& t : xticks)
    draw_line(canvas, cx(t.at), 0, cx(t.at), static_cast<double>(ph - 1), colours::grid);
  for (const PlotMarker& m : options.markers)
    if (std::isfinite(m.x) && (!log_x || m.x > 0)) {
      const double x = cx(xa.unit(m.x));
      draw_line(canvas, x, 0, x, static_cast<double>(ph - 1), m.colour,
                {.thickness = 2, .dash = 6});
    }
  for (std::size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    const Rgb colour = s.colour.value_or(cycle_colour(k));
    std::size_t finite = 0;
    bool have_prev = false;
    double px = 0, py = 0;
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!detail::plot::plottable(s.x[i], s.y[i], log_x)) {
        have_prev = false;  // a gap
        continue;
      }
      ++finite;
      const double x = cx(xa.unit(s.x[i])), y = cy(s.y[i]);
      if (have_prev) draw_line(canvas, px, py, x, y, colour, {.thickness = 2});
      px = x;
      py = y;
      have_prev = true;
    }
    if (finite <= 25)
      for (std::size_t i = 0; i < s.x.size(); ++i)
        if (detail::plot::plottable(s.x[i], s.y[i], log_x))
          draw_marker(canvas, cx(xa.unit(s.x[i])), cy(s.y[i]), colour, {.radius = 3.0});
  }
  for (const PlotMarker& m : options.markers)
    if (!m.label.empty() && std::isfinite(m.x) && (!log_x || m.x > 0)) {
      const auto x = static_cast<std::int64_t>(std::lround(cx(xa.unit(m.x))));
      const std::int64_t w = text_width(m.label);
      const std::int64_t at = x + 6 + w + 2 <= pw ? x + 6 : x - 6 - w;
      fill_rect(canvas, {at - 2, 4, w + 4, th + 4}, colours::white);
      draw_text(canvas, at, 6, m.label, {.colour = m.colour});
    }

  // The legend, in the corner of the canvas with the fewest points under it.
  if (series.size() > 1) {
    std::int64_t name_w = 0;
    for (const Series& s : series) name_w = std::max(name_w, text_width(s.name));
    const std::int64_t row_h = th + 6;
    const std::int64_t lw = 8 + 24 + 6 + name_w + 8;
    const std::int64_t lh = 6 + static_cast<std::int64_t>(series.size()) * row_h + 2;
    const std::array<std::array<std::int64_t, 2>, 4> corners = {
        {{pw - lw - 8, 8}, {8, 8}, {pw - lw - 8, ph - lh - 8}, {8, ph - lh - 8}}};
    std::size_t best = 0;
    std::size_t best_count = std::numeric_limits<std::size_t>::max();
    for (std::size_t c = 0; c < corners.size(); ++c) {
      std::size_t count = 0;
      const auto [lx, ly] = corners[c];
      for (const Series& s : series)
        for (std::size_t i = 0; i < s.x.size(); ++i) {
          if (!detail::plot::plottable(s.x[i], s.y[i], log_x)) continue;
          const double x = cx(xa.unit(s.x[i])), y = cy(s.y[i]);
          if (x >= static_cast<double>(lx - 4) && x <= static_cast<double>(lx + lw + 4) &&
              y >= static_cast<double>(ly - 4) && y <= static_cast<double>(ly + lh + 4))
            ++count;
        }
      if (count < best_count) {
        best = c;
        best_count = count;
      }
    }
    const auto [lx, ly] = corners[best];
    fill_rect(canvas, {lx, ly, lw, lh}, colours::white);
    draw_rect(canvas, {lx, ly, lw, lh}, Rgb{200, 200, 200});
    for (std::size_t k = 0; k < series.size(); ++k) {
      const std::int64_t y = ly + 6 + static_cast<std::int64_t>(k) * row_h;
      const Rgb colour = series[k].colour.value_or(cycle_colour(k));
      const double mid = static_cast<double>(y) + static_cast<double>(th) / 2.0 - 0.5;
      draw_line(canvas, static_cast<double>(lx + 8), mid, static_cast<double>(lx + 8 + 24), mid,
                colour, {.thickness = 2});
      draw_text(canvas, lx + 8 + 24 + 6, y, series[k].name, {.colour = colours::dark});
    }
  }

  // The figure around it.
  Image figure(W, H, colours::white);
  paste(figure, canvas, left, top);
  draw_rect(figure, {left - 1, top - 1, pw + 2, ph + 2}, colours::dark);
  for (const Tick& t : yticks) {
    const auto y = top + static_cast<std::int64_t>(std::lround(cy(t.at)));
    fill_rect(figure, {left - 6, y, 5, 1}, colours::dark);
    draw_text(figure, left - 6 - 5 - text_width(t.label), y - th / 2 + 1, t.label,
              {.colour = colours::dark});
  }
  for (const Tick& t : xminor) {
    const auto x = left + static_cast<std::int64_t>(std::lround(cx(t.at)));
    fill_rect(figure, {x, top + ph + 1, 1, 3}, colours::dark);
  }
  for (const Tick& t : xticks) {
    const auto x = left + static_cast<std::int64_t>(std::lround(cx(t.at)));
    fill_rect(figure, {x, top + ph + 1, 1, 5}, colours::dark);
    draw_text(figure, x - text_width(t.label) / 2 + 1, top + ph + 1 + 5 + 4, t.label,
              {.colour = colours::dark});
  }
  if (!options.xlabel.empty())
    draw_text(figure, left + pw / 2 - text_width(options.xlabel) / 2,
              top + ph + 1 + 5 + 4 + th + 10, options.xlabel, {.colour = colours::dark});
  if (!options.ylabel.empty())
    draw_text(figure, 10, top + ph / 2 - text_width(options.ylabel) / 2, options.ylabel,
              {.colour = colours::dark, .rotated = true});
  if (!options.title.empty()) {
    const std::int64_t tw = text_width(options.title, title_scale);
    const std::int64_t tx =
        std::clamp<std::int64_t>(left + pw / 2 - tw / 2, 4, std::max<std::int64_t>(4, W - tw - 4));
    draw_text(figure, tx, 12, options.title, {.colour = colours::black, .scale = title_scale});
  }
  return figure;
}

FASTBLOCK_FUNC void plot_lines(const std::filesystem::path& path, const std::vector<Series>& series,
                               const PlotOptions& options) {
  save_png(render_lines(series, options), path);
}

}  // namespace fastblock
