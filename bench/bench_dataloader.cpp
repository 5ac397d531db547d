// DataLoader benchmark: one shuffled epoch over a synthetic dataset of 3x64x64 float images with
// int64 labels (each image computed from its index, as a decoder would produce it), bs 64, once
// loading in the consuming thread (num_workers = 0) and once on default_thread_pool().
// Prints batches/s, items/s and the process's peak resident memory (VmHWM); asserts nothing.
//   bench_dataloader [--items N] [--epochs E]
#include "bench_common.hpp"

#include <fastblock/data/dataloader.hpp>
#include <fastblock/tensor/tensor.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <utility>

using namespace fastblock;

namespace {

/// `n` items of (3x64x64 float32 image, int64 label); the pixels are a cheap function of the
/// index so the loader, not the "decoder", dominates only when it should.
struct SyntheticImages {
  std::size_t n;
  [[nodiscard]] std::size_t size() const { return n; }
  [[nodiscard]] std::pair<Tensor, std::int64_t> operator[](std::size_t i) const {
    Tensor img(Shape{3, 64, 64});
    float* p = img.data<float>();
    const auto seed = static_cast<std::uint32_t>(i * 2654435761u);
    for (std::uint32_t k = 0; k < 3 * 64 * 64; ++k)
      p[k] = static_cast<float>((seed + k * 40503u) >> 24) * (1.0f / 255.0f);
    return {img, static_cast<std::int64_t>(i % 20)};
  }
};

void run(const char* name, std::size_t n_items, int epochs, int num_workers) {
  auto dl = DataLoader(SyntheticImages{n_items},
                       {.bs = 64, .shuffle = true, .seed = 1, .num_workers = num_workers});
  std::size_t batches = 0, items = 0;
  double checksum = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int e = 0; e < epochs; ++e) {
    for (const auto& [x, y] : dl) {
      ++batches;
      items += static_cast<std::size_t>(y.numel());
      checksum += static_cast<double>(x.data<float>()[0]);  // touch the batch
    }
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%-28s %8.1f batches/s %10.0f items/s  (%zu batches in %.2f s, checksum %.1f)\n",
              name, static_cast<double>(batches) / s, static_cast<double>(items) / s, batches, s,
              checksum);
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n_items = 100000;
  int epochs = 1;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--items") == 0) n_items = std::stoul(argv[i + 1]);
    if (std::strcmp(argv[i], "--epochs") == 0) epochs = std::stoi(argv[i + 1]);
  }
  std::printf(
      "fastblock bench_dataloader: %zu items of 3x64x64 float32 + int64, bs 64, shuffle, "
      "%d epoch(s), default_thread_pool() has %zu threads\n",
      n_items, epochs, default_thread_pool().size());
  run("num_workers = 0", n_items, epochs, 0);
  const std::string pooled =
      "num_workers = default (" + std::to_string(default_thread_pool().size()) + ")";
  run(pooled.c_str(), n_items, epochs, DataLoaderOptions::default_num_workers);
  std::printf("peak RSS (VmHWM): %.1f MiB\n", bench::peak_rss_mib());
}
