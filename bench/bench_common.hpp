// bench/bench_common.hpp — what every benchmark program reports besides its own figures: peak
// memory, and for the network benchmarks the machine's measured fp32 peak and a ResNet's
// multiply-adds, to say what share of the peak a training step reaches. The peak is measured, not
// looked up: an FMA-throughput microbenchmark (independent multiply-add chains in registers) on
// as many std::threads as the benchmark uses, once with the widest vector FMA the CPU has (the
// machine's peak, which PyTorch's run-time dispatched kernels can use) and once compiled with the
// build's own flags (the ceiling of fastblock's code in this build: SSE2 without FASTBLOCK_ARCH).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace bench {

/// A field of /proc/self/status in MiB ("VmHWM:" is the peak resident set, "VmRSS:" the current
/// one), or -1 where that file does not exist.
inline double status_mib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::stod(line.substr(std::strlen(field) + 1)) / 1024.0;
  }
  return -1.0;
}

/// Peak resident set size in MiB.
inline double peak_rss_mib() { return status_mib("VmHWM:"); }

// --- measured fp32 peak ------------------------------------------------------------------------

/// The widest float vector this build's flags let the compiler use, in floats.
#if defined(__AVX512F__)
inline constexpr int simd_floats = 16;
#elif defined(__AVX__)
inline constexpr int simd_floats = 8;
#else
inline constexpr int simd_floats = 4;
#endif

/// The instruction set this build's flags compile the CPU kernels (Eigen's included) to.
inline const char* build_isa() {
#if defined(__AVX512F__) && defined(__FMA__)
  return "AVX-512 + FMA";
#elif defined(__AVX2__) && defined(__FMA__)
  return "AVX2 + FMA";
#elif defined(__AVX__)
  return "AVX, no FMA";
#elif defined(__SSE2__)
  return "SSE2, no FMA";
#else
  return "scalar";
#endif
}

/// Independent accumulator vectors: enough to cover the FMA latency (4 cycles) on two ports,
/// few enough to stay in the 16 vector registers of SSE/AVX2 alongside the two operands.
inline constexpr int fma_accumulators = 12;

/// `iters` rounds of acc = acc·a + b over `Lanes` independent floats (2 FLOPs each), returning
/// their sum so the work cannot be optimised away. Inlined into each kernel below, the loop is
/// fully unrolled and vectorised with that kernel's instructions, the accumulators held in
/// registers: one fused multiply-add per vector with `Fused`, a multiply and an add otherwise.
template <int Lanes, bool Fused>
[[gnu::always_inline]] inline float fma_chains(std::int64_t iters, float a, float b) {
  std::array<float, Lanes> acc{};
  for (int j = 0; j < Lanes; ++j) acc[static_cast<std::size_t>(j)] = 1e-3f * static_cast<float>(j);
  for (std::int64_t it = 0; it < iters; ++it) {
    for (float& x : acc) {
      if constexpr (Fused) {
        x = std::fma(x, a, b);
      } else {
        x = x * a + b;
      }
    }
  }
  float s = 0.0f;
  for (const float x : acc) s += x;
  return s;
}

