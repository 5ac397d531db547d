// fastblock/data/csv.hpp — CSV files in and out of DataFrames: pandas' read_csv and to_csv.
//
// Contract: read_csv reads RFC 4180 text: fields separated by a delimiter, records ended by CR,
// LF or CRLF (the last one optional), fields optionally in double quotes, inside which
// delimiters, line breaks and doubled quotes ("") are text. A UTF-8 byte-order mark is skipped. The
// first record names the columns unless CsvOptions::header is false (then they are "0", "1", ...).
// Every cell is kept as text, byte for byte: no trimming, no type inference, an empty field is an
// empty string (pandas would read NaN). Nothing is dropped silently: a blank line is a record of
// one empty field, so in a file of several columns it is an error like any row of the wrong
// length. Malformed input throws data_error whose message starts with `file:line:column:` (1-based;
// the column counts characters) and says what was expected; an unreadable file throws io_error
// naming the path.
//
// Cost: one pass over a buffer holding the whole file; each cell is appended once (quoted cells
// unescaped while appending) to its column's arena (see data/dataframe.hpp), so a file costs about
// twice its size in memory while it is read, plus 8 bytes a cell for the offsets.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <fastblock/core/config.hpp>
#include <fastblock/data/dataframe.hpp>

namespace fastblock {

/// How a CSV file is laid out; the fields mean what read_csv's arguments of the same names mean.
struct CsvOptions {
  /// Separates fields; anything but `"`, CR and LF (value_error). Use '\t' for TSV files.
  char delimiter = ',';
  /// Whether the first record names the columns; if not, they are named "0", "1", ...
  bool header = true;
};

/// Reads a CSV file into a DataFrame (pandas' `pd.read_csv(path/'train.csv')` with every column
/// read as text). Throws io_error when the file cannot be read and data_error, naming the file,
/// line and column, when it is not valid CSV: a row with the wrong number of fields, a quote that
/// is never closed, a quote inside an unquoted field or text after a closing quote, an empty or
/// repeated column name, or a file without a header row.
DataFrame read_csv(const std::filesystem::path& path, const CsvOptions& options = {});

/// Reads CSV text already in memory; `source_name` stands for the file name in error messages.
DataFrame read_csv_string(std::string_view text, std::string source_name = "<string>",
                          const CsvOptions& options = {});

/// The frame as CSV text (pandas' `df.to_csv(index=False)`): a header row (unless
/// CsvOptions::header is false), then one line per row, each ended by LF. Fields holding the
/// delimiter, a quote, CR or LF are quoted, and so is an empty field alone on its line (so that
/// the line is not blank). read_csv_string reads the text back to an equal frame, labelled 0 to
/// n-1; a frame without columns gives "".
std::string to_csv_string(const DataFrame& df, const CsvOptions& options = {});

/// Writes to_csv_string(df, options) to `path`. Throws io_error when the file cannot be written.
void to_csv(const DataFrame& df, const std::filesystem::path& path, const CsvOptions& options = {});

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/data/csv-inl.hpp>
#endif
