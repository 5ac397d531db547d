// fastblock/learner/spec_names.hpp — the names enums take in an exported learner's spec.
//
// Contract: each enum an exported spec stores is written by name (stable across versions, unlike
// the enumerators' values); enum_from_name maps a name back and throws io_error naming the field
// and the accepted names for anything else.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include <fastblock/core/error.hpp>
#include <fastblock/vision/points.hpp>
#include <fastblock/vision/resample.hpp>
#include <fastblock/vision/transforms.hpp>

namespace fastblock::detail {

/// (enumerator, name) pairs for each enum of the spec.
template <class E>
struct spec_names;
template <>
struct spec_names<PadMode> {
  static constexpr std::array<std::pair<PadMode, std::string_view>, 3> value{
      {{PadMode::zeros, "zeros"},
       {PadMode::border, "border"},
       {PadMode::reflection, "reflection"}}};
};
template <>
struct spec_names<ResizeMethod> {
  static constexpr std::array<std::pair<ResizeMethod, std::string_view>, 3> value{
      {{ResizeMethod::crop, "crop"}, {ResizeMethod::pad, "pad"}, {ResizeMethod::squish, "squish"}}};
};
template <>
struct spec_names<PointsOutside> {
  static constexpr std::array<std::pair<PointsOutside, std::string_view>, 3> value{
      {{PointsOutside::keep, "keep"},
       {PointsOutside::clamp, "clamp"},
       {PointsOutside::drop_and_flag, "drop_and_flag"}}};
};

/// The name of `e`.
template <class E>
std::string enum_name(E e) {
  for (const auto& [v, name] : spec_names<E>::value)
    if (v == e) return std::string(name);
  throw value_error("fastblock::export_learner: an enumerator without a name in the spec");
}

/// The enumerator named `name`; io_error naming `field` and the accepted names otherwise.
template <class E>
E enum_from_name(std::string_view name, std::string_view field) {
  std::string accepted;
  for (const auto& [v, n] : spec_names<E>::value) {
    if (n == name) return v;
    accepted += (accepted.empty() ? "" : ", ") + std::string(n);
  }
  throw io_error("fastblock::load_learner: " + std::string(field) + " is '" + std::string(name) +
                 "'; expected one of " + accepted);
}

}  // namespace fastblock::detail
