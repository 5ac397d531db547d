// fastblock/tensor/print-inl.hpp — definitions for tensor/print.hpp.
//
// A line-by-line port of PyTorch 1.13's torch/_tensor_str.py (_Formatter, _vector_str,
// _tensor_str_with_formatter, get_summarized_data, _add_suffixes, the dense branch of
// _str_intern). Where the Python code has quirks (the width of a float tensor of zeros, the
// `last_line_len` off-by-two of _add_suffixes, `self[-0:]` meaning "everything" when edgeitems is
// 0) they are kept, because the point of this file is byte-identical output.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fastblock/tensor/print.hpp>

namespace fastblock {

namespace detail::tensor_print {

/// Python's `format(v, '.{precision}f')` or `'.{precision}e'` (conv 'f' or 'e'). C's printf
/// produces the same digits (both round the exact binary value, ties to even) and the same
/// exponent form (`1.0000e+00`), but prints `-nan` for a NaN with its sign bit set, which Python
/// never does, so non-finite values are spelled here.
inline std::string py_format_double(double v, char conv, int precision) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  const auto print = [&](char* out, std::size_t size) {
    return conv == 'e' ? std::snprintf(out, size, "%.*e", precision, v)
                       : std::snprintf(out, size, "%.*f", precision, v);
  };
  char buf[64];
  const int n = print(buf, sizeof buf);
  if (n < 0)
    throw value_error("fastblock::repr: cannot format a number with precision " +
                      std::to_string(precision));
  const auto len = static_cast<std::size_t>(n);
  if (len < sizeof buf) return {buf, len};
  // Huge values in fixed notation or a large precision: print again into a buffer that fits.
  std::string s(len, '\0');
  print(s.data(), len + 1);
  return s;
}

/// Python's `str()` of an element as `tolist()` returns it: True/False for bool, plain digits for
/// integers.
template <class E>
std::string py_str(E v) {
  if constexpr (std::is_same_v<E, bool>) {
    return v ? "True" : "False";
  } else if constexpr (std::is_same_v<E, std::uint8_t>) {
    return std::to_string(static_cast<unsigned>(v));
  } else {
    return std::to_string(v);
  }
}

/// PyTorch's _Formatter: one notation and one column width for every element of a tensor.
struct Formatter {
  bool floating = false;
  bool int_mode = true;
  bool sci_mode = false;
  std::size_t max_width = 1;
  int precision = 4;

  [[nodiscard]] std::string pad(std::string s) const {
    if (s.size() < max_width) s.insert(0, max_width - s.size(), ' ');
    return s;
  }

