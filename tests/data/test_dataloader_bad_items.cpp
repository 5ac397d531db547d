// Tests for DataLoader's OnBadItem (data/dataloader.hpp, "Bad input"): with skip, items whose
// reading throws io_error or data_error are left out of their batches, deterministically for any
// worker count, logged once for the life of the loader and counted per epoch; a batch of bad items
// only is not yielded; other exceptions still stop the loader; by default bad input stops it with
// the item named. The last case runs a DataBlock over real image files, some of them broken.
#include <fastblock/data/dataloader.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <fastblock/core/error.hpp>
#include <fastblock/core/random.hpp>
#include <fastblock/data.hpp>
#include <fastblock/tensor.hpp>
#include <fastblock/vision.hpp>

#include "catch.hpp"
#include "test_support.hpp"
#include "vision/image_test_support.hpp"

namespace {

using Catch::Matchers::Contains;
using namespace fastblock;
using fastblock_test::error_of;
using fastblock_test::TempDir;

/// Items (index, uniform draw from the item's generator) that fail at chosen indices: with
/// data_error, io_error (both bad input) or a plain runtime_error (a bug).
struct FlakyDataset {
  std::size_t n = 50;
  std::set<std::size_t> bad_data{};
  std::set<std::size_t> bad_io{};
  std::set<std::size_t> bugs{};

  [[nodiscard]] std::size_t size() const { return n; }
  [[nodiscard]] std::pair<std::int64_t, double> operator[](std::size_t i) const {
    Generator rng(0);
    return get(i, rng);
  }
  [[nodiscard]] std::pair<std::int64_t, double> get(std::size_t i, Generator& rng) const {
    if (bad_data.contains(i)) throw data_error("bad row " + std::to_string(i) + " in rows.csv");
    if (bad_io.contains(i))
      throw io_error("fastblock::load_image: 'img" + std::to_string(i) + ".jpg': truncated");
    if (bugs.contains(i)) throw std::runtime_error("bug at " + std::to_string(i));
    return {static_cast<std::int64_t>(i), rng.uniform()};
  }
};

using FlakyBatch = std::tuple<Tensor, Tensor>;

/// A batch as (indices, draws), for comparing batches element by element.
std::pair<std::vector<std::int64_t>, std::vector<float>> contents(const FlakyBatch& batch) {
  const auto idx = std::get<0>(batch).span<std::int64_t>();
  const auto draws = std::get<1>(batch).span<float>();
  return {{idx.begin(), idx.end()}, {draws.begin(), draws.end()}};
}

/// One epoch's batches as contents.
template <class DL>
auto epoch_contents(DL& dl) {
  std::vector<std::pair<std::vector<std::int64_t>, std::vector<float>>> out;
  for (const auto& batch : dl) out.push_back(contents(batch));
  return out;
}

/// Sends std::cerr to a string while alive. The loader writes from the consuming thread, so
/// swapping the buffer here is safe even with workers.
class CaptureCerr {
 public:
  CaptureCerr() : old_(std::cerr.rdbuf(out_.rdbuf())) {}
  CaptureCerr(const CaptureCerr&) = delete;
  CaptureCerr& operator=(const CaptureCerr&) = delete;
  ~CaptureCerr() { std::cerr.rdbuf(old_); }
  [[nodiscard]] std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::streambuf* old_;
};

/// Number of times `needle` occurs in `text`.
std::size_t count_of(std::string_view text, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + needle.size()))
    ++n;
  return n;
}

}  // namespace

TEST_CASE("DataLoader: on_bad_item defaults to error and passes through DataLoaders",
          "[data][dataloader][bad]") {
  CHECK(DataLoaderOptions{}.on_bad_item == OnBadItem::error);
  CHECK(DataLoadersOptions{}.on_bad_item == OnBadItem::error);
  const DataLoadersOptions skip{.bs = 64, .on_bad_item = OnBadItem::skip};
  CHECK(detail::loader_options(skip, true).on_bad_item == OnBadItem::skip);
  CHECK(detail::loader_options(skip, false).on_bad_item == OnBadItem::skip);
  CHECK(detail::loader_options({}, true).on_bad_item == OnBadItem::error);
}

