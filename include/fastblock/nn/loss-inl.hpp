// fastblock/nn/loss-inl.hpp — out-of-line definitions for nn/loss.hpp.
//
// Included by loss.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/nn/loss.hpp>

namespace fastblock {

namespace detail::loss {

/// A float32 contiguous 1-D view of `t` (converted when it is not float32).
FASTBLOCK_FUNC Tensor flat_float(const Tensor& t) {
  const Tensor f = t.dtype() == float32 ? t : t.to(float32);
  return f.contiguous().reshape(Shape{f.numel()});
}

FASTBLOCK_FUNC void check_same_count(const char* loss, const Tensor& pred, const Tensor& target) {
  if (pred.numel() != target.numel())
    throw shape_error(std::string("fastblock::") + loss + ": prediction " + pred.shape().str() +
                      " and target " + target.shape().str() +
                      " have different element counts (they are compared flattened)");
  if (pred.dtype() != float32)
    throw dtype_error(std::string("fastblock::") + loss + ": the prediction must be float32, got " +
                      std::string(dtype_name(pred.dtype())));
}

/// Reduces per-element losses `l` [n].
FASTBLOCK_FUNC Tensor reduce(const Tensor& l, Reduction r) {
  switch (r) {
    case Reduction::mean:
      return l.numel() == 0 ? Tensor(Shape{}).fill_(std::nan("")) : l.mean();
    case Reduction::sum:
      return l.sum();
    case Reduction::none:
      break;
  }
  return l;
}

/// The factor each element's gradient gets from the reduction: 1/n for mean, 1 for sum, dloss[i]
/// for none (then `dloss` must have n elements).
FASTBLOCK_FUNC Tensor reduction_grad(Reduction r, std::int64_t n, const Tensor& dloss,
                                     const char* loss) {
  if (r == Reduction::none) {
    if (dloss.numel() != n)
      throw shape_error(std::string("fastblock::") + loss +
                        ".backward: with reduction none, pass the gradient of each of the " +
                        std::to_string(n) + " losses, got shape " + dloss.shape().str());
    return flat_float(dloss);
  }
  float g = r == Reduction::mean ? 1.0f / static_cast<float>(std::max<std::int64_t>(n, 1)) : 1.0f;
  if (dloss.numel() == 1) g *= dloss.to(float32).contiguous().data<float>()[0];
  Tensor out(Shape{n});
  out.fill_(g);
  return out;
}

FASTBLOCK_FUNC void check_called(const Shape& shape, const char* loss) {
  if (shape.size() == 1 && shape[0] == 0 && shape.numel() == 0)
    throw value_error(std::string("fastblock::") + loss +
                      ".backward: call the loss on a prediction and a target first");
}

}  // namespace detail::loss

FASTBLOCK_FUNC Tensor BCEWithLogitsLossFlat::operator()(const Tensor& logits,
                                                        const Tensor& target) {
  detail::loss::check_same_count("BCEWithLogitsLossFlat", logits, target);
  logits_ = detail::loss::flat_float(logits);
  target_ = detail::loss::flat_float(target);
  shape_ = logits.shape();
  const std::int64_t n = logits_.numel();
  Tensor l(Shape{n});
  const float* x = logits_.data<float>();
  const float* t = target_.data<float>();
  float* lp = l.data<float>();
  for (std::int64_t i = 0; i < n; ++i)
    lp[i] = std::max(x[i], 0.0f) - x[i] * t[i] + std::log1p(std::exp(-std::abs(x[i])));
  return detail::loss::reduce(l, options_.reduction);
}

FASTBLOCK_FUNC Tensor BCEWithLogitsLossFlat::backward(const Tensor& dloss) const {
  detail::loss::check_called(shape_, "BCEWithLogitsLossFlat");
  const std::int64_t n = logits_.numel();
  const Tensor g =
      detail::loss::reduction_grad(options_.reduction, n, dloss, "BCEWithLogitsLossFlat");
  Tensor dx(Shape{n});
  const float* x = logits_.data<float>();
  const float* t = target_.data<float>();
  const float* gp = g.data<float>();
  float* dp = dx.data<float>();
  for (std::int64_t i = 0; i < n; ++i) {
    // sigmoid without overflow for large |x|
    const float e = std::exp(-std::abs(x[i]));
    const float s = x[i] >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
    dp[i] = (s - t[i]) * gp[i];
  }
  return dx.reshape(shape_);
}

FASTBLOCK_FUNC Tensor BCEWithLogitsLossFlat::decodes(const Tensor& probs) const {
  return probs > static_cast<double>(thresh_);
}

FASTBLOCK_FUNC Tensor CrossEntropyLossFlat::operator()(const Tensor& logits, const Tensor& target) {
  if (logits.dim() < 1 || logits.dtype() != float32)
    throw shape_error(
        "fastblock::CrossEntropyLossFlat: the prediction must be float32 [..., C], got " +
        logits.describe());
  const std::int64_t c = logits.size(-1);
  const std::int64_t rows = c == 0 ? 0 : logits.numel() / c;
  if (target.numel() != rows)
    throw shape_error("fastblock::CrossEntropyLossFlat: prediction " + logits.shape().str() +
                      " has " + std::to_string(rows) + " rows of " + std::to_string(c) +
                      " classes but target " + target.shape().str() + " has " +
                      std::to_string(target.numel()) + " class indices");
  if (target.dtype() != int64)
    throw dtype_error(
        "fastblock::CrossEntropyLossFlat: the target must hold int64 class indices "
        "(a TensorCategory), got " +
        std::string(dtype_name(target.dtype())));
  shape_ = logits.shape();
  const Tensor x = logits.contiguous();
  target_ = target.contiguous().reshape(Shape{rows});
  probs_ = Tensor(Shape{rows, c});
  Tensor l(Shape{rows});
  const float* xp = x.data<float>();
  const std::int64_t* tp = target_.data<std::int64_t>();
  float* pp = probs_.data<float>();
  float* lp = l.data<float>();
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t k = tp[r];
    if (k < 0 || k >= c)
      throw index_error("fastblock::CrossEntropyLossFlat: target " + std::to_string(k) +
                        " of row " + std::to_string(r) + " is out of range for " +
                        std::to_string(c) + " classes");
    const float* row = xp + r * c;
    const float m = *std::max_element(row, row + c);
    double sum = 0.0;
    for (std::int64_t j = 0; j < c; ++j) sum += std::exp(static_cast<double>(row[j] - m));
    const double log_sum = std::log(sum);
    for (std::int64_t j = 0; j < c; ++j)
      pp[r * c + j] = static_cast<float>(std::exp(static_cast<double>(row[j] - m) - log_sum));
    lp[r] = static_cast<float>(log_sum - static_cast<double>(row[k] - m));
  }
  return detail::loss::reduce(l, options_.reduction);
}

