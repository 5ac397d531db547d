// DataBlock benchmark on the seed's multi-label data, generated (synthetic_pascal_frame, 5011
// rows) and written to a CSV: read_csv, then DataBlock<TransformBlock<std::string>,
// MultiCategoryBlock> with the seed's get_x/get_y and ColSplitter — datasets() (split + vocabulary
// setup) and one epoch of the training and validation loaders at bs 64, loading in the consuming
// thread and on the default pool. Prints medians of --repeats runs in seconds, batches/s and
// items/s, and peak resident memory; asserts nothing. bench/compare_datablock.py runs the same
// steps in fastai when it is installed, with this program's --csv output as input.
//   bench_datablock [--rows N] [--repeats R] [--csv PATH]
#include "bench_common.hpp"

#include <fastblock/data.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

using namespace fastblock;

namespace {

template <class F>
double median_seconds(int repeats, F&& f) {
  std::vector<double> times;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

void write_csv(const DataFrame& df, const std::filesystem::path& path) {
  std::ofstream out(path, std::ios::binary);
  out << "fname,labels,is_valid\n";
  for (std::size_t i = 0; i < df.num_rows(); ++i) {
    const Row r = df.iloc(static_cast<std::int64_t>(i));
    out << r["fname"] << ',' << r["labels"] << ',' << r["is_valid"] << '\n';
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t rows = 5011;
  int repeats = 5;
  std::filesystem::path csv = std::filesystem::temp_directory_path() / "fastblock_bench_pascal.csv";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--rows") == 0) rows = std::stoul(argv[i + 1]);
    if (std::strcmp(argv[i], "--repeats") == 0) repeats = std::max(1, std::stoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--csv") == 0) csv = argv[i + 1];
  }
  write_csv(synthetic_pascal_frame({.n_rows = rows}), csv);

  DataFrame df;
  const double t_read = median_seconds(repeats, [&] { df = read_csv(csv); });

  const auto dblock = DataBlock<TransformBlock<std::string>, MultiCategoryBlock>{}
                          .get_x([](const Row& r) { return std::string(r["fname"]); })
                          .get_y([](const Row& r) { return split(r["labels"], ' '); })
                          .splitter(ColSplitter());
  std::size_t n_train = 0;
  const double t_datasets = median_seconds(repeats, [&] {
    auto dsets = dblock.datasets(df);
    n_train = dsets.train.size();
  });

  std::printf("rows %zu (train %zu), threads %zu, median of %d\n", rows, n_train,
              default_thread_pool().size(), repeats);
  std::printf("%-34s %9.4f s\n", "read_csv", t_read);
  std::printf("%-34s %9.4f s\n", "datasets (split + vocab setup)", t_datasets);
  for (const int workers : {0, -1}) {
    auto dls = dblock.dataloaders(df, {.bs = 64, .num_workers = workers});
    std::size_t batches = 0, items = 0;
    const double t_epoch = median_seconds(repeats, [&] {
      batches = items = 0;
      for (auto& loader : {&dls.train, &dls.valid}) {
        for (const auto& [x, y] : *loader) {
          ++batches;
          items += x.size();
          (void)y;
        }
      }
    });
    std::printf("%-34s %9.4f s %9.0f batches/s %10.0f items/s  (%zu batches)\n",
                workers == 0 ? "epoch train+valid, num_workers 0" : "epoch train+valid, pool",
                t_epoch, static_cast<double>(batches) / t_epoch,
                static_cast<double>(items) / t_epoch, batches);
  }
  std::printf("peak RSS %.1f MiB\n", bench::peak_rss_mib());
  return 0;
}
