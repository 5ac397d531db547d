// fastblock/cpu/optim.hpp — the CPU loops of the fused optimiser steps (Adam, SGD).
//
// The same updates as the device backends' adam_step and sgd_step (see tensor/backend.hpp): one
// pass over a parameter's value, gradient and state arrays, every element updated by the same
// float expression whatever the number of threads. The debias terms and the decay factor are
// computed once per call in double. Large arrays are split over the shared thread pool in
// fixed-size chunks; inside a chunk, blocks small enough for the L1 cache go through Eigen's
// packet math (the square root of Adam's denominator included), so each array is read from
// memory once per step.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include <Eigen/Core>

#include <fastblock/core/error.hpp>
#include <fastblock/core/thread_pool.hpp>
#include <fastblock/cpu/elementwise.hpp>
#include <fastblock/tensor/backend.hpp>

namespace fastblock::cpu_kernels {

namespace detail {

/// Elements updated per inner block: four or five float arrays of this length fit in L1.
inline constexpr std::int64_t optim_block = 1024;

/// Throws the shape_error of an optimiser kernel given a state array whose size is not the
/// parameter's.
inline void check_optim_size(const char* kernel, const char* what, std::size_t got,
                             std::size_t expected) {
  if (got == expected) return;
  throw shape_error(std::string("fastblock::cpu_kernels::") + kernel + ": " + what + " has " +
                    std::to_string(got) + " elements, the parameter has " +
                    std::to_string(expected));
}

/// Calls f(begin, end) over [0, n) in blocks of optim_block, the blocks spread over the pool.
template <class F>
void for_optim_blocks(std::int64_t n, F f) {
  default_thread_pool().parallel_for(0, n, elementwise_grain, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t lo = b; lo < e; lo += optim_block) f(lo, std::min(e, lo + optim_block));
  });
}

}  // namespace detail

/// fastai's Adam (PyTorch's AdamW) on one parameter, in place:
///   p ·= 1 − lr·wd;  m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;
///   p −= lr/(1−β1^step) · m / (√(v/(1−β2^step)) + eps)
/// with `exp_avg` = m and `exp_avg_sq` = v, both zeros before the first step (h.step = 1).
/// Throws shape_error when `grad`, `exp_avg` or `exp_avg_sq` has not the size of `param`, and
/// value_error when h.step < 1.
inline void adam_step(std::span<float> param, std::span<const float> grad, std::span<float> exp_avg,
                      std::span<float> exp_avg_sq, const AdamStep& h) {
  detail::check_optim_size("adam_step", "grad", grad.size(), param.size());
  detail::check_optim_size("adam_step", "exp_avg", exp_avg.size(), param.size());
  detail::check_optim_size("adam_step", "exp_avg_sq", exp_avg_sq.size(), param.size());
  if (h.step < 1)
    throw value_error("fastblock::cpu_kernels::adam_step: step counts from 1, got " +
                      std::to_string(h.step));
  const auto n = static_cast<std::int64_t>(param.size());
  if (n == 0) return;
  const auto [decay, step_size, inv_debias2] = adam_factors(h);
  const float beta1 = h.beta1, beta2 = h.beta2, eps = h.eps;
  const float one_minus_beta1 = 1.0f - h.beta1, one_minus_beta2 = 1.0f - h.beta2;
  float* const pp = param.data();
  const float* const pg = grad.data();
  float* const pm = exp_avg.data();
  float* const pv = exp_avg_sq.data();
  detail::for_optim_blocks(n, [&](std::int64_t b, std::int64_t e) {
    const Eigen::Index len = e - b;
    const Eigen::Map<const Eigen::ArrayXf> g(pg + b, len);
    Eigen::Map<Eigen::ArrayXf> p(pp + b, len), m(pm + b, len), v(pv + b, len);
    m = beta1 * m + one_minus_beta1 * g;
    v = beta2 * v + one_minus_beta2 * g.square();
    p = p * decay - step_size * m / ((v * inv_debias2).sqrt() + eps);
  });
}

/// SGD with momentum and decoupled weight decay on one parameter, in place:
///   p ·= 1 − lr·wd;  m = mom·m + g;  p −= lr·m
/// with `momentum_buf` = m (zeros before the first step, which makes the first m = g, as
/// PyTorch's SGD). Without momentum (mom = 0) `momentum_buf` may be empty and the step is
/// p −= lr·g. Throws shape_error when `grad` has not the size of `param`, or `momentum_buf` is
/// neither empty nor that size, and value_error when mom ≠ 0 without a buffer.
inline void sgd_step(std::span<float> param, std::span<const float> grad,
                     std::span<float> momentum_buf, float lr, float mom, float wd) {
  detail::check_optim_size("sgd_step", "grad", grad.size(), param.size());
  if (!momentum_buf.empty())
    detail::check_optim_size("sgd_step", "momentum_buf", momentum_buf.size(), param.size());
  const auto n = static_cast<std::int64_t>(param.size());
  if (momentum_buf.empty() && mom != 0.0f && n > 0)
    throw value_error("fastblock::cpu_kernels::sgd_step: momentum " + std::to_string(mom) +
                      " needs a momentum buffer of " + std::to_string(n) + " elements");
  if (n == 0) return;
  const float decay = static_cast<float>(1.0 - static_cast<double>(lr) * wd);
  float* const pp = param.data();
  const float* const pg = grad.data();
  float* const pm = momentum_buf.empty() ? nullptr : momentum_buf.data();
  detail::for_optim_blocks(n, [&](std::int64_t b, std::int64_t e) {
    const Eigen::Index len = e - b;
    const Eigen::Map<const Eigen::ArrayXf> g(pg + b, len);
    Eigen::Map<Eigen::ArrayXf> p(pp + b, len);
    if (pm != nullptr) {
      Eigen::Map<Eigen::ArrayXf> m(pm + b, len);
      m = mom * m + g;
      p = p * decay - lr * m;
    } else {
      p = p * decay - lr * g;
    }
  });
}

}  // namespace fastblock::cpu_kernels
