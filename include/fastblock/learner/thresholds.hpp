// fastblock/learner/thresholds.hpp — one decision threshold per class for multi-label outputs.
//
// Contract: the seed picks one threshold for every class by sweeping accuracy_multi over the
// validation predictions; classes differ (rare ones want lower thresholds), so
// `best_thresholds(preds, targs)` picks, for each class c, the candidate threshold that maximises
// that class's F1 score on the validation set, where preds are probabilities [N, C] (get_preds'
// output, after the sigmoid) and targs 0/1 [N, C]. When several candidates reach the best F1 the
// middle one of them is chosen (the plateau's centre is the least fragile); a class with no
// positive target keeps `fallback`. `apply_thresholds(preds, thresholds)` then decodes
// predictions as a bool [N, C] tensor. Thresholds are chosen on validation data, so they are as
// optimistic as any hyper-parameter tuned there (the seed's own caveat).
#pragma once

#include <span>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

/// Options of best_thresholds.
struct BestThresholdsOptions {
  /// Thresholds tried, ascending; empty: 0.05, 0.10, ..., 0.95.
  std::vector<float> candidates{};
  /// The threshold of a class without positive targets.
  float fallback = 0.5f;
};

/// One threshold per class (see the contract above); shape_error unless preds and targs are
/// both [N, C] with N > 0.
[[nodiscard]] std::vector<float> best_thresholds(const Tensor& preds, const Tensor& targs,
                                                 const BestThresholdsOptions& options = {});

/// preds > thresholds[c] for each column c, as bool [N, C]; shape_error unless there is one
/// threshold per column.
[[nodiscard]] Tensor apply_thresholds(const Tensor& preds, std::span<const float> thresholds);

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/learner/thresholds-inl.hpp>
#endif
