// fastblock/tensor/factory-inl.hpp — definitions for tensor/factory.hpp.
#pragma once

#include <cmath>
#include <string>

#include <fastblock/tensor/factory.hpp>

namespace fastblock {

FASTBLOCK_FUNC Tensor empty(const Shape& shape, Dtype dtype) { return Tensor(shape, dtype); }
FASTBLOCK_FUNC Tensor zeros(const Shape& shape, Dtype dtype) { return full(shape, 0, dtype); }
FASTBLOCK_FUNC Tensor ones(const Shape& shape, Dtype dtype) { return full(shape, 1, dtype); }
FASTBLOCK_FUNC Tensor full(const Shape& shape, Scalar value) {
  return full(shape, value, value.is_integral() ? int64 : float32);
}
FASTBLOCK_FUNC Tensor full(const Shape& shape, Scalar value, Dtype dtype) {
  Tensor t(shape, dtype);
  t.fill_(value);
  return t;
}
FASTBLOCK_FUNC Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype()); }
FASTBLOCK_FUNC Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.dtype()); }

FASTBLOCK_FUNC Tensor arange(Scalar end) { return arange(0, end, 1); }
FASTBLOCK_FUNC Tensor arange(Scalar start, Scalar end, Scalar step) {
  if (step.value() == 0) throw value_error("fastblock::arange: step must not be zero");
  const double span = (end.value() - start.value()) / step.value();
  if (!std::isfinite(span))
    throw value_error("fastblock::arange: start, end and step must be finite");
  const auto n = static_cast<std::int64_t>(std::max(0.0, std::ceil(span)));
  const bool integral = start.is_integral() && end.is_integral() && step.is_integral();
  Tensor t({n}, integral ? int64 : float32);
  dispatch(t.dtype(), [&]<class T>() {
    T* p = t.data<T>();
    for (std::int64_t i = 0; i < n; ++i)
      p[i] = static_cast<T>(start.value() + static_cast<double>(i) * step.value());
  });
  return t;
}

FASTBLOCK_FUNC Tensor linspace(double start, double end, std::int64_t steps) {
  if (steps < 0)
    throw value_error("fastblock::linspace: steps must be non-negative, got " +
                      std::to_string(steps));
  Tensor t({steps}, float32);
  float* p = t.data<float>();
  const double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  // Like PyTorch: the first half counts up from start, the second half down from end, so both
  // endpoints are exact.
  for (std::int64_t i = 0; i < steps; ++i)
    p[i] = static_cast<float>(steps == 1 || i < steps / 2
                                  ? start + step * static_cast<double>(i)
                                  : end - step * static_cast<double>(steps - 1 - i));
  return t;
}

FASTBLOCK_FUNC Tensor rand(const Shape& shape, Generator& gen) {
  Tensor t(shape, float32);
  for (float& v : t.span<float>()) v = static_cast<float>(gen.uniform());
  return t;
}
FASTBLOCK_FUNC Tensor rand(const Shape& shape) { return rand(shape, default_generator()); }

FASTBLOCK_FUNC Tensor randn(const Shape& shape, Generator& gen) {
  Tensor t(shape, float32);
  for (float& v : t.span<float>()) v = static_cast<float>(gen.normal());
  return t;
}
FASTBLOCK_FUNC Tensor randn(const Shape& shape) { return randn(shape, default_generator()); }

FASTBLOCK_FUNC Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape,
                              Generator& gen) {
  Tensor t(shape, int64);
  for (std::int64_t& v : t.span<std::int64_t>()) v = gen.randint(low, high);
  return t;
}
FASTBLOCK_FUNC Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape) {
  return randint(low, high, shape, default_generator());
}

FASTBLOCK_FUNC Tensor randperm(std::int64_t n, Generator& gen) {
  return from_vector(gen.permutation(n));
}
FASTBLOCK_FUNC Tensor randperm(std::int64_t n) { return randperm(n, default_generator()); }

}  // namespace fastblock
