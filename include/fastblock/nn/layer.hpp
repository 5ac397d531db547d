// fastblock/nn/layer.hpp — what a layer is.
//
// Contract: a layer is a concrete, movable type with
//   Tensor forward(const Tensor& x)     the output; in training mode it keeps what backward needs
//                                       (its input, a mask, the batch statistics) and nothing in
//                                       eval mode;
//   Tensor backward(const Tensor& dy)   the gradient of the loss with respect to the last forward's
//                                       input, given the gradient with respect to its output; it
//                                       adds (never assigns) the parameters' gradients, so several
//                                       backward passes accumulate as in PyTorch;
//   void train(bool on = true)          training or eval mode (batchnorm statistics, dropout);
//   bool training() const
//   void visit(const ParamVisitor& f, std::string_view prefix)
//                                       every parameter and buffer with PyTorch's dotted name;
//   std::string repr() const            what PyTorch prints for the module, `Conv2d(3, 64, ...)`.
// Layers are plain values composed by Sequential (a tuple) and by runtime-sized stages (a
// std::vector of one block type); there is no base class and no virtual call. Shapes are checked
// in forward: a mismatch names the layer (its repr), the shape it got and the shape it expected.
// All tensors are float32, NCHW, on one device: the CPU, or a GPU after `to(model, cuda)` (the
// layer then runs the device backend's kernels; see tensor/backend.hpp and <fastblock/cuda.hpp>).
#pragma once

#include <concepts>
#include <string>
#include <string_view>

#include <fastblock/nn/parameter.hpp>
#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

/// A layer: see the contract above.
template <class L>
concept Layer = std::movable<L> && requires(L& layer, const L& c, const Tensor& x,
                                            const ParamVisitor& f, std::string_view prefix) {
  { layer.forward(x) } -> std::same_as<Tensor>;
  { layer.backward(x) } -> std::same_as<Tensor>;
  layer.train(true);
  { c.training() } -> std::convertible_to<bool>;
  layer.visit(f, prefix);
  { c.repr() } -> std::convertible_to<std::string>;
};

/// Sets eval mode: `eval(model)` is PyTorch's `model.eval()`.
template <Layer L>
void eval(L& layer) {
  layer.train(false);
}

/// The number of elements of every trainable parameter (buffers excluded), as PyTorch users count
/// with `sum(p.numel() for p in model.parameters())`.
template <Layer L>
[[nodiscard]] std::int64_t count_parameters(L& layer) {
  std::int64_t n = 0;
  layer.visit([&](const std::string&, Parameter& p) { n += p.is_buffer() ? 0 : p.value.numel(); },
              "");
  return n;
}

/// Clears every parameter's gradient.
template <Layer L>
void zero_grad(L& layer) {
  layer.visit([](const std::string&, Parameter& p) { p.zero_grad(); }, "");
}

/// Moves every parameter, float buffer and gradient to `device` (PyTorch's `model.to(device)`);
/// later inputs must be on the same device. Integer counters (batchnorm's num_batches_tracked)
/// stay on the host: no kernel reads them, and the host updates them once per batch without a
/// device round trip. Returns the layer.
template <Layer L>
L& to(L& layer, Device device) {
  layer.visit(
      [&](const std::string&, Parameter& p) {
        if (p.value.dtype() != float32) return;
        p.value = p.value.to(device);
        if (p.grad.numel() > 0) p.grad = p.grad.to(device);
      },
      "");
  return layer;
}

namespace detail {

/// Base of the simple layers: the mode flag and its accessors (no virtual functions).
class LayerMode {
 public:
  /// Training (true) or eval mode.
  void train(bool on = true) noexcept { training_ = on; }
  /// Whether the layer is in training mode.
  [[nodiscard]] bool training() const noexcept { return training_; }

 private:
  bool training_ = true;
};

/// The shape_error of a layer that got an input it cannot take.
[[noreturn]] void throw_layer_shape(const std::string& layer, const Tensor& x,
                                    std::string_view expected);

/// The value_error of backward called without a training-mode forward before it.
[[noreturn]] void throw_no_forward(const std::string& layer);

/// Python's repr of a float, for module reprs (`1e-05`, `0.1`, `-1.0`).
[[nodiscard]] std::string python_float(double x);

/// Throws the shape_error of a layer given a tensor that is not float32.
void check_float_input(const std::string& layer, const Tensor& x);

/// Throws device_error unless `x` is on `expected` (the device of the layer's parameters).
void check_device(const std::string& layer, const Tensor& x, Device expected);

/// Throws unless `dy` has the shape of `kept` (an output or input kept by a training-mode
/// forward), or no_forward when nothing was kept.
void check_grad_shape(const std::string& layer, const Tensor& dy, const Tensor& kept);

}  // namespace detail

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/nn/layer-inl.hpp>
#endif
