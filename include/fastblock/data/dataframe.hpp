// fastblock/data/dataframe.hpp — the part of pandas that fastai's data pipeline uses.
//
// Contract: a DataFrame is a table of named text columns of equal length, read from a CSV
// (data/csv.hpp) or built from values. Every cell is a string, as pandas' `object` dtype holds
// them; typed views (`as<bool>()`, `as<std::int64_t>()`, `as<double>()`) parse on request and
// name the column, row and value that fail. Rows keep the labels they had when a frame was
// filtered or sliced, as pandas' index does, so `filter`, `iloc(Slice)` and `head` print the same
// row numbers pandas prints; arithmetic and assignment pair cells by position (pandas aligns by
// label, which gives the same result for the frames fastai builds). Indexing follows Python:
// negative positions count from the end, and everything is bounds-checked (index_error).
// Printing reproduces pandas 1.5's `print(...)` byte for byte with its default display options in
// an 80-column terminal; the one difference is that every column prints `dtype: object`, because
// fastblock keeps text, even where pandas would have inferred int64 for a column of integers.
//
// Storage: a column is one contiguous std::string arena plus an offsets vector, so a cell is a
// std::string_view into it; a column costs one allocation for its text, whatever its length.
// Values are copied on copy (value semantics); `df["fname"]` hands out a reference, not a copy.
#pragma once

#include <charconv>
#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>

