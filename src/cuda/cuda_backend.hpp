// src/cuda/cuda_backend.hpp — the CUDA implementation of fastblock::DeviceBackend (private to the
// fastblock::cuda library; compiled by nvcc only).
//
// One backend per process, for device 0, created on first use. All work goes to one stream that
// cuBLAS (and cuDNN, when built with it) are bound to, so kernels run in order and host copies
// wait only for what precedes them. Memory comes from a caching allocator: freed blocks are kept
// by size and reused, so an epoch after the first allocates nothing from the driver.
//
// The methods are defined in several files, one per family: backend.cu (memory, registration),
// conv.cu (convolution, linear), elementwise.cu, norm_pool.cu, loss_optim.cu, tensor_ops.cu.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <cublas_v2.h>
#include <cuda_runtime.h>
#if FASTBLOCK_WITH_CUDNN
#include <cudnn.h>
#endif

#include <fastblock/cuda/runtime.hpp>
#include <fastblock/tensor/backend.hpp>

#if FASTBLOCK_WITH_CUDNN
namespace fastblock::cuda_runtime {
/// Throws device_error naming `what` when a cuDNN call fails.
inline void check(cudnnStatus_t status, const char* what) {
  if (status == CUDNN_STATUS_SUCCESS) return;
  throw device_error(std::string("fastblock::cuda: ") + what +
                     " failed: " + cudnnGetErrorString(status));
}
}  // namespace fastblock::cuda_runtime
#endif

namespace fastblock::cuda_backend {

class CachingAllocator;  // backend.cu
class PinnedStaging;     // backend.cu: page-locked buffers for host-to-device copies
class ConvPlans;         // conv.cu: cuDNN descriptors and chosen algorithms per geometry

}  // namespace fastblock::cuda_backend

// ConvPlans is complete only in conv.cu, so its deleter is defined there: backend.cu can then
// construct and destroy a CudaBackend (which owns one through unique_ptr) without seeing it.
template <>
struct std::default_delete<fastblock::cuda_backend::ConvPlans> {
  void operator()(fastblock::cuda_backend::ConvPlans* plans) const noexcept;
};

namespace fastblock::cuda_backend {

/// Threads per block of the elementwise and reduction kernels.
inline constexpr int block_threads = 256;

/// Blocks for `n` independent elements at `block_threads` each (grid-stride loops cover the rest).
inline unsigned grid_for(std::int64_t n) {
  const std::int64_t blocks = (n + block_threads - 1) / block_threads;
  return static_cast<unsigned>(blocks < 1 ? 1 : (blocks > 65535 * 8 ? 65535 * 8 : blocks));
}

/// Throws device_error naming the kernel when its launch failed.
inline void check_launch(const char* kernel) { cuda_runtime::check(cudaGetLastError(), kernel); }

class CudaBackend final : public DeviceBackend {
 public:
  CudaBackend();
  ~CudaBackend() override;

  [[nodiscard]] std::string name() const override;

  [[nodiscard]] Storage allocate(std::size_t nbytes, Device device) override;
  void copy(void* dst, Device dst_device, const void* src, Device src_device,
            std::size_t nbytes) override;
  void copy_rows(void* dst, std::size_t dst_pitch, const void* src, std::size_t src_pitch,
                 std::size_t row_bytes, std::size_t rows) override;  // tensor_ops.cu
  void fill(float* dst, std::int64_t n, float value) override;
  void zero_bytes(void* dst, std::size_t nbytes) override;
  void synchronize() override;
  [[nodiscard]] DeviceMemoryStats memory_stats() override;
  void reset_peak() override;
  void empty_cache() override;

  void add(const float* a, const float* b, float* y, std::int64_t n) override;
  void mul(const float* a, const float* b, float* y, std::int64_t n) override;  // tensor_ops.cu
  void scale(const float* a, float s, float* y, std::int64_t n) override;
  void relu_forward(const float* x, float* y, std::int64_t n) override;
  void relu_backward(const float* y, const float* dy, float* dx, std::int64_t n) override;
  void sigmoid_range_forward(const float* x, float* y, std::int64_t n, float lo, float hi) override;
  void sigmoid_range_backward(const float* y, const float* dy, float* dx, std::int64_t n, float lo,
                              float hi) override;
  void dropout_forward(const float* x, float* y, float* mask, std::int64_t n, float p,
                       std::uint64_t seed) override;
  void sigmoid(const float* x, float* y, std::int64_t n) override;
  void set_math_mode(MathMode mode) override;  // conv.cu
  [[nodiscard]] MathMode math_mode() const override { return math_; }

