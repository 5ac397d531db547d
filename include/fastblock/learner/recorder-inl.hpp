// fastblock/learner/recorder-inl.hpp — the plots of recorder.hpp.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <fastblock/core/error.hpp>
#include <fastblock/learner/recorder.hpp>
#include <fastblock/vision/plot.hpp>

namespace fastblock {

namespace detail::recorder {

/// 1, 2, ..., n as doubles: the batch numbers of a history.
FASTBLOCK_FUNC std::vector<double> iterations(std::size_t n) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<double>(i + 1);
  return x;
}

FASTBLOCK_FUNC void require(bool ok, const char* who) {
  if (!ok)
    throw value_error(std::string("fastblock::Recorder::") + who +
                      ": nothing recorded yet (train first)");
}

}  // namespace detail::recorder

FASTBLOCK_FUNC std::optional<std::array<double, 2>> detail::loss_plot_ylim(
    const std::vector<double>& train, const std::vector<double>& valid) {
  double top = -std::numeric_limits<double>::infinity();
  double low = std::numeric_limits<double>::infinity();
  for (double v : train)
    if (std::isfinite(v)) top = std::max(top, v), low = std::min(low, v);
  if (!std::isfinite(top)) return std::nullopt;
  bool cut = false;
  for (double v : valid) {
    if (!std::isfinite(v)) continue;
    if (v > 3 * top) cut = true;
    low = std::min(low, v);
  }
  if (!cut) return std::nullopt;
  return std::array<double, 2>{low, 3 * top};
}

FASTBLOCK_FUNC void Recorder::plot_loss(const std::filesystem::path& path,
                                        std::size_t skip_start) const {
  detail::recorder::require(!losses.empty(), "plot_loss");
  const std::size_t skip = skip_start < losses.size() ? skip_start : 0;
  const auto x = detail::recorder::iterations(losses.size());
  std::vector<Series> series{
      {.name = "train",
       .x = std::vector<double>(x.begin() + static_cast<std::ptrdiff_t>(skip), x.end()),
       .y = std::vector<double>(losses.begin() + static_cast<std::ptrdiff_t>(skip), losses.end())}};
  if (!values.empty()) {
    // Validation loss at the last batch of each epoch, as fastai places it.
    Series valid{.name = "valid"};
    const std::size_t per_epoch = losses.size() / values.size();
    for (std::size_t e = 0; e < values.size(); ++e)
      if (values[e].size() > 1) {
        valid.x.push_back(static_cast<double>((e + 1) * per_epoch));
        valid.y.push_back(values[e][1]);
      }
    if (!valid.x.empty()) series.push_back(std::move(valid));
  }
  plot_lines(path, series,
             {.title = "Loss",
              .xlabel = "batch",
              .ylabel = "loss",
              .ylim = detail::loss_plot_ylim(
                  series[0].y, series.size() > 1 ? series[1].y : std::vector<double>{})});
}

FASTBLOCK_FUNC void Recorder::plot_sched(const std::filesystem::path& path) const {
  detail::recorder::require(!lrs.empty(), "plot_sched");
  const auto x = detail::recorder::iterations(lrs.size());
  plot_lines(path, {{.name = "lr", .x = x, .y = lrs}},
             {.title = "Learning rate", .xlabel = "batch", .ylabel = "lr"});
  if (moms.size() == lrs.size()) {
    std::filesystem::path mom_path = path;
    mom_path.replace_filename(path.stem().string() + "_mom" + path.extension().string());
    plot_lines(mom_path, {{.name = "mom", .x = x, .y = moms}},
               {.title = "Momentum", .xlabel = "batch", .ylabel = "mom"});
  }
}

FASTBLOCK_FUNC void Recorder::plot_lr_find(const std::filesystem::path& path,
                                           std::optional<double> suggestion) const {
  detail::recorder::require(lrs.size() == losses.size() && lrs.size() > 5, "plot_lr_find");
  const auto n = static_cast<std::ptrdiff_t>(lrs.size() - 5);  // fastai's skip_end = 5
  PlotOptions options{
      .title = "Learning rate finder", .xlabel = "Learning Rate", .ylabel = "Loss", .log_x = true};
  if (suggestion) options.markers.push_back({.x = *suggestion, .label = "valley"});
  plot_lines(path,
             {{.name = "loss",
               .x = std::vector<double>(lrs.begin(), lrs.begin() + n),
               .y = std::vector<double>(losses.begin(), losses.begin() + n)}},
             options);
}

}  // namespace fastblock
