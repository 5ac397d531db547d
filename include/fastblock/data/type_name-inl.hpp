// fastblock/data/type_name-inl.hpp — out-of-line definitions for data/type_name.hpp.
//
// Included by type_name.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>

#include <fastblock/core/config.hpp>
#include <fastblock/data/type_name.hpp>

namespace fastblock {

namespace detail {

/// Replaces every occurrence of `from` in `s` that is not glued to an identifier on the left, so
/// "fastblock::" is removed from "fastblock::Tensor" but not from "my_fastblock::Tensor".
FASTBLOCK_FUNC void replace_type_token(std::string& s, std::string_view from, std::string_view to) {
  std::size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    const bool glued =
        pos > 0 && (std::isalnum(static_cast<unsigned char>(s[pos - 1])) != 0 || s[pos - 1] == '_');
    if (glued) {
      pos += from.size();
      continue;
    }
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
}

/// Removes every ", <prefix>...>" template argument whose name starts with `prefix` (a default
/// argument such as std::allocator<T>), matching angle brackets so nested arguments go with it.
FASTBLOCK_FUNC void drop_default_argument(std::string& s, std::string_view prefix) {
  const std::string needle = ", " + std::string(prefix);
  std::size_t pos = 0;
  while ((pos = s.find(needle, pos)) != std::string::npos) {
    std::size_t i = pos + needle.size();
    int depth = 1;  // the prefix ends with '<'
    while (i < s.size() && depth > 0) {
      if (s[i] == '<') ++depth;
      if (s[i] == '>') --depth;
      ++i;
    }
    s.erase(pos, i - pos);
  }
}

FASTBLOCK_FUNC std::string normalize_type_name(std::string_view raw) {
  std::string s(raw);
  // Inline namespaces of libstdc++ (__cxx11) and libc++ (__1) are invisible in user code.
  replace_type_token(s, "std::__cxx11::", "std::");
  replace_type_token(s, "std::__1::", "std::");
  for (std::size_t p; (p = s.find("::__cxx11::")) != std::string::npos;) s.replace(p, 11, "::");
  drop_default_argument(s, "std::char_traits<");
  drop_default_argument(s, "std::allocator<");
  drop_default_argument(s, "std::less<");
  drop_default_argument(s, "std::default_delete<");
  // g++ separates closing brackets ("> >"); C++11 and clang do not. Done before the replacements
  // below, which look for "std::basic_string<char>".
  for (std::size_t p; (p = s.find(" >")) != std::string::npos;) s.erase(p, 1);
  replace_type_token(s, "std::basic_string<char>", "std::string");
  replace_type_token(s, "std::basic_string_view<char>", "std::string_view");
  // g++ spells the fundamental types the long way; longest first so "long int" does not eat the
  // tail of "long long int".
  replace_type_token(s, "long long unsigned int", "unsigned long long");
  replace_type_token(s, "long long int", "long long");
  replace_type_token(s, "long unsigned int", "unsigned long");
  replace_type_token(s, "long int", "long");
  replace_type_token(s, "short unsigned int", "unsigned short");
  replace_type_token(s, "short int", "short");
  replace_type_token(s, "fastblock::", "");
  return s;
}

}  // namespace detail

}  // namespace fastblock
