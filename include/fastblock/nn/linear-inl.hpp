// fastblock/nn/linear-inl.hpp — out-of-line definitions for nn/linear.hpp.
//
// Included by linear.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/cpu/matmul.hpp>
#include <fastblock/nn/init.hpp>
#include <fastblock/nn/linear.hpp>
#include <fastblock/tensor/backend.hpp>

namespace fastblock {

FASTBLOCK_FUNC Linear::Linear(std::int64_t in_features, std::int64_t out_features,
                              LinearOptions options, Generator* rng)
    : in_(in_features), out_(out_features), has_bias_(options.bias) {
  if (in_ < 1 || out_ < 1)
    throw value_error("fastblock::" + repr() + ": feature counts must be positive");
  Generator& gen = rng ? *rng : default_generator();
  weight = make_parameter(Tensor(Shape{out_, in_}), ParamKind::weight);
  init::kaiming_uniform_(weight.value, std::sqrt(5.0), gen);
  if (has_bias_) {
    bias = make_parameter(Tensor(Shape{out_}), ParamKind::bias);
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_));
    init::uniform_(bias.value, -bound, bound, gen);
  }
}

FASTBLOCK_FUNC std::string Linear::repr() const {
  return "Linear(in_features=" + std::to_string(in_) + ", out_features=" + std::to_string(out_) +
         ", bias=" + (has_bias_ ? "True" : "False") + ")";
}

FASTBLOCK_FUNC Tensor Linear::forward(const Tensor& x_in) {
  if (x_in.dim() != 2 || x_in.size(1) != in_ || x_in.dtype() != float32)
    detail::throw_layer_shape(repr(), x_in, "float32 [N, " + std::to_string(in_) + "]");
  detail::check_device(repr(), x_in, weight.value.device());
  const Tensor x = x_in.contiguous();
  const Tensor w = weight.value.contiguous();
  const std::int64_t n = x.size(0);
  if (!x.device().is_cpu()) {
    Tensor y(Shape{n, out_}, float32, x.device());
    backend(x.device())
        .linear_forward(n, in_, out_, x.data<float>(), w.data<float>(),
                        has_bias_ ? bias.value.data<float>() : nullptr, y.data<float>());
    input_ = training() ? x : Tensor();
    return y;
  }
  Tensor y(Shape{n, out_});
  // y = x [n, in] · wᵀ [in, out]; wᵀ is w read column-major.
  cpu_kernels::gemm({x.data<float>(), n, in_, in_, 1}, {w.data<float>(), in_, out_, 1, in_},
                    y.data<float>());
  if (has_bias_) {
    const float* bp = bias.value.data<float>();
    float* yp = y.data<float>();
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t o = 0; o < out_; ++o) yp[i * out_ + o] += bp[o];
  }
  input_ = training() ? x : Tensor();
  return y;
}

FASTBLOCK_FUNC Tensor Linear::backward(const Tensor& dy_in) {
  if (input_.dim() != 2) detail::throw_no_forward(repr());
  const std::int64_t n = input_.size(0);
  if (dy_in.shape() != Shape{n, out_})
    detail::throw_layer_shape(repr() + ".backward", dy_in,
                              Shape{n, out_}.str() + " (the output's shape)");
  detail::check_device(repr() + ".backward", dy_in, input_.device());
  const Tensor dy = dy_in.contiguous();
  const Tensor w = weight.value.contiguous();
  if (!dy.device().is_cpu()) {
    Tensor dx(Shape{n, in_}, float32, dy.device());
    backend(dy.device())
        .linear_backward(n, in_, out_, input_.data<float>(), w.data<float>(), dy.data<float>(),
                         dx.data<float>(), weight.grad_or_zeros().data<float>(),
                         has_bias_ ? bias.grad_or_zeros().data<float>() : nullptr);
    return dx;
  }
  // dW [out, in] += dyᵀ [out, n] · x [n, in]
  cpu_kernels::gemm({dy.data<float>(), out_, n, 1, out_}, {input_.data<float>(), n, in_, in_, 1},
                    weight.grad_or_zeros().data<float>(), true, /*accumulate=*/true);
  if (has_bias_) {
    float* db = bias.grad_or_zeros().data<float>();
    const float* gp = dy.data<float>();
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t o = 0; o < out_; ++o) db[o] += gp[i * out_ + o];
  }
  // dx [n, in] = dy [n, out] · W [out, in]
  Tensor dx(Shape{n, in_});
  cpu_kernels::gemm({dy.data<float>(), n, out_, out_, 1}, {w.data<float>(), out_, in_, in_, 1},
                    dx.data<float>());
  return dx;
}

FASTBLOCK_FUNC void Linear::visit(const ParamVisitor& f, std::string_view prefix) {
  f(join_name(prefix, "weight"), weight);
  if (has_bias_) f(join_name(prefix, "bias"), bias);
}

FASTBLOCK_FUNC Tensor Flatten::forward(const Tensor& x) {
  if (x.dim() < 1) detail::throw_layer_shape(repr(), x, "at least one dimension (the batch)");
  input_shape_ = x.shape();
  has_input_ = true;
  return x.contiguous().reshape(Shape{x.size(0), x.size(0) == 0 ? 0 : x.numel() / x.size(0)});
}

FASTBLOCK_FUNC Tensor Flatten::backward(const Tensor& dy) {
  if (!has_input_) detail::throw_no_forward(repr());
  if (dy.numel() != input_shape_.numel())
    detail::throw_layer_shape(repr() + ".backward", dy,
                              std::to_string(input_shape_.numel()) + " elements");
  return dy.contiguous().reshape(input_shape_);
}

}  // namespace fastblock