FASTBLOCK_FUNC Tensor CrossEntropyLossFlat::backward(const Tensor& dloss) const {
  detail::loss::check_called(shape_, "CrossEntropyLossFlat");
  const std::int64_t rows = probs_.size(0), c = probs_.size(1);
  const Tensor g =
      detail::loss::reduction_grad(options_.reduction, rows, dloss, "CrossEntropyLossFlat");
  Tensor dx(Shape{rows, c});
  const float* pp = probs_.data<float>();
  const std::int64_t* tp = target_.data<std::int64_t>();
  const float* gp = g.data<float>();
  float* dp = dx.data<float>();
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t j = 0; j < c; ++j)
      dp[r * c + j] = (pp[r * c + j] - (j == tp[r] ? 1.0f : 0.0f)) * gp[r];
  return dx.reshape(shape_);
}

FASTBLOCK_FUNC Tensor CrossEntropyLossFlat::activation(const Tensor& out) const {
  const Tensor x = out.contiguous();
  const std::int64_t c = x.size(-1), rows = c == 0 ? 0 : x.numel() / c;
  Tensor y(x.shape());
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* row = xp + r * c;
    const float m = *std::max_element(row, row + c);
    double sum = 0.0;
    for (std::int64_t j = 0; j < c; ++j) sum += std::exp(static_cast<double>(row[j] - m));
    for (std::int64_t j = 0; j < c; ++j)
      yp[r * c + j] = static_cast<float>(std::exp(static_cast<double>(row[j] - m)) / sum);
  }
  return y;
}

FASTBLOCK_FUNC Tensor MSELossFlat::operator()(const Tensor& pred, const Tensor& target) {
  detail::loss::check_same_count("MSELossFlat", pred, target);
  shape_ = pred.shape();
  diff_ = detail::loss::flat_float(pred) - detail::loss::flat_float(target);
  return detail::loss::reduce(diff_ * diff_, options_.reduction);
}

FASTBLOCK_FUNC Tensor MSELossFlat::backward(const Tensor& dloss) const {
  detail::loss::check_called(shape_, "MSELossFlat");
  const Tensor g =
      detail::loss::reduction_grad(options_.reduction, diff_.numel(), dloss, "MSELossFlat");
  return (diff_ * 2.0 * g).reshape(shape_);
}

}  // namespace fastblock
