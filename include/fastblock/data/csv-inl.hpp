// fastblock/data/csv-inl.hpp — out-of-line definitions for data/csv.hpp.
//
// Included by csv.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <array>
#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/data/csv.hpp>
#include <fastblock/data/dataframe.hpp>

namespace fastblock {

namespace detail::pandas {

/// One pass of RFC 4180 parsing over a buffer. Line and column numbers are not tracked while
/// parsing (that would cost on every byte); an error recomputes them from its byte offset.
class CsvParser {
 public:
  CsvParser(std::string_view text, std::string_view source, char delimiter)
      : text_(text), source_(source), delimiter_(delimiter) {
    if (delimiter == '"' || delimiter == '\r' || delimiter == '\n') {
      throw value_error("read_csv: the delimiter cannot be a quote or a line break");
    }
    constexpr std::string_view bom = "\xEF\xBB\xBF";
    if (text_.substr(0, bom.size()) == bom) text_.remove_prefix(bom.size());
    for (const char c : {delimiter, '"', '\r', '\n'})
      special_[static_cast<unsigned char>(c)] = true;
  }

  DataFrame parse(bool header);

 private:
  /// Parses the field at pos_ onto `out`; stops at the delimiter, line break or end after it.
  void field(std::string& out);
  /// Consumes what ends a field: true for a delimiter (a field follows), false at the end of
  /// the record (after its line break, if any).
  bool next_field() noexcept;
  [[noreturn]] void fail(std::size_t offset, const std::string& what, bool column = true) const;
  std::vector<std::string> header_names(bool header, std::vector<std::string>& first_row);
  void reserve_for_rest(std::vector<std::string>& arenas,
                        std::vector<std::vector<std::size_t>>& offsets, std::size_t rows) const;

