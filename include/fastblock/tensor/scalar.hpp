// fastblock/tensor/scalar.hpp — a number on the other side of a tensor operator.
//
// `1 - inputs`, `targets == 1`, `x * 0.5`: the scalar keeps whether it was written as an integer,
// because PyTorch's promotion depends on it (int64 tensor + 1 stays int64, + 0.5 becomes float32).
#pragma once

#include <concepts>
#include <cstdint>
#include <type_traits>

namespace fastblock {

/// An arithmetic value used with a tensor; implicit from any C++ arithmetic type.
class Scalar {
 public:
  template <class T>
  requires std::is_arithmetic_v<T>
  constexpr Scalar(T v) noexcept  // NOLINT(google-explicit-constructor): `t + 1` must work
      : value_(static_cast<double>(v)), integral_(std::is_integral_v<T>) {}

  [[nodiscard]] constexpr double value() const noexcept { return value_; }
  [[nodiscard]] constexpr bool is_integral() const noexcept { return integral_; }

 private:
  double value_;
  bool integral_;
};

}  // namespace fastblock
