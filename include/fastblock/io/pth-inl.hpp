// fastblock/io/pth-inl.hpp — out-of-line definitions for io/pth.hpp: the archive layout, the
// restricted unpickler and the storage-to-tensor copies.
//
// Included by pth.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/io/pth.hpp>
#include <fastblock/io/state_dict.hpp>
#include <fastblock/io/zip_reader.hpp>
#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

namespace detail::pth {

/// How a storage's elements are encoded in the file.
enum class Encoding : std::uint8_t { F32, F64, F16, BF16, I64, I32, I16, I8, U8, Bool };

/// A torch.*Storage class a checkpoint may name, and the dtype its tensors load as.
struct StorageClass {
  std::string_view name;
  Encoding encoding;
  std::size_t element_size;
  Dtype dtype;
};

inline constexpr std::array<StorageClass, 10> storage_classes{{
    {"FloatStorage", Encoding::F32, 4, float32},
    {"LongStorage", Encoding::I64, 8, int64},
    {"ByteStorage", Encoding::U8, 1, uint8},
    {"BoolStorage", Encoding::Bool, 1, boolean},
    {"DoubleStorage", Encoding::F64, 8, float32},
    {"HalfStorage", Encoding::F16, 2, float32},
    {"BFloat16Storage", Encoding::BF16, 2, float32},
    {"IntStorage", Encoding::I32, 4, int64},
    {"ShortStorage", Encoding::I16, 2, int64},
    {"CharStorage", Encoding::I8, 1, int64},
}};

/// The kinds of value the restricted unpickler builds; nothing else can exist.
enum class Kind : std::uint8_t {
  None,
  Bool,
  Int,
  Float,
  Str,
  Tuple,
  List,
  Dict,
  Global,
  Storage,
  Tensor
};

/// The callables and classes a state_dict pickle may name (a Global object's `i`; storage
/// classes are `storage_class_base + index into storage_classes`).
enum Callable : std::int64_t {
  ordered_dict,
  rebuild_tensor_v2,
  rebuild_parameter,
  storage_class_base
};

constexpr std::string_view kind_name(Kind k) noexcept {
  switch (k) {
    case Kind::None:
      return "None";
    case Kind::Bool:
      return "a bool";
    case Kind::Int:
      return "an int";
    case Kind::Float:
      return "a float";
    case Kind::Str:
      return "a str";
    case Kind::Tuple:
      return "a tuple";
    case Kind::List:
      return "a list";
    case Kind::Dict:
      return "a dict";
    case Kind::Global:
      return "a class or function";
    case Kind::Storage:
      return "a storage";
    case Kind::Tensor:
      return "a tensor";
  }
  return "?";
}

/// One pickled value. Containers refer to other values by index, so a memoised dict that later
/// opcodes fill is shared as in Python, and a container holding itself cannot leak.
struct Object {
  Kind kind = Kind::None;
  std::int64_t i = 0;              // Bool, Int; Callable; index of the storage or tensor
  double f = 0;                    // Float
  std::string s;                   // Str
  std::vector<std::size_t> items;  // Tuple, List; Dict as key, value, key, value, ...
};

/// A storage a persistent id named: its bytes in the archive and how to decode them.
struct StorageRef {
  std::string key;
  std::size_t cls = 0;  // index into storage_classes
  std::span<const std::byte> bytes;
  std::uint64_t numel = 0;
};

/// The names of pickle's opcodes, so that a refused one can be named.
constexpr std::string_view opcode_name(unsigned char op) noexcept {
  // clang-format off
  constexpr std::pair<char, std::string_view> names[] = {
      {'(', "MARK"}, {'.', "STOP"}, {'0', "POP"}, {'1', "POP_MARK"}, {'2', "DUP"}, {'F', "FLOAT"},
      {'I', "INT"}, {'J', "BININT"}, {'K', "BININT1"}, {'L', "LONG"}, {'M', "BININT2"},
      {'N', "NONE"}, {'P', "PERSID"}, {'Q', "BINPERSID"}, {'R', "REDUCE"}, {'S', "STRING"},
      {'T', "BINSTRING"}, {'U', "SHORT_BINSTRING"}, {'V', "UNICODE"}, {'X', "BINUNICODE"},
      {'a', "APPEND"}, {'b', "BUILD"}, {'c', "GLOBAL"}, {'d', "DICT"}, {'}', "EMPTY_DICT"},
      {'e', "APPENDS"}, {'g', "GET"}, {'h', "BINGET"}, {'i', "INST"}, {'j', "LONG_BINGET"},
      {'l', "LIST"}, {']', "EMPTY_LIST"}, {'o', "OBJ"}, {'p', "PUT"}, {'q', "BINPUT"},
      {'r', "LONG_BINPUT"}, {'s', "SETITEM"}, {'t', "TUPLE"}, {')', "EMPTY_TUPLE"},
      {'u', "SETITEMS"}, {'G', "BINFLOAT"}, {'B', "BINBYTES"}, {'C', "SHORT_BINBYTES"},
      {'\x80', "PROTO"}, {'\x81', "NEWOBJ"}, {'\x82', "EXT1"}, {'\x83', "EXT2"}, {'\x84', "EXT4"},
      {'\x85', "TUPLE1"}, {'\x86', "TUPLE2"}, {'\x87', "TUPLE3"}, {'\x88', "NEWTRUE"},
      {'\x89', "NEWFALSE"}, {'\x8a', "LONG1"}, {'\x8b', "LONG4"}, {'\x8c', "SHORT_BINUNICODE"},
      {'\x8d', "BINUNICODE8"}, {'\x8e', "BINBYTES8"}, {'\x8f', "EMPTY_SET"}, {'\x90', "ADDITEMS"},
      {'\x91', "FROZENSET"}, {'\x92', "NEWOBJ_EX"}, {'\x93', "STACK_GLOBAL"}, {'\x94', "MEMOIZE"},
      {'\x95', "FRAME"}, {'\x96', "BYTEARRAY8"}, {'\x97', "NEXT_BUFFER"},
      {'\x98', "READONLY_BUFFER"}};
  // clang-format on
  for (const auto& [code, name] : names)
    if (static_cast<unsigned char>(code) == op) return name;
  return {};
}

/// Text from the file made safe to quote in a message: non-printable bytes escaped, long text cut.
inline std::string printable(std::string_view text) {
  std::string out;
  const std::size_t n = std::min<std::size_t>(text.size(), 80);
  for (std::size_t k = 0; k < n; ++k) {
    const auto c = static_cast<unsigned char>(text[k]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (n < text.size()) out += "...";
  return out;
}

/// "'c' GLOBAL" or "'\x93' STACK_GLOBAL": how errors name an opcode.
inline std::string describe_opcode(unsigned char op) {
  const std::string_view name = opcode_name(op);
  const std::string byte =
      "'" + printable(std::string_view(reinterpret_cast<const char*>(&op), 1)) + "'";
  return name.empty() ? "unknown opcode " + byte : byte + " " + std::string(name);
}

/// a * b and a + b on non-negative values, or false when the result passes `limit`.
constexpr bool mul_le(std::uint64_t a, std::uint64_t b, std::uint64_t limit,
                      std::uint64_t& out) noexcept {
  if (a != 0 && b > limit / a) return false;
  out = a * b;
  return true;
}
constexpr bool add_le(std::uint64_t a, std::uint64_t b, std::uint64_t limit,
                      std::uint64_t& out) noexcept {
  if (a > limit || b > limit - a) return false;
  out = a + b;
  return true;
}

/// Little-endian load of an N-byte unsigned integer, whatever the host's byte order.
template <class U>
U load_le(const std::byte* p) noexcept {
  U v = 0;
  for (std::size_t k = sizeof(U); k-- > 0;) v = static_cast<U>(v << 8 | static_cast<U>(p[k]));
  return v;
}

inline float half_to_float(std::uint16_t h) noexcept {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1Fu, mantissa = h & 0x3FFu;
  if (exponent == 0) {  // zero or subnormal: mantissa * 2^-24
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign != 0 ? -magnitude : magnitude;
  }
  if (exponent == 0x1F) return std::bit_cast<float>(sign | 0x7F800000u | mantissa << 13);
  return std::bit_cast<float>(sign | (exponent + 112) << 23 | mantissa << 13);
}

/// float64 to float32 rounded to nearest, ±inf beyond float32's range (where a plain cast would
/// be undefined behaviour).
inline float narrow_double(double d) noexcept {
  constexpr double float_max = std::numeric_limits<float>::max();
  if (std::isnan(d) || std::fabs(d) <= float_max) return static_cast<float>(d);
  // Halfway between FLT_MAX and 2^128 rounds to even, which is 2^128: infinity.
  constexpr double overflow = 0x1.ffffffp127;
  const float magnitude =
      std::fabs(d) >= overflow ? std::numeric_limits<float>::infinity() : float(float_max);
  return d < 0 ? -magnitude : magnitude;
}

/// Calls fn(i, j) for every element of a strided view: i counts the output in row-major order,
/// j is the element's index in the storage. The caller has checked that every j is in range.
template <class Fn>
void for_each_element(const Shape& shape, const Strides& strides, std::int64_t offset, Fn fn) {
  const std::int64_t n = shape.numel();
  std::array<std::int64_t, max_dims> index{};
  std::int64_t j = offset;
  for (std::int64_t i = 0; i < n; ++i) {
    fn(i, j);
    for (int d = shape.size() - 1; d >= 0; --d) {
      const auto k = static_cast<std::size_t>(d);
      if (++index[k] < shape[d]) {
        j += strides[d];
        break;
      }
      j -= (shape[d] - 1) * strides[d];
      index[k] = 0;
    }
  }
}

/// A restricted pickle machine for data.pkl: it builds only the values of `Kind`, calls only the
/// whitelisted callables, and checks every read and every stack access.
class Unpickler {
 public:
  /// `budget`: the most bytes the tensors may take in all (see pth.hpp).
  Unpickler(std::span<const std::byte> pickle, const ZipReader& zip, std::string prefix,
            std::string where, std::uint64_t budget)
      : data_(pickle),
        zip_(zip),
        prefix_(std::move(prefix)),
        where_(std::move(where)),
        budget_(budget) {}

  /// Runs to STOP and returns the index of the unpickled object.
  std::size_t run();
  /// Flattens the unpickled dict into `out` (see pth.hpp for the rules).
  void flatten(std::size_t dict, const std::string& prefix, int depth, StateDict& out,
               std::unordered_set<std::string>& seen) const;
  [[nodiscard]] const Object& object(std::size_t id) const { return objects_[id]; }
  [[noreturn]] void fail(const std::string& what) const;

 private:
  [[noreturn]] void fail_at(std::size_t at, const std::string& what) const;
  std::span<const std::byte> take(std::size_t at, std::size_t n);
  std::uint64_t take_uint(std::size_t at, std::size_t bytes);
  std::string_view take_line(std::size_t at);
  std::size_t make(Kind kind);
  std::size_t make_int(std::int64_t v);
  void push(std::size_t id) { stack_.push_back(id); }
  std::size_t pop(std::size_t at, unsigned char op);
  std::size_t top(std::size_t at, unsigned char op) const;
  std::vector<std::size_t> pop_mark(std::size_t at, unsigned char op);
  std::size_t resolve_global(std::size_t at, unsigned char op, std::string_view module,
                             std::string_view name);
  std::size_t persistent_load(std::size_t at, std::size_t pid);
  std::size_t reduce(std::size_t at, std::size_t callable, std::size_t args);
  std::size_t rebuild_tensor(std::size_t at, const std::vector<std::size_t>& args);
  std::int64_t int_arg(std::size_t at, std::size_t id, const std::string& what) const;
  void copy_elements(const StorageRef& st, const Shape& shape, const Strides& strides,
                     std::int64_t offset, Tensor& out, std::size_t at) const;

  std::span<const std::byte> data_;
  const ZipReader& zip_;
  std::string prefix_;  // "<archive>/"
  std::string where_;   // "fastblock::load_pth: 'file': entry 'x/data.pkl'"
  std::size_t pos_ = 0;
  std::deque<Object> objects_;  // a deque: references stay valid while values are added
  std::vector<std::size_t> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint32_t, std::size_t> memo_;
  std::uint64_t budget_;
  std::vector<StorageRef> storages_;
  std::map<std::string, std::size_t, std::less<>> storage_by_key_;
  std::vector<Tensor> tensors_;
};

FASTBLOCK_FUNC void Unpickler::fail(const std::string& what) const {
  throw io_error(where_ + ": " + what);
}

FASTBLOCK_FUNC void Unpickler::fail_at(std::size_t at, const std::string& what) const {
  fail("byte " + std::to_string(at) + ": " + what);
}

FASTBLOCK_FUNC std::span<const std::byte> Unpickler::take(std::size_t at, std::size_t n) {
  if (n > data_.size() - pos_) {
    fail_at(at, "the pickle ends inside " + describe_opcode(static_cast<unsigned char>(data_[at])) +
                    ", which needs " + std::to_string(n) + " bytes where " +
                    std::to_string(data_.size() - pos_) + " are left");
  }
  const auto out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

FASTBLOCK_FUNC std::uint64_t Unpickler::take_uint(std::size_t at, std::size_t bytes) {
  const auto b = take(at, bytes);
  std::uint64_t v = 0;
  for (std::size_t k = bytes; k-- > 0;) v = v << 8 | static_cast<std::uint64_t>(b[k]);
  return v;
}

FASTBLOCK_FUNC std::string_view Unpickler::take_line(std::size_t at) {
  const auto* begin = reinterpret_cast<const char*>(data_.data()) + pos_;
  const std::size_t left = data_.size() - pos_;
  const auto* nl = static_cast<const char*>(std::memchr(begin, '\n', left));
  if (nl == nullptr) fail_at(at, "the pickle ends inside the name of a GLOBAL");
  const auto n = static_cast<std::size_t>(nl - begin);
  pos_ += n + 1;
  return {begin, n};
}

FASTBLOCK_FUNC std::size_t Unpickler::make(Kind kind) {
  objects_.emplace_back().kind = kind;
  return objects_.size() - 1;
}

FASTBLOCK_FUNC std::size_t Unpickler::make_int(std::int64_t v) {
  const std::size_t id = make(Kind::Int);
  objects_[id].i = v;
  return id;
}

FASTBLOCK_FUNC std::size_t Unpickler::pop(std::size_t at, unsigned char op) {
  // As in Python, MARK starts a new stack: what lies below the latest mark is out of reach.
  const std::size_t floor = marks_.empty() ? 0 : marks_.back();
  if (stack_.size() <= floor)
    fail_at(at, describe_opcode(op) + " needs a value, but the stack is empty");
  const std::size_t id = stack_.back();
  stack_.pop_back();
  return id;
}

FASTBLOCK_FUNC std::size_t Unpickler::top(std::size_t at, unsigned char op) const {
  const std::size_t floor = marks_.empty() ? 0 : marks_.back();
  if (stack_.size() <= floor)
    fail_at(at, describe_opcode(op) + " needs a value, but the stack is empty");
  return stack_.back();
}

FASTBLOCK_FUNC std::vector<std::size_t> Unpickler::pop_mark(std::size_t at, unsigned char op) {
  if (marks_.empty()) fail_at(at, describe_opcode(op) + " needs a MARK, but there is none");
  const auto first = static_cast<std::ptrdiff_t>(marks_.back());
  marks_.pop_back();
  std::vector<std::size_t> items(stack_.begin() + first, stack_.end());
  stack_.resize(static_cast<std::size_t>(first));
  return items;
}

FASTBLOCK_FUNC std::size_t Unpickler::resolve_global(std::size_t at, unsigned char op,
                                                     std::string_view module,
                                                     std::string_view name) {
  std::int64_t which = -1;
  if (module == "collections" && name == "OrderedDict") which = ordered_dict;
  if (module == "torch._utils" && name == "_rebuild_tensor_v2") which = rebuild_tensor_v2;
  if (module == "torch._utils" && name == "_rebuild_parameter") which = rebuild_parameter;
  for (std::size_t k = 0; k < storage_classes.size() && module == "torch"; ++k)
    if (name == storage_classes[k].name) which = storage_class_base + static_cast<std::int64_t>(k);
  if (which < 0) {
    std::string storages;
    for (const auto& c : storage_classes)
      storages += (storages.empty() ? "" : ", ") + std::string(c.name);
    fail_at(at, "refusing opcode " + describe_opcode(op) + " " + printable(module) + " " +
                    printable(name) +
                    ": a state_dict may only name collections.OrderedDict, "
                    "torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter and "
                    "torch's storage classes (" +
                    storages + ")");
  }
  const std::size_t id = make(Kind::Global);
  objects_[id].i = which;
  return id;
}

FASTBLOCK_FUNC std::int64_t Unpickler::int_arg(std::size_t at, std::size_t id,
                                               const std::string& what) const {
  const Object& o = objects_[id];
  if (o.kind != Kind::Int)
    fail_at(at, what + " is " + std::string(kind_name(o.kind)) + ", expected an int");
  if (o.i < 0) fail_at(at, what + " is negative (" + std::to_string(o.i) + ")");
  return o.i;
}

FASTBLOCK_FUNC std::size_t Unpickler::persistent_load(std::size_t at, std::size_t pid) {
  // torch.save's persistent id: ('storage', storage class, key, location, number of elements).
  const Object& t = objects_[pid];
  const auto is = [&](std::size_t k, Kind kind) { return objects_[t.items[k]].kind == kind; };
  if (t.kind != Kind::Tuple || t.items.size() != 5 || !is(0, Kind::Str) ||
      objects_[t.items[0]].s != "storage" || !is(1, Kind::Global) || !is(2, Kind::Str) ||
      !is(3, Kind::Str) || !is(4, Kind::Int)) {
    fail_at(at,
            "BINPERSID expects a persistent id ('storage', torch.<Type>Storage, key, "
            "location, size); got " +
                std::string(kind_name(t.kind)) +
                (t.kind == Kind::Tuple ? " of " + std::to_string(t.items.size()) + " items"
                                       : std::string()) +
                " that is not one");
  }
  const std::int64_t cls_id = objects_[t.items[1]].i - storage_class_base;
  if (cls_id < 0) fail_at(at, "the persistent id names a function where a storage class belongs");
  const auto cls = static_cast<std::size_t>(cls_id);
  const StorageClass& sc = storage_classes[cls];
  const std::string& key = objects_[t.items[2]].s;
  const std::int64_t numel = int_arg(at, t.items[4], "the storage's element count");

  std::size_t index = 0;
  if (const auto it = storage_by_key_.find(key); it != storage_by_key_.end()) {
    index = it->second;
    if (storages_[index].cls != cls) {
      fail_at(at, "storage '" + printable(key) + "' is used both as torch." +
                      std::string(storage_classes[storages_[index].cls].name) + " and as torch." +
                      std::string(sc.name));
    }
    if (storages_[index].numel != static_cast<std::uint64_t>(numel)) {
      fail_at(at, "storage '" + printable(key) + "' is given " + std::to_string(numel) +
                      " elements here and " + std::to_string(storages_[index].numel) +
                      " elsewhere");
    }
  } else {
    const std::string entry_name = prefix_ + "data/" + key;
    const ZipEntry* entry = zip_.find(entry_name);
    if (entry == nullptr) {
      fail_at(at, "storage '" + printable(key) + "' has no entry '" + printable(entry_name) +
                      "' in the archive");
    }
    StorageRef ref{key, cls, zip_.read(*entry), static_cast<std::uint64_t>(numel)};
    std::uint64_t nbytes = 0;
    if (!mul_le(ref.numel, sc.element_size, std::numeric_limits<std::uint64_t>::max(), nbytes) ||
        nbytes != ref.bytes.size()) {
      fail_at(at, "storage '" + printable(key) + "' is a torch." + std::string(sc.name) + " of " +
                      std::to_string(numel) + " elements of " + std::to_string(sc.element_size) +
                      " bytes, but its entry '" + printable(entry_name) + "' holds " +
                      std::to_string(ref.bytes.size()) + " bytes");
    }
    index = storages_.size();
    storages_.push_back(std::move(ref));
    storage_by_key_.emplace(key, index);
  }
  const std::size_t id = make(Kind::Storage);
  objects_[id].i = static_cast<std::int64_t>(index);
  return id;
}

FASTBLOCK_FUNC std::size_t Unpickler::reduce(std::size_t at, std::size_t callable,
                                             std::size_t args) {
  const Object& f = objects_[callable];
  const Object& a = objects_[args];
  if (f.kind != Kind::Global)
    fail_at(at, "REDUCE calls " + std::string(kind_name(f.kind)) + ", which is not callable");
  if (a.kind != Kind::Tuple)
    fail_at(at, "REDUCE's arguments are " + std::string(kind_name(a.kind)) + ", not a tuple");
  switch (f.i) {
    case ordered_dict:
      if (!a.items.empty()) {
        fail_at(at, "collections.OrderedDict is called with " + std::to_string(a.items.size()) +
                        " arguments; a state_dict pickle calls it with none");
      }
      return make(Kind::Dict);
    case rebuild_tensor_v2: {
      const std::vector<std::size_t> items = a.items;  // rebuild_tensor adds objects
      return rebuild_tensor(at, items);
    }
    case rebuild_parameter:
      // _rebuild_parameter(data, requires_grad, backward_hooks): the parameter's tensor.
      if (a.items.size() != 3 || objects_[a.items[0]].kind != Kind::Tensor) {
        fail_at(at, "torch._utils._rebuild_parameter expects (tensor, requires_grad, hooks)");
      }
      return a.items[0];
    default:
      fail_at(at,
              "refusing to call torch." +
                  std::string(
                      storage_classes[static_cast<std::size_t>(f.i - storage_class_base)].name) +
                  ": storages come only from persistent ids");
  }
}

FASTBLOCK_FUNC std::size_t Unpickler::rebuild_tensor(std::size_t at,
                                                     const std::vector<std::size_t>& args) {
  // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks
  //                    [, metadata])
  const auto kind = [&](std::size_t k) { return objects_[args[k]].kind; };
  if ((args.size() != 6 && args.size() != 7) || kind(0) != Kind::Storage ||
      kind(2) != Kind::Tuple || kind(3) != Kind::Tuple || kind(4) != Kind::Bool ||
      kind(5) != Kind::Dict ||
      (args.size() == 7 && kind(6) != Kind::Dict && kind(6) != Kind::None)) {
    std::string got;
    for (std::size_t k = 0; k < args.size(); ++k)
      got += (k ? ", " : "") + std::string(kind_name(kind(k)));
    fail_at(at,
            "torch._utils._rebuild_tensor_v2 expects (storage, offset, size tuple, stride "
            "tuple, requires_grad, hooks dict[, metadata]); got (" +
                got + ")");
  }
  const StorageRef& st = storages_[static_cast<std::size_t>(objects_[args[0]].i)];
  const StorageClass& sc = storage_classes[st.cls];
  const std::string what = "tensor on storage '" + printable(st.key) + "'";
  const std::int64_t offset = int_arg(at, args[1], "the offset of the " + what);
  const auto& size = objects_[args[2]].items;
  const auto& stride = objects_[args[3]].items;
  if (size.size() != stride.size()) {
    fail_at(at, "the " + what + " has " + std::to_string(size.size()) + " sizes but " +
                    std::to_string(stride.size()) + " strides");
  }
  if (size.size() > static_cast<std::size_t>(max_dims)) {
    fail_at(at, "the " + what + " has " + std::to_string(size.size()) +
                    " dimensions; fastblock tensors have at most " + std::to_string(max_dims));
  }
  Shape shape, strides;
  for (std::size_t d = 0; d < size.size(); ++d) {
    shape.push_back(int_arg(at, size[d], "a size of the " + what));
    strides.push_back(int_arg(at, stride[d], "a stride of the " + what));
  }
  // The product of the extents (each at least 1, as Tensor's stride computation multiplies them)
  // and the last storage element the view reads must both be computable without overflow, and
  // that element must lie inside the storage.
  constexpr auto limit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / 8);
  std::uint64_t extent = 1, last = static_cast<std::uint64_t>(offset);
  bool ok = true, empty = false;
  for (int d = 0; d < shape.size(); ++d) {
    const auto n = static_cast<std::uint64_t>(shape[d]);
    std::uint64_t reach = 0;
    ok = ok && mul_le(extent, std::max<std::uint64_t>(n, 1), limit, extent);
    if (n == 0) empty = true;
    if (n > 0) {
      ok = ok && mul_le(n - 1, static_cast<std::uint64_t>(strides[d]), limit, reach) &&
           add_le(last, reach, limit, last);
    }
  }
  if (!ok) {
    fail_at(at, "the " + what + " of size " + shape.str() + ", strides " + strides.str() +
                    " and offset " + std::to_string(offset) + " is too large to address");
  }
  if (!empty && last >= st.numel) {
    fail_at(at, "the " + what + " of size " + shape.str() + ", strides " + strides.str() +
                    " and offset " + std::to_string(offset) + " reads element " +
                    std::to_string(last) + ", outside its storage of " + std::to_string(st.numel) +
                    " elements");
  }

  // Views may repeat storage elements (stride 0) and many tensors may view one storage, so the
  // copies could outgrow the file by any factor; a budget keeps a small file from taking all
  // memory.
  const std::uint64_t nbytes = empty ? 0 : extent * itemsize(sc.dtype);
  if (nbytes > budget_) {
    fail_at(at, "the " + what + " of size " + shape.str() + " would take " +
                    std::to_string(nbytes) + " bytes, more than the " + std::to_string(budget_) +
                    " left of load_pth's budget (4 times the file's size plus 64 MiB for all "
                    "tensors together)");
  }
  budget_ -= nbytes;
  Tensor out(shape, sc.dtype);
  if (!empty) copy_elements(st, shape, strides, offset, out, at);
  const std::size_t id = make(Kind::Tensor);
  objects_[id].i = static_cast<std::int64_t>(tensors_.size());
  tensors_.push_back(std::move(out));
  return id;
}

FASTBLOCK_FUNC void Unpickler::copy_elements(const StorageRef& st, const Shape& shape,
                                             const Strides& strides, std::int64_t offset,
                                             Tensor& out, std::size_t at) const {
  const StorageClass& sc = storage_classes[st.cls];
  const std::byte* const src = st.bytes.data();
  const std::size_t es = sc.element_size;
  const auto elem = [&](std::int64_t j) { return src + static_cast<std::size_t>(j) * es; };
  bool dense = true;  // row-major without gaps, as nearly every state_dict tensor is
  std::int64_t expected = 1;
  for (int d = shape.size() - 1; d >= 0; --d) {
    if (shape[d] == 1) continue;
    dense = dense && strides[d] == expected;
    expected *= shape[d];
  }
  const bool same_bytes =
      sc.encoding == Encoding::F32 || sc.encoding == Encoding::I64 || sc.encoding == Encoding::U8;
  if (dense && same_bytes && std::endian::native == std::endian::little) {
    std::memcpy(out.storage().data(), elem(offset), static_cast<std::size_t>(out.numel()) * es);
    return;
  }
  const auto each = [&](auto fn) { for_each_element(shape, strides, offset, fn); };
  switch (sc.encoding) {
    case Encoding::F32: {
      float* dst = out.data<float>();
      each([&](std::int64_t i, std::int64_t j) {
        dst[i] = std::bit_cast<float>(load_le<std::uint32_t>(elem(j)));
      });
      break;
    }
    case Encoding::F64: {
      float* dst = out.data<float>();
      each([&](std::int64_t i, std::int64_t j) {
        dst[i] = narrow_double(std::bit_cast<double>(load_le<std::uint64_t>(elem(j))));
      });
      break;
    }
    case Encoding::F16: {
      float* dst = out.data<float>();
      each([&](std::int64_t i, std::int64_t j) {
        dst[i] = half_to_float(load_le<std::uint16_t>(elem(j)));
      });
      break;
    }
    case Encoding::BF16: {
      float* dst = out.data<float>();
      each([&](std::int64_t i, std::int64_t j) {
        dst[i] =
            std::bit_cast<float>(static_cast<std::uint32_t>(load_le<std::uint16_t>(elem(j))) << 16);
      });
      break;
    }
    case Encoding::I64: {
      std::int64_t* dst = out.data<std::int64_t>();
      each([&](std::int64_t i, std::int64_t j) {
        dst[i] = static_cast<std::int64_t>(load_le<std::uint64_t>(elem(j)));
      });
      break;
    }
    case Encoding::I32: {
      std::int64_t* dst = out.data<std::int64_t>();
      each([&](std::int64_t i, std::int64_t j) {
        dst[i] = static_cast<std::int32_t>(load_le<std::uint32_t>(elem(j)));
      });
      break;
    }
    case Encoding::I16: {
      std::int64_t* dst = out.data<std::int64_t>();
      each([&](std::int64_t i, std::int64_t j) {
        dst[i] = static_cast<std::int16_t>(load_le<std::uint16_t>(elem(j)));
      });
      break;
    }
    case Encoding::I8: {
      std::int64_t* dst = out.data<std::int64_t>();
      each([&](std::int64_t i, std::int64_t j) {
        dst[i] = static_cast<std::int8_t>(static_cast<std::uint8_t>(*elem(j)));
      });
      break;
    }
    case Encoding::U8: {
      std::uint8_t* dst = out.data<std::uint8_t>();
      each([&](std::int64_t i, std::int64_t j) { dst[i] = static_cast<std::uint8_t>(*elem(j)); });
      break;
    }
    case Encoding::Bool: {
      // Any byte but 0 and 1 would be an invalid bool object in C++ (undefined behaviour to read).
      bool* dst = out.data<bool>();
      each([&](std::int64_t i, std::int64_t j) {
        const auto b = static_cast<unsigned char>(*elem(j));
        if (b > 1) {
          fail_at(at, "storage '" + printable(st.key) + "' (torch.BoolStorage) holds the byte " +
                          std::to_string(b) + " at element " + std::to_string(j) +
                          "; a bool is 0 or 1");
        }
        dst[i] = b == 1;
      });
      break;
    }
  }
}

FASTBLOCK_FUNC std::size_t Unpickler::run() {
  for (;;) {
    if (pos_ >= data_.size()) fail_at(pos_, "the pickle ends without a STOP opcode");
    const std::size_t at = pos_;
    const auto op = static_cast<unsigned char>(data_[pos_++]);
    switch (op) {
      case 0x80: {  // PROTO
        const std::uint64_t v = take_uint(at, 1);
        if (v < 2 || v > 5)
          fail_at(at,
                  "pickle protocol " + std::to_string(v) + " is not supported (expected 2 to 5)");
        break;
      }
      case 0x95:  // FRAME: a buffering hint; the whole pickle is in memory already
        take(at, 8);
        break;
      case '}':
        push(make(Kind::Dict));
        break;
      case ']':
        push(make(Kind::List));
        break;
      case ')':
        push(make(Kind::Tuple));
        break;
      case '(':
        marks_.push_back(stack_.size());
        break;
      case 'X':
      case 0x8c: {  // BINUNICODE, SHORT_BINUNICODE
        const auto n = static_cast<std::size_t>(take_uint(at, op == 'X' ? 4 : 1));
        const auto text = take(at, n);
        const std::size_t id = make(Kind::Str);
        objects_[id].s.assign(reinterpret_cast<const char*>(text.data()), text.size());
        push(id);
        break;
      }
      case 'J':  // BININT: signed 32-bit
        push(make_int(static_cast<std::int32_t>(static_cast<std::uint32_t>(take_uint(at, 4)))));
        break;
      case 'K':
        push(make_int(static_cast<std::int64_t>(take_uint(at, 1))));
        break;
      case 'M':
        push(make_int(static_cast<std::int64_t>(take_uint(at, 2))));
        break;
      case 0x8a: {  // LONG1: n-byte little-endian two's complement
        const auto n = static_cast<std::size_t>(take_uint(at, 1));
        if (n > 8) {
          fail_at(at, "LONG1 holds a " + std::to_string(n) +
                          "-byte integer; at most 8 bytes (int64) are supported");
        }
        std::uint64_t v = take_uint(at, n);
        if (n > 0 && n < 8 && (v >> (8 * n - 1)) != 0) v |= ~std::uint64_t{0} << (8 * n);
        push(make_int(static_cast<std::int64_t>(v)));
        break;
      }
      case 'G': {  // BINFLOAT: big-endian double
        const auto b = take(at, 8);
        std::uint64_t v = 0;
        for (const std::byte x : b) v = v << 8 | static_cast<std::uint64_t>(x);
        const std::size_t id = make(Kind::Float);
        objects_[id].f = std::bit_cast<double>(v);
        push(id);
        break;
      }
      case 0x88:
      case 0x89: {  // NEWTRUE, NEWFALSE
        const std::size_t id = make(Kind::Bool);
        objects_[id].i = op == 0x88;
        push(id);
        break;
      }
      case 'N':
        push(make(Kind::None));
        break;
      case 't': {
        std::vector<std::size_t> items = pop_mark(at, op);
        const std::size_t id = make(Kind::Tuple);
        objects_[id].items = std::move(items);
        push(id);
        break;
      }
      case 0x85:
      case 0x86:
      case 0x87: {  // TUPLE1, TUPLE2, TUPLE3
        std::vector<std::size_t> items(static_cast<std::size_t>(op - 0x84));
        for (std::size_t k = items.size(); k-- > 0;) items[k] = pop(at, op);
        const std::size_t id = make(Kind::Tuple);
        objects_[id].items = std::move(items);
        push(id);
        break;
      }
      case 's': {  // SETITEM
        const std::size_t value = pop(at, op), key = pop(at, op);
        Object& dict = objects_[top(at, op)];
        if (dict.kind != Kind::Dict)
          fail_at(at, "SETITEM applies to " + std::string(kind_name(dict.kind)) + ", not a dict");
        dict.items.insert(dict.items.end(), {key, value});
        break;
      }
      case 'u': {  // SETITEMS
        const std::vector<std::size_t> items = pop_mark(at, op);
        Object& dict = objects_[top(at, op)];
        if (dict.kind != Kind::Dict)
          fail_at(at, "SETITEMS applies to " + std::string(kind_name(dict.kind)) + ", not a dict");
        if (items.size() % 2 != 0)
          fail_at(at, "SETITEMS has an odd number of values (a key without its value)");
        dict.items.insert(dict.items.end(), items.begin(), items.end());
        break;
      }
      case 'a': {  // APPEND
        const std::size_t value = pop(at, op);
        Object& list = objects_[top(at, op)];
        if (list.kind != Kind::List)
          fail_at(at, "APPEND applies to " + std::string(kind_name(list.kind)) + ", not a list");
        list.items.push_back(value);
        break;
      }
      case 'e': {  // APPENDS
        const std::vector<std::size_t> items = pop_mark(at, op);
        Object& list = objects_[top(at, op)];
        if (list.kind != Kind::List)
          fail_at(at, "APPENDS applies to " + std::string(kind_name(list.kind)) + ", not a list");
        list.items.insert(list.items.end(), items.begin(), items.end());
        break;
      }
      case 'q':
      case 'r':
      case 0x94: {  // BINPUT, LONG_BINPUT, MEMOIZE
        const auto index = op == 0x94
                               ? static_cast<std::uint32_t>(memo_.size())
                               : static_cast<std::uint32_t>(take_uint(at, op == 'q' ? 1 : 4));
        memo_[index] = top(at, op);
        break;
      }
      case 'h':
      case 'j': {  // BINGET, LONG_BINGET
        const auto index = static_cast<std::uint32_t>(take_uint(at, op == 'h' ? 1 : 4));
        const auto it = memo_.find(index);
        if (it == memo_.end())
          fail_at(at, describe_opcode(op) + " " + std::to_string(index) + " names no memo entry");
        push(it->second);
        break;
      }
      case 'c': {  // GLOBAL "module\nname\n"
        const std::string_view module = take_line(at);
        const std::string_view name = take_line(at);
        push(resolve_global(at, op, module, name));
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        const std::size_t name = pop(at, op), module = pop(at, op);
        if (objects_[module].kind != Kind::Str || objects_[name].kind != Kind::Str)
          fail_at(at, "STACK_GLOBAL needs a module and a name, both str");
        const std::string module_text = objects_[module].s, name_text = objects_[name].s;
        push(resolve_global(at, op, module_text, name_text));
        break;
      }
      case 'R': {  // REDUCE
        const std::size_t args = pop(at, op), callable = pop(at, op);
        push(reduce(at, callable, args));
        break;
      }
      case 'Q':  // BINPERSID
        push(persistent_load(at, pop(at, op)));
        break;
      case 'b': {  // BUILD: only the attributes torch sets on a state_dict (`_metadata`)
        const Object& state = objects_[pop(at, op)];
        const Object& target = objects_[top(at, op)];
        const auto attributes = [&](const Object& o) {
          return o.kind == Kind::Dict || o.kind == Kind::None;
        };
        const bool ok =
            attributes(state) ||
            (state.kind == Kind::Tuple && state.items.size() == 2 &&
             attributes(objects_[state.items[0]]) && attributes(objects_[state.items[1]]));
        if (target.kind != Kind::Dict || !ok) {
          fail_at(at, "BUILD gives " + std::string(kind_name(target.kind)) + " the state " +
                          std::string(kind_name(state.kind)) +
                          "; only a dict's attributes (a state_dict's _metadata) are accepted");
        }
        break;
      }
      case '.':  // STOP
        if (!marks_.empty() || stack_.size() != 1) {
          fail_at(at, "STOP leaves " + std::to_string(stack_.size()) + " values and " +
                          std::to_string(marks_.size()) + " marks; expected exactly one value");
        }
        return stack_.back();
      default:
        fail_at(at, "refusing " + describe_opcode(op) +
                        ": a state_dict pickle does not use it, and load_pth runs no code");
    }
  }
}

FASTBLOCK_FUNC void Unpickler::flatten(std::size_t dict, const std::string& prefix, int depth,
                                       StateDict& out,
                                       std::unordered_set<std::string>& seen) const {
  // Bounded so that a dict containing itself (possible through the memo) cannot recurse forever.
  constexpr int max_depth = 32;
  if (depth > max_depth) {
    fail("dicts nest deeper than " + std::to_string(max_depth) + " levels under '" +
         printable(prefix) + "' (or a dict contains itself)");
  }
  const Object& d = objects_[dict];
  for (std::size_t k = 0; k + 1 < d.items.size(); k += 2) {
    const Object& key = objects_[d.items[k]];
    const Object& value = objects_[d.items[k + 1]];
    if (key.kind != Kind::Str) {
      fail("a key " +
           (prefix.empty() ? std::string("of the top-level dict")
                           : "under '" + printable(prefix) + "'") +
           " is " + std::string(kind_name(key.kind)) + "; expected str names");
    }
    std::string name = prefix + key.s;
    if (value.kind == Kind::Tensor) {
      if (!seen.insert(name).second) fail("the name '" + printable(name) + "' appears twice");
      out.insert(std::move(name), tensors_[static_cast<std::size_t>(value.i)]);
    } else if (value.kind == Kind::Dict) {
      flatten(d.items[k + 1], name + ".", depth + 1, out, seen);
    } else {
      fail("'" + printable(name) + "' holds " + std::string(kind_name(value.kind)) +
           ", not a tensor or a dict of tensors; load_pth reads state_dicts (torch.save(" +
           "model.state_dict(), path)), so save the state_dict alone");
    }
  }
}

}  // namespace detail::pth

FASTBLOCK_FUNC StateDict load_pth(std::span<const std::byte> bytes, std::string_view source_name) {
  using namespace detail::pth;
  const std::string where = "fastblock::load_pth: '" + std::string(source_name) + "'";
  const auto fail = [&](const std::string& what) { throw io_error(where + ": " + what); };
  const auto starts_with = [&](std::string_view magic, std::size_t at = 0) {
    return bytes.size() >= at + magic.size() &&
           std::memcmp(bytes.data() + at, magic.data(), magic.size()) == 0;
  };
  if (starts_with("\x80") || starts_with("ustar", 257)) {
    fail(
        "is in PyTorch's legacy format (torch < 1.6, or saved with "
        "_use_new_zipfile_serialization=False), which is not supported; re-save it with a "
        "newer torch: torch.save(torch.load(path), path)");
  }
  if (!starts_with("PK\x03\x04")) {
    fail(
        "is not a PyTorch checkpoint: a torch.save file is a ZIP archive and starts with "
        "'PK\\3\\4'");
  }
  const ZipReader zip(bytes, std::string(source_name));
  if (zip.entries().empty()) fail("is an empty ZIP archive, not a torch.save checkpoint");
  const std::string& first = zip.entries().front().name;
  const std::size_t slash = first.find('/');
  if (slash == std::string::npos) {
    fail("its first entry '" + printable(first) +
         "' is not in a folder; a torch.save archive holds <name>/data.pkl");
  }
  const std::string prefix = first.substr(0, slash + 1);
  if (zip.find(prefix + "constants.pkl") != nullptr) {
    fail(
        "is a TorchScript archive (torch.jit.save), not a torch.save checkpoint; save the "
        "model's state_dict with torch.save instead");
  }
  const ZipEntry* pickle = zip.find(prefix + "data.pkl");
  if (pickle == nullptr) {
    fail("has no entry '" + printable(prefix) + "data.pkl', so it is not a torch.save checkpoint");
  }

  // The format version: torch writes `version` (newer releases `.data/version`), a number.
  const ZipEntry* version = zip.find(prefix + ".data/version");
  if (version == nullptr) version = zip.find(prefix + "version");
  if (version == nullptr) fail("has no entry '" + printable(prefix) + "version'");
  const auto v = zip.read(*version);
  std::string_view vtext(reinterpret_cast<const char*>(v.data()), v.size());
  while (!vtext.empty() && (vtext.back() == '\n' || vtext.back() == '\r')) vtext.remove_suffix(1);
  std::uint64_t version_number = 0;
  for (const char c : vtext) {
    if (c < '0' || c > '9' || version_number > 1'000'000) {
      version_number = 0;
      break;
    }
    version_number = version_number * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (version_number == 0) {
    fail("entry '" + version->name + "' holds '" + printable(vtext) +
         "', expected a positive format version number");
  }
  if (const ZipEntry* order = zip.find(prefix + "byteorder"); order != nullptr) {
    const auto o = zip.read(*order);
    std::string_view otext(reinterpret_cast<const char*>(o.data()), o.size());
    while (!otext.empty() && (otext.back() == '\n' || otext.back() == '\r')) otext.remove_suffix(1);
    if (otext != "little") {
      fail("records the byte order '" + printable(otext) +
           "'; only little-endian checkpoints are supported");
    }
  }

  const std::uint64_t budget = 4 * static_cast<std::uint64_t>(bytes.size()) + (64u << 20);
  Unpickler unpickler(zip.read(*pickle), zip, prefix, where + ": entry '" + pickle->name + "'",
                      budget);
  const std::size_t root = unpickler.run();
  if (unpickler.object(root).kind != Kind::Dict) {
    unpickler.fail("the pickled object is " + std::string(kind_name(unpickler.object(root).kind)) +
                   ", not a dict of tensors (a state_dict)");
  }
  StateDict out;
  std::unordered_set<std::string> seen;
  unpickler.flatten(root, "", 0, out, seen);
  return out;
}

FASTBLOCK_FUNC StateDict load_pth(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec)
    throw io_error("fastblock::load_pth: cannot read '" + path.string() + "': " + ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw io_error("fastblock::load_pth: cannot open '" + path.string() +
                   "': " + std::error_code(errno, std::generic_category()).message());
  }
  const auto buffer = std::make_unique_for_overwrite<std::byte[]>(size);
  in.read(reinterpret_cast<char*>(buffer.get()), static_cast<std::streamsize>(size));
  if (static_cast<std::uintmax_t>(in.gcount()) != size) {
    throw io_error("fastblock::load_pth: '" + path.string() + "' ended after " +
                   std::to_string(in.gcount()) + " of its " + std::to_string(size) +
                   " bytes; was it changed while being read?");
  }
  return load_pth(std::span<const std::byte>(buffer.get(), size), path.string());
}

}  // namespace fastblock