TEST_CASE("DataLoader: skip leaves bad items out, the same for every worker count",
          "[data][dataloader][bad]") {
  const std::set<std::size_t> bad_data{3, 9, 10, 33}, bad_io{21, 49};
  const FlakyDataset good{.n = 50};
  const FlakyDataset flaky{.n = 50, .bad_data = bad_data, .bad_io = bad_io};
  const DataLoaderOptions options{
      .bs = 8, .shuffle = true, .drop_last = true, .seed = 7, .on_bad_item = OnBadItem::skip};
  const auto is_bad = [&](std::int64_t i) {
    const auto u = static_cast<std::size_t>(i);
    return bad_data.contains(u) || bad_io.contains(u);
  };

  std::vector<std::vector<std::pair<std::vector<std::int64_t>, std::vector<float>>>> first_run;
  for (const int workers : {0, 2, 3}) {
    CAPTURE(workers);
    auto reference = DataLoader(
        good, {.bs = 8, .shuffle = true, .drop_last = true, .seed = 7, .num_workers = 0});
    auto dl = DataLoader(flaky, [&] {
      DataLoaderOptions o = options;
      o.num_workers = workers;
      return o;
    }());
    CHECK(dl.size() == 6);  // nominal: 50 items, bs 8, drop_last
    CHECK(dl.n() == 50);
    CaptureCerr cerr;
    std::vector<std::vector<std::pair<std::vector<std::int64_t>, std::vector<float>>>> run;
    for (int epoch = 0; epoch < 2; ++epoch) {
      CAPTURE(epoch);
      const auto expected_full = epoch_contents(reference);
      const auto got = epoch_contents(dl);
      run.push_back(got);
      // Batch by batch: the reference batch without its bad items, with the same draws (a
      // skipped item changes no other item's generator).
      std::size_t skipped = 0, b_got = 0;
      std::multiset<std::int64_t> seen;
      for (const auto& [idx, draws] : expected_full) {
        std::vector<std::int64_t> want_idx;
        std::vector<float> want_draws;
        for (std::size_t k = 0; k < idx.size(); ++k) {
          if (is_bad(idx[k])) {
            ++skipped;
          } else {
            want_idx.push_back(idx[k]);
            want_draws.push_back(draws[k]);
          }
        }
        if (want_idx.empty()) continue;
        REQUIRE(b_got < got.size());
        CHECK(got[b_got].first == want_idx);
        CHECK(got[b_got].second == want_draws);
        seen.insert(got[b_got].first.begin(), got[b_got].first.end());
        ++b_got;
      }
      CHECK(b_got == got.size());
      // Every good item of the 48 visited exactly once, no bad one.
      for (const std::int64_t i : seen) {
        CHECK(seen.count(i) == 1);
        CHECK_FALSE(is_bad(i));
      }
      CHECK(seen.size() + skipped == 48);
      CHECK(dl.skipped() == skipped);
      CHECK(skipped > 0);
    }
    // Every bad item met is logged once over both epochs, with its message naming the file.
    const std::string log = cerr.text();
    const std::vector<std::size_t> met = dl.bad_items();
    CHECK(!met.empty());
    for (const std::size_t i : met) {
      CAPTURE(i);
      CHECK(is_bad(static_cast<std::int64_t>(i)));
      CHECK(count_of(log, "fastblock::DataLoader: skipping item " + std::to_string(i) +
                              " (bad input): ") == 1);
    }
    CHECK(count_of(log, "skipping item") == met.size());
    if (std::find(met.begin(), met.end(), 21) != met.end())
      CHECK_THAT(log, Contains("skipping item 21 (bad input): fastblock::load_image: 'img21.jpg': "
                               "truncated\n"));
    CHECK(count_of(log, " items this epoch (bad input, logged above)\n") == 2);
    if (workers == 0) {
      first_run = run;
    } else {
      CHECK(run == first_run);  // bit-identical batches for every worker count
    }
  }
}