  void conv2d_forward(const ConvShape& s, const float* x, const float* w, const float* b,
                      float* y) override;
  void conv2d_backward(const ConvShape& s, const float* x, const float* w, const float* dy,
                       float* dx, float* dw, float* db) override;
  void linear_forward(std::int64_t n, std::int64_t in, std::int64_t out, const float* x,
                      const float* w, const float* b, float* y) override;
  void linear_backward(std::int64_t n, std::int64_t in, std::int64_t out, const float* x,
                       const float* w, const float* dy, float* dx, float* dw, float* db) override;
  void batchnorm_forward(std::int64_t n, std::int64_t c, std::int64_t s, const float* x,
                         const float* gamma, const float* beta, float* running_mean,
                         float* running_var, float momentum, float eps, bool training, float* y,
                         float* mean, float* inv_std) override;
  void batchnorm_backward(std::int64_t n, std::int64_t c, std::int64_t s, const float* x,
                          const float* dy, const float* gamma, const float* mean,
                          const float* inv_std, float* dx, float* dgamma, float* dbeta) override;
  void maxpool2d_forward(const ConvShape& s, const float* x, float* y,
                         std::int32_t* argmax) override;
  void maxpool2d_backward(const ConvShape& s, const float* dy, const std::int32_t* argmax,
                          float* dx) override;
  void adaptive_pool_forward(bool max, std::int64_t n, std::int64_t c, std::int64_t h,
                             std::int64_t w, std::int64_t oh, std::int64_t ow, const float* x,
                             float* y, std::int64_t y_batch_stride, std::int32_t* argmax) override;
  void adaptive_pool_backward(bool max, std::int64_t n, std::int64_t c, std::int64_t h,
                              std::int64_t w, std::int64_t oh, std::int64_t ow, const float* dy,
                              std::int64_t dy_batch_stride, const std::int32_t* argmax,
                              float* dx) override;

  void bce_with_logits_forward(const float* x, const float* t, std::int64_t n, LossReduce r,
                               float* loss) override;
  void bce_with_logits_backward(const float* x, const float* t, std::int64_t n, LossReduce r,
                                const float* dloss, float* dx) override;
  void cross_entropy_forward(const float* x, const std::int64_t* target, std::int64_t rows,
                             std::int64_t c, LossReduce r, float* probs, float* loss) override;
  void cross_entropy_backward(const float* probs, const std::int64_t* target, std::int64_t rows,
                              std::int64_t c, LossReduce r, const float* dloss, float* dx) override;
  void mse_forward(const float* pred, const float* target, std::int64_t n, LossReduce r,
                   float* diff, float* loss) override;
  void mse_backward(const float* diff, std::int64_t n, LossReduce r, const float* dloss,
                    float* dx) override;

  void adam_step(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, std::int64_t n,
                 const AdamStep& h) override;
  void sgd_step(float* param, const float* grad, float* momentum_buf, std::int64_t n, float lr,
                float mom, float wd) override;

  /// The stream every kernel of this backend runs on.
  [[nodiscard]] cudaStream_t stream() const noexcept { return stream_; }
  /// cuBLAS, bound to stream().
  [[nodiscard]] cublasHandle_t blas() const noexcept { return blas_.get(); }
  /// Temporary device memory of at least `nbytes`, valid until the next call that asks for
  /// scratch (kernels on the one stream run in order, so reuse is safe).
  [[nodiscard]] void* scratch(std::size_t nbytes);
  /// Runs convolutions through cuDNN (true, the default when built with it) or through
  /// im2col + cuBLAS (false), so tests can check one against the other. Without cuDNN, im2col
  /// is the only path and true changes nothing.
  void set_conv_algorithm(bool use_cudnn);

 private:
  /// The convolution plans (conv.cu), made on first use.
  ConvPlans& conv_plans();
  /// Device memory of at least `nbytes` from the caching allocator; `counted` says whether it
  /// counts as `allocated` (tensors) or only as `reserved` (the backend's own scratch).
  [[nodiscard]] Storage allocate_block(std::size_t nbytes, bool counted);

  cudaStream_t stream_{};
  cuda_runtime::BlasHandle blas_;
  std::shared_ptr<CachingAllocator> allocator_;
  std::unique_ptr<PinnedStaging> staging_;
  Storage scratch_;
  std::unique_ptr<ConvPlans> conv_plans_;
  MathMode math_ = MathMode::tf32;
#if FASTBLOCK_WITH_CUDNN
  cudnnHandle_t cudnn_{};
#endif
};

/// The process's backend (created on first call; see <fastblock/cuda.hpp>).
DeviceBackend& instance();

}  // namespace fastblock::cuda_backend
