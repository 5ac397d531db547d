// fastblock/tensor/backend-inl.hpp — definitions for tensor/backend.hpp.
#pragma once

#include <array>
#include <atomic>
#include <string>

#include <fastblock/core/error.hpp>
#include <fastblock/tensor/backend.hpp>

namespace fastblock {
namespace detail {

/// The registered factories, one slot per DeviceType (the one documented global of this layer:
/// written once by <fastblock/cuda.hpp>'s registration, read by every device tensor).
inline std::array<std::atomic<BackendFactory>, 2>& backend_table() noexcept {
  static std::array<std::atomic<BackendFactory>, 2> table{};
  return table;
}

}  // namespace detail

FASTBLOCK_FUNC void register_backend(DeviceType type, BackendFactory factory) noexcept {
  detail::backend_table()[static_cast<std::size_t>(type)].store(factory);
}

FASTBLOCK_FUNC bool has_backend(DeviceType type) noexcept {
  return detail::backend_table()[static_cast<std::size_t>(type)].load() != nullptr;
}

FASTBLOCK_FUNC DeviceBackend& backend(Device device) {
  const BackendFactory factory =
      detail::backend_table()[static_cast<std::size_t>(device.type)].load();
  if (factory == nullptr)
    throw device_error("fastblock: no back end for " + device.str() +
                       " in this program: include <fastblock/cuda.hpp> and link the CMake target "
                       "fastblock::cuda (built when nvcc is found)");
  return factory();
}

}  // namespace fastblock
