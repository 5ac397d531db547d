// Helpers shared by the vision tests: images with known pixels, and image files built byte by
// byte (PNG of any colour type and bit depth, uncompressed BMP) so that decoding is checked
// against what the test itself wrote, not against the encoder under test; and a small dataset in
// PASCAL_2007's layout.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <fastblock/data/dataframe.hpp>
#include <fastblock/vision/image.hpp>

namespace fastblock_test {

/// A width x height image whose pixel (x, y) is (x*20+y, y*30+x, (x+y)*7) mod 256: every pixel
/// differs from its neighbours, so a transposed or shifted decode shows.
inline fastblock::Image pattern_image(std::int64_t width, std::int64_t height) {
  fastblock::Image image(width, height);
  for (std::int64_t y = 0; y < height; ++y)
    for (std::int64_t x = 0; x < width; ++x)
      image.set(x, y,
                {static_cast<std::uint8_t>((x * 20 + y) % 256),
                 static_cast<std::uint8_t>((y * 30 + x) % 256),
                 static_cast<std::uint8_t>(((x + y) * 7) % 256)});
  return image;
}

/// A smooth image (gradients), which JPEG keeps within a few levels.
inline fastblock::Image smooth_image(std::int64_t width, std::int64_t height) {
  fastblock::Image image(width, height);
  for (std::int64_t y = 0; y < height; ++y)
    for (std::int64_t x = 0; x < width; ++x)
      image.set(x, y,
                {static_cast<std::uint8_t>(x * 255 / (width > 1 ? width - 1 : 1)),
                 static_cast<std::uint8_t>(y * 255 / (height > 1 ? height - 1 : 1)), 128});
  return image;
}

/// CRC-32 (PNG's polynomial) of `bytes`.
inline std::uint32_t crc32(const std::string& bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const unsigned char c : bytes) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return crc ^ 0xFFFFFFFFu;
}

/// Appends `v` big-endian.
inline void put_be32(std::string& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out += static_cast<char>((v >> s) & 0xFF);
}

/// Appends a PNG chunk with its length and CRC.
inline void put_chunk(std::string& out, const std::string& type, const std::string& data) {
  put_be32(out, static_cast<std::uint32_t>(data.size()));
  out += type + data;
  put_be32(out, crc32(type + data));
}

/// The bytes of a PNG file: `samples` holds height rows of width * channels samples (channels
/// from the colour type: 0 grey, 2 RGB, 3 palette index, 4 grey+alpha, 6 RGBA), each one byte
/// for bit depth 8 or two (big-endian) for 16; IDAT is a zlib stream of stored blocks.
/// `declared_width`/`declared_height` override the IHDR values (for decompression bombs).
inline std::string png_bytes(std::uint32_t width, std::uint32_t height, int bit_depth,
                             int colour_type, const std::vector<std::uint16_t>& samples,
                             const std::string& palette = {}, std::uint32_t declared_width = 0,
                             std::uint32_t declared_height = 0) {
  const int channels = colour_type == 0 || colour_type == 3 ? 1
                       : colour_type == 2                   ? 3
                       : colour_type == 4                   ? 2
                                                            : 4;
  std::string raw;
  std::size_t k = 0;
  for (std::uint32_t y = 0; y < height; ++y) {
    raw += '\0';  // filter: none
    for (std::uint32_t i = 0; i < width * static_cast<std::uint32_t>(channels); ++i) {
      const std::uint16_t v = k < samples.size() ? samples[k] : 0;
      ++k;
      if (bit_depth == 16) raw += static_cast<char>(v >> 8);
      raw += static_cast<char>(v & 0xFF);
    }
  }
  std::string z = "\x78\x01";
  std::size_t at = 0;
  do {
    const std::size_t n = std::min<std::size_t>(65535, raw.size() - at);
    const bool last = at + n == raw.size();
    z += static_cast<char>(last ? 1 : 0);
    z += static_cast<char>(n & 0xFF);
    z += static_cast<char>(n >> 8);
    z += static_cast<char>(~n & 0xFF);
    z += static_cast<char>((~n >> 8) & 0xFF);
    z += raw.substr(at, n);
    at += n;
  } while (at < raw.size());
  std::uint32_t a = 1, b = 0;
  for (const unsigned char c : raw) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  put_be32(z, (b << 16) | a);

  std::string png = "\x89PNG\r\n\x1a\n";
  std::string ihdr;
  put_be32(ihdr, declared_width ? declared_width : width);
  put_be32(ihdr, declared_height ? declared_height : height);
  ihdr += static_cast<char>(bit_depth);
  ihdr += static_cast<char>(colour_type);
  ihdr += std::string(3, '\0');  // compression, filter, interlace
  put_chunk(png, "IHDR", ihdr);
  if (!palette.empty()) put_chunk(png, "PLTE", palette);
  put_chunk(png, "IDAT", z);
  put_chunk(png, "IEND", "");
  return png;
}

