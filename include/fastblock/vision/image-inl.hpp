// fastblock/vision/image-inl.hpp — out-of-line definitions for vision/image.hpp.
//
// Included by image.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes. The only file of
// fastblock that includes stb's headers (declarations only: the code is Debian's libstb).
#pragma once

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

// Findstb puts stb's folder on the include path; Debian's /usr/include/stb also works without it.
#if __has_include(<stb_image.h>)
#include <stb_image.h>
#include <stb_image_write.h>
#else
#include <stb/stb_image.h>
#include <stb/stb_image_write.h>
#endif

#if FASTBLOCK_WITH_TURBOJPEG
#include <turbojpeg.h>
#endif

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/vision/image.hpp>

namespace fastblock {

namespace detail::image {

/// Bytes a width x height RGB image needs, or value_error naming `who` when the dimensions are
/// negative or the size overflows.
FASTBLOCK_FUNC std::size_t checked_bytes(std::int64_t width, std::int64_t height,
                                         std::string_view who) {
  constexpr std::int64_t limit = std::int64_t{1} << 40;  // 1 TiB of pixels: surely a mistake
  if (width < 0 || height < 0 || (height > 0 && width > limit / 3 / height))
    throw value_error("fastblock::" + std::string(who) + ": invalid image size " +
                      std::to_string(width) + "x" + std::to_string(height) +
                      " (width x height must be non-negative and fit in memory)");
  return static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3;
}

/// `'name'`, for messages.
FASTBLOCK_FUNC std::string quote_name(std::string_view name) {
  return "'" + std::string(name) + "'";
}

/// The first (up to) 8 bytes in hex, for "not an image" messages.
FASTBLOCK_FUNC std::string leading_bytes(std::span<const std::uint8_t> bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < 8; ++i) {
    if (i) out += ' ';
    out += hex[bytes[i] >> 4];
    out += hex[bytes[i] & 15];
  }
  return out;
}

/// The image formats recognised by their first bytes.
enum class Format { jpeg, png, bmp, gif, webp, tiff, unknown };

/// The format `bytes` start like.
FASTBLOCK_FUNC Format sniff(std::span<const std::uint8_t> b) {
  const auto starts = [&](std::initializer_list<std::uint8_t> magic) {
    if (b.size() < magic.size()) return false;
    return std::equal(magic.begin(), magic.end(), b.begin());
  };
  if (starts({0xFF, 0xD8, 0xFF})) return Format::jpeg;
  if (starts({0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A})) return Format::png;
  if (starts({'B', 'M'})) return Format::bmp;
  if (starts({'G', 'I', 'F', '8'})) return Format::gif;
  if (b.size() >= 12 && starts({'R', 'I', 'F', 'F'}) && b[8] == 'W' && b[9] == 'E' &&
      b[10] == 'B' && b[11] == 'P')
    return Format::webp;
  if (starts({'I', 'I', 42, 0}) || starts({'M', 'M', 0, 42})) return Format::tiff;
  return Format::unknown;
}

/// Position of the last occurrence of the two bytes (a, b) in `bytes` at or after `from`, or npos.
FASTBLOCK_FUNC std::size_t rfind_pair(std::span<const std::uint8_t> bytes, std::uint8_t a,
                                      std::uint8_t b, std::size_t from = 0) {
  for (std::size_t i = bytes.size(); i >= from + 2; --i)
    if (bytes[i - 2] == a && bytes[i - 1] == b) return i - 2;
  return std::string_view::npos;
}

/// Why a JPEG, PNG or BMP file is incomplete, or "" when it looks complete. stb decodes some
/// truncated files without complaint (it reads zeros past the end), so this is checked first.
FASTBLOCK_FUNC std::string truncation(Format format, std::span<const std::uint8_t> b) {
  if (format == Format::jpeg) {
    // Entropy-coded data never holds FF DA or FF D9 (FF is always stuffed), so the last scan
    // header found by a byte search is the real one, and the end-of-image marker follows it.
    // Most files end with that marker: then any scan header comes before it, and the first is
    // found near the start (the backward search reads the whole file: 3% of a decode).
    static constexpr std::uint8_t sos_marker[] = {0xFF, 0xDA};
    if (b.size() >= 4 && b[b.size() - 2] == 0xFF && b[b.size() - 1] == 0xD9 &&
        std::search(b.begin(), b.end() - 2, std::begin(sos_marker), std::end(sos_marker)) !=
            b.end() - 2)
      return {};
    const std::size_t sos = rfind_pair(b, 0xFF, 0xDA);
    if (sos == std::string_view::npos) return "truncated JPEG (no scan data: the file ends early)";
    if (rfind_pair(b, 0xFF, 0xD9, sos + 2) == std::string_view::npos)
      return "truncated JPEG (the end-of-image marker is missing after the last scan)";
    return {};
  }
  if (format == Format::png) {
    // Walk the chunks (length, type, data, CRC) to IEND: one that runs past the end is refused
    // here, where stb_image would first grow its buffer to the declared length (up to 2 GiB for
    // a 76-byte file: fuzz finding image_turbo-1) and only then find the data missing.
    std::size_t at = 8;
    while (b.size() - at >= 12) {
      const std::uint64_t length = std::uint64_t{b[at]} << 24 | std::uint64_t{b[at + 1]} << 16 |
                                   std::uint64_t{b[at + 2]} << 8 | b[at + 3];
      const std::string type(reinterpret_cast<const char*>(b.data() + at + 4), 4);
      if (length > b.size() - at - 12) {
        std::string shown;  // the type, if it is letters as PNG's are
        for (const char c : type) shown += (c >= 'A' && c <= 'z') ? c : '?';
        return "truncated or corrupt PNG (chunk '" + shown + "' at byte " + std::to_string(at) +
               " declares " + std::to_string(length) + " bytes of data; the file ends " +
               std::to_string(b.size() - at - 12) + " bytes after its header)";
      }
      if (type == "IEND") return {};
      at += 12 + static_cast<std::size_t>(length);
    }
    return "truncated PNG (the IEND chunk is missing)";
  }
  if (format == Format::bmp && b.size() >= 34) {
    const auto u32 = [&](std::size_t at) {
      return static_cast<std::uint32_t>(b[at]) | static_cast<std::uint32_t>(b[at + 1]) << 8 |
             static_cast<std::uint32_t>(b[at + 2]) << 16 |
             static_cast<std::uint32_t>(b[at + 3]) << 24;
    };
    const std::uint32_t header = u32(14);
    if (header < 40) return {};  // OS/2 headers: left to stb
    const std::int64_t offset = u32(10);
    const std::int64_t width = static_cast<std::int32_t>(u32(18));
    const std::int64_t height = static_cast<std::int32_t>(u32(22));
    const std::int64_t bpp = static_cast<std::int64_t>(b[28]) | static_cast<std::int64_t>(b[29])
                                                                    << 8;
    const std::uint32_t compression = u32(30);
    if ((compression != 0 && compression != 3) || width <= 0 || bpp <= 0 || bpp > 32) return {};
    const std::int64_t stride = (width * bpp + 31) / 32 * 4;
    const std::int64_t rows = height < 0 ? -height : height;
    if (rows > 0 && stride > 0 && rows <= (std::int64_t{1} << 40) / stride &&
        offset + stride * rows > static_cast<std::int64_t>(b.size()))
      return "truncated BMP (" + std::to_string(b.size()) + " bytes, but its header needs " +
             std::to_string(offset + stride * rows) + ")";
  }
  return {};
}

/// The width and height the header of a JPEG, PNG, BMP or GIF file declares, read without stb
/// (whose own limits would hide the reason), or {0, 0} when the header cannot be read.
FASTBLOCK_FUNC std::array<std::int64_t, 2> declared_size(Format format,
                                                         std::span<const std::uint8_t> b) {
  const auto be16 = [&](std::size_t at) { return std::int64_t{b[at]} << 8 | b[at + 1]; };
  const auto le16 = [&](std::size_t at) { return std::int64_t{b[at + 1]} << 8 | b[at]; };
  const auto le32 = [&](std::size_t at) {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(le16(at)) |
                                     static_cast<std::uint32_t>(le16(at + 2)) << 16);
  };
  switch (format) {
    case Format::png:
      if (b.size() >= 24) return {be16(16) << 16 | be16(18), be16(20) << 16 | be16(22)};
      break;
    case Format::gif:
      if (b.size() >= 10) return {le16(6), le16(8)};
      break;
    case Format::bmp:
      if (b.size() >= 26 && le32(14) >= 40) {
        const std::int64_t h = le32(22);
        return {le32(18), h < 0 ? -h : h};
      }
      if (b.size() >= 22 && le32(14) == 12) return {le16(18), le16(20)};
      break;
    case Format::jpeg: {
      // Walk the marker segments up to the first start-of-frame (C0-CF but C4, C8, CC).
      std::size_t at = 2;
      while (at + 4 <= b.size()) {
        if (b[at] != 0xFF) break;
        const std::uint8_t marker = b[at + 1];
        if (marker == 0xFF) {
          ++at;
          continue;
        }
        const std::size_t length = static_cast<std::size_t>(be16(at + 2));
        if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
            marker != 0xCC) {
          if (at + 9 <= b.size()) return {be16(at + 7), be16(at + 5)};
          break;
        }
        if (length < 2) break;
        at += 2 + length;
      }
      break;
    }
    default:
      break;
  }
  return {0, 0};
}

