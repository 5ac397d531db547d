// fastblock/nn/conv-inl.hpp — out-of-line definitions for nn/conv.hpp.
//
// Included by conv.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/core/thread_pool.hpp>
#include <fastblock/cpu/matmul.hpp>
#include <fastblock/nn/conv.hpp>
#include <fastblock/nn/init.hpp>

namespace fastblock {

namespace detail::conv {

/// The geometry of one convolution.
struct Geometry {
  std::int64_t c, h, w, k, stride, pad, ho, wo;
  [[nodiscard]] std::int64_t rows() const noexcept { return c * k * k; }  // of the im2col matrix
  [[nodiscard]] std::int64_t cols() const noexcept { return ho * wo; }
  /// A 1x1 convolution that reads the image as it is.
  [[nodiscard]] bool direct() const noexcept { return k == 1 && stride == 1 && pad == 0; }
};

/// cols[(c·k + i)·k + j, oh·wo + ow] = x[c, oh·s − p + i, ow·s − p + j], zero outside the image.
FASTBLOCK_FUNC void im2col(const float* x, const Geometry& g, float* cols) {
  for (std::int64_t c = 0; c < g.c; ++c) {
    for (std::int64_t i = 0; i < g.k; ++i) {
      for (std::int64_t j = 0; j < g.k; ++j) {
        float* row = cols + ((c * g.k + i) * g.k + j) * g.cols();
        for (std::int64_t oh = 0; oh < g.ho; ++oh) {
          const std::int64_t ih = oh * g.stride - g.pad + i;
          float* out = row + oh * g.wo;
          if (ih < 0 || ih >= g.h) {
            std::fill(out, out + g.wo, 0.0f);
            continue;
          }
          const float* in = x + (c * g.h + ih) * g.w;
          for (std::int64_t ow = 0; ow < g.wo; ++ow) {
            const std::int64_t iw = ow * g.stride - g.pad + j;
            out[ow] = (iw >= 0 && iw < g.w) ? in[iw] : 0.0f;
          }
        }
      }
    }
  }
}

/// The adjoint of im2col: adds each column entry back onto the pixel it came from.
FASTBLOCK_FUNC void col2im(const float* cols, const Geometry& g, float* x) {
  std::fill(x, x + g.c * g.h * g.w, 0.0f);
  for (std::int64_t c = 0; c < g.c; ++c) {
    for (std::int64_t i = 0; i < g.k; ++i) {
      for (std::int64_t j = 0; j < g.k; ++j) {
        const float* row = cols + ((c * g.k + i) * g.k + j) * g.cols();
        for (std::int64_t oh = 0; oh < g.ho; ++oh) {
          const std::int64_t ih = oh * g.stride - g.pad + i;
          if (ih < 0 || ih >= g.h) continue;
          float* out = x + (c * g.h + ih) * g.w;
          const float* in = row + oh * g.wo;
          for (std::int64_t ow = 0; ow < g.wo; ++ow) {
            const std::int64_t iw = ow * g.stride - g.pad + j;
            if (iw >= 0 && iw < g.w) out[iw] += in[ow];
          }
        }
      }
    }
  }
}

/// Images per chunk of parallel work: one image per chunk, the pool balancing the rest.
inline constexpr std::int64_t grain = 1;

}  // namespace detail::conv

FASTBLOCK_FUNC Conv2d::Conv2d(std::int64_t in_channels, std::int64_t out_channels,
                              std::int64_t kernel_size, Conv2dOptions options, Generator* rng)
    : in_(in_channels),
      out_(out_channels),
      kernel_(kernel_size),
      stride_(options.stride),
      padding_(options.padding),
      has_bias_(options.bias) {
  if (in_ < 1 || out_ < 1 || kernel_ < 1 || stride_ < 1 || padding_ < 0)
    throw value_error(
        "fastblock::Conv2d: channels, kernel_size and stride must be positive and "
        "padding non-negative, got " +
        repr());
  Generator& gen = rng ? *rng : default_generator();
  weight = make_parameter(Tensor(Shape{out_, in_, kernel_, kernel_}), ParamKind::weight);
  init::kaiming_uniform_(weight.value, std::sqrt(5.0), gen);
  if (has_bias_) {
    bias = make_parameter(Tensor(Shape{out_}), ParamKind::bias);
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_ * kernel_ * kernel_));
    init::uniform_(bias.value, -bound, bound, gen);
  }
}

FASTBLOCK_FUNC std::string Conv2d::repr() const {
  const auto pair = [](std::int64_t v) {
    return "(" + std::to_string(v) + ", " + std::to_string(v) + ")";
  };
  std::string s = "Conv2d(" + std::to_string(in_) + ", " + std::to_string(out_) +
                  ", kernel_size=" + pair(kernel_) + ", stride=" + pair(stride_);
  if (padding_ != 0) s += ", padding=" + pair(padding_);
  if (!has_bias_) s += ", bias=False";
  return s + ")";
}

FASTBLOCK_FUNC void Conv2d::check_input(const Tensor& x) const {
  if (x.dim() != 4 || x.size(1) != in_ || x.dtype() != float32)
    detail::throw_layer_shape(repr(), x, "float32 [N, " + std::to_string(in_) + ", H, W]");
  if (output_size(x.size(2)) < 1 || output_size(x.size(3)) < 1)
    detail::throw_layer_shape(repr(), x,
                              "an image of at least " + std::to_string(kernel_ - 2 * padding_) +
                                  "x" + std::to_string(kernel_ - 2 * padding_) + " pixels");
}

