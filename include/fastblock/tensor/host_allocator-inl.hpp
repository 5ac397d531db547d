// fastblock/tensor/host_allocator-inl.hpp — definitions for tensor/host_allocator.hpp.
#pragma once

#include <charconv>
#include <cstdlib>
#include <new>
#include <string_view>

#include <fastblock/tensor/host_allocator.hpp>

namespace fastblock {
namespace detail {

FASTBLOCK_FUNC std::byte* HostBlockCache::allocate(std::size_t n) {
  return static_cast<std::byte*>(::operator new (n == 0 ? 1 : n, std::align_val_t{alignment}));
}

FASTBLOCK_FUNC void HostBlockCache::deallocate(std::byte* p) noexcept {
  ::operator delete (p, std::align_val_t{alignment});
}

FASTBLOCK_FUNC HostBlockCache::~HostBlockCache() { clear(); }

FASTBLOCK_FUNC std::byte* HostBlockCache::take(std::size_t rounded) {
  {
    const std::lock_guard lock(mutex_);
    auto it = free_.find(rounded);
    if (it != free_.end() && !it->second.empty()) {
      std::byte* p = it->second.back();
      it->second.pop_back();
      cached_ -= rounded;
      return p;
    }
  }
  try {
    return allocate(rounded);
  } catch (const std::bad_alloc&) {
    clear();  // cached blocks of other sizes may be what the system is missing
    return allocate(rounded);
  }
}

FASTBLOCK_FUNC void HostBlockCache::give(std::byte* p, std::size_t rounded) noexcept {
  {
    const std::lock_guard lock(mutex_);
    if (cached_ + rounded <= limit_) {
      try {
        free_[rounded].push_back(p);
        cached_ += rounded;
        return;
      } catch (...) {  // no memory for the list entry: free the block instead
      }
    }
  }
  deallocate(p);
}

FASTBLOCK_FUNC void HostBlockCache::clear() noexcept {
  const std::lock_guard lock(mutex_);
  for (auto& [size, blocks] : free_)
    for (std::byte* p : blocks) deallocate(p);
  free_.clear();
  cached_ = 0;
}

FASTBLOCK_FUNC std::size_t HostBlockCache::cached_bytes() const {
  const std::lock_guard lock(mutex_);
  return cached_;
}

FASTBLOCK_FUNC const std::shared_ptr<HostBlockCache>& host_block_cache() {
  static const std::shared_ptr<HostBlockCache> cache = [] {
    std::size_t mb = 1024;
    if (const char* env = std::getenv("FASTBLOCK_HOST_CACHE_MB")) {
      const std::string_view text(env);
      std::size_t value = 0;
      const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec == std::errc{} && ptr == text.data() + text.size()) mb = value;  // else the default
    }
    return std::make_shared<HostBlockCache>(mb << 20);
  }();
  return cache;
}

}  // namespace detail

FASTBLOCK_FUNC void empty_host_cache() { detail::host_block_cache()->clear(); }

FASTBLOCK_FUNC std::size_t host_cache_bytes() { return detail::host_block_cache()->cached_bytes(); }

FASTBLOCK_FUNC std::shared_ptr<std::byte> allocate_host_bytes(std::size_t nbytes) {
  using Cache = detail::HostBlockCache;
  if (nbytes < Cache::min_block) return {Cache::allocate(nbytes), Cache::deallocate};
  const std::size_t rounded = Cache::round(nbytes);
  std::shared_ptr<Cache> cache = detail::host_block_cache();
  std::byte* p = cache->take(rounded);
  // If the control block cannot be allocated, shared_ptr itself calls the deleter on p.
  return {p, [cache = std::move(cache), rounded](std::byte* q) { cache->give(q, rounded); }};
}

}  // namespace fastblock
