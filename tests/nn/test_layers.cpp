// Layers against finite differences: for each layer, the input and parameter gradients of
// f(x) = Σ forward(x)·R (R a fixed random tensor) computed by backward(R) match central
// differences of f; plus shapes, modes, names and the errors for wrong inputs.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "catch.hpp"

#include <fastblock/nn.hpp>
#include <fastblock/tensor.hpp>

namespace fb = fastblock;
using Catch::Matchers::Contains;

namespace {

/// Σ a·r in double.
double dot(const fb::Tensor& a, const fb::Tensor& r) {
  const fb::Tensor x = a.contiguous(), y = r.contiguous();
  double s = 0.0;
  for (std::int64_t i = 0; i < x.numel(); ++i)
    s += static_cast<double>(x.data<float>()[i]) * static_cast<double>(y.data<float>()[i]);
  return s;
}

/// Checks `analytic` against central differences of `f` over up to `samples` elements of `v`.
/// With `kinked`, a few samples may miss: a perturbation of a weight feeding a ReLU moves many
/// activations, and central differences across a kink are wrong while the gradient is right (each
/// kinked layer is also checked alone, strictly); a wiring mistake misses almost every sample.
void check_fd(const std::string& what, fb::Tensor& v, const fb::Tensor& analytic,
              const std::function<double()>& f, double eps = 1e-2, double tol = 2e-2,
              bool kinked = false, std::int64_t samples = 40) {
  REQUIRE(analytic.shape() == v.shape());
  const fb::Tensor a = analytic.contiguous();
  float* p = v.data<float>();
  const std::int64_t n = v.numel();
  const std::int64_t step = std::max<std::int64_t>(1, n / samples);
  double worst = 0.0;
  std::vector<double> errors;
  for (std::int64_t i = 0; i < n; i += step) {
    const float old = p[i];
    p[i] = old + static_cast<float>(eps);
    const double up = f();
    p[i] = old - static_cast<float>(eps);
    const double down = f();
    p[i] = old;
    const double numeric = (up - down) / (2 * eps);
    const double exact = a.data<float>()[i];
    const double err = std::abs(numeric - exact) / std::max(1.0, std::abs(numeric));
    worst = std::max(worst, err);
    errors.push_back(err);
  }
  if (kinked) {
    // At least 80% of the samples within the tolerance.
    std::sort(errors.begin(), errors.end());
    const double p80 =
        errors[static_cast<std::size_t>(0.8 * static_cast<double>(errors.size() - 1))];
    INFO(what << ": 80th percentile relative error " << p80 << " (worst " << worst << ")");
    CHECK(p80 < tol);
  } else {
    INFO(what << ": worst relative error " << worst);
    CHECK(worst < tol);
  }
}

/// Input and parameter gradients of `layer` at `x` against finite differences.
template <class L>
void check_layer(L& layer, fb::Tensor x, double eps = 1e-2, double tol = 2e-2,
                 bool kinked = false) {
  fb::Generator rng(7);
  layer.train(true);
  const fb::Tensor y = layer.forward(x);
  const fb::Tensor r = fb::randn(y.shape(), rng);
  fb::zero_grad(layer);
  const fb::Tensor dx = layer.backward(r);
  std::vector<std::pair<std::string, fb::Tensor>> grads;
  layer.visit(
      [&](const std::string& name, fb::Parameter& p) {
        if (!p.is_buffer()) grads.emplace_back(name, p.grad.clone());
      },
      "");
  const auto f = [&] { return dot(layer.forward(x), r); };
  check_fd(layer.repr() + " input", x, dx, f, eps, tol, kinked);
  layer.visit(
      [&](const std::string& name, fb::Parameter& p) {
        if (p.is_buffer()) return;
        for (auto& [n, g] : grads)
          if (n == name) check_fd(layer.repr() + " " + name, p.value, g, f, eps, tol, kinked);
      },
      "");
}

}  // namespace

TEST_CASE("nn: Conv2d gradients match finite differences", "[nn]") {
  fb::Generator rng(1);
  for (const auto& [k, s, p, bias] :
       std::vector<std::tuple<int, int, int, bool>>{{3, 1, 1, true},
                                                    {3, 2, 1, false},
                                                    {1, 1, 0, false},
                                                    {1, 2, 0, true},
                                                    {7, 2, 3, false}}) {
    fb::Conv2d conv(3, 4, k, {.stride = s, .padding = p, .bias = bias}, &rng);
    check_layer(conv, fb::randn({2, 3, 9, 8}, rng));
  }
}

