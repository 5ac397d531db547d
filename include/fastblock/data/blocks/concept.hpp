// fastblock/data/blocks/concept.hpp — what a block is, and the checks DataBlock runs on blocks.
//
// Contract: a block is a plain copyable type that tells DataBlock how to turn what a getter
// returns into a training item, and the learner what that item implies. It declares
//   raw_type    what get_x/get_y must return for it (std::vector<std::string> for
//               MultiCategoryBlock), so a wrong getter is one static_assert, not a run-time
//               surprise at the first batch;
//   item_type   the encoded item (TensorMultiCategory), and batch_type, what a batch collates to;
//   loss_kind   its default loss as a compile-time tag, which the nn layer maps to a real loss;
// and has the run-time state fastai keeps in its transforms: `setup(training_values)` learns it
// (the vocabulary) from the training items only, `encode(raw)` and `decode(item)` use it, and
// `n_out()` reports the model outputs it implies. Nothing here knows any particular block, so
// the vision layer's ImageBlock and PointBlock are additions, not edits.
//
// The require_* functions are what DataBlock calls in its class body. Each fails with one
// static_assert whose text starts with "fastblock::DataBlock: " ("get_y must return
// std::vector<std::string> for MultiCategoryBlock"); the compiler's note on the same failure
// (g++: "'...' evaluates to false"; clang++: "due to requirement '...'") spells the types:
// `get_y_must_return_raw_type_of<MultiCategoryBlock>::but_it_returns<int>`.
#pragma once

#include <concepts>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <fastblock/data/type_name.hpp>

