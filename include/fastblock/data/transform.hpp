// fastblock/data/transform.hpp — item and batch transforms: plain structs dispatched on the
// element types of a tuple.
//
// Contract: a transform is a copyable struct with const operator() overloads, each taking one
// element type of an item (or batch) tuple, e.g. `TensorImage operator()(const TensorImage&)
// const`. apply_transform(t, item, ctx) calls it on every element it accepts and passes the other
// elements through unchanged; which ones it accepts is decided at compile time, so the resulting
// tuple type is known: a transform on images turns `std::tuple<Image, TensorMultiCategory>` into
// `std::tuple<its result, TensorMultiCategory>`. A transform that accepts no element of the item
// is a compile-time error, "fastblock::DataBlock: a transform applies to no element of the item".
//
// Optional members, as fastai's Transform has them:
//   draw(const Item&, TransformContext&) -> P  random parameters drawn once per item (or batch)
//       from ctx.rng and given to every element as `operator()(element, const P&)`, so an image
//       and its points move together (fastai's before_call);
//   static constexpr int order                 position in a list of transforms: ascending,
//       stable (fastai's `order`; default 0);
//   static constexpr ApplyOn apply_on          train, valid or both (fastai's split_idx; default
//       both). A transform restricted to one subset must keep the types of the elements it
//       accepts, since the other subset's items skip it and both must have one type.
// Transforms are called through const references from several loader threads at once; they must
// not mutate themselves. Randomness comes only from ctx.rng, which the loaders derive from (seed,
// epoch, item), so results do not depend on the thread count.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <functional>
#include <tuple>
#include <type_traits>
#include <utility>

#include <fastblock/core/random.hpp>

