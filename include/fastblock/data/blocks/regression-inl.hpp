// fastblock/data/blocks/regression-inl.hpp — out-of-line definitions for
// data/blocks/regression.hpp.
//
// Included by regression.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/data/blocks/regression.hpp>
#include <fastblock/data/blocks/uniform.hpp>

namespace fastblock {

namespace detail {

/// The shortest text that reads back as `x`, with Python's ".0" on integral values.
FASTBLOCK_FUNC std::string short_float(float x) {
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof buf, x);
  std::string s(buf, result.ptr);
  if (s.find_first_of(".eni") == std::string::npos) s += ".0";  // not for 1e+20, nan, inf
  return s;
}

}  // namespace detail

FASTBLOCK_FUNC RegressionTarget::RegressionTarget(const Tensor& t)
    // Always a copy on the CPU: a target must not alias a tensor its getter may reuse, and
    // decoding a GPU prediction for display should not need the GPU.
    : value_(t.to(cpu).to(float32).clone()) {}

FASTBLOCK_FUNC std::vector<float> RegressionTarget::tolist() const {
  const auto values = value_.span<float>();
  return {values.begin(), values.end()};
}

FASTBLOCK_FUNC std::string repr(const RegressionTarget& target) {
  const std::vector<float> values = target.tolist();
  if (target.shape().empty()) return detail::short_float(values.at(0));
  std::string out = "(";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    out += detail::short_float(values[i]);
  }
  return out + (values.size() == 1 ? ",)" : ")");
}

FASTBLOCK_FUNC std::ostream& operator<<(std::ostream& os, const RegressionTarget& target) {
  return os << repr(target);
}

FASTBLOCK_FUNC RegressionBlock::RegressionBlock(RegressionBlockOptions options)
    : n_out_(options.n_out) {
  if (n_out_ && *n_out_ < 0)
    throw value_error("fastblock::RegressionBlock: n_out must be >= 0, got " +
                      std::to_string(*n_out_));
}

FASTBLOCK_FUNC void RegressionBlock::setup(std::span<const RegressionTarget> training_targets) {
  shape_.reset();
  if (training_targets.empty()) return;
  const Shape& first = training_targets.front().shape();
  const auto shape = [](const RegressionTarget& t, std::size_t) -> const Shape& {
    return t.shape();
  };
  if (const std::size_t i = detail::first_differing(training_targets, shape, first);
      i != detail::all_alike)
    throw data_error("fastblock::RegressionBlock: training target " + std::to_string(i) +
                     " has shape " + training_targets[i].shape().str() +
                     " but training target 0 has shape " + first.str() +
                     "; every target must have the same shape");
  if (n_out_ && first.numel() != *n_out_)
    throw data_error("fastblock::RegressionBlock: the training targets have shape " + first.str() +
                     " (" + std::to_string(first.numel()) + " values) but n_out is " +
                     std::to_string(*n_out_));
  shape_ = first;
}

FASTBLOCK_FUNC Tensor RegressionBlock::encode(const RegressionTarget& target) const {
  if (shape_ && !(target.shape() == *shape_))
    throw data_error("fastblock::RegressionBlock: a target of shape " + target.shape().str() +
                     " does not match the shape " + shape_->str() + " of the training targets");
  return target.tensor().clone();
}

FASTBLOCK_FUNC std::int64_t RegressionBlock::n_out() const noexcept {
  if (n_out_) return *n_out_;
  return shape_ ? shape_->numel() : 0;
}

}  // namespace fastblock