/// The io_error for `name`.
FASTBLOCK_FUNC io_error failure(std::string_view who, std::string_view name, std::string_view why) {
  return io_error("fastblock::" + std::string(who) + ": " + quote_name(name) + ": " +
                  std::string(why));
}

/// Why a JPEG's Huffman tables are unsafe to give stb_image, or "" when they are fine. Debian 12's
/// stb_image (git 2022-09-08) builds each table without checking that its 16 code counts add up to
/// at most 256, and writes past the table's 257-entry size list when they do not (upstream added
/// the check later). The JPEG standard allows at most 256 codes a table, so such a file is corrupt
/// anyway. This walks the marker segments as stb finds them (skipping stray bytes between
/// segments, and the entropy-coded data after each SOS, so the tables between the scans of a
/// progressive JPEG are checked too) and checks each table of each DHT segment; like stb, it reads
/// bytes past the end of the file as zeros.
FASTBLOCK_FUNC std::string jpeg_bad_huffman_table(std::span<const std::uint8_t> b) {
  const auto at_or_0 = [&](std::size_t i) -> std::uint32_t { return i < b.size() ? b[i] : 0; };
  std::size_t at = 2;  // after SOI
  while (at + 1 < b.size()) {
    if (b[at] != 0xFF || b[at + 1] == 0xFF) {  // a stray byte, or fill before a marker
      ++at;
      continue;
    }
    const std::uint8_t marker = b[at + 1];
    at += 2;
    if (marker == 0xD9) break;  // EOI
    if (marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;
    const std::size_t length = at_or_0(at) << 8 | at_or_0(at + 1);
    if (marker == 0xC4) {
      std::size_t p = at + 2;
      for (std::int64_t left = static_cast<std::int64_t>(length) - 2; left > 0;) {
        std::uint32_t codes = 0;
        for (std::size_t i = 0; i < 16; ++i) codes += at_or_0(p + 1 + i);
        if (codes > 256)
          return "corrupt JPEG: a Huffman table (DHT segment at byte " + std::to_string(at - 2) +
                 ") declares " + std::to_string(codes) + " codes, more than the 256 allowed";
        p += 17 + codes;
        left -= 17 + static_cast<std::int64_t>(codes);
      }
    }
    at += length;
    if (marker == 0xDA)  // the entropy-coded data runs to the next marker (FF, then not 00)
      while (at + 1 < b.size() && !(b[at] == 0xFF && b[at + 1] != 0x00)) ++at;
  }
  return {};
}

/// stb's reason for its last failure on this thread.
FASTBLOCK_FUNC std::string stb_reason() {
  const char* reason = stbi_failure_reason();
  return reason ? std::string(reason) : std::string("unknown error");
}

/// Makes the images a shrinking decode returns (Image's only writer of decode_shrink).
struct ShrunkDecode {
  /// `image`, marked as decoded at 1 / shrink of its file's size.
  static Image mark(Image image, std::int64_t shrink) {
    image.decode_shrink_ = shrink;
    return image;
  }
};

#if FASTBLOCK_WITH_TURBOJPEG
/// Decodes a JPEG through libjpeg-turbo (2-3x stb's speed: SIMD IDCT and colour conversion) at
/// the smallest of its scaling factors that keeps both sides at least `1 / max_shrink` of the
/// file's (only the fast ones, 1/2, 1/4 and 1/8, which reduce the IDCT itself). Warnings (a
/// few stray bytes, which PIL also accepts) keep the image; errors throw.
FASTBLOCK_FUNC Image decode_turbojpeg(std::span<const std::uint8_t> bytes, std::string_view name,
                                      double max_shrink, std::string_view who) {
  std::unique_ptr<void, int (*)(tjhandle)> tj(tjInitDecompress(), &tjDestroy);
  if (!tj)
    throw failure(who, name, "cannot start libjpeg-turbo: " + std::string(tjGetErrorStr2(nullptr)));
  const auto reason = [&] { return std::string(tjGetErrorStr2(tj.get())); };
  auto* data = const_cast<unsigned char*>(bytes.data());  // TurboJPEG 2 takes a non-const pointer
  const auto size = static_cast<unsigned long>(bytes.size());
  int w = 0, h = 0, subsampling = 0, colourspace = 0;
  if (tjDecompressHeader3(tj.get(), data, size, &w, &h, &subsampling, &colourspace) != 0)
    throw failure(who, name, "cannot read the JPEG header: " + reason());
  if (w <= 0 || h <= 0)
    throw failure(who, name,
                  "the image has no pixels (" + std::to_string(w) + "x" + std::to_string(h) + ")");
  int sw = w, sh = h, shrink = 1;
  for (const int denom : {8, 4, 2})
    if (max_shrink >= denom) {
      sw = (w + denom - 1) / denom;  // libjpeg's scaled size: TJSCALED rounds up
      sh = (h + denom - 1) / denom;
      shrink = denom;
      break;
    }
  std::vector<std::uint8_t> pixels(checked_bytes(sw, sh, who));
  // CMYK/YCCK JPEGs are converted by libjpeg-turbo too; LIMITSCANS refuses a progressive file
  // with thousands of scans (a denial of service that decodes slowly, found by fuzzers).
  if (tjDecompress2(tj.get(), data, size, pixels.data(), sw, 0, sh, TJPF_RGB, TJFLAG_LIMITSCANS) !=
          0 &&
      tjGetErrorCode(tj.get()) != TJERR_WARNING)
    throw failure(who, name, "corrupt image: " + reason());
  return ShrunkDecode::mark(Image(sw, sh, std::move(pixels)), shrink);
}
#endif

/// Decodes `bytes`; see decode_image. `who` names the public function in messages.
FASTBLOCK_FUNC Image decode(std::span<const std::uint8_t> bytes, std::string_view name,
                            const DecodeOptions& options, std::string_view who) {
  if (bytes.empty()) throw failure(who, name, "the file is empty (0 bytes)");
  if (bytes.size() > static_cast<std::size_t>(INT_MAX))
    throw failure(who, name,
                  "the file is too large to decode (" + std::to_string(bytes.size()) + " bytes)");
  const Format format = sniff(bytes);
  const auto too_many_pixels = [&](std::int64_t w, std::int64_t h) {
    return failure(
        who, name,
        "the header declares " + std::to_string(w) + "x" + std::to_string(h) + " = " +
            // Unsigned: a PNG header's two 32-bit sizes can overflow int64.
            std::to_string(static_cast<std::uint64_t>(w) * static_cast<std::uint64_t>(h)) +
            " pixels, more than DecodeOptions::max_pixels (" + std::to_string(options.max_pixels) +
            "); a decompression bomb or a corrupt header");
  };
  switch (format) {
    case Format::webp:
    case Format::tiff:
      throw failure(who, name,
                    std::string(format == Format::webp ? "WebP" : "TIFF") +
                        " images are not supported (fastblock decodes JPEG, PNG, BMP and GIF)");
    case Format::unknown:
      throw failure(
          who, name,
          "not a JPEG, PNG, BMP or GIF image (it starts with bytes " + leading_bytes(bytes) + ")");
    default:
      break;
  }
  const auto [dw0, dh0] = declared_size(format, bytes);
  // dw0 * dh0 > max_pixels, without the product (a PNG may declare 0xFFFFFFFF x 0xFFFFFFFF).
  if (dw0 > 0 && dh0 > 0 && dw0 > options.max_pixels / dh0) throw too_many_pixels(dw0, dh0);
  if (std::string why = truncation(format, bytes); !why.empty()) throw failure(who, name, why);
#if FASTBLOCK_WITH_TURBOJPEG
  if (format == Format::jpeg) {
    if (dw0 <= 0 || dh0 <= 0)
      throw failure(who, name, "cannot read the JPEG header: no start-of-frame segment");
    return decode_turbojpeg(bytes, name, options.max_shrink ? options.max_shrink(dw0, dh0) : 1.0,
                            who);
  }
#endif
  if (format == Format::jpeg)  // stb only: libjpeg-turbo checks its tables itself
    if (std::string why = jpeg_bad_huffman_table(bytes); !why.empty())
      throw failure(who, name, why);
  const int len = static_cast<int>(bytes.size());
  int w = 0, h = 0, comp = 0;
  if (!stbi_info_from_memory(bytes.data(), len, &w, &h, &comp))
    throw failure(who, name, "cannot read the image header: " + stb_reason());
  if (w <= 0 || h <= 0)
    throw failure(who, name,
                  "the image has no pixels (" + std::to_string(w) + "x" + std::to_string(h) + ")");
  const std::int64_t pixels = static_cast<std::int64_t>(w) * h;
  if (pixels > options.max_pixels) throw too_many_pixels(w, h);
  int dw = 0, dh = 0, dcomp = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> data(
      stbi_load_from_memory(bytes.data(), len, &dw, &dh, &dcomp, 3), &stbi_image_free);
  if (!data) throw failure(who, name, "corrupt image: " + stb_reason());
  if (dw != w || dh != h)
    throw failure(who, name, "corrupt image: the header and the decoded size disagree");
  const std::size_t n = static_cast<std::size_t>(pixels) * 3;
  std::vector<std::uint8_t> pixels_out(data.get(), data.get() + n);
  return Image(w, h, std::move(pixels_out));
}

/// Appends stb_image_write's output to a std::vector<std::uint8_t>.
FASTBLOCK_FUNC void append_bytes(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(context);
  const auto* p = static_cast<const std::uint8_t*>(data);
  out->insert(out->end(), p, p + size);
}

/// value_error unless `image` can be encoded (non-empty, dimensions within int).
FASTBLOCK_FUNC void check_encodable(const Image& image, std::string_view who) {
  if (image.empty())
    throw value_error("fastblock::" + std::string(who) + ": the image is empty (" +
                      std::to_string(image.width()) + "x" + std::to_string(image.height()) + ")");
  if (image.width() > 65535 || image.height() > 65535)
    throw value_error("fastblock::" + std::string(who) + ": image of " +
                      std::to_string(image.width()) + "x" + std::to_string(image.height()) +
                      " is too large to encode (at most 65535 per side)");
}

/// Writes `bytes` to `path`, io_error naming it on failure.
FASTBLOCK_FUNC void write_file(const std::vector<std::uint8_t>& bytes,
                               const std::filesystem::path& path, std::string_view who) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    throw io_error("fastblock::" + std::string(who) + ": cannot open " + quote_name(path.string()) +
                   " for writing: " + std::strerror(errno));
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out)
    throw io_error("fastblock::" + std::string(who) + ": writing " + quote_name(path.string()) +
                   " failed");
}

}  // namespace detail::image