namespace fastblock {

/// Which subsets a transform runs on (fastai's `split_idx`: None, 0, 1).
enum class ApplyOn {
  /// Training and validation items.
  both,
  /// Training items only (augmentation).
  train,
  /// Validation items only.
  valid,
};

/// What a transform's `draw` sees besides the item: the generator of this item (or batch) and
/// whether it is a training one.
struct TransformContext {
  /// The item's generator, derived from (seed, epoch, item index) by the loaders.
  Generator& rng;
  /// True for the training subset (fastai's split_idx == 0).
  bool training = true;
};

/// No transforms: what DataBlock holds before item_tfms/batch_tfms are given.
using NoTransforms = std::tuple<>;

namespace detail {

/// A transform with a `draw(item, ctx)` member.
template <class T, class Item>
concept DrawsParameters = requires(const T& t, const Item& item, TransformContext& ctx) {
  { t.draw(item, ctx) } -> std::movable;
};

/// The parameters `T::draw` returns for `Item`; an empty struct when there is no draw.
struct NoParameters {};
template <class T, class Item>
struct parameters_of {
  using type = NoParameters;
};
template <class T, class Item>
requires DrawsParameters<T, Item>
struct parameters_of<T, Item> {
  using type = std::remove_cvref_t<decltype(std::declval<const T&>().draw(
      std::declval<const Item&>(), std::declval<TransformContext&>()))>;
};
template <class T, class Item>
using parameters_t = typename parameters_of<T, Item>::type;

/// Whether transform T accepts element E, with its item's parameters P or without them.
template <class T, class E, class P>
concept AcceptsWithParameters =
    !std::same_as<P, NoParameters> && std::invocable<const T&, E&&, const P&> &&
    !std::is_void_v<std::invoke_result_t<const T&, E&&, const P&>>;
template <class T, class E>
concept AcceptsAlone =
    std::invocable<const T&, E&&> && !std::is_void_v<std::invoke_result_t<const T&, E&&>>;
template <class T, class E, class P>
concept AcceptsElement = AcceptsWithParameters<T, E, P> || AcceptsAlone<T, E>;

/// What element E becomes under T (E itself when T does not accept it).
template <class T, class E, class P>
struct element_result {
  using type = E;
};
template <class T, class E, class P>
concept AcceptsOnlyAlone = AcceptsAlone<T, E> && !AcceptsWithParameters<T, E, P>;
template <class T, class E, class P>
requires AcceptsOnlyAlone<T, E, P>
struct element_result<T, E, P> {
  using type = std::remove_cvref_t<std::invoke_result_t<const T&, E&&>>;
};
template <class T, class E, class P>
requires AcceptsWithParameters<T, E, P>
struct element_result<T, E, P> {
  using type = std::remove_cvref_t<std::invoke_result_t<const T&, E&&, const P&>>;
};

/// The tuple Item becomes under T, and whether T accepts at least one of its elements.
template <class T, class Item>
struct transform_result;
template <class T, class... Es>
struct transform_result<T, std::tuple<Es...>> {
  using P = parameters_t<T, std::tuple<Es...>>;
  using type = std::tuple<typename element_result<T, Es, P>::type...>;
  static constexpr bool applies = (AcceptsElement<T, Es, P> || ...);
  static constexpr bool keeps_types = std::same_as<type, std::tuple<Es...>>;
};

/// Declares `static constexpr int order`.
template <class T>
concept HasOrder = requires {
  { T::order } -> std::convertible_to<int>;
};
/// Declares `static constexpr ApplyOn apply_on`.
template <class T>
concept HasApplyOn = requires {
  { T::apply_on } -> std::convertible_to<ApplyOn>;
};

/// `T::order`, or 0.
template <class T>
constexpr int order_of() {
  if constexpr (HasOrder<T>) {
    return T::order;
  } else {
    return 0;
  }
}

/// `T::apply_on`, or both.
template <class T>
constexpr ApplyOn apply_on_of() {
  if constexpr (HasApplyOn<T>) {
    return T::apply_on;
  } else {
    return ApplyOn::both;
  }
}

/// The positions of a tuple of transforms in the order they run: by `order`, stable.
template <class Tfms>
struct run_order;
template <class... Ts>
struct run_order<std::tuple<Ts...>> {
  static constexpr std::array<std::size_t, sizeof...(Ts)> value = [] {
    constexpr std::array<int, sizeof...(Ts)> orders{order_of<Ts>()...};
    std::array<std::size_t, sizeof...(Ts)> perm{};
    // Insertion sort: stable, and usable in a constant expression (std::stable_sort is not).
    for (std::size_t i = 0; i < perm.size(); ++i) {
      std::size_t j = i;
      for (; j > 0 && orders[perm[j - 1]] > orders[i]; --j) perm[j] = perm[j - 1];
      perm[j] = i;
    }
    return perm;
  }();
};

/// Applies `t` to the elements of `item` it accepts (no compile-time check: see apply_transform).
template <class T, class... Es>
std::tuple<typename element_result<T, Es, parameters_t<T, std::tuple<Es...>>>::type...> apply_one(
    const T& t, std::tuple<Es...>&& item, TransformContext& ctx) {
  using Item = std::tuple<Es...>;
  using P = parameters_t<T, Item>;
  constexpr ApplyOn on = apply_on_of<T>();
  if constexpr (on != ApplyOn::both) {
    if (ctx.training != (on == ApplyOn::train)) return std::move(item);
  }
  P params{};
  if constexpr (DrawsParameters<T, Item>) params = t.draw(item, ctx);
  const auto one = [&]<class E>(E&& e) -> decltype(auto) {
    if constexpr (AcceptsWithParameters<T, E, P>) {
      return typename element_result<T, E, P>::type(std::invoke(t, std::forward<E>(e), params));
    } else if constexpr (AcceptsAlone<T, E>) {
      return typename element_result<T, E, P>::type(std::invoke(t, std::forward<E>(e)));
    } else {
      return E(std::forward<E>(e));
    }
  };
  return std::apply(
      [&](Es&... es) {
        // Braced initialisation runs the elements left to right.
        return std::tuple<typename element_result<T, Es, P>::type...>{one(std::move(es))...};
      },
      item);
}

/// Reads, in the compiler's note on a failed check, as
/// "transform_<T>::applies_to_some_element_of<Item>".
template <class T>
struct transform_ {
  template <class Item>
  static constexpr bool applies_to_some_element_of = transform_result<T, Item>::applies;
  template <class Item>
  static constexpr bool keeps_the_types_of = transform_result<T, Item>::keeps_types;
};

/// Checks the transforms of `Tfms` from run position K on, the item being `It` there; see
/// require_transforms. `OnBatch` picks the wording.
template <class Tfms, bool OnBatch, std::size_t K, class It>
consteval bool check_transforms_from() {
  if constexpr (K == std::tuple_size_v<Tfms>) {
    return true;
  } else {
    using T = std::tuple_element_t<run_order<Tfms>::value[K], Tfms>;
    using R = transform_result<T, It>;
    if constexpr (!R::applies) {
      if constexpr (OnBatch) {
        static_assert(transform_<T>::template applies_to_some_element_of<It>,
                      "fastblock::DataBlock: a batch transform applies to no element of the "
                      "batch (no operator() of it accepts any element type; the note names both)");
      } else {
        static_assert(transform_<T>::template applies_to_some_element_of<It>,
                      "fastblock::DataBlock: a transform applies to no element of the item (no "
                      "operator() of it accepts any element type; the note names both)");
      }
      return false;
    } else if constexpr (apply_on_of<T>() != ApplyOn::both && !R::keeps_types) {
      static_assert(transform_<T>::template keeps_the_types_of<It>,
                    "fastblock::DataBlock: a transform that runs on one subset only (apply_on) "
                    "must return the types it accepts, since the other subset skips it");
      return false;
    } else {
      return check_transforms_from<Tfms, OnBatch, K + 1, typename R::type>();
    }
  }
}

/// Applies the transforms of `tfms` from run position K on.
template <std::size_t K, class Tfms, class It>
auto apply_from(const Tfms& tfms, It&& item, TransformContext& ctx) {
  if constexpr (K == std::tuple_size_v<Tfms>) {
    return std::remove_cvref_t<It>(std::forward<It>(item));
  } else {
    constexpr std::size_t at = run_order<Tfms>::value[K];
    return apply_from<K + 1>(tfms, apply_one(std::get<at>(tfms), std::forward<It>(item), ctx), ctx);
  }
}

}  // namespace detail

/// What `Item` (a std::tuple) becomes through the transforms of the tuple `Tfms`, in run order.
template <class Tfms, class Item>
struct transformed;
template <class Item>
struct transformed<std::tuple<>, Item> {
  using type = Item;
};
template <class... Ts, class Item>
struct transformed<std::tuple<Ts...>, Item> {
 private:
  static constexpr auto perm = detail::run_order<std::tuple<Ts...>>::value;
  template <std::size_t K, class It>
  static auto walk() {
    if constexpr (K == sizeof...(Ts)) {
      return std::type_identity<It>{};
    } else {
      using T = std::tuple_element_t<perm[K], std::tuple<Ts...>>;
      return walk<K + 1, typename detail::transform_result<T, It>::type>();
    }
  }

