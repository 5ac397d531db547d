// Network benchmark: a training step (forward, BCEWithLogitsLossFlat on 20 outputs, backward) and
// inference (eval-mode forward) of fastai's model — a ResNet body and create_head(nf, 20) — at
// batch 64, on random data. Prints the median of --repeats steps as images/second, the split
// between forward and backward, and peak resident memory; asserts nothing. The optimizer update
// is not included yet (fastblock has no optimizer so far). bench/compare_nn.py runs the same steps
// in PyTorch with the same thread count and prints the ratios.
//   FASTBLOCK_NUM_THREADS=2 bench_nn [--model resnet18|resnet34|resnet50] [--size 64] [--bs 64]
//                                     [--repeats 5]
#include "bench_common.hpp"

#include <fastblock/nn.hpp>
#include <fastblock/tensor.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
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

template <class Body>
void run(const char* name, Body body, std::int64_t size, std::int64_t bs, int repeats) {
  auto head = create_head(body.out_channels(), 20, {.seed = 2});
  BCEWithLogitsLossFlat loss;
  Generator rng(3);
  const Tensor x = randn({bs, 3, size, size}, rng);
  const Tensor t = (rand({bs, 20}, rng) < 0.2).to(float32);
  std::vector<double> fwd, bwd, inf;
  float last_loss = 0;
  for (int r = 0; r < repeats + 1; ++r) {  // the first step warms up allocations
    body.train(true);
    head.train(true);
    auto t0 = std::chrono::steady_clock::now();
    const Tensor out = head.forward(body.forward(x));
    last_loss = loss(out, t).item<float>();
    const double f = seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    (void)body.backward(head.backward(loss.backward()));
    const double b = seconds_since(t0);
    body.train(false);
    head.train(false);
    t0 = std::chrono::steady_clock::now();
    (void)head.forward(body.forward(x));
    const double i = seconds_since(t0);
    if (r > 0) {
      fwd.push_back(f);
      bwd.push_back(b);
      inf.push_back(i);
    }
  }
  const double step = median(fwd) + median(bwd);
  std::printf(
      "%-9s %4lldpx bs %3lld  train %7.1f img/s (fwd %.3f s, bwd %.3f s)  "
      "inference %7.1f img/s  loss %.4f\n",
      name, static_cast<long long>(size), static_cast<long long>(bs),
      static_cast<double>(bs) / step, median(fwd), median(bwd),
      static_cast<double>(bs) / median(inf), static_cast<double>(last_loss));
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
  std::printf("threads %zu\n", default_thread_pool().size());
  if (model == "resnet18")
    run("resnet18", resnet18({.seed = 1}).body, size, bs, repeats);
  else if (model == "resnet34")
    run("resnet34", resnet34({.seed = 1}).body, size, bs, repeats);
  else if (model == "resnet50")
    run("resnet50", resnet50({.seed = 1}).body, size, bs, repeats);
  else {
    std::fprintf(stderr, "unknown model %s\n", model.c_str());
    return 2;
  }
  std::printf("peak RSS %.1f MiB\n", bench::peak_rss_mib());
  return 0;
}
