// fastblock/vision/image_block.hpp — ImageBlock, the input block of image datasets.
//
// Contract: ImageBlock is a Block (data/blocks/concept.hpp): get_x returns the image's path
// (std::filesystem::path, or text such as a DataFrame cell, which converts to one:
// `path / "train" / r["fname"]`), encode decodes the file into an Image (load_image: an io_error
// naming the file when it is missing or corrupt, which DataBlock prefixes with the item), decode
// is the identity, and there is nothing to learn in setup and no model output (n_out 0, no loss).
// Like fastai's ImageBlock it brings its default transforms: ToTensor as an item transform and
// IntToFloatTensor as a batch transform, so a batch of its items is a float32 TensorImage [N, 3,
// H, W] in [0, 1] once an item transform has given every image one size (RandomResizedCrop,
// Resize); the user's transforms are added to these.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <tuple>

#include <fastblock/core/config.hpp>
#include <fastblock/data/blocks/concept.hpp>
#include <fastblock/vision/image.hpp>
#include <fastblock/vision/tensor_image.hpp>
#include <fastblock/vision/transforms.hpp>

namespace fastblock {

/// Images read from files (see the contract above).
class ImageBlock {
 public:
  /// What get_x returns: the path of the image file.
  using raw_type = std::filesystem::path;
  /// The decoded image.
  using item_type = Image;
  /// What a batch becomes (after ToTensor and the resizing item transforms).
  using batch_type = TensorImage;
  /// An input: no default loss.
  static constexpr LossKind loss_kind = LossKind::none;
  /// setup() learns nothing, so DataBlock need not collect the training paths.
  static constexpr bool learns_from_data = false;

  /// Decodes with the default options.
  ImageBlock() = default;
  /// Decodes with `options` (e.g. a lower max_pixels).
  explicit ImageBlock(DecodeOptions options) : options_(options) {}

  /// Nothing to learn.
  void setup(std::span<const std::filesystem::path>) noexcept {}
  /// The image at `path`; io_error naming the file when it cannot be decoded.
  [[nodiscard]] Image encode(const std::filesystem::path& path) const;
  /// The image itself.
  [[nodiscard]] const Image& decode(const Image& item) const noexcept { return item; }
  /// No model outputs.
  [[nodiscard]] std::int64_t n_out() const noexcept { return 0; }
  /// fastai's ImageBlock item transform: ToTensor.
  [[nodiscard]] std::tuple<ToTensor> item_tfms() const { return {}; }
  /// fastai's ImageBlock batch transform: IntToFloatTensor.
  [[nodiscard]] std::tuple<IntToFloatTensor> batch_tfms() const { return {}; }
  /// The decoding options.
  [[nodiscard]] const DecodeOptions& options() const noexcept { return options_; }

 private:
  DecodeOptions options_{};
};

FASTBLOCK_BLOCK_RAW_TYPE_MESSAGE(ImageBlock, "a file path (std::filesystem::path or text)",
                                 "; e.g. path / \"train\" / r[\"fname\"]")

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/vision/image_block-inl.hpp>
#endif
