// fastblock/nn/parameter-inl.hpp — out-of-line definitions for nn/parameter.hpp.
//
// Included by parameter.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <fastblock/core/config.hpp>
#include <fastblock/nn/parameter.hpp>

namespace fastblock {

FASTBLOCK_FUNC Tensor& Parameter::grad_or_zeros() {
  if (grad.shape() != value.shape() || grad.dtype() != value.dtype()) {
    grad = Tensor(value.shape(), value.dtype(), value.device());
    grad.zero_();
  }
  return grad;
}

}  // namespace fastblock
