// fuzz/fuzz_safetensors.cpp — libFuzzer target for read_safetensors on a byte span
// (io/safetensors.hpp). A file that loads must be written back (to_safetensors_bytes) and read
// again to the same tensors and metadata.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include <fastblock/core/error.hpp>
#include <fastblock/io/safetensors.hpp>

namespace {

bool same_bytes(const fastblock::Tensor& a, const fastblock::Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  const auto ab = a.contiguous(), bb = b.contiguous();
  const std::size_t n = static_cast<std::size_t>(ab.numel()) * fastblock::itemsize(ab.dtype());
  return n == 0 || std::memcmp(ab.data_bytes(), bb.data_bytes(), n) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  fastblock::SafetensorsFile file;
  try {
    file = fastblock::read_safetensors(bytes, "fuzz.safetensors");
  } catch (const fastblock::error&) {
    return 0;
  }
  std::vector<std::byte> again;
  try {
    again = fastblock::to_safetensors_bytes(file.tensors, file.metadata);
  } catch (const fastblock::value_error&) {
    return 0;  // e.g. a metadata string the writer refuses; the reader's business is done
  }
  const fastblock::SafetensorsFile back = fastblock::read_safetensors(again, "roundtrip");
  if (back.metadata != file.metadata || back.tensors.size() != file.tensors.size()) std::abort();
  auto it = back.tensors.begin();
  for (const auto& [name, t] : file.tensors) {
    if (it->first != name || !same_bytes(it->second, t)) std::abort();
    ++it;
  }
  return 0;
}
