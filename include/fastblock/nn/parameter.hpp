// fastblock/nn/parameter.hpp — what a layer learns, and how the rest of the library sees it.
//
// Contract: a Parameter is a value tensor with its gradient (same shape, accumulated by backward,
// cleared by the optimizer's zero_grad) and what the optimizer and fastai's freezing need to know:
// whether it trains, its learning-rate and weight-decay multipliers, and its kind (fastai applies
// no weight decay to batchnorm and bias parameters). Buffers — batchnorm's running statistics and
// num_batches_tracked — are Parameters with `buffer = true`: saved and loaded with the weights,
// never given to an optimizer. Layers hand theirs out through `visit(f, prefix)`, calling
// `f(name, parameter)` with PyTorch's dotted names (`layer1.0.conv1.weight`).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

/// What a parameter is, for the optimizer's per-kind rules (fastai's wd_bn_bias, train_bn).
enum class ParamKind {
  /// A weight matrix or filter bank.
  weight,
  /// An additive bias.
  bias,
  /// A batchnorm scale or shift (trainable even when its group is frozen, as fastai's train_bn).
  batchnorm,
  /// A buffer (running mean, running variance, num_batches_tracked).
  buffer,
};

/// A learnable tensor, its gradient and its training knobs (see the contract above).
struct Parameter {
  /// The value (float32; int64 for num_batches_tracked).
  Tensor value{};
  /// The gradient, allocated on first use by backward, same shape as value.
  Tensor grad{};
  /// What it is.
  ParamKind kind = ParamKind::weight;
  /// Whether the optimizer updates it (false: frozen).
  bool trainable = true;
  /// Multiplies the learning rate of its group.
  float lr_mult = 1.0f;
  /// Multiplies the weight decay of its group.
  float wd_mult = 1.0f;

  /// Whether it is a buffer rather than a learnable parameter.
  [[nodiscard]] bool is_buffer() const noexcept { return kind == ParamKind::buffer; }
  /// The gradient, allocated as zeros of the value's shape when it is not yet.
  Tensor& grad_or_zeros();
  /// Clears the gradient (keeps its memory).
  void zero_grad() {
    if (grad.numel() > 0) grad.zero_();
  }
};

/// A parameter of `kind` holding `value`.
[[nodiscard]] inline Parameter make_parameter(Tensor value, ParamKind kind = ParamKind::weight) {
  Parameter p;
  p.value = std::move(value);
  p.kind = kind;
  p.trainable = kind != ParamKind::buffer;
  return p;
}

/// What `visit` calls for each parameter and buffer: its full dotted name and the parameter.
using ParamVisitor = std::function<void(const std::string& name, Parameter& parameter)>;

/// `prefix.name`, or `name` when the prefix is empty (PyTorch's named_parameters()).
[[nodiscard]] inline std::string join_name(std::string_view prefix, std::string_view name) {
  if (prefix.empty()) return std::string(name);
  std::string out(prefix);
  out += '.';
  out += name;
  return out;
}

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/nn/parameter-inl.hpp>
#endif
