// fastblock/learner/checkpoint.hpp — learn.save / learn.load: one file to resume training from.
//
// Contract: a checkpoint is a safetensors file (io/safetensors.hpp) holding the model's
// parameters and buffers under "model.<name>", the optimiser's state (hyper-parameters and
// moments, optim/optimizer.hpp) under "opt.<key>" when it was saved, and in its metadata
// {"format": "fastblock.checkpoint", "version": "1", "epoch": <the training loader's epoch>}, so
// that a resumed run shuffles as the uninterrupted one would, and "generator.<name>": the state of
// each random generator inside the model (Dropout's, nn/generators.hpp), so that it draws the
// same masks. It is written to "<path>.tmp" and
// renamed, so a failed or interrupted save leaves an earlier checkpoint at `path` intact.
// Reading checks the format and version and throws io_error naming the file for anything else (a
// plain weights file says to use load_weights); truncated or corrupt files fail in the
// safetensors reader, naming the file, and so does an unreadable generator state. The loaders'
// streams need nothing more than the epoch (they derive from the seed, the epoch and the item).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include <fastblock/core/config.hpp>
#include <fastblock/io/state_dict.hpp>

namespace fastblock {

/// What a checkpoint holds (see the contract above).
struct Checkpoint {
  /// The model's parameters and buffers, by their names in the model.
  StateDict model;
  /// The optimiser's state_dict(), or empty when it was not saved.
  StateDict opt;
  /// The training loader's epoch when saved.
  std::uint64_t epoch = 0;
  /// Generator::state() of each generator inside the model, by its name there.
  std::map<std::string, std::string> generators;
};

/// Writes `ck` to `path` (see the contract above); io_error naming the file on failure.
void write_checkpoint(const Checkpoint& ck, const std::filesystem::path& path);

/// Reads a checkpoint written by write_checkpoint; io_error naming the file when it is not one.
[[nodiscard]] Checkpoint read_checkpoint(const std::filesystem::path& path);

namespace detail {

/// save_safetensors to "<path>.tmp", then renamed to `path`, so a failed write leaves an earlier
/// file at `path` intact; `who` names the caller in the io_error.
void save_safetensors_replacing(const StateDict& dict, const std::filesystem::path& path,
                                const std::map<std::string, std::string>& metadata,
                                std::string_view who);

}  // namespace detail

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/learner/checkpoint-inl.hpp>
#endif
