// fastblock/tensor/backend.hpp — the seam between the CPU-only headers and an accelerator.
//
// Tensors on a device other than the CPU get their memory, copies and kernels from a
// DeviceBackend registered for that device type. The headers only declare the interface; the
// CUDA implementation is compiled by nvcc into the fastblock::cuda library and registers itself
// when a program includes <fastblock/cuda.hpp> (a plain C++ header, so the user's program stays
// g++-compiled and header-only on the CPU side). Without a registered backend, a device tensor is
// a device_error that says how to get one.
//
// Kernel contract: every pointer is device memory of the backend's device; float32 tensors are
// contiguous, NCHW; "accumulate" outputs (gradients of parameters) are added to, never
// overwritten, as the CPU layers do; a null optional pointer means "not wanted". Calls are
// ordered on one stream: results are visible to later calls and to copies back to the host.
// Virtual calls happen once per layer call, never per element.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include <fastblock/core/config.hpp>
#include <fastblock/tensor/device.hpp>
#include <fastblock/tensor/storage.hpp>

namespace fastblock {

/// Geometry of a square-kernel 2-D convolution or max-pooling over a batch.
struct ConvShape {
  std::int64_t n = 0, c = 0, h = 0, w = 0;  // input batch, channels, height, width
  std::int64_t out = 0;                     // output channels (convolution only)
  std::int64_t k = 1, stride = 1, pad = 0;  // square kernel, stride and zero padding
  std::int64_t ho = 0, wo = 0;              // output height and width
};

/// Memory in use on a device, in bytes.
struct DeviceMemoryStats {
  /// Held by live tensors.
  std::size_t allocated = 0;
  /// Held by the caching allocator (live tensors plus cached blocks).
  std::size_t reserved = 0;
  /// Highest `allocated` since the last reset_peak().
  std::size_t peak_allocated = 0;
};

/// How a device computes convolutions and matrix products: PyTorch's `allow_tf32` and
/// `cudnn.benchmark` as one switch.
enum class MathMode : unsigned char {
  /// FP32 products summed in FP32, by algorithms that do only that (no FFT or Winograd
  /// transforms): results match the CPU path to float rounding (1e-4 of a layer's scale).
  strict,
  /// FP32 data and products, by the fastest algorithm measured for each shape (FFT and Winograd
  /// included): PyTorch with `allow_tf32 = False` and `cudnn.benchmark = True`.
  fp32,
  /// fp32, plus TF32 tensor cores (10-bit mantissas in the products) for convolutions and matrix
  /// products: PyTorch's default for convolutions, about 2.5x faster than fp32 on an H200. The
  /// default.
  tf32,
};

/// Which reduction a loss kernel applies (mirrors nn's Reduction without depending on nn).
enum class LossReduce : unsigned char { mean, sum, none };

/// Hyper-parameters of one fused Adam step (fastai's Adam: decoupled weight decay, debiasing).
struct AdamStep {
  float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.99f, eps = 1e-5f, wd = 0.01f;
  /// 1 for the first step (debiasing uses beta^step).
  std::int64_t step = 1;
};

/// The per-call constants of an Adam step, computed once in double so that every back end
/// updates each element with the same float expression.
struct AdamFactors {
  /// 1 − lr·wd (decoupled weight decay).
  float decay;
  /// lr / (1 − β1^step).
  float step_size;
  /// 1 / (1 − β2^step).
  float inv_debias2;
};

/// The AdamFactors of `h`.
[[nodiscard]] inline AdamFactors adam_factors(const AdamStep& h) noexcept {
  const auto step = static_cast<double>(h.step);
  const double debias1 = 1.0 - std::pow(static_cast<double>(h.beta1), step);
  const double debias2 = 1.0 - std::pow(static_cast<double>(h.beta2), step);
  return {.decay = static_cast<float>(1.0 - static_cast<double>(h.lr) * h.wd),
          .step_size = static_cast<float>(static_cast<double>(h.lr) / debias1),
          .inv_debias2 = static_cast<float>(1.0 / debias2)};
}

/// Memory and kernels of one kind of device; see the contract above.
class DeviceBackend {
 public:
  DeviceBackend() = default;
  DeviceBackend(const DeviceBackend&) = delete;
  DeviceBackend& operator=(const DeviceBackend&) = delete;
  virtual ~DeviceBackend() = default;

  /// "CUDA on NVIDIA H200 (sm_90, 139.8 GiB)".
  [[nodiscard]] virtual std::string name() const = 0;

