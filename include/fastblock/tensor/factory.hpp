// fastblock/tensor/factory.hpp — ways to make a tensor: filled, ranges, from C++ values, random.
//
// Random factories take their Generator explicitly; the overloads without one draw from
// default_generator(), which set_seed(n) resets — the same seed gives the same tensors.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <type_traits>
#include <vector>

#include <fastblock/core/random.hpp>
#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

/// Uninitialised tensor.
Tensor empty(const Shape& shape, Dtype dtype = float32);
Tensor zeros(const Shape& shape, Dtype dtype = float32);
Tensor ones(const Shape& shape, Dtype dtype = float32);
/// A tensor of `value`; dtype int64 for an integer value, float32 for a floating one, unless given.
Tensor full(const Shape& shape, Scalar value);
Tensor full(const Shape& shape, Scalar value, Dtype dtype);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);

/// 0, 1, …, end-1 (int64 for integer arguments, float32 otherwise).
Tensor arange(Scalar end);
/// start, start+step, … while below end (above, for a negative step).
Tensor arange(Scalar start, Scalar end, Scalar step = 1);
/// `steps` evenly spaced float32 values from start to end inclusive (PyTorch's torch.linspace).
Tensor linspace(double start, double end, std::int64_t steps);

/// Uniform [0, 1) float32.
Tensor rand(const Shape& shape, Generator& gen);
Tensor rand(const Shape& shape);
/// Standard normal float32.
Tensor randn(const Shape& shape, Generator& gen);
Tensor randn(const Shape& shape);
/// Uniform integers in [low, high), int64.
Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, Generator& gen);
Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape);
/// A random permutation of 0 … n-1, int64.
Tensor randperm(std::int64_t n, Generator& gen);
Tensor randperm(std::int64_t n);

namespace detail {
/// The element type a C++ number is stored as: bool → bool, uint8_t → uint8, other integers →
/// int64, floating point → float32.
template <class T>
using element_for = std::conditional_t<
    std::is_same_v<T, bool>, bool,
    std::conditional_t<std::is_same_v<T, std::uint8_t>, std::uint8_t,
                       std::conditional_t<std::is_integral_v<T>, std::int64_t, float>>>;

}  // namespace detail

/// A tensor of `shape` holding a copy of `values` (row-major); their count must match the shape.
template <class T>
Tensor from_vector(std::span<const T> values, const Shape& shape) {
  static_assert(std::is_arithmetic_v<T>,
                "fastblock::tensor: elements must be numbers or bool (float, double, int, int64_t, "
                "uint8_t, bool); this type has no Tensor dtype");
  if constexpr (std::is_arithmetic_v<T>) {  // keeps a wrong T to the one message above
    using E = detail::element_for<T>;
    if (static_cast<std::int64_t>(values.size()) != shape.numel())
      throw shape_error("fastblock::from_vector: " + std::to_string(values.size()) +
                        " values cannot fill shape " + shape.str() + " (" +
                        std::to_string(shape.numel()) + " elements)");
    Tensor out(shape, dtype_of<E>);
    E* p = out.data<E>();
    for (std::size_t i = 0; i < values.size(); ++i) p[i] = static_cast<E>(values[i]);
    return out;
  } else {
    return {};
  }
}

/// A 1-D tensor holding a copy of `values`.
template <class T>
Tensor from_vector(const std::vector<T>& values) {
  return from_vector(std::span<const T>(values), Shape{static_cast<std::int64_t>(values.size())});
}

/// `tensor({6, 11, 13})`: a 1-D tensor from a list of numbers, like torch.tensor.
template <class T>
Tensor tensor(std::initializer_list<T> values) {
  return from_vector(std::span<const T>(values.begin(), values.size()),
                     Shape{static_cast<std::int64_t>(values.size())});
}

/// `tensor({{1, 2}, {3, 4}})`: a 2-D tensor; every row must have the same length.
template <class T>
Tensor tensor(std::initializer_list<std::initializer_list<T>> rows) {
  const std::size_t cols = rows.size() ? rows.begin()->size() : 0;
  std::size_t r = 0;
  for (const auto& row : rows) {
    if (row.size() != cols)
      throw shape_error("fastblock::tensor: row " + std::to_string(r) + " has " +
                        std::to_string(row.size()) + " values, expected " + std::to_string(cols) +
                        " like row 0");
    ++r;
  }
  // A plain array, not std::vector<T>: std::vector<bool> has no contiguous bools to span.
  const auto flat = std::make_unique<T[]>(rows.size() * cols);
  T* out = flat.get();
  for (const auto& row : rows) out = std::copy(row.begin(), row.end(), out);
  return from_vector(
      std::span<const T>(flat.get(), rows.size() * cols),
      Shape{static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(cols)});
}

/// A 0-d tensor holding one number.
template <class T>
Tensor scalar_tensor(T value) {
  return from_vector(std::span<const T>(&value, 1), Shape{});
}

#if !FASTBLOCK_HEADER_ONLY
extern template Tensor from_vector<float>(std::span<const float>, const Shape&);
extern template Tensor from_vector<double>(std::span<const double>, const Shape&);
extern template Tensor from_vector<int>(std::span<const int>, const Shape&);
extern template Tensor from_vector<std::int64_t>(std::span<const std::int64_t>, const Shape&);
extern template Tensor from_vector<std::uint8_t>(std::span<const std::uint8_t>, const Shape&);
extern template Tensor from_vector<bool>(std::span<const bool>, const Shape&);
#endif

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/tensor/factory-inl.hpp>
#endif