namespace fastblock {

class Column;
class DataFrame;
class Mask;
class Row;

/// pandas' display options that decide how frames and columns print (pd.set_option names). They
/// are passed explicitly rather than kept as process-wide state; the defaults are pandas'.
struct DisplayOptions {
  /// More rows than this print as head and tail around a `...` line (0: never truncate).
  std::size_t max_rows = 60;
  /// How many rows a truncated print shows, half at each end (0: max_rows of them).
  std::size_t min_rows = 10;
  /// Longer cells print cut to this many characters, the last three being `...` (0: no limit).
  std::size_t max_colwidth = 50;
  /// Terminal width: a wider frame drops middle columns for a `...` column (0: never drop).
  std::size_t width = 80;
};

/// A Python slice `start:stop:step` for DataFrame::iloc; unset ends mean "from the beginning" and
/// "to the end" (for a negative step, the other way round), negative values count from the end,
/// and out-of-range ends are clamped, exactly as Python clamps them.
struct Slice {
  /// First position taken (Python's `start`).
  std::optional<std::int64_t> start;
  /// Position at which to stop, not taken (Python's `stop`).
  std::optional<std::int64_t> stop;
  /// Distance between taken positions; must not be 0 (value_error).
  std::int64_t step = 1;
};

// The repr functions are declared before the classes so that Column and Mask can befriend them
// while the default arguments stay on these declarations.

/// What pandas' `print(df)` prints: a right-aligned table under its column names with the row
/// labels on the left; beyond options.max_rows rows, the first and last five around a `...` row
/// and a `[5011 rows x 3 columns]` footer; beyond options.width, middle columns become `...`.
std::string repr(const DataFrame& df, const DisplayOptions& options = {});
/// What pandas prints for a Series: one `label    value` line per cell (head and tail of a
/// long column), then `Name: fname, Length: 5011, dtype: object` (Length only when truncated).
std::string repr(const Column& column, const DisplayOptions& options = {});
/// What pandas prints for `df.iloc[i]`: `fname       000005.jpg` lines, then
/// `Name: 0, dtype: object`.
std::string repr(const Row& row, const DisplayOptions& options = {});
/// What pandas prints for a boolean Series: `True`/`False` lines, then `dtype: bool`.
std::string repr(const Mask& mask, const DisplayOptions& options = {});

namespace detail::pandas {

/// Row labels shared by a frame and its columns; null stands for 0, 1, ..., n-1.
using Labels = std::shared_ptr<const std::vector<std::int64_t>>;

/// Numbers a column can be built from; characters are text, not numbers, so they are excluded.
template <class T>
concept CellNumber = std::same_as<T, bool> || std::floating_point<T> ||
    (std::integral<T> && !std::same_as<T, char> && !std::same_as<T, wchar_t> &&
     !std::same_as<T, char8_t> && !std::same_as<T, char16_t> && !std::same_as<T, char32_t>);

/// Types `Column::as<T>()` parses to.
template <class T>
concept ParsedCell = CellNumber<T> && !std::same_as<std::remove_cv_t<T>, long double>;

/// Python's `repr(x)` of a float: the shortest text that reads back as `x`, in fixed notation
/// for exponents -4 to 15 (always with a `.`), scientific otherwise: `4.0`, `0.25`, `1e-05`.
std::string format_float(double x);
/// The same for a float32, as numpy prints a float32 scalar (`0.1`, not `0.10000000149011612`).
std::string format_float(float x);

/// Text of one number the way pandas prints it: `True`/`False`, integers, Python float reprs.
template <CellNumber T>
std::string format_cell(T value) {
  if constexpr (std::same_as<T, bool>) {
    return value ? "True" : "False";
  } else if constexpr (std::integral<T>) {
    char buf[24];
    const auto result = std::to_chars(buf, buf + sizeof buf, value);
    return std::string(buf, result.ptr);
  } else if constexpr (std::same_as<T, float>) {
    return format_float(value);
  } else {
    return format_float(static_cast<double>(value));
  }
}

/// The whole of `cell` as a T, or nothing. One leading `+` is accepted (Python's int() and
/// float() accept it; std::from_chars does not); so are `nan` and `inf` for floating types.
template <class T>
std::optional<T> parse_number(std::string_view cell) {
  if (cell.size() > 1 && cell.front() == '+' && cell[1] != '-' && cell[1] != '+') {
    cell.remove_prefix(1);
  }
  T value{};
  const char* const last = cell.data() + cell.size();
  const auto [ptr, ec] = std::from_chars(cell.data(), last, value);
  if (cell.empty() || ec != std::errc{} || ptr != last) return std::nullopt;
  return value;
}

/// numpy's name of a parsed type, for messages: `int64`, `float64`, ...
template <class T>
constexpr std::string_view number_type_name() {
  if constexpr (std::floating_point<T>) return sizeof(T) == 4 ? "float32" : "float64";
  if constexpr (std::signed_integral<T>) {
    return sizeof(T) == 1 ? "int8" : sizeof(T) == 2 ? "int16" : sizeof(T) == 4 ? "int32" : "int64";
  }
  return sizeof(T) == 1   ? "uint8"
         : sizeof(T) == 2 ? "uint16"
         : sizeof(T) == 4 ? "uint32"
                          : "uint64";
}

/// Throws the index_error of `what` (a column or mask named `name`) indexed at `i`.
[[noreturn]] void throw_position_error(std::string_view what, std::string_view name, std::int64_t i,
                                       std::size_t size);
/// Throws the data_error for a cell of column `name` at row label `row` that is no `type`.
[[noreturn]] void throw_bad_cell(std::string_view name, std::int64_t row, std::string_view cell,
                                 std::string_view type);

/// Python's reading of position `i` in a sequence of `size`; throws index_error out of range.
inline std::size_t checked_position(std::int64_t i, std::size_t size, std::string_view what,
                                    std::string_view name) {
  const auto n = static_cast<std::int64_t>(size);
  const std::int64_t p = i < 0 ? i + n : i;
  if (p < 0 || p >= n) throw_position_error(what, name, i, size);
  return static_cast<std::size_t>(p);
}

}  // namespace detail::pandas

/// A boolean column, as `df["is_valid"] == "True"` gives in pandas: the argument of
/// DataFrame::filter and DataFrame::index_where. It keeps the name and row labels of the column it
/// came from for printing; `~`, `&` and `|` combine masks position by position.
class Mask {
 public:
  /// An empty mask.
  Mask() = default;
  /// A mask with these values, unnamed, labelled 0 to n-1.
  Mask(std::initializer_list<bool> values) : values_(values) {}
  /// A mask with these values and (optionally) a name for printing.
  explicit Mask(std::vector<bool> values, std::string name = {})
      : values_(std::move(values)), name_(std::move(name)) {}

