// Network benchmark: a training step (zero_grad, forward, BCEWithLogitsLossFlat on 20 outputs,
// backward, Adam update) and inference (eval-mode forward) of fastai's model — a ResNet body and
// create_head(nf, 20) — at batch 64, on random data. Prints the median of --repeats steps as
// images/second with the split between forward (with the loss), backward and the optimizer
// (zero_grad and fastai's Adam — PyTorch's AdamW with lr 1e-3, betas (0.9, 0.99), eps 1e-5,
// weight decay 0.01 — over every trainable parameter of body and head, through
// cpu_kernels::adam_step), the share of the machine's fp32 peak the training step reaches, and
// peak resident memory; asserts nothing. bench/compare_nn.py runs the same steps in PyTorch with
// the same thread count and prints the ratios.
//
// Threads: the CPU kernels run on default_thread_pool(), whose size is FASTBLOCK_NUM_THREADS when
// set and std::thread::hardware_concurrency() otherwise (the calling thread is one of them).
//
// Share of peak: a training step costs 3 x 2 x the forward multiply-adds (forward, input
// gradient, weight gradient), counted from the architecture: every convolution of the body at this
// input size and the head's two linear layers (batchnorm, pooling, activations and the optimizer
// are left out). The peak is measured, not looked up (bench_common.hpp): independent multiply-add
// chains on as many std::threads as the pool has, with the widest vector FMA instructions the CPU
// has — the machine's fp32 peak, the figure "share of fp32 peak" divides by. When this build's
// flags compile to narrower instructions (no FASTBLOCK_ARCH: SSE2, no FMA), a second line gives
// the same chains compiled with the build's flags, the ceiling of this build's own code.
//   FASTBLOCK_NUM_THREADS=2 bench_nn [--model resnet18|resnet34|resnet50] [--size 64] [--bs 64]
//                                     [--repeats 5]
#include "bench_common.hpp"

#include <fastblock/cpu/optim.hpp>
#include <fastblock/nn.hpp>
#include <fastblock/tensor.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace fastblock;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// A trainable parameter and its Adam state (zeros, allocated once).
struct AdamSlot {
  Parameter* param;
  Tensor exp_avg, exp_avg_sq;
};

