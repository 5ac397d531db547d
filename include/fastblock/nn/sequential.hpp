// fastblock/nn/sequential.hpp — layers one after the other: a fixed list of types, or a
// run-time number of layers of one type.
//
// Contract: `Sequential<Ls...>` holds its layers in a std::tuple (PyTorch's nn.Sequential with the
// types known): forward runs them left to right, backward right to left, their parameters are
// named `0.weight`, `1.running_mean`, ... under the prefix, and the type is checked to be made
// of Layers with one readable line. `Repeat<L>` is the same over a std::vector<L> — a ResNet stage
// is a Repeat<BasicBlock> — so a network's type grows with the number of kinds of layers, never
// with their count. Both are Layers themselves and print like PyTorch:
//     Sequential(
//       (0): Conv2d(3, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)
//       (1): BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
//     )
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <fastblock/nn/generators.hpp>
#include <fastblock/nn/layer.hpp>
#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

namespace detail {

/// Reads, in the compiler's note, as "layer_<int>::is_a_layer".
template <class L>
struct layer_ {
  static constexpr bool is_a_layer = Layer<L>;
};

/// `text` with every line after the first indented by two spaces (PyTorch's _addindent).
[[nodiscard]] std::string indent_repr(const std::string& text);

/// PyTorch's container repr: `Name(\n  (key): child\n)`.
[[nodiscard]] std::string container_repr(
    std::string_view name, const std::vector<std::pair<std::string, std::string>>& children);

}  // namespace detail

/// Layers of types Ls..., applied in order; see the contract above.
template <class... Ls>
class Sequential {
  static_assert((detail::layer_<Ls>::is_a_layer && ...),
                "fastblock::Sequential: every element must be a Layer (forward, backward, train, "
                "training, visit and repr; see nn/layer.hpp; the note names the type)");

 public:
  /// Takes the layers.
  explicit Sequential(Ls... layers) : layers_(std::move(layers)...) {}

  /// Each layer's forward, left to right.
  [[nodiscard]] Tensor forward(const Tensor& x) {
    return std::apply(
        [&](auto&... l) {
          Tensor y = x;
          ((y = l.forward(y)), ...);
          return y;
        },
        layers_);
  }
  /// Each layer's backward, right to left.
  [[nodiscard]] Tensor backward(const Tensor& dy) {
    Tensor g = dy;
    backward_from<sizeof...(Ls)>(g);
    return g;
  }
  /// Sets every layer's mode.
  void train(bool on = true) {
    training_ = on;
    std::apply([&](auto&... l) { (l.train(on), ...); }, layers_);
  }
  /// Whether in training mode.
  [[nodiscard]] bool training() const noexcept { return training_; }
  /// Each layer's parameters under `prefix.i`.
  void visit(const ParamVisitor& f, std::string_view prefix) {
    std::size_t i = 0;
    std::apply([&](auto&... l) { (l.visit(f, join_name(prefix, std::to_string(i++))), ...); },
               layers_);
  }
  /// Each layer's random generators under `prefix.i` (nn/generators.hpp).
  void visit_generators(const GeneratorVisitor& f, std::string_view prefix) {
    std::size_t i = 0;
    std::apply(
        [&](auto&... l) {
          (fastblock::visit_generators(l, f, join_name(prefix, std::to_string(i++))), ...);
        },
        layers_);
  }
  /// PyTorch's nn.Sequential repr.
  [[nodiscard]] std::string repr() const {
    std::vector<std::pair<std::string, std::string>> children;
    std::size_t i = 0;
    std::apply(
        [&](const auto&... l) { (children.emplace_back(std::to_string(i++), l.repr()), ...); },
        layers_);
    return detail::container_repr("Sequential", children);
  }

  /// Layer `I`.
  template <std::size_t I>
  [[nodiscard]] auto& get() noexcept {
    return std::get<I>(layers_);
  }
  /// Layer `I` of a const Sequential.
  template <std::size_t I>
  [[nodiscard]] const auto& get() const noexcept {
    return std::get<I>(layers_);
  }
  /// Number of layers.
  [[nodiscard]] static constexpr std::size_t size() noexcept { return sizeof...(Ls); }

 private:
  template <std::size_t I>
  void backward_from(Tensor& g) {
    if constexpr (I > 0) {
      g = std::get<I - 1>(layers_).backward(g);
      backward_from<I - 1>(g);
    }
  }

  std::tuple<Ls...> layers_;
  bool training_ = true;
};

/// A run-time number of layers of one type L, applied in order; see the contract above.
template <class L>
class Repeat {
  static_assert(detail::layer_<L>::is_a_layer,
                "fastblock::Repeat: the element type must be a Layer (see nn/layer.hpp)");

 public:
  /// No layers yet (the identity).
  Repeat() = default;
  /// Takes the layers.
  explicit Repeat(std::vector<L> layers) : layers_(std::move(layers)) {}

  /// Appends a layer.
  void push_back(L layer) { layers_.push_back(std::move(layer)); }

  /// Each layer's forward, in order.
  [[nodiscard]] Tensor forward(const Tensor& x) {
    Tensor y = x;
    for (L& l : layers_) y = l.forward(y);
    return y;
  }
  /// Each layer's backward, in reverse order.
  [[nodiscard]] Tensor backward(const Tensor& dy) {
    Tensor g = dy;
    for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) g = it->backward(g);
    return g;
  }
  /// Sets every layer's mode.
  void train(bool on = true) {
    training_ = on;
    for (L& l : layers_) l.train(on);
  }
  /// Whether in training mode.
  [[nodiscard]] bool training() const noexcept { return training_; }
  /// Each layer's parameters under `prefix.i`.
  void visit(const ParamVisitor& f, std::string_view prefix) {
    for (std::size_t i = 0; i < layers_.size(); ++i)
      layers_[i].visit(f, join_name(prefix, std::to_string(i)));
  }
  /// Each layer's random generators under `prefix.i` (nn/generators.hpp).
  void visit_generators(const GeneratorVisitor& f, std::string_view prefix) {
    for (std::size_t i = 0; i < layers_.size(); ++i)
      fastblock::visit_generators(layers_[i], f, join_name(prefix, std::to_string(i)));
  }
  /// PyTorch's nn.Sequential repr.
  [[nodiscard]] std::string repr() const {
    std::vector<std::pair<std::string, std::string>> children;
    for (std::size_t i = 0; i < layers_.size(); ++i)
      children.emplace_back(std::to_string(i), layers_[i].repr());
    return detail::container_repr("Sequential", children);
  }

  /// Layer `i`.
  [[nodiscard]] L& operator[](std::size_t i) { return layers_[i]; }
  /// Layer `i` of a const Repeat.
  [[nodiscard]] const L& operator[](std::size_t i) const { return layers_[i]; }
  /// Number of layers.
  [[nodiscard]] std::size_t size() const noexcept { return layers_.size(); }

 private:
  std::vector<L> layers_;
  bool training_ = true;
};

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/nn/sequential-inl.hpp>
#endif
