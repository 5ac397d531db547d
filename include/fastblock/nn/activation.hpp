// fastblock/nn/activation.hpp — elementwise activations: ReLU and fastai's SigmoidRange.
//
// Contract: both keep their output in training mode (ReLU's mask and the sigmoid's derivative
// come from it) and accept any float32 shape. SigmoidRange(lo, hi) is
// `sigmoid(x)·(hi − lo) + lo`, fastai's layer for `y_range` (the seed's BIWI model uses (-1, 1)).
#pragma once

#include <string>
#include <string_view>

#include <fastblock/core/config.hpp>
#include <fastblock/nn/layer.hpp>
#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

/// max(x, 0), PyTorch's nn.ReLU.
class ReLU : public detail::LayerMode {
 public:
  /// The rectified input.
  [[nodiscard]] Tensor forward(const Tensor& x);
  /// dy where the output was positive, 0 elsewhere.
  [[nodiscard]] Tensor backward(const Tensor& dy);
  /// No parameters.
  void visit(const ParamVisitor& /*f*/, std::string_view /*prefix*/) {}
  /// `ReLU(inplace=True)`, as torchvision's ResNets print it.
  [[nodiscard]] std::string repr() const { return "ReLU(inplace=True)"; }

 private:
  Tensor output_;
};

/// fastai's sigmoid_range as a function: `sigmoid(x)·(hi − lo) + lo`.
[[nodiscard]] Tensor sigmoid_range(const Tensor& x, float lo, float hi);

/// fastai's SigmoidRange layer (see the contract above).
class SigmoidRange : public detail::LayerMode {
 public:
  /// Outputs in (lo, hi); value_error unless lo < hi.
  SigmoidRange(float lo, float hi);
  /// sigmoid_range(x, lo, hi).
  [[nodiscard]] Tensor forward(const Tensor& x);
  /// dy·(hi − lo)·s·(1 − s) with s the sigmoid of the input.
  [[nodiscard]] Tensor backward(const Tensor& dy);
  /// No parameters.
  void visit(const ParamVisitor& /*f*/, std::string_view /*prefix*/) {}
  /// `SigmoidRange(low=-1.0, high=1.0)`.
  [[nodiscard]] std::string repr() const;

 private:
  float lo_, hi_;
  Tensor output_;
};

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/nn/activation-inl.hpp>
#endif
