// fastblock/learner/predict-inl.hpp — the non-template parts of predict.hpp.
#pragma once

#include <cstdint>
#include <ostream>
#include <vector>

#include <fastblock/core/error.hpp>
#include <fastblock/learner/predict.hpp>
#include <fastblock/tensor/factory.hpp>

namespace fastblock {

FASTBLOCK_FUNC std::ostream& operator<<(std::ostream& os, const Prediction& p) {
  os << '(';
  if (p.points.numel() > 0)
    os << p.points;
  else
    os << p.labels;
  return os << ", " << p.decoded << ", " << p.probs << ')';
}

namespace detail {

FASTBLOCK_FUNC Tensor true_indices(const Tensor& mask) {
  if (mask.dtype() != boolean || mask.dim() != 1)
    throw dtype_error("fastblock::predict: expected a 1-D bool mask, got " + mask.shape().str());
  const Tensor c = mask.contiguous();
  std::vector<std::int64_t> at;
  const auto flags = c.span<bool>();
  for (std::size_t i = 0; i < flags.size(); ++i)
    if (flags[i]) at.push_back(static_cast<std::int64_t>(i));
  return from_vector(at);
}

}  // namespace detail

}  // namespace fastblock
