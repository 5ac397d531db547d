// src/cuda/loss_optim.cu — CudaBackend's loss kernels (binary and softmax cross-entropy, MSE)
// and fused optimiser steps (Adam, SGD).
//
// A mean or sum loss is reduced in two launches: a fixed number of blocks (set by n alone) each
// write one double partial sum to scratch, then one block adds those in order. No float atomics,
// so a loss is bit-identical run after run; the double accumulation also keeps a mean over
// millions of elements as accurate as the CPU's.
//
// Gradient scale g: 1/n (mean), 1 (sum) or dloss[i] (none), exactly as backend.hpp documents;
// dloss is read only for none (the layers apply a scalar loss's upstream gradient themselves).
#include <cmath>
#include <cstdint>

#include "cuda_backend.hpp"
#include "kernels_common.cuh"

namespace fastblock::cuda_backend {

namespace {

using kernels::thread_index;
using kernels::thread_stride;

/// Partial sums of a loss reduction: at most this many blocks, so one block finishes them.
constexpr unsigned max_partials = 1024;

/// Block b writes Σ f(i) over its grid-stride share of [0, n), in double.
template <class F>
__global__ void partial_sum_kernel(F f, std::int64_t n, double* partial) {
  __shared__ double shared[block_threads / 32];
  double acc = 0.0;
  for (std::int64_t i = thread_index(); i < n; i += thread_stride()) acc += f(i);
  acc = kernels::block_sum(acc, shared);
  if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

/// out[0] = (Σ partial) / divisor; divisor is n for mean (0/0 gives the CPU's NaN for an empty
/// mean) and 1 for sum.
__global__ void finish_sum_kernel(const double* partial, unsigned count, double divisor,
                                  float* out) {
  __shared__ double shared[block_threads / 32];
  double acc = 0.0;
  for (unsigned i = threadIdx.x; i < count; i += blockDim.x) acc += partial[i];
  acc = kernels::block_sum(acc, shared);
  if (threadIdx.x == 0) out[0] = static_cast<float>(acc / divisor);
}

/// out[i] = f(i): the per-element losses of reduction none.
template <class F>
__global__ void map_index_kernel(F f, std::int64_t n, float* out) {
  for (std::int64_t i = thread_index(); i < n; i += thread_stride()) out[i] = f(i);
}

/// Scratch bytes for the partial sums of a reduction over n values.
std::size_t partial_bytes() { return max_partials * sizeof(double); }

/// Writes f's per-element losses (none) or their mean or sum (one float) to `loss`.
template <class F>
void reduce_loss(cudaStream_t stream, F f, std::int64_t n, LossReduce r, double* partial,
                 float* loss, const char* name) {
  if (r == LossReduce::none) {
    if (n <= 0) return;
    map_index_kernel<<<grid_for(n), block_threads, 0, stream>>>(f, n, loss);
    check_launch(name);
    return;
  }
  const unsigned blocks = grid_for(n) < max_partials ? grid_for(n) : max_partials;
  partial_sum_kernel<<<blocks, block_threads, 0, stream>>>(f, n, partial);
  check_launch(name);
  const double divisor = r == LossReduce::mean ? static_cast<double>(n) : 1.0;
  finish_sum_kernel<<<1, block_threads, 0, stream>>>(partial, blocks, divisor, loss);
  check_launch(name);
}

/// The gradient scale of element i (see the file comment).
struct GradScale {
  float base;          // 1/n (mean) or 1 (sum)
  const float* dloss;  // per element for none, else null
  __device__ float at(std::int64_t i) const { return dloss != nullptr ? dloss[i] : base; }
};

GradScale grad_scale(LossReduce r, std::int64_t n, const float* dloss) {
  if (r == LossReduce::none) return {1.0f, dloss};
  // 1/max(n, 1) in float, as the CPU's reduction_grad.
  const float base =
      r == LossReduce::mean ? 1.0f / static_cast<float>(n > 1 ? n : std::int64_t{1}) : 1.0f;
  return {base, nullptr};
}

// --- binary cross-entropy on logits -------------------------------------------------------------

struct BceLoss {
  const float* x;
  const float* t;
  __device__ float operator()(std::int64_t i) const {
    const float v = x[i];
    return fmaxf(v, 0.0f) - v * t[i] + log1pf(expf(-fabsf(v)));
  }
};

__global__ void bce_backward_kernel(const float* x, const float* t, std::int64_t n, GradScale g,
                                    float* dx) {
  for (std::int64_t i = thread_index(); i < n; i += thread_stride()) {
    const float v = x[i];
    // σ(v) from e^−|v| ≤ 1, which never overflows.
    const float e = expf(-fabsf(v));
    const float s = v >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
    dx[i] = (s - t[i]) * g.at(i);
  }
}

// --- softmax cross-entropy ----------------------------------------------------------------------

/// Rows up to this many classes get one warp each; wider rows one block each.
constexpr std::int64_t warp_row_max_classes = 1024;

/// The row's softmax into probs and its loss log Σe^(x−max) − (x[k] − max) into row_loss[r]; a
/// target outside [0, c) gets NaN (never read out of bounds; the CPU layer rejects such targets
/// before calling).
__device__ __forceinline__ float row_loss_value(const float* xr, std::int64_t k, std::int64_t c,
                                                float m, double log_sum) {
  if (k < 0 || k >= c) return __int_as_float(0x7fc00000);  // quiet NaN
  return static_cast<float>(log_sum - static_cast<double>(xr[k] - m));
}

__global__ void softmax_xent_warp_kernel(const float* x, const std::int64_t* target,
                                         std::int64_t rows, std::int64_t c, float* probs,
                                         float* row_loss) {
  const int lane = static_cast<int>(threadIdx.x & 31u);
  // All lanes of a warp share r, so the full-mask shuffles below are safe.
  for (std::int64_t r = thread_index() / 32; r < rows; r += thread_stride() / 32) {
    const float* xr = x + r * c;
    float m = -INFINITY;
    for (std::int64_t j = lane; j < c; j += 32) m = fmaxf(m, xr[j]);
    m = kernels::warp_max(m);
    double sum = 0.0;
    for (std::int64_t j = lane; j < c; j += 32) sum += static_cast<double>(expf(xr[j] - m));
    const double log_sum = log(kernels::warp_sum(sum));
    const float lsf = static_cast<float>(log_sum);
    if (probs != nullptr) {
      float* pr = probs + r * c;
      for (std::int64_t j = lane; j < c; j += 32) pr[j] = expf(xr[j] - m - lsf);
    }
    if (lane == 0) row_loss[r] = row_loss_value(xr, target[r], c, m, log_sum);
  }
}

__global__ void softmax_xent_block_kernel(const float* x, const std::int64_t* target,
                                          std::int64_t rows, std::int64_t c, float* probs,
                                          float* row_loss) {
  __shared__ float shared_max[block_threads / 32];
  __shared__ double shared_sum[block_threads / 32];
  for (std::int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const float* xr = x + r * c;
    float m = -INFINITY;
    for (std::int64_t j = threadIdx.x; j < c; j += blockDim.x) m = fmaxf(m, xr[j]);
    m = kernels::block_max(m, shared_max);
    double sum = 0.0;
    for (std::int64_t j = threadIdx.x; j < c; j += blockDim.x)
      sum += static_cast<double>(expf(xr[j] - m));
    const double log_sum = log(kernels::block_sum(sum, shared_sum));
    const float lsf = static_cast<float>(log_sum);
    if (probs != nullptr) {
      float* pr = probs + r * c;
      for (std::int64_t j = threadIdx.x; j < c; j += blockDim.x) pr[j] = expf(xr[j] - m - lsf);
    }
    if (threadIdx.x == 0) row_loss[r] = row_loss_value(xr, target[r], c, m, log_sum);
  }
}

struct ReadLoss {
  const float* l;
  __device__ float operator()(std::int64_t i) const { return l[i]; }
};

/// dx = (probs − onehot(target)) · g(row); I decomposes the flat index (see fits_int32).
template <class I>
__global__ void xent_backward_kernel(const float* probs, const std::int64_t* target, I total, I c,
                                     GradScale g, float* dx) {
  for (std::int64_t i64 = thread_index(); i64 < static_cast<std::int64_t>(total);
       i64 += thread_stride()) {
    const I i = static_cast<I>(i64);
    const I r = i / c, j = i - r * c;
    const float hot = target[r] == static_cast<std::int64_t>(j) ? 1.0f : 0.0f;
    dx[i64] = (probs[i64] - hot) * g.at(r);
  }
}

// --- mean squared error -------------------------------------------------------------------------

/// diff[i] = pred − target kept for backward; the loss term is diff².
struct MseLoss {
  const float* pred;
  const float* target;
  float* diff;
  __device__ float operator()(std::int64_t i) const {
    const float d = pred[i] - target[i];
    if (diff != nullptr) diff[i] = d;
    return d * d;
  }
};

__global__ void mse_backward_kernel(const float* diff, std::int64_t n, GradScale g, float* dx) {
  for (std::int64_t i = thread_index(); i < n; i += thread_stride())
    dx[i] = diff[i] * 2.0f * g.at(i);
}

// --- optimisers ---------------------------------------------------------------------------------

/// fastai's Adam: decoupled decay, moment updates, debiased step (debias factors from the host).
__global__ void adam_kernel(float* param, const float* grad, float* exp_avg, float* exp_avg_sq,
                            std::int64_t n, float decay, float beta1, float beta2,
                            float one_minus_beta1, float one_minus_beta2, float step_size,
                            float inv_debias2, float eps) {
  for (std::int64_t i = thread_index(); i < n; i += thread_stride()) {
    const float g = grad[i];
    const float m = beta1 * exp_avg[i] + one_minus_beta1 * g;
    const float v = beta2 * exp_avg_sq[i] + one_minus_beta2 * g * g;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    param[i] = param[i] * decay - step_size * m / (sqrtf(v * inv_debias2) + eps);
  }
}

/// SGD: decoupled decay, momentum buffer m = mom·m + g (none without a buffer), p −= lr·m.
__global__ void sgd_kernel(float* param, const float* grad, float* momentum_buf, std::int64_t n,
                           float lr, float mom, float decay) {
  for (std::int64_t i = thread_index(); i < n; i += thread_stride()) {
    float d = grad[i];
    if (momentum_buf != nullptr) {
      d = mom * momentum_buf[i] + d;
      momentum_buf[i] = d;
    }
    param[i] = param[i] * decay - lr * d;
  }
}

}  // namespace

// ------------------------------------------------------------------------------------------------

void CudaBackend::bce_with_logits_forward(const float* x, const float* t, std::int64_t n,
                                          LossReduce r, float* loss) {
  double* partial =
      r == LossReduce::none ? nullptr : static_cast<double*>(scratch(partial_bytes()));
  reduce_loss(stream(), BceLoss{x, t}, n, r, partial, loss, "bce_with_logits_forward kernel");
}

void CudaBackend::bce_with_logits_backward(const float* x, const float* t, std::int64_t n,
                                           LossReduce r, const float* dloss, float* dx) {
  if (n <= 0) return;
  bce_backward_kernel<<<grid_for(n), block_threads, 0, stream()>>>(x, t, n, grad_scale(r, n, dloss),
                                                                   dx);
  check_launch("bce_with_logits_backward kernel");
}

void CudaBackend::cross_entropy_forward(const float* x, const std::int64_t* target,
                                        std::int64_t rows, std::int64_t c, LossReduce r,
                                        float* probs, float* loss) {
  // Row losses go straight to `loss` for none; otherwise to scratch, after the partials.
  float* row_loss = loss;
  double* partial = nullptr;
  if (r != LossReduce::none) {
    const std::size_t rows_bytes = static_cast<std::size_t>(rows > 0 ? rows : 0) * sizeof(float);
    auto* base = static_cast<unsigned char*>(scratch(partial_bytes() + rows_bytes));
    partial = reinterpret_cast<double*>(base);
    row_loss = reinterpret_cast<float*>(base + partial_bytes());
  }
  if (rows > 0) {
    if (c <= warp_row_max_classes) {
      softmax_xent_warp_kernel<<<grid_for(rows * 32), block_threads, 0, stream()>>>(
          x, target, rows, c, probs, row_loss);
    } else {
      const unsigned blocks = static_cast<unsigned>(rows < 65535 ? rows : 65535);
      softmax_xent_block_kernel<<<blocks, block_threads, 0, stream()>>>(x, target, rows, c, probs,
                                                                        row_loss);
    }
    check_launch("cross_entropy_forward softmax kernel");
  }
  if (r != LossReduce::none)
    reduce_loss(stream(), ReadLoss{row_loss}, rows, r, partial, loss,
                "cross_entropy_forward reduction kernel");
}

void CudaBackend::cross_entropy_backward(const float* probs, const std::int64_t* target,
                                         std::int64_t rows, std::int64_t c, LossReduce r,
                                         const float* dloss, float* dx) {
  const std::int64_t total = rows * c;
  if (total <= 0) return;
  const GradScale g = grad_scale(r, rows, dloss);
  kernels::with_index_type<std::uint32_t>(total, [&](auto index) {
    using I = decltype(index);
    xent_backward_kernel<I><<<grid_for(total), block_threads, 0, stream()>>>(
        probs, target, static_cast<I>(total), static_cast<I>(c), g, dx);
  });
  check_launch("cross_entropy_backward kernel");
}

void CudaBackend::mse_forward(const float* pred, const float* target, std::int64_t n, LossReduce r,
                              float* diff, float* loss) {
  double* partial =
      r == LossReduce::none ? nullptr : static_cast<double*>(scratch(partial_bytes()));
  reduce_loss(stream(), MseLoss{pred, target, diff}, n, r, partial, loss, "mse_forward kernel");
}

void CudaBackend::mse_backward(const float* diff, std::int64_t n, LossReduce r, const float* dloss,
                               float* dx) {
  if (n <= 0) return;
  mse_backward_kernel<<<grid_for(n), block_threads, 0, stream()>>>(diff, n, grad_scale(r, n, dloss),
                                                                   dx);
  check_launch("mse_backward kernel");
}

void CudaBackend::adam_step(float* param, const float* grad, float* exp_avg, float* exp_avg_sq,
                            std::int64_t n, const AdamStep& h) {
  if (n <= 0) return;
  const AdamFactors f = adam_factors(h);
  adam_kernel<<<grid_for(n), block_threads, 0, stream()>>>(
      param, grad, exp_avg, exp_avg_sq, n, f.decay, h.beta1, h.beta2, 1.0f - h.beta1,
      1.0f - h.beta2, f.step_size, f.inv_debias2, h.eps);
  check_launch("adam_step kernel");
}

void CudaBackend::sgd_step(float* param, const float* grad, float* momentum_buf, std::int64_t n,
                           float lr, float mom, float wd) {
  if (n <= 0) return;
  const float decay = static_cast<float>(1.0 - static_cast<double>(lr) * wd);
  sgd_kernel<<<grid_for(n), block_threads, 0, stream()>>>(param, grad, momentum_buf, n, lr, mom,
                                                          decay);
  check_launch("sgd_step kernel");
}

}  // namespace fastblock::cuda_backend
