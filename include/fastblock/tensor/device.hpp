// fastblock/tensor/device.hpp — where a Tensor's memory lives.
//
// A tensor carries a device tag; kernels are chosen by it. The CPU is always present; CUDA devices
// exist only in builds that compile the CUDA back end (include/fastblock/cuda/, nvcc only).
#pragma once

#include <ostream>
#include <string>

namespace fastblock {

/// Kind of device.
enum class DeviceType : unsigned char { CPU, CUDA };

/// A device: its kind and, for accelerators, its ordinal.
struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;

  friend constexpr bool operator==(Device, Device) = default;

  [[nodiscard]] constexpr bool is_cpu() const noexcept { return type == DeviceType::CPU; }
  [[nodiscard]] constexpr bool is_cuda() const noexcept { return type == DeviceType::CUDA; }
  [[nodiscard]] std::string str() const {
    return is_cpu() ? std::string("cpu") : "cuda:" + std::to_string(index);
  }
};

/// The host: `zeros({2, 3}, float32, cpu)`.
inline constexpr Device cpu{DeviceType::CPU, 0};
/// The first CUDA device (usable only in builds with the CUDA back end).
inline constexpr Device cuda{DeviceType::CUDA, 0};

inline std::ostream& operator<<(std::ostream& os, Device d) { return os << d.str(); }

}  // namespace fastblock
