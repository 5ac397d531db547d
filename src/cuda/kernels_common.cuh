// src/cuda/kernels_common.cuh — device helpers shared by the kernel files of the CUDA backend
// (elementwise.cu, norm_pool.cu, loss_optim.cu); private to the fastblock::cuda library.
//
// Reductions here combine values in an order fixed by the launch shape alone (shuffle trees and
// in-order sums of per-warp results, never atomics), so a kernel launched with the same grid on
// the same data gives bit-identical results run after run.
#pragma once

#include <cstdint>

#include <cuda_runtime.h>

namespace fastblock::cuda_backend::kernels {

/// Index of the calling thread in a 1-D grid, as int64 so grid-stride loops never overflow.
__device__ __forceinline__ std::int64_t thread_index() {
  return static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}

/// Threads in a 1-D grid: the step of a grid-stride loop.
__device__ __forceinline__ std::int64_t thread_stride() {
  return static_cast<std::int64_t>(gridDim.x) * blockDim.x;
}

/// Whether `p` may be read as float4 (tensor views can start at any float).
inline bool aligned16(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

/// Whether every index below `v` fits a signed 32-bit integer: kernels then decompose flat
/// indices with 32-bit division, which is several times cheaper than 64-bit division on a GPU.
inline bool fits_int32(std::int64_t v) { return v >= 0 && v <= INT32_MAX; }

/// Calls `launch(I{})` with I = Small when every index below `largest` fits 32 bits, else with
/// I = std::int64_t: one launcher body serves both index widths.
template <class Small, class Launch>
void with_index_type(std::int64_t largest, Launch&& launch) {
  if (fits_int32(largest)) {
    launch(Small{});
  } else {
    launch(std::int64_t{});
  }
}

/// Sum over the warp, delivered to lane 0 only (other lanes hold partial sums). A fixed shuffle
/// tree, so the result does not depend on timing.
template <class T>
__device__ __forceinline__ T warp_sum_to_lane0(T v) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(0xffffffffu, v, offset);
  return v;
}

/// Sum over the warp, the same bits in every lane (lane 0's tree sum, broadcast; a butterfly would
/// give lanes differently associated, hence possibly different, sums).
template <class T>
__device__ __forceinline__ T warp_sum(T v) {
  return __shfl_sync(0xffffffffu, warp_sum_to_lane0(v), 0);
}

/// Maximum over the warp in every lane (fmaxf is exact and commutative, so a butterfly is safe).
__device__ __forceinline__ float warp_max(float v) {
  for (int offset = 16; offset > 0; offset >>= 1)
    v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

/// Sum over a 1-D block whose size is a multiple of 32, the same bits in every thread. `shared`
/// holds one T per warp; the function synchronises before returning, so the caller may reuse
/// `shared` right away (e.g. in the next iteration of a loop over rows).
template <class T>
__device__ T block_sum(T v, T* shared) {
  const unsigned lane = threadIdx.x & 31u, warp = threadIdx.x >> 5;
  const unsigned warps = blockDim.x >> 5;
  v = warp_sum_to_lane0(v);
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  T total = 0;
  for (unsigned k = 0; k < warps; ++k) total += shared[k];  // every thread, the same order
  __syncthreads();
  return total;
}

/// Maximum over a 1-D block whose size is a multiple of 32, in every thread; `shared` as for
/// block_sum.
__device__ inline float block_max(float v, float* shared) {
  const unsigned lane = threadIdx.x & 31u, warp = threadIdx.x >> 5;
  const unsigned warps = blockDim.x >> 5;
  v = warp_max(v);
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  float m = shared[0];
  for (unsigned k = 1; k < warps; ++k) m = fmaxf(m, shared[k]);
  __syncthreads();
  return m;
}

/// Whether a scan that has kept `best` (and has seen something when `seen`) takes `v` next: the
/// first maximum wins, and the first NaN wins over everything, as in PyTorch and the CPU layers.
__device__ __forceinline__ bool max_takes(float v, float best, bool seen) {
  return !seen || (best == best && (v > best || v != v));
}

}  // namespace fastblock::cuda_backend::kernels
