// fastblock/vision/tensor_image-inl.hpp — out-of-line definitions for vision/tensor_image.hpp.
//
// Included by tensor_image.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/tensor/tensor.hpp>
#include <fastblock/vision/image.hpp>
#include <fastblock/vision/tensor_image.hpp>

namespace fastblock {

FASTBLOCK_FUNC TensorImage to_tensor(const Image& image) {
  const std::int64_t h = image.height(), w = image.width();
  Tensor out(Shape{3, h, w}, uint8);
  std::uint8_t* dst = out.data<std::uint8_t>();
  const std::uint8_t* src = image.data().data();
  const std::size_t plane = static_cast<std::size_t>(h * w);
  for (std::size_t i = 0; i < plane; ++i) {
    dst[i] = src[i * 3];
    dst[plane + i] = src[i * 3 + 1];
    dst[2 * plane + i] = src[i * 3 + 2];
  }
  return TensorImage(std::move(out));
}

FASTBLOCK_FUNC Image to_image(const Tensor& chw) {
  if (chw.dim() != 3 || chw.size(0) != 3)
    throw shape_error("fastblock::to_image: expected an image tensor of shape [3, H, W], got " +
                      chw.describe());
  if (!chw.device().is_cpu())
    throw device_error("fastblock::to_image: the tensor is on " + chw.device().str() +
                       "; move it to the CPU first");
  if (chw.dtype() != uint8 && chw.dtype() != float32)
    throw dtype_error("fastblock::to_image: expected uint8 or float32 pixels, got " +
                      chw.describe());
  const Tensor t = chw.contiguous();
  const std::int64_t h = t.size(1), w = t.size(2);
  Image image(w, h);
  std::uint8_t* dst = image.data().data();
  const std::size_t plane = static_cast<std::size_t>(h * w);
  for (std::size_t c = 0; c < 3; ++c) {
    if (t.dtype() == uint8) {
      const std::uint8_t* src = t.data<std::uint8_t>() + c * plane;
      for (std::size_t i = 0; i < plane; ++i) dst[i * 3 + c] = src[i];
    } else {
      const float* src = t.data<float>() + c * plane;
      for (std::size_t i = 0; i < plane; ++i) {
        const float v = src[i] != src[i] ? 0.0f : std::fmin(std::fmax(src[i], 0.0f), 1.0f);
        dst[i * 3 + c] = static_cast<std::uint8_t>(std::lround(v * 255.0f));
      }
    }
  }
  return image;
}

}  // namespace fastblock
