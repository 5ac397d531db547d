// fastblock/io/zip_reader.hpp — the entries of a ZIP archive held in memory, read without trust.
//
// Contract: ZipReader indexes a ZIP archive (PKWARE APPNOTE 6.3) whose bytes the caller keeps
// alive, without copying them. It finds the end-of-central-directory record (and, when present,
// the zip64 locator and record), walks the central directory and checks every entry's local
// header, so that after construction every entry's data is known to lie inside the archive, before
// the central directory. Only what PyTorch's checkpoints need is supported: one disk, no
// encryption, and reading the data of stored (method 0, uncompressed) entries; a compressed entry
// is listed but reading it throws. Every size, offset and count in the file is treated as hostile:
// arithmetic on them is overflow-checked and each read is bounds-checked, so a truncated or
// crafted archive throws io_error (naming the archive, the record or entry, its offset and what
// was expected) and never reads outside the buffer. Entry names are only compared, never used as
// paths, so `..` or absolute names are harmless here.
//
// Cost: construction is one pass over the central directory (a few dozen bytes per entry);
// reading an entry checks its CRC-32 once, at about 1 GB/s.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fastblock/core/config.hpp>

namespace fastblock {

/// One file of a ZIP archive, as its central directory and local header describe it.
struct ZipEntry {
  /// The name stored in the archive ("resnet18/data/0").
  std::string name;
  /// Compression method: 0 is stored (the only one ZipReader::read accepts), 8 deflate, ...
  std::uint16_t method = 0;
  /// CRC-32 of the uncompressed data; 0 means "not recorded" (see ZipReader::read).
  std::uint32_t crc32 = 0;
  /// Byte offset of the entry's (possibly compressed) data in the archive.
  std::uint64_t data_offset = 0;
  /// Bytes the data occupies in the archive.
  std::uint64_t compressed_size = 0;
  /// Bytes once decompressed (equal to compressed_size for a stored entry).
  std::uint64_t size = 0;
};

/// A validated, read-only index of a ZIP archive in memory; it views the bytes, which must
/// outlive it.
class ZipReader {
 public:
  /// Parses and checks the archive's directory; `source_name` names the archive in errors.
  /// Throws io_error for anything malformed, truncated, multi-disk or encrypted, and for two
  /// entries of the same name.
  ZipReader(std::span<const std::byte> archive, std::string source_name);

  /// The entries in central-directory order.
  [[nodiscard]] const std::vector<ZipEntry>& entries() const noexcept { return entries_; }
  /// The entry named exactly `name`, or nullptr.
  [[nodiscard]] const ZipEntry* find(std::string_view name) const;
  /// The uncompressed bytes of the entry named `name`, a view into the archive. Throws io_error
  /// when there is no such entry, when it is compressed, or when its CRC-32 does not match its
  /// data (a CRC of 0 counts as not recorded and is not checked: PyTorch can be told to skip it).
  [[nodiscard]] std::span<const std::byte> read(std::string_view name) const;
  /// As read(name), for an entry of this reader.
  [[nodiscard]] std::span<const std::byte> read(const ZipEntry& entry) const;
  /// The name given for the archive in error messages.
  [[nodiscard]] const std::string& source_name() const noexcept { return source_; }

 private:
  void parse();
  [[noreturn]] void fail(const std::string& what) const;

  std::span<const std::byte> archive_;
  std::string source_;
  std::vector<ZipEntry> entries_;
  std::map<std::string, std::size_t, std::less<>> by_name_;
};

/// The CRC-32 that ZIP, gzip and PNG use (reflected polynomial 0xEDB88320) of `bytes`, continuing
/// from `crc` (0 to start): zip_crc32(b, zip_crc32(a)) is the CRC of a followed by b.
[[nodiscard]] std::uint32_t zip_crc32(std::span<const std::byte> bytes,
                                      std::uint32_t crc = 0) noexcept;

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/io/zip_reader-inl.hpp>
#endif
