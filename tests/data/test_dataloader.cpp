// Tests for fastblock/data/dataloader.hpp: the seed's DataLoader snippets, batch counts and
// drop_last, epochs and reproducibility (identical batches for every worker count), the
// per-item generator hook, errors reaching the consumer with the item index, and early exits
// that neither hang nor leak.
#include <fastblock/data/dataloader.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <ranges>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <fastblock/core/error.hpp>
#include <fastblock/core/random.hpp>
#include <fastblock/data/dataset.hpp>
#include <fastblock/tensor/factory.hpp>
#include <fastblock/tensor/ops.hpp>
#include <fastblock/tensor/print.hpp>

#include "catch.hpp"

namespace loader_test {

/// An item that counts how many of its kind are alive, to prove a loader frees what it loads.
struct Tracked {
  explicit Tracked(std::shared_ptr<std::atomic<int>> counter, std::int64_t v)
      : live(std::move(counter)), value(v) {
    ++*live;
  }
  Tracked(const Tracked& o) : live(o.live), value(o.value) { ++*live; }
  Tracked& operator=(const Tracked&) = delete;
  ~Tracked() { --*live; }
  std::shared_ptr<std::atomic<int>> live;
  std::int64_t value;
};

}  // namespace loader_test

/// Tracked items collate into the int64 tensor of their values.
template <>
struct fastblock::Collate<loader_test::Tracked> {
  static fastblock::Tensor collate(fastblock::BatchView<loader_test::Tracked> items) {
    std::vector<std::int64_t> v;
    for (const auto& t : items) v.push_back(t.value);
    return fastblock::from_vector(v);
  }
};

namespace {

using Catch::Matchers::Contains;
using namespace fastblock;
using namespace std::chrono_literals;
using loader_test::Tracked;

/// Items whose values come from their own generator (the random-access hook): a float tensor
/// of 3 uniform draws plus an int64 label, like a randomly augmented image and its class.
struct NoisyDataset {
  std::size_t n = 100;
  [[nodiscard]] std::size_t size() const { return n; }
  [[nodiscard]] std::pair<Tensor, std::int64_t> operator[](std::size_t i) const {
    Generator rng(0);
    return get(i, rng);
  }
  [[nodiscard]] std::pair<Tensor, std::int64_t> get(std::size_t i, Generator& rng) const {
    Tensor t(Shape{3});
    for (float& v : t.span<float>()) v = static_cast<float>(rng.uniform());
    return {t, static_cast<std::int64_t>(i % 7)};
  }
};

/// Items that count themselves, optionally load slowly, and fail at chosen indices.
struct TrackedDataset {
  std::size_t n = 64;
  std::shared_ptr<std::atomic<int>> live = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<int>> loads = std::make_shared<std::atomic<int>>(0);
  std::chrono::microseconds delay{0};
  std::vector<std::size_t> failing{};
  bool fastblock_error = false;

