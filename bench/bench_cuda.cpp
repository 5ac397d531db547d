// bench/bench_cuda.cpp — training and inference throughput of resnet18/resnet50 on the GPU.
//
// One training step is what fit() does per batch: zero_grad, forward, BCEWithLogitsLossFlat
// (20 labels, PASCAL's count), backward, and fastai's Adam fused on the device, all in FP32
// by default, and again with TF32 allowed (DeviceBackend::allow_tf32, PyTorch's default for
// cuDNN convolutions); bench/compare_cuda.py runs PyTorch both ways.
// Inputs live on the GPU already, so the figure is the device's, not the data loader's.
// The share of peak counts the model's multiply-adds (conv and linear layers, computed from the
// architecture below) ×2 FLOPs ×3 for forward plus backward, against the FP32 peak read from the
// device (SMs × 128 lanes × 2 × clock on Hopper; TF32 rows are still compared with it).
//
//   bench_cuda [--models resnet18,resnet50] [--sizes 128,224] [--bs 256] [--steps 20]
//              [--warmup 5] [--precision fp32,tf32] [--json results.jsonl]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <cuda_runtime.h>

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

std::int64_t out_size(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t p) {
  return (in + 2 * p - k) / s + 1;
}

/// Multiply-adds of one image through torchvision's ResNet (stride on the 3x3 conv, as v1.5).
double resnet_macs(std::array<int, 4> layers, bool bottleneck, std::int64_t size,
                   std::int64_t classes) {
  const auto conv = [](double cin, double cout, double k, double h) {
    return cin * cout * k * k * h * h;
  };
  std::int64_t h = out_size(size, 7, 2, 3);
  double macs = conv(3, 64, 7, static_cast<double>(h));
  h = out_size(h, 3, 2, 1);
  const std::int64_t expansion = bottleneck ? 4 : 1;
  std::int64_t inplanes = 64;
  for (int stage = 0; stage < 4; ++stage) {
    const std::int64_t planes = std::int64_t{64} << stage;
    for (int b = 0; b < layers[static_cast<std::size_t>(stage)]; ++b) {
      const std::int64_t s = (b == 0 && stage > 0) ? 2 : 1;
      const std::int64_t h2 = out_size(h, 3, s, 1);
      const auto hd = static_cast<double>(h), h2d = static_cast<double>(h2);
      if (bottleneck) {
        macs += conv(inplanes, planes, 1, hd) + conv(planes, planes, 3, h2d) +
                conv(planes, planes * 4, 1, h2d);
      } else {
        macs += conv(inplanes, planes, 3, h2d) + conv(planes, planes, 3, h2d);
      }
      if (s != 1 || inplanes != planes * expansion)
        macs += conv(inplanes, planes * expansion, 1, h2d);
      inplanes = planes * expansion;
      h = h2;
    }
  }
  return macs + static_cast<double>(512 * expansion * classes);
}

/// FP32 FLOP/s of device 0: SMs × 128 FP32 lanes (Hopper and Ampere GA100-class SMs) × 2 × clock.
double fp32_peak() {
  int sms = 0, khz = 0;
  cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
  cudaDeviceGetAttribute(&khz, cudaDevAttrClockRate, 0);
  return static_cast<double>(sms) * 128.0 * 2.0 * static_cast<double>(khz) * 1e3;
}

struct Result {
  double train_ips = 0, infer_ips = 0, peak_gib = 0;
};

template <class Model>
Result run(Model model, std::int64_t bs, std::int64_t size, int steps, int warmup) {
  DeviceBackend& be = backend(cuda);
  to(model, cuda);
  const Tensor x = randn({bs, 3, size, size}).to(cuda);
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
  std::vector<std::string> precisions{"fp32", "tf32"};
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
  const double peak = fp32_peak();
  std::printf("FP32 peak: %.1f TFLOP/s\n", peak / 1e12);
  std::printf("%-9s %5s %5s %5s %12s %12s %10s %9s %10s\n", "model", "prec", "size", "bs",
              "train img/s", "infer img/s", "TFLOP/s", "of peak", "peak GiB");
  std::ofstream out;
  if (!json.empty()) out.open(json);
  for (const auto& precision : precisions) {
    if (precision != "fp32" && precision != "tf32") {
      std::fprintf(stderr, "unknown precision %s (fp32 or tf32)\n", precision.c_str());
      return 2;
    }
    backend(cuda).allow_tf32(precision == "tf32");
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
        const double macs = r50 ? resnet_macs({3, 4, 6, 3}, true, size, 20)
                                : resnet_macs({2, 2, 2, 2}, false, size, 20);
        const double flops = 3.0 * 2.0 * macs * r.train_ips;
        std::printf("%-9s %5s %5lld %5lld %12.1f %12.1f %10.2f %8.1f%% %10.2f\n", name.c_str(),
                    precision.c_str(), static_cast<long long>(size), static_cast<long long>(bs),
                    r.train_ips, r.infer_ips, flops / 1e12, 100.0 * flops / peak, r.peak_gib);
        std::fflush(stdout);
        if (out)
          out << "{\"model\": \"" << name << "\", \"precision\": \"" << precision
              << "\", \"size\": " << size << ", \"bs\": " << bs
              << ", \"train_ips\": " << r.train_ips << ", \"infer_ips\": " << r.infer_ips
              << ", \"train_tflops\": " << flops / 1e12 << ", \"peak_tflops\": " << peak / 1e12
              << ", \"peak_gib\": " << r.peak_gib << "}" << std::endl;
        backend(cuda).empty_cache();
      }
    }
  }
  return 0;
}
