// bench/bench_cuda.cpp — training and inference throughput of resnet18/resnet50 on the GPU.
//
// One training step is what fit() does per batch: zero_grad, forward, BCEWithLogitsLossFlat
// (20 labels, PASCAL's count), backward, and fastai's Adam fused on the device, in each MathMode:
// strict (FP32, CPU-exact algorithms), fp32 (fastest FP32 algorithms) and tf32 (the default, as
// PyTorch's convolutions); bench/compare_cuda.py runs PyTorch with and without TF32.
// Inputs live on the GPU already, so the figure is the device's, not the data loader's.
// The share of peak counts the model's multiply-adds (conv and linear layers, computed from the
// architecture in bench_common.hpp) ×2 FLOPs ×3 for forward plus backward, against the FP32 peak
// read from the device (SMs × 128 lanes × 2 × clock on Hopper; TF32 rows against the tensor cores'
// peak).
//
//   bench_cuda [--models resnet18,resnet50] [--sizes 128,224] [--bs 256] [--steps 20]
//              [--warmup 5] [--math strict,fp32,tf32] [--json results.jsonl]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <cuda_runtime.h>

#include "bench_common.hpp"

#include <fastblock/cuda.hpp>
#include <fastblock/nn.hpp>

using namespace fastblock;

namespace {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) out.push_back(item);
  return out;
}

/// Peak FLOP/s of device 0 with `fma_per_sm` fused multiply-adds per SM per clock: 128 FP32
/// lanes, or 1024 dense TF32 tensor-core FMAs on Hopper (NVIDIA's 494.7 TFLOP/s for an H100 SXM
/// at 1830 MHz over 132 SMs); the clock is the boost clock the driver reports.
double peak_flops(double fma_per_sm) {
  int sms = 0, khz = 0;
  cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
  cudaDeviceGetAttribute(&khz, cudaDevAttrClockRate, 0);
  return static_cast<double>(sms) * fma_per_sm * 2.0 * static_cast<double>(khz) * 1e3;
}

struct Result {
  double train_ips = 0, infer_ips = 0, peak_gib = 0, upload_ms = 0;
};