/// The bytes of an uncompressed 24-bit BMP of `image` (bottom-up rows, BGR, rows padded to 4).
inline std::string bmp_bytes(const fastblock::Image& image) {
  const auto le32 = [](std::string& out, std::uint32_t v) {
    for (int s = 0; s < 32; s += 8) out += static_cast<char>((v >> s) & 0xFF);
  };
  const auto le16 = [](std::string& out, std::uint16_t v) {
    out += static_cast<char>(v & 0xFF);
    out += static_cast<char>(v >> 8);
  };
  const auto w = static_cast<std::uint32_t>(image.width());
  const auto h = static_cast<std::uint32_t>(image.height());
  const std::uint32_t stride = (w * 3 + 3) / 4 * 4;
  std::string out = "BM";
  le32(out, 54 + stride * h);
  le32(out, 0);
  le32(out, 54);
  le32(out, 40);
  le32(out, w);
  le32(out, h);
  le16(out, 1);
  le16(out, 24);
  le32(out, 0);
  le32(out, stride * h);
  le32(out, 2835);
  le32(out, 2835);
  le32(out, 0);
  le32(out, 0);
  for (std::int64_t y = image.height() - 1; y >= 0; --y) {
    std::string row;
    for (std::int64_t x = 0; x < image.width(); ++x) {
      const auto p = image.at(x, y);
      row += static_cast<char>(p.b);
      row += static_cast<char>(p.g);
      row += static_cast<char>(p.r);
    }
    row.resize(stride, '\0');
    out += row;
  }
  return out;
}

/// The bytes of a vector, as a string (for TempDir::write).
inline std::string as_string(const std::vector<std::uint8_t>& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

/// A dataset in PASCAL_2007's layout: 12 images of assorted sizes (image i is 40 + 7i by
/// 30 + 5(i mod 4) pixels, named 000005 to 000016) under dir/train, and their train.csv frame:
/// fname, labels (the seed's style: "dog person"), is_valid (the last 4 valid). `draw(i, width,
/// height)` makes image i; with `with_jpegs` two in three are JPEGs (quality 90), else all PNGs.
template <class Draw>
fastblock::DataFrame write_image_dataset(const std::filesystem::path& dir, Draw&& draw,
                                         bool with_jpegs = false) {
  std::filesystem::create_directories(dir / "train");
  const char* labels[] = {"cat",      "dog person", "person", "cat dog", "bird",   "dog",
                          "bird cat", "person",     "cat",    "dog",     "person", "bird dog"};
  std::vector<std::string> fnames, label_col;
  std::vector<bool> valid;
  for (int i = 0; i < 12; ++i) {
    const bool jpeg = with_jpegs && i % 3 != 0;
    char name[32];
    std::snprintf(name, sizeof name, "%06d.%s", i + 5, jpeg ? "jpg" : "png");
    const fastblock::Image image =
        draw(i, std::int64_t{40 + 7 * i}, std::int64_t{30 + 5 * (i % 4)});
    if (jpeg) {
      fastblock::save_jpeg(image, dir / "train" / name, 90);
    } else {
      fastblock::save_png(image, dir / "train" / name);
    }
    fnames.emplace_back(name);
    label_col.emplace_back(labels[i]);
    valid.push_back(i >= 8);
  }
  return fastblock::DataFrame({fastblock::Column("fname", fnames),
                               fastblock::Column("labels", label_col),
                               fastblock::Column("is_valid", valid)});
}

}  // namespace fastblock_test