TEST_CASE("nn: Conv2d gradients with small images grouped into one GEMM", "[nn]") {
  // Images of few output positions share a GEMM (conv-inl.hpp's group_size); batches of 8
  // 3x3 images exercise the grouped paths, with im2col and with a direct 1x1 convolution.
  fb::Generator rng(11);
  fb::Conv2d conv(3, 5, 3, {.padding = 1, .bias = true}, &rng);
  check_layer(conv, fb::randn({8, 3, 3, 3}, rng));
  fb::Conv2d direct(4, 6, 1, {.bias = true}, &rng);
  check_layer(direct, fb::randn({8, 4, 2, 3}, rng));
  fb::Conv2d strided(4, 6, 1, {.stride = 2, .bias = false}, &rng);
  check_layer(strided, fb::randn({9, 4, 3, 3}, rng));
  // Grouping does not change the result: the same images one at a time.
  conv.train(false);
  const auto x = fb::randn({8, 3, 3, 3}, rng);
  const auto all = conv.forward(x);
  for (std::int64_t b = 0; b < 8; ++b)
    CHECK(fb::allclose(conv.forward(x.slice(0, b, b + 1)), all.slice(0, b, b + 1)));
}

TEST_CASE("nn: a frozen Conv2d gets no filter gradient and the same input gradient", "[nn]") {
  fb::Generator rng(12);
  for (const auto& [k, n, h] :
       std::vector<std::tuple<int, int, int>>{{3, 2, 9}, {1, 2, 9}, {3, 8, 3}, {1, 8, 2}}) {
    fb::Conv2d conv(4, 6, k, {.padding = k / 2, .bias = true}, &rng);
    const auto x = fb::randn({n, 4, h, h}, rng);
    const auto y = conv.forward(x);
    const auto dy = fb::randn(y.shape(), rng);
    const auto dx = conv.backward(dy);
    const auto dw = conv.weight.grad.clone();
    fb::Conv2d frozen = conv;
    frozen.weight.trainable = false;
    frozen.bias.trainable = false;
    frozen.weight.grad = fb::Tensor();
    frozen.bias.grad = fb::Tensor();
    (void)frozen.forward(x);
    CHECK(fb::allclose(frozen.backward(dy), dx));
    CHECK(frozen.weight.grad.numel() == 0);
    CHECK(frozen.bias.grad.numel() == 0);
    CHECK(dw.abs().sum().item<float>() > 0);
  }
}

TEST_CASE("nn: Conv2d shapes, repr and errors", "[nn]") {
  fb::Generator rng(2);
  fb::Conv2d conv(3, 64, 7, {.stride = 2, .padding = 3, .bias = false}, &rng);
  CHECK(conv.repr() ==
        "Conv2d(3, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)");
  CHECK(conv.forward(fb::zeros({2, 3, 64, 64})).shape() == fb::Shape{2, 64, 32, 32});
  CHECK_THROWS_AS(conv.forward(fb::zeros({2, 4, 64, 64})), fb::shape_error);
  CHECK_THROWS_WITH(conv.forward(fb::zeros({2, 4, 64, 64})), Contains("Conv2d(3, 64") &&
                                                                 Contains("[2, 4, 64, 64]") &&
                                                                 Contains("[N, 3, H, W]"));
  conv.train(false);
  (void)conv.forward(fb::zeros({1, 3, 8, 8}));
  CHECK_THROWS_WITH(conv.backward(fb::zeros({1, 64, 4, 4})), Contains("without a forward"));
  // A known value: a 1x1 convolution is a per-pixel matrix product.
  fb::Conv2d one(2, 1, 1, {.bias = true}, &rng);
  one.weight.value.copy_(fb::tensor({2.f, -1.f}).reshape({1, 2, 1, 1}));
  one.bias.value.fill_(0.5);
  const auto y = one.forward(fb::tensor({1.f, 2.f, 3.f, 4.f}).reshape({1, 2, 1, 2}));
  CHECK(fb::repr(y) == "tensor([[[[-0.5000,  0.5000]]]])");
}

