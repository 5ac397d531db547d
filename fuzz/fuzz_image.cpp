// fuzz/fuzz_image.cpp — libFuzzer target for decode_image (vision/image.hpp), i.e. the header
// checks of image-inl.hpp and stb_image underneath. scripts/fuzz compiles stb_image's
// implementation into the target (fuzz/stb_impl.cpp, the same Debian header libstb is built from)
// so that ASan sees stb's reads and libFuzzer its branches.
//
// max_pixels is 4096 x 4096 to keep executions fast (the decompression-bomb check is still
// exercised: the header is checked against it before any pixel is allocated).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include <fastblock/core/error.hpp>
#include <fastblock/vision/image.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fastblock::DecodeOptions options{.max_pixels = 4096 * 4096};
  try {
    const fastblock::Image image =
        fastblock::decode_image(std::span<const std::uint8_t>(data, size), "fuzz.img", options);
    // The decoded image must be consistent with its declared size.
    if (image.width() <= 0 || image.height() <= 0 ||
        image.data().size() != static_cast<std::size_t>(image.width() * image.height() * 3) ||
        image.width() * image.height() > options.max_pixels)
      std::abort();
  } catch (const fastblock::error&) {
  }
  return 0;
}