TEST_CASE("DataLoader: skip counts per epoch and in total, and reports the count",
          "[data][dataloader][bad]") {
  for (const int workers : {0, 2}) {
    CAPTURE(workers);
    const FlakyDataset flaky{.n = 20, .bad_data = {2, 11}, .bad_io = {19}};
    auto dl = DataLoader(flaky, {.bs = 4, .num_workers = workers, .on_bad_item = OnBadItem::skip});
    CHECK(dl.skipped() == 0);
    CHECK(dl.total_skipped() == 0);
    CaptureCerr cerr;
    std::size_t items = 0;
    for (const auto& batch : dl) items += contents(batch).first.size();
    CHECK(items == 17);
    CHECK(dl.skipped() == 3);
    CHECK(dl.total_skipped() == 3);
    CHECK(cerr.text() ==
          "fastblock::DataLoader: skipping item 2 (bad input): bad row 2 in rows.csv\n"
          "fastblock::DataLoader: skipping item 11 (bad input): bad row 11 in rows.csv\n"
          "fastblock::DataLoader: skipping item 19 (bad input): fastblock::load_image: "
          "'img19.jpg': truncated\n"
          "fastblock::DataLoader: skipped 3 of 20 items this epoch (bad input, logged above)\n");

    // A second epoch logs nothing new, and reports its own count.
    for (const auto& batch : dl) (void)batch;
    CHECK(cerr.text().ends_with(
        "(bad input): fastblock::load_image: 'img19.jpg': truncated\n"
        "fastblock::DataLoader: skipped 3 of 20 items this epoch (bad input, logged above)\n"
        "fastblock::DataLoader: skipped 3 of 20 items this epoch (bad input, logged above)\n"));
    CHECK(dl.skipped() == 3);
    CHECK(dl.total_skipped() == 6);
    CHECK(dl.bad_items() == std::vector<std::size_t>{2, 11, 19});

    // An epoch left early counts what it met in the total, but is not a finished epoch.
    for (const auto& batch : dl) {
      (void)batch;
      break;
    }
    CHECK(dl.skipped() == 3);
    CHECK(dl.total_skipped() == 7);  // item 2, in the first batch

    // Copies share the record; with_options keeps the logged items and starts new counts.
    auto copy = dl;
    CHECK(copy.total_skipped() == 7);
    auto in_order = dl.with_options(dl.options());
    CHECK(in_order.total_skipped() == 0);
    const std::size_t log_size = cerr.text().size();
    for (const auto& batch : in_order) (void)batch;
    CHECK(in_order.skipped() == 3);
    CHECK(dl.total_skipped() == 7);
    CHECK(cerr.text().substr(log_size) ==
          "fastblock::DataLoader: skipped 3 of 20 items this epoch (bad input, logged above)\n");

    // An epoch without bad items resets skipped() and prints nothing.
    const FlakyDataset clean{.n = 20};
    auto fine =
        DataLoader(clean, {.bs = 4, .num_workers = workers, .on_bad_item = OnBadItem::skip});
    const std::size_t before = cerr.text().size();
    for (const auto& batch : fine) (void)batch;
    CHECK(fine.skipped() == 0);
    CHECK(cerr.text().size() == before);
  }
}

TEST_CASE("DataLoader: a batch whose items are all bad is not yielded", "[data][dataloader][bad]") {
  for (const int workers : {0, 1, 2}) {
    for (const int prefetch : {1, 3}) {
      CAPTURE(workers, prefetch);
      FlakyDataset flaky{.n = 20};
      flaky.bad_data = {0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19};  // batches 0, 1 and 4
      flaky.bad_io = {9};
      auto dl = DataLoader(
          flaky,
          {.bs = 4, .num_workers = workers, .prefetch = prefetch, .on_bad_item = OnBadItem::skip});
      CaptureCerr cerr;
      // one_batch goes on to the first batch with a good item, and counts nothing.
      CHECK(contents(dl.one_batch()).first == std::vector<std::int64_t>{8, 10, 11});
      CHECK(dl.total_skipped() == 0);
      CHECK(dl.bad_items() == std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7, 9});
      const auto got = epoch_contents(dl);
      REQUIRE(got.size() == 2);
      CHECK(got[0].first == std::vector<std::int64_t>{8, 10, 11});
      CHECK(got[1].first == std::vector<std::int64_t>{12, 13, 14, 15});
      CHECK(dl.size() == 5);  // the nominal count
      CHECK(dl.skipped() == 13);
      CHECK(count_of(cerr.text(), "skipping item") == 13);
      CHECK_THAT(cerr.text(), Contains("skipped 13 of 20 items this epoch"));

      // Every item bad: an epoch without batches, and one_batch says why.
      FlakyDataset all_bad{.n = 6};
      for (std::size_t i = 0; i < 6; ++i) all_bad.bad_data.insert(i);
      auto none = DataLoader(
          all_bad,
          {.bs = 4, .num_workers = workers, .prefetch = prefetch, .on_bad_item = OnBadItem::skip});
      std::size_t batches = 0;
      for (const auto& batch : none) {
        (void)batch;
        ++batches;
      }
      CHECK(batches == 0);
      CHECK(none.skipped() == 6);
      CHECK_THAT(cerr.text(), Contains("skipped 6 of 6 items this epoch"));
      CHECK_THAT(error_of<data_error>([&] { (void)none.one_batch(); }),
                 Contains("every item of the epoch (6) was skipped as bad input"));
    }
  }
}

