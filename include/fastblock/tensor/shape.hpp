// fastblock/tensor/shape.hpp — small fixed-capacity shapes and strides.
//
// Shapes live inline (no heap) because every op creates a few; 6 dimensions cover NCHW batches,
// 5-D volumes and one spare for views such as unsqueeze.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <span>
#include <string>

#include <fastblock/core/error.hpp>

namespace fastblock {

/// Most dimensions a Tensor can have.
inline constexpr int max_dims = 6;

/// A list of up to `max_dims` signed extents (a shape) or element strides.
class Shape {
 public:
  constexpr Shape() = default;
  Shape(std::initializer_list<std::int64_t> dims) { assign(dims.begin(), dims.size()); }
  explicit Shape(std::span<const std::int64_t> dims) { assign(dims.data(), dims.size()); }

  [[nodiscard]] constexpr int size() const noexcept { return n_; }
  [[nodiscard]] constexpr bool empty() const noexcept { return n_ == 0; }
  constexpr std::int64_t& operator[](int i) noexcept { return d_[static_cast<std::size_t>(i)]; }
  constexpr std::int64_t operator[](int i) const noexcept {
    return d_[static_cast<std::size_t>(i)];
  }
  constexpr const std::int64_t* begin() const noexcept { return d_.data(); }
  constexpr const std::int64_t* end() const noexcept { return d_.data() + n_; }
  constexpr std::int64_t* begin() noexcept { return d_.data(); }
  constexpr std::int64_t* end() noexcept { return d_.data() + n_; }
  [[nodiscard]] constexpr std::int64_t back() const noexcept { return d_[n_ - 1u]; }

  /// Product of the extents (1 for a 0-d shape).
  [[nodiscard]] constexpr std::int64_t numel() const noexcept {
    std::int64_t n = 1;
    for (int i = 0; i < n_; ++i) n *= d_[static_cast<std::size_t>(i)];
    return n;
  }

  void push_back(std::int64_t v) {
    if (n_ == max_dims) throw shape_error("fastblock: a tensor has at most 6 dimensions");
    d_[n_++] = v;
  }
  void insert(int pos, std::int64_t v) {
    push_back(0);
    for (int i = n_ - 1; i > pos; --i) (*this)[i] = (*this)[i - 1];
    (*this)[pos] = v;
  }
  void erase(int pos) noexcept {
    for (int i = pos; i + 1 < n_; ++i) (*this)[i] = (*this)[i + 1];
    --n_;
  }

  friend constexpr bool operator==(const Shape& a, const Shape& b) noexcept {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

  /// "[64, 3, 128, 128]" — the form used in every error message.
  [[nodiscard]] std::string str() const {
    std::string s = "[";
    for (int i = 0; i < n_; ++i) s += (i ? ", " : "") + std::to_string((*this)[i]);
    return s + "]";
  }

 private:
  template <class It>
  void assign(It first, std::size_t count) {
    if (count > static_cast<std::size_t>(max_dims))
      throw shape_error("fastblock: a tensor has at most 6 dimensions, got " +
                        std::to_string(count));
    std::copy_n(first, count, d_.begin());
    n_ = static_cast<std::uint8_t>(count);
  }

  std::array<std::int64_t, max_dims> d_{};
  std::uint8_t n_ = 0;
};

/// Strides share Shape's representation; the alias documents intent.
using Strides = Shape;

inline std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << s.str(); }

/// Row-major (C order) strides of a shape, in elements.
inline Strides contiguous_strides(const Shape& shape) {
  Strides st = shape;
  std::int64_t acc = 1;
  for (int i = shape.size() - 1; i >= 0; --i) {
    st[i] = acc;
    acc *= std::max<std::int64_t>(shape[i], 1);
  }
  return st;
}

/// Normalises a possibly negative dimension index against `ndim`, naming the op in the error.
inline int wrap_dim(std::int64_t dim, int ndim, const char* op) {
  const int lo = ndim == 0 ? -1 : -ndim, hi = ndim == 0 ? 0 : ndim - 1;
  if (dim < lo || dim > hi)
    throw index_error(std::string("fastblock::") + op + ": dimension " + std::to_string(dim) +
                      " is out of range for a tensor with " + std::to_string(ndim) +
                      " dimensions (expected " + std::to_string(lo) + " to " + std::to_string(hi) +
                      ")");
  return static_cast<int>(dim < 0 ? dim + std::max(ndim, 1) : dim);
}

/// The shape two operands broadcast to (numpy rules), or a shape_error naming the op and both
/// shapes.
inline Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op = "broadcast") {
  Shape out;
  const int n = std::max(a.size(), b.size());
  for (int i = 0; i < n; ++i) {
    const int ia = a.size() - n + i, ib = b.size() - n + i;
    const std::int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    if (da != db && da != 1 && db != 1)
      throw shape_error(std::string("fastblock::") + op + ": cannot broadcast shapes " + a.str() +
                        " and " + b.str() + ": dimension " + std::to_string(i) + " has sizes " +
                        std::to_string(da) + " and " + std::to_string(db) +
                        " (each must be equal or 1)");
    out.push_back(da == 1 ? db : da);
  }
  return out;
}

}  // namespace fastblock
