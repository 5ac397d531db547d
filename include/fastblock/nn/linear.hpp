// fastblock/nn/linear.hpp — fully connected layer (PyTorch's nn.Linear) and nn.Flatten.
//
// Contract: Linear maps [N, in] to [N, out] as `x · weightᵀ + bias`, weight [out, in], with
// PyTorch's default initialisation (kaiming-uniform a = √5, bias U(±1/√in)); the products are
// Eigen GEMMs without copies of the transposed operands. Flatten maps [N, ...] to [N, prod(...)]
// (PyTorch's nn.Flatten with start_dim 1) and backward restores the shape.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <fastblock/core/config.hpp>
#include <fastblock/core/random.hpp>
#include <fastblock/nn/layer.hpp>
#include <fastblock/nn/parameter.hpp>
#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

/// Options of Linear.
struct LinearOptions {
  /// Whether there is a bias.
  bool bias = true;
};

/// `x · weightᵀ + bias`; see the contract above.
class Linear : public detail::LayerMode {
 public:
  /// `in_features` to `out_features`, weights drawn from `rng` (default_generator() when null).
  Linear(std::int64_t in_features, std::int64_t out_features, LinearOptions options = {},
         Generator* rng = nullptr);
  /// [N, in] -> [N, out]; shape_error naming the layer otherwise.
  [[nodiscard]] Tensor forward(const Tensor& x);
  /// The input gradient; adds to weight.grad (and bias.grad).
  [[nodiscard]] Tensor backward(const Tensor& dy);
  /// `weight` and `bias` (when present) under `prefix`.
  void visit(const ParamVisitor& f, std::string_view prefix);
  /// `Linear(in_features=512, out_features=20, bias=False)`.
  [[nodiscard]] std::string repr() const;

  /// Input features.
  [[nodiscard]] std::int64_t in_features() const noexcept { return in_; }
  /// Output features.
  [[nodiscard]] std::int64_t out_features() const noexcept { return out_; }

  /// The weight [out, in].
  Parameter weight;
  /// The bias [out]; empty when the layer has none.
  Parameter bias;

 private:
  std::int64_t in_, out_;
  bool has_bias_;
  Tensor input_;
};

/// [N, ...] -> [N, prod(...)]: PyTorch's nn.Flatten().
class Flatten : public detail::LayerMode {
 public:
  /// The input with its trailing dimensions merged.
  [[nodiscard]] Tensor forward(const Tensor& x);
  /// The gradient in the input's shape.
  [[nodiscard]] Tensor backward(const Tensor& dy);
  /// No parameters.
  void visit(const ParamVisitor& /*f*/, std::string_view /*prefix*/) {}
  /// `Flatten(start_dim=1, end_dim=-1)`.
  [[nodiscard]] std::string repr() const { return "Flatten(start_dim=1, end_dim=-1)"; }

 private:
  Shape input_shape_{0};
  bool has_input_ = false;
};

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/nn/linear-inl.hpp>
#endif
