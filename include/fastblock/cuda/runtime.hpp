// fastblock/cuda/runtime.hpp — the CUDA runtime as fastblock uses it: device discovery, error
// checking that throws fastblock::device_error with the failing call and the device's state,
// and owning handles for device memory and cuBLAS.
//
// Compiled only by nvcc (or with the CUDA runtime headers on the include path); the CPU-only
// build never includes it. Link fastblock::cuda.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <fastblock/core/error.hpp>

namespace fastblock::cuda_runtime {

/// Throws device_error naming `what` (the call) and CUDA's explanation when `status` is an error.
inline void check(cudaError_t status, const char* what) {
  if (status == cudaSuccess) return;
  (void)cudaGetLastError();  // clear the sticky state of recoverable errors
  throw device_error(std::string("fastblock::cuda: ") + what + " failed: " +
                     cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")");
}

/// Throws device_error naming `what` when a cuBLAS call fails.
inline void check(cublasStatus_t status, const char* what) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  throw device_error(std::string("fastblock::cuda: ") + what + " failed: " +
                     cublasGetStatusName(status) + " (" + cublasGetStatusString(status) + ")");
}

/// Number of usable CUDA devices; 0 when there is no GPU or no driver (never throws).
inline int device_count() noexcept {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();
    return 0;
  }
  return n;
}

/// True when at least one CUDA device can be used.
inline bool has_cuda() noexcept { return device_count() > 0; }

/// "NVIDIA H200 (sm_90, 139.8 GiB)".
inline std::string device_description(int device = 0) {
  cudaDeviceProp p{};
  check(cudaGetDeviceProperties(&p, device), "cudaGetDeviceProperties");
  return std::string(p.name) + " (sm_" + std::to_string(p.major) + std::to_string(p.minor) + ", " +
         std::to_string(static_cast<double>(p.totalGlobalMem) / (1024.0 * 1024 * 1024))
             .substr(0, 5) +
         " GiB)";
}

namespace detail {
struct DeviceFree {
  void operator()(void* p) const noexcept { (void)cudaFree(p); }
};
}  // namespace detail

/// Owning pointer to device memory.
using DeviceBuffer = std::unique_ptr<std::byte, detail::DeviceFree>;

/// Allocates `nbytes` on the current device; on failure the error names the request and how much
/// memory is free.
inline DeviceBuffer allocate(std::size_t nbytes) {
  void* p = nullptr;
  const cudaError_t status = cudaMalloc(&p, nbytes);
  if (status != cudaSuccess) {
    (void)cudaGetLastError();
    std::size_t free_bytes = 0, total_bytes = 0;
    (void)cudaMemGetInfo(&free_bytes, &total_bytes);
    throw device_error("fastblock::cuda: cannot allocate " + std::to_string(nbytes) +
                       " bytes on the GPU: " + cudaGetErrorString(status) + " (" +
                       std::to_string(free_bytes) + " of " + std::to_string(total_bytes) +
                       " bytes free)");
  }
  return DeviceBuffer(static_cast<std::byte*>(p));
}

/// An owned cuBLAS handle.
class BlasHandle {
 public:
  BlasHandle() { check(cublasCreate(&handle_), "cublasCreate"); }
  ~BlasHandle() { (void)cublasDestroy(handle_); }
  BlasHandle(const BlasHandle&) = delete;
  BlasHandle& operator=(const BlasHandle&) = delete;
  [[nodiscard]] cublasHandle_t get() const noexcept { return handle_; }

 private:
  cublasHandle_t handle_{};
};

}  // namespace fastblock::cuda_runtime