  [[nodiscard]] std::string format_float(double v) const {
    if (sci_mode) return pad(py_format_double(v, 'e', precision));
    if (int_mode) {
      // The trailing dot is what tells a reader the integer-valued tensor is floating point.
      std::string s = py_format_double(v, 'f', 0);
      if (std::isfinite(v)) s += '.';
      return pad(std::move(s));
    }
    return pad(py_format_double(v, 'f', precision));
  }
};

/// _Formatter.__init__ for a floating tensor whose (summarised) elements are `values`.
inline Formatter float_formatter(const std::vector<double>& values, const PrintOptions& opts) {
  Formatter f;
  f.floating = true;
  f.precision = opts.precision;
  std::vector<double> nonzero_finite;
  for (double v : values)
    if (std::isfinite(v) && v != 0) nonzero_finite.push_back(v);
  // PyTorch returns here before applying opts.sci_mode: all-zero/NaN/inf tensors ignore it.
  if (nonzero_finite.empty()) return f;

  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  for (double v : nonzero_finite) {
    lo = std::min(lo, std::abs(v));
    hi = std::max(hi, std::abs(v));
    if (v != std::ceil(v)) f.int_mode = false;
  }
  const auto widest = [&](char conv, int precision, std::size_t extra) {
    for (double v : nonzero_finite)
      f.max_width = std::max(f.max_width, py_format_double(v, conv, precision).size() + extra);
  };
  if (f.int_mode) {
    if (hi / lo > 1000.0 || hi > 1.0e8) {
      f.sci_mode = true;
      widest('e', opts.precision, 0);
    } else {
      widest('f', 0, 1);  // + 1 for the trailing dot
    }
  } else if (hi / lo > 1000.0 || hi > 1.0e8 || lo < 1.0e-4) {
    f.sci_mode = true;
    widest('e', opts.precision, 0);
  } else {
    widest('f', opts.precision, 0);
  }
  if (opts.sci_mode) f.sci_mode = *opts.sci_mode;
  return f;
}

/// True when a dimension of extent n is summarised (PyTorch: n > 2 * edgeitems), without the
/// overflow of 2 * edgeitems for huge edgeitems.
constexpr bool is_summarised(std::int64_t n, std::int64_t edgeitems) noexcept {
  return n - edgeitems > edgeitems;
}

/// Python's `math.floor(a / b)` for b > 0.
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  const std::int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

/// Python's str(tuple(shape)): "(0, 3)", "(0,)".
inline std::string py_tuple(const Shape& shape) {
  std::string s = "(";
  for (int i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

/// _tensor_str for a non-empty CPU tensor with element type E.
template <class E>
class TensorPrinter {
 public:
  TensorPrinter(const Tensor& host, const PrintOptions& opts)
      : host_(host),
        base_(reinterpret_cast<const E*>(host.storage().data())),
        opts_(opts),
        summarize_(host.numel() > opts.threshold) {
    std::vector<E> values;
    collect({host.offset(), 0}, values);
    if constexpr (std::is_same_v<E, float>) {
      // PyTorch formats float32 elements as Python floats, i.e. after widening to double.
      fmt_ = float_formatter(std::vector<double>(values.begin(), values.end()), opts);
    } else {
      for (E v : values) fmt_.max_width = std::max(fmt_.max_width, py_str(v).size());
    }
  }

  /// The bracketed body, with continuation lines indented by `indent` (the prefix's length).
  [[nodiscard]] std::string str(std::int64_t indent) const {
    return tensor_str({host_.offset(), 0}, indent);
  }

 private:
  /// The sub-tensor spanning dimensions `dim`… of the host tensor, starting at element `offset`.
  struct Sub {
    std::int64_t offset;
    int dim;
  };

  [[nodiscard]] int rank(Sub s) const { return host_.dim() - s.dim; }
  [[nodiscard]] std::int64_t extent(Sub s) const { return host_.shape()[s.dim]; }
  [[nodiscard]] Sub row(Sub s, std::int64_t i) const {
    return {s.offset + i * host_.strides()[s.dim], s.dim + 1};
  }
  [[nodiscard]] E value(Sub s) const { return base_[s.offset]; }
  [[nodiscard]] std::string format(E v) const {
    if constexpr (std::is_same_v<E, float>) {
      return fmt_.format_float(static_cast<double>(v));
    } else {
      return fmt_.pad(py_str(v));
    }
  }

  /// The elements get_summarized_data keeps (all of them when not summarising), any order.
  void collect(Sub s, std::vector<E>& out) const {
    const int r = rank(s);
    if (r == 0) {
      out.push_back(value(s));
      return;
    }
    const std::int64_t n = extent(s), edge = opts_.edgeitems;
    auto each = [&](std::int64_t i) {
      if (r == 1)
        out.push_back(value(row(s, i)));
      else
        collect(row(s, i), out);
    };
    if (summarize_ && is_summarised(n, edge)) {
      for (std::int64_t i = 0; i < edge; ++i) each(i);
      // A 1-D slice is `self[-edgeitems:]`, which is the whole vector when edgeitems is 0.
      for (std::int64_t i = (r == 1 && edge == 0) ? 0 : n - edge; i < n; ++i) each(i);
    } else {
      for (std::int64_t i = 0; i < n; ++i) each(i);
    }
  }

  /// _vector_str: a 1-D row, wrapped so that lines fit opts.linewidth.
  [[nodiscard]] std::string vector_str(Sub s, std::int64_t indent) const {
    const auto element_length = static_cast<std::int64_t>(fmt_.max_width) + 2;
    const std::int64_t per_line =
        std::max<std::int64_t>(1, floor_div(opts_.linewidth - indent, element_length));
    const std::int64_t n = extent(s), edge = opts_.edgeitems;
    std::vector<std::string> data;
    if (summarize_ && is_summarised(n, edge)) {
      for (std::int64_t i = 0; i < edge; ++i) data.push_back(format(value(row(s, i))));
      data.emplace_back(" ...");
      for (std::int64_t i = edge == 0 ? 0 : n - edge; i < n; ++i)
        data.push_back(format(value(row(s, i))));
    } else {
      for (std::int64_t i = 0; i < n; ++i) data.push_back(format(value(row(s, i))));
    }
    const std::string line_break = ",\n" + std::string(static_cast<std::size_t>(indent + 1), ' ');
    std::string out = "[";
    for (std::size_t i = 0; i < data.size(); ++i) {
      if (i != 0) out += i % static_cast<std::size_t>(per_line) == 0 ? line_break : ", ";
      out += data[i];
    }
    return out + "]";
  }

  /// _tensor_str_with_formatter: nested brackets, one blank line per extra dimension between
  /// slices.
  [[nodiscard]] std::string tensor_str(Sub s, std::int64_t indent) const {
    const int r = rank(s);
    if (r == 0) return format(value(s));
    if (r == 1) return vector_str(s, indent);
    const std::int64_t n = extent(s), edge = opts_.edgeitems;
    std::vector<std::string> slices;
    if (summarize_ && is_summarised(n, edge)) {
      for (std::int64_t i = 0; i < edge; ++i) slices.push_back(tensor_str(row(s, i), indent + 1));
      slices.emplace_back("...");
      for (std::int64_t i = n - edge; i < n; ++i)
        slices.push_back(tensor_str(row(s, i), indent + 1));
    } else {
      for (std::int64_t i = 0; i < n; ++i) slices.push_back(tensor_str(row(s, i), indent + 1));
    }
    const std::string sep = "," + std::string(static_cast<std::size_t>(r - 1), '\n') +
                            std::string(static_cast<std::size_t>(indent + 1), ' ');
    std::string out = "[";
    for (std::size_t i = 0; i < slices.size(); ++i) {
      if (i != 0) out += sep;
      out += slices[i];
    }
    return out + "]";
  }

  const Tensor& host_;
  const E* base_;
  const PrintOptions& opts_;
  bool summarize_;
  Formatter fmt_;
};

/// _add_suffixes: `, dtype=…` after the body, on a new line when it would pass the linewidth.
inline std::string add_suffixes(std::string s, const std::vector<std::string>& suffixes,
                                std::int64_t indent, int linewidth) {
  // PyTorch's `len(s) - s.rfind("\n") + 1` is the last line's length plus 2; kept as is.
  const std::size_t nl = s.rfind('\n');
  std::int64_t last_line_len = static_cast<std::int64_t>(s.size()) -
                               (nl == std::string::npos ? -1 : static_cast<std::int64_t>(nl)) + 1;
  for (const std::string& suffix : suffixes) {
    const auto len = static_cast<std::int64_t>(suffix.size());
    if (last_line_len + len + 2 > linewidth) {
      s += ",\n" + std::string(static_cast<std::size_t>(indent), ' ') + suffix;
      last_line_len = indent + len;
    } else {
      s += ", " + suffix;
      last_line_len += len + 2;
    }
  }
  return s + ")";
}

}  // namespace detail::tensor_print

FASTBLOCK_FUNC PrintOptions& print_options() {
  static PrintOptions opts;
  return opts;
}

FASTBLOCK_FUNC void set_printoptions(const PrintOptions& opts) { print_options() = opts; }

FASTBLOCK_FUNC std::string repr(const Tensor& t, std::string_view prefix,
                                const PrintOptions& opts) {
  namespace tp = detail::tensor_print;
  if (opts.precision < 0)
    throw value_error("fastblock::repr: precision must be non-negative, got " +
                      std::to_string(opts.precision));
  if (opts.edgeitems < 0)
    throw value_error("fastblock::repr: edgeitems must be non-negative, got " +
                      std::to_string(opts.edgeitems));
  const std::string head = std::string(prefix) + "(";
  const auto indent = static_cast<std::int64_t>(head.size());
  const std::string dtype_suffix = "dtype=torch." + std::string(dtype_name(t.dtype()));

  std::vector<std::string> suffixes;
  if (!t.device().is_cpu()) suffixes.push_back("device='" + t.device().str() + "'");
  std::string body;
  if (t.numel() == 0) {
    // As NumPy does, an empty tensor names any shape but (0,), and any dtype but the default.
    if (t.dim() != 1) suffixes.push_back("size=" + tp::py_tuple(t.shape()));
    if (t.dtype() != float32) suffixes.push_back(dtype_suffix);
    body = "[]";
  } else {
    // int64 and bool are defaults too: their values alone show the dtype.
    if (t.dtype() != float32 && t.dtype() != int64 && t.dtype() != boolean)
      suffixes.push_back(dtype_suffix);
    const Tensor host = t.to(cpu);
    body = dispatch(host.dtype(),
                    [&]<class E>() { return tp::TensorPrinter<E>(host, opts).str(indent); });
  }
  return tp::add_suffixes(head + body, suffixes, indent, opts.linewidth);
}

FASTBLOCK_FUNC std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << repr(t); }

}  // namespace fastblock
