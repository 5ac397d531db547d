// fastblock/optim/schedule-inl.hpp — out-of-line definitions for optim/schedule.hpp.
//
// Included by schedule.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <span>
#include <string>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/optim/schedule.hpp>

namespace fastblock {

FASTBLOCK_FUNC double sched_lin(double start, double end, double pos) {
  return start + pos * (end - start);
}

FASTBLOCK_FUNC double sched_cos(double start, double end, double pos) {
  return start + (1 + std::cos(std::numbers::pi * (1 - pos))) * (end - start) / 2;
}

FASTBLOCK_FUNC double sched_no(double start, double /*end*/, double /*pos*/) { return start; }

FASTBLOCK_FUNC double sched_exp(double start, double end, double pos) {
  return start * std::pow(end / start, pos);
}

FASTBLOCK_FUNC double CombinedCos::operator()(double pos) const {
  // fastai's combine_scheds keeps the cumulated boundaries [0, pct, 1] in a float32 tensor:
  // the comparison with pos and the position inside the segment are float32 operations.
  const float bounds[3] = {0.0f, static_cast<float>(pct),
                           static_cast<float>(pct) + static_cast<float>(1.0 - pct)};
  const float fpos = static_cast<float>(pos);
  const int idx = fpos >= bounds[1] ? 1 : 0;
  const float num = fpos - bounds[idx];
  const float den = bounds[idx + 1] - bounds[idx];
  const auto actual = static_cast<double>(num / den);
  return idx == 0 ? sched_cos(start, middle, actual) : sched_cos(middle, end, actual);
}

FASTBLOCK_FUNC CombinedCos combined_cos(double pct, double start, double middle, double end) {
  if (!(pct >= 0.0 && pct <= 1.0))
    throw value_error("fastblock::combined_cos: pct must lie in [0, 1], got " +
                      std::to_string(pct));
  return CombinedCos{.pct = pct, .start = start, .middle = middle, .end = end};
}

FASTBLOCK_FUNC double one_cycle_lr(double lr_max, double pos, const OneCycle& opts) {
  return combined_cos(opts.pct_start, lr_max / opts.div, lr_max, lr_max / opts.div_final)(pos);
}

FASTBLOCK_FUNC std::vector<double> one_cycle_lrs(std::span<const double> lr_max, double pos,
                                                 const OneCycle& opts) {
  std::vector<double> out;
  out.reserve(lr_max.size());
  for (const double lr : lr_max) out.push_back(one_cycle_lr(lr, pos, opts));
  return out;
}

FASTBLOCK_FUNC double one_cycle_mom(double pos, const OneCycle& opts) {
  return combined_cos(opts.pct_start, opts.moms[0], opts.moms[1], opts.moms[2])(pos);
}

FASTBLOCK_FUNC double one_cycle_pos(std::int64_t epoch, std::int64_t batch, std::int64_t n_epoch,
                                    std::int64_t n_iter) {
  if (n_epoch <= 0 || n_iter <= 0)
    throw value_error("fastblock::one_cycle_pos: needs at least one epoch of one batch, got " +
                      std::to_string(n_epoch) + " epochs of " + std::to_string(n_iter) +
                      " batches");
  double pos = static_cast<double>(epoch) / static_cast<double>(n_epoch);
  const double inc = 1. / static_cast<double>(n_iter * n_epoch);
  for (std::int64_t b = 0; b < batch; ++b) pos += inc;
  return pos;
}

FASTBLOCK_FUNC std::vector<double> even_mults(double start, double stop, std::size_t n) {
  if (n == 0) throw value_error("fastblock::even_mults: n must be at least 1, got 0");
  if (n == 1) return {stop};
  const double mult = stop / start;
  const double step = std::pow(mult, 1 / static_cast<double>(n - 1));
  std::vector<double> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(start * std::pow(step, static_cast<double>(i)));
  return out;
}

FASTBLOCK_FUNC std::vector<double> lrs_for_groups(double lr, std::size_t n_groups) {
  if (n_groups == 0)
    throw value_error("fastblock::lrs_for_groups: needs at least one parameter group, got 0");
  return std::vector<double>(n_groups, lr);
}

FASTBLOCK_FUNC std::vector<double> lrs_for_groups(const LrSlice& s, std::size_t n_groups) {
  if (n_groups == 0)
    throw value_error("fastblock::lrs_for_groups: needs at least one parameter group, got 0");
  if (s.lo != 0.0) return even_mults(s.lo, s.hi, n_groups);
  std::vector<double> out(n_groups, s.hi / 10);
  out.back() = s.hi;
  return out;
}

}  // namespace fastblock
