// fastblock/io/zip_reader-inl.hpp — out-of-line definitions for io/zip_reader.hpp.
//
// Included by zip_reader.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/io/zip_reader.hpp>

namespace fastblock {

namespace detail::zip {

inline constexpr std::uint32_t local_header_signature = 0x04034b50;
inline constexpr std::uint32_t central_header_signature = 0x02014b50;
inline constexpr std::uint32_t eocd_signature = 0x06054b50;
inline constexpr std::uint32_t zip64_eocd_signature = 0x06064b50;
inline constexpr std::uint32_t zip64_locator_signature = 0x07064b50;
inline constexpr std::uint64_t eocd_size = 22;
inline constexpr std::uint64_t zip64_locator_size = 20;
inline constexpr std::uint64_t zip64_eocd_size = 56;
inline constexpr std::uint64_t central_header_size = 46;
inline constexpr std::uint64_t local_header_size = 30;
inline constexpr std::uint64_t max_comment = 0xFFFF;

/// Slicing-by-8 tables: table[k][b] is the CRC of byte b followed by k zero bytes, which lets the
/// loop fold eight input bytes per step instead of one.
inline constexpr auto crc_tables = [] {
  std::array<std::array<std::uint32_t, 256>, 8> t{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t c = b;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[0][b] = c;
  }
  for (std::size_t k = 1; k < 8; ++k)
    for (std::size_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFFu];
  return t;
}();

/// a + b, or false when it does not fit in 64 bits (offsets in the file are attacker-chosen).
constexpr bool add(std::uint64_t a, std::uint64_t b, std::uint64_t& out) noexcept {
  if (b > std::numeric_limits<std::uint64_t>::max() - a) return false;
  out = a + b;
  return true;
}

constexpr std::string_view method_name(std::uint16_t method) noexcept {
  switch (method) {
    case 0:
      return "stored";
    case 8:
      return "deflate";
    case 9:
      return "deflate64";
    case 12:
      return "bzip2";
    case 14:
      return "lzma";
    case 93:
      return "zstd";
    case 95:
      return "xz";
    default:
      return "unknown";
  }
}

inline std::string hex32(std::uint32_t v) {
  char buf[11];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

}  // namespace detail::zip

FASTBLOCK_FUNC std::uint32_t zip_crc32(std::span<const std::byte> bytes,
                                       std::uint32_t crc) noexcept {
  const auto& t = detail::zip::crc_tables;
  std::uint32_t c = ~crc;
  const std::byte* p = bytes.data();
  std::size_t n = bytes.size();
  const auto u8 = [](std::byte b) { return static_cast<std::uint32_t>(b); };
  for (; n >= 8; p += 8, n -= 8) {
    // Assembled byte by byte, so the result does not depend on the host's byte order.
    const std::uint32_t lo = c ^ (u8(p[0]) | u8(p[1]) << 8 | u8(p[2]) << 16 | u8(p[3]) << 24);
    const std::uint32_t hi = u8(p[4]) | u8(p[5]) << 8 | u8(p[6]) << 16 | u8(p[7]) << 24;
    c = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24] ^
        t[3][hi & 0xFF] ^ t[2][(hi >> 8) & 0xFF] ^ t[1][(hi >> 16) & 0xFF] ^ t[0][hi >> 24];
  }
  for (; n > 0; ++p, --n) c = t[0][(c ^ u8(*p)) & 0xFF] ^ (c >> 8);
  return ~c;
}

FASTBLOCK_FUNC ZipReader::ZipReader(std::span<const std::byte> archive, std::string source_name)
    : archive_(archive), source_(std::move(source_name)) {
  parse();
}

FASTBLOCK_FUNC void ZipReader::fail(const std::string& what) const {
  throw io_error("fastblock::ZipReader: '" + source_ + "': " + what);
}

FASTBLOCK_FUNC const ZipEntry* ZipReader::find(std::string_view name) const {
  const auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &entries_[it->second];
}

FASTBLOCK_FUNC std::span<const std::byte> ZipReader::read(std::string_view name) const {
  const ZipEntry* entry = find(name);
  if (entry == nullptr) fail("has no entry named '" + std::string(name) + "'");
  return read(*entry);
}

FASTBLOCK_FUNC std::span<const std::byte> ZipReader::read(const ZipEntry& entry) const {
  using namespace detail::zip;
  if (entry.method != 0) {
    fail("entry '" + entry.name + "' is compressed (method " + std::to_string(entry.method) + ", " +
         std::string(method_name(entry.method)) + "); only stored (method 0) entries can be read");
  }
  // Entries come from parse(), which checked this; checked again so that an entry from another
  // reader cannot lead outside this buffer.
  std::uint64_t end = 0;
  if (!add(entry.data_offset, entry.compressed_size, end) || end > archive_.size())
    fail("entry '" + entry.name + "' lies outside the archive");
  const auto data = archive_.subspan(static_cast<std::size_t>(entry.data_offset),
                                     static_cast<std::size_t>(entry.compressed_size));
  if (entry.crc32 != 0) {
    const std::uint32_t actual = zip_crc32(data);
    if (actual != entry.crc32) {
      fail("entry '" + entry.name + "' is corrupt: its CRC-32 is " + hex32(actual) +
           " but the archive records " + hex32(entry.crc32));
    }
  }
  return data;
}

FASTBLOCK_FUNC void ZipReader::parse() {
  using namespace detail::zip;
  const std::uint64_t size = archive_.size();
  // Every read goes through these: `need` proves [at, at + n) lies inside [0, limit) first.
  const auto need = [&](std::uint64_t at, std::uint64_t n, std::uint64_t limit,
                        const std::string& what) {
    std::uint64_t end = 0;
    if (!add(at, n, end) || end > limit || limit > size) {
      fail(what + " at byte " + std::to_string(at) + " (" + std::to_string(n) +
           " bytes) extends past " +
           (limit == size ? "the end of the file (" + std::to_string(size) + " bytes)"
                          : "byte " + std::to_string(limit)));
    }
  };
  const auto le = [&](std::uint64_t at, int bytes) {
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i)
      v = v << 8 | static_cast<std::uint64_t>(archive_[static_cast<std::size_t>(at) + i]);
    return v;
  };
  const auto u16 = [&](std::uint64_t at) { return static_cast<std::uint16_t>(le(at, 2)); };
  const auto u32 = [&](std::uint64_t at) { return static_cast<std::uint32_t>(le(at, 4)); };
  const auto u64 = [&](std::uint64_t at) { return le(at, 8); };

