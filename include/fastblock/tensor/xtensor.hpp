// fastblock/tensor/xtensor.hpp — zero-copy xtensor views of tensors, for numpy-like code.
//
// `auto a = as_xtensor<float>(t);` gives an xt::adapt expression over the tensor's memory with its
// shape and strides: `xt::sum(a, {1})`, `a(0, 2) = 1`, `xt::view(a, xt::range(0, 2))` all work on
// the tensor in place. Opt-in: the umbrella headers do not include xtensor.
#pragma once

#include <cstddef>
#include <vector>

#include <xtensor/xadapt.hpp>

#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

/// An xtensor adaptor over a CPU tensor of T (no copy; writes go to the tensor).
template <Element T>
auto as_xtensor(const Tensor& t) {
  if (!t.device().is_cpu())
    throw device_error("fastblock::as_xtensor: expected a CPU tensor, got " + t.describe());
  std::vector<std::size_t> shape(t.shape().begin(), t.shape().end());
  std::vector<std::ptrdiff_t> strides(t.strides().begin(), t.strides().end());
  return xt::adapt(t.data<T>(), static_cast<std::size_t>(t.numel()), xt::no_ownership(), shape,
                   strides);
}

}  // namespace fastblock