FASTBLOCK_FUNC Image::Image(std::int64_t width, std::int64_t height)
    : width_(width),
      height_(height),
      pixels_(detail::image::checked_bytes(width, height, "Image"), std::uint8_t{0}) {}

FASTBLOCK_FUNC Image::Image(std::int64_t width, std::int64_t height, Rgb colour)
    : Image(width, height) {
  for (std::size_t i = 0; i < pixels_.size(); i += 3) {
    pixels_[i] = colour.r;
    pixels_[i + 1] = colour.g;
    pixels_[i + 2] = colour.b;
  }
}

FASTBLOCK_FUNC Image::Image(std::int64_t width, std::int64_t height,
                            std::vector<std::uint8_t> pixels)
    : width_(width), height_(height), pixels_(std::move(pixels)) {
  const std::size_t expected = detail::image::checked_bytes(width, height, "Image");
  if (pixels_.size() != expected)
    throw value_error("fastblock::Image: " + std::to_string(width) + "x" + std::to_string(height) +
                      " RGB pixels need " + std::to_string(expected) + " bytes, got " +
                      std::to_string(pixels_.size()));
}

FASTBLOCK_FUNC Image Image::open(const std::filesystem::path& path, const DecodeOptions& options) {
  return load_image(path, options);
}

FASTBLOCK_FUNC std::size_t Image::offset_of(std::int64_t x, std::int64_t y) const {
  if (x < 0 || x >= width_ || y < 0 || y >= height_)
    throw index_error("fastblock::Image: pixel (" + std::to_string(x) + ", " + std::to_string(y) +
                      ") is outside the " + std::to_string(width_) + "x" + std::to_string(height_) +
                      " image");
  return (static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) +
          static_cast<std::size_t>(x)) *
         3;
}

