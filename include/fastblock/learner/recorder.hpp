// fastblock/learner/recorder.hpp — what a training run leaves behind (fastai's Recorder).
//
// Contract: the learner feeds the recorder every training batch's loss and hyper-parameters and
// every epoch's statistics. `losses` holds the smoothed training loss after each batch, as
// fastai's Recorder does (an exponential moving average with beta = 0.98, debiased, restarted at
// each epoch's first batch); `lrs` and `moms` the last parameter group's learning rate and
// momentum used for that batch; `values` one row per epoch of [train_loss, valid_loss, metrics...]
// (train_loss is the smoothed loss at the end of the epoch, valid_loss the mean over every
// validation item). `metric_names` names the columns of the epoch table, epoch and time included.
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

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
  /// Training batches seen over the learner's life.
  std::size_t iters = 0;
};

}  // namespace fastblock
