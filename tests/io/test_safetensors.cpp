// Tests for io/safetensors.hpp: files written by the reference implementation read back exactly,
// the writer reproduces them byte for byte, round trips, and every check on malformed files.
//
// tests/golden/safetensors/ holds files written by Hugging Face's safetensors 0.8 (its Rust core)
// through tests/golden/make_safetensors_fixture.py; basic_expected() below rebuilds the tensors
// of basic.safetensors by the same formulas, and convert_expected.safetensors holds PyTorch's own
// conversions of the tensors of convert.safetensors.
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "test_support.hpp"

#include <fastblock/io/safetensors.hpp>
#include <fastblock/tensor/factory.hpp>

#ifndef FASTBLOCK_TEST_DATA_DIR
#error "FASTBLOCK_TEST_DATA_DIR must name the tests/ directory"
#endif

namespace {

using namespace fastblock;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using fastblock_test::bytes_of;
using fastblock_test::error_of;
using fastblock_test::read_text;
using fastblock_test::TempDir;

fs::path golden(const char* name) {
  return fs::path(FASTBLOCK_TEST_DATA_DIR) / "golden" / "safetensors" / name;
}

std::string text_of(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

/// The elements of `t` as bytes, for bit-exact comparisons (NaN payloads, -0.0).
std::string raw(const Tensor& t) {
  const Tensor c = t.contiguous();
  const auto n = static_cast<std::size_t>(c.numel()) * itemsize(c.dtype());
  if (n == 0) return {};
  const auto* p = c.storage().data() + static_cast<std::size_t>(c.offset()) * itemsize(c.dtype());
  return {reinterpret_cast<const char*>(p), n};
}

/// Same dtype, same shape and the same bits.
bool identical(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && raw(a) == raw(b);
}

std::uint32_t bits(float f) { return std::bit_cast<std::uint32_t>(f); }

/// The 8-byte little-endian length field.
std::string length_field(std::uint64_t n) {
  std::string out(8, '\0');
  for (auto& c : out) {
    c = static_cast<char>(n & 0xFF);
    n >>= 8;
  }
  return out;
}

/// A file with `header` as its JSON and `data` as its data buffer.
std::string file_of(std::string_view header, std::string_view data = {}) {
  return length_field(header.size()) + std::string(header) + std::string(data);
}

/// The JSON of one tensor entry.
std::string entry(std::string_view dtype, std::string_view shape, std::uint64_t begin,
                  std::uint64_t end) {
  return "{\"dtype\":\"" + std::string(dtype) + "\",\"shape\":" + std::string(shape) +
         ",\"data_offsets\":[" + std::to_string(begin) + "," + std::to_string(end) + "]}";
}

// --- The tensors of make_safetensors_fixture.py's basic() ---------------------------------------

const std::string kWeirdName = "weird \"name\"\\\t\xE2\x9C\x93";

/// basic() in the reference's order: dtype alignment (I64, F32, U8, BOOL), then name.
std::vector<std::pair<std::string, Tensor>> basic_expected() {
  std::vector<float> weight;
  for (int i = 0; i < 6; ++i) weight.push_back(static_cast<float>(i - 2) * 0.375f);
  std::vector<std::uint8_t> image;
  for (int i = 0; i < 12; ++i) image.push_back(static_cast<std::uint8_t>((i * 37 + 5) % 256));
  const float inf = std::numeric_limits<float>::infinity();
  return {
      {"bn.num_batches_tracked", scalar_tensor<std::int64_t>(1234567890123)},
      {"labels", tensor<std::int64_t>({-1, 0, std::int64_t{1} << 40, -(std::int64_t{1} << 62)})},
      {"bn.running_mean", tensor<float>({0.5f, -1.25f, 1024.0078125f})},
      {"conv.weight", from_vector(std::span<const float>(weight), {2, 3})},
      {"empty", Tensor({0, 4}, float32)},
      {"scalar", scalar_tensor(3.5f)},
      {"special", tensor<float>({inf, -inf, std::bit_cast<float>(0x7FC00000u), -0.0f})},
      {kWeirdName, tensor<float>({7.0f})},
      {"image", from_vector(std::span<const std::uint8_t>(image), {2, 2, 3})},
      {"mask", tensor<bool>({true, false, false, true, true})},
  };
}

}  // namespace

TEST_CASE("safetensors: reads the reference implementation's file exactly", "[io]") {
  const SafetensorsFile file = read_safetensors(golden("basic.safetensors"));
  const auto expected = basic_expected();
  REQUIRE(file.tensors.size() == expected.size());
  std::size_t i = 0;
  for (const auto& [name, t] : file.tensors) {
    INFO(name);
    CHECK(name == expected[i].first);  // the order of the data, as offset_keys() gives it
    CHECK(t.dtype() == expected[i].second.dtype());
    CHECK(t.shape() == expected[i].second.shape());
    CHECK(identical(t, expected[i].second));
    ++i;
  }
  CHECK(file.metadata == std::map<std::string, std::string>{{"format", "pt"}});
  CHECK(file.tensors.at("bn.num_batches_tracked").dim() == 0);
  CHECK(file.tensors.at("bn.num_batches_tracked").item<std::int64_t>() == 1234567890123);
  CHECK(file.tensors.at("conv.weight").at<float>({1, 2}) == 1.125f);
  CHECK(file.tensors.at("empty").numel() == 0);

  // load_safetensors gives the same tensors, from a path or from memory.
  const std::string bytes = read_text(golden("basic.safetensors"));
  const StateDict from_memory = load_safetensors(bytes_of(bytes), "basic.safetensors");
  const StateDict from_path = load_safetensors(golden("basic.safetensors"));
  REQUIRE(from_memory.keys() == file.tensors.keys());
  REQUIRE(from_path.keys() == file.tensors.keys());
  for (const auto& [name, t] : file.tensors) {
    CHECK(identical(from_memory.at(name), t));
    CHECK(identical(from_path.at(name), t));
  }
  CHECK(load_safetensors(golden("empty.safetensors")).empty());
}

TEST_CASE("safetensors: writes the reference implementation's bytes", "[io]") {
  // The reference sorts by dtype alignment, then name; a StateDict in that order, with one
  // metadata entry, must come out byte for byte as the reference wrote it.
  const std::string reference = read_text(golden("basic.safetensors"));
  StateDict dict;
  for (auto& [name, t] : basic_expected()) dict.insert(name, t);
  const std::map<std::string, std::string> metadata{{"format", "pt"}};
  CHECK(text_of(to_safetensors_bytes(dict, metadata)) == reference);

  const SafetensorsFile loaded = read_safetensors(golden("basic.safetensors"));
  CHECK(text_of(to_safetensors_bytes(loaded.tensors, loaded.metadata)) == reference);

  TempDir tmp;
  save_safetensors(dict, tmp.path() / "basic.safetensors", metadata);
  CHECK(read_text(tmp.path() / "basic.safetensors") == reference);

  CHECK(text_of(to_safetensors_bytes(StateDict{})) == read_text(golden("empty.safetensors")));
}

TEST_CASE("safetensors: converts F16, BF16, F64 and I32 as PyTorch does", "[io]") {
  const SafetensorsFile file = read_safetensors(golden("convert.safetensors"));
  const StateDict expected = load_safetensors(golden("convert_expected.safetensors"));
  CHECK(file.tensors.keys() == std::vector<std::string>{"double", "int32", "int32_empty", "bfloat",
                                                        "half", "half_scalar"});
  CHECK(file.metadata == std::map<std::string, std::string>{{"note",
                                                             "\xC3\xBCn\xC3\xAF"
                                                             "c\xC3\xB6"
                                                             "d\xC3\xA9 \xE2\x9C\x93"}});
  for (const auto& [name, t] : file.tensors) {
    INFO(name);
    const Tensor& want = expected.at(name);
    REQUIRE(t.dtype() == want.dtype());
    REQUIRE(t.shape() == want.shape());
    if (name != "double") {
      CHECK(raw(t) == raw(want));  // bit for bit: subnormals, infinities, NaN payloads
      continue;
    }
    // A double NaN's payload is narrowed however the hardware does it; NaN is all that matters.
    const auto got = t.span<float>(), exp = want.span<float>();
    for (std::size_t i = 0; i < got.size(); ++i) {
      INFO("element " << i);
      if (std::isnan(exp[i]))
        CHECK(std::isnan(got[i]));
      else
        CHECK(bits(got[i]) == bits(exp[i]));
    }
  }
  CHECK(file.tensors.at("half").numel() == 264);
  CHECK(file.tensors.at("half_scalar").item<float>() == 1.5f);
  CHECK(file.tensors.at("int32").at<std::int64_t>({0}) == -2147483648LL);

  const std::string bytes = read_text(golden("convert.safetensors"));
  const StateDict from_memory = load_safetensors(bytes_of(bytes), "convert.safetensors");
  for (const auto& [name, t] : file.tensors) CHECK(identical(from_memory.at(name), t));
}

TEST_CASE("safetensors: conversions of hand-picked values", "[io]") {
  // F16: smallest subnormal, largest subnormal, one, largest finite, -inf, a signalling NaN
  // (comes out quiet), then BF16: smallest subnormal and a signalling NaN (kept, as in PyTorch).
  using namespace std::string_literals;  // the literals hold NUL bytes
  const std::string f16 = "\x01\x00\xFF\x03\x00\x3C\xFF\x7B\x00\xFC\x01\x7D"s;
  const std::string bf16 = "\x01\x00\x81\x7F"s;
  std::string f64;
  for (const double d : {1e300, -1e300, 1.0 + std::ldexp(1.0, -24), std::ldexp(1.0, -150),
                         3 * std::ldexp(1.0, -151)})
    for (int k = 0; k < 8; ++k)
      f64 += static_cast<char>((std::bit_cast<std::uint64_t>(d) >> (8 * k)) & 0xFF);
  const std::string i32 = "\xFF\xFF\xFF\xFF\x00\x00\x00\x80"s;
  const std::string header =
      "{\"a\":" + entry("F16", "[6]", 0, 12) + ",\"b\":" + entry("BF16", "[2]", 12, 16) +
      ",\"c\":" + entry("F64", "[5]", 16, 56) + ",\"d\":" + entry("I32", "[2]", 56, 64) + "}";
  const StateDict d = load_safetensors(bytes_of(file_of(header, f16 + bf16 + f64 + i32)), "mem");
  const auto a = d.at("a").span<float>();
  CHECK(bits(a[0]) == 0x33800000u);  // 2^-24
  CHECK(bits(a[1]) == 0x387FC000u);  // 1023 * 2^-24
  CHECK(a[2] == 1.0f);
  CHECK(a[3] == 65504.0f);
  CHECK(a[4] == -std::numeric_limits<float>::infinity());
  CHECK(bits(a[5]) == 0x7FE02000u);
  const auto b = d.at("b").span<float>();
  CHECK(bits(b[0]) == 0x00010000u);
  CHECK(bits(b[1]) == 0x7F810000u);
  const auto c = d.at("c").span<float>();
  CHECK(c[0] == std::numeric_limits<float>::infinity());
  CHECK(c[1] == -std::numeric_limits<float>::infinity());
  CHECK(c[2] == 1.0f);               // a tie rounds to even
  CHECK(bits(c[3]) == 0u);           // 2^-150 ties to 0
  CHECK(bits(c[4]) == 0x00000001u);  // 0.75 * 2^-149 rounds to 2^-149
  CHECK(d.at("d").dtype() == int64);
  CHECK(d.at("d").at<std::int64_t>({0}) == -1);
  CHECK(d.at("d").at<std::int64_t>({1}) == -2147483648LL);
}

TEST_CASE("safetensors: round-trips every dtype, 0-d and zero-size tensors, order and metadata",
          "[io]") {
  StateDict dict;
  dict.insert("z.weight", arange(12).to(float32).reshape({3, 4}));
  dict.insert("a.count", scalar_tensor<std::int64_t>(-7));
  dict.insert("m.pixels", arange(24).to(uint8).reshape({2, 3, 4}));
  dict.insert("flag", scalar_tensor(true));
  dict.insert("mask", tensor<bool>({false, true, true}));
  dict.insert("none", Tensor({0, 3}, float32));
  dict.insert("none.int", Tensor({2, 0, 5}, int64));
  dict.insert("transposed", arange(6).to(float32).reshape({2, 3}).t());  // not contiguous
  dict.insert("six.dims", arange(8).to(int64).reshape({1, 2, 1, 2, 1, 2}));
  dict.insert("", scalar_tensor(0.25f));  // an empty name is a name
  dict.insert("\xC3\xA9t\xC3\xA9 \"q\"\n", tensor<float>({-0.0f, 1e-45f}));
  const std::map<std::string, std::string> metadata{
      {"format", "pt"}, {"epoch", "3"}, {"note", "line\nbreak \xE2\x9C\x93"}, {"", ""}};

  TempDir tmp;
  const fs::path path = tmp.path() / "model.safetensors";
  save_safetensors(dict, path, metadata);
  const std::string written = read_text(path);
  CHECK(text_of(to_safetensors_bytes(dict, metadata)) == written);

  // The header is padded with spaces so that the data starts 8-byte aligned.
  std::uint64_t n = 0;
  for (int k = 7; k >= 0; --k) n = (n << 8) | static_cast<unsigned char>(written[k]);
  CHECK(n % 8 == 0);
  CHECK(written.substr(8, 16) == "{\"__metadata__\":");
  const std::string header = written.substr(8, n);
  CHECK(header.size() - header.find_last_of('}') <= 8);
  CHECK(header.find_last_not_of(' ') == header.find_last_of('}'));

  for (const SafetensorsFile& back :
       {read_safetensors(path), read_safetensors(bytes_of(written), "model.safetensors")}) {
    CHECK(back.tensors.keys() == dict.keys());
    CHECK(back.metadata == metadata);
    for (const auto& [name, t] : dict) {
      INFO(name);
      CHECK(identical(back.tensors.at(name), t));
    }
  }
  CHECK(load_safetensors(path).at("transposed").at<float>({2, 1}) == 5.0f);

  // An empty dictionary with metadata.
  save_safetensors(StateDict{}, path, {{"k", "v"}});
  const SafetensorsFile empty = read_safetensors(path);
  CHECK(empty.tensors.empty());
  CHECK(empty.metadata.at("k") == "v");
}

TEST_CASE("safetensors: a BOOL byte other than 0 reads as true", "[io]") {
  const std::string file =
      file_of("{\"b\":" + entry("BOOL", "[4]", 0, 4) + "}", std::string("\x00\x01\x02\xFF", 4));
  TempDir tmp;
  for (const StateDict& d : {load_safetensors(bytes_of(file), "mem"),
                             load_safetensors(tmp.write("bool.safetensors", file))}) {
    const Tensor& t = d.at("b");
    CHECK(raw(t) == std::string("\x00\x01\x01\x01", 4));
    CHECK(t.at<bool>({0}) == false);
    CHECK(t.at<bool>({3}) == true);
  }
}

TEST_CASE("safetensors: an unsupported dtype names the tensor and the dtype", "[io]") {
  const std::string msg =
      error_of<io_error>([] { (void)load_safetensors(golden("int8.safetensors")); });
  CHECK_THAT(msg, Contains("int8.safetensors") && Contains("'quantized'") && Contains("'I8'"));
}

TEST_CASE("safetensors: unreadable paths", "[io]") {
  TempDir tmp;
  const fs::path missing = tmp.path() / "missing.safetensors";
  CHECK_THAT(error_of<io_error>([&] { (void)load_safetensors(missing); }),
             Contains(missing.string()));
  CHECK_THAT(error_of<io_error>([&] { (void)load_safetensors(tmp.path()); }),
             Contains(tmp.path().string()));
  const fs::path nowhere = tmp.path() / "no" / "such" / "dir.safetensors";
  CHECK_THAT(error_of<io_error>([&] { save_safetensors(StateDict{}, nowhere); }),
             Contains(nowhere.string()));
}

TEST_CASE("safetensors: the writer rejects what the format cannot hold", "[io]") {
  StateDict reserved;
  reserved.insert("__metadata__", scalar_tensor(1.0f));
  CHECK_THAT(error_of<value_error>([&] { (void)to_safetensors_bytes(reserved); }),
             Contains("__metadata__"));
  StateDict bad_name;
  bad_name.insert("w\xFF", scalar_tensor(1.0f));
  CHECK_THAT(error_of<value_error>([&] { (void)to_safetensors_bytes(bad_name); }),
             Contains("UTF-8"));
  CHECK_THAT(error_of<value_error>([] {
               (void)to_safetensors_bytes({}, {{"k\xC0\xAF", "v"}});
             }),
             Contains("metadata key"));
  CHECK_THAT(error_of<value_error>([] {
               (void)to_safetensors_bytes({}, {{"k", "\xED\xA0\x80"}});
             }),
             Contains("metadata value of 'k'"));
}

namespace {

/// A malformed file and what its error message must say (besides the file's name).
struct Malformed {
  const char* what;
  std::string bytes;
  std::vector<std::string> says;
};

std::string repeat(std::string_view text, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += text;
  return out;
}

std::vector<Malformed> malformed_files() {
  const auto one = [](std::string_view info) { return "{\"w\":" + std::string(info) + "}"; };
  const std::string f32x2 = entry("F32", "[2]", 0, 8);
  const std::string eight(8, '\0');
  const std::string seven_dims = entry("F32", "[1,1,1,1,1,1,1]", 0, 4);
  return {
      {"empty file", "", {"has 0 bytes", "8-byte header length"}},
      {"5 bytes", "\x01\x02\x03\x04\x05", {"has 5 bytes"}},
      {"absurd header length",
       length_field(std::uint64_t{1} << 63) + "{}",
       {"9223372036854775808", "limit of 100000000"}},
      {"largest header length",
       length_field(~std::uint64_t{0}) + "{}",
       {"18446744073709551615", "limit"}},
      {"header length past the end",
       length_field(100) + "{\"w\":{}}",
       {"says 100 bytes", "only 8 bytes follow"}},
      {"empty header", length_field(0), {"starting with '{'", "an empty header"}},
      {"header is an array", file_of("[1, 2]"), {"starting with '{'", "byte 0x5b"}},
      {"leading whitespace", file_of(" {}"), {"starting with '{'", "byte 0x20"}},
      {"truncated JSON", file_of("{\"w\": "), {"not valid JSON"}},
      {"trailing comma", file_of("{\"w\":" + f32x2 + ",}", eight), {"not valid JSON"}},
      {"text after the object", file_of("{} x"), {"not valid JSON"}},
      {"NUL padding", file_of(std::string("{}\0\0", 4)), {"NUL byte at header offset 2"}},
      {"NUL then text", file_of(std::string("{}\0\"garbage", 11)), {"NUL byte at header offset 2"}},
      {"lone surrogate escape", file_of("{\"\\ud800\":" + f32x2 + "}", eight), {"not valid JSON"}},
      {"invalid byte in a name",
       file_of("{\"w\xFFx\":" + f32x2 + "}", eight),
       {"not valid UTF-8", "byte 0xff", "header offset 3", "after \"{\"w\""}},
      {"overlong encoding",
       file_of("{\"\xC0\xAF\":" + f32x2 + "}", eight),
       {"not valid UTF-8", "byte 0xc0"}},
      {"encoded surrogate",
       file_of("{\"a\xED\xA0\x80\":" + f32x2 + "}", eight),
       {"not valid UTF-8", "byte 0xed"}},
      {"above U+10FFFF",
       file_of("{\"\xF4\x90\x80\x80\":" + f32x2 + "}", eight),
       {"not valid UTF-8", "byte 0xf4"}},
      {"cut multi-byte sequence",
       file_of("{\"\xE2\x9C\":" + f32x2 + "}", eight),
       {"not valid UTF-8", "byte 0xe2"}},
      {"invalid metadata value",
       file_of("{\"__metadata__\":{\"k\":\"\x80\"}}"),
       {"not valid UTF-8", "byte 0x80", "__metadata__"}},
      {"entry not an object", file_of("{\"w\":5}"), {"tensor 'w'", "expected an object", "5"}},
      {"deeply nested entry",
       file_of("{\"w\":" + std::string(100000, '[') + std::string(100000, ']') + "}"),
       {"tensor 'w'", "found an array of 1 element"}},
      {"deeply nested objects",
       file_of("{\"w\":" + repeat("{\"a\":", 100000) + "1" + std::string(100000, '}') + "}"),
       {"tensor 'w'", "\"dtype\" is missing"}},
      {"very long name",
       file_of("{\"" + std::string(1000, 'n') + "\":" + entry("X", "[]", 0, 0) + "}"),
       {"tensor 'nnnnnnnnnn", "...' (1000 bytes)", "dtype 'X'"}},
      {"missing dtype",
       file_of(one("{\"shape\":[2],\"data_offsets\":[0,8]}"), eight),
       {"tensor 'w'", "\"dtype\" is missing"}},
      {"missing shape",
       file_of(one("{\"dtype\":\"F32\",\"data_offsets\":[0,8]}"), eight),
       {"tensor 'w'", "\"shape\" is missing"}},
      {"missing data_offsets",
       file_of(one("{\"dtype\":\"F32\",\"shape\":[2]}"), eight),
       {"tensor 'w'", "\"data_offsets\" is missing"}},
      {"dtype not a string",
       file_of(one(entry("F32", "[2]", 0, 8)).replace(14, 5, "32"), eight),
       {"tensor 'w'", "\"dtype\" is 32", "expected a string"}},
      {"unknown dtype",
       file_of(one(entry("F33", "[2]", 0, 8)), eight),
       {"tensor 'w'", "dtype 'F33'", "F32, I64, U8 and BOOL"}},
      {"unsupported dtype",
       file_of(one(entry("U16", "[4]", 0, 8)), eight),
       {"tensor 'w'", "dtype 'U16'"}},
      {"shape not an array",
       file_of(one(entry("F32", "\"2\"", 0, 8)), eight),
       {"tensor 'w'", "\"shape\" is \"2\"", "array of non-negative integers"}},
      {"negative extent",
       file_of(one(entry("F32", "[2,-1]", 0, 8)), eight),
       {"tensor 'w'", "shape entry 1 is -1", "non-negative integer"}},
      {"fractional extent",
       file_of(one(entry("F32", "[2.5]", 0, 8)), eight),
       {"tensor 'w'", "shape entry 0 is 2.5"}},
      {"integral float extent",
       file_of(one(entry("F32", "[2.0]", 0, 8)), eight),
       {"tensor 'w'", "shape entry 0 is 2.0"}},
      {"exponent extent",
       file_of(one(entry("F32", "[2e0]", 0, 8)), eight),
       {"tensor 'w'", "shape entry 0 is 2.0"}},
      {"string extent",
       file_of(one(entry("F32", "[\"2\"]", 0, 8)), eight),
       {"tensor 'w'", "shape entry 0 is \"2\""}},
      {"extent beyond int64",
       file_of(one(entry("F32", "[9223372036854775808]", 0, 8)), eight),
       {"tensor 'w'", "shape entry 0 is 9223372036854775808", "below 2^63"}},
      {"extent beyond uint64",
       file_of(one(entry("F32", "[18446744073709551616]", 0, 8)), eight),
       {"tensor 'w'", "shape entry 0"}},
      {"seven dimensions",
       file_of(one(seven_dims), std::string(4, '\0')),
       {"tensor 'w'", "[1, 1, 1, 1, 1, 1, 1]", "7 dimensions", "at most 6"}},
      {"numel overflows",
       file_of(one(entry("F32", "[4294967296,4294967296]", 0, 8)), eight),
       {"tensor 'w'", "[4294967296, 4294967296]", "overflows"}},
      {"byte size overflows",
       file_of(one(entry("I64", "[2305843009213693952,2]", 0, 8)), eight),
       {"tensor 'w'", "more than 2^64 bytes"}},
      {"zero-size with huge extents",
       file_of(one(entry("F32", "[0,4611686018427387904,4]", 0, 0))),
       {"tensor 'w'", "[0, 4611686018427387904, 4]", "overflows"}},
      {"data_offsets not an array",
       file_of(one("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":8}"), eight),
       {"tensor 'w'", "\"data_offsets\" is 8", "[begin, end]"}},
      {"three data_offsets",
       file_of(one("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}"), eight),
       {"tensor 'w'", "\"data_offsets\" is [0, 4, 8]"}},
      {"negative offset",
       file_of(one("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}"), eight),
       {"tensor 'w'", "[-8, 0]"}},
      {"fractional offset",
       file_of(one("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.0]}"), eight),
       {"tensor 'w'", "[0, 8.0]"}},
      {"begin after end",
       file_of(one(entry("F32", "[2]", 8, 0)), eight),
       {"tensor 'w'", "data_offsets [8, 0]", "begin <= end"}},
      {"offsets past the data",
       file_of(one(entry("F32", "[2]", 0, 8)), std::string(6, '\0')),
       {"tensor 'w'", "data_offsets [0, 8]", "holds 6 bytes", "truncated"}},
      {"offsets far past the data",
       file_of(one(entry("F32", "[2]", 18446744073709551607ULL, 18446744073709551615ULL)), eight),
       {"tensor 'w'", "18446744073709551615", "holds 8 bytes"}},
      {"size does not match the shape",
       file_of(one(entry("F32", "[2,3]", 0, 20)), "01234567890123456789"),
       {"tensor 'w'", "span 20 bytes", "F32 data of shape [2, 3] takes 24 bytes"}},
      {"0-d size mismatch",
       file_of(one(entry("I64", "[]", 0, 4)), "0123"),
       {"tensor 'w'", "I64 data of shape [] takes 8 bytes"}},
      {"overlapping tensors",
       file_of("{\"a\":" + entry("F32", "[2]", 0, 8) + ",\"b\":" + entry("F32", "[2]", 4, 12) + "}",
               std::string(12, '\0')),
       {"'a' (data_offsets [0, 8])", "'b' (data_offsets [4, 12])", "overlap"}},
      {"the same bytes twice",
       file_of("{\"a\":" + f32x2 + ",\"b\":" + f32x2 + "}", eight),
       {"'a'", "'b'", "overlap"}},
      {"gap between tensors",
       file_of("{\"a\":" + entry("F32", "[1]", 0, 4) + ",\"b\":" + entry("F32", "[1]", 8, 12) + "}",
               std::string(12, '\0')),
       {"bytes [4, 8)", "between 'a' and 'b'", "cover the data buffer exactly"}},
      {"gap at the start",
       file_of(one(entry("F32", "[1]", 4, 8)), eight),
       {"bytes [0, 4)", "before 'w'"}},
      {"unused bytes at the end",
       file_of(one(entry("F32", "[1]", 0, 4)), eight),
       {"bytes [4, 8) at the end", "belong to no tensor"}},
      {"data without tensors", file_of("{}", eight), {"bytes [0, 8) at the end"}},
      {"duplicate name",
       file_of("{\"w\":" + entry("F32", "[1]", 0, 4) + ",\"w\":" + entry("F32", "[1]", 4, 8) + "}",
               eight),
       {"names 'w' twice", "unique"}},
      {"duplicate field",
       file_of(one("{\"dtype\":\"F32\",\"shape\":[2],\"dtype\":\"F32\",\"data_offsets\":[0,8]}"),
               eight),
       {"tensor 'w'", "the field 'dtype' appears twice"}},
      {"duplicate metadata key",
       file_of("{\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}}"),
       {"__metadata__ has the key 'k' twice"}},
      {"metadata not an object",
       file_of("{\"__metadata__\":\"pt\"}"),
       {"__metadata__ is \"pt\"", "object of strings"}},
      {"metadata value a number",
       file_of("{\"__metadata__\":{\"epoch\":3}}"),
       {"__metadata__ entry 'epoch' is 3", "must be strings"}},
      {"metadata value an object",
       file_of("{\"__metadata__\":{\"k\":{\"a\":\"b\"}}}"),
       {"__metadata__ entry 'k' is an object of 1 field;"}},
  };
}

}  // namespace

TEST_CASE("safetensors: malformed files throw io_error naming the file and the problem", "[io]") {
  TempDir tmp;
  int index = 0;
  for (const Malformed& m : malformed_files()) {
    INFO(m.what);
    const std::string name = "case" + std::to_string(index++) + ".safetensors";
    const fs::path path = tmp.write(name, m.bytes);
    const std::string from_path = error_of<io_error>([&] { (void)load_safetensors(path); });
    const std::string from_memory =
        error_of<io_error>([&] { (void)load_safetensors(bytes_of(m.bytes), name); });
    INFO(from_path);
    CHECK_THAT(from_path, Contains("'" + path.string() + "'"));
    CHECK_THAT(from_memory, Contains("'" + name + "'"));
    for (const std::string& s : m.says) {
      CHECK_THAT(from_path, Contains(s));
      CHECK_THAT(from_memory, Contains(s));
    }
  }
  // Allowed, as the reference allows them: null metadata, extra fields, zero-size tensors sharing
  // an offset, and no tensors at all.
  const std::string ok = file_of(
      "{\"__metadata__\":null,\"a\":" + entry("F32", "[0]", 0, 0).insert(1, "\"extra\":[1],") +
      ",\"b\":" + entry("U8", "[2,0]", 0, 0) + "}");
  const StateDict d = load_safetensors(bytes_of(ok), "ok");
  CHECK(d.keys() == std::vector<std::string>{"a", "b"});
  CHECK(load_safetensors(bytes_of(file_of("{}")), "none").empty());
}

TEST_CASE("safetensors: every truncation and many corruptions fail cleanly", "[io]") {
  const std::string good = read_text(golden("basic.safetensors"));
  // Every proper prefix is missing something the header promised.
  for (std::size_t n = 0; n < good.size(); ++n) {
    INFO("first " << n << " bytes");
    (void)error_of<io_error>(
        [&] { (void)load_safetensors(bytes_of(std::string_view(good).substr(0, n)), "cut"); });
  }
  // Single-byte corruptions of the length field and the header either still describe a valid file
  // or throw io_error; nothing else may escape, and (under the sanitizers) nothing is read out of
  // bounds.
  std::uint64_t n = 0;
  for (int k = 7; k >= 0; --k) n = (n << 8) | static_cast<unsigned char>(good[k]);
  int loaded = 0, rejected = 0;
  for (std::size_t pos = 0; pos < 8 + n; ++pos) {
    for (const char c : std::string_view("\x00 \",09:[]{}-.e\x80\xC3\xFF", 18)) {
      if (good[pos] == c) continue;
      std::string bad = good;
      bad[pos] = c;
      try {
        (void)load_safetensors(bytes_of(bad), "corrupt");
        ++loaded;
      } catch (const io_error&) {
        ++rejected;
      }
    }
  }
  CHECK(rejected > 0);
  CHECK(loaded > 0);  // e.g. a changed letter in a name
}
