// fastblock/tensor/typed_tensor.hpp — tensors that remember what they hold, as fastai's subclasses.
//
// Contract: a typed tensor (TensorCategory, TensorMultiCategory, and the vision layer's
// TensorImage, TensorPoint) IS a Tensor — it derives from it, so every op and view applies; the
// results are plain Tensors, because the sum of two targets is no longer a target. The type's
// job is static: it lets a Datasets item say `std::tuple<Image, TensorMultiCategory>`, picks the
// decode and the default loss, and prints under its own name: `TensorMultiCategory([0., 1.])`.
// Converting a plain Tensor to a typed one is explicit, so a prediction never becomes a target by
// accident.
#pragma once

#include <concepts>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <fastblock/tensor/print.hpp>
#include <fastblock/tensor/tensor.hpp>

namespace fastblock {

/// Base of the typed tensors; `Derived` names itself with a `static constexpr std::string_view
/// tensor_name`. Defining another one (the vision layer's points, say) takes four lines:
///
///     struct TensorPoint : TypedTensor<TensorPoint> {
///       using TypedTensor::TypedTensor;
///       static constexpr std::string_view tensor_name = "TensorPoint";
///     };
///
/// A typed tensor may add data members (points carry their image size); copies share storage as
/// Tensor copies do.
template <class Derived>
class TypedTensor : public Tensor {
 public:
  /// An empty tensor of this type (shape [0]), so item types are default-constructible.
  TypedTensor() = default;
  /// Gives `t` this type; no data is copied.
  explicit TypedTensor(Tensor t) noexcept : Tensor(std::move(t)) {}

  /// The same data viewed as a plain Tensor, for code that wants to drop the type explicitly.
  [[nodiscard]] const Tensor& as_tensor() const noexcept { return *this; }
};

/// A type made with TypedTensor: derived from TypedTensor<T> and naming itself.
template <class T>
concept TypedTensorType = std::is_base_of_v<TypedTensor<T>, T> && requires {
  { T::tensor_name } -> std::convertible_to<std::string_view>;
};

/// What Python prints for the fastai subclass: `TensorCategory(3)`, `TensorMultiCategory([0.,
/// 1.])`, with PyTorch's formatting and T::tensor_name in place of `tensor`. (A template rather
/// than a hidden friend so that the qualified call `fastblock::repr(y)` finds it too.)
template <TypedTensorType T>
[[nodiscard]] std::string repr(const T& t, const PrintOptions& opts = print_options()) {
  return repr(static_cast<const Tensor&>(t), T::tensor_name, opts);
}

/// Writes repr(t).
template <TypedTensorType T>
std::ostream& operator<<(std::ostream& os, const T& t) {
  return os << repr(t);
}

/// A single-label target: a 0-d int64 index into CategoryBlock's vocabulary (fastai's
/// TensorCategory); a batch of them is 1-D.
class TensorCategory : public TypedTensor<TensorCategory> {
 public:
  using TypedTensor::TypedTensor;
  /// Printed name.
  static constexpr std::string_view tensor_name = "TensorCategory";
};

/// A multi-label target: a float32 one-hot vector over MultiCategoryBlock's vocabulary (fastai's
/// TensorMultiCategory, `TensorMultiCategory([0., 0., 0., 0., 1., ...])`); a batch is [bs, n].
class TensorMultiCategory : public TypedTensor<TensorMultiCategory> {
 public:
  using TypedTensor::TypedTensor;
  /// Printed name.
  static constexpr std::string_view tensor_name = "TensorMultiCategory";
};

}  // namespace fastblock
