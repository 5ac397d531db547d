// fastblock/nn/batchnorm-inl.hpp — out-of-line definitions for nn/batchnorm.hpp.
//
// Included by batchnorm.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/core/thread_pool.hpp>
#include <fastblock/nn/batchnorm.hpp>
#include <fastblock/tensor/backend.hpp>

namespace fastblock {

namespace detail::batchnorm {

/// A sum in double precision kept in eight interleaved partial sums: one running double sum is
/// a chain of dependent adds (4 cycles per element), eight of them vectorise. The order is fixed
/// by the data alone, so results do not depend on the number of threads.
struct LaneSum {
  static constexpr int lanes = 8;
  double acc[lanes] = {};

  /// Adds f(i) for i in [0, len).
  template <class F>
  void add(std::int64_t len, F f) {
    std::int64_t i = 0;
    for (; i + lanes <= len; i += lanes)
      for (int l = 0; l < lanes; ++l) acc[l] += f(i + l);
    for (int l = 0; i < len; ++i, ++l) acc[l] += f(i);
  }
  [[nodiscard]] double total() const {
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  }
};

}  // namespace detail::batchnorm

FASTBLOCK_FUNC BatchNorm::BatchNorm(std::int64_t num_features, int spatial_dims,
                                    BatchNormOptions options)
    : c_(num_features), spatial_(spatial_dims), options_(options) {
  if (c_ < 1) throw value_error("fastblock::" + repr() + ": num_features must be positive");
  if (options_.affine) {
    weight = make_parameter(Tensor(Shape{c_}), ParamKind::batchnorm);
    weight.value.fill_(1.0);
    bias = make_parameter(Tensor(Shape{c_}), ParamKind::batchnorm);
    bias.value.zero_();
  }
  running_mean = make_parameter(Tensor(Shape{c_}), ParamKind::buffer);
  running_mean.value.zero_();
  running_var = make_parameter(Tensor(Shape{c_}), ParamKind::buffer);
  running_var.value.fill_(1.0);
  num_batches_tracked = make_parameter(Tensor(Shape{}, int64), ParamKind::buffer);
  num_batches_tracked.value.zero_();
}

FASTBLOCK_FUNC std::string BatchNorm::repr() const {
  return std::string(spatial_ == 2 ? "BatchNorm2d(" : "BatchNorm1d(") + std::to_string(c_) +
         ", eps=" + detail::python_float(options_.eps) +
         ", momentum=" + detail::python_float(options_.momentum) +
         ", affine=" + (options_.affine ? "True" : "False") + ", track_running_stats=True)";
}

FASTBLOCK_FUNC void BatchNorm::check_input(const Tensor& x) const {
  const bool rank_ok = spatial_ == 2 ? x.dim() == 4 : (x.dim() == 2 || x.dim() == 3);
  if (!rank_ok || x.size(1) != c_ || x.dtype() != float32)
    detail::throw_layer_shape(repr(), x,
                              spatial_ == 2 ? "float32 [N, " + std::to_string(c_) + ", H, W]"
                                            : "float32 [N, " + std::to_string(c_) + "] or [N, " +
                                                  std::to_string(c_) + ", L]");
}

FASTBLOCK_FUNC Tensor BatchNorm::forward(const Tensor& x_in) {
  check_input(x_in);
  detail::check_device(repr(), x_in, running_mean.value.device());
  const Tensor x = x_in.contiguous();
  const std::int64_t n = x.size(0);
  const std::int64_t s = x.numel() / std::max<std::int64_t>(n * c_, 1);  // per channel, per item
  const std::int64_t m = n * s;
  if (training() && m <= 1)
    throw value_error("fastblock::" + repr() +
                      ": expected more than 1 value per channel when training, got input of "
                      "shape " +
                      x.shape().str());
  Tensor y(x.shape(), float32, x.device());
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  const float* gp = options_.affine ? weight.value.data<float>() : nullptr;
  const float* bp = options_.affine ? bias.value.data<float>() : nullptr;
  if (!x.device().is_cpu()) {
    // The statistics stay on the device; only the int64 batch counter lives on the host.
    if (training()) {
      saved_mean_ = Tensor(Shape{c_}, float32, x.device());
      saved_inv_std_ = Tensor(Shape{c_}, float32, x.device());
    }
    backend(x.device())
        .batchnorm_forward(n, c_, s, xp, gp, bp, running_mean.value.data<float>(),
                           running_var.value.data<float>(), static_cast<float>(options_.momentum),
                           static_cast<float>(options_.eps), training(), yp,
                           training() ? saved_mean_.data<float>() : nullptr,
                           training() ? saved_inv_std_.data<float>() : nullptr);
    if (training()) num_batches_tracked.value.data<std::int64_t>()[0] += 1;
    input_ = training() ? x : Tensor();
    return y;
  }
  if (training()) {
    mean_.assign(static_cast<std::size_t>(c_), 0.0f);
    inv_std_.assign(static_cast<std::size_t>(c_), 0.0f);
    float* rm = running_mean.value.data<float>();
    float* rv = running_var.value.data<float>();
    const double mom = options_.momentum;
    default_thread_pool().parallel_for(0, c_, 1, [&](std::int64_t c0, std::int64_t c1) {
      for (std::int64_t c = c0; c < c1; ++c) {
        detail::batchnorm::LaneSum sum, sq;
        for (std::int64_t b = 0; b < n; ++b) {
          const float* p = xp + (b * c_ + c) * s;
          sum.add(s, [p](std::int64_t i) { return static_cast<double>(p[i]); });
        }
        const double mean = sum.total() / static_cast<double>(m);
        for (std::int64_t b = 0; b < n; ++b) {
          const float* p = xp + (b * c_ + c) * s;
          sq.add(s, [p, mean](std::int64_t i) {
            const double d = p[i] - mean;
            return d * d;
          });
        }
        const double var = sq.total() / static_cast<double>(m);
        const double inv = 1.0 / std::sqrt(var + options_.eps);
        mean_[static_cast<std::size_t>(c)] = static_cast<float>(mean);
        inv_std_[static_cast<std::size_t>(c)] = static_cast<float>(inv);
        rm[c] = static_cast<float>((1.0 - mom) * rm[c] + mom * mean);
        rv[c] = static_cast<float>((1.0 - mom) * rv[c] +
                                   mom * var * static_cast<double>(m) / static_cast<double>(m - 1));
        const float scale = static_cast<float>(inv) * (gp ? gp[c] : 1.0f);
        const float shift = (bp ? bp[c] : 0.0f) - static_cast<float>(mean) * scale;
        for (std::int64_t b = 0; b < n; ++b) {
          const float* p = xp + (b * c_ + c) * s;
          float* q = yp + (b * c_ + c) * s;
          for (std::int64_t i = 0; i < s; ++i) q[i] = p[i] * scale + shift;
        }
      }
    });
    num_batches_tracked.value.data<std::int64_t>()[0] += 1;
    input_ = x;
  } else {
    const float* rm = running_mean.value.data<float>();
    const float* rv = running_var.value.data<float>();
    default_thread_pool().parallel_for(0, c_, 1, [&](std::int64_t c0, std::int64_t c1) {
      for (std::int64_t c = c0; c < c1; ++c) {
        const float inv =
            static_cast<float>(1.0 / std::sqrt(static_cast<double>(rv[c]) + options_.eps));
        const float scale = inv * (gp ? gp[c] : 1.0f);
        const float shift = (bp ? bp[c] : 0.0f) - rm[c] * scale;
        for (std::int64_t b = 0; b < n; ++b) {
          const float* p = xp + (b * c_ + c) * s;
          float* q = yp + (b * c_ + c) * s;
          for (std::int64_t i = 0; i < s; ++i) q[i] = p[i] * scale + shift;
        }
      }
    });
    input_ = Tensor();
  }
  return y;
}

FASTBLOCK_FUNC Tensor BatchNorm::backward(const Tensor& dy_in) {
  if (input_.numel() == 0) detail::throw_no_forward(repr());
  if (dy_in.shape() != input_.shape())
    detail::throw_layer_shape(repr() + ".backward", dy_in,
                              input_.shape().str() + " (the output's shape)");
  const Tensor& x = input_;
  detail::check_device(repr() + ".backward", dy_in, x.device());
  const Tensor dy = dy_in.contiguous();
  const std::int64_t n = x.size(0);
  const std::int64_t s = x.numel() / (n * c_);
  const double m = static_cast<double>(n * s);
  Tensor dx(x.shape(), float32, x.device());
  const float* xp = x.data<float>();
  const float* dyp = dy.data<float>();
  float* dxp = dx.data<float>();
  const float* gp = options_.affine ? weight.value.data<float>() : nullptr;
  float* dgp = options_.affine ? weight.grad_or_zeros().data<float>() : nullptr;
  float* dbp = options_.affine ? bias.grad_or_zeros().data<float>() : nullptr;
  if (!x.device().is_cpu()) {
    backend(x.device())
        .batchnorm_backward(n, c_, s, xp, dyp, gp, saved_mean_.data<float>(),
                            saved_inv_std_.data<float>(), dxp, dgp, dbp);
    return dx;
  }
  default_thread_pool().parallel_for(0, c_, 1, [&](std::int64_t c0, std::int64_t c1) {
    for (std::int64_t c = c0; c < c1; ++c) {
      const double mean = mean_[static_cast<std::size_t>(c)];
      const double inv = inv_std_[static_cast<std::size_t>(c)];
      detail::batchnorm::LaneSum dy_sum, dy_centred;  // Σdy, Σdy·(x − mean)
      for (std::int64_t b = 0; b < n; ++b) {
        const float* p = xp + (b * c_ + c) * s;
        const float* g = dyp + (b * c_ + c) * s;
        dy_sum.add(s, [g](std::int64_t i) { return static_cast<double>(g[i]); });
        dy_centred.add(s, [p, g, mean](std::int64_t i) { return g[i] * (p[i] - mean); });
      }
      const double sum_dy = dy_sum.total(), sum_dy_xhat = dy_centred.total() * inv;
      if (dgp) {
        dgp[c] += static_cast<float>(sum_dy_xhat);
        dbp[c] += static_cast<float>(sum_dy);
      }
      // dx = γ·inv/m · (m·dy − Σdy − x̂·Σ(dy·x̂)) with x̂ = (x − mean)·inv, in float with the
      // per-channel factors worked out in double (x − mean first: no cancellation).
      const double k = (gp ? gp[c] : 1.0) * inv / m;
      const auto a = static_cast<float>(k * m);                   // times dy
      const auto d = static_cast<float>(-k * inv * sum_dy_xhat);  // times x − mean
      const auto e = static_cast<float>(-k * sum_dy);
      const auto mf = static_cast<float>(mean);
      for (std::int64_t b = 0; b < n; ++b) {
        const float* p = xp + (b * c_ + c) * s;
        const float* g = dyp + (b * c_ + c) * s;
        float* q = dxp + (b * c_ + c) * s;
        for (std::int64_t i = 0; i < s; ++i) q[i] = a * g[i] + d * (p[i] - mf) + e;
      }
    }
  });
  return dx;
}

FASTBLOCK_FUNC void BatchNorm::visit(const ParamVisitor& f, std::string_view prefix) {
  if (options_.affine) {
    f(join_name(prefix, "weight"), weight);
    f(join_name(prefix, "bias"), bias);
  }
  f(join_name(prefix, "running_mean"), running_mean);
  f(join_name(prefix, "running_var"), running_var);
  f(join_name(prefix, "num_batches_tracked"), num_batches_tracked);
}

}  // namespace fastblock
