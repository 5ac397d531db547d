// fastblock/learner/metrics-inl.hpp — out-of-line definitions for learner/metrics.hpp.
//
// Included by metrics.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/learner/metrics.hpp>
#include <fastblock/tensor/ops.hpp>

namespace fastblock {

namespace detail {

/// "[8, 5]".
FASTBLOCK_FUNC std::string metric_shape_str(const Shape& s) {
  std::string out = "[";
  for (int d = 0; d < s.size(); ++d) {
    if (d > 0) out += ", ";
    out += std::to_string(s[d]);
  }
  return out + "]";
}

/// `t` on the CPU, contiguous, as `dtype`.
FASTBLOCK_FUNC Tensor metric_host(const Tensor& t, Dtype dtype) {
  Tensor h = t.device().is_cpu() ? t : t.to(cpu);
  return h.to(dtype).contiguous();
}

/// A 0-d float32 tensor holding `v`.
FASTBLOCK_FUNC Tensor metric_scalar(double v) {
  Tensor t(Shape{}, float32);
  t.fill_(v);
  return t;
}

/// fastai's flatten_check: shape_error unless preds and targs have as many elements.
FASTBLOCK_FUNC void metric_check_numel(const Tensor& preds, const Tensor& targs,
                                       const char* metric) {
  if (preds.numel() == targs.numel()) return;
  throw shape_error(std::string("fastblock::") + metric + ": predictions " +
                    metric_shape_str(preds.shape()) + " and targets " +
                    metric_shape_str(targs.shape()) + " differ in size (" +
                    std::to_string(preds.numel()) + " and " + std::to_string(targs.numel()) +
                    " elements); expected one target per prediction");
}

/// Correct argmax predictions of `preds` along `axis` against class indices `targs`.
FASTBLOCK_FUNC std::int64_t argmax_hits(const Tensor& preds, const Tensor& targs, std::int64_t axis,
                                        const char* metric) {
  if (preds.dim() == 0)
    throw shape_error(std::string("fastblock::") + metric +
                      ": predictions are a 0-d tensor; expected [N, C] class scores");
  const std::int64_t ax = axis < 0 ? axis + preds.dim() : axis;
  if (ax < 0 || ax >= preds.dim())
    throw index_error(std::string("fastblock::") + metric + ": axis " + std::to_string(axis) +
                      " is out of range for predictions " + metric_shape_str(preds.shape()));
  // Move the class axis last, then one row per item.
  Tensor p = preds;
  if (ax != preds.dim() - 1) p = p.transpose(ax, preds.dim() - 1);
  p = metric_host(p, float32);
  const std::int64_t c = p.size(p.dim() - 1);
  const std::int64_t rows = c == 0 ? 0 : p.numel() / c;
  if (rows != targs.numel())
    throw shape_error(std::string("fastblock::") + metric + ": predictions " +
                      metric_shape_str(preds.shape()) + " give " + std::to_string(rows) +
                      " labels (argmax over axis " + std::to_string(axis) + "), targets " +
                      metric_shape_str(targs.shape()) + " hold " + std::to_string(targs.numel()) +
                      "; expected one target per prediction");
  const Tensor t = metric_host(targs, int64);
  const float* pp = p.data<float>();
  const std::int64_t* pt = t.data<std::int64_t>();
  std::int64_t hits = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* row = pp + r * c;
    std::int64_t best = 0;
    for (std::int64_t j = 1; j < c; ++j)
      if (row[j] > row[best] || (std::isnan(row[j]) && !std::isnan(row[best]))) best = j;
    hits += best == pt[r] ? 1 : 0;
  }
  return hits;
}

/// 1 where (σ(x) or x) compares to `thresh` as positive (`strict`: >, else ≥), as bytes.
FASTBLOCK_FUNC std::vector<unsigned char> metric_positive(const Tensor& preds, bool sigmoid,
                                                          float thresh, bool strict) {
  const Tensor p = metric_host(sigmoid ? metric_host(preds, float32).sigmoid() : preds, float32);
  const float* pp = p.data<float>();
  std::vector<unsigned char> out(static_cast<std::size_t>(p.numel()));
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = strict ? (pp[i] > thresh ? 1 : 0) : (pp[i] >= thresh ? 1 : 0);
  return out;
}

/// 1 where the target is not 0, as bytes.
FASTBLOCK_FUNC std::vector<unsigned char> metric_truth(const Tensor& targs) {
  const Tensor t = metric_host(targs, float32);
  const float* pt = t.data<float>();
  std::vector<unsigned char> out(static_cast<std::size_t>(t.numel()));
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = pt[i] != 0.0f ? 1 : 0;
  return out;
}

/// sklearn's F-beta from counts: precision and recall 0 where undefined, then
/// (1 + β²)·P·R / (β²·P + R), 0 when that denominator is 0.
FASTBLOCK_FUNC double fbeta_from_counts(std::int64_t tp, std::int64_t fp, std::int64_t fn,
                                        double beta) {
  const double beta2 = beta * beta;
  const auto pred_sum = static_cast<double>(tp + fp), true_sum = static_cast<double>(tp + fn);
  const double precision = pred_sum == 0.0 ? 0.0 : static_cast<double>(tp) / pred_sum;
  const double recall = true_sum == 0.0 ? 0.0 : static_cast<double>(tp) / true_sum;
  double denom = beta2 * precision + recall;
  if (denom == 0.0) denom = 1.0;
  return (1 + beta2) * precision * recall / denom;
}

FASTBLOCK_FUNC double RatioState::ratio() const noexcept {
  if (total_ == 0) return std::numeric_limits<double>::quiet_NaN();
  return static_cast<double>(hits_) / static_cast<double>(total_);
}

FASTBLOCK_FUNC void FBetaState::reset_counts() noexcept {
  tp_.clear();
  fp_.clear();
  fn_.clear();
  sample_sum_ = 0.0;
  samples_ = 0;
}

FASTBLOCK_FUNC void FBetaState::add_counts(const std::vector<unsigned char>& pred,
                                           const std::vector<unsigned char>& targ,
                                           std::int64_t rows, std::int64_t cols, double beta,
                                           const char* metric) {
  const auto n = static_cast<std::size_t>(cols);
  if (tp_.empty() && samples_ == 0) {
    tp_.assign(n, 0);
    fp_.assign(n, 0);
    fn_.assign(n, 0);
  } else if (tp_.size() != n) {
    throw shape_error(std::string("fastblock::") + metric + ": this batch has " +
                      std::to_string(cols) + " labels, earlier batches had " +
                      std::to_string(tp_.size()) + "; expected the same labels in every batch");
  }
  for (std::int64_t r = 0; r < rows; ++r) {
    std::int64_t stp = 0, sfp = 0, sfn = 0;
    for (std::int64_t j = 0; j < cols; ++j) {
      const auto k = static_cast<std::size_t>(r * cols + j);
      const auto jj = static_cast<std::size_t>(j);
      if (pred[k] != 0 && targ[k] != 0) {
        ++tp_[jj];
        ++stp;
      } else if (pred[k] != 0) {
        ++fp_[jj];
        ++sfp;
      } else if (targ[k] != 0) {
        ++fn_[jj];
        ++sfn;
      }
    }
    sample_sum_ += fbeta_from_counts(stp, sfp, sfn, beta);
  }
  samples_ += rows;
}

FASTBLOCK_FUNC double FBetaState::score(double beta, const std::string& average,
                                        const char* metric) const {
  if (average != "macro" && average != "micro" && average != "samples" && average != "weighted")
    throw value_error(std::string("fastblock::") + metric + ": unknown average \"" + average +
                      "\"; expected \"macro\", \"micro\", \"samples\" or \"weighted\"");
  if (samples_ == 0) return std::numeric_limits<double>::quiet_NaN();
  if (average == "samples") return sample_sum_ / static_cast<double>(samples_);
  if (average == "micro") {
    std::int64_t tp = 0, fp = 0, fn = 0;
    for (std::size_t j = 0; j < tp_.size(); ++j) {
      tp += tp_[j];
      fp += fp_[j];
      fn += fn_[j];
    }
    return fbeta_from_counts(tp, fp, fn, beta);
  }
  if (tp_.empty()) return std::numeric_limits<double>::quiet_NaN();
  double sum = 0.0, weights = 0.0;
  for (std::size_t j = 0; j < tp_.size(); ++j) {
    const double f = fbeta_from_counts(tp_[j], fp_[j], fn_[j], beta);
    const double w = average == "weighted" ? static_cast<double>(tp_[j] + fn_[j]) : 1.0;
    sum += w * f;
    weights += w;
  }
  // sklearn: weighted with no positive target at all is zero_division, i.e. 0.
  if (weights == 0.0) return 0.0;
  return sum / weights;
}

FASTBLOCK_FUNC void RegressionState::add(const Tensor& preds, const Tensor& targs,
                                         const char* metric) {
  metric_check_numel(preds, targs, metric);
  const Tensor p = metric_host(preds, float32), t = metric_host(targs, float32);
  const float* pp = p.data<float>();
  const float* pt = t.data<float>();
  const std::int64_t m = p.numel();
  if (m == 0) return;
  double sq = 0.0, sum = 0.0;
  for (std::int64_t i = 0; i < m; ++i) {
    const double d = static_cast<double>(pt[i]) - static_cast<double>(pp[i]);
    sq += d * d;
    sum += pt[i];
  }
  const double batch_mean = sum / static_cast<double>(m);
  double batch_m2 = 0.0;
  for (std::int64_t i = 0; i < m; ++i) {
    const double d = static_cast<double>(pt[i]) - batch_mean;
    batch_m2 += d * d;
  }
  // Chan et al.: merge (n_, mean_, m2_) with (m, batch_mean, batch_m2).
  const auto na = static_cast<double>(n_), nb = static_cast<double>(m);
  const double delta = batch_mean - mean_;
  mean_ += delta * nb / (na + nb);
  m2_ += batch_m2 + delta * delta * na * nb / (na + nb);
  n_ += m;
  sq_err_ += sq;
}

FASTBLOCK_FUNC double RegressionState::mse() const noexcept {
  if (n_ == 0) return std::numeric_limits<double>::quiet_NaN();
  return sq_err_ / static_cast<double>(n_);
}

FASTBLOCK_FUNC double RegressionState::r2() const noexcept {
  if (n_ == 0) return std::numeric_limits<double>::quiet_NaN();
  if (m2_ == 0.0) return sq_err_ == 0.0 ? 1.0 : 0.0;
  return 1.0 - sq_err_ / m2_;
}

}  // namespace detail

