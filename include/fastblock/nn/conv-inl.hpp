// fastblock/nn/conv-inl.hpp — out-of-line definitions for nn/conv.hpp.
//
// Included by conv.hpp in header-only mode and compiled once into the library otherwise; every
// definition is marked FASTBLOCK_FUNC so the same text serves both build modes.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/core/thread_pool.hpp>
#include <fastblock/cpu/elementwise.hpp>
#include <fastblock/cpu/matmul.hpp>
#include <fastblock/nn/conv.hpp>
#include <fastblock/nn/init.hpp>
#include <fastblock/tensor/backend.hpp>
#include <fastblock/tensor/storage.hpp>

namespace fastblock {

namespace detail::conv {

/// The geometry of one convolution.
struct Geometry {
  std::int64_t c, h, w, k, stride, pad, ho, wo;
  [[nodiscard]] std::int64_t rows() const noexcept { return c * k * k; }  // of the im2col matrix
  [[nodiscard]] std::int64_t cols() const noexcept { return ho * wo; }
  /// A 1x1 convolution that reads the image as it is.
  [[nodiscard]] bool direct() const noexcept { return k == 1 && stride == 1 && pad == 0; }
  /// The per-image geometry of a batch's ConvShape.
  static Geometry of(const ConvShape& s) noexcept {
    return {s.c, s.h, s.w, s.k, s.stride, s.pad, s.ho, s.wo};
  }
};

/// Output rows [begin, end) of one image: a block of its positions [begin·wo, end·wo).
struct RowBlock {
  std::int64_t begin, end;
};

inline bool shifts_whole_planes(const Geometry& g) noexcept { return g.stride == 1 && g.wo == g.w; }

/// Where kernel tap (i, j) reads the image. Output columns [lo, hi) read inside a row, the
/// others the zero padding. For a stride-1 convolution that keeps the width, the tap's im2col row
/// is the input plane shifted by a constant: entry q = oh·wo + ow reads the plane at q + offset
/// for the output rows [first_row, end_row) that lie inside the image, so one contiguous copy of
/// entries [q0, q1) replaces a loop over output rows (which, at the 16x16 to 2x2 images of a
/// ResNet's later stages, costs more than the copying itself); only the padding columns, where
/// the shifted copy wraps into a neighbouring row, are set apart.
struct Tap {
  std::int64_t lo, hi;
  std::int64_t first_row, end_row, offset, q0, q1;  // whole-plane shifts only

  Tap(const Geometry& g, std::int64_t i, std::int64_t j) noexcept {
    // ceil(a / s) for a >= 0, and 0 below
    const auto ceil_div = [&](std::int64_t a) {
      return a <= 0 ? 0 : (a + g.stride - 1) / g.stride;
    };
    lo = std::min(ceil_div(g.pad - j), g.wo);
    hi = std::clamp(ceil_div(g.w + g.pad - j), lo, g.wo);
    first_row = std::clamp<std::int64_t>(g.pad - i, 0, g.ho);
    end_row = std::clamp<std::int64_t>(g.h + g.pad - i, first_row, g.ho);
    offset = (i - g.pad) * g.w + (j - g.pad);
    // Entries whose source lies outside the plane are padding columns of the first or last
    // valid row.
    q0 = std::clamp(-offset, first_row * g.wo, end_row * g.wo);
    q1 = std::clamp(g.h * g.w - offset, q0, end_row * g.wo);
  }