/// The chains compiled with this build's flags.
#if defined(__FMA__)
inline constexpr bool build_has_fma = true;
#else
inline constexpr bool build_has_fma = false;
#endif
[[gnu::noinline]] inline float fma_kernel_build(std::int64_t iters, float a, float b) {
  return fma_chains<fma_accumulators * simd_floats, build_has_fma>(iters, a, b);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define BENCH_X86_DISPATCH 1
// The widest x86 instructions, compiled whatever the build's flags and run only where the CPU
// has them (PyTorch's kernels pick theirs at run time the same way).
#if defined(__clang__)
#define BENCH_TARGET_AVX512 "avx512f,fma"
#else
#define BENCH_TARGET_AVX512 "avx512f,fma,prefer-vector-width=512"
#endif
[[gnu::noinline, gnu::target(BENCH_TARGET_AVX512)]] inline float fma_kernel_avx512(
    std::int64_t iters, float a, float b) {
  return fma_chains<fma_accumulators * 16, true>(iters, a, b);
}
[[gnu::noinline, gnu::target("avx2,fma")]] inline float fma_kernel_avx2(std::int64_t iters, float a,
                                                                        float b) {
  return fma_chains<fma_accumulators * 8, true>(iters, a, b);
}
#undef BENCH_TARGET_AVX512
#endif

/// One FMA microbenchmark kernel: the function, the floats it updates per round, its ISA.
struct FmaKernel {
  float (*fn)(std::int64_t, float, float);
  int lanes;
  const char* isa;
};

/// The kernel compiled with this build's flags: the peak this build's own code can reach.
inline FmaKernel build_fma_kernel() {
  return {&fma_kernel_build, fma_accumulators * simd_floats, build_isa()};
}

/// The kernel of the widest vector FMA instructions this CPU has (AVX-512, else AVX2): the
/// machine's fp32 peak. Elsewhere (not x86-64, or no AVX2) the build's kernel.
inline FmaKernel machine_fma_kernel() {
#if defined(BENCH_X86_DISPATCH)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma"))
    return {&fma_kernel_avx512, fma_accumulators * 16, "AVX-512 + FMA"};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return {&fma_kernel_avx2, fma_accumulators * 8, "AVX2 + FMA"};
#endif
  return build_fma_kernel();
}

/// fp32 GFLOP/s of `threads` std::threads running `kernel` at once (best of 3 runs of about
/// `seconds` each). Threads start together after a spin barrier; the time is the wall time until
/// the last finishes.
inline double measured_fma_gflops(const FmaKernel& kernel, int threads, double seconds = 0.15) {
  threads = std::max(1, threads);
  constexpr float a = 0.999999f, b = 1e-6f;  // acc converges to 1: no overflow, no denormals
  using clock = std::chrono::steady_clock;
  // Calibrate the iterations on one thread.
  std::int64_t iters = 1 << 16;
  for (;;) {
    const auto t0 = clock::now();
    volatile float sink = kernel.fn(iters, a, b);
    (void)sink;
    const double dt = std::chrono::duration<double>(clock::now() - t0).count();
    if (dt > 0.02 || iters > (std::int64_t{1} << 40)) {
      iters = std::max<std::int64_t>(
          1, static_cast<std::int64_t>(static_cast<double>(iters) * seconds / std::max(dt, 1e-9)));
      break;
    }
    iters *= 4;
  }
  double best = 0.0;
  for (int run = 0; run < 3; ++run) {
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<float> sums(static_cast<std::size_t>(threads));
    std::vector<std::thread> pool;
    pool.reserve(static_cast<std::size_t>(threads));
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        ready.fetch_add(1);
        while (!go.load(std::memory_order_acquire)) {
        }
        sums[static_cast<std::size_t>(t)] = kernel.fn(iters, a, b);
      });
    }
    while (ready.load() < threads) std::this_thread::yield();
    const auto t0 = clock::now();
    go.store(true, std::memory_order_release);
    for (auto& th : pool) th.join();
    const double dt = std::chrono::duration<double>(clock::now() - t0).count();
    const double flops = 2.0 * kernel.lanes * static_cast<double>(iters) * threads;
    best = std::max(best, flops / dt / 1e9);
  }
  return best;
}

// --- model multiply-adds -----------------------------------------------------------------------

/// Output size of a convolution or pooling window.
inline std::int64_t conv_out_size(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t p) {
  return (in + 2 * p - k) / s + 1;
}

/// Multiply-adds of one size x size image through torchvision's ResNet body (conv1 to layer4,
/// fastai's create_body; stride on the 3x3 conv, as v1.5): every convolution, downsampling
/// included. Batchnorm, ReLU, pooling and the residual additions are not counted (they are a few
/// percent of the FLOPs and memory-bound).
inline double resnet_body_macs(std::array<int, 4> layers, bool bottleneck, std::int64_t size) {
  const auto conv = [](double cin, double cout, double k, double h) {
    return cin * cout * k * k * h * h;
  };
  std::int64_t h = conv_out_size(size, 7, 2, 3);
  double macs = conv(3, 64, 7, static_cast<double>(h));
  h = conv_out_size(h, 3, 2, 1);
  const std::int64_t expansion = bottleneck ? 4 : 1;
  std::int64_t inplanes = 64;
  for (int stage = 0; stage < 4; ++stage) {
    const std::int64_t planes = std::int64_t{64} << stage;
    for (int blk = 0; blk < layers[static_cast<std::size_t>(stage)]; ++blk) {
      const std::int64_t s = (blk == 0 && stage > 0) ? 2 : 1;
      const std::int64_t h2 = conv_out_size(h, 3, s, 1);
      const auto hd = static_cast<double>(h), h2d = static_cast<double>(h2);
      const auto in = static_cast<double>(inplanes), pl = static_cast<double>(planes);
      if (bottleneck) {
        macs += conv(in, pl, 1, hd) + conv(pl, pl, 3, h2d) + conv(pl, pl * 4, 1, h2d);
      } else {
        macs += conv(in, pl, 3, h2d) + conv(pl, pl, 3, h2d);
      }
      if (s != 1 || inplanes != planes * expansion)
        macs += conv(in, static_cast<double>(planes * expansion), 1, h2d);
      inplanes = planes * expansion;
      h = h2;
    }
  }
  return macs;
}

/// Multiply-adds of one image through fastai's default head on a body of `nf` channels: the two
/// linear layers, Linear(2·nf, hidden) after the concat pool and Linear(hidden, n_out).
inline double head_macs(std::int64_t nf, std::int64_t n_out, std::int64_t hidden = 512) {
  return static_cast<double>(2 * nf * hidden + hidden * n_out);
}

}  // namespace bench