// --- accuracy, error_rate -------------------------------------------------------------------

FASTBLOCK_FUNC void accuracy::accumulate(const Tensor& preds, const Tensor& targs) {
  counts.add_counts(detail::argmax_hits(preds, targs, axis, "accuracy"), targs.numel());
}

FASTBLOCK_FUNC Tensor accuracy::operator()(const Tensor& preds, const Tensor& targs) const {
  accuracy m = *this;
  m.reset();
  m.accumulate(preds, targs);
  return detail::metric_scalar(m.value());
}

FASTBLOCK_FUNC void error_rate::accumulate(const Tensor& preds, const Tensor& targs) {
  counts.add_counts(detail::argmax_hits(preds, targs, axis, "error_rate"), targs.numel());
}

FASTBLOCK_FUNC Tensor error_rate::operator()(const Tensor& preds, const Tensor& targs) const {
  error_rate m = *this;
  m.reset();
  m.accumulate(preds, targs);
  return detail::metric_scalar(m.value());
}

// --- accuracy_multi -------------------------------------------------------------------------

FASTBLOCK_FUNC void accuracy_multi::accumulate(const Tensor& preds, const Tensor& targs) {
  detail::metric_check_numel(preds, targs, "accuracy_multi");
  const auto pred = detail::metric_positive(preds, sigmoid, thresh, /*strict=*/true);
  const auto targ = detail::metric_truth(targs);
  std::int64_t hits = 0;
  for (std::size_t i = 0; i < pred.size(); ++i) hits += pred[i] == targ[i] ? 1 : 0;
  counts.add_counts(hits, static_cast<std::int64_t>(pred.size()));
}

