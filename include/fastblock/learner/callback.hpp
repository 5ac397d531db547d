// fastblock/learner/callback.hpp — hooks into a training run, and a CSV logger.
//
// Contract: a callback is any copyable value with some of the members
//     void before_fit(const FitInfo&)      before the first epoch of fit / fit_one_cycle
//     void after_epoch(const EpochStats&)  after each epoch's validation
//     void after_fit()                     after the last epoch (also when it throws: not called)
// and `Callback` holds one, calling only the hooks it has, so a user writes the hooks they need
// and nothing else: `.cbs = {CSVLogger{"history.csv"}}`. Hooks run on the training thread, never
// per batch, so they cost nothing measurable. A callback that has none of the hooks is a
// compile-time error naming them.
#pragma once

#include <concepts>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <fastblock/core/error.hpp>
#include <fastblock/learner/progress.hpp>

namespace fastblock {

/// What a fit is about to do.
struct FitInfo {
  /// Epochs of this fit.
  std::size_t n_epoch = 0;
  /// Training batches per epoch.
  std::size_t n_iter = 0;
  /// The epoch table's columns (epoch, train_loss, valid_loss, metrics..., time).
  std::vector<std::string> names;
};

/// What one epoch gave.
struct EpochStats {
  /// The epoch's number within its fit (0 first, as fastai's table).
  std::size_t epoch = 0;
  /// train_loss, valid_loss, then one value per metric.
  std::vector<double> values;
  /// Wall time of the epoch (training and validation).
  double seconds = 0.0;
};

namespace detail {
template <class C>
concept HasBeforeFit = requires(C& c, const FitInfo& info) {
  c.before_fit(info);
};
template <class C>
concept HasAfterEpoch = requires(C& c, const EpochStats& stats) {
  c.after_epoch(stats);
};
template <class C>
concept HasAfterFit = requires(C& c) {
  c.after_fit();
};
}  // namespace detail

/// A callback: a copyable type with at least one of before_fit, after_epoch, after_fit.
template <class C>
concept CallbackLike = std::copy_constructible<C> &&
    (detail::HasBeforeFit<C> || detail::HasAfterEpoch<C> || detail::HasAfterFit<C>);

/// Holds any CallbackLike value (see the contract above).
class Callback {
 public:
  /// Wraps `c`; its hooks are called on the copy held here.
  template <class C>
  requires(!std::same_as<std::remove_cvref_t<C>, Callback>)
      Callback(C c) {  // NOLINT: implicit, so `.cbs = {CSVLogger{...}}` reads like fastai
    static_assert(CallbackLike<C>,
                  "fastblock::Callback: a callback needs before_fit(const FitInfo&), "
                  "after_epoch(const EpochStats&) or after_fit()");
    auto held = std::make_shared<C>(std::move(c));
    if constexpr (detail::HasBeforeFit<C>)
      before_fit_ = [held](const FitInfo& i) { held->before_fit(i); };
    if constexpr (detail::HasAfterEpoch<C>)
      after_epoch_ = [held](const EpochStats& s) { held->after_epoch(s); };
    if constexpr (detail::HasAfterFit<C>) after_fit_ = [held] { held->after_fit(); };
  }
  /// Calls the callback's before_fit, if it has one.
  void before_fit(const FitInfo& info) const {
    if (before_fit_) before_fit_(info);
  }
  /// Calls the callback's after_epoch, if it has one.
  void after_epoch(const EpochStats& stats) const {
    if (after_epoch_) after_epoch_(stats);
  }
  /// Calls the callback's after_fit, if it has one.
  void after_fit() const {
    if (after_fit_) after_fit_();
  }

 private:
  std::function<void(const FitInfo&)> before_fit_;
  std::function<void(const EpochStats&)> after_epoch_;
  std::function<void()> after_fit_;
};

/// fastai's CSVLogger: one line per epoch (`epoch,train_loss,valid_loss,<metrics>,time`), for
/// machines to read. Each fit starts the file anew unless `append`; lines are flushed as written,
/// so the file is complete up to the last finished epoch if a run dies.
class CSVLogger {
 public:
  /// Logs to `fname`; with `append`, adds to an existing file (and writes no second header).
  explicit CSVLogger(std::filesystem::path fname = "history.csv", bool append = false)
      : fname(std::move(fname)), append(append) {}

  /// The file written.
  std::filesystem::path fname;
  /// Append to an existing file.
  bool append;

  /// Opens the file and writes the header; io_error naming the file when it cannot.
  void before_fit(const FitInfo& info) {
    const bool had = append && std::filesystem::exists(fname);
    file_ = std::make_shared<std::ofstream>(fname, append ? std::ios::app : std::ios::trunc);
    if (!*file_)
      throw io_error("fastblock::CSVLogger: cannot open " + fname.string() + " for writing");
    if (!had) {
      for (std::size_t i = 0; i < info.names.size(); ++i) *file_ << (i ? "," : "") << info.names[i];
      *file_ << '\n' << std::flush;
    }
  }
  /// Writes one epoch.
  void after_epoch(const EpochStats& stats) {
    if (!file_) return;
    *file_ << stats.epoch;
    for (double v : stats.values) *file_ << ',' << format_stat(v);
    *file_ << ',' << format_time(stats.seconds) << '\n' << std::flush;
    if (!*file_) throw io_error("fastblock::CSVLogger: writing " + fname.string() + " failed");
  }
  /// Closes the file.
  void after_fit() { file_.reset(); }

 private:
  std::shared_ptr<std::ofstream> file_;
};

}  // namespace fastblock
