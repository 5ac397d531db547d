// fastblock/data/strings.hpp — small text helpers the data layer shares.
//
// Contract: `split(s, sep)` is what a get_y writes for the seed's `r['labels'].split(' ')`; it
// returns owned strings, so the result outlives the DataFrame row it was cut from. Unlike
// Python's `str.split(' ')` it drops the empty pieces that repeated, leading or trailing
// separators produce, because a stray double space in a CSV must not become a label named "".
// `python_repr(s)` quotes a string the way Python's `repr()` does, for printing lists of labels.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <fastblock/core/config.hpp>

namespace fastblock {

/// The non-empty pieces of `s` between occurrences of `sep`, in order, as owned strings.
///
/// `split("horse person", ' ')` is {"horse", "person"}; `split("a  b ", ' ')` is {"a", "b"} (no
/// empty pieces, unlike Python's `"a  b ".split(" ")`); `split("", ' ')` is {} — so an empty
/// labels cell gives an empty label list, which MultiCategoryBlock encodes as all zeros.
[[nodiscard]] std::vector<std::string> split(std::string_view s, char sep = ' ');

/// `s` as Python's `repr(str)` prints it: single quotes, or double quotes when `s` contains a
/// single quote and no double quote; backslash escapes for the quote, `\\`, `\n`, `\r`, `\t` and
/// other ASCII control characters (`\x00`). Bytes >= 0x80 pass through unchanged, which matches
/// Python for printable UTF-8 text.
[[nodiscard]] std::string python_repr(std::string_view s);

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/data/strings-inl.hpp>
#endif