FASTBLOCK_FUNC std::span<std::uint8_t> Image::row(std::int64_t y) {
  if (y < 0 || y >= height_)
    throw index_error("fastblock::Image::row: row " + std::to_string(y) + " is outside the " +
                      std::to_string(width_) + "x" + std::to_string(height_) + " image");
  return std::span<std::uint8_t>(pixels_).subspan(
      static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) * 3,
      static_cast<std::size_t>(width_) * 3);
}

FASTBLOCK_FUNC std::span<const std::uint8_t> Image::row(std::int64_t y) const {
  return const_cast<Image*>(this)->row(y);
}

FASTBLOCK_FUNC Rgb Image::at(std::int64_t x, std::int64_t y) const {
  const std::size_t o = offset_of(x, y);
  return {pixels_[o], pixels_[o + 1], pixels_[o + 2]};
}

FASTBLOCK_FUNC void Image::set(std::int64_t x, std::int64_t y, Rgb colour) {
  const std::size_t o = offset_of(x, y);
  pixels_[o] = colour.r;
  pixels_[o + 1] = colour.g;
  pixels_[o + 2] = colour.b;
}

FASTBLOCK_FUNC std::string repr(const Image& image) {
  return "PILImage mode=RGB size=" + std::to_string(image.width()) + "x" +
         std::to_string(image.height());
}

