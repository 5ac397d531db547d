// fastblock/nn/resnet.hpp — torchvision's ResNet-18/34/50, layer for layer and name for name.
//
// Contract: BasicBlock and Bottleneck are torchvision's residual blocks (v1.5: a Bottleneck's
// stride sits on its 3x3 convolution), with a `downsample` (1x1 convolution + batchnorm) where
// the stride or the channel count changes. ResNetBody is the network up to layer4 — what fastai's
// create_body keeps (cut −2) — and ResNet adds avgpool and fc. Parameters carry torchvision's
// names (`conv1.weight`, `bn1.running_mean`, `layer1.0.conv1.weight`,
// `layer2.0.downsample.0.weight`, `fc.bias`), so a torchvision state_dict maps one to one. Each
// stage is a Repeat of one block type: the network's type is ResNet<BasicBlock>, whatever its
// depth. Initialisation is torchvision's: convolutions kaiming_normal_(fan_out, relu), batchnorm
// weight 1 and bias 0, fc PyTorch's Linear default.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/core/random.hpp>
#include <fastblock/nn/activation.hpp>
#include <fastblock/nn/batchnorm.hpp>
#include <fastblock/nn/conv.hpp>
#include <fastblock/nn/layer.hpp>
#include <fastblock/nn/linear.hpp>
#include <fastblock/nn/pooling.hpp>
#include <fastblock/nn/sequential.hpp>

namespace fastblock {

/// A 1x1 convolution and a batchnorm that match a block's shortcut to its output.
using Downsample = Sequential<Conv2d, BatchNorm2d>;

/// torchvision's BasicBlock: two 3x3 convolutions with batchnorm, and the shortcut.
class BasicBlock {
 public:
  /// Output channels are `planes` (expansion 1).
  static constexpr std::int64_t expansion = 1;
  /// `inplanes` to `planes` channels, the first convolution with `stride`; a downsample is added
  /// when the stride or the channel count changes.
  BasicBlock(std::int64_t inplanes, std::int64_t planes, std::int64_t stride, Generator& rng);

  /// relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)).
  [[nodiscard]] Tensor forward(const Tensor& x);
  /// The input gradient through both paths.
  [[nodiscard]] Tensor backward(const Tensor& dy);
  /// Sets every layer's mode.
  void train(bool on = true);
  /// Whether in training mode.
  [[nodiscard]] bool training() const noexcept { return conv1.training(); }
  /// conv1, bn1, conv2, bn2, downsample.0, downsample.1 under `prefix`.
  void visit(const ParamVisitor& f, std::string_view prefix);
  /// torchvision's repr.
  [[nodiscard]] std::string repr() const;

  Conv2d conv1;
  BatchNorm2d bn1;
  ReLU relu1;
  Conv2d conv2;
  BatchNorm2d bn2;
  std::optional<Downsample> downsample;
  ReLU relu2;
};

/// torchvision's Bottleneck: 1x1 reduce, 3x3 (with the stride), 1x1 expand (x4), and the shortcut.
class Bottleneck {
 public:
  /// Output channels are 4·planes.
  static constexpr std::int64_t expansion = 4;
  /// `inplanes` to 4·`planes` channels; see BasicBlock.
  Bottleneck(std::int64_t inplanes, std::int64_t planes, std::int64_t stride, Generator& rng);

  /// relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + shortcut(x)).
  [[nodiscard]] Tensor forward(const Tensor& x);
  /// The input gradient through both paths.
  [[nodiscard]] Tensor backward(const Tensor& dy);
  /// Sets every layer's mode.
  void train(bool on = true);
  /// Whether in training mode.
  [[nodiscard]] bool training() const noexcept { return conv1.training(); }
  /// conv1..3, bn1..3, downsample.0, downsample.1 under `prefix`.
  void visit(const ParamVisitor& f, std::string_view prefix);
  /// torchvision's repr.
  [[nodiscard]] std::string repr() const;

