// fastblock/core/random.hpp — the one random number generator of fastblock.
//
// Contract: a Generator seeded with the same value yields the same bits on every platform and
// compiler, because it never touches std::*_distribution (whose output is implementation-defined).
// The engine is xoshiro256** with its state expanded from the seed by splitmix64; integers, uniform
// doubles, shuffles and permutations are bit-identical everywhere (floating-point steps call
// std::fma explicitly, so FMA contraction by the compiler cannot change them). normal() also calls
// std::log, so it is deterministic on one platform but only as portable as the C library's log.
//
// Independent streams are derived from (seed, keys...) by hashing rather than by drawing from a
// parent, so a DataLoader can give item i of epoch e its own Generator::derive(seed, {e, i}), and
// the result does not depend on how many threads run or in which order items are processed.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <random>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fastblock/core/config.hpp>

namespace fastblock {

namespace detail {

/// Increment of splitmix64; also the offset that keeps zero inputs away from mix64's fixed point.
inline constexpr std::uint64_t golden_gamma = 0x9e3779b97f4a7c15ULL;

/// The splitmix64 finaliser: a bijective 64-bit mixer with full avalanche.
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// One link of the derivation chain; order-sensitive so derive(s, {a, b}) != derive(s, {b, a}).
constexpr std::uint64_t mix_key(std::uint64_t h, std::uint64_t key) noexcept {
  return mix64(h + golden_gamma + mix64(key + golden_gamma));
}

/// Full 64x64 -> 128-bit product, portable (no __int128, which -Wpedantic rejects).
struct U128 {
  std::uint64_t hi;
  std::uint64_t lo;
};

/// Schoolbook multiplication on 32-bit halves; exact for all inputs.
constexpr U128 mul_64x64(std::uint64_t a, std::uint64_t b) noexcept {
  const std::uint64_t a_lo = a & 0xffffffffULL, a_hi = a >> 32;
  const std::uint64_t b_lo = b & 0xffffffffULL, b_hi = b >> 32;
  const std::uint64_t lo_lo = a_lo * b_lo;
  const std::uint64_t hi_lo = a_hi * b_lo;
  const std::uint64_t lo_hi = a_lo * b_hi;
  const std::uint64_t hi_hi = a_hi * b_hi;
  const std::uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xffffffffULL) + lo_hi;
  return {hi_hi + (hi_lo >> 32) + (cross >> 32), (cross << 32) | (lo_lo & 0xffffffffULL)};
}

/// A sized contiguous range of non-const elements: what shuffle can view as a std::span.
template <class R>
concept MutableContiguousRange = std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
    !std::is_const_v<std::remove_reference_t<std::ranges::range_reference_t<R>>>;

}  // namespace detail

/// A seedable, copyable, platform-independent random generator (xoshiro256**).
///
/// Not thread-safe: give each thread its own Generator (see derive / fork) instead of sharing one.
class Generator {
 public:
  /// Required by std::uniform_random_bit_generator, so std::shuffle and friends accept it.
  using result_type = std::uint64_t;

  /// The seed of default_generator() at start-up and of a default-constructed Generator.
  static constexpr std::uint64_t default_seed = 0;

  /// Expands `seed` into the 256-bit state with splitmix64, so nearby seeds give unrelated streams.
  explicit Generator(std::uint64_t seed = default_seed);

  /// A generator for the stream named by `keys` under `seed`, e.g. derive(seed, {epoch, index}).
  ///
  /// Pure function of its arguments: it never consumes numbers from anybody, which is what makes
  /// per-item randomness independent of thread count. derive(s, {}) is Generator(s), and
  /// derive(s, {a, b}) == Generator(s).fork(a).fork(b).
  [[nodiscard]] static Generator derive(std::uint64_t seed,
                                        std::initializer_list<std::uint64_t> keys);

  /// A child stream named `key`; depends only on seed() and `key`, not on numbers drawn so far.
  [[nodiscard]] Generator fork(std::uint64_t key) const;