TEST_CASE("DataLoader: by default bad input stops the loader with the item named",
          "[data][dataloader][bad]") {
  for (const int workers : {0, 2}) {
    CAPTURE(workers);
    const FlakyDataset flaky{.n = 20, .bad_data = {6}, .bad_io = {5}};
    auto dl = DataLoader(flaky, {.bs = 4, .num_workers = workers});
    CaptureCerr cerr;
    std::size_t batches = 0;
    try {
      for (const auto& batch : dl) {
        (void)batch;
        ++batches;
      }
      FAIL("no exception");
    } catch (const io_error& e) {
      CHECK(std::string(e.what()) ==
            "fastblock::DataLoader: item 5 failed: fastblock::load_image: 'img5.jpg': truncated");
    }
    CHECK(batches == 1);
    auto data =
        DataLoader(FlakyDataset{.n = 8, .bad_data = {6}}, {.bs = 4, .num_workers = workers});
    CHECK(error_of<data_error>([&] {
            for (const auto& batch : data) (void)batch;
          }) == "fastblock::DataLoader: item 6 failed: bad row 6 in rows.csv");
    CHECK(cerr.text().empty());
    CHECK(dl.bad_items().empty());
  }
}

TEST_CASE("DataLoader: with skip, other exceptions still stop the loader",
          "[data][dataloader][bad]") {
  for (const int workers : {0, 2, 4}) {
    CAPTURE(workers);
    // In batch 1: bad input at 4 and 7, a bug at 6. The bug is reported; the bad item before it
    // is logged first (every chunk reaches it, whatever the split), the one after it is not.
    const FlakyDataset flaky{.n = 12, .bad_data = {4, 7}, .bugs = {6}};
    auto dl = DataLoader(flaky, {.bs = 4, .num_workers = workers, .on_bad_item = OnBadItem::skip});
    CaptureCerr cerr;
    CHECK(error_of<error>([&] {
            for (const auto& batch : dl) (void)batch;
          }) == "fastblock::DataLoader: item 6 failed: bug at 6");
    CHECK(cerr.text() ==
          "fastblock::DataLoader: skipping item 4 (bad input): bad row 4 in rows.csv\n");
    CHECK(dl.bad_items() == std::vector<std::size_t>{4});

    // A library error that is not bad input (a logic error) is not skipped either.
    struct Buggy {
      [[nodiscard]] std::size_t size() const { return 4; }
      [[nodiscard]] std::int64_t operator[](std::size_t i) const {
        if (i == 2) throw index_error("index 9 is out of range");
        return static_cast<std::int64_t>(i);
      }
    };
    auto buggy =
        DataLoader(Buggy{}, {.bs = 2, .num_workers = workers, .on_bad_item = OnBadItem::skip});
    CHECK_THROWS_AS(
        [&] {
          for (const auto& batch : buggy) (void)batch;
        }(),
        index_error);
  }
}

