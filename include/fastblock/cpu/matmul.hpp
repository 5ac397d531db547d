// fastblock/cpu/matmul.hpp — single-precision GEMM on the CPU through Eigen.
//
// The only header of the library that includes Eigen (it costs ~3 s per translation unit; in the
// precompiled build only src/fastblock.cpp pays it). Operands are given as pointer + row stride
// + column stride, so transposed views map without a copy; large products are split by rows of
// the output over the shared thread pool (Eigen itself runs single-threaded here).
#pragma once

#include <algorithm>
#include <cstdint>

#include <Eigen/Core>

#include <fastblock/core/thread_pool.hpp>

namespace fastblock::cpu_kernels {

/// A read-only matrix operand: element (i, j) is at ptr[i * row_stride + j * col_stride].
struct MatrixRef {
  const float* ptr;
  std::int64_t rows, cols, row_stride, col_stride;
  /// Eigen can map it directly: dense rows or dense columns, without overlap.
  [[nodiscard]] bool row_major() const noexcept { return col_stride == 1 && row_stride >= cols; }
  [[nodiscard]] bool col_major() const noexcept { return row_stride == 1 && col_stride >= rows; }
  [[nodiscard]] bool mappable() const noexcept { return row_major() || col_major(); }
};

namespace detail {
using RowMap =
    Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>,
               Eigen::Unaligned, Eigen::OuterStride<>>;
using ColMap =
    Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>,
               Eigen::Unaligned, Eigen::OuterStride<>>;

template <class F>
void with_map(const MatrixRef& m, std::int64_t row0, std::int64_t nrows, F&& f) {
  const float* p = m.ptr + row0 * m.row_stride;
  if (m.row_major())
    f(RowMap(p, nrows, m.cols, Eigen::OuterStride<>(m.row_stride)));
  else
    f(ColMap(p, nrows, m.cols, Eigen::OuterStride<>(m.col_stride)));
}
}  // namespace detail

/// c[m, n] = a[m, k] · b[k, n] (or c += a · b with `accumulate`), c row-major with rows `ldc`
/// floats apart (0: n, dense). Both operands must be `mappable()`.
inline void gemm(const MatrixRef& a, const MatrixRef& b, float* c, bool parallel = true,
                 bool accumulate = false, std::int64_t ldc = 0) {
  using Out = Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>,
                         Eigen::Unaligned, Eigen::OuterStride<>>;
  const std::int64_t m = a.rows, n = b.cols, k = a.cols;
  if (ldc == 0) ldc = n;
  auto rows = [&](std::int64_t r0, std::int64_t r1) {
    Out out(c + r0 * ldc, r1 - r0, n, Eigen::OuterStride<>(ldc));
    if (k == 0) {
      if (!accumulate) out.setZero();
      return;
    }
    detail::with_map(a, r0, r1 - r0, [&](const auto& ma) {
      detail::with_map(b, 0, k, [&](const auto& mb) {
        if (accumulate) {
          out.noalias() += ma * mb;
        } else {
          out.noalias() = ma * mb;
        }
      });
    });
  };
  // Below ~256k multiply-adds threading costs more than it saves.
  const std::int64_t work = m * n * k;
  if (!parallel || work < (std::int64_t{1} << 18) || m < 2) return rows(0, m);
  const std::int64_t grain =
      std::max<std::int64_t>(1, (std::int64_t{1} << 17) / std::max<std::int64_t>(n * k, 1));
  default_thread_pool().parallel_for(0, m, grain, rows);
}

}  // namespace fastblock::cpu_kernels
