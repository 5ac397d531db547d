// fastblock/data/show-inl.hpp — out-of-line definitions for data/show.hpp.
//
// Included by show.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <fastblock/core/config.hpp>
#include <fastblock/data/show.hpp>
#include <fastblock/tensor/print.hpp>

namespace fastblock::detail::show {

FASTBLOCK_FUNC std::string number(double x) {
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf, x);
  std::string out(buf, result.ptr);
  // Python marks a float that happens to be whole: 2.0, not 2.
  if (out.find_first_of(".eninf") == std::string::npos) out += ".0";
  return out;
}

FASTBLOCK_FUNC std::string tensor(const Tensor& t, std::string_view name) {
  if (t.numel() <= max_full_tensor) return repr(t, name);
  std::string out(name == "tensor" ? std::string_view("Tensor") : name);
  out += " of size ";
  for (int d = 0; d < t.dim(); ++d) out += (d ? "x" : "") + std::to_string(t.size(d));
  return out;
}

}  // namespace fastblock::detail::show
