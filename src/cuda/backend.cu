// src/cuda/backend.cu — the memory side of the CUDA back end: the caching allocator, copies and
// fills, the backend's construction, and the process's one instance.
//
// Memory freed by a tensor goes back to a per-size free list instead of to cudaFree, because
// cudaMalloc and cudaFree synchronise the device and cost far more than a kernel: after the first
// epoch every allocation is a list lookup. Reuse needs no events since all work runs on one
// stream, so a block's next user is ordered after its previous one.

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fastblock/core/error.hpp>
#include <fastblock/cuda.hpp>
#include <fastblock/cuda/runtime.hpp>
#include <fastblock/tensor/backend.hpp>
#include <fastblock/tensor/storage.hpp>

#include "cuda_backend.hpp"

namespace fastblock::cuda_backend {

namespace {

/// Requests up to this size are rounded to `small_granularity`, larger ones to
/// `large_granularity`: small tensors pack tightly, large ones fall into few size classes so a
/// batch of slightly different size still finds a cached block.
constexpr std::size_t large_threshold = std::size_t{1} << 20;
constexpr std::size_t small_granularity = 512;
constexpr std::size_t large_granularity = std::size_t{2} << 20;

/// The block size that serves a request of `nbytes` (never 0, so every Storage has a real block).
std::size_t block_size(std::size_t nbytes) {
  const std::size_t granularity = nbytes <= large_threshold ? small_granularity : large_granularity;
  if (nbytes > std::numeric_limits<std::size_t>::max() - granularity)
    throw device_error("fastblock::cuda: cannot allocate " + std::to_string(nbytes) +
                       " bytes on the GPU: the request is larger than any device memory");
  return std::max<std::size_t>(granularity, (nbytes + granularity - 1) / granularity * granularity);
}

/// Runs first in CudaBackend's construction, before any member touches the GPU, so a machine
/// without one gets a plain message instead of a cuBLAS initialisation failure. Returns the null
/// stream that CudaBackend::stream_ starts as (the real stream is made in the constructor body).
cudaStream_t select_device0() {
  if (!cuda_runtime::has_cuda())
    throw device_error(
        "fastblock::cuda: no CUDA device is present (no GPU, or no working NVIDIA driver); keep "
        "tensors on the CPU, or check the driver with nvidia-smi");
  cuda_runtime::check(cudaSetDevice(0), "cudaSetDevice(0)");
  return nullptr;
}

void require_device0(Device device, const char* operation) {
  if (device.is_cuda() && device.index != 0)
    throw device_error(std::string("fastblock::cuda: cannot ") + operation + " on " + device.str() +
                       ": the CUDA back end drives cuda:0 only");
}

__global__ void fill_kernel(float* __restrict__ dst, std::int64_t n, float value) {
  const std::int64_t step = static_cast<std::int64_t>(blockDim.x) * gridDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += step)
    dst[i] = value;
}

}  // namespace

/// Page-locked host buffers that host-to-device copies pass through. Copying from pageable
/// memory makes the driver drain the stream first; staging through pinned memory lets a copy be
/// queued behind the running kernels and return at once, so the host prepares the next batch
/// while the GPU trains on this one. Each block remembers (an event) when its last upload ran;
/// a block is refilled only after that, so the source can be reused as soon as upload returns.
class PinnedStaging {
 public:
  PinnedStaging() = default;
  PinnedStaging(const PinnedStaging&) = delete;
  PinnedStaging& operator=(const PinnedStaging&) = delete;
  ~PinnedStaging() {
    for (Block& b : blocks_) release(b);
  }

  /// Copies `nbytes` of host memory at `src` to device memory at `dst`, queued on `stream`.
  void upload(void* dst, const void* src, std::size_t nbytes, cudaStream_t stream) {
    const std::lock_guard lock(mutex_);
    Block& b = acquire(nbytes);
    std::memcpy(b.data, src, nbytes);
    cuda_runtime::check(cudaMemcpyAsync(dst, b.data, nbytes, cudaMemcpyHostToDevice, stream),
                        "cudaMemcpyAsync (host to device, staged)");
    cuda_runtime::check(cudaEventRecord(b.done, stream), "cudaEventRecord (staging)");
  }