  /// Number of entries.
  std::size_t size() const noexcept { return values_.size(); }
  /// Whether the mask has no entries.
  bool empty() const noexcept { return values_.empty(); }
  /// Entry `i`; negative `i` counts from the end. Throws index_error out of range.
  bool operator[](std::int64_t i) const {
    return values_[detail::pandas::checked_position(i, size(), "mask", name_)];
  }
  /// How many entries are true (pandas' `mask.sum()`).
  std::size_t count() const noexcept;
  /// The column name the mask came from; empty when it has none.
  const std::string& name() const noexcept { return name_; }
  /// The row labels, as pandas' `mask.index.tolist()`.
  std::vector<std::int64_t> index() const;
  /// The entries as a vector.
  const std::vector<bool>& tolist() const noexcept { return values_; }

  /// First entry.
  std::vector<bool>::const_iterator begin() const noexcept { return values_.begin(); }
  /// One past the last entry.
  std::vector<bool>::const_iterator end() const noexcept { return values_.end(); }

  /// The negated mask (Python's `~mask`, as in the seed's splitter `df.index[~df['is_valid']]`).
  Mask operator~() const;

 private:
  friend class Column;
  friend class DataFrame;
  friend std::string repr(const Mask& mask, const DisplayOptions& options);
  friend Mask operator&(const Mask& a, const Mask& b);
  friend Mask operator|(const Mask& a, const Mask& b);

  std::vector<bool> values_;
  std::string name_;
  detail::pandas::Labels labels_;
};

/// Entries true in both masks; throws value_error when their lengths differ.
Mask operator&(const Mask& a, const Mask& b);
/// Entries true in either mask; throws value_error when their lengths differ.
Mask operator|(const Mask& a, const Mask& b);

/// A named column of text cells: pandas' Series of dtype object, as `df["fname"]` returns it.
class Column {
 public:
  /// Random-access iterator over the cells, which it yields as std::string_view.
  class const_iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using iterator_concept = std::random_access_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using reference = std::string_view;
    using pointer = void;

    /// A singular iterator, only to be assigned to.
    const_iterator() = default;
    /// The cell at the iterator.
    std::string_view operator*() const noexcept {
      return {data_ + off_[0], static_cast<std::size_t>(off_[1] - off_[0])};
    }
    /// The cell `n` places on.
    std::string_view operator[](difference_type n) const noexcept { return *(*this + n); }
    /// Steps forward.
    const_iterator& operator++() noexcept { return ++off_, *this; }
    /// Steps forward, returning the old position.
    const_iterator operator++(int) noexcept { return {data_, off_++}; }
    /// Steps back.
    const_iterator& operator--() noexcept { return --off_, *this; }
    /// Steps back, returning the old position.
    const_iterator operator--(int) noexcept { return {data_, off_--}; }
    /// Moves `n` places.
    const_iterator& operator+=(difference_type n) noexcept { return off_ += n, *this; }
    /// Moves `n` places back.
    const_iterator& operator-=(difference_type n) noexcept { return off_ -= n, *this; }
    /// The iterator `n` places on.
    friend const_iterator operator+(const_iterator it, difference_type n) noexcept {
      return it += n;
    }
    /// The iterator `n` places on.
    friend const_iterator operator+(difference_type n, const_iterator it) noexcept {
      return it += n;
    }
    /// The iterator `n` places back.
    friend const_iterator operator-(const_iterator it, difference_type n) noexcept {
      return it -= n;
    }
    /// Distance between two iterators of the same column.
    friend difference_type operator-(const const_iterator& a, const const_iterator& b) noexcept {
      return a.off_ - b.off_;
    }
    /// Whether both point at the same cell.
    friend bool operator==(const const_iterator& a, const const_iterator& b) noexcept {
      return a.off_ == b.off_;
    }
    /// Orders iterators of the same column by position.
    friend std::strong_ordering operator<=>(const const_iterator& a,
                                            const const_iterator& b) noexcept {
      return a.off_ <=> b.off_;
    }

