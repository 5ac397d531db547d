// The one translation unit of fastblock::precompiled.
//
// It is compiled with FASTBLOCK_PRECOMPILED and FASTBLOCK_COMPILING_LIBRARY, so the headers pull
// in their *-inl.hpp files and FASTBLOCK_FUNC expands to nothing: every non-template function is
// defined here once, with external linkage. The explicit instantiations below match the
// `extern template` declarations that users of the precompiled library see.
#include <fastblock/fastblock.hpp>

namespace fastblock {

template Tensor from_vector<float>(std::span<const float>, const Shape&);
template Tensor from_vector<double>(std::span<const double>, const Shape&);
template Tensor from_vector<int>(std::span<const int>, const Shape&);
template Tensor from_vector<std::int64_t>(std::span<const std::int64_t>, const Shape&);
template Tensor from_vector<std::uint8_t>(std::span<const std::uint8_t>, const Shape&);
template Tensor from_vector<bool>(std::span<const bool>, const Shape&);

template class ResNetBody<BasicBlock>;
template class ResNetBody<Bottleneck>;
template class ResNet<BasicBlock>;
template class ResNet<Bottleneck>;

}  // namespace fastblock
