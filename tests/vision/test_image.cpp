// Behaviour of vision/image.hpp: pixels, printing as PIL prints, decoding JPEG/PNG/BMP files the
// test writes itself (every PNG colour type and 16-bit samples become RGB), writing PNG and JPEG,
// and the io_error for each kind of bad file, naming the file.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_support.hpp"
#include "vision/image_test_support.hpp"

#include <fastblock/core/random.hpp>
#include <fastblock/vision/image.hpp>

namespace fb = fastblock;
using Catch::Matchers::Contains;
using fastblock_test::as_string;
using fastblock_test::error_of;
using fastblock_test::TempDir;

TEST_CASE("Image: size, pixels, value semantics and PIL's printing", "[vision][image]") {
  fb::Image image(5, 3, fb::Rgb{1, 2, 3});
  CHECK(image.width() == 5);
  CHECK(image.height() == 3);
  CHECK(image.size() == std::array<std::int64_t, 2>{5, 3});
  CHECK(image.shape() == std::array<std::int64_t, 2>{3, 5});
  CHECK(image.data().size() == 45);
  CHECK(image.at(4, 2) == fb::Rgb{1, 2, 3});
  image.set(4, 2, {9, 8, 7});
  CHECK(image.data()[(2 * 5 + 4) * 3] == 9);
  CHECK(image.row(2)[12] == 9);
  fb::Image copy = image;
  copy.set(0, 0, {100, 100, 100});
  CHECK(image.at(0, 0) == fb::Rgb{1, 2, 3});  // a copy owns its pixels
  CHECK_FALSE(copy == image);

  CHECK(fb::repr(fb::Image(375, 500)) == "PILImage mode=RGB size=375x500");
  std::ostringstream os;
  os << fb::Image(2, 7);
  CHECK(os.str() == "PILImage mode=RGB size=2x7");
  CHECK(fb::Image().empty());

  CHECK_THAT(error_of<fb::index_error>([&] { (void)image.at(5, 0); }),
             Contains("(5, 0)") && Contains("5x3"));
  CHECK_THROWS_AS(image.set(0, -1, {}), fb::index_error);
  CHECK_THROWS_AS(image.row(3), fb::index_error);
  CHECK_THROWS_AS(fb::Image(-1, 2), fb::value_error);
  CHECK_THAT(error_of<fb::value_error>([] { fb::Image(2, 2, std::vector<std::uint8_t>(11)); }),
             Contains("12 bytes") && Contains("got 11"));
}

TEST_CASE("Image: PNG round trip is lossless, from a file and from memory", "[vision][image]") {
  TempDir dir("fastblock-vision");
  const fb::Image image = fastblock_test::pattern_image(13, 7);
  fb::save_png(image, dir.path() / "a.png");
  CHECK(fb::load_image(dir.path() / "a.png") == image);
  CHECK(fb::Image::open(dir.path() / "a.png") == image);
  const std::vector<std::uint8_t> png = fb::encode_png(image);
  CHECK(fb::decode_image(std::span<const std::uint8_t>(png), "mem.png") == image);
  CHECK(fb::decode_image(std::as_bytes(std::span(png)), "mem.png") == image);
  CHECK(fb::encode_png(image) == png);  // deterministic bytes
}

TEST_CASE("Image: JPEG round trip keeps size and (nearly) pixels", "[vision][image]") {
  TempDir dir("fastblock-vision");
  const fb::Image image = fastblock_test::smooth_image(40, 24);
  fb::save_jpeg(image, dir.path() / "a.jpg", 95);
  const fb::Image back = fb::load_image(dir.path() / "a.jpg");
  REQUIRE(back.width() == 40);
  REQUIRE(back.height() == 24);
  int worst = 0;
  for (std::size_t i = 0; i < back.data().size(); ++i)
    worst = std::max(worst, std::abs(int(back.data()[i]) - int(image.data()[i])));
  CHECK(worst <= 12);
  CHECK(fb::encode_jpeg(image, 95) == fb::encode_jpeg(image, 95));
  CHECK(fb::encode_jpeg(image, 20).size() < fb::encode_jpeg(image, 95).size());
}

TEST_CASE("Image: BMP decodes exactly", "[vision][image]") {
  const fb::Image image = fastblock_test::pattern_image(7, 5);  // 21-byte rows: padded to 24
  const std::string bmp = fastblock_test::bmp_bytes(image);
  CHECK(fb::decode_image(fastblock_test::bytes_of(bmp), "a.bmp") == image);
}