  // --- memory ---------------------------------------------------------------------------------
  /// Uninitialised memory on `device`; device_error naming the request and the free memory.
  [[nodiscard]] virtual Storage allocate(std::size_t nbytes, Device device) = 0;
  /// Copies `nbytes` between host and device or within the device (each side's Device says
  /// which); returns when the bytes can be read at `dst`.
  virtual void copy(void* dst, Device dst_device, const void* src, Device src_device,
                    std::size_t nbytes) = 0;
  /// Copies `rows` rows of `row_bytes` within the device, rows `src_pitch` bytes apart in the
  /// source and `dst_pitch` in the destination (a concatenation or split along a dimension).
  virtual void copy_rows(void* dst, std::size_t dst_pitch, const void* src, std::size_t src_pitch,
                         std::size_t row_bytes, std::size_t rows) = 0;
  /// Sets `n` floats to `value`.
  virtual void fill(float* dst, std::int64_t n, float value) = 0;
  /// Sets `nbytes` bytes to zero.
  virtual void zero_bytes(void* dst, std::size_t nbytes) = 0;
  /// Waits for every queued kernel.
  virtual void synchronize() = 0;
  /// What the caching allocator holds.
  [[nodiscard]] virtual DeviceMemoryStats memory_stats() = 0;
  /// Restarts peak_allocated from the current allocation.
  virtual void reset_peak() = 0;
  /// Returns cached, unused blocks to the driver.
  virtual void empty_cache() = 0;
  /// Chooses how convolutions and matrix products are computed (see MathMode).
  virtual void set_math_mode(MathMode mode) = 0;
  /// The current MathMode.
  [[nodiscard]] virtual MathMode math_mode() const = 0;

  // --- elementwise ----------------------------------------------------------------------------
  /// y = a + b (y may alias a or b).
  virtual void add(const float* a, const float* b, float* y, std::int64_t n) = 0;
  /// y = a · b elementwise.
  virtual void mul(const float* a, const float* b, float* y, std::int64_t n) = 0;
  /// y = a · s.
  virtual void scale(const float* a, float s, float* y, std::int64_t n) = 0;
  /// y = max(x, 0).
  virtual void relu_forward(const float* x, float* y, std::int64_t n) = 0;
  /// dx = dy where y > 0, else 0.
  virtual void relu_backward(const float* y, const float* dy, float* dx, std::int64_t n) = 0;
  /// y = lo + (hi − lo)·σ(x).
  virtual void sigmoid_range_forward(const float* x, float* y, std::int64_t n, float lo,
                                     float hi) = 0;
  /// dx = dy · (y − lo)·(hi − y)/(hi − lo), from the forward's output y.
  virtual void sigmoid_range_backward(const float* y, const float* dy, float* dx, std::int64_t n,
                                      float lo, float hi) = 0;
  /// mask[i] = 0 with probability p, else 1/(1−p), from a counter-based hash of (seed, i);
  /// y = x · mask.
  virtual void dropout_forward(const float* x, float* y, float* mask, std::int64_t n, float p,
                               std::uint64_t seed) = 0;
  /// y = σ(x).
  virtual void sigmoid(const float* x, float* y, std::int64_t n) = 0;

  // --- layers ---------------------------------------------------------------------------------
  /// y[N, out, ho, wo] = conv(x, w[out, c, k, k]) (+ b[out] when b is not null).
  virtual void conv2d_forward(const ConvShape& s, const float* x, const float* w, const float* b,
                              float* y) = 0;
  /// dx = conv's input gradient (when dx is not null); dw += weight gradient; db += bias gradient
  /// (when db is not null).
  virtual void conv2d_backward(const ConvShape& s, const float* x, const float* w, const float* dy,
                               float* dx, float* dw, float* db) = 0;
  /// y[n, out] = x[n, in] · wᵀ (+ b).
  virtual void linear_forward(std::int64_t n, std::int64_t in, std::int64_t out, const float* x,
                              const float* w, const float* b, float* y) = 0;
  /// dx[n, in] = dy · w (when dx is not null); dw[out, in] += dyᵀ · x; db[out] += Σ dy.
  virtual void linear_backward(std::int64_t n, std::int64_t in, std::int64_t out, const float* x,
                               const float* w, const float* dy, float* dx, float* dw,
                               float* db) = 0;
  /// Batch normalisation of x[n, c, s] over (n, s) per channel. Training: batch statistics,
  /// saved into mean[c] and inv_std[c], running statistics updated with `momentum` (unbiased
  /// variance, as PyTorch). Eval: running statistics. gamma and beta may be null (no affine).
  virtual void batchnorm_forward(std::int64_t n, std::int64_t c, std::int64_t s, const float* x,
                                 const float* gamma, const float* beta, float* running_mean,
                                 float* running_var, float momentum, float eps, bool training,
                                 float* y, float* mean, float* inv_std) = 0;
  /// Training-mode gradient: dx; dgamma += Σ dy·x̂, dbeta += Σ dy (when gamma is not null).
  virtual void batchnorm_backward(std::int64_t n, std::int64_t c, std::int64_t s, const float* x,
                                  const float* dy, const float* gamma, const float* mean,
                                  const float* inv_std, float* dx, float* dgamma, float* dbeta) = 0;
  /// Max pooling (padding counts as −∞); `argmax` receives the flat input index (h·W + w within
  /// the channel) of each output.
  virtual void maxpool2d_forward(const ConvShape& s, const float* x, float* y,
                                 std::int32_t* argmax) = 0;
  /// dx (zeroed here first) gets each dy at its argmax.
  virtual void maxpool2d_backward(const ConvShape& s, const float* dy, const std::int32_t* argmax,
                                  float* dx) = 0;
  /// PyTorch's adaptive pooling of x[n, c, h, w] to [oh, ow] (bins from floor(i·h/oh) to
  /// ceil((i+1)·h/oh)); the output of batch item b, channel ch starts at
  /// y + b·y_batch_stride + ch·oh·ow, so two pools can fill the halves of a concatenation.
  /// `argmax` (max only) has the output's compact [n, c, oh, ow] layout.
  virtual void adaptive_pool_forward(bool max, std::int64_t n, std::int64_t c, std::int64_t h,
                                     std::int64_t w, std::int64_t oh, std::int64_t ow,
                                     const float* x, float* y, std::int64_t y_batch_stride,
                                     std::int32_t* argmax) = 0;
  /// The gradient of adaptive_pool_forward: dx (zeroed here first) from dy laid out as y was.
  virtual void adaptive_pool_backward(bool max, std::int64_t n, std::int64_t c, std::int64_t h,
                                      std::int64_t w, std::int64_t oh, std::int64_t ow,
                                      const float* dy, std::int64_t dy_batch_stride,
                                      const std::int32_t* argmax, float* dx) = 0;

