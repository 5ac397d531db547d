// fastblock/vision/image.hpp — an 8-bit RGB image, decoded from and encoded to files.
//
// Contract: an Image is fastai's PILImage in mode RGB: width x height pixels of three bytes,
// stored row by row (HWC, no padding between rows), with value semantics (a copy owns its own
// pixels). It is created empty, filled, from a file (`load_image(path)` / `Image::open(path)`)
// or from bytes in memory (`decode_image(bytes, name)`). Decoding goes through stb_image and
// accepts JPEG (baseline and progressive), PNG (any bit depth and colour type), BMP and GIF
// (first frame); grey, grey+alpha, RGBA and palette images become RGB (alpha is dropped, as PIL's
// convert('RGB') does) and 16-bit samples keep their high byte. Every failure throws io_error
// naming the file and saying what is wrong: a missing, unreadable or empty file, bytes that are
// no supported image (the first bytes are shown), a truncated JPEG, PNG or BMP, stb's own reason
// for a corrupt one, or declared dimensions above DecodeOptions::max_pixels (checked from the
// header, before any pixel memory is allocated: a decompression bomb costs nothing).
// `save_png` / `save_jpeg` (and `encode_png` / `encode_jpeg` into memory) write through
// stb_image_write; the bytes depend only on the pixels and the options, so files are
// reproducible. An Image prints as PIL prints it: `PILImage mode=RGB size=375x500` (width x
// height).
//
// stb's headers are included by image-inl.hpp only; the stb functions come from Debian's libstb
// (the fastblock CMake target links it).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>

namespace fastblock {

/// One RGB pixel.
struct Rgb {
  /// Red.
  std::uint8_t r = 0;
  /// Green.
  std::uint8_t g = 0;
  /// Blue.
  std::uint8_t b = 0;
  /// Whether all three channels are equal.
  friend bool operator==(const Rgb&, const Rgb&) = default;
};

/// Options of decoding (load_image, decode_image, ImageBlock).
struct DecodeOptions {
  /// Largest accepted width x height; a file declaring more is rejected before decoding (PIL's
  /// decompression-bomb limit, 2 x Image.MAX_IMAGE_PIXELS).
  std::int64_t max_pixels = 178'956'970;
  /// Lets the decoder shrink a JPEG in the DCT domain, as PIL's Image.draft does, for a caller
  /// that shrinks the image anyway: given the file's width and height, by how much both sides
  /// may shrink without losing what the caller keeps (1 or less: not at all). With
  /// libjpeg-turbo, a JPEG then decodes at 1/2, 1/4 or 1/8 of its size (the largest of these
  /// the limit allows), skipping most of the IDCT and colour work; other formats, and stb_image,
  /// ignore it.
  std::function<double(std::int64_t width, std::int64_t height)> max_shrink{};
};

namespace detail::image {
struct ShrunkDecode;
}  // namespace detail::image

/// An 8-bit RGB image in HWC layout with value semantics (see the file comment).
class Image {
 public:
  /// An empty image (0 x 0).
  Image() = default;
  /// A black image of `width` x `height`; value_error when either is negative or the pixel count
  /// does not fit in memory sizes.
  Image(std::int64_t width, std::int64_t height);
  /// An image of `width` x `height` filled with `colour`.
  Image(std::int64_t width, std::int64_t height, Rgb colour);
  /// An image that takes over `pixels` (HWC, width*height*3 bytes); value_error when the size
  /// does not match.
  Image(std::int64_t width, std::int64_t height, std::vector<std::uint8_t> pixels);

  /// Decodes the file at `path` (see load_image).
  [[nodiscard]] static Image open(const std::filesystem::path& path,
                                  const DecodeOptions& options = {});

