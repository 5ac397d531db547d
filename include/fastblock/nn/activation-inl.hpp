// fastblock/nn/activation-inl.hpp — out-of-line definitions for nn/activation.hpp.
//
// Included by activation.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <cstdint>
#include <string>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/core/thread_pool.hpp>
#include <fastblock/cpu/elementwise.hpp>
#include <fastblock/nn/activation.hpp>
#include <fastblock/tensor/backend.hpp>

namespace fastblock {

namespace detail {

/// The input gradient of an elementwise layer from the output its forward kept: dy is checked
/// against that output (shape, device), then each element is host(y, dy) on the CPU, or the
/// backend's kernel runs as device(backend, y, dy, dx, n).
template <class Host, class OnDevice>
Tensor output_backward(const std::string& layer, const Tensor& dy_in, const Tensor& output,
                       Host host, OnDevice on_device) {
  check_grad_shape(layer, dy_in, output);
  const Tensor dy = dy_in.contiguous();
  const Tensor y = output.contiguous();
  check_device(layer + ".backward", dy, y.device());
  Tensor dx(y.shape(), float32, y.device());
  const float* yp = y.data<float>();
  const float* gp = dy.data<float>();
  float* dp = dx.data<float>();
  if (!y.device().is_cpu()) {
    on_device(backend(y.device()), yp, gp, dp, y.numel());
    return dx;
  }
  default_thread_pool().parallel_for(0, y.numel(), cpu_kernels::elementwise_grain,
                                     [&](std::int64_t b, std::int64_t e) {
                                       for (std::int64_t i = b; i < e; ++i)
                                         dp[i] = host(yp[i], gp[i]);
                                     });
  return dx;
}

}  // namespace detail

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

FASTBLOCK_FUNC Tensor ReLU::backward(const Tensor& dy) {
  return detail::output_backward(
      repr(), dy, output_, [](float y, float g) { return y > 0.0f ? g : 0.0f; },
      [](DeviceBackend& be, const float* y, const float* g, float* dx, std::int64_t n) {
        be.relu_backward(y, g, dx, n);
      });
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

FASTBLOCK_FUNC Tensor SigmoidRange::backward(const Tensor& dy) {
  const float lo = lo_, hi = hi_, range = hi_ - lo_;
  return detail::output_backward(
      repr(), dy, output_,
      [=](float y, float g) {
        const float s = (y - lo) / range;  // the sigmoid, recovered from the output
        return g * range * s * (1.0f - s);
      },
      [=](DeviceBackend& be, const float* y, const float* g, float* dx, std::int64_t n) {
        be.sigmoid_range_backward(y, g, dx, n, lo, hi);
      });
}

}  // namespace fastblock
