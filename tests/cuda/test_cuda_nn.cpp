// The GPU path against the CPU path: tensors, every layer's forward and backward, the losses, a
// whole resnet18 with fastai's head, a short Adam run and the caching allocator. The CPU layers
// are themselves checked by finite differences and against PyTorch (tests/nn), so agreeing with
// them within the stated tolerances is agreeing with an independent reference.
//
// Tolerances: single layers 1e-4 of the reference's largest magnitude (cuDNN and Eigen sum in
// different orders; TF32 is off, so both are FP32 throughout); a whole network's outputs and
// gradients 2e-3, since rounding differences compound through 20 layers and batch statistics.
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fastblock/cuda.hpp>
#include <fastblock/data.hpp>
#include <fastblock/learner.hpp>
#include <fastblock/nn.hpp>
#include <fastblock/tensor/print.hpp>

#include "catch.hpp"

using namespace fastblock;
using Catch::Matchers::Contains;

namespace {

/// max |a − b| / max(max |b|, 1e-6): the error relative to the reference's scale.
double rel_error(const Tensor& a_in, const Tensor& b_in) {
  const Tensor a = a_in.to(cpu).contiguous(), b = b_in.to(cpu).contiguous();
  REQUIRE(a.shape() == b.shape());
  double worst = 0.0, scale = 1e-6;
  const float* ap = a.data<float>();
  const float* bp = b.data<float>();
  for (std::int64_t i = 0; i < a.numel(); ++i) {
    if (std::isnan(ap[i]) != std::isnan(bp[i])) return INFINITY;
    worst = std::max(worst, static_cast<double>(std::fabs(ap[i] - bp[i])));
    scale = std::max(scale, static_cast<double>(std::fabs(bp[i])));
  }
  return worst / scale;
}

/// Every parameter's gradient (or a buffer's value) by name, on the host.
template <Layer L>
std::map<std::string, Tensor> grads_of(L& layer, bool buffers = false) {
  std::map<std::string, Tensor> out;
  layer.visit(
      [&](const std::string& name, Parameter& p) {
        if (buffers && p.is_buffer() && p.value.dtype() == float32) out[name] = p.value.to(cpu);
        if (!buffers && !p.is_buffer() && p.grad.numel() > 0) out[name] = p.grad.to(cpu);
      },
      "");
  return out;
}

/// Runs `cpu_layer` and a GPU copy of it on the same input and output gradient; compares the
/// output, the input gradient, every parameter gradient and every float buffer.
template <Layer L>
void check_layer(L cpu_layer, const Shape& input, double tol, bool train = true) {
  L gpu_layer = cpu_layer;
  to(gpu_layer, cuda);
  cpu_layer.train(train);
  gpu_layer.train(train);
  const Tensor x = randn(input);
  const Tensor y_cpu = cpu_layer.forward(x);
  const Tensor y_gpu = gpu_layer.forward(x.to(cuda));
  CHECK(y_gpu.device() == cuda);
  INFO(cpu_layer.repr() << (train ? " (train)" : " (eval)"));
  CHECK(rel_error(y_gpu, y_cpu) <= tol);
  for (const auto& [name, value] : grads_of(cpu_layer, true)) {
    INFO(name);
    CHECK(rel_error(grads_of(gpu_layer, true).at(name), value) <= tol);
  }
  if (!train) return;
  const Tensor dy = randn(y_cpu.shape());
  const Tensor dx_cpu = cpu_layer.backward(dy);
  const Tensor dx_gpu = gpu_layer.backward(dy.to(cuda));
  CHECK(rel_error(dx_gpu, dx_cpu) <= tol);
  const auto g_gpu = grads_of(gpu_layer);
  for (const auto& [name, g] : grads_of(cpu_layer)) {
    INFO(name);
    REQUIRE(g_gpu.count(name) == 1);
    CHECK(rel_error(g_gpu.at(name), g) <= tol);
  }
}

}  // namespace