  Conv2d conv1;
  BatchNorm2d bn1;
  ReLU relu1;
  Conv2d conv2;
  BatchNorm2d bn2;
  ReLU relu2;
  Conv2d conv3;
  BatchNorm2d bn3;
  std::optional<Downsample> downsample;
  ReLU relu3;
};

/// Options of the ResNet factories.
struct ResNetOptions {
  /// Input channels (3 for RGB).
  std::int64_t in_channels = 3;
  /// Outputs of fc (ImageNet's 1000).
  std::int64_t num_classes = 1000;
  /// Seed of the initial weights; unset: drawn from default_generator().
  std::optional<std::uint64_t> seed{};
};

/// A ResNet up to layer4 (fastai's body): [N, 3, H, W] -> [N, 512·expansion, H/32, W/32].
template <class Block>
class ResNetBody {
 public:
  /// Stages of `layers[i]` blocks each; weights from `rng`.
  ResNetBody(std::array<std::int64_t, 4> layers, std::int64_t in_channels, Generator& rng);

  /// The features of the last stage.
  [[nodiscard]] Tensor forward(const Tensor& x);
  /// The input gradient.
  [[nodiscard]] Tensor backward(const Tensor& dy);
  /// Sets every layer's mode.
  void train(bool on = true);
  /// Whether in training mode.
  [[nodiscard]] bool training() const noexcept { return conv1.training(); }
  /// torchvision's names under `prefix`.
  void visit(const ParamVisitor& f, std::string_view prefix);
  /// torchvision's repr of these children.
  [[nodiscard]] std::string repr() const;
  /// Channels of the output (512 for resnet18/34, 2048 for resnet50).
  [[nodiscard]] std::int64_t out_channels() const noexcept { return 512 * Block::expansion; }

  Conv2d conv1;
  BatchNorm2d bn1;
  ReLU relu;
  MaxPool2d maxpool;
  Repeat<Block> layer1, layer2, layer3, layer4;
};

/// The whole torchvision ResNet: body, global average pooling, fc.
template <class Block>
class ResNet {
 public:
  /// Stages of `layers[i]` blocks; see ResNetOptions.
  ResNet(std::array<std::int64_t, 4> layers, ResNetOptions options = {});

  /// [N, 3, H, W] -> [N, num_classes].
  [[nodiscard]] Tensor forward(const Tensor& x);
  /// The input gradient.
  [[nodiscard]] Tensor backward(const Tensor& dy);
  /// Sets every layer's mode.
  void train(bool on = true);
  /// Whether in training mode.
  [[nodiscard]] bool training() const noexcept { return body.training(); }
  /// torchvision's names (`conv1.weight` ... `fc.bias`) under `prefix`.
  void visit(const ParamVisitor& f, std::string_view prefix);
  /// torchvision's repr.
  [[nodiscard]] std::string repr() const;

  ResNetBody<Block> body;
  AdaptiveAvgPool2d avgpool;
  Flatten flatten;
  Linear fc;

