// fastblock/nn/head-inl.hpp — out-of-line definitions for nn/head.hpp.
//
// Included by head.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/nn/head.hpp>
#include <fastblock/nn/init.hpp>
#include <fastblock/nn/sequential.hpp>

namespace fastblock {

FASTBLOCK_FUNC Head::Head(std::int64_t nf, std::int64_t n_out, HeadOptions options)
    : pool_(options.concat_pool ? decltype(pool_)(AdaptiveConcatPool2d(1))
                                : decltype(pool_)(AdaptiveAvgPool2d(1))),
      n_out_(n_out) {
  if (nf < 1 || n_out < 1)
    throw value_error("fastblock::create_head: nf and n_out must be positive, got " +
                      std::to_string(nf) + " and " + std::to_string(n_out));
  Generator rng(options.seed ? *options.seed : default_generator().next_u64());
  std::vector<std::int64_t> sizes{options.concat_pool ? 2 * nf : nf};
  sizes.insert(sizes.end(), options.lin_ftrs.begin(), options.lin_ftrs.end());
  sizes.push_back(n_out);
  const std::size_t n_lin = sizes.size() - 1;
  std::vector<double> ps = options.ps;
  if (ps.size() == 1) {
    const double p = ps[0];
    ps.assign(n_lin - 1, p / 2);
    ps.push_back(p);
  }
  if (ps.size() != n_lin)
    throw value_error(
        "fastblock::create_head: ps must hold one probability or one per linear "
        "layer (" +
        std::to_string(n_lin) + "), got " + std::to_string(options.ps.size()));
  for (std::size_t i = 0; i < n_lin; ++i) {
    const bool bn = i > 0 || options.first_bn;
    if (bn) layers_.emplace_back(BatchNorm1d(sizes[i]));
    if (ps[i] != 0.0) layers_.emplace_back(Dropout(ps[i], rng.next_u64()));
    Linear lin(sizes[i], sizes[i + 1], {.bias = !bn}, &rng);
    // cnn_learner's apply_init: kaiming_normal_ on the weights, zero biases.
    init::kaiming_normal_(lin.weight.value, false, rng);
    if (!bn) lin.bias.value.zero_();
    layers_.emplace_back(std::move(lin));
    if (i + 1 < n_lin) layers_.emplace_back(ReLU());
  }
  if (options.bn_final) layers_.emplace_back(BatchNorm1d(n_out, {.momentum = 0.01}));
  if (options.y_range)
    layers_.emplace_back(SigmoidRange(options.y_range->first, options.y_range->second));
}

FASTBLOCK_FUNC Tensor Head::forward(const Tensor& x) {
  Tensor y = flatten_.forward(std::visit([&](auto& p) { return p.forward(x); }, pool_));
  for (Element& e : layers_) y = std::visit([&](auto& l) { return l.forward(y); }, e);
  return y;
}

FASTBLOCK_FUNC Tensor Head::backward(const Tensor& dy) {
  Tensor g = dy;
  for (auto it = layers_.rbegin(); it != layers_.rend(); ++it)
    g = std::visit([&](auto& l) { return l.backward(g); }, *it);
  g = flatten_.backward(g);
  return std::visit([&](auto& p) { return p.backward(g); }, pool_);
}

FASTBLOCK_FUNC void Head::train(bool on) {
  training_ = on;
  std::visit([&](auto& p) { p.train(on); }, pool_);
  flatten_.train(on);
  for (Element& e : layers_) std::visit([&](auto& l) { l.train(on); }, e);
}

FASTBLOCK_FUNC void Head::visit(const ParamVisitor& f, std::string_view prefix) {
  for (std::size_t i = 0; i < layers_.size(); ++i)
    std::visit([&](auto& l) { l.visit(f, join_name(prefix, std::to_string(i + 2))); }, layers_[i]);
}

FASTBLOCK_FUNC void Head::visit_generators(const GeneratorVisitor& f, std::string_view prefix) {
  for (std::size_t i = 0; i < layers_.size(); ++i)
    std::visit(
        [&](auto& l) {
          fastblock::visit_generators(l, f, join_name(prefix, std::to_string(i + 2)));
        },
        layers_[i]);
}

FASTBLOCK_FUNC std::string Head::repr() const {
  std::vector<std::pair<std::string, std::string>> children;
  children.emplace_back("0", std::visit([](const auto& p) { return p.repr(); }, pool_));
  children.emplace_back("1", flatten_.repr());
  for (std::size_t i = 0; i < layers_.size(); ++i)
    children.emplace_back(std::to_string(i + 2),
                          std::visit([](const auto& l) { return l.repr(); }, layers_[i]));
  return detail::container_repr("Sequential", children);
}

}  // namespace fastblock
