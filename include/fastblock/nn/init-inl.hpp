// fastblock/nn/init-inl.hpp — out-of-line definitions for nn/init.hpp.
//
// Included by init.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <cmath>
#include <cstdint>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/nn/init.hpp>

namespace fastblock::init {

namespace detail {
FASTBLOCK_FUNC float* checked_data(Tensor& t, const char* fn) {
  if (t.dtype() != float32 || !t.is_contiguous())
    throw dtype_error(std::string("fastblock::init::") + fn +
                      ": expects a contiguous float32 tensor, got " + t.describe());
  return t.data<float>();
}
}  // namespace detail

FASTBLOCK_FUNC std::int64_t fan_in(const Tensor& weight) {
  if (weight.dim() < 2)
    throw shape_error("fastblock::init::fan_in: needs at least 2 dimensions, got " +
                      weight.shape().str());
  return weight.numel() / weight.size(0);
}

FASTBLOCK_FUNC std::int64_t fan_out(const Tensor& weight) {
  if (weight.dim() < 2)
    throw shape_error("fastblock::init::fan_out: needs at least 2 dimensions, got " +
                      weight.shape().str());
  return weight.numel() / weight.size(1);
}

FASTBLOCK_FUNC void uniform_(Tensor& t, double lo, double hi, Generator& rng) {
  float* p = detail::checked_data(t, "uniform_");
  if (lo == hi) {
    for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(lo);
    return;
  }
  for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(rng.uniform(lo, hi));
}

FASTBLOCK_FUNC void normal_(Tensor& t, double mean, double std, Generator& rng) {
  float* p = detail::checked_data(t, "normal_");
  for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(rng.normal(mean, std));
}

FASTBLOCK_FUNC void kaiming_uniform_(Tensor& weight, double a, Generator& rng) {
  const double gain = std::sqrt(2.0 / (1.0 + a * a));
  const double bound = gain * std::sqrt(3.0 / static_cast<double>(fan_in(weight)));
  uniform_(weight, -bound, bound, rng);
}

FASTBLOCK_FUNC void kaiming_normal_(Tensor& weight, bool fan_out_mode, Generator& rng) {
  const auto fan = static_cast<double>(fan_out_mode ? fan_out(weight) : fan_in(weight));
  normal_(weight, 0.0, std::sqrt(2.0) / std::sqrt(fan), rng);
}

}  // namespace fastblock::init