TEST_CASE("tensors move to the GPU and back unchanged", "[cuda]") {
  set_seed(1);
  const Tensor x = randn({3, 5, 7});
  const Tensor d = x.to(cuda);
  CHECK(d.device() == cuda);
  CHECK(d.describe() == "float32 tensor of shape [3, 5, 7] on cuda:0");
  CHECK(equal(d.to(cpu), x));
  CHECK(equal(d.clone().to(cpu), x));
  // A strided view of device memory comes back as the view, not as the storage.
  CHECK(equal(d.transpose(0, 2).to(cpu), x.transpose(0, 2).contiguous()));
  CHECK(equal(d[1].to(cpu), x[1].contiguous()));
  Tensor z = d.clone();
  z.zero_();
  CHECK(equal(z.to(cpu), zeros({3, 5, 7})));
  z.fill_(2.5);
  CHECK(z.to(cpu).sum().item<float>() == Approx(2.5 * 105));
  const Tensor i = arange(10).to(cuda);
  CHECK(i.dtype() == int64);
  CHECK(equal(i.to(cpu), arange(10)));
  CHECK(d[2][3][4].item<float>() == x.at<float>({2, 3, 4}));
  Tensor acc = d.clone();
  acc.add_(d);
  CHECK(rel_error(acc, x * 2.0) < 1e-7);
  CHECK(repr(tensor({1.5f, 2.0f}).to(cuda)) == "tensor([1.5000, 2.0000], device='cuda:0')");
  // Host-only math on a device tensor is refused, naming the op and the device.
  CHECK_THROWS_WITH(d.exp(), Contains("cuda:0"));
}

TEST_CASE("uploads queue behind running kernels and keep every source's values", "[cuda]") {
  // Long-running work first, so that uploads are still pending when the next one is staged:
  // twelve 4 MiB uploads through the few pinned blocks must each land with their own values.
  Conv2d conv(64, 64, 3, {.padding = 1});
  to(conv, cuda);
  const Tensor busy = randn({64, 64, 56, 56}).to(cuda);
  std::vector<Tensor> uploaded;
  for (int i = 0; i < 12; ++i) {
    (void)conv.forward(busy);
    uploaded.push_back(full({1 << 20}, static_cast<double>(i)).to(cuda));
  }
  for (int i = 0; i < 12; ++i) {
    INFO("upload " << i);
    const Tensor back = uploaded[static_cast<std::size_t>(i)].to(cpu);
    CHECK(back.min().item<float>() == static_cast<float>(i));
    CHECK(back.max().item<float>() == static_cast<float>(i));
  }
}

TEST_CASE("every layer agrees with the CPU on the GPU", "[cuda]") {
  set_seed(2);
  check_layer(Conv2d(3, 8, 3, {.stride = 1, .padding = 1, .bias = true}), {2, 3, 9, 11}, 1e-4);
  check_layer(Conv2d(3, 16, 7, {.stride = 2, .padding = 3, .bias = false}), {2, 3, 32, 32}, 1e-4);
  check_layer(Conv2d(16, 32, 1, {.stride = 2, .bias = false}), {3, 16, 8, 8}, 1e-4);
  check_layer(Conv2d(16, 8, 1, {.stride = 1, .bias = true}), {3, 16, 5, 5}, 1e-4);
  check_layer(Conv2d(8, 8, 3, {.stride = 2, .padding = 1}), {2, 8, 7, 7}, 1e-4, false);
  // resnet18's layer3 at 64 px, where cuDNN's Winograd and FFT algorithms lost 1-2%.
  check_layer(Conv2d(128, 256, 3, {.stride = 2, .padding = 1, .bias = false}), {8, 128, 8, 8},
              1e-4);
  check_layer(Conv2d(256, 256, 3, {.stride = 1, .padding = 1, .bias = false}), {8, 256, 4, 4},
              1e-4);
  check_layer(BatchNorm2d(6), {4, 6, 5, 7}, 1e-4);
  check_layer(BatchNorm2d(6), {4, 6, 5, 7}, 1e-4, false);
  check_layer(BatchNorm1d(12), {9, 12}, 1e-4);
  check_layer(ReLU(), {4, 3, 5, 5}, 0.0);
  check_layer(SigmoidRange(-1.0f, 3.0f), {8, 2}, 1e-5);
  check_layer(MaxPool2d(3, 2, 1), {2, 4, 9, 9}, 0.0);
  check_layer(MaxPool2d(2), {2, 4, 8, 6}, 0.0);
  check_layer(AdaptiveAvgPool2d(1), {3, 5, 7, 7}, 1e-5);
  check_layer(AdaptiveAvgPool2d(3), {3, 5, 7, 8}, 1e-5);
  check_layer(AdaptiveMaxPool2d(1), {3, 5, 4, 4}, 0.0);
  check_layer(AdaptiveConcatPool2d(1), {3, 5, 4, 6}, 1e-5);
  check_layer(Linear(20, 7), {5, 20}, 1e-5);
  check_layer(Linear(20, 7, {.bias = false}), {5, 20}, 1e-5);
  check_layer(Flatten(), {3, 4, 2, 2}, 0.0);
}

