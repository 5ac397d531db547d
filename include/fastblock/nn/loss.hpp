// fastblock/nn/loss.hpp — fastai's flattened losses: BCEWithLogitsLossFlat, CrossEntropyLossFlat,
// MSELossFlat.
//
// Contract: a loss is called as `loss(pred, target)` and returns the reduced loss (a 0-d tensor
// for mean and sum, one value per element or row for none); `loss.backward()` then returns the
// gradient of that loss with respect to pred (pass the upstream gradient for reduction none), the
// start of the network's backward pass. As fastai's `*Flat` losses, they flatten: BCE and MSE
// compare pred and target element by element once both are viewed as 1-D (so a [64, 2] prediction
// meets a [64, 1, 2] point target), cross-entropy views pred as rows of classes [-1, C] and the
// target as [-1] int64 class indices. Each loss also knows what fastai attaches to it: the
// activation that turns outputs into predictions (sigmoid, softmax, identity) and the decode that
// turns predictions into targets (> thresh, argmax, identity). BCE uses the overflow-free form
// max(x, 0) − x·t + log(1 + exp(−|x|)): logits of ±1000 give finite losses and gradients.
// Mismatched element counts or dtypes are shape_error / dtype_error naming both shapes.
//
// Typed targets are checked at compile time: each loss says which it `accepts<T>`, and calling it
// with another (cross-entropy on a multi-label TensorMultiCategory, BCE or MSE on class indices)
// is a one-line static_assert naming the loss that fits. Plain Tensors are checked at run time.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/tensor/device.hpp>
#include <fastblock/tensor/tensor.hpp>
#include <fastblock/tensor/typed_tensor.hpp>

namespace fastblock {

/// How a loss combines the per-element (or per-row) losses, PyTorch's `reduction=`.
enum class Reduction {
  /// Their mean (the default).
  mean,
  /// Their sum.
  sum,
  /// No reduction: one value each.
  none,
};

/// Options of the losses.
struct LossOptions {
  /// See Reduction.
  Reduction reduction = Reduction::mean;
};

/// fastai's BCEWithLogitsLossFlat: multi-label targets (float 0/1 of pred's element count).
class BCEWithLogitsLossFlat {
 public:
  /// `thresh` is what decodes() compares probabilities with (fastai's default 0.5);
  /// `pos_weight`, one factor per class (the last dimension), multiplies the loss of positive
  /// targets, as PyTorch's BCEWithLogitsLoss(pos_weight=...) does: (1 − y)·x + (1 + (w − 1)·y)·
  /// log(1 + e^−x) — e.g. MultiCategoryBlock::pos_weight(), negatives over positives per class.
  /// Empty: all 1. On a device, a loss with pos_weight is computed on the host (it is small).
  explicit BCEWithLogitsLossFlat(LossOptions options = {}, float thresh = 0.5f,
                                 std::vector<float> pos_weight = {})
      : options_(options), thresh_(thresh), pos_weight_(std::move(pos_weight)) {}
  /// The reduced loss; keeps what backward needs.
  [[nodiscard]] Tensor operator()(const Tensor& logits, const Tensor& target);
  /// Typed targets: multi-hot ones only (MultiCategoryBlock's).
  template <class T>
  static constexpr bool accepts = !std::same_as<T, TensorCategory>;
  /// The loss against a typed target, checked at compile time.
  template <TypedTensorType T>
  [[nodiscard]] Tensor operator()(const Tensor& logits, const T& target) {
    static_assert(accepts<T>,
                  "fastblock::BCEWithLogitsLossFlat: the target holds class indices "
                  "(TensorCategory); for one label per item use CrossEntropyLossFlat");
    return (*this)(logits, target.as_tensor());
  }
  /// d loss / d logits, in the logits' shape (`dloss` only for reduction none).
  [[nodiscard]] Tensor backward(const Tensor& dloss = Tensor()) const;
  /// sigmoid: outputs to probabilities.
  [[nodiscard]] Tensor activation(const Tensor& out) const;
  /// probabilities > thresh, as a bool tensor.
  [[nodiscard]] Tensor decodes(const Tensor& probs) const;
  /// The threshold of decodes().
  [[nodiscard]] float thresh() const noexcept { return thresh_; }
  /// The per-class weights of positive targets (empty: none).
  [[nodiscard]] const std::vector<float>& pos_weight() const noexcept { return pos_weight_; }
  /// `FlattenedLoss of BCEWithLogitsLoss()`, as fastai prints it.
  [[nodiscard]] std::string repr() const { return "FlattenedLoss of BCEWithLogitsLoss()"; }

