// fastblock/learner/export-inl.hpp — the non-template parts of export.hpp. Only this file (and
// load_learner-inl.hpp) include nlohmann/json, so users of the precompiled library never parse it.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <fastblock/core/error.hpp>
#include <fastblock/io/safetensors.hpp>
#include <fastblock/learner/checkpoint.hpp>
#include <fastblock/learner/export.hpp>
#include <fastblock/learner/spec_names.hpp>

namespace fastblock {

namespace detail {

using ordered_json = nlohmann::ordered_json;

/// {"h": .., "w": ..}.
inline ordered_json size_json(ImageSize s) { return {{"h", s.h}, {"w", s.w}}; }

FASTBLOCK_FUNC std::string transform_spec(const Resize& t) {
  return ordered_json{{"type", "Resize"},
                      {"size", size_json(t.size())},
                      {"method", enum_name(t.options().method)},
                      {"pad_mode", enum_name(t.options().pad_mode)}}
      .dump();
}

FASTBLOCK_FUNC std::string transform_spec(const RandomResizedCrop& t) {
  const auto& o = t.options();
  return ordered_json{{"type", "RandomResizedCrop"},       {"size", size_json(t.size())},
                      {"min_scale", o.min_scale},          {"max_scale", o.max_scale},
                      {"ratio", {o.ratio[0], o.ratio[1]}}, {"val_xtra", o.val_xtra}}
      .dump();
}

FASTBLOCK_FUNC std::string transform_spec(const CenterCrop& t) {
  return ordered_json{
      {"type", "CenterCrop"}, {"size", size_json(t.size())}, {"pad_mode", enum_name(t.pad_mode())}}
      .dump();
}

FASTBLOCK_FUNC std::string transform_spec(const ToTensor&) {
  return ordered_json{{"type", "ToTensor"}}.dump();
}

FASTBLOCK_FUNC std::string transform_spec(const PointScaler&) {
  return ordered_json{{"type", "PointScaler"}}.dump();
}

FASTBLOCK_FUNC std::string transform_spec(const IntToFloatTensor&) {
  return ordered_json{{"type", "IntToFloatTensor"}}.dump();
}

FASTBLOCK_FUNC std::string transform_spec(const AffineCoordTfm& t) {
  const AugmentOptions& o = t.options();
  ordered_json j{{"type", "AffineCoordTfm"},
                 {"mult", o.mult},
                 {"do_flip", o.do_flip},
                 {"flip_vert", o.flip_vert},
                 {"max_rotate", o.max_rotate},
                 {"min_zoom", o.min_zoom},
                 {"max_zoom", o.max_zoom},
                 {"max_lighting", o.max_lighting},
                 {"max_warp", o.max_warp},
                 {"p_affine", o.p_affine},
                 {"p_lighting", o.p_lighting},
                 {"size", nullptr},
                 {"pad_mode", enum_name(o.pad_mode)}};
  if (o.size) j["size"] = size_json(*o.size);
  return j.dump();
}

FASTBLOCK_FUNC std::string transform_spec(const Normalize& t) {
  return ordered_json{{"type", "Normalize"}, {"mean", t.mean()}, {"std", t.stdev()}}.dump();
}

FASTBLOCK_FUNC std::string block_spec(const ImageBlock& b) {
  return ordered_json{{"type", "ImageBlock"}, {"max_pixels", b.options().max_pixels}}.dump();
}

FASTBLOCK_FUNC std::string block_spec(const MultiCategoryBlock& b) {
  return ordered_json{{"type", "MultiCategoryBlock"}, {"vocab", b.vocab().items()}}.dump();
}

FASTBLOCK_FUNC std::string block_spec(const CategoryBlock& b) {
  return ordered_json{{"type", "CategoryBlock"}, {"vocab", b.vocab().items()}}.dump();
}

FASTBLOCK_FUNC std::string block_spec(const PointBlock& b) {
  return ordered_json{{"type", "PointBlock"},
                      {"n_points", b.n_points().value_or(0)},
                      {"outside", enum_name(b.options().outside)}}
      .dump();
}

FASTBLOCK_FUNC std::string loss_spec(const BCEWithLogitsLossFlat& l) {
  return ordered_json{{"type", "BCEWithLogitsLossFlat"}, {"thresh", l.thresh()}}.dump();
}

FASTBLOCK_FUNC std::string loss_spec(const CrossEntropyLossFlat&) {
  return ordered_json{{"type", "CrossEntropyLossFlat"}}.dump();
}

FASTBLOCK_FUNC std::string loss_spec(const MSELossFlat&) {
  return ordered_json{{"type", "MSELossFlat"}}.dump();
}

}  // namespace detail

FASTBLOCK_FUNC std::string arch_name(const ModelSpec& spec) {
  using L = std::array<std::int64_t, 4>;
  if (spec.block == "basic" && spec.layers == L{2, 2, 2, 2}) return "resnet18";
  if (spec.block == "basic" && spec.layers == L{3, 4, 6, 3}) return "resnet34";
  if (spec.block == "bottleneck" && spec.layers == L{3, 4, 6, 3}) return "resnet50";
  return "resnet";
}

FASTBLOCK_FUNC void write_export(const StateDict& weights, const ExportSpec& spec,
                                 const std::filesystem::path& path) {
  using detail::ordered_json;
  const ModelSpec& m = spec.model;
  ordered_json head{{"lin_ftrs", m.head.lin_ftrs},       {"ps", m.head.ps},
                    {"concat_pool", m.head.concat_pool}, {"first_bn", m.head.first_bn},
                    {"bn_final", m.head.bn_final},       {"y_range", nullptr}};
  if (m.head.y_range) head["y_range"] = {m.head.y_range->first, m.head.y_range->second};
  const auto parse_all = [](const std::vector<std::string>& texts) {
    ordered_json a = ordered_json::array();
    for (const auto& t : texts) a.push_back(ordered_json::parse(t));
    return a;
  };
  const ordered_json j{{"version", 1},
                       {"model",
                        {{"arch", arch_name(m)},
                         {"block", m.block},
                         {"layers", m.layers},
                         {"in_channels", m.in_channels},
                         {"n_out", m.n_out},
                         {"head", head}}},
                       {"input", ordered_json::parse(spec.input)},
                       {"item_tfms", parse_all(spec.item_tfms)},
                       {"batch_tfms", parse_all(spec.batch_tfms)},
                       {"target", ordered_json::parse(spec.target)},
                       {"loss", ordered_json::parse(spec.loss)},
                       {"thresholds", spec.thresholds}};
  detail::save_safetensors_replacing(
      weights, path, {{"format", "fastblock.learner"}, {"fastblock.learner", j.dump()}},
      "fastblock::Learner::export_learner");
}

}  // namespace fastblock