TEST_CASE("Image: grey, grey+alpha, RGBA, palette and 16-bit PNGs become RGB", "[vision][image]") {
  using fastblock_test::png_bytes;
  const auto decode = [](const std::string& bytes) {
    return fb::decode_image(fastblock_test::bytes_of(bytes), "x.png");
  };
  SECTION("grey") {
    const fb::Image im = decode(png_bytes(2, 1, 8, 0, {10, 200}));
    CHECK(im.at(0, 0) == fb::Rgb{10, 10, 10});
    CHECK(im.at(1, 0) == fb::Rgb{200, 200, 200});
  }
  SECTION("grey + alpha: alpha is dropped") {
    const fb::Image im = decode(png_bytes(2, 1, 8, 4, {10, 0, 200, 255}));
    CHECK(im.at(0, 0) == fb::Rgb{10, 10, 10});
    CHECK(im.at(1, 0) == fb::Rgb{200, 200, 200});
  }
  SECTION("RGBA: alpha is dropped") {
    const fb::Image im = decode(png_bytes(1, 2, 8, 6, {1, 2, 3, 0, 4, 5, 6, 128}));
    CHECK(im.at(0, 0) == fb::Rgb{1, 2, 3});
    CHECK(im.at(0, 1) == fb::Rgb{4, 5, 6});
  }
  SECTION("palette") {
    const fb::Image im =
        decode(png_bytes(2, 1, 8, 3, {1, 0}, std::string("\x0a\x0b\x0c\xf0\xf1\xf2", 6)));
    CHECK(im.at(0, 0) == fb::Rgb{0xf0, 0xf1, 0xf2});
    CHECK(im.at(1, 0) == fb::Rgb{0x0a, 0x0b, 0x0c});
  }
  SECTION("16-bit RGB keeps the high byte") {
    const fb::Image im = decode(png_bytes(1, 1, 16, 2, {0x1234, 0xABCD, 0xFF00}));
    CHECK(im.at(0, 0) == fb::Rgb{0x12, 0xAB, 0xFF});
  }
  SECTION("16-bit grey") {
    const fb::Image im = decode(png_bytes(1, 1, 16, 0, {0x8001}));
    CHECK(im.at(0, 0) == fb::Rgb{0x80, 0x80, 0x80});
  }
}

