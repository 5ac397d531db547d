// fastblock/nn/weights.hpp — a model's weights to and from StateDicts and files.
//
// Contract: `state_dict(model)` collects every parameter and buffer of a Layer under its dotted
// name (copies, so the dictionary outlives later training steps); `load_state_dict(model, dict)`
// copies tensors into the parameters of the same names, as PyTorch's does. With `.strict` (the
// default) any mismatch — a parameter the dictionary lacks, a tensor the model has no parameter
// for, a shape or dtype that differs — is a value_error listing every one of them by name (and
// nothing is loaded); otherwise the matching tensors load and the returned LoadReport lists the
// rest. A model whose first convolution takes 1, 2 or 4+ channels can still load RGB weights: with
// `.adapt_input_channels` a [out, 3, k, k] tensor for a [out, n, k, k] parameter is adapted as
// fastai's _load_pretrained_weights does (n = 1: the sum over the 3 channels; n = 2: the first two
// ×1.5; n > 3: the three copied, the others zero). `save_weights(model, path)` writes safetensors;
// `load_weights(model, path)` reads safetensors or a PyTorch .pth checkpoint (recognised by their
// first bytes, not by the file's name), so torchvision's resnet18 weights load into resnet18().
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/io/state_dict.hpp>
#include <fastblock/nn/layer.hpp>
#include <fastblock/nn/parameter.hpp>

namespace fastblock {

/// Options of load_state_dict and load_weights.
struct LoadWeightsOptions {
  /// Every parameter and buffer must be matched exactly (value_error otherwise).
  bool strict = true;
  /// Adapt RGB first-convolution weights to another number of input channels (fastai's rule).
  bool adapt_input_channels = true;
};

/// What load_state_dict did not load.
struct LoadReport {
  /// Names of the model's parameters and buffers the dictionary has no tensor for.
  std::vector<std::string> missing;
  /// Names in the dictionary the model has no parameter for.
  std::vector<std::string> unexpected;
  /// "name: checkpoint [1000, 512] float32, model [20, 512] float32" for each mismatch.
  std::vector<std::string> mismatched;
  /// Names whose weights were adapted to another number of input channels.
  std::vector<std::string> adapted;
  /// Whether everything matched (adapted tensors count as matched).
  [[nodiscard]] bool ok() const noexcept {
    return missing.empty() && unexpected.empty() && mismatched.empty();
  }
};

namespace detail {

/// One named parameter of a model, for the non-template loading code.
using NamedParameters = std::vector<std::pair<std::string, Parameter*>>;

/// Loads `dict` into `params` (see the contract); `source` names the dictionary in messages.
LoadReport load_into(const NamedParameters& params, const StateDict& dict,
                     const LoadWeightsOptions& options, const std::string& source);

/// Reads a weights file: safetensors or .pth, by its first bytes.
StateDict read_weights_file(const std::filesystem::path& path);

/// Writes `dict` as safetensors.
void write_weights_file(const StateDict& dict, const std::filesystem::path& path);

/// The model's parameters in visit order.
template <Layer L>
NamedParameters named_parameters(L& model) {
  NamedParameters out;
  model.visit([&](const std::string& name, Parameter& p) { out.emplace_back(name, &p); }, "");
  return out;
}

}  // namespace detail

/// Copies of every parameter and buffer of `model`, under PyTorch's names, in visit order.
template <Layer L>
[[nodiscard]] StateDict state_dict(L& model) {
  StateDict out;
  // Host copies, whatever the model's device: files and dictionaries are device-independent.
  model.visit(
      [&](const std::string& name, Parameter& p) {
        out.insert(name, p.value.device().is_cpu() ? p.value.clone() : p.value.to(cpu));
      },
      "");
  return out;
}

/// Loads `dict` into `model` by name (see the contract above).
template <Layer L>
LoadReport load_state_dict(L& model, const StateDict& dict, LoadWeightsOptions options = {}) {
  return detail::load_into(detail::named_parameters(model), dict, options, "the state_dict");
}

/// Writes `model`'s parameters and buffers to `path` as safetensors.
template <Layer L>
void save_weights(L& model, const std::filesystem::path& path) {
  detail::write_weights_file(state_dict(model), path);
}

/// Loads a safetensors file or a PyTorch .pth checkpoint into `model` (see the contract above).
template <Layer L>
LoadReport load_weights(L& model, const std::filesystem::path& path,
                        LoadWeightsOptions options = {}) {
  return detail::load_into(detail::named_parameters(model), detail::read_weights_file(path),
                           options, "'" + path.string() + "'");
}

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/nn/weights-inl.hpp>
#endif
