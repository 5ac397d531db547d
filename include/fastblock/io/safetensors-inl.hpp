// fastblock/io/safetensors-inl.hpp — out-of-line definitions for io/safetensors.hpp.
//
// Included by safetensors.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes. Only this
// file includes nlohmann/json, so users of the precompiled library never parse it.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/io/safetensors.hpp>
#include <fastblock/io/state_dict.hpp>
#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

namespace detail::safetensors {

static_assert(sizeof(bool) == 1, "safetensors stores BOOL as one byte, as fastblock stores bool");

/// The reference implementation's limit (MAX_HEADER_SIZE); it keeps a corrupt length field from
/// making a reader allocate gigabytes before it finds out.
inline constexpr std::uint64_t max_header_bytes = 100'000'000;

/// How a dtype the reader accepts is stored in the file and what it becomes.
struct StoredDtype {
  std::string_view code;  // the safetensors spelling, "F32"
  std::size_t itemsize;   // bytes per element in the file
  Dtype dtype;            // the fastblock dtype it is read as
  bool direct;            // stored exactly as fastblock stores `dtype` (a copy suffices)
};

inline constexpr std::array<StoredDtype, 8> stored_dtypes{{
    {"F32", 4, float32, true},
    {"I64", 8, int64, true},
    {"U8", 1, uint8, true},
    {"BOOL", 1, boolean, true},
    {"F16", 2, float32, false},
    {"BF16", 2, float32, false},
    {"F64", 8, float32, false},
    {"I32", 4, int64, false},
}};

/// The safetensors code fastblock writes for `d`.
constexpr std::string_view code_of(Dtype d) noexcept {
  switch (d) {
    case Dtype::Bool:
      return "BOOL";
    case Dtype::UInt8:
      return "U8";
    case Dtype::Int64:
      return "I64";
    case Dtype::Float32:
      break;
  }
  return "F32";
}

/// One validated tensor entry of a header.
struct Entry {
  std::string name;
  const StoredDtype* stored;
  Shape shape;
  std::uint64_t begin;  // data_offsets, relative to the data buffer
  std::uint64_t end;
};

/// A validated header: entries in data-buffer order, and the metadata.
struct Header {
  std::vector<Entry> entries;
  std::map<std::string, std::string> metadata;
};

/// Offset of the first byte of `s` that does not begin a well-formed UTF-8 sequence (RFC 3629:
/// no overlong forms, no surrogates, nothing above U+10FFFF), or npos when `s` is valid.
FASTBLOCK_FUNC std::size_t invalid_utf8_at(std::string_view s) noexcept {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    // Per lead byte: sequence length and the allowed range of the second byte (Unicode table 3-7).
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c == 0xE0) {
      len = 3, lo = 0xA0;
    } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
      len = 3;
    } else if (c == 0xED) {
      len = 3, hi = 0x9F;
    } else if (c == 0xF0) {
      len = 4, lo = 0x90;
    } else if (c >= 0xF1 && c <= 0xF3) {
      len = 4;
    } else if (c == 0xF4) {
      len = 4, hi = 0x8F;
    } else {
      return i;
    }
    if (n - i < len) return i;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b1 < lo || b1 > hi) return i;
    for (std::size_t k = 2; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (b < 0x80 || b > 0xBF) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

/// `text` cut to at most `limit` bytes (on a character boundary) for an error message, so that a
/// corrupt multi-megabyte name or token does not become a multi-megabyte message; `suffix` ends
/// the cut text.
FASTBLOCK_FUNC std::string shorten(std::string_view text, std::size_t limit,
                                   std::string_view suffix = "...") {
  if (text.size() <= limit) return std::string(text);
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + std::string(suffix) + " (" +
         std::to_string(text.size()) + " bytes)";
}

/// A name or key in single quotes for an error message: 'conv.weight', or 'nnnn...' (1000 bytes).
FASTBLOCK_FUNC std::string quote_name(std::string_view text) {
  return "'" + shorten(text, 120, "...'") + (text.size() <= 120 ? "'" : "");
}

/// The start of every reader error: "load_safetensors: 'model.safetensors': ".
FASTBLOCK_FUNC std::string where(std::string_view file) {
  return "load_safetensors: '" + std::string(file) + "': ";
}

/// `a * b`, or nothing when the product exceeds `limit`.
constexpr std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b,
                                                   std::uint64_t limit) noexcept {
  if (a != 0 && b > limit / a) return std::nullopt;
  return a * b;
}

