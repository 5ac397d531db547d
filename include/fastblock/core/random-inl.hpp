// fastblock/core/random-inl.hpp — out-of-line definitions for core/random.hpp.
//
// Included by random.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <numeric>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/core/random.hpp>

namespace fastblock {

namespace detail {

/// Shortest round-trip text for a double, so messages show 1e-300 rather than "0.000000".
FASTBLOCK_FUNC std::string random_arg_to_string(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (result.ec != std::errc{}) return "?";
  return std::string(buffer, result.ptr);
}

}  // namespace detail

FASTBLOCK_FUNC Generator::Generator(std::uint64_t seed) : seed_(seed) {
  // splitmix64 outputs of distinct inputs are distinct, so the state can never be all zero.
  std::uint64_t x = seed;
  for (std::uint64_t& word : state_) {
    x += detail::golden_gamma;
    word = detail::mix64(x);
  }
}

FASTBLOCK_FUNC Generator Generator::derive(std::uint64_t seed,
                                           std::initializer_list<std::uint64_t> keys) {
  std::uint64_t h = seed;
  for (const std::uint64_t key : keys) h = detail::mix_key(h, key);
  return Generator(h);
}

FASTBLOCK_FUNC Generator Generator::fork(std::uint64_t key) const {
  return Generator(detail::mix_key(seed_, key));
}

FASTBLOCK_FUNC double Generator::uniform(double lo, double hi) {
  if (!(std::isfinite(lo) && std::isfinite(hi) && lo < hi)) {
    throw value_error("fastblock::Generator::uniform(lo=" + detail::random_arg_to_string(lo) +
                      ", hi=" + detail::random_arg_to_string(hi) +
                      "): expected finite bounds with lo < hi");
  }
  const double u = uniform();
  const double range = hi - lo;
  // Explicit fma: whether the compiler contracts a * b + c differs between targets and flags.
  // When hi - lo overflows (e.g. the full double range) the interpolation form stays finite.
  double x = std::isfinite(range) ? std::fma(range, u, lo) : std::fma(hi, u, lo * (1.0 - u));
  if (x >= hi) x = std::nextafter(hi, lo);
  if (x < lo) x = lo;
  return x;
}

FASTBLOCK_FUNC double Generator::normal(double mean, double stddev) {
  if (!(std::isfinite(mean) && std::isfinite(stddev) && stddev >= 0.0)) {
    throw value_error("fastblock::Generator::normal(mean=" + detail::random_arg_to_string(mean) +
                      ", stddev=" + detail::random_arg_to_string(stddev) +
                      "): expected a finite mean and a finite stddev >= 0");
  }
  if (has_cached_normal_) {
    has_cached_normal_ = false;
    return std::fma(stddev, cached_normal_, mean);
  }
  double u = 0.0, v = 0.0, s = 0.0;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    s = std::fma(u, u, v * v);  // explicit fma keeps the accept/reject decision portable
  } while (s >= 1.0 || s == 0.0);
  const double factor = std::sqrt(-2.0 * std::log(s) / s);
  cached_normal_ = v * factor;
  has_cached_normal_ = true;
  return std::fma(stddev, u * factor, mean);
}

FASTBLOCK_FUNC std::int64_t Generator::randint(std::int64_t lo, std::int64_t hi) {
  if (hi <= lo) {
    throw value_error("fastblock::Generator::randint(lo=" + std::to_string(lo) +
                      ", hi=" + std::to_string(hi) +
                      "): the range [lo, hi) is empty; hi must be greater than lo");
  }
  // Unsigned arithmetic: the width of [INT64_MIN, INT64_MAX) does not fit in int64_t.
  const std::uint64_t range = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  detail::U128 m = detail::mul_64x64(next_u64(), range);
  if (m.lo < range) {
    const std::uint64_t threshold = (0 - range) % range;  // 2^64 mod range
    while (m.lo < threshold) m = detail::mul_64x64(next_u64(), range);
  }
  // Conversion back to int64_t is modular in C++20, so this cannot overflow.
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + m.hi);
}

FASTBLOCK_FUNC std::string Generator::state() const {
  const std::array<std::uint64_t, 7> words{seed_,
                                           state_[0],
                                           state_[1],
                                           state_[2],
                                           state_[3],
                                           std::bit_cast<std::uint64_t>(cached_normal_),
                                           has_cached_normal_ ? 1u : 0u};
  std::string out;
  for (const std::uint64_t w : words) {
    char buf[17];
    const auto end = std::to_chars(buf, buf + 16, w, 16).ptr;
    if (!out.empty()) out += ' ';
    out.append(buf, end);
  }
  return out;
}

FASTBLOCK_FUNC void Generator::set_state(std::string_view text) {
  std::array<std::uint64_t, 7> words{};
  const char* const end = text.data() + text.size();
  const char* p = text.data();
  bool ok = true;
  for (std::size_t i = 0; ok && i < words.size(); ++i) {
    if (i > 0) ok = p != end && *p++ == ' ';
    const auto r = std::from_chars(p, end, words[i], 16);
    ok = ok && r.ec == std::errc() && r.ptr != p;
    p = r.ptr;
  }
  if (!ok || p != end || words[6] > 1 || (words[1] | words[2] | words[3] | words[4]) == 0)
    throw value_error("fastblock::Generator::set_state: '" + std::string(text) +
                      "' is not a generator state (7 hexadecimal words from Generator::state())");
  seed_ = words[0];
  state_ = {words[1], words[2], words[3], words[4]};
  cached_normal_ = std::bit_cast<double>(words[5]);
  has_cached_normal_ = words[6] == 1;
}

FASTBLOCK_FUNC bool Generator::bernoulli(double p) {
  if (!(p >= 0.0 && p <= 1.0)) {
    throw value_error("fastblock::Generator::bernoulli(p=" + detail::random_arg_to_string(p) +
                      "): p must lie in [0, 1]");
  }
  return uniform() < p;
}

FASTBLOCK_FUNC std::vector<std::int64_t> Generator::permutation(std::int64_t n) {
  if (n < 0) {
    throw value_error("fastblock::Generator::permutation(n=" + std::to_string(n) +
                      "): n must be >= 0");
  }
  std::vector<std::int64_t> result(static_cast<std::size_t>(n));
  std::iota(result.begin(), result.end(), std::int64_t{0});
  shuffle(std::span<std::int64_t>(result));
  return result;
}

FASTBLOCK_FUNC Generator& default_generator() {
  static Generator generator(Generator::default_seed);
  return generator;
}

FASTBLOCK_FUNC void set_seed(std::uint64_t seed) { default_generator() = Generator(seed); }

}  // namespace fastblock
