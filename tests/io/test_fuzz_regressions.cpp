// Regression tests for the fuzzers' findings (issue 8; fuzz/README.md): every input saved under
// fuzz/regressions/<target>/ goes through the same entry point as its fuzz target
// (fuzz/fuzz_<target>.cpp) and must be rejected with a fastblock::error, or, for CSV, read and
// written back unchanged. Under ASan/UBSan (FASTBLOCK_SANITIZE) these also prove that the inputs no
// longer read out of bounds or overflow.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "catch.hpp"

#include <fastblock/core/error.hpp>
#include <fastblock/data/csv.hpp>
#include <fastblock/io/pth.hpp>
#include <fastblock/io/safetensors.hpp>
#include <fastblock/learner/load_learner.hpp>
#include <fastblock/vision/image.hpp>

#ifndef FASTBLOCK_TEST_DATA_DIR
#error "FASTBLOCK_TEST_DATA_DIR must name the tests/ directory"
#endif

namespace {

namespace fs = std::filesystem;

/// The saved inputs of one fuzz target, sorted by name (none when the folder does not exist).
std::vector<fs::path> regressions(const char* target) {
  const fs::path dir = fs::path(FASTBLOCK_TEST_DATA_DIR) / ".." / "fuzz" / "regressions" / target;
  std::vector<fs::path> out;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::uint8_t> read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("fuzz regressions: CSV inputs read and write back unchanged", "[io][fuzz]") {
  const auto files = regressions("csv");
  REQUIRE_FALSE(files.empty());
  static constexpr char delimiters[] = {',', '\t', ';', '|'};
  for (const auto& file : files) {
    INFO(file.filename().string());
    const auto bytes = read_all(file);
    REQUIRE_FALSE(bytes.empty());
    // As fuzz_csv.cpp: the first byte picks the options, the rest is the text.
    fastblock::CsvOptions options;
    options.delimiter = delimiters[bytes[0] & 3];
    options.header = (bytes[0] & 4) == 0;
    const std::string text(bytes.begin() + 1, bytes.end());
    fastblock::DataFrame df;
    try {
      df = fastblock::read_csv_string(text, "fuzz.csv", options);
    } catch (const fastblock::error&) {
      continue;  // rejected: fine
    }
    const std::string once = fastblock::to_csv_string(df, options);
    std::string twice;
    REQUIRE_NOTHROW(twice = fastblock::to_csv_string(
                        fastblock::read_csv_string(once, "roundtrip.csv", options), options));
    CHECK(twice == once);
  }
}

TEST_CASE("fuzz regressions: a byte-order mark opening a cell survives to_csv and read_csv",
          "[io][fuzz]") {
  // fuzz/regressions/csv/double-bom.bin: the file's BOM is skipped, a second one is the cell's.
  const auto df = fastblock::read_csv_string("\xEF\xBB\xBF\xEF\xBB\xBFname\nx\n");
  REQUIRE(df.columns() == std::vector<std::string>{"\xEF\xBB\xBFname"});
  const std::string text = fastblock::to_csv_string(df);
  CHECK(text == "\"\xEF\xBB\xBFname\"\nx\n");
  CHECK(fastblock::read_csv_string(text).columns() == df.columns());
}

TEST_CASE("fuzz regressions: bad images throw io_error", "[io][fuzz]") {
  const auto files = regressions("image");
  REQUIRE_FALSE(files.empty());
  for (const auto& file : files) {
    INFO(file.filename().string());
    const auto bytes = read_all(file);
    CHECK_THROWS_AS(fastblock::decode_image(std::span<const std::uint8_t>(bytes), "fuzz.img",
                                            {.max_pixels = 4096 * 4096}),
                    fastblock::io_error);
  }
}

TEST_CASE("fuzz regressions: a PNG declaring 0xFFFFFF00 x 0xDC49454E pixels is a bomb, not UB",
          "[io][fuzz]") {
  const auto bytes = read_all(fs::path(FASTBLOCK_TEST_DATA_DIR) / ".." / "fuzz" / "regressions" /
                              "image" / "png-huge-declared-size.png");
  REQUIRE(bytes.size() == 29);
  // The product of the two sizes overflowed int64 in the decompression-bomb check.
  CHECK_THROWS_WITH(
      fastblock::decode_image(std::span<const std::uint8_t>(bytes), "bomb.png"),
      Catch::Matchers::Contains("4294967040x3695789390 = 15873293616831705600 pixels"));
}

TEST_CASE("fuzz regressions: a JPEG Huffman table of more than 256 codes is refused before stb",
          "[io][fuzz]") {
  // fuzz/regressions/image/jpeg-dht-over-256-codes.jpg: SOI, then a DHT segment whose 16 counts
  // (read past the end as zeros, as stb reads them) add up to 945; Debian's stb_image wrote past
  // the table's 257-entry size list.
  const auto bytes = read_all(fs::path(FASTBLOCK_TEST_DATA_DIR) / ".." / "fuzz" / "regressions" /
                              "image" / "jpeg-dht-over-256-codes.jpg");
  REQUIRE(bytes.size() == 11);
#if FASTBLOCK_WITH_TURBOJPEG
  // JPEGs go to libjpeg-turbo, which checks its tables itself; the file is refused all the same.
  CHECK_THROWS_WITH(fastblock::decode_image(std::span<const std::uint8_t>(bytes), "dht.jpg"),
                    Catch::Matchers::Contains("'dht.jpg'"));
#else
  CHECK_THROWS_WITH(fastblock::decode_image(std::span<const std::uint8_t>(bytes), "dht.jpg"),
                    Catch::Matchers::Contains("declares 945 codes, more than the 256 allowed"));
#endif
  // A table of exactly 256 codes is fine as far as this check goes (stb then finds the file
  // corrupt for other reasons).
  std::vector<std::uint8_t> ok = {0xFF, 0xD8, 0xFF, 0xC4, 0x01, 0x13, 0x00};
  for (int i = 0; i < 16; ++i) ok.push_back(i == 7 ? 255 : i == 8 ? 1 : 0);  // 256 codes
  ok.resize(ok.size() + 256, 0);
  ok.insert(ok.end(), {0xFF, 0xD9});
  try {
    (void)fastblock::decode_image(std::span<const std::uint8_t>(ok), "ok.jpg");
  } catch (const fastblock::io_error& e) {
    CHECK_THAT(e.what(), !Catch::Matchers::Contains("Huffman"));
  }
}

TEST_CASE("fuzz regressions: bad images throw io_error, with max_shrink as image_turbo picks it",
          "[io][fuzz]") {
  // As fuzz_image.cpp (built as image_turbo with FASTBLOCK_WITH_TURBOJPEG): the last byte picks
  // DecodeOptions::max_shrink.
  static constexpr double shrinks[] = {0, 1, 2,   3,
                                       4, 8, 1e9, std::numeric_limits<double>::quiet_NaN()};
  const auto files = regressions("image_turbo");
  REQUIRE_FALSE(files.empty());
  for (const auto& file : files) {
    INFO(file.filename().string());
    const auto bytes = read_all(file);
    REQUIRE_FALSE(bytes.empty());
    fastblock::DecodeOptions options{.max_pixels = 4096 * 4096};
    if (const int pick = bytes.back() & 7; pick != 0)
      options.max_shrink = [pick](std::int64_t, std::int64_t) { return shrinks[pick]; };
    CHECK_THROWS_AS(
        fastblock::decode_image(std::span<const std::uint8_t>(bytes), "fuzz.img", options),
        fastblock::io_error);
  }
}

TEST_CASE("fuzz regressions: a PNG chunk longer than the file is refused before stb",
          "[io][fuzz]") {
  // fuzz/regressions/image_turbo/png-idat-length-past-end.png (76 bytes): a 16x1 PNG whose
  // second IDAT chunk declares 0x4635001B bytes; Debian's stb_image grew its IDAT buffer to
  // 2 GiB (the next power of two) before finding the data missing (fuzz/README.md,
  // image_turbo-1). The chunk walk refuses it first, naming the chunk.
  const auto bytes = read_all(fs::path(FASTBLOCK_TEST_DATA_DIR) / ".." / "fuzz" / "regressions" /
                              "image_turbo" / "png-idat-length-past-end.png");
  REQUIRE(bytes.size() == 76);
  CHECK_THROWS_WITH(fastblock::decode_image(std::span<const std::uint8_t>(bytes), "idat.png"),
                    Catch::Matchers::Contains("'idat.png'") &&
                        Catch::Matchers::Contains("chunk 'IDAT'") &&
                        Catch::Matchers::Contains("declares 1177878555 bytes"));
}

TEST_CASE("fuzz regressions: bad safetensors files throw io_error", "[io][fuzz]") {
  for (const auto& file : regressions("safetensors")) {
    INFO(file.filename().string());
    const auto bytes = read_all(file);
    CHECK_THROWS_AS(fastblock::read_safetensors(std::as_bytes(std::span(bytes)), "fuzz"),
                    fastblock::error);
  }
}

TEST_CASE("fuzz regressions: bad .pth files throw io_error", "[io][fuzz]") {
  for (const auto& file : regressions("pth")) {
    INFO(file.filename().string());
    const auto bytes = read_all(file);
    CHECK_THROWS_AS(fastblock::load_pth(std::as_bytes(std::span(bytes)), "fuzz"), fastblock::error);
  }
}

// Finding load_learner-1 (fuzz/README.md): load_learner built the model the spec declares before
// checking it against the file's tensors, so these specs exhausted memory (or threw
// std::bad_alloc); now the architecture is checked against the file first.
TEST_CASE("fuzz regressions: a spec declaring a huge model is rejected before allocating",
          "[io][fuzz]") {
  const auto files = regressions("load_learner");
  REQUIRE_FALSE(files.empty());
  for (const auto& file : files) {
    INFO(file.filename().string());
    const auto bytes = read_all(file);
    const fs::path path = fs::temp_directory_path() / "fastblock_fuzz_regression.safetensors";
    fastblock::save_safetensors({}, path,
                                {{"format", "fastblock.learner"},
                                 {"fastblock.learner", std::string(bytes.begin(), bytes.end())}});
    CHECK_THROWS_AS(fastblock::load_learner(path), fastblock::io_error);
    fs::remove(path);
  }
}
