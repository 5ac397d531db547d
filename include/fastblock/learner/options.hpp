// fastblock/learner/options.hpp — the option structs of Learner's calls, and what they return.
//
// Contract: plain aggregates with fastai's defaults, meant for designated initialisers
// (`learn.fit_one_cycle(5, 1e-3, {.pct_start = 0.3})`); ValidationResult, SuggestedLRs and
// Predictions are what validate(), lr_find() and get_preds() return. Kept apart from
// learner.hpp so that the training loop reads in one sitting.
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string_view>
#include <vector>

#include <fastblock/learner/callback.hpp>
#include <fastblock/learner/metrics.hpp>
#include <fastblock/optim/optimizer.hpp>
#include <fastblock/tensor/device.hpp>
#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

/// How a learner splits the model's parameters into groups (fastai's `splitter`): the number of
/// groups and, for each parameter's dotted name, its group. Default: one group.
struct ParamSplitter {
  /// Number of groups (at least 1).
  std::size_t n_groups = 1;
  /// The group of the parameter named `name`, below n_groups; unset: group 0.
  std::function<std::size_t(std::string_view name)> group_of{};
};

/// Options of Learner, fastai's keyword arguments.
struct LearnerOptions {
  /// The optimiser and its hyper-parameters: Adam{} (fastai's default) or SGD{.mom = 0.9f}.
  OptFunc opt_func = Adam{};
  /// Learning rate used when fit/fit_one_cycle are given none (fastai's defaults.lr).
  double lr = 1e-3;
  /// Weight decay; unset: the optimiser's own (Adam's 0.01).
  std::optional<double> wd{};
  /// Metrics computed on the validation set after each epoch.
  std::vector<Metric> metrics{};
  /// Callbacks (see learner/callback.hpp).
  std::vector<Callback> cbs{};
  /// Parameter groups for freezing and discriminative learning rates.
  ParamSplitter splitter{};
  /// Where the model runs.
  Device device = cpu;
  /// Print nothing (no epoch table).
  bool quiet = false;
};

/// Options of fit.
struct FitOptions {
  /// Weight decay for this fit; unset: the learner's.
  std::optional<double> wd{};
};

/// Options of fit_one_cycle (fastai's defaults).
struct FitOneCycleOptions {
  /// Share of the iterations spent warming up.
  double pct_start = 0.25;
  /// The first learning rate is lr_max / div.
  double div = 25.0;
  /// The last learning rate is lr_max / div_final.
  double div_final = 1e5;
  /// Momentum at the start, at the peak learning rate, and at the end.
  std::array<double, 3> moms = {0.95, 0.85, 0.95};
  /// Weight decay for this fit; unset: the learner's.
  std::optional<double> wd{};
};

/// Options of fine_tune (fastai's defaults).
struct FineTuneOptions {
  /// Learning rate of the unfrozen phase's last group (halved after the frozen phase).
  double base_lr = 2e-3;
  /// Epochs with the body frozen.
  std::size_t freeze_epochs = 1;
  /// The first group trains at base_lr / lr_mult in the unfrozen phase.
  double lr_mult = 100.0;
  /// pct_start of the unfrozen phase.
  double pct_start = 0.3;
  /// div of the unfrozen phase.
  double div = 5.0;
  /// Weight decay; unset: the learner's.
  std::optional<double> wd{};
};

/// Options of get_preds.
struct GetPredsOptions {
  /// 1: the validation set (default); 0: the training set, in order, every item, with the
  /// training transforms (as fastai's dls[0].new(shuffle=False, drop_last=False)).
  std::size_t ds_idx = 1;
  /// Apply the loss's activation (sigmoid, softmax) to the outputs, as fastai does.
  bool with_activation = true;
};

/// What validate() returns: [valid_loss, metrics...], printed as fastai's L: `(#2) [0.1021,
/// 0.9333]`.
struct ValidationResult {
  /// valid_loss then each metric, in the learner's order.
  std::vector<double> values;
  /// Value i.
  [[nodiscard]] double operator[](std::size_t i) const { return values.at(i); }
  /// Number of values.
  [[nodiscard]] std::size_t size() const noexcept { return values.size(); }
};

/// `(#n) [v0, v1, ...]` with 4 decimals.
std::ostream& operator<<(std::ostream& os, const ValidationResult& r);

/// Options of lr_find (fastai's defaults).
struct LrFindOptions {
  /// First learning rate of the sweep.
  double start_lr = 1e-7;
  /// Learning rate reached after num_it batches.
  double end_lr = 10.0;
  /// Batches in the sweep (over several epochs when the training set is smaller).
  std::size_t num_it = 100;
  /// Stop when the smoothed loss exceeds 4x the best seen.
  bool stop_div = true;
  /// Where to write the plot of the sweep (PNG, the valley marked); empty: no plot.
  std::filesystem::path plot{};
};

/// lr_find's suggestions, fastai's three rules, printed as `SuggestedLRs(minimum=..., steep=...,
/// valley=...)`.
struct SuggestedLRs {
  /// The learning rate of the lowest loss, divided by 10.
  double minimum = 0.0;
  /// Where the loss falls fastest against log(lr).
  double steep = 0.0;
  /// fastai's default: inside the longest run of decreasing losses, 1/2 of a third in.
  double valley = 0.0;
};

/// `SuggestedLRs(minimum=0.0063, steep=0.0012, valley=0.0008)`.
std::ostream& operator<<(std::ostream& os, const SuggestedLRs& s);

/// What get_preds() returns: `auto [preds, targs] = learn.get_preds();`.
struct Predictions {
  /// Model outputs after the loss's activation, one row per item, on the host.
  Tensor preds;
  /// The matching targets, on the host.
  Tensor targs;
};

}  // namespace fastblock
