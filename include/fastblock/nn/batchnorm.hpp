// fastblock/nn/batchnorm.hpp — batch normalisation (PyTorch's nn.BatchNorm1d / nn.BatchNorm2d).
//
// Contract: per channel c of an input [N, C] or [N, C, L] (BatchNorm1d) or [N, C, H, W]
// (BatchNorm2d), training mode normalises with the batch's mean and biased variance over every
// other dimension, then scales by weight and shifts by bias (when affine), and updates the
// running statistics: running = (1 − momentum)·running + momentum·batch, with the unbiased
// variance for running_var, and num_batches_tracked += 1 — exactly PyTorch's rules, including its
// error for a single value per channel in training. Eval mode uses the running statistics.
// Parameters: `weight` (ones), `bias` (zeros), kind batchnorm; buffers `running_mean` (zeros),
// `running_var` (ones), `num_batches_tracked` (int64 0-d). Channels are spread over the shared
// thread pool; sums are accumulated in double, so results do not depend on the thread count.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/nn/layer.hpp>
#include <fastblock/nn/parameter.hpp>
#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

/// Options of BatchNorm1d and BatchNorm2d, PyTorch's keyword arguments.
struct BatchNormOptions {
  /// Added to the variance before the square root.
  double eps = 1e-5;
  /// Weight of the current batch in the running statistics.
  double momentum = 0.1;
  /// Whether there are a learnable scale and shift.
  bool affine = true;
};

/// Batch normalisation over `num_features` channels; BatchNorm1d and BatchNorm2d fix the input
/// rank. See the contract above.
class BatchNorm : public detail::LayerMode {
 public:
  /// `spatial_dims` is 0 or 1 for BatchNorm1d ([N, C] or [N, C, L]), 2 for BatchNorm2d.
  BatchNorm(std::int64_t num_features, int spatial_dims, BatchNormOptions options = {});

  /// Normalised input, same shape; shape_error naming the layer for another rank or channel count.
  [[nodiscard]] Tensor forward(const Tensor& x);
  /// The input gradient; adds to weight.grad and bias.grad.
  [[nodiscard]] Tensor backward(const Tensor& dy);
  /// weight, bias, running_mean, running_var, num_batches_tracked under `prefix`.
  void visit(const ParamVisitor& f, std::string_view prefix);
  /// `BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)`.
  [[nodiscard]] std::string repr() const;

  /// Number of channels.
  [[nodiscard]] std::int64_t num_features() const noexcept { return c_; }

  /// Scale per channel (ones at first).
  Parameter weight;
  /// Shift per channel (zeros at first).
  Parameter bias;
  /// Running mean per channel (a buffer).
  Parameter running_mean;
  /// Running (unbiased) variance per channel (a buffer).
  Parameter running_var;
  /// Number of training batches seen (an int64 0-d buffer).
  Parameter num_batches_tracked;

 private:
  void check_input(const Tensor& x) const;

  std::int64_t c_;
  int spatial_;
  BatchNormOptions options_;
  // Kept by a training-mode forward for backward: the input, and per channel mean and 1/std.
  Tensor input_;
  std::vector<float> mean_, inv_std_;  // batch statistics of the last forward (CPU)
  Tensor saved_mean_, saved_inv_std_;  // the same on a device
};

/// PyTorch's nn.BatchNorm1d: inputs [N, C] or [N, C, L].
class BatchNorm1d : public BatchNorm {
 public:
  /// `num_features` channels.
  explicit BatchNorm1d(std::int64_t num_features, BatchNormOptions options = {})
      : BatchNorm(num_features, 1, options) {}
};

/// PyTorch's nn.BatchNorm2d: inputs [N, C, H, W].
class BatchNorm2d : public BatchNorm {
 public:
  /// `num_features` channels.
  explicit BatchNorm2d(std::int64_t num_features, BatchNormOptions options = {})
      : BatchNorm(num_features, 2, options) {}
};

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/nn/batchnorm-inl.hpp>
#endif
