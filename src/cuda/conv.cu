// src/cuda/conv.cu — convolution and fully connected layers of the CUDA back end.
//
// Convolutions run through cuDNN when the library is built with it (FASTBLOCK_WITH_CUDNN) and
// through im2col + cuBLAS otherwise; CudaBackend::set_conv_algorithm switches at run time so the
// two can be checked against each other. The MathMode decides the arithmetic: in strict and fp32
// cuBLAS keeps its default math mode and cuDNN convolutions use CUDNN_FMA_MATH (cuDNN's *default*
// math type would let Ampere and newer GPUs round FP32 inputs to TF32); tf32 asks both for tensor
// cores, as PyTorch's allow_tf32 does.
//
// Layout bridge: tensors are row-major, cuBLAS is column-major. A row-major [r, c] matrix is the
// column-major [c, r] matrix (its transpose) with leading dimension c, so every product below is
// written for the transposed results; each call says which identity it uses.

#include <algorithm>
#include <array>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fastblock/core/error.hpp>
#include <fastblock/cuda/runtime.hpp>
#include <fastblock/tensor/backend.hpp>

#include "cuda_backend.hpp"
#include "kernels_common.cuh"

namespace fastblock::cuda_backend {

namespace conv_detail {

constexpr float one = 1.0f;
constexpr float zero = 0.0f;

/// Floats of im2col scratch one chunk of images may use (256 MiB): large enough that the GEMMs
/// are big, small enough to leave the GPU to the tensors.
constexpr std::int64_t chunk_floats = std::int64_t{1} << 26;

/// `v` as the int cuBLAS and cuDNN take; device_error naming `what` when it does not fit.
int as_int(std::int64_t v, const char* what) {
  if (v < 0 || v > INT_MAX)
    throw device_error(std::string("fastblock::cuda: ") + what + " = " + std::to_string(v) +
                       " exceeds what cuBLAS/cuDNN accept (2^31 - 1)");
  return static_cast<int>(v);
}

/// A 1x1 convolution that reads the image as it is: its im2col matrix is the image itself.
bool direct(const ConvShape& s) { return s.k == 1 && s.stride == 1 && s.pad == 0; }

/// ConvShape in the index type of a kernel (32-bit when every index fits: faster division).
template <typename I>
struct Geometry {
  I c, h, w, k, stride, pad, ho, wo;
};

template <typename I>
Geometry<I> geometry(const ConvShape& s) {
  return {static_cast<I>(s.c),  static_cast<I>(s.h),      static_cast<I>(s.w),
          static_cast<I>(s.k),  static_cast<I>(s.stride), static_cast<I>(s.pad),
          static_cast<I>(s.ho), static_cast<I>(s.wo)};
}

// --- kernels -----------------------------------------------------------------------------------
// Flat loop indices are int64 (a grid-stride step never overflows); the decomposition runs in I,
// which the launcher picks 32-bit only when every index of the call fits.

/// Column matrices of `images` consecutive images of x: entry (r, p) of image j, with
/// r = (ch·k + ki)·k + kj and p = oh·wo + ow, is x[j, ch, oh·s − pad + ki, ow·s − pad + kj] (zero
/// outside the image), stored at cols[j·img_stride + r·ld + p]. img_stride = rows·P, ld = P gives
/// one [rows, P] matrix per image; img_stride = P, ld = images·P puts the images side by side in
/// one [rows, images·P] matrix.
template <typename I>
__global__ void im2col_kernel(const float* __restrict__ x, Geometry<I> g, I images, I img_stride,
                              I ld, float* __restrict__ cols) {
  const I rows = g.c * g.k * g.k;
  const I positions = g.ho * g.wo;
  const std::int64_t total = static_cast<std::int64_t>(images) * rows * positions;
  for (std::int64_t t = kernels::thread_index(); t < total; t += kernels::thread_stride()) {
    const I i = static_cast<I>(t);
    const I p = i % positions;
    const I r = (i / positions) % rows;
    const I j = i / (positions * rows);
    const I ow = p % g.wo, oh = p / g.wo;
    const I kj = r % g.k, ki = (r / g.k) % g.k, ch = r / (g.k * g.k);
    const I ih = oh * g.stride - g.pad + ki;
    const I iw = ow * g.stride - g.pad + kj;
    float v = 0.0f;
    if (ih >= 0 && ih < g.h && iw >= 0 && iw < g.w) v = x[((j * g.c + ch) * g.h + ih) * g.w + iw];
    cols[j * img_stride + r * ld + p] = v;
  }
}

/// The adjoint of im2col_kernel, as a gather: each input pixel of each image sums the column
/// entries it was copied to (no atomics, so the result is deterministic), and overwrites dx.
template <typename I>
__global__ void col2im_kernel(const float* __restrict__ cols, Geometry<I> g, I images, I img_stride,
                              I ld, float* __restrict__ dx) {
  const std::int64_t total = static_cast<std::int64_t>(images) * g.c * g.h * g.w;
  for (std::int64_t t = kernels::thread_index(); t < total; t += kernels::thread_stride()) {
    const I i = static_cast<I>(t);
    const I iw = i % g.w;
    const I ih = (i / g.w) % g.h;
    const I ch = (i / (g.w * g.h)) % g.c;
    const I j = i / (g.w * g.h * g.c);
    const float* image = cols + j * img_stride;
    float sum = 0.0f;
    for (I ki = 0; ki < g.k; ++ki) {
      const I y = ih + g.pad - ki;  // = oh·stride for the output row that read this pixel
      if (y < 0) break;             // only decreases with ki
      if (y % g.stride != 0) continue;
      const I oh = y / g.stride;
      if (oh >= g.ho) continue;
      for (I kj = 0; kj < g.k; ++kj) {
        const I xw = iw + g.pad - kj;  // = ow·stride for the output column, as above
        if (xw < 0) break;
        if (xw % g.stride != 0) continue;
        const I ow = xw / g.stride;
        if (ow >= g.wo) continue;
        sum += image[((ch * g.k + ki) * g.k + kj) * ld + oh * g.wo + ow];
      }
    }
    dx[i] = sum;
  }
}

/// src[j, r, p] (images of [rows, positions]) to dst[r, j·positions + p]: the images side by
/// side in one [rows, images·positions] matrix, so one GEMM can sum over all of them.
template <typename I>
__global__ void batch_to_columns_kernel(const float* __restrict__ src, I images, I rows,
                                        I positions, float* __restrict__ dst) {
  const std::int64_t total = static_cast<std::int64_t>(images) * rows * positions;
  for (std::int64_t t = kernels::thread_index(); t < total; t += kernels::thread_stride()) {
    const I i = static_cast<I>(t);
    const I p = i % positions;
    const I r = (i / positions) % rows;
    const I j = i / (positions * rows);
    dst[r * (images * positions) + j * positions + p] = src[i];
  }
}

/// y[b, ch, p] += bias[ch] over y[outer, channels, inner].
template <typename I>
__global__ void add_bias_kernel(float* __restrict__ y, const float* __restrict__ bias, I channels,
                                I inner, std::int64_t total) {
  for (std::int64_t t = kernels::thread_index(); t < total; t += kernels::thread_stride()) {
    const I i = static_cast<I>(t);
    y[i] += bias[(i / inner) % channels];
  }
}

/// acc[ch] += Σ x[b, ch, p] over x[outer, channels, inner]; one block per channel, summed in an
/// order fixed by the launch shape (deterministic, no atomics).
__global__ void channel_sum_kernel(const float* __restrict__ x, std::int64_t outer,
                                   std::int64_t channels, std::int64_t inner,
                                   float* __restrict__ acc) {
  __shared__ float shared[block_threads / 32];
  const std::int64_t ch = blockIdx.x;
  const std::int64_t count = outer * inner;
  float sum = 0.0f;
  for (std::int64_t i = threadIdx.x; i < count; i += blockDim.x) {
    const std::int64_t b = i / inner;
    sum += x[(b * channels + ch) * inner + (i - b * inner)];
  }
  sum = kernels::block_sum(sum, shared);
  if (threadIdx.x == 0) acc[ch] += sum;
}

// --- launchers ---------------------------------------------------------------------------------

/// im2col of `images` images starting at x (layout as im2col_kernel).
void im2col(cudaStream_t stream, const ConvShape& s, const float* x, std::int64_t images,
            std::int64_t img_stride, std::int64_t ld, float* cols) {
  const std::int64_t total = images * s.c * s.k * s.k * s.ho * s.wo;
  if (total == 0) return;
  const std::int64_t largest = std::max(total, images * s.c * s.h * s.w);
  kernels::with_index_type<std::int32_t>(largest, [&](auto index) {
    using I = decltype(index);
    im2col_kernel<I><<<grid_for(total), block_threads, 0, stream>>>(
        x, geometry<I>(s), static_cast<I>(images), static_cast<I>(img_stride), static_cast<I>(ld),
        cols);
  });
  check_launch("im2col_kernel");
}

/// dx of `images` images from their column gradients (layout as im2col_kernel); overwrites dx.
void col2im(cudaStream_t stream, const ConvShape& s, const float* cols, std::int64_t images,
            std::int64_t img_stride, std::int64_t ld, float* dx) {
  const std::int64_t total = images * s.c * s.h * s.w;
  if (total == 0) return;
  const std::int64_t largest = std::max(total, images * s.c * s.k * s.k * s.ho * s.wo);
  kernels::with_index_type<std::int32_t>(largest, [&](auto index) {
    using I = decltype(index);
    col2im_kernel<I><<<grid_for(total), block_threads, 0, stream>>>(
        cols, geometry<I>(s), static_cast<I>(images), static_cast<I>(img_stride),
        static_cast<I>(ld), dx);
  });
  check_launch("col2im_kernel");
}

void batch_to_columns(cudaStream_t stream, const float* src, std::int64_t images, std::int64_t rows,
                      std::int64_t positions, float* dst) {
  const std::int64_t total = images * rows * positions;
  if (total == 0) return;
  kernels::with_index_type<std::int32_t>(total, [&](auto index) {
    using I = decltype(index);
    batch_to_columns_kernel<I><<<grid_for(total), block_threads, 0, stream>>>(
        src, static_cast<I>(images), static_cast<I>(rows), static_cast<I>(positions), dst);
  });
  check_launch("batch_to_columns_kernel");
}

/// y[outer, channels, inner] += bias[channels] (broadcast over outer and inner).
void add_bias(cudaStream_t stream, float* y, const float* bias, std::int64_t outer,
              std::int64_t channels, std::int64_t inner) {
  const std::int64_t total = outer * channels * inner;
  if (total == 0) return;
  kernels::with_index_type<std::int32_t>(total, [&](auto index) {
    using I = decltype(index);
    add_bias_kernel<I><<<grid_for(total), block_threads, 0, stream>>>(
        y, bias, static_cast<I>(channels), static_cast<I>(inner), total);
  });
  check_launch("add_bias_kernel");
}

/// acc[channels] += the sums of x[outer, channels, inner] over outer and inner (bias gradients).
void channel_sum(cudaStream_t stream, const float* x, std::int64_t outer, std::int64_t channels,
                 std::int64_t inner, float* acc) {
  if (channels == 0 || outer * inner == 0) return;
  channel_sum_kernel<<<static_cast<unsigned>(as_int(channels, "channels")), block_threads, 0,
                       stream>>>(x, outer, channels, inner, acc);
  check_launch("channel_sum_kernel");
}

// --- im2col + cuBLAS convolution ---------------------------------------------------------------

/// y = conv(x, w), without bias. Images go in chunks whose column matrices fit chunk_floats; each
/// chunk is one strided-batched GEMM, one product per image.
void forward_im2col(CudaBackend& be, const ConvShape& s, const float* x, const float* w, float* y) {
  const std::int64_t rows = s.c * s.k * s.k;  // of each image's column matrix
  const std::int64_t positions = s.ho * s.wo;
  const bool reads_x = direct(s);
  const std::int64_t group =
      reads_x ? s.n
              : std::clamp<std::int64_t>(chunk_floats / std::max<std::int64_t>(rows * positions, 1),
                                         1, s.n);
  float* cols = reads_x ? nullptr
                        : static_cast<float*>(be.scratch(
                              static_cast<std::size_t>(group * rows * positions) * sizeof(float)));
  for (std::int64_t b0 = 0; b0 < s.n; b0 += group) {
    const std::int64_t m = std::min(group, s.n - b0);
    const float* a = x + b0 * s.c * s.h * s.w;  // a direct conv's column matrix is the image
    if (!reads_x) {
      im2col(be.stream(), s, a, m, rows * positions, positions, cols);
      a = cols;
    }
    // Per image: y_b [out, P] = w [out, rows] · cols_b [rows, P]. Column-major that is
    // y_bᵀ [P, out] = cols_bᵀ [P, rows] · wᵀ [rows, out], and cols_bᵀ, wᵀ and y_bᵀ are exactly
    // the row-major buffers read column-major: no transposes.
    cuda_runtime::check(
        cublasSgemmStridedBatched(
            be.blas(), CUBLAS_OP_N, CUBLAS_OP_N, as_int(positions, "conv output positions"),
            as_int(s.out, "conv output channels"),
            as_int(rows, "conv input channels x kernel area"), &one, a,
            as_int(positions, "conv output positions"), rows * positions, w,
            as_int(rows, "conv input channels x kernel area"), 0, &zero, y + b0 * s.out * positions,
            as_int(positions, "conv output positions"), s.out * positions, as_int(m, "conv batch")),
        "cublasSgemmStridedBatched (conv2d forward)");
  }
}

/// dx = convᵀ(dy) (when dx is not null) and dw += dy ⊛ x (when dw is not null). A chunk of
/// images is laid side by side, [rows, m·P] columns and [out, m·P] output gradients, so dW is one
/// GEMM summing over every image of the chunk and the column gradients another.
void backward_im2col(CudaBackend& be, const ConvShape& s, const float* x, const float* w,
                     const float* dy, float* dx, float* dw) {
  if (dx == nullptr && dw == nullptr) return;
  const std::int64_t rows = s.c * s.k * s.k;
  const std::int64_t positions = s.ho * s.wo;
  const std::int64_t per_image = (rows + s.out) * positions;
  const std::int64_t group =
      std::clamp<std::int64_t>(chunk_floats / std::max<std::int64_t>(per_image, 1), 1, s.n);
  // cols [rows, group·P], reused for the column gradients once dW has read it; dyg [out, group·P].
  float* cols =
      static_cast<float*>(be.scratch(static_cast<std::size_t>(group * per_image) * sizeof(float)));
  float* dyg = cols + group * rows * positions;
  const int n_rows = as_int(rows, "conv input channels x kernel area");
  const int n_out = as_int(s.out, "conv output channels");
  for (std::int64_t b0 = 0; b0 < s.n; b0 += group) {
    const std::int64_t m = std::min(group, s.n - b0);
    const std::int64_t ld = m * positions;
    const int n_ld = as_int(ld, "conv output positions of a chunk");
    batch_to_columns(be.stream(), dy + b0 * s.out * positions, m, s.out, positions, dyg);
    if (dw != nullptr) {
      im2col(be.stream(), s, x + b0 * s.c * s.h * s.w, m, positions, ld, cols);
      // dw [out, rows] += dyg [out, ld] · colsᵀ [ld, rows]. Column-major:
      // dwᵀ [rows, out] += cols [rows, ld] · dygᵀ [ld, out]; the cols buffer read column-major
      // is colsᵀ (hence OP_T), the dyg buffer is dygᵀ (OP_N); beta = 1 accumulates.
      cuda_runtime::check(cublasSgemm(be.blas(), CUBLAS_OP_T, CUBLAS_OP_N, n_rows, n_out, n_ld,
                                      &one, cols, n_ld, dyg, n_ld, &one, dw, n_rows),
                          "cublasSgemm (conv2d weight gradient)");
    }
    if (dx != nullptr) {
      // dcols [rows, ld] = wᵀ [rows, out] · dyg [out, ld]. Column-major:
      // dcolsᵀ [ld, rows] = dygᵀ [ld, out] · w [out, rows]; the dyg buffer is dygᵀ (OP_N), the
      // w buffer read column-major is wᵀ (hence OP_T).
      cuda_runtime::check(cublasSgemm(be.blas(), CUBLAS_OP_N, CUBLAS_OP_T, n_ld, n_rows, n_out,
                                      &one, dyg, n_ld, w, n_rows, &zero, cols, n_ld),
                          "cublasSgemm (conv2d column gradient)");
      col2im(be.stream(), s, cols, m, positions, ld, dx + b0 * s.c * s.h * s.w);
    }
  }
}

// --- cuDNN -------------------------------------------------------------------------------------

#if FASTBLOCK_WITH_CUDNN

/// An owned cuDNN descriptor.
template <typename T, cudnnStatus_t (*Create)(T*), cudnnStatus_t (*Destroy)(T)>
class Descriptor {
 public:
  explicit Descriptor(const char* create_name) {
    cuda_runtime::check(Create(&handle_), create_name);
  }
  ~Descriptor() { (void)Destroy(handle_); }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  [[nodiscard]] T get() const noexcept { return handle_; }