   private:
    friend class Column;
    const_iterator(const char* data, const std::size_t* off) noexcept : data_(data), off_(off) {}
    const char* data_ = nullptr;
    const std::size_t* off_ = nullptr;  // points at the cell's start offset; its end follows
  };

  /// An unnamed column with no cells.
  Column() = default;
  /// A column of these strings (pandas: `pd.Series([...], name=name, dtype=str)`).
  Column(std::string name, const std::vector<std::string>& values);
  /// A column of numbers, stored as pandas prints them: `{"a", {1, 2}}` holds "1" and "2",
  /// `{"m", {true, false}}` holds "True" and "False", `{"x", {0.5}}` holds "0.5".
  template <detail::pandas::CellNumber T>
  Column(std::string name, std::initializer_list<T> values) : name_(std::move(name)) {
    append_numbers<T>(values);
  }
  /// A column of numbers from a vector; see the initializer-list constructor.
  template <detail::pandas::CellNumber T>
  Column(std::string name, const std::vector<T>& values) : name_(std::move(name)) {
    append_numbers<T>(values);
  }
  /// A column that adopts an arena of `size()` cells, cell i being
  /// `arena[offsets[i], offsets[i+1])`; this is how read_csv builds columns without copying.
  /// Throws value_error unless offsets start at 0, never decrease and end at arena.size().
  static Column from_arena(std::string name, std::string arena, std::vector<std::size_t> offsets);

  /// The column's name (pandas' `Series.name`); empty for an unnamed column.
  const std::string& name() const noexcept { return name_; }
  /// Renames the column.
  void set_name(std::string name) { name_ = std::move(name); }
  /// Number of cells.
  std::size_t size() const noexcept { return offsets_.empty() ? 0 : offsets_.size() - 1; }
  /// Whether the column has no cells.
  bool empty() const noexcept { return size() == 0; }
  /// Cell `i` (a view into the column); negative `i` counts from the end. Throws index_error
  /// naming the column, the index and the length when `i` is out of range.
  std::string_view operator[](std::int64_t i) const {
    return cell(detail::pandas::checked_position(i, size(), "column", name_));
  }
  /// First cell.
  const_iterator begin() const noexcept { return {arena_.data(), offsets_.data()}; }
  /// One past the last cell.
  const_iterator end() const noexcept { return {arena_.data(), offsets_.data() + size()}; }
  /// The cells copied into strings (pandas' `tolist()`).
  std::vector<std::string> tolist() const;
  /// The row labels (pandas' `index.tolist()`): 0 to n-1 unless taken from a filtered frame.
  std::vector<std::int64_t> index() const;
  /// Whether both columns hold the same name, cells and labels.
  bool equals(const Column& other) const;
  /// Where the cells equal `value` (pandas' `eq`; `col == "True"` calls it).
  Mask eq(std::string_view value) const;
  /// Where the cells differ from `value` (pandas' `ne`).
  Mask ne(std::string_view value) const;

  /// Cell-by-cell sums with a numeric column of the same length (pandas' `add`). The result stays
  /// integral (int64, wrapping on overflow like numpy) when every cell of both parses as an int64,
  /// and is float64 otherwise, printed as Python prints floats. It keeps the name shared by both
  /// columns (none when they differ) and the labels of this one. Throws value_error when the
  /// lengths differ and data_error naming the first cell that is not a number.
  Column add(const Column& other) const;
  /// Cell-by-cell differences (pandas' `sub`); see add.
  Column sub(const Column& other) const;
  /// Cell-by-cell products (pandas' `mul`); see add.
  Column mul(const Column& other) const;
  /// Cell-by-cell quotients (pandas' `truediv`), always float64 as Python's `/` is: 1 / 2 is
  /// 0.5, 1 / 0 is inf, 0 / 0 is nan.
  Column truediv(const Column& other) const;

