// CUDA runtime checks: device discovery, allocation errors, a cuBLAS GEMM against the CPU.
// Exits 77 (skipped) without a GPU, so CPU-only CI still compiles and links this file.
#include <cmath>
#include <cstdio>
#include <vector>

#include <fastblock/cuda/runtime.hpp>

namespace cr = fastblock::cuda_runtime;

namespace {
int failures = 0;
void expect(bool ok, const char* what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what);
  failures += ok ? 0 : 1;
}
}  // namespace

int main() {
  if (!cr::has_cuda()) {
    std::printf("no CUDA device: skipped\n");
    return 77;
  }
  std::printf("device: %s\n", cr::device_description().c_str());

  // An impossible request is a device_error that names the size and the free memory.
  try {
    (void)cr::allocate(std::size_t{1} << 60);
    expect(false, "allocating 2^60 bytes throws");
  } catch (const fastblock::device_error& e) {
    const std::string msg = e.what();
    expect(msg.find("cannot allocate 1152921504606846976 bytes") != std::string::npos &&
               msg.find("bytes free") != std::string::npos,
           "allocation failure names the request and the free memory");
  }

  // C = A·B through cuBLAS (column-major), compared with a CPU loop.
  const int m = 37, n = 29, k = 53;
  std::vector<float> a(m * k), b(k * n), c(m * n), ref(m * n, 0.0f);
  for (int i = 0; i < m * k; ++i) a[i] = std::sin(0.1f * i);
  for (int i = 0; i < k * n; ++i) b[i] = std::cos(0.07f * i);
  for (int j = 0; j < n; ++j)
    for (int p = 0; p < k; ++p)
      for (int i = 0; i < m; ++i) ref[i + j * m] += a[i + p * m] * b[p + j * k];
  auto da = cr::allocate(a.size() * 4), db = cr::allocate(b.size() * 4),
       dc = cr::allocate(c.size() * 4);
  cr::check(cudaMemcpy(da.get(), a.data(), a.size() * 4, cudaMemcpyHostToDevice), "cudaMemcpy");
  cr::check(cudaMemcpy(db.get(), b.data(), b.size() * 4, cudaMemcpyHostToDevice), "cudaMemcpy");
  cr::BlasHandle blas;
  const float one = 1.0f, zero = 0.0f;
  cr::check(cublasSgemm(blas.get(), CUBLAS_OP_N, CUBLAS_OP_N, m, n, k, &one,
                        reinterpret_cast<float*>(da.get()), m, reinterpret_cast<float*>(db.get()),
                        k, &zero, reinterpret_cast<float*>(dc.get()), m),
            "cublasSgemm");
  cr::check(cudaMemcpy(c.data(), dc.get(), c.size() * 4, cudaMemcpyDeviceToHost), "cudaMemcpy");
  float worst = 0.0f;
  for (int i = 0; i < m * n; ++i) worst = std::fmax(worst, std::fabs(c[i] - ref[i]));
  std::printf("max |cuBLAS - CPU| = %g\n", worst);
  expect(worst < 1e-3f, "cuBLAS SGEMM matches the CPU within 1e-3 (TF32 off by default)");

  // A failing call is reported with its name.
  try {
    cr::check(cudaSetDevice(cr::device_count() + 5), "cudaSetDevice");
    expect(false, "cudaSetDevice on a missing device throws");
  } catch (const fastblock::device_error& e) {
    expect(std::string(e.what()).find("cudaSetDevice failed") != std::string::npos,
           "a failing runtime call names itself");
  }
  return failures == 0 ? 0 : 1;
}
