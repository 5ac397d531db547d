// fastblock/data/collate.hpp — turning a list of items into one batch (PyTorch's default_collate).
//
// Contract: `collate(std::span<const Item>)` returns the batch of those items; its type is
// `collate_t<Item>` and depends only on the item type. Built in:
//   * std::tuple / std::pair    -> std::tuple of the collated elements (recursively)
//   * bool                      -> bool Tensor [bs]
//   * std::uint8_t              -> uint8 Tensor [bs] (pixels stay bytes, as in `tensor({...})`)
//   * other integers            -> int64 Tensor [bs]
//   * float, double             -> float32 Tensor [bs] (fastblock has no float64)
//   * std::vector<arithmetic>   -> 2-D Tensor [bs, n] of the dtype above; every vector has length n
//   * Tensor                    -> Tensor [bs, ...] stacking the items (one shape, one dtype)
//   * a typed tensor            -> the same type, stacked: TensorMultiCategory items give a
//                                  TensorMultiCategory [bs, n] (data/typed_tensor.hpp)
//   * std::string               -> std::vector<std::string>
// Mismatched shapes, dtypes or lengths throw shape_error / dtype_error naming the item's position
// in the batch, what it has and what item 0 set as expected. An empty batch collates to empty
// tensors.
//
// Extending it: specialize `fastblock::Collate<T>` with a static `collate(BatchView<T>)` that
// returns the batch; tuples containing T then collate too. A BatchView is a read-only list of the
// items, in batch order, valid for the duration of the call:
//     template <> struct fastblock::Collate<Point> {
//       static Tensor collate(BatchView<Point> items) { ... one row per item ... }
//     };
// An item type without a collation (itself or any tuple element) stops the build with one line,
// "fastblock::collate: ...", at the collate() call or the DataLoader that needs it.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/tensor/factory.hpp>
#include <fastblock/tensor/tensor.hpp>
#include <fastblock/tensor/typed_tensor.hpp>

namespace fastblock {

/// The items of one batch, as a collation sees them: `size()` references in batch order.
///
/// Non-owning and read-only; it refers to the loader's items only while `collate` runs. It is a
/// list of pointers rather than a span so that a tuple's elements can be viewed column by column
/// without copying them.
template <class T>
class BatchView {
 public:
  /// Forward iterator over the items (`for (const T& item : items)`).
  class iterator {
   public:
    /// Iterator traits: a forward iterator over const T.
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using iterator_category = std::forward_iterator_tag;
    /// A singular iterator (forward iterators must be default-constructible).
    iterator() = default;
    /// Points at the item `*p` points to.
    explicit iterator(const T* const* p) noexcept : p_(p) {}
    const T& operator*() const noexcept { return **p_; }
    const T* operator->() const noexcept { return *p_; }
    iterator& operator++() noexcept {
      ++p_;
      return *this;
    }
    iterator operator++(int) noexcept { return iterator(p_++); }
    friend bool operator==(iterator a, iterator b) noexcept { return a.p_ == b.p_; }

   private:
    const T* const* p_ = nullptr;
  };

  /// Views the items `ptrs` point to; the pointers and the items must outlive the view.
  explicit BatchView(std::span<const T* const> ptrs) noexcept : ptrs_(ptrs) {}

  /// Number of items (the batch size).
  [[nodiscard]] std::size_t size() const noexcept { return ptrs_.size(); }
  /// Whether the batch has no item.
  [[nodiscard]] bool empty() const noexcept { return ptrs_.empty(); }
  /// Item `i` of the batch (unchecked, like std::span).
  [[nodiscard]] const T& operator[](std::size_t i) const noexcept { return *ptrs_[i]; }
  /// The items in batch order.
  [[nodiscard]] iterator begin() const noexcept { return iterator(ptrs_.data()); }
  [[nodiscard]] iterator end() const noexcept { return iterator(ptrs_.data() + ptrs_.size()); }