  /// The cells parsed as T: a Mask for bool (True/False/true/false/TRUE/FALSE/1/0), otherwise a
  /// std::vector<T> parsed with std::from_chars, where the whole cell must parse. Throws
  /// data_error naming the column, the row and the cell that does not parse.
  template <detail::pandas::ParsedCell T>
  auto as() const {
    if constexpr (std::same_as<T, bool>) {
      return as_mask();
    } else {
      std::vector<T> out;
      out.reserve(size());
      for (std::size_t i = 0; i < size(); ++i) {
        const auto value = detail::pandas::parse_number<T>(cell(i));
        if (!value)
          detail::pandas::throw_bad_cell(name_, label(i), cell(i),
                                         detail::pandas::number_type_name<T>());
        out.push_back(*value);
      }
      return out;
    }
  }

 private:
  friend class DataFrame;
  friend class Row;
  friend std::string repr(const Column& column, const DisplayOptions& options);

  std::string_view cell(std::size_t i) const noexcept {
    return {arena_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]};
  }
  std::int64_t label(std::size_t i) const noexcept {
    return labels_ ? (*labels_)[i] : static_cast<std::int64_t>(i);
  }
  Mask as_mask() const;
  Mask compare(std::string_view value, bool equal) const;
  Column arithmetic(const Column& other, char op) const;
  Column take(std::span<const std::size_t> positions) const;

  template <class T, class Range>
  void append_numbers(const Range& values) {
    offsets_.reserve(std::size(values) + 1);
    offsets_.push_back(0);
    for (const auto value : values) {
      arena_ += detail::pandas::format_cell<T>(static_cast<T>(value));
      offsets_.push_back(arena_.size());
    }
  }

  std::string name_;
  std::string arena_;
  std::vector<std::size_t> offsets_;  // size()+1 entries from 0, or none for an empty column
  detail::pandas::Labels labels_;
};

// The operators are free functions, not hidden friends, so that `df["a"] + df["b"]` also works
// on the ColumnRef a non-const frame hands out (it converts to const Column&).

/// `a.add(b)`: the seed's `tmp_df['a'] + tmp_df['b']`.
inline Column operator+(const Column& a, const Column& b) { return a.add(b); }
/// `a.sub(b)`.
inline Column operator-(const Column& a, const Column& b) { return a.sub(b); }
/// `a.mul(b)`.
inline Column operator*(const Column& a, const Column& b) { return a.mul(b); }
/// `a.truediv(b)`.
inline Column operator/(const Column& a, const Column& b) { return a.truediv(b); }
/// Where the cells equal `value` (pandas' `df["is_valid"] == "True"`).
inline Mask operator==(const Column& column, std::string_view value) { return column.eq(value); }
/// Where the cells equal `value`.
inline Mask operator==(std::string_view value, const Column& column) { return column.eq(value); }
/// Where the cells differ from `value`.
inline Mask operator!=(const Column& column, std::string_view value) { return column.ne(value); }
/// Where the cells differ from `value`.
inline Mask operator!=(std::string_view value, const Column& column) { return column.ne(value); }

/// One row of a DataFrame, as pandas' `df.iloc[i]` (a Series indexed by column names) and as the
/// `r` that fastai passes to get_x/get_y. It is a view: it must not outlive its frame.
class Row {
 public:
  /// The cell in column `column`. Throws data_error listing the columns when there is none.
  std::string_view operator[](std::string_view column) const;
  /// The row's label (pandas' `row.name`): its row number in the frame read from the CSV.
  std::int64_t index() const noexcept;
  /// Number of cells, one per column.
  std::size_t size() const noexcept;
  /// The cells copied into strings, in column order.
  std::vector<std::string> tolist() const;
  /// The frame the row belongs to.
  const DataFrame& frame() const noexcept { return *frame_; }
  /// The row's position in frame().
  std::size_t position() const noexcept { return pos_; }