TEST_CASE("the math modes trade accuracy for speed as documented", "[cuda]") {
  set_seed(9);
  Conv2d conv(64, 64, 3, {.padding = 1});
  Conv2d gpu = conv;
  to(gpu, cuda);
  const Tensor x = randn({16, 64, 28, 28});
  const Tensor ref = conv.forward(x);
  DeviceBackend& be = backend(cuda);
  const auto error_in = [&](MathMode mode) {
    be.set_math_mode(mode);
    CHECK(be.math_mode() == mode);
    return rel_error(gpu.forward(x.to(cuda)), ref);
  };
  CHECK(error_in(MathMode::tf32) < 1e-2);    // 10-bit mantissas in the products
  CHECK(error_in(MathMode::fp32) < 1e-3);    // FP32, any algorithm (Winograd, FFT)
  CHECK(error_in(MathMode::strict) < 1e-4);  // FP32 sums only, as the CPU
}

TEST_CASE("dropout on the GPU keeps or scales each element, as seeded", "[cuda]") {
  Dropout a(0.5, 7), b(0.5, 7);
  to(a, cuda);
  to(b, cuda);
  const Tensor x = ones({64, 64}).to(cuda);
  const Tensor ya = a.forward(x).to(cpu), yb = b.forward(x).to(cpu);
  CHECK(equal(ya, yb));  // same seed, same mask
  std::int64_t kept = 0;
  for (float v : ya.span<float>()) {
    REQUIRE((v == 0.0f || v == 2.0f));
    kept += v == 2.0f;
  }
  CHECK(kept > 4096 * 0.45);
  CHECK(kept < 4096 * 0.55);
  CHECK(equal(a.backward(x).to(cpu), ya));  // the gradient passes where the input did
}

