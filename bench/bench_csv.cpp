// CSV benchmark: read_csv on a 1,000,000-row file shaped like PASCAL 2007's train.csv
// (fname,labels,is_valid; some label lists quoted, some with commas inside the quotes).
// Prints the median over the repetitions in rows/s and MB/s, and the peak resident memory.
//   bench_csv [--rows N] [--reps N] [--keep]
// With --keep the generated file is left in place and its path printed, so that
// bench/compare_csv.py can time pandas.read_csv on the very same bytes.
#include "bench_common.hpp"

#include <fastblock/data/csv.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>

using namespace fastblock;
namespace fs = std::filesystem;

namespace {

/// Writes the file in chunks, so that generating it does not inflate the peak memory measured.
std::uintmax_t write_pascal_like(const fs::path& path, std::int64_t rows) {
  static constexpr const char* kLabels[] = {
      "dog",    "person",          "car",       "\"horse person\"",       "chair diningtable",
      "bottle", "\"sofa, chair\"", "tvmonitor", "\"person bicycle car\"", "cat"};
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::string chunk = "fname,labels,is_valid\n";
  char buf[128];
  for (std::int64_t i = 0; i < rows; ++i) {
    // A multiplicative hash of i picks the label: deterministic on every platform.
    const auto h = static_cast<std::uint32_t>(static_cast<std::uint64_t>(i) * 2654435761u) >> 8;
    const int n = std::snprintf(buf, sizeof buf, "%06lld.jpg,%s,%s\n", static_cast<long long>(i),
                                kLabels[h % 10], (h >> 4) % 5 == 0 ? "True" : "False");
    chunk.append(buf, static_cast<std::size_t>(n));
    if (chunk.size() > (1u << 20)) {
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      chunk.clear();
    }
  }
  out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  out.close();
  return fs::file_size(path);
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t rows = 1'000'000;
  int reps = 5;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--keep") == 0) keep = true;
    if (i + 1 < argc && std::strcmp(argv[i], "--rows") == 0) rows = std::stoll(argv[i + 1]);
    if (i + 1 < argc && std::strcmp(argv[i], "--reps") == 0)
      reps = std::max(1, std::stoi(argv[i + 1]));
  }

  const fs::path dir =
      fs::temp_directory_path() / ("fastblock-bench-csv-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path path = dir / "train.csv";
  const double mb = static_cast<double>(write_pascal_like(path, rows)) / 1e6;
  std::printf("fastblock bench_csv: %lld rows, %.1f MB, %d repetitions\n",
              static_cast<long long>(rows), mb, reps);
  std::printf("csv: %s\n", path.c_str());

  // Start the peak-memory count here, so that it covers reading and not the generation above.
  std::ofstream("/proc/self/clear_refs") << "5";
  const double rss_before = bench::status_mib("VmRSS:");

  std::vector<double> ms;
  std::size_t read_rows = 0;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const DataFrame df = read_csv(path);
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    read_rows = df.num_rows();
  }
  std::sort(ms.begin(), ms.end());
  const double median = ms[ms.size() / 2];
  std::printf("read_csv median %10.3f ms  %8.2f Mrows/s  %8.1f MB/s  (min %.3f ms, max %.3f ms)\n",
              median, static_cast<double>(read_rows) / (median * 1e3), mb / (median * 1e-3),
              ms.front(), ms.back());
  std::printf("peak RSS (VmHWM) %8.1f MiB while reading, from %.1f MiB before\n",
              bench::status_mib("VmHWM:"), rss_before);

  if (keep) {
    std::printf("kept %s; time pandas on it with:\n  python3 bench/compare_csv.py %s %.3f\n",
                path.c_str(), path.c_str(), median);
  } else {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  return 0;
}
