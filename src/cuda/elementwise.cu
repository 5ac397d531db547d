// src/cuda/elementwise.cu — CudaBackend's elementwise kernels: add, scale, activations and their
// gradients, dropout.
//
// These are bandwidth-bound, so when every pointer is 16-byte aligned (the caching allocator's
// blocks always are; views at an odd offset are not) they move float4s, with a scalar tail.
#include <cstdint>

#include "cuda_backend.hpp"
#include "kernels_common.cuh"

namespace fastblock::cuda_backend {

namespace {

using kernels::aligned16;
using kernels::thread_index;
using kernels::thread_stride;

// Pointers are deliberately not __restrict__: y may alias an input (add's contract), which is
// safe because each element is read and written by the same thread, in that order.

template <class Op>
__global__ void unary_kernel(const float* a, float* y, std::int64_t n, Op op) {
  for (std::int64_t i = thread_index(); i < n; i += thread_stride()) y[i] = op(a[i]);
}

template <class Op>
__global__ void unary_vec4_kernel(const float* a, float* y, std::int64_t n, Op op) {
  const std::int64_t n4 = n / 4;
  const auto* a4 = reinterpret_cast<const float4*>(a);
  auto* y4 = reinterpret_cast<float4*>(y);
  for (std::int64_t i = thread_index(); i < n4; i += thread_stride()) {
    const float4 v = a4[i];
    y4[i] = make_float4(op(v.x), op(v.y), op(v.z), op(v.w));
  }
  for (std::int64_t i = 4 * n4 + thread_index(); i < n; i += thread_stride()) y[i] = op(a[i]);
}

template <class Op>
__global__ void binary_kernel(const float* a, const float* b, float* y, std::int64_t n, Op op) {
  for (std::int64_t i = thread_index(); i < n; i += thread_stride()) y[i] = op(a[i], b[i]);
}

template <class Op>
__global__ void binary_vec4_kernel(const float* a, const float* b, float* y, std::int64_t n,
                                   Op op) {
  const std::int64_t n4 = n / 4;
  const auto* a4 = reinterpret_cast<const float4*>(a);
  const auto* b4 = reinterpret_cast<const float4*>(b);
  auto* y4 = reinterpret_cast<float4*>(y);
  for (std::int64_t i = thread_index(); i < n4; i += thread_stride()) {
    const float4 u = a4[i], v = b4[i];
    y4[i] = make_float4(op(u.x, v.x), op(u.y, v.y), op(u.z, v.z), op(u.w, v.w));
  }
  for (std::int64_t i = 4 * n4 + thread_index(); i < n; i += thread_stride()) y[i] = op(a[i], b[i]);
}

template <class Op>
void launch_unary(cudaStream_t stream, const float* a, float* y, std::int64_t n, Op op,
                  const char* name) {
  if (n <= 0) return;
  if (n >= 4 && aligned16(a) && aligned16(y))
    unary_vec4_kernel<<<grid_for(n / 4), block_threads, 0, stream>>>(a, y, n, op);
  else
    unary_kernel<<<grid_for(n), block_threads, 0, stream>>>(a, y, n, op);
  check_launch(name);
}

template <class Op>
void launch_binary(cudaStream_t stream, const float* a, const float* b, float* y, std::int64_t n,
                   Op op, const char* name) {
  if (n <= 0) return;
  if (n >= 4 && aligned16(a) && aligned16(b) && aligned16(y))
    binary_vec4_kernel<<<grid_for(n / 4), block_threads, 0, stream>>>(a, b, y, n, op);
  else
    binary_kernel<<<grid_for(n), block_threads, 0, stream>>>(a, b, y, n, op);
  check_launch(name);
}

/// σ(x) = 1/(1 + e^−x): e^−x overflows to +inf for x below about −88.7, giving exactly 0 as
/// PyTorch does; no cancellation for large x either (1/(1 + tiny)).
__device__ __forceinline__ float sigmoid_of(float x) { return 1.0f / (1.0f + expf(-x)); }

struct AddOp {
  __device__ float operator()(float a, float b) const { return a + b; }
};

struct ScaleOp {
  float s;
  __device__ float operator()(float a) const { return a * s; }
};

// `x > 0 ? x : 0` rather than fmaxf: a NaN input gives 0, as the CPU's relu does.
struct ReluOp {
  __device__ float operator()(float x) const { return x > 0.0f ? x : 0.0f; }
};

struct ReluGradOp {
  __device__ float operator()(float y, float dy) const { return y > 0.0f ? dy : 0.0f; }
};

struct SigmoidOp {
  __device__ float operator()(float x) const { return sigmoid_of(x); }
};

// σ(x)·(hi − lo) + lo, in the CPU's order of operations.
struct SigmoidRangeOp {
  float lo, range;
  __device__ float operator()(float x) const { return sigmoid_of(x) * range + lo; }
};

// σ' = σ(1 − σ) with σ = (y − lo)/(hi − lo), i.e. dy·(y − lo)·(hi − y)/(hi − lo): taken from the
// forward's output, so the backward needs no copy of x.
struct SigmoidRangeGradOp {
  float lo, hi, range;
  __device__ float operator()(float y, float dy) const { return dy * (y - lo) * (hi - y) / range; }
};

/// SplitMix64's finaliser: a bijective mix of 64 bits with full avalanche.
__host__ __device__ constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// Element i draws SplitMix64's i-th output from a state seeded with mix64(seed): a stateless
/// counter-based stream, so the mask depends on (seed, i) only, never on the launch shape.
/// u = top 24 bits / 2^24 lies in [0, 1) and is exact in float.
__global__ void dropout_kernel(const float* x, float* y, float* mask, std::int64_t n, float p,
                               float keep, std::uint64_t key) {
  for (std::int64_t i = thread_index(); i < n; i += thread_stride()) {
    const std::uint64_t h = mix64(key + static_cast<std::uint64_t>(i) * 0x9E3779B97F4A7C15ull);
    const float u = static_cast<float>(h >> 40) * 0x1p-24f;
    const float m = u < p ? 0.0f : keep;
    if (mask != nullptr) mask[i] = m;
    y[i] = x[i] * m;
  }
}

}  // namespace

void CudaBackend::add(const float* a, const float* b, float* y, std::int64_t n) {
  launch_binary(stream(), a, b, y, n, AddOp{}, "add kernel");
}

void CudaBackend::scale(const float* a, float s, float* y, std::int64_t n) {
  launch_unary(stream(), a, y, n, ScaleOp{s}, "scale kernel");
}

void CudaBackend::relu_forward(const float* x, float* y, std::int64_t n) {
  launch_unary(stream(), x, y, n, ReluOp{}, "relu_forward kernel");
}

void CudaBackend::relu_backward(const float* y, const float* dy, float* dx, std::int64_t n) {
  launch_binary(stream(), y, dy, dx, n, ReluGradOp{}, "relu_backward kernel");
}

void CudaBackend::sigmoid_range_forward(const float* x, float* y, std::int64_t n, float lo,
                                        float hi) {
  launch_unary(stream(), x, y, n, SigmoidRangeOp{lo, hi - lo}, "sigmoid_range_forward kernel");
}

void CudaBackend::sigmoid_range_backward(const float* y, const float* dy, float* dx, std::int64_t n,
                                         float lo, float hi) {
  launch_binary(stream(), y, dy, dx, n, SigmoidRangeGradOp{lo, hi, hi - lo},
                "sigmoid_range_backward kernel");
}

void CudaBackend::dropout_forward(const float* x, float* y, float* mask, std::int64_t n, float p,
                                  std::uint64_t seed) {
  if (n <= 0) return;
  // 1/(1 − p) in double then rounded, as the CPU layer computes it; p = 0 keeps everything at 1.
  const float keep = static_cast<float>(1.0 / (1.0 - static_cast<double>(p)));
  dropout_kernel<<<grid_for(n), block_threads, 0, stream()>>>(x, y, mask, n, p, keep, mix64(seed));
  check_launch("dropout_forward kernel");
}

void CudaBackend::sigmoid(const float* x, float* y, std::int64_t n) {
  launch_unary(stream(), x, y, n, SigmoidOp{}, "sigmoid kernel");
}

}  // namespace fastblock::cuda_backend
