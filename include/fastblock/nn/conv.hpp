// fastblock/nn/conv.hpp — 2-D convolution (PyTorch's nn.Conv2d, groups = 1, dilation = 1).
//
// Contract: input [N, C_in, H, W] float32, weight [C_out, C_in, kh, kw], optional bias [C_out];
// output [N, C_out, H_out, W_out] with H_out = (H + 2·pad_h − kh) / stride_h + 1 (floor), as in
// PyTorch. Each image is an im2col matrix multiplied by the weight matrix (Eigen GEMM); 1x1
// convolutions with stride 1 and no padding use the image itself, small images (a ResNet's late
// stages) share one product, large ones go through in blocks of output rows that stay in cache.
// Images are spread over the shared thread pool; each chunk of images accumulates its own weight
// gradient and the partial sums are added in image order once per backward, so two runs on the
// same number of threads agree bit for bit (other thread counts: up to float rounding).
// Initialisation is PyTorch's default (kaiming-uniform with a = √5, bias uniform in ±1/√fan_in);
// torchvision's ResNets re-initialise with kaiming_normal_.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <fastblock/core/config.hpp>
#include <fastblock/core/random.hpp>
#include <fastblock/nn/layer.hpp>
#include <fastblock/nn/parameter.hpp>
#include <fastblock/tensor/backend.hpp>
#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

/// Options of Conv2d, PyTorch's keyword arguments.
struct Conv2dOptions {
  /// Step between output positions, along height and width.
  std::int64_t stride = 1;
  /// Zeros added on each side, along height and width.
  std::int64_t padding = 0;
  /// Whether there is a bias.
  bool bias = true;
};

/// 2-D convolution; see the contract above.
class Conv2d : public detail::LayerMode {
 public:
  /// `in_channels` to `out_channels` with a square `kernel_size`; weights drawn from `rng`
  /// (default_generator() when null). value_error for a non-positive size, stride or padding < 0.
  Conv2d(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size,
         Conv2dOptions options = {}, Generator* rng = nullptr);

  /// [N, C_in, H, W] -> [N, C_out, H_out, W_out]; shape_error naming the layer otherwise.
  [[nodiscard]] Tensor forward(const Tensor& x);
  /// The input gradient; adds to weight.grad (and bias.grad).
  [[nodiscard]] Tensor backward(const Tensor& dy);
  /// `weight` and `bias` (when present) under `prefix`.
  void visit(const ParamVisitor& f, std::string_view prefix);
  /// `Conv2d(3, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)`.
  [[nodiscard]] std::string repr() const;

  /// The output height or width for an input of `size`.
  [[nodiscard]] std::int64_t output_size(std::int64_t size) const noexcept {
    return (size + 2 * padding_ - kernel_) / stride_ + 1;
  }

  /// Input channels.
  [[nodiscard]] std::int64_t in_channels() const noexcept { return in_; }
  /// Output channels.
  [[nodiscard]] std::int64_t out_channels() const noexcept { return out_; }
  /// Kernel height and width.
  [[nodiscard]] std::int64_t kernel_size() const noexcept { return kernel_; }
  /// Stride.
  [[nodiscard]] std::int64_t stride() const noexcept { return stride_; }
  /// Padding.
  [[nodiscard]] std::int64_t padding() const noexcept { return padding_; }

  /// The weight [C_out, C_in, k, k].
  Parameter weight;
  /// The bias [C_out]; empty when the layer has none.
  Parameter bias;

 private:
  void check_input(const Tensor& x) const;
  [[nodiscard]] ConvShape conv_shape(const Tensor& x) const;

  std::int64_t in_, out_, kernel_, stride_, padding_;
  bool has_bias_;
  Tensor input_;  // the last training-mode input, for backward
};

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/nn/conv-inl.hpp>
#endif