 private:
  friend class DataFrame;
  Row(const DataFrame* frame, std::size_t pos) noexcept : frame_(frame), pos_(pos) {}
  const DataFrame* frame_;
  std::size_t pos_;
};

/// What `df["c"]` returns for a non-const frame: reads like the column and assigning to it adds
/// or replaces the column (pandas' `df["c"] = df["a"] + df["b"]`). It refers to the frame.
class ColumnRef {
 public:
  /// Copies the reference, not the column.
  ColumnRef(const ColumnRef&) = default;
  /// Sets this column to a copy of `other`'s (`df["d"] = df["a"]`).
  ColumnRef& operator=(const ColumnRef& other);
  /// Adds or replaces the column; see DataFrame::set_column.
  ColumnRef& operator=(Column values);

  /// The column. Throws data_error listing the frame's columns when there is none of that name.
  const Column& get() const;
  /// The column; see get().
  operator const Column&() const { return get(); }  // NOLINT(google-explicit-constructor)
  /// See Column::name.
  const std::string& name() const { return get().name(); }
  /// See Column::size.
  std::size_t size() const { return get().size(); }
  /// See Column::operator[].
  std::string_view operator[](std::int64_t i) const { return get()[i]; }
  /// See Column::begin.
  Column::const_iterator begin() const { return get().begin(); }
  /// See Column::end.
  Column::const_iterator end() const { return get().end(); }
  /// See Column::tolist.
  std::vector<std::string> tolist() const { return get().tolist(); }
  /// See Column::index.
  std::vector<std::int64_t> index() const { return get().index(); }
  /// See Column::as.
  template <detail::pandas::ParsedCell T>
  auto as() const {
    return get().template as<T>();
  }

 private:
  friend class DataFrame;
  ColumnRef(DataFrame& frame, std::string_view name) : frame_(&frame), name_(name) {}
  DataFrame* frame_;
  std::string name_;
};

/// A table of named text columns of equal length: pandas' DataFrame as fastai uses it.
///
/// Build one with read_csv (data/csv.hpp) or from columns, as pandas builds one from a dict:
/// `DataFrame tmp_df({{"a", {1, 2}}, {"b", {3, 4}}})` (the seed's
/// `pd.DataFrame({'a':[1,2], 'b':[3,4]})`) or `DataFrame({{"fname", {"000005.jpg"}}})`; each
/// braced pair is a Column, so strings, integers, floats and bools all read naturally.
class DataFrame {
 public:
  /// An empty frame: no columns, no rows.
  DataFrame() = default;
  /// A frame of these columns, labelled 0 to n-1. Throws value_error when a name is empty or
  /// repeated or when the columns differ in length.
  DataFrame(std::initializer_list<Column> columns);
  /// A frame of these columns; see the initializer-list constructor.
  explicit DataFrame(std::vector<Column> columns);

  /// The column named `name`. Throws data_error listing the available columns.
  const Column& operator[](std::string_view name) const&;
  /// The column named `name` of a frame that can change: reading it throws data_error as above,
  /// assigning to it adds or replaces the column.
  ColumnRef operator[](std::string_view name) &;
  /// The column named `name`, moved out of a temporary frame.
  Column operator[](std::string_view name) &&;
  /// Whether there is a column named `name` (Python's `name in df`).
  bool contains(std::string_view name) const noexcept;
  /// Adds a column named `name` at the end, or replaces the column of that name, taking the
  /// frame's row labels. A frame without columns takes the column's length. Throws value_error
  /// when `name` is empty or the length differs from num_rows().
  DataFrame& set_column(std::string name, Column values);