  if (size < eocd_size) {
    fail("is " + std::to_string(size) +
         " bytes long, too short for a ZIP archive (its end-of-central-directory record alone "
         "takes 22 bytes)");
  }
  // The end record sits at the very end, after a comment of up to 64 KiB whose length it holds;
  // requiring that length to reach exactly the end rejects a signature that is part of a comment.
  std::uint64_t eocd = 0;
  bool found = false;
  const std::uint64_t lowest = size > eocd_size + max_comment ? size - eocd_size - max_comment : 0;
  for (std::uint64_t pos = size - eocd_size;; --pos) {
    if (u32(pos) == eocd_signature && pos + eocd_size + u16(pos + 20) == size) {
      eocd = pos;
      found = true;
      break;
    }
    if (pos == lowest) break;
  }
  if (!found) {
    fail("has no end-of-central-directory record: it is not a ZIP archive, or it is truncated");
  }
  std::uint64_t disk = u16(eocd + 4), cd_disk = u16(eocd + 6);
  std::uint64_t disk_entries = u16(eocd + 8), count = u16(eocd + 10);
  std::uint64_t cd_size = u32(eocd + 12), cd_offset = u32(eocd + 16);
  std::uint64_t directory_end = eocd;  // what the central directory must end before

  if (eocd >= zip64_locator_size && u32(eocd - zip64_locator_size) == zip64_locator_signature) {
    const std::uint64_t locator = eocd - zip64_locator_size;
    const std::uint64_t record = u64(locator + 8);
    if (u32(locator + 4) != 0 || u32(locator + 16) > 1)
      fail("the zip64 locator describes a multi-disk archive, which is not supported");
    need(record, zip64_eocd_size, locator, "the zip64 end-of-central-directory record");
    if (u32(record) != zip64_eocd_signature) {
      fail("the zip64 locator points to byte " + std::to_string(record) +
           ", which does not hold a zip64 end-of-central-directory record");
    }
    disk = u32(record + 16);
    cd_disk = u32(record + 20);
    disk_entries = u64(record + 24);
    count = u64(record + 32);
    cd_size = u64(record + 40);
    cd_offset = u64(record + 48);
    directory_end = record;
  }
  if (disk != 0 || cd_disk != 0 || disk_entries != count)
    fail("is a multi-disk (split) archive, which is not supported");
  need(cd_offset, cd_size, directory_end, "the central directory");
  if (count > cd_size / central_header_size) {
    fail("claims " + std::to_string(count) + " entries, but its central directory of " +
         std::to_string(cd_size) + " bytes has room for at most " +
         std::to_string(cd_size / central_header_size));
  }
  const std::uint64_t cd_end = cd_offset + cd_size;

