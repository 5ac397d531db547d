// fastblock/tensor/tensor-inl.hpp — definitions of Tensor's members: views, copies, conversions.
// Included by tensor/ops.hpp in header-only builds, compiled once by src/fastblock.cpp otherwise.
#pragma once

#include <algorithm>
#include <cstring>
#include <numeric>
#include <string>

#include <fastblock/cpu/elementwise.hpp>
#include <fastblock/tensor/backend.hpp>
#include <fastblock/tensor/ops.hpp>

namespace fastblock {

FASTBLOCK_FUNC Tensor::Tensor(const Shape& shape, Dtype dtype, Device device)
    : shape_(shape), strides_(contiguous_strides(shape)), dtype_(dtype) {
  for (auto d : shape)
    if (d < 0) throw shape_error("fastblock::Tensor: negative extent in shape " + shape.str());
  const auto nbytes = static_cast<std::size_t>(shape.numel()) * itemsize(dtype);
  storage_ =
      device.is_cpu() ? Storage::allocate_host(nbytes) : backend(device).allocate(nbytes, device);
}

FASTBLOCK_FUNC Tensor::Tensor(Storage storage, const Shape& shape, const Strides& strides,
                              std::int64_t offset, Dtype dtype)
    : storage_(std::move(storage)),
      shape_(shape),
      strides_(strides),
      offset_(offset),
      dtype_(dtype) {
  if (shape.size() != strides.size())
    throw shape_error("fastblock::Tensor: shape " + shape.str() + " and strides " + strides.str() +
                      " differ in length");
  // The lowest and highest element offsets this view can touch must lie inside the storage.
  std::int64_t lo = offset, hi = offset;
  bool empty = false;
  for (int i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0)
      throw shape_error("fastblock::Tensor: negative extent in shape " + shape.str());
    if (shape[i] == 0) empty = true;
    const std::int64_t span = (shape[i] - 1) * strides[i];
    (span < 0 ? lo : hi) += span;
  }
  const auto capacity = static_cast<std::int64_t>(storage_.nbytes() / itemsize(dtype));
  if (!empty && (lo < 0 || hi >= capacity))
    throw index_error("fastblock::Tensor: a view of shape " + shape.str() + ", strides " +
                      strides.str() + " and offset " + std::to_string(offset) +
                      " reaches outside a storage of " + std::to_string(capacity) + " " +
                      std::string(dtype_name(dtype)) + " elements");
}

FASTBLOCK_FUNC bool Tensor::is_contiguous() const noexcept {
  std::int64_t expected = 1;
  for (int i = dim() - 1; i >= 0; --i) {
    if (shape_[i] == 1) continue;
    if (shape_[i] == 0) return true;
    if (strides_[i] != expected) return false;
    expected *= shape_[i];
  }
  return true;
}

FASTBLOCK_FUNC std::string Tensor::describe() const {
  std::string s = std::string(dtype_name(dtype_)) + " tensor of shape " + shape_.str();
  if (!device().is_cpu()) s += " on " + device().str();
  return s;
}

FASTBLOCK_FUNC void Tensor::check_dtype(Dtype expected, const char* op) const {
  if (dtype_ != expected)
    throw dtype_error(std::string("fastblock::Tensor::") + op + ": expected dtype " +
                      std::string(dtype_name(expected)) + ", got " + describe());
}

FASTBLOCK_FUNC void Tensor::throw_not_contiguous(const char* op) const {
  throw shape_error(std::string("fastblock::Tensor::") + op +
                    ": expected a contiguous tensor, got " + describe() + " with strides " +
                    strides_.str() + " (call .contiguous() first)");
}

FASTBLOCK_FUNC std::int64_t Tensor::element_offset(
    std::initializer_list<std::int64_t> index) const {
  if (static_cast<int>(index.size()) != dim())
    throw index_error("fastblock::Tensor::at: " + std::to_string(index.size()) + " indices for a " +
                      describe());
  std::int64_t off = offset_;
  int d = 0;
  for (auto i : index) {
    if (i < -shape_[d] || i >= shape_[d])
      throw index_error("fastblock::Tensor::at: index " + std::to_string(i) + " is out of range " +
                        "for dimension " + std::to_string(d) + " of " + describe());
    off += (i < 0 ? i + shape_[d] : i) * strides_[d];
    ++d;
  }
  return off;
}

// --- views
// ----------------------------------------------------------------------------------------

FASTBLOCK_FUNC Tensor Tensor::select(std::int64_t d, std::int64_t index) const {
  if (dim() == 0) throw index_error("fastblock::Tensor::select: cannot index a 0-d tensor");
  const int k = wrap_dim(d, dim(), "select");
  if (index < -shape_[k] || index >= shape_[k])
    throw index_error("fastblock::Tensor::select: index " + std::to_string(index) +
                      " is out of range for dimension " + std::to_string(k) + " of size " +
                      std::to_string(shape_[k]) + " (" + describe() + ")");
  if (index < 0) index += shape_[k];
  Shape shape = shape_;
  Strides strides = strides_;
  shape.erase(k);
  strides.erase(k);
  return {storage_, shape, strides, offset_ + index * strides_[k], dtype_};
}