/// The little-endian unsigned integer stored in the bytes at `p`.
template <class U>
U load_le(const std::byte* p) noexcept {
  U v = 0;
  for (std::size_t i = sizeof(U); i-- > 0;) v = static_cast<U>((v << 8) | std::to_integer<U>(p[i]));
  return v;
}

/// Exact widening of an IEEE binary16 value; subnormals become normal floats, NaN payloads are
/// kept and a signalling NaN comes out quiet (bit 22 set), as IEEE 754 conversions, the F16C
/// instruction and PyTorch's .float() give it.
constexpr float f16_to_f32(std::uint16_t h) noexcept {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1Fu;
  std::uint32_t mantissa = h & 0x3FFu;
  std::uint32_t bits = sign;
  if (exponent == 0x1F) {
    bits |= 0x7F800000u | (mantissa << 13) | (mantissa != 0 ? 0x00400000u : 0u);
  } else if (exponent != 0) {
    bits |= ((exponent + (127 - 15)) << 23) | (mantissa << 13);
  } else if (mantissa != 0) {
    // A binary16 subnormal is mantissa * 2^-24, which float32 holds as a normal number: shift the
    // leading one up to the implicit-bit position, lowering the exponent from 2^-14 by one each
    // step.
    std::uint32_t biased = 127 - 14;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --biased;
    }
    bits |= (biased << 23) | ((mantissa & 0x3FFu) << 13);
  }
  return std::bit_cast<float>(bits);
}