  std::string_view text_;
  std::string_view source_;
  char delimiter_;
  std::size_t pos_ = 0;
  std::array<bool, 256> special_{};  // bytes that end an unquoted field
};

FASTBLOCK_FUNC void CsvParser::fail(std::size_t offset, const std::string& what,
                                    bool column) const {
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset && i < text_.size(); ++i) {
    const bool crlf = text_[i] == '\r' && i + 1 < text_.size() && text_[i + 1] == '\n';
    if ((text_[i] == '\n' || text_[i] == '\r') && !crlf) {
      ++line;
      line_start = i + 1;
    }
  }
  std::size_t col = 1;  // counts UTF-8 code points, as an editor's column does
  for (std::size_t i = line_start; i < offset && i < text_.size(); ++i) {
    col += (static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80;
  }
  std::string where = std::string(source_) + ":" + std::to_string(line);
  if (column) where += ":" + std::to_string(col);
  throw data_error(where + ": " + what);
}

FASTBLOCK_FUNC void CsvParser::field(std::string& out) {
  const char* const data = text_.data();
  const std::size_t n = text_.size();
  if (pos_ < n && data[pos_] == '"') {
    const std::size_t open = pos_++;
    for (;;) {
      const auto* quote = static_cast<const char*>(std::memchr(data + pos_, '"', n - pos_));
      if (quote == nullptr) fail(open, "unterminated quoted field: this quote is never closed");
      const auto at = static_cast<std::size_t>(quote - data);
      out.append(data + pos_, at - pos_);
      pos_ = at + 1;
      if (pos_ < n && data[pos_] == '"') {  // "" is one quote inside a quoted field
        out += '"';
        ++pos_;
        continue;
      }
      break;
    }
    if (pos_ < n && data[pos_] != delimiter_ && data[pos_] != '\n' && data[pos_] != '\r') {
      fail(pos_, std::string("expected '") + delimiter_ + "' or end of line after the closing " +
                     "quote of a field, found '" + data[pos_] + "'");
    }
    return;
  }
  const std::size_t start = pos_;
  if constexpr (std::endian::native == std::endian::little) {
    // Eight bytes at a time (SWAR): a byte equals c where w ^ (c * 0x01..01) has a zero byte, and
    // the lowest byte flagged by the zero-byte test is exact, which is the one wanted.
    constexpr std::uint64_t ones = 0x0101010101010101u;
    constexpr std::uint64_t highs = 0x8080808080808080u;
    const auto zero_bytes = [](std::uint64_t v) { return (v - ones) & ~v & highs; };
    const std::uint64_t delim = ones * static_cast<unsigned char>(delimiter_);
    while (pos_ + 8 <= n) {
      std::uint64_t w;
      std::memcpy(&w, data + pos_, 8);
      const std::uint64_t hits = zero_bytes(w ^ delim) | zero_bytes(w ^ (ones * '"')) |
                                 zero_bytes(w ^ (ones * '\n')) | zero_bytes(w ^ (ones * '\r'));
      if (hits != 0) {
        pos_ += static_cast<std::size_t>(std::countr_zero(hits)) / 8;
        break;
      }
      pos_ += 8;
    }
  }
  while (pos_ < n && !special_[static_cast<unsigned char>(data[pos_])]) ++pos_;
  if (pos_ < n && data[pos_] == '"') {
    fail(pos_,
         "quote inside an unquoted field; quote the whole field and double the quote "
         "(\"a\"\"b\")");
  }
  out.append(data + start, pos_ - start);
}

FASTBLOCK_FUNC bool CsvParser::next_field() noexcept {
  if (pos_ >= text_.size()) return false;
  const char c = text_[pos_++];
  if (c == delimiter_) return true;
  if (c == '\r' && pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
  return false;
}

FASTBLOCK_FUNC std::vector<std::string> CsvParser::header_names(
    bool header, std::vector<std::string>& first_row) {
  std::vector<std::size_t> starts;
  do {
    starts.push_back(pos_);
    first_row.emplace_back();
    field(first_row.back());
  } while (next_field());
  std::vector<std::string> names;
  if (!header) {
    for (std::size_t j = 0; j < first_row.size(); ++j) names.push_back(std::to_string(j));
    return names;
  }
  std::unordered_map<std::string_view, std::size_t> seen;
  for (std::size_t j = 0; j < first_row.size(); ++j) {
    if (first_row[j].empty()) {
      fail(starts[j], "empty column name in the header (column " + std::to_string(j + 1) + ")");
    }
    const auto [it, fresh] = seen.emplace(first_row[j], j);
    if (!fresh) {
      fail(starts[j], "duplicate column name '" + first_row[j] + "' in the header (columns " +
                          std::to_string(it->second + 1) + " and " + std::to_string(j + 1) + ")");
    }
  }
  names = std::move(first_row);
  first_row.clear();
  return names;
}

FASTBLOCK_FUNC void CsvParser::reserve_for_rest(std::vector<std::string>& arenas,
                                                std::vector<std::vector<std::size_t>>& offsets,
                                                std::size_t rows) const {
  // Extrapolates from the rows read so far, so that a large file's arenas grow once instead of
  // doubling (and copying) a dozen times; 10% headroom covers ordinary variation in row length.
  const double scale = 1.1 * static_cast<double>(text_.size()) / static_cast<double>(pos_);
  for (std::size_t j = 0; j < arenas.size(); ++j) {
    arenas[j].reserve(static_cast<std::size_t>(static_cast<double>(arenas[j].size()) * scale) + 64);
    offsets[j].reserve(static_cast<std::size_t>(static_cast<double>(rows) * scale) + 2);
  }
}

FASTBLOCK_FUNC DataFrame CsvParser::parse(bool header) {
  if (text_.empty()) {
    if (header) fail(0, "the input is empty; expected a header row naming the columns");
    return DataFrame();
  }
  std::vector<std::string> first_row;
  const std::vector<std::string> names = header_names(header, first_row);
  const std::size_t ncols = names.size();
  std::vector<std::string> arenas(ncols);
  std::vector<std::vector<std::size_t>> offsets(ncols, std::vector<std::size_t>{0});
  std::size_t rows = 0;
  if (!header) {
    for (std::size_t j = 0; j < ncols; ++j) {
      arenas[j] = std::move(first_row[j]);
      offsets[j].push_back(arenas[j].size());
    }
    rows = 1;
  }

  constexpr std::size_t sample_rows = 1024;
  std::string extra;  // fields beyond the last column, parsed only to count them
  while (pos_ < text_.size()) {
    const std::size_t record_start = pos_;
    std::size_t fields = 0;
    do {
      if (fields < ncols) {
        field(arenas[fields]);
        offsets[fields].push_back(arenas[fields].size());
      } else {
        extra.clear();
        field(extra);
      }
      ++fields;
    } while (next_field());
    if (fields != ncols) {
      std::string expected;
      for (const auto& name : names) expected += (expected.empty() ? "" : ",") + name;
      const bool blank = text_[record_start] == '\n' || text_[record_start] == '\r';
      const std::string found =
          blank ? std::string("row is blank")
                : "row has " + std::to_string(fields) + (fields == 1 ? " field" : " fields");
      fail(record_start, found + ", expected " + std::to_string(ncols) + " (" + expected + ")",
           false);
    }
    if (++rows == sample_rows) reserve_for_rest(arenas, offsets, rows);
  }

  std::vector<Column> columns;
  columns.reserve(ncols);
  for (std::size_t j = 0; j < ncols; ++j) {
    columns.push_back(Column::from_arena(names[j], std::move(arenas[j]), std::move(offsets[j])));
  }
  return DataFrame(std::move(columns));
}

}  // namespace detail::pandas

FASTBLOCK_FUNC DataFrame read_csv_string(std::string_view text, std::string source_name,
                                         const CsvOptions& options) {
  return detail::pandas::CsvParser(text, source_name, options.delimiter).parse(options.header);
}

FASTBLOCK_FUNC DataFrame read_csv(const std::filesystem::path& path, const CsvOptions& options) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw io_error("read_csv: cannot read '" + path.string() + "': " + ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw io_error("read_csv: cannot open '" + path.string() +
                   "': " + std::error_code(errno, std::generic_category()).message());
  }
  // Not zero-filled first: for a large file that would be a second pass over its memory.
  const auto buffer = std::make_unique_for_overwrite<char[]>(size);
  in.read(buffer.get(), static_cast<std::streamsize>(size));
  if (static_cast<std::uintmax_t>(in.gcount()) != size) {
    throw io_error("read_csv: '" + path.string() + "' ended after " + std::to_string(in.gcount()) +
                   " of its " + std::to_string(size) + " bytes; was it changed while being read?");
  }
  return read_csv_string(std::string_view(buffer.get(), size), path.string(), options);
}

namespace detail::pandas {

FASTBLOCK_FUNC void append_csv_field(std::string& out, std::string_view cell, char delimiter,
                                     bool alone) {
  // A field opening the text that starts with a UTF-8 byte-order mark is quoted: unquoted, the
  // reader would skip the mark as the file's own and lose it from the cell.
  bool quote = (alone && cell.empty()) || (out.empty() && cell.starts_with("\xEF\xBB\xBF"));
  for (std::size_t i = 0; !quote && i < cell.size(); ++i) {
    const char c = cell[i];
    quote = c == delimiter || c == '"' || c == '\r' || c == '\n';
  }
  if (!quote) {
    out += cell;
    return;
  }
  out += '"';
  for (const char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace detail::pandas

FASTBLOCK_FUNC std::string to_csv_string(const DataFrame& df, const CsvOptions& options) {
  const std::vector<std::string> names = df.columns();
  if (names.empty()) return {};
  const bool alone = names.size() == 1;
  std::vector<const Column*> columns;
  std::size_t bytes = 0;
  for (const auto& name : names) {
    columns.push_back(&df[name]);
    for (const std::string_view cell : *columns.back()) bytes += cell.size() + 1;
  }
  std::string out;
  out.reserve(bytes + bytes / 8 + 64);
  if (options.header) {
    for (std::size_t j = 0; j < names.size(); ++j) {
      if (j != 0) out += options.delimiter;
      detail::pandas::append_csv_field(out, names[j], options.delimiter, alone);
    }
    out += '\n';
  }
  std::vector<Column::const_iterator> cells;
  for (const Column* c : columns) cells.push_back(c->begin());
  for (std::size_t i = 0; i < df.num_rows(); ++i) {
    for (std::size_t j = 0; j < cells.size(); ++j) {
      if (j != 0) out += options.delimiter;
      detail::pandas::append_csv_field(out, *cells[j]++, options.delimiter, alone);
    }
    out += '\n';
  }
  return out;
}

FASTBLOCK_FUNC void to_csv(const DataFrame& df, const std::filesystem::path& path,
                           const CsvOptions& options) {
  const std::string text = to_csv_string(df, options);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    throw io_error("to_csv: cannot open '" + path.string() +
                   "' for writing: " + std::error_code(errno, std::generic_category()).message());
  }
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) throw io_error("to_csv: writing '" + path.string() + "' failed");
}

}  // namespace fastblock
