// fastblock/nn/resnet-inl.hpp — out-of-line definitions for nn/resnet.hpp.
//
// Included by resnet.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <fastblock/core/config.hpp>
#include <fastblock/nn/init.hpp>
#include <fastblock/nn/resnet.hpp>

namespace fastblock {

namespace detail {

FASTBLOCK_FUNC std::optional<Downsample> make_downsample(std::int64_t inplanes,
                                                         std::int64_t outplanes,
                                                         std::int64_t stride, Generator& rng) {
  if (stride == 1 && inplanes == outplanes) return std::nullopt;
  return Downsample(Conv2d(inplanes, outplanes, 1, {.stride = stride, .bias = false}, &rng),
                    BatchNorm2d(outplanes));
}

FASTBLOCK_FUNC void torchvision_init(const std::function<void(const ParamVisitor&)>& visit,
                                     Generator& rng) {
  visit([&](const std::string& name, Parameter& p) {
    // Convolution weights are the only 4-D parameters of a ResNet body.
    if (p.kind == ParamKind::weight && p.value.dim() == 4)
      init::kaiming_normal_(p.value, true, rng);
    (void)name;
  });
}

/// A block's repr in torchvision's field order.
FASTBLOCK_FUNC std::string block_repr(std::string_view name,
                                      std::vector<std::pair<std::string, std::string>> children,
                                      const std::optional<Downsample>& downsample) {
  if (downsample) children.emplace_back("downsample", downsample->repr());
  return container_repr(name, children);
}

}  // namespace detail

FASTBLOCK_FUNC BasicBlock::BasicBlock(std::int64_t inplanes, std::int64_t planes,
                                      std::int64_t stride, Generator& rng)
    : conv1(inplanes, planes, 3, {.stride = stride, .padding = 1, .bias = false}, &rng),
      bn1(planes),
      conv2(planes, planes, 3, {.stride = 1, .padding = 1, .bias = false}, &rng),
      bn2(planes),
      downsample(detail::make_downsample(inplanes, planes, stride, rng)) {}

FASTBLOCK_FUNC Tensor BasicBlock::forward(const Tensor& x) {
  Tensor out = bn2.forward(conv2.forward(relu1.forward(bn1.forward(conv1.forward(x)))));
  out.add_(downsample ? downsample->forward(x) : x);
  return relu2.forward(out);
}

FASTBLOCK_FUNC Tensor BasicBlock::backward(const Tensor& dy) {
  const Tensor g = relu2.backward(dy);
  Tensor dx = conv1.backward(bn1.backward(relu1.backward(conv2.backward(bn2.backward(g)))));
  dx.add_(downsample ? downsample->backward(g) : g);
  return dx;
}

FASTBLOCK_FUNC void BasicBlock::train(bool on) {
  conv1.train(on);
  bn1.train(on);
  relu1.train(on);
  conv2.train(on);
  bn2.train(on);
  if (downsample) downsample->train(on);
  relu2.train(on);
}

FASTBLOCK_FUNC void BasicBlock::visit(const ParamVisitor& f, std::string_view prefix) {
  conv1.visit(f, join_name(prefix, "conv1"));
  bn1.visit(f, join_name(prefix, "bn1"));
  conv2.visit(f, join_name(prefix, "conv2"));
  bn2.visit(f, join_name(prefix, "bn2"));
  if (downsample) downsample->visit(f, join_name(prefix, "downsample"));
}

FASTBLOCK_FUNC std::string BasicBlock::repr() const {
  return detail::block_repr("BasicBlock",
                            {{"conv1", conv1.repr()},
                             {"bn1", bn1.repr()},
                             {"relu", relu1.repr()},
                             {"conv2", conv2.repr()},
                             {"bn2", bn2.repr()}},
                            downsample);
}

FASTBLOCK_FUNC Bottleneck::Bottleneck(std::int64_t inplanes, std::int64_t planes,
                                      std::int64_t stride, Generator& rng)
    : conv1(inplanes, planes, 1, {.bias = false}, &rng),
      bn1(planes),
      conv2(planes, planes, 3, {.stride = stride, .padding = 1, .bias = false}, &rng),
      bn2(planes),
      conv3(planes, planes * expansion, 1, {.bias = false}, &rng),
      bn3(planes * expansion),
      downsample(detail::make_downsample(inplanes, planes * expansion, stride, rng)) {}

FASTBLOCK_FUNC Tensor Bottleneck::forward(const Tensor& x) {
  Tensor out =
      relu2.forward(bn2.forward(conv2.forward(relu1.forward(bn1.forward(conv1.forward(x))))));
  out = bn3.forward(conv3.forward(out));
  out.add_(downsample ? downsample->forward(x) : x);
  return relu3.forward(out);
}

FASTBLOCK_FUNC Tensor Bottleneck::backward(const Tensor& dy) {
  const Tensor g = relu3.backward(dy);
  Tensor d = relu2.backward(conv3.backward(bn3.backward(g)));
  Tensor dx = conv1.backward(bn1.backward(relu1.backward(conv2.backward(bn2.backward(d)))));
  dx.add_(downsample ? downsample->backward(g) : g);
  return dx;
}

FASTBLOCK_FUNC void Bottleneck::train(bool on) {
  conv1.train(on);
  bn1.train(on);
  relu1.train(on);
  conv2.train(on);
  bn2.train(on);
  relu2.train(on);
  conv3.train(on);
  bn3.train(on);
  if (downsample) downsample->train(on);
  relu3.train(on);
}

FASTBLOCK_FUNC void Bottleneck::visit(const ParamVisitor& f, std::string_view prefix) {
  conv1.visit(f, join_name(prefix, "conv1"));
  bn1.visit(f, join_name(prefix, "bn1"));
  conv2.visit(f, join_name(prefix, "conv2"));
  bn2.visit(f, join_name(prefix, "bn2"));
  conv3.visit(f, join_name(prefix, "conv3"));
  bn3.visit(f, join_name(prefix, "bn3"));
  if (downsample) downsample->visit(f, join_name(prefix, "downsample"));
}

FASTBLOCK_FUNC std::string Bottleneck::repr() const {
  return detail::block_repr("Bottleneck",
                            {{"conv1", conv1.repr()},
                             {"bn1", bn1.repr()},
                             {"conv2", conv2.repr()},
                             {"bn2", bn2.repr()},
                             {"conv3", conv3.repr()},
                             {"bn3", bn3.repr()},
                             {"relu", relu1.repr()}},
                            downsample);
}

FASTBLOCK_FUNC ResNet<BasicBlock> resnet18(ResNetOptions options) {
  return ResNet<BasicBlock>({2, 2, 2, 2}, options);
}

FASTBLOCK_FUNC ResNet<BasicBlock> resnet34(ResNetOptions options) {
  return ResNet<BasicBlock>({3, 4, 6, 3}, options);
}

FASTBLOCK_FUNC ResNet<Bottleneck> resnet50(ResNetOptions options) {
  return ResNet<Bottleneck>({3, 4, 6, 3}, options);
}

}  // namespace fastblock
