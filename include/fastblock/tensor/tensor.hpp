// fastblock/tensor/tensor.hpp — the one tensor type of fastblock.
//
// A Tensor is a view (shape, strides, element offset, dtype) onto shared Storage on a device.
// Copies are cheap and share memory, as in PyTorch; `clone()` copies the data. Views (select,
// slice, reshape of contiguous data, permute, transpose, expand) never copy. Every op accepts
// strided inputs and returns contiguous results. The free functions (exp, where, matmul, …) and
// operators live in tensor/ops.hpp, which this header includes.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/tensor/device.hpp>
#include <fastblock/tensor/dtype.hpp>
#include <fastblock/tensor/scalar.hpp>
#include <fastblock/tensor/shape.hpp>
#include <fastblock/tensor/storage.hpp>

namespace fastblock {

/// An n-dimensional array (up to `max_dims`) of float32, int64, uint8 or bool.
class Tensor {
 public:
  /// An empty float32 tensor of shape [0].
  Tensor() : shape_{0}, strides_{1} {}
  /// Uninitialised tensor of the given shape (see zeros/ones/full in tensor/factory.hpp).
  explicit Tensor(const Shape& shape, Dtype dtype = float32, Device device = cpu);
  /// A view onto existing storage; checked so that every element lies inside the storage.
  Tensor(Storage storage, const Shape& shape, const Strides& strides, std::int64_t offset,
         Dtype dtype);

  // --- metadata -------------------------------------------------------------------------------
  [[nodiscard]] const Shape& shape() const noexcept { return shape_; }
  [[nodiscard]] const Strides& strides() const noexcept { return strides_; }
  [[nodiscard]] int dim() const noexcept { return shape_.size(); }
  /// Extent of dimension `d` (negative counts from the end).
  [[nodiscard]] std::int64_t size(std::int64_t d) const {
    return shape_[wrap_dim(d, dim(), "size")];
  }
  [[nodiscard]] std::int64_t stride(std::int64_t d) const {
    return strides_[wrap_dim(d, dim(), "stride")];
  }
  [[nodiscard]] std::int64_t numel() const noexcept { return shape_.numel(); }
  [[nodiscard]] Dtype dtype() const noexcept { return dtype_; }
  [[nodiscard]] Device device() const noexcept { return storage_.device(); }
  [[nodiscard]] std::int64_t offset() const noexcept { return offset_; }
  [[nodiscard]] const Storage& storage() const noexcept { return storage_; }
  /// True when elements are laid out densely in row-major order.
  [[nodiscard]] bool is_contiguous() const noexcept;
  /// True when both tensors view the same storage buffer.
  [[nodiscard]] bool shares_storage(const Tensor& other) const noexcept {
    return storage_.data() != nullptr && storage_.data() == other.storage_.data();
  }

  // --- element access -------------------------------------------------------------------------
  /// Pointer to the first element; T must match dtype() (dtype_error otherwise).
  template <Element T>
  [[nodiscard]] T* data() const {
    check_dtype(dtype_of<T>, "data");
    return reinterpret_cast<T*>(storage_.data()) + offset_;
  }
  /// Address of the first element, whatever the dtype (device memory for device tensors).
  [[nodiscard]] std::byte* data_bytes() const noexcept {
    return storage_.data() + offset_ * static_cast<std::int64_t>(itemsize(dtype_));
  }
  /// The elements of a contiguous tensor as a span (shape_error if not contiguous).
  template <Element T>
  [[nodiscard]] std::span<T> span() const {
    if (!is_contiguous()) throw_not_contiguous("span");
    return {data<T>(), static_cast<std::size_t>(numel())};
  }
  /// The value of a one-element tensor, converted to T.
  template <class T = float>
  [[nodiscard]] T item() const;
  /// Bounds-checked read of one element, converted to T: `t.at<float>({1, 2})`.
  template <class T = float>
  [[nodiscard]] T at(std::initializer_list<std::int64_t> index) const;