 private:
  struct Block {
    void* data = nullptr;
    std::size_t size = 0;
    cudaEvent_t done = nullptr;
  };
  // A few blocks are enough to keep a batch or two in flight; sizes round up to 1 MiB so that
  // batches of one shape keep reusing the same blocks.
  static constexpr std::size_t max_blocks = 4;
  static constexpr std::size_t granule = std::size_t{1} << 20;

  static void release(Block& b) noexcept {
    if (b.done != nullptr) {
      (void)cudaEventSynchronize(b.done);
      (void)cudaEventDestroy(b.done);
    }
    if (b.data != nullptr) (void)cudaFreeHost(b.data);
    b = Block{};
  }

  /// A block of at least `nbytes` whose previous upload has finished.
  Block& acquire(std::size_t nbytes) {
    for (Block& b : blocks_)
      if (b.size >= nbytes && cudaEventQuery(b.done) == cudaSuccess) return b;
    (void)cudaGetLastError();  // cudaErrorNotReady from the queries is not an error
    Block* b = nullptr;
    if (blocks_.size() < max_blocks) {
      b = &blocks_.emplace_back();
    } else {
      // All busy or too small: wait for the next one in turn and grow it if needed.
      b = &blocks_[next_];
      next_ = (next_ + 1) % max_blocks;
      cuda_runtime::check(cudaEventSynchronize(b->done), "cudaEventSynchronize (staging)");
      if (b->size >= nbytes) return *b;
      release(*b);
    }
    const std::size_t size = (nbytes + granule - 1) / granule * granule;
    cuda_runtime::check(cudaHostAlloc(&b->data, size, cudaHostAllocDefault),
                        "cudaHostAlloc (staging)");
    b->size = size;
    cuda_runtime::check(cudaEventCreateWithFlags(&b->done, cudaEventDisableTiming),
                        "cudaEventCreateWithFlags (staging)");
    return *b;
  }

  std::mutex mutex_;
  std::vector<Block> blocks_;  // never more than max_blocks: references stay valid
  std::size_t next_ = 0;
};

/// Device memory in size classes, kept after release for the next request of the same class.
/// Shared (std::shared_ptr) by the backend and by every block it handed out, so blocks whose
/// tensors die after the backend (static destruction order) still have somewhere to go.
class CachingAllocator {
 public:
  CachingAllocator() = default;
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;
  /// Only cached blocks remain here (live ones keep the allocator alive); errors are ignored
  /// because this can run after the CUDA runtime started unloading at exit.
  ~CachingAllocator() { free_cached(); }

  /// A block of `block` bytes (a size class from block_size()) for a request of `nbytes`;
  /// `counted` adds it to `allocated` (tensors) rather than only to `reserved` (scratch).
  std::byte* acquire(std::size_t nbytes, std::size_t block, bool counted) {
    const std::lock_guard lock(mutex_);
    std::byte* p = nullptr;
    if (auto it = free_.find(block); it != free_.end() && !it->second.empty()) {
      p = it->second.back();
      it->second.pop_back();
    } else {
      p = device_malloc(nbytes, block);
      stats_.reserved += block;
    }
    if (counted) {
      stats_.allocated += block;
      stats_.peak_allocated = std::max(stats_.peak_allocated, stats_.allocated);
    }
    return p;
  }

  /// Takes a block back into its free list (called from Storage deleters: never throws).
  void release(std::byte* p, std::size_t block, bool counted) noexcept {
    try {
      const std::lock_guard lock(mutex_);
      if (counted) stats_.allocated -= block;
      try {
        free_[block].push_back(p);
      } catch (...) {
        // No host memory for the free list: hand the block straight back to the driver.
        stats_.reserved -= block;
        (void)cudaFree(p);
      }
    } catch (...) {
      // std::mutex::lock failed (a system error): leaking one block beats terminating.
    }
  }

  DeviceMemoryStats stats() {
    const std::lock_guard lock(mutex_);
    return stats_;
  }

  void reset_peak() {
    const std::lock_guard lock(mutex_);
    stats_.peak_allocated = stats_.allocated;
  }

  /// Returns every cached (unused) block to the driver.
  void empty_cache() {
    const std::lock_guard lock(mutex_);
    free_cached();
  }