FASTBLOCK_FUNC Tensor accuracy_multi::operator()(const Tensor& preds, const Tensor& targs) const {
  accuracy_multi m = *this;
  m.reset();
  m.accumulate(preds, targs);
  return detail::metric_scalar(m.value());
}

// --- F-beta -----------------------------------------------------------------------------------

namespace detail {

/// Checks the shapes of a multi-label F-beta batch and counts it into `state`.
FASTBLOCK_FUNC void fbeta_accumulate(FBetaState& state, const Tensor& preds, const Tensor& targs,
                                     double beta, float thresh, bool sigmoid,
                                     const std::string& average, const char* metric) {
  (void)state.score(beta, average, metric);  // rejects an unknown average before counting
  if (preds.shape() != targs.shape() || preds.dim() > 2)
    throw shape_error(std::string("fastblock::") + metric + ": predictions " +
                      metric_shape_str(preds.shape()) + " and targets " +
                      metric_shape_str(targs.shape()) +
                      "; expected the same shape [N, C] (one column per label)");
  const std::int64_t rows = preds.dim() == 0 ? 1 : preds.size(0);
  const std::int64_t cols = preds.dim() == 2 ? preds.size(1) : 1;
  state.add_counts(metric_positive(preds, sigmoid, thresh, /*strict=*/false), metric_truth(targs),
                   rows, cols, beta, metric);
}

}  // namespace detail

