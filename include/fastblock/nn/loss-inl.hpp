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
#include <fastblock/tensor/backend.hpp>

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

/// The backend's name for a reduction.
FASTBLOCK_FUNC LossReduce device_reduce(Reduction r) {
  return r == Reduction::mean ? LossReduce::mean
                              : (r == Reduction::sum ? LossReduce::sum : LossReduce::none);
}

/// Throws device_error unless pred and target share a device.
FASTBLOCK_FUNC void check_same_device(const char* loss, const Tensor& pred, const Tensor& target) {
  if (pred.device() != target.device())
    throw device_error(std::string("fastblock::") + loss + ": prediction on " +
                       pred.device().str() + " but target on " + target.device().str() +
                       " (move both to one device)");
}

/// A device loss's output: one value for mean and sum, n for none.
FASTBLOCK_FUNC Tensor device_loss_output(Reduction r, std::int64_t n, Device device) {
  return r == Reduction::none ? Tensor(Shape{n}, float32, device)
                              : Tensor(Shape{}, float32, device);
}

/// The per-element upstream gradient a device backward reads (reduction none), else empty.
FASTBLOCK_FUNC Tensor device_dloss(Reduction r, std::int64_t n, const Tensor& dloss, Device device,
                                   const char* loss) {
  if (r != Reduction::none) return {};
  if (dloss.numel() != n)
    throw shape_error(std::string("fastblock::") + loss +
                      ".backward: with reduction none, pass the gradient of each of the " +
                      std::to_string(n) + " losses, got shape " + dloss.shape().str());
  return flat_float(dloss.to(device));
}

/// Multiplies a device gradient by a scalar upstream gradient (mean and sum; 1 when none given).
FASTBLOCK_FUNC void scale_by_upstream(Tensor& dx, Reduction r, const Tensor& dloss) {
  if (r == Reduction::none || dloss.numel() != 1) return;
  const float g = dloss.item<float>();
  if (g != 1.0f) backend(dx.device()).scale(dx.data<float>(), g, dx.data<float>(), dx.numel());
}

}  // namespace detail::loss

FASTBLOCK_FUNC Tensor BCEWithLogitsLossFlat::operator()(const Tensor& logits,
                                                        const Tensor& target) {
  detail::loss::check_same_count("BCEWithLogitsLossFlat", logits, target);
  detail::loss::check_same_device("BCEWithLogitsLossFlat", logits, target);
  const auto c = static_cast<std::int64_t>(pos_weight_.size());
  if (c > 0 && (logits.dim() == 0 || logits.size(-1) != c))
    throw shape_error("fastblock::BCEWithLogitsLossFlat: pos_weight has " + std::to_string(c) +
                      " classes but the prediction " + logits.shape().str() + " has " +
                      (logits.dim() == 0 ? std::string("none") : std::to_string(logits.size(-1))) +
                      " in its last dimension");
  device_ = logits.device();
  if (c > 0 && !logits.device().is_cpu()) {
    const Tensor out = (*this)(logits.to(cpu), target.to(cpu));  // small: [bs, classes]
    device_ = logits.device();
    return out.to(device_);
  }
  logits_ = detail::loss::flat_float(logits);
  target_ = detail::loss::flat_float(target);
  shape_ = logits.shape();
  const std::int64_t n = logits_.numel();
  if (!logits.device().is_cpu()) {
    Tensor out = detail::loss::device_loss_output(options_.reduction, n, logits.device());
    backend(logits.device())
        .bce_with_logits_forward(logits_.data<float>(), target_.data<float>(), n,
                                 detail::loss::device_reduce(options_.reduction),
                                 out.data<float>());
    return out;
  }
  Tensor l(Shape{n});
  const float* x = logits_.data<float>();
  const float* t = target_.data<float>();
  float* lp = l.data<float>();
  if (c == 0) {
    for (std::int64_t i = 0; i < n; ++i)
      lp[i] = std::max(x[i], 0.0f) - x[i] * t[i] + std::log1p(std::exp(-std::abs(x[i])));
  } else {
    // PyTorch's form: (1 - t)·x + (1 + (w - 1)·t)·(log1p(e^-|x|) + max(-x, 0)).
    for (std::int64_t i = 0; i < n; ++i) {
      const float w = 1.0f + (pos_weight_[static_cast<std::size_t>(i % c)] - 1.0f) * t[i];
      lp[i] = (1.0f - t[i]) * x[i] +
              w * (std::log1p(std::exp(-std::abs(x[i]))) + std::max(-x[i], 0.0f));
    }
  }
  return detail::loss::reduce(l, options_.reduction);
}