  // --- losses (loss: one float for mean/sum, n for none) ---------------------------------------
  /// Overflow-free binary cross-entropy on logits: max(x,0) − x·t + log(1 + e^−|x|).
  virtual void bce_with_logits_forward(const float* x, const float* t, std::int64_t n, LossReduce r,
                                       float* loss) = 0;
  /// dx = (σ(x) − t) · g, with g = 1/n (mean), 1 (sum) or dloss[i] (none).
  virtual void bce_with_logits_backward(const float* x, const float* t, std::int64_t n,
                                        LossReduce r, const float* dloss, float* dx) = 0;
  /// Softmax cross-entropy of rows x[rows, c] against int64 class indices; probs[rows, c]
  /// receives the softmax (kept for backward).
  virtual void cross_entropy_forward(const float* x, const std::int64_t* target, std::int64_t rows,
                                     std::int64_t c, LossReduce r, float* probs, float* loss) = 0;
  /// dx = (probs − onehot(target)) · g.
  virtual void cross_entropy_backward(const float* probs, const std::int64_t* target,
                                      std::int64_t rows, std::int64_t c, LossReduce r,
                                      const float* dloss, float* dx) = 0;
  /// diff = pred − target; loss = reduced diff².
  virtual void mse_forward(const float* pred, const float* target, std::int64_t n, LossReduce r,
                           float* diff, float* loss) = 0;
  /// dx = 2·diff · g.
  virtual void mse_backward(const float* diff, std::int64_t n, LossReduce r, const float* dloss,
                            float* dx) = 0;

  // --- optimisers -----------------------------------------------------------------------------
  /// fastai's Adam on n parameters: p ·= 1 − lr·wd; m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
  /// p −= lr/(1−β1^step) · m / (√(v/(1−β2^step)) + eps).
  virtual void adam_step(float* param, const float* grad, float* exp_avg, float* exp_avg_sq,
                         std::int64_t n, const AdamStep& h) = 0;
  /// SGD with momentum and decoupled weight decay: p ·= 1 − lr·wd; m = mom·m + g; p −= lr·m
  /// (momentum_buf may be null when mom = 0).
  virtual void sgd_step(float* param, const float* grad, float* momentum_buf, std::int64_t n,
                        float lr, float mom, float wd) = 0;
};

/// Makes the backend of a device type on first use (so merely linking CUDA never touches a GPU).
using BackendFactory = DeviceBackend& (*)();

/// Registers the backend of `type` (the CUDA library does this; see <fastblock/cuda.hpp>).
void register_backend(DeviceType type, BackendFactory factory) noexcept;

/// Whether a backend for `type` is linked into this program (the CPU never has one).
[[nodiscard]] bool has_backend(DeviceType type) noexcept;

/// The backend of `device`; device_error naming the device and what to link when there is none.
[[nodiscard]] DeviceBackend& backend(Device device);

}  // namespace fastblock

#if FASTBLOCK_HEADER_ONLY
#include <fastblock/tensor/backend-inl.hpp>
#endif
