// src/cuda/tensor_ops.cu — the generic tensor operations layers need on the device: products of
// two tensors (dropout's backward) and strided row copies (concatenation along channels).
#include "cuda_backend.hpp"

namespace fastblock::cuda_backend {

namespace {

__global__ void mul_kernel(const float* a, const float* b, float* y, std::int64_t n) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(blockDim.x) * gridDim.x)
    y[i] = a[i] * b[i];
}

}  // namespace

void CudaBackend::mul(const float* a, const float* b, float* y, std::int64_t n) {
  if (n <= 0) return;
  mul_kernel<<<grid_for(n), block_threads, 0, stream()>>>(a, b, y, n);
  check_launch("mul_kernel");
}

void CudaBackend::copy_rows(void* dst, std::size_t dst_pitch, const void* src,
                            std::size_t src_pitch, std::size_t row_bytes, std::size_t rows) {
  if (rows == 0 || row_bytes == 0) return;
  cuda_runtime::check(cudaMemcpy2DAsync(dst, dst_pitch, src, src_pitch, row_bytes, rows,
                                        cudaMemcpyDeviceToDevice, stream()),
                      "cudaMemcpy2DAsync");
}

}  // namespace fastblock::cuda_backend