FASTBLOCK_FUNC Tensor BCEWithLogitsLossFlat::backward(const Tensor& dloss) const {
  detail::loss::check_called(shape_, "BCEWithLogitsLossFlat");
  const std::int64_t n = logits_.numel();
  // A pos_weight loss of device tensors was computed on the host; its gradient goes back.
  const bool on_host_for_device = !device_.is_cpu() && logits_.device().is_cpu();
  if (!logits_.device().is_cpu()) {
    const Tensor dl = detail::loss::device_dloss(options_.reduction, n, dloss, logits_.device(),
                                                 "BCEWithLogitsLossFlat");
    Tensor dx(Shape{n}, float32, logits_.device());
    backend(dx.device())
        .bce_with_logits_backward(logits_.data<float>(), target_.data<float>(), n,
                                  detail::loss::device_reduce(options_.reduction),
                                  dl.numel() > 0 ? dl.data<float>() : nullptr, dx.data<float>());
    detail::loss::scale_by_upstream(dx, options_.reduction, dloss);
    return dx.reshape(shape_);
  }
  const Tensor g = detail::loss::reduction_grad(
      options_.reduction, n, on_host_for_device && dloss.numel() > 0 ? dloss.to(cpu) : dloss,
      "BCEWithLogitsLossFlat");
  Tensor dx(Shape{n});
  const float* x = logits_.data<float>();
  const float* t = target_.data<float>();
  const float* gp = g.data<float>();
  float* dp = dx.data<float>();
  for (std::int64_t i = 0; i < n; ++i) {
    // sigmoid without overflow for large |x|
    const float e = std::exp(-std::abs(x[i]));
    const float s = x[i] >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
    if (pos_weight_.empty()) {
      dp[i] = (s - t[i]) * gp[i];
    } else {
      const auto c = static_cast<std::int64_t>(pos_weight_.size());
      const float w = 1.0f + (pos_weight_[static_cast<std::size_t>(i % c)] - 1.0f) * t[i];
      dp[i] = ((1.0f - t[i]) - w * (1.0f - s)) * gp[i];
    }
  }
  return on_host_for_device ? dx.reshape(shape_).to(device_) : dx.reshape(shape_);
}

FASTBLOCK_FUNC Tensor BCEWithLogitsLossFlat::activation(const Tensor& out) const {
  if (out.device().is_cpu() || out.dtype() != float32) return out.sigmoid();
  const Tensor x = out.contiguous();
  Tensor y(x.shape(), float32, x.device());
  backend(x.device()).sigmoid(x.data<float>(), y.data<float>(), x.numel());
  return y;
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
  detail::loss::check_same_device("CrossEntropyLossFlat", logits, target);
  shape_ = logits.shape();
  const Tensor x = logits.contiguous();
  target_ = target.contiguous().reshape(Shape{rows});
  if (!x.device().is_cpu()) {
    // Targets are checked on the host first (a small copy), so the kernel never reads a class
    // that does not exist.
    const Tensor host = target_.to(cpu);
    for (std::int64_t r = 0; r < rows; ++r) {
      const std::int64_t k = host.data<std::int64_t>()[r];
      if (k < 0 || k >= c)
        throw index_error("fastblock::CrossEntropyLossFlat: target " + std::to_string(k) +
                          " of row " + std::to_string(r) + " is out of range for " +
                          std::to_string(c) + " classes");
    }
    probs_ = Tensor(Shape{rows, c}, float32, x.device());
    Tensor out = detail::loss::device_loss_output(options_.reduction, rows, x.device());
    backend(x.device())
        .cross_entropy_forward(x.data<float>(), target_.data<std::int64_t>(), rows, c,
                               detail::loss::device_reduce(options_.reduction),
                               probs_.data<float>(), out.data<float>());
    return out;
  }
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
  if (!probs_.device().is_cpu()) {
    const Tensor dl = detail::loss::device_dloss(options_.reduction, rows, dloss, probs_.device(),
                                                 "CrossEntropyLossFlat");
    Tensor dx(Shape{rows, c}, float32, probs_.device());
    backend(dx.device())
        .cross_entropy_backward(probs_.data<float>(), target_.data<std::int64_t>(), rows, c,
                                detail::loss::device_reduce(options_.reduction),
                                dl.numel() > 0 ? dl.data<float>() : nullptr, dx.data<float>());
    detail::loss::scale_by_upstream(dx, options_.reduction, dloss);
    return dx.reshape(shape_);
  }
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
  // Predictions are read on the host (get_preds, predict), so a device output goes there.
  if (!out.device().is_cpu()) return activation(out.to(cpu));
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
  detail::loss::check_same_device("MSELossFlat", pred, target);
  shape_ = pred.shape();
  if (!pred.device().is_cpu()) {
    const Tensor p = detail::loss::flat_float(pred), t = detail::loss::flat_float(target);
    diff_ = Tensor(p.shape(), float32, p.device());
    Tensor out = detail::loss::device_loss_output(options_.reduction, p.numel(), p.device());
    backend(p.device())
        .mse_forward(p.data<float>(), t.data<float>(), p.numel(),
                     detail::loss::device_reduce(options_.reduction), diff_.data<float>(),
                     out.data<float>());
    return out;
  }
  diff_ = detail::loss::flat_float(pred) - detail::loss::flat_float(target);
  return detail::loss::reduce(diff_ * diff_, options_.reduction);
}

FASTBLOCK_FUNC Tensor MSELossFlat::backward(const Tensor& dloss) const {
  detail::loss::check_called(shape_, "MSELossFlat");
  if (!diff_.device().is_cpu()) {
    const std::int64_t n = diff_.numel();
    const Tensor dl =
        detail::loss::device_dloss(options_.reduction, n, dloss, diff_.device(), "MSELossFlat");
    Tensor dx(Shape{n}, float32, diff_.device());
    backend(dx.device())
        .mse_backward(diff_.data<float>(), n, detail::loss::device_reduce(options_.reduction),
                      dl.numel() > 0 ? dl.data<float>() : nullptr, dx.data<float>());
    detail::loss::scale_by_upstream(dx, options_.reduction, dloss);
    return dx.reshape(shape_);
  }
  const Tensor g =
      detail::loss::reduction_grad(options_.reduction, diff_.numel(), dloss, "MSELossFlat");
  return (diff_ * 2.0 * g).reshape(shape_);
}

}  // namespace fastblock