  /// Row `i` (pandas' `df.iloc[i]`); negative `i` counts from the end. Throws index_error.
  Row iloc(std::int64_t i) const&;
  /// Deleted: the row would refer to a temporary frame.
  Row iloc(std::int64_t i) && = delete;
  /// The cell at row `i`, column `j` (pandas' `df.iloc[i, j]`); negatives count from the end.
  std::string_view iloc(std::int64_t i, std::int64_t j) const&;
  /// Deleted: the cell would refer to a temporary frame.
  std::string_view iloc(std::int64_t i, std::int64_t j) && = delete;
  /// The rows of a slice (pandas' `df.iloc[start:stop:step]`), keeping their labels.
  DataFrame iloc(const Slice& rows) const&;
  /// Column `j` (negative counts from the end) over the rows of a slice, keeping their labels:
  /// pandas' `df.iloc[:, 0]` is `df.iloc(Slice{}, 0)`. Throws index_error for a bad `j`.
  Column iloc(const Slice& rows, std::int64_t j) const;
  /// Row `i`, as iloc(i) (the fastai name for what a Datasets item is built from).
  Row row(std::int64_t i) const& { return iloc(i); }
  /// Deleted: the row would refer to a temporary frame.
  Row row(std::int64_t i) && = delete;
  /// The first `n` rows (negative `n`: all but the last -n), as pandas' `df.head(n)`.
  DataFrame head(std::int64_t n = 5) const;
  /// The last `n` rows (negative `n`: all but the first -n), as pandas' `df.tail(n)`.
  DataFrame tail(std::int64_t n = 5) const;

  /// Number of rows. (pandas' `df.size` counts cells; here size() is the length, like len(df).)
  std::size_t size() const noexcept { return num_rows(); }
  /// Number of rows.
  std::size_t num_rows() const noexcept { return rows_; }
  /// Number of columns.
  std::size_t num_columns() const noexcept { return columns_.size(); }
  /// Whether the frame has no rows or no columns (pandas' `df.empty`).
  bool empty() const noexcept { return rows_ == 0 || columns_.empty(); }
  /// (rows, columns), as pandas' `df.shape`.
  std::pair<std::size_t, std::size_t> shape() const noexcept { return {rows_, columns_.size()}; }
  /// The column names in order (pandas' `df.columns.tolist()`).
  std::vector<std::string> columns() const;
  /// The row labels (pandas' `df.index.tolist()`).
  std::vector<std::int64_t> index() const;
  /// Labels of the rows where `mask` is true: the seed's `df.index[mask].tolist()`, so the
  /// splitter is `df.index_where(~df["is_valid"].as<bool>())`. Throws value_error when the mask's
  /// length is not num_rows().
  std::vector<std::int64_t> index_where(const Mask& mask) const;
  /// The rows where `mask` is true, keeping their labels (pandas' `df[mask]`).
  DataFrame filter(const Mask& mask) const;
  /// A copy labelled 0 to n-1 (pandas' `df.reset_index(drop=True)`).
  DataFrame reset_index() const;
  /// Whether both frames have the same columns, cells and labels (pandas' `df.equals`).
  bool equals(const DataFrame& other) const;

 private:
  friend class Row;
  friend class ColumnRef;

  std::size_t column_position(std::string_view name) const;  // throws data_error
  std::int64_t label(std::size_t pos) const noexcept {
    return labels_ ? (*labels_)[pos] : static_cast<std::int64_t>(pos);
  }
  DataFrame take(std::span<const std::size_t> positions) const;

  std::vector<Column> columns_;
  detail::pandas::Labels labels_;
  std::size_t rows_ = 0;
};

/// Number of rows (Python's `len(df)`).
inline std::size_t len(const DataFrame& df) noexcept { return df.num_rows(); }
/// Number of cells (Python's `len(series)`).
inline std::size_t len(const Column& column) noexcept { return column.size(); }
/// Number of entries (Python's `len(mask)`).
inline std::size_t len(const Mask& mask) noexcept { return mask.size(); }

/// Writes repr(df).
std::ostream& operator<<(std::ostream& os, const DataFrame& df);
/// Writes repr(column).
std::ostream& operator<<(std::ostream& os, const Column& column);
/// Writes repr(row).
std::ostream& operator<<(std::ostream& os, const Row& row);
/// Writes repr(mask).
std::ostream& operator<<(std::ostream& os, const Mask& mask);

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/data/dataframe-inl.hpp>
#endif