/// Milliseconds to upload one batch from host memory (median of 5; staged through pinned
/// buffers and queued, so this includes waiting for the copy to land).
double upload_ms(const Tensor& host) {
  std::vector<double> times;
  for (int i = 0; i < 5; ++i) {
    backend(cuda).synchronize();
    const auto t0 = std::chrono::steady_clock::now();
    const Tensor d = host.to(cuda);
    backend(cuda).synchronize();
    times.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  return times[2];
}

template <class Model>
Result run(Model model, std::int64_t bs, std::int64_t size, int steps, int warmup) {
  DeviceBackend& be = backend(cuda);
  to(model, cuda);
  const Tensor host_batch = randn({bs, 3, size, size});
  const Tensor x = host_batch.to(cuda);
  const Tensor y = (rand({bs, 20}) > 0.8).to(float32).to(cuda);
  BCEWithLogitsLossFlat loss;
  std::vector<Parameter*> params;
  std::vector<std::pair<Tensor, Tensor>> state;
  model.visit(
      [&](const std::string&, Parameter& p) {
        if (p.is_buffer()) return;
        params.push_back(&p);
        Tensor m(p.value.shape(), float32, cuda), v(p.value.shape(), float32, cuda);
        m.zero_();
        v.zero_();
        state.emplace_back(m, v);
      },
      "");
  std::int64_t step_no = 0;
  const auto step = [&] {
    zero_grad(model);
    (void)loss(model.forward(x), y);
    (void)model.backward(loss.backward());
    const AdamStep h{.lr = 1e-4f, .step = ++step_no};
    for (std::size_t i = 0; i < params.size(); ++i)
      be.adam_step(params[i]->value.data<float>(), params[i]->grad.data<float>(),
                   state[i].first.data<float>(), state[i].second.data<float>(),
                   params[i]->value.numel(), h);
  };
  using clock = std::chrono::steady_clock;
  Result r;
  r.upload_ms = upload_ms(host_batch);
  model.train(true);
  for (int i = 0; i < warmup; ++i) step();
  be.synchronize();
  be.reset_peak();
  auto t0 = clock::now();
  for (int i = 0; i < steps; ++i) step();
  be.synchronize();
  r.train_ips =
      static_cast<double>(bs * steps) / std::chrono::duration<double>(clock::now() - t0).count();
  r.peak_gib = static_cast<double>(be.memory_stats().peak_allocated) / (1024.0 * 1024 * 1024);

  model.train(false);
  for (int i = 0; i < warmup; ++i) (void)model.forward(x);
  be.synchronize();
  t0 = clock::now();
  for (int i = 0; i < steps; ++i) (void)model.forward(x);
  be.synchronize();
  r.infer_ips =
      static_cast<double>(bs * steps) / std::chrono::duration<double>(clock::now() - t0).count();
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> models{"resnet18", "resnet50"};
  std::vector<std::string> sizes{"128", "224"};
  std::vector<std::string> precisions{"strict", "fp32", "tf32"};
  std::int64_t bs = 256;
  int steps = 20, warmup = 5;
  std::string json;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--models")
      models = split_list(v);
    else if (k == "--sizes")
      sizes = split_list(v);
    else if (k == "--bs")
      bs = std::stoll(v);
    else if (k == "--steps")
      steps = std::stoi(v);
    else if (k == "--warmup")
      warmup = std::stoi(v);
    else if (k == "--json")
      json = v;
    else if (k == "--precision")
      precisions = split_list(v);
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (!cuda_available()) {
    std::printf("no CUDA device: nothing to measure\n");
    return 0;
  }
  std::printf("device: %s\n", backend(cuda).name().c_str());
  const double fp32_peak = peak_flops(128), tf32_peak = peak_flops(1024);
  std::printf("peaks: FP32 %.1f TFLOP/s, TF32 tensor cores %.1f TFLOP/s (dense)\n",
              fp32_peak / 1e12, tf32_peak / 1e12);
  std::printf("%-9s %5s %5s %5s %12s %12s %10s %9s %10s %10s\n", "model", "math", "size", "bs",
              "train img/s", "infer img/s", "TFLOP/s", "of peak", "peak GiB", "upload ms");
  std::ofstream out;
  if (!json.empty()) out.open(json);
  for (const auto& precision : precisions) {
    if (precision != "strict" && precision != "fp32" && precision != "tf32") {
      std::fprintf(stderr, "unknown math mode %s (strict, fp32 or tf32)\n", precision.c_str());
      return 2;
    }
    backend(cuda).set_math_mode(precision == "strict" ? MathMode::strict
                                : precision == "fp32" ? MathMode::fp32
                                                      : MathMode::tf32);
    for (const auto& name : models) {
      for (const auto& s : sizes) {
        const std::int64_t size = std::stoll(s);
        set_seed(1);
        const bool r50 = name == "resnet50";
        Result r;
        if (r50) {
          r = run(resnet50({.num_classes = 20, .seed = 1}), bs, size, steps, warmup);
        } else if (name == "resnet18") {
          r = run(resnet18({.num_classes = 20, .seed = 1}), bs, size, steps, warmup);
        } else {
          std::fprintf(stderr, "unknown model %s\n", name.c_str());
          return 2;
        }
        // torchvision's fc (2048 or 512 inputs, 20 outputs) on top of the body.
        const double macs = r50 ? bench::resnet_body_macs({3, 4, 6, 3}, true, size) + 2048.0 * 20
                                : bench::resnet_body_macs({2, 2, 2, 2}, false, size) + 512.0 * 20;
        const double flops = 3.0 * 2.0 * macs * r.train_ips;
        const double peak = precision == "tf32" ? tf32_peak : fp32_peak;  // per mode
        std::printf("%-9s %5s %5lld %5lld %12.1f %12.1f %10.2f %8.1f%% %10.2f %10.2f\n",
                    name.c_str(), precision.c_str(), static_cast<long long>(size),
                    static_cast<long long>(bs), r.train_ips, r.infer_ips, flops / 1e12,
                    100.0 * flops / peak, r.peak_gib, r.upload_ms);
        std::fflush(stdout);
        if (out)
          out << "{\"model\": \"" << name << "\", \"math\": \"" << precision
              << "\", \"size\": " << size << ", \"bs\": " << bs
              << ", \"train_ips\": " << r.train_ips << ", \"infer_ips\": " << r.infer_ips
              << ", \"train_tflops\": " << flops / 1e12 << ", \"peak_tflops\": " << peak / 1e12
              << ", \"peak_gib\": " << r.peak_gib << ", \"upload_ms\": " << r.upload_ms << "}"
              << std::endl;
        backend(cuda).empty_cache();
      }
    }
  }
  return 0;
}