/// Median images/second of the training step.
template <class Body>
double run(const char* name, Body body, std::int64_t size, std::int64_t bs, int repeats) {
  auto head = create_head(body.out_channels(), 20, {.seed = 2});
  BCEWithLogitsLossFlat loss;
  Generator rng(3);
  const Tensor x = randn({bs, 3, size, size}, rng);
  const Tensor t = (rand({bs, 20}, rng) < 0.2).to(float32);

  std::vector<AdamSlot> slots;
  const ParamVisitor collect = [&](const std::string&, Parameter& p) {
    if (!p.is_buffer() && p.trainable)
      slots.push_back({&p, zeros_like(p.value), zeros_like(p.value)});
  };
  body.visit(collect, "");
  head.visit(collect, "");
  AdamStep adam{.lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.99f, .eps = 1e-5f, .wd = 0.01f, .step = 0};

  std::vector<double> fwd, bwd, opt, train, inf;
  float last_loss = 0;
  for (int r = 0; r < repeats + 1; ++r) {  // the first step warms up allocations
    body.train(true);
    head.train(true);
    auto t0 = std::chrono::steady_clock::now();
    zero_grad(body);
    zero_grad(head);
    const double z = seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    const Tensor out = head.forward(body.forward(x));
    last_loss = loss(out, t).item<float>();
    const double f = seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    (void)body.backward(head.backward(loss.backward()));
    const double b = seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    ++adam.step;
    for (AdamSlot& s : slots) {
      Parameter& p = *s.param;
      if (p.grad.numel() == 0) continue;  // not reached by backward
      cpu_kernels::adam_step(p.value.span<float>(), p.grad.span<float>(), s.exp_avg.span<float>(),
                             s.exp_avg_sq.span<float>(), adam);
    }
    const double o = z + seconds_since(t0);
    body.train(false);
    head.train(false);
    t0 = std::chrono::steady_clock::now();
    (void)head.forward(body.forward(x));
    const double i = seconds_since(t0);
    if (r > 0) {
      fwd.push_back(f);
      bwd.push_back(b);
      opt.push_back(o);
      train.push_back(f + b + o);
      inf.push_back(i);
    }
  }
  const double train_ips = static_cast<double>(bs) / median(train);
  std::printf(
      "%-9s %4lldpx bs %3lld  train %7.1f img/s (fwd %.3f s, bwd %.3f s, opt %.3f s)  "
      "inference %7.1f img/s  loss %.4f\n",
      name, static_cast<long long>(size), static_cast<long long>(bs), train_ips, median(fwd),
      median(bwd), median(opt), static_cast<double>(bs) / median(inf),
      static_cast<double>(last_loss));
  std::fflush(stdout);
  return train_ips;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model = "resnet18";
  std::int64_t size = 64, bs = 64;
  int repeats = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--model") == 0) model = argv[i + 1];
    if (std::strcmp(argv[i], "--size") == 0) size = std::stoll(argv[i + 1]);
    if (std::strcmp(argv[i], "--bs") == 0) bs = std::stoll(argv[i + 1]);
    if (std::strcmp(argv[i], "--repeats") == 0) repeats = std::max(1, std::stoi(argv[i + 1]));
  }
  const std::size_t threads = default_thread_pool().size();
  const char* env = std::getenv("FASTBLOCK_NUM_THREADS");
  std::printf(
      "threads %zu (%s%s; unset, the pool takes hardware_concurrency() = %u)\n", threads,
      env != nullptr && *env != '\0' ? "FASTBLOCK_NUM_THREADS=" : "FASTBLOCK_NUM_THREADS unset",
      env != nullptr && *env != '\0' ? env : "", std::thread::hardware_concurrency());
  std::fflush(stdout);

  double train_ips = 0, macs = 0;
  if (model == "resnet18") {
    train_ips = run("resnet18", resnet18({.seed = 1}).body, size, bs, repeats);
    macs = bench::resnet_body_macs({2, 2, 2, 2}, false, size) + bench::head_macs(512, 20);
  } else if (model == "resnet34") {
    train_ips = run("resnet34", resnet34({.seed = 1}).body, size, bs, repeats);
    macs = bench::resnet_body_macs({3, 4, 6, 3}, false, size) + bench::head_macs(512, 20);
  } else if (model == "resnet50") {
    train_ips = run("resnet50", resnet50({.seed = 1}).body, size, bs, repeats);
    macs = bench::resnet_body_macs({3, 4, 6, 3}, true, size) + bench::head_macs(2048, 20);
  } else {
    std::fprintf(stderr, "unknown model %s\n", model.c_str());
    return 2;
  }
  const double gflop_per_img = 3.0 * 2.0 * macs / 1e9;
  const double model_gflops = gflop_per_img * train_ips;
  const bench::FmaKernel machine = bench::machine_fma_kernel();
  const double peak = bench::measured_fma_gflops(machine, static_cast<int>(threads));
  const char* plural = threads == 1 ? "" : "s";
  std::printf(
      "share of fp32 peak: %.0f%% (model %.3g GFLOP/img x %.1f img/s = %.1f GFLOP/s; measured FMA "
      "peak %.1f GFLOP/s on %zu thread%s, %s)\n",
      100.0 * model_gflops / peak, gflop_per_img, train_ips, model_gflops, peak, threads, plural,
      machine.isa);
  const bench::FmaKernel build = bench::build_fma_kernel();
  if (build.fn != machine.fn) {
    const double build_peak = bench::measured_fma_gflops(build, static_cast<int>(threads));
    std::printf(
        "share of this build's peak: %.0f%% (this build compiles to %s: FMA-loop peak %.1f GFLOP/s "
        "on %zu thread%s; FASTBLOCK_ARCH=native raises it)\n",
        100.0 * model_gflops / build_peak, build.isa, build_peak, threads, plural);
  }
  std::printf("peak RSS %.1f MiB\n", bench::peak_rss_mib());
  return 0;
}
