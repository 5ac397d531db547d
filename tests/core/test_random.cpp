// Tests for fastblock/core/random.hpp: bit-exact reproducibility against an independent reference,
// loose statistical sanity checks, argument validation and the derivation of independent streams.
#include <fastblock/core/random.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <set>
#include <span>
#include <vector>

#include <fastblock/core/error.hpp>

#include "catch.hpp"

namespace {

using Catch::Matchers::Contains;  // Catch2 3: Catch::Matchers::ContainsSubstring
using fastblock::Generator;

std::vector<std::uint64_t> draw_u64(Generator& gen, std::size_t n) {
  std::vector<std::uint64_t> out(n);
  for (auto& x : out) x = gen.next_u64();
  return out;
}

std::vector<double> draw_uniform(Generator gen, std::size_t n) {
  std::vector<double> out(n);
  for (auto& x : out) x = gen.uniform();
  return out;
}

double mean_of(const std::vector<double>& xs) {
  return std::accumulate(xs.begin(), xs.end(), 0.0) / static_cast<double>(xs.size());
}

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const double ma = mean_of(a), mb = mean_of(b);
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

}  // namespace

TEST_CASE("Generator matches the independent Python reference bit for bit", "[random]") {
  // Expected values printed by tests/core/random_reference.py (pure-Python splitmix64 +
  // xoshiro256**); if the C++ and the script disagree, one of them is wrong.
  SECTION("next_u64, seed 0") {
    Generator gen(0);
    const std::vector<std::uint64_t> expected = {0x99ec5f36cb75f2b4ULL, 0xbf6e1f784956452aULL,
                                                 0x1a5f849d4933e6e0ULL, 0x6aa594f1262d2d2cULL};
    CHECK(draw_u64(gen, 4) == expected);
  }
  SECTION("next_u64, seed 42") {
    Generator gen(42);
    const std::vector<std::uint64_t> expected = {0x15780b2e0c2ec716ULL, 0x6104d9866d113a7eULL,
                                                 0xae17533239e499a1ULL, 0xecb8ad4703b360a1ULL};
    CHECK(draw_u64(gen, 4) == expected);
  }
  SECTION("derive(42, {1, 2})") {
    Generator gen = Generator::derive(42, {1, 2});
    const std::vector<std::uint64_t> expected = {0x42a3b60513dff75eULL, 0x8d8c4ef0372866e5ULL,
                                                 0xffefd0d358b9476aULL};
    CHECK(draw_u64(gen, 3) == expected);
  }
  SECTION("uniform, seed 7") {
    CHECK(draw_uniform(Generator(7), 3) ==
          std::vector<double>{0.7005764821796896, 0.2787512294737843, 0.8396274618764198});
  }
  SECTION("uniform(lo, hi), seeds 7 and 9") {
    Generator a(7), b(9);
    std::vector<double> xs, ys;
    for (int i = 0; i < 3; ++i) {
      xs.push_back(a.uniform(-3.0, 5.0));
      ys.push_back(b.uniform(0.1, 0.7));
    }
    CHECK(xs == std::vector<double>{2.6046118574375168, -0.7699901642097258, 3.7170196950113583});
    CHECK(ys == std::vector<double>{0.10155006381142817, 0.2508936234495145, 0.1794773500677373});
  }
  SECTION("randint, seed 123") {
    Generator gen(123);
    std::vector<std::int64_t> small(10);
    for (auto& x : small) x = gen.randint(0, 10);
    CHECK(small == std::vector<std::int64_t>{1, 9, 4, 1, 3, 9, 3, 6, 7, 4});
    Generator gen2(123);
    std::vector<std::int64_t> wide(5);
    for (auto& x : wide) x = gen2.randint(-1000, 1000);
    CHECK(wide == std::vector<std::int64_t>{-607, 939, -66, -747, -325});
  }
}

