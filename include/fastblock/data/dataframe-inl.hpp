// fastblock/data/dataframe-inl.hpp — out-of-line definitions for data/dataframe.hpp.
//
// Included by dataframe.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes. Printing
// lives in dataframe_print-inl.hpp.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/data/dataframe.hpp>

namespace fastblock {

namespace detail::pandas {

/// "column 'fname'" or "unnamed column", for messages.
FASTBLOCK_FUNC std::string describe(std::string_view what, std::string_view name) {
  if (name.empty()) return "unnamed " + std::string(what);
  return std::string(what) + " '" + std::string(name) + "'";
}

FASTBLOCK_FUNC void throw_position_error(std::string_view what, std::string_view name,
                                         std::int64_t i, std::size_t size) {
  throw index_error(describe(what, name) + ": index " + std::to_string(i) +
                    " is out of bounds for length " + std::to_string(size));
}

FASTBLOCK_FUNC void throw_bad_cell(std::string_view name, std::int64_t row, std::string_view cell,
                                   std::string_view type) {
  std::string msg = describe("column", name) + ", row " + std::to_string(row) + ": cannot parse '" +
                    std::string(cell) + "' as " + std::string(type);
  if (type == "bool") msg += " (expected True, False, true, false, TRUE, FALSE, 1 or 0)";
  throw data_error(msg);
}

template <class F>
std::string format_float_as_python(F x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
  // The shortest round-trip digits come from to_chars; Python's repr differs from to_chars' own
  // choice of notation only in where it switches to an exponent, so only that is redone here.
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  std::string_view text(buf, static_cast<std::size_t>(result.ptr - buf));  // "-1.25e+03"
  std::string out;
  if (text.front() == '-') {
    out += '-';
    text.remove_prefix(1);
  }
  const std::size_t e = text.find('e');
  int exponent = 0;
  for (std::size_t i = e + 2; i < text.size(); ++i) exponent = exponent * 10 + (text[i] - '0');
  if (text[e + 1] == '-') exponent = -exponent;
  if (exponent < -4 || exponent >= 16) return out.append(text);

  std::string digits(1, text[0]);
  if (e > 1) digits.append(text.substr(2, e - 2));
  if (exponent >= 0) {
    const auto int_len = static_cast<std::size_t>(exponent) + 1;
    if (digits.size() <= int_len) {
      out += digits;
      out.append(int_len - digits.size(), '0');
      out += ".0";
    } else {
      out.append(digits, 0, int_len).append(".").append(digits, int_len);
    }
  } else {
    out.append("0.").append(static_cast<std::size_t>(-exponent - 1), '0').append(digits);
  }
  return out;
}

FASTBLOCK_FUNC std::string format_float(double x) { return format_float_as_python(x); }

FASTBLOCK_FUNC std::string format_float(float x) { return format_float_as_python(x); }

/// Labels of the rows at `positions`; null again when they are 0..n-1 of an unlabelled frame.
FASTBLOCK_FUNC Labels take_labels(const Labels& labels, std::span<const std::size_t> positions) {
  bool identity = !labels;
  for (std::size_t i = 0; identity && i < positions.size(); ++i) identity = positions[i] == i;
  if (identity) return nullptr;
  std::vector<std::int64_t> out;
  out.reserve(positions.size());
  for (const std::size_t p : positions) {
    out.push_back(labels ? (*labels)[p] : static_cast<std::int64_t>(p));
  }
  return std::make_shared<const std::vector<std::int64_t>>(std::move(out));
}

FASTBLOCK_FUNC std::vector<std::int64_t> materialize(const Labels& labels, std::size_t size) {
  if (labels) return *labels;
  std::vector<std::int64_t> out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::int64_t>(i);
  return out;
}

FASTBLOCK_FUNC bool same_labels(const Labels& a, const Labels& b, std::size_t size) {
  if (a == b) return true;
  for (std::size_t i = 0; i < size; ++i) {
    const auto la = a ? (*a)[i] : static_cast<std::int64_t>(i);
    const auto lb = b ? (*b)[i] : static_cast<std::int64_t>(i);
    if (la != lb) return false;
  }
  return true;
}

/// Positions `Python's range(*slice.indices(size))` yields.
FASTBLOCK_FUNC std::vector<std::size_t> slice_positions(const Slice& s, std::size_t size) {
  if (s.step == 0) throw value_error("iloc: slice step cannot be zero");
  const auto n = static_cast<std::int64_t>(size);
  const bool back = s.step < 0;
  const auto adjust = [&](std::optional<std::int64_t> v, std::int64_t dflt) {
    if (!v) return dflt;
    std::int64_t x = *v;
    if (x < 0) {
      x += n;
      if (x < 0) x = back ? -1 : 0;
    } else if (x >= n) {
      x = back ? n - 1 : n;
    }
    return x;
  };
  const std::int64_t start = adjust(s.start, back ? n - 1 : 0);
  const std::int64_t stop = adjust(s.stop, back ? -1 : n);
  std::vector<std::size_t> out;
  if (!back) {
    for (std::int64_t i = start; i < stop; i += s.step) out.push_back(static_cast<std::size_t>(i));
  } else {
    for (std::int64_t i = start; i > stop; i += s.step) out.push_back(static_cast<std::size_t>(i));
  }
  return out;
}

/// Appends `x` as text and closes the cell.
template <class T>
void append_number_cell(std::string& arena, std::vector<std::size_t>& offsets, T x) {
  if constexpr (std::floating_point<T>) {
    arena += format_float(x);
  } else {
    char buf[24];
    arena.append(buf, std::to_chars(buf, buf + sizeof buf, x).ptr);
  }
  offsets.push_back(arena.size());
}

}  // namespace detail::pandas

// --- Mask ---------------------------------------------------------------------------------------

FASTBLOCK_FUNC std::size_t Mask::count() const noexcept {
  return static_cast<std::size_t>(std::count(values_.begin(), values_.end(), true));
}

FASTBLOCK_FUNC std::vector<std::int64_t> Mask::index() const {
  return detail::pandas::materialize(labels_, size());
}

FASTBLOCK_FUNC Mask Mask::operator~() const {
  Mask out = *this;
  out.values_.flip();
  return out;
}

namespace detail::pandas {

FASTBLOCK_FUNC Mask combine(const Mask& a, const Mask& b, bool both, std::vector<bool> values) {
  if (a.size() != b.size()) {
    throw value_error(std::string("cannot combine masks with '") + (both ? '&' : '|') +
                      "': lengths " + std::to_string(a.size()) + " and " +
                      std::to_string(b.size()) + " differ");
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    values[i] = both ? (a.tolist()[i] && b.tolist()[i]) : (a.tolist()[i] || b.tolist()[i]);
  }
  return Mask(std::move(values), a.name() == b.name() ? a.name() : std::string());
}

}  // namespace detail::pandas

FASTBLOCK_FUNC Mask operator&(const Mask& a, const Mask& b) {
  Mask out = detail::pandas::combine(a, b, true, std::vector<bool>(a.size()));
  out.labels_ = a.labels_;
  return out;
}

FASTBLOCK_FUNC Mask operator|(const Mask& a, const Mask& b) {
  Mask out = detail::pandas::combine(a, b, false, std::vector<bool>(a.size()));
  out.labels_ = a.labels_;
  return out;
}

// --- Column -------------------------------------------------------------------------------------

FASTBLOCK_FUNC Column::Column(std::string name, const std::vector<std::string>& values)
    : name_(std::move(name)) {
  std::size_t bytes = 0;
  for (const auto& v : values) bytes += v.size();
  arena_.reserve(bytes);
  offsets_.reserve(values.size() + 1);
  offsets_.push_back(0);
  for (const auto& v : values) {
    arena_ += v;
    offsets_.push_back(arena_.size());
  }
}

FASTBLOCK_FUNC Column Column::from_arena(std::string name, std::string arena,
                                         std::vector<std::size_t> offsets) {
  const bool valid = offsets.empty() ? arena.empty()
                                     : offsets.front() == 0 && offsets.back() == arena.size() &&
                                           std::is_sorted(offsets.begin(), offsets.end());
  if (!valid) {
    throw value_error("Column::from_arena: offsets must rise from 0 to the arena's size (" +
                      std::to_string(arena.size()) + ")");
  }
  Column out;
  out.name_ = std::move(name);
  out.arena_ = std::move(arena);
  out.offsets_ = std::move(offsets);
  return out;
}

FASTBLOCK_FUNC std::vector<std::string> Column::tolist() const {
  return std::vector<std::string>(begin(), end());
}

FASTBLOCK_FUNC std::vector<std::int64_t> Column::index() const {
  return detail::pandas::materialize(labels_, size());
}

FASTBLOCK_FUNC bool Column::equals(const Column& other) const {
  return name_ == other.name_ && size() == other.size() &&
         std::equal(begin(), end(), other.begin()) &&
         detail::pandas::same_labels(labels_, other.labels_, size());
}

FASTBLOCK_FUNC Mask Column::as_mask() const {
  std::vector<bool> values(size());
  for (std::size_t i = 0; i < size(); ++i) {
    const std::string_view c = cell(i);
    if (c == "True" || c == "true" || c == "TRUE" || c == "1") {
      values[i] = true;
    } else if (!(c == "False" || c == "false" || c == "FALSE" || c == "0")) {
      detail::pandas::throw_bad_cell(name_, label(i), c, "bool");
    }
  }
  Mask out(std::move(values), name_);
  out.labels_ = labels_;
  return out;
}

FASTBLOCK_FUNC Mask Column::compare(std::string_view value, bool equal) const {
  std::vector<bool> values(size());
  for (std::size_t i = 0; i < size(); ++i) values[i] = (cell(i) == value) == equal;
  Mask out(std::move(values), name_);
  out.labels_ = labels_;
  return out;
}

FASTBLOCK_FUNC Mask Column::eq(std::string_view value) const { return compare(value, true); }

FASTBLOCK_FUNC Mask Column::ne(std::string_view value) const { return compare(value, false); }

FASTBLOCK_FUNC Column Column::arithmetic(const Column& other, char op) const {
  if (size() != other.size()) {
    const char* verb = op == '+'   ? "add"
                       : op == '-' ? "subtract"
                       : op == '*' ? "multiply"
                                   : "divide";
    throw value_error(std::string("cannot ") + verb + " " +
                      detail::pandas::describe("column", name_) + " (length " +
                      std::to_string(size()) + ") and " +
                      detail::pandas::describe("column", other.name_) + " (length " +
                      std::to_string(other.size()) + "): lengths differ");
  }
  const auto all_ints = [](const Column& c) {
    return std::all_of(c.begin(), c.end(), [](std::string_view cell) {
      return detail::pandas::parse_number<std::int64_t>(cell).has_value();
    });
  };
  std::string arena;
  std::vector<std::size_t> offsets{0};
  offsets.reserve(size() + 1);
  if (op != '/' && all_ints(*this) && all_ints(other)) {
    const auto a = as<std::int64_t>();
    const auto b = other.as<std::int64_t>();
    for (std::size_t i = 0; i < a.size(); ++i) {
      // Through uint64 so that overflow wraps as numpy's int64 does, instead of being undefined.
      const auto x = static_cast<std::uint64_t>(a[i]);
      const auto y = static_cast<std::uint64_t>(b[i]);
      const std::uint64_t r = op == '+' ? x + y : op == '-' ? x - y : x * y;
      detail::pandas::append_number_cell(arena, offsets, static_cast<std::int64_t>(r));
    }
  } else {
    const auto a = as<double>();
    const auto b = other.as<double>();
    for (std::size_t i = 0; i < a.size(); ++i) {
      const double r = op == '+'   ? a[i] + b[i]
                       : op == '-' ? a[i] - b[i]
                       : op == '*' ? a[i] * b[i]
                                   : a[i] / b[i];
      detail::pandas::append_number_cell(arena, offsets, r);
    }
  }
  Column out = from_arena(name_ == other.name_ ? name_ : std::string(), std::move(arena),
                          std::move(offsets));
  out.labels_ = labels_;
  return out;
}

FASTBLOCK_FUNC Column Column::add(const Column& other) const { return arithmetic(other, '+'); }

FASTBLOCK_FUNC Column Column::sub(const Column& other) const { return arithmetic(other, '-'); }

FASTBLOCK_FUNC Column Column::mul(const Column& other) const { return arithmetic(other, '*'); }

FASTBLOCK_FUNC Column Column::truediv(const Column& other) const { return arithmetic(other, '/'); }

FASTBLOCK_FUNC Column Column::take(std::span<const std::size_t> positions) const {
  Column out;
  out.name_ = name_;
  std::size_t bytes = 0;
  for (const std::size_t p : positions) bytes += offsets_[p + 1] - offsets_[p];
  out.arena_.reserve(bytes);
  out.offsets_.reserve(positions.size() + 1);
  out.offsets_.push_back(0);
  for (const std::size_t p : positions) {
    out.arena_ += cell(p);
    out.offsets_.push_back(out.arena_.size());
  }
  return out;
}

// --- Row ----------------------------------------------------------------------------------------

FASTBLOCK_FUNC std::string_view Row::operator[](std::string_view column) const {
  return frame_->columns_[frame_->column_position(column)].cell(pos_);
}

FASTBLOCK_FUNC std::int64_t Row::index() const noexcept { return frame_->label(pos_); }

FASTBLOCK_FUNC std::size_t Row::size() const noexcept { return frame_->num_columns(); }

FASTBLOCK_FUNC std::vector<std::string> Row::tolist() const {
  std::vector<std::string> out;
  out.reserve(size());
  for (const Column& c : frame_->columns_) out.emplace_back(c.cell(pos_));
  return out;
}

// --- ColumnRef ----------------------------------------------------------------------------------

FASTBLOCK_FUNC const Column& ColumnRef::get() const {
  return frame_->columns_[frame_->column_position(name_)];
}

FASTBLOCK_FUNC ColumnRef& ColumnRef::operator=(const ColumnRef& other) {
  // Copied before set_column, which may move the other column when it adds this one.
  return *this = Column(other.get());
}

FASTBLOCK_FUNC ColumnRef& ColumnRef::operator=(Column values) {
  frame_->set_column(name_, std::move(values));
  return *this;
}

// --- DataFrame ----------------------------------------------------------------------------------

FASTBLOCK_FUNC DataFrame::DataFrame(std::initializer_list<Column> columns)
    : DataFrame(std::vector<Column>(columns)) {}

FASTBLOCK_FUNC DataFrame::DataFrame(std::vector<Column> columns) {
  std::unordered_set<std::string_view> seen;
  for (std::size_t j = 0; j < columns.size(); ++j) {
    const Column& c = columns[j];
    if (c.name().empty()) {
      throw value_error("DataFrame: column " + std::to_string(j) + " has no name");
    }
    if (!seen.insert(c.name()).second) {
      throw value_error("DataFrame: duplicate column name '" + c.name() + "'");
    }
    if (c.size() != columns.front().size()) {
      throw value_error("DataFrame: column '" + c.name() + "' has " + std::to_string(c.size()) +
                        " values but column '" + columns.front().name() + "' has " +
                        std::to_string(columns.front().size()) + "; all must have the same length");
    }
  }
  rows_ = columns.empty() ? 0 : columns.front().size();
  columns_ = std::move(columns);
  for (Column& c : columns_) c.labels_ = nullptr;
}

FASTBLOCK_FUNC std::size_t DataFrame::column_position(std::string_view name) const {
  for (std::size_t j = 0; j < columns_.size(); ++j) {
    if (columns_[j].name() == name) return j;
  }
  std::string available;
  for (const Column& c : columns_) available += (available.empty() ? "" : ", ") + c.name();
  throw data_error("DataFrame has no column '" + std::string(name) +
                   "' (columns: " + (columns_.empty() ? std::string("none") : available) + ")");
}

FASTBLOCK_FUNC const Column& DataFrame::operator[](std::string_view name) const& {
  return columns_[column_position(name)];
}

FASTBLOCK_FUNC ColumnRef DataFrame::operator[](std::string_view name) & {
  return ColumnRef(*this, name);
}

FASTBLOCK_FUNC Column DataFrame::operator[](std::string_view name) && {
  return std::move(columns_[column_position(name)]);
}

FASTBLOCK_FUNC bool DataFrame::contains(std::string_view name) const noexcept {
  return std::any_of(columns_.begin(), columns_.end(),
                     [&](const Column& c) { return c.name() == name; });
}

FASTBLOCK_FUNC DataFrame& DataFrame::set_column(std::string name, Column values) {
  if (name.empty()) throw value_error("DataFrame::set_column: the column name is empty");
  if (columns_.empty()) {
    rows_ = values.size();
    labels_ = nullptr;
  } else if (values.size() != rows_) {
    throw value_error("cannot set column '" + name + "' with " + std::to_string(values.size()) +
                      " values in a DataFrame of " + std::to_string(rows_) + " rows");
  }
  values.name_ = std::move(name);
  values.labels_ = labels_;
  for (Column& c : columns_) {
    if (c.name() == values.name()) {
      c = std::move(values);
      return *this;
    }
  }
  columns_.push_back(std::move(values));
  return *this;
}

namespace detail::pandas {

/// Python's reading of a row or column position for iloc; throws index_error out of range.
FASTBLOCK_FUNC std::size_t iloc_position(std::int64_t i, std::size_t size, const char* axis) {
  const auto n = static_cast<std::int64_t>(size);
  const std::int64_t p = i < 0 ? i + n : i;
  if (p < 0 || p >= n) {
    throw index_error("iloc: " + std::string(axis) + " " + std::to_string(i) +
                      " is out of bounds for a DataFrame of " + std::to_string(size) + " " + axis +
                      "s");
  }
  return static_cast<std::size_t>(p);
}

}  // namespace detail::pandas

FASTBLOCK_FUNC Row DataFrame::iloc(std::int64_t i) const& {
  return Row(this, detail::pandas::iloc_position(i, rows_, "row"));
}

FASTBLOCK_FUNC std::string_view DataFrame::iloc(std::int64_t i, std::int64_t j) const& {
  const std::size_t row = detail::pandas::iloc_position(i, rows_, "row");
  return columns_[detail::pandas::iloc_position(j, columns_.size(), "column")].cell(row);
}

FASTBLOCK_FUNC DataFrame DataFrame::take(std::span<const std::size_t> positions) const {
  DataFrame out;
  out.rows_ = positions.size();
  out.labels_ = detail::pandas::take_labels(labels_, positions);
  out.columns_.reserve(columns_.size());
  for (const Column& c : columns_) {
    out.columns_.push_back(c.take(positions));
    out.columns_.back().labels_ = out.labels_;
  }
  return out;
}

FASTBLOCK_FUNC DataFrame DataFrame::iloc(const Slice& rows) const& {
  return take(detail::pandas::slice_positions(rows, rows_));
}

FASTBLOCK_FUNC Column DataFrame::iloc(const Slice& rows, std::int64_t j) const {
  const std::size_t column = detail::pandas::iloc_position(j, columns_.size(), "column");
  const std::vector<std::size_t> positions = detail::pandas::slice_positions(rows, rows_);
  Column out = columns_[column].take(positions);
  out.labels_ = detail::pandas::take_labels(labels_, positions);
  return out;
}

FASTBLOCK_FUNC DataFrame DataFrame::head(std::int64_t n) const { return iloc(Slice{{}, n}); }

FASTBLOCK_FUNC DataFrame DataFrame::tail(std::int64_t n) const {
  return n == 0 ? iloc(Slice{0, 0}) : iloc(Slice{-n, {}});
}

FASTBLOCK_FUNC std::vector<std::string> DataFrame::columns() const {
  std::vector<std::string> out;
  out.reserve(columns_.size());
  for (const Column& c : columns_) out.push_back(c.name());
  return out;
}

FASTBLOCK_FUNC std::vector<std::int64_t> DataFrame::index() const {
  return detail::pandas::materialize(labels_, rows_);
}

namespace detail::pandas {

FASTBLOCK_FUNC void check_mask_length(const Mask& mask, std::size_t rows, std::string_view what) {
  if (mask.size() != rows) {
    throw value_error(std::string(what) + ": the mask has " + std::to_string(mask.size()) +
                      " entries but the DataFrame has " + std::to_string(rows) + " rows");
  }
}

}  // namespace detail::pandas

FASTBLOCK_FUNC std::vector<std::int64_t> DataFrame::index_where(const Mask& mask) const {
  detail::pandas::check_mask_length(mask, rows_, "index_where");
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < rows_; ++i) {
    if (mask.tolist()[i]) out.push_back(label(i));
  }
  return out;
}

FASTBLOCK_FUNC DataFrame DataFrame::filter(const Mask& mask) const {
  detail::pandas::check_mask_length(mask, rows_, "filter");
  std::vector<std::size_t> positions;
  for (std::size_t i = 0; i < rows_; ++i) {
    if (mask.tolist()[i]) positions.push_back(i);
  }
  return take(positions);
}

FASTBLOCK_FUNC DataFrame DataFrame::reset_index() const {
  DataFrame out = *this;
  out.labels_ = nullptr;
  for (Column& c : out.columns_) c.labels_ = nullptr;
  return out;
}

FASTBLOCK_FUNC bool DataFrame::equals(const DataFrame& other) const {
  if (rows_ != other.rows_ || columns_.size() != other.columns_.size()) return false;
  for (std::size_t j = 0; j < columns_.size(); ++j) {
    if (!columns_[j].equals(other.columns_[j])) return false;
  }
  return detail::pandas::same_labels(labels_, other.labels_, rows_);
}

}  // namespace fastblock

#include <fastblock/data/dataframe_print-inl.hpp>