 private:
  T handle_{};
};

using TensorDescriptor =
    Descriptor<cudnnTensorDescriptor_t, cudnnCreateTensorDescriptor, cudnnDestroyTensorDescriptor>;
using FilterDescriptor =
    Descriptor<cudnnFilterDescriptor_t, cudnnCreateFilterDescriptor, cudnnDestroyFilterDescriptor>;
using ConvolutionDescriptor =
    Descriptor<cudnnConvolutionDescriptor_t, cudnnCreateConvolutionDescriptor,
               cudnnDestroyConvolutionDescriptor>;

/// One direction's algorithm: whether it was measured yet, and whether cuDNN had an acceptable
/// one (im2col runs that direction otherwise).
template <typename Algo>
struct Choice {
  bool chosen = false, ok = false;
  Algo algo{};
  std::size_t workspace = 0;
};

/// Descriptors and algorithms of one convolution geometry; each direction's algorithm is chosen
/// by measurement the first time that direction runs.
struct CudnnPlan {
  TensorDescriptor x{"cudnnCreateTensorDescriptor"};
  TensorDescriptor y{"cudnnCreateTensorDescriptor"};  // also dy's
  FilterDescriptor w{"cudnnCreateFilterDescriptor"};
  ConvolutionDescriptor conv{"cudnnCreateConvolutionDescriptor"};
  Choice<cudnnConvolutionFwdAlgo_t> forward;
  Choice<cudnnConvolutionBwdDataAlgo_t> data;
  Choice<cudnnConvolutionBwdFilterAlgo_t> filter;
};

/// Whether legacy cuDNN takes the geometry: every tensor under 2^31 elements.
bool cudnn_fits(const ConvShape& s) {
  const auto small = [](std::int64_t v) { return v >= 0 && v <= INT_MAX; };
  return small(s.n * s.c * s.h * s.w) && small(s.n * s.out * s.ho * s.wo) &&
         small(s.out * s.c * s.k * s.k) && small(s.stride) && small(s.pad);
}

// Algorithms that sum products in FP32 as the CPU path does, the only ones MathMode::strict
// takes. FFT and Winograd transform the operands first, which costs accuracy: with cuDNN's
// heuristic picks a resnet18 layer's gradient was 1-2% off the CPU's on an H200, against 1e-4
// with these; but they are 1.2-1.7x faster for FP32 ResNets there, so the other modes take them.
bool accurate(cudnnConvolutionFwdAlgo_t a) {
  return a == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM ||
         a == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM ||
         a == CUDNN_CONVOLUTION_FWD_ALGO_GEMM || a == CUDNN_CONVOLUTION_FWD_ALGO_DIRECT;
}
bool accurate(cudnnConvolutionBwdDataAlgo_t a) {
  return a == CUDNN_CONVOLUTION_BWD_DATA_ALGO_0 || a == CUDNN_CONVOLUTION_BWD_DATA_ALGO_1;
}
bool accurate(cudnnConvolutionBwdFilterAlgo_t a) {
  return a == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0 || a == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1 ||
         a == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_3;
}

/// From cuDNN's measurements (fastest first): the fastest algorithm the MathMode allows (tensor
/// cores only in tf32, accurate ones only in strict), or a deterministic one when it is within 10%
/// of that, so seeded training repeats exactly whenever that costs little; null when none ran.
template <typename Perf>
const Perf* pick(const Perf* measured, int count, MathMode mode) {
  const Perf* fastest = nullptr;
  for (int i = 0; i < count; ++i) {
    const Perf& p = measured[i];
    const bool tensor_op =
        p.mathType == CUDNN_TENSOR_OP_MATH || p.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
    if (p.status != CUDNN_STATUS_SUCCESS || (mode == MathMode::strict && !accurate(p.algo)) ||
        (tensor_op && mode != MathMode::tf32))
      continue;
    if (fastest == nullptr) fastest = &p;
    if (p.determinism == CUDNN_DETERMINISTIC && p.time <= fastest->time * 1.1f) return &p;
  }
  return fastest;
}

/// Descriptors for `s` (algorithms come later, from measurements with real buffers).
std::unique_ptr<CudnnPlan> make_plan(const ConvShape& s, MathMode mode) {
  auto plan = std::make_unique<CudnnPlan>();
  const int n = as_int(s.n, "conv batch"), c = as_int(s.c, "conv input channels");
  const int out = as_int(s.out, "conv output channels"), k = as_int(s.k, "conv kernel size");
  cuda_runtime::check(cudnnSetTensor4dDescriptor(plan->x.get(), CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT,
                                                 n, c, as_int(s.h, "height"), as_int(s.w, "width")),
                      "cudnnSetTensor4dDescriptor (conv input)");
  cuda_runtime::check(
      cudnnSetTensor4dDescriptor(plan->y.get(), CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, out,
                                 as_int(s.ho, "output height"), as_int(s.wo, "output width")),
      "cudnnSetTensor4dDescriptor (conv output)");
  cuda_runtime::check(
      cudnnSetFilter4dDescriptor(plan->w.get(), CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, out, c, k, k),
      "cudnnSetFilter4dDescriptor");
  const int pad = as_int(s.pad, "conv padding"), stride = as_int(s.stride, "conv stride");
  cuda_runtime::check(cudnnSetConvolution2dDescriptor(plan->conv.get(), pad, pad, stride, stride, 1,
                                                      1, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
                      "cudnnSetConvolution2dDescriptor");
  // FMA_MATH keeps FP32 products in FP32; TENSOR_OP_MATH lets FP32 convolutions run on tensor
  // cores in TF32 (PyTorch's allow_tf32).
  cuda_runtime::check(
      cudnnSetConvolutionMathType(plan->conv.get(),
                                  mode == MathMode::tf32 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH),
      "cudnnSetConvolutionMathType");

  int dn = 0, dc = 0, dh = 0, dw = 0;
  cuda_runtime::check(cudnnGetConvolution2dForwardOutputDim(plan->conv.get(), plan->x.get(),
                                                            plan->w.get(), &dn, &dc, &dh, &dw),
                      "cudnnGetConvolution2dForwardOutputDim");
  if (dn != s.n || dc != s.out || dh != s.ho || dw != s.wo)
    throw device_error("fastblock::cuda: cuDNN computes a [" + std::to_string(dn) + ", " +
                       std::to_string(dc) + ", " + std::to_string(dh) + ", " + std::to_string(dw) +
                       "] convolution output where the layer expects [" + std::to_string(s.n) +
                       ", " + std::to_string(s.out) + ", " + std::to_string(s.ho) + ", " +
                       std::to_string(s.wo) + "]");
  return plan;
}

/// Workspace the measurements may use: a quarter of the free memory, at most 512 MiB (enough
/// for the GEMM-based algorithms, which are the only ones chosen).
std::size_t find_workspace_limit() {
  std::size_t free_bytes = 0, total_bytes = 0;
  cuda_runtime::check(cudaMemGetInfo(&free_bytes, &total_bytes), "cudaMemGetInfo");
  return std::min<std::size_t>(free_bytes / 4, std::size_t{512} << 20);
}

/// Runs cuDNN's measurements through `find(max, &count, perf)` and records the pick in `c`.
template <typename Perf, typename Algo, typename Find>
void choose(Choice<Algo>& c, MathMode mode, Find find) {
  constexpr int max_algorithms = 16;
  std::array<Perf, max_algorithms> perf{};
  int count = 0;
  find(max_algorithms, &count, perf.data());
  const Perf* best = pick(perf.data(), count, mode);
  c.chosen = true;
  c.ok = best != nullptr;
  if (best != nullptr) {
    c.algo = best->algo;
    c.workspace = best->memory;
  }
}

#endif  // FASTBLOCK_WITH_CUDNN

}  // namespace conv_detail

/// Which convolution path runs, and (with cuDNN) the descriptors and algorithms chosen for each
/// geometry seen so far: choosing costs a few heuristics queries, so it happens once per shape
/// (a training run sees a handful: one per layer, plus the smaller last batch).
class ConvPlans {
 public:
  /// Whether convolutions go through cuDNN (always false in a build without it).
  bool use_cudnn = FASTBLOCK_WITH_CUDNN != 0;

#if FASTBLOCK_WITH_CUDNN
  /// The plan for `s`, made on first use; null when cuDNN is switched off or cannot take `s`.
  conv_detail::CudnnPlan* find(const ConvShape& s, MathMode mode) {
    if (!use_cudnn || !conv_detail::cudnn_fits(s)) return nullptr;
    const Key key{s.n, s.c, s.h, s.w, s.out, s.k, s.stride, s.pad, static_cast<int>(mode)};
    auto it = plans_.find(key);
    if (it == plans_.end()) it = plans_.emplace(key, conv_detail::make_plan(s, mode)).first;
    return it->second.get();
  }

