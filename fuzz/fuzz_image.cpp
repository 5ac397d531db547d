// fuzz/fuzz_image.cpp — libFuzzer target for decode_image (vision/image.hpp), i.e. the header
// checks of image-inl.hpp and stb_image underneath. scripts/fuzz compiles stb_image's
// implementation into the target (fuzz/stb_impl.cpp, the same Debian header libstb is built from)
// so that ASan sees stb's reads and libFuzzer its branches. The target `image_turbo` is this file
// built with FASTBLOCK_WITH_TURBOJPEG=1 and -lturbojpeg: JPEGs then go to libjpeg-turbo (not
// instrumented), and DecodeOptions::max_shrink lets it decode them 2, 4 or 8 times smaller.
//
// The input is the image file. Its last byte also picks DecodeOptions::max_shrink (bits 0-2: none,
// 1, 2, 3, 4, 8, 1e9, NaN), so mutations exercise the shrunk decodes without a byte of their own
// (the seeds in fuzz/corpus/image are plain image files). When max_shrink was asked (JPEGs with
// libjpeg-turbo), the result must be the declared size divided by the largest of 2, 4 and 8 no
// larger than max_shrink (else 1), rounded up; otherwise the shrink must be 1.
//
// max_pixels is 4096 x 4096 to keep executions fast (the decompression-bomb check is still
// exercised: the header is checked against it before any pixel is allocated).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <span>

#include <fastblock/core/error.hpp>
#include <fastblock/vision/image.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static constexpr double shrinks[] = {0, 1, 2,   3,
                                       4, 8, 1e9, std::numeric_limits<double>::quiet_NaN()};
  const int pick = size > 0 ? data[size - 1] & 7 : 0;
  std::int64_t asked_w = 0, asked_h = 0;
  int asked = 0;
  fastblock::DecodeOptions options{.max_pixels = 4096 * 4096};
  if (pick != 0)
    options.max_shrink = [&](std::int64_t w, std::int64_t h) {
      ++asked;
      asked_w = w;
      asked_h = h;
      return shrinks[pick];
    };
  try {
    const fastblock::Image image =
        fastblock::decode_image(std::span<const std::uint8_t>(data, size), "fuzz.img", options);
    // The decoded image must be consistent with its declared size.
    if (image.width() <= 0 || image.height() <= 0 ||
        image.data().size() != static_cast<std::size_t>(image.width() * image.height() * 3) ||
        image.width() * image.height() > options.max_pixels)
      std::abort();
    const std::int64_t s = image.decode_shrink();
    if (s != 1 && s != 2 && s != 4 && s != 8) std::abort();
    if (asked == 0 && s != 1) std::abort();
    if (asked > 1) std::abort();
    if (asked == 1) {
      // The size max_shrink was asked for is the one max_pixels was checked against: the decoded
      // image must be that size, shrunk.
      const double m = shrinks[pick];
      const std::int64_t want = m >= 8 ? 8 : m >= 4 ? 4 : m >= 2 ? 2 : 1;  // the largest allowed
      if (asked_w <= 0 || asked_h <= 0 || asked_w * asked_h > options.max_pixels || s != want ||
          image.width() != (asked_w + s - 1) / s || image.height() != (asked_h + s - 1) / s) {
        std::fprintf(stderr,
                     "fuzz_image: max_shrink(%lld, %lld) = %g gave %lldx%lld, shrink %lld\n",
                     static_cast<long long>(asked_w), static_cast<long long>(asked_h),
                     shrinks[pick], static_cast<long long>(image.width()),
                     static_cast<long long>(image.height()), static_cast<long long>(s));
        std::abort();
      }
    }
  } catch (const fastblock::error&) {
  }
  return 0;
}