  /// Sets the padding columns of the valid rows among `r` of a whole-plane row to zero (row
  /// holds the block's positions).
  void zero_padding_columns(const Geometry& g, float* row, RowBlock r) const {
    for (std::int64_t oh = std::max(first_row, r.begin); oh < std::min(end_row, r.end); ++oh) {
      float* out = row + (oh - r.begin) * g.wo;
      std::fill(out, out + lo, 0.0f);
      std::fill(out + hi, out + g.wo, 0.0f);
    }
  }
};

/// cols[(c·k + i)·k + j, (oh − r.begin)·wo + ow] = x[c, oh·s − p + i, ow·s − p + j] for the
/// output rows oh of `r`, zero outside the image; rows of `cols` are `ld` floats apart (ld is at
/// least the block's positions, so several images can sit side by side). Branch-free copies
/// between runs of zeros, which the compiler vectorises.
FASTBLOCK_FUNC void im2col(const float* x, const Geometry& g, float* cols, std::int64_t ld,
                           RowBlock r) {
  // Channels innermost: the tap's bounds are worked out once for all channels.
  const std::int64_t plane = g.h * g.w;
  const std::int64_t base = r.begin * g.wo, end = r.end * g.wo;
  for (std::int64_t i = 0; i < g.k; ++i) {
    for (std::int64_t j = 0; j < g.k; ++j) {
      const Tap t(g, i, j);
      const std::int64_t lo = t.lo, hi = t.hi;
      const std::int64_t q0 = std::clamp(t.q0, base, end), q1 = std::clamp(t.q1, q0, end);
      for (std::int64_t c = 0; c < g.c; ++c) {
        const float* xc = x + c * plane;
        float* row = cols + ((c * g.k + i) * g.k + j) * ld;  // row[q − base]: position q
        if (shifts_whole_planes(g)) {
          std::fill(row, row + (q0 - base), 0.0f);
          std::copy(xc + (q0 + t.offset), xc + (q1 + t.offset), row + (q0 - base));
          std::fill(row + (q1 - base), row + (end - base), 0.0f);
          t.zero_padding_columns(g, row, r);
          continue;
        }
        for (std::int64_t oh = r.begin; oh < r.end; ++oh) {
          const std::int64_t ih = oh * g.stride - g.pad + i;
          float* out = row + (oh - r.begin) * g.wo;
          if (ih < 0 || ih >= g.h) {
            std::fill(out, out + g.wo, 0.0f);
            continue;
          }
          const float* in = xc + ih * g.w;
          const std::int64_t shift = j - g.pad;  // column ow reads in[ow·s + shift]
          std::fill(out, out + lo, 0.0f);
          if (g.stride == 1) {
            std::copy(in + (lo + shift), in + (hi + shift), out + lo);
          } else if (g.stride == 2) {  // a constant stride lets the compiler vectorise it
            for (std::int64_t ow = lo; ow < hi; ++ow) out[ow] = in[2 * ow + shift];
          } else {
            for (std::int64_t ow = lo; ow < hi; ++ow) out[ow] = in[ow * g.stride + shift];
          }
          std::fill(out + hi, out + g.wo, 0.0f);
        }
      }
    }
  }
}

/// The adjoint of im2col: adds each column entry of the output rows `r` back onto the pixel it
/// came from (the block starting at row 0 clears the image first). Overwrites the entries of
/// `cols` that belong to the padding (they have no pixel) with zeros.
FASTBLOCK_FUNC void col2im(float* cols, const Geometry& g, float* x, std::int64_t ld, RowBlock r) {
  // Channels innermost, as in im2col; each pixel still receives a block's taps in (i, j) order.
  const std::int64_t plane = g.h * g.w;
  const std::int64_t base = r.begin * g.wo, end = r.end * g.wo;
  if (r.begin == 0) std::fill(x, x + g.c * plane, 0.0f);
  for (std::int64_t i = 0; i < g.k; ++i) {
    for (std::int64_t j = 0; j < g.k; ++j) {
      const Tap t(g, i, j);
      const std::int64_t lo = t.lo, hi = t.hi;
      const std::int64_t q0 = std::clamp(t.q0, base, end), q1 = std::clamp(t.q1, q0, end);
      for (std::int64_t c = 0; c < g.c; ++c) {
        float* xc = x + c * plane;
        float* row = cols + ((c * g.k + i) * g.k + j) * ld;  // row[q − base]: position q
        if (shifts_whole_planes(g)) {
          // im2col's copy backwards: clear the padding columns so that one contiguous sum
          // adds nothing onto the neighbouring rows they wrap into.
          t.zero_padding_columns(g, row, r);
          for (std::int64_t q = q0; q < q1; ++q) xc[q + t.offset] += row[q - base];
          continue;
        }
        for (std::int64_t oh = r.begin; oh < r.end; ++oh) {
          const std::int64_t ih = oh * g.stride - g.pad + i;
          if (ih < 0 || ih >= g.h) continue;
          float* out = xc + ih * g.w;
          const std::int64_t shift = j - g.pad;  // column ow adds onto out[ow·s + shift]
          const float* in = row + (oh - r.begin) * g.wo;
          if (g.stride == 1) {
            for (std::int64_t ow = lo; ow < hi; ++ow) out[ow + shift] += in[ow];
          } else if (g.stride == 2) {
            for (std::int64_t ow = lo; ow < hi; ++ow) out[2 * ow + shift] += in[ow];
          } else {
            for (std::int64_t ow = lo; ow < hi; ++ow) out[ow * g.stride + shift] += in[ow];
          }
        }
      }
    }
  }
}

/// Output positions one GEMM should cover at least: images with few positions (the late stages
/// of a ResNet: 2x2 at 64 px) are put side by side, so the products stay large enough to run at
/// full speed instead of as thin matrix-vector products.
inline constexpr std::int64_t min_gemm_columns = 256;

/// How many images of `positions` output positions go into one GEMM, at most `available`.
inline std::int64_t group_size(std::int64_t positions, std::int64_t available) {
  return std::clamp<std::int64_t>(min_gemm_columns / std::max<std::int64_t>(positions, 1), 1,
                                  std::max<std::int64_t>(available, 1));
}

/// Output rows of one image that go through im2col and the product together: enough for a
/// product of at least min_gemm_columns positions, few enough that the block's column matrix
/// (512 KiB) stays in the core's cache between being written and read. Measured on resnet18's
/// convolutions at 128 px: 5% faster on 1 thread, 10% on 2 than whole images (256 KiB and 1 MiB
/// blocks did no better).
inline std::int64_t rows_per_block(const Geometry& g) {
  constexpr std::int64_t budget = (std::int64_t{512} << 10) / sizeof(float);
  const std::int64_t positions =
      std::max(min_gemm_columns, budget / std::max<std::int64_t>(g.rows(), 1));
  return std::clamp<std::int64_t>(positions / std::max<std::int64_t>(g.wo, 1), 1, g.ho);
}

/// How a batch of `n` images is spread over the shared pool: chunks of `per` images (several
/// when each has few output positions, so a chunk can form one GEMM), and whether each GEMM
/// should spread over the pool itself (fewer images than threads).
struct BatchSplit {
  bool inner_parallel;
  std::int64_t per;
};

inline BatchSplit split_batch(std::int64_t n, std::int64_t positions) {
  const auto threads = static_cast<std::int64_t>(default_thread_pool().size());
  return {n < threads, group_size(positions, n / std::max<std::int64_t>(threads, 1))};
}

/// Uninitialised floats from the host block cache: a step asks for the same column matrices
/// again and again, and zeroing them first (as std::vector does) costs as much as filling them.
class Scratch {
 public:
  Scratch() = default;
  explicit Scratch(std::int64_t n)
      : storage_(n > 0 ? Storage::allocate_host(static_cast<std::size_t>(n) * sizeof(float))
                       : Storage()) {}
  [[nodiscard]] float* data() const noexcept { return reinterpret_cast<float*>(storage_.data()); }