TEST_CASE("Generator is reproducible and copyable", "[random]") {
  Generator a(1234), b(1234), c(1235);
  std::vector<double> va, vb, vc;
  for (int i = 0; i < 1000; ++i) {
    va.push_back(a.normal() + a.uniform() + static_cast<double>(a.randint(-5, 5)));
    vb.push_back(b.normal() + b.uniform() + static_cast<double>(b.randint(-5, 5)));
    vc.push_back(c.normal() + c.uniform() + static_cast<double>(c.randint(-5, 5)));
  }
  CHECK(va == vb);
  CHECK(va != vc);

  Generator copy = a;
  CHECK(copy.next_u64() == a.next_u64());
  CHECK(copy.normal() == a.normal());  // also copies any cached second normal deviate
  CHECK(copy.normal() == a.normal());

  CHECK(Generator().seed() == Generator::default_seed);
  CHECK(Generator(99).seed() == 99);
  Generator d, e(Generator::default_seed);
  CHECK(d.next_u64() == e.next_u64());
}

TEST_CASE("next_u32 is the high half of next_u64", "[random]") {
  Generator a(5), b(5);
  for (int i = 0; i < 100; ++i) {
    CHECK(a.next_u32() == static_cast<std::uint32_t>(b.next_u64() >> 32));
  }
}

TEST_CASE("Generator satisfies std::uniform_random_bit_generator", "[random]") {
  STATIC_REQUIRE(std::uniform_random_bit_generator<Generator>);
  STATIC_REQUIRE(Generator::min() == 0);
  STATIC_REQUIRE(Generator::max() == std::numeric_limits<std::uint64_t>::max());
  Generator a(3), b(3);
  CHECK(a() == b.next_u64());

  std::vector<int> v(50);
  std::iota(v.begin(), v.end(), 0);
  Generator gen(11);
  std::shuffle(v.begin(), v.end(), gen);
  std::vector<int> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 50; ++i) REQUIRE(sorted[static_cast<std::size_t>(i)] == i);
  CHECK(sorted != v);

  std::uniform_int_distribution<int> dist(1, 6);  // only checks that std distributions accept it
  const int roll = dist(gen);
  CHECK((roll >= 1 && roll <= 6));
}

TEST_CASE("uniform() lies in [0, 1) with the right moments", "[random]") {
  Generator gen(2024);
  const int n = 100000;
  double sum = 0, sum_sq = 0, lo = 1, hi = 0;
  for (int i = 0; i < n; ++i) {
    const double u = gen.uniform();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    sum += u;
    sum_sq += u * u;
    lo = std::min(lo, u);
    hi = std::max(hi, u);
  }
  const double mean = sum / n;
  const double var = sum_sq / n - mean * mean;
  CHECK(mean == Approx(0.5).margin(0.005));  // standard error ~0.0009
  CHECK(var == Approx(1.0 / 12.0).margin(0.002));
  CHECK(lo < 0.001);
  CHECK(hi > 0.999);
}

TEST_CASE("uniform(lo, hi) respects its bounds and validates them", "[random]") {
  Generator gen(8);
  double sum = 0;
  for (int i = 0; i < 20000; ++i) {
    const double x = gen.uniform(-3.0, 5.0);
    REQUIRE(x >= -3.0);
    REQUIRE(x < 5.0);
    sum += x;
  }
  CHECK(sum / 20000 == Approx(1.0).margin(0.08));

  // A range whose width overflows double must still give finite in-range values.
  const double big = std::numeric_limits<double>::max();
  for (int i = 0; i < 100; ++i) {
    const double x = gen.uniform(-big, big);
    REQUIRE(std::isfinite(x));
    REQUIRE(x < big);
  }
  // The upper bound stays exclusive even when rounding would reach it.
  const double tiny_lo = 1.0, tiny_hi = std::nextafter(1.0, 2.0);
  for (int i = 0; i < 100; ++i) REQUIRE(gen.uniform(tiny_lo, tiny_hi) == tiny_lo);

  REQUIRE_THROWS_AS(gen.uniform(1.0, 1.0), fastblock::value_error);
  REQUIRE_THROWS_WITH(gen.uniform(2.5, -1.0), Contains("lo=2.5") && Contains("hi=-1"));
  REQUIRE_THROWS_AS(gen.uniform(0.0, std::numeric_limits<double>::infinity()),
                    fastblock::value_error);
  REQUIRE_THROWS_AS(gen.uniform(std::nan(""), 1.0), fastblock::value_error);
}

