// Tests for io/pth.hpp and io/zip_reader.hpp: PyTorch's own checkpoints read back value for
// value, and malicious or malformed files refused with an io_error that says what was wrong.
//
// tests/golden/pth/*.pth were written by torch.save (PyTorch 1.13) and expected.txt holds their
// values as PyTorch reads them, both made by tests/golden/make_pth_fixture.py. Hostile files are
// built here: a small ZIP writer and pickle assembler, independent of the code under test, make a
// valid checkpoint, then each case changes one thing.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "test_support.hpp"

#include <fastblock/io/pth.hpp>
#include <fastblock/io/zip_reader.hpp>

#ifndef FASTBLOCK_TEST_DATA_DIR
#error "FASTBLOCK_TEST_DATA_DIR must name the tests/ directory"
#endif

namespace {

using namespace fastblock;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using fastblock_test::bytes_of;
using fastblock_test::read_text;
using fastblock_test::TempDir;

fs::path fixture(const std::string& name) {
  return fs::path(FASTBLOCK_TEST_DATA_DIR) / "golden" / "pth" / name;
}

/// The message of the io_error that loading `file` throws; fails the test on success or on any
/// other exception, since every malformed input must be reported as an io_error.
std::string load_error(std::string_view file, std::string_view name = "bad.pth") {
  try {
    (void)load_pth(bytes_of(file), name);
  } catch (const io_error& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("expected io_error, got another exception: " << e.what());
  }
  FAIL("expected io_error, but the file loaded");
  return {};
}

// --- expected values (tests/golden/pth/expected.txt) -------------------------------------------

struct Expected {
  std::string file, name, dtype;
  std::vector<std::int64_t> shape;
  std::vector<std::string> values;  // one per element, runs expanded
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

std::vector<Expected> expected_values() {
  std::vector<Expected> out;
  std::istringstream in(read_text(fixture("expected.txt")));
  std::string line;
  while (std::getline(in, line)) {
    const auto fields = split(line, '\t');
    REQUIRE(fields.size() == 5);
    Expected e{fields[0], fields[1], fields[2], {}, {}};
    if (!fields[3].empty())
      for (const auto& d : split(fields[3], ',')) e.shape.push_back(std::stoll(d));
    for (const auto& v : split(fields[4], ' ')) {
      const auto star = v.find('*');
      const std::size_t n = star == std::string::npos ? 1 : std::stoul(v.substr(star + 1));
      e.values.insert(e.values.end(), n, v.substr(0, star));
    }
    out.push_back(std::move(e));
  }
  return out;
}

/// Compares every element of `t` with PyTorch's values: floats bit for bit (NaN as NaN), zeros
/// with their sign. Reports the first few differences only; a tensor may have 210,000 elements.
void check_values(const Tensor& t, const Expected& e) {
  INFO(e.file << " " << e.name);
  REQUIRE(std::string(dtype_name(t.dtype())) == e.dtype);
  REQUIRE(t.shape() == Shape(std::span<const std::int64_t>(e.shape)));
  REQUIRE(t.is_contiguous());
  REQUIRE(static_cast<std::size_t>(t.numel()) == e.values.size());
  int failures = 0;
  for (std::size_t i = 0; i < e.values.size() && failures < 5; ++i) {
    const char* v = e.values[i].c_str();
    std::string got;
    bool same = false;
    switch (t.dtype()) {
      case Dtype::Float32: {
        const float want = static_cast<float>(std::strtod(v, nullptr));
        const float x = t.data<float>()[i];
        same =
            std::isnan(want) ? std::isnan(x) : x == want && std::signbit(x) == std::signbit(want);
        got = std::to_string(x);
        break;
      }
      case Dtype::Int64:
        same = t.data<std::int64_t>()[i] == std::strtoll(v, nullptr, 10);
        got = std::to_string(t.data<std::int64_t>()[i]);
        break;
      case Dtype::UInt8:
        same = t.data<std::uint8_t>()[i] == std::strtoul(v, nullptr, 10);
        got = std::to_string(t.data<std::uint8_t>()[i]);
        break;
      case Dtype::Bool:
        same = t.data<bool>()[i] == (std::string_view(v) == "1");
        got = t.data<bool>()[i] ? "1" : "0";
        break;
    }
    if (!same) {
      ++failures;
      FAIL_CHECK("element " << i << " is " << got << ", PyTorch has " << e.values[i]);
    }
  }
}

// --- a ZIP writer and a pickle assembler for hand-made checkpoints -----------------------------

/// Bitwise CRC-32, written independently of zip_crc32's table-driven one.
std::uint32_t reference_crc32(std::string_view data) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (const char ch : data) {
    c ^= static_cast<unsigned char>(ch);
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

void put(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

struct ZipFile {
  ZipFile(std::string n, std::string d, std::uint16_t m = 0, std::optional<std::uint32_t> c = {})
      : name(std::move(n)), data(std::move(d)), method(m), crc(c) {}
  std::string name;
  std::string data;
  std::uint16_t method;
  std::optional<std::uint32_t> crc;  // the right one unless set
};

/// A ZIP archive of `files` in the layout torch.save writes; `zip64` writes the zip64 form
/// (saturated fields, zip64 extra fields, zip64 end record and locator).
std::string make_zip(const std::vector<ZipFile>& files, bool zip64 = false) {
  std::string out, central;
  for (const auto& f : files) {
    const std::uint64_t local = out.size();
    const std::uint32_t crc = f.crc.value_or(reference_crc32(f.data));
    put(out, 0x04034b50, 4);
    put(out, 20, 2);
    put(out, 0, 2);
    put(out, f.method, 2);
    put(out, 0, 4);  // time, date
    put(out, crc, 4);
    put(out, zip64 ? 0xFFFFFFFFu : f.data.size(), 4);
    put(out, zip64 ? 0xFFFFFFFFu : f.data.size(), 4);
    put(out, f.name.size(), 2);
    put(out, zip64 ? 20 : 0, 2);
    out += f.name;
    if (zip64) {
      put(out, 1, 2);
      put(out, 16, 2);
      put(out, f.data.size(), 8);
      put(out, f.data.size(), 8);
    }
    out += f.data;

    put(central, 0x02014b50, 4);
    put(central, 45, 2);
    put(central, 45, 2);
    put(central, 0, 2);
    put(central, f.method, 2);
    put(central, 0, 4);
    put(central, crc, 4);
    put(central, zip64 ? 0xFFFFFFFFu : f.data.size(), 4);
    put(central, zip64 ? 0xFFFFFFFFu : f.data.size(), 4);
    put(central, f.name.size(), 2);
    put(central, zip64 ? 28 : 0, 2);
    put(central, 0, 2);  // comment
    put(central, 0, 2);  // disk
    put(central, 0, 2);
    put(central, 0, 4);
    put(central, zip64 ? 0xFFFFFFFFu : local, 4);
    central += f.name;
    if (zip64) {
      put(central, 1, 2);
      put(central, 24, 2);
      put(central, f.data.size(), 8);
      put(central, f.data.size(), 8);
      put(central, local, 8);
    }
  }
  const std::uint64_t cd_offset = out.size();
  out += central;
  if (zip64) {
    const std::uint64_t record = out.size();
    put(out, 0x06064b50, 4);
    put(out, 44, 8);
    put(out, 45, 2);
    put(out, 45, 2);
    put(out, 0, 4);
    put(out, 0, 4);
    put(out, files.size(), 8);
    put(out, files.size(), 8);
    put(out, central.size(), 8);
    put(out, cd_offset, 8);
    put(out, 0x07064b50, 4);
    put(out, 0, 4);
    put(out, record, 8);
    put(out, 1, 4);
  }
  put(out, 0x06054b50, 4);
  put(out, 0, 2);
  put(out, 0, 2);
  put(out, zip64 ? 0xFFFF : files.size(), 2);
  put(out, zip64 ? 0xFFFF : files.size(), 2);
  put(out, zip64 ? 0xFFFFFFFFu : central.size(), 4);
  put(out, zip64 ? 0xFFFFFFFFu : cd_offset, 4);
  put(out, 0, 2);
  return out;
}

/// Pickle opcodes, assembled as Python's pickle module writes them (protocol 2).
struct Pickle {
  std::string b;
  Pickle& op(char c) {
    b += c;
    return *this;
  }
  Pickle& raw(std::string_view s) {
    b += s;
    return *this;
  }
  Pickle& proto(int v = 2) { return op('\x80').op(static_cast<char>(v)); }
  Pickle& global(std::string_view module, std::string_view name) {
    return op('c').raw(module).op('\n').raw(name).op('\n');
  }
  Pickle& str(std::string_view s) {
    op('X');
    put(b, s.size(), 4);
    return raw(s);
  }
  Pickle& integer(std::int64_t v) {
    if (v >= INT32_MIN && v <= INT32_MAX) {
      op('J');
      put(b, static_cast<std::uint32_t>(v), 4);
    } else {
      op('\x8a').op(8);
      put(b, static_cast<std::uint64_t>(v), 8);
    }
    return *this;
  }
  Pickle& ints(std::initializer_list<std::int64_t> vs) {
    op('(');
    for (const auto v : vs) integer(v);
    return op('t');
  }
  Pickle& ordered_dict() { return global("collections", "OrderedDict").op(')').op('R'); }
  /// _rebuild_tensor_v2(persistent storage, offset, size, stride, False, OrderedDict())
  Pickle& tensor(std::string_view storage_type, std::string_view key, std::int64_t numel,
                 std::int64_t offset, std::initializer_list<std::int64_t> size,
                 std::initializer_list<std::int64_t> stride) {
    global("torch._utils", "_rebuild_tensor_v2").op('(');
    op('(').str("storage").global("torch", storage_type).str(key).str("cpu").integer(numel);
    op('t').op('Q');
    integer(offset).ints(size).ints(stride).op('\x89').ordered_dict();
    return op('t').op('R');
  }
};

std::string floats(std::initializer_list<float> vs) {
  std::string out;
  for (const float v : vs) {
    std::uint32_t bits;
    std::memcpy(&bits, &v, 4);
    put(out, bits, 4);
  }
  return out;
}

/// {"w": 2x2 float32 [[1, 2], [3, 4]] viewed transposed} as data.pkl.
std::string valid_pickle() {
  Pickle p;
  p.proto().ordered_dict().op('(').str("w").tensor("FloatStorage", "0", 4, 0, {2, 2}, {1, 2});
  return p.op('u').op('.').b;
}

/// A checkpoint holding `pickle` and storage "0" (four floats 1, 2, 3, 4).
std::string checkpoint(const std::string& pickle, bool zip64 = false,
                       std::vector<ZipFile> extra = {}) {
  std::vector<ZipFile> files{{"archive/data.pkl", pickle},
                             {"archive/data/0", floats({1, 2, 3, 4})},
                             {"archive/version", "3\n"}};
  files.insert(files.end(), extra.begin(), extra.end());
  return make_zip(files, zip64);
}

std::string with_tensor(std::string_view type, std::string_view key, std::int64_t numel,
                        std::int64_t offset, std::initializer_list<std::int64_t> size,
                        std::initializer_list<std::int64_t> stride) {
  Pickle p;
  p.proto().ordered_dict().op('(').str("w").tensor(type, key, numel, offset, size, stride);
  return p.op('u').op('.').b;
}

}  // namespace

TEST_CASE("pth: every tensor of PyTorch's own checkpoints matches PyTorch's values", "[io]") {
  const auto expected = expected_values();
  std::map<std::string, StateDict> loaded;
  std::map<std::string, std::size_t> seen;
  for (const auto& e : expected) {
    if (!loaded.count(e.file)) loaded.emplace(e.file, load_pth(fixture(e.file)));
    const StateDict& sd = loaded.at(e.file);
    const std::size_t index = seen[e.file]++;
    REQUIRE(index < sd.size());
    const auto& [name, tensor] = *(sd.begin() + static_cast<std::ptrdiff_t>(index));
    CHECK(name == e.name);  // the file's order
    check_values(tensor, e);
  }
  CHECK(loaded.size() == 5);
  for (const auto& [file, sd] : loaded) CHECK(sd.size() == seen[file]);
}

TEST_CASE("pth: a Conv2d/BatchNorm2d/Linear state_dict keeps its names, shapes and dtypes",
          "[io]") {
  const StateDict sd = load_pth(fixture("small.pth"));
  CHECK(sd.keys() == std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias",
                                              "1.running_mean", "1.running_var",
                                              "1.num_batches_tracked", "3.weight", "3.bias"});
  CHECK(sd.at("0.weight").shape() == Shape{4, 3, 3, 3});
  const Tensor& tracked = sd.at("1.num_batches_tracked");
  CHECK(tracked.dim() == 0);
  CHECK(tracked.dtype() == int64);
  CHECK(tracked.item<std::int64_t>() == 2);
}

TEST_CASE("pth: views of one storage load as separate contiguous tensors", "[io]") {
  const StateDict sd = load_pth(fixture("views.pth"));
  const Tensor& base = sd.at("base");
  for (const auto& [name, t] : sd) {
    INFO(name);
    CHECK(t.is_contiguous());
    if (name != "base") CHECK_FALSE(t.shares_storage(base));
  }
  CHECK(sd.at("transposed").at<float>({1, 0}) == base.at<float>({0, 1}));
  CHECK(sd.at("slice").at<float>({1, 2}) == base.at<float>({2, 4}));
  // Nested dicts flatten to dotted names.
  CHECK(sd.contains("nested.inner.w"));
  CHECK(sd.at("nested.b").item<std::int64_t>() == -9);
}

TEST_CASE("pth: the span overload reads the same bytes and names its source in errors", "[io]") {
  const std::string file = read_text(fixture("small.pth"));
  const StateDict a = load_pth(fixture("small.pth"));
  const StateDict b = load_pth(bytes_of(file), "small.pth");
  REQUIRE(a.keys() == b.keys());
  for (const auto& [name, t] : a) CHECK((b.at(name) == t).all());
  CHECK_THAT(load_error(file.substr(0, 100), "my-weights.pth"), Contains("'my-weights.pth'"));
}

TEST_CASE("pth: a hand-built checkpoint loads, in the plain and the zip64 form", "[io]") {
  for (const bool zip64 : {false, true}) {
    INFO("zip64 " << zip64);
    const std::string file = checkpoint(valid_pickle(), zip64);
    const StateDict sd = load_pth(bytes_of(file), "hand.pth");
    REQUIRE(sd.keys() == std::vector<std::string>{"w"});
    const Tensor& w = sd.at("w");
    CHECK(w.shape() == Shape{2, 2});
    CHECK(w.data<float>()[0] == 1);
    CHECK(w.data<float>()[1] == 3);  // strides (1, 2): the transpose of [[1, 2], [3, 4]]
    CHECK(w.data<float>()[2] == 2);
    CHECK(w.data<float>()[3] == 4);
  }
  // byteorder "little", `.data/version`, LONG1, BINFLOAT and _rebuild_parameter are accepted.
  Pickle p;
  p.proto().ordered_dict().op('(').str("p");
  p.global("torch._utils", "_rebuild_parameter").op('(');
  p.tensor("FloatStorage", "0", 4, 0, {}, {}).op('\x88').ordered_dict().op('t').op('R');
  p.str("q").global("torch._utils", "_rebuild_tensor_v2").op('(');
  p.op('(').str("storage").global("torch", "FloatStorage").str("0").str("cpu").integer(4);
  p.op('t').op('Q').op('\x8a').op(1).op(3).op(')').op(')').op('\x89').ordered_dict().op('t');
  p.op('R').op('u');
  p.op('}').str("_metadata").op('}').str("x").op('G').raw(std::string("\x3f\xf0\0\0\0\0\0\0", 8));
  p.op('s').op('s').op('b').op('.');
  const std::vector<ZipFile> files{{"a/data.pkl", p.b},
                                   {"a/data/0", floats({1, 2, 3, 4})},
                                   {"a/byteorder", "little"},
                                   {"a/.data/version", "3\n"}};
  const StateDict sd = load_pth(bytes_of(make_zip(files)), "hand.pth");
  CHECK(sd.at("p").item<float>() == 1);
  CHECK(sd.at("q").item<float>() == 4);
}

TEST_CASE("pth: pickles that would run code or use unknown opcodes are refused", "[io]") {
  SECTION("GLOBAL os system") {
    Pickle p;
    p.proto().global("os", "system").str("echo pwned").op('\x85').op('R').op('.');
    const auto msg = load_error(checkpoint(p.b));
    CHECK_THAT(msg, Contains("refusing opcode 'c' GLOBAL os system"));
    CHECK_THAT(msg, Contains("byte 2"));
    CHECK_THAT(msg, Contains("archive/data.pkl"));
  }
  SECTION("STACK_GLOBAL builtins eval") {
    Pickle p;
    p.proto(4).op('\x8c').op(8).raw("builtins").op('\x8c').op(4).raw("eval").op('\x93');
    CHECK_THAT(load_error(checkpoint(p.b)),
               Contains("refusing opcode '\\x93' STACK_GLOBAL builtins eval"));
  }
  SECTION("a torch global outside the whitelist") {
    Pickle p;
    p.proto().global("torch", "load").op('.');
    CHECK_THAT(load_error(checkpoint(p.b)), Contains("GLOBAL torch load"));
  }
  SECTION("INST, OBJ and NEWOBJ") {
    CHECK_THAT(load_error(checkpoint("\x80\x02(ios\nsystem\n.")), Contains("refusing 'i' INST"));
    CHECK_THAT(load_error(checkpoint("\x80\x02(o.")), Contains("refusing 'o' OBJ"));
    CHECK_THAT(load_error(checkpoint("\x80\x02\x81.")), Contains("'\\x81' NEWOBJ"));
  }
  SECTION("an unknown opcode") {
    const auto msg = load_error(checkpoint("\x80\x02}\xff."));
    CHECK_THAT(msg, Contains("unknown opcode '\\xff'"));
    CHECK_THAT(msg, Contains("byte 3"));
  }
  SECTION("calling a storage class") {
    Pickle p;
    p.proto().global("torch", "FloatStorage").op(')').op('R').op('.');
    CHECK_THAT(load_error(checkpoint(p.b)), Contains("refusing to call torch.FloatStorage"));
  }
  SECTION("an unsupported protocol") {
    CHECK_THAT(load_error(checkpoint("\x80\x07}.")), Contains("pickle protocol 7"));
  }
}

TEST_CASE("pth: malformed pickles are reported with what was expected", "[io]") {
  const auto err = [](const std::string& pickle) { return load_error(checkpoint(pickle)); };
  CHECK_THAT(err("\x80\x02}"), Contains("ends without a STOP"));
  CHECK_THAT(err("\x80\x02X\xff\xff\xff\x7f"), Contains("needs 2147483647 bytes where 0 are left"));
  CHECK_THAT(err("\x80\x02h\x05."), Contains("BINGET 5 names no memo entry"));
  CHECK_THAT(err("\x80\x02R."), Contains("REDUCE needs a value, but the stack is empty"));
  CHECK_THAT(err("\x80\x02}(s."), Contains("SETITEM needs a value"));  // not below the MARK
  CHECK_THAT(err("\x80\x02t."), Contains("needs a MARK"));
  CHECK_THAT(err("\x80\x02}}."), Contains("STOP leaves 2 values"));
  CHECK_THAT(err("\x80\x02]."), Contains("the pickled object is a list"));
  CHECK_THAT(err(std::string("\x80\x02\x8a\x09", 4) + std::string(9, '\1') + "."),
             Contains("9-byte integer"));
  CHECK_THAT(err("\x80\x02"
                 "cos\nsys"),
             Contains("ends inside the name of a GLOBAL"));

  // {"epoch": 3} and {1: tensor}: not a state_dict.
  Pickle epoch;
  epoch.proto().op('}').str("epoch").integer(3).op('s').op('.');
  CHECK_THAT(err(epoch.b), Contains("'epoch' holds an int, not a tensor"));
  Pickle int_key;
  int_key.proto().op('}').integer(1).tensor("FloatStorage", "0", 4, 0, {4}, {1}).op('s').op('.');
  CHECK_THAT(err(int_key.b), Contains("is an int; expected str names"));
  // A dict that contains itself (through the memo) must not recurse forever.
  Pickle self;
  self.proto().op('}').op('q').op('\0').str("a").op('h').op('\0').op('s').op('.');
  CHECK_THAT(err(self.b), Contains("nest deeper than 32"));
  // The same name twice.
  Pickle twice;
  twice.proto().op('}').op('(').str("w").tensor("FloatStorage", "0", 4, 0, {4}, {1});
  twice.str("w").tensor("FloatStorage", "0", 4, 0, {4}, {1}).op('u').op('.');
  CHECK_THAT(err(twice.b), Contains("the name 'w' appears twice"));
  // BUILD on anything but a dict.
  CHECK_THAT(err("\x80\x02]}b."), Contains("BUILD gives a list"));
  // A persistent id that is not torch's.
  Pickle pid;
  pid.proto().str("x").op('Q').op('.');
  CHECK_THAT(err(pid.b), Contains("BINPERSID expects a persistent id"));
}

TEST_CASE("pth: storages and tensors that reach outside their bytes are refused", "[io]") {
  const auto err = [](const std::string& pickle) { return load_error(checkpoint(pickle)); };
  SECTION("a storage key without a data entry") {
    const auto msg = err(with_tensor("FloatStorage", "7", 4, 0, {4}, {1}));
    CHECK_THAT(msg, Contains("storage '7' has no entry 'archive/data/7'"));
  }
  SECTION("a storage whose entry is shorter than its element count") {
    CHECK_THAT(err(with_tensor("FloatStorage", "0", 5, 0, {4}, {1})), Contains("holds 16 bytes"));
    CHECK_THAT(err(with_tensor("LongStorage", "0", 4, 0, {4}, {1})),
               Contains("torch.LongStorage of 4 elements of 8 bytes"));
    CHECK_THAT(err(with_tensor("FloatStorage", "0", INT64_MAX, 0, {4}, {1})),
               Contains("holds 16 bytes"));
  }
  SECTION("size and stride beyond the storage") {
    const auto msg = err(with_tensor("FloatStorage", "0", 4, 0, {2, 2}, {2, 2}));
    CHECK_THAT(msg, Contains("size [2, 2], strides [2, 2] and offset 0 reads element 4"));
    CHECK_THAT(msg, Contains("outside its storage of 4 elements"));
    CHECK_THAT(err(with_tensor("FloatStorage", "0", 4, 4, {}, {})), Contains("reads element 4"));
    CHECK_THAT(err(with_tensor("FloatStorage", "0", 4, 1, {4}, {1})), Contains("reads element 4"));
  }
  SECTION("sizes and strides whose products overflow") {
    CHECK_THAT(err(with_tensor("FloatStorage", "0", 4, 0, {2}, {INT64_MAX})),
               Contains("too large to address"));
    CHECK_THAT(err(with_tensor("FloatStorage", "0", 4, 0, {1LL << 40, 1LL << 40, 0}, {0, 0, 0})),
               Contains("too large to address"));
    CHECK_THAT(err(with_tensor("FloatStorage", "0", 4, INT64_MAX, {1}, {1})),
               Contains("too large to address"));
  }
  SECTION("negative sizes, strides and offsets") {
    CHECK_THAT(err(with_tensor("FloatStorage", "0", 4, 0, {-1}, {1})), Contains("negative (-1)"));
    CHECK_THAT(err(with_tensor("FloatStorage", "0", 4, 3, {4}, {-1})), Contains("negative (-1)"));
    CHECK_THAT(err(with_tensor("FloatStorage", "0", 4, -1, {1}, {1})), Contains("negative (-1)"));
  }
  SECTION("more dimensions than a Tensor has") {
    CHECK_THAT(
        err(with_tensor("FloatStorage", "0", 4, 0, {1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1})),
        Contains("has 7 dimensions"));
    CHECK_THAT(err(with_tensor("FloatStorage", "0", 4, 0, {2, 2}, {1})),
               Contains("2 sizes but 1 strides"));
  }
  SECTION("one key used as two storage types") {
    Pickle p;
    p.proto().op('}').op('(').str("a").tensor("FloatStorage", "0", 4, 0, {4}, {1});
    p.str("b").tensor("IntStorage", "0", 4, 0, {4}, {1}).op('u').op('.');
    CHECK_THAT(err(p.b), Contains("used both as torch.FloatStorage and as torch.IntStorage"));
  }
  SECTION("a bool storage holding a byte other than 0 and 1") {
    Pickle p;
    p.proto().op('}').str("m").tensor("BoolStorage", "0", 16, 0, {16}, {1}).op('s').op('.');
    CHECK_THAT(err(p.b), Contains("holds the byte 128 at element 2; a bool is 0 or 1"));
  }
  SECTION("a stride-0 view larger than the memory budget") {
    const auto msg = err(with_tensor("FloatStorage", "0", 4, 0, {1LL << 30, 4}, {0, 1}));
    CHECK_THAT(msg, Contains("would take 17179869184 bytes"));
    CHECK_THAT(msg, Contains("4 times the file's size plus 64 MiB"));
  }
  SECTION("an empty tensor reads nothing and loads") {
    const std::string file = checkpoint(with_tensor("FloatStorage", "0", 4, 0, {0, 5}, {5, 1}));
    CHECK(load_pth(bytes_of(file), "empty.pth").at("w").shape() == Shape{0, 5});
  }
}

TEST_CASE("pth: files that are not torch.save checkpoints say what they are", "[io]") {
  CHECK_THAT(load_error(std::string("\x80\x02}q\x00.", 6)), Contains("legacy format"));
  CHECK_THAT(load_error("hello"), Contains("is not a PyTorch checkpoint"));
  CHECK_THAT(load_error(""), Contains("is not a PyTorch checkpoint"));
  const auto zip = [](std::vector<ZipFile> files) { return load_error(make_zip(files)); };
  CHECK_THAT(zip({{"data.pkl", "x"}}), Contains("is not in a folder"));
  CHECK_THAT(zip({{"a/other", "x"}}), Contains("has no entry 'a/data.pkl'"));
  CHECK_THAT(zip({{"a/data.pkl", valid_pickle()}, {"a/constants.pkl", ""}}),
             Contains("TorchScript archive"));
  CHECK_THAT(zip({{"a/data.pkl", valid_pickle()}}), Contains("has no entry 'a/version'"));
  CHECK_THAT(zip({{"a/data.pkl", valid_pickle()}, {"a/version", "three"}}),
             Contains("expected a positive format version number"));
  CHECK_THAT(load_error(checkpoint(valid_pickle(), false, {{"archive/byteorder", "big"}})),
             Contains("byte order 'big'"));
  const std::string missing = (fs::temp_directory_path() / "fastblock-no-such.pth").string();
  CHECK_THROWS_AS(load_pth(fs::path(missing)), io_error);
  try {
    (void)load_pth(fs::path(missing));
  } catch (const io_error& e) {
    CHECK_THAT(std::string(e.what()), Contains(missing));
  }
}

TEST_CASE("pth: malformed ZIP archives are refused before any read outside the file", "[io]") {
  const std::string good = checkpoint(valid_pickle());
  const std::size_t eocd = good.size() - 22;
  const auto patched = [&](std::size_t at, std::uint64_t v, int bytes) {
    std::string out = good;
    std::string field;
    put(field, v, bytes);
    out.replace(at, static_cast<std::size_t>(bytes), field);
    return out;
  };
  SECTION("a deflated entry") {
    const std::string file =
        make_zip({{"archive/data.pkl", valid_pickle(), 8}, {"archive/version", "3\n"}});
    CHECK_THAT(load_error(file), Contains("entry 'archive/data.pkl' is compressed (method 8, "
                                          "deflate); only stored (method 0) entries"));
  }
  SECTION("central directory offsets and sizes pointing outside the file") {
    CHECK_THAT(load_error(patched(eocd + 16, 0xFFFFFF00u, 4)), Contains("extends past byte"));
    CHECK_THAT(load_error(patched(eocd + 12, good.size(), 4)), Contains("the central directory"));
    CHECK_THAT(load_error(patched(eocd + 8, 0xFFFFFFFFu, 4)), Contains("claims 65535 entries"));
    CHECK_THAT(load_error(patched(eocd + 10, 2, 2)), Contains("multi-disk"));
  }
  SECTION("a local header offset pointing outside the file") {
    const std::size_t cd = good.rfind(std::string("PK\1\2", 4));  // the last entry's record
    CHECK_THAT(load_error(patched(cd + 42, 0x7FFFFFFFu, 4)), Contains("local header"));
  }
  SECTION("a data size reaching past the central directory") {
    const std::size_t cd = good.find(std::string("PK\1\2", 4));  // data.pkl's record
    std::string file = patched(cd + 20, 0x7FFFFFF0u, 4);
    file.replace(cd + 24, 4, file.substr(cd + 20, 4));  // stored: both sizes agree
    CHECK_THAT(load_error(file), Contains("entry 'archive/data.pkl' (central directory record "
                                          "0): data"));
  }
  SECTION("a wrong CRC-32") {
    const std::string file = make_zip({{"archive/data.pkl", valid_pickle(), 0, 0x12345678u},
                                       {"archive/data/0", floats({1, 2, 3, 4})},
                                       {"archive/version", "3\n"}});
    CHECK_THAT(load_error(file), Contains("is corrupt: its CRC-32 is"));
  }
  SECTION("two entries of one name") {
    CHECK_THAT(load_error(make_zip({{"a/data.pkl", "."}, {"a/data.pkl", "."}})),
               Contains("two entries named 'a/data.pkl'"));
  }
  SECTION("a local header that names another entry") {
    std::string file = good;
    file.replace(30, 7, "ARCHIVE");  // data.pkl's local name; the central one stays
    CHECK_THAT(load_error(file), Contains("names 'ARCHIVE/data.pkl' instead"));
  }
  SECTION("a zip64 locator pointing outside the file") {
    std::string file = checkpoint(valid_pickle(), true);
    const std::size_t locator = file.size() - 22 - 20;
    file.replace(locator + 8, 8, std::string(8, '\x7f'));
    CHECK_THAT(load_error(file), Contains("zip64 end-of-central-directory record"));
  }
  SECTION("a file cut short at every length") {
    // Every prefix of a real checkpoint must fail cleanly (the sanitizer build checks reads).
    const std::string real = read_text(fixture("small.pth"));
    for (std::size_t n = 0; n < real.size(); ++n) {
      INFO("first " << n << " bytes");
      (void)load_error(real.substr(0, n));
    }
  }
  SECTION("any one corrupted byte is caught or harmless") {
    const std::string real = read_text(fixture("small.pth"));
    for (std::size_t i = 0; i < real.size(); ++i) {
      std::string file = real;
      file[i] = static_cast<char>(file[i] ^ 0x5A);
      INFO("byte " << i);
      try {
        (void)load_pth(bytes_of(file), "flipped.pth");
      } catch (const io_error&) {
      }
    }
  }
}

TEST_CASE("pth: corrupted pickles fail cleanly, whatever the corruption", "[io]") {
  // Inside a real file the CRC-32 catches a corrupted data.pkl, so each mutated pickle is
  // re-packed here with a correct checksum, to reach the unpickler itself.
  const std::string real = read_text(fixture("small.pth"));
  const ZipReader zip(bytes_of(real), "small.pth");
  std::vector<ZipFile> files;
  for (const auto& e : zip.entries()) {
    const auto d = zip.read(e);
    files.emplace_back(e.name, std::string(reinterpret_cast<const char*>(d.data()), d.size()));
  }
  REQUIRE(files.front().name == "small/data.pkl");
  const std::string pickle = files.front().data;
  std::size_t loaded = 0, refused = 0;
  const auto attempt = [&](const std::string& mutated) {
    files.front().data = mutated;
    try {
      (void)load_pth(bytes_of(make_zip(files)), "mutated.pth");
      ++loaded;
    } catch (const io_error&) {
      ++refused;
    }
  };
  for (std::size_t n = 0; n < pickle.size(); ++n) attempt(pickle.substr(0, n));
  for (std::size_t i = 0; i < pickle.size(); ++i) {
    for (const unsigned char x : {0x01, 0x80, 0xFF}) {
      std::string m = pickle;
      m[i] = static_cast<char>(static_cast<unsigned char>(m[i]) ^ x);
      attempt(m);
    }
  }
  std::mt19937 rng(20240601);  // mt19937's sequence is fixed by the standard
  for (int k = 0; k < 2000; ++k) {
    std::string m = pickle;
    for (std::uint32_t f = 0, n = 1 + rng() % 4; f < n; ++f)
      m[rng() % m.size()] = static_cast<char>(rng() & 0xFF);
    attempt(m);
  }
  INFO(loaded << " mutations loaded, " << refused << " were refused");
  CHECK(refused > loaded);  // most damage is noticed
  CHECK(loaded > 0);        // and some (a changed value, a renamed key) is harmless
}

TEST_CASE("pth: ZipReader lists PyTorch's archive and checks CRC-32", "[io]") {
  CHECK(zip_crc32(bytes_of("123456789")) == 0xCBF43926u);  // the standard check value
  CHECK(zip_crc32(bytes_of("6789"), zip_crc32(bytes_of("12345"))) == 0xCBF43926u);
  std::string long_text(1000, '\0');
  for (std::size_t i = 0; i < long_text.size(); ++i) long_text[i] = static_cast<char>(i * 7);
  CHECK(zip_crc32(bytes_of(long_text)) == reference_crc32(long_text));

  const std::string file = read_text(fixture("small.pth"));
  const ZipReader zip(bytes_of(file), "small.pth");
  REQUIRE(zip.entries().size() == 11);  // data.pkl, 9 storages, version
  CHECK(zip.entries().front().name == "small/data.pkl");
  CHECK(zip.find("small/version") != nullptr);
  CHECK(zip.find("small/nothing") == nullptr);
  const auto version = zip.read("small/version");
  CHECK(std::string_view(reinterpret_cast<const char*>(version.data()), version.size()) == "3\n");
  for (const auto& e : zip.entries()) {
    CHECK(e.method == 0);
    CHECK(e.size == zip.read(e).size());
  }
  CHECK_THROWS_AS(zip.read("small/nothing"), io_error);
}
