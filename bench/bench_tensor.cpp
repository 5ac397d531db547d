// Tensor-core benchmark: elementwise, reductions, matmul and the seed's loss expression.
// Prints one line per case: name, median milliseconds over the repetitions, and a throughput.
//   bench_tensor [--reps N]
// bench/compare_tensor.py runs this and PyTorch's equivalent alternately and prints ratios.
#include <fastblock/fastblock.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

using namespace fastblock;

namespace {
double median_ms(int reps, const std::function<void()>& f) {
  f();  // warm-up: first-touch page faults and thread start-up are not what we measure
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
  return ms[ms.size() / 2];
}

void report(const char* name, double ms, double amount, const char* unit) {
  std::printf("%-28s %10.3f ms  %10.2f %s\n", name, ms, amount / (ms * 1e-3), unit);
}
}  // namespace

int main(int argc, char** argv) {
  int reps = 20;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--reps") == 0) reps = std::stoi(argv[i + 1]);
  std::printf("fastblock bench_tensor: %zu threads, %d repetitions\n", default_thread_pool().size(),
              reps);

  Generator gen(0);
  const Tensor a = randn({1024, 1024}, gen), b = randn({1024, 1024}, gen);
  const double n = 1024.0 * 1024.0;
  report("add 1024x1024", median_ms(reps, [&] { (void)(a + b); }), n * 12 / 1e9, "GB/s");
  report("sigmoid 1024x1024", median_ms(reps, [&] { (void)a.sigmoid(); }), n / 1e9, "Gelem/s");
  report("add bcast row 1024x1024", median_ms(reps, [&] { (void)(a + b[0]); }), n * 8 / 1e9,
         "GB/s");
  report("sum 1024x1024", median_ms(reps, [&] { (void)a.sum(); }), n * 4 / 1e9, "GB/s");
  report("sum dim1 1024x1024", median_ms(reps, [&] { (void)a.sum(1); }), n * 4 / 1e9, "GB/s");
  report("argmax dim1 1024x1024", median_ms(reps, [&] { (void)a.argmax(1); }), n * 4 / 1e9, "GB/s");

  const Tensor m1 = randn({512, 512}, gen), m2 = randn({512, 512}, gen);
  report("matmul 512^3", median_ms(reps, [&] { (void)matmul(m1, m2); }),
         2.0 * 512 * 512 * 512 / 1e9, "GFLOP/s");
  const Tensor feats = randn({64, 1024}, gen), head = randn({512, 1024}, gen);
  report("matmul 64x1024 @ (512x1024)^T", median_ms(reps, [&] { (void)matmul(feats, head.t()); }),
         2.0 * 64 * 1024 * 512 / 1e9, "GFLOP/s");

  const Tensor activs = randn({64, 20}, gen), targs = (rand({64, 20}, gen) < 0.2).to(float32);
  report("seed BCE 64x20",
         median_ms(reps * 10,
                   [&] {
                     const Tensor p = activs.sigmoid();
                     (void)(-where(targs == 1, p, 1 - p).log().mean());
                   }),
         1.0 / 1e6, "Mcalls/s");
  return 0;
}
