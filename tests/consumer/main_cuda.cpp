// A user's program on the GPU back end after find_package(fastblock): plain C++ linked to
// fastblock::cuda. On a machine without a GPU it runs on the CPU, as a user's program would.
#include <fastblock/cuda.hpp>
#include <fastblock/nn.hpp>

#include <iostream>

int main() {
  using namespace fastblock;
  const Device device = cuda_available() ? cuda : cpu;
  Linear layer(4, 2);
  to(layer, device);
  const Tensor y = layer.forward(ones({3, 4}).to(device));
  std::cout << "ran on " << y.device() << ": " << y.to(cpu).sum().item<float>() << "\n";
  return y.shape() == Shape{3, 2} ? 0 : 1;
}
