// fastblock/io/pth.hpp — PyTorch checkpoints (`torch.save(model.state_dict(), path)`), in C++.
//
// Contract: load_pth reads the zip format that torch >= 1.6 writes (torchvision's
// resnet18-f37072fd.pth, a fine-tuned model's `model.pth`): a ZIP archive of stored entries
// `<archive>/data.pkl` (a pickle of the state_dict), `<archive>/data/<key>` (the raw little-endian
// bytes of each storage), `<archive>/version` (or `.data/version`) and maybe
// `<archive>/byteorder`, which must say "little". It returns the dict's tensors under their names,
// in the file's order, each a contiguous copy that shares nothing with the file or with the other
// tensors (views of one storage, such as a transpose, an offset slice or an expand, are
// materialised element by element).
//
// Safety: no code from the file ever runs. The pickle goes through a restricted unpickler that
// knows only the opcodes a state_dict uses (protocols 2 to 5) and only these globals:
// collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter and
// the torch.*Storage classes listed below; anything else (GLOBAL os system, INST, OBJ, NEWOBJ,
// EXT*, ...) throws io_error naming the opcode, the global and the byte offset in data.pkl. Every
// size, offset, stride and length in the file is checked with overflow-safe arithmetic before use:
// each element a tensor addresses must lie inside its storage, and each storage's entry must hold
// exactly the bytes its element count needs. Bool storages must hold only bytes 0 and 1.
//
// Element types: FloatStorage, LongStorage, ByteStorage and BoolStorage load as float32, int64,
// uint8 and bool. HalfStorage, BFloat16Storage and DoubleStorage load as float32 (float64 values
// are rounded to nearest; beyond float32's range they become ±inf) and IntStorage, ShortStorage
// and CharStorage as int64.
//
// Structure: the pickled object must be a dict (or OrderedDict) with str keys. Its values are
// tensors (or nn.Parameters, saved with keep_vars=True) or dicts of the same kind, whose entries
// are flattened with '.' ({"model": {"fc.weight": w}} gives "model.fc.weight"), so a checkpoint
// that wraps a state_dict in a dict loads too. Any other value (an epoch number, an optimizer's
// lists) throws io_error naming the key and what it holds; load the state_dict alone instead.
// The `_metadata` attribute PyTorch attaches to a state_dict is accepted and ignored.
//
// Not supported (io_error with the reason): the legacy formats of torch < 1.6 and
// `_use_new_zipfile_serialization=False` (a bare pickle or a tar file), TorchScript archives
// (torch.jit.save), compressed entries, big-endian checkpoints, tensors of more than 6
// dimensions, quantized, sparse and complex tensors.
//
// Memory: the file is read into memory whole, then each tensor is copied out of it, so loading
// peaks at about twice the file's size; every entry's CRC-32 is checked. Views are materialised
// at their full size, so a tensor repeating storage elements (stride 0, as expand() makes) or many
// tensors on one storage can need more memory than the file holds; to keep a small hostile file
// from exhausting memory, the tensors together may take at most 4 times the file's size plus
// 64 MiB (io_error beyond that). A state_dict, whose tensors nearly all own their storage, takes
// about the file's size.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string_view>

#include <fastblock/core/config.hpp>
#include <fastblock/io/state_dict.hpp>

namespace fastblock {

/// The tensors of a checkpoint written by `torch.save(model.state_dict(), path)`, by name, in
/// the file's order. Throws io_error, naming the file and what was wrong, when the file cannot be
/// read, is not such a checkpoint, or uses anything the restricted unpickler refuses.
StateDict load_pth(const std::filesystem::path& path);

/// As load_pth(path), for the bytes of a checkpoint already in memory; `source_name` stands for
/// the file's name in error messages.
StateDict load_pth(std::span<const std::byte> bytes, std::string_view source_name = "<memory>");

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/io/pth-inl.hpp>
#endif
