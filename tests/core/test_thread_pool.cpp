// Tests for fastblock/core/thread_pool.hpp: futures and exceptions, exact coverage by
// parallel_for, deadlock-free nesting, clean shutdown and FASTBLOCK_NUM_THREADS parsing.
#include <fastblock/core/thread_pool.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fastblock/core/error.hpp>
#include <fastblock/core/random.hpp>

#include "catch.hpp"
#include "test_support.hpp"

namespace {

using Catch::Matchers::Contains;  // Catch2 3: Catch::Matchers::ContainsSubstring
using fastblock::ThreadPool;
using namespace std::chrono_literals;

/// Sets (or with nullopt, removes) an environment variable for one scope, restoring it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    set(value);
  }
  ~ScopedEnv() { set(old_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  void set(const std::optional<std::string>& value) {
#ifdef _WIN32
    _putenv_s(name_, value ? value->c_str() : "");
#else
    if (value) {
      ::setenv(name_, value->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
#endif
  }
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("ThreadPool construction", "[thread_pool]") {
  REQUIRE_THROWS_AS(ThreadPool(0), fastblock::value_error);
  REQUIRE_THROWS_WITH(ThreadPool(0), Contains("n_threads") && Contains("0"));
  for (const std::size_t n : {1u, 2u, 5u}) {
    ThreadPool pool(n);
    CHECK(pool.size() == n);
    CHECK_FALSE(pool.in_worker());
  }
}

TEST_CASE("submit returns values through futures", "[thread_pool]") {
  ThreadPool pool(3);
  auto answer = pool.submit([] { return 42; });
  auto text = pool.submit([] { return std::string("fastblock"); });
  std::atomic<int> side_effect{0};
  auto nothing = pool.submit([&] { side_effect = 7; });
  // Move-only callables are accepted: the queue does not need copyable tasks.
  auto owned = pool.submit([p = std::make_unique<int>(5)] { return *p * 2; });
  CHECK(answer.get() == 42);
  CHECK(text.get() == "fastblock");
  nothing.get();
  CHECK(side_effect == 7);
  CHECK(owned.get() == 10);

  std::vector<std::future<std::int64_t>> futures;
  for (std::int64_t i = 0; i < 1000; ++i) futures.push_back(pool.submit([i] { return i * i; }));
  std::int64_t sum = 0;
  for (auto& f : futures) sum += f.get();
  CHECK(sum == 332833500);  // sum of squares 0..999
}

TEST_CASE("exceptions thrown by tasks reach future::get", "[thread_pool]") {
  ThreadPool pool(2);
  auto failing = pool.submit([]() -> int { throw std::runtime_error("task failed: bad input"); });
  REQUIRE_THROWS_AS(failing.get(), std::runtime_error);
  auto failing2 = pool.submit([] { throw fastblock::value_error("custom"); });
  REQUIRE_THROWS_WITH(failing2.get(), "custom");
  // The workers survive and keep serving.
  CHECK(pool.submit([] { return 1; }).get() == 1);
}

TEST_CASE("in_worker tells this pool's workers apart", "[thread_pool]") {
  ThreadPool a(2), b(2);
  CHECK_FALSE(a.in_worker());
  CHECK(a.submit([&] { return a.in_worker(); }).get());
  CHECK_FALSE(a.submit([&] { return b.in_worker(); }).get());
}

TEST_CASE("parallel_for covers every index exactly once", "[thread_pool]") {
  for (const std::size_t threads : {1u, 2u, 4u}) {
    ThreadPool pool(threads);
    for (const std::int64_t begin : {-7, 0, 5}) {
      for (const std::int64_t length : {0, 1, 2, 3, 7, 10, 63, 64, 65, 1000, 4097}) {
        for (const std::int64_t grain : {1, 2, 3, 7, 64, 1000, 5000}) {
          CAPTURE(threads, begin, length, grain);
          const std::int64_t end = begin + length;
          std::vector<std::atomic<int>> hits(static_cast<std::size_t>(length));
          std::atomic<int> chunks{0};
          std::atomic<bool> bad_chunk{false};
          pool.parallel_for(begin, end, grain, [&](std::int64_t lo, std::int64_t hi) {
            ++chunks;
            // Chunks lie inside the range, are non-empty and hold >= grain indices when split.
            if (lo < begin || hi > end || lo >= hi || (hi - lo < std::min(grain, length))) {
              bad_chunk = true;
            }
            for (std::int64_t i = lo; i < hi; ++i) ++hits[static_cast<std::size_t>(i - begin)];
          });
          REQUIRE_FALSE(bad_chunk);
          REQUIRE(std::all_of(hits.begin(), hits.end(), [](const auto& h) { return h == 1; }));
          if (length == 0) REQUIRE(chunks == 0);
          if (length > 0 && length < 2 * grain) REQUIRE(chunks == 1);
        }
      }
    }
  }
}

TEST_CASE("parallel_for edge cases", "[thread_pool]") {
  ThreadPool pool(2);
  SECTION("reversed range is a no-op") {
    bool called = false;
    pool.parallel_for(10, 3, 1, [&](std::int64_t, std::int64_t) { called = true; });
    CHECK_FALSE(called);
  }
  SECTION("grain below 1 is rejected") {
    auto noop = [](std::int64_t, std::int64_t) {};
    REQUIRE_THROWS_AS(pool.parallel_for(0, 10, 0, noop), fastblock::value_error);
    REQUIRE_THROWS_WITH(pool.parallel_for(0, 10, -4, noop), Contains("grain") && Contains("-4"));
  }
  SECTION("ranges wider than INT64_MAX are split without overflow") {
    constexpr auto lo = std::numeric_limits<std::int64_t>::min();
    constexpr auto hi = std::numeric_limits<std::int64_t>::max();
    std::mutex mutex;
    std::vector<std::pair<std::int64_t, std::int64_t>> chunks;
    pool.parallel_for(lo, hi, std::int64_t{1} << 60, [&](std::int64_t a, std::int64_t b) {
      const std::lock_guard lock(mutex);
      chunks.emplace_back(a, b);
    });
    std::sort(chunks.begin(), chunks.end());
    REQUIRE(chunks.size() > 1);
    CHECK(chunks.front().first == lo);
    CHECK(chunks.back().second == hi);
    for (std::size_t i = 1; i < chunks.size(); ++i) CHECK(chunks[i].first == chunks[i - 1].second);
  }
  SECTION("the calling thread takes part") {
    const auto caller = std::this_thread::get_id();
    std::atomic<bool> caller_ran{false};
    // The workers are kept busy, so every chunk must be run by the caller.
    std::promise<void> release;
    std::shared_future<void> gate = release.get_future().share();
    auto busy1 = pool.submit([gate] { gate.wait(); });
    auto busy2 = pool.submit([gate] { gate.wait(); });
    pool.parallel_for(0, 100, 1, [&](std::int64_t, std::int64_t) {
      if (std::this_thread::get_id() == caller) caller_ran = true;
    });
    CHECK(caller_ran);
    release.set_value();
    busy1.get();
    busy2.get();
  }
}

TEST_CASE("parallel_for rethrows the first exception", "[thread_pool]") {
  ThreadPool pool(3);
  std::atomic<int> completed{0};
  auto body = [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t i = lo; i < hi; ++i) {
      if (i == 500) throw std::runtime_error("chunk failed at index 500");
    }
    ++completed;
  };
  REQUIRE_THROWS_WITH(pool.parallel_for(0, 1000, 10, body), "chunk failed at index 500");
  // Inline path (too small to split) propagates directly.
  REQUIRE_THROWS_WITH(pool.parallel_for(495, 505, 10, body), "chunk failed at index 500");
  // The pool is still usable afterwards.
  std::atomic<std::int64_t> sum{0};
  pool.parallel_for(0, 1000, 10, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t i = lo; i < hi; ++i) sum += i;
  });
  CHECK(sum == 499500);
}

TEST_CASE("nested parallelism does not deadlock", "[thread_pool]") {
  ThreadPool pool(2);
  SECTION("parallel_for inside submitted tasks runs inline") {
    std::vector<std::future<std::int64_t>> futures;
    for (int t = 0; t < 8; ++t) {  // more tasks than workers, all nesting at once
      futures.push_back(pool.submit([&pool] {
        std::atomic<std::int64_t> sum{0};
        pool.parallel_for(0, 1000, 1, [&](std::int64_t lo, std::int64_t hi) {
          for (std::int64_t i = lo; i < hi; ++i) sum += i;
        });
        return sum.load();
      }));
    }
    for (auto& f : futures) {
      REQUIRE(f.wait_for(30s) == std::future_status::ready);
      CHECK(f.get() == 499500);
    }
  }
  SECTION("parallel_for inside parallel_for covers the product exactly once") {
    constexpr std::int64_t rows = 37, cols = 53;
    std::vector<std::atomic<int>> hits(rows * cols);
    pool.parallel_for(0, rows, 1, [&](std::int64_t r0, std::int64_t r1) {
      for (std::int64_t r = r0; r < r1; ++r) {
        pool.parallel_for(0, cols, 4, [&](std::int64_t c0, std::int64_t c1) {
          for (std::int64_t c = c0; c < c1; ++c) ++hits[static_cast<std::size_t>(r * cols + c)];
        });
      }
    });
    CHECK(std::all_of(hits.begin(), hits.end(), [](const auto& h) { return h == 1; }));
  }
}

TEST_CASE("several threads may use one pool at once", "[thread_pool]") {
  ThreadPool pool(3);
  std::vector<std::int64_t> sums(4, 0);
  {
    std::vector<std::jthread> users;
    for (std::size_t u = 0; u < sums.size(); ++u) {
      users.emplace_back([&pool, &sums, u] {
        for (int rep = 0; rep < 50; ++rep) {
          std::atomic<std::int64_t> sum{0};
          pool.parallel_for(0, 2000, 16, [&](std::int64_t lo, std::int64_t hi) {
            std::int64_t local = 0;
            for (std::int64_t i = lo; i < hi; ++i) local += i;
            sum += local;
          });
          sums[u] += sum.load();
          sums[u] += pool.submit([] { return std::int64_t{1}; }).get();
        }
      });
    }
  }
  for (const std::int64_t s : sums) CHECK(s == 50 * (1999000 + 1));
}

TEST_CASE("parallel_for with derived generators is independent of thread count", "[thread_pool]") {
  auto fill = [](std::size_t threads) {
    ThreadPool pool(threads);
    std::vector<double> out(5000);
    pool.parallel_for(0, 5000, 7, [&](std::int64_t lo, std::int64_t hi) {
      for (std::int64_t i = lo; i < hi; ++i) {
        auto gen = fastblock::Generator::derive(1234, {0, static_cast<std::uint64_t>(i)});
        out[static_cast<std::size_t>(i)] = gen.normal();
      }
    });
    return out;
  };
  CHECK(fill(1) == fill(4));
}

TEST_CASE("the destructor finishes queued work", "[thread_pool]") {
  std::atomic<int> done{0};
  {
    ThreadPool pool(1);
    // The only worker is busy for a while, so the next 100 tasks are still queued at destruction.
    pool.submit([] { std::this_thread::sleep_for(50ms); });
    for (int i = 0; i < 100; ++i) pool.submit([&done] { ++done; });
    // A task queued from inside a task during shutdown still runs.
    pool.submit([&pool, &done] { pool.submit([&done] { done += 1000; }); });
  }
  CHECK(done == 1100);
}

TEST_CASE("FASTBLOCK_NUM_THREADS parsing", "[thread_pool]") {
  using fastblock::detail::parse_num_threads;
  CHECK(parse_num_threads("1") == 1);
  CHECK(parse_num_threads("4") == 4);
  CHECK(parse_num_threads(" 16\n") == 16);
  CHECK(parse_num_threads("007") == 7);
  for (const char* bad :
       {"", "  ", "0", "-1", "+3", "abc", "4x", "1.5", "2 3", "99999999999999999999999999"}) {
    CAPTURE(bad);
    REQUIRE_THROWS_AS(parse_num_threads(bad), fastblock::value_error);
    REQUIRE_THROWS_WITH(parse_num_threads(bad), Contains("FASTBLOCK_NUM_THREADS") &&
                                                    Contains("\"" + std::string(bad) + "\""));
  }
}

TEST_CASE("default_num_threads reads the environment", "[thread_pool]") {
  {
    const ScopedEnv env("FASTBLOCK_NUM_THREADS", "3");
    CHECK(fastblock::default_num_threads() == 3);
  }
  {
    const ScopedEnv env("FASTBLOCK_NUM_THREADS", "three");
    REQUIRE_THROWS_WITH(fastblock::default_num_threads(),
                        Contains("FASTBLOCK_NUM_THREADS") && Contains("three"));
  }
  const std::size_t hardware = std::max(1u, std::thread::hardware_concurrency());
  {
    const ScopedEnv env("FASTBLOCK_NUM_THREADS", std::nullopt);
    CHECK(fastblock::default_num_threads() == hardware);
  }
  {
    const ScopedEnv env("FASTBLOCK_NUM_THREADS", "");  // empty counts as unset
    CHECK(fastblock::default_num_threads() == hardware);
  }
}

TEST_CASE("default_thread_pool is one shared pool", "[thread_pool]") {
  ThreadPool& pool = fastblock::default_thread_pool();
  CHECK(&pool == &fastblock::default_thread_pool());
  CHECK(pool.size() >= 1);
  CHECK(pool.submit([] { return 3; }).get() == 3);
}

TEST_CASE("set_num_threads sizes the pool before its first use, and says so after",
          "[thread_pool]") {
  CHECK_THROWS_AS(fastblock::set_num_threads(0), fastblock::value_error);
  const std::size_t n = fastblock::default_thread_pool().size();
  fastblock::set_num_threads(n);  // the size it has: nothing to change
  const std::string msg =
      fastblock_test::error_of<fastblock::value_error>([&] { fastblock::set_num_threads(n + 1); });
  CHECK(msg.find("already runs " + std::to_string(n) + " threads") != std::string::npos);
  fastblock::set_num_threads(n);
  CHECK(fastblock::default_thread_pool().size() == n);
}