namespace {

/// Six good PNGs, a text file named .jpg, a truncated PNG and a file that is not there, with
/// labels; rows with an odd number validate.
DataFrame write_images(const TempDir& dir) {
  std::vector<std::string> fnames, labels;
  std::vector<bool> valid;
  for (int i = 0; i < 9; ++i) {
    std::string name = "good" + std::to_string(i) + ".png";
    if (i == 2) {
      name = "notes.jpg";
      dir.write(name, "these are my notes, not a JPEG\n");
    } else if (i == 4) {
      name = "truncated.png";
      const std::vector<std::uint8_t> png = encode_png(fastblock_test::pattern_image(20, 16));
      dir.write(name, std::string_view(reinterpret_cast<const char*>(png.data()), png.size() / 2));
    } else if (i == 7) {
      name = "missing.png";
    } else {
      save_png(fastblock_test::pattern_image(20 + i, 16), dir.path() / name);
    }
    fnames.push_back(name);
    labels.emplace_back(i % 3 == 0 ? "cat" : "dog");
    valid.push_back(i % 2 == 1);
  }
  return DataFrame({Column("fname", fnames), Column("label", labels), Column("is_valid", valid)});
}

}  // namespace

TEST_CASE("DataBlock(ImageBlock, CategoryBlock): skip leaves unreadable image files out",
          "[data][dataloader][bad][vision]") {
  TempDir dir("fastblock-bad-items");
  const DataFrame df = write_images(dir);
  const std::filesystem::path path = dir.path();
  auto dblock = DataBlock<ImageBlock, CategoryBlock>{}
                    .get_x([&](const Row& r) { return path / r["fname"]; })
                    .get_y([](const Row& r) { return r["label"]; })
                    .splitter(ColSplitter())
                    .item_tfms(Resize(8));

  // By default the first unreadable file stops the epoch, named.
  auto stops = dblock.dataloaders(df, {.bs = 2, .shuffle_train = false});
  CHECK_THAT(error_of<io_error>([&] {
               for (const auto& batch : stops.train) (void)batch;
             }),
             Contains("fastblock::DataLoader: item 1 failed: fastblock::load_image: ") &&
                 Contains("notes.jpg"));

  for (const int workers : {0, 2}) {
    CAPTURE(workers);
    auto dls = dblock.dataloaders(
        df,
        {.bs = 2, .shuffle_train = false, .num_workers = workers, .on_bad_item = OnBadItem::skip});
    CHECK(dls.train.options().on_bad_item == OnBadItem::skip);
    CHECK(dls.valid.options().on_bad_item == OnBadItem::skip);
    CaptureCerr cerr;
    // Train rows 0, 2, 4, 6, 8: notes.jpg (2) and truncated.png (4) are bad.
    std::vector<std::int64_t> train_sizes;
    for (const auto& [xb, yb] : dls.train) {
      CHECK(xb.size(1) == 3);
      CHECK(xb.size(2) == 8);
      train_sizes.push_back(xb.size(0));
    }
    CHECK(train_sizes == std::vector<std::int64_t>{1, 1, 1});  // (0, notes), (truncated, 6), (8)
    CHECK(dls.train.skipped() == 2);
    CHECK(dls.train.bad_items() == std::vector<std::size_t>{1, 2});
    // Valid rows 1, 3, 5, 7: missing.png (7) is bad.
    std::int64_t valid_items = 0;
    for (const auto& [xb, yb] : dls.valid) {
      valid_items += xb.size(0);
      CHECK(yb.size(0) == xb.size(0));
    }
    CHECK(valid_items == 3);
    CHECK(dls.valid.skipped() == 1);

    const std::string log = cerr.text();
    CHECK(count_of(log, "skipping item") == 3);
    CHECK(count_of(log, "notes.jpg") == 1);
    CHECK(count_of(log, "truncated.png") == 1);
    CHECK(count_of(log, "missing.png") == 1);
    CHECK_THAT(log, Contains("skipping item 1 (bad input): fastblock::load_image: "));
    CHECK_THAT(log, Contains("skipped 2 of 5 items this epoch (bad input, logged above)\n"));
    CHECK_THAT(log, Contains("skipped 1 of 4 items this epoch (bad input, logged above)\n"));
    for (const std::string_view good : {"good0.png", "good1.png", "good3.png"})
      CHECK(count_of(log, good) == 0);
  }
}
