// fastblock/nn/pooling.hpp — spatial pooling: MaxPool2d, adaptive average and max pooling, and
// fastai's AdaptiveConcatPool2d.
//
// Contract: inputs are float32 [N, C, H, W]. MaxPool2d pads with −∞ and has PyTorch's output size
// floor((H + 2p − k) / s) + 1. The adaptive pools give [N, C, out_h, out_w], window i covering rows
// floor(i·H/out_h) to ceil((i+1)·H/out_h) − 1 as PyTorch's do. Max pools send each output's
// gradient to the first maximal input of its window (PyTorch's choice too). AdaptiveConcatPool2d is
// fastai's: `cat([max_pool(x), avg_pool(x)], dim=1)`, max first, so [N, 2C, size, size].
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/nn/layer.hpp>
#include <fastblock/tensor/backend.hpp>
#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

/// PyTorch's nn.MaxPool2d with square windows (dilation 1, ceil_mode False).
class MaxPool2d : public detail::LayerMode {
 public:
  /// Windows of `kernel_size`, every `stride` pixels (stride = kernel_size when 0), padded.
  explicit MaxPool2d(std::int64_t kernel_size, std::int64_t stride = 0, std::int64_t padding = 0);
  /// [N, C, H, W] -> [N, C, H_out, W_out].
  [[nodiscard]] Tensor forward(const Tensor& x);
  /// The gradient routed to each window's maximum.
  [[nodiscard]] Tensor backward(const Tensor& dy);
  /// No parameters.
  void visit(const ParamVisitor& /*f*/, std::string_view /*prefix*/) {}
  /// `MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)`.
  [[nodiscard]] std::string repr() const;

 private:
  [[nodiscard]] ConvShape device_shape(const Shape& input) const;

  std::int64_t k_, s_, p_;
  Shape input_shape_{0};
  std::vector<std::int32_t> argmax_;  // per output: the input's index within its plane
  Storage device_argmax_;             // the same, int32, for an input on a device
};

/// PyTorch's nn.AdaptiveAvgPool2d.
class AdaptiveAvgPool2d : public detail::LayerMode {
 public:
  /// Output `out_h` x `out_w` (out_w = out_h when 0).
  explicit AdaptiveAvgPool2d(std::int64_t out_h = 1, std::int64_t out_w = 0);
  /// [N, C, H, W] -> [N, C, out_h, out_w].
  [[nodiscard]] Tensor forward(const Tensor& x);
  /// Each output's gradient spread evenly over its window.
  [[nodiscard]] Tensor backward(const Tensor& dy);
  /// No parameters.
  void visit(const ParamVisitor& /*f*/, std::string_view /*prefix*/) {}
  /// `AdaptiveAvgPool2d(output_size=(1, 1))`.
  [[nodiscard]] std::string repr() const;

 private:
  std::int64_t oh_, ow_;
  Shape input_shape_{0};
};

/// PyTorch's nn.AdaptiveMaxPool2d.
class AdaptiveMaxPool2d : public detail::LayerMode {
 public:
  /// Output `out_h` x `out_w` (out_w = out_h when 0).
  explicit AdaptiveMaxPool2d(std::int64_t out_h = 1, std::int64_t out_w = 0);
  /// [N, C, H, W] -> [N, C, out_h, out_w].
  [[nodiscard]] Tensor forward(const Tensor& x);
  /// The gradient routed to each window's maximum.
  [[nodiscard]] Tensor backward(const Tensor& dy);
  /// No parameters.
  void visit(const ParamVisitor& /*f*/, std::string_view /*prefix*/) {}
  /// `AdaptiveMaxPool2d(output_size=(1, 1))`.
  [[nodiscard]] std::string repr() const;

 private:
  std::int64_t oh_, ow_;
  Shape input_shape_{0};
  std::vector<std::int32_t> argmax_;
  Storage device_argmax_;  // int32, for an input on a device
};

/// fastai's AdaptiveConcatPool2d: max and average pooling side by side (max first).
class AdaptiveConcatPool2d : public detail::LayerMode {
 public:
  /// Both pools to `size` x `size`.
  explicit AdaptiveConcatPool2d(std::int64_t size = 1) : size_(size), mp_(size), ap_(size) {}
  /// [N, C, H, W] -> [N, 2C, size, size].
  [[nodiscard]] Tensor forward(const Tensor& x);
  /// The sum of both pools' input gradients.
  [[nodiscard]] Tensor backward(const Tensor& dy);
  /// No parameters.
  void visit(const ParamVisitor& /*f*/, std::string_view /*prefix*/) {}
  /// `AdaptiveConcatPool2d(size=1)`.
  [[nodiscard]] std::string repr() const {
    return "AdaptiveConcatPool2d(size=" + std::to_string(size_) + ")";
  }
  /// Sets both pools' mode too.
  void train(bool on = true) {
    LayerMode::train(on);
    mp_.train(on);
    ap_.train(on);
  }

 private:
  std::int64_t size_;
  AdaptiveMaxPool2d mp_;
  AdaptiveAvgPool2d ap_;
};

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/nn/pooling-inl.hpp>
#endif
