// fastblock/learner/recorder.hpp — what a training run leaves behind (fastai's Recorder).
//
// Contract: the learner feeds the recorder every training batch's loss and hyper-parameters and
// every epoch's statistics. `losses` holds the smoothed training loss after each batch, as
// fastai's Recorder does (an exponential moving average with beta = 0.98, debiased, restarted at
// each epoch's first batch); `lrs` and `moms` the last parameter group's learning rate and
// momentum used for that batch; `values` one row per epoch of [train_loss, valid_loss, metrics...]
// (train_loss is the smoothed loss at the end of the epoch, valid_loss the mean over every
// validation item). `metric_names` names the columns of the epoch table, epoch and time included.
// The plots write PNG charts (vision/plot.hpp) a person can look at: plot_loss (fastai's: the
// training loss per batch after skip_start, the validation loss per epoch as points),
// plot_sched (learning rate and momentum per batch) and plot_lr_find (loss against a log-scale
// learning rate, the last 5 points left out as fastai does, the suggestion marked).
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <fastblock/core/config.hpp>

namespace fastblock {

/// fastai's AvgSmoothLoss: a debiased exponential moving average of the batch losses.
class SmoothLoss {
 public:
  /// Weight of the past (fastai's beta = 0.98).
  explicit SmoothLoss(double beta = 0.98) noexcept : beta_(beta) {}
  /// Forgets every loss seen.
  void reset() noexcept {
    count_ = 0;
    value_ = 0.0;
  }
  /// Adds one batch's loss (torch.lerp(loss, value, beta)).
  void accumulate(double loss) noexcept {
    ++count_;
    value_ = beta_ * value_ + (1.0 - beta_) * loss;
  }
  /// The debiased average (NaN before the first loss).
  [[nodiscard]] double value() const noexcept {
    if (count_ == 0) return std::nan("");
    return value_ / (1.0 - std::pow(beta_, static_cast<double>(count_)));
  }

 private:
  double beta_;
  double value_ = 0.0;
  std::size_t count_ = 0;
};

/// The history of a learner's training (see the contract above).
struct Recorder {
  /// Smoothed training loss after each training batch.
  std::vector<double> losses;
  /// Learning rate of the last parameter group at each training batch.
  std::vector<double> lrs;
  /// Momentum (Adam's beta1) of the last parameter group at each training batch.
  std::vector<double> moms;
  /// Per epoch: train_loss, valid_loss, then one value per metric.
  std::vector<std::vector<double>> values;
  /// The epoch table's columns: epoch, train_loss, valid_loss, metric names..., time.
  std::vector<std::string> metric_names;
  /// Training batches of the last fit.
  std::size_t iters = 0;

  /// fastai's recorder.plot_loss: training loss per batch (from skip_start) and validation loss
  /// per epoch, as a PNG at `path`; value_error when nothing was recorded. A validation loss far
  /// above every training loss (an untrained model's batchnorm statistics can make the first
  /// one thousands) is cut at the frame (see loss_plot_ylim) instead of flattening the curves.
  void plot_loss(const std::filesystem::path& path, std::size_t skip_start = 5) const;
  /// fastai's recorder.plot_sched: the learning rate per batch at `path`, the momentum beside it
  /// (`<stem>_mom<extension>`); value_error when nothing was recorded.
  void plot_sched(const std::filesystem::path& path) const;
  /// lr_find's plot: the sweep's smoothed loss against the learning rate (log scale), without the
  /// last 5 points, with `suggestion` marked when given.
  void plot_lr_find(const std::filesystem::path& path,
                    std::optional<double> suggestion = std::nullopt) const;
};

namespace detail {

/// The y range of plot_loss: unset (fit everything) unless a validation loss exceeds 3x the
/// largest training loss; then [the smallest loss shown, 3x the largest training loss].
std::optional<std::array<double, 2>> loss_plot_ylim(const std::vector<double>& train,
                                                    const std::vector<double>& valid);

}  // namespace detail

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/learner/recorder-inl.hpp>
#endif