  /// Width in pixels (PIL's `size[0]`).
  [[nodiscard]] std::int64_t width() const noexcept { return width_; }
  /// Height in pixels (PIL's `size[1]`).
  [[nodiscard]] std::int64_t height() const noexcept { return height_; }
  /// PIL's `size`: {width, height}.
  [[nodiscard]] std::array<std::int64_t, 2> size() const noexcept { return {width_, height_}; }
  /// fastai's `Image.shape`: {height, width} (`im.shape` is `(480, 640)` for a 640x480 image).
  [[nodiscard]] std::array<std::int64_t, 2> shape() const noexcept { return {height_, width_}; }
  /// Number of channels: always 3.
  [[nodiscard]] static constexpr std::int64_t channels() noexcept { return 3; }
  /// Whether the image has no pixel.
  [[nodiscard]] bool empty() const noexcept { return pixels_.empty(); }

  /// The pixels, HWC: byte `(y * width + x) * 3 + c` is channel c (R, G, B) of pixel (x, y).
  [[nodiscard]] std::span<std::uint8_t> data() noexcept { return pixels_; }
  /// See the non-const overload.
  [[nodiscard]] std::span<const std::uint8_t> data() const noexcept { return pixels_; }
  /// Row `y` (width*3 bytes); index_error when out of range.
  [[nodiscard]] std::span<std::uint8_t> row(std::int64_t y);
  /// See the non-const overload.
  [[nodiscard]] std::span<const std::uint8_t> row(std::int64_t y) const;

  /// Pixel (x, y); index_error naming the position and the size when out of range.
  [[nodiscard]] Rgb at(std::int64_t x, std::int64_t y) const;
  /// Sets pixel (x, y); index_error when out of range.
  void set(std::int64_t x, std::int64_t y, Rgb colour);

  /// 1, or the factor (2, 4 or 8) by which the decoder shrank the file's image
  /// (DecodeOptions::max_shrink): a point at (x, y) in the file's pixels is at (x, y) / shrink
  /// here. The geometric transforms read it to move the item's points with the pixels.
  [[nodiscard]] std::int64_t decode_shrink() const noexcept { return decode_shrink_; }

  /// Whether both have the same size and pixels.
  friend bool operator==(const Image& a, const Image& b) noexcept {
    return a.width_ == b.width_ && a.height_ == b.height_ && a.pixels_ == b.pixels_;
  }

 private:
  [[nodiscard]] std::size_t offset_of(std::int64_t x, std::int64_t y) const;

  friend struct detail::image::ShrunkDecode;

  std::int64_t width_ = 0;
  std::int64_t height_ = 0;
  std::vector<std::uint8_t> pixels_;
  std::int64_t decode_shrink_ = 1;
};

/// PIL's repr, as the seed prints an item: `PILImage mode=RGB size=375x500` (width x height).
[[nodiscard]] std::string repr(const Image& image);
/// Writes repr(image).
std::ostream& operator<<(std::ostream& os, const Image& image);

/// Decodes the image file at `path` into RGB (see the file comment); io_error naming the file.
[[nodiscard]] Image load_image(const std::filesystem::path& path,
                               const DecodeOptions& options = {});

/// Decodes an image held in memory; `name` stands for the file in error messages.
[[nodiscard]] Image decode_image(std::span<const std::uint8_t> bytes, std::string_view name,
                                 const DecodeOptions& options = {});
/// See the uint8 overload.
[[nodiscard]] Image decode_image(std::span<const std::byte> bytes, std::string_view name,
                                 const DecodeOptions& options = {});

/// The PNG file of `image` (lossless; stb_image_write's default compression); value_error for an
/// empty image.
[[nodiscard]] std::vector<std::uint8_t> encode_png(const Image& image);
/// The baseline JPEG file of `image` at `quality` (1-100, value_error otherwise); value_error for
/// an empty image.
[[nodiscard]] std::vector<std::uint8_t> encode_jpeg(const Image& image, int quality = 90);

/// Writes encode_png(image) to `path`; io_error naming the path when it cannot be written.
void save_png(const Image& image, const std::filesystem::path& path);
/// Writes encode_jpeg(image, quality) to `path`; io_error naming the path when it cannot be
/// written.
void save_jpeg(const Image& image, const std::filesystem::path& path, int quality = 90);

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/vision/image-inl.hpp>
#endif
