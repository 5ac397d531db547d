// Conv2d against a direct, obviously correct convolution in double precision, over many
// geometries: kernel sizes 1-7, strides 1-3, every padding up to the kernel's half, images from
// one pixel to wider than tall, batches that put several small images into one GEMM. The CPU
// convolution copies whole shifted planes for stride-1 "same" convolutions and runs of rows
// otherwise, large images in blocks of output rows (nn/conv-inl.hpp); each of those paths and
// their edges is reached here.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "catch.hpp"

#include <fastblock/nn.hpp>
#include <fastblock/tensor.hpp>

namespace fb = fastblock;

namespace {

struct ConvCase {
  std::int64_t n, c, h, w, out, k, stride, pad;
};

/// y, dx and dw of a convolution without bias, by the definition (double sums).
struct DirectConv {
  std::vector<double> y, dx, dw;
};

DirectConv direct_conv(const ConvCase& cc, const float* x, const float* wt, const float* dy) {
  const std::int64_t ho = (cc.h + 2 * cc.pad - cc.k) / cc.stride + 1;
  const std::int64_t wo = (cc.w + 2 * cc.pad - cc.k) / cc.stride + 1;
  DirectConv r{std::vector<double>(static_cast<std::size_t>(cc.n * cc.out * ho * wo)),
               std::vector<double>(static_cast<std::size_t>(cc.n * cc.c * cc.h * cc.w)),
               std::vector<double>(static_cast<std::size_t>(cc.out * cc.c * cc.k * cc.k))};
  for (std::int64_t b = 0; b < cc.n; ++b)
    for (std::int64_t o = 0; o < cc.out; ++o)
      for (std::int64_t oh = 0; oh < ho; ++oh)
        for (std::int64_t ow = 0; ow < wo; ++ow) {
          const auto yi = static_cast<std::size_t>(((b * cc.out + o) * ho + oh) * wo + ow);
          for (std::int64_t c = 0; c < cc.c; ++c)
            for (std::int64_t i = 0; i < cc.k; ++i)
              for (std::int64_t j = 0; j < cc.k; ++j) {
                const std::int64_t ih = oh * cc.stride - cc.pad + i;
                const std::int64_t iw = ow * cc.stride - cc.pad + j;
                if (ih < 0 || ih >= cc.h || iw < 0 || iw >= cc.w) continue;
                const auto xi = static_cast<std::size_t>(((b * cc.c + c) * cc.h + ih) * cc.w + iw);
                const auto wi = static_cast<std::size_t>(((o * cc.c + c) * cc.k + i) * cc.k + j);
                r.y[yi] += double{x[xi]} * wt[wi];
                r.dx[xi] += double{wt[wi]} * dy[yi];
                r.dw[wi] += double{x[xi]} * dy[yi];
              }
        }
  return r;
}

/// Largest |a - b| over the largest |b| (1 when b is all zeros).
double relative_error(const fb::Tensor& a, const std::vector<double>& b) {
  const float* p = a.data<float>();
  double err = 0, scale = 1e-30;
  for (std::size_t i = 0; i < b.size(); ++i) {
    err = std::max(err, std::abs(double{p[i]} - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return err / scale;
}

}  // namespace

TEST_CASE("nn: Conv2d agrees with a direct convolution for every geometry", "[nn]") {
  std::vector<ConvCase> cases;
  for (std::int64_t k : {1, 2, 3, 5, 7})
    for (std::int64_t stride : {1, 2, 3})
      for (std::int64_t pad = 0; pad <= k / 2; ++pad)
        for (const auto& [h, w] : std::vector<std::pair<std::int64_t, std::int64_t>>{
                 {1, 1}, {2, 5}, {5, 3}, {7, 7}, {9, 12}})
          if (h + 2 * pad >= k && w + 2 * pad >= k)
            cases.push_back({3, 2, h, w, 3, k, stride, pad});
  // ResNet-like layers: several small images per GEMM, and images of one output position.
  cases.push_back({9, 4, 4, 4, 5, 3, 1, 1});
  cases.push_back({7, 3, 2, 2, 4, 3, 1, 1});
  cases.push_back({6, 3, 3, 3, 4, 3, 2, 1});
  cases.push_back({5, 3, 16, 16, 8, 7, 2, 3});
  cases.push_back({4, 5, 8, 8, 6, 1, 2, 0});
  // Images large enough to go through in blocks of output rows (nn/conv-inl.hpp's
  // rows_per_block: a column matrix of more than 512 KiB).
  cases.push_back({2, 16, 40, 40, 4, 3, 1, 1});
  cases.push_back({2, 16, 81, 81, 4, 3, 2, 1});
  cases.push_back({2, 3, 150, 150, 4, 7, 2, 3});
  fb::Generator rng(11);
  for (const ConvCase& cc : cases) {
    fb::Conv2d conv(cc.c, cc.out, cc.k, {.stride = cc.stride, .padding = cc.pad, .bias = false},
                    &rng);
    const fb::Tensor x = fb::randn({cc.n, cc.c, cc.h, cc.w}, rng);
    const fb::Tensor y = conv.forward(x);
    const fb::Tensor dy = fb::randn(y.shape(), rng);
    const fb::Tensor dx = conv.backward(dy);
    const DirectConv ref =
        direct_conv(cc, x.data<float>(), conv.weight.value.data<float>(), dy.data<float>());
    INFO("n " << cc.n << " c " << cc.c << " " << cc.h << "x" << cc.w << " out " << cc.out << " k "
              << cc.k << " stride " << cc.stride << " pad " << cc.pad);
    REQUIRE(static_cast<std::size_t>(y.numel()) == ref.y.size());
    CHECK(relative_error(y, ref.y) < 1e-5);
    CHECK(relative_error(dx, ref.dx) < 1e-5);
    CHECK(relative_error(conv.weight.grad, ref.dw) < 1e-5);
  }
}
