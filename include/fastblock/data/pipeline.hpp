// fastblock/data/pipeline.hpp — functions composed left to right (fastai's Pipeline of transforms).
//
// Contract: `Pipeline(f, g, h)(x)` is `h(g(f(x)))`, with every intermediate type known at compile
// time: the pipeline's result type for an input X is `pipeline_result_t<P, X>`, a value type (a
// function returning a reference has its result copied). `Pipeline()` is the identity (a copy).
// A function may take the per-item generator as a second argument, `f(x, Generator& rng)`; it is
// then called with the generator the pipeline was given (the loaders pass one derived from
// (seed, epoch, item)), so random transforms are reproducible under any thread count. Functions
// are called through a const reference, possibly from several threads at once, so they must not
// mutate their own state (a `mutable` lambda does not qualify).
//
// A function that cannot take the previous one's result (or, first in line, the input) stops the
// build with one line, "fastblock::Pipeline: ...", at the place the pipeline is first applied.
#pragma once

#include <concepts>
#include <cstddef>
#include <functional>
#include <tuple>
#include <type_traits>
#include <utility>

#include <fastblock/core/random.hpp>

namespace fastblock {

namespace detail {

/// A pipeline step that wants the per-item generator.
template <class F, class X>
concept StepWithRng = std::invocable<const F&, X, Generator&>;

/// A pipeline step: callable as const with the value, with or without the generator.
template <class F, class X>
concept PipelineStep = StepWithRng<F, X> || std::invocable<const F&, X>;

/// Calls one step, passing the generator when the step takes one.
template <class F, class X>
decltype(auto) call_step(const F& f, X&& x, Generator& rng) {
  if constexpr (StepWithRng<F, X>) {
    return std::invoke(f, std::forward<X>(x), rng);
  } else {
    return std::invoke(f, std::forward<X>(x));
  }
}

/// The result of one step (void when it returns nothing).
template <class F, class X>
using step_result_t =
    decltype(call_step(std::declval<const F&>(), std::declval<X>(), std::declval<Generator&>()));

/// Stands in for the result of a pipeline whose functions do not chain, after the static_assert
/// has said so, so that one mistake gives one error.
struct BrokenPipeline {};

/// False, but only once T is known: lets a static_assert fire in one branch of an if constexpr.
template <class T>
inline constexpr bool always_false = false;

}  // namespace detail

/// Functions applied left to right: `Pipeline(f1, f2)(x) == f2(f1(x))` (see the contract above).
template <class... Fs>
class Pipeline {
 public:
  /// Stores copies of the functions; `Pipeline()` is the identity.
  explicit Pipeline(Fs... fs) : fs_(std::move(fs)...) {}

  /// Number of functions.
  static constexpr std::size_t size() noexcept { return sizeof...(Fs); }

  /// Applies the functions to `x`, giving each that wants one the generator `rng`.
  template <class X>
  auto operator()(X&& x, Generator& rng) const {
    return apply<0>(std::forward<X>(x), rng);
  }

  /// Applies the functions to `x`; functions that take a generator get Generator(0), so a
  /// direct call is deterministic.
  template <class X>
  auto operator()(X&& x) const {
    Generator rng(Generator::default_seed);
    return apply<0>(std::forward<X>(x), rng);
  }

  /// The stored functions, in order.
  [[nodiscard]] const std::tuple<Fs...>& functions() const noexcept { return fs_; }

 private:
  template <std::size_t I, class X>
  auto apply(X&& x, Generator& rng) const {
    if constexpr (I == sizeof...(Fs)) {
      return std::remove_cvref_t<X>(std::forward<X>(x));
    } else {
      using F = std::tuple_element_t<I, std::tuple<Fs...>>;
      if constexpr (!detail::PipelineStep<F, X>) {
        static_assert(detail::always_false<F>,
                      "fastblock::Pipeline: a function cannot be called with the result of the "
                      "function before it (the first: with the item); make its parameter accept "
                      "that type, and make it callable as const (no `mutable` lambda)");
        return detail::BrokenPipeline{};
      } else if constexpr (std::is_void_v<detail::step_result_t<F, X>>) {
        static_assert(detail::always_false<F>,
                      "fastblock::Pipeline: a function returns void; each function must return "
                      "the value the next one (or the item) receives");
        return detail::BrokenPipeline{};
      } else {
        return apply<I + 1>(detail::call_step(std::get<I>(fs_), std::forward<X>(x), rng), rng);
      }
    }
  }

  std::tuple<Fs...> fs_;
};

/// True for the specializations of Pipeline.
template <class T>
inline constexpr bool is_pipeline_v = false;
template <class... Fs>
inline constexpr bool is_pipeline_v<Pipeline<Fs...>> = true;

/// What pipeline P makes of an input of type X (X as passed: `const Item&` for dataset items).
template <class P, class X>
using pipeline_result_t =
    decltype(std::declval<const P&>()(std::declval<X>(), std::declval<Generator&>()));

}  // namespace fastblock