/// Exact widening of a bfloat16 value: it is the upper half of a float32.
constexpr float bf16_to_f32(std::uint16_t b) noexcept {
  return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

/// Rounds to the nearest float32, ties to even, overflowing to ±inf as IEEE 754 does; spelled
/// out because a C++ cast of a double beyond float's range is undefined behaviour.
FASTBLOCK_FUNC float f64_to_f32(double d) noexcept {
  // FLT_MAX plus half its ulp: at or above it, round-to-nearest gives infinity (the tie goes to
  // the even neighbour, 2^128).
  constexpr double overflow = 0x1.ffffffp+127;
  const double mag = std::fabs(d);
  constexpr float inf = std::numeric_limits<float>::infinity();
  constexpr float max = std::numeric_limits<float>::max();
  if (mag >= overflow) return std::signbit(d) ? -inf : inf;
  // Between FLT_MAX and the midpoint: nearest is FLT_MAX (the cast is only implementation-defined
  // here, so say it).
  if (mag > static_cast<double>(max)) return std::signbit(d) ? -max : max;
  return static_cast<float>(d);
}

/// Byte-reverses each `item`-byte element of `bytes`; what little-endian data needs on a
/// big-endian host.
FASTBLOCK_FUNC void swap_items(std::span<std::byte> bytes, std::size_t item) noexcept {
  if (item < 2) return;
  for (std::size_t i = 0; i + item <= bytes.size(); i += item)
    std::reverse(bytes.begin() + static_cast<std::ptrdiff_t>(i),
                 bytes.begin() + static_cast<std::ptrdiff_t>(i + item));
}

/// The bytes of a contiguous CPU tensor.
FASTBLOCK_FUNC std::span<std::byte> bytes_of(const Tensor& t) {
  const auto n = static_cast<std::size_t>(t.numel()) * itemsize(t.dtype());
  if (n == 0) return {};
  return {t.storage().data() + static_cast<std::size_t>(t.offset()) * itemsize(t.dtype()), n};
}

/// Turns the bytes just copied into a tensor of a directly stored dtype into valid elements.
FASTBLOCK_FUNC void fix_direct(const Tensor& t) {
  const std::span<std::byte> bytes = bytes_of(t);
  if (t.dtype() == boolean) {
    // A byte other than 0 or 1 is not a valid C++ bool; numpy and PyTorch read it as true.
    for (std::byte& b : bytes) b = b == std::byte{0} ? std::byte{0} : std::byte{1};
  } else if constexpr (std::endian::native == std::endian::big) {
    swap_items(bytes, itemsize(t.dtype()));
  }
}

/// Fills `t` (a fresh tensor of the entry's shape and dtype) from the entry's bytes in the file.
FASTBLOCK_FUNC void decode(const Entry& e, std::span<const std::byte> raw, const Tensor& t) {
  const std::span<std::byte> out = bytes_of(t);
  if (out.empty()) return;
  if (e.stored->direct) {
    std::memcpy(out.data(), raw.data(), out.size());
    fix_direct(t);
    return;
  }
  const std::size_t n = out.size() / itemsize(t.dtype());
  const std::string_view code = e.stored->code;
  if (code == "I32") {
    std::int64_t* dst = t.data<std::int64_t>();
    for (std::size_t i = 0; i < n; ++i)
      dst[i] = static_cast<std::int32_t>(load_le<std::uint32_t>(raw.data() + 4 * i));
    return;
  }
  float* dst = t.data<float>();
  if (code == "F16") {
    for (std::size_t i = 0; i < n; ++i)
      dst[i] = f16_to_f32(load_le<std::uint16_t>(raw.data() + 2 * i));
  } else if (code == "BF16") {
    for (std::size_t i = 0; i < n; ++i)
      dst[i] = bf16_to_f32(load_le<std::uint16_t>(raw.data() + 2 * i));
  } else {  // F64
    for (std::size_t i = 0; i < n; ++i)
      dst[i] = f64_to_f32(std::bit_cast<double>(load_le<std::uint64_t>(raw.data() + 8 * i)));
  }
}

/// The header length stored in the first 8 bytes, checked against the limit and the file size.
FASTBLOCK_FUNC std::uint64_t header_length(std::span<const std::byte> first8,
                                           std::uint64_t file_size, std::string_view file) {
  const auto n = load_le<std::uint64_t>(first8.data());
  if (n > max_header_bytes)
    throw io_error(where(file) + "the header length field says " + std::to_string(n) +
                   " bytes, more than the limit of " + std::to_string(max_header_bytes) +
                   "; the file is corrupt or not a safetensors file");
  if (n > file_size - 8)
    throw io_error(where(file) + "the header length field says " + std::to_string(n) +
                   " bytes, but only " + std::to_string(file_size - 8) +
                   " bytes follow it; the file is truncated or not a safetensors file");
  return n;
}

FASTBLOCK_FUNC void check_file_size(std::uint64_t size, std::string_view file) {
  if (size < 8)
    throw io_error(where(file) + "the file has " + std::to_string(size) +
                   " bytes, too few for a safetensors file (expected an 8-byte header length, "
                   "then the header)");
}

/// Parses a JSON header, reporting the first name or field that occurs twice in one object.
/// nlohmann keeps the last of repeated keys silently, which would hide a tensor.
FASTBLOCK_FUNC nlohmann::ordered_json parse_json(std::string_view text, std::string_view file) {
  using json = nlohmann::ordered_json;
  struct Scope {
    std::vector<std::string> keys;  // small objects: a linear scan beats a set
    std::string owner;              // the key this object is the value of ("" at the top)
  };
  std::vector<Scope> scopes;
  std::string last_key;
  // The first repeat: the keys of the enclosing objects from the top down, then the repeated key.
  std::optional<std::vector<std::string>> duplicate;
  const json::parser_callback_t check = [&](int, json::parse_event_t event, json& value) {
    switch (event) {
      case json::parse_event_t::object_start:
        scopes.push_back({{}, last_key});
        break;
      case json::parse_event_t::object_end:
        scopes.pop_back();
        break;
      case json::parse_event_t::key: {
        last_key = value.get<std::string>();
        auto& keys = scopes.back().keys;
        if (!duplicate && std::find(keys.begin(), keys.end(), last_key) != keys.end()) {
          duplicate.emplace();
          for (std::size_t i = 1; i < scopes.size(); ++i) duplicate->push_back(scopes[i].owner);
          duplicate->push_back(last_key);
        }
        keys.push_back(last_key);
        break;
      }
      default:
        break;
    }
    return true;
  };
  json header;
  try {
    header = json::parse(text.begin(), text.end(), check);
  } catch (const json::exception& e) {
    // nlohmann quotes the token it stopped at, which may be a huge unterminated string.
    throw io_error(where(file) + "the header is not valid JSON (" + shorten(e.what(), 300) + ")");
  }
  if (duplicate) {
    const auto& path = *duplicate;
    if (path.size() == 1)
      throw io_error(where(file) + "the header names " + quote_name(path[0]) +
                     " twice; names must be unique");
    if (path.size() == 2 && path[0] == "__metadata__")
      throw io_error(where(file) + "__metadata__ has the key " + quote_name(path[1]) +
                     " twice; keys must be unique");
    if (path.size() == 2)
      throw io_error(where(file) + "tensor " + quote_name(path[0]) + ": the field " +
                     quote_name(path[1]) + " appears twice; each field must appear once");
    throw io_error(where(file) + "the entry of " + quote_name(path[0]) +
                   " holds an object with the key " + quote_name(path.back()) +
                   " twice; keys must be unique");
  }
  return header;
}

/// A shape entry or offset: a JSON integer from 0 to `limit`, or nothing.
FASTBLOCK_FUNC std::optional<std::uint64_t> unsigned_value(const nlohmann::ordered_json& v,
                                                           std::uint64_t limit) {
  if (!v.is_number_unsigned()) return std::nullopt;
  const auto x = v.get<std::uint64_t>();
  if (x > limit) return std::nullopt;
  return x;
}

/// How a JSON value is described in an error: its text when short, else its kind and size. Never
/// recurses, so a deeply nested value cannot exhaust the stack.
FASTBLOCK_FUNC std::string describe_json(const nlohmann::ordered_json& v) {
  const auto short_text = [](const nlohmann::ordered_json& x) -> std::optional<std::string> {
    if (x.is_structured() && !x.empty()) return std::nullopt;
    if (x.is_string() && x.get_ref<const std::string&>().size() > 40) return std::nullopt;
    return x.dump();
  };
  if (auto text = short_text(v)) return *text;
  if (v.is_string())
    return "a string of " + std::to_string(v.get_ref<const std::string&>().size()) + " bytes";
  if (v.is_array() && v.size() <= 8) {
    std::string text = "[";
    bool flat = true;  // every element short: show them
    for (const auto& x : v) {
      const auto item = short_text(x);
      flat = flat && item.has_value();
      if (flat) text += (text.size() > 1 ? ", " : "") + *item;
    }
    if (flat) return text + "]";
  }
  return std::string(v.is_array() ? "an array of " : "an object of ") + std::to_string(v.size()) +
         (v.is_array() ? " element" : " field") + (v.size() == 1 ? "" : "s");
}

FASTBLOCK_FUNC Entry parse_entry(const std::string& name, const nlohmann::ordered_json& info,
                                 std::uint64_t data_size, std::string_view file) {
  const std::string at = where(file) + "tensor " + quote_name(name) + ": ";
  if (!info.is_object())
    throw io_error(at +
                   "expected an object with \"dtype\", \"shape\" and \"data_offsets\", found " +
                   describe_json(info));
  const auto field = [&](const char* key) -> const nlohmann::ordered_json& {
    const auto it = info.find(key);
    if (it == info.end()) throw io_error(at + "the field \"" + key + "\" is missing");
    return *it;
  };

  Entry e{name, nullptr, {}, 0, 0};
  const auto& dtype = field("dtype");
  if (!dtype.is_string())
    throw io_error(at + "\"dtype\" is " + describe_json(dtype) +
                   "; expected a string such as \"F32\"");
  const auto code = dtype.get<std::string>();
  for (const auto& s : stored_dtypes)
    if (s.code == code) e.stored = &s;
  if (e.stored == nullptr)
    throw io_error(at + "dtype " + quote_name(code) +
                   " is not one fastblock reads (F32, I64, U8 and BOOL, and F16, BF16, F64 and "
                   "I32, which it converts to float32 and int64)");

  const auto& shape = field("shape");
  if (!shape.is_array())
    throw io_error(at + "\"shape\" is " + describe_json(shape) +
                   "; expected an array of non-negative integers");
  constexpr auto int64_max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::vector<std::int64_t> extents;
  std::string shape_text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    const auto d = unsigned_value(shape[i], int64_max);
    if (!d)
      throw io_error(at + "shape entry " + std::to_string(i) + " is " + describe_json(shape[i]) +
                     "; expected a non-negative integer below 2^63");
    extents.push_back(static_cast<std::int64_t>(*d));
    shape_text += (i ? ", " : "") + std::to_string(*d);
  }
  shape_text += "]";
  if (extents.size() > static_cast<std::size_t>(max_dims))
    throw io_error(at + "shape " + shape_text + " has " + std::to_string(extents.size()) +
                   " dimensions; fastblock tensors have at most " + std::to_string(max_dims));
  // The product of the non-zero extents must fit in int64 even when another extent is 0: tensor
  // strides are computed from it.
  std::uint64_t product = 1;
  bool empty = false;
  for (const auto d : extents) {
    empty = empty || d == 0;
    const auto p =
        checked_mul(product, static_cast<std::uint64_t>(std::max<std::int64_t>(d, 1)), int64_max);
    if (!p)
      throw io_error(at + "shape " + shape_text +
                     " is too large: the product of its extents overflows 64 bits");
    product = *p;
  }
  const std::uint64_t numel = empty ? 0 : product;
  const auto nbytes =
      checked_mul(numel, e.stored->itemsize, std::numeric_limits<std::uint64_t>::max());
  if (!nbytes)
    throw io_error(at + "shape " + shape_text + " is too large: " + code +
                   " data of that shape needs more than 2^64 bytes");
  e.shape = Shape(std::span<const std::int64_t>(extents));

  const auto& offsets = field("data_offsets");
  std::optional<std::uint64_t> begin, end;
  if (offsets.is_array() && offsets.size() == 2) {
    begin = unsigned_value(offsets[0], std::numeric_limits<std::uint64_t>::max());
    end = unsigned_value(offsets[1], std::numeric_limits<std::uint64_t>::max());
  }
  if (!begin || !end)
    throw io_error(at + "\"data_offsets\" is " + describe_json(offsets) +
                   "; expected [begin, end], two non-negative integers");
  const std::string offsets_text =
      "data_offsets [" + std::to_string(*begin) + ", " + std::to_string(*end) + "]";
  if (*begin > *end)
    throw io_error(at + offsets_text + " begin after they end; expected begin <= end");
  if (*end > data_size)
    throw io_error(at + offsets_text + " reach past the end of the data buffer, which holds " +
                   std::to_string(data_size) +
                   " bytes; the file is truncated or the offsets are wrong");
  if (*end - *begin != *nbytes)
    throw io_error(at + offsets_text + " span " + std::to_string(*end - *begin) + " bytes, but " +
                   code + " data of shape " + shape_text + " takes " + std::to_string(*nbytes) +
                   " bytes");
  e.begin = *begin;
  e.end = *end;
  return e;
}