FASTBLOCK_FUNC void FBetaMulti::accumulate(const Tensor& preds, const Tensor& targs) {
  detail::fbeta_accumulate(counts, preds, targs, beta, thresh, sigmoid, average, "FBetaMulti");
}

FASTBLOCK_FUNC double FBetaMulti::value() const {
  return counts.score(beta, average, "FBetaMulti");
}

FASTBLOCK_FUNC Tensor FBetaMulti::operator()(const Tensor& preds, const Tensor& targs) const {
  FBetaMulti m = *this;
  m.reset();
  m.accumulate(preds, targs);
  return detail::metric_scalar(m.value());
}

FASTBLOCK_FUNC void F1ScoreMulti::accumulate(const Tensor& preds, const Tensor& targs) {
  detail::fbeta_accumulate(counts, preds, targs, 1.0, thresh, sigmoid, average, "F1ScoreMulti");
}

FASTBLOCK_FUNC double F1ScoreMulti::value() const {
  return counts.score(1.0, average, "F1ScoreMulti");
}

FASTBLOCK_FUNC Tensor F1ScoreMulti::operator()(const Tensor& preds, const Tensor& targs) const {
  F1ScoreMulti m = *this;
  m.reset();
  m.accumulate(preds, targs);
  return detail::metric_scalar(m.value());
}

// --- regression -------------------------------------------------------------------------------

FASTBLOCK_FUNC void mse::accumulate(const Tensor& preds, const Tensor& targs) {
  counts.add(preds, targs, "mse");
}

FASTBLOCK_FUNC Tensor mse::operator()(const Tensor& preds, const Tensor& targs) const {
  mse m = *this;
  m.reset();
  m.accumulate(preds, targs);
  return detail::metric_scalar(m.value());
}

FASTBLOCK_FUNC void rmse::accumulate(const Tensor& preds, const Tensor& targs) {
  counts.add(preds, targs, "rmse");
}

FASTBLOCK_FUNC double rmse::value() const noexcept { return std::sqrt(counts.mse()); }

FASTBLOCK_FUNC Tensor rmse::operator()(const Tensor& preds, const Tensor& targs) const {
  rmse m = *this;
  m.reset();
  m.accumulate(preds, targs);
  return detail::metric_scalar(m.value());
}

FASTBLOCK_FUNC void R2Score::accumulate(const Tensor& preds, const Tensor& targs) {
  counts.add(preds, targs, "R2Score");
}

FASTBLOCK_FUNC Tensor R2Score::operator()(const Tensor& preds, const Tensor& targs) const {
  R2Score m = *this;
  m.reset();
  m.accumulate(preds, targs);
  return detail::metric_scalar(m.value());
}

// --- AvgMetric --------------------------------------------------------------------------------

FASTBLOCK_FUNC void AvgMetric::accumulate(const Tensor& preds, const Tensor& targs) {
  if (!func)
    throw value_error("fastblock::AvgMetric: '" + func_name +
                      "' has no function; expected "
                      ".func = a function of (preds, targs)");
  const Tensor v = func(preds, targs);
  if (v.numel() != 1)
    throw shape_error("fastblock::AvgMetric: '" + func_name + "' returned a tensor of shape " +
                      detail::metric_shape_str(v.shape()) + "; expected one element");
  const std::int64_t bs = targs.dim() == 0 ? 1 : targs.size(0);
  total += detail::metric_host(v, float32).data<float>()[0] * static_cast<double>(bs);
  count += bs;
}

FASTBLOCK_FUNC double AvgMetric::value() const noexcept {
  if (count == 0) return std::numeric_limits<double>::quiet_NaN();
  return total / static_cast<double>(count);
}

}  // namespace fastblock