FASTBLOCK_FUNC Tensor Conv2d::forward(const Tensor& x_in) {
  check_input(x_in);
  const Tensor x = x_in.contiguous();
  const std::int64_t n = x.size(0);
  const detail::conv::Geometry g{in_,
                                 x.size(2),
                                 x.size(3),
                                 kernel_,
                                 stride_,
                                 padding_,
                                 output_size(x.size(2)),
                                 output_size(x.size(3))};
  Tensor y(Shape{n, out_, g.ho, g.wo});
  const Tensor w = weight.value.contiguous();
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  const cpu_kernels::MatrixRef wm{w.data<float>(), out_, g.rows(), g.rows(), 1};
  const bool inner_parallel = n < static_cast<std::int64_t>(default_thread_pool().size());
  default_thread_pool().parallel_for(
      0, n, detail::conv::grain, [&](std::int64_t b0, std::int64_t b1) {
        std::vector<float> cols(g.direct() ? 0 : static_cast<std::size_t>(g.rows() * g.cols()));
        for (std::int64_t b = b0; b < b1; ++b) {
          const float* xb = xp + b * g.c * g.h * g.w;
          if (!g.direct()) detail::conv::im2col(xb, g, cols.data());
          const cpu_kernels::MatrixRef cm{g.direct() ? xb : cols.data(), g.rows(), g.cols(),
                                          g.cols(), 1};
          float* yb = yp + b * out_ * g.cols();
          cpu_kernels::gemm(wm, cm, yb, inner_parallel);
          if (has_bias_) {
            const float* bp = bias.value.data<float>();
            for (std::int64_t o = 0; o < out_; ++o) {
              float* row = yb + o * g.cols();
              for (std::int64_t p = 0; p < g.cols(); ++p) row[p] += bp[o];
            }
          }
        }
      });
  input_ = training() ? x : Tensor();
  return y;
}

FASTBLOCK_FUNC Tensor Conv2d::backward(const Tensor& dy_in) {
  if (input_.numel() == 0) detail::throw_no_forward(repr());
  const Tensor& x = input_;
  const std::int64_t n = x.size(0);
  const detail::conv::Geometry g{in_,
                                 x.size(2),
                                 x.size(3),
                                 kernel_,
                                 stride_,
                                 padding_,
                                 output_size(x.size(2)),
                                 output_size(x.size(3))};
  if (dy_in.shape() != Shape{n, out_, g.ho, g.wo})
    detail::throw_layer_shape(repr() + ".backward", dy_in,
                              Shape{n, out_, g.ho, g.wo}.str() + " (the output's shape)");
  const Tensor dy = dy_in.contiguous();
  const Tensor w = weight.value.contiguous();
  Tensor dx(x.shape());
  const float* xp = x.data<float>();
  const float* dyp = dy.data<float>();
  float* dxp = dx.data<float>();
  // W^T [rows, out] viewed column-major, without a copy.
  const cpu_kernels::MatrixRef wt{w.data<float>(), g.rows(), out_, 1, g.rows()};
  float* dwp = weight.grad_or_zeros().data<float>();
  float* dbp = has_bias_ ? bias.grad_or_zeros().data<float>() : nullptr;
  std::mutex merge;
  const bool inner_parallel = n < static_cast<std::int64_t>(default_thread_pool().size());
  default_thread_pool().parallel_for(
      0, n, detail::conv::grain, [&](std::int64_t b0, std::int64_t b1) {
        const auto cols_size = static_cast<std::size_t>(g.rows() * g.cols());
        std::vector<float> cols(g.direct() ? 0 : cols_size);
        std::vector<float> dcols(g.direct() ? 0 : cols_size);
        std::vector<float> dw(static_cast<std::size_t>(out_ * g.rows()), 0.0f);
        std::vector<float> db(has_bias_ ? static_cast<std::size_t>(out_) : 0, 0.0f);
        for (std::int64_t b = b0; b < b1; ++b) {
          const float* xb = xp + b * g.c * g.h * g.w;
          const float* dyb = dyp + b * out_ * g.cols();
          float* dxb = dxp + b * g.c * g.h * g.w;
          if (!g.direct()) detail::conv::im2col(xb, g, cols.data());
          const float* cb = g.direct() ? xb : cols.data();
          // dW += dy_b [out, P] · cols_b^T [P, rows]
          const cpu_kernels::MatrixRef dym{dyb, out_, g.cols(), g.cols(), 1};
          const cpu_kernels::MatrixRef ct{cb, g.cols(), g.rows(), 1, g.cols()};
          cpu_kernels::gemm(dym, ct, dw.data(), inner_parallel, /*accumulate=*/true);
          // dcols = W^T [rows, out] · dy_b [out, P], then back onto the image.
          cpu_kernels::gemm(wt, dym, g.direct() ? dxb : dcols.data(), inner_parallel);
          if (!g.direct()) detail::conv::col2im(dcols.data(), g, dxb);
          if (has_bias_) {
            for (std::int64_t o = 0; o < out_; ++o) {
              const float* row = dyb + o * g.cols();
              float s = 0.0f;
              for (std::int64_t p = 0; p < g.cols(); ++p) s += row[p];
              db[static_cast<std::size_t>(o)] += s;
            }
          }
        }
        const std::lock_guard lock(merge);
        for (std::size_t i = 0; i < dw.size(); ++i) dwp[i] += dw[i];
        for (std::size_t i = 0; i < db.size(); ++i) dbp[i] += db[i];
      });
  return dx;
}

FASTBLOCK_FUNC void Conv2d::visit(const ParamVisitor& f, std::string_view prefix) {
  f(join_name(prefix, "weight"), weight);
  if (has_bias_) f(join_name(prefix, "bias"), bias);
}

}  // namespace fastblock