TEST_CASE("normal() has the requested mean and standard deviation", "[random]") {
  const int n = 100000;
  SECTION("standard") {
    Generator gen(77);
    double sum = 0, sum_sq = 0;
    for (int i = 0; i < n; ++i) {
      const double z = gen.normal();
      REQUIRE(std::isfinite(z));
      sum += z;
      sum_sq += z * z;
    }
    const double mean = sum / n;
    CHECK(mean == Approx(0.0).margin(0.02));  // standard error ~0.003
    CHECK(std::sqrt(sum_sq / n - mean * mean) == Approx(1.0).margin(0.02));
  }
  SECTION("shifted and scaled") {
    Generator gen(78);
    double sum = 0, sum_sq = 0;
    int within_one_sigma = 0;
    for (int i = 0; i < n; ++i) {
      const double x = gen.normal(3.0, 2.0);
      sum += x;
      sum_sq += x * x;
      if (std::abs(x - 3.0) < 2.0) ++within_one_sigma;
    }
    const double mean = sum / n;
    CHECK(mean == Approx(3.0).margin(0.04));
    CHECK(std::sqrt(sum_sq / n - mean * mean) == Approx(2.0).margin(0.04));
    CHECK(static_cast<double>(within_one_sigma) / n == Approx(0.6827).margin(0.01));
  }
  SECTION("zero std gives the mean; invalid arguments throw") {
    Generator gen(79);
    CHECK(gen.normal(1.5, 0.0) == 1.5);
    REQUIRE_THROWS_WITH(gen.normal(0.0, -1.0), Contains("stddev=-1"));
    REQUIRE_THROWS_AS(gen.normal(std::numeric_limits<double>::infinity(), 1.0),
                      fastblock::value_error);
  }
}

TEST_CASE("randint stays in [lo, hi) and is unbiased", "[random]") {
  SECTION("small range: every value appears, chi-square is plausible") {
    Generator gen(31337);
    constexpr int k = 10, n = 100000;
    std::array<int, k> counts{};
    for (int i = 0; i < n; ++i) {
      const std::int64_t x = gen.randint(-3, 7);
      REQUIRE(x >= -3);
      REQUIRE(x < 7);
      ++counts[static_cast<std::size_t>(x + 3)];
    }
    const double expected = static_cast<double>(n) / k;
    double chi2 = 0;
    for (const int c : counts) chi2 += (c - expected) * (c - expected) / expected;
    CHECK(chi2 < 40.0);  // 9 degrees of freedom: P(chi2 > 40) ~ 1e-5
  }
  SECTION("a range of 3 * 2^62 would be visibly biased by a plain modulo") {
    // x % (3 * 2^62) maps 2^64 values so that the lowest third is hit twice as often (p = 1/2).
    Generator gen(4);
    const std::int64_t third = std::int64_t{1} << 62;
    std::array<int, 3> counts{};
    const int n = 30000;
    for (int i = 0; i < n; ++i) {
      // INT64_MIN + 3 * 2^62 == 2^62 == third.
      const std::int64_t x = gen.randint(std::numeric_limits<std::int64_t>::min(), third);
      const auto offset = static_cast<std::uint64_t>(x) -
                          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::min());
      ++counts[static_cast<std::size_t>(offset >> 62)];
    }
    for (const int c : counts) CHECK(static_cast<double>(c) / n == Approx(1.0 / 3.0).margin(0.02));
  }
  SECTION("extreme bounds") {
    Generator gen(5);
    constexpr auto lo = std::numeric_limits<std::int64_t>::min();
    constexpr auto hi = std::numeric_limits<std::int64_t>::max();
    CHECK(gen.randint(lo, lo + 1) == lo);
    CHECK(gen.randint(hi - 1, hi) == hi - 1);
    CHECK(gen.randint(41, 42) == 41);
    bool saw_negative = false, saw_positive = false;
    for (int i = 0; i < 64; ++i) {
      const std::int64_t x = gen.randint(lo, hi);
      REQUIRE(x < hi);
      (x < 0 ? saw_negative : saw_positive) = true;
    }
    CHECK(saw_negative);
    CHECK(saw_positive);
  }
  SECTION("an empty range throws and names both bounds") {
    Generator gen(6);
    REQUIRE_THROWS_AS(gen.randint(5, 5), fastblock::value_error);
    REQUIRE_THROWS_WITH(gen.randint(5, 5), Contains("lo=5") && Contains("hi=5"));
    REQUIRE_THROWS_WITH(gen.randint(3, -2), Contains("lo=3") && Contains("hi=-2"));
  }
}

