// fastblock/io/state_dict.hpp — named tensors, the currency of weights files.
//
// Contract: a StateDict is what PyTorch's `model.state_dict()` is: tensors under dotted names
// (`layer1.0.conv1.weight`, `bn1.running_mean`), in a stable order. Readers of weights files
// (io/safetensors.hpp, io/pth.hpp) return one and writers take one; models map their parameters
// and buffers to and from it by name. Lookups are by exact name; names are unique (insert throws
// value_error for a repeat, naming it).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fastblock/core/error.hpp>
#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

/// Tensors by name, in insertion order (PyTorch's OrderedDict state_dict).
class StateDict {
 public:
  /// One named tensor.
  using value_type = std::pair<std::string, Tensor>;

  /// An empty dictionary.
  StateDict() = default;

  /// Adds `t` under `name`; value_error when the name is already there.
  void insert(std::string name, Tensor t) {
    if (contains(name))
      throw value_error("fastblock::StateDict: the name '" + name + "' is already present");
    entries_.emplace_back(std::move(name), std::move(t));
  }
  /// The tensor named `name`, or nothing.
  [[nodiscard]] std::optional<Tensor> find(std::string_view name) const {
    for (const auto& [n, t] : entries_)
      if (n == name) return t;
    return std::nullopt;
  }
  /// The tensor named `name`; index_error naming it when absent.
  [[nodiscard]] const Tensor& at(std::string_view name) const {
    for (const auto& [n, t] : entries_)
      if (n == name) return t;
    throw index_error("fastblock::StateDict: no tensor named '" + std::string(name) + "'");
  }
  /// Whether a tensor is named `name`.
  [[nodiscard]] bool contains(std::string_view name) const {
    for (const auto& e : entries_)
      if (e.first == name) return true;
    return false;
  }
  /// Number of tensors.
  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  /// Whether there is none.
  [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }
  /// The named tensors in order.
  [[nodiscard]] auto begin() const noexcept { return entries_.begin(); }
  [[nodiscard]] auto end() const noexcept { return entries_.end(); }
  /// The names in order.
  [[nodiscard]] std::vector<std::string> keys() const {
    std::vector<std::string> out;
    out.reserve(entries_.size());
    for (const auto& e : entries_) out.push_back(e.first);
    return out;
  }

 private:
  std::vector<value_type> entries_;
};

}  // namespace fastblock
