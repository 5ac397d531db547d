// fastblock/nn/activation-inl.hpp — out-of-line definitions for nn/activation.hpp.
//
// Included by activation.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <cstdint>
#include <string>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/nn/activation.hpp>
#include <fastblock/tensor/backend.hpp>

namespace fastblock {

FASTBLOCK_FUNC Tensor ReLU::forward(const Tensor& x) {
  detail::check_float_input(repr(), x);
  Tensor y;
  if (x.device().is_cpu()) {
    y = x.relu();
  } else {
    const Tensor xc = x.contiguous();
    y = Tensor(x.shape(), float32, x.device());
    backend(x.device()).relu_forward(xc.data<float>(), y.data<float>(), y.numel());
  }
  output_ = training() ? y : Tensor();
  return y;
}

FASTBLOCK_FUNC Tensor ReLU::backward(const Tensor& dy_in) {
  detail::check_grad_shape(repr(), dy_in, output_);
  const Tensor dy = dy_in.contiguous();
  const Tensor y = output_.contiguous();
  detail::check_device(repr() + ".backward", dy, y.device());
  Tensor dx(y.shape(), float32, y.device());
  const float* yp = y.data<float>();
  const float* gp = dy.data<float>();
  float* dp = dx.data<float>();
  if (!y.device().is_cpu()) {
    backend(y.device()).relu_backward(yp, gp, dp, y.numel());
    return dx;
  }
  for (std::int64_t i = 0; i < y.numel(); ++i) dp[i] = yp[i] > 0.0f ? gp[i] : 0.0f;
  return dx;
}

FASTBLOCK_FUNC Tensor sigmoid_range(const Tensor& x, float lo, float hi) {
  if (!x.device().is_cpu()) {
    const Tensor xc = x.contiguous();
    Tensor y(x.shape(), float32, x.device());
    backend(x.device()).sigmoid_range_forward(xc.data<float>(), y.data<float>(), y.numel(), lo, hi);
    return y;
  }
  return x.sigmoid() * (hi - lo) + lo;
}

FASTBLOCK_FUNC SigmoidRange::SigmoidRange(float lo, float hi) : lo_(lo), hi_(hi) {
  if (!(lo < hi)) throw value_error("fastblock::" + repr() + ": low must be below high");
}

FASTBLOCK_FUNC std::string SigmoidRange::repr() const {
  return "SigmoidRange(low=" + detail::python_float(lo_) + ", high=" + detail::python_float(hi_) +
         ")";
}

FASTBLOCK_FUNC Tensor SigmoidRange::forward(const Tensor& x) {
  detail::check_float_input(repr(), x);
  Tensor y = sigmoid_range(x, lo_, hi_);
  output_ = training() ? y : Tensor();
  return y;
}

FASTBLOCK_FUNC Tensor SigmoidRange::backward(const Tensor& dy_in) {
  detail::check_grad_shape(repr(), dy_in, output_);
  const Tensor dy = dy_in.contiguous();
  const Tensor y = output_.contiguous();
  detail::check_device(repr() + ".backward", dy, y.device());
  Tensor dx(y.shape(), float32, y.device());
  const float* yp = y.data<float>();
  const float* gp = dy.data<float>();
  float* dp = dx.data<float>();
  if (!y.device().is_cpu()) {
    backend(y.device()).sigmoid_range_backward(yp, gp, dp, y.numel(), lo_, hi_);
    return dx;
  }
  const float range = hi_ - lo_;
  for (std::int64_t i = 0; i < y.numel(); ++i) {
    const float s = (yp[i] - lo_) / range;  // the sigmoid, recovered from the output
    dp[i] = gp[i] * range * s * (1.0f - s);
  }
  return dx;
}

}  // namespace fastblock
