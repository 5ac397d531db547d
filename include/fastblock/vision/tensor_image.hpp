// fastblock/vision/tensor_image.hpp — TensorImage, the tensor form of images.
//
// Contract: a TensorImage is a typed tensor (tensor/typed_tensor.hpp) holding images channel
// first, as fastai's TensorImage: an item is uint8 [3, H, W] after ToTensor, a batch stacks items
// into [N, 3, H, W] (typed tensors collate typed, data/collate.hpp; items of different sizes are a
// shape_error naming both shapes), and IntToFloatTensor makes it float32 in [0, 1]. to_tensor and
// to_image convert between Image (HWC bytes) and the uint8 CHW form; to_image also takes float
// images in [0, 1] (clamped, rounded), for display.
#pragma once

#include <string_view>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/tensor/tensor.hpp>
#include <fastblock/tensor/typed_tensor.hpp>
#include <fastblock/vision/image.hpp>

namespace fastblock {

/// Images as a tensor, channel first: uint8 [3, H, W] items, [N, 3, H, W] batches, float32 after
/// IntToFloatTensor (fastai's TensorImage).
class TensorImage : public TypedTensor<TensorImage> {
 public:
  using TypedTensor::TypedTensor;
  /// Printed name.
  static constexpr std::string_view tensor_name = "TensorImage";
};

/// The uint8 [3, H, W] tensor of `image` (fastai's ToTensor: HWC bytes to CHW).
[[nodiscard]] TensorImage to_tensor(const Image& image);

/// The Image of a [3, H, W] tensor: uint8 as is, float32 scaled from [0, 1] (clamped, rounded).
/// shape_error for another shape, dtype_error for another dtype, device_error off the CPU.
[[nodiscard]] Image to_image(const Tensor& chw);

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/vision/tensor_image-inl.hpp>
#endif
