// fastblock/data/dataframe_print-inl.hpp — pandas 1.5's printing of frames, columns and rows.
//
// Part of dataframe-inl.hpp (split off to keep each file readable in one sitting). A port of
// pandas/io/formats/format.py and string.py restricted to text columns and integer row labels:
// the same helper steps (`_make_fixed_width`, `adjoin`, the dot separators, the fitting of columns
// to the terminal width) in the same order, so that the output matches byte for byte. Widths count
// UTF-8 code points, as Python's len() counts characters (pandas' east-Asian-width option is off).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/data/dataframe.hpp>

namespace fastblock {

namespace detail::pandas {

enum class Justify { left, center, right };

using StrCol = std::vector<std::string>;

FASTBLOCK_FUNC std::size_t text_width(std::string_view s) noexcept {
  std::size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

/// pandas' pprint_thing(x, escape_chars=("\t", "\r", "\n")).
FASTBLOCK_FUNC std::string escape_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

/// Python's str.ljust / str.center / str.rjust (center puts the odd space where CPython does).
FASTBLOCK_FUNC std::string justify(std::string s, std::size_t width, Justify how) {
  const std::size_t w = text_width(s);
  if (w >= width) return s;
  const std::size_t margin = width - w;
  const std::size_t left = how == Justify::left    ? 0
                           : how == Justify::right ? margin
                                                   : margin / 2 + (margin & width & 1);
  return std::string(left, ' ') + s + std::string(margin - left, ' ');
}

/// pandas' _make_fixed_width: cut cells beyond max_colwidth to `...`, then justify all to one
/// width.
FASTBLOCK_FUNC void make_fixed_width(StrCol& strings, Justify how, std::size_t minimum,
                                     std::size_t max_colwidth) {
  if (strings.empty()) return;
  std::size_t max_len = minimum;
  for (const auto& s : strings) max_len = std::max(max_len, text_width(s));
  if (max_colwidth != 0 && max_len > max_colwidth) max_len = max_colwidth;
  for (auto& s : strings) {
    if (max_colwidth > 3 && text_width(s) > max_len) {
      std::size_t bytes = 0;
      for (std::size_t kept = 0; bytes < s.size(); ++bytes) {
        if ((static_cast<unsigned char>(s[bytes]) & 0xC0) != 0x80 && kept++ == max_len - 3) break;
      }
      s = s.substr(0, bytes) + "...";
    }
    s = justify(std::move(s), max_len, how);
  }
}

/// pandas' printing.adjoin: columns side by side, each left-justified to its widest cell plus
/// `space`, the last one to its widest cell.
FASTBLOCK_FUNC std::string adjoin(std::size_t space, const std::vector<StrCol>& lists) {
  std::vector<std::size_t> widths;
  std::size_t rows = 0;
  for (std::size_t i = 0; i < lists.size(); ++i) {
    std::size_t w = 0;
    for (const auto& s : lists[i]) w = std::max(w, text_width(s));
    widths.push_back(i + 1 < lists.size() ? w + space : w);
    rows = std::max(rows, lists[i].size());
  }
  std::string out;
  for (std::size_t r = 0; r < rows; ++r) {
    if (r != 0) out += '\n';
    for (std::size_t i = 0; i < lists.size(); ++i) {
      out += justify(r < lists[i].size() ? lists[i][r] : std::string(), widths[i], Justify::left);
    }
  }
  return out;
}

/// The rows a print shows: all, or head and tail with the `...` line after `row_num` of them.
struct Window {
  std::vector<std::size_t> positions;
  bool truncated = false;
  std::size_t row_num = 0;
};

FASTBLOCK_FUNC Window all_rows(std::size_t n) {
  Window w;
  for (std::size_t i = 0; i < n; ++i) w.positions.push_back(i);
  return w;
}

FASTBLOCK_FUNC Window head_tail(std::size_t n, std::size_t row_num, bool tail) {
  Window w{{}, true, row_num};
  for (std::size_t i = 0; i < std::min(row_num, n); ++i) w.positions.push_back(i);
  for (std::size_t i = tail ? n - row_num : n; i < n; ++i) w.positions.push_back(i);
  return w;
}

/// SeriesFormatter._chk_truncate.
FASTBLOCK_FUNC Window series_window(std::size_t n, const DisplayOptions& o) {
  if (o.max_rows == 0 || n <= o.max_rows) return all_rows(n);
  const std::size_t shown = o.min_rows != 0 ? std::min(o.min_rows, o.max_rows) : o.max_rows;
  return shown == 1 ? head_tail(n, 1, false) : head_tail(n, shown / 2, true);
}

/// DataFrameFormatter._calc_max_rows_fitted and _truncate_vertically.
FASTBLOCK_FUNC Window frame_window(std::size_t n, const DisplayOptions& o) {
  std::size_t fitted = o.max_rows;
  if (fitted != 0 && n > fitted && o.min_rows != 0) fitted = std::min(o.min_rows, fitted);
  if (fitted == 0 || n <= fitted) return all_rows(n);
  // pandas falls back to max_rows rows from the top when min_rows leaves less than one per end.
  return fitted / 2 >= 1 ? head_tail(n, fitted / 2, true) : head_tail(n, o.max_rows, false);
}

/// " " + text, built without operator+: g++ 12 at -O3 reports a false -Wrestrict overlap inside
/// `" " + std::string` (GCC bug 105651).
inline std::string space_then(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 1);
  out.push_back(' ');
  out.append(text);
  return out;
}

/// SeriesFormatter.to_string for a text (or bool) series with the given row labels.
FASTBLOCK_FUNC std::string format_series(std::size_t total, const Window& w, StrCol index,
                                         StrCol values, const std::string& name,
                                         std::string_view dtype, const DisplayOptions& o) {
  std::string footer;
  if (!name.empty()) footer = "Name: " + escape_text(name);
  if (w.truncated) footer += (footer.empty() ? "" : ", ") + ("Length: " + std::to_string(total));
  footer += (footer.empty() ? "dtype: " : ", dtype: ") + std::string(dtype);
  if (total == 0) return "Series([], " + footer + ")";

  for (auto& v : values) v = space_then(escape_text(v));
  make_fixed_width(values, Justify::right, 0, o.max_colwidth);
  if (w.truncated) {
    const std::size_t width = text_width(values[w.row_num - 1]);
    const auto at = static_cast<std::ptrdiff_t>(w.row_num);
    values.insert(values.begin() + at, justify(width > 3 ? "..." : "..", width, Justify::center));
    index.insert(index.begin() + at, "");
  }
  return adjoin(3, {std::move(index), std::move(values)}) + "\n" + footer;
}

/// DataFrameFormatter.get_strcols plus StringFormatter's dot separators: the index column, then
/// one column per shown frame column, each a header cell followed by the shown rows.
FASTBLOCK_FUNC std::vector<StrCol> frame_strcols(const DataFrame& df, const Window& w,
                                                 std::size_t max_cols_fitted,
                                                 const DisplayOptions& o) {
  const std::size_t ncols = df.num_columns();
  const bool cut = max_cols_fitted != 0 && ncols > max_cols_fitted;
  const std::size_t col_num = cut ? max_cols_fitted / 2 : ncols;
  std::vector<std::size_t> shown;
  for (std::size_t j = 0; j < std::min(col_num, ncols); ++j) shown.push_back(j);
  for (std::size_t j = cut ? ncols - col_num : ncols; j < ncols; ++j) shown.push_back(j);

  std::vector<StrCol> strcols;
  StrCol index;
  for (const std::size_t p : w.positions) {
    index.push_back(std::to_string(df.iloc(static_cast<std::int64_t>(p)).index()));
  }
  make_fixed_width(index, Justify::left, 0, o.max_colwidth);
  index.insert(index.begin(), "");
  strcols.push_back(std::move(index));

  const std::vector<std::string> names = df.columns();
  for (const std::size_t j : shown) {
    const std::string header = escape_text(names[j]);
    const std::size_t header_width = text_width(header);
    StrCol values;
    for (const std::size_t p : w.positions) {
      values.push_back(space_then(
          escape_text(df.iloc(static_cast<std::int64_t>(p), static_cast<std::int64_t>(j)))));
    }
    make_fixed_width(values, Justify::right, 0, o.max_colwidth);  // format_array's own pass
    make_fixed_width(values, Justify::right, header_width, o.max_colwidth);
    std::size_t max_len = header_width;
    for (const auto& v : values) max_len = std::max(max_len, text_width(v));
    values.insert(values.begin(), justify(header, max_len, Justify::right));
    strcols.push_back(std::move(values));
  }

  if (cut) {
    strcols.insert(strcols.begin() + static_cast<std::ptrdiff_t>(col_num) + 1,
                   StrCol(w.positions.size() + 1, " ..."));
  }
  if (w.truncated) {
    for (std::size_t ix = 0; ix < strcols.size(); ++ix) {
      StrCol& col = strcols[ix];
      std::size_t width = text_width(col[w.row_num]);
      const bool dot_col = cut && ix == col_num + 1;
      const std::string dots = width > 3 || dot_col ? "..." : "..";
      if (dot_col) width = 4;
      col.insert(col.begin() + static_cast<std::ptrdiff_t>(w.row_num) + 1,
                 justify(dots, width, ix == 0 ? Justify::left : Justify::right));
    }
  }
  return strcols;
}

/// Python's round(n / 2): halves go to the even neighbour.
FASTBLOCK_FUNC std::size_t round_half(std::size_t n) noexcept {
  const std::size_t q = n / 2;
  return n % 2 == 0 || q % 2 == 0 ? q : q + 1;
}

}  // namespace detail::pandas

FASTBLOCK_FUNC std::string repr(const DataFrame& df, const DisplayOptions& options) {
  const std::vector<std::string> names = df.columns();
  if (df.empty()) {
    std::string out = "Empty DataFrame\nColumns: [";
    for (std::size_t j = 0; j < std::min<std::size_t>(names.size(), 100); ++j) {
      out += (j == 0 ? "" : ", ") + names[j];
    }
    return out + (names.size() > 100 ? ", ...]" : "]") + "\nIndex: []";
  }
  const detail::pandas::Window w = detail::pandas::frame_window(df.num_rows(), options);
  // pandas in a terminal (display.max_columns = 0) first cuts to `width` columns when there are
  // more, then drops middle columns until the lines fit (StringFormatter's
  // _fit_strcols_to_terminal_width, including its quirks: the +1 and Python's rounding).
  std::size_t fitted = options.width != 0 && names.size() > options.width ? options.width : 0;
  std::vector<detail::pandas::StrCol> strcols =
      detail::pandas::frame_strcols(df, w, fitted, options);
  if (options.width != 0) {
    std::vector<std::size_t> col_lens;
    std::size_t line_len = 0;
    for (const auto& col : strcols) {
      std::size_t len = 0;
      for (const auto& s : col) len = std::max(len, detail::pandas::text_width(s));
      col_lens.push_back(len);
      line_len += len + 1;
    }
    auto excess =
        static_cast<std::int64_t>(line_len - 1) - static_cast<std::int64_t>(options.width) + 1;
    while (excess > 0 && col_lens.size() > 1) {
      const std::size_t mid = detail::pandas::round_half(col_lens.size());
      excess -= static_cast<std::int64_t>(col_lens[mid]) + 1;
      col_lens.erase(col_lens.begin() + static_cast<std::ptrdiff_t>(mid));
    }
    fitted = std::max<std::size_t>(col_lens.size() - 1, 2);
    strcols = detail::pandas::frame_strcols(df, w, fitted, options);
  }
  std::string out = detail::pandas::adjoin(1, strcols);
  if (w.truncated || (fitted != 0 && names.size() > fitted)) {
    out += "\n\n[" + std::to_string(df.num_rows()) + " rows x " + std::to_string(names.size()) +
           " columns]";
  }
  return out;
}

FASTBLOCK_FUNC std::string repr(const Column& column, const DisplayOptions& options) {
  const detail::pandas::Window w = detail::pandas::series_window(column.size(), options);
  detail::pandas::StrCol index;
  detail::pandas::StrCol values;
  for (const std::size_t p : w.positions) {
    index.push_back(std::to_string(column.label(p)));
    values.emplace_back(column.cell(p));
  }
  return detail::pandas::format_series(column.size(), w, std::move(index), std::move(values),
                                       column.name(), "object", options);
}

FASTBLOCK_FUNC std::string repr(const Row& row, const DisplayOptions& options) {
  const detail::pandas::Window w = detail::pandas::series_window(row.size(), options);
  const std::vector<std::string> names = row.frame().columns();
  const auto pos = static_cast<std::int64_t>(row.position());
  detail::pandas::StrCol index;
  detail::pandas::StrCol values;
  for (const std::size_t j : w.positions) {
    index.push_back(detail::pandas::escape_text(names[j]));
    values.emplace_back(row.frame().iloc(pos, static_cast<std::int64_t>(j)));
  }
  return detail::pandas::format_series(row.size(), w, std::move(index), std::move(values),
                                       std::to_string(row.index()), "object", options);
}

FASTBLOCK_FUNC std::string repr(const Mask& mask, const DisplayOptions& options) {
  const detail::pandas::Window w = detail::pandas::series_window(mask.size(), options);
  detail::pandas::StrCol index;
  detail::pandas::StrCol values;
  for (const std::size_t p : w.positions) {
    index.push_back(
        std::to_string(mask.labels_ ? (*mask.labels_)[p] : static_cast<std::int64_t>(p)));
    values.emplace_back(mask.values_[p] ? "True" : "False");
  }
  return detail::pandas::format_series(mask.size(), w, std::move(index), std::move(values),
                                       mask.name(), "bool", options);
}

FASTBLOCK_FUNC std::ostream& operator<<(std::ostream& os, const DataFrame& df) {
  return os << repr(df);
}

FASTBLOCK_FUNC std::ostream& operator<<(std::ostream& os, const Column& column) {
  return os << repr(column);
}

FASTBLOCK_FUNC std::ostream& operator<<(std::ostream& os, const Row& row) {
  return os << repr(row);
}

FASTBLOCK_FUNC std::ostream& operator<<(std::ostream& os, const Mask& mask) {
  return os << repr(mask);
}

}  // namespace fastblock