  /// The seed this generator was built from (for derived ones: the mixed seed), for logging.
  [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }

  /// Smallest value operator() returns.
  static constexpr result_type min() noexcept { return 0; }
  /// Largest value operator() returns.
  static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }
  /// Same as next_u64(); lets the generator drive standard algorithms.
  result_type operator()() noexcept { return next_u64(); }

  /// 64 uniformly random bits; kept inline because every other draw goes through it.
  std::uint64_t next_u64() noexcept {
    const std::uint64_t result = std::rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = std::rotl(state_[3], 45);
    return result;
  }

  /// 32 uniformly random bits, taken from the high half where the generator is strongest.
  std::uint32_t next_u32() noexcept { return static_cast<std::uint32_t>(next_u64() >> 32); }

  /// Uniform double in [0, 1) on a grid of 2^-53, so every value is exactly representable.
  double uniform() noexcept { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

  /// Uniform double in [lo, hi); throws value_error unless lo < hi and both are finite.
  ///
  /// Results that would round up to `hi` are mapped to the largest double below it, so the upper
  /// bound stays exclusive.
  double uniform(double lo, double hi);

  /// Normal deviate with the given mean and standard deviation (Marsaglia polar method).
  ///
  /// The polar method produces deviates in pairs; the second is cached in the generator and
  /// returned by the next normal() call, so the cache is part of the state (a copy carries the
  /// pending value, fork/derive start without one). Throws value_error if stddev < 0 or
  /// either argument is not finite.
  double normal(double mean = 0.0, double stddev = 1.0);

  /// Uniform integer in [lo, hi) without modulo bias (Lemire's multiply-and-reject method).
  ///
  /// Throws value_error, naming both bounds, when hi <= lo.
  std::int64_t randint(std::int64_t lo, std::int64_t hi);

  /// True with probability p; throws value_error unless 0 <= p <= 1.
  bool bernoulli(double p);

  /// Uniform random permutation of `items` in place (Fisher–Yates driven by randint).
  template <class T>
  void shuffle(std::span<T> items) {
    using std::swap;
    for (std::size_t i = items.size(); i > 1; --i) {
      const auto j = static_cast<std::size_t>(randint(0, static_cast<std::int64_t>(i)));
      swap(items[i - 1], items[j]);
    }
  }

  /// Convenience overload so a std::vector or std::array can be passed without spelling a span.
  template <detail::MutableContiguousRange R>
  void shuffle(R&& range) {
    shuffle(std::span<std::remove_reference_t<std::ranges::range_reference_t<R>>>(
        std::ranges::data(range), std::ranges::size(range)));
  }

  /// A uniformly random ordering of 0, 1, ..., n-1; throws value_error if n < 0.
  [[nodiscard]] std::vector<std::int64_t> permutation(std::int64_t n);

  /// The whole state as 7 hexadecimal words (seed, the 256 bits, the pending normal deviate and
  /// whether there is one), for checkpoints: set_state(state()) continues the same stream.
  [[nodiscard]] std::string state() const;
  /// Continues the stream state() described; value_error naming the text when it is not one.
  void set_state(std::string_view text);

 private:
  std::uint64_t seed_;
  std::array<std::uint64_t, 4> state_;
  double cached_normal_ = 0.0;
  bool has_cached_normal_ = false;
};

static_assert(std::uniform_random_bit_generator<Generator>);

/// The process-wide generator used when the caller does not pass one; starts at default_seed.
///
/// This is fastblock's only piece of global mutable state and it is NOT synchronised: use it from
/// one thread at a time. Library code whose results must be reproducible under parallelism takes a
/// Generator& (or a seed to derive from) explicitly instead of reaching for this.
Generator& default_generator();

/// Re-seeds default_generator(), as if it had just been constructed with `seed`.
void set_seed(std::uint64_t seed);

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/core/random-inl.hpp>
#endif
