// fastblock/nn/init.hpp — weight initialisation as PyTorch's torch.nn.init does it.
//
// Contract: each function fills a contiguous float32 tensor in place from a Generator, drawing
// the elements in row-major order, so a seed gives the same weights on every platform (the
// values differ from PyTorch's, whose generator is another). Fans follow PyTorch: for a weight
// [out, in, k...], fan_in = in·prod(k) and fan_out = out·prod(k).
#pragma once

#include <cstdint>

#include <fastblock/core/config.hpp>
#include <fastblock/core/random.hpp>
#include <fastblock/tensor/tensor.hpp>

namespace fastblock::init {

/// fan_in of a weight of shape [out, in, k...] (in for a Linear weight [out, in]).
[[nodiscard]] std::int64_t fan_in(const Tensor& weight);
/// fan_out of a weight of shape [out, in, k...].
[[nodiscard]] std::int64_t fan_out(const Tensor& weight);

/// U(lo, hi) in place.
void uniform_(Tensor& t, double lo, double hi, Generator& rng);
/// N(mean, std) in place.
void normal_(Tensor& t, double mean, double std, Generator& rng);
/// `kaiming_uniform_(w, a)`: U(±gain·√(3 / fan_in)) with gain = √(2 / (1 + a²)); with a = √5 it
/// is nn.Conv2d's and nn.Linear's default, U(±1/√fan_in).
void kaiming_uniform_(Tensor& weight, double a, Generator& rng);
/// `kaiming_normal_(w, mode='fan_out', nonlinearity='relu')` (torchvision's ResNet convolutions),
/// or with fan_in when `fan_out_mode` is false: N(0, √2 / √fan).
void kaiming_normal_(Tensor& weight, bool fan_out_mode, Generator& rng);

}  // namespace fastblock::init

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/nn/init-inl.hpp>
#endif
