// fastblock/tensor/storage.hpp — the reference-counted buffer behind tensors.
//
// Tensors are views (shape, strides, offset) onto a Storage; copying a Tensor shares the storage,
// as in PyTorch. Storage owns its bytes through a shared_ptr with a deleter chosen by whoever
// allocated it (aligned host memory here; the CUDA back end plugs in its caching allocator), so
// memory from elsewhere (an mmap'd weights file, a decoded image) can be wrapped without a copy.
#pragma once

#include <cstddef>
#include <memory>

#include <fastblock/tensor/device.hpp>
#include <fastblock/tensor/host_allocator.hpp>

namespace fastblock {

/// A shared byte buffer on a device.
class Storage {
 public:
  Storage() = default;
  /// Wraps memory owned by `owner` (kept alive as long as any tensor uses it).
  Storage(std::shared_ptr<std::byte> data, std::size_t nbytes, Device device)
      : data_(std::move(data)), nbytes_(nbytes), device_(device) {}

  /// Uninitialised, 64-byte aligned host memory (large blocks are recycled; see
  /// tensor/host_allocator.hpp).
  static Storage allocate_host(std::size_t nbytes) {
    return {allocate_host_bytes(nbytes), nbytes, cpu};
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