TEST_CASE("bernoulli(p) fires with probability p", "[random]") {
  Generator gen(12);
  int hits = 0;
  for (int i = 0; i < 100000; ++i) hits += gen.bernoulli(0.3) ? 1 : 0;
  CHECK(hits / 100000.0 == Approx(0.3).margin(0.01));
  for (int i = 0; i < 1000; ++i) {
    REQUIRE_FALSE(gen.bernoulli(0.0));
    REQUIRE(gen.bernoulli(1.0));
  }
  REQUIRE_THROWS_WITH(gen.bernoulli(1.5), Contains("p=1.5"));
  REQUIRE_THROWS_AS(gen.bernoulli(-0.1), fastblock::value_error);
  REQUIRE_THROWS_AS(gen.bernoulli(std::nan("")), fastblock::value_error);
}

TEST_CASE("shuffle and permutation produce uniform permutations", "[random]") {
  SECTION("permutation(n) is a permutation of 0..n-1") {
    Generator gen(21);
    for (const std::int64_t n : {0, 1, 2, 17, 1000}) {
      std::vector<std::int64_t> p = gen.permutation(n);
      REQUIRE(p.size() == static_cast<std::size_t>(n));
      std::sort(p.begin(), p.end());
      for (std::int64_t i = 0; i < n; ++i) REQUIRE(p[static_cast<std::size_t>(i)] == i);
    }
    REQUIRE_THROWS_WITH(gen.permutation(-3), Contains("n=-3"));
  }
  SECTION("all 6 orders of 3 items are about equally likely") {
    Generator gen(22);
    std::array<int, 6> counts{};
    const int n = 60000;
    for (int i = 0; i < n; ++i) {
      const auto p = gen.permutation(3);
      ++counts[static_cast<std::size_t>(p[0] * 2 + (p[1] > p[2] ? 1 : 0))];
    }
    for (const int c : counts) CHECK(c / static_cast<double>(n) == Approx(1.0 / 6.0).margin(0.01));
  }
  SECTION("shuffle through a span or a container is reproducible") {
    std::vector<int> a(100), b(100);
    std::iota(a.begin(), a.end(), 0);
    std::iota(b.begin(), b.end(), 0);
    Generator ga(23), gb(23);
    ga.shuffle(std::span<int>(a));
    gb.shuffle(b);  // container overload forwards to the span one
    CHECK(a == b);
    CHECK(std::is_sorted(a.begin(), a.end()) == false);
    std::vector<int> sorted = a;
    std::sort(sorted.begin(), sorted.end());
    for (int i = 0; i < 100; ++i) REQUIRE(sorted[static_cast<std::size_t>(i)] == i);

    std::array<double, 3> arr{1.0, 2.0, 3.0};
    ga.shuffle(arr);
    std::vector<int> empty;
    ga.shuffle(empty);
    CHECK(empty.empty());
  }
}