  entries_.reserve(static_cast<std::size_t>(count));
  std::uint64_t pos = cd_offset;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::string record = "central directory record " + std::to_string(i);
    need(pos, central_header_size, cd_end, record);
    if (u32(pos) != central_header_signature) {
      fail(record + " at byte " + std::to_string(pos) + " does not start with the signature " +
           "PK\\1\\2");
    }
    const std::uint16_t flags = u16(pos + 8);
    ZipEntry e;
    e.method = u16(pos + 10);
    e.crc32 = u32(pos + 16);
    e.compressed_size = u32(pos + 20);
    e.size = u32(pos + 24);
    const std::uint64_t name_len = u16(pos + 28), extra_len = u16(pos + 30);
    const std::uint64_t comment_len = u16(pos + 32);
    std::uint64_t disk_start = u16(pos + 34);
    std::uint64_t local = u32(pos + 42);
    need(pos + central_header_size, name_len + extra_len + comment_len, cd_end, record);
    const std::uint64_t name_at = pos + central_header_size;
    e.name.assign(reinterpret_cast<const char*>(archive_.data() + name_at),
                  static_cast<std::size_t>(name_len));
    const std::string what = "entry '" + e.name + "' (" + record + ")";

    // A field saturated at 0xFFFF... takes its value from the zip64 extra field, which holds
    // only those fields, in this order.
    const std::uint64_t extra_end = name_at + name_len + extra_len;
    for (std::uint64_t x = name_at + name_len; x < extra_end;) {
      need(x, 4, extra_end, what + ": extra field header");
      const std::uint16_t id = u16(x);
      const std::uint64_t len = u16(x + 2);
      need(x + 4, len, extra_end, what + ": extra field " + std::to_string(id));
      if (id == 0x0001) {
        std::uint64_t at = x + 4;
        const std::uint64_t end = x + 4 + len;
        for (std::uint64_t* field : {&e.size, &e.compressed_size, &local}) {
          if (*field != 0xFFFFFFFFu) continue;
          need(at, 8, end, what + ": zip64 extra field");
          *field = u64(at);
          at += 8;
        }
        if (disk_start == 0xFFFF) {
          need(at, 4, end, what + ": zip64 extra field");
          disk_start = u32(at);
        }
      }
      x += 4 + len;
    }
    if (disk_start != 0) fail(what + " starts on disk " + std::to_string(disk_start));
    if ((flags & 0x41u) != 0) fail(what + " is encrypted, which is not supported");
    if (e.method == 0 && e.compressed_size != e.size) {
      fail(what + " is stored uncompressed but records " + std::to_string(e.compressed_size) +
           " bytes in the archive for " + std::to_string(e.size) + " bytes of data");
    }

    // The local header repeats the name and method; its sizes may legitimately differ (zip64,
    // data descriptors), so the central directory's are the ones used.
    need(local, local_header_size, cd_offset, what + ": local header");
    if (u32(local) != local_header_signature) {
      fail(what + ": its local header at byte " + std::to_string(local) +
           " does not start with the signature PK\\3\\4");
    }
    const std::uint64_t local_name_len = u16(local + 26), local_extra_len = u16(local + 28);
    need(local + local_header_size, local_name_len + local_extra_len, cd_offset,
         what + ": local header");
    const std::string_view local_name(
        reinterpret_cast<const char*>(archive_.data() + local + local_header_size),
        static_cast<std::size_t>(local_name_len));
    if (local_name != e.name) {
      fail(what + ": its local header at byte " + std::to_string(local) + " names '" +
           std::string(local_name) + "' instead");
    }
    if (u16(local + 8) != e.method) {
      fail(what + ": its local header gives compression method " + std::to_string(u16(local + 8)) +
           ", the central directory " + std::to_string(e.method));
    }
    e.data_offset = local + local_header_size + local_name_len + local_extra_len;
    need(e.data_offset, e.compressed_size, cd_offset, what + ": data");

    if (!by_name_.emplace(e.name, entries_.size()).second)
      fail("has two entries named '" + e.name + "'");
    entries_.push_back(std::move(e));
    pos = extra_end + comment_len;
  }
}

}  // namespace fastblock
