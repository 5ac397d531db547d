// fastblock/nn/head.hpp — fastai's create_head: the classifier put on a pretrained body.
//
// Contract: `create_head(nf, n_out, options)` builds fastai 2.7's head layer for layer: a pool
// (AdaptiveConcatPool2d, doubling nf, or AdaptiveAvgPool2d(1)), Flatten, then for each pair of
// sizes in [nf, lin_ftrs..., n_out] fastai's LinBnDrop — BatchNorm1d (skipped for the first when
// first_bn is false), Dropout when p > 0, Linear without bias when a batchnorm precedes it, ReLU
// except after the last — then BatchNorm1d(n_out, momentum 0.01) when bn_final and SigmoidRange
// when y_range is set. With one probability p, the hidden layers use p/2 and the last p (fastai's
// rule); with resnet18's nf = 512 and the defaults this is
//   AdaptiveConcatPool2d, Flatten, BatchNorm1d(1024), Dropout(0.25), Linear(1024, 512), ReLU,
//   BatchNorm1d(512), Dropout(0.5), Linear(512, n_out).
// Parameters are named by position as in fastai's nn.Sequential (`2.weight`, `4.weight`, ...).
// Linear weights are kaiming_normal_ (fan_in) with zero biases, as cnn_learner initialises them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/random.hpp>
#include <fastblock/nn/activation.hpp>
#include <fastblock/nn/batchnorm.hpp>
#include <fastblock/nn/dropout.hpp>
#include <fastblock/nn/generators.hpp>
#include <fastblock/nn/layer.hpp>
#include <fastblock/nn/linear.hpp>
#include <fastblock/nn/pooling.hpp>

namespace fastblock {

/// Options of create_head, fastai's keyword arguments.
struct HeadOptions {
  /// Hidden layer sizes (fastai's lin_ftrs; default [512]).
  std::vector<std::int64_t> lin_ftrs = {512};
  /// Dropout probabilities: one value p (hidden layers p/2, the last p) or one per linear layer.
  std::vector<double> ps = {0.5};
  /// AdaptiveConcatPool2d (true) or AdaptiveAvgPool2d(1).
  bool concat_pool = true;
  /// Whether the first LinBnDrop starts with a batchnorm.
  bool first_bn = true;
  /// A final BatchNorm1d(n_out, momentum=0.01).
  bool bn_final = false;
  /// Appends SigmoidRange(lo, hi) (fastai's y_range).
  std::optional<std::pair<float, float>> y_range{};
  /// Seed of the linear weights; unset: drawn from default_generator().
  std::optional<std::uint64_t> seed{};
};

/// fastai's head (see the contract above): a Layer.
class Head {
 public:
  /// One of the layers after the pool and Flatten.
  using Element = std::variant<BatchNorm1d, Dropout, Linear, ReLU, SigmoidRange>;

  /// The head for a body of `nf` output channels and `n_out` outputs.
  Head(std::int64_t nf, std::int64_t n_out, HeadOptions options = {});

  /// [N, nf, H, W] -> [N, n_out].
  [[nodiscard]] Tensor forward(const Tensor& x);
  /// The input gradient.
  [[nodiscard]] Tensor backward(const Tensor& dy);
  /// Sets every layer's mode.
  void train(bool on = true);
  /// Whether in training mode.
  [[nodiscard]] bool training() const noexcept { return training_; }
  /// Parameters named by position (`2.weight`, ...) under `prefix`.
  void visit(const ParamVisitor& f, std::string_view prefix);
  /// The dropout layers' generators, named by position (nn/generators.hpp).
  void visit_generators(const GeneratorVisitor& f, std::string_view prefix);
  /// fastai's repr (an nn.Sequential).
  [[nodiscard]] std::string repr() const;

  /// Number of layers, the pool and Flatten included.
  [[nodiscard]] std::size_t size() const noexcept { return 2 + layers_.size(); }
  /// The layers after the pool and Flatten.
  [[nodiscard]] const std::vector<Element>& layers() const noexcept { return layers_; }
  /// Outputs.
  [[nodiscard]] std::int64_t n_out() const noexcept { return n_out_; }

 private:
  std::variant<AdaptiveConcatPool2d, AdaptiveAvgPool2d> pool_;
  Flatten flatten_;
  std::vector<Element> layers_;
  std::int64_t n_out_;
  bool training_ = true;
};

/// fastai's `create_head(nf, n_out, ...)`.
[[nodiscard]] inline Head create_head(std::int64_t nf, std::int64_t n_out,
                                      HeadOptions options = {}) {
  return Head(nf, n_out, std::move(options));
}

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/nn/head-inl.hpp>
#endif
