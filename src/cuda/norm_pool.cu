// src/cuda/norm_pool.cu — CudaBackend's batch normalisation and pooling kernels.
//
// Batch norm reduces each channel of x[n, c, s] over (n, s). The work is split into many blocks
// per channel (one block per channel would leave most of an H200 idle on ResNet's 64-channel
// layers), each writing a double partial to scratch; a per-channel pass adds those partials in a
// fixed order. No atomics, so statistics and parameter gradients are bit-reproducible.
//
// Pooling gradients are gathers: each input element sums the gradients of the outputs that chose
// it (max) or cover it (average), in increasing output order — the order the CPU layers add them
// in — so they need no zeroing pass and no float atomics and are deterministic even where windows
// overlap.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "cuda_backend.hpp"
#include "kernels_common.cuh"

namespace fastblock::cuda_backend {

namespace {

using kernels::aligned16;
using kernels::max_takes;
using kernels::thread_index;
using kernels::thread_stride;

// ================================================================================================
// Batch normalisation
// ================================================================================================

/// Threads per block of the batch-norm kernels: a wide block keeps many loads in flight per SM.
constexpr int bn_threads = 512;
/// Column traversal block: 32 adjacent columns (one coalesced warp) by 16 rows.
constexpr int col_tx = 32, col_ty = 16;
static_assert(col_tx * col_ty == bn_threads);
/// Below this many values per (item, channel), a row is too short to occupy a block, so
/// channels are reduced column-wise over x viewed as [n, c·s] instead.
constexpr std::int64_t planar_min_s = 32;
/// Blocks the reductions aim for: several waves on any current GPU.
constexpr std::int64_t target_blocks = 1024;

/// How one batch-norm call walks x. Planar: block (ch, k) covers chunk k of channel ch's n·s
/// values, in units of `vec` floats. Column: block (bx, by) covers columns [32·bx, 32·bx + 32) of
/// x viewed as [n, c·s], rows by·16 + ty stepping by 16·grid_y.
struct BnPlan {
  bool planar = true;
  int vec = 1;
  std::int64_t units = 0, chunk_len = 0;  // planar: units per channel and per chunk
  unsigned grid_x = 1, grid_y = 1;
  // Partial (k, ch, i) lives at part[k·part_stride + ch·inner + i], k < parts, i < inner.
  std::int64_t parts = 1, part_stride = 1, inner = 1;
};

BnPlan plan_batchnorm(std::int64_t n, std::int64_t c, std::int64_t s, bool all_aligned) {
  BnPlan p;
  if (s >= planar_min_s) {
    p.planar = true;
    // Every row of a channel starts at a multiple of s floats, so s % 4 == 0 plus an aligned
    // base makes every float4 aligned.
    p.vec = s % 4 == 0 && all_aligned ? 4 : 1;
    p.units = n * (s / p.vec);
    const std::int64_t min_units_per_block = std::int64_t{bn_threads} * 4;
    std::int64_t chunks = (target_blocks + c - 1) / c;
    const std::int64_t most = p.units / min_units_per_block;
    if (chunks > most) chunks = most;
    if (chunks > 65535) chunks = 65535;
    if (chunks < 1) chunks = 1;
    p.chunk_len = (p.units + chunks - 1) / chunks;
    chunks = (p.units + p.chunk_len - 1) / p.chunk_len;  // no empty trailing chunk
    p.grid_x = static_cast<unsigned>(c);
    p.grid_y = static_cast<unsigned>(chunks);
    p.parts = chunks;
    p.part_stride = c;
    p.inner = 1;
  } else {
    p.planar = false;
    const std::int64_t cs = c * s;
    const std::int64_t gx = (cs + col_tx - 1) / col_tx;
    std::int64_t gy = (target_blocks + gx - 1) / gx;
    const std::int64_t most = (n + std::int64_t{col_ty} * 4 - 1) / (std::int64_t{col_ty} * 4);
    if (gy > most) gy = most;
    // The per-channel pass adds parts·s partials serially; keep that short.
    const std::int64_t most_parts = 2048 / s;
    if (gy > most_parts) gy = most_parts;
    if (gy > 65535) gy = 65535;
    if (gy < 1) gy = 1;
    p.grid_x = static_cast<unsigned>(gx);
    p.grid_y = static_cast<unsigned>(gy);
    p.parts = gy;
    p.part_stride = cs;
    p.inner = s;
  }
  return p;
}

template <int V>
__device__ __forceinline__ void load(const float* p, float (&v)[V]) {
  if constexpr (V == 4) {
    const float4 q = *reinterpret_cast<const float4*>(p);
    v[0] = q.x;
    v[1] = q.y;
    v[2] = q.z;
    v[3] = q.w;
  } else {
    v[0] = *p;
  }
}

template <int V>
__device__ __forceinline__ void store(float* p, const float (&v)[V]) {
  if constexpr (V == 4)
    *reinterpret_cast<float4*>(p) = make_float4(v[0], v[1], v[2], v[3]);
  else
    *p = v[0];
}

/// Forward statistics: Σ(x − K) and Σ(x − K)² with K = the channel's first value. The shift
/// makes the one-pass variance E[(x−K)²] − E[x−K]² free of the cancellation that E[x²] − E[x]²
/// suffers when |mean| ≫ std; float − float is exact in double.
struct StatsOp {
  const float* x;
  std::int64_t s;
  __device__ double center(std::int64_t ch) const { return x[ch * s]; }
  template <int V>
  __device__ void accumulate(std::int64_t off, double k, double& a, double& b) const {
    float v[V];
    load<V>(x + off, v);
#pragma unroll
    for (int q = 0; q < V; ++q) {
      const double d = static_cast<double>(v[q]) - k;
      a += d;
      b += d * d;
    }
  }
};

/// Backward sums: Σdy and Σdy·(x − mean) (times inv_std later gives Σdy·x̂).
struct GradSumsOp {
  const float* x;
  const float* dy;
  const float* mean;
  __device__ double center(std::int64_t ch) const { return mean[ch]; }
  template <int V>
  __device__ void accumulate(std::int64_t off, double m, double& a, double& b) const {
    float xv[V], gv[V];
    load<V>(x + off, xv);
    load<V>(dy + off, gv);
#pragma unroll
    for (int q = 0; q < V; ++q) {
      const double g = gv[q];
      a += g;
      b += g * (static_cast<double>(xv[q]) - m);
    }
  }
};

/// y = x·scale + shift with (scale, shift) per channel.
struct NormalizeOp {
  const float* x;
  float* y;
  const float2* coef;
  __device__ float2 context(std::int64_t ch) const { return coef[ch]; }
  template <int V>
  __device__ void apply(std::int64_t off, float2 k) const {
    float v[V];
    load<V>(x + off, v);
#pragma unroll
    for (int q = 0; q < V; ++q) v[q] = v[q] * k.x + k.y;
    store<V>(y + off, v);
  }
};

/// dx = A·dy + B·(x − mean) + D with (A, B, D, mean) per channel: the expanded form of
/// γ·inv/m·(m·dy − Σdy − x̂·Σdy·x̂), keeping x − mean so that no large constant cancels.
struct InputGradOp {
  const float* x;
  const float* dy;
  float* dx;
  const float4* coef;
  __device__ float4 context(std::int64_t ch) const { return coef[ch]; }
  template <int V>
  __device__ void apply(std::int64_t off, float4 k) const {
    float xv[V], gv[V];
    load<V>(x + off, xv);
    load<V>(dy + off, gv);
#pragma unroll
    for (int q = 0; q < V; ++q) xv[q] = k.x * gv[q] + k.y * (xv[q] - k.w) + k.z;
    store<V>(dx + off, xv);
  }
};

/// Calls f(offset) for every unit (V floats) in [begin, end) of channel ch's n·s/V units, unit u
/// being float (u / su)·c·s + ch·s + (u % su)·V. Thread t takes units begin + t + j·blockDim.x;
/// (row, column) advance incrementally, so there is one division per thread, not per unit.
template <int V, class F>
__device__ __forceinline__ void for_channel_units(std::int64_t ch, std::int64_t c, std::int64_t s,
                                                  std::int64_t begin, std::int64_t end, F&& f) {
  std::int64_t u = begin + threadIdx.x;
  if (u >= end) return;
  const std::int64_t su = s / V;  // units per row
  const std::int64_t plane = c * s;
  const std::int64_t step_units = blockDim.x;
  const std::int64_t drow = step_units / su, dcol = step_units - drow * su;
  const std::int64_t step = drow * plane + dcol * V;
  std::int64_t row = u / su;
  std::int64_t col = u - row * su;
  std::int64_t off = row * plane + ch * s + col * V;
  for (; u < end; u += step_units) {
    f(off);
    off += step;
    col += dcol;
    if (col >= su) {  // dcol < su, so one wrap at most: next row, s floats back
      col -= su;
      off += plane - s;
    }
  }
}

template <int V, class Op>
__global__ void __launch_bounds__(bn_threads, 2)
    bn_planar_reduce_kernel(Op op, std::int64_t c, std::int64_t s, std::int64_t units,
                            std::int64_t chunk_len, double2* part) {
  __shared__ double shared[bn_threads / 32];
  const std::int64_t ch = blockIdx.x, k = blockIdx.y;
  const std::int64_t begin = k * chunk_len;
  const std::int64_t end = begin + chunk_len < units ? begin + chunk_len : units;
  const double center = op.center(ch);
  double a = 0.0, b = 0.0;
  for_channel_units<V>(ch, c, s, begin, end,
                       [&](std::int64_t off) { op.template accumulate<V>(off, center, a, b); });
  a = kernels::block_sum(a, shared);
  b = kernels::block_sum(b, shared);
  if (threadIdx.x == 0) part[k * c + ch] = make_double2(a, b);
}

template <int V, class Op>
__global__ void __launch_bounds__(bn_threads, 2)
    bn_planar_apply_kernel(Op op, std::int64_t c, std::int64_t s, std::int64_t units,
                           std::int64_t chunk_len) {
  const std::int64_t ch = blockIdx.x, k = blockIdx.y;
  const std::int64_t begin = k * chunk_len;
  const std::int64_t end = begin + chunk_len < units ? begin + chunk_len : units;
  const auto ctx = op.context(ch);
  for_channel_units<V>(ch, c, s, begin, end,
                       [&](std::int64_t off) { op.template apply<V>(off, ctx); });
}

template <class Op>
__global__ void __launch_bounds__(bn_threads)
    bn_column_reduce_kernel(Op op, std::int64_t n, std::int64_t s, std::int64_t cs, double2* part) {
  __shared__ double sa[col_ty][col_tx], sb[col_ty][col_tx];
  const unsigned tx = threadIdx.x, ty = threadIdx.y;
  const std::int64_t col = static_cast<std::int64_t>(blockIdx.x) * col_tx + tx;
  double a = 0.0, b = 0.0;
  if (col < cs) {
    const double center = op.center(col / s);
    for (std::int64_t row = static_cast<std::int64_t>(blockIdx.y) * col_ty + ty; row < n;
         row += static_cast<std::int64_t>(gridDim.y) * col_ty)
      op.template accumulate<1>(row * cs + col, center, a, b);
  }
  sa[ty][tx] = a;
  sb[ty][tx] = b;
  __syncthreads();
  for (unsigned half = col_ty / 2; half > 0; half >>= 1) {
    if (ty < half) {
      sa[ty][tx] += sa[ty + half][tx];
      sb[ty][tx] += sb[ty + half][tx];
    }
    __syncthreads();
  }
  if (ty == 0 && col < cs) part[blockIdx.y * cs + col] = make_double2(sa[0][tx], sb[0][tx]);
}

template <class Op>
__global__ void __launch_bounds__(bn_threads)
    bn_column_apply_kernel(Op op, std::int64_t n, std::int64_t s, std::int64_t cs) {
  const std::int64_t col = static_cast<std::int64_t>(blockIdx.x) * col_tx + threadIdx.x;
  if (col >= cs) return;
  const auto ctx = op.context(col / s);
  for (std::int64_t row = static_cast<std::int64_t>(blockIdx.y) * col_ty + threadIdx.y; row < n;
       row += static_cast<std::int64_t>(gridDim.y) * col_ty)
    op.template apply<1>(row * cs + col, ctx);
}

/// A channel's partials, added in a fixed order.
__device__ double2 channel_total(const double2* part, std::int64_t ch, const BnPlan& p) {
  double a = 0.0, b = 0.0;
  for (std::int64_t k = 0; k < p.parts; ++k) {
    const double2* q = part + k * p.part_stride + ch * p.inner;
    for (std::int64_t i = 0; i < p.inner; ++i) {
      a += q[i].x;
      b += q[i].y;
    }
  }
  return make_double2(a, b);
}

/// Training statistics → mean, inv_std, running statistics (unbiased variance) and the
/// normalisation's per-channel (scale, shift), all as the CPU layer computes them.
__global__ void bn_train_finalize_kernel(const double2* part, BnPlan p, std::int64_t c,
                                         const float* x, std::int64_t s, double m,
                                         const float* gamma, const float* beta, float* running_mean,
                                         float* running_var, double momentum, double eps,
                                         float* mean_out, float* inv_std_out, float2* coef) {
  for (std::int64_t ch = thread_index(); ch < c; ch += thread_stride()) {
    const double2 t = channel_total(part, ch, p);
    const double shift_mean = t.x / m;  // mean of (x − K)
    const double mean = static_cast<double>(x[ch * s]) + shift_mean;
    const double var = fmax(t.y / m - shift_mean * shift_mean, 0.0);  // biased
    const double inv = 1.0 / sqrt(var + eps);
    if (mean_out != nullptr) mean_out[ch] = static_cast<float>(mean);
    if (inv_std_out != nullptr) inv_std_out[ch] = static_cast<float>(inv);
    if (running_mean != nullptr)
      running_mean[ch] = static_cast<float>((1.0 - momentum) * running_mean[ch] + momentum * mean);
    if (running_var != nullptr)
      running_var[ch] =
          static_cast<float>((1.0 - momentum) * running_var[ch] + momentum * var * m / (m - 1.0));
    const float scale = static_cast<float>(inv) * (gamma != nullptr ? gamma[ch] : 1.0f);
    const float shift = (beta != nullptr ? beta[ch] : 0.0f) - static_cast<float>(mean) * scale;
    coef[ch] = make_float2(scale, shift);
  }
}

/// Eval: (scale, shift) from the running statistics.
__global__ void bn_eval_coef_kernel(std::int64_t c, const float* gamma, const float* beta,
                                    const float* running_mean, const float* running_var, double eps,
                                    float2* coef) {
  for (std::int64_t ch = thread_index(); ch < c; ch += thread_stride()) {
    const float inv = static_cast<float>(1.0 / sqrt(static_cast<double>(running_var[ch]) + eps));
    const float scale = inv * (gamma != nullptr ? gamma[ch] : 1.0f);
    const float shift = (beta != nullptr ? beta[ch] : 0.0f) - running_mean[ch] * scale;
    coef[ch] = make_float2(scale, shift);
  }
}

/// Backward sums → dγ, dβ (accumulated) and the input gradient's per-channel coefficients.
__global__ void bn_grad_finalize_kernel(const double2* part, BnPlan p, std::int64_t c, double m,
                                        const float* gamma, const float* mean, const float* inv_std,
                                        float* dgamma, float* dbeta, float4* coef) {
  for (std::int64_t ch = thread_index(); ch < c; ch += thread_stride()) {
    const double2 t = channel_total(part, ch, p);
    const double inv = inv_std[ch];
    const double sum_dy = t.x;
    const double sum_dy_xhat = t.y * inv;
    if (dgamma != nullptr) dgamma[ch] += static_cast<float>(sum_dy_xhat);
    if (dbeta != nullptr) dbeta[ch] += static_cast<float>(sum_dy);
    const double k = (gamma != nullptr ? static_cast<double>(gamma[ch]) : 1.0) * inv / m;
    coef[ch] = make_float4(static_cast<float>(k * m), static_cast<float>(-k * sum_dy_xhat * inv),
                           static_cast<float>(-k * sum_dy), mean[ch]);
  }
}

template <class Op>
void bn_reduce(cudaStream_t stream, const BnPlan& p, Op op, std::int64_t n, std::int64_t c,
               std::int64_t s, double2* part) {
  if (p.planar) {
    const dim3 grid(p.grid_x, p.grid_y);
    if (p.vec == 4)
      bn_planar_reduce_kernel<4>
          <<<grid, bn_threads, 0, stream>>>(op, c, s, p.units, p.chunk_len, part);
    else
      bn_planar_reduce_kernel<1>
          <<<grid, bn_threads, 0, stream>>>(op, c, s, p.units, p.chunk_len, part);
  } else {
    bn_column_reduce_kernel<<<dim3(p.grid_x, p.grid_y), dim3(col_tx, col_ty), 0, stream>>>(
        op, n, s, c * s, part);
  }
  check_launch("batchnorm reduction kernel");
}

template <class Op>
void bn_apply(cudaStream_t stream, const BnPlan& p, Op op, std::int64_t n, std::int64_t c,
              std::int64_t s) {
  if (p.planar) {
    const dim3 grid(p.grid_x, p.grid_y);
    if (p.vec == 4)
      bn_planar_apply_kernel<4><<<grid, bn_threads, 0, stream>>>(op, c, s, p.units, p.chunk_len);
    else
      bn_planar_apply_kernel<1><<<grid, bn_threads, 0, stream>>>(op, c, s, p.units, p.chunk_len);
  } else {
    bn_column_apply_kernel<<<dim3(p.grid_x, p.grid_y), dim3(col_tx, col_ty), 0, stream>>>(op, n, s,
                                                                                          c * s);
  }
  check_launch("batchnorm elementwise kernel");
}

/// Bytes of `count` objects of T, rounded up to 256 so the next carve-out of scratch stays aligned.
template <class T>
std::size_t carve(std::int64_t count) {
  const std::size_t bytes = static_cast<std::size_t>(count) * sizeof(T);
  return (bytes + 255) / 256 * 256;
}

// ================================================================================================
// Max pooling
// ================================================================================================

/// One thread per output; windows clipped to the image (padding never wins, 2·pad ≤ k keeps
/// every window non-empty). I is the index type of the flat decomposition (see fits_int32).
template <class I>
__global__ void maxpool_forward_kernel(const float* x, float* y, std::int32_t* argmax, I total, I h,
                                       I w, I ho, I wo, std::int64_t k, std::int64_t stride,
                                       std::int64_t pad) {
  for (std::int64_t o64 = thread_index(); o64 < static_cast<std::int64_t>(total);
       o64 += thread_stride()) {
    const I o = static_cast<I>(o64);
    const I ox = o % wo, t = o / wo;
    const I oy = t % ho, plane = t / ho;
    const std::int64_t hs = static_cast<std::int64_t>(oy) * stride - pad;
    const std::int64_t ws = static_cast<std::int64_t>(ox) * stride - pad;
    const std::int64_t a0 = hs > 0 ? hs : 0, a1 = hs + k < h ? hs + k : h;
    const std::int64_t b0 = ws > 0 ? ws : 0, b1 = ws + k < w ? ws + k : w;
    const float* xp = x + static_cast<std::int64_t>(plane) * h * w;
    float best = -INFINITY;
    std::int64_t at = a0 * w + b0;
    bool seen = false;
    for (std::int64_t a = a0; a < a1; ++a)
      for (std::int64_t b = b0; b < b1; ++b) {
        const float v = xp[a * w + b];
        if (max_takes(v, best, seen)) {
          best = v;
          at = a * w + b;
          seen = true;
        }
      }
    y[o64] = best;
    if (argmax != nullptr) argmax[o64] = static_cast<std::int32_t>(at);
  }
}

/// One thread per input element: sums, in increasing output order, dy of every output whose
/// window contains the element and whose argmax is it. Output oy covers input rows
/// [oy·stride − pad, oy·stride − pad + k), so row r lies in the windows
/// oy ∈ [⌊(r + pad − k)/stride⌋ + 1, ⌊(r + pad)/stride⌋] ∩ [0, ho).
template <class I>
__global__ void maxpool_backward_kernel(const float* dy, const std::int32_t* argmax, float* dx,
                                        I total, I h, I w, I ho, I wo, std::int64_t k,
                                        std::int64_t stride, std::int64_t pad) {
  for (std::int64_t i64 = thread_index(); i64 < static_cast<std::int64_t>(total);
       i64 += thread_stride()) {
    const I i = static_cast<I>(i64);
    const I xx = i % w, t = i / w;
    const I yy = t % h, plane = t / h;
    const auto first = [&](std::int64_t r) {
      const std::int64_t q = r + pad - k;
      return q < 0 ? std::int64_t{0} : q / stride + 1;
    };
    const auto last = [&](std::int64_t r, std::int64_t out) {
      const std::int64_t l = (r + pad) / stride;
      return l < out - 1 ? l : out - 1;
    };
    const std::int64_t oy0 = first(yy), oy1 = last(yy, ho);
    const std::int64_t ox0 = first(xx), ox1 = last(xx, wo);
    const std::int32_t self = static_cast<std::int32_t>(static_cast<std::int64_t>(yy) * w + xx);
    const std::int64_t base = static_cast<std::int64_t>(plane) * ho * wo;
    float g = 0.0f;
    for (std::int64_t oy = oy0; oy <= oy1; ++oy)
      for (std::int64_t ox = ox0; ox <= ox1; ++ox) {
        const std::int64_t o = base + oy * wo + ox;
        if (argmax[o] == self) g += dy[o];
      }
    dx[i64] = g;
  }
}

// ================================================================================================
// Adaptive pooling
// ================================================================================================

/// Bin i of `out` over `in` is [⌊i·in/out⌋, ⌈(i+1)·in/out⌉) (PyTorch's).
__device__ __forceinline__ std::int64_t bin_begin(std::int64_t i, std::int64_t in,
                                                  std::int64_t out) {
  return i * in / out;
}
__device__ __forceinline__ std::int64_t bin_end(std::int64_t i, std::int64_t in, std::int64_t out) {
  return ((i + 1) * in + out - 1) / out;
}

/// Where output (b, ch, i, j) goes: the batch stride lets two pools fill a concatenation.
struct AdaptiveGeometry {
  std::int64_t c, h, w, oh, ow, y_batch_stride;
};

/// One thread per output: bins are small (e.g. 7×7 → 1×1), so a serial scan beats cooperation.
template <class I, bool Max>
__global__ void adaptive_forward_kernel(const float* x, float* y, std::int32_t* argmax, I total,
                                        AdaptiveGeometry g) {
  const I c = static_cast<I>(g.c), oh = static_cast<I>(g.oh), ow = static_cast<I>(g.ow);
  for (std::int64_t o64 = thread_index(); o64 < static_cast<std::int64_t>(total);
       o64 += thread_stride()) {
    const I o = static_cast<I>(o64);
    const I j = o % ow, t = o / ow;
    const I i = t % oh, p = t / oh;
    const I b = p / c, ch = p - b * c;
    const std::int64_t a0 = bin_begin(i, g.h, g.oh), a1 = bin_end(i, g.h, g.oh);
    const std::int64_t c0 = bin_begin(j, g.w, g.ow), c1 = bin_end(j, g.w, g.ow);
    const float* xp = x + static_cast<std::int64_t>(p) * g.h * g.w;
    float result;
    if constexpr (Max) {
      float best = -INFINITY;
      std::int64_t at = a0 * g.w + c0;
      bool seen = false;
      for (std::int64_t a = a0; a < a1; ++a)
        for (std::int64_t q = c0; q < c1; ++q) {
          const float v = xp[a * g.w + q];
          if (max_takes(v, best, seen)) {
            best = v;
            at = a * g.w + q;
            seen = true;
          }
        }
      result = best;
      if (argmax != nullptr) argmax[o64] = static_cast<std::int32_t>(at);
    } else {
      float sum = 0.0f;
      for (std::int64_t a = a0; a < a1; ++a)
        for (std::int64_t q = c0; q < c1; ++q) sum += xp[a * g.w + q];
      result = sum / static_cast<float>((a1 - a0) * (c1 - c0));
    }
    y[static_cast<std::int64_t>(b) * g.y_batch_stride +
      (static_cast<std::int64_t>(ch) * g.oh + i) * g.ow + j] = result;
  }
}

/// Of two (value, index) candidates of a max scan, the one a serial scan in index order keeps:
/// a NaN over any number, the larger value, the smaller index on ties and among NaNs. A lane
/// that saw nothing offers index INT64_MAX with −∞, which loses to any real element.
__device__ __forceinline__ void max_merge(float& v, std::int64_t& at, float ov, std::int64_t oat) {
  const bool vn = v != v, on = ov != ov;
  bool take;
  if (vn || on)
    take = on && (!vn || oat < at);
  else
    take = ov > v || (ov == v && oat < at);
  if (take) {
    v = ov;
    at = oat;
  }
}

/// One warp per output, for large bins (e.g. global pooling of a big feature map): lanes walk
/// the bin in row-major order, then a shuffle tree merges them.
template <bool Max>
__global__ void adaptive_forward_warp_kernel(const float* x, float* y, std::int32_t* argmax,
                                             std::int64_t total, AdaptiveGeometry g) {
  const int lane = static_cast<int>(threadIdx.x & 31u);
  for (std::int64_t o = thread_index() / 32; o < total; o += thread_stride() / 32) {
    const std::int64_t j = o % g.ow, t = o / g.ow;
    const std::int64_t i = t % g.oh, p = t / g.oh;
    const std::int64_t b = p / g.c, ch = p - b * g.c;
    const std::int64_t a0 = bin_begin(i, g.h, g.oh), a1 = bin_end(i, g.h, g.oh);
    const std::int64_t c0 = bin_begin(j, g.w, g.ow), c1 = bin_end(j, g.w, g.ow);
    const std::int64_t bw = c1 - c0, area = (a1 - a0) * bw;
    const float* xp = x + p * g.h * g.w;
    // Element e of the bin is (a0 + e / bw, c0 + e % bw); lanes step e by 32.
    const std::int64_t da = 32 / bw, dq = 32 - da * bw;
    std::int64_t a = a0 + lane / bw, q = c0 + lane % bw;
    float acc = Max ? -INFINITY : 0.0f;
    std::int64_t at = INT64_MAX;
    bool seen = false;
    for (std::int64_t e = lane; e < area; e += 32) {
      const float v = xp[a * g.w + q];
      if constexpr (Max) {
        if (max_takes(v, acc, seen)) {
          acc = v;
          at = a * g.w + q;
          seen = true;
        }
      } else {
        acc += v;
      }
      a += da;
      q += dq;
      if (q >= c1) {
        q -= bw;
        ++a;
      }
    }
    if constexpr (Max) {
      for (int offset = 16; offset > 0; offset >>= 1) {
        const float ov = __shfl_down_sync(0xffffffffu, acc, offset);
        const std::int64_t oat = __shfl_down_sync(0xffffffffu, at, offset);
        max_merge(acc, at, ov, oat);
      }
    } else {
      acc = kernels::warp_sum_to_lane0(acc);
    }
    if (lane == 0) {
      y[b * g.y_batch_stride + (ch * g.oh + i) * g.ow + j] =
          Max ? acc : acc / static_cast<float>(area);
      if (Max && argmax != nullptr) argmax[o] = static_cast<std::int32_t>(at);
    }
  }
}

/// One thread per input element, gathering from the bins that contain it. Row r lies in bins
/// i ∈ [⌊r·oh/h⌋, ⌈(r+1)·oh/h⌉) (from ⌊i·h/oh⌋ ≤ r < ⌈(i+1)·h/oh⌉); max adds dy where the bin's
/// argmax is r·w + col, average adds dy / bin area, both in increasing bin order as the CPU does.
template <class I, bool Max>
__global__ void adaptive_backward_kernel(const float* dy, std::int64_t dy_batch_stride,
                                         const std::int32_t* argmax, float* dx, I total,
                                         AdaptiveGeometry g) {
  const I c = static_cast<I>(g.c), h = static_cast<I>(g.h), w = static_cast<I>(g.w);
  for (std::int64_t i64 = thread_index(); i64 < static_cast<std::int64_t>(total);
       i64 += thread_stride()) {
    const I e = static_cast<I>(i64);
    const I xx = e % w, t = e / w;
    const I yy = t % h, p = t / h;
    const I b = p / c, ch = p - b * c;
    const std::int64_t i0 = static_cast<std::int64_t>(yy) * g.oh / g.h;
    std::int64_t i1 = ((static_cast<std::int64_t>(yy) + 1) * g.oh + g.h - 1) / g.h;
    if (i1 > g.oh) i1 = g.oh;
    const std::int64_t j0 = static_cast<std::int64_t>(xx) * g.ow / g.w;
    std::int64_t j1 = ((static_cast<std::int64_t>(xx) + 1) * g.ow + g.w - 1) / g.w;
    if (j1 > g.ow) j1 = g.ow;
    const float* d = dy + static_cast<std::int64_t>(b) * dy_batch_stride +
                     static_cast<std::int64_t>(ch) * g.oh * g.ow;
    float sum = 0.0f;
    if constexpr (Max) {
      const std::int32_t self = static_cast<std::int32_t>(static_cast<std::int64_t>(yy) * g.w + xx);
      const std::int32_t* am = argmax + static_cast<std::int64_t>(p) * g.oh * g.ow;
      for (std::int64_t i = i0; i < i1; ++i)
        for (std::int64_t j = j0; j < j1; ++j)
          if (am[i * g.ow + j] == self) sum += d[i * g.ow + j];
    } else {
      for (std::int64_t i = i0; i < i1; ++i) {
        const std::int64_t rows = bin_end(i, g.h, g.oh) - bin_begin(i, g.h, g.oh);
        for (std::int64_t j = j0; j < j1; ++j) {
          const std::int64_t cols = bin_end(j, g.w, g.ow) - bin_begin(j, g.w, g.ow);
          sum += d[i * g.ow + j] / static_cast<float>(rows * cols);
        }
      }
    }
    dx[i64] = sum;
  }
}

template <bool Max>
void launch_adaptive_forward(cudaStream_t stream, const float* x, float* y, std::int32_t* argmax,
                             std::int64_t n, const AdaptiveGeometry& g) {
  const std::int64_t total = n * g.c * g.oh * g.ow;
  // Bins averaging 128+ elements would leave one thread per output scanning serially.
  if (g.h * g.w >= 128 * g.oh * g.ow) {
    adaptive_forward_warp_kernel<Max>
        <<<grid_for(total * 32), block_threads, 0, stream>>>(x, y, argmax, total, g);
  } else {
    kernels::with_index_type<std::uint32_t>(std::max(total, n * g.c * g.h * g.w), [&](auto index) {
      using I = decltype(index);
      adaptive_forward_kernel<I, Max>
          <<<grid_for(total), block_threads, 0, stream>>>(x, y, argmax, static_cast<I>(total), g);
    });
  }
  check_launch("adaptive_pool_forward kernel");
}

template <bool Max>
void launch_adaptive_backward(cudaStream_t stream, const float* dy, std::int64_t dy_batch_stride,
                              const std::int32_t* argmax, float* dx, std::int64_t n,
                              const AdaptiveGeometry& g) {
  const std::int64_t total = n * g.c * g.h * g.w;
  kernels::with_index_type<std::uint32_t>(std::max(total, n * g.c * g.oh * g.ow), [&](auto index) {
    using I = decltype(index);
    adaptive_backward_kernel<I, Max><<<grid_for(total), block_threads, 0, stream>>>(
        dy, dy_batch_stride, argmax, dx, static_cast<I>(total), g);
  });
  check_launch("adaptive_pool_backward kernel");
}

}  // namespace

// ------------------------------------------------------------------------------------------------

void CudaBackend::batchnorm_forward(std::int64_t n, std::int64_t c, std::int64_t s, const float* x,
                                    const float* gamma, const float* beta, float* running_mean,
                                    float* running_var, float momentum, float eps, bool training,
                                    float* y, float* mean, float* inv_std) {
  if (n <= 0 || c <= 0 || s <= 0) return;
  const BnPlan p = plan_batchnorm(n, c, s, aligned16(x) && aligned16(y));
  const std::int64_t part_count = p.parts * p.part_stride * p.inner;
  const std::size_t part_bytes = training ? carve<double2>(part_count) : 0;
  auto* base = static_cast<unsigned char*>(scratch(part_bytes + carve<float2>(c)));
  auto* part = reinterpret_cast<double2*>(base);
  auto* coef = reinterpret_cast<float2*>(base + part_bytes);
  if (training) {
    bn_reduce(stream(), p, StatsOp{x, s}, n, c, s, part);
    bn_train_finalize_kernel<<<grid_for(c), block_threads, 0, stream()>>>(
        part, p, c, x, s, static_cast<double>(n * s), gamma, beta, running_mean, running_var,
        static_cast<double>(momentum), static_cast<double>(eps), mean, inv_std, coef);
    check_launch("batchnorm_forward statistics kernel");
  } else {
    bn_eval_coef_kernel<<<grid_for(c), block_threads, 0, stream()>>>(
        c, gamma, beta, running_mean, running_var, static_cast<double>(eps), coef);
    check_launch("batchnorm_forward eval kernel");
  }
  bn_apply(stream(), p, NormalizeOp{x, y, coef}, n, c, s);
}

void CudaBackend::batchnorm_backward(std::int64_t n, std::int64_t c, std::int64_t s, const float* x,
                                     const float* dy, const float* gamma, const float* mean,
                                     const float* inv_std, float* dx, float* dgamma, float* dbeta) {
  if (n <= 0 || c <= 0 || s <= 0) return;
  const bool aligned = aligned16(x) && aligned16(dy) && (dx == nullptr || aligned16(dx));
  const BnPlan p = plan_batchnorm(n, c, s, aligned);
  const std::int64_t part_count = p.parts * p.part_stride * p.inner;
  const std::size_t part_bytes = carve<double2>(part_count);
  auto* base = static_cast<unsigned char*>(scratch(part_bytes + carve<float4>(c)));
  auto* part = reinterpret_cast<double2*>(base);
  auto* coef = reinterpret_cast<float4*>(base + part_bytes);
  bn_reduce(stream(), p, GradSumsOp{x, dy, mean}, n, c, s, part);
  bn_grad_finalize_kernel<<<grid_for(c), block_threads, 0, stream()>>>(
      part, p, c, static_cast<double>(n * s), gamma, mean, inv_std, dgamma, dbeta, coef);
  check_launch("batchnorm_backward parameter kernel");
  if (dx != nullptr) bn_apply(stream(), p, InputGradOp{x, dy, dx, coef}, n, c, s);
}

void CudaBackend::maxpool2d_forward(const ConvShape& s, const float* x, float* y,
                                    std::int32_t* argmax) {
  const std::int64_t total = s.n * s.c * s.ho * s.wo;
  if (total <= 0) return;
  kernels::with_index_type<std::uint32_t>(std::max(total, s.n * s.c * s.h * s.w), [&](auto index) {
    using I = decltype(index);
    maxpool_forward_kernel<I><<<grid_for(total), block_threads, 0, stream()>>>(
        x, y, argmax, static_cast<I>(total), static_cast<I>(s.h), static_cast<I>(s.w),
        static_cast<I>(s.ho), static_cast<I>(s.wo), s.k, s.stride, s.pad);
  });
  check_launch("maxpool2d_forward kernel");
}

void CudaBackend::maxpool2d_backward(const ConvShape& s, const float* dy,
                                     const std::int32_t* argmax, float* dx) {
  const std::int64_t total = s.n * s.c * s.h * s.w;
  if (total <= 0) return;
  // Every element of dx is written (a gather), which is the "zeroed first" of the contract.
  kernels::with_index_type<std::uint32_t>(
      std::max(total, s.n * s.c * s.ho * s.wo), [&](auto index) {
        using I = decltype(index);
        maxpool_backward_kernel<I><<<grid_for(total), block_threads, 0, stream()>>>(
            dy, argmax, dx, static_cast<I>(total), static_cast<I>(s.h), static_cast<I>(s.w),
            static_cast<I>(s.ho), static_cast<I>(s.wo), s.k, s.stride, s.pad);
      });
  check_launch("maxpool2d_backward kernel");
}

void CudaBackend::adaptive_pool_forward(bool max, std::int64_t n, std::int64_t c, std::int64_t h,
                                        std::int64_t w, std::int64_t oh, std::int64_t ow,
                                        const float* x, float* y, std::int64_t y_batch_stride,
                                        std::int32_t* argmax) {
  if (n <= 0 || c <= 0 || h <= 0 || w <= 0 || oh <= 0 || ow <= 0) return;
  const AdaptiveGeometry g{c, h, w, oh, ow, y_batch_stride};
  if (max)
    launch_adaptive_forward<true>(stream(), x, y, argmax, n, g);
  else
    launch_adaptive_forward<false>(stream(), x, y, nullptr, n, g);
}

void CudaBackend::adaptive_pool_backward(bool max, std::int64_t n, std::int64_t c, std::int64_t h,
                                         std::int64_t w, std::int64_t oh, std::int64_t ow,
                                         const float* dy, std::int64_t dy_batch_stride,
                                         const std::int32_t* argmax, float* dx) {
  if (n <= 0 || c <= 0 || h <= 0 || w <= 0 || oh <= 0 || ow <= 0) return;
  const AdaptiveGeometry g{c, h, w, oh, ow, 0};
  if (max)
    launch_adaptive_backward<true>(stream(), dy, dy_batch_stride, argmax, dx, n, g);
  else
    launch_adaptive_backward<false>(stream(), dy, dy_batch_stride, nullptr, dx, n, g);
}

}  // namespace fastblock::cuda_backend