 private:
  /// cudaMalloc; when the device is full, the cache is returned to the driver and the request
  /// retried once, and a second failure is a device_error with the request and the free memory.
  std::byte* device_malloc(std::size_t nbytes, std::size_t block) {
    void* raw = nullptr;
    if (cudaMalloc(&raw, block) == cudaSuccess) return static_cast<std::byte*>(raw);
    (void)cudaGetLastError();
    free_cached();
    try {
      return cuda_runtime::allocate(block).release();
    } catch (const device_error& e) {
      if (block == nbytes) throw;
      throw device_error(std::string(e.what()) + "; the request was " + std::to_string(nbytes) +
                         " bytes, rounded up to a block of " + std::to_string(block));
    }
  }

  /// Frees the cached blocks (the caller holds the mutex or is the destructor). Waits for the
  /// device first: a cached block may still be read by a queued kernel.
  void free_cached() noexcept {
    if (free_.empty()) return;
    (void)cudaDeviceSynchronize();
    for (auto& [block, blocks] : free_) {
      for (std::byte* p : blocks) {
        (void)cudaFree(p);
        stats_.reserved -= block;
      }
    }
    free_.clear();
    (void)cudaGetLastError();  // errors at exit (runtime unloading) are not the caller's concern
  }

  std::mutex mutex_;
  std::map<std::size_t, std::vector<std::byte*>> free_;
  DeviceMemoryStats stats_;
};

CudaBackend::CudaBackend()
    : stream_(select_device0()),
      allocator_(std::make_shared<CachingAllocator>()),
      staging_(std::make_unique<PinnedStaging>()) {
  try {
    cuda_runtime::check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking),
                        "cudaStreamCreateWithFlags");
    cuda_runtime::check(cublasSetStream(blas_.get(), stream_), "cublasSetStream");
#if FASTBLOCK_WITH_CUDNN
    cuda_runtime::check(cudnnCreate(&cudnn_), "cudnnCreate");
    cuda_runtime::check(cudnnSetStream(cudnn_, stream_), "cudnnSetStream");
    // FASTBLOCK_CUDNN=0 selects im2col + cuBLAS convolutions: how the tests check both paths,
    // and a way round a cuDNN that misbehaves on some GPU.
    if (const char* v = std::getenv("FASTBLOCK_CUDNN"); v != nullptr && std::string_view(v) == "0")
      set_conv_algorithm(false);
#endif
    // PyTorch's defaults (tf32) unless FASTBLOCK_MATH names another mode for the whole program.
    MathMode mode = MathMode::tf32;
    if (const char* v = std::getenv("FASTBLOCK_MATH"); v != nullptr) {
      const std::string_view name(v);
      if (name == "strict") {
        mode = MathMode::strict;
      } else if (name == "fp32") {
        mode = MathMode::fp32;
      } else if (name != "tf32") {
        throw device_error("fastblock::cuda: FASTBLOCK_MATH must be strict, fp32 or tf32, got '" +
                           std::string(name) + "'");
      }
    }
    set_math_mode(mode);
  } catch (...) {
    // The destructor does not run for a half-built object; release what the body created.
#if FASTBLOCK_WITH_CUDNN
    if (cudnn_ != nullptr) (void)cudnnDestroy(cudnn_);
#endif
    (void)cublasSetStream(blas_.get(), nullptr);
    if (stream_ != nullptr) (void)cudaStreamDestroy(stream_);
    throw;
  }
}

CudaBackend::~CudaBackend() {
  // Runs at static destruction, perhaps while the runtime unloads: every error is ignored.
  (void)cudaStreamSynchronize(stream_);
  staging_.reset();
  scratch_ = Storage();
  conv_plans_.reset();
#if FASTBLOCK_WITH_CUDNN
  if (cudnn_ != nullptr) (void)cudnnDestroy(cudnn_);
#endif
  // blas_ is destroyed after this body; detach it from the stream that is about to go.
  (void)cublasSetStream(blas_.get(), nullptr);
  if (stream_ != nullptr) (void)cudaStreamDestroy(stream_);
  (void)cudaGetLastError();
}

std::string CudaBackend::name() const { return "CUDA on " + cuda_runtime::device_description(); }