 private:
  std::span<const T* const> ptrs_;
};

/// The customization point: specialize it with `static Batch collate(BatchView<T>)`.
///
/// The primary template is empty, which is what "no collation for T" means.
template <class T>
struct Collate {};

/// Item types with a collation: `Collate<T>::collate(BatchView<T>)` exists and returns a value.
template <class T>
concept Collatable = requires(BatchView<T> items) {
  { Collate<T>::collate(items) } -> std::movable;
};

/// The batch type of items of type T.
template <Collatable T>
using collate_batch_t = decltype(Collate<T>::collate(std::declval<BatchView<T>>()));

namespace detail {

/// What collate returns for a type without a collation, after the static_assert has said why;
/// it keeps the compiler from piling further errors onto that one line.
struct Uncollatable {};

/// The one place that checks collatability, so the message appears once per item type however
/// many entry points (collate, DataLoader) ask.
template <class T>
consteval bool check_collatable() {
  static_assert(Collatable<T>,
                "fastblock::collate: no collation for this item type (or for one of its tuple "
                "elements); specialize fastblock::Collate<T> with "
                "`static Batch collate(fastblock::BatchView<T>)` (see data/collate.hpp)");
  return Collatable<T>;
}

/// collate_batch_t when it exists, Uncollatable otherwise (used only after check_collatable).
template <class T>
struct collate_result {
  using type = Uncollatable;
};
template <Collatable T>
struct collate_result<T> {
  using type = collate_batch_t<T>;
};

/// The Dtype a C++ number collates to; see the table in the contract.
template <class T>
using collate_element_t = std::conditional_t<
    std::same_as<T, bool>, bool,
    std::conditional_t<std::same_as<T, std::uint8_t>, std::uint8_t,
                       std::conditional_t<std::is_integral_v<T>, std::int64_t, float>>>;

/// Numbers a batch can hold: arithmetic, but not char (text is std::string here).
template <class T>
concept CollatableNumber =
    std::is_arithmetic_v<T> && !std::same_as<T, char> && !std::same_as<T, wchar_t> &&
    !std::same_as<T, char8_t> && !std::same_as<T, char16_t> && !std::same_as<T, char32_t>;

/// Stacks tensors of one shape and dtype into [bs, ...]; the errors name the odd item.
[[nodiscard]] Tensor stack_batch(BatchView<Tensor> items);

/// The shape_error for a vector whose length differs from item 0's.
[[noreturn]] void throw_ragged_batch(std::size_t item, std::size_t length, std::size_t expected);

/// Re-throws the active shape_error / dtype_error with "(tuple element j)" appended, so a failure
/// inside a tuple says which column it came from; other exceptions pass through unchanged.
[[noreturn]] void rethrow_in_tuple_element(std::size_t element);

/// Collates element `J` of every tuple in the batch.
template <std::size_t J, class Tuple>
auto collate_element(BatchView<Tuple> items) {
  using E = std::remove_cvref_t<std::tuple_element_t<J, Tuple>>;
  std::vector<const E*> column;
  column.reserve(items.size());
  for (const Tuple& item : items) column.push_back(&std::get<J>(item));
  try {
    return Collate<E>::collate(BatchView<E>(column));
  } catch (...) {
    rethrow_in_tuple_element(J);
  }
}

/// Collates every element of a tuple-like item type into a std::tuple of batches.
template <class Tuple, std::size_t... J>
auto collate_tuple(BatchView<Tuple> items, std::index_sequence<J...>) {
  // Braced initialisation evaluates left to right, so columns are collated in order.
  return std::tuple<collate_batch_t<std::remove_cvref_t<std::tuple_element_t<J, Tuple>>>...>{
      collate_element<J>(items)...};
}

}  // namespace detail

/// The batch type `collate` builds from items of type T (a placeholder type when T has no
/// collation, after the compile-time error).
template <class T>
using collate_t = typename detail::collate_result<std::remove_cvref_t<T>>::type;

/// Numbers collate into a 1-D tensor: bool -> bool, uint8 -> uint8, integers -> int64,
/// floating point -> float32.
template <detail::CollatableNumber T>
struct Collate<T> {
  static Tensor collate(BatchView<T> items) {
    using E = detail::collate_element_t<T>;
    Tensor out(Shape{static_cast<std::int64_t>(items.size())}, dtype_of<E>);
    E* p = out.data<E>();
    for (const T& v : items) *p++ = static_cast<E>(v);
    return out;
  }
};

/// Vectors of numbers collate into a 2-D tensor [bs, n]; all must have the same length n.
template <detail::CollatableNumber T, class A>
struct Collate<std::vector<T, A>> {
  static Tensor collate(BatchView<std::vector<T, A>> items) {
    using E = detail::collate_element_t<T>;
    const std::size_t n = items.empty() ? 0 : items[0].size();
    for (std::size_t i = 1; i < items.size(); ++i)
      if (items[i].size() != n) detail::throw_ragged_batch(i, items[i].size(), n);
    Tensor out(Shape{static_cast<std::int64_t>(items.size()), static_cast<std::int64_t>(n)},
               dtype_of<E>);
    E* p = out.data<E>();
    for (const auto& row : items)
      for (const T& v : row) *p++ = static_cast<E>(v);
    return out;
  }
};

/// Tensors stack along a new first dimension, like torch.stack.
template <>
struct Collate<Tensor> {
  static Tensor collate(BatchView<Tensor> items) { return detail::stack_batch(items); }
};

/// Typed tensors stack like tensors and keep their type (TensorCategory items give a 1-D
/// TensorCategory). A typed tensor with more state than its data (points that carry their image
/// size) specializes Collate itself; an explicit specialization wins over this one.
template <TypedTensorType T>
struct Collate<T> {
  static T collate(BatchView<T> items) {
    std::vector<const Tensor*> tensors;
    tensors.reserve(items.size());
    for (const T& item : items) tensors.push_back(&item.as_tensor());
    return T(detail::stack_batch(BatchView<Tensor>(tensors)));
  }
};

/// Strings stay strings: a batch of them is the list of them (PyTorch gives a tuple of str).
template <>
struct Collate<std::string> {
  static std::vector<std::string> collate(BatchView<std::string> items) {
    return {items.begin(), items.end()};
  }
};

/// A tuple of items collates element by element into a tuple of batches.
template <Collatable... Ts>
struct Collate<std::tuple<Ts...>> {
  static std::tuple<collate_batch_t<Ts>...> collate(BatchView<std::tuple<Ts...>> items) {
    return detail::collate_tuple(items, std::index_sequence_for<Ts...>{});
  }
};

/// A pair collates like a 2-tuple, into a std::tuple (so `auto [x, y] = batch` always works).
template <Collatable A, Collatable B>
struct Collate<std::pair<A, B>> {
  static std::tuple<collate_batch_t<A>, collate_batch_t<B>> collate(
      BatchView<std::pair<A, B>> items) {
    return detail::collate_tuple(items, std::index_sequence<0, 1>{});
  }
};

/// The batch of the items viewed by `items` (see the contract for the built-in collations).
template <class T>
[[nodiscard]] collate_t<T> collate(BatchView<T> items) {
  if constexpr (detail::check_collatable<T>()) {
    return Collate<T>::collate(items);
  } else {
    return {};
  }
}

/// The batch of `items` (a `std::span<const Item>`; a span of non-const items works too).
template <class T, std::size_t N>
[[nodiscard]] collate_t<std::remove_const_t<T>> collate(std::span<T, N> items) {
  using Item = std::remove_const_t<T>;
  if constexpr (detail::check_collatable<Item>()) {
    std::vector<const Item*> ptrs;
    ptrs.reserve(items.size());
    for (const Item& item : items) ptrs.push_back(&item);
    return Collate<Item>::collate(BatchView<Item>(ptrs));
  } else {
    return {};
  }
}

/// Convenience overload so a std::vector of items can be passed without spelling a span.
template <class T, class A>
[[nodiscard]] collate_t<T> collate(const std::vector<T, A>& items) {
  return fastblock::collate(std::span<const T>(items.data(), items.size()));
}

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/data/collate-inl.hpp>
#endif
