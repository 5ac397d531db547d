// fastblock/tensor/ops.hpp — the op vocabulary on tensors: elementwise math with broadcasting,
// comparisons, where, reductions, matmul.
//
// Broadcasting follows numpy: shapes align at the trailing dimension and each pair of extents is
// equal or 1; a mismatch raises shape_error naming both shapes. Arithmetic promotes along
// bool < uint8 < int64 < float32; a floating scalar makes an integer tensor float32 (PyTorch's
// rule); division and the transcendental functions always give float32. Comparisons give bool.
// The seed's user-written loss works as written:
//     inputs = inputs.sigmoid();
//     auto loss = -where(targets == 1, inputs, 1 - inputs).log().mean();
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

// --- elementwise arithmetic -------------------------------------------------------------------
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
/// True division: the result is float32 whatever the operand dtypes.
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, Scalar b);
Tensor operator-(const Tensor& a, Scalar b);
Tensor operator*(const Tensor& a, Scalar b);
Tensor operator/(const Tensor& a, Scalar b);
Tensor operator+(Scalar a, const Tensor& b);
Tensor operator-(Scalar a, const Tensor& b);
Tensor operator*(Scalar a, const Tensor& b);
Tensor operator/(Scalar a, const Tensor& b);
Tensor operator-(const Tensor& a);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);

// --- comparisons and logic (results are bool tensors) -------------------------------------------
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, Scalar b);
Tensor operator!=(const Tensor& a, Scalar b);
Tensor operator<(const Tensor& a, Scalar b);
Tensor operator<=(const Tensor& a, Scalar b);
Tensor operator>(const Tensor& a, Scalar b);
Tensor operator>=(const Tensor& a, Scalar b);
/// Logical not of a bool mask (pandas' and PyTorch's `~mask`).
Tensor operator~(const Tensor& mask);
Tensor operator&(const Tensor& a, const Tensor& b);
Tensor operator|(const Tensor& a, const Tensor& b);

/// Elements of `a` where `cond` is true, else of `b`; all three broadcast together.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& cond, const Tensor& a, Scalar b);
Tensor where(const Tensor& cond, Scalar a, const Tensor& b);
Tensor where(const Tensor& cond, Scalar a, Scalar b);
/// The positions where the bool tensor `cond` is true, one int64 tensor of indices per dimension
/// (PyTorch's one-argument `torch.where(cond)`, i.e. `nonzero(as_tuple=True)`): the seed's
/// `idxs = where(y == 1)[0]`. A 0-d cond gives one tensor, as PyTorch does.
std::vector<Tensor> where(const Tensor& cond);

// --- unary math (integer inputs give float32) -------------------------------------------------
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor pow(const Tensor& x, Scalar exponent);
Tensor clamp(const Tensor& x, Scalar lo, Scalar hi);

// --- reductions ---------------------------------------------------------------------------------
// Without `dim` they reduce every element to a 0-d tensor. Sums of integers are int64, means are
// float32; max/min keep the dtype; argmax/argmin give int64 indices of the first extreme (NaN
// counts as the largest value, as in PyTorch).
Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor max(const Tensor& x);
Tensor max(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor min(const Tensor& x);
Tensor min(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& x);
Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& x);
Tensor argmin(const Tensor& x, std::int64_t dim, bool keepdim = false);

// --- linear algebra -----------------------------------------------------------------------------
/// Matrix product with PyTorch's matmul rules for 1-D, 2-D and batched (≥3-D) float32 operands;
/// batch dimensions broadcast. Transposed views are used without a copy.
Tensor matmul(const Tensor& a, const Tensor& b);

// --- whole-tensor checks
// --------------------------------------------------------------------------
/// Same shape and equal elements.
bool equal(const Tensor& a, const Tensor& b);
/// |a - b| <= atol + rtol·|b| everywhere (shapes broadcast); NaNs are never close.
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8);

// --- Tensor's template members ------------------------------------------------------------------
namespace detail {
/// Throws device_error unless `t` lives on the CPU (the only back end of the plain C++ build).
inline void require_cpu(const Tensor& t, const char* op) {
  if (!t.device().is_cpu())
    throw device_error(std::string("fastblock::") + op + ": expected a CPU tensor, got " +
                       t.describe() + " (this build has no kernel for that device)");
}

/// Reads element `i` (an element offset into the storage) of a CPU tensor as T.
template <class T>
T read_as(const Tensor& t, std::int64_t element_offset) {
  return dispatch(t.dtype(), [&]<class E>() {
    return static_cast<T>(reinterpret_cast<const E*>(t.storage().data())[element_offset]);
  });
}
}  // namespace detail

template <class T>
T Tensor::item() const {
  static_assert(std::is_arithmetic_v<T>,
                "fastblock::Tensor::item: T must be an arithmetic type (float, double, int, "
                "int64_t, uint8_t, bool)");
  if (numel() != 1)
    throw shape_error("fastblock::Tensor::item: expected a tensor with one element, got " +
                      describe());
  if constexpr (std::is_arithmetic_v<T>) {
    const Tensor host = to(cpu);
    return detail::read_as<T>(host, host.offset());
  } else {
    return T{};
  }
}

template <class T>
T Tensor::at(std::initializer_list<std::int64_t> index) const {
  static_assert(std::is_arithmetic_v<T>,
                "fastblock::Tensor::at: T must be an arithmetic type (float, double, int, "
                "int64_t, uint8_t, bool)");
  if constexpr (std::is_arithmetic_v<T>) {
    const Tensor host = to(cpu);
    return detail::read_as<T>(host, host.element_offset(index));
  } else {
    return T{};
  }
}

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/tensor/ops-inl.hpp>
#include <fastblock/tensor/tensor-inl.hpp>
#endif