  [[nodiscard]] std::size_t size() const { return n; }
  [[nodiscard]] Tracked operator[](std::size_t i) const {
    ++*loads;
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    if (std::find(failing.begin(), failing.end(), i) != failing.end()) {
      if (fastblock_error) throw data_error("bad row " + std::to_string(i));
      throw std::runtime_error("boom " + std::to_string(i));
    }
    return Tracked(live, static_cast<std::int64_t>(i));
  }
};

/// Whole-batch equality for (Tensor, Tensor) and (Tensor, vector<string>) batches.
template <class... Ts>
bool same_batch(const std::tuple<Ts...>& a, const std::tuple<Ts...>& b) {
  const auto same = []<class T>(const T& x, const T& y) {
    if constexpr (std::same_as<T, Tensor>) {
      return equal(x, y);
    } else {
      return x == y;
    }
  };
  return std::apply(
      [&](const auto&... xs) {
        return std::apply([&](const auto&... ys) { return (same(xs, ys) && ...); }, b);
      },
      a);
}

template <class D>
auto all_batches(DataLoader<D>& dl) {
  std::vector<typename DataLoader<D>::batch_type> out;
  for (auto& batch : dl) out.push_back(std::move(batch));
  return out;
}

TEST_CASE("seed: first(DataLoader(a, batch_size=8, shuffle=True))", "[data][seed]") {
  const auto a = enumerate(ascii_lowercase);
  auto dl_a = DataLoader(a, {.bs = 8, .shuffle = true});
  // The book prints (tensor([ 6, 11, 13,  0,  8, 22, 10,  3]), ('g', 'l', 'n', ...)); fastblock
  // draws from its own generator, so the letters differ but the shape of the answer does not.
  const std::tuple<Tensor, std::vector<std::string>> b = first(dl_a);
  const auto& [x, y] = b;
  CAPTURE(repr(x));
  REQUIRE(x.shape() == Shape{8});
  REQUIRE(x.dtype() == int64);
  REQUIRE(y.size() == 8);
  std::set<std::int64_t> distinct;
  for (std::int64_t k = 0; k < 8; ++k) {
    const auto i = x[k].item<std::int64_t>();
    distinct.insert(i);
    CHECK(y[static_cast<std::size_t>(k)] == std::string(1, static_cast<char>('a' + i)));
  }
  CHECK(distinct.size() == 8);
  CHECK(!equal(x, arange(8)));  // shuffled

  // The seed's zip(b[0], b[1]): [(tensor(6), 'g'), (tensor(11), 'l'), ...].
  std::vector<std::pair<Tensor, std::string>> zipped;
  for (std::size_t k = 0; k < y.size(); ++k)
    zipped.emplace_back(x[static_cast<std::int64_t>(k)], y[k]);
  for (const auto& [t, letter] : zipped) {
    CHECK(t.dim() == 0);
    CHECK(repr(t) == "tensor(" + std::to_string(letter[0] - 'a') + ")");
  }

  // The one-line form of the seed gives the same batch: it depends on (data, options, epoch) only.
  auto dl = DataLoader(enumerate(ascii_lowercase), {.bs = 8, .shuffle = true});
  CHECK(same_batch(first(dl), b));

  // first() peeks: it does not start an epoch, so training batches are unaffected.
  CHECK(dl_a.epoch() == 0);
  CHECK(same_batch(first(dl_a), b));
  CHECK(same_batch(*dl_a.begin(), b));
  CHECK(dl_a.epoch() == 1);
}

TEST_CASE("DataLoader: len, drop_last and the last partial batch", "[data][dataloader]") {
  const auto a = enumerate(ascii_lowercase);
  auto dl = DataLoader(a, {.bs = 8, .num_workers = 0});
  CHECK(len(dl) == 4);
  CHECK(dl.bs() == 8);
  CHECK(dl.n() == 26);
  std::vector<std::int64_t> sizes, order;
  for (const auto& [x, y] : dl) {
    sizes.push_back(x.numel());
    for (std::int64_t k = 0; k < x.numel(); ++k) order.push_back(x[k].item<std::int64_t>());
  }
  CHECK(sizes == std::vector<std::int64_t>{8, 8, 8, 2});
  std::vector<std::int64_t> expected(26);
  for (std::int64_t i = 0; i < 26; ++i) expected[static_cast<std::size_t>(i)] = i;
  CHECK(order == expected);  // no shuffle: dataset order

  auto dropping = DataLoader(a, {.bs = 8, .shuffle = true, .drop_last = true});
  CHECK(len(dropping) == 3);
  std::size_t n_batches = 0;
  for (const auto& [x, y] : dropping) {
    CHECK(x.numel() == 8);
    ++n_batches;
  }
  CHECK(n_batches == 3);

  CHECK(len(DataLoader(a, {.bs = 26})) == 1);
  CHECK(len(DataLoader(a, {.bs = 100})) == 1);
  auto empty = DataLoader(a, {.bs = 100, .drop_last = true});
  CHECK(len(empty) == 0);
  CHECK(empty.begin() == empty.end());
  CHECK_THROWS_AS(first(empty), index_error);
  CHECK_THROWS_WITH(empty.one_batch(), Contains("no batch (26 items, bs 100, drop_last)"));
}

TEST_CASE("DataLoader: options are validated", "[data][dataloader]") {
  const auto a = enumerate(ascii_lowercase);
  CHECK_THROWS_AS(DataLoader(a, {.bs = 0}), value_error);
  CHECK_THROWS_WITH(DataLoader(a, {.bs = -3}), Contains("bs must be >= 1, got -3"));
  CHECK_THROWS_WITH(DataLoader(a, {.num_workers = -2}), Contains("num_workers must be >= 0"));
  CHECK_THROWS_WITH(DataLoader(a, {.prefetch = 0}), Contains("prefetch must be >= 1, got 0"));
}

TEST_CASE("DataLoader: epochs, seeds and reproducibility", "[data][dataloader]") {
  const auto a = enumerate(ascii_lowercase);
  auto dl = DataLoader(a, {.bs = 26, .shuffle = true, .seed = 42});
  const auto epoch0 = all_batches(dl);
  const auto epoch1 = all_batches(dl);
  CHECK(dl.epoch() == 2);
  CHECK(!same_batch(epoch0[0], epoch1[0]));  // a new order every epoch
  // Every epoch is a permutation of the items.
  for (const auto* epoch : {&epoch0, &epoch1}) {
    const auto& [x, y] = (*epoch)[0];
    std::set<std::string> letters(y.begin(), y.end());
    CHECK(letters.size() == 26);
    CHECK(sum(x).item<std::int64_t>() == 325);
  }

  dl.set_epoch(0);
  CHECK(same_batch(all_batches(dl)[0], epoch0[0]));  // replaying an epoch replays its batches

  auto same_seed = DataLoader(a, {.bs = 26, .shuffle = true, .seed = 42});
  CHECK(same_batch(first(same_seed), epoch0[0]));
  auto other_seed = DataLoader(a, {.bs = 26, .shuffle = true, .seed = 43});
  CHECK(!same_batch(first(other_seed), epoch0[0]));

  // A copy has the same dataset, options and epoch, and is then independent.
  auto copy = dl;
  CHECK(&copy.dataset() == &dl.dataset());
  CHECK(same_batch(first(copy), first(dl)));
}

TEST_CASE("DataLoader: batches do not depend on the number of workers", "[data][dataloader]") {
  const NoisyDataset ds{.n = 203};
  std::vector<std::vector<std::tuple<Tensor, Tensor>>> runs;
  for (const int workers : {0, 1, 4, DataLoaderOptions::default_num_workers}) {
    auto dl = DataLoader(
        ds, {.bs = 16, .shuffle = true, .seed = 7, .num_workers = workers, .prefetch = 3});
    std::vector<std::tuple<Tensor, Tensor>> batches;
    for (int epoch = 0; epoch < 3; ++epoch)
      for (auto& batch : dl) batches.push_back(std::move(batch));
    runs.push_back(std::move(batches));
  }
  REQUIRE(runs[0].size() == 3 * 13);
  for (std::size_t r = 1; r < runs.size(); ++r) {
    REQUIRE(runs[r].size() == runs[0].size());
    for (std::size_t b = 0; b < runs[0].size(); ++b) {
      CAPTURE(r, b);
      CHECK(same_batch(runs[r][b], runs[0][b]));
    }
  }
}

TEST_CASE("DataLoader: the item generator is derive(seed, {epoch, index})", "[data][dataloader]") {
  const NoisyDataset ds{.n = 10};
  auto dl = DataLoader(ds, {.bs = 10, .seed = 3, .num_workers = 2});
  dl.set_epoch(5);
  const auto [x, y] = first(dl);
  REQUIRE(x.shape() == Shape{10, 3});
  for (std::uint64_t i = 0; i < 10; ++i) {
    Generator expect = Generator::derive(3, {5, i});
    CHECK(x.at<float>({static_cast<std::int64_t>(i), 0}) == static_cast<float>(expect.uniform()));
  }
  CHECK(equal(y, tensor({0, 1, 2, 3, 4, 5, 6, 0, 1, 2})));
}

TEST_CASE("DataLoader: an item's exception reaches the consumer with its index",
          "[data][dataloader]") {
  for (const int workers : {0, 1, 4, DataLoaderOptions::default_num_workers}) {
    CAPTURE(workers);
    TrackedDataset ds{.n = 40};
    ds.failing = {19, 17};  // both in batch 2; 17 comes first in it
    auto dl = DataLoader(ds, {.bs = 8, .num_workers = workers});
    std::size_t batches_before = 0;
    try {
      for (const auto& batch : dl) {
        (void)batch;
        ++batches_before;
      }
      FAIL("no exception");
    } catch (const error& e) {
      CHECK(std::string(e.what()) == "fastblock::DataLoader: item 17 failed: boom 17");
      try {
        std::rethrow_if_nested(e);
        FAIL("the original exception is not nested");
      } catch (const std::runtime_error& original) {
        CHECK(std::string(original.what()) == "boom 17");
      }
    }
    CHECK(batches_before == 2);
    CHECK(*ds.live == 0);
  }
}

TEST_CASE("DataLoader: fastblock errors keep their type", "[data][dataloader]") {
  TrackedDataset ds{.n = 10};
  ds.failing = {2};
  ds.fastblock_error = true;
  auto dl = DataLoader(ds, {.bs = 4, .num_workers = 2});
  CHECK_THROWS_AS(first(dl), data_error);
  CHECK_THROWS_WITH(first(dl), "fastblock::DataLoader: item 2 failed: bad row 2");

  // Collation errors name the batch and keep the collate message (and type).
  const std::vector<Tensor> ragged{zeros({2}), zeros({2}), zeros({2}), zeros({3})};
  auto bad = DataLoader(ragged, {.bs = 2, .num_workers = 0});
  auto it = bad.begin();
  CHECK_THROWS_AS(++it, shape_error);
  auto again = bad.begin();
  try {
    ++again;
    FAIL("no exception");
  } catch (const shape_error& e) {
    CHECK_THAT(e.what(), Contains("fastblock::DataLoader: batch 1 failed to collate: "
                                  "fastblock::collate: item 1 has shape [3] but item 0 has "
                                  "shape [2]"));
  }
}

TEST_CASE("DataLoader: breaking out of an epoch neither hangs nor leaks", "[data][dataloader]") {
  for (const int workers : {0, 3, DataLoaderOptions::default_num_workers}) {
    CAPTURE(workers);
    TrackedDataset ds{.n = 2000, .delay = 200us};
    const auto start = std::chrono::steady_clock::now();
    {
      auto dl = DataLoader(ds, {.bs = 8, .shuffle = true, .num_workers = workers, .prefetch = 4});
      int seen = 0;
      for (const auto& batch : dl) {
        CHECK(batch.numel() == 8);
        if (++seen == 2) break;
      }
      // The loop's iterator is gone: nothing is loading any more.
      const int loads = *ds.loads;
      std::this_thread::sleep_for(20ms);
      CHECK(*ds.loads == loads);
      CHECK(*ds.live == 0);
      // At most the batches in flight were loaded, not the 250 of the epoch.
      CHECK(loads <= 8 * (2 + 4));
    }
    CHECK(*ds.live == 0);
    CHECK(std::chrono::steady_clock::now() - start < 10s);
  }
}

TEST_CASE("DataLoader: an exception in the loop body abandons the epoch cleanly",
          "[data][dataloader]") {
  TrackedDataset ds{.n = 400, .delay = 100us};
  auto dl = DataLoader(ds, {.bs = 4, .num_workers = 2, .prefetch = 8});
  const auto consume = [&] {
    for (const auto& batch : dl)
      if (batch.numel() == 4) throw std::logic_error("stop");
  };
  CHECK_THROWS_AS(consume(), std::logic_error);
  CHECK(*ds.live == 0);
  // The loader is still usable: the next loop is the next epoch.
  CHECK(dl.epoch() == 1);
  CHECK(len(all_batches(dl)) == 100);
  CHECK(*ds.live == 0);
}

TEST_CASE("DataLoader: an iterator outlives its loader", "[data][dataloader]") {
  TrackedDataset ds{.n = 32};
  std::optional<DataLoader<TrackedDataset>> dl(std::in_place, ds,
                                               DataLoaderOptions{.bs = 8, .num_workers = 2});
  auto it = dl->begin();
  dl.reset();  // the epoch keeps its share of the dataset and the worker pool
  std::int64_t total = 0;
  for (; it != std::default_sentinel; ++it) total += sum(*it).item<std::int64_t>();
  CHECK(total == 31 * 32 / 2);
  it = {};
  CHECK(*ds.live == 0);
}

TEST_CASE("DataLoader is an input range", "[data][dataloader]") {
  using DL = DataLoader<std::vector<std::pair<std::int64_t, std::string>>>;
  STATIC_REQUIRE(std::ranges::input_range<DL>);
  STATIC_REQUIRE(
      std::same_as<std::ranges::range_value_t<DL>, std::tuple<Tensor, std::vector<std::string>>>);
  auto dl = DL(enumerate(ascii_lowercase), {.bs = 5});
  CHECK(std::ranges::distance(dl) == 6);
}

}  // namespace

