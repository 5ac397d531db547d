// fastblock/nn/dropout.hpp — dropout (PyTorch's nn.Dropout), seeded.
//
// Contract: in training mode each element is zeroed with probability p and the others are scaled
// by 1 / (1 − p); eval mode passes the input through. The mask comes from the layer's own
// Generator, seeded at construction (from `seed`, or drawn from default_generator() so that
// set_seed makes a whole model reproducible), and advances with every forward: the same seed and
// the same sequence of calls give the same masks on every platform.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/random.hpp>
#include <fastblock/nn/generators.hpp>
#include <fastblock/nn/layer.hpp>
#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

/// Zeroes elements with probability p in training mode; see the contract above.
class Dropout : public detail::LayerMode {
 public:
  /// value_error unless 0 <= p < 1.
  explicit Dropout(double p = 0.5, std::optional<std::uint64_t> seed = std::nullopt);
  /// The masked, rescaled input (training) or the input (eval).
  [[nodiscard]] Tensor forward(const Tensor& x);
  /// dy through the same mask.
  [[nodiscard]] Tensor backward(const Tensor& dy);
  /// No parameters.
  void visit(const ParamVisitor& /*f*/, std::string_view /*prefix*/) {}
  /// Its mask generator, named `prefix` (nn/generators.hpp).
  void visit_generators(const GeneratorVisitor& f, std::string_view prefix) {
    f(std::string(prefix), rng_);
  }
  /// `Dropout(p=0.5, inplace=False)`.
  [[nodiscard]] std::string repr() const;
  /// The drop probability.
  [[nodiscard]] double p() const noexcept { return p_; }

 private:
  double p_;
  Generator rng_;
  Tensor mask_;  // scale per element (0 or 1 / (1 − p)) of the last training forward
};

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/nn/dropout-inl.hpp>
#endif
