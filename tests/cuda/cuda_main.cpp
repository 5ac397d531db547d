// Catch2's main for the GPU tests: without a usable CUDA device the whole program reports itself
// skipped (exit 77, which ctest shows as "Skipped"), so CPU-only machines still build and link it.
// The tests compare the GPU with the CPU path, so they run in MathMode::strict (one test covers
// the faster modes).
#define CATCH_CONFIG_RUNNER
#include <cstdio>

#include <fastblock/cuda.hpp>

#include "catch.hpp"

int main(int argc, char** argv) {
  if (!fastblock::cuda_available()) {
    std::printf("no CUDA device: skipped\n");
    return 77;
  }
  std::printf("device: %s\n", fastblock::backend(fastblock::cuda).name().c_str());
  fastblock::backend(fastblock::cuda).set_math_mode(fastblock::MathMode::strict);
  return Catch::Session().run(argc, argv);
}