TEST_CASE("DataLoader: after_batch transforms every batch, reproducibly", "[data][dataloader]") {
  namespace fb = fastblock;
  std::vector<std::int64_t> items(10);
  for (std::size_t i = 0; i < items.size(); ++i) items[i] = static_cast<std::int64_t>(i);
  // Adds a random offset drawn from the batch's generator; returns another type (a pair).
  const auto after = [](fb::Tensor&& b, fb::Generator& rng) {
    const std::int64_t offset = rng.randint(0, 1000);
    return std::pair<fb::Tensor, std::int64_t>(b + offset, offset);
  };
  const auto run = [&](int workers) {
    auto dl =
        fb::DataLoader(items, {.bs = 4, .shuffle = true, .seed = 3, .num_workers = workers}, after);
    static_assert(std::is_same_v<decltype(dl)::batch_type, std::pair<fb::Tensor, std::int64_t>>);
    std::vector<std::int64_t> seen;
    for (const auto& [b, offset] : dl)
      for (const std::int64_t v : b.contiguous().span<std::int64_t>()) seen.push_back(v - offset);
    std::vector<std::int64_t> offsets;
    for (const auto& [b, offset] : dl) offsets.push_back(offset);
    return std::pair(seen, offsets);
  };
  const auto [seen, offsets] = run(0);
  CHECK(seen.size() == 10);
  std::vector<std::int64_t> sorted = seen;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == items);
  CHECK(offsets.size() == 3);
  CHECK(run(2) == run(0));
  CHECK(run(-1) == run(0));
}
