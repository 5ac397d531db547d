// fastblock/tensor/storage.hpp — the reference-counted buffer behind tensors.
//
// Tensors are views (shape, strides, offset) onto a Storage; copying a Tensor shares the storage,
// as in PyTorch. Storage owns its bytes through a shared_ptr with a deleter chosen by whoever
// allocated it (aligned host memory here; the CUDA back end plugs in its caching allocator), so
// memory from elsewhere (an mmap'd weights file, a decoded image) can be wrapped without a copy.
#pragma once

#include <cstddef>
#include <memory>
#include <new>

#include <fastblock/tensor/device.hpp>

namespace fastblock {

/// A shared byte buffer on a device.
class Storage {
 public:
  /// Alignment of host allocations: one cache line, enough for AVX-512 loads.
  static constexpr std::size_t alignment = 64;

  Storage() = default;
  /// Wraps memory owned by `owner` (kept alive as long as any tensor uses it).
  Storage(std::shared_ptr<std::byte> data, std::size_t nbytes, Device device)
      : data_(std::move(data)), nbytes_(nbytes), device_(device) {}

  /// Uninitialised, 64-byte aligned host memory.
  static Storage allocate_host(std::size_t nbytes) {
    constexpr auto align = std::align_val_t{alignment};
    auto* p = static_cast<std::byte*>(::operator new(nbytes == 0 ? 1 : nbytes, align));
    return {std::shared_ptr<std::byte>(p, [](std::byte* q) { ::operator delete(q, align); }),
            nbytes, cpu};
  }

  [[nodiscard]] std::byte* data() const noexcept { return data_.get(); }
  [[nodiscard]] std::size_t nbytes() const noexcept { return nbytes_; }
  [[nodiscard]] Device device() const noexcept { return device_; }
  /// Number of tensors (and other owners) sharing this buffer.
  [[nodiscard]] long use_count() const noexcept { return data_.use_count(); }

 private:
  std::shared_ptr<std::byte> data_;
  std::size_t nbytes_ = 0;
  Device device_ = cpu;
};

}  // namespace fastblock
