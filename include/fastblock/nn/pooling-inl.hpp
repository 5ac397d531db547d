// fastblock/nn/pooling-inl.hpp — out-of-line definitions for nn/pooling.hpp.
//
// Included by pooling.hpp in header-only mode and compiled once into the library otherwise;
// every definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/core/thread_pool.hpp>
#include <fastblock/nn/pooling.hpp>
#include <fastblock/tensor/backend.hpp>

namespace fastblock {

namespace detail::pool {

/// A pooling window along one axis: [begin, end).
struct Window {
  std::int64_t begin, end;
};

/// PyTorch's adaptive window `i` of `out` over `in`.
inline Window adaptive(std::int64_t i, std::int64_t in, std::int64_t out) {
  return {(i * in) / out, ((i + 1) * in + out - 1) / out};
}

/// Checks a [N, C, H, W] float32 input.
FASTBLOCK_FUNC void check4(const std::string& layer, const Tensor& x) {
  if (x.dim() != 4 || x.dtype() != float32) throw_layer_shape(layer, x, "float32 [N, C, H, W]");
}

/// Keeps v at plane index `idx` if it beats `best`: the first maximum wins and the first NaN
/// wins over everything, as in PyTorch. Selects rather than branches: which element wins is
/// data, not predictable.
inline void keep_max(float v, std::int32_t idx, float& best, std::int32_t& at) {
  const bool take = (v > best) | ((v != v) & (best == best));
  best = take ? v : best;
  at = take ? idx : at;
}

/// Output columns [begin, end) whose windows are [j·stride + first, j·stride + first + size)
/// and lie inside the image: max_pool runs them side by side, vectorised, instead of one
/// window at a time.
struct RegularColumns {
  std::int64_t begin = 0, end = 0, stride = 1, first = 0, size = 0;
};

/// Max over windows given by `row(i)` and `col(j)`; records argmax (index within the plane).
template <class RowWin, class ColWin>
Tensor max_pool(const Tensor& x, std::int64_t oh, std::int64_t ow, RowWin row, ColWin col,
                std::vector<std::int32_t>* argmax, RegularColumns regular = {}) {
  const std::int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  Tensor y(Shape{n, c, oh, ow});
  if (argmax) argmax->resize(static_cast<std::size_t>(y.numel()));  // every entry is written
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  default_thread_pool().parallel_for(0, n * c, 1, [&](std::int64_t p0, std::int64_t p1) {
    std::vector<float> best(static_cast<std::size_t>(ow));
    std::vector<std::int32_t> at(static_cast<std::size_t>(ow));
    for (std::int64_t p = p0; p < p1; ++p) {
      const float* plane = xp + p * h * w;
      for (std::int64_t i = 0; i < oh; ++i) {
        const Window r = row(i);
        // Every window starts from its first element, then visits the others row by row.
        for (std::int64_t j = 0; j < ow; ++j) {
          const Window q = col(j);  // never empty: padding is at most half the kernel
          at[j] = static_cast<std::int32_t>(r.begin * w + q.begin);
          best[j] = plane[at[j]];
        }
        for (std::int64_t j = 0; j < ow; ++j) {
          if (j == regular.begin) j = std::max(regular.end, j);
          if (j >= ow) break;
          const Window q = col(j);
          for (std::int64_t a = r.begin; a < r.end; ++a)
            for (std::int64_t b = q.begin; b < q.end; ++b)
              keep_max(plane[a * w + b], static_cast<std::int32_t>(a * w + b), best[j], at[j]);
        }
        for (std::int64_t a = r.begin; a < r.end; ++a) {
          for (std::int64_t t = a == r.begin ? 1 : 0; t < regular.size; ++t) {
            const std::int64_t offset = a * w + regular.first + t;  // + j·stride
            for (std::int64_t j = regular.begin; j < regular.end; ++j) {
              const std::int64_t idx = offset + j * regular.stride;
              keep_max(plane[idx], static_cast<std::int32_t>(idx), best[j], at[j]);
            }
          }
        }
        const std::int64_t o = (p * oh + i) * ow;
        std::copy(best.begin(), best.end(), yp + o);
        if (argmax) std::copy(at.begin(), at.end(), argmax->begin() + o);
      }
    }
  });
  return y;
}

/// Routes each output gradient to its recorded argmax.
FASTBLOCK_FUNC Tensor max_unpool(const Tensor& dy_in, const Shape& input,
                                 const std::vector<std::int32_t>& argmax) {
  const Tensor dy = dy_in.contiguous();
  Tensor dx(input);
  dx.zero_();
  const std::int64_t planes = input[0] * input[1], hw = input[2] * input[3];
  const std::int64_t per = dy.numel() / std::max<std::int64_t>(planes, 1);
  const float* gp = dy.data<float>();
  float* dp = dx.data<float>();
  // Planes are independent: spread over the pool, each plane's sums in output order.
  default_thread_pool().parallel_for(0, planes, 1, [&](std::int64_t p0, std::int64_t p1) {
    for (std::int64_t p = p0; p < p1; ++p)
      for (std::int64_t o = 0; o < per; ++o)
        dp[p * hw + argmax[static_cast<std::size_t>(p * per + o)]] += gp[p * per + o];
  });
  return dx;
}

/// int32 scratch for `n` argmax indices on `device`.
FASTBLOCK_FUNC Storage device_indices(std::int64_t n, Device device) {
  return backend(device).allocate(static_cast<std::size_t>(n) * sizeof(std::int32_t), device);
}

FASTBLOCK_FUNC std::int32_t* indices(const Storage& s) {
  return reinterpret_cast<std::int32_t*>(s.data());
}

/// Adaptive pooling of a device tensor to [oh, ow] (max records its argmax into `argmax`).
FASTBLOCK_FUNC Tensor device_adaptive(bool max, const Tensor& x, std::int64_t oh, std::int64_t ow,
                                      Storage& argmax) {
  const std::int64_t n = x.size(0), c = x.size(1);
  Tensor y(Shape{n, c, oh, ow}, float32, x.device());
  if (max) argmax = device_indices(y.numel(), x.device());
  backend(x.device())
      .adaptive_pool_forward(max, n, c, x.size(2), x.size(3), oh, ow, x.data<float>(),
                             y.data<float>(), c * oh * ow, max ? indices(argmax) : nullptr);
  return y;
}

/// The input gradient of device_adaptive.
FASTBLOCK_FUNC Tensor device_adaptive_backward(bool max, const Tensor& dy, const Shape& input,
                                               const Storage& argmax) {
  const std::int64_t oh = dy.size(2), ow = dy.size(3);
  Tensor dx(input, float32, dy.device());
  backend(dy.device())
      .adaptive_pool_backward(max, input[0], input[1], input[2], input[3], oh, ow, dy.data<float>(),
                              input[1] * oh * ow, max ? indices(argmax) : nullptr,
                              dx.data<float>());
  return dx;
}

FASTBLOCK_FUNC std::string pair(std::int64_t a, std::int64_t b) {
  return "(" + std::to_string(a) + ", " + std::to_string(b) + ")";
}

}  // namespace detail::pool

FASTBLOCK_FUNC MaxPool2d::MaxPool2d(std::int64_t kernel_size, std::int64_t stride,
                                    std::int64_t padding)
    : k_(kernel_size), s_(stride == 0 ? kernel_size : stride), p_(padding) {
  if (k_ < 1 || s_ < 1 || p_ < 0 || 2 * p_ > k_)
    throw value_error("fastblock::" + repr() +
                      ": kernel_size and stride must be positive, padding at most half the kernel");
}

FASTBLOCK_FUNC std::string MaxPool2d::repr() const {
  return "MaxPool2d(kernel_size=" + std::to_string(k_) + ", stride=" + std::to_string(s_) +
         ", padding=" + std::to_string(p_) + ", dilation=1, ceil_mode=False)";
}

FASTBLOCK_FUNC Tensor MaxPool2d::forward(const Tensor& x_in) {
  detail::pool::check4(repr(), x_in);
  const Tensor x = x_in.contiguous();
  const std::int64_t h = x.size(2), w = x.size(3);
  const std::int64_t oh = (h + 2 * p_ - k_) / s_ + 1, ow = (w + 2 * p_ - k_) / s_ + 1;
  if (h + 2 * p_ < k_ || w + 2 * p_ < k_)
    detail::throw_layer_shape(
        repr(), x, "an image of at least " + std::to_string(k_ - 2 * p_) + " pixels each way");
  const auto win = [&](std::int64_t size) {
    return [=, this](std::int64_t i) {
      const std::int64_t b = i * s_ - p_;
      return detail::pool::Window{std::max<std::int64_t>(b, 0), std::min(b + k_, size)};
    };
  };
  input_shape_ = training() ? x.shape() : Shape{0};
  if (!x.device().is_cpu()) {
    const ConvShape s = device_shape(x.shape());
    Tensor y(Shape{s.n, s.c, oh, ow}, float32, x.device());
    device_argmax_ = detail::pool::device_indices(y.numel(), x.device());
    backend(x.device())
        .maxpool2d_forward(s, x.data<float>(), y.data<float>(),
                           detail::pool::indices(device_argmax_));
    return y;
  }
  // Columns whose window lies inside the image: j·s − p >= 0 and j·s − p + k <= w.
  const std::int64_t first_inside = std::min((p_ + s_ - 1) / s_, ow);
  const std::int64_t last_start = w + p_ - k_;  // of the last window inside, times s
  const std::int64_t end_inside =
      last_start < 0 ? first_inside : std::clamp(last_start / s_ + 1, first_inside, ow);
  return detail::pool::max_pool(
      x, oh, ow, win(h), win(w), training() ? &argmax_ : nullptr,
      {.begin = first_inside, .end = end_inside, .stride = s_, .first = -p_, .size = k_});
}

FASTBLOCK_FUNC ConvShape MaxPool2d::device_shape(const Shape& in) const {
  return {.n = in[0],
          .c = in[1],
          .h = in[2],
          .w = in[3],
          .out = in[1],
          .k = k_,
          .stride = s_,
          .pad = p_,
          .ho = (in[2] + 2 * p_ - k_) / s_ + 1,
          .wo = (in[3] + 2 * p_ - k_) / s_ + 1};
}

FASTBLOCK_FUNC Tensor MaxPool2d::backward(const Tensor& dy_in) {
  if (input_shape_.size() != 4) detail::throw_no_forward(repr());
  if (dy_in.device().is_cpu()) return detail::pool::max_unpool(dy_in, input_shape_, argmax_);
  const ConvShape s = device_shape(input_shape_);
  const Shape expected{s.n, s.c, s.ho, s.wo};
  if (dy_in.shape() != expected)
    detail::throw_layer_shape(repr() + ".backward", dy_in, expected.str());
  const Tensor dy = dy_in.contiguous();
  Tensor dx(input_shape_, float32, dy.device());
  backend(dy.device())
      .maxpool2d_backward(s, dy.data<float>(), detail::pool::indices(device_argmax_),
                          dx.data<float>());
  return dx;
}

FASTBLOCK_FUNC AdaptiveAvgPool2d::AdaptiveAvgPool2d(std::int64_t out_h, std::int64_t out_w)
    : oh_(out_h), ow_(out_w == 0 ? out_h : out_w) {
  if (oh_ < 1 || ow_ < 1) throw value_error("fastblock::" + repr() + ": sizes must be positive");
}

FASTBLOCK_FUNC std::string AdaptiveAvgPool2d::repr() const {
  return "AdaptiveAvgPool2d(output_size=" + detail::pool::pair(oh_, ow_) + ")";
}

FASTBLOCK_FUNC Tensor AdaptiveAvgPool2d::forward(const Tensor& x_in) {
  detail::pool::check4(repr(), x_in);
  const Tensor x = x_in.contiguous();
  const std::int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  if (h < 1 || w < 1) detail::throw_layer_shape(repr(), x, "a non-empty image");
  if (!x.device().is_cpu()) {
    input_shape_ = training() ? x.shape() : Shape{0};
    Storage unused;
    return detail::pool::device_adaptive(false, x, oh_, ow_, unused);
  }
  Tensor y(Shape{n, c, oh_, ow_});
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  default_thread_pool().parallel_for(0, n * c, 4, [&](std::int64_t p0, std::int64_t p1) {
    for (std::int64_t p = p0; p < p1; ++p) {
      const float* plane = xp + p * h * w;
      for (std::int64_t i = 0; i < oh_; ++i) {
        const auto r = detail::pool::adaptive(i, h, oh_);
        for (std::int64_t j = 0; j < ow_; ++j) {
          const auto q = detail::pool::adaptive(j, w, ow_);
          float sum = 0.0f;
          for (std::int64_t a = r.begin; a < r.end; ++a)
            for (std::int64_t b = q.begin; b < q.end; ++b) sum += plane[a * w + b];
          yp[(p * oh_ + i) * ow_ + j] =
              sum / static_cast<float>((r.end - r.begin) * (q.end - q.begin));
        }
      }
    }
  });
  input_shape_ = training() ? x.shape() : Shape{0};
  return y;
}

FASTBLOCK_FUNC Tensor AdaptiveAvgPool2d::backward(const Tensor& dy_in) {
  if (input_shape_.size() != 4) detail::throw_no_forward(repr());
  const Shape expected{input_shape_[0], input_shape_[1], oh_, ow_};
  if (dy_in.shape() != expected)
    detail::throw_layer_shape(repr() + ".backward", dy_in, expected.str());
  const Tensor dy = dy_in.contiguous();
  if (!dy.device().is_cpu())
    return detail::pool::device_adaptive_backward(false, dy, input_shape_, {});
  const std::int64_t h = input_shape_[2], w = input_shape_[3];
  Tensor dx(input_shape_);
  dx.zero_();
  const float* gp = dy.data<float>();
  float* dp = dx.data<float>();
  for (std::int64_t p = 0; p < input_shape_[0] * input_shape_[1]; ++p) {
    float* plane = dp + p * h * w;
    for (std::int64_t i = 0; i < oh_; ++i) {
      const auto r = detail::pool::adaptive(i, h, oh_);
      for (std::int64_t j = 0; j < ow_; ++j) {
        const auto q = detail::pool::adaptive(j, w, ow_);
        const float g =
            gp[(p * oh_ + i) * ow_ + j] / static_cast<float>((r.end - r.begin) * (q.end - q.begin));
        for (std::int64_t a = r.begin; a < r.end; ++a)
          for (std::int64_t b = q.begin; b < q.end; ++b) plane[a * w + b] += g;
      }
    }
  }
  return dx;
}

FASTBLOCK_FUNC AdaptiveMaxPool2d::AdaptiveMaxPool2d(std::int64_t out_h, std::int64_t out_w)
    : oh_(out_h), ow_(out_w == 0 ? out_h : out_w) {
  if (oh_ < 1 || ow_ < 1) throw value_error("fastblock::" + repr() + ": sizes must be positive");
}

FASTBLOCK_FUNC std::string AdaptiveMaxPool2d::repr() const {
  return "AdaptiveMaxPool2d(output_size=" + detail::pool::pair(oh_, ow_) + ")";
}

FASTBLOCK_FUNC Tensor AdaptiveMaxPool2d::forward(const Tensor& x_in) {
  detail::pool::check4(repr(), x_in);
  const Tensor x = x_in.contiguous();
  const std::int64_t h = x.size(2), w = x.size(3);
  if (h < 1 || w < 1) detail::throw_layer_shape(repr(), x, "a non-empty image");
  input_shape_ = training() ? x.shape() : Shape{0};
  if (!x.device().is_cpu()) return detail::pool::device_adaptive(true, x, oh_, ow_, device_argmax_);
  Tensor y = detail::pool::max_pool(
      x, oh_, ow_, [&](std::int64_t i) { return detail::pool::adaptive(i, h, oh_); },
      [&](std::int64_t j) { return detail::pool::adaptive(j, w, ow_); },
      training() ? &argmax_ : nullptr);
  return y;
}

FASTBLOCK_FUNC Tensor AdaptiveMaxPool2d::backward(const Tensor& dy) {
  if (input_shape_.size() != 4) detail::throw_no_forward(repr());
  const Shape expected{input_shape_[0], input_shape_[1], oh_, ow_};
  if (dy.shape() != expected) detail::throw_layer_shape(repr() + ".backward", dy, expected.str());
  if (!dy.device().is_cpu())
    return detail::pool::device_adaptive_backward(true, dy.contiguous(), input_shape_,
                                                  device_argmax_);
  return detail::pool::max_unpool(dy, input_shape_, argmax_);
}

FASTBLOCK_FUNC Tensor AdaptiveConcatPool2d::forward(const Tensor& x) {
  detail::pool::check4(repr(), x);
  const Tensor m = mp_.forward(x);
  const Tensor a = ap_.forward(x);
  const std::int64_t n = x.size(0), c = x.size(1);
  Tensor y(Shape{n, 2 * c, size_, size_}, float32, x.device());
  const std::int64_t plane = c * size_ * size_;
  if (!x.device().is_cpu()) {
    // y is [n, 2, plane]: the max pool fills the first half of each item, the average the second.
    const std::size_t row = static_cast<std::size_t>(plane) * sizeof(float);
    DeviceBackend& be = backend(x.device());
    be.copy_rows(y.data<float>(), 2 * row, m.data<float>(), row, row, static_cast<std::size_t>(n));
    be.copy_rows(y.data<float>() + plane, 2 * row, a.data<float>(), row, row,
                 static_cast<std::size_t>(n));
    return y;
  }
  const float* mp = m.data<float>();
  const float* ap = a.data<float>();
  float* yp = y.data<float>();
  for (std::int64_t b = 0; b < n; ++b) {
    std::copy(mp + b * plane, mp + (b + 1) * plane, yp + 2 * b * plane);
    std::copy(ap + b * plane, ap + (b + 1) * plane, yp + (2 * b + 1) * plane);
  }
  return y;
}

FASTBLOCK_FUNC Tensor AdaptiveConcatPool2d::backward(const Tensor& dy_in) {
  const Tensor dy = dy_in.contiguous();
  if (dy.dim() != 4 || dy.size(1) % 2 != 0)
    detail::throw_layer_shape(repr() + ".backward", dy, "[N, 2C, size, size]");
  const std::int64_t n = dy.size(0), c = dy.size(1) / 2;
  const std::int64_t plane = c * size_ * size_;
  Tensor dm(Shape{n, c, size_, size_}, float32, dy.device()),
      da(Shape{n, c, size_, size_}, float32, dy.device());
  if (!dy.device().is_cpu()) {
    const std::size_t row = static_cast<std::size_t>(plane) * sizeof(float);
    DeviceBackend& be = backend(dy.device());
    be.copy_rows(dm.data<float>(), row, dy.data<float>(), 2 * row, row,
                 static_cast<std::size_t>(n));
    be.copy_rows(da.data<float>(), row, dy.data<float>() + plane, 2 * row, row,
                 static_cast<std::size_t>(n));
    Tensor dx = mp_.backward(dm);
    be.add(dx.data<float>(), ap_.backward(da).data<float>(), dx.data<float>(), dx.numel());
    return dx;
  }
  const float* gp = dy.data<float>();
  for (std::int64_t b = 0; b < n; ++b) {
    std::copy(gp + 2 * b * plane, gp + (2 * b + 1) * plane, dm.data<float>() + b * plane);
    std::copy(gp + (2 * b + 1) * plane, gp + (2 * b + 2) * plane, da.data<float>() + b * plane);
  }
  Tensor dx = mp_.backward(dm);
  dx.add_(ap_.backward(da));
  return dx;
}

}  // namespace fastblock