FASTBLOCK_FUNC std::ostream& operator<<(std::ostream& os, const Image& image) {
  return os << repr(image);
}

FASTBLOCK_FUNC Image load_image(const std::filesystem::path& path, const DecodeOptions& options) {
  const std::string name = path.string();
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status))
    throw detail::image::failure("load_image", name, "no such file");
  if (std::filesystem::is_directory(status))
    throw detail::image::failure("load_image", name, "is a directory, not an image file");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw detail::image::failure("load_image", name,
                                 std::string("cannot open the file: ") + std::strerror(errno));
  std::vector<std::uint8_t> bytes;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size > 0) {
    bytes.resize(static_cast<std::size_t>(size));
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
    if (in.gcount() != static_cast<std::streamsize>(size))
      throw detail::image::failure("load_image", name, "reading the file failed");
  }
  return detail::image::decode(bytes, name, options, "load_image");
}

FASTBLOCK_FUNC Image decode_image(std::span<const std::uint8_t> bytes, std::string_view name,
                                  const DecodeOptions& options) {
  return detail::image::decode(bytes, name, options, "decode_image");
}

FASTBLOCK_FUNC Image decode_image(std::span<const std::byte> bytes, std::string_view name,
                                  const DecodeOptions& options) {
  return detail::image::decode(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                    bytes.size()),
      name, options, "decode_image");
}