TEST_CASE("the losses agree with the CPU on the GPU", "[cuda]") {
  set_seed(3);
  const Tensor logits = randn({16, 20}) * 4.0;
  const Tensor multi = (rand({16, 20}) > 0.7).to(float32);
  for (Reduction r : {Reduction::mean, Reduction::sum, Reduction::none}) {
    BCEWithLogitsLossFlat cpu_loss({.reduction = r}), gpu_loss({.reduction = r});
    const Tensor l_cpu = cpu_loss(logits, multi);
    const Tensor l_gpu = gpu_loss(logits.to(cuda), multi.to(cuda));
    CHECK(rel_error(l_gpu, l_cpu) < 1e-5);
    const Tensor up = r == Reduction::none ? randn({16 * 20}) : Tensor();
    CHECK(rel_error(gpu_loss.backward(up.numel() ? up.to(cuda) : up), cpu_loss.backward(up)) <
          1e-5);
  }
  // ±1000 logits stay finite, as on the CPU.
  BCEWithLogitsLossFlat big;
  const Tensor extreme = tensor({1000.0f, -1000.0f}).to(cuda);
  CHECK(std::isfinite(big(extreme, tensor({0.0f, 1.0f}).to(cuda)).item<float>()));

  const Tensor classes =
      from_vector(std::vector<std::int64_t>{3, 0, 19, 7, 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  CrossEntropyLossFlat ce_cpu, ce_gpu;
  CHECK(rel_error(ce_gpu(logits.to(cuda), classes.to(cuda)), ce_cpu(logits, classes)) < 1e-5);
  CHECK(rel_error(ce_gpu.backward(), ce_cpu.backward()) < 1e-5);
  CHECK(rel_error(ce_gpu.activation(logits.to(cuda)), ce_cpu.activation(logits)) < 1e-5);
  const Tensor bad =
      from_vector(std::vector<std::int64_t>{3, 0, 20, 7, 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  CHECK_THROWS_WITH(ce_gpu(logits.to(cuda), bad.to(cuda)),
                    Contains("target 20 of row 2 is out of range for 20 classes"));

  MSELossFlat mse_cpu, mse_gpu;
  const Tensor pts = randn({16, 1, 2}), pred = randn({16, 2});
  CHECK(rel_error(mse_gpu(pred.to(cuda), pts.to(cuda)), mse_cpu(pred, pts)) < 1e-5);
  CHECK(rel_error(mse_gpu.backward(), mse_cpu.backward()) < 1e-5);
  CHECK_THROWS_WITH(mse_gpu(pred.to(cuda), pts), Contains("target on cpu"));
}

TEST_CASE("a model on the GPU refuses a CPU input, naming the layer", "[cuda]") {
  Conv2d conv(3, 4, 3);
  to(conv, cuda);
  CHECK_THROWS_WITH(conv.forward(randn({1, 3, 8, 8})),
                    Contains("Conv2d(3, 4") && Contains("cuda:0") && Contains("to(model, device)"));
}

namespace {

/// resnet18's body with fastai's head for 20 classes, as cnn_learner builds it.
struct Net {
  ResNetBody<BasicBlock> body;
  Head head;
  Tensor forward(const Tensor& x) { return head.forward(body.forward(x)); }
  Tensor backward(const Tensor& dy) { return body.backward(head.backward(dy)); }
  void train(bool on = true) {
    body.train(on);
    head.train(on);
  }
  bool training() const { return body.training(); }
  void visit(const ParamVisitor& f, std::string_view prefix) {
    body.visit(f, join_name(prefix, "0"));
    head.visit(f, join_name(prefix, "1"));
  }
  std::string repr() const { return "resnet18 + head"; }
};

Net make_net() {
  auto body = resnet18({.seed = 5}).body;
  // Dropout off so that both devices draw the same (no) masks.
  return Net{std::move(body), create_head(512, 20, {.ps = {0.0}})};
}

/// fastai's Adam step written out on the host, independently of the device kernel.
void adam_reference(Parameter& p, Tensor& m, Tensor& v, const AdamStep& h) {
  const std::int64_t n = p.value.numel();
  float* w = p.value.data<float>();
  const float* g = p.grad.data<float>();
  float* mp = m.data<float>();
  float* vp = v.data<float>();
  const double b1 = 1.0 - std::pow(h.beta1, static_cast<double>(h.step));
  const double b2 = 1.0 - std::pow(h.beta2, static_cast<double>(h.step));
  for (std::int64_t i = 0; i < n; ++i) {
    w[i] *= 1.0f - h.lr * h.wd;
    mp[i] = h.beta1 * mp[i] + (1.0f - h.beta1) * g[i];
    vp[i] = h.beta2 * vp[i] + (1.0f - h.beta2) * g[i] * g[i];
    w[i] -= static_cast<float>(h.lr / b1 * mp[i] / (std::sqrt(vp[i] / b2) + h.eps));
  }
}

}  // namespace

TEST_CASE("resnet18 with fastai's head trains the same on the GPU as on the CPU", "[cuda]") {
  set_seed(4);
  Net cpu_net = make_net();
  Net gpu_net = cpu_net;
  to(gpu_net, cuda);
  const Tensor x = randn({8, 3, 64, 64});
  const Tensor y = (rand({8, 20}) > 0.8).to(float32);
  const Tensor xg = x.to(cuda), yg = y.to(cuda);

  // One forward and backward: outputs, loss and every gradient.
  BCEWithLogitsLossFlat loss_cpu, loss_gpu;
  const Tensor out_cpu = cpu_net.forward(x), out_gpu = gpu_net.forward(xg);
  CHECK(rel_error(out_gpu, out_cpu) < 2e-3);
  const float l_cpu = loss_cpu(out_cpu, y).item<float>();
  const float l_gpu = loss_gpu(out_gpu, yg).item<float>();
  CHECK(l_gpu == Approx(l_cpu).epsilon(1e-3));
  (void)cpu_net.backward(loss_cpu.backward());
  (void)gpu_net.backward(loss_gpu.backward());
  const auto g_cpu = grads_of(cpu_net), g_gpu = grads_of(gpu_net);
  CHECK(g_cpu.size() == g_gpu.size());
  CHECK(static_cast<std::int64_t>(g_cpu.size()) > 60);  // resnet18's body alone has 60
  for (const auto& [name, g] : g_cpu) {
    INFO(name);
    CHECK(rel_error(g_gpu.at(name), g) < 2e-3);
  }

  // Five Adam steps: the device's fused kernel against the host formula; losses stay together.
  std::map<std::string, std::pair<Tensor, Tensor>> state_cpu, state_gpu;
  const auto init_state = [](Net& net, auto& state) {
    net.visit(
        [&](const std::string& name, Parameter& p) {
          if (p.is_buffer()) return;
          Tensor m(p.value.shape(), float32, p.value.device()), v = m.clone();
          m.zero_();
          v.zero_();
          state[name] = {m, v};
        },
        "");
  };
  init_state(cpu_net, state_cpu);
  init_state(gpu_net, state_gpu);
  std::vector<float> curve_cpu, curve_gpu;
  for (std::int64_t step = 1; step <= 5; ++step) {
    const AdamStep h{.lr = 1e-3f, .step = step};
    if (step > 1) {
      zero_grad(cpu_net);
      zero_grad(gpu_net);
      curve_cpu.push_back(loss_cpu(cpu_net.forward(x), y).item<float>());
      curve_gpu.push_back(loss_gpu(gpu_net.forward(xg), yg).item<float>());
      (void)cpu_net.backward(loss_cpu.backward());
      (void)gpu_net.backward(loss_gpu.backward());
    }
    cpu_net.visit(
        [&](const std::string& name, Parameter& p) {
          if (p.is_buffer()) return;
          auto& [m, v] = state_cpu.at(name);
          adam_reference(p, m, v, h);
        },
        "");
    gpu_net.visit(
        [&](const std::string& name, Parameter& p) {
          if (p.is_buffer()) return;
          auto& [m, v] = state_gpu.at(name);
          backend(cuda).adam_step(p.value.data<float>(), p.grad.data<float>(), m.data<float>(),
                                  v.data<float>(), p.value.numel(), h);
        },
        "");
  }
  REQUIRE(curve_cpu.size() == 4);
  for (std::size_t i = 0; i < curve_cpu.size(); ++i) {
    INFO("step " << i + 2);
    CHECK(curve_gpu[i] == Approx(curve_cpu[i]).epsilon(5e-3));
  }
  CHECK(curve_gpu.back() < l_gpu);  // it learns

  // Eval mode: running statistics were updated the same way.
  cpu_net.train(false);
  gpu_net.train(false);
  CHECK(rel_error(gpu_net.forward(xg), cpu_net.forward(x)) < 5e-3);
}

TEST_CASE("the caching allocator reuses memory across epochs", "[cuda]") {
  DeviceBackend& be = backend(cuda);
  Net net = make_net();
  to(net, cuda);
  const Tensor x = randn({16, 3, 64, 64}).to(cuda);
  const Tensor y = (rand({16, 20}) > 0.8).to(float32).to(cuda);
  BCEWithLogitsLossFlat loss;
  const auto epoch = [&] {
    for (int i = 0; i < 3; ++i) {
      zero_grad(net);
      (void)loss(net.forward(x), y);
      (void)net.backward(loss.backward());
    }
    be.synchronize();
  };
  epoch();
  const DeviceMemoryStats after_first = be.memory_stats();
  epoch();
  epoch();
  const DeviceMemoryStats after_third = be.memory_stats();
  CHECK(after_third.reserved == after_first.reserved);    // nothing new from the driver
  CHECK(after_third.allocated == after_first.allocated);  // nothing leaked
  CHECK(after_first.peak_allocated >= after_first.allocated);
  CHECK_THROWS_WITH(Tensor({std::int64_t{1} << 40}, float32, cuda),
                    Contains("cannot allocate") && Contains("bytes free"));
}

TEST_CASE("weights of a GPU model save and load through host dictionaries", "[cuda]") {
  set_seed(6);
  auto model = resnet18({.num_classes = 5, .seed = 3});
  const StateDict before = state_dict(model);
  to(model, cuda);
  const StateDict on_gpu = state_dict(model);
  for (const auto& name : before.keys()) {
    INFO(name);
    CHECK(on_gpu.at(name).device() == cpu);
    CHECK(equal(on_gpu.at(name), before.at(name)));
  }
  auto fresh = resnet18({.num_classes = 5, .seed = 99});
  to(fresh, cuda);
  CHECK(load_state_dict(fresh, on_gpu).ok());
  const Tensor x = randn({2, 3, 32, 32});
  eval(model);
  eval(fresh);
  CHECK(equal(fresh.forward(x.to(cuda)).to(cpu), model.forward(x.to(cuda)).to(cpu)));
}

namespace {

/// Tiny pictures whose label is the brightest channel, for learner-level runs.
struct Picture {
  Tensor x;
  std::vector<std::string> labels;
};

auto picture_dls() {
  Generator rng(21);
  std::vector<Picture> items;
  const std::vector<std::string> names = {"red", "green", "blue"};
  for (std::int64_t i = 0; i < 96; ++i) {
    auto x = rand({3, 32, 32}, rng) * 0.5;
    auto channel = x[i % 3];
    channel.copy_(channel + 0.5f);
    items.push_back({x, {names[static_cast<std::size_t>(i % 3)]}});
  }
  return DataBlock<TransformBlock<Tensor>, MultiCategoryBlock>{}
      .get_x([](const Picture& p) { return p.x; })
      .get_y([](const Picture& p) { return p.labels; })
      .splitter(RandomSplitter({.valid_pct = 0.25, .seed = 1}))
      .dataloaders(items, {.bs = 16, .seed = 2, .num_workers = 0});
}

/// Device memory in use at the end of each epoch.
struct MemoryAfterEpoch {
  std::shared_ptr<std::vector<std::size_t>> allocated;
  void after_epoch(const EpochStats&) {
    backend(cuda).synchronize();
    allocated->push_back(backend(cuda).memory_stats().allocated);
  }
};

}  // namespace

TEST_CASE("a learner trains on the GPU as on the CPU, without leaking across epochs",
          "[cuda][learner]") {
  auto on_cpu = cnn_learner(picture_dls(), resnet18,
                            {.metrics = {accuracy_multi{}}, .quiet = true, .seed = 4});
  auto memory = std::make_shared<std::vector<std::size_t>>();
  auto on_gpu = cnn_learner(picture_dls(), resnet18,
                            {.metrics = {accuracy_multi{}},
                             .cbs = {MemoryAfterEpoch{memory}},
                             .device = cuda,
                             .quiet = true,
                             .seed = 4});
  CHECK(on_gpu.device() == cuda);
  on_cpu.fit_one_cycle(3, 1e-2);
  on_gpu.fit_one_cycle(3, 1e-2);
  // The loss curves agree batch by batch (strict FP32 math; 2e-3 as for the network above,
  // growing slowly with the steps as rounding differences feed back through the weights).
  const auto& a = on_cpu.recorder.losses;
  const auto& b = on_gpu.recorder.losses;
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("batch " << i);
    CHECK(b[i] == Approx(a[i]).epsilon(5e-3));
  }
  for (std::size_t e = 0; e < 3; ++e) {
    INFO("epoch " << e);
    CHECK(on_gpu.recorder.values[e][1] == Approx(on_cpu.recorder.values[e][1]).epsilon(5e-3));
  }
  REQUIRE(memory->size() == 3);
  CHECK((*memory)[2] == (*memory)[1]);  // epoch 2 ends holding what epoch 1 held: no leak
  // Predictions come back to the host in order.
  auto [p_cpu, t_cpu] = on_cpu.get_preds();
  auto [p_gpu, t_gpu] = on_gpu.get_preds();
  CHECK(p_gpu.device() == cpu);
  CHECK(rel_error(p_gpu, p_cpu) < 2e-2);
  CHECK((t_gpu == t_cpu).all());
  // learn.to(cpu) brings the model and the optimiser's state back: training continues there.
  on_gpu.to(cpu);
  on_gpu.fit(1, 1e-3);
  CHECK(std::isfinite(on_gpu.recorder.values[0][1]));
}