/// Parses and validates a header whose data buffer holds `data_size` bytes.
FASTBLOCK_FUNC Header parse_header(std::string_view text, std::uint64_t data_size,
                                   std::string_view file) {
  if (text.empty() || text.front() != '{') {
    const std::string found =
        text.empty() ? std::string("an empty header") : "a header starting with byte 0x" + [&] {
          constexpr char hex[] = "0123456789abcdef";
          const auto c = static_cast<unsigned char>(text.front());
          return std::string{hex[c >> 4], hex[c & 15]};
        }();
    throw io_error(where(file) +
                   "expected the header to be a JSON object starting with '{', found " + found);
  }
  if (const auto bad = invalid_utf8_at(text); bad != std::string_view::npos) {
    // The bytes before the bad one are valid UTF-8; show a few, from a character boundary.
    std::size_t from = bad > 40 ? bad - 40 : 0;
    while (from < bad && (static_cast<unsigned char>(text[from]) & 0xC0) == 0x80) ++from;
    std::string context(text.substr(from, bad - from));
    for (char& c : context)
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    constexpr char hex[] = "0123456789abcdef";
    const auto c = static_cast<unsigned char>(text[bad]);
    throw io_error(where(file) + "the header is not valid UTF-8: byte 0x" + hex[c >> 4] +
                   hex[c & 15] + " at header offset " + std::to_string(bad) + ", after \"" +
                   context + "\"; names and metadata must be UTF-8");
  }
  // JSON never holds a raw NUL, but nlohmann stops at one as at the end of the input, so
  // "{...}\0garbage" would pass; some writers pad with NULs, the specification says spaces.
  if (const auto nul = text.find('\0'); nul != std::string_view::npos)
    throw io_error(where(file) + "the header holds a NUL byte at header offset " +
                   std::to_string(nul) + "; JSON allows none (padding must be spaces)");
  const auto json = parse_json(text, file);
  if (!json.is_object())
    throw io_error(where(file) + "expected the header to be a JSON object, found " +
                   json.type_name());

  Header h;
  for (const auto& [key, value] : json.items()) {
    if (key == "__metadata__") {
      if (value.is_null()) continue;  // the reference reads null as no metadata
      if (!value.is_object())
        throw io_error(where(file) + "__metadata__ is " + describe_json(value) +
                       "; expected an object of strings");
      for (const auto& [k, v] : value.items()) {
        if (!v.is_string())
          throw io_error(where(file) + "__metadata__ entry " + quote_name(k) + " is " +
                         describe_json(v) + "; metadata values must be strings");
        h.metadata.emplace(k, v.get<std::string>());
      }
      continue;
    }
    h.entries.push_back(parse_entry(key, value, data_size, file));
  }

  // Order by position; stable, so zero-size tensors at one offset keep their header order.
  std::stable_sort(h.entries.begin(), h.entries.end(), [](const Entry& a, const Entry& b) {
    return std::pair(a.begin, a.end) < std::pair(b.begin, b.end);
  });
  // The reference requires the tensors to tile the buffer exactly: a gap or an overlap means the
  // offsets are corrupt, and unused bytes could hide data nobody can see.
  std::uint64_t covered = 0;
  const Entry* previous = nullptr;
  for (const Entry& e : h.entries) {
    const auto offsets = [](const Entry& x) {
      return "[" + std::to_string(x.begin) + ", " + std::to_string(x.end) + "]";
    };
    if (e.begin < covered)
      throw io_error(where(file) + "tensors " + quote_name(previous->name) + " (data_offsets " +
                     offsets(*previous) + ") and " + quote_name(e.name) + " (data_offsets " +
                     offsets(e) + ") overlap; each byte of the data buffer belongs to one tensor");
    if (e.begin > covered)
      throw io_error(where(file) + "bytes [" + std::to_string(covered) + ", " +
                     std::to_string(e.begin) + ") of the data buffer belong to no tensor (" +
                     (previous ? "between " + quote_name(previous->name) + " and " : "before ") +
                     quote_name(e.name) + "); the tensors must cover the data buffer exactly");
    covered = e.end;
    previous = &e;
  }
  if (covered != data_size)
    throw io_error(where(file) + "bytes [" + std::to_string(covered) + ", " +
                   std::to_string(data_size) + ") at the end of the data buffer belong to no " +
                   "tensor; the tensors must cover the data buffer exactly");
  return h;
}