namespace fastblock {

/// The default loss a block implies for the learner (fastai's `loss_func` of a TransformBlock).
enum class LossKind {
  /// No default: an input block (ImageBlock) or a user block; the learner must be given a loss.
  none,
  /// Single label: CrossEntropyLossFlat over n_out classes.
  cross_entropy,
  /// Multi-label: BCEWithLogitsLossFlat over n_out independent classes.
  bce_with_logits,
  /// Regression and points: MSELossFlat.
  mse,
};

/// fastai's name of the loss a LossKind stands for ("BCEWithLogitsLossFlat"), for summary().
[[nodiscard]] constexpr std::string_view loss_name(LossKind kind) noexcept {
  switch (kind) {
    case LossKind::cross_entropy:
      return "CrossEntropyLossFlat";
    case LossKind::bce_with_logits:
      return "BCEWithLogitsLossFlat";
    case LossKind::mse:
      return "MSELossFlat";
    case LossKind::none:
      break;
  }
  return "none";
}

namespace detail {

// The requirements of Block one by one, so that require_block can name the one that is missing.

/// Declares raw_type, item_type and batch_type.
template <class B>
concept DeclaresTypes = requires {
  typename B::raw_type;
  typename B::item_type;
  typename B::batch_type;
};

/// Has a static member loss_kind of type LossKind; tested before its value is used as a
/// constant, because g++ 12 treats naming a non-static member there as a hard error.
template <class B>
concept HasStaticLossKind = requires {
  { &B::loss_kind } -> std::same_as<const LossKind*>;
};

/// `static constexpr LossKind loss_kind`, usable as a template argument.
template <class B>
concept ConstantLossKind = HasStaticLossKind<B> && requires {
  typename std::integral_constant<LossKind, B::loss_kind>;
};

/// `b.setup(std::span<const raw_type>)`.
template <class B>
concept HasSetup = requires(B& b, std::span<const typename B::raw_type> training_values) {
  b.setup(training_values);
};

/// `encode(const raw_type&) const -> item_type`.
template <class B>
concept HasEncode = requires(const B& b, const typename B::raw_type& raw) {
  { b.encode(raw) } -> std::same_as<typename B::item_type>;
};

/// `decode(const item_type&) const`.
template <class B>
concept HasDecode = requires(const B& b, const typename B::item_type& item) {
  b.decode(item);
};

/// `n_out() const`, convertible to std::int64_t.
template <class B>
concept HasNOut = requires(const B& b) {
  { b.n_out() } -> std::convertible_to<std::int64_t>;
};

}  // namespace detail

/// A block: see the file comment. `B` must be copy-constructible (a DataBlock holds its blocks
/// by value); `DataBlock<Bs...>{}` additionally default-constructs them.
template <class B>
concept Block =
    std::copy_constructible<B> && detail::DeclaresTypes<B> && detail::ConstantLossKind<B> &&
    detail::HasSetup<B> && detail::HasEncode<B> && detail::HasDecode<B> && detail::HasNOut<B>;

/// What get_x/get_y must return for block `B`.
template <Block B>
using raw_t = typename B::raw_type;
/// The encoded item of block `B`: an element of a Datasets item tuple.
template <Block B>
using item_t = typename B::item_type;
/// What a batch of `B`'s items collates to.
template <Block B>
using batch_t = typename B::batch_type;
/// What `B::decode` gives back, the form a person reads (a label, a LabelList, ...).
template <Block B>
using decoded_t = std::remove_cvref_t<decltype(std::declval<const B&>().decode(
    std::declval<const typename B::item_type&>()))>;

/// How messages and summary() name block `B`: `B::block_name()` when it has one (TransformBlock
/// names only its raw and item types), else type_name<B>().
template <class B>
[[nodiscard]] std::string block_name() {
  if constexpr (requires {
                  { B::block_name() } -> std::convertible_to<std::string>;
                }) {
    return B::block_name();
  } else {
    return type_name<B>();
  }
}

/// Whether a getter returning `R` can feed block `B`: R converts implicitly to B's raw_type, or
/// the raw type is std::string and R is text (a std::string_view, such as a DataFrame cell, is
/// copied into a string, which the standard library does only explicitly).
template <class B, class R>
concept AcceptsRaw = Block<B> &&
    (std::convertible_to<R, typename B::raw_type> ||
     (std::same_as<typename B::raw_type, std::string> && std::convertible_to<R, std::string_view>));

/// Converts what a getter returned to B's raw_type, as AcceptsRaw allows.
template <class B, class R>
requires AcceptsRaw<B, R>
[[nodiscard]] raw_t<B> to_raw(R&& value) {
  if constexpr (std::convertible_to<R, raw_t<B>>) {
    return raw_t<B>(std::forward<R>(value));
  } else {
    return raw_t<B>(std::string_view(std::forward<R>(value)));
  }
}

namespace detail {

/// Each requirement of Block on its own, named so that the compiler's note on a failed
/// require_block<T>() reads as the diagnosis: "'type_<int>::declares_raw_type' evaluates to false".
template <class T>
struct type_ {
  static constexpr bool is_copy_constructible = std::copy_constructible<T>;
  static constexpr bool declares_raw_type = requires { typename T::raw_type; };
  static constexpr bool declares_item_type = requires { typename T::item_type; };
  static constexpr bool declares_batch_type = requires { typename T::batch_type; };
  static constexpr bool declares_constexpr_loss_kind = ConstantLossKind<T>;
  static constexpr bool has_setup_of_span_of_const_raw_type = HasSetup<T>;
  static constexpr bool has_const_encode_from_raw_type_to_item_type = HasEncode<T>;
  static constexpr bool has_const_decode_of_item_type = HasDecode<T>;
  static constexpr bool has_const_n_out_returning_an_integer = HasNOut<T>;
  static constexpr bool is_a_block = Block<T>;
};

/// Reads, in the compiler's note, as "get_y must return the raw type of B, but it returns R".
template <class B>
struct get_y_must_return_raw_type_of {
  template <class R>
  static constexpr bool but_it_returns = AcceptsRaw<B, R>;
};

/// The get_x counterpart of get_y_must_return_raw_type_of.
template <class B>
struct get_x_must_return_raw_type_of {
  template <class R>
  static constexpr bool but_it_returns = AcceptsRaw<B, R>;
};

/// Names a type in a function argument, so that overloads for one block can be found by ADL.
template <class T>
struct type_tag {};

/// Called by require_get_y_result; holds the assertion so that a block can give its own message
/// (FASTBLOCK_BLOCK_RAW_TYPE_MESSAGE) with a more specialised overload next to it. A function
/// rather than a class: clang++ would report a failed class instantiation a second time.
template <class B, class R>
consteval bool fastblock_get_y_result_check(type_tag<B>, type_tag<R>) {
  static_assert(get_y_must_return_raw_type_of<B>::template but_it_returns<R>,
                "fastblock::DataBlock: get_y must return the raw_type of its block");
  return true;
}

/// The get_x counterpart of fastblock_get_y_result_check.
template <class B, class R>
consteval bool fastblock_get_x_result_check(type_tag<B>, type_tag<R>) {
  static_assert(get_x_must_return_raw_type_of<B>::template but_it_returns<R>,
                "fastblock::DataBlock: get_x must return the raw_type of its block");
  return true;
}

}  // namespace detail

/// The text shared by require_block's assertions (a macro only because static_assert needs a
/// string literal).
#define FASTBLOCK_DETAIL_NOT_A_BLOCK                                                         \
  "fastblock::DataBlock: not a block (a block declares raw_type, item_type, batch_type and " \
  "constexpr loss_kind, and has setup, encode, decode and n_out; the note names what is missing)"

/// Fails to compile, with one "fastblock::DataBlock: not a block" message, unless T is a Block;
/// the accompanying note names the first missing requirement. Always returns true, so DataBlock
/// can write `static_assert((require_block<Bs>() && ...));` and report only the inner failure.
template <class T>
consteval bool require_block() {
  using Check = detail::type_<T>;
  // One requirement at a time, so a type missing everything still gives a single error.
  if constexpr (!Check::declares_raw_type) {
    static_assert(Check::declares_raw_type, FASTBLOCK_DETAIL_NOT_A_BLOCK);
  } else if constexpr (!Check::declares_item_type) {
    static_assert(Check::declares_item_type, FASTBLOCK_DETAIL_NOT_A_BLOCK);
  } else if constexpr (!Check::declares_batch_type) {
    static_assert(Check::declares_batch_type, FASTBLOCK_DETAIL_NOT_A_BLOCK);
  } else if constexpr (!Check::declares_constexpr_loss_kind) {
    static_assert(Check::declares_constexpr_loss_kind, FASTBLOCK_DETAIL_NOT_A_BLOCK);
  } else if constexpr (!Check::is_copy_constructible) {
    static_assert(Check::is_copy_constructible, FASTBLOCK_DETAIL_NOT_A_BLOCK);
  } else if constexpr (!Check::has_setup_of_span_of_const_raw_type) {
    static_assert(Check::has_setup_of_span_of_const_raw_type, FASTBLOCK_DETAIL_NOT_A_BLOCK);
  } else if constexpr (!Check::has_const_encode_from_raw_type_to_item_type) {
    static_assert(Check::has_const_encode_from_raw_type_to_item_type, FASTBLOCK_DETAIL_NOT_A_BLOCK);
  } else if constexpr (!Check::has_const_decode_of_item_type) {
    static_assert(Check::has_const_decode_of_item_type, FASTBLOCK_DETAIL_NOT_A_BLOCK);
  } else if constexpr (!Check::has_const_n_out_returning_an_integer) {
    static_assert(Check::has_const_n_out_returning_an_integer, FASTBLOCK_DETAIL_NOT_A_BLOCK);
  } else {
    static_assert(Check::is_a_block, FASTBLOCK_DETAIL_NOT_A_BLOCK);
  }
  return true;
}

#undef FASTBLOCK_DETAIL_NOT_A_BLOCK

/// Fails to compile with "fastblock::DataBlock: get_y must return <raw type> for <block>" (the
/// block's own words where it gave them with FASTBLOCK_BLOCK_RAW_TYPE_MESSAGE, "the raw_type of
/// its block" otherwise) unless a get_y returning `R` can feed target block `B` (AcceptsRaw); the
/// note reads `get_y_must_return_raw_type_of<B>::but_it_returns<R>`. Checks require_block<B>()
/// first, and returns true like it.
template <class B, class R>
consteval bool require_get_y_result() {
  if constexpr (require_block<B>() && Block<B>) {
    // Unqualified: ADL also finds the block's own overload, declared next to the block.
    return fastblock_get_y_result_check(detail::type_tag<B>{}, detail::type_tag<R>{});
  }
  return true;
}

/// The get_x counterpart of require_get_y_result ("fastblock::DataBlock: get_x must return ...").
/// DataBlock uses it for the items themselves when there is no get_x.
template <class B, class R>
consteval bool require_get_x_result() {
  if constexpr (require_block<B>() && Block<B>) {
    return fastblock_get_x_result_check(detail::type_tag<B>{}, detail::type_tag<R>{});
  }
  return true;
}

}  // namespace fastblock