 private:
  Storage storage_;
};

/// Copies image j's matrix [rows, p] (row stride p) into columns [j·p, (j+1)·p) of a group
/// matrix whose rows are `ld` apart (`to_group`), or back out of it.
inline void copy_columns(float* dst, const float* src, std::int64_t rows, std::int64_t p,
                         std::int64_t ld, std::int64_t j, bool to_group) {
  for (std::int64_t r = 0; r < rows; ++r) {
    if (to_group) {
      std::copy(src + r * p, src + (r + 1) * p, dst + r * ld + j * p);
    } else {
      std::copy(src + r * ld + j * p, src + r * ld + (j + 1) * p, dst + r * p);
    }
  }
}

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

FASTBLOCK_FUNC ConvShape Conv2d::conv_shape(const Tensor& x) const {
  return {.n = x.size(0),
          .c = in_,
          .h = x.size(2),
          .w = x.size(3),
          .out = out_,
          .k = kernel_,
          .stride = stride_,
          .pad = padding_,
          .ho = output_size(x.size(2)),
          .wo = output_size(x.size(3))};
}

FASTBLOCK_FUNC Tensor Conv2d::forward(const Tensor& x_in) {
  check_input(x_in);
  detail::check_device(repr(), x_in, weight.value.device());
  const Tensor x = x_in.contiguous();
  const std::int64_t n = x.size(0);
  if (!x.device().is_cpu()) {
    const ConvShape s = conv_shape(x);
    Tensor y(Shape{n, out_, s.ho, s.wo}, float32, x.device());
    backend(x.device())
        .conv2d_forward(s, x.data<float>(), weight.value.data<float>(),
                        has_bias_ ? bias.value.data<float>() : nullptr, y.data<float>());
    input_ = training() ? x : Tensor();
    return y;
  }
  const detail::conv::Geometry g = detail::conv::Geometry::of(conv_shape(x));
  Tensor y(Shape{n, out_, g.ho, g.wo});
  const Tensor w = weight.value.contiguous();
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  const cpu_kernels::MatrixRef wm{w.data<float>(), out_, g.rows(), g.rows(), 1};
  const auto [inner_parallel, per] = detail::conv::split_batch(n, g.cols());
  default_thread_pool().parallel_for(0, n, per, [&](std::int64_t b0, std::int64_t b1) {
    const std::int64_t group = detail::conv::group_size(g.cols(), b1 - b0);
    // Grouped images share one column matrix and one output matrix to scatter from; a single
    // image writes straight into y (and a direct 1x1 convolution reads straight from x).
    const bool single = group == 1;
    const std::int64_t ld = group * g.cols();
    const detail::conv::Scratch cols(single && g.direct() ? 0 : g.rows() * ld);
    const detail::conv::Scratch out(single ? 0 : out_ * ld);
    // A single image with many positions goes through in blocks of output rows.
    const std::int64_t block_rows = single && !g.direct() ? detail::conv::rows_per_block(g) : g.ho;
    for (std::int64_t g0 = b0; g0 < b1; g0 += group) {
      const std::int64_t m = std::min(group, b1 - g0);
      for (std::int64_t r0 = 0; r0 < g.ho; r0 += block_rows) {
        const detail::conv::RowBlock r{r0, std::min(g.ho, r0 + block_rows)};
        const std::int64_t positions = (r.end - r.begin) * g.wo, cur = m * positions;
        for (std::int64_t j = 0; j < m; ++j) {
          const float* xb = xp + (g0 + j) * g.c * g.h * g.w;
          if (!g.direct()) {
            detail::conv::im2col(xb, g, cols.data() + j * positions, cur, r);
          } else if (!single) {
            detail::conv::copy_columns(cols.data(), xb, g.rows(), g.cols(), cur, j, true);
          }
        }
        const float* cb = single && g.direct() ? xp + g0 * g.c * g.h * g.w : cols.data();
        float* target = single ? yp + g0 * out_ * g.cols() + r0 * g.wo : out.data();
        cpu_kernels::gemm(wm, {cb, g.rows(), cur, cur, 1}, target, inner_parallel, false,
                          single ? g.cols() : cur);
      }
      for (std::int64_t j = 0; j < m; ++j) {
        float* yb = yp + (g0 + j) * out_ * g.cols();
        if (!single)
          detail::conv::copy_columns(yb, out.data(), out_, g.cols(), m * g.cols(), j, false);
        if (has_bias_) {
          const float* bp = bias.value.data<float>();
          for (std::int64_t o = 0; o < out_; ++o) {
            float* row = yb + o * g.cols();
            for (std::int64_t q = 0; q < g.cols(); ++q) row[q] += bp[o];
          }
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
  const detail::conv::Geometry g = detail::conv::Geometry::of(conv_shape(x));
  if (dy_in.shape() != Shape{n, out_, g.ho, g.wo})
    detail::throw_layer_shape(repr() + ".backward", dy_in,
                              Shape{n, out_, g.ho, g.wo}.str() + " (the output's shape)");
  detail::check_device(repr() + ".backward", dy_in, x.device());
  const Tensor dy = dy_in.contiguous();
  const Tensor w = weight.value.contiguous();
  Tensor dx(x.shape(), float32, x.device());
  if (!x.device().is_cpu()) {
    backend(x.device())
        .conv2d_backward(conv_shape(x), x.data<float>(), w.data<float>(), dy.data<float>(),
                         dx.data<float>(), weight.grad_or_zeros().data<float>(),
                         has_bias_ ? bias.grad_or_zeros().data<float>() : nullptr);
    return dx;
  }
  const float* xp = x.data<float>();
  const float* dyp = dy.data<float>();
  float* dxp = dx.data<float>();
  // W^T [rows, out] viewed column-major, without a copy.
  const cpu_kernels::MatrixRef wt{w.data<float>(), g.rows(), out_, 1, g.rows()};
  // A frozen filter bank gets no gradient (PyTorch's requires_grad=False): fastai's frozen
  // phase then skips a third of each convolution's backward work.
  const bool want_dw = weight.trainable;
  float* dwp = want_dw ? weight.grad_or_zeros().data<float>() : nullptr;
  float* dbp = has_bias_ && bias.trainable ? bias.grad_or_zeros().data<float>() : nullptr;
  const auto [inner_parallel, per] = detail::conv::split_batch(n, g.cols());
  // Each chunk of images sums its own filter and bias gradients, kept at its first image; they
  // are added up in image order afterwards, so the result does not depend on which thread
  // finishes first.
  std::vector<detail::conv::Scratch> dw_parts(static_cast<std::size_t>(n));
  std::vector<std::vector<float>> db_parts(static_cast<std::size_t>(n));
  default_thread_pool().parallel_for(0, n, per, [&](std::int64_t b0, std::int64_t b1) {
    const std::int64_t group = detail::conv::group_size(g.cols(), b1 - b0);
    const bool single = group == 1;
    const std::int64_t ld = group * g.cols();
    const detail::conv::Scratch cols((single && g.direct()) || !want_dw ? 0 : g.rows() * ld);
    const detail::conv::Scratch dcols(single && g.direct() ? 0 : g.rows() * ld);
    const detail::conv::Scratch dyg(single ? 0 : out_ * ld);
    // The chunk's first product writes its filter gradient, the others add to it.
    detail::conv::Scratch dw(want_dw ? out_ * g.rows() : 0);
    std::vector<float> db(dbp != nullptr ? static_cast<std::size_t>(out_) : 0, 0.0f);
    // A single image with many positions goes through in blocks of output rows, as forward.
    const std::int64_t block_rows = single && !g.direct() ? detail::conv::rows_per_block(g) : g.ho;
    for (std::int64_t g0 = b0; g0 < b1; g0 += group) {
      const std::int64_t m = std::min(group, b1 - g0);
      if (dbp != nullptr) {
        for (std::int64_t j = 0; j < m; ++j) {
          const float* dyb = dyp + (g0 + j) * out_ * g.cols();
          for (std::int64_t o = 0; o < out_; ++o) {
            const float* row = dyb + o * g.cols();
            float sum = 0.0f;
            for (std::int64_t q = 0; q < g.cols(); ++q) sum += row[q];
            db[static_cast<std::size_t>(o)] += sum;
          }
        }
      }
      for (std::int64_t r0 = 0; r0 < g.ho; r0 += block_rows) {
        const detail::conv::RowBlock r{r0, std::min(g.ho, r0 + block_rows)};
        const std::int64_t positions = (r.end - r.begin) * g.wo, cur = m * positions;
        for (std::int64_t j = 0; j < m; ++j) {
          const float* xb = xp + (g0 + j) * g.c * g.h * g.w;
          if (!want_dw) {
            // the input's columns only serve the filter gradient
          } else if (!g.direct()) {
            detail::conv::im2col(xb, g, cols.data() + j * positions, cur, r);
          } else if (!single) {
            detail::conv::copy_columns(cols.data(), xb, g.rows(), g.cols(), cur, j, true);
          }
          if (!single) {
            const float* dyb = dyp + (g0 + j) * out_ * g.cols();
            detail::conv::copy_columns(dyg.data(), dyb, out_, g.cols(), cur, j, true);
          }
        }
        const float* cb = single && g.direct() ? xp + g0 * g.c * g.h * g.w : cols.data();
        // dy [out, cur]: the block's columns of one image, or the group's gathered matrix
        const cpu_kernels::MatrixRef dym =
            single ? cpu_kernels::MatrixRef{dyp + g0 * out_ * g.cols() + r0 * g.wo, out_, cur,
                                            g.cols(), 1}
                   : cpu_kernels::MatrixRef{dyg.data(), out_, cur, cur, 1};
        // dW += dy [out, cur] · colsᵀ [cur, rows]
        const cpu_kernels::MatrixRef ct{cb, cur, g.rows(), 1, cur};
        if (want_dw)
          cpu_kernels::gemm(dym, ct, dw.data(), inner_parallel,
                            /*accumulate=*/g0 > b0 || r0 > 0);
        // dcols = Wᵀ [rows, out] · dy [out, cur], then back onto each image.
        float* first_dx = dxp + g0 * g.c * g.h * g.w;
        cpu_kernels::gemm(wt, dym, single && g.direct() ? first_dx : dcols.data(), inner_parallel);
        for (std::int64_t j = 0; j < m; ++j) {
          float* dxb = dxp + (g0 + j) * g.c * g.h * g.w;
          if (!g.direct()) {
            detail::conv::col2im(dcols.data() + j * positions, g, dxb, cur, r);
          } else if (!single) {
            detail::conv::copy_columns(dxb, dcols.data(), g.rows(), g.cols(), cur, j, false);
          }
        }
      }
    }
    dw_parts[static_cast<std::size_t>(b0)] = std::move(dw);
    db_parts[static_cast<std::size_t>(b0)] = std::move(db);
  });
  if (want_dw) {
    // Spread over the pool by filter entries; each entry still adds the parts in image order.
    default_thread_pool().parallel_for(0, out_ * g.rows(), cpu_kernels::elementwise_grain,
                                       [&](std::int64_t e0, std::int64_t e1) {
                                         for (const auto& dw : dw_parts) {
                                           const float* part = dw.data();
                                           if (part == nullptr)
                                             continue;  // not the first image of a chunk
                                           for (std::int64_t i = e0; i < e1; ++i) dwp[i] += part[i];
                                         }
                                       });
  }
  for (const auto& db : db_parts)
    for (std::size_t i = 0; i < db.size(); ++i) dbp[i] += db[i];
  return dx;
}

FASTBLOCK_FUNC void Conv2d::visit(const ParamVisitor& f, std::string_view prefix) {
  f(join_name(prefix, "weight"), weight);
  if (has_bias_) f(join_name(prefix, "bias"), bias);
}

}  // namespace fastblock
