// fastblock/learner/learner-inl.hpp — the non-template parts of learner.hpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fastblock/core/error.hpp>
#include <fastblock/learner/learner.hpp>
#include <fastblock/tensor/factory.hpp>

namespace fastblock {

FASTBLOCK_FUNC std::ostream& operator<<(std::ostream& os, const ValidationResult& r) {
  os << "(#" << r.values.size() << ") [";
  for (std::size_t i = 0; i < r.values.size(); ++i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.4f", r.values[i]);
    os << (i ? ", " : "") << buf;
  }
  return os << ']';
}

FASTBLOCK_FUNC std::ostream& operator<<(std::ostream& os, const SuggestedLRs& s) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "SuggestedLRs(minimum=%.4g, steep=%.4g, valley=%.4g)", s.minimum,
                s.steep, s.valley);
  return os << buf;
}

namespace detail {

FASTBLOCK_FUNC std::string non_finite_loss_message(std::size_t epoch, std::size_t batch,
                                                   std::size_t n_iter, double lr) {
  return "fastblock::Learner::fit: the loss became NaN or infinite at epoch " +
         std::to_string(epoch) + ", batch " + std::to_string(batch) + " of " +
         std::to_string(n_iter) + " (lr " + format_stat(lr) +
         "); training stopped there, before that batch's step, so the weights are still finite. "
         "Lower the learning rate (lr_find suggests one) or look for NaN or infinite values in "
         "the data";
}

FASTBLOCK_FUNC std::string interrupt_message(std::string_view what, std::size_t epoch,
                                             std::size_t batch, std::size_t n_iter) {
  return "fastblock::Learner::" + std::string(what) + ": interrupted (SIGINT) in epoch " +
         std::to_string(epoch) + " after batch " + std::to_string(batch) + " of " +
         std::to_string(n_iter) +
         "; stopped there, the weights are those of that batch and the learner can go on "
         "(fit, validate, save)";
}

FASTBLOCK_FUNC SuggestedLRs suggest_lrs(const std::vector<double>& lrs,
                                        const std::vector<double>& losses, std::size_t num_it) {
  // fastai: lrs[num_it//10:-5], losses likewise, cut at the first NaN.
  const std::size_t lo = num_it / 10;
  std::size_t hi = losses.size() > 5 ? losses.size() - 5 : 0;
  for (std::size_t i = lo; i < hi; ++i)
    if (std::isnan(losses[i])) {
      hi = i;
      break;
    }
  if (hi < lo + 2)
    throw value_error("fastblock::Learner::lr_find: the sweep stopped after " +
                      std::to_string(losses.size()) +
                      " batches, too early to suggest a learning rate (the loss diverged at once: "
                      "lower start_lr, or give more batches)");
  const std::vector<double> x(lrs.begin() + static_cast<std::ptrdiff_t>(lo),
                              lrs.begin() + static_cast<std::ptrdiff_t>(hi));
  const std::vector<double> y(losses.begin() + static_cast<std::ptrdiff_t>(lo),
                              losses.begin() + static_cast<std::ptrdiff_t>(hi));
  const std::size_t n = y.size();
  SuggestedLRs out;
  std::size_t arg = 0;
  for (std::size_t i = 1; i < n; ++i)
    if (y[i] < y[arg]) arg = i;
  out.minimum = x[arg] / 10;
  std::size_t steepest = 0;
  double best_slope = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const double slope = (y[i + 1] - y[i]) / (std::log(x[i + 1]) - std::log(x[i]));
    if (slope < best_slope) {
      best_slope = slope;
      steepest = i;
    }
  }
  out.steep = x[steepest];
  // fastai's valley: the longest decreasing subsequence, then a point a third plus a sixth in.
  // Signed, as in Python: when the run starts at index 0, max_start is -1.
  std::vector<std::int64_t> lds(n, 1);
  std::int64_t max_start = 0, max_end = 0;
  for (std::size_t i = 1; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j) {
      if (y[i] < y[j] && lds[i] < lds[j] + 1) lds[i] = lds[j] + 1;
      if (lds[static_cast<std::size_t>(max_end)] < lds[i]) {
        max_end = static_cast<std::int64_t>(i);
        max_start = max_end - lds[i];
      }
    }
  const double sections = static_cast<double>(max_end - max_start) / 3.0;
  std::int64_t idx =
      max_start + static_cast<std::int64_t>(sections) + static_cast<std::int64_t>(sections / 2);
  if (idx < 0) idx += static_cast<std::int64_t>(n);  // Python's negative index
  out.valley = x[static_cast<std::size_t>(
      std::clamp<std::int64_t>(idx, 0, static_cast<std::int64_t>(n) - 1))];
  return out;
}

FASTBLOCK_FUNC std::vector<std::vector<Parameter*>> split_parameters(
    const std::vector<std::pair<std::string, Parameter*>>& named, const ParamSplitter& splitter) {
  std::vector<std::vector<Parameter*>> groups(splitter.n_groups);
  for (const auto& [name, p] : named) {
    if (p->is_buffer()) continue;
    const std::size_t g = splitter.group_of ? splitter.group_of(name) : 0;
    if (g >= groups.size())
      throw value_error("fastblock::Learner: the splitter put parameter " + name + " in group " +
                        std::to_string(g) + ", but there are " + std::to_string(groups.size()) +
                        " groups");
    groups[g].push_back(p);
  }
  for (std::size_t g = 0; g < groups.size(); ++g)
    if (groups[g].empty())
      throw value_error("fastblock::Learner: parameter group " + std::to_string(g) + " of " +
                        std::to_string(groups.size()) + " is empty");
  return groups;
}

FASTBLOCK_FUNC void freeze_groups(const std::vector<std::vector<Parameter*>>& groups,
                                  std::size_t n) {
  for (std::size_t g = 0; g < groups.size(); ++g)
    for (Parameter* p : groups[g]) p->trainable = g >= n || p->kind == ParamKind::batchnorm;
}

FASTBLOCK_FUNC void append_rows(Tensor& out, const Tensor& batch, std::int64_t n,
                                std::int64_t row) {
  if (batch.dim() == 0)
    throw shape_error("fastblock::Learner::get_preds: a batch is a 0-d tensor, expected rows");
  const std::int64_t rows = batch.shape()[0];
  if (out.numel() == 0 && row == 0) {
    std::vector<std::int64_t> dims(batch.shape().begin(), batch.shape().end());
    dims[0] = n;
    out = empty(Shape(dims), batch.dtype());
  }
  bool same = out.dim() == batch.dim();
  for (std::int64_t d = 1; same && d < batch.dim(); ++d) same = out.shape()[d] == batch.shape()[d];
  if (!same || row + rows > out.shape()[0])
    throw shape_error("fastblock::Learner::get_preds: batch of " + batch.describe() +
                      " does not fit rows " + std::to_string(row) + ".." +
                      std::to_string(row + rows) + " of " + out.describe());
  out.slice(0, row, row + rows).copy_(batch);
}

}  // namespace detail
}  // namespace fastblock
