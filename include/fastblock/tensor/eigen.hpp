// fastblock/tensor/eigen.hpp — zero-copy Eigen views of tensors, and tensors from Eigen matrices.
//
// For users who want Eigen's expressions on fastblock data. Opt-in: the umbrella headers do not
// include it, so Eigen's parse cost stays out of translation units that do not ask for it.
#pragma once

#include <Eigen/Core>

#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

/// An Eigen matrix view of a 2-D tensor of T (any strides; writes go to the tensor).
template <Element T>
using EigenMatrixMap = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>,
                                  Eigen::Unaligned, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>>;

/// A view of a 1-D or 2-D CPU tensor as an Eigen matrix (1-D tensors become one column).
/// The tensor's dtype must be T; shape_error for other ranks.
template <Element T>
EigenMatrixMap<T> as_eigen(const Tensor& t) {
  if (!t.device().is_cpu())
    throw device_error("fastblock::as_eigen: expected a CPU tensor, got " + t.describe());
  if (t.dim() == 1)
    return {t.data<T>(), t.size(0), 1,
            Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(t.stride(0), 1)};
  if (t.dim() != 2)
    throw shape_error("fastblock::as_eigen: expected a 1-D or 2-D tensor, got " + t.describe());
  // Row-major map: the outer stride steps between rows, the inner stride between columns.
  return {t.data<T>(), t.size(0), t.size(1),
          Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(t.stride(0), t.stride(1))};
}

/// A new 2-D tensor holding a copy of an Eigen matrix or expression.
template <class Derived>
Tensor from_eigen(const Eigen::MatrixBase<Derived>& m) {
  using T = typename Derived::Scalar;
  static_assert(Element<T>,
                "fastblock::from_eigen: the matrix scalar must be float, int64_t, uint8_t or bool");
  Tensor out({m.rows(), m.cols()}, dtype_of<T>);
  as_eigen<T>(out) = m;
  return out;
}

}  // namespace fastblock