TEST_CASE("nn: BatchNorm2d and BatchNorm1d gradients and running statistics", "[nn]") {
  fb::Generator rng(3);
  fb::BatchNorm2d bn(3);
  bn.weight.value.copy_(fb::tensor({1.5f, 0.5f, -1.0f}));
  bn.bias.value.copy_(fb::tensor({0.1f, 0.2f, 0.3f}));
  check_layer(bn, fb::randn({4, 3, 5, 5}, rng) * 2 + 1, 1e-2, 3e-2);
  fb::BatchNorm1d bn1(6);
  check_layer(bn1, fb::randn({8, 6}, rng), 1e-2, 3e-2);

  // PyTorch's running statistics: momentum 0.1, unbiased variance, a counter.
  fb::BatchNorm1d stats(1);
  (void)stats.forward(fb::tensor({1.f, 2.f, 3.f, 4.f}).reshape({4, 1}));
  CHECK(stats.running_mean.value.item<float>() == Approx(0.25));  // 0.9·0 + 0.1·2.5
  CHECK(stats.running_var.value.item<float>() == Approx(0.9 + 0.1 * 5.0 / 3.0));
  CHECK(stats.num_batches_tracked.value.item<std::int64_t>() == 1);
  stats.train(false);
  const auto y = stats.forward(fb::tensor({0.25f}).reshape({1, 1}));
  CHECK(y.item<float>() == Approx(0.0).margin(1e-6));
  CHECK(bn.repr() ==
        "BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  stats.train(true);
  CHECK_THROWS_WITH(stats.forward(fb::zeros({1, 1})), Contains("more than 1 value per channel"));
}

TEST_CASE("nn: ReLU, SigmoidRange, pools, Linear and Flatten gradients", "[nn]") {
  fb::Generator rng(4);
  fb::ReLU relu;
  check_layer(relu, fb::randn({2, 3, 4, 4}, rng) + 0.05, 1e-3);
  fb::SigmoidRange sr(-1.f, 1.f);
  check_layer(sr, fb::randn({4, 2}, rng));
  CHECK(sr.repr() == "SigmoidRange(low=-1.0, high=1.0)");
  CHECK(fb::sigmoid_range(fb::tensor({0.f}), -1.f, 1.f).item<float>() == 0.0f);
  fb::MaxPool2d mp(3, 2, 1);
  check_layer(mp, fb::randn({2, 2, 7, 6}, rng), 1e-3);
  CHECK(mp.repr() == "MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)");
  CHECK(mp.forward(fb::zeros({1, 1, 64, 64})).shape() == fb::Shape{1, 1, 32, 32});
  fb::AdaptiveAvgPool2d ap(1);
  check_layer(ap, fb::randn({2, 3, 5, 4}, rng));
  fb::AdaptiveAvgPool2d ap3(3, 2);
  check_layer(ap3, fb::randn({2, 3, 7, 5}, rng));
  fb::AdaptiveMaxPool2d amp(2);
  check_layer(amp, fb::randn({2, 3, 5, 5}, rng), 1e-3);
  fb::AdaptiveConcatPool2d cp;
  check_layer(cp, fb::randn({2, 3, 4, 4}, rng), 1e-3);
  const auto both = cp.forward(fb::tensor({1.f, 2.f, 3.f, 6.f}).reshape({1, 1, 2, 2}));
  CHECK(fb::repr(both.flatten()) == "tensor([6., 3.])");  // max first, then mean
  fb::Linear lin(5, 3, {}, &rng);
  check_layer(lin, fb::randn({4, 5}, rng));
  CHECK(lin.repr() == "Linear(in_features=5, out_features=3, bias=True)");
  fb::Flatten flat;
  check_layer(flat, fb::randn({2, 3, 2, 2}, rng));
}

TEST_CASE("nn: MaxPool2d takes the first maximum of a tie and lets NaN win", "[nn]") {
  const float nan = std::nanf("");
  fb::MaxPool2d mp(2);
  // windows {1, 5, 5, 0} and {5, 2, NaN, 7}
  const auto x = fb::tensor({1.f, 5.f, 5.f, 2.f, 5.f, 0.f, nan, 7.f}).reshape({1, 1, 2, 4});
  const auto y = mp.forward(x);
  CHECK(y.data<float>()[0] == 5.0f);
  CHECK(std::isnan(y.data<float>()[1]));
  const auto dx = mp.backward(fb::tensor({1.f, 2.f}).reshape({1, 1, 1, 2}));
  CHECK(fb::repr(dx.flatten()) == "tensor([0., 1., 0., 0., 0., 0., 2., 0.])");
}

TEST_CASE("nn: MaxPool2d agrees with a direct max over its windows", "[nn]") {
  // Values from a few integers (many ties) and some NaNs; each output is the first maximum of
  // its window in row-major order, or its first NaN, and the gradient goes to that element.
  fb::Generator rng(8);
  for (const auto& [k, s, p] : std::vector<std::tuple<int, int, int>>{
           {1, 1, 0}, {2, 2, 0}, {2, 1, 1}, {3, 2, 1}, {3, 1, 1}, {3, 3, 0}, {5, 2, 2}, {4, 3, 2}})
    for (const auto& [h, w] : std::vector<std::pair<int, int>>{{5, 5}, {4, 9}, {11, 7}}) {
      if (h + 2 * p < k || w + 2 * p < k) continue;
      fb::MaxPool2d mp(k, s, p);
      auto x = (fb::rand({2, 3, h, w}, rng) * 4).to(fb::int64).to(fb::float32);
      float* xp = x.data<float>();
      for (std::int64_t i = 0; i < x.numel(); i += 17) xp[i] = std::nanf("");
      const auto y = mp.forward(x);
      const auto dx = mp.backward(fb::ones(y.shape()));
      const std::int64_t oh = y.size(2), ow = y.size(3);
      std::vector<float> want_dx(static_cast<std::size_t>(x.numel()), 0.0f);
      bool same = true;
      for (std::int64_t plane = 0; plane < 6; ++plane)
        for (std::int64_t i = 0; i < oh; ++i)
          for (std::int64_t j = 0; j < ow; ++j) {
            std::int64_t at = -1;
            for (std::int64_t a = std::max<std::int64_t>(i * s - p, 0);
                 a < std::min<std::int64_t>(i * s - p + k, h); ++a)
              for (std::int64_t b = std::max<std::int64_t>(j * s - p, 0);
                   b < std::min<std::int64_t>(j * s - p + k, w); ++b) {
                const std::int64_t idx = (plane * h + a) * w + b;
                if (at < 0 || (!std::isnan(xp[at]) && (std::isnan(xp[idx]) || xp[idx] > xp[at])))
                  at = idx;
              }
            want_dx[static_cast<std::size_t>(at)] += 1.0f;
            const float got = y.data<float>()[(plane * oh + i) * ow + j];
            same = same && (std::isnan(xp[at]) ? std::isnan(got) : got == xp[at]);
          }
      INFO("kernel " << k << " stride " << s << " padding " << p << " image " << h << "x" << w);
      CHECK(same);
      CHECK(std::equal(want_dx.begin(), want_dx.end(), dx.data<float>()));
    }
}

TEST_CASE("nn: Dropout is seeded, scales and routes gradients through its mask", "[nn]") {
  fb::Dropout a(0.5, 11), b(0.5, 11);
  const auto x = fb::ones({1000});
  const auto ya = a.forward(x), yb = b.forward(x);
  CHECK(fb::equal(ya, yb));
  const double kept = fb::sum(ya != 0).item<std::int64_t>();
  CHECK(kept > 400);
  CHECK(kept < 600);
  CHECK(fb::max(ya).item<float>() == 2.0f);
  CHECK(fb::equal(a.backward(fb::ones({1000})), ya));
  a.train(false);
  CHECK(fb::equal(a.forward(x), x));
  CHECK_THROWS_AS(fb::Dropout(1.0), fb::value_error);
}

TEST_CASE("nn: BasicBlock and Bottleneck gradients, with and without downsample", "[nn]") {
  fb::Generator rng(5);
  fb::BasicBlock same(4, 4, 1, rng);
  CHECK_FALSE(same.downsample.has_value());
  check_layer(same, fb::randn({2, 4, 6, 6}, rng), 1e-3, 5e-2, true);
  fb::BasicBlock down(4, 8, 2, rng);
  CHECK(down.downsample.has_value());
  check_layer(down, fb::randn({2, 4, 6, 6}, rng), 1e-3, 5e-2, true);
  fb::Bottleneck bott(8, 2, 2, rng);
  check_layer(bott, fb::randn({2, 8, 6, 6}, rng), 1e-3, 5e-2, true);
}

TEST_CASE("nn: Sequential and Repeat compose, name and print like PyTorch", "[nn]") {
  fb::Generator rng(6);
  fb::Sequential seq(fb::Linear(4, 3, {}, &rng), fb::ReLU(),
                     fb::Linear(3, 2, {.bias = false}, &rng));
  check_layer(seq, fb::randn({5, 4}, rng), 1e-3);
  std::vector<std::string> names;
  seq.visit([&](const std::string& n, fb::Parameter&) { names.push_back(n); }, "head");
  CHECK(names == std::vector<std::string>{"head.0.weight", "head.0.bias", "head.2.weight"});
  CHECK(seq.repr() ==
        "Sequential(\n  (0): Linear(in_features=4, out_features=3, bias=True)\n  (1): "
        "ReLU(inplace=True)\n  (2): Linear(in_features=3, out_features=2, bias=False)\n)");
  CHECK(fb::count_parameters(seq) == 4 * 3 + 3 + 3 * 2);
}

TEST_CASE("nn: resnet18/34/50 have torchvision's parameter names and counts", "[nn]") {
  auto r18 = fb::resnet18({.seed = 1});
  std::vector<std::pair<std::string, fb::Shape>> params;
  r18.visit(
      [&](const std::string& n, fb::Parameter& p) { params.emplace_back(n, p.value.shape()); }, "");
  REQUIRE(params.size() == 122);  // len(torchvision.models.resnet18().state_dict())
  CHECK(params.front().first == "conv1.weight");
  CHECK(params.front().second == fb::Shape{64, 3, 7, 7});
  CHECK(params[1].first == "bn1.weight");
  CHECK(params[5].first == "bn1.num_batches_tracked");
  CHECK(params[6].first == "layer1.0.conv1.weight");
  CHECK(params.back().first == "fc.bias");
  bool has_downsample = false;
  for (const auto& [n, s] : params)
    if (n == "layer2.0.downsample.0.weight") has_downsample = s == fb::Shape{128, 64, 1, 1};
  CHECK(has_downsample);
  CHECK(fb::count_parameters(r18) == 11689512);
  auto r34 = fb::resnet34({.seed = 1});
  CHECK(fb::count_parameters(r34) == 21797672);
  auto r50 = fb::resnet50({.seed = 1});
  CHECK(fb::count_parameters(r50) == 25557032);
  // A forward pass at 64x64 and the body's output shape.
  r18.train(false);
  CHECK(r18.forward(fb::zeros({2, 3, 64, 64})).shape() == fb::Shape{2, 1000});
  CHECK(r18.body.forward(fb::zeros({1, 3, 64, 64})).shape() == fb::Shape{1, 512, 2, 2});
  // Seeded: the same seed gives the same weights.
  auto again = fb::resnet18({.seed = 1});
  CHECK(fb::equal(again.body.layer3[1].conv2.weight.value, r18.body.layer3[1].conv2.weight.value));
}

TEST_CASE("nn: create_head is fastai's head", "[nn]") {
  auto head = fb::create_head(512, 20, {.seed = 3});
  CHECK(head.repr() ==
        "Sequential(\n"
        "  (0): AdaptiveConcatPool2d(size=1)\n"
        "  (1): Flatten(start_dim=1, end_dim=-1)\n"
        "  (2): BatchNorm1d(1024, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n"
        "  (3): Dropout(p=0.25, inplace=False)\n"
        "  (4): Linear(in_features=1024, out_features=512, bias=False)\n"
        "  (5): ReLU(inplace=True)\n"
        "  (6): BatchNorm1d(512, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n"
        "  (7): Dropout(p=0.5, inplace=False)\n"
        "  (8): Linear(in_features=512, out_features=20, bias=False)\n"
        ")");
  std::vector<std::string> names;
  head.visit(
      [&](const std::string& n, fb::Parameter& p) {
        if (!p.is_buffer()) names.push_back(n);
      },
      "1");
  CHECK(names == std::vector<std::string>{"1.2.weight", "1.2.bias", "1.4.weight", "1.6.weight",
                                          "1.6.bias", "1.8.weight"});
  CHECK(head.forward(fb::randn({4, 512, 2, 2})).shape() == fb::Shape{4, 20});
  auto regression =
      fb::create_head(512, 2, {.ps = {0.0}, .y_range = std::pair(-1.f, 1.f), .seed = 3});
  regression.train(true);
  check_layer(regression, fb::randn({6, 512, 2, 2}), 1e-2, 5e-2, true);
  const auto out = regression.forward(fb::randn({6, 512, 2, 2}) * 100);
  CHECK(fb::max(fb::abs(out)).item<float>() <= 1.0f);
}

TEST_CASE("nn: losses take the typed targets they fit, as the plain tensors", "[nn][loss]") {
  const auto logits = fb::tensor({{2.0f, -1.0f, 0.5f}, {0.1f, 0.2f, 3.0f}});
  const fb::TensorCategory classes(fb::from_vector(std::vector<std::int64_t>{0, 2}));
  const fb::TensorMultiCategory multi(fb::tensor({{1.0f, 0.0f, 1.0f}, {0.0f, 0.0f, 1.0f}}));
  fb::CrossEntropyLossFlat ce;
  fb::BCEWithLogitsLossFlat bce;
  fb::MSELossFlat mse;
  CHECK(ce(logits, classes).item<float>() == ce(logits, classes.as_tensor()).item<float>());
  CHECK(bce(logits, multi).item<float>() == bce(logits, multi.as_tensor()).item<float>());
  CHECK(mse(logits, multi).item<float>() == mse(logits, multi.as_tensor()).item<float>());
  // The wrong pairings do not compile (tests/compile_fail/loss_wrong_target.cpp).
  static_assert(!fb::CrossEntropyLossFlat::accepts<fb::TensorMultiCategory>);
}

TEST_CASE("nn: losses match their formulas and finite differences", "[nn][loss]") {
  fb::Generator rng(9);
  const auto x = fb::randn({4, 5}, rng);
  const auto t = (fb::rand({4, 5}, rng) < 0.3).to(fb::float32);
  fb::BCEWithLogitsLossFlat bce;
  const float loss = bce(x, t).item<float>();
  // The seed's hand-written binary cross-entropy on the sigmoid.
  const auto s = x.sigmoid();
  const float by_hand = (-fb::where(t == 1, s, 1 - s).log().mean()).item<float>();
  CHECK(loss == Approx(by_hand).epsilon(1e-5));
  auto xv = x.clone();
  check_fd(
      "BCE", xv, bce.backward(),
      [&] {
        fb::BCEWithLogitsLossFlat l;
        return static_cast<double>(l(xv, t).item<float>());
      },
      1e-2, 1e-2);
  // Stable for huge logits.
  fb::BCEWithLogitsLossFlat big;
  const auto huge = big(fb::tensor({1000.f, -1000.f}), fb::tensor({0.f, 1.f}));
  CHECK(huge.item<float>() == Approx(1000.0));
  CHECK(std::isfinite(fb::sum(big.backward()).item<float>()));
  CHECK(fb::repr(bce.decodes(bce.activation(fb::tensor({-1.f, 1.f})))) == "tensor([False,  True])");

  fb::CrossEntropyLossFlat ce;
  const auto cls = fb::tensor<std::int64_t>({1, 0, 4, 2});
  const float ce_loss = ce(x, cls).item<float>();
  const auto logp = (x.exp() / x.exp().sum(1, true)).log();
  double expected = 0;
  for (std::int64_t r = 0; r < 4; ++r)
    expected -= logp.template at<float>({r, cls.template at<std::int64_t>({r})});
  CHECK(ce_loss == Approx(expected / 4).epsilon(1e-5));
  auto xc = x.clone();
  check_fd(
      "CE", xc, ce.backward(),
      [&] {
        fb::CrossEntropyLossFlat l;
        return static_cast<double>(l(xc, cls).item<float>());
      },
      1e-2, 1e-2);
  CHECK(fb::repr(ce.decodes(ce.activation(fb::tensor({{0.f, 2.f, 1.f}})))) == "tensor([1])");
  CHECK_THROWS_AS(ce(x, fb::tensor<std::int64_t>({1, 0, 5, 2})), fb::index_error);
  CHECK_THROWS_AS(ce(x, fb::tensor({1.f, 0.f, 4.f, 2.f})), fb::dtype_error);

  fb::MSELossFlat mse;
  const auto pred = fb::randn({6, 2}, rng);
  const auto target = fb::randn({6, 1, 2}, rng);  // a point target, flattened to match
  CHECK(mse(pred, target).item<float>() ==
        Approx(fb::pow(pred.flatten() - target.flatten(), 2).mean().item<float>()));
  auto pv = pred.clone();
  check_fd(
      "MSE", pv, mse.backward(),
      [&] {
        fb::MSELossFlat l;
        return static_cast<double>(l(pv, target).item<float>());
      },
      1e-2, 1e-2);
  CHECK_THROWS_WITH(mse(pred, fb::zeros({6, 3})), Contains("[6, 2]") && Contains("[6, 3]"));
  fb::MSELossFlat none({.reduction = fb::Reduction::none});
  CHECK(none(pred, target).shape() == fb::Shape{12});
  CHECK(none.backward(fb::ones({12})).shape() == fb::Shape{6, 2});
}