/// A StateDict ready to write: the padded header and each tensor contiguous on the CPU.
struct Prepared {
  std::string header;
  std::vector<Tensor> tensors;
};

FASTBLOCK_FUNC void check_utf8(std::string_view text, const std::string& what) {
  if (invalid_utf8_at(text) != std::string_view::npos)
    throw value_error("save_safetensors: " + what + " is not valid UTF-8");
}

FASTBLOCK_FUNC Prepared prepare(const StateDict& dict,
                                const std::map<std::string, std::string>& metadata) {
  using json = nlohmann::ordered_json;
  json header = json::object();
  if (!metadata.empty()) {
    json m = json::object();
    for (const auto& [k, v] : metadata) {
      check_utf8(k, "the metadata key " + quote_name(k));
      check_utf8(v, "the metadata value of " + quote_name(k));
      m[k] = v;
    }
    header["__metadata__"] = std::move(m);
  }
  Prepared p;
  p.tensors.reserve(dict.size());
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : dict) {
    check_utf8(name, "the tensor name " + quote_name(name));
    if (name == "__metadata__")
      throw value_error(
          "save_safetensors: a tensor cannot be named '__metadata__'; the format reserves it");
    Tensor t = tensor.to(cpu).contiguous();
    json shape = json::array();
    for (const auto d : t.shape()) shape.push_back(d);
    const auto nbytes = static_cast<std::uint64_t>(t.numel()) * itemsize(t.dtype());
    // Field order as the reference writes it, so that equal inputs give equal bytes.
    json info = json::object();
    info["dtype"] = code_of(t.dtype());
    info["shape"] = std::move(shape);
    info["data_offsets"] = json::array({offset, offset + nbytes});
    header[name] = std::move(info);
    offset += nbytes;
    p.tensors.push_back(std::move(t));
  }
  p.header = header.dump();
  // Padding with spaces to a multiple of 8 keeps the data buffer 8-byte aligned in the file.
  p.header.append((8 - p.header.size() % 8) % 8, ' ');
  if (p.header.size() > max_header_bytes)
    throw value_error("save_safetensors: the header would take " + std::to_string(p.header.size()) +
                      " bytes, more than the " + std::to_string(max_header_bytes) +
                      " that readers accept");
  return p;
}

