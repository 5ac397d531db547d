// fastblock/optim/schedule.hpp — fastai's hyper-parameter schedules, as pure functions.
//
// Contract: a schedule maps a position pos in [0, 1] of a training run to a value; pos is what
// fastai calls pct_train, the fraction of training batches done before the current one
// (one_cycle_pos gives it exactly as fastai accumulates it). The functions reproduce
// fastai.callback.schedule operation for operation (bit for bit against fastai here), including
// combine_scheds' float32 arithmetic on its boundaries (fastai keeps them in a float32 tensor),
// so `one_cycle_lr(s)`/`one_cycle_mom` give the learning rates and momentum that fit_one_cycle
// sets before each batch. `lrs_for_groups` turns a learning rate or a `slice(...)` into one rate
// per parameter group as fastai's set_hyper does (slice(hi): hi/10 for every group but the last;
// slice(lo, hi): even_mults(lo, hi, n)); `slice(...)` makes the LrSlice that says which.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>

namespace fastblock {

/// Linear from `start` to `end`: start + pos·(end − start).
[[nodiscard]] double sched_lin(double start, double end, double pos);
/// Cosine from `start` to `end`: start + (1 + cos(π·(1 − pos)))·(end − start)/2.
[[nodiscard]] double sched_cos(double start, double end, double pos);
/// Constant `start`.
[[nodiscard]] double sched_no(double start, double end, double pos);
/// Exponential from `start` to `end`: start·(end/start)^pos.
[[nodiscard]] double sched_exp(double start, double end, double pos);

/// fastai's combined_cos: cosine from `start` to `middle` over the first `pct` of the run, then
/// cosine from `middle` to `end` (combine_scheds([pct, 1 − pct], [SchedCos, SchedCos])).
struct CombinedCos {
  /// Fraction of the run spent going from start to middle.
  double pct = 0.25;
  /// Value at pos = 0.
  double start = 0.0;
  /// Value at pos = pct.
  double middle = 0.0;
  /// Value at pos = 1.
  double end = 0.0;
  /// The value at `pos`.
  [[nodiscard]] double operator()(double pos) const;
};

/// A CombinedCos: `combined_cos(0.25, lr_max / 25, lr_max, lr_max / 1e5)(pos)`. value_error
/// when pct is outside [0, 1].
[[nodiscard]] CombinedCos combined_cos(double pct, double start, double middle, double end);

/// fit_one_cycle's knobs, in fastai's order: `{.pct_start = 0.3, .div = 5}`.
struct OneCycle {
  /// Fraction of the run spent warming up.
  double pct_start = 0.25;
  /// The learning rate starts at lr_max / div.
  double div = 25.0;
  /// The learning rate ends at lr_max / div_final.
  double div_final = 1e5;
  /// Momentum at the start, at pct_start and at the end.
  std::array<double, 3> moms{0.95, 0.85, 0.95};
};

/// fit_one_cycle's learning rate at `pos`: combined_cos(pct_start, lr_max/div, lr_max,
/// lr_max/div_final)(pos).
[[nodiscard]] double one_cycle_lr(double lr_max, double pos, const OneCycle& opts = {});
/// The same for one lr_max per parameter group.
[[nodiscard]] std::vector<double> one_cycle_lrs(std::span<const double> lr_max, double pos,
                                                const OneCycle& opts = {});
/// fit_one_cycle's momentum at `pos`: combined_cos(pct_start, moms[0], moms[1], moms[2])(pos).
[[nodiscard]] double one_cycle_mom(double pos, const OneCycle& opts = {});

/// fastai's pct_train before batch `batch` of epoch `epoch` (both from 0) of a run of `n_epoch`
/// epochs of `n_iter` training batches: epoch/n_epoch, plus 1/(n_iter·n_epoch) added once per
/// batch done in the epoch (the same double additions as fastai's TrainEvalCallback).
/// value_error when n_epoch or n_iter is 0.
[[nodiscard]] double one_cycle_pos(std::int64_t epoch, std::int64_t batch, std::int64_t n_epoch,
                                   std::int64_t n_iter);

/// fastcore's even_mults: n values from `start` to `stop` in equal ratios (n = 1: {stop}).
/// value_error when n is 0.
[[nodiscard]] std::vector<double> even_mults(double start, double stop, std::size_t n);

/// Python's slice(lo, hi) as fastai reads a learning rate: lo = 0 means slice(hi). Made by
/// `slice(hi)` and `slice(lo, hi)` (named LrSlice because data/dataframe.hpp's Slice is the
/// integer slice of DataFrame::iloc).
struct LrSlice {
  /// The first group's rate (0: none given).
  double lo = 0.0;
  /// The last group's rate.
  double hi = 0.0;
};

/// fastai's `slice(hi)`: hi/10 for every group but the last, hi for the last.
[[nodiscard]] constexpr LrSlice slice(double hi) noexcept { return LrSlice{.lo = 0.0, .hi = hi}; }
/// fastai's `slice(lo, hi)`: rates spread geometrically from lo to hi over the groups.
[[nodiscard]] constexpr LrSlice slice(double lo, double hi) noexcept {
  return LrSlice{.lo = lo, .hi = hi};
}

/// One learning rate per group for `lr` (the same for all). value_error when n_groups is 0.
[[nodiscard]] std::vector<double> lrs_for_groups(double lr, std::size_t n_groups);
/// One learning rate per group for `s`, as fastai's set_hyper: slice(hi) gives
/// [hi/10, ..., hi/10, hi]; slice(lo, hi) gives even_mults(lo, hi, n_groups). value_error when
/// n_groups is 0.
[[nodiscard]] std::vector<double> lrs_for_groups(const LrSlice& s, std::size_t n_groups);

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/optim/schedule-inl.hpp>
#endif
