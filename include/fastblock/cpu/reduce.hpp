// fastblock/cpu/reduce.hpp — the CPU loop behind reductions along one dimension.
//
// A contiguous input is viewed as [outer, n, inner] and reduced along n. Each output element is
// computed by one thread in one fixed order, so results never depend on the number of threads
// (whole-tensor float sums take the vectorised path of cpu/vector_math.hpp).
#pragma once

#include <cmath>
#include <cstdint>

#include <fastblock/core/thread_pool.hpp>

namespace fastblock::cpu_kernels {

/// Calls out[o * inner + j] = f(in + o * n * inner + j, n, inner) for every (o, j).
template <class T, class R, class F>
void reduce_dim(const T* in, R* out, std::int64_t outer, std::int64_t n, std::int64_t inner, F f) {
  const std::int64_t outputs = outer * inner;
  const std::int64_t grain =
      std::max<std::int64_t>(1, (std::int64_t{1} << 15) / std::max<std::int64_t>(n, 1));
  default_thread_pool().parallel_for(0, outputs, grain, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t k = b; k < e; ++k) {
      const std::int64_t o = k / inner, j = k % inner;
      out[k] = f(in + o * n * inner + j, n, inner);
    }
  });
}

/// Sum of n strided values, accumulated in Acc.
template <class Acc, class T>
Acc sum_strided(const T* p, std::int64_t n, std::int64_t stride) {
  Acc acc{0};
  for (std::int64_t i = 0; i < n; ++i) acc += static_cast<Acc>(p[i * stride]);
  return acc;
}

/// Index of the first largest (Greater = std::greater) or smallest value among n strided values;
/// a NaN wins over every number, as in PyTorch.
template <bool Largest, class T>
std::int64_t arg_extreme(const T* p, std::int64_t n, std::int64_t stride) {
  std::int64_t best = 0;
  for (std::int64_t i = 1; i < n; ++i) {
    const T v = p[i * stride], b = p[best * stride];
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(b)) return best;
      if (std::isnan(v)) return i;
    }
    if (Largest ? v > b : v < b) best = i;
  }
  if constexpr (std::is_floating_point_v<T>)
    if (n > 0 && std::isnan(p[best * stride])) return best;
  return best;
}

}  // namespace fastblock::cpu_kernels