 private:
  using Key = std::array<std::int64_t, 9>;
  std::map<Key, std::unique_ptr<conv_detail::CudnnPlan>> plans_;
#endif
};

}  // namespace fastblock::cuda_backend

void std::default_delete<fastblock::cuda_backend::ConvPlans>::operator()(
    fastblock::cuda_backend::ConvPlans* plans) const noexcept {
  delete plans;  // the one place ConvPlans is complete; unique_ptr<ConvPlans> owns it
}

namespace fastblock::cuda_backend {

ConvPlans& CudaBackend::conv_plans() {
  if (!conv_plans_) conv_plans_ = std::make_unique<ConvPlans>();
  return *conv_plans_;
}

void CudaBackend::set_math_mode(MathMode mode) {
  math_ = mode;
  cuda_runtime::check(cublasSetMathMode(blas(), mode == MathMode::tf32 ? CUBLAS_TF32_TENSOR_OP_MATH
                                                                       : CUBLAS_DEFAULT_MATH),
                      "cublasSetMathMode");
}

void CudaBackend::set_conv_algorithm(bool use_cudnn) {
  conv_plans().use_cudnn = use_cudnn && FASTBLOCK_WITH_CUDNN != 0;
}

void CudaBackend::conv2d_forward(const ConvShape& s, const float* x, const float* w, const float* b,
                                 float* y) {
  if (s.n == 0 || s.out == 0 || s.ho * s.wo == 0) return;
  bool done = false;
#if FASTBLOCK_WITH_CUDNN
  conv_detail::CudnnPlan* plan = conv_plans().find(s, math_);
  if (plan != nullptr && !plan->forward.chosen) {
    // Measured once per geometry on the real buffers (y is written again right below).
    Storage ws = allocate_block(conv_detail::find_workspace_limit(), /*counted=*/false);
    conv_detail::choose<cudnnConvolutionFwdAlgoPerf_t>(
        plan->forward, math_, [&](int max, int* count, auto* perf) {
          cuda_runtime::check(cudnnFindConvolutionForwardAlgorithmEx(
                                  cudnn_, plan->x.get(), x, plan->w.get(), w, plan->conv.get(),
                                  plan->y.get(), y, max, count, perf, ws.data(), ws.nbytes()),
                              "cudnnFindConvolutionForwardAlgorithmEx");
        });
  }
  if (plan != nullptr && plan->forward.ok) {
    const std::size_t size = plan->forward.workspace;
    void* workspace = size > 0 ? scratch(size) : nullptr;
    cuda_runtime::check(
        cudnnConvolutionForward(cudnn_, &conv_detail::one, plan->x.get(), x, plan->w.get(), w,
                                plan->conv.get(), plan->forward.algo, workspace, size,
                                &conv_detail::zero, plan->y.get(), y),
        "cudnnConvolutionForward");
    done = true;
  }
#endif
  if (!done) conv_detail::forward_im2col(*this, s, x, w, y);
  if (b != nullptr) conv_detail::add_bias(stream_, y, b, s.n, s.out, s.ho * s.wo);
}

void CudaBackend::conv2d_backward(const ConvShape& s, const float* x, const float* w,
                                  const float* dy, float* dx, float* dw, float* db) {
  if (s.n == 0) return;
  if (s.out == 0 || s.ho * s.wo == 0) {
    // No output reads the input: its gradient is zero, and dw, db gain nothing.
    if (dx != nullptr)
      zero_bytes(dx, static_cast<std::size_t>(s.n * s.c * s.h * s.w) * sizeof(float));
    return;
  }
  bool done = false;
#if FASTBLOCK_WITH_CUDNN
  conv_detail::CudnnPlan* plan = conv_plans().find(s, math_);
  if (plan != nullptr &&
      ((dx != nullptr && !plan->data.chosen) || (dw != nullptr && !plan->filter.chosen))) {
    // Measured once per geometry on the real inputs; the outputs go to temporary buffers, since
    // dw accumulates and must not be touched by trial runs.
    Storage ws = allocate_block(conv_detail::find_workspace_limit(), /*counted=*/false);
    if (dx != nullptr && !plan->data.chosen) {
      Storage trial =
          allocate_block(static_cast<std::size_t>(s.n * s.c * s.h * s.w) * sizeof(float),
                         /*counted=*/false);
      conv_detail::choose<cudnnConvolutionBwdDataAlgoPerf_t>(
          plan->data, math_, [&](int max, int* count, auto* perf) {
            cuda_runtime::check(
                cudnnFindConvolutionBackwardDataAlgorithmEx(
                    cudnn_, plan->w.get(), w, plan->y.get(), dy, plan->conv.get(), plan->x.get(),
                    trial.data(), max, count, perf, ws.data(), ws.nbytes()),
                "cudnnFindConvolutionBackwardDataAlgorithmEx");
          });
    }
    if (dw != nullptr && !plan->filter.chosen) {
      Storage trial = allocate_block(
          static_cast<std::size_t>(s.out * s.c * s.k * s.k) * sizeof(float), /*counted=*/false);
      conv_detail::choose<cudnnConvolutionBwdFilterAlgoPerf_t>(
          plan->filter, math_, [&](int max, int* count, auto* perf) {
            cuda_runtime::check(
                cudnnFindConvolutionBackwardFilterAlgorithmEx(
                    cudnn_, plan->x.get(), x, plan->y.get(), dy, plan->conv.get(), plan->w.get(),
                    trial.data(), max, count, perf, ws.data(), ws.nbytes()),
                "cudnnFindConvolutionBackwardFilterAlgorithmEx");
          });
    }
  }
  // Each direction runs through cuDNN when it found an algorithm, else through im2col.
  const bool data_cudnn = plan != nullptr && dx != nullptr && plan->data.ok;
  const bool filter_cudnn = plan != nullptr && dw != nullptr && plan->filter.ok;
  if (data_cudnn) {
    const std::size_t size = plan->data.workspace;
    void* workspace = size > 0 ? scratch(size) : nullptr;
    cuda_runtime::check(
        cudnnConvolutionBackwardData(cudnn_, &conv_detail::one, plan->w.get(), w, plan->y.get(), dy,
                                     plan->conv.get(), plan->data.algo, workspace, size,
                                     &conv_detail::zero, plan->x.get(), dx),
        "cudnnConvolutionBackwardData");
  }
  if (filter_cudnn) {
    const std::size_t size = plan->filter.workspace;
    void* workspace = size > 0 ? scratch(size) : nullptr;
    // beta = 1: weight gradients accumulate.
    cuda_runtime::check(
        cudnnConvolutionBackwardFilter(cudnn_, &conv_detail::one, plan->x.get(), x, plan->y.get(),
                                       dy, plan->conv.get(), plan->filter.algo, workspace, size,
                                       &conv_detail::one, plan->w.get(), dw),
        "cudnnConvolutionBackwardFilter");
  }
  if (data_cudnn || filter_cudnn) {
    if (data_cudnn != (dx != nullptr) || filter_cudnn != (dw != nullptr))
      conv_detail::backward_im2col(*this, s, x, w, dy, data_cudnn ? nullptr : dx,
                                   filter_cudnn ? nullptr : dw);
    done = true;
  }
#endif
  if (!done) conv_detail::backward_im2col(*this, s, x, w, dy, dx, dw);
  if (db != nullptr) conv_detail::channel_sum(stream_, dy, s.n, s.out, s.ho * s.wo, db);
}

void CudaBackend::linear_forward(std::int64_t n, std::int64_t in, std::int64_t out, const float* x,
                                 const float* w, const float* b, float* y) {
  if (n == 0 || out == 0) return;
  const int n_n = conv_detail::as_int(n, "linear batch");
  const int n_in = conv_detail::as_int(in, "linear in_features");
  const int n_out = conv_detail::as_int(out, "linear out_features");
  if (in == 0) {
    zero_bytes(y, static_cast<std::size_t>(n * out) * sizeof(float));
  } else {
    // y [n, out] = x [n, in] · wᵀ [in, out]. Column-major: yᵀ [out, n] = w [out, in] · xᵀ [in, n];
    // the w buffer read column-major is wᵀ (hence OP_T), the x buffer is xᵀ (OP_N).
    cuda_runtime::check(
        cublasSgemm(blas(), CUBLAS_OP_T, CUBLAS_OP_N, n_out, n_n, n_in, &conv_detail::one, w, n_in,
                    x, n_in, &conv_detail::zero, y, n_out),
        "cublasSgemm (linear forward)");
  }
  if (b != nullptr) conv_detail::add_bias(stream_, y, b, n, out, 1);
}

void CudaBackend::linear_backward(std::int64_t n, std::int64_t in, std::int64_t out, const float* x,
                                  const float* w, const float* dy, float* dx, float* dw,
                                  float* db) {
  if (n == 0) return;  // nothing to accumulate, and dx has no elements
  const int n_n = conv_detail::as_int(n, "linear batch");
  const int n_in = conv_detail::as_int(in, "linear in_features");
  const int n_out = conv_detail::as_int(out, "linear out_features");
  if (dx != nullptr && in > 0) {
    if (out == 0) {
      zero_bytes(dx, static_cast<std::size_t>(n * in) * sizeof(float));
    } else {
      // dx [n, in] = dy [n, out] · w [out, in]. Column-major: dxᵀ [in, n] = wᵀ [in, out] · dyᵀ
      // [out, n], all three exactly the row-major buffers: no transposes.
      cuda_runtime::check(
          cublasSgemm(blas(), CUBLAS_OP_N, CUBLAS_OP_N, n_in, n_n, n_out, &conv_detail::one, w,
                      n_in, dy, n_out, &conv_detail::zero, dx, n_in),
          "cublasSgemm (linear input gradient)");
    }
  }
  if (dw != nullptr && in > 0 && out > 0) {
    // dw [out, in] += dyᵀ [out, n] · x [n, in]. Column-major: dwᵀ [in, out] += xᵀ [in, n] · dy
    // [n, out]; the x buffer is xᵀ (OP_N), the dy buffer read column-major is dyᵀ (hence OP_T).
    cuda_runtime::check(
        cublasSgemm(blas(), CUBLAS_OP_N, CUBLAS_OP_T, n_in, n_out, n_n, &conv_detail::one, x, n_in,
                    dy, n_out, &conv_detail::one, dw, n_in),
        "cublasSgemm (linear weight gradient)");
  }
  if (db != nullptr) conv_detail::channel_sum(stream_, dy, n, out, 1, db);
}

}  // namespace fastblock::cuda_backend