/// The bytes of `t` (contiguous, on the CPU) as the file stores them: little-endian. Points into
/// the tensor on little-endian hosts; `scratch` holds a swapped copy on big-endian ones.
FASTBLOCK_FUNC std::span<const std::byte> file_bytes(const Tensor& t,
                                                     std::vector<std::byte>& scratch) {
  const std::span<const std::byte> bytes = bytes_of(t);
  if constexpr (std::endian::native == std::endian::big) {
    scratch.assign(bytes.begin(), bytes.end());
    swap_items(scratch, itemsize(t.dtype()));
    return scratch;
  }
  return bytes;
}

FASTBLOCK_FUNC std::array<std::byte, 8> le_bytes(std::uint64_t v) noexcept {
  std::array<std::byte, 8> out{};
  for (auto& b : out) {
    b = static_cast<std::byte>(v & 0xFFu);
    v >>= 8;
  }
  return out;
}

}  // namespace detail::safetensors

FASTBLOCK_FUNC SafetensorsFile read_safetensors(std::span<const std::byte> bytes,
                                                std::string_view name_for_errors) {
  namespace st = detail::safetensors;
  st::check_file_size(bytes.size(), name_for_errors);
  const std::uint64_t n = st::header_length(bytes.first(8), bytes.size(), name_for_errors);
  const std::span<const std::byte> header_bytes = bytes.subspan(8, static_cast<std::size_t>(n));
  const std::span<const std::byte> data = bytes.subspan(8 + static_cast<std::size_t>(n));
  st::Header h = st::parse_header(
      std::string_view(reinterpret_cast<const char*>(header_bytes.data()), header_bytes.size()),
      data.size(), name_for_errors);
  SafetensorsFile out;
  for (const st::Entry& e : h.entries) {
    Tensor t(e.shape, e.stored->dtype);
    st::decode(
        e,
        data.subspan(static_cast<std::size_t>(e.begin), static_cast<std::size_t>(e.end - e.begin)),
        t);
    out.tensors.insert(e.name, std::move(t));
  }
  out.metadata = std::move(h.metadata);
  return out;
}