 private:
  ResNet(std::array<std::int64_t, 4> layers, ResNetOptions options, Generator rng);
};

/// torchvision's resnet18: BasicBlock stages of 2, 2, 2, 2.
[[nodiscard]] ResNet<BasicBlock> resnet18(ResNetOptions options = {});
/// torchvision's resnet34: BasicBlock stages of 3, 4, 6, 3.
[[nodiscard]] ResNet<BasicBlock> resnet34(ResNetOptions options = {});
/// torchvision's resnet50: Bottleneck stages of 3, 4, 6, 3.
[[nodiscard]] ResNet<Bottleneck> resnet50(ResNetOptions options = {});

namespace detail {
/// torchvision's initialisation of a freshly built network (see the contract above).
void torchvision_init(const std::function<void(const ParamVisitor&)>& visit, Generator& rng);
}  // namespace detail

// --- ResNetBody and ResNet: templates over the block type --------------------------------------

template <class Block>
ResNetBody<Block>::ResNetBody(std::array<std::int64_t, 4> layers, std::int64_t in_channels,
                              Generator& rng)
    : conv1(in_channels, 64, 7, {.stride = 2, .padding = 3, .bias = false}, &rng),
      bn1(64),
      maxpool(3, 2, 1) {
  std::int64_t inplanes = 64;
  const std::array<std::int64_t, 4> planes{64, 128, 256, 512};
  Repeat<Block>* stages[4] = {&layer1, &layer2, &layer3, &layer4};
  for (std::size_t i = 0; i < 4; ++i) {
    if (layers[i] < 1)
      throw value_error("fastblock::ResNet: every stage needs at least one block, stage " +
                        std::to_string(i + 1) + " has " + std::to_string(layers[i]));
    for (std::int64_t b = 0; b < layers[i]; ++b) {
      const std::int64_t stride = (i > 0 && b == 0) ? 2 : 1;
      stages[i]->push_back(Block(inplanes, planes[i], stride, rng));
      inplanes = planes[i] * Block::expansion;
    }
  }
}

template <class Block>
Tensor ResNetBody<Block>::forward(const Tensor& x) {
  Tensor y = maxpool.forward(relu.forward(bn1.forward(conv1.forward(x))));
  return layer4.forward(layer3.forward(layer2.forward(layer1.forward(y))));
}

template <class Block>
Tensor ResNetBody<Block>::backward(const Tensor& dy) {
  Tensor g = layer1.backward(layer2.backward(layer3.backward(layer4.backward(dy))));
  return conv1.backward(bn1.backward(relu.backward(maxpool.backward(g))));
}

template <class Block>
void ResNetBody<Block>::train(bool on) {
  conv1.train(on);
  bn1.train(on);
  relu.train(on);
  maxpool.train(on);
  layer1.train(on);
  layer2.train(on);
  layer3.train(on);
  layer4.train(on);
}

template <class Block>
void ResNetBody<Block>::visit(const ParamVisitor& f, std::string_view prefix) {
  conv1.visit(f, join_name(prefix, "conv1"));
  bn1.visit(f, join_name(prefix, "bn1"));
  layer1.visit(f, join_name(prefix, "layer1"));
  layer2.visit(f, join_name(prefix, "layer2"));
  layer3.visit(f, join_name(prefix, "layer3"));
  layer4.visit(f, join_name(prefix, "layer4"));
}

template <class Block>
std::string ResNetBody<Block>::repr() const {
  return detail::container_repr("Sequential", {{"0", conv1.repr()},
                                               {"1", bn1.repr()},
                                               {"2", relu.repr()},
                                               {"3", maxpool.repr()},
                                               {"4", layer1.repr()},
                                               {"5", layer2.repr()},
                                               {"6", layer3.repr()},
                                               {"7", layer4.repr()}});
}

template <class Block>
ResNet<Block>::ResNet(std::array<std::int64_t, 4> layers, ResNetOptions options)
    : ResNet(layers, options,
             Generator(options.seed ? *options.seed : default_generator().next_u64())) {}

template <class Block>
ResNet<Block>::ResNet(std::array<std::int64_t, 4> layers, ResNetOptions options, Generator rng)
    : body(layers, options.in_channels, rng),
      avgpool(1),
      fc(512 * Block::expansion, options.num_classes, {}, &rng) {
  detail::torchvision_init([this](const ParamVisitor& f) { body.visit(f, ""); }, rng);
}

template <class Block>
Tensor ResNet<Block>::forward(const Tensor& x) {
  return fc.forward(flatten.forward(avgpool.forward(body.forward(x))));
}

template <class Block>
Tensor ResNet<Block>::backward(const Tensor& dy) {
  return body.backward(avgpool.backward(flatten.backward(fc.backward(dy))));
}

template <class Block>
void ResNet<Block>::train(bool on) {
  body.train(on);
  avgpool.train(on);
  flatten.train(on);
  fc.train(on);
}

template <class Block>
void ResNet<Block>::visit(const ParamVisitor& f, std::string_view prefix) {
  body.visit(f, prefix);
  fc.visit(f, join_name(prefix, "fc"));
}

template <class Block>
std::string ResNet<Block>::repr() const {
  return detail::container_repr("ResNet", {{"conv1", body.conv1.repr()},
                                           {"bn1", body.bn1.repr()},
                                           {"relu", body.relu.repr()},
                                           {"maxpool", body.maxpool.repr()},
                                           {"layer1", body.layer1.repr()},
                                           {"layer2", body.layer2.repr()},
                                           {"layer3", body.layer3.repr()},
                                           {"layer4", body.layer4.repr()},
                                           {"avgpool", avgpool.repr()},
                                           {"fc", fc.repr()}});
}

#if !FASTBLOCK_HEADER_ONLY
extern template class ResNetBody<BasicBlock>;
extern template class ResNetBody<Bottleneck>;
extern template class ResNet<BasicBlock>;
extern template class ResNet<Bottleneck>;
#endif

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/nn/resnet-inl.hpp>
#endif
