// fastblock/nn/dropout-inl.hpp — out-of-line definitions for nn/dropout.hpp.
//
// Included by dropout.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <cstdint>
#include <string>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/nn/dropout.hpp>
#include <fastblock/tensor/backend.hpp>

namespace fastblock {

FASTBLOCK_FUNC Dropout::Dropout(double p, std::optional<std::uint64_t> seed)
    : p_(p), rng_(seed ? *seed : default_generator().next_u64()) {
  if (!(p_ >= 0.0 && p_ < 1.0))
    throw value_error("fastblock::Dropout: p must be in [0, 1), got " + detail::python_float(p_));
}

FASTBLOCK_FUNC std::string Dropout::repr() const {
  return "Dropout(p=" + detail::python_float(p_) + ", inplace=False)";
}

FASTBLOCK_FUNC Tensor Dropout::forward(const Tensor& x_in) {
  detail::check_float_input(repr(), x_in);
  if (!training() || p_ == 0.0) {
    mask_ = Tensor();
    if (training()) {
      mask_ = Tensor(x_in.shape(), float32, x_in.device());
      mask_.fill_(1.0);
    }
    return x_in;
  }
  const Tensor x = x_in.contiguous();
  mask_ = Tensor(x.shape(), float32, x.device());
  Tensor y(x.shape(), float32, x.device());
  if (!x.device().is_cpu()) {
    // One draw from the layer's generator seeds the device's counter-based stream, so a seeded
    // Dropout repeats itself on the GPU too (with a different mask than on the CPU).
    backend(x.device())
        .dropout_forward(x.data<float>(), y.data<float>(), mask_.data<float>(), x.numel(),
                         static_cast<float>(p_), rng_.next_u64());
    return y;
  }
  const float keep = static_cast<float>(1.0 / (1.0 - p_));
  float* mp = mask_.data<float>();
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    mp[i] = rng_.uniform() < p_ ? 0.0f : keep;
    yp[i] = xp[i] * mp[i];
  }
  return y;
}

FASTBLOCK_FUNC Tensor Dropout::backward(const Tensor& dy) {
  detail::check_grad_shape(repr(), dy, mask_);
  if (!mask_.device().is_cpu()) {
    detail::check_device(repr() + ".backward", dy, mask_.device());
    const Tensor g = dy.contiguous();
    Tensor dx(g.shape(), float32, g.device());
    backend(g.device()).mul(g.data<float>(), mask_.data<float>(), dx.data<float>(), g.numel());
    return dx;
  }
  return dy * mask_;
}

}  // namespace fastblock
