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

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <tuple>
#include <utility>

#include <fastblock/core/config.hpp>
#include <fastblock/data/blocks/concept.hpp>
#include <fastblock/data/transform.hpp>
#include <fastblock/vision/image.hpp>
#include <fastblock/vision/tensor_image.hpp>
#include <fastblock/vision/transforms.hpp>

namespace fastblock {

namespace detail::vision {

/// The position in `Tfms` (a std::tuple) of the first transform, in run order, that takes an
/// Image, or the tuple's size when none does.
template <class Tfms>
consteval std::size_t first_image_transform() {
  constexpr std::size_t n = std::tuple_size_v<Tfms>;
  constexpr auto run = detail::run_order<Tfms>::value;
  std::size_t found = n;
  [&]<std::size_t... K>(std::index_sequence<K...>) {
    ((found == n && detail::transform_result<std::tuple_element_t<run[K], Tfms>,
                                             std::tuple<Image>>::applies
          ? void(found = run[K])
          : void()),
     ...);
  }
  (std::make_index_sequence<n>{});
  return found;
}

}  // namespace detail::vision

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

  /// This block prepared for the loaders' item transforms `tfms` (DataBlock::dataloaders calls
  /// it): when the first of them to run on images can say by how much it shrinks them
  /// (Resize, RandomResizedCrop: max_shrink), JPEGs decode that much smaller in the DCT domain
  /// (libjpeg-turbo), skipping most of the IDCT; the transform then moves the item's points to
  /// match. A max_shrink set in the options stands (return 1 from it to decode at full size).
  template <class Tfms>
  [[nodiscard]] ImageBlock for_item_tfms(const Tfms& tfms) const {
    ImageBlock block = *this;
    constexpr std::size_t at = detail::vision::first_image_transform<Tfms>();
    if constexpr (at < std::tuple_size_v<Tfms>) {
      using T = std::tuple_element_t<at, Tfms>;
      if constexpr (requires(const T& t) {
                      {
                        t.max_shrink(std::int64_t{}, std::int64_t{})
                        } -> std::convertible_to<double>;
                    }) {
        if (!block.options_.max_shrink)
          block.options_.max_shrink = [t = std::get<at>(tfms)](std::int64_t w, std::int64_t h) {
            return t.max_shrink(w, h);
          };
      }
    }
    return block;
  }

 private:
  DecodeOptions options_{};
};

FASTBLOCK_BLOCK_RAW_TYPE_MESSAGE(ImageBlock, "a file path (std::filesystem::path or text)",
                                 "; e.g. path / \"train\" / r[\"fname\"]")

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/vision/image_block-inl.hpp>
#endif
