// fastblock/nn/layer-inl.hpp — out-of-line definitions for nn/layer.hpp.
//
// Included by layer.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <charconv>
#include <string>
#include <string_view>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/nn/layer.hpp>

namespace fastblock::detail {

FASTBLOCK_FUNC void throw_layer_shape(const std::string& layer, const Tensor& x,
                                      std::string_view expected) {
  throw shape_error("fastblock::" + layer + ": got an input of shape " + x.shape().str() + " (" +
                    std::string(dtype_name(x.dtype())) + "), expected " + std::string(expected));
}

FASTBLOCK_FUNC void throw_no_forward(const std::string& layer) {
  throw value_error("fastblock::" + layer +
                    ": backward called without a forward in training mode before it (call "
                    "train() and forward first; eval mode keeps nothing for backward)");
}

FASTBLOCK_FUNC std::string python_float(double x) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";  // Python marks whole floats
  return s;
}

FASTBLOCK_FUNC void check_float_input(const std::string& layer, const Tensor& x) {
  if (x.dtype() != float32) throw_layer_shape(layer, x, "a float32 tensor");
}

FASTBLOCK_FUNC void check_grad_shape(const std::string& layer, const Tensor& dy,
                                     const Tensor& kept) {
  // A default Tensor (shape [0]) is what layers keep in eval mode or before any forward.
  if (kept.dim() == 1 && kept.numel() == 0) throw_no_forward(layer);
  if (dy.shape() != kept.shape())
    throw_layer_shape(layer + ".backward", dy, kept.shape().str() + " (the output's shape)");
}

}  // namespace fastblock::detail

namespace fastblock::detail {

FASTBLOCK_FUNC void check_device(const std::string& layer, const Tensor& x, Device expected) {
  if (x.device() != expected)
    throw device_error("fastblock::" + layer + ": got a " + x.describe() +
                       " but the layer's parameters are on " + expected.str() +
                       " (move the model with to(model, device) or the input with x.to(device))");
}

}  // namespace fastblock::detail