Storage CudaBackend::allocate_block(std::size_t nbytes, bool counted) {
  const std::size_t block = block_size(nbytes);
  std::byte* p = allocator_->acquire(nbytes, block, counted);
  // The deleter owns a reference to the allocator, so it stays valid after the backend is gone;
  // if the control block cannot be allocated, shared_ptr runs the deleter and nothing leaks.
  std::shared_ptr<std::byte> data(p,
                                  [allocator = allocator_, block, counted](std::byte* q) noexcept {
                                    allocator->release(q, block, counted);
                                  });
  return {std::move(data), nbytes, Device{DeviceType::CUDA, 0}};
}

Storage CudaBackend::allocate(std::size_t nbytes, Device device) {
  if (!device.is_cuda())
    throw device_error("fastblock::cuda: cannot allocate " + device.str() +
                       " memory: the CUDA back end allocates GPU memory only");
  require_device0(device, "allocate");
  return allocate_block(nbytes, /*counted=*/true);
}

void CudaBackend::copy(void* dst, Device dst_device, const void* src, Device src_device,
                       std::size_t nbytes) {
  if (nbytes == 0) return;
  require_device0(dst_device, "copy");
  require_device0(src_device, "copy");
  const bool to_gpu = dst_device.is_cuda();
  const bool from_gpu = src_device.is_cuda();
  if (!to_gpu && !from_gpu) {
    std::memcpy(dst, src, nbytes);
    return;
  }
  const cudaMemcpyKind kind = to_gpu
                                  ? (from_gpu ? cudaMemcpyDeviceToDevice : cudaMemcpyHostToDevice)
                                  : cudaMemcpyDeviceToHost;
  const char* what = to_gpu ? (from_gpu ? "cudaMemcpyAsync (device to device)"
                                        : "cudaMemcpyAsync (host to device)")
                            : "cudaMemcpyAsync (device to host)";
  if (to_gpu && !from_gpu) {
    // Queued behind the running kernels; the source may be reused as soon as this returns.
    staging_->upload(dst, src, nbytes, stream_);
    return;
  }
  cuda_runtime::check(cudaMemcpyAsync(dst, src, nbytes, kind, stream_), what);
  // Device to host: the caller reads dst next, so wait; device to device stays queued.
  if (!to_gpu)
    cuda_runtime::check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize (after a copy)");
}

void CudaBackend::fill(float* dst, std::int64_t n, float value) {
  if (n <= 0) return;
  if (value == 0.0f && !std::signbit(value)) {
    zero_bytes(dst, static_cast<std::size_t>(n) * sizeof(float));
    return;
  }
  fill_kernel<<<grid_for(n), block_threads, 0, stream_>>>(dst, n, value);
  check_launch("fill_kernel");
}

void CudaBackend::zero_bytes(void* dst, std::size_t nbytes) {
  if (nbytes == 0) return;
  cuda_runtime::check(cudaMemsetAsync(dst, 0, nbytes, stream_), "cudaMemsetAsync");
}

void CudaBackend::synchronize() {
  cuda_runtime::check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize");
}

DeviceMemoryStats CudaBackend::memory_stats() { return allocator_->stats(); }

void CudaBackend::reset_peak() { allocator_->reset_peak(); }

void CudaBackend::empty_cache() {
  synchronize();
  // The scratch buffer is a cache of the backend's own; give it back too, so that after the
  // last tensor dies `reserved` can reach zero.
  scratch_ = Storage();
  allocator_->empty_cache();
}

void* CudaBackend::scratch(std::size_t nbytes) {
  if (scratch_.data() == nullptr || scratch_.nbytes() < nbytes) {
    // Back to the cache first, so the larger block can be carved from freed memory. The old
    // block may still be read by queued kernels; its next user is queued after them.
    scratch_ = Storage();
    scratch_ = allocate_block(nbytes, /*counted=*/false);
  }
  return scratch_.data();
}

DeviceBackend& instance() {
  // Built on first use (never by merely linking the library); a failed construction throws and
  // is retried by the next call.
  static CudaBackend backend;
  return backend;
}

bool device_present() noexcept { return cuda_runtime::has_cuda(); }

}  // namespace fastblock::cuda_backend
