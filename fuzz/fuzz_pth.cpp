// fuzz/fuzz_pth.cpp — libFuzzer target for load_pth on a byte span (io/pth.hpp): the ZIP reader
// (io/zip_reader.hpp), the restricted unpickler and the tensor rebuilding.
//
// Each input is loaded as it is and, when it holds ZIP entries, once more with every entry's CRC-32
// rewritten to match its (mutated) data: otherwise nearly every mutation of data.pkl or of a
// storage would stop at the CRC check and the unpickler would hardly be fuzzed.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include <fastblock/core/error.hpp>
#include <fastblock/io/pth.hpp>
#include <fastblock/io/zip_reader.hpp>

namespace {

std::uint32_t get32(const std::vector<std::byte>& b, std::size_t at) {
  return static_cast<std::uint32_t>(b[at]) | static_cast<std::uint32_t>(b[at + 1]) << 8 |
         static_cast<std::uint32_t>(b[at + 2]) << 16 | static_cast<std::uint32_t>(b[at + 3]) << 24;
}
std::uint32_t get16(const std::vector<std::byte>& b, std::size_t at) {
  return static_cast<std::uint32_t>(b[at]) | static_cast<std::uint32_t>(b[at + 1]) << 8;
}
void put32(std::vector<std::byte>& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::byte>(v >> (8 * i));
}

/// Rewrites the CRC-32 of every local header (PK\3\4, data of its 32-bit compressed size right
/// after it) and of the central record (PK\1\2) pointing at it; whether anything changed.
bool fix_crcs(std::vector<std::byte>& b) {
  std::map<std::uint32_t, std::uint32_t> crc_at;  // local header offset -> CRC of its data
  for (std::size_t p = 0; p + 30 <= b.size(); ++p) {
    if (get32(b, p) != 0x04034b50) continue;
    const std::size_t data = p + 30 + get16(b, p + 26) + get16(b, p + 28);
    const std::size_t size = get32(b, p + 18);
    if (data > b.size() || size > b.size() - data) continue;
    const std::uint32_t crc = fastblock::zip_crc32(std::span(b).subspan(data, size));
    put32(b, p + 14, crc);
    crc_at[static_cast<std::uint32_t>(p)] = crc;
  }
  if (crc_at.empty()) return false;
  for (std::size_t p = 0; p + 46 <= b.size(); ++p) {
    if (get32(b, p) != 0x02014b50) continue;
    const auto it = crc_at.find(get32(b, p + 42));
    if (it != crc_at.end()) put32(b, p + 16, it->second);
  }
  return true;
}

void load(std::span<const std::byte> bytes) {
  try {
    const fastblock::StateDict dict = fastblock::load_pth(bytes, "fuzz.pth");
    for (const auto& [name, t] : dict) (void)t.numel();
  } catch (const fastblock::error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  load(bytes);
  std::vector<std::byte> fixed(bytes.begin(), bytes.end());
  if (fix_crcs(fixed) && !std::equal(fixed.begin(), fixed.end(), bytes.begin())) load(fixed);
  return 0;
}