FASTBLOCK_FUNC Tensor Tensor::slice(std::int64_t d, std::int64_t start, std::int64_t stop,
                                    std::int64_t step) const {
  const int k = wrap_dim(d, dim(), "slice");
  if (step <= 0)
    throw value_error("fastblock::Tensor::slice: step must be positive, got " +
                      std::to_string(step));
  const std::int64_t n = shape_[k];
  auto clampi = [n](std::int64_t i) { return std::clamp<std::int64_t>(i < 0 ? i + n : i, 0, n); };
  start = clampi(start);
  stop = std::max(clampi(stop), start);
  Shape shape = shape_;
  Strides strides = strides_;
  shape[k] = (stop - start + step - 1) / step;
  strides[k] *= step;
  return {storage_, shape, strides, shape[k] ? offset_ + start * strides_[k] : offset_, dtype_};
}

namespace detail {
/// Resolves one -1 extent of `shape` against `numel`, or explains why the sizes cannot match.
inline Shape infer_shape(Shape shape, std::int64_t numel, const Shape& from) {
  int infer = -1;
  std::int64_t known = 1;
  for (int i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0)
        throw shape_error("fastblock::reshape: only one extent may be -1, got " + shape.str());
      infer = i;
    } else if (shape[i] < 0) {
      throw shape_error("fastblock::reshape: invalid extent in " + shape.str());
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0 && known != 0 && numel % known == 0) shape[infer] = numel / known;
  if (shape.numel() != numel || (infer >= 0 && known == 0))
    throw shape_error("fastblock::reshape: cannot view a tensor of shape " + from.str() + " (" +
                      std::to_string(numel) + " elements) as shape " + shape.str());
  return shape;
}
}  // namespace detail

FASTBLOCK_FUNC Tensor Tensor::view(Shape shape) const {
  shape = detail::infer_shape(shape, numel(), shape_);
  if (!is_contiguous()) throw_not_contiguous("view");
  return {storage_, shape, contiguous_strides(shape), offset_, dtype_};
}

FASTBLOCK_FUNC Tensor Tensor::reshape(Shape shape) const {
  return is_contiguous() ? view(shape) : contiguous().view(shape);
}

FASTBLOCK_FUNC Tensor Tensor::flatten(std::int64_t start_dim, std::int64_t end_dim) const {
  if (dim() == 0) return reshape({1});
  const int s = wrap_dim(start_dim, dim(), "flatten"), e = wrap_dim(end_dim, dim(), "flatten");
  if (s > e)
    throw value_error("fastblock::Tensor::flatten: start_dim " + std::to_string(start_dim) +
                      " comes after end_dim " + std::to_string(end_dim));
  Shape shape;
  for (int i = 0; i < s; ++i) shape.push_back(shape_[i]);
  std::int64_t n = 1;
  for (int i = s; i <= e; ++i) n *= shape_[i];
  shape.push_back(n);
  for (int i = e + 1; i < dim(); ++i) shape.push_back(shape_[i]);
  return reshape(shape);
}

FASTBLOCK_FUNC Tensor Tensor::squeeze(std::int64_t d) const {
  if (dim() == 0) return *this;
  const int k = wrap_dim(d, dim(), "squeeze");
  if (shape_[k] != 1) return *this;  // PyTorch leaves dimensions of other sizes alone
  Shape shape = shape_;
  Strides strides = strides_;
  shape.erase(k);
  strides.erase(k);
  return {storage_, shape, strides, offset_, dtype_};
}

FASTBLOCK_FUNC Tensor Tensor::unsqueeze(std::int64_t d) const {
  const int k = wrap_dim(d < 0 ? d + dim() + 1 : d, dim() + 1, "unsqueeze");
  Shape shape = shape_;
  Strides strides = strides_;
  shape.insert(k, 1);
  strides.insert(k, k < dim() ? strides_[k] * shape_[k] : 1);
  return {storage_, shape, strides, offset_, dtype_};
}

FASTBLOCK_FUNC Tensor Tensor::permute(std::initializer_list<std::int64_t> dims) const {
  if (static_cast<int>(dims.size()) != dim())
    throw shape_error("fastblock::Tensor::permute: " + std::to_string(dims.size()) +
                      " dimensions given for a " + describe());
  Shape shape;
  Strides strides;
  unsigned seen = 0;
  for (auto d : dims) {
    const int k = wrap_dim(d, dim(), "permute");
    if (seen & (1u << k))
      throw shape_error("fastblock::Tensor::permute: dimension " + std::to_string(k) +
                        " appears twice");
    seen |= 1u << k;
    shape.push_back(shape_[k]);
    strides.push_back(strides_[k]);
  }
  return {storage_, shape, strides, offset_, dtype_};
}

