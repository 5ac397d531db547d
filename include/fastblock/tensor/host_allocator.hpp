// fastblock/tensor/host_allocator.hpp — host memory for tensors, with a cache of large blocks.
//
// A training step allocates the same large buffers again and again. Fresh multi-megabyte
// allocations come from mmap, and first-touching their pages costs more than the op that fills
// them — worse with several threads, which contend on the kernel's page-fault lock (measured:
// adding two 1024x1024 tensors took 1.3 ms on 2 threads against 0.5 ms on 1). So blocks of 64 KiB
// and more are kept on free lists by size and handed out again. The cache is process-wide (the
// one documented piece of global state of this layer), thread-safe, bounded by
// FASTBLOCK_HOST_CACHE_MB (default 1024), and emptied by empty_host_cache().
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <fastblock/core/config.hpp>

namespace fastblock {

/// Frees every cached host block (like torch.cuda.empty_cache, for host memory).
void empty_host_cache();

/// Bytes currently held by the host block cache (not in use by any tensor).
std::size_t host_cache_bytes();

namespace detail {

/// Free lists of large aligned host blocks, by rounded size.
class HostBlockCache {
 public:
  static constexpr std::size_t alignment = 64;
  /// Smaller blocks go straight to the system allocator, which serves them well.
  static constexpr std::size_t min_block = std::size_t{64} << 10;

  explicit HostBlockCache(std::size_t limit_bytes) : limit_(limit_bytes) {}
  ~HostBlockCache();
  HostBlockCache(const HostBlockCache&) = delete;
  HostBlockCache& operator=(const HostBlockCache&) = delete;

  /// `n` rounded up to the 64 KiB granule the cache works in.
  static std::size_t round(std::size_t n) noexcept {
    return (n + min_block - 1) / min_block * min_block;
  }
  /// A cached block of exactly `rounded` bytes, or a new one.
  std::byte* take(std::size_t rounded);
  /// Returns a block to the cache, or frees it when the cache is full.
  void give(std::byte* p, std::size_t rounded) noexcept;
  void clear() noexcept;
  [[nodiscard]] std::size_t cached_bytes() const;

  static std::byte* allocate(std::size_t n);
  static void deallocate(std::byte* p) noexcept;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::size_t, std::vector<std::byte*>> free_;  // guarded by mutex_
  std::size_t cached_ = 0;                                         // guarded by mutex_
  std::size_t limit_;
};

/// The process-wide cache. Every block it hands out holds a reference to it, so it outlives all
/// tensors, static ones included.
const std::shared_ptr<HostBlockCache>& host_block_cache();

}  // namespace detail

/// `nbytes` of uninitialised, 64-byte aligned host memory, owned by the returned pointer.
std::shared_ptr<std::byte> allocate_host_bytes(std::size_t nbytes);

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/tensor/host_allocator-inl.hpp>
#endif