 public:
  using type = typename decltype(walk<0, Item>())::type;
};
/// See transformed.
template <class Tfms, class Item>
using transformed_t = typename transformed<Tfms, Item>::type;

/// Fails to compile, with one "fastblock::DataBlock: ..." line and a note naming the transform
/// and the item type, unless every transform of the tuple `Tfms` (in run order) accepts some
/// element of the item it receives, and those restricted to one subset keep their elements'
/// types. `OnBatch` says the item is a batch (batch_tfms), for the wording. Returns true, for use
/// inside a static_assert.
template <class Tfms, class Item, bool OnBatch = false>
consteval bool require_transforms() {
  return detail::check_transforms_from<Tfms, OnBatch, 0, Item>();
}

/// `item` (a std::tuple) through transform `t`: the elements `t` accepts are replaced by its
/// results, given the parameters of `t.draw(item, ctx)` when it has one; the others pass through.
/// A transform that accepts no element does not compile.
template <class T, class Item>
[[nodiscard]] auto apply_transform(const T& t, Item item, TransformContext& ctx) {
  if constexpr (require_transforms<std::tuple<T>, Item>()) {
    return detail::apply_one(t, std::move(item), ctx);
  } else {
    return item;  // not compiled: the static_assert has said why
  }
}

/// `item` through every transform of the tuple `tfms`, in run order (by `order`, stable).
template <class Tfms, class Item>
[[nodiscard]] auto apply_transforms(const Tfms& tfms, Item item, TransformContext& ctx) {
  if constexpr (require_transforms<Tfms, Item>()) {
    return detail::apply_from<0>(tfms, std::move(item), ctx);
  } else {
    return item;  // not compiled: the static_assert has said why
  }
}

}  // namespace fastblock
