// fastblock/tensor/dtype.hpp — the element types a Tensor can hold.
//
// Four are enough for this library: float32 for activations and weights, int64 for indices and
// class labels, uint8 for decoded images, bool for masks. The ordering of the enum is the type
// promotion order (bool < uint8 < int64 < float32), as in PyTorch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string_view>
#include <type_traits>

namespace fastblock {

/// Element type of a Tensor.
enum class Dtype : std::uint8_t { Bool, UInt8, Int64, Float32 };

/// Short spellings, like torch.float32: `t.to(float32)`.
inline constexpr Dtype boolean = Dtype::Bool;
inline constexpr Dtype uint8 = Dtype::UInt8;
inline constexpr Dtype int64 = Dtype::Int64;
inline constexpr Dtype float32 = Dtype::Float32;

/// True for the C++ types that map to a Dtype.
template <class T>
concept Element = std::same_as<T, bool> || std::same_as<T, std::uint8_t> ||
    std::same_as<T, std::int64_t> || std::same_as<T, float>;

/// The Dtype of a C++ element type.
template <Element T>
inline constexpr Dtype dtype_of = std::same_as<T, bool>           ? Dtype::Bool
                                  : std::same_as<T, std::uint8_t> ? Dtype::UInt8
                                  : std::same_as<T, std::int64_t> ? Dtype::Int64
                                                                  : Dtype::Float32;

/// Bytes per element.
constexpr std::size_t itemsize(Dtype d) noexcept {
  switch (d) {
    case Dtype::Bool:
    case Dtype::UInt8:
      return 1;
    case Dtype::Int64:
      return 8;
    case Dtype::Float32:
      return 4;
  }
  return 0;
}

/// PyTorch's name for the dtype ("float32", "int64", "uint8", "bool").
constexpr std::string_view dtype_name(Dtype d) noexcept {
  switch (d) {
    case Dtype::Bool:
      return "bool";
    case Dtype::UInt8:
      return "uint8";
    case Dtype::Int64:
      return "int64";
    case Dtype::Float32:
      return "float32";
  }
  return "?";
}

constexpr bool is_floating(Dtype d) noexcept { return d == Dtype::Float32; }

/// The dtype two operands are computed in: the larger in promotion order.
constexpr Dtype promote(Dtype a, Dtype b) noexcept { return a < b ? b : a; }

inline std::ostream& operator<<(std::ostream& os, Dtype d) { return os << dtype_name(d); }

/// Calls `f.template operator()<T>()` with the C++ type T of `d`; the one switch every kernel uses.
template <class F>
decltype(auto) dispatch(Dtype d, F&& f) {
  switch (d) {
    case Dtype::Bool:
      return f.template operator()<bool>();
    case Dtype::UInt8:
      return f.template operator()<std::uint8_t>();
    case Dtype::Int64:
      return f.template operator()<std::int64_t>();
    case Dtype::Float32:
      break;
  }
  return f.template operator()<float>();
}

}  // namespace fastblock
