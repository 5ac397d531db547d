// fastblock/io/safetensors.hpp — StateDicts in and out of safetensors files.
//
// Contract: the format is Hugging Face's safetensors (https://github.com/huggingface/safetensors):
// an 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON, then the data buffer.
// The JSON is an object mapping each tensor name to {"dtype", "shape", "data_offsets": [begin,
// end]} (offsets relative to the data buffer), plus an optional "__metadata__" object of string
// values (or null). Tensors are stored contiguous, row-major, little-endian.
//
// Reading is as strict as the reference implementation: the header must be valid UTF-8 JSON of at
// most 100,000,000 bytes and, as the format's specification says, start with '{' (the reference
// reader 0.8 also skips leading whitespace; this one does not); every tensor needs a known dtype, a
// shape of non-negative integers and two integer data_offsets whose span holds exactly numel *
// itemsize bytes; the tensors must cover the data buffer exactly (no overlap, no gap, nothing after
// the last one), which also catches truncated files. A name, field or metadata key that appears
// twice is an error too (a JSON parser would keep the last one silently and hide the first).
// Fields of a tensor entry other than the three above are ignored, as the reference does. Every
// violation throws io_error naming the file, the tensor or field and what was expected; nothing
// is read outside the given bytes.
//
// dtypes: F32, I64, U8 and BOOL are read as float32, int64, uint8 and bool (a BOOL byte other than
// 0 counts as true). Four more are converted, because checkpoints commonly hold them: F16 and BF16
// are widened to float32 exactly (subnormals, infinities and NaN payloads kept; an F16 signalling
// NaN comes out quiet, as from PyTorch's .float()), F64 is rounded to the nearest float32 (ties to
// even; beyond float32's range it becomes ±inf), and I32 is widened to int64. Every other dtype
// (I8, U16, F8_*, ...) throws io_error naming the tensor and dtype.
// Writing stores float32, int64, uint8 and bool as F32, I64, U8 and BOOL.
//
// Order: a loaded StateDict lists tensors by their position in the data buffer (as safetensors'
// `safe_open(...).offset_keys()` does); the writer lays tensors out in StateDict order, so a
// save/load round trip keeps the order. The reference writer sorts tensors by dtype alignment,
// then name: a StateDict in that order (any file it wrote, loaded) is written back byte for byte
// as the reference writes it, provided there is at most one metadata entry (the reference keeps
// metadata in a hash map, so its order is unspecified beyond one).
//
// Cost: load_safetensors(path) reads the header, then each tensor's bytes straight into its
// storage (converted dtypes go through one temporary buffer per tensor), so peak memory is the
// tensors plus the header. Every tensor is read into memory: no memory mapping, no lazy loading.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/io/state_dict.hpp>

namespace fastblock {

/// Everything a safetensors file holds: its tensors and its "__metadata__" strings.
struct SafetensorsFile {
  /// The tensors, in the order of their data in the file.
  StateDict tensors;
  /// The "__metadata__" entries (empty when the file has none), e.g. {"format": "pt"}.
  std::map<std::string, std::string> metadata;
};

/// Reads the tensors and metadata of a safetensors file. Throws io_error, naming the file, when it
/// cannot be read or is not a valid safetensors file (see the contract above).
SafetensorsFile read_safetensors(const std::filesystem::path& path);

/// Like read_safetensors(path) on bytes already in memory; `name_for_errors` stands for the file
/// name in error messages. The tensors are copies: `bytes` may be freed afterwards.
SafetensorsFile read_safetensors(std::span<const std::byte> bytes,
                                 std::string_view name_for_errors);

/// The tensors of a safetensors file (safetensors.torch.load_file); read_safetensors(path).tensors.
StateDict load_safetensors(const std::filesystem::path& path);

/// The tensors of a safetensors file already in memory; `name_for_errors` stands for the file name
/// in error messages.
StateDict load_safetensors(std::span<const std::byte> bytes, std::string_view name_for_errors);

/// The safetensors encoding of `dict` (safetensors.torch.save): tensors in StateDict order, each
/// contiguous and little-endian, the JSON header compact and padded with spaces to a multiple of
/// 8 bytes, "__metadata__" first when `metadata` is not empty. Tensors on another device are
/// copied to the CPU first. Throws value_error when a name or metadata string is not valid UTF-8,
/// a tensor is named "__metadata__", or the header would exceed the readers' 100,000,000-byte
/// limit.
std::vector<std::byte> to_safetensors_bytes(
    const StateDict& dict, const std::map<std::string, std::string>& metadata = {});

/// Writes to_safetensors_bytes(dict, metadata) to `path` (safetensors.torch.save_file), streaming
/// each tensor's data rather than building the file in memory. Throws the same value_errors, and
/// io_error naming the file when it cannot be written.
void save_safetensors(const StateDict& dict, const std::filesystem::path& path,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/io/safetensors-inl.hpp>
#endif