TEST_CASE("derive and fork give reproducible, independent streams", "[random]") {
  SECTION("reproducible and consistent with each other") {
    Generator a = Generator::derive(7, {3, 9});
    Generator b = Generator::derive(7, {3, 9});
    CHECK(draw_u64(a, 16) == draw_u64(b, 16));

    Generator via_fork = Generator(7).fork(3).fork(9);
    Generator via_derive = Generator::derive(7, {3, 9});
    CHECK(via_fork.seed() == via_derive.seed());
    CHECK(draw_u64(via_fork, 8) == draw_u64(via_derive, 8));

    Generator plain(7), no_keys = Generator::derive(7, {});
    CHECK(draw_u64(plain, 8) == draw_u64(no_keys, 8));
  }
  SECTION("fork does not depend on how much the parent has drawn") {
    Generator parent(100);
    Generator before = parent.fork(5);
    for (int i = 0; i < 10; ++i) (void)parent.next_u64();
    Generator after = parent.fork(5);
    CHECK(draw_u64(before, 8) == draw_u64(after, 8));
  }
  SECTION("different key lists give different streams") {
    const std::vector<Generator> streams = {
        Generator::derive(1, {}),     Generator::derive(1, {0}),      Generator::derive(1, {1}),
        Generator::derive(1, {0, 0}), Generator::derive(1, {0, 1}),   Generator::derive(1, {1, 0}),
        Generator::derive(2, {0, 1}), Generator::derive(1, {0, 0, 0})};
    std::set<std::uint64_t> seeds, firsts;
    for (Generator g : streams) {
      seeds.insert(g.seed());
      firsts.insert(g.next_u64());
    }
    CHECK(seeds.size() == streams.size());
    CHECK(firsts.size() == streams.size());
  }
  SECTION("neighbouring streams are uncorrelated") {
    // The DataLoader pattern: item i of epoch e uses derive(seed, {e, i}).
    for (std::uint64_t i = 0; i < 8; ++i) {
      const auto a = draw_uniform(Generator::derive(0, {0, i}), 5000);
      const auto b = draw_uniform(Generator::derive(0, {0, i + 1}), 5000);
      const auto c = draw_uniform(Generator::derive(0, {1, i}), 5000);
      CHECK(std::abs(correlation(a, b)) < 0.06);  // ~4 standard errors at n = 5000
      CHECK(std::abs(correlation(a, c)) < 0.06);
    }
    // The first draw across many sequential keys must itself look uniform.
    std::vector<double> firsts;
    std::set<std::uint64_t> distinct;
    for (std::uint64_t i = 0; i < 20000; ++i) {
      Generator g = Generator::derive(0, {0, i});
      distinct.insert(g.seed());
      firsts.push_back(g.uniform());
    }
    CHECK(distinct.size() == 20000);
    CHECK(mean_of(firsts) == Approx(0.5).margin(0.01));
  }
}

TEST_CASE("set_seed resets default_generator", "[random]") {
  fastblock::set_seed(42);
  CHECK(fastblock::default_generator().seed() == 42);
  const std::uint64_t first = fastblock::default_generator().next_u64();
  const std::uint64_t second = fastblock::default_generator().next_u64();
  CHECK(first == Generator(42).next_u64());
  fastblock::set_seed(42);
  CHECK(fastblock::default_generator().next_u64() == first);
  CHECK(fastblock::default_generator().next_u64() == second);
  CHECK(&fastblock::default_generator() == &fastblock::default_generator());
  fastblock::set_seed(Generator::default_seed);
  CHECK(fastblock::default_generator().next_u64() == Generator().next_u64());
  fastblock::set_seed(Generator::default_seed);
}

TEST_CASE("Generator::state and set_state continue a stream, a pending normal included",
          "[random]") {
  Generator g(17);
  (void)g.normal();  // leaves the pair's second deviate pending
  Generator h;
  h.set_state(g.state());
  CHECK(h.seed() == 17);
  CHECK(h.normal() == g.normal());
  for (int i = 0; i < 100; ++i) CHECK(h.next_u64() == g.next_u64());
  for (const char* bad : {"", "1 2 3", "1 1 1 1 1 0 0 ", "1 1 1 1 1 0 2", "0 0 0 0 0 0 0",
                          "1 1 1 1 1 0 0 1", "1 g 1 1 1 0 0", "1  1 1 1 1 0 0"}) {
    INFO("'" << bad << "'");
    CHECK_THROWS_AS(h.set_state(bad), fastblock::value_error);
  }
  CHECK(h.next_u64() == g.next_u64());  // a refused state changes nothing
}
