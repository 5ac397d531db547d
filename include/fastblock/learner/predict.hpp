// fastblock/learner/predict.hpp — what learn.predict(item) returns, and how outputs are decoded.
//
// Contract: `auto p = learn.predict("photo.jpg");` (or an Image) runs one item through the
// validation-time item and batch transforms and the model in eval mode, then decodes the output
// as fastai's predict does, into a Prediction of three parts, fastai's (decoded, raw, probs):
//   labels   multi-label: the vocabulary entries whose probability exceeds their threshold (the
//            learner's per-class `thresholds` when set, e.g. from best_thresholds, else the
//            loss's thresh), in vocabulary order; single-label: the argmax class;
//   points   PointBlock: [n, 2] in pixels of the image as the model saw it (after the item and
//            batch transforms), PointBlock::decode of the scaled output;
//   decoded  the loss's decodes: bool [C], an int64 0-d index, or the outputs themselves;
//   probs    the outputs after the loss's activation (sigmoid, softmax, identity), [n_out].
// It prints as fastai's tuple: `((#2) ['dog','person'], tensor(...), tensor(...))`. The exported
// learner (learner/load_learner.hpp) decodes with the same functions, so a prediction before
// export and after load_learner are equal.
#pragma once

#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <type_traits>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/data/blocks/category.hpp>
#include <fastblock/learner/thresholds.hpp>
#include <fastblock/tensor/tensor.hpp>
#include <fastblock/vision/points.hpp>

namespace fastblock {

/// One item's prediction (see the contract above).
struct Prediction {
  /// The decoded labels (empty for points and regression).
  LabelList labels;
  /// PointBlock: [n, 2] pixels of the model's input image; otherwise empty.
  Tensor points;
  /// The loss's decodes of probs.
  Tensor decoded;
  /// The outputs after the loss's activation, [n_out].
  Tensor probs;
};

/// fastai's tuple: `(labels or points, decoded, probs)`.
std::ostream& operator<<(std::ostream& os, const Prediction& p);

namespace detail {

/// The indices of the true elements of a bool [C] tensor, as int64 [k].
Tensor true_indices(const Tensor& mask);

/// Decodes one output row `out` ([1, n_out], on the host) of a model whose target block is
/// `block` and loss `loss`; `input_w` x `input_h` is the size of the image the model saw (for
/// points). `thresholds` (one per class, or empty) override a multi-label loss's thresh.
template <class Block, class Loss>
Prediction decode_prediction(const Block& block, const Loss& loss, const Tensor& out,
                             std::span<const float> thresholds, std::int64_t input_w,
                             std::int64_t input_h) {
  Prediction p;
  const Tensor probs = loss.activation(out);
  p.probs = probs.reshape({probs.numel()});
  if constexpr (std::same_as<Block, MultiCategoryBlock>) {
    p.decoded = thresholds.empty() ? loss.decodes(probs).reshape({probs.numel()})
                                   : apply_thresholds(probs, thresholds).reshape({probs.numel()});
    p.labels = block.vocab()[true_indices(p.decoded)];
  } else if constexpr (std::same_as<Block, CategoryBlock>) {
    p.decoded = loss.decodes(probs).reshape({});
    p.labels = LabelList{block.decode(TensorCategory(p.decoded))};
  } else if constexpr (std::same_as<Block, PointBlock>) {
    p.decoded = loss.decodes(probs).reshape({probs.numel() / 2, 2});
    p.points =
        block.decode(TensorPoint(p.decoded, input_w, input_h, PointFrame::scaled)).as_tensor();
  } else {
    p.decoded = loss.decodes(p.probs);
  }
  return p;
}

}  // namespace detail

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/learner/predict-inl.hpp>
#endif