/// Gives block `BLOCK` its own wording for a getter returning the wrong type, e.g.
/// `FASTBLOCK_BLOCK_RAW_TYPE_MESSAGE(MultiCategoryBlock, "std::vector<std::string>", "")` makes
/// DataBlock say "fastblock::DataBlock: get_y must return std::vector<std::string> for
/// MultiCategoryBlock". `RAW` and `HINT` are string literals; a non-empty HINT is appended as is
/// (start it with "; "). Use it after the block's definition, in the block's own namespace (the
/// two overloads it declares are found by argument-dependent lookup). Blocks without it get the
/// generic text.
#define FASTBLOCK_BLOCK_RAW_TYPE_MESSAGE(BLOCK, RAW, HINT)                                     \
  template <class R>                                                                           \
  consteval bool fastblock_get_y_result_check(::fastblock::detail::type_tag<BLOCK>,            \
                                              ::fastblock::detail::type_tag<R>) {              \
    static_assert(                                                                             \
        ::fastblock::detail::get_y_must_return_raw_type_of<BLOCK>::template but_it_returns<R>, \
        "fastblock::DataBlock: get_y must return " RAW " for " #BLOCK HINT);                   \
    return true;                                                                               \
  }                                                                                            \
  template <class R>                                                                           \
  consteval bool fastblock_get_x_result_check(::fastblock::detail::type_tag<BLOCK>,            \
                                              ::fastblock::detail::type_tag<R>) {              \
    static_assert(                                                                             \
        ::fastblock::detail::get_x_must_return_raw_type_of<BLOCK>::template but_it_returns<R>, \
        "fastblock::DataBlock: get_x must return " RAW " for " #BLOCK HINT);                   \
    return true;                                                                               \
  }
