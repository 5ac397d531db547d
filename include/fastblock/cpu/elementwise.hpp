// fastblock/cpu/elementwise.hpp — the CPU loop behind every elementwise op.
//
// `map_into<O>(out, f, views...)` computes out[i] = f(in_0[i], in_1[i], …) over the shape of
// `out`, for any strides (stride 0 is how broadcasting reaches this loop). Dense operands take a
// flat, vectorisable loop; the rest walk runs of the last dimension. Large ops are split over the
// shared thread pool in fixed-size chunks, so every element is computed by the same expression
// whatever the number of threads.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>

#include <fastblock/core/thread_pool.hpp>
#include <fastblock/tensor/shape.hpp>

namespace fastblock::cpu_kernels {

/// Elements a thread handles at least; below twice this an op runs on the calling thread.
inline constexpr std::int64_t elementwise_grain = std::int64_t{1} << 15;

/// A typed pointer to an operand's first element and its strides (already broadcast to the
/// output's shape).
template <class T>
struct View {
  const T* ptr;
  Strides strides;
};

/// View of a CPU tensor whose dtype is T. (Templates on the tensor type so that this back end
/// needs no definition of Tensor and can be included from inside tensor/ headers.)
template <class T, class TensorT>
View<T> view_of(const TensorT& t) {
  return {t.template data<T>(), t.strides()};
}

/// out[i] = f(ins[i]...) for every index i of out's shape; O must be out's element type.
template <class O, class TensorT, class F, class... In>
void map_into(const TensorT& out, F f, View<In>... ins) {
  const std::int64_t n = out.numel();
  if (n == 0) return;
  O* po = out.template data<O>();
  const Shape& shape = out.shape();
  const Strides& so = out.strides();
  const int nd = shape.size();
  auto& pool = default_thread_pool();

  // Every operand laid out densely in the same order: one flat loop over all elements.
  const Strides dense = contiguous_strides(shape);
  if (so == dense && ((ins.strides == dense) && ...)) {
    pool.parallel_for(0, n, elementwise_grain, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t i = b; i < e; ++i) po[i] = f(ins.ptr[i]...);
    });
    return;
  }
  // General case: walk runs of the last dimension, starting each chunk mid-run if need be.
  const std::int64_t inner = shape[nd - 1];
  const std::int64_t os = so[nd - 1];
  pool.parallel_for(0, n, elementwise_grain, [&](std::int64_t b, std::int64_t e) {
    std::int64_t cur = b;
    while (cur < e) {
      std::int64_t rem = cur / inner, pos = cur % inner, oo = 0;
      std::array<std::int64_t, sizeof...(In)> io{};
      for (int d = nd - 2; d >= 0; --d) {
        const std::int64_t i = rem % shape[d];
        rem /= shape[d];
        oo += i * so[d];
        [&]<std::size_t... K>(std::index_sequence<K...>) { ((io[K] += i * ins.strides[d]), ...); }
        (std::index_sequence_for<In...>{});
      }
      const std::int64_t len = std::min(inner - pos, e - cur);
      [&]<std::size_t... K>(std::index_sequence<K...>) {
        O* o = po + oo;
        for (std::int64_t i = pos; i < pos + len; ++i)
          o[i * os] = f(ins.ptr[io[K] + i * ins.strides[nd - 1]]...);
      }
      (std::index_sequence_for<In...>{});
      cur += len;
    }
  });
}

}  // namespace fastblock::cpu_kernels

namespace fastblock::cpu_kernels {

/// Value conversion between element types without undefined behaviour: floats going to an integer
/// type are truncated toward zero and saturate at its range; NaN becomes 0.
template <class To, class From>
constexpr To convert(From v) noexcept {
  if constexpr (std::is_same_v<To, bool>) {
    return v != From{0};
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    if (!(v == v)) return To{0};
    constexpr auto lo = static_cast<From>(std::numeric_limits<To>::lowest());
    constexpr auto hi = static_cast<From>(std::numeric_limits<To>::max());
    if (v <= lo) return std::numeric_limits<To>::lowest();
    if (v >= hi) return std::numeric_limits<To>::max();
    return static_cast<To>(v);
  } else {
    return static_cast<To>(v);
  }
}

}  // namespace fastblock::cpu_kernels