FASTBLOCK_FUNC SafetensorsFile read_safetensors(const std::filesystem::path& path) {
  namespace st = detail::safetensors;
  const std::string file = path.string();
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw io_error(st::where(file) + "cannot read it: " + ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw io_error(st::where(file) +
                   "cannot open it: " + std::error_code(errno, std::generic_category()).message());
  const auto read = [&](std::byte* to, std::uint64_t count) {
    in.read(reinterpret_cast<char*>(to), static_cast<std::streamsize>(count));
    if (static_cast<std::uint64_t>(in.gcount()) != count)
      throw io_error(st::where(file) + "the file ended early; was it changed while being read?");
  };
  st::check_file_size(size, file);
  std::array<std::byte, 8> first8{};
  read(first8.data(), 8);
  const std::uint64_t n = st::header_length(first8, size, file);
  std::string header(static_cast<std::size_t>(n), '\0');
  read(reinterpret_cast<std::byte*>(header.data()), n);
  st::Header h = st::parse_header(header, size - 8 - n, file);

  // parse_header checked that the entries, in this order, tile the data buffer from its start, so
  // reading them one after another visits each at its offset without seeking.
  SafetensorsFile out;
  std::vector<std::byte> raw;
  for (const st::Entry& e : h.entries) {
    Tensor t(e.shape, e.stored->dtype);
    const std::uint64_t count = e.end - e.begin;
    if (count == 0) {
      // Nothing to read (a zero-size tensor).
    } else if (e.stored->direct) {
      read(st::bytes_of(t).data(), count);
      st::fix_direct(t);
    } else {
      raw.resize(static_cast<std::size_t>(count));
      read(raw.data(), count);
      st::decode(e, raw, t);
    }
    out.tensors.insert(e.name, std::move(t));
  }
  out.metadata = std::move(h.metadata);
  return out;
}

FASTBLOCK_FUNC StateDict load_safetensors(const std::filesystem::path& path) {
  return read_safetensors(path).tensors;
}

FASTBLOCK_FUNC StateDict load_safetensors(std::span<const std::byte> bytes,
                                          std::string_view name_for_errors) {
  return read_safetensors(bytes, name_for_errors).tensors;
}

FASTBLOCK_FUNC std::vector<std::byte> to_safetensors_bytes(
    const StateDict& dict, const std::map<std::string, std::string>& metadata) {
  namespace st = detail::safetensors;
  const st::Prepared p = st::prepare(dict, metadata);
  std::size_t total = 8 + p.header.size();
  for (const Tensor& t : p.tensors) total += st::bytes_of(t).size();
  std::vector<std::byte> out;
  out.reserve(total);
  const auto length = st::le_bytes(p.header.size());
  out.insert(out.end(), length.begin(), length.end());
  const auto* header = reinterpret_cast<const std::byte*>(p.header.data());
  out.insert(out.end(), header, header + p.header.size());
  std::vector<std::byte> scratch;
  for (const Tensor& t : p.tensors) {
    const auto bytes = st::file_bytes(t, scratch);
    out.insert(out.end(), bytes.begin(), bytes.end());
  }
  return out;
}

FASTBLOCK_FUNC void save_safetensors(const StateDict& dict, const std::filesystem::path& path,
                                     const std::map<std::string, std::string>& metadata) {
  namespace st = detail::safetensors;
  const st::Prepared p = st::prepare(dict, metadata);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    throw io_error("save_safetensors: cannot open '" + path.string() +
                   "' for writing: " + std::error_code(errno, std::generic_category()).message());
  const auto write = [&](std::span<const std::byte> bytes) {
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  };
  write(st::le_bytes(p.header.size()));
  write(std::as_bytes(std::span(p.header)));
  std::vector<std::byte> scratch;
  for (const Tensor& t : p.tensors) write(st::file_bytes(t, scratch));
  out.flush();
  if (!out) throw io_error("save_safetensors: writing '" + path.string() + "' failed");
}

}  // namespace fastblock
