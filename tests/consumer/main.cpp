// What a user writes after find_package(fastblock): the seed's binary cross-entropy by hand.
#include <fastblock/fastblock.hpp>

#include <cmath>
#include <iostream>

int main() {
  using namespace fastblock;
  auto inputs = tensor({{2.0f, -1.0f}, {0.5f, 3.0f}}).sigmoid();
  auto targets = tensor({{1.0f, 0.0f}, {0.0f, 1.0f}});
  auto loss = -where(targets == 1, inputs, 1 - inputs).log().mean();
  std::cout << "loss " << loss << "\n";
  return std::abs(loss.item<float>() - 0.3657f) < 1e-3f ? 0 : 1;
}