FASTBLOCK_FUNC Tensor Tensor::transpose(std::int64_t dim0, std::int64_t dim1) const {
  const int a = wrap_dim(dim0, dim(), "transpose"), b = wrap_dim(dim1, dim(), "transpose");
  Shape shape = shape_;
  Strides strides = strides_;
  std::swap(shape[a], shape[b]);
  std::swap(strides[a], strides[b]);
  return {storage_, shape, strides, offset_, dtype_};
}

FASTBLOCK_FUNC Tensor Tensor::t() const {
  if (dim() != 2)
    throw shape_error("fastblock::Tensor::t: expected a 2-D tensor, got " + describe());
  return transpose(0, 1);
}

FASTBLOCK_FUNC Tensor Tensor::expand(const Shape& shape) const {
  if (shape.size() < dim())
    throw shape_error("fastblock::Tensor::expand: cannot expand shape " + shape_.str() + " to " +
                      shape.str() + " (fewer dimensions)");
  Strides strides = shape;
  const int lead = shape.size() - dim();
  for (int i = 0; i < shape.size(); ++i) {
    const std::int64_t own = i >= lead ? shape_[i - lead] : 1;
    if (own != shape[i] && own != 1)
      throw shape_error("fastblock::Tensor::expand: cannot expand shape " + shape_.str() + " to " +
                        shape.str() + ": dimension " + std::to_string(i) + " has size " +
                        std::to_string(own) + ", expected " + std::to_string(shape[i]) + " or 1");
    strides[i] = (i >= lead && own != 1) ? strides_[i - lead] : 0;
  }
  return {storage_, shape, strides, offset_, dtype_};
}

// --- copies and conversions -------------------------------------------------------------------

FASTBLOCK_FUNC Tensor Tensor::contiguous() const { return is_contiguous() ? *this : clone(); }

FASTBLOCK_FUNC Tensor Tensor::clone() const {
  Tensor out(shape_, dtype_, device());
  out.copy_(*this);
  return out;
}

FASTBLOCK_FUNC Tensor Tensor::to(Dtype dtype) const {
  if (dtype == dtype_) return *this;
  Tensor out(shape_, dtype, device());
  out.copy_(*this);
  return out;
}

FASTBLOCK_FUNC Tensor Tensor::to(Device device) const {
  if (device == this->device()) return *this;
  if (!is_contiguous()) {
    if (this->device().is_cpu()) return contiguous().to(device);
    // A strided view on a device: bring the storage it spans to the host and view it there.
    const Tensor whole(storage_,
                       Shape{static_cast<std::int64_t>(storage_.nbytes() / itemsize(dtype_))},
                       Strides{1}, 0, dtype_);
    return Tensor(whole.to(cpu).storage(), shape_, strides_, offset_, dtype_)
        .contiguous()
        .to(device);
  }
  Tensor out(shape_, dtype_, device);
  out.copy_(*this);
  return out;
}

FASTBLOCK_FUNC Tensor& Tensor::fill_(Scalar value) {
  if (!device().is_cpu() && is_contiguous()) {
    if (value.value() == 0) {
      backend(device()).zero_bytes(data_bytes(),
                                   static_cast<std::size_t>(numel()) * itemsize(dtype_));
      return *this;
    }
    if (dtype_ == float32) {
      backend(device()).fill(data<float>(), numel(), static_cast<float>(value.value()));
      return *this;
    }
  }
  detail::require_cpu(*this, "fill_");
  dispatch(dtype_, [&]<class T>() {
    const T v = cpu_kernels::convert<T>(value.value());
    cpu_kernels::map_into<T>(*this, [v] { return v; });
  });
  return *this;
}

FASTBLOCK_FUNC Tensor& Tensor::copy_(const Tensor& src) {
  if (!device().is_cpu() || !src.device().is_cpu()) {
    // Between devices, or within one: a byte copy of equal, contiguous tensors (to(Device)
    // makes its source contiguous first).
    if (src.shape_ != shape_ || src.dtype_ != dtype_ || !is_contiguous() || !src.is_contiguous())
      throw device_error("fastblock::Tensor::copy_: copies involving " +
                         (device().is_cpu() ? src.device() : device()).str() +
                         " need contiguous tensors of one shape and dtype, got " + describe() +
                         " and " + src.describe());
    const Device dev = device().is_cpu() ? src.device() : device();
    backend(dev).copy(data_bytes(), device(), src.data_bytes(), src.device(),
                      static_cast<std::size_t>(numel()) * itemsize(dtype_));
    return *this;
  }
  detail::require_cpu(*this, "copy_");
  detail::require_cpu(src, "copy_");
  if (shares_storage(src) &&
      !(src.offset_ == offset_ && src.shape_ == shape_ && src.strides_ == strides_))
    return copy_(src.clone());  // overlapping views: go through a temporary
  const Tensor from = src.expand(shape_);
  dispatch(dtype_, [&]<class T>() {
    dispatch(from.dtype(), [&]<class S>() {
      cpu_kernels::map_into<T>(
          *this, [](S v) { return cpu_kernels::convert<T>(v); }, cpu_kernels::view_of<S>(from));
    });
  });
  return *this;
}

}  // namespace fastblock