TEST_CASE("Image: bad files throw io_error naming the file", "[vision][image]") {
  TempDir dir("fastblock-vision");
  const fb::Image image = fastblock_test::smooth_image(48, 32);
  const std::string jpeg = as_string(fb::encode_jpeg(image, 90));
  const std::string png = as_string(fb::encode_png(fastblock_test::pattern_image(48, 32)));

  SECTION("missing file") {
    const auto path = dir.path() / "nope.jpg";
    CHECK_THAT(error_of<fb::io_error>([&] { (void)fb::load_image(path); }),
               Contains(path.string()) && Contains("no such file"));
  }
  SECTION("a directory") {
    CHECK_THAT(error_of<fb::io_error>([&] { (void)fb::load_image(dir.path()); }),
               Contains("directory"));
  }
  SECTION("empty file") {
    const auto path = dir.write("empty.png", "");
    CHECK_THAT(error_of<fb::io_error>([&] { (void)fb::load_image(path); }),
               Contains("empty.png") && Contains("empty"));
  }
  SECTION("a text file named .jpg") {
    const auto path = dir.write("notes.jpg", "hello, this is text\n");
    CHECK_THAT(error_of<fb::io_error>([&] { (void)fb::load_image(path); }),
               Contains("notes.jpg") && Contains("not a JPEG, PNG, BMP or GIF") &&
                   Contains("68 65 6c 6c 6f"));
  }
  SECTION("random bytes") {
    fb::Generator rng(7);
    std::string noise;
    for (int i = 0; i < 4096; ++i) noise += static_cast<char>(rng.randint(0, 256));
    CHECK_THAT(error_of<fb::io_error>(
                   [&] { (void)fb::decode_image(fastblock_test::bytes_of(noise), "noise.bin"); }),
               Contains("noise.bin"));
    // The same noise behind a JPEG or PNG signature is no image either.
    for (const std::string& head :
         {std::string("\xFF\xD8\xFF\xE0", 4), std::string("\x89PNG\r\n\x1a\n")}) {
      const std::string bytes = head + noise;
      CHECK_THAT(error_of<fb::io_error>(
                     [&] { (void)fb::decode_image(fastblock_test::bytes_of(bytes), "noise.img"); }),
                 Contains("noise.img"));
    }
  }
  SECTION("truncated JPEG, at many lengths") {
    for (const std::size_t keep : {std::size_t{3}, std::size_t{20}, std::size_t{200},
                                   jpeg.size() / 2, jpeg.size() - 10, jpeg.size() - 1}) {
      INFO("kept " << keep << " of " << jpeg.size() << " bytes");
      const auto path = dir.write("cut.jpg", jpeg.substr(0, keep));
      CHECK_THAT(error_of<fb::io_error>([&] { (void)fb::load_image(path); }),
                 Contains("cut.jpg") && Contains("JPEG"));
    }
  }
  SECTION("truncated PNG, at many lengths") {
    for (const std::size_t keep : {std::size_t{8}, std::size_t{20}, std::size_t{40}, png.size() / 2,
                                   png.size() - 12, png.size() - 1}) {
      INFO("kept " << keep << " of " << png.size() << " bytes");
      const auto path = dir.write("cut.png", png.substr(0, keep));
      CHECK_THAT(error_of<fb::io_error>([&] { (void)fb::load_image(path); }), Contains("cut.png"));
    }
  }
  SECTION("truncated BMP") {
    const std::string bmp = fastblock_test::bmp_bytes(image);
    const std::string cut = bmp.substr(0, bmp.size() - 100);
    CHECK_THAT(error_of<fb::io_error>(
                   [&] { (void)fb::decode_image(fastblock_test::bytes_of(cut), "cut.bmp"); }),
               Contains("cut.bmp") && Contains("truncated BMP"));
  }
  SECTION("corrupt PNG data (a damaged zlib stream) gives stb's reason") {
    std::string bad = png;
    const std::size_t idat = bad.find("IDAT");
    REQUIRE(idat != std::string::npos);
    bad[idat + 4] = '\x00';  // zlib header byte: not a valid compression method
    bad[idat + 5] = '\x00';
    CHECK_THAT(error_of<fb::io_error>(
                   [&] { (void)fb::decode_image(fastblock_test::bytes_of(bad), "bad.png"); }),
               Contains("bad.png") && Contains("corrupt image"));
  }
  SECTION("WebP is named as unsupported") {
    const std::string webp = std::string("RIFF\x10\0\0\0WEBPVP8 ", 16) + std::string(16, '\0');
    CHECK_THAT(error_of<fb::io_error>(
                   [&] { (void)fb::decode_image(fastblock_test::bytes_of(webp), "a.webp"); }),
               Contains("WebP") && Contains("not supported"));
  }
  SECTION("huge declared dimensions are refused before decoding") {
    const std::string bomb = fastblock_test::png_bytes(1, 1, 8, 2, {1, 2, 3}, {}, 100000, 100000);
    CHECK_THAT(error_of<fb::io_error>(
                   [&] { (void)fb::decode_image(fastblock_test::bytes_of(bomb), "bomb.png"); }),
               Contains("bomb.png") && Contains("100000x100000") && Contains("max_pixels"));
    std::string jpeg_bomb = jpeg;  // the same in a JPEG's start-of-frame
    const std::size_t sof = jpeg_bomb.find("\xFF\xC0");
    REQUIRE(sof != std::string::npos);
    jpeg_bomb.replace(sof + 5, 4, "\xEA\x60\xEA\x60");  // 60000 x 60000
    CHECK_THAT(error_of<fb::io_error>([&] {
                 (void)fb::decode_image(fastblock_test::bytes_of(jpeg_bomb), "bomb.jpg");
               }),
               Contains("bomb.jpg") && Contains("60000x60000") && Contains("max_pixels"));
    // The limit is an option.
    CHECK_THROWS_AS(
        fb::decode_image(fastblock_test::bytes_of(png), "small.png", {.max_pixels = 100}),
        fb::io_error);
    CHECK(fb::decode_image(fastblock_test::bytes_of(png), "small.png", {.max_pixels = 48 * 32})
              .width() == 48);
  }
}

TEST_CASE("Image: writing errors", "[vision][image]") {
  TempDir dir("fastblock-vision");
  const fb::Image image(4, 4);
  const auto path = dir.path() / "missing-folder" / "a.png";
  CHECK_THAT(error_of<fb::io_error>([&] { fb::save_png(image, path); }), Contains(path.string()));
  CHECK_THROWS_AS(fb::save_jpeg(image, dir.path() / "x.jpg", 0), fb::value_error);
  CHECK_THROWS_AS(fb::save_jpeg(image, dir.path() / "x.jpg", 101), fb::value_error);
  CHECK_THROWS_AS(fb::encode_png(fb::Image()), fb::value_error);
}
