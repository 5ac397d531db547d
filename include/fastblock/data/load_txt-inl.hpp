// fastblock/data/load_txt-inl.hpp — definitions of load_txt.hpp.
#pragma once

#include <charconv>
#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fastblock/core/error.hpp>
#include <fastblock/data/load_txt.hpp>
#include <fastblock/tensor/factory.hpp>

namespace fastblock {

namespace detail::load_txt {

/// The fields of one line: split on `delimiter`, or on runs of blanks when unset.
inline std::vector<std::string_view> fields(std::string_view line, std::optional<char> delimiter) {
  std::vector<std::string_view> out;
  const auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
      s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
      s.remove_suffix(1);
    return s;
  };
  if (delimiter) {
    std::size_t start = 0;
    while (true) {
      const std::size_t end = line.find(*delimiter, start);
      out.push_back(trim(line.substr(
          start, end == std::string_view::npos ? std::string_view::npos : end - start)));
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
    return out;
  }
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

}  // namespace detail::load_txt

FASTBLOCK_FUNC Tensor load_txt(const std::filesystem::path& path, const LoadTxtOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw io_error("fastblock::load_txt: cannot open " + path.string());
  const std::string who = "fastblock::load_txt: " + path.string() + ": ";
  // Rows first, checked only after the footer is dropped: numpy ignores malformed rows that
  // skip_footer removes (BIWI's rgb.cal has a 4-value and a 2-value row in its footer).
  struct RawRow {
    std::size_t line;
    std::string text;
  };
  std::vector<RawRow> raw;
  std::size_t line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line_no <= options.skip_header) continue;
    std::string_view text(line);
    if (const auto hash = text.find('#'); hash != std::string_view::npos)
      text = text.substr(0, hash);
    const auto fs = detail::load_txt::fields(text, options.delimiter);
    if (fs.empty() || (fs.size() == 1 && fs[0].empty())) continue;
    raw.push_back({line_no, std::string(text)});
  }
  if (in.bad()) throw io_error(who + "reading failed");
  if (raw.size() <= options.skip_footer)
    throw data_error(who + "no rows of numbers left (" + std::to_string(raw.size()) +
                     " rows, skip_header " + std::to_string(options.skip_header) +
                     " lines, skip_footer " + std::to_string(options.skip_footer) + " rows)");
  const std::size_t rows = raw.size() - options.skip_footer;
  std::vector<double> values;
  std::size_t cols = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    const auto fs = detail::load_txt::fields(raw[r].text, options.delimiter);
    if (r == 0) {
      cols = fs.size();
    } else if (fs.size() != cols) {
      throw data_error(who + "line " + std::to_string(raw[r].line) + " has " +
                       std::to_string(fs.size()) + " values, line " + std::to_string(raw[0].line) +
                       " has " + std::to_string(cols));
    }
    for (std::size_t k = 0; k < fs.size(); ++k) {
      double v = 0.0;
      const char* first = fs[k].data();
      const char* last = first + fs[k].size();
      if (first != last && *first == '+') ++first;  // from_chars takes no leading '+'
      const auto [ptr, ec] = std::from_chars(first, last, v);
      if (fs[k].empty() || ec != std::errc() || ptr != last)
        throw data_error(who + "line " + std::to_string(raw[r].line) + ", value " +
                         std::to_string(k + 1) + ": '" + std::string(fs[k]) + "' is not a number");
      values.push_back(v);
    }
  }
  const auto r = static_cast<std::int64_t>(rows), c = static_cast<std::int64_t>(cols);
  // numpy's squeeze: one row (or one value) is 1-D.
  return rows == 1 ? from_vector<double>(values, Shape{c})
                   : from_vector<double>(values, Shape{r, c});
}

}  // namespace fastblock
