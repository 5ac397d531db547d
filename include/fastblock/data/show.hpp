// fastblock/data/show.hpp — any value as Python would print it, for summary() and messages.
//
// Contract: `show_value(x)` is a short, readable text for any value a DataBlock stage produces:
// text as Python's repr ('006610.jpg'), bool as True/False, numbers as Python prints them, paths
// as Path('train/000005.jpg'), tuples as (a, b), other ranges as [a, b, ...] (the first 10
// elements), tensors as their repr while small and as fastai's summary shows big ones
// (`TensorImage of size 3x500x375`), and types with a `repr()` or an `operator<<` (Row, LabelList,
// RegressionTarget) their own way. Anything else prints as its type: `<MyThing>`. Only the
// standard library and the tensor printer are needed.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <ranges>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/data/strings.hpp>
#include <fastblock/data/type_name.hpp>
#include <fastblock/tensor/print.hpp>
#include <fastblock/tensor/tensor.hpp>
#include <fastblock/tensor/typed_tensor.hpp>

namespace fastblock {

namespace detail::show {

/// Tensors with more elements print as `Name of size AxB` rather than in full.
inline constexpr std::int64_t max_full_tensor = 64;
/// Ranges print their first elements only, then `...`.
inline constexpr std::size_t max_range_elements = 10;

/// Python's repr of a float (`0.5`, `1e-05`).
[[nodiscard]] std::string number(double x);
/// `repr(t)` for a small tensor, `<name> of size AxB` for a big one.
[[nodiscard]] std::string tensor(const Tensor& t, std::string_view name);

template <class T>
concept TupleLike = requires {
  std::tuple_size<T>::value;
};

template <class T>
struct is_std_vector : std::false_type {};
template <class T, class A>
struct is_std_vector<std::vector<T, A>> : std::true_type {};

template <class T>
concept HasRepr = requires(const T& x) {
  { repr(x) } -> std::convertible_to<std::string>;
};

template <class T>
concept Streamable = requires(std::ostream& os, const T& x) {
  os << x;
};

}  // namespace detail::show

/// A short, Python-like text for `x` (see the contract above).
template <class T>
[[nodiscard]] std::string show_value(const T& x) {
  namespace s = detail::show;
  if constexpr (std::convertible_to<const T&, std::string_view>) {
    return python_repr(std::string_view(x));
  } else if constexpr (std::same_as<T, bool>) {
    return x ? "True" : "False";
  } else if constexpr (std::integral<T>) {
    return std::to_string(x);
  } else if constexpr (std::floating_point<T>) {
    return s::number(static_cast<double>(x));
  } else if constexpr (std::same_as<T, std::filesystem::path>) {
    return "Path(" + python_repr(x.generic_string()) + ")";
  } else if constexpr (TypedTensorType<T>) {
    return s::tensor(x, T::tensor_name);
  } else if constexpr (std::derived_from<T, Tensor>) {
    return s::tensor(x, "tensor");
  } else if constexpr (s::HasRepr<T> && !s::is_std_vector<T>::value) {
    // (A std::vector prints as a Python list even where a repr would take it by conversion.)
    return std::string(repr(x));
  } else if constexpr (s::TupleLike<T>) {
    return std::apply(
        [](const auto&... e) {
          std::string out = "(";
          std::size_t k = 0;
          ((out += (k++ ? ", " : "") + show_value(e)), ...);
          if (k == 1) out += ",";  // Python's 1-tuple
          return out + ")";
        },
        x);
  } else if constexpr (std::ranges::input_range<const T>) {
    std::string out = "[";
    std::size_t k = 0;
    for (const auto& e : x) {
      if (k == s::max_range_elements) {
        out += ", ...";
        break;
      }
      out += (k++ ? ", " : "") + show_value(e);
    }
    return out + "]";
  } else if constexpr (s::Streamable<T>) {
    std::ostringstream os;
    os << x;
    return os.str();
  } else {
    return "<" + type_name<T>() + ">";
  }
}

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/data/show-inl.hpp>
#endif
