// fastblock/learner/checkpoint-inl.hpp — the non-template parts of checkpoint.hpp.
#pragma once

#include <charconv>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <system_error>

#include <fastblock/core/error.hpp>
#include <fastblock/core/random.hpp>
#include <fastblock/io/safetensors.hpp>
#include <fastblock/learner/checkpoint.hpp>

namespace fastblock {

namespace detail {
inline constexpr const char* checkpoint_format = "fastblock.checkpoint";
inline constexpr const char* checkpoint_version = "1";

FASTBLOCK_FUNC void save_safetensors_replacing(const StateDict& dict,
                                               const std::filesystem::path& path,
                                               const std::map<std::string, std::string>& metadata,
                                               std::string_view who) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  save_safetensors(dict, tmp, metadata);
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw io_error(std::string(who) + ": cannot move the file written at '" + tmp.string() +
                   "' into place at '" + path.string() + "': " + ec.message());
  }
}

}  // namespace detail

FASTBLOCK_FUNC void write_checkpoint(const Checkpoint& ck, const std::filesystem::path& path) {
  StateDict all;
  for (const auto& [name, t] : ck.model) all.insert("model." + name, t);
  for (const auto& [name, t] : ck.opt) all.insert("opt." + name, t);
  std::map<std::string, std::string> meta{{"format", detail::checkpoint_format},
                                          {"version", detail::checkpoint_version},
                                          {"epoch", std::to_string(ck.epoch)}};
  for (const auto& [name, state] : ck.generators) meta.emplace("generator." + name, state);
  detail::save_safetensors_replacing(all, path, meta, "fastblock::Learner::save");
}

FASTBLOCK_FUNC Checkpoint read_checkpoint(const std::filesystem::path& path) {
  SafetensorsFile file = read_safetensors(path);
  const auto meta = [&](const char* key) -> std::string {
    const auto it = file.metadata.find(key);
    return it == file.metadata.end() ? std::string() : it->second;
  };
  const std::string where = "fastblock::Learner::load: '" + path.string() + "' ";
  if (meta("format") != detail::checkpoint_format)
    throw io_error(where +
                   "is not a checkpoint written by Learner::save (its metadata has no format "
                   "'fastblock.checkpoint'); plain weights load with load_weights(model, path)");
  if (meta("version") != detail::checkpoint_version)
    throw io_error(where + "is a checkpoint of version '" + meta("version") +
                   "'; this fastblock reads version " + detail::checkpoint_version);
  Checkpoint ck;
  const std::string epoch = meta("epoch");
  const auto [end, err] = std::from_chars(epoch.data(), epoch.data() + epoch.size(), ck.epoch);
  if (err != std::errc() || end != epoch.data() + epoch.size())
    throw io_error(where + "has an unreadable epoch '" + epoch + "' in its metadata");
  for (const auto& [key, value] : file.metadata)
    if (key.starts_with("generator.")) {
      try {
        Generator{}.set_state(value);  // checked here, so that load() changes nothing on error
      } catch (const value_error&) {
        throw io_error(where + "has an unreadable generator state '" + value + "' for '" +
                       key.substr(10) + "' in its metadata");
      }
      ck.generators.emplace(key.substr(10), value);
    }
  for (const auto& [name, t] : file.tensors) {
    if (name.starts_with("model."))
      ck.model.insert(name.substr(6), t);
    else if (name.starts_with("opt."))
      ck.opt.insert(name.substr(4), t);
    else
      throw io_error(where + "holds a tensor '" + name +
                     "' that is neither a model's ('model.') nor an optimiser's ('opt.')");
  }
  return ck;
}

}  // namespace fastblock
