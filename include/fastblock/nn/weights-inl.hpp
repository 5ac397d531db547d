// fastblock/nn/weights-inl.hpp — out-of-line definitions for nn/weights.hpp.
//
// Included by weights.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/io/pth.hpp>
#include <fastblock/io/safetensors.hpp>
#include <fastblock/nn/weights.hpp>
#include <fastblock/tensor/factory.hpp>
#include <fastblock/tensor/ops.hpp>

namespace fastblock::detail {

/// "[1000, 512] float32".
FASTBLOCK_FUNC std::string describe_weight(const Tensor& t) {
  return t.shape().str() + " " + std::string(dtype_name(t.dtype()));
}

/// fastai's adaptation of RGB weights `w` [out, 3, k, k] to `target` [out, n, k, k], n != 3.
FASTBLOCK_FUNC Tensor adapt_channels(const Tensor& w, const Shape& target) {
  const std::int64_t n = target[1];
  if (n == 1) return w.sum(1, true);
  if (n == 2) return w.slice(1, 0, 2) * 1.5;
  Tensor out = zeros(target);
  out.slice(1, 0, 3).copy_(w);
  return out;
}

/// Whether `t` can be adapted to a parameter of shape `target`: 4-D, 3 input channels, the rest
/// equal.
FASTBLOCK_FUNC bool adaptable(const Tensor& t, const Tensor& param) {
  if (t.dim() != 4 || param.dim() != 4 || t.size(1) != 3 || param.size(1) == 3) return false;
  if (t.dtype() != float32 || param.dtype() != float32) return false;
  return t.size(0) == param.size(0) && t.size(2) == param.size(2) && t.size(3) == param.size(3);
}

/// "a, b, c and 4 more".
FASTBLOCK_FUNC std::string list_names(const std::vector<std::string>& names) {
  constexpr std::size_t shown = 10;
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < shown; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > shown) out += " and " + std::to_string(names.size() - shown) + " more";
  return out;
}

FASTBLOCK_FUNC LoadReport load_into(const NamedParameters& params, const StateDict& dict,
                                    const LoadWeightsOptions& options, const std::string& source) {
  std::unordered_map<std::string, const Tensor*> by_name;
  for (const auto& [name, t] : dict) by_name.emplace(name, &t);
  LoadReport report;
  std::vector<std::pair<Parameter*, Tensor>> copies;
  std::unordered_map<std::string, bool> known;
  for (const auto& [name, p] : params) {
    known.emplace(name, true);
    const auto it = by_name.find(name);
    if (it == by_name.end()) {
      report.missing.push_back(name);
      continue;
    }
    const Tensor& t = *it->second;
    if (t.shape() == p->value.shape() && t.dtype() == p->value.dtype()) {
      copies.emplace_back(p, t);
    } else if (options.adapt_input_channels && adaptable(t, p->value)) {
      copies.emplace_back(p, adapt_channels(t, p->value.shape()));
      report.adapted.push_back(name);
    } else {
      report.mismatched.push_back(name + ": checkpoint " + describe_weight(t) + ", model " +
                                  describe_weight(p->value));
    }
  }
  for (const auto& [name, t] : dict)
    if (!known.contains(name)) report.unexpected.push_back(name);
  if (options.strict && !report.ok()) {
    std::string msg = "fastblock::load_weights: " + source + " does not match the model";
    if (!report.missing.empty())
      msg += "; missing (" + std::to_string(report.missing.size()) +
             "): " + list_names(report.missing);
    if (!report.unexpected.empty())
      msg += "; unexpected (" + std::to_string(report.unexpected.size()) +
             "): " + list_names(report.unexpected);
    if (!report.mismatched.empty())
      msg += "; mismatched (" + std::to_string(report.mismatched.size()) +
             "): " + list_names(report.mismatched);
    throw value_error(msg + " (nothing was loaded; pass {.strict = false} to load what matches)");
  }
  for (auto& [p, t] : copies) p->value.copy_(t);
  return report;
}

FASTBLOCK_FUNC StateDict read_weights_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw io_error("fastblock::load_weights: cannot open '" + path.string() + "'");
  std::array<char, 4> magic{};
  in.read(magic.data(), 4);
  const bool zip =
      in.gcount() == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
  in.close();
  // A ZIP archive is what torch.save writes; anything else is read as safetensors, whose reader
  // says precisely what is wrong with a file that is neither.
  return zip ? load_pth(path) : load_safetensors(path);
}

FASTBLOCK_FUNC void write_weights_file(const StateDict& dict, const std::filesystem::path& path) {
  save_safetensors(dict, path);
}

}  // namespace fastblock::detail