  // --- views (no copy) ------------------------------------------------------------------------
  /// `t[i]`: the sub-tensor at index i of dimension 0 (negative counts from the end).
  [[nodiscard]] Tensor operator[](std::int64_t i) const { return select(0, i); }
  [[nodiscard]] Tensor select(std::int64_t dim, std::int64_t index) const;
  /// Elements start, start+step, … before stop along `dim`; bounds clamp like Python slices.
  [[nodiscard]] Tensor slice(std::int64_t dim, std::int64_t start, std::int64_t stop,
                             std::int64_t step = 1) const;
  /// Same data, new shape (one extent may be -1); a view when contiguous, else a copy.
  [[nodiscard]] Tensor reshape(Shape shape) const;
  /// Like reshape, but never copies (shape_error if the tensor is not contiguous).
  [[nodiscard]] Tensor view(Shape shape) const;
  [[nodiscard]] Tensor flatten(std::int64_t start_dim = 0, std::int64_t end_dim = -1) const;
  [[nodiscard]] Tensor squeeze(std::int64_t dim) const;
  [[nodiscard]] Tensor unsqueeze(std::int64_t dim) const;
  [[nodiscard]] Tensor permute(std::initializer_list<std::int64_t> dims) const;
  [[nodiscard]] Tensor transpose(std::int64_t dim0, std::int64_t dim1) const;
  /// Transpose of a matrix (2-D) tensor.
  [[nodiscard]] Tensor t() const;
  /// Broadcast view to `shape` (size-1 dimensions repeat with stride 0).
  [[nodiscard]] Tensor expand(const Shape& shape) const;

  // --- copies and conversions -----------------------------------------------------------------
  /// This tensor when already contiguous, else a contiguous copy.
  [[nodiscard]] Tensor contiguous() const;
  /// A contiguous copy that shares nothing with this tensor.
  [[nodiscard]] Tensor clone() const;
  /// This tensor converted to `dtype` (itself when it already has that dtype).
  [[nodiscard]] Tensor to(Dtype dtype) const;
  /// This tensor on `device` (itself when already there).
  [[nodiscard]] Tensor to(Device device) const;

  // --- in-place -------------------------------------------------------------------------------
  Tensor& fill_(Scalar value);
  Tensor& zero_() { return fill_(0); }
  /// Copies `src` (broadcast to this shape, converted to this dtype) into this tensor's elements.
  Tensor& copy_(const Tensor& src);
  Tensor& add_(const Tensor& other, Scalar alpha = 1);
  Tensor& add_(Scalar other);
  Tensor& sub_(const Tensor& other);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(Scalar other);
  Tensor& div_(const Tensor& other);
  Tensor& div_(Scalar other);

  // --- math (each also a free function in tensor/ops.hpp) ------------------------------------
  [[nodiscard]] Tensor exp() const;
  [[nodiscard]] Tensor log() const;
  [[nodiscard]] Tensor sigmoid() const;
  [[nodiscard]] Tensor tanh() const;
  [[nodiscard]] Tensor relu() const;
  [[nodiscard]] Tensor sqrt() const;
  [[nodiscard]] Tensor abs() const;
  [[nodiscard]] Tensor neg() const;
  [[nodiscard]] Tensor pow(Scalar exponent) const;
  [[nodiscard]] Tensor clamp(Scalar lo, Scalar hi) const;
  [[nodiscard]] Tensor sum() const;
  [[nodiscard]] Tensor sum(std::int64_t dim, bool keepdim = false) const;
  [[nodiscard]] Tensor mean() const;
  [[nodiscard]] Tensor mean(std::int64_t dim, bool keepdim = false) const;
  [[nodiscard]] Tensor max() const;
  [[nodiscard]] Tensor max(std::int64_t dim, bool keepdim = false) const;
  [[nodiscard]] Tensor min() const;
  [[nodiscard]] Tensor min(std::int64_t dim, bool keepdim = false) const;
  [[nodiscard]] Tensor argmax() const;
  [[nodiscard]] Tensor argmax(std::int64_t dim, bool keepdim = false) const;
  [[nodiscard]] Tensor argmin(std::int64_t dim, bool keepdim = false) const;
  [[nodiscard]] bool all() const;
  [[nodiscard]] bool any() const;

  /// "float32 tensor of shape [64, 20]" — how errors refer to a tensor.
  [[nodiscard]] std::string describe() const;

 private:
  void check_dtype(Dtype expected, const char* op) const;
  [[noreturn]] void throw_not_contiguous(const char* op) const;
  [[nodiscard]] std::int64_t element_offset(std::initializer_list<std::int64_t> index) const;

  Storage storage_;
  Shape shape_;
  Strides strides_;
  std::int64_t offset_ = 0;
  Dtype dtype_ = float32;
};

}  // namespace fastblock

#include <fastblock/tensor/ops.hpp>
