// fastblock/data/type_name.hpp — readable names of C++ types, for messages and summary().
//
// Contract: `type_name<T>()` names T the way a user would spell it, the same on g++ and clang++:
// `std::vector<std::string>`, not `std::vector<std::__cxx11::basic_string<char> >`. It reads the
// compiler's __PRETTY_FUNCTION__ (no RTTI, no demangler) and then normalises the spelling; the
// `fastblock::` qualification is dropped because users write `using namespace fastblock`.
// Integer aliases print as what they are on the platform (`std::int64_t` is `long` on Linux).
#pragma once

#include <string>
#include <string_view>

#include <fastblock/core/config.hpp>

namespace fastblock {

namespace detail {

/// The compiler's own text naming T; only the part after "T = " matters.
template <class T>
constexpr const char* pretty_function_of() {
  // A return type without aliases keeps g++ from appending "; std::string_view = ..." after T.
  return __PRETTY_FUNCTION__;
}

/// The spelling of T inside __PRETTY_FUNCTION__ of pretty_function_of<T>, unnormalised.
template <class T>
constexpr std::string_view raw_type_name() {
  const std::string_view text = pretty_function_of<T>();
  const std::size_t key = text.find("T = ");
  const std::size_t first = key == std::string_view::npos ? 0 : key + 4;
  const std::size_t last = text.rfind(']');
  return text.substr(first, last == std::string_view::npos || last < first ? std::string_view::npos
                                                                           : last - first);
}

/// Turns a compiler's spelling of a type into the one a user writes (see the file comment).
[[nodiscard]] std::string normalize_type_name(std::string_view raw);

}  // namespace detail

/// A readable name of T: `type_name<std::vector<std::string>>()` is "std::vector<std::string>",
/// `type_name<fastblock::MultiCategoryBlock>()` is "MultiCategoryBlock".
template <class T>
[[nodiscard]] std::string type_name() {
  return detail::normalize_type_name(detail::raw_type_name<T>());
}

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/data/type_name-inl.hpp>
#endif