FASTBLOCK_FUNC std::vector<std::uint8_t> encode_png(const Image& image) {
  detail::image::check_encodable(image, "encode_png");
  std::vector<std::uint8_t> out;
  const int w = static_cast<int>(image.width()), h = static_cast<int>(image.height());
  if (!stbi_write_png_to_func(&detail::image::append_bytes, &out, w, h, 3, image.data().data(),
                              w * 3))
    throw io_error("fastblock::encode_png: stb_image_write failed on a " + std::to_string(w) + "x" +
                   std::to_string(h) + " image");
  return out;
}

FASTBLOCK_FUNC std::vector<std::uint8_t> encode_jpeg(const Image& image, int quality) {
  detail::image::check_encodable(image, "encode_jpeg");
  if (quality < 1 || quality > 100)
    throw value_error("fastblock::encode_jpeg: quality must be between 1 and 100, got " +
                      std::to_string(quality));
  std::vector<std::uint8_t> out;
  const int w = static_cast<int>(image.width()), h = static_cast<int>(image.height());
  if (!stbi_write_jpg_to_func(&detail::image::append_bytes, &out, w, h, 3, image.data().data(),
                              quality))
    throw io_error("fastblock::encode_jpeg: stb_image_write failed on a " + std::to_string(w) +
                   "x" + std::to_string(h) + " image");
  return out;
}

FASTBLOCK_FUNC void save_png(const Image& image, const std::filesystem::path& path) {
  detail::image::write_file(encode_png(image), path, "save_png");
}

FASTBLOCK_FUNC void save_jpeg(const Image& image, const std::filesystem::path& path, int quality) {
  detail::image::write_file(encode_jpeg(image, quality), path, "save_jpeg");
}

}  // namespace fastblock