 private:
  LossOptions options_;
  float thresh_;
  std::vector<float> pos_weight_;
  Tensor logits_, target_;  // contiguous copies of the last call's inputs
  Shape shape_{0};
  Device device_ = cpu;  // where the inputs were (pos_weight losses compute on the host)
};

/// fastai's CrossEntropyLossFlat: single-label targets (int64 class indices).
class CrossEntropyLossFlat {
 public:
  /// A cross-entropy over the last dimension of pred.
  explicit CrossEntropyLossFlat(LossOptions options = {}) : options_(options) {}
  /// The reduced loss; keeps the softmax for backward.
  [[nodiscard]] Tensor operator()(const Tensor& logits, const Tensor& target);
  /// Typed targets: class indices only (CategoryBlock's).
  template <class T>
  static constexpr bool accepts = std::same_as<T, TensorCategory>;
  /// The loss against a typed target, checked at compile time.
  template <TypedTensorType T>
  [[nodiscard]] Tensor operator()(const Tensor& logits, const T& target) {
    static_assert(accepts<T>,
                  "fastblock::CrossEntropyLossFlat: the target must hold class indices "
                  "(TensorCategory); for multi-hot targets (MultiCategoryBlock) use "
                  "BCEWithLogitsLossFlat");
    return (*this)(logits, target.as_tensor());
  }
  /// d loss / d logits, in the logits' shape (`dloss` only for reduction none).
  [[nodiscard]] Tensor backward(const Tensor& dloss = Tensor()) const;
  /// softmax over the last dimension.
  [[nodiscard]] Tensor activation(const Tensor& out) const;
  /// argmax over the last dimension.
  [[nodiscard]] Tensor decodes(const Tensor& probs) const { return probs.argmax(-1); }
  /// `FlattenedLoss of CrossEntropyLoss()`.
  [[nodiscard]] std::string repr() const { return "FlattenedLoss of CrossEntropyLoss()"; }

 private:
  LossOptions options_;
  Tensor probs_, target_;  // [rows, C] softmax and [rows] targets of the last call
  Shape shape_{0};
};

/// fastai's MSELossFlat: regression and point targets with pred's element count.
class MSELossFlat {
 public:
  /// A mean squared error.
  explicit MSELossFlat(LossOptions options = {}) : options_(options) {}
  /// The reduced loss; keeps the difference for backward.
  [[nodiscard]] Tensor operator()(const Tensor& pred, const Tensor& target);
  /// Typed targets: values to regress to (points, regression targets), never class indices.
  template <class T>
  static constexpr bool accepts = !std::same_as<T, TensorCategory>;
  /// The loss against a typed target, checked at compile time.
  template <TypedTensorType T>
  [[nodiscard]] Tensor operator()(const Tensor& pred, const T& target) {
    static_assert(accepts<T>,
                  "fastblock::MSELossFlat: the target holds class indices (TensorCategory), not "
                  "values to regress to; use CrossEntropyLossFlat");
    return (*this)(pred, target.as_tensor());
  }
  /// d loss / d pred, in pred's shape (`dloss` only for reduction none).
  [[nodiscard]] Tensor backward(const Tensor& dloss = Tensor()) const;
  /// The identity.
  [[nodiscard]] Tensor activation(const Tensor& out) const { return out; }
  /// The identity.
  [[nodiscard]] Tensor decodes(const Tensor& preds) const { return preds; }
  /// `FlattenedLoss of MSELoss()`.
  [[nodiscard]] std::string repr() const { return "FlattenedLoss of MSELoss()"; }

 private:
  LossOptions options_;
  Tensor diff_;  // pred − target, flattened
  Shape shape_{0};
};

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/nn/loss-inl.hpp>
#endif
