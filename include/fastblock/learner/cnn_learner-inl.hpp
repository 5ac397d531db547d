// fastblock/learner/cnn_learner-inl.hpp — the non-template parts of cnn_learner.hpp.
#pragma once

#include <string_view>

#include <fastblock/learner/cnn_learner.hpp>

namespace fastblock {

FASTBLOCK_FUNC ParamSplitter resnet_split() {
  // fastai's _resnet_split: L(m[0][:6], m[0][6:], m[1:]) — torchvision's children 0..5 are
  // conv1, bn1, relu, maxpool, layer1, layer2; 6 and 7 are layer3 and layer4.
  return ParamSplitter{.n_groups = 3, .group_of = [](std::string_view name) -> std::size_t {
                         if (!name.starts_with("0.")) return 2;
                         return name.starts_with("0.layer3.") || name.starts_with("0.layer4.") ? 1
                                                                                               : 0;
                       }};
}

}  // namespace fastblock
