// fastblock/learner/thresholds-inl.hpp — definitions of thresholds.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <fastblock/core/error.hpp>
#include <fastblock/learner/thresholds.hpp>
#include <fastblock/tensor/factory.hpp>

namespace fastblock {

FASTBLOCK_FUNC std::vector<float> best_thresholds(const Tensor& preds_in, const Tensor& targs_in,
                                                  const BestThresholdsOptions& options) {
  if (preds_in.dim() != 2 || preds_in.shape() != targs_in.shape() || preds_in.shape()[0] == 0)
    throw shape_error(
        "fastblock::best_thresholds: expected probabilities and targets of one shape "
        "[N, C] with N > 0, got " +
        preds_in.describe() + " and " + targs_in.describe());
  std::vector<float> candidates = options.candidates;
  if (candidates.empty())
    for (int i = 1; i <= 19; ++i) candidates.push_back(0.05f * static_cast<float>(i));
  const Tensor preds = preds_in.to(cpu).to(float32).contiguous();
  const Tensor targs = targs_in.to(cpu).to(float32).contiguous();
  const std::int64_t n = preds.shape()[0], c = preds.shape()[1];
  const float* p = preds.data<float>();
  const float* t = targs.data<float>();
  std::vector<float> out(static_cast<std::size_t>(c), options.fallback);
  std::vector<double> f1(candidates.size());
  for (std::int64_t j = 0; j < c; ++j) {
    std::int64_t positives = 0;
    for (std::int64_t i = 0; i < n; ++i) positives += t[i * c + j] != 0.0f;
    if (positives == 0) continue;
    double best = -1.0;
    for (std::size_t k = 0; k < candidates.size(); ++k) {
      std::int64_t tp = 0, fp = 0;
      for (std::int64_t i = 0; i < n; ++i) {
        const bool predicted = p[i * c + j] > candidates[k];
        const bool actual = t[i * c + j] != 0.0f;
        tp += predicted && actual;
        fp += predicted && !actual;
      }
      // F1 = 2tp / (2tp + fp + fn), with fn = positives - tp
      f1[k] = 2.0 * static_cast<double>(tp) / static_cast<double>(2 * tp + fp + (positives - tp));
      best = std::max(best, f1[k]);
    }
    std::vector<std::size_t> ties;
    for (std::size_t k = 0; k < candidates.size(); ++k)
      if (f1[k] >= best - 1e-12) ties.push_back(k);
    out[static_cast<std::size_t>(j)] = candidates[ties[ties.size() / 2]];
  }
  return out;
}

FASTBLOCK_FUNC Tensor apply_thresholds(const Tensor& preds_in, std::span<const float> thresholds) {
  if (preds_in.dim() != 2 || preds_in.shape()[1] != static_cast<std::int64_t>(thresholds.size()))
    throw shape_error("fastblock::apply_thresholds: expected predictions [N, " +
                      std::to_string(thresholds.size()) + "] (one column per threshold), got " +
                      preds_in.describe());
  const Tensor preds = preds_in.to(cpu).to(float32).contiguous();
  const std::int64_t n = preds.shape()[0], c = preds.shape()[1];
  Tensor out = zeros({n, c}, boolean);
  const float* p = preds.data<float>();
  bool* o = out.data<bool>();
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < c; ++j)
      o[i * c + j] = p[i * c + j] > thresholds[static_cast<std::size_t>(j)];
  return out;
}

}  // namespace fastblock
