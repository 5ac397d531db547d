// fastblock/cuda.hpp — puts the CUDA back end into a program.
//
// A plain C++ header: the program stays g++-compiled (nvcc built the kernels into the
// fastblock::cuda library it links). Including it registers the backend for DeviceType::CUDA;
// nothing touches the GPU until a tensor or model is moved there, so the same binary runs on a
// machine without one (cuda_available() is then false and moving to `cuda` is a device_error).
#pragma once

#include <fastblock/tensor/backend.hpp>

namespace fastblock {
namespace cuda_backend {
/// The process's CUDA backend (fastblock::cuda library).
DeviceBackend& instance();
/// Whether a CUDA device and driver are usable (never throws; defined in the library).
bool device_present() noexcept;
}  // namespace cuda_backend

namespace detail {
/// Registration at static initialisation of every program that includes this header.
inline const bool cuda_backend_registered =
    (register_backend(DeviceType::CUDA, &cuda_backend::instance), true);
}  // namespace detail

/// Whether this machine has a usable GPU (the CUDA back end is linked when this header is used).
[[nodiscard]] inline bool cuda_available() noexcept { return cuda_backend::device_present(); }

}  // namespace fastblock
